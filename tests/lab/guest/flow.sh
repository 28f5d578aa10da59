# shellcheck shell=sh
# Lab VM side of tests/lab/test_lab_flow.sh (the host's /bin/sh, in the lab
# VM, whose kernel has TC flower and multiq): the DPDK uplink's flow rules on
# net_tap, with the kernel's filters behind them.
#   1. test_dpdk_flow (in-process, a netns of its own) with VMUX_FLOW_EXPECT_HW=1:
#      the VMs' MAC rules and a guest's UDP rules in the kernel, a rule rte_flow
#      cannot say in software, a removed rule's filter gone, frames for a VM
#      read from its RX queue;
#   2. vmux itself with --uplink dpdk:net_tap0,iface=dtap0 in a netns and two
#      E810 devices: `vmuxctl flows` lists a hardware MAC rule per VM,
#      `tc filter show dev dtap0` has their filters, frames sent into dtap0
#      for VM b are read from VM b's RX queue; vmux stopped, the filters go.
#   3. a poll-mode E810 guest (flow_guest) on VM a adds an ethertype drop
#      rule: in the kernel, the frames it matches dropped there, others still
#      steered; the guest removes it: its filter goes.
#   4. the same guest's flow director filters (guest/fd_check.py): an exact
#      udp4 dst-port filter as a kernel filter steering to the guest's RX
#      queue 1, removed with it; a masked one net_tap refuses, in software,
#      still steering; removed.
#   5. lanes: vmux --workers 2 on net_tap (dtap1), VM a on worker 0, VM b on
#      worker 1 with the poll-mode guest: VM b's rules (MAC and its guest's)
#      name lane 1's queue, VM a's queue 0 (`vmuxctl flows`, tc's skbedit
#      queue_mapping); VM b's frames come through lane 1 straight to it,
#      VM a's through queue 0.
# From the host (LAB_ENV): FLOW_TEST (the test binary), FLOW_GUEST, VMUXCTL.
. "$LAB_SRCROOT/tests/e2e/guest/functions.sh"

VPID=
die() {
	e2e_fail "$*"
	[ -z "$VPID" ] || kill "$VPID" 2>/dev/null
	exit 1
}

modprobe cls_flower || die "no cls_flower"
modprobe sch_multiq || die "no sch_multiq"
modprobe tun || die "no tun"

# 1. in-process
if VMUX_FLOW_EXPECT_HW=1 "$FLOW_TEST" >/tmp/flow_test.log 2>&1; then
	e2e_info "ok: test_dpdk_flow with the rules in the kernel: $(grep -c '\[       OK \]' /tmp/flow_test.log) tests"
else
	grep -v '^EAL\|^TAP' /tmp/flow_test.log | tail -n 20 | while read -r l; do e2e_info "  $l"; done
	die "test_dpdk_flow failed with VMUX_FLOW_EXPECT_HW=1"
fi

# 2. vmux
ip netns add vf || die "cannot create netns vf"
ip netns exec vf sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
ip netns exec vf "$VMUX_BIN" --uplink dpdk:net_tap0,iface=dtap0 --control /tmp/vf.ctl \
	-b 02:00:00:00:0f:00 -s /tmp/a.sock -m e810-emu -s /tmp/b.sock -m e810-emu \
	>/tmp/vmux.log 2>&1 &
VPID=$!
e2e_wait_for 60 test -S /tmp/vf.ctl || { tail -n 20 /tmp/vmux.log; die "vmux did not start"; }
# The first sync runs at start; give the periodic one a moment too.
sleep 1
"$VMUXCTL" -c /tmp/vf.ctl flows >/tmp/flows.json || die "vmuxctl flows failed"
python3 - /tmp/flows.json <<'PY' >/tmp/flows.sum || { cat /tmp/flows.json; die "vmuxctl flows: not one hardware MAC rule per VM"; }
import json, sys
j = json.load(open(sys.argv[1]))
macs = [r for r in j["rules"] if r["kind"] == "vm-mac"]
assert len(macs) == 2 and all(r["runs"] == "hardware" for r in macs), j
assert macs[0]["uplink_rxq"] != macs[1]["uplink_rxq"], macs
b = [r for r in macs if r["vm"] == "dev1"][0]
print(b["match"].split()[0].split("=")[1], b["uplink_rxq"], b["uplink_rxq_pkts"], j["rx_queues"])
PY
read -r BMAC BQ BPKTS NQ </tmp/flows.sum
e2e_info "ok: vmuxctl flows: 2 MAC rules in hardware, $NQ RX queues, VM b ($BMAC) on queue $BQ"
n=$(ip netns exec vf tc filter show dev dtap0 | grep -c dst_mac)
ip netns exec vf tc filter show dev dtap0 | head -n 12 | while read -r l; do e2e_info "  tc: $l"; done
[ "$n" -ge 2 ] || die "tc filter show dev dtap0: $n flower filters with dst_mac, expected 2"
e2e_data kernel_filters "$n"
# Frames into dtap0 for VM b (several sources: hashes that disagree).
ip netns exec vf python3 - "$BMAC" <<'PY' || die "cannot send into dtap0"
import socket, struct, sys
mac = bytes.fromhex(sys.argv[1].replace(":", ""))
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("dtap0", 0))
for i in range(32):
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 46, 0, 0, 64, 17, 0,
                     bytes([10, 0, i >> 8, i & 255]), bytes([10, 1, 0, 1]))
    udp = struct.pack("!HHHH", 1000 + i, 7000, 26, 0) + bytes(18)
    s.send(mac + bytes.fromhex("020000009901") + b"\x08\x00" + ip + udp)
PY
sleep 1
"$VMUXCTL" -c /tmp/vf.ctl flows >/tmp/flows2.json || die "vmuxctl flows failed"
after=$(python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print([r for r in j["rules"] if r["vm"]=="dev1"][0]["uplink_rxq_pkts"])' /tmp/flows2.json)
got=$((after - BPKTS))
e2e_data steered "$got"
[ "$got" -ge 32 ] || die "VM b's RX queue $BQ read $got of the 32 frames sent for it"
e2e_info "ok: the 32 frames for VM b were read from its RX queue $BQ"

# 3. a poll-mode E810 guest on VM a (flow_guest): its switch rules (MAC pass,
# an ethertype 0x88b5 drop) become kernel filters; frames of that type for VM
# a are dropped in the kernel, others still read from VM a's queue; the rule
# removed by the guest, its filter goes.
# Its commands (part 4) go through a FIFO this shell holds open (fd 3).
mkfifo /tmp/g.in || die "mkfifo"
"$FLOW_GUEST" /tmp/a.sock </tmp/g.in >/tmp/g.out 2>/tmp/g.err &
GPID=$!
exec 3>/tmp/g.in
e2e_wait_for 30 grep -q ready /tmp/g.out || { cat /tmp/g.err; die "flow_guest did not come up"; }
sleep 1
"$VMUXCTL" -c /tmp/vf.ctl flows >/tmp/flows3.json || die "vmuxctl flows failed"
python3 - /tmp/flows3.json <<'PY' >/tmp/flows3.sum || { cat /tmp/flows3.json; die "the guest's drop rule is not in hardware"; }
import json, sys
j = json.load(open(sys.argv[1]))
a = [r for r in j["rules"] if r["vm"] == "dev0"]
drop = [r for r in a if r["kind"] == "switch-rule" and r["action"] == "drop"]
assert len(drop) == 1 and drop[0]["runs"] == "hardware", a
mac = [r for r in a if r["kind"] == "vm-mac"][0]
print(mac["match"].split()[0].split("=")[1], mac["uplink_rxq"], mac["uplink_rxq_pkts"], len(a))
PY
read -r AMAC AQ APKTS NA </tmp/flows3.sum
e2e_info "ok: VM a's $NA rules, the guest's ethertype drop in hardware"
ip netns exec vf tc filter show dev dtap0 | grep -q 'eth_type 88b5' ||
	{ ip netns exec vf tc filter show dev dtap0; die "no flower filter for ethertype 0x88b5"; }
# (not $n: e2e_wait_for uses it)
nf=$(ip netns exec vf tc filter show dev dtap0 | grep -c dst_mac)
e2e_data kernel_filters_guest "$nf"
send_etype() { # MAC ETYPE N
	ip netns exec vf python3 - "$1" "$2" "$3" <<'PY' || die "cannot send into dtap0"
import socket, sys
mac = bytes.fromhex(sys.argv[1].replace(":", ""))
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("dtap0", 0))
for i in range(int(sys.argv[3])):
    s.send(mac + bytes([2, 0, 0, 0, 0x99, i]) + bytes.fromhex(sys.argv[2]) + bytes(50))
PY
}
a_pkts() {
	"$VMUXCTL" -c /tmp/vf.ctl flows | python3 -c 'import json,sys; j=json.load(sys.stdin); print([r for r in j["rules"] if r["vm"]=="dev0" and r["kind"]=="vm-mac"][0]["uplink_rxq_pkts"])'
}
p0=$(a_pkts)
send_etype "$AMAC" 88b5 8
sleep 1
p1=$(a_pkts)
send_etype "$AMAC" 88b6 8
sleep 1
p2=$(a_pkts)
e2e_data guest_drop_read "$((p1 - p0))"
e2e_data guest_other_read "$((p2 - p1))"
[ "$((p1 - p0))" = 0 ] || die "$((p1 - p0)) of 8 frames the guest's rule drops were read by vmux (not dropped in the kernel)"
[ "$((p2 - p1))" -ge 8 ] || die "VM a's queue read $((p2 - p1)) of 8 other frames"
ip netns exec vf tc -s filter show dev dtap0 | grep -A8 'eth_type 88b5' | grep -q 'Sent .* 8 pkt' &&
	e2e_info "ok: the kernel's 0x88b5 filter dropped the 8 frames" ||
	e2e_info "the kernel's filter statistics: $(ip netns exec vf tc -s filter show dev dtap0 | grep -A8 'eth_type 88b5' | tr '\n' ' ')"
e2e_info "ok: 8 frames of the guest's dropped type never reached vmux, 8 others read from VM a's queue $AQ"
kill -USR1 "$GPID"
e2e_wait_for 10 grep -q removed /tmp/g.out || die "flow_guest did not remove its rule"
sleep 1
"$VMUXCTL" -c /tmp/vf.ctl flows >/dev/null || die "vmuxctl flows failed"
if ip netns exec vf tc filter show dev dtap0 | grep -q 'eth_type 88b5'; then
	die "the 0x88b5 filter is still in the kernel after the guest removed its rule"
fi
n2=$(ip netns exec vf tc filter show dev dtap0 | grep -c dst_mac)
e2e_data kernel_filters_removed "$n2"
[ "$n2" = "$((nf - 1))" ] || die "$n2 filters after the removal, expected $((nf - 1))"
e2e_info "ok: the guest removed its rule: its kernel filter is gone ($nf -> $n2)"

# 4. the same guest's flow director filters (guest/fd_check.py): "udp4
# dst-port 7100 action 1" as a flower filter (VM a's MAC and the port), its
# frames through it onto the guest's RX queue 1, removed with the filter; a
# masked one (ports 7296..7311) net_tap refuses in software, still steering
# to queue 1; removed, gone from `vmuxctl flows`.
T4=$(date +%s)
ip netns exec vf python3 "$LAB_SRCROOT/tests/lab/guest/fd_check.py" "$VMUXCTL" /tmp/vf.ctl \
	/tmp/g.in /tmp/g.out dtap0 >/tmp/fd.out 2>&1
fdrc=$?
while read -r l; do
	# shellcheck disable=SC2086 # split "data KEY VALUE"
	case "$l" in
	"data "*) set -- $l; e2e_data "$2" "$3" ;;
	*) e2e_info "$l" ;;
	esac
done </tmp/fd.out
[ "$fdrc" = 0 ] || { tail -n 5 /tmp/vmux.log | while read -r l; do e2e_info "  vmux: $l"; done; die "the guest's flow director filters (fd_check.py)"; }
e2e_data fd_secs "$(($(date +%s) - T4))"
exec 3>&-
kill "$GPID"
wait "$GPID"
kill "$VPID"
wait "$VPID"
n=$(ip netns exec vf tc filter show dev dtap0 2>/dev/null | grep -c dst_mac)
e2e_info "after vmux stopped: $n filters on dtap0"

# 5. lanes: vmux with --workers 2 on net_tap (dtap1), VM a on worker 0, VM b
# on worker 1 with the poll-mode guest; every rule of VM b (its MAC rule and
# its guest's switch rules) names lane 1's RX queue, VM a's queue 0: in
# `vmuxctl flows` and as the filters' skbedit queue_mapping; frames for VM b
# come through lane 1 straight to it (the lane's `direct`), VM a's through
# queue 0 (the port's thread), none through the lane.
T5=$(date +%s)
VPID=
ip netns exec vf "$VMUX_BIN" --workers 2 --uplink dpdk:net_tap1,iface=dtap1 --control /tmp/vl.ctl \
	-b 02:00:00:00:0f:00 -s /tmp/la.sock -m e810-emu -s /tmp/lb.sock -m e810-emu \
	>/tmp/vmux_lanes.log 2>&1 &
VPID=$!
e2e_wait_for 60 test -S /tmp/vl.ctl || { tail -n 20 /tmp/vmux_lanes.log; die "vmux --workers 2 did not start"; }
grep -q 'queue pairs: queue 0 on this thread' /tmp/vmux_lanes.log ||
	{ tail -n 20 /tmp/vmux_lanes.log; die "vmux --workers 2 on net_tap: no lanes"; }
"$FLOW_GUEST" /tmp/lb.sock </dev/null >/tmp/gl.out 2>/tmp/gl.err &
GPID=$!
e2e_wait_for 30 grep -q ready /tmp/gl.out || { cat /tmp/gl.err; die "flow_guest (VM b) did not come up"; }
sleep 1
"$VMUXCTL" -c /tmp/vl.ctl flows >/tmp/lflows.json || die "vmuxctl flows failed"
ip netns exec vf tc filter show dev dtap1 >/tmp/ltc.txt
python3 - /tmp/lflows.json /tmp/ltc.txt <<'PY' >/tmp/lflows.sum || { cat /tmp/lflows.json /tmp/ltc.txt; die "lanes: the VMs' rules do not name their worker's queue"; }
import json, re, sys
j = json.load(open(sys.argv[1]))
macs = {r["vm"]: r for r in j["rules"] if r["kind"] == "vm-mac"}
assert set(macs) == {"dev0", "dev1"} and all(r["runs"] == "hardware" for r in macs.values()), j
want = {"dev0": 0, "dev1": 1}
for r in j["rules"]:
    assert r["uplink_rxq"] == want[r["vm"]], r
    assert r.get("uplink_rxq_lane", False) == (r["vm"] == "dev1"), r
b = [r for r in j["rules"] if r["vm"] == "dev1"]
assert len(b) >= 2 and all(r["runs"] == "hardware" for r in b if r["action"] != "pass"), b
mac = {vm: r["match"].split()[0].split("=")[1].lower() for vm, r in macs.items()}
# The kernel's filters, one block per "filter" line: dst_mac and queue_mapping.
blocks = re.split(r"\n(?=filter )", open(sys.argv[2]).read())
seen = {}
nq = 0
for blk in blocks:
    m = re.search(r"dst_mac (\S+)", blk)
    q = re.search(r"queue_mapping (\d+)", blk)
    if m and q:
        seen.setdefault(m.group(1).lower(), set()).add(int(q.group(1)))
        nq += 1
assert seen.get(mac["dev0"]) == {0}, (seen, mac)
assert seen.get(mac["dev1"]) == {1}, (seen, mac)
print(mac["dev0"], mac["dev1"], len(b), nq,
      macs["dev0"]["uplink_rxq_pkts"])
PY
read -r LAMAC LBMAC LBN LQM LAPKTS </tmp/lflows.sum
e2e_data lanes_tc_queue_filters "$LQM"
e2e_info "ok: lanes: VM a's rules on queue 0, VM b's $LBN rules on lane 1's queue 1 (vmuxctl flows and tc's queue_mapping)"
e2e_data lanes_b_rules "$LBN"
lane() { # KEY: lane 1's counter
	"$VMUXCTL" -c /tmp/vl.ctl switch | python3 -c '
import json, sys
j = json.load(sys.stdin)
p = [p for p in j["ports"] if "dpdk" in p][0]
print(int(p["dpdk"]["lanes"][0][sys.argv[1]]))' "$1"
}
send_udp() { # MAC N
	ip netns exec vf python3 - "$1" "$2" <<'PY' || die "cannot send into dtap1"
import socket, struct, sys
mac = bytes.fromhex(sys.argv[1].replace(":", ""))
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("dtap1", 0))
for i in range(int(sys.argv[2])):
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 46, 0, 0, 64, 17, 0,
                     bytes([10, 0, i >> 8, i & 255]), bytes([10, 1, 0, 1]))
    udp = struct.pack("!HHHH", 1000 + i, 7000, 26, 0) + bytes(18)
    s.send(mac + bytes.fromhex("020000009901") + b"\x08\x00" + ip + udp)
PY
}
[ "$(lane direct_on)" = 1 ] || die "lanes: the direct path is off"
d0=$(lane direct)
i0=$(lane in)
send_udp "$LBMAC" 32
sleep 1
d1=$(lane direct)
i1=$(lane in)
e2e_data lanes_direct "$((d1 - d0))"
[ "$((d1 - d0))" -ge 32 ] || die "lane 1 delivered $((d1 - d0)) of the 32 frames for VM b straight to it (in: $((i1 - i0)))"
e2e_info "ok: the 32 frames for VM b (worker 1) came through lane 1 straight to it"
send_udp "$LAMAC" 32
sleep 1
i2=$(lane in)
apkts=$("$VMUXCTL" -c /tmp/vl.ctl flows | python3 -c 'import json,sys; j=json.load(sys.stdin); print([r for r in j["rules"] if r["vm"]=="dev0" and r["kind"]=="vm-mac"][0]["uplink_rxq_pkts"])')
e2e_data lanes_a_q0 "$((apkts - LAPKTS))"
[ "$((i2 - i1))" = 0 ] || die "lane 1 read $((i2 - i1)) of the 32 frames for VM a (worker 0)"
[ "$((apkts - LAPKTS))" -ge 32 ] || die "queue 0 read $((apkts - LAPKTS)) of the 32 frames for VM a"
e2e_info "ok: the 32 frames for VM a (worker 0) were read from queue 0, none by lane 1"
kill "$GPID"
wait "$GPID"
kill "$VPID"
wait "$VPID"
e2e_data lanes_secs "$(($(date +%s) - T5))"
e2e_status
