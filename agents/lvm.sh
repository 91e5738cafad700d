#!/bin/bash
# lvm: activates a volume group (or one logical volume of it) on the service's node.
AGENT_TYPE=lvm
. "$(dirname "$(readlink -f "$0")")/lib/ocf.sh"

meta_data() {
	meta_start lvm "LVM volume group or logical volume activation."
	meta_param name PU "" "" "Name."
	meta_param vg_name R "" "" "Volume group."
	meta_param lv_name - "" "" "Logical volume (empty = the whole volume group)."
	meta_param self_fence - "" "" "Reboot the node if deactivation fails (default 0)."
	meta_param nfslock - "" "service%nfslock" "NFS lock workaround."
	meta_actions start:5 stop:5 status:5:1h:0 recover:5 meta-data:5 validate-all:5
	meta_special "maxinstances=1"
	meta_end
}

target() { if [ -n "$OCF_RESKEY_lv_name" ]; then echo "$OCF_RESKEY_vg_name/$OCF_RESKEY_lv_name"; else echo "$OCF_RESKEY_vg_name"; fi; }

active() {
	if [ -n "$OCF_RESKEY_lv_name" ]; then
		lvs --noheadings -o lv_attr "$(target)" 2>/dev/null | grep -q '^ *....a'
	else
		lvs --noheadings -o lv_attr "$OCF_RESKEY_vg_name" 2>/dev/null | grep -q '^ *....a'
	fi
}

case "${1:-}" in
	meta-data) meta_data; exit 0 ;;
	start|recover) require_param vg_name
		command -v vgchange >/dev/null 2>&1 || { ocf_log err "lvm2 is not installed"; exit $OCF_ERR_INSTALLED; }
		if [ -n "$OCF_RESKEY_lv_name" ]; then lvchange -a y "$(target)" >&2; else vgchange -a y "$OCF_RESKEY_vg_name" >&2; fi
		[ $? -eq 0 ] || { ocf_log err "activation of $(target) failed"; exit $OCF_ERR_GENERIC; }
		exit $OCF_SUCCESS ;;
	stop) require_param vg_name
		command -v vgchange >/dev/null 2>&1 || exit $OCF_SUCCESS
		if [ -n "$OCF_RESKEY_lv_name" ]; then lvchange -a n "$(target)" >&2; else vgchange -a n "$OCF_RESKEY_vg_name" >&2; fi
		if [ $? -ne 0 ]; then
			ocf_log err "deactivation of $(target) failed"
			yes_no "${OCF_RESKEY_self_fence:-0}" && echo b > /proc/sysrq-trigger
			exit $OCF_ERR_GENERIC
		fi
		exit $OCF_SUCCESS ;;
	status|monitor) require_param vg_name
		command -v lvs >/dev/null 2>&1 || exit $OCF_NOT_RUNNING
		active && exit $OCF_SUCCESS; exit $OCF_NOT_RUNNING ;;
	validate-all|verify-all) require_param vg_name; exit $OCF_SUCCESS ;;
	*) echo "usage: $0 {start|stop|status|recover|meta-data|validate-all}" >&2; exit $OCF_ERR_UNIMPLEMENTED ;;
esac
