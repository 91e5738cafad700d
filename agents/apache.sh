#!/bin/bash
# apache: an Apache httpd instance of the service, started with its own pid file so several
# services can run one each. Uses httpd (Red Hat) or apache2 (Debian).
AGENT_TYPE=apache
. "$(dirname "$(readlink -f "$0")")/lib/ocf.sh"

meta_data() {
	meta_start apache "Apache HTTP server instance."
	meta_param name PU "" "" "Name."
	meta_param httpd - "" "" "Path to the httpd binary (default: httpd or apache2 from PATH)."
	meta_param server_root - "/etc/httpd" "" "ServerRoot."
	meta_param config_file - "conf/httpd.conf" "" "Configuration file (relative to server_root or absolute)."
	meta_param httpd_options - "" "" "Extra httpd options."
	meta_param shutdown_wait - "0" "" "Seconds to wait at stop (0 = 30)."
	meta_param service_name - "" "service%name" "Name of the service this belongs to."
	meta_actions start:0 stop:0 status:0:10s:0 recover:0 meta-data:0 validate-all:0
	meta_end
}

httpd_bin() {
	local b
	if [ -n "$OCF_RESKEY_httpd" ]; then [ -x "$OCF_RESKEY_httpd" ] && { echo "$OCF_RESKEY_httpd"; return 0; }; return 1; fi
	for b in httpd apache2; do command -v $b >/dev/null 2>&1 && { command -v $b; return 0; }; done
	for b in /usr/sbin/httpd /usr/sbin/apache2; do [ -x $b ] && { echo $b; return 0; }; done
	return 1
}

conf() {
	case "$OCF_RESKEY_config_file" in
		/*) echo "$OCF_RESKEY_config_file" ;;
		*) echo "${OCF_RESKEY_server_root:-/etc/httpd}/${OCF_RESKEY_config_file:-conf/httpd.conf}" ;;
	esac
}

pidfile=$(pidfile_for apache "$OCF_RESKEY_name")

running() { pid_alive "$(cat "$pidfile" 2>/dev/null)"; }

start() {
	local bin i
	bin=$(httpd_bin) || { ocf_log err "httpd/apache2 is not installed"; return $OCF_ERR_INSTALLED; }
	[ -f "$(conf)" ] || { ocf_log err "$(conf) does not exist"; return $OCF_ERR_CONFIGURED; }
	running && return $OCF_SUCCESS
	mkdir -p "$(dirname "$pidfile")"
	# Debian's apache2 needs its runtime variables
	[ -f /etc/apache2/envvars ] && . /etc/apache2/envvars
	"$bin" -d "${OCF_RESKEY_server_root:-/etc/httpd}" -f "$(conf)" -c "PidFile $pidfile" $OCF_RESKEY_httpd_options -k start >&2 || {
		ocf_log err "$bin failed to start"; return $OCF_ERR_GENERIC; }
	for i in $(seq 1 50); do running && return $OCF_SUCCESS; sleep 0.2; done
	ocf_log err "httpd did not write $pidfile"
	return $OCF_ERR_GENERIC
}

stop() {
	local pid i wait=${OCF_RESKEY_shutdown_wait:-0}
	[ "$wait" -gt 0 ] 2>/dev/null || wait=30
	running || { rm -f "$pidfile"; return $OCF_SUCCESS; }
	pid=$(cat "$pidfile")
	kill -TERM "$pid"
	for i in $(seq 1 $((wait * 5))); do pid_alive "$pid" || break; sleep 0.2; done
	if pid_alive "$pid"; then ocf_log warning "httpd did not stop in ${wait}s; killing"; kill -KILL "$pid"; fi
	rm -f "$pidfile"
	return $OCF_SUCCESS
}

case "${1:-}" in
	meta-data) meta_data; exit 0 ;;
	start) require_param name; start; exit $? ;;
	stop) stop; exit $? ;;
	status|monitor) running && exit $OCF_SUCCESS; exit $OCF_NOT_RUNNING ;;
	recover) stop; start; exit $? ;;
	validate-all|verify-all) require_param name; [ -f "$(conf)" ] || exit $OCF_ERR_CONFIGURED; exit $OCF_SUCCESS ;;
	*) echo "usage: $0 {start|stop|status|recover|meta-data|validate-all}" >&2; exit $OCF_ERR_UNIMPLEMENTED ;;
esac
