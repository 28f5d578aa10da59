/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The fixture device (see fixture.h). Region callbacks run on the loop
 * thread; DMA commands are deferred to an eventfd handler on the same loop,
 * because vfu_dma_read/write must not run inside a region callback (the
 * client is waiting for that region reply and cannot answer a DMA request).
 */
#include "fixture.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/loop.h"
#include "itest.h"

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static void wr32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

static uint64_t rd64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* ---- config space ------------------------------------------------------ */

static void cfg_w16(struct fx_dev *d, size_t off, uint16_t v, uint16_t wmask)
{
	memcpy(d->cfg + off, &v, 2);
	memcpy(d->cfg_wmask + off, &wmask, 2);
}

static void cfg_w32(struct fx_dev *d, size_t off, uint32_t v, uint32_t wmask)
{
	memcpy(d->cfg + off, &v, 4);
	memcpy(d->cfg_wmask + off, &wmask, 4);
}

static void cfg_build(struct fx_dev *d)
{
	memset(d->cfg, 0, sizeof(d->cfg));
	memset(d->cfg_wmask, 0, sizeof(d->cfg_wmask));
	cfg_w16(d, 0x00, FX_VENDOR, 0);
	cfg_w16(d, 0x02, FX_DEVICE, 0);
	cfg_w16(d, 0x04, 0, 0x0547);          /* command: IO MEM MASTER PERR SERR INTX_DIS */
	cfg_w16(d, 0x06, 0x0010, 0);          /* status: capability list */
	cfg_w32(d, 0x08, 0x02000001, 0);      /* ethernet controller, revision 1 */
	d->cfg[0x0e] = 0x00;                  /* header type 0 */
	cfg_w32(d, 0x10, 0x00000000, 0xfffff000); /* BAR0: 4 KiB mem32 */
	cfg_w32(d, 0x14, 0x0000000c, 0xffffe000); /* BAR1: 8 KiB mem64 prefetchable */
	cfg_w32(d, 0x18, 0x00000000, 0xffffffff); /* BAR1 upper half */
	cfg_w32(d, 0x20, 0x00000001, 0xffffffe0); /* BAR4: 32 bytes of I/O ports */
	cfg_w32(d, 0x30, 0x00000000, 0xfffff801); /* expansion ROM: 2 KiB */
	cfg_w16(d, 0x2c, 0x1af4, 0);
	cfg_w16(d, 0x2e, 0x0042, 0);
	d->cfg[0x34] = 0x40;
	d->cfg[0x3c] = 0xff;
	d->cfg_wmask[0x3c] = 0xff;
	d->cfg[0x3d] = 1;                     /* INTA */

	/* PM at 0x40: version 3, D3hot PME */
	cfg_w16(d, 0x40, 0x5001, 0);
	cfg_w16(d, 0x42, 0x4803, 0);
	cfg_w16(d, 0x44, 0x0008, 0x0003);
	/* MSI at 0x50: 64-bit, per-vector mask, 1 vector */
	cfg_w16(d, 0x50, 0x7005, 0);
	cfg_w16(d, 0x52, 0x0180, 0x0001);
	cfg_w32(d, 0x54, 0, 0xfffffffc);
	cfg_w32(d, 0x58, 0, 0xffffffff);
	cfg_w16(d, 0x5c, 0, 0xffff);
	/* MSI-X at 0x70: 8 vectors, table BAR0+0x400, PBA BAR0+0x600 */
	cfg_w16(d, 0x70, 0x8011, 0);
	cfg_w16(d, 0x72, 0x0007, 0xc000);
	cfg_w32(d, 0x74, 0x00000400, 0);
	cfg_w32(d, 0x78, 0x00000600, 0);
	/* PCIe at 0x80: v2 endpoint, 2.5 GT/s x1 */
	cfg_w16(d, 0x80, 0x0010, 0);
	cfg_w16(d, 0x82, 0x0002, 0);
	cfg_w32(d, 0x84, 0x00008000, 0);      /* devcap: MPS 128, role-based errors */
	cfg_w16(d, 0x88, 0x2810, 0x7fff);
	cfg_w32(d, 0x8c, 0x00000011, 0);      /* linkcap: 2.5 GT/s x1 */
	cfg_w16(d, 0x92, 0x1011, 0);          /* linksta: 2.5 GT/s x1 */
	if (d->cfg_size > 256) {
		/* DSN extended capability at 0x100 */
		cfg_w32(d, 0x100, 0x00010003, 0);
		cfg_w32(d, 0x104, 0x00c0ffee, 0);
		cfg_w32(d, 0x108, 0x12345678, 0);
	}
}

static ssize_t cfg_access(struct fx_dev *d, uint64_t off, uint8_t *buf, size_t count, bool wr)
{
	if (!wr) {
		memcpy(buf, d->cfg + off, count);
		return (ssize_t)count;
	}
	for (size_t i = 0; i < count; i++) {
		uint8_t m = d->cfg_wmask[off + i];

		d->cfg[off + i] = (uint8_t)((d->cfg[off + i] & ~m) | (buf[i] & m));
	}
	return (ssize_t)count;
}

/* ---- registers ------------------------------------------------------------ */

static void kick(struct fx_dev *d)
{
	uint64_t one = 1;

	if (write(d->kick, &one, sizeof(one)) < 0)
		fprintf(stderr, "fixture: kick: %s\n", strerror(errno));
}

static void reg_write32(struct fx_dev *d, uint64_t off, uint32_t v)
{
	int r;

	switch (off) {
	case FX_MSIX:
		r = vfu_irq_trigger(d->ctx, VFU_IRQ_MSIX, v);
		wr32(d->regs + FX_IRQ_RESULT, (uint32_t)r);
		break;
	case FX_MSI:
		r = vfu_irq_trigger(d->ctx, VFU_IRQ_MSI, v);
		wr32(d->regs + FX_IRQ_RESULT, (uint32_t)r);
		break;
	case FX_ERR:
		r = vfu_irq_trigger(d->ctx, VFU_IRQ_ERR, v);
		wr32(d->regs + FX_IRQ_RESULT, (uint32_t)r);
		break;
	case FX_REQ:
		r = vfu_irq_trigger(d->ctx, VFU_IRQ_REQ, v);
		wr32(d->regs + FX_IRQ_RESULT, (uint32_t)r);
		break;
	case FX_INTX:
		vfu_intx_set(d->ctx, v != 0);
		wr32(d->regs + FX_INTX, v != 0);
		break;
	case FX_DMA_CMD:
		wr32(d->regs + FX_DMA_CMD, v);
		wr32(d->regs + FX_DMA_STATUS, FX_ST_PENDING);
		kick(d);
		break;
	case FX_PAGE:
		wr32(d->mem, v);
		wr32(d->mem + 4096, v);
		break;
	default:
		break;
	}
}

static bool reg_rw(uint64_t off)
{
	return off == FX_SCRATCH || (off >= FX_DMA_SRC && off < FX_DMA_CMD) || off == FX_DMA_VEC ||
	       off >= FX_BUF;
}

static void counters_to_regs(struct fx_dev *d)
{
	wr32(d->regs + FX_RESETS, atomic_load(&d->resets));
	wr32(d->regs + FX_ATTACHES, atomic_load(&d->attaches));
	wr32(d->regs + FX_MAPS, atomic_load(&d->maps));
	wr32(d->regs + FX_UNMAPS, atomic_load(&d->unmaps));
	wr32(d->regs + FX_IRQ_CHANGES, atomic_load(&d->irq_changes));
}

static ssize_t regs_access(struct fx_dev *d, uint64_t off, uint8_t *buf, size_t count, bool wr)
{
	if (!wr) {
		counters_to_regs(d);
		memcpy(buf, d->regs + off, count);
		return (ssize_t)count;
	}
	/* byte-wise for plain registers; whole aligned dwords trigger actions */
	if (count == 4 && !(off & 3) && !reg_rw(off)) {
		reg_write32(d, off, rd32(buf));
		return 4;
	}
	for (size_t i = 0; i < count; i++)
		if (reg_rw((off + i) & ~3ull))
			d->regs[off + i] = buf[i];
	return (ssize_t)count;
}

static ssize_t region_cb(void *opaque, uint32_t region, uint64_t offset, void *buf, size_t count,
			 bool is_write)
{
	struct fx_dev *d = opaque;

	switch (region) {
	case VFU_PCI_BAR0:
		return regs_access(d, offset, buf, count, is_write);
	case VFU_PCI_BAR1:
		if (is_write)
			memcpy(d->mem + offset, buf, count);
		else
			memcpy(buf, d->mem + offset, count);
		return (ssize_t)count;
	case VFU_PCI_BAR4:
		/* I/O ports: read as zero, writes ignored */
		if (!is_write)
			memset(buf, 0, count);
		return (ssize_t)count;
	case VFU_PCI_ROM:
		memset(buf, 0, count);
		if (offset == 0 && count >= 2)
			memcpy(buf, "\x55\xaa", 2);
		return (ssize_t)count;
	case VFU_PCI_CONFIG:
		return cfg_access(d, offset, buf, count, is_write);
	default:
		return -EINVAL;
	}
}

/* ---- deferred DMA ------------------------------------------------------------ */

static int dma_run(struct fx_dev *d)
{
	uint64_t src = rd64(d->regs + FX_DMA_SRC), dst = rd64(d->regs + FX_DMA_DST);
	uint32_t len = rd32(d->regs + FX_DMA_LEN);
	uint8_t *tmp;
	int r;

	switch (rd32(d->regs + FX_DMA_CMD)) {
	case FX_CMD_COPY:
		if (len > 65536)
			return -EINVAL;
		tmp = malloc(len ? len : 1);
		if (!tmp)
			return -ENOMEM;
		r = vfu_dma_read(d->ctx, src, tmp, len);
		if (r == 0)
			r = vfu_dma_write(d->ctx, dst, tmp, len);
		free(tmp);
		return r;
	case FX_CMD_READ:
		if (len > FX_BUF_SIZE)
			return -EINVAL;
		return vfu_dma_read(d->ctx, src, d->regs + FX_BUF, len);
	case FX_CMD_WRITE:
		if (len > FX_BUF_SIZE)
			return -EINVAL;
		return vfu_dma_write(d->ctx, dst, d->regs + FX_BUF, len);
	default:
		return -EINVAL;
	}
}

static void on_kick(void *arg, uint32_t events)
{
	struct fx_dev *d = arg;
	uint32_t vec;
	uint64_t v;
	int r;

	if (read(d->kick, &v, sizeof(v)) != sizeof(v))
		return;
	if (rd32(d->regs + FX_DMA_STATUS) != FX_ST_PENDING)
		return;
	r = dma_run(d);
	wr32(d->regs + FX_DMA_STATUS, r ? FX_ST_ERR | (uint32_t)-r : FX_ST_DONE);
	wr32(d->regs + FX_DMA_DONE, rd32(d->regs + FX_DMA_DONE) + 1);
	vec = rd32(d->regs + FX_DMA_VEC);
	if (vec && vfu_connected(d->ctx))
		vfu_irq_trigger(d->ctx, VFU_IRQ_MSIX, vec - 1);
}

/* ---- device callbacks ---------------------------------------------------------- */

static void dev_reset(void *opaque, enum vfu_reset_reason why)
{
	struct fx_dev *d = opaque;
	uint32_t done = rd32(d->regs + FX_DMA_DONE);

	atomic_fetch_add(&d->resets, 1);
	memset(d->regs, 0, sizeof(d->regs));
	wr32(d->regs + FX_ID, FX_ID_VALUE);
	wr32(d->regs + FX_DMA_DONE, done);
	cfg_build(d);
}

static void dev_attach(void *opaque)
{
	atomic_fetch_add(&((struct fx_dev *)opaque)->attaches, 1);
}

static int dev_dma_map(void *opaque, uint64_t addr, uint64_t size)
{
	atomic_fetch_add(&((struct fx_dev *)opaque)->maps, 1);
	return 0;
}

static void dev_dma_unmap(void *opaque, uint64_t addr, uint64_t size)
{
	atomic_fetch_add(&((struct fx_dev *)opaque)->unmaps, 1);
}

static void dev_irq_changed(void *opaque, uint32_t index)
{
	atomic_fetch_add(&((struct fx_dev *)opaque)->irq_changes, 1);
}

static const struct vfu_dev_ops fx_ops = {
	.reset = dev_reset,
	.attach = dev_attach,
	.dma_map = dev_dma_map,
	.dma_unmap = dev_dma_unmap,
	.irq_changed = dev_irq_changed,
};

/* ---- lifecycle ------------------------------------------------------------------ */

static int dev_init(struct fx *fx, struct fx_dev *d, unsigned idx, const struct fx_opts *o)
{
	struct vfu_ctx_cfg cfg = {
		.dev_flags = VFU_DEV_F_PCI | VFU_DEV_F_RESET,
		.num_regions = VFU_PCI_NUM_REGIONS,
		.irq_count = { 1, 1, 8, 1, 1 },
		.limits = o->limits,
	};
	struct vfu_region_desc r0 = { .size = 4096, .flags = VFU_REGION_F_READ | VFU_REGION_F_WRITE,
				      .access = region_cb, .mmap_fd = -1 };
	struct vfu_region_desc r1 = { .size = FX_REGION1_SIZE,
				      .flags = VFU_REGION_F_READ | VFU_REGION_F_WRITE,
				      .access = region_cb, .nr_sparse = 1,
				      .sparse = { { .offset = 4096, .size = 4096 } } };
	struct vfu_region_desc r4 = { .size = 32, .flags = VFU_REGION_F_READ | VFU_REGION_F_WRITE,
				      .access = region_cb, .mmap_fd = -1 };
	struct vfu_region_desc r6 = { .size = 2048, .flags = VFU_REGION_F_READ,
				      .access = region_cb, .mmap_fd = -1 };
	struct vfu_region_desc r7 = { .flags = VFU_REGION_F_READ | VFU_REGION_F_WRITE,
				      .access = region_cb, .mmap_fd = -1 };
	char name[16];

	d->fx = fx;
	d->idx = idx;
	d->kick = -1;
	d->memfd = -1;
	d->cfg_size = o->cfg_size == 4096 ? 4096 : 256;
	snprintf(d->path, sizeof(d->path), "%s/dev%u.sock", fx->dir, idx);
	snprintf(name, sizeof(name), "fx%u", idx);
	cfg.name = name;
	dev_reset(d, VFU_RESET_DEVICE);
	atomic_store(&d->resets, 0);

	d->memfd = memfd_create("fx-bar1", MFD_CLOEXEC);
	if (d->memfd < 0 || ftruncate(d->memfd, FX_REGION1_SIZE) < 0)
		return -1;
	d->mem = mmap(NULL, FX_REGION1_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, d->memfd, 0);
	if (d->mem == MAP_FAILED) {
		d->mem = NULL;
		return -1;
	}
	r1.mmap_fd = d->memfd;
	r7.size = d->cfg_size;

	d->ctx = vfu_create(&cfg, &fx_ops, d);
	if (!d->ctx)
		return -1;
	if (vfu_set_region(d->ctx, VFU_PCI_BAR0, &r0) < 0 ||
	    vfu_set_region(d->ctx, VFU_PCI_BAR1, &r1) < 0 ||
	    vfu_set_region(d->ctx, VFU_PCI_BAR4, &r4) < 0 ||
	    vfu_set_region(d->ctx, VFU_PCI_ROM, &r6) < 0 ||
	    vfu_set_region(d->ctx, VFU_PCI_CONFIG, &r7) < 0)
		return -1;
	d->kick = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (d->kick < 0)
		return -1;
	d->kick_lfd = loop_add_fd(fx->loop, d->kick, EPOLLIN, on_kick, d);
	if (!d->kick_lfd)
		return -1;
	return vfu_listen(d->ctx, fx->loop, d->path) < 0 ? -1 : 0;
}

static void dev_fini(struct fx *fx, struct fx_dev *d)
{
	if (d->ctx)
		vfu_destroy(d->ctx);
	if (d->kick_lfd)
		loop_del_fd(fx->loop, d->kick_lfd);
	if (d->kick >= 0)
		close(d->kick);
	if (d->mem)
		munmap(d->mem, FX_REGION1_SIZE);
	if (d->memfd >= 0)
		close(d->memfd);
	d->ctx = NULL;
}

static void *fx_thread(void *arg)
{
	struct fx *fx = arg;

	loop_run(fx->loop);
	return NULL;
}

struct fx *fx_start(const struct fx_opts *o)
{
	struct fx_opts def = { .ndev = 1 };
	struct fx *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return NULL;
	if (!o)
		o = &def;
	fx->ndev = o->ndev ? o->ndev : 1;
	for (unsigned i = 0; i < FX_MAX_DEV; i++) {
		fx->dev[i].kick = -1;
		fx->dev[i].memfd = -1;
	}
	if (fx->ndev > FX_MAX_DEV || it_mkdtemp(fx->dir, sizeof(fx->dir)) < 0) {
		free(fx);
		return NULL;
	}
	fx->loop = loop_create();
	if (!fx->loop)
		goto fail;
	for (unsigned i = 0; i < fx->ndev; i++)
		if (dev_init(fx, &fx->dev[i], i, o) < 0)
			goto fail;
	if (pthread_create(&fx->th, NULL, fx_thread, fx) != 0)
		goto fail;
	fx->running = true;
	return fx;
fail:
	fx_stop(fx);
	return NULL;
}

void fx_stop(struct fx *fx)
{
	if (!fx)
		return;
	if (fx->running) {
		loop_stop(fx->loop);
		pthread_join(fx->th, NULL);
	}
	for (unsigned i = 0; i < fx->ndev; i++)
		dev_fini(fx, &fx->dev[i]);
	if (fx->loop)
		loop_destroy(fx->loop);
	it_rmtree(fx->dir);
	free(fx);
}
