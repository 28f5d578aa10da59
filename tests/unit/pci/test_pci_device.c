/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the PCI device layer against the fake vfu (pci_dev_fake.c):
 * the header, BAR sizing, command and status, capabilities, sealing and the
 * vfu set-up, DMA gating and reset.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/pci_regs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pci/pci.h"
#include "pci/pci_internal.h"
#include "vfu/vfu.h"
#include "pci_dev_fake.h"

/* ---- header ----------------------------------------------------------- */

static void test_header(void **state)
{
	struct fixture *f = *state;
	struct pci_dev *d = f->d;

	assert_int_equal(cfg_rd(d, PCI_VENDOR_ID, 2), 0x8086);
	assert_int_equal(cfg_rd(d, PCI_DEVICE_ID, 2), 0x100e);
	assert_int_equal(cfg_rd(d, PCI_REVISION_ID, 1), 3);
	assert_int_equal(cfg_rd(d, PCI_CLASS_REVISION, 4) >> 8, 0x020000);
	assert_int_equal(cfg_rd(d, PCI_HEADER_TYPE, 1), PCI_HEADER_TYPE_NORMAL);
	assert_int_equal(cfg_rd(d, PCI_SUBSYSTEM_VENDOR_ID, 2), 0x1af4);
	assert_int_equal(cfg_rd(d, PCI_SUBSYSTEM_ID, 2), 0x1100);
	assert_int_equal(cfg_rd(d, PCI_INTERRUPT_PIN, 1), 1);
	assert_int_equal(cfg_rd(d, PCI_COMMAND, 2), 0);
	assert_int_equal(cfg_rd(d, PCI_STATUS, 2), 0); /* no capabilities yet */

	/* Identity is read-only. */
	cfg_wr(d, PCI_VENDOR_ID, 0xffffffff, 4);
	cfg_wr(d, PCI_CLASS_REVISION, 0xffffffff, 4);
	cfg_wr(d, PCI_SUBSYSTEM_VENDOR_ID, 0, 4);
	cfg_wr(d, PCI_INTERRUPT_PIN, 0, 1);
	assert_int_equal(cfg_rd(d, PCI_VENDOR_ID, 4), 0x100e8086);
	assert_int_equal(cfg_rd(d, PCI_CLASS_REVISION, 4), 0x02000003);
	assert_int_equal(cfg_rd(d, PCI_SUBSYSTEM_VENDOR_ID, 4), 0x11001af4);
	assert_int_equal(cfg_rd(d, PCI_INTERRUPT_PIN, 1), 1);

	/* Interrupt line and cache line size are scratch registers. */
	cfg_wr(d, PCI_INTERRUPT_LINE, 11, 1);
	assert_int_equal(cfg_rd(d, PCI_INTERRUPT_LINE, 1), 11);
	cfg_wr(d, PCI_CACHE_LINE_SIZE, 16, 1);
	assert_int_equal(cfg_rd(d, PCI_CACHE_LINE_SIZE, 1), 16);
	assert_true(f->m->cfg_writes > 0);
	assert_int_equal(f->m->last_cfg_off, PCI_CACHE_LINE_SIZE);
	assert_int_equal(f->m->last_cfg_len, 1);
}

static void test_bar_sizing(void **state)
{
	struct fixture *f = *state;
	struct pci_dev *d = f->d;
	uint32_t lo, hi;
	uint64_t sz64;

	/* BAR0: 32-bit MEM, 128 KiB. */
	assert_int_equal(cfg_rd(d, PCI_BASE_ADDRESS_0, 4), 0);
	lo = bar_probe(d, 0);
	assert_int_equal(lo, 0xfffe0000);
	assert_int_equal((uint32_t)~(lo & PCI_BASE_ADDRESS_MEM_MASK) + 1, 0x20000);

	/* BAR1: IO, 64 bytes; bit 0 always set. */
	assert_int_equal(cfg_rd(d, PCI_BASE_ADDRESS_1, 4), PCI_BASE_ADDRESS_SPACE_IO);
	lo = bar_probe(d, 1);
	assert_int_equal(lo, 0xffffffc1);
	assert_int_equal((uint32_t)~(lo & PCI_BASE_ADDRESS_IO_MASK) + 1, 64);

	/* BAR2/3: 64-bit prefetchable MEM, 16 KiB. */
	lo = cfg_rd(d, PCI_BASE_ADDRESS_2, 4);
	assert_int_equal(lo & PCI_BASE_ADDRESS_MEM_TYPE_MASK, PCI_BASE_ADDRESS_MEM_TYPE_64);
	assert_true(lo & PCI_BASE_ADDRESS_MEM_PREFETCH);
	cfg_wr(d, PCI_BASE_ADDRESS_2, 0xffffffff, 4);
	cfg_wr(d, PCI_BASE_ADDRESS_3, 0xffffffff, 4);
	lo = cfg_rd(d, PCI_BASE_ADDRESS_2, 4);
	hi = cfg_rd(d, PCI_BASE_ADDRESS_3, 4);
	assert_int_equal(lo, 0xffffc00c);
	assert_int_equal(hi, 0xffffffff);
	sz64 = ~(((uint64_t)hi << 32) | (lo & (uint32_t)PCI_BASE_ADDRESS_MEM_MASK)) + 1;
	assert_int_equal(sz64, 0x4000);

	/* Programming an address: the low bits keep the type. */
	cfg_wr(d, PCI_BASE_ADDRESS_2, 0xfebf0000, 4);
	cfg_wr(d, PCI_BASE_ADDRESS_3, 0x00000001, 4);
	assert_int_equal(cfg_rd(d, PCI_BASE_ADDRESS_2, 4), 0xfebf000c);
	assert_int_equal(cfg_rd(d, PCI_BASE_ADDRESS_3, 4), 1);
	cfg_wr(d, PCI_BASE_ADDRESS_0, 0xfebe1234, 4);
	assert_int_equal(cfg_rd(d, PCI_BASE_ADDRESS_0, 4), 0xfebe0000);

	/* Absent BARs and the ROM BAR read 0 whatever is written. */
	assert_int_equal(bar_probe(d, 4), 0);
	assert_int_equal(bar_probe(d, 5), 0);
	cfg_wr(d, PCI_ROM_ADDRESS, 0xffffffff, 4);
	assert_int_equal(cfg_rd(d, PCI_ROM_ADDRESS, 4), 0);
}

static void test_command_status(void **state)
{
	struct fixture *f = *state;
	struct pci_dev *d = f->d;
	struct pci_cfg *c = pci_dev_cfg(d);

	cfg_wr(d, PCI_COMMAND, 0xffff, 2);
	assert_int_equal(cfg_rd(d, PCI_COMMAND, 2),
			 PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER |
			 PCI_COMMAND_PARITY | PCI_COMMAND_SERR | PCI_COMMAND_INTX_DISABLE);
	assert_true(pci_bus_master(d));
	assert_true(pci_mem_enabled(d));
	assert_true(pci_io_enabled(d));
	cfg_wr(d, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
	assert_false(pci_bus_master(d));
	assert_true(pci_mem_enabled(d));
	assert_false(pci_io_enabled(d));

	/* Error bits are write-1-to-clear; the rest of status is read-only. */
	pci_cfg_set16(c, PCI_STATUS, pci_cfg_get16(c, PCI_STATUS) | PCI_STATUS_REC_MASTER_ABORT |
		      PCI_STATUS_DETECTED_PARITY | PCI_STATUS_SIG_SYSTEM_ERROR);
	cfg_wr(d, PCI_STATUS, PCI_STATUS_REC_MASTER_ABORT | PCI_STATUS_CAP_LIST |
	       PCI_STATUS_INTERRUPT, 2);
	assert_int_equal(cfg_rd(d, PCI_STATUS, 2),
			 PCI_STATUS_DETECTED_PARITY | PCI_STATUS_SIG_SYSTEM_ERROR);
	/* A dword write to command also reaches status. */
	cfg_wr(d, PCI_COMMAND, (uint32_t)0xffff << 16 | PCI_COMMAND_MASTER, 4);
	assert_int_equal(cfg_rd(d, PCI_COMMAND, 4), PCI_COMMAND_MASTER);
}

static void test_cfg_out_of_range(void **state)
{
	struct fixture *f = *state;
	struct pci_dev *d = f->d;
	uint8_t buf[8] = { 0 };

	/* Without PCIe the config region is 256 bytes. */
	assert_int_equal(pci_dev_cfg_access(d, VFU_PCI_CONFIG, 0x100, buf, 4, false), -EINVAL);
	assert_int_equal(pci_dev_cfg_access(d, VFU_PCI_CONFIG, 0xfe, buf, 4, false), -EINVAL);
	assert_int_equal(pci_dev_cfg_access(d, VFU_PCI_CONFIG, UINT64_MAX - 1, buf, 4, true),
			 -EINVAL);
	assert_int_equal(pci_dev_cfg_access(d, VFU_PCI_CONFIG, 0, buf, SIZE_MAX, true), -EINVAL);
	assert_int_equal(pci_dev_cfg_access(d, VFU_PCI_BAR0, 0, buf, 4, false), -EINVAL);
	assert_int_equal(pci_dev_cfg_access(d, VFU_PCI_CONFIG, 0xfc, buf, 4, false), 4);
}

/* ---- capabilities ----------------------------------------------------- */

static void add_all_caps(struct pci_dev *d, unsigned *pm, unsigned *msi, unsigned *msix,
			 unsigned *exp)
{
	*pm = pci_add_cap_pm(d);
	*msi = pci_add_cap_msi(d, 4, true, true);
	*msix = pci_add_cap_msix(d, 10, 2, 0, 2, 0x2000);
	*exp = pci_add_cap_pcie(d);
}

/* Walks the list from the capability pointer, the way the PCI core does. */
static void test_cap_layout(void **state)
{
	struct fixture *f = *state;
	struct pci_dev *d = f->d;
	unsigned pm, msi, msix, exp, pos, n = 0;
	unsigned seen[4];

	add_all_caps(d, &pm, &msi, &msix, &exp);
	assert_true(pm && msi && msix && exp);
	assert_true(cfg_rd(d, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST);

	pos = cfg_rd(d, PCI_CAPABILITY_LIST, 1);
	while (pos && n < 48) {
		assert_int_equal(pos & 3, 0);
		assert_true(pos >= 0x40 && pos < 0x100);
		if (n < 4)
			seen[n] = pos;
		n++;
		pos = cfg_rd(d, pos + PCI_CAP_LIST_NEXT, 1);
	}
	assert_int_equal(n, 4);
	assert_int_equal(seen[0], pm);
	assert_int_equal(seen[1], msi);
	assert_int_equal(seen[2], msix);
	assert_int_equal(seen[3], exp);
	assert_int_equal(cfg_rd(d, pm, 1), PCI_CAP_ID_PM);
	assert_int_equal(cfg_rd(d, msi, 1), PCI_CAP_ID_MSI);
	assert_int_equal(cfg_rd(d, msix, 1), PCI_CAP_ID_MSIX);
	assert_int_equal(cfg_rd(d, exp, 1), PCI_CAP_ID_EXP);
	/* Non-overlapping: each cap ends before the next starts. */
	assert_true(msi >= pm + PCI_PM_SIZEOF);
	assert_true(msix >= msi + 24);
	assert_true(exp >= msix + PCI_CAP_MSIX_SIZEOF);
	assert_true(exp + PCI_CAP_EXP_ENDPOINT_SIZEOF_V2 <= 0x100);

	/* A second capability of a kind is refused. */
	assert_int_equal(pci_add_cap_pm(d), 0);
	assert_int_equal(pci_add_cap_msi(d, 1, false, false), 0);
	assert_int_equal(pci_add_cap_pcie(d), 0);
}

static void test_cap_pm(void **state)
{
	struct fixture *f = *state;
	struct pci_dev *d = f->d;
	unsigned pm = pci_add_cap_pm(d);
	uint16_t pmc = (uint16_t)cfg_rd(d, pm + PCI_PM_PMC, 2);

	assert_int_equal(pm, 0x40);
	assert_int_equal(pmc & PCI_PM_CAP_VER_MASK, 3);
	assert_false(pmc & (PCI_PM_CAP_D1 | PCI_PM_CAP_D2 | PCI_PM_CAP_PME_MASK));
	assert_int_equal(cfg_rd(d, pm + PCI_PM_CTRL, 2) & PCI_PM_CTRL_STATE_MASK, 0);

	cfg_wr(d, pm + PCI_PM_CTRL, 3, 2); /* D3hot */
	assert_int_equal(cfg_rd(d, pm + PCI_PM_CTRL, 2) & PCI_PM_CTRL_STATE_MASK, 3);
	cfg_wr(d, pm + PCI_PM_CTRL, 1, 2); /* D1: unsupported, ignored */
	assert_int_equal(cfg_rd(d, pm + PCI_PM_CTRL, 2) & PCI_PM_CTRL_STATE_MASK, 3);
	cfg_wr(d, pm + PCI_PM_CTRL, 0, 2);
	assert_int_equal(cfg_rd(d, pm + PCI_PM_CTRL, 2) & PCI_PM_CTRL_STATE_MASK, 0);
	cfg_wr(d, pm + PCI_PM_CTRL, 2, 1); /* D2 by byte */
	assert_int_equal(cfg_rd(d, pm + PCI_PM_CTRL, 2) & PCI_PM_CTRL_STATE_MASK, 0);
	/* Other PMCSR bits are read-only. */
	cfg_wr(d, pm + PCI_PM_CTRL, 0xfffc, 2);
	assert_int_equal(cfg_rd(d, pm + PCI_PM_CTRL, 2), PCI_PM_CTRL_NO_SOFT_RESET);
}

static void test_cap_msi(void **state)
{
	struct fixture *f = *state;
	struct pci_dev *d = f->d;
	unsigned msi = pci_add_cap_msi(d, 4, true, true);
	uint16_t fl = (uint16_t)cfg_rd(d, msi + PCI_MSI_FLAGS, 2);

	assert_int_not_equal(msi, 0);
	assert_int_equal(1u << ((fl & PCI_MSI_FLAGS_QMASK) >> 1), 4);
	assert_true(fl & PCI_MSI_FLAGS_64BIT);
	assert_true(fl & PCI_MSI_FLAGS_MASKBIT);
	assert_false(fl & PCI_MSI_FLAGS_ENABLE);

	cfg_wr(d, msi + PCI_MSI_ADDRESS_LO, 0xfee00003, 4);
	cfg_wr(d, msi + PCI_MSI_ADDRESS_HI, 0x12345678, 4);
	cfg_wr(d, msi + PCI_MSI_DATA_64, 0xabcd4021, 4);
	cfg_wr(d, msi + PCI_MSI_MASK_64, 0xffffffff, 4);
	cfg_wr(d, msi + PCI_MSI_PENDING_64, 0xffffffff, 4);
	assert_int_equal(cfg_rd(d, msi + PCI_MSI_ADDRESS_LO, 4), 0xfee00000);
	assert_int_equal(cfg_rd(d, msi + PCI_MSI_ADDRESS_HI, 4), 0x12345678);
	assert_int_equal(cfg_rd(d, msi + PCI_MSI_DATA_64, 4), 0x4021);
	assert_int_equal(cfg_rd(d, msi + PCI_MSI_MASK_64, 4), 0xf);
	assert_int_equal(cfg_rd(d, msi + PCI_MSI_PENDING_64, 4), 0);

	/* Enable with 2 vectors; asking for more than capable gets capped. */
	cfg_wr(d, msi + PCI_MSI_FLAGS, PCI_MSI_FLAGS_ENABLE | 1 << 4, 2);
	fl = (uint16_t)cfg_rd(d, msi + PCI_MSI_FLAGS, 2);
	assert_true(fl & PCI_MSI_FLAGS_ENABLE);
	assert_int_equal((fl & PCI_MSI_FLAGS_QSIZE) >> 4, 1);
	cfg_wr(d, msi + PCI_MSI_FLAGS, PCI_MSI_FLAGS_ENABLE | 5 << 4 | PCI_MSI_FLAGS_QMASK, 2);
	fl = (uint16_t)cfg_rd(d, msi + PCI_MSI_FLAGS, 2);
	assert_int_equal((fl & PCI_MSI_FLAGS_QSIZE) >> 4, 2);
	assert_int_equal((fl & PCI_MSI_FLAGS_QMASK) >> 1, 2);

	/* Pending bits come from the client-side pending state. */
	assert_non_null(pci_dev_vfu(d));
	fk.pending[VFU_IRQ_MSI][0] = 0x5;
	assert_int_equal(cfg_rd(d, msi + PCI_MSI_PENDING_64, 4), 0x5);
}

static void test_cap_msi_variants(void **state)
{
	struct fixture *f = *state;
	struct pci_dev *d = f->d;
	unsigned a;

	assert_int_equal(pci_add_cap_msi(d, 3, false, false), 0);
	assert_int_equal(pci_add_cap_msi(d, 0, false, false), 0);
	assert_int_equal(pci_add_cap_msi(d, 64, false, false), 0);
	a = pci_add_cap_msi(d, 1, false, false);
	assert_int_equal(a, 0x40);
	assert_int_equal(cfg_rd(d, a + PCI_MSI_FLAGS, 2), 0);
	cfg_wr(d, a + PCI_MSI_ADDRESS_LO, 0xfee01004, 4);
	cfg_wr(d, a + PCI_MSI_DATA_32, 0x4041, 2);
	assert_int_equal(cfg_rd(d, a + PCI_MSI_ADDRESS_LO, 4), 0xfee01004);
	assert_int_equal(cfg_rd(d, a + PCI_MSI_DATA_32, 2), 0x4041);
	/* 32-bit, no masking: 10 bytes, the next cap starts at the next dword. */
	assert_int_equal(pci_add_cap_pm(d), 0x4c);
}

static void test_cap_msix(void **state)
{
	struct fixture *f = *state;
	struct pci_dev *d = f->d;
	unsigned msix;
	uint16_t fl;

	/* Bad layouts: IO BAR, absent BAR, out of the BAR, overlap, misaligned. */
	assert_int_equal(pci_add_cap_msix(d, 4, 1, 0, 0, 0x100), 0);
	assert_int_equal(pci_add_cap_msix(d, 4, 4, 0, 0, 0x100), 0);
	assert_int_equal(pci_add_cap_msix(d, 4, 3, 0, 0, 0x100), 0);
	assert_int_equal(pci_add_cap_msix(d, 4, 2, 0x3ff8, 0, 0x100), 0);
	assert_int_equal(pci_add_cap_msix(d, 4, 2, 0, 2, 0x30), 0);
	assert_int_equal(pci_add_cap_msix(d, 4, 2, 4, 2, 0x2000), 0);
	assert_int_equal(pci_add_cap_msix(d, 4, 2, 0, 7, 0x2000), 0);
	assert_int_equal(pci_add_cap_msix(d, 0, 2, 0, 2, 0x2000), 0);
	assert_int_equal(pci_add_cap_msix(d, 2049, 2, 0, 2, 0x2000), 0);
	assert_false(cfg_rd(d, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST);

	msix = pci_add_cap_msix(d, 10, 2, 0, 2, 0x2000);
	assert_int_equal(msix, 0x40);
	fl = (uint16_t)cfg_rd(d, msix + PCI_MSIX_FLAGS, 2);
	assert_int_equal((fl & PCI_MSIX_FLAGS_QSIZE) + 1, 10);
	assert_int_equal(cfg_rd(d, msix + PCI_MSIX_TABLE, 4) & PCI_MSIX_TABLE_BIR, 2);
	assert_int_equal(cfg_rd(d, msix + PCI_MSIX_TABLE, 4) & PCI_MSIX_TABLE_OFFSET, 0);
	assert_int_equal(cfg_rd(d, msix + PCI_MSIX_PBA, 4) & PCI_MSIX_PBA_BIR, 2);
	assert_int_equal(cfg_rd(d, msix + PCI_MSIX_PBA, 4) & PCI_MSIX_PBA_OFFSET, 0x2000);

	cfg_wr(d, msix + PCI_MSIX_FLAGS, 0xffff, 2);
	fl = (uint16_t)cfg_rd(d, msix + PCI_MSIX_FLAGS, 2);
	assert_int_equal(fl, PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL | 9);
	cfg_wr(d, msix + PCI_MSIX_TABLE, 0, 4);
	assert_int_equal(cfg_rd(d, msix + PCI_MSIX_TABLE, 4), 2);
}

static void test_cap_pcie(void **state)
{
	struct fixture *f = *state;
	struct pci_dev *d = f->d;
	unsigned exp = pci_add_cap_pcie(d);
	uint16_t flags, ctl;
	uint32_t lnkcap;
	struct vfu_ctx *ctx;

	assert_int_equal(exp, 0x40);
	flags = (uint16_t)cfg_rd(d, exp + PCI_EXP_FLAGS, 2);
	assert_int_equal(flags & PCI_EXP_FLAGS_VERS, 2);
	assert_int_equal((flags & PCI_EXP_FLAGS_TYPE) >> 4, PCI_EXP_TYPE_ENDPOINT);
	lnkcap = cfg_rd(d, exp + PCI_EXP_LNKCAP, 4);
	assert_int_equal(lnkcap & PCI_EXP_LNKCAP_SLS, PCI_EXP_LNKCAP_SLS_2_5GB);
	assert_int_equal((lnkcap & PCI_EXP_LNKCAP_MLW) >> 4, 1);
	assert_int_equal(cfg_rd(d, exp + PCI_EXP_LNKSTA, 2) & PCI_EXP_LNKSTA_CLS,
			 PCI_EXP_LNKSTA_CLS_2_5GB);
	assert_int_equal((cfg_rd(d, exp + PCI_EXP_LNKSTA, 2) & PCI_EXP_LNKSTA_NLW) >> 4, 1);
	assert_int_equal(cfg_rd(d, exp + PCI_EXP_DEVCAP, 4) & PCI_EXP_DEVCAP_PAYLOAD, 0);
	assert_false(cfg_rd(d, exp + PCI_EXP_DEVCAP, 4) & PCI_EXP_DEVCAP_FLR);

	/* DevCtl: payload/read request/error reporting are writable, FLR is not. */
	cfg_wr(d, exp + PCI_EXP_DEVCTL, 0xffff, 2);
	ctl = (uint16_t)cfg_rd(d, exp + PCI_EXP_DEVCTL, 2);
	assert_true((ctl & PCI_EXP_DEVCTL_READRQ) == PCI_EXP_DEVCTL_READRQ);
	assert_true((ctl & PCI_EXP_DEVCTL_PAYLOAD) == PCI_EXP_DEVCTL_PAYLOAD);
	assert_true(ctl & PCI_EXP_DEVCTL_URRE);
	assert_false(ctl & PCI_EXP_DEVCTL_BCR_FLR);
	cfg_wr(d, exp + PCI_EXP_DEVCTL, 0, 2);
	assert_int_equal(cfg_rd(d, exp + PCI_EXP_DEVCTL, 2), 0);
	/* Capability registers are read-only. */
	cfg_wr(d, exp + PCI_EXP_LNKCAP, 0, 4);
	assert_int_equal(cfg_rd(d, exp + PCI_EXP_LNKCAP, 4), lnkcap);

	/* Config region grows to 4 KiB; an empty extended space reads 0. */
	ctx = pci_dev_vfu(d);
	assert_non_null(ctx);
	assert_int_equal(ctx->regions[VFU_PCI_CONFIG].size, PCI_CFG_SIZE);
	assert_int_equal(cfg_rd(d, 0x100, 4), 0);
	assert_int_equal(cfg_rd(d, 0xffc, 4), 0);
}

static void test_cap_full(void **state)
{
	struct fixture *f = *state;
	struct pci_dev *d = f->d;
	struct pci_cfg *c = pci_dev_cfg(d);

	/* Use up most of standard space: the PCIe capability no longer fits. */
	assert_int_equal(pci_cfg_add_cap(c, 0x09, 0x90), 0x40);
	assert_int_equal(pci_add_cap_pcie(d), 0);
	assert_int_not_equal(pci_add_cap_pm(d), 0);
}

/* ---- sealing, vfu setup ----------------------------------------------- */

static void test_vfu_setup(void **state)
{
	struct fixture *f = *state;
	struct pci_dev *d = f->d;
	unsigned pm, msi, msix, exp;
	struct vfu_ctx *ctx;

	add_all_caps(d, &pm, &msi, &msix, &exp);
	assert_int_equal(fk.creates, 0);
	assert_int_equal(pci_dev_listen(d, NULL, "/nonexistent"), 0);
	assert_int_equal(fk.creates, 1);
	assert_int_equal(fk.listens, 1);
	ctx = pci_dev_vfu(d);
	assert_ptr_equal(ctx, fk.ctx);
	assert_int_equal(fk.creates, 1);

	assert_int_equal(ctx->cfg.dev_flags, VFU_DEV_F_PCI | VFU_DEV_F_RESET);
	assert_true(ctx->cfg.num_regions >= VFU_PCI_NUM_REGIONS);
	assert_int_equal(ctx->cfg.irq_count[VFU_IRQ_INTX], 1);
	assert_int_equal(ctx->cfg.irq_count[VFU_IRQ_MSI], 4);
	assert_int_equal(ctx->cfg.irq_count[VFU_IRQ_MSIX], 10);
	assert_int_equal(ctx->cfg.irq_count[VFU_IRQ_ERR], 1);
	assert_int_equal(ctx->cfg.irq_count[VFU_IRQ_REQ], 1);

	assert_int_equal(ctx->regions[VFU_PCI_CONFIG].size, PCI_CFG_SIZE);
	assert_int_equal(ctx->regions[VFU_PCI_BAR0].size, 0x20000);
	assert_int_equal(ctx->regions[VFU_PCI_BAR1].size, 64);
	assert_int_equal(ctx->regions[VFU_PCI_BAR2].size, 0x4000);
	assert_int_equal(ctx->regions[VFU_PCI_BAR3].size, 0);
	assert_int_equal(ctx->regions[VFU_PCI_ROM].size, 0);
	assert_int_equal(ctx->regions[VFU_PCI_BAR0].mmap_fd, -1);
	for (unsigned i = 0; i <= VFU_PCI_CONFIG; i++)
		if (ctx->regions[i].size)
			assert_true(ctx->regions[i].flags & VFU_REGION_F_READ &&
				    ctx->regions[i].flags & VFU_REGION_F_WRITE);

	/* Live: builders refuse. */
	assert_int_equal(pci_add_cap_pm(d), 0);
	assert_int_equal(pci_add_cap_msix(d, 1, 0, 0, 0, 0x100), 0);
}

static void test_vfu_setup_minimal(void **state)
{
	struct pci_dev_desc desc = test_desc();
	struct model m = { 0 };
	struct pci_dev *d;
	struct vfu_ctx *ctx;

	memset(&fk, 0, sizeof(fk));
	desc.irq_pin = 0;
	d = pci_dev_create(&desc, NULL, &m);
	assert_non_null(d);
	ctx = pci_dev_vfu(d);
	assert_non_null(ctx);
	assert_int_equal(ctx->cfg.irq_count[VFU_IRQ_INTX], 0);
	assert_int_equal(ctx->cfg.irq_count[VFU_IRQ_MSI], 0);
	assert_int_equal(ctx->cfg.irq_count[VFU_IRQ_MSIX], 0);
	assert_int_equal(ctx->regions[VFU_PCI_CONFIG].size, PCI_CFG_STD_SIZE);
	/* Without a pin, the line register is read-only too. */
	cfg_wr(d, PCI_INTERRUPT_LINE, 5, 1);
	assert_int_equal(cfg_rd(d, PCI_INTERRUPT_LINE, 1), 0);
	/* Without a pin, raising falls back to nothing. */
	pci_irq_raise(d, 0);
	assert_int_equal(fk.intx_calls, 0);
	pci_dev_destroy(d);
	assert_int_equal(fk.destroys, 1);
}

static void test_bad_descs(void **state)
{
	struct pci_dev_desc desc;

	desc = test_desc();
	desc.bars[0].size = 0x3000; /* not a power of two */
	assert_null(pci_dev_create(&desc, NULL, NULL));
	desc = test_desc();
	desc.bars[0].size = 8; /* MEM BARs are at least 16 bytes */
	assert_null(pci_dev_create(&desc, NULL, NULL));
	desc = test_desc();
	desc.bars[3].size = 0x1000; /* upper half of the 64-bit BAR2 */
	assert_null(pci_dev_create(&desc, NULL, NULL));
	desc = test_desc();
	desc.bars[5] = (struct pci_bar_desc){ .size = 0x1000, .flags = PCI_BAR_MEM64 };
	assert_null(pci_dev_create(&desc, NULL, NULL));
	desc = test_desc();
	desc.bars[1].flags = PCI_BAR_IO | PCI_BAR_PREFETCH;
	assert_null(pci_dev_create(&desc, NULL, NULL));
	desc = test_desc();
	desc.bars[0].size = 1ull << 32; /* too big for a 32-bit BAR */
	assert_null(pci_dev_create(&desc, NULL, NULL));
	desc = test_desc();
	desc.irq_pin = 5;
	assert_null(pci_dev_create(&desc, NULL, NULL));
	desc = test_desc();
	desc.bars[0].nr_shared = 1;
	desc.bars[0].shared[0] = (struct vfu_sparse_area){ .offset = 0x800, .size = 0x1000 };
	assert_null(pci_dev_create(&desc, NULL, NULL));
	desc.bars[0].shared[0] = (struct vfu_sparse_area){ .offset = 0x1f000, .size = 0x2000 };
	assert_null(pci_dev_create(&desc, NULL, NULL));
	desc.bars[0].nr_shared = 2;
	desc.bars[0].shared[0] = (struct vfu_sparse_area){ .offset = 0x0, .size = 0x2000 };
	desc.bars[0].shared[1] = (struct vfu_sparse_area){ .offset = 0x1000, .size = 0x1000 };
	assert_null(pci_dev_create(&desc, NULL, NULL));
	desc.bars[0].nr_shared = VFU_MAX_SPARSE + 1;
	assert_null(pci_dev_create(&desc, NULL, NULL));
	assert_null(pci_dev_create(NULL, NULL, NULL));
}

/* ---- DMA, reset ------------------------------------------------------- */

static void test_dma_gating(void **state)
{
	struct fixture *f = *state;
	struct pci_dev *d = f->d;
	uint8_t buf[4] = { 1, 2, 3, 4 };

	/* Not live yet: no DMA. */
	assert_null(pci_dma_ptr(d, 0, 4, VFU_PROT_READ));
	assert_non_null(pci_dev_vfu(d));
	assert_null(pci_dma_ptr(d, 0, 4, VFU_PROT_READ));
	assert_int_equal(pci_dma_read(d, 0, buf, 4), -EPERM);
	assert_int_equal(pci_dma_write(d, 0, buf, 4), -EPERM);
	assert_int_equal(fk.dma_calls, 0);

	cfg_wr(d, PCI_COMMAND, PCI_COMMAND_MASTER, 2);
	assert_int_equal(pci_dma_write(d, 16, buf, 4), 0);
	assert_int_equal(fk.dma_mem[18], 3);
	assert_ptr_equal(pci_dma_ptr(d, 16, 4, VFU_PROT_READ), fk.dma_mem + 16);
	assert_int_equal(pci_dma_read(d, 1000, buf, 4), -EFAULT);
	cfg_wr(d, PCI_COMMAND, 0, 2);
	assert_int_equal(pci_dma_read(d, 16, buf, 4), -EPERM);
}

/* A burst's DMA window: one gated translation, then hits inside the mapping. */
static void test_dma_window(void **state)
{
	struct fixture *f = *state;
	struct pci_dev *d = f->d;
	struct pci_dma_win w = { 0 };

	assert_non_null(pci_dev_vfu(d));
	/* Bus mastering off: refused, and the window stays empty. */
	assert_null(pci_dma_win_ptr(d, &w, 16, 4, VFU_PROT_READ));
	assert_int_equal(w.size, 0);
	assert_int_equal(fk.dma_calls, 0);

	cfg_wr(d, PCI_COMMAND, PCI_COMMAND_MASTER, 2);
	assert_ptr_equal(pci_dma_win_ptr(d, &w, 16, 4, VFU_PROT_READ), fk.dma_mem + 16);
	assert_int_equal(fk.dma_calls, 1);
	assert_int_equal(fk.region_calls, 1);
	assert_int_equal(w.size, sizeof(fk.dma_mem));
	/* Hits: no more translations. */
	assert_ptr_equal(pci_dma_win_ptr(d, &w, 200, 56, VFU_PROT_WRITE), fk.dma_mem + 200);
	assert_ptr_equal(pci_dma_win_ptr(d, &w, 0, 256, VFU_PROT_READ), fk.dma_mem);
	assert_int_equal(fk.dma_calls, 1);
	/* Past the mapping's end, or wrapping around: the slow path, which refuses. */
	assert_null(pci_dma_win_ptr(d, &w, 200, 57, VFU_PROT_READ));
	assert_null(pci_dma_win_ptr(d, &w, 255, UINT64_MAX, VFU_PROT_READ));
	assert_null(pci_dma_win_ptr(d, &w, UINT64_MAX, 2, VFU_PROT_READ));
	assert_int_equal(fk.dma_calls, 4);
	/* A window is empty once reset: bus mastering off counts again. */
	w.size = 0;
	cfg_wr(d, PCI_COMMAND, 0, 2);
	assert_null(pci_dma_win_ptr(d, &w, 16, 4, VFU_PROT_READ));
	assert_int_equal(fk.dma_calls, 4);
}

/* DMA_MAP reaches the model after vfu added the mapping. */
static void test_dma_map_forwarded(void **state)
{
	struct fixture *f = *state;
	struct pci_dev_desc desc = test_desc();
	struct model m2 = { 0 };
	struct pci_dev *d2;
	struct vfu_ctx *ctx = pci_dev_vfu(f->d);

	assert_non_null(ctx);
	ctx->ops->dma_map(ctx->opaque, 0x100000, 0x20000);
	assert_int_equal(f->m->maps, 1);
	assert_int_equal(f->m->last_map_addr, 0x100000);
	assert_int_equal(f->m->last_map_size, 0x20000);

	/* A model without the callback. */
	d2 = pci_dev_create(&desc, NULL, &m2);
	assert_non_null(d2);
	ctx = pci_dev_vfu(d2);
	assert_non_null(ctx);
	ctx->ops->dma_map(ctx->opaque, 0x100000, 0x1000);
	assert_int_equal(m2.maps, 0);
	pci_dev_destroy(d2);
	assert_int_equal(f->m->maps, 1);
}

static void test_reset(void **state)
{
	struct fixture *f = *state;
	struct pci_dev *d = f->d;
	unsigned pm, msi, msix, exp;
	struct pci_cfg *before = malloc(sizeof(*before));
	struct vfu_ctx *ctx;

	add_all_caps(d, &pm, &msi, &msix, &exp);
	ctx = pci_dev_vfu(d);
	assert_non_null(ctx);
	*before = *pci_dev_cfg(d);

	cfg_wr(d, PCI_COMMAND, 0x0507, 2);
	cfg_wr(d, PCI_BASE_ADDRESS_0, 0xfeb00000, 4);
	cfg_wr(d, PCI_INTERRUPT_LINE, 10, 1);
	cfg_wr(d, pm + PCI_PM_CTRL, 3, 2);
	cfg_wr(d, msi + PCI_MSI_ADDRESS_LO, 0xfee00000, 4);
	cfg_wr(d, msi + PCI_MSI_FLAGS, 1, 2);
	cfg_wr(d, msix + PCI_MSIX_FLAGS, PCI_MSIX_FLAGS_ENABLE, 2);
	cfg_wr(d, exp + PCI_EXP_DEVCTL, 0x20, 2);
	assert_int_not_equal(memcmp(before->data, pci_dev_cfg(d)->data, PCI_CFG_SIZE), 0);

	/* Through the callback vfu calls on DEVICE_RESET. */
	ctx->ops->reset(ctx->opaque, VFU_RESET_DEVICE);
	assert_int_equal(f->m->resets, 1);
	assert_memory_equal(before->data, pci_dev_cfg(d)->data, PCI_CFG_SIZE);
	assert_memory_equal(before->wmask, pci_dev_cfg(d)->wmask, PCI_CFG_SIZE);
	assert_false(pci_bus_master(d));

	ctx->ops->attach(ctx->opaque);
	assert_int_equal(f->m->attaches, 1);
	free(before);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_header, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bar_sizing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_command_status, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cfg_out_of_range, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cap_layout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cap_pm, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cap_msi, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cap_msi_variants, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cap_msix, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cap_pcie, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cap_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vfu_setup, setup, teardown),
		cmocka_unit_test(test_vfu_setup_minimal),
		cmocka_unit_test(test_bad_descs),
		cmocka_unit_test_setup_teardown(test_dma_gating, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dma_window, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dma_map_forwarded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
