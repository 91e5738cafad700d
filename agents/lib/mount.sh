# Mount helpers shared by fs, clusterfs, netfs and bind-mount.

mp_normalize() {
	# strip trailing slashes (but keep "/")
	local m=$1
	while [ "${#m}" -gt 1 ] && [ "${m%/}" != "$m" ]; do m=${m%/}; done
	echo "$m"
}

is_mounted() {
	# is_mounted MOUNTPOINT -> 0 when something is mounted there
	local mp
	mp=$(mp_normalize "$1")
	awk -v m="$mp" '{ gsub(/\\040/, " ", $2); if ($2 == m) { found = 1 } } END { exit found ? 0 : 1 }' /proc/mounts
}

resolve_device() {
	# LABEL=/UUID= -> device path
	case "$1" in
		LABEL=*|UUID=*) findfs "$1" 2>/dev/null || echo "$1" ;;
		*) echo "$1" ;;
	esac
}

do_mount() {
	# do_mount DEVICE MOUNTPOINT FSTYPE OPTIONS
	local dev=$1 mp=$2 fstype=$3 opts=$4 args=()
	mkdir -p "$mp" || { ocf_log err "cannot create mount point $mp"; return $OCF_ERR_GENERIC; }
	[ -n "$fstype" ] && args+=(-t "$fstype")
	[ -n "$opts" ] && args+=(-o "$opts")
	if ! mount "${args[@]}" "$dev" "$mp" >&2; then
		ocf_log err "mount ${args[*]} $dev $mp failed"
		return $OCF_ERR_GENERIC
	fi
	ocf_log info "mounted $dev on $mp"
	return $OCF_SUCCESS
}

do_umount() {
	# do_umount MOUNTPOINT FORCE(yes/no) [SELF_FENCE]
	local mp force=$2 selffence=${3:-0} try
	mp=$(mp_normalize "$1")
	is_mounted "$mp" || return $OCF_SUCCESS
	for try in 1 2 3; do
		if umount "$mp" >&2 2>/dev/null; then
			ocf_log info "unmounted $mp"
			return $OCF_SUCCESS
		fi
		if yes_no "$force"; then
			if command -v fuser >/dev/null 2>&1; then
				ocf_log warning "killing processes holding $mp (try $try)"
				fuser -km "$mp" >/dev/null 2>&1
			fi
		fi
		sleep 1
		is_mounted "$mp" || return $OCF_SUCCESS
	done
	ocf_log err "cannot unmount $mp"
	if yes_no "$selffence"; then
		ocf_log crit "self_fence set: rebooting this node"
		echo b > /proc/sysrq-trigger
	fi
	return $OCF_ERR_GENERIC
}

mount_status() {
	# mount_status MOUNTPOINT: depth 0 mounted, 10 readable, 20 writable
	local mp=$1 f
	if ! is_mounted "$mp"; then ocf_log err "$mp is not mounted"; return $OCF_NOT_RUNNING; fi
	if [ "${OCF_CHECK_LEVEL:-0}" -ge 10 ]; then
		ls "$mp" >/dev/null 2>&1 || { ocf_log err "cannot read $mp"; return $OCF_ERR_GENERIC; }
	fi
	if [ "${OCF_CHECK_LEVEL:-0}" -ge 20 ]; then
		f="$mp/.cluster-suite-status.$$"
		if ! { echo ok > "$f" && rm -f "$f"; } 2>/dev/null; then ocf_log err "cannot write to $mp"; return $OCF_ERR_GENERIC; fi
	fi
	return $OCF_SUCCESS
}
