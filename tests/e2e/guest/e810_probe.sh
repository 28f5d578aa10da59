# Guest side of test_e810_probe (busybox sh): vmux's e810-emu must look like
# an Intel E810-C (8086:1592) to the guest kernel, and Linux's ice driver
# (loaded by /init, with no DDP package in the initramfs) must probe it in
# safe mode, register a netdev and see its link come up. Everything is read
# from sysfs and dmesg: no ethtool in the initramfs.
# Parameters (kernel command line, see init):
#   E2E_MAC=aa:bb:...      expected MAC address of the network interface
#   E2E_VECTORS=N          MSI-X vectors the device offers (queues + 4)
. /e2e/functions.sh

show_dmesg() {
	dmesg | grep -E '(^|[^a-z])ice[ :]|8086:1592' | sed 's/^/  dmesg: /'
}

devs=$(e2e_pci_find 0x8086 0x1592)
n=$(echo "$devs" | grep -c .)
e2e_expect "number of 8086:1592 functions" "$n" 1
if [ "$n" -ne 1 ]; then
	for d in /sys/bus/pci/devices/*; do
		echo "  ${d##*/} $(cat "$d/vendor"):$(cat "$d/device") class $(cat "$d/class")"
	done
	show_dmesg
	exit 1
fi
d=$devs
e2e_data bdf "${d##*/}"
e2e_expect "class" "$(cat "$d/class")" 0x020000
e2e_expect "revision" "$(cat "$d/revision")" 0x02
e2e_expect "subsystem" "$(cat "$d/subsystem_vendor"):$(cat "$d/subsystem_device")" 0x8086:0x0002

# BAR0: 128 MiB, BAR3: 64 KiB; both 64-bit prefetchable memory. Flags are
# the kernel's IORESOURCE_* bits: 0x200 memory, 0x2000 prefetchable,
# 0x100000 64-bit.
set -- $(e2e_bar "$d" 0)
e2e_expect "BAR0 size" "$1" 0x8000000
e2e_expect "BAR0 is 64-bit prefetchable memory" "$(($2 & 0x102200))" $((0x102200))
set -- $(e2e_bar "$d" 3)
e2e_expect "BAR3 size" "$1" 0x10000
e2e_expect "BAR3 is 64-bit prefetchable memory" "$(($2 & 0x102200))" $((0x102200))
e2e_data bar0 "$(sed -n 1p "$d/resource")"
e2e_expect "interrupt pin" "$(e2e_config_byte "$d" 61)" 0

# MSI-X (capability 0x11): the table size from its Message Control word.
pos=$(e2e_config_byte "$d" 52)
msix=
while [ "$pos" -ne 0 ]; do
	if [ "$(e2e_config_byte "$d" "$pos")" -eq 17 ]; then
		msix=$pos
		break
	fi
	pos=$(e2e_config_byte "$d" $((pos + 1)))
done
if [ -n "$msix" ]; then
	nvec=$(($(e2e_config_byte "$d" $((msix + 2))) + 256 * ($(e2e_config_byte "$d" $((msix + 3))) & 7) + 1))
	e2e_expect "MSI-X table size" "$nvec" "${E2E_VECTORS:-8}"
else
	e2e_fail "no MSI-X capability"
fi
# The DSN extended capability (0x0003 at 0x100) when the guest reaches
# extended config space (q35: 4 KiB; pc has none): EUI-64 from the MAC, and
# ice asks for the DDP file named after it first.
csize=$(wc -c <"$d/config")
e2e_data config_size "$csize"
dsn=
if [ "$csize" -ge 4096 ]; then
	e2e_expect "extended capability at 0x100" \
		"$(od -An -tx2 -j 256 -N 2 "$d/config" | tr -d ' ')" 0003
	dsn=$(od -An -tx1 -j 260 -N 8 "$d/config" | awk '{for (i = NF; i >= 1; i--) printf "%s", $i}')
	e2e_data dsn "$dsn"
	m=$(echo "${E2E_MAC:-}" | tr -d :)
	[ -n "$m" ] && e2e_expect "DSN" "$dsn" "$(echo "$m" | cut -c1-6)fffe$(echo "$m" | cut -c7-12)"
fi

drv=
[ -e "$d/driver" ] && drv=$(basename "$(readlink "$d/driver")")
e2e_data driver "${drv:-none}"
e2e_expect "driver" "$drv" ice
if dmesg | grep -q 'Entering Safe Mode'; then
	e2e_info "ok: ice entered safe mode (no DDP package)"
else
	e2e_fail "ice did not say 'Entering Safe Mode'"
fi
if [ -n "$dsn" ]; then
	if dmesg | grep -q "ice-$dsn.pkg"; then
		e2e_info "ok: ice looked for intel/ice/ddp/ice-$dsn.pkg (the DSN)"
	else
		e2e_fail "ice did not look for ice-$dsn.pkg"
	fi
fi
[ -n "$drv" ] && e2e_data msix_irqs "$(ls "$d/msi_irqs" 2>/dev/null | wc -l)"

netdev=
e2e_wait_for 10 test -d "$d/net" && netdev=$(ls "$d/net" | head -n 1)
e2e_data netdev "${netdev:-none}"
if [ -z "$netdev" ]; then
	e2e_fail "ice registered no network interface"
	show_dmesg
	exit 1
fi
mac=$(cat "/sys/class/net/$netdev/address")
e2e_data mac "$mac"
[ -n "${E2E_MAC:-}" ] && e2e_expect "MAC address" "$mac" "$E2E_MAC"

ip link set lo up
if ip link set "$netdev" up 2>/tmp/up.err; then
	e2e_info "ok: ip link set $netdev up"
else
	e2e_fail "ip link set $netdev up: $(cat /tmp/up.err)"
fi
# operstate follows the carrier through the kernel's linkwatch (up to a second later).
if e2e_wait_for 20 grep -qx 1 "/sys/class/net/$netdev/carrier" &&
	e2e_wait_for 5 grep -qx up "/sys/class/net/$netdev/operstate"; then
	e2e_info "ok: carrier 1, operstate $(cat "/sys/class/net/$netdev/operstate")," \
		"$(cat "/sys/class/net/$netdev/speed" 2>/dev/null) Mb/s"
	e2e_data speed "$(cat "/sys/class/net/$netdev/speed" 2>/dev/null)"
else
	e2e_fail "link did not come up (carrier $(cat "/sys/class/net/$netdev/carrier" 2>/dev/null)," \
		"operstate $(cat "/sys/class/net/$netdev/operstate"))"
fi
e2e_data operstate "$(cat "/sys/class/net/$netdev/operstate")"

# The host takes the link away (vmux's tap goes): the device posts a link
# status event on the admin receive queue and raises the misc vector; the
# driver's handler must see it and drop the carrier.
misc_irqs() {
	grep ':misc' /proc/interrupts | awk '{ n = 0; for (i = 2; i <= NF; i++) if ($i ~ /^[0-9]+$/) n += $i; else break; print n }'
}
m0=$(misc_irqs)
e2e_data ready 1
if e2e_wait_for 30 grep -qx 0 "/sys/class/net/$netdev/carrier"; then
	e2e_info "ok: carrier 0 after the host's link went down"
else
	e2e_fail "carrier still $(cat "/sys/class/net/$netdev/carrier") after the host's link went down"
fi
if e2e_wait_for 5 sh -c "dmesg | grep -q 'NIC Link is Down'"; then
	e2e_info "ok: ice logged 'NIC Link is Down'"
else
	e2e_fail "ice did not log 'NIC Link is Down'"
fi
m1=$(misc_irqs)
e2e_data misc_irqs "$m0 -> $m1"
[ "${m1:-0}" -gt "${m0:-0}" ] || e2e_fail "the misc (OICR/admin queue) vector did not fire ($m0 -> $m1)"
e2e_data irqs "$(grep -c ice /proc/interrupts)"
grep ice /proc/interrupts | sed "s/^/  dmesg: [interrupts] /"
show_dmesg

e2e_status
