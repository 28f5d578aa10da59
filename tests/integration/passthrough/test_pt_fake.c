/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The passthrough model (dev/passthrough/) over vfio-user on a fake VFIO
 * device (fake_vfio.h, with 10 MSI-X vectors), driven by the in-tree client
 * as a hostile VMM would: what reaches the "device" (IOMMU maps, interrupt
 * routes, config writes) for valid and malformed DMA_MAP/DMA_UNMAP/SET_IRQS,
 * the MSI-X table's masking and PBA, and what a client that leaves leaves
 * behind (nothing).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>
#include <linux/vfio.h>

#include "client/vfuc.h"
#include "core/loop.h"
#include "dev/passthrough/pt_dev.h"
#include "fake_vfio.h"
#include "vfu/vfu.h"

#define TMO 3000
#define NVEC 10

static char sock[64];
static struct dev_instance *inst;

static int group_setup(void **state)
{
	char err[256] = "";

	(void)state;
	snprintf(sock, sizeof(sock), "/tmp/vmux-ptfake.%d.sock", getpid());
	inst = pt_fake_start(sock, NVEC, err, sizeof(err));
	if (!inst)
		fail_msg("pt_fake_start: %s", err);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	pt_fake_stop();
	return 0;
}

static struct vfuc *client(void)
{
	struct vfuc *c = vfuc_connect(sock, TMO);
	assert_non_null(c);
	assert_int_equal(vfuc_negotiate(c, NULL), 0);
	return c;
}

/*
 * Waits for the client to be gone from the server: its reset done, then
 * (vfu drops the maps after the reset) nothing of it left in the device;
 * the callers check what is left.
 */
static void bye(struct vfuc *c)
{
	unsigned r0 = __atomic_load_n(&PTF.resets, __ATOMIC_SEQ_CST);
	vfuc_close(c);
	for (int i = 0; i < 400; i++) {
		if (__atomic_load_n(&PTF.resets, __ATOMIC_SEQ_CST) != r0 && pt_fake_released())
			break;
		usleep(5000);
	}
	assert_true(PTF.resets > r0);
}

/* A counter (or true/false: 1/0) of the instance's dump_stats. */
static long long stat_of(const char *key)
{
	char *buf = NULL, pat[64];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	long long v = -1;

	assert_non_null(f);
	inst->model->dump_stats(inst, f);
	fclose(f);
	snprintf(pat, sizeof(pat), "\"%s\":", key);
	char *at = strstr(buf, pat);
	if (at) {
		at += strlen(pat);
		v = !strncmp(at, "true", 4) ? 1 : !strncmp(at, "false", 5) ? 0 : strtoll(at, NULL, 10);
	}
	free(buf);
	return v;
}

static bool readable(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	uint64_t v;

	if (poll(&p, 1, ms) != 1)
		return false;
	return read(fd, &v, 8) == 8;
}

/* ---- cases ----------------------------------------------------------------------- */

static void test_regions(void **state)
{
	struct vfuc *c = client();
	struct vfu_region_info ri;
	struct vfu_sparse_area a[8];
	unsigned n;
	int fd = -1;

	(void)state;
	assert_int_equal(vfuc_cfg_read32(c, 0), 0x10c98086);
	/* BAR3: mmap-able from the device fd, but not the pages of the table and the PBA. */
	assert_int_equal(vfuc_region_sparse(c, 3, &ri, a, 8, &n, &fd), 0);
	assert_int_equal(ri.offset, PTF_BAR3_OFF);
	assert_int_equal(n, 2);
	assert_int_equal(a[0].offset, 0x1000);
	assert_int_equal(a[1].offset, 0x3000);
	close(fd);
	/* BAR0: every access reaches the device. */
	assert_int_equal(vfuc_bar_write32(c, 0, 0x1520, 0xabcd, false), 0);
	assert_int_equal(PTF.bar0[0x1520] | PTF.bar0[0x1521] << 8, 0xabcd);
	/* The table is ours: the device's own never sees the guest's writes. */
	assert_int_equal(vfuc_bar_write32(c, 3, 0x10, 0xfee00000, false), 0);
	assert_int_equal(vfuc_bar_read32(c, 3, 0x10), 0xfee00000);
	assert_int_equal(PTF.mem[PTF_BAR3_OFF + 0x10], 0);
	/* An access across the table's end is refused. */
	uint8_t b[8];
	assert_int_not_equal(vfuc_region_read(c, 3, NVEC * 16 - 4, b, 8), 0);
	/* The command's enables reach the device, its BARs do not. */
	assert_int_equal(vfuc_cfg_write16(c, 4, 0xffff), 0);
	assert_int_equal(PTF.cfg[4] | PTF.cfg[5] << 8, 0x0547);
	assert_int_equal(vfuc_cfg_write32(c, 0x1c, 0xffffffff), 0);
	assert_int_equal(vfuc_cfg_read32(c, 0x1c), 0xffffc00c);
	assert_int_equal(PTF.cfg[0x1c], 0x0c);
	bye(c);
	/* The client's end: bus mastering off on the device. */
	assert_int_equal(PTF.cfg[4] & 4, 0);
}

static void test_dma(void **state)
{
	struct vfuc *c = client();
	struct vfuc_mem m, p;

	(void)state;
	assert_int_equal(vfuc_mem_create(c, 0x10000000, 1 << 20, &m), 0);
	assert_int_equal(pt_fake_nmaps(), 1);
	/* The IOMMU gets the server's mapping of the same memory. */
	strcpy((char *)m.base + 0x1234, "through the IOMMU");
	assert_string_equal((char *)PTF.maps[0].vaddr + 0x1234, "through the IOMMU");
	assert_int_equal(PTF.maps[0].prot, 3);
	/*
	 * Memory without an fd (QEMU's MMIO and ROM sections) cannot be given to
	 * the IOMMU: taken, not mapped, and its unmap touches nothing.
	 */
	assert_int_equal(vfuc_mem_create_private(c, 0x20000000, 1 << 16, &p), 0);
	assert_int_equal(pt_fake_nmaps(), 1);
	assert_int_equal(vfuc_dma_unmap(c, 0x20000000, 1 << 16, 0), 0);
	assert_int_equal(pt_fake_nmaps(), 1);
	/* Malformed: overlaps, cut mappings, unknown ranges, bad flags: the IOMMU untouched. */
	int fd = memfd_create("x", 0);
	assert_int_equal(ftruncate(fd, 1 << 20), 0);
	assert_int_equal(vfuc_dma_map(c, 0x10080000, 0x1000, fd, 0, 3), -EEXIST);
	assert_int_equal(vfuc_dma_map(c, 0x30000000, 0x1000, fd, 0, 0x80), -EINVAL);
	assert_int_equal(vfuc_dma_map(c, 0x30000001, 0x1000, fd, 0, 3), -EINVAL);
	assert_int_equal(vfuc_dma_map(c, 0x30000000, 0, fd, 0, 3), -EINVAL);
	assert_int_equal(vfuc_dma_map(c, 0xfffffffffffff000ull, 0x2000, fd, 0, 3), -EINVAL);
	assert_int_equal(vfuc_dma_unmap(c, 0x10000000, 0x1000, 0), -EINVAL);
	assert_int_equal(vfuc_dma_unmap(c, 0x50000000, 0x1000, 0), -ENOENT);
	assert_int_equal(pt_fake_nmaps(), 1);
	/* The IOMMU refusing (RLIMIT_MEMLOCK): the client hears it, vfu forgets the map. */
	PTF.map_fail = ENOMEM;
	assert_int_equal(vfuc_dma_map(c, 0x30000000, 0x1000, fd, 0, 3), -ENOMEM);
	PTF.map_fail = 0;
	assert_int_equal(vfuc_dma_map(c, 0x30000000, 0x1000, fd, 0, 1), 0);
	assert_int_equal(pt_fake_nmaps(), 2);
	assert_int_equal(vfuc_dma_unmap(c, 0x30000000, 0x1000, 0), 0);
	assert_int_equal(pt_fake_nmaps(), 1);
	assert_int_equal(vfuc_dma_map(c, 0x30000000, 0x1000, fd, 0, 3), 0);
	close(fd);
	/* UNMAP_ALL, then the rest goes when the client does. */
	assert_int_equal(vfuc_dma_unmap(c, 0, 0, 2), 0);
	assert_int_equal(pt_fake_nmaps(), 0);
	assert_int_equal(vfuc_dma_map(c, 0x30000000, 0x1000, m.fd, 0, 3), 0);
	assert_int_equal(pt_fake_nmaps(), 1);
	bye(c);
	assert_int_equal(pt_fake_nmaps(), 0);
}

/* The vectors (mask) whose client eventfds fired within ms. */
static unsigned fired(struct vfuc *c, int ms)
{
	struct pollfd p[NVEC];
	unsigned m = 0;

	for (unsigned i = 0; i < NVEC; i++)
		p[i] = (struct pollfd){ .fd = vfuc_irq_fd(c, VFU_IRQ_MSIX, i), .events = POLLIN };
	if (poll(p, NVEC, ms) > 0) {
		usleep(20000);
		poll(p, NVEC, 0);
		for (unsigned i = 0; i < NVEC; i++)
			if (p[i].revents & POLLIN) {
				uint64_t v;
				m |= 1u << i;
				if (read(p[i].fd, &v, 8) != 8)
					fail_msg("eventfd read");
			}
	}
	return m;
}

static void test_msix(void **state)
{
	struct vfuc *c = client();
	uint64_t pba = 0;

	(void)state;
	/* Malformed SET_IRQS: nothing reaches VFIO. */
	unsigned calls = PTF.set_calls;
	int efd = eventfd(0, 0), pfd[2];
	assert_int_equal(pipe(pfd), 0);
	assert_int_equal(vfuc_set_irqs(c, VFU_IRQ_MSIX, VFU_IRQ_SET_DATA_EVENTFD |
			 VFU_IRQ_SET_ACTION_TRIGGER, 9, 2, NULL, 0, (int[]){ efd, efd }, 2), -EINVAL);
	assert_int_equal(vfuc_set_irqs(c, VFU_IRQ_MSIX, VFU_IRQ_SET_DATA_EVENTFD |
			 VFU_IRQ_SET_ACTION_TRIGGER, 0, 1, NULL, 0, pfd, 1), -EINVAL);
	assert_int_equal(vfuc_set_irqs(c, VFU_IRQ_MSIX, VFU_IRQ_SET_DATA_EVENTFD |
			 VFU_IRQ_SET_ACTION_MASK, 0, 1, NULL, 0, &efd, 1), -EINVAL);
	assert_int_equal(vfuc_set_irqs(c, VFU_IRQ_MSIX, VFU_IRQ_SET_DATA_NONE |
			 VFU_IRQ_SET_DATA_BOOL | VFU_IRQ_SET_ACTION_TRIGGER, 0, 1, NULL, 0, NULL, 0),
			 -EINVAL);
	assert_int_equal(vfuc_set_irqs(c, 7, VFU_IRQ_SET_DATA_NONE | VFU_IRQ_SET_ACTION_TRIGGER, 0,
			 0, NULL, 0, NULL, 0), -EINVAL);
	assert_int_equal(PTF.set_calls, calls);
	close(efd);
	close(pfd[0]);
	close(pfd[1]);

	/* The VMM's eventfds go to VFIO: the device fires a vector, its eventfd and no other. */
	assert_int_equal(vfuc_irq_enable(c, VFU_IRQ_MSIX, NVEC), 0);
	assert_int_equal(PTF.on_count[2], NVEC);
	for (unsigned v = 0; v < NVEC; v++) {
		assert_int_equal(pt_fake_fire(2, v), 0);
		assert_int_equal(fired(c, 1000), 1u << v);
	}
	/* Masked in the table: the device's interrupt goes to vmux, which sets the PBA bit. */
	assert_int_equal(vfuc_bar_write32(c, 3, 3 * 16 + 12, 1, false), 0);
	assert_int_equal(pt_fake_fire(2, 3), 0);
	assert_int_equal(fired(c, 200), 0);
	assert_int_equal(vfuc_region_read(c, 3, 0x2000, &pba, 8), 0);
	assert_int_equal(pba, 1u << 3);
	/* PBA writes are dropped. */
	assert_int_equal(vfuc_bar_write32(c, 3, 0x2000, 0, false), 0);
	assert_int_equal(vfuc_region_read(c, 3, 0x2000, &pba, 8), 0);
	assert_int_equal(pba, 1u << 3);
	/* Unmasked: the pending one is delivered, the bit clears, the route is the VMM's again. */
	assert_int_equal(vfuc_bar_write32(c, 3, 3 * 16 + 12, 0, false), 0);
	assert_int_equal(fired(c, 1000), 1u << 3);
	assert_int_equal(vfuc_region_read(c, 3, 0x2000, &pba, 8), 0);
	assert_int_equal(pba, 0);
	assert_int_equal(pt_fake_fire(2, 3), 0);
	assert_int_equal(fired(c, 1000), 1u << 3);
	/* The function mask holds every vector; the VMM's own MASK one. */
	uint16_t ctl = vfuc_cfg_read16(c, 0x72);
	assert_int_equal(vfuc_cfg_write16(c, 0x72, ctl | 0xc000), 0);
	assert_int_equal(pt_fake_fire(2, 5), 0);
	assert_int_equal(fired(c, 200), 0);
	assert_int_equal(vfuc_cfg_write16(c, 0x72, (ctl | 0x8000) & ~0x4000), 0);
	assert_int_equal(fired(c, 1000), 1u << 5);
	assert_int_equal(vfuc_irq_mask(c, VFU_IRQ_MSIX, 7), 0);
	assert_int_equal(pt_fake_fire(2, 7), 0);
	assert_int_equal(fired(c, 200), 0);
	assert_int_equal(vfuc_irq_unmask(c, VFU_IRQ_MSIX, 7), 0);
	assert_int_equal(fired(c, 1000), 1u << 7);
	/* Disabled by the VMM: VFIO's MSI-X off (the guest's enable bit alone keeps it on). */
	assert_int_equal(vfuc_cfg_write16(c, 0x72, ctl & ~0xc000), 0);
	assert_int_equal(vfuc_irq_disable(c, VFU_IRQ_MSIX), 0);
	assert_int_equal(PTF.on_count[2], 0);
	bye(c);
	assert_int_equal(PTF.on_count[2], 0);
}

static void test_intx(void **state)
{
	struct vfuc *c = client();

	(void)state;
	assert_int_equal(vfuc_irq_enable(c, VFU_IRQ_INTX, 1), 0);
	assert_int_equal(PTF.on_count[0], 1);
	assert_int_equal(pt_fake_fire(0, 0), 0);
	assert_true(vfuc_irq_wait(c, VFU_IRQ_INTX, 0, 1000) > 0);
	unsigned u = PTF.intx_unmasks;
	assert_int_equal(vfuc_irq_unmask(c, VFU_IRQ_INTX, 0), 0);
	assert_true(PTF.intx_unmasks > u);
	assert_false(PTF.intx_masked);
	assert_int_equal(vfuc_irq_mask(c, VFU_IRQ_INTX, 0), 0);
	assert_true(PTF.intx_masked);
	assert_int_equal(vfuc_irq_unmask(c, VFU_IRQ_INTX, 0), 0);
	/* The VMM's unmask (resample) eventfd goes to VFIO; it goes with INTx. */
	int ufd = eventfd(0, EFD_NONBLOCK);
	assert_int_equal(vfuc_set_irqs(c, VFU_IRQ_INTX, VFU_IRQ_SET_DATA_EVENTFD |
			 VFU_IRQ_SET_ACTION_UNMASK, 0, 1, NULL, 0, &ufd, 1), 0);
	pthread_mutex_lock(&PTF.mu);
	assert_true(PTF.unmask_fd >= 0);
	pthread_mutex_unlock(&PTF.mu);
	close(ufd);
	/* MSI: the VMM's one vector; INTx gives way (VFIO has one mode at a time)... */
	assert_int_equal(vfuc_irq_enable(c, VFU_IRQ_MSI, 1), 0);
	assert_int_equal(PTF.on_count[1], 1);
	assert_int_equal(PTF.on_count[0], 0);
	assert_int_equal(PTF.unmask_fd, -1);
	assert_int_equal(pt_fake_fire(1, 0), 0);
	assert_true(vfuc_irq_wait(c, VFU_IRQ_MSI, 0, 1000) > 0);
	/* ...MSI-X takes over from MSI... */
	assert_int_equal(vfuc_irq_enable(c, VFU_IRQ_MSIX, NVEC), 0);
	assert_int_equal(PTF.on_count[2], NVEC);
	assert_int_equal(PTF.on_count[1], 0);
	assert_int_equal(pt_fake_fire(2, 1), 0);
	assert_int_equal(fired(c, 1000), 1u << 1);
	/* ...gives it back to MSI, and with both off, INTx is back. */
	assert_int_equal(vfuc_irq_disable(c, VFU_IRQ_MSIX), 0);
	assert_int_equal(PTF.on_count[1], 1);
	assert_int_equal(PTF.on_count[0], 0);
	assert_int_equal(vfuc_irq_disable(c, VFU_IRQ_MSI), 0);
	assert_int_equal(PTF.on_count[0], 1);
	assert_true(PTF.unmask_fd >= 0); /* back with INTx */
	assert_int_equal(pt_fake_fire(0, 0), 0);
	assert_true(vfuc_irq_wait(c, VFU_IRQ_INTX, 0, 1000) > 0);
	bye(c);
	assert_int_equal(PTF.on_count[0] + PTF.on_count[1] + PTF.on_count[2], 0);
}

static void test_reset_and_next_client(void **state)
{
	struct vfuc *c = client();
	struct vfuc_mem m;

	(void)state;
	assert_int_equal(vfuc_mem_create(c, 0x10000000, 1 << 20, &m), 0);
	assert_int_equal(vfuc_irq_enable(c, VFU_IRQ_MSIX, NVEC), 0);
	unsigned r0 = __atomic_load_n(&PTF.resets, __ATOMIC_SEQ_CST);
	assert_int_equal(vfuc_reset(c), 0);
	assert_true(PTF.resets > r0);
	assert_int_equal(PTF.on_count[2], 0); /* interrupts off with the reset */
	/* A second client is refused while one is attached. */
	struct vfuc *c2 = vfuc_connect(sock, TMO);
	if (c2) {
		assert_true(vfuc_negotiate(c2, NULL) != 0 || vfuc_server_closed(c2, 500));
		vfuc_close(c2);
	}
	bye(c);
	assert_int_equal(pt_fake_nmaps(), 0);
	c = client();
	assert_int_equal(vfuc_mem_create(c, 0x10000000, 1 << 20, &m), 0);
	assert_int_equal(pt_fake_nmaps(), 1);
	bye(c);
	assert_int_equal(pt_fake_nmaps(), 0);
}

/*
 * VFIO's ERR interrupt: registered for the device's lifetime, counted, and
 * forwarded to the client's ERR eventfd while it has one.
 */
static void test_err(void **state)
{
	struct vfuc *c = client();
	int efd = eventfd(0, EFD_NONBLOCK);

	(void)state;
	assert_true(PTF.er_fd[0] >= 0);
	long long n0 = stat_of("err_irqs"), f0 = stat_of("err_forwarded");
	assert_int_equal(vfuc_set_irqs(c, VFU_IRQ_ERR, VFU_IRQ_SET_DATA_EVENTFD |
			 VFU_IRQ_SET_ACTION_TRIGGER, 0, 1, NULL, 0, &efd, 1), 0);
	assert_int_equal(pt_fake_fire(VFIO_PCI_ERR, 0), 0);
	assert_true(readable(efd, 2000));
	/* the counters move on vmux's thread just after the forward */
	for (int i = 0; i < 200 && stat_of("err_forwarded") != f0 + 1; i++)
		usleep(5000);
	assert_int_equal(stat_of("err_irqs"), n0 + 1);
	assert_int_equal(stat_of("err_forwarded"), f0 + 1);
	/* without the client's eventfd: counted, not forwarded */
	assert_int_equal(vfuc_irq_disable(c, VFU_IRQ_ERR), 0);
	assert_int_equal(pt_fake_fire(VFIO_PCI_ERR, 0), 0);
	for (int i = 0; i < 200 && stat_of("err_irqs") != n0 + 2; i++)
		usleep(5000);
	assert_int_equal(stat_of("err_irqs"), n0 + 2);
	assert_int_equal(stat_of("err_forwarded"), f0 + 1);
	assert_false(readable(efd, 50));
	/* a reset (the client leaving) leaves ERR and REQ registered */
	bye(c);
	assert_true(PTF.er_fd[0] >= 0 && PTF.er_fd[1] >= 0);
	close(efd);
}

/*
 * VFIO's REQ interrupt (the kernel wants the device back): the client is
 * disconnected, every map leaves the IOMMU and every interrupt VFIO, the
 * device is closed; the next client is refused. Last: the device is gone.
 */
static void test_req(void **state)
{
	struct vfuc *c = client();
	struct vfuc_mem m;

	(void)state;
	assert_int_equal(vfuc_mem_create(c, 0x10000000, 1 << 20, &m), 0);
	assert_int_equal(vfuc_irq_enable(c, VFU_IRQ_MSIX, NVEC), 0);
	assert_int_equal(pt_fake_nmaps(), 1);
	assert_false(PTF.closed);
	assert_int_equal(pt_fake_fire(VFIO_PCI_REQ, 0), 0);
	assert_true(vfuc_server_closed(c, 3000));
	for (int i = 0; i < 400 && !PTF.closed; i++)
		usleep(5000);
	pthread_mutex_lock(&PTF.mu);
	bool closed = PTF.closed;
	int er0 = PTF.er_fd[0], er1 = PTF.er_fd[1];
	pthread_mutex_unlock(&PTF.mu);
	assert_true(closed);
	assert_true(pt_fake_released());
	assert_int_equal(er0, -1);
	assert_int_equal(er1, -1);
	assert_int_equal(stat_of("req_irqs"), 1);
	assert_int_equal(stat_of("released"), 1);
	vfuc_close(c);
	/* the next client: refused, and the "device" sees nothing of it */
	unsigned calls = PTF.set_calls;
	struct vfuc *c2 = vfuc_connect(sock, TMO);
	assert_non_null(c2);
	assert_true(vfuc_negotiate(c2, NULL) != 0 || vfuc_server_closed(c2, 2000));
	vfuc_close(c2);
	assert_true(stat_of("clients_refused") >= 1);
	assert_int_equal(PTF.set_calls, calls);
	assert_int_equal(pt_fake_fire(VFIO_PCI_REQ, 0), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_regions),
		cmocka_unit_test(test_dma),
		cmocka_unit_test(test_msix),
		cmocka_unit_test(test_intx),
		cmocka_unit_test(test_reset_and_next_client),
		cmocka_unit_test(test_err),
		cmocka_unit_test(test_req),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
