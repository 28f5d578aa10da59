/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vmuxctl's output helpers: messages, JSON members, the human text. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "vmuxctl/vmuxctl.h"

void die_usage(const char *fmt, ...)
{
	va_list ap;

	fputs("vmuxctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'vmuxctl --help'.\n", stderr);
	exit(EXIT_USAGE);
}

void err_msg(const char *fmt, ...)
{
	va_list ap;

	fputs("vmuxctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* "4K", "128K", "1M", or bytes. */
const char *human_size(uint64_t v, char *buf, size_t cap)
{
	static const char *const u[] = { "", "K", "M", "G", "T", "P", "E" };
	unsigned i = 0;

	while (v >= 1024 && !(v & 1023) && i < 6) {
		v >>= 10;
		i++;
	}
	snprintf(buf, cap, "%" PRIu64 "%s", v, u[i]);
	return buf;
}

void jadd(json_object *o, const char *k, json_object *v)
{
	json_object_object_add(o, k, v);
}

void jint(json_object *o, const char *k, int64_t v)
{
	jadd(o, k, json_object_new_int64(v));
}

void ju64(json_object *o, const char *k, uint64_t v)
{
	jadd(o, k, json_object_new_uint64(v));
}

void jbool(json_object *o, const char *k, bool v)
{
	jadd(o, k, json_object_new_boolean(v));
}

void jstr(json_object *o, const char *k, const char *v)
{
	jadd(o, k, json_object_new_string(v));
}

void tprintf(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!t)
		return;
	for (;;) {
		size_t room = t->cap - t->len;

		va_start(ap, fmt);
		n = vsnprintf(t->buf ? t->buf + t->len : NULL, t->buf ? room : 0, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if (t->buf && (size_t)n < room) {
			t->len += (size_t)n;
			return;
		}
		size_t ncap = (t->cap ? t->cap * 2 : 1024) + (size_t)n;
		char *nb = realloc(t->buf, ncap);

		if (!nb)
			return;
		t->buf = nb;
		t->cap = ncap;
	}
}
