/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The control socket: JSON lines in, JSON lines out, bad requests answered, never fatal. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

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

int main(void)
{
	log_set_level(LOG_LVL_ERR);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ctl),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
