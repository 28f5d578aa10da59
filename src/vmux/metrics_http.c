/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * --metrics unix:PATH|tcp:ADDR:PORT: GET /metrics over HTTP (libmicrohttpd)
 * for a Prometheus scraper. The server runs on the main loop, beside the
 * control socket, never on a device's thread: MHD's epoll fd is one of the
 * loop's fds and a timer runs it every second for its timeouts. A scrape
 * reads the devices' counters through run_on(), as vmuxctl does. At most
 * METRICS_MAX_CONNS connections, each closed after METRICS_TIMEOUT_S idle
 * seconds; anything but GET/HEAD /metrics answered 404 or 405, a malformed
 * request 400 (by MHD).
 */
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/log.h"
#include "core/metrics.h"
#include "vmux/app.h"

#define METRICS_MAX_CONNS 16
#define METRICS_TIMEOUT_S 10

struct metrics_http {
	struct MHD_Daemon *d;
	struct loop *loop;
	int listen_fd;
	int tfd;
	struct loop_fd *mhd_lfd, *t_lfd;
	char path[CFG_PATH_MAX]; /* unix: removed at stop */
	uint64_t scrapes, refused;
};

static void mhd_log(void *cls, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char buf[256];

	(void)cls;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	buf[strcspn(buf, "\n")] = '\0';
	LOG_RL(LOG_LVL_WARN, COMP, "metrics: %s", buf);
}

static enum MHD_Result reply_text(struct MHD_Connection *c, unsigned code, const char *text)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(text), (void *)text,
								 MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	if (code == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(c, code, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	static int first;
	struct metrics_http *h = cls;
	char *buf = NULL;
	size_t len = 0;

	(void)version;
	(void)upload;
	if (!*con_cls) { /* the headers: answer once the request is complete */
		*con_cls = &first;
		return MHD_YES;
	}
	if (*upload_size) { /* a body, which no request here has: dropped */
		*upload_size = 0;
		return MHD_YES;
	}
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD)) {
		h->refused++;
		return reply_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET /metrics\n");
	}
	if (strcmp(url, "/metrics")) {
		h->refused++;
		return reply_text(c, MHD_HTTP_NOT_FOUND, "not found: GET /metrics\n");
	}
	FILE *f = open_memstream(&buf, &len);
	int r = f ? vmux_metrics_render(f) : -1;
	if (f && fclose(f))
		r = -1;
	if (r < 0) {
		free(buf);
		return reply_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot collect the metrics\n");
	}
	struct MHD_Response *resp = MHD_create_response_from_buffer(len, buf, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(buf);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, METRICS_CONTENT_TYPE);
	enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	h->scrapes++;
	return ret;
}

static void on_mhd(void *arg, uint32_t events)
{
	struct metrics_http *h = arg;

	(void)events;
	MHD_run(h->d);
}

static void on_tick(void *arg, uint32_t events)
{
	struct metrics_http *h = arg;
	uint64_t n;

	(void)events;
	if (read(h->tfd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		LOG_RL(LOG_LVL_WARN, COMP, "metrics: timer: %s", strerror(errno));
	MHD_run(h->d);
}

static int listen_unix(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "%s: path too long", path);
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, errlen, "%s exists and is not a socket", path);
			return -1;
		}
		unlink(path); /* a stale socket of an earlier run */
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 16) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static int listen_tcp(const struct cfg_metrics *m, char *err, size_t errlen)
{
	struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE,
				  .ai_socktype = SOCK_STREAM };
	struct addrinfo *ai = NULL;
	char port[8];
	int fd = -1, one = 1, r;

	snprintf(port, sizeof(port), "%u", m->port);
	r = getaddrinfo(m->addr, port, &hints, &ai);
	if (r) {
		snprintf(err, errlen, "tcp:%s:%s: %s (a numeric address)", m->addr, port,
			 gai_strerror(r));
		return -1;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 16) < 0) {
		snprintf(err, errlen, "tcp:%s:%s: %s", m->addr, port, strerror(errno));
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	return fd;
}

struct metrics_http *metrics_http_start(struct loop *l, const struct cfg_metrics *m, char *err,
					size_t errlen)
{
	struct metrics_http *h = calloc(1, sizeof(*h));
	const union MHD_DaemonInfo *info;
	struct itimerspec its = { .it_interval = { 1, 0 }, .it_value = { 1, 0 } };

	if (!h) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	h->loop = l;
	h->tfd = -1;
	h->listen_fd = m->kind == CFG_METRICS_UNIX ? listen_unix(m->path, err, errlen)
						  : listen_tcp(m, err, errlen);
	if (h->listen_fd < 0)
		goto fail;
	if (m->kind == CFG_METRICS_UNIX)
		snprintf(h->path, sizeof(h->path), "%s", m->path);
	h->d = MHD_start_daemon(MHD_USE_EPOLL | MHD_USE_ERROR_LOG, 0, NULL, NULL, on_request, h,
				MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
				MHD_OPTION_LISTEN_SOCKET, h->listen_fd,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned)METRICS_MAX_CONNS,
				MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)METRICS_MAX_CONNS,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)METRICS_TIMEOUT_S,
				MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)32768,
				MHD_OPTION_END);
	if (!h->d) {
		snprintf(err, errlen, "cannot start the HTTP server (libmicrohttpd)");
		goto fail;
	}
	h->listen_fd = -1; /* MHD's now: MHD_stop_daemon() closes it */
	info = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_EPOLL_FD);
	h->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (!info || h->tfd < 0 || timerfd_settime(h->tfd, 0, &its, NULL) < 0 ||
	    !(h->mhd_lfd = loop_add_fd(l, info->epoll_fd, EPOLLIN, on_mhd, h)) ||
	    !(h->t_lfd = loop_add_fd(l, h->tfd, EPOLLIN, on_tick, h))) {
		snprintf(err, errlen, "cannot poll the HTTP server: %s", strerror(errno));
		goto fail;
	}
	return h;
fail:
	metrics_http_stop(h);
	return NULL;
}

void metrics_http_stop(struct metrics_http *h)
{
	if (!h)
		return;
	if (h->mhd_lfd)
		loop_del_fd(h->loop, h->mhd_lfd);
	if (h->t_lfd)
		loop_del_fd(h->loop, h->t_lfd);
	if (h->d)
		MHD_stop_daemon(h->d);
	if (h->tfd >= 0)
		close(h->tfd);
	if (h->listen_fd >= 0)
		close(h->listen_fd);
	if (h->path[0])
		unlink(h->path);
	free(h);
}
