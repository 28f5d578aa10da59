# shellcheck shell=bash
# Shared by the fault-injection tests (on top of tests/e2e/lib.sh): one vmux
# with three e1000s on its switch and a tap uplink (up0) in a test-made network
# namespace; guest A (device 0) receives and guest B (device 1) sends to A the
# whole time, poll-mode guests of the in-tree client (fault_guest.c); device 2
# is the victims'. vmux's fds and RSS are read from /proc.
#
#   fault_init MAXGAP_MS               # checks, seed, limits (env overrides)
#   fault_start BASE_MAC [HOST_IP]     # namespace, vmux, A and B; waits for frames
#   fault_baseline / fault_measure     # fd and memory snapshots: FD0 RSS0 ANON0 /
#                                      # FD1 RSS1 ANON1 (VmRSS, RssAnon)
#   fault_finish WHAT                  # stops A and B; checks gap, fds, RSS,
#                                      # departures, clean exit; FRAMES GAP set
# Environment: FAULT_SEED, FAULT_MAXGAP_MS, FAULT_RSS_SLACK_KB,
# FAULT_ANON_SLACK_KB, FAULT_GUEST,
# VMUX_BIN and the e2e kit's variables.
. "$(dirname "${BASH_SOURCE[0]}")/../e2e/lib.sh"

FAULT_GUEST_BIN=${FAULT_GUEST:-$E2E_SRCROOT/build/tests/fault/fault_guest}

fault_init() {
	e2e_init
	[ -x "$E2E_VMUX" ] || e2e_fail "vmux binary not found at $E2E_VMUX (build it first, or set VMUX_BIN)"
	[ -x "$FAULT_GUEST_BIN" ] || e2e_fail "fault_guest not found at $FAULT_GUEST_BIN (set FAULT_GUEST)"
	SEED=${FAULT_SEED:-$(date +%s)}
	RANDOM=$SEED
	MAXGAP_MS=${FAULT_MAXGAP_MS:-$1}
	RSS_SLACK_KB=${FAULT_RSS_SLACK_KB:-1024}
	# vmux's own memory (RssAnon: heap, stacks, pools), apart from the guest
	# RAM it maps (RssShmem grows with the pages of the guests' memory it
	# touches, up to their size).
	ANON_SLACK_KB=${FAULT_ANON_SLACK_KB:-256}
	# Under AddressSanitizer freed memory sits in quarantine and RSS grows
	# by design; there LeakSanitizer at vmux's exit is the leak check.
	if ldd "$E2E_VMUX" 2>/dev/null | grep -q libasan; then
		RSS_SLACK_KB=${FAULT_RSS_SLACK_KB:-65536}
		ANON_SLACK_KB=${FAULT_ANON_SLACK_KB:-65536}
		e2e_log "vmux is built with ASan: RSS limit $RSS_SLACK_KB kB, leaks checked at exit"
	fi
	e2e_log "seed $SEED (FAULT_SEED=$SEED repeats this run)"
}

# fault_start BASE_MAC [HOST_IP]: device i gets BASE_MAC + i.
fault_start() {
	local base=$1 host=${2:-} i
	e2e_netns_add fault || e2e_fail "cannot create a network namespace"
	FAULT_NS=$E2E_NS
	ip -n "$FAULT_NS" tuntap add dev up0 mode tap || e2e_fail "cannot create a tap"
	[ -z "$host" ] || ip -n "$FAULT_NS" addr add "$host/24" dev up0
	ip -n "$FAULT_NS" link set up0 up
	e2e_vmux_start -n "$FAULT_NS" vmux --uplink tap:up0 -b "$base" \
		-s "$E2E_TMP/a.sock" -s "$E2E_TMP/b.sock" -s "$E2E_TMP/c.sock"
	VMUX_PID=${E2E_PIDS[vmux]}
	MAC_A=$base
	MAC_B=${base%:*}:$(printf '%02x' $((0x${base##*:} + 1)))
	MAC_C=${base%:*}:$(printf '%02x' $((0x${base##*:} + 2)))
	"$FAULT_GUEST_BIN" "$E2E_TMP/a.sock" recv >"$E2E_TMP/recv.log" 2>&1 &
	e2e_track recv $!
	"$FAULT_GUEST_BIN" "$E2E_TMP/b.sock" send "$MAC_B" "$MAC_A" >"$E2E_TMP/send.log" 2>&1 &
	e2e_track send $!
	for ((i = 0; i < 100; i++)); do
		[ "$(rx_frames)" -gt 0 ] && break
		sleep 0.1
	done
	[ "$(rx_frames)" -gt 0 ] || e2e_fail "guest A receives nothing from guest B"
	e2e_log "A receives B's frames"
}

# rx_frames: the receiver's latest count.
rx_frames() { awk '$1 == "rx" { n = $2 } END { print n + 0 }' "$E2E_TMP/recv.log"; }
fds() { ls "/proc/$VMUX_PID/fd" | wc -l; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$VMUX_PID/status"; }
anon_kb() { awk '/^RssAnon:/ { print $2 }' "/proc/$VMUX_PID/status"; }
vmux_alive() { kill -0 "$VMUX_PID" 2>/dev/null || e2e_fail "vmux died $*"; }

# vmux notices a departed client from its loop: a moment before counting.
fault_baseline() {
	sleep 0.5
	FD0=$(fds)
	RSS0=$(rss_kb)
	ANON0=$(anon_kb)
	e2e_log "after ${1:-warm-up}: vmux has $FD0 fds, RSS $RSS0 kB (anonymous $ANON0 kB)"
}

fault_measure() {
	sleep 0.5
	FD1=$(fds)
	RSS1=$(rss_kb)
	ANON1=$(anon_kb)
	e2e_log "vmux's anonymous memory: $ANON0 -> $ANON1 kB"
}

# fault_finish WHAT: WHAT names what was done, for the messages.
fault_finish() {
	local what=$1 came left
	e2e_stop send
	e2e_stop recv
	read -r _ FRAMES GAP < <(grep '^total' "$E2E_TMP/recv.log")
	[ -n "${FRAMES:-}" ] || e2e_fail "the receiver printed no total"
	e2e_log "A received $FRAMES frames, longest gap $GAP ms"
	[ "$GAP" -lt "$MAXGAP_MS" ] ||
		e2e_fail "A stalled for $GAP ms (limit $MAXGAP_MS) during $what"
	[ "$FD1" -eq "$FD0" ] || e2e_fail "vmux's fds went from $FD0 to $FD1 over $what"
	[ $((RSS1 - RSS0)) -lt "$RSS_SLACK_KB" ] ||
		e2e_fail "vmux's RSS grew by $((RSS1 - RSS0)) kB over $what (limit $RSS_SLACK_KB)"
	[ $((ANON1 - ANON0)) -lt "$ANON_SLACK_KB" ] ||
		e2e_fail "vmux's anonymous memory grew by $((ANON1 - ANON0)) kB over $what (limit $ANON_SLACK_KB)"
	# Every client that came to the third device was seen to leave.
	came=$(grep -c 'dev2: client connected' "$E2E_TMP/vmux.log")
	left=$(grep -c 'dev2: client detached' "$E2E_TMP/vmux.log")
	[ "$left" -eq "$came" ] ||
		e2e_fail "vmux logged $came clients connected and $left detached on the third device"
	# A clean exit (under the sanitizers: no leak at exit either).
	e2e_stop vmux 5 || e2e_fail "vmux exited with status $? on SIGTERM"
}
