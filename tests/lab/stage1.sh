#!/bin/sh
# /init of the lab VM's initramfs (busybox sh, PID 1): Debian 12's kernel has
# virtio and 9p as modules, so this loads them (the list in /lab/modules, in
# order), mounts the root the kernel command line names (root=, rootfstype=,
# rootflags=, always read-only) and hands PID 1 to init= on it (the lab's
# tests/lab/init.sh on the host's shared /). A failure here is reported like
# the lab's own (E2E-RESULT: FAIL ...) and powers the VM off.

PATH=/bin
export PATH

mount -t devtmpfs devtmpfs /dev 2>/dev/null
exec </dev/console >/dev/console 2>&1
mount -t proc proc /proc

fail() {
	echo "E2E-RESULT: FAIL lab initramfs: $*"
	poweroff -f
	reboot -f
	while :; do sleep 1000; done
}

root=
fstype=
flags=
init=
for w in $(cat /proc/cmdline); do
	case "$w" in
	root=*) root=${w#root=} ;;
	rootfstype=*) fstype=${w#rootfstype=} ;;
	rootflags=*) flags=${w#rootflags=} ;;
	init=*) init=${w#init=} ;;
	esac
done
[ -n "$root" ] && [ -n "$fstype" ] && [ -n "$init" ] ||
	fail "the command line needs root=, rootfstype= and init="

while read -r m; do
	[ -n "$m" ] || continue
	insmod "/lib/modules/$m" >/tmp.insmod 2>&1 || { cat /tmp.insmod; fail "insmod $m"; }
done </lab/modules

mkdir -p /newroot
mount -t "$fstype" -o "ro${flags:+,$flags}" "$root" /newroot || fail "cannot mount $root ($fstype, $flags)"
[ -x "/newroot$init" ] || fail "no executable $init on $root"
mount --move /dev /newroot/dev || fail "cannot move /dev"
umount /proc
exec switch_root /newroot "$init"
fail "switch_root to $init failed"
