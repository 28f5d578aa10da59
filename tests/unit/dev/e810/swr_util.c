// SPDX-License-Identifier: GPL-2.0-or-later
/* Helpers of the switch rule tests (swr_util.h). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "swr_util.h"

static uint8_t prm[16];

void swr_rig_init(struct swr_rig *r, const uint8_t mac[6])
{
	swr_rig_init_nq(r, mac, SWR_NQ);
}

void swr_rig_init_nq(struct swr_rig *r, const uint8_t mac[6], unsigned nq)
{
	struct e810_aq_config c;
	uint8_t p[128];

	memset(r, 0, sizeof(*r));
	e810_aq_config_default(&c);
	memcpy(c.mac, mac, 6);
	memcpy(r->mac, mac, 6);
	r->nq = nq;
	c.num_queues = nq;
	drv_init(&r->d, &c);
	drv_queues_up(&r->d, DRV_RING);
	memset(p, 0, sizeof(p));
	p16(p + VP_VALID_SECTIONS, 0x0001 | 0x0040);
	p[4] = 0x10; /* sw_flags2: LAN enable */
	p16(p + VP_Q_MAPPING, 0);
	p16(p + VP_Q_MAPPING + 2, (uint16_t)nq);
	memset(prm, 0, sizeof(prm));
	p16(prm + VC_VSI_FLAGS, 2); /* PF */
	assert_int_equal(drv_cmd(&r->d, AQC_ADD_VSI, prm, p, sizeof(p), true, NULL), 0);
	r->vsi = g16(prm + VR_VSI_NUM) & VSI_NUM_M;
}

void swr_rig_fini(struct swr_rig *r)
{
	drv_fini(&r->d);
}

uint32_t swr_act_vsi(uint16_t vsi)
{
	return ACT_VSI_FWD | ACT_VALID | (uint32_t)vsi << ACT_VSI_ID_S;
}

uint32_t swr_act_list(uint16_t list)
{
	return ACT_VSI_FWD | ACT_VALID | ACT_VSI_LIST | (uint32_t)list << ACT_VSI_ID_S;
}

uint32_t swr_act_q(uint16_t q, unsigned region_log2)
{
	return ACT_TO_Q | (uint32_t)q << ACT_Q_INDEX_S | (uint32_t)region_log2 << ACT_Q_REGION_S;
}

uint32_t swr_act_drop(void)
{
	return ACT_VSI_FWD | ACT_DROP | ACT_VALID;
}

uint32_t swr_act_prune(uint16_t vsi)
{
	return ACT_PRUNE | ACT_PRUNE_EGRESS | ACT_PRUNE_INGRESS | (uint32_t)vsi << ACT_VSI_ID_S;
}

uint16_t swr_add(struct swr_rig *r, uint16_t type, uint16_t recipe, uint32_t act,
		 const uint8_t *da, uint16_t etype, int vid, uint16_t *index)
{
	static const uint8_t dummy[16] = { 2, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0x81, 0, 0, 0 };
	uint8_t e[32] = { 0 };
	uint16_t rv;

	memset(prm, 0, sizeof(prm));
	p16(prm + SR_NUM_RULES, 1);
	p16(e + SRE_TYPE, type);
	p16(e + SRL_RECIPE, recipe);
	p16(e + SRL_SRC, type == SW_RULE_LKUP_TX ? r->vsi : 0);
	p32(e + SRL_ACT, act);
	p16(e + SRL_HDR_LEN, 16);
	memcpy(e + SRL_HDR, dummy, 16);
	if (da)
		memcpy(e + SRL_HDR + SWH_DA, da, 6);
	if (etype) {
		e[SRL_HDR + SWH_ETYPE] = (uint8_t)(etype >> 8);
		e[SRL_HDR + SWH_ETYPE + 1] = (uint8_t)etype;
	}
	if (vid >= 0) {
		e[SRL_HDR + SWH_VLAN_TCI] = (uint8_t)(vid >> 8);
		e[SRL_HDR + SWH_VLAN_TCI + 1] = (uint8_t)vid;
	}
	rv = drv_cmd(&r->d, AQC_ADD_SW_RULES, prm, e, sizeof(e), true, NULL);
	if (!rv && index)
		*index = g16(e + SRL_INDEX);
	return rv;
}

uint16_t swr_remove(struct swr_rig *r, uint16_t index)
{
	uint8_t e[16] = { 0 };

	memset(prm, 0, sizeof(prm));
	p16(prm + SR_NUM_RULES, 1);
	p16(e + SRE_TYPE, SW_RULE_LKUP_RX);
	p16(e + SRL_INDEX, index);
	return drv_cmd(&r->d, AQC_REMOVE_SW_RULES, prm, e, sizeof(e), true, NULL);
}

uint16_t swr_list(struct swr_rig *r, uint8_t res_type, const uint16_t *vsis, unsigned n)
{
	uint8_t b[6] = { 0 }, l[8 + 2 * 16] = { 0 };
	uint16_t id;

	memset(prm, 0, sizeof(prm));
	p16(prm + AR_NUM_ENTRIES, 1);
	p16(b + ARB_RES_TYPE, res_type);
	p16(b + ARB_NUM_ELEMS, 1);
	assert_int_equal(drv_cmd(&r->d, AQC_ALLOC_RES, prm, b, sizeof(b), true, NULL), 0);
	id = g16(b + ARB_ELEMS);
	memset(prm, 0, sizeof(prm));
	p16(prm + SR_NUM_RULES, 1);
	p16(l + SRE_TYPE, res_type == RES_TYPE_VSI_LIST_PRUNE ? SW_RULE_PRUNE_LIST_SET
							       : SW_RULE_VSI_LIST_SET);
	p16(l + SRV_INDEX, id);
	p16(l + SRV_NUMBER, (uint16_t)n);
	for (unsigned i = 0; i < n; i++)
		p16(l + SRV_VSI + 2 * i, vsis[i]);
	assert_int_equal(drv_cmd(&r->d, AQC_ADD_SW_RULES, prm, l, (uint16_t)(8 + 2 * n), true, NULL),
			 0);
	return id;
}

void swr_prune(struct swr_rig *r, bool on)
{
	uint8_t p[128] = { 0 };

	p16(p + VP_VALID_SECTIONS, 0x0001);
	p[4] = (uint8_t)(0x10 | (on ? 0x01 : 0));
	memset(prm, 0, sizeof(prm));
	p16(prm + VC_VSI_NUM, r->vsi | VSI_IS_VALID);
	assert_int_equal(drv_cmd(&r->d, AQC_UPDATE_VSI, prm, p, sizeof(p), true, NULL), 0);
}

uint32_t swr_frame(uint8_t *f, const uint8_t da[6], uint16_t etype, int vid)
{
	static const uint8_t sa[6] = { 0x02, 0x5a, 0, 0, 0, 0x99 };
	uint32_t at = 12;

	memset(f, 0, 64);
	memcpy(f, da, 6);
	memcpy(f + 6, sa, 6);
	if (vid >= 0) {
		f[12] = 0x81;
		f[13] = 0;
		f[14] = (uint8_t)(vid >> 8);
		f[15] = (uint8_t)vid;
		at = 16;
	}
	f[at] = (uint8_t)(etype >> 8);
	f[at + 1] = (uint8_t)etype;
	return 64;
}

int swr_eval(struct swr_rig *r, struct e810_swr_tab *t, const uint8_t *f, uint32_t len,
	     enum e810_swr_why *why)
{
	e810_swr_compile(t, e810_aq_state(r->d.aq), r->nq);
	return e810_swr_eval(t, f, len, -1, NULL, NULL, why);
}
