# Guest side of test_libvirt.sh (busybox sh): a domain started by libvirt,
# eth0 on vmux's e1000. Pings the host, says it is ready (the host pings it
# back), then, with e2e.hold=1, waits to be destroyed (virsh destroy);
# otherwise it ends and powers off (the domain shuts off by itself).
. /e2e/functions.sh

HOST=${E2E_HOST:-10.83.0.1}
ME=${E2E_IP:-10.83.0.2}

e2e_net_up "$ME" || exit 1
e2e_expect "driver" "$(basename "$(readlink /sys/class/net/eth0/device/driver)")" e1000
e2e_data mac "$(cat /sys/class/net/eth0/address)"
e2e_ping_host "$HOST"
e2e_status || exit 1
e2e_data ready 1
if [ "${E2E_HOLD:-0}" = 1 ]; then
	# The host destroys the domain meanwhile.
	sleep 300
	e2e_fail "not destroyed within 300 s"
	exit 1
fi
# Power off once the host's three pings have been answered (InEchos in
# /proc/net/snmp).
echos() {
	awk '/^Icmp:/ { if (!n) { for (i = 2; i <= NF; i++) if ($i == "InEchos") c = i; n = 1 }
		else print $c }' /proc/net/snmp
}
answered() { [ "$(echos)" -ge 3 ]; }
e2e_wait_for 60 answered || e2e_fail "the host's pings did not arrive ($(echos) echo requests)"
e2e_status
