#!/usr/bin/env bash
# e2e: the DPDK uplink with real guests. vmux's switch has --uplink
# dpdk:net_af_packet0 on one end of a veth pair in a network namespace made by
# this test, the host address on the other end; two QEMU 11 guests on the
# switch in one run: a on e1000-emu (Linux's e1000 driver, pc machine), b on
# e810-emu with one queue pair (ice in safe mode, q35). Each guest pings the
# host and the host pings each guest, through DPDK both ways; 16 MiB b->host
# over TCP arrive intact; the uplink's DPDK counters move.
# Exit 0 pass, 1 fail, 77 skip. Environment: see tests/e2e/lib.sh.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/multi.sh"

HOST=10.89.0.1
declare -A IP=([a]=10.89.0.11 [b]=10.89.0.12)
declare -A DRV=([a]=e1000 [b]=ice)
declare -A MACHINE=([a]=pc [b]=q35)
BYTES=$((16 * 1024 * 1024))
CTL() { python3 "$E2E_DIR/ctl.py" "$E2E_TMP/vmux.ctl" "$@"; }

e2e_guest_test_init

e2e_netns_add dpdk || e2e_fail "cannot create a network namespace"
ns=$E2E_NS
ip -n "$ns" link add vdp0 type veth peer name vdp1 || e2e_fail "cannot create a veth pair in $ns"
ip -n "$ns" addr add "$HOST/24" dev vdp1
ip -n "$ns" link set vdp0 up
ip -n "$ns" link set vdp1 up
# A veth leaves the checksums of what the host sends to its peer undone
# (CHECKSUM_PARTIAL), and DPDK's af_packet PMD passes such frames on as they
# are: the guests would drop every TCP segment from the host. A NIC's frames
# come off the wire complete; here the host computes them itself.
command -v ethtool >/dev/null || e2e_skip "ethtool is missing (run scripts/deps.sh)"
ip netns exec "$ns" ethtool -K vdp1 tx off >/dev/null || e2e_fail "cannot turn off vdp1's TX checksum offload"
e2e_vmux_start -n "$ns" vmux --uplink dpdk:net_af_packet0,iface=vdp0 --control "$E2E_TMP/vmux.ctl" \
	-b 52:54:00:e2:e2:00 -s "$E2E_TMP/a.sock" -s "$E2E_TMP/b.sock" -m e810-emu --queues 1
e2e_multi_init "$ns" "$HOST" e1000 ice

# One after the other: two TCG boots at once on a loaded 2-CPU machine can
# starve a guest's early timer check (an IO-APIC panic, nothing to do with vmux).
for g in a b; do
	E2E_MACHINE=${MACHINE[$g]} e2e_agent_boot "$g" "${IP[$g]}" "$E2E_TMP/$g.sock"
	e2e_agent_wait_up "$g" || e2e_fail "guest $g did not come up (through the DPDK uplink)"
	drv=$(e2e_guest_data "$g" driver)
	[ "$drv" = "${DRV[$g]}" ] || e2e_fail "guest $g: eth0 is driven by '$drv', not ${DRV[$g]}"
done
e2e_log "two guests up behind the DPDK uplink: a ${DRV[a]}, b ${DRV[b]}"

out0=$(CTL switch net_af_packet0 dpdk.dev_opackets)
in0=$(CTL switch net_af_packet0 dpdk.dev_ipackets)
for g in a b; do
	e2e_agent_run "$g" "ping -c 3 -W 3 $HOST >/dev/null || { echo cannot ping $HOST; exit 1; }" 120 ||
		{ CTL switch >&2; e2e_fail "guest $g (${DRV[$g]}) cannot ping the host through the DPDK uplink"; }
	ip netns exec "$ns" "$BB" ping -c 3 -W 3 "${IP[$g]}" >/dev/null ||
		e2e_fail "the host cannot ping guest $g (${DRV[$g]}) through the DPDK uplink"
done
e2e_log "both guests ping the host, the host pings both guests"

ip netns exec "$ns" python3 "$E2E_DIR/tcp_peer.py" recv 5002 "$E2E_TMP/b-up.data" "$BYTES" \
	>"$E2E_TMP/peer-b.log" 2>&1 &
e2e_track peer-b $!
for ((i = 0; i < 300; i++)); do
	ip netns exec "$ns" ss -Hltn "sport = :5002" 2>/dev/null | grep -q . && break
	sleep 0.1
done
e2e_agent_run b "dd if=/dev/urandom of=/tmp/tx bs=1048576 count=16 2>/dev/null; echo up \$(sha256sum /tmp/tx); nc $HOST 5002 </tmp/tx" 300 ||
	e2e_fail "b: sending to the host failed"
up=$(e2e_agent_output b "${E2E_AGENT_SEQ[${IP[b]}]}" | awk '$1=="up" {print $2}')
wait "${E2E_PIDS[peer-b]}" 2>/dev/null
up_got=$(sha256sum "$E2E_TMP/b-up.data" | cut -d' ' -f1)
[ -n "$up" ] && [ "$up" = "$up_got" ] || e2e_fail "b->host: host got $up_got, b sent '$up'"
e2e_log "16 MiB b (E810) -> host through the DPDK uplink arrived intact"

out1=$(CTL switch net_af_packet0 dpdk.dev_opackets)
in1=$(CTL switch net_af_packet0 dpdk.dev_ipackets)
e2e_log "DPDK uplink: $((out1 - out0)) frames out, $((in1 - in0)) in"
[ $((out1 - out0)) -ge 10000 ] && [ $((in1 - in0)) -ge 12 ] ||
	e2e_fail "the DPDK uplink's counters did not move as expected"
e2e_pass
