#!/usr/bin/env bash
# lab: one boot of the lab VM (Debian 12's 6.1 kernel over the host's
# read-only /, tests/lab/lab.sh) that proves what the VFIO and the rte_flow
# work need from it, each checked and reported (guest side: guest/smoke.sh):
#   - the kernel is 6.1
#   - QEMU's e1000 (INTx) and igb (MSI-X) on taps in a test namespace: the lab
#     VM pings the host through each, the host pings the e1000, and the
#     host's tap0 counted the frames
#   - both NICs rebound to vfio-pci under the virtual IOMMU: /dev/vfio/N for
#     their groups, and a VFIO user's first steps on them (group viable,
#     type-1 IOMMU, a DMA map, device fd, INTx/MSI-X counts: guest/vfio_check.py)
#   - a dummy link, the multiq qdisc, TC flower filters (egress and ingress)
#     accepted, listed, and dropping the frames they match
#   - the host-built vmux runs inside (--version)
# Prints the boot time (to the script) and the whole VM's time.
# Exit 0 pass, 1 fail, 77 skip (no 6.1 kernel on the host, or QEMU cannot
# run). Environment: tests/lab/lab.sh.
set -u
# shellcheck source=tests/lab/lab.sh
. "$(dirname "$0")/lab.sh"

E1000_HOST=10.78.0.1 E1000_IP=10.78.0.2
IGB_HOST=10.78.1.1 IGB_IP=10.78.1.2

T0=$(date +%s%N)
lab_init
[ -x "$E2E_VMUX" ] || e2e_fail "vmux binary not found at $E2E_VMUX (build it first, or set VMUX_BIN)"

e2e_netns_add net || e2e_fail "cannot create a network namespace"
ns=$E2E_NS
# No IPv6 in the namespace: no MLD/ND frames on the taps besides the test's.
ip netns exec "$ns" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
lab_tap "$ns" tap0 "$E1000_HOST/24" || e2e_fail "cannot create tap0 in $ns"
lab_tap "$ns" tap1 "$IGB_HOST/24" || e2e_fail "cannot create tap1 in $ns"
LAB_NETNS=$ns
lab_nic e1000 tap0 52:54:00:1a:b0:01
lab_nic igb tap1 52:54:00:1a:b0:02
LAB_ENV="E1000_HOST=$E1000_HOST
E1000_IP=$E1000_IP
IGB_HOST=$IGB_HOST
IGB_IP=$IGB_IP"

tap_rx() { ip netns exec "$ns" cat /sys/class/net/tap0/statistics/rx_packets; }
rx0=$(tap_rx)
LAB_SCRIPT=$LAB_DIR/guest/smoke.sh
lab_start vm
host_ping=fail
e2e_host_pings vm "$ns" "$E1000_IP" && host_ping=ok
e2e_guest_wait vm 300
ok=$?
e2e_guest_lines vm | sed 's/^/    /'
[ "$ok" = 0 ] || e2e_fail "lab VM: $E2E_RESULT"
[ "$host_ping" = ok ] || e2e_fail "the host could not ping the lab VM's e1000"
rx1=$(tap_rx)
[ "$rx1" -ge $((rx0 + 3)) ] || e2e_fail "tap0 received $((rx1 - rx0)) frames from the lab VM's e1000"
e2e_log "tap0 received $((rx1 - rx0)) frames from the e1000"
e2e_log "vfio: $(e2e_guest_data vm vfio_nodes)(e1000 $(e2e_guest_data vm vfio_e1000); igb $(e2e_guest_data vm vfio_igb))"
e2e_log "timing: boot to script $(e2e_guest_data vm boot_secs) s (guest uptime), lab VM $E2E_GUEST_SECS s, test $(e2e_since "$T0") s"
e2e_pass "Debian 12 $(e2e_guest_data vm kernel): e1000+igb ping the host, vfio-pci groups usable, dummy+multiq+flower, vmux runs"
