// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * E810 admin queue engine: the ten PF_FW_* registers, the ATQ walk (read a
 * descriptor and its buffer, run the command, write back buffer, then
 * descriptor, then advance the head), and event posting into the ARQ.
 *
 * What the driver relies on (ice_controlq.c): it writes head 0, tail 0,
 * LEN with ENABLE, then BAL and BAH (so the base is read at each walk, not
 * latched at enable), reads BAL back, posts one command at a time and polls
 * ATQH until it equals its tail; it then copies the descriptor and datalen
 * bytes of the buffer back, failing if datalen exceeds what it posted. For
 * the ARQ it pre-posts descriptors with BUF (and LB) and their buffer
 * length, writes ARQT = len - 1, and after cleaning a descriptor writes
 * ARQT = that index; an event may use the descriptor at ARQH while ARQH !=
 * ARQT. It clears the xQLEN error bits by writing them back as 0.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "dev/e810/aq_priv.h"
#include "dev/e810/e810_regs.h"

void e810_aq_config_default(struct e810_aq_config *cfg)
{
	static const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0xe8, 0x10, 0x01 };

	memset(cfg, 0, sizeof(*cfg));
	memcpy(cfg->mac, mac, sizeof(mac));
	cfg->pf_id = 0;
	cfg->num_queues = 4;
	cfg->num_msix = 8;
	cfg->link_speed_mbps = 100000;
	cfg->link_up = true;
	cfg->flash_size = 16u << 20;
	cfg->atq_budget = 64;
	cfg->fw_major = 4;
	cfg->fw_minor = 40;
	cfg->fw_patch = 0;
	cfg->fw_build = 0x00015a17u;
	cfg->api_major = 1;
	cfg->api_minor = 5;
	cfg->api_patch = 0;
	cfg->nvm_major = 4;
	cfg->nvm_minor = 40;
	cfg->eetrack = 0x8001e810u;
}

static bool config_ok(const struct e810_aq_config *c)
{
	static const uint8_t zero[6];

	if (c->pf_id > 7 || c->num_queues < 1 || c->num_queues > E810_AQ_MAX_QUEUES)
		return false;
	if (c->num_msix < 2 || c->num_msix > 2048)
		return false;
	switch (c->link_speed_mbps) {
	case 10000: case 25000: case 40000: case 50000: case 100000:
		break;
	default:
		return false;
	}
	if (c->flash_size < (1u << 20) || c->flash_size > (16u << 20) || c->flash_size % 0x10000u)
		return false;
	if (c->atq_budget < 1 || c->atq_budget > E810_AQ_RING_MAX)
		return false;
	if ((c->mac[0] & 1) || !memcmp(c->mac, zero, 6))
		return false;
	/* The 6.1 driver refuses a major API version above 1. */
	if (c->api_major != 1)
		return false;
	return true;
}

static void state_reset(struct e810_aq *aq)
{
	struct e810_aq_state *st = &aq->st;
	struct e810_aq_link keep = st->link;
	uint32_t gen = st->sw_gen;
	uint8_t mac[6];

	memcpy(mac, st->mac, 6);
	memset(st, 0, sizeof(*st));
	st->sw_gen = gen + 1; /* never back to a value the model compiled */
	/* The port (PHY configuration, link, addresses) survives a PF reset. */
	st->link = keep;
	st->link.lse_enabled = false;
	st->link.event_mask = 0;
	st->link.mac_loopback = false;
	st->link.led_blink = false;
	memcpy(st->mac, mac, 6);
	memcpy(st->perm_mac, aq->cfg.mac, 6);
	st->lldp_agent_running = true;
	e810_aq_pools_init(aq);
	e810_aq_sw_reset(aq);
	e810_aq_sched_reset(aq);
}

void e810_aq_reset(struct e810_aq *aq)
{
	memset(&aq->atq, 0, sizeof(aq->atq));
	memset(&aq->arq, 0, sizeof(aq->arq));
	aq->atq_pending = false;
	state_reset(aq);
	e810_aq_pkg_reset(aq, false);
}

void e810_aq_core_reset(struct e810_aq *aq)
{
	e810_aq_reset(aq);
	e810_aq_pkg_reset(aq, true);
}

struct e810_aq *e810_aq_create(const struct e810_aq_config *cfg, const struct e810_aq_dma_ops *ops,
			       void *opaque)
{
	struct e810_aq *aq;

	if (!cfg || !ops || !ops->read || !ops->write || !config_ok(cfg)) {
		errno = EINVAL;
		return NULL;
	}
	aq = calloc(1, sizeof(*aq));
	if (!aq) {
		errno = ENOMEM;
		return NULL;
	}
	aq->cfg = *cfg;
	aq->ops = *ops;
	aq->opaque = opaque;
	memcpy(aq->st.mac, cfg->mac, 6);
	e810_aq_phy_init(aq);
	e810_aq_nvm_init(aq);
	e810_aq_reset(aq);
	return aq;
}

void e810_aq_destroy(struct e810_aq *aq)
{
	free(aq);
}

/* ---- registers -------------------------------------------------------------- */

bool e810_aq_reg_is_aq(uint32_t off)
{
	if (off < E810_PF_FW_FIRST || off > E810_PF_FW_LAST || (off & 0x7f))
		return false;
	return true;
}

/* Which register of which ring: the ATQ ones sit at 0x00, the ARQ ones at 0x80. */
static uint32_t *ring_reg(struct e810_aq *aq, uint32_t off)
{
	struct e810_aq_ring *r = (off & 0x80) ? &aq->arq : &aq->atq;

	switch (off & ~0x80u) {
	case E810_PF_FW_ATQBAL: return &r->bal;
	case E810_PF_FW_ATQBAH: return &r->bah;
	case E810_PF_FW_ATQLEN: return &r->len;
	case E810_PF_FW_ATQH: return &r->head;
	case E810_PF_FW_ATQT: return &r->tail;
	default: return NULL;
	}
}

uint32_t e810_aq_reg_read(const struct e810_aq *aq, uint32_t off)
{
	uint32_t *p;

	if (!e810_aq_reg_is_aq(off))
		return 0;
	p = ring_reg((struct e810_aq *)aq, off);
	return p ? *p : 0;
}

static void atq_walk(struct e810_aq *aq, unsigned budget, unsigned *done);

void e810_aq_reg_write(struct e810_aq *aq, uint32_t off, uint32_t val)
{
	uint32_t *p;

	if (!e810_aq_reg_is_aq(off))
		return;
	p = ring_reg(aq, off);
	if (!p)
		return;
	switch (off & ~0x80u) {
	case E810_PF_FW_ATQLEN:
		/* Reserved bits read as 0; the error bits are cleared by writing 0. */
		*p = val & E810_AQLEN_VALID_M;
		break;
	case E810_PF_FW_ATQH:
	case E810_PF_FW_ATQT:
		*p = val & E810_AQ_HT_M;
		break;
	default:
		*p = val;
		break;
	}
	if (off == E810_PF_FW_ATQT) {
		unsigned done = 0;

		aq->atq_pending = false;
		atq_walk(aq, aq->cfg.atq_budget, &done);
	}
}

bool e810_aq_pending(const struct e810_aq *aq)
{
	return aq->atq_pending;
}

unsigned e810_aq_service(struct e810_aq *aq)
{
	unsigned done = 0;

	if (aq->atq_pending) {
		aq->atq_pending = false;
		atq_walk(aq, aq->cfg.atq_budget, &done);
	}
	return done;
}

/*
 * A ring can be used when enabled, not stopped by a critical error, with a
 * length of 1..1023 and a 64-byte aligned base whose end does not wrap.
 * Returns 0, or -1 (off: disabled or stopped) / -2 (bad configuration).
 */
static int ring_check(const struct e810_aq_ring *r, uint64_t *base, uint32_t *n)
{
	uint64_t b = (uint64_t)r->bah << 32 | r->bal;
	uint32_t len = r->len & E810_AQLEN_LEN_M;

	if (!(r->len & E810_AQLEN_ENABLE) || (r->len & E810_AQLEN_CRIT))
		return -1;
	if (len == 0 || len > E810_AQ_RING_MAX || (b & 63u) ||
	    b > UINT64_MAX - (uint64_t)len * E810_AQ_DESC_SIZE)
		return -2;
	*base = b;
	*n = len;
	return 0;
}

/* ---- ATQ ---------------------------------------------------------------------- */

static uint16_t atq_run(struct e810_aq *aq, struct e810_aq_ctx *c, uint16_t dlen)
{
	const struct e810_aq_cmd *cmd = e810_aq_cmd_lookup(c->opcode);
	uint8_t *p = prm(c);
	uint64_t addr;

	if (!cmd) {
		aq->stats.atq_unknown++;
		LOG_RL(LOG_LVL_INFO, COMP, "unknown admin command 0x%04x: answered ENOSYS", c->opcode);
		return AQ_RC_ENOSYS;
	}
	if (!(c->flags & AQ_FLAG_BUF)) {
		/* RD or LB without a buffer is a malformed descriptor. */
		if ((c->flags & (AQ_FLAG_RD | AQ_FLAG_LB)) || (cmd->flags & AQF_BUF)) {
			aq->stats.atq_bad_flags++;
			return AQ_RC_EINVAL;
		}
		return cmd->fn(aq, c);
	}
	if (dlen == 0 || dlen > E810_AQ_MAX_BUF || dlen < cmd->min_len ||
	    (cmd->max_len && dlen > cmd->max_len)) {
		aq->stats.atq_bad_len++;
		return AQ_RC_EINVAL;
	}
	if (dlen > 512 && !(c->flags & AQ_FLAG_LB)) {
		aq->stats.atq_bad_flags++;
		return AQ_RC_EINVAL;
	}
	if ((cmd->flags & AQF_IN) && !(c->flags & AQ_FLAG_RD)) {
		aq->stats.atq_bad_flags++;
		return AQ_RC_EINVAL;
	}
	addr = (uint64_t)le32_at(p + AQP_ADDR_HI) << 32 | le32_at(p + AQP_ADDR_LO);
	if (addr > UINT64_MAX - dlen) {
		aq->stats.atq_bad_buf++;
		return AQ_RC_EINVAL;
	}
	memset(aq->scratch, 0, sizeof(aq->scratch));
	if (c->flags & AQ_FLAG_RD) {
		if (aq->ops.read(aq->opaque, addr, aq->scratch, dlen) != 0) {
			aq->stats.atq_bad_buf++;
			return AQ_RC_EINVAL;
		}
		c->buf_in = true;
	}
	c->has_buf = true;
	c->buf_len = dlen;
	return cmd->fn(aq, c);
}

/* Runs the descriptor at idx; false if the queue had to stop (DMA failure). */
static bool atq_one(struct e810_aq *aq, uint64_t base, uint32_t idx)
{
	uint64_t daddr = base + (uint64_t)idx * E810_AQ_DESC_SIZE;
	struct e810_aq_ctx c;
	uint16_t dlen, rc, flags;

	memset(&c, 0, sizeof(c));
	if (aq->ops.read(aq->opaque, daddr, c.desc, sizeof(c.desc)) != 0) {
		aq->stats.atq_desc_dma++;
		aq->atq.len |= E810_AQLEN_CRIT;
		LOG_RL(LOG_LVL_WARN, COMP, "ATQ descriptor %u at 0x%" PRIx64 " unreadable: queue stopped",
		       idx, daddr);
		return false;
	}
	c.flags = le16_at(c.desc + AQD_FLAGS);
	c.opcode = le16_at(c.desc + AQD_OPCODE);
	dlen = le16_at(c.desc + AQD_DATALEN);
	c.datalen = dlen;
	c.buf = aq->scratch;

	rc = atq_run(aq, &c, dlen);
	/* The switch area (VSIs, lists, rules, recipes): the model's lookup is stale. */
	if (rc == AQ_RC_OK && (c.opcode & 0xff00u) == 0x0200u)
		aq->st.sw_gen++;
	if (rc == AQ_RC_OK && c.out_len) {
		const uint8_t *p = prm(&c);
		uint64_t addr = (uint64_t)le32_at(p + AQP_ADDR_HI) << 32 | le32_at(p + AQP_ADDR_LO);

		if (c.out_len > c.buf_len ||
		    aq->ops.write(aq->opaque, addr, aq->scratch, c.out_len) != 0) {
			aq->stats.atq_bad_buf++;
			rc = AQ_RC_EINVAL;
			c.datalen = dlen;
		}
	}
	flags = (uint16_t)((c.flags & ~AQ_FLAG_ERR) | AQ_FLAG_DD | AQ_FLAG_CMP);
	if (rc != AQ_RC_OK)
		flags |= AQ_FLAG_ERR;
	put_le16(c.desc + AQD_FLAGS, flags);
	put_le16(c.desc + AQD_OPCODE, c.opcode);
	put_le16(c.desc + AQD_DATALEN, c.datalen);
	put_le16(c.desc + AQD_RETVAL, rc);
	if (aq->ops.write(aq->opaque, daddr, c.desc, sizeof(c.desc)) != 0) {
		aq->stats.atq_desc_dma++;
		aq->atq.len |= E810_AQLEN_CRIT;
		LOG_RL(LOG_LVL_WARN, COMP, "ATQ descriptor %u at 0x%" PRIx64 " unwritable: queue stopped",
		       idx, daddr);
		return false;
	}
	aq->stats.atq_cmds++;
	if (rc != AQ_RC_OK) {
		aq->stats.atq_errors++;
		LOG_DEBUG(COMP, "command 0x%04x: error %u", c.opcode, rc);
	}
	return true;
}

/* Runs commands from head to tail, at most budget of them and one ring's worth. */
static void atq_walk(struct e810_aq *aq, unsigned budget, unsigned *done)
{
	uint64_t base;
	uint32_t n, head, tail;
	int r = ring_check(&aq->atq, &base, &n);

	if (r == -1) {
		aq->stats.atq_ring_off++;
		return;
	}
	if (r == -2) {
		aq->stats.atq_bad_ring++;
		return;
	}
	head = aq->atq.head;
	tail = aq->atq.tail;
	if (head >= n) {
		aq->stats.atq_head_oor++;
		return;
	}
	if (tail >= n) {
		aq->stats.atq_tail_oor++;
		return;
	}
	while (head != tail) {
		if (*done >= budget) {
			aq->atq_pending = true;
			aq->stats.atq_budget_stops++;
			return;
		}
		if (!atq_one(aq, base, head))
			return;
		head = (head + 1) % n;
		/* Head moves only after the descriptor is written back. */
		aq->atq.head = head;
		(*done)++;
		/* Handlers never touch the ring registers, but a link event's
		 * arq_notify (the model's code) runs inside a command: if the
		 * registers moved under the walk, stop rather than use stale ones. */
		if (aq->atq.head != head || aq->atq.tail != tail ||
		    (aq->atq.len & E810_AQLEN_LEN_M) != n)
			return;
	}
}

/* ---- ARQ -------------------------------------------------------------------- */

int e810_aq_post_event(struct e810_aq *aq, uint16_t opcode, const uint8_t params[8],
		       const void *data, uint16_t len)
{
	uint8_t d[E810_AQ_DESC_SIZE];
	uint64_t base, daddr, addr;
	uint32_t n, head;
	uint16_t flags, blen;
	int r;

	if (len > E810_AQ_MAX_BUF || (len && !data))
		return -EINVAL;
	r = ring_check(&aq->arq, &base, &n);
	if (r != 0 || aq->arq.head >= n || aq->arq.tail >= n) {
		aq->stats.arq_off++;
		return -ENODEV;
	}
	head = aq->arq.head;
	if (head == aq->arq.tail) {
		aq->stats.arq_no_desc++;
		aq->arq.len |= E810_AQLEN_OVFL;
		LOG_RL(LOG_LVL_INFO, COMP, "ARQ full: event 0x%04x dropped", opcode);
		return -ENOSPC;
	}
	daddr = base + (uint64_t)head * E810_AQ_DESC_SIZE;
	if (aq->ops.read(aq->opaque, daddr, d, sizeof(d)) != 0)
		goto dma_err;
	flags = le16_at(d + AQD_FLAGS);
	blen = le16_at(d + AQD_DATALEN);
	addr = (uint64_t)le32_at(d + AQD_PARAMS + AQP_ADDR_HI) << 32 |
	       le32_at(d + AQD_PARAMS + AQP_ADDR_LO);
	if (len && (!(flags & AQ_FLAG_BUF) || blen < len || addr > UINT64_MAX - len)) {
		/* The driver gave no room for the data: complete it with an error. */
		aq->stats.arq_bad_desc++;
		put_le16(d + AQD_FLAGS, (uint16_t)(flags | AQ_FLAG_DD | AQ_FLAG_CMP | AQ_FLAG_ERR));
		put_le16(d + AQD_OPCODE, opcode);
		put_le16(d + AQD_DATALEN, 0);
		put_le16(d + AQD_RETVAL, AQ_RC_ENOMEM);
		if (aq->ops.write(aq->opaque, daddr, d, sizeof(d)) != 0)
			goto dma_err;
		aq->arq.head = (head + 1) % n;
		if (aq->ops.arq_notify)
			aq->ops.arq_notify(aq->opaque);
		return -EMSGSIZE;
	}
	if (len && aq->ops.write(aq->opaque, addr, data, len) != 0)
		goto dma_err;
	put_le16(d + AQD_FLAGS, (uint16_t)((flags & ~AQ_FLAG_ERR) | AQ_FLAG_DD | AQ_FLAG_CMP));
	put_le16(d + AQD_OPCODE, opcode);
	put_le16(d + AQD_DATALEN, len);
	put_le16(d + AQD_RETVAL, 0);
	put_le32(d + AQD_COOKIE_HI, 0);
	put_le32(d + AQD_COOKIE_LO, 0);
	if (params)
		memcpy(d + AQD_PARAMS, params, 8);
	else
		memset(d + AQD_PARAMS, 0, 8);
	if (aq->ops.write(aq->opaque, daddr, d, sizeof(d)) != 0)
		goto dma_err;
	aq->arq.head = (head + 1) % n;
	aq->stats.arq_posted++;
	if (aq->ops.arq_notify)
		aq->ops.arq_notify(aq->opaque);
	return 0;

dma_err:
	aq->stats.arq_dma++;
	aq->arq.len |= E810_AQLEN_CRIT;
	LOG_RL(LOG_LVL_WARN, COMP, "ARQ descriptor %u or its buffer unreachable: queue stopped", head);
	return -EIO;
}

void e810_aq_set_link(struct e810_aq *aq, bool up)
{
	bool was = e810_aq_link_is_up(aq);

	aq->st.link.backend_up = up;
	if (e810_aq_link_is_up(aq) != was)
		e810_aq_link_changed(aq, false);
}

/* ---- getters ---------------------------------------------------------------- */

const struct e810_aq_state *e810_aq_state(const struct e810_aq *aq)
{
	return &aq->st;
}

const struct e810_aq_pkg_info *e810_aq_pkg(const struct e810_aq *aq)
{
	return &aq->pkg.cur.info;
}

const struct e810_aq_stats *e810_aq_stats(const struct e810_aq *aq)
{
	return &aq->stats;
}

const struct e810_aq_config *e810_aq_config(const struct e810_aq *aq)
{
	return &aq->cfg;
}

bool e810_aq_link_up(const struct e810_aq *aq)
{
	return e810_aq_link_is_up(aq);
}

const uint8_t *e810_aq_mac(const struct e810_aq *aq)
{
	return aq->st.mac;
}

const struct e810_aq_vsi *e810_aq_vsi_find(const struct e810_aq *aq, uint16_t vsi_num)
{
	return e810_aq_vsi_get((struct e810_aq *)aq, vsi_num);
}

const struct e810_aq_txq *e810_aq_txq_find(const struct e810_aq *aq, uint16_t txq_id)
{
	for (unsigned i = 0; i < E810_AQ_MAX_QUEUES; i++)
		if (aq->st.txq[i].in_use && aq->st.txq[i].id == txq_id)
			return &aq->st.txq[i];
	return NULL;
}

const struct e810_aq_rule *e810_aq_rule_find(const struct e810_aq *aq, uint16_t index)
{
	for (unsigned i = 0; i < E810_AQ_MAX_RULES; i++)
		if (aq->st.rule[i].in_use && aq->st.rule[i].index == index)
			return &aq->st.rule[i];
	return NULL;
}

uint16_t e810_aq_sr_word(const struct e810_aq *aq, uint32_t word)
{
	return word < E810_AQ_SR_WORDS ? aq->sr[word] : 0;
}
