// SPDX-License-Identifier: GPL-2.0-or-later
/* The admin queue sweep's table: see e810_sweep.h. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "e810_sweep.h"

#include <string.h>

#include "e810_drv.h"
#include "e810_probe.h"

/* Fills a request that is well formed for opc; returns the expected retval. */
int e810_sweep_build(struct e810_sweep *s, uint16_t opc, uint8_t *p, uint8_t *b, uint16_t *len,
		     bool *rd)
{
	*len = 0;
	*rd = false;
	switch (opc) {
	case AQC_GET_VER: case AQC_GET_EXP_ERR: case AQC_Q_SHUTDOWN: case AQC_CLEAR_PXE:
	case AQC_SET_PORT_PARAMS: case AQC_CLEAR_PF_CFG: case AQC_LLDP_STOP: case AQC_SET_MAC_LB:
	case AQC_SET_PORT_ID_LED:
		return 0;
	case AQC_DRIVER_VER:
		memcpy(b, "sweep", 5);
		*len = 5;
		*rd = true;
		return 0;
	case AQC_REQ_RES: case AQC_RELEASE_RES:
		p16(p + RR_RES_ID, RES_ID_NVM);
		p16(p + RR_ACCESS, RES_ACCESS_READ);
		return 0;
	case AQC_LIST_FUNC_CAPS: case AQC_LIST_DEV_CAPS: case AQC_GET_SW_CFG: case AQC_GET_DFLT_TOPO:
		*len = 4096;
		return 0;
	case AQC_MANAGE_MAC_READ:
		*len = 16;
		return 0;
	case AQC_MANAGE_MAC_WRITE:
		memcpy(p + MMW_MAC, s->mac, 6);
		return 0;
	case AQC_ALLOC_RES:
		p16(p + AR_NUM_ENTRIES, 1);
		p16(b + ARB_RES_TYPE, RES_TYPE_VSI_LIST_REP);
		p16(b + ARB_NUM_ELEMS, 1);
		*len = 6;
		*rd = true;
		return 0;
	case AQC_FREE_RES:
		p16(p + AR_NUM_ENTRIES, 1);
		p16(b + ARB_RES_TYPE, RES_TYPE_VSI_LIST_REP);
		p16(b + ARB_NUM_ELEMS, 1);
		p16(b + ARB_ELEMS, s->res_id);
		*len = 6;
		*rd = true;
		return 0;
	case AQC_ADD_VSI: case AQC_UPDATE_VSI:
		vsi_props(b, 0, 1);
		if (opc == AQC_UPDATE_VSI)
			p16(p + VC_VSI_NUM, s->vsi_b | VSI_IS_VALID);
		else
			p16(p + VC_VSI_FLAGS, 1);
		*len = 128;
		*rd = true;
		return 0;
	case AQC_GET_VSI:
		p16(p + VC_VSI_NUM, s->vsi_b | VSI_IS_VALID);
		*len = 128;
		return 0;
	case AQC_FREE_VSI:
		p16(p + VC_VSI_NUM, s->vsi_b | VSI_IS_VALID);
		return 0;
	case AQC_ADD_RECIPE: /* a recipe on ID 10 (without a package: EMODE) */
		p16(p + RCP_NUM_SUB, 1);
		b[RCP_RID] = 10;
		b[RCP_CONTENT_RID] = 10 | RCP_IS_ROOT;
		*len = 64;
		*rd = true;
		return AQ_RC_EMODE;
	case AQC_GET_RECIPE:
		p16(p + RCP_RETURN_INDEX, 10);
		*len = 64 * 64;
		return AQ_RC_EMODE;
	case AQC_ADD_SW_RULES: case AQC_UPDATE_SW_RULES: case AQC_REMOVE_SW_RULES:
		p16(p + SR_NUM_RULES, 1);
		p16(b + SRE_TYPE, SW_RULE_LKUP_TX);
		p16(b + SRL_RECIPE, 1);
		p16(b + SRL_SRC, s->vsi);
		p32(b + SRL_ACT, ACT_VALID | (uint32_t)s->vsi << ACT_VSI_ID_S);
		if (opc == AQC_ADD_SW_RULES) {
			p16(b + SRL_HDR_LEN, 16);
			memcpy(b + SRL_HDR, "\x02\0\0\0\0\x07", 6);
		} else {
			p16(b + SRL_INDEX, s->rule);
		}
		*len = 32;
		*rd = true;
		return 0;
	case AQC_ADD_SCHED_ELEMS:
		/* X at layer 6 under the default layer-5 node, Y at 7 under layer 6. */
		p16(p + SE_NUM_ELEM_REQ, 2);
		p32(b + 0, 5);
		p16(b + 4, 1);
		p32(b + 8, 5);
		b[16] = ELEM_TYPE_SE_GENERIC;
		p32(b + 32, 6);
		p16(b + 36, 1);
		p32(b + 40, 6);
		b[48] = ELEM_TYPE_SE_GENERIC;
		*len = 64;
		*rd = true;
		return 0;
	case AQC_CFG_SCHED_ELEMS: case AQC_GET_SCHED_ELEMS:
		p16(p + SE_NUM_ELEM_REQ, 1);
		p32(b + 4, s->node_y);
		b[8 + 1] = ELEM_VALID_GENERIC;
		*len = 24;
		*rd = true;
		return 0;
	case AQC_MOVE_SCHED_ELEMS:
		p16(p + SE_NUM_ELEM_REQ, 1);
		p32(b + 0, 6);
		p32(b + 4, s->node_x);
		p16(b + 8, 1);
		p32(b + 12, s->node_y);
		*len = 16;
		*rd = true;
		return 0;
	case AQC_SUSPEND_SCHED_ELEMS: case AQC_RESUME_SCHED_ELEMS:
		p16(p + SE_NUM_ELEM_REQ, 1);
		p32(b, s->node_y);
		*len = 4;
		*rd = true;
		return 0;
	case AQC_DELETE_SCHED_ELEMS:
		p16(p + SE_NUM_ELEM_REQ, 1);
		p32(b + 0, s->node_x);
		p16(b + 4, 1);
		p32(b + 8, s->node_y);
		*len = 12;
		*rd = true;
		return 0;
	case AQC_QUERY_SCHED_RES:
		*len = QSR_SIZE;
		return 0;
	case AQC_GET_PHY_CAPS:
		p16(p + GPC_PARAM0, GPC_MODE_TOPO);
		*len = PCD_SIZE;
		return 0;
	case AQC_SET_PHY_CFG:
		caps_to_cfg(s->pcaps_topo, b);
		b[SPCD_CAPS] = PHY_ENA_LINK | PHY_ENA_AUTO_LINK_UPDT;
		*len = SPCD_SIZE;
		*rd = true;
		return 0;
	case AQC_SET_MAC_CFG:
		p16(p + SMC_MAX_FRAME, MAX_FRAME_SIZE);
		return 0;
	case AQC_RESTART_AN:
		p[RAN_CMD_FLAGS] = RAN_LINK_RESTART | RAN_LINK_ENABLE;
		return 0;
	case AQC_GET_LINK_STATUS:
		*len = LSD_SIZE;
		return 0;
	case AQC_SET_EVENT_MASK:
		p16(p + SEM_MASK, 0xfff9);
		return 0;
	case AQC_NVM_READ:
		p16(p + NVM_LENGTH, 2);
		*len = 2;
		return 0;
	case AQC_NVM_CHECKSUM:
		p[NVM_CK_FLAGS] = NVM_CK_VERIFY;
		return 0;
	case AQC_LLDP_START:
		p[LLDP_CMD] = LLDP_AGENT_START;
		return 0;
	case AQC_SET_RSS_KEY:
		p16(p + RSS_VSI_ID, s->vsi | RSS_VSI_VALID);
		for (unsigned i = 0; i < RSS_KEY_SIZE; i++)
			b[i] = (uint8_t)(i * 7 + 1);
		*len = RSS_KEY_SIZE;
		*rd = true;
		return 0;
	case AQC_GET_RSS_KEY:
		p16(p + RSS_VSI_ID, s->vsi | RSS_VSI_VALID);
		*len = RSS_KEY_SIZE;
		return 0;
	case AQC_SET_RSS_LUT: case AQC_GET_RSS_LUT:
		p16(p + RSS_VSI_ID, s->vsi | RSS_VSI_VALID);
		p16(p + RSS_LUT_FLAGS, RSS_LUT_TYPE_VSI);
		for (unsigned i = 0; i < RSS_LUT_VSI_SIZE; i++)
			b[i] = (uint8_t)(i % 4);
		*len = RSS_LUT_VSI_SIZE;
		*rd = opc == AQC_SET_RSS_LUT;
		return 0;
	case AQC_ADD_TXQS:
		p[ATQ_NUM_QGRPS] = 1;
		p32(b + 0, 7); /* the default queue group node */
		b[4] = 1;
		p16(b + 8 + TXQ_ID, 0);
		tx_ctx(b + 8 + TXQ_CTX, s->scratch, s->vsi, 0);
		*len = 56;
		*rd = true;
		return 0;
	case AQC_DIS_TXQS:
		p[DTQ_NUM_ENTRIES] = 1;
		p32(b + 0, 7);
		b[4] = 1;
		p16(b + 6, 0);
		*len = 8;
		*rd = true;
		return 0;
	case AQC_GET_PKG_INFO_LIST:
		*len = 4 + 4 * 48;
		return 0;
	case AQC_DOWNLOAD_PKG: case AQC_UPLOAD_SECTION: case AQC_UPDATE_PKG:
		/* A well-formed package buffer (one section of 16 bytes), but
		 * no global config lock for the download and no package loaded
		 * for the others (aq_ddp.c). */
		p16(b + PKG_BUF_SECT_COUNT, 1);
		p16(b + PKG_BUF_DATA_END, 12 + 16);
		p32(b + PKG_BUF_ENTRIES, opc == AQC_DOWNLOAD_PKG ? PKG_SID_METADATA :
			PKG_SID_RXPARSER_META_INIT);
		p16(b + PKG_BUF_ENTRIES + 4, 12);
		p16(b + PKG_BUF_ENTRIES + 6, 16);
		*len = opc == AQC_DOWNLOAD_PKG ? 4096 : 12 + 16;
		*rd = true;
		return opc == AQC_DOWNLOAD_PKG ? AQ_RC_EPERM : AQ_RC_EMODE;
	/* Known, refused by design (see the handlers): */
	case AQC_SET_VLAN_MODE: case AQC_GET_VLAN_MODE:
		return AQ_RC_ENOSYS;
	case AQC_RECIPE_TO_PROFILE: case AQC_GET_RECIPE_TO_PROFILE:
		return AQ_RC_EMODE;
	case AQC_GET_LINK_TOPO:
		return AQ_RC_ENOENT;
	case AQC_NVM_ERASE: case AQC_NVM_WRITE: case AQC_NVM_WRITE_ACTIVATE: case AQC_NVM_UPDATE_EMPR:
	case AQC_NVM_PKG_DATA: case AQC_NVM_PASS_COMP_TBL:
	case AQC_LLDP_GET_MIB: case AQC_LLDP_SET_MIB_CHANGE: case AQC_GET_CEE_DCB_CFG:
	case AQC_LLDP_SET_LOCAL_MIB: case AQC_LLDP_AGENT_CTRL: case AQC_LLDP_FILTER_CTRL:
		return AQ_RC_EPERM;
	default:
		return -1; /* not a command this firmware knows */
	}
}

/* What a command left behind that later ones need. */
void e810_sweep_after(struct e810_sweep *s, uint16_t opc, const uint8_t *p, const uint8_t *b)
{
	switch (opc) {
	case AQC_ALLOC_RES:
		s->res_id = g16(b + ARB_ELEMS);
		break;
	case AQC_ADD_VSI:
		s->vsi_b = g16(p + VR_VSI_NUM);
		break;
	case AQC_ADD_SW_RULES:
		s->rule = g16(b + SRL_INDEX);
		break;
	case AQC_CLEAR_PF_CFG:
		/* Everything is gone: the PF VSI again for the commands that follow. */
		assert_int_equal(s->add_pf_vsi(s->arg, &s->vsi), 0);
		break;
	case AQC_GET_PHY_CAPS:
		memcpy(s->pcaps_topo, b, PCD_SIZE); /* for set_phy_cfg */
		break;
	case AQC_ADD_SCHED_ELEMS:
		s->node_x = g32(b + 12);
		s->node_y = g32(b + 44);
		break;
	case AQC_GET_RSS_KEY:
		for (unsigned i = 0; i < RSS_KEY_SIZE; i++)
			assert_int_equal(b[i], (uint8_t)(i * 7 + 1));
		break;
	case AQC_GET_RSS_LUT:
		for (unsigned i = 0; i < RSS_LUT_VSI_SIZE; i++)
			assert_int_equal(b[i], i % 4);
		break;
	default:
		break;
	}
}
