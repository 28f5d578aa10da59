/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The passthrough model (`-m passthrough -d BDF`): a real PCI function,
 * owned through VFIO (vfio/), served to one VM at a time over vfio-user.
 * The VM's own driver runs the device; vmux stays on the configuration path:
 *   - BARs: vfio-user regions whose mmap-able parts are the VFIO device fd
 *     itself (at the region's offset in it; VFIO's sparse areas kept, the
 *     MSI-X table and PBA pages cut out and trapped here); trapped accesses
 *     are pread/pwrite on the device fd;
 *   - config space: virtualized (cfg.c);
 *   - DMA_MAP/UNMAP: VFIO_IOMMU_MAP_DMA/UNMAP_DMA of the client's memory as
 *     vfu mapped it (fd-backed only: the IOMMU needs our mapping of it);
 *   - interrupts: irq.c;
 *   - reset (DEVICE_RESET, the client gone): interrupts off, bus mastering
 *     off, VFIO_DEVICE_RESET, config space back to its initial state; the
 *     client's mappings leave the IOMMU as vfu drops them.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "core/log.h"
#include "core/loop.h"
#include "dev/passthrough/pt_dev.h"
#include "vfu/vfu.h"

#define COMP "passthrough"

static struct pt_dev *to_pt(struct dev_instance *d)
{
	return (struct pt_dev *)d;
}

/* ---- config space ---------------------------------------------------------- */

static int dev_cfg_read(void *opaque, unsigned off, void *buf, unsigned len)
{
	struct pt_dev *p = opaque;
	ssize_t n = vfio_region_rw(&p->v, VFIO_REG_CONFIG, off, buf, len, false);
	return n == (ssize_t)len ? 0 : -EIO;
}

static int dev_cfg_write(void *opaque, unsigned off, const void *buf, unsigned len)
{
	struct pt_dev *p = opaque;
	ssize_t n = vfio_region_rw(&p->v, VFIO_REG_CONFIG, off, (void *)buf, len, true);
	return n == (ssize_t)len ? 0 : -EIO;
}

static const struct pt_cfg_dev_ops cfg_ops = { dev_cfg_read, dev_cfg_write };

static ssize_t cfg_access(void *opaque, uint32_t region, uint64_t off, void *buf, size_t count,
			  bool is_write)
{
	struct pt_dev *p = opaque;
	int r;

	(void)region;
	if (!is_write)
		return pt_cfg_read(&p->cfg, (unsigned)off, buf, (unsigned)count) ?: (ssize_t)count;
	r = pt_cfg_write(&p->cfg, (unsigned)off, buf, (unsigned)count);
	if (r < 0)
		return r;
	if (r & PT_CFG_CHG_MSIX)
		pt_irq_update(p, VFU_IRQ_MSIX, false);
	return (ssize_t)count;
}

/* ---- BARs and ROM ------------------------------------------------------------ */

static ssize_t bar_access(void *opaque, uint32_t region, uint64_t off, void *buf, size_t count,
			  bool is_write)
{
	struct pt_dev *p = opaque;
	ssize_t r;

	if (pt_msix_access(p, region, off, buf, count, is_write, &r))
		return r;
	r = vfio_region_rw(&p->v, region, off, buf, count, is_write);
	if (r != (ssize_t)count) {
		p->cnt.bar_rw_err++;
		LOG_RL(LOG_LVL_WARN, COMP, "%s: BAR%u %s at 0x%" PRIx64 "+%zu: %s", p->name, region,
		       is_write ? "write" : "read", off, count, r < 0 ? strerror((int)-r) : "short");
		if (!is_write)
			memset(buf, 0xff, count);
	}
	return (ssize_t)count;
}

static ssize_t rom_access(void *opaque, uint32_t region, uint64_t off, void *buf, size_t count,
			  bool is_write)
{
	struct pt_dev *p = opaque;

	if (is_write)
		return (ssize_t)count; /* read-only */
	if (vfio_region_rw(&p->v, region, off, buf, count, false) != (ssize_t)count)
		memset(buf, 0xff, count);
	return (ssize_t)count;
}

static int regions_setup(struct pt_dev *p, char *err, size_t errlen)
{
	const struct pt_cfg *c = &p->cfg;

	for (unsigned i = 0; i < 6; i++) {
		const struct vfio_region *vr = &p->v.reg[i];
		struct vfu_region_desc rd = { .mmap_fd = -1 };
		struct vfio_area trap[2];
		unsigned nt = 0;

		if (!c->bar[i].size)
			continue;
		rd.size = vr->size;
		rd.flags = VFU_REGION_F_READ | VFU_REGION_F_WRITE;
		rd.access = bar_access;
		if (p->msix_n && c->msix_table_bar == i)
			trap[nt++] = (struct vfio_area){ c->msix_table_off, (uint64_t)p->msix_n * 16 };
		if (p->msix_n && c->msix_pba_bar == i)
			trap[nt++] = (struct vfio_area){ c->msix_pba_off, (p->msix_n + 63) / 64 * 8 };
		if ((vr->flags & VFIO_REGION_INFO_FLAG_MMAP) && !c->bar[i].io) {
			long pg = sysconf(_SC_PAGESIZE);
			int n = pt_sparse_layout(vr->size, !vr->has_sparse, vr->sparse, vr->nr_sparse,
						 trap, nt, (uint64_t)pg, rd.sparse, VFU_MAX_SPARSE);
			if (n > 0) {
				rd.mmap_fd = p->v.fd;
				rd.mmap_offset = vr->offset;
				rd.nr_sparse = (unsigned)n;
			} else if (n < 0) {
				LOG_WARN(COMP, "%s: BAR%u: more than %u mmap-able areas; all trapped",
					 p->name, i, VFU_MAX_SPARSE);
			}
		}
		int r = vfu_set_region(p->ctx, i, &rd);
		if (r) {
			snprintf(err, errlen, "BAR%u: %s", i, strerror(-r));
			return r;
		}
		LOG_INFO(COMP, "%s: BAR%u %s %" PRIu64 " KiB, %u mmap-able area(s)%s", p->name, i,
			 c->bar[i].io ? "I/O" : c->bar[i].mem64 ? "mem64" : "mem32",
			 vr->size >> 10, rd.nr_sparse, nt ? ", MSI-X table/PBA trapped" : "");
	}
	if (p->v.reg[VFIO_REG_ROM].size) {
		struct vfu_region_desc rd = {
			.size = p->v.reg[VFIO_REG_ROM].size,
			.flags = VFU_REGION_F_READ,
			.access = rom_access,
			.mmap_fd = -1,
		};
		int r = vfu_set_region(p->ctx, VFIO_REG_ROM, &rd);
		if (r) {
			snprintf(err, errlen, "ROM: %s", strerror(-r));
			return r;
		}
	}
	struct vfu_region_desc cd = {
		.size = c->size,
		.flags = VFU_REGION_F_READ | VFU_REGION_F_WRITE,
		.access = cfg_access,
		.mmap_fd = -1,
	};
	int r = vfu_set_region(p->ctx, VFU_PCI_CONFIG, &cd);
	if (r)
		snprintf(err, errlen, "config space: %s", strerror(-r));
	return r;
}

/* ---- vfu callbacks ------------------------------------------------------------ */

static void do_reset(struct pt_dev *p, const char *why)
{
	uint16_t cmd = 0;

	pt_irq_reset(p);
	if (p->released) { /* given back (REQ): nothing of the device left to reset */
		pt_cfg_reset(&p->cfg);
		return;
	}
	/* No DMA from here on: bus mastering off before anything else. */
	if (vfio_region_rw(&p->v, VFIO_REG_CONFIG, 4, &cmd, 2, false) == 2) {
		cmd &= (uint16_t)~0x0547u;
		vfio_region_rw(&p->v, VFIO_REG_CONFIG, 4, &cmd, 2, true);
	}
	int r = vfio_reset(&p->v);
	if (r && r != -ENOTSUP) {
		p->cnt.reset_err++;
		LOG_WARN(COMP, "%s: VFIO_DEVICE_RESET (%s): %s", p->name, why, strerror(-r));
	}
	pt_cfg_reset(&p->cfg);
	p->cnt.resets++;
	LOG_INFO(COMP, "%s: %s reset (%s)", p->name, p->v.bdf, why);
}

static void cb_reset(void *opaque, enum vfu_reset_reason why)
{
	do_reset(opaque, why == VFU_RESET_DISCONNECT ? "the client left" : "DEVICE_RESET");
}

static int cb_dma_map(void *opaque, uint64_t addr, uint64_t size)
{
	struct pt_dev *p = opaque;
	uint64_t base, len;
	uint8_t *ptr;
	int prot, r;

	r = vfu_dma_region(p->ctx, addr, &base, &len, &ptr, &prot);
	if (r || base > addr || addr - base + size > len) {
		/*
		 * Memory without an fd (QEMU maps its MMIO and ROM sections so):
		 * we have no mapping of it to give the IOMMU. Taken, not
		 * mapped: the device's DMA there faults, as to any address the
		 * VMM never mapped. Guest RAM must come with an fd.
		 */
		p->cnt.dma_nofd++;
		LOG_RL(LOG_LVL_INFO, COMP, "%s: DMA_MAP [0x%" PRIx64 ", +0x%" PRIx64 ") has no fd: "
					   "not mapped for the device (guest RAM needs share=on)",
		       p->name, addr, size);
		return 0;
	}
	if (p->nmaps == p->maps_cap) {
		unsigned cap = p->maps_cap ? 2 * p->maps_cap : 64;
		struct pt_iommu_map *m = realloc(p->maps, cap * sizeof(*m));
		if (!m)
			return -ENOMEM;
		p->maps = m;
		p->maps_cap = cap;
	}
	r = vfio_dma_map(&p->v, addr, size, ptr + (addr - base),
			 ((prot & VFU_PROT_READ) ? 1 : 0) | ((prot & VFU_PROT_WRITE) ? 2 : 0));
	if (r) {
		struct rlimit rl = { 0 };
		getrlimit(RLIMIT_MEMLOCK, &rl);
		p->cnt.dma_map_err++;
		LOG_RL(LOG_LVL_WARN, COMP, "%s: VFIO_IOMMU_MAP_DMA [0x%" PRIx64 ", +0x%" PRIx64
					   ") refused: %s%s%llu KiB)",
		       p->name, addr, size, strerror(-r),
		       r == -ENOMEM ? " (pinned memory is limited by RLIMIT_MEMLOCK, now "
				    : r == -ENOSPC ? " (the kernel's vfio_iommu_type1 dma_entry_limit; memlock "
						   : " (memlock ",
		       rl.rlim_cur == RLIM_INFINITY ? 0ull : (unsigned long long)rl.rlim_cur >> 10);
		return r;
	}
	p->maps[p->nmaps++] = (struct pt_iommu_map){ addr, size };
	p->cnt.dma_maps++;
	return 0;
}

static void cb_dma_unmap(void *opaque, uint64_t addr, uint64_t size)
{
	struct pt_dev *p = opaque;
	unsigned i;

	/* vfu unmaps whole mappings, as they were mapped (also once the client is gone). */
	for (i = 0; i < p->nmaps; i++)
		if (p->maps[i].iova == addr && p->maps[i].size == size)
			break;
	if (i == p->nmaps)
		return; /* no fd: never given to the IOMMU */
	p->maps[i] = p->maps[--p->nmaps];
	int r = vfio_dma_unmap(&p->v, addr, size);

	if (r) {
		p->cnt.dma_unmap_err++;
		LOG_RL(LOG_LVL_WARN, COMP, "%s: VFIO_IOMMU_UNMAP_DMA [0x%" PRIx64 ", +0x%" PRIx64
					   "): %s", p->name, addr, size, strerror(-r));
		return;
	}
	p->cnt.dma_unmaps++;
}

/* A client on a device given back (REQ): refused, there is nothing to serve. */
static void cb_attach(void *opaque)
{
	struct pt_dev *p = opaque;

	if (!p->released)
		return;
	p->cnt.clients_refused++;
	LOG_RL(LOG_LVL_WARN, COMP, "%s: %s was given back to the kernel: client refused", p->name,
	       p->v.bdf);
	vfu_disconnect(p->ctx);
}

static void cb_irq_changed(void *opaque, uint32_t index)
{
	pt_irq_update(opaque, index, true);
}

static const struct vfu_dev_ops vfu_ops = {
	.reset = cb_reset,
	.attach = cb_attach,
	.dma_map = cb_dma_map,
	.dma_unmap = cb_dma_unmap,
	.irq_changed = cb_irq_changed,
};

/* ---- lifecycle -------------------------------------------------------------- */

static void memlock_raise(struct pt_dev *p, uint64_t want)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_MEMLOCK, &rl))
		return;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_MEMLOCK, &rl);
	}
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want) {
		struct rlimit inf = { RLIM_INFINITY, RLIM_INFINITY };
		if (setrlimit(RLIMIT_MEMLOCK, &inf) == 0)
			rl = inf;
	}
	if (rl.rlim_cur == RLIM_INFINITY)
		LOG_INFO(COMP, "%s: RLIMIT_MEMLOCK unlimited: guest RAM is pinned as mapped", p->name);
	else
		LOG_WARN(COMP, "%s: RLIMIT_MEMLOCK is %llu KiB: a VM can map no more guest RAM "
			       "for the device than that (ulimit -l, or run with CAP_SYS_RESOURCE)",
			 p->name, (unsigned long long)rl.rlim_cur >> 10);
}

static struct dev_instance *pt_create(const struct dev_config *cfg, char *err, size_t errlen);
static struct net_port *pt_port(struct dev_instance *d, unsigned idx);
static void pt_dump_stats(struct dev_instance *d, FILE *out);

static void pt_destroy(struct dev_instance *d)
{
	struct pt_dev *p = to_pt(d);

	if (p->ctx)
		vfu_destroy(p->ctx); /* the client's mappings leave the IOMMU; a reset */
	pt_errreq_fini(p);
	pt_irq_fini(p);
	vfio_close(&p->v);
	free(p->maps);
	free(p);
}

static struct dev_instance *pt_create(const struct dev_config *cfg, char *err, size_t errlen)
{
	struct vfio_dev v;

	if (!cfg->vfio_dev || !cfg->vfio_dev[0]) {
		snprintf(err, errlen, "-m passthrough needs -d BDF (a PCI function bound to vfio-pci)");
		return NULL;
	}
	if (vfio_open(&v, cfg->vfio_dev, (enum vfio_api)cfg->vfio_api, err, errlen))
		return NULL;
	return pt_create_on(cfg, &v, err, errlen);
}

struct dev_instance *pt_create_on(const struct dev_config *cfg, struct vfio_dev *v, char *err,
				  size_t errlen)
{
	struct pt_dev *p;
	uint8_t devcfg[PT_CFG_MAX] = { 0 };
	struct pt_bar bars[6] = { 0 };
	unsigned csize;

	p = calloc(1, sizeof(*p));
	if (!p) {
		vfio_close(v);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	p->v = *v;
	p->er_efd[0] = p->er_efd[1] = -1;
	snprintf(p->name, sizeof(p->name), "%s", cfg->name);
	p->loop = cfg->loop;
	csize = p->v.reg[VFIO_REG_CONFIG].size >= PT_CFG_MAX ? PT_CFG_MAX : 256;
	if (p->v.reg[VFIO_REG_CONFIG].size < 256 ||
	    vfio_region_rw(&p->v, VFIO_REG_CONFIG, 0, devcfg, csize, false) != (ssize_t)csize) {
		snprintf(err, errlen, "%s: cannot read its config space", p->v.bdf);
		goto fail;
	}
	for (unsigned i = 0; i < 6; i++) {
		uint32_t bar;
		memcpy(&bar, devcfg + 0x10 + 4 * i, 4);
		bars[i].size = p->v.reg[i].size;
		bars[i].io = bar & 1;
		bars[i].mem64 = !(bar & 1) && ((bar >> 1) & 3) == 2;
		bars[i].prefetch = !(bar & 1) && (bar & 8);
		if (bars[i].mem64 && i < 5)
			bars[++i] = (struct pt_bar){ 0 };
	}
	if (pt_cfg_init(&p->cfg, devcfg, csize, bars, p->v.reg[VFIO_REG_ROM].size, &cfg_ops, p,
			err, errlen))
		goto fail;
	p->msix_n = p->cfg.msix_cap ? p->cfg.msix_nvec : 0;
	if (p->msix_n > p->v.irq[VFIO_PCI_MSIX].count)
		p->msix_n = p->v.irq[VFIO_PCI_MSIX].count;
	if (p->msix_n > 2048)
		p->msix_n = 2048;
	if (p->msix_n && (p->cfg.msix_table_bar > 5 || p->cfg.msix_pba_bar > 5 ||
			  (uint64_t)p->cfg.msix_table_off + p->msix_n * 16ull >
				  p->v.reg[p->cfg.msix_table_bar].size ||
			  (uint64_t)p->cfg.msix_pba_off + (p->msix_n + 63) / 64 * 8 >
				  p->v.reg[p->cfg.msix_pba_bar].size)) {
		snprintf(err, errlen, "%s: its MSI-X table or PBA lies outside its BAR", p->v.bdf);
		goto fail;
	}
	int r = pt_irq_init(p);
	if (r) {
		snprintf(err, errlen, "MSI-X vectors: %s", strerror(-r));
		goto fail;
	}
	pt_errreq_init(p);

	struct vfu_ctx_cfg vc = {
		.name = cfg->name,
		.dev_flags = VFU_DEV_F_PCI | VFU_DEV_F_RESET,
		.num_regions = VFU_PCI_NUM_REGIONS,
	};
	vc.irq_count[VFU_IRQ_INTX] = p->v.irq[VFIO_PCI_INTX].count && devcfg[0x3d] ? 1 : 0;
	vc.irq_count[VFU_IRQ_MSI] = p->cfg.msi_cap ? p->v.irq[VFIO_PCI_MSI].count : 0;
	if (vc.irq_count[VFU_IRQ_MSI] > 32)
		vc.irq_count[VFU_IRQ_MSI] = 32;
	vc.irq_count[VFU_IRQ_MSIX] = p->msix_n;
	vc.irq_count[VFU_IRQ_ERR] = 1;
	vc.irq_count[VFU_IRQ_REQ] = 1;
	if (cfg->max_guest_ram)
		vc.limits.max_dma_total = cfg->max_guest_ram;
	if (p->v.has_dma_avail && p->v.dma_avail < 1024)
		vc.limits.max_dma_maps = p->v.dma_avail ? p->v.dma_avail : 1;
	p->ctx = vfu_create(&vc, &vfu_ops, p);
	if (!p->ctx) {
		snprintf(err, errlen, "cannot create its vfio-user endpoint");
		goto fail;
	}
	if (regions_setup(p, err, errlen))
		goto fail;
	memlock_raise(p, cfg->max_guest_ram ? cfg->max_guest_ram : 1ull << 40);
	do_reset(p, "start");
	p->cnt.resets = 0;
	r = vfu_listen(p->ctx, cfg->loop, cfg->socket_path);
	if (r) {
		snprintf(err, errlen, "cannot listen on %s: %s", cfg->socket_path, strerror(-r));
		goto fail;
	}
	p->head.model = &passthrough_model;
	p->head.pci = NULL;
	p->head.vfu = p->ctx;
	p->head.nports = 0;
	p->head.nvectors = (uint16_t)p->msix_n;
	LOG_INFO(COMP, "%s: %s (%04x:%04x) on %s: INTx %u, MSI %u, MSI-X %u vectors", p->name,
		 p->v.bdf, devcfg[0] | devcfg[1] << 8, devcfg[2] | devcfg[3] << 8, cfg->socket_path,
		 vc.irq_count[VFU_IRQ_INTX], vc.irq_count[VFU_IRQ_MSI], p->msix_n);
	return &p->head;
fail:
	pt_destroy(&p->head);
	return NULL;
}

static struct net_port *pt_port(struct dev_instance *d, unsigned idx)
{
	(void)d;
	(void)idx;
	return NULL;
}

static void pt_dump_stats(struct dev_instance *d, FILE *out)
{
	struct pt_dev *p = to_pt(d);
	const struct pt_counters *c = &p->cnt;

	fprintf(out,
		"\"bdf\":\"%s\",\"vfio_api\":\"%s\",\"resets\":%" PRIu64 ",\"reset_err\":%" PRIu64
		",\"dma_maps\":%" PRIu64
		",\"dma_unmaps\":%" PRIu64 ",\"dma_map_err\":%" PRIu64 ",\"dma_unmap_err\":%" PRIu64
		",\"dma_nofd\":%" PRIu64 ",\"bar_rw_err\":%" PRIu64 ",\"bar_straddle\":%" PRIu64
		",\"msix_table_writes\":%" PRIu64 ",\"pba_writes_dropped\":%" PRIu64
		",\"msix_held\":%" PRIu64 ",\"msix_released\":%" PRIu64 ",\"irq_set_err\":%" PRIu64
		",\"intx_unmasks\":%" PRIu64 ",\"cfg_writes_dropped\":%" PRIu64
		",\"cfg_dev_errors\":%" PRIu64 ",\"err_irqs\":%" PRIu64 ",\"err_forwarded\":%" PRIu64
		",\"req_irqs\":%" PRIu64 ",\"clients_refused\":%" PRIu64 ",\"released\":%s"
		",\"msix_on\":%s,\"msi_on\":%s,\"intx_on\":%s",
		p->v.bdf, vfio_api_name(p->v.api), c->resets, c->reset_err, c->dma_maps, c->dma_unmaps,
		c->dma_map_err,
		c->dma_unmap_err, c->dma_nofd, c->bar_rw_err, c->bar_straddle, c->msix_table_writes,
		c->pba_writes_dropped, c->msix_held, c->msix_released, c->irq_set_err,
		c->intx_unmasks, p->cfg.writes_dropped, p->cfg.dev_errors, c->err_irqs,
		c->err_forwarded, c->req_irqs, c->clients_refused, p->released ? "true" : "false",
		p->msix_on ? "true" : "false", p->msi_on ? "true" : "false",
		p->intx_on ? "true" : "false");
}

const struct dev_model passthrough_model = {
	.name = "passthrough",
	.description = "a real PCI function bound to vfio-pci (-d BDF), passed through",
	.create = pt_create,
	.destroy = pt_destroy,
	.port = pt_port,
	.dump_stats = pt_dump_stats,
	.caps = DEV_CAP_PASSTHROUGH | DEV_CAP_MSIX,
};
