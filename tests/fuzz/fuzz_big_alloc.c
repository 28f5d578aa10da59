/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Large heap blocks reused across fuzz inputs (linked with --wrap=malloc,
 * --wrap=calloc, --wrap=realloc and --wrap=free; see tests/fuzz/meson.build).
 *
 * ASan serves blocks of more than 128 KiB from fresh mappings and unmaps them
 * when they leave its quarantine: a device model that allocates its register
 * file and TSO buffer per instance (the e1000: 2 x 128 KiB) paid two mmaps,
 * munmaps, TLB shootdowns and dozens of page faults per input. Here a freed
 * block of BIG_MIN bytes or more is kept (up to CACHE_MAX of them) and given
 * to the next allocation of exactly that size: calloc'd blocks are zeroed as
 * before, malloc'd ones filled with garbage (0xbe, as ASan does for the first
 * 4 KiB), so a read of memory that was never written shows as before.
 *
 * What ASan checked still holds: the block is a real ASan allocation of the
 * requested size (overflows hit its redzone), an idle block is poisoned (a
 * use after free is reported, as use-after-poison), and freeing an idle block
 * is reported as a double free by this file. A block the code under test
 * never frees is referenced from here, so LeakSanitizer cannot see it: the
 * harness calls fz_big_alloc_check() after destroying everything of an input.
 */
#include <sanitizer/asan_interface.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t size);
void __real_free(void *p);
void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t size);
void __wrap_free(void *p);

#define BIG_MIN (64u * 1024u)
#define CACHE_MAX 8

static struct {
	void *p;
	size_t size;
	bool idle;
} cache[CACHE_MAX];
static unsigned ncache;

static void *take(size_t size)
{
	if (size < BIG_MIN)
		return NULL;
	for (unsigned i = 0; i < ncache; i++) {
		if (cache[i].idle && cache[i].size == size) {
			cache[i].idle = false;
			ASAN_UNPOISON_MEMORY_REGION(cache[i].p, size);
			return cache[i].p;
		}
	}
	return NULL;
}

static void *track(void *p, size_t size)
{
	if (p && size >= BIG_MIN && ncache < CACHE_MAX) {
		cache[ncache].p = p;
		cache[ncache].size = size;
		cache[ncache].idle = false;
		ncache++;
	}
	return p;
}

/* The entry of a cached block, NULL if p is not one. */
static int find(const void *p)
{
	if (!p)
		return -1;
	for (unsigned i = 0; i < ncache; i++)
		if (cache[i].p == p)
			return (int)i;
	return -1;
}

void *__wrap_malloc(size_t size)
{
	void *p = take(size);
	if (p) {
		memset(p, 0xbe, size < 4096 ? size : 4096);
		return p;
	}
	return track(__real_malloc(size), size);
}

void *__wrap_calloc(size_t n, size_t size)
{
	size_t total;
	if (__builtin_mul_overflow(n, size, &total))
		return __real_calloc(n, size);
	void *p = take(total);
	if (p) {
		memset(p, 0, total);
		return p;
	}
	return track(__real_calloc(n, size), total);
}

void __wrap_free(void *p)
{
	int i = find(p);
	if (i < 0) {
		__real_free(p);
		return;
	}
	if (cache[i].idle)
		fz_fatal("double free of a %zu-byte block at %p", cache[i].size, p);
	cache[i].idle = true;
	ASAN_POISON_MEMORY_REGION(p, cache[i].size);
}

void *__wrap_realloc(void *p, size_t size)
{
	int i = find(p);
	if (i < 0)
		return __real_realloc(p, size);
	if (cache[i].idle)
		fz_fatal("realloc of a freed %zu-byte block at %p", cache[i].size, p);
	void *q = __wrap_malloc(size);
	if (!q)
		return NULL;
	memcpy(q, p, size < cache[i].size ? size : cache[i].size);
	__wrap_free(p);
	return q;
}

void fz_big_alloc_check(const char *target)
{
	for (unsigned i = 0; i < ncache; i++)
		if (!cache[i].idle)
			fz_fatal("%s: a %zu-byte block allocated by the code under test is still in use "
				 "after the input (a leak)", target, cache[i].size);
}
