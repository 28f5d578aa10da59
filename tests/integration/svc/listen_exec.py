#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Execs a command the way systemd starts a socket-activated service.

  listen_exec.py [--fd SRC:DST ...] [--bind PATH:DST ...] [--listen N] [--names A:B...]
                 -- COMMAND...

Each --fd moves the inherited descriptor SRC to DST (both numbers); each
--bind binds and listens on a UNIX stream socket at PATH and puts it at DST; with
--listen N, LISTEN_FDS=N and LISTEN_PID=this process's pid (kept by exec and
by `ip netns exec`, which execs too) are set, and LISTEN_FDNAMES if --names
is given. Descriptors 3.. that are not a DST are closed.
"""
import fcntl
import os
import socket
import sys


def main(argv):
    moves, listen, names, bound = [], None, None, []
    while argv and argv[0] != "--":
        opt, val = argv[0], argv[1]
        argv = argv[2:]
        if opt == "--fd":
            src, dst = val.split(":")
            moves.append((int(src), int(dst)))
        elif opt == "--bind":
            p, dst = val.rsplit(":", 1)
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.bind(p)
            s.listen(4)
            bound.append(s)  # kept open until exec
            moves.append((s.detach(), int(dst)))
        elif opt == "--listen":
            listen = int(val)
        elif opt == "--names":
            names = val
        else:
            sys.exit(f"listen_exec: unknown option {opt}")
    cmd = argv[1:]
    if not cmd:
        sys.exit("listen_exec: no command")
    # Out of the way first (a source may be another's destination), then in place.
    tmp = [(fcntl.fcntl(src, fcntl.F_DUPFD, 100), dst) for src, dst in moves]
    for src, _ in moves:
        os.close(src)
    for t, dst in tmp:
        os.dup2(t, dst)  # the new descriptor is inheritable
        os.close(t)
    keep = {dst for _, dst in moves}
    for fd in range(3, 100):
        if fd not in keep:
            try:
                os.close(fd)
            except OSError:
                pass
    if listen is not None:
        os.environ["LISTEN_FDS"] = str(listen)
        os.environ["LISTEN_PID"] = str(os.getpid())
        if names is not None:
            os.environ["LISTEN_FDNAMES"] = names
    os.execvp(cmd[0], cmd)


if __name__ == "__main__":
    main(sys.argv[1:])
