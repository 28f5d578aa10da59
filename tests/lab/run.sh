#!/usr/bin/env bash
# run.sh COMMANDS | run.sh -f SCRIPT: boots the lab VM (tests/lab/lab.sh:
# Debian 12's 6.1 kernel over the host's read-only /) once, runs the shell
# COMMANDS (a single argument, run by the host's /bin/sh inside) or the
# SCRIPT file there, prints the VM's console and powers it off. Exit status:
# 0 when the commands succeeded, 1 otherwise, 77 when the lab cannot run here.
#   sudo tests/lab/run.sh 'uname -r; modprobe vfio-pci; ls /dev/vfio'
#   sudo LAB_NICS=1 tests/lab/run.sh 'ip -br link'   # + e1000 and igb on taps
# With LAB_NICS=1 the VM has QEMU's e1000 on tap0 (host end 10.79.0.1/24) and
# igb on tap1 (10.79.1.1/24), in a namespace the run creates and removes.
# Inside: $VMUX_BIN, $LAB_SRCROOT, $LAB_OUT (writable, kept with
# VMUX_E2E_KEEP=1); the kit's other knobs (LAB_SMP, E2E_MEM_MB, LAB_APPEND,
# LAB_MODULES, VMUX_E2E_TIMEOUT...) apply.
set -u
want_nics=${LAB_NICS:-0}
unset LAB_NICS
# shellcheck source=tests/lab/lab.sh
. "$(dirname "$0")/lab.sh"
E2E_NAME=lab-run

if [ "${1:-}" = -f ]; then
	[ -r "${2:-}" ] || { echo "usage: run.sh COMMANDS | run.sh -f SCRIPT" >&2; exit 2; }
	src=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
	cmd=". $(printf '%q' "$src")"
else
	[ $# -eq 1 ] || { echo "usage: run.sh COMMANDS | run.sh -f SCRIPT" >&2; exit 2; }
	cmd=$1
fi

lab_init
if [ "$want_nics" = 1 ]; then
	e2e_netns_add nics || e2e_fail "cannot create a network namespace"
	lab_tap "$E2E_NS" tap0 10.79.0.1/24 && lab_tap "$E2E_NS" tap1 10.79.1.1/24 ||
		e2e_fail "cannot create the taps"
	LAB_NETNS=$E2E_NS
	lab_nic e1000 tap0 52:54:00:1a:b1:01
	lab_nic igb tap1 52:54:00:1a:b1:02
fi
printf '%s\n' "$cmd" >"$E2E_TMP/commands.sh"
LAB_SCRIPT=$E2E_TMP/commands.sh
lab_start vm
e2e_guest_wait vm
rc=$?
tr -d '\r' <"$E2E_TMP/vm.serial"
e2e_log "$E2E_RESULT after $E2E_GUEST_SECS s (boot to the commands $(e2e_guest_data vm boot_secs) s)"
E2E_DONE=1
exit $((rc == 0 ? 0 : 1))
