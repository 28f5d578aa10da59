#!/usr/bin/env bash
# vmux demo: builds vmux, starts it, and boots a real VM (QEMU 11, Linux
# guest) whose network card is served by vmux over vfio-user, explaining
# each step. Run as root on Debian 12 or newer: scripts/demo.sh (sudo
# scripts/demo.sh works too)
# Scenes (run in order; pick some with: scripts/demo.sh SCENE...):
#   enumerate   the guest finds the NIC on its PCI bus and its e1000 driver
#               takes it
#   network     the guest and the host ping each other and exchange data over
#               TCP through vmux and a tap device
# Environment: VMUX_BUILDDIR (default build), VMUX_SKIP_DEPS=1, and the e2e
# kit's (tests/e2e/lib.sh), e.g. VMUX_E2E_KVER to boot another kernel, or
# E2E_MEM=shm|hugetlbfs|memfd-hugetlb and E2E_MEM_ATTACH=numa for guest RAM
# from another QEMU backend than the memfd (README, "Using vmux by hand").
set -u
cd "$(dirname "$0")/.." || exit 1
ROOT=$PWD
BUILD=${VMUX_BUILDDIR:-build}
ALL_SCENES=(enumerate network)
MAC=52:54:00:de:40:01
NET_MAC=52:54:00:de:40:02
HOST_IP=10.77.0.1
GUEST_IP=10.77.0.2
MIB=16

if [ -t 1 ]; then B=$'\e[1m' N=$'\e[0m'; else B='' N=''; fi
say() { printf '\n%s%s%s\n' "$B" "$*" "$N"; }
STEP=0
step() { STEP=$((STEP + 1)); say "$STEP. $*"; }
explain() { printf '   %s\n' "$@"; }
cmd() { printf '     $ %s\n' "$*"; }

if [ "$(id -u)" -ne 0 ]; then
	echo "The demo needs root (network namespaces, tap devices, the QEMU chroot):" \
		"run it as root (or with sudo $0)" >&2
	exit 1
fi

step "Dependencies (apt-get, only what is missing)"
if [ "${VMUX_SKIP_DEPS:-0}" != 1 ]; then
	scripts/deps.sh || exit 1
fi

step "Build vmux ($BUILD/vmux)"
if [ ! -f "$BUILD/build.ninja" ]; then
	meson setup "$BUILD" >/dev/null || { echo "meson setup failed" >&2; exit 1; }
fi
ninja -C "$BUILD" -j 2 vmux >/dev/null || { ninja -C "$BUILD" -j 1 vmux; exit 1; }
explain "built $BUILD/vmux"

export VMUX_BIN=$ROOT/$BUILD/vmux
. tests/e2e/lib.sh
E2E_NAME=demo
E2E_QUIET=0
e2e_init

step "QEMU 11 and a guest kernel"
explain "Both come from a Debian unstable chroot in $E2E_CHROOT, made with debootstrap" \
	"the first time (about 2 minutes) and reused afterwards. QEMU runs from there" \
	"through the chroot's own loader; nothing is installed on this machine."
e2e_chroot_ensure
e2e_qemu_usable || { echo "QEMU from the chroot cannot run on this machine" >&2; exit 1; }
e2e_kernel_resolve
explain "$(e2e_qemu -version | head -n 1)" "guest kernel: ${E2E_KERNEL##*/}"

# Huge pages for the guests' RAM, given back at exit (one guest at a time).
case "${E2E_MEM:-memfd}" in
hugetlbfs | memfd-hugetlb)
	e2e_hugepages_reserve $((${E2E_MEM_MB:-512} / 2 + 4)) ||
		{ echo "E2E_MEM=$E2E_MEM: cannot reserve huge pages: $E2E_HP_WHY" >&2; exit 1; }
	[ "$E2E_MEM" = memfd-hugetlb ] || e2e_hugetlbfs_mount || exit 1
	;;
esac

# Compact QEMU command line for people to read ($1: socket), with the guest
# RAM arguments the kit passes (E2E_MEM, E2E_MEM_ATTACH).
show_qemu() {
	local i first="qemu-system-x86_64 -accel tcg" more=()
	e2e_guest_mem_args vm1
	for ((i = 0; i < ${#E2E_MEM_ARGS[@]}; i += 2)); do
		case "${E2E_MEM_ARGS[i]}" in
		-m | -machine) first="$first ${E2E_MEM_ARGS[i]} ${E2E_MEM_ARGS[i + 1]}" ;;
		*) more+=("${E2E_MEM_ARGS[i]} ${E2E_MEM_ARGS[i + 1]} \\") ;;
		esac
	done
	cmd "$first \\"
	printf '         %s\n' "${more[@]}" \
		"-kernel ${E2E_KERNEL##*/} -initrd initrd.cpio.gz -append 'console=ttyS0 ...' \\" \
		"-device '$(e2e_vfio_user_dev "$1" | sed 's/"id":"nic0",//')'"
}

# Scene: the guest enumerates the NIC that vmux serves.
scene_enumerate() {
	local ns sock=$E2E_TMP/vmux.sock initrd=$E2E_TMP/enumerate.cpio.gz ok
	step "Start vmux"
	e2e_netns_add demo || return 1
	ns=$E2E_NS
	ip -n "$ns" tuntap add dev tap0 mode tap && ip -n "$ns" link set tap0 up || return 1
	explain "vmux serves one emulated Intel 82540EM (the 'e1000-emu' model) on a vfio-user" \
		"socket and wires it to tap device tap0. To keep this machine's network untouched," \
		"tap0 lives in a network namespace made for the demo ($ns):"
	cmd "ip netns exec $ns $BUILD/vmux -s $sock -m e1000-emu -t tap0 -b $MAC -v"
	e2e_vmux_start -n "$ns" vmux -s "$sock" -m e1000-emu -t tap0 -b "$MAC" -v
	explain "vmux is listening (pid ${E2E_PIDS[vmux]})."

	step "Boot a VM whose only network card is served by vmux"
	explain "QEMU's vfio-user-pci device connects to the socket; vmux answers with the PCI" \
		"config space, BARs and interrupts of the NIC. Guest RAM is shared (share=on) so vmux" \
		"can reach it for DMA: a memfd, the recommended backend, unless E2E_MEM picks a file" \
		"on /dev/shm or hugetlbfs or a hugetlb memfd. No KVM here: the guest runs under TCG."
	show_qemu "$sock"
	explain "The guest is a busybox initramfs that loads the e1000 driver and inspects sysfs" \
		"(script: tests/e2e/guest/enumerate.sh)."
	e2e_initramfs "$initrd" tests/e2e/guest/enumerate.sh e1000
	e2e_guest_run vm1 "$initrd" "$E2E_TIMEOUT" "e2e.mac=$MAC" \
		-device "$(e2e_vfio_user_dev "$sock")"
	ok=$?
	explain "The VM booted, ran its checks and powered off in $E2E_GUEST_SECS s."

	step "What the guest saw (its serial console)"
	local bar0 bar1
	read -r -a bar0 <<<"$(e2e_guest_data vm1 bar0)"
	read -r -a bar1 <<<"$(e2e_guest_data vm1 bar1)"
	explain "PCI $(e2e_guest_data vm1 bdf): vendor 8086 device 100e (Intel 82540EM), class 020000 (Ethernet)" \
		"BAR0 memory ${bar0[0]:-?}-${bar0[1]:-?}   BAR1 I/O ${bar1[0]:-?}-${bar1[1]:-?}   IRQ $(e2e_guest_data vm1 irq)" \
		"driver: $(e2e_guest_data vm1 driver)   interface: $(e2e_guest_data vm1 netdev)   MAC: $(e2e_guest_data vm1 mac)"
	tr -d '\r' <"$E2E_TMP/vm1.serial" | grep -a '^  dmesg:' | sed 's/^  dmesg: /   kernel: /'
	tr -d '\r' <"$E2E_TMP/vm1.serial" | grep -a -E '^E2E-(FAIL|RESULT):' |
		sed -e 's/^E2E-RESULT: /   verdict of the guest: /' -e 's/^E2E-FAIL: /   failed check: /'

	step "What vmux saw (its log at -v: $(wc -l <"$E2E_TMP/vmux.log") lines; excerpts)"
	local log=$E2E_TMP/vmux.log
	explain "QEMU connected and the two sides agreed on the protocol:"
	grep -E 'client (connected|attached)' "$log" | head -n 2 | sed 's/^/     /'
	explain "QEMU told vmux where guest RAM is ($(grep -c 'DMA_MAP' "$log") DMA_MAP messages) so the NIC" \
		"can read and write it. The guest's e1000 driver then probed the card; vmux" \
		"logs its register accesses (repeats are rate-limited):"
	grep -E 'e1000: .*(mmio|io) (read|write)' "$log" | head -n 8 | sed 's/^/     /'
	explain "The driver reset the card and brought the link up; at power-off QEMU left:"
	grep -E 'CTRL.RST|e1000: .*link up|client detached' "$log" | head -n 4 | sed 's/^/     /'

	step "The VM powered off; vmux keeps running for the next VM"
	if e2e_alive vmux; then
		explain "vmux is still up (pid ${E2E_PIDS[vmux]}); another QEMU could attach to $sock now."
	else
		explain "vmux is NOT running any more"
		ok=1
	fi
	e2e_stop vmux 5
	[ "$ok" = 0 ] || { echo "guest: $E2E_RESULT" >&2; return 1; }
}

# Scene: guest and host talk through vmux and a tap.
scene_network() {
	local ns sock=$E2E_TMP/net.sock initrd=$E2E_TMP/net.cpio.gz ok hostping=failed
	local bb=$E2E_CHROOT/usr/bin/busybox serial=$E2E_TMP/vm2.serial deadline
	local hostsha gotsha txsha rxsha
	step "Network: a VM and the host talk through vmux and a tap device"
	e2e_netns_add net || return 1
	ns=$E2E_NS
	explain "A new network namespace ($ns) plays the host side: tap0 with address" \
		"$HOST_IP. vmux (a new instance, MAC $NET_MAC) moves frames between the" \
		"guest's e1000 rings in guest RAM and tap0; the guest gets $GUEST_IP."
	cmd "ip -n $ns tuntap add dev tap0 mode tap"
	cmd "ip -n $ns addr add $HOST_IP/24 dev tap0 && ip -n $ns link set tap0 up"
	cmd "ip netns exec $ns $BUILD/vmux -s $sock -m e1000-emu -t tap0 -b $NET_MAC"
	ip -n "$ns" tuntap add dev tap0 mode tap || return 1
	ip -n "$ns" addr add "$HOST_IP/24" dev tap0 && ip -n "$ns" link set tap0 up || return 1
	e2e_vmux_start -n "$ns" vmux-net -s "$sock" -m e1000-emu -t tap0 -b "$NET_MAC"

	# Host ends of the two TCP transfers, inside the namespace.
	head -c $((MIB * 1048576)) /dev/urandom >"$E2E_TMP/host-data"
	hostsha=$(sha256sum "$E2E_TMP/host-data" | cut -d' ' -f1)
	ip netns exec "$ns" python3 tests/e2e/tcp_peer.py send 5001 "$E2E_TMP/host-data" \
		>"$E2E_TMP/peer-send.log" 2>&1 &
	e2e_track peer-send $!
	ip netns exec "$ns" python3 tests/e2e/tcp_peer.py recv 5002 "$E2E_TMP/guest-data" \
		$((MIB * 1048576)) >"$E2E_TMP/peer-recv.log" 2>&1 &
	e2e_track peer-recv $!

	explain "The guest (script: tests/e2e/guest/demo_net.sh) brings eth0 up, pings the host," \
		"receives $MIB MiB from the host and sends $MIB MiB back, each checked with sha256."
	e2e_initramfs "$initrd" tests/e2e/guest/demo_net.sh e1000
	e2e_guest_start vm2 "$initrd" "e2e.mib=$MIB e2e.host=$HOST_IP e2e.me=$GUEST_IP" \
		-device "$(e2e_vfio_user_dev "$sock" nic1)"
	deadline=$(($(date +%s) + E2E_TIMEOUT))
	until grep -qa 'E2E-DATA: ready=1' "$serial"; do
		e2e_alive vm2 && [ "$(date +%s)" -lt "$deadline" ] || break
		sleep 0.2
	done
	if grep -qa 'E2E-DATA: ready=1' "$serial" &&
		ip netns exec "$ns" "$bb" ping -c 3 -W 2 "$GUEST_IP" >"$E2E_TMP/host-ping.log" 2>&1; then
		hostping=$(tail -n 1 "$E2E_TMP/host-ping.log")
	fi
	e2e_guest_wait vm2
	ok=$?
	e2e_stop peer-send 2
	e2e_stop peer-recv 2

	step "What happened on the wire"
	rxsha=$(e2e_guest_data vm2 rx_sha)
	txsha=$(e2e_guest_data vm2 tx_sha)
	gotsha=$(sha256sum "$E2E_TMP/guest-data" 2>/dev/null | cut -d' ' -f1)
	explain "guest link:        $(e2e_guest_data vm2 link)" \
		"guest pings host:  $(e2e_guest_data vm2 ping)" \
		"host pings guest:  $hostping"
	if [ -n "$rxsha" ] && [ "$rxsha" = "$hostsha" ]; then
		explain "host -> guest:     $MIB MiB in $(e2e_guest_data vm2 rx_secs) s, sha256 matches"
	else
		explain "host -> guest:     FAILED (sha256 ${rxsha:-none}, sent $hostsha)"
		ok=1
	fi
	if [ -n "$txsha" ] && [ "$txsha" = "$gotsha" ]; then
		explain "guest -> host:     $MIB MiB in $(e2e_guest_data vm2 tx_secs) s, sha256 matches"
	else
		explain "guest -> host:     FAILED (sha256 ${gotsha:-none}, sent ${txsha:-?})"
		ok=1
	fi
	explain "guest eth0 counters: rx $(e2e_guest_data vm2 rx_packets) packets / $(e2e_guest_data vm2 rx_bytes) bytes," \
		"  tx $(e2e_guest_data vm2 tx_packets) packets / $(e2e_guest_data vm2 tx_bytes) bytes," \
		"  errors rx $(e2e_guest_data vm2 rx_errors) tx $(e2e_guest_data vm2 tx_errors)"
	explain "host tap0 counters (inside $ns):"
	ip -n "$ns" -s link show tap0 | sed -n '/RX:/,$p' | sed 's/^/     /'
	[ "$hostping" != failed ] || ok=1
	e2e_alive vmux-net || { explain "vmux is NOT running any more"; ok=1; }
	e2e_stop vmux-net 5
	[ "$ok" = 0 ] || { echo "guest: $E2E_RESULT" >&2; return 1; }
}

scenes=("$@")
[ "${#scenes[@]}" -gt 0 ] || scenes=("${ALL_SCENES[@]}")
failed=0
for s in "${scenes[@]}"; do
	if ! declare -F "scene_$s" >/dev/null; then
		echo "unknown scene '$s' (scenes: ${ALL_SCENES[*]})" >&2
		exit 2
	fi
	if ! "scene_$s"; then
		failed=1
		echo
		echo "Scene '$s' failed. Logs:"
		e2e_dump_logs
	fi
done

E2E_DONE=1
if [ "$failed" = 0 ]; then
	say "Done: everything above really ran. Cleaned up the namespace, tap and temp files."
else
	say "The demo failed (see above)."
fi
exit "$failed"
