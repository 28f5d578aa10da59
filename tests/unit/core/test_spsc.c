/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * SPSC ring: single-thread semantics, then a two-thread stress test that
 * checks every value arrives once and in order (run it under ThreadSanitizer
 * too: meson setup -Db_sanitize=thread).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>

#include "core/spsc.h"

static void test_create_sizes(void **state)
{
	assert_null(spsc_create(0));
	assert_null(spsc_create(1));
	assert_null(spsc_create(3));
	assert_null(spsc_create(1000));
	struct spsc_ring *r = spsc_create(1024);
	assert_non_null(r);
	spsc_destroy(r);
}

static void test_burst_semantics(void **state)
{
	struct spsc_ring *r = spsc_create(8);
	void *in[16], *out[16];
	for (uintptr_t i = 0; i < 16; i++)
		in[i] = (void *)(i + 1);
	assert_true(spsc_empty(r));
	assert_int_equal(spsc_dequeue_burst(r, out, 4), 0);
	/* only 8 fit */
	assert_int_equal(spsc_enqueue_burst(r, in, 16), 8);
	assert_int_equal(spsc_count(r), 8);
	assert_int_equal(spsc_enqueue_burst(r, in, 1), 0);
	assert_int_equal(spsc_dequeue_burst(r, out, 3), 3);
	assert_ptr_equal(out[0], in[0]);
	assert_ptr_equal(out[2], in[2]);
	/* wrap around */
	assert_int_equal(spsc_enqueue_burst(r, in + 8, 5), 3);
	assert_int_equal(spsc_dequeue_burst(r, out, 16), 8);
	assert_ptr_equal(out[0], in[3]);
	assert_ptr_equal(out[4], in[7]);
	assert_ptr_equal(out[5], in[8]);
	assert_ptr_equal(out[7], in[10]);
	assert_true(spsc_empty(r));
	spsc_destroy(r);
}

static void test_index_wraparound(void **state)
{
	/* indices are free-running u32: start near the wrap point */
	struct spsc_ring *r = spsc_create(4);
	atomic_store(&r->head, UINT32_MAX - 1);
	atomic_store(&r->tail, UINT32_MAX - 1);
	r->cached_head = r->cached_tail = UINT32_MAX - 1;
	void *in[4] = { (void *)1, (void *)2, (void *)3, (void *)4 }, *out[4];
	for (int round = 0; round < 4; round++) {
		assert_int_equal(spsc_enqueue_burst(r, in, 4), 4);
		assert_int_equal(spsc_count(r), 4);
		assert_int_equal(spsc_dequeue_burst(r, out, 4), 4);
		assert_ptr_equal(out[3], in[3]);
	}
	spsc_destroy(r);
}

#define STRESS_N 2000000u

struct stress {
	struct spsc_ring *r;
	uint64_t bad;
};

static void *producer(void *arg)
{
	struct stress *s = arg;
	uintptr_t next = 1;
	void *buf[32];
	while (next <= STRESS_N) {
		uint32_t want = (uint32_t)(next % 32) + 1;
		if (next + want > STRESS_N + 1)
			want = (uint32_t)(STRESS_N + 1 - next);
		for (uint32_t i = 0; i < want; i++)
			buf[i] = (void *)(next + i);
		next += spsc_enqueue_burst(s->r, buf, want);
	}
	return NULL;
}

static void test_two_thread_stress(void **state)
{
	struct stress s = { .r = spsc_create(64) };
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, producer, &s), 0);
	uintptr_t expect = 1;
	void *buf[32];
	while (expect <= STRESS_N) {
		uint32_t n = spsc_dequeue_burst(s.r, buf, (uint32_t)(expect % 29) + 1);
		for (uint32_t i = 0; i < n; i++)
			if ((uintptr_t)buf[i] != expect++)
				s.bad++;
	}
	pthread_join(t, NULL);
	assert_int_equal(s.bad, 0);
	assert_true(spsc_empty(s.r));
	spsc_destroy(s.r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_sizes),
		cmocka_unit_test(test_burst_semantics),
		cmocka_unit_test(test_index_wraparound),
		cmocka_unit_test(test_two_thread_stress),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
