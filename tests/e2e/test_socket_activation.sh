#!/usr/bin/env bash
# e2e: vmux started the way systemd's socket activation starts it, a real
# QEMU 11 guest attached. The test plays the manager (no systemd here): it
# binds the device socket, passes it as LISTEN_FDS with the name "vm"
# (tests/integration/svc/listen_exec.py; the device is -s fd:vm) and listens
# on NOTIFY_SOCKET (notify_listen.py). READY=1 must come; a Linux guest
# enumerates and probes the e1000 through the passed socket; GET /metrics
# (--metrics unix:) then parses as OpenMetrics with the guest's trapped
# register accesses and a client counted; SIGTERM: STOPPING=1, exit 0; the
# socket file, the manager's, is left in place.
#   tests/e2e/test_socket_activation.sh     # as root; exit 0 pass, 1 fail, 77 skip
set -u
. "$(dirname "$0")/lib.sh"

MAC=52:54:00:e2:e0:21
SVC=$E2E_SRCROOT/tests/integration/svc
PY=/usr/bin/python3

e2e_init
[ -x "$E2E_VMUX" ] || e2e_fail "vmux binary not found at $E2E_VMUX (build it first, or set VMUX_BIN)"
"$PY" -c 'import prometheus_client' 2>/dev/null ||
	e2e_skip "python3-prometheus-client is missing (scripts/deps.sh)"
command -v curl >/dev/null || e2e_skip "curl is missing"
e2e_chroot_ensure
e2e_qemu_usable || e2e_skip "QEMU from $E2E_CHROOT cannot run on this machine"

initrd=$E2E_TMP/initrd.cpio.gz
e2e_initramfs "$initrd" "$E2E_DIR/guest/enumerate.sh" e1000
e2e_netns_add sact || e2e_fail "cannot create a network namespace"
ns=$E2E_NS
ip -n "$ns" tuntap add dev tap0 mode tap || e2e_fail "cannot create tap0 in $ns"
ip -n "$ns" link set tap0 up

sock=$E2E_TMP/vm.sock
notes=$E2E_TMP/notify.log
"$PY" "$SVC/notify_listen.py" "$E2E_TMP/notify" "$notes" &
e2e_track notify $!
for ((i = 0; i < 50; i++)); do [ -S "$E2E_TMP/notify" ] && break; sleep 0.1; done
NOTIFY_SOCKET=$E2E_TMP/notify "$PY" "$SVC/listen_exec.py" --bind "$sock:3" --listen 1 --names vm -- \
	ip netns exec "$ns" "$E2E_VMUX" -s fd:vm -m e1000-emu -t tap0 -b "$MAC" -v \
	--metrics "unix:$E2E_TMP/metrics.sock" </dev/null >"$E2E_TMP/vmux.log" 2>&1 &
e2e_track vmux $!
for ((i = 0; i < 100; i++)); do
	grep -q 'READY=1' "$notes" 2>/dev/null && break
	e2e_alive vmux || e2e_fail "vmux exited before READY=1"
	sleep 0.1
done
grep -q 'READY=1' "$notes" || e2e_fail "no READY=1 from vmux within 10 s"
grep -q "dev0: listening on fd:vm (fd 3, handed over)" "$E2E_TMP/vmux.log" ||
	e2e_fail "vmux did not serve the passed socket"
e2e_log "READY=1: $(grep READY=1 "$notes" | head -n 1)"

e2e_guest_run guest "$initrd" "$E2E_TIMEOUT" "e2e.mac=$MAC" -device "$(e2e_vfio_user_dev "$sock")"
ok=$?
e2e_guest_lines guest | sed 's/^/    /'
[ "$ok" = 0 ] || e2e_fail "guest: $E2E_RESULT"
e2e_log "the guest enumerated and probed the e1000 through the passed socket"

curl -sS --unix-socket "$E2E_TMP/metrics.sock" -o "$E2E_TMP/metrics.txt" http://localhost/metrics ||
	e2e_fail "GET /metrics failed"
"$PY" - "$E2E_TMP/metrics.txt" <<'PYEOF' || e2e_fail "the metrics are not what the guest did"
import sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families
v = {}
for fam in text_string_to_metric_families(open(sys.argv[1]).read()):
    for s in fam.samples:
        v[(s.name, s.labels.get("port"))] = s.value
reads = v.get(("vmux_vfio_user_region_reads_total", "dev0"), 0)
clients = v.get(("vmux_vfio_user_clients_total", "dev0"), 0)
print(f"    vmux_vfio_user_region_reads_total{{port=\"dev0\"}} {reads:.0f}, clients {clients:.0f}")
sys.exit(0 if reads > 0 and clients >= 1 else 1)
PYEOF
e2e_log "GET /metrics parses as OpenMetrics and counts the guest's register reads"

e2e_stop vmux 5
rc=$?
[ "$rc" = 0 ] || e2e_fail "vmux exited with status $rc on SIGTERM"
sleep 0.2
grep -q 'STOPPING=1' "$notes" || e2e_fail "no STOPPING=1 from vmux"
[ -S "$sock" ] || e2e_fail "vmux removed the passed socket's file (the manager's)"
e2e_pass "socket-activated vmux: READY=1, a QEMU guest probed the e1000 through the passed socket, metrics counted it, STOPPING=1 and exit 0"
