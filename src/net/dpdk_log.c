/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * DPDK's log into vmux's (core/log.h): one stream the EAL and the drivers
 * write to (rte_openlog_stream, before rte_eal_init), each line passed on
 * with the level of its message (rte_log_cur_msg_loglevel) and the component
 * "dpdk". Without it DPDK 22.11 writes each message to stderr and to syslog:
 * lines without vmux's format or level filter, and under systemd every one
 * twice in the journal.
 *
 * Once the EAL is up (dpdk_log_started), warnings and errors go through a
 * rate limiter: a driver that complains for every frame (af_packet did, for
 * each tag it could not put back) cannot flood the log. The first error line
 * since dpdk_log_mark is kept, for the message of a call that failed: the
 * EAL and the drivers say why there, vmux knows only an errno.
 *
 * The stream's write function runs under the FILE's lock (stdio); the
 * functions below take that lock too, so the state is never read while
 * another thread (the EAL's interrupt thread, a lane) writes it.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include <rte_log.h>

#include "core/log.h"
#include "net/dpdk_priv.h"

static FILE *stream;
static bool started;
static char first_err[200];

static enum log_level level_of(int rte_level)
{
	if (rte_level <= (int)RTE_LOG_ERR)
		return LOG_LVL_ERR;
	if (rte_level == (int)RTE_LOG_WARNING)
		return LOG_LVL_WARN;
	if (rte_level <= (int)RTE_LOG_INFO)
		return LOG_LVL_INFO;
	return LOG_LVL_DEBUG;
}

static void line(enum log_level lvl, const char *s, size_t n)
{
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		n--;
	if (n == 0)
		return;
	if (lvl == LOG_LVL_ERR && !first_err[0])
		snprintf(first_err, sizeof(first_err), "%.*s", (int)n, s);
	if (started && lvl <= LOG_LVL_WARN)
		LOG_RL(lvl, "dpdk", "%.*s", (int)n, s);
	else if (log_enabled(lvl))
		log_msg(lvl, "dpdk", "%.*s", (int)n, s);
}

static ssize_t stream_write(void *cookie, const char *buf, size_t size)
{
	enum log_level lvl = level_of(rte_log_cur_msg_loglevel());
	size_t off = 0;

	(void)cookie;
	while (off < size) {
		const char *nl = memchr(buf + off, '\n', size - off);
		size_t n = nl ? (size_t)(nl - (buf + off)) : size - off;

		line(lvl, buf + off, n);
		off += n + (nl ? 1u : 0u);
	}
	return (ssize_t)size;
}

int dpdk_log_open(void)
{
	static const cookie_io_functions_t fns = { .write = stream_write };

	if (stream)
		return 0;
	stream = fopencookie(NULL, "w", fns);
	if (!stream)
		return -1;
	/* Line-buffered: a message reaches stream_write whole (rte_log flushes it too). */
	setvbuf(stream, NULL, _IOLBF, 1024);
	return rte_openlog_stream(stream);
}

void dpdk_log_started(bool on)
{
	if (stream)
		flockfile(stream);
	started = on;
	if (stream)
		funlockfile(stream);
}

void dpdk_log_mark(void)
{
	if (stream)
		flockfile(stream);
	first_err[0] = '\0';
	if (stream)
		funlockfile(stream);
}

/* A copy per thread: the line may be replaced once the lock is let go. */
const char *dpdk_log_first_err(void)
{
	static _Thread_local char copy[sizeof(first_err)];

	if (stream)
		flockfile(stream);
	memcpy(copy, first_err, sizeof(copy));
	if (stream)
		funlockfile(stream);
	return copy;
}
