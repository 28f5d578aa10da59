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
# MAXGAP_MS), vmux's fd count is what it was after the warm-up and its RSS
# grew by less than RSS_SLACK_KB, and vmux logged every client's departure.
# Exit 0 pass, 1 fail. Environment: FAULT_KILLS (default 100), FAULT_SEED,
# FAULT_MAXGAP_MS, FAULT_RSS_SLACK_KB, VMUX_BIN, FAULT_GUEST (the fault_guest
# binary), and tests/e2e/lib.sh's.
set -u
. "$(dirname "$0")/../e2e/lib.sh"

KILLS=${FAULT_KILLS:-100}
WARMUP=20
SEED=${FAULT_SEED:-$(date +%s)}
MAXGAP_MS=${FAULT_MAXGAP_MS:-750}
RSS_SLACK_KB=${FAULT_RSS_SLACK_KB:-1024}
GUEST=${FAULT_GUEST:-$E2E_SRCROOT/build/tests/fault/fault_guest}
BASE=52:54:00:fa:00:60
MAC_A=52:54:00:fa:00:60
MAC_B=52:54:00:fa:00:61
MAC_C=52:54:00:fa:00:62

e2e_init
[ -x "$E2E_VMUX" ] || e2e_fail "vmux binary not found at $E2E_VMUX (build it first, or set VMUX_BIN)"
[ -x "$GUEST" ] || e2e_fail "fault_guest not found at $GUEST (set FAULT_GUEST)"
RANDOM=$SEED
# Under AddressSanitizer freed memory sits in quarantine and RSS grows by
# design; there LeakSanitizer at vmux's exit is the leak check.
if ldd "$E2E_VMUX" 2>/dev/null | grep -q libasan; then
	RSS_SLACK_KB=${FAULT_RSS_SLACK_KB:-65536}
	e2e_log "vmux is built with ASan: RSS limit relaxed to $RSS_SLACK_KB kB, leaks checked at exit"
fi
e2e_log "seed $SEED (FAULT_SEED=$SEED repeats this run), $KILLS kills after $WARMUP warm-up"

e2e_netns_add fault || e2e_fail "cannot create a network namespace"
ns=$E2E_NS
ip -n "$ns" tuntap add dev up0 mode tap || e2e_fail "cannot create a tap"
ip -n "$ns" link set up0 up
e2e_vmux_start -n "$ns" vmux --uplink tap:up0 -b "$BASE" \
	-s "$E2E_TMP/a.sock" -s "$E2E_TMP/b.sock" -s "$E2E_TMP/c.sock"
VMUX_PID=${E2E_PIDS[vmux]}

"$GUEST" "$E2E_TMP/a.sock" recv >"$E2E_TMP/recv.log" 2>&1 &
e2e_track recv $!
"$GUEST" "$E2E_TMP/b.sock" send "$MAC_B" "$MAC_A" >"$E2E_TMP/send.log" 2>&1 &
e2e_track send $!

# rx_frames: the receiver's latest count.
rx_frames() { awk '$1 == "rx" { n = $2 } END { print n + 0 }' "$E2E_TMP/recv.log"; }
for ((i = 0; i < 100; i++)); do
	[ "$(rx_frames)" -gt 0 ] && break
	sleep 0.1
done
[ "$(rx_frames)" -gt 0 ] || e2e_fail "guest A receives nothing from guest B"
e2e_log "A receives B's frames"

fds() { ls "/proc/$VMUX_PID/fd" | wc -l; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$VMUX_PID/status"; }

# One misbehaving guest on c.sock, killed at a random moment (0-600 ms).
kill_one() {
	local i=$1 pid
	"$GUEST" "$E2E_TMP/c.sock" chaos "$((RANDOM * 32768 + RANDOM))" "$MAC_C" \
		>>"$E2E_TMP/chaos.log" 2>&1 &
	pid=$!
	sleep "0.$(printf '%03d' $((RANDOM % 600)))"
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	kill -0 "$VMUX_PID" 2>/dev/null || e2e_fail "vmux died at kill $i"
}

# vmux notices a departed client from the loop; give it a moment before
# counting its fds.
settle() { sleep 0.5; }

t0=$(date +%s%N)
for ((i = 1; i <= WARMUP; i++)); do kill_one "w$i"; done
settle
fd0=$(fds)
rss0=$(rss_kb)
e2e_log "after warm-up: vmux has $fd0 fds, RSS $rss0 kB"
for ((i = 1; i <= KILLS; i++)); do
	kill_one "$i"
	((i % 25 == 0)) && e2e_log "$i kills, vmux: $(fds) fds, RSS $(rss_kb) kB, A: $(rx_frames) frames"
done
settle
fd1=$(fds)
rss1=$(rss_kb)
e2e_log "$KILLS kills in $(e2e_since "$t0") s: vmux has $fd1 fds (was $fd0), RSS $rss1 kB (was $rss0)"

# A client that sends requests and never reads a reply, left alone: vmux must
# drop it quickly, not stall A and B (they share its thread) while it waits.
"$GUEST" "$E2E_TMP/c.sock" chaos 7 "$MAC_C" >>"$E2E_TMP/chaos.log" 2>&1 &
pid=$!
sleep 2
kill -KILL "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
grep -q 'dev2: client detached (send failed)' "$E2E_TMP/vmux.log" ||
	e2e_fail "vmux did not drop a client that never reads its replies"
e2e_log "a client that never reads its replies was dropped"

# The uplink deleted under vmux while A and B go on.
before=$(rx_frames)
ip -n "$ns" link del up0 || e2e_fail "cannot delete the uplink tap"
sleep 2
kill -0 "$VMUX_PID" 2>/dev/null || e2e_fail "vmux died when its uplink tap was deleted"
[ "$(rx_frames)" -gt "$before" ] || e2e_fail "A stopped receiving after the uplink went away"
e2e_log "uplink tap deleted: vmux alive, A still receives ($(rx_frames) frames)"

e2e_stop send
e2e_stop recv
read -r _ frames gap < <(grep '^total' "$E2E_TMP/recv.log")
[ -n "${frames:-}" ] || e2e_fail "the receiver printed no total"
e2e_log "A received $frames frames, longest gap $gap ms"

[ "$gap" -lt "$MAXGAP_MS" ] || e2e_fail "A stalled for $gap ms (limit $MAXGAP_MS) while other guests were killed"
[ "$fd1" -eq "$fd0" ] || e2e_fail "vmux's fds went from $fd0 to $fd1 over $KILLS kills"
[ $((rss1 - rss0)) -lt "$RSS_SLACK_KB" ] ||
	e2e_fail "vmux's RSS grew by $((rss1 - rss0)) kB over $KILLS kills (limit $RSS_SLACK_KB)"
# Every client that attached to the third device was seen to leave.
came=$(grep -c 'dev2: client connected' "$E2E_TMP/vmux.log")
left=$(grep -c 'dev2: client detached' "$E2E_TMP/vmux.log")
[ "$came" -ge "$KILLS" ] && [ "$left" -eq "$came" ] ||
	e2e_fail "vmux logged $came clients connected and $left detached on the third device"
grep -q 'tap: up0: device gone' "$E2E_TMP/vmux.log" ||
	e2e_fail "vmux logged nothing about its uplink tap going away"
# A clean exit (under the sanitizers: no leak at exit either).
e2e_stop vmux 5 || e2e_fail "vmux exited with status $? on SIGTERM"
e2e_pass "$KILLS kills survived; fds $fd0 -> $fd1, RSS $rss0 -> $rss1 kB; A: $frames frames, longest gap $gap ms"
