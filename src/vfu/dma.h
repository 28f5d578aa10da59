/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The DMA map table of one client: guest (IOVA) ranges, each either backed by
 * an mmap of the client's fd or reachable only through DMA_READ/DMA_WRITE
 * messages. Ranges never overlap; lookups are a binary search plus a last-hit
 * cache. Internal to vfu, exposed for unit tests.
 */
#ifndef VMUX_VFU_DMA_H
#define VMUX_VFU_DMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/mguard.h"

/* What backs an fd mapping (the file system of the client's fd). */
enum dma_backing {
	DMA_BACKING_NONE = 0,  /* no fd: DMA_READ/DMA_WRITE messages */
	DMA_BACKING_TMPFS,     /* shmem: memfd, /dev/shm, any tmpfs */
	DMA_BACKING_HUGETLBFS, /* hugetlb memfd or a file on a hugetlbfs mount */
};
const char *dma_backing_name(enum dma_backing b);

struct dma_region {
	uint64_t addr;
	uint64_t size;
	uint8_t *ptr;     /* address of `addr` in our mapping; NULL if no fd */
	void *map_base;   /* what to munmap */
	size_t map_len;
	uint32_t prot;    /* VFU_PROT_READ | VFU_PROT_WRITE */
	uint8_t backing;  /* enum dma_backing */
	bool sealed;      /* the client can no longer shrink the file */
	uint32_t page_kib; /* the backing's page size */
};

struct dma_table {
	struct dma_region *r; /* sorted by addr */
	uint32_t n, cap;
	uint32_t max_maps;
	uint64_t total, max_total;
	uint32_t last;        /* last-hit cache */
	/*
	 * Every fd mapping is registered with core/mguard under this owner: a
	 * file the client truncates or punches holes in under us costs a
	 * SIGBUS that is recovered (the mappings become anonymous memory) and
	 * marks the table faulted; its user then drops the client.
	 */
	struct mguard_owner guard;
};

/* notify_fd: an eventfd written when a mapping faults (-1: none). */
void dma_table_init(struct dma_table *t, uint32_t max_maps, uint64_t max_total, int notify_fd);
/*
 * Adds [addr, addr+size). fd >= 0: mmap fd at offset (the fd is not kept).
 * The fd must be a regular file on tmpfs (memfd, /dev/shm) or hugetlbfs
 * (hugetlb memfd, a hugetlbfs mount): memory that faults without I/O. A
 * sealable memfd is sealed against shrinking (F_SEAL_SHRINK); anything else
 * is mapped as it is and its accesses are guarded (core/mguard.h).
 * -EINVAL bad range/flags/fd too small, -EEXIST overlap, -ENOSPC limits,
 * -EPERM a file on another file system (a disk, FUSE or NFS file can block
 * the thread that faults on it, or fail with an I/O error).
 */
int dma_table_add(struct dma_table *t, uint64_t addr, uint64_t size, int fd, uint64_t offset,
		  uint32_t prot);
/*
 * Removes every mapping inside [addr, addr+size); refuses (-EINVAL) if a
 * mapping straddles either edge, -ENOENT if nothing is inside. before_unmap is
 * called for each mapping before it is unmapped.
 */
typedef void (*dma_unmap_cb)(void *arg, uint64_t addr, uint64_t size);
int dma_table_remove(struct dma_table *t, uint64_t addr, uint64_t size, dma_unmap_cb cb, void *arg);
void dma_table_clear(struct dma_table *t, dma_unmap_cb cb, void *arg);
void dma_table_fini(struct dma_table *t);

/* The mapping containing addr, or NULL. */
const struct dma_region *dma_table_find(struct dma_table *t, uint64_t addr);
/* Pointer for [addr, addr+len) if wholly inside one fd-backed mapping allowing prot. */
void *dma_table_ptr(struct dma_table *t, uint64_t addr, uint64_t len, uint32_t prot);

#endif
