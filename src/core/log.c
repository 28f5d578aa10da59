/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "core/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

enum log_level log_level_current = LOG_LVL_INFO;
static bool to_journal;

bool log_detect_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	to_journal = js && sscanf(js, "%llu:%llu", &dev, &ino) == 2 && fstat(2, &st) == 0 &&
		     (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
	return to_journal;
}

static const char *const level_names[] = { "err", "warn", "info", "debug", "trace" };

void log_set_level(enum log_level lvl)
{
	if (lvl > LOG_LVL_TRACE)
		lvl = LOG_LVL_TRACE;
	log_level_current = lvl;
}

int log_parse_level(const char *s)
{
	for (int i = 0; i <= LOG_LVL_TRACE; i++)
		if (strcmp(s, level_names[i]) == 0)
			return i;
	if (s[0] >= '0' && s[0] <= '4' && s[1] == '\0')
		return s[0] - '0';
	return -1;
}

const char *log_level_name(enum log_level lvl)
{
	return lvl <= LOG_LVL_TRACE ? level_names[lvl] : "?";
}

void log_msg(enum log_level lvl, const char *comp, const char *fmt, ...)
{
	char buf[1024];
	struct timespec ts;
	va_list ap;
	int n;

	if (lvl > log_level_current)
		return;
	if (to_journal) {
		/* The journal stamps lines itself and reads the priority from "<N>". */
		static const int prio[] = { 3, 4, 6, 7, 7 };
		n = snprintf(buf, sizeof(buf), "<%d>%s: ", prio[lvl <= LOG_LVL_TRACE ? lvl : 4],
			     comp ? comp : "-");
	} else {
		clock_gettime(CLOCK_REALTIME, &ts);
		struct tm tm;
		localtime_r(&ts.tv_sec, &tm);
		n = snprintf(buf, sizeof(buf), "%02d:%02d:%02d.%03ld vmux[%s] %s: ", tm.tm_hour,
			     tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000, log_level_name(lvl),
			     comp ? comp : "-");
	}
	if (n < 0 || (size_t)n >= sizeof(buf))
		n = 0;
	va_start(ap, fmt);
	vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	va_end(ap);
	/* One write per line so lines from several threads do not interleave. */
	size_t len = strnlen(buf, sizeof(buf) - 2);
	buf[len++] = '\n';
	fwrite(buf, 1, len, stderr);
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

bool log_ratelimit_pass(struct log_ratelimit *rl, uint32_t *suppressed_out)
{
	const uint64_t interval_ms = 5000;
	const uint32_t burst = 10;
	uint64_t now = now_ms();

	*suppressed_out = 0;
	if (now - rl->window_start_ms >= interval_ms) {
		rl->window_start_ms = now;
		rl->in_window = 0;
	}
	if (rl->in_window < burst) {
		rl->in_window++;
		*suppressed_out = rl->suppressed;
		rl->suppressed = 0;
		return true;
	}
	rl->suppressed++;
	return false;
}

void log_seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}
