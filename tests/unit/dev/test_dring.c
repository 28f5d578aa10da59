/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for the shared descriptor-ring helpers (dev/common/dring): the
 * one-mapping fast path and the per-descriptor fallback, prefetch bounds, the
 * burst's DMA window, and write-back batching of TX (status byte) and RX
 * (staged bytes, done qword last) descriptors, e1000- and E810-shaped. The
 * PCI layer is faked here: guest memory is two host buffers at adjacent
 * guest addresses (so a ring across them is not one mapping) and a hole.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "dev/common/dring.h"

#define MAP_A 0x10000u
#define MAP_B 0x11000u
#define MAP_SIZE 0x1000u

static struct {
	uint8_t a[MAP_SIZE] __attribute__((aligned(64)));
	uint8_t b[MAP_SIZE] __attribute__((aligned(64)));
	unsigned dma_calls, fills;
	int last_prot;
} fk;

static struct pci_dev *const PCI = (struct pci_dev *)&fk;

/* The fake PCI layer: what dring.h reaches of pci/. */
void *pci_dma_ptr(struct pci_dev *d, uint64_t addr, uint64_t len, int prot)
{
	assert_ptr_equal(d, PCI);
	fk.dma_calls++;
	fk.last_prot = prot;
	if (addr >= MAP_A && addr < MAP_A + MAP_SIZE && len <= MAP_A + MAP_SIZE - addr)
		return fk.a + (addr - MAP_A);
	if (addr >= MAP_B && addr < MAP_B + MAP_SIZE && len <= MAP_B + MAP_SIZE - addr)
		return fk.b + (addr - MAP_B);
	return NULL;
}

void *pci_dma_win_fill(struct pci_dev *d, struct pci_dma_win *w, uint64_t addr, uint64_t len,
		       int prot)
{
	void *p = pci_dma_ptr(d, addr, len, prot);

	fk.fills++;
	if (!p)
		return NULL;
	/* The window becomes the whole mapping the address lies in. */
	w->addr = addr >= MAP_B ? MAP_B : MAP_A;
	w->ptr = addr >= MAP_B ? fk.b : fk.a;
	w->size = MAP_SIZE;
	w->prot = VFU_PROT_READ | VFU_PROT_WRITE;
	return p;
}

static int reset(void **state)
{
	(void)state;
	memset(&fk, 0, sizeof(fk));
	return 0;
}

static void test_arith(void **state)
{
	struct dring r;

	(void)state;
	assert_int_equal(dring_used(0, 0, 8), 0);
	assert_int_equal(dring_used(6, 1, 8), 3);
	assert_true(dring_ok(8, 7, 0));
	assert_false(dring_ok(8, 8, 0));
	assert_false(dring_ok(0, 0, 0));
	dring_init(&r, PCI, MAP_A, 8, 16);
	assert_int_equal(dring_desc_size(&r), 16);
	assert_int_equal(r.line_mask, 3);
	assert_int_equal(dring_next(&r, 6), 7);
	assert_int_equal(dring_next(&r, 7), 0);
	assert_int_equal(dring_addr(&r, 3), MAP_A + 48);
	dring_init(&r, PCI, MAP_A, 8, 32);
	assert_int_equal(dring_desc_size(&r), 32);
	assert_int_equal(r.line_mask, 1);
	assert_int_equal(dring_addr(&r, 3), MAP_A + 96);
	assert_int_equal(fk.dma_calls, 0); /* init translates nothing */
}

/* A ring inside one mapping: one translation, then pointer arithmetic. */
static void test_one_mapping(void **state)
{
	struct dring r;

	(void)state;
	dring_init(&r, PCI, MAP_A + 0x100, 64, 32);
	assert_true(dring_map(&r));
	assert_int_equal(fk.dma_calls, 1);
	assert_int_equal(fk.last_prot, VFU_PROT_READ | VFU_PROT_WRITE);
	assert_ptr_equal(dring_desc(&r, 0, VFU_PROT_READ), fk.a + 0x100);
	assert_ptr_equal(dring_desc(&r, 63, VFU_PROT_READ), fk.a + 0x100 + 63 * 32);
	/* Prefetching never goes past a ring's worth, wrapping or not. */
	dring_prefetch(&r, 60, 16);
	dring_prefetch(&r, 0, 1000);
	for (uint32_t i = 0; i < 64; i++)
		dring_prefetch_ahead(&r, i, 16);
	assert_int_equal(fk.dma_calls, 1);
}

/* A ring across two mappings, or partly outside guest memory: one descriptor at a time. */
static void test_fallback(void **state)
{
	struct dring r;

	(void)state;
	/* 16 descriptors of 16 bytes, 8 in each mapping. */
	dring_init(&r, PCI, MAP_B - 128, 16, 16);
	assert_false(dring_map(&r));
	assert_null(r.ring);
	fk.dma_calls = 0;
	assert_ptr_equal(dring_desc(&r, 0, VFU_PROT_READ), fk.a + MAP_SIZE - 128);
	assert_ptr_equal(dring_desc(&r, 7, VFU_PROT_READ), fk.a + MAP_SIZE - 16);
	assert_ptr_equal(dring_desc(&r, 8, VFU_PROT_WRITE), fk.b);
	assert_int_equal(fk.last_prot, VFU_PROT_WRITE);
	assert_ptr_equal(dring_desc(&r, 15, VFU_PROT_READ), fk.b + 7 * 16);
	assert_int_equal(fk.dma_calls, 4);
	dring_prefetch(&r, 0, 16); /* nothing to prefetch without the mapping */
	dring_prefetch_ahead(&r, 0, 16);
	assert_int_equal(fk.dma_calls, 4);

	/* The ring's tail end in a hole: those descriptors are NULL, the others fine. */
	dring_init(&r, PCI, MAP_B + MAP_SIZE - 64, 8, 16);
	assert_false(dring_map(&r));
	assert_non_null(dring_desc(&r, 3, VFU_PROT_READ));
	assert_null(dring_desc(&r, 4, VFU_PROT_READ));
	assert_null(dring_desc(&r, 7, VFU_PROT_READ));
}

static void test_dma_window(void **state)
{
	struct dring_dma d = { .pci = PCI };

	(void)state;
	dring_dma_reset(&d);
	assert_ptr_equal(dring_dma_buf(&d, MAP_A + 10, 100, VFU_PROT_READ), fk.a + 10);
	assert_int_equal(fk.fills, 1);
	/* The same mapping again: a compare, no translation. */
	assert_ptr_equal(dring_dma_buf(&d, MAP_A + 2000, 64, VFU_PROT_WRITE), fk.a + 2000);
	assert_int_equal(fk.fills, 1);
	/* Another mapping moves the window; a buffer across two mappings is refused. */
	assert_ptr_equal(dring_dma_buf(&d, MAP_B, 64, VFU_PROT_READ), fk.b);
	assert_int_equal(fk.fills, 2);
	assert_null(dring_dma_buf(&d, MAP_B - 8, 16, VFU_PROT_READ));
	assert_null(dring_dma_buf(&d, 0, 1, VFU_PROT_READ));
	/* Emptied at the burst's end: the next one translates afresh. */
	dring_dma_reset(&d);
	fk.fills = 0;
	assert_ptr_equal(dring_dma_buf(&d, MAP_A, 1, VFU_PROT_READ), fk.a);
	assert_int_equal(fk.fills, 1);
}

/* e1000: DD into the low nibble of byte 12, the high nibble kept. */
static void test_txwb_e1000(void **state)
{
	struct dring r;
	struct dring_txwb w;

	(void)state;
	dring_init(&r, PCI, MAP_A, 64, 16);
	assert_true(dring_map(&r));
	memset(fk.a, 0xa0, 64 * 16);
	dring_txwb_init(&w, 12, 0xf0, 0x01);
	for (uint32_t i = 0; i < 31; i++)
		dring_txwb_add(&w, &r, i);
	/* Nothing is written back before the batch is full or flushed. */
	for (uint32_t i = 0; i < 31; i++)
		assert_int_equal(fk.a[i * 16 + 12], 0xa0);
	dring_txwb_add(&w, &r, 31);
	assert_int_equal(w.n, 0);
	for (uint32_t i = 0; i < 32; i++) {
		assert_int_equal(fk.a[i * 16 + 12], 0xa1);
		assert_int_equal(fk.a[i * 16 + 11], 0xa0);
		assert_int_equal(fk.a[i * 16 + 13], 0xa0);
	}
	dring_txwb_add(&w, &r, 40);
	assert_int_equal(fk.a[40 * 16 + 12], 0xa0);
	dring_txwb_flush(&w);
	assert_int_equal(fk.a[40 * 16 + 12], 0xa1);
	dring_txwb_flush(&w); /* empty: nothing */
	assert_int_equal(fk.a[41 * 16 + 12], 0xa0);
}

/* E810-shaped: DTYPE 0xf in the low nibble of byte 8; a ring that is not mapped whole. */
static void test_txwb_unmapped_ring(void **state)
{
	struct dring r;
	struct dring_txwb w;

	(void)state;
	dring_init(&r, PCI, MAP_B - 32, 8, 16); /* 2 descriptors in a, the rest in b, then a hole */
	assert_false(dring_map(&r));
	memset(fk.a, 0x30, sizeof(fk.a));
	memset(fk.b, 0x30, sizeof(fk.b));
	dring_txwb_init(&w, 8, 0xf0, 0x0f);
	dring_txwb_add(&w, &r, 1);
	dring_txwb_add(&w, &r, 2);
	dring_txwb_flush(&w);
	assert_int_equal(fk.a[MAP_SIZE - 16 + 8], 0x3f);
	assert_int_equal(fk.b[8], 0x3f);
	assert_int_equal(fk.b[16 + 8], 0x30);
	assert_int_equal(fk.a[MAP_SIZE - 32 + 8], 0x30);
}

/* e1000: bytes 8..15 staged, stored in one go at the flush; bytes 0..7 (the buffer address) kept. */
static void test_rxwb_e1000(void **state)
{
	struct dring r;
	struct dring_rxwb w;

	(void)state;
	dring_init(&r, PCI, MAP_A, 64, 16);
	assert_true(dring_map(&r));
	memset(fk.a, 0xee, 64 * 16);
	dring_rxwb_init(&w, 8, 8, 8);
	for (uint32_t i = 0; i < 3; i++) {
		uint8_t *s = dring_rxwb_slot(&w);

		for (unsigned k = 0; k < 8; k++)
			s[k] = (uint8_t)(i * 16 + k);
		dring_rxwb_push(&w, dring_desc(&r, i, VFU_PROT_WRITE));
	}
	for (uint32_t i = 0; i < 3; i++)
		assert_int_equal(fk.a[i * 16 + 8], 0xee);
	dring_rxwb_flush(&w);
	for (uint32_t i = 0; i < 3; i++)
		for (unsigned k = 0; k < 16; k++)
			assert_int_equal(fk.a[i * 16 + k], k < 8 ? 0xee : (uint8_t)(i * 16 + k - 8));
	assert_int_equal(fk.a[3 * 16 + 8], 0xee);
}

/* E810-shaped 32-byte descriptors: all 32 bytes written back; a full batch flushes itself. */
static void test_rxwb_32(void **state)
{
	struct dring r;
	struct dring_rxwb w;

	(void)state;
	dring_init(&r, PCI, MAP_A, 64, 32);
	assert_true(dring_map(&r));
	memset(fk.a, 0xee, 64 * 32);
	dring_rxwb_init(&w, 0, 32, 8);
	for (uint32_t i = 0; i < DRING_WB_BATCH + 1; i++) {
		uint8_t *s = dring_rxwb_slot(&w);

		for (unsigned k = 0; k < 32; k++)
			s[k] = (uint8_t)(i + k);
		dring_rxwb_push(&w, dring_desc(&r, i, VFU_PROT_WRITE));
	}
	assert_int_equal(w.n, 1);
	for (uint32_t i = 0; i < DRING_WB_BATCH; i++)
		for (unsigned k = 0; k < 32; k++)
			assert_int_equal(fk.a[i * 32 + k], (uint8_t)(i + k));
	assert_int_equal(fk.a[DRING_WB_BATCH * 32], 0xee);
	dring_rxwb_flush(&w);
	for (unsigned k = 0; k < 32; k++)
		assert_int_equal(fk.a[DRING_WB_BATCH * 32 + k], (uint8_t)(DRING_WB_BATCH + k));
	/* A write-back of part of a descriptor leaves the rest alone. */
	memset(fk.a, 0xee, 64);
	dring_rxwb_init(&w, 0, 16, 8);
	memset(dring_rxwb_slot(&w), 0x11, 16);
	dring_rxwb_push(&w, dring_desc(&r, 0, VFU_PROT_WRITE));
	dring_rxwb_flush(&w);
	for (unsigned k = 0; k < 32; k++)
		assert_int_equal(fk.a[k], k < 16 ? 0x11 : 0xee);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_arith, reset),
		cmocka_unit_test_setup(test_one_mapping, reset),
		cmocka_unit_test_setup(test_fallback, reset),
		cmocka_unit_test_setup(test_dma_window, reset),
		cmocka_unit_test_setup(test_txwb_e1000, reset),
		cmocka_unit_test_setup(test_txwb_unmapped_ring, reset),
		cmocka_unit_test_setup(test_rxwb_e1000, reset),
		cmocka_unit_test_setup(test_rxwb_32, reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
