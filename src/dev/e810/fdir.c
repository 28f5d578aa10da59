// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The E810's flow director (dev/e810/fdir.h, steer.h).
 *
 * Programming: ice puts a filter programming descriptor (DTYPE 8) and a
 * DUMMY data descriptor with a packet of the flow on its control VSI's TX
 * queue (ice_prgm_fdir_fltr); the TX queue hands both here. The packet's
 * type (e810_frame_ptype) and the VSI the TX queue sends for (its context's
 * source VSI: the control VSI, which ice gives the same FD profiles as its
 * PF VSI) select the profile (e810_flex_fd_prof), the profile's field
 * vector and input set make the key (e810_flex_fd_key_swap with the
 * GLQF_FDSWAP pairs applied: ice builds the dummy packet with source and
 * destination exchanged, ice_fdir_get_gen_prgm_pkt, and the device swaps
 * them back for a programming packet whatever the descriptor's SWAP bit,
 * which ice leaves clear), and the key is
 * added to or removed from the table (fdtab.h). Where the descriptor's
 * COMP_REPORT asks (1: on failure, the PF's ethtool path; 2: always, the VF
 * path), a programming status descriptor goes onto the RX queue of that
 * VSI (its RX queue 0, the control VSI's only one), and the queue's cause
 * fires.
 *
 * Lookup: a frame from the port takes the PF VSI's profile for its type,
 * its key under it, and the filter for the key: drop, or the filter's
 * VSI-relative queue mapped through that VSI's queue map (as RSS maps its
 * table, rss.h) to the PF's queue; with a queue region (toq > 0: 2^toq
 * queues from qindex), the frame's RSS hash picks one of them as for a
 * switch rule's region (e810_region_pick), the region bounded to the
 * queues the VSI has (cut to the largest power of two that fits, counted);
 * nothing matched: RSS decides.
 */
#include <string.h>

#include "core/log.h"
#include "dev/e810/aq.h"
#include "dev/e810/e810_regs.h"
#include "dev/e810/fdir.h"
#include "dev/e810/lan_desc.h"
#include "dev/e810/lan_priv.h"
#include "dev/e810/model_priv.h"
#include "dev/e810/stats.h"
#include "dev/e810/steer.h"
#include "net/flow.h"
#include "net/pkt.h"

#define COMP "e810"

/* FD registers (ice_hw_autogen.h's names). */
#define GLQF_FD_CNT 0x00460018u
#define VSIQF_FD_CNT(v) (0x00464000u + (v) * 4u)
#define VSIQF_FD_VSIS 768u
#define GLSTAT_FD_CNT0L(i) (0x003a0000u + (i) * 8u)

static const char *const refuse_name[E810_FDR_N] = {
	[E810_FDR_NODATA] = "nodata", [E810_FDR_NODUMMY] = "nodummy", [E810_FDR_LEN] = "len",
	[E810_FDR_DMA] = "dma", [E810_FDR_NOPROF] = "noprof", [E810_FDR_NOKEY] = "nokey",
	[E810_FDR_FULL] = "full", [E810_FDR_NOENT] = "noent",
};

void e810_fdir_init(struct e810 *e)
{
	e810_fdtab_init(&e->fd.tab, E810_AQ_FD_GUAR, E810_AQ_FD_BEST);
}

void e810_fdir_reset(struct e810 *e)
{
	e810_fdtab_clear(&e->fd.tab);
}

static const struct e810_aq_vsi *vsi_by_num(const struct e810 *e, unsigned num)
{
	const struct e810_aq_state *st = e->aq ? e810_aq_state(e->aq) : NULL;

	for (unsigned i = 0; st && i < E810_AQ_MAX_VSI; i++)
		if (st->vsi[i].in_use && st->vsi[i].num == num)
			return &st->vsi[i];
	return NULL;
}

/* The VSI TX queue q sends for (its context's source VSI), or -1. */
static int txq_vsi(const struct e810 *e, unsigned q)
{
	struct e810_aq_txq_ctx c;

	if (q >= e->nq || !e->qp[q].tx_known)
		return -1;
	e810_aq_txq_ctx_decode(e->qp[q].tx_ctx, &c);
	return c.src_vsi;
}

/* The programming status onto the RX queue of the VSI that sent it. */
static void post_status(struct e810 *e, unsigned txq, int vsi, bool del, bool fail,
			bool fail_prof, uint32_t fdid)
{
	const struct e810_aq_vsi *v = vsi >= 0 ? vsi_by_num(e, (unsigned)vsi) : NULL;
	unsigned q = v ? e810_vsi_rx_queue(v, 0, e->nq) : txq;
	uint8_t wb[E810_RXD_SIZE] = { 0 };
	uint16_t st0 = E810_FDS_DD;

	if (q >= e->nq)
		q = txq; /* the pair of the queue it came on */
	if (del)
		st0 |= E810_FDS_PROG_DEL;
	if (fail)
		st0 |= E810_FDS_FAIL;
	if (fail_prof)
		st0 |= E810_FDS_FAIL_PROF;
	wb[E810_RXD_WB_RXDID] = E810_FDS_RXDID;
	lan_put_le16(wb + E810_RXD_WB_STATUS0, st0);
	lan_put_le32(wb + E810_FDS_FDID, fdid);
	if (!e810_rxq_post_status(&e->qp[q].rx, wb)) {
		e->fd.status_lost++;
		LOG_RL(LOG_LVL_WARN, COMP, "%s: flow director status for FD ID %u lost: RX queue %u "
		       "off or full", e->name, fdid, q);
		return;
	}
	e->fd.status++;
	e->qp[q].status_q = true;
	e810_queue_cause(e, E810_QINT_RQCTL(q));
}

static void refuse(struct e810 *e, unsigned why, uint32_t fdid)
{
	e->fd.refused[why]++;
	/* The TX queue logged its own refusals; a full table or a missing entry is the guest's. */
	if (why >= E810_FDR_NOPROF)
		LOG_RL(LOG_LVL_INFO, COMP, "%s: flow director FD ID %u: refused (%s)", e->name, fdid,
		       refuse_name[why]);
}

void e810_fdir_prog(void *arg, uint16_t queue, const struct e810_fd_prog *p)
{
	static const unsigned txq_err[] = {
		[E810_FDP_NODATA] = E810_FDR_NODATA, [E810_FDP_NODUMMY] = E810_FDR_NODUMMY,
		[E810_FDP_LEN] = E810_FDR_LEN, [E810_FDP_DMA] = E810_FDR_DMA,
	};
	struct e810 *e = arg;
	const struct e810_flex *fx = e810_aq_flex(e->aq);
	unsigned report = E810_FDD_COMP_REPORT(p->qw0);
	bool del = E810_FDD_PCMD_REMOVE(p->qw1), fail = false, fail_prof = false;
	uint32_t fdid = E810_FDD_FDID(p->qw1);
	int vsi = txq_vsi(e, queue);
	struct e810_fd_key key;
	int prof = E810_FLEX_NONE;

	e->fd.progs++;
	if (p->err) {
		refuse(e, p->err < sizeof(txq_err) / sizeof(txq_err[0]) ? txq_err[p->err]
									: E810_FDR_NODATA, fdid);
		fail = true;
	} else {
		unsigned ptype = e810_frame_ptype(p->pkt, p->len);

		if (vsi >= 0)
			prof = e810_flex_fd_prof(fx, ptype, (unsigned)vsi);
		if (prof == E810_FLEX_NONE) {
			refuse(e, E810_FDR_NOPROF, fdid);
			fail_prof = true;
		} else if (!e810_flex_fd_key_swap(fx, (unsigned)prof, p->pkt, p->len, true, &key)) {
			refuse(e, E810_FDR_NOKEY, fdid);
			fail_prof = true;
		} else if (del) {
			if (e810_fdtab_remove(&e->fd.tab, &key)) {
				refuse(e, E810_FDR_NOENT, fdid);
				fail = true;
			}
		} else {
			struct e810_fd_action a = {
				.fdid = fdid,
				.vsi = (uint16_t)E810_FDD_FD_VSI(p->qw1),
				.qindex = (uint16_t)E810_FDD_QINDEX(p->qw0),
				.toq = (uint8_t)E810_FDD_TOQ(p->qw0),
				.drop = E810_FDD_DROP(p->qw0),
				.stat_ena = (uint8_t)E810_FDD_STAT_ENA(p->qw0),
				.stat_idx = (uint16_t)E810_FDD_STAT_CNT(p->qw0),
			};

			if (e810_fdtab_add(&e->fd.tab, &key, &a, E810_FDD_FD_SPACE(p->qw0))) {
				refuse(e, E810_FDR_FULL, fdid);
				fail = true;
			} else {
				LOG_DEBUG(COMP, "%s: flow director filter FD ID %u (profile %d, %u words): "
					  "%s %u (of %u) of VSI %u", e->name, fdid, prof, key.n,
					  a.drop ? "drop, not queue" : "queue", a.qindex, 1u << a.toq, a.vsi);
			}
		}
	}
	if (report == E810_FDD_REPORT_ALWAYS ||
	    (report == E810_FDD_REPORT_FAIL && (fail || fail_prof)))
		post_status(e, queue, vsi, del, fail, fail_prof, fdid);
}

/* ==== lookup (steer.h) ============================================================== */

bool e810_fdir_active(const struct e810 *e)
{
	return e->fd.tab.n != 0;
}

#define PC_UNKNOWN (-2)

/* The PF VSI's FD profile for a packet type, through the cache (fdir.h). */
static int pf_prof(struct e810 *e, const struct e810_flex *fx, unsigned vsi, unsigned ptype)
{
	struct e810_fdir *fd = &e->fd;

	if (ptype >= E810_FLEX_PTYPES)
		return E810_FLEX_NONE;
	if (!fd->pc_ok || fd->pc_gen != fx->gen || fd->pc_vsi != vsi) {
		for (unsigned i = 0; i < E810_FLEX_PTYPES; i++)
			fd->pc_prof[i] = PC_UNKNOWN;
		fd->pc_ok = true;
		fd->pc_gen = fx->gen;
		fd->pc_vsi = (uint16_t)vsi;
	}
	if (fd->pc_prof[ptype] == PC_UNKNOWN)
		fd->pc_prof[ptype] = (int16_t)e810_flex_fd_prof(fx, ptype, vsi);
	return fd->pc_prof[ptype];
}

/*
 * The queue region of action a at its VSI v: the 2^toq VSI-relative queues
 * from qindex, bounded to those the VSI's queue map (and the model) has: the
 * largest power of two of them from qindex on, its log2 in *log2 (less than
 * toq: cut short). Returns qindex's PF queue, or E810_RSS_Q_BAD (qindex
 * itself is no queue of the VSI).
 */
static unsigned filter_region(const struct e810 *e, const struct e810_aq_vsi *v,
			      const struct e810_fd_action *a, unsigned *log2)
{
	unsigned want = 1u << (a->toq & 7u), have = 1;
	unsigned q0 = e810_vsi_rx_queue(v, a->qindex, e->nq);

	*log2 = 0;
	if (q0 == E810_RSS_Q_BAD)
		return q0;
	while (have < want && e810_vsi_rx_queue(v, a->qindex + have, e->nq) != E810_RSS_Q_BAD)
		have++;
	while ((2u << *log2) <= have)
		(*log2)++;
	return q0;
}

int e810_fdir_steer(struct e810 *e, struct pkt *p)
{
	const struct e810_aq_vsi *pf = e810_pf_vsi(e), *v;
	const struct e810_flex *fx = e810_aq_flex(e->aq);
	struct e810_fd_filter *f;
	struct e810_fd_key key;
	unsigned q, reg;
	int prof;

	if (!pf)
		return E810_STEER_NEXT;
	prof = pf_prof(e, fx, pf->num, e810_frame_ptype(p->data, p->len));
	if (prof == E810_FLEX_NONE || !e810_flex_fd_key(fx, (unsigned)prof, p->data, p->len, &key))
		return E810_STEER_NEXT;
	f = e810_fdtab_find(&e->fd.tab, &key);
	if (!f)
		return E810_STEER_NEXT;
	e810_fdtab_hit(&e->fd.tab, f, p->len);
	if (f->act.drop) {
		e->fd.drops++;
		return E810_STEER_DROP;
	}
	v = f->act.vsi == pf->num ? pf : vsi_by_num(e, f->act.vsi);
	q = v ? filter_region(e, v, &f->act, &reg) : E810_RSS_Q_BAD;
	if (q == E810_RSS_Q_BAD) {
		e->fd.bad_queue++;
		return E810_STEER_NEXT;
	}
	if (reg < f->act.toq) {
		e->fd.region_clamped++;
		LOG_RL(LOG_LVL_INFO, COMP, "%s: flow director FD ID %u: a region of %u queues from %u "
		       "runs past VSI %u's queues: %u of them taken", e->name, f->act.fdid,
		       1u << f->act.toq, f->act.qindex, v->num, 1u << reg);
	}
	if (!reg)
		return (int)q;
	/* One of the region's queues, each one the VSI has (filter_region checked them). */
	return (int)e810_vsi_rx_queue(v, e810_region_pick(f->act.qindex, reg, e810_steer_hash(e, p)),
				      e->nq);
}

/* ==== as flows for an uplink (net/flow.h) ============================================== */

/* The packet types of one IP version e810_frame_ptype gives: fragment, other, UDP, TCP, ICMP. */
static const unsigned ptypes_v[2][5] = {
	{ E810_PTYPE_IPV4_FRAG, E810_PTYPE_IPV4, E810_PTYPE_IPV4_UDP, E810_PTYPE_IPV4_TCP,
	  E810_PTYPE_IPV4_ICMP },
	{ E810_PTYPE_IPV6_FRAG, E810_PTYPE_IPV6, E810_PTYPE_IPV6_UDP, E810_PTYPE_IPV6_TCP,
	  E810_PTYPE_IPV6_ICMP },
};
#define PT_OTHER 1u
#define PT_UDP 2u
#define PT_TCP 3u

/* Which of version v's packet types take profile prof at the PF VSI: bit i for ptypes_v[v][i]. */
static unsigned prof_ptypes(const struct e810_flex *fx, unsigned prof, unsigned vsi, unsigned v)
{
	unsigned set = 0;

	for (unsigned i = 0; i < 5; i++)
		if (e810_flex_fd_prof(fx, ptypes_v[v][i], vsi) == (int)prof)
			set |= 1u << i;
	return set;
}

/* ANDs value v under mask m into the field's bytes at b (big-endian words); false: contradicts. */
static bool put_word(uint8_t *val, uint8_t *mask, unsigned b, uint16_t v, uint16_t m)
{
	const uint8_t nv[2] = { (uint8_t)(v >> 8), (uint8_t)v }, nm[2] = { (uint8_t)(m >> 8), (uint8_t)m };

	for (unsigned i = 0; i < 2; i++) {
		if ((val[b + i] ^ nv[i]) & mask[b + i] & nm[i])
			return false;
		val[b + i] = (uint8_t)((val[b + i] & ~nm[i]) | (nv[i] & nm[i]));
		mask[b + i] |= nm[i];
	}
	return true;
}

/*
 * The match of filter f's key: false if a word is not one a flow has, or
 * the profile's packet types are not what the fields can say.
 */
static bool filter_match(const struct e810_flex *fx, unsigned vsi, const struct e810_fd_filter *f,
			 struct net_flow_match *m)
{
	struct e810_flex_fd_word w[E810_FLEX_FVW];
	unsigned n = e810_flex_fd_layout(fx, f->key.prof, w, E810_FLEX_FVW);
	unsigned ver = 0, l4 = 0, set, pt = 0; /* ver: 4 or 6, l4: an IP protocol, 0: unknown */

	if (!n || n != f->key.n)
		return false;
	for (unsigned i = 0; i < n; i++) {
		unsigned want_ver = 0, want_l4 = 0, off = w[i].off;
		uint16_t v = f->key.w[i], mk = w[i].mask;
		bool ok;

		switch (w[i].prot) {
		case E810_FLEX_PROT_IPV4:
			want_ver = 4;
			if (off >= 12 && off <= 14)
				ok = put_word(m->src_ip, m->src_ip_mask, off - 12, v, mk);
			else if (off >= 16 && off <= 18)
				ok = put_word(m->dst_ip, m->dst_ip_mask, off - 16, v, mk);
			else
				return false;
			m->fields |= off < 16 ? NET_FLOW_F_SRC_IP : NET_FLOW_F_DST_IP;
			break;
		case E810_FLEX_PROT_IPV6:
			want_ver = 6;
			if (off >= 8 && off <= 22)
				ok = put_word(m->src_ip, m->src_ip_mask, off - 8, v, mk);
			else if (off >= 24 && off <= 38)
				ok = put_word(m->dst_ip, m->dst_ip_mask, off - 24, v, mk);
			else
				return false;
			m->fields |= off < 24 ? NET_FLOW_F_SRC_IP : NET_FLOW_F_DST_IP;
			break;
		case E810_FLEX_PROT_TCP:
		case E810_FLEX_PROT_UDP:
		case E810_FLEX_PROT_SCTP:
			want_l4 = w[i].prot == E810_FLEX_PROT_TCP ? 6u :
				  w[i].prot == E810_FLEX_PROT_UDP ? 17u : 132u;
			if (off != 0 && off != 2)
				return false;
			ok = true;
			if (off == 0) {
				if ((m->fields & NET_FLOW_F_SPORT) && ((m->src_port ^ v) & m->src_port_mask & mk))
					return false;
				m->src_port = (uint16_t)((m->src_port & ~mk) | (v & mk));
				m->src_port_mask |= mk;
				m->fields |= NET_FLOW_F_SPORT;
			} else {
				if ((m->fields & NET_FLOW_F_DPORT) && ((m->dst_port ^ v) & m->dst_port_mask & mk))
					return false;
				m->dst_port = (uint16_t)((m->dst_port & ~mk) | (v & mk));
				m->dst_port_mask |= mk;
				m->fields |= NET_FLOW_F_DPORT;
			}
			break;
		default:
			return false;
		}
		if (!ok || (want_ver && ver && want_ver != ver) || (want_l4 && l4 && want_l4 != l4))
			return false;
		ver = want_ver ? want_ver : ver;
		l4 = want_l4 ? want_l4 : l4;
	}
	/* The IP version: the words', else the only one whose packet types take the profile. */
	if (!ver) {
		unsigned s4 = prof_ptypes(fx, f->key.prof, vsi, 0), s6 = prof_ptypes(fx, f->key.prof, vsi, 1);

		if (l4)
			pt = l4 == 6 ? PT_TCP : l4 == 17 ? PT_UDP : PT_OTHER;
		if (l4 ? !(s4 >> pt & 1) == !(s6 >> pt & 1) : !s4 == !s6)
			return false;
		ver = (l4 ? s4 >> pt & 1 : s4 != 0) ? 4 : 6;
	}
	set = prof_ptypes(fx, f->key.prof, vsi, ver == 6);
	if (l4) {
		pt = l4 == 6 ? PT_TCP : l4 == 17 ? PT_UDP : PT_OTHER;
		if (!(set >> pt & 1))
			return false; /* the key never forms on a frame of this protocol */
	} else if (set == 1u << PT_UDP) {
		l4 = 17;
	} else if (set == 1u << PT_TCP) {
		l4 = 6;
	} else if (set != 0x1fu) {
		return false; /* some of the version's types only: not a flow's fields */
	}
	m->fields |= ver == 4 ? NET_FLOW_F_IPV4 : NET_FLOW_F_IPV6;
	if (l4) {
		m->fields |= NET_FLOW_F_PROTO;
		m->ip_proto = (uint8_t)l4;
	}
	return true;
}

unsigned e810_fdir_flows(const struct e810 *e, struct net_flow *out, unsigned max, uint16_t prio)
{
	const struct e810_aq_vsi *pf = e810_pf_vsi(e);
	const struct e810_fdtab *t = &e->fd.tab;
	unsigned n = 0;

	if (!pf || !t->n || !e->aq)
		return 0;
	for (unsigned i = 0; i < E810_FDTAB_MAX; i++) {
		const struct e810_fd_filter *f = &t->f[i];
		const struct e810_aq_vsi *v;
		struct net_flow fl;

		if (!f->used)
			continue;
		net_flow_init(&fl, e->mac);
		if (!filter_match(e810_aq_flex(e->aq), pf->num, f, &fl.m))
			continue;
		fl.origin = NET_FLOW_FROM_FDIR;
		fl.origin_id = f->act.fdid;
		fl.priority = (uint16_t)(prio + n);
		if (f->act.drop) {
			fl.action = NET_FLOW_DROP;
		} else {
			unsigned q, reg, k;

			v = f->act.vsi == pf->num ? pf : vsi_by_num(e, f->act.vsi);
			q = v ? filter_region(e, v, &f->act, &reg) : E810_RSS_Q_BAD;
			if (q == E810_RSS_Q_BAD)
				continue; /* steering goes on to RSS: as no filter */
			/* A region: PF queues in a row (a scattered map may break it up). */
			for (k = 1; k < 1u << reg; k++)
				if (e810_vsi_rx_queue(v, f->act.qindex + k, e->nq) != q + k)
					break;
			if (q >= e->nq || k < 1u << reg)
				continue;
			fl.action = NET_FLOW_QUEUE;
			fl.queue = (uint16_t)q;
			fl.nqueues = (uint16_t)(1u << reg);
		}
		if (n < max)
			out[n] = fl;
		n++;
	}
	return n;
}

/* ==== registers and statistics ======================================================= */

bool e810_fdir_reg_read(const struct e810 *e, uint32_t off, uint32_t *v)
{
	const struct e810_fdtab *t = &e->fd.tab;

	if (off == GLQF_FD_CNT) {
		*v = e810_fdtab_glqf_cnt(t);
		return true;
	}
	if (off >= VSIQF_FD_CNT(0) && off < VSIQF_FD_CNT(VSIQF_FD_VSIS) && !(off & 3u)) {
		*v = e810_fdtab_vsi_cnt(t, (off - VSIQF_FD_CNT(0)) / 4u);
		return true;
	}
	if (off >= GLSTAT_FD_CNT0L(0) && off < GLSTAT_FD_CNT0L(E810_FDTAB_STATS) && !(off & 3u)) {
		uint64_t c = t->stat[(off - GLSTAT_FD_CNT0L(0)) / 8u];

		*v = (off & 4u) ? (uint32_t)(c >> 32) : (uint32_t)c;
		return true;
	}
	return false;
}

void e810_fdir_stats_fill(const struct e810 *e, void *area)
{
	const struct e810_fdtab *t = &e->fd.tab;

	for (unsigned i = 0; i < t->stat_hi && i < E810_FDTAB_STATS; i++)
		__atomic_store_n((uint64_t *)((uint8_t *)area + (GLSTAT_FD_CNT0L(i) - E810_STATS_BASE)),
				 t->stat[i], __ATOMIC_RELAXED);
}

void e810_fdir_dump(const struct e810 *e, FILE *out)
{
	const struct e810_fdir *fd = &e->fd;
	const struct e810_fdtab_stats *s = &fd->tab.st;
	uint64_t refused = 0;

	for (unsigned i = 0; i < E810_FDR_N; i++)
		refused += fd->refused[i];
	fprintf(out,
		",\"fd_filters\":%u,\"fd_guar\":%u,\"fd_best\":%u,\"fd_progs\":%llu,"
		"\"fd_adds\":%llu,\"fd_updates\":%llu,\"fd_removes\":%llu,\"fd_matches\":%llu,"
		"\"fd_drops\":%llu,\"fd_bad_queue\":%llu,\"fd_region_clamped\":%llu,\"fd_status\":%llu,"
		"\"fd_status_lost\":%llu,\"fd_refused\":%llu",
		fd->tab.n, fd->tab.nguar, fd->tab.nbest, (unsigned long long)fd->progs,
		(unsigned long long)s->adds, (unsigned long long)s->updates,
		(unsigned long long)s->removes, (unsigned long long)s->matches,
		(unsigned long long)fd->drops, (unsigned long long)fd->bad_queue,
		(unsigned long long)fd->region_clamped, (unsigned long long)fd->status,
		(unsigned long long)fd->status_lost, (unsigned long long)refused);
	for (unsigned i = 0; i < E810_FDR_N; i++)
		fprintf(out, ",\"fd_refused_%s\":%llu", refuse_name[i],
			(unsigned long long)fd->refused[i]);
}
