# shellcheck shell=bash
# Helpers shared by the real-guest benchmarks (bench/guest_tcp_ping.sh,
# bench/vm2vm.sh). They build on the e2e kit (tests/e2e/lib.sh), which must be
# sourced first; nothing here changes the kit.
#
# What this adds to the kit:
#   bench_guest_start NS NAME INITRD APPEND [QEMU ARGS...]
#       like e2e_guest_start, but QEMU runs inside network namespace NS (so
#       that QEMU's own "-netdev tap" finds a tap made in NS). The PID the kit
#       tracks is still QEMU's own: "ip netns exec" and "env" both exec.
#   bench_wait_serial NAME PATTERN SECONDS
#       waits until the guest's console shows PATTERN (fixed string).
#   bench_ping NS ADDR COUNT INTERVAL OUT
#       COUNT pings from NS; writes one RTT (ms) per line to OUT and prints
#       "sent received".
#   bench_stats FILE      (python) median/min/max of numbers.
#   bench_vmux_counters ROUND CMD...
#       saves vmux's control-socket replies (ports, switch) for the round in
#       $OUT and logs the non-zero loss counters.

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BENCH_BB=$E2E_CHROOT/usr/bin/busybox

bench_guest_start() {
	local ns=$1 name=$2 initrd=$3 append=$4 pid
	shift 4
	e2e_kernel_resolve
	e2e_guest_args "$name" "$initrd" "$append"
	: >"$E2E_TMP/$name.serial"
	{
		printf 'ip netns exec %q ' "$ns"
		e2e_qemu_cmdline "${E2E_GUEST_ARGS[@]}" "$@"
	} >"$E2E_TMP/$name.cmdline"
	e2e_qemu_argv
	ip netns exec "$ns" "${E2E_QEMU_ARGV[@]}" "${E2E_GUEST_ARGS[@]}" "$@" \
		</dev/null >"$E2E_TMP/$name.qemu.log" 2>&1 &
	pid=$!
	e2e_track "$name" "$pid"
	E2E_GUEST_T0=$(date +%s%N)
}

# bench_wait_serial NAME PATTERN SECONDS: 0 once PATTERN shows on the console,
# 1 if the guest exits or SECONDS pass first.
bench_wait_serial() {
	local name=$1 pat=$2 deadline=$(($(date +%s) + $3))
	until grep -qaF -- "$pat" "$E2E_TMP/$name.serial"; do
		e2e_alive "$name" || return 1
		[ "$(date +%s)" -lt "$deadline" ] || return 1
		sleep 0.2
	done
}

# bench_ping NS ADDR COUNT INTERVAL OUT: the RTT of every answered ping, in
# ms, one per line in OUT; prints "SENT RECEIVED".
bench_ping() {
	local ns=$1 addr=$2 count=$3 iv=$4 out=$5 sent recv
	ip netns exec "$ns" "$BENCH_BB" ping -c "$count" -i "$iv" -W 2 "$addr" >"$out.raw" 2>&1
	sed -n 's/.* time=\([0-9.]*\) ms.*/\1/p' "$out.raw" >"$out"
	sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$out.raw")
	recv=$(sed -n 's/.* \([0-9]*\) packets received.*/\1/p' "$out.raw")
	echo "${sent:-0} ${recv:-0}"
}

# bench_stats FILE: "median min max n" of the numbers in FILE (one per line).
bench_stats() {
	python3 - "$1" <<'EOF'
import statistics, sys
v = [float(x) for x in open(sys.argv[1]).read().split()]
if not v:
    print("nan nan nan 0")
else:
    print("%.3f %.3f %.3f %d" % (statistics.median(v), min(v), max(v), len(v)))
EOF
}

# bench_vmux_counters ROUND CMD...: vmux of ROUND was started with
# --control $E2E_TMP/vmux-ROUND.ctl; its counters go to $OUT/vmux-ROUND.CMD.json.
bench_vmux_counters() {
	local r=$1 c ctl=$E2E_TMP/vmux-$1.ctl loss
	shift
	for c in "$@"; do
		python3 "$BENCH_DIR/ctl.py" "$ctl" "$c" >"$OUT/vmux-$r.$c.json" 2>&1 ||
			e2e_err "round $r: vmux's control socket did not answer '$c'"
		loss=$(python3 "$BENCH_DIR/ctl.py" "$ctl" "$c" --losses 2>/dev/null | tr '\n' ' ')
		[ -z "$loss" ] || e2e_log "round $r: vmux $c, non-zero loss counters: $loss"
	done
}

# bench_host_info: the machine, for the report.
bench_host_info() {
	echo "date:    $(date -u +%FT%TZ)"
	echo "host:    $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)," \
		"kernel $(uname -r), TCG (no KVM)"
	echo "load:    $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min at start)"
	echo "qemu:    $(e2e_qemu -version | head -n 1)"
	echo "guest:   $(basename "$E2E_KERNEL"), busybox initramfs, 1 vCPU, 512 MiB"
	echo "vmux:    $E2E_VMUX, built $(date -u -r "$E2E_VMUX" +%FT%TZ); source HEAD" \
		"$(git -C "$E2E_SRCROOT" log -1 --format=%h 2>/dev/null || echo '?')," \
		"$(git -C "$E2E_SRCROOT" status --porcelain -- src 2>/dev/null | wc -l) uncommitted file(s) under src/"
}
