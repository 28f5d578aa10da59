# shellcheck shell=sh
# The lab VM's side of tests/lab/l2_igb.sh: an L2 guest (the lab's own
# kernel and init over this VM's /) drives the igb with Linux's igb driver,
# once through vmux (-m passthrough, -device vfio-user-pci) and once through
# QEMU's own -device vfio-pci; the L2 guest's reports are copied out.
. "$LAB_SRCROOT/tests/e2e/guest/functions.sh"
CACHE=${E2E_CACHE_DIR:-/var/cache/vmux-e2e}
CH=$CACHE/sid
QEMU="$CH/lib64/ld-linux-x86-64.so.2 --library-path $CH/lib/x86_64-linux-gnu:$CH/usr/lib/x86_64-linux-gnu $CH/usr/bin/qemu-system-x86_64 -L $CH/usr/share/qemu -L $CH/usr/share/seabios"
QEMU_MODULE_DIR="$CH/usr/lib/x86_64-linux-gnu/qemu"
export QEMU_MODULE_DIR
BB=$CH/usr/bin/busybox
for d in /sys/bus/pci/drivers/igb/0000:*; do [ -e "$d" ] && IGB=$(basename "$d"); done
[ -n "${IGB:-}" ] || { e2e_fail "no igb"; exit 1; }
modprobe vfio-pci
d=/sys/bus/pci/devices/$IGB
echo vfio-pci >"$d/driver_override"
echo "$IGB" >"$d/driver/unbind"
echo "$IGB" >/sys/bus/pci/drivers_probe

# l2 NAME DEVICE-ARG: boots the L2 guest with that device; its console in $LAB_OUT/NAME.serial.
l2() {
	name=$1 dev=$2
	w=$LAB_OUT/$name
	mkdir -p "$w/out"
	cp "$LAB_SRCROOT/tests/lab/guest/l2_inner.sh" "$w/script"
	printf 'LAB_SRCROOT=%s\nLAB_OUT=%s\nexport LAB_SRCROOT LAB_OUT\n' "$LAB_SRCROOT" "$w/out" >"$w/env"
	app="console=ttyS0 panic=-1 quiet root=root rootfstype=9p rootflags=trans=virtio,version=9p2000.L,msize=524288,cache=loose ro"
	app="$app init=$LAB_SRCROOT/tests/lab/init.sh lab.keep=$E2E_TMP:$CACHE:$LAB_SRCROOT:$(dirname "$VMUX_BIN")"
	app="$app lab.out=$w/out lab.busybox=$BB lab.env=$w/env lab.script=$w/script"
	t0=$(cut -d' ' -f1 /proc/uptime)
	# shellcheck disable=SC2086
	timeout 1500 $QEMU -nodefaults -no-user-config -name "$name" -accel tcg \
		-machine q35,memory-backend=mem -object memory-backend-memfd,id=mem,size=256M,share=on \
		-m 256M -smp 1 -display none -no-reboot -serial "file:$w.serial" \
		-kernel "/boot/vmlinuz-$(uname -r)" -initrd "$E2E_TMP/lab-initrd.cpio.gz" -append "$app" \
		-virtfs local,path=/,mount_tag=root,security_model=none,readonly=on,multidevs=remap \
		-virtfs "local,path=$w/out,mount_tag=out,security_model=none,multidevs=remap" \
		-device virtio-rng-pci -device "$dev" >"$w.qemu.log" 2>&1
	t1=$(cut -d' ' -f1 /proc/uptime)
	e2e_data "${name}_secs" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", b - a }')"
	tr -d '\r' <"$w.serial" | grep -E 'E2E-|igb' | sed "s/^/$name: /" | while read -r l; do e2e_info "$l"; done
	grep -q 'E2E-RESULT: PASS' "$w.serial" || e2e_fail "$name: $(grep 'E2E-RESULT' "$w.serial" | tail -n 1) $(tail -n 3 "$w.qemu.log" | tr '\n' ' ')"
}

"$VMUX_BIN" -d "$IGB" -s /tmp/l2-igb.sock -m passthrough >"$LAB_OUT/vmux.log" 2>&1 &
VPID=$!
e2e_wait_for 20 test -S /tmp/l2-igb.sock || { e2e_fail "vmux did not start"; cat "$LAB_OUT/vmux.log"; }
l2 l2vmux '{"driver":"vfio-user-pci","socket":{"type":"unix","path":"/tmp/l2-igb.sock"}}'
kill -TERM $VPID
wait $VPID
l2 l2vfio "vfio-pci,host=$IGB"
e2e_status
