# Shared helpers for cluster-suite resource agents (sourced by every agent in ../).
# OCF exit codes, logging, metadata printing and daemon management.

OCF_SUCCESS=0
OCF_ERR_GENERIC=1
OCF_ERR_ARGS=2
OCF_ERR_UNIMPLEMENTED=3
OCF_ERR_PERM=4
OCF_ERR_INSTALLED=5
OCF_ERR_CONFIGURED=6
OCF_NOT_RUNNING=7

: "${OCF_RESOURCE_INSTANCE:=${AGENT_TYPE:-agent}:${OCF_RESKEY_name:-}}"
: "${CLUSTER_RUN_DIR:=/var/run/cluster}"

ocf_log() {
	# ocf_log LEVEL MESSAGE... -> stderr (the executor copies it to the cluster log)
	local level=$1; shift
	echo "<$level> [$OCF_RESOURCE_INSTANCE] $*" >&2
}

yes_no() {
	# yes_no VALUE -> 0 when VALUE means yes (1, yes, y, on, true)
	case "$(echo "$1" | tr 'A-Z' 'a-z')" in
		1|y|yes|on|true) return 0 ;;
		*) return 1 ;;
	esac
}

require_param() {
	# require_param NAME... : exit OCF_ERR_CONFIGURED when a parameter is empty
	local p v
	for p in "$@"; do
		eval "v=\${OCF_RESKEY_$p:-}"
		if [ -z "$v" ]; then
			ocf_log err "parameter $p is required"
			exit $OCF_ERR_CONFIGURED
		fi
	done
}

# ---- metadata -------------------------------------------------------------
xml_escape() {
	local s=$1
	s=${s//&/&amp;}; s=${s//</&lt;}; s=${s//>/&gt;}; s=${s//\"/&quot;}
	printf '%s' "$s"
}

meta_start() {
	# meta_start TYPE DESCRIPTION
	cat <<XML
<?xml version="1.0"?>
<!DOCTYPE resource-agent SYSTEM "ra-api-1-modified.dtd">
<resource-agent version="1.0" name="$1">
    <version>1.0</version>
    <longdesc lang="en">$(xml_escape "$2")</longdesc>
    <shortdesc lang="en">$(xml_escape "$2")</shortdesc>
    <parameters>
XML
}

meta_param() {
	# meta_param NAME FLAGS DEFAULT INHERIT DESCRIPTION
	# FLAGS: letters P(rimary) U(nique) R(equired) C (reconfig), or - for none
	local name=$1 flags=$2 def=$3 inh=$4 desc=$5 a=""
	case $flags in *P*) a="$a primary=\"1\"" ;; esac
	case $flags in *U*) a="$a unique=\"1\"" ;; esac
	case $flags in *R*) a="$a required=\"1\"" ;; esac
	case $flags in *C*) a="$a reconfig=\"1\"" ;; esac
	[ -n "$inh" ] && a="$a inherit=\"$inh\""
	echo "        <parameter name=\"$name\"$a>"
	echo "            <longdesc lang=\"en\">$(xml_escape "$desc")</longdesc>"
	echo "            <shortdesc lang=\"en\">$(xml_escape "$desc")</shortdesc>"
	if [ -n "$def" ]; then
		echo "            <content type=\"string\" default=\"$(xml_escape "$def")\"/>"
	else
		echo "            <content type=\"string\"/>"
	fi
	echo "        </parameter>"
}

meta_actions() {
	# meta_actions "name:timeout[:interval[:depth]]"...
	echo "    </parameters>"
	echo "    <actions>"
	local spec name t i d
	for spec in "$@"; do
		IFS=: read -r name t i d <<<"$spec"
		printf '        <action name="%s"' "$name"
		[ -n "$t" ] && printf ' timeout="%s"' "$t"
		[ -n "$i" ] && printf ' interval="%s"' "$i"
		[ -n "$d" ] && printf ' depth="%s"' "$d"
		echo "/>"
	done
	echo "    </actions>"
}

meta_special() {
	# meta_special "maxinstances=1 init_on_add=0 ..." then "child TYPE START STOP" / "forbid TYPE" lines
	local attrs=$1 kv a=""; shift
	echo '    <special tag="rgmanager">'
	if [ -n "$attrs" ]; then
		for kv in $attrs; do a="$a ${kv%%=*}=\"${kv#*=}\""; done
		echo "        <attributes$a/>"
	fi
	local line
	for line in "$@"; do
		set -- $line
		case $1 in
			child)
				if [ -n "${3:-}" ]; then
					echo "        <child type=\"$2\" start=\"$3\" stop=\"$4\"/>"
				else
					echo "        <child type=\"$2\"/>"
				fi ;;
			forbid) echo "        <child type=\"$2\" forbid=\"1\"/>" ;;
		esac
	done
	echo '    </special>'
}

meta_end() {
	echo "</resource-agent>"
}

# ---- LSB init scripts and daemons -----------------------------------------
lsb_to_ocf() {
	# Map an LSB init script's exit code for ACTION to OCF as rgmanager's script.sh does:
	# status 1-3 (dead/not running) -> 7; any other non-zero stays an error.
	local action=$1 rc=$2
	if [ "$action" = status ]; then
		case $rc in
			0) return $OCF_SUCCESS ;;
			1|2|3) return $OCF_NOT_RUNNING ;;
			*) return $OCF_ERR_GENERIC ;;
		esac
	fi
	return $rc
}

pidfile_for() {
	# pidfile_for TYPE NAME
	local safe
	safe=$(printf '%s' "$2" | tr -c 'A-Za-z0-9._-' '_')
	echo "$CLUSTER_RUN_DIR/$1/$safe.pid"
}

pid_alive() {
	[ -n "$1" ] && kill -0 "$1" 2>/dev/null
}

daemon_op() {
	# daemon_op ACTION INITSCRIPT BINARY PIDFILE [ARGS...]
	# Manage a daemon by its init script when present, otherwise by its binary with a pid file.
	local action=$1 init=$2 bin=$3 pidfile=$4 rc pid i
	shift 4
	if [ -n "$init" ] && [ -x "$init" ]; then
		"$init" "$action" >&2
		rc=$?
		lsb_to_ocf "$action" $rc
		return $?
	fi
	if [ -z "$bin" ] || ! command -v "$bin" >/dev/null 2>&1; then
		case $action in
			stop) return $OCF_SUCCESS ;;
			status) return $OCF_NOT_RUNNING ;;
			*) ocf_log err "neither $init nor $bin is installed"; return $OCF_ERR_INSTALLED ;;
		esac
	fi
	pid=$(cat "$pidfile" 2>/dev/null)
	case $action in
		start)
			if pid_alive "$pid"; then return $OCF_SUCCESS; fi
			mkdir -p "$(dirname "$pidfile")"
			"$bin" "$@" >/dev/null 2>&1 &
			echo $! > "$pidfile"
			sleep 0.2
			pid_alive "$(cat "$pidfile")" || { ocf_log err "$bin exited at start"; return $OCF_ERR_GENERIC; }
			return $OCF_SUCCESS ;;
		stop)
			if ! pid_alive "$pid"; then rm -f "$pidfile"; return $OCF_SUCCESS; fi
			kill -TERM "$pid"
			for i in $(seq 1 "${OCF_RESKEY_shutdown_wait:-30}"); do
				pid_alive "$pid" || break
				sleep 1
			done
			pid_alive "$pid" && kill -KILL "$pid"
			rm -f "$pidfile"
			return $OCF_SUCCESS ;;
		status|monitor)
			pid_alive "$pid" && return $OCF_SUCCESS
			return $OCF_NOT_RUNNING ;;
	esac
	return $OCF_ERR_UNIMPLEMENTED
}
