// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Interrupts and resets of e810-emu with the poll-mode E810 guest driver
 * (client/e810g.h) on a real vmux (its own network namespace: root only,
 * else skipped): three e810-emu devices on one switch, A (4 queue pairs,
 * trapped doorbells), B (the peer) and C (as A, with --doorbell poll). The
 * device's counters come from the control socket (`ports`).
 *
 * - Queue to vector: A's 4 TX queues mapped to vectors 1..4 (then a
 *   permutation) through QINT_TQCTL; a completion on queue q fires exactly
 *   vector map[q]; RX on queue 0 fires QINT_RQCTL(0)'s vector; a cause
 *   without CAUSE_ENA fires nothing.
 * - ITR: RX queue 0 on ITR index 0 with GLINT_ITR = 2 ms, a steady stream
 *   for 100 ms: at most one interrupt per 2 ms; ITR index 3 (none): many
 *   more; a re-arm through GLINT_DYN_CTL setting 8 ms: fewer still. On A, and
 *   on C, whose GLINT_DYN_CTL writes go through the doorbell page (there
 *   only the upper bounds and the ITR update: vmux spins on a core there).
 *   Then INTRL (GLINT_RATE) as the only limit: at most one per 252 us;
 *   then single frames, each right after the interrupt before it: a cause
 *   inside the interval is held and the timer sends it when it ends.
 * - PF reset in the middle of traffic both ways: after PFGEN_CTRL.PFSWR the
 *   queues are off and nothing lands in A's memory (canaries in its rings
 *   and buffers stay while B goes on sending); the driver brings the admin
 *   queue and its queues up again without reconnecting and traffic flows
 *   again; pf_resets counts 1.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "client/e810g.h"
#include "dev/e810/e810_regs.h"
#include "e810v.h"
#include "itest.h"

#define NQ 4u
#define RING 256u
#define CANARY 0xa5u

enum { DEV_A, DEV_B, DEV_C, NDEV };

static const char *vmux;
static bool in_own_netns;
static char dir[200], log_path[300], ctl_path[300], sock[NDEV][300];
static pid_t vmux_pid = -1;
/* The guests of a test: closed after it, also when it failed half way. */
static struct e810g ga, gb;

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
		char *argv[] = { (char *)vmux, "--uplink", "tap:vgirq", "-b", "02:00:00:00:0c:00",
				 "--control", ctl_path,
				 "-s", sock[DEV_A], "-m", "e810-emu", "--queues", "4",
				 "-s", sock[DEV_B], "-m", "e810-emu", "--queues", "1",
				 "-s", sock[DEV_C], "-m", "e810-emu", "--queues", "4",
				 "--doorbell", "poll", NULL };
		char *socks[] = { sock[DEV_A], sock[DEV_B], sock[DEV_C] };

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

/* Waits up to ms for vector vec's count to pass was; the new count. */
static uint64_t irq_wait(struct e810g *g, unsigned vec, uint64_t was, unsigned ms)
{
	uint64_t end = it_now_ms() + ms, n;

	while ((n = e810g_irq_count(g, vec)) == was && it_now_ms() < end)
		it_nap_ms(1);
	return n;
}

/* Sends one frame on queue q, waiting up to 2 s for a free descriptor. 0 or -ENOSPC. */
static int tx_wait(struct e810g *g, unsigned q, const uint8_t *f, uint32_t len)
{
	uint64_t end = it_now_ms() + 2000;
	int r;

	while ((r = e810g_txq_one(g, q, f, len)) == -ENOSPC && it_now_ms() < end)
		it_nap_ms(1);
	return r;
}

static void irq_counts(struct e810g *g, uint64_t *c)
{
	for (unsigned v = 0; v < g->nvec; v++)
		c[v] = e810g_irq_count(g, v);
}

/* ---- queue to vector --------------------------------------------------------- */

static void tx_map_check(struct e810g *a, struct e810g *b, const unsigned map[NQ])
{
	uint64_t before[E810G_NVEC_MAX], after[E810G_NVEC_MAX];
	uint8_t f[128];

	for (unsigned q = 0; q < NQ; q++) {
		e810g_qint(a, q, false, map[q], 3, true);
		e810g_qint(a, q, true, 0, 3, false);
	}
	for (unsigned v = 1; v <= NQ; v++)
		e810g_irq_arm(a, v, 3, 0);
	for (unsigned q = 0; q < NQ; q++) {
		irq_counts(a, before);
		e810v_frame(f, b->mac, a->mac, q, 60);
		assert_int_equal(tx_wait(a, q, f, 60), 0);
		assert_int_equal(irq_wait(a, map[q], before[map[q]], 2000), before[map[q]] + 1);
		/* The device fires in the walk the doorbell started: nothing else comes later. */
		it_nap_ms(20);
		irq_counts(a, after);
		for (unsigned v = 0; v < a->nvec; v++)
			assert_int_equal(after[v], before[v] + (v == map[q]));
		assert_int_equal(e810g_txq_reclaim(a, q), 1);
		e810g_irq_arm(a, map[q], 3, 0);
	}
}

static void test_queue_to_vector(void **state)
{
	static const unsigned ident[NQ] = { 1, 2, 3, 4 }, perm[NQ] = { 3, 1, 4, 2 };
	uint64_t before[E810G_NVEC_MAX], after[E810G_NVEC_MAX];
	struct e810g *a = &ga, *b = &gb;
	uint8_t f[128];

	(void)state;
	if (!in_own_netns)
		skip();
	dev_open(a, DEV_A, NQ);
	dev_open(b, DEV_B, 1);
	assert_int_equal(a->nvec, NQ + 4);
	tx_map_check(a, b, ident);
	tx_map_check(a, b, perm);

	/* RX on queue 0 fires QINT_RQCTL(0)'s vector, and only that one. */
	e810g_qint(a, 0, true, 2, 3, true);
	e810g_irq_arm(a, 2, 3, 0);
	irq_counts(a, before);
	e810v_frame(f, a->mac, b->mac, 1, 60);
	assert_int_equal(tx_wait(b, 0, f, 60), 0);
	assert_int_equal(irq_wait(a, 2, before[2], 2000), before[2] + 1);
	it_nap_ms(20);
	irq_counts(a, after);
	for (unsigned v = 0; v < a->nvec; v++)
		assert_int_equal(after[v], before[v] + (v == 2));
	assert_int_equal(e810g_rx_take(a, f, sizeof(f)), 60);

	/* A cause without CAUSE_ENA: the frame goes, no vector fires. */
	e810g_qint(a, 1, false, 1, 3, false);
	e810g_qint(a, 0, true, 2, 3, false);
	for (unsigned v = 1; v <= NQ; v++)
		e810g_irq_arm(a, v, 3, 0);
	irq_counts(a, before);
	e810v_frame(f, b->mac, a->mac, 2, 60);
	assert_int_equal(tx_wait(a, 1, f, 60), 0);
	e810v_frame(f, a->mac, b->mac, 3, 60);
	assert_int_equal(tx_wait(b, 0, f, 60), 0);
	{
		uint64_t end = it_now_ms() + 2000;
		uint32_t got = 0;

		while (!got && it_now_ms() < end)
			got = e810g_rx_take(a, f, sizeof(f));
		assert_int_equal(got, 60);
	}
	it_nap_ms(100);
	assert_int_equal(e810g_txq_reclaim(a, 1), 1);
	irq_counts(a, after);
	for (unsigned v = 0; v < a->nvec; v++)
		assert_int_equal(after[v], before[v]);
	e810g_close(a);
	e810g_close(b);
}

/* ---- ITR --------------------------------------------------------------------- */

/*
 * B streams frames at A for ms; A takes them, and re-arms vector vec after
 * each interrupt (with ITR index rearm_idx set to rearm_us on the way, or
 * 3: no update). The interrupts counted; then one more re-arm and frame must fire it.
 */
static unsigned stream(struct e810g *a, struct e810g *b, unsigned vec, unsigned ms,
		       unsigned rearm_idx, uint32_t rearm_us)
{
	uint64_t seen = e810g_irq_count(a, vec), end, n;
	unsigned fires = 0;
	uint8_t f[128];
	uint32_t seq = 0;

	e810g_irq_arm(a, vec, 3, 0);
	e810v_frame(f, a->mac, b->mac, 0, 60);
	end = it_now_ms() + ms;
	while (it_now_ms() < end) {
		e810g_tx_reclaim(b);
		if (e810g_tx_free(b)) {
			memcpy(f + 14, &seq, 4);
			if (!e810g_tx_one(b, f, 60))
				seq++;
		}
		n = e810g_irq_count(a, vec);
		if (n != seen) {
			fires += (unsigned)(n - seen);
			seen = n;
			e810g_rx_poll(a, UINT32_MAX, 1);
			e810g_irq_arm(a, vec, rearm_idx, rearm_us);
		} else {
			e810g_rx_poll(a, UINT32_MAX, 16);
		}
	}
	/* What the last interval held comes at its end: not counted. */
	it_nap_ms(20);
	seen = e810g_irq_count(a, vec);
	e810g_rx_poll(a, UINT32_MAX, 1);
	/*
	 * The vector still works after all those re-arms: one more, one frame,
	 * one interrupt (within the longest interval; the wait is for a loaded
	 * machine).
	 */
	e810g_irq_arm(a, vec, rearm_idx, rearm_us);
	e810v_frame(f, a->mac, b->mac, seq, 60);
	assert_int_equal(tx_wait(b, 0, f, 60), 0);
	assert_true(irq_wait(a, vec, seen, 2000) > seen);
	e810g_rx_poll(a, UINT32_MAX, 1);
	return fires;
}

/*
 * What the device says it did: its counters over one stream.
 */
struct itr_run {
	unsigned fires;
	long long throttled, timer, updates;
};

static void itr_stream(int idx, struct itr_run *r, unsigned rearm_idx, uint32_t rearm_us)
{
	long long thr = dev_counter(idx, "irq_throttled"), tim = dev_counter(idx, "irq_itr_timer");
	long long upd = dev_counter(idx, "itr_updates");

	r->fires = stream(&ga, &gb, 1, 100, rearm_idx, rearm_us);
	r->throttled = dev_counter(idx, "irq_throttled") - thr;
	r->timer = dev_counter(idx, "irq_itr_timer") - tim;
	r->updates = dev_counter(idx, "itr_updates") - upd;
}

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/*
 * Single frames, each right after the interrupt before it, with GLINT_CTL's
 * ITR granularity gran_us and GLINT_ITR(0, 1) = units: interrupt k comes no
 * sooner than gran_us * units after frame k - 1 was sent (the device fired
 * for it after that, and not again within the interval), however late this
 * loop sees it. A cause that comes inside the interval is held
 * (irq_throttled) and nothing but the timer sends it when the interval ends
 * (irq_itr_timer), one for one. Whether a frame comes inside the interval
 * depends on this loop's CPU: how many did is returned.
 */
static unsigned held_check(int idx, uint32_t gran_us, uint32_t units)
{
	struct e810g *a = &ga, *b = &gb;
	uint64_t end = it_now_ms() + 2000, seen, sent = 0, at, gap_min = UINT64_MAX;
	uint32_t ival = gran_us * units;
	long long thr, tim;
	uint8_t f[128];

	/* Every frame B posted before is through: no other cause comes. */
	while (b->q[0].tx_clean != b->q[0].tx_tail && it_now_ms() < end) {
		e810g_tx_reclaim(b);
		it_nap_ms(1);
	}
	assert_int_equal(b->q[0].tx_clean, b->q[0].tx_tail);
	it_nap_ms(20);
	e810g_rx_poll(a, UINT32_MAX, 1);
	seen = e810g_irq_count(a, 1);
	thr = dev_counter(idx, "irq_throttled");
	tim = dev_counter(idx, "irq_itr_timer");
	e810g_wr(a, E810_GLINT_RATE(1), 0);
	/* ice_cfg_itr_gran's layout: the same granularity for every link speed. */
	e810g_wr(a, E810_GLINT_CTL, gran_us << E810_GLINT_CTL_ITR_GRAN_200_S |
				    gran_us << E810_GLINT_CTL_ITR_GRAN_100_S |
				    gran_us << E810_GLINT_CTL_ITR_GRAN_50_S |
				    gran_us << E810_GLINT_CTL_ITR_GRAN_25_S);
	e810g_wr(a, E810_GLINT_ITR(0, 1), units);
	e810g_qint(a, 0, true, 1, 0, true);
	for (unsigned k = 0; k < 8; k++) {
		e810g_irq_arm(a, 1, 3, 0);
		e810v_frame(f, a->mac, b->mac, k, 60);
		at = now_us();
		assert_int_equal(tx_wait(b, 0, f, 60), 0);
		assert_int_equal(irq_wait(a, 1, seen, 2000), seen + 1);
		if (k && now_us() - sent < gap_min)
			gap_min = now_us() - sent;
		sent = at;
		seen++;
		e810g_rx_poll(a, UINT32_MAX, 1);
	}
	assert_int_equal(e810g_irq_count(a, 1), seen);
	thr = dev_counter(idx, "irq_throttled") - thr;
	tim = dev_counter(idx, "irq_itr_timer") - tim;
	print_message("%s: 8 single frames at a %u us ITR (%u x %u us): %lld held, %lld sent by "
		      "the timer, interrupts at least %llu us after the frame before\n",
		      idx == DEV_C ? "poll" : "trap", ival, units, gran_us, thr, tim,
		      (unsigned long long)gap_min);
	assert_int_equal(thr, tim);
	assert_true(gap_min >= ival);
	return (unsigned)thr;
}

static void itr_check(int idx)
{
	struct e810g *a = &ga, *b = &gb;
	struct itr_run r2, rnone, r8, rintrl;

	dev_open(a, idx, NQ);
	dev_open(b, DEV_B, 1);
	/* RX queue 0 on vector 1 with ITR index 0 of 2 ms. */
	e810g_itr(a, 0, 1, 2000);
	e810g_qint(a, 0, true, 1, 0, true);
	itr_stream(idx, &r2, 3, 0);
	/* ITR index 3: no throttling. */
	e810g_qint(a, 0, true, 1, 3, true);
	itr_stream(idx, &rnone, 3, 0);
	/* Index 0 again, and each re-arm sets it to 8 ms. */
	e810g_qint(a, 0, true, 1, 0, true);
	itr_stream(idx, &r8, 0, 8000);
	/* ITR index 3, but INTRL on the vector: 63 * 4 us = 252 us between interrupts. */
	e810g_qint(a, 0, true, 1, 3, true);
	e810g_wr(a, E810_GLINT_RATE(1), E810_GLINT_RATE_INTRL_ENA | 63);
	itr_stream(idx, &rintrl, 3, 0);
	print_message("%s: interrupts in 100 ms: ITR 2 ms %u (%lld causes held, %lld at the end "
		      "of an interval), none %u (%lld held), 8 ms by re-arm %u (%lld updates), "
		      "INTRL 252 us %u (%lld held)\n",
		      idx == DEV_C ? "poll" : "trap", r2.fires, r2.throttled, r2.timer, rnone.fires,
		      rnone.throttled, r8.fires, r8.updates, rintrl.fires, rintrl.throttled);
	/* At most one interrupt per interval (the first at once); none held without ITR. */
	assert_true(r2.fires <= 100 / 2 + 5);
	assert_int_equal(rnone.throttled, 0);
	/*
	 * Causes held and sent when the interval ends, and many more
	 * interrupts without ITR, need this loop to re-arm within 2 ms of an
	 * interrupt: with --doorbell poll vmux spins on one of the machine's
	 * (2, shared) cores, and this loop may get a slice every 10 ms or so.
	 */
	if (idx != DEV_C) {
		assert_true(r2.throttled > 0);
		assert_true(rnone.fires > 100 / 2 + 5);
		assert_true(rintrl.throttled > 0);
	}
	assert_true(r8.fires <= 100 / 8 + 3);
	assert_true(r8.updates >= r8.fires);
	assert_true(rintrl.fires <= 100000 / 252 + 5);
	assert_int_equal(e810g_rd(a, E810_GLINT_ITR(0, 1)), 4000);
	/*
	 * A short ITR by a re-arm first (100 us), so that the long one below
	 * must come from the GLINT_ITR write itself (with --doorbell poll: a
	 * store on its page the device must pick up), not from what is left.
	 */
	e810g_irq_arm(a, 1, 0, 100);
	for (int i = 0; i < 1000 && e810g_rd(a, E810_GLINT_ITR(0, 1)) != 50; i++)
		it_nap_ms(1); /* poll: the device takes the DYN_CTL from its page */
	assert_int_equal(e810g_rd(a, E810_GLINT_ITR(0, 1)), 50);
	/* 8 ms as 4000 x 2 us (ice's granularity), then 10 ms as 2500 x 4 us. */
	if (held_check(idx, 2, 4000) == 0 && idx != DEV_C)
		fail_msg("no frame came inside the interval");
	held_check(idx, 4, 2500);
	e810g_close(a);
	e810g_close(b);
}

static void test_itr(void **state)
{
	(void)state;
	if (!in_own_netns)
		skip();
	itr_check(DEV_A);
}

static void test_itr_doorbell_poll(void **state)
{
	(void)state;
	if (!in_own_netns)
		skip();
	itr_check(DEV_C);
}

/* ---- PF reset mid-traffic ------------------------------------------------------ */

/* One round of traffic both ways: A sends on each queue, B sends to A; both take. */
static void traffic(struct e810g *a, struct e810g *b, uint32_t *seq)
{
	uint8_t f[128];

	for (unsigned q = 0; q < a->nq; q++) {
		e810g_txq_reclaim(a, q);
		e810v_frame(f, b->mac, a->mac, (*seq)++, 60);
		(void)e810g_txq_one(a, q, f, 60);
	}
	e810g_tx_reclaim(b);
	e810v_frame(f, a->mac, b->mac, (*seq)++, 60);
	(void)e810g_tx_one(b, f, 60);
	for (unsigned q = 0; q < a->nq; q++)
		e810g_rxq_poll(a, q, UINT32_MAX, 16);
	e810g_rx_poll(b, UINT32_MAX, 16);
}

static void canary_fill(struct e810g *a)
{
	for (unsigned q = 0; q < NQ; q++) {
		memset(e810g_ptr(a, a->q[q].txring), CANARY, 16u * RING);
		memset(e810g_ptr(a, a->q[q].rxring), CANARY, 32u * RING);
		memset(e810g_ptr(a, a->q[q].rxbuf), CANARY, (size_t)E810G_BUF_STRIDE * RING);
	}
}

/* Bytes of A's rings and RX buffers that are no longer the canary. */
static size_t canary_broken(struct e810g *a)
{
	size_t bad = 0;

	for (unsigned q = 0; q < NQ; q++) {
		const uint8_t *t = e810g_ptr(a, a->q[q].txring), *r = e810g_ptr(a, a->q[q].rxring);
		const uint8_t *b = e810g_ptr(a, a->q[q].rxbuf);

		for (size_t i = 0; i < 16u * RING; i++)
			bad += t[i] != CANARY;
		for (size_t i = 0; i < 32u * RING; i++)
			bad += r[i] != CANARY;
		for (size_t i = 0; i < (size_t)E810G_BUF_STRIDE * RING; i++)
			bad += b[i] != CANARY;
	}
	return bad;
}

static void test_pf_reset_mid_traffic(void **state)
{
	struct e810g *a = &ga, *b = &gb;
	uint32_t seq = 0;
	uint64_t end, a_rx, b_rx, a_tx, q_tx[NQ];
	long long resets0, dropped0;

	(void)state;
	if (!in_own_netns)
		skip();
	dev_open(a, DEV_A, NQ);
	dev_open(b, DEV_B, 1);
	resets0 = dev_counter(DEV_A, "pf_resets");
	assert_true(resets0 >= 1);
	assert_int_equal(dev_counter(DEV_A, "rxq_on"), NQ);
	assert_int_equal(dev_counter(DEV_A, "txq_on"), NQ);

	/* Traffic both ways, then the reset in the middle of it. */
	end = it_now_ms() + 100;
	while (it_now_ms() < end)
		traffic(a, b, &seq);
	assert_true(a->cnt.rx_frames > 0 && b->cnt.rx_frames > 0);
	e810g_wr(a, E810_PFGEN_CTRL, E810_PFGEN_CTRL_PFSWR);
	assert_int_equal(dev_counter(DEV_A, "pf_resets"), resets0 + 1);
	assert_int_equal(dev_counter(DEV_A, "rxq_on"), 0);
	assert_int_equal(dev_counter(DEV_A, "txq_on"), 0);
	assert_false(e810g_rd(a, E810_QRX_CTRL(0)) & E810_QRX_CTRL_QENA_STAT);

	/*
	 * The device is done with A's memory: canaries in every ring and RX
	 * buffer stay while B goes on sending to A, and A rings its old
	 * doorbells (which now point at no queue).
	 */
	canary_fill(a);
	dropped0 = dev_counter(DEV_A, "rx_dropped");
	end = it_now_ms() + 100;
	while (it_now_ms() < end) {
		uint8_t f[128];

		e810g_tx_reclaim(b);
		e810v_frame(f, a->mac, b->mac, seq++, 60);
		(void)e810g_tx_one(b, f, 60);
		for (unsigned q = 0; q < NQ; q++) {
			e810g_doorbell(a, E810_QTX_COMM_DBELL(q), 7);
			e810g_doorbell(a, E810_QRX_TAIL(q), 9);
		}
		it_nap_ms(1);
	}
	assert_int_equal(canary_broken(a), 0);
	assert_true(dev_counter(DEV_A, "rx_dropped") > dropped0);

	/* Up again on the same connection: the admin queue, the queues, traffic. */
	assert_int_equal(e810g_atq_init(a), 0);
	assert_int_equal(e810g_up_queues(a, NQ, RING, RING), 0);
	assert_int_equal(dev_counter(DEV_A, "rxq_on"), NQ);
	assert_int_equal(dev_counter(DEV_A, "txq_on"), NQ);
	a_rx = a->cnt.rx_frames;
	a_tx = a->cnt.tx_done;
	b_rx = b->cnt.rx_frames;
	for (unsigned q = 0; q < NQ; q++)
		q_tx[q] = a->q[q].tx_done;
	end = it_now_ms() + 5000;
	while ((a->cnt.rx_frames < a_rx + 100 || b->cnt.rx_frames < b_rx + 100) && it_now_ms() < end)
		traffic(a, b, &seq);
	assert_true(a->cnt.rx_frames >= a_rx + 100);
	assert_true(b->cnt.rx_frames >= b_rx + 100);
	for (unsigned q = 0; q < NQ; q++)
		assert_true(a->q[q].tx_done > q_tx[q]);
	assert_true(a->cnt.tx_done > a_tx);
	assert_int_equal(dev_counter(DEV_A, "pf_resets"), resets0 + 1);
	e810g_close(a);
	e810g_close(b);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_queue_to_vector, close_guests),
		cmocka_unit_test_teardown(test_itr, close_guests),
		cmocka_unit_test_teardown(test_itr_doorbell_poll, close_guests),
		cmocka_unit_test_teardown(test_pf_reset_mid_traffic, close_guests),
	};

	if (!it_vmux_main(argc, argv, "test_e810g_irq", &vmux, &in_own_netns))
		return 2;
	return cmocka_run_group_tests_name("e810g_irq", tests, group_setup, group_teardown);
}
