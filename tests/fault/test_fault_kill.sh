#!/usr/bin/env bash
# Fault injection against a running vmux (a separate process, three e1000s
# behind its switch, a tap uplink in a test-made network namespace):
#  - guest A receives and guest B sends to A the whole time (poll-mode guests
#    on the in-tree client, tests/fault/fault_guest.c);
#  - on the third socket, KILLS times in a row, a guest that misbehaves
#    (traffic, half a message, DMA_UNMAP of memory in use, read-only RAM, too
#    many fds, DMA maps until refused, garbage; see fault_guest.c) is
#    SIGKILLed at a random moment during setup or traffic;
#  - a guest that floods requests and never reads a reply is left alone for 2 s;
#  - then the uplink tap is deleted under vmux.
# After it all: vmux is alive, A received without a stall (longest gap below
# MAXGAP_MS), vmux's fd count is what it was after the first quarter of the
# kills and its RSS grew by less than RSS_SLACK_KB (its anonymous memory by
# less than ANON_SLACK_KB) over the other three, and vmux logged every
# client's departure.
# Exit 0 pass, 1 fail. Environment: FAULT_KILLS (default 100) and those of
# tests/fault/lib.sh.
set -u
. "$(dirname "$0")/lib.sh"

KILLS=${FAULT_KILLS:-100}
WARMUP=20

fault_init 750
e2e_log "$KILLS kills after $WARMUP warm-up"
fault_start 52:54:00:fa:00:60

# One misbehaving guest on c.sock, killed at a random moment (0-600 ms).
kill_one() {
	local i=$1 pid
	"$FAULT_GUEST_BIN" "$E2E_TMP/c.sock" chaos "$((RANDOM * 32768 + RANDOM))" "$MAC_C" \
		>>"$E2E_TMP/chaos.log" 2>&1 &
	pid=$!
	sleep "0.$(printf '%03d' $((RANDOM % 600)))"
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	vmux_alive "at kill $i"
}

t0=$(date +%s%N)
for ((i = 1; i <= WARMUP; i++)); do kill_one "w$i"; done
fault_baseline
# The baseline once more after the first quarter: memory vmux commits once
# (pool pages first reached when some misbehaviour first comes along) then
# stays out of the figure; a leak grows with every kill and still shows.
# One CI run's warm-up ended 736 kB short of what its last 75 kills stayed at.
ANON_WARM=$ANON0
for ((i = 1; i <= KILLS; i++)); do
	kill_one "$i"
	((i % 25 == 0)) && e2e_log "$i kills, vmux: $(fds) fds, RSS $(rss_kb) kB, A: $(rx_frames) frames"
	((i == KILLS / 4)) && fault_baseline "kill $i"
done
fault_measure
e2e_log "anonymous memory after the warm-up $ANON_WARM kB, after kill $((KILLS / 4)) $ANON0 kB, at the end $ANON1 kB"
e2e_log "$KILLS kills in $(e2e_since "$t0") s: vmux has $FD1 fds (was $FD0), RSS $RSS1 kB (was $RSS0)"

# A client that sends requests and never reads a reply, left alone: vmux must
# drop it quickly, not stall A and B (they share its thread) while it waits.
"$FAULT_GUEST_BIN" "$E2E_TMP/c.sock" chaos 7 "$MAC_C" >>"$E2E_TMP/chaos.log" 2>&1 &
pid=$!
sleep 2
kill -KILL "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
grep -q 'dev2: client detached (send failed)' "$E2E_TMP/vmux.log" ||
	e2e_fail "vmux did not drop a client that never reads its replies"
e2e_log "a client that never reads its replies was dropped"

# The uplink deleted under vmux while A and B go on.
before=$(rx_frames)
ip -n "$FAULT_NS" link del up0 || e2e_fail "cannot delete the uplink tap"
sleep 2
vmux_alive "when its uplink tap was deleted"
[ "$(rx_frames)" -gt "$before" ] || e2e_fail "A stopped receiving after the uplink went away"
grep -q 'tap: up0: device gone' "$E2E_TMP/vmux.log" ||
	e2e_fail "vmux logged nothing about its uplink tap going away"
e2e_log "uplink tap deleted: vmux alive, A still receives ($(rx_frames) frames)"

[ "$(grep -c 'dev2: client connected' "$E2E_TMP/vmux.log")" -ge "$KILLS" ] ||
	e2e_fail "fewer than $KILLS clients reached vmux"
fault_finish "the last $((KILLS - KILLS / 4)) of $KILLS kills"
e2e_pass "$KILLS kills survived; fds $FD0 -> $FD1, RSS $RSS0 -> $RSS1 kB (anonymous $ANON0 -> $ANON1 kB); A: $FRAMES frames, longest gap $GAP ms"
