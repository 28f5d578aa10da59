/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Workers: calls run on the worker's own thread, in order, and stop is clean. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>

#include "core/loop.h"
#include "core/worker.h"

struct probe {
	struct worker *w;
	bool on_worker;
	int value;
};

static void probe_fn(void *arg)
{
	struct probe *p = arg;
	p->on_worker = worker_is_current(p->w);
	p->value++;
}

static bool poll_hook(void *arg)
{
	(*(int *)arg)++;
	return false;
}

static void add_hook(void *arg)
{
	struct probe *p = arg;
	loop_add_poll(worker_loop(p->w), poll_hook, &p->value);
}

static void test_call_runs_on_worker(void **state)
{
	struct worker *w = worker_create("t0", -1);
	assert_non_null(w);
	struct probe p = { .w = w };
	/* before start: inline on the caller */
	worker_call(w, probe_fn, &p);
	assert_false(p.on_worker);
	assert_int_equal(p.value, 1);
	assert_int_equal(worker_start(w), 0);
	for (int i = 0; i < 1000; i++)
		worker_call(w, probe_fn, &p);
	assert_true(p.on_worker);
	assert_int_equal(p.value, 1001);
	worker_stop(w);
	worker_call(w, probe_fn, &p);
	assert_false(p.on_worker);
	worker_destroy(w);
}

static void test_busy_poll_worker(void **state)
{
	/* a worker with a poll hook spins; calls still get through */
	struct worker *w = worker_create("t1", 0);
	assert_non_null(w);
	struct probe p = { .w = w };
	assert_int_equal(worker_start(w), 0);
	worker_call(w, add_hook, &p);
	int seen = 0;
	for (int i = 0; i < 100; i++) {
		struct probe q = { .w = w };
		worker_call(w, probe_fn, &q);
		assert_true(q.on_worker);
		seen = q.value;
	}
	assert_int_equal(seen, 1);
	worker_destroy(w);
	assert_true(p.value > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_call_runs_on_worker),
		cmocka_unit_test(test_busy_poll_worker),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
