/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The L2 switch: forwarding, learning, ageing, VLANs, anti-spoofing, promiscuity, drops. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "net/pkt.h"
#include "net/port.h"
#include "net/switch.h"

#define ET_TEST 0x88b5
#define MAX_RX 256

static const uint8_t BCAST[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t MCAST[6] = { 0x33, 0x33, 0, 0, 0, 1 };
static const uint8_t MAC_A[6] = { 0x02, 0, 0, 0, 0, 0x0a };
static const uint8_t MAC_B[6] = { 0x02, 0, 0, 0, 0, 0x0b };
static const uint8_t MAC_C[6] = { 0x02, 0, 0, 0, 0, 0x0c };
static const uint8_t MAC_D[6] = { 0x02, 0, 0, 0, 0, 0x0d };
static const uint8_t MAC_X[6] = { 0x52, 0x54, 0, 0, 0, 0x01 }; /* behind an uplink */
static const uint8_t MAC_Y[6] = { 0x52, 0x54, 0, 0, 0, 0x02 }; /* nowhere */

struct rx {
	uint8_t dst[6], src[6];
	uint16_t et, tci;
	uint32_t len, flags, seq;
	uint16_t in_port;
};

/* A device model or backend attached to the switch. */
struct ep {
	struct net_port port;
	int accept;   /* -1: all */
	bool echo;    /* send every received frame straight back */
	bool last_link;
	unsigned link_calls;
	unsigned n, bursts, max_burst;
	struct rx rx[MAX_RX];
};

static struct pkt_pool *pool;
static uint64_t fake_ns;

static uint64_t fake_clock(void)
{
	return fake_ns;
}

static uint16_t ep_deliver(struct net_port *self, uint16_t queue, struct pkt **pkts, uint16_t n)
{
	struct ep *e = self->priv;
	uint16_t acc = e->accept < 0 || e->accept > n ? n : (uint16_t)e->accept;

	e->bursts++;
	if (n > e->max_burst)
		e->max_burst = n;
	for (uint16_t i = 0; i < acc && e->n < MAX_RX; i++) {
		struct pkt *k = pkts[i];
		struct rx *r = &e->rx[e->n++];

		memcpy(r->dst, k->data, 6);
		memcpy(r->src, k->data + 6, 6);
		r->et = (uint16_t)(k->data[12] << 8 | k->data[13]);
		r->len = k->len;
		r->flags = k->flags;
		r->tci = k->vlan_tci;
		r->in_port = k->in_port;
		memcpy(&r->seq, k->data + 14, 4);
	}
	if (e->echo) {
		net_port_send(self, pkts, acc);
		pkt_free_bulk(pkts + acc, n - acc);
	} else {
		pkt_free_bulk(pkts, n);
	}
	self->stats.rx_pkts += acc;
	self->stats.rx_drops += n - acc;
	return acc;
}

static void ep_link(struct net_port *self, bool up)
{
	struct ep *e = self->priv;

	e->link_calls++;
	e->last_link = up;
}

static const struct net_port_ops ep_ops = { .deliver = ep_deliver, .peer_link = ep_link };

static void ep_init(struct ep *e, const char *name)
{
	memset(e, 0, sizeof(*e));
	e->accept = -1;
	net_port_init(&e->port, name, &ep_ops, e);
	net_port_set_link(&e->port, true);
}

static struct pkt *frame(const uint8_t *dst, const uint8_t *src, uint16_t et, uint32_t len,
			 uint32_t seq)
{
	struct pkt *k = pkt_alloc(pool);

	assert_non_null(k);
	memset(k->data, 0, len < 64 ? 64 : len);
	memcpy(k->data, dst, 6);
	memcpy(k->data + 6, src, 6);
	k->data[12] = (uint8_t)(et >> 8);
	k->data[13] = (uint8_t)et;
	memcpy(k->data + 14, &seq, 4);
	k->len = len;
	return k;
}

static uint16_t send1(struct ep *e, struct pkt *k)
{
	return net_port_send(&e->port, &k, 1);
}

static uint16_t send_simple(struct ep *e, const uint8_t *dst, const uint8_t *src, uint32_t seq)
{
	return send1(e, frame(dst, src, ET_TEST, 60, seq));
}

static void clear(struct ep *const *eps, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		eps[i]->n = 0;
}

static struct net_switch *mk_switch(const struct sw_config *c)
{
	char err[200] = "";
	struct net_switch *sw = sw_create(c, err, sizeof(err));

	if (!sw)
		fail_msg("sw_create: %s", err);
	return sw;
}

static int attach_vm(struct net_switch *sw, struct ep *e, const uint8_t *mac, uint16_t vlan)
{
	struct sw_port_config pc = { .name = e->port.name, .kind = SW_PORT_VM, .vlan = vlan };
	char err[200] = "";
	int id;

	memcpy(pc.mac, mac, 6);
	id = sw_attach(sw, &e->port, &pc, err, sizeof(err));
	if (id < 0)
		fail_msg("attach %s: %s", e->port.name, err);
	return id;
}

static int attach_uplink(struct net_switch *sw, struct ep *e, bool trunk, uint16_t vlan)
{
	struct sw_port_config pc = { .name = e->port.name, .kind = SW_PORT_UPLINK,
				     .trunk = trunk, .vlan = vlan };
	char err[200] = "";
	int id = sw_attach(sw, &e->port, &pc, err, sizeof(err));

	if (id < 0)
		fail_msg("attach %s: %s", e->port.name, err);
	return id;
}

static uint64_t drops(struct net_switch *sw, int id, enum sw_drop why)
{
	struct sw_port_stats st;

	assert_int_equal(sw_port_get_stats(sw, id, &st), 0);
	return st.drops[why];
}

static int setup(void **state)
{
	pool = pkt_pool_create("test", 1024);
	fake_ns = 1000ull * 1000000000ull;
	return pool ? 0 : -1;
}

static int teardown(void **state)
{
	int leak = pkt_pool_avail(pool) != pkt_pool_count(pool);

	pkt_pool_destroy(pool);
	return leak ? -1 : 0;
}

/* ---- tests ---- */

static void test_forwarding_and_learning(void **state)
{
	struct ep a, b, c, u;
	struct ep *all[] = { &a, &b, &c, &u };
	struct net_switch *sw = mk_switch(&(struct sw_config){ .clock_ns = fake_clock });
	int ia, ib, iu;

	ep_init(&a, "a");
	ep_init(&b, "b");
	ep_init(&c, "c");
	ep_init(&u, "u");
	ia = attach_vm(sw, &a, MAC_A, 0);
	ib = attach_vm(sw, &b, MAC_B, 0);
	attach_vm(sw, &c, MAC_C, 0);
	iu = attach_uplink(sw, &u, false, 0);
	/* The switch is each port's peer, link up. */
	assert_non_null(a.port.peer);
	assert_true(a.last_link);
	assert_int_equal(sw_mac_lookup(sw, MAC_A, 0), ia);
	assert_int_equal(sw_mac_lookup(sw, MAC_B, 0), ib);

	/* Known unicast: only the destination. */
	assert_int_equal(send_simple(&a, MAC_B, MAC_A, 1), 1);
	assert_int_equal(b.n, 1);
	assert_int_equal(a.n + c.n + u.n, 0);
	assert_memory_equal(b.rx[0].src, MAC_A, 6);
	assert_int_equal(b.rx[0].in_port, ia);
	assert_int_equal(b.rx[0].flags, 0);

	/* Broadcast and multicast: everyone else. */
	clear(all, 4);
	send_simple(&a, BCAST, MAC_A, 2);
	send_simple(&a, MCAST, MAC_A, 3);
	assert_int_equal(a.n, 0);
	assert_int_equal(b.n, 2);
	assert_int_equal(c.n, 2);
	assert_int_equal(u.n, 2);

	/* Unknown unicast: the uplink only, never a strict VM. */
	clear(all, 4);
	send_simple(&a, MAC_Y, MAC_A, 4);
	assert_int_equal(u.n, 1);
	assert_int_equal(b.n + c.n, 0);

	/* The uplink's source is learned; replies go straight back. */
	clear(all, 4);
	send_simple(&u, MAC_A, MAC_X, 5);
	assert_int_equal(a.n, 1);
	assert_int_equal(sw_mac_lookup(sw, MAC_X, 0), iu);
	send_simple(&a, MAC_X, MAC_A, 6);
	assert_int_equal(u.n, 1);
	assert_int_equal(b.n + c.n, 0);

	struct sw_port_stats st;
	assert_int_equal(sw_port_get_stats(sw, ia, &st), 0);
	assert_int_equal(st.io.rx_pkts, 5);
	assert_int_equal(st.io.rx_bytes, 5 * 60);
	assert_int_equal(st.flooded, 3);
	assert_int_equal(a.port.stats.tx_pkts, 5);
	struct sw_stats ss;
	sw_get_stats(sw, &ss);
	assert_int_equal(ss.ports, 4);
	assert_int_equal(ss.mac_used, 4); /* A, B, C pinned; X learned */
	assert_int_equal(ss.mac_capacity, 4096);
	sw_destroy(sw);
	/* Destroying detached everyone: links down, no peer. */
	assert_null(a.port.peer);
	assert_false(a.last_link);
	assert_false(u.last_link);
}

static void test_anti_spoofing(void **state)
{
	struct ep a, b, d, u;
	struct net_switch *sw = mk_switch(&(struct sw_config){ .clock_ns = fake_clock });
	struct sw_port_config pd = { .name = "d", .kind = SW_PORT_VM, .allow_spoof = true };
	int ia, id;

	ep_init(&a, "a");
	ep_init(&b, "b");
	ep_init(&d, "d");
	ep_init(&u, "u");
	ia = attach_vm(sw, &a, MAC_A, 0);
	attach_vm(sw, &b, MAC_B, 0);
	memcpy(pd.mac, MAC_D, 6);
	id = sw_attach(sw, &d.port, &pd, NULL, 0);
	assert_true(id >= 0);
	attach_uplink(sw, &u, false, 0);

	/* A claims to be B, or X: dropped, counted, nobody sees it, nothing learned. */
	assert_int_equal(send_simple(&a, BCAST, MAC_B, 1), 0);
	assert_int_equal(send_simple(&a, MAC_B, MAC_X, 2), 0);
	assert_int_equal(b.n + d.n + u.n, 0);
	assert_int_equal(drops(sw, ia, SW_DROP_SPOOF), 2);
	assert_int_equal(a.port.stats.tx_drops, 2);
	assert_int_equal(sw_mac_lookup(sw, MAC_X, 0), -1);
	assert_int_equal(sw_mac_lookup(sw, MAC_B, 0), 1);

	/* D may use other MACs: forwarded and learned on D. */
	assert_int_equal(send_simple(&d, BCAST, MAC_X, 3), 1);
	assert_int_equal(a.n, 1);
	assert_int_equal(sw_mac_lookup(sw, MAC_X, 0), id);
	/* ...but a pinned MAC stays where it is. */
	assert_int_equal(send_simple(&d, BCAST, MAC_A, 4), 1);
	assert_int_equal(sw_mac_lookup(sw, MAC_A, 0), ia);
	/* D, allowed to own unknown MACs, also gets unknown unicast; strict B does not. */
	u.n = b.n = d.n = 0;
	send_simple(&a, MAC_Y, MAC_A, 5);
	assert_int_equal(u.n, 1);
	assert_int_equal(d.n, 1);
	assert_int_equal(b.n, 0);
	sw_destroy(sw);
}

static void test_bad_frames(void **state)
{
	struct ep a, b;
	struct net_switch *sw = mk_switch(&(struct sw_config){ .clock_ns = fake_clock });
	static const uint8_t zero[6];
	struct pkt *k[4];
	int ia;

	ep_init(&a, "a");
	ep_init(&b, "b");
	attach_uplink(sw, &b, false, 0);
	ia = attach_uplink(sw, &a, false, 0);

	k[0] = frame(BCAST, MAC_A, ET_TEST, 60, 0);
	k[0]->len = 13;
	k[1] = frame(BCAST, MAC_A, ET_TEST, 60, 0);
	k[1]->len = PKT_DATA_MAX + 1;
	k[2] = frame(BCAST, MCAST, ET_TEST, 60, 0);
	k[3] = frame(BCAST, zero, ET_TEST, 60, 0);
	assert_int_equal(net_port_send(&a.port, k, 4), 0);
	assert_int_equal(drops(sw, ia, SW_DROP_BAD_LEN), 2);
	assert_int_equal(drops(sw, ia, SW_DROP_BAD_SRC), 2);
	assert_int_equal(b.n, 0);
	assert_int_equal(a.port.stats.tx_drops, 4);
	/* The largest frame and the smallest pass. */
	assert_int_equal(send1(&a, frame(BCAST, MAC_A, ET_TEST, PKT_DATA_MAX, 1)), 1);
	assert_int_equal(send1(&a, frame(BCAST, MAC_A, ET_TEST, 14, 2)), 1);
	assert_int_equal(b.n, 2);
	assert_int_equal(b.rx[0].len, PKT_DATA_MAX);
	assert_int_equal(b.rx[1].len, 14);
	sw_destroy(sw);
}

static void test_no_dest(void **state)
{
	struct ep a, b;
	struct net_switch *sw = mk_switch(&(struct sw_config){ .clock_ns = fake_clock });
	int ia;

	ep_init(&a, "a");
	ep_init(&b, "b");
	ia = attach_vm(sw, &a, MAC_A, 0);
	/* Alone: broadcast and unknown unicast have nowhere to go. */
	assert_int_equal(send_simple(&a, BCAST, MAC_A, 1), 0);
	assert_int_equal(send_simple(&a, MAC_Y, MAC_A, 2), 0);
	/* To itself: filtered. */
	attach_vm(sw, &b, MAC_B, 0);
	assert_int_equal(send_simple(&a, MAC_A, MAC_A, 3), 0);
	assert_int_equal(drops(sw, ia, SW_DROP_NO_DEST), 3);
	assert_int_equal(b.n, 0);
	sw_destroy(sw);
}

static void test_vlans(void **state)
{
	struct ep a, b, c, u;
	struct ep *all[] = { &a, &b, &c, &u };
	struct net_switch *sw = mk_switch(&(struct sw_config){ .clock_ns = fake_clock });
	int ia, ic, iu;
	struct pkt *k;

	ep_init(&a, "a");
	ep_init(&b, "b");
	ep_init(&c, "c");
	ep_init(&u, "u");
	ia = attach_vm(sw, &a, MAC_A, 10);
	attach_vm(sw, &b, MAC_B, 10);
	ic = attach_vm(sw, &c, MAC_C, 20);
	iu = attach_uplink(sw, &u, true, 0);
	assert_int_equal(sw_mac_lookup(sw, MAC_A, 10), ia);
	assert_int_equal(sw_mac_lookup(sw, MAC_A, 0), -1);

	/* Broadcast in VLAN 10: B untagged, the trunk tagged 10, C (VLAN 20) nothing. */
	send_simple(&a, BCAST, MAC_A, 1);
	assert_int_equal(b.n, 1);
	assert_int_equal(b.rx[0].flags & PKT_F_VLAN, 0);
	assert_int_equal(c.n, 0);
	assert_int_equal(u.n, 1);
	assert_true(u.rx[0].flags & PKT_F_VLAN);
	assert_int_equal(u.rx[0].tci & 0xfff, 10);

	/* A unicast to C's MAC does not cross VLANs: unknown in 10, goes to the trunk only. */
	clear(all, 4);
	send_simple(&a, MAC_C, MAC_A, 2);
	assert_int_equal(c.n, 0);
	assert_int_equal(u.n, 1);

	/* Tagged from the trunk (flag): delivered untagged to VLAN 20 only, priority kept out. */
	clear(all, 4);
	k = frame(BCAST, MAC_X, ET_TEST, 60, 3);
	k->flags = PKT_F_VLAN;
	k->vlan_tci = (uint16_t)(5 << 13 | 20);
	assert_int_equal(send1(&u, k), 1);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.rx[0].flags & PKT_F_VLAN, 0);
	assert_int_equal(a.n + b.n, 0);
	assert_int_equal(sw_mac_lookup(sw, MAC_X, 20), iu);
	/* ...and C's reply goes back tagged 20, with the tag's priority 0. */
	send_simple(&c, MAC_X, MAC_C, 4);
	assert_int_equal(u.n, 1);
	assert_true(u.rx[0].flags & PKT_F_VLAN);
	assert_int_equal(u.rx[0].tci, 20);

	/* Tag in the data (as read from a tap): stripped, frame 4 bytes shorter. */
	clear(all, 4);
	k = frame(MAC_A, MAC_X, 0x8100, 64, 0);
	k->data[14] = 0;
	k->data[15] = 10;
	k->data[16] = ET_TEST >> 8;
	k->data[17] = ET_TEST & 0xff;
	k->data[18] = 0x77;
	assert_int_equal(send1(&u, k), 1);
	assert_int_equal(a.n, 1);
	assert_int_equal(a.rx[0].len, 60);
	assert_int_equal(a.rx[0].et, ET_TEST);
	assert_int_equal(a.rx[0].seq & 0xff, 0x77);
	assert_int_equal(a.rx[0].flags & PKT_F_VLAN, 0);
	assert_int_equal(b.n + c.n, 0);

	/* Untagged from the trunk: the untagged domain (VLAN 0), where no VM is. */
	clear(all, 4);
	assert_int_equal(send_simple(&u, BCAST, MAC_X, 5), 0);
	assert_int_equal(drops(sw, iu, SW_DROP_NO_DEST), 1);

	/* A VM may not tag (flag or data): VLAN hopping is dropped. */
	k = frame(BCAST, MAC_C, ET_TEST, 60, 6);
	k->flags = PKT_F_VLAN;
	k->vlan_tci = 10;
	assert_int_equal(send1(&c, k), 0);
	k = frame(BCAST, MAC_C, 0x8100, 64, 0);
	k->data[15] = 10;
	assert_int_equal(send1(&c, k), 0);
	k = frame(BCAST, MAC_C, 0x88a8, 64, 0);
	assert_int_equal(send1(&c, k), 0);
	assert_int_equal(drops(sw, ic, SW_DROP_VLAN), 3);
	/* Nor may the trunk double-tag or use VLAN 4095. */
	k = frame(BCAST, MAC_X, 0x8100, 64, 0);
	k->flags = PKT_F_VLAN;
	k->vlan_tci = 10;
	assert_int_equal(send1(&u, k), 0);
	k = frame(BCAST, MAC_X, ET_TEST, 64, 0);
	k->flags = PKT_F_VLAN;
	k->vlan_tci = 4095;
	assert_int_equal(send1(&u, k), 0);
	k = frame(BCAST, MAC_X, 0x8100, 16, 0); /* too short for its tag */
	assert_int_equal(send1(&u, k), 0);
	assert_int_equal(drops(sw, iu, SW_DROP_VLAN), 3);
	assert_int_equal(a.n + b.n + c.n, 0);

	/* Bad VLAN numbers are refused at attach. */
	struct sw_port_config bad = { .name = "bad", .kind = SW_PORT_UPLINK, .vlan = 4095 };
	char err[200] = "";
	struct ep z;
	ep_init(&z, "z");
	assert_int_equal(sw_attach(sw, &z.port, &bad, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "VLAN 4095"));
	sw_destroy(sw);
}

static void test_ageing_and_moves(void **state)
{
	struct ep u1, u2, a;
	struct net_switch *sw = mk_switch(&(struct sw_config){ .clock_ns = fake_clock,
							       .ageing_s = 60 });
	int i1, i2;
	struct sw_stats ss;

	ep_init(&u1, "u1");
	ep_init(&u2, "u2");
	ep_init(&a, "a");
	i1 = attach_uplink(sw, &u1, false, 0);
	i2 = attach_uplink(sw, &u2, false, 0);
	attach_vm(sw, &a, MAC_A, 0);

	send_simple(&u1, MAC_A, MAC_X, 1);
	assert_int_equal(sw_mac_lookup(sw, MAC_X, 0), i1);
	fake_ns += 59ull * 1000000000ull;
	assert_int_equal(sw_mac_lookup(sw, MAC_X, 0), i1);
	send_simple(&a, MAC_X, MAC_A, 2);
	assert_int_equal(u1.n, 1);
	assert_int_equal(u2.n, 0);
	/* Traffic refreshes the entry; silence ages it out. */
	send_simple(&u1, MAC_A, MAC_X, 3);
	fake_ns += 59ull * 1000000000ull;
	assert_int_equal(sw_mac_lookup(sw, MAC_X, 0), i1);
	fake_ns += 2ull * 1000000000ull;
	assert_int_equal(sw_mac_lookup(sw, MAC_X, 0), -1);
	/* Aged out: flooded to both uplinks again. */
	u1.n = u2.n = 0;
	send_simple(&a, MAC_X, MAC_A, 4);
	assert_int_equal(u1.n, 1);
	assert_int_equal(u2.n, 1);
	/* The station moves to u2. */
	send_simple(&u1, MAC_A, MAC_X, 5);
	send_simple(&u2, MAC_A, MAC_X, 6);
	assert_int_equal(sw_mac_lookup(sw, MAC_X, 0), i2);
	sw_get_stats(sw, &ss);
	assert_int_equal(ss.moved, 1);
	/* Static entries never age and are not moved by traffic. */
	assert_int_equal(sw_mac_add_static(sw, MAC_Y, 0, i1), 0);
	send_simple(&u2, MAC_A, MAC_Y, 7);
	fake_ns += 100000ull * 1000000000ull;
	assert_int_equal(sw_mac_lookup(sw, MAC_Y, 0), i1);
	assert_int_equal(sw_mac_lookup(sw, MAC_A, 0), 2);
	assert_int_equal(sw_mac_del(sw, MAC_Y, 0), 0);
	assert_int_equal(sw_mac_del(sw, MAC_Y, 0), -ENOENT);
	assert_int_equal(sw_mac_lookup(sw, MAC_Y, 0), -1);
	/* The link of a port going down forgets what was learned on it. */
	send_simple(&u2, MAC_A, MAC_X, 8);
	assert_int_equal(sw_mac_lookup(sw, MAC_X, 0), i2);
	net_port_set_link(&u2.port, false);
	assert_int_equal(sw_mac_lookup(sw, MAC_X, 0), -1);
	sw_destroy(sw);
}

static void test_mac_table_limits(void **state)
{
	struct ep u1, u2;
	/* One bucket of four entries. */
	struct net_switch *sw = mk_switch(&(struct sw_config){ .clock_ns = fake_clock,
							       .mac_entries = 4 });
	uint8_t m[6] = { 0x02, 0x10, 0, 0, 0, 0 };
	struct sw_stats ss;
	int i1;

	ep_init(&u1, "u1");
	ep_init(&u2, "u2");
	i1 = attach_uplink(sw, &u1, false, 0);
	attach_uplink(sw, &u2, false, 0);
	for (int i = 0; i < 10; i++) {
		m[5] = (uint8_t)i;
		fake_ns += 1000000000ull;
		send_simple(&u1, BCAST, m, (uint32_t)i);
	}
	sw_get_stats(sw, &ss);
	assert_int_equal(ss.mac_capacity, 4);
	assert_int_equal(ss.mac_used, 4);
	assert_int_equal(ss.evicted, 6);
	/* The oldest went; the newest four remain. */
	m[5] = 9;
	assert_int_equal(sw_mac_lookup(sw, m, 0), i1);
	m[5] = 0;
	assert_int_equal(sw_mac_lookup(sw, m, 0), -1);
	/* Four static entries fill the bucket: learning stops, a fifth static is refused. */
	for (int i = 0; i < 4; i++) {
		m[5] = (uint8_t)(0x80 + i);
		assert_int_equal(sw_mac_add_static(sw, m, 0, i1), 0);
	}
	m[5] = 0x90;
	assert_int_equal(sw_mac_add_static(sw, m, 0, i1), -ENOSPC);
	send_simple(&u2, BCAST, m, 0);
	sw_get_stats(sw, &ss);
	assert_int_equal(ss.table_full, 1);
	/* Pinning a MAC already pinned elsewhere is refused; bad arguments too. */
	m[5] = 0x80;
	assert_int_equal(sw_mac_add_static(sw, m, 0, 1), -EEXIST);
	assert_int_equal(sw_mac_add_static(sw, MCAST, 0, i1), -EINVAL);
	assert_int_equal(sw_mac_add_static(sw, m, 0, 77), -EINVAL);
	assert_int_equal(sw_mac_add_static(sw, m, 5, i1), -EINVAL); /* i1 is not in VLAN 5 */
	sw_destroy(sw);
}

static void test_promisc(void **state)
{
	struct ep a, b, p, u;
	struct sw_port_config pp = { .name = "p", .kind = SW_PORT_VM, .promisc = true };
	struct net_switch *sw = mk_switch(&(struct sw_config){ .clock_ns = fake_clock });
	char err[200] = "";
	int ia, ip;

	ep_init(&a, "a");
	ep_init(&b, "b");
	ep_init(&p, "p");
	ep_init(&u, "u");
	memcpy(pp.mac, MAC_D, 6);
	/* Not permitted on this switch. */
	assert_int_equal(sw_attach(sw, &p.port, &pp, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "promiscuous"));
	assert_null(p.port.peer);
	ia = attach_vm(sw, &a, MAC_A, 0);
	assert_int_equal(sw_port_set_promisc(sw, ia, true), -EPERM);
	assert_int_equal(sw_port_set_promisc(sw, 99, false), -EINVAL);
	sw_destroy(sw);

	sw = mk_switch(&(struct sw_config){ .clock_ns = fake_clock, .allow_promisc = true });
	attach_vm(sw, &a, MAC_A, 0);
	attach_vm(sw, &b, MAC_B, 0);
	ip = sw_attach(sw, &p.port, &pp, err, sizeof(err));
	assert_true(ip >= 0);
	attach_uplink(sw, &u, false, 0);
	/* A permitted promiscuous port sees others' unicast, known and unknown. */
	send_simple(&a, MAC_B, MAC_A, 1);
	send_simple(&a, MAC_Y, MAC_A, 2);
	assert_int_equal(b.n, 1);
	assert_int_equal(p.n, 2);
	assert_int_equal(u.n, 1);
	/* Turned off, it is an ordinary strict VM port again. */
	assert_int_equal(sw_port_set_promisc(sw, ip, false), 0);
	send_simple(&a, MAC_B, MAC_A, 3);
	send_simple(&a, MAC_Y, MAC_A, 4);
	assert_int_equal(p.n, 2);
	assert_int_equal(b.n, 2);
	/* On again (twice: still one promiscuous port), it sees known unicast again. */
	assert_int_equal(sw_port_set_promisc(sw, ip, true), 0);
	assert_int_equal(sw_port_set_promisc(sw, ip, true), 0);
	send_simple(&a, MAC_B, MAC_A, 5);
	assert_int_equal(p.n, 3);
	assert_int_equal(b.n, 3);
	/* Detached while promiscuous: known unicast goes to its destination alone. */
	sw_detach(sw, ip);
	send_simple(&a, MAC_B, MAC_A, 6);
	assert_int_equal(p.n, 3);
	assert_int_equal(b.n, 4);
	assert_int_equal(u.n, 2);
	sw_destroy(sw);
}

static void test_flood_copies_and_nobuf(void **state)
{
	struct ep e[5];
	struct net_switch *sw = mk_switch(&(struct sw_config){ .clock_ns = fake_clock,
							       .pool_pkts = 2 });
	int ids[5];
	uint64_t nobuf = 0;
	unsigned got = 0;

	for (int i = 0; i < 5; i++) {
		char n[8];

		snprintf(n, sizeof(n), "e%d", i);
		ep_init(&e[i], n);
		ids[i] = attach_uplink(sw, &e[i], false, 0);
	}
	/* Four destinations, three copies, two buffers: one destination misses out. */
	assert_int_equal(send_simple(&e[0], BCAST, MAC_X, 42), 1);
	for (int i = 1; i < 5; i++) {
		got += e[i].n;
		nobuf += drops(sw, ids[i], SW_DROP_NOBUF);
		if (e[i].n) {
			assert_int_equal(e[i].rx[0].seq, 42);
			assert_int_equal(e[i].rx[0].len, 60);
			assert_memory_equal(e[i].rx[0].src, MAC_X, 6);
		}
	}
	assert_int_equal(got, 3);
	assert_int_equal(nobuf, 1);
	/* All copies came back to the switch's pool: the next flood gets two again. */
	send_simple(&e[0], BCAST, MAC_X, 43);
	got = 0;
	for (int i = 1; i < 5; i++)
		got += e[i].n;
	assert_int_equal(got, 6);
	sw_destroy(sw);
}

static void test_bursts(void **state)
{
	struct ep a, b, u;
	struct net_switch *sw = mk_switch(&(struct sw_config){ .clock_ns = fake_clock });
	struct pkt *k[200];
	int ib;

	ep_init(&a, "a");
	ep_init(&b, "b");
	ep_init(&u, "u");
	attach_vm(sw, &a, MAC_A, 0);
	ib = attach_vm(sw, &b, MAC_B, 0);
	attach_uplink(sw, &u, false, 0);
	for (uint32_t i = 0; i < 200; i++)
		k[i] = frame(i % 2 ? MAC_B : MAC_X, MAC_A, ET_TEST, 60, i);
	send_simple(&u, MAC_A, MAC_X, 0); /* learn X */
	a.n = 0;
	assert_int_equal(net_port_send(&a.port, k, 200), 200);
	/* Sorted per destination, in order, in bursts (not one call per frame). */
	assert_int_equal(b.n, 100);
	assert_int_equal(u.n, 100);
	for (uint32_t i = 0; i < 100; i++) {
		assert_int_equal(b.rx[i].seq, 2 * i + 1);
		assert_int_equal(u.rx[i].seq, 2 * i);
	}
	assert_true(b.bursts <= 5);
	assert_true(b.max_burst >= 32);

	/* A destination that refuses: counted as the switch port's tx drops. */
	struct sw_port_stats st;
	b.accept = 0;
	send_simple(&a, MAC_B, MAC_A, 1);
	assert_int_equal(sw_port_get_stats(sw, ib, &st), 0);
	assert_int_equal(st.io.tx_drops, 1);
	assert_int_equal(st.io.tx_pkts, 100);
	assert_int_equal(b.port.stats.rx_drops, 1);
	sw_destroy(sw);
}

/*
 * Within one burst a station can move onto the sending port: the frames
 * after that must see the move (a burst remembers its last lookup, and
 * learning that changes the table must forget it).
 */
static void test_burst_sees_moves(void **state)
{
	struct ep u1, u2;
	struct net_switch *sw = mk_switch(&(struct sw_config){ .clock_ns = fake_clock });
	struct pkt *k[3];
	int i1, i2;

	ep_init(&u1, "u1");
	ep_init(&u2, "u2");
	i1 = attach_uplink(sw, &u1, false, 0);
	i2 = attach_uplink(sw, &u2, false, 0);
	send_simple(&u2, BCAST, MAC_X, 0); /* X behind u2 */
	assert_int_equal(sw_mac_lookup(sw, MAC_X, 0), i2);
	u1.n = u2.n = 0;
	k[0] = frame(MAC_X, MAC_Y, ET_TEST, 60, 1); /* to u2 */
	k[1] = frame(MAC_X, MAC_X, ET_TEST, 60, 2); /* X now behind u1: nowhere to go */
	k[2] = frame(MAC_X, MAC_Y, ET_TEST, 60, 3); /* X is behind u1: nowhere to go */
	net_port_send(&u1.port, k, 3);
	assert_int_equal(sw_mac_lookup(sw, MAC_X, 0), i1);
	assert_int_equal(u2.n, 1);
	assert_int_equal(u2.rx[0].seq, 1);
	assert_int_equal(drops(sw, i1, SW_DROP_NO_DEST), 2);

	sw_destroy(sw);
}

static void test_attach_detach(void **state)
{
	struct ep a, b, b2, u;
	struct net_switch *sw = mk_switch(&(struct sw_config){ .clock_ns = fake_clock });
	struct sw_port_config pc = { .name = "b2", .kind = SW_PORT_VM };
	char err[200] = "";
	int ib;

	ep_init(&a, "a");
	ep_init(&b, "b");
	ep_init(&b2, "b2");
	ep_init(&u, "u");
	attach_vm(sw, &a, MAC_A, 0);
	ib = attach_vm(sw, &b, MAC_B, 0);
	attach_uplink(sw, &u, false, 0);

	/* Same MAC in the same VLAN twice: refused, naming the holder. */
	memcpy(pc.mac, MAC_B, 6);
	assert_int_equal(sw_attach(sw, &b2.port, &pc, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "02:00:00:00:00:0b"));
	assert_non_null(strstr(err, "port 1"));
	/* A VM port needs a real MAC. */
	memcpy(pc.mac, MCAST, 6);
	assert_int_equal(sw_attach(sw, &b2.port, &pc, err, sizeof(err)), -1);
	assert_int_equal(sw_attach(sw, NULL, &pc, err, sizeof(err)), -1);

	/* Detach: B's peer and link go, its MAC is forgotten. */
	sw_detach(sw, ib);
	assert_null(b.port.peer);
	assert_false(b.last_link);
	assert_int_equal(sw_mac_lookup(sw, MAC_B, 0), -1);
	send_simple(&a, MAC_B, MAC_A, 1);
	assert_int_equal(b.n, 0);
	assert_int_equal(u.n, 1); /* unknown now: to the uplink */
	sw_detach(sw, ib);         /* twice: nothing */
	sw_detach(sw, -1);
	assert_int_equal(sw_port_get_stats(sw, ib, &(struct sw_port_stats){ 0 }), -EINVAL);

	/* The freed id is reused, and the MAC may come back. */
	memcpy(pc.mac, MAC_B, 6);
	assert_int_equal(sw_attach(sw, &b2.port, &pc, err, sizeof(err)), ib);
	send_simple(&a, MAC_B, MAC_A, 2);
	assert_int_equal(b2.n, 1);
	sw_destroy(sw);
	sw_destroy(NULL);
}

static void test_echo_loop_is_bounded(void **state)
{
	struct ep e1, e2, a;
	struct net_switch *sw = mk_switch(&(struct sw_config){ .clock_ns = fake_clock });
	struct sw_port_stats s1, s2;
	int i1, i2;

	ep_init(&e1, "e1");
	ep_init(&e2, "e2");
	ep_init(&a, "a");
	i1 = attach_uplink(sw, &e1, false, 0);
	i2 = attach_uplink(sw, &e2, false, 0);
	attach_vm(sw, &a, MAC_A, 0);
	e1.echo = e2.echo = true;
	/* Two ports that send back everything: a broadcast storm, cut by the depth bound. */
	send_simple(&a, BCAST, MAC_A, 1);
	sw_port_get_stats(sw, i1, &s1);
	sw_port_get_stats(sw, i2, &s2);
	assert_true(s1.drops[SW_DROP_LOOP] + s2.drops[SW_DROP_LOOP] > 0);
	assert_true(a.n < 64);
	sw_destroy(sw);
}

static void test_bad_config(void **state)
{
	char err[200] = "";

	assert_null(sw_create(&(struct sw_config){ .mac_entries = 0xffffffffu }, err, sizeof(err)));
	assert_non_null(strstr(err, "too big"));
	struct net_switch *sw = sw_create(NULL, err, sizeof(err));
	assert_non_null(sw);
	struct sw_stats ss;
	sw_get_stats(sw, &ss);
	assert_int_equal(ss.mac_capacity, 4096);
	assert_int_equal(ss.ports, 0);
	sw_destroy(sw);
}

struct seen {
	unsigned n, statics;
	int port_of_x;
};

static void count_mac(void *arg, const uint8_t mac[6], uint16_t vlan, int port, bool is_static,
		      uint32_t age_s)
{
	struct seen *s = arg;
	s->n++;
	s->statics += is_static;
	if (!memcmp(mac, MAC_X, 6))
		s->port_of_x = port;
}

static void test_mac_foreach(void **state)
{
	struct ep a, b, u;
	struct sw_config c = { .name = "fe", .clock_ns = fake_clock };
	struct net_switch *sw = mk_switch(&c);
	ep_init(&a, "a");
	ep_init(&b, "b");
	ep_init(&u, "u");
	attach_vm(sw, &a, MAC_A, 0);
	attach_vm(sw, &b, MAC_B, 0);
	int up = attach_uplink(sw, &u, false, 0);
	struct seen s = { .port_of_x = -1 };
	assert_int_equal(sw_mac_foreach(sw, count_mac, &s), 2);
	assert_int_equal(s.statics, 2);
	send_simple(&u, BCAST, MAC_X, 1); /* learned behind the uplink */
	s = (struct seen){ .port_of_x = -1 };
	assert_int_equal(sw_mac_foreach(sw, count_mac, &s), 3);
	assert_int_equal(s.port_of_x, up);
	/* aged out entries are not listed */
	fake_ns += 3600ull * 1000000000ull;
	s = (struct seen){ .port_of_x = -1 };
	assert_int_equal(sw_mac_foreach(sw, count_mac, &s), 2);
	sw_destroy(sw);
	clear((struct ep *[]){ &a, &b, &u }, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_forwarding_and_learning, setup, teardown),
		cmocka_unit_test_setup_teardown(test_anti_spoofing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_frames, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_dest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vlans, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ageing_and_moves, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mac_table_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_promisc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flood_copies_and_nobuf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bursts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_burst_sees_moves, setup, teardown),
		cmocka_unit_test_setup_teardown(test_attach_detach, setup, teardown),
		cmocka_unit_test_setup_teardown(test_echo_loop_is_bounded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_config, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mac_foreach, setup, teardown),
	};

	log_set_level(LOG_LVL_ERR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
