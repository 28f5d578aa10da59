#!/usr/bin/env python3
# Host side of the e2e guest agent (guest/agent.sh): hands each guest, told
# apart by its source address, the next command queued for it.
#   cmd_server.py DIR PORT
# A command for guest IP is the file DIR/IP.SEQ (SEQ = 1, 2, ...); a guest asks
# by connecting; the server answers "SEQ\n<script>" for its
# next command, or nothing, and closes. The guest says which command it ran
# last ("N\n"), so a restarted guest simply starts again at 1. Runs until killed.
import os
import socket
import sys


def main():
    d, port = sys.argv[1], int(sys.argv[2])
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("0.0.0.0", port))
    srv.listen(16)
    while True:
        conn, (ip, _) = srv.accept()
        try:
            conn.settimeout(2)
            req = b""
            while b"\n" not in req and len(req) < 32:
                b = conn.recv(32)
                if not b:
                    break
                req += b
            nxt = int(req.split(b"\n")[0] or b"0") + 1
            path = os.path.join(d, "%s.%d" % (ip, nxt))
            if os.path.exists(path):
                with open(path, "rb") as f:
                    body = f.read()
                conn.sendall(b"%d\n" % nxt + body)
        except (OSError, ValueError):
            pass
        finally:
            conn.close()


if __name__ == "__main__":
    main()
