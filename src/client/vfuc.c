/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vfuc: the in-tree vfio-user client, speaking like QEMU 11's vfio-user-pci
 * (message layout, VERSION capabilities, SET_IRQS chunking, region info
 * retry, DMA_READ/DMA_WRITE service). Blocking, one thread per client; every
 * wait is bounded by the client's timeout.
 *
 * This file: the connection, sending, receiving and request/reply; the
 * rest is in vfuc_dev.c, vfuc_mem.c, vfuc_irq.c and vfuc_cfg.c.
 */
#include "client/vfuc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <json-c/json.h>

#include "client/vfuc_priv.h"
#include "core/log.h"
#include "core/loop.h"

#define COMP "vfuc"

/* ---- time ------------------------------------------------------------ */

uint64_t vfuc_now_ms(void)
{
	return loop_now_ns() / 1000000u;
}

uint64_t vfuc_deadline_in(int timeout_ms)
{
	return vfuc_now_ms() + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0);
}

/* Milliseconds left until deadline, for poll(). */
int vfuc_ms_left(uint64_t deadline)
{
	uint64_t now = vfuc_now_ms();

	if (now >= deadline)
		return 0;
	if (deadline - now > 60u * 60u * 1000u)
		return 60 * 60 * 1000;
	return (int)(deadline - now);
}

void vfuc_close_fds(int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
	}
}

/* ---- connection ------------------------------------------------------ */

struct vfuc *vfuc_connect(const char *path, int timeout_ms)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct vfuc *c;
	int fd, err;

	if (!path) {
		errno = EINVAL;
		return NULL;
	}
	if (strlen(path) >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return NULL;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		err = errno;
		close(fd);
		errno = err;
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		errno = ENOMEM;
		return NULL;
	}
	c->fd = fd;
	c->timeout_ms = timeout_ms > 0 ? timeout_ms : VFUC_DEFAULT_TIMEOUT_MS;
	c->caps.max_msg_fds = VFUC_DEF_MAX_FDS;
	c->caps.max_data_xfer = VFUC_DEF_MAX_XFER;
	c->caps.max_dma_maps = VFUC_DEF_MAX_DMA_MAPS;
	c->caps.pgsizes = VFUC_DEF_PGSIZES;
	for (unsigned i = 0; i < VFUC_RX_FDS; i++)
		c->rx_fds[i] = -1;
	return c;
}

void vfuc_close(struct vfuc *c)
{
	if (!c)
		return;
	if (c->fd >= 0)
		close(c->fd);
	vfuc_close_fds(c->rx_fds, c->rx_nfds);
	for (uint32_t i = 0; i < VFU_IRQ_NUM; i++)
		vfuc_irqs_drop(c, i);
	for (size_t i = 0; i < c->nmem; i++)
		vfuc_ent_release(&c->mem[i]);
	free(c->mem);
	free(c->rx);
	free(c->server_json);
	free(c);
}

int vfuc_fd(const struct vfuc *c)
{
	return c ? c->fd : -1;
}

void vfuc_set_timeout(struct vfuc *c, int timeout_ms)
{
	c->timeout_ms = timeout_ms > 0 ? timeout_ms : VFUC_DEFAULT_TIMEOUT_MS;
}

const struct vfuc_server_caps *vfuc_caps(const struct vfuc *c)
{
	return &c->caps;
}

const char *vfuc_server_json(const struct vfuc *c)
{
	return c->server_json;
}

uint16_t vfuc_next_id(struct vfuc *c)
{
	return c->next_id;
}

const struct vfuc_stats *vfuc_get_stats(const struct vfuc *c)
{
	return &c->stats;
}

/* ---- sending --------------------------------------------------------- */

/* Sends all of iov; fds ride with the first byte. 0 or -errno. */
int vfuc_send_all(struct vfuc *c, struct iovec *iov, int iovcnt, const int *fds, size_t nfds)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * 253)];
		struct cmsghdr align;
	} ctl;
	uint64_t deadline = vfuc_deadline_in(c->timeout_ms);
	bool fds_sent = nfds == 0;

	if (c->closed)
		return -ECONNRESET;
	if (nfds > 253)
		return -EINVAL;
	while (iovcnt > 0) {
		struct msghdr mh = { .msg_iov = iov, .msg_iovlen = (size_t)iovcnt };
		ssize_t n;

		if (iov->iov_len == 0) {
			iov++;
			iovcnt--;
			continue;
		}
		if (!fds_sent) {
			struct cmsghdr *cm;

			memset(&ctl, 0, sizeof(ctl));
			mh.msg_control = ctl.buf;
			mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
			cm = CMSG_FIRSTHDR(&mh);
			cm->cmsg_level = SOL_SOCKET;
			cm->cmsg_type = SCM_RIGHTS;
			cm->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
			memcpy(CMSG_DATA(cm), fds, sizeof(int) * nfds);
		}
		n = sendmsg(c->fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			struct pollfd pfd = { .fd = c->fd, .events = POLLOUT };

			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK) {
				int err = errno;

				if (err == EPIPE || err == ECONNRESET)
					c->closed = true;
				return -err;
			}
			if (poll(&pfd, 1, vfuc_ms_left(deadline)) == 0)
				return -ETIMEDOUT;
			continue;
		}
		fds_sent = true;
		while (n > 0 && iovcnt > 0) {
			if ((size_t)n >= iov->iov_len) {
				n -= (ssize_t)iov->iov_len;
				iov++;
				iovcnt--;
			} else {
				iov->iov_base = (uint8_t *)iov->iov_base + n;
				iov->iov_len -= (size_t)n;
				n = 0;
			}
		}
	}
	return 0;
}

int vfuc_send_raw(struct vfuc *c, const void *buf, size_t len, const int *fds, size_t nfds)
{
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };

	if (len == 0)
		return nfds ? -EINVAL : 0;
	return vfuc_send_all(c, &iov, 1, fds, nfds);
}

static int send_msg(struct vfuc *c, uint16_t id, uint16_t cmd, uint32_t flags,
		    const void *payload, size_t len, const int *fds, size_t nfds)
{
	struct vfu_hdr h = {
		.id = id,
		.cmd = cmd,
		.size = (uint32_t)(sizeof(h) + len),
		.flags = flags,
	};
	struct iovec iov[2] = {
		{ .iov_base = &h, .iov_len = sizeof(h) },
		{ .iov_base = (void *)payload, .iov_len = len },
	};

	if (len > UINT32_MAX - sizeof(h))
		return -EINVAL;
	return vfuc_send_all(c, iov, 2, fds, nfds);
}

int vfuc_send_error(struct vfuc *c, const struct vfu_hdr *req, uint32_t err)
{
	struct vfu_hdr h = {
		.id = req->id,
		.cmd = req->cmd,
		.size = sizeof(h),
		.flags = VFU_F_TYPE_REPLY | VFU_F_ERROR,
		.error = err,
	};
	struct iovec iov = { .iov_base = &h, .iov_len = sizeof(h) };

	c->stats.dma_errors++;
	return vfuc_send_all(c, &iov, 1, NULL, 0);
}

/* ---- receiving ------------------------------------------------------- */

static void rx_take_fds(struct vfuc *c, struct msghdr *mh)
{
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm)) {
		size_t n;
		int *p;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		p = (int *)(void *)CMSG_DATA(cm);
		for (size_t i = 0; i < n; i++) {
			int fd;

			memcpy(&fd, p + i, sizeof(fd));
			if (c->rx_nfds < VFUC_RX_FDS) {
				c->rx_fds[c->rx_nfds++] = fd;
			} else {
				close(fd);
				c->rx_fd_trunc = true;
			}
		}
	}
	if (mh->msg_flags & MSG_CTRUNC)
		c->rx_fd_trunc = true;
}

static int rx_fail(struct vfuc *c, int err)
{
	c->closed = true;
	return err;
}

/*
 * Reads until one whole message sits in c->rx (returns 1), the deadline
 * passes (-ETIMEDOUT; the partial message is kept for the next call), or the
 * stream ends (-ECONNRESET) or breaks (-EPROTO, -EMSGSIZE, -errno).
 */
int vfuc_rx_step(struct vfuc *c, uint64_t deadline)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * VFUC_RX_FDS)];
		struct cmsghdr align;
	} ctl;

	if (c->closed)
		return -ECONNRESET;
	if (!c->rx) {
		c->rx = malloc(4096);
		if (!c->rx)
			return -ENOMEM;
		c->rx_cap = 4096;
	}
	for (;;) {
		struct vfu_hdr h;
		size_t want;
		ssize_t n;

		if (c->rx_have >= sizeof(h)) {
			memcpy(&h, c->rx, sizeof(h));
			if (c->rx_have == h.size)
				return 1;
			want = h.size - c->rx_have;
		} else {
			want = sizeof(h) - c->rx_have;
		}

		struct iovec iov = { .iov_base = c->rx + c->rx_have, .iov_len = want };
		struct msghdr mh = {
			.msg_iov = &iov,
			.msg_iovlen = 1,
			.msg_control = ctl.buf,
			.msg_controllen = sizeof(ctl.buf),
		};

		n = recvmsg(c->fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		if (n < 0) {
			struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
			int left;

			if (errno == EINTR)
				continue;
			if (errno == ECONNRESET)
				return rx_fail(c, -ECONNRESET);
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				return rx_fail(c, -errno);
			left = vfuc_ms_left(deadline);
			if (left == 0 || poll(&pfd, 1, left) == 0)
				return -ETIMEDOUT;
			continue;
		}
		rx_take_fds(c, &mh);
		if (n == 0)
			return rx_fail(c, -ECONNRESET);
		c->rx_have += (size_t)n;
		if (c->rx_have != sizeof(h))
			continue;

		/* A header is complete: check it before reading the body. */
		memcpy(&h, c->rx, sizeof(h));
		if (h.size < sizeof(h)) {
			LOG_RL(LOG_LVL_WARN, COMP, "server sent bad size %u", h.size);
			return rx_fail(c, -EPROTO);
		}
		size_t limit = (h.flags & VFU_F_TYPE_MASK) == VFU_F_TYPE_REPLY ?
				       VFUC_RX_MAX_REPLY : VFUC_RX_MAX_REQ;
		if (h.size > limit) {
			LOG_RL(LOG_LVL_WARN, COMP, "server message of %u bytes too large", h.size);
			return rx_fail(c, -EMSGSIZE);
		}
		if (h.size > c->rx_cap) {
			uint8_t *p = realloc(c->rx, h.size);

			if (!p)
				return rx_fail(c, -ENOMEM);
			c->rx = p;
			c->rx_cap = h.size;
		}
	}
}

/* The message in c->rx has been consumed: forget it (its fds were taken or closed). */
static void rx_done(struct vfuc *c)
{
	c->rx_have = 0;
	c->rx_nfds = 0;
	c->rx_fd_trunc = false;
}

void vfuc_rx_drop(struct vfuc *c)
{
	vfuc_close_fds(c->rx_fds, c->rx_nfds);
	rx_done(c);
}

ssize_t vfuc_recv_raw(struct vfuc *c, void *buf, size_t cap, int *fds, size_t *nfds, int timeout_ms)
{
	struct vfu_hdr h;
	size_t keep = 0;
	int r;

	r = vfuc_rx_step(c, vfuc_deadline_in(timeout_ms));
	if (r == -ECONNRESET) {
		if (nfds)
			*nfds = 0;
		return 0;
	}
	if (r < 0)
		return r;
	memcpy(&h, c->rx, sizeof(h));
	memcpy(buf, c->rx, h.size < cap ? h.size : cap);
	if (fds && nfds) {
		keep = c->rx_nfds < *nfds ? c->rx_nfds : *nfds;
		memcpy(fds, c->rx_fds, keep * sizeof(int));
		*nfds = keep;
	} else if (nfds) {
		*nfds = 0;
	}
	vfuc_close_fds(c->rx_fds + keep, c->rx_nfds - keep);
	rx_done(c);
	return h.size;
}

/*
 * Handles one received message that is not the awaited reply: serves
 * requests, drops stray replies. Returns 1 if a request was answered, 0 for
 * a dropped reply, -errno on a broken stream.
 */
int vfuc_handle_other(struct vfuc *c)
{
	struct vfu_hdr h;
	int r;

	memcpy(&h, c->rx, sizeof(h));
	switch (h.flags & VFU_F_TYPE_MASK) {
	case VFU_F_TYPE_CMD:
		r = vfuc_serve_request(c);
		return r < 0 ? r : 1;
	case VFU_F_TYPE_REPLY:
		LOG_DEBUG(COMP, "dropping reply id %u cmd %u (nobody waits for it)", h.id, h.cmd);
		c->stats.stray_replies++;
		vfuc_rx_drop(c);
		return 0;
	default:
		LOG_RL(LOG_LVL_WARN, COMP, "server sent unknown message type %#x", h.flags);
		vfuc_rx_drop(c);
		return rx_fail(c, -EPROTO);
	}
}

int vfuc_serve(struct vfuc *c, int timeout_ms)
{
	uint64_t deadline = vfuc_deadline_in(timeout_ms);
	int served = 0;

	for (;;) {
		int r = vfuc_rx_step(c, deadline);

		if (r == -ETIMEDOUT)
			return served;
		if (r < 0)
			return served ? served : r;
		r = vfuc_handle_other(c);
		if (r < 0)
			return r;
		served += r;
	}
}

/* ---- request / reply ---------------------------------------------------- */

static uint16_t alloc_id(struct vfuc *c)
{
	return c->next_id++;
}

/* Waits for the reply to (id, cmd), serving server requests meanwhile. */
static int wait_reply(struct vfuc *c, uint16_t id, uint16_t cmd, void *reply, size_t reply_cap,
		      size_t *reply_len, int *rfds, size_t *rnfds)
{
	uint64_t deadline = vfuc_deadline_in(c->timeout_ms);

	for (;;) {
		struct vfu_hdr h;
		int r = vfuc_rx_step(c, deadline);

		if (r < 0)
			return r;
		memcpy(&h, c->rx, sizeof(h));
		if ((h.flags & VFU_F_TYPE_MASK) != VFU_F_TYPE_REPLY || h.id != id) {
			r = vfuc_handle_other(c);
			if (r < 0)
				return r;
			continue;
		}
		if (h.cmd != cmd) {
			LOG_RL(LOG_LVL_WARN, COMP, "reply id %u carries cmd %u, expected %u", id,
			       h.cmd, cmd);
			vfuc_rx_drop(c);
			return -EPROTO;
		}
		if (h.flags & VFU_F_ERROR) {
			vfuc_rx_drop(c);
			return h.error ? -(int)h.error : -EIO;
		}

		size_t plen = h.size - sizeof(h);
		size_t keep = 0;

		if (reply)
			memcpy(reply, c->rx + sizeof(h), plen < reply_cap ? plen : reply_cap);
		if (reply_len)
			*reply_len = plen;
		if (rfds && rnfds) {
			keep = c->rx_nfds < *rnfds ? c->rx_nfds : *rnfds;
			memcpy(rfds, c->rx_fds, keep * sizeof(int));
			*rnfds = keep;
		} else if (rnfds) {
			*rnfds = 0;
		}
		vfuc_close_fds(c->rx_fds + keep, c->rx_nfds - keep);
		rx_done(c);
		return 0;
	}
}

int vfuc_request(struct vfuc *c, uint16_t cmd, uint32_t extra_flags, const void *payload,
		 size_t len, const int *fds, size_t nfds, void *reply, size_t reply_cap,
		 size_t *reply_len, int *rfds, size_t *rnfds)
{
	uint16_t id = alloc_id(c);
	int r;

	if (reply_len)
		*reply_len = 0;
	r = send_msg(c, id, cmd, (extra_flags & ~VFU_F_TYPE_MASK) | VFU_F_TYPE_CMD, payload, len,
		     fds, nfds);
	if (r < 0) {
		if (rnfds)
			*rnfds = 0;
		return r;
	}
	c->stats.requests++;
	if (extra_flags & VFU_F_NO_REPLY) {
		if (rnfds)
			*rnfds = 0;
		return 0;
	}
	r = wait_reply(c, id, cmd, reply, reply_cap, reply_len, rfds, rnfds);
	if (r < 0 && rnfds)
		*rnfds = 0;
	return r;
}

bool vfuc_server_closed(struct vfuc *c, int timeout_ms)
{
	uint64_t deadline = vfuc_deadline_in(timeout_ms);

	for (;;) {
		int r;

		if (c->closed)
			return true;
		r = vfuc_rx_step(c, deadline);
		if (r == -ETIMEDOUT)
			return false;
		if (r < 0)
			return true;
		if (vfuc_handle_other(c) < 0)
			return true;
	}
}
