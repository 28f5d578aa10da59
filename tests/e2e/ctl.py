#!/usr/bin/env python3
# Asks vmux's control socket and prints one value (or the whole JSON result).
#   ctl.py SOCKET CMD                       whole result
#   ctl.py SOCKET switch PORTNAME FIELD     e.g. "dev2 tx_pkts" or "dev2 drops.spoof"
#   ctl.py SOCKET ports DEVNAME FIELD       e.g. "dev0 port.rx_pkts"
import json
import socket
import sys


def main():
    path, cmd = sys.argv[1], sys.argv[2]
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(path)
    s.sendall(json.dumps({"cmd": cmd}).encode() + b"\n")
    reply = json.loads(s.makefile().readline())
    if not reply.get("ok"):
        print("error: %s" % reply.get("error"), file=sys.stderr)
        return 1
    res = reply["result"]
    if len(sys.argv) == 3:
        print(json.dumps(res, indent=1))
        return 0
    name, field = sys.argv[3], sys.argv[4]
    items = res["ports"] if cmd == "switch" else res
    for it in items:
        if it.get("name") == name:
            v = it
            for k in field.split("."):
                v = v[k]
            print(v)
            return 0
    print("error: no %s in %s" % (name, cmd), file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
