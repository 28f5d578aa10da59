# shellcheck shell=sh
# Inside the L2 guest of tests/lab/l2_igb.sh: Linux's own igb driver on the
# igb the lab VM passes through (through vmux, or QEMU's vfio-pci): an
# address on tap1's subnet, ping RTT to the host, a TCP transfer to the host.
. "$LAB_SRCROOT/tests/e2e/guest/functions.sh"
for d in /sys/bus/pci/drivers/igb/0000:*; do
	[ -d "$d/net" ] && IF=$(ls "$d/net" | head -n 1)
done
[ -n "${IF:-}" ] || { e2e_fail "L2: no igb netdev"; lspci -k 2>/dev/null; exit 1; }
e2e_info "L2: igb is $IF, $(ls "/sys/class/net/$IF/device/msi_irqs" 2>/dev/null | wc -l) MSI/MSI-X vectors"
ip addr add 10.79.1.3/24 dev "$IF"
ip link set "$IF" up
e2e_wait_for 60 grep -qx 1 "/sys/class/net/$IF/carrier" || e2e_fail "L2: $IF no carrier"
e2e_wait_for 60 ping -c 1 -W 2 10.79.1.1 >/dev/null 2>&1 || e2e_fail "L2: no answer from 10.79.1.1"
ping -c 20 -i 0.5 -W 5 10.79.1.1 >/tmp/ping.out 2>&1
e2e_info "L2: $(tail -n 2 /tmp/ping.out | tr '\n' ' ')"
e2e_data l2_rtt "$(tail -n 1 /tmp/ping.out | cut -d= -f2)"
# 4 MiB to the host's listener (tests/lab/l2_igb.sh), timed here.
t0=$(cut -d' ' -f1 /proc/uptime)
if head -c 4194304 /dev/zero | nc -w 30 10.79.1.1 5201; then
	t1=$(cut -d' ' -f1 /proc/uptime)
	e2e_data l2_tcp_secs "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')"
else
	e2e_fail "L2: TCP to 10.79.1.1:5201"
fi
e2e_status
