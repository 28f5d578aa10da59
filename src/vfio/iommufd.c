/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vfio: a PCI function through VFIO's device cdev and iommufd (Linux 6.6+):
 * /dev/iommu opened and an IO address space (IOAS) allocated for the
 * function alone, the cdev opened, bound to that iommufd
 * (VFIO_DEVICE_BIND_IOMMUFD) and attached to the IOAS
 * (VFIO_DEVICE_ATTACH_IOMMUFD_PT); DMA maps are IOAS maps at fixed IOVAs.
 * Closing the device fd unbinds it; the IOAS goes with the iommufd.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "vfio/iommufd_abi.h"
#include "vfio/vfio_priv.h"

int vfio_cdev_open(struct vfio_dev *d, char *err, size_t errlen)
{
	struct vmux_iommu_ioas_alloc ia = { .size = sizeof(ia) };
	int r;

	d->iommufd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	if (d->iommufd < 0) {
		r = -errno;
		snprintf(err, errlen, "/dev/iommu: %s", strerror(-r));
		return r;
	}
	if (ioctl(d->iommufd, VMUX_IOMMU_IOAS_ALLOC, &ia) < 0) {
		r = -errno;
		snprintf(err, errlen, "IOMMU_IOAS_ALLOC: %s", strerror(-r));
		return r;
	}
	d->ioas_id = ia.out_ioas_id;
	d->fd = open(d->cdev, O_RDWR | O_CLOEXEC);
	if (d->fd < 0) {
		r = -errno;
		snprintf(err, errlen, "%s (cdev of %s): %s%s", d->cdev, d->bdf, strerror(-r),
			 r == -EBUSY ? " (another process holds it)" : "");
		return r;
	}
	struct vmux_vfio_device_bind_iommufd b = { .argsz = sizeof(b), .iommufd = d->iommufd };
	if (ioctl(d->fd, VMUX_VFIO_DEVICE_BIND_IOMMUFD, &b) < 0) {
		r = -errno;
		snprintf(err, errlen, "%s: VFIO_DEVICE_BIND_IOMMUFD: %s%s", d->cdev, strerror(-r),
			 r == -EBUSY ? " (its group is in use through /dev/vfio/N?)" : "");
		return r;
	}
	d->devid = b.out_devid;
	struct vmux_vfio_device_attach_iommufd_pt a = { .argsz = sizeof(a), .pt_id = d->ioas_id };
	if (ioctl(d->fd, VMUX_VFIO_DEVICE_ATTACH_IOMMUFD_PT, &a) < 0) {
		r = -errno;
		snprintf(err, errlen, "%s: VFIO_DEVICE_ATTACH_IOMMUFD_PT (IOAS %u): %s", d->cdev,
			 d->ioas_id, strerror(-r));
		return r;
	}
	return 0;
}

void vfio_cdev_close(struct vfio_dev *d)
{
	if (d->fd >= 0)
		close(d->fd); /* unbinds: the device leaves the IOAS */
	d->fd = -1;
	if (d->iommufd >= 0) {
		if (d->ioas_id) {
			struct vmux_iommu_destroy x = { .size = sizeof(x), .id = d->ioas_id };
			ioctl(d->iommufd, VMUX_IOMMU_DESTROY, &x);
		}
		close(d->iommufd);
	}
	d->iommufd = -1;
	d->ioas_id = 0;
}

int vfio_cdev_map(struct vfio_dev *d, uint64_t iova, uint64_t size, void *vaddr, int prot)
{
	struct vmux_iommu_ioas_map m = {
		.size = sizeof(m),
		.flags = VMUX_IOMMU_IOAS_MAP_FIXED_IOVA |
			 ((prot & 1) ? VMUX_IOMMU_IOAS_MAP_READABLE : 0) |
			 ((prot & 2) ? VMUX_IOMMU_IOAS_MAP_WRITEABLE : 0),
		.ioas_id = d->ioas_id,
		.user_va = (uint64_t)(uintptr_t)vaddr,
		.length = size,
		.iova = iova,
	};

	return ioctl(d->iommufd, VMUX_IOMMU_IOAS_MAP, &m) < 0 ? -errno : 0;
}

int vfio_cdev_unmap(struct vfio_dev *d, uint64_t iova, uint64_t size)
{
	struct vmux_iommu_ioas_unmap u = { .size = sizeof(u), .ioas_id = d->ioas_id, .iova = iova,
					   .length = size };

	if (ioctl(d->iommufd, VMUX_IOMMU_IOAS_UNMAP, &u) < 0)
		return -errno;
	return u.length == size ? 0 : -ENOENT;
}
