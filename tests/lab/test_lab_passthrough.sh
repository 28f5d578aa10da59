#!/usr/bin/env bash
# lab: vmux passes the lab VM's e1000 and igb through (-m passthrough -d BDF)
# to the in-tree client (tests/lab/guest/pt_client.c, built in the build
# tree), inside the lab VM (guest side: guest/passthrough.sh):
#   - e1000 (INTx): a frame the client sends leaves through the e1000 onto
#     the host's tap0 (counted here), a frame the host sends lands in the
#     client's RX ring with INTx; DMA from an address the client never mapped
#     faults in the IOMMU (the DMAR fault in the VM's log) and changes nothing
#     of the client's memory; a client SIGKILLed mid-traffic: the device is
#     reset and the next client served
#   - igb (MSI-X): each vector fired through EICS reaches its own eventfd and
#     no other; masked in the table it stays quiet and sets its PBA bit,
#     unmasked it is delivered
#   - with a client attached to the e1000, vfio-pci's unbind of it completes
#     within seconds: VFIO's REQ makes vmux drop the client and close the
#     device (logged); vmux serves on (the igb again), the e1000's socket
#     refuses clients
#   - vmux's exit gives the igb's group back
# Exit 0 pass, 1 fail, 77 skip. Environment: tests/lab/lab.sh, PT_CLIENT,
# VMUXCTL_BIN.
set -u
# shellcheck source=tests/lab/lab.sh
. "$(dirname "$0")/lab.sh"

T0=$(date +%s%N)
lab_init
[ -x "$E2E_VMUX" ] || e2e_fail "vmux binary not found at $E2E_VMUX"
PT_CLIENT=${PT_CLIENT:-$(dirname "$E2E_VMUX")/tests/lab/pt_client}
[ -x "$PT_CLIENT" ] || e2e_fail "pt_client not found at $PT_CLIENT (build it, or set PT_CLIENT)"

e2e_netns_add net || e2e_fail "cannot create a network namespace"
ns=$E2E_NS
ip netns exec "$ns" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
lab_tap "$ns" tap0 || e2e_fail "cannot create tap0 in $ns"
lab_tap "$ns" tap1 || e2e_fail "cannot create tap1 in $ns"
LAB_NETNS=$ns
lab_nic e1000 tap0 52:54:00:1a:b0:01
lab_nic igb tap1 52:54:00:1a:b0:02
VMUXCTL_BIN=${VMUXCTL_BIN:-$(dirname "$E2E_VMUX")/vmuxctl}
[ -x "$VMUXCTL_BIN" ] || e2e_fail "vmuxctl not found at $VMUXCTL_BIN (build it, or set VMUXCTL_BIN)"
LAB_ENV="PT_CLIENT=$PT_CLIENT
VMUXCTL=$VMUXCTL_BIN"

# The host's end of the e1000: counts the client's test frames (ethertype
# 0x88b5, "vmux-pt-tx") and sends its own ("vmux-pt-rx") every 100 ms.
ip netns exec "$ns" python3 -c '
import socket, sys, time, select
out = sys.argv[1]
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x88b5))
s.bind(("tap0", 0))
frame = b"\xff" * 6 + b"\x02\x00\x00\x00\x00\x01" + b"\x88\xb5" + b"vmux-pt-rx" + bytes(50)
seen = 0
end = time.time() + 400
nxt = 0
while time.time() < end:
    now = time.time()
    if now >= nxt:
        try:
            s.send(frame)
        except OSError:
            pass
        nxt = now + 0.1
    r, _, _ = select.select([s], [], [], 0.05)
    if r:
        d = s.recv(2048)
        if d[14:24] == b"vmux-pt-tx":
            seen += 1
            open(out, "w").write(str(seen))
' "$E2E_TMP/tap0.seen" &
HOSTPY=$!
e2e_track hostpy "$HOSTPY"

LAB_SCRIPT=$LAB_DIR/guest/passthrough.sh
lab_start vm
e2e_guest_wait vm 400
ok=$?
kill "$HOSTPY" 2>/dev/null
e2e_guest_lines vm | sed 's/^/    /'
[ "$ok" = 0 ] || e2e_fail "lab VM: $E2E_RESULT"
seen=$(cat "$E2E_TMP/tap0.seen" 2>/dev/null || echo 0)
[ "$seen" -ge 1 ] || e2e_fail "tap0 saw none of the client's test frames"
e2e_log "tap0 saw $seen test frame(s) from the client through the passed-through e1000"
e2e_log "timing: lab VM $E2E_GUEST_SECS s, test $(e2e_since "$T0") s"
e2e_pass "passthrough: e1000 TX to the tap, RX with INTx, DMA fault, reset after a kill; igb MSI-X $(e2e_guest_data vm igb_msix_ok)/$(e2e_guest_data vm igb_msix_vectors | cut -d' ' -f1) vectors, mask/PBA/unmask; unbind with a client attached (REQ) in $(e2e_guest_data vm unbind_ms) ms"
