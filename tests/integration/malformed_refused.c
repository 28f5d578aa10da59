/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_malformed cases: odd requests that must simply be refused, bad
 * DMA replies, a client that floods without reading, running out of fds.
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

/* ---- odd requests that must simply be refused -------------------------------------------------- */

void test_reset_with_payload(void **state)
{
	struct vfuc *v = victim(true);

	sendm(v, ID, VFU_CMD_DEVICE_RESET, 0, 0, "junk", 4, NULL, 0);
	expect_error(v, ID);
}

void test_unexpected_reply(void **state)
{
	struct vfuc *v = victim(true);

	/* a reply to nothing the server asked: the stream is not trustworthy */
	sendm(v, 0x8123, VFU_CMD_DMA_READ, VFU_F_TYPE_REPLY, 0, NULL, 0, NULL, 0);
	expect_error_or_closed(v, 0x8123);
}

/* The client answers the server's DMA_READ badly; the device sees an error, nobody crashes. */
static void dma_read_answered_with(struct vfuc *v, int how)
{
	struct vfuc_mem m;
	uint8_t msg[256];
	struct vfu_hdr h;
	ssize_t n;

	assert_int_equal(vfuc_mem_create_private(v, 0x300000, 0x1000, &m), 0);
	assert_int_equal(vfuc_region_write(v, 0, FX_DMA_SRC, &m.iova, 8, false), 0);
	assert_int_equal(vfuc_bar_write32(v, 0, FX_DMA_LEN, 64, false), 0);
	assert_int_equal(vfuc_bar_write32(v, 0, FX_DMA_CMD, FX_CMD_READ, false), 0);
	n = vfuc_recv_raw(v, msg, sizeof(msg), NULL, NULL, TMO);
	assert_int_equal(n, 32);
	memcpy(&h, msg, sizeof(h));
	assert_int_equal(h.cmd, VFU_CMD_DMA_READ);
	h.flags = VFU_F_TYPE_REPLY;
	switch (how) {
	case 0: /* no data at all */
		h.size = 16;
		assert_int_equal(vfuc_send_raw(v, &h, 16, NULL, 0), 0);
		break;
	case 1: { /* with an fd */
		int efd = eventfd(0, EFD_CLOEXEC);
		uint8_t rep[32 + 64] = { 0 };

		h.size = sizeof(rep);
		memcpy(rep, msg, 32);
		memcpy(rep, &h, 16);
		assert_int_equal(vfuc_send_raw(v, rep, sizeof(rep), &efd, 1), 0);
		close(efd);
		break;
	}
	case 2: /* an error */
		h.flags |= VFU_F_ERROR;
		h.error = EIO;
		h.size = 16;
		assert_int_equal(vfuc_send_raw(v, &h, 16, NULL, 0), 0);
		break;
	case 3: /* a reply with another id */
		h.id ^= 0x5555;
		h.size = 16;
		assert_int_equal(vfuc_send_raw(v, &h, 16, NULL, 0), 0);
		break;
	}
	if (vfuc_server_closed(v, 100))
		return;
	uint32_t st = vfuc_bar_read32(v, 0, FX_DMA_STATUS);
	if (how == 1)
		assert_true(st == FX_ST_DONE || (st & FX_ST_ERR));
	else
		assert_true(st & FX_ST_ERR);
	vfuc_mem_destroy(v, &m);
}

void test_bad_dma_replies(void **state)
{
	for (int how = 0; how < 4; how++) {
		struct vfuc *v = victim(true);

		dma_read_answered_with(v, how);
		vfuc_close(v);
		G->v = NULL;
		check_bystander(*state);
	}
}

/* A flood of requests without reading replies must not hurt the bystander. */
void test_flood_without_reading(void **state)
{
	struct vfuc *v = victim(true);
	uint8_t p[16];

	region_rw_msg(p, 0, 1, 8192);
	for (int i = 0; i < 2000; i++) {
		struct vfu_hdr h = { .id = (uint16_t)i, .cmd = VFU_CMD_REGION_READ, .size = 32 };
		uint8_t m[32];
		int r;

		memcpy(m, &h, 16);
		memcpy(m + 16, p, 16);
		r = vfuc_send_raw(v, m, sizeof(m), NULL, 0);
		if (r < 0)
			break; /* our send buffer is full and the server is not reading: fine */
		if ((i & 255) == 0)
			check_bystander(*state);
	}
	check_bystander(*state);
}

/*
 * The process out of descriptors when a VMM connects: the connection is
 * closed at once (taken with the reserve), not left pending with the
 * listener reported again on every pass of its loop, which then spins.
 * Afterwards device 0 takes a client again (case_teardown).
 */
void test_out_of_fds(void **state)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct rlimit old, lim;
	struct timespec c0, c1;
	int held[64], nheld = 0, s, d;
	uint64_t refused0 = vfu_get_stats(G->fx->dev[0].ctx)->clients_refused;
	struct pollfd p;
	char b;

	assert_int_equal(accept_reserve_init(), 0);
	strcpy(sa.sun_path, G->fx->dev[0].path);
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(s >= 0);
	/* The limit at the lowest free descriptor, the rest used up. */
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	d = dup(s);
	assert_true(d >= 0);
	close(d);
	lim = old;
	lim.rlim_cur = (rlim_t)d + 4;
	saved_nofile = old;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &lim), 0);
	nofile_lowered = true;
	while (nheld < 64 && (d = dup(s)) >= 0)
		held[nheld++] = d;
	assert_int_equal(errno, EMFILE);

	assert_int_equal(connect(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	p = (struct pollfd){ .fd = s, .events = POLLIN };
	assert_int_equal(poll(&p, 1, TMO), 1);
	assert_true(recv(s, &b, 1, MSG_DONTWAIT) <= 0);
	/* The server's loop is quiet: a spinning one takes all the CPU it gets. */
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
	usleep(300000);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
	assert_true((c1.tv_sec - c0.tv_sec) * 1000000000L + (c1.tv_nsec - c0.tv_nsec) < 100000000L);
	/* Counted on the server's thread after the close the client saw. */
	for (int i = 0; i < TMO / 10 &&
			__atomic_load_n(&vfu_get_stats(G->fx->dev[0].ctx)->clients_refused,
					__ATOMIC_RELAXED) == refused0;
	     i++)
		usleep(10000);
	assert_true(vfu_get_stats(G->fx->dev[0].ctx)->clients_refused > refused0);

	while (nheld)
		close(held[--nheld]);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
	nofile_lowered = false;
	close(s);
	accept_reserve_fini();
	check_bystander(*state);
}
