#!/bin/bash
# nfsclient: exports PATH to TARGET with OPTIONS (exportfs -o OPTIONS TARGET:PATH).
AGENT_TYPE=nfsclient
. "$(dirname "$(readlink -f "$0")")/lib/ocf.sh"

meta_data() {
	meta_start nfsclient "NFS client: exports the inherited path to a host, netgroup or network."
	meta_param name PU "" "" "Name."
	meta_param target R "" "" "Host, @netgroup, network/prefix or *."
	meta_param path - "" "path" "Exported path (inherited from nfsexport)."
	meta_param fsid - "" "fsid" "fsid (inherited)."
	meta_param options - "" "" "Export options (exports(5))."
	meta_param allow_recover - "" "" "Allow recover (default 1)."
	meta_actions start:90 stop:5 recover:90 status:5:5s:0 meta-data:5 validate-all:30
	meta_end
}

export_id() { echo "$OCF_RESKEY_target:$OCF_RESKEY_path"; }

exported() {
	exportfs -v 2>/dev/null | tr -s ' \t\n' ' ' | sed 's/) /)\n/g' | awk -v p="$OCF_RESKEY_path" -v t="$OCF_RESKEY_target" '$1 == p && index($2, t "(") == 1 { f = 1 } END { exit f ? 0 : 1 }'
}

need_tools() {
	command -v exportfs >/dev/null 2>&1 && return 0
	ocf_log err "exportfs (nfs-kernel-server) is not installed"
	return 1
}

case "${1:-}" in
	meta-data) meta_data; exit 0 ;;
	start|recover) require_param target path
		need_tools || exit $OCF_ERR_INSTALLED
		opts=${OCF_RESKEY_options:-}
		[ -n "$OCF_RESKEY_fsid" ] && opts="${opts:+$opts,}fsid=$OCF_RESKEY_fsid"
		exportfs ${opts:+-o "$opts"} "$(export_id)" >&2 || { ocf_log err "exportfs $(export_id) failed"; exit $OCF_ERR_GENERIC; }
		exit $OCF_SUCCESS ;;
	stop) [ -n "$OCF_RESKEY_target" ] && [ -n "$OCF_RESKEY_path" ] || exit $OCF_SUCCESS
		command -v exportfs >/dev/null 2>&1 || exit $OCF_SUCCESS
		exported || exit $OCF_SUCCESS
		exportfs -u "$(export_id)" >&2 || { ocf_log err "exportfs -u $(export_id) failed"; exit $OCF_ERR_GENERIC; }
		exit $OCF_SUCCESS ;;
	status|monitor) [ -n "$OCF_RESKEY_target" ] && [ -n "$OCF_RESKEY_path" ] || exit $OCF_NOT_RUNNING
		command -v exportfs >/dev/null 2>&1 || exit $OCF_NOT_RUNNING
		exported && exit $OCF_SUCCESS
		ocf_log err "$(export_id) is not exported"; exit $OCF_NOT_RUNNING ;;
	validate-all|verify-all) require_param target; exit $OCF_SUCCESS ;;
	*) echo "usage: $0 {start|stop|status|recover|meta-data|validate-all}" >&2; exit $OCF_ERR_UNIMPLEMENTED ;;
esac
