/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A pci_dev driven through the real vfu server: the test attaches one end of
 * a socketpair as the client transport and speaks hand-written vfio-user
 * messages on the other, pumping the server with vfu_pump() (no loop, no
 * socket file). Checks what a VMM sees: device/region/IRQ info, config space
 * reads and writes, BAR traps and the shared-page mmap, interrupts through
 * eventfds, DMA gating, reset and disconnect.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/pci_regs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "pci/pci.h"
#include "vfu/proto.h"
#include "vfu/vfu.h"

#define BAR0_SIZE 0x20000u
#define SHARED_OFF 0x4000u
#define MSIX_BAR 3u
#define MSIX_NVEC 8u
#define PBA_OFF 0x800u

struct model {
	int resets, attaches, unmaps;
	int maps, msix_changes;
	uint64_t map_addr, map_size;
	int bar_calls;
	uint8_t regs[BAR0_SIZE];
};

struct fx {
	struct model m;
	struct pci_dev *d;
	struct vfu_ctx *ctx;
	int cfd;       /* client end */
	uint16_t id;
	long pg;
};

static ssize_t model_bar(void *opaque, unsigned bar, uint64_t offset, void *buf, size_t count,
			 bool is_write)
{
	struct model *m = opaque;

	m->bar_calls++;
	if (bar != 0 || offset + count > sizeof(m->regs))
		return -EINVAL;
	if (is_write)
		memcpy(m->regs + offset, buf, count);
	else
		memcpy(buf, m->regs + offset, count);
	return (ssize_t)count;
}

static void model_reset(void *opaque)
{
	((struct model *)opaque)->resets++;
}

static void model_attach(void *opaque)
{
	((struct model *)opaque)->attaches++;
}

static void model_unmap(void *opaque, uint64_t addr, uint64_t size)
{
	((struct model *)opaque)->unmaps++;
}

static void model_map(void *opaque, uint64_t addr, uint64_t size)
{
	struct model *m = opaque;

	m->maps++;
	m->map_addr = addr;
	m->map_size = size;
}

static void model_msix_changed(void *opaque)
{
	((struct model *)opaque)->msix_changes++;
}

static const struct pci_dev_ops ops = {
	.reset = model_reset,
	.attach = model_attach,
	.dma_map = model_map,
	.dma_unmap = model_unmap,
	.msix_changed = model_msix_changed,
};

/* ---- a minimal client ------------------------------------------------- */

static void send_msg(struct fx *f, uint16_t cmd, const void *payload, size_t len, int pass_fd)
{
	struct vfu_hdr h = {
		.id = ++f->id, .cmd = cmd, .size = (uint32_t)(sizeof(h) + len),
		.flags = VFU_F_TYPE_CMD,
	};
	struct iovec iov[2] = {
		{ .iov_base = &h, .iov_len = sizeof(h) },
		{ .iov_base = (void *)payload, .iov_len = len },
	};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = len ? 2 : 1 };

	if (pass_fd >= 0) {
		struct cmsghdr *cm;

		memset(&u, 0, sizeof(u));
		msg.msg_control = u.buf;
		msg.msg_controllen = sizeof(u.buf);
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &pass_fd, sizeof(int));
	}
	assert_int_equal(sendmsg(f->cfd, &msg, MSG_NOSIGNAL), (ssize_t)(sizeof(h) + len));
}

/*
 * Sends a command, lets the server handle it and reads the reply. Returns
 * the reply's error (0 on success); the payload lands in out (up to cap
 * bytes, *outlen set), a passed fd in *rfd.
 */
static uint32_t rpc(struct fx *f, uint16_t cmd, const void *payload, size_t len, int pass_fd,
		    void *out, size_t cap, size_t *outlen, int *rfd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * 4)];
		struct cmsghdr align;
	} u;
	struct vfu_hdr h;
	struct iovec iov = { .iov_base = &h, .iov_len = sizeof(h) };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	size_t body, got = 0;
	uint8_t *tmp;

	send_msg(f, cmd, payload, len, pass_fd);
	vfu_pump(f->ctx);

	if (rfd)
		*rfd = -1;
	assert_int_equal(recvmsg(f->cfd, &msg, MSG_DONTWAIT), (ssize_t)sizeof(h));
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
			int fd;

			memcpy(&fd, CMSG_DATA(cm), sizeof(fd));
			if (rfd)
				*rfd = fd;
			else
				close(fd);
		}
	}
	assert_int_equal(h.id, f->id);
	assert_int_equal(h.cmd, cmd);
	assert_int_equal(h.flags & VFU_F_TYPE_MASK, VFU_F_TYPE_REPLY);
	assert_true(h.size >= sizeof(h));
	body = h.size - sizeof(h);
	tmp = malloc(body + 1);
	while (got < body) {
		ssize_t n = read(f->cfd, tmp + got, body - got);

		assert_true(n > 0);
		got += (size_t)n;
	}
	if (out)
		memcpy(out, tmp, body < cap ? body : cap);
	if (outlen)
		*outlen = body;
	free(tmp);
	return (h.flags & VFU_F_ERROR) ? (h.error ? h.error : EIO) : 0;
}

static uint32_t region_rw(struct fx *f, uint32_t region, uint64_t off, void *data, uint32_t count,
			  bool wr)
{
	uint8_t *msg = calloc(1, sizeof(struct vfu_region_rw) + count);
	uint8_t *rep = calloc(1, sizeof(struct vfu_region_rw) + count);
	struct vfu_region_rw rw = { .offset = off, .region = region, .count = count };
	size_t rlen = 0;
	uint32_t err;

	memcpy(msg, &rw, sizeof(rw));
	if (wr)
		memcpy(msg + sizeof(rw), data, count);
	err = rpc(f, wr ? VFU_CMD_REGION_WRITE : VFU_CMD_REGION_READ, msg,
		  sizeof(rw) + (wr ? count : 0), -1, rep, sizeof(rw) + count, &rlen, NULL);
	if (!err && !wr) {
		assert_int_equal(rlen, sizeof(rw) + count);
		memcpy(data, rep + sizeof(rw), count);
	}
	free(msg);
	free(rep);
	return err;
}

static uint32_t cfg_rd(struct fx *f, unsigned off, unsigned len)
{
	uint32_t v = 0;

	assert_int_equal(region_rw(f, VFU_PCI_CONFIG, off, &v, len, false), 0);
	return v;
}

static void cfg_wr(struct fx *f, unsigned off, uint32_t v, unsigned len)
{
	assert_int_equal(region_rw(f, VFU_PCI_CONFIG, off, &v, len, true), 0);
}

static int set_irq_eventfd(struct fx *f, uint32_t index, uint32_t start)
{
	struct vfu_irq_set s = {
		.argsz = sizeof(s),
		.flags = VFU_IRQ_SET_DATA_EVENTFD | VFU_IRQ_SET_ACTION_TRIGGER,
		.index = index, .start = start, .count = 1,
	};
	int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);

	assert_true(efd >= 0);
	assert_int_equal(rpc(f, VFU_CMD_DEVICE_SET_IRQS, &s, sizeof(s), efd, NULL, 0, NULL, NULL), 0);
	return efd;
}

static uint64_t efd_count(int efd)
{
	uint64_t v = 0;

	if (read(efd, &v, sizeof(v)) != sizeof(v))
		return 0;
	return v;
}

/* ---- fixture ---------------------------------------------------------- */

static int setup(void **state)
{
	static const char json[] =
		"{\"capabilities\":{\"max_msg_fds\":16,\"max_data_xfer_size\":1048576}}";
	struct fx *f = calloc(1, sizeof(*f));
	struct pci_dev_desc desc = {
		.name = "vfu-t", .vendor_id = 0x8086, .device_id = 0x10d3,
		.subsys_vendor_id = 0x8086, .subsys_id = 0xa01f, .revision = 1,
		.class_code = 0x020000, .irq_pin = 1,
	};
	uint8_t ver[sizeof(struct vfu_version) + sizeof(json)] = { 0 };
	int sv[2];

	f->pg = sysconf(_SC_PAGESIZE);
	desc.bars[0] = (struct pci_bar_desc){
		.size = BAR0_SIZE, .flags = PCI_BAR_MEM, .access = model_bar, .nr_shared = 1,
		.shared = { { .offset = SHARED_OFF, .size = (uint64_t)f->pg } },
	};
	desc.bars[MSIX_BAR] = (struct pci_bar_desc){ .size = 0x1000, .flags = PCI_BAR_MEM };
	f->d = pci_dev_create(&desc, &ops, &f->m);
	assert_non_null(f->d);
	assert_int_not_equal(pci_add_cap_pm(f->d), 0);
	assert_int_not_equal(pci_add_cap_msix(f->d, MSIX_NVEC, MSIX_BAR, 0, MSIX_BAR, PBA_OFF), 0);
	assert_int_not_equal(pci_add_cap_pcie(f->d), 0);
	f->ctx = pci_dev_vfu(f->d);
	assert_non_null(f->ctx);

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	f->cfd = sv[1];
	assert_int_equal(vfu_attach(f->ctx, NULL, vfu_transport_socket(sv[0])), 0);

	memcpy(ver + sizeof(struct vfu_version), json, sizeof(json));
	assert_int_equal(rpc(f, VFU_CMD_VERSION, ver, sizeof(ver), -1, NULL, 0, NULL, NULL), 0);
	assert_int_equal(f->m.attaches, 1);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	if (f->cfd >= 0)
		close(f->cfd);
	pci_dev_destroy(f->d);
	free(f);
	return 0;
}

/* ---- tests ------------------------------------------------------------ */

static void test_device_and_region_info(void **state)
{
	struct fx *f = *state;
	struct vfu_device_info di = { .argsz = sizeof(di) };
	struct vfu_region_info ri = { .argsz = sizeof(ri) };
	struct vfu_irq_info ii = { .argsz = sizeof(ii) };
	uint8_t big[256];
	struct vfu_cap_sparse_mmap cap;
	struct vfu_sparse_area area;
	int fd = -1;

	assert_int_equal(rpc(f, VFU_CMD_DEVICE_GET_INFO, &di, sizeof(di), -1, &di, sizeof(di),
			     NULL, NULL), 0);
	assert_true(di.flags & VFU_DEV_F_PCI);
	assert_true(di.flags & VFU_DEV_F_RESET);
	assert_true(di.num_regions >= VFU_PCI_NUM_REGIONS);
	assert_true(di.num_irqs >= VFU_IRQ_NUM);

	ri.index = VFU_PCI_CONFIG;
	assert_int_equal(rpc(f, VFU_CMD_DEVICE_GET_REGION_INFO, &ri, sizeof(ri), -1, &ri,
			     sizeof(ri), NULL, &fd), 0);
	assert_int_equal(ri.size, PCI_CFG_SIZE);
	assert_int_equal(ri.flags, VFU_REGION_F_READ | VFU_REGION_F_WRITE);
	assert_int_equal(fd, -1);

	ri = (struct vfu_region_info){ .argsz = sizeof(big), .index = VFU_PCI_BAR1 };
	assert_int_equal(rpc(f, VFU_CMD_DEVICE_GET_REGION_INFO, &ri, sizeof(ri), -1, &ri,
			     sizeof(ri), NULL, NULL), 0);
	assert_int_equal(ri.size, 0);

	/* BAR0 offers its shared page as a sparse mmap area, with the fd. */
	ri = (struct vfu_region_info){ .argsz = sizeof(big), .index = VFU_PCI_BAR0 };
	assert_int_equal(rpc(f, VFU_CMD_DEVICE_GET_REGION_INFO, &ri, sizeof(ri), -1, big,
			     sizeof(big), NULL, &fd), 0);
	memcpy(&ri, big, sizeof(ri));
	assert_int_equal(ri.size, BAR0_SIZE);
	assert_true(ri.flags & VFU_REGION_F_MMAP);
	assert_true(ri.flags & VFU_REGION_F_CAPS);
	assert_true(fd >= 0);
	memcpy(&cap, big + ri.cap_offset, sizeof(cap));
	memcpy(&area, big + ri.cap_offset + sizeof(cap), sizeof(area));
	assert_int_equal(cap.hdr.id, VFU_REGION_CAP_SPARSE_MMAP);
	assert_int_equal(cap.nr_areas, 1);
	assert_int_equal(area.offset, SHARED_OFF);
	assert_int_equal(area.size, f->pg);
	close(fd);

	ii.index = VFU_IRQ_MSIX;
	assert_int_equal(rpc(f, VFU_CMD_DEVICE_GET_IRQ_INFO, &ii, sizeof(ii), -1, &ii, sizeof(ii),
			     NULL, NULL), 0);
	assert_int_equal(ii.count, MSIX_NVEC);
	ii = (struct vfu_irq_info){ .argsz = sizeof(ii), .index = VFU_IRQ_INTX };
	assert_int_equal(rpc(f, VFU_CMD_DEVICE_GET_IRQ_INFO, &ii, sizeof(ii), -1, &ii, sizeof(ii),
			     NULL, NULL), 0);
	assert_int_equal(ii.count, 1);
	ii = (struct vfu_irq_info){ .argsz = sizeof(ii), .index = VFU_IRQ_MSI };
	assert_int_equal(rpc(f, VFU_CMD_DEVICE_GET_IRQ_INFO, &ii, sizeof(ii), -1, &ii, sizeof(ii),
			     NULL, NULL), 0);
	assert_int_equal(ii.count, 0);
}

/* The VMM reads all of config space at once and walks the capabilities. */
static void test_config_space(void **state)
{
	struct fx *f = *state;
	uint8_t *cfg = malloc(PCI_CFG_SIZE);
	unsigned pos, n = 0, found = 0;
	uint32_t lo;

	assert_int_equal(region_rw(f, VFU_PCI_CONFIG, 0, cfg, PCI_CFG_SIZE, false), 0);
	assert_int_equal(cfg[PCI_VENDOR_ID] | cfg[PCI_VENDOR_ID + 1] << 8, 0x8086);
	assert_int_equal(cfg[PCI_DEVICE_ID] | cfg[PCI_DEVICE_ID + 1] << 8, 0x10d3);
	assert_int_equal(cfg[PCI_INTERRUPT_PIN], 1);
	assert_true(cfg[PCI_STATUS] & PCI_STATUS_CAP_LIST);
	for (pos = cfg[PCI_CAPABILITY_LIST]; pos && n < 48; pos = cfg[pos + 1], n++) {
		if (cfg[pos] == PCI_CAP_ID_PM)
			found |= 1;
		if (cfg[pos] == PCI_CAP_ID_MSIX)
			found |= 2;
		if (cfg[pos] == PCI_CAP_ID_EXP)
			found |= 4;
	}
	assert_int_equal(found, 7);
	assert_int_equal(n, 3);
	/* No extended capabilities: the header at 0x100 is 0. */
	assert_int_equal(cfg[0x100] | cfg[0x101] | cfg[0x102] | cfg[0x103], 0);

	/* BAR sizing through REGION_WRITE/READ. */
	cfg_wr(f, PCI_BASE_ADDRESS_0, 0xffffffff, 4);
	assert_int_equal(cfg_rd(f, PCI_BASE_ADDRESS_0, 4), (uint32_t)~(BAR0_SIZE - 1));
	cfg_wr(f, PCI_BASE_ADDRESS_0, 0xfe000000, 4);
	assert_int_equal(cfg_rd(f, PCI_BASE_ADDRESS_0, 4), 0xfe000000);
	cfg_wr(f, PCI_BASE_ADDRESS_0 + 4 * MSIX_BAR, 0xffffffff, 4);
	lo = cfg_rd(f, PCI_BASE_ADDRESS_0 + 4 * MSIX_BAR, 4);
	assert_int_equal(lo, 0xfffff000);

	/* Beyond the region: an error reply, and the connection lives on. */
	assert_int_equal(region_rw(f, VFU_PCI_CONFIG, PCI_CFG_SIZE - 2, &lo, 4, false), EINVAL);
	assert_int_equal(cfg_rd(f, PCI_VENDOR_ID, 2), 0x8086);
	free(cfg);
}

static void test_bar_access_and_mmap(void **state)
{
	struct fx *f = *state;
	struct vfu_region_info ri = { .argsz = 256, .index = VFU_PCI_BAR0 };
	uint8_t big[256];
	uint32_t v = 0x12345678;
	uint8_t *map;
	uint32_t *model_view;
	int fd = -1;

	assert_int_equal(region_rw(f, 0, 0x100, &v, 4, true), 0);
	assert_int_equal(f->m.bar_calls, 1);
	assert_int_equal(*(uint32_t *)(f->m.regs + 0x100), 0x12345678);
	v = 0;
	assert_int_equal(region_rw(f, 0, 0x100, &v, 4, false), 0);
	assert_int_equal(v, 0x12345678);
	assert_int_equal(region_rw(f, 0, BAR0_SIZE - 2, &v, 4, false), EINVAL);
	assert_int_equal(region_rw(f, VFU_PCI_BAR1, 0, &v, 4, false), EINVAL);

	/* The shared page: the VMM's mmap, the model's pointer and traps agree. */
	assert_int_equal(rpc(f, VFU_CMD_DEVICE_GET_REGION_INFO, &ri, sizeof(ri), -1, big,
			     sizeof(big), NULL, &fd), 0);
	memcpy(&ri, big, sizeof(ri));
	assert_true(fd >= 0);
	map = mmap(NULL, (size_t)f->pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		   (off_t)(ri.offset + SHARED_OFF));
	assert_true(map != MAP_FAILED);
	model_view = pci_bar_shared(f->d, 0, 0);
	assert_non_null(model_view);
	*(volatile uint32_t *)(map + 8) = 0xcafef00d;
	assert_int_equal(model_view[2], 0xcafef00d);
	assert_int_equal(region_rw(f, 0, SHARED_OFF + 8, &v, 4, false), 0);
	assert_int_equal(v, 0xcafef00d);
	v = 0x0badf00d;
	assert_int_equal(region_rw(f, 0, SHARED_OFF + 12, &v, 4, true), 0);
	assert_int_equal(*(volatile uint32_t *)(map + 12), 0x0badf00d);
	assert_int_equal(f->m.bar_calls, 2);
	munmap(map, (size_t)f->pg);
	close(fd);
}

static void test_interrupts(void **state)
{
	struct fx *f = *state;
	int intx, msix0;
	uint64_t pba = 0;
	unsigned msix = 0;
	struct vfu_irq_set mask = {
		.argsz = sizeof(mask), .flags = VFU_IRQ_SET_DATA_NONE | VFU_IRQ_SET_ACTION_MASK,
		.index = VFU_IRQ_MSIX, .start = 0, .count = 1,
	};

	/* INTx: raised line signals the eventfd and shows in status. */
	intx = set_irq_eventfd(f, VFU_IRQ_INTX, 0);
	pci_irq_raise(f->d, 0);
	assert_int_equal(efd_count(intx), 1);
	assert_true(cfg_rd(f, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT);
	pci_intx_set(f->d, false);
	assert_false(cfg_rd(f, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT);

	/* MSI-X vector 0 configured by the client: it wins over INTx. */
	msix0 = set_irq_eventfd(f, VFU_IRQ_MSIX, 0);
	pci_irq_raise(f->d, 0);
	assert_int_equal(efd_count(msix0), 1);
	assert_int_equal(efd_count(intx), 0);
	assert_false(cfg_rd(f, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT);

	/* Masked: left pending, which the PBA shows. */
	assert_int_equal(rpc(f, VFU_CMD_DEVICE_SET_IRQS, &mask, sizeof(mask), -1, NULL, 0, NULL,
			     NULL), 0);
	pci_irq_raise(f->d, 0);
	assert_int_equal(efd_count(msix0), 0);
	assert_int_equal(region_rw(f, MSIX_BAR, PBA_OFF, &pba, 8, false), 0);
	assert_int_equal(pba, 1);
	/* The table is plain storage, read back as written. */
	for (unsigned pos = cfg_rd(f, PCI_CAPABILITY_LIST, 1), n = 0; pos && n < 48; n++) {
		if (cfg_rd(f, pos, 1) == PCI_CAP_ID_MSIX)
			msix = pos;
		pos = cfg_rd(f, pos + 1, 1);
	}
	assert_int_not_equal(msix, 0);
	assert_int_equal(cfg_rd(f, msix + PCI_MSIX_FLAGS, 2) & PCI_MSIX_FLAGS_QSIZE, MSIX_NVEC - 1);
	pba = 0xfee00000;
	assert_int_equal(region_rw(f, MSIX_BAR, 16, &pba, 8, true), 0);
	pba = 0;
	assert_int_equal(region_rw(f, MSIX_BAR, 16, &pba, 8, false), 0);
	assert_int_equal(pba, 0xfee00000);
	close(intx);
	close(msix0);
}

/* What the model hears of MSI-X from the VMM and the guest, and what it can ask. */
static void test_msix_state(void **state)
{
	struct fx *f = *state;
	struct vfu_irq_set s = {
		.argsz = sizeof(s), .flags = VFU_IRQ_SET_DATA_NONE | VFU_IRQ_SET_ACTION_MASK,
		.index = VFU_IRQ_MSIX, .start = 0, .count = 1,
	};
	unsigned msix = 0;
	int efd;

	assert_false(pci_msix_vector_ready(f->d, 0));
	efd = set_irq_eventfd(f, VFU_IRQ_MSIX, 0);
	assert_int_equal(f->m.msix_changes, 1);
	assert_true(pci_msix_vector_ready(f->d, 0));
	assert_false(pci_msix_vector_ready(f->d, 1));

	assert_int_equal(rpc(f, VFU_CMD_DEVICE_SET_IRQS, &s, sizeof(s), -1, NULL, 0, NULL, NULL), 0);
	assert_int_equal(f->m.msix_changes, 2);
	assert_false(pci_msix_vector_ready(f->d, 0));
	s.flags = VFU_IRQ_SET_DATA_NONE | VFU_IRQ_SET_ACTION_UNMASK;
	assert_int_equal(rpc(f, VFU_CMD_DEVICE_SET_IRQS, &s, sizeof(s), -1, NULL, 0, NULL, NULL), 0);
	assert_int_equal(f->m.msix_changes, 3);
	assert_true(pci_msix_vector_ready(f->d, 0));
	/* A trigger from the VMM changes nothing of the set-up. */
	s.flags = VFU_IRQ_SET_DATA_NONE | VFU_IRQ_SET_ACTION_TRIGGER;
	assert_int_equal(rpc(f, VFU_CMD_DEVICE_SET_IRQS, &s, sizeof(s), -1, NULL, 0, NULL, NULL), 0);
	assert_int_equal(efd_count(efd), 1);
	assert_int_equal(f->m.msix_changes, 3);
	/* INTx is not MSI-X. */
	close(set_irq_eventfd(f, VFU_IRQ_INTX, 0));
	assert_int_equal(f->m.msix_changes, 3);

	/* The guest enables MSI-X, then masks the function, in config space. */
	for (unsigned pos = cfg_rd(f, PCI_CAPABILITY_LIST, 1), n = 0; pos && n < 48; n++) {
		if (cfg_rd(f, pos, 1) == PCI_CAP_ID_MSIX)
			msix = pos;
		pos = cfg_rd(f, pos + 1, 1);
	}
	assert_int_not_equal(msix, 0);
	assert_false(pci_msix_enabled(f->d));
	cfg_wr(f, msix + PCI_MSIX_FLAGS, PCI_MSIX_FLAGS_ENABLE, 2);
	assert_int_equal(f->m.msix_changes, 4);
	assert_true(pci_msix_enabled(f->d));
	assert_false(pci_msix_func_masked(f->d));
	cfg_wr(f, msix + PCI_MSIX_FLAGS, PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL, 2);
	assert_int_equal(f->m.msix_changes, 5);
	assert_true(pci_msix_func_masked(f->d));

	/* Eventfds taken away: count 0, DATA_NONE | TRIGGER. */
	s = (struct vfu_irq_set){ .argsz = sizeof(s),
				  .flags = VFU_IRQ_SET_DATA_NONE | VFU_IRQ_SET_ACTION_TRIGGER,
				  .index = VFU_IRQ_MSIX, .count = 0 };
	assert_int_equal(rpc(f, VFU_CMD_DEVICE_SET_IRQS, &s, sizeof(s), -1, NULL, 0, NULL, NULL), 0);
	assert_int_equal(f->m.msix_changes, 6);
	assert_false(pci_msix_vector_ready(f->d, 0));

	/* A device reset: MSI-X off, told through the reset callback only. */
	assert_int_equal(rpc(f, VFU_CMD_DEVICE_RESET, NULL, 0, -1, NULL, 0, NULL, NULL), 0);
	assert_false(pci_msix_enabled(f->d));
	assert_int_equal(f->m.msix_changes, 6);
	close(efd);
}

static void test_dma_gating(void **state)
{
	struct fx *f = *state;
	int mfd = memfd_create("guest-ram", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	struct vfu_dma_map dm = {
		.argsz = sizeof(dm), .flags = VFU_DMA_F_READ | VFU_DMA_F_WRITE,
		.offset = 0, .addr = 0x100000, .size = 0x10000,
	};
	struct vfu_dma_unmap du = { .argsz = sizeof(du), .addr = 0x100000, .size = 0x10000 };
	uint32_t v = 0xa5a5a5a5, r = 0;

	assert_true(mfd >= 0);
	assert_int_equal(ftruncate(mfd, 0x10000), 0);
	assert_int_equal(rpc(f, VFU_CMD_DMA_MAP, &dm, sizeof(dm), mfd, NULL, 0, NULL, NULL), 0);
	close(mfd);
	assert_int_equal(f->m.maps, 1);
	assert_int_equal(f->m.map_addr, 0x100000);
	assert_int_equal(f->m.map_size, 0x10000);

	assert_null(pci_dma_ptr(f->d, 0x100000, 4, VFU_PROT_WRITE));
	assert_int_equal(pci_dma_write(f->d, 0x100000, &v, 4), -EPERM);
	cfg_wr(f, PCI_COMMAND, PCI_COMMAND_MASTER | PCI_COMMAND_MEMORY, 2);
	assert_non_null(pci_dma_ptr(f->d, 0x100000, 4, VFU_PROT_WRITE));
	assert_int_equal(pci_dma_write(f->d, 0x100010, &v, 4), 0);
	assert_int_equal(pci_dma_read(f->d, 0x100010, &r, 4), 0);
	assert_int_equal(r, v);
	assert_null(pci_dma_ptr(f->d, 0x10fffe, 4, VFU_PROT_READ));

	assert_int_equal(rpc(f, VFU_CMD_DMA_UNMAP, &du, sizeof(du), -1, &du, sizeof(du), NULL,
			     NULL), 0);
	assert_int_equal(f->m.unmaps, 1);
	assert_null(pci_dma_ptr(f->d, 0x100000, 4, VFU_PROT_READ));
}

static void test_reset_and_disconnect(void **state)
{
	struct fx *f = *state;
	uint8_t *before = malloc(PCI_CFG_SIZE), *after = malloc(PCI_CFG_SIZE);

	assert_int_equal(region_rw(f, VFU_PCI_CONFIG, 0, before, PCI_CFG_SIZE, false), 0);
	cfg_wr(f, PCI_COMMAND, PCI_COMMAND_MASTER | PCI_COMMAND_MEMORY, 2);
	cfg_wr(f, PCI_BASE_ADDRESS_0, 0xfe000000, 4);
	cfg_wr(f, PCI_INTERRUPT_LINE, 11, 1);
	assert_true(pci_bus_master(f->d));

	assert_int_equal(rpc(f, VFU_CMD_DEVICE_RESET, NULL, 0, -1, NULL, 0, NULL, NULL), 0);
	assert_int_equal(f->m.resets, 1);
	assert_false(pci_bus_master(f->d));
	assert_int_equal(region_rw(f, VFU_PCI_CONFIG, 0, after, PCI_CFG_SIZE, false), 0);
	assert_memory_equal(before, after, PCI_CFG_SIZE);

	/* The client goes away: the model is reset again. */
	close(f->cfd);
	f->cfd = -1;
	vfu_pump(f->ctx);
	assert_false(vfu_connected(f->ctx));
	assert_int_equal(f->m.resets, 2);
	free(before);
	free(after);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_device_and_region_info, setup, teardown),
		cmocka_unit_test_setup_teardown(test_config_space, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bar_access_and_mmap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_interrupts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_msix_state, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dma_gating, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset_and_disconnect, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
