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
# (default 100), FAULT_SEED, FAULT_MAXGAP_MS (default 2000: TCG takes a whole
# core), FAULT_RSS_SLACK_KB, VMUX_BIN, FAULT_GUEST, and tests/e2e/lib.sh's.
set -u
. "$(dirname "$0")/../e2e/lib.sh"

KILLS=${QEMU_KILLS:-100}
WARMUP=2
SEED=${FAULT_SEED:-$(date +%s)}
MAXGAP_MS=${FAULT_MAXGAP_MS:-2000}
RSS_SLACK_KB=${FAULT_RSS_SLACK_KB:-1024}
GUEST=${FAULT_GUEST:-$E2E_SRCROOT/build/tests/fault/fault_guest}
HOST=10.89.0.1
BASE=52:54:00:fa:01:60
MAC_A=52:54:00:fa:01:60
MAC_B=52:54:00:fa:01:61

e2e_init
[ -x "$E2E_VMUX" ] || e2e_fail "vmux binary not found at $E2E_VMUX (build it first, or set VMUX_BIN)"
[ -x "$GUEST" ] || e2e_fail "fault_guest not found at $GUEST (set FAULT_GUEST)"
e2e_chroot_ensure
e2e_qemu_usable || e2e_skip "QEMU from $E2E_CHROOT cannot run on this machine"
RANDOM=$SEED
if ldd "$E2E_VMUX" 2>/dev/null | grep -q libasan; then
	RSS_SLACK_KB=${FAULT_RSS_SLACK_KB:-65536}
fi
e2e_log "seed $SEED, $KILLS QEMU kills after $WARMUP warm-up"

e2e_netns_add qkill || e2e_fail "cannot create a network namespace"
ns=$E2E_NS
ip -n "$ns" tuntap add dev up0 mode tap || e2e_fail "cannot create a tap"
ip -n "$ns" addr add "$HOST/24" dev up0
ip -n "$ns" link set up0 up
e2e_vmux_start -n "$ns" vmux --uplink tap:up0 -b "$BASE" \
	-s "$E2E_TMP/a.sock" -s "$E2E_TMP/b.sock" -s "$E2E_TMP/c.sock"
VMUX_PID=${E2E_PIDS[vmux]}
"$GUEST" "$E2E_TMP/a.sock" recv >"$E2E_TMP/recv.log" 2>&1 &
e2e_track recv $!
"$GUEST" "$E2E_TMP/b.sock" send "$MAC_B" "$MAC_A" >"$E2E_TMP/send.log" 2>&1 &
e2e_track send $!

INITRD=$E2E_TMP/traffic-initrd.cpio.gz
e2e_initramfs "$INITRD" "$(dirname "$0")/guest/traffic.sh" e1000

fds() { ls "/proc/$VMUX_PID/fd" | wc -l; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$VMUX_PID/status"; }
MID=0

kill_one() {
	local i=$1 name=q$1
	e2e_guest_start "$name" "$INITRD" "e2e.ip=10.89.0.13 e2e.host=$HOST" \
		-device "$(e2e_vfio_user_dev "$E2E_TMP/c.sock")"
	if ((RANDOM % 2)); then
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
	kill -0 "$VMUX_PID" 2>/dev/null || e2e_fail "vmux died at QEMU kill $i"
}

t0=$(date +%s%N)
for ((i = 1; i <= WARMUP; i++)); do kill_one "w$i"; done
sleep 1
fd0=$(fds)
rss0=$(rss_kb)
MID=0
e2e_log "after warm-up: vmux has $fd0 fds, RSS $rss0 kB"
for ((i = 1; i <= KILLS; i++)); do
	kill_one "$i"
	((i % 10 == 0)) && e2e_log "$i kills ($MID mid-traffic), vmux: $(fds) fds, RSS $(rss_kb) kB"
done
sleep 1
fd1=$(fds)
rss1=$(rss_kb)
e2e_log "$KILLS QEMU kills ($MID mid-traffic) in $(e2e_since "$t0") s: vmux has $fd1 fds (was $fd0), RSS $rss1 kB (was $rss0)"

e2e_stop send
e2e_stop recv
read -r _ frames gap < <(grep '^total' "$E2E_TMP/recv.log")
[ -n "${frames:-}" ] || e2e_fail "the receiver printed no total"
[ "$gap" -lt "$MAXGAP_MS" ] || e2e_fail "the forwarding guests stalled for $gap ms (limit $MAXGAP_MS)"
[ "$fd1" -eq "$fd0" ] || e2e_fail "vmux's fds went from $fd0 to $fd1 over $KILLS QEMU kills"
[ $((rss1 - rss0)) -lt "$RSS_SLACK_KB" ] ||
	e2e_fail "vmux's RSS grew by $((rss1 - rss0)) kB over $KILLS QEMU kills (limit $RSS_SLACK_KB)"
came=$(grep -c 'dev2: client connected' "$E2E_TMP/vmux.log")
left=$(grep -c 'dev2: client detached' "$E2E_TMP/vmux.log")
[ "$left" -eq "$came" ] || e2e_fail "vmux logged $came QEMUs connected and $left detached"
e2e_stop vmux 5 || e2e_fail "vmux exited with status $? on SIGTERM"
e2e_pass "$KILLS QEMU kills ($MID mid-traffic) survived; fds $fd0 -> $fd1, RSS $rss0 -> $rss1 kB; forwarding: $frames frames, longest gap $gap ms"
