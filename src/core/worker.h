/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Worker threads. Each worker runs one loop (src/core/loop.h) on its own
 * thread, optionally pinned to a CPU. Everything registered on a worker's loop
 * is owned by that thread. Other threads reach a worker only through
 * worker_call(), which runs a function on the worker's thread at a safe point
 * (between loop iterations) and waits for it: configuration and statistics,
 * never packets.
 */
#ifndef VMUX_CORE_WORKER_H
#define VMUX_CORE_WORKER_H

#include <stdbool.h>
#include <stdint.h>

struct loop;
struct worker;

/* cpu < 0: not pinned. NULL with errno set on failure. */
struct worker *worker_create(const char *name, int cpu);
struct loop *worker_loop(struct worker *w);
const char *worker_name(const struct worker *w);
int worker_cpu(const struct worker *w);

/* Starts the thread; 0 or -errno (e.g. the CPU does not exist). */
int worker_start(struct worker *w);
/* Stops the loop and joins the thread. Idempotent. */
void worker_stop(struct worker *w);
void worker_destroy(struct worker *w);

/*
 * Runs fn(arg) on the worker's thread and returns once it has run. Before
 * worker_start (or after worker_stop) it runs on the caller's thread. Must not
 * be called from the worker's own thread.
 */
void worker_call(struct worker *w, void (*fn)(void *arg), void *arg);
bool worker_is_current(const struct worker *w);

#endif
