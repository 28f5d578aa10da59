/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The vfu driver of the fuzz targets (fuzz_common.h): feeds chunked inputs
 * through the pipe transport, models the fds that accompany messages.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz_common.h"
#include "vfu/vfu.h"

#define FZ_PAGE 4096u

/*
 * Our transport wraps the pipe transport so that we learn when the server
 * lets the client go (it closes the transport). The pipe transport reads the
 * client's stream from memory (vfu_transport_pipe_fn): a kernel pipe cost a
 * write and a read per chunk, and syscalls were most of the targets' time.
 */
#define STREAM_MAX 65536u /* a chunk's bytes (at most 65535), read before the next */
struct session {
	struct vfu_transport t; /* first: the server sees this */
	struct vfu_transport *inner;
	bool attached;
	bool eof; /* the client closed its end: reads return 0 once drained */
	bool fd_pending;
	uint8_t fd_kind, fd_arg;
	/* The stream not read yet: stream[off, len). */
	size_t off, len;
	/* Stream bytes written, and handed to the server by the transport. */
	uint64_t written, consumed;
	uint8_t stream[STREAM_MAX];
};

static ssize_t stream_read(void *arg, void *buf, size_t len)
{
	struct session *s = arg;
	size_t n = s->len - s->off;
	if (n == 0) {
		if (s->eof)
			return 0;
		errno = EAGAIN;
		return -1;
	}
	if (n > len)
		n = len;
	memcpy(buf, s->stream + s->off, n);
	s->off += n;
	return (ssize_t)n;
}

static ssize_t w_recv(struct vfu_transport *t, void *buf, size_t len, int *fds, size_t *nfds)
{
	struct session *s = (struct session *)t;
	ssize_t n = s->inner->ops->recv(s->inner, buf, len, fds, nfds);
	if (n > 0)
		s->consumed += (uint64_t)n;
	return n;
}

static ssize_t w_send(struct vfu_transport *t, const struct iovec *iov, int iovcnt, const int *fds,
		      size_t nfds)
{
	struct session *s = (struct session *)t;
	return s->inner->ops->send(s->inner, iov, iovcnt, fds, nfds);
}

static int w_poll_fd(struct vfu_transport *t)
{
	struct session *s = (struct session *)t;
	return s->inner->ops->poll_fd(s->inner);
}

static void w_close(struct vfu_transport *t)
{
	struct session *s = (struct session *)t;
	if (!s->attached)
		fz_fatal("transport closed twice");
	s->inner->ops->close(s->inner);
	s->inner = NULL;
	s->attached = false;
}

static const struct vfu_transport_ops wrap_ops = {
	.recv = w_recv,
	.send = w_send,
	.poll_fd = w_poll_fd,
	.close = w_close,
};

/*
 * The guest's view of the memory it hands over: every memfd given with a
 * message is also mapped here, so that an input can write "guest RAM"
 * (descriptors, buffers) whatever the device did with the fd.
 */
#define GUEST_MAX 64
static struct {
	uint8_t *p;
	size_t size;
} guest[GUEST_MAX];
static unsigned nguest;

static bool map_guest; /* hooks->guest_mem of the current run */

static void guest_add(int fd, size_t size)
{
	if (!map_guest || fd < 0 || size == 0 || nguest == GUEST_MAX)
		return;
	void *m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		return;
	guest[nguest].p = m;
	guest[nguest].size = size;
	nguest++;
}

static void guest_clear(void)
{
	for (unsigned i = 0; i < nguest; i++)
		munmap(guest[i].p, guest[i].size);
	nguest = 0;
}

uint8_t *fz_guest_mem(unsigned idx, size_t *size)
{
	if (nguest == 0)
		return NULL;
	/* Counted from the most recent: 0 is the last memfd handed out. */
	idx = nguest - 1 - idx % nguest;
	*size = guest[idx].size;
	return guest[idx].p;
}

static int give(int fd, int *fds, size_t *n)
{
	if (fd < 0)
		return -1;
	fz_fd_track(fd);
	fds[(*n)++] = fd;
	return 0;
}

static size_t provide_fds(void *arg, const struct vfu_hdr *h, int *fds, size_t max)
{
	struct session *s = arg;
	size_t n = 0, want;
	size_t bytes = (size_t)s->fd_arg * FZ_PAGE;
	int p[2], fd;

	(void)h;
	if (!s->fd_pending)
		return 0;
	s->fd_pending = false;
	switch (s->fd_kind) {
	case FZ_FD_MEMFD:
		want = 1;
		break;
	case FZ_FD_EVENTFDS:
		want = 1 + s->fd_arg % 16u;
		break;
	case FZ_FD_MEMFD_EVT:
		want = 2;
		break;
	case FZ_FD_OVERFLOW:
		return VFU_FDS_OVERFLOW;
	case FZ_FD_NONE:
		return 0;
	default:
		want = 1;
		break;
	}
	/* The real socket transport reports overflow when fds do not fit. */
	if (want > max)
		return VFU_FDS_OVERFLOW;

	switch (s->fd_kind) {
	case FZ_FD_MEMFD:
		fd = fz_memfd_untracked(bytes, "fz-guest");
		guest_add(fd, bytes);
		give(fd, fds, &n);
		break;
	case FZ_FD_EVENTFDS:
		for (size_t i = 0; i < want; i++)
			give(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC), fds, &n);
		break;
	case FZ_FD_DEVNULL:
		give(open("/dev/null", O_RDWR | O_CLOEXEC), fds, &n);
		break;
	case FZ_FD_MEMFD_RO:
		fd = fz_memfd_untracked(bytes, "fz-guest-ro");
		if (fd >= 0) {
			char path[64];
			snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
			int ro = open(path, O_RDONLY | O_CLOEXEC);
			close(fd);
			give(ro, fds, &n);
		}
		break;
	case FZ_FD_MEMFD_EVT:
		fd = fz_memfd_untracked(bytes, "fz-guest");
		guest_add(fd, bytes);
		give(fd, fds, &n);
		give(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC), fds, &n);
		break;
	case FZ_FD_PIPE:
		if (pipe2(p, O_CLOEXEC) == 0) {
			close(p[1]);
			give(p[0], fds, &n);
		}
		break;
	}
	return n;
}

static void session_open(struct session *s, struct vfu_ctx *ctx)
{
	s->attached = s->eof = s->fd_pending = false;
	s->off = s->len = 0;
	s->written = s->consumed = 0;
	/*
	 * Replies are discarded (out_fd -1); the server's waits for replies to
	 * its DMA_READ/WRITE end at once (no fd to poll): our client is this
	 * thread, so nothing more can come while it waits, as a timeout would
	 * find.
	 */
	s->inner = vfu_transport_pipe_fn(stream_read, -1, provide_fds, s);
	if (!s->inner)
		fz_fatal("vfu_transport_pipe failed");
	s->t.ops = &wrap_ops;
	int r = vfu_attach(ctx, NULL, &s->t);
	if (r < 0)
		fz_fatal("vfu_attach: %s (a previous client is still attached?)", strerror(-r));
	s->attached = true;
}

/*
 * After a pump, a live client must have had everything it sent read. Counted
 * from the bytes the transport handed over (a FIONREAD per chunk was a
 * syscall, and the fuzzer's time goes into syscalls on this machine).
 */
static void check_drained(struct session *s, const char *when)
{
	if (!s->attached)
		return;
	if (s->consumed != s->written)
		fz_fatal("vfu_pump returned %s with %llu bytes unread while the client is attached",
		      when, (unsigned long long)(s->written - s->consumed));
}

static void feed(struct session *s, const uint8_t *b, size_t n)
{
	if (!n || !s->attached)
		return;
	/* check_drained made sure the previous bytes were read. */
	if (s->off != s->len || n > STREAM_MAX)
		fz_fatal("feed: %zu bytes unread, %zu more", s->len - s->off, n);
	memcpy(s->stream, b, n);
	s->off = 0;
	s->len = n;
	s->written += n;
}

static void session_close(struct session *s, struct vfu_ctx *ctx, size_t bound)
{
	s->eof = true;
	/* Each pump ends at EOF or handles at least one message. */
	for (size_t i = 0; s->attached && i < bound; i++)
		vfu_pump(ctx);
	if (s->attached)
		fz_fatal("client still attached after EOF and %zu pumps", bound);
}

void fz_vfu_run(struct vfu_ctx *ctx, const uint8_t *data, size_t size,
		const struct fz_vfu_hooks *hooks)
{
	static uint8_t buf[65536];
	static struct session s;
	bool open = false;

	map_guest = hooks && hooks->guest_mem;

	while (size >= sizeof(struct fz_chunk_hdr)) {
		struct fz_chunk_hdr h;
		memcpy(&h, data, sizeof(h));
		data += sizeof(h);
		size -= sizeof(h);
		size_t len = h.len < size ? h.len : size;
		memcpy(buf, data, len);
		data += len;
		size -= len;

		if (open && !s.attached) {
			/* The server dropped the client: the next chunk is a new client. */
			session_close(&s, ctx, 1);
			open = false;
		}
		if (!open) {
			session_open(&s, ctx);
			open = true;
		}
		if ((h.ctl & FZ_CTL_FIX_SIZE) && len >= sizeof(struct vfu_hdr)) {
			uint32_t sz = (uint32_t)len;
			memcpy(buf + offsetof(struct vfu_hdr, size), &sz, sizeof(sz));
		}
		s.fd_kind = h.ctl & FZ_CTL_FD_MASK;
		s.fd_arg = h.fdarg;
		s.fd_pending = s.fd_kind != FZ_FD_NONE;

		unsigned act = (h.ctl & FZ_CTL_ACT_MASK) >> FZ_CTL_ACT_SHIFT;
		bool act_data = act && hooks && (hooks->data_kinds & (1u << act));
		if (act_data) {
			/* The bytes are the action's (a frame, guest memory), not the stream's. */
			s.fd_pending = false;
			if (s.attached && hooks->action)
				hooks->action(hooks->arg, act, &h, buf, len);
			len = 0;
		}
		size_t first = (h.ctl & FZ_CTL_SPLIT) ? len / 2 : len;
		feed(&s, buf, first);
		if (act && !act_data && s.attached && hooks && hooks->action)
			hooks->action(hooks->arg, act, &h, NULL, 0);
		/*
		 * Nothing new in the stream: the previous pump left no complete
		 * message behind (it runs until one makes no progress), so a pump
		 * would only read EAGAIN. Skipped, as the loop would not wake.
		 */
		if (first)
			vfu_pump(ctx);
		check_drained(&s, "after a chunk");
		if (first < len) {
			feed(&s, buf + first, len - first);
			vfu_pump(ctx);
			check_drained(&s, "after the second half of a chunk");
		}
		if (hooks && hooks->after_chunk)
			hooks->after_chunk(hooks->arg);
		if (h.ctl & FZ_CTL_HANGUP) {
			session_close(&s, ctx, len / sizeof(struct vfu_hdr) + 2);
			open = false;
		}
	}
	if (open)
		session_close(&s, ctx, 65536 / sizeof(struct vfu_hdr) + 2);
	guest_clear();
}
