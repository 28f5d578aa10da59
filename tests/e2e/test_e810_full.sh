#!/usr/bin/env bash
# e2e: the E810 in full mode. The guest's initramfs carries Intel's DDP
# package (Debian's firmware-intel-misc, fetched once into the e2e cache by
# e2e_ddp_fetch, never into the source tree; skipped (77) when it cannot be
# fetched) as intel/ice/ddp/ice.pkg: ice downloads it into vmux's emulated
# E810 (-m e810-emu), which takes it and reports it active, and the driver
# says the package loaded (not "Entering Safe Mode"). Then, with -smp 4 and
# vmux --queues 4: ethtool -L combined 2 and 4 on the running interface, a
# known RSS key (ethtool -X hkey), and 8 parallel TCP flows from the host on
# fixed ports land on at least 3 of the 4 RX queues (RSS: the Toeplitz hash
# over the guest's key and LUT; where ethtool cannot set the key, 16 flows
# over ice's random one). Then the flow director: no "could not initialize
# flow director", and "ethtool -N flow-type udp4 dst-port P action 2" moves
# exactly UDP port P's bursts (udp_burst.py, on the guest's request) from
# their RSS queue to queue 2, counted in fdir_sb_match, another port's stay;
# "ethtool -N delete ID" sends them back. Then tc-flower (an advanced switch
# rule: a recipe and a rule with its dummy packet, matched with the
# package's switch tables): "tc filter add dev eth0 ingress protocol ip
# flower skip_sw ip_proto udp dst_port P action skbedit queue_mapping 2" moves
# port P's bursts to queue 2, deleting the filter sends them back (counted in
# sw_adv_matched, sw_hits). One boot.
#
#   tests/e2e/test_e810_full.sh             # as root; exit 0 pass, 1 fail, 77 skip
# Environment: see tests/e2e/lib.sh (VMUX_E2E_KVER=6.1.0-... for Debian 12's
# kernel as the guest; the default is the chroot's newest).
set -u
. "$(dirname "$0")/lib.sh"
E2E_MACHINE=${E2E_MACHINE:-q35}

HOST_IP=10.77.0.1
GUEST_IP=10.77.0.2
MAC=52:54:00:e8:10:03
QUEUES=4
FLOWS=8
FLOW_BYTES=$((512 * 1024))
VMUXCTL=${VMUXCTL_BIN:-$(dirname "$E2E_VMUX")/vmuxctl}

e2e_guest_test_init
e2e_ddp_fetch || e2e_skip "no DDP package (firmware-intel-misc could not be fetched)"
e2e_log "DDP package: $(basename "$E2E_DDP_PKG") ($(wc -c <"$E2E_DDP_PKG") bytes, from the cache)"

initrd=$E2E_TMP/initrd.cpio.gz
# tc for the tc-flower check (iproute2 into the chroot once; without it that check is skipped).
e2e_chroot_install iproute2
E2E_INITRAMFS_BINS="/usr/sbin/ethtool /usr/sbin/tc" \
	E2E_INITRAMFS_FILES="$E2E_DDP_PKG=/lib/firmware/intel/ice/ddp/ice.pkg" \
	e2e_initramfs "$initrd" "$E2E_DIR/guest/e810_full.sh" ice cls_flower sch_ingress act_skbedit
e2e_log "guest kernel: $(basename "$E2E_KERNEL")"

e2e_netns_add e810full || e2e_fail "cannot create a network namespace"
ns=$E2E_NS
ip -n "$ns" tuntap add dev tap0 mode tap || e2e_fail "cannot create tap0 in $ns"
ip -n "$ns" addr add "$HOST_IP/24" dev tap0
ip -n "$ns" link set tap0 up
sock=$E2E_TMP/vmux.sock
ctl=$E2E_TMP/vmux.ctl
e2e_vmux_start -n "$ns" vmux -s "$sock" -m e810-emu --queues "$QUEUES" -t tap0 -b "$MAC" \
	--control "$ctl" -v

head -c "$FLOW_BYTES" /dev/urandom >"$E2E_TMP/flow-data"
# UDP bursts the guest asks for (its flow director check: udp_burst.py).
ip netns exec "$ns" python3 "$E2E_DIR/udp_burst.py" 9000 40000 >"$E2E_TMP/udp_burst.log" 2>&1 &
e2e_track udp_burst $!

E2E_SMP=$QUEUES e2e_guest_start g1 "$initrd" \
	"e2e.queues=$QUEUES e2e.flows=$FLOWS e2e.min_queues=3 e2e.flow_bytes=$FLOW_BYTES" \
	-device "$(e2e_vfio_user_dev "$sock")"
# Once the guest listens: one connection per flow, host port 6000 + 131 i to
# the guest's 7000 + 37 i (ports that differ in many bits: guest/e810_full.sh),
# all at once.
if e2e_wait_ready g1; then
	n=$(e2e_guest_data g1 flows)
	for i in $(seq 1 "${n:-0}"); do
		ip netns exec "$ns" python3 "$E2E_DIR/tcp_peer.py" connect "$GUEST_IP" $((7000 + 37 * i)) \
			"$E2E_TMP/flow-data" $((6000 + 131 * i)) >"$E2E_TMP/peer$i.log" 2>&1 &
		e2e_track "peer$i" $!
	done
	e2e_log "${n:-0} TCP flows started"
fi
e2e_guest_wait g1
ok=$?
e2e_guest_lines g1 | sed 's/^/    /'

loaded=$(grep -oE 'DDP package [0-9.]+ "[^"]*" loaded \([0-9]+ buffers\)' "$E2E_TMP/vmux.log" | tail -n 1)
e2e_log "vmux: ${loaded:-no DDP package loaded}"
unknown=$(grep -oE 'unknown admin command 0x[0-9a-f]+' "$E2E_TMP/vmux.log" | awk '{print $4}' |
	sort | uniq -c | awk '{printf "%s(x%s) ", $2, $1}')
e2e_log "admin commands vmux answered ENOSYS: ${unknown:-none}"
errs=$(grep -oE 'command 0x[0-9a-f]+: error [0-9]+' "$E2E_TMP/vmux.log" | sort | uniq -c |
	awk '{printf "%s=%s(x%s) ", $3, $5, $1}' | tr -d ':')
e2e_log "admin commands answered with an error: ${errs:-none}"
if [ -S "$ctl" ] && [ -x "$VMUXCTL" ]; then
	"$VMUXCTL" ports -c "$ctl" >"$E2E_TMP/ports.json" 2>&1 &&
		e2e_log "device counters: $(tr -d '\n ' <"$E2E_TMP/ports.json" | grep -oE '"device":\{[^}]*\}')"
fi
if [ -S "$ctl" ]; then
	CTL() { python3 "$E2E_DIR/ctl.py" "$ctl" "$@"; }
	e2e_log "package counters: ddp_loaded $(CTL ports dev0 device.ddp_loaded)," \
		"$(CTL ports dev0 device.pkg_bufs) buffers, $(CTL ports dev0 device.pkg_updates) updates," \
		"$(CTL ports dev0 device.pkg_uploads) uploads, $(CTL ports dev0 device.pkg_refused) refused"
	[ "$(CTL ports dev0 device.ddp_loaded)" = True ] || e2e_fail "vmux: ddp_loaded is not true"
	[ "$(CTL ports dev0 device.pkg_refused)" = 0 ] || e2e_fail "vmux refused package buffers"
	e2e_log "flow director counters: $(CTL ports dev0 device.fd_adds) adds," \
		"$(CTL ports dev0 device.fd_removes) removes, $(CTL ports dev0 device.fd_matches) matches," \
		"$(CTL ports dev0 device.fd_refused) refused, $(CTL ports dev0 device.fd_status) status," \
		"$(CTL ports dev0 device.fd_filters) filters now"
	e2e_log "switch rule counters: $(CTL ports dev0 device.sw_adv_rules) advanced now," \
		"$(CTL ports dev0 device.sw_adv_bad) never matching, $(CTL ports dev0 device.sw_hits) hits," \
		"$(CTL ports dev0 device.recipes_refused) recipe commands refused," \
		"$(CTL ports dev0 device.sw_rules_refused) rule commands refused"
	[ "$(CTL ports dev0 device.sw_adv_bad)" = 0 ] || e2e_fail "vmux: advanced switch rules that never match"
	[ "$(CTL ports dev0 device.fd_adds)" -ge 1 ] 2>/dev/null &&
		[ "$(CTL ports dev0 device.fd_removes)" -ge 1 ] 2>/dev/null ||
		e2e_fail "vmux: no flow director filter added and removed"
fi
tcmsg="; tc-flower not checked (this kernel's ice has no tc queue action)"
[ "$(e2e_guest_data g1 tc)" = 1 ] &&
	tcmsg="; tc-flower moved UDP port $(e2e_guest_data g1 tc_port) from queue $(e2e_guest_data g1 tc_rss_queue) to 2 and back"
[ "$ok" = 0 ] || e2e_fail "guest: $E2E_RESULT"
[ -n "$loaded" ] || e2e_fail "vmux did not log the package loaded"
e2e_alive vmux || e2e_fail "vmux died"
e2e_pass "ice on $(basename "$E2E_KERNEL") in full mode ($(e2e_guest_data g1 ddp)):" \
	"$(e2e_guest_data g1 flows) TCP flows over $(e2e_guest_data g1 queues_used) of $QUEUES RX queues" \
	"($(e2e_guest_data g1 rx_per_queue)); ethtool -N moved UDP port $(e2e_guest_data g1 fdir_port)" \
	"from queue $(e2e_guest_data g1 fdir_rss_queue) to 2 and back (fdir_sb_match" \
	"+$(e2e_guest_data g1 fdir_match))$tcmsg"
