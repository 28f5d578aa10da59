# Guest side of test_e1000_doorbell.sh (busybox sh): eth0 on vmux's e1000 in
# doorbell poll mode; pings the host, then moves E2E_BYTES over TCP each way.
. /e2e/functions.sh

HOST=10.79.0.1
ME=10.79.0.2
BYTES=${E2E_BYTES:-4194304}

e2e_wait_for 10 test -e /sys/class/net/eth0 || { e2e_fail "no eth0"; exit 1; }
e2e_expect "driver" "$(basename "$(readlink /sys/class/net/eth0/device/driver)")" e1000
ip link set lo up
ip addr add "$ME/24" dev eth0
ip link set eth0 up
e2e_wait_for 20 grep -qx 1 /sys/class/net/eth0/carrier || { e2e_fail "link did not come up"; exit 1; }

if e2e_wait_for 20 ping -c 1 -W 1 "$HOST" >/dev/null 2>&1 && ping -c 3 -W 2 "$HOST" >/tmp/ping.out 2>&1; then
	e2e_info "ok: guest pings host: $(tail -n 1 /tmp/ping.out)"
else
	cat /tmp/ping.out
	e2e_fail "guest cannot ping the host"
fi
e2e_data ready 1

if nc "$HOST" 5001 >/tmp/rx; then
	e2e_expect "bytes received from host" "$(wc -c </tmp/rx)" "$BYTES"
	e2e_expect "sha256 of data received from host" "$(sha256sum /tmp/rx | cut -d' ' -f1)" "$E2E_RXSHA"
else
	e2e_fail "nc from host failed"
fi
rm -f /tmp/rx

dd if=/dev/urandom of=/tmp/tx bs=65536 count=$((BYTES / 65536)) 2>/dev/null
e2e_data tx_sha "$(sha256sum /tmp/tx | cut -d' ' -f1)"
nc "$HOST" 5002 </tmp/tx || e2e_fail "nc to host failed"
rm -f /tmp/tx
e2e_data rx_errors "$(cat /sys/class/net/eth0/statistics/rx_errors)"
e2e_status
