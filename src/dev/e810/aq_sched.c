// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * E810 admin commands, transmit scheduler area: the default topology, the
 * scheduler resources, adding, configuring, querying, moving, suspending
 * and deleting scheduler elements, and the LAN TX queues (add_txqs /
 * dis_txqs) that hang as leaves at the bottom of the tree.
 *
 * The tree has 9 layers as a real E810 without a DDP Tx topology change:
 * root (0), TC (1), then the layers the driver builds into: the entry point
 * layer (2), its aggregator layer (3 = layers - 6), VSI layer (5 = layers -
 * 4), queue group layer (7 = layers - 2) and the queues (8). The default
 * branch is root, TC 0, an ENTRY_POINT node (its index becomes the driver's
 * sw_entry_point_layer, which must not be 0), generic nodes and a default
 * leaf; the driver deletes everything below the TC (ice_sched_init_port,
 * ice_sched_rm_dflt_nodes) and queries each node it records with
 * get_sched_elems (ice_sched_add_node). The per-layer child limits given by
 * query_sched_res are enforced here as the driver sizes its arrays by them.
 */
#include <string.h>

#include "dev/e810/aq_priv.h"

#define LAYERS E810_AQ_SCHED_LAYERS
#define QGRP_LAYER (LAYERS - 2)
#define LEAF_LAYER (LAYERS - 1)
#define NO_PARENT 0xffffffffu

/* Children a node of each layer may have (query_sched_res reports them). */
static const uint16_t max_children[LAYERS] = { 8, 8, 16, 16, 16, 16, 16, 8, 0 };

static struct e810_aq_sched_node *node_get(struct e810_aq *aq, uint32_t teid)
{
	for (unsigned i = 0; i < E810_AQ_MAX_SCHED_NODES; i++)
		if (aq->st.node[i].in_use && aq->st.node[i].teid == teid)
			return &aq->st.node[i];
	return NULL;
}

static unsigned nodes_free(const struct e810_aq *aq)
{
	return E810_AQ_MAX_SCHED_NODES - aq->st.nnodes;
}

static uint32_t teid_alloc(struct e810_aq *aq)
{
	do {
		aq->next_teid++;
		if (aq->next_teid >= 0x10000000u)
			aq->next_teid = 0x100;
	} while (node_get(aq, aq->next_teid));
	return aq->next_teid;
}

/* Adds a node under parent (NULL: the root); elem gives its data. */
static struct e810_aq_sched_node *node_add(struct e810_aq *aq, struct e810_aq_sched_node *parent,
					   uint32_t teid, const uint8_t elem[SCHED_ELEM_SIZE])
{
	struct e810_aq_sched_node *n = NULL;

	for (unsigned i = 0; i < E810_AQ_MAX_SCHED_NODES && !n; i++)
		if (!aq->st.node[i].in_use)
			n = &aq->st.node[i];
	if (!n)
		return NULL;
	memset(n, 0, sizeof(*n));
	n->in_use = true;
	n->teid = teid;
	n->parent = parent ? parent->teid : NO_PARENT;
	n->layer = parent ? (uint8_t)(parent->layer + 1) : 0;
	memcpy(n->elem, elem, SCHED_ELEM_SIZE);
	if (parent)
		parent->children++;
	aq->st.nnodes++;
	return n;
}

static void node_del(struct e810_aq *aq, struct e810_aq_sched_node *n)
{
	struct e810_aq_sched_node *p = node_get(aq, n->parent);

	if (p && p->children)
		p->children--;
	memset(n, 0, sizeof(*n));
	aq->st.nnodes--;
}

static void elem_default(uint8_t e[SCHED_ELEM_SIZE], uint8_t type)
{
	memset(e, 0, SCHED_ELEM_SIZE);
	e[0] = type;
	if (type != ELEM_TYPE_ROOT_PORT)
		e[1] = ELEM_VALID_GENERIC | ELEM_VALID_CIR | ELEM_VALID_EIR;
	/* CIR and EIR: profile 0, weight 4 (the driver's defaults). */
	put_le16(e + 6, 4);
	put_le16(e + 10, 4);
}

/* The tree as the firmware builds it at reset. */
void e810_aq_sched_reset(struct e810_aq *aq)
{
	static const uint8_t types[LAYERS] = {
		ELEM_TYPE_ROOT_PORT, ELEM_TYPE_TC, ELEM_TYPE_ENTRY_POINT,
		ELEM_TYPE_SE_GENERIC, ELEM_TYPE_SE_GENERIC, ELEM_TYPE_SE_GENERIC,
		ELEM_TYPE_SE_GENERIC, ELEM_TYPE_SE_GENERIC, ELEM_TYPE_LEAF,
	};
	struct e810_aq_sched_node *parent = NULL;
	uint8_t e[SCHED_ELEM_SIZE];

	memset(aq->st.node, 0, sizeof(aq->st.node));
	aq->st.nnodes = 0;
	for (unsigned l = 0; l < LAYERS; l++) {
		elem_default(e, types[l]);
		parent = node_add(aq, parent, l, e);
	}
	aq->next_teid = 0x100;
}

static bool is_txq_leaf(const struct e810_aq *aq, uint32_t teid)
{
	for (unsigned i = 0; i < E810_AQ_MAX_QUEUES; i++)
		if (aq->st.txq[i].in_use && aq->st.txq[i].teid == teid)
			return true;
	return false;
}

static void elem_out(uint8_t *d, const struct e810_aq_sched_node *n)
{
	put_le32(d + 0, n->parent);
	put_le32(d + 4, n->teid);
	memcpy(d + 8, n->elem, SCHED_ELEM_SIZE);
}

/* ---- topology and resources ------------------------------------------------ */

/* The child of parent with the lowest TEID above after (-1: the first one). */
static struct e810_aq_sched_node *next_child(struct e810_aq *aq, uint32_t parent, int64_t after)
{
	struct e810_aq_sched_node *best = NULL;

	for (unsigned i = 0; i < E810_AQ_MAX_SCHED_NODES; i++) {
		struct e810_aq_sched_node *n = &aq->st.node[i];

		if (n->in_use && n->layer && n->parent == parent && (int64_t)n->teid > after &&
		    (!best || n->teid < best->teid))
			best = n;
	}
	return best;
}

static uint16_t h_get_dflt_topo(struct e810_aq *aq, struct e810_aq_ctx *c)
{
	uint8_t *p = prm(c);
	struct e810_aq_sched_node *root = node_get(aq, 0);
	unsigned branches = 0;

	if (p[TOPO_PORT_NUM] != 0)
		return AQ_RC_EINVAL;
	if (!root || c->buf_len < SCHED_TOPO_BRANCH)
		return AQ_RC_ENOMEM;
	/* One branch per TC: the root, the TC and each first child below. */
	struct e810_aq_sched_node *tc = next_child(aq, root->teid, -1);

	for (unsigned b = 0; tc && b < 8 && (b + 1) * SCHED_TOPO_BRANCH <= c->buf_len; b++) {
		uint8_t *h = c->buf + b * SCHED_TOPO_BRANCH;
		struct e810_aq_sched_node *n = tc;
		unsigned k = 1;

		elem_out(h + SCHED_GRP_HDR, root);
		while (n && k < LAYERS) {
			elem_out(h + SCHED_GRP_HDR + k * SCHED_DATA_SIZE, n);
			k++;
			n = next_child(aq, n->teid, -1);
		}
		tc = next_child(aq, root->teid, tc->teid);
		put_le32(h + 0, NO_PARENT);
		put_le16(h + 4, (uint16_t)k);
		branches++;
	}
	p[TOPO_NUM_BRANCHES] = (uint8_t)branches;
	aq_reply(c, (uint16_t)(branches * SCHED_TOPO_BRANCH));
	return AQ_RC_OK;
}

static uint16_t h_query_sched_res(struct e810_aq *aq, struct e810_aq_ctx *c)
{
	uint8_t *b = c->buf;

	(void)aq;
	if (c->buf_len < QSR_SIZE)
		return AQ_RC_ENOMEM;
	put_le16(b + QSR_PHYS_LEVELS, LAYERS);
	put_le16(b + QSR_LOGICAL_LEVELS, LAYERS);
	for (unsigned l = 0; l < LAYERS; l++) {
		uint8_t *e = b + QSR_LAYER0 + l * QSR_LAYER_SIZE;
		uint16_t nodes = l == LEAF_LAYER ? E810_AQ_MAX_QUEUES : E810_AQ_MAX_SCHED_NODES / 4;

		e[QSRL_LOGICAL_LAYER] = (uint8_t)l;
		e[QSRL_CHUNK_SIZE] = 1;
		put_le16(e + QSRL_MAX_DEVICE_NODES, l == 0 ? 1 : nodes);
		put_le16(e + QSRL_MAX_PF_NODES, l == 0 ? 1 : nodes);
		/* Siblings at layer l = children of a layer l - 1 node. */
		put_le16(e + QSRL_MAX_SIBL_GRP_SZ, l == 0 ? 1 : max_children[l - 1]);
		put_le16(e + QSRL_MAX_CIR_RL_PROFILES, 0);
		put_le16(e + QSRL_MAX_EIR_RL_PROFILES, 0);
		put_le16(e + QSRL_MAX_SRL_PROFILES, 0);
	}
	aq_reply(c, QSR_SIZE);
	return AQ_RC_OK;
}

/* ---- elements ---------------------------------------------------------------- */

static uint16_t h_get_elems(struct e810_aq *aq, struct e810_aq_ctx *c)
{
	uint8_t *p = prm(c);
	unsigned n = le16_at(p + SE_NUM_ELEM_REQ), found = 0;

	if (n < 1 || n * SCHED_DATA_SIZE > c->buf_len)
		return AQ_RC_EINVAL;
	for (unsigned i = 0; i < n; i++) {
		uint8_t *d = c->buf + i * SCHED_DATA_SIZE;
		struct e810_aq_sched_node *node = node_get(aq, le32_at(d + 4));

		if (!node)
			return AQ_RC_ENOENT;
		elem_out(d, node);
		found++;
	}
	put_le16(p + SE_NUM_ELEM_RESP, (uint16_t)found);
	aq_reply(c, (uint16_t)(n * SCHED_DATA_SIZE));
	return AQ_RC_OK;
}

/* Groups of {parent, count} + count elements; every check before any change. */
static uint16_t h_add_elems(struct e810_aq *aq, struct e810_aq_ctx *c)
{
	uint8_t *p = prm(c);
	unsigned groups = le16_at(p + SE_NUM_ELEM_REQ), off = 0, total = 0;

	if (groups < 1)
		return AQ_RC_EINVAL;
	for (unsigned g = 0; g < groups; g++) {
		struct e810_aq_sched_node *parent;
		unsigned n;

		if (off + SCHED_GRP_HDR > c->buf_len)
			return AQ_RC_EINVAL;
		n = le16_at(c->buf + off + 4);
		if (n < 1 || off + SCHED_GRP_HDR + n * SCHED_DATA_SIZE > c->buf_len)
			return AQ_RC_EINVAL;
		parent = node_get(aq, le32_at(c->buf + off));
		if (!parent)
			return AQ_RC_ENOENT;
		/* Queues come with add_txqs; nothing goes below the leaves. */
		if (parent->layer + 1u >= LEAF_LAYER)
			return AQ_RC_EINVAL;
		/* Earlier groups of this command may have the same parent. */
		unsigned already = 0;

		for (unsigned o = 0, h = 0; h < g; h++) {
			if (le32_at(c->buf + o) == parent->teid)
				already += le16_at(c->buf + o + 4);
			o += SCHED_GRP_HDR + le16_at(c->buf + o + 4) * SCHED_DATA_SIZE;
		}
		if (parent->children + already + n > max_children[parent->layer])
			return AQ_RC_ENOSPC;
		for (unsigned i = 0; i < n; i++) {
			const uint8_t *d = c->buf + off + SCHED_GRP_HDR + i * SCHED_DATA_SIZE;

			if (le32_at(d) != parent->teid || d[8] != ELEM_TYPE_SE_GENERIC)
				return AQ_RC_EINVAL;
		}
		total += n;
		off += SCHED_GRP_HDR + n * SCHED_DATA_SIZE;
	}
	if (total > nodes_free(aq))
		return AQ_RC_ENOSPC;
	off = 0;
	for (unsigned g = 0; g < groups; g++) {
		struct e810_aq_sched_node *parent = node_get(aq, le32_at(c->buf + off));
		unsigned n = le16_at(c->buf + off + 4);

		for (unsigned i = 0; i < n; i++) {
			uint8_t *d = c->buf + off + SCHED_GRP_HDR + i * SCHED_DATA_SIZE;
			uint32_t teid = teid_alloc(aq);

			node_add(aq, parent, teid, d + 8);
			put_le32(d + 4, teid);
		}
		off += SCHED_GRP_HDR + n * SCHED_DATA_SIZE;
	}
	put_le16(p + SE_NUM_ELEM_RESP, (uint16_t)groups);
	aq_reply(c, c->buf_len);
	return AQ_RC_OK;
}

/* Bandwidth and priority of existing elements; type and flags are kept. */
static uint16_t h_cfg_elems(struct e810_aq *aq, struct e810_aq_ctx *c)
{
	uint8_t *p = prm(c);
	unsigned n = le16_at(p + SE_NUM_ELEM_REQ);

	if (n < 1 || n * SCHED_DATA_SIZE > c->buf_len)
		return AQ_RC_EINVAL;
	for (unsigned i = 0; i < n; i++)
		if (!node_get(aq, le32_at(c->buf + i * SCHED_DATA_SIZE + 4)))
			return AQ_RC_ENOENT;
	for (unsigned i = 0; i < n; i++) {
		const uint8_t *d = c->buf + i * SCHED_DATA_SIZE;
		struct e810_aq_sched_node *node = node_get(aq, le32_at(d + 4));

		node->elem[1] = d[8 + 1];
		node->elem[2] = d[8 + 2];
		memcpy(node->elem + 4, d + 8 + 4, SCHED_ELEM_SIZE - 4);
	}
	put_le16(p + SE_NUM_ELEM_RESP, (uint16_t)n);
	aq_reply(c, (uint16_t)(n * SCHED_DATA_SIZE));
	return AQ_RC_OK;
}

static uint16_t h_move_elems(struct e810_aq *aq, struct e810_aq_ctx *c)
{
	uint8_t *p = prm(c);
	unsigned groups = le16_at(p + SE_NUM_ELEM_REQ), off = 0;

	if (groups < 1)
		return AQ_RC_EINVAL;
	for (unsigned g = 0; g < groups; g++) {
		struct e810_aq_sched_node *src, *dst;
		unsigned n;

		if (off + SCHED_MOVE_HDR > c->buf_len)
			return AQ_RC_EINVAL;
		n = le16_at(c->buf + off + 8);
		if (n < 1 || off + SCHED_MOVE_HDR + 4 * n > c->buf_len)
			return AQ_RC_EINVAL;
		src = node_get(aq, le32_at(c->buf + off));
		dst = node_get(aq, le32_at(c->buf + off + 4));
		if (!src || !dst)
			return AQ_RC_ENOENT;
		if (src->layer != dst->layer || dst->layer == 0 || dst->layer >= LEAF_LAYER)
			return AQ_RC_EINVAL;
		if (dst != src && dst->children + n > max_children[dst->layer])
			return AQ_RC_ENOSPC;
		for (unsigned i = 0; i < n; i++) {
			struct e810_aq_sched_node *node = node_get(aq, le32_at(c->buf + off + SCHED_MOVE_HDR + 4 * i));

			if (!node || node->parent != src->teid)
				return AQ_RC_ENOENT;
		}
		off += SCHED_MOVE_HDR + 4 * n;
		/* One group at a time: later groups see the earlier moves. */
		if (groups > 1)
			return AQ_RC_EINVAL;
	}
	off = 0;
	for (unsigned g = 0; g < groups; g++) {
		struct e810_aq_sched_node *src = node_get(aq, le32_at(c->buf + off));
		struct e810_aq_sched_node *dst = node_get(aq, le32_at(c->buf + off + 4));
		unsigned n = le16_at(c->buf + off + 8);

		for (unsigned i = 0; i < n; i++) {
			struct e810_aq_sched_node *node = node_get(aq, le32_at(c->buf + off + SCHED_MOVE_HDR + 4 * i));

			src->children--;
			dst->children++;
			node->parent = dst->teid;
		}
		off += SCHED_MOVE_HDR + 4 * n;
	}
	put_le16(p + SE_NUM_ELEM_RESP, (uint16_t)groups);
	return AQ_RC_OK;
}

static uint16_t suspend_resume(struct e810_aq *aq, struct e810_aq_ctx *c, bool suspend)
{
	uint8_t *p = prm(c);
	unsigned n = le16_at(p + SE_NUM_ELEM_REQ);

	if (n < 1 || 4 * n > c->buf_len)
		return AQ_RC_EINVAL;
	for (unsigned i = 0; i < n; i++)
		if (!node_get(aq, le32_at(c->buf + 4 * i)))
			return AQ_RC_ENOENT;
	for (unsigned i = 0; i < n; i++) {
		struct e810_aq_sched_node *node = node_get(aq, le32_at(c->buf + 4 * i));

		if (suspend)
			node->elem[3] |= ELEM_FLAG_SUSPEND;
		else
			node->elem[3] &= (uint8_t)~ELEM_FLAG_SUSPEND;
	}
	put_le16(p + SE_NUM_ELEM_RESP, (uint16_t)n);
	return AQ_RC_OK;
}

static uint16_t h_suspend(struct e810_aq *aq, struct e810_aq_ctx *c)
{
	return suspend_resume(aq, c, true);
}

static uint16_t h_resume(struct e810_aq *aq, struct e810_aq_ctx *c)
{
	return suspend_resume(aq, c, false);
}

/* Groups of {parent, count} + TEIDs; only childless nodes below the TCs. */
static uint16_t h_delete_elems(struct e810_aq *aq, struct e810_aq_ctx *c)
{
	uint8_t *p = prm(c);
	unsigned groups = le16_at(p + SE_NUM_ELEM_REQ), off = 0;

	if (groups < 1)
		return AQ_RC_EINVAL;
	for (unsigned g = 0; g < groups; g++) {
		uint32_t parent;
		unsigned n;

		if (off + SCHED_GRP_HDR > c->buf_len)
			return AQ_RC_EINVAL;
		parent = le32_at(c->buf + off);
		n = le16_at(c->buf + off + 4);
		if (n < 1 || off + SCHED_GRP_HDR + 4 * n > c->buf_len)
			return AQ_RC_EINVAL;
		for (unsigned i = 0; i < n; i++) {
			uint32_t teid = le32_at(c->buf + off + SCHED_GRP_HDR + 4 * i);
			struct e810_aq_sched_node *node = node_get(aq, teid);

			if (!node || node->parent != parent)
				return AQ_RC_ENOENT;
			if (node->layer < 2)
				return AQ_RC_EPERM;
			if (node->children || is_txq_leaf(aq, teid))
				return AQ_RC_EBUSY;
			/* The same TEID twice in one command. */
			for (unsigned j = 0; j < i; j++)
				if (le32_at(c->buf + off + SCHED_GRP_HDR + 4 * j) == teid)
					return AQ_RC_EINVAL;
		}
		off += SCHED_GRP_HDR + 4 * n;
		if (groups > 1)
			return AQ_RC_EINVAL; /* the driver sends one group; keep it simple */
	}
	off = 0;
	for (unsigned g = 0; g < groups; g++) {
		unsigned n = le16_at(c->buf + off + 4);

		for (unsigned i = 0; i < n; i++)
			node_del(aq, node_get(aq, le32_at(c->buf + off + SCHED_GRP_HDR + 4 * i)));
		off += SCHED_GRP_HDR + 4 * n;
	}
	put_le16(p + SE_NUM_ELEM_RESP, (uint16_t)groups);
	return AQ_RC_OK;
}

/* ---- TX queues ---------------------------------------------------------------- */

static uint64_t ctx_bits(const uint8_t *ctx, unsigned lsb, unsigned width)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < width; i++) {
		unsigned bit = lsb + i;

		if (bit / 8 >= TXQ_CTX_LEN)
			break;
		v |= (uint64_t)((ctx[bit / 8] >> (bit % 8)) & 1u) << i;
	}
	return v;
}

/* Field positions (lsb, width) as the driver packs them (ice_tlan_ctx_info). */
void e810_aq_txq_ctx_decode(const uint8_t ctx[22], struct e810_aq_txq_ctx *out)
{
	memset(out, 0, sizeof(*out));
	out->base = ctx_bits(ctx, 0, 57) << 7;
	out->port_num = (uint8_t)ctx_bits(ctx, 57, 3);
	out->pf_num = (uint8_t)ctx_bits(ctx, 65, 3);
	out->vmvf_num = (uint16_t)ctx_bits(ctx, 68, 10);
	out->vmvf_type = (uint8_t)ctx_bits(ctx, 78, 2);
	out->src_vsi = (uint16_t)ctx_bits(ctx, 80, 10);
	out->tsyn_ena = ctx_bits(ctx, 90, 1);
	out->wb_mode = ctx_bits(ctx, 101, 1);
	out->qnum_in_func = (uint16_t)ctx_bits(ctx, 114, 14);
	out->qlen = (uint16_t)ctx_bits(ctx, 135, 13);
	out->quanta_prof = (uint8_t)ctx_bits(ctx, 148, 4);
	out->tso_ena = ctx_bits(ctx, 152, 1);
	out->tso_qnum = (uint16_t)ctx_bits(ctx, 153, 11);
	out->legacy_int = ctx_bits(ctx, 164, 1);
	out->drop_ena = ctx_bits(ctx, 165, 1);
}

static struct e810_aq_txq *txq_get(struct e810_aq *aq, uint16_t id)
{
	for (unsigned i = 0; i < E810_AQ_MAX_QUEUES; i++)
		if (aq->st.txq[i].in_use && aq->st.txq[i].id == id)
			return &aq->st.txq[i];
	return NULL;
}

void e810_aq_txq_drop(struct e810_aq *aq, struct e810_aq_txq *q)
{
	struct e810_aq_sched_node *leaf = node_get(aq, q->teid);

	if (leaf)
		node_del(aq, leaf);
	memset(q, 0, sizeof(*q));
	aq->st.ntxq--;
}

/* Groups of {parent, n} + n 48-byte queue entries, exactly filling the buffer. */
static uint16_t h_add_txqs(struct e810_aq *aq, struct e810_aq_ctx *c)
{
	unsigned groups = prm(c)[ATQ_NUM_QGRPS], off = 0, total = 0;
	uint16_t seen[E810_AQ_MAX_QUEUES];

	if (groups < 1 || groups > 127)
		return AQ_RC_EINVAL;
	for (unsigned g = 0; g < groups; g++) {
		struct e810_aq_sched_node *parent;
		unsigned n;

		if (off + TXQ_GRP_HDR > c->buf_len)
			return AQ_RC_EINVAL;
		n = c->buf[off + 4];
		if (n < 1 || off + TXQ_GRP_HDR + n * TXQ_PERQ_SIZE > c->buf_len)
			return AQ_RC_EINVAL;
		parent = node_get(aq, le32_at(c->buf + off));
		if (!parent)
			return AQ_RC_ENOENT;
		if (parent->layer != QGRP_LAYER)
			return AQ_RC_EINVAL;
		/* Earlier groups of this command may have the same parent. */
		unsigned already = 0;

		for (unsigned o = 0, h = 0; h < g; h++) {
			if (le32_at(c->buf + o) == parent->teid)
				already += c->buf[o + 4];
			o += TXQ_GRP_HDR + c->buf[o + 4] * TXQ_PERQ_SIZE;
		}
		if (parent->children + already + n > max_children[QGRP_LAYER])
			return AQ_RC_ENOSPC;
		for (unsigned i = 0; i < n; i++) {
			const uint8_t *q = c->buf + off + TXQ_GRP_HDR + i * TXQ_PERQ_SIZE;
			uint16_t id = le16_at(q + TXQ_ID);
			struct e810_aq_txq_ctx d;

			if (id >= aq->cfg.num_queues || txq_get(aq, id))
				return AQ_RC_EINVAL;
			for (unsigned k = 0; k < total; k++)
				if (seen[k] == id)
					return AQ_RC_EINVAL;
			e810_aq_txq_ctx_decode(q + TXQ_CTX, &d);
			if (!d.qlen || !d.base || !e810_aq_vsi_get(aq, d.src_vsi))
				return AQ_RC_EINVAL;
			if (total >= E810_AQ_MAX_QUEUES)
				return AQ_RC_ENOSPC;
			seen[total++] = id;
		}
		off += TXQ_GRP_HDR + n * TXQ_PERQ_SIZE;
	}
	if (off != c->buf_len)
		return AQ_RC_EINVAL;
	if (total > nodes_free(aq) || aq->st.ntxq + total > E810_AQ_MAX_QUEUES)
		return AQ_RC_ENOSPC;
	off = 0;
	for (unsigned g = 0; g < groups; g++) {
		struct e810_aq_sched_node *parent = node_get(aq, le32_at(c->buf + off));
		unsigned n = c->buf[off + 4];

		for (unsigned i = 0; i < n; i++) {
			uint8_t *q = c->buf + off + TXQ_GRP_HDR + i * TXQ_PERQ_SIZE;
			struct e810_aq_txq *t = NULL;
			uint32_t teid = teid_alloc(aq);

			q[TXQ_INFO] = ELEM_TYPE_LEAF;
			node_add(aq, parent, teid, q + TXQ_INFO);
			for (unsigned k = 0; k < E810_AQ_MAX_QUEUES && !t; k++)
				if (!aq->st.txq[k].in_use)
					t = &aq->st.txq[k];
			if (!t)
				break; /* cannot happen: free slots were counted */
			t->in_use = true;
			t->id = le16_at(q + TXQ_ID);
			t->teid = teid;
			t->parent_teid = parent->teid;
			memcpy(t->ctx, q + TXQ_CTX, TXQ_CTX_LEN);
			aq->st.ntxq++;
			put_le32(q + TXQ_TEID, teid);
		}
		off += TXQ_GRP_HDR + n * TXQ_PERQ_SIZE;
	}
	aq_reply(c, c->buf_len);
	return AQ_RC_OK;
}

/*
 * Items of {parent, n, rsvd, n queue IDs} (+2 bytes when n is even). With no
 * items (VF/VM reset flows) there is nothing of the PF's to stop.
 */
static uint16_t h_dis_txqs(struct e810_aq *aq, struct e810_aq_ctx *c)
{
	unsigned items = prm(c)[DTQ_NUM_ENTRIES], off = 0;

	if (!items)
		return AQ_RC_OK;
	if (!c->buf_in)
		return AQ_RC_EINVAL;
	for (unsigned g = 0; g < items; g++) {
		unsigned n, sz;

		if (off + DTQ_ITEM_HDR > c->buf_len)
			return AQ_RC_EINVAL;
		n = c->buf[off + 4];
		sz = DTQ_ITEM_HDR + 2 * n + (n % 2 ? 0 : 2);
		if (n < 1 || off + sz > c->buf_len)
			return AQ_RC_EINVAL;
		for (unsigned i = 0; i < n; i++) {
			uint16_t qid = le16_at(c->buf + off + DTQ_ITEM_HDR + 2 * i);
			struct e810_aq_txq *q;

			if (qid & DTQ_QID_RDMA)
				return AQ_RC_EINVAL;
			q = txq_get(aq, qid);
			if (!q || q->parent_teid != le32_at(c->buf + off))
				return AQ_RC_ENOENT;
		}
		off += sz;
	}
	if (off != c->buf_len)
		return AQ_RC_EINVAL;
	off = 0;
	for (unsigned g = 0; g < items; g++) {
		unsigned n = c->buf[off + 4];

		for (unsigned i = 0; i < n; i++) {
			struct e810_aq_txq *q = txq_get(aq, le16_at(c->buf + off + DTQ_ITEM_HDR + 2 * i));

			if (q) /* the same queue twice: stopped once */
				e810_aq_txq_drop(aq, q);
		}
		off += DTQ_ITEM_HDR + 2 * n + (n % 2 ? 0 : 2);
	}
	return AQ_RC_OK;
}

const struct e810_aq_cmd e810_aq_cmds_sched[] = {
	{ AQC_GET_DFLT_TOPO, AQF_BUF, 1, 0, h_get_dflt_topo, "get_dflt_topo" },
	{ AQC_ADD_SCHED_ELEMS, AQF_BUF | AQF_IN, SCHED_GRP_HDR + SCHED_DATA_SIZE, 0, h_add_elems,
	  "add_sched_elems" },
	{ AQC_CFG_SCHED_ELEMS, AQF_BUF | AQF_IN, SCHED_DATA_SIZE, 0, h_cfg_elems, "cfg_sched_elems" },
	{ AQC_GET_SCHED_ELEMS, AQF_BUF | AQF_IN, SCHED_DATA_SIZE, 0, h_get_elems, "get_sched_elems" },
	{ AQC_MOVE_SCHED_ELEMS, AQF_BUF | AQF_IN, SCHED_MOVE_HDR + 4, 0, h_move_elems,
	  "move_sched_elems" },
	{ AQC_SUSPEND_SCHED_ELEMS, AQF_BUF | AQF_IN, 4, 0, h_suspend, "suspend_sched_elems" },
	{ AQC_RESUME_SCHED_ELEMS, AQF_BUF | AQF_IN, 4, 0, h_resume, "resume_sched_elems" },
	{ AQC_DELETE_SCHED_ELEMS, AQF_BUF | AQF_IN, SCHED_GRP_HDR + 4, 0, h_delete_elems,
	  "delete_sched_elems" },
	{ AQC_QUERY_SCHED_RES, AQF_BUF, 1, 0, h_query_sched_res, "query_sched_res" },
	{ AQC_ADD_TXQS, AQF_BUF | AQF_IN, TXQ_GRP_HDR + TXQ_PERQ_SIZE, 0, h_add_txqs, "add_txqs" },
	{ AQC_DIS_TXQS, 0, DTQ_ITEM_HDR + 2, 0, h_dis_txqs, "dis_txqs" },
	{ 0, 0, 0, 0, NULL, NULL },
};
