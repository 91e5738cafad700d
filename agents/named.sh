#!/bin/bash
# named: ISC BIND name server.
# Validates its parameters; manages the daemon by its init script when present, else by the
# binary with a pid file under $CLUSTER_RUN_DIR/named/.
AGENT_TYPE=named
. "$(dirname "$(readlink -f "$0")")/lib/ocf.sh"

meta_data() {
	meta_start named "ISC BIND name server."
	meta_param name PU "" "" "Name."
	meta_param config_file - "/etc/named.conf" "" "named.conf."
	meta_param named_sdb - "0" "" "Use simplified database backend."
	meta_param named_working_dir - "" "" "Working directory (chroot)."
	meta_param named_options - "" "" "Extra named options."
	meta_param shutdown_wait - "5" "" "Seconds to wait at stop."
	meta_param service_name - "" "service%name" "Name of the service this belongs to."
	meta_actions start:0 stop:0 status:0:10s:0 recover:0 meta-data:0 validate-all:0
	meta_end
}

init=""
for f in /etc/init.d/named /etc/init.d/bind9; do [ -x "$f" ] && { init=$f; break; }; done
pidfile=$(pidfile_for named "$OCF_RESKEY_name")

case "${1:-}" in
	meta-data) meta_data; exit 0 ;;
	validate-all|verify-all) require_param name; [ -z "$OCF_RESKEY_config_file" ] || [ -f "$OCF_RESKEY_config_file" ] || { ocf_log err "$OCF_RESKEY_config_file does not exist"; exit $OCF_ERR_CONFIGURED; }; exit $OCF_SUCCESS ;;
	start) require_param name; daemon_op start "$init" named "$pidfile" -f -c "$OCF_RESKEY_config_file" ${OCF_RESKEY_named_working_dir:+-t "$OCF_RESKEY_named_working_dir"} $OCF_RESKEY_named_options; exit $? ;;
	stop) daemon_op stop "$init" named "$pidfile"; exit $? ;;
	status|monitor) daemon_op status "$init" named "$pidfile"; exit $? ;;
	recover) daemon_op stop "$init" named "$pidfile"; daemon_op start "$init" named "$pidfile" -f -c "$OCF_RESKEY_config_file" ${OCF_RESKEY_named_working_dir:+-t "$OCF_RESKEY_named_working_dir"} $OCF_RESKEY_named_options; exit $? ;;
	*) echo "usage: $0 {start|stop|status|recover|meta-data|validate-all}" >&2; exit $OCF_ERR_UNIMPLEMENTED ;;
esac
