#!/usr/bin/env bash
# e2e: a real guest's unmodified e1000 driver on vmux's emulated 82540EM, wired
# to a tap in a network namespace made by this test: link up, ping both ways,
# 64 MiB over TCP in each direction with matching sha256, 8000-byte pings at
# MTU 9000, and the guest's interface counters (including the NIC's own
# multicast counter) moving as expected.
#
#   tests/e2e/test_e1000_net.sh                      # the chroot's 7.x kernel
#   VMUX_E2E_KVER=6.1.0-56-amd64 tests/e2e/test_e1000_net.sh   # Debian 12's kernel
# Exit 0 pass, 1 fail, 77 skip. Environment: see tests/e2e/lib.sh.
set -u
. "$(dirname "$0")/lib.sh"

HOST_IP=10.77.0.1
GUEST_IP=10.77.0.2
MAC=52:54:00:e2:e0:10
BYTES=$((64 * 1024 * 1024))

e2e_guest_test_init

initrd=$E2E_TMP/initrd.cpio.gz
e2e_initramfs "$initrd" "$E2E_DIR/guest/net.sh" e1000
e2e_log "guest kernel: $(basename "$E2E_KERNEL")"

e2e_netns_add net || e2e_fail "cannot create a network namespace"
ns=$E2E_NS
ip -n "$ns" tuntap add dev tap0 mode tap || e2e_fail "cannot create tap0 in $ns"
ip -n "$ns" link set tap0 mtu 9000
ip -n "$ns" addr add "$HOST_IP/24" dev tap0
ip -n "$ns" link set tap0 up
sock=$E2E_TMP/vmux.sock
e2e_vmux_start -n "$ns" vmux -s "$sock" -m e1000-emu -t tap0 -b "$MAC"

head -c "$BYTES" /dev/urandom >"$E2E_TMP/host-data"
rxsha=$(sha256sum "$E2E_TMP/host-data" | cut -d' ' -f1)
ip netns exec "$ns" python3 "$E2E_DIR/tcp_peer.py" send 5001 "$E2E_TMP/host-data" \
	>"$E2E_TMP/peer-send.log" 2>&1 &
e2e_track peer-send $!
ip netns exec "$ns" python3 "$E2E_DIR/tcp_peer.py" recv 5002 "$E2E_TMP/guest-data" "$BYTES" \
	>"$E2E_TMP/peer-recv.log" 2>&1 &
e2e_track peer-recv $!

e2e_guest_start g1 "$initrd" "e2e.rxsha=$rxsha" -device "$(e2e_vfio_user_dev "$sock")"
serial=$E2E_TMP/g1.serial

# host -> guest ping once the guest is up
host_ping=fail
e2e_host_pings g1 "$ns" "$GUEST_IP" && host_ping=ok

# multicast pings to all-hosts, which the NIC counts in MPRC
deadline=$(($(date +%s) + E2E_TIMEOUT))
until grep -qa 'E2E-DATA: want_mcast=1' "$serial"; do
	e2e_alive g1 || break
	[ "$(date +%s)" -lt "$deadline" ] || break
	sleep 0.2
done
for _ in 1 2 3 4 5; do
	ip netns exec "$ns" "$BB" ping -c 1 -W 1 -I tap0 224.0.0.1 >/dev/null 2>&1
done &
e2e_track mcast $!

e2e_guest_wait g1
ok=$?
e2e_guest_lines g1 | grep -v '^  dmesg' | sed 's/^/    /'
[ "$ok" = 0 ] || e2e_fail "guest: $E2E_RESULT"
[ "$host_ping" = ok ] || e2e_fail "the host could not ping the guest"
txsha=$(e2e_guest_data g1 tx_sha)
gotsha=$(sha256sum "$E2E_TMP/guest-data" 2>/dev/null | cut -d' ' -f1)
[ -n "$txsha" ] && [ "$txsha" = "$gotsha" ] ||
	e2e_fail "data from the guest: sha256 $gotsha, the guest sent $txsha"
e2e_log "64 MiB guest->host arrived intact ($(e2e_guest_data g1 tx_secs) s), host->guest ($(e2e_guest_data g1 rx_secs) s)"
e2e_alive vmux || e2e_fail "vmux died"
e2e_pass "e1000 on $(basename "$E2E_KERNEL"): link, ping both ways, 2 x 64 MiB TCP intact, jumbo pings, counters"
