/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Logging with levels. One line per event on stderr:
 *   "vmux[LEVEL] component: message"
 * Guest- or client-triggered events must use the rate-limited variants so a
 * hostile peer cannot flood the log.
 */
#ifndef VMUX_CORE_LOG_H
#define VMUX_CORE_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum log_level {
	LOG_LVL_ERR = 0,
	LOG_LVL_WARN = 1,
	LOG_LVL_INFO = 2,
	LOG_LVL_DEBUG = 3,
	LOG_LVL_TRACE = 4,
};

extern enum log_level log_level_current;

void log_set_level(enum log_level lvl);
/*
 * Formats an error message for a caller's (err, errlen) buffer, the way
 * functions that fail with a message report it; nothing if err is NULL or
 * errlen 0.
 */
void log_seterr(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Parses "err", "warn", "info", "debug", "trace" (or 0..4); -1 if unknown. */
int log_parse_level(const char *s);
const char *log_level_name(enum log_level lvl);

/*
 * Whether stderr is the systemd journal's stream (JOURNAL_STREAM names it):
 * then lines carry a syslog priority prefix ("<6>") and no timestamp.
 */
bool log_detect_journal(void);
void log_msg(enum log_level lvl, const char *comp, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static inline bool log_enabled(enum log_level lvl)
{
	return lvl <= log_level_current;
}

/*
 * Rate limiter: at most `burst` messages, then one per `interval_ms`; the
 * number suppressed is reported with the next message that passes.
 */
struct log_ratelimit {
	uint64_t window_start_ms;
	uint32_t in_window;
	uint32_t suppressed;
};
bool log_ratelimit_pass(struct log_ratelimit *rl, uint32_t *suppressed_out);

#define LOG_ERR(comp, ...)   log_msg(LOG_LVL_ERR, comp, __VA_ARGS__)
#define LOG_WARN(comp, ...)  log_msg(LOG_LVL_WARN, comp, __VA_ARGS__)
#define LOG_INFO(comp, ...)  log_msg(LOG_LVL_INFO, comp, __VA_ARGS__)
#define LOG_DEBUG(comp, ...) do { if (log_enabled(LOG_LVL_DEBUG)) log_msg(LOG_LVL_DEBUG, comp, __VA_ARGS__); } while (0)
#define LOG_TRACE(comp, ...) do { if (log_enabled(LOG_LVL_TRACE)) log_msg(LOG_LVL_TRACE, comp, __VA_ARGS__); } while (0)

/* Rate-limited log: one static limiter per call site. */
#define LOG_RL(lvl, comp, fmt, ...) do {                                     \
	static struct log_ratelimit rl_;                                     \
	uint32_t sup_;                                                       \
	if (log_enabled(lvl) && log_ratelimit_pass(&rl_, &sup_)) {           \
		if (sup_)                                                    \
			log_msg(lvl, comp, fmt " (%u similar suppressed)",   \
				##__VA_ARGS__, sup_);                        \
		else                                                         \
			log_msg(lvl, comp, fmt, ##__VA_ARGS__);              \
	}                                                                    \
} while (0)

#endif
