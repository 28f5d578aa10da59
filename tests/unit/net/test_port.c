/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Ports: connection, link notifications, send accounting, space and wake. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "net/pkt.h"
#include "net/port.h"

struct tport {
	struct net_port port;
	int accept;          /* packets accepted per deliver() call; -1: all */
	int overstate;       /* deliver() returns this much more than it took */
	uint32_t space;
	unsigned delivers, max_burst, got;
	uint32_t first_len;
	unsigned wakes, link_calls;
	uint16_t last_queue; /* of the last deliver, rx_space or wake */
	bool last_link;
	struct net_port *disconnect_on_deliver;
};

static uint16_t t_deliver(struct net_port *self, uint16_t queue, struct pkt **pkts, uint16_t n)
{
	struct tport *t = self->priv;
	uint16_t acc = t->accept < 0 || t->accept > n ? n : (uint16_t)t->accept;

	t->delivers++;
	t->last_queue = queue;
	if (n > t->max_burst)
		t->max_burst = n;
	if (t->got == 0 && n)
		t->first_len = pkts[0]->len;
	t->got += acc;
	if (t->accept >= 0)
		t->accept -= acc;
	pkt_free_bulk(pkts, n);
	self->stats.rx_pkts += acc;
	self->stats.rx_drops += n - acc;
	if (t->disconnect_on_deliver)
		net_port_disconnect(t->disconnect_on_deliver);
	return (uint16_t)(acc + t->overstate);
}

static uint32_t t_space(struct net_port *self, uint16_t queue)
{
	((struct tport *)self->priv)->last_queue = queue;
	return ((struct tport *)self->priv)->space;
}

static void t_wake(struct net_port *self, uint16_t queue)
{
	((struct tport *)self->priv)->last_queue = queue;
	((struct tport *)self->priv)->wakes++;
}

static void t_link(struct net_port *self, bool up)
{
	struct tport *t = self->priv;

	t->link_calls++;
	t->last_link = up;
}

static const struct net_port_ops full_ops = {
	.deliver = t_deliver,
	.rx_space = t_space,
	.wake = t_wake,
	.peer_link = t_link,
};
static const struct net_port_ops min_ops = {
	.deliver = t_deliver,
};

static void tport_init(struct tport *t, const char *name, const struct net_port_ops *ops)
{
	memset(t, 0, sizeof(*t));
	t->accept = -1;
	net_port_init(&t->port, name, ops, t);
}

static struct pkt_pool *pool;

static int setup(void **state)
{
	pool = pkt_pool_create("test", 512);
	return pool ? 0 : -1;
}

static int teardown(void **state)
{
	/* Every test must have handed every packet back. */
	int leak = pkt_pool_avail(pool) != pkt_pool_count(pool);

	pkt_pool_destroy(pool);
	return leak ? -1 : 0;
}

static unsigned burst(struct pkt **k, unsigned n, uint32_t len0)
{
	unsigned got = pkt_alloc_bulk(pool, k, n);

	for (unsigned i = 0; i < got; i++)
		k[i]->len = len0 + i;
	return got;
}

static void test_init(void **state)
{
	struct tport a;

	tport_init(&a, "a-very-long-port-name-that-does-not-fit-in-32", &min_ops);
	assert_int_equal(strlen(a.port.name), sizeof(a.port.name) - 1);
	assert_null(a.port.peer);
	assert_false(a.port.link_up);
	assert_ptr_equal(a.port.priv, &a);
}

static void test_send_no_peer_drops(void **state)
{
	struct tport a;
	struct pkt *k[10];

	tport_init(&a, "a", &min_ops);
	assert_int_equal(burst(k, 10, 60), 10);
	assert_int_equal(net_port_send(&a.port, k, 10), 0);
	assert_int_equal(a.port.stats.tx_drops, 10);
	assert_int_equal(a.port.stats.tx_pkts, 0);
	assert_int_equal(pkt_pool_avail(pool), 512);
	assert_int_equal(net_port_send(&a.port, k, 0), 0);
	assert_int_equal(net_port_peer_space(&a.port), 0);
	net_port_wake_peer(&a.port); /* no peer: nothing happens */
}

static void test_send_accounting(void **state)
{
	struct tport a, b;
	struct pkt *k[5];

	tport_init(&a, "a", &min_ops);
	tport_init(&b, "b", &min_ops);
	net_port_connect(&a.port, &b.port);
	assert_ptr_equal(a.port.peer, &b.port);
	assert_ptr_equal(b.port.peer, &a.port);
	burst(k, 5, 100); /* 100..104: 510 bytes */
	assert_int_equal(net_port_send(&a.port, k, 5), 5);
	assert_int_equal(a.port.stats.tx_pkts, 5);
	assert_int_equal(a.port.stats.tx_bytes, 510);
	assert_int_equal(a.port.stats.tx_drops, 0);
	assert_int_equal(b.got, 5);
	assert_int_equal(b.first_len, 100);
	assert_int_equal(b.port.stats.rx_pkts, 5);

	/* Partial accept: the first three are taken, bytes counted for them only. */
	b.accept = 3;
	burst(k, 5, 100);
	assert_int_equal(net_port_send(&a.port, k, 5), 3);
	assert_int_equal(a.port.stats.tx_pkts, 8);
	assert_int_equal(a.port.stats.tx_bytes, 510 + 303);
	assert_int_equal(a.port.stats.tx_drops, 2);
	assert_int_equal(b.port.stats.rx_drops, 2);
	assert_int_equal(pkt_pool_avail(pool), 512);

	/* The other direction works the same. */
	b.accept = -1;
	a.accept = 0;
	burst(k, 2, 64);
	assert_int_equal(net_port_send(&b.port, k, 2), 0);
	assert_int_equal(b.port.stats.tx_drops, 2);
	assert_int_equal(a.port.stats.rx_drops, 2);
	net_port_disconnect(&a.port);
}

static void test_large_burst_chunks(void **state)
{
	struct tport a, b;
	struct pkt *k[300];

	tport_init(&a, "a", &min_ops);
	tport_init(&b, "b", &min_ops);
	net_port_connect(&a.port, &b.port);
	assert_int_equal(burst(k, 300, 60), 300);
	b.accept = 200;
	assert_int_equal(net_port_send(&a.port, k, 300), 200);
	assert_true(b.max_burst <= 64);
	assert_int_equal(a.port.stats.tx_pkts, 200);
	assert_int_equal(a.port.stats.tx_drops, 100);
	/* Bytes: lengths 60..259 */
	assert_int_equal(a.port.stats.tx_bytes, (60 + 259) * 200 / 2);
	assert_int_equal(pkt_pool_avail(pool), 512);
}

static void test_overstating_deliver_is_clamped(void **state)
{
	struct tport a, b;
	struct pkt *k[4];

	tport_init(&a, "a", &min_ops);
	tport_init(&b, "b", &min_ops);
	net_port_connect(&a.port, &b.port);
	b.overstate = 100;
	burst(k, 4, 60);
	assert_int_equal(net_port_send(&a.port, k, 4), 4);
	assert_int_equal(a.port.stats.tx_pkts, 4);
	assert_int_equal(a.port.stats.tx_drops, 0);
}

static void test_disconnect_during_deliver(void **state)
{
	struct tport a, b;
	struct pkt *k[200];

	tport_init(&a, "a", &min_ops);
	tport_init(&b, "b", &min_ops);
	net_port_connect(&a.port, &b.port);
	b.disconnect_on_deliver = &b.port;
	burst(k, 200, 60);
	/* The first chunk lands; the rest are dropped by the sender, not sent. */
	assert_int_equal(net_port_send(&a.port, k, 200), 64);
	assert_int_equal(b.delivers, 1);
	assert_int_equal(a.port.stats.tx_drops, 136);
	assert_int_equal(pkt_pool_avail(pool), 512);
}

static void test_link_and_wake_notifications(void **state)
{
	struct tport a, b, c;

	tport_init(&a, "a", &full_ops);
	tport_init(&b, "b", &full_ops);
	tport_init(&c, "c", &full_ops);
	net_port_set_link(&b.port, true);
	assert_int_equal(a.link_calls, 0);

	/* Connecting tells each side the other's link and wakes both. */
	net_port_connect(&a.port, &b.port);
	assert_int_equal(a.link_calls, 1);
	assert_true(a.last_link);
	assert_int_equal(b.link_calls, 1);
	assert_false(b.last_link);
	assert_int_equal(a.wakes, 1);
	assert_int_equal(b.wakes, 1);

	/* Link changes reach the peer once per change. */
	net_port_set_link(&b.port, false);
	net_port_set_link(&b.port, false);
	assert_int_equal(a.link_calls, 2);
	assert_false(a.last_link);
	net_port_set_link(&b.port, true);
	assert_int_equal(a.link_calls, 3);
	assert_true(a.last_link);

	/* Space and wake. */
	b.space = 7;
	assert_int_equal(net_port_peer_space(&a.port), 7);
	net_port_wake_peer(&a.port);
	assert_int_equal(b.wakes, 2);
	assert_int_equal(a.wakes, 1);

	/* Reconnecting a elsewhere leaves b alone with its link down. */
	net_port_connect(&a.port, &c.port);
	assert_null(b.port.peer);
	assert_int_equal(b.link_calls, 2);
	assert_false(b.last_link);
	assert_ptr_equal(c.port.peer, &a.port);

	/* Disconnect tells the side left behind, not the caller. */
	unsigned a_calls = a.link_calls;
	net_port_disconnect(&c.port);
	assert_null(a.port.peer);
	assert_null(c.port.peer);
	assert_int_equal(a.link_calls, a_calls + 1);
	assert_false(a.last_link);
	net_port_disconnect(&c.port); /* twice: nothing */
	assert_int_equal(a.link_calls, a_calls + 1);

	/* Self-connection is refused. */
	net_port_connect(&a.port, &a.port);
	assert_null(a.port.peer);
}

/* The queue index reaches the peer's ops; the plain calls mean any queue. */
static void test_queue_index(void **state)
{
	struct tport a, b;
	struct pkt *k[4];

	tport_init(&a, "a", &full_ops);
	tport_init(&b, "b", &full_ops);
	net_port_connect(&a.port, &b.port);
	assert_int_equal(burst(k, 4, 60), 4);
	assert_int_equal(net_port_send_q(&a.port, 3, k, 4), 4);
	assert_int_equal(b.last_queue, 3);
	assert_int_equal(burst(k, 2, 60), 2);
	assert_int_equal(net_port_send(&a.port, k, 2), 2);
	assert_int_equal(b.last_queue, NET_QUEUE_ANY);
	b.space = 5;
	assert_int_equal(net_port_peer_space_q(&a.port, 1), 5);
	assert_int_equal(b.last_queue, 1);
	assert_int_equal(net_port_peer_space(&a.port), 5);
	assert_int_equal(b.last_queue, NET_QUEUE_ANY);
	net_port_wake_peer_q(&a.port, 2);
	assert_int_equal(b.last_queue, 2);
	net_port_wake_peer(&a.port);
	assert_int_equal(b.last_queue, NET_QUEUE_ANY);
	net_port_disconnect(&a.port);
}

static void test_space_without_op(void **state)
{
	struct tport a, b;

	tport_init(&a, "a", &min_ops);
	tport_init(&b, "b", &min_ops);
	net_port_connect(&a.port, &b.port);
	assert_int_equal(net_port_peer_space(&a.port), UINT32_MAX);
	net_port_wake_peer(&a.port); /* no wake op: nothing happens */
	net_port_set_link(&a.port, true); /* no peer_link op */
	net_port_disconnect(&b.port);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_init, setup, teardown),
		cmocka_unit_test_setup_teardown(test_send_no_peer_drops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_send_accounting, setup, teardown),
		cmocka_unit_test_setup_teardown(test_large_burst_chunks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overstating_deliver_is_clamped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_disconnect_during_deliver, setup, teardown),
		cmocka_unit_test_setup_teardown(test_link_and_wake_notifications, setup, teardown),
		cmocka_unit_test_setup_teardown(test_space_without_op, setup, teardown),
		cmocka_unit_test_setup_teardown(test_queue_index, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
