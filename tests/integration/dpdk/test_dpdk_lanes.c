/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Lanes of the DPDK backend in-process (net/dpdk.h, dpdk_lane.c), on a
 * net_ring port built from the test's own rings (rte_eth_from_rings), two
 * queue pairs: the test plays the device's far side, putting mbufs on an RX
 * queue's ring and taking them off a TX queue's.
 *
 *   - frames on RX queue 1 reach lane 1's peer, on lane 1's worker thread;
 *     frames on RX queue 0 the port's peer, on this thread; neither sees the
 *     other's, and each side counts its own;
 *   - what lane 1's peer sends leaves on TX queue 1, the port's on TX queue 0;
 *   - frames lane 1's peer passes back (dpdk_lane_to_port) reach the port's
 *     peer on this thread, counted on both sides;
 *   - a port with one queue pair asked for two lanes has none (lane 1 refused);
 *   - lane 0 and a lane opened twice are refused.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_eth_ring.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "core/log.h"
#include "core/loop.h"
#include "core/worker.h"
#include "net/dpdk.h"
#include "net/pkt.h"
#include "net/port.h"

#define NQ 2
#define NFR 40u

static struct loop *l;
static struct worker *w;
static struct rte_ring *rx[NQ], *tx[NQ];
static struct rte_mempool *mp;
static struct dpdk_port *dp;
static struct dpdk_lane *lane;
static struct pkt_pool *pool0;
static struct pkt_pool *pool1; /* the worker's */
static struct net_port peer0, peer1;
static atomic_uint got0, got1;
static atomic_bool wrong_thread;
static atomic_bool pass_back; /* lane 1's peer passes what it gets back to the port */

static uint16_t peer_deliver(struct net_port *self, uint16_t queue, struct pkt **pkts, uint16_t n)
{
	(void)queue;
	if (self == &peer1) {
		if (!worker_is_current(w))
			atomic_store(&wrong_thread, true);
		atomic_fetch_add(&got1, n);
		if (atomic_load(&pass_back))
			return dpdk_lane_to_port(lane, pkts, n);
	} else {
		if (worker_is_current(w))
			atomic_store(&wrong_thread, true);
		atomic_fetch_add(&got0, n);
	}
	pkt_free_bulk(pkts, n);
	return n;
}

static const struct net_port_ops peer_ops = { .deliver = peer_deliver };

static void open_lane(void *arg)
{
	char err[256];

	(void)arg;
	lane = dpdk_lane_open(dp, 1, worker_loop(w), err, sizeof(err));
	if (!lane) {
		fprintf(stderr, "test_dpdk_lanes: %s\n", err);
		return;
	}
	pool1 = pkt_pool_create("test1", 64);
	net_port_init(&peer1, "peer1", &peer_ops, NULL);
	net_port_set_link(&peer1, true);
	net_port_connect(&peer1, dpdk_lane_port(lane));
}

static void close_lane(void *arg)
{
	(void)arg;
	net_port_disconnect(&peer1);
	dpdk_lane_close(lane);
	lane = NULL;
	pkt_pool_destroy(pool1);
}

static int setup(void **state)
{
	char err[256], name[16];

	(void)state;
	log_set_level(LOG_LVL_ERR);
	l = loop_create();
	if (!l || dpdk_eal_init(0, NULL, err, sizeof(err)) < 0) {
		fprintf(stderr, "test_dpdk_lanes: %s\n", err);
		return -1;
	}
	for (int q = 0; q < NQ; q++) {
		snprintf(name, sizeof(name), "lrx%d", q);
		rx[q] = rte_ring_create(name, 1024, (int)rte_socket_id(), RING_F_SP_ENQ | RING_F_SC_DEQ);
		snprintf(name, sizeof(name), "ltx%d", q);
		tx[q] = rte_ring_create(name, 1024, (int)rte_socket_id(), RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (!rx[q] || !tx[q]) {
			fprintf(stderr, "test_dpdk_lanes: no rings: %s\n", rte_strerror(rte_errno));
			return -1;
		}
	}
	mp = rte_pktmbuf_pool_create("test_mp", 1023, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				     (int)rte_socket_id());
	if (!mp) {
		fprintf(stderr, "test_dpdk_lanes: no mbuf pool: %s\n", rte_strerror(rte_errno));
		return -1;
	}
	int r = rte_eth_from_rings("net_ring7", rx, NQ, tx, NQ, rte_socket_id());

	if (r < 0) {
		fprintf(stderr, "test_dpdk_lanes: cannot make a ring port: %s\n",
			rte_strerror(rte_errno));
		return -1;
	}
	/* The ring PMD names its port net_ring_ + the device's name. */

	dp = dpdk_open_lanes(l, "net_ring_net_ring7", NQ, err, sizeof(err));
	if (!dp) {
		fprintf(stderr, "test_dpdk_lanes: %s\n", err);
		return -1;
	}
	pool0 = pkt_pool_create("test0", 64);
	net_port_init(&peer0, "peer0", &peer_ops, NULL);
	net_port_set_link(&peer0, true);
	net_port_connect(&peer0, dpdk_port(dp));
	w = worker_create("lane1", -1);
	if (!w || worker_start(w) < 0)
		return -1;
	worker_call(w, open_lane, NULL);
	return lane && pool0 ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	if (w) {
		if (lane)
			worker_call(w, close_lane, NULL);
		worker_stop(w);
		worker_destroy(w);
	}
	net_port_disconnect(&peer0);
	dpdk_close(dp);
	pkt_pool_destroy(pool0);
	loop_destroy(l);
	return 0;
}

/* n frames onto RX queue q's ring, as the device would have received them. */
static void put_rx(int q, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
		uint8_t f[60] = { 0x02, 0, 0, 0, 0x0d, 0x01, 0x02, 0, 0, 0, 0xee, 0x01, 0x88, 0xb5 };

		assert_non_null(m);
		f[14] = (uint8_t)q;
		memcpy(rte_pktmbuf_mtod(m, uint8_t *), f, sizeof(f));
		m->data_len = sizeof(f);
		m->pkt_len = sizeof(f);
		assert_int_equal(rte_ring_enqueue(rx[q], m), 0);
	}
}

/* Frames waiting on TX queue q's ring, taken off and freed. */
static unsigned take_tx(int q)
{
	struct rte_mbuf *m;
	unsigned n = 0;

	while (rte_ring_dequeue(tx[q], (void **)&m) == 0) {
		rte_pktmbuf_free(m);
		n++;
	}
	return n;
}

/* Runs this thread's loop until got reaches want (or 2 s). */
static void run_until(atomic_uint *got, unsigned want)
{
	uint64_t end = loop_now_ns() + 2000000000ull;

	while (atomic_load(got) < want && loop_now_ns() < end)
		loop_run_once(l, 1);
}

static struct dpdk_stats lane_st;

static void lane_stats(void *arg)
{
	(void)arg;
	dpdk_lane_get_stats(lane, &lane_st);
}

static void test_rx_by_queue(void **state)
{
	struct dpdk_stats st;

	(void)state;
	assert_int_equal(dpdk_lanes(dp), NQ);
	put_rx(1, NFR);
	run_until(&got1, NFR);
	assert_int_equal(atomic_load(&got1), NFR);
	assert_int_equal(atomic_load(&got0), 0);
	put_rx(0, NFR);
	run_until(&got0, NFR);
	assert_int_equal(atomic_load(&got0), NFR);
	assert_int_equal(atomic_load(&got1), NFR);
	assert_false(atomic_load(&wrong_thread));
	worker_call(w, lane_stats, NULL);
	assert_int_equal(lane_st.rxq_pkts[0], NFR);
	assert_int_equal(dpdk_lane_port(lane)->stats.tx_pkts, NFR);
	dpdk_get_stats(dp, &st);
	assert_int_equal(st.rxq_pkts[0], NFR);
	assert_int_equal(st.lanes, NQ);
	assert_int_equal(st.rx_queues, 1);
	assert_int_equal(dpdk_port(dp)->stats.tx_pkts, NFR);
}

static void send_from(struct net_port *p, struct pkt_pool *pool, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		struct pkt *k = pkt_alloc(pool);

		assert_non_null(k);
		memset(k->data, 0, 60);
		memcpy(k->data, "\x02\x00\x00\x00\xee\x01\x02\x00\x00\x00\x0d\x01\x88\xb5", 14);
		k->len = 60;
		assert_int_equal(net_port_send(p, &k, 1), 1);
	}
}

static void lane_send(void *arg)
{
	send_from(&peer1, pool1, *(unsigned *)arg);
}

static void test_tx_by_queue(void **state)
{
	unsigned n = 7;

	(void)state;
	take_tx(0);
	take_tx(1);
	worker_call(w, lane_send, &n);
	send_from(&peer0, pool0, 3);
	assert_int_equal(take_tx(1), 7);
	assert_int_equal(take_tx(0), 3);
	worker_call(w, lane_stats, NULL);
	assert_int_equal(dpdk_lane_port(lane)->stats.rx_pkts, 7);
	assert_int_equal(lane_st.wr_full + lane_st.wr_nombuf, 0);
}

static void test_pass_back(void **state)
{
	struct dpdk_stats st;
	unsigned g0 = atomic_load(&got0), g1 = atomic_load(&got1);

	(void)state;
	atomic_store(&pass_back, true);
	put_rx(1, NFR);
	run_until(&got0, g0 + NFR);
	atomic_store(&pass_back, false);
	assert_int_equal(atomic_load(&got1), g1 + NFR);
	assert_int_equal(atomic_load(&got0), g0 + NFR);
	assert_false(atomic_load(&wrong_thread));
	dpdk_get_stats(dp, &st);
	assert_int_equal(st.from_lanes, NFR);
	worker_call(w, lane_stats, NULL);
	assert_int_equal(lane_st.handed, NFR);
	assert_int_equal(lane_st.handed_full, 0);
}

static void test_refusals(void **state)
{
	struct rte_ring *r1[1];
	struct dpdk_port *one;
	char err[256];

	(void)state;
	/* Lane 0 is the port's; lane 1 is open; beyond the queue pairs there is none. */
	assert_null(dpdk_lane_open(dp, 0, l, err, sizeof(err)));
	assert_null(dpdk_lane_open(dp, 1, l, err, sizeof(err)));
	assert_non_null(strstr(err, "already"));
	assert_null(dpdk_lane_open(dp, NQ, l, err, sizeof(err)));
	/* One queue pair: two lanes asked, none given. */
	r1[0] = rte_ring_create("l1q", 256, (int)rte_socket_id(), 0);
	assert_non_null(r1[0]);
	assert_true(rte_eth_from_rings("net_ring8", r1, 1, r1, 1, rte_socket_id()) >= 0);
	one = dpdk_open_lanes(l, "net_ring_net_ring8", NQ, err, sizeof(err));
	assert_non_null(one);
	assert_int_equal(dpdk_lanes(one), 1);
	assert_null(dpdk_lane_open(one, 1, l, err, sizeof(err)));
	dpdk_close(one);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rx_by_queue),
		cmocka_unit_test(test_tx_by_queue),
		cmocka_unit_test(test_pass_back),
		cmocka_unit_test(test_refusals),
	};

	return cmocka_run_group_tests_name("dpdk_lanes", tests, setup, teardown);
}
