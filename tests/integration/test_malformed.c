/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Hostile clients. Every case sends something malformed to device 0 of the
 * fixture server and requires an error reply or a clean disconnect of that
 * client only. After every case: a bystander client on device 1 (same server,
 * same loop) still works, device 0 accepts and serves a new client, and the
 * process holds exactly the fds it held before (the server runs in this
 * process, so fds it leaks show up here too).
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

#define TMO 3000
#define ID 0xa5a5

struct grp {
	struct fx *fx;
	struct vfuc *bystander;
	uint32_t rounds;
	int fds_base;
	struct vfuc *v; /* the victim of the current case */
};

static struct grp *G;

/* ---- helpers ------------------------------------------------------------------ */

static struct vfuc *attach(struct fx_dev *d, bool negotiate)
{
	for (int i = 0; i < 300; i++) {
		struct vfuc *c = vfuc_connect(d->path, TMO);

		if (c && (!negotiate || vfuc_negotiate(c, NULL) == 0))
			return c;
		vfuc_close(c);
		usleep(10000);
	}
	return NULL;
}

static int wait_fds(int want)
{
	int n = -1;

	for (int i = 0; i < 300; i++) {
		n = it_count_fds();
		if (n == want)
			return n;
		usleep(10000);
	}
	return n;
}

static int group_setup_opts(void **state, const struct fx_opts *o)
{
	struct grp *g = calloc(1, sizeof(*g));

	if (!g)
		return -1;
	g->fx = fx_start(o);
	if (!g->fx)
		return -1;
	g->bystander = attach(&g->fx->dev[1], true);
	if (!g->bystander)
		return -1;
	if (vfuc_irq_enable(g->bystander, VFU_IRQ_MSIX, 8) < 0)
		return -1;
	G = g;
	*state = g;
	return 0;
}

static int group_setup(void **state)
{
	struct fx_opts o = { .ndev = 2 };

	return group_setup_opts(state, &o);
}

static int group_setup_tight(void **state)
{
	struct fx_opts o = { .ndev = 2,
			     .limits = { .max_msg_fds = 3, .max_dma_maps = 4,
					 .max_data_xfer = 8192, .reply_timeout_ms = 500 } };

	return group_setup_opts(state, &o);
}

static int group_teardown(void **state)
{
	struct grp *g = *state;

	vfuc_close(g->bystander);
	fx_stop(g->fx);
	free(g);
	G = NULL;
	return 0;
}

/* Before each case: a quiet server and the fd baseline. */
static int case_setup(void **state)
{
	struct grp *g = *state;

	g->v = NULL;
	g->fds_base = it_count_fds();
	return 0;
}

/* The bystander on the other socket: registers and an interrupt still work. */
static void check_bystander(struct grp *g)
{
	uint32_t v = 0x5a000000u + ++g->rounds;

	assert_int_equal(vfuc_bar_write32(g->bystander, 0, FX_SCRATCH, v, false), 0);
	assert_int_equal(vfuc_bar_read32(g->bystander, 0, FX_SCRATCH), v);
	assert_int_equal(vfuc_bar_write32(g->bystander, 0, FX_MSIX, g->rounds & 7, false), 0);
	assert_int_equal(vfuc_irq_wait(g->bystander, VFU_IRQ_MSIX, g->rounds & 7, TMO), 1);
}

/* The descriptor limit a failed case left lowered (test_out_of_fds). */
static struct rlimit saved_nofile;
static bool nofile_lowered;

static int case_teardown(void **state)
{
	struct grp *g = *state;
	struct vfuc *c;
	int n;

	if (nofile_lowered) {
		setrlimit(RLIMIT_NOFILE, &saved_nofile);
		nofile_lowered = false;
	}

	vfuc_close(g->v);
	g->v = NULL;
	check_bystander(g);
	/* device 0 takes a new client and serves it */
	c = attach(&g->fx->dev[0], true);
	if (!c) {
		fprintf(stderr, "device 0 no longer accepts clients\n");
		return -1;
	}
	if (vfuc_bar_read32(c, 0, FX_ID) != FX_ID_VALUE) {
		fprintf(stderr, "device 0 does not answer a new client\n");
		vfuc_close(c);
		return -1;
	}
	vfuc_close(c);
	n = wait_fds(g->fds_base);
	if (n != g->fds_base) {
		fprintf(stderr, "fd leak: %d fds before the case, %d after\n", g->fds_base, n);
		return -1;
	}
	return 0;
}

static struct vfuc *victim(bool negotiate)
{
	G->v = attach(&G->fx->dev[0], negotiate);
	assert_non_null(G->v);
	return G->v;
}

static void sendm(struct vfuc *v, uint16_t id, uint16_t cmd, uint32_t flags, uint32_t err,
		  const void *payload, size_t len, const int *fds, size_t nfds)
{
	struct vfu_hdr h = { .id = id, .cmd = cmd, .size = (uint32_t)(16 + len), .flags = flags,
			     .error = err };
	uint8_t *m = malloc(16 + len);

	assert_non_null(m);
	memcpy(m, &h, 16);
	if (len)
		memcpy(m + 16, payload, len);
	assert_int_equal(vfuc_send_raw(v, m, 16 + len, fds, nfds), 0);
	free(m);
}

enum answer { ANS_OK, ANS_ERROR, ANS_CLOSED, ANS_TIMEOUT, ANS_OTHER };

/* What the server made of message `id`: its reply (error or not), or a disconnect. */
static enum answer answer(struct vfuc *v, uint16_t id, uint32_t *err)
{
	uint8_t buf[4096];
	int fds[8];

	for (;;) {
		size_t nfds = 8;
		ssize_t n = vfuc_recv_raw(v, buf, sizeof(buf), fds, &nfds, TMO);
		struct vfu_hdr h;

		for (size_t i = 0; i < nfds; i++)
			close(fds[i]);
		if (n == 0 || n == -ECONNRESET)
			return ANS_CLOSED;
		if (n == -ETIMEDOUT)
			return ANS_TIMEOUT;
		if (n < 16)
			return ANS_OTHER;
		memcpy(&h, buf, sizeof(h));
		if ((h.flags & VFU_F_TYPE_MASK) != VFU_F_TYPE_REPLY || h.id != id)
			return ANS_OTHER;
		if (err)
			*err = h.error;
		return (h.flags & VFU_F_ERROR) ? ANS_ERROR : ANS_OK;
	}
}

static const char *ans_name(enum answer a)
{
	static const char *const n[] = { "success reply", "error reply", "disconnect",
					 "nothing (timeout)", "an unrelated message" };
	return n[a];
}

/* An error reply (nonzero errno) to id, and the connection keeps working. */
/*
 * The connection still works after an error reply: a register read once
 * negotiated, else a VERSION exchange (then the read).
 */
static void still_in_step(struct vfuc *v, int line)
{
	uint32_t id = vfuc_bar_read32(v, 0, FX_ID);

	if (id != FX_ID_VALUE && vfuc_negotiate(v, NULL) == 0)
		id = vfuc_bar_read32(v, 0, FX_ID);
	if (id != FX_ID_VALUE)
		fail_msg("line %d: connection unusable after the error reply", line);
}

/* An error reply (nonzero errno) to id, and the connection keeps working. */
static void expect_error_at(struct vfuc *v, uint16_t id, int line)
{
	uint32_t err = 0;
	enum answer a = answer(v, id, &err);

	if (a != ANS_ERROR || err == 0)
		fail_msg("line %d: expected an error reply, got %s (error %u)", line, ans_name(a),
			 err);
	still_in_step(v, line);
}

static void expect_errno_at(struct vfuc *v, uint16_t id, uint32_t want, int line)
{
	uint32_t err = 0;
	enum answer a = answer(v, id, &err);

	if (a != ANS_ERROR || err != want)
		fail_msg("line %d: expected error %u, got %s (error %u)", line, want, ans_name(a),
			 err);
	still_in_step(v, line);
}

static void expect_closed_at(struct vfuc *v, int line)
{
	if (!vfuc_server_closed(v, TMO))
		fail_msg("line %d: expected the server to close the connection", line);
}

static void expect_error_or_closed_at(struct vfuc *v, uint16_t id, int line)
{
	uint32_t err = 0;
	enum answer a = answer(v, id, &err);

	if (a == ANS_CLOSED)
		return;
	if (a != ANS_ERROR || err == 0)
		fail_msg("line %d: expected an error reply or a disconnect, got %s (error %u)",
			 line, ans_name(a), err);
	/* an error reply is only fine if the stream is still in step */
	if (!vfuc_server_closed(v, 0))
		still_in_step(v, line);
}

#define expect_error(v, id) expect_error_at(v, id, __LINE__)
#define expect_errno(v, id, e) expect_errno_at(v, id, e, __LINE__)
#define expect_closed(v) expect_closed_at(v, __LINE__)
#define expect_error_or_closed(v, id) expect_error_or_closed_at(v, id, __LINE__)

static void region_rw_msg(uint8_t *out, uint64_t off, uint32_t region, uint32_t count)
{
	struct vfu_region_rw rw = { .offset = off, .region = region, .count = count };

	memcpy(out, &rw, sizeof(rw));
}

/* ---- stream-level cases ------------------------------------------------------------ */

static void test_truncated_header(void **state)
{
	struct vfuc *v = victim(true);
	uint8_t part[10] = { 0 };

	assert_int_equal(vfuc_send_raw(v, part, sizeof(part), NULL, 0), 0);
	shutdown(vfuc_fd(v), SHUT_WR);
	expect_closed(v);
}

/* Half a header, then silence: the server must not wait for it at others' expense. */
static void test_partial_message_does_not_block(void **state)
{
	struct vfuc *v = victim(true);
	uint8_t m[32];
	struct vfu_hdr h = { .id = ID, .cmd = VFU_CMD_REGION_READ, .size = 32 };

	memcpy(m, &h, 16);
	region_rw_msg(m + 16, FX_ID, 0, 4);
	assert_int_equal(vfuc_send_raw(v, m, 7, NULL, 0), 0);
	check_bystander(*state);
	assert_int_equal(vfuc_send_raw(v, m + 7, 20, NULL, 0), 0);
	check_bystander(*state);
	assert_int_equal(vfuc_send_raw(v, m + 27, 5, NULL, 0), 0);
	assert_int_equal(answer(v, ID, NULL), ANS_OK);
}

static void test_size_below_header(void **state)
{
	struct vfuc *v = victim(true);
	struct vfu_hdr h = { .id = ID, .cmd = VFU_CMD_DEVICE_GET_INFO, .size = 8 };

	assert_int_equal(vfuc_send_raw(v, &h, sizeof(h), NULL, 0), 0);
	expect_closed(v);
}

static void test_size_zero(void **state)
{
	struct vfuc *v = victim(true);
	struct vfu_hdr h = { .id = ID, .cmd = VFU_CMD_DEVICE_RESET, .size = 0 };

	assert_int_equal(vfuc_send_raw(v, &h, sizeof(h), NULL, 0), 0);
	expect_closed(v);
}

static void test_oversized_message(void **state)
{
	struct vfuc *v = victim(true);
	struct vfu_hdr h = { .id = ID, .cmd = VFU_CMD_REGION_WRITE, .size = 0x7fffffff };

	assert_int_equal(vfuc_send_raw(v, &h, sizeof(h), NULL, 0), 0);
	expect_closed(v);
}

/* The header announces more than the payload of a complete message, then the peer stops. */
static void test_size_beyond_payload_then_eof(void **state)
{
	struct vfuc *v = victim(true);
	uint8_t m[32];
	struct vfu_hdr h = { .id = ID, .cmd = VFU_CMD_REGION_READ, .size = 200 };

	memcpy(m, &h, 16);
	region_rw_msg(m + 16, 0, 0, 4);
	assert_int_equal(vfuc_send_raw(v, m, sizeof(m), NULL, 0), 0);
	shutdown(vfuc_fd(v), SHUT_WR);
	expect_closed(v);
}

/* Payload larger than the command's fixed part (size counts 8 stray bytes). */
static void test_size_larger_than_command(void **state)
{
	struct vfuc *v = victim(true);
	uint8_t p[24] = { 0 };

	region_rw_msg(p, FX_ID, 0, 4);
	sendm(v, ID, VFU_CMD_REGION_READ, 0, 0, p, sizeof(p), NULL, 0);
	expect_error(v, ID);
}

/* Payload shorter than the command's fixed part, for every command that has one. */
static void test_size_smaller_than_command(void **state)
{
	static const uint16_t cmds[] = { VFU_CMD_VERSION, VFU_CMD_DMA_MAP, VFU_CMD_DMA_UNMAP,
					 VFU_CMD_DEVICE_GET_INFO, VFU_CMD_DEVICE_GET_REGION_INFO,
					 VFU_CMD_DEVICE_GET_IRQ_INFO, VFU_CMD_DEVICE_SET_IRQS,
					 VFU_CMD_REGION_READ, VFU_CMD_REGION_WRITE,
					 VFU_CMD_REGION_WRITE_MULTI };
	struct vfuc *v = victim(true);
	uint8_t p[32];

	memset(p, 0xff, sizeof(p));
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		/* 4 bytes: less than any fixed part; argsz fields claim plenty */
		uint32_t big = 4096;

		memcpy(p, &big, 4);
		sendm(v, (uint16_t)(ID + i), cmds[i], 0, 0, p, 4, NULL, 0);
		expect_error(v, (uint16_t)(ID + i));
	}
	/* and nothing at all */
	sendm(v, ID, VFU_CMD_DEVICE_GET_INFO, 0, 0, NULL, 0, NULL, 0);
	expect_error(v, ID);
}

static void test_reply_sent_as_command(void **state)
{
	struct vfuc *v = victim(true);
	uint8_t p[16];

	region_rw_msg(p, FX_ID, 0, 4);
	sendm(v, ID, VFU_CMD_REGION_READ, VFU_F_TYPE_REPLY, 0, p, sizeof(p), NULL, 0);
	expect_error_or_closed(v, ID);
}

static void test_unknown_type_and_flags(void **state)
{
	struct vfuc *v = victim(true);
	uint8_t p[16];

	region_rw_msg(p, FX_ID, 0, 4);
	sendm(v, ID, VFU_CMD_REGION_READ, 0x7, 0, p, sizeof(p), NULL, 0);
	expect_error_or_closed(v, ID);
	if (vfuc_server_closed(v, 0)) {
		vfuc_close(v);
		v = victim(true);
	}
	/* a command with the error flag, and one with an error code */
	sendm(v, ID + 1, VFU_CMD_REGION_READ, VFU_F_ERROR, 0, p, sizeof(p), NULL, 0);
	expect_error_or_closed(v, ID + 1);
	if (vfuc_server_closed(v, 0)) {
		vfuc_close(v);
		v = victim(true);
	}
	sendm(v, ID + 2, VFU_CMD_REGION_READ, 0, 5, p, sizeof(p), NULL, 0);
	expect_error_or_closed(v, ID + 2);
}

static void test_unknown_command(void **state)
{
	struct vfuc *v = victim(true);

	sendm(v, ID, 99, 0, 0, NULL, 0, NULL, 0);
	expect_error(v, ID);
	sendm(v, ID + 1, 0, 0, 0, NULL, 0, NULL, 0);
	expect_error(v, ID + 1);
	sendm(v, ID + 2, 0xffff, 0, 0, "xyz", 3, NULL, 0);
	expect_error(v, ID + 2);
	/* commands QEMU 11 never sends */
	sendm(v, ID + 3, VFU_CMD_DEVICE_GET_REGION_IO_FDS, 0, 0, NULL, 0, NULL, 0);
	expect_error(v, ID + 3);
	sendm(v, ID + 4, VFU_CMD_DIRTY_PAGES, 0, 0, NULL, 0, NULL, 0);
	expect_error(v, ID + 4);
	sendm(v, ID + 5, VFU_CMD_MIG_DATA_READ, 0, 0, NULL, 0, NULL, 0);
	expect_error(v, ID + 5);
}

/* DMA_READ/DMA_WRITE go from the server to the client, never the other way. */
static void test_client_sends_dma_rw(void **state)
{
	struct vfuc *v = victim(true);
	uint8_t p[16 + 8] = { 0 };
	uint32_t four = 4;

	memcpy(p + 8, &four, 4);
	sendm(v, ID, VFU_CMD_DMA_READ, 0, 0, p, 16, NULL, 0);
	expect_error(v, ID);
	sendm(v, ID + 1, VFU_CMD_DMA_WRITE, 0, 0, p, sizeof(p), NULL, 0);
	expect_error(v, ID + 1);
}

/* ---- VERSION ------------------------------------------------------------------------- */

static void send_version(struct vfuc *v, uint16_t id, uint16_t major, const char *json,
			 size_t jlen, const int *fds, size_t nfds)
{
	uint8_t p[512];
	struct vfu_version ver = { .major = major, .minor = 0 };

	memcpy(p, &ver, sizeof(ver));
	memcpy(p + sizeof(ver), json, jlen);
	sendm(v, id, VFU_CMD_VERSION, 0, 0, p, sizeof(ver) + jlen, fds, nfds);
}

static void test_command_before_version(void **state)
{
	struct vfuc *v = victim(false);
	uint8_t p[16];

	region_rw_msg(p, FX_ID, 0, 4);
	sendm(v, ID, VFU_CMD_REGION_READ, 0, 0, p, sizeof(p), NULL, 0);
	expect_error_or_closed(v, ID);
	/* (if answered: VERSION still worked afterwards) */
}

static void test_version_not_nul_terminated(void **state)
{
	struct vfuc *v = victim(false);
	const char j[] = "{\"capabilities\":{}}";

	send_version(v, ID, 0, j, strlen(j), NULL, 0);
	expect_error_or_closed(v, ID);
}

static void test_version_bad_json(void **state)
{
	static const char *const bad[] = {
		"{\"capabilities\":",
		"[]",
		"{\"capabilities\":[1]}",
		"{\"capabilities\":{\"max_msg_fds\":-1}}",
		"{\"capabilities\":{\"max_msg_fds\":\"16\"}}",
		"{\"capabilities\":{\"max_data_xfer_size\":0}}",
		"{\"capabilities\":{\"write_multiple\":1}}",
		"{\"capabilities\":{\"migration\":7}}",
		"\xff\xfe",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct vfuc *v = victim(false);

		send_version(v, ID, 0, bad[i], strlen(bad[i]) + 1, NULL, 0);
		expect_error_or_closed(v, ID);
		vfuc_close(v);
		G->v = NULL;
	}
}

static void test_version_major_mismatch(void **state)
{
	struct vfuc *v = victim(false);
	const char j[] = "{\"capabilities\":{}}";

	send_version(v, ID, 1, j, sizeof(j), NULL, 0);
	expect_error_or_closed(v, ID);
}

static void test_version_with_fd(void **state)
{
	struct vfuc *v = victim(false);
	const char j[] = "{\"capabilities\":{}}";
	int efd = eventfd(0, EFD_CLOEXEC);

	send_version(v, ID, 0, j, sizeof(j), &efd, 1);
	close(efd);
	expect_error_or_closed(v, ID);
}

static void test_version_twice(void **state)
{
	struct vfuc *v = victim(true);
	const char j[] = "{\"capabilities\":{}}";

	send_version(v, ID, 0, j, sizeof(j), NULL, 0);
	expect_error_or_closed(v, ID);
}

/* ---- fds ---------------------------------------------------------------------------------- */

static void test_fds_where_none_belong(void **state)
{
	struct vfuc *v = victim(true);
	uint8_t p[16];
	int fds[2] = { eventfd(0, EFD_CLOEXEC), eventfd(0, EFD_CLOEXEC) };

	region_rw_msg(p, FX_ID, 0, 4);
	sendm(v, ID, VFU_CMD_REGION_READ, 0, 0, p, sizeof(p), fds, 2);
	expect_error(v, ID);
	sendm(v, ID + 1, VFU_CMD_DEVICE_RESET, 0, 0, NULL, 0, fds, 1);
	expect_error(v, ID + 1);
	{
		struct vfu_dma_unmap u = { .argsz = sizeof(u), .flags = VFU_DMA_UNMAP_F_ALL };

		sendm(v, ID + 2, VFU_CMD_DMA_UNMAP, 0, 0, &u, sizeof(u), fds, 2);
		expect_error(v, ID + 2);
	}
	/* SET_IRQS without DATA_EVENTFD takes no fds */
	{
		struct vfu_irq_set s = { .argsz = 20, .index = VFU_IRQ_MSIX, .start = 0, .count = 1,
					 .flags = VFU_IRQ_SET_DATA_NONE | VFU_IRQ_SET_ACTION_TRIGGER };

		sendm(v, ID + 3, VFU_CMD_DEVICE_SET_IRQS, 0, 0, &s, sizeof(s), fds, 1);
		expect_error(v, ID + 3);
	}
	close(fds[0]);
	close(fds[1]);
}

static void test_too_many_fds(void **state)
{
	struct vfuc *v = victim(true);
	struct vfu_irq_set s = { .argsz = 20, .index = VFU_IRQ_MSIX, .start = 0, .count = 8,
				 .flags = VFU_IRQ_SET_DATA_EVENTFD | VFU_IRQ_SET_ACTION_TRIGGER };
	int fds[64];

	for (int i = 0; i < 64; i++)
		fds[i] = eventfd(0, EFD_CLOEXEC);
	sendm(v, ID, VFU_CMD_DEVICE_SET_IRQS, 0, 0, &s, sizeof(s), fds, 64);
	for (int i = 0; i < 64; i++)
		close(fds[i]);
	expect_error_or_closed(v, ID);
}

/* More fds than the server announced (tight group: max_msg_fds 3). */
static void test_more_fds_than_announced(void **state)
{
	struct vfuc *v = victim(true);
	struct vfu_irq_set s = { .argsz = 20, .index = VFU_IRQ_MSIX, .start = 0, .count = 4,
				 .flags = VFU_IRQ_SET_DATA_EVENTFD | VFU_IRQ_SET_ACTION_TRIGGER };
	int fds[4];

	assert_int_equal(vfuc_caps(v)->max_msg_fds, 3);
	for (int i = 0; i < 4; i++)
		fds[i] = eventfd(0, EFD_CLOEXEC);
	sendm(v, ID, VFU_CMD_DEVICE_SET_IRQS, 0, 0, &s, sizeof(s), fds, 4);
	for (int i = 0; i < 4; i++)
		close(fds[i]);
	expect_error_or_closed(v, ID);
}

/* ---- argsz, indices, bounds -------------------------------------------------------------- */

static void test_argsz_too_small(void **state)
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

static void test_index_out_of_range(void **state)
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

static void test_offset_count_overflow(void **state)
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

static void test_write_count_mismatch(void **state)
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

/* ---- DMA map table ------------------------------------------------------------------------ */

static int memfd_of(size_t size)
{
	int fd = memfd_create("it-guest", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)size), 0);
	return fd;
}

static void dma_map(struct vfuc *v, uint16_t id, uint64_t addr, uint64_t size, uint64_t off,
		    uint32_t flags, int fd)
{
	struct vfu_dma_map m = { .argsz = sizeof(m), .flags = flags, .offset = off, .addr = addr,
				 .size = size };

	sendm(v, id, VFU_CMD_DMA_MAP, 0, 0, &m, sizeof(m), fd >= 0 ? &fd : NULL, fd >= 0);
}

static void test_dma_map_overlap(void **state)
{
	struct vfuc *v = victim(true);
	int fd = memfd_of(0x10000);

	assert_int_equal(vfuc_dma_map(v, 0x100000, 0x4000, fd, 0, 3), 0);
	dma_map(v, ID, 0x100000, 0x4000, 0, 3, fd);      /* same */
	expect_error(v, ID);
	dma_map(v, ID + 1, 0x103000, 0x2000, 0, 3, fd);  /* tail */
	expect_error(v, ID + 1);
	dma_map(v, ID + 2, 0xff000, 0x2000, 0, 3, fd);   /* head */
	expect_error(v, ID + 2);
	dma_map(v, ID + 3, 0xf0000, 0x20000, 0, 3, -1); /* around, no fd */
	expect_error(v, ID + 3);
	dma_map(v, ID + 4, 0x101000, 0x1000, 0, 3, -1); /* inside */
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
static void test_dma_map_backing(void **state)
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
		dma_map(v, ID, 0x100000, 0x4000, 0, 3, fd);
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
static void test_pipelined_fds(void **state)
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
		dma_map(v, (uint16_t)(ID + 2 * i + 1), 0x100000 + (uint64_t)i * 0x1000, 0x1000, 0,
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

static void test_dma_map_bad_flags(void **state)
{
	struct vfuc *v = victim(true);
	int fd = memfd_of(0x4000);

	dma_map(v, ID, 0x100000, 0x4000, 0, 0x4, fd);
	expect_error(v, ID);
	dma_map(v, ID + 1, 0x100000, 0x4000, 0, 0x80000003u, fd);
	expect_error(v, ID + 1);
	dma_map(v, ID + 2, 0x100000, 0x4000, 0, 0, fd);
	expect_error(v, ID + 2);
	{
		struct vfu_dma_unmap u = { .argsz = sizeof(u), .flags = 0x8 };

		sendm(v, ID + 3, VFU_CMD_DMA_UNMAP, 0, 0, &u, sizeof(u), NULL, 0);
		expect_error(v, ID + 3);
	}
	close(fd);
}

static void test_dma_map_bad_range(void **state)
{
	struct vfuc *v = victim(true);
	int fd = memfd_of(0x4000);

	dma_map(v, ID, 0x100000, 0x8000, 0, 3, fd);          /* larger than the fd */
	expect_error(v, ID);
	dma_map(v, ID + 1, 0x100000, 0x4000, 0x1000, 3, fd); /* offset pushes it past the end */
	expect_error(v, ID + 1);
	dma_map(v, ID + 2, 0x100000, 0x1000, UINT64_MAX - 0xfff, 3, fd); /* offset overflow */
	expect_error(v, ID + 2);
	dma_map(v, ID + 3, UINT64_MAX - 0xfff, 0x2000, 0, 3, -1); /* address wraps */
	expect_error(v, ID + 3);
	dma_map(v, ID + 4, 0x100000, 0, 0, 3, fd);           /* empty */
	expect_error(v, ID + 4);
	dma_map(v, ID + 5, 0x100001, 0x1000, 0, 3, fd);      /* not page aligned */
	expect_error(v, ID + 5);
	dma_map(v, ID + 6, 0x100000, 0x1001, 0, 3, fd);
	expect_error(v, ID + 6);
	close(fd);
}

static void test_dma_map_bad_fd(void **state)
{
	struct vfuc *v = victim(true);
	int efd = eventfd(0, EFD_CLOEXEC);
	int sp[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp), 0);
	dma_map(v, ID, 0x100000, 0x1000, 0, 3, efd);
	expect_error(v, ID);
	dma_map(v, ID + 1, 0x100000, 0x1000, 0, 3, sp[0]);
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

static void test_dma_unmap_unknown_and_partial(void **state)
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
static void test_dma_map_limit(void **state)
{
	struct vfuc *v = victim(true);
	int fd = memfd_of(0x1000);

	for (uint64_t i = 0; i < 4; i++)
		assert_int_equal(vfuc_dma_map(v, 0x100000 + i * 0x1000, 0x1000, fd, 0, 3), 0);
	dma_map(v, ID, 0x200000, 0x1000, 0, 3, fd);
	expect_error(v, ID);
	close(fd);
}

/* ---- SET_IRQS --------------------------------------------------------------------------------- */

static void set_irqs_raw(struct vfuc *v, uint16_t id, uint32_t argsz, uint32_t flags,
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

static void test_set_irqs_bad(void **state)
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
static void test_set_irqs_not_eventfd(void **state)
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
static void test_set_irqs_full_pipe(void **state)
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

static void test_write_multi_bad(void **state)
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
static void test_write_read_only_region(void **state)
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

/* ---- odd requests that must simply be refused -------------------------------------------------- */

static void test_reset_with_payload(void **state)
{
	struct vfuc *v = victim(true);

	sendm(v, ID, VFU_CMD_DEVICE_RESET, 0, 0, "junk", 4, NULL, 0);
	expect_error(v, ID);
}

static void test_unexpected_reply(void **state)
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

static void test_bad_dma_replies(void **state)
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
static void test_flood_without_reading(void **state)
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
static void test_out_of_fds(void **state)
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

#define T(fn) cmocka_unit_test_setup_teardown(fn, case_setup, case_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_truncated_header),
		T(test_partial_message_does_not_block),
		T(test_size_below_header),
		T(test_size_zero),
		T(test_oversized_message),
		T(test_size_beyond_payload_then_eof),
		T(test_size_larger_than_command),
		T(test_size_smaller_than_command),
		T(test_reply_sent_as_command),
		T(test_unknown_type_and_flags),
		T(test_unknown_command),
		T(test_client_sends_dma_rw),
		T(test_command_before_version),
		T(test_version_not_nul_terminated),
		T(test_version_bad_json),
		T(test_version_major_mismatch),
		T(test_version_with_fd),
		T(test_version_twice),
		T(test_fds_where_none_belong),
		T(test_too_many_fds),
		T(test_argsz_too_small),
		T(test_index_out_of_range),
		T(test_offset_count_overflow),
		T(test_write_count_mismatch),
		T(test_dma_map_overlap),
		T(test_dma_map_backing),
		T(test_pipelined_fds),
		T(test_dma_map_bad_flags),
		T(test_dma_map_bad_range),
		T(test_dma_map_bad_fd),
		T(test_dma_unmap_unknown_and_partial),
		T(test_set_irqs_bad),
		T(test_set_irqs_not_eventfd),
		T(test_set_irqs_full_pipe),
		T(test_write_multi_bad),
		T(test_write_read_only_region),
		T(test_reset_with_payload),
		T(test_unexpected_reply),
		T(test_bad_dma_replies),
		T(test_flood_without_reading),
		T(test_out_of_fds),
	};
	const struct CMUnitTest tight[] = {
		T(test_more_fds_than_announced),
		T(test_dma_map_limit),
	};
	int fails;

	/* the server runs in this process: ignore SIGPIPE as vmux does */
	signal(SIGPIPE, SIG_IGN);
	log_set_level(LOG_LVL_ERR);
	fails = cmocka_run_group_tests_name("malformed", tests, group_setup, group_teardown);
	fails += cmocka_run_group_tests_name("malformed_tight_limits", tight, group_setup_tight,
					     group_teardown);
	return fails ? 1 : 0;
}
