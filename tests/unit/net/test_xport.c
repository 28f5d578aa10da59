/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Cross-thread port pair: bursts cross intact and in order; a full ring drops and counts. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <errno.h>
#include <string.h>

#include "net/pkt.h"
#include "net/port.h"
#include "net/xport.h"

struct sink {
	struct net_port port;
	uint32_t next;     /* expected sequence number */
	_Atomic uint32_t got;
	uint32_t bad;
};

static uint16_t sink_deliver(struct net_port *self, uint16_t queue, struct pkt **pkts, uint16_t n)
{
	struct sink *s = self->priv;
	for (uint16_t i = 0; i < n; i++) {
		uint32_t seq;
		memcpy(&seq, pkts[i]->data, 4);
		if (seq < s->next || pkts[i]->len != 64)
			s->bad++;
		s->next = seq + 1;
		s->got++;
	}
	pkt_free_bulk(pkts, n);
	return n;
}

static const struct net_port_ops sink_ops = { .deliver = sink_deliver };
static const struct net_port_ops src_ops = { .deliver = sink_deliver };

static void test_same_thread_drop_when_full(void **state)
{
	struct xport *x = xport_create("t", 4);
	struct pkt_pool *pool = pkt_pool_create("p", 16);
	struct net_port src;
	struct sink sk = { 0 };
	net_port_init(&src, "src", &src_ops, NULL);
	net_port_init(&sk.port, "sink", &sink_ops, &sk);
	net_port_connect(&src, xport_end(x, 0));
	net_port_connect(&sk.port, xport_end(x, 1));

	struct pkt *b[8];
	assert_int_equal(pkt_alloc_bulk(pool, b, 8), 8);
	for (uint32_t i = 0; i < 8; i++) {
		b[i]->len = 64;
		memcpy(b[i]->data, &i, 4);
	}
	assert_int_equal(net_port_send(&src, b, 8), 4); /* ring of 4 */
	assert_int_equal(xport_end(x, 0)->stats.rx_drops, 4);
	assert_int_equal(pkt_pool_avail(pool), 16 - 4);
	assert_true(xport_poll(x, 1));
	assert_false(xport_poll(x, 1));
	assert_int_equal(sk.got, 4);
	assert_int_equal(sk.bad, 0);
	assert_int_equal(pkt_pool_avail(pool), 16);
	/* in flight at destroy: freed */
	assert_int_equal(pkt_alloc_bulk(pool, b, 2), 2);
	b[0]->len = b[1]->len = 64;
	net_port_send(&src, b, 2);
	net_port_disconnect(&src);
	net_port_disconnect(&sk.port);
	xport_destroy(x);
	assert_int_equal(pkt_pool_avail(pool), 16);
	pkt_pool_destroy(pool);
}

/* A sender that asked for room, found none and paused is woken once there is room again. */
struct waiter {
	struct net_port port;
	unsigned wakes;
};

static void waiter_wake(struct net_port *self, uint16_t queue)
{
	((struct waiter *)self->priv)->wakes++;
}

static const struct net_port_ops waiter_ops = { .deliver = sink_deliver, .wake = waiter_wake };

static void test_wake_after_full(void **state)
{
	struct xport *x = xport_create("w", 64);
	struct pkt_pool *pool = pkt_pool_create("pw", 128);
	struct waiter w = { 0 };
	struct sink sk = { 0 };
	struct pkt *b[64];

	net_port_init(&w.port, "dev", &waiter_ops, &w);
	net_port_init(&sk.port, "switch", &sink_ops, &sk);
	net_port_connect(&w.port, xport_end(x, 0));
	net_port_connect(&sk.port, xport_end(x, 1));
	w.wakes = 0; /* connect wakes both sides */

	assert_int_equal(net_port_peer_space(&w.port), 64);
	assert_int_equal(pkt_alloc_bulk(pool, b, 64), 64);
	for (uint32_t i = 0; i < 64; i++) {
		b[i]->len = 64;
		memcpy(b[i]->data, &i, 4);
	}
	assert_int_equal(net_port_send(&w.port, b, 64), 64);
	/* Full: the sender pauses. Its own thread's poll has nothing to wake it for yet. */
	assert_int_equal(net_port_peer_space(&w.port), 0);
	assert_false(xport_poll(x, 0));
	assert_int_equal(w.wakes, 0);
	/* The other thread takes one burst: a burst's room, so the sender's poll wakes it, once. */
	assert_true(xport_poll(x, 1));
	assert_true(xport_poll(x, 0));
	assert_int_equal(w.wakes, 1);
	assert_false(xport_poll(x, 0));
	assert_int_equal(w.wakes, 1);
	/* A sender that never found the ring full is not woken. */
	assert_true(xport_poll(x, 1));
	assert_false(xport_poll(x, 0));
	assert_int_equal(w.wakes, 1);
	assert_int_equal(sk.got, 64);
	net_port_disconnect(&w.port);
	net_port_disconnect(&sk.port);
	xport_destroy(x);
	assert_int_equal(pkt_pool_avail(pool), 128);
	pkt_pool_destroy(pool);
}

/*
 * With a copy pool on the sending end, a receiving side that never polls
 * (its thread stalled) holds only copies: the senders' pools get their
 * packets back at once, contents and metadata cross intact, and what does not
 * fit the copy pool is dropped and counted.
 */
static void test_copy_in(void **state)
{
	struct xport *x = xport_create("c", 64);
	struct pkt_pool *src_pool = pkt_pool_create("uplink", 16);
	struct net_port sw;
	struct sink dev = { 0 };
	struct pkt *b[16];

	net_port_init(&sw, "switch", &src_ops, NULL);
	net_port_init(&dev.port, "dev", &sink_ops, &dev);
	net_port_connect(&dev.port, xport_end(x, 0));
	net_port_connect(&sw, xport_end(x, 1));
	assert_int_equal(xport_copy_in(x, 1, 8), 0);
	assert_int_equal(xport_copy_in(x, 1, 8), -EBUSY);

	assert_int_equal(pkt_alloc_bulk(src_pool, b, 16), 16);
	for (uint32_t i = 0; i < 16; i++) {
		b[i]->len = 64;
		b[i]->flags = PKT_F_VLAN;
		b[i]->vlan_tci = (uint16_t)(100 + i);
		memcpy(b[i]->data, &i, 4);
	}
	/* The device side does not poll: 8 copies wait, 8 are dropped, the sender's pool is whole. */
	assert_int_equal(net_port_send(&sw, b, 16), 8);
	assert_int_equal(pkt_pool_avail(src_pool), 16);
	assert_int_equal(xport_copy_nobuf(x, 1), 8);
	assert_int_equal(xport_end(x, 1)->stats.rx_drops, 8);
	assert_int_equal(sw.stats.tx_drops, 8);
	/* They arrive intact, in order. */
	assert_true(xport_poll(x, 0));
	assert_int_equal(dev.got, 8);
	assert_int_equal(dev.bad, 0);
	assert_int_equal(dev.next, 8);
	/* Copies went home (to the switch side's pool): room for 8 more. */
	assert_int_equal(pkt_alloc_bulk(src_pool, b, 8), 8);
	for (uint32_t i = 0; i < 8; i++) {
		b[i]->len = 64;
		uint32_t seq = 8 + i;
		memcpy(b[i]->data, &seq, 4);
	}
	assert_int_equal(net_port_send(&sw, b, 8), 8);
	assert_int_equal(xport_copy_nobuf(x, 1), 8);
	/* In flight at destroy: freed, and the copy pool with them. */
	net_port_disconnect(&dev.port);
	net_port_disconnect(&sw);
	xport_destroy(x);
	assert_int_equal(pkt_pool_avail(src_pool), 16);
	pkt_pool_destroy(src_pool);
}

#define N 300000u

struct cons {
	struct xport *x;
	struct sink sk;
	atomic_bool stop;
};

static void *consumer(void *arg)
{
	struct cons *c = arg;
	while (c->sk.got < N && !atomic_load(&c->stop))
		xport_poll(c->x, 1);
	return NULL;
}

static void test_two_threads(void **state)
{
	struct cons c = { .x = xport_create("t2", 256) };
	struct pkt_pool *pool = pkt_pool_create("p2", 512);
	struct net_port src;
	net_port_init(&src, "src", &src_ops, NULL);
	net_port_init(&c.sk.port, "sink", &sink_ops, &c.sk);
	net_port_connect(&src, xport_end(c.x, 0));
	net_port_connect(&c.sk.port, xport_end(c.x, 1));
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, consumer, &c), 0);
	uint32_t seq = 0;
	uint64_t accepted = 0;
	while (seq < N) {
		struct pkt *b[32];
		unsigned n = pkt_alloc_bulk(pool, b, 32);
		for (unsigned i = 0; i < n; i++) {
			b[i]->len = 64;
			memcpy(b[i]->data, &seq, 4);
			seq++;
		}
		accepted += net_port_send(&src, b, (uint16_t)n);
		if (seq >= N)
			break;
	}
	/* give the consumer time to take what was accepted */
	while (c.sk.got < accepted)
		sched_yield();
	atomic_store(&c.stop, true);
	pthread_join(t, NULL);
	assert_int_equal(c.sk.got, accepted);
	assert_int_equal(c.sk.bad, 0);
	assert_int_equal(accepted + xport_end(c.x, 0)->stats.rx_drops, seq);
	net_port_disconnect(&src);
	net_port_disconnect(&c.sk.port);
	xport_destroy(c.x);
	/* all packets back home, including those freed by the consumer thread */
	struct pkt *all[512];
	assert_int_equal(pkt_alloc_bulk(pool, all, 512), 512);
	pkt_free_bulk(all, 512);
	pkt_pool_destroy(pool);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_thread_drop_when_full),
		cmocka_unit_test(test_wake_after_full),
		cmocka_unit_test(test_copy_in),
		cmocka_unit_test(test_two_threads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
