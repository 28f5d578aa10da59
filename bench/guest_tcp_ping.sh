#!/usr/bin/env bash
# Benchmark: guest -> host TCP throughput and host -> guest ping latency of a
# real QEMU 11 guest (TCG) through
#   vmux      - vmux's emulated e1000 (vfio-user-pci), wired to a tap,
#   e810      - vmux's emulated E810 (ice, safe mode), trapped doorbells,
#   e810poll  - the same with exitless doorbells (--doorbell poll), and
#   qemu      - QEMU's own built-in "-device e1000" on "-netdev tap",
# with the same guest kernel, initramfs, MAC and addresses. Each
# configuration has its own network namespace holding its tap (the host end,
# 10.78.0.1/24) and the TCP sink. Rounds alternate the order (vmux first in
# odd rounds, qemu first in even ones) so that drift in the machine's load
# hits both alike. Every round boots a fresh guest (and a fresh vmux).
#
# Per round and configuration:
#   ping  COUNT host->guest pings at INTERVAL s (busybox ping, host clock),
#         after 3 warm-up pings; RTT median/avg per round.
#   tcp   the guest sends zeros with busybox nc; the host (bench/tcp_sink.py)
#         times the first to the last of BYTES and reports MB/s (10^6 B/s).
#   traps for vmux's devices: the trapped register accesses (vfio-user
#         REGION_READ + REGION_WRITE, each a VM exit) and the frames both ways
#         from the gate's opening to the sink's last byte (vmuxctl counters
#         sampled at both ends), reported per 1000 frames.
#
#   bench/guest_tcp_ping.sh [-r ROUNDS] [-m MIB] [-c PINGS] [-i INTERVAL] [-o DIR]
#     -r ROUNDS    rounds (default 5); each runs both configurations
#     -m MIB       MiB to send per transfer (default 256)
#     -c PINGS     pings per round (default 50), -i INTERVAL seconds (default 0.05)
#     -o DIR       where results and logs go (default /tmp/vmux-bench-guest_tcp_ping-DATE)
#     -q ARGS      extra options for QEMU's -netdev tap (e.g. "vnet_hdr=off")
#     -x ARGS      extra vmux options (e.g. "--workers 1 --doorbell poll")
#     -t CONFIGS   configurations to run (default "vmux qemu"; one alone is for
#                  debugging: no ratio then)
# Needs root; uses the e2e kit (tests/e2e/lib.sh) for the chroot with QEMU
# 11, the guest kernel and initramfs. VMUX_BIN picks the vmux binary
# (default <source>/build/vmux); the kit's other variables apply too.
# Exit 0 when every round produced figures, 1 otherwise.
set -u
# shellcheck source=../tests/e2e/lib.sh
. "$(dirname "$0")/../tests/e2e/lib.sh"
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

ROUNDS=5
MIB=256
PINGS=50
INTERVAL=0.05
OUT=
QEMU_TAP_OPTS=
VMUX_OPTS=
CONFIGS="vmux qemu"
while getopts r:m:c:i:o:q:t:x: opt; do
	case $opt in
	r) ROUNDS=$OPTARG ;;
	m) MIB=$OPTARG ;;
	c) PINGS=$OPTARG ;;
	i) INTERVAL=$OPTARG ;;
	o) OUT=$OPTARG ;;
	q) QEMU_TAP_OPTS=,$OPTARG ;;
	t) CONFIGS=$OPTARG ;;
	x) VMUX_OPTS=$OPTARG ;;
	*) sed -n '2,/^set -u/p' "$0" | sed '$d'; exit 2 ;;
	esac
done
read -r -a VMUX_ARGS <<<"$VMUX_OPTS"
BYTES=$((MIB * 1024 * 1024))
HOST_IP=10.78.0.1
GUEST_IP=10.78.0.2
MAC=52:54:00:be:0c:01
GATE=5000
PORT=5001
OUT=${OUT:-/tmp/vmux-bench-guest_tcp_ping-$(date +%Y%m%d-%H%M%S)}

e2e_init
[ -x "$E2E_VMUX" ] || e2e_fail "vmux binary not found at $E2E_VMUX (build it, or set VMUX_BIN)"
command -v python3 >/dev/null || e2e_fail "python3 is missing"
e2e_chroot_ensure
e2e_qemu_usable || e2e_skip "QEMU from $E2E_CHROOT cannot run on this machine"
mkdir -p "$OUT" || e2e_fail "cannot create $OUT"

initrd=$E2E_TMP/initrd.cpio.gz
e2e_initramfs "$initrd" "$BENCH_DIR/guest/to_host.sh" e1000 ice
bench_host_info | tee "$OUT/info.txt"
{
	echo "bench:   guest_tcp_ping, $ROUNDS rounds, $MIB MiB guest->host per transfer," \
		"$PINGS pings at ${INTERVAL}s"
	echo "command: $0 $*"
} | tee -a "$OUT/info.txt"

declare -A NS=()
for cfg in $CONFIGS; do
	case $cfg in
	vmux | e810 | e810poll | qemu) ;;
	*) e2e_fail "unknown configuration '$cfg' (vmux, e810, e810poll, qemu)" ;;
	esac
	e2e_netns_add "$cfg" || e2e_fail "cannot create a network namespace"
	NS[$cfg]=$E2E_NS
	ip -n "$E2E_NS" tuntap add dev tap0 mode tap || e2e_fail "cannot create tap0 in $E2E_NS"
	ip -n "$E2E_NS" addr add "$HOST_IP/24" dev tap0
	ip -n "$E2E_NS" link set tap0 up
done

# One line per configuration and round in results.txt:
#   CFG ROUND MBPS SECONDS MAX_GAP_S PING_MEDIAN_MS PING_AVG_MS PING_SENT PING_RECV TRAPS FRAMES
# (TRAPS and FRAMES: during the transfer, vmux configurations only; else -1)
RES=$OUT/results.txt
: >"$RES"
FAILED=0

# traps_frames ROUND: "TRAPS FRAMES" of dev0 so far (REGION_READ + REGION_WRITE; TX + RX frames)
traps_frames() {
	local ctl=$E2E_TMP/vmux-$1.ctl c
	c() { python3 "$E2E_DIR/ctl.py" "$ctl" ports dev0 "$1" 2>/dev/null || echo 0; }
	echo "$(($(c vfio_user.region_reads) + $(c vfio_user.region_writes)))" \
		"$(($(c device.tx_pkts) + $(c device.rx_pkts)))"
}

# run_one CFG ROUND
run_one() {
	local cfg=$1 r=$2 ns=${NS[$1]} g="g-$1-$2" dev=() sink pings sent recv med avg
	local tput secs gap ok t0=-1 f0=-1 t1=-1 f1=-1 traps=-1 frames=-1 i mode=() tr=''
	case $cfg in
	vmux) mode=(-m e1000-emu) ;;
	e810) mode=(-m e810-emu --queues 1 --doorbell trap) ;;
	e810poll) mode=(-m e810-emu --queues 1 --doorbell poll) ;;
	esac
	sink=$E2E_TMP/$g.sink.json
	rm -f "$sink"
	ip netns exec "$ns" python3 "$BENCH_DIR/tcp_sink.py" sink "$PORT" "$BYTES" "$sink" 600 \
		>"$E2E_TMP/$g.sink.log" 2>&1 &
	e2e_track "sink-$g" $!
	if [ "$cfg" != qemu ]; then
		e2e_vmux_start -n "$ns" "vmux-$r" -q --control "$E2E_TMP/vmux-$r.ctl" \
			-s "$E2E_TMP/vmux-$r.sock" "${mode[@]}" -t tap0 -b "$MAC" "${VMUX_ARGS[@]}"
		dev=(-device "$(e2e_vfio_user_dev "$E2E_TMP/vmux-$r.sock")")
	else
		dev=(-netdev "tap,id=n0,ifname=tap0,script=no,downscript=no$QEMU_TAP_OPTS"
			-device "e1000,netdev=n0,mac=$MAC")
	fi
	bench_guest_start "$ns" "$g" "$initrd" \
		"e2e.ip=$GUEST_IP e2e.host=$HOST_IP e2e.gate=$GATE e2e.port=$PORT" "${dev[@]}"
	if ! bench_wait_serial "$g" 'E2E-DATA: ready=1' "$E2E_TIMEOUT"; then
		e2e_err "$cfg round $r: the guest did not come up"
		return 1
	fi
	# warm-up (ARP, caches), then the measured pings
	bench_ping "$ns" "$GUEST_IP" 3 0.2 "$E2E_TMP/$g.warm" >/dev/null
	pings=$E2E_TMP/$g.ping
	read -r sent recv < <(bench_ping "$ns" "$GUEST_IP" "$PINGS" "$INTERVAL" "$pings")
	[ "$cfg" = qemu ] || read -r t0 f0 < <(traps_frames "$r")
	ip netns exec "$ns" python3 "$BENCH_DIR/tcp_sink.py" gate "$GATE" 120 \
		>"$E2E_TMP/$g.gate.log" 2>&1 &
	e2e_track "gate-$g" $!
	if [ "$cfg" != qemu ]; then
		# the sink writes its result once it has every byte: the transfer's end
		for ((i = 0; i < 6000; i++)); do
			[ -s "$sink" ] && break
			e2e_alive "$g" || break
			sleep 0.1
		done
		read -r t1 f1 < <(traps_frames "$r")
		traps=$((t1 - t0))
		frames=$((f1 - f0))
	fi
	e2e_guest_wait "$g" "$E2E_TIMEOUT" || e2e_err "$cfg round $r: guest: $E2E_RESULT"
	e2e_stop "gate-$g" 1
	e2e_stop "sink-$g" 5
	if [ "$cfg" != qemu ]; then
		bench_vmux_counters "$r" ports
		e2e_alive "vmux-$r" || { e2e_err "vmux died in round $r"; FAILED=1; }
		e2e_stop "vmux-$r" 5
		cp "$E2E_TMP/vmux-$r.log" "$OUT/" 2>/dev/null
	fi
	cp "$E2E_TMP/$g.serial" "$pings.raw" "$OUT/" 2>/dev/null
	read -r med _ _ _ < <(bench_stats "$pings")
	avg=$(python3 -c 'import sys; v=[float(x) for x in open(sys.argv[1]).read().split()]; print("%.3f" % (sum(v)/len(v)) if v else "nan")' "$pings")
	if [ ! -s "$sink" ]; then
		e2e_err "$cfg round $r: no TCP result"
		return 1
	fi
	read -r tput secs gap ok < <(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["mbps"], d["seconds"], d["max_gap_s"], int(d["complete"]))' "$sink")
	cp "$sink" "$OUT/"
	[ "$ok" = 1 ] || { e2e_err "$cfg round $r: the transfer was cut short"; return 1; }
	echo "$cfg $r $tput $secs $gap $med $avg $sent $recv $traps $frames" >>"$RES"
	[ "$frames" -gt 0 ] &&
		tr="; $traps trapped accesses for $frames frames: $(awk -v t="$traps" -v f="$frames" 'BEGIN {printf "%.1f", t * 1000 / f}') per 1000"
	e2e_log "round $r $cfg: tcp $tput MB/s ($secs s, longest gap $gap s)," \
		"ping median $med ms avg $avg ms ($recv/$sent)$tr"
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
