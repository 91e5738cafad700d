#!/bin/bash
# bind-mount: a bind mount of SOURCE on MOUNTPOINT.
AGENT_TYPE=bind-mount
. "$(dirname "$(readlink -f "$0")")/lib/ocf.sh"
. "$(dirname "$(readlink -f "$0")")/lib/mount.sh"

meta_data() {
	meta_start bind-mount "Bind mount."
	meta_param name PU "" "" "Name."
	meta_param mountpoint UR "" "" "Path to mount on."
	meta_param source R "" "" "Directory to bind."
	meta_param force_unmount - "" "" "Kill processes holding the mount point at stop (default 0)."
	meta_actions start:30 stop:30 status:10:1m:0 status:30:30s:10 status:30:1m:20 meta-data:5 validate-all:5
	meta_special "" "forbid nfsexport" "child nfsclient"
	meta_end
}

case "${1:-}" in
	meta-data) meta_data; exit 0 ;;
	start) require_param mountpoint source
		is_mounted "$OCF_RESKEY_mountpoint" && exit $OCF_SUCCESS
		[ -d "$OCF_RESKEY_source" ] || { ocf_log err "$OCF_RESKEY_source is not a directory"; exit $OCF_ERR_INSTALLED; }
		do_mount "$OCF_RESKEY_source" "$OCF_RESKEY_mountpoint" "" "bind"; exit $? ;;
	stop) require_param mountpoint; do_umount "$OCF_RESKEY_mountpoint" "${OCF_RESKEY_force_unmount:-0}"; exit $? ;;
	status|monitor) require_param mountpoint; mount_status "$OCF_RESKEY_mountpoint"; exit $? ;;
	validate-all|verify-all) require_param mountpoint source; exit $OCF_SUCCESS ;;
	*) echo "usage: $0 {start|stop|status|meta-data|validate-all}" >&2; exit $OCF_ERR_UNIMPLEMENTED ;;
esac
