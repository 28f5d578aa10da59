# shellcheck shell=bash
# Lab VM kit: QEMU 11 (TCG) booting Debian 12's own kernel (6.1, from this
# host's /boot and /lib/modules) with the host's / shared read-only over 9p,
# for what the host's kernel lacks: VFIO with a virtual IOMMU, TC flower and
# the multiq qdisc, dummy links. Binaries built on the host (build/vmux, the
# host's python3, iproute2...) run inside unchanged, at the same paths.
#
# Built on the e2e kit (tests/e2e/lib.sh, sourced here): its chroot provides
# QEMU, its cleanup traps stop QEMU and remove namespaces and temp files on
# exit, failure or signals, and a lab VM reports like an e2e guest (E2E-*
# lines on its serial console, tests/e2e/guest/functions.sh for checks).
#
# Usage in a test (bash):
#   . "$(dirname "$0")/lab.sh"
#   lab_init                           # e2e_init + kernel, chroot, QEMU (else skip)
#   e2e_netns_add net && lab_tap "$E2E_NS" tap0 10.78.0.1/24
#   LAB_NETNS=$E2E_NS
#   lab_nic e1000 tap0 52:54:00:1a:b0:01
#   lab_run vm1 "$LAB_DIR/guest/x.sh" 300 || e2e_fail "lab VM: $E2E_RESULT"
#   e2e_guest_data vm1 KEY             # a value the script reported
# or lab_start NAME [QEMU ARGS...] (script in LAB_SCRIPT) and e2e_guest_wait.
#
# The VM: q35 with kernel-irqchip=split and an intel-iommu (intremap,
# caching-mode) and intel_iommu=on, so devices can be bound to vfio-pci
# inside (LAB_IOMMU=0: plain q35, no IOMMU); LAB_SMP vCPUs (default 2),
# E2E_MEM_MB of RAM (default 1024 here; a shared memfd, so a vfio-user device
# on vmux can be attached too). Root: 9p tag "root" = the host's /, read-only,
# cache=loose; the initramfs (tests/lab/stage1.sh, busybox and the virtio/9p
# modules) mounts it and hands over to tests/lab/init.sh, which sets up
# tmpfs on /tmp, /run, /var, loads modules and runs the script (see there).
# In the guest, $E2E_TMP and the e2e cache are bound back over the tmpfs,
# read-only; $LAB_OUT (= $E2E_TMP/NAME.out on the host) is writable.
#
# Environment:
#   VMUX_LAB_KVER   the guest kernel release (default: the newest
#                   /boot/vmlinuz-6.1.* with /lib/modules/<it>/modules.dep)
#   LAB_SMP, LAB_IOMMU, E2E_MEM_MB   see above
#   LAB_NETNS       run QEMU in this network namespace (its taps live there)
#   LAB_APPEND      more words for the kernel command line
#   LAB_MODULES     modules to load before the script (comma-separated)
#   LAB_COLDPLUG=0  do not load the drivers of the PCI devices present
#   LAB_ENV         "NAME=VALUE" lines the script gets (added to VMUX_BIN,
#                   LAB_NAME, LAB_OUT, E2E_TMP)
#   LAB_NICS        array of QEMU arguments added by lab_nic
#   VMUX_E2E_KEEP=1 and the rest of tests/e2e/lib.sh's environment

LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../e2e/lib.sh
. "$LAB_DIR/../e2e/lib.sh"

LAB_NICS=()
LAB_INITRD=
# The modules the initramfs loads to mount the 9p root (dependencies added).
LAB_STAGE1_MODULES="virtio_pci 9pnet_virtio 9p"

# Picks Debian 12's kernel: sets LAB_KVER, E2E_KERNEL and E2E_MODULES (so
# that the e2e kit's module resolution uses it). False when there is none.
lab_kernel_select() {
	local v=${VMUX_LAB_KVER:-}
	if [ -z "$v" ]; then
		v=$(cd /boot 2>/dev/null && ls -1 vmlinuz-6.1.* 2>/dev/null |
			sed 's/^vmlinuz-//' | sort -V | tail -n 1)
	fi
	[ -n "$v" ] && [ -r "/boot/vmlinuz-$v" ] && [ -r "/lib/modules/$v/modules.dep" ] ||
		return 1
	LAB_KVER=$v
	E2E_KERNEL=/boot/vmlinuz-$v
	E2E_MODULES=/lib/modules/$v
}

# lab_init: e2e_init, then what every lab test needs: Debian 12's kernel on
# this host, the chroot's QEMU running here (else the test is skipped, 77),
# with the devices the lab uses.
lab_init() {
	local out d
	e2e_init
	lab_kernel_select ||
		e2e_skip "no Debian 12 (6.1) kernel with modules on this host (scripts/deps.sh installs linux-image-amd64)"
	e2e_chroot_ensure
	e2e_qemu_usable || e2e_skip "QEMU from $E2E_CHROOT cannot run on this machine"
	out=$(e2e_qemu -nodefaults -no-user-config -device help 2>&1)
	for d in virtio-9p-pci virtio-rng-pci intel-iommu e1000 igb; do
		grep -q "\"$d\"" <<<"$out" || e2e_skip "this QEMU has no $d device"
	done
	BB=$E2E_CHROOT/usr/bin/busybox
	[ -x "$BB" ] || e2e_fail "no busybox in $E2E_CHROOT"
	e2e_log "lab kernel $LAB_KVER"
}

# lab_initramfs: builds (once per test run) the initramfs that mounts the 9p
# root: the chroot's static busybox, tests/lab/stage1.sh as /init and the
# modules of LAB_STAGE1_MODULES with their dependencies. Sets LAB_INITRD.
lab_initramfs() {
	local st a
	[ -z "$LAB_INITRD" ] || return 0
	st=$(mktemp -d "$E2E_TMP/lab-initramfs.XXXXXX") || return 1
	mkdir -p "$st"/{bin,dev,proc,sys,lab,lib/modules}
	cp "$E2E_CHROOT/usr/bin/busybox" "$st/bin/busybox" || return 1
	for a in $("$st/bin/busybox" --list); do
		[ "$a" = busybox ] || ln -s busybox "$st/bin/$a"
	done
	cp "$LAB_DIR/stage1.sh" "$st/init" && chmod 755 "$st/init" || return 1
	# shellcheck disable=SC2086 # a list of module names
	e2e_initramfs_modules "$st" "$st/lab/modules" $LAB_STAGE1_MODULES
	(cd "$st" && find . | "$st/bin/busybox" cpio -o -H newc -R 0:0 2>/dev/null) |
		gzip -1 >"$E2E_TMP/lab-initrd.cpio.gz" || e2e_fail "cannot write the lab initramfs"
	rm -rf -- "$st"
	LAB_INITRD=$E2E_TMP/lab-initrd.cpio.gz
}

# lab_tap NS TAP [ADDR/PREFIX]: a tap device in namespace NS, up, with the
# address if given (the host's end of a lab VM's NIC).
lab_tap() {
	ip -n "$1" tuntap add dev "$2" mode tap || return 1
	[ -z "${3:-}" ] || ip -n "$1" addr add "$3" dev "$2" || return 1
	ip -n "$1" link set "$2" up
}

# lab_nic MODEL TAP [MAC]: adds a QEMU NIC (-device MODEL: e1000 for INTx,
# igb for MSI-X, ...) on TAP to LAB_NICS, without its boot ROM (the lab VM
# does not boot from the network). TAP must exist in LAB_NETNS, where QEMU
# runs.
lab_nic() {
	local id=net${#LAB_NICS[@]}
	LAB_NICS+=(-netdev "tap,id=$id,ifname=$2,script=no,downscript=no"
		-device "$1,netdev=$id,romfile=${3:+,mac=$3}")
}

# lab_args NAME: sets LAB_QEMU_ARGS, the QEMU arguments of lab VM NAME.
lab_args() {
	local name=$1 append
	append="console=ttyS0 panic=-1 quiet"
	append+=" root=root rootfstype=9p rootflags=trans=virtio,version=9p2000.L,msize=524288,cache=loose ro"
	# The source tree and vmux's build stay visible where tmpfs covers them (a
	# clone under /tmp, as CI makes).
	append+=" init=$LAB_DIR/init.sh lab.keep=$E2E_TMP:$E2E_CACHE:$E2E_SRCROOT:$(dirname "$E2E_VMUX")"
	append+=" lab.out=$E2E_TMP/$name.out"
	append+=" lab.busybox=$BB lab.env=$E2E_TMP/$name.env lab.script=$E2E_TMP/$name.script"
	[ "${LAB_COLDPLUG:-1}" != 0 ] || append+=" lab.coldplug=0"
	[ -z "${LAB_MODULES:-}" ] || append+=" lab.modules=$LAB_MODULES"
	# shellcheck disable=SC2034 # read by e2e_guest_mem_args
	if [ "${LAB_IOMMU:-1}" = 1 ]; then
		E2E_MACHINE=q35,kernel-irqchip=split
		append+=" intel_iommu=on"
	else
		E2E_MACHINE=q35
	fi
	[ -z "${LAB_APPEND:-}" ] || append+=" $LAB_APPEND"
	E2E_MEM_MB=${E2E_MEM_MB:-1024} e2e_guest_mem_args "$name"
	LAB_QEMU_ARGS=(
		-nodefaults -no-user-config -name "$name"
		-accel tcg "${E2E_MEM_ARGS[@]}" -smp "${LAB_SMP:-2}"
		# The host-built vmux links Debian's DPDK, whose libraries check for
		# SSE4.2 when loaded: TCG's default CPU lacks it, vmux would not
		# even print its version.
		-cpu max
		-display none -no-reboot
		-serial "file:$E2E_TMP/$name.serial"
		-kernel "$E2E_KERNEL" -initrd "$LAB_INITRD" -append "$append"
		-virtfs "local,path=/,mount_tag=root,security_model=none,readonly=on,multidevs=remap"
		-virtfs "local,path=$E2E_TMP/$name.out,mount_tag=out,security_model=none,multidevs=remap"
		# Entropy: without it the first getrandom() (python3's start, for
		# one) waits some 15 s for the kernel's RNG under TCG.
		-device virtio-rng-pci
	)
	[ "${LAB_IOMMU:-1}" != 1 ] ||
		LAB_QEMU_ARGS+=(-device "intel-iommu,intremap=on,caching-mode=on")
}

# lab_start NAME [QEMU ARGS...]: boots lab VM NAME in the background to run
# the guest script LAB_SCRIPT (copied to $E2E_TMP/NAME.script), with the NICs
# of LAB_NICS and the QEMU ARGS. Files: NAME.serial (console), NAME.qemu.log,
# NAME.cmdline, NAME.env (LAB_ENV and the kit's variables), NAME.out/ (the
# guest's $LAB_OUT). Wait for it with e2e_guest_wait NAME [TIMEOUT].
lab_start() {
	local name=$1 pid
	shift
	[ -n "${LAB_SCRIPT:-}" ] && [ -r "$LAB_SCRIPT" ] || e2e_fail "lab_start $name: no LAB_SCRIPT"
	lab_initramfs
	mkdir -p "$E2E_TMP/$name.out" || e2e_fail "cannot create $E2E_TMP/$name.out"
	cp "$LAB_SCRIPT" "$E2E_TMP/$name.script" || e2e_fail "cannot copy $LAB_SCRIPT"
	{
		printf 'LAB_NAME=%q\nLAB_OUT=%q\nE2E_TMP=%q\nVMUX_BIN=%q\nLAB_SRCROOT=%q\n' \
			"$name" "$E2E_TMP/$name.out" "$E2E_TMP" "$E2E_VMUX" "$E2E_SRCROOT"
		printf 'export LAB_NAME LAB_OUT E2E_TMP VMUX_BIN LAB_SRCROOT\n'
		if [ -n "${LAB_ENV:-}" ]; then
			printf '%s\n' "$LAB_ENV"
			printf 'export %s\n' "$(sed -n 's/^\([A-Za-z_][A-Za-z0-9_]*\)=.*/\1/p' <<<"$LAB_ENV" | tr '\n' ' ')"
		fi
	} >"$E2E_TMP/$name.env"
	lab_args "$name"
	: >"$E2E_TMP/$name.serial"
	e2e_qemu_cmdline "${LAB_QEMU_ARGS[@]}" "${LAB_NICS[@]}" "$@" >"$E2E_TMP/$name.cmdline"
	e2e_qemu_argv
	if [ -n "${LAB_NETNS:-}" ]; then
		ip netns exec "$LAB_NETNS" "${E2E_QEMU_ARGV[@]}" "${LAB_QEMU_ARGS[@]}" "${LAB_NICS[@]}" "$@" \
			</dev/null >"$E2E_TMP/$name.qemu.log" 2>&1 &
	else
		"${E2E_QEMU_ARGV[@]}" "${LAB_QEMU_ARGS[@]}" "${LAB_NICS[@]}" "$@" \
			</dev/null >"$E2E_TMP/$name.qemu.log" 2>&1 &
	fi
	pid=$!
	e2e_track "$name" "$pid"
	# shellcheck disable=SC2034 # read by e2e_guest_wait
	E2E_GUEST_T0=$(date +%s%N)
}

# lab_run NAME SCRIPT [TIMEOUT [QEMU ARGS...]]: boots lab VM NAME to run
# SCRIPT, waits for it (TIMEOUT seconds, default VMUX_E2E_TIMEOUT) and prints
# its report lines. Returns 0 if the script passed; E2E_RESULT says why not,
# E2E_GUEST_SECS how long the VM ran.
lab_run() {
	local name=$1 t=${3:-$E2E_TIMEOUT} rc
	LAB_SCRIPT=$2
	shift 2
	[ $# -eq 0 ] || shift
	lab_start "$name" "$@"
	e2e_guest_wait "$name" "$t"
	rc=$?
	e2e_guest_lines "$name" | sed 's/^/    /'
	e2e_log "$name: $E2E_RESULT after $E2E_GUEST_SECS s (boot to script $(e2e_guest_data "$name" boot_secs) s)"
	return "$rc"
}
