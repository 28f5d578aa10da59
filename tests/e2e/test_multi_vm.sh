#!/usr/bin/env bash
# e2e: three QEMU 11 guests on one vmux, behind its switch, with a tap uplink;
# two device models on the one switch: a and c on e1000-emu (Linux's e1000
# driver, pc machine), b on e810-emu with one queue pair (ice in safe mode,
# q35 machine). The agent's initramfs loads both drivers; each guest must
# report the expected one.
#  - every pair of guests pings, e1000 <-> E810 both ways, and every guest
#    pings the host and back;
#  - 64 MiB TCP a->b (e1000 VM -> E810 VM), b->uplink (E810 -> tap) and b->a
#    (E810 VM -> e1000 VM) arrive with matching sha256, while a third guest
#    (c, in promiscuous mode) receives none of the a->b unicast;
#  - a guest SIGKILLed in the middle of its own transfer does not disturb the
#    b->a transfer running at the same time; restarted on the same socket it
#    works again;
#  - a guest that spoofs another guest's MAC (c takes b's) has its frames
#    dropped and counted (switch port counter "spoof").
# Exit 0 pass, 1 fail, 77 skip. Environment: see tests/e2e/lib.sh.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/multi.sh"

HOST=10.88.0.1
declare -A IP=([a]=10.88.0.11 [b]=10.88.0.12 [c]=10.88.0.13)
declare -A DEV=([a]=dev0 [b]=dev1 [c]=dev2)
declare -A DRV=([a]=e1000 [b]=ice [c]=e1000)
declare -A MACHINE=([a]=pc [b]=q35 [c]=pc)
MAC_B=52:54:00:e2:e1:01
BYTES=$((64 * 1024 * 1024))
CTL() { python3 "$E2E_DIR/ctl.py" "$E2E_TMP/vmux.ctl" "$@"; }
# host_listening PORT: waits (up to 30 s) until the host's receiver listens,
# so that a guest never connects before it (a loaded machine starts python
# slowly).
host_listening() {
	local i
	for ((i = 0; i < 300; i++)); do
		ip netns exec "$ns" ss -Hltn "sport = :$1" 2>/dev/null | grep -q . && return 0
		sleep 0.1
	done
	e2e_fail "the host's receiver on port $1 did not start"
}
# cmd_started G SEQ: waits (up to 60 s) until G's agent has started command SEQ.
cmd_started() {
	local deadline=$(($(date +%s) + 60))
	until tr -d '\r' <"$E2E_TMP/$1.serial" | grep -qa "^E2E-CMD-START: $2\$"; do
		e2e_alive "$1" || e2e_fail "guest $1 died before starting command $2"
		[ "$(date +%s)" -lt "$deadline" ] || e2e_fail "guest $1 did not start command $2 in 60 s"
		sleep 0.2
	done
}
# Guest-side TCP receiver: busybox nc ends a connection as soon as the peer
# half-closes, so the listener's stdin must stay open (a fifo held by fd 3)
# or it would half-close at once and cut the sender off.
recv_cmd() { # PORT
	echo "rm -f /tmp/f; mkfifo /tmp/f; nc -l -p $1 </tmp/f >/tmp/rx & exec 3>/tmp/f; wait \$!; exec 3>&-; sha256sum /tmp/rx; echo size \$(wc -c </tmp/rx); rm -f /tmp/rx /tmp/f"
}

e2e_guest_test_init

e2e_netns_add multi || e2e_fail "cannot create a network namespace"
ns=$E2E_NS
ip -n "$ns" tuntap add dev tap0 mode tap || e2e_fail "cannot create tap0"
ip -n "$ns" addr add "$HOST/24" dev tap0
ip -n "$ns" link set tap0 up
e2e_vmux_start -n "$ns" vmux --uplink tap:tap0 --control "$E2E_TMP/vmux.ctl" \
	-b 52:54:00:e2:e1:00 -s "$E2E_TMP/a.sock" -s "$E2E_TMP/b.sock" -m e810-emu --queues 1 \
	-s "$E2E_TMP/c.sock"
e2e_multi_init "$ns" "$HOST" e1000 ice

for g in a b c; do
	E2E_MACHINE=${MACHINE[$g]} e2e_agent_boot "$g" "${IP[$g]}" "$E2E_TMP/$g.sock"
done
for g in a b c; do
	e2e_agent_wait_up "$g" || e2e_fail "guest $g did not come up"
	drv=$(e2e_guest_data "$g" driver)
	[ "$drv" = "${DRV[$g]}" ] || e2e_fail "guest $g: eth0 is driven by '$drv', not ${DRV[$g]}"
done
mac=$(e2e_guest_data b mac)
[ "$mac" = "$MAC_B" ] || e2e_fail "guest b (E810) has MAC '$mac', not $MAC_B"
e2e_log "three guests up: a ${DRV[a]}, b ${DRV[b]} (e810-emu, $mac), c ${DRV[c]}"

# ---- every pair pings, both ways, and the host pings every guest
for g in a b c; do
	targets="$HOST"
	for o in a b c; do [ "$o" = "$g" ] || targets="$targets ${IP[$o]}"; done
	e2e_agent_run "$g" "for t in $targets; do ping -c 2 -W 3 \$t >/dev/null || { echo cannot ping \$t; exit 1; }; done" 120 ||
		{ e2e_agent_output "$g" "${E2E_AGENT_SEQ[${IP[$g]}]}"; e2e_fail "guest $g cannot ping everyone"; }
	ip netns exec "$ns" "$BB" ping -c 2 -W 3 "${IP[$g]}" >/dev/null || e2e_fail "host cannot ping $g"
done
e2e_log "every guest pings every other guest (e1000 <-> E810 both ways) and the host; the host pings every guest"

# ---- VM->VM (a->b, e1000 -> E810) and VM->uplink (b->host, E810 -> tap),
# c watches in promiscuous mode
e2e_agent_cmd c "ip link set eth0 promisc on; cat /sys/class/net/eth0/statistics/rx_packets"
seq_c=$E2E_SEQ
e2e_agent_wait c "$seq_c" 60 || e2e_fail "c: promisc on failed"
c_rx0=$(e2e_agent_output c "$seq_c" | tail -n 1)
c_sw0=$(CTL switch dev2 tx_pkts)
ip netns exec "$ns" python3 "$E2E_DIR/tcp_peer.py" recv 5002 "$E2E_TMP/b-up.data" "$BYTES" \
	>"$E2E_TMP/peer-b.log" 2>&1 &
e2e_track peer-b $!
host_listening 5002
e2e_agent_cmd b "$(recv_cmd 5000)
dd if=/dev/urandom of=/tmp/tx bs=1048576 count=64 2>/dev/null; echo up \$(sha256sum /tmp/tx)
nc $HOST 5002 </tmp/tx"
seq_b=$E2E_SEQ
cmd_started b "$seq_b"
sleep 1
e2e_agent_cmd a "dd if=/dev/urandom of=/tmp/tx bs=1048576 count=64 2>/dev/null; sha256sum /tmp/tx; nc ${IP[b]} 5000 </tmp/tx"
seq_a=$E2E_SEQ
e2e_agent_wait a "$seq_a" 300 || e2e_fail "a: sending to b failed ($?)"
e2e_agent_wait b "$seq_b" 300 || e2e_fail "b: receiving from a / sending to the host failed ($?)"
sent=$(e2e_agent_output a "$seq_a" | awk 'NF==2 && length($1)==64 {print $1}' | tail -n 1)
got=$(e2e_agent_output b "$seq_b" | awk 'NF==2 && length($1)==64 {print $1}' | head -n 1)
[ -n "$sent" ] && [ "$sent" = "$got" ] || e2e_fail "a->b: b got sha256 '$got', a sent '$sent'"
up=$(e2e_agent_output b "$seq_b" | awk '$1=="up" {print $2}')
up_got=$(sha256sum "$E2E_TMP/b-up.data" | cut -d' ' -f1)
[ -n "$up" ] && [ "$up" = "$up_got" ] || e2e_fail "b->host: host got $up_got, b sent '$up'"
e2e_log "64 MiB a->b (e1000 VM -> E810 VM) and 64 MiB b->host (E810 VM -> uplink) arrived intact"

e2e_agent_cmd c "cat /sys/class/net/eth0/statistics/rx_packets; ip link set eth0 promisc off"
seq_c=$E2E_SEQ
e2e_agent_wait c "$seq_c" 60 || e2e_fail "c: reading counters failed"
c_rx1=$(e2e_agent_output c "$seq_c" | head -n 1)
c_sw1=$(CTL switch dev2 tx_pkts)
a_sw=$(CTL switch dev1 tx_pkts)
e2e_log "c (promiscuous) received $((c_rx1 - c_rx0)) frames meanwhile (switch: $((c_sw1 - c_sw0)) to c; $a_sw to b in all)"
# a->b alone is >= 44739 frames; c only sees its own agent's traffic and broadcasts
[ $((c_rx1 - c_rx0)) -lt 3000 ] && [ $((c_sw1 - c_sw0)) -lt 3000 ] ||
	e2e_fail "c received $((c_rx1 - c_rx0)) frames during a->b: unicast leaked"

# ---- c is killed in the middle of its transfer; b->a (E810 VM -> e1000 VM)
# is not disturbed
ip netns exec "$ns" python3 "$E2E_DIR/tcp_peer.py" recv 5003 "$E2E_TMP/c-up.data" "$BYTES" \
	>"$E2E_TMP/peer-c.log" 2>&1 &
e2e_track peer-c $!
host_listening 5003
e2e_agent_cmd a "$(recv_cmd 5001)"
seq_a=$E2E_SEQ
cmd_started a "$seq_a"
sleep 1
e2e_agent_cmd c "dd if=/dev/urandom of=/tmp/tx bs=1048576 count=64 2>/dev/null; nc $HOST 5003 </tmp/tx"
e2e_agent_cmd b "dd if=/dev/urandom of=/tmp/tx bs=1048576 count=64 2>/dev/null; sha256sum /tmp/tx; nc ${IP[a]} 5001 </tmp/tx"
seq_b=$E2E_SEQ
deadline=$(($(date +%s) + 120))
until [ "$(stat -c %s "$E2E_TMP/c-up.data" 2>/dev/null || echo 0)" -gt $((4 * 1024 * 1024)) ]; do
	[ "$(date +%s)" -lt "$deadline" ] || e2e_fail "c's transfer did not start"
	sleep 0.1
done
kill -KILL "${E2E_PIDS[c]}"
e2e_log "c SIGKILLed after $(stat -c %s "$E2E_TMP/c-up.data") bytes of its transfer"
e2e_agent_wait b "$seq_b" 300 || e2e_fail "b: sending to a failed while c was killed ($?)"
e2e_agent_wait a "$seq_a" 300 || e2e_fail "a: receiving from b failed while c was killed ($?)"
sent=$(e2e_agent_output b "$seq_b" | awk 'NF==2 && length($1)==64 {print $1}' | tail -n 1)
got=$(e2e_agent_output a "$seq_a" | awk 'NF==2 && length($1)==64 {print $1}' | head -n 1)
[ -n "$sent" ] && [ "$sent" = "$got" ] || e2e_fail "b->a during the kill: a got '$got', b sent '$sent'"
e2e_alive vmux || e2e_fail "vmux died when c was killed"
e2e_log "b->a (64 MiB, E810 VM -> e1000 VM) completed intact while c was killed"
e2e_stop peer-c 1

# ---- c restarted on the same socket works again
e2e_agent_forget c
E2E_MACHINE=${MACHINE[c]} e2e_agent_boot c "${IP[c]}" "$E2E_TMP/c.sock"
e2e_agent_wait_up c || e2e_fail "restarted c did not come up"
e2e_agent_run c "for t in $HOST ${IP[a]} ${IP[b]}; do ping -c 2 -W 3 \$t >/dev/null || { echo cannot ping \$t; exit 1; }; done" 120 ||
	e2e_fail "restarted c cannot ping"
ip netns exec "$ns" python3 "$E2E_DIR/tcp_peer.py" recv 5004 "$E2E_TMP/c2-up.data" $((16 * 1024 * 1024)) \
	>"$E2E_TMP/peer-c2.log" 2>&1 &
e2e_track peer-c2 $!
host_listening 5004
e2e_agent_cmd c "dd if=/dev/urandom of=/tmp/tx bs=1048576 count=16 2>/dev/null; sha256sum /tmp/tx; nc $HOST 5004 </tmp/tx"
seq_c=$E2E_SEQ
e2e_agent_wait c "$seq_c" 300 || e2e_fail "restarted c: transfer failed"
sent=$(e2e_agent_output c "$seq_c" | awk 'NF==2 && length($1)==64 {print $1}' | tail -n 1)
[ "$sent" = "$(sha256sum "$E2E_TMP/c2-up.data" | cut -d' ' -f1)" ] || e2e_fail "restarted c: data corrupted"
e2e_log "c restarted on the same socket: pings everyone, 16 MiB to the host intact"

# ---- spoofing: c takes b's MAC; its frames are dropped and counted
spoof0=$(CTL switch dev2 drops.spoof)
e2e_agent_run c "ip link set eth0 address $MAC_B && ping -c 3 -W 1 $HOST; ip link set eth0 address 52:54:00:e2:e1:02; true" 60 ||
	e2e_fail "c: spoofing step failed"
spoof1=$(CTL switch dev2 drops.spoof)
[ "$spoof1" -gt "$spoof0" ] || e2e_fail "no spoofed frame was counted ($spoof0 -> $spoof1)"
e2e_agent_run c "ping -c 2 -W 3 $HOST >/dev/null" 60 || e2e_fail "c cannot ping after restoring its MAC"
e2e_agent_run b "ping -c 2 -W 3 $HOST >/dev/null" 60 || e2e_fail "b lost its network to c's spoofing"
e2e_log "c's frames with b's MAC: $((spoof1 - spoof0)) dropped as spoofed; b unaffected"

for g in a b c; do e2e_agent_cmd "$g" exit; done
for g in a b c; do e2e_guest_wait "$g" 60 >/dev/null; done
e2e_stop vmux 5 || e2e_fail "vmux did not exit cleanly on SIGTERM"
e2e_pass "3 guests (2 x e1000, 1 x E810) on one vmux: pings, VM->VM both ways and VM->uplink 64 MiB intact, isolation, kill+restart, anti-spoofing"
