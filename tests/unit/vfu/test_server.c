/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the vfio-user server's message handling, driven through a
 * socketpair with vfu_pump() (no event loop, no threads).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"
#include "vfu/server_priv.h"
#include "vfu/vfu.h"

#define DMA_IN_CB 0xf0 /* region 0: a write reads guest memory from the callback */

struct fixture {
	struct vfu_ctx *ctx;
	int sock; /* our (client) end */
	uint16_t id;
	uint8_t regs[256];
	int resets, attaches, unmaps;
	int dma_in_cb; /* what vfu_dma_read returned inside a region write to DMA_IN_CB */
	int memfd; /* mmap-able page behind region 1 */
	/* on_reset puts swap_fd behind region 1 if swap is set; what that returned, per reason */
	bool swap;
	int swap_fd;
	int swap_ret[2];
};

static ssize_t reg_access(void *opaque, uint32_t region, uint64_t off, void *buf, size_t count,
			  bool wr)
{
	struct fixture *f = vfu_opaque(((struct fixture *)opaque)->ctx);
	if (off + count > sizeof(f->regs))
		return -EINVAL;
	if (wr && region == 0 && off == DMA_IN_CB) {
		char b[4];
		f->dma_in_cb = vfu_dma_read(f->ctx, 0x10000, b, sizeof(b));
	}
	if (wr)
		memcpy(f->regs + off, buf, count);
	else
		memcpy(buf, f->regs + off, count);
	return (ssize_t)count;
}

static void on_reset(void *o, enum vfu_reset_reason why)
{
	struct fixture *f = o;

	f->resets++;
	if (f->swap)
		f->swap_ret[why] = vfu_region_set_mmap_fd(f->ctx, 1, f->swap_fd);
}
static void on_attach(void *o)
{
	((struct fixture *)o)->attaches++;
}
static void on_unmap(void *o, uint64_t a, uint64_t s)
{
	((struct fixture *)o)->unmaps++;
}

static const struct vfu_dev_ops ops = {
	.reset = on_reset,
	.attach = on_attach,
	.dma_unmap = on_unmap,
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	int sv[2];
	log_set_level(LOG_LVL_ERR);
	struct vfu_ctx_cfg cfg = {
		.name = "t",
		.dev_flags = VFU_DEV_F_PCI | VFU_DEV_F_RESET,
		.num_regions = VFU_PCI_NUM_REGIONS,
		.irq_count = { 1, 1, 8, 1, 1 },
	};
	f->ctx = vfu_create(&cfg, &ops, f);
	assert_non_null(f->ctx);
	struct vfu_region_desc r0 = {
		.size = 256, .flags = VFU_REGION_F_READ | VFU_REGION_F_WRITE, .access = reg_access,
		.mmap_fd = -1,
	};
	assert_int_equal(vfu_set_region(f->ctx, 0, &r0), 0);
	f->memfd = memfd_create("bar1", MFD_CLOEXEC);
	assert_int_equal(ftruncate(f->memfd, 8192), 0);
	struct vfu_region_desc r1 = {
		.size = 8192, .flags = VFU_REGION_F_READ | VFU_REGION_F_WRITE, .access = reg_access,
		.mmap_fd = f->memfd, .nr_sparse = 1, .sparse = { { .offset = 4096, .size = 4096 } },
	};
	assert_int_equal(vfu_set_region(f->ctx, 1, &r1), 0);
	struct vfu_region_desc ro = {
		.size = 16, .flags = VFU_REGION_F_READ, .access = reg_access, .mmap_fd = -1,
	};
	assert_int_equal(vfu_set_region(f->ctx, 2, &ro), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	f->sock = sv[0];
	assert_int_equal(vfu_attach(f->ctx, NULL, vfu_transport_socket(sv[1])), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	vfu_destroy(f->ctx);
	close(f->sock);
	close(f->memfd);
	free(f);
	return 0;
}

static void send_msg(struct fixture *f, uint16_t cmd, uint32_t flags, const void *p, size_t len,
		     const int *fds, size_t nfds)
{
	struct vfu_hdr h = { .id = ++f->id, .cmd = cmd, .size = (uint32_t)(sizeof(h) + len),
			     .flags = flags };
	struct iovec iov[2] = { { &h, sizeof(h) }, { (void *)p, len } };
	union {
		char b[CMSG_SPACE(sizeof(int) * 40)];
		struct cmsghdr a;
	} cb;
	struct msghdr m = { .msg_iov = iov, .msg_iovlen = len ? 2 : 1 };
	if (nfds) {
		m.msg_control = cb.b;
		m.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		struct cmsghdr *c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
	}
	assert_int_equal(sendmsg(f->sock, &m, 0), (ssize_t)(sizeof(h) + len));
}

/* Reads one reply; returns its error (0 = ok) and copies the payload. -1 if none/EOF. */
static int get_reply(struct fixture *f, void *payload, size_t cap, size_t *plen, int *fd)
{
	struct vfu_hdr h;
	uint8_t buf[8192];
	union {
		char b[CMSG_SPACE(sizeof(int) * 4)];
		struct cmsghdr a;
	} cb;
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cb.b,
			    .msg_controllen = sizeof(cb.b) };
	vfu_pump(f->ctx);
	ssize_t n = recvmsg(f->sock, &m, MSG_DONTWAIT);
	if (n < (ssize_t)sizeof(h))
		return -1;
	memcpy(&h, buf, sizeof(h));
	assert_int_equal(h.size, (uint32_t)n);
	assert_int_equal(h.id, f->id);
	assert_int_equal(h.flags & VFU_F_TYPE_MASK, VFU_F_TYPE_REPLY);
	if (fd)
		*fd = -1;
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);
	if (c && c->cmsg_type == SCM_RIGHTS) {
		int rfd;
		memcpy(&rfd, CMSG_DATA(c), sizeof(int));
		if (fd)
			*fd = rfd;
		else
			close(rfd);
	}
	if (plen)
		*plen = (size_t)n - sizeof(h);
	if (payload)
		memcpy(payload, buf + sizeof(h), (size_t)n - sizeof(h) < cap ? (size_t)n - sizeof(h) : cap);
	if (h.flags & VFU_F_ERROR) {
		assert_int_equal((size_t)n, sizeof(h));
		assert_true(h.error > 0);
		return (int)h.error;
	}
	return 0;
}

static int request(struct fixture *f, uint16_t cmd, const void *p, size_t len, void *out,
		   size_t cap)
{
	send_msg(f, cmd, 0, p, len, NULL, 0);
	return get_reply(f, out, cap, NULL, NULL);
}

static void negotiate(struct fixture *f)
{
	const char js[] = "{\"capabilities\":{\"max_msg_fds\":16,\"max_data_xfer_size\":1048576,"
			  "\"pgsizes\":4096,\"max_dma_maps\":65535,\"write_multiple\":true,"
			  "\"migration\":{\"pgsize\":4096,\"max_bitmap_size\":268435456}}}";
	uint8_t m[4 + sizeof(js)] = { 0 };
	memcpy(m + 4, js, sizeof(js));
	uint8_t rep[512] = { 0 };
	assert_int_equal(request(f, VFU_CMD_VERSION, m, sizeof(m), rep, sizeof(rep)), 0);
	assert_non_null(strstr((char *)rep + 4, "\"max_msg_fds\":16"));
	assert_non_null(strstr((char *)rep + 4, "\"write_multiple\":true"));
	assert_int_equal(f->attaches, 1);
}

static bool client_dropped(struct fixture *f)
{
	char b;
	vfu_pump(f->ctx);
	return !vfu_connected(f->ctx) && recv(f->sock, &b, 1, MSG_DONTWAIT) == 0;
}

static void test_check_hdr(void **state)
{
	struct vfu_hdr h = { .size = 15 };
	assert_int_equal(vfu_check_hdr(&h, 1 << 20), -EINVAL);
	h.size = 16;
	assert_int_equal(vfu_check_hdr(&h, 1 << 20), 0);
	h.size = (1 << 20) + 16 + VFU_MSG_OVERHEAD;
	assert_int_equal(vfu_check_hdr(&h, 1 << 20), 0);
	h.size++;
	assert_int_equal(vfu_check_hdr(&h, 1 << 20), -EMSGSIZE);
	h.size = UINT32_MAX;
	assert_int_equal(vfu_check_hdr(&h, 1 << 20), -EMSGSIZE);
}

static void test_version_rules(void **state)
{
	struct fixture *f = *state;
	uint32_t dummy[4] = { 16 };
	/* a command before VERSION */
	assert_int_equal(request(f, VFU_CMD_DEVICE_GET_INFO, dummy, 16, NULL, 0), EINVAL);
	/* not NUL-terminated */
	uint8_t v1[4 + 4] = { 0, 0, 0, 0, '{', '}', ' ', ' ' };
	assert_int_equal(request(f, VFU_CMD_VERSION, v1, sizeof(v1), NULL, 0), EINVAL);
	/* bad JSON, JSON that is not an object, capabilities of the wrong type */
	const char *bad[] = { "{\"capabilities\":", "[1,2]", "{\"capabilities\":7}",
			      "{\"capabilities\":{\"max_msg_fds\":\"x\"}}",
			      "{\"capabilities\":{\"max_data_xfer_size\":-1}}",
			      "{\"capabilities\":{\"write_multiple\":1}}" };
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint8_t m[128] = { 0 };
		memcpy(m + 4, bad[i], strlen(bad[i]) + 1);
		assert_int_equal(request(f, VFU_CMD_VERSION, m, 4 + strlen(bad[i]) + 1, NULL, 0),
				 EINVAL);
	}
	/* major mismatch */
	uint8_t v2[8] = { 1, 0, 0, 0, '{', '}', 0, 0 };
	assert_int_equal(request(f, VFU_CMD_VERSION, v2, sizeof(v2), NULL, 0), EINVAL);
	assert_false(vfu_connected(f->ctx));
	negotiate(f);
	assert_true(vfu_connected(f->ctx));
	/* twice */
	uint8_t v3[7] = { 0, 0, 0, 0, '{', '}', 0 };
	assert_int_equal(request(f, VFU_CMD_VERSION, v3, sizeof(v3), NULL, 0), EINVAL);
	/* unknown commands and client-sent DMA_READ */
	assert_int_equal(request(f, 99, NULL, 0, NULL, 0), ENOSYS);
	assert_int_equal(request(f, 0, NULL, 0, NULL, 0), ENOSYS);
	assert_int_equal(request(f, VFU_CMD_DMA_READ, dummy, 16, NULL, 0), EINVAL);
	assert_true(vfu_connected(f->ctx));
}

static void test_info_commands(void **state)
{
	struct fixture *f = *state;
	negotiate(f);
	struct vfu_device_info di = { .argsz = sizeof(di) };
	assert_int_equal(request(f, VFU_CMD_DEVICE_GET_INFO, &di, sizeof(di), &di, sizeof(di)), 0);
	assert_int_equal(di.num_regions, VFU_PCI_NUM_REGIONS);
	assert_int_equal(di.num_irqs, VFU_IRQ_NUM);
	assert_int_equal(di.flags, VFU_DEV_F_PCI | VFU_DEV_F_RESET);
	di.argsz = 8; /* argsz too small */
	assert_int_equal(request(f, VFU_CMD_DEVICE_GET_INFO, &di, sizeof(di), NULL, 0), EINVAL);

	/* region info: index out of range */
	struct vfu_region_info ri = { .argsz = sizeof(ri), .index = VFU_PCI_NUM_REGIONS };
	assert_int_equal(request(f, VFU_CMD_DEVICE_GET_REGION_INFO, &ri, sizeof(ri), NULL, 0),
			 EINVAL);
	/* sparse region asked with a small argsz: told what is needed, no fd */
	ri.index = 1;
	uint8_t out[128];
	size_t len;
	int fd;
	send_msg(f, VFU_CMD_DEVICE_GET_REGION_INFO, 0, &ri, sizeof(ri), NULL, 0);
	assert_int_equal(get_reply(f, out, sizeof(out), &len, &fd), 0);
	assert_int_equal(len, sizeof(ri));
	assert_int_equal(fd, -1);
	struct vfu_region_info got;
	memcpy(&got, out, sizeof(got));
	assert_int_equal(got.argsz, sizeof(ri) + 16 + 16);
	/* No capability in this answer, so no CAPS flag (QEMU refuses one without it). */
	assert_false(got.flags & VFU_REGION_F_CAPS);
	assert_int_equal(got.cap_offset, 0);
	assert_true(got.flags & VFU_REGION_F_MMAP);
	/* again with enough room: the sparse capability and the fd */
	ri.argsz = got.argsz;
	send_msg(f, VFU_CMD_DEVICE_GET_REGION_INFO, 0, &ri, sizeof(ri), NULL, 0);
	assert_int_equal(get_reply(f, out, sizeof(out), &len, &fd), 0);
	assert_int_equal(len, got.argsz);
	assert_true(fd >= 0);
	memcpy(&got, out, sizeof(got));
	assert_int_equal(got.cap_offset, sizeof(ri));
	struct vfu_cap_sparse_mmap cap;
	struct vfu_sparse_area area;
	memcpy(&cap, out + sizeof(ri), sizeof(cap));
	memcpy(&area, out + sizeof(ri) + sizeof(cap), sizeof(area));
	assert_int_equal(cap.hdr.id, VFU_REGION_CAP_SPARSE_MMAP);
	assert_int_equal(cap.nr_areas, 1);
	assert_int_equal(area.offset, 4096);
	assert_int_equal(area.size, 4096);
	close(fd);
	/* absent region: size 0, no flags */
	ri.index = 5;
	ri.argsz = sizeof(ri);
	assert_int_equal(request(f, VFU_CMD_DEVICE_GET_REGION_INFO, &ri, sizeof(ri), &got,
				 sizeof(got)), 0);
	assert_int_equal(got.size, 0);
	assert_int_equal(got.flags, 0);

	struct vfu_irq_info ii = { .argsz = sizeof(ii), .index = VFU_IRQ_MSIX };
	assert_int_equal(request(f, VFU_CMD_DEVICE_GET_IRQ_INFO, &ii, sizeof(ii), &ii, sizeof(ii)),
			 0);
	assert_int_equal(ii.count, 8);
	ii.index = VFU_IRQ_NUM;
	assert_int_equal(request(f, VFU_CMD_DEVICE_GET_IRQ_INFO, &ii, sizeof(ii), NULL, 0), EINVAL);
}

/*
 * A REGION_READ/WRITE payload with room for its data: vfu_region_rw's layout
 * without its flexible array (ISO C allows none inside another struct).
 */
struct rw_hdr {
	uint64_t offset;
	uint32_t region;
	uint32_t count;
};
_Static_assert(sizeof(struct rw_hdr) == sizeof(struct vfu_region_rw) &&
		       offsetof(struct rw_hdr, offset) == offsetof(struct vfu_region_rw, offset) &&
		       offsetof(struct rw_hdr, region) == offsetof(struct vfu_region_rw, region) &&
		       offsetof(struct rw_hdr, count) == offsetof(struct vfu_region_rw, count),
	       "region_rw layout");
struct rw_msg {
	struct rw_hdr rw;
	uint8_t data[16];
};

static void test_region_rw(void **state)
{
	struct fixture *f = *state;
	negotiate(f);
	struct rw_msg m = { .rw = { .offset = 8, .region = 0, .count = 4 } };
	memcpy(m.data, "\x11\x22\x33\x44", 4);
	assert_int_equal(request(f, VFU_CMD_REGION_WRITE, &m, sizeof(m.rw) + 4, NULL, 0), 0);
	assert_memory_equal(f->regs + 8, "\x11\x22\x33\x44", 4);
	struct rw_msg r;
	assert_int_equal(request(f, VFU_CMD_REGION_READ, &m.rw, sizeof(m.rw), &r, sizeof(r)), 0);
	assert_int_equal(r.rw.count, 4);
	assert_memory_equal(r.data, "\x11\x22\x33\x44", 4);

	/* posted write: no reply, but applied */
	m.data[0] = 0x55;
	send_msg(f, VFU_CMD_REGION_WRITE, VFU_F_NO_REPLY, &m, sizeof(m.rw) + 4, NULL, 0);
	assert_int_equal(get_reply(f, NULL, 0, NULL, NULL), -1);
	assert_int_equal(f->regs[8], 0x55);
	/* a posted write that fails is dropped silently (and counted) */
	uint64_t errs = vfu_get_stats(f->ctx)->msgs_err;
	m.rw.offset = 1000;
	send_msg(f, VFU_CMD_REGION_WRITE, VFU_F_NO_REPLY, &m, sizeof(m.rw) + 4, NULL, 0);
	assert_int_equal(get_reply(f, NULL, 0, NULL, NULL), -1);
	assert_int_equal(vfu_get_stats(f->ctx)->msgs_err, errs + 1);

	/* out of range, offset+count overflow, count != payload, bad region, read-only */
	m.rw.offset = 254;
	assert_int_equal(request(f, VFU_CMD_REGION_WRITE, &m, sizeof(m.rw) + 4, NULL, 0), EINVAL);
	m.rw.offset = UINT64_MAX - 1;
	assert_int_equal(request(f, VFU_CMD_REGION_READ, &m.rw, sizeof(m.rw), NULL, 0), EINVAL);
	m.rw.offset = 0;
	m.rw.count = 8;
	assert_int_equal(request(f, VFU_CMD_REGION_WRITE, &m, sizeof(m.rw) + 4, NULL, 0), EINVAL);
	m.rw.count = 4;
	assert_int_equal(request(f, VFU_CMD_REGION_WRITE, &m, sizeof(m.rw) + 8, NULL, 0), EINVAL);
	m.rw.region = 42;
	assert_int_equal(request(f, VFU_CMD_REGION_READ, &m.rw, sizeof(m.rw), NULL, 0), EINVAL);
	m.rw.region = 3; /* absent */
	assert_int_equal(request(f, VFU_CMD_REGION_READ, &m.rw, sizeof(m.rw), NULL, 0), EINVAL);
	m.rw.region = 2; /* read-only */
	assert_int_equal(request(f, VFU_CMD_REGION_WRITE, &m, sizeof(m.rw) + 4, NULL, 0), EPERM);
	m.rw.count = 0;
	assert_int_equal(request(f, VFU_CMD_REGION_READ, &m.rw, sizeof(m.rw), NULL, 0), EINVAL);
	/* a read with trailing payload */
	m.rw = (struct rw_hdr){ .offset = 0, .region = 0, .count = 4 };
	assert_int_equal(request(f, VFU_CMD_REGION_READ, &m, sizeof(m.rw) + 4, NULL, 0), EINVAL);
	assert_true(vfu_connected(f->ctx));
}

static void test_write_multi(void **state)
{
	struct fixture *f = *state;
	negotiate(f);
	struct {
		uint64_t cnt;
		struct vfu_wr_one w[3];
	} m = { .cnt = 2 };
	m.w[0] = (struct vfu_wr_one){ .offset = 0, .region = 0, .count = 4, .data = { 1, 2, 3, 4 } };
	m.w[1] = (struct vfu_wr_one){ .offset = 100, .region = 0, .count = 2, .data = { 9, 8 } };
	assert_int_equal(request(f, VFU_CMD_REGION_WRITE_MULTI, &m, 8 + 2 * 24, NULL, 0), 0);
	assert_memory_equal(f->regs, "\x01\x02\x03\x04", 4);
	assert_memory_equal(f->regs + 100, "\x09\x08", 2);
	/* one bad entry: refused as a whole, nothing applied */
	m.cnt = 3;
	m.w[0].data[0] = 0x77;
	m.w[2] = (struct vfu_wr_one){ .offset = 255, .region = 0, .count = 2 };
	assert_int_equal(request(f, VFU_CMD_REGION_WRITE_MULTI, &m, 8 + 3 * 24, NULL, 0), EINVAL);
	assert_int_equal(f->regs[0], 1);
	/* count larger than the data slot, wr_cnt not matching the size, zero entries */
	m.cnt = 1;
	m.w[0].count = 9;
	assert_int_equal(request(f, VFU_CMD_REGION_WRITE_MULTI, &m, 8 + 24, NULL, 0), EINVAL);
	m.w[0].count = 4;
	assert_int_equal(request(f, VFU_CMD_REGION_WRITE_MULTI, &m, 8 + 2 * 24, NULL, 0), EINVAL);
	m.cnt = 0;
	assert_int_equal(request(f, VFU_CMD_REGION_WRITE_MULTI, &m, 8, NULL, 0), EINVAL);
	m.cnt = 201;
	assert_int_equal(request(f, VFU_CMD_REGION_WRITE_MULTI, &m, 8 + 24, NULL, 0), EINVAL);
}

static void test_dma_map_unmap(void **state)
{
	struct fixture *f = *state;
	negotiate(f);
	int mfd = memfd_create("ram", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	assert_int_equal(ftruncate(mfd, 1 << 20), 0);
	struct vfu_dma_map m = { .argsz = sizeof(m), .flags = VFU_DMA_F_READ | VFU_DMA_F_WRITE,
				 .offset = 0, .addr = 0x100000, .size = 1 << 20 };
	send_msg(f, VFU_CMD_DMA_MAP, 0, &m, sizeof(m), &mfd, 1);
	assert_int_equal(get_reply(f, NULL, 0, NULL, NULL), 0);
	/* guest memory visible through the DMA API */
	uint8_t *mine = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	mine[5] = 42;
	uint8_t *p = vfu_dma_ptr(f->ctx, 0x100005, 1, VFU_PROT_READ);
	assert_non_null(p);
	assert_int_equal(*p, 42);
	uint8_t b[4];
	assert_int_equal(vfu_dma_read(f->ctx, 0x100005, b, 1), 0);
	assert_int_equal(b[0], 42);
	assert_int_equal(vfu_dma_read(f->ctx, 0x200000 - 2, b, 4), -EFAULT);

	/* overlapping, unknown flags, larger than its fd, two fds, misaligned */
	m.addr = 0x180000;
	send_msg(f, VFU_CMD_DMA_MAP, 0, &m, sizeof(m), &mfd, 1);
	assert_int_equal(get_reply(f, NULL, 0, NULL, NULL), EEXIST);
	m.addr = 0x400000;
	m.flags = 0x10 | VFU_DMA_F_READ;
	send_msg(f, VFU_CMD_DMA_MAP, 0, &m, sizeof(m), &mfd, 1);
	assert_int_equal(get_reply(f, NULL, 0, NULL, NULL), EINVAL);
	m.flags = VFU_DMA_F_READ;
	m.size = 2 << 20;
	send_msg(f, VFU_CMD_DMA_MAP, 0, &m, sizeof(m), &mfd, 1);
	assert_int_equal(get_reply(f, NULL, 0, NULL, NULL), EINVAL);
	m.size = 4096;
	int two[2] = { mfd, mfd };
	send_msg(f, VFU_CMD_DMA_MAP, 0, &m, sizeof(m), two, 2);
	assert_int_equal(get_reply(f, NULL, 0, NULL, NULL), EINVAL);
	m.addr = 0x400001;
	send_msg(f, VFU_CMD_DMA_MAP, 0, &m, sizeof(m), &mfd, 1);
	assert_int_equal(get_reply(f, NULL, 0, NULL, NULL), EINVAL);
	m.addr = 0x400000;
	m.argsz = 8;
	send_msg(f, VFU_CMD_DMA_MAP, 0, &m, sizeof(m), &mfd, 1);
	assert_int_equal(get_reply(f, NULL, 0, NULL, NULL), EINVAL);

	/* unmap: partial refused, unknown refused, exact ok; unmap callback before removal */
	struct vfu_dma_unmap u = { .argsz = sizeof(u), .addr = 0x100000, .size = 4096 };
	assert_int_equal(request(f, VFU_CMD_DMA_UNMAP, &u, sizeof(u), NULL, 0), EINVAL);
	u.addr = 0x800000;
	assert_int_equal(request(f, VFU_CMD_DMA_UNMAP, &u, sizeof(u), NULL, 0), ENOENT);
	u.flags = 0x8;
	assert_int_equal(request(f, VFU_CMD_DMA_UNMAP, &u, sizeof(u), NULL, 0), EINVAL);
	u.flags = VFU_DMA_UNMAP_F_ALL; /* ALL needs addr = size = 0 */
	assert_int_equal(request(f, VFU_CMD_DMA_UNMAP, &u, sizeof(u), NULL, 0), EINVAL);
	u = (struct vfu_dma_unmap){ .argsz = sizeof(u), .addr = 0x100000, .size = 1 << 20 };
	assert_int_equal(request(f, VFU_CMD_DMA_UNMAP, &u, sizeof(u), &u, sizeof(u)), 0);
	assert_int_equal(f->unmaps, 1);
	assert_null(vfu_dma_ptr(f->ctx, 0x100005, 1, VFU_PROT_READ));

	/* UNMAP_ALL */
	m = (struct vfu_dma_map){ .argsz = sizeof(m), .flags = VFU_DMA_F_READ, .addr = 0,
				  .size = 4096 };
	send_msg(f, VFU_CMD_DMA_MAP, 0, &m, sizeof(m), &mfd, 1);
	assert_int_equal(get_reply(f, NULL, 0, NULL, NULL), 0);
	m.addr = 0x10000;
	send_msg(f, VFU_CMD_DMA_MAP, 0, &m, sizeof(m), NULL, 0);
	assert_int_equal(get_reply(f, NULL, 0, NULL, NULL), 0);
	u = (struct vfu_dma_unmap){ .argsz = sizeof(u), .flags = VFU_DMA_UNMAP_F_ALL };
	assert_int_equal(request(f, VFU_CMD_DMA_UNMAP, &u, sizeof(u), NULL, 0), 0);
	assert_int_equal(f->unmaps, 3);
	munmap(mine, 1 << 20);
	close(mfd);
}

static void test_dma_to_client(void **state)
{
	struct fixture *f = *state;
	negotiate(f);
	/* memory without an fd: reached with DMA_READ/DMA_WRITE messages */
	struct vfu_dma_map m = { .argsz = sizeof(m), .flags = VFU_DMA_F_READ | VFU_DMA_F_WRITE,
				 .addr = 0x10000, .size = 4096 };
	send_msg(f, VFU_CMD_DMA_MAP, 0, &m, sizeof(m), NULL, 0);
	assert_int_equal(get_reply(f, NULL, 0, NULL, NULL), 0);
	assert_null(vfu_dma_ptr(f->ctx, 0x10000, 4, VFU_PROT_READ));

	/*
	 * Queue the answer first (the server's first request id is 0x8000), plus
	 * a command that arrives "while" the server waits: it must be handled
	 * after, not inside, the DMA call.
	 */
	struct {
		struct vfu_hdr h;
		uint8_t p[16 + 4];
	} rep = { .h = { .id = 0x8000, .cmd = VFU_CMD_DMA_READ, .size = sizeof(rep),
			 .flags = VFU_F_TYPE_REPLY } };
	struct vfu_dma_rw rw = { .addr = 0x10010, .count = 4 };
	memcpy(rep.p, &rw, sizeof(rw));
	memcpy(rep.p + VFU_DMA_RW_DATA_OFF, "abcd", 4);
	uint32_t di[4] = { 16 };
	send_msg(f, VFU_CMD_DEVICE_GET_INFO, 0, di, sizeof(di), NULL, 0);
	assert_int_equal(write(f->sock, &rep, sizeof(rep)), (ssize_t)sizeof(rep));
	char out[4];
	assert_int_equal(vfu_dma_read(f->ctx, 0x10010, out, 4), 0);
	assert_memory_equal(out, "abcd", 4);

	/* the request the server sent us */
	uint8_t req[64];
	ssize_t n = recv(f->sock, req, sizeof(req), MSG_DONTWAIT);
	assert_int_equal(n, 16 + 16);
	struct vfu_hdr h;
	memcpy(&h, req, sizeof(h));
	assert_int_equal(h.cmd, VFU_CMD_DMA_READ);
	memcpy(&rw, req + 16, sizeof(rw));
	assert_int_equal(rw.addr, 0x10010);
	assert_int_equal(rw.count, 4);

	/* the queued GET_INFO was not answered inside the DMA call; it is once we pump */
	assert_int_equal(recv(f->sock, req, sizeof(req), MSG_DONTWAIT), -1);
	assert_int_equal(get_reply(f, NULL, 0, NULL, NULL), 0);

	/*
	 * From inside a message's handler (a region write), memory without an
	 * fd cannot be reached: the reply would be read from the stream whose
	 * current message is the one being handled.
	 */
	struct rw_msg wa = { .rw = { .offset = DMA_IN_CB, .region = 0, .count = 4 } };
	f->dma_in_cb = 1;
	assert_int_equal(request(f, VFU_CMD_REGION_WRITE, &wa, sizeof(wa.rw) + 4, NULL, 0), 0);
	assert_int_equal(f->dma_in_cb, -EBUSY);
	assert_true(vfu_connected(f->ctx));

	/* an error answer becomes the call's error */
	struct vfu_hdr eh = { .id = 0x8001, .cmd = VFU_CMD_DMA_WRITE, .size = 16,
			      .flags = VFU_F_TYPE_REPLY | VFU_F_ERROR, .error = EFAULT };
	assert_int_equal(write(f->sock, &eh, sizeof(eh)), 16);
	assert_int_equal(vfu_dma_write(f->ctx, 0x10000, "x", 1), -EFAULT);
	n = recv(f->sock, req, sizeof(req), MSG_DONTWAIT);
	assert_int_equal(n, 16 + 16 + 1);
	assert_int_equal(req[16 + VFU_DMA_RW_DATA_OFF], 'x');
}

static void test_set_irqs(void **state)
{
	struct fixture *f = *state;
	negotiate(f);
	struct vfu_irq_set s = { .argsz = sizeof(s),
				 .flags = VFU_IRQ_SET_DATA_EVENTFD | VFU_IRQ_SET_ACTION_TRIGGER,
				 .index = VFU_IRQ_MSIX, .start = 0, .count = 2 };
	int efd[2] = { eventfd(0, EFD_NONBLOCK), eventfd(0, EFD_NONBLOCK) };
	send_msg(f, VFU_CMD_DEVICE_SET_IRQS, 0, &s, sizeof(s), efd, 2);
	assert_int_equal(get_reply(f, NULL, 0, NULL, NULL), 0);
	assert_int_equal(vfu_irq_enabled_count(f->ctx, VFU_IRQ_MSIX), 2);
	assert_int_equal(vfu_irq_trigger(f->ctx, VFU_IRQ_MSIX, 1), 0);
	uint64_t v = 0;
	assert_int_equal(read(efd[1], &v, 8), 8);
	assert_int_equal(v, 1);
	assert_int_equal(read(efd[0], &v, 8), -1);
	assert_int_equal(vfu_irq_trigger(f->ctx, VFU_IRQ_MSIX, 5), -ENOENT);
	assert_true(vfu_irq_pending(f->ctx, VFU_IRQ_MSIX, 5));
	assert_int_equal(vfu_irq_trigger(f->ctx, VFU_IRQ_MSIX, 8), -EINVAL);

	/* mask: the trigger is held pending; unmask delivers it */
	s.flags = VFU_IRQ_SET_DATA_NONE | VFU_IRQ_SET_ACTION_MASK;
	s.count = 1;
	assert_int_equal(request(f, VFU_CMD_DEVICE_SET_IRQS, &s, sizeof(s), NULL, 0), 0);
	assert_int_equal(vfu_irq_trigger(f->ctx, VFU_IRQ_MSIX, 0), -EAGAIN);
	assert_int_equal(read(efd[0], &v, 8), -1);
	s.flags = VFU_IRQ_SET_DATA_NONE | VFU_IRQ_SET_ACTION_UNMASK;
	assert_int_equal(request(f, VFU_CMD_DEVICE_SET_IRQS, &s, sizeof(s), NULL, 0), 0);
	assert_int_equal(read(efd[0], &v, 8), 8);

	/* DATA_BOOL trigger from the client (loopback) */
	struct {
		struct vfu_irq_set s;
		uint8_t b[2];
	} bs = { .s = { .argsz = sizeof(bs), .flags = VFU_IRQ_SET_DATA_BOOL |
							 VFU_IRQ_SET_ACTION_TRIGGER,
			.index = VFU_IRQ_MSIX, .start = 0, .count = 2 }, .b = { 0, 1 } };
	assert_int_equal(request(f, VFU_CMD_DEVICE_SET_IRQS, &bs, sizeof(bs), NULL, 0), 0);
	assert_int_equal(read(efd[0], &v, 8), -1);
	assert_int_equal(read(efd[1], &v, 8), 8);
	/* DATA_BOOL without its bytes */
	assert_int_equal(request(f, VFU_CMD_DEVICE_SET_IRQS, &bs, sizeof(bs.s), NULL, 0), EINVAL);

	/* bad: index, range, overflowing range, fd count, two data types, two actions, fds with NONE */
	s = (struct vfu_irq_set){ .argsz = sizeof(s), .flags = VFU_IRQ_SET_DATA_NONE |
							       VFU_IRQ_SET_ACTION_TRIGGER,
				  .index = 7, .count = 1 };
	assert_int_equal(request(f, VFU_CMD_DEVICE_SET_IRQS, &s, sizeof(s), NULL, 0), EINVAL);
	s.index = VFU_IRQ_MSIX;
	s.start = 7;
	s.count = 2;
	assert_int_equal(request(f, VFU_CMD_DEVICE_SET_IRQS, &s, sizeof(s), NULL, 0), EINVAL);
	s.start = UINT32_MAX;
	assert_int_equal(request(f, VFU_CMD_DEVICE_SET_IRQS, &s, sizeof(s), NULL, 0), EINVAL);
	s.start = 0;
	s.flags = VFU_IRQ_SET_DATA_EVENTFD | VFU_IRQ_SET_ACTION_TRIGGER;
	send_msg(f, VFU_CMD_DEVICE_SET_IRQS, 0, &s, sizeof(s), efd, 1);
	assert_int_equal(get_reply(f, NULL, 0, NULL, NULL), EINVAL);
	s.flags = VFU_IRQ_SET_DATA_EVENTFD | VFU_IRQ_SET_DATA_NONE | VFU_IRQ_SET_ACTION_TRIGGER;
	assert_int_equal(request(f, VFU_CMD_DEVICE_SET_IRQS, &s, sizeof(s), NULL, 0), EINVAL);
	s.flags = VFU_IRQ_SET_DATA_NONE | VFU_IRQ_SET_ACTION_TRIGGER | VFU_IRQ_SET_ACTION_MASK;
	assert_int_equal(request(f, VFU_CMD_DEVICE_SET_IRQS, &s, sizeof(s), NULL, 0), EINVAL);
	s.flags = VFU_IRQ_SET_DATA_NONE | VFU_IRQ_SET_ACTION_TRIGGER;
	send_msg(f, VFU_CMD_DEVICE_SET_IRQS, 0, &s, sizeof(s), efd, 2);
	assert_int_equal(get_reply(f, NULL, 0, NULL, NULL), EINVAL);
	s.argsz = 4;
	assert_int_equal(request(f, VFU_CMD_DEVICE_SET_IRQS, &s, sizeof(s), NULL, 0), EINVAL);

	/* disable the index: count 0, DATA_NONE|TRIGGER */
	s = (struct vfu_irq_set){ .argsz = sizeof(s), .flags = VFU_IRQ_SET_DATA_NONE |
							       VFU_IRQ_SET_ACTION_TRIGGER,
				  .index = VFU_IRQ_MSIX, .count = 0 };
	assert_int_equal(request(f, VFU_CMD_DEVICE_SET_IRQS, &s, sizeof(s), NULL, 0), 0);
	assert_int_equal(vfu_irq_enabled_count(f->ctx, VFU_IRQ_MSIX), 0);
	close(efd[0]);
	close(efd[1]);
}

/* What the client set up per vector: eventfd or none, masked or not. */
static void test_irq_vector_state(void **state)
{
	struct fixture *f = *state;
	negotiate(f);
	struct vfu_irq_set s = { .argsz = sizeof(s),
				 .flags = VFU_IRQ_SET_DATA_EVENTFD | VFU_IRQ_SET_ACTION_TRIGGER,
				 .index = VFU_IRQ_MSIX, .start = 2, .count = 1 };
	int efd = eventfd(0, EFD_NONBLOCK);

	/* nothing set up yet; out of range */
	assert_false(vfu_irq_has_eventfd(f->ctx, VFU_IRQ_MSIX, 2));
	assert_false(vfu_irq_masked(f->ctx, VFU_IRQ_MSIX, 2));
	assert_false(vfu_irq_has_eventfd(f->ctx, VFU_IRQ_MSIX, 8));
	assert_false(vfu_irq_masked(f->ctx, VFU_IRQ_MSIX, 8));
	assert_false(vfu_irq_has_eventfd(f->ctx, VFU_IRQ_NUM, 0));
	assert_false(vfu_irq_masked(f->ctx, VFU_IRQ_NUM, 0));

	send_msg(f, VFU_CMD_DEVICE_SET_IRQS, 0, &s, sizeof(s), &efd, 1);
	assert_int_equal(get_reply(f, NULL, 0, NULL, NULL), 0);
	assert_true(vfu_irq_has_eventfd(f->ctx, VFU_IRQ_MSIX, 2));
	assert_false(vfu_irq_has_eventfd(f->ctx, VFU_IRQ_MSIX, 1));
	assert_false(vfu_irq_has_eventfd(f->ctx, VFU_IRQ_MSIX, 3));
	assert_false(vfu_irq_masked(f->ctx, VFU_IRQ_MSIX, 2));

	s.flags = VFU_IRQ_SET_DATA_NONE | VFU_IRQ_SET_ACTION_MASK;
	assert_int_equal(request(f, VFU_CMD_DEVICE_SET_IRQS, &s, sizeof(s), NULL, 0), 0);
	assert_true(vfu_irq_masked(f->ctx, VFU_IRQ_MSIX, 2));
	assert_true(vfu_irq_has_eventfd(f->ctx, VFU_IRQ_MSIX, 2));
	assert_false(vfu_irq_masked(f->ctx, VFU_IRQ_MSIX, 1));
	s.flags = VFU_IRQ_SET_DATA_NONE | VFU_IRQ_SET_ACTION_UNMASK;
	assert_int_equal(request(f, VFU_CMD_DEVICE_SET_IRQS, &s, sizeof(s), NULL, 0), 0);
	assert_false(vfu_irq_masked(f->ctx, VFU_IRQ_MSIX, 2));

	/* eventfds de-assigned: EVENTFD without fds */
	s.flags = VFU_IRQ_SET_DATA_EVENTFD | VFU_IRQ_SET_ACTION_TRIGGER;
	assert_int_equal(request(f, VFU_CMD_DEVICE_SET_IRQS, &s, sizeof(s), NULL, 0), 0);
	assert_false(vfu_irq_has_eventfd(f->ctx, VFU_IRQ_MSIX, 2));

	/* INTx: automasked by an assertion until the client's UNMASK */
	s = (struct vfu_irq_set){ .argsz = sizeof(s),
				  .flags = VFU_IRQ_SET_DATA_EVENTFD | VFU_IRQ_SET_ACTION_TRIGGER,
				  .index = VFU_IRQ_INTX, .count = 1 };
	send_msg(f, VFU_CMD_DEVICE_SET_IRQS, 0, &s, sizeof(s), &efd, 1);
	assert_int_equal(get_reply(f, NULL, 0, NULL, NULL), 0);
	assert_true(vfu_irq_has_eventfd(f->ctx, VFU_IRQ_INTX, 0));
	assert_false(vfu_irq_masked(f->ctx, VFU_IRQ_INTX, 0));
	vfu_intx_set(f->ctx, true);
	assert_true(vfu_irq_masked(f->ctx, VFU_IRQ_INTX, 0));
	vfu_intx_set(f->ctx, false);
	s.flags = VFU_IRQ_SET_DATA_NONE | VFU_IRQ_SET_ACTION_UNMASK;
	assert_int_equal(request(f, VFU_CMD_DEVICE_SET_IRQS, &s, sizeof(s), NULL, 0), 0);
	assert_false(vfu_irq_masked(f->ctx, VFU_IRQ_INTX, 0));
	close(efd);
}

static void test_intx_automask(void **state)
{
	struct fixture *f = *state;
	negotiate(f);
	int efd = eventfd(0, EFD_NONBLOCK);
	struct vfu_irq_set s = { .argsz = sizeof(s),
				 .flags = VFU_IRQ_SET_DATA_EVENTFD | VFU_IRQ_SET_ACTION_TRIGGER,
				 .index = VFU_IRQ_INTX, .count = 1 };
	send_msg(f, VFU_CMD_DEVICE_SET_IRQS, 0, &s, sizeof(s), &efd, 1);
	assert_int_equal(get_reply(f, NULL, 0, NULL, NULL), 0);
	uint64_t v;
	vfu_intx_set(f->ctx, true);
	assert_int_equal(read(efd, &v, 8), 8);
	/* automasked: a second rising edge before the unmask does not signal */
	vfu_intx_set(f->ctx, false);
	vfu_intx_set(f->ctx, true);
	assert_int_equal(read(efd, &v, 8), -1);
	/* unmask with the line still up: signals again */
	s.flags = VFU_IRQ_SET_DATA_NONE | VFU_IRQ_SET_ACTION_UNMASK;
	assert_int_equal(request(f, VFU_CMD_DEVICE_SET_IRQS, &s, sizeof(s), NULL, 0), 0);
	assert_int_equal(read(efd, &v, 8), 8);
	/* line down, unmask: nothing */
	vfu_intx_set(f->ctx, false);
	assert_int_equal(request(f, VFU_CMD_DEVICE_SET_IRQS, &s, sizeof(s), NULL, 0), 0);
	assert_int_equal(read(efd, &v, 8), -1);
	vfu_intx_set(f->ctx, true);
	assert_int_equal(read(efd, &v, 8), 8);

	/* unmask through a resample eventfd, as KVM would do it */
	int rfd = eventfd(0, EFD_NONBLOCK);
	s.flags = VFU_IRQ_SET_DATA_EVENTFD | VFU_IRQ_SET_ACTION_UNMASK;
	send_msg(f, VFU_CMD_DEVICE_SET_IRQS, 0, &s, sizeof(s), &rfd, 1);
	assert_int_equal(get_reply(f, NULL, 0, NULL, NULL), 0);
	close(rfd);
	close(efd);
}

static void test_reset_and_fds(void **state)
{
	struct fixture *f = *state;
	negotiate(f);
	assert_int_equal(request(f, VFU_CMD_DEVICE_RESET, NULL, 0, NULL, 0), 0);
	assert_int_equal(f->resets, 1);
	assert_int_equal(request(f, VFU_CMD_DEVICE_RESET, "x", 1, NULL, 0), EINVAL);
	/* fds where none belong are refused and closed */
	int efd = eventfd(0, 0);
	uint32_t di[4] = { 16 };
	send_msg(f, VFU_CMD_DEVICE_GET_INFO, 0, di, sizeof(di), &efd, 1);
	assert_int_equal(get_reply(f, NULL, 0, NULL, NULL), EINVAL);
	/* too many fds for one message */
	int many[20];
	for (int i = 0; i < 20; i++)
		many[i] = efd;
	struct vfu_irq_set s = { .argsz = sizeof(s),
				 .flags = VFU_IRQ_SET_DATA_EVENTFD | VFU_IRQ_SET_ACTION_TRIGGER,
				 .index = VFU_IRQ_MSIX, .count = 8 };
	send_msg(f, VFU_CMD_DEVICE_SET_IRQS, 0, &s, sizeof(s), many, 20);
	assert_int_equal(get_reply(f, NULL, 0, NULL, NULL), EINVAL);
	assert_int_equal(vfu_irq_enabled_count(f->ctx, VFU_IRQ_MSIX), 0);
	close(efd);
	/* bad type bits / error field set on a command */
	send_msg(f, VFU_CMD_DEVICE_GET_INFO, 0x5, di, sizeof(di), NULL, 0);
	assert_int_equal(get_reply(f, NULL, 0, NULL, NULL), EINVAL);
	assert_true(vfu_connected(f->ctx));
}

/* Region 1's info as a client gets it: *fd the mmap fd or -1. Returns the flags. */
static uint32_t region1_info(struct fixture *f, int *fd)
{
	struct vfu_region_info ri = { .argsz = sizeof(ri) + 32, .index = 1 }, got;
	uint8_t out[128];
	size_t len;

	send_msg(f, VFU_CMD_DEVICE_GET_REGION_INFO, 0, &ri, sizeof(ri), NULL, 0);
	assert_int_equal(get_reply(f, out, sizeof(out), &len, fd), 0);
	memcpy(&got, out, sizeof(got));
	assert_int_equal(got.size, 8192);
	return got.flags;
}

static ino_t inode(int fd)
{
	struct stat st;

	assert_int_equal(fstat(fd, &st), 0);
	return st.st_ino;
}

/* A new client on a fresh socketpair, negotiated. */
static void attach_again(struct fixture *f)
{
	int sv[2];

	close(f->sock);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	f->sock = sv[0];
	assert_int_equal(vfu_attach(f->ctx, NULL, vfu_transport_socket(sv[1])), 0);
	f->attaches = 0;
	negotiate(f);
}

/* Another fd behind a region, for the next client only. */
static void test_region_set_mmap_fd(void **state)
{
	struct fixture *f = *state;
	int fd2 = memfd_create("bar1b", MFD_CLOEXEC), fd, closed;

	assert_true(fd2 >= 0);
	assert_int_equal(ftruncate(fd2, 8192), 0);
	negotiate(f);
	/* Refused while a client is attached, even from a device reset. */
	assert_int_equal(vfu_region_set_mmap_fd(f->ctx, 1, fd2), -EBUSY);
	assert_int_equal(vfu_region_set_mmap_fd(f->ctx, 1, -1), -EBUSY);
	assert_int_equal(vfu_region_set_mmap_fd(f->ctx, VFU_PCI_NUM_REGIONS, fd2), -EINVAL);
	f->swap = true;
	f->swap_fd = fd2;
	assert_int_equal(request(f, VFU_CMD_DEVICE_RESET, NULL, 0, NULL, 0), 0);
	assert_int_equal(f->swap_ret[VFU_RESET_DEVICE], -EBUSY);
	assert_true(region1_info(f, &fd) & VFU_REGION_F_MMAP);
	assert_true(fd >= 0);
	assert_int_equal(inode(fd), inode(f->memfd));
	close(fd);

	/* The client goes: its reset callback may put the new fd in place. */
	shutdown(f->sock, SHUT_WR);
	assert_true(client_dropped(f));
	assert_int_equal(f->swap_ret[VFU_RESET_DISCONNECT], 0);
	f->swap = false;

	/* Checked with no client too. */
	assert_int_equal(vfu_region_set_mmap_fd(f->ctx, VFU_PCI_NUM_REGIONS, fd2), -EINVAL);
	assert_int_equal(vfu_region_set_mmap_fd(f->ctx, 1, -2), -EINVAL);
	assert_int_equal(vfu_region_set_mmap_fd(f->ctx, 5, fd2), -EINVAL); /* absent */
	closed = dup(fd2);
	assert_true(closed >= 0);
	close(closed);
	assert_int_equal(vfu_region_set_mmap_fd(f->ctx, 1, closed), -EBADF);

	/* The next client gets the new file, with the same sparse area. */
	attach_again(f);
	assert_int_equal(region1_info(f, &fd) & (VFU_REGION_F_MMAP | VFU_REGION_F_CAPS),
			 VFU_REGION_F_MMAP | VFU_REGION_F_CAPS);
	assert_true(fd >= 0);
	assert_int_equal(inode(fd), inode(fd2));
	close(fd);

	/* -1: nothing to map for the one after. */
	vfu_disconnect(f->ctx);
	assert_int_equal(vfu_region_set_mmap_fd(f->ctx, 1, -1), 0);
	attach_again(f);
	assert_int_equal(region1_info(f, &fd) & (VFU_REGION_F_MMAP | VFU_REGION_F_CAPS), 0);
	assert_int_equal(fd, -1);
	close(fd2);
}

static void test_stream_errors_drop_client(void **state)
{
	struct fixture *f = *state;
	negotiate(f);
	/* size smaller than a header: the stream cannot be trusted */
	struct vfu_hdr h = { .id = 1, .cmd = VFU_CMD_DEVICE_GET_INFO, .size = 8 };
	assert_int_equal(write(f->sock, &h, sizeof(h)), 16);
	assert_true(client_dropped(f));
	assert_int_equal(f->resets, 1);
}

static void test_oversized_drops_client(void **state)
{
	struct fixture *f = *state;
	negotiate(f);
	struct vfu_hdr h = { .id = 1, .cmd = VFU_CMD_REGION_WRITE, .size = 64u << 20 };
	assert_int_equal(write(f->sock, &h, sizeof(h)), 16);
	assert_true(client_dropped(f));
}

static void test_unexpected_reply_drops_client(void **state)
{
	struct fixture *f = *state;
	negotiate(f);
	struct vfu_hdr h = { .id = 1, .cmd = VFU_CMD_DEVICE_GET_INFO, .size = 16,
			     .flags = VFU_F_TYPE_REPLY };
	assert_int_equal(write(f->sock, &h, sizeof(h)), 16);
	assert_true(client_dropped(f));
}

static void test_truncated_then_eof(void **state)
{
	struct fixture *f = *state;
	negotiate(f);
	struct vfu_hdr h = { .id = 1, .cmd = VFU_CMD_DEVICE_GET_INFO, .size = 32 };
	assert_int_equal(write(f->sock, &h, 10), 10); /* half a header */
	vfu_pump(f->ctx);
	assert_true(vfu_connected(f->ctx)); /* waits for the rest */
	shutdown(f->sock, SHUT_WR);
	assert_true(client_dropped(f));
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_hdr),
		T(test_version_rules),
		T(test_info_commands),
		T(test_region_rw),
		T(test_write_multi),
		T(test_dma_map_unmap),
		T(test_dma_to_client),
		T(test_set_irqs),
		T(test_irq_vector_state),
		T(test_intx_automask),
		T(test_reset_and_fds),
		T(test_region_set_mmap_fd),
		T(test_stream_errors_drop_client),
		T(test_oversized_drops_client),
		T(test_unexpected_reply_drops_client),
		T(test_truncated_then_eof),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
