/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Descriptor rings in guest memory: see dring.h. */
#include "dev/common/dring.h"

#include <stdatomic.h>
#include <string.h>

void dring_init(struct dring *r, struct pci_dev *pci, uint64_t base, uint32_t count,
		unsigned desc_size)
{
	unsigned shift = 0;

	while ((1u << shift) < desc_size)
		shift++;
	r->pci = pci;
	r->base = base;
	r->count = count;
	r->shift = (uint8_t)shift;
	r->line_mask = (uint8_t)(desc_size < DRING_LINE ? DRING_LINE / desc_size - 1 : 0);
	r->ring = NULL;
}

bool dring_map(struct dring *r)
{
	r->ring = pci_dma_ptr(r->pci, r->base, (uint64_t)r->count << r->shift,
			      VFU_PROT_READ | VFU_PROT_WRITE);
	return r->ring != NULL;
}

void dring_txwb_flush(struct dring_txwb *w)
{
	if (!w->n)
		return;
	atomic_thread_fence(memory_order_release);
	for (unsigned i = 0; i < w->n; i++)
		w->dp[i][w->off] = (uint8_t)((w->dp[i][w->off] & w->keep) | w->set);
	w->n = 0;
}

void dring_rxwb_flush(struct dring_rxwb *w)
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
