# Guest side of test_e810_net.sh (busybox sh): brings up eth0 on vmux's
# emulated E810 (ice, safe mode), pings the host, moves E2E_BYTES over TCP
# each way, pings with 8000-byte payloads at MTU 9000, and reports the
# interface's counters. dmesg lines of ice are shown on failure.
# Parameters (kernel command line, see init):
#   E2E_BYTES=N            bytes to move each way (a multiple of 64 KiB)
#   E2E_RXSHA=...          sha256 of what the host sends
. /e2e/functions.sh

HOST=10.77.0.1
ME=10.77.0.2
BYTES=${E2E_BYTES:-67108864}

show_dmesg() {
	dmesg | grep -E '(^|[^a-z])ice[ :]|8086:1592' | tail -n 40 | sed 's/^/  dmesg: /'
}

if ! e2e_wait_for 20 test -e /sys/class/net/eth0; then
	e2e_fail "no eth0"
	show_dmesg
	exit 1
fi
e2e_expect "driver" "$(basename "$(readlink /sys/class/net/eth0/device/driver)")" ice
ip link set lo up
ip addr add "$ME/24" dev eth0
ip link set eth0 up
if e2e_wait_for 20 grep -qx 1 /sys/class/net/eth0/carrier; then
	e2e_info "ok: link up ($(cat /sys/class/net/eth0/speed 2>/dev/null) Mb/s)"
else
	e2e_fail "link did not come up"
	show_dmesg
	exit 1
fi

stat() { cat "/sys/class/net/eth0/statistics/$1"; }
rx0=$(stat rx_packets)
tx0=$(stat tx_packets)

e2e_ping_host "$HOST"
if [ -s /tmp/e2e-fail ]; then
	e2e_data rx_packets $(($(stat rx_packets) - rx0))
	e2e_data tx_packets $(($(stat tx_packets) - tx0))
	show_dmesg
	exit 1
fi
# Tell the host we are up; it pings us and starts its TCP peers.
e2e_data ready 1

e2e_tcp_both_ways "$HOST" "$BYTES"

# jumbo frames: the host's tap has MTU 9000 too
if ip link set eth0 mtu 9000; then
	e2e_wait_for 20 grep -qx 1 /sys/class/net/eth0/carrier
	if e2e_wait_for 20 ping -c 1 -W 1 -s 8000 "$HOST" >/dev/null 2>&1 &&
		ping -c 3 -W 2 -s 8000 "$HOST" >/tmp/ping.out 2>&1; then
		e2e_info "ok: 8000-byte pings at MTU 9000: $(tail -n 1 /tmp/ping.out)"
	else
		cat /tmp/ping.out
		e2e_fail "ping with 8000-byte payload at MTU 9000 failed"
	fi
else
	e2e_fail "cannot set MTU 9000"
fi

e2e_data rx_packets $(($(stat rx_packets) - rx0))
e2e_data tx_packets $(($(stat tx_packets) - tx0))
e2e_data rx_errors "$(stat rx_errors)"
e2e_data tx_errors "$(stat tx_errors)"
[ "$(stat rx_errors)" -eq 0 ] || e2e_fail "rx_errors is $(stat rx_errors)"
[ -s /tmp/e2e-fail ] && show_dmesg
e2e_status
