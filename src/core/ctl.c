/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "core/ctl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/accept.h"
#include "core/log.h"
#include "core/loop.h"

#define CTL_MAX_CMDS 32
#define CTL_MAX_CONNS 16
#define CTL_LINE_MAX 4096
#define CTL_OUT_MAX (16u << 20) /* replies a client may leave unread */

struct ctl_cmd {
	const char *name;
	const char *help;
	ctl_handler fn;
	void *arg;
};

struct ctl_conn {
	struct ctl *ctl;
	int fd;
	struct loop_fd *lfd;
	char buf[CTL_LINE_MAX];
	size_t len;
	/* Replies not yet taken by the client, sent as its socket drains. */
	char *out;
	size_t out_len, out_off;
	bool polling_out; /* EPOLLOUT requested */
	bool eof;         /* the client is done sending: close once its replies are out */
};

struct ctl {
	struct loop *loop;
	int fd;
	struct loop_fd *lfd;
	char *path;
	struct ctl_cmd cmds[CTL_MAX_CMDS];
	unsigned ncmds;
	struct ctl_conn *conns[CTL_MAX_CONNS];
};

static void conn_close(struct ctl_conn *cn)
{
	struct ctl *c = cn->ctl;
	for (unsigned i = 0; i < CTL_MAX_CONNS; i++)
		if (c->conns[i] == cn)
			c->conns[i] = NULL;
	loop_del_fd(c->loop, cn->lfd);
	close(cn->fd);
	free(cn->out);
	free(cn);
}

/*
 * Sends what is pending without blocking; the rest waits for EPOLLOUT.
 * Returns false if the connection failed (and is closed).
 */
static bool flush_out(struct ctl_conn *cn)
{
	while (cn->out_off < cn->out_len) {
		ssize_t n = send(cn->fd, cn->out + cn->out_off, cn->out_len - cn->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0) {
			conn_close(cn);
			return false;
		}
		cn->out_off += (size_t)n;
	}
	if (cn->out_off == cn->out_len)
		cn->out_off = cn->out_len = 0;
	bool want = cn->out_len != 0;
	if (cn->eof && !want) {
		conn_close(cn);
		return false;
	}
	/* After EOF, EPOLLIN would fire for ever: only the replies are waited for. */
	if (want != cn->polling_out &&
	    loop_mod_fd(cn->ctl->loop, cn->lfd,
			(cn->eof ? 0 : EPOLLIN) | (want ? EPOLLOUT : 0)) == 0)
		cn->polling_out = want;
	return true;
}

/*
 * Queues a reply line. A client that lets more than CTL_OUT_MAX of replies
 * pile up is not reading: it is dropped rather than let memory grow.
 */
static bool send_json(struct ctl_conn *cn, struct json_object *o)
{
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	size_t len = strlen(s);

	if (cn->out_off) {
		memmove(cn->out, cn->out + cn->out_off, cn->out_len - cn->out_off);
		cn->out_len -= cn->out_off;
		cn->out_off = 0;
	}
	char *nb = cn->out_len + len + 1 <= CTL_OUT_MAX ? realloc(cn->out, cn->out_len + len + 1)
							  : NULL;
	if (!nb) {
		LOG_RL(LOG_LVL_WARN, "ctl", "control client does not take its replies; closing");
		conn_close(cn);
		return false;
	}
	cn->out = nb;
	memcpy(cn->out + cn->out_len, s, len);
	cn->out[cn->out_len + len] = '\n';
	cn->out_len += len + 1;
	return flush_out(cn);
}

static int help_cmd(void *arg, struct json_object *req, struct json_object **result,
		    const char **error)
{
	struct ctl *c = arg;
	struct json_object *o = json_object_new_object();
	for (unsigned i = 0; i < c->ncmds; i++)
		json_object_object_add(o, c->cmds[i].name, json_object_new_string(c->cmds[i].help));
	*result = o;
	return 0;
}

/* Returns false if the connection is gone. */
static bool handle_line(struct ctl_conn *cn, const char *line)
{
	struct ctl *c = cn->ctl;
	struct json_object *reply = json_object_new_object();
	struct json_object *req = json_tokener_parse(line);
	struct json_object *jcmd;
	const char *error = NULL;

	if (!req || !json_object_is_type(req, json_type_object) ||
	    !json_object_object_get_ex(req, "cmd", &jcmd) ||
	    !json_object_is_type(jcmd, json_type_string)) {
		error = "request must be a JSON object with a string \"cmd\"";
	} else {
		const char *name = json_object_get_string(jcmd);
		unsigned i;
		for (i = 0; i < c->ncmds; i++)
			if (!strcmp(c->cmds[i].name, name))
				break;
		if (i == c->ncmds) {
			error = "unknown command (try \"help\")";
		} else {
			struct json_object *result = NULL;
			if (c->cmds[i].fn(c->cmds[i].arg, req, &result, &error) == 0) {
				json_object_object_add(reply, "ok", json_object_new_boolean(1));
				json_object_object_add(reply, "result",
						       result ? result : json_object_new_object());
			} else if (!error) {
				error = "failed";
			}
		}
	}
	if (error) {
		json_object_object_add(reply, "ok", json_object_new_boolean(0));
		json_object_object_add(reply, "error", json_object_new_string(error));
	}
	bool alive = send_json(cn, reply);
	json_object_put(reply);
	json_object_put(req);
	return alive;
}

static void on_conn(void *arg, uint32_t events)
{
	struct ctl_conn *cn = arg;
	if ((events & EPOLLOUT) && !flush_out(cn))
		return;
	if (cn->eof) {
		if (events & (EPOLLHUP | EPOLLERR))
			conn_close(cn);
		return;
	}
	if (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		return;
	ssize_t n = recv(cn->fd, cn->buf + cn->len, sizeof(cn->buf) - 1 - cn->len, MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n == 0) {
		/*
		 * The client shut down its side (`nc -U`, socat): a last request
		 * without its newline is still one, and the replies still go out.
		 */
		cn->eof = true;
		if (cn->len) {
			cn->buf[cn->len] = '\0';
			cn->len = 0;
			if (!handle_line(cn, cn->buf))
				return;
		}
		if (!cn->out_len) {
			conn_close(cn);
			return;
		}
		if (loop_mod_fd(cn->ctl->loop, cn->lfd, EPOLLOUT) < 0) {
			conn_close(cn);
			return;
		}
		cn->polling_out = true;
		return;
	}
	if (n < 0) {
		conn_close(cn);
		return;
	}
	cn->len += (size_t)n;
	cn->buf[cn->len] = '\0';
	char *start = cn->buf, *nl;
	while ((nl = strchr(start, '\n'))) {
		*nl = '\0';
		if (nl > start && !handle_line(cn, start))
			return;
		start = nl + 1;
	}
	cn->len -= (size_t)(start - cn->buf);
	memmove(cn->buf, start, cn->len);
	if (cn->len == sizeof(cn->buf) - 1) {
		LOG_RL(LOG_LVL_WARN, "ctl", "control request longer than %d bytes; closing",
		       CTL_LINE_MAX);
		conn_close(cn);
	}
}

static void on_accept(void *arg, uint32_t events)
{
	struct ctl *c = arg;
	bool shed;
	int fd = accept_or_shed(c->fd, SOCK_NONBLOCK | SOCK_CLOEXEC, &shed);
	if (fd < 0) {
		if (shed)
			LOG_RL(LOG_LVL_WARN, "ctl", "control connection refused: %s", strerror(errno));
		return;
	}
	unsigned slot;
	for (slot = 0; slot < CTL_MAX_CONNS && c->conns[slot]; slot++)
		;
	struct ctl_conn *cn = slot < CTL_MAX_CONNS ? calloc(1, sizeof(*cn)) : NULL;
	if (!cn) {
		close(fd);
		return;
	}
	cn->ctl = c;
	cn->fd = fd;
	cn->lfd = loop_add_fd(c->loop, fd, EPOLLIN, on_conn, cn);
	if (!cn->lfd) {
		close(fd);
		free(cn);
		return;
	}
	c->conns[slot] = cn;
}

struct ctl *ctl_create(struct loop *l, const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct ctl *c = calloc(1, sizeof(*c));

	if (!c) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->loop = l;
	c->fd = -1;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "path too long (max %zu bytes)", sizeof(sa.sun_path) - 1);
		goto fail;
	}
	strcpy(sa.sun_path, path);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		goto fail;
	}
	/* Replace a stale socket, never a live one or a non-socket. */
	struct stat st;
	if (lstat(path, &st) == 0) {
		int probe = S_ISSOCK(st.st_mode) ? socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0) : -1;
		if (probe < 0 || connect(probe, (struct sockaddr *)&sa, sizeof(sa)) == 0 ||
		    errno != ECONNREFUSED) {
			if (probe >= 0)
				close(probe);
			snprintf(err, errlen, "%s is in use", path);
			goto fail;
		}
		close(probe);
		unlink(path);
	}
	mode_t old = umask(077);
	int r = bind(c->fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (r < 0 || listen(c->fd, 8) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	c->path = strdup(path);
	c->lfd = loop_add_fd(l, c->fd, EPOLLIN, on_accept, c);
	if (!c->path || !c->lfd) {
		snprintf(err, errlen, "cannot register the control socket");
		unlink(path);
		goto fail;
	}
	ctl_register(c, "help", "list commands", help_cmd, c);
	return c;
fail:
	if (c->fd >= 0)
		close(c->fd);
	free(c->path);
	free(c);
	return NULL;
}

int ctl_register(struct ctl *c, const char *cmd, const char *help, ctl_handler fn, void *arg)
{
	if (c->ncmds == CTL_MAX_CMDS)
		return -ENOSPC;
	c->cmds[c->ncmds++] = (struct ctl_cmd){ cmd, help, fn, arg };
	return 0;
}

void ctl_destroy(struct ctl *c)
{
	if (!c)
		return;
	for (unsigned i = 0; i < CTL_MAX_CONNS; i++)
		if (c->conns[i])
			conn_close(c->conns[i]);
	loop_del_fd(c->loop, c->lfd);
	close(c->fd);
	unlink(c->path);
	free(c->path);
	free(c);
}
