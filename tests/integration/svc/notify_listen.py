#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The service manager's NOTIFY_SOCKET for a test: binds a UNIX datagram
socket at SOCKET and appends each message vmux sends (sd_notify) to OUTFILE,
one line per datagram (its newlines as spaces), until SIGTERM.

  notify_listen.py SOCKET OUTFILE
"""
import signal
import socket
import sys


def main(sock_path, out_path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(sock_path)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with open(out_path, "a", buffering=1) as out:
        out.write("listening\n")
        while True:
            m = s.recv(4096).decode(errors="replace")
            out.write(m.replace("\n", " ") + "\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
