#!/usr/bin/env python3
# Part 4 of tests/lab/guest/flow.sh (in the lab VM, inside the netns of vmux's
# dtap0): a guest's flow director filters on the DPDK uplink (net_tap, TC
# flower). The guest is flow_guest on VM a (dev0), already up, its commands
# written to GUEST_IN and answered in GUEST_OUT.
#   1. "udp4 dst-port 7100 action 1" (FD ID 11): `vmuxctl flows` lists it as
#      an fdir rule in hardware; `tc filter show dev dtap0` has a flower
#      filter with VM a's MAC AND UDP destination port 7100; 16 frames to
#      port 7100 pass that filter (its statistics), are read from VM a's
#      uplink RX queue and land on the guest's RX queue 1; 16 to port 7200
#      land on queue 0.
#   2. the filter removed (FD remove): its kernel filter and its rule go.
#   3. the profile's port mask 0xfff0 and "dst-port 7300 action 1" (FD ID
#      12): ports 7296..7311, which net_tap cannot say (its flower
#      translation takes exact L4 ports only: validate passes, create
#      refuses, "item not supported"): `vmuxctl flows` has it in software
#      with that reason, a fallback and a create refusal counted, no kernel
#      filter for it; 16 frames to ports 7296..7311 still land on the guest's
#      queue 1 (vmux's own classifier: the E810 model's flow director), 16 to
#      port 7400 on queue 0.
#   4. that filter removed: gone from `vmuxctl flows`.
# Output: "ok: ..." lines, "data KEY VALUE" lines; on a failure "FAIL: ..."
# and status 1.
# Usage: fd_check.py VMUXCTL CTL GUEST_IN GUEST_OUT IFACE
import json
import re
import socket
import struct
import subprocess
import sys
import time

VMUXCTL, CTL, GIN, GOUT, IFACE = sys.argv[1:6]


class Fail(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Fail(msg)


def flows():
    out = subprocess.run([VMUXCTL, "-c", CTL, "flows"], check=True, capture_output=True,
                         text=True).stdout
    return json.loads(out)


def guest(cmd, gin, seen):
    """Writes one command, returns its answer (the next line of GOUT)."""
    gin.write(cmd + "\n")
    gin.flush()
    end = time.time() + 10
    while time.time() < end:
        with open(GOUT) as f:
            lines = f.read().splitlines()
        if len(lines) > seen[0]:
            seen[0] += 1
            return lines[seen[0] - 1]
        time.sleep(0.02)
    raise Fail("flow_guest did not answer " + cmd)


def tc_blocks(stats=False):
    """The flower filters of IFACE, one text block each."""
    args = ["tc"] + (["-s"] if stats else []) + ["filter", "show", "dev", IFACE]
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    blocks, cur = [], []
    for line in out.splitlines():
        if line.startswith("filter ") and cur:
            blocks.append("\n".join(cur))
            cur = []
        cur.append(line)
    if cur:
        blocks.append("\n".join(cur))
    return [b for b in blocks if "dst_mac" in b]


def fd_rules(j):
    return [r for r in j["rules"] if r["vm"] == "dev0" and r["kind"] == "fdir"]


def mac_rule(j):
    return [r for r in j["rules"] if r["vm"] == "dev0" and r["kind"] == "vm-mac"][0]


def send(sock, mac, ports):
    for i, p in enumerate(ports):
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 46, 0, 0, 64, 17, 0,
                         bytes([10, 2, 0, i & 255]), bytes([10, 1, 0, 1]))
        udp = struct.pack("!HHHH", 2000 + i, p, 26, 0) + bytes(18)
        sock.send(mac + bytes.fromhex("020000009902") + b"\x08\x00" + ip + udp)


def rx(gin, seen):
    a = guest("rx", gin, seen).split()
    check(len(a) == 3 and a[0] == "rx", "flow_guest: rx: " + " ".join(a))
    return int(a[1]), int(a[2])


def wait_rx(gin, seen, base, want):
    """The guest's queue counts once they reach base + want in total (up to 5 s)."""
    end = time.time() + 5
    while True:
        q = rx(gin, seen)
        if q[0] + q[1] >= base[0] + base[1] + want or time.time() > end:
            return q
        time.sleep(0.1)


def main():
    seen = [len(open(GOUT).read().splitlines())]
    gin = open(GIN, "w")
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((IFACE, 0))
    j0 = flows()
    amac_s = mac_rule(j0)["match"].split()[0].split("=")[1]
    amac = bytes.fromhex(amac_s.replace(":", ""))
    nf0 = len(tc_blocks())

    # 1. an exact filter, offloaded
    a = guest("fd 7100 1 11", gin, seen)
    check(a == "fd ok 1", "flow_guest: fd 7100: " + a)
    j = flows()
    fd = fd_rules(j)
    check(len(fd) == 1 and fd[0]["runs"] == "hardware" and "7100" in fd[0]["match"],
          "the guest's filter is not one fdir rule in hardware: %s" % fd)
    print("ok: vmuxctl flows: fdir rule %s (FD ID %s) in hardware, %s -> %s" %
          (fd[0]["handle"], fd[0]["rule_id"], fd[0]["match"], fd[0]["action"]))
    blk = [b for b in tc_blocks() if "dst_mac " + amac_s in b and
           re.search(r"\bdst_port 7100\b", b) and re.search(r"\bip_proto udp\b", b)]
    check(len(blk) == 1, "no flower filter with dst_mac %s and dst_port 7100:\n%s" %
          (amac_s, "\n".join(tc_blocks())))
    check(len(tc_blocks()) == nf0 + 1, "%d flower filters, expected %d" %
          (len(tc_blocks()), nf0 + 1))
    print("ok: tc: " + " | ".join(l.strip() for l in blk[0].splitlines()[1:] if l.strip()))
    print("data kernel_filters_fd %d" % (nf0 + 1))
    q0, u0 = rx(gin, seen), mac_rule(flows())["uplink_rxq_pkts"]
    send(s, amac, [7100] * 16)
    send(s, amac, [7200] * 16)
    q1 = wait_rx(gin, seen, q0, 32)
    u1 = mac_rule(flows())["uplink_rxq_pkts"]
    hits = [b for b in tc_blocks(True) if re.search(r"\bdst_port 7100\b", b)]
    m = re.search(r"Sent \d+ bytes (\d+) pkt", hits[0]) if hits else None
    print("data fd_hw_kernel_hits %s" % (m.group(1) if m else "?"))
    print("data fd_hw_q1 %d" % (q1[1] - q0[1]))
    print("data fd_hw_q0 %d" % (q1[0] - q0[0]))
    check(m and int(m.group(1)) == 16, "the kernel filter for port 7100 passed %s of 16 frames" %
          (m.group(1) if m else "?"))
    check(u1 - u0 >= 32, "VM a's uplink RX queue read %d of 32 frames" % (u1 - u0))
    check(q1[1] - q0[1] == 16, "guest RX queue 1 got %d of the 16 port-7100 frames" %
          (q1[1] - q0[1]))
    check(q1[0] - q0[0] >= 16, "guest RX queue 0 got %d of the 16 port-7200 frames" %
          (q1[0] - q0[0]))
    print("ok: 16 frames to port 7100 through the kernel filter (its counter: 16), read from "
          "uplink RX queue %d, on the guest's queue 1; 16 to port 7200 on queue 0" %
          fd[0]["uplink_rxq"])

    # 2. removed
    a = guest("fddel 7100 11", gin, seen)
    check(a == "fddel ok 0", "flow_guest: fddel 7100: " + a)
    j = flows()
    check(not fd_rules(j), "fdir rules after the removal: %s" % fd_rules(j))
    left = [b for b in tc_blocks() if re.search(r"\bdst_port 7100\b", b)]
    check(not left and len(tc_blocks()) == nf0, "the port-7100 kernel filter is still there "
          "(%d flower filters, %d before)" % (len(tc_blocks()), nf0))
    print("ok: the filter removed (FD remove): its kernel filter and its rule are gone "
          "(%d -> %d flower filters)" % (nf0 + 1, nf0))

    # 3. a masked filter, refused by net_tap: software, still steering
    fb0, rc0 = j["fallbacks"], j["refused_create"]
    check(guest("fdmask fff0", gin, seen) == "fdmask ok", "flow_guest: fdmask")
    a = guest("fd 7300 1 12", gin, seen)
    check(a == "fd ok 1", "flow_guest: fd 7300 under mask fff0: " + a)
    j = flows()
    fd = fd_rules(j)
    check(len(fd) == 1 and fd[0]["runs"] == "software",
          "the masked filter is not one fdir rule in software: %s" % fd)
    # net_tap's validate passes it (masks within what the item may have); its create refuses it.
    check(j["fallbacks"] >= fb0 + 1 and j["refused_create"] == rc0 + 1 and
          "item not supported" in fd[0].get("why", ""),
          "fallbacks %d -> %d, refused_create %d -> %d (expected one more each), why: %s" %
          (fb0, j["fallbacks"], rc0, j["refused_create"], fd[0].get("why")))
    check(len(tc_blocks()) == nf0, "%d flower filters with the refused rule, expected %d" %
          (len(tc_blocks()), nf0))
    print("ok: vmuxctl flows: fdir rule %s (%s) in software: %s; fallbacks %d -> %d" %
          (fd[0]["handle"], fd[0]["match"], fd[0].get("why"), fb0, j["fallbacks"]))
    print("data fd_sw_why %s" % fd[0].get("why", "").replace(" ", "_"))
    q0, u0 = rx(gin, seen), mac_rule(j)["uplink_rxq_pkts"]
    send(s, amac, list(range(7296, 7312)))
    send(s, amac, [7400] * 16)
    q1 = wait_rx(gin, seen, q0, 32)
    u1 = mac_rule(flows())["uplink_rxq_pkts"]
    print("data fd_sw_q1 %d" % (q1[1] - q0[1]))
    print("data fd_sw_q0 %d" % (q1[0] - q0[0]))
    check(u1 - u0 >= 32, "VM a's uplink RX queue read %d of 32 frames" % (u1 - u0))
    check(q1[1] - q0[1] == 16, "guest RX queue 1 got %d of the 16 frames to ports 7296..7311" %
          (q1[1] - q0[1]))
    check(q1[0] - q0[0] >= 16, "guest RX queue 0 got %d of the 16 port-7400 frames" %
          (q1[0] - q0[0]))
    print("ok: 16 frames to ports 7296..7311 (read from VM a's uplink RX queue by its MAC rule) "
          "steered in vmux to the guest's queue 1; 16 to port 7400 on queue 0")

    # 4. removed
    a = guest("fddel 7300 12", gin, seen)
    check(a == "fddel ok 0", "flow_guest: fddel 7300: " + a)
    j = flows()
    check(not fd_rules(j), "fdir rules after the removal: %s" % fd_rules(j))
    print("ok: the masked filter removed: gone from vmuxctl flows (%d rules in software)" % j["sw"])


try:
    main()
except (Fail, subprocess.CalledProcessError, OSError, ValueError, KeyError, IndexError) as e:
    print("FAIL: %s" % e)
    sys.exit(1)
