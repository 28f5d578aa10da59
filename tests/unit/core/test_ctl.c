/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The control socket: JSON lines in, JSON lines out, bad requests answered, never fatal. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/accept.h"
#include "core/ctl.h"
#include "core/log.h"
#include "core/loop.h"

static int echo(void *arg, struct json_object *req, struct json_object **res, const char **err)
{
	struct json_object *v;
	if (!json_object_object_get_ex(req, "v", &v)) {
		*err = "missing v";
		return -EINVAL;
	}
	*res = json_object_get(v);
	(*(int *)arg)++;
	return 0;
}

static int big(void *arg, struct json_object *req, struct json_object **res, const char **err)
{
	size_t n = *(size_t *)arg;
	char *s = malloc(n + 1);
	memset(s, 'b', n);
	s[n] = '\0';
	*res = json_object_new_string(s);
	free(s);
	return 0;
}

static char *roundtrip(struct loop *l, int fd, const char *line)
{
	static char buf[8192];
	assert_int_equal(send(fd, line, strlen(line), 0), (ssize_t)strlen(line));
	size_t len = 0;
	for (int i = 0; i < 100 && !memchr(buf, '\n', len); i++) {
		loop_run_once(l, 10);
		ssize_t n = recv(fd, buf + len, sizeof(buf) - 1 - len, MSG_DONTWAIT);
		if (n > 0)
			len += (size_t)n;
	}
	buf[len] = '\0';
	return buf;
}

/* A control socket in a fresh directory, on its own loop. */
struct fix {
	char path[32];
	char sock[128];
	struct loop *l;
	struct ctl *c;
	struct sockaddr_un sa;
};

static void fix_open(struct fix *f)
{
	char err[128];

	snprintf(f->path, sizeof(f->path), "/tmp/vmux-test-ctl-XXXXXX");
	assert_non_null(mkdtemp(f->path));
	snprintf(f->sock, sizeof(f->sock), "%s/ctl.sock", f->path);
	f->l = loop_create();
	f->c = ctl_create(f->l, f->sock, err, sizeof(err));
	assert_non_null(f->c);
	f->sa = (struct sockaddr_un){ .sun_family = AF_UNIX };
	strcpy(f->sa.sun_path, f->sock);
}

static int fix_connect(struct fix *f)
{
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	assert_int_equal(connect(fd, (struct sockaddr *)&f->sa, sizeof(f->sa)), 0);
	return fd;
}

static void fix_close(struct fix *f)
{
	ctl_destroy(f->c);
	loop_destroy(f->l);
	rmdir(f->path);
}

static void test_ctl(void **state)
{
	char path[] = "/tmp/vmux-test-ctl-XXXXXX";
	char err[128];
	int calls = 0;
	assert_non_null(mkdtemp(path));
	char sock[128];
	snprintf(sock, sizeof(sock), "%s/ctl.sock", path);
	struct loop *l = loop_create();
	struct ctl *c = ctl_create(l, sock, err, sizeof(err));
	assert_non_null(c);
	struct stat st;
	assert_int_equal(stat(sock, &st), 0);
	assert_int_equal(st.st_mode & 077, 0); /* admin only */
	assert_int_equal(ctl_register(c, "echo", "echo v", echo, &calls), 0);
	/* a second control socket on the same path is refused */
	assert_null(ctl_create(l, sock, err, sizeof(err)));
	assert_non_null(strstr(err, "in use"));

	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	strcpy(sa.sun_path, sock);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_non_null(strstr(roundtrip(l, fd, "{\"cmd\":\"echo\",\"v\":[1,2]}\n"),
			       "\"ok\":true,\"result\":[1,2]"));
	assert_non_null(strstr(roundtrip(l, fd, "{\"cmd\":\"echo\"}\n"), "missing v"));
	assert_non_null(strstr(roundtrip(l, fd, "{\"cmd\":\"nope\"}\n"), "unknown command"));
	assert_non_null(strstr(roundtrip(l, fd, "not json\n"), "\"ok\":false"));
	assert_non_null(strstr(roundtrip(l, fd, "[\"cmd\"]\n"), "\"ok\":false"));
	assert_non_null(strstr(roundtrip(l, fd, "{\"cmd\":\"help\"}\n"), "\"echo\":\"echo v\""));
	assert_int_equal(calls, 1);
	/* an endless line gets the connection closed, not the server */
	char big[5000];
	memset(big, 'x', sizeof(big));
	send(fd, big, sizeof(big), MSG_NOSIGNAL);
	for (int i = 0; i < 10; i++)
		loop_run_once(l, 10);
	close(fd);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_non_null(strstr(roundtrip(l, fd, "{\"cmd\":\"echo\",\"v\":3}\n"), "\"result\":3"));
	close(fd);
	ctl_destroy(c);
	assert_int_equal(stat(sock, &st), -1); /* removed */
	loop_destroy(l);
	rmdir(path);
}

/*
 * A reply far larger than the socket buffer arrives whole, even when the
 * client reads it late, and the loop never blocks on it meanwhile.
 */
static void test_ctl_big_reply(void **state)
{
	struct fix f;
	size_t n = 4u << 20;
	fix_open(&f);
	struct loop *l = f.l;
	assert_int_equal(ctl_register(f.c, "big", "a big reply", big, &n), 0);

	int fd = fix_connect(&f);
	const char *req = "{\"cmd\":\"big\"}\n{\"cmd\":\"help\"}\n";
	assert_int_equal(send(fd, req, strlen(req), 0), (ssize_t)strlen(req));
	/* The server handles both requests before we read a byte. */
	for (int i = 0; i < 20; i++)
		loop_run_once(l, 5);
	size_t cap = n + 4096, len = 0, lines = 0;
	char *buf = malloc(cap);
	for (int i = 0; i < 20000 && lines < 2; i++) {
		loop_run_once(l, 0);
		ssize_t r = recv(fd, buf + len, cap - len, MSG_DONTWAIT);
		if (r > 0) {
			for (ssize_t k = 0; k < r; k++)
				lines += buf[len + (size_t)k] == '\n';
			len += (size_t)r;
		}
	}
	assert_int_equal(lines, 2);
	buf[len - 1] = '\0';
	char *nl = strchr(buf, '\n');
	assert_non_null(nl);
	*nl = '\0';
	struct json_object *o = json_tokener_parse(buf);
	struct json_object *res;
	assert_non_null(o);
	assert_true(json_object_object_get_ex(o, "result", &res));
	assert_int_equal(json_object_get_string_len(res), n);
	assert_non_null(strstr(nl + 1, "\"big\":\"a big reply\""));
	json_object_put(o);
	free(buf);
	close(fd);
	fix_close(&f);
}

/*
 * A client that shuts down its sending side after its request (`nc -U`,
 * socat, `printf ... |`) still gets its replies, a big one included, and a
 * last request without its newline is still answered; then the server closes.
 */
static void test_ctl_half_close(void **state)
{
	struct fix f;
	size_t n = 2u << 20;
	int calls = 0;
	fix_open(&f);
	struct loop *l = f.l;
	assert_int_equal(ctl_register(f.c, "big", "a big reply", big, &n), 0);
	assert_int_equal(ctl_register(f.c, "echo", "echo v", echo, &calls), 0);

	for (int round = 0; round < 2; round++) {
		const char *req = round == 0 ? "{\"cmd\":\"big\"}\n{\"cmd\":\"echo\",\"v\":7}"
					     : "{\"cmd\":\"echo\",\"v\":8}";
		int fd = fix_connect(&f);
		assert_int_equal(send(fd, req, strlen(req), 0), (ssize_t)strlen(req));
		assert_int_equal(shutdown(fd, SHUT_WR), 0);
		size_t cap = n + 4096, len = 0;
		char *buf = malloc(cap);
		bool closed = false;
		for (int i = 0; i < 20000 && !closed; i++) {
			loop_run_once(l, 1);
			ssize_t r = recv(fd, buf + len, cap - 1 - len, MSG_DONTWAIT);
			if (r > 0)
				len += (size_t)r;
			closed = r == 0;
		}
		assert_true(closed);
		buf[len] = '\0';
		if (round == 0) {
			assert_true(len > n);
			assert_non_null(strstr(buf + n, "\"result\":7"));
		} else {
			assert_non_null(strstr(buf, "\"result\":8"));
		}
		free(buf);
		close(fd);
	}
	assert_int_equal(calls, 2);
	fix_close(&f);
}

/*
 * Out of descriptors, a pending connection is taken with the reserve and
 * closed: the client sees the close, and the listener stops reporting it
 * (without the reserve it stays readable and the loop spins).
 */
static void test_ctl_out_of_fds(void **state)
{
	struct fix f;
	struct rlimit old, lim;
	int calls = 0, fd, held[64], nheld = 0;
	char b;
	fix_open(&f);
	assert_int_equal(ctl_register(f.c, "echo", "echo v", echo, &calls), 0);
	assert_int_equal(accept_reserve_init(), 0);

	fd = fix_connect(&f);
	/* Use up every descriptor the limit leaves. */
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	lim = old;
	int d0 = open("/dev/null", O_RDONLY | O_CLOEXEC);
	assert_true(d0 >= 0);
	lim.rlim_cur = (rlim_t)d0 + 1;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &lim), 0);
	held[nheld++] = d0;
	for (int d; nheld < 64 && (d = dup(d0)) >= 0;)
		held[nheld++] = d;
	assert_int_equal(errno, EMFILE);

	bool eof = false;
	for (int i = 0; i < 100 && !eof; i++) {
		loop_run_once(f.l, 10);
		eof = recv(fd, &b, 1, MSG_DONTWAIT) == 0;
	}
	assert_true(eof);
	/* Nothing left to report: passes of the loop find no work. */
	struct loop_stats st0, st1;
	loop_get_stats(f.l, &st0);
	for (int i = 0; i < 10; i++)
		loop_run_once(f.l, 0);
	loop_get_stats(f.l, &st1);
	assert_int_equal(st1.busy_iterations, st0.busy_iterations);
	close(fd);

	/* Descriptors back: served again. */
	while (nheld)
		close(held[--nheld]);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
	fd = fix_connect(&f);
	assert_non_null(strstr(roundtrip(f.l, fd, "{\"cmd\":\"echo\",\"v\":5}\n"), "\"result\":5"));
	close(fd);
	accept_reserve_fini();
	fix_close(&f);
}

int main(void)
{
	log_set_level(LOG_LVL_ERR);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ctl),
		cmocka_unit_test(test_ctl_big_reply),
		cmocka_unit_test(test_ctl_half_close),
		cmocka_unit_test(test_ctl_out_of_fds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
