/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vfio: what vfio.c (the group API, the device) and iommufd.c (the cdev) share. */
#ifndef VMUX_VFIO_VFIO_PRIV_H
#define VMUX_VFIO_VFIO_PRIV_H

#include "vfio/vfio.h"

/* The cdev d->cdev bound to an iommufd of its own, attached to a new IOAS: d->fd. 0 or -errno. */
int vfio_cdev_open(struct vfio_dev *d, char *err, size_t errlen);
void vfio_cdev_close(struct vfio_dev *d);
int vfio_cdev_map(struct vfio_dev *d, uint64_t iova, uint64_t size, void *vaddr, int prot);
int vfio_cdev_unmap(struct vfio_dev *d, uint64_t iova, uint64_t size);

#endif
