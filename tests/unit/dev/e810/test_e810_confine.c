// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Confinement of the E810's switch rules, as a property: two VMs (A and B,
 * E810 receive paths: the admin queue engine, the model's swr.c on a zeroed
 * model) and an uplink on one vmux switch (net/switch.c). Seeded random rule
 * sets that VM A adds through its admin queue (MAC rules for B's MAC and for
 * unknown unicast, promiscuous, default VSI, drops, queues, VLAN, pruning)
 * and random frames (to A, to B, to unknown unicast, broadcast, multicast,
 * VLAN-tagged) from the uplink and from both VMs, sent into two identical
 * switches: one where A has the rules, one where A has none.
 *
 * Holds: B, the uplink and A's port receive exactly the same frames
 * (contents, count, order) in both; B's own rules decide the same; every
 * frame A's rules let in is one the switch delivers to A (its MAC,
 * broadcast, multicast). test_breach checks that the test catches an
 * implementation that lets a guest MAC rule pull frames through the switch.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "dev/e810/model_priv.h"
#include "dev/e810/steer.h"
#include "net/pkt.h"
#include "net/port.h"
#include "net/switch.h"
#include "swr_util.h"

#define MAXF 128u
#define FRAMES 24u
#define ITERS 3000u

static const uint8_t MAC_A[6] = { 0x02, 0, 0, 0, 0, 0x0a };
static const uint8_t MAC_B[6] = { 0x02, 0, 0, 0, 0, 0x0b };
static const uint8_t UPL[4][6] = { { 0x52, 0x54, 0, 0, 0, 1 }, { 0x52, 0x54, 0, 0, 0, 2 },
				   { 0x52, 0x54, 0, 0, 0, 3 }, { 0x52, 0x54, 0, 0, 0, 4 } };
static const uint8_t NOWHERE[6] = { 0x02, 0x99, 0, 0, 0, 0x77 };
static const uint8_t BCAST[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t MC[2][6] = { { 0x33, 0x33, 0, 0, 0, 1 }, { 0x01, 0x00, 0x5e, 0, 0, 0xfb } };

/* One endpoint: what reached its port, and (a VM) what its rules let in. */
struct ep {
	struct net_port port;
	struct e810 *model;      /* NULL: no receive path (the uplink) */
	unsigned n, nacc;
	uint64_t got[MAXF];      /* digests of the frames at the port, in order */
	uint64_t acc[MAXF];      /* of those the rules let in, with the queue */
	uint8_t acc_dst[MAXF][6];
	uint16_t acc_src_port[MAXF];
};

struct world {
	struct net_switch *sw;
	struct ep up, a, b;
	int id_up, id_a, id_b;
};

static struct pkt_pool *pool;
static struct world w1, w2;           /* w1: A with rules; w2: A without */
static struct e810 ma1, mb1, ma2, mb2;
static struct swr_rig ra1, rb1, ra2, rb2;
static uint64_t rng;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static uint64_t digest(const struct pkt *k)
{
	uint64_t h = 1469598103934665603ull;

	for (uint32_t i = 0; i < k->len; i++)
		h = (h ^ k->data[i]) * 1099511628211ull;
	h ^= (uint64_t)((k->flags & PKT_F_VLAN) ? 0x10000u | k->vlan_tci : 0) << 40;
	return h;
}

static uint16_t ep_deliver(struct net_port *self, uint16_t queue, struct pkt **pkts, uint16_t n)
{
	struct ep *e = self->priv;

	(void)queue;
	for (uint16_t i = 0; i < n; i++) {
		struct pkt *k = pkts[i];
		uint64_t d = digest(k);

		if (e->n < MAXF)
			e->got[e->n++] = d;
		if (e->model) {
			int q = e810_swr_steer(e->model, k);

			if (q != E810_STEER_DROP && e->nacc < MAXF) {
				memcpy(e->acc_dst[e->nacc], k->data, 6);
				e->acc_src_port[e->nacc] = k->in_port;
				e->acc[e->nacc++] = d ^ (uint64_t)(q + 8) << 56;
			}
		}
	}
	pkt_free_bulk(pkts, n);
	return n;
}

static const struct net_port_ops ep_ops = { .deliver = ep_deliver };

static void ep_init(struct ep *e, const char *name, struct e810 *m)
{
	memset(e, 0, sizeof(*e));
	e->model = m;
	net_port_init(&e->port, name, &ep_ops, e);
	net_port_set_link(&e->port, true);
}

static void model_init(struct e810 *m, struct swr_rig *r, const uint8_t mac[6], const char *name)
{
	memset(m, 0, sizeof(*m));
	swr_rig_init(r, mac);
	m->aq = r->d.aq;
	m->nq = SWR_NQ;
	memcpy(m->mac, mac, 6);
	snprintf(m->name, sizeof(m->name), "%s", name);
	/* What ice adds at open: its MAC and broadcast. */
	assert_int_equal(swr_add(r, SW_RULE_LKUP_TX, LKUP_MAC, swr_act_vsi(r->vsi), mac, 0, -1, NULL), 0);
	assert_int_equal(swr_add(r, SW_RULE_LKUP_TX, LKUP_MAC, swr_act_vsi(r->vsi), BCAST, 0, -1, NULL),
			 0);
}

static void world_init(struct world *w, struct e810 *ma, struct e810 *mb)
{
	/* A table far larger than the keys: evictions (keyed by a random seed) never differ. */
	struct sw_config c = { .name = "confine", .mac_entries = 4096, .pool_pkts = 256 };
	struct sw_port_config pu = { .name = "up", .kind = SW_PORT_UPLINK, .trunk = true };
	struct sw_port_config pa = { .name = "a", .kind = SW_PORT_VM, .trunk = true };
	struct sw_port_config pb = { .name = "b", .kind = SW_PORT_VM, .trunk = true };
	char err[128];

	memcpy(pa.mac, MAC_A, 6);
	memcpy(pb.mac, MAC_B, 6);
	w->sw = sw_create(&c, err, sizeof(err));
	assert_non_null(w->sw);
	ep_init(&w->up, "up", NULL);
	ep_init(&w->a, "a", ma);
	ep_init(&w->b, "b", mb);
	w->id_up = sw_attach(w->sw, &w->up.port, &pu, err, sizeof(err));
	w->id_a = sw_attach(w->sw, &w->a.port, &pa, err, sizeof(err));
	w->id_b = sw_attach(w->sw, &w->b.port, &pb, err, sizeof(err));
	assert_true(w->id_up >= 0 && w->id_a >= 0 && w->id_b >= 0);
}

static void world_fini(struct world *w)
{
	sw_destroy(w->sw);
}

static void world_clear(struct world *w)
{
	w->up.n = w->a.n = w->b.n = 0;
	w->up.nacc = w->a.nacc = w->b.nacc = 0;
}

/* A random destination, source endpoint and frame; sent into both worlds. */
static void send_one(uint32_t seq)
{
	const uint8_t *dst, *src;
	unsigned from = (unsigned)(rnd() % 3); /* 0 uplink, 1 A, 2 B */
	static const uint16_t ets[] = { 0x0800, 0x86dd, 0x88f7, 0x9000, 0x0806 };
	uint16_t et = ets[rnd() % 5];
	int vid = rnd() % 3 ? -1 : (int)(1 + rnd() % 8);
	struct world *ws[2] = { &w1, &w2 };

	switch (rnd() % 8) {
	case 0: dst = MAC_A; break;
	case 1: dst = MAC_B; break;
	case 2: dst = UPL[rnd() % 4]; break;
	case 3: dst = NOWHERE; break;
	case 4: dst = BCAST; break;
	case 5: dst = MC[rnd() % 2]; break;
	default: dst = rnd() & 1 ? MAC_A : MAC_B; break;
	}
	src = from == 0 ? UPL[rnd() % 4] : from == 1 ? MAC_A : MAC_B;
	for (unsigned i = 0; i < 2; i++) {
		struct world *w = ws[i];
		struct ep *e = from == 0 ? &w->up : from == 1 ? &w->a : &w->b;
		struct pkt *k = pkt_alloc(pool);

		assert_non_null(k);
		memset(k->data, 0, 64);
		memcpy(k->data, dst, 6);
		memcpy(k->data + 6, src, 6);
		k->data[12] = (uint8_t)(et >> 8);
		k->data[13] = (uint8_t)et;
		memcpy(k->data + 14, &seq, 4);
		k->len = 64;
		if (vid > 0) {
			k->flags |= PKT_F_VLAN;
			k->vlan_tci = (uint16_t)vid;
		}
		net_port_send(&e->port, &k, 1);
	}
}

/* A random rule for VM A (the AQ may refuse it: then nothing). */
static void random_rule(struct swr_rig *r, uint16_t *idx, unsigned *n, struct world *breach)
{
	static const uint8_t uc_cls[6] = { 2, 0, 0, 0, 0, 0 }, mc_cls[6] = { 3, 0, 0, 0, 0, 0 };
	uint32_t acts[4] = { swr_act_vsi(r->vsi), swr_act_drop(), swr_act_q((uint16_t)(rnd() % 4), 0),
			     swr_act_q(2, 1) };
	uint32_t act = acts[rnd() % 4];
	const uint8_t *das[5] = { MAC_A, MAC_B, NOWHERE, UPL[rnd() % 4], MC[rnd() % 2] };
	const uint8_t *da = das[rnd() % 5];
	int vid = (int)(1 + rnd() % 8);
	uint16_t rc = AQ_RC_EINVAL, at = 0;

	switch (rnd() % 10) {
	case 0: case 1:
		rc = swr_add(r, rnd() & 1 ? SW_RULE_LKUP_TX : SW_RULE_LKUP_RX, LKUP_MAC, act, da, 0, -1,
			     &at);
		/* A broken implementation: the guest's MAC rule programs the switch. */
		if (!rc && breach && !(da[0] & 1) && memcmp(da, MAC_A, 6))
			(void)sw_mac_add_static(breach->sw, da, 0, breach->id_a);
		break;
	case 2:
		rc = swr_add(r, SW_RULE_LKUP_RX, LKUP_DFLT, act, NULL, 0, -1, &at);
		break;
	case 3:
		rc = swr_add(r, SW_RULE_LKUP_RX, LKUP_PROMISC, act,
			     rnd() % 3 == 0 ? BCAST : rnd() & 1 ? uc_cls : mc_cls, 0, -1, &at);
		break;
	case 4:
		rc = swr_add(r, SW_RULE_LKUP_RX, LKUP_ETHERTYPE, act, NULL, (uint16_t)(rnd() & 1 ? 0x88f7 : 0x0800),
			     -1, &at);
		break;
	case 5:
		rc = swr_add(r, SW_RULE_LKUP_RX, LKUP_ETHERTYPE_MAC, act, da, 0x9000, -1, &at);
		break;
	case 6:
		rc = swr_add(r, SW_RULE_LKUP_TX, LKUP_VLAN, swr_act_prune(r->vsi), NULL, 0, vid, &at);
		if (rnd() & 1)
			swr_prune(r, rnd() & 1);
		break;
	case 7:
		rc = swr_add(r, SW_RULE_LKUP_RX, LKUP_MAC_VLAN, act, da, 0, vid, &at);
		break;
	case 8:
		rc = swr_add(r, SW_RULE_LKUP_RX, LKUP_PROMISC_VLAN, act, rnd() & 1 ? uc_cls : mc_cls, 0,
			     vid, &at);
		break;
	default:
		rc = swr_add(r, SW_RULE_LKUP_TX, LKUP_MAC, act, MAC_A, 0, -1, &at);
		break;
	}
	if (!rc)
		idx[(*n)++] = at;
}

static bool same(const uint64_t *x, unsigned nx, const uint64_t *y, unsigned ny)
{
	return nx == ny && !memcmp(x, y, nx * sizeof(*x));
}

/* Runs the property; returns the iterations that broke it. */
static unsigned run(unsigned iters, uint64_t seed, bool breach)
{
	unsigned bad = 0;

	rng = seed;
	for (unsigned it = 0; it < iters; it++) {
		uint16_t idx[8];
		unsigned nr = 0, want = 1 + (unsigned)(rnd() % 8);
		bool ok = true;

		for (unsigned i = 0; i < want; i++)
			random_rule(&ra1, idx, &nr, breach ? &w1 : NULL);
		world_clear(&w1);
		world_clear(&w2);
		for (unsigned f = 0; f < FRAMES; f++)
			send_one(it * FRAMES + f);
		/* The switch delivered the same to everyone, and B decided the same. */
		ok &= same(w1.b.got, w1.b.n, w2.b.got, w2.b.n);
		ok &= same(w1.b.acc, w1.b.nacc, w2.b.acc, w2.b.nacc);
		ok &= same(w1.up.got, w1.up.n, w2.up.got, w2.up.n);
		ok &= same(w1.a.got, w1.a.n, w2.a.got, w2.a.n);
		/* What A's rules let in is A's: its MAC, broadcast, multicast, never its own frames. */
		for (unsigned i = 0; i < w1.a.nacc; i++)
			ok &= (!memcmp(w1.a.acc_dst[i], MAC_A, 6) || (w1.a.acc_dst[i][0] & 1)) &&
			      w1.a.acc_src_port[i] != w1.id_a;
		if (!ok && getenv("CONFINE_DEBUG"))
			print_message("iteration %u: b %u/%u acc %u/%u up %u/%u a %u/%u\n", it, w1.b.n,
				      w2.b.n, w1.b.nacc, w2.b.nacc, w1.up.n, w2.up.n, w1.a.n, w2.a.n);
		bad += !ok;
		for (unsigned i = 0; i < nr; i++)
			assert_int_equal(swr_remove(&ra1, idx[i]), 0);
		swr_prune(&ra1, false);
		if (breach) {
			for (unsigned i = 0; i < 4; i++)
				(void)sw_mac_del(w1.sw, UPL[i], 0);
			(void)sw_mac_del(w1.sw, NOWHERE, 0);
		}
	}
	return bad;
}

static int setup(void **state)
{
	(void)state;
	log_set_level(LOG_LVL_WARN);
	pool = pkt_pool_create("confine", 64);
	assert_non_null(pool);
	model_init(&ma1, &ra1, MAC_A, "a1");
	model_init(&mb1, &rb1, MAC_B, "b1");
	model_init(&ma2, &ra2, MAC_A, "a2");
	model_init(&mb2, &rb2, MAC_B, "b2");
	world_init(&w1, &ma1, &mb1);
	world_init(&w2, &ma2, &mb2);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	world_fini(&w1);
	world_fini(&w2);
	swr_rig_fini(&ra1);
	swr_rig_fini(&rb1);
	swr_rig_fini(&ra2);
	swr_rig_fini(&rb2);
	pkt_pool_destroy(pool);
	return 0;
}

static void test_confined(void **state)
{
	uint64_t seed = getenv("CONFINE_SEED") ? strtoull(getenv("CONFINE_SEED"), NULL, 0)
					       : 0x5eed0e810ull;

	(void)state;
	{
		unsigned bad = run(ITERS, seed, false);

		if (bad && getenv("CONFINE_DEBUG")) {
			struct world *ws[2] = { &w1, &w2 };

			for (unsigned i = 0; i < 2; i++) {
				int ids[3] = { ws[i]->id_up, ws[i]->id_a, ws[i]->id_b };

				for (unsigned j = 0; j < 3; j++) {
					struct sw_port_stats ps;

					sw_port_get_stats(ws[i]->sw, ids[j], &ps);
					print_message("w%u port %u: rx %llu tx %llu drops", i + 1, j,
						      (unsigned long long)ps.io.rx_pkts,
						      (unsigned long long)ps.io.tx_pkts);
					for (unsigned d = 0; d < SW_DROP_MAX; d++)
						print_message(" %llu", (unsigned long long)ps.drops[d]);
					print_message("\n");
				}
			}
		}
		assert_int_equal(bad, 0);
	}
	/* The rules did something: A's rules dropped, steered and let frames in. */
	assert_true(ma1.swr_cnt.hits > 0 && ma1.swr_cnt.drops > 0 && ma1.swr_cnt.no_rule > 0);
	assert_true(ma1.swr_cnt.pruned > 0);
}

/* A guest MAC rule that programs the switch is caught. */
static void test_breach(void **state)
{
	(void)state;
	assert_true(run(300, 0xbadull, true) > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_confined),
		cmocka_unit_test(test_breach),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
