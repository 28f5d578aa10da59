#!/bin/sh
# PID 1 of the lab VM (tests/lab/lab.sh), run from the host's / shared
# read-only over 9p; the host's own tools run as they are (dash, util-linux,
# kmod, iproute2, python3). It
#   - mounts /proc, /sys, /dev (pts, shm), bpffs, and tmpfs on /run, /tmp and
#     /var; the host's paths under those named by lab.keep=P1:P2:... (the
#     test's temp dir, the e2e cache) are bound back at the same paths,
#     read-only; the untouched host tree stays visible at /run/lab/host
#   - mounts the writable 9p share "out" on lab.out=DIR when given
#   - adds the chroot's static busybox (lab.busybox=PATH) as a fallback for
#     commands the host lacks (ping, usleep...), last in PATH
#   - loads the drivers of the PCI and virtio devices present (not with
#     lab.coldplug=0) and the modules of lab.modules=m1,m2,...
#   - sources lab.env=FILE (variables from the host), exports e2e.KEY=VALUE
#     words as E2E_KEY=VALUE, and runs lab.script=FILE with /bin/sh
#   - reports like the e2e kit's guest init (tests/e2e/guest/init) on the
#     serial console:
#       E2E-BOOTED: <kernel release>
#       E2E-DATA: boot_secs=<uptime when the script starts>
#       E2E-DATA: script_status=<its exit status>
#       E2E-RESULT: PASS | FAIL <reason>
#     (checks in the script use tests/e2e/guest/functions.sh: E2E-FAIL,
#     E2E-DATA, E2E-INFO), and powers the VM off.
# PID 1 must never exit (the kernel would panic), so every path ends in a
# power-off (and -no-reboot makes QEMU exit should that fail).

PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH
umask 022

mount -t devtmpfs devtmpfs /dev 2>/dev/null
exec </dev/console >/dev/console 2>&1

# The plumbing below runs through the chroot's static busybox when there is
# one ($B): a single binary, read once, where each of the host's dynamically
# linked tools would load its libraries over 9p (seconds under TCG).
B=

poweroff_now() {
	sync
	# busybox's poweroff -f does not return; the sysrq way is asynchronous.
	[ -z "$B" ] || "$B" poweroff -f
	echo 1 >/proc/sys/kernel/sysrq 2>/dev/null
	echo o >/proc/sysrq-trigger 2>/dev/null
	while :; do read -r _ </dev/console; done
}

result() {
	echo "E2E-RESULT: $*"
	poweroff_now
}

mount -t proc proc /proc || result "FAIL cannot mount /proc"

keep='' out='' busybox='' coldplug=1 modules='' envfile='' script=''
read -r cmdline </proc/cmdline
for w in $cmdline; do
	case "$w" in
	lab.keep=*) keep=${w#lab.keep=} ;;
	lab.out=*) out=${w#lab.out=} ;;
	lab.busybox=*) busybox=${w#lab.busybox=} ;;
	lab.coldplug=*) coldplug=${w#lab.coldplug=} ;;
	lab.modules=*) modules=${w#lab.modules=} ;;
	lab.env=*) envfile=${w#lab.env=} ;;
	lab.script=*) script=${w#lab.script=} ;;
	e2e.*=*)
		k=${w%%=*}
		k=${k#e2e.}
		case "$k" in *[!A-Za-z0-9_]*) continue ;; esac
		k=$(echo "$k" | tr a-z A-Z)
		export "E2E_$k=${w#*=}"
		;;
	esac
done
[ -n "$busybox" ] && [ -x "$busybox" ] && B=$busybox

$B mount -t sysfs sysfs /sys || result "FAIL cannot mount /sys"
$B mkdir -p /dev/pts /dev/shm
$B mount -t devpts -o gid=5,mode=620 devpts /dev/pts
$B mount -t tmpfs -o mode=1777 tmpfs /dev/shm
$B mount -t bpf bpf /sys/fs/bpf 2>/dev/null
$B mount -t tmpfs -o mode=755 tmpfs /run || result "FAIL cannot mount /run"
$B mkdir -p /run/lab/host /run/lab/bin /run/lock
# A copy, as the tmpfs on /var may hide the original.
if [ -n "$B" ]; then
	$B cp "$B" /run/lab/busybox && B=/run/lab/busybox
fi
$B mount --bind / /run/lab/host || result "FAIL cannot bind / on /run/lab/host"
$B mount -t tmpfs -o mode=1777 tmpfs /tmp || result "FAIL cannot mount /tmp"
$B mount -t tmpfs -o mode=755 tmpfs /var || result "FAIL cannot mount /var"
$B mkdir -p /var/tmp /var/log /var/lib /var/cache
$B chmod 1777 /var/tmp
$B ln -s /run /var/run
$B ln -s /run/lock /var/lock

old_ifs=$IFS
IFS=:
for p in $keep; do
	[ -n "$p" ] && [ -d "/run/lab/host$p" ] || continue
	$B mkdir -p "$p" && $B mount --bind "/run/lab/host$p" "$p" ||
		result "FAIL cannot bind the host's $p"
done
IFS=$old_ifs

if [ -n "$out" ]; then
	$B mkdir -p "$out" 2>/dev/null
	$B mount -t 9p -o trans=virtio,version=9p2000.L,cache=none out "$out" ||
		result "FAIL cannot mount the out share on $out"
fi

# busybox's applets last in PATH: only what the host lacks comes from there.
[ -z "$B" ] || "$B" --install -s /run/lab/bin
PATH=$PATH:/run/lab/bin
$B hostname lab 2>/dev/null
read -r release </proc/sys/kernel/osrelease
echo "E2E-BOOTED: $release"

if [ "$coldplug" != 0 ]; then
	# PCI functions first (virtio_pci makes the virtio devices), then the
	# virtio devices (virtio_rng...); one alias per device.
	# shellcheck disable=SC2046
	modprobe -q -b -a $(cat /sys/bus/pci/devices/*/modalias) 2>/dev/null
	# shellcheck disable=SC2046
	modprobe -q -b -a $(cat /sys/bus/virtio/devices/*/modalias) 2>/dev/null
fi
IFS=,
for m in $modules; do
	[ -n "$m" ] || continue
	modprobe "$m" || result "FAIL modprobe $m"
done
IFS=$old_ifs
ip link set lo up

if [ -n "$envfile" ]; then
	[ -r "$envfile" ] || result "FAIL no $envfile"
	# shellcheck disable=SC1090 # written by lab_start
	. "$envfile"
fi
[ -n "$script" ] || result "FAIL no lab.script= on the command line"
[ -r "$script" ] || result "FAIL cannot read $script"

read -r up _ </proc/uptime
echo "E2E-DATA: boot_secs=$up"
: >/tmp/e2e-fail
cd /tmp || result "FAIL cannot cd to /tmp"
/bin/sh "$script"
rc=$?
echo "E2E-DATA: script_status=$rc"
read -r reason </tmp/e2e-fail
if [ "$rc" -eq 0 ] && [ -z "$reason" ]; then
	result "PASS"
fi
[ -n "$reason" ] || reason="test script exited with status $rc"
result "FAIL $reason"
