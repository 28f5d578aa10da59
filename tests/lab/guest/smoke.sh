# shellcheck shell=sh
# Lab VM side of tests/lab/test_lab_smoke.sh (the host's /bin/sh, in the lab
# VM): checks, one by one, what the VFIO and the rte_flow work need from
# Debian 12's kernel. Addresses and the tap layout come from the host test
# (LAB_ENV): the e1000 (INTx) on tap0 10.78.0.0/24, the igb (MSI-X) on tap1
# 10.78.1.0/24.
. "$LAB_SRCROOT/tests/e2e/guest/functions.sh"

# phase NAME: reports how long the checks since the previous phase took
# (E2E-DATA: secs_NAME=...).
read -r t_prev _ </proc/uptime
phase() {
	read -r t_now _ </proc/uptime
	e2e_data "secs_$1" "$(awk -v a="$t_prev" -v b="$t_now" 'BEGIN { printf "%.1f", b - a }')"
	t_prev=$t_now
}

# 1. the kernel
case "$(uname -r)" in
6.1.*) e2e_info "ok: kernel $(uname -r)" ;;
*) e2e_fail "kernel $(uname -r), not 6.1" ;;
esac
e2e_data kernel "$(uname -r)"

# netdev_of DRIVER: the PCI address and the interface of the device DRIVER
# drives ("BDF IFACE"), or nothing.
netdev_of() {
	for d in /sys/bus/pci/drivers/"$1"/0000:*; do
		[ -d "$d/net" ] || continue
		echo "$(basename "$d") $(ls "$d/net" | head -n 1)"
		return 0
	done
}

# 2. a frame from the e1000 (on its own driver, INTx) reaches the host's
# tap: the lab VM pings the host, then waits for the host's three pings.
set -- $(netdev_of e1000)
E1000_BDF=$1 E1000_IF=$2
set -- $(netdev_of igb)
IGB_BDF=$1 IGB_IF=$2
[ -n "$E1000_IF" ] || e2e_fail "no e1000 netdev (e1000 driver)"
[ -n "$IGB_IF" ] || e2e_fail "no igb netdev (igb driver)"
e2e_status || exit 1
e2e_info "e1000 $E1000_BDF is $E1000_IF (irq $(cat /sys/bus/pci/devices/$E1000_BDF/irq)), igb $IGB_BDF is $IGB_IF"
ip addr add "$E1000_IP/24" dev "$E1000_IF"
ip link set "$E1000_IF" up
ip addr add "$IGB_IP/24" dev "$IGB_IF"
ip link set "$IGB_IF" up
for i in "$E1000_IF" "$IGB_IF"; do
	e2e_wait_for 20 grep -qx 1 "/sys/class/net/$i/carrier" || e2e_fail "$i: no carrier"
done
e2e_status || exit 1
ping_host() {
	if e2e_wait_for 20 ping -c 1 -W 1 "$1" >/dev/null 2>&1 && ping -c 3 -W 2 "$1" >/tmp/ping.out 2>&1; then
		e2e_info "ok: $2 pings the host: $(tail -n 1 /tmp/ping.out)"
	else
		cat /tmp/ping.out
		e2e_fail "$2: cannot ping the host at $1"
	fi
}
ping_host "$E1000_HOST" "e1000 ($E1000_IF)"
ping_host "$IGB_HOST" "igb ($IGB_IF)"
msix=$(ls "/sys/bus/pci/devices/$IGB_BDF/msi_irqs" 2>/dev/null | wc -l)
e2e_data igb_msi_vectors "$msix"
[ "$msix" -gt 0 ] || e2e_fail "igb uses no MSI-X vectors"
# ICMP echo requests received (the InEchos column of /proc/net/snmp)
in_echos() {
	awk '/^Icmp:/ { if (!n) { for (i = 2; i <= NF; i++) if ($i == "InEchos") c = i; n = 1 } else print $c }' /proc/net/snmp
}
echos_at_least() { [ "$(in_echos)" -ge "$1" ]; }
echos0=$(in_echos)
e2e_data ready 1
# The host pings the e1000 three times.
e2e_wait_for 30 echos_at_least $((echos0 + 3)) ||
	e2e_fail "the host's pings did not arrive (InEchos $echos0 -> $(in_echos))"
e2e_info "ok: the host pinged the e1000 (InEchos $echos0 -> $(in_echos))"
e2e_data e1000_tx_packets "$(cat /sys/class/net/$E1000_IF/statistics/tx_packets)"

phase net

# 3. vfio-pci with the virtual IOMMU: both NICs off their drivers and onto
# vfio-pci; /dev/vfio/N for their groups; a VFIO user's first steps work.
ngroups=$(ls /sys/kernel/iommu_groups | wc -l)
e2e_data iommu_groups "$ngroups"
[ "$ngroups" -gt 0 ] || e2e_fail "no IOMMU groups (intel_iommu=on, intel-iommu device?)"
modprobe vfio-pci || e2e_fail "modprobe vfio-pci"
for bdf in "$E1000_BDF" "$IGB_BDF"; do
	d=/sys/bus/pci/devices/$bdf
	echo vfio-pci >"$d/driver_override"
	[ -e "$d/driver" ] && echo "$bdf" >"$d/driver/unbind"
	echo "$bdf" >/sys/bus/pci/drivers_probe
	drv=$(basename "$(readlink "$d/driver")")
	group=$(basename "$(readlink "$d/iommu_group")")
	if [ "$drv" = vfio-pci ] && [ -c "/dev/vfio/$group" ]; then
		e2e_info "ok: $bdf on vfio-pci, /dev/vfio/$group ($(ls "/sys/kernel/iommu_groups/$group/devices" | tr '\n' ' '))"
	else
		e2e_fail "$bdf: driver '$drv', group '$group', /dev/vfio: $(ls /dev/vfio | tr '\n' ' ')"
	fi
done
e2e_data vfio_nodes "$(ls /dev/vfio | tr '\n' ' ')"
if python3 "$LAB_SRCROOT/tests/lab/guest/vfio_check.py" "$E1000_BDF" "$IGB_BDF" >/tmp/vfio.out 2>&1; then
	while read -r l; do e2e_info "ok: vfio: $l"; done </tmp/vfio.out
	e2e_data vfio_e1000 "$(grep "^$E1000_BDF " /tmp/vfio.out | grep -o 'intx=[0-9]* msi=[0-9]* msix=[0-9]*')"
	e2e_data vfio_igb "$(grep "^$IGB_BDF " /tmp/vfio.out | grep -o 'intx=[0-9]* msi=[0-9]* msix=[0-9]*')"
else
	cat /tmp/vfio.out
	e2e_fail "vfio_check.py: $(tail -n 1 /tmp/vfio.out)"
fi

phase vfio

# 4. a dummy link, the multiq qdisc and TC flower (what DPDK's net_tap uses
# for rte_flow): accepted, listed, and the filter matches traffic. multiq
# wants a device with several TX queues (EOPNOTSUPP otherwise): d0 gets 4,
# as the multi-queue taps net_tap creates have.
if ip link add d0 numtxqueues 4 numrxqueues 4 type dummy; then
	e2e_info "ok: dummy link d0 ($(ls -d /sys/class/net/d0/queues/tx-* | wc -l) TX queues)"
	ip addr add 10.0.0.2/24 dev d0
	ip link set d0 up
	if tc qdisc add dev d0 root handle 1: multiq &&
		tc qdisc show dev d0 | grep -q 'qdisc multiq 1:'; then
		e2e_info "ok: $(tc qdisc show dev d0 | grep multiq)"
	else
		e2e_fail "multiq qdisc refused or not listed"
	fi
	if tc filter add dev d0 parent 1: protocol ip flower dst_ip 10.0.0.1 action drop &&
		tc filter show dev d0 parent 1: | grep -q 'dst_ip 10.0.0.1'; then
		e2e_info "ok: flower filter dst_ip 10.0.0.1 action drop"
	else
		e2e_fail "flower filter refused or not listed"
	fi
	if tc qdisc add dev d0 ingress &&
		tc filter add dev d0 ingress protocol ip flower ip_proto udp dst_port 4789 action drop &&
		tc filter show dev d0 ingress | grep -q 'dst_port 4789'; then
		e2e_info "ok: ingress qdisc and a flower filter on it"
	else
		e2e_fail "ingress flower filter refused or not listed"
	fi
	# dummy has no ARP: the datagrams go straight to the qdisc, and the
	# filter drops them.
	python3 -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(3):
    s.sendto(b"lab", ("10.0.0.1", 9))' || e2e_fail "cannot send to 10.0.0.1 over d0"
	hits=$(tc -s filter show dev d0 parent 1: | awk '/Sent [0-9]+ bytes/ {print $4; exit}')
	e2e_data flower_hits "${hits:-0}"
	if [ "${hits:-0}" -ge 3 ]; then
		e2e_info "ok: the flower filter dropped $hits frames to 10.0.0.1"
	else
		tc -s filter show dev d0 parent 1:
		e2e_fail "the flower filter matched ${hits:-no} frames, expected 3"
	fi
else
	e2e_fail "ip link add d0 type dummy"
fi

# ... and a multi-queue tap, as net_tap makes it: multiq and flower on it
# (no udev here: /dev/net/tun appears once tun is loaded)
if modprobe tun && ip tuntap add dev t0 mode tap multi_queue &&
	tc qdisc add dev t0 root handle 1: multiq &&
	tc filter add dev t0 parent 1: protocol ip flower ip_proto tcp dst_port 80 action drop &&
	tc filter show dev t0 parent 1: | grep -q 'dst_port 80'; then
	e2e_info "ok: multi-queue tap t0 with multiq and a flower filter"
else
	e2e_fail "multiq or flower on a multi-queue tap refused"
fi

phase tc

# 5. the host's vmux build runs here unchanged
if v=$("$VMUX_BIN" --version 2>&1); then
	e2e_info "ok: $VMUX_BIN --version: $v"
	e2e_data vmux_version "$v"
else
	e2e_fail "$VMUX_BIN --version: $v"
fi
phase vmux
e2e_status
