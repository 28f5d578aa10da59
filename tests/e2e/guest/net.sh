# Guest side of test_e1000_net.sh (busybox sh): brings up eth0 on vmux's
# emulated e1000, pings the host, moves 64 MiB over TCP each way, pings with
# 8000-byte payloads at MTU 9000, and reports the interface's counters.
. /e2e/functions.sh

HOST=10.77.0.1
ME=10.77.0.2
BYTES=$((64 * 1024 * 1024))

e2e_wait_for 10 test -e /sys/class/net/eth0 || { e2e_fail "no eth0"; exit 1; }
e2e_expect "driver" "$(basename "$(readlink /sys/class/net/eth0/device/driver)")" e1000
ip link set lo up
ip addr add "$ME/24" dev eth0
ip link set eth0 up
if e2e_wait_for 20 grep -qx 1 /sys/class/net/eth0/carrier; then
	e2e_info "ok: link up ($(cat /sys/class/net/eth0/speed 2>/dev/null) Mb/s," \
		"$(cat /sys/class/net/eth0/duplex 2>/dev/null) duplex)"
else
	e2e_fail "link did not come up"
	exit 1
fi

stat() { cat "/sys/class/net/eth0/statistics/$1"; }
rx0=$(stat rx_packets)
tx0=$(stat tx_packets)

e2e_ping_host "$HOST"
# Tell the host we are up; it pings us and starts its TCP peers.
e2e_data ready 1

# host -> guest, then guest -> host
e2e_tcp_both_ways "$HOST" "$BYTES"

# jumbo frames: the host's tap has MTU 9000 too
ip link set eth0 mtu 9000 || e2e_fail "cannot set MTU 9000"
e2e_wait_for 20 grep -qx 1 /sys/class/net/eth0/carrier
rxb=$(stat rx_bytes)
rxp=$(stat rx_packets)
if e2e_wait_for 20 ping -c 1 -W 1 -s 8000 "$HOST" >/dev/null 2>&1 && ping -c 3 -W 2 -s 8000 "$HOST" >/tmp/ping.out 2>&1; then
	e2e_info "ok: 8000-byte pings at MTU 9000: $(tail -n 1 /tmp/ping.out)"
else
	cat /tmp/ping.out
	e2e_fail "ping with 8000-byte payload at MTU 9000 failed"
fi
# Each of the (at least 4) echo replies must have come as one frame of more
# than 8000 bytes: fragmented into 1500-byte frames they would be 6 each.
jf=$(($(stat rx_packets) - rxp))
jb=$(($(stat rx_bytes) - rxb))
e2e_data jumbo_rx_frames "$jf"
e2e_data jumbo_rx_bytes "$jb"
[ "$jf" -ge 4 ] && [ "$jf" -le 12 ] && [ "$jb" -ge $((4 * 8000)) ] ||
	e2e_fail "8000-byte echo replies did not arrive as single jumbo frames ($jf frames, $jb bytes)"

# wait for the host's multicast pings (counted by the NIC's MPRC register,
# which the driver reports as "multicast" every 2 s)
e2e_data want_mcast 1
e2e_wait_for 30 sh -c '[ "$(cat /sys/class/net/eth0/statistics/multicast)" -gt 0 ]' ||
	e2e_fail "the NIC's multicast counter did not move"

e2e_data rx_packets $(($(stat rx_packets) - rx0))
e2e_data tx_packets $(($(stat tx_packets) - tx0))
e2e_data multicast "$(stat multicast)"
e2e_data rx_errors "$(stat rx_errors)"
e2e_data tx_errors "$(stat tx_errors)"
# 64 MiB in frames of at most 1500 bytes is at least 44739 frames each way
[ $(($(stat rx_packets) - rx0)) -ge 44739 ] || e2e_fail "rx_packets did not move as expected"
[ $(($(stat tx_packets) - tx0)) -ge 44739 ] || e2e_fail "tx_packets did not move as expected"
[ "$(stat rx_errors)" -eq 0 ] || e2e_fail "rx_errors is $(stat rx_errors)"
e2e_status
