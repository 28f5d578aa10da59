/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Packet pools: LIFO reuse, bulk operations, exhaustion counting. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "net/pkt.h"

static void test_create_bad_count(void **state)
{
	assert_null(pkt_pool_create("zero", 0));
	assert_null(pkt_pool_create("huge", 0xffffffffu));
}

static void test_alloc_all_then_exhaust(void **state)
{
	struct pkt_pool *p = pkt_pool_create("t", 8);
	struct pkt *k[8];
	struct pkt_pool_stats st;

	assert_non_null(p);
	assert_int_equal(pkt_pool_count(p), 8);
	assert_int_equal(pkt_pool_avail(p), 8);
	assert_string_equal(pkt_pool_name(p), "t");
	for (int i = 0; i < 8; i++) {
		k[i] = pkt_alloc(p);
		assert_non_null(k[i]);
		assert_ptr_equal(k[i]->pool, p);
		assert_int_equal(k[i]->len, 0);
		assert_int_equal(k[i]->flags, 0);
		assert_int_equal((uintptr_t)k[i]->data % 64, 0);
		for (int j = 0; j < i; j++)
			assert_ptr_not_equal(k[i], k[j]);
		/* The whole data area is usable. */
		memset(k[i]->data, 0xa0 + i, PKT_DATA_MAX);
	}
	/* No buffer overlaps another. */
	for (int i = 0; i < 8; i++) {
		assert_int_equal(k[i]->data[0], 0xa0 + i);
		assert_int_equal(k[i]->data[PKT_DATA_MAX - 1], 0xa0 + i);
	}
	assert_int_equal(pkt_pool_avail(p), 0);
	assert_null(pkt_alloc(p));
	pkt_pool_get_stats(p, &st);
	assert_int_equal(st.exhausted, 1);
	assert_int_equal(st.short_pkts, 1);
	pkt_free_bulk(k, 8);
	assert_int_equal(pkt_pool_avail(p), 8);
	pkt_pool_destroy(p);
}

static void test_lifo_reuse_resets(void **state)
{
	struct pkt_pool *p = pkt_pool_create("t", 4);
	struct pkt *a = pkt_alloc(p), *b = pkt_alloc(p);

	a->len = 99;
	a->flags = PKT_F_VLAN;
	a->vlan_tci = 7;
	a->in_port = 3;
	pkt_free(b);
	pkt_free(a);
	/* Last freed, first allocated: the cache-hot buffer comes back. */
	struct pkt *c = pkt_alloc(p);
	assert_ptr_equal(c, a);
	assert_int_equal(c->len, 0);
	assert_int_equal(c->flags, 0);
	assert_int_equal(c->vlan_tci, 0);
	assert_int_equal(c->in_port, 0);
	assert_ptr_equal(pkt_alloc(p), b);
	pkt_free(NULL); /* harmless */
	pkt_free(b);
	pkt_free(c);
	assert_int_equal(pkt_pool_avail(p), 4);
	pkt_pool_destroy(p);
}

static void test_bulk(void **state)
{
	struct pkt_pool *p = pkt_pool_create("t", 8);
	struct pkt *a[8], *b[8];
	struct pkt_pool_stats st;

	assert_int_equal(pkt_alloc_bulk(p, a, 5), 5);
	assert_int_equal(pkt_pool_avail(p), 3);
	/* Partial: gets what is left and counts the shortfall. */
	assert_int_equal(pkt_alloc_bulk(p, b, 5), 3);
	pkt_pool_get_stats(p, &st);
	assert_int_equal(st.exhausted, 1);
	assert_int_equal(st.short_pkts, 2);
	assert_int_equal(pkt_alloc_bulk(p, b + 3, 4), 0);
	pkt_pool_get_stats(p, &st);
	assert_int_equal(st.exhausted, 2);
	assert_int_equal(st.short_pkts, 6);
	assert_int_equal(pkt_alloc_bulk(p, b, 0), 0);
	pkt_free_bulk(a, 5);
	pkt_free_bulk(b, 3);
	assert_int_equal(pkt_pool_avail(p), 8);
	/* Full again: bulk takes all eight, distinct. */
	assert_int_equal(pkt_alloc_bulk(p, a, 8), 8);
	for (int i = 0; i < 8; i++)
		for (int j = i + 1; j < 8; j++)
			assert_ptr_not_equal(a[i], a[j]);
	pkt_free_bulk(a, 8);
	pkt_pool_destroy(p);
}

static void test_free_to_own_pool(void **state)
{
	struct pkt_pool *p1 = pkt_pool_create("one", 4), *p2 = pkt_pool_create("two", 4);
	struct pkt *mix[4];

	mix[0] = pkt_alloc(p1);
	mix[1] = pkt_alloc(p2);
	mix[2] = pkt_alloc(p2);
	mix[3] = pkt_alloc(p1);
	assert_int_equal(pkt_pool_avail(p1), 2);
	assert_int_equal(pkt_pool_avail(p2), 2);
	pkt_free_bulk(mix, 4);
	assert_int_equal(pkt_pool_avail(p1), 4);
	assert_int_equal(pkt_pool_avail(p2), 4);
	pkt_pool_destroy(p1);
	pkt_pool_destroy(p2);
}

static void test_double_free_never_overflows(void **state)
{
	struct pkt_pool *p = pkt_pool_create("t", 2);
	struct pkt *a = pkt_alloc(p);
	struct pkt_pool_stats st;

	pkt_free(a);
	pkt_free(a); /* the stack is full: refused and counted */
	pkt_pool_get_stats(p, &st);
	assert_int_equal(st.bad_frees, 1);
	assert_int_equal(pkt_pool_avail(p), 2);
	pkt_pool_destroy(p);
}

static void test_large_pool_is_lazy(void **state)
{
	/* 4096 x 16 KiB of address space; only touched packets cost memory. */
	struct pkt_pool *p = pkt_pool_create("big", 4096);
	struct pkt *k[64];

	assert_non_null(p);
	assert_int_equal(pkt_alloc_bulk(p, k, 64), 64);
	pkt_free_bulk(k, 64);
	assert_int_equal(pkt_pool_avail(p), 4096);
	pkt_pool_destroy(p);
	pkt_pool_destroy(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_bad_count),
		cmocka_unit_test(test_alloc_all_then_exhaust),
		cmocka_unit_test(test_lifo_reuse_resets),
		cmocka_unit_test(test_bulk),
		cmocka_unit_test(test_free_to_own_pool),
		cmocka_unit_test(test_double_free_never_overflows),
		cmocka_unit_test(test_large_pool_is_lazy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
