// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The E810's switch rules in the data path (dev/e810/steer.h): the
 * engine's rules compiled (swr_tab.h) when its sw_gen moves, one lookup per
 * frame from the port, counted. Only frames the vmux switch delivered to
 * this VM's port get here: a rule reorders or drops the VM's own frames,
 * never brings in others (docs/ARCHITECTURE.md, "Switch rules").
 */
#include "core/log.h"
#include "dev/e810/model_priv.h"
#include "dev/e810/steer.h"
#include "net/flow.h"
#include "net/pkt.h"

#define COMP "e810"

void e810_swr_sync(struct e810 *e)
{
	const struct e810_aq_state *st = e->aq ? e810_aq_state(e->aq) : NULL;

	if (!st || (e->swr_ok && e->swr.gen == st->sw_gen))
		return;
	e810_swr_compile(&e->swr, st, e->nq);
	e->swr_ok = true;
	e->swr_cnt.compiles++;
	LOG_DEBUG(COMP, "%s: switch rules: %u for RX (%u exact, %u ethertype), %u TX only, %u advanced%s",
		  e->name, e->swr.nrx, e->swr.nent, e->swr.net, e->swr.ntx_only, e->swr.nadv,
		  e->swr.prune ? ", VLAN pruning" : "");
}

/* Stale (rules changed since the last compile): on, so that steer compiles anew. */
bool e810_swr_active(const struct e810 *e)
{
	const struct e810_aq_state *st = e->aq ? e810_aq_state(e->aq) : NULL;

	if (!st)
		return false;
	if (!e->swr_ok || e->swr.gen != st->sw_gen)
		return true;
	return e->swr.active;
}

static uint32_t frame_hash(void *arg)
{
	struct pkt *p = ((void **)arg)[1];
	struct e810 *e = ((void **)arg)[0];

	if (!(p->flags & PKT_F_RSS) && e->rss.on)
		(void)e810_rss_pick(&e->rss, p);
	return (p->flags & PKT_F_RSS) ? p->rss_hash : 0;
}

int e810_swr_steer(struct e810 *e, struct pkt *p)
{
	enum e810_swr_why why;
	void *arg[2] = { e, p };
	int q;

	e810_swr_sync(e);
	if (!e->swr.active)
		return E810_STEER_NEXT;
	q = e810_swr_eval(&e->swr, p->data, p->len, (p->flags & PKT_F_VLAN) ? p->vlan_tci & 0xfff : -1,
			  frame_hash, arg, &why);
	switch (why) {
	case E810_SWR_HIT:
		e->swr_cnt.hits++;
		break;
	case E810_SWR_RULE_DROP:
		e->swr_cnt.drops++;
		break;
	case E810_SWR_NO_RULE:
		e->swr_cnt.no_rule++;
		break;
	case E810_SWR_PRUNED:
		e->swr_cnt.pruned++;
		break;
	default:
		break;
	}
	if (q == E810_SWR_Q_DROP)
		return E810_STEER_DROP;
	if (q == E810_SWR_Q_NEXT)
		return E810_STEER_NEXT;
	return q;
}

unsigned e810_steer_flows(struct e810 *e, struct net_flow *out, unsigned max)
{
	const struct e810_aq_state *st = e->aq ? e810_aq_state(e->aq) : NULL;
	unsigned n;

	if (!st)
		return 0;
	n = e810_swr_flows(st, e->nq, e->mac, out, max);
	/*
	 * Hook: the flow director's filters (fdir.c) are listed here after the
	 * switch rules, with NET_FLOW_FROM_FDIR and priorities above the
	 * switch rules' (they decide after them on the receive path).
	 */
	return n;
}
