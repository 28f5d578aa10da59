// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The E810 admin queue engine's state and the limits of its tables: NVM
 * read limits and the Shadow RAM checksum, capability buffers too small,
 * resource pools, PF reset, VSI limits, commands with several items,
 * clear_pf_cfg, and a seeded random walk of garbage descriptors and buffers
 * checking the tables stay consistent (run under ASan+UBSan too).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dev/e810/aq_defs.h"
#include "dev/e810/e810_regs.h"
#include "e810_drv.h"

static uint8_t prm[16];

static void clr(void)
{
	memset(prm, 0, sizeof(prm));
}

/* ---- NVM, capabilities ------------------------------------------------------------ */

static uint16_t nvm(struct drv *d, uint32_t off, uint16_t len, uint16_t buflen, uint8_t flags,
		    uint16_t module, uint8_t *out)
{
	clr();
	p16(prm + NVM_OFFSET_LOW, (uint16_t)off);
	prm[NVM_OFFSET_HIGH] = (uint8_t)(off >> 16);
	prm[NVM_CMD_FLAGS] = flags;
	p16(prm + NVM_MODULE_TYPEID, module);
	p16(prm + NVM_LENGTH, len);
	return drv_cmd(d, AQC_NVM_READ, prm, out, buflen, false, NULL);
}

static void test_nvm_limits(void **state)
{
	struct drv d;
	uint8_t *b = calloc(1, 4096);
	uint32_t sum = 0;

	(void)state;
	/* 16 MiB: every 24-bit offset is inside, but not a read past the end. */
	drv_init(&d, NULL);
	drv_queues_up(&d, 32);
	assert_int_equal(nvm(&d, 0xffffff, 1, 1, NVM_FLAG_FLASH_ONLY, 0, b), 0);
	assert_int_equal(nvm(&d, 0xfffffe, 4, 4, NVM_FLAG_FLASH_ONLY, 0, b), AQ_RC_EINVAL);
	drv_fini(&d);
	/* The flash ends where the config says. */
	{
		struct e810_aq_config c;

		e810_aq_config_default(&c);
		c.flash_size = 12u << 20;
		drv_init(&d, &c);
	}
	drv_queues_up(&d, 32);
	assert_int_equal(nvm(&d, (12u << 20) - 1, 1, 1, NVM_FLAG_FLASH_ONLY, 0, b), 0);
	assert_int_equal(nvm(&d, 12u << 20, 1, 1, NVM_FLAG_FLASH_ONLY, 0, b), AQ_RC_EINVAL);
	assert_int_equal(nvm(&d, (12u << 20) - 2, 4, 4, NVM_FLAG_FLASH_ONLY, 0, b), AQ_RC_EINVAL);
	/* Shadow RAM: within 32 KiB, within one 4 KiB sector. */
	assert_int_equal(nvm(&d, 0x7ffe, 2, 2, 0, 0, b), 0);
	assert_int_equal(nvm(&d, 0x8000, 2, 2, 0, 0, b), AQ_RC_EINVAL);
	assert_int_equal(nvm(&d, 0x0ffe, 4, 4, 0, 0, b), AQ_RC_EINVAL);
	/* Module reads, a length beyond the buffer, length 0. */
	assert_int_equal(nvm(&d, 0, 2, 2, 0, 0x42, b), AQ_RC_EINVAL);
	assert_int_equal(nvm(&d, 0, 8, 4, 0, 0, b), AQ_RC_EINVAL);
	assert_int_equal(nvm(&d, 0, 0, 4, 0, 0, b), AQ_RC_EINVAL);
	/* The whole Shadow RAM sums to 0xBABA; the checksum command agrees. */
	for (uint32_t o = 0; o < 0x8000; o += 4096) {
		assert_int_equal(nvm(&d, o, 4096, 4096, 0, 0, b), 0);
		for (unsigned i = 0; i < 4096; i += 2)
			sum += g16(b + i);
	}
	assert_int_equal(sum & 0xffff, NVM_CHECKSUM_OK);
	clr();
	prm[NVM_CK_FLAGS] = NVM_CK_VERIFY;
	assert_int_equal(drv_cmd(&d, AQC_NVM_CHECKSUM, prm, NULL, 0, false, NULL), 0);
	assert_int_equal(g16(prm + NVM_CK_CHECKSUM), NVM_CHECKSUM_OK);
	clr();
	prm[NVM_CK_FLAGS] = NVM_CK_RECALC;
	assert_int_equal(drv_cmd(&d, AQC_NVM_CHECKSUM, prm, NULL, 0, false, NULL), AQ_RC_EPERM);
	/* Writes are refused. */
	clr();
	assert_int_equal(drv_cmd(&d, AQC_NVM_WRITE, prm, b, 16, true, NULL), AQ_RC_EPERM);
	/* The PBA string as ice_read_pba_string finds it. */
	{
		uint16_t pfa = e810_aq_sr_word(d.aq, 0x40);

		assert_int_equal(e810_aq_sr_word(d.aq, pfa + 1), 0x16);
		assert_int_equal(e810_aq_sr_word(d.aq, pfa + 3), 6);
		assert_int_equal(e810_aq_sr_word(d.aq, pfa + 4) >> 8, 'V');
	}
	free(b);
	drv_fini(&d);
}

static void test_caps_too_small(void **state)
{
	struct drv d;
	uint8_t b[64];

	(void)state;
	drv_init(&d, NULL);
	drv_queues_up(&d, 8);
	clr();
	assert_int_equal(drv_cmd(&d, AQC_LIST_FUNC_CAPS, prm, b, sizeof(b), false, NULL), AQ_RC_ENOMEM);
	assert_int_equal(g32(prm + LC_COUNT) * 32, d.datalen);
	assert_true(d.datalen > sizeof(b));
	clr();
	assert_int_equal(drv_cmd(&d, AQC_QUERY_SCHED_RES, prm, b, sizeof(b), false, NULL), AQ_RC_ENOMEM);
	clr();
	assert_int_equal(drv_cmd(&d, AQC_GET_DFLT_TOPO, prm, b, sizeof(b), false, NULL), AQ_RC_ENOMEM);
	clr();
	assert_int_equal(drv_cmd(&d, AQC_GET_SW_CFG, prm, b, 4, false, NULL), AQ_RC_ENOMEM);
	drv_fini(&d);
}

/* ---- resources, reset --------------------------------------------------------------- */

static void test_resources(void **state)
{
	struct drv d;
	uint8_t b[4 + 2 * 80];
	unsigned got = 0;

	(void)state;
	drv_init(&d, NULL);
	drv_queues_up(&d, 64);
	/* VSI lists until the pool is empty. */
	for (;;) {
		memset(b, 0, sizeof(b));
		clr();
		p16(prm + AR_NUM_ENTRIES, 1);
		p16(b + ARB_RES_TYPE, RES_TYPE_VSI_LIST_REP);
		p16(b + ARB_NUM_ELEMS, 1);
		if (drv_cmd(&d, AQC_ALLOC_RES, prm, b, 6, true, NULL))
			break;
		got++;
		assert_true(got < 100);
	}
	assert_int_equal(got, E810_AQ_MAX_VSI_LISTS - 1);
	/* More IDs than the buffer holds; an unknown type; num 0. */
	clr();
	p16(prm + AR_NUM_ENTRIES, 1);
	p16(b + ARB_RES_TYPE, RES_TYPE_HASH_PROF_BLDR_TCAM);
	p16(b + ARB_NUM_ELEMS, 3);
	assert_int_equal(drv_cmd(&d, AQC_ALLOC_RES, prm, b, 8, true, NULL), AQ_RC_EINVAL);
	p16(b + ARB_RES_TYPE, 0x7e);
	p16(b + ARB_NUM_ELEMS, 1);
	assert_int_equal(drv_cmd(&d, AQC_ALLOC_RES, prm, b, 8, true, NULL), AQ_RC_EINVAL);
	p16(b + ARB_RES_TYPE, RES_TYPE_HASH_PROF_BLDR_TCAM);
	p16(b + ARB_NUM_ELEMS, 0);
	assert_int_equal(drv_cmd(&d, AQC_ALLOC_RES, prm, b, 8, true, NULL), AQ_RC_EINVAL);
	/* Several at once. */
	p16(b + ARB_NUM_ELEMS, 80);
	assert_int_equal(drv_cmd(&d, AQC_ALLOC_RES, prm, b, sizeof(b), true, NULL), 0);
	for (unsigned i = 0; i < 80; i++)
		assert_int_equal(g16(b + ARB_ELEMS + 2 * i), i);
	/* Freeing one not allocated refuses the whole command. */
	p16(b + ARB_ELEMS + 2 * 79, 200);
	assert_int_equal(drv_cmd(&d, AQC_FREE_RES, prm, b, sizeof(b), true, NULL), AQ_RC_ENOENT);
	p16(b + ARB_ELEMS + 2 * 79, 79);
	assert_int_equal(drv_cmd(&d, AQC_FREE_RES, prm, b, sizeof(b), true, NULL), 0);
	/* Blocks: one base for num_elems entries. */
	memset(b, 0, sizeof(b));
	p16(b + ARB_RES_TYPE, RES_TYPE_FDIR_GUAR_ENTRIES);
	p16(b + ARB_NUM_ELEMS, 1000);
	assert_int_equal(drv_cmd(&d, AQC_ALLOC_RES, prm, b, 6, true, NULL), 0);
	assert_int_equal(g16(b + ARB_ELEMS), 0);
	p16(b + ARB_NUM_ELEMS, 100);
	assert_int_equal(drv_cmd(&d, AQC_ALLOC_RES, prm, b, 6, true, NULL), AQ_RC_ENOSPC);
	drv_fini(&d);
}

static void test_pf_reset(void **state)
{
	struct drv d;
	uint8_t p[128] = { 0 };
	uint8_t mac[6] = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 };

	(void)state;
	drv_init(&d, NULL);
	drv_queues_up(&d, 16);
	p16(p + VP_VALID_SECTIONS, 1u << 6);
	p16(p + VP_Q_MAPPING + 2, 1);
	clr();
	p16(prm + VC_VSI_FLAGS, 2);
	assert_int_equal(drv_cmd(&d, AQC_ADD_VSI, prm, p, sizeof(p), true, NULL), 0);
	clr();
	memcpy(prm + MMW_MAC, mac, 6);
	assert_int_equal(drv_cmd(&d, AQC_MANAGE_MAC_WRITE, prm, NULL, 0, false, NULL), 0);
	assert_memory_equal(e810_aq_mac(d.aq), mac, 6);
	drv_enable_lse(&d);
	e810_aq_reset(d.aq);
	for (uint32_t r = E810_PF_FW_FIRST; r <= E810_PF_FW_LAST; r += 0x80)
		assert_int_equal(drv_rd(&d, r), 0);
	assert_int_equal(e810_aq_state(d.aq)->nvsi, 0);
	assert_false(e810_aq_state(d.aq)->link.lse_enabled);
	assert_int_equal(e810_aq_state(d.aq)->nnodes, 9);
	/* The port's address and link survive. */
	assert_memory_equal(e810_aq_mac(d.aq), mac, 6);
	assert_true(e810_aq_link_up(d.aq));
	/* Multicast and zero addresses are refused. */
	drv_queues_up(&d, 16);
	clr();
	prm[MMW_MAC] = 0x01;
	assert_int_equal(drv_cmd(&d, AQC_MANAGE_MAC_WRITE, prm, NULL, 0, false, NULL), AQ_RC_EINVAL);
	clr();
	assert_int_equal(drv_cmd(&d, AQC_MANAGE_MAC_WRITE, prm, NULL, 0, false, NULL), AQ_RC_EINVAL);
	drv_fini(&d);
}

static void test_vsi_limits(void **state)
{
	struct drv d;
	uint8_t p[128];
	unsigned added = 0;

	(void)state;
	drv_init(&d, NULL);
	drv_queues_up(&d, 64);
	/* A queue map beyond the PF's queues. */
	memset(p, 0, sizeof(p));
	p16(p + VP_VALID_SECTIONS, 1u << 6);
	p16(p + VP_Q_MAPPING, 3);
	p16(p + VP_Q_MAPPING + 2, 2);
	clr();
	assert_int_equal(drv_cmd(&d, AQC_ADD_VSI, prm, p, sizeof(p), true, NULL), AQ_RC_EINVAL);
	/* A number asked for twice. */
	p16(p + VP_Q_MAPPING, 0);
	clr();
	p16(prm + VC_VSI_NUM, 5 | VSI_IS_VALID);
	assert_int_equal(drv_cmd(&d, AQC_ADD_VSI, prm, p, sizeof(p), true, NULL), 0);
	assert_int_equal(g16(prm + VR_VSI_NUM), 5);
	clr();
	p16(prm + VC_VSI_NUM, 5 | VSI_IS_VALID);
	assert_int_equal(drv_cmd(&d, AQC_ADD_VSI, prm, p, sizeof(p), true, NULL), AQ_RC_EEXIST);
	/* Until the table is full. */
	for (;;) {
		clr();
		if (drv_cmd(&d, AQC_ADD_VSI, prm, p, sizeof(p), true, NULL))
			break;
		assert_true(++added < 100);
	}
	assert_int_equal(added + 1, E810_AQ_MAX_VSI);
	/* Update/free of a VSI that is not there, or without the valid bit. */
	clr();
	p16(prm + VC_VSI_NUM, 700 | VSI_IS_VALID);
	assert_int_equal(drv_cmd(&d, AQC_UPDATE_VSI, prm, p, sizeof(p), true, NULL), AQ_RC_ENOENT);
	clr();
	p16(prm + VC_VSI_NUM, 5);
	assert_int_equal(drv_cmd(&d, AQC_FREE_VSI, prm, NULL, 0, false, NULL), AQ_RC_ENOENT);
	drv_fini(&d);
}

/* ---- several items per command, clear_pf_cfg ------------------------------------- */

static void set_bit_range(uint8_t *ctx, unsigned lsb, unsigned width, uint64_t v)
{
	for (unsigned i = 0; i < width; i++)
		if ((v >> i) & 1)
			ctx[(lsb + i) / 8] |= (uint8_t)(1u << ((lsb + i) % 8));
}

static void txq_entry(uint8_t *q, uint16_t id, uint16_t vsi)
{
	memset(q, 0, TXQ_PERQ_SIZE);
	p16(q + TXQ_ID, id);
	set_bit_range(q + TXQ_CTX, 0, 57, (gpa_of(DRV_SCRATCH) + 0x1000u * id) >> 7);
	set_bit_range(q + TXQ_CTX, 78, 2, 2);
	set_bit_range(q + TXQ_CTX, 80, 10, vsi);
	set_bit_range(q + TXQ_CTX, 135, 13, 512);
}

static void test_multi_and_clear(void **state)
{
	struct e810_aq_config c;
	struct drv d;
	uint8_t b[512], p[128];
	uint16_t vsi, vsi2, list;

	(void)state;
	e810_aq_config_default(&c);
	c.num_queues = 16;
	drv_init(&d, &c);
	drv_queues_up(&d, 64);
	/* A scattered queue map: valid, then naming a queue the PF lacks. */
	memset(p, 0, sizeof(p));
	p16(p + VP_VALID_SECTIONS, 1u << 6);
	p16(p + VP_MAPPING_FLAGS, 1);
	p16(p + VP_Q_MAPPING + 0, 3);
	p16(p + VP_Q_MAPPING + 2, 9);
	clr();
	p16(prm + VC_VSI_FLAGS, 2);
	assert_int_equal(drv_cmd(&d, AQC_ADD_VSI, prm, p, sizeof(p), true, NULL), 0);
	vsi = g16(prm + VR_VSI_NUM);
	p16(p + VP_Q_MAPPING + 4, 16);
	clr();
	assert_int_equal(drv_cmd(&d, AQC_ADD_VSI, prm, p, sizeof(p), true, NULL), AQ_RC_EINVAL);
	p16(p + VP_Q_MAPPING + 4, 0x7ff);
	clr();
	assert_int_equal(drv_cmd(&d, AQC_ADD_VSI, prm, p, sizeof(p), true, NULL), 0);
	vsi2 = g16(prm + VR_VSI_NUM);
	/* An update that keeps the sections it does not name. */
	{
		uint8_t u[128] = { 0 };
		const struct e810_aq_vsi *v;

		p16(u + VP_VALID_SECTIONS, 1u << 2);
		u[12] = 0x1b;
		clr();
		p16(prm + VC_VSI_NUM, vsi | VSI_IS_VALID);
		assert_int_equal(drv_cmd(&d, AQC_UPDATE_VSI, prm, u, sizeof(u), true, NULL), 0);
		v = e810_aq_vsi_find(d.aq, vsi);
		assert_int_equal(v->props[12], 0x1b);
		assert_int_equal(g16(v->props + VP_Q_MAPPING + 2), 9);
		assert_int_equal(g16(v->props + VP_VALID_SECTIONS), (1u << 6) | (1u << 2));
	}
	/* Two groups on one parent in one command: their sum counts (16 max). */
	{
		memset(b, 0, sizeof(b));
		clr();
		p16(prm + SE_NUM_ELEM_REQ, 2);
		p32(b + 0, 5);
		p16(b + 4, 8);
		for (unsigned i = 0; i < 8; i++) {
			p32(b + 8 + 24 * i, 5);
			b[8 + 24 * i + 8] = ELEM_TYPE_SE_GENERIC;
		}
		p32(b + 200, 5);
		p16(b + 204, 8);
		for (unsigned i = 0; i < 8; i++) {
			p32(b + 208 + 24 * i, 5);
			b[208 + 24 * i + 8] = ELEM_TYPE_SE_GENERIC;
		}
		assert_int_equal(drv_cmd(&d, AQC_ADD_SCHED_ELEMS, prm, b, 400, true, NULL), AQ_RC_ENOSPC);
		p16(b + 204, 7);
		assert_int_equal(drv_cmd(&d, AQC_ADD_SCHED_ELEMS, prm, b, 376, true, NULL), 0);
		assert_int_equal(e810_aq_state(d.aq)->nnodes, 9 + 15);
	}
	/* add_txqs: two groups on the default queue group node (room for 7). */
	{
		memset(b, 0, sizeof(b));
		clr();
		prm[ATQ_NUM_QGRPS] = 2;
		p32(b + 0, 7);
		b[4] = 4;
		for (unsigned i = 0; i < 4; i++)
			txq_entry(b + 8 + 48 * i, (uint16_t)i, vsi);
		p32(b + 200, 7);
		b[204] = 4;
		for (unsigned i = 0; i < 4; i++)
			txq_entry(b + 208 + 48 * i, (uint16_t)(4 + i), vsi);
		assert_int_equal(drv_cmd(&d, AQC_ADD_TXQS, prm, b, 400, true, NULL), AQ_RC_ENOSPC);
		b[204] = 3;
		txq_entry(b + 208, 2, vsi); /* queue 2 twice */
		assert_int_equal(drv_cmd(&d, AQC_ADD_TXQS, prm, b, 352, true, NULL), AQ_RC_EINVAL);
		txq_entry(b + 208, 4, vsi);
		assert_int_equal(drv_cmd(&d, AQC_ADD_TXQS, prm, b, 353, true, NULL), AQ_RC_EINVAL);
		assert_int_equal(drv_cmd(&d, AQC_ADD_TXQS, prm, b, 352, true, NULL), 0);
		assert_int_equal(e810_aq_state(d.aq)->ntxq, 7);
		for (unsigned i = 0; i < 7; i++)
			assert_non_null(e810_aq_txq_find(d.aq, (uint16_t)i));
	}
	/* dis_txqs: an even count carries 2 bytes of padding. */
	{
		memset(b, 0, sizeof(b));
		clr();
		prm[DTQ_NUM_ENTRIES] = 2;
		p32(b + 0, 7);
		b[4] = 2;
		p16(b + 6, 0);
		p16(b + 8, 1);
		p32(b + 12, 7);
		b[16] = 1;
		p16(b + 18, 2);
		assert_int_equal(drv_cmd(&d, AQC_DIS_TXQS, prm, b, 18, true, NULL), AQ_RC_EINVAL);
		assert_int_equal(drv_cmd(&d, AQC_DIS_TXQS, prm, b, 20, true, NULL), 0);
		assert_int_equal(e810_aq_state(d.aq)->ntxq, 4);
		/* No items (VF/VM reset flows): nothing of the PF's to stop. */
		clr();
		prm[DTQ_CMD_TYPE] = 1;
		assert_int_equal(drv_cmd(&d, AQC_DIS_TXQS, prm, NULL, 0, false, NULL), 0);
		assert_int_equal(e810_aq_state(d.aq)->ntxq, 4);
	}
	/* A VSI list: both VSIs in, one out by update, the other with its VSI. */
	{
		uint8_t r[6] = { 0 }, l[12] = { 0 };

		clr();
		p16(prm + AR_NUM_ENTRIES, 1);
		p16(r + ARB_RES_TYPE, RES_TYPE_VSI_LIST_REP);
		p16(r + ARB_NUM_ELEMS, 1);
		assert_int_equal(drv_cmd(&d, AQC_ALLOC_RES, prm, r, sizeof(r), true, NULL), 0);
		list = g16(r + ARB_ELEMS);
		clr();
		p16(prm + SR_NUM_RULES, 1);
		p16(l + SRE_TYPE, SW_RULE_VSI_LIST_SET);
		p16(l + SRV_INDEX, list);
		p16(l + SRV_NUMBER, 2);
		p16(l + SRV_VSI, vsi);
		p16(l + SRV_VSI + 2, vsi2);
		assert_int_equal(drv_cmd(&d, AQC_ADD_SW_RULES, prm, l, sizeof(l), true, NULL), 0);
		/* A prune rule type on a replication list. */
		p16(l + SRE_TYPE, SW_RULE_PRUNE_LIST_SET);
		assert_int_equal(drv_cmd(&d, AQC_ADD_SW_RULES, prm, l, sizeof(l), true, NULL), AQ_RC_EINVAL);
		p16(l + SRE_TYPE, SW_RULE_VSI_LIST_CLEAR);
		p16(l + SRV_NUMBER, 1);
		assert_int_equal(drv_cmd(&d, AQC_UPDATE_SW_RULES, prm, l, 10, true, NULL), 0);
		{
			const struct e810_aq_vsi_list *vl = NULL;

			for (unsigned i = 0; i < E810_AQ_MAX_VSI_LISTS; i++)
				if (e810_aq_state(d.aq)->vlist[i].in_use && e810_aq_state(d.aq)->vlist[i].id == list)
					vl = &e810_aq_state(d.aq)->vlist[i];
			assert_non_null(vl);
			assert_false(vl->vsis[vsi / 64] >> (vsi % 64) & 1);
			assert_true(vl->vsis[vsi2 / 64] >> (vsi2 % 64) & 1);
			clr();
			p16(prm + VC_VSI_NUM, vsi2 | VSI_IS_VALID);
			assert_int_equal(drv_cmd(&d, AQC_FREE_VSI, prm, NULL, 0, false, NULL), 0);
			assert_false(vl->vsis[vsi2 / 64] >> (vsi2 % 64) & 1);
		}
		/* A rule forwarding to the list; a list that does not exist. */
		{
			uint8_t rr[32] = { 0 };

			clr();
			p16(prm + SR_NUM_RULES, 1);
			p16(rr + SRL_RECIPE, 1);
			p32(rr + SRL_ACT, ACT_VALID | ACT_VSI_LIST | (uint32_t)list << ACT_VSI_ID_S);
			p16(rr + SRL_HDR_LEN, 16);
			assert_int_equal(drv_cmd(&d, AQC_ADD_SW_RULES, prm, rr, sizeof(rr), true, NULL), 0);
			p32(rr + SRL_ACT, ACT_VALID | ACT_VSI_LIST | 60u << ACT_VSI_ID_S);
			assert_int_equal(drv_cmd(&d, AQC_ADD_SW_RULES, prm, rr, sizeof(rr), true, NULL),
					 AQ_RC_EINVAL);
			/* Large actions and mirroring are not offered. */
			p16(rr + SRE_TYPE, SW_RULE_LG_ACT);
			assert_int_equal(drv_cmd(&d, AQC_ADD_SW_RULES, prm, rr, sizeof(rr), true, NULL),
					 AQ_RC_ENOSPC);
			p16(rr + SRE_TYPE, SW_RULE_LKUP_RX);
			p32(rr + SRL_ACT, ACT_OTHER);
			assert_int_equal(drv_cmd(&d, AQC_ADD_SW_RULES, prm, rr, sizeof(rr), true, NULL),
					 AQ_RC_EINVAL);
			/* A header longer than the buffer. */
			p32(rr + SRL_ACT, ACT_VALID | ACT_DROP);
			p16(rr + SRL_HDR_LEN, 17);
			assert_int_equal(drv_cmd(&d, AQC_ADD_SW_RULES, prm, rr, sizeof(rr), true, NULL),
					 AQ_RC_EINVAL);
		}
		/* Remove with a list element clears it. */
		clr();
		p16(prm + SR_NUM_RULES, 1);
		p16(l + SRE_TYPE, SW_RULE_VSI_LIST_CLEAR);
		p16(l + SRV_NUMBER, 0);
		assert_int_equal(drv_cmd(&d, AQC_REMOVE_SW_RULES, prm, l, 8, true, NULL), 0);
	}
	/* clear_pf_cfg with queues, nodes, rules and lists in place. */
	clr();
	assert_int_equal(drv_cmd(&d, AQC_CLEAR_PF_CFG, prm, NULL, 0, false, NULL), 0);
	assert_int_equal(e810_aq_state(d.aq)->ntxq, 0);
	assert_int_equal(e810_aq_state(d.aq)->nvsi, 0);
	assert_int_equal(e810_aq_state(d.aq)->nrules, 0);
	assert_int_equal(e810_aq_state(d.aq)->nnodes, 9);
	for (unsigned i = 0; i < E810_AQ_MAX_VSI_LISTS; i++)
		assert_false(e810_aq_state(d.aq)->vlist[i].in_use);
	drv_fini(&d);
}

/* ---- a seeded random walk of garbage ------------------------------------------------ */

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)rng;
}

/* Opcodes that parse buffers, and others, with random everything. */
static void test_garbage(void **state)
{
	static const uint16_t ops[] = {
		AQC_ADD_SCHED_ELEMS, AQC_DELETE_SCHED_ELEMS, AQC_MOVE_SCHED_ELEMS, AQC_CFG_SCHED_ELEMS,
		AQC_GET_SCHED_ELEMS, AQC_SUSPEND_SCHED_ELEMS, AQC_ADD_TXQS, AQC_DIS_TXQS,
		AQC_ADD_SW_RULES, AQC_UPDATE_SW_RULES, AQC_REMOVE_SW_RULES, AQC_ALLOC_RES, AQC_FREE_RES,
		AQC_ADD_VSI, AQC_UPDATE_VSI, AQC_FREE_VSI, AQC_SET_RSS_LUT, AQC_GET_RSS_LUT,
		AQC_SET_RSS_KEY, AQC_NVM_READ, AQC_GET_DFLT_TOPO, AQC_LIST_DEV_CAPS, AQC_SET_PHY_CFG,
		AQC_GET_PHY_CAPS, AQC_DRIVER_VER, AQC_REQ_RES, AQC_GET_LINK_STATUS, AQC_CLEAR_PF_CFG,
		AQC_MANAGE_MAC_WRITE, AQC_RESTART_AN,
	};
	struct e810_aq_config c;
	struct drv d;
	uint64_t buf = gpa_of(DRV_SCRATCH);
	unsigned iters = 20000;

	(void)state;
	e810_aq_config_default(&c);
	c.num_queues = 16;
	drv_init(&d, &c);
	drv_queues_up(&d, 64);
	for (unsigned it = 0; it < iters; it++) {
		uint8_t e[32];
		uint8_t *b = gpa_ptr(&d, buf, 4096);
		uint32_t r = rnd();
		uint16_t opc = (r & 3) ? ops[rnd() % (sizeof(ops) / sizeof(ops[0]))] : (uint16_t)rnd();
		uint16_t flags = (uint16_t)((r >> 8) & 0x3) == 0 ? (uint16_t)rnd()
					: (uint16_t)(AQ_FLAG_BUF | AQ_FLAG_RD | AQ_FLAG_LB);
		uint16_t dlen = (r >> 12) & 1 ? (uint16_t)(rnd() % 600) : (uint16_t)rnd();
		uint64_t addr = (r >> 16) & 7 ? buf : ((uint64_t)rnd() << 32 | rnd());

		for (unsigned i = 0; i < 32; i++)
			e[i] = (uint8_t)rnd();
		/* Mostly small counts so that the parsers get past their first checks. */
		if ((r >> 20) & 1) {
			e[AQD_PARAMS] = (uint8_t)(rnd() % 3);
			e[AQD_PARAMS + 1] = 0;
		}
		p16(e + AQD_FLAGS, flags);
		p16(e + AQD_OPCODE, opc);
		p16(e + AQD_DATALEN, dlen);
		p32(e + AQD_PARAMS + AQP_ADDR_HI, (uint32_t)(addr >> 32));
		p32(e + AQD_PARAMS + AQP_ADDR_LO, (uint32_t)addr);
		for (unsigned i = 0; i < 4096; i++)
			b[i] = (uint8_t)((r >> 24) & 1 ? rnd() % 4 : rnd());
		/* Now and then, plausible headers: small counts, known TEIDs/VSIs. */
		if ((r >> 25) & 1) {
			p32(b, rnd() % 12);
			p16(b + 4, (uint16_t)(1 + rnd() % 3));
			b[4] = (uint8_t)(1 + rnd() % 3);
		}
		drv_post_raw(&d, e);
		/* Every descriptor in guest RAM is answered; nothing stops the queue. */
		assert_int_equal(drv_rd(&d, E810_PF_FW_ATQH), d.atq_ntu);
		assert_true(g16(drv_atq_desc(&d, (d.atq_ntu + d.n - 1) % d.n) + AQD_FLAGS) & AQ_FLAG_DD);
		if (it % 1000 == 999) {
			const struct e810_aq_state *s = e810_aq_state(d.aq);
			unsigned v = 0, q = 0, rl = 0, nd = 0;

			for (unsigned i = 0; i < E810_AQ_MAX_VSI; i++)
				v += s->vsi[i].in_use;
			for (unsigned i = 0; i < E810_AQ_MAX_QUEUES; i++)
				q += s->txq[i].in_use;
			for (unsigned i = 0; i < E810_AQ_MAX_RULES; i++)
				rl += s->rule[i].in_use;
			for (unsigned i = 0; i < E810_AQ_MAX_SCHED_NODES; i++)
				nd += s->node[i].in_use;
			assert_int_equal(v, s->nvsi);
			assert_int_equal(q, s->ntxq);
			assert_int_equal(rl, s->nrules);
			assert_int_equal(nd, s->nnodes);
			/* Every queue hangs on an existing leaf. */
			for (unsigned i = 0; i < E810_AQ_MAX_QUEUES; i++) {
				if (!s->txq[i].in_use)
					continue;
				bool found = false;

				for (unsigned k = 0; k < E810_AQ_MAX_SCHED_NODES && !found; k++)
					found = s->node[k].in_use && s->node[k].teid == s->txq[i].teid;
				assert_true(found);
			}
		}
		/* Events between commands, with whatever the ARQ holds. */
		if ((r & 0xff) == 0x5a) {
			uint16_t opc2, len, fl;

			e810_aq_set_link(d.aq, rnd() & 1);
			while (drv_event(&d, &opc2, NULL, &len, &fl) == 0)
				;
		}
	}
	assert_false(drv_rd(&d, E810_PF_FW_ATQLEN) & E810_AQLEN_CRIT);
	assert_int_equal(e810_aq_stats(d.aq)->atq_cmds, iters);
	drv_fini(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nvm_limits),
		cmocka_unit_test(test_caps_too_small),
		cmocka_unit_test(test_resources),
		cmocka_unit_test(test_pf_reset),
		cmocka_unit_test(test_vsi_limits),
		cmocka_unit_test(test_multi_and_clear),
		cmocka_unit_test(test_garbage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
