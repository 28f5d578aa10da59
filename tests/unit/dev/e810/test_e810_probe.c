// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The E810 admin queue engine driven through the command sequence of Linux
 * 6.1's ice driver in safe mode, in its order (ice_probe -> ice_init_hw ->
 * ice_init_nvm, ice_get_caps, ice_get_initial_sw_cfg, ice_sched_*,
 * link, MAC, ice_setup_pf_sw, ice_send_version, ice_init_link_events ...),
 * each answer checked the way the driver uses it (e810_probe.c); then
 * open, link events, close and remove; the DDP-file path that must end in
 * safe mode; and what newer (6.3+, 7.x) drivers read differently.
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

static void test_probe_61(void **state)
{
	struct e810_aq_config cfg;
	struct drv d;
	struct probe pr;
	const struct e810_aq_state *st;

	(void)state;
	e810_aq_config_default(&cfg);
	drv_init(&d, &cfg);
	probe_61(&d, &pr, &cfg);
	st = e810_aq_state(d.aq);
	assert_int_equal(st->nvsi, 1);
	assert_non_null(e810_aq_vsi_find(d.aq, pr.vsi));
	assert_int_equal(st->nrules, 2);
	assert_true(st->driver_ver_set);
	assert_true(st->pxe_cleared);
	assert_true(st->link.lse_enabled);
	assert_true(e810_aq_link_up(d.aq));
	drv_fini(&d);
}

/* Other sizes and a link that starts down. */
static void test_probe_61_small(void **state)
{
	struct e810_aq_config cfg;
	struct drv d;
	struct probe pr;

	(void)state;
	e810_aq_config_default(&cfg);
	cfg.num_queues = 1;
	cfg.num_msix = 2;
	cfg.flash_size = 12u << 20;
	cfg.link_speed_mbps = 25000;
	cfg.link_up = false;
	cfg.pf_id = 3;
	drv_init(&d, &cfg);
	probe_61(&d, &pr, &cfg);
	assert_false(e810_aq_link_up(d.aq));
	drv_fini(&d);
}

/* ---- open, link events, close, remove ------------------------------------------------ */

static void test_open_close_remove(void **state)
{
	struct e810_aq_config cfg;
	struct drv d;
	struct probe pr;
	uint32_t q0, qgrp;
	uint16_t list, vlan_rule, mc_rule, opc, len, flags;
	uint8_t ev[DRV_BUF], ls[LSD_SIZE];
	bool lse;
	struct e810_aq_txq_ctx tc;
	const struct e810_aq_txq *tq;

	(void)state;
	e810_aq_config_default(&cfg);
	drv_init(&d, &cfg);
	probe_61(&d, &pr, &cfg);
	qgrp = pr.vsi_nodes[5];

	/* ice_vsi_add_vlan_zero: a prune list with the VSI, then the VLAN 0 rule. */
	{
		uint8_t r[6] = { 0 }, l[10] = { 0 }, v[32] = { 0 };

		clr();
		p16(prm + AR_NUM_ENTRIES, 1);
		p16(r + ARB_RES_TYPE, RES_TYPE_VSI_LIST_PRUNE);
		p16(r + ARB_NUM_ELEMS, 1);
		assert_int_equal(drv_cmd(&d, AQC_ALLOC_RES, prm, r, sizeof(r), true, NULL), 0);
		list = g16(r + ARB_ELEMS);
		clr();
		p16(prm + SR_NUM_RULES, 1);
		p16(l + SRE_TYPE, SW_RULE_PRUNE_LIST_SET);
		p16(l + SRV_INDEX, list);
		p16(l + SRV_NUMBER, 1);
		p16(l + SRV_VSI, pr.vsi);
		assert_int_equal(drv_cmd(&d, AQC_ADD_SW_RULES, prm, l, sizeof(l), true, NULL), 0);
		clr();
		p16(prm + SR_NUM_RULES, 1);
		p16(v + SRE_TYPE, SW_RULE_LKUP_RX);
		p16(v + SRL_RECIPE, 4); /* ICE_SW_LKUP_VLAN */
		p32(v + SRL_ACT, ACT_PRUNE | ACT_VSI_LIST | (uint32_t)list << ACT_VSI_ID_S |
				 (1u << 15) | (1u << 16));
		p16(v + SRL_HDR_LEN, 16);
		v[SRL_HDR + 12] = 0x81;
		assert_int_equal(drv_cmd(&d, AQC_ADD_SW_RULES, prm, v, sizeof(v), true, NULL), 0);
		vlan_rule = g16(v + SRL_INDEX);
		assert_non_null(e810_aq_rule_find(d.aq, vlan_rule));
		assert_true(e810_aq_state(d.aq)->vlist[0].in_use || e810_aq_state(d.aq)->vlist[1].in_use);
	}
	/* ice_vsi_cfg_txq: queue 0 as a leaf of the queue group node. */
	assert_int_equal(add_txq(&d, qgrp, 0, pr.vsi, &q0), 0);
	sched_query(&d, q0, qgrp, ELEM_TYPE_LEAF);
	tq = e810_aq_txq_find(d.aq, 0);
	assert_non_null(tq);
	assert_int_equal(tq->teid, q0);
	e810_aq_txq_ctx_decode(tq->ctx, &tc);
	assert_int_equal(tc.base, gpa_of(DRV_SCRATCH));
	assert_int_equal(tc.qlen, 256);
	assert_int_equal(tc.src_vsi, pr.vsi);
	assert_int_equal(tc.vmvf_type, 2);
	assert_true(tc.legacy_int);
	/* The same queue twice, a queue beyond the PF's, a parent not at the queue layer. */
	{
		uint32_t t;

		assert_int_equal(add_txq(&d, qgrp, 0, pr.vsi, &t), AQ_RC_EINVAL);
		assert_int_equal(add_txq(&d, qgrp, cfg.num_queues, pr.vsi, &t), AQ_RC_EINVAL);
		assert_int_equal(add_txq(&d, pr.vsi_nodes[4], 1, pr.vsi, &t), AQ_RC_EINVAL);
		assert_int_equal(add_txq(&d, qgrp, 1, 0x3fe, &t), AQ_RC_EINVAL);
	}
	/* set_rx_mode: a multicast address. */
	{
		static const uint8_t mc[6] = { 0x33, 0x33, 0, 0, 0, 1 };

		assert_int_equal(add_mac_rule(&d, pr.vsi, mc, &mc_rule), 0);
	}
	/* Link down on the backend: a link status event, then the driver's query. */
	e810_aq_set_link(d.aq, false);
	assert_int_equal(drv_event(&d, &opc, ev, &len, &flags), 0);
	assert_int_equal(opc, AQC_GET_LINK_STATUS);
	assert_int_equal(len, LSD_SIZE);
	assert_true(flags & AQ_FLAG_DD);
	assert_false(flags & AQ_FLAG_ERR);
	assert_false(ev[LSD_LINK_INFO] & LI_LINK_UP);
	assert_true(d.notifies >= 1);
	link_status(&d, GLS_LSE_ENA, ls, &lse);
	assert_false(ls[LSD_LINK_INFO] & LI_LINK_UP);
	e810_aq_set_link(d.aq, true);
	assert_int_equal(drv_event(&d, &opc, ev, &len, &flags), 0);
	assert_true(ev[LSD_LINK_INFO] & LI_LINK_UP);
	assert_int_equal(g16(ev + LSD_LINK_SPEED), LINK_SPEED_100GB);
	assert_int_equal(drv_event(&d, &opc, ev, &len, &flags), -1);
	/* ice_force_phys_link_state(false), then up again: set_phy_cfg with auto update. */
	{
		uint8_t c[SPCD_SIZE];

		caps_to_cfg(pr.pcaps_topo, c);
		c[SPCD_CAPS] = (uint8_t)((c[SPCD_CAPS] & PHY_ENA_VALID_M & ~PHY_ENA_LINK) |
					 PHY_ENA_AUTO_LINK_UPDT);
		clr();
		assert_int_equal(drv_cmd(&d, AQC_SET_PHY_CFG, prm, c, sizeof(c), true, NULL), 0);
		assert_false(e810_aq_link_up(d.aq));
		assert_int_equal(drv_event(&d, &opc, ev, &len, &flags), 0);
		assert_false(ev[LSD_LINK_INFO] & LI_LINK_UP);
		c[SPCD_CAPS] |= PHY_ENA_LINK;
		clr();
		assert_int_equal(drv_cmd(&d, AQC_SET_PHY_CFG, prm, c, sizeof(c), true, NULL), 0);
		assert_true(e810_aq_link_up(d.aq));
		assert_int_equal(drv_event(&d, &opc, ev, &len, &flags), 0);
		assert_true(ev[LSD_LINK_INFO] & LI_LINK_UP);
		/* A PHY type the port does not have. */
		p64(c, 1ull << 2);
		clr();
		assert_int_equal(drv_cmd(&d, AQC_SET_PHY_CFG, prm, c, sizeof(c), true, NULL), AQ_RC_EINVAL);
	}
	/* ice_down: the queue goes, its leaf with it. */
	assert_int_equal(dis_txq(&d, qgrp, 0), 0);
	assert_null(e810_aq_txq_find(d.aq, 0));
	{
		uint8_t e[24] = { 0 };

		clr();
		p16(prm + SE_NUM_ELEM_REQ, 1);
		p32(e + 4, q0);
		assert_int_equal(drv_cmd(&d, AQC_GET_SCHED_ELEMS, prm, e, sizeof(e), true, NULL),
				 AQ_RC_ENOENT);
	}
	assert_int_equal(dis_txq(&d, qgrp, 0), AQ_RC_ENOENT);
	/* ice_remove: filters, the prune list, the VSI's scheduler nodes, the VSI,
	 * the FD counter, then q_shutdown and the queues down. */
	assert_int_equal(remove_rule(&d, mc_rule), 0);
	assert_int_equal(remove_rule(&d, pr.rule_uc), 0);
	assert_int_equal(remove_rule(&d, pr.rule_bc), 0);
	assert_int_equal(remove_rule(&d, vlan_rule), 0);
	assert_int_equal(remove_rule(&d, vlan_rule), AQ_RC_ENOENT);
	{
		uint8_t r[6] = { 0 };

		clr();
		p16(prm + AR_NUM_ENTRIES, 1);
		p16(r + ARB_RES_TYPE, RES_TYPE_VSI_LIST_PRUNE);
		p16(r + ARB_NUM_ELEMS, 1);
		p16(r + ARB_ELEMS, list);
		assert_int_equal(drv_cmd(&d, AQC_FREE_RES, prm, r, sizeof(r), true, NULL), 0);
		assert_int_equal(drv_cmd(&d, AQC_FREE_RES, prm, r, sizeof(r), true, NULL), AQ_RC_ENOENT);
	}
	/* A node with children cannot go first. */
	assert_int_equal(sched_delete(&d, pr.tc, pr.vsi_nodes[0]), AQ_RC_EBUSY);
	for (int l = 5; l >= 0; l--)
		assert_int_equal(sched_delete(&d, l ? pr.vsi_nodes[l - 1] : pr.tc, pr.vsi_nodes[l]), 0);
	assert_int_equal(sched_delete(&d, pr.root, pr.tc), AQ_RC_EPERM);
	clr();
	p16(prm + VC_VSI_NUM, pr.vsi | VSI_IS_VALID);
	assert_int_equal(drv_cmd(&d, AQC_FREE_VSI, prm, NULL, 0, false, NULL), 0);
	assert_int_equal(g16(prm + VR_VSI_USED), 0);
	assert_int_equal(drv_cmd(&d, AQC_FREE_VSI, prm, NULL, 0, false, NULL), AQ_RC_ENOENT);
	{
		uint8_t r[6] = { 0 };

		clr();
		p16(prm + AR_NUM_ENTRIES, 1);
		p16(r + ARB_RES_TYPE, RES_TYPE_FDIR_COUNTER_BLOCK);
		p16(r + ARB_NUM_ELEMS, 1);
		p16(r + ARB_ELEMS, pr.fd_ctr);
		assert_int_equal(drv_cmd(&d, AQC_FREE_RES, prm, r, sizeof(r), true, NULL), 0);
	}
	clr();
	prm[QS_FLAGS] = QS_DRIVER_UNLOADING;
	assert_int_equal(drv_cmd(&d, AQC_Q_SHUTDOWN, prm, NULL, 0, false, NULL), 0);
	assert_true(e810_aq_state(d.aq)->driver_unloading);
	drv_queues_down(&d);
	assert_int_equal(e810_aq_state(d.aq)->nvsi, 0);
	assert_int_equal(e810_aq_state(d.aq)->nrules, 0);
	assert_int_equal(e810_aq_state(d.aq)->ntxq, 0);
	/* rmmod's PF reset and a new modprobe: the same probe again. */
	e810_aq_reset(d.aq);
	probe_61(&d, &pr, &cfg);
	drv_fini(&d);
}

/* ---- a DDP file that is no package: the package path must end in safe mode -------- */

static void test_ddp_path_safe_mode(void **state)
{
	struct drv d;
	uint8_t info[4 + 4 * 48], *pkg = calloc(1, 4096);

	(void)state;
	drv_init(&d, NULL);
	drv_queues_up(&d, 64);
	/* ice_chk_pkg_compat: an empty list (no package in the NVM) passes. */
	memset(info, 0xee, sizeof(info));
	clr();
	assert_int_equal(drv_cmd(&d, AQC_GET_PKG_INFO_LIST, prm, info, sizeof(info), false, NULL), 0);
	assert_int_equal(g32(info + PKG_INFO_COUNT), 0);
	/* ice_acquire_global_cfg_lock: "go ahead" (not "already done"). */
	clr();
	p16(prm + RR_RES_ID, RES_ID_GLBL_LOCK);
	p16(prm + RR_ACCESS, RES_ACCESS_WRITE);
	assert_int_equal(drv_cmd(&d, AQC_REQ_RES, prm, NULL, 0, false, NULL), 0);
	assert_int_equal(g16(prm + RR_STATUS), RES_GLBL_SUCCESS);
	/* A buffer that is no package buffer (no sections) is refused:
	 * ICE_DDP_PKG_ERR, "Entering Safe Mode". */
	clr();
	prm[0] = 0x01;
	assert_int_equal(drv_cmd(&d, AQC_DOWNLOAD_PKG, prm, pkg, 4096, true, NULL), AQ_RC_EINVAL);
	assert_false(e810_aq_pkg(d.aq)->loaded);
	clr();
	p16(prm + RR_RES_ID, RES_ID_GLBL_LOCK);
	assert_int_equal(drv_cmd(&d, AQC_RELEASE_RES, prm, NULL, 0, false, NULL), 0);
	/* ice_post_pkg_dwnld_vlan_mode_cfg: get_vlan_mode fails -> single VLAN mode. */
	{
		uint8_t vm[100];

		clr();
		assert_int_equal(drv_cmd(&d, AQC_GET_VLAN_MODE, prm, vm, sizeof(vm), false, NULL),
				 AQ_RC_ENOSYS);
	}
	/* What only a loaded package allows. */
	clr();
	assert_int_equal(drv_cmd(&d, AQC_UPDATE_PKG, prm, pkg, 4096, true, NULL), AQ_RC_EMODE);
	clr();
	assert_int_equal(drv_cmd(&d, AQC_GET_RECIPE, prm, pkg, 4096, false, NULL), AQ_RC_EMODE);
	/* Double VLAN is not offered. */
	clr();
	p16(prm + SPP_CMD_FLAGS, SPP_DOUBLE_VLAN);
	assert_int_equal(drv_cmd(&d, AQC_SET_PORT_PARAMS, prm, NULL, 0, false, NULL), AQ_RC_EINVAL);
	free(pkg);
	drv_fini(&d);
}

/* ---- newer drivers (6.3+, 7.x) ------------------------------------------------------ */

static void test_newer_driver_reads(void **state)
{
	struct drv d;
	struct probe pr;
	struct e810_aq_config cfg;
	uint8_t b[LSD_SIZE + 32];

	(void)state;
	e810_aq_config_default(&cfg);
	drv_init(&d, &cfg);
	probe_61(&d, &pr, &cfg);
	/* ice_determine_css_hdr_len: words 2/3 of both NVM banks, in dwords, +8. */
	for (unsigned bank = 0; bank < 2; bank++) {
		uint32_t base = pr.nvm_ptr + bank * pr.nvm_size;
		uint32_t len = flash_word(&d, base + 4) | (uint32_t)flash_word(&d, base + 6) << 16;
		uint32_t words = len * 2 + 8;
		uint32_t sr_copy = (words + 31) / 32 * 32;
		uint16_t ver = flash_word(&d, base + 2 * (sr_copy + 0x18));

		assert_int_equal(words, 330);
		assert_int_equal(ver >> 12, cfg.nvm_major);
	}
	/* ice_is_pf_c827: get_link_topo for the PHY node: none. */
	clr();
	prm[2] = (uint8_t)(0 | 2 << 4);
	assert_int_equal(drv_cmd(&d, AQC_GET_LINK_TOPO, prm, NULL, 0, false, NULL), AQ_RC_ENOENT);
	/* ice_fwlog_init (0xff32 query), health status (0xff20+), Tx topology (0x0418). */
	clr();
	assert_int_equal(drv_cmd(&d, 0xff32, prm, b, 64, false, NULL), AQ_RC_ENOSYS);
	clr();
	assert_int_equal(drv_cmd(&d, 0xff20, prm, NULL, 0, false, NULL), AQ_RC_ENOSYS);
	clr();
	assert_int_equal(drv_cmd(&d, 0x0418, prm, b, 64, false, NULL), AQ_RC_ENOSYS);
	/* A longer link status buffer: the 32 bytes of E810 come back. */
	clr();
	p16(prm + GLS_CMD_FLAGS, GLS_LSE_ENA);
	assert_int_equal(drv_cmd(&d, AQC_GET_LINK_STATUS, prm, b, sizeof(b), false, NULL), 0);
	assert_int_equal(d.datalen, LSD_SIZE);
	drv_fini(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_probe_61),
		cmocka_unit_test(test_probe_61_small),
		cmocka_unit_test(test_open_close_remove),
		cmocka_unit_test(test_ddp_path_safe_mode),
		cmocka_unit_test(test_newer_driver_reads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
