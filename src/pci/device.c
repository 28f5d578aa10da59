/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * PCI devices on top of vfu: the type-0 header, BARs, capabilities, the
 * MSI-X table/PBA, interrupt routing and DMA gating.
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
#include "pci/pci.h"
#include "pci/pci_internal.h"

#define COMP "pci"

#define PCI_NUM_BARS 6u
#define MSIX_MAX_VECTORS 2048u
#define MSI_MAX_VECTORS 32u

/* Command bits a guest may set; the others read as 0. */
#define CMD_WMASK (PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | \
		   PCI_COMMAND_PARITY | PCI_COMMAND_SERR | PCI_COMMAND_INTX_DISABLE)
/* Status error bits, cleared by writing 1. */
#define STATUS_W1C (PCI_STATUS_PARITY | PCI_STATUS_SIG_TARGET_ABORT | \
		    PCI_STATUS_REC_TARGET_ABORT | PCI_STATUS_REC_MASTER_ABORT | \
		    PCI_STATUS_SIG_SYSTEM_ERROR | PCI_STATUS_DETECTED_PARITY)

struct pci_bar_state {
	uint64_t size;
	uint32_t flags;
	pci_bar_cb access;
	unsigned nr_shared;
	struct vfu_sparse_area shared[VFU_MAX_SPARSE];
	int memfd;      /* backs the shared pages for the current client; -1 if none */
	uint8_t *map;   /* our mapping of memfd, map_len bytes from BAR offset 0 */
	size_t map_len;
	uint64_t shared_traps; /* accesses to the shared pages that came as messages */
	uint64_t shared_renew_err; /* detaches after which no fresh memfd could be made */
};

struct pci_msix_state {
	unsigned nvec;
	unsigned table_bar, pba_bar;
	uint64_t table_off, pba_off;
	uint8_t *table; /* plain storage: the VMM emulates the table itself */
};

struct pci_dev {
	char *name;
	struct pci_dev_ops ops;
	void *opaque;
	uint8_t irq_pin;
	struct vfu_limits limits;

	struct pci_cfg cfg;
	struct pci_cfg init;  /* power-on config, valid once sealed */
	unsigned cfg_size;    /* size of the config region */
	bool sealed;
	bool dying;
	struct vfu_ctx *ctx;

	struct pci_bar_state bars[PCI_NUM_BARS];

	unsigned pm_cap, msi_cap, msix_cap, pcie_cap;
	unsigned msi_nvec;
	bool msi_64, msi_maskable;
	struct pci_msix_state msix;

	bool intx_level;  /* the model's line */
	bool intx_out;    /* what vfu was last told */
};

/* ---- small helpers ---------------------------------------------------- */

static bool is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

/* Where [off, off+cnt) lies relative to [start, start+len). */
enum overlap { OV_NONE, OV_INSIDE, OV_PARTIAL };

static enum overlap range_overlap(uint64_t off, uint64_t cnt, uint64_t start, uint64_t len)
{
	/* All values are bounded by a BAR size (< 2^63): no overflow. */
	if (off + cnt <= start || off >= start + len)
		return OV_NONE;
	if (off >= start && off + cnt <= start + len)
		return OV_INSIDE;
	return OV_PARTIAL;
}

static bool ranges_intersect(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return alen && blen && a < b + blen && b < a + alen;
}

static uint16_t cmd_reg(const struct pci_dev *d)
{
	return pci_cfg_get16(&d->cfg, PCI_COMMAND);
}

static uint64_t msix_table_len(const struct pci_msix_state *m)
{
	return (uint64_t)m->nvec * PCI_MSIX_ENTRY_SIZE;
}

static uint64_t msix_pba_len(const struct pci_msix_state *m)
{
	return ((uint64_t)m->nvec + 63) / 64 * 8;
}

/* The MSI-X capability's Message Control word; 0 without one. */
static uint16_t msix_flags(const struct pci_dev *d)
{
	return d->msix_cap ? pci_cfg_get16(&d->cfg, d->msix_cap + PCI_MSIX_FLAGS) : 0;
}

static void msix_notify(struct pci_dev *d)
{
	if (d->ops.msix_changed && !d->dying)
		d->ops.msix_changed(d->opaque);
}

/* ---- INTx ------------------------------------------------------------- */

/*
 * The status interrupt bit shows the model's line whatever the disable bit
 * says; the client only sees the line while INTx is not disabled.
 */
static void intx_update(struct pci_dev *d)
{
	uint16_t status = pci_cfg_get16(&d->cfg, PCI_STATUS);
	bool out;

	if (d->intx_level)
		status |= PCI_STATUS_INTERRUPT;
	else
		status &= (uint16_t)~PCI_STATUS_INTERRUPT;
	pci_cfg_set16(&d->cfg, PCI_STATUS, status);

	out = d->ctx && d->irq_pin && d->intx_level &&
	      !(cmd_reg(d) & PCI_COMMAND_INTX_DISABLE);
	if (out == d->intx_out)
		return;
	d->intx_out = out;
	vfu_intx_set(d->ctx, out);
}

void pci_intx_set(struct pci_dev *d, bool level)
{
	if (!d || !d->irq_pin)
		return;
	d->intx_level = level;
	intx_update(d);
}

static void irq_trigger(struct pci_dev *d, uint32_t index, unsigned vec)
{
	int r = vfu_irq_trigger(d->ctx, index, vec);

	/* -EAGAIN: masked, left pending; the client collects it on unmask. */
	if (r < 0 && r != -EAGAIN)
		LOG_RL(LOG_LVL_DEBUG, COMP, "%s: %s vector %u not delivered (%d)", d->name,
		       index == VFU_IRQ_MSIX ? "MSI-X" : "MSI", vec, r);
}

void pci_irq_raise(struct pci_dev *d, unsigned vec)
{
	uint32_t n;

	if (!d || !d->ctx)
		return;
	if (d->msix_cap && vfu_irq_enabled_count(d->ctx, VFU_IRQ_MSIX)) {
		irq_trigger(d, VFU_IRQ_MSIX, vec);
		return;
	}
	n = d->msi_cap ? vfu_irq_enabled_count(d->ctx, VFU_IRQ_MSI) : 0;
	if (n) {
		/* With fewer vectors granted than used, vectors alias (low bits). */
		irq_trigger(d, VFU_IRQ_MSI, vec % n);
		return;
	}
	pci_intx_set(d, true);
}

/* ---- config space ----------------------------------------------------- */

static bool touches(unsigned off, size_t len, unsigned reg, unsigned reg_len)
{
	return off < reg + reg_len && reg < off + len;
}

/* D1 and D2 are not supported: such writes leave the power state alone. */
static void pm_fixup(struct pci_dev *d, uint16_t old_pmcsr)
{
	unsigned pos = d->pm_cap + PCI_PM_CTRL;
	uint16_t v = pci_cfg_get16(&d->cfg, pos);
	unsigned state = v & PCI_PM_CTRL_STATE_MASK;

	if (state == 1 || state == 2) {
		v = (uint16_t)((v & ~PCI_PM_CTRL_STATE_MASK) | (old_pmcsr & PCI_PM_CTRL_STATE_MASK));
		pci_cfg_set16(&d->cfg, pos, v);
	}
}

/* Multiple Message Enable may not exceed Multiple Message Capable. */
static void msi_fixup(struct pci_dev *d)
{
	unsigned pos = d->msi_cap + PCI_MSI_FLAGS;
	uint16_t v = pci_cfg_get16(&d->cfg, pos);
	unsigned mmc = (v & PCI_MSI_FLAGS_QMASK) >> 1;
	unsigned mme = (v & PCI_MSI_FLAGS_QSIZE) >> 4;

	if (mme > mmc) {
		v = (uint16_t)((v & ~PCI_MSI_FLAGS_QSIZE) | mmc << 4);
		pci_cfg_set16(&d->cfg, pos, v);
	}
}

/* MSI pending bits are the client-side pending state of the MSI index. */
static void msi_refresh_pending(struct pci_dev *d)
{
	uint32_t pend = 0;
	unsigned pos;

	if (!d->msi_cap || !d->msi_maskable)
		return;
	pos = d->msi_cap + (d->msi_64 ? PCI_MSI_PENDING_64 : PCI_MSI_PENDING_32);
	for (unsigned i = 0; d->ctx && i < d->msi_nvec; i++)
		if (vfu_irq_pending(d->ctx, VFU_IRQ_MSI, i))
			pend |= 1u << i;
	pci_cfg_set32(&d->cfg, pos, pend);
}

ssize_t pci_dev_cfg_access(void *opaque, uint32_t region, uint64_t offset, void *buf,
			   size_t count, bool is_write)
{
	struct pci_dev *d = opaque;
	unsigned off = (unsigned)offset;
	uint16_t old_pmcsr = 0, old_msix = 0;

	if (region != VFU_PCI_CONFIG || offset > d->cfg_size || count > d->cfg_size - offset)
		return -EINVAL;
	if (!is_write) {
		if (d->msi_cap && touches(off, count, d->msi_cap, 24))
			msi_refresh_pending(d);
		pci_cfg_read(&d->cfg, off, buf, count);
		return (ssize_t)count;
	}

	if (d->pm_cap)
		old_pmcsr = pci_cfg_get16(&d->cfg, d->pm_cap + PCI_PM_CTRL);
	old_msix = msix_flags(d);
	pci_cfg_guest_write(&d->cfg, off, buf, count);

	if (d->pm_cap && touches(off, count, d->pm_cap + PCI_PM_CTRL, 2))
		pm_fixup(d, old_pmcsr);
	if (d->msi_cap && touches(off, count, d->msi_cap + PCI_MSI_FLAGS, 2))
		msi_fixup(d);
	if (touches(off, count, PCI_COMMAND, 2))
		intx_update(d);
	/* Enable and Function Mask are the only bits of the word the guest can change. */
	if (msix_flags(d) != old_msix)
		msix_notify(d);
	if (d->ops.cfg_written && !d->dying)
		d->ops.cfg_written(d->opaque, off, count);
	return (ssize_t)count;
}

/* ---- BAR regions ------------------------------------------------------ */

static ssize_t msix_table_access(struct pci_dev *d, uint64_t off, void *buf, size_t count,
				 bool is_write)
{
	if (is_write)
		memcpy(d->msix.table + off, buf, count);
	else
		memcpy(buf, d->msix.table + off, count);
	return (ssize_t)count;
}

static ssize_t msix_pba_access(struct pci_dev *d, uint64_t off, void *buf, size_t count,
			       bool is_write)
{
	uint8_t *out = buf;

	/* Pending bits are read-only; writes are dropped. */
	if (is_write)
		return (ssize_t)count;
	for (size_t i = 0; i < count; i++) {
		uint8_t byte = 0;

		for (unsigned bit = 0; bit < 8; bit++) {
			uint64_t vec = (off + i) * 8 + bit;

			if (vec < d->msix.nvec && d->ctx &&
			    vfu_irq_pending(d->ctx, VFU_IRQ_MSIX, (uint32_t)vec))
				byte |= (uint8_t)(1u << bit);
		}
		out[i] = byte;
	}
	return (ssize_t)count;
}

/*
 * Accesses the framework serves itself: the MSI-X table and PBA and the
 * shared pages. Sets *handled and returns the result if [off, off+count)
 * falls in one of them; an access straddling one of their edges is refused.
 */
static ssize_t bar_special(struct pci_dev *d, unsigned bar, uint64_t off, void *buf,
			   size_t count, bool is_write, bool *handled)
{
	struct pci_bar_state *b = &d->bars[bar];
	struct pci_msix_state *m = &d->msix;
	enum overlap ov;

	*handled = true;
	if (d->msix_cap && m->table_bar == bar) {
		ov = range_overlap(off, count, m->table_off, msix_table_len(m));
		if (ov == OV_INSIDE)
			return msix_table_access(d, off - m->table_off, buf, count, is_write);
		if (ov == OV_PARTIAL)
			return -EINVAL;
	}
	if (d->msix_cap && m->pba_bar == bar) {
		ov = range_overlap(off, count, m->pba_off, msix_pba_len(m));
		if (ov == OV_INSIDE)
			return msix_pba_access(d, off - m->pba_off, buf, count, is_write);
		if (ov == OV_PARTIAL)
			return -EINVAL;
	}
	for (unsigned i = 0; i < b->nr_shared; i++) {
		const struct vfu_sparse_area *a = &b->shared[i];

		ov = range_overlap(off, count, a->offset, a->size);
		if (ov == OV_PARTIAL)
			return -EINVAL;
		if (ov == OV_NONE)
			continue;
		/* Trapped access to a shared page: same memory as the mmap. */
		b->shared_traps++;
		if (is_write)
			memcpy(b->map + off, buf, count);
		else
			memcpy(buf, b->map + off, count);
		return (ssize_t)count;
	}
	*handled = false;
	return 0;
}

ssize_t pci_dev_bar_access(void *opaque, uint32_t region, uint64_t offset, void *buf,
			   size_t count, bool is_write)
{
	struct pci_dev *d = opaque;
	struct pci_bar_state *b;
	bool handled;
	ssize_t r;

	if (region >= PCI_NUM_BARS)
		return -EINVAL;
	b = &d->bars[region];
	if (!b->size || offset > b->size || count > b->size - offset)
		return -EINVAL;
	if (!count)
		return 0;

	r = bar_special(d, region, offset, buf, count, is_write, &handled);
	if (handled)
		return r;

	if (!b->access || d->dying) {
		if (!is_write)
			memset(buf, 0, count);
		return (ssize_t)count;
	}
	r = b->access(d->opaque, region, offset, buf, count, is_write);
	if (r > (ssize_t)count) {
		LOG_RL(LOG_LVL_ERR, COMP, "%s: BAR%u handler returned %zd for %zu bytes", d->name,
		       region, r, count);
		return -EIO;
	}
	return r;
}

/* ---- reset and vfu callbacks ------------------------------------------ */

static void msix_table_reset(struct pci_dev *d)
{
	if (!d->msix.table)
		return;
	memset(d->msix.table, 0, msix_table_len(&d->msix));
	/* Every vector starts masked. */
	for (unsigned i = 0; i < d->msix.nvec; i++)
		d->msix.table[i * PCI_MSIX_ENTRY_SIZE + PCI_MSIX_ENTRY_VECTOR_CTRL] =
			PCI_MSIX_ENTRY_CTRL_MASKBIT;
}

void pci_dev_do_reset(struct pci_dev *d)
{
	bool was_out = d->intx_out;

	if (d->sealed)
		d->cfg = d->init;
	msix_table_reset(d);
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

static void bar_renew_shared(struct pci_dev *d, unsigned i);

static void vfu_cb_reset(void *opaque, enum vfu_reset_reason why)
{
	struct pci_dev *d = opaque;

	LOG_DEBUG(COMP, "%s: reset (%s)", d->name,
		  why == VFU_RESET_DEVICE ? "device reset" : "client gone");
	/* New shared pages first: the reset below clears what the next client gets. */
	if (why == VFU_RESET_DISCONNECT && !d->dying)
		for (unsigned i = 0; i < PCI_NUM_BARS; i++)
			if (d->bars[i].map)
				bar_renew_shared(d, i);
	pci_dev_do_reset(d);
}

static void vfu_cb_attach(void *opaque)
{
	struct pci_dev *d = opaque;

	if (d->ops.attach && !d->dying)
		d->ops.attach(d->opaque);
}

static void vfu_cb_dma_map(void *opaque, uint64_t addr, uint64_t size)
{
	struct pci_dev *d = opaque;

	if (d->ops.dma_map && !d->dying)
		d->ops.dma_map(d->opaque, addr, size);
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
	msix_table_reset(d);

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

static bool can_build(struct pci_dev *d, const char *what)
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

static bool shared_ok(const char *name, unsigned i, const struct pci_bar_desc *b)
{
	uint64_t pg = (uint64_t)sysconf(_SC_PAGESIZE);

	if (!b->nr_shared)
		return true;
	if (b->nr_shared > VFU_MAX_SPARSE || (b->flags & PCI_BAR_IO))
		goto bad;
	for (unsigned k = 0; k < b->nr_shared; k++) {
		const struct vfu_sparse_area *a = &b->shared[k];

		if (!a->size || a->offset % pg || a->size % pg || a->offset > b->size ||
		    a->size > b->size - a->offset)
			goto bad;
		for (unsigned j = 0; j < k; j++)
			if (ranges_intersect(a->offset, a->size, b->shared[j].offset,
					     b->shared[j].size))
				goto bad;
	}
	return true;
bad:
	LOG_ERR(COMP, "%s: BAR%u: bad shared areas", name, i);
	return false;
}

/* A memfd of len bytes for shared pages, or -errno. */
static int shared_memfd(const char *name, size_t len)
{
	int fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING), r;

	if (fd < 0)
		return -errno;
	/*
	 * The VMM gets this fd: sealed, it cannot shrink the file under our
	 * mapping (our next access to the pages would be a SIGBUS).
	 */
	if (ftruncate(fd, (off_t)len) < 0 ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	return fd;
}

static int bar_map_shared(struct pci_dev *d, unsigned i)
{
	struct pci_bar_state *b = &d->bars[i];
	uint64_t end = 0;
	void *p;
	int fd;

	for (unsigned k = 0; k < b->nr_shared; k++)
		if (b->shared[k].offset + b->shared[k].size > end)
			end = b->shared[k].offset + b->shared[k].size;
	fd = shared_memfd(d->name, end);
	if (fd < 0)
		return fd;
	b->memfd = fd;
	p = mmap(NULL, end, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	b->map = p;
	b->map_len = end;
	return 0;
}

/*
 * The client went away: the next one gets shared pages of its own. A VMM may
 * keep its mapping of the old memfd after it disconnected; through it, it
 * must not reach the next VM's device. A new memfd is mapped over ours
 * (MAP_FIXED), so pointers from pci_bar_shared() stay valid and now point
 * into the new file. Without one, the pages become private memory offered
 * without an fd: every access of the next client is trapped (and served from
 * that memory) until a later detach gets a memfd again.
 */
static void bar_renew_shared(struct pci_dev *d, unsigned i)
{
	struct pci_bar_state *b = &d->bars[i];
	int fd = shared_memfd(d->name, b->map_len), r;
	void *p = MAP_FAILED;

	if (fd >= 0) {
		p = mmap(b->map, b->map_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0);
		if (p == MAP_FAILED) {
			r = -errno;
			close(fd);
			fd = r;
		}
	}
	if (fd < 0) {
		b->shared_renew_err++;
		p = mmap(b->map, b->map_len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		r = errno;
		if (p == MAP_FAILED)
			LOG_ERR(COMP, "%s: BAR%u: cannot replace the shared pages (%s, then %s): "
				      "the last client may still reach them", d->name, i,
				strerror(-fd), strerror(r));
		else
			LOG_ERR(COMP, "%s: BAR%u: no new memfd for the shared pages (%s): the "
				      "next client's accesses to them are trapped", d->name, i,
				strerror(-fd));
		fd = -1;
	}
	if (b->memfd >= 0)
		close(b->memfd);
	b->memfd = fd;
	r = vfu_region_set_mmap_fd(d->ctx, i, fd);
	if (r < 0)
		LOG_ERR(COMP, "%s: BAR%u: cannot offer the new shared pages (%d)", d->name, i, r);
}

/* Address bits the guest may write: what sizing reads back, plus type bits. */
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
		if (!bar_desc_ok(name, desc->bars, i) || !shared_ok(name, i, &desc->bars[i]))
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
		int r = d->bars[i].nr_shared ? bar_map_shared(d, i) : 0;

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

/* ---- capabilities ----------------------------------------------------- */

unsigned pci_add_cap_pm(struct pci_dev *d)
{
	unsigned pos;

	if (!can_build(d, "PM") || d->pm_cap)
		return 0;
	pos = pci_cfg_add_cap(&d->cfg, PCI_CAP_ID_PM, PCI_PM_SIZEOF);
	if (!pos)
		return 0;
	/* Version 3 (PCI PM 1.2), D0 and D3hot only, no PME. */
	pci_cfg_set16(&d->cfg, pos + PCI_PM_PMC, 3);
	/* Leaving D3hot keeps the state: no reset to emulate there. */
	pci_cfg_set16(&d->cfg, pos + PCI_PM_CTRL, PCI_PM_CTRL_NO_SOFT_RESET);
	pci_cfg_set_wmask16(&d->cfg, pos + PCI_PM_CTRL, PCI_PM_CTRL_STATE_MASK);
	d->pm_cap = pos;
	return pos;
}

unsigned pci_add_cap_msi(struct pci_dev *d, unsigned nvec, bool addr64, bool maskable)
{
	unsigned size, pos, log2n = 0;
	uint16_t flags;

	if (!can_build(d, "MSI") || d->msi_cap || nvec > MSI_MAX_VECTORS || !is_pow2(nvec))
		return 0;
	while ((1u << log2n) < nvec)
		log2n++;
	if (maskable)
		size = addr64 ? PCI_MSI_PENDING_64 + 4 : PCI_MSI_PENDING_32 + 4;
	else
		size = addr64 ? PCI_MSI_DATA_64 + 2 : PCI_MSI_DATA_32 + 2;
	pos = pci_cfg_add_cap(&d->cfg, PCI_CAP_ID_MSI, size);
	if (!pos)
		return 0;

	flags = (uint16_t)(log2n << 1);
	if (addr64)
		flags |= PCI_MSI_FLAGS_64BIT;
	if (maskable)
		flags |= PCI_MSI_FLAGS_MASKBIT;
	pci_cfg_set16(&d->cfg, pos + PCI_MSI_FLAGS, flags);
	pci_cfg_set_wmask16(&d->cfg, pos + PCI_MSI_FLAGS, PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QSIZE);
	pci_cfg_set_wmask32(&d->cfg, pos + PCI_MSI_ADDRESS_LO, 0xfffffffcu);
	if (addr64)
		pci_cfg_set_wmask32(&d->cfg, pos + PCI_MSI_ADDRESS_HI, 0xffffffffu);
	pci_cfg_set_wmask16(&d->cfg, pos + (addr64 ? PCI_MSI_DATA_64 : PCI_MSI_DATA_32), 0xffff);
	if (maskable)
		pci_cfg_set_wmask32(&d->cfg, pos + (addr64 ? PCI_MSI_MASK_64 : PCI_MSI_MASK_32),
				    nvec == 32 ? 0xffffffffu : (1u << nvec) - 1);
	d->msi_cap = pos;
	d->msi_nvec = nvec;
	d->msi_64 = addr64;
	d->msi_maskable = maskable;
	return pos;
}

static bool msix_layout_ok(struct pci_dev *d, const struct pci_msix_state *m)
{
	const struct pci_bar_state *tb, *pb;

	if (m->nvec < 1 || m->nvec > MSIX_MAX_VECTORS || m->table_bar >= PCI_NUM_BARS ||
	    m->pba_bar >= PCI_NUM_BARS || (m->table_off & 7) || (m->pba_off & 7))
		return false;
	tb = &d->bars[m->table_bar];
	pb = &d->bars[m->pba_bar];
	if (!tb->size || !pb->size || (tb->flags & PCI_BAR_IO) || (pb->flags & PCI_BAR_IO))
		return false;
	if (m->table_off > tb->size || msix_table_len(m) > tb->size - m->table_off ||
	    m->pba_off > pb->size || msix_pba_len(m) > pb->size - m->pba_off)
		return false;
	if (m->table_bar == m->pba_bar &&
	    ranges_intersect(m->table_off, msix_table_len(m), m->pba_off, msix_pba_len(m)))
		return false;
	for (unsigned k = 0; k < tb->nr_shared; k++)
		if (ranges_intersect(m->table_off, msix_table_len(m), tb->shared[k].offset,
				     tb->shared[k].size))
			return false;
	for (unsigned k = 0; k < pb->nr_shared; k++)
		if (ranges_intersect(m->pba_off, msix_pba_len(m), pb->shared[k].offset,
				     pb->shared[k].size))
			return false;
	return true;
}

unsigned pci_add_cap_msix(struct pci_dev *d, unsigned nvec, unsigned table_bar, uint32_t table_off,
			  unsigned pba_bar, uint32_t pba_off)
{
	struct pci_msix_state m = {
		.nvec = nvec, .table_bar = table_bar, .pba_bar = pba_bar,
		.table_off = table_off, .pba_off = pba_off,
	};
	unsigned pos;

	if (!can_build(d, "MSI-X") || d->msix_cap)
		return 0;
	if (!msix_layout_ok(d, &m)) {
		LOG_ERR(COMP, "%s: bad MSI-X layout (%u vectors, table %u:0x%x, PBA %u:0x%x)",
			d->name, nvec, table_bar, table_off, pba_bar, pba_off);
		return 0;
	}
	m.table = calloc(nvec, PCI_MSIX_ENTRY_SIZE);
	if (!m.table)
		return 0;
	pos = pci_cfg_add_cap(&d->cfg, PCI_CAP_ID_MSIX, PCI_CAP_MSIX_SIZEOF);
	if (!pos) {
		free(m.table);
		return 0;
	}
	pci_cfg_set16(&d->cfg, pos + PCI_MSIX_FLAGS, (uint16_t)(nvec - 1));
	pci_cfg_set_wmask16(&d->cfg, pos + PCI_MSIX_FLAGS,
			    PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
	pci_cfg_set32(&d->cfg, pos + PCI_MSIX_TABLE, table_off | table_bar);
	pci_cfg_set32(&d->cfg, pos + PCI_MSIX_PBA, pba_off | pba_bar);
	d->msix = m;
	d->msix_cap = pos;
	msix_table_reset(d);
	return pos;
}

/*
 * A version 2 endpoint on a 2.5 GT/s x1 link with 128-byte payloads, no
 * ASPM and no FLR (resets come as vfio-user DEVICE_RESET).
 */
unsigned pci_add_cap_pcie(struct pci_dev *d)
{
	struct pci_cfg *c;
	unsigned pos;

	if (!can_build(d, "PCIe") || d->pcie_cap)
		return 0;
	c = &d->cfg;
	pos = pci_cfg_add_cap(c, PCI_CAP_ID_EXP, PCI_CAP_EXP_ENDPOINT_SIZEOF_V2);
	if (!pos)
		return 0;
	pci_cfg_set16(c, pos + PCI_EXP_FLAGS, 2 | PCI_EXP_TYPE_ENDPOINT << 4);
	pci_cfg_set32(c, pos + PCI_EXP_DEVCAP, PCI_EXP_DEVCAP_RBER);
	pci_cfg_set16(c, pos + PCI_EXP_DEVCTL,
		      PCI_EXP_DEVCTL_RELAX_EN | PCI_EXP_DEVCTL_NOSNOOP_EN | 2 << 12);
	pci_cfg_set_wmask16(c, pos + PCI_EXP_DEVCTL,
			    PCI_EXP_DEVCTL_CERE | PCI_EXP_DEVCTL_NFERE | PCI_EXP_DEVCTL_FERE |
			    PCI_EXP_DEVCTL_URRE | PCI_EXP_DEVCTL_RELAX_EN | PCI_EXP_DEVCTL_PAYLOAD |
			    PCI_EXP_DEVCTL_NOSNOOP_EN | PCI_EXP_DEVCTL_READRQ);
	pci_cfg_set_w1c16(c, pos + PCI_EXP_DEVSTA,
			  PCI_EXP_DEVSTA_CED | PCI_EXP_DEVSTA_NFED | PCI_EXP_DEVSTA_FED |
			  PCI_EXP_DEVSTA_URD);
	pci_cfg_set32(c, pos + PCI_EXP_LNKCAP, PCI_EXP_LNKCAP_SLS_2_5GB | 1u << 4);
	pci_cfg_set_wmask16(c, pos + PCI_EXP_LNKCTL,
			    PCI_EXP_LNKCTL_ASPMC | PCI_EXP_LNKCTL_RCB | PCI_EXP_LNKCTL_CCC |
			    PCI_EXP_LNKCTL_ES);
	pci_cfg_set16(c, pos + PCI_EXP_LNKSTA, PCI_EXP_LNKSTA_CLS_2_5GB | 1u << 4);
	pci_cfg_set32(c, pos + PCI_EXP_LNKCAP2, PCI_EXP_LNKCAP2_SLS_2_5GB);
	pci_cfg_set16(c, pos + PCI_EXP_LNKCTL2, PCI_EXP_LNKCTL2_TLS_2_5GT);
	d->pcie_cap = pos;
	d->cfg_size = PCI_CFG_SIZE;
	return pos;
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

void *pci_bar_shared(struct pci_dev *d, unsigned bar, unsigned idx)
{
	if (!d || bar >= PCI_NUM_BARS || idx >= d->bars[bar].nr_shared || !d->bars[bar].map)
		return NULL;
	return d->bars[bar].map + d->bars[bar].shared[idx].offset;
}

uint64_t pci_bar_shared_traps(const struct pci_dev *d, unsigned bar)
{
	return d && bar < PCI_NUM_BARS ? d->bars[bar].shared_traps : 0;
}

uint64_t pci_bar_shared_renew_err(const struct pci_dev *d, unsigned bar)
{
	return d && bar < PCI_NUM_BARS ? d->bars[bar].shared_renew_err : 0;
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

bool pci_msix_enabled(const struct pci_dev *d)
{
	return d && (msix_flags(d) & PCI_MSIX_FLAGS_ENABLE);
}

bool pci_msix_func_masked(const struct pci_dev *d)
{
	return d && (msix_flags(d) & PCI_MSIX_FLAGS_MASKALL);
}

bool pci_msix_vector_ready(const struct pci_dev *d, unsigned vec)
{
	return d && d->ctx && d->msix_cap && vec < d->msix.nvec &&
	       vfu_irq_has_eventfd(d->ctx, VFU_IRQ_MSIX, vec) &&
	       !vfu_irq_masked(d->ctx, VFU_IRQ_MSIX, vec);
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
