# shellcheck shell=sh
# Lab VM side of tests/lab/test_lab_passthrough.sh: the e1000 and the igb
# onto vfio-pci, vmux passing both through (-m passthrough -d BDF), the
# in-tree client (PT_CLIENT, tests/lab/guest/pt_client.c) driving them:
# e1000 TX/RX with INTx, a DMA fault, a client killed mid-traffic and the
# next one served; the igb's MSI-X vectors, masking and the PBA; an unbind of
# the e1000 from vfio-pci with a client attached (VFIO's REQ: vmux gives it
# back, the unbind completes, the igb is still served); vmux's exit giving
# the igb's group back.
. "$LAB_SRCROOT/tests/e2e/guest/functions.sh"

netdev_bdf() {
	for d in /sys/bus/pci/drivers/"$1"/0000:*; do
		[ -e "$d" ] && { basename "$d"; return 0; }
	done
}
E1000_BDF=$(netdev_bdf e1000)
IGB_BDF=$(netdev_bdf igb)
if [ -z "$E1000_BDF" ] || [ -z "$IGB_BDF" ]; then
	e2e_fail "no e1000/igb ($E1000_BDF/$IGB_BDF)"
	exit 1
fi
modprobe vfio-pci || e2e_fail "modprobe vfio-pci"
for bdf in "$E1000_BDF" "$IGB_BDF"; do
	d=/sys/bus/pci/devices/$bdf
	echo vfio-pci >"$d/driver_override"
	[ -e "$d/driver" ] && echo "$bdf" >"$d/driver/unbind"
	echo "$bdf" >/sys/bus/pci/drivers_probe
	[ "$(basename "$(readlink "$d/driver")")" = vfio-pci ] || e2e_fail "$bdf not on vfio-pci"
done
e2e_status || exit 1
e2e_info "e1000 $E1000_BDF, igb $IGB_BDF on vfio-pci"

# This kernel (6.1) has no iommufd: --vfio-api cdev is refused with the reason,
# and the default (auto) takes the group API.
if [ -e /dev/iommu ]; then
	e2e_info "this kernel has /dev/iommu: the refusal of --vfio-api cdev is not checked"
elif timeout 30 "$VMUX_BIN" --vfio-api cdev -d "$E1000_BDF" -s /tmp/pt-cdev.sock -m passthrough \
	>/tmp/vmux-cdev.log 2>&1; then
	e2e_fail "vmux --vfio-api cdev started on a kernel without iommufd"
elif grep -q 'the kernel offers no /dev/iommu' /tmp/vmux-cdev.log; then
	e2e_info "ok: --vfio-api cdev refused: $(grep -m 1 'offers no' /tmp/vmux-cdev.log)"
else
	cat /tmp/vmux-cdev.log
	e2e_fail "vmux --vfio-api cdev: no reason given"
fi

S1=/tmp/pt-e1000.sock S2=/tmp/pt-igb.sock
"$VMUX_BIN" -d "$E1000_BDF" -s $S1 -m passthrough -s $S2 -m passthrough -d "$IGB_BDF" \
	--control /tmp/vmux.ctl >/tmp/vmux.log 2>&1 &
VMUX_PID=$!
if ! e2e_wait_for 20 test -S $S2; then
	cat /tmp/vmux.log
	e2e_fail "vmux did not start"
	exit 1
fi
sed 's/^/vmux: /' /tmp/vmux.log | grep -i 'passthrough\|vfio' | head -n 20 | while read -r l; do e2e_info "$l"; done
if [ -e /dev/iommu ] || grep -q "vfio: $E1000_BDF: group [0-9]" /tmp/vmux.log; then
	e2e_info "ok: vmux opened $E1000_BDF through $(grep -o "vfio: $E1000_BDF: [a-z]* [^,]*" /tmp/vmux.log)"
else
	e2e_fail "vmux did not log the group API for $E1000_BDF (auto, no iommufd)"
fi

# run_client NAME ARGS...: the client's checks, each reported.
run_client() {
	name=$1
	shift
	"$PT_CLIENT" "$@" >"/tmp/$name.out" 2>&1
	rc=$?
	while read -r l; do
		case "$l" in
		ok:*) e2e_info "$name: $l" ;;
		FAIL:*) e2e_fail "$name: ${l#FAIL: }" ;;
		*=*) e2e_data "${name}_${l%%=*}" "${l#*=}" ;;
		*) e2e_info "$name: $l" ;;
		esac
	done <"/tmp/$name.out"
	[ "$rc" = 0 ] || e2e_fail "$name: pt_client exited $rc"
}

# 1. The e1000 (INTx): a frame out, a frame in, DMA outside the client's memory.
dmesg -c >/dev/null
e2e_data ready 1
run_client e1000 e1000 $S1
if dmesg | grep -i 'DMAR' | grep -qi 'fault addr 0x0*70000000'; then
	e2e_info "ok: the IOMMU refused the DMA: $(dmesg | grep -i 'fault addr' | head -n 1)"
else
	dmesg | tail -n 20
	e2e_fail "no DMAR fault for 0x70000000 in the lab VM's log"
fi

# 2. A client killed mid-traffic: the device is reset and the next client served.
"$PT_CLIENT" traffic $S1 >/tmp/traffic.out 2>&1 &
TPID=$!
usleep 1500000
kill -9 $TPID
wait $TPID 2>/dev/null
if e2e_wait_for 10 grep -q "$E1000_BDF reset (the client left)" /tmp/vmux.log; then
	e2e_info "ok: killed mid-traffic: $(grep "$E1000_BDF reset (the client left)" /tmp/vmux.log | tail -n 1)"
else
	e2e_fail "no reset after the client was killed"
fi
run_client e1000b e1000 $S1

# ... and with guest RAM in hugepages (2 MiB, a hugetlb memfd).
echo 8 >/proc/sys/vm/nr_hugepages
e2e_data hugepages "$(cat /proc/sys/vm/nr_hugepages)"
run_client e1000h e1000-huge $S1

# 3. The igb (MSI-X).
run_client igb igb $S2

# 4. The kernel wants the e1000 back while a client holds it: vfio-pci's unbind
# sends VFIO's REQ, vmux drops the client and closes the device, and the unbind
# completes (without REQ it would wait for vmux to stop); vmux serves on.
"$PT_CLIENT" hold $S1 >/tmp/hold.out 2>&1 &
HPID=$!
e2e_wait_for 20 grep -q holding /tmp/hold.out || e2e_fail "the holding client did not attach"
t0=$(date +%s%N)
# In the background: an unbind nobody answers waits in the kernel (for vmux to stop).
sh -c "echo $E1000_BDF >/sys/bus/pci/drivers/vfio-pci/unbind" &
UPID=$!
n=0
while kill -0 $UPID 2>/dev/null && [ $n -lt 200 ]; do
	usleep 50000
	n=$((n + 1))
done
unbind_ms=$((($(date +%s%N) - t0) / 1000000))
e2e_data unbind_ms "$unbind_ms"
if ! kill -0 $UPID 2>/dev/null && wait $UPID && [ ! -e "/sys/bus/pci/devices/$E1000_BDF/driver" ]; then
	e2e_info "ok: vfio-pci's unbind of $E1000_BDF with a client attached took $unbind_ms ms"
else
	e2e_fail "vfio-pci's unbind of $E1000_BDF did not complete within $unbind_ms ms (vmux kept the device)"
	kill $HPID
	kill -TERM $VMUX_PID # gives the device back: the unbind completes
	wait $UPID
	e2e_status
	exit 1
fi
wait $HPID
hrc=$?
while read -r l; do e2e_info "hold: $l"; done </tmp/hold.out
[ "$hrc" = 0 ] || e2e_fail "the holding client: status $hrc"
if grep -q "$E1000_BDF released" /tmp/vmux.log; then
	e2e_info "ok: vmux: $(grep -m 1 "REQ interrupt" /tmp/vmux.log)"
else
	e2e_fail "vmux did not log the release of $E1000_BDF"
fi
kill -0 $VMUX_PID 2>/dev/null || e2e_fail "vmux is gone after the unbind"
# vmuxctl ports: the e1000 released (REQ counted), through the group API; the igb not.
if "$VMUXCTL" -c /tmp/vmux.ctl ports >/tmp/ports.json 2>&1 &&
	python3 -c '
import json, sys
ports = json.load(open(sys.argv[1]))
ports = ports.get("ports", ports) if isinstance(ports, dict) else ports
dev = {p["vfio_dev"]: p["device"] for p in ports if "vfio_dev" in p}
e, i = dev[sys.argv[2]], dev[sys.argv[3]]
assert e["released"] and e["req_irqs"] >= 1 and e["vfio_api"] == "group", e
assert not i["released"] and i["req_irqs"] == 0 and i["vfio_api"] == "group", i
' /tmp/ports.json "$E1000_BDF" "$IGB_BDF" >/tmp/ports.err 2>&1; then
	e2e_info "ok: vmuxctl ports: $E1000_BDF released (REQ), both through the group API"
else
	cat /tmp/ports.json /tmp/ports.err
	e2e_fail "vmuxctl ports does not show the release"
fi
"$PT_CLIENT" e1000 $S1 >/tmp/after.out 2>&1 && e2e_fail "a client of the released e1000 was served"
run_client igb2 igb $S2

# 5. vmux stops: the igb's group free again (a VFIO user can take it).
kill -TERM $VMUX_PID
wait $VMUX_PID
e2e_data vmux_exit $?
if python3 "$LAB_SRCROOT/tests/lab/guest/vfio_check.py" "$IGB_BDF" >/tmp/vfio.out 2>&1; then
	e2e_info "ok: after vmux stopped, the igb's group opens again"
else
	cat /tmp/vfio.out
	e2e_fail "after vmux stopped: $(tail -n 1 /tmp/vfio.out)"
fi
grep -c 'reset' /tmp/vmux.log | while read -r n; do e2e_data vmux_resets "$n"; done
grep -i 'warn\|error' /tmp/vmux.log | head -n 10 | while read -r l; do e2e_info "vmux: $l"; done
e2e_status
