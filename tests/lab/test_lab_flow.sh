#!/usr/bin/env bash
# lab: the DPDK uplink's flow rules on net_tap with the kernel's TC flower
# (the lab VM's Debian 12 kernel has cls_flower and sch_multiq; the host's
# has not). Guest side: guest/flow.sh, which runs test_dpdk_flow with
# VMUX_FLOW_EXPECT_HW=1 (MAC and guest UDP rules in the kernel, a rule
# rte_flow cannot say in software, a removed rule's filter gone, steering to
# the VM's RX queue) and vmux with --uplink dpdk:net_tap0,iface=dtap0 and
# two E810 devices (`vmuxctl flows`: a hardware MAC rule per VM, `tc filter
# show dev dtap0` lists them, frames for VM b read from its RX queue), then
# a poll-mode E810 guest (flow_guest) whose ethertype drop rule becomes a
# kernel filter that drops its frames before vmux, and goes when the guest
# removes the rule; the same guest's flow director filters (guest/fd_check.py):
# "udp4 dst-port 7100 action 1" as a flower filter (VM a's MAC and the port)
# whose frames land on the guest's RX queue 1, removed with its filter, and a
# masked one (ports 7296..7311) net_tap refuses: in software, counted, still
# steering to queue 1, removed. Then lanes: vmux --workers 2 on net_tap,
# VM b (worker 1, the poll-mode guest) with every rule naming lane 1's RX
# queue (vmuxctl flows, the filters' skbedit queue_mapping 1; VM a's 0), its
# frames through lane 1 straight to it (the lane's `direct`), VM a's read
# from queue 0.
# Exit 0 pass, 1 fail, 77 skip. Environment: tests/lab/lab.sh, FLOW_TEST,
# VMUXCTL_BIN.
set -u
# shellcheck source=tests/lab/lab.sh
. "$(dirname "$0")/lab.sh"

T0=$(date +%s%N)
lab_init
[ -x "$E2E_VMUX" ] || e2e_fail "vmux binary not found at $E2E_VMUX (build it first, or set VMUX_BIN)"
[ -x "${FLOW_TEST:-}" ] || e2e_fail "FLOW_TEST (test_dpdk_flow) not set or not built"
[ -x "${VMUXCTL_BIN:-}" ] || e2e_fail "VMUXCTL_BIN (vmuxctl) not set or not built"
[ -x "${FLOW_GUEST:-}" ] || e2e_fail "FLOW_GUEST (flow_guest) not set or not built"
LAB_ENV="FLOW_TEST=$FLOW_TEST
FLOW_GUEST=$FLOW_GUEST
VMUXCTL=$VMUXCTL_BIN"
LAB_SCRIPT=$LAB_DIR/guest/flow.sh
# DPDK (Debian's build and ours) needs SSE4.2: not in TCG's default CPU model.
lab_start vm
e2e_guest_wait vm 300
ok=$?
e2e_guest_lines vm | sed 's/^/    /'
[ "$ok" = 0 ] || e2e_fail "lab VM: $E2E_RESULT"
e2e_log "timing: lab VM $E2E_GUEST_SECS s, test $(e2e_since "$T0") s"
e2e_pass "net_tap+flower: $(e2e_guest_data vm kernel_filters) kernel filters for vmux's VMs, $(e2e_guest_data vm steered) frames steered to VM b's queue, a guest's drop rule in the kernel and removed ($(e2e_guest_data vm kernel_filters_guest) -> $(e2e_guest_data vm kernel_filters_removed) filters); a guest's FD filter in the kernel ($(e2e_guest_data vm fd_hw_kernel_hits) frames through it, $(e2e_guest_data vm fd_hw_q1) on its queue 1) and removed, a masked one refused by net_tap and steered in software ($(e2e_guest_data vm fd_sw_q1) on queue 1); lanes (--workers 2): VM b's $(e2e_guest_data vm lanes_b_rules) rules on lane 1's queue (tc queue_mapping 1, VM a's 0), $(e2e_guest_data vm lanes_direct) frames through lane 1 straight to VM b, $(e2e_guest_data vm lanes_a_q0) for VM a on queue 0"
