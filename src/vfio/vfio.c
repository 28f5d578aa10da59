/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vfio: a PCI function through the VFIO container/group API (type-1 v2
 * IOMMU) or its device cdev (iommufd.c): open, regions, IRQs, DMA mappings,
 * interrupts, reset, release.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "core/log.h"
#include "vfio/vfio.h"
#include "vfio/vfio_priv.h"

#define COMP "vfio"

static int fail(char *err, size_t errlen, int r, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t errlen, int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return r;
}

static int read_region(struct vfio_dev *d, unsigned idx)
{
	struct vfio_region *r = &d->reg[idx];
	struct vfio_region_info ri = { .argsz = sizeof(ri), .index = idx };
	uint8_t *buf;

	memset(r, 0, sizeof(*r));
	if (ioctl(d->fd, VFIO_DEVICE_GET_REGION_INFO, &ri) < 0)
		return errno == EINVAL ? 0 : -errno; /* absent (VGA on most functions) */
	r->size = ri.size;
	r->offset = ri.offset;
	r->flags = ri.flags;
	if (!(ri.flags & VFIO_REGION_INFO_FLAG_CAPS) || ri.argsz <= sizeof(ri) || ri.argsz > 65536)
		return 0;
	buf = calloc(1, ri.argsz);
	if (!buf)
		return -ENOMEM;
	struct vfio_region_info *full = (struct vfio_region_info *)(void *)buf;
	full->argsz = ri.argsz;
	full->index = idx;
	int ret = 0;
	if (ioctl(d->fd, VFIO_DEVICE_GET_REGION_INFO, full) < 0) {
		ret = -errno;
	} else if (full->flags & VFIO_REGION_INFO_FLAG_CAPS) {
		ret = vfio_parse_region_caps(buf, ri.argsz, full->cap_offset, r);
		if (ret)
			LOG_WARN(COMP, "%s: region %u: capability chain refused (%s); nothing of it "
				       "is mapped", d->bdf, idx, strerror(-ret));
		if (ret) {
			r->flags &= ~(uint32_t)VFIO_REGION_INFO_FLAG_MMAP;
			ret = 0;
		}
	}
	free(buf);
	return ret;
}

static void iommu_info(struct vfio_dev *d)
{
	struct vfio_iommu_type1_info hdr = { .argsz = sizeof(hdr) };
	uint8_t *buf;

	if (ioctl(d->container, VFIO_IOMMU_GET_INFO, &hdr) < 0)
		return;
	d->iova_pgsizes = hdr.iova_pgsizes;
	if (!(hdr.flags & VFIO_IOMMU_INFO_CAPS) || hdr.argsz <= sizeof(hdr) || hdr.argsz > 65536)
		return;
	buf = calloc(1, hdr.argsz);
	if (!buf)
		return;
	struct vfio_iommu_type1_info *full = (void *)buf;
	full->argsz = hdr.argsz;
	if (ioctl(d->container, VFIO_IOMMU_GET_INFO, full) == 0 &&
	    (full->flags & VFIO_IOMMU_INFO_CAPS)) {
		uint32_t off = full->cap_offset;
		for (unsigned hops = 0; off && off + sizeof(struct vfio_info_cap_header) <= hdr.argsz &&
					hops < 64; hops++) {
			struct vfio_info_cap_header h;
			memcpy(&h, buf + off, sizeof(h));
			if (h.id == VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL &&
			    off + sizeof(struct vfio_iommu_type1_info_dma_avail) <= hdr.argsz) {
				struct vfio_iommu_type1_info_dma_avail a;
				memcpy(&a, buf + off, sizeof(a));
				d->dma_avail = a.avail;
				d->has_dma_avail = true;
			}
			if (h.next <= off)
				break;
			off = h.next;
		}
	}
	free(buf);
}

/* The group API: the group (viable), its own container with the type-1 v2 IOMMU, the device fd. */
static int group_open(struct vfio_dev *d, char *err, size_t errlen)
{
	struct vfio_group_status gs = { .argsz = sizeof(gs) };
	char path[64];
	int r;

	d->container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (d->container < 0) {
		r = -errno;
		return fail(err, errlen, r, "/dev/vfio/vfio: %s", strerror(-r));
	}
	if (ioctl(d->container, VFIO_GET_API_VERSION) != VFIO_API_VERSION ||
	    ioctl(d->container, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) <= 0)
		return fail(err, errlen, -ENOTSUP, "the kernel's VFIO has no type-1 v2 IOMMU");
	snprintf(path, sizeof(path), "/dev/vfio/%d", d->groupno);
	d->group = open(path, O_RDWR | O_CLOEXEC);
	if (d->group < 0) {
		r = -errno;
		return fail(err, errlen, r, "%s (group of %s): %s%s", path, d->bdf, strerror(-r),
			    r == -EBUSY ? " (another process holds it)" : "");
	}
	if (ioctl(d->group, VFIO_GROUP_GET_STATUS, &gs) < 0 || !(gs.flags & VFIO_GROUP_FLAGS_VIABLE))
		return fail(err, errlen, -EPERM, "IOMMU group %d of %s is not viable: bind every "
						 "device in /sys/kernel/iommu_groups/%d/devices to "
						 "vfio-pci (or unbind it)", d->groupno, d->bdf,
			    d->groupno);
	if (ioctl(d->group, VFIO_GROUP_SET_CONTAINER, &d->container) < 0 ||
	    ioctl(d->container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU) < 0) {
		r = -errno;
		return fail(err, errlen, r, "group %d: cannot set up the type-1 v2 IOMMU: %s",
			    d->groupno, strerror(-r));
	}
	d->fd = ioctl(d->group, VFIO_GROUP_GET_DEVICE_FD, d->bdf);
	if (d->fd < 0) {
		r = -errno;
		return fail(err, errlen, r, "%s: no device fd: %s", d->bdf, strerror(-r));
	}
	return 0;
}

int vfio_open(struct vfio_dev *d, const char *bdf, enum vfio_api want, char *err, size_t errlen)
{
	char path[128], link[PATH_MAX], drv[PATH_MAX];
	struct vfio_device_info di = { .argsz = sizeof(di) };
	ssize_t n;
	int r;

	memset(d, 0, sizeof(*d));
	d->container = d->group = d->fd = d->iommufd = -1;
	if (vfio_parse_bdf(bdf, d->bdf))
		return fail(err, errlen, -EINVAL, "'%s' is not a PCI address (DDDD:BB:DD.F)", bdf);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", d->bdf);
	n = readlink(path, drv, sizeof(drv) - 1);
	if (n < 0)
		return fail(err, errlen, -ENODEV, "%s: %s", d->bdf,
			    errno == ENOENT ? "no such PCI function, or bound to no driver (bind it "
					      "to vfio-pci)" : strerror(errno));
	drv[n] = '\0';
	if (strcmp(strrchr(drv, '/') ? strrchr(drv, '/') + 1 : drv, "vfio-pci"))
		return fail(err, errlen, -EBUSY, "%s is bound to %s, not vfio-pci", d->bdf,
			    strrchr(drv, '/') ? strrchr(drv, '/') + 1 : drv);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group", d->bdf);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return fail(err, errlen, -ENODEV, "%s has no IOMMU group (no IOMMU enabled?)",
			    d->bdf);
	link[n] = '\0';
	d->groupno = atoi(strrchr(link, '/') ? strrchr(link, '/') + 1 : link);

	bool have_cdev = access("/dev/iommu", F_OK) == 0 &&
			 vfio_find_cdev("/sys", d->bdf, d->cdev, sizeof(d->cdev)) == 0;
	r = vfio_pick_api(want, have_cdev);
	if (r < 0)
		return fail(err, errlen, r, "%s: --vfio-api cdev, but the kernel offers no %s "
					    "(iommufd and VFIO's device cdev: Linux 6.6+ with "
					    "CONFIG_IOMMUFD and CONFIG_VFIO_DEVICE_CDEV)", d->bdf,
			    access("/dev/iommu", F_OK) ? "/dev/iommu" : "device cdev for it");
	d->api = (enum vfio_api)r;
	r = d->api == VFIO_API_CDEV ? vfio_cdev_open(d, err, errlen) : group_open(d, err, errlen);
	if (r) {
		vfio_close(d);
		return r;
	}
	if (ioctl(d->fd, VFIO_DEVICE_GET_INFO, &di) < 0 || !(di.flags & VFIO_DEVICE_FLAGS_PCI) ||
	    di.num_regions <= VFIO_REG_CONFIG) {
		vfio_close(d);
		return fail(err, errlen, -ENODEV, "%s is not a VFIO PCI device", d->bdf);
	}
	d->flags = di.flags;
	d->num_regions = di.num_regions;
	d->num_irqs = di.num_irqs;
	for (unsigned i = 0; i < VFIO_NREGIONS && i < di.num_regions; i++) {
		r = read_region(d, i);
		if (r) {
			vfio_close(d);
			return fail(err, errlen, r, "%s: region %u: %s", d->bdf, i, strerror(-r));
		}
	}
	for (unsigned i = 0; i < VFIO_NIRQS && i < di.num_irqs; i++) {
		struct vfio_irq_info ii = { .argsz = sizeof(ii), .index = i };
		if (ioctl(d->fd, VFIO_DEVICE_GET_IRQ_INFO, &ii) == 0)
			d->irq[i] = (struct vfio_irq){ ii.flags, ii.count };
	}
	if (d->api == VFIO_API_GROUP)
		iommu_info(d);
	if (d->api == VFIO_API_CDEV)
		snprintf(path, sizeof(path), "cdev %s, iommufd IOAS %u", d->cdev, d->ioas_id);
	else
		snprintf(path, sizeof(path), "group %d", d->groupno);
	LOG_INFO(COMP, "%s: %s, %u regions, INTx %u MSI %u MSI-X %u ERR %u REQ %u, reset %s%s",
		 d->bdf, path, d->num_regions, d->irq[VFIO_PCI_INTX].count,
		 d->irq[VFIO_PCI_MSI].count, d->irq[VFIO_PCI_MSIX].count,
		 d->irq[VFIO_PCI_ERR].count, d->irq[VFIO_PCI_REQ].count,
		 d->flags & VFIO_DEVICE_FLAGS_RESET ? "yes" : "no",
		 d->api == VFIO_API_GROUP && have_cdev ? " (the cdev forced off: --vfio-api group)"
						      : "");
	return 0;
}

bool vfio_is_open(const struct vfio_dev *d)
{
	return d->be || d->fd >= 0;
}

void vfio_close(struct vfio_dev *d)
{
	if (d->be) {
		for (unsigned i = 0; i < VFIO_NIRQS; i++)
			if (d->irq[i].count)
				vfio_irq_disable(d, i);
		if (d->be->close)
			d->be->close(d);
		d->be = NULL;
		d->fd = -1; /* the fake's fd is its owner's */
		return;
	}
	if (d->fd >= 0) {
		for (unsigned i = 0; i < VFIO_NIRQS; i++)
			if (d->irq[i].count)
				vfio_irq_disable(d, i);
	}
	if (d->api == VFIO_API_CDEV) {
		vfio_cdev_close(d);
		return;
	}
	if (d->fd >= 0)
		close(d->fd);
	if (d->group >= 0) {
		if (d->container >= 0)
			ioctl(d->group, VFIO_GROUP_UNSET_CONTAINER);
		close(d->group);
	}
	if (d->container >= 0)
		close(d->container);
	d->fd = d->group = d->container = -1;
}

ssize_t vfio_region_rw(struct vfio_dev *d, unsigned idx, uint64_t off, void *buf, size_t len,
		       bool is_write)
{
	if (!vfio_is_open(d))
		return -ENODEV;
	if (idx >= VFIO_NREGIONS || off > d->reg[idx].size || len > d->reg[idx].size - off)
		return -EINVAL;
	if (d->be)
		return d->be->region_rw(d, idx, off, buf, len, is_write);
	ssize_t n = is_write ? pwrite(d->fd, buf, len, (off_t)(d->reg[idx].offset + off))
			     : pread(d->fd, buf, len, (off_t)(d->reg[idx].offset + off));
	return n < 0 ? -errno : n;
}

int vfio_dma_map(struct vfio_dev *d, uint64_t iova, uint64_t size, void *vaddr, int prot)
{
	struct vfio_iommu_type1_dma_map m = {
		.argsz = sizeof(m),
		.flags = ((prot & 1) ? VFIO_DMA_MAP_FLAG_READ : 0) |
			 ((prot & 2) ? VFIO_DMA_MAP_FLAG_WRITE : 0),
		.vaddr = (uint64_t)(uintptr_t)vaddr,
		.iova = iova,
		.size = size,
	};
	if (!vfio_is_open(d))
		return -ENODEV;
	if (d->be)
		return d->be->dma_map(d, iova, size, vaddr, prot);
	if (d->api == VFIO_API_CDEV)
		return vfio_cdev_map(d, iova, size, vaddr, prot);
	return ioctl(d->container, VFIO_IOMMU_MAP_DMA, &m) < 0 ? -errno : 0;
}

int vfio_dma_unmap(struct vfio_dev *d, uint64_t iova, uint64_t size)
{
	struct vfio_iommu_type1_dma_unmap u = { .argsz = sizeof(u), .iova = iova, .size = size };

	if (!vfio_is_open(d))
		return -ENODEV;
	if (d->be)
		return d->be->dma_unmap(d, iova, size);
	if (d->api == VFIO_API_CDEV)
		return vfio_cdev_unmap(d, iova, size);

	if (ioctl(d->container, VFIO_IOMMU_UNMAP_DMA, &u) < 0)
		return -errno;
	return u.size == size ? 0 : -ENOENT;
}

static int set_irqs(struct vfio_dev *d, uint32_t flags, unsigned index, unsigned start,
		    unsigned count, const void *data, size_t dlen)
{
	if (!vfio_is_open(d))
		return -ENODEV;
	if (d->be)
		return d->be->set_irqs(d, flags, index, start, count, data);
	size_t sz = sizeof(struct vfio_irq_set) + dlen;
	uint8_t stackbuf[sizeof(struct vfio_irq_set) + 64 * sizeof(int)];
	uint8_t *buf = sz <= sizeof(stackbuf) ? stackbuf : malloc(sz);
	int r = 0;

	if (!buf)
		return -ENOMEM;
	struct vfio_irq_set *s = (struct vfio_irq_set *)(void *)buf;
	s->argsz = (uint32_t)sz;
	s->flags = flags;
	s->index = index;
	s->start = start;
	s->count = count;
	if (dlen)
		memcpy(s->data, data, dlen);
	if (ioctl(d->fd, VFIO_DEVICE_SET_IRQS, s) < 0)
		r = -errno;
	if (buf != stackbuf)
		free(buf);
	return r;
}

int vfio_irq_set_eventfds(struct vfio_dev *d, unsigned index, unsigned start, unsigned count,
			  const int *fds)
{
	if (index >= VFIO_NIRQS || !count || start + count > d->irq[index].count)
		return -EINVAL;
	return set_irqs(d, VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER, index, start,
			count, fds, count * sizeof(int));
}

int vfio_irq_unmask_eventfd(struct vfio_dev *d, int fd)
{
	return set_irqs(d, VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_UNMASK, VFIO_PCI_INTX, 0,
			1, &fd, sizeof(fd));
}

int vfio_irq_disable(struct vfio_dev *d, unsigned index)
{
	return set_irqs(d, VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER, index, 0, 0, NULL,
			0);
}

int vfio_irq_mask(struct vfio_dev *d, unsigned index, unsigned sub, bool mask)
{
	return set_irqs(d, VFIO_IRQ_SET_DATA_NONE |
				   (mask ? VFIO_IRQ_SET_ACTION_MASK : VFIO_IRQ_SET_ACTION_UNMASK),
			index, sub, 1, NULL, 0);
}

int vfio_reset(struct vfio_dev *d)
{
	if (!vfio_is_open(d))
		return -ENODEV;
	if (!(d->flags & VFIO_DEVICE_FLAGS_RESET))
		return -ENOTSUP;
	if (d->be)
		return d->be->reset(d);
	return ioctl(d->fd, VFIO_DEVICE_RESET) < 0 ? -errno : 0;
}
