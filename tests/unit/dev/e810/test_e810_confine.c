// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Confinement of the E810's switch rules and flow director filters, as a
 * property: two VMs (A and B, E810 receive paths: the admin queue engine,
 * the model's swr.c and fdir.c on a zeroed model, fd_rig.h) and an uplink on
 * one vmux switch (net/switch.c). Seeded random rule sets that both VMs add
 * at once: switch rules through their admin queues (MAC rules for the other
 * VM's MAC and for unknown unicast, promiscuous, default VSI, drops, queues,
 * VLAN, pruning; with Intel's DDP package on disk, advanced rules as ice's
 * tc-flower path and DPDK's switch filter build them: UDP/TCP destination
 * ports, destination MAC and port, IPv4 destination, for either VM's
 * addresses and ports) and flow director filters programmed as ice programs them
 * (udp4/tcp4 dst-port, the profiles from update_pkg sections; filters for
 * the other VM's ports too, drops, queues, a queue the VSI lacks), and
 * random frames (to A, to B, to unknown unicast, broadcast, multicast,
 * VLAN-tagged, UDP and TCP to both VMs' ports) from the uplink and from both
 * VMs, sent into two identical switches: one where A and B have the rules,
 * one where they have none (only what ice adds at open: its MAC and
 * broadcast).
 *
 * Holds: every port receives exactly the same frames (contents, count,
 * order) in both; each VM takes in exactly the frames the switch delivers
 * to it without rules minus those its own rules drop (as a multiset: the
 * queues may differ), each on one of its queues; what it takes in is its
 * MAC's, broadcast or multicast, never its own; every flow its rules give
 * an uplink (e810_steer_flows) carries its MAC. test_breach checks that the
 * test catches an implementation that lets a guest MAC rule program the
 * switch; test_breach_fdir one whose flow director filter steers a frame to
 * the other VM's port.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "dev/e810/lan_desc.h"
#include "dev/e810/model_priv.h"
#include "dev/e810/steer.h"
#include "net/flow.h"
#include "net/pkt.h"
#include "net/port.h"
#include "net/switch.h"
#include "fd_rig.h"
#include "fd_util.h"
#include "swadv_util.h"
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
/* The VMs' services: A's ports, B's ports, and one both have. */
static const uint16_t PORTS[5] = { 5001, 5002, 6001, 6002, 53 };

enum breach { BREACH_NONE, BREACH_SWITCH, BREACH_FDIR };

/* One endpoint: what reached its port, and (a VM) what its rules let in or dropped. */
struct ep {
	struct net_port port;
	struct e810 *model;      /* NULL: no receive path (the uplink) */
	struct ep *other;        /* the other VM (BREACH_FDIR) */
	int id;                  /* its switch port */
	bool breach_fdir;
	unsigned n, nacc, ndrop;
	uint64_t got[MAXF];      /* digests of the frames at the port, in order */
	uint64_t acc[MAXF];      /* of those the rules let in (and where from, what to) */
	uint64_t drop[MAXF];     /* of those its own rules dropped */
	uint8_t acc_dst[MAXF][6];
	uint16_t acc_src_port[MAXF];
	unsigned bad_queue;      /* let in on a queue the VM does not have */
	uint64_t by_fdir;        /* frames a filter decided */
};

struct world {
	struct net_switch *sw;
	struct ep up, a, b;
};

static struct pkt_pool *pool;
static struct world w1, w2;           /* w1: A and B with rules; w2: without */
static struct e810 ma1, mb1, ma2, mb2;
static struct swr_rig ra1, rb1, ra2, rb2;
static uint64_t rng;
/* Advanced rules (with the package): each VM's recipes (swadv_util.h), -1: none. */
static bool adv_on;
static int rcp_a[4], rcp_b[4];
static unsigned adv_compiled, adv_bad; /* advanced rules the VMs' lookups held, never-matching ones */

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

static void take(struct ep *e, const struct pkt *k, uint64_t d)
{
	if (e->nacc >= MAXF)
		return;
	memcpy(e->acc_dst[e->nacc], k->data, 6);
	e->acc_src_port[e->nacc] = k->in_port;
	e->acc[e->nacc++] = d;
}

static uint16_t ep_deliver(struct net_port *self, uint16_t queue, struct pkt **pkts, uint16_t n)
{
	struct ep *e = self->priv;

	(void)queue;
	for (uint16_t i = 0; i < n; i++) {
		struct pkt *k = pkts[i];
		uint64_t d = digest(k);
		bool by_fdir;
		int q;

		if (e->n < MAXF)
			e->got[e->n++] = d;
		if (!e->model)
			continue;
		q = fdr_steer(e->model, k, &by_fdir);
		e->by_fdir += by_fdir;
		if (q == E810_STEER_DROP) {
			if (e->ndrop < MAXF)
				e->drop[e->ndrop++] = d;
			continue;
		}
		if ((unsigned)q >= e->model->nq)
			e->bad_queue++;
		/* A broken implementation: the filter's queue is another VM's port. */
		if (by_fdir && e->breach_fdir)
			take(e->other, k, d);
		else
			take(e, k, d);
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
	fdr_model_init(m, r, mac, name);
	/* With the package on disk: downloaded as ice does (the switch block's tables). */
	adv_on = swa_pkg_load(&r->d);
	fdr_profiles(m, r);
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
	w->a.other = &w->b;
	w->b.other = &w->a;
	w->up.id = sw_attach(w->sw, &w->up.port, &pu, err, sizeof(err));
	w->a.id = sw_attach(w->sw, &w->a.port, &pa, err, sizeof(err));
	w->b.id = sw_attach(w->sw, &w->b.port, &pb, err, sizeof(err));
	assert_true(w->up.id >= 0 && w->a.id >= 0 && w->b.id >= 0);
}

static void world_fini(struct world *w)
{
	sw_destroy(w->sw);
}

static void world_clear(struct world *w)
{
	struct ep *eps[3] = { &w->up, &w->a, &w->b };

	for (unsigned i = 0; i < 3; i++)
		eps[i]->n = eps[i]->nacc = eps[i]->ndrop = eps[i]->bad_queue = 0;
}

/* A random destination, source endpoint and frame; sent into both worlds. */
static void send_one(uint32_t seq)
{
	const uint8_t *dst, *src;
	unsigned from = (unsigned)(rnd() % 3); /* 0 uplink, 1 A, 2 B */
	static const uint16_t ets[] = { 0x0800, 0x86dd, 0x88f7, 0x9000, 0x0806 };
	uint16_t et = ets[rnd() % 5];
	int vid = rnd() % 3 ? -1 : (int)(1 + rnd() % 8);
	/* Half of them UDP or TCP to one of the VMs' ports. */
	uint8_t l4 = rnd() & 1 ? (rnd() & 1 ? 17 : 6) : 0;
	uint16_t sport = (uint16_t)(1024 + rnd() % 4), dport = PORTS[rnd() % 5];
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
		if (l4) {
			k->len = fdu_frame4(k->data, dst, src, l4, 0x0a000001, 0x0a000002, sport, dport, 22);
			memcpy(k->data + k->len - 4, &seq, 4);
		} else {
			memset(k->data, 0, 64);
			memcpy(k->data, dst, 6);
			memcpy(k->data + 6, src, 6);
			k->data[12] = (uint8_t)(et >> 8);
			k->data[13] = (uint8_t)et;
			memcpy(k->data + 14, &seq, 4);
			k->len = 64;
		}
		if (vid > 0) {
			k->flags |= PKT_F_VLAN;
			k->vlan_tci = (uint16_t)vid;
		}
		net_port_send(&e->port, &k, 1);
	}
}

/*
 * A random advanced rule on one of the VM's recipes (rcp): its values for
 * either VM's ports, MACs and addresses; its index, 0xffff if refused.
 */
static uint16_t random_adv(struct swr_rig *r, const int *rcp, uint32_t act, const uint8_t *da)
{
	unsigned k = (unsigned)(rnd() % 4), n = 0;
	uint16_t dport = PORTS[rnd() % 5], at = 0;
	uint32_t dip = rnd() & 1 ? 0x0a000002u : 0x0a000003u;
	struct swa_word w[5];
	uint8_t pkt[64], proto = k == 1 ? 6 : 17;

	if (rcp[k] < 0)
		return 0xffff;
	switch (k) {
	case 0: /* tc-flower: dst_port P (UDP) */
	case 1: /* DPDK: eth / ipv4 / tcp dst P */
		w[n++] = (struct swa_word){ k ? E810_FLEX_PROT_TCP : E810_FLEX_PROT_UDP, 2, 0xffff, dport };
		break;
	case 2: /* dst_mac M, dst_port P */
		for (unsigned i = 0; i < 3; i++)
			w[n++] = (struct swa_word){ E810_FLEX_PROT_MAC, (uint16_t)(2 * i), 0xffff,
						    (uint16_t)(da[2 * i] << 8 | da[2 * i + 1]) };
		w[n++] = (struct swa_word){ E810_FLEX_PROT_UDP, 2, 0xffff, dport };
		break;
	default: /* dst_ip X */
		w[n++] = (struct swa_word){ E810_FLEX_PROT_IPV4, 16, 0xffff, (uint16_t)(dip >> 16) };
		w[n++] = (struct swa_word){ E810_FLEX_PROT_IPV4, 18, 0xffff, (uint16_t)dip };
		break;
	}
	if (swa_rule(&r->d, (unsigned)rcp[k], act, pkt, swa_dummy4(pkt, proto, w, n), &at))
		return 0xffff;
	return at;
}

/* The recipes random_adv uses, as the tc-flower path and DPDK add them. */
static void adv_recipes(struct swr_rig *r, int *rcp)
{
	const struct swa_word udp[] = { { E810_FLEX_PROT_UDP, 2, 0xffff, 0 } };
	const struct swa_word tcp[] = { { E810_FLEX_PROT_TCP, 2, 0xffff, 0 } };
	const struct swa_word mac_udp[] = { { E810_FLEX_PROT_MAC, 0, 0xffff, 0 },
					    { E810_FLEX_PROT_MAC, 2, 0xffff, 0 },
					    { E810_FLEX_PROT_MAC, 4, 0xffff, 0 },
					    { E810_FLEX_PROT_UDP, 2, 0xffff, 0 } };
	const struct swa_word ip4[] = { { E810_FLEX_PROT_IPV4, 16, 0xffff, 0 },
					{ E810_FLEX_PROT_IPV4, 18, 0xffff, 0 } };

	rcp[0] = swa_recipe(&r->d, udp, 1, -1, NULL);
	rcp[1] = swa_recipe(&r->d, tcp, 1, swa_prof(&r->d, E810_PTYPE_IPV4_TCP), NULL);
	rcp[2] = swa_recipe(&r->d, mac_udp, 4, -1, NULL);
	rcp[3] = swa_recipe(&r->d, ip4, 2, -1, NULL);
	for (unsigned k = 0; k < 4; k++)
		assert_true(rcp[k] >= 0);
}

/* A random switch rule of the VM with MAC own (the AQ may refuse it: then nothing). */
static void random_rule(struct swr_rig *r, const uint8_t *own, const uint8_t *other, uint16_t *idx,
			unsigned *n, struct world *breach, int breach_port)
{
	static const uint8_t uc_cls[6] = { 2, 0, 0, 0, 0, 0 }, mc_cls[6] = { 3, 0, 0, 0, 0, 0 };
	uint32_t acts[4] = { swr_act_vsi(r->vsi), swr_act_drop(), swr_act_q((uint16_t)(rnd() % 4), 0),
			     swr_act_q(2, 1) };
	uint32_t act = acts[rnd() % 4];
	const uint8_t *das[5] = { own, other, NOWHERE, UPL[rnd() % 4], MC[rnd() % 2] };
	const uint8_t *da = das[rnd() % 5];
	int vid = (int)(1 + rnd() % 8);
	uint16_t rc = AQ_RC_EINVAL, at = 0;
	unsigned pick = (unsigned)(rnd() % (adv_on ? 13 : 10));

	if (pick >= 10) {
		rc = random_adv(r, own == MAC_A ? rcp_a : rcp_b, act, da);
		if (rc == 0xffff)
			return;
		at = rc;
		idx[(*n)++] = at;
		return;
	}
	switch (pick) {
	case 0: case 1:
		rc = swr_add(r, rnd() & 1 ? SW_RULE_LKUP_TX : SW_RULE_LKUP_RX, LKUP_MAC, act, da, 0, -1,
			     &at);
		/* A broken implementation: the guest's MAC rule programs the switch. */
		if (!rc && breach && !(da[0] & 1) && memcmp(da, own, 6) && memcmp(da, other, 6))
			(void)sw_mac_add_static(breach->sw, da, 0, breach_port);
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
		rc = swr_add(r, SW_RULE_LKUP_TX, LKUP_MAC, act, own, 0, -1, &at);
		break;
	}
	if (!rc)
		idx[(*n)++] = at;
}

/*
 * A random flow director filter: udp4 or tcp4 to one of either VM's ports,
 * to a queue (one the VSI lacks now and then), a queue region (toq 0..7,
 * mostly past the VSI's queues) or drop.
 */
static void random_filter(struct e810 *m, struct swr_rig *r, uint32_t fdid)
{
	unsigned q = rnd() % 6 == 0 ? 5u : (unsigned)(rnd() % SWR_NQ);
	bool drop = rnd() % 3 == 0;
	uint8_t proto = rnd() & 1 ? 17 : 6;
	uint16_t port = PORTS[rnd() % 5];

	if (!drop && rnd() % 3 == 0)
		(void)fdr_program_region(m, r, proto, port, q, (unsigned)(rnd() % 8), fdid);
	else
		(void)fdr_program(m, r, proto, port, q, drop, false, fdid);
}

static int cmp_u64(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;

	return a < b ? -1 : a > b;
}

static bool same(const uint64_t *x, unsigned nx, const uint64_t *y, unsigned ny)
{
	return nx == ny && !memcmp(x, y, nx * sizeof(*x));
}

/* What X took in (rules: w1) is what the switch gave it without rules (w2) minus its own drops. */
static bool same_multiset(const struct ep *x1, const struct ep *x2)
{
	uint64_t want[MAXF], got[MAXF];
	unsigned nw = 0, nd = 0;
	uint64_t drop[MAXF];

	if (x1->nacc > MAXF || x2->n > MAXF)
		return false;
	memcpy(got, x1->acc, x1->nacc * sizeof(*got));
	memcpy(want, x2->got, x2->n * sizeof(*want));
	memcpy(drop, x1->drop, x1->ndrop * sizeof(*drop));
	qsort(got, x1->nacc, sizeof(*got), cmp_u64);
	qsort(want, x2->n, sizeof(*want), cmp_u64);
	qsort(drop, x1->ndrop, sizeof(*drop), cmp_u64);
	/* want minus drop, both sorted */
	for (unsigned i = 0; i < x2->n; i++) {
		if (nd < x1->ndrop && drop[nd] == want[i]) {
			nd++;
			continue;
		}
		want[nw++] = want[i];
	}
	return nd == x1->ndrop && same(got, x1->nacc, want, nw);
}

/* What X let in is its own: its MAC, broadcast, multicast, never its own frames, on its queues. */
static bool own_only(const struct ep *x, const uint8_t mac[6])
{
	bool ok = x->bad_queue == 0;

	for (unsigned i = 0; i < x->nacc; i++)
		ok &= (!memcmp(x->acc_dst[i], mac, 6) || (x->acc_dst[i][0] & 1)) &&
		      x->acc_src_port[i] != x->id;
	return ok;
}

/* Every flow the VM's rules give an uplink carries its own MAC (net/flow.h). */
static bool flows_own(struct e810 *m, const uint8_t mac[6])
{
	static struct net_flow fl[E810_AQ_MAX_RULES];
	unsigned n = e810_steer_flows(m, fl, E810_AQ_MAX_RULES);
	bool ok = n <= E810_AQ_MAX_RULES;

	for (unsigned i = 0; i < n && i < E810_AQ_MAX_RULES; i++)
		ok &= !memcmp(fl[i].m.dst_mac, mac, 6);
	return ok;
}

/* Runs the property; returns the iterations that broke it. */
static unsigned run(unsigned iters, uint64_t seed, enum breach breach)
{
	unsigned bad = 0;

	rng = seed;
	w1.a.breach_fdir = breach == BREACH_FDIR;
	for (unsigned it = 0; it < iters; it++) {
		uint16_t ia[8], ib[8];
		unsigned na = 0, nb = 0, want = 1 + (unsigned)(rnd() % 8);
		bool ok = true;

		for (unsigned i = 0; i < want; i++) {
			random_rule(&ra1, MAC_A, MAC_B, ia, &na, breach == BREACH_SWITCH ? &w1 : NULL,
				    w1.a.id);
			random_rule(&rb1, MAC_B, MAC_A, ib, &nb, NULL, w1.b.id);
		}
		want = (unsigned)(rnd() % 6);
		for (unsigned i = 0; i < want; i++) {
			random_filter(&ma1, &ra1, it * 8 + i);
			random_filter(&mb1, &rb1, it * 8 + i);
		}
		world_clear(&w1);
		world_clear(&w2);
		for (unsigned f = 0; f < FRAMES; f++)
			send_one(it * FRAMES + f);
		/* The switch delivered the same to every port, whatever the rules. */
		ok &= same(w1.up.got, w1.up.n, w2.up.got, w2.up.n);
		ok &= same(w1.a.got, w1.a.n, w2.a.got, w2.a.n);
		ok &= same(w1.b.got, w1.b.n, w2.b.got, w2.b.n);
		/* Each VM took in that minus what its own rules dropped, and only its own. */
		ok &= same_multiset(&w1.a, &w2.a) && same_multiset(&w1.b, &w2.b);
		ok &= own_only(&w1.a, MAC_A) && own_only(&w1.b, MAC_B);
		ok &= flows_own(&ma1, MAC_A) && flows_own(&mb1, MAC_B);
		if (!ok && getenv("CONFINE_DEBUG"))
			print_message("iteration %u: up %u/%u a %u/%u (acc %u drop %u) b %u/%u (acc %u "
				      "drop %u)\n", it, w1.up.n, w2.up.n, w1.a.n, w2.a.n, w1.a.nacc,
				      w1.a.ndrop, w1.b.n, w2.b.n, w1.b.nacc, w1.b.ndrop);
		bad += !ok;
		adv_compiled += ma1.swr.nadv_on + mb1.swr.nadv_on;
		adv_bad += ma1.swr.nadv_bad + mb1.swr.nadv_bad;
		for (unsigned i = 0; i < na; i++)
			assert_int_equal(swr_remove(&ra1, ia[i]), 0);
		for (unsigned i = 0; i < nb; i++)
			assert_int_equal(swr_remove(&rb1, ib[i]), 0);
		swr_prune(&ra1, false);
		swr_prune(&rb1, false);
		e810_fdir_reset(&ma1);
		e810_fdir_reset(&mb1);
		if (breach == BREACH_SWITCH) {
			for (unsigned i = 0; i < 4; i++)
				(void)sw_mac_del(w1.sw, UPL[i], 0);
			(void)sw_mac_del(w1.sw, NOWHERE, 0);
		}
	}
	w1.a.breach_fdir = false;
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
	memset(rcp_a, 0xff, sizeof(rcp_a));
	memset(rcp_b, 0xff, sizeof(rcp_b));
	if (adv_on) {
		adv_recipes(&ra1, rcp_a);
		adv_recipes(&rb1, rcp_b);
	} else {
		print_message("no DDP package: advanced rules not exercised\n");
	}
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
	struct e810 *ms[2] = { &ma1, &mb1 };

	(void)state;
	assert_int_equal(run(ITERS, seed, BREACH_NONE), 0);
	/* With the package, advanced rules were in the lookups, all readable. */
	if (adv_on) {
		assert_true(adv_compiled > ITERS / 2);
		assert_int_equal(adv_bad, 0);
	}
	/* The rules did something in both VMs: dropped, steered, let frames in, pruned. */
	for (unsigned i = 0; i < 2; i++) {
		assert_true(ms[i]->swr_cnt.hits > 0 && ms[i]->swr_cnt.drops > 0 &&
			    ms[i]->swr_cnt.no_rule > 0 && ms[i]->swr_cnt.pruned > 0);
		assert_true(ms[i]->fd.tab.st.matches > 0 && ms[i]->fd.drops > 0 &&
			    ms[i]->fd.bad_queue > 0 && ms[i]->fd.region_clamped > 0);
	}
	assert_true(w1.a.by_fdir > 0 && w1.b.by_fdir > 0);
}

/* A guest MAC rule that programs the switch is caught. */
static void test_breach(void **state)
{
	(void)state;
	assert_true(run(300, 0xbadull, BREACH_SWITCH) > 0);
}

/* A flow director filter whose queue is the other VM's port is caught. */
static void test_breach_fdir(void **state)
{
	(void)state;
	assert_true(run(300, 0xbad2ull, BREACH_FDIR) > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_confined),
		cmocka_unit_test(test_breach),
		cmocka_unit_test(test_breach_fdir),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
