#!/bin/bash
# vm: a libvirt virtual machine as a root resource (like service); managed with virsh.
AGENT_TYPE=vm
. "$(dirname "$(readlink -f "$0")")/lib/ocf.sh"

meta_data() {
	meta_start vm "Virtual machine (libvirt domain)."
	meta_param name PUR "" "" "Name of the virtual machine (libvirt domain)."
	meta_param domain C "" "" "Failover domain."
	meta_param autostart C "" "" "Start automatically (default 1)."
	meta_param exclusive C "" "" "Exclusive placement (default 0)."
	meta_param recovery C "" "" "Failure recovery policy (default restart)."
	meta_param migration_mapping C "" "" "node:target,... mapping for migration."
	meta_param use_virsh - "" "" "Use virsh (default 1)."
	meta_param xmlfile - "" "" "libvirt XML file of the domain."
	meta_param migrate C "" "" "Migration type: live or pause (default live)."
	meta_param path - "" "" "Colon-separated search path for the domain XML."
	meta_param snapshot - "" "" "Snapshot directory."
	meta_param depend C "" "" "Dependency (service:NAME)."
	meta_param depend_mode C "" "" "hard or soft (default hard)."
	meta_param max_restarts C "" "" "Restarts tolerated (default 0)."
	meta_param restart_expire_time C "" "" "Window for max_restarts (default 0)."
	meta_param hypervisor - "" "" "Hypervisor (default auto)."
	meta_param hypervisor_uri - "" "" "libvirt URI."
	meta_param migration_uri - "" "" "Migration URI."
	meta_param status_program - "" "" "Extra status program."
	meta_actions start:300 stop:120 status:10:30s:0 migrate:600 recover:420 reconfig:10 meta-data:5 validate-all:5
	meta_special "maxinstances=1 init_on_add=0 destroy_on_delete=0"
	meta_end
}

virsh_c() { virsh ${OCF_RESKEY_hypervisor_uri:+-c "$OCF_RESKEY_hypervisor_uri"} "$@"; }
state() { virsh_c domstate "$OCF_RESKEY_name" 2>/dev/null | head -1; }

case "${1:-}" in
	meta-data) meta_data; exit 0 ;;
	start) require_param name
		command -v virsh >/dev/null 2>&1 || { ocf_log err "virsh (libvirt-clients) is not installed"; exit $OCF_ERR_INSTALLED; }
		[ "$(state)" = running ] && exit $OCF_SUCCESS
		if [ -n "$OCF_RESKEY_xmlfile" ]; then virsh_c create "$OCF_RESKEY_xmlfile" >&2; else virsh_c start "$OCF_RESKEY_name" >&2; fi
		[ $? -eq 0 ] || exit $OCF_ERR_GENERIC; exit $OCF_SUCCESS ;;
	stop) require_param name
		command -v virsh >/dev/null 2>&1 || exit $OCF_SUCCESS
		case "$(state)" in running|paused|idle|"in shutdown") ;; *) exit $OCF_SUCCESS ;; esac
		virsh_c shutdown "$OCF_RESKEY_name" >&2
		for i in $(seq 1 60); do case "$(state)" in running|"in shutdown") sleep 1 ;; *) exit $OCF_SUCCESS ;; esac; done
		virsh_c destroy "$OCF_RESKEY_name" >&2 || exit $OCF_ERR_GENERIC; exit $OCF_SUCCESS ;;
	status|monitor) require_param name
		command -v virsh >/dev/null 2>&1 || exit $OCF_NOT_RUNNING
		case "$(state)" in running|idle|paused|blocked) exit $OCF_SUCCESS ;; *) exit $OCF_NOT_RUNNING ;; esac ;;
	migrate) require_param name
		command -v virsh >/dev/null 2>&1 || exit $OCF_ERR_INSTALLED
		[ -n "${2:-}" ] || { ocf_log err "migrate needs a target node"; exit $OCF_ERR_ARGS; }
		flag=--live; [ "${OCF_RESKEY_migrate:-live}" = pause ] && flag=""
		virsh_c migrate $flag "$OCF_RESKEY_name" "${OCF_RESKEY_migration_uri:-qemu+ssh://$2/system}" >&2 || exit $OCF_ERR_GENERIC
		exit $OCF_SUCCESS ;;
	recover) "$0" stop && "$0" start; exit $? ;;
	reconfig) exit $OCF_SUCCESS ;;
	validate-all|verify-all) require_param name; exit $OCF_SUCCESS ;;
	*) echo "usage: $0 {start|stop|status|migrate|recover|reconfig|meta-data|validate-all}" >&2; exit $OCF_ERR_UNIMPLEMENTED ;;
esac
