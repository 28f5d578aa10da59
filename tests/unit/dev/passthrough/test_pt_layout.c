/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The mmap-able areas of a passed-through BAR (dev/passthrough/layout.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "dev/passthrough/pt.h"

#define PG 4096u

static void test_whole_no_trap(void **state)
{
	struct vfu_sparse_area o[8];
	(void)state;
	assert_int_equal(pt_sparse_layout(128 << 10, true, NULL, 0, NULL, 0, PG, o, 8), 1);
	assert_int_equal(o[0].offset, 0);
	assert_int_equal(o[0].size, 128 << 10);
}

static void test_msix_cut(void **state)
{
	struct vfu_sparse_area o[8];
	/* The igb's BAR3: 16 KiB, table at 0 (10 vectors), PBA at 0x2000. */
	struct vfio_area trap[2] = { { 0, 160 }, { 0x2000, 8 } };
	(void)state;
	int n = pt_sparse_layout(16 << 10, true, NULL, 0, trap, 2, PG, o, 8);
	assert_int_equal(n, 2);
	assert_int_equal(o[0].offset, 0x1000);
	assert_int_equal(o[0].size, 0x1000);
	assert_int_equal(o[1].offset, 0x3000);
	assert_int_equal(o[1].size, 0x1000);
}

static void test_sparse_cap_kept(void **state)
{
	struct vfu_sparse_area o[8];
	/* VFIO's own areas (a sparse capability): only those, minus the table's page. */
	struct vfio_area a[2] = { { 0, 0x3000 }, { 0x8000, 0x8000 } };
	struct vfio_area trap[1] = { { 0x9100, 0x100 } };
	(void)state;
	int n = pt_sparse_layout(0x10000, false, a, 2, trap, 1, PG, o, 8);
	assert_int_equal(n, 3);
	assert_int_equal(o[0].offset, 0);
	assert_int_equal(o[0].size, 0x3000);
	assert_int_equal(o[1].offset, 0x8000);
	assert_int_equal(o[1].size, 0x1000);
	assert_int_equal(o[2].offset, 0xa000);
	assert_int_equal(o[2].size, 0x6000);
}

static void test_unaligned_and_outside(void **state)
{
	struct vfu_sparse_area o[8];
	/* Areas are shrunk to whole pages; what lies outside the region is dropped. */
	struct vfio_area a[3] = { { 0x800, 0x2000 }, { 0x20000, 0x1000 }, { 0x3000, 0x800 } };
	(void)state;
	int n = pt_sparse_layout(0x10000, false, a, 3, NULL, 0, PG, o, 8);
	assert_int_equal(n, 1);
	assert_int_equal(o[0].offset, 0x1000);
	assert_int_equal(o[0].size, 0x1000);
	/* The whole region trapped: nothing. */
	struct vfio_area all = { 0, 0x10000 };
	assert_int_equal(pt_sparse_layout(0x10000, true, NULL, 0, &all, 1, PG, o, 8), 0);
}

static void test_too_many(void **state)
{
	struct vfu_sparse_area o[2];
	struct vfio_area trap[2] = { { 0x1000, 16 }, { 0x3000, 16 } };
	(void)state;
	assert_int_equal(pt_sparse_layout(0x10000, true, NULL, 0, trap, 2, PG, o, 2), -7 /* E2BIG */);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_whole_no_trap),
		cmocka_unit_test(test_msix_cut),
		cmocka_unit_test(test_sparse_cap_kept),
		cmocka_unit_test(test_unaligned_and_outside),
		cmocka_unit_test(test_too_many),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
