// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The E810's switch rules compiled for the PF's receive path (swr_tab.h),
 * and listed as flows for an uplink (net/flow.h).
 */
#include <string.h>

#include "dev/e810/aq_defs.h"
#include "dev/e810/rss.h"
#include "dev/e810/swr_tab.h"
#include "net/flow.h"

static uint16_t be16_at(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint16_t le16v(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

/* The PF's LAN VSI: the first PF-type VSI (as the RSS state takes it). */
static const struct e810_aq_vsi *pf_vsi(const struct e810_aq_state *st)
{
	for (unsigned i = 0; i < E810_AQ_MAX_VSI; i++)
		if (st->vsi[i].in_use && st->vsi[i].type == 2)
			return &st->vsi[i];
	return NULL;
}

static const struct e810_aq_vsi *vsi_of(const struct e810_aq_state *st, unsigned num)
{
	for (unsigned i = 0; i < E810_AQ_MAX_VSI; i++)
		if (st->vsi[i].in_use && st->vsi[i].num == num)
			return &st->vsi[i];
	return NULL;
}

static const struct e810_aq_vsi_list *list_of(const struct e810_aq_state *st, unsigned id)
{
	for (unsigned i = 0; i < E810_AQ_MAX_VSI_LISTS; i++)
		if (st->vlist[i].in_use && st->vlist[i].id == id)
			return &st->vlist[i];
	return NULL;
}

static bool list_has(const struct e810_aq_vsi_list *l, unsigned vsi)
{
	return l && vsi < 768 && (l->vsis[vsi / 64] >> (vsi % 64) & 1);
}

/* A VSI's first queue (contiguous map) if the PF has it; -1 otherwise. */
static int vsi_first_q(const struct e810_aq_vsi *v, unsigned nq)
{
	unsigned q;

	if (!v || !(le16v(v->props + VP_VALID_SECTIONS) & (1u << 6)))
		return -1;
	q = le16v(v->props + VP_Q_MAPPING) & 0x7ffu;
	return q < nq ? (int)q : -1;
}

/* Where a forward to VSI vsi takes a frame. */
static void fwd_to(struct e810_swr_act *a, const struct e810_aq_state *st, int pf, unsigned vsi,
		   unsigned nq)
{
	int q;

	if ((int)vsi == pf) {
		a->kind = E810_SWR_FWD_PF;
		return;
	}
	q = vsi_first_q(vsi_of(st, vsi), nq);
	if (q >= 0) {
		a->kind = E810_SWR_FWD_VSI;
		a->q = (uint16_t)q;
	}
}

/* A rule's action for this PF's receive path (kind NONE: nothing for it). */
struct e810_swr_act e810_swr_rule_act(const struct e810_aq_state *st, const struct e810_aq_rule *r,
				      int pf, unsigned nq)
{
	struct e810_swr_act a = { .kind = E810_SWR_NONE, .rule = r->index };
	unsigned id = (r->act & ACT_VSI_ID_M) >> ACT_VSI_ID_S;

	switch (r->act & ACT_TYPE_M) {
	case ACT_VSI_FWD:
		if (r->act & ACT_DROP) {
			a.kind = E810_SWR_DROP;
		} else if (r->act & ACT_VSI_LIST) {
			const struct e810_aq_vsi_list *l = list_of(st, id);

			if (pf >= 0 && list_has(l, (unsigned)pf)) {
				a.kind = E810_SWR_FWD_PF;
			} else {
				for (unsigned v = 0; l && v < 768 && a.kind == E810_SWR_NONE; v++)
					if (list_has(l, v))
						fwd_to(&a, st, pf, v, nq);
			}
		} else {
			fwd_to(&a, st, pf, id, nq);
		}
		break;
	case ACT_TO_Q: {
		unsigned q = (r->act & ACT_Q_INDEX_M) >> ACT_Q_INDEX_S;
		unsigned reg = (r->act & ACT_Q_REGION_M) >> ACT_Q_REGION_S;

		if (q + (1u << reg) <= nq) { /* checked when taken; the model may have fewer */
			a.kind = E810_SWR_TO_Q;
			a.q = (uint16_t)q;
			a.region = (uint8_t)reg;
		}
		break;
	}
	default:
		break;
	}
	return a;
}

/* Whether a VLAN rule's prune action includes the PF VSI. */
static bool prunes_to_pf(const struct e810_aq_state *st, const struct e810_aq_rule *r, int pf)
{
	unsigned id = (r->act & ACT_VSI_ID_M) >> ACT_VSI_ID_S;

	if (pf < 0)
		return false;
	if ((r->act & ACT_TYPE_M) == ACT_PRUNE)
		return (r->act & ACT_VSI_LIST) ? list_has(list_of(st, id), (unsigned)pf)
					       : id == (unsigned)pf;
	/* forwarding VLAN rules (not what ice adds) let the VLAN in as well */
	return (r->act & ACT_TYPE_M) == ACT_VSI_FWD && !(r->act & ACT_DROP) &&
	       ((r->act & ACT_VSI_LIST) ? list_has(list_of(st, id), (unsigned)pf)
					: id == (unsigned)pf);
}

static void combine(struct e810_swr_act *acc, const struct e810_swr_act *a)
{
	if (a->kind > acc->kind)
		*acc = *a;
}

void e810_swr_combine(struct e810_swr_act *acc, const struct e810_swr_act *a)
{
	combine(acc, a);
}

static unsigned da_class(const uint8_t *da)
{
	static const uint8_t bc[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

	if (!memcmp(da, bc, 6))
		return E810_SWR_BC;
	return (da[0] & 1) ? E810_SWR_MC : E810_SWR_UC;
}

static unsigned ent_hash(const uint8_t *da, uint16_t vid)
{
	uint32_t h = 2166136261u;

	for (unsigned i = 0; i < 6; i++)
		h = (h ^ da[i]) * 16777619u;
	h = (h ^ vid) * 16777619u;
	return h & (E810_SWR_HASH - 1);
}

static void ent_add(struct e810_swr_tab *t, const uint8_t *da, uint16_t vid,
		    const struct e810_swr_act *a)
{
	for (unsigned i = ent_hash(da, vid), n = 0; n < E810_SWR_HASH;
	     i = (i + 1) & (E810_SWR_HASH - 1), n++) {
		struct e810_swr_ent *e = &t->ent[i];

		if (!e->used) {
			e->used = true;
			memcpy(e->da, da, 6);
			e->vid = vid;
			e->act = *a;
			t->nent++;
			return;
		}
		if (e->vid == vid && !memcmp(e->da, da, 6)) {
			combine(&e->act, a);
			return;
		}
	}
}

static const struct e810_swr_ent *ent_find(const struct e810_swr_tab *t, const uint8_t *da,
					   uint16_t vid)
{
	for (unsigned i = ent_hash(da, vid), n = 0; n < E810_SWR_HASH;
	     i = (i + 1) & (E810_SWR_HASH - 1), n++) {
		const struct e810_swr_ent *e = &t->ent[i];

		if (!e->used)
			return NULL;
		if (e->vid == vid && !memcmp(e->da, da, 6))
			return e;
	}
	return NULL;
}

static bool directional(uint16_t recipe)
{
	return recipe != LKUP_MAC && recipe != LKUP_MAC_VLAN && recipe != LKUP_VLAN;
}

void e810_swr_compile(struct e810_swr_tab *t, const struct e810_aq_state *st, unsigned nq)
{
	e810_swr_compile_sw(t, st, NULL, nq);
}

void e810_swr_compile_sw(struct e810_swr_tab *t, const struct e810_aq_state *st,
			 const struct e810_flex *fx, unsigned nq)
{
	const struct e810_aq_vsi *pv = pf_vsi(st);
	int pf = pv ? (int)pv->num : -1;

	memset(t, 0, sizeof(*t));
	t->gen = st->sw_gen;
	t->pf_vsi = pf;
	t->nq = (uint16_t)nq;
	t->prune = pv && (pv->props[VP_SW_ID + 2] & 0x1u); /* sw_flags2: RX VLAN prune */
	for (unsigned i = 0; i < E810_AQ_MAX_RULES; i++) {
		const struct e810_aq_rule *r = &st->rule[i];
		const uint8_t *h = r->hdr;
		struct e810_swr_act a;
		uint16_t vid = (uint16_t)(be16_at(h + SWH_VLAN_TCI) & 0xfffu);

		if (!r->in_use)
			continue;
		if (r->recipe >= E810_AQ_DFLT_RECIPES) {
			t->nadv++;
			if (r->type != SW_RULE_LKUP_RX)
				t->ntx_only++;
			else
				t->nrx++; /* matched, or never (swr_adv.c): either way a receive-path rule */
			continue;
		}
		if (r->type != SW_RULE_LKUP_RX && directional(r->recipe)) {
			t->ntx_only++;
			continue;
		}
		if (r->hdr_len < SW_DUMMY_HDR && r->recipe != LKUP_DFLT)
			continue; /* refused when added or updated: cannot happen */
		t->nrx++;
		if (r->recipe == LKUP_VLAN) {
			if (prunes_to_pf(st, r, pf))
				t->vlan_ok[vid / 64] |= 1ull << (vid % 64);
			continue;
		}
		a = e810_swr_rule_act(st, r, pf, nq);
		switch (r->recipe) {
		case LKUP_MAC:
			ent_add(t, h + SWH_DA, E810_SWR_ANY_VID, &a);
			break;
		case LKUP_MAC_VLAN:
			ent_add(t, h + SWH_DA, vid, &a);
			break;
		case LKUP_ETHERTYPE:
		case LKUP_ETHERTYPE_MAC: {
			struct e810_swr_et *e = &t->et[t->net++];

			e->etype = be16_at(h + SWH_ETYPE);
			e->has_da = r->recipe == LKUP_ETHERTYPE_MAC;
			memcpy(e->da, h + SWH_DA, 6);
			e->act = a;
			break;
		}
		case LKUP_PROMISC:
			combine(&t->promisc[da_class(h + SWH_DA)], &a);
			break;
		case LKUP_PROMISC_VLAN: {
			struct e810_swr_pv *p = &t->pv[t->npv++];

			p->vid = vid;
			p->cls = (uint8_t)da_class(h + SWH_DA);
			p->act = a;
			break;
		}
		case LKUP_DFLT:
			combine(&t->dflt, &a);
			break;
		default:
			break;
		}
	}
	if (fx)
		e810_swr_adv_compile(t, st, fx);
	t->active = t->nrx > 0;
}

int e810_swr_eval(const struct e810_swr_tab *t, const uint8_t *frame, uint32_t len, int vid,
		  uint32_t (*hash)(void *arg), void *arg, enum e810_swr_why *why)
{
	struct e810_swr_act acc = { .kind = E810_SWR_NONE };
	const struct e810_swr_ent *e;
	uint16_t et;
	unsigned cls;

	if (!t->active || len < 14) {
		*why = E810_SWR_PASS;
		return E810_SWR_Q_NEXT;
	}
	et = be16_at(frame + 12);
	if (vid < 0 && (et == 0x8100 || et == 0x88a8) && len >= 18) {
		vid = be16_at(frame + 14) & 0xfff;
		et = be16_at(frame + 16);
	}
	if (vid == 0)
		vid = -1; /* priority-tagged: as untagged */
	if (t->prune && vid > 0 && !(t->vlan_ok[vid / 64] >> (vid % 64) & 1)) {
		*why = E810_SWR_PRUNED;
		return E810_SWR_Q_DROP;
	}
	cls = da_class(frame);
	if ((e = ent_find(t, frame, E810_SWR_ANY_VID)))
		combine(&acc, &e->act);
	if (vid > 0 && (e = ent_find(t, frame, (uint16_t)vid)))
		combine(&acc, &e->act);
	for (unsigned i = 0; i < t->net; i++)
		if (t->et[i].etype == et && (!t->et[i].has_da || !memcmp(t->et[i].da, frame, 6)))
			combine(&acc, &t->et[i].act);
	for (unsigned i = 0; i < t->npv; i++)
		if (vid > 0 && t->pv[i].vid == vid && t->pv[i].cls == cls)
			combine(&acc, &t->pv[i].act);
	combine(&acc, &t->promisc[cls]);
	combine(&acc, &t->dflt);
	if (t->nadv_on)
		e810_swr_adv_eval(t, frame, len, &acc);
	switch (acc.kind) {
	case E810_SWR_DROP:
		*why = E810_SWR_RULE_DROP;
		return E810_SWR_Q_DROP;
	case E810_SWR_TO_Q:
		*why = E810_SWR_HIT;
		if (acc.region && hash)
			return (int)e810_region_pick(acc.q, acc.region, hash(arg));
		return acc.q;
	case E810_SWR_FWD_PF:
		*why = E810_SWR_HIT;
		return E810_SWR_Q_NEXT;
	case E810_SWR_FWD_VSI:
		*why = E810_SWR_HIT;
		return acc.q;
	default:
		*why = E810_SWR_NO_RULE;
		return E810_SWR_Q_DROP;
	}
}

/* ---- as flows for an uplink -------------------------------------------------------- */

/* The order e810_swr_eval looks at the lookups in. */
static unsigned class_rank(uint16_t recipe)
{
	switch (recipe) {
	case LKUP_MAC: return 0;
	case LKUP_MAC_VLAN: return 1;
	case LKUP_ETHERTYPE: case LKUP_ETHERTYPE_MAC: return 2;
	case LKUP_PROMISC_VLAN: return 3;
	case LKUP_PROMISC: return 4;
	default: return 5;
	}
}

unsigned e810_swr_flows(const struct e810_aq_state *st, unsigned nq, const uint8_t vm_mac[6],
			struct net_flow *out, unsigned max)
{
	const struct e810_aq_vsi *pv = pf_vsi(st);
	int pf = pv ? (int)pv->num : -1;
	unsigned n = 0;

	for (unsigned i = 0; i < E810_AQ_MAX_RULES; i++) {
		const struct e810_aq_rule *r = &st->rule[i];
		const uint8_t *h = r->hdr;
		uint16_t vid = (uint16_t)(be16_at(h + SWH_VLAN_TCI) & 0xfffu);
		struct e810_swr_act a;
		struct net_flow f;

		if (!r->in_use || r->recipe >= E810_AQ_DFLT_RECIPES || r->recipe == LKUP_VLAN ||
		    (r->type != SW_RULE_LKUP_RX && directional(r->recipe)) ||
		    (r->hdr_len < SW_DUMMY_HDR && r->recipe != LKUP_DFLT))
			continue;
		/* VLAN 0 is no tag to the receive path: a rule for it never matches. */
		if ((r->recipe == LKUP_MAC_VLAN || r->recipe == LKUP_PROMISC_VLAN) && vid == 0)
			continue;
		a = e810_swr_rule_act(st, r, pf, nq);
		if (a.kind == E810_SWR_NONE)
			continue; /* forwards nowhere: the frame is left to the rules that do */
		net_flow_init(&f, vm_mac);
		f.origin = NET_FLOW_FROM_SWITCH_RULE;
		f.origin_id = r->index;
		switch (r->recipe) {
		case LKUP_MAC:
		case LKUP_ETHERTYPE_MAC:
		case LKUP_MAC_VLAN:
			if (!net_flow_and_dst_mac(&f, h + SWH_DA))
				continue;
			break;
		case LKUP_PROMISC:
		case LKUP_PROMISC_VLAN:
			if (da_class(h + SWH_DA) != E810_SWR_UC)
				continue; /* multicast/broadcast: never the VM's MAC */
			break;
		default:
			break;
		}
		if (r->recipe == LKUP_MAC_VLAN || r->recipe == LKUP_PROMISC_VLAN) {
			f.m.fields |= NET_FLOW_F_VLAN;
			f.m.vlan_id = vid;
		}
		if (r->recipe == LKUP_ETHERTYPE || r->recipe == LKUP_ETHERTYPE_MAC) {
			f.m.fields |= NET_FLOW_F_ETYPE;
			f.m.ethertype = be16_at(h + SWH_ETYPE);
		}
		/*
		 * The order the receive path decides in (e810_swr_eval): a drop,
		 * then a queue, the PF, another VSI; among equals the exact MAC
		 * entry, MAC+VLAN, ethertype, promiscuous+VLAN, promiscuous,
		 * default; then the rule's slot (the first one wins). The flow
		 * director's filters go between the queues and the PF (swr_tab.h).
		 */
		f.priority = (uint16_t)(class_rank(r->recipe) * 256u + i);
		e810_swr_flow_act(&f, &a);
		if (n < max)
			out[n] = f;
		n++;
	}
	return n;
}

unsigned e810_swr_flows_tab(const struct e810_swr_tab *t, const struct e810_aq_state *st,
			    unsigned nq, const uint8_t vm_mac[6], struct net_flow *out, unsigned max)
{
	unsigned n = e810_swr_flows(st, nq, vm_mac, out, max);

	return n + e810_swr_adv_flows(t, vm_mac, n < max ? out + n : NULL, n < max ? max - n : 0);
}

void e810_swr_flow_act(struct net_flow *f, const struct e810_swr_act *a)
{
	switch (a->kind) {
	case E810_SWR_DROP:
		f->action = NET_FLOW_DROP;
		break;
	case E810_SWR_TO_Q:
		f->action = NET_FLOW_QUEUE;
		f->queue = a->q;
		f->nqueues = (uint16_t)(1u << a->region);
		f->priority = (uint16_t)(f->priority + E810_FLOW_PRIO_QUEUE);
		break;
	case E810_SWR_FWD_PF:
		f->action = NET_FLOW_PASS;
		f->priority = (uint16_t)(f->priority + E810_FLOW_PRIO_PF);
		break;
	default:
		f->action = NET_FLOW_QUEUE;
		f->queue = a->q;
		f->priority = (uint16_t)(f->priority + E810_FLOW_PRIO_VSI);
		break;
	}
}
