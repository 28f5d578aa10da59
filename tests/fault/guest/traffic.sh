# Guest for the QEMU kill loop (busybox sh): brings eth0 up and pings the host
# without end, until QEMU is killed. Reports "E2E-DATA: traffic=1" once the
# first reply came back (the kill then lands mid-traffic).
. /e2e/functions.sh

e2e_wait_for 10 test -e /sys/class/net/eth0 || { e2e_fail "no eth0"; exit 1; }
ip link set lo up
ip addr add "$E2E_IP/24" dev eth0
ip link set eth0 up
e2e_wait_for 20 grep -qx 1 /sys/class/net/eth0/carrier || { e2e_fail "link did not come up"; exit 1; }
e2e_data link 1
until ping -c 1 -W 1 "$E2E_HOST" >/dev/null 2>&1; do :; done
e2e_data traffic 1
# Four pingers with large frames: a steady flow of interrupts and DMA.
for i in 1 2 3 4; do
	ping -s 1400 -i 0.05 "$E2E_HOST" >/dev/null 2>&1 || ping -s 1400 "$E2E_HOST" >/dev/null 2>&1 &
done
wait
