#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""vmux as a service, the way systemd runs it, without systemd.

This harness plays the service manager: it binds two device sockets itself and
passes them (LISTEN_FDS, LISTEN_PID, LISTEN_FDNAMES: one matched by its path,
one by its name "fd:b"), passes a third as a bare --fd 6 (the vfio-user
convention), listens on NOTIFY_SOCKET and execs vmux in a test-made network
namespace (its uplink is a tap there). Then:
  - READY=1 arrives once every socket listens; guests attach (the in-tree
    poll-mode e1000 guests, tests/fault/fault_guest): one receives what the
    other sends through vmux's switch;
  - GET /metrics over --metrics unix:PATH (curl) parses as OpenMetrics
    (prometheus_client) and its counters move with the traffic; vmuxctl
    metrics parses too; bad requests get 404/405;
  - SIGHUP with one device removed from the file and one added: RELOADING=1,
    READY=1, the new socket answers, the removed one is gone, the guests never
    detach and keep exchanging frames; a new device on a path a live server
    holds is left out and logged; a broken file is refused and changes
    nothing; all counted in the metrics;
  - SIGTERM: STOPPING=1 and exit 0; the log was written for the journal
    (JOURNAL_STREAM: "<6>" priorities);
  - a passed socket that matches no device: vmux refuses to start.
Exit 0 pass, 1 fail, 77 skip (not root, or no prometheus_client).
Environment: VMUX_BIN, VMUXCTL_BIN, FAULT_GUEST; SVC_WORKERS=N runs vmux with N
workers (devices across threads), SVC_KEEP_TMP=1 keeps the temporary directory.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

NAME = "svc"


def log(msg):
    print(f"[{NAME}] {msg}", flush=True)


def fail(msg):
    log("FAIL: " + msg)
    raise SystemExit(1)


try:
    from prometheus_client.openmetrics.parser import text_string_to_metric_families
except ImportError:
    log("SKIP: python3-prometheus-client is not installed (scripts/deps.sh)")
    sys.exit(77)

if os.geteuid() != 0:
    log("SKIP: needs root (a network namespace with a tap)")
    sys.exit(77)
for tool in ("ip", "curl"):
    if not shutil.which(tool):
        log(f"SKIP: {tool} is missing")
        sys.exit(77)

VMUX = os.environ.get("VMUX_BIN", "build/vmux")
VMUXCTL = os.environ.get("VMUXCTL_BIN", "build/vmuxctl")
GUEST = os.environ.get("FAULT_GUEST", "build/tests/fault/fault_guest")
TMP = tempfile.mkdtemp(prefix="vmux-svc.")
NS = f"vmuxsvc-{os.getpid()}"
procs = []


def path(name):
    return os.path.join(TMP, name)


def listening(p):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(p)
    s.listen(4)
    return s


class Notify:
    """The service manager's end of NOTIFY_SOCKET."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path("notify"))
        self.msgs = []

    def wait(self, key, timeout=15.0):
        """Waits for a datagram with line KEY (e.g. READY=1); returns it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                m = self.sock.recv(4096).decode()
            except socket.timeout:
                break
            self.msgs.append(m)
            if key in m.split("\n"):
                return m
        fail(f"no {key} from vmux in {timeout} s (got {self.msgs})")


def vmux_log():
    with open(path("vmux.log")) as f:
        return f.read()


HELPER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "listen_exec.py")


def start_vmux(args, passed, names, extra=None):
    """vmux in the namespace, the sockets `passed` at 3, 4... as LISTEN_FDS and
    those of `extra` ({fd: socket}) at their numbers (listen_exec.py)."""
    out = open(path("vmux.log"), "a")
    st = os.fstat(out.fileno())
    extra = extra or {}
    moves = [(s.fileno(), 3 + i) for i, s in enumerate(passed)]
    moves += [(s.fileno(), n) for n, s in extra.items()]
    cmd = [sys.executable, HELPER]
    for src, dst in moves:
        cmd += ["--fd", f"{src}:{dst}"]
    cmd += ["--listen", str(len(passed)), "--names", ":".join(names), "--",
            "ip", "netns", "exec", NS, VMUX] + args
    env = dict(os.environ, NOTIFY_SOCKET=path("notify"),
               JOURNAL_STREAM=f"{st.st_dev}:{st.st_ino}")
    p = subprocess.Popen(cmd, stdout=out, stderr=out, env=env,
                         pass_fds=tuple(src for src, _ in moves))
    procs.append(p)
    return p


def scrape(url="/metrics", method="GET"):
    r = subprocess.run(["curl", "-s", "-S", "-X", method, "-o", "-", "-w", "\n%{http_code} %{content_type}",
                        "--unix-socket", path("metrics.sock"), "http://localhost" + url],
                       capture_output=True, text=True, timeout=10)
    if r.returncode:
        fail(f"curl {url}: {r.stderr.strip()}")
    body, _, status = r.stdout.rpartition("\n")
    code, _, ctype = status.partition(" ")
    return int(code), ctype, body + "\n" if body and not body.endswith("\n") else body


def parse(text, what):
    """Samples by (name, sorted labels) of an OpenMetrics text; fails if invalid."""
    try:
        fams = list(text_string_to_metric_families(text))
    except Exception as e:  # the parser raises ValueError and others
        fail(f"{what} is not valid OpenMetrics: {e}\n{text[:2000]}")
    out = {}
    for fam in fams:
        for s in fam.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def metric(samples, name, **labels):
    return samples.get((name, tuple(sorted(labels.items()))))


def rx_frames():
    n = 0
    try:
        with open(path("recv.log")) as f:
            for line in f:
                p = line.split()
                if len(p) >= 2 and p[0] == "rx":
                    n = int(p[1])
    except FileNotFoundError:
        pass
    return n


def write_config(devs):
    cfg = {"uplink": "tap:up0", "control": path("ctl.sock"),
           "metrics": "unix:" + path("metrics.sock"), "devices": devs}
    if os.environ.get("SVC_WORKERS"):  # the same across threads (cross-thread ports)
        cfg["workers"] = int(os.environ["SVC_WORKERS"])
    with open(path("vmux.json"), "w") as f:
        json.dump(cfg, f)


def wait_for(cond, what, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return
        time.sleep(0.1)
    fail(what)


def probe(sock):
    return subprocess.run([VMUXCTL, "probe", "-t", "3000", sock], capture_output=True,
                          text=True, timeout=20).returncode == 0


def main():
    for b in (VMUX, VMUXCTL, GUEST):
        if not os.access(b, os.X_OK):
            fail(f"{b} is not built")
    subprocess.run(["ip", "netns", "add", NS], check=True)
    subprocess.run(["ip", "-n", NS, "link", "set", "lo", "up"], check=True)
    subprocess.run(["ip", "-n", NS, "tuntap", "add", "dev", "up0", "mode", "tap"], check=True)
    subprocess.run(["ip", "-n", NS, "link", "set", "up0", "up"], check=True)

    # dev0: --fd 6 (bare inherited fd); dev1: a.sock, passed and matched by its
    # path; dev2: "fd:b", passed by name; dev3: d.sock, bound by vmux.
    sa, sb, se = listening(path("a.sock")), listening(path("b.sock")), listening(path("e.sock"))
    write_config([{"socket": path("a.sock")}, {"socket": "fd:b"}, {"socket": path("d.sock")}])
    notify = Notify()
    vm = start_vmux(["--config", path("vmux.json"), "--fd", "6"], [sa, sb], ["pathsock", "b"],
                    {6: se})
    m = notify.wait("READY=1")
    log(f"READY=1 received ({m.replace(chr(10), ' ')})")
    for s in (sa, sb, se):
        s.close()  # vmux has its copies, as it would have systemd's
    text = vmux_log()
    for want in ("passed socket fd 3 (pathsock, " + path("a.sock"), "passed socket fd 4 (b, ",
                 "dev0: listening on fd:6 (fd 6, handed over)", "dev2: listening on fd:b (fd 4"):
        if want not in text:
            fail(f"vmux log lacks '{want}'")
    if not os.path.exists(path("d.sock")):
        fail("dev3's socket d.sock was not created")

    # MACs: base 52:54:00:fa:00:60 + index. A (dev1) receives, B (dev2) sends to A.
    recv = subprocess.Popen([GUEST, path("a.sock"), "recv"], stdout=open(path("recv.log"), "w"),
                            stderr=subprocess.STDOUT)
    procs.append(recv)
    send = subprocess.Popen([GUEST, path("b.sock"), "send", "52:54:00:fa:00:62",
                             "52:54:00:fa:00:61"], stdout=open(path("send.log"), "w"),
                            stderr=subprocess.STDOUT)
    procs.append(send)
    wait_for(lambda: rx_frames() > 0, "guest A receives nothing from guest B")
    log(f"guests attached through the passed sockets; A received {rx_frames()} frames")
    if not probe(path("e.sock")):
        fail("vmuxctl probe of the --fd device (e.sock) failed")

    # Metrics over HTTP, twice: counters move with the traffic.
    code, ctype, body = scrape()
    if code != 200 or not ctype.startswith("application/openmetrics-text"):
        fail(f"GET /metrics: {code} {ctype}")
    if not body.endswith("# EOF\n"):
        fail("the exposition does not end in # EOF")
    s1 = parse(body, "GET /metrics")
    time.sleep(1.5)
    s2 = parse(scrape()[2], "GET /metrics")
    for name, port in (("vmux_port_rx_packets_total", "dev1"), ("vmux_port_tx_packets_total", "dev2"),
                       ("vmux_vfio_user_region_writes_total", "dev2"),
                       ("vmux_switch_port_rx_packets_total", "dev2")):
        a, b = metric(s1, name, port=port), metric(s2, name, port=port)
        if a is None or b is None or not b > a:
            fail(f"{name}{{port={port}}} did not grow with traffic: {a} -> {b}")
        log(f"{name}{{port=\"{port}\"}}: {a:.0f} -> {b:.0f}")
    for key in (("vmux_switch_drops_total", {"port": "dev2", "reason": "spoof"}),
                ("vmux_worker_busy_ratio", {"worker": "main"}),
                ("vmux_vfio_user_connected", {"port": "dev1"})):
        if metric(s2, key[0], **key[1]) is None:
            fail(f"no sample {key[0]}{key[1]}")
    if metric(s2, "vmux_vfio_user_connected", port="dev1") != 1:
        fail("dev1 is not reported connected")
    code, _, _ = scrape("/nope")
    if code != 404:
        fail(f"GET /nope answered {code}, not 404")
    code, _, _ = scrape("/metrics", "POST")
    if code != 405:
        fail(f"POST /metrics answered {code}, not 405")
    # Garbage gets a 400; more idle connections than the limit do not stop a scrape after them.
    def raw(req):
        g = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        g.settimeout(5)
        g.connect(path("metrics.sock"))
        g.sendall(req)
        try:
            answer = g.recv(100)
        except OSError:
            answer = b""
        g.close()
        return answer
    if not raw(b"GET /metrics HTTP/1.1\r\nBad header line\r\n\r\n").startswith(b"HTTP/1.1 400"):
        fail("a malformed header line was not answered 400")
    if raw(b"\x00\xffNOT HTTP AT ALL\r\n\r\n")[:5] not in (b"", b"HTTP/"):
        fail("binary garbage got something other than an HTTP error or a close")
    if vm.poll() is not None:
        fail("vmux died of a bad request")
    idle = []
    for _ in range(24):
        c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        c.connect(path("metrics.sock"))
        idle.append(c)
    time.sleep(0.3)
    for c in idle:
        c.close()
    time.sleep(0.3)
    if scrape()[0] != 200 or vm.poll() is not None:
        fail("no scrape after 24 idle connections")
    r = subprocess.run([VMUXCTL, "-c", path("ctl.sock"), "metrics"], capture_output=True, text=True,
                       timeout=20)
    if r.returncode:
        fail(f"vmuxctl metrics: {r.stderr}")
    s3 = parse(r.stdout, "vmuxctl metrics")
    if not metric(s3, "vmux_port_rx_packets_total", port="dev1") >= metric(s2, "vmux_port_rx_packets_total", port="dev1"):
        fail("vmuxctl metrics is behind GET /metrics")
    log(f"GET /metrics and vmuxctl metrics parse ({len(s2)} samples); 404, 405, 400 (or a close for binary garbage) for bad requests; 24 idle connections survived")

    # Reload: d.sock (dev3) removed, c.sock added; A and B stay attached.
    write_config([{"socket": path("a.sock")}, {"socket": "fd:b"}, {"socket": path("c.sock")}])
    before = rx_frames()
    vm.send_signal(signal.SIGHUP)
    notify.wait("RELOADING=1")
    m = notify.wait("READY=1")
    if "2 removed" in m or "1 added, 1 removed" not in m:
        fail(f"reload status: {m}")
    wait_for(lambda: os.path.exists(path("c.sock")), "the added device's socket is not there")
    if os.path.exists(path("d.sock")):
        fail("the removed device's socket is still there")
    if not probe(path("c.sock")):
        fail("vmuxctl probe of the added device failed")
    wait_for(lambda: rx_frames() > before + 50, "A stopped receiving across the reload")
    text = vmux_log()
    for dev in ("dev1", "dev2"):
        if f"{dev}: client detached" in text:
            fail(f"{dev}'s guest was detached by the reload")
    if recv.poll() is not None or send.poll() is not None:
        fail("a guest exited during the reload")
    log(f"SIGHUP: dev3 removed, c.sock added (probed); A and B stayed attached ({rx_frames()} frames)")

    # A new device whose path a live server holds: left out, the rest stands.
    busy = listening(path("busy.sock"))
    write_config([{"socket": path("a.sock")}, {"socket": "fd:b"}, {"socket": path("c.sock")},
                  {"socket": path("busy.sock")}])
    vm.send_signal(signal.SIGHUP)
    m = notify.wait("READY=1")
    if "errors" not in m or "0 added, 0 removed" not in m:
        fail(f"a device that cannot listen was not reported: {m}")
    if "reload: new device dev4 (" + path("busy.sock") + ") failed" not in vmux_log():
        fail("vmux did not log the device it could not add")
    busy.close()
    if not probe(path("c.sock")) or recv.poll() is not None:
        fail("a failed addition disturbed the other devices")
    log("a new device on a path a live server holds: left out and logged, the others untouched")

    # A broken file: refused, nothing changes.
    with open(path("vmux.json"), "w") as f:
        f.write("{ not json")
    vm.send_signal(signal.SIGHUP)
    m = notify.wait("READY=1")
    if "reload refused" not in m:
        fail(f"a broken configuration was not refused: {m}")
    if not probe(path("c.sock")):
        fail("the refused reload changed the devices")
    s4 = parse(scrape()[2], "GET /metrics")
    for name, want in (("vmux_reloads_total", 2), ("vmux_reload_failures_total", 2),
                       ("vmux_devices_added_total", 1), ("vmux_devices_removed_total", 1),
                       ("vmux_devices", 4)):
        if metric(s4, name) != want:
            fail(f"{name} is {metric(s4, name)}, not {want}")
    log("a broken configuration was refused and counted")

    # SIGTERM: STOPPING=1, exit 0.
    vm.send_signal(signal.SIGTERM)
    notify.wait("STOPPING=1")
    rc = vm.wait(timeout=15)
    if rc != 0:
        fail(f"vmux exited {rc} on SIGTERM")
    text = vmux_log()
    if "<6>vmux: ready:" not in text:
        fail("the log is not in the journal's form (JOURNAL_STREAM set)")
    log("SIGTERM: STOPPING=1 and exit 0; log lines carry journal priorities")

    # A passed socket that no device is for: refused at start.
    sz = listening(path("z.sock"))
    write_config([{"socket": path("a2.sock")}])
    vz = start_vmux(["--config", path("vmux.json")], [sz], ["stray"])
    rc = vz.wait(timeout=15)
    if rc == 0 or "passed socket fd 3 (name \"stray\"" not in vmux_log():
        fail(f"vmux accepted a passed socket that matches no device (exit {rc})")
    log(f"a stray passed socket: vmux refused to start (exit {rc})")
    log("PASS")


def cleanup():
    for p in procs:
        if p.poll() is None:
            p.kill()
            p.wait()
    subprocess.run(["ip", "netns", "del", NS], stderr=subprocess.DEVNULL)
    if os.environ.get("SVC_KEEP_TMP"):
        log(f"kept {TMP}")
    else:
        shutil.rmtree(TMP, ignore_errors=True)


if __name__ == "__main__":
    try:
        main()
    except SystemExit as e:
        if e.code:
            try:
                sys.stdout.write(vmux_log()[-4000:])
            except OSError:
                pass
        cleanup()
        raise
    except BaseException:
        cleanup()
        raise
    cleanup()
