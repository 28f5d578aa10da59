/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_malformed cases: argsz, indices and bounds; SET_IRQS; WRITE_MULTI.
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

/* ---- argsz, indices, bounds -------------------------------------------------------------- */

void test_argsz_too_small(void **state)
{
	struct vfuc *v = victim(true);
	struct vfu_device_info di = { .argsz = 8 };
	struct vfu_region_info ri = { .argsz = 16, .index = 0 };
	struct vfu_irq_info ii = { .argsz = 4, .index = 0 };
	struct vfu_irq_set s = { .argsz = 12, .index = VFU_IRQ_MSIX, .count = 1,
				 .flags = VFU_IRQ_SET_DATA_NONE | VFU_IRQ_SET_ACTION_TRIGGER };
	struct vfu_dma_map m = { .argsz = 16, .flags = 3, .addr = 0x10000, .size = 0x1000 };
	struct vfu_dma_unmap u = { .argsz = 8, .flags = VFU_DMA_UNMAP_F_ALL };

	sendm(v, ID, VFU_CMD_DEVICE_GET_INFO, 0, 0, &di, sizeof(di), NULL, 0);
	expect_errno(v, ID, EINVAL);
	sendm(v, ID + 1, VFU_CMD_DEVICE_GET_REGION_INFO, 0, 0, &ri, sizeof(ri), NULL, 0);
	expect_errno(v, ID + 1, EINVAL);
	sendm(v, ID + 2, VFU_CMD_DEVICE_GET_IRQ_INFO, 0, 0, &ii, sizeof(ii), NULL, 0);
	expect_error(v, ID + 2);
	sendm(v, ID + 3, VFU_CMD_DEVICE_SET_IRQS, 0, 0, &s, sizeof(s), NULL, 0);
	expect_error(v, ID + 3);
	sendm(v, ID + 4, VFU_CMD_DMA_MAP, 0, 0, &m, sizeof(m), NULL, 0);
	expect_error(v, ID + 4);
	sendm(v, ID + 5, VFU_CMD_DMA_UNMAP, 0, 0, &u, sizeof(u), NULL, 0);
	expect_error(v, ID + 5);
}

void test_index_out_of_range(void **state)
{
	struct vfuc *v = victim(true);
	uint8_t p[16];
	uint32_t idx[] = { VFU_PCI_NUM_REGIONS, 64, 0x80000000u, 0xffffffffu };

	for (size_t i = 0; i < sizeof(idx) / sizeof(idx[0]); i++) {
		struct vfu_region_info ri = { .argsz = 32, .index = idx[i] };
		struct vfu_irq_info ii = { .argsz = 16, .index = idx[i] };

		region_rw_msg(p, 0, idx[i], 4);
		sendm(v, ID, VFU_CMD_REGION_READ, 0, 0, p, sizeof(p), NULL, 0);
		expect_error(v, ID);
		sendm(v, ID + 1, VFU_CMD_DEVICE_GET_REGION_INFO, 0, 0, &ri, sizeof(ri), NULL, 0);
		expect_error(v, ID + 1);
		ii.index = idx[i] - VFU_PCI_NUM_REGIONS + VFU_IRQ_NUM;
		sendm(v, ID + 2, VFU_CMD_DEVICE_GET_IRQ_INFO, 0, 0, &ii, sizeof(ii), NULL, 0);
		expect_error(v, ID + 2);
	}
	/* a region that exists in the numbering but has no size */
	region_rw_msg(p, 0, VFU_PCI_BAR3, 4);
	sendm(v, ID, VFU_CMD_REGION_READ, 0, 0, p, sizeof(p), NULL, 0);
	expect_error(v, ID);
}

void test_offset_count_overflow(void **state)
{
	static const struct { uint64_t off; uint32_t count; } bad[] = {
		{ UINT64_MAX, 1 }, { UINT64_MAX - 3, 8 }, { 4096, 1 }, { 4092, 8 },
		{ 0, 0 }, { 0, 4097 }, { 0x8000000000000000ull, 4 }, { 0, 0xffffffffu },
	};
	struct vfuc *v = victim(true);
	uint8_t p[16];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		region_rw_msg(p, bad[i].off, 0, bad[i].count);
		sendm(v, (uint16_t)(ID + i), VFU_CMD_REGION_READ, 0, 0, p, sizeof(p), NULL, 0);
		expect_error(v, (uint16_t)(ID + i));
	}
	/* writes with a payload that matches the count but not the region */
	{
		uint8_t w[16 + 8] = { 0 };

		region_rw_msg(w, UINT64_MAX - 3, 0, 8);
		sendm(v, ID, VFU_CMD_REGION_WRITE, 0, 0, w, sizeof(w), NULL, 0);
		expect_error(v, ID);
		region_rw_msg(w, 255, VFU_PCI_CONFIG, 8);
		sendm(v, ID + 1, VFU_CMD_REGION_WRITE, 0, 0, w, sizeof(w), NULL, 0);
		expect_error(v, ID + 1);
	}
	assert_int_equal(vfuc_bar_read32(v, 0, FX_SCRATCH), 0);
}

void test_write_count_mismatch(void **state)
{
	struct vfuc *v = victim(true);
	uint8_t w[16 + 8];

	memset(w, 0x77, sizeof(w));
	region_rw_msg(w, FX_SCRATCH, 0, 8);
	sendm(v, ID, VFU_CMD_REGION_WRITE, 0, 0, w, 16 + 4, NULL, 0); /* count > payload */
	expect_error(v, ID);
	region_rw_msg(w, FX_SCRATCH, 0, 2);
	sendm(v, ID + 1, VFU_CMD_REGION_WRITE, 0, 0, w, 16 + 8, NULL, 0); /* count < payload */
	expect_error(v, ID + 1);
	region_rw_msg(w, FX_SCRATCH, 0, 0);
	sendm(v, ID + 2, VFU_CMD_REGION_WRITE, 0, 0, w, 16, NULL, 0); /* zero */
	expect_error(v, ID + 2);
	/* a posted bad write is dropped silently; the next request is answered */
	region_rw_msg(w, FX_SCRATCH, 0, 8);
	sendm(v, ID + 3, VFU_CMD_REGION_WRITE, VFU_F_NO_REPLY, 0, w, 16 + 4, NULL, 0);
	assert_int_equal(vfuc_bar_read32(v, 0, FX_SCRATCH), 0);
	/* a REGION_READ carrying data */
	region_rw_msg(w, FX_ID, 0, 4);
	sendm(v, ID + 4, VFU_CMD_REGION_READ, 0, 0, w, 16 + 4, NULL, 0);
	expect_error(v, ID + 4);
}


/* ---- SET_IRQS --------------------------------------------------------------------------------- */

void set_irqs_raw(struct vfuc *v, uint16_t id, uint32_t argsz, uint32_t flags,
		  uint32_t index, uint32_t start, uint32_t count, const void *data,
		  size_t dlen, const int *fds, size_t nfds)
{
	uint8_t p[64];
	struct vfu_irq_set s = { .argsz = argsz, .flags = flags, .index = index, .start = start,
				 .count = count };

	memcpy(p, &s, sizeof(s));
	if (dlen)
		memcpy(p + sizeof(s), data, dlen);
	sendm(v, id, VFU_CMD_DEVICE_SET_IRQS, 0, 0, p, sizeof(s) + dlen, fds, nfds);
}

void test_set_irqs_bad(void **state)
{
	const uint32_t EFD_TRIG = VFU_IRQ_SET_DATA_EVENTFD | VFU_IRQ_SET_ACTION_TRIGGER;
	const uint32_t NONE_TRIG = VFU_IRQ_SET_DATA_NONE | VFU_IRQ_SET_ACTION_TRIGGER;
	struct vfuc *v = victim(true);
	int fds[3] = { eventfd(0, EFD_CLOEXEC), eventfd(0, EFD_CLOEXEC), eventfd(0, EFD_CLOEXEC) };
	uint8_t bools[8] = { 1, 1, 1, 1, 1, 1, 1, 1 };
	uint16_t id = ID;

	/* bad index */
	set_irqs_raw(v, id, 20, NONE_TRIG, VFU_IRQ_NUM, 0, 1, NULL, 0, NULL, 0);
	expect_error(v, id++);
	set_irqs_raw(v, id, 20, EFD_TRIG, 0xffffffff, 0, 1, NULL, 0, fds, 1);
	expect_error(v, id++);
	/* bad range */
	set_irqs_raw(v, id, 20, EFD_TRIG, VFU_IRQ_MSIX, 7, 2, NULL, 0, fds, 2);
	expect_error(v, id++);
	set_irqs_raw(v, id, 20, NONE_TRIG, VFU_IRQ_MSIX, 0xffffffff, 2, NULL, 0, NULL, 0);
	expect_error(v, id++);
	set_irqs_raw(v, id, 20, NONE_TRIG, VFU_IRQ_MSI, 1, 1, NULL, 0, NULL, 0);
	expect_error(v, id++);
	set_irqs_raw(v, id, 20, VFU_IRQ_SET_DATA_NONE | VFU_IRQ_SET_ACTION_UNMASK, VFU_IRQ_INTX,
		     0, 2, NULL, 0, NULL, 0);
	expect_error(v, id++);
	/* fd count not matching count */
	set_irqs_raw(v, id, 20, EFD_TRIG, VFU_IRQ_MSIX, 0, 3, NULL, 0, fds, 2);
	expect_error(v, id++);
	set_irqs_raw(v, id, 20, EFD_TRIG, VFU_IRQ_MSIX, 0, 1, NULL, 0, fds, 3);
	expect_error(v, id++);
	/* DATA_BOOL with fewer bytes than count */
	set_irqs_raw(v, id, 22, VFU_IRQ_SET_DATA_BOOL | VFU_IRQ_SET_ACTION_TRIGGER, VFU_IRQ_MSIX, 0,
		     8, bools, 2, NULL, 0);
	expect_error(v, id++);
	/* two data types, two actions, none, unknown bits */
	set_irqs_raw(v, id, 20, VFU_IRQ_SET_DATA_NONE | VFU_IRQ_SET_DATA_BOOL |
		     VFU_IRQ_SET_ACTION_TRIGGER, VFU_IRQ_MSIX, 0, 1, bools, 1, NULL, 0);
	expect_error(v, id++);
	set_irqs_raw(v, id, 20, VFU_IRQ_SET_DATA_NONE | VFU_IRQ_SET_ACTION_MASK |
		     VFU_IRQ_SET_ACTION_UNMASK, VFU_IRQ_MSIX, 0, 1, NULL, 0, NULL, 0);
	expect_error(v, id++);
	set_irqs_raw(v, id, 20, 0, VFU_IRQ_MSIX, 0, 1, NULL, 0, NULL, 0);
	expect_error(v, id++);
	set_irqs_raw(v, id, 20, NONE_TRIG | 0x1000, VFU_IRQ_MSIX, 0, 1, NULL, 0, NULL, 0);
	expect_error(v, id++);
	/* count 0 is only "disable" with DATA_NONE|TRIGGER at start 0 */
	set_irqs_raw(v, id, 20, NONE_TRIG, VFU_IRQ_MSIX, 3, 0, NULL, 0, NULL, 0);
	expect_error(v, id++);
	set_irqs_raw(v, id, 20, EFD_TRIG, VFU_IRQ_MSIX, 0, 0, NULL, 0, fds, 1);
	expect_error(v, id++);
	/* eventfd + MASK makes no sense */
	set_irqs_raw(v, id, 20, VFU_IRQ_SET_DATA_EVENTFD | VFU_IRQ_SET_ACTION_MASK, VFU_IRQ_MSIX,
		     0, 1, NULL, 0, fds, 1);
	expect_error(v, id++);
	for (int i = 0; i < 3; i++)
		close(fds[i]);
}

/* Interrupt "eventfds" that are something else: a socket, a memfd. */
void test_set_irqs_not_eventfd(void **state)
{
	struct vfuc *v = victim(true);
	int sp[2];
	int mfd = memfd_of(4096);

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp), 0);
	set_irqs_raw(v, ID, 20, VFU_IRQ_SET_DATA_EVENTFD | VFU_IRQ_SET_ACTION_TRIGGER,
		     VFU_IRQ_MSIX, 0, 1, NULL, 0, sp, 1);
	expect_error_or_closed(v, ID);
	if (!vfuc_server_closed(v, 0)) {
		set_irqs_raw(v, ID + 1, 20, VFU_IRQ_SET_DATA_EVENTFD | VFU_IRQ_SET_ACTION_TRIGGER,
			     VFU_IRQ_MSIX, 1, 1, NULL, 0, &mfd, 1);
		expect_error_or_closed(v, ID + 1);
	}
	close(sp[0]);
	close(sp[1]);
	close(mfd);
}

/*
 * An "eventfd" that is a blocking pipe whose buffer is full: signalling it
 * must not stall the server's loop (and with it every other device). The
 * check recovers by draining the pipe if the bystander stops answering.
 */
void test_set_irqs_full_pipe(void **state)
{
	struct grp *g = *state;
	struct vfuc *v = victim(true);
	int p[2];
	char junk[4096];
	uint32_t id;
	bool stalled;

	assert_int_equal(pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
	memset(junk, 0, sizeof(junk));
	while (write(p[1], junk, sizeof(junk)) > 0)
		;
	while (write(p[1], junk, 1) > 0)
		;
	assert_int_equal(fcntl(p[1], F_SETFL, 0), 0); /* blocking again, and full */
	set_irqs_raw(v, ID, 20, VFU_IRQ_SET_DATA_EVENTFD | VFU_IRQ_SET_ACTION_TRIGGER,
		     VFU_IRQ_MSIX, 0, 1, NULL, 0, &p[1], 1);
	if (answer(v, ID, NULL) == ANS_OK) {
		/* accepted: make the device signal it (posted: nobody waits for the write) */
		assert_int_equal(vfuc_bar_write32(v, 0, FX_MSIX, 0, true), 0);
		vfuc_set_timeout(g->bystander, 500);
		id = vfuc_bar_read32(g->bystander, 0, FX_ID);
		vfuc_set_timeout(g->bystander, TMO);
		stalled = id != FX_ID_VALUE;
		while (read(p[0], junk, sizeof(junk)) > 0) /* unblock the server */
			;
		/* the loop moves again once its write is done; only then close the reader */
		assert_int_equal(vfuc_bar_read32(g->bystander, 0, FX_ID), FX_ID_VALUE);
		close(p[0]);
		close(p[1]);
		if (stalled)
			fail_msg("a full pipe passed as eventfd stalled the server loop "
				 "(SET_IRQS accepted a non-eventfd)");
		fail_msg("SET_IRQS accepted a pipe as eventfd");
	}
	close(p[0]);
	close(p[1]);
}

/* ---- WRITE_MULTI ------------------------------------------------------------------------------ */

static void send_multi(struct vfuc *v, uint16_t id, uint64_t cnt, const struct vfu_wr_one *w,
		       size_t nw)
{
	size_t len = 8 + nw * sizeof(*w);
	uint8_t *p = malloc(len);

	assert_non_null(p);
	memcpy(p, &cnt, 8);
	if (nw)
		memcpy(p + 8, w, nw * sizeof(*w));
	sendm(v, id, VFU_CMD_REGION_WRITE_MULTI, 0, 0, p, len, NULL, 0);
	free(p);
}

void test_write_multi_bad(void **state)
{
	struct vfuc *v = victim(true);
	struct vfu_wr_one w[2] = {
		{ .offset = FX_SCRATCH, .region = 0, .count = 4, .data = { 1, 2, 3, 4 } },
		{ .offset = FX_SCRATCH, .region = 0, .count = 4, .data = { 5, 6, 7, 8 } },
	};
	struct vfu_wr_one bad;
	uint16_t id = ID;

	send_multi(v, id, 0, NULL, 0); /* zero entries */
	expect_error(v, id++);
	send_multi(v, id, 2, w, 1);    /* fewer entries than counted */
	expect_error(v, id++);
	send_multi(v, id, 1, w, 2);    /* more */
	expect_error(v, id++);
	send_multi(v, id, VFU_WRMULTI_MAX + 1, w, 2);
	expect_error(v, id++);
	send_multi(v, id, UINT64_MAX, w, 2);
	expect_error(v, id++);
	/* a bad entry anywhere: nothing of the batch happens */
	bad = w[1];
	bad.count = 9;
	send_multi(v, id, 2, (struct vfu_wr_one[]){ w[0], bad }, 2);
	expect_error(v, id++);
	bad = w[1];
	bad.count = 0;
	send_multi(v, id, 2, (struct vfu_wr_one[]){ w[0], bad }, 2);
	expect_error(v, id++);
	bad = w[1];
	bad.region = VFU_PCI_NUM_REGIONS;
	send_multi(v, id, 2, (struct vfu_wr_one[]){ w[0], bad }, 2);
	expect_error(v, id++);
	bad = w[1];
	bad.offset = UINT64_MAX - 1;
	send_multi(v, id, 2, (struct vfu_wr_one[]){ w[0], bad }, 2);
	expect_error(v, id++);
	bad = w[1];
	bad.offset = 4094;
	send_multi(v, id, 2, (struct vfu_wr_one[]){ w[0], bad }, 2);
	expect_error(v, id++);
	assert_int_equal(vfuc_bar_read32(v, 0, FX_SCRATCH), 0);
	/* the good batch still works */
	send_multi(v, id, 2, w, 2);
	assert_int_equal(answer(v, id, NULL), ANS_OK);
	assert_int_equal(vfuc_bar_read32(v, 0, FX_SCRATCH), 0x08070605);
}

/* Region 6 (ROM) is read-only: writes are refused, also inside a WRITE_MULTI batch. */
void test_write_read_only_region(void **state)
{
	struct vfuc *v = victim(true);
	uint8_t w[16 + 4] = { 0 };
	struct vfu_wr_one batch[2] = {
		{ .offset = FX_SCRATCH, .region = 0, .count = 4, .data = { 1, 2, 3, 4 } },
		{ .offset = 0, .region = VFU_PCI_ROM, .count = 4, .data = { 9, 9, 9, 9 } },
	};

	region_rw_msg(w, 0, VFU_PCI_ROM, 4);
	sendm(v, ID, VFU_CMD_REGION_WRITE, 0, 0, w, sizeof(w), NULL, 0);
	expect_error(v, ID);
	send_multi(v, ID + 1, 2, batch, 2);
	expect_error(v, ID + 1);
	/* a refused batch has no effect at all */
	assert_int_equal(vfuc_bar_read32(v, 0, FX_SCRATCH), 0);
}
