/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The client's wire behaviour, checked against a server played by hand in a
 * thread: what the client sends must be what QEMU 11's vfio-user-pci sends
 * (VERSION capabilities, SET_IRQS chunks, region info retry, DMA_READ/WRITE
 * answers), and what it accepts must be what QEMU accepts.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "client/vfuc.h"
#include "itest.h"

#define SRV_TIMEOUT 3000

struct peer;
typedef void (*script_fn)(struct peer *p, int fd);

struct peer {
	char dir[200];
	char path[300];
	int lfd;
	pthread_t th;
	script_fn script;
	int fds_before;
	/* what the script saw; asserted by the test thread after the join */
	char fail[256];
	uint32_t u[16];
	char json[1024];
	const char *reply_json; /* VERSION reply capabilities */
};

#define PCHECK(p, cond)                                                                 \
	do {                                                                            \
		if (!(cond)) {                                                          \
			if (!(p)->fail[0])                                              \
				snprintf((p)->fail, sizeof((p)->fail), "%s:%d: %s",     \
					 __func__, __LINE__, #cond);                    \
			return;                                                         \
		}                                                                       \
	} while (0)

static void *peer_main(void *arg)
{
	struct peer *p = arg;
	int fd = it_accept(p->lfd, SRV_TIMEOUT);

	if (fd < 0) {
		snprintf(p->fail, sizeof(p->fail), "accept: %d", fd);
		return NULL;
	}
	p->script(p, fd);
	close(fd);
	return NULL;
}

static struct peer *peer_start(script_fn fn, const char *reply_json)
{
	struct peer *p = calloc(1, sizeof(*p));

	assert_non_null(p);
	p->fds_before = it_count_fds();
	assert_int_equal(it_mkdtemp(p->dir, sizeof(p->dir)), 0);
	snprintf(p->path, sizeof(p->path), "%s/s", p->dir);
	p->lfd = it_listen(p->path);
	assert_true(p->lfd >= 0);
	p->script = fn;
	p->reply_json = reply_json ? reply_json :
		"{\"capabilities\":{\"max_msg_fds\":8,\"max_data_xfer_size\":1048576,"
		"\"pgsizes\":4096,\"max_dma_maps\":1024,\"write_multiple\":true}}";
	assert_int_equal(pthread_create(&p->th, NULL, peer_main, p), 0);
	return p;
}

/* Joins the script, checks it was content and that no fd leaked. */
static void peer_finish(struct peer *p)
{
	pthread_join(p->th, NULL);
	close(p->lfd);
	it_rmtree(p->dir);
	if (p->fail[0])
		fail_msg("server script: %s", p->fail);
	assert_int_equal(it_count_fds(), p->fds_before);
	free(p);
}

static struct vfuc *client(struct peer *p, int timeout_ms)
{
	struct vfuc *c = vfuc_connect(p->path, timeout_ms);

	assert_non_null(c);
	return c;
}

/* Receives one command; checks its type and cmd. Returns size or <= 0. */
static ssize_t expect_cmd(struct peer *p, int fd, uint16_t cmd, void *buf, size_t cap, int *fds,
			  size_t *nfds)
{
	ssize_t n = it_recv_msg(fd, buf, cap, fds, nfds, SRV_TIMEOUT);
	struct vfu_hdr h;

	if (n < (ssize_t)sizeof(h)) {
		snprintf(p->fail, sizeof(p->fail), "expected cmd %u, got %zd", cmd, n);
		return -1;
	}
	memcpy(&h, buf, sizeof(h));
	if (h.cmd != cmd || (h.flags & VFU_F_TYPE_MASK) != VFU_F_TYPE_CMD) {
		snprintf(p->fail, sizeof(p->fail), "expected cmd %u, got cmd %u flags %#x", cmd,
			 h.cmd, h.flags);
		return -1;
	}
	return n;
}

static int reply(int fd, const void *req, const void *payload, size_t len, const int *fds,
		 size_t nfds)
{
	struct vfu_hdr h;

	memcpy(&h, req, sizeof(h));
	return it_send_msg(fd, h.id, h.cmd, VFU_F_TYPE_REPLY, 0, payload, len, fds, nfds);
}

static int reply_err(int fd, const void *req, uint32_t err)
{
	struct vfu_hdr h;

	memcpy(&h, req, sizeof(h));
	return it_send_msg(fd, h.id, h.cmd, VFU_F_TYPE_REPLY | VFU_F_ERROR, err, NULL, 0, NULL, 0);
}

/* Answers VERSION with p->reply_json; records the client's JSON. */
static int srv_version(struct peer *p, int fd)
{
	uint8_t buf[2048], rep[1024];
	struct vfu_version v = { .major = 0, .minor = 0 };
	size_t jl = strlen(p->reply_json) + 1;
	ssize_t n = expect_cmd(p, fd, VFU_CMD_VERSION, buf, sizeof(buf), NULL, NULL);

	if (n < 0)
		return -1;
	if (n > 20) {
		size_t l = (size_t)n - 20;

		memcpy(p->json, buf + 20, l < sizeof(p->json) ? l : sizeof(p->json) - 1);
		p->u[15] = buf[n - 1] == 0;
	}
	memcpy(rep, &v, sizeof(v));
	memcpy(rep + sizeof(v), p->reply_json, jl);
	return reply(fd, buf, rep, sizeof(v) + jl, NULL, 0);
}

/* ---- VERSION -------------------------------------------------------------- */

static void script_version(struct peer *p, int fd)
{
	PCHECK(p, srv_version(p, fd) == 0);
	PCHECK(p, it_recv_msg(fd, p->json + 1000, 1, NULL, NULL, SRV_TIMEOUT) == 0);
}

static int64_t jget(json_object *o, const char *k)
{
	json_object *v;

	if (!json_object_object_get_ex(o, k, &v))
		return -1;
	return json_object_get_int64(v);
}

static void test_version_caps(void **state)
{
	struct peer *p = peer_start(script_version,
		"{\"capabilities\":{\"max_msg_fds\":4,\"max_data_xfer_size\":65536,"
		"\"pgsizes\":8192,\"max_dma_maps\":128,\"write_multiple\":true}}");
	struct vfuc *c = client(p, 2000);
	const struct vfuc_server_caps *sc;

	assert_int_equal(vfuc_negotiate(c, NULL), 0);
	sc = vfuc_caps(c);
	assert_int_equal(sc->max_msg_fds, 4);
	assert_int_equal(sc->max_data_xfer, 65536);
	assert_int_equal(sc->pgsizes, 8192);
	assert_int_equal(sc->max_dma_maps, 128);
	assert_true(sc->write_multiple);
	assert_non_null(vfuc_server_json(c));
	vfuc_close(c);
	peer_finish(p);
}

/* Same as above but checks the offer (p is freed by peer_finish, so keep a copy). */
static char offered[1024];
static bool offered_nul;

static void script_version_keep(struct peer *p, int fd)
{
	PCHECK(p, srv_version(p, fd) == 0);
	memcpy(offered, p->json, sizeof(offered));
	offered_nul = p->u[15];
}

static void test_version_offer(void **state)
{
	struct peer *p = peer_start(script_version_keep, NULL);
	struct vfuc *c = client(p, 2000);
	json_object *root, *caps, *migr, *wm;

	assert_int_equal(vfuc_negotiate(c, NULL), 0);
	vfuc_close(c);
	peer_finish(p);

	assert_true(offered_nul);
	root = json_tokener_parse(offered);
	assert_non_null(root);
	assert_true(json_object_object_get_ex(root, "capabilities", &caps));
	assert_int_equal(jget(caps, "max_msg_fds"), 16);
	assert_int_equal(jget(caps, "max_data_xfer_size"), 1048576);
	assert_int_equal(jget(caps, "pgsizes"), 4096);
	assert_int_equal(jget(caps, "max_dma_maps"), 65535);
	assert_true(json_object_object_get_ex(caps, "write_multiple", &wm));
	assert_true(json_object_get_boolean(wm));
	assert_true(json_object_object_get_ex(caps, "migration", &migr));
	assert_int_equal(jget(migr, "pgsize"), 4096);
	assert_int_equal(jget(migr, "max_bitmap_size"), 256 * 1024 * 1024);
	json_object_put(root);
}

/* Replies QEMU refuses: each must make vfuc_negotiate fail. */
static const char *bad_reply_kind;

static void script_version_bad(struct peer *p, int fd)
{
	uint8_t buf[2048], rep[4096];
	struct vfu_version v = { .major = 0, .minor = 0 };
	const char *json = "{\"capabilities\":{}}";
	size_t len;
	ssize_t n = expect_cmd(p, fd, VFU_CMD_VERSION, buf, sizeof(buf), NULL, NULL);

	PCHECK(p, n > 0);
	memset(rep, 0, sizeof(rep));
	if (!strcmp(bad_reply_kind, "major"))
		v.major = 1;
	if (!strcmp(bad_reply_kind, "minor"))
		v.minor = 1;
	if (!strcmp(bad_reply_kind, "json"))
		json = "{\"capabilities\":";
	if (!strcmp(bad_reply_kind, "fds"))
		json = "{\"capabilities\":{\"max_msg_fds\":17}}";
	if (!strcmp(bad_reply_kind, "xfer"))
		json = "{\"capabilities\":{\"max_data_xfer_size\":\"big\"}}";
	if (!strcmp(bad_reply_kind, "pgsizes"))
		json = "{\"capabilities\":{\"pgsizes\":512}}";
	if (!strcmp(bad_reply_kind, "maps"))
		json = "{\"capabilities\":{\"max_dma_maps\":65536}}";
	if (!strcmp(bad_reply_kind, "array"))
		json = "[1,2]";
	memcpy(rep, &v, sizeof(v));
	len = sizeof(v) + strlen(json) + 1;
	memcpy(rep + sizeof(v), json, len - sizeof(v));
	if (!strcmp(bad_reply_kind, "nonul"))
		len--;
	if (!strcmp(bad_reply_kind, "large"))
		len = (size_t)n - 16 + 1; /* one byte more than the request */
	if (!strcmp(bad_reply_kind, "short"))
		len = sizeof(v);
	if (!strcmp(bad_reply_kind, "error")) {
		PCHECK(p, reply_err(fd, buf, ENOTSUP) == 0);
		return;
	}
	PCHECK(p, reply(fd, buf, rep, len, NULL, 0) == 0);
}

static void test_version_refused(void **state)
{
	static const char *const kinds[] = { "major", "minor", "json", "fds", "xfer", "pgsizes",
					     "maps", "array", "nonul", "large", "short", "error" };

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		struct peer *p;
		struct vfuc *c;
		int r;

		bad_reply_kind = kinds[i];
		p = peer_start(script_version_bad, NULL);
		c = client(p, 2000);
		r = vfuc_negotiate(c, NULL);
		if (r == 0)
			fail_msg("VERSION reply '%s' accepted", kinds[i]);
		if (!strcmp(kinds[i], "error"))
			assert_int_equal(r, -ENOTSUP);
		vfuc_close(c);
		peer_finish(p);
	}
}

/* ---- SET_IRQS chunking ------------------------------------------------------ */

static void script_irqs(struct peer *p, int fd)
{
	uint8_t buf[256];
	int fds[32];

	PCHECK(p, srv_version(p, fd) == 0);
	/* 10 MSI-X eventfds with max_msg_fds 4: chunks 4, 4, 2 */
	for (uint32_t k = 0; k < 3; k++) {
		struct vfu_irq_set s;
		size_t nfds = 32;
		ssize_t n = expect_cmd(p, fd, VFU_CMD_DEVICE_SET_IRQS, buf, sizeof(buf), fds, &nfds);

		PCHECK(p, n == 16 + 20);
		memcpy(&s, buf + 16, sizeof(s));
		PCHECK(p, s.argsz == 20);
		PCHECK(p, s.flags == (VFU_IRQ_SET_DATA_EVENTFD | VFU_IRQ_SET_ACTION_TRIGGER));
		PCHECK(p, s.index == VFU_IRQ_MSIX);
		PCHECK(p, s.start == k * 4);
		PCHECK(p, s.count == (k < 2 ? 4u : 2u));
		PCHECK(p, nfds == s.count);
		if (k == 2) {
			uint64_t one = 1;

			/* fire vector 9 (second fd of the last chunk) */
			PCHECK(p, write(fds[1], &one, sizeof(one)) == sizeof(one));
		}
		for (size_t i = 0; i < nfds; i++)
			close(fds[i]);
		PCHECK(p, reply(fd, buf, NULL, 0, NULL, 0) == 0);
	}
	/* mask / unmask / disable */
	for (uint32_t k = 0; k < 3; k++) {
		struct vfu_irq_set s;
		size_t nfds = 32;
		ssize_t n = expect_cmd(p, fd, VFU_CMD_DEVICE_SET_IRQS, buf, sizeof(buf), fds, &nfds);

		PCHECK(p, n == 16 + 20);
		PCHECK(p, nfds == 0);
		memcpy(&s, buf + 16, sizeof(s));
		PCHECK(p, s.argsz == 20);
		p->u[k] = s.flags;
		p->u[4 + k] = s.start;
		p->u[8 + k] = s.count;
		PCHECK(p, reply(fd, buf, NULL, 0, NULL, 0) == 0);
	}
	/* DATA_BOOL: argsz counts the bools, which follow the fixed part */
	{
		struct vfu_irq_set s;
		size_t nfds = 32;
		ssize_t n = expect_cmd(p, fd, VFU_CMD_DEVICE_SET_IRQS, buf, sizeof(buf), fds, &nfds);

		PCHECK(p, n == 16 + 20 + 3);
		memcpy(&s, buf + 16, sizeof(s));
		PCHECK(p, s.argsz == 23 && s.count == 3);
		PCHECK(p, buf[36] == 1 && buf[37] == 0 && buf[38] == 1);
		PCHECK(p, reply_err(fd, buf, EINVAL) == 0);
	}
}

static void test_irq_chunks(void **state)
{
	struct peer *p = peer_start(script_irqs,
		"{\"capabilities\":{\"max_msg_fds\":4}}");
	struct vfuc *c = client(p, 2000);
	uint8_t bools[3] = { 1, 0, 1 };

	assert_int_equal(vfuc_negotiate(c, NULL), 0);
	assert_int_equal(vfuc_caps(c)->max_msg_fds, 4);
	assert_int_equal(vfuc_irq_enable(c, VFU_IRQ_MSIX, 10), 0);
	assert_true(vfuc_irq_fd(c, VFU_IRQ_MSIX, 9) >= 0);
	assert_int_equal(vfuc_irq_fd(c, VFU_IRQ_MSIX, 10), -1);
	assert_int_equal(vfuc_irq_wait(c, VFU_IRQ_MSIX, 9, 2000), 1);
	assert_int_equal(vfuc_irq_wait(c, VFU_IRQ_MSIX, 8, 50), 0);
	assert_int_equal(vfuc_irq_mask(c, VFU_IRQ_MSIX, 3), 0);
	assert_int_equal(vfuc_irq_unmask(c, VFU_IRQ_MSIX, 3), 0);
	assert_int_equal(vfuc_irq_disable(c, VFU_IRQ_MSIX), 0);
	assert_int_equal(vfuc_irq_fd(c, VFU_IRQ_MSIX, 0), -1);
	assert_int_equal(vfuc_set_irqs(c, VFU_IRQ_MSIX,
				       VFU_IRQ_SET_DATA_BOOL | VFU_IRQ_SET_ACTION_TRIGGER, 0, 3,
				       bools, 3, NULL, 0), -EINVAL);
	vfuc_close(c);
	pthread_join(p->th, NULL);
	p->th = pthread_self();
	assert_string_equal(p->fail, "");
	assert_int_equal(p->u[0], VFU_IRQ_SET_DATA_NONE | VFU_IRQ_SET_ACTION_MASK);
	assert_int_equal(p->u[1], VFU_IRQ_SET_DATA_NONE | VFU_IRQ_SET_ACTION_UNMASK);
	assert_int_equal(p->u[2], VFU_IRQ_SET_DATA_NONE | VFU_IRQ_SET_ACTION_TRIGGER);
	assert_int_equal(p->u[4], 3);
	assert_int_equal(p->u[8], 1);
	assert_int_equal(p->u[6], 0);
	assert_int_equal(p->u[10], 0);
	close(p->lfd);
	it_rmtree(p->dir);
	assert_int_equal(it_count_fds(), p->fds_before);
	free(p);
}

/* ---- region info: argsz 32 first, then what the server needs ----------------- */

static void script_region_info(struct peer *p, int fd)
{
	uint8_t buf[256], rep[128];
	struct vfu_region_info ri;
	struct vfu_cap_sparse_mmap sp = {
		.hdr = { .id = VFU_REGION_CAP_SPARSE_MMAP, .version = 1, .next = 0 },
		.nr_areas = 2,
	};
	struct vfu_sparse_area areas[2] = { { 0, 4096 }, { 8192, 4096 } };
	int mfd = memfd_create("it", MFD_CLOEXEC);
	ssize_t n;

	PCHECK(p, mfd >= 0);
	PCHECK(p, ftruncate(mfd, 16384) == 0);
	PCHECK(p, srv_version(p, fd) == 0);

	n = expect_cmd(p, fd, VFU_CMD_DEVICE_GET_REGION_INFO, buf, sizeof(buf), NULL, NULL);
	PCHECK(p, n == 16 + 32);
	memcpy(&ri, buf + 16, sizeof(ri));
	PCHECK(p, ri.argsz == 32 && ri.index == 2);
	ri.argsz = 32 + sizeof(sp) + sizeof(areas);
	ri.flags = VFU_REGION_F_READ | VFU_REGION_F_WRITE | VFU_REGION_F_MMAP | VFU_REGION_F_CAPS;
	ri.cap_offset = 32;
	ri.size = 16384;
	ri.offset = 0;
	/* first answer: only the fixed part fits; the fd comes along as a server would send it */
	PCHECK(p, reply(fd, buf, &ri, sizeof(ri), &mfd, 1) == 0);

	n = expect_cmd(p, fd, VFU_CMD_DEVICE_GET_REGION_INFO, buf, sizeof(buf), NULL, NULL);
	PCHECK(p, n == 16 + 32);
	{
		struct vfu_region_info q;

		memcpy(&q, buf + 16, sizeof(q));
		PCHECK(p, q.argsz == ri.argsz && q.index == 2);
	}
	memcpy(rep, &ri, sizeof(ri));
	memcpy(rep + 32, &sp, sizeof(sp));
	memcpy(rep + 32 + sizeof(sp), areas, sizeof(areas));
	PCHECK(p, reply(fd, buf, rep, ri.argsz, &mfd, 1) == 0);

	/* a reply larger than the argsz asked is refused (as by QEMU) */
	n = expect_cmd(p, fd, VFU_CMD_DEVICE_GET_REGION_INFO, buf, sizeof(buf), NULL, NULL);
	PCHECK(p, n == 16 + 32);
	ri.argsz = 32;
	memcpy(rep, &ri, sizeof(ri));
	PCHECK(p, reply(fd, buf, rep, 48, NULL, 0) == 0);

	/* two fds: refused, both closed */
	n = expect_cmd(p, fd, VFU_CMD_DEVICE_GET_REGION_INFO, buf, sizeof(buf), NULL, NULL);
	PCHECK(p, n == 16 + 32);
	ri.flags = VFU_REGION_F_READ;
	ri.cap_offset = 0;
	{
		int two[2] = { mfd, mfd };

		PCHECK(p, reply(fd, buf, &ri, sizeof(ri), two, 2) == 0);
	}
	close(mfd);
}

static void test_region_info_retry(void **state)
{
	struct peer *p = peer_start(script_region_info, NULL);
	struct vfuc *c = client(p, 2000);
	struct vfu_region_info ri;
	uint8_t caps[64];
	struct vfu_cap_sparse_mmap sp;
	struct vfu_sparse_area a[2];
	int fd = -1;

	assert_int_equal(vfuc_negotiate(c, NULL), 0);
	assert_int_equal(vfuc_region_info(c, 2, &ri, caps, sizeof(caps), &fd), 0);
	assert_true(fd >= 0);
	assert_int_equal(ri.size, 16384);
	assert_int_equal(ri.cap_offset, 32);
	memcpy(&sp, caps, sizeof(sp));
	assert_int_equal(sp.hdr.id, VFU_REGION_CAP_SPARSE_MMAP);
	assert_int_equal(sp.nr_areas, 2);
	memcpy(a, caps + sizeof(sp), sizeof(a));
	assert_int_equal(a[1].offset, 8192);
	assert_int_equal(a[1].size, 4096);
	void *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 8192);
	assert_true(m != MAP_FAILED);
	munmap(m, 4096);
	close(fd);

	assert_int_equal(vfuc_region_info(c, 2, &ri, NULL, 0, &fd), -EPROTO);
	assert_int_equal(fd, -1);
	assert_int_equal(vfuc_region_info(c, 2, &ri, NULL, 0, &fd), -EPROTO);
	assert_int_equal(fd, -1);
	vfuc_close(c);
	peer_finish(p);
}

/* ---- DMA_READ / DMA_WRITE from the server while the client waits --------------- */

static void script_dma(struct peer *p, int fd)
{
	uint8_t buf[256], msg[64];
	struct vfu_dma_map m;
	uint64_t addr = 0x10000 + 100;
	uint32_t count = 8;
	ssize_t n;
	size_t nfds = 4;
	int fds[4];

	PCHECK(p, srv_version(p, fd) == 0);
	n = expect_cmd(p, fd, VFU_CMD_DMA_MAP, buf, sizeof(buf), fds, &nfds);
	PCHECK(p, n == 16 + 32);
	PCHECK(p, nfds == 0); /* private memory: no fd */
	memcpy(&m, buf + 16, sizeof(m));
	PCHECK(p, m.argsz == 32 && m.flags == (VFU_DMA_F_READ | VFU_DMA_F_WRITE));
	PCHECK(p, m.addr == 0x10000 && m.size == 0x4000 && m.offset == 0);
	PCHECK(p, reply(fd, buf, NULL, 0, NULL, 0) == 0);

	/* the client now waits for a REGION_READ reply; we need its memory first */
	n = expect_cmd(p, fd, VFU_CMD_REGION_READ, buf, sizeof(buf), NULL, NULL);
	PCHECK(p, n == 32);
	uint8_t rreq[32];
	memcpy(rreq, buf, sizeof(rreq));

	/* DMA_WRITE: {u64 addr; u32 count; data at byte 28}, sized 32 + count */
	memset(msg, 0, sizeof(msg));
	memcpy(msg, &addr, 8);
	memcpy(msg + 8, &count, 4);
	memcpy(msg + 12, "ABCDEFGH", 8);
	PCHECK(p, it_send_msg(fd, 0x700, VFU_CMD_DMA_WRITE, VFU_F_TYPE_CMD, 0, msg, 16 + count,
			      NULL, 0) == 0);
	n = it_recv_msg(fd, buf, sizeof(buf), NULL, NULL, SRV_TIMEOUT);
	PCHECK(p, n == 16);
	{
		struct vfu_hdr h;

		memcpy(&h, buf, sizeof(h));
		PCHECK(p, h.id == 0x700 && h.cmd == VFU_CMD_DMA_WRITE);
		PCHECK(p, h.flags == VFU_F_TYPE_REPLY);
	}
	/* DMA_READ of 8 bytes spanning what we wrote: reply 32 + count, data at 28 */
	addr = 0x10000 + 98;
	memset(msg, 0, sizeof(msg));
	memcpy(msg, &addr, 8);
	memcpy(msg + 8, &count, 4);
	PCHECK(p, it_send_msg(fd, 0x701, VFU_CMD_DMA_READ, VFU_F_TYPE_CMD, 0, msg, 16, NULL,
			      0) == 0);
	n = it_recv_msg(fd, buf, sizeof(buf), NULL, NULL, SRV_TIMEOUT);
	PCHECK(p, n == 32 + 8);
	{
		struct vfu_hdr h;
		uint64_t a;
		uint32_t k;

		memcpy(&h, buf, sizeof(h));
		PCHECK(p, h.id == 0x701 && h.cmd == VFU_CMD_DMA_READ && h.size == 40);
		PCHECK(p, h.flags == VFU_F_TYPE_REPLY);
		memcpy(&a, buf + 16, 8);
		memcpy(&k, buf + 24, 4);
		PCHECK(p, a == addr && k == 8);
		PCHECK(p, !memcmp(buf + 28, "\0\0ABCDEF", 8));
	}
	/* outside guest memory: error reply */
	addr = 0x90000;
	memcpy(msg, &addr, 8);
	PCHECK(p, it_send_msg(fd, 0x702, VFU_CMD_DMA_READ, VFU_F_TYPE_CMD, 0, msg, 16, NULL,
			      0) == 0);
	n = it_recv_msg(fd, buf, sizeof(buf), NULL, NULL, SRV_TIMEOUT);
	PCHECK(p, n == 16);
	{
		struct vfu_hdr h;

		memcpy(&h, buf, sizeof(h));
		PCHECK(p, h.id == 0x702 && (h.flags & VFU_F_ERROR) && h.error != 0);
	}
	/* DMA_WRITE whose count exceeds its data: E2BIG */
	addr = 0x10000;
	count = 64;
	memcpy(msg, &addr, 8);
	memcpy(msg + 8, &count, 4);
	PCHECK(p, it_send_msg(fd, 0x703, VFU_CMD_DMA_WRITE, VFU_F_TYPE_CMD, 0, msg, 16 + 8,
			      NULL, 0) == 0);
	n = it_recv_msg(fd, buf, sizeof(buf), NULL, NULL, SRV_TIMEOUT);
	PCHECK(p, n == 16);
	{
		struct vfu_hdr h;

		memcpy(&h, buf, sizeof(h));
		PCHECK(p, h.id == 0x703 && (h.flags & VFU_F_ERROR) && h.error == E2BIG);
	}
	/* a short DMA_READ (28 bytes: QEMU wants sizeof 32): EINVAL */
	PCHECK(p, it_send_msg(fd, 0x704, VFU_CMD_DMA_READ, VFU_F_TYPE_CMD, 0, msg, 12, NULL,
			      0) == 0);
	n = it_recv_msg(fd, buf, sizeof(buf), NULL, NULL, SRV_TIMEOUT);
	PCHECK(p, n == 16);
	{
		struct vfu_hdr h;

		memcpy(&h, buf, sizeof(h));
		PCHECK(p, h.id == 0x704 && h.error == EINVAL);
	}
	/* a request with an fd: EINVAL, and the client must not keep the fd */
	{
		int efd = eventfd(0, EFD_CLOEXEC);
		struct vfu_hdr h;

		PCHECK(p, it_send_msg(fd, 0x705, VFU_CMD_DMA_READ, VFU_F_TYPE_CMD, 0, msg, 16,
				      &efd, 1) == 0);
		close(efd);
		n = it_recv_msg(fd, buf, sizeof(buf), NULL, NULL, SRV_TIMEOUT);
		PCHECK(p, n == 16);
		memcpy(&h, buf, sizeof(h));
		PCHECK(p, h.id == 0x705 && h.error == EINVAL);
	}
	/* an unknown command: ENOSYS */
	{
		struct vfu_hdr h;

		PCHECK(p, it_send_msg(fd, 0x706, VFU_CMD_DEVICE_RESET, VFU_F_TYPE_CMD, 0, NULL, 0,
				      NULL, 0) == 0);
		n = it_recv_msg(fd, buf, sizeof(buf), NULL, NULL, SRV_TIMEOUT);
		PCHECK(p, n == 16);
		memcpy(&h, buf, sizeof(h));
		PCHECK(p, h.id == 0x706 && h.error == ENOSYS);
	}
	/* a stray reply, then the real one */
	PCHECK(p, it_send_msg(fd, 0x7777, VFU_CMD_REGION_READ, VFU_F_TYPE_REPLY, 0, NULL, 0, NULL,
			      0) == 0);
	{
		uint8_t rr[16 + 4];
		struct vfu_region_rw rw = { .offset = 0, .region = 0, .count = 4 };

		memcpy(rr, &rw, sizeof(rw));
		memcpy(rr + 16, "wxyz", 4);
		PCHECK(p, reply(fd, rreq, rr, sizeof(rr), NULL, 0) == 0);
	}
	/* vfuc_serve: a DMA_WRITE with NO_REPLY gets no answer */
	addr = 0x10000;
	count = 2;
	memcpy(msg, &addr, 8);
	memcpy(msg + 8, &count, 4);
	memcpy(msg + 12, "QQ", 2);
	PCHECK(p, it_send_msg(fd, 0x708, VFU_CMD_DMA_WRITE, VFU_F_TYPE_CMD | VFU_F_NO_REPLY, 0,
			      msg, 16 + 2, NULL, 0) == 0);
	/* the next thing we see must be the client's DEVICE_RESET */
	n = expect_cmd(p, fd, VFU_CMD_DEVICE_RESET, buf, sizeof(buf), NULL, NULL);
	PCHECK(p, n == 16);
	PCHECK(p, reply(fd, buf, NULL, 0, NULL, 0) == 0);
}

static void test_dma_service(void **state)
{
	struct peer *p = peer_start(script_dma, NULL);
	struct vfuc *c = client(p, 2000);
	struct vfuc_mem m;
	uint8_t data[4];

	assert_int_equal(vfuc_negotiate(c, NULL), 0);
	assert_int_equal(vfuc_mem_create_private(c, 0x10000, 0x4000, &m), 0);
	assert_int_equal(m.fd, -1);
	assert_int_equal(vfuc_region_read(c, 0, 0, data, 4), 0);
	assert_memory_equal(data, "wxyz", 4);
	assert_memory_equal(m.base + 100, "ABCDEFGH", 8);
	assert_int_equal(vfuc_get_stats(c)->dma_reads, 1);
	assert_int_equal(vfuc_get_stats(c)->dma_writes, 1);
	assert_int_equal(vfuc_get_stats(c)->stray_replies, 1);
	assert_true(vfuc_serve(c, 300) >= 1);
	assert_memory_equal(m.base, "QQ", 2);
	assert_int_equal(vfuc_reset(c), 0);
	assert_ptr_equal(vfuc_gpa(c, 0x10000 + 100, 8), m.base + 100);
	assert_null(vfuc_gpa(c, 0x10000 + 0x3ffc, 8));
	vfuc_close(c); /* releases the memory too */
	peer_finish(p);
}

/* ---- timeouts, errors, posted writes, server close ------------------------------ */

static void script_misc(struct peer *p, int fd)
{
	uint8_t buf[256];
	ssize_t n;

	PCHECK(p, srv_version(p, fd) == 0);
	/* 1: never answer the first REGION_READ (client times out) */
	n = expect_cmd(p, fd, VFU_CMD_REGION_READ, buf, sizeof(buf), NULL, NULL);
	PCHECK(p, n == 32);
	uint8_t late[32];
	memcpy(late, buf, sizeof(late));
	/* 2: posted write carries NO_REPLY */
	n = expect_cmd(p, fd, VFU_CMD_REGION_WRITE, buf, sizeof(buf), NULL, NULL);
	PCHECK(p, n == 32 + 4);
	{
		struct vfu_hdr h;

		memcpy(&h, buf, sizeof(h));
		PCHECK(p, h.flags == VFU_F_NO_REPLY);
	}
	/* 3: a non-posted write: answer the stale read first (must be ignored), then an error */
	n = expect_cmd(p, fd, VFU_CMD_REGION_WRITE, buf, sizeof(buf), NULL, NULL);
	PCHECK(p, n == 32 + 4);
	{
		uint8_t rr[20] = { 0 };
		struct vfu_hdr a, b;

		PCHECK(p, reply(fd, late, rr, sizeof(rr), NULL, 0) == 0);
		PCHECK(p, reply_err(fd, buf, EACCES) == 0);
		memcpy(&a, late, sizeof(a));
		memcpy(&b, buf, sizeof(b));
		PCHECK(p, (uint16_t)(a.id + 2) == b.id); /* ids increase */
	}
	/* 4: a read reply carrying more than asked: E2BIG */
	n = expect_cmd(p, fd, VFU_CMD_REGION_READ, buf, sizeof(buf), NULL, NULL);
	PCHECK(p, n == 32);
	{
		uint8_t rr[16 + 4] = { 0 }; /* fits the request's buffer, claims 8 */
		struct vfu_region_rw rw = { .count = 8 };

		memcpy(rr, &rw, sizeof(rw));
		PCHECK(p, reply(fd, buf, rr, sizeof(rr), NULL, 0) == 0);
	}
	/* 5: a reply with the wrong command */
	n = expect_cmd(p, fd, VFU_CMD_DEVICE_GET_INFO, buf, sizeof(buf), NULL, NULL);
	PCHECK(p, n == 32);
	{
		struct vfu_hdr h;

		memcpy(&h, buf, sizeof(h));
		PCHECK(p, it_send_msg(fd, h.id, VFU_CMD_DEVICE_GET_IRQ_INFO, VFU_F_TYPE_REPLY, 0,
				      buf + 16, 16, NULL, 0) == 0);
	}
	/* 6: device info beyond what QEMU accepts */
	n = expect_cmd(p, fd, VFU_CMD_DEVICE_GET_INFO, buf, sizeof(buf), NULL, NULL);
	PCHECK(p, n == 32);
	{
		struct vfu_device_info di = { .argsz = 16, .flags = 3, .num_regions = 101,
					      .num_irqs = 5 };

		PCHECK(p, reply(fd, buf, &di, sizeof(di), NULL, 0) == 0);
	}
	/* 7: write multi, posted */
	n = expect_cmd(p, fd, VFU_CMD_REGION_WRITE_MULTI, buf, sizeof(buf), NULL, NULL);
	PCHECK(p, n == 16 + 8 + 2 * 24);
	{
		struct vfu_hdr h;
		uint64_t cnt;

		memcpy(&h, buf, sizeof(h));
		memcpy(&cnt, buf + 16, 8);
		PCHECK(p, h.flags == VFU_F_NO_REPLY && cnt == 2);
	}
	/* 8: close in the middle of a request */
	n = expect_cmd(p, fd, VFU_CMD_DEVICE_RESET, buf, sizeof(buf), NULL, NULL);
	PCHECK(p, n == 16);
}

static void test_misc(void **state)
{
	struct peer *p = peer_start(script_misc, NULL);
	struct vfuc *c = client(p, 2000);
	struct vfu_device_info di;
	struct vfu_wr_one w[2] = { { .offset = 0, .region = 0, .count = 4 },
				   { .offset = 4, .region = 0, .count = 4 } };
	uint8_t d[4];
	uint64_t t0;

	assert_int_equal(vfuc_negotiate(c, NULL), 0);
	vfuc_set_timeout(c, 200);
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	t0 = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	assert_int_equal(vfuc_region_read(c, 0, 0, d, 4), -ETIMEDOUT);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	assert_true((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000 - t0 < 1500);
	vfuc_set_timeout(c, 2000);
	assert_int_equal(vfuc_region_write(c, 0, 0, "abcd", 4, true), 0);
	assert_int_equal(vfuc_region_write(c, 0, 0, "abcd", 4, false), -EACCES);
	assert_int_equal(vfuc_region_read(c, 0, 0, d, 4), -E2BIG);
	assert_int_equal(vfuc_device_info(c, &di), -EPROTO);
	assert_int_equal(vfuc_device_info(c, &di), -EINVAL);
	assert_int_equal(vfuc_write_multi(c, w, 2, true), 0);
	assert_int_equal(vfuc_write_multi(c, w, 0, true), -EINVAL);
	assert_int_equal(vfuc_reset(c), -ECONNRESET);
	assert_true(vfuc_server_closed(c, 0));
	assert_int_equal(vfuc_reset(c), -ECONNRESET);
	vfuc_close(c);
	peer_finish(p);
}

/* Memory backed by a memfd travels as an fd with the DMA_MAP; UNMAP follows destroy. */
static void script_mem_fd(struct peer *p, int fd)
{
	uint8_t buf[256];
	int fds[4];
	size_t nfds = 4;
	struct vfu_dma_map m;
	struct vfu_dma_unmap u;
	ssize_t n;

	PCHECK(p, srv_version(p, fd) == 0);
	n = expect_cmd(p, fd, VFU_CMD_DMA_MAP, buf, sizeof(buf), fds, &nfds);
	PCHECK(p, n == 48 && nfds == 1);
	memcpy(&m, buf + 16, sizeof(m));
	PCHECK(p, m.addr == 0x100000 && m.size == 0x10000 && m.offset == 0);
	{
		uint8_t *mm = mmap(NULL, 0x10000, PROT_READ | PROT_WRITE, MAP_SHARED, fds[0], 0);

		PCHECK(p, mm != MAP_FAILED);
		memcpy(mm + 0x20, "shared", 6);
		munmap(mm, 0x10000);
	}
	close(fds[0]);
	PCHECK(p, reply(fd, buf, NULL, 0, NULL, 0) == 0);
	/* overlapping create is refused locally: nothing more on the wire until UNMAP */
	nfds = 0;
	n = expect_cmd(p, fd, VFU_CMD_DMA_UNMAP, buf, sizeof(buf), NULL, NULL);
	PCHECK(p, n == 16 + 24);
	memcpy(&u, buf + 16, sizeof(u));
	PCHECK(p, u.argsz == 24 && u.flags == 0 && u.addr == 0x100000 && u.size == 0x10000);
	PCHECK(p, reply(fd, buf, NULL, 0, NULL, 0) == 0);
	n = expect_cmd(p, fd, VFU_CMD_DMA_UNMAP, buf, sizeof(buf), NULL, NULL);
	memcpy(&u, buf + 16, sizeof(u));
	PCHECK(p, u.flags == VFU_DMA_UNMAP_F_ALL && u.addr == 0 && u.size == 0);
	PCHECK(p, reply(fd, buf, NULL, 0, NULL, 0) == 0);
}

static void test_mem_fd(void **state)
{
	struct peer *p = peer_start(script_mem_fd, NULL);
	struct vfuc *c = client(p, 2000);
	struct vfuc_mem m, m2;

	assert_int_equal(vfuc_negotiate(c, NULL), 0);
	assert_int_equal(vfuc_mem_create(c, 0x100000, 0x10000, &m), 0);
	assert_true(m.fd >= 0);
	assert_memory_equal(m.base + 0x20, "shared", 6);
	assert_int_equal(vfuc_mem_create(c, 0x108000, 0x1000, &m2), -EEXIST);
	vfuc_mem_destroy(c, &m);
	assert_null(m.base);
	assert_null(vfuc_gpa(c, 0x100000, 1));
	assert_int_equal(vfuc_dma_unmap(c, 0, 0, VFU_DMA_UNMAP_F_ALL), 0);
	vfuc_close(c);
	peer_finish(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_version_caps),
		cmocka_unit_test(test_version_offer),
		cmocka_unit_test(test_version_refused),
		cmocka_unit_test(test_irq_chunks),
		cmocka_unit_test(test_region_info_retry),
		cmocka_unit_test(test_dma_service),
		cmocka_unit_test(test_misc),
		cmocka_unit_test(test_mem_fd),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
