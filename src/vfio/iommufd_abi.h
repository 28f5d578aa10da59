/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kernel ABI of iommufd (/dev/iommu) and of VFIO's device cdev
 * (/dev/vfio/devices/vfioN), as Linux 6.6's uapi defines it (linux/iommufd.h,
 * linux/vfio.h): Debian 12's headers (6.1) lack the VFIO half, so vmux keeps
 * its own definitions under its own names (VMUX_*, struct vmux_*), which no
 * newer header can clash with; where a header does define an ioctl, its
 * number is checked against ours at compile time.
 *
 * Every structure starts with its own size (argsz / size), which the kernel
 * uses to tell versions apart: later fields (the attach's pasid, 6.13+) are
 * left out, the kernel accepts the shorter form.
 */
#ifndef VMUX_VFIO_IOMMUFD_ABI_H
#define VMUX_VFIO_IOMMUFD_ABI_H

#include <linux/ioctl.h>
#include <linux/types.h>
#include <linux/vfio.h>

/* iommufd: ioctl type ';', numbers from 0x80 */
#define VMUX_IOMMUFD_TYPE ';'
#define VMUX_IOMMUFD_CMD(n) _IO(VMUX_IOMMUFD_TYPE, 0x80 + (n))

struct vmux_iommu_destroy {
	__u32 size;
	__u32 id;
};
#define VMUX_IOMMU_DESTROY VMUX_IOMMUFD_CMD(0)

struct vmux_iommu_ioas_alloc {
	__u32 size;
	__u32 flags;       /* 0 */
	__u32 out_ioas_id;
};
#define VMUX_IOMMU_IOAS_ALLOC VMUX_IOMMUFD_CMD(1)

#define VMUX_IOMMU_IOAS_MAP_FIXED_IOVA (1u << 0)
#define VMUX_IOMMU_IOAS_MAP_WRITEABLE (1u << 1)
#define VMUX_IOMMU_IOAS_MAP_READABLE (1u << 2)

struct vmux_iommu_ioas_map {
	__u32 size;
	__u32 flags;
	__u32 ioas_id;
	__u32 reserved;    /* 0 */
	__aligned_u64 user_va;
	__aligned_u64 length;
	__aligned_u64 iova;   /* in with FIXED_IOVA */
};
#define VMUX_IOMMU_IOAS_MAP VMUX_IOMMUFD_CMD(5)

struct vmux_iommu_ioas_unmap {
	__u32 size;
	__u32 ioas_id;
	__aligned_u64 iova;
	__aligned_u64 length; /* in: the range; out: the bytes unmapped */
};
#define VMUX_IOMMU_IOAS_UNMAP VMUX_IOMMUFD_CMD(6)

/* VFIO's device cdev (type ';', base 100, as the rest of VFIO) */
struct vmux_vfio_device_bind_iommufd {
	__u32 argsz;
	__u32 flags;   /* 0 */
	__s32 iommufd;
	__u32 out_devid;
};
#define VMUX_VFIO_DEVICE_BIND_IOMMUFD _IO(VFIO_TYPE, VFIO_BASE + 18)

struct vmux_vfio_device_attach_iommufd_pt {
	__u32 argsz;
	__u32 flags;   /* 0 */
	__u32 pt_id;   /* in: the IOAS; out: the page table attached */
};
#define VMUX_VFIO_DEVICE_ATTACH_IOMMUFD_PT _IO(VFIO_TYPE, VFIO_BASE + 19)

#ifdef VFIO_DEVICE_BIND_IOMMUFD
_Static_assert(VMUX_VFIO_DEVICE_BIND_IOMMUFD == VFIO_DEVICE_BIND_IOMMUFD, "BIND_IOMMUFD");
#endif
#ifdef VFIO_DEVICE_ATTACH_IOMMUFD_PT
_Static_assert(VMUX_VFIO_DEVICE_ATTACH_IOMMUFD_PT == VFIO_DEVICE_ATTACH_IOMMUFD_PT,
	       "ATTACH_IOMMUFD_PT");
#endif
#ifdef IOMMU_IOAS_MAP
_Static_assert(VMUX_IOMMU_IOAS_MAP == IOMMU_IOAS_MAP, "IOAS_MAP");
#endif

_Static_assert(sizeof(struct vmux_iommu_ioas_map) == 40, "iommu_ioas_map");
_Static_assert(sizeof(struct vmux_iommu_ioas_unmap) == 24, "iommu_ioas_unmap");
_Static_assert(sizeof(struct vmux_vfio_device_bind_iommufd) == 16, "bind_iommufd");
_Static_assert(sizeof(struct vmux_vfio_device_attach_iommufd_pt) == 12, "attach_iommufd_pt");

#endif
