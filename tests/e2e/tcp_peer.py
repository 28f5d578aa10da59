#!/usr/bin/env python3
# Host side of the e2e TCP transfers: one connection, then exit.
#   tcp_peer.py send PORT FILE         serve FILE to the first client, then close
#   tcp_peer.py recv PORT FILE BYTES   store what the first client sends (up to BYTES)
#   tcp_peer.py connect HOST PORT FILE SRCPORT
#                                      send FILE to HOST:PORT from local port SRCPORT
#                                      (a fixed 4-tuple), retrying the connection for 60 s
# Listens on all addresses of the network namespace it runs in; gives up after 300 s.
import socket
import sys
import time


def connect(host, port, path, sport):
    deadline = time.monotonic() + 60
    while True:
        c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        c.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        c.bind(("0.0.0.0", sport))
        c.settimeout(300)
        try:
            c.connect((host, port))
            break
        except OSError:
            c.close()
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    with open(path, "rb") as f:
        c.sendall(f.read())
    c.shutdown(socket.SHUT_WR)
    while c.recv(65536):
        pass
    c.close()
    return 0


def main():
    if sys.argv[1] == "connect":
        return connect(sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5]))
    mode, port, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("0.0.0.0", port))
    srv.listen(1)
    srv.settimeout(300)
    conn, _ = srv.accept()
    conn.settimeout(300)
    if mode == "send":
        with open(path, "rb") as f:
            conn.sendall(f.read())
        conn.shutdown(socket.SHUT_WR)
        # wait for the peer to close, so nothing is cut off
        while conn.recv(65536):
            pass
    else:
        want = int(sys.argv[4])
        got = 0
        with open(path, "wb") as f:
            while got < want:
                b = conn.recv(1 << 20)
                if not b:
                    break
                f.write(b)
                got += len(b)
    conn.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
