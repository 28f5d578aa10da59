/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The E810 flow director's filter table: filters keyed by their input set
 * (struct e810_fd_key: the profile and the words the profile extracts, as
 * flex.h builds them from the programming packet or a received frame),
 * hashed; each with its action (a VSI-relative queue of its VSI, or drop),
 * its FD ID and an optional statistics counter. The table is bounded by
 * the device's guaranteed and best-effort sizes (GLQF_FD_SIZE); a full
 * table refuses an add, as the hardware reports it in the programming
 * status. Counters of filters in use globally and per VSI
 * (GLQF_FD_CNT, VSIQF_FD_CNT) and the statistics counters (GLSTAT_FD_CNT*)
 * are kept here for the model's registers.
 *
 * Model-independent (library vmux_e810_lan): the PCI model's fdir.c feeds
 * it from the programming descriptors and asks it per received frame.
 */
#ifndef VMUX_DEV_E810_FDTAB_H
#define VMUX_DEV_E810_FDTAB_H

#include <stdbool.h>
#include <stdint.h>

#include "dev/e810/flex.h"

#define E810_FDTAB_MAX 1024u      /* filters at most (guaranteed + best-effort sizes) */
#define E810_FDTAB_BUCKETS 1024u
#define E810_FDTAB_VSIS 1024u     /* hardware VSI numbers are 10 bits */
#define E810_FDTAB_STATS 8192u    /* statistics counters (the descriptor's 13-bit index) */

/* Which pool an add takes an entry from (the descriptor's FD_SPACE). */
enum { E810_FD_SPACE_GUAR, E810_FD_SPACE_BEST, E810_FD_SPACE_GUAR_BEST, E810_FD_SPACE_RSVD };

/* What a filter does with a frame it matches. */
struct e810_fd_action {
	uint32_t fdid;
	uint16_t vsi;             /* FD_VSI: the VSI whose queues qindex counts in */
	uint16_t qindex;          /* VSI-relative queue */
	uint8_t toq;              /* queue region: 2^toq queues from qindex (fdir.c) */
	bool drop;
	uint8_t stat_ena;         /* 0 none, 1 packets, 2 bytes, 3 packets */
	uint16_t stat_idx;
};

struct e810_fd_filter {
	bool used;
	bool guar;                /* in the guaranteed pool (else best-effort) */
	int16_t next;             /* the next filter in its bucket, -1: none */
	struct e810_fd_key key;
	struct e810_fd_action act;
	uint64_t hits;
};

struct e810_fdtab_stats {
	uint64_t adds, updates, removes;
	uint64_t full;            /* adds refused: no room in the pools FD_SPACE allows */
	uint64_t noent;           /* removes of a key not in the table */
	uint64_t matches;         /* frames a filter matched */
};

struct e810_fdtab {
	unsigned guar_max, best_max;
	unsigned n, nguar, nbest;
	int16_t head[E810_FDTAB_BUCKETS];
	struct e810_fd_filter f[E810_FDTAB_MAX];
	uint16_t vsi_guar[E810_FDTAB_VSIS], vsi_best[E810_FDTAB_VSIS];
	uint64_t stat[E810_FDTAB_STATS];
	unsigned stat_hi;         /* counters [0, stat_hi) were ever counted in */
	struct e810_fdtab_stats st;
};

/* An empty table with pools of guar and best entries (at most E810_FDTAB_MAX in all). */
void e810_fdtab_init(struct e810_fdtab *t, unsigned guar, unsigned best);
/* Every filter gone (a PF reset); the statistics counters are kept. */
void e810_fdtab_clear(struct e810_fdtab *t);
/*
 * Adds a filter for key with action a, from the pools space allows; a key
 * already in the table gets the new action (an update, no new entry).
 * 0, or -ENOSPC (nothing changed).
 */
int e810_fdtab_add(struct e810_fdtab *t, const struct e810_fd_key *key,
		   const struct e810_fd_action *a, unsigned space);
/* Removes the filter for key: 0, or -ENOENT. */
int e810_fdtab_remove(struct e810_fdtab *t, const struct e810_fd_key *key);
/* The filter for key, or NULL. */
struct e810_fd_filter *e810_fdtab_find(struct e810_fdtab *t, const struct e810_fd_key *key);
/* A frame of len bytes matched f: its hit and statistics counters. */
void e810_fdtab_hit(struct e810_fdtab *t, struct e810_fd_filter *f, uint32_t len);

/* GLQF_FD_CNT: guaranteed filters in use in 14:0, best-effort ones in 30:16. */
static inline uint32_t e810_fdtab_glqf_cnt(const struct e810_fdtab *t)
{
	return (t->nguar & 0x7fffu) | (t->nbest & 0x7fffu) << 16;
}

/* VSIQF_FD_CNT(vsi): the VSI's guaranteed filters in 13:0, best-effort ones in 29:16. */
static inline uint32_t e810_fdtab_vsi_cnt(const struct e810_fdtab *t, unsigned vsi)
{
	if (vsi >= E810_FDTAB_VSIS)
		return 0;
	return (t->vsi_guar[vsi] & 0x3fffu) | (uint32_t)(t->vsi_best[vsi] & 0x3fffu) << 16;
}

#endif /* VMUX_DEV_E810_FDTAB_H */
