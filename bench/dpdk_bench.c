/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dpdk_bench: the far side of one uplink measurement (bench/dpdk_bench.sh),
 * one polling thread that is both the poll-mode guest (an e1kg on a vmux
 * device, the in-tree client) and what sits behind the uplink:
 *
 *   --path memif  vmux's uplink is net_memif (client); this program is the
 *                 memif server (a DPDK port, --vdev in its EAL arguments)
 *   --path tap    vmux's uplink is the tap --tap NAME; this program reads the
 *                 frames vmux writes to it from a packet socket (recvmmsg, 32
 *                 a call; --tap-count: counts the tap's rx_packets instead and
 *                 reads nothing, the host stack drops them) and writes frames
 *                 into it with the same socket (sendmmsg, 32 a call)
 *   --path fwd    no vmux: a plain DPDK forwarder (dpdk_peer fwd) between two
 *                 memif ports of this program (the first receives what it
 *                 forwards, the second is where this program sends)
 *
 * and a direction: --dir out (VM -> uplink: the guest keeps its TX ring full,
 * frames counted where they come out) or --dir in (uplink -> VM: frames sent
 * as fast as they are taken, to the guest's MAC, counted by the guest; for
 * fwd both are the same: sent on one port, counted on the other).
 *
 * It measures for --secs after --warmup: frames delivered, and the CPU time
 * of the process in between (--pid: vmux's worker threads "vmux-w*", or all
 * threads of the forwarder), and prints "RESULT key=value ...": Mpps over the
 * wall clock and per CPU second of the thing in the middle.
 *
 *   dpdk_bench --path memif|tap|fwd --dir out|in --size 64|1518 --pid PID|--pid-file F
 *              [--sock VMSOCK] [--tap NAME] [--tap-count] [--doorbell trap|poll] [--ready FILE] [--secs S] [--warmup S] [--cpu N]
 *              -- EAL ARGUMENTS
 *
 * Frame sizes are Ethernet sizes with the FCS: the guest hands the device
 * size - 4 bytes with IFCS set; the memif and tap frames are size - 4 bytes.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "client/e1kg.h"

#define BURST 32
#define RING 1024u
#define ETYPE 0x88b5

static const uint8_t REMOTE[6] = { 0x02, 0x00, 0x00, 0x00, 0xee, 0x01 };

struct opts {
	const char *path, *dir, *sock, *tap, *pid_file, *ready;
	bool db_poll; /* --doorbell poll: the guest stores to the shared doorbell page */
	bool tap_count; /* --tap-count: VM -> tap counted in rx_packets, not read */
	unsigned size;
	int pid, cpu;
	double secs, warmup;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t read_u64(const char *path)
{
	char buf[64] = "";
	FILE *f = fopen(path, "r");
	uint64_t v = 0;

	if (f) {
		if (fgets(buf, sizeof(buf), f))
			v = strtoull(buf, NULL, 10);
		fclose(f);
	}
	return v;
}

/* CPU ns of pid's threads named vmux-w* (or all of them if it has none). */
static uint64_t proc_cpu_ns(int pid)
{
	char path[320], buf[64];
	uint64_t all = 0, workers = 0;
	unsigned nw = 0;
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	d = opendir(path);
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		uint64_t ns;
		FILE *f;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/schedstat", pid, de->d_name);
		ns = read_u64(path);
		all += ns;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/comm", pid, de->d_name);
		f = fopen(path, "r");
		if (f) {
			if (fgets(buf, sizeof(buf), f) && !strncmp(buf, "vmux-w", 6)) {
				workers += ns;
				nw++;
			}
			fclose(f);
		}
	}
	closedir(d);
	return nw ? workers : all;
}

/* ---- the two ends -------------------------------------------------------------- */

struct ends {
	struct e1kg g;
	bool guest;
	uint8_t frame[2048];
	uint32_t flen;
	uint8_t rbuf[BURST][2048]; /* tap: what recvmmsg reads */
	struct rte_mempool *mp;
	int raw;            /* tap: a packet socket on it */
	uint64_t sent, refused, got, passes, idle;
	uint16_t in_port, out_port; /* DPDK: where frames are counted / sent */
	bool linked;                /* out_port's link was seen up */
};

static int port_up(uint16_t p, struct rte_mempool *mp)
{
	struct rte_eth_conf conf;
	uint16_t nrx = RING, ntx = RING;

	memset(&conf, 0, sizeof(conf));
	if (rte_eth_dev_configure(p, 1, 1, &conf) < 0 ||
	    rte_eth_dev_adjust_nb_rx_tx_desc(p, &nrx, &ntx) < 0 ||
	    rte_eth_rx_queue_setup(p, 0, nrx, (unsigned)rte_socket_id(), NULL, mp) < 0 ||
	    rte_eth_tx_queue_setup(p, 0, ntx, (unsigned)rte_socket_id(), NULL) < 0 ||
	    rte_eth_dev_start(p) < 0)
		return -1;
	return 0;
}

static void dpdk_send(struct ends *e)
{
	struct rte_mbuf *m[BURST];
	uint16_t s;

	/*
	 * A memif server sending before its client is connected can crash
	 * DPDK 22.11's interrupt thread: wait for the link (looked at now and then).
	 */
	if (!e->linked) {
		struct rte_eth_link l;

		if ((e->passes & 1023) || rte_eth_link_get_nowait(e->out_port, &l) < 0 ||
		    l.link_status != RTE_ETH_LINK_UP)
			return;
		usleep(100000);
		e->linked = true;
	}
	if (rte_pktmbuf_alloc_bulk(e->mp, m, BURST))
		return;
	for (int i = 0; i < BURST; i++) {
		memcpy(rte_pktmbuf_mtod(m[i], uint8_t *), e->frame, e->flen);
		m[i]->data_len = (uint16_t)e->flen;
		m[i]->pkt_len = e->flen;
	}
	s = rte_eth_tx_burst(e->out_port, 0, m, BURST);
	e->sent += s;
	if (s < BURST) {
		e->refused += BURST - s;
		rte_pktmbuf_free_bulk(m + s, BURST - s);
	}
}

static unsigned dpdk_recv(struct ends *e)
{
	struct rte_mbuf *m[BURST];
	uint16_t n = rte_eth_rx_burst(e->in_port, 0, m, BURST);

	if (n)
		rte_pktmbuf_free_bulk(m, n);
	e->got += n;
	return n;
}

/* The frames vmux wrote to the tap, read as any reader behind a tap would. */
static unsigned tap_recv(struct ends *e)
{
	struct mmsghdr mh[BURST];
	struct iovec iov[BURST];
	int r;

	memset(mh, 0, sizeof(mh));
	for (int i = 0; i < BURST; i++) {
		iov[i].iov_base = e->rbuf[i];
		iov[i].iov_len = sizeof(e->rbuf[i]);
		mh[i].msg_hdr.msg_iov = &iov[i];
		mh[i].msg_hdr.msg_iovlen = 1;
	}
	r = recvmmsg(e->raw, mh, BURST, MSG_DONTWAIT, NULL);
	if (r <= 0)
		return 0;
	e->got += (unsigned)r;
	return (unsigned)r;
}

static void tap_send(struct ends *e)
{
	struct mmsghdr mh[BURST];
	struct iovec iov = { .iov_base = e->frame, .iov_len = e->flen };
	int r;

	memset(mh, 0, sizeof(mh));
	for (int i = 0; i < BURST; i++) {
		mh[i].msg_hdr.msg_iov = &iov;
		mh[i].msg_hdr.msg_iovlen = 1;
	}
	r = sendmmsg(e->raw, mh, BURST, MSG_DONTWAIT);
	if (r > 0)
		e->sent += (unsigned)r;
	else
		e->refused += BURST;
}

/* One pass of the loop; true if it did something. */
static bool pass(struct ends *e, const struct opts *o)
{
	bool out = !strcmp(o->dir, "out"), work = false;

	if (!strcmp(o->path, "fwd")) {
		dpdk_send(e);
		return dpdk_recv(e) > 0;
	}
	if (out) {
		uint32_t f;

		if (e1kg_tx_reclaim(&e->g))
			work = true;
		f = e1kg_tx_free(&e->g);
		while (f >= BURST) {
			e1kg_tx_post(&e->g, BURST);
			f -= BURST;
			work = true;
		}
		if (!strcmp(o->path, "memif") && dpdk_recv(e))
			work = true;
		if (!strcmp(o->path, "tap") && !o->tap_count && tap_recv(e))
			work = true;
		return work;
	}
	if (!strcmp(o->path, "memif"))
		dpdk_send(e);
	else
		tap_send(e);
	if (e1kg_rx_poll(&e->g, UINT32_MAX, BURST))
		work = true;
	return work;
}

/* The tap's rx_packets from /proc/net/dev (our namespace's; /sys may be another's). */
static uint64_t tap_rx_packets(const char *ifname)
{
	char line[512];
	size_t n = strlen(ifname);
	uint64_t v = 0;
	FILE *f = fopen("/proc/net/dev", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		char *p = line;

		while (*p == ' ')
			p++;
		if (!strncmp(p, ifname, n) && p[n] == ':') {
			sscanf(p + n + 1, "%*u %" SCNu64, &v);
			break;
		}
	}
	fclose(f);
	return v;
}

static uint64_t delivered(struct ends *e, const struct opts *o)
{
	if (!strcmp(o->dir, "in") && strcmp(o->path, "fwd"))
		return e->g.cnt.rx_frames;
	if (!strcmp(o->path, "tap") && o->tap_count)
		return tap_rx_packets(o->tap);
	return e->got;
}

static void run_for(struct ends *e, const struct opts *o, uint64_t until)
{
	unsigned idle = 0;

	for (;;) {
		e->passes++;
		if (!pass(e, o)) {
			e->idle++;
			/* As vmux's polling loops: idle, give the CPU away every 64 passes. */
			if (++idle >= 64) {
				idle = 0;
				sched_yield();
			}
			__builtin_ia32_pause();
		} else {
			idle = 0;
		}
		if ((e->passes & 63) == 0 && now_ns() >= until)
			return;
	}
}

static int usage(void)
{
	fprintf(stderr, "usage: dpdk_bench --path memif|tap|fwd --dir out|in --size N --pid PID "
			"[--sock S] [--tap T] [--tap-count] [--secs S] [--warmup S] [--cpu N] -- EAL...\n");
	return 2;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "path", required_argument, NULL, 'p' }, { "dir", required_argument, NULL, 'd' },
		{ "size", required_argument, NULL, 'S' }, { "pid", required_argument, NULL, 'P' },
		{ "sock", required_argument, NULL, 's' }, { "tap", required_argument, NULL, 't' },
		{ "secs", required_argument, NULL, 'T' }, { "warmup", required_argument, NULL, 'w' },
		{ "cpu", required_argument, NULL, 'c' }, { "pid-file", required_argument, NULL, 'f' },
		{ "doorbell", required_argument, NULL, 'D' },
		{ "ready", required_argument, NULL, 'R' },
		{ "tap-count", no_argument, NULL, 'C' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = { .path = "memif", .dir = "out", .size = 64, .pid = -1, .cpu = -1,
			  .secs = 3, .warmup = 1 };
	static struct ends e;
	int c;

	while ((c = getopt_long(argc, argv, "+", lo, NULL)) != -1) {
		switch (c) {
		case 'p': o.path = optarg; break;
		case 'd': o.dir = optarg; break;
		case 'S': o.size = (unsigned)atoi(optarg); break;
		case 'P': o.pid = atoi(optarg); break;
		case 's': o.sock = optarg; break;
		case 't': o.tap = optarg; break;
		case 'T': o.secs = atof(optarg); break;
		case 'w': o.warmup = atof(optarg); break;
		case 'c': o.cpu = atoi(optarg); break;
		case 'f': o.pid_file = optarg; break;
		case 'D': o.db_poll = !strcmp(optarg, "poll"); break;
		case 'R': o.ready = optarg; break;
		case 'C': o.tap_count = true; break;
		default: return usage();
		}
	}
	if (o.size < 64 || o.size > 1518 || (o.pid <= 0 && !o.pid_file))
		return usage();
	if (o.cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(o.cpu, &set);
		sched_setaffinity(0, sizeof(set), &set);
	}
	e.raw = -1;
	e.guest = strcmp(o.path, "fwd") != 0;
	if (strcmp(o.path, "tap")) {
		argv[optind - 1] = argv[0];
		if (rte_eal_init(argc - optind + 1, argv + optind - 1) < 0) {
			fprintf(stderr, "dpdk_bench: EAL: %s\n", rte_strerror(rte_errno));
			return 1;
		}
		if (o.cpu >= 0) { /* the EAL pinned us to its lcore: back to --cpu */
			cpu_set_t set;

			CPU_ZERO(&set);
			CPU_SET(o.cpu, &set);
			sched_setaffinity(0, sizeof(set), &set);
		}
		e.mp = rte_pktmbuf_pool_create("bench_mp", 8191, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					       (int)rte_socket_id());
		if (!e.mp)
			return 1;
		for (uint16_t p = 0; p < rte_eth_dev_count_avail(); p++)
			if (port_up(p, e.mp) < 0) {
				fprintf(stderr, "dpdk_bench: port %u does not start\n", p);
				return 1;
			}
		/* A memif socket exists from the probe on; a client must wait for this. */
		if (o.ready) {
			FILE *f = fopen(o.ready, "w");

			if (f)
				fclose(f);
		}
		/* fwd: we send on port 0, the forwarder brings it back on port 1. */
		e.out_port = 0;
		e.in_port = !strcmp(o.path, "fwd") ? 1 : 0;
	} else {
		struct sockaddr_ll a = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL) };

		if (!o.tap)
			return usage();
		e.raw = socket(AF_PACKET, SOCK_RAW, 0);
		a.sll_ifindex = (int)if_nametoindex(o.tap);
		if (e.raw < 0 || bind(e.raw, (struct sockaddr *)&a, sizeof(a)) < 0) {
			perror("dpdk_bench: packet socket");
			return 1;
		}
	}
	if (e.guest) {
		uint32_t ral, rah;
		uint8_t mac[6];
		int r;

		if (!o.sock)
			return usage();
		/* vmux may start after us (a memif client needs our server first). */
		for (int i = 0; i < 1000; i++) {
			r = e1kg_open(&e.g, o.sock);
			if (!r)
				break;
			e1kg_close(&e.g);
			usleep(10000);
		}
		if (r) {
			fprintf(stderr, "dpdk_bench: %s: %s\n", o.sock, strerror(-r));
			return 1;
		}
		if (o.db_poll && e1kg_set_doorbell(&e.g, E1KG_DB_POLL)) {
			fprintf(stderr, "dpdk_bench: no doorbell page (vmux without --doorbell poll?)\n");
			return 1;
		}
		e1kg_reset(&e.g);
		ral = e1kg_rd(&e.g, E1K_RAL(0));
		rah = e1kg_rd(&e.g, E1K_RAH(0));
		for (int i = 0; i < 4; i++)
			mac[i] = (uint8_t)(ral >> (8 * i));
		mac[4] = (uint8_t)rah;
		mac[5] = (uint8_t)(rah >> 8);
		memset(e1kg_ptr(&e.g, E1KG_RXBUF), 0, (size_t)256 * 2048);
		e1kg_rx_setup(&e.g, 256, 2048, E1K_RCTL_BAM | E1K_RCTL_SECRC);
		e1kg_tx_setup(&e.g, 256);
		if (!strcmp(o.dir, "out")) {
			uint32_t len = e1kg_eth(e.frame, REMOTE, mac, ETYPE, o.size - 18, 1);

			if (e1kg_tx_prefill(&e.g, e.frame, len)) {
				fprintf(stderr, "dpdk_bench: cannot prefill the TX ring\n");
				return 1;
			}
		} else {
			e.flen = e1kg_eth(e.frame, mac, REMOTE, ETYPE, o.size - 18, 1);
		}
	} else {
		e.flen = e1kg_eth(e.frame, REMOTE, (const uint8_t[6]){ 2, 0, 0, 0, 0xee, 2 }, ETYPE,
				  o.size - 18, 1);
	}

	run_for(&e, &o, now_ns() + (uint64_t)(o.warmup * 1e9));
	if (o.pid_file)
		o.pid = (int)read_u64(o.pid_file);
	if (o.pid <= 0) {
		fprintf(stderr, "dpdk_bench: no pid in %s\n", o.pid_file);
		return 1;
	}
	bool tap = !strcmp(o.path, "tap");
	uint64_t w0 = tap ? tap_rx_packets(o.tap) : 0;
	uint64_t d0 = delivered(&e, &o), c0 = proc_cpu_ns(o.pid), t0 = now_ns();
	uint64_t s0 = e.sent, p0 = e.passes, i0 = e.idle;

	run_for(&e, &o, t0 + (uint64_t)(o.secs * 1e9));
	uint64_t d1 = delivered(&e, &o), c1 = proc_cpu_ns(o.pid), t1 = now_ns();
	uint64_t w1 = tap ? tap_rx_packets(o.tap) : 0;
	double wall = (double)(t1 - t0) / 1e9, cpu = (double)(c1 - c0) / 1e9;
	double mpps = (double)(d1 - d0) / wall / 1e6;

	printf("RESULT path=%s dir=%s size=%u delivered=%" PRIu64 " wall_s=%.3f mid_cpu_s=%.3f "
	       "mpps_wall=%.4f mpps_core=%.4f sent=%" PRIu64 " bench_idle=%.3f tap_rx=%" PRIu64 "\n",
	       o.path, o.dir, o.size, d1 - d0, wall, cpu, mpps,
	       cpu > 0 ? (double)(d1 - d0) / cpu / 1e6 : 0.0, e.sent - s0,
	       e.passes > p0 ? (double)(e.idle - i0) / (double)(e.passes - p0) : 0.0, w1 - w0);
	/* The figure first: what follows has crashed in DPDK (below). */
	fflush(stdout);
	if (e.guest)
		e1kg_close(&e.g);
	if (e.mp) {
		/*
		 * The ports closed, and out without rte_eal_cleanup: the EAL's
		 * interrupt thread of DPDK 22.11 outlives it and, in a third of
		 * the runs, used a memif interrupt handle the cleanup had freed.
		 */
		uint16_t n = rte_eth_dev_count_avail();

		for (uint16_t p = 0; p < n; p++) {
			rte_eth_dev_stop(p);
			rte_eth_dev_close(p);
		}
		fflush(NULL);
		_exit(0);
	}
	return 0;
}
