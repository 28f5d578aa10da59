# Guest side of bench/guest_tcp_ping.sh (busybox sh). Kernel parameters:
#   e2e.ip=A.B.C.D e2e.host=A.B.C.D e2e.gate=PORT e2e.port=PORT
# Brings eth0 up, waits until the host answers a ping, says "ready", then
# waits for the host's gate port to open (the host has finished pinging us),
# and sends zeros to the host's sink on e2e.port until the sink, having
# counted its bytes, closes the connection. The host does all the measuring.
. /e2e/functions.sh

e2e_wait_for 10 test -e /sys/class/net/eth0 || { e2e_fail "no eth0"; exit 1; }
ip link set lo up
ip addr add "$E2E_IP/24" dev eth0
ip link set eth0 up
e2e_wait_for 20 grep -qx 1 /sys/class/net/eth0/carrier || { e2e_fail "no link"; exit 1; }
e2e_wait_for 30 ping -c 1 -W 1 "$E2E_HOST" >/dev/null 2>&1 ||
	{ e2e_fail "the host does not answer pings"; exit 1; }
e2e_info "driver $(basename "$(readlink /sys/class/net/eth0/device/driver)")," \
	"clocksource $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
e2e_data ready 1

# The gate accepts and closes at once: nc then ends with status 0; while the
# port is closed the connection is refused and nc fails.
e2e_wait_for 300 sh -c "nc $E2E_HOST $E2E_GATE </dev/null >/dev/null 2>&1" ||
	{ e2e_fail "the host never opened the gate"; exit 1; }
# The sink closes when it has all it wants; nc then fails on its next write.
# The guest's own duration (connect to reset, by the guest clock) is only a
# cross-check of that clock against the host's figure.
t0=$(cut -d' ' -f1 /proc/uptime)
nc "$E2E_HOST" "$E2E_PORT" </dev/zero >/dev/null 2>&1
t1=$(cut -d' ' -f1 /proc/uptime)
# The host reads vmux's counters once the sink has all it wants: stay quiet
# (no shutdown, whose admin commands are no part of the transfer) meanwhile.
sleep 2
e2e_data tx_secs_guest_clock "$(echo "$t0 $t1" | awk '{printf "%.2f", $2 - $1}')"
s=/sys/class/net/eth0/statistics
e2e_data tx_packets "$(cat $s/tx_packets)"
e2e_data tx_errors "$(cat $s/tx_errors)"
e2e_data rx_errors "$(cat $s/rx_errors)"
e2e_data tx_dropped "$(cat $s/tx_dropped)"
e2e_status
