/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the PCI device layer against the fake vfu (pci_dev_fake.c):
 * BAR accesses, the MSI-X table and PBA, the shared pages and their memfds.
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
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pci/pci.h"
#include "pci/pci_internal.h"
#include "vfu/vfu.h"
#include "pci_dev_fake.h"

/* ---- BAR accesses ----------------------------------------------------- */

static void test_bar_trampoline(void **state)
{
	struct fixture *f = *state;
	struct pci_dev *d = f->d;
	uint32_t v = 0xdeadbeef;
	uint8_t big[16];

	assert_int_equal(pci_dev_bar_access(d, 0, 0x1000, &v, 4, true), 4);
	assert_int_equal(f->m->bar_calls, 1);
	assert_int_equal(f->m->last_bar, 0);
	assert_int_equal(f->m->last_off, 0x1000);
	assert_int_equal(f->m->last_count, 4);
	assert_true(f->m->last_write);
	v = 0;
	assert_int_equal(pci_dev_bar_access(d, 0, 0x1000, &v, 4, false), 4);
	assert_int_equal(v, 0xdeadbeef);
	assert_int_equal(pci_dev_bar_access(d, 1, 0x3c, &v, 4, false), 4);
	assert_int_equal(f->m->last_bar, 1);

	/* Out of range, absent BARs, bad region numbers: refused, model not called. */
	f->m->bar_calls = 0;
	assert_int_equal(pci_dev_bar_access(d, 0, 0x20000, &v, 4, false), -EINVAL);
	assert_int_equal(pci_dev_bar_access(d, 0, 0x1fffe, &v, 4, false), -EINVAL);
	assert_int_equal(pci_dev_bar_access(d, 0, UINT64_MAX - 2, &v, 4, false), -EINVAL);
	assert_int_equal(pci_dev_bar_access(d, 1, 0x3e, big, 8, true), -EINVAL);
	assert_int_equal(pci_dev_bar_access(d, 3, 0, &v, 4, false), -EINVAL);
	assert_int_equal(pci_dev_bar_access(d, 4, 0, &v, 4, false), -EINVAL);
	assert_int_equal(pci_dev_bar_access(d, VFU_PCI_CONFIG, 0, &v, 4, false), -EINVAL);
	assert_int_equal(pci_dev_bar_access(d, 99, 0, &v, 4, false), -EINVAL);
	assert_int_equal(f->m->bar_calls, 0);
}

static void test_msix_table_pba(void **state)
{
	struct fixture *f = *state;
	struct pci_dev *d = f->d;
	uint32_t entry[4] = { 0xfee00000, 0, 0x4041, 0 };
	uint32_t rd[4];
	uint64_t pba;

	assert_int_not_equal(pci_add_cap_msix(d, 10, 2, 0, 2, 0x2000), 0);
	assert_non_null(pci_dev_vfu(d));

	/* Table entries start masked; the table is plain storage. */
	assert_int_equal(pci_dev_bar_access(d, 2, 16 * 3, rd, 16, false), 16);
	assert_int_equal(rd[0], 0);
	assert_int_equal(rd[3], PCI_MSIX_ENTRY_CTRL_MASKBIT);
	assert_int_equal(pci_dev_bar_access(d, 2, 16 * 3, entry, 16, true), 16);
	assert_int_equal(pci_dev_bar_access(d, 2, 16 * 3 + 8, rd, 4, false), 4);
	assert_int_equal(rd[0], 0x4041);
	assert_int_equal(f->m->bar_calls, 0);

	/* PBA: pending bits from vfu, writes ignored. */
	fk.pending[VFU_IRQ_MSIX][0] = 0x205;
	assert_int_equal(pci_dev_bar_access(d, 2, 0x2000, &pba, 8, false), 8);
	assert_int_equal(pba, 0x205);
	fk.pending[VFU_IRQ_MSIX][0] = 0xfffff; /* beyond nvec: not shown */
	assert_int_equal(pci_dev_bar_access(d, 2, 0x2000, &pba, 8, false), 8);
	assert_int_equal(pba, 0x3ff);
	assert_int_equal(pci_dev_bar_access(d, 2, 0x2001, &pba, 1, false), 1);
	assert_int_equal(pba & 0xff, 0x3);
	pba = 0;
	assert_int_equal(pci_dev_bar_access(d, 2, 0x2000, &pba, 8, true), 8);
	assert_int_equal(pci_dev_bar_access(d, 2, 0x2000, &pba, 8, false), 8);
	assert_int_equal(pba, 0x3ff);

	/* Accesses straddling the table or PBA edge are refused. */
	assert_int_equal(pci_dev_bar_access(d, 2, 16 * 10 - 4, rd, 8, false), -EINVAL);
	assert_int_equal(pci_dev_bar_access(d, 2, 0x1ffc, rd, 8, false), -EINVAL);
	assert_int_equal(f->m->bar_calls, 0);
	/* Past the table and PBA: the model. */
	assert_int_equal(pci_dev_bar_access(d, 2, 16 * 10, rd, 4, false), 4);
	assert_int_equal(pci_dev_bar_access(d, 2, 0x2008, rd, 4, false), 4);
	assert_int_equal(f->m->bar_calls, 2);

	/* Reset masks the table again. */
	pci_dev_do_reset(d);
	assert_int_equal(pci_dev_bar_access(d, 2, 16 * 3, rd, 16, false), 16);
	assert_int_equal(rd[0], 0);
	assert_int_equal(rd[2], 0);
	assert_int_equal(rd[3], PCI_MSIX_ENTRY_CTRL_MASKBIT);
}

static void test_shared_pages(void **state)
{
	struct pci_dev_desc desc = test_desc();
	struct model *m = calloc(1, sizeof(*m));
	struct pci_dev *d;
	struct vfu_ctx *ctx;
	uint32_t *p0, *p1, v;
	uint8_t *vmm;
	long pg = sysconf(_SC_PAGESIZE);

	memset(&fk, 0, sizeof(fk));
	desc.bars[0].nr_shared = 2;
	desc.bars[0].shared[0] = (struct vfu_sparse_area){ .offset = 0x3000, .size = (uint64_t)pg };
	desc.bars[0].shared[1] = (struct vfu_sparse_area){ .offset = 0x8000,
							   .size = 2 * (uint64_t)pg };
	d = pci_dev_create(&desc, &model_ops, m);
	assert_non_null(d);
	p0 = pci_bar_shared(d, 0, 0);
	p1 = pci_bar_shared(d, 0, 1);
	assert_non_null(p0);
	assert_non_null(p1);
	assert_null(pci_bar_shared(d, 0, 2));
	assert_null(pci_bar_shared(d, 1, 0));
	assert_null(pci_bar_shared(d, 6, 0));

	ctx = pci_dev_vfu(d);
	assert_non_null(ctx);
	assert_true(ctx->regions[0].mmap_fd >= 0);
	assert_int_equal(ctx->regions[0].nr_sparse, 2);
	assert_int_equal(ctx->regions[0].sparse[1].offset, 0x8000);
	assert_int_equal(ctx->regions[0].sparse[1].size, 2 * pg);

	/* The VMM cannot shrink (or grow) the file under the model's mapping. */
	int seals = fcntl(ctx->regions[0].mmap_fd, F_GET_SEALS);
	assert_true(seals >= 0);
	assert_int_equal(seals & (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL),
			 F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL);
	assert_int_equal(ftruncate(ctx->regions[0].mmap_fd, 0), -1);
	assert_int_equal(errno, EPERM);

	/* What the VMM maps is what the model sees, and what traps touch. */
	vmm = mmap(NULL, 0x8000 + 2 * (size_t)pg, PROT_READ | PROT_WRITE, MAP_SHARED,
		   ctx->regions[0].mmap_fd, (off_t)ctx->regions[0].mmap_offset);
	assert_true(vmm != MAP_FAILED);
	*(volatile uint32_t *)(vmm + 0x3010) = 0x11111111;
	assert_int_equal(p0[4], 0x11111111);
	p1[1] = 0x22222222;
	assert_int_equal(pci_dev_bar_access(d, 0, 0x8004, &v, 4, false), 4);
	assert_int_equal(v, 0x22222222);
	v = 0x33333333;
	assert_int_equal(pci_dev_bar_access(d, 0, 0x8000 + (uint64_t)pg, &v, 4, true), 4);
	assert_int_equal(*(uint32_t *)(vmm + 0x8000 + pg), 0x33333333);
	assert_int_equal(m->bar_calls, 0);
	/* Straddling a shared area's edge is refused; outside goes to the model. */
	assert_int_equal(pci_dev_bar_access(d, 0, 0x2ffc, &v, 8, false), -EINVAL);
	assert_int_equal(pci_dev_bar_access(d, 0, 0x2ffc, &v, 4, false), 4);
	assert_int_equal(m->bar_calls, 1);
	/* Only the two accesses that came as messages count as traps, not the mmap's. */
	assert_int_equal(pci_bar_shared_traps(d, 0), 2);
	assert_int_equal(pci_bar_shared_traps(d, 1), 0);
	assert_int_equal(pci_bar_shared_traps(d, 6), 0);

	/* Reset clears the shared pages (nothing of the guest's survives). */
	pci_dev_do_reset(d);
	assert_int_equal(p0[4], 0);
	assert_int_equal(m->resets, 1);

	munmap(vmm, 0x8000 + 2 * (size_t)pg);
	pci_dev_destroy(d);
	free(m);
}

static ino_t inode(int fd)
{
	struct stat st;

	assert_int_equal(fstat(fd, &st), 0);
	return st.st_ino;
}

static uint32_t *map_shared(int fd, size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	assert_true(p != MAP_FAILED);
	return p;
}

/*
 * Each client gets shared pages of its own, at the same address for the
 * model; without a memfd for them, the next client gets none to map.
 */
static void test_shared_renewed_per_client(void **state)
{
	struct pci_dev_desc desc = test_desc();
	struct model *m = calloc(1, sizeof(*m));
	struct pci_dev *d;
	struct vfu_ctx *ctx;
	uint32_t *p, *vmm1, *vmm2, *vmm3, v = 0x99;
	size_t pg = (size_t)sysconf(_SC_PAGESIZE), len = 0x3000 + pg, w = 0x3000 / 4;
	int fd1, fd2;

	memset(&fk, 0, sizeof(fk));
	desc.bars[0].nr_shared = 1;
	desc.bars[0].shared[0] = (struct vfu_sparse_area){ .offset = 0x3000, .size = pg };
	d = pci_dev_create(&desc, &model_ops, m);
	assert_non_null(d);
	p = pci_bar_shared(d, 0, 0);
	ctx = pci_dev_vfu(d);
	assert_non_null(ctx);
	fd1 = ctx->regions[0].mmap_fd;
	assert_true(fd1 >= 0);
	vmm1 = map_shared(fd1, len);
	p[0] = 0x1234;
	assert_int_equal(vmm1[w], 0x1234);
	ino_t ino1 = inode(fd1);

	/* A DEVICE_RESET keeps the client's file. */
	ctx->ops->reset(ctx->opaque, VFU_RESET_DEVICE);
	assert_int_equal(ctx->regions[0].mmap_fd, fd1);
	assert_int_equal(fk.set_fd_calls, 0);

	/* The client goes: a new sealed file at the same address, cleared by the reset. */
	ctx->ops->reset(ctx->opaque, VFU_RESET_DISCONNECT);
	assert_int_equal(m->resets, 2);
	assert_int_equal(fk.set_fd_calls, 1);
	assert_ptr_equal(pci_bar_shared(d, 0, 0), p);
	fd2 = ctx->regions[0].mmap_fd;
	assert_true(fd2 >= 0);
	assert_int_not_equal(inode(fd2), ino1);
	assert_int_equal(fcntl(fd2, F_GET_SEALS) & (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL),
			 F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL);
	assert_int_equal(fcntl(fd1, F_GETFD), -1); /* ours closed */
	assert_int_equal(p[0], 0);
	assert_int_equal(pci_bar_shared_renew_err(d, 0), 0);
	/* The old mapping reaches nothing of the device, and sees nothing of it. */
	vmm1[w + 1] = 0x5555;
	assert_int_equal(p[1], 0);
	p[2] = 0x7777;
	assert_int_equal(vmm1[w + 2], 0);
	vmm2 = map_shared(fd2, len);
	assert_int_equal(vmm2[w + 2], 0x7777);
	vmm2[w + 3] = 0x4242;
	assert_int_equal(p[3], 0x4242);

	/* No memfd for the next client: private pages, nothing to map, accesses trapped. */
	fk.memfd_fail = EMFILE;
	ctx->ops->reset(ctx->opaque, VFU_RESET_DISCONNECT);
	assert_int_equal(ctx->regions[0].mmap_fd, -1);
	assert_int_equal(pci_bar_shared_renew_err(d, 0), 1);
	assert_ptr_equal(pci_bar_shared(d, 0, 0), p);
	assert_int_equal(p[3], 0);
	vmm2[w + 4] = 0x1111;
	assert_int_equal(p[4], 0);
	p[5] = 0x2222;
	assert_int_equal(vmm2[w + 5], 0);
	assert_int_equal(pci_dev_bar_access(d, 0, 0x3000 + 6 * 4, &v, 4, true), 4);
	assert_int_equal(p[6], 0x99);
	assert_int_equal(pci_bar_shared_traps(d, 0), 1);
	assert_int_equal(m->bar_calls, 0);

	/* A later detach gets a memfd again. */
	fk.memfd_fail = 0;
	ctx->ops->reset(ctx->opaque, VFU_RESET_DISCONNECT);
	assert_true(ctx->regions[0].mmap_fd >= 0);
	assert_int_equal(pci_bar_shared_renew_err(d, 0), 1);
	assert_int_equal(p[6], 0);
	vmm3 = map_shared(ctx->regions[0].mmap_fd, len);
	vmm3[w + 7] = 0x3333;
	assert_int_equal(p[7], 0x3333);

	munmap(vmm1, len);
	munmap(vmm2, len);
	munmap(vmm3, len);
	/* Going away is no detach to renew for. */
	pci_dev_destroy(d);
	assert_int_equal(fk.set_fd_calls, 3);
	free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_bar_trampoline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_msix_table_pba, setup, teardown),
		cmocka_unit_test(test_shared_pages),
		cmocka_unit_test(test_shared_renewed_per_client),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
