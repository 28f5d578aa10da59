// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The E810 model's LAN queue pairs (lan.h) and its net port: RX contexts
 * from QRX_CONTEXT enabled by QRX_CTRL.QENA_REQ, buffers up to QRX_TAIL; TX
 * queues as add_txqs left them in the admin queue engine's state, walked on
 * QTX_COMM_DBELL within a budget (the rest from the loop); frames from the
 * port's peer into the RX rings: the queue the peer names, or for
 * NET_QUEUE_ANY the one RSS picks (rss.h) when the guest set it up, else 0.
 */
#include <string.h>

#include "core/log.h"
#include "dev/e810/e810_regs.h"
#include "dev/e810/model_priv.h"
#include "dev/e810/steer.h"
#include "net/pkt.h"

#define COMP "e810"

void e810_tx_run(struct e810 *e, unsigned q)
{
	struct e810_qp *p = &e->qp[q];
	struct e810_txq_result r;

	if (p->tx_blocked || !p->tx.enabled)
		return;
	p->tx_more = false;
	r = e810_txq_run(&p->tx);
	if (r.done_wb)
		e810_queue_cause(e, E810_QINT_TQCTL(q));
	if (r.blocked)
		p->tx_blocked = true;
	else if (r.more)
		p->tx_more = true;
}

/*
 * The RSS state from the PF VSI's key, table and queue map and the RX
 * queues enabled: after admin commands (e810_tx_sync), QRX_CTRL writes and
 * resets.
 */
const struct e810_aq_vsi *e810_pf_vsi(const struct e810 *e)
{
	const struct e810_aq_state *st = e->aq ? e810_aq_state(e->aq) : NULL;
	const struct e810_aq_vsi *first = NULL;

	/* The control VSI is of type 2 as well, but never gets an RSS key. */
	for (unsigned i = 0; st && i < E810_AQ_MAX_VSI; i++) {
		const struct e810_aq_vsi *v = &st->vsi[i];

		if (!v->in_use || v->type != 2)
			continue;
		if (v->rss_key_set)
			return v;
		if (!first)
			first = v;
	}
	return first;
}

void e810_rss_sync(struct e810 *e)
{
	const struct e810_aq_vsi *v = e810_pf_vsi(e);
	unsigned rx_on = 0;

	for (unsigned q = 0; q < e->nq; q++)
		rx_on += e->qp[q].rx.enabled;
	if (e810_rss_config(&e->rss, v, e->nq, rx_on))
		LOG_DEBUG(COMP, "%s: RSS %s (%u RX queues on)", e->name, e->rss.on ? "on" : "off",
			  rx_on);
	e810_swr_sync(e);
}

/*
 * The engine's TX queues after an admin command: add_txqs sets one up,
 * dis_txqs stops it; and the RSS state (set_rss_key, set_rss_lut, VSIs).
 */
void e810_tx_sync(struct e810 *e)
{
	for (unsigned q = 0; q < e->nq; q++) {
		struct e810_qp *p = &e->qp[q];
		const struct e810_aq_txq *t = e810_aq_txq_find(e->aq, (uint16_t)q);
		struct e810_aq_txq_ctx c;
		int rc;

		if (!t) {
			if (p->tx_known) {
				e810_txq_stop(&p->tx);
				p->tx_known = p->tx_more = p->tx_blocked = false;
			}
			continue;
		}
		if (p->tx_known && p->tx_teid == t->teid &&
		    !memcmp(p->tx_ctx, t->ctx, sizeof(p->tx_ctx)))
			continue;
		p->tx_known = true;
		p->tx_teid = t->teid;
		memcpy(p->tx_ctx, t->ctx, sizeof(p->tx_ctx));
		p->tx_more = p->tx_blocked = false;
		/*
		 * A new ring starts at 0, and so does its doorbell word; the guest
		 * rings it only after the add_txqs completion, after this.
		 */
		if (e->db_poll)
			e810_db_store(e, E810_DB_TX, q, 0);
		e810_aq_txq_ctx_decode(t->ctx, &c);
		rc = e810_txq_setup(&p->tx, &c);
		if (rc) {
			e->cnt.txq_setup_bad++;
			LOG_RL(LOG_LVL_WARN, COMP, "%s: TX queue %u: context refused (%d)", e->name,
			       q, -rc);
		} else {
			LOG_DEBUG(COMP, "%s: TX queue %u: %u descriptors at %#llx", e->name, q,
				  c.qlen, (unsigned long long)c.base);
		}
	}
	e810_rss_sync(e);
}

void e810_queues_stop(struct e810 *e)
{
	for (unsigned q = 0; q < e->nq; q++) {
		struct e810_qp *p = &e->qp[q];

		e810_txq_stop(&p->tx);
		e810_rxq_enable(&p->rx, false);
		p->rx.ctx_ok = false;
		p->rx_tail_set = p->rx_starved = false;
		p->tx_known = p->tx_more = p->tx_blocked = false;
		p->status_q = false;
	}
	e810_rss_sync(e);
}

static void rx_kick(struct e810 *e, unsigned q)
{
	struct e810_qp *p = &e->qp[q];

	if (!p->rx_starved || !e810_rxq_space(&p->rx))
		return;
	p->rx_starved = false;
	net_port_wake_peer(&e->port);
}

void e810_qrx_ctrl_write(struct e810 *e, unsigned q, uint32_t v)
{
	struct e810_qp *p = &e->qp[q];
	bool on = v & E810_QRX_CTRL_QENA_REQ;

	if (on && !p->rx.enabled) {
		uint32_t dw[E810_QRX_CONTEXT_DWORDS];
		int rc;

		for (unsigned i = 0; i < E810_QRX_CONTEXT_DWORDS; i++)
			dw[i] = e810_reg_get(e, E810_QRX_CONTEXT(i, q));
		rc = e810_rxq_set_ctx(&p->rx, dw);
		/* The driver posts its buffers (QRX_TAIL) before it enables the queue. */
		if (!rc && p->rx_tail_set)
			e810_rxq_set_tail(&p->rx, e810_reg_get(e, E810_QRX_TAIL(q)));
		if (rc || !e810_rxq_enable(&p->rx, true)) {
			e->cnt.rxq_enable_bad++;
			LOG_RL(LOG_LVL_WARN, COMP, "%s: RX queue %u: context refused (%d)", e->name,
			       q, -rc);
		} else {
			LOG_DEBUG(COMP, "%s: RX queue %u: %u descriptors at %#llx, %u-byte buffers",
				  e->name, q, p->rx.ctx.qlen, (unsigned long long)p->rx.ctx.base,
				  p->rx.ctx.dbuf);
		}
		rx_kick(e, q);
	} else if (!on) {
		e810_rxq_enable(&p->rx, false);
	}
	v &= ~E810_QRX_CTRL_QENA_STAT;
	e810_rstore_set(&e->rs, E810_QRX_CTRL(q), v);
	e810_rss_sync(e);
}

void e810_qrx_tail_write(struct e810 *e, unsigned q, uint32_t v)
{
	struct e810_qp *p = &e->qp[q];

	e810_rstore_set(&e->rs, E810_QRX_TAIL(q), v);
	p->rx_tail_set = true;
	if (p->rx.ctx_ok)
		e810_rxq_set_tail(&p->rx, v & E810_QRX_TAIL_M);
	rx_kick(e, q);
}

void e810_qtx_dbell_write(struct e810 *e, unsigned q, uint32_t v)
{
	struct e810_qp *p = &e->qp[q];

	if (!e810_txq_set_tail(&p->tx, v & E810_QTX_COMM_HEAD_M))
		return;
	e810_tx_run(e, q);
	e810_kick_arm(e);
}

/* ==== the port ===================================================================== */

/* rx_space() while frames would only be dropped (queue off): as a wire would. */
#define E810_RX_SPACE_OFF 64u

/* The RX queue for a burst to a queue: its index, or queue 0 (NET_QUEUE_ANY without RSS). */
static unsigned rx_queue(const struct e810 *e, uint16_t queue)
{
	return queue < e->nlan ? queue : 0;
}

static uint16_t deliver_q(struct e810 *e, unsigned q, struct pkt **pkts, uint16_t n)
{
	struct net_port *self = &e->port;
	struct e810_rxq *rx = &e->qp[q].rx;
	uint64_t bytes = rx->st.bytes;
	uint16_t ok;

	if (!rx->enabled) {
		e->cnt.rx_dropped += n;
		self->stats.rx_drops += n;
		pkt_free_bulk(pkts, n);
		return 0;
	}
	ok = e810_rxq_deliver(rx, pkts, n);
	self->stats.rx_pkts += ok;
	self->stats.rx_bytes += rx->st.bytes - bytes;
	self->stats.rx_drops += (uint64_t)(n - ok);
	if (ok)
		e810_queue_cause(e, E810_QINT_RQCTL(q));
	return ok;
}

#define STEER_BURST 64u

/*
 * A frame's absolute RX queue, or E810_STEER_DROP: the switch rules, then
 * the flow director, then RSS, else the VSI's queue 0 (steer.h).
 */
static int steer_pick(struct e810 *e, struct pkt *p)
{
	int q = E810_STEER_NEXT;

	if (e810_swr_active(e))
		q = e810_swr_steer(e, p);
	if (q == E810_STEER_NEXT && e810_fdir_active(e))
		q = e810_fdir_steer(e, p);
	if (q == E810_STEER_NEXT)
		q = e->rss.on ? (int)e810_rss_pick(&e->rss, p) : 0;
	if (q != E810_STEER_DROP && (unsigned)q >= e->nq)
		q = 0; /* a rule's queue the model does not have (checked when taken) */
	return q;
}

/* Frames go through steer_pick (a rule or RSS is on) rather than to queue 0. */
static bool steer_on(const struct e810 *e)
{
	return e->rss.on || e810_swr_active(e) || e810_fdir_active(e);
}

/*
 * Steering: each frame's queue, then one delivery per queue with its frames
 * in their order (a stable counting sort of the burst; bucket nq holds the
 * frames a rule drops). The accepted frames are not a prefix of the burst:
 * the sender's tx_bytes is approximate.
 */
static uint16_t deliver_steer(struct e810 *e, struct pkt **pkts, uint16_t n)
{
	const unsigned drop = e->nq;
	uint16_t ok = 0;

	while (n) {
		uint16_t m = n < STEER_BURST ? n : STEER_BURST;
		uint8_t qs[STEER_BURST];
		uint16_t at[E810_MODEL_QPS_MAX + 2] = { 0 };
		struct pkt *sorted[STEER_BURST];
		bool one = true;

		for (uint16_t i = 0; i < m; i++) {
			int q = steer_pick(e, pkts[i]);

			qs[i] = (uint8_t)(q == E810_STEER_DROP ? drop : (unsigned)q);
			at[qs[i] + 1]++;
			one &= qs[i] == qs[0];
		}
		if (one && qs[0] != drop) { /* one queue for all (one flow, say): no sort */
			if (!e->qp[qs[0]].rx.enabled)
				e->rss.st.drop_off += m;
			ok = (uint16_t)(ok + deliver_q(e, qs[0], pkts, m));
			pkts += m;
			n = (uint16_t)(n - m);
			continue;
		}
		for (unsigned q = 0; q <= drop; q++)
			at[q + 1] += at[q];
		for (uint16_t i = 0; i < m; i++)
			sorted[at[qs[i]]++] = pkts[i];
		/* at[q] is now where queue q's frames end, at[q - 1] where they start. */
		for (unsigned q = 0, from = 0; q <= drop; from = at[q], q++) {
			uint16_t k = (uint16_t)(at[q] - from);

			if (!k)
				continue;
			if (q == drop) {
				e->cnt.rx_rule_drops += k;
				pkt_free_bulk(sorted + from, k);
				continue;
			}
			if (!e->qp[q].rx.enabled)
				e->rss.st.drop_off += k;
			ok = (uint16_t)(ok + deliver_q(e, q, sorted + from, k));
		}
		pkts += m;
		n = (uint16_t)(n - m);
	}
	return ok;
}

static uint16_t port_deliver(struct net_port *self, uint16_t queue, struct pkt **pkts, uint16_t n)
{
	struct e810 *e = self->priv;

	if (queue == NET_QUEUE_ANY && steer_on(e))
		return deliver_steer(e, pkts, n);
	return deliver_q(e, rx_queue(e, queue), pkts, n);
}

static uint32_t queue_space(struct e810 *e, unsigned q)
{
	uint32_t room = e810_rxq_space(&e->qp[q].rx);

	if (!room)
		e->qp[q].rx_starved = true;
	return room;
}

/*
 * Room on a queue; for NET_QUEUE_ANY with RSS on, the least room of the
 * enabled queues RSS may pick (frames for a queue that is off are dropped:
 * it holds nothing back).
 */
static uint32_t port_rx_space(struct net_port *self, uint16_t queue)
{
	struct e810 *e = self->priv;
	uint32_t room = UINT32_MAX;

	if (queue == NET_QUEUE_ANY && steer_on(e)) {
		/* RSS alone: the queues its table names; with rules, any queue may be picked. */
		bool rules = e810_swr_active(e) || e810_fdir_active(e);

		for (unsigned q = 0; q < e->nq; q++) {
			uint32_t r;

			if ((!rules && !(e->rss.targets & (1ull << q))) || !e->qp[q].rx.enabled ||
			    !e->qp[q].rx.ctx.dbuf || e->qp[q].status_q)
				continue; /* the control VSI's ring takes no frames */
			r = queue_space(e, q);
			if (r < room)
				room = r;
		}
		return room == UINT32_MAX ? E810_RX_SPACE_OFF : room;
	}
	queue = (uint16_t)rx_queue(e, queue);
	if (!e->qp[queue].rx.enabled)
		return E810_RX_SPACE_OFF;
	return queue_space(e, queue);
}

static void port_wake(struct net_port *self, uint16_t queue)
{
	struct e810 *e = self->priv;

	for (unsigned q = 0; q < e->nq; q++) {
		if ((queue == NET_QUEUE_ANY || queue == q) && e->qp[q].tx_blocked) {
			e->qp[q].tx_blocked = false;
			e->cnt.tx_wakes++;
			e810_tx_run(e, q);
		}
	}
	e810_kick_arm(e);
}

static void port_peer_link(struct net_port *self, bool up)
{
	struct e810 *e = self->priv;

	e->peer_up = up;
	e810_aq_set_link(e->aq, up);
	e810_link_sync(e);
	/*
	 * A walk waiting for a peer that went away would wait for a wake() that
	 * never comes: it resumes from the loop (its frames dropped without a peer).
	 */
	if (!self->peer) {
		for (unsigned q = 0; q < e->nq; q++) {
			if (e->qp[q].tx_blocked) {
				e->qp[q].tx_blocked = false;
				e->qp[q].tx_more = true;
			}
		}
		e810_kick_arm(e);
	}
}

const struct net_port_ops e810_port_ops = {
	.deliver = port_deliver,
	.rx_space = port_rx_space,
	.wake = port_wake,
	.peer_link = port_peer_link,
};
