#!/bin/bash
# samba: Samba server instance (smbd and nmbd).
# Validates its parameters; manages the daemon by its init script when present, else by the
# binary with a pid file under $CLUSTER_RUN_DIR/samba/.
AGENT_TYPE=samba
. "$(dirname "$(readlink -f "$0")")/lib/ocf.sh"

meta_data() {
	meta_start samba "Samba server instance (smbd and nmbd)."
	meta_param name PU "" "" "Name."
	meta_param config_file - "/etc/samba/smb.conf" "" "smb.conf."
	meta_param smbd_options - "" "" "Extra smbd options."
	meta_param nmbd_options - "" "" "Extra nmbd options."
	meta_param shutdown_wait - "0" "" "Seconds to wait at stop."
	meta_param service_name - "" "service%name" "Name of the service this belongs to."
	meta_actions start:0 stop:0 status:0:10s:0 recover:0 meta-data:0 validate-all:0
	meta_end
}

init=""
for f in /etc/init.d/smb /etc/init.d/samba /etc/init.d/smbd; do [ -x "$f" ] && { init=$f; break; }; done
pidfile=$(pidfile_for samba "$OCF_RESKEY_name")

case "${1:-}" in
	meta-data) meta_data; exit 0 ;;
	validate-all|verify-all) require_param name; [ -z "$OCF_RESKEY_config_file" ] || [ -f "$OCF_RESKEY_config_file" ] || { ocf_log err "$OCF_RESKEY_config_file does not exist"; exit $OCF_ERR_CONFIGURED; }; exit $OCF_SUCCESS ;;
	start) require_param name; daemon_op start "$init" smbd "$pidfile" -F -s "$OCF_RESKEY_config_file" $OCF_RESKEY_smbd_options; exit $? ;;
	stop) daemon_op stop "$init" smbd "$pidfile"; exit $? ;;
	status|monitor) daemon_op status "$init" smbd "$pidfile"; exit $? ;;
	recover) daemon_op stop "$init" smbd "$pidfile"; daemon_op start "$init" smbd "$pidfile" -F -s "$OCF_RESKEY_config_file" $OCF_RESKEY_smbd_options; exit $? ;;
	*) echo "usage: $0 {start|stop|status|recover|meta-data|validate-all}" >&2; exit $OCF_ERR_UNIMPLEMENTED ;;
esac
