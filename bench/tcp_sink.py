#!/usr/bin/env python3
# Host side of the guest->host TCP benchmark.
#   tcp_sink.py sink PORT BYTES OUT [TIMEOUT]
#       accept one connection, read BYTES (or until EOF), then close; write
#       one JSON object to OUT: bytes, seconds from the first byte to the
#       last, MB/s (10^6 bytes) over that time, and the longest gap between
#       two reads (a stall shows up there).
#   tcp_sink.py gate PORT [TIMEOUT]
#       accept one connection and close it at once: the guest polls this port
#       to learn that the host is done with the previous step.
# Listens on all addresses of the network namespace it runs in; gives up
# after TIMEOUT seconds (default 600) without a client or without data.
import json
import socket
import sys
import time


def listen(port, timeout):
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("0.0.0.0", port))
    srv.listen(1)
    srv.settimeout(timeout)
    conn, _ = srv.accept()
    srv.close()
    conn.settimeout(timeout)
    return conn


def sink(port, want, out, timeout):
    conn = listen(port, timeout)
    got = 0
    first = last = None
    gap = 0.0
    buf = bytearray(1 << 20)
    view = memoryview(buf)
    while got < want:
        n = conn.recv_into(view, min(len(buf), want - got))
        now = time.monotonic()
        if n == 0:
            break
        if first is None:
            first = now
        elif now - last > gap:
            gap = now - last
        last = now
        got += n
    conn.close()
    secs = (last - first) if first is not None else 0.0
    res = {
        "bytes": got,
        "seconds": round(secs, 4),
        "mbps": round(got / secs / 1e6, 3) if secs > 0 else 0.0,
        "max_gap_s": round(gap, 4),
        "complete": got >= want,
    }
    with open(out, "w") as f:
        json.dump(res, f)
        f.write("\n")
    return 0 if got >= want else 1


def main():
    mode, port = sys.argv[1], int(sys.argv[2])
    if mode == "gate":
        timeout = float(sys.argv[3]) if len(sys.argv) > 3 else 600
        listen(port, timeout).close()
        return 0
    if mode == "sink":
        timeout = float(sys.argv[5]) if len(sys.argv) > 5 else 600
        return sink(port, int(sys.argv[3]), sys.argv[4], timeout)
    print("usage: tcp_sink.py sink PORT BYTES OUT [TIMEOUT] | gate PORT [TIMEOUT]",
          file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
