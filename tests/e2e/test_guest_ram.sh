#!/usr/bin/env bash
# e2e: guest RAM from each QEMU memory backend vmux is meant to serve. For each
# case a stock e1000 guest on vmux's 82540EM: link up, ping both ways, 4 MiB
# over TCP each way with matching sha256. vmux must have mapped the guest's RAM
# from that backend (its /proc/PID/smaps shows the file, with 2 MiB pages for
# the hugepage cases), refused no DMA_MAP, and moved the frames (its port
# counters).
#
#   case           QEMU guest RAM                                    attached by
#   memfd          memory-backend-memfd,share=on                     -numa node,memdev=
#   shm            memory-backend-file,mem-path=/dev/shm/...,share=on  -machine memory-backend=
#   hugetlbfs      memory-backend-file on a hugetlbfs mount made here, -machine memory-backend=
#                  share=on,prealloc=on
#   memfd-hugetlb  memory-backend-memfd,share=on,hugetlb=on,hugetlbsize=2M  -machine memory-backend=
#
# The hugepage cases add the pages one guest needs to the 2 MiB pool
# (nr_hugepages; given back at exit) and mount hugetlbfs on a temp dir
# (unmounted at exit). Where the kernel does not hand out the pages, those
# cases are skipped with a "SKIP: hugepage cases: ..." line; the others still
# run and decide.
#
#   tests/e2e/test_guest_ram.sh                   # all four cases
#   tests/e2e/test_guest_ram.sh memfd shm         # some of them
# Exit 0 if every case that ran passed (1 if one failed); 77 only when no case
# could run. Environment: see tests/e2e/lib.sh; GUEST_RAM_MB (default 96;
# 64 does not boot the chroot's kernel).
set -u
. "$(dirname "$0")/lib.sh"

HOST_IP=10.81.0.1
GUEST_IP=10.81.0.2
MAC=52:54:00:e2:e0:30
BYTES=$((4 * 1024 * 1024))
MB=${GUEST_RAM_MB:-96}
# The pages of one guest and a little: the hugepage cases run one at a time
# and a guest's file is removed when it ends.
HP_PAGES=$((MB / 2 + 4))

ALL_CASES=(memfd shm hugetlbfs memfd-hugetlb)
declare -A MEM=([memfd]=memfd [shm]=shm [hugetlbfs]=hugetlbfs [memfd-hugetlb]=memfd-hugetlb)
declare -A ATTACH=([memfd]=numa [shm]=machine [hugetlbfs]=machine [memfd-hugetlb]=machine)
CASES=("$@")
[ ${#CASES[@]} -gt 0 ] || CASES=("${ALL_CASES[@]}")
for c in "${CASES[@]}"; do
	[ -n "${MEM[$c]:-}" ] || {
		echo "usage: $0 [${ALL_CASES[*]}]..." >&2
		exit 1
	}
done

e2e_guest_test_init
CTL() { python3 "$E2E_DIR/ctl.py" "$1" "${@:2}"; }
T0=$(date +%s%N)

declare -A VERDICT=()  # case -> "PASS ...", "FAIL ..." or "SKIP ..."
HP_SKIP=

# Huge pages for the hugepage cases, once.
need_hp=0
for c in "${CASES[@]}"; do
	case "$c" in hugetlbfs | memfd-hugetlb) need_hp=1 ;; esac
done
if [ "$need_hp" = 1 ]; then
	if ! e2e_hugepages_reserve "$HP_PAGES"; then
		HP_SKIP="cannot reserve $HP_PAGES pages of 2 MiB: $E2E_HP_WHY"
	elif ! e2e_hugetlbfs_mount; then
		VERDICT[hugetlbfs]="SKIP cannot mount hugetlbfs (pagesize=2M)"
	fi
fi

initrd=$E2E_TMP/initrd.cpio.gz
e2e_initramfs "$initrd" "$E2E_DIR/guest/ram.sh" e1000
e2e_netns_add ram || e2e_fail "cannot create a network namespace"
ns=$E2E_NS
ip -n "$ns" tuntap add dev tap0 mode tap || e2e_fail "cannot create tap0 in $ns"
ip -n "$ns" addr add "$HOST_IP/24" dev tap0
ip -n "$ns" link set tap0 up
head -c "$BYTES" /dev/urandom >"$E2E_TMP/host-data"
rxsha=$(sha256sum "$E2E_TMP/host-data" | cut -d' ' -f1)

# vmux_maps PID PATTERN PAGE_KB: KiB of PID's mappings whose path matches
# PATTERN (awk regex) and whose pages are PAGE_KB KiB (smaps KernelPageSize).
vmux_maps() {
	awk -v pat="$2" -v want="$3" '
		function flush() { if (on && ps == want) kb += size; on = 0 }
		/^[0-9a-f]+-[0-9a-f]+ / { flush(); on = ($6 != "" && $0 ~ pat); size = 0; ps = 0 }
		on && /^Size:/ { size = $2 }
		on && /^KernelPageSize:/ { ps = $2 }
		END { flush(); printf "%d\n", kb }' "/proc/$1/smaps" 2>/dev/null
}

# run_case CASE: one guest; sets VERDICT[CASE]. Never exits the test.
run_case() {
	local c=$1 g=g-$1 v=vmux-$1 sock=$E2E_TMP/$1.sock ctl=$E2E_TMP/$1.ctl
	local t0 deadline serial pat kb ps ok host_ping=fail txsha gotsha
	local rx tx min refused rc left why=
	t0=$(date +%s%N)
	e2e_log "case $c: ${MEM[$c]} guest RAM of $MB MiB, attached by ${ATTACH[$c]}"
	e2e_vmux_start -n "$ns" "$v" --control "$ctl" -s "$sock" -m e1000-emu -t tap0 -b "$MAC"
	ip netns exec "$ns" python3 "$E2E_DIR/tcp_peer.py" send 5001 "$E2E_TMP/host-data" \
		>"$E2E_TMP/$c.peer-send.log" 2>&1 &
	e2e_track "peer-send-$c" $!
	ip netns exec "$ns" python3 "$E2E_DIR/tcp_peer.py" recv 5002 "$E2E_TMP/$c.guest-data" "$BYTES" \
		>"$E2E_TMP/$c.peer-recv.log" 2>&1 &
	e2e_track "peer-recv-$c" $!

	E2E_MEM=${MEM[$c]} E2E_MEM_ATTACH=${ATTACH[$c]} E2E_MEM_MB=$MB \
		e2e_guest_start "$g" "$initrd" "e2e.rxsha=$rxsha e2e.bytes=$BYTES e2e.ip=$GUEST_IP e2e.host=$HOST_IP" \
		-device "$(e2e_vfio_user_dev "$sock")"
	serial=$E2E_TMP/$g.serial
	deadline=$(($(date +%s) + E2E_TIMEOUT))
	# A refused DMA_MAP does not stop QEMU, but nothing will move: give up at once.
	until grep -qa 'E2E-DATA: ready=1' "$serial"; do
		e2e_alive "$g" || break
		[ "$(date +%s)" -lt "$deadline" ] || break
		grep -q 'DMA_MAP .*refused' "$E2E_TMP/$v.log" && break
		sleep 0.2
	done
	# While the guest runs: how vmux mapped its RAM.
	case "$c" in
	shm) pat='/dev/shm/vmux-e2e-' ;;
	hugetlbfs) pat="$E2E_HUGETLBFS/" ;;
	*) pat='/memfd:memory-backend-memfd' ;;
	esac
	case "$c" in hugetlbfs | memfd-hugetlb) ps=2048 ;; *) ps=4 ;; esac
	kb=$(vmux_maps "${E2E_PIDS[$v]}" "$pat" "$ps")
	if grep -qa 'E2E-DATA: ready=1' "$serial" &&
		ip netns exec "$ns" "$BB" ping -c 3 -W 2 "$GUEST_IP" >"$E2E_TMP/$c.host-ping.log" 2>&1; then
		host_ping=ok
	fi

	# One deadline for the whole case (the guest's own wait included).
	left=$((deadline - $(date +%s)))
	if [ "$left" -lt 1 ] || grep -q 'DMA_MAP .*refused' "$E2E_TMP/$v.log"; then
		left=1
	fi
	e2e_guest_wait "$g" "$left"
	ok=$?
	e2e_guest_lines "$g" | grep -v '^  dmesg' | sed "s/^/    [$c] /"
	txsha=$(e2e_guest_data "$g" tx_sha)
	gotsha=$(sha256sum "$E2E_TMP/$c.guest-data" 2>/dev/null | cut -d' ' -f1)
	refused=$(grep -m 1 -E 'DMA_MAP .*refused' "$E2E_TMP/$v.log")
	rx=0 tx=0
	if e2e_alive "$v"; then
		rx=$(CTL "$ctl" ports dev0 port.rx_pkts 2>/dev/null) || rx=0
		tx=$(CTL "$ctl" ports dev0 port.tx_pkts 2>/dev/null) || tx=0
	fi
	# 4 MiB in frames of at most 1514 bytes, each way.
	min=$((BYTES / 1514))
	if ! e2e_alive "$v"; then
		why="vmux died"
	elif [ -n "$refused" ]; then
		why="vmux: $refused"
	elif [ "$ok" != 0 ]; then
		why="guest: $E2E_RESULT"
	elif [ "$host_ping" != ok ]; then
		why="the host could not ping the guest"
	elif [ -z "$txsha" ] || [ "$txsha" != "$gotsha" ]; then
		why="data from the guest: sha256 ${gotsha:-none}, the guest sent ${txsha:-nothing}"
	elif [ "${kb:-0}" -lt $((MB * 1024)) ]; then
		why="vmux did not map the guest's RAM: ${kb:-0} KiB of '$pat' in $ps KiB pages, $MB MiB expected"
	elif [ "$rx" -lt "$min" ] || [ "$tx" -lt "$min" ]; then
		why="vmux's port counters did not move as expected (rx $rx, tx $tx frames; at least $min each way)"
	fi
	e2e_stop "peer-send-$c" 1
	e2e_stop "peer-recv-$c" 1
	e2e_stop "$v" 5
	rc=$?
	if [ -z "$why" ] && [ "$rc" != 0 ]; then
		why="vmux exited with status $rc on SIGTERM"
	fi
	if [ -n "$why" ]; then
		VERDICT[$c]="FAIL $why"
	else
		VERDICT[$c]="PASS guest RAM mapped by vmux: $((kb / 1024)) MiB in $ps KiB pages; vmux moved $rx/$tx frames; $(e2e_guest_data "$g" mem_kb) KiB in the guest, $(e2e_guest_data "$g" numa_nodes) NUMA node(s)"
	fi
	e2e_log "case $c: ${VERDICT[$c]%% *} in $(e2e_since "$t0") s"
}

for c in "${CASES[@]}"; do
	if [ -n "$HP_SKIP" ] && { [ "$c" = hugetlbfs ] || [ "$c" = memfd-hugetlb ]; }; then
		VERDICT[$c]="SKIP $HP_SKIP"
		continue
	fi
	[ -n "${VERDICT[$c]:-}" ] || run_case "$c"
done

nfail=0 npass=0 nskip=0 failed=() skipped=()
echo "[$E2E_NAME] results ($(e2e_since "$T0") s; guest RAM $MB MiB):"
for c in "${CASES[@]}"; do
	printf '[%s]   %-14s %s\n' "$E2E_NAME" "$c" "${VERDICT[$c]}"
	case "${VERDICT[$c]}" in
	PASS*) npass=$((npass + 1)) ;;
	SKIP*) nskip=$((nskip + 1)) skipped+=("$c") ;;
	*) nfail=$((nfail + 1)) failed+=("$c") ;;
	esac
done
if [ -n "$HP_SKIP" ]; then
	echo "[$E2E_NAME] SKIP: hugepage cases: $HP_SKIP"
fi
[ "$nfail" = 0 ] || e2e_fail "${failed[*]} failed ($npass passed, $nskip skipped)"
[ "$npass" -gt 0 ] || e2e_skip "no case could run (${skipped[*]})"
if [ "$nskip" -gt 0 ]; then
	e2e_pass "$npass case(s) passed (${CASES[*]}); SKIPPED: ${skipped[*]}"
fi
e2e_pass "all ${#CASES[@]} cases passed (${CASES[*]})"
