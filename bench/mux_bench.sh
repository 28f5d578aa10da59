#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Multiplexing without QEMU: N poll-mode guests (bench/mux_bench, the in-tree
# vfio-user client with the e1kg driver) on one real vmux process
# (build/vmux), VM->VM through its switch and VM->uplink to a tap, for every
# frame size and N asked. Each point starts a fresh vmux with N e1000-emu
# devices on the switch and the tap uplink, inside a network namespace this
# script creates and deletes; the tap is up with no addresses, and frames vmux
# writes to it are counted from its statistics inside the namespace.
#
# Prints, per point, Mpps per vmux worker core and the ratio to a memcpy
# ring-to-ring loop measured in the same run (just before the point), and
# vmux's resident memory per guest. Once per frame size, before its points,
# it also measures the handoff bound (mux_bench --handoff-only: a guest thread
# on CPU 0 and a device thread on CPU 1 moving frames between e1000-shaped
# rings with nothing but the copies) and prints the ratio to that too. Needs
# root.
#
#   sudo bench/mux_bench.sh            # the full matrix (18 points, 5-6 minutes)
#   sudo bench/mux_bench.sh -q         # quick: N in 2 8 64, 1.5 s per point
#   sudo bench/mux_bench.sh -n "2 64" -s 64 -m vm2vm -t 5
#
# Options: -n LIST guests, -s LIST frame sizes, -m LIST modes (vm2vm uplink),
# -t SECS per point, -b FRAMES per TX doorbell, -P do not pin (default: vmux's
# worker on CPU 1, the guests' thread on CPU 0), -o DIR results and logs,
# -x ARGS more mux_bench options (e.g. --secrc), -d MODE doorbells (trap, the
# default, or poll: vmux's devices with --doorbell poll, the guests store on
# the doorbell page), -c LIST vmux's workers on these CPUs (default 1; e.g.
# 0,1: devices go round robin, so each VM->VM pair crosses between workers),
# -M NIC the guests' NIC: e1000 (default) or e810 (e810g guests on
# e810-emu devices with one queue pair; -d applies to them too), -q quick.
# VMUX_BIN and MUX_BENCH_BIN override the binaries (default: build/);
# E810_QUEUES the e810-emu devices' --queues (default 1; 4 for -x --e810-rss).
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
VMUX_BIN=${VMUX_BIN:-$root/build/vmux}
MUX_BENCH_BIN=${MUX_BENCH_BIN:-$root/build/bench/mux_bench}

ns_list="1 2 8 32 64"
sizes="64 1518"
modes="vm2vm uplink"
secs=3
batch=32
pin=1
extra=""
out=""
doorbell=trap
cores=1
nic=e1000

while getopts "n:s:m:t:b:Po:x:d:c:M:qh" opt; do
	case $opt in
	n) ns_list=$OPTARG ;;
	s) sizes=$OPTARG ;;
	m) modes=$OPTARG ;;
	t) secs=$OPTARG ;;
	b) batch=$OPTARG ;;
	P) pin=0 ;;
	o) out=$OPTARG ;;
	x) extra=$OPTARG ;;
	d) doorbell=$OPTARG ;;
	c) cores=$OPTARG ;;
	M) nic=$OPTARG ;;
	q) ns_list="2 8 64"; secs=1.5 ;;
	h) sed -n '3,33p' "$0"; exit 0 ;;
	*) exit 2 ;;
	esac
done

[ "$(id -u)" = 0 ] || { echo "mux_bench.sh: needs root (network namespace, tap)" >&2; exit 2; }
for b in "$VMUX_BIN" "$MUX_BENCH_BIN"; do
	[ -x "$b" ] || { echo "mux_bench.sh: $b missing; build first (ninja -C build)" >&2; exit 2; }
done
out=${out:-/tmp/vmux-bench-mux-$(date -u +%Y%m%d-%H%M%S)}
mkdir -p "$out"

ns=vmuxmb$$
tap=vmb0
vmux_pid=""
work=""

cleanup() {
	if [ -n "$vmux_pid" ] && kill -0 "$vmux_pid" 2>/dev/null; then
		kill "$vmux_pid" 2>/dev/null
		wait "$vmux_pid" 2>/dev/null
	fi
	[ -n "$work" ] && rm -rf "$work"
	ip netns del "$ns" 2>/dev/null
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ip netns add "$ns" || exit 1
ip -n "$ns" link set lo up
ip netns exec "$ns" ip tuntap add dev "$tap" mode tap || exit 1
# Nothing of the host's own should go out of the tap (IPv6 autoconfiguration).
ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$tap.disable_ipv6=1"
ip -n "$ns" link set "$tap" up

vmux_cpu=""; bench_cpu=""
if [ "$pin" = 1 ] && [ "$(nproc)" -ge 2 ]; then
	vmux_cpu="--cores $cores"; bench_cpu="--cpu 0"
else
	vmux_cpu="--workers 1"
fi

{
	echo "date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
	echo "command: $0 $*"
	echo "host: $(uname -srm), nproc $(nproc), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-)"
	echo "nic: $nic"
	echo "commit: $(git -C "$root" rev-parse --short HEAD 2>/dev/null)"
	echo "load at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$out/info.txt"

run_point() { # mode size n
	local mode=$1 size=$2 n=$3 i devs=() tag="$1-$2-$3"
	work=$(mktemp -d /tmp/vmux-mb.XXXXXX)
	for ((i = 0; i < n; i++)); do
		if [ "$nic" = e810 ]; then
			devs+=(-s "$work/vm$i.sock" -m e810-emu --queues "${E810_QUEUES:-1}" --doorbell "$doorbell")
		else
			devs+=(-s "$work/vm$i.sock" -m e1000-emu --doorbell "$doorbell")
		fi
	done
	# ip netns exec execs vmux in place: $! is vmux itself.
	# shellcheck disable=SC2086
	ip netns exec "$ns" "$VMUX_BIN" --uplink "tap:$tap" $vmux_cpu --control "$work/ctl" -q \
		"${devs[@]}" >"$out/vmux-$tag.log" 2>&1 &
	vmux_pid=$!
	for ((i = 0; i < 100; i++)); do
		[ -S "$work/ctl" ] && [ -S "$work/vm$((n - 1)).sock" ] && break
		sleep 0.05
	done
	if ! [ -S "$work/ctl" ]; then
		echo "mux_bench.sh: vmux did not come up ($tag)" >&2
		cat "$out/vmux-$tag.log" >&2
		return 1
	fi
	# shellcheck disable=SC2086
	ip netns exec "$ns" "$MUX_BENCH_BIN" --pid "$vmux_pid" --sockets "$work" -n "$n" -S "$size" \
		-m "$mode" -t "$secs" -b "$batch" --tap "$tap" --doorbell "$doorbell" --nic "$nic" $bench_cpu $extra \
		>"$out/bench-$tag.txt" 2>&1
	local rc=$?
	python3 "$here/ctl.py" "$work/ctl" switch >"$out/switch-$tag.json" 2>/dev/null
	python3 "$here/ctl.py" "$work/ctl" ports --losses >"$out/losses-$tag.txt" 2>/dev/null
	kill "$vmux_pid" 2>/dev/null
	wait "$vmux_pid" 2>/dev/null
	vmux_pid=""
	rm -rf "$work"
	work=""
	grep -v '^RESULT' "$out/bench-$tag.txt"
	if grep -q = "$out/losses-$tag.txt" 2>/dev/null; then
		echo "  vmux loss counters: $(tr '\n' ' ' <"$out/losses-$tag.txt")"
	fi
	grep '^RESULT' "$out/bench-$tag.txt" >>"$out/results.txt"
	return $rc
}

fail=0
declare -A handoff=()
for size in $sizes; do
	if [ -n "$bench_cpu" ]; then
		line=$("$MUX_BENCH_BIN" --handoff-only -S "$size" -B 1 --cpu 0 --device-cpu 1 2>&1)
		echo "$line" | grep -v '^RESULT'
		handoff[$size]=$(echo "$line" | sed -n 's/^RESULT .*handoff_mpps_core=\([0-9.]*\).*/\1/p')
		echo "$size ${handoff[$size]:-0}" >>"$out/handoff.txt"
	fi
done
for mode in $modes; do
	for size in $sizes; do
		for n in $ns_list; do
			if [ "$mode" = vm2vm ] && [ $((n % 2)) = 1 ]; then
				echo "VM->VM needs pairs: N=$n skipped"
				continue
			fi
			run_point "$mode" "$size" "$n" || fail=1
		done
	done
done
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/info.txt"

# The table (from the RESULT lines).
touch "$out/handoff.txt"
python3 - "$out/results.txt" "$out/handoff.txt" <<'EOF' | tee "$out/summary.txt"
import sys
handoff = dict(l.split() for l in open(sys.argv[2]) if l.strip())
rows = []
for line in open(sys.argv[1]):
    kv = dict(f.split("=", 1) for f in line.split()[1:])
    rows.append(kv)
print()
print("| mode | frame | N | Mpps (wall) | vmux worker CPU s | Mpps / worker core | memcpy Mpps / core | ratio | handoff Mpps / core | ratio to handoff | taken from TX, Mpps / core | delivered / taken | frames / TDT | guests idle | vmux page faults | vmux RSS per guest KiB (anon) | load |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
for r in rows:
    sent = int(r["sent"])
    ho = float(handoff.get(r["size"], "0"))
    print("| %s | %s B | %s | %.3f | %.2f | %.3f | %.1f | %.4f | %s | %s | %.3f | %.0f%% | %.1f | %.0f%% | %s | %s (%s) | %s |" % (
        "VM->VM" if r["mode"] == "vm2vm" else "VM->uplink", r["size"], r["n"],
        float(r["mpps_wall"]), float(r["worker_cpu_s"]), float(r["mpps_core"]),
        float(r["memcpy_mpps_core"]), float(r["ratio"]),
        "%.2f" % ho if ho else "-", "%.3f" % (float(r["mpps_core"]) / ho) if ho else "-",
        float(r["mpps_core_taken"]),
        100.0 * int(r["delivered"]) / sent if sent else 0, float(r["frames_per_tdt"]),
        100 * float(r["guest_idle"]), r["minflt"], r["rss_per_vm_kb"], r["anon_per_vm_kb"],
        r["load"]))
EOF
echo "results and logs: $out"
exit $fail
