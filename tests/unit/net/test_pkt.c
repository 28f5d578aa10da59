/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Packet pools: LIFO reuse, bulk operations, exhaustion counting. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <string.h>

#include "core/spsc.h"

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
	a->queue = 2;
	pkt_free(b);
	pkt_free(a);
	/* Last freed, first allocated: the cache-hot buffer comes back. */
	struct pkt *c = pkt_alloc(p);
	assert_ptr_equal(c, a);
	assert_int_equal(c->len, 0);
	assert_int_equal(c->flags, 0);
	assert_int_equal(c->vlan_tci, 0);
	assert_int_equal(c->in_port, 0);
	assert_int_equal(c->queue, PKT_QUEUE_ANY); /* rss_hash and ol count only with their flags */
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

static unsigned given_back;
static void *last_lender;

static void count_give_back(void *lender)
{
	given_back++;
	last_lender = lender;
}

/*
 * A lent pool: nothing to allocate; a packet handed out with pkt_lend goes
 * back to its lender on free, once (a second free is counted, never passed
 * on), its header reset when lent again; 64 bytes of the mapping precede
 * the first packet.
 */
static void test_lent_pool(void **state)
{
	struct pkt_pool *p = pkt_pool_create_lent("lent", 4, count_give_back);
	struct pkt_pool_stats st;
	struct pkt *k, *bulk[2];
	int tag = 7;

	(void)state;
	assert_non_null(p);
	assert_null(pkt_alloc(p));
	k = pkt_lent_first(p);
	memset((uint8_t *)k - 64, 0xa5, 64); /* the lender's: mapped and writable */
	assert_true(pkt_in_pool(p, k));
	assert_true(pkt_in_pool(p, (struct pkt *)((uint8_t *)k + 3 * pkt_lent_stride())));
	assert_false(pkt_in_pool(p, (struct pkt *)((uint8_t *)k + 4 * pkt_lent_stride())));
	assert_false(pkt_in_pool(p, (struct pkt *)((uint8_t *)k + 64)));
	assert_false(pkt_in_pool(p, (struct pkt *)((uint8_t *)k - pkt_lent_stride())));
	k->len = 99;
	k->flags = PKT_F_VLAN;
	pkt_lend(p, k, &tag);
	assert_int_equal(k->len, 0);
	assert_int_equal(k->flags, 0);
	assert_ptr_equal(k->pool, p);
	pkt_free(k);
	assert_int_equal(given_back, 1);
	assert_ptr_equal(last_lender, &tag);
	pkt_free(k);
	assert_int_equal(given_back, 1);
	pkt_pool_get_stats(p, &st);
	assert_int_equal(st.bad_frees, 1);
	/* Bulk frees reach the lender too, each packet once. */
	bulk[0] = k;
	bulk[1] = (struct pkt *)((uint8_t *)k + pkt_lent_stride());
	pkt_lend(p, bulk[0], &tag);
	pkt_lend(p, bulk[1], &tag);
	pkt_free_bulk(bulk, 2);
	assert_int_equal(given_back, 3);
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

/*
 * Packets cross to another thread through an SPSC ring and are freed there;
 * the owner must get every one of them back, none twice, with no data race
 * (run under ThreadSanitizer as well).
 */
struct xfer {
	struct spsc_ring *ring;
	unsigned total;
};

static void *foreign_freer(void *arg)
{
	struct xfer *x = arg;
	unsigned done = 0;
	void *b[16];
	while (done < x->total) {
		unsigned n = spsc_dequeue_burst(x->ring, b, 16);
		pkt_free_bulk((struct pkt **)b, n);
		done += n;
	}
	return NULL;
}

static void test_cross_thread_free(void **state)
{
	struct pkt_pool *p = pkt_pool_create("xt", 64);
	struct xfer x = { .ring = spsc_create(32), .total = 200000 };
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, foreign_freer, &x), 0);
	unsigned sent = 0;
	while (sent < x.total) {
		struct pkt *b[16];
		unsigned want = x.total - sent < 16 ? x.total - sent : 16;
		unsigned n = pkt_alloc_bulk(p, b, want);
		for (unsigned i = 0; i < n; i++)
			b[i]->len = 60;
		unsigned q = spsc_enqueue_burst(x.ring, (void **)b, n);
		pkt_free_bulk(b + q, n - q); /* local frees of what did not fit */
		sent += q;
	}
	pthread_join(t, NULL);
	/* everything comes back: the whole pool can be allocated again */
	struct pkt *all[64];
	assert_int_equal(pkt_alloc_bulk(p, all, 64), 64);
	for (unsigned i = 0; i < 64; i++)
		for (unsigned j = i + 1; j < 64; j++)
			assert_ptr_not_equal(all[i], all[j]);
	pkt_free_bulk(all, 64);
	struct pkt_pool_stats st;
	pkt_pool_get_stats(p, &st);
	assert_int_equal(st.bad_frees, 0);
	spsc_destroy(x.ring);
	pkt_pool_destroy(p);
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
		cmocka_unit_test(test_lent_pool),
		cmocka_unit_test(test_large_pool_is_lazy),
		cmocka_unit_test(test_cross_thread_free),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
