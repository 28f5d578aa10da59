// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The E810's switch rules in the data path (dev/e810/steer.h): the
 * engine's rules compiled (swr_tab.h) when its sw_gen moves, one lookup per
 * frame from the port, counted. Only frames the vmux switch delivered to
 * this VM's port get here: a rule reorders or drops the VM's own frames,
 * never brings in others (docs/ARCHITECTURE.md, "Switch rules").
 */
#include <stdlib.h>

#include "core/log.h"
#include "dev/e810/model_priv.h"
#include "dev/e810/steer.h"
#include "net/flow.h"
#include "net/pkt.h"

#define COMP "e810"

void e810_swr_sync(struct e810 *e)
{
	const struct e810_aq_state *st = e->aq ? e810_aq_state(e->aq) : NULL;
	const struct e810_flex *fx;

	if (!st)
		return;
	fx = e810_aq_flex(e->aq);
	if (e->swr_ok && e->swr.gen == st->sw_gen && e->swr.flex_gen == fx->sw_gen)
		return;
	e810_swr_compile_sw(&e->swr, st, fx, e->nq);
	e->swr_ok = true;
	e->swr_cnt.compiles++;
	LOG_DEBUG(COMP, "%s: switch rules: %u for RX (%u exact, %u ethertype), %u TX only, %u advanced "
		  "(%u matched, %u never: unreadable, %u on no profile)%s",
		  e->name, e->swr.nrx, e->swr.nent, e->swr.net, e->swr.ntx_only, e->swr.nadv,
		  e->swr.nadv_on, e->swr.nadv_bad, e->swr.nadv_noprof,
		  e->swr.prune ? ", VLAN pruning" : "");
	if (e->swr.nadv_bad)
		LOG_RL(LOG_LVL_INFO, COMP, "%s: %u advanced switch rules never match (recipe, words or "
		       "dummy packet unreadable)", e->name, e->swr.nadv_bad);
}

/* Stale (rules changed since the last compile): on, so that steer compiles anew. */
bool e810_swr_active(const struct e810 *e)
{
	const struct e810_aq_state *st = e->aq ? e810_aq_state(e->aq) : NULL;

	if (!st)
		return false;
	if (!e->swr_ok || e->swr.gen != st->sw_gen ||
	    e->swr.flex_gen != e810_aq_flex(e->aq)->sw_gen)
		return true;
	return e->swr.active;
}

uint32_t e810_steer_hash(struct e810 *e, struct pkt *p)
{
	if (!(p->flags & PKT_F_RSS) && e->rss.on)
		(void)e810_rss_pick(&e->rss, p);
	return (p->flags & PKT_F_RSS) ? p->rss_hash : 0;
}

static uint32_t frame_hash(void *arg)
{
	return e810_steer_hash(((void **)arg)[0], ((void **)arg)[1]);
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

/*
 * The flow director decides what the switch rules pass to the PF VSI: each
 * filter's flow (fdir.c) ANDed with each rule that forwards to the PF (its
 * VLAN, ethertype), between the rules' queues and those rules in the order
 * (swr_tab.h). Without rules for the receive path, the filters' flows as
 * they are. One filter may so be listed once per such rule (ice: its MAC's).
 */
static unsigned fdir_flows(struct e810 *e, const struct net_flow *sw, unsigned nsw,
			   struct net_flow *out, unsigned max)
{
	struct net_flow *fd = calloc(E810_FDTAB_MAX, sizeof(*fd));
	unsigned nfd, n = 0, dropped = 0;

	if (!fd) {
		LOG_RL(LOG_LVL_WARN, COMP, "%s: flow director filters not listed as flows (no memory)",
		       e->name);
		return 0;
	}
	nfd = e810_fdir_flows(e, fd, E810_FDTAB_MAX, 0);
	e810_swr_sync(e);
	for (unsigned p = 0; p < (e->swr.active ? nsw : 1); p++) {
		const struct net_flow *pass = e->swr.active ? &sw[p] : NULL;

		if (pass && pass->action != NET_FLOW_PASS)
			continue;
		for (unsigned i = 0; i < nfd && i < E810_FDTAB_MAX; i++) {
			struct net_flow f = fd[i];

			if (pass) {
				uint16_t et = (f.m.fields & NET_FLOW_F_IPV4) ? 0x0800 : 0x86dd;

				if ((pass->m.fields & NET_FLOW_F_ETYPE) && pass->m.ethertype != et)
					continue;
				f.m.fields |= pass->m.fields & (NET_FLOW_F_VLAN | NET_FLOW_F_UNTAGGED |
								NET_FLOW_F_ETYPE);
				f.m.vlan_id = pass->m.vlan_id;
				f.m.ethertype = pass->m.ethertype;
			}
			if (n >= E810_FLOW_FDIR_MAX) {
				dropped++;
				continue;
			}
			f.priority = (uint16_t)(E810_FLOW_PRIO_FDIR + n);
			if (n < max)
				out[n] = f;
			n++;
		}
	}
	if (dropped)
		LOG_RL(LOG_LVL_WARN, COMP, "%s: %u flow director flows past %u not listed", e->name,
		       dropped, E810_FLOW_FDIR_MAX);
	free(fd);
	return n;
}

unsigned e810_steer_flows(struct e810 *e, struct net_flow *out, unsigned max)
{
	const struct e810_aq_state *st = e->aq ? e810_aq_state(e->aq) : NULL;
	struct net_flow *sw = NULL;
	unsigned n, nsw;

	if (!st)
		return 0;
	e810_swr_sync(e);
	n = e810_swr_flows_tab(&e->swr, st, e->nq, e->mac, out, max);
	if (!e810_fdir_active(e))
		return n;
	/* The rules' flows in full, if out had no room for them all. */
	nsw = n;
	if (n > max) {
		sw = calloc(n, sizeof(*sw));
		if (!sw) {
			LOG_RL(LOG_LVL_WARN, COMP, "%s: flow director filters not listed as flows "
			       "(no memory)", e->name);
			return n;
		}
		nsw = e810_swr_flows_tab(&e->swr, st, e->nq, e->mac, sw, n);
	}
	n += fdir_flows(e, sw ? sw : out, nsw, n < max ? out + n : NULL, n < max ? max - n : 0);
	free(sw);
	return n;
}
