#!/usr/bin/env bash
# l2_igb.sh: the lab VM's igb driven by Linux's own igb driver in an L2 guest
# (TCG inside the TCG lab VM: minutes, not in CI), once passed through by
# vmux (-m passthrough -d BDF, -device vfio-user-pci) and once by QEMU's own
# -device vfio-pci: ping RTT and a 4 MiB TCP transfer to the host's tap1,
# side by side (docs/BENCHMARKS.md). Guest sides: guest/l2_igb.sh (the lab
# VM), guest/l2_inner.sh (L2).   sudo tests/lab/l2_igb.sh
set -u
# shellcheck source=tests/lab/lab.sh
. "$(dirname "$0")/lab.sh"
E2E_NAME=lab-l2
lab_init
e2e_netns_add l2 || e2e_fail "cannot create a network namespace"
ns=$E2E_NS
ip netns exec "$ns" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
lab_tap "$ns" tap1 10.79.1.1/24 || e2e_fail "cannot create tap1"
LAB_NETNS=$ns
lab_nic igb tap1 52:54:00:1a:b1:02
# The TCP sink the L2 guests send 4 MiB to (one connection each).
ip netns exec "$ns" python3 -c '
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.79.1.1", 5201)); s.listen(2)
while True:
    c, _ = s.accept()
    while c.recv(65536): pass
    c.close()' &
e2e_track sink $!
E2E_MEM_MB=${E2E_MEM_MB:-1536}
LAB_SCRIPT=$LAB_DIR/guest/l2_igb.sh
lab_start vm
e2e_guest_wait vm "${L2_TIMEOUT:-3000}"
rc=$?
e2e_guest_lines vm
e2e_log "$E2E_RESULT after $E2E_GUEST_SECS s"
E2E_DONE=1
exit $((rc == 0 ? 0 : 1))
