#!/usr/bin/env bash
# Fault injection with a real QEMU 11: vmux (three e1000s behind its switch,
# a tap uplink in a test-made namespace) while two in-tree poll-mode guests
# forward between devices 0 and 1 the whole time, and on device 2 a QEMU guest
# (Linux's e1000 driver, pinging the host once its link is up) is SIGKILLed
# QEMU_KILLS times, half of them at a random moment 0-6 s after start (DMA
# setup, boot, the driver's probe), half 0-2 s into its traffic. After it all: vmux alive, the forwarding
# guests never stalled for long, vmux's fds as after the warm-up and its RSS
# flat, every client that came was seen to leave, and vmux exits cleanly.
# Exit 0 pass, 1 fail, 77 skip (no usable QEMU). Environment: QEMU_KILLS
# (default 100); QEMU_KILL_AT=any (default: each kill at random in setup or in
# traffic), traffic (every kill 0-2 s into the guest's traffic) or setup;
# QEMU_WARMUP (kills before the fd/RSS baseline, default 2); and those of
# tests/fault/lib.sh (FAULT_MAXGAP_MS defaults to 2000 here: a TCG guest takes
# a whole core).
set -u
. "$(dirname "$0")/lib.sh"

KILLS=${QEMU_KILLS:-100}
WARMUP=${QEMU_WARMUP:-2}
KILL_AT=${QEMU_KILL_AT:-any}
case $KILL_AT in
any | traffic | setup) ;;
*) echo "QEMU_KILL_AT must be any, traffic or setup, not '$KILL_AT'" >&2; exit 2 ;;
esac
HOST=10.89.0.1

fault_init 2000
e2e_chroot_ensure
e2e_qemu_usable || e2e_skip "QEMU from $E2E_CHROOT cannot run on this machine"
e2e_log "$KILLS QEMU kills ($KILL_AT) after $WARMUP warm-up"
fault_start 52:54:00:fa:01:60 "$HOST"

INITRD=$E2E_TMP/traffic-initrd.cpio.gz
e2e_initramfs "$INITRD" "$(dirname "$0")/guest/traffic.sh" e1000
MID=0

kill_one() {
	local i=$1 name=q$1
	e2e_guest_start "$name" "$INITRD" "e2e.ip=10.89.0.13 e2e.host=$HOST" \
		-device "$(e2e_vfio_user_dev "$E2E_TMP/c.sock")"
	local at=$KILL_AT
	[ "$at" = any ] && at=$( ((RANDOM % 2)) && echo setup || echo traffic)
	if [ "$at" = setup ]; then
		# Anywhere in DMA setup, boot and the driver's probe.
		sleep "$((RANDOM % 6)).$((RANDOM % 10))"
	else
		# Once the guest's pings flow, 0-2 s into them.
		local end=$(($(date +%s) + 90))
		until grep -qa 'E2E-DATA: traffic=1' "$E2E_TMP/$name.serial"; do
			[ "$(date +%s)" -lt "$end" ] || e2e_fail "guest $name never got traffic going"
			sleep 0.1
		done
		sleep "$((RANDOM % 2)).$((RANDOM % 10))"
	fi
	kill -KILL "${E2E_PIDS[$name]}" 2>/dev/null
	wait "${E2E_PIDS[$name]}" 2>/dev/null
	unset "E2E_PIDS[$name]"
	grep -qa 'E2E-DATA: traffic=1' "$E2E_TMP/$name.serial" && MID=$((MID + 1))
	rm -f "$E2E_TMP/$name.serial" "$E2E_TMP/$name.qemu.log" "$E2E_TMP/$name.cmdline"
	vmux_alive "at QEMU kill $i"
}

t0=$(date +%s%N)
for ((i = 1; i <= WARMUP; i++)); do kill_one "w$i"; done
fault_baseline
MID=0
for ((i = 1; i <= KILLS; i++)); do
	kill_one "$i"
	((i % 10 == 0)) && e2e_log "$i kills ($MID mid-traffic), vmux: $(fds) fds, RSS $(rss_kb) kB"
done
fault_measure
e2e_log "$KILLS QEMU kills ($MID mid-traffic) in $(e2e_since "$t0") s: vmux has $FD1 fds (was $FD0), RSS $RSS1 kB (was $RSS0)"
fault_finish "$KILLS QEMU kills"
e2e_pass "$KILLS QEMU kills ($MID mid-traffic) survived; fds $FD0 -> $FD1, RSS $RSS0 -> $RSS1 kB (anonymous $ANON0 -> $ANON1 kB); forwarding: $FRAMES frames, longest gap $GAP ms"
