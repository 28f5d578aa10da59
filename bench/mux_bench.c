/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mux_bench: many poll-mode guests on one running vmux, without QEMU.
 *
 * Attaches N e1kg guests (client/e1kg.h) to the sockets of a vmux started by
 * the caller (bench/mux_bench.sh), each in its own memfd "guest RAM", and
 * drives them from this one thread:
 *   vm2vm   guest 2k sends to guest 2k+1 (its MAC), which only receives;
 *   uplink  every guest sends to a MAC behind the switch's uplink tap.
 * Senders keep their TX ring full of prefilled frames and ring TDT once per
 * batch of frames (a posted REGION_WRITE, as QEMU forwards it); receivers keep
 * their RX ring refilled, one RDT write per batch.
 *
 * What it prints, for one point (mode, frame size, N):
 *   - frames delivered during the measurement (vm2vm: taken by the receiving
 *     guests; uplink: the tap's rx_packets, read in the namespace both run in),
 *   - vmux's CPU time during it, per thread (/proc/PID/task/TID/schedstat), and
 *     Mpps per vmux worker core = delivered frames / worker CPU seconds,
 *   - the same-run baseline: one thread of this process moving frames of the
 *     same size from a ring of buffers through an SPSC ring into another ring
 *     of buffers (two memcpy per frame, as vmux's emulated path copies guest
 *     -> packet -> guest), in Mpps per CPU second, and the ratio,
 *   - vmux's resident memory before the guests attached and after the run,
 *   - this thread's CPU time and how often it found nothing to do, to show
 *     that the guests' side is not what limits the figure.
 * A last line "RESULT key=value ..." is for the wrapper script.
 *
 * Frame sizes are Ethernet sizes with the FCS (64, 1518): the guest hands the
 * device size - 4 bytes with IFCS set.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <net/if.h>
#include <netpacket/packet.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>
#include <linux/if_ether.h>

#include "client/e1kg.h"
#include "client/e810g.h"
#include "client/e810g_fd.h"
#include "core/spsc.h"
#include "handoff.h"

#define MAX_VMS 256
#define ETHERTYPE_BENCH 0x88b5 /* IEEE local experimental */

struct opts {
	int pid;
	const char *sock_dir;
	unsigned n;
	unsigned size;
	bool vm2vm;
	double secs, warmup, base_secs;
	unsigned batch, rx_batch;
	unsigned tx_ring, rx_ring;
	int cpu;
	const char *tap;
	uint8_t uplink_mac[6];
	bool secrc;
	bool memcpy_only;
	bool handoff_only;
	bool wb_each;
	int device_cpu;
	enum e1kg_doorbell doorbell;
	bool e810; /* --nic e810: e810g guests on e810-emu devices */
	bool ipv4; /* --ipv4: IPv4/UDP frames, not the bench ethertype */
	bool e810_rss; /* --e810-rss: 4 queue pairs and RSS set up, every entry queue 0 */
	unsigned e810_fd; /* --e810-fd N: flow director filters on each receiving guest */
	bool e810_fd_match; /* --e810-fd-match: the last of them on the bench's UDP port */
	bool e810_spread; /* --e810-spread: a table over the 4 queues, many flows, all polled */
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ---- the memcpy bound -------------------------------------------------- */

#define MC_BUFS 256u   /* like a guest ring */
#define MC_POOL 512u   /* like a device's packet pool */
#define MC_BURST 32u
#define MC_STRIDE 2048u

struct mc_result {
	uint64_t frames, cpu_ns, wall_ns;
	uint32_t sum;
};

/*
 * One thread, per burst: take packet buffers from a free stack, copy a frame
 * from the source ring into each, enqueue them on an SPSC ring; dequeue them,
 * copy each into the destination ring, return the buffers. Two copies and one
 * ring transfer per frame: the least an emulated NIC-to-NIC path must do.
 */
static int memcpy_bound(unsigned len, double secs, struct mc_result *res)
{
	uint8_t *src = aligned_alloc(64, (size_t)MC_BUFS * MC_STRIDE);
	uint8_t *dst = aligned_alloc(64, (size_t)MC_BUFS * MC_STRIDE);
	uint8_t *pool = aligned_alloc(64, (size_t)MC_POOL * MC_STRIDE);
	void **stack = calloc(MC_POOL, sizeof(void *));
	struct spsc_ring *ring = spsc_create(1024);
	unsigned top = 0, si = 0, di = 0;
	uint64_t frames = 0, t0, c0, deadline;
	volatile uint32_t sink = 0;

	if (!src || !dst || !pool || !stack || !ring) {
		free(src);
		free(dst);
		free(pool);
		free(stack);
		spsc_destroy(ring);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < MC_BUFS * MC_STRIDE; i++)
		src[i] = (uint8_t)(i * 13 + 7);
	memset(dst, 0, (size_t)MC_BUFS * MC_STRIDE);
	memset(pool, 0, (size_t)MC_POOL * MC_STRIDE);
	for (unsigned i = 0; i < MC_POOL; i++)
		stack[top++] = pool + (size_t)i * MC_STRIDE;

	t0 = now_ns();
	c0 = thread_cpu_ns();
	deadline = t0 + (uint64_t)(secs * 1e9);
	for (;;) {
		void *b[MC_BURST];
		uint32_t n;

		for (unsigned r = 0; r < 256; r++) {
			for (unsigned i = 0; i < MC_BURST; i++) {
				b[i] = stack[--top];
				memcpy(b[i], src + (size_t)si * MC_STRIDE, len);
				si = (si + 1) & (MC_BUFS - 1);
			}
			n = spsc_enqueue_burst(ring, b, MC_BURST);
			n = spsc_dequeue_burst(ring, b, n);
			for (unsigned i = 0; i < n; i++) {
				memcpy(dst + (size_t)di * MC_STRIDE, b[i], len);
				di = (di + 1) & (MC_BUFS - 1);
				stack[top++] = b[i];
			}
			frames += n;
		}
		if (now_ns() >= deadline)
			break;
	}
	res->cpu_ns = thread_cpu_ns() - c0;
	res->wall_ns = now_ns() - t0;
	res->frames = frames;
	/* Something the compiler cannot see through, so the copies stay. */
	for (unsigned i = 0; i < MC_BUFS; i++)
		sink += dst[(size_t)i * MC_STRIDE + (len - 1)];
	res->sum = sink;
	free(src);
	free(dst);
	free(pool);
	free(stack);
	spsc_destroy(ring);
	return 0;
}

/* ---- vmux's side: CPU and memory from /proc ------------------------------- */

struct proc_cpu {
	uint64_t minflt, majflt; /* page faults of the whole process */
	uint64_t worker_ns; /* threads named vmux-w* */
	uint64_t total_ns;  /* all threads */
	unsigned nworkers;
};

static bool read_line(const char *path, char *buf, size_t cap)
{
	FILE *f = fopen(path, "r");
	bool ok;

	if (!f)
		return false;
	ok = fgets(buf, (int)cap, f) != NULL;
	fclose(f);
	return ok;
}

static int proc_cpu(int pid, struct proc_cpu *pc)
{
	char path[320], buf[256];
	DIR *d;
	struct dirent *de;

	memset(pc, 0, sizeof(*pc));
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (read_line(path, buf, sizeof(buf))) {
		const char *p = strrchr(buf, ')');

		/* After "(comm)": state ppid pgrp session tty tpgid flags minflt cminflt majflt */
		if (p)
			sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %" SCNu64 " %*u %" SCNu64,
			       &pc->minflt, &pc->majflt);
	}
	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	d = opendir(path);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		uint64_t ns;

		if (de->d_name[0] == '.')
			continue;
		/* schedstat: time on CPU in ns (finer than stat's clock ticks). */
		snprintf(path, sizeof(path), "/proc/%d/task/%s/schedstat", pid, de->d_name);
		if (!read_line(path, buf, sizeof(buf)) || sscanf(buf, "%" SCNu64, &ns) != 1)
			continue;
		pc->total_ns += ns;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/comm", pid, de->d_name);
		if (read_line(path, buf, sizeof(buf)) && !strncmp(buf, "vmux-w", 6)) {
			pc->worker_ns += ns;
			pc->nworkers++;
		}
	}
	closedir(d);
	return 0;
}

/* Where vmux's threads are (state, wait channel): for a measurement in which it never ran. */
static void print_threads(int pid)
{
	char path[320], buf[512], wchan[128];
	DIR *d;
	struct dirent *de;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	d = opendir(path);
	if (!d)
		return;
	printf("  vmux had no CPU time during the measurement; its threads now:\n");
	while ((de = readdir(d))) {
		const char *p;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/stat", pid, de->d_name);
		if (!read_line(path, buf, sizeof(buf)) || !(p = strrchr(buf, ')')))
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/wchan", pid, de->d_name);
		if (!read_line(path, wchan, sizeof(wchan)))
			wchan[0] = 0;
		printf("    task %s state %c wchan %s\n", de->d_name, p[2], wchan);
	}
	closedir(d);
}

struct proc_mem {
	long rss_kb, anon_kb, file_kb, shmem_kb;
};

static int proc_mem(int pid, struct proc_mem *m)
{
	char path[64], line[256];
	FILE *f;

	memset(m, 0, sizeof(*m));
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		sscanf(line, "VmRSS: %ld", &m->rss_kb);
		sscanf(line, "RssAnon: %ld", &m->anon_kb);
		sscanf(line, "RssFile: %ld", &m->file_kb);
		sscanf(line, "RssShmem: %ld", &m->shmem_kb);
	}
	fclose(f);
	return 0;
}

static long long tap_stat(const char *tap, const char *what)
{
	char path[160], buf[64];

	if (!tap)
		return -1;
	snprintf(path, sizeof(path), "/sys/class/net/%s/statistics/%s", tap, what);
	if (!read_line(path, buf, sizeof(buf)))
		return -1;
	return strtoll(buf, NULL, 10);
}

/*
 * One frame from the uplink's side (written to the tap, so vmux reads it):
 * the switch learns the uplink MAC there, as it would from a real host's
 * traffic, and VM->uplink frames go to one known port instead of flooding.
 */
static int teach_uplink_mac(const char *tap, const uint8_t *uplink_mac, const uint8_t *to)
{
	struct sockaddr_ll sa = { 0 };
	uint8_t f[64];
	int s, r = 0;

	s = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
	if (s < 0)
		return -errno;
	sa.sll_family = AF_PACKET;
	sa.sll_ifindex = (int)if_nametoindex(tap);
	sa.sll_halen = 6;
	memcpy(sa.sll_addr, to, 6);
	memset(f, 0, sizeof(f));
	e1kg_eth(f, to, uplink_mac, ETHERTYPE_BENCH, 46, 0);
	if (!sa.sll_ifindex || sendto(s, f, 60, 0, (struct sockaddr *)&sa, sizeof(sa)) != 60)
		r = -errno;
	close(s);
	return r;
}

/* ---- the guests ------------------------------------------------------- */

struct vm {
	struct e1kg g;
	struct e810g x; /* with --nic e810 */
	bool e810;
	uint8_t mac[6];
	bool tx, rx;
};

static struct vm vms[MAX_VMS];

/*
 * --e810-rss: a key and a 64-entry VSI table whose entries all name queue
 * 0 (the queue the bench polls): every frame is hashed and looked up, and
 * lands where it did without RSS; with --e810-spread entries i % 4 (the
 * receiver polls the 4 queues). 0, or -EIO.
 */
static int e810_rss_setup(struct e810g *g, bool spread)
{
	uint8_t prm[16] = { 0 }, key[52], lut[64] = { 0 };

	for (unsigned i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(i * 37 + 11);
	for (unsigned i = 0; spread && i < sizeof(lut); i++)
		lut[i] = (uint8_t)(i % E810G_QUEUES_MAX);
	prm[0] = (uint8_t)g->vsi;
	prm[1] = (uint8_t)(0x80 | g->vsi >> 8);
	if (e810g_aq(g, 0x0b02, prm, key, sizeof(key), true))
		return -EIO;
	memset(prm + 2, 0, 14);
	return e810g_aq(g, 0x0b03, prm, lut, sizeof(lut), true) ? -EIO : 0;
}

/* frame_ipv4's UDP destination port */
#define BENCH_UDP_PORT 5001u

/*
 * --e810-fd N: the flow director as ice sets it up (client/e810g_fd.h: the
 * package, the IPv4/UDP profile, a control VSI on the queue pair past the 4
 * LAN pairs, whose TX queue carries the programming descriptors) and N
 * filters to queue 0 on UDP ports 20000.. that the bench's frames do not
 * use, so that every frame is looked up and none matches; with
 * --e810-fd-match the last filter names the frames' port (they match, and
 * still land on queue 0, the one polled). Prints how many the device holds.
 * 0, or -EIO.
 */
static int e810_fd_setup(struct e810g *g, const struct opts *o)
{
	unsigned got;

	if (e810g_fd_up(g, 2 * E810G_QUEUES_MAX))
		return -EIO;
	for (unsigned i = 0; i < o->e810_fd; i++) {
		bool last = i + 1 == o->e810_fd;
		uint16_t port = o->e810_fd_match && last ? BENCH_UDP_PORT : (uint16_t)(20000 + i);

		if (e810g_fd_add(g, port, 0, false, i + 1))
			return -EIO;
	}
	got = e810g_fd_count(g);
	printf("  flow director: %u of %u filters in the device%s\n", got, o->e810_fd,
	       o->e810_fd_match ? ", the last on the frames' UDP port" : "");
	return 0;
}

/* --ipv4: the frame made IPv4/UDP from 10.0.0.i to 10.0.1.i (checksums left 0). */
static void frame_ipv4(uint8_t *f, uint32_t len, unsigned i)
{
	f[12] = 0x08;
	f[13] = 0x00;
	memset(f + 14, 0, 28);
	f[14] = 0x45;
	f[16] = (uint8_t)((len - 14) >> 8);
	f[17] = (uint8_t)(len - 14);
	f[22] = 64;
	f[23] = 17;
	f[26] = 10;
	f[29] = (uint8_t)i;
	f[30] = 10;
	f[32] = 1;
	f[33] = (uint8_t)i;
	f[34] = 0x30;
	f[35] = (uint8_t)i;
	f[36] = (uint8_t)(BENCH_UDP_PORT >> 8);
	f[37] = (uint8_t)BENCH_UDP_PORT;
	f[38] = (uint8_t)((len - 34) >> 8);
	f[39] = (uint8_t)(len - 34);
}

static int vm_open(struct vm *v, const char *sock, const struct opts *o)
{
	uint32_t ral, rah;
	int r;

	if (o->e810) {
		v->e810 = true;
		r = e810g_open(&v->x, sock);
		if (r)
			return r;
		memset(e810g_ptr(&v->x, E810G_RXBUF), 0, (size_t)o->rx_ring * E810G_BUF_STRIDE);
		if (o->e810_rss) {
			r = e810g_up_queues(&v->x, E810G_QUEUES_MAX, o->tx_ring, o->rx_ring);
			if (!r)
				r = e810_rss_setup(&v->x, o->e810_spread);
		} else {
			r = e810g_up(&v->x, o->tx_ring, o->rx_ring);
		}
		memcpy(v->mac, v->x.mac, 6);
		if (!r && o->doorbell == E1KG_DB_POLL)
			r = e810g_map_doorbells(&v->x);
		return r;
	}
	r = e1kg_open(&v->g, sock);
	if (r)
		return r;
	r = e1kg_set_doorbell(&v->g, o->doorbell);
	if (r)
		return r;
	e1kg_reset(&v->g); /* interrupts masked (IMC): the guest polls */
	ral = e1kg_rd(&v->g, E1K_RAL(0));
	rah = e1kg_rd(&v->g, E1K_RAH(0));
	for (int i = 0; i < 4; i++)
		v->mac[i] = (uint8_t)(ral >> (8 * i));
	v->mac[4] = (uint8_t)rah;
	v->mac[5] = (uint8_t)(rah >> 8);
	/*
	 * Guest RAM that a running guest has used long since: its pages exist,
	 * so vmux's first writes into the RX buffers do not allocate them.
	 */
	memset(e1kg_ptr(&v->g, E1KG_RXBUF), 0, (size_t)o->rx_ring * 2048);
	e1kg_rx_setup(&v->g, o->rx_ring, 2048, E1K_RCTL_BAM | (o->secrc ? E1K_RCTL_SECRC : 0));
	e1kg_tx_setup(&v->g, o->tx_ring);
	return 0;
}

struct totals {
	uint64_t tx_posted, tx_done, tx_doorbells, rx_frames, doorbells;
};

static void totals(unsigned n, struct totals *t)
{
	memset(t, 0, sizeof(*t));
	for (unsigned i = 0; i < n; i++) {
		const struct e1kg_counters *c = &vms[i].g.cnt;

		if (vms[i].e810) {
			const struct e810g_counters *x = &vms[i].x.cnt;

			t->tx_posted += x->tx_posted;
			t->tx_done += x->tx_done;
			t->tx_doorbells += x->tx_doorbells;
			t->rx_frames += x->rx_frames;
			t->doorbells += x->doorbells;
			continue;
		}
		t->tx_posted += c->tx_posted;
		t->tx_done += c->tx_done;
		t->tx_doorbells += c->tx_doorbells;
		t->rx_frames += c->rx_frames;
		t->doorbells += c->doorbells;
	}
}

struct drive_stats {
	uint64_t passes, idle_passes;
	uint64_t fill_sum, fill_samples; /* TX descriptors outstanding, sampled per pass */
};

/* Drives all guests until `until` (monotonic ns). */
static void drive(unsigned n, const struct opts *o, uint64_t until, struct drive_stats *ds)
{
	for (;;) {
		bool work = false;

		for (unsigned i = 0; i < n; i++) {
			struct vm *v = &vms[i];

			if (v->e810) {
				if (v->tx) {
					uint32_t f;

					if (e810g_tx_reclaim(&v->x))
						work = true;
					f = e810g_tx_free(&v->x);
					ds->fill_sum += v->x.q[0].tx_count - 1 - f;
					ds->fill_samples++;
					while (f >= o->batch) {
						e810g_tx_post(&v->x, o->batch);
						f -= o->batch;
						work = true;
					}
				}
				for (unsigned q = 0; v->rx && q < (o->e810_spread ? v->x.nq : 1); q++)
					if (e810g_rxq_poll(&v->x, q, UINT32_MAX, o->rx_batch))
						work = true;
				continue;
			}
			if (v->tx) {
				uint32_t f;

				if (e1kg_tx_reclaim(&v->g))
					work = true;
				f = e1kg_tx_free(&v->g);
				ds->fill_sum += v->g.tx_count - 1 - f;
				ds->fill_samples++;
				while (f >= o->batch) {
					e1kg_tx_post(&v->g, o->batch);
					f -= o->batch;
					work = true;
				}
			}
			if (v->rx && e1kg_rx_poll(&v->g, UINT32_MAX, o->rx_batch))
				work = true;
		}
		ds->passes++;
		if (!work) {
			ds->idle_passes++;
			__builtin_ia32_pause();
		}
		if ((ds->passes & 15) == 0 && now_ns() >= until)
			break;
	}
}

/* ---- main ---------------------------------------------------------------- */

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: mux_bench --pid PID --sockets DIR -n N -S SIZE -m vm2vm|uplink [options]\n"
		"       mux_bench --memcpy-only -S SIZE [-B SECS]\n"
		"       mux_bench --handoff-only -S SIZE [-B SECS] [--cpu G] [--device-cpu D] [--wb-each]\n"
		"  --pid PID         the vmux process (its CPU time and memory are read from /proc)\n"
		"  --sockets DIR     device i listens on DIR/vmI.sock (I = 0 .. N-1)\n"
		"  -n N              guests (vm2vm: N even, pairs 2k -> 2k+1)\n"
		"  -S SIZE           frame size with FCS (64..1518)\n"
		"  -m MODE           vm2vm or uplink\n"
		"  -t SECS           measurement (default 3)\n"
		"  -w SECS           warm-up: at least this (default 1) and until every ring went round\n"
		"  -B SECS           memcpy baseline time (default 1)\n"
		"  -b N              TX descriptors per doorbell (default 32)\n"
		"  -r N              RX descriptors given back per RDT write (default 32)\n"
		"  --tx-ring N       TX descriptors (default 256)   --rx-ring N  RX descriptors (default 2048)\n"
		"  --tap NAME        the uplink tap (its counters; teaches the switch the uplink MAC)\n"
		"  --uplink-mac MAC  where uplink frames go (default 02:00:00:00:ff:01)\n"
		"  --secrc           guests strip the FCS in the device (Linux's e1000 does not)\n"
		"  --doorbell MODE   how tail registers are written: trap (posted REGION_WRITE,\n"
		"                    default) or poll (stores on the doorbell page; vmux must run\n"
		"                    its devices with --doorbell poll)\n"
		"  --cpu N           pin this thread to CPU N (--handoff-only: the guest thread)\n"
		"  --memcpy-only     only the memcpy bound: one thread, two copies and an SPSC\n"
		"                    ring per frame, in one core's cache\n"
		"  --handoff-only    only the handoff bound: a guest thread writes e1000-shaped\n"
		"                    TX/RX descriptors, a device thread (--device-cpu, default 1)\n"
		"                    copies frames between their buffers through packet buffers\n"
		"                    and an SPSC ring; Mpps per device CPU second\n"
		"  --wb-each         (--handoff-only) write each descriptor back as it is done,\n"
		"                    not once per burst\n"
		"  --nic e810        the guests are e810g (client/e810g.h) on e810-emu devices\n"
		"                    (default e1000: e1kg on e1000-emu); either doorbell mode\n"
		"  --ipv4            IPv4/UDP frames (default: an experimental ethertype)\n"
		"  --e810-rss        (--nic e810) 4 queue pairs (rings of at most 256) and RSS set\n"
		"                    up with every table entry on queue 0, the one polled: each\n"
		"                    frame is hashed; vmux's devices need --queues 4 (implies --ipv4)\n"
		"  --e810-fd N       (--e810-rss) N flow director filters (1..2048; the device holds\n"
		"                    1024) on each receiving guest, on UDP ports the frames do not\n"
		"                    use: every frame is looked up, none matches\n"
		"  --e810-fd-match   (--e810-fd) the last filter on the frames' UDP port (all match)\n"
		"  --e810-spread     (implies --e810-rss) the table's entries over the 4 queues, a\n"
		"                    source port per TX buffer (as many flows as the ring has\n"
		"                    descriptors), the receivers poll every queue; frames per queue\n"
		"                    printed at the end\n"
		"MUX_BENCH_DEBUG=1 prints each guest's counters and ring registers at the end.\n");
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

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "sockets", required_argument, NULL, 's' },
		{ "tx-ring", required_argument, NULL, 'T' },
		{ "rx-ring", required_argument, NULL, 'R' },
		{ "tap", required_argument, NULL, 'a' },
		{ "uplink-mac", required_argument, NULL, 'u' },
		{ "secrc", no_argument, NULL, 'c' },
		{ "doorbell", required_argument, NULL, 'd' },
		{ "cpu", required_argument, NULL, 'C' },
		{ "memcpy-only", no_argument, NULL, 'M' },
		{ "handoff-only", no_argument, NULL, 'H' },
		{ "device-cpu", required_argument, NULL, 'D' },
		{ "wb-each", no_argument, NULL, 'E' },
		{ "nic", required_argument, NULL, 'N' },
		{ "ipv4", no_argument, NULL, '4' },
		{ "e810-rss", no_argument, NULL, 'X' },
		{ "e810-fd", required_argument, NULL, 'F' },
		{ "e810-fd-match", no_argument, NULL, 'G' },
		{ "e810-spread", no_argument, NULL, 'Q' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	*o = (struct opts){ .pid = -1, .n = 1, .size = 64, .secs = 3, .warmup = 1,
			    .base_secs = 1, .batch = 32, .rx_batch = 32, .tx_ring = 256,
			    .rx_ring = 2048, .cpu = -1, .device_cpu = 1, .doorbell = E1KG_DB_TRAP };
	parse_mac("02:00:00:00:ff:01", o->uplink_mac);
	while ((c = getopt_long(argc, argv, "n:S:m:t:w:B:b:r:h", lo, NULL)) != -1) {
		switch (c) {
		case 'p': o->pid = atoi(optarg); break;
		case 's': o->sock_dir = optarg; break;
		case 'n': o->n = (unsigned)atoi(optarg); break;
		case 'S': o->size = (unsigned)atoi(optarg); break;
		case 'm':
			if (!strcmp(optarg, "vm2vm"))
				o->vm2vm = true;
			else if (strcmp(optarg, "uplink"))
				return -1;
			break;
		case 't': o->secs = atof(optarg); break;
		case 'w': o->warmup = atof(optarg); break;
		case 'B': o->base_secs = atof(optarg); break;
		case 'b': o->batch = (unsigned)atoi(optarg); break;
		case 'r': o->rx_batch = (unsigned)atoi(optarg); break;
		case 'T': o->tx_ring = (unsigned)atoi(optarg); break;
		case 'R': o->rx_ring = (unsigned)atoi(optarg); break;
		case 'a': o->tap = optarg; break;
		case 'u':
			if (parse_mac(optarg, o->uplink_mac))
				return -1;
			break;
		case 'c': o->secrc = true; break;
		case 'd':
			if (!strcmp(optarg, "trap")) {
				o->doorbell = E1KG_DB_TRAP;
			} else if (!strcmp(optarg, "poll")) {
				o->doorbell = E1KG_DB_POLL;
			} else {
				fprintf(stderr, "mux_bench: --doorbell %s: trap or poll\n", optarg);
				return -1;
			}
			break;
		case 'C': o->cpu = atoi(optarg); break;
		case 'M': o->memcpy_only = true; break;
		case 'H': o->handoff_only = true; break;
		case 'D': o->device_cpu = atoi(optarg); break;
		case 'E': o->wb_each = true; break;
		case 'N':
			if (strcmp(optarg, "e810") && strcmp(optarg, "e1000")) {
				fprintf(stderr, "mux_bench: --nic e1000 or e810\n");
				return -1;
			}
			o->e810 = !strcmp(optarg, "e810");
			break;
		case '4': o->ipv4 = true; break;
		case 'X': o->e810_rss = o->ipv4 = true; break;
		case 'F': o->e810_fd = (unsigned)atoi(optarg); break;
		case 'G': o->e810_fd_match = true; break;
		case 'Q': o->e810_spread = o->e810_rss = o->ipv4 = true; break;
		case 'h': usage(stdout); exit(0);
		default: return -1;
		}
	}
	if (o->size < 64 || o->size > 1518 || o->secs <= 0)
		return -1;
	if (o->e810_rss && (!o->e810 || o->tx_ring > E810G_QX_RING_MAX ||
			    o->rx_ring > E810G_QX_RING_MAX)) {
		fprintf(stderr, "mux_bench: --e810-rss needs --nic e810 and rings of at most %u\n",
			E810G_QX_RING_MAX);
		return -1;
	}
	if ((o->e810_fd && (!o->e810_rss || o->e810_fd > 2048)) || (o->e810_fd_match && !o->e810_fd)) {
		fprintf(stderr, "mux_bench: --e810-fd N needs --e810-rss and N of at most 2048, and "
			"--e810-fd-match needs --e810-fd\n");
		return -1;
	}
	if (o->memcpy_only || o->handoff_only)
		return 0;
	if (o->pid <= 0 || !o->sock_dir || !o->n || o->n > MAX_VMS || (o->vm2vm && o->n % 2))
		return -1;
	if (o->tx_ring < 8 || o->tx_ring > 1024 || o->tx_ring % 8 || o->rx_ring < 8 ||
	    o->rx_ring > 2048 || o->rx_ring % 8 || !o->batch || o->batch >= o->tx_ring ||
	    !o->rx_batch || o->rx_batch >= o->rx_ring)
		return -1;
	return 0;
}

static double loadavg1(void)
{
	char buf[128];
	double l = -1;

	if (read_line("/proc/loadavg", buf, sizeof(buf)))
		sscanf(buf, "%lf", &l);
	return l;
}

int main(int argc, char **argv)
{
	struct opts o;
	struct mc_result mc;
	struct proc_mem m0, m1;
	struct proc_cpu p0, p1;
	struct totals t0, t1;
	struct drive_stats ds = { 0 }, dwarm = { 0 };
	uint64_t w0, w1, g0, g1;
	long long tap0 = -1, tap1 = -1, tapd0 = -1, tapd1 = -1;
	unsigned len;
	double warm_s = 0;
	int r;

	if (parse_opts(argc, argv, &o)) {
		usage(stderr);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	len = o.size - 4; /* the device appends the FCS (IFCS) */
	if (o.handoff_only) {
		struct handoff_result ho;

		r = handoff_bound(len, o.base_secs, o.cpu < 0 ? 0 : o.cpu, o.device_cpu, o.wb_each,
				  &ho);
		if (r) {
			fprintf(stderr, "mux_bench: handoff bound: %s\n", strerror(-r));
			return 1;
		}
		double ho_mpps = (double)ho.frames / ((double)ho.cpu_ns / 1e9) / 1e6;
		printf("handoff guest->device->guest, %u B frames, write-back per %s: %.2f Mpps per "
		       "device core (%.3f s CPU, %.3f s wall, %.2f Mpps wall; guest took %" PRIu64
		       " of %" PRIu64 ")\n",
		       o.size, o.wb_each ? "descriptor" : "burst", ho_mpps, (double)ho.cpu_ns / 1e9, (double)ho.wall_ns / 1e9,
		       (double)ho.frames / ((double)ho.wall_ns / 1e9) / 1e6, ho.frames_guest,
		       ho.frames);
		printf("RESULT size=%u handoff_mpps_core=%.3f\n", o.size, ho_mpps);
		return 0;
	}
	bench_pin(o.cpu);

	if (memcpy_bound(len, o.base_secs, &mc)) {
		fprintf(stderr, "mux_bench: no memory for the baseline\n");
		return 1;
	}
	double mc_mpps = (double)mc.frames / ((double)mc.cpu_ns / 1e9) / 1e6;
	if (o.memcpy_only) {
		printf("memcpy ring-to-ring, %u B frames: %.2f Mpps per core (%.3f s CPU, %.3f s wall)\n",
		       o.size, mc_mpps, (double)mc.cpu_ns / 1e9, (double)mc.wall_ns / 1e9);
		printf("RESULT size=%u memcpy_mpps_core=%.3f\n", o.size, mc_mpps);
		return 0;
	}

	if (proc_mem(o.pid, &m0)) {
		fprintf(stderr, "mux_bench: no process %d\n", o.pid);
		return 1;
	}
	for (unsigned i = 0; i < o.n; i++) {
		char sock[300];

		snprintf(sock, sizeof(sock), "%s/vm%u.sock", o.sock_dir, i);
		r = vm_open(&vms[i], sock, &o);
		if (r) {
			fprintf(stderr, "mux_bench: guest %u on %s: %s\n", i, sock, strerror(-r));
			return 1;
		}
		vms[i].tx = o.vm2vm ? i % 2 == 0 : true;
		vms[i].rx = o.vm2vm ? i % 2 == 1 : false;
		if (o.e810_fd && vms[i].rx && e810_fd_setup(&vms[i].x, &o)) {
			fprintf(stderr, "mux_bench: guest %u: cannot set the flow director up\n", i);
			return 1;
		}
	}
	for (unsigned i = 0; i < o.n; i++) {
		uint8_t f[2048];
		const uint8_t *dst = o.vm2vm ? vms[i + 1].mac : o.uplink_mac;

		if (!vms[i].tx)
			continue;
		e1kg_eth(f, dst, vms[i].mac, ETHERTYPE_BENCH, len - 14, (uint8_t)i);
		if (o.ipv4)
			frame_ipv4(f, len, i);
		if (vms[i].e810 ? e810g_tx_prefill(&vms[i].x, f, len)
				: e1kg_tx_prefill(&vms[i].g, f, len)) {
			fprintf(stderr, "mux_bench: cannot prefill the TX ring\n");
			return 1;
		}
		/* --e810-spread: buffer k's frame is flow k (source port 0x3000 + k). */
		for (unsigned k = 0; o.e810_spread && k < vms[i].x.q[0].tx_count; k++) {
			uint8_t *b = e810g_ptr(&vms[i].x, vms[i].x.q[0].txbuf + E810G_BUF_STRIDE * k);

			b[34] = (uint8_t)((0x3000u + k) >> 8);
			b[35] = (uint8_t)(0x3000u + k);
		}
	}
	if (!o.vm2vm && o.tap) {
		r = teach_uplink_mac(o.tap, o.uplink_mac, vms[0].mac);
		if (r)
			fprintf(stderr, "mux_bench: cannot send the learning frame on %s: %s\n", o.tap,
				strerror(-r));
		usleep(100 * 1000);
	}

	/*
	 * Warm-up: at least the time asked, and until every ring has gone round
	 * once (at most 60 s), so that vmux has touched every guest page and
	 * packet buffer it will use: first touches are page faults, and in a
	 * short run at large N they would be most of what is measured.
	 */
	{
		uint64_t start = now_ns(), min_end = start + (uint64_t)(o.warmup * 1e9);
		uint64_t cap = start + 60000000000ull;
		bool cycled = false;

		while (!cycled && now_ns() < cap) {
			drive(o.n, &o, now_ns() + 100000000ull, &dwarm);
			cycled = now_ns() >= min_end;
			for (unsigned i = 0; cycled && i < o.n; i++) {
				const struct e1kg_counters *c = &vms[i].g.cnt;
				uint64_t td = vms[i].e810 ? vms[i].x.cnt.tx_done : c->tx_done;
				uint64_t rf = vms[i].e810 ? vms[i].x.cnt.rx_frames : c->rx_frames;

				if ((vms[i].tx && td < o.tx_ring) || (vms[i].rx && rf < o.rx_ring))
					cycled = false;
			}
		}
		warm_s = (double)(now_ns() - start) / 1e9;
		if (!cycled)
			fprintf(stderr, "mux_bench: rings not all gone round after %.0f s of warm-up\n",
				warm_s);
	}

	totals(o.n, &t0);
	proc_cpu(o.pid, &p0);
	tap0 = tap_stat(o.tap, "rx_packets");
	tapd0 = tap_stat(o.tap, "rx_dropped");
	g0 = thread_cpu_ns();
	w0 = now_ns();
	drive(o.n, &o, w0 + (uint64_t)(o.secs * 1e9), &ds);
	w1 = now_ns();
	g1 = thread_cpu_ns();
	tap1 = tap_stat(o.tap, "rx_packets");
	tapd1 = tap_stat(o.tap, "rx_dropped");
	proc_cpu(o.pid, &p1);
	totals(o.n, &t1);
	proc_mem(o.pid, &m1);

	double wall = (double)(w1 - w0) / 1e9;
	uint64_t sent = t1.tx_done - t0.tx_done;
	uint64_t delivered = o.vm2vm ? t1.rx_frames - t0.rx_frames
			     : tap0 >= 0 && tap1 >= 0 ? (uint64_t)(tap1 - tap0) : sent;
	uint64_t txdb = t1.tx_doorbells - t0.tx_doorbells;
	uint64_t db = t1.doorbells - t0.doorbells;
	double wk_s = (double)(p1.worker_ns - p0.worker_ns) / 1e9;
	double all_s = (double)(p1.total_ns - p0.total_ns) / 1e9;
	double core_s = p1.nworkers ? wk_s : all_s;
	double mpps_core = core_s > 0 ? (double)delivered / core_s / 1e6 : 0;
	/* What vmux took from the TX rings, delivered or not (dropped at a full RX ring). */
	double mpps_core_taken = core_s > 0 ? (double)sent / core_s / 1e6 : 0;
	double guest_s = (double)(g1 - g0) / 1e9;
	double idle = ds.passes ? (double)ds.idle_passes / (double)ds.passes : 0;
	/* Outstanding TX descriptors over the most the guest posts (whole batches). */
	double fill = ds.fill_samples ? (double)ds.fill_sum / (double)ds.fill_samples /
						(double)((o.tx_ring - 1) / o.batch * o.batch)
				      : 0;
	long rss_vm = ((long)m1.rss_kb - m0.rss_kb) / (long)o.n;
	long anon_vm = ((long)m1.anon_kb - m0.anon_kb) / (long)o.n;

	printf("%s, %u B frames, %u guests (%s), %.2f s after %.1f s of warm-up, load %.2f\n",
	       o.vm2vm ? "VM->VM" : "VM->uplink", o.size, o.n,
	       o.vm2vm ? "pairs 2k->2k+1" : "all to the uplink", wall, warm_s, loadavg1());
	if (p1.worker_ns == p0.worker_ns)
		print_threads(o.pid);
	printf("  frames: sent %" PRIu64 ", delivered %" PRIu64 " (%.3f Mpps wall)%s\n", sent,
	       delivered, (double)delivered / wall / 1e6,
	       o.vm2vm ? "" : tap0 >= 0 ? " [tap rx_packets]" : " [no tap: sent]");
	if (tapd0 >= 0 && tapd1 > tapd0)
		printf("  tap rx_dropped: %lld\n", tapd1 - tapd0);
	printf("  vmux CPU: workers %.3f s (%u thread%s), all threads %.3f s\n", wk_s, p1.nworkers,
	       p1.nworkers == 1 ? "" : "s", all_s);
	printf("  vmux page faults during the measurement: %" PRIu64 " minor, %" PRIu64 " major\n",
	       p1.minflt - p0.minflt, p1.majflt - p0.majflt);
	printf("  vmux: %.3f Mpps per worker core; memcpy bound %.3f Mpps per core; ratio %.4f\n",
	       mpps_core, mc_mpps, mpps_core / mc_mpps);
	printf("  vmux took %.3f Mpps per worker core from the TX rings (delivered or not)\n",
	       mpps_core_taken);
	printf("  doorbells: %" PRIu64 " TDT (%.1f frames each), %" PRIu64 " in all (%.1f frames each)\n",
	       txdb, txdb ? (double)(t1.tx_posted - t0.tx_posted) / (double)txdb : 0, db,
	       db ? (double)delivered / (double)db : 0);
	printf("  guests' thread: %.3f s CPU of %.3f s, %.1f%% of passes found nothing to do, "
	       "TX rings %.0f%% of the most it posts on average\n",
	       guest_s, wall, 100 * idle, 100 * fill);
	printf("  vmux RSS: %ld -> %ld KiB (anon %ld -> %ld, shmem %ld -> %ld); per guest %+ld KiB "
	       "(anon %+ld)\n",
	       m0.rss_kb, m1.rss_kb, m0.anon_kb, m1.anon_kb, m0.shmem_kb, m1.shmem_kb, rss_vm,
	       anon_vm);
	for (unsigned i = 0; o.e810_spread && i < o.n; i++) {
		if (!vms[i].rx)
			continue;
		printf("  RSS spread, guest %u, frames per RX queue since it came up:", i);
		for (unsigned q = 0; q < vms[i].x.nq; q++)
			printf(" q%u=%" PRIu64, q, vms[i].x.q[q].rx_frames);
		printf("\n");
	}
	printf("RESULT mode=%s size=%u n=%u secs=%.3f sent=%" PRIu64 " delivered=%" PRIu64
	       " mpps_wall=%.4f worker_cpu_s=%.4f all_cpu_s=%.4f mpps_core=%.4f mpps_core_taken=%.4f"
	       " memcpy_mpps_core=%.3f ratio=%.5f frames_per_tdt=%.2f frames_per_doorbell=%.2f"
	       " guest_cpu_s=%.3f guest_idle=%.3f tx_fill=%.3f rss0_kb=%ld rss1_kb=%ld anon0_kb=%ld"
	       " anon1_kb=%ld shmem1_kb=%ld rss_per_vm_kb=%ld anon_per_vm_kb=%ld minflt=%" PRIu64 " warm_s=%.1f load=%.2f"
	       " fd=%u fd_match=%d\n",
	       o.vm2vm ? "vm2vm" : "uplink", o.size, o.n, wall, sent, delivered,
	       (double)delivered / wall / 1e6, wk_s, all_s, mpps_core, mpps_core_taken, mc_mpps,
	       mpps_core / mc_mpps,
	       txdb ? (double)(t1.tx_posted - t0.tx_posted) / (double)txdb : 0,
	       db ? (double)delivered / (double)db : 0, guest_s, idle, fill, m0.rss_kb, m1.rss_kb,
	       m0.anon_kb, m1.anon_kb, m1.shmem_kb, rss_vm, anon_vm, p1.minflt - p0.minflt, warm_s,
	       loadavg1(), o.e810_fd, o.e810_fd_match);
	fflush(stdout);
	if (getenv("MUX_BENCH_DEBUG") && !o.e810)
		for (unsigned i = 0; i < o.n; i++)
			fprintf(stderr, "guest %u: tx posted %" PRIu64 " done %" PRIu64 " rx %" PRIu64
				" rx_next %u; TDH %u TDT %u RDH %u RDT %u\n", i,
				vms[i].g.cnt.tx_posted, vms[i].g.cnt.tx_done, vms[i].g.cnt.rx_frames,
				vms[i].g.rx_next, e1kg_rd(&vms[i].g, E1K_TDH), e1kg_rd(&vms[i].g, E1K_TDT),
				e1kg_rd(&vms[i].g, E1K_RDH), e1kg_rd(&vms[i].g, E1K_RDT));
	for (unsigned i = 0; i < o.n; i++) {
		if (vms[i].e810)
			e810g_close(&vms[i].x);
		else
			e1kg_close(&vms[i].g);
	}
	return 0;
}
