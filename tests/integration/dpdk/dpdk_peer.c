/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A small DPDK program on the other side of vmux's DPDK uplink (the tests'
 * and the benchmark's peer), one polling loop on the EAL's main lcore:
 *
 *   dpdk_peer MODE [options] -- EAL ARGUMENTS (with the --vdev of its port(s))
 *
 *   echo  every frame received on port 0 goes back out of it, the MACs swapped
 *         and the source set to --src (so the switch on the other side sees it
 *         come from a host behind the uplink)
 *   sink  counts what port 0 receives
 *   gen   sends --len-byte frames to --dst from --src on port 0 as fast as it
 *         can (or --count of them), and counts what comes back
 *   fwd   forwards port 0 to port 1 and port 1 to port 0 unchanged: the plain
 *         DPDK forwarder the benchmark compares vmux with
 *
 * An idle loop yields the CPU every 64 empty passes, as vmux's polling loops
 * do, so that CPU time measures work on a shared machine.
 *
 * Options: --seconds N (stop after N s; default: at SIGTERM/SIGINT), --src MAC,
 * --dst MAC, --len BYTES (gen, 60..1514 + FCS-less), --count N (gen),
 * --ready FILE (written once the ports are up). At exit one line of JSON on
 * stdout: frames and bytes received and sent, and the rate over the time
 * frames were flowing ("rx_mpps" from the first frame received to the last).
 */
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#define BURST 32
#define NDESC 1024

static volatile sig_atomic_t stop;

static void on_sig(int s)
{
	(void)s;
	stop = 1;
}

static int parse_mac(const char *s, uint8_t m[6])
{
	unsigned v[6];

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6)
		return -1;
	for (int i = 0; i < 6; i++)
		m[i] = (uint8_t)v[i];
	return 0;
}

static int port_up(uint16_t p, struct rte_mempool *mp)
{
	struct rte_eth_conf conf;
	uint16_t nrx = NDESC, ntx = NDESC;

	memset(&conf, 0, sizeof(conf));
	if (rte_eth_dev_configure(p, 1, 1, &conf) < 0 ||
	    rte_eth_dev_adjust_nb_rx_tx_desc(p, &nrx, &ntx) < 0 ||
	    rte_eth_rx_queue_setup(p, 0, nrx, (unsigned)rte_socket_id(), NULL, mp) < 0 ||
	    rte_eth_tx_queue_setup(p, 0, ntx, (unsigned)rte_socket_id(), NULL) < 0 ||
	    rte_eth_dev_start(p) < 0)
		return -1;
	rte_eth_promiscuous_enable(p);
	return 0;
}

struct counts {
	uint64_t rx, rx_bytes, tx, tx_bytes, tx_refused;
	uint64_t first_rx, last_rx; /* TSC */
};

static void count_rx(struct counts *c, struct rte_mbuf **m, uint16_t n)
{
	uint64_t now = rte_get_tsc_cycles();

	if (!c->rx)
		c->first_rx = now;
	c->last_rx = now;
	c->rx += n;
	for (uint16_t i = 0; i < n; i++)
		c->rx_bytes += m[i]->pkt_len;
}

static void send_all(struct counts *c, uint16_t port, struct rte_mbuf **m, uint16_t n)
{
	uint16_t s = rte_eth_tx_burst(port, 0, m, n);

	c->tx += s;
	for (uint16_t i = 0; i < s; i++)
		c->tx_bytes += m[i]->pkt_len; /* not freed yet: a burst on its way */
	if (s < n) {
		c->tx_refused += (uint64_t)(n - s);
		rte_pktmbuf_free_bulk(m + s, (unsigned)(n - s));
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "seconds", required_argument, NULL, 't' },
		{ "src", required_argument, NULL, 's' },
		{ "dst", required_argument, NULL, 'd' },
		{ "len", required_argument, NULL, 'l' },
		{ "count", required_argument, NULL, 'c' },
		{ "ready", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	uint8_t src[6] = { 0x02, 0, 0, 0, 0xee, 0x01 }, dst[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	const char *mode, *ready = NULL;
	unsigned len = 60, seconds = 0;
	uint64_t count = 0, deadline = 0;
	struct counts c = { 0 };
	struct rte_mempool *mp;
	int o, r;

	if (argc < 2) {
		fprintf(stderr, "usage: dpdk_peer echo|sink|gen|fwd [options] -- EAL...\n");
		return 2;
	}
	mode = argv[1];
	optind = 2;
	while ((o = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (o) {
		case 't':
			seconds = (unsigned)strtoul(optarg, NULL, 0);
			break;
		case 's':
		case 'd':
			if (parse_mac(optarg, o == 's' ? src : dst)) {
				fprintf(stderr, "dpdk_peer: bad MAC %s\n", optarg);
				return 2;
			}
			break;
		case 'l':
			len = (unsigned)strtoul(optarg, NULL, 0);
			break;
		case 'c':
			count = strtoull(optarg, NULL, 0);
			break;
		case 'r':
			ready = optarg;
			break;
		default:
			return 2;
		}
	}
	if (len < 60 || len > 1514) {
		fprintf(stderr, "dpdk_peer: --len 60..1514\n");
		return 2;
	}
	/* The EAL gets argv from the -- on, with our name in front. */
	argv[optind - 1] = argv[0];
	r = rte_eal_init(argc - optind + 1, argv + optind - 1);
	if (r < 0) {
		fprintf(stderr, "dpdk_peer: EAL: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	signal(SIGTERM, on_sig);
	signal(SIGINT, on_sig);
	mp = rte_pktmbuf_pool_create("peer_mp", 8191, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				     (int)rte_socket_id());
	if (!mp) {
		fprintf(stderr, "dpdk_peer: mempool: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	unsigned nports = rte_eth_dev_count_avail(), need = strcmp(mode, "fwd") ? 1 : 2;
	if (nports < need) {
		fprintf(stderr, "dpdk_peer: %s needs %u port(s), the EAL has %u\n", mode, need, nports);
		return 1;
	}
	for (uint16_t p = 0; p < need; p++)
		if (port_up(p, mp) < 0) {
			fprintf(stderr, "dpdk_peer: port %u: cannot start it\n", p);
			return 1;
		}
	if (ready) {
		FILE *f = fopen(ready, "w");

		if (f)
			fclose(f);
	}
	if (seconds)
		deadline = rte_get_tsc_cycles() + rte_get_tsc_hz() * seconds;

	struct rte_mbuf *m[BURST];
	bool gen = !strcmp(mode, "gen"), echo = !strcmp(mode, "echo"), fwd = !strcmp(mode, "fwd");
	uint64_t iter = 0;
	unsigned idle = 0;

	while (!stop) {
		bool work = false;

		if (deadline && (++iter & 1023) == 0 && rte_get_tsc_cycles() > deadline)
			break;
		if (gen && (!count || c.tx < count)) {
			uint16_t n = BURST;

			if (count && count - c.tx < n)
				n = (uint16_t)(count - c.tx);
			if (rte_pktmbuf_alloc_bulk(mp, m, n) == 0) {
				for (uint16_t i = 0; i < n; i++) {
					uint8_t *d = rte_pktmbuf_mtod(m[i], uint8_t *);

					memcpy(d, dst, 6);
					memcpy(d + 6, src, 6);
					d[12] = 0x88;
					d[13] = 0xb5;
					memset(d + 14, 0x5a, len - 14);
					m[i]->data_len = (uint16_t)len;
					m[i]->pkt_len = len;
				}
				send_all(&c, 0, m, n);
			}
		}
		for (uint16_t p = 0; p < (fwd ? 2 : 1); p++) {
			uint16_t n = rte_eth_rx_burst(p, 0, m, BURST);

			if (!n)
				continue;
			work = true;
			count_rx(&c, m, n);
			if (echo) {
				for (uint16_t i = 0; i < n; i++) {
					uint8_t *d = rte_pktmbuf_mtod(m[i], uint8_t *);

					memcpy(d, d + 6, 6);
					memcpy(d + 6, src, 6);
				}
				send_all(&c, 0, m, n);
			} else if (fwd) {
				send_all(&c, (uint16_t)(p ^ 1), m, n);
			} else {
				rte_pktmbuf_free_bulk(m, n);
			}
		}
		/* As vmux's polling loops: idle, give the CPU away every 64 passes. */
		if (!work && ++idle >= 64) {
			idle = 0;
			sched_yield();
		} else if (work) {
			idle = 0;
		}
	}
	double secs = c.rx > 1 ? (double)(c.last_rx - c.first_rx) / (double)rte_get_tsc_hz() : 0;
	printf("{\"mode\":\"%s\",\"rx\":%llu,\"rx_bytes\":%llu,\"tx\":%llu,\"tx_refused\":%llu,"
	       "\"rx_secs\":%.6f,\"rx_mpps\":%.4f}\n",
	       mode, (unsigned long long)c.rx, (unsigned long long)c.rx_bytes,
	       (unsigned long long)c.tx, (unsigned long long)c.tx_refused, secs,
	       secs > 0 ? (double)c.rx / secs / 1e6 : 0.0);
	fflush(stdout);
	for (uint16_t p = 0; p < need; p++) {
		rte_eth_dev_stop(p);
		rte_eth_dev_close(p);
	}
	/*
	 * Not rte_eal_cleanup: DPDK 22.11's interrupt thread outlives it and
	 * crashed on a memif interrupt handle it had freed (bench/dpdk_bench.c).
	 */
	_exit(0);
}
