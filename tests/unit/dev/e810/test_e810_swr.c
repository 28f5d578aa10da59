// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The E810's switch rules on the receive path (swr_tab.c) as the admin
 * queue engine takes them (aq_sw.c, aq_recipe.c): what ice adds at probe
 * and open (its MAC and broadcast as TX MAC rules, multicast addresses, the
 * LLDP and pause TX drops, allmulti, the default VSI), the actions (to a
 * queue, a queue region, drop, a VSI list, another VSI), VLAN pruning,
 * removal; hostile rule buffers and a full table refused without a change;
 * recipes taken, read back, bounded, and rules on unknown recipes refused;
 * the rules listed as flows with the VM's MAC.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "net/flow.h"
#include "swr_util.h"

static const uint8_t mac[6] = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 };
static const uint8_t other[6] = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x66 };
static const uint8_t bc[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t mc_nd[6] = { 0x33, 0x33, 0xff, 0x33, 0x44, 0x55 };
static const uint8_t mc_other[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb };
static const uint8_t lldp[6] = { 0x01, 0x80, 0xc2, 0x00, 0x00, 0x0e };
static uint8_t prm[16];
static struct e810_swr_tab tab;

static int ev(struct swr_rig *r, const uint8_t da[6], uint16_t etype, int vid,
	      enum e810_swr_why *why)
{
	uint8_t f[64];
	uint32_t n = swr_frame(f, da, etype, vid);

	return swr_eval(r, &tab, f, n, why);
}

/* ice at probe and open: its MAC and broadcast, an IPv6 ND multicast, the TX drops. */
static void ice_rules(struct swr_rig *r)
{
	assert_int_equal(swr_add(r, SW_RULE_LKUP_TX, LKUP_MAC, swr_act_vsi(r->vsi) | 0x8, mac, 0, -1,
				 NULL), 0);
	assert_int_equal(swr_add(r, SW_RULE_LKUP_TX, LKUP_MAC, swr_act_vsi(r->vsi) | 0x8, bc, 0, -1,
				 NULL), 0);
	assert_int_equal(swr_add(r, SW_RULE_LKUP_TX, LKUP_MAC, swr_act_vsi(r->vsi) | 0x8, mc_nd, 0,
				 -1, NULL), 0);
	assert_int_equal(swr_add(r, SW_RULE_LKUP_TX, LKUP_ETHERTYPE, swr_act_drop(), NULL, 0x88cc, -1,
				 NULL), 0);
	assert_int_equal(swr_add(r, SW_RULE_LKUP_TX, LKUP_ETHERTYPE, swr_act_drop(), NULL, 0x8808, -1,
				 NULL), 0);
}

static void test_no_rules_pass(void **state)
{
	struct swr_rig r;
	enum e810_swr_why why;

	(void)state;
	swr_rig_init(&r, mac);
	assert_int_equal(ev(&r, other, 0x0800, -1, &why), E810_SWR_Q_NEXT);
	assert_int_equal(why, E810_SWR_PASS);
	assert_false(tab.active);
	swr_rig_fini(&r);
}

static void test_ice_probe_rules(void **state)
{
	struct swr_rig r;
	enum e810_swr_why why;

	(void)state;
	swr_rig_init(&r, mac);
	ice_rules(&r);
	/* Its MAC, broadcast (ARP), the ND multicast: on to the flow director and RSS. */
	assert_int_equal(ev(&r, mac, 0x0800, -1, &why), E810_SWR_Q_NEXT);
	assert_int_equal(why, E810_SWR_HIT);
	assert_int_equal(ev(&r, bc, 0x0806, -1, &why), E810_SWR_Q_NEXT);
	assert_int_equal(why, E810_SWR_HIT);
	assert_int_equal(ev(&r, mc_nd, 0x86dd, -1, &why), E810_SWR_Q_NEXT);
	/* The TX drops are not on the receive path: LLDP to its own MAC still comes in. */
	assert_int_equal(ev(&r, mac, 0x88cc, -1, &why), E810_SWR_Q_NEXT);
	assert_int_equal(tab.ntx_only, 2);
	/* Another unicast, a multicast it did not join: not delivered. */
	assert_int_equal(ev(&r, other, 0x0800, -1, &why), E810_SWR_Q_DROP);
	assert_int_equal(why, E810_SWR_NO_RULE);
	assert_int_equal(ev(&r, mc_other, 0x0800, -1, &why), E810_SWR_Q_DROP);
	assert_int_equal(why, E810_SWR_NO_RULE);
	/* allmulti (ICE_SW_LKUP_PROMISC, multicast DA class, RX). */
	assert_int_equal(swr_add(&r, SW_RULE_LKUP_RX, LKUP_PROMISC, swr_act_vsi(r.vsi),
				 (const uint8_t[]){ 3, 0, 0, 0, 0, 0 }, 0, -1, NULL), 0);
	assert_int_equal(ev(&r, mc_other, 0x0800, -1, &why), E810_SWR_Q_NEXT);
	assert_int_equal(ev(&r, other, 0x0800, -1, &why), E810_SWR_Q_DROP);
	/* The LLDP RX forward of a software agent. */
	assert_int_equal(ev(&r, lldp, 0x88cc, -1, &why), E810_SWR_Q_NEXT);
	/* Promiscuous: the default VSI. */
	assert_int_equal(swr_add(&r, SW_RULE_LKUP_RX, LKUP_DFLT, swr_act_vsi(r.vsi), NULL, 0, -1,
				 NULL), 0);
	assert_int_equal(ev(&r, other, 0x0800, -1, &why), E810_SWR_Q_NEXT);
	swr_rig_fini(&r);
}

static void test_actions(void **state)
{
	struct swr_rig r;
	enum e810_swr_why why;
	uint16_t idx, vmdq, list;
	uint8_t p[128] = { 0 };

	(void)state;
	swr_rig_init(&r, mac);
	ice_rules(&r);
	/* ethertype 0x88f7 (PTP) to queue 2; ethertype+MAC 0x9000 drop; a region of 2 from 2. */
	assert_int_equal(swr_add(&r, SW_RULE_LKUP_RX, LKUP_ETHERTYPE, swr_act_q(2, 0), NULL, 0x88f7,
				 -1, &idx), 0);
	assert_int_equal(ev(&r, mac, 0x88f7, -1, &why), 2);
	assert_int_equal(why, E810_SWR_HIT);
	assert_int_equal(swr_add(&r, SW_RULE_LKUP_RX, LKUP_ETHERTYPE_MAC, swr_act_drop(), mac, 0x9000,
				 -1, NULL), 0);
	assert_int_equal(ev(&r, mac, 0x9000, -1, &why), E810_SWR_Q_DROP);
	assert_int_equal(why, E810_SWR_RULE_DROP);
	assert_int_equal(ev(&r, bc, 0x9000, -1, &why), E810_SWR_Q_NEXT); /* another DA */
	assert_int_equal(swr_add(&r, SW_RULE_LKUP_RX, LKUP_ETHERTYPE, swr_act_q(2, 1), NULL, 0x88b5,
				 -1, NULL), 0);
	{
		int q = ev(&r, mac, 0x88b5, -1, &why);

		assert_true(q == 2 || q == 3);
	}
	/* A drop wins over a queue. */
	assert_int_equal(swr_add(&r, SW_RULE_LKUP_RX, LKUP_ETHERTYPE_MAC, swr_act_drop(), mac, 0x88f7,
				 -1, NULL), 0);
	assert_int_equal(ev(&r, mac, 0x88f7, -1, &why), E810_SWR_Q_DROP);
	/* Update: the queue rule to queue 1 (its header kept). */
	{
		uint8_t e[16] = { 0 };

		memset(prm, 0, sizeof(prm));
		p16(prm + SR_NUM_RULES, 1);
		p16(e + SRE_TYPE, SW_RULE_LKUP_RX);
		p16(e + SRL_RECIPE, LKUP_ETHERTYPE);
		p32(e + SRL_ACT, swr_act_q(1, 0));
		p16(e + SRL_INDEX, idx);
		assert_int_equal(drv_cmd(&r.d, AQC_UPDATE_SW_RULES, prm, e, sizeof(e), true, NULL), 0);
	}
	assert_int_equal(ev(&r, other, 0x88f7, -1, &why), 1); /* ethertype alone: any DA delivered */
	/* Removal: back to no rule for that frame. */
	assert_int_equal(swr_remove(&r, idx), 0);
	assert_int_equal(ev(&r, other, 0x88f7, -1, &why), E810_SWR_Q_DROP);
	assert_int_equal(why, E810_SWR_NO_RULE);
	assert_int_equal(swr_remove(&r, idx), AQ_RC_ENOENT);
	/* Another VSI (VMDQ2 on queue 3): its first queue; a list with the PF VSI: the PF. */
	p16(p + VP_VALID_SECTIONS, 0x0040);
	p16(p + VP_Q_MAPPING, 3);
	p16(p + VP_Q_MAPPING + 2, 1);
	memset(prm, 0, sizeof(prm));
	p16(prm + VC_VSI_FLAGS, 1);
	assert_int_equal(drv_cmd(&r.d, AQC_ADD_VSI, prm, p, sizeof(p), true, NULL), 0);
	vmdq = g16(prm + VR_VSI_NUM) & VSI_NUM_M;
	assert_int_equal(swr_add(&r, SW_RULE_LKUP_TX, LKUP_MAC, swr_act_vsi(vmdq), other, 0, -1, NULL),
			 0);
	assert_int_equal(ev(&r, other, 0x0800, -1, &why), 3);
	list = swr_list(&r, RES_TYPE_VSI_LIST_REP, (const uint16_t[]){ vmdq, r.vsi }, 2);
	assert_int_equal(swr_add(&r, SW_RULE_LKUP_TX, LKUP_MAC, swr_act_list(list),
				 (const uint8_t[]){ 0x02, 9, 9, 9, 9, 9 }, 0, -1, NULL), 0);
	assert_int_equal(ev(&r, (const uint8_t[]){ 0x02, 9, 9, 9, 9, 9 }, 0x0800, -1, &why),
			 E810_SWR_Q_NEXT);
	swr_rig_fini(&r);
}

static void test_vlan(void **state)
{
	struct swr_rig r;
	enum e810_swr_why why;
	uint8_t f[64];
	uint32_t n;
	uint16_t plist;

	(void)state;
	swr_rig_init(&r, mac);
	ice_rules(&r);
	/* VLAN 0 and 5 to the PF VSI (ice_vsi_add_vlan: prune action). */
	assert_int_equal(swr_add(&r, SW_RULE_LKUP_TX, LKUP_VLAN, swr_act_prune(r.vsi), NULL, 0, 0,
				 NULL), 0);
	assert_int_equal(swr_add(&r, SW_RULE_LKUP_TX, LKUP_VLAN, swr_act_prune(r.vsi), NULL, 0, 5,
				 NULL), 0);
	/* Pruning off: every VLAN comes. */
	assert_int_equal(ev(&r, mac, 0x0800, 6, &why), E810_SWR_Q_NEXT);
	swr_prune(&r, true);
	assert_int_equal(ev(&r, mac, 0x0800, 5, &why), E810_SWR_Q_NEXT);
	assert_int_equal(ev(&r, mac, 0x0800, 6, &why), E810_SWR_Q_DROP);
	assert_int_equal(why, E810_SWR_PRUNED);
	assert_int_equal(ev(&r, mac, 0x0800, -1, &why), E810_SWR_Q_NEXT); /* untagged */
	assert_int_equal(ev(&r, mac, 0x0800, 0, &why), E810_SWR_Q_NEXT);  /* priority-tagged */
	/* The tag out of band (PKT_F_VLAN) counts as in the data. */
	n = swr_frame(f, mac, 0x0800, -1);
	e810_swr_compile(&tab, e810_aq_state(r.d.aq), SWR_NQ);
	assert_int_equal(e810_swr_eval(&tab, f, n, 6, NULL, NULL, &why), E810_SWR_Q_DROP);
	assert_int_equal(e810_swr_eval(&tab, f, n, 5, NULL, NULL, &why), E810_SWR_Q_NEXT);
	/* A prune list with the PF VSI lets VLAN 7 in. */
	plist = swr_list(&r, RES_TYPE_VSI_LIST_PRUNE, &r.vsi, 1);
	assert_int_equal(swr_add(&r, SW_RULE_LKUP_TX, LKUP_VLAN,
				 ACT_PRUNE | ACT_VSI_LIST | (uint32_t)plist << ACT_VSI_ID_S, NULL, 0, 7,
				 NULL), 0);
	assert_int_equal(ev(&r, mac, 0x0800, 7, &why), E810_SWR_Q_NEXT);
	/* MAC+VLAN to a queue only in its VLAN; promiscuous+VLAN. */
	assert_int_equal(swr_add(&r, SW_RULE_LKUP_RX, LKUP_MAC_VLAN, swr_act_q(3, 0), mac, 0, 5, NULL),
			 0);
	assert_int_equal(ev(&r, mac, 0x0800, 5, &why), 3);
	assert_int_equal(ev(&r, mac, 0x0800, 7, &why), E810_SWR_Q_NEXT);
	assert_int_equal(ev(&r, mc_other, 0x0800, 5, &why), E810_SWR_Q_DROP);
	assert_int_equal(swr_add(&r, SW_RULE_LKUP_RX, LKUP_PROMISC_VLAN, swr_act_vsi(r.vsi),
				 (const uint8_t[]){ 3, 0, 0, 0, 0, 0 }, 0, 5, NULL), 0);
	assert_int_equal(ev(&r, mc_other, 0x0800, 5, &why), E810_SWR_Q_NEXT);
	assert_int_equal(ev(&r, mc_other, 0x0800, 7, &why), E810_SWR_Q_DROP);
	swr_prune(&r, false);
	assert_int_equal(ev(&r, mac, 0x0800, 6, &why), E810_SWR_Q_NEXT);
	swr_rig_fini(&r);
}

/* Hostile rule buffers: refused, counted, nothing changed. */
static void test_hostile(void **state)
{
	struct swr_rig r;
	const struct e810_aq_state *st;
	const struct e810_aq_stats *as;
	uint32_t gen;
	uint16_t n;

	(void)state;
	swr_rig_init(&r, mac);
	st = e810_aq_state(r.d.aq);
	as = e810_aq_stats(r.d.aq);
	ice_rules(&r);
	gen = st->sw_gen;
	n = st->nrules;
	/* Lookup types no firmware has (6, 7), advanced recipes never added, past 63. */
	for (unsigned rid = 6; rid < 70; rid++)
		if (rid != 8 && rid != 9)
			assert_int_equal(swr_add(&r, SW_RULE_LKUP_RX, (uint16_t)rid, swr_act_vsi(r.vsi),
						 mac, 0, -1, NULL), AQ_RC_EINVAL);
	/* A queue region past the queues; a queue past them; a VSI that does not exist. */
	assert_int_equal(swr_add(&r, SW_RULE_LKUP_RX, LKUP_ETHERTYPE, swr_act_q(3, 1), NULL, 0x88f7, -1,
				 NULL), AQ_RC_EINVAL);
	assert_int_equal(swr_add(&r, SW_RULE_LKUP_RX, LKUP_ETHERTYPE, swr_act_q(4, 0), NULL, 0x88f7, -1,
				 NULL), AQ_RC_EINVAL);
	assert_int_equal(swr_add(&r, SW_RULE_LKUP_RX, LKUP_MAC, swr_act_vsi(200), mac, 0, -1, NULL),
			 AQ_RC_EINVAL);
	assert_int_equal(swr_add(&r, SW_RULE_LKUP_RX, LKUP_MAC, swr_act_list(33), mac, 0, -1, NULL),
			 AQ_RC_EINVAL);
	/* A MAC rule with a header shorter than the dummy Ethernet header. */
	{
		uint8_t e[24] = { 0 };

		memset(prm, 0, sizeof(prm));
		p16(prm + SR_NUM_RULES, 1);
		p16(e + SRL_RECIPE, LKUP_MAC);
		p32(e + SRL_ACT, swr_act_vsi(r.vsi));
		p16(e + SRL_HDR_LEN, 8);
		assert_int_equal(drv_cmd(&r.d, AQC_ADD_SW_RULES, prm, e, sizeof(e), true, NULL),
				 AQ_RC_EINVAL);
		/* More rules than the buffer holds. */
		p16(e + SRL_HDR_LEN, 0);
		p16(prm + SR_NUM_RULES, 3);
		assert_int_equal(drv_cmd(&r.d, AQC_ADD_SW_RULES, prm, e, sizeof(e), true, NULL),
				 AQ_RC_EINVAL);
		/* Removal of a rule never added, and of index 0. */
		p16(prm + SR_NUM_RULES, 1);
		p16(e + SRL_INDEX, 999);
		assert_int_equal(drv_cmd(&r.d, AQC_REMOVE_SW_RULES, prm, e, 16, true, NULL), AQ_RC_ENOENT);
		p16(e + SRL_INDEX, 0);
		assert_int_equal(drv_cmd(&r.d, AQC_REMOVE_SW_RULES, prm, e, 16, true, NULL), AQ_RC_ENOENT);
	}
	assert_int_equal(st->nrules, n);
	assert_int_equal(st->sw_gen, gen);
	assert_true(as->sw_rules_refused >= 64);
	/* The table full: ENOSPC, counted, nothing added; a remove makes room. */
	{
		unsigned added = 0;
		uint16_t rc, last = 0;

		for (unsigned i = 0; i < E810_AQ_MAX_RULES + 8; i++) {
			uint8_t da[6] = { 0x02, 0x77, 0, 0, (uint8_t)(i >> 8), (uint8_t)i };

			rc = swr_add(&r, SW_RULE_LKUP_TX, LKUP_MAC, swr_act_vsi(r.vsi), da, 0, -1,
				     &last);
			if (rc) {
				assert_int_equal(rc, AQ_RC_ENOSPC);
				break;
			}
			added++;
		}
		assert_int_equal(added + n, E810_AQ_MAX_RULES);
		assert_int_equal(st->nrules, E810_AQ_MAX_RULES);
		assert_int_equal(as->sw_rules_full, 1);
		gen = st->sw_gen;
		assert_int_equal(swr_add(&r, SW_RULE_LKUP_TX, LKUP_MAC, swr_act_vsi(r.vsi), other, 0, -1,
					 NULL), AQ_RC_ENOSPC);
		assert_int_equal(st->sw_gen, gen);
		assert_int_equal(as->sw_rules_full, 2);
		/* Full, the lookup still works (every rule compiled). */
		{
			enum e810_swr_why why;

			assert_int_equal(ev(&r, (const uint8_t[]){ 0x02, 0x77, 0, 0, 0, 200 }, 0x0800, -1,
					    &why), E810_SWR_Q_NEXT);
			assert_int_equal(tab.nent, E810_AQ_MAX_RULES - 2); /* 2 TX-only ethertype rules */
		}
		assert_int_equal(swr_remove(&r, last), 0);
		assert_int_equal(swr_add(&r, SW_RULE_LKUP_TX, LKUP_MAC, swr_act_vsi(r.vsi), other, 0, -1,
					 NULL), 0);
	}
	swr_rig_fini(&r);
}

/* A minimal package: one buffer with the metadata section, downloaded under the lock. */
static void load_pkg(struct drv *d)
{
	static uint8_t b[PKG_BUF_SIZE];

	memset(b, 0, sizeof(b));
	p16(b + PKG_BUF_SECT_COUNT, 1);
	p16(b + PKG_BUF_DATA_END, 20 + 36);
	p32(b + PKG_BUF_ENTRIES, PKG_SID_METADATA);
	p16(b + PKG_BUF_ENTRIES + 4, 20);
	p16(b + PKG_BUF_ENTRIES + 6, 36);
	memcpy(b + 20, (const uint8_t[]){ 1, 3, 43, 0 }, 4);
	memset(prm, 0, sizeof(prm));
	p16(prm + RR_RES_ID, RES_ID_GLBL_LOCK);
	p16(prm + RR_ACCESS, RES_ACCESS_WRITE);
	assert_int_equal(drv_cmd(d, AQC_REQ_RES, prm, NULL, 0, false, NULL), 0);
	memset(prm, 0, sizeof(prm));
	prm[DLP_FLAGS] = DLP_LAST_BUF;
	assert_int_equal(drv_cmd(d, AQC_DOWNLOAD_PKG, prm, b, sizeof(b), true, NULL), 0);
	memset(prm, 0, sizeof(prm));
	p16(prm + RR_RES_ID, RES_ID_GLBL_LOCK);
	assert_int_equal(drv_cmd(d, AQC_RELEASE_RES, prm, NULL, 0, false, NULL), 0);
	assert_true(e810_aq_pkg(d->aq)->loaded);
}

static uint16_t alloc_recipe(struct drv *d, uint16_t *rid)
{
	uint8_t b[6] = { 0 };
	uint16_t rv;

	memset(prm, 0, sizeof(prm));
	p16(prm + AR_NUM_ENTRIES, 1);
	p16(b + ARB_RES_TYPE, RES_TYPE_RECIPE);
	p16(b + ARB_NUM_ELEMS, 1);
	rv = drv_cmd(d, AQC_ALLOC_RES, prm, b, sizeof(b), true, NULL);
	*rid = g16(b + ARB_ELEMS);
	return rv;
}

static void recipe_elem(uint8_t *e, uint8_t rid, bool root, uint64_t chain)
{
	memset(e, 0, E810_AQ_RECIPE_SIZE);
	e[RCP_RID] = rid;
	p64(e + RCP_BITMAP, chain);
	e[RCP_CONTENT_RID] = (uint8_t)(rid | (root ? RCP_IS_ROOT : 0));
	e[RCP_CONTENT_RID + 1] = 0; /* lkup_indx[0]: the switch ID word */
	memset(e + 40, 0x5a, 4);     /* a default action, for the read back */
}

static void test_recipes(void **state)
{
	struct swr_rig r;
	uint8_t b[2 * 64], out[64 * 64];
	const struct e810_aq_stats *as;
	uint16_t rid, sub, idx;
	enum e810_swr_why why;

	(void)state;
	swr_rig_init(&r, mac);
	as = e810_aq_stats(r.d.aq);
	/* Without a package: EMODE, as before. */
	assert_int_equal(alloc_recipe(&r.d, &rid), 0);
	assert_true(rid >= E810_AQ_DFLT_RECIPES); /* 0..9 are the firmware's */
	recipe_elem(b, (uint8_t)rid, true, 1ull << rid);
	memset(prm, 0, sizeof(prm));
	p16(prm + RCP_NUM_SUB, 1);
	assert_int_equal(drv_cmd(&r.d, AQC_ADD_RECIPE, prm, b, 64, true, NULL), AQ_RC_EMODE);
	load_pkg(&r.d);
	/* A root with one sub-recipe (ice_add_sw_recipe's chain), read back whole. */
	assert_int_equal(alloc_recipe(&r.d, &sub), 0);
	recipe_elem(b, (uint8_t)sub, false, 1ull << rid | 1ull << sub);
	recipe_elem(b + 64, (uint8_t)rid, true, 1ull << rid | 1ull << sub);
	memset(prm, 0, sizeof(prm));
	p16(prm + RCP_NUM_SUB, 2);
	assert_int_equal(drv_cmd(&r.d, AQC_ADD_RECIPE, prm, b, sizeof(b), true, NULL), 0);
	memset(prm, 0, sizeof(prm));
	p16(prm + RCP_RETURN_INDEX, rid);
	memset(out, 0xee, sizeof(out));
	assert_int_equal(drv_cmd(&r.d, AQC_GET_RECIPE, prm, out, sizeof(out), false, NULL), 0);
	assert_int_equal(g16(prm + RCP_NUM_SUB), 2);
	assert_memory_equal(out, rid < sub ? b + 64 : b, 64);
	assert_memory_equal(out + 64, rid < sub ? b : b + 64, 64);
	/* A buffer too small for the chain; a recipe never added. */
	memset(prm, 0, sizeof(prm));
	p16(prm + RCP_RETURN_INDEX, rid);
	assert_int_equal(drv_cmd(&r.d, AQC_GET_RECIPE, prm, out, 64, false, NULL), AQ_RC_ENOMEM);
	memset(prm, 0, sizeof(prm));
	p16(prm + RCP_RETURN_INDEX, 63);
	assert_int_equal(drv_cmd(&r.d, AQC_GET_RECIPE, prm, out, sizeof(out), false, NULL),
			 AQ_RC_ENOENT);
	/* Hostile adds: an ID not allocated, a default one, twice in one command, a short buffer. */
	recipe_elem(b, 40, true, 0);
	memset(prm, 0, sizeof(prm));
	p16(prm + RCP_NUM_SUB, 1);
	assert_int_equal(drv_cmd(&r.d, AQC_ADD_RECIPE, prm, b, 64, true, NULL), AQ_RC_EINVAL);
	recipe_elem(b, 3, true, 0);
	assert_int_equal(drv_cmd(&r.d, AQC_ADD_RECIPE, prm, b, 64, true, NULL), AQ_RC_EINVAL);
	recipe_elem(b, (uint8_t)rid, true, 0);
	recipe_elem(b + 64, (uint8_t)rid, true, 0);
	p16(prm + RCP_NUM_SUB, 2);
	assert_int_equal(drv_cmd(&r.d, AQC_ADD_RECIPE, prm, b, sizeof(b), true, NULL), AQ_RC_EINVAL);
	p16(prm + RCP_NUM_SUB, 3);
	assert_int_equal(drv_cmd(&r.d, AQC_ADD_RECIPE, prm, b, sizeof(b), true, NULL), AQ_RC_EINVAL);
	p16(prm + RCP_NUM_SUB, 0);
	assert_int_equal(drv_cmd(&r.d, AQC_ADD_RECIPE, prm, b, sizeof(b), true, NULL), AQ_RC_EINVAL);
	assert_int_equal(as->recipes_refused, 7);
	/* Recipe to profile: stored, read back; an unknown recipe or profile refused. */
	memset(prm, 0, sizeof(prm));
	p16(prm + R2P_PROFILE, 17);
	p64(prm + R2P_ASSOC, 1ull << rid | 1ull << LKUP_MAC);
	assert_int_equal(drv_cmd(&r.d, AQC_RECIPE_TO_PROFILE, prm, NULL, 0, false, NULL), 0);
	memset(prm, 0, sizeof(prm));
	p16(prm + R2P_PROFILE, 17);
	assert_int_equal(drv_cmd(&r.d, AQC_GET_RECIPE_TO_PROFILE, prm, NULL, 0, false, NULL), 0);
	assert_true(g64(prm + R2P_ASSOC) == (1ull << rid | 1ull << LKUP_MAC));
	memset(prm, 0, sizeof(prm));
	p16(prm + R2P_PROFILE, 17);
	p64(prm + R2P_ASSOC, 1ull << 50);
	assert_int_equal(drv_cmd(&r.d, AQC_RECIPE_TO_PROFILE, prm, NULL, 0, false, NULL),
			 AQ_RC_EINVAL);
	memset(prm, 0, sizeof(prm));
	p16(prm + R2P_PROFILE, E810_AQ_MAX_PROFILES);
	assert_int_equal(drv_cmd(&r.d, AQC_GET_RECIPE_TO_PROFILE, prm, NULL, 0, false, NULL),
			 AQ_RC_EINVAL);
	/*
	 * Rules: on the root recipe taken (kept, counted; without the package's
	 * switch tables never matched, but a rule for the receive path: frames
	 * no rule forwards are not delivered); on a sub-recipe refused.
	 */
	assert_int_equal(swr_add(&r, SW_RULE_LKUP_RX, rid, swr_act_q(1, 0), mac, 0, -1, &idx), 0);
	assert_int_equal(swr_add(&r, SW_RULE_LKUP_RX, sub, swr_act_q(1, 0), mac, 0, -1, NULL),
			 AQ_RC_EINVAL);
	assert_int_equal(ev(&r, mac, 0x0800, -1, &why), E810_SWR_Q_DROP);
	assert_int_equal(why, E810_SWR_NO_RULE);
	assert_int_equal(tab.nadv, 1);
	assert_int_equal(swr_remove(&r, idx), 0);
	/* free_res of the recipe ID drops it. */
	{
		uint8_t fb[6] = { 0 };

		memset(prm, 0, sizeof(prm));
		p16(prm + AR_NUM_ENTRIES, 1);
		p16(fb + ARB_RES_TYPE, RES_TYPE_RECIPE);
		p16(fb + ARB_NUM_ELEMS, 1);
		p16(fb + ARB_ELEMS, rid);
		assert_int_equal(drv_cmd(&r.d, AQC_FREE_RES, prm, fb, sizeof(fb), true, NULL), 0);
		assert_false(e810_aq_state(r.d.aq)->recipe[rid].in_use);
		assert_int_equal(swr_add(&r, SW_RULE_LKUP_RX, rid, swr_act_q(1, 0), mac, 0, -1, NULL),
				 AQ_RC_EINVAL);
	}
	/* Bounded: the recipe pool has 64 - 10 IDs. */
	{
		unsigned got = 0;

		while (alloc_recipe(&r.d, &rid) == 0)
			got++;
		assert_int_equal(got + 1, E810_AQ_MAX_RECIPES - E810_AQ_DFLT_RECIPES - 1 + 1);
	}
	swr_rig_fini(&r);
}

/* The rules as flows: the VM's MAC in every one; rules that cannot meet it left out. */
static void test_flows(void **state)
{
	struct swr_rig r;
	struct net_flow f[16];
	char s[160];
	unsigned n, queue = 0, drop = 0, pass = 0;

	(void)state;
	swr_rig_init(&r, mac);
	ice_rules(&r);
	assert_int_equal(swr_add(&r, SW_RULE_LKUP_RX, LKUP_ETHERTYPE, swr_act_q(2, 1), NULL, 0x88f7,
				 -1, NULL), 0);
	assert_int_equal(swr_add(&r, SW_RULE_LKUP_RX, LKUP_ETHERTYPE_MAC, swr_act_drop(), mac, 0x9000,
				 -1, NULL), 0);
	/* For another VM's MAC, multicast promiscuous: never its unicast. */
	assert_int_equal(swr_add(&r, SW_RULE_LKUP_RX, LKUP_ETHERTYPE_MAC, swr_act_q(1, 0), other,
				 0x0800, -1, NULL), 0);
	assert_int_equal(swr_add(&r, SW_RULE_LKUP_RX, LKUP_PROMISC, swr_act_vsi(r.vsi),
				 (const uint8_t[]){ 3, 0, 0, 0, 0, 0 }, 0, -1, NULL), 0);
	assert_int_equal(swr_add(&r, SW_RULE_LKUP_RX, LKUP_MAC_VLAN, swr_act_q(3, 0), mac, 0, 12, NULL),
			 0);
	n = e810_swr_flows(e810_aq_state(r.d.aq), SWR_NQ, mac, f, 16);
	assert_int_equal(n, 4); /* own MAC pass, ethertype queue, ethertype+MAC drop, MAC+VLAN queue */
	for (unsigned i = 0; i < n; i++) {
		assert_memory_equal(f[i].m.dst_mac, mac, 6);
		assert_int_equal(f[i].origin, NET_FLOW_FROM_SWITCH_RULE);
		assert_true(net_flow_format(&f[i], s, sizeof(s)) > 0);
		queue += f[i].action == NET_FLOW_QUEUE;
		drop += f[i].action == NET_FLOW_DROP;
		pass += f[i].action == NET_FLOW_PASS;
		if (f[i].action == NET_FLOW_QUEUE && (f[i].m.fields & NET_FLOW_F_ETYPE)) {
			assert_int_equal(f[i].m.ethertype, 0x88f7);
			assert_int_equal(f[i].queue, 2);
			assert_int_equal(f[i].nqueues, 2);
		}
		if (f[i].m.fields & NET_FLOW_F_VLAN)
			assert_int_equal(f[i].m.vlan_id, 12);
	}
	assert_int_equal(queue, 2);
	assert_int_equal(drop, 1);
	assert_int_equal(pass, 1);
	/* Fewer slots than flows: the count says so. */
	assert_int_equal(e810_swr_flows(e810_aq_state(r.d.aq), SWR_NQ, mac, f, 1), 4);
	/*
	 * The flows decide the VM's unicast as the receive path does: the lowest
	 * priority of the matching flows gives the queue, drop or pass.
	 */
	n = e810_swr_flows(e810_aq_state(r.d.aq), SWR_NQ, mac, f, 16);
	e810_swr_compile(&tab, e810_aq_state(r.d.aq), SWR_NQ);
	{
		static const uint16_t ets[] = { 0x0800, 0x88f7, 0x9000, 0x86dd };
		static const int vids[] = { -1, 12, 13 };

		for (unsigned a = 0; a < 4; a++) {
			for (unsigned v = 0; v < 3; v++) {
				uint8_t fr[64];
				uint32_t len = swr_frame(fr, mac, ets[a], vids[v]);
				enum e810_swr_why why;
				int want = e810_swr_eval(&tab, fr, len, -1, NULL, NULL, &why), got = -3;
				int best = 1 << 30;

				for (unsigned i = 0; i < n; i++) {
					if (!net_flow_matches(&f[i], fr, len, -1) || f[i].priority >= best)
						continue;
					best = f[i].priority;
					got = f[i].action == NET_FLOW_DROP   ? E810_SWR_Q_DROP
					      : f[i].action == NET_FLOW_PASS ? E810_SWR_Q_NEXT
									     : f[i].queue;
				}
				if (got != want)
					print_error("ethertype %#x vid %d: %d, flows %d\n", ets[a], vids[v], want, got);
				assert_int_equal(got, want);
			}
		}
	}
	swr_rig_fini(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_rules_pass),
		cmocka_unit_test(test_ice_probe_rules),
		cmocka_unit_test(test_actions),
		cmocka_unit_test(test_vlan),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_recipes),
		cmocka_unit_test(test_flows),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
