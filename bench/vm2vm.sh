#!/usr/bin/env bash
# Benchmark: VM <-> VM TCP throughput and ping latency between two real QEMU 11
# guests (TCG) on one L2 segment, through
#   vmux  - one vmux serving both guests' emulated e1000s on its internal
#           switch ("vmux --uplink tap:up0 -s S1 -s S2"; the uplink tap is up
#           but idle): guest-to-guest frames never leave vmux;
#   qemu  - QEMU's own built-in "-device e1000" in both guests, each on its own
#           tap, the two taps in a Linux bridge in a network namespace.
# Same guest kernel, initramfs, MACs and addresses for both. Rounds alternate
# the order (vmux first in odd rounds). Each round boots two fresh guests
# (and a fresh vmux) at the same time.
#
# Per round and configuration (both measured inside the guests, by the guest
# clock; the host cannot see VM-to-VM traffic inside vmux):
#   ping  guest A pings guest B: 3 warm-up pings, then PINGS at INTERVAL s.
#   tcp   A sends zeros (busybox nc) to B, which times its first to its last
#         of BYTES by /proc/uptime (10 ms resolution) and closes.
#
#   bench/vm2vm.sh [-r ROUNDS] [-m MIB] [-c PINGS] [-i INTERVAL] [-o DIR]
#     -r ROUNDS    rounds (default 5); each runs both configurations
#     -m MIB       MiB per transfer (default 64: two TCG guests on a small
#                  machine are slow)
#     -c PINGS     pings per round (default 50), -i INTERVAL seconds (default 0.05)
#     -o DIR       where results and logs go (default /tmp/vmux-bench-vm2vm-DATE)
#     -q ARGS      extra options for QEMU's -netdev tap (e.g. "vnet_hdr=off")
#     -t CONFIGS   configurations to run (default "vmux qemu"; one alone is for
#                  debugging: no ratio then)
# Needs root; uses the e2e kit (tests/e2e/lib.sh). VMUX_BIN picks the vmux
# binary (default <source>/build/vmux). Exit 0 when every round produced
# figures, 1 otherwise.
set -u
# shellcheck source=../tests/e2e/lib.sh
. "$(dirname "$0")/../tests/e2e/lib.sh"
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

ROUNDS=5
MIB=64
PINGS=50
INTERVAL=0.05
OUT=
QEMU_TAP_OPTS=
CONFIGS="vmux qemu"
while getopts r:m:c:i:o:q:t: opt; do
	case $opt in
	r) ROUNDS=$OPTARG ;;
	m) MIB=$OPTARG ;;
	c) PINGS=$OPTARG ;;
	i) INTERVAL=$OPTARG ;;
	o) OUT=$OPTARG ;;
	q) QEMU_TAP_OPTS=,$OPTARG ;;
	t) CONFIGS=$OPTARG ;;
	*) sed -n '2,/^set -u/p' "$0" | sed '$d'; exit 2 ;;
	esac
done
BYTES=$((MIB * 1024 * 1024))
IP_A=10.79.0.1
IP_B=10.79.0.2
MAC_A=52:54:00:be:0c:0a
MAC_B=52:54:00:be:0c:0b
PORT=5001
OUT=${OUT:-/tmp/vmux-bench-vm2vm-$(date +%Y%m%d-%H%M%S)}

e2e_init
[ -x "$E2E_VMUX" ] || e2e_fail "vmux binary not found at $E2E_VMUX (build it, or set VMUX_BIN)"
command -v python3 >/dev/null || e2e_fail "python3 is missing"
e2e_chroot_ensure
e2e_qemu_usable || e2e_skip "QEMU from $E2E_CHROOT cannot run on this machine"
mkdir -p "$OUT" || e2e_fail "cannot create $OUT"

initrd=$E2E_TMP/initrd.cpio.gz
e2e_initramfs "$initrd" "$BENCH_DIR/guest/vm2vm.sh" e1000
bench_host_info | tee "$OUT/info.txt"
{
	echo "bench:   vm2vm, $ROUNDS rounds, $MIB MiB A->B per transfer," \
		"$PINGS pings A->B at ${INTERVAL}s"
	echo "command: $0 $*"
} | tee -a "$OUT/info.txt"

declare -A NS=()
e2e_netns_add vmux || e2e_fail "cannot create a network namespace"
NS[vmux]=$E2E_NS
ip -n "$E2E_NS" tuntap add dev up0 mode tap || e2e_fail "cannot create up0"
ip -n "$E2E_NS" link set up0 up
e2e_netns_add qemu || e2e_fail "cannot create a network namespace"
NS[qemu]=$E2E_NS
ip -n "$E2E_NS" link add br0 type bridge forward_delay 0 stp_state 0 ||
	e2e_fail "cannot create a bridge"
ip -n "$E2E_NS" link set br0 up
for t in tapa tapb; do
	ip -n "$E2E_NS" tuntap add dev "$t" mode tap || e2e_fail "cannot create $t"
	ip -n "$E2E_NS" link set "$t" master br0
	ip -n "$E2E_NS" link set "$t" up
done

# One line per configuration and round in results.txt (as guest_tcp_ping.sh;
# no stall figure here: nan):
#   CFG ROUND MBPS SECONDS MAX_GAP_S PING_MEDIAN_MS PING_AVG_MS PING_SENT PING_RECV
RES=$OUT/results.txt
: >"$RES"
FAILED=0

# run_one CFG ROUND
run_one() {
	local cfg=$1 r=$2 ns=${NS[$1]} a="a-$1-$2" b="b-$1-$2" da=() db=() ok=0
	local common="e2e.port=$PORT e2e.bytes=$BYTES e2e.pings=$PINGS e2e.interval=$INTERVAL"
	local n secs pings sent recv med avg tput
	if [ "$cfg" = vmux ]; then
		e2e_vmux_start -n "$ns" "vmux-$r" -q --control "$E2E_TMP/vmux-$r.ctl" --uplink tap:up0 \
			-s "$E2E_TMP/vmux-$r-a.sock" --mac "$MAC_A" \
			-s "$E2E_TMP/vmux-$r-b.sock" --mac "$MAC_B"
		# e2e_vmux_start waits for the last socket named; wait for both
		for ((n = 0; n < 100; n++)); do
			[ -S "$E2E_TMP/vmux-$r-a.sock" ] && break
			sleep 0.1
		done
		da=(-device "$(e2e_vfio_user_dev "$E2E_TMP/vmux-$r-a.sock")")
		db=(-device "$(e2e_vfio_user_dev "$E2E_TMP/vmux-$r-b.sock")")
	else
		da=(-netdev "tap,id=n0,ifname=tapa,script=no,downscript=no$QEMU_TAP_OPTS"
			-device "e1000,netdev=n0,mac=$MAC_A")
		db=(-netdev "tap,id=n0,ifname=tapb,script=no,downscript=no$QEMU_TAP_OPTS"
			-device "e1000,netdev=n0,mac=$MAC_B")
	fi
	bench_guest_start "$ns" "$b" "$initrd" \
		"e2e.role=rx e2e.ip=$IP_B e2e.peer=$IP_A $common" "${db[@]}"
	bench_guest_start "$ns" "$a" "$initrd" \
		"e2e.role=tx e2e.ip=$IP_A e2e.peer=$IP_B $common" "${da[@]}"
	e2e_guest_wait "$b" "$E2E_TIMEOUT" || { e2e_err "$cfg round $r: guest B: $E2E_RESULT"; ok=1; }
	e2e_guest_wait "$a" 30 || { e2e_err "$cfg round $r: guest A: $E2E_RESULT"; ok=1; }
	if [ "$cfg" = vmux ]; then
		bench_vmux_counters "$r" ports switch
		e2e_alive "vmux-$r" || { e2e_err "vmux died in round $r"; FAILED=1; }
		e2e_stop "vmux-$r" 5
		cp "$E2E_TMP/vmux-$r.log" "$OUT/" 2>/dev/null
	fi
	cp "$E2E_TMP/$a.serial" "$E2E_TMP/$b.serial" "$OUT/" 2>/dev/null
	[ "$ok" = 0 ] || return 1
	n=$(e2e_guest_data "$b" rx_bytes)
	secs=$(e2e_guest_data "$b" rx_secs)
	pings=$E2E_TMP/$a.ping
	e2e_guest_data "$a" ping_rtts | tr ' ' '\n' | sed '/^$/d' >"$pings"
	sent=$(e2e_guest_data "$a" ping_sent)
	recv=$(e2e_guest_data "$a" ping_recv)
	read -r med _ _ _ < <(bench_stats "$pings")
	avg=$(python3 -c 'import sys; v=[float(x) for x in open(sys.argv[1]).read().split()]; print("%.3f" % (sum(v)/len(v)) if v else "nan")' "$pings")
	tput=$(python3 -c 'import sys; n, s = int(sys.argv[1]), float(sys.argv[2]); print("%.3f" % (n / s / 1e6) if s > 0 else "nan")' "$n" "$secs")
	echo "$cfg $r $tput $secs nan $med $avg ${sent:-0} ${recv:-0}" >>"$RES"
	e2e_log "round $r $cfg: tcp $tput MB/s ($n B in $secs s, guest clock)," \
		"ping median $med ms avg $avg ms (${recv:-0}/${sent:-0})"
}

for ((r = 1; r <= ROUNDS; r++)); do
	order=$CONFIGS
	((r % 2)) || order=$(echo "$CONFIGS" | tr ' ' '\n' | tac | tr '\n' ' ')
	for cfg in $order; do
		run_one "$cfg" "$r" || FAILED=1
	done
done

echo "end:     $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/info.txt"
python3 "$BENCH_DIR/summary.py" "$RES" | tee "$OUT/summary.txt"
e2e_log "results in $OUT"
E2E_DONE=1
exit "$FAILED"
