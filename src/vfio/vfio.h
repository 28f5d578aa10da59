/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vfio: a real PCI function owned through the kernel's VFIO (the
 * container/group API with the type-1 v2 IOMMU). One `struct vfio_dev` is one
 * function with its own container: opened by its address (BDF), its regions
 * (with the sparse mmap and MSI-X mappable capabilities), interrupts and
 * config space read once, then accessed, DMA-mapped, interrupt-routed and
 * reset through the calls below; vfio_close() gives it back (interrupts off,
 * every DMA mapping gone with the container).
 *
 * Or, where the kernel offers it (Linux 6.6 and later, CONFIG_IOMMUFD and
 * CONFIG_VFIO_DEVICE_CDEV), through iommufd: the function's device cdev
 * (/dev/vfio/devices/vfioN, found under /sys/bus/pci/devices/BDF/vfio-dev/)
 * bound to an iommufd (/dev/iommu) and attached to an IO address space of its
 * own, DMA maps as IOAS maps at fixed IOVAs (iommufd.c). The device fd's
 * ioctls (regions, IRQs, reset) are the same either way. vfio_open() takes
 * the cdev where there is one, else the group; VFIO_API_CDEV or
 * VFIO_API_GROUP forces either (vmux --vfio-api).
 *
 * Nothing here knows vfio-user: dev/passthrough/ builds the device on it.
 */
#ifndef VMUX_VFIO_VFIO_H
#define VMUX_VFIO_VFIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* VFIO's PCI region and IRQ indices (the same numbers as vfio-user's). */
#define VFIO_NREGIONS 9 /* BAR0..5, ROM, CONFIG, VGA */
#define VFIO_REG_ROM 6
#define VFIO_REG_CONFIG 7
#define VFIO_NIRQS 5    /* INTx, MSI, MSI-X, ERR, REQ */
#define VFIO_PCI_INTX 0
#define VFIO_PCI_MSI 1
#define VFIO_PCI_MSIX 2
#define VFIO_PCI_ERR 3  /* an AER error reported for the function */
#define VFIO_PCI_REQ 4  /* the kernel asks for the device back (an unbind of vfio-pci) */
#define VFIO_MAX_SPARSE 16

struct vfio_area {
	uint64_t offset, size;
};

struct vfio_region {
	uint64_t size;
	uint64_t offset;      /* in the device fd */
	uint32_t flags;       /* VFIO_REGION_INFO_FLAG_* (READ 1, WRITE 2, MMAP 4, CAPS 8) */
	bool has_sparse;      /* a sparse mmap capability: only its areas may be mapped */
	bool msix_mappable;   /* VFIO_REGION_INFO_CAP_MSIX_MAPPABLE */
	unsigned nr_sparse;
	struct vfio_area sparse[VFIO_MAX_SPARSE];
};

struct vfio_irq {
	uint32_t flags, count;
};

/*
 * Parses a region info's capability chain (buf: the whole answer of
 * VFIO_DEVICE_GET_REGION_INFO, len bytes; cap_offset from it) into r's
 * has_sparse, sparse[], msix_mappable. Untrusted in the sense that a chain
 * that loops, points outside buf or overlaps itself is refused: 0 or -EINVAL.
 * Unknown capabilities are skipped; more than VFIO_MAX_SPARSE areas: -E2BIG.
 */
int vfio_parse_region_caps(const void *buf, size_t len, uint32_t cap_offset,
			   struct vfio_region *r);

/* Which kernel API a vfio_dev is opened through. */
enum vfio_api {
	VFIO_API_AUTO = 0, /* the cdev and iommufd where present, else the group */
	VFIO_API_CDEV,     /* the device cdev and iommufd, or fail */
	VFIO_API_GROUP,    /* the container/group API (type-1 v2) */
};
const char *vfio_api_name(enum vfio_api a);

/*
 * The device cdev of PCI function bdf: the vfioN entry of
 * SYSFS/bus/pci/devices/BDF/vfio-dev/ (sysfs: "/sys", or a test's tree)
 * gives "/dev/vfio/devices/vfioN" in out. 0, or -ENOENT (no cdev: an older
 * kernel, or no CONFIG_VFIO_DEVICE_CDEV) or -ENAMETOOLONG.
 */
int vfio_find_cdev(const char *sysfs, const char *bdf, char *out, size_t outlen);
/*
 * The API to open a device through, for what was asked and whether the
 * kernel offers iommufd and the function's cdev: VFIO_API_CDEV or
 * VFIO_API_GROUP, or -ENODEV (the cdev asked for but not there).
 */
int vfio_pick_api(enum vfio_api want, bool have_cdev);

struct vfio_dev;
/*
 * What stands behind a vfio_dev other than the kernel: tests put a fake
 * device here (its regions in memory, DMA maps and interrupt routes
 * recorded). NULL in vfio_dev: the kernel's VFIO ioctls.
 */
struct vfio_backend {
	ssize_t (*region_rw)(struct vfio_dev *d, unsigned idx, uint64_t off, void *buf, size_t len,
			     bool is_write);
	int (*dma_map)(struct vfio_dev *d, uint64_t iova, uint64_t size, void *vaddr, int prot);
	int (*dma_unmap)(struct vfio_dev *d, uint64_t iova, uint64_t size);
	/* VFIO_DEVICE_SET_IRQS: flags VFIO_IRQ_SET_*; fds for DATA_EVENTFD (count of them) */
	int (*set_irqs)(struct vfio_dev *d, uint32_t flags, unsigned index, unsigned start,
			unsigned count, const int *fds);
	int (*reset)(struct vfio_dev *d);
	void (*close)(struct vfio_dev *d); /* vfio_close(): the device given back; optional */
};

struct vfio_dev {
	const struct vfio_backend *be; /* NULL: the kernel */
	void *be_priv;
	char bdf[16];
	enum vfio_api api;     /* what it was opened through (CDEV or GROUP; a fake: AUTO) */
	int container, group;  /* the group API's */
	int iommufd;           /* the cdev's: /dev/iommu, its IOAS and the device's id in it */
	uint32_t ioas_id, devid;
	char cdev[48];         /* /dev/vfio/devices/vfioN */
	int fd;                /* the device fd (the mmap fd of its regions; a fake's memfd) */
	int groupno;
	uint32_t flags;        /* VFIO_DEVICE_FLAGS_* */
	uint32_t num_regions, num_irqs;
	struct vfio_region reg[VFIO_NREGIONS];
	struct vfio_irq irq[VFIO_NIRQS];
	uint64_t iova_pgsizes; /* VFIO_IOMMU_GET_INFO */
	uint32_t dma_avail;    /* mappings the container still takes (0: not reported) */
	bool has_dma_avail;
};

/*
 * Checks that bdf ("0000:00:03.0", or without the domain) names a PCI
 * function and canonicalises it into out (16 bytes). 0 or -EINVAL.
 */
int vfio_parse_bdf(const char *bdf, char out[16]);

/*
 * Opens the function at bdf, which must be bound to vfio-pci, through the API
 * vfio_pick_api() gives for want. The group API: the function must be the
 * only one in its IOMMU group that is not unbound (the group viable); its own
 * container with the type-1 v2 IOMMU. The cdev: its own iommufd and IOAS.
 * Then the device fd, regions and IRQs read. 0, or -errno with a message in
 * err.
 */
int vfio_open(struct vfio_dev *d, const char *bdf, enum vfio_api want, char *err, size_t errlen);
/*
 * Interrupts off, fds closed (the container's DMA mappings go with it). Once
 * closed (also called again), every call below answers -ENODEV.
 */
void vfio_close(struct vfio_dev *d);
/* Not closed: the device is still ours. */
bool vfio_is_open(const struct vfio_dev *d);

/* Region idx at off: pread/pwrite on the device fd. Bytes done or -errno. */
ssize_t vfio_region_rw(struct vfio_dev *d, unsigned idx, uint64_t off, void *buf, size_t len,
		       bool is_write);

/*
 * VFIO_IOMMU_MAP_DMA of [vaddr, +size) at iova (prot: 1 read, 2 write, as
 * the device sees it) / VFIO_IOMMU_UNMAP_DMA of [iova, +size); through the
 * cdev IOMMU_IOAS_MAP at that fixed IOVA / IOMMU_IOAS_UNMAP. 0 or -errno
 * (-ENOMEM: typically RLIMIT_MEMLOCK; -ENOSPC: the container's dma_entry_limit).
 */
int vfio_dma_map(struct vfio_dev *d, uint64_t iova, uint64_t size, void *vaddr, int prot);
int vfio_dma_unmap(struct vfio_dev *d, uint64_t iova, uint64_t size);

/*
 * VFIO_DEVICE_SET_IRQS: vectors [start, start+count) of index get the
 * eventfds fds[] (-1: none for that vector) as triggers; the first call for
 * MSI or MSI-X enables that many vectors. 0 or -errno.
 */
int vfio_irq_set_eventfds(struct vfio_dev *d, unsigned index, unsigned start, unsigned count,
			  const int *fds);
/*
 * INTx's unmask eventfd (ACTION_UNMASK with DATA_EVENTFD: VFIO unmasks when
 * it is signalled, KVM's resample irqfd); -1 removes it.
 */
int vfio_irq_unmask_eventfd(struct vfio_dev *d, int fd);
/* Disables every vector of index (DATA_NONE, count 0). */
int vfio_irq_disable(struct vfio_dev *d, unsigned index);
/* ACTION_MASK / ACTION_UNMASK (DATA_NONE) of one vector (INTx: sub 0). */
int vfio_irq_mask(struct vfio_dev *d, unsigned index, unsigned sub, bool mask);

/* VFIO_DEVICE_RESET (FLR or whatever reset the function has). 0 or -errno. */
int vfio_reset(struct vfio_dev *d);

#endif
