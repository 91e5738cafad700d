#!/bin/bash
# mysql: MySQL server.
# Validates its parameters; manages the daemon by its init script when present, else by the
# binary with a pid file under $CLUSTER_RUN_DIR/mysql/.
AGENT_TYPE=mysql
. "$(dirname "$(readlink -f "$0")")/lib/ocf.sh"

meta_data() {
	meta_start mysql "MySQL server."
	meta_param name PU "" "" "Name."
	meta_param config_file - "/etc/my.cnf" "" "my.cnf."
	meta_param listen_address - "" "" "Address to bind (usually the service IP)."
	meta_param mysqld_options - "" "" "Extra mysqld options."
	meta_param startup_wait - "10" "" "Seconds to wait at start."
	meta_param shutdown_wait - "30" "" "Seconds to wait at stop."
	meta_param service_name - "" "service%name" "Name of the service this belongs to."
	meta_actions start:0 stop:0 status:0:10s:0 recover:0 meta-data:0 validate-all:0
	meta_end
}

init=""
for f in /etc/init.d/mysqld /etc/init.d/mysql /etc/init.d/mariadb; do [ -x "$f" ] && { init=$f; break; }; done
pidfile=$(pidfile_for mysql "$OCF_RESKEY_name")

case "${1:-}" in
	meta-data) meta_data; exit 0 ;;
	validate-all|verify-all) require_param name; [ -z "$OCF_RESKEY_config_file" ] || [ -f "$OCF_RESKEY_config_file" ] || { ocf_log err "$OCF_RESKEY_config_file does not exist"; exit $OCF_ERR_CONFIGURED; }; exit $OCF_SUCCESS ;;
	start) require_param name; daemon_op start "$init" mysqld_safe "$pidfile" --defaults-file="$OCF_RESKEY_config_file" ${OCF_RESKEY_listen_address:+--bind-address="$OCF_RESKEY_listen_address"} $OCF_RESKEY_mysqld_options; exit $? ;;
	stop) daemon_op stop "$init" mysqld_safe "$pidfile"; exit $? ;;
	status|monitor) daemon_op status "$init" mysqld_safe "$pidfile"; exit $? ;;
	recover) daemon_op stop "$init" mysqld_safe "$pidfile"; daemon_op start "$init" mysqld_safe "$pidfile" --defaults-file="$OCF_RESKEY_config_file" ${OCF_RESKEY_listen_address:+--bind-address="$OCF_RESKEY_listen_address"} $OCF_RESKEY_mysqld_options; exit $? ;;
	*) echo "usage: $0 {start|stop|status|recover|meta-data|validate-all}" >&2; exit $OCF_ERR_UNIMPLEMENTED ;;
esac
