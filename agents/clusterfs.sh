#!/bin/bash
# clusterfs: a cluster file system (GFS2, OCFS2) mounted on every node that runs the service.
AGENT_TYPE=clusterfs
. "$(dirname "$(readlink -f "$0")")/lib/ocf.sh"
. "$(dirname "$(readlink -f "$0")")/lib/mount.sh"

meta_data() {
	meta_start clusterfs "Cluster file system resource."
	meta_param name P "" "" "File system name."
	meta_param mountpoint UR "" "" "Path to mount on."
	meta_param device UR "" "" "Device, LABEL= or UUID=."
	meta_param fstype - "" "" "File system type (gfs2, ocfs2, ...)."
	meta_param force_unmount - "" "" "Kill processes holding the mount point at stop (default 0)."
	meta_param options - "" "" "Mount options."
	meta_param fsid - "" "" "NFS export fsid."
	meta_param nfslock - "" "service%nfslock" "NFS lock workaround."
	meta_param self_fence - "" "" "Reboot the node if unmounting fails (default 0)."
	meta_param force_fsck - "" "" "Run fsck before mounting (default 0)."
	meta_param quick_status - "" "" "Only do the depth-0 status check (default 0)."
	meta_actions start:900 stop:30 status:10:1m:0 status:30:30s:10 status:30:1m:20 recover:930 meta-data:5 validate-all:5
	meta_special "" "child fs 1 3" "child clusterfs 1 3" "child nfsexport 3 1"
	meta_end
}

start() {
	local dev rc
	dev=$(resolve_device "$OCF_RESKEY_device")
	if is_mounted "$OCF_RESKEY_mountpoint"; then ocf_log info "$OCF_RESKEY_mountpoint already mounted"; return $OCF_SUCCESS; fi
	if [ ! -e "$dev" ]; then ocf_log err "device $dev does not exist"; return $OCF_ERR_INSTALLED; fi
	if yes_no "${OCF_RESKEY_force_fsck:-0}" && command -v fsck >/dev/null 2>&1; then
		fsck -p ${OCF_RESKEY_fstype:+-t "$OCF_RESKEY_fstype"} "$dev" >&2
		rc=$?
		if [ $rc -ge 4 ]; then ocf_log err "fsck of $dev failed (returned $rc)"; return $OCF_ERR_GENERIC; fi
	fi
	do_mount "$dev" "$OCF_RESKEY_mountpoint" "$OCF_RESKEY_fstype" "$OCF_RESKEY_options"
}

case "${1:-}" in
	meta-data) meta_data; exit 0 ;;
	start) require_param mountpoint device; start; exit $? ;;
	stop) require_param mountpoint; do_umount "$OCF_RESKEY_mountpoint" "${OCF_RESKEY_force_unmount:-0}" "${OCF_RESKEY_self_fence:-0}"; exit $? ;;
	status|monitor) require_param mountpoint
		yes_no "${OCF_RESKEY_quick_status:-0}" && OCF_CHECK_LEVEL=0
		mount_status "$OCF_RESKEY_mountpoint"; exit $? ;;
	recover) require_param mountpoint device
		do_umount "$OCF_RESKEY_mountpoint" "${OCF_RESKEY_force_unmount:-0}" || exit $?; start; exit $? ;;
	validate-all|verify-all) require_param mountpoint device; exit $OCF_SUCCESS ;;
	*) echo "usage: $0 {start|stop|status|recover|meta-data|validate-all}" >&2; exit $OCF_ERR_UNIMPLEMENTED ;;
esac
