/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Packet pools reused across fuzz inputs (linked with --wrap=pkt_pool_create
 * and --wrap=pkt_pool_destroy; see tests/fuzz/meson.build).
 *
 * A pool is one anonymous mapping of up to several MiB; code under test that
 * creates its pools per instance (the switch, the e1000) would map, fault in
 * and unmap them on every input, and on this machine that was 40% of the
 * time of fuzz_switch. Here a pool whose packets have all come back is kept
 * when its owner destroys it, and handed out again to the next create of the
 * same size and name, with its free stack put back in the order of a new
 * pool (the lowest packet first): the code under test gets the same packets
 * in the same order as from a fresh pool, whatever the previous input did.
 * What is not reset is the bytes of the packets' data beyond what the code
 * under test writes (a fresh pool's are zero) and the pool's statistics
 * counters, which only feed statistics.
 *
 * A pool destroyed with packets outstanding is really destroyed (the pool
 * warns about it; the harnesses check their counts themselves).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "net/pkt.h"

struct pkt_pool *__real_pkt_pool_create(const char *name, unsigned count);
void __real_pkt_pool_destroy(struct pkt_pool *p);
struct pkt_pool *__wrap_pkt_pool_create(const char *name, unsigned count);
void __wrap_pkt_pool_destroy(struct pkt_pool *p);

#define CACHE_MAX 8
#define CANON_MAX 4096u

static struct {
	struct pkt_pool *pool;
	bool idle;
} cache[CACHE_MAX];
static unsigned ncache;

/* Puts the free stack of a full pool back into the order of a new pool. */
static void canonicalize(struct pkt_pool *p)
{
	static struct pkt *all[CANON_MAX], *byidx[CANON_MAX];
	unsigned count = pkt_pool_count(p);
	unsigned got = pkt_alloc_bulk(p, all, count);
	if (got != count)
		fz_fatal("pool cache: %u of %u packets of a returned pool", got, count);
	uintptr_t base = UINTPTR_MAX;
	for (unsigned i = 0; i < count; i++)
		if ((uintptr_t)all[i] < base)
			base = (uintptr_t)all[i];
	memset(byidx, 0, (size_t)count * sizeof(byidx[0]));
	for (unsigned i = 0; i < count; i++) {
		size_t idx = ((uintptr_t)all[i] - base) / sizeof(struct pkt);
		if (idx >= count || byidx[idx])
			fz_fatal("pool cache: packets of pool %s are not one array", pkt_pool_name(p));
		byidx[idx] = all[i];
	}
	/* A new pool hands out its lowest packet first: push it last. */
	for (unsigned i = count; i-- > 0;)
		pkt_free(byidx[i]);
}

struct pkt_pool *__wrap_pkt_pool_create(const char *name, unsigned count)
{
	const char *n = name ? name : "pool";
	if (count <= CANON_MAX) {
		for (unsigned i = 0; i < ncache; i++) {
			struct pkt_pool *p = cache[i].pool;
			if (cache[i].idle && pkt_pool_count(p) == count &&
			    strncmp(pkt_pool_name(p), n, 31) == 0) {
				cache[i].idle = false;
				canonicalize(p);
				return p;
			}
		}
	}
	struct pkt_pool *p = __real_pkt_pool_create(name, count);
	if (p && count <= CANON_MAX && ncache < CACHE_MAX) {
		cache[ncache].pool = p;
		cache[ncache].idle = false;
		ncache++;
	}
	return p;
}

void __wrap_pkt_pool_destroy(struct pkt_pool *p)
{
	if (!p)
		return;
	for (unsigned i = 0; i < ncache; i++) {
		if (cache[i].pool != p)
			continue;
		if (cache[i].idle)
			fz_fatal("pool %s destroyed twice", pkt_pool_name(p));
		if (pkt_pool_avail(p) == pkt_pool_count(p)) {
			cache[i].idle = true;
			return;
		}
		/* Packets outstanding: really destroy it, and forget it. */
		cache[i] = cache[--ncache];
		break;
	}
	__real_pkt_pool_destroy(p);
}
