/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "core/loop.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"

#define LOOP_MAX_EVENTS 64
#define LOOP_POLL_FD_NS 20000u /* fd latency bound of a polling loop */
#define LOOP_POLL_YIELD_PASSES 64u /* idle polling passes between two sched_yield() */

struct loop_fd {
	int fd;
	loop_fd_cb cb;
	void *arg;
	bool dead;
	struct loop_fd *next_dead;
};

struct poll_hook {
	loop_poll_cb cb;
	void *arg;
};

struct loop {
	int epfd;
	int wakefd;
	atomic_bool stop;
	bool dispatching;
	struct loop_fd *dead; /* handles freed after the current dispatch */
	struct poll_hook polls[LOOP_POLL_HOOKS_MAX];
	unsigned npolls;
	struct loop_stats stats;
	uint64_t last_ns;     /* the clock at the end of the previous pass */
	bool slept;           /* the thread slept or yielded since last_ns */
	uint64_t last_fd_ns;  /* when a polling loop last looked at its fds */
	unsigned idle_passes; /* polling passes without work since the last busy one */
	uint64_t (*clock)(void);
};

void loop_get_stats(const struct loop *l, struct loop_stats *st)
{
	*st = l->stats;
}

uint64_t loop_iteration(const struct loop *l)
{
	return l->stats.iterations;
}

uint64_t loop_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/*
 * The load counters' clock: the TSC scaled to nanoseconds where the kernel
 * keeps time with it (its clocksource is "tsc": constant and synchronised
 * across CPUs), since a polling loop reads it every pass and clock_gettime
 * costs more than twice a bare rdtsc there (20 against 8.5 ns, 83 against
 * 35 ns under load, on the benchmark machine, a VM); else CLOCK_MONOTONIC. Scaled by a factor measured
 * once per process against CLOCK_MONOTONIC over LOOP_TSC_CAL_NS.
 */
#define LOOP_TSC_CAL_NS 2000000ull

#if defined(__x86_64__)
#include <x86intrin.h>

static pthread_once_t tsc_once = PTHREAD_ONCE_INIT;
static uint64_t tsc_mult; /* ns per cycle << 32; 0: no TSC clock */
static uint64_t tsc_base;

static void tsc_calibrate(void)
{
	char cs[16] = "";
	FILE *f = fopen("/sys/devices/system/clocksource/clocksource0/current_clocksource", "r");
	uint64_t ns0, ns1, c0, c1;

	if (f) {
		if (!fgets(cs, sizeof(cs), f))
			cs[0] = '\0';
		fclose(f);
	}
	if (strcmp(cs, "tsc\n"))
		return;
	ns0 = loop_now_ns();
	c0 = __rdtsc();
	do
		ns1 = loop_now_ns();
	while (ns1 - ns0 < LOOP_TSC_CAL_NS);
	c1 = __rdtsc();
	if (c1 <= c0)
		return;
	tsc_base = c0;
	tsc_mult = (uint64_t)(((unsigned __int128)(ns1 - ns0) << 32) / (c1 - c0));
}

static uint64_t loop_clock_tsc(void)
{
	return (uint64_t)(((unsigned __int128)(__rdtsc() - tsc_base) * tsc_mult) >> 32);
}

/* The clock a new loop's counters use. */
static uint64_t (*default_clock(void))(void)
{
	pthread_once(&tsc_once, tsc_calibrate);
	return tsc_mult ? loop_clock_tsc : loop_now_ns;
}
#else
static uint64_t (*default_clock(void))(void)
{
	return loop_now_ns;
}
#endif

struct loop *loop_create(void)
{
	struct loop *l = calloc(1, sizeof(*l));
	if (!l)
		return NULL;
	l->clock = default_clock();
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	l->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (l->epfd < 0 || l->wakefd < 0)
		goto fail;
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, l->wakefd, &ev) < 0)
		goto fail;
	return l;
fail:
	if (l->epfd >= 0)
		close(l->epfd);
	if (l->wakefd >= 0)
		close(l->wakefd);
	free(l);
	return NULL;
}

static void reap_dead(struct loop *l)
{
	while (l->dead) {
		struct loop_fd *h = l->dead;
		l->dead = h->next_dead;
		free(h);
	}
}

void loop_set_clock(struct loop *l, uint64_t (*clock)(void))
{
	l->clock = clock ? clock : default_clock();
	l->last_ns = 0;
}

void loop_destroy(struct loop *l)
{
	if (!l)
		return;
	reap_dead(l);
	close(l->epfd);
	close(l->wakefd);
	free(l);
}

struct loop_fd *loop_add_fd(struct loop *l, int fd, uint32_t events, loop_fd_cb cb, void *arg)
{
	struct loop_fd *h = calloc(1, sizeof(*h));
	if (!h) {
		errno = ENOMEM;
		return NULL;
	}
	h->fd = fd;
	h->cb = cb;
	h->arg = arg;
	struct epoll_event ev = { .events = events, .data.ptr = h };
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		int e = errno;
		free(h);
		errno = e;
		return NULL;
	}
	return h;
}

int loop_mod_fd(struct loop *l, struct loop_fd *h, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = h };
	return epoll_ctl(l->epfd, EPOLL_CTL_MOD, h->fd, &ev);
}

void loop_del_fd(struct loop *l, struct loop_fd *h)
{
	if (!h || h->dead)
		return;
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, h->fd, NULL);
	h->dead = true;
	if (l->dispatching) {
		h->next_dead = l->dead;
		l->dead = h;
	} else {
		free(h);
	}
}

int loop_add_poll(struct loop *l, loop_poll_cb cb, void *arg)
{
	if (l->npolls >= LOOP_POLL_HOOKS_MAX) {
		errno = ENOSPC;
		return -1;
	}
	l->polls[l->npolls++] = (struct poll_hook){ cb, arg };
	return 0;
}

void loop_del_poll(struct loop *l, loop_poll_cb cb, void *arg)
{
	for (unsigned i = 0; i < l->npolls; i++) {
		if (l->polls[i].cb == cb && l->polls[i].arg == arg) {
			l->polls[i] = l->polls[--l->npolls];
			return;
		}
	}
}

int loop_run_once(struct loop *l, int timeout_ms)
{
	struct epoll_event evs[LOOP_MAX_EVENTS];
	int n;
	bool polling = l->npolls != 0;

	if (polling) {
		/*
		 * Polling: look at the fds at most every LOOP_POLL_FD_NS (epoll_wait
		 * is a syscall, several times the cost of a burst of frames, and
		 * most passes find nothing there). last_ns is the end of the
		 * previous pass: no extra clock read.
		 */
		if (l->last_ns - l->last_fd_ns < LOOP_POLL_FD_NS) {
			n = 0;
			goto dispatch;
		}
		l->last_fd_ns = l->last_ns;
		timeout_ms = 0;
	}
	n = epoll_wait(l->epfd, evs, LOOP_MAX_EVENTS, timeout_ms);
	l->stats.fd_waits++;
	if (timeout_ms != 0)
		l->slept = true;
dispatch:;
	/*
	 * One clock read per pass, at its end: a polling pass starts where the
	 * previous one ended (what lies between is this pass's own epoll_wait
	 * without a timeout). A pass after a sleep or a yield reads the clock
	 * at its start too, so that neither counts as busy.
	 */
	uint64_t t0 = 0;
	bool busy = n > 0;

	if (!polling || l->slept || !l->last_ns) {
		t0 = l->clock();
		l->slept = false;
	} else {
		t0 = l->last_ns;
	}
	if (n < 0) {
		if (errno == EINTR)
			return 0;
		LOG_ERR("loop", "epoll_wait: %s", strerror(errno));
		return -1;
	}
	l->dispatching = true;
	for (int i = 0; i < n; i++) {
		struct loop_fd *h = evs[i].data.ptr;
		if (!h) {
			uint64_t v;
			if (read(l->wakefd, &v, sizeof(v)) < 0) {
				/* nothing: the eventfd is only a wake-up */
			}
			continue;
		}
		if (h->dead)
			continue;
		h->cb(h->arg, evs[i].events);
	}
	for (unsigned i = 0; i < l->npolls; i++)
		busy |= l->polls[i].cb(l->polls[i].arg);
	l->dispatching = false;
	reap_dead(l);
	uint64_t t1 = l->clock();
	l->stats.iterations++;
	if (l->last_ns)
		l->stats.total_ns += t1 - l->last_ns;
	l->last_ns = t1;
	if (busy) {
		l->stats.busy_iterations++;
		l->stats.busy_ns += t1 - t0;
		l->idle_passes = 0;
	} else if (l->npolls && ++l->idle_passes >= LOOP_POLL_YIELD_PASSES) {
		/* Idle polling gives the CPU to whoever else wants it (a vCPU thread). */
		l->idle_passes = 0;
		l->stats.yields++;
		l->slept = true;
		sched_yield();
	}
	return 0;
}

int loop_run(struct loop *l)
{
	while (!atomic_load_explicit(&l->stop, memory_order_acquire)) {
		if (loop_run_once(l, 1000) < 0)
			return -1;
	}
	return 0;
}

void loop_stop(struct loop *l)
{
	uint64_t one = 1;
	atomic_store_explicit(&l->stop, true, memory_order_release);
	if (write(l->wakefd, &one, sizeof(one)) < 0) {
		/* the counter is saturated: the loop is awake anyway */
	}
}

bool loop_stopped(const struct loop *l)
{
	return atomic_load_explicit(&l->stop, memory_order_acquire);
}
