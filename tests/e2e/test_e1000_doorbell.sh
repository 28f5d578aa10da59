#!/usr/bin/env bash
# e2e: the e1000 with exitless doorbells (--doorbell poll): QEMU maps the ring
# register pages into the guest, whose unmodified e1000 driver then rings its
# doorbells with plain stores that vmux polls. Pings both ways and 4 MiB over
# TCP each way with matching sha256. Checks that QEMU mapped the page (its
# memory tree shows the BAR's mmap subregion before the guest's driver runs)
# and that vmux found the doorbells on the page, none as register writes.
# Under TCG QEMU drops the mapping once the device's INTx fires (it must see
# the guest's EOI as a trapped access; KVM's resample irqfd avoids that), so
# later doorbells reach the page as REGION_WRITEs: the count is only reported.
# Exit 0 pass, 1 fail, 77 skip. Environment: see tests/e2e/lib.sh.
set -u
. "$(dirname "$0")/lib.sh"

HOST_IP=10.79.0.1
GUEST_IP=10.79.0.2
MAC=52:54:00:e2:e0:20
BYTES=$((4 * 1024 * 1024))

e2e_guest_test_init
CTL() { python3 "$E2E_DIR/ctl.py" "$E2E_TMP/vmux.ctl" "$@"; }

initrd=$E2E_TMP/initrd.cpio.gz
e2e_initramfs "$initrd" "$E2E_DIR/guest/doorbell.sh" e1000

e2e_netns_add db || e2e_fail "cannot create a network namespace"
ns=$E2E_NS
ip -n "$ns" tuntap add dev tap0 mode tap || e2e_fail "cannot create tap0 in $ns"
ip -n "$ns" addr add "$HOST_IP/24" dev tap0
ip -n "$ns" link set tap0 up
sock=$E2E_TMP/vmux.sock
# One worker: the polling thread is not the one that answers the control socket.
e2e_vmux_start -n "$ns" vmux --workers 1 --control "$E2E_TMP/vmux.ctl" \
	-s "$sock" -m e1000-emu -t tap0 --mac "$MAC" --doorbell poll
[ "$(CTL ports dev0 doorbell)" = poll ] || e2e_fail "the control socket does not show doorbell poll"

head -c "$BYTES" /dev/urandom >"$E2E_TMP/host-data"
rxsha=$(sha256sum "$E2E_TMP/host-data" | cut -d' ' -f1)
ip netns exec "$ns" python3 "$E2E_DIR/tcp_peer.py" send 5001 "$E2E_TMP/host-data" \
	>"$E2E_TMP/peer-send.log" 2>&1 &
e2e_track peer-send $!
ip netns exec "$ns" python3 "$E2E_DIR/tcp_peer.py" recv 5002 "$E2E_TMP/guest-data" "$BYTES" \
	>"$E2E_TMP/peer-recv.log" 2>&1 &
e2e_track peer-recv $!

mon=$E2E_TMP/g1.mon
e2e_guest_start g1 "$initrd" "e2e.rxsha=$rxsha e2e.bytes=$BYTES" \
	-device "$(e2e_vfio_user_dev "$sock")" -monitor "unix:$mon,server=on,wait=off"
# mtree FILE: QEMU's memory tree (HMP "info mtree") from the guest's monitor.
mtree() {
	python3 - "$mon" >"$1" 2>&1 <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.settimeout(5)
s.connect(sys.argv[1])
s.sendall(b"info mtree\n")
out, t = b"", time.time() + 5
while time.time() < t:
    try:
        b = s.recv(65536)
    except socket.timeout:
        break
    if not b:
        break
    out += b
    if out.count(b"(qemu)") >= 2:
        break
sys.stdout.write(out.decode(errors="replace"))
PY
}
# Before the guest's driver runs: the mmap of BAR0's sparse area is a subregion of the BAR.
for _ in 1 2 3 4 5 6 7 8 9 10; do
	[ -S "$mon" ] && break
	sleep 0.2
done
mtree "$E2E_TMP/mtree-boot.txt"

host_ping=fail
e2e_host_pings g1 "$ns" "$GUEST_IP" && host_ping=ok

e2e_guest_wait g1
ok=$?
e2e_guest_lines g1 | grep -v '^  dmesg' | sed 's/^/    /'
[ "$ok" = 0 ] || e2e_fail "guest: $E2E_RESULT"
[ "$host_ping" = ok ] || e2e_fail "the host could not ping the guest"
txsha=$(e2e_guest_data g1 tx_sha)
gotsha=$(sha256sum "$E2E_TMP/guest-data" 2>/dev/null | cut -d' ' -f1)
[ -n "$txsha" ] && [ "$txsha" = "$gotsha" ] ||
	e2e_fail "data from the guest: sha256 $gotsha, the guest sent $txsha"
e2e_alive vmux || e2e_fail "vmux died"
traps=$(CTL ports dev0 device.tail_traps)
page_traps=$(CTL ports dev0 device.db_page_traps)
tx_kicks=$(CTL ports dev0 device.db_tx_kicks)
rx_kicks=$(CTL ports dev0 device.db_rx_kicks)
e2e_log "doorbells: $tx_kicks TX and $rx_kicks RX found by polling, $traps tail writes and $page_traps page accesses as messages"
grep -q 'doorbells polled' "$E2E_TMP/vmux.log" || e2e_fail "vmux did not log the doorbell mode at attach"
grep -q 'ramd.*BAR 0 mmaps\[0\]' "$E2E_TMP/mtree-boot.txt" ||
	e2e_fail "QEMU did not map BAR0's doorbell page (see mtree-boot.txt)"
[ "$traps" = 0 ] || e2e_fail "$traps tail writes reached the model as register writes"
[ "$tx_kicks" -gt 100 ] && [ "$rx_kicks" -gt 100 ] ||
	e2e_fail "too few doorbells found by polling (TX $tx_kicks, RX $rx_kicks)"
e2e_pass "e1000 with --doorbell poll: page mapped by QEMU, ping both ways, 2 x 4 MiB TCP intact, doorbells polled"
