# Guest side of test_enumerate: the NIC behind vfio-user must look like an
# Intel 82540EM to the guest kernel and be claimed by the e1000 driver.
# Parameters (kernel command line, see init):
#   E2E_MAC=aa:bb:...      expected MAC address of the network interface
#   E2E_DRIVER=0           do not require the driver to bind (default 1)
. /e2e/functions.sh

devs=$(e2e_pci_find 0x8086 0x100e)
n=$(echo "$devs" | grep -c .)
e2e_expect "number of 8086:100e functions" "$n" 1
if [ "$n" -ne 1 ]; then
	e2e_info "PCI functions seen:"
	for d in /sys/bus/pci/devices/*; do
		echo "  ${d##*/} $(cat "$d/vendor"):$(cat "$d/device") class $(cat "$d/class")"
	done
	exit 1
fi
d=$devs
e2e_data bdf "${d##*/}"
e2e_info "found 8086:100e at ${d##*/}"

e2e_expect "class" "$(cat "$d/class")" 0x020000
e2e_data subsystem "$(cat "$d/subsystem_vendor"):$(cat "$d/subsystem_device")"

# BAR0: 128 KiB memory; BAR1: 64 bytes of I/O ports. Flags are the kernel's
# IORESOURCE_* bits: 0x100 I/O, 0x200 memory.
set -- $(e2e_bar "$d" 0)
e2e_expect "BAR0 size" "$1" 0x20000
e2e_expect "BAR0 is memory" "$(($2 & 0x200))" 512
set -- $(e2e_bar "$d" 1)
e2e_expect "BAR1 size" "$1" 0x40
e2e_expect "BAR1 is I/O" "$(($2 & 0x100))" 256
e2e_data bar0 "$(sed -n 1p "$d/resource")"
e2e_data bar1 "$(sed -n 2p "$d/resource")"

# Interrupt pin (config byte 0x3d): 1 = INTA.
e2e_expect "interrupt pin" "$(e2e_config_byte "$d" 61)" 1
irq=$(cat "$d/irq")
e2e_data irq "$irq"
[ "$irq" -gt 0 ] || e2e_fail "no IRQ routed to the device"

drv=
[ -e "$d/driver" ] && drv=$(basename "$(readlink "$d/driver")")
e2e_data driver "${drv:-none}"
netdev=
[ -d "$d/net" ] && netdev=$(ls "$d/net" | head -n 1)
e2e_data netdev "${netdev:-none}"
if [ -n "$netdev" ]; then
	mac=$(cat "/sys/class/net/$netdev/address")
	e2e_data mac "$mac"
fi
dmesg | grep -i e1000 | sed 's/^/  dmesg: /'

if [ "${E2E_DRIVER:-1}" = 1 ]; then
	e2e_expect "driver" "$drv" e1000
	[ -n "$netdev" ] || e2e_fail "e1000 created no network interface"
	if [ -n "${E2E_MAC:-}" ] && [ -n "$netdev" ]; then
		e2e_expect "MAC address" "$mac" "$E2E_MAC"
	fi
fi

# Command register (config 0x04): memory and I/O decoding as the kernel set it.
e2e_data command "$(e2e_config_byte "$d" 4)"

e2e_status
