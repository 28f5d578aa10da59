// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * E810 admin commands, PHY/link and RSS area: PHY capabilities (media
 * topology, NVM, active and default configuration), PHY and MAC
 * configuration, auto-negotiation restart, link status with link status
 * events, the event mask, MAC loopback, the port identification LED, the
 * link topology (no nodes), and the RSS key and lookup table of a VSI.
 *
 * The port is one direct-attach PHY type at the configured speed (100G:
 * 100GBASE-CR4), auto-negotiated, without pause or FEC. What the driver does
 * with the answers (ice_aq_get_link_info, ice_init_phy_user_cfg,
 * ice_configure_phy, ice_force_phys_link_state): it compares the ACTIVE_CFG
 * answer with its own configuration and sends set_phy_cfg (with
 * AUTO_LINK_UPDT, so that it applies at once) only when they differ; link
 * comes up when the backend has carrier and the PHY link is enabled.
 */
#include <string.h>

#include "dev/e810/aq_priv.h"

void e810_aq_phy_init(struct e810_aq *aq)
{
	struct e810_aq_link *l = &aq->st.link;
	unsigned bit;

	memset(l, 0, sizeof(*l));
	switch (aq->cfg.link_speed_mbps) {
	case 10000: l->speed = LINK_SPEED_10GB; bit = PHY_LOW_10G_SFI_DA; break;
	case 25000: l->speed = LINK_SPEED_25GB; bit = PHY_LOW_25GBASE_CR; break;
	case 40000: l->speed = LINK_SPEED_40GB; bit = PHY_LOW_40GBASE_CR4; break;
	case 50000: l->speed = LINK_SPEED_50GB; bit = PHY_LOW_50GBASE_CR2; break;
	default: l->speed = LINK_SPEED_100GB; bit = PHY_LOW_100GBASE_CR4; break;
	}
	l->phy_low = 1ull << bit;
	l->phy_high = 0;
	l->backend_up = aq->cfg.link_up;
	/* The firmware brings the link up by itself at power on. */
	l->phy_link_enabled = true;
	l->cfg_phy_low = l->phy_low;
	l->cfg_phy_high = l->phy_high;
	l->cfg_caps = PHY_ENA_LINK;
	l->max_frame = MAX_FRAME_SIZE;
}

bool e810_aq_link_is_up(const struct e810_aq *aq)
{
	return aq->st.link.backend_up && aq->st.link.phy_link_enabled;
}

void e810_aq_link_data(const struct e810_aq *aq, uint8_t d[LSD_SIZE])
{
	const struct e810_aq_link *l = &aq->st.link;
	bool up = e810_aq_link_is_up(aq);

	memset(d, 0, LSD_SIZE);
	d[LSD_LINK_INFO] = LI_MEDIA_AVAILABLE;
	if (l->backend_up)
		d[LSD_LINK_INFO] |= LI_SIGNAL_DETECT;
	if (up)
		d[LSD_LINK_INFO] |= LI_LINK_UP | LI_UP_PORT;
	d[LSD_AN_INFO] = AN_QUALIFIED_MODULE | (up ? AN_COMPLETED : 0);
	put_le16(d + LSD_MAX_FRAME, l->max_frame);
	put_le16(d + LSD_LINK_SPEED, up ? l->speed : LINK_SPEED_UNKNOWN);
	/* The PHY type stays known while the link is down (media type). */
	put_le64(d + LSD_PHY_LOW, l->phy_low);
	put_le64(d + LSD_PHY_HIGH, l->phy_high);
}

void e810_aq_link_changed(struct e810_aq *aq, bool media_changed)
{
	struct e810_aq_link *l = &aq->st.link;
	uint16_t mask = media_changed ? LINK_EVENT_MEDIA_NA : LINK_EVENT_UPDOWN;
	uint8_t params[8] = { 0 };
	uint8_t d[LSD_SIZE];

	if (!l->lse_enabled || (l->event_mask & mask)) {
		aq->stats.lse_suppressed++;
		return;
	}
	params[GLS_LPORT] = 0;
	put_le16(params + GLS_CMD_FLAGS, GLS_LSE_IS_ENABLED);
	e810_aq_link_data(aq, d);
	(void)e810_aq_post_event(aq, AQC_GET_LINK_STATUS, params, d, LSD_SIZE);
}

/* Applies a new PHY link enable, posting a link event when the link moves. */
static void phy_link_enable(struct e810_aq *aq, bool on)
{
	bool was = e810_aq_link_is_up(aq);

	aq->st.link.phy_link_enabled = on;
	if (e810_aq_link_is_up(aq) != was)
		e810_aq_link_changed(aq, false);
}

/* ---- PHY capabilities and configuration ------------------------------------ */

static uint16_t h_get_phy_caps(struct e810_aq *aq, struct e810_aq_ctx *c)
{
	const struct e810_aq_link *l = &aq->st.link;
	uint8_t *p = prm(c), *d = c->buf;
	uint16_t mode = le16_at(p + GPC_PARAM0) & GPC_MODE_M;
	uint16_t n = c->buf_len < PCD_SIZE ? c->buf_len : PCD_SIZE;

	if (p[GPC_LPORT] != 0)
		return AQ_RC_EINVAL;
	if (le16_at(p + GPC_PARAM0) & ~(GPC_MODE_M | 1u))
		return AQ_RC_EINVAL;
	switch (mode) {
	case GPC_MODE_NVM:
	case GPC_MODE_TOPO:
	case GPC_MODE_DFLT:
		put_le64(d + PCD_PHY_LOW, l->phy_low);
		put_le64(d + PCD_PHY_HIGH, l->phy_high);
		d[PCD_CAPS] = PHY_CAP_EN_LINK | PHY_CAP_AN_MODE;
		break;
	case GPC_MODE_ACTIVE:
		put_le64(d + PCD_PHY_LOW, l->cfg_phy_low);
		put_le64(d + PCD_PHY_HIGH, l->cfg_phy_high);
		/* Configuration bits 5 (auto link update) and 6 (LESM) are not
		 * capability bits: the answer leaves them out. */
		d[PCD_CAPS] = (uint8_t)((l->cfg_caps & (PHY_CAP_TX_PAUSE | PHY_CAP_RX_PAUSE |
							  PHY_CAP_LOW_POWER | PHY_CAP_EN_LINK |
							  PHY_CAP_AUTO_FEC)) | PHY_CAP_AN_MODE);
		d[PCD_LOW_POWER_AN] = l->cfg_low_power_an;
		put_le16(d + PCD_EEE_CAP, l->cfg_eee);
		put_le16(d + PCD_EEER, l->cfg_eeer);
		d[PCD_FEC] = l->cfg_fec;
		d[PCD_MOD_COMPL] = l->cfg_mod_compl;
		break;
	default:
		return AQ_RC_EINVAL;
	}
	d[PCD_QUAL_COUNT] = 0;
	aq_reply(c, n);
	return AQ_RC_OK;
}

static uint16_t h_set_phy_cfg(struct e810_aq *aq, struct e810_aq_ctx *c)
{
	struct e810_aq_link *l = &aq->st.link;
	const uint8_t *d = c->buf;
	uint64_t low = le64_at(d + SPCD_PHY_LOW), high = le64_at(d + SPCD_PHY_HIGH);
	uint8_t caps = d[SPCD_CAPS];

	if (prm(c)[SPC_LPORT] != 0)
		return AQ_RC_EINVAL;
	if (caps & ~PHY_ENA_VALID_M)
		return AQ_RC_EINVAL;
	if ((low & ~l->phy_low) || (high & ~l->phy_high))
		return AQ_RC_EINVAL;
	if ((caps & PHY_ENA_LINK) && !low && !high)
		return AQ_RC_EINVAL;
	l->cfg_phy_low = low;
	l->cfg_phy_high = high;
	l->cfg_caps = caps;
	l->cfg_low_power_an = d[SPCD_LOW_POWER_AN];
	l->cfg_eee = le16_at(d + SPCD_EEE_CAP);
	l->cfg_eeer = le16_at(d + SPCD_EEER);
	l->cfg_fec = d[SPCD_FEC];
	l->cfg_mod_compl = d[SPCD_MOD_COMPL];
	/* Without "auto link update" the change waits for restart_an. */
	if (caps & PHY_ENA_AUTO_LINK_UPDT)
		phy_link_enable(aq, caps & PHY_ENA_LINK);
	return AQ_RC_OK;
}

static uint16_t h_set_mac_cfg(struct e810_aq *aq, struct e810_aq_ctx *c)
{
	uint16_t mfs = le16_at(prm(c) + SMC_MAX_FRAME);

	if (mfs < 64 || mfs > MAX_FRAME_SIZE)
		return AQ_RC_EINVAL;
	aq->st.link.max_frame = mfs;
	return AQ_RC_OK;
}

static uint16_t h_restart_an(struct e810_aq *aq, struct e810_aq_ctx *c)
{
	const uint8_t *p = prm(c);
	bool on = p[RAN_CMD_FLAGS] & RAN_LINK_ENABLE;

	if (p[RAN_LPORT] != 0)
		return AQ_RC_EINVAL;
	if (on)
		aq->st.link.cfg_caps |= PHY_ENA_LINK;
	else
		aq->st.link.cfg_caps &= (uint8_t)~PHY_ENA_LINK;
	phy_link_enable(aq, on);
	return AQ_RC_OK;
}

/* ---- link status and events ------------------------------------------------------ */

static uint16_t h_get_link_status(struct e810_aq *aq, struct e810_aq_ctx *c)
{
	uint8_t *p = prm(c);
	uint16_t lse = le16_at(p + GLS_CMD_FLAGS) & GLS_LSE_M;

	if (p[GLS_LPORT] != 0 || lse == 1)
		return AQ_RC_EINVAL;
	if (lse == GLS_LSE_ENA)
		aq->st.link.lse_enabled = true;
	else if (lse == GLS_LSE_DIS)
		aq->st.link.lse_enabled = false;
	put_le16(p + GLS_CMD_FLAGS, aq->st.link.lse_enabled ? GLS_LSE_IS_ENABLED : 0);
	/* Longer buffers (v2 data of later parts) get the 32 bytes E810 has. */
	e810_aq_link_data(aq, c->buf);
	aq_reply(c, LSD_SIZE);
	return AQ_RC_OK;
}

static uint16_t h_set_event_mask(struct e810_aq *aq, struct e810_aq_ctx *c)
{
	const uint8_t *p = prm(c);

	if (p[SEM_LPORT] != 0)
		return AQ_RC_EINVAL;
	aq->st.link.event_mask = le16_at(p + SEM_MASK);
	return AQ_RC_OK;
}

/* Recorded for the model, which loops frames back while it is set. */
static uint16_t h_set_mac_lb(struct e810_aq *aq, struct e810_aq_ctx *c)
{
	aq->st.link.mac_loopback = prm(c)[SMLB_MODE] & SMLB_EN;
	return AQ_RC_OK;
}

static uint16_t h_set_port_id_led(struct e810_aq *aq, struct e810_aq_ctx *c)
{
	aq->st.link.led_blink = prm(c)[SPIL_IDENT_MODE] & SPIL_BLINK;
	return AQ_RC_OK;
}

/* The netlist has no cage, PHY, GPIO or clock nodes: "no such node". */
static uint16_t h_get_link_topo(struct e810_aq *aq, struct e810_aq_ctx *c)
{
	(void)aq;
	(void)c;
	return AQ_RC_ENOENT;
}

/* ---- RSS ------------------------------------------------------------------- */

static struct e810_aq_vsi *rss_vsi(struct e810_aq *aq, struct e810_aq_ctx *c, uint16_t *rc)
{
	uint16_t id = le16_at(prm(c) + RSS_VSI_ID);
	struct e810_aq_vsi *v;

	if (!(id & RSS_VSI_VALID)) {
		*rc = AQ_RC_EINVAL;
		return NULL;
	}
	v = e810_aq_vsi_get(aq, id & VSI_NUM_M);
	if (!v)
		*rc = AQ_RC_ENOENT;
	return v;
}

static uint16_t h_set_rss_key(struct e810_aq *aq, struct e810_aq_ctx *c)
{
	uint16_t rc = AQ_RC_OK;
	struct e810_aq_vsi *v = rss_vsi(aq, c, &rc);

	if (!v)
		return rc;
	if (c->buf_len != RSS_KEY_STD && c->buf_len != RSS_KEY_SIZE)
		return AQ_RC_EINVAL;
	memset(v->rss_key, 0, sizeof(v->rss_key));
	memcpy(v->rss_key, c->buf, c->buf_len);
	v->rss_key_set = true;
	return AQ_RC_OK;
}

static uint16_t h_get_rss_key(struct e810_aq *aq, struct e810_aq_ctx *c)
{
	uint16_t rc = AQ_RC_OK;
	struct e810_aq_vsi *v = rss_vsi(aq, c, &rc);
	uint16_t n = c->buf_len >= RSS_KEY_SIZE ? RSS_KEY_SIZE : RSS_KEY_STD;

	if (!v)
		return rc;
	memcpy(c->buf, v->rss_key, n);
	aq_reply(c, n);
	return AQ_RC_OK;
}

/* LUT sizes by type and the size field: VSI 64; PF 128/512/2048; global 128/512. */
static unsigned lut_size(uint16_t flags)
{
	unsigned type = flags & RSS_LUT_TYPE_M, sz = (flags & RSS_LUT_SIZE_M) >> RSS_LUT_SIZE_S;

	switch (type) {
	case RSS_LUT_TYPE_VSI:
		return RSS_LUT_VSI_SIZE;
	case RSS_LUT_TYPE_PF:
		return sz == 0 ? 128 : sz == 1 ? 512 : sz == 2 ? 2048 : 0;
	case RSS_LUT_TYPE_GLOBAL:
		return sz == 0 ? 128 : sz == 1 ? 512 : 0;
	default:
		return 0;
	}
}

/*
 * Entries are VSI-relative queue indices, stored as given; the model maps
 * them through the VSI's queue map (and masks them to its queue count).
 */
static uint16_t h_set_rss_lut(struct e810_aq *aq, struct e810_aq_ctx *c)
{
	uint16_t rc = AQ_RC_OK, flags = le16_at(prm(c) + RSS_LUT_FLAGS);
	struct e810_aq_vsi *v = rss_vsi(aq, c, &rc);
	unsigned n = lut_size(flags);

	if (!v)
		return rc;
	if (!n || c->buf_len != n)
		return AQ_RC_EINVAL;
	memset(v->rss_lut, 0, sizeof(v->rss_lut));
	memcpy(v->rss_lut, c->buf, n);
	v->rss_lut_len = (uint16_t)n;
	v->rss_lut_type = flags & RSS_LUT_TYPE_M;
	return AQ_RC_OK;
}

/* The driver asks for the PF and global tables without a size: the buffer says it. */
static uint16_t h_get_rss_lut(struct e810_aq *aq, struct e810_aq_ctx *c)
{
	uint16_t rc = AQ_RC_OK, flags = le16_at(prm(c) + RSS_LUT_FLAGS);
	struct e810_aq_vsi *v = rss_vsi(aq, c, &rc);
	unsigned n = c->buf_len;

	if (!v)
		return rc;
	if ((flags & RSS_LUT_TYPE_M) > RSS_LUT_TYPE_GLOBAL || n > RSS_LUT_MAX)
		return AQ_RC_EINVAL;
	memcpy(c->buf, v->rss_lut, n);
	aq_reply(c, (uint16_t)n);
	return AQ_RC_OK;
}

const struct e810_aq_cmd e810_aq_cmds_phy[] = {
	{ AQC_GET_PHY_CAPS, AQF_BUF, PCD_HDR_SIZE, 0, h_get_phy_caps, "get_phy_caps" },
	{ AQC_SET_PHY_CFG, AQF_BUF | AQF_IN, SPCD_SIZE, SPCD_SIZE, h_set_phy_cfg, "set_phy_cfg" },
	{ AQC_SET_MAC_CFG, 0, 0, 0, h_set_mac_cfg, "set_mac_cfg" },
	{ AQC_RESTART_AN, 0, 0, 0, h_restart_an, "restart_an" },
	{ AQC_GET_LINK_STATUS, AQF_BUF, LSD_SIZE, 0, h_get_link_status, "get_link_status" },
	{ AQC_SET_EVENT_MASK, 0, 0, 0, h_set_event_mask, "set_event_mask" },
	{ AQC_SET_MAC_LB, 0, 0, 0, h_set_mac_lb, "set_mac_lb" },
	{ AQC_GET_LINK_TOPO, 0, 0, 0, h_get_link_topo, "get_link_topo" },
	{ AQC_SET_PORT_ID_LED, 0, 0, 0, h_set_port_id_led, "set_port_id_led" },
	{ AQC_SET_RSS_KEY, AQF_BUF | AQF_IN, RSS_KEY_STD, RSS_KEY_SIZE, h_set_rss_key, "set_rss_key" },
	{ AQC_SET_RSS_LUT, AQF_BUF | AQF_IN, RSS_LUT_VSI_SIZE, RSS_LUT_MAX, h_set_rss_lut, "set_rss_lut" },
	{ AQC_GET_RSS_KEY, AQF_BUF, RSS_KEY_STD, 0, h_get_rss_key, "get_rss_key" },
	{ AQC_GET_RSS_LUT, AQF_BUF, RSS_LUT_VSI_SIZE, RSS_LUT_MAX, h_get_rss_lut, "get_rss_lut" },
	{ 0, 0, 0, 0, NULL, NULL },
};
