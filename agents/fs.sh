#!/bin/bash
# fs: a local file system (ext2/3/4, xfs, ...) mounted on the service's node.
AGENT_TYPE=fs
. "$(dirname "$(readlink -f "$0")")/lib/ocf.sh"
. "$(dirname "$(readlink -f "$0")")/lib/mount.sh"

meta_data() {
	meta_start fs "File system resource."
	meta_param name P "" "" "File system name."
	meta_param mountpoint UR "" "" "Path to mount on."
	meta_param device UR "" "" "Device, LABEL= or UUID=."
	meta_param fstype - "" "" "File system type (default: probed by mount)."
	meta_param force_unmount - "" "" "Kill processes holding the mount point at stop (default 0)."
	meta_param self_fence - "" "" "Reboot the node if unmounting fails (default 0)."
	meta_param nfslock - "" "nfslock" "NFS lock workaround."
	meta_param fsid - "" "" "NFS export fsid."
	meta_param force_fsck - "" "" "Run fsck before mounting (default 0)."
	meta_param options - "" "" "Mount options."
	meta_param quick_status - "" "" "Only do the depth-0 status check (default 0)."
	meta_actions start:900 stop:30 status:10:1m:0 status:30:30s:10 status:30:1m:20 recover:930 meta-data:5 validate-all:5
	meta_special "maxinstances=1" "child fs 1 3" "child clusterfs 1 3" "child nfsexport 3 1"
	meta_end
}

block_fs_main "$@"
