/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the transports. The pipe transport (the byte-stream transport
 * of the fuzz targets): message boundaries, the fds modelled per message
 * header, read ahead, EAGAIN and end of stream, from a pipe and from a read
 * function. The socket transport: how long a slow reader can hold a send.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "vfu/proto.h"
#include "vfu/vfu.h"

struct src {
	uint8_t bytes[256];
	size_t off, len;
	bool eof;
	unsigned reads;      /* calls of the read function */
	unsigned headers;    /* calls of the fd provider */
	uint16_t last_id;    /* the header it was given */
};

static ssize_t src_read(void *arg, void *buf, size_t len)
{
	struct src *s = arg;
	s->reads++;
	size_t n = s->len - s->off;
	if (!n) {
		if (s->eof)
			return 0;
		errno = EAGAIN;
		return -1;
	}
	if (n > len)
		n = len;
	memcpy(buf, s->bytes + s->off, n);
	s->off += n;
	return (ssize_t)n;
}

static size_t give_fd(void *arg, const struct vfu_hdr *h, int *fds, size_t max)
{
	struct src *s = arg;
	s->headers++;
	s->last_id = h->id;
	if (max < 1)
		return 0;
	fds[0] = 100 + h->id; /* not opened: only passed along */
	return 1;
}

/* Two messages back to back: id 1 with 8 bytes of body, id 2 header only. */
static size_t two_messages(uint8_t *b)
{
	struct vfu_hdr h1 = { .id = 1, .cmd = 3, .size = 24 }, h2 = { .id = 2, .cmd = 4, .size = 16 };
	memcpy(b, &h1, 16);
	memset(b + 16, 0xab, 8);
	memcpy(b + 24, &h2, 16);
	return 40;
}

/* Reads the two messages from t, whatever the source, checking boundaries and fds. */
static void expect_two_messages(struct vfu_transport *t, struct src *s)
{
	uint8_t buf[4096];
	int fds[4];
	size_t nfds = 4;

	/* The header alone, with its fd. */
	assert_int_equal(t->ops->recv(t, buf, sizeof(buf), fds, &nfds), 16);
	assert_int_equal(nfds, 1);
	assert_int_equal(fds[0], 101);
	assert_int_equal(s->last_id, 1);
	/* The body up to the message's end, no fds. */
	nfds = 4;
	assert_int_equal(t->ops->recv(t, buf, sizeof(buf), fds, &nfds), 8);
	assert_int_equal(nfds, 0);
	assert_int_equal(buf[7], 0xab);
	/* A header split across two reads: the fd comes with its last byte. */
	nfds = 4;
	assert_int_equal(t->ops->recv(t, buf, 10, fds, &nfds), 10);
	assert_int_equal(nfds, 0);
	nfds = 4;
	assert_int_equal(t->ops->recv(t, buf, sizeof(buf), fds, &nfds), 6);
	assert_int_equal(nfds, 1);
	assert_int_equal(fds[0], 102);
	assert_int_equal(s->headers, 2);
}

static void test_read_fn(void **state)
{
	struct src s = { 0 };
	uint8_t buf[64];
	int fds[4];
	size_t nfds = 4;

	s.len = two_messages(s.bytes);
	struct vfu_transport *t = vfu_transport_pipe_fn(src_read, -1, give_fd, &s);
	assert_non_null(t);
	assert_int_equal(t->ops->poll_fd(t), -1);
	expect_two_messages(t, &s);
	/* Read ahead: the whole stream came with one call. */
	assert_int_equal(s.reads, 1);
	assert_int_equal(t->ops->recv(t, buf, sizeof(buf), fds, &nfds), -EAGAIN);
	s.eof = true;
	assert_int_equal(t->ops->recv(t, buf, sizeof(buf), fds, &nfds), 0);
	/* Replies are discarded (out_fd -1) but count as sent. */
	struct iovec iov = { .iov_base = buf, .iov_len = 20 };
	assert_int_equal(t->ops->send(t, &iov, 1, NULL, 0), 20);
	t->ops->close(t);
	assert_null(vfu_transport_pipe_fn(NULL, -1, NULL, NULL));
}

static void test_pipe_fd(void **state)
{
	struct src s = { 0 };
	uint8_t bytes[64], buf[64];
	int p[2], fds[4];
	size_t nfds = 4;

	assert_int_equal(pipe2(p, O_NONBLOCK | O_CLOEXEC), 0);
	size_t n = two_messages(bytes);
	assert_int_equal(write(p[1], bytes, n), (ssize_t)n);
	struct vfu_transport *t = vfu_transport_pipe(p[0], -1, give_fd, &s);
	assert_non_null(t);
	assert_int_equal(t->ops->poll_fd(t), p[0]);
	expect_two_messages(t, &s);
	assert_int_equal(t->ops->recv(t, buf, sizeof(buf), fds, &nfds), -EAGAIN);
	close(p[1]);
	assert_int_equal(t->ops->recv(t, buf, sizeof(buf), fds, &nfds), 0);
	t->ops->close(t);
	close(p[0]);
}

static int64_t now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/*
 * Each send may wait 10 ms for the client to read, but not reply after
 * reply: sends may wait 20 ms within a second in all, then fail at once (the
 * server drops the client). Otherwise a client that drains its socket just
 * in time holds the thread up to 10 ms per reply, for ever. Here nobody
 * reads: two sends wait 10 ms each, the third fails without waiting.
 */
static void test_send_budget(void **state)
{
	int sv[2], small = 4096;
	char fill[1024];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	assert_int_equal(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small)), 0);
	memset(fill, 'x', sizeof(fill));
	while (send(sv[0], fill, sizeof(fill), MSG_DONTWAIT) > 0)
		;
	struct vfu_transport *t = vfu_transport_socket(sv[0]);
	assert_non_null(t);
	struct iovec iov = { .iov_base = fill, .iov_len = sizeof(fill) };

	int64_t t0 = now_ms();
	assert_int_equal(t->ops->send(t, &iov, 1, NULL, 0), -ETIMEDOUT);
	assert_int_equal(t->ops->send(t, &iov, 1, NULL, 0), -ETIMEDOUT);
	int64_t t1 = now_ms();
	assert_int_equal(t->ops->send(t, &iov, 1, NULL, 0), -ETIMEDOUT);
	int64_t t2 = now_ms();
	assert_true(t1 - t0 >= 19);
	assert_true(t2 - t1 < 5);
	t->ops->close(t);
	close(sv[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_fn),
		cmocka_unit_test(test_pipe_fd),
		cmocka_unit_test(test_send_budget),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
