/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz target: the vfio-user message layer, through the pipe transport.
 *
 * The input is a chunk sequence (fuzz_common.h) played against one vfu
 * context with a NIC-like layout: BAR0 128 KiB of registers, BAR2 a small I/O
 * BAR, BAR3 16 KiB with two mmap-able sparse pages, a read-only ROM, 4 KiB
 * config space; INTx, MSI, 16 MSI-X vectors, ERR and REQ. The device is a
 * register file that checks what the server hands it: an access outside a
 * region, or a DMA pointer that does not cover what it promised, aborts.
 * A few registers make the device act: raise interrupts, look up DMA
 * pointers, or answer with errors and bogus lengths.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "vfu/vfu.h"

#define BAR0_SIZE (128u * 1024u)
#define BAR2_SIZE 64u
#define BAR3_SIZE (16u * 1024u)
#define ROM_SIZE (64u * 1024u)
#define CFG_SIZE 4096u

/* BAR0 registers with side effects */
#define R_IRQ 0x00c8u      /* write: trigger index (bits 0-2), vector (bits 8-15) */
#define R_INTX 0x00d0u     /* write: INTx level (bit 0) */
#define R_DESC_ADDR 0x3800u
#define R_DESC_LEN 0x3808u /* bits 0-15 length, bit 16 want write access */
#define R_DOORBELL 0x3818u /* write: look up and touch [DESC_ADDR, +DESC_LEN) */
/* BAR2: the last dword selects how the device answers accesses to the rest. */
#define R_FAULT (BAR2_SIZE - 4u)

static struct {
	struct vfu_ctx *ctx;
	uint8_t bar0[BAR0_SIZE], bar2[BAR2_SIZE], bar3[BAR3_SIZE], rom[ROM_SIZE], cfg[CFG_SIZE];
	int bar3_fd;
	uint8_t dma_buf[65536];
	volatile uint8_t sink;
} dev;

static __attribute__((noreturn)) void bug(const char *what, uint32_t region, uint64_t off,
					  size_t count)
{
	fprintf(stderr, "fuzz_vfu_msgs: %s (region %u, offset 0x%llx, count %zu)\n", what, region,
		(unsigned long long)off, count);
	abort();
}

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static void touch(uint8_t *p, size_t len, bool wr)
{
	/* Every byte promised must be there: a short mapping faults here. */
	for (size_t i = 0; i < len; i++) {
		if (wr)
			p[i] = (uint8_t)i;
		else
			dev.sink ^= p[i];
	}
}

static void doorbell(void)
{
	uint64_t addr;
	memcpy(&addr, dev.bar0 + R_DESC_ADDR, sizeof(addr));
	uint32_t l = rd32(dev.bar0 + R_DESC_LEN);
	bool wr = l & 0x10000u;
	size_t len = l & 0xffffu;
	uint8_t *p = vfu_dma_ptr(dev.ctx, addr, len, wr ? VFU_PROT_WRITE : VFU_PROT_READ);
	if (p)
		touch(p, len, wr);
}

static void bar0_side_effects(uint64_t off, size_t count)
{
	/* Only whole-dword writes of a register act, as on hardware. */
	if (count != 4)
		return;
	uint32_t v = rd32(dev.bar0 + off);
	switch (off) {
	case R_IRQ:
		vfu_irq_trigger(dev.ctx, v & 7u, (v >> 8) & 0xffu);
		break;
	case R_INTX:
		vfu_intx_set(dev.ctx, v & 1u);
		break;
	case R_DOORBELL:
		doorbell();
		break;
	}
}

static ssize_t fault_answer(size_t count, bool *done)
{
	*done = true;
	switch (rd32(dev.bar2 + R_FAULT)) {
	case 1:
		return -EIO;
	case 2:
		return (ssize_t)count + 1; /* more than asked: the server must refuse it */
	case 3:
		return (ssize_t)(count / 2);
	case 4:
		return -100000; /* not an errno */
	default:
		*done = false;
		return 0;
	}
}

static ssize_t regfile(void *opaque, uint32_t region, uint64_t off, void *buf, size_t count,
		       bool wr)
{
	uint8_t *mem;
	uint64_t size;

	(void)opaque;
	switch (region) {
	case VFU_PCI_BAR0:
		mem = dev.bar0, size = BAR0_SIZE;
		break;
	case VFU_PCI_BAR2:
		mem = dev.bar2, size = BAR2_SIZE;
		break;
	case VFU_PCI_BAR3:
		mem = dev.bar3, size = BAR3_SIZE;
		break;
	case VFU_PCI_ROM:
		mem = dev.rom, size = ROM_SIZE;
		if (wr)
			bug("write to a read-only region reached the device", region, off, count);
		break;
	case VFU_PCI_CONFIG:
		mem = dev.cfg, size = CFG_SIZE;
		break;
	default:
		bug("access to a region without a callback", region, off, count);
	}
	if (count == 0 || off >= size || count > size - off)
		bug("access outside the region reached the device", region, off, count);
	if (region == VFU_PCI_BAR2 && off < R_FAULT) {
		bool done;
		ssize_t r = fault_answer(count, &done);
		if (done)
			return r;
	}
	/* memcpy lets ASan check that buf really holds count bytes. */
	if (wr)
		memcpy(mem + off, buf, count);
	else
		memcpy(buf, mem + off, count);
	if (wr && region == VFU_PCI_BAR0)
		bar0_side_effects(off, count);
	return (ssize_t)count;
}

static void check_mapping(uint64_t addr, uint64_t size)
{
	uint8_t *p = vfu_dma_ptr(dev.ctx, addr, size, VFU_PROT_READ);
	if (p) {
		dev.sink ^= p[0];
		dev.sink ^= p[size - 1];
	}
}

static void on_reset(void *opaque, enum vfu_reset_reason why)
{
	(void)opaque;
	(void)why;
	memset(dev.bar0, 0, sizeof(dev.bar0));
	memset(dev.bar2, 0, sizeof(dev.bar2));
	memset(dev.bar3, 0, sizeof(dev.bar3));
	memset(dev.cfg, 0, sizeof(dev.cfg));
}

static int on_dma_map(void *opaque, uint64_t addr, uint64_t size)
{
	(void)opaque;
	check_mapping(addr, size);
	return 0;
}

static void on_dma_unmap(void *opaque, uint64_t addr, uint64_t size)
{
	(void)opaque;
	/* Still mapped while we are told. */
	check_mapping(addr, size);
}

static void on_irq_changed(void *opaque, uint32_t index)
{
	(void)opaque;
	static const uint32_t counts[VFU_IRQ_NUM] = { 1, 1, 16, 1, 1 };
	if (index >= VFU_IRQ_NUM || vfu_irq_enabled_count(dev.ctx, index) > counts[index]) {
		fprintf(stderr, "fuzz_vfu_msgs: irq_changed(%u) inconsistent\n", index);
		abort();
	}
}

static const struct vfu_dev_ops dev_ops = {
	.reset = on_reset,
	.dma_map = on_dma_map,
	.dma_unmap = on_dma_unmap,
	.irq_changed = on_irq_changed,
};

/* Device work "from the loop", between messages. */
static void action(void *arg, unsigned kind, const struct fz_chunk_hdr *h, const uint8_t *data,
		   size_t len)
{
	uint8_t *p;
	(void)arg;
	(void)data;
	(void)len;
	switch (kind) {
	case 1:
		p = vfu_dma_ptr(dev.ctx, h->aaddr, h->alen, VFU_PROT_READ);
		if (p)
			touch(p, h->alen, false);
		vfu_dma_read(dev.ctx, h->aaddr, dev.dma_buf, h->alen);
		break;
	case 2:
		p = vfu_dma_ptr(dev.ctx, h->aaddr, h->alen, VFU_PROT_WRITE);
		if (p)
			touch(p, h->alen, true);
		memset(dev.dma_buf, 0xa5, h->alen);
		vfu_dma_write(dev.ctx, h->aaddr, dev.dma_buf, h->alen);
		break;
	case 3: {
		uint32_t index = h->aarg & 7u, sub = (h->aarg >> 3) & 0x7ffu;
		if (h->aarg & 0x8000u)
			vfu_intx_set(dev.ctx, h->aarg & 0x4000u);
		else
			vfu_irq_trigger(dev.ctx, index, sub);
		dev.sink ^= (uint8_t)vfu_irq_pending(dev.ctx, index, sub);
		dev.sink ^= (uint8_t)vfu_irq_enabled_count(dev.ctx, index);
		break;
	}
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_setup_logging();
	struct vfu_ctx_cfg cfg = {
		.name = "fuzz",
		.dev_flags = VFU_DEV_F_PCI | VFU_DEV_F_RESET,
		.num_regions = VFU_PCI_NUM_REGIONS,
		.irq_count = { 1, 1, 16, 1, 1 },
		.limits = {
			.max_dma_maps = 32,
			.max_dma_total = 256ull << 20,
			.max_pending_cmds = 8,
			.reply_timeout_ms = 1,
		},
	};
	dev.ctx = vfu_create(&cfg, &dev_ops, &dev);
	dev.bar3_fd = fz_memfd(BAR3_SIZE, "fz-bar3");
	if (!dev.ctx || dev.bar3_fd < 0) {
		fprintf(stderr, "fuzz_vfu_msgs: setup failed\n");
		abort();
	}
	const uint32_t rw = VFU_REGION_F_READ | VFU_REGION_F_WRITE;
	struct vfu_region_desc r[VFU_PCI_NUM_REGIONS] = {
		[VFU_PCI_BAR0] = { .size = BAR0_SIZE, .flags = rw, .access = regfile, .mmap_fd = -1 },
		[VFU_PCI_BAR2] = { .size = BAR2_SIZE, .flags = rw, .access = regfile, .mmap_fd = -1 },
		[VFU_PCI_BAR3] = {
			.size = BAR3_SIZE, .flags = rw, .access = regfile,
			.mmap_fd = dev.bar3_fd, .nr_sparse = 2,
			.sparse = { { 0x0000, 0x1000 }, { 0x2000, 0x1000 } },
		},
		[VFU_PCI_ROM] = { .size = ROM_SIZE, .flags = VFU_REGION_F_READ, .access = regfile,
				  .mmap_fd = -1 },
		[VFU_PCI_CONFIG] = { .size = CFG_SIZE, .flags = rw, .access = regfile, .mmap_fd = -1 },
	};
	for (uint32_t i = 0; i < VFU_PCI_NUM_REGIONS; i++) {
		if (!r[i].size)
			r[i].mmap_fd = -1;
		if (vfu_set_region(dev.ctx, i, &r[i]) < 0) {
			fprintf(stderr, "fuzz_vfu_msgs: vfu_set_region(%u) failed\n", i);
			abort();
		}
	}
	fz_fd_iter_begin(); /* the BAR3 memfd is ours, not a handed-out fd */
	fz_fd_baseline();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct fz_vfu_hooks hooks = { .action = action };

	fz_fd_iter_begin();
	fz_vfu_run(dev.ctx, data, size, &hooks);
	fz_fd_must_be_open(dev.bar3_fd, "the BAR3 mmap memfd");
	fz_fd_iter_end("fuzz_vfu_msgs", 4096);
	return 0;
}
