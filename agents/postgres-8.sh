#!/bin/bash
# postgres-8: PostgreSQL 8 server.
# Validates its parameters; manages the daemon by its init script when present, else by the
# binary with a pid file under $CLUSTER_RUN_DIR/postgres-8/.
AGENT_TYPE=postgres-8
. "$(dirname "$(readlink -f "$0")")/lib/ocf.sh"

meta_data() {
	meta_start postgres-8 "PostgreSQL 8 server."
	meta_param name PU "" "" "Name."
	meta_param config_file - "/var/lib/pgsql/data/postgresql.conf" "" "postgresql.conf."
	meta_param postmaster_user - "postgres" "" "User running the postmaster."
	meta_param postmaster_options - "" "" "Extra postmaster options."
	meta_param startup_wait - "10" "" "Seconds to wait at start."
	meta_param shutdown_wait - "30" "" "Seconds to wait at stop."
	meta_param service_name - "" "service%name" "Name of the service this belongs to."
	meta_actions start:0 stop:0 status:0:10s:0 recover:0 meta-data:0 validate-all:0
	meta_end
}

init=""
for f in /etc/init.d/postgresql /etc/init.d/postgresql-8; do [ -x "$f" ] && { init=$f; break; }; done
pidfile=$(pidfile_for postgres-8 "$OCF_RESKEY_name")

case "${1:-}" in
	meta-data) meta_data; exit 0 ;;
	validate-all|verify-all) require_param name; [ -z "$OCF_RESKEY_config_file" ] || [ -f "$OCF_RESKEY_config_file" ] || { ocf_log err "$OCF_RESKEY_config_file does not exist"; exit $OCF_ERR_CONFIGURED; }; exit $OCF_SUCCESS ;;
	start) require_param name; daemon_op start "$init" postgres "$pidfile" -D "$(dirname "$OCF_RESKEY_config_file")" $OCF_RESKEY_postmaster_options; exit $? ;;
	stop) daemon_op stop "$init" postgres "$pidfile"; exit $? ;;
	status|monitor) daemon_op status "$init" postgres "$pidfile"; exit $? ;;
	recover) daemon_op stop "$init" postgres "$pidfile"; daemon_op start "$init" postgres "$pidfile" -D "$(dirname "$OCF_RESKEY_config_file")" $OCF_RESKEY_postmaster_options; exit $? ;;
	*) echo "usage: $0 {start|stop|status|recover|meta-data|validate-all}" >&2; exit $OCF_ERR_UNIMPLEMENTED ;;
esac
