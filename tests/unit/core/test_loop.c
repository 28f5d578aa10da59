/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The event loop's load counters (core/loop.h) on a clock of the test's own:
 * a polling loop reads the clock once per pass, busy_ns is the time of the
 * passes that did work and nothing else (not the yields between passes, not
 * a blocking wait), total_ns the time from the first pass's end to the last's;
 * the default clock (the TSC scaled) counts nanoseconds.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "core/loop.h"

static uint64_t now = 1000000;
static unsigned reads;

static uint64_t fake_clock(void)
{
	reads++;
	return now;
}

/* Busy on every second pass, which takes 700 ns; an idle pass 100 ns. */
static unsigned pass;

static bool hook(void *arg)
{
	(void)arg;
	if (pass++ & 1) {
		now += 700;
		return true;
	}
	now += 100;
	return false;
}

static void test_polling_one_read_per_pass(void **state)
{
	struct loop *l = loop_create();
	struct loop_stats st;

	(void)state;
	assert_non_null(l);
	loop_set_clock(l, fake_clock);
	assert_int_equal(loop_add_poll(l, hook, NULL), 0);
	pass = 0;
	reads = 0;
	/* The first pass: start and end read, and no total yet (nothing before it). */
	assert_int_equal(loop_run_once(l, 0), 0);
	assert_int_equal(reads, 2);
	reads = 0;
	/* 20 more: 10 busy (700 ns each) and 10 idle (100 ns), fewer than a yield's 64 idle passes. */
	for (int i = 0; i < 20; i++)
		assert_int_equal(loop_run_once(l, 0), 0);
	assert_int_equal(reads, 20);
	loop_get_stats(l, &st);
	assert_int_equal(st.iterations, 21);
	assert_int_equal(st.busy_iterations, 10);
	assert_int_equal(st.busy_ns, 10 * 700);
	assert_int_equal(st.total_ns, 10 * 700 + 10 * 100);
	assert_int_equal(st.yields, 0);
	loop_destroy(l);
}

/* Idle: never busy. After a yield the next pass reads its start: the yield is not busy time. */
static bool idle_hook(void *arg)
{
	(void)arg;
	now += 50;
	return false;
}

static unsigned busy_after;

static bool late_busy_hook(void *arg)
{
	(void)arg;
	if (busy_after && !--busy_after) {
		now += 300;
		return true;
	}
	return false;
}

static void test_yield_is_not_busy(void **state)
{
	struct loop *l = loop_create();
	struct loop_stats st;

	(void)state;
	assert_non_null(l);
	loop_set_clock(l, fake_clock);
	assert_int_equal(loop_add_poll(l, idle_hook, NULL), 0);
	assert_int_equal(loop_add_poll(l, late_busy_hook, NULL), 0);
	busy_after = 0;
	/* 64 idle passes: the last yields. */
	for (int i = 0; i < 64; i++)
		assert_int_equal(loop_run_once(l, 0), 0);
	loop_get_stats(l, &st);
	assert_int_equal(st.yields, 1);
	assert_int_equal(st.busy_ns, 0);
	/* The yield took 5000 ns (of someone else's time); then a busy pass of 350 ns. */
	now += 5000;
	busy_after = 1;
	reads = 0;
	assert_int_equal(loop_run_once(l, 0), 0);
	assert_int_equal(reads, 2);
	loop_get_stats(l, &st);
	assert_int_equal(st.busy_iterations, 1);
	assert_int_equal(st.busy_ns, 350);
	assert_int_equal(st.total_ns, 63 * 50 + 5000 + 350);
	loop_destroy(l);
}

/* A loop without poll hooks sleeps in epoll_wait: the wait is not busy time, the event is. */
static void on_event(void *arg, uint32_t events)
{
	uint64_t v;

	(void)events;
	if (read(*(int *)arg, &v, sizeof(v)) < 0) {
		/* nothing to read: not expected */
	}
	now += 200;
}

static void test_event_loop_reads_after_the_wait(void **state)
{
	struct loop *l = loop_create();
	struct loop_stats st;
	int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	struct loop_fd *h;
	uint64_t one = 1;

	(void)state;
	assert_non_null(l);
	assert_true(fd >= 0);
	loop_set_clock(l, fake_clock);
	h = loop_add_fd(l, fd, EPOLLIN, on_event, &fd);
	assert_non_null(h);
	for (int i = 0; i < 3; i++) {
		now += 10000; /* asleep */
		assert_int_equal(write(fd, &one, sizeof(one)), (ssize_t)sizeof(one));
		assert_int_equal(loop_run_once(l, 1000), 0);
	}
	loop_get_stats(l, &st);
	assert_int_equal(st.iterations, 3);
	assert_int_equal(st.busy_iterations, 3);
	assert_int_equal(st.busy_ns, 3 * 200);
	assert_int_equal(st.total_ns, 2 * (10000 + 200));
	loop_del_fd(l, h);
	loop_destroy(l);
	close(fd);
}

/* The default clock (the TSC where the kernel uses it) counts nanoseconds: a 5 ms busy pass. */
static bool spin_5ms(void *arg)
{
	uint64_t end = loop_now_ns() + 5000000ull;

	(void)arg;
	while (loop_now_ns() < end)
		;
	return true;
}

static void test_default_clock_counts_ns(void **state)
{
	struct loop *l = loop_create();
	struct loop_stats st;

	(void)state;
	assert_non_null(l);
	assert_int_equal(loop_add_poll(l, spin_5ms, NULL), 0);
	for (int i = 0; i < 4; i++)
		assert_int_equal(loop_run_once(l, 0), 0);
	loop_get_stats(l, &st);
	assert_int_equal(st.busy_iterations, 4);
	/* 20 ms and a little; a descheduled pass may take longer, never less. */
	assert_true(st.busy_ns >= 19800000ull);
	assert_true(st.busy_ns < 200000000ull);
	assert_true(st.total_ns >= 3 * 4950000ull && st.total_ns <= st.busy_ns);
	loop_destroy(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_polling_one_read_per_pass),
		cmocka_unit_test(test_yield_is_not_busy),
		cmocka_unit_test(test_event_loop_reads_after_the_wait),
		cmocka_unit_test(test_default_clock_counts_ns),
	};

	return cmocka_run_group_tests_name("loop", tests, NULL, NULL);
}
