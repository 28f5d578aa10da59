/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Event loop: epoll over file descriptors plus one-shot/periodic timers.
 * A loop is owned by exactly one thread; all callbacks run on that thread.
 */
#ifndef VMUX_CORE_LOOP_H
#define VMUX_CORE_LOOP_H

#include <stdbool.h>
#include <stdint.h>

struct loop;
struct loop_fd;

/* events: EPOLLIN / EPOLLOUT / ... as returned by epoll. */
typedef void (*loop_fd_cb)(void *arg, uint32_t events);
typedef void (*loop_idle_cb)(void *arg);

struct loop *loop_create(void);
void loop_destroy(struct loop *l);

/* Registers fd; returns a handle, or NULL (errno set). The loop never closes fd. */
struct loop_fd *loop_add_fd(struct loop *l, int fd, uint32_t events, loop_fd_cb cb, void *arg);
int loop_mod_fd(struct loop *l, struct loop_fd *h, uint32_t events);
/* Safe to call from inside any callback, including the handle's own. */
void loop_del_fd(struct loop *l, struct loop_fd *h);

/*
 * Poll hook run once per loop iteration (after fd events). While any poll hook
 * is registered the loop never sleeps in epoll_wait (busy polling); a hook
 * returns true if it did work. A polling loop looks at its fds at most every
 * 20 us (fd events wait that long at most, plus one pass).
 */
typedef bool (*loop_poll_cb)(void *arg);
/* Poll hooks a loop has room for; loop_add_poll fails with ENOSPC beyond. */
#define LOOP_POLL_HOOKS_MAX 64
int loop_add_poll(struct loop *l, loop_poll_cb cb, void *arg);
void loop_del_poll(struct loop *l, loop_poll_cb cb, void *arg);

/* Runs until loop_stop(); returns 0, or -1 on a fatal epoll error. */
int loop_run(struct loop *l);
/* Runs one iteration, waiting at most timeout_ms (-1: forever). */
int loop_run_once(struct loop *l, int timeout_ms);
/* Async-signal-safe and thread-safe. */
void loop_stop(struct loop *l);
bool loop_stopped(const struct loop *l);

/*
 * Load counters, updated by the loop's own thread. Busy iterations are those
 * in which an fd event fired or a poll hook did work; busy_ns is the time
 * spent in such iterations (a polling loop is never idle, but it is not
 * always busy), total_ns the time from the end of the first iteration to the
 * end of the last (when loop_run_once is called by hand, the time between
 * two calls belongs to the second).
 */
struct loop_stats {
	uint64_t iterations;
	uint64_t busy_iterations;
	uint64_t fd_waits;       /* epoll_wait calls (fewer than iterations while polling) */
	uint64_t yields;         /* sched_yield() calls of an idle polling loop */
	uint64_t busy_ns;
	uint64_t total_ns;
};
void loop_get_stats(const struct loop *l, struct loop_stats *st);
/*
 * Iterations completed so far: the same value for every callback and poll
 * hook of one iteration, so that work bounded per wake-up of the loop (not
 * per call) can tell one wake-up from the next.
 */
uint64_t loop_iteration(const struct loop *l);

/* Monotonic clock in nanoseconds. */
uint64_t loop_now_ns(void);
/*
 * The clock the load counters read, for tests (NULL: the default, the TSC in
 * nanoseconds where the kernel's clocksource is the TSC, else loop_now_ns;
 * only differences of its readings mean anything). A polling
 * loop reads it once per pass (at the pass's end, which is where the next
 * starts), plus once at the start of a pass that follows a yield or a wait.
 */
void loop_set_clock(struct loop *l, uint64_t (*clock)(void));

#endif
