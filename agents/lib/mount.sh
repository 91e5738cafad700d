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

# The start of a block-device file system (fs, clusterfs): fsck when asked, then mount.
block_fs_start() {
	local dev rc
	dev=$(resolve_device "$OCF_RESKEY_device")
	if is_mounted "$OCF_RESKEY_mountpoint"; then ocf_log info "$OCF_RESKEY_mountpoint already mounted"; return $OCF_SUCCESS; fi
	if [ ! -e "$dev" ]; then ocf_log err "device $dev does not exist"; return $OCF_ERR_INSTALLED; fi
	if yes_no "${OCF_RESKEY_force_fsck:-0}" && command -v fsck >/dev/null 2>&1; then
		fsck -p ${OCF_RESKEY_fstype:+-t "$OCF_RESKEY_fstype"} "$dev" >&2
		rc=$?
		if [ $rc -ge 4 ]; then ocf_log err "fsck of $dev failed (returned $rc)"; return $OCF_ERR_GENERIC; fi
	fi
	do_mount "$dev" "$OCF_RESKEY_mountpoint" "$OCF_RESKEY_fstype" "$OCF_RESKEY_options"
}

# The OCF entry point shared by fs and clusterfs (each defines meta_data).
block_fs_main() {
	case "${1:-}" in
		meta-data) meta_data; exit 0 ;;
		start) require_param mountpoint device; block_fs_start; exit $? ;;
		stop) require_param mountpoint; do_umount "$OCF_RESKEY_mountpoint" "${OCF_RESKEY_force_unmount:-0}" "${OCF_RESKEY_self_fence:-0}"; exit $? ;;
		status|monitor) require_param mountpoint
			yes_no "${OCF_RESKEY_quick_status:-0}" && OCF_CHECK_LEVEL=0
			mount_status "$OCF_RESKEY_mountpoint"; exit $? ;;
		recover) require_param mountpoint device
			do_umount "$OCF_RESKEY_mountpoint" "${OCF_RESKEY_force_unmount:-0}" || exit $?; block_fs_start; exit $? ;;
		validate-all|verify-all) require_param mountpoint device; exit $OCF_SUCCESS ;;
		*) echo "usage: $0 {start|stop|status|recover|meta-data|validate-all}" >&2; exit $OCF_ERR_UNIMPLEMENTED ;;
	esac
}
