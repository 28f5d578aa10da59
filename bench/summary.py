#!/usr/bin/env python3
# Summarises a results.txt written by bench/guest_tcp_ping.sh or bench/vm2vm.sh.
# Each line: CFG ROUND MBPS SECONDS MAX_GAP_S PING_MEDIAN_MS PING_AVG_MS SENT RECV
# Prints, per configuration, the median and min..max over rounds of the TCP
# throughput and of the per-round ping median and average, then the ratio
# vmux/qemu two ways: of the medians, and the median (min..max) of the
# per-round ratios (both configurations of one round ran back to back, so a
# per-round ratio is less exposed to the machine's load drifting).
import math
import statistics
import sys

COLS = ("mbps", "secs", "gap", "pmed", "pavg", "sent", "recv")


def load(path):
    rows = {}
    for line in open(path):
        f = line.split()
        if len(f) != 9:
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
    if "vmux" in rows and "qemu" in rows:
        v, q = rows["vmux"], rows["qemu"]
        both = sorted(set(v) & set(q))
        print("ratio vmux/qemu (>1: vmux higher):")
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
