/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Descriptor rings in guest memory, for any device model (the e1000's 16-byte
 * descriptors, the E810's 16-byte TX and 32-byte RX ones):
 *
 * - struct dring: a ring translated once per walk or delivery when it lies in
 *   one guest mapping (the usual case: a descriptor is then a pointer
 *   addition), else each descriptor on its own; descriptors ahead of the
 *   walk are prefetched (the guest wrote them from another CPU).
 * - struct dring_dma: the DMA window of a burst, through which its buffers
 *   are translated (mostly a compare: pci_dma_win_ptr).
 * - struct dring_txwb, struct dring_rxwb: descriptors written back together,
 *   up to DRING_WB_BATCH at a time. The guest polls the next descriptor's
 *   done bit from its CPU: written back one at a time, a cache line crosses
 *   between the CPUs once per descriptor instead of once.
 *
 * Nothing here may be kept across a return to the loop: the guest's mappings
 * and the command register only change while a message is handled, so a
 * struct dring and a window live on the stack of a burst (or are emptied when
 * it ends). Descriptors are guest memory the guest may rewrite at any time:
 * copy one out before looking at it.
 */
#ifndef VMUX_DEV_COMMON_DRING_H
#define VMUX_DEV_COMMON_DRING_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "pci/pci.h"

#define DRING_WB_BATCH 32u /* descriptors written back together */
#define DRING_DESC_MAX 32u /* largest descriptor (bytes) */
#define DRING_LINE 64u     /* cache line: the unit of prefetching */

/* Descriptors from head up to (not including) tail in a ring of count. */
static inline uint32_t dring_used(uint32_t head, uint32_t tail, uint32_t count)
{
	return tail >= head ? tail - head : count - head + tail;
}

/* True if head and tail lie inside a ring of count descriptors (count 0: unusable). */
static inline bool dring_ok(uint32_t count, uint32_t head, uint32_t tail)
{
	return count && head < count && tail < count;
}

struct dring {
	struct pci_dev *pci;
	uint64_t base;       /* guest address of descriptor 0 */
	uint32_t count;      /* descriptors, at least 1 */
	uint8_t shift;       /* log2 of the descriptor size */
	uint8_t line_mask;   /* descriptors per cache line, less one */
	uint8_t *ring;       /* the whole ring when it lies in one mapping, else NULL */
};

/*
 * Describes a ring of count descriptors of desc_size bytes (a power of two,
 * 4..DRING_DESC_MAX) at guest address base; nothing is translated yet.
 */
static inline void dring_init(struct dring *r, struct pci_dev *pci, uint64_t base,
			      uint32_t count, unsigned desc_size)
{
	r->pci = pci;
	r->base = base;
	r->count = count;
	r->shift = (uint8_t)__builtin_ctz(desc_size);
	r->line_mask = (uint8_t)(desc_size < DRING_LINE ? DRING_LINE / desc_size - 1 : 0);
	r->ring = NULL;
}
/*
 * Translates the whole ring (read and write) once: true if it lies in one
 * mapping. Otherwise dring_desc() translates each descriptor by itself.
 */
static inline bool dring_map(struct dring *r)
{
	r->ring = (uint8_t *)pci_dma_ptr(r->pci, r->base, (uint64_t)r->count << r->shift,
					 VFU_PROT_READ | VFU_PROT_WRITE);
	return r->ring != NULL;
}

static inline uint32_t dring_desc_size(const struct dring *r)
{
	return 1u << r->shift;
}

/* Guest address of descriptor i. */
static inline uint64_t dring_addr(const struct dring *r, uint32_t i)
{
	return r->base + ((uint64_t)i << r->shift);
}

/* Descriptor i (< count), or NULL if it lies outside guest memory (or prot is refused). */
static inline uint8_t *dring_desc(const struct dring *r, uint32_t i, int prot)
{
	if (r->ring)
		return r->ring + ((uint64_t)i << r->shift);
	return (uint8_t *)pci_dma_ptr(r->pci, dring_addr(r, i), dring_desc_size(r), prot);
}

/* The descriptor after i. */
static inline uint32_t dring_next(const struct dring *r, uint32_t i)
{
	return i + 1 == r->count ? 0 : i + 1;
}

/*
 * Prefetches (for writing) the cache lines of the n descriptors from i on,
 * wrapping at the ring's end; at most one ring's worth. Only a mapped ring.
 */
static inline void dring_prefetch(const struct dring *r, uint32_t i, uint32_t n)
{
	if (!r->ring)
		return;
	if (n > r->count)
		n = r->count;
	for (uint32_t k = 0; k < n; k += r->line_mask + 1u) {
		uint32_t h = i + k;

		__builtin_prefetch(r->ring + ((uint64_t)(h >= r->count ? h - r->count : h) << r->shift),
				   1);
	}
}

/*
 * In a walk at descriptor i: prefetches the line dist descriptors ahead when
 * it starts a new one, so that a walk keeps dist descriptors fetched ahead.
 */
static inline void dring_prefetch_ahead(const struct dring *r, uint32_t i, uint32_t dist)
{
	uint32_t h = i + dist;

	if (r->ring && !(h & r->line_mask))
		__builtin_prefetch(r->ring + ((uint64_t)(h >= r->count ? h % r->count : h) << r->shift),
				   1);
}

/* ---- the DMA window of a burst ---------------------------------------------- */

struct dring_dma {
	struct pci_dma_win win;
	struct pci_dev *pci;
};

/* Empties the window: when a burst starts and when it ends. */
static inline void dring_dma_reset(struct dring_dma *d)
{
	d->win.size = 0;
}

/* A buffer of len bytes at addr, or NULL if it lies outside guest memory. */
static inline void *dring_dma_buf(struct dring_dma *d, uint64_t addr, uint64_t len, int prot)
{
	return pci_dma_win_ptr(d->pci, &d->win, addr, len, prot);
}

/* ---- write-back of TX descriptors: one status byte each ------------------------ */

/*
 * A done TX descriptor gets its status byte at `off` rewritten as
 * (status & keep) | set (e1000: byte 12, DD in the low nibble; E810: byte 8,
 * DTYPE 0xf), after a release fence for everything read before.
 */
struct dring_txwb {
	unsigned n;
	uint16_t off;
	uint8_t keep, set;
	uint8_t *dp[DRING_WB_BATCH];
};

static inline void dring_txwb_init(struct dring_txwb *w, unsigned off, uint8_t keep, uint8_t set)
{
	w->n = 0;
	w->off = (uint16_t)off;
	w->keep = keep;
	w->set = set;
}

static inline void dring_txwb_flush(struct dring_txwb *w)
{
	if (!w->n)
		return;
	atomic_thread_fence(memory_order_release);
	for (unsigned i = 0; i < w->n; i++)
		w->dp[i][w->off] = (uint8_t)((w->dp[i][w->off] & w->keep) | w->set);
	w->n = 0;
}

/* Queues descriptor i of r (translated for writing if the ring is not mapped whole). */
static inline void dring_txwb_add(struct dring_txwb *w, const struct dring *r, uint32_t i)
{
	uint8_t *dp = dring_desc(r, i, VFU_PROT_READ | VFU_PROT_WRITE);

	if (!dp)
		return;
	w->dp[w->n++] = dp;
	if (w->n == DRING_WB_BATCH)
		dring_txwb_flush(w);
}

/* ---- write-back of RX descriptors: staged, the done bit's 8 bytes last ------------ */

/*
 * An RX descriptor is written back as bytes [off, off + len) of it, staged
 * until the flush; the 8 bytes at dd_off (8-aligned, inside that range) hold
 * the done bit. A flush stores the other staged bytes, then one release fence
 * (for the buffers and those bytes), then each descriptor's dd_off qword in one
 * 8-byte store, so that the driver never sees the done bit with a stale length.
 * e1000: off 8, len 8, dd_off 8 (the second half of a 16-byte descriptor);
 * E810 32-byte: off 0, len 32, dd_off 8.
 */
struct dring_rxwb {
	unsigned n;
	uint16_t off, len, dd_off;
	uint8_t *dp[DRING_WB_BATCH];
	uint8_t data[DRING_WB_BATCH * DRING_DESC_MAX];
};

static inline void dring_rxwb_init(struct dring_rxwb *w, unsigned off, unsigned len,
				   unsigned dd_off)
{
	w->n = 0;
	w->off = (uint16_t)off;
	w->len = (uint16_t)len;
	w->dd_off = (uint16_t)dd_off;
}

/* Where the next descriptor's write-back is staged: len bytes, descriptor byte off first. */
static inline uint8_t *dring_rxwb_slot(struct dring_rxwb *w)
{
	return w->data + (size_t)w->n * w->len;
}

static inline void dring_rxwb_flush(struct dring_rxwb *w)
{
	unsigned lo = w->dd_off - w->off, hi = lo + 8;

	if (!w->n)
		return;
	if (w->len > 8) {
		/* Everything but the done bit's qword may land in any order. */
		for (unsigned i = 0; i < w->n; i++) {
			const uint8_t *s = w->data + (size_t)i * w->len;
			uint8_t *d = w->dp[i] + w->off;

			memcpy(d, s, lo);
			memcpy(d + hi, s + hi, w->len - hi);
		}
	}
	atomic_thread_fence(memory_order_release);
	for (unsigned i = 0; i < w->n; i++)
		memcpy(w->dp[i] + w->dd_off, w->data + (size_t)i * w->len + lo, 8);
	w->n = 0;
}

/* Queues the staged slot for the descriptor at dp. */
static inline void dring_rxwb_push(struct dring_rxwb *w, uint8_t *dp)
{
	w->dp[w->n++] = dp;
	if (w->n == DRING_WB_BATCH)
		dring_rxwb_flush(w);
}

#endif
