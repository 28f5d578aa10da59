#!/usr/bin/env bash
# e2e: a real guest's unmodified ice driver on vmux's emulated E810
# (-m e810-emu, safe mode), wired to a tap in a network namespace made by
# this test: link up, ping both ways, 64 MiB over TCP in each direction with
# matching sha256 (E810_BYTES=N for another size, a multiple of 64 KiB),
# 8000-byte pings at MTU 9000. The device's counters (vmuxctl ports) are
# printed.
#
#   tests/e2e/test_e810_net.sh                      # the chroot's newest kernel
#   VMUX_E2E_KVER=6.1.0-... tests/e2e/test_e810_net.sh   # Debian 12's kernel
# Exit 0 pass, 1 fail, 77 skip. Environment: see tests/e2e/lib.sh.
set -u
. "$(dirname "$0")/lib.sh"
E2E_MACHINE=${E2E_MACHINE:-q35}

HOST_IP=10.77.0.1
GUEST_IP=10.77.0.2
MAC=52:54:00:e8:10:02
QUEUES=${E810_QUEUES:-1}
BYTES=${E810_BYTES:-$((64 * 1024 * 1024))}
VMUXCTL=${VMUXCTL_BIN:-$(dirname "$E2E_VMUX")/vmuxctl}
# trap (default) or poll: --doorbell; poll puts QRX_TAIL, QTX_COMM_DBELL and
# GLINT_DYN_CTL on shared pages of BAR0 that QEMU maps (e2e_e810_net_poll).
DOORBELL=${1:-${E810_DOORBELL:-trap}}
CTL() { python3 "$E2E_DIR/ctl.py" "$E2E_TMP/vmux.ctl" "$@"; }

e2e_guest_test_init

initrd=$E2E_TMP/initrd.cpio.gz
E2E_INITRAMFS_BINS=/usr/sbin/ethtool e2e_initramfs "$initrd" "$E2E_DIR/guest/e810_net.sh" ice
e2e_log "guest kernel: $(basename "$E2E_KERNEL")"

e2e_netns_add e810net || e2e_fail "cannot create a network namespace"
ns=$E2E_NS
ip -n "$ns" tuntap add dev tap0 mode tap || e2e_fail "cannot create tap0 in $ns"
ip -n "$ns" link set tap0 mtu 9000
ip -n "$ns" addr add "$HOST_IP/24" dev tap0
ip -n "$ns" link set tap0 up
sock=$E2E_TMP/vmux.sock
ctl=$E2E_TMP/vmux.ctl
e2e_vmux_start -n "$ns" vmux -s "$sock" -m e810-emu --queues "$QUEUES" -t tap0 -b "$MAC" \
	--control "$ctl" --doorbell "$DOORBELL"

head -c "$BYTES" /dev/urandom >"$E2E_TMP/host-data"
rxsha=$(sha256sum "$E2E_TMP/host-data" | cut -d' ' -f1)
ip netns exec "$ns" python3 "$E2E_DIR/tcp_peer.py" send 5001 "$E2E_TMP/host-data" \
	>"$E2E_TMP/peer-send.log" 2>&1 &
e2e_track peer-send $!
ip netns exec "$ns" python3 "$E2E_DIR/tcp_peer.py" recv 5002 "$E2E_TMP/guest-data" "$BYTES" \
	>"$E2E_TMP/peer-recv.log" 2>&1 &
e2e_track peer-recv $!

e2e_guest_start g1 "$initrd" "e2e.rxsha=$rxsha e2e.bytes=$BYTES" \
	-device "$(e2e_vfio_user_dev "$sock")"

# host -> guest ping once the guest is up
host_ping=fail
e2e_host_pings g1 "$ns" "$GUEST_IP" && host_ping=ok

e2e_guest_wait g1
ok=$?
e2e_guest_lines g1 | sed 's/^/    /'
if [ -S "$ctl" ] && [ -x "$VMUXCTL" ]; then
	"$VMUXCTL" ports -c "$ctl" >"$E2E_TMP/ports.json" 2>&1 &&
		e2e_log "device counters: $(tr -d '\n ' <"$E2E_TMP/ports.json" | grep -oE '"device":\{[^}]*\}')"
fi
if [ -S "$ctl" ]; then
	# Trapped register accesses (each a vfio-user message, a VM exit) per 1000 frames.
	rr=$(CTL ports dev0 vfio_user.region_reads)
	rw=$(CTL ports dev0 vfio_user.region_writes)
	pk=$(($(CTL ports dev0 device.tx_pkts) + $(CTL ports dev0 device.rx_pkts)))
	e2e_log "doorbell $DOORBELL: $rr region reads + $rw region writes for $pk frames:" \
		"$(((rr + rw) * 1000 / (pk ? pk : 1))) trapped accesses per 1000 frames;" \
		"polled: $(CTL ports dev0 device.db_tx) TX, $(CTL ports dev0 device.db_rx) RX," \
		"$(CTL ports dev0 device.db_dyn) DYN_CTL; $(CTL ports dev0 device.db_page_traps) page accesses as messages"
	if [ "$DOORBELL" = poll ]; then
		[ "$(CTL ports dev0 device.db_tx)" -gt 0 ] ||
			e2e_fail "no TX doorbell was found on the page"
	fi
fi
[ "$ok" = 0 ] || e2e_fail "guest: $E2E_RESULT"
[ "$host_ping" = ok ] || e2e_fail "the host could not ping the guest"
txsha=$(e2e_guest_data g1 tx_sha)
gotsha=$(sha256sum "$E2E_TMP/guest-data" 2>/dev/null | cut -d' ' -f1)
[ -n "$txsha" ] && [ "$txsha" = "$gotsha" ] ||
	e2e_fail "data from the guest: sha256 $gotsha, the guest sent $txsha"
e2e_log "$((BYTES >> 20)) MiB guest->host arrived intact ($(e2e_guest_data g1 tx_secs) s), host->guest ($(e2e_guest_data g1 rx_secs) s)"
e2e_alive vmux || e2e_fail "vmux died"
e2e_pass "doorbell $DOORBELL: ice on $(basename "$E2E_KERNEL"): link, ping both ways, 2 x $((BYTES >> 20)) MiB TCP intact, jumbo pings"
