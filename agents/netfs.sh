#!/bin/bash
# netfs: an NFS (or CIFS) mount of HOST:EXPORT.
AGENT_TYPE=netfs
. "$(dirname "$(readlink -f "$0")")/lib/ocf.sh"
. "$(dirname "$(readlink -f "$0")")/lib/mount.sh"

meta_data() {
	meta_start netfs "Network file system mount (NFS or CIFS)."
	meta_param name P "" "" "Name."
	meta_param mountpoint UR "" "" "Path to mount on."
	meta_param host R "" "" "Server name or address."
	meta_param export R "" "" "Exported path (NFS) or share (CIFS)."
	meta_param fstype - "" "" "nfs, nfs4 or cifs (default nfs)."
	meta_param no_unmount - "" "" "Do not unmount at stop (default 0)."
	meta_param force_unmount - "" "" "Kill processes holding the mount point at stop (default 0)."
	meta_param options - "" "" "Mount options."
	meta_actions start:900 stop:30 status:10:1m:0 status:30:5m:10 status:30:10m:20 recover:930 meta-data:5 validate-all:5
	meta_special "" "forbid nfsclient" "forbid nfsexport"
	meta_end
}

source_of() {
	case "${OCF_RESKEY_fstype:-nfs}" in
		cifs) echo "//$OCF_RESKEY_host/${OCF_RESKEY_export#/}" ;;
		*) echo "$OCF_RESKEY_host:$OCF_RESKEY_export" ;;
	esac
}

case "${1:-}" in
	meta-data) meta_data; exit 0 ;;
	start) require_param mountpoint host export
		is_mounted "$OCF_RESKEY_mountpoint" && exit $OCF_SUCCESS
		do_mount "$(source_of)" "$OCF_RESKEY_mountpoint" "${OCF_RESKEY_fstype:-nfs}" "$OCF_RESKEY_options"; exit $? ;;
	stop) require_param mountpoint
		yes_no "${OCF_RESKEY_no_unmount:-0}" && exit $OCF_SUCCESS
		do_umount "$OCF_RESKEY_mountpoint" "${OCF_RESKEY_force_unmount:-0}"; exit $? ;;
	status|monitor) require_param mountpoint; mount_status "$OCF_RESKEY_mountpoint"; exit $? ;;
	recover) exit $OCF_ERR_UNIMPLEMENTED ;;
	validate-all|verify-all) require_param mountpoint host export; exit $OCF_SUCCESS ;;
	*) echo "usage: $0 {start|stop|status|meta-data|validate-all}" >&2; exit $OCF_ERR_UNIMPLEMENTED ;;
esac
