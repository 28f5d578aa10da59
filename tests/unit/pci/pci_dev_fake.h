/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The PCI device layer's unit tests (test_pci_device.c, test_pci_bar.c,
 * test_pci_irq.c) share a fake vfu and a model (pci_dev_fake.c): the fake
 * defines the vfu functions the pci sources call and records in fk what they
 * ask of it. The tests link the pci sources directly, not the real vfu
 * library, and wrap memfd_create (--wrap) so that a test can make it fail.
 */
#ifndef VMUX_TESTS_PCI_DEV_FAKE_H
#define VMUX_TESTS_PCI_DEV_FAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "pci/pci.h"
#include "vfu/vfu.h"

struct vfu_ctx {
	struct vfu_ctx_cfg cfg;
	const struct vfu_dev_ops *ops;
	void *opaque;
	struct vfu_region_desc regions[VFU_PCI_NUM_REGIONS];
	bool region_set[VFU_PCI_NUM_REGIONS];
};

struct fake_vfu {
	struct vfu_ctx *ctx;
	int creates, destroys, listens;
	int intx_calls;
	bool intx_level;
	uint32_t enabled[VFU_IRQ_NUM];
	int triggers;
	uint32_t last_index, last_sub;
	int trigger_ret;
	uint64_t pending[VFU_IRQ_NUM][2048 / 64];
	uint64_t has_efd[VFU_IRQ_NUM][2048 / 64];
	uint64_t masked[VFU_IRQ_NUM][2048 / 64];
	int dma_calls, region_calls;
	uint8_t dma_mem[256];
	int set_fd_calls;
	int memfd_fail; /* errno for memfd_create to fail with; 0: it works */
};

extern struct fake_vfu fk;

struct model {
	int resets, attaches, cfg_writes;
	int maps, msix_changes;
	uint64_t last_map_addr, last_map_size;
	int cfg_writes_at_msix_change; /* cfg_writes when msix_changed was last called */
	unsigned last_cfg_off;
	size_t last_cfg_len;
	int bar_calls;
	unsigned last_bar;
	uint64_t last_off;
	size_t last_count;
	bool last_write;
	uint8_t regs[0x20000];
};

extern const struct pci_dev_ops model_ops;

/*
 * BAR0: 128 KiB 32-bit MEM, BAR1: 64-byte IO, BAR2/3: 16 KiB 64-bit
 * prefetchable MEM (MSI-X table at 0, PBA at 0x2000), BAR4/5 absent.
 */
struct pci_dev_desc test_desc(void);

struct fixture {
	struct model *m;
	struct pci_dev *d;
};

/* A fresh fake and a device from test_desc() on a fresh model. */
int setup(void **state);
int teardown(void **state);

/* Config accesses as the client makes them (through the region callback). */
uint32_t cfg_rd(struct pci_dev *d, unsigned off, unsigned len);
void cfg_wr(struct pci_dev *d, unsigned off, uint32_t v, unsigned len);
/* BAR sizing as the Linux PCI core does it: write ones, read back, restore. */
uint32_t bar_probe(struct pci_dev *d, unsigned bar);

#endif
