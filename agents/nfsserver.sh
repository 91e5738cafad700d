#!/bin/bash
# nfsserver: the NFS server daemons with their state on the service's file system (NFSv3/v4
# failover). Manages nfs-kernel-server by its init script when present.
AGENT_TYPE=nfsserver
. "$(dirname "$(readlink -f "$0")")/lib/ocf.sh"

meta_data() {
	meta_start nfsserver "NFS server with its state kept on shared storage."
	meta_param name PU "" "" "Name."
	meta_param path - "" "mountpoint" "Shared path (inherited from the parent file system)."
	meta_param nfspath - ".clumanager/nfs" "" "Directory (relative to path) for the NFS state."
	meta_param statdport - "" "" "Port for rpc.statd."
	meta_actions start:5 stop:5 recover:5 status:5:30s:0 meta-data:5 validate-all:30
	meta_special "maxinstances=1" "child nfsclient 1 2" "child ip 2 1" "forbid nfsexport" "forbid nfsserver"
	meta_end
}

init=""
for f in /etc/init.d/nfs-kernel-server /etc/init.d/nfs; do [ -x "$f" ] && { init=$f; break; }; done

case "${1:-}" in
	meta-data) meta_data; exit 0 ;;
	start|stop|status)
		if [ "$1" = start ] && [ -n "$OCF_RESKEY_path" ]; then mkdir -p "$OCF_RESKEY_path/${OCF_RESKEY_nfspath:-.clumanager/nfs}"; fi
		daemon_op "$1" "$init" rpc.nfsd "$(pidfile_for nfsserver "$OCF_RESKEY_name")" 8; exit $? ;;
	monitor) daemon_op status "$init" rpc.nfsd "$(pidfile_for nfsserver "$OCF_RESKEY_name")"; exit $? ;;
	recover) daemon_op stop "$init" rpc.nfsd "$(pidfile_for nfsserver "$OCF_RESKEY_name")"; daemon_op start "$init" rpc.nfsd "$(pidfile_for nfsserver "$OCF_RESKEY_name")" 8; exit $? ;;
	validate-all|verify-all) require_param name; exit $OCF_SUCCESS ;;
	*) echo "usage: $0 {start|stop|status|recover|meta-data|validate-all}" >&2; exit $OCF_ERR_UNIMPLEMENTED ;;
esac
