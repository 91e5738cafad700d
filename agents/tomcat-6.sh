#!/bin/bash
# tomcat-6: Tomcat 6 servlet container.
# Validates its parameters; manages the daemon by its init script when present, else by the
# binary with a pid file under $CLUSTER_RUN_DIR/tomcat-6/.
AGENT_TYPE=tomcat-6
. "$(dirname "$(readlink -f "$0")")/lib/ocf.sh"

meta_data() {
	meta_start tomcat-6 "Tomcat 6 servlet container."
	meta_param name PU "" "" "Name."
	meta_param config_file - "/etc/tomcat6/tomcat6.conf" "" "tomcat6.conf."
	meta_param catalina_options - "" "" "Extra options."
	meta_param shutdown_wait - "30" "" "Seconds to wait at stop."
	meta_param service_name - "" "service%name" "Name of the service this belongs to."
	meta_actions start:0 stop:0 status:0:10s:0 recover:0 meta-data:0 validate-all:0
	meta_end
}

init=""
for f in /etc/init.d/tomcat6 /etc/init.d/tomcat; do [ -x "$f" ] && { init=$f; break; }; done
pidfile=$(pidfile_for tomcat-6 "$OCF_RESKEY_name")

case "${1:-}" in
	meta-data) meta_data; exit 0 ;;
	validate-all|verify-all) require_param name; [ -z "$OCF_RESKEY_config_file" ] || [ -f "$OCF_RESKEY_config_file" ] || { ocf_log err "$OCF_RESKEY_config_file does not exist"; exit $OCF_ERR_CONFIGURED; }; exit $OCF_SUCCESS ;;
	start) require_param name; daemon_op start "$init" catalina.sh "$pidfile" run; exit $? ;;
	stop) daemon_op stop "$init" catalina.sh "$pidfile"; exit $? ;;
	status|monitor) daemon_op status "$init" catalina.sh "$pidfile"; exit $? ;;
	recover) daemon_op stop "$init" catalina.sh "$pidfile"; daemon_op start "$init" catalina.sh "$pidfile" run; exit $? ;;
	*) echo "usage: $0 {start|stop|status|recover|meta-data|validate-all}" >&2; exit $OCF_ERR_UNIMPLEMENTED ;;
esac
