/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared pieces of the fuzz targets; see fuzz_common.h. */
#include "fuzz_common.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/log.h"
#include "vfu/vfu.h"

#define FZ_PAGE 4096u
#define FD_TRACK_MAX 65536

static __attribute__((noreturn, format(printf, 1, 2))) void fatal(const char *fmt, ...);

static void fatal(const char *fmt, ...)
{
	va_list ap;
	fputs("fuzz harness: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

long fz_env_long(const char *name, long def)
{
	const char *s = getenv(name);
	if (!s || !*s)
		return def;
	return strtol(s, NULL, 0);
}

void fz_setup_logging(void)
{
	const char *s = getenv("VMUX_FUZZ_LOG");
	int lvl = s ? log_parse_level(s) : -1;
	log_set_level(lvl >= 0 ? (enum log_level)lvl : LOG_LVL_ERR);
}

/* ---- file descriptors ---------------------------------------------------- */

static uint8_t fd_given[FD_TRACK_MAX];
static int fd_hi = -1;
static long fd_base = -1;
static unsigned long iterations;

void fz_fd_track(int fd)
{
	if (fd < 0)
		return;
	if (fd >= FD_TRACK_MAX)
		fatal("fd %d beyond the tracking table", fd);
	fd_given[fd] = 1;
	if (fd > fd_hi)
		fd_hi = fd;
}

void fz_fd_iter_begin(void)
{
	if (fd_hi >= 0)
		memset(fd_given, 0, (size_t)fd_hi + 1);
	fd_hi = -1;
}

/*
 * Open fds other than pipes: the sanitizers' symbolizer talks to its helper
 * process over pipes it opens at the first report or NEW_FUNC line. Pipes we
 * hand to the code under test are checked one by one (fz_fd_track).
 */
static long count_open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	long n = 0;
	if (!d)
		return -1;
	while ((e = readdir(d))) {
		char p[300], l[64];
		if (e->d_name[0] == '.' || atoi(e->d_name) == dirfd(d))
			continue;
		snprintf(p, sizeof(p), "/proc/self/fd/%s", e->d_name);
		ssize_t len = readlink(p, l, sizeof(l) - 1);
		l[len > 0 ? len : 0] = '\0';
		if (strncmp(l, "pipe:", 5) != 0)
			n++;
	}
	closedir(d);
	return n;
}

static void dump_open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	if (!d)
		return;
	while ((e = readdir(d))) {
		char p[300], l[512];
		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "/proc/self/fd/%s", e->d_name);
		ssize_t n = readlink(p, l, sizeof(l) - 1);
		l[n > 0 ? n : 0] = '\0';
		fprintf(stderr, "  fd %s -> %s\n", e->d_name, l);
	}
	closedir(d);
}

static int devnull_fd = -1;

void fz_fd_baseline(void)
{
	/* Long-lived harness fds are opened before counting. */
	if (devnull_fd < 0)
		devnull_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	fd_base = count_open_fds();
}

void fz_fd_must_be_open(int fd, const char *what)
{
	if (fcntl(fd, F_GETFD) < 0)
		fatal("%s (fd %d) was closed by the code under test, which does not own it", what, fd);
}

void fz_fd_iter_end(const char *target, unsigned period)
{
	for (int fd = 0; fd <= fd_hi; fd++) {
		if (fd_given[fd] && fcntl(fd, F_GETFD) >= 0) {
			char p[64], l[256];
			snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
			ssize_t n = readlink(p, l, sizeof(l) - 1);
			l[n > 0 ? n : 0] = '\0';
			fatal("%s: fd leak: fd %d (%s) handed to the code under test is still open "
			      "after its client was released", target, fd, l);
		}
	}
	static long env_period = -2;
	if (env_period == -2)
		env_period = fz_env_long("VMUX_FUZZ_FD_PERIOD", -1);
	if (env_period >= 0)
		period = (unsigned)env_period;
	iterations++;
	if (fd_base >= 0 && (iterations == 1 || (period && iterations % period == 0))) {
		long now = count_open_fds();
		if (now > fd_base) {
			fprintf(stderr, "fuzz harness: %s: %ld fds open, %ld at start (iteration %lu):\n",
				target, now, fd_base, iterations);
			dump_open_fds();
			fatal("%s: file descriptors leak across iterations", target);
		}
	}
}

static int memfd_raw(size_t bytes, const char *name)
{
	int fd = memfd_create(name, MFD_CLOEXEC);
	if (fd < 0)
		return -1;
	if (ftruncate(fd, (off_t)bytes) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int fz_memfd(size_t bytes, const char *name)
{
	int fd = memfd_raw(bytes, name);
	fz_fd_track(fd);
	return fd;
}

/* ---- the vfu driver ------------------------------------------------------ */

/*
 * Our transport wraps the pipe transport so that we learn when the server
 * lets the client go (it closes the transport).
 */
struct session {
	struct vfu_transport t; /* first: the server sees this */
	struct vfu_transport *inner;
	int rd, wr;
	bool attached;
	bool fd_pending;
	uint8_t fd_kind, fd_arg;
};

static ssize_t w_recv(struct vfu_transport *t, void *buf, size_t len, int *fds, size_t *nfds)
{
	struct session *s = (struct session *)t;
	return s->inner->ops->recv(s->inner, buf, len, fds, nfds);
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
		fatal("transport closed twice");
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
		give(memfd_raw(bytes, "fz-guest"), fds, &n);
		break;
	case FZ_FD_EVENTFDS:
		for (size_t i = 0; i < want; i++)
			give(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC), fds, &n);
		break;
	case FZ_FD_DEVNULL:
		give(open("/dev/null", O_RDWR | O_CLOEXEC), fds, &n);
		break;
	case FZ_FD_MEMFD_RO:
		fd = memfd_raw(bytes, "fz-guest-ro");
		if (fd >= 0) {
			char path[64];
			snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
			int ro = open(path, O_RDONLY | O_CLOEXEC);
			close(fd);
			give(ro, fds, &n);
		}
		break;
	case FZ_FD_MEMFD_EVT:
		give(memfd_raw(bytes, "fz-guest"), fds, &n);
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
	int p[2];

	if (devnull_fd < 0) {
		devnull_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
		if (devnull_fd < 0)
			fatal("/dev/null: %s", strerror(errno));
	}
	if (pipe2(p, O_NONBLOCK | O_CLOEXEC) < 0)
		fatal("pipe2: %s", strerror(errno));
	/* Room for a whole chunk; if refused, feed() pumps between writes. */
	(void)fcntl(p[1], F_SETPIPE_SZ, 1 << 20);
	memset(s, 0, sizeof(*s));
	s->rd = p[0];
	s->wr = p[1];
	s->inner = vfu_transport_pipe(s->rd, devnull_fd, provide_fds, s);
	if (!s->inner)
		fatal("vfu_transport_pipe failed");
	s->t.ops = &wrap_ops;
	int r = vfu_attach(ctx, NULL, &s->t);
	if (r < 0)
		fatal("vfu_attach: %s (a previous client is still attached?)", strerror(-r));
	s->attached = true;
}

/* After a pump, a live client must have had everything it sent read. */
static void check_drained(struct session *s, const char *when)
{
	int left = 0;
	if (!s->attached)
		return;
	if (ioctl(s->rd, FIONREAD, &left) == 0 && left > 0)
		fatal("vfu_pump returned %s with %d bytes unread while the client is attached",
		      when, left);
}

static void feed(struct session *s, struct vfu_ctx *ctx, const uint8_t *b, size_t n)
{
	unsigned stalls = 0;
	while (n && s->attached) {
		ssize_t w = write(s->wr, b, n);
		if (w < 0) {
			if (errno != EAGAIN)
				fatal("pipe write: %s", strerror(errno));
			vfu_pump(ctx);
			if (++stalls > 64)
				fatal("the server does not read its client's stream");
			continue;
		}
		stalls = 0;
		b += w;
		n -= (size_t)w;
	}
}

static void session_close(struct session *s, struct vfu_ctx *ctx, size_t bound)
{
	close(s->wr);
	s->wr = -1;
	/* Each pump ends at EOF or handles at least one message. */
	for (size_t i = 0; s->attached && i < bound; i++)
		vfu_pump(ctx);
	if (s->attached)
		fatal("client still attached after EOF and %zu pumps", bound);
	close(s->rd);
	s->rd = -1;
}

void fz_vfu_run(struct vfu_ctx *ctx, const uint8_t *data, size_t size,
		const struct fz_vfu_hooks *hooks)
{
	static uint8_t buf[65536];
	struct session s = { .rd = -1, .wr = -1 };
	bool open = false;

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

		size_t first = (h.ctl & FZ_CTL_SPLIT) ? len / 2 : len;
		feed(&s, ctx, buf, first);
		unsigned act = (h.ctl & FZ_CTL_ACT_MASK) >> FZ_CTL_ACT_SHIFT;
		if (act && s.attached && hooks && hooks->action)
			hooks->action(hooks->arg, act, &h);
		vfu_pump(ctx);
		check_drained(&s, "after a chunk");
		if (first < len) {
			feed(&s, ctx, buf + first, len - first);
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
}
