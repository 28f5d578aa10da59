// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The E810's advanced switch rules (rules of added recipes: ice's tc-flower
 * path, DPDK's ice PMD switch filter) compiled for the PF's receive path
 * and matched per frame (swr_tab.h).
 *
 * A recipe (ice_aqc_recipe_data_elem, as add_recipe took it) names up to
 * five lookups: a field vector word index (bits 5:0; bit 7: ignored) and a
 * 16-bit mask each, word 0 being the switch ID; a chain of recipes
 * (ice_add_sw_recipe, more than four words) has sub-recipes whose result
 * goes to a result index (bit 7: enabled) which the root names as one of
 * its lookups. Here a root's words are those of every recipe of its chain
 * (its recipe bitmap), the result words left out: a frame matches the chain
 * when it matches every word, as the hardware's chained lookups do.
 *
 * The rule's key: those words read from the rule's dummy packet (the header
 * ice_fill_adv_dummy_packet builds: the lookups' values written into a
 * template of the packet type) with the field vector of the SW profile the
 * dummy packet's packet type takes, masked. A frame: its packet type's SW
 * profile (cached per packet type at compile time); the rules whose recipe
 * is mapped to that profile (recipe_to_profile) compare the same words of
 * the frame, read with that profile's field vector.
 *
 * Untrusted: a recipe chain with a member missing, a word past the field
 * vector or more words than E810_SWR_ADV_WORDS, a dummy packet of no profile
 * or without a word's header: the rule is taken (add_sw_rules checked what a
 * device checks) and never matches, counted in nadv_bad. Bounded: at most
 * E810_AQ_MAX_ADV_RULES rules (aq_sw.c refuses more), E810_SWR_ADV_WORDS
 * words each, no allocation.
 */
#include <string.h>

#include "dev/e810/aq_defs.h"
#include "dev/e810/flex.h"
#include "dev/e810/lan_desc.h"
#include "dev/e810/swr_tab.h"
#include "net/flow.h"

/* Recipe element fields (ice_aqc_recipe_data_elem; content at RCP_CONTENT_RID). */
#define RCP_LKUP 17            /* u8 lkup_indx[5] */
#define RCP_MASK 22            /* le16 mask[5] */
#define RCP_RESULT 32          /* result_indx */
#define RCP_NLKUP 5u
#define RCP_LKUP_IGNORE 0x80u
#define RCP_LKUP_M 0x3fu
#define RCP_RESULT_EN 0x80u

/* The packet types e810_frame_ptype gives (flex.c), in a fixed order. */
static const uint16_t npt_list[E810_SWR_NPT] = {
	E810_PTYPE_L2, E810_PTYPE_ARP, E810_PTYPE_IPV4_FRAG, E810_PTYPE_IPV4,
	E810_PTYPE_IPV4_UDP, E810_PTYPE_IPV4_TCP, E810_PTYPE_IPV4_ICMP, E810_PTYPE_IPV6_FRAG,
	E810_PTYPE_IPV6, E810_PTYPE_IPV6_UDP, E810_PTYPE_IPV6_TCP, E810_PTYPE_IPV6_ICMP,
};

static int pt_slot(unsigned ptype)
{
	for (unsigned i = 0; i < E810_SWR_NPT; i++)
		if (npt_list[i] == ptype)
			return (int)i;
	return -1;
}

static uint16_t le16p(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint64_t le64p(const uint8_t *p)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* The words of root recipe rid's chain into a; false if the chain is unusable. */
static bool chain_words(const struct e810_aq_state *st, unsigned rid, struct e810_swr_adv *a)
{
	const struct e810_aq_recipe *root = &st->recipe[rid];
	uint64_t chain, results = 0;

	if (rid >= E810_AQ_MAX_RECIPES || !root->in_use)
		return false;
	chain = le64p(root->elem + RCP_BITMAP) | 1ull << rid;
	for (unsigned r = 0; r < E810_AQ_MAX_RECIPES; r++) {
		if (!(chain >> r & 1))
			continue;
		if (!st->recipe[r].in_use)
			return false; /* a member missing: the chain cannot match */
		if (st->recipe[r].elem[RCP_RESULT] & RCP_RESULT_EN)
			results |= 1ull << (st->recipe[r].elem[RCP_RESULT] & RCP_LKUP_M);
	}
	a->n = 0;
	for (unsigned r = 0; r < E810_AQ_MAX_RECIPES; r++) {
		const uint8_t *e = st->recipe[r].elem;

		if (!(chain >> r & 1))
			continue;
		for (unsigned j = 0; j < RCP_NLKUP; j++) {
			unsigned li = e[RCP_LKUP + j], idx = li & RCP_LKUP_M;
			uint16_t m = le16p(e + RCP_MASK + 2 * j);

			if ((li & RCP_LKUP_IGNORE) || !m)
				continue;
			if (results >> idx & 1)
				continue; /* a sub-recipe's result: its words are here already */
			if (idx >= E810_FLEX_SW_FVW || a->n >= E810_SWR_ADV_WORDS)
				return false;
			a->idx[a->n] = (uint8_t)idx;
			a->mask[a->n] = m;
			a->n++;
		}
	}
	return a->n > 0;
}

/* The HW VSI the switch block's XLT2 is looked up with: the PF's. */
static unsigned xlt2_vsi(const struct e810_swr_tab *t)
{
	return t->pf_vsi >= 0 && t->pf_vsi < (int)E810_FLEX_VSIS ? (unsigned)t->pf_vsi : 0;
}

/* The key of rule r (its dummy packet) into a; false if it says nothing readable. */
static bool rule_key(const struct e810_swr_tab *t, const struct e810_flex *fx,
		     const struct e810_aq_rule *r, struct e810_swr_adv *a)
{
	unsigned len = r->hdr_len < E810_AQ_RULE_HDR ? r->hdr_len : E810_AQ_RULE_HDR;
	struct e810_frame_hdrs h;
	int prof;

	if (len < 14)
		return false;
	e810_frame_parse(r->hdr, len, &h);
	prof = e810_flex_sw_prof(fx, h.ptype, xlt2_vsi(t));
	if (prof < 0)
		return false;
	a->prof = (uint16_t)prof;
	for (unsigned i = 0; i < a->n; i++) {
		uint16_t v;

		if (!e810_flex_sw_word(fx, (unsigned)prof, a->idx[i], r->hdr, len, &h, &v))
			return false;
		a->val[i] = v & a->mask[i];
	}
	return true;
}

void e810_swr_adv_compile(struct e810_swr_tab *t, const struct e810_aq_state *st,
			  const struct e810_flex *fx)
{
	unsigned n = 0;

	t->fx = fx;
	t->flex_gen = fx->sw_gen;
	for (unsigned p = 0; p < E810_SWR_NPT; p++)
		t->pt_prof[p] = (int16_t)e810_flex_sw_prof(fx, npt_list[p], xlt2_vsi(t));
	for (unsigned i = 0; i < E810_AQ_MAX_RULES; i++) {
		const struct e810_aq_rule *r = &st->rule[i];
		struct e810_swr_adv *a;
		bool mapped = false;

		if (!r->in_use || r->recipe < E810_AQ_DFLT_RECIPES || r->type != SW_RULE_LKUP_RX)
			continue;
		if (n >= E810_AQ_MAX_ADV_RULES) {
			t->nadv_bad++; /* aq_sw.c refuses more: cannot happen */
			continue;
		}
		a = &t->adv[n];
		memset(a, 0, sizeof(*a));
		a->rid = (uint8_t)r->recipe;
		if (!chain_words(st, r->recipe, a) || !rule_key(t, fx, r, a)) {
			t->nadv_bad++;
			continue;
		}
		a->act = e810_swr_rule_act(st, r, t->pf_vsi, t->nq);
		for (unsigned p = 0; p < E810_SWR_NPT; p++) {
			int prof = t->pt_prof[p];

			if (prof >= 0 && prof < (int)E810_AQ_MAX_PROFILES &&
			    (st->prof_recipes[prof] >> a->rid & 1)) {
				t->pt_adv[p] |= 1ull << n;
				mapped = true;
			}
		}
		if (!mapped)
			t->nadv_noprof++;
		n++;
	}
	t->nadv_on = (uint16_t)n;
}

void e810_swr_adv_eval(const struct e810_swr_tab *t, const uint8_t *frame, uint32_t len,
		       struct e810_swr_act *acc)
{
	struct e810_frame_hdrs h;
	uint64_t cand;
	int slot, prof;

	if (!t->fx)
		return;
	e810_frame_parse(frame, len, &h);
	slot = pt_slot(h.ptype);
	if (slot < 0 || !(cand = t->pt_adv[slot]))
		return;
	prof = t->pt_prof[slot];
	while (cand) {
		const struct e810_swr_adv *a = &t->adv[__builtin_ctzll(cand)];
		bool hit = true;

		cand &= cand - 1;
		if (a->act.kind <= acc->kind)
			continue; /* cannot change the outcome */
		for (unsigned i = 0; i < a->n && hit; i++) {
			uint16_t v;

			hit = e810_flex_sw_word(t->fx, (unsigned)prof, a->idx[i], frame, len, &h, &v) &&
			      (v & a->mask[i]) == a->val[i];
		}
		if (hit)
			e810_swr_combine(acc, &a->act);
	}
}

/* ---- as flows for an uplink -------------------------------------------------------- */

/*
 * The packet types (slots of npt_list) whose frames can have every word of
 * a: those with each word's header (flex.c's parser: MAC and ethertype in
 * all, IPv4/IPv6 in their types, UDP/TCP only in theirs).
 */
static bool word_in(unsigned prot, unsigned ptype)
{
	bool v4 = ptype >= E810_PTYPE_IPV4_FRAG && ptype <= E810_PTYPE_IPV4_ICMP;
	bool v6 = ptype >= E810_PTYPE_IPV6_FRAG && ptype <= E810_PTYPE_IPV6_ICMP;

	switch (prot) {
	case E810_FLEX_PROT_MAC:
	case E810_FLEX_PROT_ETYPE:
	case E810_FLEX_PROT_META:
		return true;
	case E810_FLEX_PROT_IPV4:
		return v4;
	case E810_FLEX_PROT_IPV6:
		return v6;
	case E810_FLEX_PROT_UDP:
		return ptype == E810_PTYPE_IPV4_UDP || ptype == E810_PTYPE_IPV6_UDP;
	case E810_FLEX_PROT_TCP:
		return ptype == E810_PTYPE_IPV4_TCP || ptype == E810_PTYPE_IPV6_TCP;
	default:
		return false;
	}
}

/* What word idx of a field vector is: its protocol ID, META for ones read as 0, 0: unused. */
static unsigned word_kind(unsigned idx, const struct e810_flex_fv *fv)
{
	if (idx == 0 || (fv->prot == E810_FLEX_PROT_META && fv->off != 0x1ffu))
		return E810_FLEX_PROT_META;
	return fv->prot == E810_FLEX_PROT_META ? 0 : fv->prot;
}

/* One word into the flow; false if the flow cannot say it. */
static bool word_flow(struct net_flow *f, uint8_t *dmac, unsigned *dmac_w, unsigned prot,
		      unsigned off, uint16_t m, uint16_t v)
{
	struct net_flow_match *fm = &f->m;

	switch (prot) {
	case E810_FLEX_PROT_META:
		return true; /* the switch ID, metadata: equal by construction */
	case E810_FLEX_PROT_MAC:
		if (off > 4 || m != 0xffff)
			return false; /* the source MAC, part of a word: not a flow field */
		dmac[off] = (uint8_t)(v >> 8);
		dmac[off + 1] = (uint8_t)v;
		*dmac_w |= 1u << (off / 2);
		return true;
	case E810_FLEX_PROT_ETYPE:
		if (off != 0 || m != 0xffff)
			return false;
		fm->fields |= NET_FLOW_F_ETYPE;
		fm->ethertype = v;
		return true;
	case E810_FLEX_PROT_IPV4:
	case E810_FLEX_PROT_IPV6: {
		bool v6 = prot == E810_FLEX_PROT_IPV6;
		unsigned src = v6 ? 8 : 12, dst = v6 ? 24 : 16, alen = v6 ? 16 : 4;

		if ((!v6 && off == 8 && m == 0x00ff) || (v6 && off == 6 && m == 0xff00)) {
			fm->fields |= NET_FLOW_F_PROTO;
			fm->ip_proto = (uint8_t)(v6 ? v >> 8 : v);
			return true;
		}
		if (off >= src && off < src + alen) {
			fm->fields |= NET_FLOW_F_SRC_IP;
			fm->src_ip[off - src] = (uint8_t)(v >> 8);
			fm->src_ip[off - src + 1] = (uint8_t)v;
			fm->src_ip_mask[off - src] = (uint8_t)(m >> 8);
			fm->src_ip_mask[off - src + 1] = (uint8_t)m;
			return true;
		}
		if (off >= dst && off < dst + alen) {
			fm->fields |= NET_FLOW_F_DST_IP;
			fm->dst_ip[off - dst] = (uint8_t)(v >> 8);
			fm->dst_ip[off - dst + 1] = (uint8_t)v;
			fm->dst_ip_mask[off - dst] = (uint8_t)(m >> 8);
			fm->dst_ip_mask[off - dst + 1] = (uint8_t)m;
			return true;
		}
		return false;
	}
	case E810_FLEX_PROT_UDP:
	case E810_FLEX_PROT_TCP:
		if (off == 0) {
			fm->fields |= NET_FLOW_F_SPORT;
			fm->src_port = v;
			fm->src_port_mask = m;
			return true;
		}
		if (off == 2) {
			fm->fields |= NET_FLOW_F_DPORT;
			fm->dst_port = v;
			fm->dst_port_mask = m;
			return true;
		}
		return false;
	default:
		return false;
	}
}

/* The class of frames the rule's profiles and words leave, as flow fields; false: none fits. */
static bool class_flow(const struct e810_swr_tab *t, unsigned j, const struct e810_swr_adv *a,
		       struct net_flow *f)
{
	const uint16_t one[] = { E810_PTYPE_IPV4_UDP, E810_PTYPE_IPV4_TCP, E810_PTYPE_IPV6_UDP,
				 E810_PTYPE_IPV6_TCP };
	unsigned mh = 0, v4 = 0, v6 = 0, all = (1u << E810_SWR_NPT) - 1;

	for (unsigned p = 0; p < E810_SWR_NPT; p++) {
		bool in = t->pt_adv[p] >> j & 1;
		struct e810_flex_fv fv;

		for (unsigned i = 0; i < a->n && in; i++)
			in = e810_flex_sw_fv(t->fx, (unsigned)t->pt_prof[p], a->idx[i], &fv) &&
			     word_in(word_kind(a->idx[i], &fv), npt_list[p]);
		mh |= (unsigned)in << p;
		if (npt_list[p] >= E810_PTYPE_IPV4_FRAG && npt_list[p] <= E810_PTYPE_IPV4_ICMP)
			v4 |= 1u << p;
		if (npt_list[p] >= E810_PTYPE_IPV6_FRAG && npt_list[p] <= E810_PTYPE_IPV6_ICMP)
			v6 |= 1u << p;
	}
	if (mh == all)
		return true;
	if (mh == v4 || mh == v6) {
		f->m.fields |= mh == v4 ? NET_FLOW_F_IPV4 : NET_FLOW_F_IPV6;
		return true;
	}
	for (unsigned k = 0; k < 4; k++)
		if (mh == 1u << pt_slot(one[k])) {
			f->m.fields |= k < 2 ? NET_FLOW_F_IPV4 : NET_FLOW_F_IPV6;
			if ((f->m.fields & NET_FLOW_F_PROTO) && f->m.ip_proto != (k % 2 ? 6 : 17))
				return false; /* never matches: nothing to list */
			f->m.fields |= NET_FLOW_F_PROTO;
			f->m.ip_proto = k % 2 ? 6 : 17;
			return true;
		}
	return false;
}

unsigned e810_swr_adv_flows(const struct e810_swr_tab *t, const uint8_t vm_mac[6],
			    struct net_flow *out, unsigned max)
{
	unsigned n = 0;

	if (!t->fx)
		return 0;
	for (unsigned j = 0; j < t->nadv_on; j++) {
		const struct e810_swr_adv *a = &t->adv[j];
		struct e810_flex_fv fv;
		struct net_flow f;
		uint8_t dmac[6] = { 0 };
		unsigned dmac_w = 0;
		bool ok = a->act.kind != E810_SWR_NONE;

		net_flow_init(&f, vm_mac);
		f.origin = NET_FLOW_FROM_SWITCH_RULE;
		f.origin_id = a->act.rule;
		for (unsigned i = 0; i < a->n && ok; i++)
			ok = e810_flex_sw_fv(t->fx, a->prof, a->idx[i], &fv) &&
			     word_flow(&f, dmac, &dmac_w, word_kind(a->idx[i], &fv), fv.off, a->mask[i],
				       a->val[i]);
		if (!ok || (dmac_w && dmac_w != 7) || !class_flow(t, j, a, &f))
			continue;
		if (dmac_w && !net_flow_and_dst_mac(&f, dmac))
			continue; /* another MAC: never the VM's frames */
		if ((f.m.fields & (NET_FLOW_F_SRC_IP | NET_FLOW_F_DST_IP | NET_FLOW_F_PROTO |
				   NET_FLOW_F_SPORT | NET_FLOW_F_DPORT)) &&
		    !(f.m.fields & (NET_FLOW_F_IPV4 | NET_FLOW_F_IPV6)))
			continue;
		/* After the default lookups of each band (swr_tab.c's ranks 0..5), in slot order. */
		f.priority = (uint16_t)(6u * 256u + j);
		e810_swr_flow_act(&f, &a->act);
		if (n < max)
			out[n] = f;
		n++;
	}
	return n;
}
