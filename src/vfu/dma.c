/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "vfu/dma.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vfu/vfu.h"

void dma_table_init(struct dma_table *t, uint32_t max_maps, uint64_t max_total)
{
	memset(t, 0, sizeof(*t));
	t->max_maps = max_maps;
	t->max_total = max_total;
}

/*
 * A client's fd stays the client's: if it could shrink the file after we
 * mapped it, our next access past the new end would be a SIGBUS that takes
 * every VM down. So the file must be sealed against shrinking, or let us seal
 * it (a memfd made with MFD_ALLOW_SEALING and not yet F_SEAL_SEAL'ed; QEMU's
 * memory-backend-memfd seals by default). Files that cannot be sealed are
 * refused with -EPERM.
 */
static int dma_fd_sealed(int fd)
{
	int seals = fcntl(fd, F_GET_SEALS);
	if (seals >= 0 && (seals & F_SEAL_SHRINK))
		return 0;
	if (seals >= 0 && !(seals & F_SEAL_SEAL) && fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK) == 0)
		return 0;
	return -EPERM;
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
		long pg = sysconf(_SC_PAGESIZE);
		uint64_t off_al = offset & ~((uint64_t)pg - 1);
		uint64_t delta = offset - off_al;
		uint64_t len, lim;

		if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
			return -EINVAL;
		int sr = dma_fd_sealed(fd);
		if (sr)
			return sr;
		/*
		 * The fd must really hold [offset, offset+size), and, sealed, keeps
		 * it. The size is read again now that it can no longer shrink: the
		 * client may have truncated the file between the first fstat and
		 * our seal, and a mapping past its end would SIGBUS on access.
		 */
		if (fstat(fd, &st) < 0)
			return -EINVAL;
		if (__builtin_add_overflow(offset, size, &lim) || lim > (uint64_t)st.st_size)
			return -EINVAL;
		if (__builtin_add_overflow(size, delta, &len) || len > SIZE_MAX)
			return -EINVAL;
		int mprot = 0;
		if (prot & VFU_PROT_READ)
			mprot |= PROT_READ;
		if (prot & VFU_PROT_WRITE)
			mprot |= PROT_WRITE;
		void *m = mmap(NULL, (size_t)len, mprot ? mprot : PROT_NONE, MAP_SHARED, fd,
			       (off_t)off_al);
		if (m == MAP_FAILED)
			return errno == ENOMEM ? -ENOMEM : -EINVAL;
		nr.map_base = m;
		nr.map_len = (size_t)len;
		nr.ptr = (uint8_t *)m + delta;
	}

	if (t->n == t->cap) {
		uint32_t ncap = t->cap ? t->cap * 2 : 8;
		struct dma_region *r = realloc(t->r, ncap * sizeof(*r));
		if (!r) {
			if (nr.map_base)
				munmap(nr.map_base, nr.map_len);
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
	if (r->map_base)
		munmap(r->map_base, r->map_len);
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
