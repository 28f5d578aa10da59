/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vfu message I/O: the receive buffer, reassembly of messages without
 * blocking, the fds that come with them, and sending messages and replies.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "vfu/server_priv.h"
#include "vfu/vfu.h"

#define COMP "vfu"

/* ---- helpers ----------------------------------------------------------- */

int vfu_check_hdr(const struct vfu_hdr *h, uint32_t max_data_xfer)
{
	if (h->size < sizeof(*h))
		return -EINVAL;
	if ((uint64_t)h->size > (uint64_t)max_data_xfer + VFU_MSG_OVERHEAD + sizeof(*h))
		return -EMSGSIZE;
	return 0;
}

void vfu_close_fds(int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
	}
}

void *vfu_reply_alloc(struct reply *r, size_t len)
{
	if (len <= sizeof(r->small)) {
		r->buf = r->small;
	} else {
		r->buf = calloc(1, len);
		if (!r->buf)
			return NULL;
		r->heap = true;
	}
	memset(r->buf, 0, len <= sizeof(r->small) ? len : 0);
	r->len = len;
	return r->buf;
}

void vfu_reply_release(struct reply *r)
{
	if (r->heap)
		free(r->buf);
	r->buf = NULL;
	r->heap = false;
}

/* ---- receiving --------------------------------------------------------- */

void vfu_rx_reset(struct client *c)
{
	vfu_close_fds(c->fds, c->nfds);
	c->nfds = 0;
	c->fd_overflow = false;
	if (c->body && c->body != c->small)
		free(c->body);
	c->body = NULL;
	c->body_len = c->body_got = 0;
	c->hdr_got = 0;
}

/* Adds fds (nf of them, or VFU_FDS_OVERFLOW) to the message being received. */
static void take_fds(struct client *c, int *fds, size_t nf)
{
	if (nf == VFU_FDS_OVERFLOW) {
		vfu_close_fds(c->fds, c->nfds);
		c->nfds = 0;
		c->fd_overflow = true;
		return;
	}
	if (c->fd_overflow || nf > VFU_MAX_FDS - c->nfds) {
		/* More than a message may carry: refused like a truncated set. */
		vfu_close_fds(fds, nf);
		vfu_close_fds(c->fds, c->nfds);
		c->nfds = 0;
		c->fd_overflow = true;
		return;
	}
	memcpy(c->fds + c->nfds, fds, nf * sizeof(*fds));
	c->nfds += nf;
}

/* The pending fds of the last buffered read go to the message being received. */
static void claim_fds(struct client *c)
{
	if (c->pfd_overflow)
		take_fds(c, NULL, VFU_FDS_OVERFLOW);
	else if (c->npfds)
		take_fds(c, c->pfds, c->npfds);
	c->npfds = 0;
	c->pfd_overflow = false;
}

static ssize_t rx_recv(struct client *c, void *buf, size_t len, int *fds, size_t *nf)
{
	*nf = VFU_MAX_FDS;
	return c->t->ops->recv(c->t, buf, len, fds, nf);
}

/*
 * Up to len bytes of the stream: from the buffer, else from one recvmsg
 * (into the buffer, or straight into buf for a long body).
 */
static ssize_t rx_chunk(struct client *c, void *buf, size_t len)
{
	size_t nf;
	ssize_t n;

	if (c->rb_off == c->rb_len) {
		/* Everything read so far is parsed: the fds with it are this message's. */
		claim_fds(c);
		if (len >= VFU_RX_BUF) {
			int fds[VFU_MAX_FDS];

			n = rx_recv(c, buf, len, fds, &nf);
			if (n > 0 || nf)
				take_fds(c, fds, nf);
			return n;
		}
		n = rx_recv(c, c->rbuf, VFU_RX_BUF, c->pfds, &nf);
		if (nf == VFU_FDS_OVERFLOW)
			c->pfd_overflow = true;
		else
			c->npfds = nf;
		if (n <= 0) {
			claim_fds(c);
			return n;
		}
		c->rb_off = 0;
		c->rb_len = (size_t)n;
	}
	n = (ssize_t)(c->rb_len - c->rb_off < len ? c->rb_len - c->rb_off : len);
	memcpy(buf, c->rbuf + c->rb_off, (size_t)n);
	c->rb_off += (size_t)n;
	return n;
}

/* 1: a whole message is in c->hdr/body; 0: wait for more; <0: drop the client. */
int vfu_rx_msg(struct vfu_ctx *ctx, struct client *c)
{
	for (;;) {
		if (c->hdr_got < sizeof(c->hdr)) {
			ssize_t n = rx_chunk(c, (uint8_t *)&c->hdr + c->hdr_got,
					     sizeof(c->hdr) - c->hdr_got);
			if (n == -EAGAIN)
				return 0;
			if (n <= 0)
				return n == 0 ? -ECONNRESET : (int)n;
			c->hdr_got += (size_t)n;
			if (c->hdr_got < sizeof(c->hdr))
				continue;
			int r = vfu_check_hdr(&c->hdr, ctx->lim.max_data_xfer);
			if (r)
				return r;
			c->body_len = c->hdr.size - sizeof(c->hdr);
			c->body_got = 0;
			/* The message holds the last byte read: the fds read with it are its own. */
			if ((c->npfds || c->pfd_overflow) && c->body_len >= c->rb_len - c->rb_off)
				claim_fds(c);
			c->body = c->body_len <= sizeof(c->small) ? c->small : malloc(c->body_len);
			if (!c->body)
				return -ENOMEM;
		}
		if (c->body_got < c->body_len) {
			ssize_t n = rx_chunk(c, c->body + c->body_got, c->body_len - c->body_got);
			if (n == -EAGAIN)
				return 0;
			if (n <= 0)
				return n == 0 ? -ECONNRESET : (int)n;
			c->body_got += (size_t)n;
			continue;
		}
		return 1;
	}
}

/* ---- sending ----------------------------------------------------------- */

int vfu_send_msg(struct vfu_ctx *ctx, struct client *c, const struct vfu_hdr *h,
		 const void *payload, size_t len, int fd)
{
	struct iovec iov[2] = {
		{ .iov_base = (void *)h, .iov_len = sizeof(*h) },
		{ .iov_base = (void *)payload, .iov_len = len },
	};
	ssize_t r = c->t->ops->send(c->t, iov, len ? 2 : 1, &fd, fd >= 0 ? 1 : 0);
	if (r < 0) {
		LOG_WARN(COMP, "%s: send failed: %s", ctx->name, strerror((int)-r));
		vfu_kill_client(c, "send failed");
		return (int)r;
	}
	return 0;
}

void vfu_send_reply(struct vfu_ctx *ctx, struct client *c, const struct vfu_hdr *req, int err,
		    const struct reply *rep)
{
	struct vfu_hdr h = {
		.id = req->id,
		.cmd = req->cmd,
		.flags = VFU_F_TYPE_REPLY | (err ? VFU_F_ERROR : 0),
		.error = (uint32_t)err,
	};
	size_t len = err ? 0 : rep->len;
	h.size = (uint32_t)(sizeof(h) + len);
	vfu_send_msg(ctx, c, &h, len ? rep->buf : NULL, len, err ? -1 : rep->fd);
}
