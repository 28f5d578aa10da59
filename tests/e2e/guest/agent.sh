# Guest agent (busybox sh) for multi-guest e2e tests: configures eth0 from
# e2e.ip/e2e.host (and reports its driver and MAC as E2E-DATA), then
# runs the commands the host queues for it (fetched over TCP from
# tests/e2e/cmd_server.py) and reports on the serial console:
#   E2E-CMD-START: SEQ
#   ... output ...
#   E2E-CMD-DONE: SEQ rc=RC .
# A command "exit" ends the agent (and the guest).
. /e2e/functions.sh

if ! e2e_net_up "$E2E_IP"; then
	dmesg | tail -n 40 | sed 's/^/  dmesg: /'
	exit 1
fi
# The driver that owns eth0 (e1000 or ice: the initramfs may load both).
e2e_data driver "$(basename "$(readlink /sys/class/net/eth0/device/driver)")"
e2e_data mac "$(cat /sys/class/net/eth0/address)"
e2e_data agent_up 1

last=0
while :; do
	if ! echo "$last" | nc -w 3 "$E2E_HOST" 6000 >/tmp/cmd 2>/dev/null || [ ! -s /tmp/cmd ]; then
		usleep 300000
		continue
	fi
	seq=$(head -n 1 /tmp/cmd)
	[ "$seq" = $((last + 1)) ] || { usleep 300000; continue; }
	last=$seq
	tail -n +2 /tmp/cmd >/tmp/cmd.sh
	if [ "$(cat /tmp/cmd.sh)" = exit ]; then
		echo "E2E-CMD-DONE: $seq rc=0 ."
		break
	fi
	echo "E2E-CMD-START: $seq"
	sh /tmp/cmd.sh </dev/null 2>&1
	echo "E2E-CMD-DONE: $seq rc=$? ."
done
e2e_status
