#!/usr/bin/env python3
# Summarises a results.txt written by bench/guest_tcp_ping.sh or bench/vm2vm.sh.
# Each line: CFG ROUND MBPS SECONDS MAX_GAP_S PING_MEDIAN_MS PING_AVG_MS SENT RECV
# [TRAPS FRAMES] (trapped register accesses and frames during the transfer,
# -1 where not measured).
# Prints, per configuration, the median and min..max over rounds of the TCP
# throughput and of the per-round ping median and average (and of the trapped
# accesses per 1000 frames), then the ratio of each configuration to qemu two
# ways: of the medians, and the median (min..max) of the per-round ratios
# (all configurations of one round ran back to back, so a per-round ratio is
# less exposed to the machine's load drifting).
import math
import statistics
import sys

COLS = ("mbps", "secs", "gap", "pmed", "pavg", "sent", "recv", "traps", "frames")


def load(path):
    rows = {}
    for line in open(path):
        f = line.split()
        if len(f) not in (9, 11):
            continue
        cfg, rnd = f[0], int(f[1])
        rows.setdefault(cfg, {})[rnd] = dict(zip(COLS, map(float, f[2:])))
    return rows


def spread(v):
    if not v:
        return "n/a"
    return "%8.3f  (%.3f .. %.3f, n=%d)" % (statistics.median(v), min(v), max(v), len(v))


def main():
    rows = load(sys.argv[1])
    what = (("mbps", "TCP throughput, MB/s"),
            ("pmed", "ping RTT, per-round median, ms"),
            ("pavg", "ping RTT, per-round average, ms"))
    for cfg in sorted(rows):
        r = rows[cfg]
        lost = sum(x["sent"] - x["recv"] for x in r.values())
        sent = sum(x["sent"] for x in r.values())
        gaps = [x["gap"] for x in r.values() if not math.isnan(x["gap"])]
        stall = (", longest stall in a transfer %.3f s" % max(gaps)) if gaps else ""
        print("%s: %d rounds, pings lost %d of %d%s" % (cfg, len(r), lost, sent, stall))
        for key, label in what:
            print("  %-34s median %s" % (label, spread([x[key] for x in r.values()])))
        per1k = [1000.0 * x["traps"] / x["frames"] for x in r.values()
                 if x.get("frames", -1) > 0 and x.get("traps", -1) >= 0]
        if per1k:
            print("  %-34s median %s" % ("trapped accesses per 1000 frames", spread(per1k)))
    for cfg in sorted(c for c in rows if c != "qemu"):
        if "qemu" not in rows:
            break
        v, q = rows[cfg], rows["qemu"]
        both = sorted(set(v) & set(q))
        print("ratio %s/qemu (>1: %s higher):" % (cfg, cfg))
        for key, label in what:
            vm = [v[i][key] for i in both]
            qm = [q[i][key] for i in both]
            if not both or statistics.median(qm) == 0:
                continue
            per = [a / b for a, b in zip(vm, qm) if b > 0]
            print("  %-34s of medians %.3f; per round %s"
                  % (label, statistics.median(vm) / statistics.median(qm), spread(per)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
