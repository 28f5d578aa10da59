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
# From the host (LAB_ENV): FLOW_TEST (the test binary), VMUXCTL.
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
kill "$VPID"
wait "$VPID"
n=$(ip netns exec vf tc filter show dev dtap0 2>/dev/null | grep -c dst_mac)
e2e_info "after vmux stopped: $n filters on dtap0"
e2e_status
