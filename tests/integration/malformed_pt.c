/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_malformed cases of the passthrough group: malformed DMA_MAP,
 * DMA_UNMAP and SET_IRQS against the passthrough model on the fake VFIO
 * device (passthrough/fake_vfio.h), checked on what reaches the "device":
 * the IOMMU holds exactly the valid maps, VFIO's SET_IRQS sees no call made
 * of a malformed message. (The group also runs the fixture's DMA and
 * SET_IRQS cases against it: test_malformed.c.)
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "client/vfuc.h"
#include "fixture.h"
#include "malformed.h"
#include "passthrough/fake_vfio.h"

static unsigned set_calls(void)
{
	pthread_mutex_lock(&PTF.mu);
	unsigned n = PTF.set_calls;
	pthread_mutex_unlock(&PTF.mu);
	return n;
}

/* The IOMMU holds exactly one map: [iova, +size). */
static void iommu_has_one(uint64_t iova, uint64_t size, int line)
{
	pthread_mutex_lock(&PTF.mu);
	unsigned n = PTF.nmaps;
	struct ptf_map m = n ? PTF.maps[0] : (struct ptf_map){ 0 };
	pthread_mutex_unlock(&PTF.mu);
	if (n != 1 || m.iova != iova || m.size != size)
		fail_msg("line %d: the IOMMU holds %u maps (first %#jx+%#jx), not %#jx+%#jx", line,
			 n, (uintmax_t)m.iova, (uintmax_t)m.size, (uintmax_t)iova,
			 (uintmax_t)size);
}

#define IOMMU_HAS_ONE(a, s) iommu_has_one(a, s, __LINE__)

void test_pt_dma_iommu_untouched(void **state)
{
	struct vfuc *v = victim(true);
	int fd = memfd_of(0x10000), efd = eventfd(0, EFD_CLOEXEC), sp[2];
	uint16_t id = ID;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp), 0);
	assert_int_equal(vfuc_dma_map(v, 0x100000, 0x4000, fd, 0, 3), 0);
	IOMMU_HAS_ONE(0x100000, 0x4000);
	/* argsz below the command, flags unknown or none */
	{
		struct vfu_dma_map m = { .argsz = 16, .flags = 3, .addr = 0x200000, .size = 0x1000 };
		sendm(v, id, VFU_CMD_DMA_MAP, 0, 0, &m, sizeof(m), &fd, 1);
		expect_error(v, id++);
	}
	dma_map_msg(v, id, 0x200000, 0x1000, 0, 0x80000003u, fd);
	expect_error(v, id++);
	dma_map_msg(v, id, 0x200000, 0x1000, 0, 0, fd);
	expect_error(v, id++);
	/* overlapping the valid map: same, head, tail, inside, around */
	dma_map_msg(v, id, 0x100000, 0x4000, 0, 3, fd);
	expect_error(v, id++);
	dma_map_msg(v, id, 0xff000, 0x2000, 0, 3, fd);
	expect_error(v, id++);
	dma_map_msg(v, id, 0x103000, 0x2000, 0, 3, fd);
	expect_error(v, id++);
	dma_map_msg(v, id, 0x101000, 0x1000, 0x1000, 3, fd);
	expect_error(v, id++);
	dma_map_msg(v, id, 0xf0000, 0x20000, 0, 3, fd);
	expect_error(v, id++);
	/* unaligned, empty, huge, past the fd, wrapping */
	dma_map_msg(v, id, 0x200001, 0x1000, 0, 3, fd);
	expect_error(v, id++);
	dma_map_msg(v, id, 0x200000, 0x1800, 0, 3, fd);
	expect_error(v, id++);
	dma_map_msg(v, id, 0x200000, 0x1000, 0x800, 3, fd);
	expect_error(v, id++);
	dma_map_msg(v, id, 0x200000, 0, 0, 3, fd);
	expect_error(v, id++);
	dma_map_msg(v, id, 0x200000, 1ull << 62, 0, 3, fd);
	expect_error(v, id++);
	dma_map_msg(v, id, 0x200000, 0x20000, 0, 3, fd);
	expect_error(v, id++);
	dma_map_msg(v, id, 0x200000, 0x1000, UINT64_MAX - 0xfff, 3, fd);
	expect_error(v, id++);
	dma_map_msg(v, id, UINT64_MAX - 0xfff, 0x2000, 0, 3, fd);
	expect_error(v, id++);
	/* fds that are not memory, two fds for one map */
	dma_map_msg(v, id, 0x200000, 0x1000, 0, 3, efd);
	expect_error(v, id++);
	dma_map_msg(v, id, 0x200000, 0x1000, 0, 3, sp[0]);
	expect_error(v, id++);
	{
		struct vfu_dma_map m = { .argsz = sizeof(m), .flags = 3, .addr = 0x200000,
					 .size = 0x1000 };
		int two[2] = { fd, fd };
		sendm(v, id, VFU_CMD_DMA_MAP, 0, 0, &m, sizeof(m), two, 2);
		expect_error(v, id++);
	}
	IOMMU_HAS_ONE(0x100000, 0x4000);
	/* unmaps: argsz, never mapped, partial, straddling, wrapping, ALL with a range */
	{
		struct vfu_dma_unmap u = { .argsz = 8, .addr = 0x100000, .size = 0x4000 };
		sendm(v, id, VFU_CMD_DMA_UNMAP, 0, 0, &u, sizeof(u), NULL, 0);
		expect_error(v, id++);
		static const struct { uint64_t a, s; uint32_t f; } bad[] = {
			{ 0x500000, 0x1000, 0 }, { 0x100000, 0x1000, 0 }, { 0x102000, 0x2000, 0 },
			{ 0xff000, 0x2000, 0 }, { 0x103000, 0x2000, 0 },
			{ 0xfffffffffffff000ull, 0x2000, 0 }, { 0, 0, 0 },
			{ 0x100000, 0x4000, VFU_DMA_UNMAP_F_ALL }, { 0x100000, 0x4000, 0x8 },
		};
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			u = (struct vfu_dma_unmap){ .argsz = sizeof(u), .flags = bad[i].f,
						    .addr = bad[i].a, .size = bad[i].s };
			sendm(v, id, VFU_CMD_DMA_UNMAP, 0, 0, &u, sizeof(u), NULL, 0);
			expect_error(v, id++);
		}
		/* an unmap carrying an fd */
		u = (struct vfu_dma_unmap){ .argsz = sizeof(u), .addr = 0x100000, .size = 0x4000 };
		sendm(v, id, VFU_CMD_DMA_UNMAP, 0, 0, &u, sizeof(u), &fd, 1);
		expect_error_or_closed(v, id++);
	}
	if (!vfuc_server_closed(v, 0)) {
		IOMMU_HAS_ONE(0x100000, 0x4000);
		/* the valid map is still whole, and goes as a whole */
		assert_int_equal(vfuc_dma_unmap(v, 0x100000, 0x4000, 0), 0);
		assert_int_equal(pt_fake_nmaps(), 0);
		assert_int_equal(vfuc_dma_unmap(v, 0x100000, 0x4000, 0), -ENOENT);
	}
	close(fd);
	close(efd);
	close(sp[0]);
	close(sp[1]);
}

void test_pt_set_irqs_vfio_untouched(void **state)
{
	const uint32_t EFD_TRIG = VFU_IRQ_SET_DATA_EVENTFD | VFU_IRQ_SET_ACTION_TRIGGER;
	const uint32_t NONE_TRIG = VFU_IRQ_SET_DATA_NONE | VFU_IRQ_SET_ACTION_TRIGGER;
	struct vfuc *v = victim(true);
	int e[10], sp[2], mfd = memfd_of(4096);
	uint8_t bools[16];
	uint16_t id = ID;

	(void)state;
	memset(bools, 1, sizeof(bools));
	for (int i = 0; i < 10; i++)
		e[i] = eventfd(0, EFD_CLOEXEC);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp), 0);
	unsigned calls = set_calls();
	/* argsz; bad index */
	set_irqs_raw(v, id, 12, NONE_TRIG, VFU_IRQ_MSIX, 0, 1, NULL, 0, NULL, 0);
	expect_error(v, id++);
	set_irqs_raw(v, id, 20, EFD_TRIG, VFU_IRQ_NUM, 0, 1, NULL, 0, e, 1);
	expect_error(v, id++);
	set_irqs_raw(v, id, 20, EFD_TRIG, 0xffffffffu, 0, 1, NULL, 0, e, 1);
	expect_error(v, id++);
	/* counts past the vectors (8 MSI-X, 1 MSI, 1 INTx) */
	set_irqs_raw(v, id, 20, EFD_TRIG, VFU_IRQ_MSIX, 0, 9, NULL, 0, e, 9);
	expect_error(v, id++);
	set_irqs_raw(v, id, 20, EFD_TRIG, VFU_IRQ_MSIX, 7, 2, NULL, 0, e, 2);
	expect_error(v, id++);
	set_irqs_raw(v, id, 20, NONE_TRIG, VFU_IRQ_MSIX, 0xffffffffu, 2, NULL, 0, NULL, 0);
	expect_error(v, id++);
	set_irqs_raw(v, id, 20, EFD_TRIG, VFU_IRQ_MSI, 0, 2, NULL, 0, e, 2);
	expect_error(v, id++);
	set_irqs_raw(v, id, 20, EFD_TRIG, VFU_IRQ_INTX, 1, 1, NULL, 0, e, 1);
	expect_error(v, id++);
	/* fd counts not the count */
	set_irqs_raw(v, id, 20, EFD_TRIG, VFU_IRQ_MSIX, 0, 4, NULL, 0, e, 3);
	expect_error(v, id++);
	set_irqs_raw(v, id, 20, EFD_TRIG, VFU_IRQ_MSIX, 0, 1, NULL, 0, e, 2);
	expect_error(v, id++);
	set_irqs_raw(v, id, 20, NONE_TRIG, VFU_IRQ_MSIX, 0, 1, NULL, 0, e, 1);
	expect_error(v, id++);
	/* flags and actions: two data types, two actions, none, unknown bits, eventfd + MASK */
	set_irqs_raw(v, id, 21, VFU_IRQ_SET_DATA_NONE | VFU_IRQ_SET_DATA_BOOL |
		     VFU_IRQ_SET_ACTION_TRIGGER, VFU_IRQ_MSIX, 0, 1, bools, 1, NULL, 0);
	expect_error(v, id++);
	set_irqs_raw(v, id, 20, VFU_IRQ_SET_DATA_NONE | VFU_IRQ_SET_ACTION_MASK |
		     VFU_IRQ_SET_ACTION_UNMASK, VFU_IRQ_MSIX, 0, 1, NULL, 0, NULL, 0);
	expect_error(v, id++);
	set_irqs_raw(v, id, 20, 0, VFU_IRQ_MSIX, 0, 1, NULL, 0, NULL, 0);
	expect_error(v, id++);
	set_irqs_raw(v, id, 20, NONE_TRIG | 0x1000, VFU_IRQ_MSIX, 0, 1, NULL, 0, NULL, 0);
	expect_error(v, id++);
	set_irqs_raw(v, id, 20, VFU_IRQ_SET_DATA_EVENTFD | VFU_IRQ_SET_ACTION_MASK, VFU_IRQ_MSIX,
		     0, 1, NULL, 0, e, 1);
	expect_error(v, id++);
	set_irqs_raw(v, id, 20, NONE_TRIG, VFU_IRQ_MSIX, 3, 0, NULL, 0, NULL, 0);
	expect_error(v, id++);
	set_irqs_raw(v, id, 20, EFD_TRIG, VFU_IRQ_MSIX, 0, 0, NULL, 0, e, 1);
	expect_error(v, id++);
	/* DATA_BOOL shorter than count */
	set_irqs_raw(v, id, 22, VFU_IRQ_SET_DATA_BOOL | VFU_IRQ_SET_ACTION_TRIGGER, VFU_IRQ_MSIX, 0,
		     8, bools, 2, NULL, 0);
	expect_error(v, id++);
	/* "eventfds" that are a socket or a memfd */
	set_irqs_raw(v, id, 20, EFD_TRIG, VFU_IRQ_MSIX, 0, 1, NULL, 0, sp, 1);
	expect_error(v, id++);
	set_irqs_raw(v, id, 20, EFD_TRIG, VFU_IRQ_MSIX, 0, 1, NULL, 0, &mfd, 1);
	expect_error(v, id++);
	if (set_calls() != calls)
		fail_msg("malformed SET_IRQS reached VFIO (%u calls)", set_calls() - calls);
	assert_true(pt_fake_released());
	/* and a valid one does reach it: the check above is not blind */
	assert_int_equal(vfuc_set_irqs(v, VFU_IRQ_MSIX, EFD_TRIG, 0, 8, NULL, 0, e, 8), 0);
	assert_true(set_calls() != calls);
	pthread_mutex_lock(&PTF.mu);
	unsigned on = PTF.on_count[2];
	pthread_mutex_unlock(&PTF.mu);
	assert_int_equal(on, 8);
	for (int i = 0; i < 10; i++)
		close(e[i]);
	close(sp[0]);
	close(sp[1]);
	close(mfd);
}

/* The IOMMU refusing a map (RLIMIT_MEMLOCK, its limit): the client hears it, vfu forgets it. */
void test_pt_iommu_refuses(void **state)
{
	struct vfuc *v = victim(true);
	int fd = memfd_of(0x4000);

	(void)state;
	pthread_mutex_lock(&PTF.mu);
	PTF.map_fail = ENOSPC;
	pthread_mutex_unlock(&PTF.mu);
	dma_map_msg(v, ID, 0x100000, 0x4000, 0, 3, fd);
	expect_errno(v, ID, ENOSPC);
	pthread_mutex_lock(&PTF.mu);
	PTF.map_fail = 0;
	pthread_mutex_unlock(&PTF.mu);
	assert_int_equal(pt_fake_nmaps(), 0);
	assert_int_equal(vfuc_dma_unmap(v, 0x100000, 0x4000, 0), -ENOENT);
	assert_int_equal(vfuc_dma_map(v, 0x100000, 0x4000, fd, 0, 3), 0);
	IOMMU_HAS_ONE(0x100000, 0x4000);
	close(fd);
}
