// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * E810 admin commands, general area: versions, driver version, queue
 * shutdown, resource ownership, capabilities, MAC addresses, PXE, LLDP
 * agent; and the opcode lookup over every area's table.
 *
 * The DDP package commands are in aq_ddp.c; the global config lock
 * (req_res res_id 4) answers from the package state there.
 */
#include <errno.h>
#include <string.h>

#include "dev/e810/aq_priv.h"

/* ---- versions ----------------------------------------------------------------- */

static uint16_t h_get_ver(struct e810_aq *aq, struct e810_aq_ctx *c)
{
	uint8_t *p = prm(c);
	const struct e810_aq_config *cfg = &aq->cfg;

	memset(p, 0, 16);
	put_le32(p + GV_ROM_VER, 0);
	put_le32(p + GV_FW_BUILD, cfg->fw_build);
	p[GV_FW_BRANCH + 0] = 0;
	p[GV_FW_BRANCH + 1] = cfg->fw_major;
	p[GV_FW_BRANCH + 2] = cfg->fw_minor;
	p[GV_FW_BRANCH + 3] = cfg->fw_patch;
	p[GV_FW_BRANCH + 4] = 0;
	p[GV_FW_BRANCH + 5] = cfg->api_major;
	p[GV_FW_BRANCH + 6] = cfg->api_minor;
	p[GV_FW_BRANCH + 7] = cfg->api_patch;
	return AQ_RC_OK;
}

/* The driver sends its version and up to 32 bytes of ASCII (ice_send_version). */
static uint16_t h_driver_ver(struct e810_aq *aq, struct e810_aq_ctx *c)
{
	struct e810_aq_state *st = &aq->st;
	unsigned i, n = 0;

	memcpy(st->driver_ver, prm(c) + DV_MAJOR, 4);
	for (i = 0; i < c->buf_len && i < DV_STRING_MAX; i++) {
		uint8_t ch = c->buf[i];

		if (!ch)
			break;
		st->driver_string[n++] = (ch >= 0x20 && ch < 0x7f) ? (char)ch : '?';
	}
	st->driver_string[n] = '\0';
	st->driver_ver_set = true;
	return AQ_RC_OK;
}

static uint16_t h_q_shutdown(struct e810_aq *aq, struct e810_aq_ctx *c)
{
	aq->st.shutdown = true;
	aq->st.driver_unloading = prm(c)[QS_FLAGS] & QS_DRIVER_UNLOADING;
	return AQ_RC_OK;
}

/* Expanded error code: this firmware keeps none. */
static uint16_t h_get_exp_err(struct e810_aq *aq, struct e810_aq_ctx *c)
{
	(void)aq;
	memset(prm(c), 0, 16);
	return AQ_RC_OK;
}

/* ---- resource ownership -------------------------------------------------------- */

static uint16_t h_req_res(struct e810_aq *aq, struct e810_aq_ctx *c)
{
	uint8_t *p = prm(c);
	uint16_t res = le16_at(p + RR_RES_ID), access = le16_at(p + RR_ACCESS);
	uint32_t timeout;

	if (res < RES_ID_NVM || res > RES_ID_GLBL_LOCK)
		return AQ_RC_EINVAL;
	if (access != RES_ACCESS_READ && access != RES_ACCESS_WRITE)
		return AQ_RC_EINVAL;
	switch (res) {
	case RES_ID_NVM:
		timeout = access == RES_ACCESS_READ ? 3000 : 180000;
		break;
	case RES_ID_CHNG_LOCK:
		timeout = 1000;
		break;
	default:
		timeout = 3000;
		break;
	}
	put_le32(p + RR_TIMEOUT, timeout);
	put_le16(p + RR_STATUS, RES_GLBL_SUCCESS);
	if (res == RES_ID_GLBL_LOCK) {
		/* The package state decides: go ahead, in progress (held and
		 * not released) or already loaded (nothing to do, not held). */
		uint16_t status = e810_aq_pkg_lock(aq);

		put_le16(p + RR_STATUS, status);
		if (status != RES_GLBL_SUCCESS) {
			if (status == RES_GLBL_DONE)
				put_le32(p + RR_TIMEOUT, 0);
			return AQ_RC_OK;
		}
	}
	/* One function: the other locks are always free. */
	aq->st.res_held |= (uint8_t)(1u << res);
	return AQ_RC_OK;
}

static uint16_t h_release_res(struct e810_aq *aq, struct e810_aq_ctx *c)
{
	uint16_t res = le16_at(prm(c) + RR_RES_ID);

	if (res < RES_ID_NVM || res > RES_ID_GLBL_LOCK)
		return AQ_RC_EINVAL;
	if (res == RES_ID_GLBL_LOCK && (aq->st.res_held & (1u << res)))
		e810_aq_pkg_unlock(aq);
	aq->st.res_held &= (uint8_t)~(1u << res);
	return AQ_RC_OK;
}

/* ---- capabilities ------------------------------------------------------------ */

struct cap {
	uint16_t id;
	uint32_t number, logical, phys;
};

/*
 * What the driver needs (ice_parse_common_caps & co.): the valid functions
 * bitmap (guar_num_vsi = 768 / popcount, probe fails with 0), the VSI
 * capability (in the function list it is what sets guar_num_vsi), queues
 * and vectors with their first absolute index, the RSS table (size, entry
 * width: the PF spreads over at most 2^width queues), the flow director
 * (its table sizes in GLQF_FD_SIZE; in full mode 7.x sets the flow director
 * up with or without it, and without it tears it down wrong) and the max
 * MTU. Left out on purpose: DCB, 1588, RDMA, SR-IOV and the NVM management
 * capabilities.
 */
static unsigned caps_fill(const struct e810_aq *aq, struct cap *out)
{
	const struct e810_aq_config *cfg = &aq->cfg;
	unsigned n = 0;

	out[n++] = (struct cap){ CAPS_VALID_FUNCTIONS, 1u << cfg->pf_id, 0, 0 };
	out[n++] = (struct cap){ CAPS_VSI, E810_AQ_MAX_VSI, 0, 0 };
	out[n++] = (struct cap){ CAPS_RSS, RSS_LUT_MAX, 7, 0 };
	out[n++] = (struct cap){ CAPS_RXQS, cfg->num_queues, 0, 0 };
	out[n++] = (struct cap){ CAPS_TXQS, cfg->num_queues, 0, 0 };
	out[n++] = (struct cap){ CAPS_MSIX, cfg->num_msix, 0, 0 };
	out[n++] = (struct cap){ CAPS_FD, E810_AQ_FD_GUAR + E810_AQ_FD_BEST, 0, 0 };
	out[n++] = (struct cap){ CAPS_MAX_MTU, MAX_FRAME_SIZE, 0, 0 };
	return n;
}

static uint16_t h_list_caps(struct e810_aq *aq, struct e810_aq_ctx *c)
{
	struct cap caps[8];
	unsigned n = caps_fill(aq, caps);
	uint16_t need = (uint16_t)(n * CAP_ELEM_SIZE);

	put_le32(prm(c) + LC_COUNT, n);
	if (c->buf_len < need) {
		/* Too small: the count and the size needed come back with ENOMEM. */
		c->datalen = need;
		return AQ_RC_ENOMEM;
	}
	for (unsigned i = 0; i < n; i++) {
		uint8_t *e = c->buf + i * CAP_ELEM_SIZE;

		memset(e, 0, CAP_ELEM_SIZE);
		put_le16(e + CAP_CAP, caps[i].id);
		e[CAP_MAJOR] = 1;
		put_le32(e + CAP_NUMBER, caps[i].number);
		put_le32(e + CAP_LOGICAL_ID, caps[i].logical);
		put_le32(e + CAP_PHYS_ID, caps[i].phys);
	}
	aq_reply(c, need);
	return AQ_RC_OK;
}

/* ---- MAC address, PXE ------------------------------------------------------------ */

static uint16_t h_mac_read(struct e810_aq *aq, struct e810_aq_ctx *c)
{
	uint8_t *p = prm(c), *e = c->buf;

	put_le16(p + MMR_FLAGS, MMR_LAN_ADDR_VALID | MMR_PORT_ADDR_VALID);
	p[MMR_NUM_ADDR] = 1;
	e[0] = 0; /* logical port */
	e[1] = 0; /* LAN address */
	memcpy(e + 2, aq->st.mac, 6);
	aq_reply(c, MMR_ELEM_SIZE);
	return AQ_RC_OK;
}

/* Sets the locally administered address (and WoL's), kept across PF resets. */
static uint16_t h_mac_write(struct e810_aq *aq, struct e810_aq_ctx *c)
{
	static const uint8_t zero[6];
	const uint8_t *p = prm(c);
	uint8_t type = p[MMW_FLAGS] >> 6;

	if (type > 1)
		return AQ_RC_EINVAL;
	if ((p[MMW_MAC] & 1) || !memcmp(p + MMW_MAC, zero, 6))
		return AQ_RC_EINVAL;
	memcpy(aq->st.mac, p + MMW_MAC, 6);
	return AQ_RC_OK;
}

static uint16_t h_clear_pxe(struct e810_aq *aq, struct e810_aq_ctx *c)
{
	(void)c;
	aq->st.pxe_cleared = true;
	return AQ_RC_OK;
}

/* ---- LLDP agent ------------------------------------------------------------------ */

/* This firmware sends no LLDPDUs: stopping and starting its agent is a flag. */
static uint16_t h_lldp_stop(struct e810_aq *aq, struct e810_aq_ctx *c)
{
	(void)c;
	aq->st.lldp_agent_running = false;
	return AQ_RC_OK;
}

static uint16_t h_lldp_start(struct e810_aq *aq, struct e810_aq_ctx *c)
{
	if (!(prm(c)[LLDP_CMD] & LLDP_AGENT_START))
		return AQ_RC_EINVAL;
	aq->st.lldp_agent_running = true;
	return AQ_RC_OK;
}

/* No DCBX/LLDP MIB: DCB init fails cleanly and DCB stays off (FM only). */
static uint16_t h_eperm(struct e810_aq *aq, struct e810_aq_ctx *c)
{
	(void)aq;
	(void)c;
	return AQ_RC_EPERM;
}

const struct e810_aq_cmd e810_aq_cmds_gen[] = {
	{ AQC_GET_VER, 0, 0, 0, h_get_ver, "get_ver" },
	{ AQC_DRIVER_VER, AQF_BUF | AQF_IN, 1, DV_STRING_MAX, h_driver_ver, "driver_ver" },
	{ AQC_Q_SHUTDOWN, 0, 0, 0, h_q_shutdown, "q_shutdown" },
	{ AQC_GET_EXP_ERR, 0, 0, 0, h_get_exp_err, "get_exp_err" },
	{ AQC_REQ_RES, 0, 0, 0, h_req_res, "req_res" },
	{ AQC_RELEASE_RES, 0, 0, 0, h_release_res, "release_res" },
	{ AQC_LIST_FUNC_CAPS, AQF_BUF, 1, 0, h_list_caps, "list_func_caps" },
	{ AQC_LIST_DEV_CAPS, AQF_BUF, 1, 0, h_list_caps, "list_dev_caps" },
	{ AQC_MANAGE_MAC_READ, AQF_BUF, MMR_ELEM_SIZE, 0, h_mac_read, "manage_mac_read" },
	{ AQC_MANAGE_MAC_WRITE, 0, 0, 0, h_mac_write, "manage_mac_write" },
	{ AQC_CLEAR_PXE, 0, 0, 0, h_clear_pxe, "clear_pxe_mode" },
	{ AQC_LLDP_GET_MIB, 0, 0, 0, h_eperm, "lldp_get_mib" },
	{ AQC_LLDP_SET_MIB_CHANGE, 0, 0, 0, h_eperm, "lldp_set_mib_change" },
	{ AQC_LLDP_STOP, 0, 0, 0, h_lldp_stop, "lldp_stop" },
	{ AQC_LLDP_START, 0, 0, 0, h_lldp_start, "lldp_start" },
	{ AQC_GET_CEE_DCB_CFG, 0, 0, 0, h_eperm, "get_cee_dcb_cfg" },
	{ AQC_LLDP_SET_LOCAL_MIB, 0, 0, 0, h_eperm, "lldp_set_local_mib" },
	{ AQC_LLDP_AGENT_CTRL, 0, 0, 0, h_eperm, "lldp_agent_ctrl" },
	{ AQC_LLDP_FILTER_CTRL, 0, 0, 0, h_eperm, "lldp_filter_ctrl" },
	{ 0, 0, 0, 0, NULL, NULL },
};

const struct e810_aq_cmd *e810_aq_cmd_lookup(uint16_t opcode)
{
	static const struct e810_aq_cmd *const tables[] = {
		e810_aq_cmds_gen, e810_aq_cmds_sw, e810_aq_cmds_sched,
		e810_aq_cmds_phy, e810_aq_cmds_nvm, e810_aq_cmds_ddp, e810_aq_cmds_recipe,
	};

	for (unsigned t = 0; t < sizeof(tables) / sizeof(tables[0]); t++)
		for (const struct e810_aq_cmd *c = tables[t]; c->fn; c++)
			if (c->opcode == opcode)
				return c;
	return NULL;
}
