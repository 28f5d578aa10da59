/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_malformed cases: the DMA map table (DMA_MAP, DMA_UNMAP, fds).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <linux/magic.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "client/vfuc.h"
#include "core/accept.h"
#include "core/log.h"
#include "fixture.h"
#include "itest.h"
#include "malformed.h"

/* ---- DMA map table ------------------------------------------------------------------------ */

void dma_map_msg(struct vfuc *v, uint16_t id, uint64_t addr, uint64_t size, uint64_t off,
		 uint32_t flags, int fd)
{
	struct vfu_dma_map m = { .argsz = sizeof(m), .flags = flags, .offset = off, .addr = addr,
				 .size = size };

	sendm(v, id, VFU_CMD_DMA_MAP, 0, 0, &m, sizeof(m), fd >= 0 ? &fd : NULL, fd >= 0);
}

void test_dma_map_overlap(void **state)
{
	struct vfuc *v = victim(true);
	int fd = memfd_of(0x10000);

	assert_int_equal(vfuc_dma_map(v, 0x100000, 0x4000, fd, 0, 3), 0);
	dma_map_msg(v, ID, 0x100000, 0x4000, 0, 3, fd);      /* same */
	expect_error(v, ID);
	dma_map_msg(v, ID + 1, 0x103000, 0x2000, 0, 3, fd);  /* tail */
	expect_error(v, ID + 1);
	dma_map_msg(v, ID + 2, 0xff000, 0x2000, 0, 3, fd);   /* head */
	expect_error(v, ID + 2);
	dma_map_msg(v, ID + 3, 0xf0000, 0x20000, 0, 3, -1); /* around, no fd */
	expect_error(v, ID + 3);
	dma_map_msg(v, ID + 4, 0x101000, 0x1000, 0, 3, -1); /* inside */
	expect_error(v, ID + 4);
	/* adjacent is fine */
	assert_int_equal(vfuc_dma_map(v, 0x104000, 0x4000, fd, 0x4000, 3), 0);
	close(fd);
}

/*
 * Guest RAM must fault without I/O: a file on a disk file system is refused
 * (EPERM); a memfd that cannot be sealed is taken (its accesses are guarded),
 * and a sealable one is sealed against shrinking by the server.
 */
void test_dma_map_backing(void **state)
{
	struct vfuc *v = victim(true);
	char path[] = "vmux-it-disk-XXXXXX"; /* in the build folder: on a disk */
	struct statfs sfs;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(ftruncate(fd, 0x4000), 0);
	assert_int_equal(fstatfs(fd, &sfs), 0);
	if (sfs.f_type != TMPFS_MAGIC && sfs.f_type != HUGETLBFS_MAGIC) {
		dma_map_msg(v, ID, 0x100000, 0x4000, 0, 3, fd);
		expect_errno(v, ID, EPERM);
	}
	close(fd);
	fd = memfd_create("it-unsealable", MFD_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 0x4000), 0);
	assert_int_equal(vfuc_dma_map(v, 0x100000, 0x4000, fd, 0, 3), 0);
	close(fd);
	fd = memfd_of(0x4000);
	assert_int_equal(vfuc_dma_map(v, 0x200000, 0x4000, fd, 0, 3), 0);
	assert_true(fcntl(fd, F_GET_SEALS) & F_SEAL_SHRINK);
	close(fd);
}

/*
 * Messages sent back to back reach the server in one read: the fds of a
 * DMA_MAP that follows a posted REGION_WRITE belong to the DMA_MAP, not to
 * the write (which would be refused for carrying fds) nor to nobody (the map
 * would have no fd). 40 pairs without waiting, so that the server lags
 * behind and reads several messages at once.
 */
void test_pipelined_fds(void **state)
{
	enum { PAIRS = 40 };
	struct vfuc *v = victim(true);
	int fds[PAIRS];
	uint8_t w[16 + 4];
	uint32_t maps = vfuc_bar_read32(v, 0, FX_MAPS);

	for (uint32_t i = 0; i < PAIRS; i++) {
		uint32_t val = 0x1000 + i;

		fds[i] = memfd_of(0x1000);
		region_rw_msg(w, FX_SCRATCH, 0, 4);
		memcpy(w + 16, &val, 4);
		sendm(v, (uint16_t)(ID + 2 * i), VFU_CMD_REGION_WRITE, VFU_F_NO_REPLY, 0, w,
		      sizeof(w), NULL, 0);
		dma_map_msg(v, (uint16_t)(ID + 2 * i + 1), 0x100000 + (uint64_t)i * 0x1000, 0x1000, 0,
			3, fds[i]);
	}
	for (uint32_t i = 0; i < PAIRS; i++) {
		uint32_t err = 0;
		enum answer a = answer(v, (uint16_t)(ID + 2 * i + 1), &err);

		if (a != ANS_OK)
			fail_msg("DMA_MAP %u: %s (error %u)", i, ans_name(a), err);
		/* The server had the fd: it sealed it against shrinking. */
		assert_true(fcntl(fds[i], F_GET_SEALS) & F_SEAL_SHRINK);
		close(fds[i]);
	}
	assert_int_equal(vfuc_bar_read32(v, 0, FX_SCRATCH), 0x1000 + PAIRS - 1);
	assert_int_equal(vfuc_bar_read32(v, 0, FX_MAPS), maps + PAIRS);
}

void test_dma_map_bad_flags(void **state)
{
	struct vfuc *v = victim(true);
	int fd = memfd_of(0x4000);

	dma_map_msg(v, ID, 0x100000, 0x4000, 0, 0x4, fd);
	expect_error(v, ID);
	dma_map_msg(v, ID + 1, 0x100000, 0x4000, 0, 0x80000003u, fd);
	expect_error(v, ID + 1);
	dma_map_msg(v, ID + 2, 0x100000, 0x4000, 0, 0, fd);
	expect_error(v, ID + 2);
	{
		struct vfu_dma_unmap u = { .argsz = sizeof(u), .flags = 0x8 };

		sendm(v, ID + 3, VFU_CMD_DMA_UNMAP, 0, 0, &u, sizeof(u), NULL, 0);
		expect_error(v, ID + 3);
	}
	close(fd);
}

void test_dma_map_bad_range(void **state)
{
	struct vfuc *v = victim(true);
	int fd = memfd_of(0x4000);

	dma_map_msg(v, ID, 0x100000, 0x8000, 0, 3, fd);          /* larger than the fd */
	expect_error(v, ID);
	dma_map_msg(v, ID + 1, 0x100000, 0x4000, 0x1000, 3, fd); /* offset pushes it past the end */
	expect_error(v, ID + 1);
	dma_map_msg(v, ID + 2, 0x100000, 0x1000, UINT64_MAX - 0xfff, 3, fd); /* offset overflow */
	expect_error(v, ID + 2);
	dma_map_msg(v, ID + 3, UINT64_MAX - 0xfff, 0x2000, 0, 3, -1); /* address wraps */
	expect_error(v, ID + 3);
	dma_map_msg(v, ID + 4, 0x100000, 0, 0, 3, fd);           /* empty */
	expect_error(v, ID + 4);
	dma_map_msg(v, ID + 5, 0x100001, 0x1000, 0, 3, fd);      /* not page aligned */
	expect_error(v, ID + 5);
	dma_map_msg(v, ID + 6, 0x100000, 0x1001, 0, 3, fd);
	expect_error(v, ID + 6);
	close(fd);
}

void test_dma_map_bad_fd(void **state)
{
	struct vfuc *v = victim(true);
	int efd = eventfd(0, EFD_CLOEXEC);
	int sp[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp), 0);
	dma_map_msg(v, ID, 0x100000, 0x1000, 0, 3, efd);
	expect_error(v, ID);
	dma_map_msg(v, ID + 1, 0x100000, 0x1000, 0, 3, sp[0]);
	expect_error(v, ID + 1);
	/* two fds for one mapping */
	{
		struct vfu_dma_map m = { .argsz = sizeof(m), .flags = 3, .addr = 0x100000,
					 .size = 0x1000 };
		int two[2] = { memfd_of(0x1000), memfd_of(0x1000) };

		sendm(v, ID + 2, VFU_CMD_DMA_MAP, 0, 0, &m, sizeof(m), two, 2);
		close(two[0]);
		close(two[1]);
		expect_error(v, ID + 2);
	}
	close(efd);
	close(sp[0]);
	close(sp[1]);
}

void test_dma_unmap_unknown_and_partial(void **state)
{
	struct vfuc *v = victim(true);
	int fd = memfd_of(0x8000);
	struct vfu_dma_unmap u = { .argsz = sizeof(u) };

	assert_int_equal(vfuc_dma_map(v, 0x200000, 0x8000, fd, 0, 3), 0);
	u.addr = 0x300000;
	u.size = 0x1000;
	sendm(v, ID, VFU_CMD_DMA_UNMAP, 0, 0, &u, sizeof(u), NULL, 0);
	expect_error(v, ID);
	u.addr = 0x200000;
	u.size = 0x4000; /* first half */
	sendm(v, ID + 1, VFU_CMD_DMA_UNMAP, 0, 0, &u, sizeof(u), NULL, 0);
	expect_error(v, ID + 1);
	u.addr = 0x204000; /* second half */
	sendm(v, ID + 2, VFU_CMD_DMA_UNMAP, 0, 0, &u, sizeof(u), NULL, 0);
	expect_error(v, ID + 2);
	u.addr = 0x1ff000;
	u.size = 0x2000; /* straddles the start */
	sendm(v, ID + 3, VFU_CMD_DMA_UNMAP, 0, 0, &u, sizeof(u), NULL, 0);
	expect_error(v, ID + 3);
	u.addr = 0;
	u.size = 0x1000;
	u.flags = VFU_DMA_UNMAP_F_ALL; /* ALL with a range */
	sendm(v, ID + 4, VFU_CMD_DMA_UNMAP, 0, 0, &u, sizeof(u), NULL, 0);
	expect_error(v, ID + 4);
	u.addr = 0;
	u.size = 0;
	u.flags = 0; /* empty range */
	sendm(v, ID + 5, VFU_CMD_DMA_UNMAP, 0, 0, &u, sizeof(u), NULL, 0);
	expect_error(v, ID + 5);
	u.addr = 0xfffffffffffff000ull;
	u.size = 0x2000; /* wraps */
	sendm(v, ID + 6, VFU_CMD_DMA_UNMAP, 0, 0, &u, sizeof(u), NULL, 0);
	expect_error(v, ID + 6);
	/* the mapping is intact: a range covering it whole removes it (VFIO type1 rules) */
	assert_int_equal(vfuc_dma_unmap(v, 0x1ff000, 0x10000, 0), 0);
	assert_int_equal(vfuc_dma_unmap(v, 0x200000, 0x8000, 0), -ENOENT);
	close(fd);
}

/* tight group: max_dma_maps 4 */
void test_dma_map_limit(void **state)
{
	struct vfuc *v = victim(true);
	int fd = memfd_of(0x1000);

	for (uint64_t i = 0; i < 4; i++)
		assert_int_equal(vfuc_dma_map(v, 0x100000 + i * 0x1000, 0x1000, fd, 0, 3), 0);
	dma_map_msg(v, ID, 0x200000, 0x1000, 0, 3, fd);
	expect_error(v, ID);
	close(fd);
}
