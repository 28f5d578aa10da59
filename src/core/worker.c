/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "core/worker.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "core/log.h"
#include "core/loop.h"

struct call {
	void (*fn)(void *);
	void *arg;
	bool done;
	struct call *next;
};

struct worker {
	char name[32];
	int cpu;
	struct loop *loop;
	pthread_t thread;
	bool running;
	int call_fd;
	struct loop_fd *call_lfd;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct call *calls; /* LIFO is fine: callers wait for their own call */
};

static __thread const struct worker *current_worker;

static void run_calls(struct worker *w)
{
	pthread_mutex_lock(&w->mu);
	while (w->calls) {
		struct call *c = w->calls;
		w->calls = c->next;
		pthread_mutex_unlock(&w->mu);
		c->fn(c->arg);
		pthread_mutex_lock(&w->mu);
		c->done = true;
		pthread_cond_broadcast(&w->cv);
	}
	pthread_mutex_unlock(&w->mu);
}

static void on_call(void *arg, uint32_t events)
{
	struct worker *w = arg;
	uint64_t v;
	if (read(w->call_fd, &v, sizeof(v)) < 0) {
		/* spurious wake-up */
	}
	run_calls(w);
}

struct worker *worker_create(const char *name, int cpu)
{
	struct worker *w = calloc(1, sizeof(*w));
	if (!w)
		return NULL;
	snprintf(w->name, sizeof(w->name), "%s", name);
	w->cpu = cpu;
	w->call_fd = -1;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	w->loop = loop_create();
	if (!w->loop)
		goto fail;
	w->call_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (w->call_fd < 0)
		goto fail;
	w->call_lfd = loop_add_fd(w->loop, w->call_fd, EPOLLIN, on_call, w);
	if (!w->call_lfd)
		goto fail;
	return w;
fail:
	worker_destroy(w);
	return NULL;
}

struct loop *worker_loop(struct worker *w)
{
	return w->loop;
}

const char *worker_name(const struct worker *w)
{
	return w->name;
}

int worker_cpu(const struct worker *w)
{
	return w->cpu;
}

bool worker_is_current(const struct worker *w)
{
	return current_worker == w;
}

static void *thread_main(void *arg)
{
	struct worker *w = arg;
	current_worker = w;
	if (loop_run(w->loop) < 0)
		LOG_ERR("worker", "%s: loop failed", w->name);
	/* Serve calls that raced with the stop so no caller waits forever. */
	run_calls(w);
	return NULL;
}

int worker_start(struct worker *w)
{
	pthread_attr_t attr;
	int r;

	if (w->running)
		return 0;
	pthread_attr_init(&attr);
	if (w->cpu >= 0) {
		if (w->cpu >= CPU_SETSIZE) {
			pthread_attr_destroy(&attr);
			return -EINVAL;
		}
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(w->cpu, &set);
		pthread_attr_setaffinity_np(&attr, sizeof(set), &set);
	}
	r = pthread_create(&w->thread, &attr, thread_main, w);
	pthread_attr_destroy(&attr);
	if (r)
		return -r;
	pthread_setname_np(w->thread, w->name);
	w->running = true;
	return 0;
}

void worker_stop(struct worker *w)
{
	if (!w->running)
		return;
	loop_stop(w->loop);
	pthread_join(w->thread, NULL);
	w->running = false;
}

void worker_destroy(struct worker *w)
{
	if (!w)
		return;
	worker_stop(w);
	if (w->call_lfd)
		loop_del_fd(w->loop, w->call_lfd);
	if (w->call_fd >= 0)
		close(w->call_fd);
	loop_destroy(w->loop);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv);
	free(w);
}

void worker_call(struct worker *w, void (*fn)(void *arg), void *arg)
{
	pthread_mutex_lock(&w->mu);
	bool running = w->running && !loop_stopped(w->loop);
	if (!running) {
		pthread_mutex_unlock(&w->mu);
		fn(arg);
		return;
	}
	struct call c = { .fn = fn, .arg = arg, .next = w->calls };
	w->calls = &c;
	uint64_t one = 1;
	if (write(w->call_fd, &one, sizeof(one)) < 0) {
		/* the counter is saturated: the worker is awake anyway */
	}
	while (!c.done)
		pthread_cond_wait(&w->cv, &w->mu);
	pthread_mutex_unlock(&w->mu);
}
