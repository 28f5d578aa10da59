/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Lock-free single-producer/single-consumer ring of pointers, moved in bursts.
 *
 * Exactly one thread enqueues and exactly one thread dequeues. Each side keeps
 * a private copy of the other side's index and re-reads the shared one only
 * when the copy says the ring is full/empty, so a burst costs one acquire load
 * and one release store, and the two cache lines ping-pong as little as
 * possible.
 */
#ifndef VMUX_CORE_SPSC_H
#define VMUX_CORE_SPSC_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#define SPSC_CACHELINE 64

struct spsc_ring {
	/* producer side */
	_Alignas(SPSC_CACHELINE) _Atomic uint32_t head; /* next slot to write */
	uint32_t cached_tail;
	/* consumer side */
	_Alignas(SPSC_CACHELINE) _Atomic uint32_t tail; /* next slot to read */
	uint32_t cached_head;
	/* read-only after creation */
	_Alignas(SPSC_CACHELINE) uint32_t mask;
	void *slots[];
};

/* size: a power of two >= 2. NULL on bad size or no memory. */
static inline struct spsc_ring *spsc_create(uint32_t size)
{
	if (size < 2 || (size & (size - 1)))
		return NULL;
	struct spsc_ring *r;
	if (posix_memalign((void **)&r, SPSC_CACHELINE, sizeof(*r) + sizeof(void *) * size))
		return NULL;
	atomic_init(&r->head, 0);
	atomic_init(&r->tail, 0);
	r->cached_tail = 0;
	r->cached_head = 0;
	r->mask = size - 1;
	return r;
}

static inline void spsc_destroy(struct spsc_ring *r)
{
	free(r);
}

/* Producer: enqueues up to n pointers; returns how many (the rest did not fit). */
static inline uint32_t spsc_enqueue_burst(struct spsc_ring *r, void *const *objs, uint32_t n)
{
	uint32_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
	uint32_t size = r->mask + 1;
	uint32_t free_slots = size - (head - r->cached_tail);
	if (free_slots < n) {
		r->cached_tail = atomic_load_explicit(&r->tail, memory_order_acquire);
		free_slots = size - (head - r->cached_tail);
		if (n > free_slots)
			n = free_slots;
	}
	for (uint32_t i = 0; i < n; i++)
		r->slots[(head + i) & r->mask] = objs[i];
	atomic_store_explicit(&r->head, head + n, memory_order_release);
	return n;
}

/* Consumer: dequeues up to n pointers; returns how many. */
static inline uint32_t spsc_dequeue_burst(struct spsc_ring *r, void **objs, uint32_t n)
{
	uint32_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
	uint32_t avail = r->cached_head - tail;
	if (avail < n) {
		r->cached_head = atomic_load_explicit(&r->head, memory_order_acquire);
		avail = r->cached_head - tail;
		if (n > avail)
			n = avail;
	}
	for (uint32_t i = 0; i < n; i++)
		objs[i] = r->slots[(tail + i) & r->mask];
	atomic_store_explicit(&r->tail, tail + n, memory_order_release);
	return n;
}

/* Either side: entries currently in the ring (a snapshot). */
static inline uint32_t spsc_count(struct spsc_ring *r)
{
	return atomic_load_explicit(&r->head, memory_order_acquire) -
	       atomic_load_explicit(&r->tail, memory_order_acquire);
}

static inline bool spsc_empty(struct spsc_ring *r)
{
	return spsc_count(r) == 0;
}

#endif
