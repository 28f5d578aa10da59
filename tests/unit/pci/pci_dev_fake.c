/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The fake vfu and the model of the PCI device layer's unit tests: see pci_dev_fake.h. */
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

/* ---- fake vfu --------------------------------------------------------- */

struct fake_vfu fk;

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

int vfu_listen_fd(struct vfu_ctx *ctx, struct loop *l, int fd, const char *label)
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

const struct pci_dev_ops model_ops = {
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
struct pci_dev_desc test_desc(void)
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

int setup(void **state)
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

int teardown(void **state)
{
	struct fixture *f = *state;

	pci_dev_destroy(f->d);
	free(f->m);
	free(f);
	return 0;
}

/* Config accesses as the client makes them (through the region callback). */
uint32_t cfg_rd(struct pci_dev *d, unsigned off, unsigned len)
{
	uint32_t v = 0;

	assert_int_equal(pci_dev_cfg_access(d, VFU_PCI_CONFIG, off, &v, len, false), len);
	return v;
}

void cfg_wr(struct pci_dev *d, unsigned off, uint32_t v, unsigned len)
{
	assert_int_equal(pci_dev_cfg_access(d, VFU_PCI_CONFIG, off, &v, len, true), len);
}

/* BAR sizing as the Linux PCI core does it: write ones, read back, restore. */
uint32_t bar_probe(struct pci_dev *d, unsigned bar)
{
	unsigned pos = PCI_BASE_ADDRESS_0 + 4 * bar;
	uint32_t old = cfg_rd(d, pos, 4), sz;

	cfg_wr(d, pos, 0xffffffff, 4);
	sz = cfg_rd(d, pos, 4);
	cfg_wr(d, pos, old, 4);
	assert_int_equal(cfg_rd(d, pos, 4), old);
	return sz;
}
