#!/usr/bin/env bash
# vmux with two poll-mode workers, under load, stopped with SIGTERM.
#
# The switch and the uplink live on worker 0; devices alternate between the
# workers, so the odd ones reach the switch through cross-thread rings. 140
# devices: 70 cross-thread ports, more than a loop has poll hooks (64), so the
# last devices work only if the workers poll their ports behind one hook.
# Guests (in-tree client, tests/fault/fault_guest.c):
#   B (dev1, worker 1) floods A (dev0, worker 0): a ring from worker 1 to 0;
#   Y (dev137, worker 1) floods Z (dev139, worker 1), through the switch on
#   worker 0: both directions of two cross-thread ports beyond the 64th.
# Checks, ROUNDS times (WORKERS_ROUNDS, default 3): A and Z receive; then
# vmux is stopped with SIGTERM while the floods run, when the rings hold
# packets of every pool (devices', the switch's, the uplink's): it exits 0,
# without logging a pool destroyed with packets still out (under ASan: no
# report either). First, a configuration the workers cannot poll (63 devices
# with polled doorbells on one worker) is refused with a message naming it.
set -u
. "$(dirname "$0")/lib.sh"

ROUNDS=${WORKERS_ROUNDS:-3}
NDEV=140

fault_init 1000
e2e_netns_add workers || e2e_fail "cannot create a network namespace"
NS=$E2E_NS
ip -n "$NS" tuntap add dev up0 mode tap || e2e_fail "cannot create a tap"
ip -n "$NS" link set up0 up

mac() { printf '52:54:00:fb:00:%02x' "$1"; }
frames() { awk '$1 == "rx" { n = $2 } END { print n + 0 }' "$1"; }

devs=()
for ((i = 0; i < 63; i++)); do devs+=(-s "$E2E_TMP/p$i.sock" --doorbell poll); done
out=$(timeout 10 ip netns exec "$NS" "$E2E_VMUX" --workers 1 --uplink tap:up0 "${devs[@]}" 2>&1 </dev/null)
rc=$?
[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] || e2e_fail "vmux accepted 63 polled-doorbell devices on one worker (status $rc)"
echo "$out" | grep -q 'device 62 .*more than 62 devices with --doorbell poll' ||
	e2e_fail "vmux refused 63 polled devices without naming the problem: $out"
e2e_log "63 polled-doorbell devices on one worker: refused (status $rc)"

devs=()
for ((i = 0; i < NDEV; i++)); do devs+=(-s "$E2E_TMP/d$i.sock"); done

for ((round = 1; round <= ROUNDS; round++)); do
	e2e_vmux_start -n "$NS" vmux --workers 2 --uplink tap:up0 -b "$(mac 0)" "${devs[@]}"
	cp "$E2E_TMP/vmux.log" "$E2E_TMP/vmux.$round.log" 2>/dev/null
	"$FAULT_GUEST_BIN" "$E2E_TMP/d0.sock" recv >"$E2E_TMP/a.log" 2>&1 &
	e2e_track a $!
	"$FAULT_GUEST_BIN" "$E2E_TMP/d139.sock" recv >"$E2E_TMP/z.log" 2>&1 &
	e2e_track z $!
	"$FAULT_GUEST_BIN" "$E2E_TMP/d1.sock" flood "$(mac 1)" "$(mac 0)" >"$E2E_TMP/b.log" 2>&1 &
	e2e_track b $!
	"$FAULT_GUEST_BIN" "$E2E_TMP/d137.sock" flood "$(mac 137)" "$(mac 139)" \
		>"$E2E_TMP/y.log" 2>&1 &
	e2e_track y $!
	for ((i = 0; i < 100; i++)); do
		[ "$(frames "$E2E_TMP/a.log")" -gt 0 ] && [ "$(frames "$E2E_TMP/z.log")" -gt 0 ] && break
		e2e_alive vmux || break
		sleep 0.1
	done
	e2e_alive vmux || e2e_fail "round $round: vmux died under the floods"
	[ "$(frames "$E2E_TMP/a.log")" -gt 0 ] ||
		e2e_fail "round $round: A (dev0, worker 0) received nothing from B (dev1, worker 1)"
	[ "$(frames "$E2E_TMP/z.log")" -gt 0 ] ||
		e2e_fail "round $round: Z (dev139, worker 1) received nothing from Y (dev137): the 70th cross-thread port is not polled"
	sleep 1
	a=$(frames "$E2E_TMP/a.log")
	z=$(frames "$E2E_TMP/z.log")
	e2e_stop vmux 10
	rc=$?
	cat "$E2E_TMP/vmux.log" >>"$E2E_TMP/vmux.all.log"
	[ "$rc" -eq 0 ] || e2e_fail "round $round: vmux exited with status $rc on SIGTERM under load"
	if grep -q 'destroyed with' "$E2E_TMP/vmux.log"; then
		grep 'destroyed with' "$E2E_TMP/vmux.log" >&2
		e2e_fail "round $round: vmux freed a packet pool with packets still out"
	fi
	for g in a z b y; do
		kill -KILL "${E2E_PIDS[$g]}" 2>/dev/null
		wait "${E2E_PIDS[$g]}" 2>/dev/null
		unset "E2E_PIDS[$g]"
	done
	e2e_log "round $round: A received $a frames, Z $z; vmux stopped under load, status 0"
done
e2e_pass "$ROUNDS rounds: 140 devices on 2 workers forward across threads and stop cleanly under load"
