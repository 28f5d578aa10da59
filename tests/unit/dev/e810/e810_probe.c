// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Test support: the Linux 6.1 ice driver's safe-mode probe, step by step
 * (see e810_probe.h), with each answer checked the way the driver uses it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dev/e810/aq_defs.h"
#include "dev/e810/e810_regs.h"
#include "e810_drv.h"
#include "e810_probe.h"

uint8_t prm[16];

void clr(void)
{
	memset(prm, 0, sizeof(prm));
}

/* ---- NVM as ice_nvm.c reads it -------------------------------------------- */

void nvm_acquire(struct drv *d)
{
	clr();
	p16(prm + RR_RES_ID, RES_ID_NVM);
	p16(prm + RR_ACCESS, RES_ACCESS_READ);
	p32(prm + RR_TIMEOUT, 180000);
	assert_int_equal(drv_cmd(d, AQC_REQ_RES, prm, NULL, 0, false, NULL), 0);
	assert_int_equal(g32(prm + RR_TIMEOUT), 3000);
}

void nvm_release(struct drv *d)
{
	clr();
	p16(prm + RR_RES_ID, RES_ID_NVM);
	assert_int_equal(drv_cmd(d, AQC_RELEASE_RES, prm, NULL, 0, false, NULL), 0);
}

uint16_t nvm_read(struct drv *d, uint32_t off, uint16_t len, bool flash, uint8_t *out)
{
	clr();
	p16(prm + NVM_OFFSET_LOW, (uint16_t)off);
	prm[NVM_OFFSET_HIGH] = (uint8_t)(off >> 16);
	prm[NVM_CMD_FLAGS] = (uint8_t)(NVM_FLAG_LAST_CMD | (flash ? NVM_FLAG_FLASH_ONLY : 0));
	p16(prm + NVM_LENGTH, len);
	return drv_cmd(d, AQC_NVM_READ, prm, out, len, false, NULL);
}

uint16_t sr_word(struct drv *d, uint16_t w)
{
	uint8_t b[2];

	nvm_acquire(d);
	assert_int_equal(nvm_read(d, 2u * w, 2, false, b), 0);
	assert_int_equal(d->datalen, 2);
	nvm_release(d);
	return g16(b);
}

uint16_t flash_word(struct drv *d, uint32_t off)
{
	uint8_t b[2];

	nvm_acquire(d);
	assert_int_equal(nvm_read(d, off, 2, true, b), 0);
	nvm_release(d);
	return g16(b);
}

static uint32_t sr_pointer(struct drv *d, uint16_t w)
{
	uint16_t v = sr_word(d, w);

	return (v & 0x8000u) ? (uint32_t)(v & 0x7fffu) * 4096u : 2u * v;
}

/* ice_discover_flash_size: bisection with one-byte flash reads. */
static uint32_t discover_flash_size(struct drv *d, unsigned *reads)
{
	uint32_t lo = 0, hi = 0xffffff + 1;
	uint8_t b;

	nvm_acquire(d);
	*reads = 0;
	while (hi - lo > 1) {
		uint32_t mid = (hi + lo) / 2;
		uint16_t rv = nvm_read(d, mid, 1, true, &b);

		(*reads)++;
		if (rv == AQ_RC_EINVAL)
			hi = mid;
		else if (rv == 0)
			lo = mid;
		else
			fail_msg("unexpected NVM read error %u", rv);
	}
	nvm_release(d);
	return hi;
}

static void init_nvm(struct drv *d, struct probe *pr, const struct e810_aq_config *cfg)
{
	unsigned reads;
	uint16_t ctrl, ver;
	uint8_t *orom;
	bool civd = false;

	pr->flash_size = discover_flash_size(d, &reads);
	assert_int_equal(pr->flash_size, cfg->flash_size);
	assert_int_equal(reads, 24);
	ctrl = sr_word(d, 0x00);
	assert_int_equal((ctrl >> 6) & 3, 1); /* ICE_SR_CTRL_WORD_VALID */
	assert_int_equal(ctrl & 0x38, 0);     /* first banks */
	pr->nvm_ptr = sr_pointer(d, 0x42);
	pr->nvm_size = sr_word(d, 0x43) * 4096u;
	pr->orom_ptr = sr_pointer(d, 0x44);
	pr->orom_size = sr_word(d, 0x45) * 4096u;
	pr->nl_ptr = sr_pointer(d, 0x46);
	pr->nl_size = sr_word(d, 0x47) * 4096u;
	assert_true(pr->nvm_ptr && pr->nvm_size && pr->orom_ptr && pr->orom_size && pr->nl_ptr &&
		    pr->nl_size);
	assert_true(pr->nl_ptr + 2 * pr->nl_size <= pr->flash_size);
	/* ice_get_nvm_ver_info: the SR copy after the 330-word CSS header. */
	ver = flash_word(d, pr->nvm_ptr + 2u * (0x160 + 0x18));
	assert_int_equal(ver >> 12, cfg->nvm_major);
	assert_int_equal(ver & 0xff, cfg->nvm_minor);
	assert_int_equal(flash_word(d, pr->nvm_ptr + 2u * (0x160 + 0x2d)) |
			 (uint32_t)flash_word(d, pr->nvm_ptr + 2u * (0x160 + 0x2e)) << 16, cfg->eetrack);
	/* ice_get_orom_civd_data: the whole bank, 4 KiB per read. */
	orom = calloc(1, pr->orom_size);
	nvm_acquire(d);
	for (uint32_t o = 0; o < pr->orom_size; o += 4096)
		assert_int_equal(nvm_read(d, pr->orom_ptr + o, 4096, true, orom + o), 0);
	nvm_release(d);
	for (uint32_t o = 0; o + 512 <= pr->orom_size; o += 512) {
		uint8_t sum = 0;

		if (memcmp(orom + o, "$CIV", 4))
			continue;
		for (unsigned i = 0; i < 74; i++)
			sum = (uint8_t)(sum + orom[o + i]);
		assert_int_equal(sum, 0);
		assert_int_equal(g32(orom + o + 5) >> 24, 1); /* OROM major */
		civd = true;
		break;
	}
	free(orom);
	assert_true(civd);
	/* ice_get_netlist_info */
	assert_int_equal(flash_word(d, pr->nl_ptr + 0), 0x011b);
	assert_true(flash_word(d, pr->nl_ptr + 2 * 2) >= 0x30);
	{
		uint16_t nodes = flash_word(d, pr->nl_ptr + 2 * 3) & 0x3ff;
		uint8_t id[0x60];

		nvm_acquire(d);
		assert_int_equal(nvm_read(d, pr->nl_ptr + 2u * (6 + 2u * nodes), sizeof(id), true, id), 0);
		nvm_release(d);
		assert_int_equal(g16(id + 2 * 2), 1); /* netlist major, low word */
	}
}

/* ---- capabilities ------------------------------------------------------------- */

static void get_caps(struct drv *d, const struct e810_aq_config *cfg, uint16_t opc)
{
	uint8_t *buf = calloc(1, 4096);
	uint32_t count;
	bool seen_vsi = false, seen_vf = false, seen_fd = false;

	clr();
	p32(prm + LC_COUNT, 4096 / 32);
	assert_int_equal(drv_cmd(d, opc, prm, buf, 4096, false, NULL), 0);
	count = g32(prm + LC_COUNT);
	assert_true(count >= 6 && count * 32 == d->datalen);
	for (uint32_t i = 0; i < count; i++) {
		const uint8_t *e = buf + 32 * i;
		uint32_t num = g32(e + CAP_NUMBER);

		switch (g16(e + CAP_CAP)) {
		case CAPS_VALID_FUNCTIONS:
			assert_int_equal(num, 1u << cfg->pf_id);
			seen_vf = true;
			break;
		case CAPS_VSI:
			assert_true(num >= 1);
			seen_vsi = true;
			break;
		case CAPS_RXQS:
		case CAPS_TXQS:
			assert_int_equal(num, cfg->num_queues);
			assert_int_equal(g32(e + CAP_PHYS_ID), 0);
			break;
		case CAPS_MSIX:
			assert_int_equal(num, cfg->num_msix);
			break;
		case CAPS_RSS:
			assert_int_equal(num, 2048);
			assert_true(g32(e + CAP_LOGICAL_ID) >= 1);
			break;
		case CAPS_FD:
			/* Full mode sets the flow director up (7.x even without
			 * the capability, and then crashes in its teardown). */
			assert_int_equal(num, E810_AQ_FD_GUAR + E810_AQ_FD_BEST);
			seen_fd = true;
			break;
		case 0x0046: case 0x0051: case 0x0012: case 0x0018:
			fail_msg("capability 0x%04x must not be offered", g16(e + CAP_CAP));
			break;
		default:
			break;
		}
	}
	assert_true(seen_vf && seen_vsi && seen_fd);
	free(buf);
}

/* ---- scheduler ---------------------------------------------------------------- */

void sched_query(struct drv *d, uint32_t teid, uint32_t parent, uint8_t type)
{
	uint8_t e[24] = { 0 };

	clr();
	p16(prm + SE_NUM_ELEM_REQ, 1);
	p32(e + 4, teid);
	assert_int_equal(drv_cmd(d, AQC_GET_SCHED_ELEMS, prm, e, sizeof(e), true, NULL), 0);
	assert_int_equal(g16(prm + SE_NUM_ELEM_RESP), 1);
	assert_int_equal(g32(e + 0), parent);
	assert_int_equal(g32(e + 4), teid);
	assert_int_equal(e[8], type);
}

/* ice_sched_add_elems for one node, then ice_sched_add_node's query. */
uint32_t sched_add(struct drv *d, const struct probe *pr, uint32_t parent)
{
	uint8_t b[8 + 24] = { 0 };
	uint32_t teid;

	clr();
	p16(prm + SE_NUM_ELEM_REQ, 1);
	p32(b + 0, parent);
	p16(b + 4, 1);
	p32(b + 8, parent);
	b[8 + 8] = ELEM_TYPE_SE_GENERIC;
	b[8 + 9] = ELEM_VALID_GENERIC | ELEM_VALID_CIR | ELEM_VALID_EIR;
	p16(b + 8 + 14, 4);
	p16(b + 8 + 18, 4);
	assert_int_equal(drv_cmd(d, AQC_ADD_SCHED_ELEMS, prm, b, sizeof(b), true, NULL), 0);
	assert_int_equal(g16(prm + SE_NUM_ELEM_RESP), 1);
	teid = g32(b + 8 + 4);
	assert_true(teid != 0xffffffffu && teid != parent);
	(void)pr;
	sched_query(d, teid, parent, ELEM_TYPE_SE_GENERIC);
	return teid;
}

uint16_t sched_delete(struct drv *d, uint32_t parent, uint32_t teid)
{
	uint8_t b[12] = { 0 };

	clr();
	p16(prm + SE_NUM_ELEM_REQ, 1);
	p32(b + 0, parent);
	p16(b + 4, 1);
	p32(b + 8, teid);
	return drv_cmd(d, AQC_DELETE_SCHED_ELEMS, prm, b, sizeof(b), true, NULL);
}

static void sched_init(struct drv *d, struct probe *pr)
{
	uint8_t res[QSR_SIZE] = { 0 };
	uint8_t *topo = calloc(1, 4096);
	uint32_t parent[9], teid[9];
	uint8_t type[9];
	unsigned n;

	/* ice_sched_query_res_alloc */
	clr();
	assert_int_equal(drv_cmd(d, AQC_QUERY_SCHED_RES, prm, res, sizeof(res), false, NULL), 0);
	pr->layers = g16(res + QSR_LOGICAL_LEVELS);
	assert_true(pr->layers >= 5 && pr->layers <= 9);
	for (unsigned i = 0; i + 1 < pr->layers; i++) {
		pr->max_children[i] = g16(res + QSR_LAYER0 + (i + 1) * QSR_LAYER_SIZE + QSRL_MAX_SIBL_GRP_SZ);
		assert_true(pr->max_children[i] >= 1);
	}
	/* ice_sched_init_port */
	clr();
	assert_int_equal(drv_cmd(d, AQC_GET_DFLT_TOPO, prm, topo, 4096, false, NULL), 0);
	assert_true(prm[TOPO_NUM_BRANCHES] >= 1 && prm[TOPO_NUM_BRANCHES] <= 8);
	n = g16(topo + 4);
	assert_true(n >= 1 && n <= 9);
	for (unsigned j = 0; j < n; j++) {
		const uint8_t *e = topo + 8 + 24 * j;

		parent[j] = g32(e + 0);
		teid[j] = g32(e + 4);
		type[j] = e[8];
		if (type[j] == ELEM_TYPE_ENTRY_POINT)
			pr->entry_layer = j;
		if (j)
			assert_int_equal(parent[j], teid[j - 1]);
	}
	assert_int_equal(type[0], ELEM_TYPE_ROOT_PORT);
	assert_int_equal(type[1], ELEM_TYPE_TC);
	assert_true(pr->entry_layer > 0); /* "invalid sw entry point" otherwise */
	/* The driver's root children array is max_children[0] long. */
	assert_true(prm[TOPO_NUM_BRANCHES] <= pr->max_children[0]);
	pr->root = teid[0];
	pr->tc = teid[1];
	for (unsigned j = 1; j < n; j++)
		sched_query(d, teid[j], parent[j], type[j]);
	/* ice_rm_dflt_leaf_node, then ice_sched_rm_dflt_nodes (children first). */
	assert_int_equal(type[n - 1], ELEM_TYPE_LEAF);
	assert_int_equal(sched_delete(d, teid[n - 2], teid[n - 1]), 0);
	for (unsigned j = n - 2; j >= pr->entry_layer; j--)
		assert_int_equal(sched_delete(d, parent[j], teid[j]), 0);
	free(topo);
}

/* ice_sched_add_vsi_to_topo + child nodes: one node per layer 2..7. */
static void sched_vsi(struct drv *d, struct probe *pr)
{
	uint32_t parent = pr->tc;

	for (unsigned l = pr->entry_layer; l <= pr->layers - 2; l++) {
		parent = sched_add(d, pr, parent);
		pr->vsi_nodes[l - pr->entry_layer] = parent;
	}
}

/* ice_set_agg_vsi: an aggregator branch, and the VSI node moved below it. */
static void sched_agg(struct drv *d, struct probe *pr)
{
	uint8_t b[16] = { 0 };
	uint32_t vsi_node = pr->vsi_nodes[5 - pr->entry_layer];     /* layer 5 */
	uint32_t old_parent = pr->vsi_nodes[4 - pr->entry_layer];   /* layer 4 */

	pr->agg_nodes[0] = sched_add(d, pr, pr->tc);
	pr->agg_nodes[1] = sched_add(d, pr, pr->agg_nodes[0]);
	pr->agg_nodes[2] = sched_add(d, pr, pr->agg_nodes[1]);
	clr();
	p16(prm + SE_NUM_ELEM_REQ, 1);
	p32(b + 0, old_parent);
	p32(b + 4, pr->agg_nodes[2]);
	p16(b + 8, 1);
	p32(b + 12, vsi_node);
	assert_int_equal(drv_cmd(d, AQC_MOVE_SCHED_ELEMS, prm, b, sizeof(b), true, NULL), 0);
	assert_int_equal(g16(prm + SE_NUM_ELEM_RESP), 1);
	sched_query(d, vsi_node, pr->agg_nodes[2], ELEM_TYPE_SE_GENERIC);
	/* The old support branch is now empty below layer 4: the driver removes it. */
	assert_int_equal(sched_delete(d, pr->vsi_nodes[1], old_parent), 0);
	assert_int_equal(sched_delete(d, pr->vsi_nodes[0], pr->vsi_nodes[1]), 0);
	assert_int_equal(sched_delete(d, pr->tc, pr->vsi_nodes[0]), 0);
	pr->vsi_nodes[0] = pr->agg_nodes[0];
	pr->vsi_nodes[1] = pr->agg_nodes[1];
	pr->vsi_nodes[2] = pr->agg_nodes[2];
}

/* ---- link ------------------------------------------------------------------------ */

void phy_caps(struct drv *d, uint16_t mode, uint8_t out[PCD_SIZE])
{
	clr();
	p16(prm + GPC_PARAM0, mode);
	assert_int_equal(drv_cmd(d, AQC_GET_PHY_CAPS, prm, out, PCD_SIZE, false, NULL), 0);
	assert_true(d->datalen >= PCD_HDR_SIZE && d->datalen <= PCD_SIZE);
}

void link_status(struct drv *d, uint16_t lse, uint8_t out[LSD_SIZE], bool *lse_on)
{
	clr();
	p16(prm + GLS_CMD_FLAGS, lse);
	assert_int_equal(drv_cmd(d, AQC_GET_LINK_STATUS, prm, out, LSD_SIZE, false, NULL), 0);
	assert_int_equal(d->datalen, LSD_SIZE);
	*lse_on = g16(prm + GLS_CMD_FLAGS) & GLS_LSE_IS_ENABLED;
}

/* ice_phy_caps_equals_cfg with the driver's masks. */
static bool phy_equal(const uint8_t *caps, const uint8_t *cfg)
{
	uint8_t caps_mask = 0xff & ~(PHY_CAP_AN_MODE | PHY_CAP_MOD_QUAL);
	uint8_t cfg_mask = PHY_ENA_VALID_M & ~PHY_ENA_AUTO_LINK_UPDT;

	return g64(caps) == g64(cfg) && g64(caps + 8) == g64(cfg + 8) &&
	       (caps[PCD_CAPS] & caps_mask) == (cfg[SPCD_CAPS] & cfg_mask) &&
	       caps[PCD_LOW_POWER_AN] == cfg[SPCD_LOW_POWER_AN] &&
	       g16(caps + PCD_EEE_CAP) == g16(cfg + SPCD_EEE_CAP) &&
	       g16(caps + PCD_EEER) == g16(cfg + SPCD_EEER) && caps[PCD_FEC] == cfg[SPCD_FEC];
}

/* ice_copy_phy_caps_to_cfg */
void caps_to_cfg(const uint8_t *caps, uint8_t cfg[SPCD_SIZE])
{
	memset(cfg, 0, SPCD_SIZE);
	memcpy(cfg, caps, 16);
	cfg[SPCD_CAPS] = caps[PCD_CAPS];
	cfg[SPCD_LOW_POWER_AN] = caps[PCD_LOW_POWER_AN];
	memcpy(cfg + SPCD_EEE_CAP, caps + PCD_EEE_CAP, 4);
	cfg[SPCD_FEC] = caps[PCD_FEC];
	cfg[SPCD_MOD_COMPL] = caps[PCD_MOD_COMPL];
}

/* ---- switch ---------------------------------------------------------------------- */

uint16_t add_mac_rule(struct drv *d, uint16_t vsi, const uint8_t mac[6], uint16_t *index)
{
	uint8_t r[32] = { 0 };
	uint16_t rv;

	clr();
	p16(prm + SR_NUM_RULES, 1);
	p16(r + SRE_TYPE, SW_RULE_LKUP_TX);
	p16(r + SRL_RECIPE, 1); /* ICE_SW_LKUP_MAC */
	p16(r + SRL_SRC, vsi);
	p32(r + SRL_ACT, ACT_VSI_FWD | ACT_VALID | (uint32_t)vsi << ACT_VSI_ID_S | (1u << 3));
	p16(r + SRL_HDR_LEN, 16);
	memcpy(r + SRL_HDR, mac, 6);
	r[SRL_HDR + 12] = 0x81; /* dummy header: ethertype 0x8100 slot */
	rv = drv_cmd(d, AQC_ADD_SW_RULES, prm, r, sizeof(r), true, NULL);
	if (!rv)
		*index = g16(r + SRL_INDEX);
	return rv;
}

uint16_t remove_rule(struct drv *d, uint16_t index)
{
	uint8_t r[16] = { 0 };

	clr();
	p16(prm + SR_NUM_RULES, 1);
	p16(r + SRE_TYPE, SW_RULE_LKUP_TX);
	p16(r + SRL_INDEX, index);
	return drv_cmd(d, AQC_REMOVE_SW_RULES, prm, r, sizeof(r), true, NULL);
}

void vsi_props(uint8_t p[128], uint16_t first, uint16_t count)
{
	memset(p, 0, 128);
	p16(p + VP_VALID_SECTIONS, 0x0001 | 0x0002 | 0x0004 | 0x0040 | 0x0080);
	p[3] = 0;           /* sw_flags */
	p[4] = 0x10;        /* sw_flags2: LAN enable */
	p[12] = 0x03 | 0x18; /* inner VLAN: TX all, show nothing */
	p16(p + VP_MAPPING_FLAGS, 0);
	p16(p + VP_Q_MAPPING, first);
	p16(p + VP_Q_MAPPING + 2, count);
	p16(p + VP_TC_MAPPING, 0);
	p[VP_Q_OPT_RSS] = 0x02; /* PF LUT */
}

uint16_t add_vsi(struct drv *d, uint16_t type, uint16_t first, uint16_t count, uint16_t *num)
{
	uint8_t p[128];
	uint16_t rv;

	vsi_props(p, first, count);
	clr();
	p16(prm + VC_VSI_FLAGS, type);
	rv = drv_cmd(d, AQC_ADD_VSI, prm, p, sizeof(p), true, NULL);
	if (!rv)
		*num = g16(prm + VR_VSI_NUM) & VSI_NUM_M;
	return rv;
}

/* ---- the 6.1 probe ---------------------------------------------------------------- */

void probe_61(struct drv *d, struct probe *pr, const struct e810_aq_config *cfg)
{
	uint8_t ls[LSD_SIZE], buf[2048], pc[PCD_SIZE], ucfg[SPCD_SIZE];
	bool lse;

	memset(pr, 0, sizeof(*pr));
	drv_queues_up(d, DRV_RING);
	/* ice_init_check_adminq: get_ver; API major above 1 stops the driver. */
	clr();
	assert_int_equal(drv_cmd(d, AQC_GET_VER, prm, NULL, 0, false, NULL), 0);
	assert_int_equal(prm[GV_FW_BRANCH + 5], 1);
	assert_int_equal(prm[GV_FW_BRANCH + 6], cfg->api_minor);
	assert_int_equal(prm[GV_FW_BRANCH + 1], cfg->fw_major);
	/* ice_clear_pf_cfg, ice_clear_pxe_mode */
	clr();
	assert_int_equal(drv_cmd(d, AQC_CLEAR_PF_CFG, prm, NULL, 0, false, NULL), 0);
	clr();
	prm[CP_RX_CNT] = 2;
	assert_int_equal(drv_cmd(d, AQC_CLEAR_PXE, prm, NULL, 0, false, NULL), 0);
	init_nvm(d, pr, cfg);
	/* ice_get_caps: device, then function capabilities. */
	get_caps(d, cfg, AQC_LIST_DEV_CAPS);
	get_caps(d, cfg, AQC_LIST_FUNC_CAPS);
	/* ice_get_initial_sw_cfg */
	clr();
	assert_int_equal(drv_cmd(d, AQC_GET_SW_CFG, prm, buf, 2048, false, NULL), 0);
	assert_int_equal(g16(prm + GSW_NUM_ELEMS), 1);
	assert_int_equal(g16(prm + GSW_ELEMENT), 0);
	assert_int_equal(g16(buf + 0) >> 14, 0);       /* physical port */
	assert_int_equal(g16(buf + 0) & 0x3ff, 0);     /* port 0 */
	assert_int_equal(g16(buf + 4) & 0x7fff, cfg->pf_id);
	sched_init(d, pr);
	/* PHY capabilities (media), then the link status (LSE off). */
	phy_caps(d, GPC_MODE_TOPO, pr->pcaps_topo);
	assert_true(g64(pr->pcaps_topo + PCD_PHY_LOW) || g64(pr->pcaps_topo + PCD_PHY_HIGH));
	link_status(d, GLS_LSE_DIS, ls, &lse);
	assert_false(lse);
	assert_true(ls[LSD_LINK_INFO] & LI_MEDIA_AVAILABLE);
	assert_int_equal(!!(ls[LSD_LINK_INFO] & LI_LINK_UP), cfg->link_up);
	/* ice_aq_manage_mac_read: 2 entries of room. */
	clr();
	assert_int_equal(drv_cmd(d, AQC_MANAGE_MAC_READ, prm, buf, 16, false, NULL), 0);
	assert_true(g16(prm + MMR_FLAGS) & MMR_LAN_ADDR_VALID);
	assert_int_equal(prm[MMR_NUM_ADDR], 1);
	assert_int_equal(buf[1], 0);
	assert_memory_equal(buf + 2, cfg->mac, 6);
	/* ice_aq_set_mac_cfg (jumbo), ice_alloc_fd_res_cntr (fatal in 6.1). */
	clr();
	p16(prm + SMC_MAX_FRAME, MAX_FRAME_SIZE);
	assert_int_equal(drv_cmd(d, AQC_SET_MAC_CFG, prm, NULL, 0, false, NULL), 0);
	{
		uint8_t r[6] = { 0 };

		clr();
		p16(prm + AR_NUM_ENTRIES, 1);
		p16(r + ARB_RES_TYPE, RES_TYPE_FDIR_COUNTER_BLOCK);
		p16(r + ARB_NUM_ELEMS, 1);
		assert_int_equal(drv_cmd(d, AQC_ALLOC_RES, prm, r, sizeof(r), true, NULL), 0);
		pr->fd_ctr = g16(r + ARB_ELEMS);
	}
	/* No DDP file: safe mode. ice_setup_pf_sw: */
	clr();
	assert_int_equal(drv_cmd(d, AQC_SET_PORT_PARAMS, prm, NULL, 0, false, NULL), 0);
	assert_int_equal(add_vsi(d, 2, 0, 1, &pr->vsi), 0);
	assert_true(pr->vsi <= 0x3ff);
	assert_int_equal(g16(prm + VR_VSI_USED), 1);
	sched_vsi(d, pr);
	sched_agg(d, pr);
	/* ice_init_mac_fltr: unicast and broadcast */
	{
		static const uint8_t bc[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

		assert_int_equal(add_mac_rule(d, pr->vsi, cfg->mac, &pr->rule_uc), 0);
		assert_int_equal(add_mac_rule(d, pr->vsi, bc, &pr->rule_bc), 0);
		assert_true(pr->rule_uc != pr->rule_bc);
	}
	/* ice_send_version */
	{
		char v[] = "6.1.0-vmux-test";

		clr();
		prm[DV_MAJOR] = 0xff;
		prm[DV_MAJOR + 1] = 0xff;
		prm[DV_MAJOR + 2] = 0xff;
		assert_int_equal(drv_cmd(d, AQC_DRIVER_VER, prm, v, (uint16_t)strlen(v), true, NULL), 0);
		if (d->aq)
			assert_string_equal(e810_aq_state(d->aq)->driver_string, v);
	}
	/* ice_init_link_events */
	clr();
	p16(prm + SEM_MASK, (uint16_t)~(LINK_EVENT_UPDOWN | LINK_EVENT_MEDIA_NA | 0x0100 | 0x1000));
	assert_int_equal(drv_cmd(d, AQC_SET_EVENT_MASK, prm, NULL, 0, false, NULL), 0);
	link_status(d, GLS_LSE_ENA, ls, &lse);
	assert_true(lse);
	/* ice_init_nvm_phy_type, ice_update_link_info */
	phy_caps(d, GPC_MODE_NVM, pc);
	link_status(d, GLS_LSE_ENA, ls, &lse);
	phy_caps(d, GPC_MODE_TOPO, pc);
	/* Media available: ice_init_phy_user_cfg (API < 1.7.3: topology caps), then
	 * ice_configure_phy: ACTIVE_CFG equal to the user config, no set_phy_cfg. */
	assert_true(ls[LSD_LINK_INFO] & LI_MEDIA_AVAILABLE);
	caps_to_cfg(pc, ucfg);
	phy_caps(d, GPC_MODE_ACTIVE, pc);
	assert_true(pc[PCD_CAPS] & PHY_CAP_EN_LINK);
	assert_true(phy_equal(pc, ucfg));
	/* ice_set_safe_mode_vlan_cfg: update VLAN, security, switch sections. */
	{
		uint8_t p[128];

		vsi_props(p, 0, 1);
		p16(p + VP_VALID_SECTIONS, 0x0004 | 0x0002 | 0x0001);
		clr();
		p16(prm + VC_VSI_NUM, pr->vsi | VSI_IS_VALID);
		assert_int_equal(drv_cmd(d, AQC_UPDATE_VSI, prm, p, sizeof(p), true, NULL), 0);
	}
	if (d->aq) {
		/* A device's counters are the caller's to check (its dump_stats). */
		assert_int_equal(e810_aq_stats(d->aq)->atq_unknown, 0);
		assert_int_equal(e810_aq_stats(d->aq)->atq_desc_dma, 0);
	}
}

static void set_bits(uint8_t *ctx, unsigned lsb, unsigned width, uint64_t v)
{
	for (unsigned i = 0; i < width; i++) {
		unsigned b = lsb + i;

		if ((v >> i) & 1)
			ctx[b / 8] |= (uint8_t)(1u << (b % 8));
		else
			ctx[b / 8] &= (uint8_t)~(1u << (b % 8));
	}
}

/* ice_setup_tx_ctx + ice_pack_txq_ctx for one queue of ring at gpa, 256 entries. */
void tx_ctx(uint8_t ctx[22], uint64_t ring, uint16_t vsi, uint8_t pf)
{
	memset(ctx, 0, 22);
	set_bits(ctx, 0, 57, ring >> 7);
	set_bits(ctx, 65, 3, pf);
	set_bits(ctx, 78, 2, 2);
	set_bits(ctx, 80, 10, vsi);
	set_bits(ctx, 135, 13, 256);
	set_bits(ctx, 164, 1, 1);
}

uint16_t add_txq(struct drv *d, uint32_t parent, uint16_t q, uint16_t vsi, uint32_t *teid)
{
	uint8_t b[8 + 48] = { 0 };
	uint16_t rv;

	clr();
	prm[ATQ_NUM_QGRPS] = 1;
	p32(b + 0, parent);
	b[4] = 1;
	p16(b + 8 + TXQ_ID, q);
	tx_ctx(b + 8 + TXQ_CTX, gpa_of(DRV_SCRATCH) + 0x1000u * q, vsi, 0);
	b[8 + TXQ_INFO + 1] = ELEM_VALID_GENERIC | ELEM_VALID_CIR | ELEM_VALID_EIR;
	rv = drv_cmd(d, AQC_ADD_TXQS, prm, b, sizeof(b), true, NULL);
	if (!rv)
		*teid = g32(b + 8 + TXQ_TEID);
	return rv;
}

uint16_t dis_txq(struct drv *d, uint32_t parent, uint16_t q)
{
	uint8_t b[8] = { 0 };

	clr();
	prm[DTQ_CMD_TYPE] = 0x08; /* flush pipe */
	prm[DTQ_NUM_ENTRIES] = 1;
	p16(prm + DTQ_VMVF_TIMEOUT, 5 << 10);
	p32(b + 0, parent);
	b[4] = 1;
	p16(b + 6, q);
	return drv_cmd(d, AQC_DIS_TXQS, prm, b, sizeof(b), true, NULL);
}

