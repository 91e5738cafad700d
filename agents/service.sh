#!/bin/bash
# service: the root of a resource tree (rgmanager resource group). Starting it does nothing by
# itself; its children are started in the order its metadata declares.
AGENT_TYPE=service
. "$(dirname "$(readlink -f "$0")")/lib/ocf.sh"

meta_data() {
	meta_start service "Defines a service (resource group)."
	meta_param name PUR "" "" "Name of the service."
	meta_param domain C "" "" "Failover domain."
	meta_param autostart C "" "" "Start the service automatically (default 1)."
	meta_param hardrecovery - "" "" "Reboot the node if the service fails to stop (default 0)."
	meta_param exclusive C "" "" "Run only on a node with no other service (default 0)."
	meta_param nfslock - "" "" "Enable NFS lock workarounds (default 0)."
	meta_param recovery C "" "" "Failure recovery policy: restart, relocate, disable, restart-disable (default restart)."
	meta_param depend C "" "" "Service this service depends on (service:NAME)."
	meta_param depend_mode C "" "" "Dependency mode: hard or soft (default hard)."
	meta_param max_restarts C "" "" "Restarts tolerated within restart_expire_time (default 0)."
	meta_param restart_expire_time C "" "" "Window for max_restarts (default 0 = never forget)."
	meta_param priority C "" "" "Service priority (default 0)."
	meta_param nfs_client_cache - "" "" "Enable the NFS client cache (default 0)."
	meta_actions start:5 stop:5 status:5:1h recover:5 reconfig:5 meta-data:5 validate-all:5
	meta_special "maxinstances=1" \
		"child lvm 1 9" "child fs 2 8" "child clusterfs 3 7" "child netfs 4 6" \
		"child nfsexport 5 5" "child nfsclient 6 4" "child ip 7 2" "child smb 8 3" "child script 9 1"
	meta_end
}

case "${1:-}" in
	meta-data) meta_data; exit 0 ;;
	start|stop|status|monitor|recover|reconfig) exit $OCF_SUCCESS ;;
	validate-all|verify-all) require_param name; exit $OCF_SUCCESS ;;
	*) echo "usage: $0 {start|stop|status|recover|reconfig|meta-data|validate-all}" >&2; exit $OCF_ERR_UNIMPLEMENTED ;;
esac
