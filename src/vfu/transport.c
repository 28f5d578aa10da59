/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vfio-user transports: a UNIX stream socket, and a byte pipe for fuzzing and replay. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "vfu/vfu.h"

/* fds accepted per recvmsg(); anything beyond is truncated by the kernel and refused. */
#define SOCK_MAX_FDS 32
/*
 * Bound on how long a send may wait, in all, for a client that does not read
 * its replies. The wait holds up every device on the same thread, so it is
 * short: a VMM waits for each reply it asked for and never has more than a
 * few outstanding, so its socket buffer (hundreds of replies) is never full;
 * one that lets it fill up is not reading and is dropped.
 */
#define SEND_TIMEOUT_MS 10
/*
 * And over time: a client that reads just enough, just in time, would
 * otherwise hold its thread up to SEND_TIMEOUT_MS per reply, reply after
 * reply. It may make sends wait SEND_BUDGET_MS per SEND_WINDOW_MS in all;
 * past that a send fails at once and the client is dropped.
 */
#define SEND_BUDGET_MS 20
#define SEND_WINDOW_MS 1000

struct sock_transport {
	struct vfu_transport t;
	int fd;
	int64_t window_ms;  /* start of the current window */
	int64_t waited_ms;  /* sends waited this long in it */
};

static int64_t mono_ms(void)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

static void close_fds(const int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

static ssize_t sock_recv(struct vfu_transport *t, void *buf, size_t len, int *fds, size_t *nfds)
{
	struct sock_transport *s = (struct sock_transport *)t;
	union {
		char buf[CMSG_SPACE(sizeof(int) * SOCK_MAX_FDS)];
		struct cmsghdr align;
	} cbuf;
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = cbuf.buf,
		.msg_controllen = sizeof(cbuf.buf),
	};
	size_t cap = *nfds, got = 0;
	bool overflow = false;

	*nfds = 0;
	ssize_t n = recvmsg(s->fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;

	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		int tmp[SOCK_MAX_FDS];
		if (k > SOCK_MAX_FDS)
			k = SOCK_MAX_FDS;
		memcpy(tmp, CMSG_DATA(c), k * sizeof(int));
		for (size_t i = 0; i < k; i++) {
			if (got < cap)
				fds[got++] = tmp[i];
			else {
				close(tmp[i]);
				overflow = true;
			}
		}
	}
	*nfds = got;
	if (overflow || (msg.msg_flags & MSG_CTRUNC)) {
		close_fds(fds, got);
		*nfds = VFU_FDS_OVERFLOW;
	}
	return n;
}

static int wait_writable(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	int r = poll(&p, 1, timeout_ms);
	if (r < 0)
		return errno == EINTR ? 0 : -errno;
	if (r == 0)
		return -ETIMEDOUT;
	if (p.revents & (POLLERR | POLLHUP))
		return -EPIPE;
	return 0;
}

static ssize_t sock_send(struct vfu_transport *t, const struct iovec *iov, int iovcnt,
			 const int *fds, size_t nfds)
{
	struct sock_transport *s = (struct sock_transport *)t;
	struct iovec v[8];
	size_t total = 0, sent = 0;
	union {
		char buf[CMSG_SPACE(sizeof(int) * SOCK_MAX_FDS)];
		struct cmsghdr align;
	} cbuf;

	if (iovcnt <= 0 || iovcnt > 8 || nfds > SOCK_MAX_FDS)
		return -EINVAL;
	memcpy(v, iov, sizeof(*iov) * (size_t)iovcnt);
	for (int i = 0; i < iovcnt; i++)
		total += iov[i].iov_len;

	int idx = 0;
	int64_t deadline_ms = -1;
	while (sent < total) {
		struct msghdr msg = { .msg_iov = &v[idx], .msg_iovlen = (size_t)(iovcnt - idx) };
		if (sent == 0 && nfds) {
			memset(&cbuf, 0, sizeof(cbuf));
			msg.msg_control = cbuf.buf;
			msg.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
			struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
			c->cmsg_level = SOL_SOCKET;
			c->cmsg_type = SCM_RIGHTS;
			c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
			memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
		}
		ssize_t n = sendmsg(s->fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				return -errno;
			/* A client that does not read its replies gets a bounded wait, then dropped. */
			int64_t now_ms = mono_ms();
			if (now_ms - s->window_ms >= SEND_WINDOW_MS) {
				s->window_ms = now_ms;
				s->waited_ms = 0;
			}
			if (deadline_ms < 0) {
				int64_t left = SEND_BUDGET_MS - s->waited_ms;
				deadline_ms = now_ms + (left < SEND_TIMEOUT_MS ? left : SEND_TIMEOUT_MS);
			}
			if (now_ms >= deadline_ms)
				return -ETIMEDOUT;
			int r = wait_writable(s->fd, (int)(deadline_ms - now_ms));
			s->waited_ms += mono_ms() - now_ms;
			if (r < 0)
				return r;
			continue;
		}
		sent += (size_t)n;
		/* Advance the iovec past what was sent. */
		size_t k = (size_t)n;
		while (idx < iovcnt && k >= v[idx].iov_len) {
			k -= v[idx].iov_len;
			idx++;
		}
		if (idx < iovcnt) {
			v[idx].iov_base = (char *)v[idx].iov_base + k;
			v[idx].iov_len -= k;
		}
	}
	return (ssize_t)sent;
}

static int sock_poll_fd(struct vfu_transport *t)
{
	return ((struct sock_transport *)t)->fd;
}

static void sock_close(struct vfu_transport *t)
{
	struct sock_transport *s = (struct sock_transport *)t;
	close(s->fd);
	free(s);
}

static const struct vfu_transport_ops sock_ops = {
	.recv = sock_recv,
	.send = sock_send,
	.poll_fd = sock_poll_fd,
	.close = sock_close,
};

struct vfu_transport *vfu_transport_socket(int fd)
{
	struct sock_transport *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->t.ops = &sock_ops;
	s->fd = fd;
	return &s->t;
}

/* ---- pipe transport ---------------------------------------------------- */

struct pipe_transport {
	struct vfu_transport t;
	int in_fd, out_fd;
	vfu_pipe_reader read_fn; /* instead of in_fd, if set */
	vfu_pipe_fd_provider get_fds;
	void *arg;
	/* Bytes of the current message's header seen so far, to know when one starts. */
	uint8_t hdr[sizeof(struct vfu_hdr)];
	size_t hdr_got;
	uint64_t msg_left; /* bytes of the current message still to come after its header */
	/* Read ahead: one read() takes what the pipe has, buf[off, len) is not handed out yet. */
	size_t off, len;
	uint8_t buf[4096];
};

static ssize_t pipe_recv(struct vfu_transport *t, void *buf, size_t len, int *fds, size_t *nfds)
{
	struct pipe_transport *p = (struct pipe_transport *)t;
	size_t cap = *nfds;

	*nfds = 0;
	/*
	 * Hand out exactly up to the end of the current header or message so that
	 * fds can be attached when a header completes.
	 */
	if (p->msg_left == 0 && p->hdr_got < sizeof(p->hdr)) {
		if (len > sizeof(p->hdr) - p->hdr_got)
			len = sizeof(p->hdr) - p->hdr_got;
	} else if (len > p->msg_left) {
		len = (size_t)p->msg_left;
	}
	if (p->off == p->len) {
		ssize_t r = p->read_fn ? p->read_fn(p->arg, p->buf, sizeof(p->buf))
				       : read(p->in_fd, p->buf, sizeof(p->buf));
		if (r < 0)
			return errno == EWOULDBLOCK ? -EAGAIN : -errno;
		if (r == 0)
			return 0;
		p->off = 0;
		p->len = (size_t)r;
	}
	ssize_t n = (ssize_t)(len < p->len - p->off ? len : p->len - p->off);
	memcpy(buf, p->buf + p->off, (size_t)n);
	p->off += (size_t)n;
	if (p->msg_left == 0 && p->hdr_got < sizeof(p->hdr)) {
		memcpy(p->hdr + p->hdr_got, buf, (size_t)n);
		p->hdr_got += (size_t)n;
		if (p->hdr_got == sizeof(p->hdr)) {
			struct vfu_hdr h;
			memcpy(&h, p->hdr, sizeof(h));
			p->msg_left = h.size > sizeof(h) ? h.size - sizeof(h) : 0;
			if (p->msg_left == 0)
				p->hdr_got = 0;
			if (p->get_fds)
				*nfds = p->get_fds(p->arg, &h, fds, cap);
		}
	} else {
		p->msg_left -= (uint64_t)n;
		if (p->msg_left == 0)
			p->hdr_got = 0;
	}
	return n;
}

static ssize_t pipe_send(struct vfu_transport *t, const struct iovec *iov, int iovcnt,
			 const int *fds, size_t nfds)
{
	struct pipe_transport *p = (struct pipe_transport *)t;
	size_t total = 0;
	for (int i = 0; i < iovcnt; i++) {
		total += iov[i].iov_len;
		if (p->out_fd < 0)
			continue;
		const char *b = iov[i].iov_base;
		size_t left = iov[i].iov_len;
		while (left) {
			ssize_t n = write(p->out_fd, b, left);
			if (n < 0) {
				if (errno == EINTR)
					continue;
				return -errno;
			}
			b += n;
			left -= (size_t)n;
		}
	}
	(void)fds;
	(void)nfds;
	return (ssize_t)total;
}

static int pipe_poll_fd(struct vfu_transport *t)
{
	return ((struct pipe_transport *)t)->in_fd;
}

static void pipe_close(struct vfu_transport *t)
{
	free(t);
}

static const struct vfu_transport_ops pipe_ops = {
	.recv = pipe_recv,
	.send = pipe_send,
	.poll_fd = pipe_poll_fd,
	.close = pipe_close,
};

struct vfu_transport *vfu_transport_pipe(int in_fd, int out_fd, vfu_pipe_fd_provider get_fds, void *arg)
{
	struct pipe_transport *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->t.ops = &pipe_ops;
	p->in_fd = in_fd;
	p->out_fd = out_fd;
	p->get_fds = get_fds;
	p->arg = arg;
	return &p->t;
}

struct vfu_transport *vfu_transport_pipe_fn(vfu_pipe_reader read_fn, int out_fd,
					    vfu_pipe_fd_provider get_fds, void *arg)
{
	if (!read_fn)
		return NULL;
	struct vfu_transport *t = vfu_transport_pipe(-1, out_fd, get_fds, arg);
	if (t)
		((struct pipe_transport *)t)->read_fn = read_fn;
	return t;
}
