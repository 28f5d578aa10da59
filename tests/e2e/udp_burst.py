#!/usr/bin/env python3
# Host side of test_e810_full.sh's flow director check: on each TCP
# connection to PORT, reads "DPORT COUNT\n" and sends COUNT small UDP
# datagrams from SPORT to the connecting address's DPORT (one flow), then
# answers "done\n" and closes. The guest (busybox: no UDP client) asks for
# bursts and counts where they land among its RX queues.
#   udp_burst.py PORT SPORT
# Runs until killed.
import socket
import sys
import time


def main():
    port, sport = int(sys.argv[1]), int(sys.argv[2])
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("0.0.0.0", port))
    srv.listen(4)
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("0.0.0.0", sport))
    while True:
        conn, (ip, _) = srv.accept()
        try:
            conn.settimeout(5)
            req = b""
            while b"\n" not in req and len(req) < 64:
                b = conn.recv(64)
                if not b:
                    break
                req += b
            dport, count = (int(x) for x in req.split()[:2])
            count = max(0, min(count, 10000))
            for i in range(count):
                udp.sendto(b"fdir %d" % i, (ip, dport))
                if i % 32 == 31:
                    time.sleep(0.001)  # within the guest's ring
            conn.sendall(b"done\n")
        except (OSError, ValueError):
            pass
        finally:
            conn.close()


if __name__ == "__main__":
    main()
