#!/usr/bin/env bash
# e2e: a real QEMU 11 attaches to vmux (-m e810-emu) over vfio-user and a
# real Linux guest's unmodified ice driver probes it: the guest sees an
# Intel E810-C (8086:1592, rev 2, class 020000, BAR0 128 MiB and BAR3 64 KiB
# 64-bit prefetchable, MSI-X), ice binds in safe mode (no DDP package in
# the initramfs), registers a netdev, and its link comes up (carrier 1).
# Then the tap behind vmux is deleted: the device posts a link status event
# on the admin receive queue and fires the misc MSI-X vector, and the
# driver drops the carrier.
# On q35 (the default here; E2E_MACHINE=pc works too, without extended
# config space) the DSN extended capability names the DDP file ice asks for.
# QEMU powers off and vmux keeps running. The admin commands vmux answered
# ENOSYS (optional features the driver turns off) are listed, as are the
# device's counters (vmuxctl ports).
#
#   tests/e2e/test_e810_probe.sh             # as root; exit 0 pass, 1 fail, 77 skip
# Environment: see tests/e2e/lib.sh (VMUX_E2E_KVER=6.1.0-... for Debian 12's
# kernel as the guest; the default is the chroot's newest).
set -u
. "$(dirname "$0")/lib.sh"
E2E_MACHINE=${E2E_MACHINE:-q35}

MAC=52:54:00:e8:10:01
QUEUES=4
VMUXCTL=${VMUXCTL_BIN:-$(dirname "$E2E_VMUX")/vmuxctl}

e2e_init
[ -x "$E2E_VMUX" ] || e2e_fail "vmux binary not found at $E2E_VMUX (build it first, or set VMUX_BIN)"
e2e_chroot_ensure
e2e_qemu_usable || e2e_skip "QEMU from $E2E_CHROOT cannot run on this machine"

t0=$(date +%s%N)
initrd=$E2E_TMP/initrd.cpio.gz
e2e_initramfs "$initrd" "$E2E_DIR/guest/e810_probe.sh" ice
e2e_log "initramfs for $(basename "$E2E_KERNEL") built in $(e2e_since "$t0") s"

e2e_netns_add e810 || e2e_fail "cannot create a network namespace"
ns=$E2E_NS
ip -n "$ns" tuntap add dev tap0 mode tap || e2e_fail "cannot create tap0 in $ns"
ip -n "$ns" link set tap0 up
sock=$E2E_TMP/vmux.sock
ctl=$E2E_TMP/vmux.ctl
e2e_vmux_start -n "$ns" vmux -s "$sock" -m e810-emu --queues "$QUEUES" -t tap0 -b "$MAC" \
	--control "$ctl" -v
e2e_log "vmux listens on $sock (log: vmux.log)"

e2e_guest_start guest1 "$initrd" "e2e.mac=$MAC e2e.vectors=$((QUEUES + 4))" \
	-device "$(e2e_vfio_user_dev "$sock")"
# Once the guest's link is up it asks for it to go: deleting the tap takes
# vmux's backend link down, which the device reports to the driver.
if e2e_wait_ready guest1; then
	ip -n "$ns" link del tap0 || e2e_err "cannot delete tap0"
	e2e_log "tap0 deleted: the device's link goes down"
fi
e2e_guest_wait guest1
ok=$?
e2e_guest_lines guest1 | sed 's/^/    /'

unknown=$(grep -oE 'unknown admin command 0x[0-9a-f]+' "$E2E_TMP/vmux.log" | awk '{print $4}' |
	sort | uniq -c | awk '{printf "%s(x%s) ", $2, $1}')
e2e_log "admin commands vmux answered ENOSYS: ${unknown:-none}"
errs=$(grep -oE 'command 0x[0-9a-f]+: error [0-9]+' "$E2E_TMP/vmux.log" | sort | uniq -c |
	awk '{printf "%s=%s(x%s) ", $3, $5, $1}' | tr -d ':')
e2e_log "admin commands answered with an error: ${errs:-none}"
if [ -S "$ctl" ] && [ -x "$VMUXCTL" ]; then
	"$VMUXCTL" ports -c "$ctl" >"$E2E_TMP/ports.json" 2>&1 &&
		e2e_log "device counters: $(tr -d '\n ' <"$E2E_TMP/ports.json" | grep -oE '"device":\{[^}]*\}')"
fi
[ "$ok" = 0 ] || e2e_fail "guest1: $E2E_RESULT"
e2e_log "guest1: PASS, QEMU ran ${E2E_GUEST_SECS} s and exited with status 0"
e2e_alive vmux || e2e_fail "vmux exited after the guest shut down"
e2e_log "vmux is still running after the guest powered off"
e2e_stop vmux 5
rc=$?
[ "$rc" = 0 ] || e2e_fail "vmux exited with status $rc on SIGTERM"
grep -qE 'tap0: device gone' "$E2E_TMP/vmux.log" || e2e_fail "vmux did not see tap0 go"
e2e_pass "ice probed e810-emu in safe mode, its netdev came up with carrier and saw it go"
