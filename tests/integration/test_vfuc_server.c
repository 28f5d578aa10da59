/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Every vfio-user command, through the in-tree client, against the vfu server
 * with the fixture device (tests/integration/fixture.h) behind it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "client/vfuc.h"
#include "core/log.h"
#include "fixture.h"
#include "itest.h"

#define TMO 3000

struct ctx {
	int fds_before;
	struct fx *fx;
};

static int setup_opts(void **state, const struct fx_opts *o)
{
	struct ctx *t = calloc(1, sizeof(*t));

	if (!t)
		return -1;
	t->fds_before = it_count_fds();
	t->fx = fx_start(o);
	if (!t->fx) {
		free(t);
		return -1;
	}
	*state = t;
	return 0;
}

static int setup(void **state)
{
	return setup_opts(state, NULL);
}

static int setup_two(void **state)
{
	struct fx_opts o = { .ndev = 2 };

	return setup_opts(state, &o);
}

static int setup_fds3(void **state)
{
	struct fx_opts o = { .limits = { .max_msg_fds = 3 } };

	return setup_opts(state, &o);
}

/* Stops the server; every fd the test opened must be closed by now. */
static int teardown(void **state)
{
	struct ctx *t = *state;
	int after;

	fx_stop(t->fx);
	after = it_count_fds();
	if (after != t->fds_before) {
		fprintf(stderr, "fd leak: %d before, %d after\n", t->fds_before, after);
		free(t);
		return -1;
	}
	free(t);
	return 0;
}

static struct fx_dev *dev(void **state, unsigned i)
{
	return &((struct ctx *)*state)->fx->dev[i];
}

static struct vfuc *open_client(struct fx_dev *d)
{
	struct vfuc *c = vfuc_connect(d->path, TMO);

	assert_non_null(c);
	assert_int_equal(vfuc_negotiate(c, NULL), 0);
	return c;
}

/* Connects and negotiates, retrying while the server still holds a previous client. */
static struct vfuc *open_client_retry(struct fx_dev *d)
{
	for (int i = 0; i < 200; i++) {
		struct vfuc *c = vfuc_connect(d->path, TMO);

		if (c && vfuc_negotiate(c, NULL) == 0)
			return c;
		vfuc_close(c);
		usleep(10000);
	}
	fail_msg("cannot attach to %s", d->path);
	return NULL;
}

static uint32_t reg(struct vfuc *c, uint32_t off)
{
	return vfuc_bar_read32(c, 0, off);
}

static void set_reg(struct vfuc *c, uint32_t off, uint32_t v)
{
	assert_int_equal(vfuc_bar_write32(c, 0, off, v, false), 0);
}

static void set_reg64(struct vfuc *c, uint32_t off, uint64_t v)
{
	assert_int_equal(vfuc_region_write(c, 0, off, &v, sizeof(v), false), 0);
}

/* Polls the DMA status until the command ended (serving DMA requests meanwhile). */
static uint32_t wait_dma(struct vfuc *c)
{
	for (int i = 0; i < 3000; i++) {
		uint32_t st = reg(c, FX_DMA_STATUS);

		if (st != FX_ST_PENDING)
			return st;
		usleep(1000);
	}
	return FX_ST_PENDING;
}

/* ---- VERSION, GET_INFO, GET_REGION_INFO, GET_IRQ_INFO ------------------------------ */

static void test_version_info(void **state)
{
	struct vfuc *c = open_client(dev(state, 0));
	const struct vfuc_server_caps *sc = vfuc_caps(c);
	struct vfu_device_info di;

	assert_true(sc->max_msg_fds >= 1 && sc->max_msg_fds <= 16);
	assert_true(sc->max_data_xfer >= 4096);
	assert_int_equal(sc->pgsizes & 4095, 0);
	assert_true(sc->max_dma_maps >= 1);
	assert_non_null(vfuc_server_json(c));
	assert_int_equal(reg(c, FX_ATTACHES), 1);
	assert_int_equal(reg(c, FX_ID), FX_ID_VALUE);

	assert_int_equal(vfuc_device_info(c, &di), 0);
	assert_int_equal(di.argsz, sizeof(di));
	assert_int_equal(di.flags, VFU_DEV_F_PCI | VFU_DEV_F_RESET);
	assert_int_equal(di.num_regions, VFU_PCI_NUM_REGIONS);
	assert_int_equal(di.num_irqs, VFU_IRQ_NUM);

	/* VERSION twice is refused, the connection stays */
	assert_true(vfuc_negotiate(c, NULL) < 0);
	assert_int_equal(reg(c, FX_ID), FX_ID_VALUE);
	vfuc_close(c);
}

static void test_region_info(void **state)
{
	struct fx_dev *d = dev(state, 0);
	struct vfuc *c = open_client(d);
	struct vfu_region_info ri;
	uint8_t caps[256];
	struct vfu_cap_sparse_mmap sp;
	struct vfu_sparse_area a;
	uint32_t v;
	int fd;

	assert_int_equal(vfuc_region_info(c, 0, &ri, caps, sizeof(caps), &fd), 0);
	assert_int_equal(ri.size, 4096);
	assert_int_equal(ri.flags, VFU_REGION_F_READ | VFU_REGION_F_WRITE);
	assert_int_equal(ri.index, 0);
	assert_int_equal(fd, -1);

	assert_int_equal(vfuc_region_info(c, 2, &ri, NULL, 0, &fd), 0);
	assert_int_equal(ri.size, 0);
	assert_int_equal(fd, -1);
	assert_int_equal(vfuc_region_info(c, 7, &ri, NULL, 0, &fd), 0);
	assert_int_equal(ri.size, 256);
	assert_int_equal(vfuc_region_info(c, 9, &ri, NULL, 0, &fd), -EINVAL);
	assert_int_equal(vfuc_region_info(c, 0xffffffff, &ri, NULL, 0, &fd), -EINVAL);

	/* the sparse region: capability after a retry with the larger argsz, plus an fd */
	assert_int_equal(vfuc_region_info(c, 1, &ri, caps, sizeof(caps), &fd), 0);
	assert_true(fd >= 0);
	assert_int_equal(ri.size, FX_REGION1_SIZE);
	assert_true(ri.flags & VFU_REGION_F_MMAP);
	assert_true(ri.flags & VFU_REGION_F_CAPS);
	assert_int_equal(ri.argsz, 32 + sizeof(sp) + sizeof(a));
	assert_int_equal(ri.cap_offset, 32);
	memcpy(&sp, caps + ri.cap_offset - 32, sizeof(sp));
	assert_int_equal(sp.hdr.id, VFU_REGION_CAP_SPARSE_MMAP);
	assert_int_equal(sp.hdr.version, 1);
	assert_int_equal(sp.nr_areas, 1);
	memcpy(&a, caps + ri.cap_offset - 32 + sizeof(sp), sizeof(a));
	assert_int_equal(a.offset, 4096);
	assert_int_equal(a.size, 4096);

	/* map the sparse area and watch the device write into it */
	uint8_t *m = mmap(NULL, a.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			  (off_t)(ri.offset + a.offset));
	assert_true(m != MAP_FAILED);
	set_reg(c, FX_PAGE, 0xfeedf00d);
	memcpy(&v, m, sizeof(v));
	assert_int_equal(v, 0xfeedf00d);
	/* and our stores reach the device (read back through the trapped path) */
	memcpy(m + 8, "mmapped!", 8);
	uint8_t back[8];
	assert_int_equal(vfuc_region_read(c, 1, 4096 + 8, back, 8), 0);
	assert_memory_equal(back, "mmapped!", 8);
	munmap(m, a.size);
	close(fd);

	/* with only the fixed part asked, the server says what it needs and sends no fd */
	{
		struct vfu_region_info req = { .argsz = 32, .index = 1 };
		int rfds[2];
		size_t rn = 2, rlen;
		uint8_t rep[64];

		assert_int_equal(vfuc_request(c, VFU_CMD_DEVICE_GET_REGION_INFO, 0, &req,
					      sizeof(req), NULL, 0, rep, sizeof(rep), &rlen, rfds,
					      &rn), 0);
		assert_int_equal(rlen, 32);
		assert_int_equal(rn, 0);
		memcpy(&ri, rep, sizeof(ri));
		assert_int_equal(ri.argsz, 64);
	}
	vfuc_close(c);
}

static void test_irq_info(void **state)
{
	struct vfuc *c = open_client(dev(state, 0));
	static const uint32_t counts[VFU_IRQ_NUM] = { 1, 1, 8, 1, 1 };
	struct vfu_irq_info ii;

	for (uint32_t i = 0; i < VFU_IRQ_NUM; i++) {
		assert_int_equal(vfuc_irq_info(c, i, &ii), 0);
		assert_int_equal(ii.index, i);
		assert_int_equal(ii.count, counts[i]);
		assert_true(ii.flags & VFU_IRQ_INFO_F_EVENTFD);
	}
	assert_int_equal(vfuc_irq_info(c, VFU_IRQ_INTX, &ii), 0);
	assert_true(ii.flags & VFU_IRQ_INFO_F_MASKABLE);
	assert_true(ii.flags & VFU_IRQ_INFO_F_AUTOMASKED);
	assert_int_equal(vfuc_irq_info(c, VFU_IRQ_NUM, &ii), -EINVAL);
	vfuc_close(c);
}

/* ---- REGION_READ / REGION_WRITE / WRITE_MULTI / RESET -------------------------------- */

static void test_region_rw(void **state)
{
	struct vfuc *c = open_client(dev(state, 0));
	uint8_t big[FX_REGION1_SIZE], back[FX_REGION1_SIZE];

	set_reg(c, FX_SCRATCH, 0x12345678);
	assert_int_equal(reg(c, FX_SCRATCH), 0x12345678);
	/* posted writes arrive in order, before the next read */
	for (uint32_t i = 0; i < 100; i++)
		assert_int_equal(vfuc_bar_write32(c, 0, FX_SCRATCH, i, true), 0);
	assert_int_equal(reg(c, FX_SCRATCH), 99);
	/* byte access */
	uint8_t b = 0xab;
	assert_int_equal(vfuc_region_write(c, 0, FX_SCRATCH + 1, &b, 1, false), 0);
	assert_int_equal(reg(c, FX_SCRATCH), 0xab63);
	/* a large transfer */
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7);
	assert_int_equal(vfuc_region_write(c, 1, 0, big, sizeof(big), false), 0);
	assert_int_equal(vfuc_region_read(c, 1, 0, back, sizeof(back)), 0);
	assert_memory_equal(big, back, sizeof(big));
	/* bounds */
	assert_int_equal(vfuc_region_read(c, 0, 4096, back, 4), -EINVAL);
	assert_int_equal(vfuc_region_read(c, 0, 4094, back, 4), -EINVAL);
	assert_int_equal(vfuc_region_read(c, 0, UINT64_MAX - 1, back, 4), -EINVAL);
	assert_int_equal(vfuc_region_read(c, 2, 0, back, 4), -EINVAL);
	assert_int_equal(vfuc_region_read(c, 9, 0, back, 4), -EINVAL);
	assert_int_equal(vfuc_region_write(c, 0, 4096, back, 4, false), -EINVAL);
	assert_int_equal(reg(c, FX_ID), FX_ID_VALUE);

	/* config space */
	assert_int_equal(vfuc_cfg_read16(c, 0), FX_VENDOR);
	assert_int_equal(vfuc_cfg_read16(c, 2), FX_DEVICE);
	assert_int_equal(vfuc_cfg_write16(c, 4, 0x0006), 0);
	assert_int_equal(vfuc_cfg_read16(c, 4), 0x0006);
	assert_int_equal(vfuc_cfg_write32(c, 0x10, 0xffffffff), 0);
	assert_int_equal(vfuc_cfg_read32(c, 0x10), 0xfffff000);
	assert_int_equal(vfuc_cfg_read32(c, 0x100), 0xffffffff); /* beyond 256 bytes */
	vfuc_close(c);
}

static void test_write_multi(void **state)
{
	struct vfuc *c = open_client(dev(state, 0));
	struct vfu_wr_one w[3] = {
		{ .offset = FX_SCRATCH, .region = 0, .count = 4 },
		{ .offset = FX_BUF, .region = 0, .count = 8 },
		{ .offset = 16, .region = 1, .count = 2 },
	};
	uint8_t back[8];

	memcpy(w[0].data, "\x11\x22\x33\x44", 4);
	memcpy(w[1].data, "multiwr!", 8);
	memcpy(w[2].data, "ok", 2);
	assert_int_equal(vfuc_write_multi(c, w, 3, true), 0);
	assert_int_equal(reg(c, FX_SCRATCH), 0x44332211);
	assert_int_equal(vfuc_region_read(c, 0, FX_BUF, back, 8), 0);
	assert_memory_equal(back, "multiwr!", 8);
	assert_int_equal(vfuc_region_read(c, 1, 16, back, 2), 0);
	assert_memory_equal(back, "ok", 2);
	/* with a reply */
	w[0].data[0] = 0x55;
	assert_int_equal(vfuc_write_multi(c, w, 1, false), 0);
	assert_int_equal(reg(c, FX_SCRATCH), 0x44332255);
	/* the full batch QEMU may send */
	struct vfu_wr_one many[VFU_WRMULTI_MAX];
	for (uint32_t i = 0; i < VFU_WRMULTI_MAX; i++) {
		many[i] = (struct vfu_wr_one){ .offset = FX_SCRATCH, .region = 0, .count = 4 };
		memcpy(many[i].data, &i, 4);
	}
	assert_int_equal(vfuc_write_multi(c, many, VFU_WRMULTI_MAX, true), 0);
	assert_int_equal(reg(c, FX_SCRATCH), VFU_WRMULTI_MAX - 1);
	vfuc_close(c);
}

static void test_reset(void **state)
{
	struct vfuc *c = open_client(dev(state, 0));

	set_reg(c, FX_SCRATCH, 77);
	assert_int_equal(reg(c, FX_RESETS), 0);
	assert_int_equal(vfuc_reset(c), 0);
	assert_int_equal(reg(c, FX_SCRATCH), 0);
	assert_int_equal(reg(c, FX_RESETS), 1);
	assert_int_equal(reg(c, FX_ID), FX_ID_VALUE);
	vfuc_close(c);
}

/* ---- DMA ------------------------------------------------------------------------------ */

static void run_copy(struct vfuc *c, uint64_t src, uint64_t dst, uint32_t len)
{
	set_reg64(c, FX_DMA_SRC, src);
	set_reg64(c, FX_DMA_DST, dst);
	set_reg(c, FX_DMA_LEN, len);
	set_reg(c, FX_DMA_CMD, FX_CMD_COPY);
}

static void test_dma_fd(void **state)
{
	struct vfuc *c = open_client(dev(state, 0));
	struct vfuc_mem m;
	uint8_t buf[64];

	assert_int_equal(vfuc_mem_create(c, 0x100000, 0x20000, &m), 0);
	assert_int_equal(reg(c, FX_MAPS), 1);
	for (uint32_t i = 0; i < 0x10000; i++)
		m.base[i] = (uint8_t)(i ^ (i >> 8));
	run_copy(c, 0x100000, 0x110000, 0x10000);
	assert_int_equal(wait_dma(c), FX_ST_DONE);
	assert_memory_equal(m.base, m.base + 0x10000, 0x10000);
	assert_int_equal(vfuc_get_stats(c)->dma_reads, 0); /* all through the fd */

	/* guest -> device buffer -> guest */
	memcpy(m.base + 0x1000, "through the device", 18);
	set_reg64(c, FX_DMA_SRC, 0x101000);
	set_reg(c, FX_DMA_LEN, 18);
	set_reg(c, FX_DMA_CMD, FX_CMD_READ);
	assert_int_equal(wait_dma(c), FX_ST_DONE);
	assert_int_equal(vfuc_region_read(c, 0, FX_BUF, buf, 18), 0);
	assert_memory_equal(buf, "through the device", 18);
	set_reg64(c, FX_DMA_DST, 0x11ffe0);
	set_reg(c, FX_DMA_CMD, FX_CMD_WRITE);
	assert_int_equal(wait_dma(c), FX_ST_DONE);
	assert_memory_equal(m.base + 0x1ffe0, "through the device", 18);
	/* beyond the end of guest memory: the device sees an error, guest memory untouched */
	set_reg64(c, FX_DMA_DST, 0x11fff8);
	set_reg(c, FX_DMA_LEN, 16);
	set_reg(c, FX_DMA_CMD, FX_CMD_WRITE);
	assert_int_equal(wait_dma(c), FX_ST_ERR | EFAULT);
	vfuc_mem_destroy(c, &m);
	assert_int_equal(reg(c, FX_UNMAPS), 1);
	vfuc_close(c);
}

static void test_dma_private(void **state)
{
	struct vfuc *c = open_client(dev(state, 0));
	struct vfuc_mem m;

	assert_int_equal(vfuc_mem_create_private(c, 0x200000, 0x10000, &m), 0);
	assert_int_equal(m.fd, -1);
	for (uint32_t i = 0; i < 0x3000; i++)
		m.base[i] = (uint8_t)(i * 13);
	/* completion interrupt: the client answers DMA_READ/WRITE while waiting for it */
	assert_int_equal(vfuc_irq_enable(c, VFU_IRQ_MSIX, 8), 0);
	set_reg(c, FX_DMA_VEC, 3);
	run_copy(c, 0x200000, 0x208000, 0x3000);
	assert_int_equal(vfuc_irq_wait(c, VFU_IRQ_MSIX, 2, TMO), 1);
	assert_int_equal(reg(c, FX_DMA_STATUS), FX_ST_DONE);
	assert_memory_equal(m.base, m.base + 0x8000, 0x3000);
	assert_true(vfuc_get_stats(c)->dma_reads >= 1);
	assert_true(vfuc_get_stats(c)->dma_writes >= 1);

	/* and while waiting for a region reply (status polling) */
	memset(m.base + 0x8000, 0, 0x3000);
	set_reg(c, FX_DMA_VEC, 0);
	run_copy(c, 0x200000, 0x208000, 0x3000);
	assert_int_equal(wait_dma(c), FX_ST_DONE);
	assert_memory_equal(m.base, m.base + 0x8000, 0x3000);
	vfuc_mem_destroy(c, &m);
	vfuc_close(c);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/*
 * The client never answers the device's DMA_READ: after one reply timeout
 * (reply_timeout_ms, 500 ms by default) it is dropped, from the loop: its
 * socket sees EOF. Its late answer goes nowhere, and the next client finds
 * a freshly reset device whose DMA works.
 */
static void test_dma_reply_timeout(void **state)
{
	struct fx_dev *d = dev(state, 0);
	struct vfuc *c = open_client(d);
	unsigned resets = atomic_load(&d->resets);
	struct vfuc_mem m;
	uint8_t msg[256];
	struct vfu_hdr h;
	uint64_t t0, waited;
	ssize_t n;

	assert_int_equal(vfuc_mem_create_private(c, 0x300000, 0x1000, &m), 0);
	set_reg64(c, FX_DMA_SRC, 0x300000);
	set_reg(c, FX_DMA_LEN, 64);
	set_reg(c, FX_DMA_CMD, FX_CMD_READ);
	n = vfuc_recv_raw(c, msg, sizeof(msg), NULL, NULL, TMO);
	assert_int_equal(n, 32);
	memcpy(&h, msg, sizeof(h));
	assert_int_equal(h.cmd, VFU_CMD_DMA_READ);
	/* Not answered: the server hangs up once the wait is over. */
	t0 = now_ms();
	n = vfuc_recv_raw(c, msg, sizeof(msg), NULL, NULL, 4 * TMO);
	waited = now_ms() - t0;
	assert_int_equal(n, 0);
	assert_true(waited >= 300 && waited < 2 * TMO);
	/* The transport is closed before the device's reset runs: wait for it. */
	for (int i = 0; i < TMO && atomic_load(&d->resets) <= resets; i++)
		usleep(1000);
	assert_true(atomic_load(&d->resets) > resets);
	/* The answer, too late, on a socket nobody reads any more. */
	{
		uint8_t rep[32 + 64] = { 0 };

		h.flags = VFU_F_TYPE_REPLY;
		h.size = sizeof(rep);
		memcpy(rep, &h, sizeof(h));
		(void)vfuc_send_raw(c, rep, sizeof(rep), NULL, 0);
	}
	vfuc_close(c);

	/* The device serves the next client, DMA to memory without an fd included. */
	c = open_client_retry(d);
	assert_int_equal(reg(c, FX_ID), FX_ID_VALUE);
	assert_int_equal(reg(c, FX_DMA_STATUS), FX_ST_IDLE);
	assert_int_equal(vfuc_mem_create_private(c, 0x300000, 0x1000, &m), 0);
	memcpy(m.base, "answered", 8);
	set_reg64(c, FX_DMA_SRC, 0x300000);
	set_reg(c, FX_DMA_LEN, 8);
	set_reg(c, FX_DMA_CMD, FX_CMD_READ);
	assert_int_equal(wait_dma(c), FX_ST_DONE);
	uint8_t buf[8];
	assert_int_equal(vfuc_region_read(c, 0, FX_BUF, buf, 8), 0);
	assert_memory_equal(buf, "answered", 8);
	vfuc_mem_destroy(c, &m);
	vfuc_close(c);
}

/* A mapping goes away while the device is in the middle of a DMA to it. */
static void test_dma_unmap_in_use(void **state)
{
	struct vfuc *c = open_client(dev(state, 0));
	struct vfuc_mem m;
	uint8_t msg[4096];
	struct vfu_hdr h;
	ssize_t n;

	assert_int_equal(vfuc_mem_create_private(c, 0x300000, 0x1000, &m), 0);
	memcpy(m.base + 0x10, "in flight", 9);
	set_reg64(c, FX_DMA_SRC, 0x300010);
	set_reg(c, FX_DMA_LEN, 9);
	set_reg(c, FX_DMA_CMD, FX_CMD_READ);

	/* the server now asks us for the bytes; unmap before answering */
	n = vfuc_recv_raw(c, msg, sizeof(msg), NULL, NULL, TMO);
	assert_int_equal(n, 32);
	memcpy(&h, msg, sizeof(h));
	assert_int_equal(h.cmd, VFU_CMD_DMA_READ);
	{
		struct vfu_dma_unmap u = { .argsz = sizeof(u), .addr = 0x300000, .size = 0x1000 };
		uint8_t um[16 + sizeof(u)];
		struct vfu_hdr uh = { .id = vfuc_next_id(c), .cmd = VFU_CMD_DMA_UNMAP,
				      .size = sizeof(um) };

		memcpy(um, &uh, sizeof(uh));
		memcpy(um + 16, &u, sizeof(u));
		assert_int_equal(vfuc_send_raw(c, um, sizeof(um), NULL, 0), 0);
	}
	/* answer the DMA_READ as QEMU does: header echoed, data at byte 28, 32 + count */
	{
		uint8_t rep[32 + 9];
		struct vfu_hdr rh = h;

		rh.flags = VFU_F_TYPE_REPLY;
		rh.size = sizeof(rep);
		memcpy(rep, msg, 32);
		memcpy(rep, &rh, sizeof(rh));
		memcpy(rep + 28, "in flight", 9);
		assert_int_equal(vfuc_send_raw(c, rep, sizeof(rep), NULL, 0), 0);
	}
	/* the UNMAP reply comes after the device finished */
	n = vfuc_recv_raw(c, msg, sizeof(msg), NULL, NULL, TMO);
	assert_true(n >= 16);
	memcpy(&h, msg, sizeof(h));
	assert_int_equal(h.cmd, VFU_CMD_DMA_UNMAP);
	assert_int_equal(h.flags & VFU_F_ERROR, 0);
	assert_int_equal(reg(c, FX_DMA_STATUS), FX_ST_DONE);
	uint8_t buf[9];
	assert_int_equal(vfuc_region_read(c, 0, FX_BUF, buf, 9), 0);
	assert_memory_equal(buf, "in flight", 9);
	assert_int_equal(reg(c, FX_UNMAPS), 1);
	/* now the device gets an error, not stale memory */
	set_reg(c, FX_DMA_CMD, FX_CMD_READ);
	assert_int_equal(wait_dma(c), FX_ST_ERR | EFAULT);
	/* our registration still exists: remove it locally (its UNMAP fails harmlessly) */
	vfuc_mem_destroy(c, &m);
	vfuc_close(c);
}

static void test_dma_map_unmap(void **state)
{
	struct vfuc *c = open_client(dev(state, 0));
	struct vfuc_mem m1, m2;

	assert_int_equal(vfuc_mem_create(c, 0x400000, 0x4000, &m1), 0);
	assert_int_equal(vfuc_mem_create(c, 0x500000, 0x4000, &m2), 0);
	assert_int_equal(reg(c, FX_MAPS), 2);
	memcpy(m1.base, "abc", 3);
	run_copy(c, 0x400000, 0x500000, 3);
	assert_int_equal(wait_dma(c), FX_ST_DONE);
	assert_memory_equal(m2.base, "abc", 3);

	/* unknown range, partial range, overlapping map */
	assert_int_equal(vfuc_dma_unmap(c, 0x600000, 0x1000, 0), -ENOENT);
	assert_true(vfuc_dma_unmap(c, 0x400000, 0x1000, 0) < 0);
	assert_true(vfuc_dma_map(c, 0x402000, 0x4000, m1.fd, 0, VFU_DMA_F_READ) < 0);
	/* the same memory mapped twice at different addresses is fine */
	assert_int_equal(vfuc_dma_map(c, 0x700000, 0x4000, m1.fd, 0, VFU_DMA_F_READ), 0);
	run_copy(c, 0x700000, 0x500010, 3);
	assert_int_equal(wait_dma(c), FX_ST_DONE);
	assert_memory_equal(m2.base + 0x10, "abc", 3);
	/* read-only mapping: the device may not write */
	run_copy(c, 0x400000, 0x700100, 3);
	assert_int_equal(wait_dma(c), FX_ST_ERR | EPERM);

	/* UNMAP_ALL drops everything */
	assert_int_equal(vfuc_dma_unmap(c, 0, 0, VFU_DMA_UNMAP_F_ALL), 0);
	assert_int_equal(reg(c, FX_UNMAPS), 3);
	run_copy(c, 0x400000, 0x500000, 3);
	assert_int_equal(wait_dma(c), FX_ST_ERR | EFAULT);
	/* UNMAP_ALL with an address is wrong */
	assert_int_equal(vfuc_dma_unmap(c, 0x400000, 0, VFU_DMA_UNMAP_F_ALL), -EINVAL);
	/* map again after UNMAP_ALL */
	assert_int_equal(vfuc_dma_map(c, 0x400000, 0x4000, m1.fd, 0,
				      VFU_DMA_F_READ | VFU_DMA_F_WRITE), 0);
	vfuc_mem_destroy(c, &m1);
	vfuc_mem_destroy(c, &m2);
	vfuc_close(c);
}

/* ---- interrupts ------------------------------------------------------------------------- */

static void test_msix(void **state)
{
	struct vfuc *c = open_client(dev(state, 0));
	uint8_t bools[2] = { 0, 1 };

	/* nothing configured: the device is told so */
	set_reg(c, FX_MSIX, 0);
	assert_int_equal((int32_t)reg(c, FX_IRQ_RESULT), -ENOENT);
	assert_int_equal(vfuc_irq_enable(c, VFU_IRQ_MSIX, 8), 0);
	/* the vector left pending while it had no eventfd fires once it has one */
	assert_int_equal(vfuc_irq_wait(c, VFU_IRQ_MSIX, 0, TMO), 1);
	for (uint32_t v = 0; v < 8; v++) {
		set_reg(c, FX_MSIX, v);
		assert_int_equal(reg(c, FX_IRQ_RESULT), 0);
		assert_int_equal(vfuc_irq_wait(c, VFU_IRQ_MSIX, v, TMO), 1);
	}
	assert_int_equal(vfuc_irq_wait(c, VFU_IRQ_MSIX, 1, 20), 0);
	/* masked: held pending, delivered on unmask */
	assert_int_equal(vfuc_irq_mask(c, VFU_IRQ_MSIX, 5), 0);
	set_reg(c, FX_MSIX, 5);
	assert_int_equal((int32_t)reg(c, FX_IRQ_RESULT), -EAGAIN);
	assert_int_equal(vfuc_irq_wait(c, VFU_IRQ_MSIX, 5, 50), 0);
	assert_int_equal(vfuc_irq_unmask(c, VFU_IRQ_MSIX, 5), 0);
	assert_int_equal(vfuc_irq_wait(c, VFU_IRQ_MSIX, 5, TMO), 1);
	/* the client may trigger too: DATA_BOOL picks vectors, DATA_NONE all in range */
	assert_int_equal(vfuc_set_irqs(c, VFU_IRQ_MSIX,
				       VFU_IRQ_SET_DATA_BOOL | VFU_IRQ_SET_ACTION_TRIGGER, 2, 2,
				       bools, 2, NULL, 0), 0);
	assert_int_equal(vfuc_irq_wait(c, VFU_IRQ_MSIX, 3, TMO), 1);
	assert_int_equal(vfuc_irq_wait(c, VFU_IRQ_MSIX, 2, 20), 0);
	assert_int_equal(vfuc_set_irqs(c, VFU_IRQ_MSIX,
				       VFU_IRQ_SET_DATA_NONE | VFU_IRQ_SET_ACTION_TRIGGER, 6, 1,
				       NULL, 0, NULL, 0), 0);
	assert_int_equal(vfuc_irq_wait(c, VFU_IRQ_MSIX, 6, TMO), 1);
	/* DATA_BOOL mask */
	bools[0] = 1;
	assert_int_equal(vfuc_set_irqs(c, VFU_IRQ_MSIX,
				       VFU_IRQ_SET_DATA_BOOL | VFU_IRQ_SET_ACTION_MASK, 7, 1,
				       bools, 1, NULL, 0), 0);
	set_reg(c, FX_MSIX, 7);
	assert_int_equal((int32_t)reg(c, FX_IRQ_RESULT), -EAGAIN);
	assert_int_equal(vfuc_irq_unmask(c, VFU_IRQ_MSIX, 7), 0);
	assert_int_equal(vfuc_irq_wait(c, VFU_IRQ_MSIX, 7, TMO), 1);
	/* de-assign some vectors with DATA_EVENTFD and no fds */
	assert_int_equal(vfuc_set_irqs(c, VFU_IRQ_MSIX,
				       VFU_IRQ_SET_DATA_EVENTFD | VFU_IRQ_SET_ACTION_TRIGGER, 4, 4,
				       NULL, 0, NULL, 0), 0);
	set_reg(c, FX_MSIX, 4);
	assert_int_equal((int32_t)reg(c, FX_IRQ_RESULT), -ENOENT);
	set_reg(c, FX_MSIX, 3);
	assert_int_equal(reg(c, FX_IRQ_RESULT), 0);
	assert_int_equal(vfuc_irq_wait(c, VFU_IRQ_MSIX, 3, TMO), 1);
	/* disable the index */
	assert_int_equal(vfuc_irq_disable(c, VFU_IRQ_MSIX), 0);
	set_reg(c, FX_MSIX, 0);
	assert_int_equal((int32_t)reg(c, FX_IRQ_RESULT), -ENOENT);
	/* out of range */
	set_reg(c, FX_MSIX, 8);
	assert_int_equal((int32_t)reg(c, FX_IRQ_RESULT), -EINVAL);
	assert_true(reg(c, FX_IRQ_CHANGES) >= 4);
	vfuc_close(c);
}

/* max_msg_fds 3: 8 vectors must go in chunks of 3, 3, 2 and all work. */
static void test_msix_chunks(void **state)
{
	struct vfuc *c = open_client(dev(state, 0));

	assert_int_equal(vfuc_caps(c)->max_msg_fds, 3);
	assert_int_equal(vfuc_irq_enable(c, VFU_IRQ_MSIX, 8), 0);
	for (uint32_t v = 0; v < 8; v++) {
		set_reg(c, FX_MSIX, v);
		assert_int_equal(reg(c, FX_IRQ_RESULT), 0);
		assert_int_equal(vfuc_irq_wait(c, VFU_IRQ_MSIX, v, TMO), 1);
	}
	vfuc_close(c);
}

static void test_msi_err_req(void **state)
{
	struct vfuc *c = open_client(dev(state, 0));

	assert_int_equal(vfuc_irq_enable(c, VFU_IRQ_MSI, 1), 0);
	assert_int_equal(vfuc_irq_enable(c, VFU_IRQ_ERR, 1), 0);
	assert_int_equal(vfuc_irq_enable(c, VFU_IRQ_REQ, 1), 0);
	set_reg(c, FX_MSI, 0);
	assert_int_equal(vfuc_irq_wait(c, VFU_IRQ_MSI, 0, TMO), 1);
	set_reg(c, FX_ERR, 0);
	assert_int_equal(vfuc_irq_wait(c, VFU_IRQ_ERR, 0, TMO), 1);
	set_reg(c, FX_REQ, 0);
	assert_int_equal(vfuc_irq_wait(c, VFU_IRQ_REQ, 0, TMO), 1);
	assert_int_equal(vfuc_irq_wait(c, VFU_IRQ_MSI, 0, 20), 0);
	/* more vectors than the index has */
	assert_true(vfuc_irq_enable(c, VFU_IRQ_MSI, 2) < 0);
	assert_int_equal(vfuc_irq_disable(c, VFU_IRQ_ERR), 0);
	set_reg(c, FX_ERR, 0);
	assert_int_equal((int32_t)reg(c, FX_IRQ_RESULT), -ENOENT);
	vfuc_close(c);
}

static void test_intx(void **state)
{
	struct vfuc *c = open_client(dev(state, 0));

	assert_int_equal(vfuc_irq_enable(c, VFU_IRQ_INTX, 1), 0);
	set_reg(c, FX_INTX, 1);
	assert_int_equal(vfuc_irq_wait(c, VFU_IRQ_INTX, 0, TMO), 1);
	/* automasked: no second signal until the EOI unmask; still asserted: signals again */
	assert_int_equal(vfuc_irq_wait(c, VFU_IRQ_INTX, 0, 30), 0);
	assert_int_equal(vfuc_irq_unmask(c, VFU_IRQ_INTX, 0), 0);
	assert_int_equal(vfuc_irq_wait(c, VFU_IRQ_INTX, 0, TMO), 1);
	/* lowered before the unmask: silence */
	set_reg(c, FX_INTX, 0);
	assert_int_equal(vfuc_irq_unmask(c, VFU_IRQ_INTX, 0), 0);
	assert_int_equal(vfuc_irq_wait(c, VFU_IRQ_INTX, 0, 30), 0);
	/* raised again */
	set_reg(c, FX_INTX, 1);
	assert_int_equal(vfuc_irq_wait(c, VFU_IRQ_INTX, 0, TMO), 1);
	/* masked by the client: a raise is held until unmask */
	set_reg(c, FX_INTX, 0);
	assert_int_equal(vfuc_irq_unmask(c, VFU_IRQ_INTX, 0), 0);
	assert_int_equal(vfuc_irq_mask(c, VFU_IRQ_INTX, 0), 0);
	set_reg(c, FX_INTX, 1);
	assert_int_equal(vfuc_irq_wait(c, VFU_IRQ_INTX, 0, 30), 0);
	assert_int_equal(vfuc_irq_unmask(c, VFU_IRQ_INTX, 0), 0);
	assert_int_equal(vfuc_irq_wait(c, VFU_IRQ_INTX, 0, TMO), 1);
	assert_int_equal(vfuc_irq_disable(c, VFU_IRQ_INTX), 0);
	vfuc_close(c);
}

/* ---- several clients ------------------------------------------------------------------- */

struct worker {
	struct fx_dev *d;
	int ok;
	int fds_during;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct vfuc *c = vfuc_connect(w->d->path, TMO);

	if (!c || vfuc_negotiate(c, NULL) < 0) {
		vfuc_close(c);
		return NULL;
	}
	for (uint32_t i = 0; i < 300; i++) {
		uint32_t v = i * 2654435761u + w->d->idx;

		if (vfuc_bar_write32(c, 0, FX_SCRATCH, v, i & 1) < 0)
			break;
		if (vfuc_bar_read32(c, 0, FX_SCRATCH) != v)
			break;
		if (i == 299)
			w->ok = 1;
	}
	vfuc_close(c);
	return NULL;
}

static void test_two_clients(void **state)
{
	struct worker w[2] = { { .d = dev(state, 0) }, { .d = dev(state, 1) } };
	pthread_t th[2];

	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&th[i], NULL, worker_main, &w[i]), 0);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	assert_true(w[0].ok);
	assert_true(w[1].ok);

	/* interleaved from one thread, with interrupts on both */
	struct vfuc *a = open_client_retry(dev(state, 0));
	struct vfuc *b = open_client_retry(dev(state, 1));
	assert_int_equal(vfuc_irq_enable(a, VFU_IRQ_MSIX, 2), 0);
	assert_int_equal(vfuc_irq_enable(b, VFU_IRQ_MSIX, 2), 0);
	set_reg(a, FX_SCRATCH, 0xa);
	set_reg(b, FX_SCRATCH, 0xb);
	set_reg(b, FX_MSIX, 1);
	set_reg(a, FX_MSIX, 0);
	assert_int_equal(vfuc_irq_wait(a, VFU_IRQ_MSIX, 0, TMO), 1);
	assert_int_equal(vfuc_irq_wait(b, VFU_IRQ_MSIX, 1, TMO), 1);
	assert_int_equal(vfuc_irq_wait(a, VFU_IRQ_MSIX, 1, 20), 0);
	assert_int_equal(reg(a, FX_SCRATCH), 0xa);
	assert_int_equal(reg(b, FX_SCRATCH), 0xb);
	vfuc_close(a);
	vfuc_close(b);
}

static void test_busy_socket(void **state)
{
	struct fx_dev *d = dev(state, 0);
	struct vfuc *a = open_client(d);
	struct vfuc *b;

	set_reg(a, FX_SCRATCH, 42);
	b = vfuc_connect(d->path, 1000);
	assert_non_null(b); /* accepted, then closed by the server */
	assert_true(vfuc_negotiate(b, NULL) < 0);
	assert_true(vfuc_server_closed(b, 1000));
	vfuc_close(b);
	/* the first client did not notice */
	assert_int_equal(reg(a, FX_SCRATCH), 42);
	assert_int_equal(reg(a, FX_ATTACHES), 1);
	vfuc_close(a);
}

static void test_reconnect(void **state)
{
	struct fx_dev *d = dev(state, 0);
	struct vfuc *c = open_client(d);
	struct vfuc_mem m;

	assert_int_equal(vfuc_mem_create(c, 0x100000, 0x1000, &m), 0);
	assert_int_equal(vfuc_irq_enable(c, VFU_IRQ_MSIX, 8), 0);
	set_reg(c, FX_SCRATCH, 5);
	vfuc_close(c); /* gone without unmapping anything */

	c = open_client_retry(d);
	/* a fresh device: reset on disconnect, the old mappings and eventfds released */
	assert_int_equal(reg(c, FX_SCRATCH), 0);
	assert_int_equal(reg(c, FX_ATTACHES), 2);
	assert_true(reg(c, FX_RESETS) >= 1);
	assert_int_equal(reg(c, FX_UNMAPS), 1);
	set_reg(c, FX_MSIX, 0);
	assert_int_equal((int32_t)reg(c, FX_IRQ_RESULT), -ENOENT);
	run_copy(c, 0x100000, 0x100100, 4);
	assert_int_equal(wait_dma(c), FX_ST_ERR | EFAULT);
	/* and it works as before */
	assert_int_equal(vfuc_mem_create(c, 0x100000, 0x1000, &m), 0);
	memcpy(m.base, "again", 5);
	run_copy(c, 0x100000, 0x100100, 5);
	assert_int_equal(wait_dma(c), FX_ST_DONE);
	assert_memory_equal(m.base + 0x100, "again", 5);
	vfuc_mem_destroy(c, &m);
	/* a clean disconnect right after VERSION, and again */
	vfuc_close(c);
	c = open_client_retry(d);
	vfuc_close(c);
	c = open_client_retry(d);
	assert_int_equal(reg(c, FX_ATTACHES), 4);
	vfuc_close(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_version_info, setup, teardown),
		cmocka_unit_test_setup_teardown(test_region_info, setup, teardown),
		cmocka_unit_test_setup_teardown(test_irq_info, setup, teardown),
		cmocka_unit_test_setup_teardown(test_region_rw, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_multi, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dma_fd, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dma_private, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dma_reply_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dma_unmap_in_use, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dma_map_unmap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_msix, setup, teardown),
		cmocka_unit_test_setup_teardown(test_msix_chunks, setup_fds3, teardown),
		cmocka_unit_test_setup_teardown(test_msi_err_req, setup, teardown),
		cmocka_unit_test_setup_teardown(test_intx, setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_clients, setup_two, teardown),
		cmocka_unit_test_setup_teardown(test_busy_socket, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reconnect, setup, teardown),
	};

	/* the server runs in this process: ignore SIGPIPE as vmux does */
	signal(SIGPIPE, SIG_IGN);
	log_set_level(LOG_LVL_ERR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
