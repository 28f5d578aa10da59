# Guest for the QEMU kill loop (busybox sh): brings eth0 up and pings the host
# without end, until QEMU is killed. Reports "E2E-DATA: traffic=1" once the
# first reply came back (the kill then lands mid-traffic).
. /e2e/functions.sh

e2e_net_up "$E2E_IP" || exit 1
e2e_data link 1
until ping -c 1 -W 1 "$E2E_HOST" >/dev/null 2>&1; do :; done
e2e_data traffic 1
# Four pingers with large frames: a steady flow of interrupts and DMA.
for i in 1 2 3 4; do
	ping -s 1400 -i 0.05 "$E2E_HOST" >/dev/null 2>&1 || ping -s 1400 "$E2E_HOST" >/dev/null 2>&1 &
done
wait
