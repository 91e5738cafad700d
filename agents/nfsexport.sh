#!/bin/bash
# nfsexport: groups the nfsclient resources of one exported path. It checks that the path
# exists and that the kernel NFS server is usable; the clients do the exporting.
AGENT_TYPE=nfsexport
. "$(dirname "$(readlink -f "$0")")/lib/ocf.sh"

meta_data() {
	meta_start nfsexport "NFS export: parent of the nfsclient resources of one path."
	meta_param name P "" "" "Name."
	meta_param device - "" "device" "Device (inherited from the parent file system)."
	meta_param path - "" "mountpoint" "Exported path (inherited from the parent's mountpoint)."
	meta_param fsid - "" "fsid" "fsid (inherited)."
	meta_actions start:5 stop:5 recover:5 status:5:5s:0 meta-data:5 validate-all:30
	meta_special "" "forbid nfsexport" "child nfsclient"
	meta_end
}

case "${1:-}" in
	meta-data) meta_data; exit 0 ;;
	start|recover)
		if [ -n "$OCF_RESKEY_path" ] && [ ! -d "$OCF_RESKEY_path" ]; then ocf_log err "$OCF_RESKEY_path is not a directory"; exit $OCF_ERR_CONFIGURED; fi
		command -v exportfs >/dev/null 2>&1 || { ocf_log err "exportfs (nfs-kernel-server) is not installed"; exit $OCF_ERR_INSTALLED; }
		exit $OCF_SUCCESS ;;
	stop) exit $OCF_SUCCESS ;;
	status|monitor)
		if [ -n "$OCF_RESKEY_path" ] && [ ! -d "$OCF_RESKEY_path" ]; then exit $OCF_ERR_GENERIC; fi
		exit $OCF_SUCCESS ;;
	validate-all|verify-all) require_param name; exit $OCF_SUCCESS ;;
	*) echo "usage: $0 {start|stop|status|recover|meta-data|validate-all}" >&2; exit $OCF_ERR_UNIMPLEMENTED ;;
esac
