// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * E810 admin commands, switch area: the switch configuration, port
 * parameters, resource allocation (VSI lists, flow director counters and
 * profile IDs), VSIs (add/update/get/free with their 128-byte context) and
 * switch rules (MAC, VLAN, promiscuous and default-VSI lookups; VSI and
 * prune lists; rules of added recipes), clear_pf_cfg; the VLAN mode is
 * refused. Recipes: aq_recipe.c.
 *
 * Layouts as the ice driver fills them: ice_aq_get_sw_cfg,
 * ice_get_initial_sw_cfg, ice_aq_add_vsi/update/free, ice_aq_alloc_free_res,
 * ice_alloc_res_cntr (block types: num_elems is the block size and one base
 * index comes back), ice_fill_sw_rule, ice_update_vsi_list_rule.
 */
#include <string.h>

#include "core/log.h"
#include "dev/e810/aq_priv.h"

/* ---- resource pools ------------------------------------------------------------ */

void e810_aq_pools_init(struct e810_aq *aq)
{
	static const struct { uint8_t type; bool block; uint16_t size; } def[] = {
		{ RES_TYPE_VSI_LIST_REP, false, E810_AQ_MAX_VSI_LISTS }, /* shared with prune lists */
		{ RES_TYPE_RECIPE, false, 64 },
		{ RES_TYPE_FDIR_COUNTER_BLOCK, true, 256 },
		{ RES_TYPE_FDIR_GUAR_ENTRIES, true, 1024 },
		{ RES_TYPE_FDIR_SHARED_ENTRIES, true, 1024 },
		{ RES_TYPE_FD_PROF_BLDR_PROFID, false, 128 },
		{ RES_TYPE_FD_PROF_BLDR_TCAM, false, 256 },
		{ RES_TYPE_HASH_PROF_BLDR_PROFID, false, 128 },
		{ RES_TYPE_HASH_PROF_BLDR_TCAM, false, 256 },
	};

	memset(aq->pool, 0, sizeof(aq->pool));
	for (unsigned i = 0; i < sizeof(def) / sizeof(def[0]); i++) {
		aq->pool[i].type = def[i].type;
		aq->pool[i].block = def[i].block;
		aq->pool[i].size = def[i].size;
	}
	/* ID 0 of the lists stays unused so that a zero in a rule is never a list. */
	aq->pool[0].used[0] = 1;
	/* Recipes 0..9 are the firmware's own lookups: never handed out. */
	aq->pool[1].used[0] = (1ull << E810_AQ_DFLT_RECIPES) - 1;
}

static struct e810_aq_pool *pool_of(struct e810_aq *aq, uint8_t type)
{
	if (type == RES_TYPE_VSI_LIST_PRUNE)
		type = RES_TYPE_VSI_LIST_REP;
	for (unsigned i = 0; i < E810_AQ_NPOOLS; i++)
		if (aq->pool[i].size && aq->pool[i].type == type)
			return &aq->pool[i];
	return NULL;
}

static bool pool_used(const struct e810_aq_pool *p, unsigned id)
{
	return id < p->size && (p->used[id / 64] >> (id % 64) & 1);
}

static void pool_set(struct e810_aq_pool *p, unsigned id, bool on)
{
	if (on)
		p->used[id / 64] |= 1ull << (id % 64);
	else
		p->used[id / 64] &= ~(1ull << (id % 64));
}

/* First fit of n free IDs in a row; -1 if none. */
static int pool_find_run(const struct e810_aq_pool *p, unsigned n)
{
	unsigned run = 0;

	for (unsigned id = 0; id < p->size; id++) {
		run = pool_used(p, id) ? 0 : run + 1;
		if (run == n)
			return (int)(id + 1 - n);
	}
	return -1;
}

static unsigned pool_free_count(const struct e810_aq_pool *p)
{
	unsigned n = 0;

	for (unsigned id = 0; id < p->size; id++)
		n += !pool_used(p, id);
	return n;
}

bool e810_aq_res_used(struct e810_aq *aq, uint8_t type, unsigned id)
{
	const struct e810_aq_pool *p = pool_of(aq, type);

	return p && pool_used(p, id);
}

static struct e810_aq_vsi_list *vlist_get(struct e810_aq *aq, uint16_t id)
{
	for (unsigned i = 0; i < E810_AQ_MAX_VSI_LISTS; i++)
		if (aq->st.vlist[i].in_use && aq->st.vlist[i].id == id)
			return &aq->st.vlist[i];
	return NULL;
}

static uint16_t h_alloc_res(struct e810_aq *aq, struct e810_aq_ctx *c)
{
	uint16_t rt = le16_at(c->buf + ARB_RES_TYPE), n = le16_at(c->buf + ARB_NUM_ELEMS);
	uint8_t type = rt & RES_TYPE_M;
	struct e810_aq_pool *p = pool_of(aq, type);
	unsigned slots = (c->buf_len - ARB_ELEMS) / 2u;

	if (le16_at(prm(c) + AR_NUM_ENTRIES) < 1 || c->buf_len < ARB_ELEMS + 2)
		return AQ_RC_EINVAL;
	if (!p || n < 1 || n > p->size)
		return AQ_RC_EINVAL;
	if (p->block) {
		int base = pool_find_run(p, n);

		if (base < 0)
			return AQ_RC_ENOSPC;
		for (unsigned i = 0; i < n; i++)
			pool_set(p, (unsigned)base + i, true);
		put_le16(c->buf + ARB_ELEMS, (uint16_t)base);
	} else {
		bool list = type == RES_TYPE_VSI_LIST_REP || type == RES_TYPE_VSI_LIST_PRUNE;
		unsigned got = 0;

		if (n > slots)
			return AQ_RC_EINVAL;
		if (pool_free_count(p) < n)
			return AQ_RC_ENOSPC;
		for (unsigned id = 0; id < p->size && got < n; id++) {
			if (pool_used(p, id))
				continue;
			if (list) {
				struct e810_aq_vsi_list *l = NULL;

				for (unsigned i = 0; i < E810_AQ_MAX_VSI_LISTS && !l; i++)
					if (!aq->st.vlist[i].in_use)
						l = &aq->st.vlist[i];
				if (!l)
					break; /* cannot happen: the pool is no bigger */
				memset(l, 0, sizeof(*l));
				l->in_use = true;
				l->id = (uint16_t)id;
				l->res_type = type;
			}
			pool_set(p, id, true);
			put_le16(c->buf + ARB_ELEMS + 2 * got, (uint16_t)id);
			got++;
		}
	}
	aq_reply(c, c->buf_len);
	return AQ_RC_OK;
}

static uint16_t h_free_res(struct e810_aq *aq, struct e810_aq_ctx *c)
{
	uint16_t n = le16_at(c->buf + ARB_NUM_ELEMS);
	uint8_t type = le16_at(c->buf + ARB_RES_TYPE) & RES_TYPE_M;
	struct e810_aq_pool *p = pool_of(aq, type);
	unsigned slots = (c->buf_len - ARB_ELEMS) / 2u;

	if (le16_at(prm(c) + AR_NUM_ENTRIES) < 1 || c->buf_len < ARB_ELEMS + 2)
		return AQ_RC_EINVAL;
	if (!p || n < 1 || n > p->size)
		return AQ_RC_EINVAL;
	if (p->block) {
		unsigned base = le16_at(c->buf + ARB_ELEMS);

		if (base + n > p->size)
			return AQ_RC_EINVAL;
		for (unsigned i = 0; i < n; i++)
			if (!pool_used(p, base + i))
				return AQ_RC_ENOENT;
		for (unsigned i = 0; i < n; i++)
			pool_set(p, base + i, false);
		return AQ_RC_OK;
	}
	if (n > slots)
		return AQ_RC_EINVAL;
	for (unsigned i = 0; i < n; i++) {
		uint16_t id = le16_at(c->buf + ARB_ELEMS + 2 * i);

		if (!pool_used(p, id))
			return AQ_RC_ENOENT;
		/* A list ID must name a list of that type (0 is never handed out). */
		if ((type == RES_TYPE_VSI_LIST_REP || type == RES_TYPE_VSI_LIST_PRUNE) &&
		    (!vlist_get(aq, id) || vlist_get(aq, id)->res_type != type))
			return AQ_RC_ENOENT;
	}
	for (unsigned i = 0; i < n; i++) {
		uint16_t id = le16_at(c->buf + ARB_ELEMS + 2 * i);
		struct e810_aq_vsi_list *l = vlist_get(aq, id);

		if (l && (type == RES_TYPE_VSI_LIST_REP || type == RES_TYPE_VSI_LIST_PRUNE))
			memset(l, 0, sizeof(*l));
		if (type == RES_TYPE_RECIPE && id < E810_AQ_MAX_RECIPES)
			memset(&aq->st.recipe[id], 0, sizeof(aq->st.recipe[id]));
		pool_set(p, id, false);
	}
	return AQ_RC_OK;
}

/* ---- switch configuration ---------------------------------------------------- */

/* One element: the physical port, number 0, switch 0, this PF. */
static uint16_t h_get_sw_cfg(struct e810_aq *aq, struct e810_aq_ctx *c)
{
	uint8_t *p = prm(c);

	if (c->buf_len < GSW_ELEM_SIZE)
		return AQ_RC_ENOMEM;
	put_le16(c->buf + 0, (uint16_t)(GSW_TYPE_PHYS_PORT << 14 | 0));
	put_le16(c->buf + 2, 0);
	put_le16(c->buf + 4, aq->cfg.pf_id);
	put_le16(p + GSW_ELEMENT, 0);
	put_le16(p + GSW_NUM_ELEMS, 1);
	aq_reply(c, GSW_ELEM_SIZE);
	return AQ_RC_OK;
}

/* Single VLAN mode only: double VLAN is refused (get_vlan_mode says ENOSYS). */
static uint16_t h_set_port_params(struct e810_aq *aq, struct e810_aq_ctx *c)
{
	(void)aq;
	if (le16_at(prm(c) + SPP_CMD_FLAGS) & SPP_DOUBLE_VLAN)
		return AQ_RC_EINVAL;
	return AQ_RC_OK;
}

static uint16_t h_enosys(struct e810_aq *aq, struct e810_aq_ctx *c)
{
	(void)aq;
	(void)c;
	return AQ_RC_ENOSYS;
}

/* ---- VSIs -------------------------------------------------------------------------- */

struct e810_aq_vsi *e810_aq_vsi_get(struct e810_aq *aq, uint16_t num)
{
	for (unsigned i = 0; i < E810_AQ_MAX_VSI; i++)
		if (aq->st.vsi[i].in_use && aq->st.vsi[i].num == num)
			return &aq->st.vsi[i];
	return NULL;
}

/* Byte ranges of the context sections, by their valid_sections bit. */
static const struct { uint8_t bit, off, len; } vsi_sect[] = {
	{ 0, 2, 4 },    /* switch */
	{ 1, 6, 2 },    /* security */
	{ 2, 8, 8 },    /* inner VLAN */
	{ 3, 24, 4 },   /* outer tag */
	{ 4, 16, 4 },   /* ingress user priority table */
	{ 5, 20, 4 },   /* egress user priority table */
	{ 6, 28, 50 },  /* RX queue map: flags, q_mapping[16], tc_mapping[8] */
	{ 7, 78, 6 },   /* queueing options */
	{ 8, 84, 4 },   /* outer user priority table */
	{ 11, 90, 10 }, /* flow director */
	{ 12, 100, 4 }, /* PASID */
};

/*
 * The RX queue map must name queues this PF has: contiguous (first, count)
 * or up to 16 scattered queues.
 */
static bool vsi_qmap_ok(const struct e810_aq *aq, const uint8_t *props)
{
	uint16_t flags = le16_at(props + VP_MAPPING_FLAGS);
	uint16_t nq = aq->cfg.num_queues;

	if (!(le16_at(props + VP_VALID_SECTIONS) & (1u << 6)))
		return true;
	if (flags & 1) {
		for (unsigned i = 0; i < 16; i++) {
			uint16_t q = le16_at(props + VP_Q_MAPPING + 2 * i) & 0x7ffu;

			if (q >= nq && q != 0x7ffu && q != 0)
				return false;
		}
		return true;
	}
	uint16_t first = le16_at(props + VP_Q_MAPPING) & 0x7ffu;
	uint16_t count = le16_at(props + VP_Q_MAPPING + 2) & 0x7ffu;

	return count >= 1 && first < nq && count <= nq - first;
}

static void vsi_counts(struct e810_aq *aq, uint8_t *p)
{
	put_le16(p + VR_EXT_STATUS, 0);
	put_le16(p + VR_VSI_USED, aq->st.nvsi);
	put_le16(p + VR_VSI_FREE, (uint16_t)(E810_AQ_MAX_VSI - aq->st.nvsi));
}

static uint16_t h_add_vsi(struct e810_aq *aq, struct e810_aq_ctx *c)
{
	uint8_t *p = prm(c);
	uint16_t req = le16_at(p + VC_VSI_NUM), vflags = le16_at(p + VC_VSI_FLAGS);
	struct e810_aq_vsi *v = NULL;
	uint16_t num;

	if (!vsi_qmap_ok(aq, c->buf))
		return AQ_RC_EINVAL;
	for (unsigned i = 0; i < E810_AQ_MAX_VSI && !v; i++)
		if (!aq->st.vsi[i].in_use)
			v = &aq->st.vsi[i];
	if (!v)
		return AQ_RC_ENOSPC;
	if (req & VSI_IS_VALID) {
		num = req & VSI_NUM_M;
		if (e810_aq_vsi_get(aq, num))
			return AQ_RC_EEXIST;
	} else {
		/* Numbers from 1 up (0 left unused), the lowest free one. */
		for (num = 1; num <= VSI_NUM_M && e810_aq_vsi_get(aq, num); num++)
			;
		if (num > VSI_NUM_M)
			return AQ_RC_ENOSPC;
	}
	memset(v, 0, sizeof(*v));
	v->in_use = true;
	v->num = num;
	v->type = vflags & 0x3u;
	v->vf_id = p[VC_VF_ID];
	memcpy(v->props, c->buf, VSI_PROPS_SIZE);
	aq->st.nvsi++;
	put_le16(p + VR_VSI_NUM, num);
	vsi_counts(aq, p);
	return AQ_RC_OK;
}

static uint16_t h_update_vsi(struct e810_aq *aq, struct e810_aq_ctx *c)
{
	uint8_t *p = prm(c);
	uint16_t req = le16_at(p + VC_VSI_NUM);
	uint16_t valid = le16_at(c->buf + VP_VALID_SECTIONS);
	struct e810_aq_vsi *v;
	uint8_t merged[VSI_PROPS_SIZE];

	if (!(req & VSI_IS_VALID) || !(v = e810_aq_vsi_get(aq, req & VSI_NUM_M)))
		return AQ_RC_ENOENT;
	memcpy(merged, v->props, sizeof(merged));
	for (unsigned i = 0; i < sizeof(vsi_sect) / sizeof(vsi_sect[0]); i++)
		if (valid & (1u << vsi_sect[i].bit))
			memcpy(merged + vsi_sect[i].off, c->buf + vsi_sect[i].off, vsi_sect[i].len);
	put_le16(merged + VP_VALID_SECTIONS,
		 (uint16_t)(le16_at(v->props + VP_VALID_SECTIONS) | valid));
	/* Check the map as it will be, with the section bit of the update. */
	if ((valid & (1u << 6)) && !vsi_qmap_ok(aq, c->buf))
		return AQ_RC_EINVAL;
	memcpy(v->props, merged, sizeof(merged));
	put_le16(p + VR_VSI_NUM, v->num);
	vsi_counts(aq, p);
	return AQ_RC_OK;
}

static uint16_t h_get_vsi(struct e810_aq *aq, struct e810_aq_ctx *c)
{
	uint16_t req = le16_at(prm(c) + VC_VSI_NUM);
	struct e810_aq_vsi *v;

	if (!(req & VSI_IS_VALID) || !(v = e810_aq_vsi_get(aq, req & VSI_NUM_M)))
		return AQ_RC_ENOENT;
	memcpy(c->buf, v->props, VSI_PROPS_SIZE);
	vsi_counts(aq, prm(c));
	aq_reply(c, VSI_PROPS_SIZE);
	return AQ_RC_OK;
}

/*
 * Drops a VSI and its membership in VSI lists. Its rules and queues are the
 * driver's to remove first (ice_vsi_release does); they are left as they are.
 */
static void vsi_drop(struct e810_aq *aq, struct e810_aq_vsi *v)
{
	for (unsigned i = 0; i < E810_AQ_MAX_VSI_LISTS; i++) {
		struct e810_aq_vsi_list *l = &aq->st.vlist[i];

		if (l->in_use && v->num < 768)
			l->vsis[v->num / 64] &= ~(1ull << (v->num % 64));
	}
	memset(v, 0, sizeof(*v));
	aq->st.nvsi--;
}

static uint16_t h_free_vsi(struct e810_aq *aq, struct e810_aq_ctx *c)
{
	uint8_t *p = prm(c);
	uint16_t req = le16_at(p + VC_VSI_NUM);
	struct e810_aq_vsi *v;

	if (!(req & VSI_IS_VALID) || !(v = e810_aq_vsi_get(aq, req & VSI_NUM_M)))
		return AQ_RC_ENOENT;
	vsi_drop(aq, v);
	put_le16(p + VR_VSI_NUM, req & VSI_NUM_M);
	vsi_counts(aq, p);
	return AQ_RC_OK;
}

/* ---- switch rules ---------------------------------------------------------------- */

static struct e810_aq_rule *rule_get(struct e810_aq *aq, uint16_t index)
{
	for (unsigned i = 0; i < E810_AQ_MAX_RULES; i++)
		if (aq->st.rule[i].in_use && aq->st.rule[i].index == index)
			return &aq->st.rule[i];
	return NULL;
}

/* Size of the element at off (0 if it does not fit in len). */
static unsigned rule_elem_size(const uint8_t *b, unsigned off, unsigned len)
{
	unsigned type, sz;

	if (off + 4 > len)
		return 0;
	type = le16_at(b + off + SRE_TYPE);
	switch (type) {
	case SW_RULE_LKUP_RX:
	case SW_RULE_LKUP_TX:
		if (off + SRL_HDR > len)
			return 0;
		sz = SRL_HDR + le16_at(b + off + SRL_HDR_LEN);
		break;
	case SW_RULE_VSI_LIST_SET:
	case SW_RULE_VSI_LIST_CLEAR:
	case SW_RULE_PRUNE_LIST_SET:
	case SW_RULE_PRUNE_LIST_CLEAR:
		if (off + SRV_VSI > len)
			return 0;
		sz = SRV_VSI + 2u * le16_at(b + off + SRV_NUMBER);
		break;
	default:
		return 0;
	}
	return off + sz <= len ? sz : 0;
}

/* An action may name a VSI or a VSI list: they must exist. */
static bool rule_act_ok(struct e810_aq *aq, uint32_t act)
{
	uint16_t id = (uint16_t)((act & ACT_VSI_ID_M) >> ACT_VSI_ID_S);

	switch (act & ACT_TYPE_M) {
	case ACT_VSI_FWD:
		if (act & ACT_DROP)
			return true;
		return (act & ACT_VSI_LIST) ? vlist_get(aq, id) != NULL : e810_aq_vsi_get(aq, id) != NULL;
	case ACT_TO_Q: { /* a queue, or a region of 2^n queues from it (absolute PF queues) */
		unsigned q = (act & ACT_Q_INDEX_M) >> ACT_Q_INDEX_S;
		unsigned n = 1u << ((act & ACT_Q_REGION_M) >> ACT_Q_REGION_S);

		return q + n <= aq->cfg.num_queues;
	}
	case ACT_PRUNE: /* VLAN pruning: VSI or prune list */
		return (act & ACT_VSI_LIST) ? vlist_get(aq, id) != NULL : e810_aq_vsi_get(aq, id) != NULL;
	default:
		return false; /* mirroring, counters: not offered */
	}
}

static bool vsi_list_op_ok(struct e810_aq *aq, const uint8_t *e, uint16_t type)
{
	struct e810_aq_vsi_list *l = vlist_get(aq, le16_at(e + SRV_INDEX));
	unsigned n = le16_at(e + SRV_NUMBER);
	bool prune = type == SW_RULE_PRUNE_LIST_SET || type == SW_RULE_PRUNE_LIST_CLEAR;

	if (!l || (l->res_type == RES_TYPE_VSI_LIST_PRUNE) != prune)
		return false;
	for (unsigned i = 0; i < n; i++)
		if (!e810_aq_vsi_get(aq, le16_at(e + SRV_VSI + 2 * i)))
			return false;
	return true;
}

static void vsi_list_apply(struct e810_aq *aq, const uint8_t *e, uint16_t type)
{
	struct e810_aq_vsi_list *l = vlist_get(aq, le16_at(e + SRV_INDEX));
	unsigned n = le16_at(e + SRV_NUMBER);
	bool set = type == SW_RULE_VSI_LIST_SET || type == SW_RULE_PRUNE_LIST_SET;

	if (!l)
		return;
	for (unsigned i = 0; i < n; i++) {
		uint16_t vsi = le16_at(e + SRV_VSI + 2 * i) & VSI_NUM_M;

		if (vsi >= 768)
			continue;
		if (set)
			l->vsis[vsi / 64] |= 1ull << (vsi % 64);
		else
			l->vsis[vsi / 64] &= ~(1ull << (vsi % 64));
	}
}

enum rule_op { RULE_ADD, RULE_UPDATE, RULE_REMOVE };

/*
 * A lookup rule's recipe: one of the firmware's own lookups (ice's
 * ICE_SW_LKUP_*: ethertype 0, MAC 1, MAC+VLAN 2, promiscuous 3, VLAN 4,
 * default VSI 5, ethertype+MAC 8, promiscuous+VLAN 9), with the 16-byte
 * dummy Ethernet header they match on, or a root recipe add_recipe
 * programmed (an advanced rule: its header is the dummy packet).
 */
static bool rule_recipe_ok(const struct e810_aq *aq, const uint8_t *e, enum rule_op op)
{
	uint16_t rid = le16_at(e + SRL_RECIPE);
	unsigned hl = le16_at(e + SRL_HDR_LEN);

	if (rid < E810_AQ_DFLT_RECIPES) {
		if (rid == 6 || rid == 7)
			return false;
		if (rid == LKUP_DFLT) /* matches every frame: its header says nothing */
			return true;
		/* An update may leave the header as added (length 0). */
		return hl >= SW_DUMMY_HDR || (op == RULE_UPDATE && hl == 0);
	}
	if (rid >= E810_AQ_MAX_RECIPES || !aq->st.recipe[rid].in_use)
		return false;
	return aq->st.recipe[rid].elem[RCP_CONTENT_RID] & RCP_IS_ROOT;
}

/*
 * Checks every element before changing anything, so that a command is done
 * whole or not at all. Large actions are not offered (ENOSPC).
 */
static uint16_t rules_do(struct e810_aq *aq, struct e810_aq_ctx *c, enum rule_op op)
{
	unsigned nr = le16_at(prm(c) + SR_NUM_RULES), off = 0, free_slots = 0, adv = 0;
	uint8_t *b = c->buf;

	if (nr < 1 || nr > E810_AQ_MAX_RULES)
		return AQ_RC_EINVAL;
	for (unsigned i = 0; i < E810_AQ_MAX_RULES; i++) {
		free_slots += !aq->st.rule[i].in_use;
		adv += aq->st.rule[i].in_use && aq->st.rule[i].recipe >= E810_AQ_DFLT_RECIPES;
	}
	for (unsigned i = 0, adds = 0; i < nr; i++) {
		unsigned sz;
		uint16_t type;

		if (off + 4 <= c->buf_len && le16_at(b + off + SRE_TYPE) == SW_RULE_LG_ACT)
			return AQ_RC_ENOSPC;
		sz = rule_elem_size(b, off, c->buf_len);
		if (!sz)
			return AQ_RC_EINVAL;
		type = le16_at(b + off + SRE_TYPE);
		if (type == SW_RULE_LKUP_RX || type == SW_RULE_LKUP_TX) {
			const uint8_t *e = b + off;

			if (op == RULE_ADD) {
				if (++adds > free_slots)
					return AQ_RC_ENOSPC;
				/* Advanced rules: at most E810_AQ_MAX_ADV_RULES of the table. */
				if (le16_at(e + SRL_RECIPE) >= E810_AQ_DFLT_RECIPES &&
				    ++adv > E810_AQ_MAX_ADV_RULES)
					return AQ_RC_ENOSPC;
				if (!rule_act_ok(aq, le32_at(e + SRL_ACT)) || !rule_recipe_ok(aq, e, op))
					return AQ_RC_EINVAL;
			} else if (!rule_get(aq, le16_at(e + SRL_INDEX))) {
				return AQ_RC_ENOENT;
			} else if (op == RULE_UPDATE && (!rule_act_ok(aq, le32_at(e + SRL_ACT)) ||
							 !rule_recipe_ok(aq, e, op))) {
				return AQ_RC_EINVAL;
			}
		} else if (op != RULE_REMOVE && !vsi_list_op_ok(aq, b + off, type)) {
			return AQ_RC_EINVAL;
		} else if (op == RULE_REMOVE && !vlist_get(aq, le16_at(b + off + SRV_INDEX))) {
			return AQ_RC_ENOENT;
		}
		off += sz;
	}
	off = 0;
	for (unsigned i = 0; i < nr; i++) {
		uint8_t *e = b + off;
		unsigned sz = rule_elem_size(b, off, c->buf_len);
		uint16_t type = le16_at(e + SRE_TYPE);

		off += sz;
		if (type != SW_RULE_LKUP_RX && type != SW_RULE_LKUP_TX) {
			if (op == RULE_REMOVE) {
				struct e810_aq_vsi_list *l = vlist_get(aq, le16_at(e + SRV_INDEX));

				if (l)
					memset(l->vsis, 0, sizeof(l->vsis));
			} else {
				vsi_list_apply(aq, e, type);
			}
			continue;
		}
		if (op == RULE_REMOVE) {
			struct e810_aq_rule *gone = rule_get(aq, le16_at(e + SRL_INDEX));

			if (gone) { /* the same index twice: removed once */
				memset(gone, 0, sizeof(*gone));
				aq->st.nrules--;
			}
			continue;
		}
		struct e810_aq_rule *r;

		if (op == RULE_UPDATE) {
			r = rule_get(aq, le16_at(e + SRL_INDEX));
			if (!r)
				continue; /* cannot happen: checked above */
		} else {
			r = NULL;
			for (unsigned k = 0; k < E810_AQ_MAX_RULES && !r; k++)
				if (!aq->st.rule[k].in_use)
					r = &aq->st.rule[k];
			if (!r)
				break; /* cannot happen: free slots were counted */
			memset(r, 0, sizeof(*r));
			r->in_use = true;
			do {
				aq->next_rule = (uint16_t)(aq->next_rule + 1);
			} while (aq->next_rule == 0 || rule_get(aq, aq->next_rule));
			r->index = aq->next_rule;
			aq->st.nrules++;
			put_le16(e + SRL_INDEX, r->index);
		}
		r->type = type;
		r->recipe = le16_at(e + SRL_RECIPE);
		r->src = le16_at(e + SRL_SRC);
		r->act = le32_at(e + SRL_ACT);
		/* An update without a header keeps the one the rule was added with. */
		if (op == RULE_ADD || le16_at(e + SRL_HDR_LEN)) {
			unsigned hl = le16_at(e + SRL_HDR_LEN);

			r->hdr_len = (uint16_t)hl;
			memset(r->hdr, 0, sizeof(r->hdr));
			memcpy(r->hdr, e + SRL_HDR, hl < sizeof(r->hdr) ? hl : sizeof(r->hdr));
		}
	}
	if (op == RULE_ADD)
		aq_reply(c, c->buf_len);
	return AQ_RC_OK;
}

/*
 * Refusals counted, a full table apart: ENOSPC, as the firmware answers when
 * its rule memory is used up (ice's ice_aq_sw_rules gets -EIO with
 * sq_last_status ICE_AQ_RC_ENOSPC and fails the filter add).
 */
static uint16_t rules_cmd(struct e810_aq *aq, struct e810_aq_ctx *c, enum rule_op op)
{
	uint16_t rc = rules_do(aq, c, op);

	if (rc == AQ_RC_ENOSPC && op == RULE_ADD)
		aq->stats.sw_rules_full++;
	else if (rc != AQ_RC_OK)
		aq->stats.sw_rules_refused++;
	if (rc != AQ_RC_OK)
		LOG_RL(LOG_LVL_INFO, COMP, "switch rules (%s): refused with %u",
		       op == RULE_ADD ? "add" : op == RULE_UPDATE ? "update" : "remove", rc);
	return rc;
}

static uint16_t h_add_rules(struct e810_aq *aq, struct e810_aq_ctx *c)
{
	return rules_cmd(aq, c, RULE_ADD);
}

static uint16_t h_update_rules(struct e810_aq *aq, struct e810_aq_ctx *c)
{
	return rules_cmd(aq, c, RULE_UPDATE);
}

static uint16_t h_remove_rules(struct e810_aq *aq, struct e810_aq_ctx *c)
{
	return rules_cmd(aq, c, RULE_REMOVE);
}

/* ---- clear_pf_cfg and reset --------------------------------------------------------- */

void e810_aq_sw_reset(struct e810_aq *aq)
{
	struct e810_aq_state *st = &aq->st;

	for (unsigned i = 0; i < E810_AQ_MAX_QUEUES; i++)
		if (st->txq[i].in_use)
			e810_aq_txq_drop(aq, &st->txq[i]);
	memset(st->vsi, 0, sizeof(st->vsi));
	memset(st->rule, 0, sizeof(st->rule));
	memset(st->vlist, 0, sizeof(st->vlist));
	st->nvsi = 0;
	st->nrules = 0;
	aq->next_rule = 0;
	/* VSI lists were handed out from the pool: give their IDs back. */
	memset(aq->pool[0].used, 0, sizeof(aq->pool[0].used));
	aq->pool[0].used[0] = 1;
}

/* Drops VSIs, VSI lists, rules, queues and the scheduler nodes added. */
static uint16_t h_clear_pf_cfg(struct e810_aq *aq, struct e810_aq_ctx *c)
{
	(void)c;
	e810_aq_sw_reset(aq);
	e810_aq_sched_reset(aq);
	return AQ_RC_OK;
}

const struct e810_aq_cmd e810_aq_cmds_sw[] = {
	{ AQC_GET_SW_CFG, AQF_BUF, 1, 0, h_get_sw_cfg, "get_sw_cfg" },
	{ AQC_SET_PORT_PARAMS, 0, 0, 0, h_set_port_params, "set_port_params" },
	{ AQC_ALLOC_RES, AQF_BUF | AQF_IN, ARB_ELEMS + 2, 0, h_alloc_res, "alloc_res" },
	{ AQC_FREE_RES, AQF_BUF | AQF_IN, ARB_ELEMS + 2, 0, h_free_res, "free_res" },
	{ AQC_SET_VLAN_MODE, 0, 0, 0, h_enosys, "set_vlan_mode" },
	{ AQC_GET_VLAN_MODE, 0, 0, 0, h_enosys, "get_vlan_mode" },
	{ AQC_ADD_VSI, AQF_BUF | AQF_IN, VSI_PROPS_SIZE, VSI_PROPS_SIZE, h_add_vsi, "add_vsi" },
	{ AQC_UPDATE_VSI, AQF_BUF | AQF_IN, VSI_PROPS_SIZE, VSI_PROPS_SIZE, h_update_vsi, "update_vsi" },
	{ AQC_GET_VSI, AQF_BUF, VSI_PROPS_SIZE, 0, h_get_vsi, "get_vsi" },
	{ AQC_FREE_VSI, 0, 0, 0, h_free_vsi, "free_vsi" },
	{ AQC_ADD_SW_RULES, AQF_BUF | AQF_IN, 4, 0, h_add_rules, "add_sw_rules" },
	{ AQC_UPDATE_SW_RULES, AQF_BUF | AQF_IN, 4, 0, h_update_rules, "update_sw_rules" },
	{ AQC_REMOVE_SW_RULES, AQF_BUF | AQF_IN, 4, 0, h_remove_rules, "remove_sw_rules" },
	{ AQC_CLEAR_PF_CFG, 0, 0, 0, h_clear_pf_cfg, "clear_pf_cfg" },
	{ 0, 0, 0, 0, NULL, NULL },
};
