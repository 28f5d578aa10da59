// SPDX-License-Identifier: GPL-2.0-or-later
/* The E810 flow director's filter table (dev/e810/fdtab.h). */
#include <errno.h>
#include <string.h>

#include "dev/e810/fdtab.h"

void e810_fdtab_init(struct e810_fdtab *t, unsigned guar, unsigned best)
{
	memset(t, 0, sizeof(*t));
	if (guar > E810_FDTAB_MAX)
		guar = E810_FDTAB_MAX;
	if (best > E810_FDTAB_MAX - guar)
		best = E810_FDTAB_MAX - guar;
	t->guar_max = guar;
	t->best_max = best;
	e810_fdtab_clear(t);
}

void e810_fdtab_clear(struct e810_fdtab *t)
{
	for (unsigned i = 0; i < E810_FDTAB_BUCKETS; i++)
		t->head[i] = -1;
	memset(t->f, 0, sizeof(t->f));
	memset(t->vsi_guar, 0, sizeof(t->vsi_guar));
	memset(t->vsi_best, 0, sizeof(t->vsi_best));
	t->n = t->nguar = t->nbest = 0;
}

static bool key_ok(const struct e810_fd_key *k)
{
	return k->n <= E810_FLEX_FVW;
}

static unsigned key_hash(const struct e810_fd_key *k)
{
	uint32_t h = 2166136261u;

	h = (h ^ k->prof) * 16777619u;
	h = (h ^ k->n) * 16777619u;
	for (unsigned i = 0; i < k->n; i++)
		h = (h ^ k->w[i]) * 16777619u;
	return (h ^ (h >> 16)) % E810_FDTAB_BUCKETS;
}

static bool key_eq(const struct e810_fd_key *a, const struct e810_fd_key *b)
{
	return a->prof == b->prof && a->n == b->n && !memcmp(a->w, b->w, a->n * sizeof(a->w[0]));
}

struct e810_fd_filter *e810_fdtab_find(struct e810_fdtab *t, const struct e810_fd_key *key)
{
	if (!key_ok(key))
		return NULL;
	for (int i = t->head[key_hash(key)]; i >= 0; i = t->f[i].next)
		if (key_eq(&t->f[i].key, key))
			return &t->f[i];
	return NULL;
}

int e810_fdtab_add(struct e810_fdtab *t, const struct e810_fd_key *key,
		   const struct e810_fd_action *a, unsigned space)
{
	struct e810_fd_filter *f = e810_fdtab_find(t, key);
	bool guar;
	unsigned h, i, vsi = a->vsi % E810_FDTAB_VSIS;

	if (!key_ok(key))
		return -EINVAL;
	if (f) { /* the same input set: the new action replaces the old */
		uint16_t *cnt = f->guar ? t->vsi_guar : t->vsi_best;
		unsigned old = f->act.vsi % E810_FDTAB_VSIS;

		if (cnt[old])
			cnt[old]--;
		cnt[vsi]++;
		f->act = *a;
		t->st.updates++;
		return 0;
	}
	if ((space == E810_FD_SPACE_GUAR || space == E810_FD_SPACE_GUAR_BEST) &&
	    t->nguar < t->guar_max)
		guar = true;
	else if ((space == E810_FD_SPACE_BEST || space == E810_FD_SPACE_GUAR_BEST) &&
		 t->nbest < t->best_max)
		guar = false;
	else {
		t->st.full++;
		return -ENOSPC;
	}
	for (i = 0; i < E810_FDTAB_MAX && t->f[i].used; i++)
		;
	if (i == E810_FDTAB_MAX) { /* cannot be with the pools bounded by the table */
		t->st.full++;
		return -ENOSPC;
	}
	h = key_hash(key);
	f = &t->f[i];
	*f = (struct e810_fd_filter){ .used = true, .guar = guar, .next = t->head[h], .key = *key,
				      .act = *a };
	t->head[h] = (int16_t)i;
	t->n++;
	if (guar) {
		t->nguar++;
		t->vsi_guar[vsi]++;
	} else {
		t->nbest++;
		t->vsi_best[vsi]++;
	}
	t->st.adds++;
	return 0;
}

int e810_fdtab_remove(struct e810_fdtab *t, const struct e810_fd_key *key)
{
	int16_t *link;

	if (!key_ok(key)) {
		t->st.noent++;
		return -ENOENT;
	}
	for (link = &t->head[key_hash(key)]; *link >= 0; link = &t->f[*link].next) {
		struct e810_fd_filter *f = &t->f[*link];
		unsigned vsi;

		if (!key_eq(&f->key, key))
			continue;
		vsi = f->act.vsi % E810_FDTAB_VSIS;
		*link = f->next;
		if (f->guar) {
			t->nguar--;
			if (t->vsi_guar[vsi])
				t->vsi_guar[vsi]--;
		} else {
			t->nbest--;
			if (t->vsi_best[vsi])
				t->vsi_best[vsi]--;
		}
		memset(f, 0, sizeof(*f));
		t->n--;
		t->st.removes++;
		return 0;
	}
	t->st.noent++;
	return -ENOENT;
}

void e810_fdtab_hit(struct e810_fdtab *t, struct e810_fd_filter *f, uint32_t len)
{
	f->hits++;
	t->st.matches++;
	if (!f->act.stat_ena || f->act.stat_idx >= E810_FDTAB_STATS)
		return;
	t->stat[f->act.stat_idx] += f->act.stat_ena == 2 ? len : 1u;
	if (f->act.stat_idx >= t->stat_hi)
		t->stat_hi = f->act.stat_idx + 1u;
}
