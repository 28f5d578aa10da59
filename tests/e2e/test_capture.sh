#!/usr/bin/env bash
# e2e: packet capture of a real guest's port. One QEMU 11 guest on vmux's
# switch (vmux on a worker thread) with a tap uplink; the uplink is captured
# from the start (--pcap), the guest's port (dev0) from run time with
# vmuxctl capture start. The guest pings the host; both files, read back,
# hold the echo requests and replies in the right direction and shape, and
# `vmuxctl capture stop` reports the same counts.
# Exit 0 pass, 1 fail, 77 skip. Environment: see tests/e2e/lib.sh.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/multi.sh"

HOST=10.89.0.1
GUEST=10.89.0.11
GUEST_MAC=52:54:00:e2:ca:00
PINGS=4
SIZE=300 # ICMP payload: frames of 14 + 20 + 8 + 300 = 342 bytes

e2e_guest_test_init
VMUXCTL=${VMUXCTL_BIN:-$(dirname "$E2E_VMUX")/vmuxctl}
[ -x "$VMUXCTL" ] || e2e_fail "vmuxctl binary not found at $VMUXCTL (or set VMUXCTL_BIN)"

e2e_netns_add capture || e2e_fail "cannot create a network namespace"
ns=$E2E_NS
ip -n "$ns" tuntap add dev tap0 mode tap || e2e_fail "cannot create tap0"
ip -n "$ns" addr add "$HOST/24" dev tap0
ip -n "$ns" link set tap0 up
CTL="$E2E_TMP/vmux.ctl"
e2e_vmux_start -n "$ns" vmux --workers 1 --uplink tap:tap0 --control "$CTL" -b "$GUEST_MAC" \
	--pcap "tap0=$E2E_TMP/uplink.pcap,snaplen=128" -s "$E2E_TMP/a.sock"
e2e_multi_init "$ns" "$HOST"
e2e_agent_boot a "$GUEST" "$E2E_TMP/a.sock"
e2e_agent_wait_up a || e2e_fail "the guest did not come up"
e2e_log "guest up"

"$VMUXCTL" capture start dev0 "$E2E_TMP/dev0.pcap" -c "$CTL" >"$E2E_TMP/start.json" ||
	e2e_fail "vmuxctl capture start dev0 failed"
e2e_agent_run a "ping -c $PINGS -s $SIZE -W 3 $HOST" 120 ||
	{ e2e_agent_output a "$E2E_SEQ"; e2e_fail "the guest cannot ping the host"; }
"$VMUXCTL" capture stop dev0 -c "$CTL" >"$E2E_TMP/dev0.json" || e2e_fail "vmuxctl capture stop dev0 failed"
"$VMUXCTL" capture stop tap0 -c "$CTL" >"$E2E_TMP/uplink.json" || e2e_fail "vmuxctl capture stop tap0 failed"

# check.py FILE STATS.JSON SNAPLEN: echo requests from the guest and replies to
# it, each at least PINGS times, whole or cut to SNAPLEN; prints a summary.
cat >"$E2E_TMP/check.py" <<'EOF'
import json, struct, sys

path, stats, snaplen, guest_mac, guest, host, pings, size = sys.argv[1:9]
snaplen, pings, size = int(snaplen), int(pings), int(size)
mac = bytes(int(x, 16) for x in guest_mac.split(":"))
ip = lambda s: bytes(int(x) for x in s.split("."))
data = open(path, "rb").read()
magic, vmaj, vmin, _, _, snap, link = struct.unpack("<IHHiIII", data[:24])
assert magic == 0xA1B2C3D4 and (vmaj, vmin) == (2, 4), "not a classic pcap file"
assert link == 1, "link type %d, expected Ethernet" % link
assert snap == snaplen, "snaplen %d, expected %d" % (snap, snaplen)
off, n, req, rep = 24, 0, 0, 0
while off < len(data):
    _, _, caplen, length = struct.unpack("<IIII", data[off:off + 16])
    f = data[off + 16:off + 16 + caplen]
    off += 16 + caplen
    n += 1
    assert caplen == min(length, snaplen), "caplen %d of a %d-byte frame" % (caplen, length)
    if len(f) < 35 or f[12:14] != b"\x08\x00" or f[23] != 1:
        continue
    if length != 14 + 20 + 8 + size:
        continue
    if f[6:12] == mac and f[26:30] == ip(guest) and f[30:34] == ip(host) and f[34] == 8:
        req += 1
    if f[0:6] == mac and f[26:30] == ip(host) and f[30:34] == ip(guest) and f[34] == 0:
        rep += 1
assert off == len(data), "a record runs past the end of the file"
st = json.load(open(stats))
assert st["packets"] == n, "vmuxctl reports %d frames, the file has %d" % (st["packets"], n)
assert st["dropped"] == 0 and st["write_error"] is None, st
assert req >= pings and rep >= pings, "%d echo requests, %d replies" % (req, rep)
print("%d frames (%d rx, %d tx), %d echo requests, %d replies" %
      (n, st["rx_packets"], st["tx_packets"], req, rep))
EOF
check() { # FILE STATS SNAPLEN: the summary goes to $E2E_TMP/check.out
	python3 "$E2E_TMP/check.py" "$1" "$2" "$3" "$GUEST_MAC" "$GUEST" "$HOST" "$PINGS" "$SIZE" \
		>"$E2E_TMP/check.out" 2>&1 ||
		{ cat "$E2E_TMP/check.out" "$2"; e2e_fail "$1 does not hold the pings"; }
}
check "$E2E_TMP/dev0.pcap" "$E2E_TMP/dev0.json" 65535
e2e_log "dev0 (from run time): $(cat "$E2E_TMP/check.out")"
check "$E2E_TMP/uplink.pcap" "$E2E_TMP/uplink.json" 128
e2e_log "uplink (from the command line, snaplen 128): $(cat "$E2E_TMP/check.out")"
# Seen from dev0, the requests are sent (tx) and the replies received (rx).
python3 - "$E2E_TMP/dev0.json" "$PINGS" <<'EOF' || e2e_fail "dev0's direction counts are wrong"
import json, sys
st = json.load(open(sys.argv[1]))
assert st["tx_packets"] >= int(sys.argv[2]) and st["rx_packets"] >= int(sys.argv[2]), st
EOF

e2e_agent_cmd a exit
e2e_guest_wait a 60 >/dev/null
e2e_stop vmux 5 || e2e_fail "vmux did not exit cleanly on SIGTERM"
e2e_pass "captures of a guest's port and of the uplink hold its pings, counted alike by vmuxctl"
