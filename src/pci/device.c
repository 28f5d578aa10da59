/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * PCI devices on top of vfu: the type-0 header, BARs, capabilities, the
 * MSI-X table/PBA, interrupt routing and DMA gating. This file: creation,
 * sealing, reset, the vfu callbacks, accessors and DMA; BARs and shared
 * pages are in bar.c, INTx/MSI/MSI-X in irq.c, config space accesses and the
 * PM and PCIe capabilities in dev_cfg.c (the state they share: dev_priv.h).
 *
 * The vfu context is created when the device is sealed (pci_dev_listen() or
 * the first pci_dev_vfu()), not in pci_dev_create(): the interrupt counts it
 * announces depend on the capabilities the model adds after creation. The
 * config space at that moment is the power-on state that every reset
 * restores.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/pci_regs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/log.h"
#include "pci/dev_priv.h"
#include "pci/pci.h"
#include "pci/pci_internal.h"

#define COMP "pci"

/* ---- reset and vfu callbacks ------------------------------------------ */

void pci_dev_do_reset(struct pci_dev *d)
{
	bool was_out = d->intx_out;

	if (d->sealed)
		d->cfg = d->init;
	pci_msix_table_reset(d);
	for (unsigned i = 0; i < PCI_NUM_BARS; i++)
		if (d->bars[i].map)
			memset(d->bars[i].map, 0, d->bars[i].map_len);
	d->intx_level = false;
	d->intx_out = false;
	if (was_out && d->ctx)
		vfu_intx_set(d->ctx, false);
	if (d->ops.reset && !d->dying)
		d->ops.reset(d->opaque);
}


static void vfu_cb_reset(void *opaque, enum vfu_reset_reason why)
{
	struct pci_dev *d = opaque;

	LOG_DEBUG(COMP, "%s: reset (%s)", d->name,
		  why == VFU_RESET_DEVICE ? "device reset" : "client gone");
	/* New shared pages first: the reset below clears what the next client gets. */
	if (why == VFU_RESET_DISCONNECT && !d->dying)
		for (unsigned i = 0; i < PCI_NUM_BARS; i++)
			if (d->bars[i].map)
				pci_bar_renew_shared(d, i);
	pci_dev_do_reset(d);
}

static void vfu_cb_attach(void *opaque)
{
	struct pci_dev *d = opaque;

	if (d->ops.attach && !d->dying)
		d->ops.attach(d->opaque);
}

static int vfu_cb_dma_map(void *opaque, uint64_t addr, uint64_t size)
{
	struct pci_dev *d = opaque;

	if (d->ops.dma_map && !d->dying)
		d->ops.dma_map(d->opaque, addr, size);
	return 0;
}

static void vfu_cb_dma_unmap(void *opaque, uint64_t addr, uint64_t size)
{
	struct pci_dev *d = opaque;

	if (d->ops.dma_unmap && !d->dying)
		d->ops.dma_unmap(d->opaque, addr, size);
}

static void vfu_cb_irq_changed(void *opaque, uint32_t index)
{
	struct pci_dev *d = opaque;

	if (index == VFU_IRQ_MSIX && d->msix_cap)
		msix_notify(d);
}

static const struct vfu_dev_ops pci_vfu_ops = {
	.reset = vfu_cb_reset,
	.attach = vfu_cb_attach,
	.dma_map = vfu_cb_dma_map,
	.dma_unmap = vfu_cb_dma_unmap,
	.irq_changed = vfu_cb_irq_changed,
};

/* ---- sealing: vfu context and regions --------------------------------- */

static int set_regions(struct pci_dev *d)
{
	struct vfu_region_desc r = {
		.size = d->cfg_size,
		.flags = VFU_REGION_F_READ | VFU_REGION_F_WRITE,
		.access = pci_dev_cfg_access,
		.mmap_fd = -1,
	};
	int ret = vfu_set_region(d->ctx, VFU_PCI_CONFIG, &r);

	for (unsigned i = 0; !ret && i < PCI_NUM_BARS; i++) {
		const struct pci_bar_state *b = &d->bars[i];

		if (!b->size)
			continue;
		memset(&r, 0, sizeof(r));
		r.size = b->size;
		r.flags = VFU_REGION_F_READ | VFU_REGION_F_WRITE;
		r.access = pci_dev_bar_access;
		r.mmap_fd = b->memfd;
		if (b->memfd >= 0) {
			r.nr_sparse = b->nr_shared;
			memcpy(r.sparse, b->shared, sizeof(r.sparse));
		}
		ret = vfu_set_region(d->ctx, i, &r);
	}
	return ret;
}

static int seal(struct pci_dev *d)
{
	struct vfu_ctx_cfg vc = {
		.name = d->name,
		.dev_flags = VFU_DEV_F_PCI | VFU_DEV_F_RESET,
		.num_regions = VFU_PCI_NUM_REGIONS,
		.limits = d->limits,
	};
	int ret;

	if (d->sealed)
		return d->ctx ? 0 : -EIO;
	d->sealed = true;
	d->init = d->cfg;
	pci_msix_table_reset(d);

	vc.irq_count[VFU_IRQ_INTX] = d->irq_pin ? 1 : 0;
	vc.irq_count[VFU_IRQ_MSI] = d->msi_cap ? d->msi_nvec : 0;
	vc.irq_count[VFU_IRQ_MSIX] = d->msix_cap ? d->msix.nvec : 0;
	vc.irq_count[VFU_IRQ_ERR] = 1;
	vc.irq_count[VFU_IRQ_REQ] = 1;

	errno = 0;
	d->ctx = vfu_create(&vc, &pci_vfu_ops, d);
	if (!d->ctx) {
		ret = errno ? -errno : -ENOMEM;
		LOG_ERR(COMP, "%s: cannot create the vfio-user context (%d)", d->name, ret);
		return ret;
	}
	ret = set_regions(d);
	if (ret) {
		LOG_ERR(COMP, "%s: cannot describe regions (%d)", d->name, ret);
		vfu_destroy(d->ctx);
		d->ctx = NULL;
	}
	return ret;
}

bool pci_can_build(struct pci_dev *d, const char *what)
{
	if (!d)
		return false;
	if (d->sealed) {
		LOG_ERR(COMP, "%s: %s capability added after the device went live", d->name, what);
		return false;
	}
	return true;
}

/* ---- creation --------------------------------------------------------- */

static bool bar_desc_ok(const char *name, const struct pci_bar_desc *bars, unsigned i)
{
	const struct pci_bar_desc *b = &bars[i];
	bool io = b->flags & PCI_BAR_IO;

	if (!b->size)
		return true;
	if (b->flags & ~(PCI_BAR_IO | PCI_BAR_MEM64 | PCI_BAR_PREFETCH) ||
	    (io && (b->flags & (PCI_BAR_MEM64 | PCI_BAR_PREFETCH))) || !is_pow2(b->size) ||
	    b->size < (io ? 4u : 16u) || (io && b->size > 256) ||
	    (!(b->flags & PCI_BAR_MEM64) && b->size > 0x80000000ull) || b->size > (1ull << 62)) {
		LOG_ERR(COMP, "%s: BAR%u: bad size 0x%llx or flags 0x%x", name, i,
			(unsigned long long)b->size, b->flags);
		return false;
	}
	if ((b->flags & PCI_BAR_MEM64) && (i == PCI_NUM_BARS - 1 || bars[i + 1].size)) {
		LOG_ERR(COMP, "%s: 64-bit BAR%u needs BAR%u free", name, i, i + 1);
		return false;
	}
	return true;
}

static void header_bar(struct pci_dev *d, unsigned i)
{
	const struct pci_bar_state *b = &d->bars[i];
	unsigned pos = PCI_BASE_ADDRESS_0 + 4 * i;
	uint64_t mask = ~(b->size - 1);
	uint32_t type;

	if (b->flags & PCI_BAR_IO) {
		type = PCI_BASE_ADDRESS_SPACE_IO;
		pci_cfg_set32(&d->cfg, pos, type);
		pci_cfg_set_wmask32(&d->cfg, pos, (uint32_t)mask & (uint32_t)PCI_BASE_ADDRESS_IO_MASK);
		return;
	}
	type = PCI_BASE_ADDRESS_SPACE_MEMORY;
	if (b->flags & PCI_BAR_MEM64)
		type |= PCI_BASE_ADDRESS_MEM_TYPE_64;
	if (b->flags & PCI_BAR_PREFETCH)
		type |= PCI_BASE_ADDRESS_MEM_PREFETCH;
	pci_cfg_set32(&d->cfg, pos, type);
	pci_cfg_set_wmask32(&d->cfg, pos, (uint32_t)mask & (uint32_t)PCI_BASE_ADDRESS_MEM_MASK);
	if (b->flags & PCI_BAR_MEM64) {
		pci_cfg_set32(&d->cfg, pos + 4, 0);
		pci_cfg_set_wmask32(&d->cfg, pos + 4, (uint32_t)(mask >> 32));
	}
}

static void header_init(struct pci_dev *d, const struct pci_dev_desc *desc)
{
	struct pci_cfg *c = &d->cfg;

	pci_cfg_set16(c, PCI_VENDOR_ID, desc->vendor_id);
	pci_cfg_set16(c, PCI_DEVICE_ID, desc->device_id);
	pci_cfg_set_wmask16(c, PCI_COMMAND, CMD_WMASK);
	pci_cfg_set_w1c16(c, PCI_STATUS, STATUS_W1C);
	pci_cfg_set8(c, PCI_REVISION_ID, desc->revision);
	pci_cfg_set8(c, PCI_CLASS_PROG, (uint8_t)desc->class_code);
	pci_cfg_set16(c, PCI_CLASS_DEVICE, (uint16_t)(desc->class_code >> 8));
	pci_cfg_set_wmask8(c, PCI_CACHE_LINE_SIZE, 0xff);
	pci_cfg_set8(c, PCI_HEADER_TYPE, PCI_HEADER_TYPE_NORMAL);
	for (unsigned i = 0; i < PCI_NUM_BARS; i++)
		if (d->bars[i].size)
			header_bar(d, i);
	pci_cfg_set16(c, PCI_SUBSYSTEM_VENDOR_ID, desc->subsys_vendor_id);
	pci_cfg_set16(c, PCI_SUBSYSTEM_ID, desc->subsys_id);
	/* No expansion ROM: the ROM BAR stays 0 and read-only. */
	pci_cfg_set8(c, PCI_INTERRUPT_PIN, desc->irq_pin);
	if (desc->irq_pin)
		pci_cfg_set_wmask8(c, PCI_INTERRUPT_LINE, 0xff);
}

struct pci_dev *pci_dev_create(const struct pci_dev_desc *desc, const struct pci_dev_ops *ops,
			       void *opaque)
{
	const char *name = desc && desc->name ? desc->name : "pci";
	struct pci_dev *d;

	if (!desc || desc->irq_pin > 4) {
		LOG_ERR(COMP, "%s: bad device description", name);
		return NULL;
	}
	for (unsigned i = 0; i < PCI_NUM_BARS; i++)
		if (!bar_desc_ok(name, desc->bars, i) || !pci_shared_ok(name, i, &desc->bars[i]))
			return NULL;

	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->name = strdup(name);
	if (ops)
		d->ops = *ops;
	d->opaque = opaque;
	d->irq_pin = desc->irq_pin;
	d->limits = desc->limits;
	d->cfg_size = PCI_CFG_STD_SIZE;
	for (unsigned i = 0; i < PCI_NUM_BARS; i++) {
		struct pci_bar_state *b = &d->bars[i];
		const struct pci_bar_desc *bd = &desc->bars[i];

		b->memfd = -1;
		b->size = bd->size;
		b->flags = bd->flags;
		b->access = bd->access;
		b->nr_shared = bd->size ? bd->nr_shared : 0;
		memcpy(b->shared, bd->shared, sizeof(b->shared));
	}
	if (!d->name)
		goto fail;
	for (unsigned i = 0; i < PCI_NUM_BARS; i++) {
		int r = d->bars[i].nr_shared ? pci_bar_map_shared(d, i) : 0;

		if (r) {
			LOG_ERR(COMP, "%s: BAR%u: cannot back shared pages (%d)", name, i, r);
			goto fail;
		}
	}
	header_init(d, desc);
	return d;
fail:
	pci_dev_destroy(d);
	return NULL;
}

void pci_dev_destroy(struct pci_dev *d)
{
	if (!d)
		return;
	d->dying = true;
	if (d->ctx)
		vfu_destroy(d->ctx);
	for (unsigned i = 0; i < PCI_NUM_BARS; i++) {
		struct pci_bar_state *b = &d->bars[i];

		if (b->map)
			munmap(b->map, b->map_len);
		if (b->memfd >= 0)
			close(b->memfd);
	}
	free(d->msix.table);
	free(d->name);
	free(d);
}

/* ---- accessors -------------------------------------------------------- */

int pci_dev_listen(struct pci_dev *d, struct loop *l, const char *path)
{
	int r;

	if (!d)
		return -EINVAL;
	r = seal(d);
	if (r)
		return r;
	return vfu_listen(d->ctx, l, path);
}

int pci_dev_listen_fd(struct pci_dev *d, struct loop *l, int fd, const char *label)
{
	int r;

	if (!d)
		return -EINVAL;
	r = seal(d);
	if (r)
		return r;
	return vfu_listen_fd(d->ctx, l, fd, label);
}

struct vfu_ctx *pci_dev_vfu(struct pci_dev *d)
{
	if (!d || seal(d))
		return NULL;
	return d->ctx;
}

struct pci_cfg *pci_dev_cfg(struct pci_dev *d)
{
	return d ? &d->cfg : NULL;
}

bool pci_bus_master(const struct pci_dev *d)
{
	return d && (cmd_reg(d) & PCI_COMMAND_MASTER);
}

bool pci_mem_enabled(const struct pci_dev *d)
{
	return d && (cmd_reg(d) & PCI_COMMAND_MEMORY);
}

bool pci_io_enabled(const struct pci_dev *d)
{
	return d && (cmd_reg(d) & PCI_COMMAND_IO);
}

/* ---- DMA -------------------------------------------------------------- */

static bool dma_allowed(struct pci_dev *d)
{
	if (!d || !d->ctx)
		return false;
	if (!pci_bus_master(d)) {
		LOG_RL(LOG_LVL_WARN, COMP, "%s: DMA refused: bus mastering is disabled", d->name);
		return false;
	}
	return true;
}

void *pci_dma_ptr(struct pci_dev *d, uint64_t addr, uint64_t len, int prot)
{
	if (!dma_allowed(d))
		return NULL;
	return vfu_dma_ptr(d->ctx, addr, len, prot);
}

void *pci_dma_win_fill(struct pci_dev *d, struct pci_dma_win *w, uint64_t addr, uint64_t len,
		       int prot)
{
	void *p = pci_dma_ptr(d, addr, len, prot);

	/* Only a translation that succeeded moves the window (bus mastering is on). */
	if (p && vfu_dma_region(d->ctx, addr, &w->addr, &w->size, &w->ptr, &w->prot) < 0)
		w->size = 0;
	return p;
}

int pci_dma_read(struct pci_dev *d, uint64_t addr, void *buf, size_t len)
{
	if (!dma_allowed(d))
		return -EPERM;
	return vfu_dma_read(d->ctx, addr, buf, len);
}

int pci_dma_write(struct pci_dev *d, uint64_t addr, const void *buf, size_t len)
{
	if (!dma_allowed(d))
		return -EPERM;
	return vfu_dma_write(d->ctx, addr, buf, len);
}
