// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The E810's statistics registers (stats.h): which counter each register
 * shows, for trapped reads and for the shared block.
 */
#include "dev/e810/stats.h"

#include <string.h>

#define C40 0xffffffffffull /* the counters are 40 bits wide */

/* What a 40-bit counter register shows, of one direction. */
enum what { W_BYTES, W_UC, W_MC, W_BC, W_SIZE0 };

struct reg40 {
	uint32_t base;  /* the L register of index 0; index i at base + 8 i */
	bool rx;
	uint8_t what;   /* enum what, or W_SIZE0 + size class */
};

/* GLPRT_*L(port): the port's counters. */
static const struct reg40 port_regs[] = {
	{ 0x00380000u, true, W_BYTES },      /* GLPRT_GORCL */
	{ 0x00381300u, true, W_UC },         /* GLPRT_UPRCL */
	{ 0x00381340u, true, W_MC },         /* GLPRT_MPRCL */
	{ 0x00381380u, true, W_BC },         /* GLPRT_BPRCL */
	{ 0x00380900u, true, W_SIZE0 + 0 },  /* GLPRT_PRC64L */
	{ 0x00380940u, true, W_SIZE0 + 1 },  /* GLPRT_PRC127L */
	{ 0x00380980u, true, W_SIZE0 + 2 },  /* GLPRT_PRC255L */
	{ 0x003809c0u, true, W_SIZE0 + 3 },  /* GLPRT_PRC511L */
	{ 0x00380a00u, true, W_SIZE0 + 4 },  /* GLPRT_PRC1023L */
	{ 0x00380a40u, true, W_SIZE0 + 5 },  /* GLPRT_PRC1522L */
	{ 0x00380a80u, true, W_SIZE0 + 6 },  /* GLPRT_PRC9522L */
	{ 0x00380b40u, false, W_BYTES },     /* GLPRT_GOTCL */
	{ 0x003811c0u, false, W_UC },        /* GLPRT_UPTCL */
	{ 0x00381200u, false, W_MC },        /* GLPRT_MPTCL */
	{ 0x00381240u, false, W_BC },        /* GLPRT_BPTCL */
	{ 0x00380b80u, false, W_SIZE0 + 0 }, /* GLPRT_PTC64L */
	{ 0x00380bc0u, false, W_SIZE0 + 1 }, /* GLPRT_PTC127L */
	{ 0x00380c00u, false, W_SIZE0 + 2 }, /* GLPRT_PTC255L */
	{ 0x00380c40u, false, W_SIZE0 + 3 }, /* GLPRT_PTC511L */
	{ 0x00380c80u, false, W_SIZE0 + 4 }, /* GLPRT_PTC1023L */
	{ 0x00380cc0u, false, W_SIZE0 + 5 }, /* GLPRT_PTC1522L */
	{ 0x00380d00u, false, W_SIZE0 + 6 }, /* GLPRT_PTC9522L */
};
#define PORTS 8u

/* GLV_*L(vsi): the VSI's counters. */
static const struct reg40 vsi_regs[] = {
	{ 0x003b0000u, true, W_BYTES },  /* GLV_GORCL */
	{ 0x003b2000u, true, W_UC },     /* GLV_UPRCL */
	{ 0x003b4000u, true, W_MC },     /* GLV_MPRCL */
	{ 0x003b6000u, true, W_BC },     /* GLV_BPRCL */
	{ 0x00300000u, false, W_BYTES }, /* GLV_GOTCL */
	{ 0x0030a000u, false, W_UC },    /* GLV_UPTCL */
	{ 0x0030c000u, false, W_MC },    /* GLV_MPTCL */
	{ 0x0030e000u, false, W_BC },    /* GLV_BPTCL */
};
#define VSIS 768u

#define GLV_TEPC(v) (0x00312000u + 4u * (v))     /* TX errors, 32 bits */
#define GLV_RDPC(v) (0x00294c04u + 4u * (v))     /* RX discards, 32 bits */
#define PRTRPB_RDPC 0x000ac260u                   /* the port's RX discards */

static void add_class(struct e810_frame_class *to, const struct e810_frame_class *from)
{
	to->mcast += from->mcast;
	to->bcast += from->bcast;
	for (unsigned k = 0; k < E810_SIZE_CLASSES; k++)
		to->size[k] += from->size[k];
}

void e810_stats_add_rx(struct e810_stats_snap *s, const struct e810_rxq_stats *st)
{
	s->rx.pkts += st->pkts;
	s->rx.bytes += st->bytes;
	s->rx.discards += st->drop_nodesc;
	add_class(&s->rx.cls, &st->cls);
}

void e810_stats_add_tx(struct e810_stats_snap *s, const struct e810_txq_stats *st)
{
	s->tx.pkts += st->pkts;
	s->tx.bytes += st->bytes;
	s->tx.discards += st->drop_nobuf + st->drop_long + st->drop_runt + st->drop_dma +
			  st->drop_tso + st->drop_csum + st->drop_noeop + st->drop_sink;
	add_class(&s->tx.cls, &st->cls);
}

static uint64_t value(const struct e810_stats_snap *s, const struct reg40 *r)
{
	const struct e810_stats_dir *d = r->rx ? &s->rx : &s->tx;
	uint64_t v;

	switch (r->what) {
	case W_BYTES:
		v = d->bytes;
		break;
	case W_UC:
		v = d->pkts - d->cls.mcast - d->cls.bcast;
		break;
	case W_MC:
		v = d->cls.mcast;
		break;
	case W_BC:
		v = d->cls.bcast;
		break;
	default:
		v = d->cls.size[r->what - W_SIZE0];
		break;
	}
	return v & C40;
}

/* Index of off in a table of 40-bit registers with n indices: L (hi false) or H (hi true). */
static const struct reg40 *find40(const struct reg40 *t, unsigned nt, unsigned n, uint32_t off,
				  unsigned *idx, bool *hi)
{
	for (unsigned k = 0; k < nt; k++) {
		if (off < t[k].base || off >= t[k].base + 8u * n)
			continue;
		*idx = (off - t[k].base) / 8u;
		*hi = (off - t[k].base) & 4u;
		return &t[k];
	}
	return NULL;
}

bool e810_stats_reg(uint32_t off)
{
	return (off >= E810_STATS_BASE && off < E810_STATS_END) || off == PRTRPB_RDPC ||
	       (off >= GLV_RDPC(0) && off < GLV_RDPC(VSIS));
}

bool e810_stats_read(const struct e810_stats_snap *s, uint32_t off, uint32_t *v)
{
	const struct reg40 *r;
	unsigned idx;
	bool hi, mine;

	if (off & 3u)
		return false;
	if (off == PRTRPB_RDPC) {
		*v = (uint32_t)s->rx.discards;
		return true;
	}
	if (off >= GLV_RDPC(0) && off < GLV_RDPC(VSIS)) {
		*v = s->vsi >= 0 && off == GLV_RDPC((unsigned)s->vsi) ? (uint32_t)s->rx.discards : 0;
		return true;
	}
	if (off < E810_STATS_BASE || off >= E810_STATS_END)
		return false;
	if (off >= GLV_TEPC(0) && off < GLV_TEPC(VSIS)) {
		*v = s->vsi >= 0 && off == GLV_TEPC((unsigned)s->vsi) ? (uint32_t)s->tx.discards : 0;
		return true;
	}
	r = find40(port_regs, sizeof(port_regs) / sizeof(port_regs[0]), PORTS, off, &idx, &hi);
	if (r) {
		mine = idx == s->port;
	} else {
		r = find40(vsi_regs, sizeof(vsi_regs) / sizeof(vsi_regs[0]), VSIS, off, &idx, &hi);
		mine = r && s->vsi >= 0 && idx == (unsigned)s->vsi;
	}
	if (!r || !mine) {
		*v = 0; /* a counter of another port or VSI, or one that stays 0 here */
		return true;
	}
	*v = (uint32_t)(hi ? value(s, r) >> 32 : value(s, r));
	return true;
}

static void store64(void *area, uint32_t off, uint64_t v)
{
	__atomic_store_n((uint64_t *)((uint8_t *)area + (off - E810_STATS_BASE)), v,
			 __ATOMIC_RELAXED);
}

static void store32(void *area, uint32_t off, uint32_t v)
{
	__atomic_store_n((uint32_t *)((uint8_t *)area + (off - E810_STATS_BASE)), v,
			 __ATOMIC_RELAXED);
}

void e810_stats_fill(const struct e810_stats_snap *s, int prev_vsi, void *area)
{
	const unsigned nport = sizeof(port_regs) / sizeof(port_regs[0]);
	const unsigned nvsi = sizeof(vsi_regs) / sizeof(vsi_regs[0]);

	if (s->port < PORTS)
		for (unsigned k = 0; k < nport; k++)
			store64(area, port_regs[k].base + 8u * s->port, value(s, &port_regs[k]));
	if (prev_vsi >= 0 && prev_vsi < (int)VSIS && prev_vsi != s->vsi) {
		for (unsigned k = 0; k < nvsi; k++)
			store64(area, vsi_regs[k].base + 8u * (unsigned)prev_vsi, 0);
		store32(area, GLV_TEPC((unsigned)prev_vsi), 0);
	}
	if (s->vsi >= 0 && s->vsi < (int)VSIS) {
		for (unsigned k = 0; k < nvsi; k++)
			store64(area, vsi_regs[k].base + 8u * (unsigned)s->vsi, value(s, &vsi_regs[k]));
		store32(area, GLV_TEPC((unsigned)s->vsi), (uint32_t)s->tx.discards);
	}
}
