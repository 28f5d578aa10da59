# Guest side of test_e810_full.sh (busybox sh): ice finds its DDP package
# (intel/ice/ddp/ice.pkg in the initramfs), downloads it into vmux's E810 and
# runs in full mode; with E2E_QUEUES CPUs and queues, ethtool -L changes the
# channels (combined 2, then E2E_QUEUES), the link comes up, and E2E_FLOWS
# TCP flows from the host (its ports 6000 + 131 i to the guest's 7000 + 37 i) spread over
# the RX queues by RSS with a known key (ethtool -X hkey; ethtool -S
# rx_queue_N_packets): at least E2E_MIN_QUEUES of them.
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
# A kernel warning on the way (the driver's or the kernel's) fails the test.
if dmesg | grep -q -E 'WARNING:|BUG:'; then
	e2e_fail "the kernel warned: $(dmesg | grep -m 1 -E 'WARNING:|BUG:' | sed 's/^\[[^]]*\] //')"
	dmesg | grep -A 40 -E 'WARNING:|BUG:' | head -n 60 | sed 's/^/  dmesg: /'
fi
[ -s /tmp/e2e-fail ] && show_dmesg
e2e_status
