#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The DPDK uplink against what a user would otherwise build, in one run, on two
# cores: CPU 1 is the thing in the middle, CPU 0 the far side and the guest
# (bench/dpdk_bench: one polling thread that is the poll-mode e1000 guest and
# the uplink's far side at once). Per frame size (64 and 1518 B):
#
#   vmux, --uplink dpdk:net_memif (client) to dpdk_bench's memif server:
#     VM -> uplink and uplink -> VM, vmux's worker pinned to CPU 1
#   vmux, --uplink tap:dbt0: the same two directions through the tap
#     (dpdk_bench reads what vmux writes from a packet socket on the tap with
#     recvmmsg, or with -c counts the tap's rx_packets and reads nothing: the
#     host stack drops the frames; it writes into the tap with sendmmsg)
#   dpdk_peer fwd on CPU 1 between two memif ports of dpdk_bench: the plain
#     DPDK memif forwarder (the same in both directions)
#
# Prints Mpps over the wall clock and per CPU second of CPU 1's process
# (vmux's worker threads, or the forwarder), and the ratios, into a table.
# Needs root (a network namespace of its own, created and deleted here).
#
#   sudo bench/dpdk_bench.sh            # 3 s per point
#   sudo bench/dpdk_bench.sh -t 5 -s 64
#   sudo bench/dpdk_bench.sh -d poll    # the guest's e1000 with exitless doorbells
#   sudo bench/dpdk_bench.sh -c         # VM -> tap: counted, not read (the older figure)
#
# VMUX_BIN, DPDK_BENCH_BIN, DPDK_PEER_BIN override the binaries (default: build/).
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
VMUX_BIN=${VMUX_BIN:-$root/build/vmux}
DPDK_BENCH_BIN=${DPDK_BENCH_BIN:-$root/build/bench/dpdk_bench}
DPDK_PEER_BIN=${DPDK_PEER_BIN:-$root/build/tests/integration/dpdk/dpdk_peer}
secs=3
sizes="64 1518"
doorbell=trap
tap_far=""
while getopts "t:s:d:ch" opt; do
	case $opt in
	t) secs=$OPTARG ;;
	s) sizes=$OPTARG ;;
	d) doorbell=$OPTARG ;;
	c) tap_far=--tap-count ;;
	*) sed -n 3,28p "$0"; exit 2 ;;
	esac
done

if [ -z "${DPDK_BENCH_IN_NS:-}" ]; then
	[ "$(id -u)" = 0 ] || { echo "dpdk_bench.sh: needs root" >&2; exit 2; }
	DPDK_BENCH_IN_NS=1 exec unshare -n "$0" "$@"
fi
ip link set lo up
echo 1 >/proc/sys/net/ipv6/conf/all/disable_ipv6
echo 1 >/proc/sys/net/ipv6/conf/default/disable_ipv6

work=$(mktemp -d /tmp/vmux-dpdk-bench.XXXXXX)
results=$work/results.txt
: >"$results"
eal_base="--no-huge -m 256 --no-pci --no-telemetry --no-shconf --log-level=error"
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
}
trap cleanup EXIT

wait_for() { # path
	for _ in $(seq 500); do [ -e "$1" ] && return 0; sleep 0.01; done
	echo "dpdk_bench.sh: $1 never appeared" >&2
	return 1
}

point() { # path dir size
	local path=$1 dir=$2 size=$3 d=$work/$1-$2-$3 bpid mid
	mkdir -p "$d"
	case $path in
	memif)
		"$DPDK_BENCH_BIN" --path memif --dir "$dir" --size "$size" --cpu 0 --doorbell "$doorbell" \
			--sock "$d/vm.sock" --pid-file "$d/pid" --secs "$secs" --ready "$d/ready" -- $eal_base -l 0 \
			--file-prefix b --vdev "net_memif0,role=server,socket=$d/memif.sock,socket-abstract=no" \
			>"$d/bench.txt" 2>&1 &
		bpid=$!
		wait_for "$d/ready" || return 1
		"$VMUX_BIN" -q --cores 1 -s "$d/vm.sock" --doorbell "$doorbell" \
			--uplink "dpdk:net_memif0,role=client,socket=$d/memif.sock,socket-abstract=no" \
			2>"$d/vmux.log" &
		mid=$!
		;;
	tap)
		"$VMUX_BIN" -q --cores 1 -s "$d/vm.sock" --doorbell "$doorbell" --uplink tap:dbt0 \
			2>"$d/vmux.log" &
		mid=$!
		wait_for "$d/vm.sock" || return 1
		ip link set dbt0 up
		"$DPDK_BENCH_BIN" --path tap --tap dbt0 $tap_far --dir "$dir" --size "$size" --cpu 0 --doorbell "$doorbell" \
			--sock "$d/vm.sock" --pid-file "$d/pid" --secs "$secs" >"$d/bench.txt" 2>&1 &
		bpid=$!
		;;
	fwd)
		"$DPDK_BENCH_BIN" --path fwd --dir "$dir" --size "$size" --cpu 0 \
			--pid-file "$d/pid" --secs "$secs" --ready "$d/ready" -- $eal_base -l 0 --file-prefix b \
			--vdev "net_memif0,role=server,socket=$d/a.sock,socket-abstract=no" \
			--vdev "net_memif1,role=server,socket=$d/b.sock,socket-abstract=no" \
			>"$d/bench.txt" 2>&1 &
		bpid=$!
		wait_for "$d/ready" || return 1
		"$DPDK_PEER_BIN" fwd -- $eal_base -l 1 --file-prefix f \
			--vdev "net_memif0,role=client,socket=$d/a.sock,socket-abstract=no" \
			--vdev "net_memif1,role=client,socket=$d/b.sock,socket-abstract=no" \
			>"$d/peer.txt" 2>&1 &
		mid=$!
		;;
	esac
	pids=("$bpid" "$mid")
	echo "$mid" >"$d/pid.tmp" && mv "$d/pid.tmp" "$d/pid"
	wait "$bpid"
	kill "$mid" 2>/dev/null
	wait "$mid" 2>/dev/null
	pids=()
	if ! grep '^RESULT' "$d/bench.txt" >>"$results"; then
		echo "dpdk_bench.sh: $path $dir $size: no result" >&2
		cat "$d/bench.txt" "$d/vmux.log" 2>/dev/null | tail -20 >&2
		return 1
	fi
	grep '^RESULT' "$d/bench.txt"
}

echo "doorbells: $doorbell"
echo "VM -> tap: $([ -n "$tap_far" ] && echo "counted in the tap's rx_packets, not read" || echo "read from a packet socket")"
echo "machine: $(nproc) CPUs, $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "git: $(git -C "$root" rev-parse --short HEAD 2>/dev/null)$(git -C "$root" diff --quiet 2>/dev/null || echo +dirty)"
fail=0
retried=0
# A point without a result is run once more: DPDK 22.11's memif driver can
# crash the far side's EAL interrupt thread while a client connects (see
# docs/BENCHMARKS.md); the retries are printed with the table.
point2() {
	point "$@" && return 0
	retried=$((retried + 1))
	echo "dpdk_bench.sh: $1 $2 $3: once more" >&2
	mv "$work/$1-$2-$3" "$work/$1-$2-$3.failed"
	point "$@"
}
for size in $sizes; do
	point2 fwd out "$size" || fail=1
	for dir in out in; do
		point2 memif "$dir" "$size" || fail=1
		point2 tap "$dir" "$size" || fail=1
	done
done
echo "points run twice (no result the first time): $retried"
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)"

python3 - "$results" <<'EOF'
import sys
rows = [dict(f.split("=", 1) for f in l.split()[1:]) for l in open(sys.argv[1]) if l.strip()]
get = lambda p, d, s: next((r for r in rows if r["path"] == p and r["dir"] == d and r["size"] == s), None)
print()
print("| direction | frame | DPDK uplink Mpps (wall) | Mpps / worker core | plain DPDK memif forwarder Mpps / core | ratio | tap uplink Mpps / worker core | ratio | far side idle (DPDK uplink) |")
print("|---|---|---|---|---|---|---|---|---|")
for s in sorted({r["size"] for r in rows}, key=int):
    fwd = get("fwd", "out", s)
    for d, name in (("out", "VM->uplink"), ("in", "uplink->VM")):
        m, t = get("memif", d, s), get("tap", d, s)
        if not m:
            continue
        mc = float(m["mpps_core"])
        fc = float(fwd["mpps_core"]) if fwd else 0
        tc = float(t["mpps_core"]) if t else 0
        print("| %s | %s B | %.3f | %.3f | %.3f | %s | %.3f | %s | %.0f%% |" % (
            name, s, float(m["mpps_wall"]), mc, fc, "%.2f" % (mc / fc) if fc else "-",
            tc, "%.1fx" % (mc / tc) if tc else "-", 100 * float(m["bench_idle"])))
EOF
echo "results and logs: $work"
exit $fail
