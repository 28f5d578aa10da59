#!/usr/bin/env bash
# e2e: a real QEMU 11 attaches to vmux (-m e1000-emu) over vfio-user, a real
# Linux guest enumerates the NIC as an Intel 82540EM (8086:100e, class
# 020000, BAR0 128 KiB memory, BAR1 64 B I/O, INTA) and its e1000 driver
# probes it through vmux. QEMU powers off, vmux stays up, and a second QEMU
# attaches to the same socket and enumerates again.
#
#   tests/e2e/test_enumerate.sh              # as root; exit 0 pass, 1 fail, 77 skip
#   tests/e2e/test_enumerate.sh --reference  # QEMU's own e1000 instead of vmux:
#                                            # checks the kit and the guest side
# Environment: see tests/e2e/lib.sh (VMUX_BIN, VMUX_E2E_KVER, ...).
set -u
. "$(dirname "$0")/lib.sh"

MAC=52:54:00:e2:e0:01
# What vmux logs at -v for a guest's register access, e.g.
#   "e1000: dev0: mmio read STATUS [0x00008] 0x00000281"
REG_ACCESS_RE='e1000: .*(mmio|io) (read|write)'
REFERENCE=0
[ "${1:-}" = --reference ] && REFERENCE=1

e2e_init
[ "$REFERENCE" = 1 ] || [ -x "$E2E_VMUX" ] ||
	e2e_fail "vmux binary not found at $E2E_VMUX (build it first, or set VMUX_BIN)"
e2e_chroot_ensure
e2e_qemu_usable || e2e_skip "QEMU from $E2E_CHROOT cannot run on this machine"

t0=$(date +%s%N)
initrd=$E2E_TMP/initrd.cpio.gz
e2e_initramfs "$initrd" "$E2E_DIR/guest/enumerate.sh" e1000
e2e_log "initramfs for $(basename "$E2E_KERNEL") built in $(e2e_since "$t0") s"

# One guest boot; $1 names it. Fails the test unless the guest passed and,
# with vmux, unless the guest's driver reached vmux's registers.
boot() {
	local name=$1 ok from n
	from=1
	[ -f "$E2E_TMP/vmux.log" ] && from=$(($(wc -l <"$E2E_TMP/vmux.log") + 1))
	if [ "$REFERENCE" = 1 ]; then
		e2e_guest_run "$name" "$initrd" "$E2E_TIMEOUT" "e2e.mac=$MAC" \
			-device "e1000,mac=$MAC"
	else
		e2e_guest_run "$name" "$initrd" "$E2E_TIMEOUT" "e2e.mac=$MAC" \
			-device "$(e2e_vfio_user_dev "$sock")"
	fi
	ok=$?
	e2e_guest_lines "$name" | sed 's/^/    /'
	[ "$ok" = 0 ] || e2e_fail "guest $name: $E2E_RESULT"
	e2e_log "guest $name: PASS, QEMU ran ${E2E_GUEST_SECS} s and exited with status 0"
	[ "$REFERENCE" = 1 ] && return 0

	# The e1000 probe must have reached vmux: at -v it logs the register
	# accesses of the device's BARs. Only this guest's part of the log counts.
	tail -n "+$from" "$E2E_TMP/vmux.log" >"$E2E_TMP/$name.vmux-part"
	n=$(grep -cE "$REG_ACCESS_RE" "$E2E_TMP/$name.vmux-part")
	e2e_log "vmux logged $n register accesses during $name, e.g.:"
	grep -E "$REG_ACCESS_RE" "$E2E_TMP/$name.vmux-part" | head -n 3 | sed 's/^/    /'
	[ "$n" -gt 0 ] ||
		e2e_fail "no register access in vmux's log during $name: the e1000 probe did not reach vmux"
	e2e_alive vmux || e2e_fail "vmux exited after guest $name shut down"
	e2e_log "vmux is still running after $name powered off"
}

if [ "$REFERENCE" = 1 ]; then
	boot ref1
	e2e_pass "reference run (QEMU's own e1000)"
fi

e2e_netns_add enum || e2e_fail "cannot create a network namespace"
ns=$E2E_NS
ip -n "$ns" tuntap add dev tap0 mode tap || e2e_fail "cannot create tap0 in $ns"
ip -n "$ns" link set tap0 up
sock=$E2E_TMP/vmux.sock
e2e_vmux_start -n "$ns" vmux -s "$sock" -m e1000-emu -t tap0 -b "$MAC" -v
e2e_log "vmux listens on $sock (log: vmux.log)"

boot guest1
boot guest2
e2e_stop vmux 5
rc=$?
[ "$rc" = 0 ] || e2e_fail "vmux exited with status $rc on SIGTERM"
e2e_pass "two guests enumerated 8086:100e through vmux; vmux stayed up in between"
