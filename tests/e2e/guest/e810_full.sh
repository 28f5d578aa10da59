# Guest side of test_e810_full.sh (busybox sh): ice finds its DDP package
# (intel/ice/ddp/ice.pkg in the initramfs), downloads it into vmux's E810 and
# runs in full mode; with E2E_QUEUES CPUs and queues, ethtool -L changes the
# channels (combined 2, then E2E_QUEUES), the link comes up, and E2E_FLOWS
# TCP flows from the host (its ports 6000 + 131 i to the guest's 7000 + 37 i) spread over
# the RX queues by RSS with a known key (ethtool -X hkey; ethtool -S
# rx_queue_N_packets): at least E2E_MIN_QUEUES of them. Then the flow
# director: an ethtool -N rule moves exactly its UDP flow to queue 2 and
# back when deleted (fdir_check below); then tc-flower does the same with an
# advanced switch rule (tc_check).
# Parameters (kernel command line, see init):
#   E2E_QUEUES=N  E2E_FLOWS=N  E2E_MIN_QUEUES=N  E2E_FLOW_BYTES=N
. /e2e/functions.sh

HOST=10.77.0.1
ME=10.77.0.2
NQ=${E2E_QUEUES:-4}
FLOWS=${E2E_FLOWS:-8}
MINQ=${E2E_MIN_QUEUES:-3}

show_dmesg() {
	dmesg | grep -E '(^|[^a-z])ice[ :]|8086:1592' | tail -n 40 | sed 's/^/  dmesg: /'
}

if ! e2e_wait_for 30 test -e /sys/class/net/eth0; then
	e2e_fail "no eth0"
	show_dmesg
	exit 1
fi
e2e_expect "driver" "$(basename "$(readlink /sys/class/net/eth0/device/driver)")" ice
e2e_data cpus "$(grep -c ^processor /proc/cpuinfo)"
ddp=$(dmesg | grep -E 'DDP package (was successfully loaded|already present)' | tail -n 1)
if [ -n "$ddp" ]; then
	e2e_info "ok: ${ddp#*ice: }"
	e2e_data ddp "$(echo "$ddp" | sed -n 's/.*: \(ICE .*version [0-9.]*\).*/\1/p')"
else
	e2e_fail "ice did not report its DDP package loaded"
fi
dmesg | grep -q 'Entering Safe Mode' && e2e_fail "ice entered safe mode"

command -v ethtool >/dev/null 2>&1 || { e2e_fail "no ethtool in the initramfs"; exit 1; }
ethtool -l eth0 >/tmp/et.l 2>&1 || e2e_fail "ethtool -l: $(cat /tmp/et.l)"
maxc=$(awk '/^Pre-set/ {p = 1} /^Current/ {p = 0} p && $1 == "Combined:" {print $2}' /tmp/et.l)
e2e_data max_combined "$maxc"
[ "${maxc:-0}" -ge "$NQ" ] || e2e_fail "ethtool -l: at most ${maxc:-?} combined channels, not $NQ"

ip link set lo up
ip addr add "$ME/24" dev eth0
ip link set eth0 up
e2e_wait_for 20 grep -qx 1 /sys/class/net/eth0/carrier || { e2e_fail "link did not come up"; show_dmesg; exit 1; }
# The channels changed on a running interface (the VSI rebuilt twice).
for n in 2 "$NQ"; do
	if ethtool -L eth0 combined "$n" 2>/tmp/et.L; then
		cur=$(ethtool -l eth0 | awk '/^Current/ {p = 1} p && $1 == "Combined:" {print $2}')
		e2e_expect "combined channels after ethtool -L combined $n" "$cur" "$n"
	else
		e2e_fail "ethtool -L eth0 combined $n: $(cat /tmp/et.L)"
	fi
done
e2e_wait_for 20 grep -qx 1 /sys/class/net/eth0/carrier || e2e_fail "no link after ethtool -L"
# A known RSS key (the Toeplitz verification key and 12 bytes of extended
# key, 52 in all; ice's own is random per
# boot) and fixed ports below: where each flow lands is then the same on
# every run (set_rss_key; the LUT stays ice's default spread).
KEY=6d:5a:56:da:25:5b:0e:c2:41:67:25:3d:43:a3:8f:b0:d0:ca:2b:cb:ae:7b:30:b4:77:cb:2d:a3:80:30:f2:0c:6a:42:b7:3b:be:ac:01:fa:00:00:00:00:00:00:00:00:00:00:00:00
if ethtool -X eth0 hkey "$KEY" 2>/tmp/et.X; then
	ethtool -x eth0 | tr -d ' \n' | grep -q "$(echo "$KEY" | tr -d ' ')" &&
		e2e_info "ok: ethtool -X hkey: the RSS key set" || e2e_fail "ethtool -x does not show the key set"
else
	# Debian 12's 6.1 kernel refuses the newer ethtool's request (EINVAL):
	# ice's random key stays, and twice the flows
	# make fewer than E2E_MIN_QUEUES queues unlikely (about 6 / 2^16
	# instead of 6 / 2^8).
	e2e_info "ethtool -X hkey refused ($(cat /tmp/et.X)): ice's random key, $((FLOWS * 2)) flows"
	FLOWS=$((FLOWS * 2))
fi
e2e_data rx_queues "$(ls -d /sys/class/net/eth0/queues/rx-* | wc -l)"
e2e_ping_host "$HOST"
[ -s /tmp/e2e-fail ] && { show_dmesg; exit 1; }

rxq() { ethtool -S eth0 | awk -v k="rx_queue_$1_packets:" '$1 == k {print $2; f = 1} END {if (!f) print 0}'; }
q=0
while [ "$q" -lt "$NQ" ]; do
	eval "b$q=$(rxq $q)"
	q=$((q + 1))
done
# One listener per flow on 7000 + 37 i; the host connects to each from its
# port 6000 + 131 i (a fixed 4-tuple per flow) and sends E2E_FLOW_BYTES, all
# at once. The ports differ in many bits, not only the low five: Toeplitz is
# linear, so flows whose inputs differ in few bits can all share the hash's
# low bits (with a random key, one time in ten for 6001.. to 7001..).
i=1
pids=
while [ "$i" -le "$FLOWS" ]; do
	nc -l -p $((7000 + 37 * i)) </dev/null >/tmp/flow$i &
	pids="$pids $!"
	i=$((i + 1))
done
e2e_data flows "$FLOWS"
e2e_data ready 1
for p in $pids; do wait "$p"; done
i=1
while [ "$i" -le "$FLOWS" ]; do
	got=$(wc -c </tmp/flow$i)
	[ "$got" = "${E2E_FLOW_BYTES:-0}" ] || e2e_fail "flow $i: $got bytes, expected ${E2E_FLOW_BYTES:-?}"
	i=$((i + 1))
done
used=0
per=
q=0
while [ "$q" -lt "$NQ" ]; do
	eval "d=\$(( \$(rxq $q) - b$q ))"
	per="$per q$q=$d"
	[ "$d" -ge 50 ] && used=$((used + 1))
	q=$((q + 1))
done
e2e_data rx_per_queue "${per# }"
e2e_data queues_used "$used"
if [ "$used" -ge "$MINQ" ]; then
	e2e_info "ok: $FLOWS flows landed on $used of $NQ RX queues ($per )"
else
	e2e_fail "$FLOWS flows landed on $used RX queues, fewer than $MINQ ($per )"
fi
grep -E 'eth0-TxRx' /proc/interrupts | sed 's/^/  dmesg: [interrupts] /'

# The flow director: its control VSI came up (no "could not initialize flow
# director"), and an ethtool -N rule moves exactly its flow. The host sends
# bursts of FD_N UDP datagrams from its port 40000 to the port the guest
# names (udp_burst.py on TCP 9000: busybox has no UDP client); the RX
# queue counters say where they landed. A port whose RSS queue is not 2,
# and a second such port; "flow-type udp4 dst-port P action 2" moves P's
# burst to queue 2 (fdir_sb_match counts it) and leaves the other port's
# where RSS put it; "delete ID" sends P back to its RSS queue.
FD_N=200
FD_MIN=$((FD_N * 9 / 10))
fdm() { ethtool -S eth0 | awk '$1 ~ /^fdir_sb_match/ {print $2; f = 1} END {if (!f) print 0}'; }
# land PORT: sends a burst to PORT; lq is the queue that took most of it, ln how many.
land() {
	q=0
	while [ "$q" -lt "$NQ" ]; do
		eval "s$q=$(rxq $q)"
		q=$((q + 1))
	done
	echo "$1 $FD_N" | nc -w 5 "$HOST" 9000 >/dev/null 2>&1
	sleep 0.5
	lq=-1
	ln=0
	q=0
	while [ "$q" -lt "$NQ" ]; do
		eval "d=\$(( \$(rxq $q) - s$q ))"
		[ "$d" -gt "$ln" ] && { ln=$d; lq=$q; }
		q=$((q + 1))
	done
}
fdir_check() {
	if dmesg | grep -q 'could not initialize flow director'; then
		e2e_fail "ice: could not initialize flow director"
		return
	fi
	e2e_info "ok: no \"could not initialize flow director\""
	ethtool -K eth0 ntuple on >/dev/null 2>&1
	port=
	other=
	p=5001
	while [ "$p" -le 5040 ] && [ -z "$other" ]; do
		land "$p"
		if [ "$ln" -ge "$FD_MIN" ] && [ "$lq" != 2 ]; then
			if [ -z "$port" ]; then
				port=$p
				rssq=$lq
			else
				other=$p
				otherq=$lq
			fi
		fi
		p=$((p + 1))
	done
	if [ -z "$other" ]; then
		e2e_fail "flow director: no two UDP ports whose bursts land on one queue other than 2 (last: $ln on $lq)"
		return
	fi
	e2e_data fdir_port "$port"
	e2e_data fdir_rss_queue "$rssq"
	m0=$(fdm)
	if ! ethtool -N eth0 flow-type udp4 dst-port "$port" action 2 >/tmp/et.N 2>&1; then
		e2e_fail "ethtool -N flow-type udp4 dst-port $port action 2: $(cat /tmp/et.N)"
		return
	fi
	id=$(sed -n 's/.*[Ii][Dd] \([0-9][0-9]*\).*/\1/p' /tmp/et.N | head -n 1)
	[ -n "$id" ] || id=$(ethtool -n eth0 | sed -n 's/^Filter: \([0-9]*\).*/\1/p' | head -n 1)
	ethtool -n eth0 | sed 's/^/  dmesg: [ethtool -n] /'
	land "$port"
	m1=$(fdm)
	e2e_data fdir_match "$((m1 - m0))"
	if [ "$lq" = 2 ] && [ "$ln" -ge "$FD_MIN" ]; then
		e2e_info "ok: the rule moved UDP port $port from queue $rssq to queue 2 ($ln of $FD_N)"
	else
		e2e_fail "with the rule, UDP port $port landed on queue $lq ($ln of $FD_N), not 2"
	fi
	[ "$((m1 - m0))" -ge "$FD_MIN" ] && e2e_info "ok: fdir_sb_match +$((m1 - m0))" ||
		e2e_fail "fdir_sb_match moved by $((m1 - m0)), expected $FD_N"
	land "$other"
	[ "$lq" = "$otherq" ] && [ "$ln" -ge "$FD_MIN" ] &&
		e2e_info "ok: UDP port $other stayed on queue $otherq" ||
		e2e_fail "UDP port $other moved to queue $lq ($ln), was $otherq"
	if ! ethtool -N eth0 delete "${id:-0}" >/tmp/et.N 2>&1; then
		e2e_fail "ethtool -N eth0 delete ${id:-?}: $(cat /tmp/et.N)"
		return
	fi
	ethtool -n eth0 | grep -q '^Filter:' && e2e_fail "ethtool -n still lists a rule after delete"
	land "$port"
	[ "$lq" = "$rssq" ] && [ "$ln" -ge "$FD_MIN" ] &&
		e2e_info "ok: after delete $id, UDP port $port is back on queue $rssq" ||
		e2e_fail "after delete $id, UDP port $port landed on queue $lq ($ln), not $rssq"
	# The control VSI's vector (ice-<PCI address>:ctrl-TxRx-0, no netdev): the
	# programming descriptors' done write-back (ice_clean_ctrl_tx_irq) fires it.
	grep -E 'ice' /proc/interrupts | grep -v 'eth0-TxRx' | sed 's/^/  dmesg: [interrupts] /'
	ctrl_irqs=$(grep -E 'ice-.*ctrl-TxRx' /proc/interrupts |
		awk '{for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) n += $i} END {print n + 0}')
	e2e_data fdir_ctrl_irqs "$ctrl_irqs"
	[ "${ctrl_irqs:-0}" -ge 2 ] && e2e_info "ok: the control VSI's vector fired $ctrl_irqs times" ||
		e2e_fail "the control VSI's vector fired ${ctrl_irqs:-0} times (2 programming descriptors)"
	e2e_data fdir 1
}
fdir_check
# tc-flower (ice_tc_lib.c: an advanced switch rule, ice_add_adv_rule: a recipe
# of the ethertype and UDP destination port words, recipe_to_profile, the rule
# with its dummy packet): "protocol ip flower skip_sw ip_proto udp dst_port P
# action skbedit queue_mapping 2" moves exactly P's burst to queue 2 (the
# switch rule decides before the flow director and RSS), the other port's
# stays; deleting the filter sends P back. The second port of fdir_check.
TC=/usr/sbin/tc # iproute2's (busybox's tc applet has no clsact or flower)
tc_check() {
	if [ ! -x "$TC" ]; then
		e2e_info "no $TC in the initramfs: tc-flower not checked"
		return
	fi
	# 6.1's ice turns every tc-flower action into a forward to a VSI (ADQ
	# channels; ice_tc_parse_action): the queue action needs a later kernel
	# (7.2's takes skbedit queue_mapping as ICE_FWD_TO_Q).
	kv=$(uname -r)
	kmaj=${kv%%.*}
	kmin=${kv#*.}
	kmin=${kmin%%.*}
	if [ "$kmaj" -lt 6 ] || { [ "$kmaj" -eq 6 ] && [ "$kmin" -le 1 ]; }; then
		e2e_info "ice on $kv has no tc-flower queue action: tc-flower not checked"
		return
	fi
	if [ -z "${other:-}" ] || [ -z "${port:-}" ]; then
		e2e_fail "tc-flower: no ports from the flow director check"
		return
	fi
	ethtool -K eth0 ntuple off >/dev/null 2>&1
	if ! ethtool -K eth0 hw-tc-offload on >/tmp/tc.out 2>&1; then
		e2e_fail "ethtool -K eth0 hw-tc-offload on: $(cat /tmp/tc.out)"
		return
	fi
	if ! "$TC" qdisc add dev eth0 clsact >/tmp/tc.out 2>&1; then
		e2e_fail "tc qdisc add dev eth0 clsact: $(cat /tmp/tc.out)"
		return
	fi
	if ! "$TC" filter add dev eth0 ingress protocol ip flower skip_sw ip_proto udp \
		dst_port "$other" action skbedit queue_mapping 2 skip_sw >/tmp/tc.out 2>&1; then
		e2e_fail "tc filter add ... dst_port $other action skbedit queue_mapping 2: $(cat /tmp/tc.out)"
		dmesg | tail -n 5 | sed 's/^/  dmesg: /'
		return
	fi
	"$TC" -s filter show dev eth0 ingress | sed 's/^/  dmesg: [tc] /'
	land "$other"
	e2e_data tc_port "$other"
	e2e_data tc_rss_queue "$otherq"
	if [ "$lq" = 2 ] && [ "$ln" -ge "$FD_MIN" ]; then
		e2e_info "ok: tc-flower moved UDP port $other from queue $otherq to queue 2 ($ln of $FD_N)"
	else
		e2e_fail "with the tc filter, UDP port $other landed on queue $lq ($ln of $FD_N), not 2"
	fi
	land "$port"
	[ "$lq" = "$rssq" ] && [ "$ln" -ge "$FD_MIN" ] &&
		e2e_info "ok: UDP port $port stayed on queue $rssq" ||
		e2e_fail "UDP port $port moved to queue $lq ($ln), was $rssq"
	if ! "$TC" filter del dev eth0 ingress >/tmp/tc.out 2>&1; then
		e2e_fail "tc filter del dev eth0 ingress: $(cat /tmp/tc.out)"
		return
	fi
	land "$other"
	[ "$lq" = "$otherq" ] && [ "$ln" -ge "$FD_MIN" ] &&
		e2e_info "ok: after the filter's delete, UDP port $other is back on queue $otherq" ||
		e2e_fail "after the filter's delete, UDP port $other landed on queue $lq ($ln), not $otherq"
	e2e_data tc 1
}
tc_check
# A kernel warning on the way (the driver's or the kernel's) fails the test.
if dmesg | grep -q -E 'WARNING:|BUG:'; then
	e2e_fail "the kernel warned: $(dmesg | grep -m 1 -E 'WARNING:|BUG:' | sed 's/^\[[^]]*\] //')"
	dmesg | grep -A 40 -E 'WARNING:|BUG:' | head -n 60 | sed 's/^/  dmesg: /'
fi
[ -s /tmp/e2e-fail ] && show_dmesg
e2e_status
