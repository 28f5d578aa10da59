/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests: the DMA map table (overlaps, partial unmaps, translation at edges, limits). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "core/mguard.h"
#include "vfu/dma.h"
#include "vfu/vfu.h"

#define PG 4096u
#define RW (VFU_PROT_READ | VFU_PROT_WRITE)

static int memfd_of(size_t size)
{
	int fd = memfd_create("test-guest-ram", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)size), 0);
	return fd;
}

static void test_add_and_translate(void **state)
{
	struct dma_table t;
	int fd = memfd_of(16 * PG);
	uint8_t *mine = mmap(NULL, 16 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	assert_true(mine != MAP_FAILED);

	dma_table_init(&t, 16, 1ull << 30, -1);
	/* map pages 4..7 of the fd at guest 0x100000 */
	assert_int_equal(dma_table_add(&t, 0x100000, 4 * PG, fd, 4 * PG, RW), 0);
	close(fd); /* the mapping must survive the fd */

	mine[4 * PG] = 0xab;
	mine[8 * PG - 1] = 0xcd;
	uint8_t *p = dma_table_ptr(&t, 0x100000, 1, VFU_PROT_READ);
	assert_non_null(p);
	assert_int_equal(p[0], 0xab);
	/* last byte of the map: ok; one past: refused */
	p = dma_table_ptr(&t, 0x100000 + 4 * PG - 1, 1, VFU_PROT_READ);
	assert_non_null(p);
	assert_int_equal(*p, 0xcd);
	assert_null(dma_table_ptr(&t, 0x100000 + 4 * PG - 1, 2, VFU_PROT_READ));
	assert_null(dma_table_ptr(&t, 0x100000 + 4 * PG, 1, VFU_PROT_READ));
	assert_null(dma_table_ptr(&t, 0x100000 - 1, 1, VFU_PROT_READ));
	/* whole map at once, and a huge length that would wrap */
	assert_non_null(dma_table_ptr(&t, 0x100000, 4 * PG, RW));
	assert_null(dma_table_ptr(&t, 0x100000 + 8, UINT64_MAX, VFU_PROT_READ));
	/* writes through the table land in the client's memory */
	p = dma_table_ptr(&t, 0x100000 + 100, 4, VFU_PROT_WRITE);
	memcpy(p, "vmux", 4);
	assert_memory_equal(mine + 4 * PG + 100, "vmux", 4);

	munmap(mine, 16 * PG);
	dma_table_fini(&t);
}

static void test_overlaps_refused(void **state)
{
	struct dma_table t;
	dma_table_init(&t, 16, 1ull << 30, -1);
	assert_int_equal(dma_table_add(&t, 0x10000, 0x4000, -1, 0, RW), 0);
	assert_int_equal(dma_table_add(&t, 0x20000, 0x4000, -1, 0, RW), 0);
	/* same, inside, straddling either edge, covering */
	assert_int_equal(dma_table_add(&t, 0x10000, 0x4000, -1, 0, RW), -EEXIST);
	assert_int_equal(dma_table_add(&t, 0x11000, 0x1000, -1, 0, RW), -EEXIST);
	assert_int_equal(dma_table_add(&t, 0xf000, 0x2000, -1, 0, RW), -EEXIST);
	assert_int_equal(dma_table_add(&t, 0x13000, 0x2000, -1, 0, RW), -EEXIST);
	assert_int_equal(dma_table_add(&t, 0x0, 0x100000, -1, 0, RW), -EEXIST);
	assert_int_equal(dma_table_add(&t, 0x1f000, 0x2000, -1, 0, RW), -EEXIST);
	/* adjacent on both sides is fine */
	assert_int_equal(dma_table_add(&t, 0xc000, 0x4000, -1, 0, RW), 0);
	assert_int_equal(dma_table_add(&t, 0x14000, 0x1000, -1, 0, RW), 0);
	assert_int_equal(t.n, 4);
	/* empty and wrapping ranges */
	assert_int_equal(dma_table_add(&t, 0x90000, 0, -1, 0, RW), -EINVAL);
	assert_int_equal(dma_table_add(&t, UINT64_MAX - 0xfff, 0x2000, -1, 0, RW), -EINVAL);
	/* the very top of the address space is a valid place */
	assert_int_equal(dma_table_add(&t, UINT64_MAX - 0xfff, 0x1000, -1, 0, RW), 0);
	assert_non_null(dma_table_find(&t, UINT64_MAX));
	dma_table_fini(&t);
}

static int unmapped;
static void count_unmap(void *arg, uint64_t addr, uint64_t size)
{
	unmapped++;
}

static void test_unmap_rules(void **state)
{
	struct dma_table t;
	dma_table_init(&t, 16, 1ull << 30, -1);
	assert_int_equal(dma_table_add(&t, 0x10000, 0x4000, -1, 0, RW), 0);
	assert_int_equal(dma_table_add(&t, 0x14000, 0x4000, -1, 0, RW), 0);
	assert_int_equal(dma_table_add(&t, 0x30000, 0x1000, -1, 0, RW), 0);

	unmapped = 0;
	/* partial unmaps refused, nothing removed */
	assert_int_equal(dma_table_remove(&t, 0x10000, 0x1000, count_unmap, NULL), -EINVAL);
	assert_int_equal(dma_table_remove(&t, 0x11000, 0x3000, count_unmap, NULL), -EINVAL);
	assert_int_equal(dma_table_remove(&t, 0x10000, 0x5000, count_unmap, NULL), -EINVAL);
	assert_int_equal(t.n, 3);
	assert_int_equal(unmapped, 0);
	/* unknown range */
	assert_int_equal(dma_table_remove(&t, 0x40000, 0x1000, count_unmap, NULL), -ENOENT);
	assert_int_equal(dma_table_remove(&t, 0x20000, 0x1000, count_unmap, NULL), -ENOENT);
	/* a range covering two whole maps removes both, exactly */
	assert_int_equal(dma_table_remove(&t, 0x10000, 0x8000, count_unmap, NULL), 0);
	assert_int_equal(unmapped, 2);
	assert_int_equal(t.n, 1);
	assert_null(dma_table_find(&t, 0x10000));
	assert_non_null(dma_table_find(&t, 0x30000));
	/* exact match */
	assert_int_equal(dma_table_remove(&t, 0x30000, 0x1000, count_unmap, NULL), 0);
	assert_int_equal(t.n, 0);
	assert_int_equal(t.total, 0);
	dma_table_fini(&t);
}

static void test_limits_and_fd_checks(void **state)
{
	struct dma_table t;
	int fd = memfd_of(4 * PG);

	dma_table_init(&t, 2, 8 * PG, -1);
	/* larger than its fd, offset past the end, offset+size wrapping */
	assert_int_equal(dma_table_add(&t, 0, 8 * PG, fd, 0, RW), -EINVAL);
	assert_int_equal(dma_table_add(&t, 0, PG, fd, 4 * PG, RW), -EINVAL);
	assert_int_equal(dma_table_add(&t, 0, PG, fd, UINT64_MAX - 10, RW), -EINVAL);
	/* a pipe is not memory */
	int p[2];
	assert_int_equal(pipe(p), 0);
	assert_int_equal(dma_table_add(&t, 0, PG, p[0], 0, RW), -EINVAL);
	close(p[0]);
	close(p[1]);
	/* unknown prot bits */
	assert_int_equal(dma_table_add(&t, 0, PG, -1, 0, 0x80), -EINVAL);
	/* count limit and byte limit */
	assert_int_equal(dma_table_add(&t, 0, PG, fd, 0, RW), 0);
	assert_int_equal(dma_table_add(&t, 0x10000, 9 * PG, -1, 0, RW), -ENOSPC);
	assert_int_equal(dma_table_add(&t, 0x10000, PG, -1, 0, RW), 0);
	assert_int_equal(dma_table_add(&t, 0x20000, PG, -1, 0, RW), -ENOSPC);
	close(fd);
	dma_table_fini(&t);
}

static void test_prot_and_fdless(void **state)
{
	struct dma_table t;
	int fd = memfd_of(PG);
	dma_table_init(&t, 8, 1ull << 30, -1);
	assert_int_equal(dma_table_add(&t, 0x1000, PG, fd, 0, VFU_PROT_READ), 0);
	assert_int_equal(dma_table_add(&t, 0x2000, PG, -1, 0, RW), 0);
	assert_non_null(dma_table_ptr(&t, 0x1000, 16, VFU_PROT_READ));
	/* read-only memory cannot be written through the table */
	assert_null(dma_table_ptr(&t, 0x1000, 16, VFU_PROT_WRITE));
	/* memory without an fd has no pointer, but is found */
	assert_null(dma_table_ptr(&t, 0x2000, 16, VFU_PROT_READ));
	assert_non_null(dma_table_find(&t, 0x2fff));
	/* a range spanning two maps has no single pointer */
	assert_null(dma_table_ptr(&t, 0x1ff0, 0x20, VFU_PROT_READ));
	close(fd);
	dma_table_fini(&t);
}

static void test_many_maps_sorted(void **state)
{
	struct dma_table t;
	dma_table_init(&t, 1024, 1ull << 40, -1);
	/* insert in a scrambled order; lookups must find each */
	for (uint64_t i = 0; i < 512; i++) {
		uint64_t k = (i * 337) % 512;
		assert_int_equal(dma_table_add(&t, k * 0x10000, 0x1000, -1, 0, RW), 0);
	}
	for (uint64_t k = 0; k < 512; k++) {
		const struct dma_region *r = dma_table_find(&t, k * 0x10000 + 0xfff);
		assert_non_null(r);
		assert_int_equal(r->addr, k * 0x10000);
		assert_null(dma_table_find(&t, k * 0x10000 + 0x1000));
	}
	for (uint32_t i = 1; i < t.n; i++)
		assert_true(t.r[i - 1].addr < t.r[i].addr);
	dma_table_fini(&t);
}

/*
 * What may back guest RAM: tmpfs and hugetlbfs files, sealed or not. A
 * sealable memfd gets F_SEAL_SHRINK from us, an already sealed one is taken
 * as it is, one that cannot be sealed is taken unsealed (its accesses are
 * guarded, core/mguard); a file on any other file system is refused (a disk
 * or network file can block the thread that faults on it).
 */
static void test_fd_backing(void **state)
{
	struct dma_table t;
	const struct dma_region *r;
	(void)state;
	dma_table_init(&t, 16, 1ull << 30, -1);

	/* Sealable: sealed by the add, so the client's shrink now fails. */
	int fd = memfd_of(4 * PG);
	assert_int_equal(fcntl(fd, F_GET_SEALS) & F_SEAL_SHRINK, 0);
	assert_int_equal(dma_table_add(&t, 0x100000, 4 * PG, fd, 0, RW), 0);
	assert_true(fcntl(fd, F_GET_SEALS) & F_SEAL_SHRINK);
	assert_int_equal(ftruncate(fd, PG), -1);
	assert_int_equal(errno, EPERM);
	/* Growing stays allowed (QEMU's backend seals that too, we need not). */
	assert_int_equal(ftruncate(fd, 8 * PG), 0);
	close(fd);
	r = dma_table_find(&t, 0x100000);
	assert_non_null(r);
	assert_int_equal(r->backing, DMA_BACKING_TMPFS);
	assert_true(r->sealed);
	assert_int_equal(r->page_kib, PG / 1024);

	/* Sealed by the client already, sealing itself sealed: accepted. */
	fd = memfd_of(4 * PG);
	assert_int_equal(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL), 0);
	assert_int_equal(dma_table_add(&t, 0x200000, 4 * PG, fd, 0, RW), 0);
	assert_true(dma_table_find(&t, 0x200000)->sealed);
	close(fd);

	/* A memfd that does not allow sealing: accepted, not sealed, guarded. */
	unsigned guarded = mguard_count();
	fd = memfd_create("unsealable", MFD_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 4 * PG), 0);
	assert_int_equal(dma_table_add(&t, 0x300000, 4 * PG, fd, 0, RW), 0);
	assert_false(dma_table_find(&t, 0x300000)->sealed);
	assert_int_equal(mguard_count(), guarded + 1);
	close(fd);

	/* Sealing sealed without SHRINK: accepted unsealed. */
	fd = memfd_of(4 * PG);
	assert_int_equal(fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL), 0);
	assert_int_equal(dma_table_add(&t, 0x400000, 4 * PG, fd, 0, RW), 0);
	assert_false(dma_table_find(&t, 0x400000)->sealed);
	close(fd);

	/* A file on /dev/shm (tmpfs), as memory-backend-file makes it: accepted. */
	char shm[] = "/dev/shm/vmux-test-dma-XXXXXX";
	fd = mkstemp(shm);
	bool shm_ok = fd >= 0;
	if (shm_ok) {
		unlink(shm);
		assert_int_equal(ftruncate(fd, 4 * PG), 0);
		assert_int_equal(dma_table_add(&t, 0x500000, 4 * PG, fd, 0, RW), 0);
		assert_int_equal(dma_table_find(&t, 0x500000)->backing, DMA_BACKING_TMPFS);
		close(fd);
	}

	/* A file on a disk (the build folder, where the tests run): refused. */
	char path[] = "vmux-test-dma-XXXXXX";
	struct statfs sfs;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(ftruncate(fd, 4 * PG), 0);
	assert_int_equal(fstatfs(fd, &sfs), 0);
	if (sfs.f_type != TMPFS_MAGIC && sfs.f_type != HUGETLBFS_MAGIC)
		assert_int_equal(dma_table_add(&t, 0x600000, 4 * PG, fd, 0, RW), -EPERM);
	close(fd);

	assert_int_equal(t.n, shm_ok ? 5 : 4);
	dma_table_fini(&t);
	assert_int_equal(mguard_count(), guarded - 2);
}

/*
 * hugetlbfs: mmap takes offsets and lengths in huge pages, QEMU maps RAM
 * sections at 4 KiB offsets (0xc0000 past the VGA hole): the mapping is
 * aligned down and rounded up, never past the end of the file (that would
 * grow the client's file). Nothing is touched: no huge page is needed.
 */
static void test_hugetlb_alignment(void **state)
{
	const uint64_t HP = 2u << 20;
	struct dma_table t;
	const struct dma_region *r;
	struct stat st;
	(void)state;

	int fd = memfd_create("test-guest-ram-huge", MFD_CLOEXEC | MFD_HUGETLB | MFD_ALLOW_SEALING);
	if (fd < 0)
		skip();
	assert_int_equal(ftruncate(fd, (off_t)(2 * HP)), 0);
	dma_table_init(&t, 16, 1ull << 30, -1);
	assert_int_equal(dma_table_add(&t, 0xc0000, 0x100000, fd, 0xc0000, RW), 0);
	r = dma_table_find(&t, 0xc0000);
	assert_non_null(r);
	assert_int_equal(r->backing, DMA_BACKING_HUGETLBFS);
	assert_int_equal(r->page_kib, 2048);
	assert_true(r->sealed);
	assert_int_equal(r->ptr - (uint8_t *)r->map_base, 0xc0000);
	assert_int_equal(r->map_len, HP);
	assert_int_equal((uintptr_t)r->map_base % HP, 0);
	/* across a huge page boundary: two pages mapped */
	assert_int_equal(dma_table_add(&t, 0x1000000, 0x200000, fd, HP - 0x100000, RW), 0);
	assert_int_equal(dma_table_find(&t, 0x1000000)->map_len, 2 * HP);
	/* past the end of the file: refused, the file keeps its size */
	assert_int_equal(dma_table_add(&t, 0x2000000, HP, fd, HP + 0x1000, RW), -EINVAL);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_size, 2 * HP);
	dma_table_fini(&t);
	close(fd);
}

/*
 * fstat, linked with --wrap (the build's 64-bit file offsets make it
 * fstat64): for race_fd, the client truncates the file right after vmux read
 * its size, before vmux seals it.
 */
static int race_fd = -1;
int __real_fstat64(int fd, struct stat *st);
int __wrap_fstat64(int fd, struct stat *st);

int __wrap_fstat64(int fd, struct stat *st)
{
	int r = __real_fstat64(fd, st);
	if (fd == race_fd) {
		race_fd = -1;
		assert_int_equal(ftruncate(fd, 0), 0);
	}
	return r;
}

/*
 * A client that shrinks its memfd between vmux's fstat and vmux's seal must
 * not get a mapping past the end of the file (an access there is a SIGBUS
 * that takes vmux down): the size is read again once sealed.
 */
static void test_shrink_before_seal(void **state)
{
	struct dma_table t;
	(void)state;
	dma_table_init(&t, 16, 1ull << 30, -1);

	int fd = memfd_of(4 * PG);
	race_fd = fd;
	assert_int_equal(dma_table_add(&t, 0x100000, 4 * PG, fd, 0, RW), -EINVAL);
	assert_int_equal(race_fd, -1); /* the race was run */
	assert_int_equal(t.n, 0);
	/* Sealed now, at size 0: the client cannot have it both ways. */
	assert_true(fcntl(fd, F_GET_SEALS) & F_SEAL_SHRINK);
	close(fd);
	dma_table_fini(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_and_translate),
		cmocka_unit_test(test_overlaps_refused),
		cmocka_unit_test(test_unmap_rules),
		cmocka_unit_test(test_limits_and_fd_checks),
		cmocka_unit_test(test_prot_and_fdless),
		cmocka_unit_test(test_many_maps_sorted),
		cmocka_unit_test(test_fd_backing),
		cmocka_unit_test(test_shrink_before_seal),
		cmocka_unit_test(test_hugetlb_alignment),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
