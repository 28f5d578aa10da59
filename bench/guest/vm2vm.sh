# Guest side of bench/vm2vm.sh (busybox sh): two guests on one L2 segment.
# Kernel parameters: e2e.role=tx|rx e2e.ip=A.B.C.D e2e.peer=A.B.C.D
#   e2e.port=PORT e2e.bytes=N e2e.pings=N e2e.interval=SECONDS
# rx: listens on e2e.port before it configures its address (so a peer that
#     can ping it can also connect), takes e2e.bytes bytes and reports the time
#     from the first byte to the last by its own clock (/proc/uptime, 10 ms),
#     then closes, which ends the sender.
# tx: waits until the peer answers, sends 3 warm-up pings and e2e.pings
#     measured ones (every e2e.interval s), reports their RTTs, then sends
#     zeros to the peer until the peer closes.
. /e2e/functions.sh

up() {
	e2e_wait_for 10 test -e /sys/class/net/eth0 || { e2e_fail "no eth0"; exit 1; }
	ip link set lo up
	ip addr add "$E2E_IP/24" dev eth0
	ip link set eth0 up
	e2e_wait_for 20 grep -qx 1 /sys/class/net/eth0/carrier || { e2e_fail "no link"; exit 1; }
	e2e_info "driver $(basename "$(readlink /sys/class/net/eth0/device/driver)")," \
		"clocksource $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
}

counters() {
	s=/sys/class/net/eth0/statistics
	for c in rx_packets tx_packets rx_errors tx_errors rx_dropped rx_missed_errors; do
		[ -r "$s/$c" ] && e2e_data "$c" "$(cat "$s/$c")"
	done
}

rx() {
	# nc's stdin: a FIFO held open for reading and writing never reaches EOF,
	# so nc keeps the connection until its output is closed.
	mkfifo /tmp/hold
	exec 3<>/tmp/hold
	timeout 600 nc -l -p "$E2E_PORT" <&3 2>/dev/null | {
		dd bs=1 count=1 of=/dev/null 2>/dev/null
		t0=$(cut -d' ' -f1 /proc/uptime)
		n=$(head -c $((E2E_BYTES - 1)) | wc -c)
		t1=$(cut -d' ' -f1 /proc/uptime)
		echo "$((n + 1)) $t0 $t1" >/tmp/rx.res
	} &
	e2e_wait_for 10 sh -c "netstat -ltn | grep -q ':$E2E_PORT '" ||
		{ e2e_fail "nc does not listen"; exit 1; }
	up
	e2e_data ready 1
	wait
	read -r n t0 t1 </tmp/rx.res
	e2e_data rx_bytes "$n"
	e2e_data rx_secs "$(echo "$t0 $t1" | awk '{printf "%.2f", $2 - $1}')"
	[ "$n" = "$E2E_BYTES" ] || e2e_fail "received $n bytes, expected $E2E_BYTES"
	counters
}

tx() {
	up
	e2e_data ready 1
	e2e_wait_for 120 ping -c 1 -W 1 "$E2E_PEER" >/dev/null 2>&1 ||
		{ e2e_fail "the peer does not answer pings"; exit 1; }
	ping -c 3 -i 0.2 -W 2 "$E2E_PEER" >/dev/null 2>&1
	ping -c "$E2E_PINGS" -i "$E2E_INTERVAL" -W 2 "$E2E_PEER" >/tmp/ping.out 2>&1
	e2e_data ping_rtts "$(sed -n 's/.* time=\([0-9.]*\) ms.*/\1/p' /tmp/ping.out | tr '\n' ' ')"
	e2e_data ping_sent "$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' /tmp/ping.out)"
	e2e_data ping_recv "$(sed -n 's/.* \([0-9]*\) packets received.*/\1/p' /tmp/ping.out)"
	t0=$(cut -d' ' -f1 /proc/uptime)
	nc "$E2E_PEER" "$E2E_PORT" </dev/zero >/dev/null 2>&1
	t1=$(cut -d' ' -f1 /proc/uptime)
	e2e_data tx_secs "$(echo "$t0 $t1" | awk '{printf "%.2f", $2 - $1}')"
	counters
}

case "$E2E_ROLE" in
rx) rx ;;
tx) tx ;;
*) e2e_fail "e2e.role must be rx or tx" ;;
esac
e2e_status
