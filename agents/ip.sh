#!/bin/bash
# ip: a floating IP address, added to the interface that already holds an address of the same
# subnet (or prefer_interface). Link monitoring (monitor_link) and a duplicate address check
# (arping -D when installed, else the neighbour table) before the address is added.
AGENT_TYPE=ip
. "$(dirname "$(readlink -f "$0")")/lib/ocf.sh"

meta_data() {
	meta_start ip "IP address (IPv4 or IPv6) that moves with the service."
	meta_param address PU "" "" "IP address, optionally with /prefix."
	meta_param family - "" "" "auto, inet or inet6 (default auto)."
	meta_param monitor_link - "1" "" "Fail when the interface link is down."
	meta_param nfslock - "" "service%nfslock" "NFS lock workaround."
	meta_param sleeptime - "" "" "Seconds to sleep after adding/removing the address (default 0)."
	meta_param prefer_interface - "" "" "Interface to use when several hold the subnet."
	meta_param disable_rdisc - "" "" "Do not announce the address (default 0)."
	meta_actions start:20 stop:20 status:10:20:0 status:20:10:10 recover:20 meta-data:5 validate-all:5
	meta_special "maxinstances=1" "forbid nfsclient" "forbid nfsexport"
	meta_end
}

ip4_to_int() {
	local IFS=. a b c d
	read -r a b c d <<<"$1"
	echo $(( (a << 24) | (b << 16) | (c << 8) | d ))
}

is_ip4() {
	[[ $1 =~ ^[0-9]{1,3}(\.[0-9]{1,3}){3}$ ]]
}

# Sets ADDR, PREFIX (may be empty), FAM (4|6)
parse_address() {
	ADDR=${OCF_RESKEY_address%%/*}
	PREFIX=""
	[ "$ADDR" != "$OCF_RESKEY_address" ] && PREFIX=${OCF_RESKEY_address#*/}
	case "${OCF_RESKEY_family:-auto}" in
		inet) FAM=4 ;;
		inet6) FAM=6 ;;
		*) if is_ip4 "$ADDR"; then FAM=4; else FAM=6; fi ;;
	esac
	if [ $FAM = 4 ] && ! is_ip4 "$ADDR"; then ocf_log err "invalid IPv4 address $OCF_RESKEY_address"; exit $OCF_ERR_CONFIGURED; fi
	if [ $FAM = 6 ] && [[ ! $ADDR =~ : ]]; then ocf_log err "invalid address $OCF_RESKEY_address"; exit $OCF_ERR_CONFIGURED; fi
}

# Interface currently holding ADDR (empty if none)
holder_dev() {
	ip -o -$FAM addr show 2>/dev/null | awk -v a="$ADDR" '{ split($4, p, "/"); if (p[1] == a) { print $2; exit } }' | sed 's/@.*//'
}

# Sets DEV and PLEN: the interface whose existing address's subnet contains ADDR
find_dev() {
	DEV=""; PLEN=$PREFIX
	local line dev cidr net plen mask ai ni
	if [ $FAM = 4 ]; then
		ai=$(ip4_to_int "$ADDR")
		while read -r dev cidr; do
			net=${cidr%/*}; plen=${cidr#*/}
			[ "$net" = "$ADDR" ] && continue
			[ -n "$OCF_RESKEY_prefer_interface" ] && [ "$dev" != "$OCF_RESKEY_prefer_interface" ] && continue
			mask=$(( plen == 0 ? 0 : (0xffffffff << (32 - plen)) & 0xffffffff ))
			ni=$(ip4_to_int "$net")
			if [ $(( ai & mask )) -eq $(( ni & mask )) ]; then
				DEV=$dev; [ -z "$PLEN" ] && PLEN=$plen
				return 0
			fi
		done < <(ip -o -4 addr show 2>/dev/null | awk '{ sub(/@.*/, "", $2); print $2, $4 }')
	else
		if [ -n "$OCF_RESKEY_prefer_interface" ]; then DEV=$OCF_RESKEY_prefer_interface; [ -z "$PLEN" ] && PLEN=64; return 0; fi
		# IPv6: match on the first 64 bits of an existing global address
		local pfx
		pfx=$(echo "$ADDR" | cut -d: -f1-4)
		while read -r dev cidr; do
			case "$cidr" in "$pfx":*) DEV=$dev; [ -z "$PLEN" ] && PLEN=${cidr#*/}; return 0 ;; esac
		done < <(ip -o -6 addr show scope global 2>/dev/null | awk '{ sub(/@.*/, "", $2); print $2, $4 }')
	fi
	return 1
}

link_up() {
	# link_up DEV: operstate UP or UNKNOWN (loopback, veth without carrier info) and no NO-CARRIER
	local l
	l=$(ip -o link show dev "$1" 2>/dev/null) || return 1
	case "$l" in *NO-CARRIER*) return 1 ;; esac
	case "$l" in *"state UP"*|*"state UNKNOWN"*) return 0 ;; esac
	return 1
}

duplicate_check() {
	# returns 0 when another host answers for ADDR on DEV (before we add it)
	[ "$DEV" = lo ] && return 1
	if [ $FAM = 4 ] && command -v arping >/dev/null 2>&1; then
		if arping -q -D -c 2 -w 2 -I "$DEV" "$ADDR" >/dev/null 2>&1; then return 1; else return 0; fi
	fi
	# No arping: make the kernel resolve the neighbour (one UDP datagram to the discard port)
	# and look for a link-layer answer in the neighbour table.
	local i
	( exec 3>"/dev/udp/$ADDR/9" && echo -n x >&3 ) 2>/dev/null
	for i in 1 2 3 4 5 6 7 8 9 10; do
		if ip -$FAM neigh show to "$ADDR" dev "$DEV" 2>/dev/null | grep -Eq 'lladdr .*(REACHABLE|STALE|DELAY|PROBE|PERMANENT)'; then
			return 0
		fi
		ip -$FAM neigh show to "$ADDR" dev "$DEV" 2>/dev/null | grep -q 'FAILED' && return 1
		sleep 0.1
	done
	return 1
}

do_start() {
	parse_address
	local h
	h=$(holder_dev)
	if [ -n "$h" ]; then ocf_log info "$ADDR already configured on $h"; return $OCF_SUCCESS; fi
	if ! find_dev; then ocf_log err "no interface holds a subnet containing $ADDR"; return $OCF_ERR_GENERIC; fi
	if yes_no "${OCF_RESKEY_monitor_link:-1}" && ! link_up "$DEV"; then
		ocf_log err "link on $DEV is down"; return $OCF_ERR_GENERIC
	fi
	if duplicate_check; then ocf_log err "IP address collision: $ADDR is in use by another host on $DEV"; return $OCF_ERR_GENERIC; fi
	if ! ip -$FAM addr add "$ADDR/$PLEN" dev "$DEV" >&2; then
		ocf_log err "failed to add $ADDR/$PLEN to $DEV"; return $OCF_ERR_GENERIC
	fi
	ocf_log info "added $ADDR/$PLEN to $DEV"
	[ -n "$OCF_RESKEY_sleeptime" ] && sleep "$OCF_RESKEY_sleeptime"
	return $OCF_SUCCESS
}

do_stop() {
	parse_address
	local h cidr
	h=$(holder_dev)
	[ -z "$h" ] && return $OCF_SUCCESS
	cidr=$(ip -o -$FAM addr show dev "$h" | awk -v a="$ADDR" '{ split($4, p, "/"); if (p[1] == a) { print $4; exit } }')
	if ! ip -$FAM addr del "$cidr" dev "$h" >&2; then ocf_log err "failed to remove $cidr from $h"; return $OCF_ERR_GENERIC; fi
	ocf_log info "removed $cidr from $h"
	return $OCF_SUCCESS
}

do_status() {
	parse_address
	local h
	h=$(holder_dev)
	if [ -z "$h" ]; then ocf_log err "$ADDR is not configured"; return $OCF_NOT_RUNNING; fi
	if yes_no "${OCF_RESKEY_monitor_link:-1}" && ! link_up "$h"; then
		ocf_log err "link on $h is down"; return $OCF_ERR_GENERIC
	fi
	if [ "${OCF_CHECK_LEVEL:-0}" -ge 10 ] && [ $FAM = 4 ] && command -v ping >/dev/null 2>&1; then
		ping -c 1 -W 1 -I "$h" "$ADDR" >/dev/null 2>&1 || { ocf_log err "$ADDR does not answer"; return $OCF_ERR_GENERIC; }
	fi
	return $OCF_SUCCESS
}

case "${1:-}" in
	meta-data) meta_data; exit 0 ;;
	start) require_param address; do_start; exit $? ;;
	stop) require_param address; do_stop; exit $? ;;
	status|monitor) require_param address; do_status; exit $? ;;
	recover) require_param address; do_stop; do_start; exit $? ;;
	validate-all|verify-all) require_param address; parse_address; exit $OCF_SUCCESS ;;
	*) echo "usage: $0 {start|stop|status|recover|meta-data|validate-all}" >&2; exit $OCF_ERR_UNIMPLEMENTED ;;
esac
