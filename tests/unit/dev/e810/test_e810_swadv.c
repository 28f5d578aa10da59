// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The E810's advanced switch rules (swr_adv.c) with Intel's real DDP
 * package (its switch block's tables, downloaded as ice downloads it):
 * a recipe and rule as ice's tc-flower path builds them for
 * "protocol ip flower dst_ip X ip_proto udp dst_port P -> queue 2", as
 * DPDK's ice PMD switch filter builds "eth / ipv4 dst X / udp dst P ->
 * queue", a chained recipe, and hostile recipes and rules. Frames that
 * match land on the rule's queue, others do not. Skipped without the
 * package file (swadv_util.h says where it is looked for).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "dev/e810/flex.h"
#include "dev/e810/lan_desc.h"
#include "fd_util.h"
#include "net/flow.h"
#include "swadv_util.h"
#include "swr_util.h"

static const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static const uint8_t peer[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x99 };
static struct e810_swr_tab tab;

#define IP_X 0xc0000207u /* 192.0.2.7 */
#define IP_Y 0xc0000208u
#define PORT_P 4789u

static bool rig_up(struct swr_rig *r)
{
	swr_rig_init(r, mac);
	if (!swa_pkg_load(&r->d)) {
		swr_rig_fini(r);
		return false;
	}
	/* ice's own MAC filter: a TX rule with its VSI as source, forwarding to it. */
	assert_int_equal(swr_add(r, SW_RULE_LKUP_TX, LKUP_MAC, swr_act_vsi(r->vsi), mac, 0, -1, NULL),
			 0);
	return true;
}

static int eval(struct swr_rig *r, const uint8_t *f, unsigned len, enum e810_swr_why *why)
{
	e810_swr_compile_sw(&tab, e810_aq_state(r->d.aq), e810_aq_flex(r->d.aq), SWR_NQ);
	return e810_swr_eval(&tab, f, len, -1, NULL, NULL, why);
}

static int eval4(struct swr_rig *r, uint8_t proto, uint32_t dip, uint16_t dp)
{
	uint8_t f[128];
	enum e810_swr_why why;
	unsigned len = fdu_frame4(f, mac, peer, proto, 0x0a000001u, dip, 1234, dp, 6);

	return eval(r, f, len, &why);
}

/* The package's switch tables as the lookups need them (ice-1.3.43.0). */
static void test_package_tables(void **state)
{
	struct swr_rig r;
	const struct e810_flex *fx;
	int udp4, tcp4;

	(void)state;
	if (!rig_up(&r))
		skip();
	fx = e810_aq_flex(r.d.aq);
	assert_true(fx->st.sw_sections > 0);
	udp4 = swa_prof(&r.d, E810_PTYPE_IPV4_UDP);
	tcp4 = swa_prof(&r.d, E810_PTYPE_IPV4_TCP);
	assert_true(udp4 >= 0 && tcp4 >= 0 && udp4 != tcp4);
	assert_true(swa_prof(&r.d, E810_PTYPE_IPV6_UDP) >= 0);
	/* Every packet type the parser gives has a profile. */
	assert_true(swa_prof(&r.d, E810_PTYPE_L2) >= 0);
	assert_true(swa_prof(&r.d, E810_PTYPE_IPV4) >= 0);
	swr_rig_fini(&r);
}

/* tc-flower: protocol ip, dst_ip X, ip_proto udp (the dummy packet), dst_port P -> queue 2. */
static void test_tc_flower_udp(void **state)
{
	const struct swa_word w[] = {
		{ E810_FLEX_PROT_ETYPE, 0, 0xffff, 0x0800 },
		{ E810_FLEX_PROT_IPV4, 16, 0xffff, IP_X >> 16 },
		{ E810_FLEX_PROT_IPV4, 18, 0xffff, IP_X & 0xffff },
		{ E810_FLEX_PROT_UDP, 2, 0xffff, PORT_P },
	};
	uint8_t pkt[64], idx[4];
	struct swr_rig r;
	uint16_t index;
	unsigned len;
	int rid;

	(void)state;
	if (!rig_up(&r))
		skip();
	rid = swa_recipe(&r.d, w, 4, -1, idx);
	assert_true(rid >= (int)E810_AQ_DFLT_RECIPES);
	/* The words where the package has them: ethertype 13, IPv4 dst 30/31, UDP dst 25. */
	assert_int_equal(idx[0], 13);
	assert_int_equal(idx[1], 30);
	assert_int_equal(idx[2], 31);
	assert_int_equal(idx[3], 25);
	len = swa_dummy4(pkt, 17, w, 4);
	/* Before the rule: RSS decides (the MAC rule forwards to the PF VSI). */
	assert_int_equal(eval4(&r, 17, IP_X, PORT_P), E810_SWR_Q_NEXT);
	assert_int_equal(swa_rule(&r.d, (unsigned)rid, swr_act_q(2, 0), pkt, len, &index), 0);
	assert_int_equal(eval4(&r, 17, IP_X, PORT_P), 2);
	assert_int_equal(tab.nadv, 1);
	assert_int_equal(tab.nadv_on, 1);
	assert_int_equal(tab.nadv_bad, 0);
	/* Other port, address, protocol: not the rule's. */
	assert_int_equal(eval4(&r, 17, IP_X, PORT_P + 1), E810_SWR_Q_NEXT);
	assert_int_equal(eval4(&r, 17, IP_Y, PORT_P), E810_SWR_Q_NEXT);
	assert_int_equal(eval4(&r, 6, IP_X, PORT_P), E810_SWR_Q_NEXT);
	/* Tagged in the data: the same words (the ethertype after the tag). */
	{
		uint8_t f[128], t[128];
		enum e810_swr_why why;
		unsigned n = fdu_frame4(f, mac, peer, 17, 1, IP_X, 1, PORT_P, 6);

		memcpy(t, f, 12);
		t[12] = 0x81;
		t[13] = 0;
		t[14] = 0;
		t[15] = 5;
		memcpy(t + 16, f + 12, n - 12);
		assert_int_equal(eval(&r, t, n + 4, &why), 2);
		/* Too short for the UDP header: no UDP word, no match. */
		assert_int_equal(eval(&r, f, 14 + 20 + 4, &why), E810_SWR_Q_NEXT);
	}
	/* Removed: back. */
	assert_int_equal(swr_remove(&r, index), 0);
	assert_int_equal(eval4(&r, 17, IP_X, PORT_P), E810_SWR_Q_NEXT);
	swr_rig_fini(&r);
}

/* DPDK's ice PMD: eth / ipv4 dst X / udp dst P -> queue 3 (the IPv4/UDP profile only). */
static void test_dpdk_udp(void **state)
{
	const struct swa_word w[] = {
		{ E810_FLEX_PROT_IPV4, 16, 0xffff, IP_X >> 16 },
		{ E810_FLEX_PROT_IPV4, 18, 0xffff, IP_X & 0xffff },
		{ E810_FLEX_PROT_UDP, 2, 0xffff, PORT_P },
	};
	const struct swa_word wt[] = {
		{ E810_FLEX_PROT_IPV4, 16, 0xffff, IP_Y >> 16 },
		{ E810_FLEX_PROT_IPV4, 18, 0xffff, IP_Y & 0xffff },
		{ E810_FLEX_PROT_TCP, 2, 0xffff, PORT_P },
	};
	uint8_t pkt[64];
	struct swr_rig r;
	unsigned len;
	int rid, rt;

	(void)state;
	if (!rig_up(&r))
		skip();
	rid = swa_recipe(&r.d, w, 3, swa_prof(&r.d, E810_PTYPE_IPV4_UDP), NULL);
	assert_true(rid >= 0);
	len = swa_dummy4(pkt, 17, w, 3);
	assert_int_equal(swa_rule(&r.d, (unsigned)rid, swr_act_q(3, 0), pkt, len, NULL), 0);
	/* eth / ipv4 dst Y / tcp dst P -> drop */
	rt = swa_recipe(&r.d, wt, 3, swa_prof(&r.d, E810_PTYPE_IPV4_TCP), NULL);
	assert_true(rt >= 0 && rt != rid);
	len = swa_dummy4(pkt, 6, wt, 3);
	assert_int_equal(swa_rule(&r.d, (unsigned)rt, swr_act_drop(), pkt, len, NULL), 0);
	assert_int_equal(eval4(&r, 17, IP_X, PORT_P), 3);
	assert_int_equal(eval4(&r, 6, IP_X, PORT_P), E810_SWR_Q_NEXT);
	assert_int_equal(eval4(&r, 17, IP_X, 53), E810_SWR_Q_NEXT);
	assert_int_equal(eval4(&r, 6, IP_Y, PORT_P), E810_SWR_Q_DROP);
	assert_int_equal(eval4(&r, 17, IP_Y, PORT_P), E810_SWR_Q_NEXT);
	assert_int_equal(eval4(&r, 6, IP_Y, PORT_P + 1), E810_SWR_Q_NEXT);
	/* Another VM's address (not this MAC): the MAC rule does not forward it, nor does the rule. */
	{
		uint8_t f[128];
		enum e810_swr_why why;
		const uint8_t other[6] = { 0x52, 0x54, 0, 0, 0, 0x77 };
		unsigned n = fdu_frame4(f, other, peer, 17, 1, IP_X, 1, PORT_P, 6);

		/* The rule has no MAC word: it takes the frame (the switch never delivers it). */
		assert_int_equal(eval(&r, f, n, &why), 3);
	}
	swr_rig_fini(&r);
}

/* More than four words: ice's chain of recipes, the root naming the groups' results. */
static void test_chain(void **state)
{
	const struct swa_word w[] = {
		{ E810_FLEX_PROT_ETYPE, 0, 0xffff, 0x0800 },
		{ E810_FLEX_PROT_IPV4, 12, 0xffff, 0x0a00 },
		{ E810_FLEX_PROT_IPV4, 14, 0xff00, 0x0000 },
		{ E810_FLEX_PROT_IPV4, 16, 0xffff, IP_X >> 16 },
		{ E810_FLEX_PROT_IPV4, 18, 0xffff, IP_X & 0xffff },
		{ E810_FLEX_PROT_UDP, 2, 0xffff, PORT_P },
	};
	uint8_t pkt[64];
	struct swr_rig r;
	int rid;

	(void)state;
	if (!rig_up(&r))
		skip();
	rid = swa_recipe(&r.d, w, 6, -1, NULL);
	assert_true(rid >= 0);
	assert_true(e810_aq_state(r.d.aq)->recipe[rid].elem[16] & 0x80);
	assert_int_equal(swa_rule(&r.d, (unsigned)rid, swr_act_q(1, 0),
				  pkt, swa_dummy4(pkt, 17, w, 6), NULL), 0);
	assert_int_equal(eval4(&r, 17, IP_X, PORT_P), 1); /* from 10.0.0.1 */
	{
		uint8_t f[128];
		enum e810_swr_why why;
		unsigned n = fdu_frame4(f, mac, peer, 17, 0x0b000001u, IP_X, 1, PORT_P, 6);

		assert_int_equal(eval(&r, f, n, &why), E810_SWR_Q_NEXT);
		n = fdu_frame4(f, mac, peer, 17, 0x0a0000ffu, IP_X, 1, PORT_P, 6);
		assert_int_equal(eval(&r, f, n, &why), 1); /* the masked-out byte */
		n = fdu_frame4(f, mac, peer, 17, 0x0a000101u, IP_X, 1, PORT_P, 6);
		assert_int_equal(eval(&r, f, n, &why), E810_SWR_Q_NEXT);
	}
	swr_rig_fini(&r);
}

static uint16_t raw_recipe(struct drv *d, uint8_t lk, uint16_t *rid)
{
	uint8_t b[6] = { 0 }, e[E810_AQ_RECIPE_SIZE] = { 0 }, prm[16] = { 0 };

	p16(prm + AR_NUM_ENTRIES, 1);
	p16(b + ARB_RES_TYPE, RES_TYPE_RECIPE);
	p16(b + ARB_NUM_ELEMS, 1);
	assert_int_equal(drv_cmd(d, AQC_ALLOC_RES, prm, b, sizeof(b), true, NULL), 0);
	*rid = g16(b + ARB_ELEMS);
	e[0] = (uint8_t)*rid;
	p64(e + 4, 1ull << *rid);
	e[16] = (uint8_t)(*rid | 0x80u);
	e[17] = 0;
	p16(e + 22, 0xff);
	e[18] = lk;
	p16(e + 24, 0xffff);
	for (unsigned j = 2; j < 5; j++)
		e[17 + j] = 0x80;
	memset(prm, 0, sizeof(prm));
	p16(prm + RCP_NUM_SUB, 1);
	return drv_cmd(d, AQC_ADD_RECIPE, prm, e, sizeof(e), true, NULL);
}

static void map_all(struct drv *d, uint16_t rid)
{
	uint8_t prm[16];

	for (unsigned p = 0; p < E810_FLEX_SW_PROFS; p++) {
		memset(prm, 0, sizeof(prm));
		p16(prm + R2P_PROFILE, (uint16_t)p);
		p64(prm + R2P_ASSOC, e810_aq_state(d->aq)->prof_recipes[p] | 1ull << rid);
		assert_int_equal(drv_cmd(d, AQC_RECIPE_TO_PROFILE, prm, NULL, 0, false, NULL), 0);
	}
}

/* Hostile recipes and rules: taken as a device takes them, never matching, counted; bounded. */
static void test_hostile(void **state)
{
	const struct swa_word w[] = { { E810_FLEX_PROT_UDP, 2, 0xffff, PORT_P } };
	uint8_t pkt[300];
	struct swr_rig r;
	uint16_t rid, index[E810_AQ_MAX_ADV_RULES];
	unsigned len;
	int ok;

	(void)state;
	if (!rig_up(&r))
		skip();
	/* A word past the field vector (index 63 of 48). */
	assert_int_equal(raw_recipe(&r.d, 63, &rid), 0);
	map_all(&r.d, rid);
	len = swa_dummy4(pkt, 17, w, 1);
	assert_int_equal(swa_rule(&r.d, rid, swr_act_q(2, 0), pkt, len, NULL), 0);
	assert_int_equal(eval4(&r, 17, IP_X, PORT_P), E810_SWR_Q_NEXT);
	assert_int_equal(tab.nadv_bad, 1);
	/* The UDP word on a dummy packet too short, of no UDP, or ARP: never matches. */
	ok = swa_recipe(&r.d, w, 1, -1, NULL);
	assert_true(ok >= 0);
	assert_int_equal(swa_rule(&r.d, (unsigned)ok, swr_act_q(2, 0), pkt, 10, NULL), 0);
	assert_int_equal(swa_rule(&r.d, (unsigned)ok, swr_act_q(2, 0), pkt, 14 + 20 + 4, NULL), 0);
	pkt[12] = 0x08;
	pkt[13] = 0x06;
	assert_int_equal(swa_rule(&r.d, (unsigned)ok, swr_act_q(2, 0), pkt, 60, NULL), 0);
	assert_int_equal(eval4(&r, 17, IP_X, PORT_P), E810_SWR_Q_NEXT);
	assert_int_equal(tab.nadv_bad, 4);
	/* A dummy packet longer than kept (256 bytes): its words within are read. */
	len = swa_dummy4(pkt, 17, w, 1);
	memset(pkt + len, 0, sizeof(pkt) - len);
	assert_int_equal(swa_rule(&r.d, (unsigned)ok, swr_act_q(3, 0), pkt, 300, NULL), 0);
	assert_int_equal(eval4(&r, 17, IP_X, PORT_P), 3);
	/* A recipe mapped to no profile: never matches. */
	assert_int_equal(raw_recipe(&r.d, 25, &rid), 0);
	assert_int_equal(swa_rule(&r.d, rid, swr_act_drop(), pkt, len, NULL), 0);
	assert_int_equal(eval4(&r, 17, IP_X, PORT_P), 3);
	assert_int_equal(tab.nadv_noprof, 1);
	/* At most E810_AQ_MAX_ADV_RULES advanced rules: ENOSPC past that. */
	{
		unsigned have = tab.nadv_on + tab.nadv_bad, n = 0;

		for (unsigned i = have; i < E810_AQ_MAX_ADV_RULES; i++)
			assert_int_equal(swa_rule(&r.d, (unsigned)ok, swr_act_q(1, 0), pkt, len,
						  &index[n++]), 0);
		assert_int_equal(swa_rule(&r.d, (unsigned)ok, swr_act_q(1, 0), pkt, len, NULL),
				 AQ_RC_ENOSPC);
		assert_int_equal(eval4(&r, 17, IP_X, PORT_P), 3);
		assert_int_equal(tab.nadv, E810_AQ_MAX_ADV_RULES);
		assert_int_equal(swr_remove(&r, index[0]), 0);
		assert_int_equal(swa_rule(&r.d, (unsigned)ok, swr_act_q(1, 0), pkt, len, NULL), 0);
	}
	swr_rig_fini(&r);
}

/* The flows decide the VM's frames as the receive path does (got vs want for frames). */
static void flows_agree(struct swr_rig *r, const struct net_flow *f, unsigned n)
{
	static const uint8_t protos[] = { 17, 6, 1 };
	static const uint32_t dips[] = { IP_X, IP_Y };
	static const uint16_t dps[] = { PORT_P, PORT_P + 1 };

	for (unsigned a = 0; a < 3; a++)
		for (unsigned b = 0; b < 2; b++)
			for (unsigned c = 0; c < 2; c++) {
				uint8_t fr[128];
				enum e810_swr_why why;
				unsigned len = fdu_frame4(fr, mac, peer, protos[a], 0x0a000001u, dips[b],
							  1234, dps[c], 6);
				int want = eval(r, fr, len, &why), got = -3, best = 1 << 30;

				for (unsigned i = 0; i < n; i++) {
					if (!net_flow_matches(&f[i], fr, len, -1) || f[i].priority >= best)
						continue;
					best = f[i].priority;
					got = f[i].action == NET_FLOW_DROP   ? E810_SWR_Q_DROP
					      : f[i].action == NET_FLOW_PASS ? E810_SWR_Q_NEXT
									     : f[i].queue;
				}
				if (got != want)
					print_error("proto %u dst %#x port %u: %d, flows %d\n", protos[a],
						    dips[b], dps[c], want, got);
				assert_int_equal(got, want);
			}
}

/* Advanced rules as flows: the tc-flower and DPDK rules listed, a source MAC rule not. */
static void test_flows(void **state)
{
	const struct swa_word w[] = {
		{ E810_FLEX_PROT_ETYPE, 0, 0xffff, 0x0800 },
		{ E810_FLEX_PROT_IPV4, 16, 0xffff, IP_X >> 16 },
		{ E810_FLEX_PROT_IPV4, 18, 0xffff, IP_X & 0xffff },
		{ E810_FLEX_PROT_UDP, 2, 0xffff, PORT_P },
	};
	const struct swa_word wt[] = {
		{ E810_FLEX_PROT_IPV4, 16, 0xffff, IP_Y >> 16 },
		{ E810_FLEX_PROT_IPV4, 18, 0xffff, IP_Y & 0xffff },
		{ E810_FLEX_PROT_TCP, 2, 0xff00, PORT_P & 0xff00 },
	};
	const struct swa_word ws[] = { { E810_FLEX_PROT_MAC, 6, 0xffff, 0x0266 } };
	struct net_flow f[16];
	uint8_t pkt[64];
	struct swr_rig r;
	unsigned n;
	int rid;

	(void)state;
	if (!rig_up(&r))
		skip();
	rid = swa_recipe(&r.d, w, 4, -1, NULL);
	assert_int_equal(swa_rule(&r.d, (unsigned)rid, swr_act_q(2, 0), pkt, swa_dummy4(pkt, 17, w, 4),
				  NULL), 0);
	rid = swa_recipe(&r.d, wt, 3, swa_prof(&r.d, E810_PTYPE_IPV4_TCP), NULL);
	assert_int_equal(swa_rule(&r.d, (unsigned)rid, swr_act_drop(), pkt, swa_dummy4(pkt, 6, wt, 3),
				  NULL), 0);
	rid = swa_recipe(&r.d, ws, 1, -1, NULL);
	assert_int_equal(swa_rule(&r.d, (unsigned)rid, swr_act_q(1, 0), pkt, swa_dummy4(pkt, 0, ws, 1),
				  NULL), 0);
	e810_swr_compile_sw(&tab, e810_aq_state(r.d.aq), e810_aq_flex(r.d.aq), SWR_NQ);
	assert_int_equal(tab.nadv_on, 3);
	n = e810_swr_flows_tab(&tab, e810_aq_state(r.d.aq), SWR_NQ, mac, f, 16);
	assert_int_equal(n, 3); /* the MAC rule, the two; the source MAC one is not a flow field */
	assert_int_equal(e810_swr_flows(e810_aq_state(r.d.aq), SWR_NQ, mac, f, 16), 1);
	n = e810_swr_flows_tab(&tab, e810_aq_state(r.d.aq), SWR_NQ, mac, f, 16);
	assert_int_equal(f[1].action, NET_FLOW_QUEUE);
	assert_int_equal(f[1].queue, 2);
	assert_int_equal(f[1].m.fields, NET_FLOW_F_ETYPE | NET_FLOW_F_IPV4 | NET_FLOW_F_DST_IP |
					NET_FLOW_F_PROTO | NET_FLOW_F_DPORT);
	assert_int_equal(f[1].m.ip_proto, 17);
	assert_int_equal(f[1].m.dst_port, PORT_P);
	assert_memory_equal(f[1].m.dst_ip, ((const uint8_t[]){ 192, 0, 2, 7 }), 4);
	assert_int_equal(f[2].action, NET_FLOW_DROP);
	assert_int_equal(f[2].m.ip_proto, 6);
	assert_int_equal(f[2].m.dst_port_mask, 0xff00);
	/* The source MAC rule decides nothing for these frames (their source is 02:00:..). */
	flows_agree(&r, f, n);
	swr_rig_fini(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_package_tables),
		cmocka_unit_test(test_tc_flower_udp),
		cmocka_unit_test(test_dpdk_udp),
		cmocka_unit_test(test_chain),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_flows),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
