// SPDX-License-Identifier: GPL-2.0-or-later
/* The E810 model's sparse register file: see rstore.h. */
#include "dev/e810/rstore.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int e810_rstore_init(struct e810_rstore *s)
{
	memset(s, 0, sizeof(*s));
	s->key = calloc(E810_RSTORE_SLOTS, sizeof(*s->key));
	s->val = calloc(E810_RSTORE_SLOTS, sizeof(*s->val));
	if (!s->key || !s->val) {
		e810_rstore_fini(s);
		return -ENOMEM;
	}
	return 0;
}

void e810_rstore_fini(struct e810_rstore *s)
{
	free(s->key);
	free(s->val);
	s->key = NULL;
	s->val = NULL;
	s->used = 0;
}

void e810_rstore_clear(struct e810_rstore *s)
{
	if (!s->key)
		return;
	memset(s->key, 0, E810_RSTORE_SLOTS * sizeof(*s->key));
	memset(s->val, 0, E810_RSTORE_SLOTS * sizeof(*s->val));
	s->used = 0;
}

static unsigned slot_of(uint32_t off)
{
	/* Register offsets are dword multiples with long runs: mix the bits. */
	uint32_t h = (off >> 2) * 0x9e3779b1u;

	return (h >> 16) & (E810_RSTORE_SLOTS - 1);
}

/* The slot holding off, or the empty slot where it would go. */
static unsigned find(const struct e810_rstore *s, uint32_t off)
{
	unsigned i = slot_of(off);

	/* The table is never full (E810_RSTORE_MAX < SLOTS): the walk ends. */
	while (s->key[i] && s->key[i] != off + 1)
		i = (i + 1) & (E810_RSTORE_SLOTS - 1);
	return i;
}

bool e810_rstore_get(const struct e810_rstore *s, uint32_t off, uint32_t *v)
{
	unsigned i;

	if (!s->key)
		return false;
	i = find(s, off);
	if (!s->key[i])
		return false;
	*v = s->val[i];
	return true;
}

bool e810_rstore_set(struct e810_rstore *s, uint32_t off, uint32_t v)
{
	unsigned i;

	if (!s->key)
		return false;
	i = find(s, off);
	if (!s->key[i]) {
		if (!v)
			return true; /* reads as 0 anyway */
		if (s->used >= E810_RSTORE_MAX) {
			s->full_drops++;
			return false;
		}
		s->key[i] = off + 1;
		s->used++;
	}
	s->val[i] = v;
	return true;
}
