/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vfio-user wire format (host byte order), as spoken by QEMU 11's
 * vfio-user-pci client. Written from the public specification
 * (docs/interop/vfio-user.rst) and checked against what QEMU sends.
 */
#ifndef VMUX_VFU_PROTO_H
#define VMUX_VFU_PROTO_H

#include <assert.h>
#include <stdint.h>

enum vfu_cmd {
	VFU_CMD_VERSION = 1,
	VFU_CMD_DMA_MAP = 2,
	VFU_CMD_DMA_UNMAP = 3,
	VFU_CMD_DEVICE_GET_INFO = 4,
	VFU_CMD_DEVICE_GET_REGION_INFO = 5,
	VFU_CMD_DEVICE_GET_REGION_IO_FDS = 6,
	VFU_CMD_DEVICE_GET_IRQ_INFO = 7,
	VFU_CMD_DEVICE_SET_IRQS = 8,
	VFU_CMD_REGION_READ = 9,
	VFU_CMD_REGION_WRITE = 10,
	VFU_CMD_DMA_READ = 11,
	VFU_CMD_DMA_WRITE = 12,
	VFU_CMD_DEVICE_RESET = 13,
	VFU_CMD_DIRTY_PAGES = 14,
	VFU_CMD_REGION_WRITE_MULTI = 15,
	VFU_CMD_DEVICE_FEATURE = 16,
	VFU_CMD_MIG_DATA_READ = 17,
	VFU_CMD_MIG_DATA_WRITE = 18,
	VFU_CMD_MAX
};

/* Header flags */
#define VFU_F_TYPE_MASK 0xfu
#define VFU_F_TYPE_CMD 0x0u
#define VFU_F_TYPE_REPLY 0x1u
#define VFU_F_NO_REPLY 0x10u
#define VFU_F_ERROR 0x20u

struct vfu_hdr {
	uint16_t id;
	uint16_t cmd;
	uint32_t size; /* whole message, header included */
	uint32_t flags;
	uint32_t error; /* positive errno in an error reply */
};
static_assert(sizeof(struct vfu_hdr) == 16, "vfio-user header is 16 bytes");

#define VFU_MAJOR 0
#define VFU_MINOR 0

struct vfu_version {
	uint16_t major;
	uint16_t minor;
	char json[]; /* NUL-terminated */
};

/* DMA_MAP / DMA_UNMAP */
#define VFU_DMA_F_READ 0x1u
#define VFU_DMA_F_WRITE 0x2u
#define VFU_DMA_UNMAP_F_GET_DIRTY 0x1u
#define VFU_DMA_UNMAP_F_ALL 0x2u

struct vfu_dma_map {
	uint32_t argsz;
	uint32_t flags;
	uint64_t offset; /* into the fd */
	uint64_t addr;   /* guest (IOVA) address */
	uint64_t size;
};
static_assert(sizeof(struct vfu_dma_map) == 32, "dma_map");

struct vfu_dma_unmap {
	uint32_t argsz;
	uint32_t flags;
	uint64_t addr;
	uint64_t size;
};
static_assert(sizeof(struct vfu_dma_unmap) == 24, "dma_unmap");

/* DEVICE_GET_INFO */
#define VFU_DEV_F_RESET 0x1u
#define VFU_DEV_F_PCI 0x2u
struct vfu_device_info {
	uint32_t argsz;
	uint32_t flags;
	uint32_t num_regions;
	uint32_t num_irqs;
};
static_assert(sizeof(struct vfu_device_info) == 16, "device_info");

/* DEVICE_GET_REGION_INFO */
#define VFU_REGION_F_READ 0x1u
#define VFU_REGION_F_WRITE 0x2u
#define VFU_REGION_F_MMAP 0x4u
#define VFU_REGION_F_CAPS 0x8u
struct vfu_region_info {
	uint32_t argsz;
	uint32_t flags;
	uint32_t index;
	uint32_t cap_offset;
	uint64_t size;
	uint64_t offset; /* offset to pass to mmap() of the region's fd */
};
static_assert(sizeof(struct vfu_region_info) == 32, "region_info");

struct vfu_cap_hdr {
	uint16_t id;
	uint16_t version;
	uint32_t next;
};
#define VFU_REGION_CAP_SPARSE_MMAP 1
struct vfu_sparse_area {
	uint64_t offset;
	uint64_t size;
};
struct vfu_cap_sparse_mmap {
	struct vfu_cap_hdr hdr;
	uint32_t nr_areas;
	uint32_t reserved;
	struct vfu_sparse_area areas[];
};
static_assert(sizeof(struct vfu_cap_sparse_mmap) == 16, "sparse cap");

/* PCI region indices (vfio-pci layout) */
enum vfu_pci_region {
	VFU_PCI_BAR0 = 0,
	VFU_PCI_BAR1,
	VFU_PCI_BAR2,
	VFU_PCI_BAR3,
	VFU_PCI_BAR4,
	VFU_PCI_BAR5,
	VFU_PCI_ROM = 6,
	VFU_PCI_CONFIG = 7,
	VFU_PCI_VGA = 8,
	VFU_PCI_NUM_REGIONS = 9,
};

/* IRQ indices (vfio-pci layout) */
enum vfu_irq_index {
	VFU_IRQ_INTX = 0,
	VFU_IRQ_MSI = 1,
	VFU_IRQ_MSIX = 2,
	VFU_IRQ_ERR = 3,
	VFU_IRQ_REQ = 4,
	VFU_IRQ_NUM = 5,
};

/* DEVICE_GET_IRQ_INFO */
#define VFU_IRQ_INFO_F_EVENTFD 0x1u
#define VFU_IRQ_INFO_F_MASKABLE 0x2u
#define VFU_IRQ_INFO_F_AUTOMASKED 0x4u
#define VFU_IRQ_INFO_F_NORESIZE 0x8u
struct vfu_irq_info {
	uint32_t argsz;
	uint32_t flags;
	uint32_t index;
	uint32_t count;
};
static_assert(sizeof(struct vfu_irq_info) == 16, "irq_info");

/* DEVICE_SET_IRQS */
#define VFU_IRQ_SET_DATA_NONE 0x1u
#define VFU_IRQ_SET_DATA_BOOL 0x2u
#define VFU_IRQ_SET_DATA_EVENTFD 0x4u
#define VFU_IRQ_SET_DATA_MASK 0x7u
#define VFU_IRQ_SET_ACTION_MASK 0x8u
#define VFU_IRQ_SET_ACTION_UNMASK 0x10u
#define VFU_IRQ_SET_ACTION_TRIGGER 0x20u
#define VFU_IRQ_SET_ACTION_MASK_ALL 0x38u
struct vfu_irq_set {
	uint32_t argsz;
	uint32_t flags;
	uint32_t index;
	uint32_t start;
	uint32_t count;
	/* DATA_BOOL: count bytes follow; DATA_EVENTFD: fds in SCM_RIGHTS */
};
static_assert(sizeof(struct vfu_irq_set) == 20, "irq_set");

/* REGION_READ / REGION_WRITE */
struct vfu_region_rw {
	uint64_t offset;
	uint32_t region;
	uint32_t count;
	uint8_t data[];
};
static_assert(sizeof(struct vfu_region_rw) == 16, "region_rw");

/*
 * DMA_READ / DMA_WRITE (server to client). QEMU 11 lays this out as
 * { u64 offset; u32 count; char data[]; } -- data at byte 12 of the payload
 * (28 of the message) -- and sizes messages with sizeof() of that struct, i.e.
 * 16 + 16 bytes plus count. We follow QEMU.
 */
#define VFU_DMA_RW_DATA_OFF 12u     /* payload offset of the data */
#define VFU_DMA_RW_PAYLOAD_MIN 16u  /* payload size without data, as QEMU counts it */
struct vfu_dma_rw {
	uint64_t addr;
	uint32_t count;
	uint8_t data[];
} __attribute__((packed));
static_assert(sizeof(struct vfu_dma_rw) == VFU_DMA_RW_DATA_OFF, "dma_rw");

/* REGION_WRITE_MULTI */
#define VFU_WRMULTI_DATA 8
#define VFU_WRMULTI_MAX 200
struct vfu_wr_one {
	uint64_t offset;
	uint32_t region;
	uint32_t count;
	uint8_t data[VFU_WRMULTI_DATA];
};
static_assert(sizeof(struct vfu_wr_one) == 24, "wr_one");
struct vfu_wr_multi {
	uint64_t wr_cnt;
	struct vfu_wr_one wrs[];
};

const char *vfu_cmd_name(uint32_t cmd);

#endif
