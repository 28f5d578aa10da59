# Guest side of test_e810_net.sh (busybox sh): brings up eth0 on vmux's
# emulated E810 (ice, safe mode), pings the host, moves E2E_BYTES over TCP
# each way, asks ethtool what an operator asks (driver, link, statistics,
# registers, NVM, rings, channels; ring sizes changed and the link
# renegotiated, traffic after each), pings with 8000-byte payloads at MTU
# 9000, and reports the interface's counters. dmesg lines of ice are shown
# on failure. Without ethtool in the initramfs its part is skipped, saying so.
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

# ethtool_stat NAME: a counter of ethtool -S (0 if absent)
ethtool_stat() {
	awk -v k="$1:" '$1 == k {print $2; f=1} END {if (!f) print 0}' /tmp/et.S
}
if command -v ethtool >/dev/null 2>&1; then
	ethtool -i eth0 >/tmp/et.i 2>&1 || e2e_fail "ethtool -i: $(cat /tmp/et.i)"
	e2e_expect "ethtool driver" "$(awk '$1 == "driver:" {print $2}' /tmp/et.i)" ice
	fw=$(sed -n 's/^firmware-version: //p' /tmp/et.i)
	[ -n "$fw" ] && e2e_info "ok: firmware-version $fw" || e2e_fail "ethtool -i: no firmware version"
	ethtool eth0 >/tmp/et.l 2>&1 || e2e_fail "ethtool eth0: $(cat /tmp/et.l)"
	grep -q 'Speed: 100000Mb/s' /tmp/et.l && grep -q 'Link detected: yes' /tmp/et.l &&
		e2e_info "ok: ethtool: 100000Mb/s, link detected" ||
		e2e_fail "ethtool eth0: $(tr '\n' ' ' </tmp/et.l)"
	# The statistics registers (the driver reads them once a second).
	sleep 2
	ethtool -S eth0 >/tmp/et.S 2>&1 || e2e_fail "ethtool -S: $(head -n 3 /tmp/et.S)"
	for k in rx_bytes.nic tx_bytes.nic; do
		v=$(ethtool_stat "$k")
		[ "$v" -ge "$BYTES" ] && e2e_info "ok: $k $v" || e2e_fail "ethtool -S: $k is $v, below $BYTES"
	done
	for k in rx_unicast.nic tx_unicast.nic rx_size_1522.nic tx_size_1522.nic rx_unicast tx_unicast; do
		v=$(ethtool_stat "$k")
		[ "$v" -gt 1000 ] || e2e_fail "ethtool -S: $k is $v"
	done
	e2e_data et_rx_unicast_nic "$(ethtool_stat rx_unicast.nic)"
	# Registers, NVM, rings, channels: each answered.
	ethtool -d eth0 >/tmp/et.d 2>&1 || e2e_fail "ethtool -d: $(head -n 2 /tmp/et.d)"
	ethtool -e eth0 length 64 >/tmp/et.e 2>&1 || e2e_fail "ethtool -e: $(head -n 2 /tmp/et.e)"
	ethtool -l eth0 >/tmp/et.ch 2>&1 || e2e_fail "ethtool -l: $(head -n 2 /tmp/et.ch)"
	ethtool -g eth0 >/tmp/et.g 2>&1 || e2e_fail "ethtool -g: $(head -n 2 /tmp/et.g)"
	# New ring sizes: the driver takes the queues down and up again.
	if ethtool -G eth0 rx 512 tx 512 >/tmp/et.G 2>&1; then
		e2e_wait_for 20 grep -qx 1 /sys/class/net/eth0/carrier
		ethtool -g eth0 | awk '/^Current/ {c=1} c && $1 == "RX:" {print $2; exit}' | grep -qx 512 ||
			e2e_fail "ethtool -G: RX ring not 512: $(ethtool -g eth0 | tr '\n' ' ')"
		e2e_wait_for 20 ping -c 1 -W 1 "$HOST" >/dev/null 2>&1 &&
			e2e_info "ok: ethtool -G rx 512 tx 512, then pings" ||
			e2e_fail "no ping after ethtool -G"
	else
		e2e_fail "ethtool -G: $(cat /tmp/et.G)"
	fi
	# Renegotiation: link down and up through the admin queue.
	if ethtool -r eth0 >/tmp/et.r 2>&1; then
		sleep 1
		e2e_wait_for 20 grep -qx 1 /sys/class/net/eth0/carrier &&
			e2e_wait_for 20 ping -c 1 -W 1 "$HOST" >/dev/null 2>&1 &&
			e2e_info "ok: ethtool -r, link and pings back" ||
			e2e_fail "no link or ping after ethtool -r"
	else
		e2e_fail "ethtool -r: $(cat /tmp/et.r)"
	fi
else
	e2e_info "skip: no ethtool in the initramfs (the chroot lacks it)"
fi

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
