# shellcheck shell=bash
# End-to-end kit for vmux: real QEMU 11 (from a cached Debian unstable chroot),
# a real Linux guest kernel with a busybox initramfs, vmux under test, and
# network namespaces that the test creates and removes.
#
# Usage in a test (bash):
#   . "$(dirname "$0")/lib.sh"
#   e2e_init                          # temp dir, traps, root check
#   e2e_chroot_ensure                 # build or reuse the chroot
#   e2e_qemu_usable || e2e_skip "..." # exit 77 only when QEMU cannot run here
#   e2e_initramfs "$E2E_TMP/initrd" tests/e2e/guest/x.sh e1000
#   ns=$(e2e_netns_add a)
#   e2e_vmux_start -n "$ns" vmux -s "$E2E_TMP/sock" -m e1000-emu -t tap0
#   e2e_guest_run g1 "$E2E_TMP/initrd" 180 "" -device ...
#   e2e_pass / e2e_fail
# Everything started through the kit is stopped and removed on exit, failure,
# CTRL-C or SIGTERM; logs are printed when a test fails.
#
# Environment:
#   VMUX_CACHE          cache directory (default /var/cache/vmux-e2e)
#   VMUX_BIN            vmux binary (default <source>/build/vmux)
#   VMUX_E2E_KERNEL     guest kernel image (default: the chroot's newest)
#   VMUX_E2E_MODULES    its module tree, the directory holding modules.dep
#   VMUX_E2E_KVER       shorthand: /boot/vmlinuz-KVER and /lib/modules/KVER
#                       of this host (e.g. Debian 12's 6.1 kernel)
#   VMUX_E2E_TIMEOUT    seconds a guest may run (default 180)
#   VMUX_E2E_KEEP=1     keep the temp directory (logs, initramfs) afterwards
#   VMUX_E2E_REFRESH=1  rebuild the chroot
#   E2E_MACHINE         QEMU machine type (default pc; q35 works too)
#   E2E_MEM             guest RAM backend (see e2e_guest_mem_args): memfd (the
#                       default), shm, hugetlbfs, memfd-hugetlb
#   E2E_MEM_ATTACH      machine (default: -machine memory-backend=mem) or numa
#                       (-numa node,memdev=mem)
#   E2E_MEM_MB          guest RAM in MiB (default 512)

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
E2E_SRCROOT=$(cd "$E2E_DIR/../.." && pwd)
E2E_CACHE=${VMUX_CACHE:-/var/cache/vmux-e2e}
E2E_CHROOT=$E2E_CACHE/sid
E2E_VMUX=${VMUX_BIN:-$E2E_SRCROOT/build/vmux}
E2E_TIMEOUT=${VMUX_E2E_TIMEOUT:-180}
E2E_TMP=
E2E_NAME=$(basename "$0" .sh)
E2E_QUIET=${E2E_QUIET:-0}
E2E_DONE=0
declare -A E2E_PIDS=()
E2E_NETNS=()
E2E_MEMFILES=()  # guest RAM files the kit made (removed at exit)
E2E_MOUNTS=()    # file systems the kit mounted (unmounted at exit)
E2E_HUGETLBFS=   # the hugetlbfs mount for E2E_MEM=hugetlbfs (e2e_hugetlbfs_mount)
E2E_HP_KNOB=     # nr_hugepages file changed by e2e_hugepages_reserve
E2E_HP_ADDED=0   # pages it added, given back at exit

# ---------------------------------------------------------------- output

# e2e_since T0: seconds (one decimal) since T0 (from date +%s%N).
e2e_since() {
	local ms=$((($(date +%s%N) - $1) / 1000000))
	printf '%d.%d' $((ms / 1000)) $((ms % 1000 / 100))
}

e2e_log() {
	[ "$E2E_QUIET" = 1 ] || printf '[%s] %s\n' "$E2E_NAME" "$*"
}

e2e_err() {
	printf '[%s] ERROR: %s\n' "$E2E_NAME" "$*" >&2
}

# Prints the logs of everything the test ran (tails of long files).
e2e_dump_logs() {
	local f
	[ -n "$E2E_TMP" ] && [ -d "$E2E_TMP" ] || return 0
	for f in "$E2E_TMP"/*.cmdline "$E2E_TMP"/*.log "$E2E_TMP"/*.serial; do
		[ -f "$f" ] || continue
		echo "----- ${f##*/} (last 120 lines) -----"
		tail -n 120 "$f" | tr -d '\r'
	done
	echo "----- end of logs -----"
}

e2e_pass() {
	E2E_DONE=1
	echo "[$E2E_NAME] PASS${1:+: $*}"
	exit 0
}

e2e_fail() {
	E2E_DONE=1
	e2e_err "$*"
	e2e_dump_logs >&2
	echo "[$E2E_NAME] FAIL: $*"
	exit 1
}

# Exit status 77 is "skipped" for meson.
e2e_skip() {
	E2E_DONE=1
	echo "[$E2E_NAME] SKIP: $*"
	exit 77
}

# ---------------------------------------------------------------- setup, cleanup

e2e_init() {
	set -o pipefail
	if [ "$(id -u)" -ne 0 ]; then
		echo "[$E2E_NAME] FAIL: needs root (network namespaces, tap devices, the chroot)"
		exit 1
	fi
	E2E_TMP=$(mktemp -d "${TMPDIR:-/tmp}/vmux-e2e.XXXXXX") || exit 1
	trap e2e_cleanup EXIT
	trap 'e2e_err "interrupted"; exit 130' INT
	trap 'e2e_err "terminated"; exit 143' TERM
	trap 'exit 129' HUP
	e2e_netns_reap
	e2e_shm_reap
	e2e_kernel_select
}

# e2e_guest_test_init: e2e_init and what every test that boots guests on vmux
# needs: the vmux binary, python3, the chroot, and a QEMU that runs here
# (else the test is skipped). Sets BB to the chroot's busybox.
e2e_guest_test_init() {
	e2e_init
	[ -x "$E2E_VMUX" ] || e2e_fail "vmux binary not found at $E2E_VMUX (build it first, or set VMUX_BIN)"
	command -v python3 >/dev/null || e2e_fail "python3 is missing (run scripts/deps.sh)"
	e2e_chroot_ensure
	e2e_qemu_usable || e2e_skip "QEMU from $E2E_CHROOT cannot run on this machine"
	BB=$E2E_CHROOT/usr/bin/busybox
}

# Registers a process started by the test so that cleanup stops it.
e2e_track() {
	E2E_PIDS[$1]=$2
}

# e2e_stop NAME [SECONDS]: SIGTERM, then SIGKILL after SECONDS (default 5).
# Returns the process's exit status (or 137 if it had to be killed).
e2e_stop() {
	local name=$1 t=${2:-5} pid rc i
	pid=${E2E_PIDS[$name]:-}
	[ -n "$pid" ] || return 0
	unset "E2E_PIDS[$name]"
	kill -TERM "$pid" 2>/dev/null
	for ((i = 0; i < t * 10; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		return 137
	fi
	wait "$pid" 2>/dev/null
	rc=$?
	return "$rc"
}

e2e_cleanup() {
	local rc=$? name ns
	trap - EXIT INT TERM HUP
	# A test that exits through `set -e` or a signal without a verdict gets
	# its logs printed too.
	if [ "$E2E_DONE" = 0 ] && [ "$rc" -ne 0 ]; then
		e2e_err "exited with status $rc before a verdict"
		e2e_dump_logs >&2
	fi
	for name in "${!E2E_PIDS[@]}"; do
		e2e_stop "$name" 3
	done
	# Guest RAM files, then their mounts, then the pages under them: in
	# this order nothing still holds a huge page when it is given back.
	e2e_mem_cleanup
	for ns in "${E2E_NETNS[@]}"; do
		# Only processes this test started can be in its namespaces.
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -KILL 2>/dev/null
		ip netns delete "$ns" 2>/dev/null
	done
	if [ -n "$E2E_TMP" ] && [ -d "$E2E_TMP" ]; then
		if [ "${VMUX_E2E_KEEP:-0}" = 1 ]; then
			echo "[$E2E_NAME] kept $E2E_TMP" >&2
		else
			# Never into a mount that would not go away.
			rm -rf --one-file-system -- "$E2E_TMP"
		fi
	fi
	exit "$rc"
}

e2e_mem_cleanup() {
	local f m i
	for f in "${E2E_MEMFILES[@]}"; do
		rm -f -- "$f"
	done
	E2E_MEMFILES=()
	for ((i = ${#E2E_MOUNTS[@]} - 1; i >= 0; i--)); do
		m=${E2E_MOUNTS[i]}
		umount -- "$m" 2>/dev/null || umount -l -- "$m" ||
			e2e_err "cannot unmount $m"
		rmdir -- "$m" 2>/dev/null
	done
	E2E_MOUNTS=()
	E2E_HUGETLBFS=
	e2e_hugepages_release
}

# Removes guest RAM files in /dev/shm left by earlier runs that were killed
# with SIGKILL (their PID, part of the name, no longer exists).
e2e_shm_reap() {
	local f pid
	for f in /dev/shm/vmux-e2e-*-*; do
		[ -f "$f" ] || continue
		pid=${f#/dev/shm/vmux-e2e-}
		pid=${pid%%-*}
		case "$pid" in '' | *[!0-9]*) continue ;; esac
		[ -d "/proc/$pid" ] || rm -f -- "$f"
	done
}

# e2e_netns_add NAME: creates a network namespace private to this test run
# (with loopback up) and sets E2E_NS to its name. Not for use in $(...): the
# namespace must be recorded in this shell to be removed at exit.
e2e_netns_add() {
	E2E_NS="vmuxe2e-$$-$1"
	ip netns add "$E2E_NS" || return 1
	E2E_NETNS+=("$E2E_NS")
	ip -n "$E2E_NS" link set lo up
}

# Removes namespaces left by earlier runs that were killed with SIGKILL
# (their PID, part of the name, no longer exists).
e2e_netns_reap() {
	local ns pid
	for ns in $(ip netns list 2>/dev/null | awk '{print $1}'); do
		case "$ns" in vmuxe2e-*-*) ;; *) continue ;; esac
		pid=${ns#vmuxe2e-}
		pid=${pid%%-*}
		[ -d "/proc/$pid" ] && continue
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -KILL 2>/dev/null
		ip netns delete "$ns" 2>/dev/null
	done
}

# ---------------------------------------------------------------- the chroot

# Packages of the chroot: QEMU and a kernel for the guests, busybox for their
# initramfs, kmod, and tools the guests run (ethtool, copied into an
# initramfs with its libraries by e2e_initramfs's E2E_INITRAMFS_BINS).
E2E_CHROOT_PKGS="qemu-system-x86,linux-image-amd64,busybox-static,kmod"
E2E_CHROOT_EXTRA="ethtool"

# Builds the Debian unstable chroot with QEMU and a kernel, once; later runs
# reuse it. The build goes to DIR.tmp and is renamed when complete, so an
# interrupted build is never used. A lock serialises concurrent callers. A
# chroot built before E2E_CHROOT_EXTRA named a package gets it installed
# (e2e_chroot_install).
e2e_chroot_ensure() {
	local tmp=$E2E_CHROOT.tmp t0 lockfd try
	mkdir -p "$E2E_CACHE" || return 1
	case "$(cd "$E2E_CACHE" && pwd -P)/" in
	"$(cd "$E2E_SRCROOT" && pwd -P)"/*)
		e2e_fail "VMUX_CACHE ($E2E_CACHE) must be outside the source tree" ;;
	esac
	exec {lockfd}>"$E2E_CACHE/.lock"
	flock "$lockfd"
	if [ "${VMUX_E2E_REFRESH:-0}" = 1 ] && [ -d "$E2E_CHROOT" ]; then
		e2e_log "VMUX_E2E_REFRESH=1: removing the old chroot"
		rm -rf -- "$E2E_CHROOT"
	fi
	if [ -f "$E2E_CHROOT/.vmux-e2e-complete" ]; then
		exec {lockfd}>&-
		# shellcheck disable=SC2086 # a list of package names
		e2e_chroot_install $E2E_CHROOT_EXTRA
		return 0
	fi
	command -v debootstrap >/dev/null ||
		e2e_fail "debootstrap is missing (run scripts/deps.sh)"
	e2e_log "building the Debian unstable chroot in $E2E_CHROOT (about 2 minutes, once)"
	rm -rf -- "$tmp" "$E2E_CHROOT"
	t0=$(date +%s)
	# Two tries: a mirror hiccup should not fail a CI run.
	for try in 1 2; do
		rm -rf -- "$tmp"
		debootstrap --variant=minbase \
			--include="$E2E_CHROOT_PKGS,${E2E_CHROOT_EXTRA// /,}" \
			sid "$tmp" >"$E2E_CACHE/debootstrap.log" 2>&1 && break
		tail -n 30 "$E2E_CACHE/debootstrap.log" >&2
		rm -rf -- "$tmp"
		if [ "$try" = 2 ]; then
			exec {lockfd}>&-
			e2e_fail "debootstrap failed twice (log: $E2E_CACHE/debootstrap.log)"
		fi
		e2e_log "debootstrap failed; trying once more"
		sleep "${E2E_RETRY_SLEEP:-10}"
	done
	date -u +%FT%TZ >"$tmp/.vmux-e2e-complete"
	mv -- "$tmp" "$E2E_CHROOT"
	exec {lockfd}>&-
	e2e_log "chroot built in $(($(date +%s) - t0)) s"
}

# e2e_chroot_install PKG...: installs the packages the chroot lacks with its
# own apt (against the package lists debootstrap left; once more after an
# update if the mirror has moved on). Failing is not fatal: a test that needs
# a package checks for it (and skips that part, saying so).
e2e_chroot_install() {
	local p missing=() lockfd log=$E2E_CACHE/apt.log
	for p in "$@"; do
		chroot "$E2E_CHROOT" dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q 'ok installed' || missing+=("$p")
	done
	[ "${#missing[@]}" -gt 0 ] || return 0
	exec {lockfd}>"$E2E_CACHE/.lock"
	flock "$lockfd"
	e2e_log "installing ${missing[*]} into the chroot (once)"
	[ -e "$E2E_CHROOT/etc/resolv.conf" ] || cp /etc/resolv.conf "$E2E_CHROOT/etc/resolv.conf"
	{
		chroot "$E2E_CHROOT" env DEBIAN_FRONTEND=noninteractive \
			apt-get -y -q --no-install-recommends install "${missing[@]}" ||
			{ chroot "$E2E_CHROOT" apt-get -q update &&
				chroot "$E2E_CHROOT" env DEBIAN_FRONTEND=noninteractive \
					apt-get -y -q --no-install-recommends install "${missing[@]}"; }
	} >"$log" 2>&1 || e2e_log "could not install ${missing[*]} into the chroot (log: $log)"
	chroot "$E2E_CHROOT" apt-get -q clean >/dev/null 2>&1
	exec {lockfd}>&-
}

# ---------------------------------------------------------------- DDP package

# e2e_ddp_fetch: Intel's DDP package for ice from Debian's firmware-intel-misc
# (sid, non-free-firmware), fetched once into the cache ($E2E_CACHE/ddp, never
# the source tree) with the chroot's apt, from the mirror its sources.list
# names; that component's package lists go to a directory of their own
# (Acquire::Check-Valid-Until=false: such a mirror may be a snapshot). Sets
# E2E_DDP_PKG to the file intel/ice/ddp/ice.pkg links to; returns 1 (and
# logs why) if it cannot be had.
e2e_ddp_fetch() {
	local dir=$E2E_CACHE/ddp log=$E2E_CACHE/ddp.log lockfd mirror f
	local list=/etc/apt/vmux-non-free-firmware.list lists=/var/lib/apt/lists-vmux-nff
	local opts=(-o "Dir::Etc::SourceList=$list" -o Dir::Etc::SourceParts=/nonexistent
		-o "Dir::State::Lists=$lists" -o Acquire::Check-Valid-Until=false)
	E2E_DDP_PKG=
	if [ ! -f "$dir/.complete" ]; then
		exec {lockfd}>"$E2E_CACHE/.lock"
		flock "$lockfd"
		if [ ! -f "$dir/.complete" ]; then
			mirror=$(sed -n 's/^deb  *\([^ ]*\)  *sid .*/\1/p' "$E2E_CHROOT/etc/apt/sources.list" \
				2>/dev/null | head -n 1)
			[ -n "$mirror" ] || mirror=$(sed -n 's/^URIs: *\([^ ]*\).*/\1/p' \
				"$E2E_CHROOT"/etc/apt/sources.list.d/*.sources 2>/dev/null | head -n 1)
			if [ -z "$mirror" ]; then
				exec {lockfd}>&-
				e2e_log "the chroot's apt names no mirror: no DDP package"
				return 1
			fi
			e2e_log "fetching firmware-intel-misc (the DDP package) from $mirror (once)"
			echo "deb $mirror sid non-free-firmware" >"$E2E_CHROOT$list"
			rm -rf -- "$E2E_CHROOT/tmp/vmux-ddp" "$dir.tmp"
			mkdir -p "$E2E_CHROOT$lists/partial" "$E2E_CHROOT/tmp/vmux-ddp" "$dir.tmp"
			[ -e "$E2E_CHROOT/etc/resolv.conf" ] || cp /etc/resolv.conf "$E2E_CHROOT/etc/resolv.conf"
			if { chroot "$E2E_CHROOT" apt-get -q "${opts[@]}" update &&
				chroot "$E2E_CHROOT" sh -c 'cd /tmp/vmux-ddp && apt-get -q "$@" download firmware-intel-misc' \
					sh "${opts[@]}" &&
				chroot "$E2E_CHROOT" sh -c 'dpkg-deb -x /tmp/vmux-ddp/firmware-intel-misc_*.deb /tmp/vmux-ddp/x'
			} >"$log" 2>&1; then
				cp -a "$E2E_CHROOT/tmp/vmux-ddp/x/." "$dir.tmp/" &&
					date -u +%FT%TZ >"$dir.tmp/.complete" && rm -rf -- "$dir" && mv -- "$dir.tmp" "$dir"
			fi
			rm -rf -- "$E2E_CHROOT/tmp/vmux-ddp" "$dir.tmp"
		fi
		exec {lockfd}>&-
	fi
	for f in "$dir/usr/lib/firmware/intel/ice/ddp/ice.pkg" "$dir/lib/firmware/intel/ice/ddp/ice.pkg"; do
		[ -e "$f" ] || continue
		E2E_DDP_PKG=$(readlink -f "$f")
		break
	done
	if [ -z "$E2E_DDP_PKG" ]; then
		e2e_log "no intel/ice/ddp/ice.pkg from firmware-intel-misc (log: $log)"
		return 1
	fi
}

# ---------------------------------------------------------------- huge pages

# The nr_hugepages file for 2 MiB pages: /proc/sys/vm/nr_hugepages when 2 MiB
# is the default huge page size, else the per-size file in sysfs.
e2e_hugepages_knob() {
	local sz
	sz=$(awk '/^Hugepagesize:/ {print $2}' /proc/meminfo)
	if [ "$sz" = 2048 ] && [ -w /proc/sys/vm/nr_hugepages ]; then
		echo /proc/sys/vm/nr_hugepages
	elif [ -w /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages ]; then
		echo /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
	else
		return 1
	fi
}

# e2e_hugepages_reserve N: adds N 2 MiB pages to the pool (once per test);
# the kit gives them back at exit, failure and signals included. Returns 1,
# with the reason in E2E_HP_WHY and the pool as it was, when the kernel
# does not hand out N more pages (nr_hugepages reads back lower).
e2e_hugepages_reserve() {
	local n=$1 knob old want got
	E2E_HP_WHY=
	[ "$E2E_HP_ADDED" = 0 ] || { E2E_HP_WHY="pages already reserved"; return 1; }
	knob=$(e2e_hugepages_knob) || { E2E_HP_WHY="no 2 MiB huge page pool on this kernel"; return 1; }
	old=$(cat "$knob") || { E2E_HP_WHY="cannot read $knob"; return 1; }
	want=$((old + n))
	echo "$want" >"$knob" 2>/dev/null
	got=$(cat "$knob")
	if [ "${got:-0}" -lt "$want" ]; then
		echo "$old" >"$knob" 2>/dev/null
		E2E_HP_WHY="$knob reads back $got after asking for $want ($old + $n)"
		return 1
	fi
	E2E_HP_KNOB=$knob
	E2E_HP_ADDED=$n
	e2e_log "huge pages: $knob $old -> $got"
}

# Gives back the pages e2e_hugepages_reserve added. If something else
# changed the pool meanwhile only our share is taken off.
e2e_hugepages_release() {
	local cur new
	[ "$E2E_HP_ADDED" -gt 0 ] && [ -n "$E2E_HP_KNOB" ] || return 0
	cur=$(cat "$E2E_HP_KNOB")
	new=$((cur - E2E_HP_ADDED))
	[ "$new" -ge 0 ] || new=0
	echo "$new" >"$E2E_HP_KNOB" || e2e_err "cannot write $new to $E2E_HP_KNOB"
	E2E_HP_ADDED=0
	[ "$(cat "$E2E_HP_KNOB")" = "$new" ] ||
		e2e_err "$E2E_HP_KNOB is $(cat "$E2E_HP_KNOB"), not $new, after giving pages back"
}

# e2e_hugetlbfs_mount: mounts hugetlbfs (2 MiB pages) on a directory in the
# test's temp dir and sets E2E_HUGETLBFS to it; unmounted at exit.
e2e_hugetlbfs_mount() {
	local d=$E2E_TMP/hugetlbfs
	mkdir -p "$d" || return 1
	mount -t hugetlbfs -o pagesize=2M,mode=0700 vmux-e2e "$d" || return 1
	E2E_MOUNTS+=("$d")
	E2E_HUGETLBFS=$d
}

# ---------------------------------------------------------------- QEMU

# Sets E2E_QEMU_ARGV to the command that runs the chroot's QEMU on the host
# through the chroot's dynamic loader, so the host's own libraries are never
# mixed in. An array, not a function: started with "&" it must be QEMU's own
# PID that the kit tracks and kills, not that of a subshell.
e2e_qemu_argv() {
	local c=$E2E_CHROOT
	E2E_QEMU_ARGV=(
		env "QEMU_MODULE_DIR=$c/usr/lib/x86_64-linux-gnu/qemu"
		"$c/lib64/ld-linux-x86-64.so.2"
		--library-path "$c/lib/x86_64-linux-gnu:$c/usr/lib/x86_64-linux-gnu"
		"$c/usr/bin/qemu-system-x86_64"
		-L "$c/usr/share/qemu" -L "$c/usr/share/seabios"
	)
}

# e2e_qemu ARGS...: runs QEMU in the foreground.
e2e_qemu() {
	e2e_qemu_argv
	"${E2E_QEMU_ARGV[@]}" "$@"
}

# Prints the QEMU command line the kit uses (for people to read and reuse).
e2e_qemu_cmdline() {
	e2e_qemu_argv
	printf '%q ' "${E2E_QEMU_ARGV[@]:1}" "$@"
	echo
}

# True if QEMU starts here and knows vfio-user-pci. Only this decides "skip".
e2e_qemu_usable() {
	local out
	[ -x "$E2E_CHROOT/usr/bin/qemu-system-x86_64" ] || return 1
	out=$(e2e_qemu -nodefaults -no-user-config -device help 2>&1) || {
		e2e_err "QEMU does not run: $(echo "$out" | head -n 3)"
		return 1
	}
	grep -q '"vfio-user-pci"' <<<"$out" || {
		e2e_err "this QEMU has no vfio-user-pci"
		return 1
	}
}

# ---------------------------------------------------------------- kernel, initramfs

# Chooses the guest kernel and its module tree (see the environment above).
e2e_kernel_select() {
	if [ -n "${VMUX_E2E_KVER:-}" ]; then
		E2E_KERNEL=/boot/vmlinuz-$VMUX_E2E_KVER
		E2E_MODULES=/lib/modules/$VMUX_E2E_KVER
	else
		E2E_KERNEL=${VMUX_E2E_KERNEL:-}
		E2E_MODULES=${VMUX_E2E_MODULES:-}
	fi
}

# Fills in the chroot's newest kernel where none was chosen.
e2e_kernel_resolve() {
	local v
	if [ -z "$E2E_KERNEL" ]; then
		v=$(cd "$E2E_CHROOT/usr/lib/modules" 2>/dev/null && ls -1 | sort -V | tail -n 1)
		[ -n "$v" ] || e2e_fail "no kernel in $E2E_CHROOT"
		E2E_KERNEL=$E2E_CHROOT/boot/vmlinuz-$v
		[ -n "$E2E_MODULES" ] || E2E_MODULES=$E2E_CHROOT/usr/lib/modules/$v
	fi
	[ -r "$E2E_KERNEL" ] || e2e_fail "guest kernel $E2E_KERNEL not readable"
	[ -r "$E2E_MODULES/modules.dep" ] ||
		e2e_fail "no modules.dep in $E2E_MODULES (set VMUX_E2E_MODULES)"
}

# e2e_module_deps MODULE: prints the module files (relative to the module
# tree) to load for MODULE, dependencies first; nothing for built-ins.
e2e_module_deps() {
	local m=$1 line path deps i
	e2e_kernel_resolve
	line=$(grep -E "(^|/)${m}\.ko(\.xz|\.zst|\.gz)?:" "$E2E_MODULES/modules.dep" | head -n 1)
	if [ -z "$line" ]; then
		if grep -qE "(^|/)${m}\.ko\$" "$E2E_MODULES/modules.builtin" 2>/dev/null; then
			return 0
		fi
		e2e_err "module $m not found in $E2E_MODULES"
		return 1
	fi
	path=${line%%:*}
	read -r -a deps <<<"${line#*:}"
	# modules.dep lists the deepest dependency last: load in reverse order.
	for ((i = ${#deps[@]} - 1; i >= 0; i--)); do
		echo "${deps[i]}"
	done
	echo "$path"
}

# e2e_initramfs_bin STAGING PATH: the chroot's binary PATH (e.g.
# /usr/sbin/ethtool) into the initramfs at the same path, with the shared
# libraries and the loader it needs (as the chroot's ldd lists them).
# Skipped with a log line when the chroot has no such binary.
e2e_initramfs_bin() {
	local st=$1 bin=$2 lib
	if [ ! -x "$E2E_CHROOT$bin" ]; then
		e2e_log "the chroot has no $bin: not in the initramfs"
		return 0
	fi
	mkdir -p "$st$(dirname "$bin")"
	cp "$E2E_CHROOT$bin" "$st$bin"
	for lib in $(chroot "$E2E_CHROOT" ldd "$bin" 2>/dev/null | grep -oE '/[^ ]+\.so[^ ]*'); do
		[ -e "$st$lib" ] && continue
		mkdir -p "$st$(dirname "$lib")"
		cp -L "$E2E_CHROOT$lib" "$st$lib"
	done
}

# e2e_initramfs OUT TEST_SCRIPT [MODULE...]: builds a gzip'd cpio with static
# busybox, the kit's /init, TEST_SCRIPT as /e2e/test.sh and the modules (and
# their dependencies, decompressed) for the selected kernel; with
# E2E_INITRAMFS_BINS="PATH ...", those binaries of the chroot too; with
# E2E_INITRAMFS_FILES="HOSTFILE=PATH ...", those host files at PATH (e.g. a
# DDP package at /lib/firmware/intel/ice/ddp/ice.pkg).
e2e_initramfs() {
	local out=$1 script=$2 st f a dst
	shift 2
	e2e_kernel_resolve
	st=$(mktemp -d "$E2E_TMP/initramfs.XXXXXX") || return 1
	mkdir -p "$st"/{bin,dev,proc,sys,tmp,run,e2e,lib/modules}
	cp "$E2E_CHROOT/usr/bin/busybox" "$st/bin/busybox"
	for a in $("$st/bin/busybox" --list); do
		[ "$a" = busybox ] || ln -s busybox "$st/bin/$a"
	done
	cp "$E2E_DIR/guest/init" "$st/init"
	cp "$E2E_DIR/guest/functions.sh" "$st/e2e/functions.sh"
	cp "$script" "$st/e2e/test.sh"
	chmod 755 "$st/init"
	for f in ${E2E_INITRAMFS_BINS:-}; do
		e2e_initramfs_bin "$st" "$f"
	done
	for f in ${E2E_INITRAMFS_FILES:-}; do
		dst=${f#*=}
		case "$dst" in /*) ;; *) e2e_fail "E2E_INITRAMFS_FILES: $f: PATH must be absolute" ;; esac
		mkdir -p "$st$(dirname "$dst")" && cp -L "${f%%=*}" "$st$dst" ||
			e2e_fail "cannot put ${f%%=*} into the initramfs"
	done
	e2e_initramfs_modules "$st" "$st/e2e/modules" "$@"
	(cd "$st" && find . | "$st/bin/busybox" cpio -o -H newc -R 0:0 2>/dev/null) |
		gzip -1 >"$out" || e2e_fail "cannot write the initramfs"
	rm -rf -- "$st"
}

# e2e_initramfs_modules STAGING LIST MODULE...: the modules of the selected
# kernel ($E2E_MODULES) with their dependencies, decompressed, into
# STAGING/lib/modules, their file names in load order into the file LIST.
e2e_initramfs_modules() {
	local st=$1 listf=$2 m a f dst list=() seen=" "
	shift 2
	for m in "$@"; do
		a=$(e2e_module_deps "$m") || e2e_fail "cannot resolve module $m"
		[ -z "$a" ] || mapfile -t -O "${#list[@]}" list <<<"$a"
	done
	: >"$listf"
	for f in "${list[@]}"; do
		case "$seen" in *" $f "*) continue ;; esac
		seen="$seen$f "
		dst=$(basename "$f")
		case "$f" in
		*.ko.xz) dst=${dst%.xz}; xz -dc "$E2E_MODULES/$f" >"$st/lib/modules/$dst" ;;
		*.ko.zst) dst=${dst%.zst}; zstd -qdc "$E2E_MODULES/$f" >"$st/lib/modules/$dst" ;;
		*.ko.gz) dst=${dst%.gz}; gzip -dc "$E2E_MODULES/$f" >"$st/lib/modules/$dst" ;;
		*) cp "$E2E_MODULES/$f" "$st/lib/modules/$dst" ;;
		esac || e2e_fail "cannot unpack module $f"
		echo "$dst" >>"$listf"
	done
}

# ---------------------------------------------------------------- guests

# e2e_vfio_user_dev SOCKET [ID]: the -device argument that attaches a
# vfio-user PCI device served on SOCKET.
e2e_vfio_user_dev() {
	printf '{"driver":"vfio-user-pci","id":"%s","socket":{"type":"unix","path":"%s"}}' \
		"${2:-nic0}" "$1"
}

# e2e_guest_mem_args NAME: sets E2E_MEM_ARGS to guest NAME's RAM: a shared
# backend "mem" of E2E_MEM_MB MiB that vmux can map, chosen by E2E_MEM:
#   memfd          memory-backend-memfd (QEMU seals it; the default)
#   shm            memory-backend-file on /dev/shm/vmux-e2e-PID-NAME
#   hugetlbfs      memory-backend-file on $E2E_HUGETLBFS/NAME, prealloc=on
#                  (e2e_hugepages_reserve and e2e_hugetlbfs_mount first)
#   memfd-hugetlb  memory-backend-memfd with hugetlb=on, 2 MiB pages
# attached with -machine memory-backend=mem or, E2E_MEM_ATTACH=numa, with
# -numa node,memdev=mem. Files it names are removed when the guest ends
# (e2e_guest_wait) and at exit.
e2e_guest_mem_args() {
	local name=$1 mb=${E2E_MEM_MB:-512} obj f
	case "${E2E_MEM:-memfd}" in
	memfd) obj="memory-backend-memfd,id=mem,size=${mb}M,share=on" ;;
	shm)
		f=/dev/shm/vmux-e2e-$$-$name
		rm -f -- "$f"
		E2E_MEMFILES+=("$f")
		obj="memory-backend-file,id=mem,size=${mb}M,mem-path=$f,share=on"
		;;
	hugetlbfs)
		[ -n "$E2E_HUGETLBFS" ] || e2e_fail "E2E_MEM=hugetlbfs: no hugetlbfs mounted (e2e_hugetlbfs_mount)"
		f=$E2E_HUGETLBFS/$name
		rm -f -- "$f"
		E2E_MEMFILES+=("$f")
		obj="memory-backend-file,id=mem,size=${mb}M,mem-path=$f,share=on,prealloc=on"
		;;
	memfd-hugetlb)
		obj="memory-backend-memfd,id=mem,size=${mb}M,share=on,hugetlb=on,hugetlbsize=2M" ;;
	*) e2e_fail "E2E_MEM=$E2E_MEM: not memfd, shm, hugetlbfs or memfd-hugetlb" ;;
	esac
	case "${E2E_MEM_ATTACH:-machine}" in
	machine)
		E2E_MEM_ARGS=(-machine "${E2E_MACHINE:-pc},memory-backend=mem" -object "$obj") ;;
	numa)
		E2E_MEM_ARGS=(-machine "${E2E_MACHINE:-pc}" -object "$obj" -numa "node,memdev=mem") ;;
	*) e2e_fail "E2E_MEM_ATTACH=$E2E_MEM_ATTACH: not machine or numa" ;;
	esac
	E2E_MEM_ARGS+=(-m "${mb}M")
}

# e2e_guest_mem_release NAME: removes guest NAME's RAM file, if it has one
# (its QEMU must have exited), so that its pages are free for the next guest.
e2e_guest_mem_release() {
	local f keep=()
	for f in "${E2E_MEMFILES[@]}"; do
		if [ "$f" = "/dev/shm/vmux-e2e-$$-$1" ] ||
			{ [ -n "$E2E_HUGETLBFS" ] && [ "$f" = "$E2E_HUGETLBFS/$1" ]; }; then
			rm -f -- "$f"
		else
			keep+=("$f")
		fi
	done
	E2E_MEMFILES=("${keep[@]}")
}

# e2e_guest_args NAME INITRD APPEND: the common QEMU arguments for a guest
# (TCG, E2E_SMP CPUs (1), shared RAM that vmux can map, serial console to
# NAME.serial).
e2e_guest_args() {
	e2e_guest_mem_args "$1"
	E2E_GUEST_ARGS=(
		-nodefaults -no-user-config -name "$1"
		-accel tcg "${E2E_MEM_ARGS[@]}" -smp "${E2E_SMP:-1}"
		-display none -no-reboot
		-serial "file:$E2E_TMP/$1.serial"
		-kernel "$E2E_KERNEL" -initrd "$2"
		-append "console=ttyS0 panic=-1 quiet $3"
	)
}

# e2e_guest_start NAME INITRD APPEND [QEMU ARGS...]: boots a guest in the
# background. Its console goes to $E2E_TMP/NAME.serial, QEMU's own output
# to $E2E_TMP/NAME.qemu.log.
e2e_guest_start() {
	local name=$1 initrd=$2 append=$3 pid
	shift 3
	e2e_kernel_resolve
	e2e_guest_args "$name" "$initrd" "$append"
	: >"$E2E_TMP/$name.serial"
	e2e_qemu_cmdline "${E2E_GUEST_ARGS[@]}" "$@" >"$E2E_TMP/$name.cmdline"
	e2e_qemu_argv
	"${E2E_QEMU_ARGV[@]}" "${E2E_GUEST_ARGS[@]}" "$@" \
		</dev/null >"$E2E_TMP/$name.qemu.log" 2>&1 &
	pid=$!
	e2e_track "$name" "$pid"
	E2E_GUEST_T0=$(date +%s%N)
}

# e2e_guest_wait NAME [TIMEOUT]: waits for the guest's QEMU to exit, killing
# it after TIMEOUT seconds. Sets E2E_RESULT (the guest's "PASS" or "FAIL
# reason", or a host-side reason), E2E_QEMU_RC and E2E_GUEST_SECS. Returns 0
# if the guest reported PASS and QEMU exited with status 0.
e2e_guest_wait() {
	local name=$1 t=${2:-$E2E_TIMEOUT} pid deadline line
	pid=${E2E_PIDS[$name]:-}
	[ -n "$pid" ] || { E2E_RESULT="FAIL no guest $name"; return 1; }
	deadline=$(($(date +%s) + t))
	while kill -0 "$pid" 2>/dev/null && [ "$(date +%s)" -lt "$deadline" ]; do
		sleep 0.2
	done
	if kill -0 "$pid" 2>/dev/null; then
		e2e_stop "$name" 2
		E2E_QEMU_RC=timeout
	else
		wait "$pid"
		E2E_QEMU_RC=$?
		unset "E2E_PIDS[$name]"
	fi
	e2e_guest_mem_release "$name"
	E2E_GUEST_SECS=$(e2e_since "$E2E_GUEST_T0")
	line=$(tr -d '\r' <"$E2E_TMP/$name.serial" | grep -a '^E2E-RESULT: ' | tail -n 1)
	E2E_RESULT=${line#E2E-RESULT: }
	if [ "$E2E_QEMU_RC" = timeout ]; then
		E2E_RESULT="FAIL guest timed out after $t s${line:+ (guest said: ${line#E2E-RESULT: })}"
		return 1
	fi
	if [ -z "$line" ]; then
		E2E_RESULT="FAIL no result from the guest (QEMU exit status $E2E_QEMU_RC: $(tail -n 2 "$E2E_TMP/$name.qemu.log" | tr '\n' ' '))"
		return 1
	fi
	[ "$E2E_RESULT" = PASS ] || return 1
	if [ "$E2E_QEMU_RC" -ne 0 ]; then
		E2E_RESULT="FAIL QEMU exited with status $E2E_QEMU_RC"
		return 1
	fi
	return 0
}

# e2e_guest_run NAME INITRD TIMEOUT APPEND [QEMU ARGS...]: start + wait.
e2e_guest_run() {
	local name=$1 initrd=$2 t=$3 append=$4
	shift 4
	e2e_guest_start "$name" "$initrd" "$append" "$@"
	e2e_guest_wait "$name" "$t"
}

# e2e_guest_data NAME KEY: a value the guest reported with e2e_data.
e2e_guest_data() {
	tr -d '\r' <"$E2E_TMP/$1.serial" | sed -n "s/^E2E-DATA: $2=//p" | tail -n 1
}

# e2e_guest_lines NAME: the guest's own report lines (no kernel messages).
e2e_guest_lines() {
	tr -d '\r' <"$E2E_TMP/$1.serial" | grep -a -E '^(E2E-[A-Z]+:|  dmesg:)'
}

# ---------------------------------------------------------------- vmux

# e2e_vmux_start [-n NETNS] NAME ARGS...: starts vmux with ARGS (which must
# contain "-s SOCKET"), output to $E2E_TMP/NAME.log, and waits until SOCKET
# exists. With -n the process runs inside network namespace NETNS.
e2e_vmux_start() {
	local ns='' name sock='' prev='' a pid i
	if [ "$1" = -n ]; then
		ns=$2
		shift 2
	fi
	name=$1
	shift
	for a in "$@"; do
		[ "$prev" = -s ] && sock=$a
		prev=$a
	done
	[ -n "$sock" ] || e2e_fail "e2e_vmux_start: no -s SOCKET"
	[ -x "$E2E_VMUX" ] || e2e_fail "vmux binary not found at $E2E_VMUX (build first)"
	echo "${ns:+ip netns exec $ns }$E2E_VMUX $*" >"$E2E_TMP/$name.cmdline"
	if [ -n "$ns" ]; then
		ip netns exec "$ns" "$E2E_VMUX" "$@" </dev/null >"$E2E_TMP/$name.log" 2>&1 &
	else
		"$E2E_VMUX" "$@" </dev/null >"$E2E_TMP/$name.log" 2>&1 &
	fi
	pid=$!
	e2e_track "$name" "$pid"
	for ((i = 0; i < 100; i++)); do
		[ -S "$sock" ] && return 0
		if ! kill -0 "$pid" 2>/dev/null; then
			wait "$pid"
			e2e_fail "vmux exited with status $? before listening on $sock"
		fi
		sleep 0.1
	done
	e2e_fail "vmux did not create $sock within 10 s"
}

# e2e_alive NAME: true if the tracked process NAME still runs.
e2e_alive() {
	local pid=${E2E_PIDS[$1]:-}
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

# e2e_wait_ready NAME: waits at most E2E_TIMEOUT for guest NAME to report
# ready=1 on its console; true if it did (false at once if QEMU is gone).
e2e_wait_ready() {
	local serial=$E2E_TMP/$1.serial deadline=$(($(date +%s) + E2E_TIMEOUT))

	until grep -qa 'E2E-DATA: ready=1' "$serial"; do
		e2e_alive "$1" || return 1
		[ "$(date +%s)" -lt "$deadline" ] || return 1
		sleep 0.2
	done
}

# e2e_host_pings NAME NS IP: once guest NAME is ready, the host side in
# namespace NS pings IP three times; true (and logged) if it answered.
e2e_host_pings() {
	e2e_wait_ready "$1" &&
		ip netns exec "$2" "$BB" ping -c 3 -W 2 "$3" >"$E2E_TMP/host-ping.log" 2>&1 || return 1
	e2e_log "host pings guest: $(tail -n 1 "$E2E_TMP/host-ping.log")"
}
