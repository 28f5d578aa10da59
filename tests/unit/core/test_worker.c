/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Workers: calls run on the worker's own thread, in order, and stop is clean. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

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

static bool busy_hook(void *arg)
{
	(*(unsigned *)arg)++;
	return true;
}

static void on_event(void *arg, uint32_t events)
{
	int fd = *(int *)arg;
	uint64_t v;

	assert_int_equal(read(fd, &v, sizeof(v)), (ssize_t)sizeof(v));
	(*(int *)arg) = -1; /* seen */
}

/*
 * A polling loop looks at its fds only now and then (epoll_wait costs more
 * than a pass of the poll hooks), yet an fd event still gets through.
 */
static void test_polling_loop_throttles_fd_waits(void **state)
{
	struct loop *l = loop_create();
	unsigned passes = 0;
	int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC), arg;
	struct loop_stats st;
	struct loop_fd *h;
	uint64_t one = 1;

	assert_non_null(l);
	assert_true(fd >= 0);
	arg = fd;
	h = loop_add_fd(l, fd, EPOLLIN, on_event, &arg);
	assert_non_null(h);
	assert_int_equal(loop_add_poll(l, busy_hook, &passes), 0);
	assert_int_equal(write(fd, &one, sizeof(one)), (ssize_t)sizeof(one));
	while (arg != -1 || passes < 20000)
		assert_int_equal(loop_run_once(l, 1000), 0);
	loop_get_stats(l, &st);
	assert_int_equal(st.iterations, passes);
	assert_int_equal(loop_iteration(l), passes);
	/* Passes take well under the 20 us between fd checks. */
	assert_true(st.fd_waits >= 1);
	assert_true(st.fd_waits * 4 < st.iterations);
	loop_del_fd(l, h);
	loop_destroy(l);
	close(fd);
}

/*
 * An idle polling loop (no hook found work) yields the CPU now and then, so
 * that a vCPU thread sharing the core runs; a busy one never does.
 */
static void test_idle_polling_loop_yields(void **state)
{
	struct loop *l = loop_create();
	int idle = 0;
	unsigned busy = 0;
	struct loop_stats st;

	(void)state;
	assert_non_null(l);
	assert_int_equal(loop_add_poll(l, busy_hook, &busy), 0);
	for (int i = 0; i < 10000; i++)
		assert_int_equal(loop_run_once(l, 1000), 0);
	loop_get_stats(l, &st);
	assert_int_equal(st.yields, 0);
	loop_del_poll(l, busy_hook, &busy);
	assert_int_equal(loop_add_poll(l, poll_hook, &idle), 0);
	for (int i = 0; i < 6400; i++)
		assert_int_equal(loop_run_once(l, 1000), 0);
	loop_get_stats(l, &st);
	assert_int_equal(idle, 6400);
	assert_true(st.yields >= 90 && st.yields <= 100);
	loop_destroy(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_call_runs_on_worker),
		cmocka_unit_test(test_busy_poll_worker),
		cmocka_unit_test(test_polling_loop_throttles_fd_waits),
		cmocka_unit_test(test_idle_polling_loop_yields),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
