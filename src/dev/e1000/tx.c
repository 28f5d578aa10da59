/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The e1000's transmit side: the TX descriptor walk (legacy, context and data
 * descriptors), frame gathering, checksum insertion and TCP segmentation, the
 * per-wake-up budget and backpressure from the peer.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "core/loop.h"
#include "dev/e1000/e1000_dev.h"

enum { TXD_OK, TXD_NOBUF, TXD_LONG, TXD_DMA };

/* ==== transmit offloads ====================================================== */

void e1k_txctx_parse(struct e1k_txctx *c, const uint8_t d[E1K_DESC_SIZE])
{
	uint32_t cl = get_le32(d + 8);

	c->ipcss = d[0];
	c->ipcso = d[1];
	c->ipcse = get_le16(d + 2);
	c->tucss = d[4];
	c->tucso = d[5];
	c->tucse = get_le16(d + 6);
	c->paylen = cl & E1K_TXD_LEN_MASK;
	c->tucmd = cl & 0xff000000u;
	c->hdrlen = d[13];
	c->mss = get_le16(d + 14);
}

unsigned e1k_tx_csum(const struct e1k_txctx *c, uint8_t popts, uint8_t *frame, uint32_t len)
{
	unsigned bad = 0;

	if ((popts & E1K_TXD_POPTS_IXSM) &&
	    !net_csum_insert(frame, len, c->ipcss, c->ipcso, c->ipcse, false))
		bad |= E1K_OFL_BAD_IP;
	if ((popts & E1K_TXD_POPTS_TXSM) &&
	    !net_csum_insert(frame, len, c->tucss, c->tucso, c->tucse, !(c->tucmd & E1K_TUCMD_TCP)))
		bad |= E1K_OFL_BAD_L4;
	return bad;
}

unsigned e1k_tx_legacy_csum(uint8_t *frame, uint32_t len, uint8_t css, uint8_t cso)
{
	return net_csum_insert(frame, len, css, cso, 0, false) ? 0 : E1K_OFL_BAD_L4;
}

/* The e1000's TSO context as the shared segmenter's (POPTS: which checksums). */
static void tso_ctx(struct net_tso *t, const struct e1k_txctx *c, uint8_t popts)
{
	*t = (struct net_tso){
		.hdrlen = c->hdrlen,
		.mss = c->mss,
		.l3_off = c->ipcss,
		.l4_off = c->tucss,
		.ip_csum_off = c->ipcso,
		.ip_csum_end = c->ipcse,
		.l4_csum_off = c->tucso,
		.l4_csum_end = c->tucse,
		.ipv4 = c->tucmd & E1K_TUCMD_IP,
		.tcp = c->tucmd & E1K_TUCMD_TCP,
		.ip_csum = popts & E1K_TXD_POPTS_IXSM,
		.l4_csum = popts & E1K_TXD_POPTS_TXSM,
	};
}

_Static_assert(E1K_TSO_MAX <= NET_TSO_MAX, "the segmenter takes the e1000's largest TSO frame");

static struct net_tso_limits tso_limits(uint32_t max_frame)
{
	return (struct net_tso_limits){ .max_len = E1K_TSO_MAX, .max_seg = max_frame,
					.max_segs = E1K_TSO_MAX_SEGS, .min_mss = 1 };
}

int e1k_tso_check(const struct e1k_txctx *c, uint32_t len, uint32_t max_frame)
{
	struct net_tso t;
	struct net_tso_limits lim = tso_limits(max_frame);

	tso_ctx(&t, c, 0);
	return net_tso_check(&t, len, &lim);
}

uint32_t e1k_tso_build(const struct e1k_txctx *c, uint8_t popts, const uint8_t *frame,
		       uint32_t len, uint32_t seg, uint8_t *out, uint32_t cap)
{
	struct net_sg sg = { frame, len };
	struct net_tso_src src;
	struct net_tso t;

	if (seg >= E1K_TSO_MAX_SEGS)
		return 0;
	tso_ctx(&t, c, popts);
	net_tso_src_init(&src, &sg, 1);
	return net_tso_seg(&t, &src, seg, out, cap);
}

static void stats_tx(struct e1000 *e, const struct pkt *p)
{
	uint32_t wire = p->len + ETH_FCS_LEN + ((p->flags & PKT_F_VLAN) ? VLAN_HLEN : 0);

	stat_inc(e, E1K_GPTC);
	stat_inc(e, E1K_TPT);
	stat_add64(e, E1K_GOTCL, wire);
	stat_add64(e, E1K_TOTL, wire);
	stat_inc(e, size_bucket(wire, E1K_PTC64));
	if (p->data[0] & 1) {
		static const uint8_t bc[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

		stat_inc(e, memcmp(p->data, bc, 6) ? E1K_MPTC : E1K_BPTC);
	}
	e->cnt.tx_pkts++;
	e->cnt.tx_bytes += p->len;
}

/* ==== transmit ================================================================ */

static void tx_flush(struct e1000 *e)
{
	unsigned n = e->nburst;

	if (!n)
		return;
	e->nburst = 0;
	if (!e->port.peer) {
		pkt_free_bulk(e->burst, n);
		e->cnt.tx_no_peer += n;
		return;
	}
	net_port_send(&e->port, e->burst, (uint16_t)n);
}

static void tx_push(struct e1000 *e, struct pkt *p)
{
	stats_tx(e, p);
	e->tx_frames++;
	if (e->tx_space != UINT32_MAX && e->tx_space)
		e->tx_space--;
	e->burst[e->nburst++] = p;
	if (e->nburst == E1K_TX_BURST)
		tx_flush(e);
}

static void tx_vlan(struct e1000 *e, struct pkt *p, uint32_t cmd, uint16_t special)
{
	/* The tag travels beside the frame; whoever puts it on a wire inserts it. */
	if ((cmd & E1K_TXD_CMD_VLE) && (R(e, E1K_CTRL) & E1K_CTRL_VME)) {
		p->flags |= PKT_F_VLAN;
		p->vlan_tci = special;
	}
}

static void tx_tso(struct e1000 *e, uint32_t cmd, uint16_t special)
{
	struct net_sg sg[NET_GATHER_PKTS];
	struct net_tso_limits lim = tso_limits(PKT_DATA_MAX);
	struct net_tso_src src;
	struct net_tso t;
	int n;

	tso_ctx(&t, &e->ctx_tso, e->tx.popts);
	n = net_tso_check(&t, e->tx.len, &lim);

	if (n < 0) {
		e->cnt.tx_drop_tso++;
		stat_inc(e, E1K_TSCTFC);
		LOG_RL(LOG_LVL_DEBUG, COMP, "%s: TSO frame dropped (error %d, len %u, hdr %u, mss %u)",
		       e->name, -n, e->tx.len, e->ctx_tso.hdrlen, e->ctx_tso.mss);
		return;
	}
	e->cnt.tx_tso++;
	stat_inc(e, E1K_TSCTC);
	net_tso_src_init(&src, sg, net_gather_sg(&e->tso_frame, sg));
	for (uint32_t seg = 0; seg < (uint32_t)n; seg++) {
		struct pkt *p = pkt_alloc(e->pool);
		uint32_t len;

		if (!p) {
			e->cnt.tx_drop_nobuf += (uint32_t)n - seg;
			return;
		}
		len = net_tso_seg(&t, &src, seg, p->data, PKT_DATA_MAX);
		if (!len) {
			pkt_free(p);
			e->cnt.tx_drop_tso++;
			return;
		}
		p->len = len;
		tx_vlan(e, p, cmd, special);
		e->cnt.tx_tso_segs++;
		tx_push(e, p);
	}
}

static void tx_drop(struct e1000 *e)
{
	switch (e->tx.drop) {
	case TXD_NOBUF:
		e->cnt.tx_drop_nobuf++;
		break;
	case TXD_LONG:
		e->cnt.tx_drop_long++;
		break;
	default:
		e->cnt.tx_drop_dma++;
		LOG_RL(LOG_LVL_WARN, COMP, "%s: TX buffer outside guest memory, frame dropped",
		       e->name);
		break;
	}
	if (e->tx.tso)
		stat_inc(e, E1K_TSCTFC);
}

/* The EOP descriptor: checksums, VLAN, segmentation, out it goes. */
static void tx_finish(struct e1000 *e, uint32_t lower, uint32_t upper)
{
	struct pkt *p = e->tx.pkt;
	uint16_t special = (uint16_t)(upper >> 16);
	unsigned bad = 0;

	e->tx.pkt = NULL;
	e->tx.active = false;
	if (e->tx.drop) {
		tx_drop(e);
	} else if (e->tx.tso) {
		tx_tso(e, lower, special);
	} else if (e->tx.len < ETH_HLEN) {
		e->cnt.tx_drop_runt++;
	} else {
		p->len = e->tx.len;
		if (e->tx.legacy && (lower & E1K_TXD_CMD_IC))
			bad = e1k_tx_legacy_csum(p->data, p->len, (uint8_t)(upper >> 8),
						 (uint8_t)(lower >> 16));
		else if (!e->tx.legacy && e->tx.popts)
			bad = e1k_tx_csum(&e->ctx_csum, e->tx.popts, p->data, p->len);
		if (bad)
			e->cnt.tx_csum_bad++;
		tx_vlan(e, p, lower, special);
		tx_push(e, p);
		p = NULL;
	}
	if (p)
		pkt_free(p);
	net_gather_free(&e->tso_frame);
}

static void tx_start(struct e1000 *e, bool legacy, uint32_t lower, uint32_t upper)
{
	e->tx.active = true;
	e->tx.legacy = legacy;
	e->tx.tso = !legacy && (lower & E1K_TXD_CMD_TSE);
	/* POPTS counts in the first data descriptor of a frame. */
	e->tx.popts = legacy ? 0 : (uint8_t)(upper >> 8);
	e->tx.drop = TXD_OK;
	e->tx.len = 0;
	e->tx.pkt = NULL;
	net_gather_init(&e->tso_frame);
	if (!e->tx.tso) {
		e->tx.pkt = pkt_alloc(e->pool);
		if (!e->tx.pkt)
			e->tx.drop = TXD_NOBUF;
	}
}

static void tx_append(struct e1000 *e, uint64_t addr, uint32_t len)
{
	uint32_t cap = e->tx.tso ? E1K_TSO_MAX : PKT_DATA_MAX;
	const uint8_t *src;

	if (e->tx.drop)
		return;
	if (len > cap - e->tx.len) {
		e->tx.drop = TXD_LONG;
		return;
	}
	src = dring_dma_buf(&e->dma, addr, len, VFU_PROT_READ);
	if (!src) {
		e->tx.drop = TXD_DMA;
		return;
	}
	if (!e->tx.tso) {
		memcpy(e->tx.pkt->data + e->tx.len, src, len);
	} else if (net_gather_append(&e->tso_frame, e->pool, src, len) < 0) {
		e->tx.drop = TXD_NOBUF; /* no packet left to gather into */
		return;
	}
	e->tx.len += len;
	e->tx_wake_bytes += len;
}

/* One descriptor (a private copy of it). */
static void tx_desc(struct e1000 *e, const uint8_t *d)
{
	uint32_t lower = get_le32(d + 8), upper = get_le32(d + 12), len;
	bool legacy = !(lower & E1K_TXD_CMD_DEXT);

	if (!legacy) {
		uint32_t dtyp = lower & E1K_TXD_DTYP_MASK;

		if (dtyp == E1K_TXD_DTYP_CTX) {
			e1k_txctx_parse((lower & E1K_TUCMD_TSE) ? &e->ctx_tso : &e->ctx_csum, d);
			return;
		}
		if (dtyp != E1K_TXD_DTYP_DATA) {
			e->cnt.tx_bad_desc++;
			return;
		}
		len = lower & E1K_TXD_LEN_MASK;
	} else {
		len = lower & E1K_TXD_LEGACY_LEN_MASK;
	}
	if (!e->tx.active)
		tx_start(e, legacy, lower, upper);
	if (len)
		tx_append(e, get_le64(d), len);
	if (lower & E1K_TXD_CMD_EOP)
		tx_finish(e, lower, upper);
}

/* The wake-up's budget is spent: the timer resumes the walk on a later one. */
void e1k_tx_yield(struct e1000 *e)
{
	e->cnt.tx_walk_yield++;
	e->tx_resume = true;
	e1k_timer_arm(e, loop_now_ns());
}

/*
 * Stops the walk before a new frame when the peer has no room (it will call
 * wake()) or when this wake-up has emitted or gathered enough (the timer
 * resumes it at once, after the loop has served others).
 */
static bool tx_must_pause(struct e1000 *e)
{
	if (e->tx_frames >= E1K_TX_FRAMES_PER_WAKE || e->tx_wake_bytes >= E1K_TX_BYTES_PER_WAKE) {
		e1k_tx_yield(e);
		return true;
	}
	if (e->tx_space)
		return false;
	tx_flush(e);
	e->tx_space = net_port_peer_space(&e->port);
	if (e->tx_space)
		return false;
	e->cnt.tx_blocked++;
	e->tx_blocked = true;
	return true;
}

/*
 * Walks TDH..TDT, at most one ring's worth of descriptors and what is left of
 * the wake-up's budget.
 */
static void tx_walk(struct e1000 *e)
{
	uint32_t count = e1k_ring_count(R(e, E1K_TDLEN));
	uint32_t head = R(e, E1K_TDH), tail = R(e, E1K_TDT), causes = 0, budget, left, ahead;
	uint64_t wake;
	uint64_t base = (uint64_t)R(e, E1K_TDBAH) << 32 | (R(e, E1K_TDBAL) & ~0xfu);
	bool ide = false;
	struct dring r;
	struct dring_txwb wb;

	if (!(R(e, E1K_TCTL) & E1K_TCTL_EN) || head == tail)
		return;
	if (!dring_ok(count, head, tail)) {
		e->cnt.tx_ring_err++;
		LOG_RL(LOG_LVL_WARN, COMP, "%s: TX ring unusable (TDLEN %#x TDH %u TDT %u)", e->name,
		       R(e, E1K_TDLEN), head, tail);
		return;
	}
	wake = loop_iteration(e->loop);
	if (wake != e->tx_wake) {
		e->tx_wake = wake;
		e->tx_frames = 0;
		e->tx_wake_bytes = 0;
		e->tx_wake_descs = 0;
	}
	left = E1K_TX_DESCS_PER_WAKE - e->tx_wake_descs;
	if (!left) {
		e1k_tx_yield(e);
		return;
	}
	e->tx_space = e->port.peer ? net_port_peer_space(&e->port) : UINT32_MAX;
	dring_dma_reset(&e->dma);
	/*
	 * The whole ring in one mapping (the usual case): one translation per
	 * walk, and the descriptors ahead are prefetched (the guest wrote them
	 * from another CPU: each line is a cache miss otherwise paid in turn).
	 */
	dring_init(&r, e->pci, base, count, E1K_DESC_SIZE);
	dring_map(&r);
	dring_txwb_init(&wb, 12, 0xf0, E1K_TXD_STAT_DD);
	ahead = dring_used(head, tail, count);
	dring_prefetch(&r, head, ahead < E1K_TX_PREFETCH ? ahead : E1K_TX_PREFETCH);
	if (left > count)
		left = count;
	for (budget = left; head != tail && budget; budget--) {
		const uint8_t *dp;
		uint8_t d[E1K_DESC_SIZE];
		uint32_t lower;

		if (!e->tx.active && tx_must_pause(e))
			break;
		dp = dring_desc(&r, head, VFU_PROT_READ);
		dring_prefetch_ahead(&r, head, E1K_TX_PREFETCH);
		if (!dp) {
			e->cnt.tx_desc_dma++;
			LOG_RL(LOG_LVL_WARN, COMP, "%s: TX descriptor %u at %#llx outside guest memory",
			       e->name, head, (unsigned long long)dring_addr(&r, head));
			break;
		}
		memcpy(d, dp, sizeof(d));
		lower = get_le32(d + 8);
		tx_desc(e, d);
		if ((lower & E1K_TXD_CMD_RS) ||
		    (!(lower & E1K_TXD_CMD_DEXT) && (lower & E1K_TXD_CMD_RPS))) {
			dring_txwb_add(&wb, &r, head);
			causes |= E1K_ICR_TXDW;
			ide |= lower & E1K_TXD_CMD_IDE;
		}
		head = dring_next(&r, head);
		R(e, E1K_TDH) = head;
		if (head == tail)
			causes |= E1K_ICR_TXQE;
	}
	dring_txwb_flush(&wb); /* the buffers were copied from: the guest may reuse them */
	if (e->db)
		e1k_db_write(e->db, E1K_TDH, head);
	tx_flush(e);
	dring_dma_reset(&e->dma);
	/* A stop for the budget or the peer breaks out with budget > 0: this is the descriptors'. */
	if (!budget && head != tail)
		e1k_tx_yield(e);
	e->tx_wake_descs += left - budget;
	e->cnt.tx_descs += left - budget;
	if (e->tx_wake_descs > e->cnt.tx_descs_wake_max)
		e->cnt.tx_descs_wake_max = e->tx_wake_descs;
	if (causes & E1K_ICR_TXQE)
		e1k_set_cause(e, E1K_ICR_TXQE);
	if (causes & E1K_ICR_TXDW) {
		if (ide)
			e1k_set_cause_delayed(e, E1K_ICR_TXDW, R(e, E1K_TIDV), R(e, E1K_TADV));
		else
			e1k_set_cause(e, E1K_ICR_TXDW);
	}
}

/*
 * Walks the ring. Re-entry safe: a peer may call back into us (wake, deliver)
 * while we send.
 */
void e1k_tx_run(struct e1000 *e)
{
	unsigned rounds = 0;

	if (e->tx_busy) {
		e->tx_again = true;
		return;
	}
	e->tx_busy = true;
	do {
		e->tx_again = false;
		e->tx_blocked = false;
		tx_walk(e);
	} while (e->tx_again && !e->tx_resume && ++rounds < 4);
	e->tx_busy = false;
}

/*
 * A new tail (a TDT write, the doorbell page, TCTL.EN). While a walk waits for
 * the timer or for the peer's room, the tail is only recorded: the walk that
 * resumes reads TDT then and goes on to it, on the budget of its own wake-up.
 */
void e1k_tx_process(struct e1000 *e)
{
	if (e->tx_resume || e->tx_blocked) {
		e->cnt.tx_tail_pending++;
		return;
	}
	e1k_tx_run(e);
}

/* Frees whatever a frame in progress holds. */
void e1k_tx_abort(struct e1000 *e)
{
	if (e->tx.pkt)
		pkt_free(e->tx.pkt);
	net_gather_free(&e->tso_frame);
	memset(&e->tx, 0, sizeof(e->tx));
	if (e->nburst)
		pkt_free_bulk(e->burst, e->nburst);
	e->nburst = 0;
	memset(&e->ctx_csum, 0, sizeof(e->ctx_csum));
	memset(&e->ctx_tso, 0, sizeof(e->ctx_tso));
	e->tx_blocked = false;
	e->tx_resume = false;
}
