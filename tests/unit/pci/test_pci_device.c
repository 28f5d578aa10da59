/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the PCI device layer (src/pci/device.c) against a fake vfu:
 * this file defines the vfu functions device.c calls and records what it
 * asks of them, so header, BAR, capability, interrupt and DMA semantics are
 * checked without a client. The build links device.c and config.c directly,
 * not the real vfu library, and wraps memfd_create (--wrap) so that a test can
 * make it fail.
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

/* ---- fake vfu --------------------------------------------------------- */

struct vfu_ctx {
	struct vfu_ctx_cfg cfg;
	const struct vfu_dev_ops *ops;
	void *opaque;
	struct vfu_region_desc regions[VFU_PCI_NUM_REGIONS];
	bool region_set[VFU_PCI_NUM_REGIONS];
};

static struct {
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
} fk;

int __real_memfd_create(const char *name, unsigned int flags);
int __wrap_memfd_create(const char *name, unsigned int flags);

int __wrap_memfd_create(const char *name, unsigned int flags)
{
	if (fk.memfd_fail) {
		errno = fk.memfd_fail;
		return -1;
	}
	return __real_memfd_create(name, flags);
}

struct vfu_ctx *vfu_create(const struct vfu_ctx_cfg *cfg, const struct vfu_dev_ops *ops, void *opaque)
{
	struct vfu_ctx *c = calloc(1, sizeof(*c));

	c->cfg = *cfg;
	c->ops = ops;
	c->opaque = opaque;
	fk.ctx = c;
	fk.creates++;
	return c;
}

int vfu_set_region(struct vfu_ctx *ctx, uint32_t idx, const struct vfu_region_desc *desc)
{
	if (idx >= VFU_PCI_NUM_REGIONS)
		return -EINVAL;
	ctx->regions[idx] = *desc;
	ctx->region_set[idx] = true;
	return 0;
}

int vfu_region_set_mmap_fd(struct vfu_ctx *ctx, uint32_t idx, int fd)
{
	if (idx >= VFU_PCI_NUM_REGIONS)
		return -EINVAL;
	fk.set_fd_calls++;
	ctx->regions[idx].mmap_fd = fd;
	return 0;
}

int vfu_listen(struct vfu_ctx *ctx, struct loop *l, const char *path)
{
	fk.listens++;
	return 0;
}

void vfu_destroy(struct vfu_ctx *ctx)
{
	/* Like the real one: a destroy with a client resets the device. */
	if (ctx->ops->reset)
		ctx->ops->reset(ctx->opaque, VFU_RESET_DISCONNECT);
	fk.destroys++;
	if (fk.ctx == ctx)
		fk.ctx = NULL;
	free(ctx);
}

void vfu_intx_set(struct vfu_ctx *ctx, bool level)
{
	fk.intx_calls++;
	fk.intx_level = level;
}

int vfu_irq_trigger(struct vfu_ctx *ctx, uint32_t index, uint32_t sub)
{
	fk.triggers++;
	fk.last_index = index;
	fk.last_sub = sub;
	return fk.trigger_ret;
}

uint32_t vfu_irq_enabled_count(const struct vfu_ctx *ctx, uint32_t index)
{
	return index < VFU_IRQ_NUM ? fk.enabled[index] : 0;
}

static bool fk_bit(const uint64_t (*bits)[2048 / 64], uint32_t index, uint32_t sub)
{
	if (index >= VFU_IRQ_NUM || sub >= 2048)
		return false;
	return bits[index][sub / 64] >> (sub % 64) & 1;
}

bool vfu_irq_pending(const struct vfu_ctx *ctx, uint32_t index, uint32_t sub)
{
	return fk_bit(fk.pending, index, sub);
}

bool vfu_irq_has_eventfd(const struct vfu_ctx *ctx, uint32_t index, uint32_t sub)
{
	return fk_bit(fk.has_efd, index, sub);
}

bool vfu_irq_masked(const struct vfu_ctx *ctx, uint32_t index, uint32_t sub)
{
	return fk_bit(fk.masked, index, sub);
}

void *vfu_dma_ptr(struct vfu_ctx *ctx, uint64_t addr, uint64_t len, int prot)
{
	fk.dma_calls++;
	if (addr > sizeof(fk.dma_mem) || len > sizeof(fk.dma_mem) - addr)
		return NULL;
	return fk.dma_mem + addr;
}

/* The fake's guest memory is one read-write mapping: dma_mem at address 0. */
int vfu_dma_region(struct vfu_ctx *ctx, uint64_t addr, uint64_t *base, uint64_t *size,
		   uint8_t **ptr, int *prot)
{
	fk.region_calls++;
	if (addr >= sizeof(fk.dma_mem))
		return -ENOENT;
	*base = 0;
	*size = sizeof(fk.dma_mem);
	*ptr = fk.dma_mem;
	*prot = VFU_PROT_READ | VFU_PROT_WRITE;
	return 0;
}

int vfu_dma_read(struct vfu_ctx *ctx, uint64_t addr, void *buf, size_t len)
{
	void *p = vfu_dma_ptr(ctx, addr, len, VFU_PROT_READ);

	if (!p)
		return -EFAULT;
	memcpy(buf, p, len);
	return 0;
}

int vfu_dma_write(struct vfu_ctx *ctx, uint64_t addr, const void *buf, size_t len)
{
	void *p = vfu_dma_ptr(ctx, addr, len, VFU_PROT_WRITE);

	if (!p)
		return -EFAULT;
	memcpy(p, buf, len);
	return 0;
}

/* ---- a model ---------------------------------------------------------- */

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

static ssize_t model_bar(void *opaque, unsigned bar, uint64_t offset, void *buf, size_t count,
			 bool is_write)
{
	struct model *m = opaque;

	m->bar_calls++;
	m->last_bar = bar;
	m->last_off = offset;
	m->last_count = count;
	m->last_write = is_write;
	if (offset + count > sizeof(m->regs))
		return -EINVAL;
	if (is_write)
		memcpy(m->regs + offset, buf, count);
	else
		memcpy(buf, m->regs + offset, count);
	return (ssize_t)count;
}

static void model_reset(void *opaque)
{
	((struct model *)opaque)->resets++;
}

static void model_attach(void *opaque)
{
	((struct model *)opaque)->attaches++;
}

static void model_dma_map(void *opaque, uint64_t addr, uint64_t size)
{
	struct model *m = opaque;

	m->maps++;
	m->last_map_addr = addr;
	m->last_map_size = size;
}

static void model_msix_changed(void *opaque)
{
	struct model *m = opaque;

	m->msix_changes++;
	m->cfg_writes_at_msix_change = m->cfg_writes;
}

static void model_cfg_written(void *opaque, unsigned off, size_t len)
{
	struct model *m = opaque;

	m->cfg_writes++;
	m->last_cfg_off = off;
	m->last_cfg_len = len;
}

static const struct pci_dev_ops model_ops = {
	.reset = model_reset,
	.attach = model_attach,
	.dma_map = model_dma_map,
	.cfg_written = model_cfg_written,
	.msix_changed = model_msix_changed,
};

/*
 * BAR0: 128 KiB 32-bit MEM, BAR1: 64-byte IO, BAR2/3: 16 KiB 64-bit
 * prefetchable MEM (MSI-X table at 0, PBA at 0x2000), BAR4/5 absent.
 */
static struct pci_dev_desc test_desc(void)
{
	struct pci_dev_desc desc = {
		.name = "t0",
		.vendor_id = 0x8086, .device_id = 0x100e,
		.subsys_vendor_id = 0x1af4, .subsys_id = 0x1100,
		.revision = 3,
		.class_code = 0x020000,
		.irq_pin = 1,
	};

	desc.bars[0] = (struct pci_bar_desc){ .size = 0x20000, .flags = PCI_BAR_MEM,
					      .access = model_bar };
	desc.bars[1] = (struct pci_bar_desc){ .size = 64, .flags = PCI_BAR_IO,
					      .access = model_bar };
	desc.bars[2] = (struct pci_bar_desc){ .size = 0x4000,
					      .flags = PCI_BAR_MEM64 | PCI_BAR_PREFETCH,
					      .access = model_bar };
	return desc;
}

struct fixture {
	struct model *m;
	struct pci_dev *d;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct pci_dev_desc desc = test_desc();

	memset(&fk, 0, sizeof(fk));
	f->m = calloc(1, sizeof(*f->m));
	f->d = pci_dev_create(&desc, &model_ops, f->m);
	assert_non_null(f->d);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	pci_dev_destroy(f->d);
	free(f->m);
	free(f);
	return 0;
}

/* Config accesses as the client makes them (through the region callback). */
static uint32_t cfg_rd(struct pci_dev *d, unsigned off, unsigned len)
{
	uint32_t v = 0;

	assert_int_equal(pci_dev_cfg_access(d, VFU_PCI_CONFIG, off, &v, len, false), len);
	return v;
}

static void cfg_wr(struct pci_dev *d, unsigned off, uint32_t v, unsigned len)
{
	assert_int_equal(pci_dev_cfg_access(d, VFU_PCI_CONFIG, off, &v, len, true), len);
}

/* BAR sizing as the Linux PCI core does it: write ones, read back, restore. */
static uint32_t bar_probe(struct pci_dev *d, unsigned bar)
{
	unsigned pos = PCI_BASE_ADDRESS_0 + 4 * bar;
	uint32_t old = cfg_rd(d, pos, 4), sz;

	cfg_wr(d, pos, 0xffffffff, 4);
	sz = cfg_rd(d, pos, 4);
	cfg_wr(d, pos, old, 4);
	assert_int_equal(cfg_rd(d, pos, 4), old);
	return sz;
}

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

/* ---- BAR accesses ----------------------------------------------------- */

static void test_bar_trampoline(void **state)
{
	struct fixture *f = *state;
	struct pci_dev *d = f->d;
	uint32_t v = 0xdeadbeef;
	uint8_t big[16];

	assert_int_equal(pci_dev_bar_access(d, 0, 0x1000, &v, 4, true), 4);
	assert_int_equal(f->m->bar_calls, 1);
	assert_int_equal(f->m->last_bar, 0);
	assert_int_equal(f->m->last_off, 0x1000);
	assert_int_equal(f->m->last_count, 4);
	assert_true(f->m->last_write);
	v = 0;
	assert_int_equal(pci_dev_bar_access(d, 0, 0x1000, &v, 4, false), 4);
	assert_int_equal(v, 0xdeadbeef);
	assert_int_equal(pci_dev_bar_access(d, 1, 0x3c, &v, 4, false), 4);
	assert_int_equal(f->m->last_bar, 1);

	/* Out of range, absent BARs, bad region numbers: refused, model not called. */
	f->m->bar_calls = 0;
	assert_int_equal(pci_dev_bar_access(d, 0, 0x20000, &v, 4, false), -EINVAL);
	assert_int_equal(pci_dev_bar_access(d, 0, 0x1fffe, &v, 4, false), -EINVAL);
	assert_int_equal(pci_dev_bar_access(d, 0, UINT64_MAX - 2, &v, 4, false), -EINVAL);
	assert_int_equal(pci_dev_bar_access(d, 1, 0x3e, big, 8, true), -EINVAL);
	assert_int_equal(pci_dev_bar_access(d, 3, 0, &v, 4, false), -EINVAL);
	assert_int_equal(pci_dev_bar_access(d, 4, 0, &v, 4, false), -EINVAL);
	assert_int_equal(pci_dev_bar_access(d, VFU_PCI_CONFIG, 0, &v, 4, false), -EINVAL);
	assert_int_equal(pci_dev_bar_access(d, 99, 0, &v, 4, false), -EINVAL);
	assert_int_equal(f->m->bar_calls, 0);
}

static void test_msix_table_pba(void **state)
{
	struct fixture *f = *state;
	struct pci_dev *d = f->d;
	uint32_t entry[4] = { 0xfee00000, 0, 0x4041, 0 };
	uint32_t rd[4];
	uint64_t pba;

	assert_int_not_equal(pci_add_cap_msix(d, 10, 2, 0, 2, 0x2000), 0);
	assert_non_null(pci_dev_vfu(d));

	/* Table entries start masked; the table is plain storage. */
	assert_int_equal(pci_dev_bar_access(d, 2, 16 * 3, rd, 16, false), 16);
	assert_int_equal(rd[0], 0);
	assert_int_equal(rd[3], PCI_MSIX_ENTRY_CTRL_MASKBIT);
	assert_int_equal(pci_dev_bar_access(d, 2, 16 * 3, entry, 16, true), 16);
	assert_int_equal(pci_dev_bar_access(d, 2, 16 * 3 + 8, rd, 4, false), 4);
	assert_int_equal(rd[0], 0x4041);
	assert_int_equal(f->m->bar_calls, 0);

	/* PBA: pending bits from vfu, writes ignored. */
	fk.pending[VFU_IRQ_MSIX][0] = 0x205;
	assert_int_equal(pci_dev_bar_access(d, 2, 0x2000, &pba, 8, false), 8);
	assert_int_equal(pba, 0x205);
	fk.pending[VFU_IRQ_MSIX][0] = 0xfffff; /* beyond nvec: not shown */
	assert_int_equal(pci_dev_bar_access(d, 2, 0x2000, &pba, 8, false), 8);
	assert_int_equal(pba, 0x3ff);
	assert_int_equal(pci_dev_bar_access(d, 2, 0x2001, &pba, 1, false), 1);
	assert_int_equal(pba & 0xff, 0x3);
	pba = 0;
	assert_int_equal(pci_dev_bar_access(d, 2, 0x2000, &pba, 8, true), 8);
	assert_int_equal(pci_dev_bar_access(d, 2, 0x2000, &pba, 8, false), 8);
	assert_int_equal(pba, 0x3ff);

	/* Accesses straddling the table or PBA edge are refused. */
	assert_int_equal(pci_dev_bar_access(d, 2, 16 * 10 - 4, rd, 8, false), -EINVAL);
	assert_int_equal(pci_dev_bar_access(d, 2, 0x1ffc, rd, 8, false), -EINVAL);
	assert_int_equal(f->m->bar_calls, 0);
	/* Past the table and PBA: the model. */
	assert_int_equal(pci_dev_bar_access(d, 2, 16 * 10, rd, 4, false), 4);
	assert_int_equal(pci_dev_bar_access(d, 2, 0x2008, rd, 4, false), 4);
	assert_int_equal(f->m->bar_calls, 2);

	/* Reset masks the table again. */
	pci_dev_do_reset(d);
	assert_int_equal(pci_dev_bar_access(d, 2, 16 * 3, rd, 16, false), 16);
	assert_int_equal(rd[0], 0);
	assert_int_equal(rd[2], 0);
	assert_int_equal(rd[3], PCI_MSIX_ENTRY_CTRL_MASKBIT);
}

static void test_shared_pages(void **state)
{
	struct pci_dev_desc desc = test_desc();
	struct model *m = calloc(1, sizeof(*m));
	struct pci_dev *d;
	struct vfu_ctx *ctx;
	uint32_t *p0, *p1, v;
	uint8_t *vmm;
	long pg = sysconf(_SC_PAGESIZE);

	memset(&fk, 0, sizeof(fk));
	desc.bars[0].nr_shared = 2;
	desc.bars[0].shared[0] = (struct vfu_sparse_area){ .offset = 0x3000, .size = (uint64_t)pg };
	desc.bars[0].shared[1] = (struct vfu_sparse_area){ .offset = 0x8000,
							   .size = 2 * (uint64_t)pg };
	d = pci_dev_create(&desc, &model_ops, m);
	assert_non_null(d);
	p0 = pci_bar_shared(d, 0, 0);
	p1 = pci_bar_shared(d, 0, 1);
	assert_non_null(p0);
	assert_non_null(p1);
	assert_null(pci_bar_shared(d, 0, 2));
	assert_null(pci_bar_shared(d, 1, 0));
	assert_null(pci_bar_shared(d, 6, 0));

	ctx = pci_dev_vfu(d);
	assert_non_null(ctx);
	assert_true(ctx->regions[0].mmap_fd >= 0);
	assert_int_equal(ctx->regions[0].nr_sparse, 2);
	assert_int_equal(ctx->regions[0].sparse[1].offset, 0x8000);
	assert_int_equal(ctx->regions[0].sparse[1].size, 2 * pg);

	/* The VMM cannot shrink (or grow) the file under the model's mapping. */
	int seals = fcntl(ctx->regions[0].mmap_fd, F_GET_SEALS);
	assert_true(seals >= 0);
	assert_int_equal(seals & (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL),
			 F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL);
	assert_int_equal(ftruncate(ctx->regions[0].mmap_fd, 0), -1);
	assert_int_equal(errno, EPERM);

	/* What the VMM maps is what the model sees, and what traps touch. */
	vmm = mmap(NULL, 0x8000 + 2 * (size_t)pg, PROT_READ | PROT_WRITE, MAP_SHARED,
		   ctx->regions[0].mmap_fd, (off_t)ctx->regions[0].mmap_offset);
	assert_true(vmm != MAP_FAILED);
	*(volatile uint32_t *)(vmm + 0x3010) = 0x11111111;
	assert_int_equal(p0[4], 0x11111111);
	p1[1] = 0x22222222;
	assert_int_equal(pci_dev_bar_access(d, 0, 0x8004, &v, 4, false), 4);
	assert_int_equal(v, 0x22222222);
	v = 0x33333333;
	assert_int_equal(pci_dev_bar_access(d, 0, 0x8000 + (uint64_t)pg, &v, 4, true), 4);
	assert_int_equal(*(uint32_t *)(vmm + 0x8000 + pg), 0x33333333);
	assert_int_equal(m->bar_calls, 0);
	/* Straddling a shared area's edge is refused; outside goes to the model. */
	assert_int_equal(pci_dev_bar_access(d, 0, 0x2ffc, &v, 8, false), -EINVAL);
	assert_int_equal(pci_dev_bar_access(d, 0, 0x2ffc, &v, 4, false), 4);
	assert_int_equal(m->bar_calls, 1);
	/* Only the two accesses that came as messages count as traps, not the mmap's. */
	assert_int_equal(pci_bar_shared_traps(d, 0), 2);
	assert_int_equal(pci_bar_shared_traps(d, 1), 0);
	assert_int_equal(pci_bar_shared_traps(d, 6), 0);

	/* Reset clears the shared pages (nothing of the guest's survives). */
	pci_dev_do_reset(d);
	assert_int_equal(p0[4], 0);
	assert_int_equal(m->resets, 1);

	munmap(vmm, 0x8000 + 2 * (size_t)pg);
	pci_dev_destroy(d);
	free(m);
}

static ino_t inode(int fd)
{
	struct stat st;

	assert_int_equal(fstat(fd, &st), 0);
	return st.st_ino;
}

static uint32_t *map_shared(int fd, size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	assert_true(p != MAP_FAILED);
	return p;
}

/*
 * Each client gets shared pages of its own, at the same address for the
 * model; without a memfd for them, the next client gets none to map.
 */
static void test_shared_renewed_per_client(void **state)
{
	struct pci_dev_desc desc = test_desc();
	struct model *m = calloc(1, sizeof(*m));
	struct pci_dev *d;
	struct vfu_ctx *ctx;
	uint32_t *p, *vmm1, *vmm2, *vmm3, v = 0x99;
	size_t pg = (size_t)sysconf(_SC_PAGESIZE), len = 0x3000 + pg, w = 0x3000 / 4;
	int fd1, fd2;

	memset(&fk, 0, sizeof(fk));
	desc.bars[0].nr_shared = 1;
	desc.bars[0].shared[0] = (struct vfu_sparse_area){ .offset = 0x3000, .size = pg };
	d = pci_dev_create(&desc, &model_ops, m);
	assert_non_null(d);
	p = pci_bar_shared(d, 0, 0);
	ctx = pci_dev_vfu(d);
	assert_non_null(ctx);
	fd1 = ctx->regions[0].mmap_fd;
	assert_true(fd1 >= 0);
	vmm1 = map_shared(fd1, len);
	p[0] = 0x1234;
	assert_int_equal(vmm1[w], 0x1234);
	ino_t ino1 = inode(fd1);

	/* A DEVICE_RESET keeps the client's file. */
	ctx->ops->reset(ctx->opaque, VFU_RESET_DEVICE);
	assert_int_equal(ctx->regions[0].mmap_fd, fd1);
	assert_int_equal(fk.set_fd_calls, 0);

	/* The client goes: a new sealed file at the same address, cleared by the reset. */
	ctx->ops->reset(ctx->opaque, VFU_RESET_DISCONNECT);
	assert_int_equal(m->resets, 2);
	assert_int_equal(fk.set_fd_calls, 1);
	assert_ptr_equal(pci_bar_shared(d, 0, 0), p);
	fd2 = ctx->regions[0].mmap_fd;
	assert_true(fd2 >= 0);
	assert_int_not_equal(inode(fd2), ino1);
	assert_int_equal(fcntl(fd2, F_GET_SEALS) & (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL),
			 F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL);
	assert_int_equal(fcntl(fd1, F_GETFD), -1); /* ours closed */
	assert_int_equal(p[0], 0);
	assert_int_equal(pci_bar_shared_renew_err(d, 0), 0);
	/* The old mapping reaches nothing of the device, and sees nothing of it. */
	vmm1[w + 1] = 0x5555;
	assert_int_equal(p[1], 0);
	p[2] = 0x7777;
	assert_int_equal(vmm1[w + 2], 0);
	vmm2 = map_shared(fd2, len);
	assert_int_equal(vmm2[w + 2], 0x7777);
	vmm2[w + 3] = 0x4242;
	assert_int_equal(p[3], 0x4242);

	/* No memfd for the next client: private pages, nothing to map, accesses trapped. */
	fk.memfd_fail = EMFILE;
	ctx->ops->reset(ctx->opaque, VFU_RESET_DISCONNECT);
	assert_int_equal(ctx->regions[0].mmap_fd, -1);
	assert_int_equal(pci_bar_shared_renew_err(d, 0), 1);
	assert_ptr_equal(pci_bar_shared(d, 0, 0), p);
	assert_int_equal(p[3], 0);
	vmm2[w + 4] = 0x1111;
	assert_int_equal(p[4], 0);
	p[5] = 0x2222;
	assert_int_equal(vmm2[w + 5], 0);
	assert_int_equal(pci_dev_bar_access(d, 0, 0x3000 + 6 * 4, &v, 4, true), 4);
	assert_int_equal(p[6], 0x99);
	assert_int_equal(pci_bar_shared_traps(d, 0), 1);
	assert_int_equal(m->bar_calls, 0);

	/* A later detach gets a memfd again. */
	fk.memfd_fail = 0;
	ctx->ops->reset(ctx->opaque, VFU_RESET_DISCONNECT);
	assert_true(ctx->regions[0].mmap_fd >= 0);
	assert_int_equal(pci_bar_shared_renew_err(d, 0), 1);
	assert_int_equal(p[6], 0);
	vmm3 = map_shared(ctx->regions[0].mmap_fd, len);
	vmm3[w + 7] = 0x3333;
	assert_int_equal(p[7], 0x3333);

	munmap(vmm1, len);
	munmap(vmm2, len);
	munmap(vmm3, len);
	/* Going away is no detach to renew for. */
	pci_dev_destroy(d);
	assert_int_equal(fk.set_fd_calls, 3);
	free(m);
}

/* ---- interrupts ------------------------------------------------------- */

static void test_intx(void **state)
{
	struct fixture *f = *state;
	struct pci_dev *d = f->d;

	assert_non_null(pci_dev_vfu(d));
	pci_irq_raise(d, 0);
	assert_true(fk.intx_level);
	assert_int_equal(fk.intx_calls, 1);
	assert_true(cfg_rd(d, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT);
	/* Raising again while high: the level does not change. */
	pci_irq_raise(d, 0);
	assert_int_equal(fk.intx_calls, 1);

	/* INTx disable drops the line but not the status bit. */
	cfg_wr(d, PCI_COMMAND, PCI_COMMAND_INTX_DISABLE, 2);
	assert_false(fk.intx_level);
	assert_true(cfg_rd(d, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT);
	cfg_wr(d, PCI_COMMAND, 0, 2);
	assert_true(fk.intx_level);
	pci_intx_set(d, false);
	assert_false(fk.intx_level);
	assert_false(cfg_rd(d, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT);

	/* Raised while disabled: status shows it, the line waits for enable. */
	cfg_wr(d, PCI_COMMAND, PCI_COMMAND_INTX_DISABLE, 2);
	fk.intx_calls = 0;
	pci_irq_raise(d, 0);
	assert_int_equal(fk.intx_calls, 0);
	assert_true(cfg_rd(d, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT);
	cfg_wr(d, PCI_COMMAND, 0, 2);
	assert_true(fk.intx_level);

	/* The status bit is read-only for the guest. */
	cfg_wr(d, PCI_STATUS, 0xffff, 2);
	assert_true(cfg_rd(d, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT);

	/* Reset lowers the line. */
	pci_dev_do_reset(d);
	assert_false(fk.intx_level);
	assert_false(cfg_rd(d, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT);
}

static void test_irq_routing(void **state)
{
	struct fixture *f = *state;
	struct pci_dev *d = f->d;

	assert_int_not_equal(pci_add_cap_msi(d, 4, true, false), 0);
	assert_int_not_equal(pci_add_cap_msix(d, 10, 2, 0, 2, 0x2000), 0);
	assert_non_null(pci_dev_vfu(d));

	/* MSI-X vectors set up by the client win. */
	fk.enabled[VFU_IRQ_MSIX] = 10;
	fk.enabled[VFU_IRQ_MSI] = 4;
	pci_irq_raise(d, 7);
	assert_int_equal(fk.triggers, 1);
	assert_int_equal(fk.last_index, VFU_IRQ_MSIX);
	assert_int_equal(fk.last_sub, 7);
	assert_int_equal(fk.intx_calls, 0);

	/* Then MSI; vectors beyond those granted alias. */
	fk.enabled[VFU_IRQ_MSIX] = 0;
	fk.enabled[VFU_IRQ_MSI] = 2;
	pci_irq_raise(d, 1);
	assert_int_equal(fk.last_index, VFU_IRQ_MSI);
	assert_int_equal(fk.last_sub, 1);
	pci_irq_raise(d, 3);
	assert_int_equal(fk.last_sub, 1);
	fk.trigger_ret = -EAGAIN; /* masked: fine */
	pci_irq_raise(d, 0);
	assert_int_equal(fk.last_sub, 0);
	assert_int_equal(fk.triggers, 4);
	assert_int_equal(fk.intx_calls, 0);

	/* Neither: INTx. */
	fk.enabled[VFU_IRQ_MSI] = 0;
	pci_irq_raise(d, 5);
	assert_int_equal(fk.triggers, 4);
	assert_true(fk.intx_level);
}

/* ---- MSI-X state ------------------------------------------------------ */

/* The guest's Enable and Function Mask bits, and what changes them. */
static void test_msix_control(void **state)
{
	struct fixture *f = *state;
	struct pci_dev *d = f->d;
	unsigned msix;

	assert_false(pci_msix_enabled(NULL));
	assert_false(pci_msix_func_masked(NULL));
	assert_false(pci_msix_vector_ready(NULL, 0));
	msix = pci_add_cap_msix(d, 10, 2, 0, 2, 0x2000);
	assert_int_not_equal(msix, 0);
	assert_non_null(pci_dev_vfu(d));
	assert_false(pci_msix_enabled(d));
	assert_false(pci_msix_func_masked(d));

	cfg_wr(d, msix + PCI_MSIX_FLAGS, PCI_MSIX_FLAGS_ENABLE, 2);
	assert_true(pci_msix_enabled(d));
	assert_false(pci_msix_func_masked(d));
	assert_int_equal(f->m->msix_changes, 1);
	/* Before cfg_written, which follows. */
	assert_int_equal(f->m->cfg_writes_at_msix_change + 1, f->m->cfg_writes);

	/* The same value again, a byte that changes nothing, read-only fields: no call. */
	cfg_wr(d, msix + PCI_MSIX_FLAGS, PCI_MSIX_FLAGS_ENABLE, 2);
	cfg_wr(d, msix + PCI_MSIX_FLAGS, 0, 1);
	cfg_wr(d, msix + PCI_MSIX_TABLE, 0, 4);
	cfg_wr(d, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
	assert_int_equal(f->m->msix_changes, 1);

	/* Function mask, through a dword write that covers the capability's header. */
	cfg_wr(d, msix, (uint32_t)(PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL) << 16, 4);
	assert_true(pci_msix_enabled(d));
	assert_true(pci_msix_func_masked(d));
	assert_int_equal(f->m->msix_changes, 2);
	cfg_wr(d, msix + PCI_MSIX_FLAGS, PCI_MSIX_FLAGS_MASKALL, 2);
	assert_false(pci_msix_enabled(d));
	assert_true(pci_msix_func_masked(d));
	assert_int_equal(f->m->msix_changes, 3);

	/* A reset disables MSI-X and says so through the reset callback only. */
	cfg_wr(d, msix + PCI_MSIX_FLAGS, PCI_MSIX_FLAGS_ENABLE, 2);
	assert_int_equal(f->m->msix_changes, 4);
	pci_dev_do_reset(d);
	assert_false(pci_msix_enabled(d));
	assert_false(pci_msix_func_masked(d));
	assert_int_equal(f->m->msix_changes, 4);
	assert_int_equal(f->m->resets, 1);
}

/* The VMM's side: eventfds and masks per vector, and SET_IRQS forwarded. */
static void test_msix_vectors(void **state)
{
	struct fixture *f = *state;
	struct pci_dev *d = f->d;
	struct vfu_ctx *ctx;

	/* Without MSI-X nothing is ready, and the VMM's changes to other indices are not told. */
	ctx = pci_dev_vfu(d);
	assert_non_null(ctx);
	fk.has_efd[VFU_IRQ_MSIX][0] = 1;
	assert_false(pci_msix_vector_ready(d, 0));
	assert_false(pci_msix_enabled(d));
	ctx->ops->irq_changed(ctx->opaque, VFU_IRQ_MSIX);
	assert_int_equal(f->m->msix_changes, 0);
	pci_dev_destroy(d);

	memset(&fk, 0, sizeof(fk));
	struct pci_dev_desc desc = test_desc();
	f->d = d = pci_dev_create(&desc, &model_ops, f->m);
	assert_non_null(d);
	assert_int_not_equal(pci_add_cap_msi(d, 4, true, true), 0);
	assert_int_not_equal(pci_add_cap_msix(d, 10, 2, 0, 2, 0x2000), 0);
	ctx = pci_dev_vfu(d);
	assert_non_null(ctx);

	/* Vector 3 has an eventfd, vector 4 one that is masked; 10 is past the table. */
	fk.has_efd[VFU_IRQ_MSIX][0] = 1u << 3 | 1u << 4 | 1u << 10;
	fk.masked[VFU_IRQ_MSIX][0] = 1u << 4;
	assert_true(pci_msix_vector_ready(d, 3));
	assert_false(pci_msix_vector_ready(d, 4));
	assert_false(pci_msix_vector_ready(d, 2));
	assert_false(pci_msix_vector_ready(d, 10));
	assert_false(pci_msix_vector_ready(d, 5000));
	/* MSI's eventfds are not MSI-X's. */
	fk.has_efd[VFU_IRQ_MSI][0] = 1u << 2;
	assert_false(pci_msix_vector_ready(d, 2));

	/* SET_IRQS on MSI-X is told; on other indices it is not. */
	ctx->ops->irq_changed(ctx->opaque, VFU_IRQ_MSIX);
	assert_int_equal(f->m->msix_changes, 1);
	ctx->ops->irq_changed(ctx->opaque, VFU_IRQ_MSI);
	ctx->ops->irq_changed(ctx->opaque, VFU_IRQ_INTX);
	ctx->ops->irq_changed(ctx->opaque, VFU_IRQ_ERR);
	assert_int_equal(f->m->msix_changes, 1);
	/* Nor to a model without the callback. */
	f->m->msix_changes = 0;
	{
		struct pci_dev_ops quiet = model_ops;
		struct model m2 = { 0 };
		struct pci_dev *d2;
		struct vfu_ctx *ctx2;

		quiet.msix_changed = NULL;
		d2 = pci_dev_create(&desc, &quiet, &m2);
		assert_non_null(d2);
		assert_int_not_equal(pci_add_cap_msix(d2, 10, 2, 0, 2, 0x2000), 0);
		ctx2 = pci_dev_vfu(d2);
		assert_non_null(ctx2);
		ctx2->ops->irq_changed(ctx2->opaque, VFU_IRQ_MSIX);
		cfg_wr(d2, pci_cfg_find_cap(pci_dev_cfg(d2), PCI_CAP_ID_MSIX) + PCI_MSIX_FLAGS,
		       PCI_MSIX_FLAGS_ENABLE, 2);
		assert_true(pci_msix_enabled(d2));
		pci_dev_destroy(d2);
	}
	assert_int_equal(f->m->msix_changes, 0);
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
		cmocka_unit_test_setup_teardown(test_bar_trampoline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_msix_table_pba, setup, teardown),
		cmocka_unit_test(test_shared_pages),
		cmocka_unit_test(test_shared_renewed_per_client),
		cmocka_unit_test_setup_teardown(test_intx, setup, teardown),
		cmocka_unit_test_setup_teardown(test_irq_routing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_msix_control, setup, teardown),
		cmocka_unit_test_setup_teardown(test_msix_vectors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dma_gating, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dma_window, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dma_map_forwarded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
