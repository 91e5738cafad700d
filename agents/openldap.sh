#!/bin/bash
# openldap: OpenLDAP server (slapd).
# Validates its parameters; manages the daemon by its init script when present, else by the
# binary with a pid file under $CLUSTER_RUN_DIR/openldap/.
AGENT_TYPE=openldap
. "$(dirname "$(readlink -f "$0")")/lib/ocf.sh"

meta_data() {
	meta_start openldap "OpenLDAP server (slapd)."
	meta_param name PU "" "" "Name."
	meta_param config_file - "/etc/openldap/slapd.conf" "" "slapd.conf."
	meta_param url_list - "" "" "URLs to serve (-h)."
	meta_param slapd_options - "" "" "Extra slapd options."
	meta_param shutdown_wait - "0" "" "Seconds to wait at stop."
	meta_param service_name - "" "service%name" "Name of the service this belongs to."
	meta_actions start:0 stop:0 status:0:10s:0 recover:0 meta-data:0 validate-all:0
	meta_end
}

init=""
for f in /etc/init.d/slapd /etc/init.d/ldap; do [ -x "$f" ] && { init=$f; break; }; done
pidfile=$(pidfile_for openldap "$OCF_RESKEY_name")

case "${1:-}" in
	meta-data) meta_data; exit 0 ;;
	validate-all|verify-all) require_param name; [ -z "$OCF_RESKEY_config_file" ] || [ -f "$OCF_RESKEY_config_file" ] || { ocf_log err "$OCF_RESKEY_config_file does not exist"; exit $OCF_ERR_CONFIGURED; }; exit $OCF_SUCCESS ;;
	start) require_param name; daemon_op start "$init" slapd "$pidfile" -d 0 -f "$OCF_RESKEY_config_file" ${OCF_RESKEY_url_list:+-h "$OCF_RESKEY_url_list"} $OCF_RESKEY_slapd_options; exit $? ;;
	stop) daemon_op stop "$init" slapd "$pidfile"; exit $? ;;
	status|monitor) daemon_op status "$init" slapd "$pidfile"; exit $? ;;
	recover) daemon_op stop "$init" slapd "$pidfile"; daemon_op start "$init" slapd "$pidfile" -d 0 -f "$OCF_RESKEY_config_file" ${OCF_RESKEY_url_list:+-h "$OCF_RESKEY_url_list"} $OCF_RESKEY_slapd_options; exit $? ;;
	*) echo "usage: $0 {start|stop|status|recover|meta-data|validate-all}" >&2; exit $OCF_ERR_UNIMPLEMENTED ;;
esac
