# Guest side of the demo's network scene (busybox sh): eth0 on vmux's e1000,
# ping the host, then E2E_MIB MiB from the host and E2E_MIB MiB to it over TCP
# (the host runs tests/e2e/tcp_peer.py on ports 5001 and 5002).
. /e2e/functions.sh

HOST=${E2E_HOST:-10.77.0.1}
ME=${E2E_ME:-10.77.0.2}
MIB=${E2E_MIB:-16}

e2e_wait_for 10 test -e /sys/class/net/eth0 || { e2e_fail "no eth0"; exit 1; }
ip link set lo up
ip addr add "$ME/24" dev eth0
ip link set eth0 up
e2e_wait_for 20 grep -qx 1 /sys/class/net/eth0/carrier || { e2e_fail "link did not come up"; exit 1; }
e2e_data link "$(cat /sys/class/net/eth0/speed) Mb/s $(cat /sys/class/net/eth0/duplex) duplex"

if e2e_wait_for 20 ping -c 1 -W 1 "$HOST" >/dev/null 2>&1 &&
	ping -c 3 -W 2 "$HOST" >/tmp/ping.out 2>&1; then
	e2e_data ping "$(tail -n 1 /tmp/ping.out)"
else
	cat /tmp/ping.out
	e2e_fail "the guest cannot ping the host"
	exit 1
fi
e2e_data ready 1

t0=$(date +%s)
if nc "$HOST" 5001 >/tmp/rx; then
	e2e_data rx_secs $(($(date +%s) - t0))
	e2e_data rx_bytes "$(wc -c </tmp/rx)"
	e2e_data rx_sha "$(sha256sum /tmp/rx | cut -d' ' -f1)"
else
	e2e_fail "receiving from the host failed"
fi
rm -f /tmp/rx

dd if=/dev/urandom of=/tmp/tx bs=1048576 count="$MIB" 2>/dev/null
e2e_data tx_sha "$(sha256sum /tmp/tx | cut -d' ' -f1)"
t0=$(date +%s)
nc "$HOST" 5002 </tmp/tx || e2e_fail "sending to the host failed"
e2e_data tx_secs $(($(date +%s) - t0))
rm -f /tmp/tx

for c in rx_packets tx_packets rx_bytes tx_bytes rx_errors tx_errors; do
	e2e_data "$c" "$(cat "/sys/class/net/eth0/statistics/$c")"
done
e2e_status
