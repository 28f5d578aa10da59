// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * RSS of e810-emu with the poll-mode E810 guest driver (client/e810g.h) on
 * a real vmux (its own network namespace: root only, else skipped): A has
 * 4 queue pairs, B (1 queue pair) sends to it through the switch. The
 * device's counters come from the control socket (`ports`).
 *
 * - Before the guest sets RSS up, every frame lands on queue 0 without
 *   RSS_VALID.
 * - With a 52-byte key and a 64-entry VSI table set over the admin queue
 *   (set_rss_key, set_rss_lut), 512 flows (UDP and TCP over IPv4 and IPv6,
 *   source addresses and ports varied) each land on queue
 *   LUT[hash % 64], the descriptor has RSS_VALID and the hash this test
 *   computes on its own (a bitwise Toeplitz over the fields it put in); every
 *   queue gets some. A frame that is not IP goes to queue 0 without a hash.
 * - A 512-entry PF table naming only queue 2 sends every flow to queue 2; a
 *   table of entries past the VSI's queues sends them to queue 0, counted
 *   (rss_lut_bad).
 * - The flow director (client/e810g_fd.h: the package, the IPv4/UDP profile
 *   over update_pkg, a control VSI on the queue pair past A's 4, programming
 *   descriptors on its TX queue): 1023 filters on ports no flow uses and one
 *   on UDP port 80 to queue 3 fill the table (GLQF_FD_CNT 1024, a 1025th
 *   refused and counted); the IPv4/UDP flows to port 80 land on queue 3,
 *   every other flow (TCP to port 80 too) where the table puts it.
 * - Filters removed and masked (e810g_fd_del, e810g_fd_mask), without RSS:
 *   a filter on UDP port 80 to queue 3 takes the IPv4/UDP flows to port 80,
 *   removed (GLQF_FD_CNT back to 0) they land on queue 0, a second removal
 *   is refused (fd_refused_noent); with the port mask 0xfff0 one filter on
 *   port 5200 takes the IPv4/UDP flows to ports 5200..5215 and no other.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "client/e810g.h"
#include "client/e810g_fd.h"
#include "core/log.h"
#include "dev/e810/lan_desc.h"
#include "e810v.h"
#include "itest.h"

#define NQ 4u
#define RING 256u
#define FLOWS 512u
#define FLEN 128u
#define BATCH 32u

enum { DEV_A, DEV_B, NDEV };

static const char *vmux;
static bool in_own_netns;
static char dir[200], log_path[300], ctl_path[300], sock[NDEV][300];
static pid_t vmux_pid = -1;
static struct e810g ga, gb;

/* The key this test gives: Microsoft's verification key and 12 extended bytes. */
static const uint8_t KEY[52] = {
	0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43,
	0xa3, 0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb,
	0x2d, 0xa3, 0x80, 0x30, 0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01,
	0xfa, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc,
};

static int group_setup(void **state)
{
	(void)state;
	if (!in_own_netns)
		return 0;
	if (it_mkdtemp(dir, sizeof(dir)))
		return -1;
	snprintf(log_path, sizeof(log_path), "%s/vmux.log", dir);
	snprintf(ctl_path, sizeof(ctl_path), "%s/ctl.sock", dir);
	for (int i = 0; i < NDEV; i++)
		snprintf(sock[i], sizeof(sock[i]), "%s/vm%d.sock", dir, i);
	{
		char *argv[] = { (char *)vmux, "--uplink", "tap:vgrss", "-b", "02:00:00:00:0d:00",
				 "--control", ctl_path,
				 "-s", sock[DEV_A], "-m", "e810-emu", "--queues", "4",
				 "-s", sock[DEV_B], "-m", "e810-emu", "--queues", "1", NULL };
		char *socks[] = { sock[DEV_A], sock[DEV_B] };

		vmux_pid = it_vmux_start(vmux, log_path, argv, socks, NDEV);
	}
	return vmux_pid > 0 ? 0 : -1;
}

static int close_guests(void **state)
{
	(void)state;
	e810g_close(&ga);
	e810g_close(&gb);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	if (vmux_pid > 0 && it_vmux_check(it_vmux_stop(vmux_pid), log_path))
		return -1;
	if (dir[0])
		it_rmtree(dir);
	return 0;
}

/* ---- the control socket ------------------------------------------------------ */

/* A counter of device idx's model, or -1. */
static long long dev_counter(int idx, const char *name)
{
	return e810v_dev_counter(ctl_path, sock[idx], name);
}

/* ---- guests ------------------------------------------------------------------ */

static void dev_open(struct e810g *g, int idx, unsigned nq)
{
	e810v_open_at(g, sock[idx], log_path, nq, RING);
}

static void set_key(struct e810g *g, const uint8_t *key, uint16_t len)
{
	uint8_t prm[16] = { 0 }, buf[52];

	memcpy(buf, key, len);
	prm[0] = (uint8_t)g->vsi;
	prm[1] = (uint8_t)(0x80 | g->vsi >> 8);
	assert_int_equal(e810g_aq(g, 0x0b02, prm, buf, len, true), 0);
}

/* set_rss_lut: type 0 (VSI, 64 entries) or 1 (PF, size code 0/1/2: 128/512/2048). */
static void set_lut(struct e810g *g, unsigned type, unsigned size_code, const uint8_t *lut,
		    uint16_t len)
{
	uint8_t prm[16] = { 0 }, buf[2048];

	memcpy(buf, lut, len);
	prm[0] = (uint8_t)g->vsi;
	prm[1] = (uint8_t)(0x80 | g->vsi >> 8);
	prm[2] = (uint8_t)(type | size_code << 2);
	assert_int_equal(e810g_aq(g, 0x0b03, prm, buf, len, true), 0);
}

/* ---- flows and the test's own hash ------------------------------------------- */

struct flow {
	bool v6, tcp;
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
};

static void flow_of(unsigned i, struct flow *f)
{
	memset(f, 0, sizeof(*f));
	f->v6 = i % 4 >= 2;
	f->tcp = i % 2;
	if (f->v6) {
		static const uint8_t s[16] = { 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };

		memcpy(f->src, s, 16);
		memcpy(f->dst, s, 16);
		f->src[14] = (uint8_t)(i >> 3);
		f->dst[15] = 2;
	} else {
		f->src[0] = 10;
		f->src[2] = (uint8_t)(i >> 8);
		f->src[3] = (uint8_t)i;
		f->dst[0] = 10;
		f->dst[3] = 200;
	}
	f->sport = (uint16_t)(1024 + i * 37);
	f->dport = (uint16_t)(i % 3 ? 80 : 5201 + i);
}

/* Toeplitz, written out from its definition: for each set input bit, the key's next 32 bits. */
static uint32_t toeplitz(const uint8_t *in, unsigned n)
{
	uint32_t h = 0;

	for (unsigned bit = 0; bit < n * 8; bit++) {
		uint32_t w = 0;

		if (!(in[bit / 8] & (0x80u >> (bit % 8))))
			continue;
		for (unsigned k = 0; k < 32; k++) {
			unsigned kb = bit + k;

			w = w << 1 | (kb / 8 < sizeof(KEY) ? (KEY[kb / 8] >> (7 - kb % 8)) & 1u : 0u);
		}
		h ^= w;
	}
	return h;
}

static uint32_t flow_hash(const struct flow *f)
{
	uint8_t in[36];
	unsigned al = f->v6 ? 16 : 4;

	memcpy(in, f->src, al);
	memcpy(in + al, f->dst, al);
	in[2 * al] = (uint8_t)(f->sport >> 8);
	in[2 * al + 1] = (uint8_t)f->sport;
	in[2 * al + 2] = (uint8_t)(f->dport >> 8);
	in[2 * al + 3] = (uint8_t)f->dport;
	return toeplitz(in, 2 * al + 4);
}

/* Flow i's frame from B to A (FLEN bytes, its index in the last 4). */
static uint32_t flow_frame(uint8_t *p, unsigned i)
{
	struct flow f;
	uint32_t o = 14, l4;

	flow_of(i, &f);
	memset(p, 0, FLEN);
	memcpy(p, ga.mac, 6);
	memcpy(p + 6, gb.mac, 6);
	if (f.v6) {
		p[12] = 0x86;
		p[13] = 0xdd;
		p[o] = 0x60;
		p[o + 4] = 0;
		p[o + 5] = (uint8_t)(FLEN - o - 40);
		p[o + 6] = f.tcp ? 6 : 17;
		p[o + 7] = 64;
		memcpy(p + o + 8, f.src, 16);
		memcpy(p + o + 24, f.dst, 16);
		l4 = o + 40;
	} else {
		p[12] = 0x08;
		p[o] = 0x45;
		p[o + 3] = (uint8_t)(FLEN - o);
		p[o + 8] = 64;
		p[o + 9] = f.tcp ? 6 : 17;
		memcpy(p + o + 12, f.src, 4);
		memcpy(p + o + 16, f.dst, 4);
		l4 = o + 20;
	}
	p[l4] = (uint8_t)(f.sport >> 8);
	p[l4 + 1] = (uint8_t)f.sport;
	p[l4 + 2] = (uint8_t)(f.dport >> 8);
	p[l4 + 3] = (uint8_t)f.dport;
	if (f.tcp)
		p[l4 + 12] = 5 << 4;
	memcpy(p + FLEN - 4, &i, 4);
	return FLEN;
}

/* Sends one frame from B, waiting up to 2 s for a free descriptor. */
static void tx_wait(const uint8_t *f, uint32_t len)
{
	uint64_t end = it_now_ms() + 2000;
	int r;

	while ((r = e810g_txq_one(&gb, 0, f, len)) == -ENOSPC && it_now_ms() < end)
		it_nap_ms(1);
	assert_int_equal(r, 0);
}

struct got {
	unsigned q;
	uint16_t st0;
	uint32_t hash;
	uint32_t idx;  /* the frame's index (last 4 bytes) */
	uint32_t len;
};

/* Takes want frames from A's queues (up to 3 s); returns how many came. */
static unsigned rx_collect(struct got *out, unsigned want)
{
	uint64_t end = it_now_ms() + 3000;
	unsigned n = 0;
	uint8_t f[2048], wb[32];

	while (n < want && it_now_ms() < end) {
		bool any = false;

		for (unsigned q = 0; q < NQ && n < want; q++) {
			uint32_t len = e810g_rxq_take_wb(&ga, q, f, sizeof(f), wb);

			if (!len)
				continue;
			any = true;
			out[n].q = q;
			out[n].len = len;
			out[n].st0 = (uint16_t)(wb[E810_RXD_WB_STATUS0] | wb[E810_RXD_WB_STATUS0 + 1] << 8);
			memcpy(&out[n].hash, wb + E810_RXD_WB_RSS_HASH, 4); /* little-endian host */
			memcpy(&out[n].idx, f + (len >= 4 ? len - 4 : 0), 4);
			n++;
		}
		if (!any)
			it_nap_ms(1);
	}
	return n;
}

/* Sends flows [0, FLOWS) from B in batches; each frame's queue, status and hash into got. */
static void send_flows(struct got *got)
{
	uint8_t f[FLEN];
	unsigned n = 0;

	for (unsigned i = 0; i < FLOWS; i += BATCH) {
		for (unsigned k = i; k < i + BATCH; k++)
			tx_wait(f, flow_frame(f, k));
		n += rx_collect(got + n, BATCH);
		if (n != i + BATCH)
			it_dump_file(log_path);
		assert_int_equal(n, i + BATCH);
	}
}

/* A frame B sends that is not IP (an experimental ethertype): its queue and status. */
static struct got non_ip(void)
{
	uint8_t f[FLEN] = { 0 };
	uint32_t idx = 0xabcd;
	struct got g;

	memcpy(f, ga.mac, 6);
	memcpy(f + 6, gb.mac, 6);
	f[12] = 0x88;
	f[13] = 0xb5;
	memcpy(f + FLEN - 4, &idx, 4);
	tx_wait(f, FLEN);
	assert_int_equal(rx_collect(&g, 1), 1);
	assert_int_equal(g.idx, idx);
	return g;
}

static void test_rss_flows(void **state)
{
	static struct got got[FLOWS];
	uint8_t lut[2048];
	unsigned per_q[NQ] = { 0 };
	long long hashed0;
	struct got g;

	(void)state;
	if (!in_own_netns)
		skip();
	dev_open(&ga, DEV_A, NQ);
	dev_open(&gb, DEV_B, 1);

	/* No key, no table: queue 0, no hash. */
	send_flows(got);
	for (unsigned i = 0; i < FLOWS; i++) {
		assert_int_equal(got[i].q, 0);
		assert_int_equal(got[i].st0 & E810_RXD_S0_RSS_VALID, 0);
	}
	assert_int_equal(dev_counter(DEV_A, "rss"), 0);

	/* A key and a VSI table as a driver spreading over 4 queues might set them. */
	for (unsigned i = 0; i < 64; i++)
		lut[i] = (uint8_t)((i * 3 + i / 16) % NQ);
	set_key(&ga, KEY, sizeof(KEY));
	set_lut(&ga, 0, 0, lut, 64);
	assert_int_equal(dev_counter(DEV_A, "rss"), 1);
	hashed0 = dev_counter(DEV_A, "rss_hashed");
	send_flows(got);
	for (unsigned i = 0; i < FLOWS; i++) {
		struct flow f;
		uint32_t h;

		assert_int_equal(got[i].len, FLEN);
		assert_true(got[i].idx < FLOWS);
		flow_of(got[i].idx, &f);
		h = flow_hash(&f);
		assert_true(got[i].st0 & E810_RXD_S0_RSS_VALID);
		assert_int_equal(got[i].hash, h);
		assert_int_equal(got[i].q, lut[h % 64]);
		per_q[got[i].q]++;
	}
	for (unsigned q = 0; q < NQ; q++)
		assert_true(per_q[q] > FLOWS / NQ / 4);
	assert_int_equal(dev_counter(DEV_A, "rss_hashed") - hashed0, FLOWS);
	g = non_ip();
	assert_int_equal(g.q, 0);
	assert_int_equal(g.st0 & E810_RXD_S0_RSS_VALID, 0);

	/* A PF table of 512 naming only queue 2. */
	memset(lut, 2, 512);
	set_lut(&ga, 1, 1, lut, 512);
	send_flows(got);
	for (unsigned i = 0; i < FLOWS; i++) {
		struct flow f;

		flow_of(got[i].idx, &f);
		assert_int_equal(got[i].q, 2);
		assert_int_equal(got[i].hash, flow_hash(&f));
	}

	/* Entries past the VSI's 4 queues: queue 0, counted. */
	memset(lut, 9, 64);
	set_lut(&ga, 0, 0, lut, 64);
	send_flows(got);
	for (unsigned i = 0; i < FLOWS; i++)
		assert_int_equal(got[i].q, 0);
	assert_true(dev_counter(DEV_A, "rss_lut_bad") >= FLOWS);
	assert_int_equal(dev_counter(DEV_A, "rss_lut_bad_entries"), 64);
}

#define FD_QUEUE 3u

static void test_fd_flows(void **state)
{
	static struct got got[FLOWS];
	uint8_t lut[64];
	unsigned steered = 0;

	(void)state;
	if (!in_own_netns)
		skip();
	dev_open(&ga, DEV_A, NQ);
	dev_open(&gb, DEV_B, 1);
	for (unsigned i = 0; i < 64; i++)
		lut[i] = (uint8_t)((i * 3 + i / 16) % NQ);
	set_key(&ga, KEY, sizeof(KEY));
	set_lut(&ga, 0, 0, lut, 64);
	assert_int_equal(e810g_fd_up(&ga, 2 * NQ), 0);
	assert_int_equal(e810g_fd_count(&ga), 0);
	for (unsigned i = 0; i < 1023; i++)
		assert_int_equal(e810g_fd_add(&ga, (uint16_t)(20000 + i), 1, false, 100 + i), 0);
	assert_int_equal(e810g_fd_add(&ga, 80, FD_QUEUE, false, 99), 0);
	assert_int_equal(e810g_fd_count(&ga), 1024);
	assert_int_equal(dev_counter(DEV_A, "fd_filters"), 1024);
	/* The table is full: the device takes the descriptors and refuses the filter. */
	assert_int_equal(e810g_fd_add(&ga, 30000, 1, false, 98), 0);
	assert_int_equal(e810g_fd_count(&ga), 1024);
	assert_int_equal(dev_counter(DEV_A, "fd_refused_full"), 1);

	send_flows(got);
	for (unsigned i = 0; i < FLOWS; i++) {
		struct flow f;

		flow_of(got[i].idx, &f);
		if (!f.v6 && !f.tcp && f.dport == 80) {
			assert_int_equal(got[i].q, FD_QUEUE);
			steered++;
		} else {
			assert_int_equal(got[i].q, lut[flow_hash(&f) % 64]);
		}
	}
	assert_true(steered > 0);
	assert_int_equal(dev_counter(DEV_A, "fd_matches"), steered);
}

/* Every flow on queue 0 but the IPv4/UDP ones to ports [lo, hi], on FD_QUEUE; how many those. */
static unsigned check_fd_range(const struct got *got, uint16_t lo, uint16_t hi)
{
	unsigned steered = 0;

	for (unsigned i = 0; i < FLOWS; i++) {
		struct flow f;

		flow_of(got[i].idx, &f);
		if (!f.v6 && !f.tcp && f.dport >= lo && f.dport <= hi) {
			assert_int_equal(got[i].q, FD_QUEUE);
			steered++;
		} else {
			assert_int_equal(got[i].q, 0);
		}
	}
	return steered;
}

static void test_fd_del_mask(void **state)
{
	static struct got got[FLOWS];

	(void)state;
	if (!in_own_netns)
		skip();
	dev_open(&ga, DEV_A, NQ);
	dev_open(&gb, DEV_B, 1);
	assert_int_equal(e810g_fd_up(&ga, 2 * NQ), 0);
	assert_int_equal(e810g_fd_add(&ga, 80, FD_QUEUE, false, 7), 0);
	assert_int_equal(e810g_fd_count(&ga), 1);
	send_flows(got);
	assert_true(check_fd_range(got, 80, 80) > 0);
	assert_int_equal(e810g_fd_del(&ga, 80, 7), 0);
	assert_int_equal(e810g_fd_count(&ga), 0);
	send_flows(got);
	assert_int_equal(check_fd_range(got, 1, 0), 0);
	assert_int_equal(e810g_fd_del(&ga, 80, 7), 0);
	assert_int_equal(e810g_fd_count(&ga), 0);
	assert_int_equal(dev_counter(DEV_A, "fd_refused_noent"), 1);
	/* flow_of's ports 5201 + i (i % 3 == 0): IPv4/UDP at i = 0 and 12 fall in 5200..5215. */
	e810g_fd_mask(&ga, 0xfff0);
	assert_int_equal(e810g_fd_add(&ga, 5200, FD_QUEUE, false, 8), 0);
	assert_int_equal(e810g_fd_count(&ga), 1);
	send_flows(got);
	assert_int_equal(check_fd_range(got, 5200, 5215), 2);
	assert_int_equal(e810g_fd_del(&ga, 5207, 8), 0); /* the same filter under the mask */
	assert_int_equal(e810g_fd_count(&ga), 0);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_rss_flows, close_guests),
		cmocka_unit_test_teardown(test_fd_flows, close_guests),
		cmocka_unit_test_teardown(test_fd_del_mask, close_guests),
	};

	if (argc < 2) {
		fprintf(stderr, "usage: %s PATH-TO-VMUX\n", argv[0]);
		return 2;
	}
	vmux = argv[1];
	signal(SIGPIPE, SIG_IGN);
	in_own_netns = it_own_netns("test_e810g_rss");
	log_set_level(LOG_LVL_ERR);
	return cmocka_run_group_tests_name("e810g_rss", tests, group_setup, group_teardown);
}
