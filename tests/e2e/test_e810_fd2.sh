#!/usr/bin/env bash
# e2e: two E810 VMs on one vmux (-m e810-emu, full mode: the DDP package in
# their initramfs; -smp 2, --queues 2), behind its switch with a tap uplink,
# each with flow director rules that name the other's ports:
#   A: "udp4 dst-port PB action 1" and "udp4 dst-port XB action -1"
#   B: "udp4 dst-port PA action 1" and "udp4 dst-port XA action -1"
# (PA, XA: ports A receives on; PB, XB: B's). The host sends bursts of N (600) UDP
# datagrams to A:PA, B:PB, A:PB, B:PA, B:XB, A:XA, A:XB and B:XA, one at a
# time, and reads after each: both guests' ethtool -S (rx_queue_N_packets,
# fdir_sb_match: GLSTAT_FD_CNT0), vmux's per-device flow director matches
# (vmuxctl ports: device.fd_matches) and its switch's frames to each port
# (vmuxctl switch: tx_pkts). Each receives only its own traffic (the other's
# counters do not move), a rule matches only frames addressed to its own VM
# (A's rule naming PB moves none of B's frames to PB; B's drop rule naming XA
# drops none of A's), and the rules really act on their own VM's (A:PB lands
# on A's queue 1, A:XB is dropped). The rules were installed: 2 filters per
# device in vmux's dump. One boot of the two guests, the agent (multi.sh).
# Exit 0 pass, 1 fail, 77 skip. Environment: see tests/e2e/lib.sh.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/multi.sh"
E2E_MACHINE=${E2E_MACHINE:-q35}

HOST=10.79.0.1
declare -A IP=([a]=10.79.0.11 [b]=10.79.0.12)
declare -A DEV=([a]=dev0 [b]=dev1)
# Ports: PA/XA A's, PB/XB B's (steered / dropped by the other VM's rules).
PA=5101 XA=5103 PB=5202 XB=5204
N=600
HI=$((N * 9 / 10))  # "got the burst": at least 90 % of it
# "not this burst": under half of it. What a VM receives meanwhile that is
# not the burst is its agent's own polling of the host (about 20-50 frames a
# step here).
LO=$((N / 2))
CTL() { python3 "$E2E_DIR/ctl.py" "$E2E_TMP/vmux.ctl" "$@"; }
T0=$(date +%s)

e2e_guest_test_init
e2e_ddp_fetch || e2e_skip "no DDP package (firmware-intel-misc could not be fetched)"

e2e_netns_add fd2 || e2e_fail "cannot create a network namespace"
ns=$E2E_NS
ip -n "$ns" tuntap add dev tap0 mode tap || e2e_fail "cannot create tap0"
ip -n "$ns" addr add "$HOST/24" dev tap0
ip -n "$ns" link set tap0 up
e2e_vmux_start -n "$ns" vmux --uplink tap:tap0 --control "$E2E_TMP/vmux.ctl" \
	-b 52:54:00:e8:fd:00 -s "$E2E_TMP/a.sock" -m e810-emu --queues 2 \
	-s "$E2E_TMP/b.sock" -m e810-emu --queues 2
E2E_INITRAMFS_BINS=/usr/sbin/ethtool \
	E2E_INITRAMFS_FILES="$E2E_DDP_PKG=/lib/firmware/intel/ice/ddp/ice.pkg" \
	e2e_multi_init "$ns" "$HOST" ice

for g in a b; do
	E2E_SMP=2 e2e_agent_boot "$g" "${IP[$g]}" "$E2E_TMP/$g.sock"
done
for g in a b; do
	e2e_agent_wait_up "$g" 180 || e2e_fail "guest $g did not come up"
	drv=$(e2e_guest_data "$g" driver)
	[ "$drv" = ice ] || e2e_fail "guest $g: eth0 is driven by '$drv', not ice"
	grep -aq 'Entering Safe Mode' "$E2E_TMP/$g.serial" && e2e_fail "guest $g: ice in safe mode"
	ip netns exec "$ns" "$BB" ping -c 2 -W 3 "${IP[$g]}" >/dev/null || e2e_fail "host cannot ping $g"
done
e2e_log "two E810 guests up ($(($(date +%s) - T0)) s)"

# rules G R1 R2: guest G's two rules (steer R1 to queue 1, drop R2); prints
# ethtool -n.
rules() {
	e2e_agent_run "$1" "ethtool -K eth0 ntuple on >/dev/null 2>&1
ethtool -N eth0 flow-type udp4 dst-port $2 action 1 || exit 1
ethtool -N eth0 flow-type udp4 dst-port $3 action -1 || exit 1
ethtool -n eth0" 120
}
rules a "$PB" "$XB" || { e2e_agent_output a "$E2E_SEQ"; e2e_fail "a: ethtool -N failed"; }
rules b "$PA" "$XA" || { e2e_agent_output b "$E2E_SEQ"; e2e_fail "b: ethtool -N failed"; }
for g in a b; do
	f=$(CTL ports "${DEV[$g]}" device.fd_filters)
	[ "$f" = 2 ] || e2e_fail "vmux: $g (${DEV[$g]}) has ${f:-?} flow director filters, not 2"
done
e2e_log "rules: a steers udp $PB to queue 1 and drops $XB; b steers $PA, drops $XA;" \
	"vmux: 2 filters on each device"

# snap: both guests' counters into S_<g>_<key> (q0, q1, rx = q0 + q1, fd) and vmux's
# (m: device.fd_matches, sw: switch frames to the port).
snap() {
	local g s k v q0 q1
	declare -A seq
	for g in a b; do
		e2e_agent_cmd "$g" "ethtool -S eth0"
		seq[$g]=$E2E_SEQ
	done
	for g in a b; do
		e2e_agent_wait "$g" "${seq[$g]}" 60 || e2e_fail "$g: ethtool -S failed"
		s=$(e2e_agent_output "$g" "${seq[$g]}")
		for k in q0:rx_queue_0_packets q1:rx_queue_1_packets fd:fdir_sb_match; do
			v=$(awk -v k="${k#*:}" '{sub(/(\.nic)?:$/, "", $1)} $1 == k {print $2; exit}' <<<"$s")
			printf -v "S_${g}_${k%%:*}" %s "${v:-0}"
		done
		q0=S_${g}_q0 q1=S_${g}_q1
		printf -v "S_${g}_rx" %s "$((${!q0} + ${!q1}))"
		printf -v "S_${g}_m" %s "$(CTL ports "${DEV[$g]}" device.fd_matches)"
		printf -v "S_${g}_sw" %s "$(CTL switch "${DEV[$g]}" tx_pkts)"
	done
}
# burst G PORT: N datagrams from the host's port 40000 to G:PORT.
burst() {
	ip netns exec "$ns" python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 40000))
for i in range(int(sys.argv[3])):
    s.sendto(b"fd2 %d" % i, (sys.argv[1], int(sys.argv[2])))
    if i % 32 == 31:
        time.sleep(0.002)
' "${IP[$1]}" "$2" "$N" || e2e_fail "cannot send to $1:$2"
	sleep 0.5
}
# step G PORT WHAT EXPECT...: sends the burst, then checks the deltas. EXPECT
# items: <g>.<key>=hi (at least 90 % of N), lo (under N / 2) or 0 (exactly).
step() {
	local g=$1 port=$2 what=$3 e k want d line="" b4
	shift 3
	snap
	declare -A before=()
	for k in a_q0 a_q1 a_rx a_fd a_m a_sw b_q0 b_q1 b_rx b_fd b_m b_sw; do
		b4="S_$k"
		before[$k]=${!b4}
	done
	burst "$g" "$port"
	snap
	for e in "$@"; do
		k=${e%%=*}
		want=${e#*=}
		b4="S_${k/./_}"
		d=$((${!b4} - ${before[${k/./_}]}))
		line="$line $k+$d"
		case "$want" in
		hi) [ "$d" -ge "$HI" ] ;;
		lo) [ "$d" -lt "$LO" ] ;;
		0) [ "$d" = 0 ] ;;
		esac || e2e_fail "$N to $g:$port ($what): $k moved by $d, expected $want"
	done
	e2e_log "$N to $g:$port ($what):$line"
}
step a "$PA" "A's own, no rule" a.rx=hi a.sw=hi b.rx=lo b.sw=lo a.fd=0 a.m=0 b.fd=0 b.m=0
step b "$PB" "B's own, A's rule names it" b.rx=hi b.sw=hi a.rx=lo a.sw=lo a.fd=0 a.m=0 b.fd=0 b.m=0
step a "$PB" "A's rule matches" a.q1=hi a.fd=hi a.m=hi a.sw=hi b.rx=lo b.sw=lo b.fd=0 b.m=0
step b "$PA" "B's rule matches" b.q1=hi b.fd=hi b.m=hi b.sw=hi a.rx=lo a.sw=lo a.fd=0 a.m=0
step b "$XB" "B's own, A's drop rule names it" b.rx=hi b.sw=hi a.rx=lo a.sw=lo a.fd=0 a.m=0 b.fd=0 b.m=0
step a "$XA" "A's own, B's drop rule names it" a.rx=hi a.sw=hi b.rx=lo b.sw=lo b.fd=0 b.m=0 a.fd=0 a.m=0
# A frame a rule drops is not delivered: the switch does not count it as
# sent to the port either (the device refused it), only fd_matches does.
step a "$XB" "A's drop rule matches" a.sw=lo a.rx=lo a.fd=hi a.m=hi b.rx=lo b.sw=lo b.fd=0 b.m=0
step b "$XA" "B's drop rule matches" b.sw=lo b.rx=lo b.fd=hi b.m=hi a.rx=lo a.sw=lo a.fd=0 a.m=0
e2e_log "vmux: flow director matches a (dev0) $(CTL ports dev0 device.fd_matches), b (dev1) $(CTL ports dev1 device.fd_matches)"

for g in a b; do e2e_agent_cmd "$g" exit; done
for g in a b; do e2e_guest_wait "$g" 60 >/dev/null; done
e2e_alive vmux || e2e_fail "vmux died"
e2e_stop vmux 5 || e2e_fail "vmux did not exit cleanly on SIGTERM"
e2e_pass "two E810 VMs (full mode) on one vmux, rules naming each other's ports:" \
	"each VM receives only its own bursts, a rule matches only its own VM's frames" \
	"(steer to queue 1, drop), 2 filters per device ($(($(date +%s) - T0)) s)"
