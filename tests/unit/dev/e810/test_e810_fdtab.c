/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for the E810 flow director's filter table (src/dev/e810/fdtab.c):
 * add, update of a key already there, remove, lookup among many keys of one
 * bucket, the guaranteed and best-effort pools as FD_SPACE picks them and a
 * full table, the counters GLQF_FD_CNT and VSIQF_FD_CNT answer with, and the
 * statistics counters a match bumps.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "dev/e810/fdtab.h"

static struct e810_fdtab t;

static struct e810_fd_key key(uint16_t prof, uint16_t port)
{
	struct e810_fd_key k = { .prof = prof, .n = 4 };

	k.w[0] = 0x0a4d;
	k.w[1] = 0x0002;
	k.w[2] = port;
	k.w[3] = 0;
	return k;
}

static void test_add_find_remove(void **state)
{
	struct e810_fd_action a = { .fdid = 7, .vsi = 6, .qindex = 2, .stat_ena = 1,
				    .stat_idx = 256 };
	struct e810_fd_key k = key(3, 5001), k2 = key(3, 5002), k3 = key(4, 5001);
	struct e810_fd_filter *f;

	(void)state;
	e810_fdtab_init(&t, 512, 512);
	assert_null(e810_fdtab_find(&t, &k));
	assert_int_equal(e810_fdtab_add(&t, &k, &a, E810_FD_SPACE_GUAR_BEST), 0);
	assert_int_equal(t.n, 1);
	f = e810_fdtab_find(&t, &k);
	assert_non_null(f);
	assert_int_equal(f->act.qindex, 2);
	assert_int_equal(f->act.fdid, 7);
	assert_null(e810_fdtab_find(&t, &k2)); /* another port */
	assert_null(e810_fdtab_find(&t, &k3)); /* another profile */
	assert_int_equal(e810_fdtab_glqf_cnt(&t), 1);
	assert_int_equal(e810_fdtab_vsi_cnt(&t, 6), 1);
	/* The same key again: its action replaced, no new entry. */
	a.qindex = 3;
	a.vsi = 9;
	assert_int_equal(e810_fdtab_add(&t, &k, &a, E810_FD_SPACE_GUAR_BEST), 0);
	assert_int_equal(t.n, 1);
	assert_int_equal(t.st.updates, 1);
	assert_int_equal(e810_fdtab_find(&t, &k)->act.qindex, 3);
	assert_int_equal(e810_fdtab_vsi_cnt(&t, 6), 0);
	assert_int_equal(e810_fdtab_vsi_cnt(&t, 9), 1);
	/* Hits and the statistics counter (packets, or bytes with STAT_ENA 2). */
	f = e810_fdtab_find(&t, &k);
	e810_fdtab_hit(&t, f, 100);
	e810_fdtab_hit(&t, f, 100);
	assert_int_equal(t.stat[256], 2);
	assert_int_equal(f->hits, 2);
	f->act.stat_ena = 2;
	e810_fdtab_hit(&t, f, 100);
	assert_int_equal(t.stat[256], 102);
	assert_int_equal(t.st.matches, 3);
	/* Remove: a key not there, then the one. */
	assert_int_equal(e810_fdtab_remove(&t, &k2), -ENOENT);
	assert_int_equal(t.st.noent, 1);
	assert_int_equal(e810_fdtab_remove(&t, &k), 0);
	assert_int_equal(e810_fdtab_remove(&t, &k), -ENOENT);
	assert_null(e810_fdtab_find(&t, &k));
	assert_int_equal(t.n, 0);
	assert_int_equal(e810_fdtab_glqf_cnt(&t), 0);
	assert_int_equal(e810_fdtab_vsi_cnt(&t, 9), 0);
	assert_int_equal(t.stat[256], 102); /* kept */
	/* A key with more words than a field vector has: never taken. */
	k.n = E810_FLEX_FVW + 1;
	assert_int_equal(e810_fdtab_add(&t, &k, &a, E810_FD_SPACE_GUAR), -EINVAL);
	assert_null(e810_fdtab_find(&t, &k));
}

/* The pools: guaranteed first, then best effort; each alone as FD_SPACE says; then full. */
static void test_pools_full(void **state)
{
	struct e810_fd_action a = { .vsi = 6 };
	struct e810_fd_key k;

	(void)state;
	e810_fdtab_init(&t, 512, 512);
	for (unsigned i = 0; i < 512; i++) {
		k = key(1, (uint16_t)i);
		assert_int_equal(e810_fdtab_add(&t, &k, &a, E810_FD_SPACE_GUAR), 0);
	}
	k = key(1, 999);
	assert_int_equal(e810_fdtab_add(&t, &k, &a, E810_FD_SPACE_GUAR), -ENOSPC);
	assert_int_equal(t.st.full, 1);
	for (unsigned i = 0; i < 512; i++) {
		k = key(2, (uint16_t)i);
		assert_int_equal(e810_fdtab_add(&t, &k, &a, E810_FD_SPACE_GUAR_BEST), 0);
	}
	assert_int_equal(t.nguar, 512);
	assert_int_equal(t.nbest, 512);
	assert_int_equal(e810_fdtab_glqf_cnt(&t), 512u | 512u << 16);
	assert_int_equal(e810_fdtab_vsi_cnt(&t, 6), 512u | 512u << 16);
	k = key(3, 1);
	assert_int_equal(e810_fdtab_add(&t, &k, &a, E810_FD_SPACE_GUAR_BEST), -ENOSPC);
	assert_int_equal(e810_fdtab_add(&t, &k, &a, E810_FD_SPACE_RSVD), -ENOSPC);
	assert_int_equal(t.n, 1024);
	/* Every key findable, every one removable; a best-effort slot freed takes a new one. */
	for (unsigned i = 0; i < 512; i++) {
		k = key(1, (uint16_t)i);
		assert_non_null(e810_fdtab_find(&t, &k));
		k = key(2, (uint16_t)i);
		assert_non_null(e810_fdtab_find(&t, &k));
	}
	k = key(2, 100);
	assert_int_equal(e810_fdtab_remove(&t, &k), 0);
	k = key(3, 1);
	assert_int_equal(e810_fdtab_add(&t, &k, &a, E810_FD_SPACE_GUAR), -ENOSPC);
	assert_int_equal(e810_fdtab_add(&t, &k, &a, E810_FD_SPACE_BEST), 0);
	/* A reset: every filter gone. */
	e810_fdtab_clear(&t);
	assert_int_equal(t.n, 0);
	assert_null(e810_fdtab_find(&t, &k));
	assert_int_equal(e810_fdtab_glqf_cnt(&t), 0);
	assert_int_equal(e810_fdtab_vsi_cnt(&t, 6), 0);
	assert_int_equal(e810_fdtab_vsi_cnt(&t, 5000), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_find_remove),
		cmocka_unit_test(test_pools_full),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
