/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the PCI device layer against the fake vfu (pci_dev_fake.c):
 * INTx, interrupt routing and the MSI-X state a model reads.
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

/* ---- interrupts ------------------------------------------------------- */

static void test_intx(void **state)
{
	struct fixture *f = *state;
	struct pci_dev *d = f->d;

	assert_non_null(pci_dev_vfu(d));
	pci_irq_raise(d, 0);
	assert_true(fk.intx_level);
	assert_int_equal(fk.intx_calls, 1);
	assert_true(cfg_rd(d, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT);
	/* Raising again while high: the level does not change. */
	pci_irq_raise(d, 0);
	assert_int_equal(fk.intx_calls, 1);

	/* INTx disable drops the line but not the status bit. */
	cfg_wr(d, PCI_COMMAND, PCI_COMMAND_INTX_DISABLE, 2);
	assert_false(fk.intx_level);
	assert_true(cfg_rd(d, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT);
	cfg_wr(d, PCI_COMMAND, 0, 2);
	assert_true(fk.intx_level);
	pci_intx_set(d, false);
	assert_false(fk.intx_level);
	assert_false(cfg_rd(d, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT);

	/* Raised while disabled: status shows it, the line waits for enable. */
	cfg_wr(d, PCI_COMMAND, PCI_COMMAND_INTX_DISABLE, 2);
	fk.intx_calls = 0;
	pci_irq_raise(d, 0);
	assert_int_equal(fk.intx_calls, 0);
	assert_true(cfg_rd(d, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT);
	cfg_wr(d, PCI_COMMAND, 0, 2);
	assert_true(fk.intx_level);

	/* The status bit is read-only for the guest. */
	cfg_wr(d, PCI_STATUS, 0xffff, 2);
	assert_true(cfg_rd(d, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT);

	/* Reset lowers the line. */
	pci_dev_do_reset(d);
	assert_false(fk.intx_level);
	assert_false(cfg_rd(d, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT);
}

static void test_irq_routing(void **state)
{
	struct fixture *f = *state;
	struct pci_dev *d = f->d;

	assert_int_not_equal(pci_add_cap_msi(d, 4, true, false), 0);
	assert_int_not_equal(pci_add_cap_msix(d, 10, 2, 0, 2, 0x2000), 0);
	assert_non_null(pci_dev_vfu(d));

	/* MSI-X vectors set up by the client win. */
	fk.enabled[VFU_IRQ_MSIX] = 10;
	fk.enabled[VFU_IRQ_MSI] = 4;
	pci_irq_raise(d, 7);
	assert_int_equal(fk.triggers, 1);
	assert_int_equal(fk.last_index, VFU_IRQ_MSIX);
	assert_int_equal(fk.last_sub, 7);
	assert_int_equal(fk.intx_calls, 0);

	/* Then MSI; vectors beyond those granted alias. */
	fk.enabled[VFU_IRQ_MSIX] = 0;
	fk.enabled[VFU_IRQ_MSI] = 2;
	pci_irq_raise(d, 1);
	assert_int_equal(fk.last_index, VFU_IRQ_MSI);
	assert_int_equal(fk.last_sub, 1);
	pci_irq_raise(d, 3);
	assert_int_equal(fk.last_sub, 1);
	fk.trigger_ret = -EAGAIN; /* masked: fine */
	pci_irq_raise(d, 0);
	assert_int_equal(fk.last_sub, 0);
	assert_int_equal(fk.triggers, 4);
	assert_int_equal(fk.intx_calls, 0);

	/* Neither: INTx. */
	fk.enabled[VFU_IRQ_MSI] = 0;
	pci_irq_raise(d, 5);
	assert_int_equal(fk.triggers, 4);
	assert_true(fk.intx_level);
}

/* ---- MSI-X state ------------------------------------------------------ */

/* The guest's Enable and Function Mask bits, and what changes them. */
static void test_msix_control(void **state)
{
	struct fixture *f = *state;
	struct pci_dev *d = f->d;
	unsigned msix;

	assert_false(pci_msix_enabled(NULL));
	assert_false(pci_msix_func_masked(NULL));
	assert_false(pci_msix_vector_ready(NULL, 0));
	msix = pci_add_cap_msix(d, 10, 2, 0, 2, 0x2000);
	assert_int_not_equal(msix, 0);
	assert_non_null(pci_dev_vfu(d));
	assert_false(pci_msix_enabled(d));
	assert_false(pci_msix_func_masked(d));

	cfg_wr(d, msix + PCI_MSIX_FLAGS, PCI_MSIX_FLAGS_ENABLE, 2);
	assert_true(pci_msix_enabled(d));
	assert_false(pci_msix_func_masked(d));
	assert_int_equal(f->m->msix_changes, 1);
	/* Before cfg_written, which follows. */
	assert_int_equal(f->m->cfg_writes_at_msix_change + 1, f->m->cfg_writes);

	/* The same value again, a byte that changes nothing, read-only fields: no call. */
	cfg_wr(d, msix + PCI_MSIX_FLAGS, PCI_MSIX_FLAGS_ENABLE, 2);
	cfg_wr(d, msix + PCI_MSIX_FLAGS, 0, 1);
	cfg_wr(d, msix + PCI_MSIX_TABLE, 0, 4);
	cfg_wr(d, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
	assert_int_equal(f->m->msix_changes, 1);

	/* Function mask, through a dword write that covers the capability's header. */
	cfg_wr(d, msix, (uint32_t)(PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL) << 16, 4);
	assert_true(pci_msix_enabled(d));
	assert_true(pci_msix_func_masked(d));
	assert_int_equal(f->m->msix_changes, 2);
	cfg_wr(d, msix + PCI_MSIX_FLAGS, PCI_MSIX_FLAGS_MASKALL, 2);
	assert_false(pci_msix_enabled(d));
	assert_true(pci_msix_func_masked(d));
	assert_int_equal(f->m->msix_changes, 3);

	/* A reset disables MSI-X and says so through the reset callback only. */
	cfg_wr(d, msix + PCI_MSIX_FLAGS, PCI_MSIX_FLAGS_ENABLE, 2);
	assert_int_equal(f->m->msix_changes, 4);
	pci_dev_do_reset(d);
	assert_false(pci_msix_enabled(d));
	assert_false(pci_msix_func_masked(d));
	assert_int_equal(f->m->msix_changes, 4);
	assert_int_equal(f->m->resets, 1);
}

/* The VMM's side: eventfds and masks per vector, and SET_IRQS forwarded. */
static void test_msix_vectors(void **state)
{
	struct fixture *f = *state;
	struct pci_dev *d = f->d;
	struct vfu_ctx *ctx;

	/* Without MSI-X nothing is ready, and the VMM's changes to other indices are not told. */
	ctx = pci_dev_vfu(d);
	assert_non_null(ctx);
	fk.has_efd[VFU_IRQ_MSIX][0] = 1;
	assert_false(pci_msix_vector_ready(d, 0));
	assert_false(pci_msix_enabled(d));
	ctx->ops->irq_changed(ctx->opaque, VFU_IRQ_MSIX);
	assert_int_equal(f->m->msix_changes, 0);
	pci_dev_destroy(d);

	memset(&fk, 0, sizeof(fk));
	struct pci_dev_desc desc = test_desc();
	f->d = d = pci_dev_create(&desc, &model_ops, f->m);
	assert_non_null(d);
	assert_int_not_equal(pci_add_cap_msi(d, 4, true, true), 0);
	assert_int_not_equal(pci_add_cap_msix(d, 10, 2, 0, 2, 0x2000), 0);
	ctx = pci_dev_vfu(d);
	assert_non_null(ctx);

	/* Vector 3 has an eventfd, vector 4 one that is masked; 10 is past the table. */
	fk.has_efd[VFU_IRQ_MSIX][0] = 1u << 3 | 1u << 4 | 1u << 10;
	fk.masked[VFU_IRQ_MSIX][0] = 1u << 4;
	assert_true(pci_msix_vector_ready(d, 3));
	assert_false(pci_msix_vector_ready(d, 4));
	assert_false(pci_msix_vector_ready(d, 2));
	assert_false(pci_msix_vector_ready(d, 10));
	assert_false(pci_msix_vector_ready(d, 5000));
	/* MSI's eventfds are not MSI-X's. */
	fk.has_efd[VFU_IRQ_MSI][0] = 1u << 2;
	assert_false(pci_msix_vector_ready(d, 2));

	/* SET_IRQS on MSI-X is told; on other indices it is not. */
	ctx->ops->irq_changed(ctx->opaque, VFU_IRQ_MSIX);
	assert_int_equal(f->m->msix_changes, 1);
	ctx->ops->irq_changed(ctx->opaque, VFU_IRQ_MSI);
	ctx->ops->irq_changed(ctx->opaque, VFU_IRQ_INTX);
	ctx->ops->irq_changed(ctx->opaque, VFU_IRQ_ERR);
	assert_int_equal(f->m->msix_changes, 1);
	/* Nor to a model without the callback. */
	f->m->msix_changes = 0;
	{
		struct pci_dev_ops quiet = model_ops;
		struct model m2 = { 0 };
		struct pci_dev *d2;
		struct vfu_ctx *ctx2;

		quiet.msix_changed = NULL;
		d2 = pci_dev_create(&desc, &quiet, &m2);
		assert_non_null(d2);
		assert_int_not_equal(pci_add_cap_msix(d2, 10, 2, 0, 2, 0x2000), 0);
		ctx2 = pci_dev_vfu(d2);
		assert_non_null(ctx2);
		ctx2->ops->irq_changed(ctx2->opaque, VFU_IRQ_MSIX);
		cfg_wr(d2, pci_cfg_find_cap(pci_dev_cfg(d2), PCI_CAP_ID_MSIX) + PCI_MSIX_FLAGS,
		       PCI_MSIX_FLAGS_ENABLE, 2);
		assert_true(pci_msix_enabled(d2));
		pci_dev_destroy(d2);
	}
	assert_int_equal(f->m->msix_changes, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_intx, setup, teardown),
		cmocka_unit_test_setup_teardown(test_irq_routing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_msix_control, setup, teardown),
		cmocka_unit_test_setup_teardown(test_msix_vectors, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
