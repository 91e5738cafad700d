#!/bin/bash
# script: an LSB init script run with start/stop/status; exit codes mapped as rgmanager's
# script agent does (status 1-3 = not running, any other failure = generic error).
AGENT_TYPE=script
. "$(dirname "$(readlink -f "$0")")/lib/ocf.sh"

meta_data() {
	meta_start script "LSB-compliant init script as a cluster resource."
	meta_param name PU "" "" "Name."
	meta_param file UR "" "" "Path to the LSB init script."
	meta_param service_name - "" "service%name" "Name of the service this script belongs to."
	meta_actions start:0 stop:0 status:0:30s:0 meta-data:0 validate-all:0
	meta_end
}

validate() {
	require_param name file
	if [ ! -f "$OCF_RESKEY_file" ]; then ocf_log err "$OCF_RESKEY_file does not exist"; return $OCF_ERR_INSTALLED; fi
	if [ ! -x "$OCF_RESKEY_file" ]; then ocf_log err "$OCF_RESKEY_file is not executable"; return $OCF_ERR_PERM; fi
	return 0
}

action=${1:-}
case "$action" in
	meta-data) meta_data; exit 0 ;;
	validate-all|verify-all) validate; exit $? ;;
	start|stop|status|monitor)
		[ "$action" = monitor ] && action=status
		validate; v=$?
		if [ $v -ne 0 ]; then
			case $action in stop) exit $OCF_SUCCESS ;; status) exit $OCF_NOT_RUNNING ;; *) exit $v ;; esac
		fi
		"$OCF_RESKEY_file" "$action" >&2
		rc=$?
		if [ $rc -ne 0 ]; then
			ocf_log err "$action of $OCF_RESKEY_file failed (returned $rc)"
			if [ "$action" = status ]; then lsb_to_ocf status $rc; exit $?; fi
			exit $OCF_ERR_GENERIC
		fi
		exit $OCF_SUCCESS ;;
	*) echo "usage: $0 {start|stop|status|meta-data|validate-all}" >&2; exit $OCF_ERR_UNIMPLEMENTED ;;
esac
