#!/usr/bin/env python3
# Asks vmux's control socket one command and prints the reply (JSON).
#   ctl.py SOCKET CMD           e.g. ctl.py /run/vmux.ctl ports
#   ctl.py SOCKET CMD --losses  only the non-zero counters that mean a lost or
#                               refused frame (drop, err, bad, nobuf, blocked,
#                               no_peer, no_dest), one "path=value" a line
# The protocol is one JSON object per line each way (src/core/ctl.h).
import json
import re
import socket
import sys

LOSS = re.compile(r"drop|err|bad|nobuf|blocked|no_peer|no_dest")


def losses(obj, path, out):
    if isinstance(obj, dict):
        tag = obj.get("name")
        for k, v in sorted(obj.items()):
            losses(v, "%s%s%s" % (path, "/" if path else "", k if tag is None else "%s:%s" % (tag, k)),
                   out)
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            losses(v, "%s[%d]" % (path, i), out)
    elif isinstance(obj, int) and not isinstance(obj, bool) and obj and LOSS.search(path):
        out.append("%s=%d" % (path, obj))


def main():
    path, cmd = sys.argv[1], sys.argv[2]
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(path)
    s.sendall((json.dumps({"cmd": cmd}) + "\n").encode())
    buf = b""
    while not buf.endswith(b"\n"):
        b = s.recv(65536)
        if not b:
            break
        buf += b
    s.close()
    rep = json.loads(buf)
    if len(sys.argv) > 3 and sys.argv[3] == "--losses":
        out = []
        losses(rep.get("result"), "", out)
        print("\n".join(out))
    else:
        print(json.dumps(rep, indent=1, sort_keys=True))
    return 0 if rep.get("ok") else 1


if __name__ == "__main__":
    sys.exit(main())
