/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "vfu/dma.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "vfu/vfu.h"

void dma_table_init(struct dma_table *t, uint32_t max_maps, uint64_t max_total, int notify_fd)
{
	memset(t, 0, sizeof(*t));
	t->max_maps = max_maps;
	t->max_total = max_total;
	mguard_owner_init(&t->guard, notify_fd);
}

const char *dma_backing_name(enum dma_backing b)
{
	switch (b) {
	case DMA_BACKING_TMPFS:
		return "tmpfs";
	case DMA_BACKING_HUGETLBFS:
		return "hugetlbfs";
	default:
		return "none";
	}
}

/*
 * What may back guest RAM: memory that faults without I/O, so that a worker
 * never blocks on a disk or a network file system, and whose worst failure,
 * a page that is gone, is a SIGBUS that core/mguard recovers. That is shmem
 * (memfd, /dev/shm, tmpfs) and hugetlbfs (hugetlb memfds, hugetlbfs mounts).
 * *page is the size mmap offsets and lengths must be multiples of.
 */
static int dma_fd_backing(int fd, uint8_t *backing, uint64_t *page)
{
	struct statfs sfs;

	if (fstatfs(fd, &sfs) < 0)
		return -EINVAL;
	if (sfs.f_type == TMPFS_MAGIC) {
		*backing = DMA_BACKING_TMPFS;
		*page = (uint64_t)sysconf(_SC_PAGESIZE);
		return 0;
	}
	if (sfs.f_type == HUGETLBFS_MAGIC && sfs.f_bsize > 0 &&
	    !((uint64_t)sfs.f_bsize & ((uint64_t)sfs.f_bsize - 1))) {
		*backing = DMA_BACKING_HUGETLBFS;
		*page = (uint64_t)sfs.f_bsize;
		return 0;
	}
	return -EPERM;
}

/*
 * A sealable memfd (QEMU's memory-backend-memfd) is sealed against shrinking:
 * then its pages can only go away by a hole punch. Files that cannot be
 * sealed are taken as they are: their mappings are guarded all the same.
 */
static bool dma_fd_seal(int fd)
{
	int seals = fcntl(fd, F_GET_SEALS);

	if (seals >= 0 && (seals & F_SEAL_SHRINK))
		return true;
	return seals >= 0 && !(seals & F_SEAL_SEAL) && fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK) == 0;
}

/* Index of the first region with addr > a (upper bound). */
static uint32_t upper_bound(const struct dma_table *t, uint64_t a)
{
	uint32_t lo = 0, hi = t->n;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (t->r[mid].addr <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int dma_table_add(struct dma_table *t, uint64_t addr, uint64_t size, int fd, uint64_t offset,
		  uint32_t prot)
{
	uint64_t end;

	if (size == 0 || __builtin_add_overflow(addr, size - 1, &end))
		return -EINVAL;
	if (prot & ~(uint32_t)(VFU_PROT_READ | VFU_PROT_WRITE))
		return -EINVAL;
	if (t->n >= t->max_maps)
		return -ENOSPC;
	if (size > t->max_total || t->total > t->max_total - size)
		return -ENOSPC;

	/* Overlap: the predecessor must end before addr, the successor start after end. */
	uint32_t pos = upper_bound(t, addr);
	if (pos > 0) {
		const struct dma_region *p = &t->r[pos - 1];
		if (p->addr + (p->size - 1) >= addr)
			return -EEXIST;
	}
	if (pos < t->n && t->r[pos].addr <= end)
		return -EEXIST;

	struct dma_region nr = { .addr = addr, .size = size, .prot = prot };
	if (fd >= 0) {
		struct stat st;
		uint64_t pg, off_al, delta, len, lim;
		int r;

		if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
			return -EINVAL;
		r = dma_fd_backing(fd, &nr.backing, &pg);
		if (r)
			return r;
		nr.sealed = dma_fd_seal(fd);
		nr.page_kib = (uint32_t)(pg >> 10);
		/*
		 * The fd must hold [offset, offset+size): the size is read again
		 * after sealing (the client may have truncated the file between
		 * the first fstat and our seal). Unsealed, it may shrink at any
		 * time; the guard covers that.
		 */
		if (fstat(fd, &st) < 0)
			return -EINVAL;
		if (__builtin_add_overflow(offset, size, &lim) || lim > (uint64_t)st.st_size)
			return -EINVAL;
		/*
		 * mmap takes offsets and lengths in the backing's pages (2 MiB or
		 * 1 GiB on hugetlbfs). A hugetlbfs file is a whole number of its
		 * pages, so the rounded-up mapping stays inside it (mapping past
		 * its end would grow the client's file).
		 */
		off_al = offset & ~(pg - 1);
		delta = offset - off_al;
		if (__builtin_add_overflow(size, delta, &len) || __builtin_add_overflow(len, pg - 1, &len))
			return -EINVAL;
		len &= ~(pg - 1);
		if (len > SIZE_MAX || (nr.backing == DMA_BACKING_HUGETLBFS &&
				       (off_al > (uint64_t)st.st_size || len > (uint64_t)st.st_size - off_al)))
			return -EINVAL;
		int mprot = 0;
		if (prot & VFU_PROT_READ)
			mprot |= PROT_READ;
		if (prot & VFU_PROT_WRITE)
			mprot |= PROT_WRITE;
		/* MAP_NORESERVE: the pages are the client's; reserving them again could fail. */
		void *m = mmap(NULL, (size_t)len, mprot ? mprot : PROT_NONE, MAP_SHARED | MAP_NORESERVE,
			       fd, (off_t)off_al);
		if (m == MAP_FAILED)
			return errno == ENOMEM ? -ENOMEM : -EINVAL;
		r = mguard_add(m, (size_t)len, &t->guard);
		if (r) {
			munmap(m, (size_t)len);
			return r;
		}
		nr.map_base = m;
		nr.map_len = (size_t)len;
		nr.ptr = (uint8_t *)m + delta;
	}

	if (t->n == t->cap) {
		uint32_t ncap = t->cap ? t->cap * 2 : 8;
		struct dma_region *r = realloc(t->r, ncap * sizeof(*r));
		if (!r) {
			if (nr.map_base) {
				mguard_del(nr.map_base);
				munmap(nr.map_base, nr.map_len);
			}
			return -ENOMEM;
		}
		t->r = r;
		t->cap = ncap;
	}
	memmove(&t->r[pos + 1], &t->r[pos], (t->n - pos) * sizeof(*t->r));
	t->r[pos] = nr;
	t->n++;
	t->total += size;
	t->last = pos;
	return 0;
}

static void drop_region(struct dma_region *r)
{
	if (r->map_base) {
		/* Out of the registry first: the address may be reused at once. */
		mguard_del(r->map_base);
		munmap(r->map_base, r->map_len);
	}
}

int dma_table_remove(struct dma_table *t, uint64_t addr, uint64_t size, dma_unmap_cb cb, void *arg)
{
	uint64_t end;

	if (size == 0 || __builtin_add_overflow(addr, size - 1, &end))
		return -EINVAL;

	/* First region that could intersect: the one containing addr, or the next. */
	uint32_t first = upper_bound(t, addr);
	if (first > 0 && t->r[first - 1].addr + (t->r[first - 1].size - 1) >= addr)
		first--;
	uint32_t last = first;
	while (last < t->n && t->r[last].addr <= end)
		last++;
	if (first == last)
		return -ENOENT;
	/* Partial unmaps are refused: every intersecting mapping must lie inside. */
	if (t->r[first].addr < addr)
		return -EINVAL;
	const struct dma_region *lr = &t->r[last - 1];
	if (lr->addr + (lr->size - 1) > end)
		return -EINVAL;

	for (uint32_t i = first; i < last; i++) {
		if (cb)
			cb(arg, t->r[i].addr, t->r[i].size);
		t->total -= t->r[i].size;
		drop_region(&t->r[i]);
	}
	memmove(&t->r[first], &t->r[last], (t->n - last) * sizeof(*t->r));
	t->n -= last - first;
	t->last = 0;
	return 0;
}

void dma_table_clear(struct dma_table *t, dma_unmap_cb cb, void *arg)
{
	for (uint32_t i = 0; i < t->n; i++) {
		if (cb)
			cb(arg, t->r[i].addr, t->r[i].size);
		drop_region(&t->r[i]);
	}
	t->n = 0;
	t->total = 0;
	t->last = 0;
}

void dma_table_fini(struct dma_table *t)
{
	dma_table_clear(t, NULL, NULL);
	free(t->r);
	t->r = NULL;
	t->cap = 0;
}

static inline bool contains(const struct dma_region *r, uint64_t addr)
{
	return addr >= r->addr && addr - r->addr < r->size;
}

const struct dma_region *dma_table_find(struct dma_table *t, uint64_t addr)
{
	if (t->last < t->n && contains(&t->r[t->last], addr))
		return &t->r[t->last];
	uint32_t pos = upper_bound(t, addr);
	if (pos == 0 || !contains(&t->r[pos - 1], addr))
		return NULL;
	t->last = pos - 1;
	return &t->r[pos - 1];
}

void *dma_table_ptr(struct dma_table *t, uint64_t addr, uint64_t len, uint32_t prot)
{
	const struct dma_region *r = dma_table_find(t, addr);
	if (!r || !r->ptr || (r->prot & prot) != prot)
		return NULL;
	/* len == 0 is allowed and yields a valid pointer inside the map. */
	if (len > r->size - (addr - r->addr))
		return NULL;
	return r->ptr + (addr - r->addr);
}
