/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_malformed: the group and case fixtures (a fixture server, the
 * bystander, the fd count) and the helpers the cases share.
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
#include "passthrough/fake_vfio.h"
#include "core/accept.h"
#include "core/log.h"
#include "fixture.h"
#include "itest.h"
#include "malformed.h"

struct grp *G;

/* ---- helpers ------------------------------------------------------------------ */

static struct vfuc *attach(const char *path, bool negotiate)
{
	for (int i = 0; i < 300; i++) {
		struct vfuc *c = vfuc_connect(path, TMO);

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
	g->vpath = g->fx->dev[0].path;
	g->bystander = attach(g->fx->dev[1].path, true);
	if (!g->bystander)
		return -1;
	if (vfuc_irq_enable(g->bystander, VFU_IRQ_MSIX, 8) < 0)
		return -1;
	G = g;
	*state = g;
	return 0;
}

int group_setup(void **state)
{
	struct fx_opts o = { .ndev = 2 };

	return group_setup_opts(state, &o);
}

int group_setup_tight(void **state)
{
	struct fx_opts o = { .ndev = 2,
			     .limits = { .max_msg_fds = 3, .max_dma_maps = 4,
					 .max_data_xfer = 8192, .reply_timeout_ms = 500 } };

	return group_setup_opts(state, &o);
}

/*
 * The passthrough group: the fixture (its device 1 the bystander) and the
 * passthrough model on the fake VFIO device (8 MSI-X vectors, as the
 * fixture's), on a loop thread of its own; the victims attach to it.
 */
int group_setup_pt(void **state)
{
	static char path[64];
	char err[256] = "";
	struct grp *g;

	if (group_setup(state))
		return -1;
	g = *state;
	snprintf(path, sizeof(path), "/tmp/vmux-it-malformed-pt.%d.sock", getpid());
	if (!pt_fake_start(path, 8, err, sizeof(err))) {
		fprintf(stderr, "passthrough on the fake device: %s\n", err);
		return -1;
	}
	g->vpath = path;
	g->pt = true;
	return 0;
}

int group_teardown(void **state)
{
	struct grp *g = *state;

	if (g->pt)
		pt_fake_stop();
	vfuc_close(g->bystander);
	fx_stop(g->fx);
	free(g);
	G = NULL;
	return 0;
}

/* Before each case: a quiet server and the fd baseline. */
int case_setup(void **state)
{
	struct grp *g = *state;

	g->v = NULL;
	g->fds_base = it_count_fds();
	return 0;
}

/* The bystander on the other socket: registers and an interrupt still work. */
void check_bystander(struct grp *g)
{
	uint32_t v = 0x5a000000u + ++g->rounds;

	assert_int_equal(vfuc_bar_write32(g->bystander, 0, FX_SCRATCH, v, false), 0);
	assert_int_equal(vfuc_bar_read32(g->bystander, 0, FX_SCRATCH), v);
	assert_int_equal(vfuc_bar_write32(g->bystander, 0, FX_MSIX, g->rounds & 7, false), 0);
	assert_int_equal(vfuc_irq_wait(g->bystander, VFU_IRQ_MSIX, g->rounds & 7, TMO), 1);
}

/* The descriptor limit a failed case left lowered (test_out_of_fds). */
struct rlimit saved_nofile;
bool nofile_lowered;

int case_teardown(void **state)
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
	/* the passthrough device: nothing of the victim left in the IOMMU or VFIO's IRQs */
	for (int i = 0; g->pt && i < 300 && !pt_fake_released(); i++)
		usleep(10000);
	if (g->pt && !pt_fake_released()) {
		fprintf(stderr, "the victim left %u IOMMU maps or interrupt routes behind\n",
			pt_fake_nmaps());
		return -1;
	}
	c = attach(g->vpath, true);
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

struct vfuc *victim(bool negotiate)
{
	G->v = attach(G->vpath, negotiate);
	assert_non_null(G->v);
	return G->v;
}

void sendm(struct vfuc *v, uint16_t id, uint16_t cmd, uint32_t flags, uint32_t err,
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

/* What the server made of message `id`: its reply (error or not), or a disconnect. */
enum answer answer(struct vfuc *v, uint16_t id, uint32_t *err)
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

const char *ans_name(enum answer a)
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
void expect_error_at(struct vfuc *v, uint16_t id, int line)
{
	uint32_t err = 0;
	enum answer a = answer(v, id, &err);

	if (a != ANS_ERROR || err == 0)
		fail_msg("line %d: expected an error reply, got %s (error %u)", line, ans_name(a),
			 err);
	still_in_step(v, line);
}

void expect_errno_at(struct vfuc *v, uint16_t id, uint32_t want, int line)
{
	uint32_t err = 0;
	enum answer a = answer(v, id, &err);

	if (a != ANS_ERROR || err != want)
		fail_msg("line %d: expected error %u, got %s (error %u)", line, want, ans_name(a),
			 err);
	still_in_step(v, line);
}

void expect_closed_at(struct vfuc *v, int line)
{
	if (!vfuc_server_closed(v, TMO))
		fail_msg("line %d: expected the server to close the connection", line);
}

void expect_error_or_closed_at(struct vfuc *v, uint16_t id, int line)
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

void region_rw_msg(uint8_t *out, uint64_t off, uint32_t region, uint32_t count)
{
	struct vfu_region_rw rw = { .offset = off, .region = region, .count = count };

	memcpy(out, &rw, sizeof(rw));
}


int memfd_of(size_t size)
{
	int fd = memfd_create("it-guest", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)size), 0);
	return fd;
}
