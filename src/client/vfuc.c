/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vfuc: the in-tree vfio-user client, speaking like QEMU 11's vfio-user-pci
 * (message layout, VERSION capabilities, SET_IRQS chunking, region info
 * retry, DMA_READ/DMA_WRITE service). Blocking, one thread per client; every
 * wait is bounded by the client's timeout.
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

static uint64_t now_ms(void)
{
	return loop_now_ns() / 1000000u;
}

static uint64_t deadline_in(int timeout_ms)
{
	return now_ms() + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0);
}

/* Milliseconds left until deadline, for poll(). */
static int ms_left(uint64_t deadline)
{
	uint64_t now = now_ms();

	if (now >= deadline)
		return 0;
	if (deadline - now > 60u * 60u * 1000u)
		return 60 * 60 * 1000;
	return (int)(deadline - now);
}

static void close_fds(int *fds, size_t n)
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

static void irqs_drop(struct vfuc *c, uint32_t index)
{
	struct vfuc_irqs *q = &c->irq[index];

	if (q->fds) {
		close_fds(q->fds, q->count);
		free(q->fds);
	}
	q->fds = NULL;
	q->count = 0;
}

static void ent_release(struct vfuc_ent *e)
{
	if (e->base && e->size)
		munmap(e->base, e->size);
	if (e->fd >= 0)
		close(e->fd);
	e->base = NULL;
	e->fd = -1;
}

void vfuc_close(struct vfuc *c)
{
	if (!c)
		return;
	if (c->fd >= 0)
		close(c->fd);
	close_fds(c->rx_fds, c->rx_nfds);
	for (uint32_t i = 0; i < VFU_IRQ_NUM; i++)
		irqs_drop(c, i);
	for (size_t i = 0; i < c->nmem; i++)
		ent_release(&c->mem[i]);
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
static int send_all(struct vfuc *c, struct iovec *iov, int iovcnt, const int *fds, size_t nfds)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * 253)];
		struct cmsghdr align;
	} ctl;
	uint64_t deadline = deadline_in(c->timeout_ms);
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
			if (poll(&pfd, 1, ms_left(deadline)) == 0)
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
	return send_all(c, &iov, 1, fds, nfds);
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
	return send_all(c, iov, 2, fds, nfds);
}

static int send_error(struct vfuc *c, const struct vfu_hdr *req, uint32_t err)
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
	return send_all(c, &iov, 1, NULL, 0);
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
static int rx_step(struct vfuc *c, uint64_t deadline)
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
			left = ms_left(deadline);
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

static void rx_drop(struct vfuc *c)
{
	close_fds(c->rx_fds, c->rx_nfds);
	rx_done(c);
}

ssize_t vfuc_recv_raw(struct vfuc *c, void *buf, size_t cap, int *fds, size_t *nfds, int timeout_ms)
{
	struct vfu_hdr h;
	size_t keep = 0;
	int r;

	r = rx_step(c, deadline_in(timeout_ms));
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
	close_fds(c->rx_fds + keep, c->rx_nfds - keep);
	rx_done(c);
	return h.size;
}

/* ---- guest memory lookup and server DMA requests ---------------------- */

static struct vfuc_ent *mem_find(struct vfuc *c, uint64_t addr)
{
	for (size_t i = 0; i < c->nmem; i++) {
		struct vfuc_ent *e = &c->mem[i];

		if (addr >= e->iova && addr - e->iova < e->size)
			return e;
	}
	return NULL;
}

void *vfuc_gpa(struct vfuc *c, uint64_t iova, uint64_t len)
{
	struct vfuc_ent *e = mem_find(c, iova);

	if (!e || len > e->size - (iova - e->iova))
		return NULL;
	return e->base + (iova - e->iova);
}

/*
 * Copies between buf and guest memory; the range may span adjacent
 * registrations. 0, -ENODEV (not guest memory: QEMU's decode error) or
 * -EPERM (write to read-only memory).
 */
static int mem_copy(struct vfuc *c, uint64_t addr, void *buf, uint64_t len, bool to_guest)
{
	uint8_t *p = buf;

	if (len && addr + len - 1 < addr)
		return -ENODEV;
	while (len) {
		struct vfuc_ent *e = mem_find(c, addr);
		uint64_t off, n;

		if (!e)
			return -ENODEV;
		if (to_guest && !e->writable)
			return -EPERM;
		off = addr - e->iova;
		n = e->size - off < len ? e->size - off : len;
		if (to_guest)
			memcpy(e->base + off, p, n);
		else
			memcpy(p, e->base + off, n);
		p += n;
		addr += n;
		len -= n;
	}
	return 0;
}

static int serve_dma_read(struct vfuc *c, const struct vfu_hdr *h)
{
	uint64_t addr;
	uint32_t count;
	uint8_t *res;
	int r;

	if (h->size < VFUC_DMA_RW_HDR)
		return send_error(c, h, EINVAL);
	memcpy(&addr, c->rx + sizeof(*h), sizeof(addr));
	memcpy(&count, c->rx + sizeof(*h) + 8, sizeof(count));
	if (count > VFUC_OWN_MAX_XFER)
		return send_error(c, h, E2BIG);

	/* Reply: the request's header and address/count, data at byte 28, sized 32 + count. */
	res = calloc(1, VFUC_DMA_RW_HDR + (size_t)count);
	if (!res)
		return send_error(c, h, ENOMEM);
	memcpy(res, c->rx, VFUC_DMA_RW_HDR);
	r = mem_copy(c, addr, res + VFUC_DMA_RW_DATA, count, false);
	if (r < 0) {
		free(res);
		return send_error(c, h, (uint32_t)-r);
	}
	if (h->flags & VFU_F_NO_REPLY) {
		free(res);
		c->stats.dma_reads++;
		return 0;
	}

	struct vfu_hdr *rh = (struct vfu_hdr *)(void *)res;
	rh->flags = VFU_F_TYPE_REPLY;
	rh->size = VFUC_DMA_RW_HDR + count;
	rh->error = 0;
	struct iovec iov = { .iov_base = res, .iov_len = rh->size };
	r = send_all(c, &iov, 1, NULL, 0);
	free(res);
	c->stats.dma_reads++;
	return r;
}

static int serve_dma_write(struct vfuc *c, const struct vfu_hdr *h)
{
	uint64_t addr;
	uint32_t count;
	int r;

	if (h->size < VFUC_DMA_RW_HDR)
		return send_error(c, h, EINVAL);
	memcpy(&addr, c->rx + sizeof(*h), sizeof(addr));
	memcpy(&count, c->rx + sizeof(*h) + 8, sizeof(count));
	/* make sure the count isn't larger than the data that came */
	if (count > h->size - VFUC_DMA_RW_HDR)
		return send_error(c, h, E2BIG);
	r = mem_copy(c, addr, c->rx + VFUC_DMA_RW_DATA, count, true);
	if (r < 0)
		return send_error(c, h, (uint32_t)-r);
	c->stats.dma_writes++;
	if (h->flags & VFU_F_NO_REPLY)
		return 0;

	struct vfu_hdr rh = *h;
	rh.flags = VFU_F_TYPE_REPLY;
	rh.size = sizeof(rh);
	rh.error = 0;
	struct iovec iov = { .iov_base = &rh, .iov_len = sizeof(rh) };
	return send_all(c, &iov, 1, NULL, 0);
}

/* Answers the server request sitting in c->rx, then forgets it. */
static int serve_request(struct vfuc *c)
{
	struct vfu_hdr h;
	int r;

	memcpy(&h, c->rx, sizeof(h));
	if (c->rx_nfds || c->rx_fd_trunc) {
		/* no server request passes fds */
		rx_drop(c);
		return send_error(c, &h, EINVAL);
	}
	switch (h.cmd) {
	case VFU_CMD_DMA_READ:
		r = serve_dma_read(c, &h);
		break;
	case VFU_CMD_DMA_WRITE:
		r = serve_dma_write(c, &h);
		break;
	default:
		LOG_RL(LOG_LVL_WARN, COMP, "server sent unexpected command %u", h.cmd);
		r = send_error(c, &h, ENOSYS);
		break;
	}
	rx_drop(c);
	return r;
}

/*
 * Handles one received message that is not the awaited reply: serves
 * requests, drops stray replies. Returns 1 if a request was answered, 0 for
 * a dropped reply, -errno on a broken stream.
 */
static int handle_other(struct vfuc *c)
{
	struct vfu_hdr h;
	int r;

	memcpy(&h, c->rx, sizeof(h));
	switch (h.flags & VFU_F_TYPE_MASK) {
	case VFU_F_TYPE_CMD:
		r = serve_request(c);
		return r < 0 ? r : 1;
	case VFU_F_TYPE_REPLY:
		LOG_DEBUG(COMP, "dropping reply id %u cmd %u (nobody waits for it)", h.id, h.cmd);
		c->stats.stray_replies++;
		rx_drop(c);
		return 0;
	default:
		LOG_RL(LOG_LVL_WARN, COMP, "server sent unknown message type %#x", h.flags);
		rx_drop(c);
		return rx_fail(c, -EPROTO);
	}
}

int vfuc_serve(struct vfuc *c, int timeout_ms)
{
	uint64_t deadline = deadline_in(timeout_ms);
	int served = 0;

	for (;;) {
		int r = rx_step(c, deadline);

		if (r == -ETIMEDOUT)
			return served;
		if (r < 0)
			return served ? served : r;
		r = handle_other(c);
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
	uint64_t deadline = deadline_in(c->timeout_ms);

	for (;;) {
		struct vfu_hdr h;
		int r = rx_step(c, deadline);

		if (r < 0)
			return r;
		memcpy(&h, c->rx, sizeof(h));
		if ((h.flags & VFU_F_TYPE_MASK) != VFU_F_TYPE_REPLY || h.id != id) {
			r = handle_other(c);
			if (r < 0)
				return r;
			continue;
		}
		if (h.cmd != cmd) {
			LOG_RL(LOG_LVL_WARN, COMP, "reply id %u carries cmd %u, expected %u", id,
			       h.cmd, cmd);
			rx_drop(c);
			return -EPROTO;
		}
		if (h.flags & VFU_F_ERROR) {
			rx_drop(c);
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
		close_fds(c->rx_fds + keep, c->rx_nfds - keep);
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
	uint64_t deadline = deadline_in(timeout_ms);

	for (;;) {
		int r;

		if (c->closed)
			return true;
		r = rx_step(c, deadline);
		if (r == -ETIMEDOUT)
			return false;
		if (r < 0)
			return true;
		if (handle_other(c) < 0)
			return true;
	}
}

/* ---- VERSION ------------------------------------------------------------ */

static char *default_caps_json(void)
{
	json_object *root = json_object_new_object();
	json_object *caps = json_object_new_object();
	json_object *migr = json_object_new_object();
	char *s;

	json_object_object_add(migr, "pgsize", json_object_new_int64(VFUC_OWN_PGSIZES));
	json_object_object_add(migr, "max_bitmap_size", json_object_new_int64(VFUC_OWN_MAX_BITMAP));
	json_object_object_add(caps, "migration", migr);
	json_object_object_add(caps, "max_msg_fds", json_object_new_int64(VFUC_OWN_MAX_FDS));
	json_object_object_add(caps, "max_data_xfer_size", json_object_new_int64(VFUC_OWN_MAX_XFER));
	json_object_object_add(caps, "pgsizes", json_object_new_int64(VFUC_OWN_PGSIZES));
	json_object_object_add(caps, "max_dma_maps", json_object_new_int64(VFUC_OWN_MAX_DMA_MAPS));
	json_object_object_add(caps, "write_multiple", json_object_new_boolean(1));
	json_object_object_add(root, "capabilities", caps);
	s = strdup(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN));
	json_object_put(root);
	return s;
}

static bool json_u64(json_object *o, uint64_t *out)
{
	if (!o || !json_object_is_type(o, json_type_int))
		return false;
	if (json_object_get_int64(o) < 0)
		return false;
	*out = json_object_get_uint64(o);
	return true;
}

/* Checks the server's capabilities the way QEMU does. 0 or -EINVAL. */
static int parse_caps(struct vfuc *c, const char *json)
{
	json_object *root = json_tokener_parse(json);
	json_object *caps, *o;
	struct vfuc_server_caps sc = {
		.max_msg_fds = VFUC_DEF_MAX_FDS,
		.max_data_xfer = VFUC_DEF_MAX_XFER,
		.max_dma_maps = VFUC_DEF_MAX_DMA_MAPS,
		.pgsizes = VFUC_DEF_PGSIZES,
	};
	uint64_t v;
	int r = -EINVAL;

	if (!root || !json_object_is_type(root, json_type_object))
		goto out;
	if (json_object_object_get_ex(root, "capabilities", &caps)) {
		if (!json_object_is_type(caps, json_type_object))
			goto out;
		if (json_object_object_get_ex(caps, "max_msg_fds", &o)) {
			if (!json_u64(o, &v) || v > VFUC_OWN_MAX_FDS)
				goto out;
			sc.max_msg_fds = (uint32_t)v;
		}
		if (json_object_object_get_ex(caps, "max_data_xfer_size", &o)) {
			if (!json_u64(o, &v) || v > VFUC_MAX_MAX_XFER)
				goto out;
			sc.max_data_xfer = (uint32_t)v;
		}
		if (json_object_object_get_ex(caps, "pgsizes", &o)) {
			if (!json_u64(o, &v) || (v & (VFUC_DEF_PGSIZES - 1)))
				goto out;
			sc.pgsizes = v;
		}
		if (json_object_object_get_ex(caps, "max_dma_maps", &o)) {
			if (!json_u64(o, &v) || v > VFUC_DEF_MAX_DMA_MAPS)
				goto out;
			sc.max_dma_maps = (uint32_t)v;
		}
		if (json_object_object_get_ex(caps, "write_multiple", &o)) {
			if (!json_object_is_type(o, json_type_boolean))
				goto out;
			sc.write_multiple = json_object_get_boolean(o);
		}
	}
	c->caps = sc;
	r = 0;
out:
	if (root)
		json_object_put(root);
	return r;
}

int vfuc_negotiate(struct vfuc *c, const char *caps_json)
{
	char *own = caps_json ? NULL : default_caps_json();
	const char *json = caps_json ? caps_json : own;
	size_t jlen, plen, rlen;
	uint8_t *req = NULL, *rep = NULL;
	struct vfu_version v;
	int r = -ENOMEM;

	if (!json)
		return -ENOMEM;
	jlen = strlen(json) + 1;
	plen = sizeof(v) + jlen;
	req = calloc(1, plen);
	rep = calloc(1, plen + 1);
	if (!req || !rep)
		goto out;
	v.major = VFU_MAJOR;
	v.minor = VFU_MINOR;
	memcpy(req, &v, sizeof(v));
	memcpy(req + sizeof(v), json, jlen);

	/* QEMU's reply buffer is its own request: a larger reply is refused. */
	r = vfuc_request(c, VFU_CMD_VERSION, 0, req, plen, NULL, 0, rep, plen, &rlen, NULL, NULL);
	if (r < 0)
		goto out;
	r = -EINVAL;
	if (rlen > plen) {
		LOG_RL(LOG_LVL_WARN, COMP, "VERSION reply larger than the request");
		goto out;
	}
	if (rlen <= sizeof(v)) {
		LOG_RL(LOG_LVL_WARN, COMP, "VERSION reply without capabilities");
		goto out;
	}
	memcpy(&v, rep, sizeof(v));
	if (v.major != VFU_MAJOR || v.minor > VFU_MINOR) {
		LOG_RL(LOG_LVL_WARN, COMP, "incompatible server version %u.%u", v.major, v.minor);
		goto out;
	}
	if (rep[rlen - 1] != '\0') {
		LOG_RL(LOG_LVL_WARN, COMP, "corrupt VERSION reply (no NUL)");
		goto out;
	}
	if (parse_caps(c, (const char *)rep + sizeof(v)) < 0) {
		LOG_RL(LOG_LVL_WARN, COMP, "malformed server capabilities");
		goto out;
	}
	free(c->server_json);
	c->server_json = strdup((const char *)rep + sizeof(v));
	c->negotiated = true;
	r = 0;
out:
	free(own);
	free(req);
	free(rep);
	return r;
}

/* ---- DMA map ------------------------------------------------------------ */

int vfuc_dma_map(struct vfuc *c, uint64_t iova, uint64_t size, int fd, uint64_t offset,
		 uint32_t flags)
{
	struct vfu_dma_map m = {
		.argsz = sizeof(m),
		.flags = flags,
		.offset = fd >= 0 ? offset : 0,
		.addr = iova,
		.size = size,
	};

	return vfuc_request(c, VFU_CMD_DMA_MAP, 0, &m, sizeof(m), fd >= 0 ? &fd : NULL,
			    fd >= 0 ? 1 : 0, NULL, 0, NULL, NULL, NULL);
}

int vfuc_dma_unmap(struct vfuc *c, uint64_t iova, uint64_t size, uint32_t flags)
{
	struct vfu_dma_unmap u = {
		.argsz = sizeof(u),
		.flags = flags,
		.addr = iova,
		.size = size,
	};

	return vfuc_request(c, VFU_CMD_DMA_UNMAP, 0, &u, sizeof(u), NULL, 0, NULL, 0, NULL, NULL,
			    NULL);
}

static int mem_register(struct vfuc *c, const struct vfuc_ent *e)
{
	if (c->nmem == c->mem_cap) {
		size_t ncap = c->mem_cap ? c->mem_cap * 2 : 8;
		struct vfuc_ent *p = realloc(c->mem, ncap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		c->mem = p;
		c->mem_cap = ncap;
	}
	c->mem[c->nmem++] = *e;
	return 0;
}

static struct vfuc_ent *mem_lookup_exact(struct vfuc *c, const struct vfuc_mem *m, size_t *idx)
{
	for (size_t i = 0; i < c->nmem; i++) {
		if (c->mem[i].base == m->base && c->mem[i].iova == m->iova) {
			*idx = i;
			return &c->mem[i];
		}
	}
	return NULL;
}

static bool mem_overlaps(struct vfuc *c, uint64_t iova, uint64_t size)
{
	for (size_t i = 0; i < c->nmem; i++) {
		const struct vfuc_ent *e = &c->mem[i];

		if (iova < e->iova + e->size && e->iova < iova + size)
			return true;
	}
	return false;
}

/*
 * Guest RAM at iova: fd < 0 and shared, a fresh memfd sealed like QEMU's
 * memory-backend-memfd; fd >= 0, that file (ours from now on); not shared,
 * private memory without an fd.
 */
static int mem_create(struct vfuc *c, uint64_t iova, uint64_t size, bool shared, int fd,
		      struct vfuc_mem *out)
{
	struct vfuc_ent e = { .iova = iova, .size = size, .fd = fd, .writable = true };
	int r;

	memset(out, 0, sizeof(*out));
	out->fd = -1;
	if (size == 0 || iova + size - 1 < iova || size > SIZE_MAX || mem_overlaps(c, iova, size)) {
		r = size && mem_overlaps(c, iova, size) ? -EEXIST : -EINVAL;
		ent_release(&e);
		return r;
	}
	if (shared && e.fd < 0) {
		/* Like QEMU's memory-backend-memfd: sealed against resizing. */
		e.fd = memfd_create("vfuc-guest-ram", MFD_CLOEXEC | MFD_ALLOW_SEALING);
		if (e.fd < 0)
			return -errno;
		if (ftruncate(e.fd, (off_t)size) < 0 ||
		    fcntl(e.fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW) < 0) {
			r = -errno;
			close(e.fd);
			return r;
		}
	}
	if (e.fd >= 0)
		e.base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, e.fd, 0);
	else
		e.base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
			      0);
	if (e.base == MAP_FAILED) {
		r = -errno;
		e.base = NULL;
		ent_release(&e);
		return r;
	}
	r = mem_register(c, &e);
	if (r < 0) {
		ent_release(&e);
		return r;
	}
	r = vfuc_dma_map(c, iova, size, e.fd, 0, VFU_DMA_F_READ | VFU_DMA_F_WRITE);
	if (r < 0) {
		c->nmem--;
		ent_release(&e);
		return r;
	}
	out->fd = e.fd;
	out->base = e.base;
	out->iova = iova;
	out->size = size;
	return 0;
}

int vfuc_mem_create(struct vfuc *c, uint64_t iova, uint64_t size, struct vfuc_mem *out)
{
	return mem_create(c, iova, size, true, -1, out);
}

int vfuc_mem_create_private(struct vfuc *c, uint64_t iova, uint64_t size, struct vfuc_mem *out)
{
	return mem_create(c, iova, size, false, -1, out);
}

int vfuc_mem_adopt(struct vfuc *c, uint64_t iova, uint64_t size, int fd, struct vfuc_mem *out)
{
	if (fd < 0) {
		memset(out, 0, sizeof(*out));
		out->fd = -1;
		return -EBADF;
	}
	return mem_create(c, iova, size, true, fd, out);
}

void vfuc_mem_destroy(struct vfuc *c, struct vfuc_mem *m)
{
	struct vfuc_ent *e;
	size_t idx;

	if (!m || !m->base)
		return;
	e = mem_lookup_exact(c, m, &idx);
	if (!e)
		return;
	if (!c->closed)
		vfuc_dma_unmap(c, e->iova, e->size, 0);
	ent_release(e);
	c->mem[idx] = c->mem[--c->nmem];
	memset(m, 0, sizeof(*m));
	m->fd = -1;
}

/* ---- device ------------------------------------------------------------- */

int vfuc_device_info(struct vfuc *c, struct vfu_device_info *out)
{
	struct vfu_device_info req = { .argsz = sizeof(req) };
	size_t rlen;
	int r;

	memset(out, 0, sizeof(*out));
	r = vfuc_request(c, VFU_CMD_DEVICE_GET_INFO, 0, &req, sizeof(req), NULL, 0, out,
			 sizeof(*out), &rlen, NULL, NULL);
	if (r < 0)
		return r;
	if (rlen < sizeof(*out))
		return -EPROTO;
	/* defend against a hostile server, as QEMU does */
	if (out->num_regions > VFUC_MAX_REGIONS || out->num_irqs > VFUC_MAX_IRQS)
		return -EINVAL;
	return 0;
}

/* One GET_REGION_INFO with the given argsz; the reply (<= argsz bytes) goes to buf. */
static int region_info_once(struct vfuc *c, uint32_t idx, uint32_t argsz, uint8_t *buf,
			    size_t *len, int *fd)
{
	struct vfu_region_info req = { .argsz = argsz, .index = idx };
	int fds[2] = { -1, -1 };
	size_t nfds = 2;
	int r;

	r = vfuc_request(c, VFU_CMD_DEVICE_GET_REGION_INFO, 0, &req, sizeof(req), NULL, 0, buf,
			 argsz, len, fds, &nfds);
	if (r < 0)
		return r;
	/* QEMU's reply buffer holds argsz bytes and one fd; anything more is refused. */
	if (nfds > 1 || *len > argsz || *len < sizeof(struct vfu_region_info)) {
		close_fds(fds, nfds);
		return -EPROTO;
	}
	*fd = nfds ? fds[0] : -1;
	return 0;
}

int vfuc_region_sparse(struct vfuc *c, uint32_t idx, struct vfu_region_info *ri,
		       struct vfu_sparse_area *areas, unsigned max, unsigned *n, int *fd)
{
	uint8_t caps[1024];
	struct vfu_cap_sparse_mmap sp;
	size_t at;
	int r;

	*n = 0;
	r = vfuc_region_info(c, idx, ri, caps, sizeof(caps), fd);
	if (r)
		return r;
	r = -ENOENT;
	if (*fd < 0 || !(ri->flags & VFU_REGION_F_MMAP) || !(ri->flags & VFU_REGION_F_CAPS))
		goto fail;
	at = ri->cap_offset - sizeof(*ri);
	r = -EINVAL;
	if (at + sizeof(sp) > sizeof(caps))
		goto fail;
	memcpy(&sp, caps + at, sizeof(sp));
	r = -ENOENT;
	if (sp.hdr.id != VFU_REGION_CAP_SPARSE_MMAP)
		goto fail;
	r = -EINVAL;
	if (at + sizeof(sp) + (size_t)sp.nr_areas * sizeof(*areas) > sizeof(caps))
		goto fail;
	for (uint32_t i = 0; i < sp.nr_areas && *n < max; i++) {
		memcpy(&areas[*n], caps + at + sizeof(sp) + i * sizeof(*areas), sizeof(*areas));
		if (!areas[*n].size || areas[*n].offset > ri->size ||
		    areas[*n].size > ri->size - areas[*n].offset)
			goto fail;
		(*n)++;
	}
	return 0;
fail:
	*n = 0;
	close(*fd);
	*fd = -1;
	return r;
}

int vfuc_region_info(struct vfuc *c, uint32_t idx, struct vfu_region_info *out, void *caps,
		     size_t caps_cap, int *fd)
{
	uint32_t argsz = sizeof(*out);
	uint8_t *buf = NULL;
	int rfd = -1;
	size_t len;
	int r;

	if (fd)
		*fd = -1;
	/* Like QEMU: ask with the fixed size first, then with what the server says it needs. */
	for (int attempt = 0; attempt < 2; attempt++) {
		uint8_t *nb = realloc(buf, argsz);

		if (!nb) {
			r = -ENOMEM;
			goto out;
		}
		buf = nb;
		if (rfd >= 0)
			close(rfd);
		rfd = -1;
		r = region_info_once(c, idx, argsz, buf, &len, &rfd);
		if (r < 0)
			goto out;
		memcpy(out, buf, sizeof(*out));
		/* As QEMU checks every answer: a capability flag needs a capability inside it. */
		if ((out->flags & VFU_REGION_F_CAPS) &&
		    (out->cap_offset < sizeof(*out) || out->cap_offset > argsz ||
		     out->cap_offset > len)) {
			r = -EINVAL;
			goto out;
		}
		if (out->argsz <= argsz)
			break;
		if (out->argsz > 65536 || attempt == 1) {
			r = -EPROTO;
			goto out;
		}
		argsz = out->argsz;
	}
	if (caps && caps_cap) {
		size_t n = len - sizeof(*out);

		memset(caps, 0, caps_cap);
		memcpy(caps, buf + sizeof(*out), n < caps_cap ? n : caps_cap);
	}
	if (fd) {
		*fd = rfd;
		rfd = -1;
	}
	r = 0;
out:
	if (rfd >= 0)
		close(rfd);
	free(buf);
	return r;
}

int vfuc_irq_info(struct vfuc *c, uint32_t idx, struct vfu_irq_info *out)
{
	struct vfu_irq_info req = { .argsz = sizeof(req), .index = idx };
	size_t rlen;
	int r;

	memset(out, 0, sizeof(*out));
	r = vfuc_request(c, VFU_CMD_DEVICE_GET_IRQ_INFO, 0, &req, sizeof(req), NULL, 0, out,
			 sizeof(*out), &rlen, NULL, NULL);
	if (r < 0)
		return r;
	return rlen < sizeof(*out) ? -EPROTO : 0;
}

int vfuc_region_read(struct vfuc *c, uint32_t region, uint64_t off, void *buf, uint32_t count)
{
	struct vfu_region_rw req = { .offset = off, .region = region, .count = count };
	struct vfu_region_rw rep;
	uint8_t *rbuf;
	size_t rlen;
	int r;

	if (count > c->caps.max_data_xfer)
		return -EINVAL;
	rbuf = malloc(sizeof(rep) + count);
	if (!rbuf)
		return -ENOMEM;
	r = vfuc_request(c, VFU_CMD_REGION_READ, 0, &req, sizeof(req), NULL, 0, rbuf,
			 sizeof(rep) + count, &rlen, NULL, NULL);
	if (r < 0)
		goto out;
	r = -EPROTO;
	if (rlen < sizeof(rep) || rlen > sizeof(rep) + count)
		goto out;
	memcpy(&rep, rbuf, sizeof(rep));
	if (rep.count > count) {
		r = -E2BIG;
		goto out;
	}
	if (rlen - sizeof(rep) < rep.count)
		goto out;
	memcpy(buf, rbuf + sizeof(rep), rep.count);
	r = rep.count == count ? 0 : -EIO;
out:
	free(rbuf);
	return r;
}

int vfuc_region_write(struct vfuc *c, uint32_t region, uint64_t off, const void *buf,
		      uint32_t count, bool posted)
{
	struct vfu_region_rw req = { .offset = off, .region = region, .count = count };
	uint8_t *msg;
	int r;

	if (count > c->caps.max_data_xfer)
		return -EINVAL;
	msg = malloc(sizeof(req) + count);
	if (!msg)
		return -ENOMEM;
	memcpy(msg, &req, sizeof(req));
	memcpy(msg + sizeof(req), buf, count);
	r = vfuc_request(c, VFU_CMD_REGION_WRITE, posted ? VFU_F_NO_REPLY : 0, msg,
			 sizeof(req) + count, NULL, 0, NULL, 0, NULL, NULL, NULL);
	free(msg);
	return r;
}

int vfuc_write_multi(struct vfuc *c, const struct vfu_wr_one *wrs, uint32_t n, bool posted)
{
	size_t len = sizeof(uint64_t) + (size_t)n * sizeof(*wrs);
	uint64_t cnt = n;
	uint8_t *msg;
	int r;

	if (n == 0 || n > VFU_WRMULTI_MAX)
		return -EINVAL;
	msg = malloc(len);
	if (!msg)
		return -ENOMEM;
	memcpy(msg, &cnt, sizeof(cnt));
	memcpy(msg + sizeof(cnt), wrs, (size_t)n * sizeof(*wrs));
	r = vfuc_request(c, VFU_CMD_REGION_WRITE_MULTI, posted ? VFU_F_NO_REPLY : 0, msg, len,
			 NULL, 0, NULL, 0, NULL, NULL, NULL);
	free(msg);
	return r;
}

int vfuc_reset(struct vfuc *c)
{
	return vfuc_request(c, VFU_CMD_DEVICE_RESET, 0, NULL, 0, NULL, 0, NULL, 0, NULL, NULL,
			    NULL);
}

uint32_t vfuc_bar_read32(struct vfuc *c, unsigned bar, uint64_t off)
{
	uint32_t v;

	if (bar > VFU_PCI_BAR5)
		return 0xffffffffu;
	return vfuc_region_read(c, bar, off, &v, sizeof(v)) < 0 ? 0xffffffffu : v;
}

int vfuc_bar_write32(struct vfuc *c, unsigned bar, uint64_t off, uint32_t v, bool posted)
{
	if (bar > VFU_PCI_BAR5)
		return -EINVAL;
	return vfuc_region_write(c, bar, off, &v, sizeof(v), posted);
}

/* ---- interrupts --------------------------------------------------------- */

int vfuc_set_irqs(struct vfuc *c, uint32_t index, uint32_t flags, uint32_t start,
		  uint32_t count, const void *data, size_t data_len, const int *fds, size_t nfds)
{
	struct vfu_irq_set s = {
		.argsz = (uint32_t)(sizeof(s) + data_len),
		.flags = flags,
		.index = index,
		.start = start,
		.count = count,
	};
	uint8_t *msg;
	int r;

	if (data_len > 65536)
		return -EINVAL;
	msg = malloc(sizeof(s) + data_len);
	if (!msg)
		return -ENOMEM;
	memcpy(msg, &s, sizeof(s));
	if (data_len)
		memcpy(msg + sizeof(s), data, data_len);
	r = vfuc_request(c, VFU_CMD_DEVICE_SET_IRQS, 0, msg, sizeof(s) + data_len, fds, nfds, NULL,
			 0, NULL, NULL, NULL);
	free(msg);
	return r;
}

int vfuc_irq_enable(struct vfuc *c, uint32_t index, uint32_t count)
{
	uint32_t max = c->caps.max_msg_fds ? c->caps.max_msg_fds : 1;
	int *fds;
	int r = 0;

	if (index >= VFU_IRQ_NUM || count > 65536)
		return -EINVAL;
	if (count == 0)
		return vfuc_irq_disable(c, index);
	fds = malloc(count * sizeof(*fds));
	if (!fds)
		return -ENOMEM;
	for (uint32_t i = 0; i < count; i++)
		fds[i] = -1;
	for (uint32_t i = 0; i < count; i++) {
		fds[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (fds[i] < 0) {
			r = -errno;
			goto fail;
		}
	}
	/* Like QEMU: chunks of at most max_msg_fds, argsz 20, fds only in SCM_RIGHTS. */
	for (uint32_t sent = 0; sent < count;) {
		uint32_t n = count - sent < max ? count - sent : max;

		r = vfuc_set_irqs(c, index, VFU_IRQ_SET_DATA_EVENTFD | VFU_IRQ_SET_ACTION_TRIGGER,
				  sent, n, NULL, 0, fds + sent, n);
		if (r < 0)
			goto fail;
		sent += n;
	}
	irqs_drop(c, index);
	c->irq[index].fds = fds;
	c->irq[index].count = count;
	return 0;
fail:
	close_fds(fds, count);
	free(fds);
	return r;
}

int vfuc_irq_disable(struct vfuc *c, uint32_t index)
{
	int r;

	if (index >= VFU_IRQ_NUM)
		return -EINVAL;
	r = vfuc_set_irqs(c, index, VFU_IRQ_SET_DATA_NONE | VFU_IRQ_SET_ACTION_TRIGGER, 0, 0,
			  NULL, 0, NULL, 0);
	if (r == 0)
		irqs_drop(c, index);
	return r;
}

int vfuc_irq_unmask(struct vfuc *c, uint32_t index, uint32_t sub)
{
	return vfuc_set_irqs(c, index, VFU_IRQ_SET_DATA_NONE | VFU_IRQ_SET_ACTION_UNMASK, sub, 1,
			     NULL, 0, NULL, 0);
}

int vfuc_irq_mask(struct vfuc *c, uint32_t index, uint32_t sub)
{
	return vfuc_set_irqs(c, index, VFU_IRQ_SET_DATA_NONE | VFU_IRQ_SET_ACTION_MASK, sub, 1,
			     NULL, 0, NULL, 0);
}

int vfuc_irq_fd(struct vfuc *c, uint32_t index, uint32_t sub)
{
	if (index >= VFU_IRQ_NUM || sub >= c->irq[index].count)
		return -1;
	return c->irq[index].fds[sub];
}

int64_t vfuc_irq_wait(struct vfuc *c, uint32_t index, uint32_t sub, int timeout_ms)
{
	uint64_t deadline = deadline_in(timeout_ms);
	int efd = vfuc_irq_fd(c, index, sub);

	if (efd < 0)
		return -ENOENT;
	for (;;) {
		struct pollfd pfd[2] = {
			{ .fd = efd, .events = POLLIN },
			{ .fd = c->closed ? -1 : c->fd, .events = POLLIN },
		};
		uint64_t val;
		int left;

		if (read(efd, &val, sizeof(val)) == (ssize_t)sizeof(val))
			return (int64_t)(val > INT64_MAX ? INT64_MAX : val);
		left = ms_left(deadline);
		if (left == 0)
			return 0;
		if (poll(pfd, 2, left) < 0 && errno != EINTR)
			return -errno;
		/*
		 * The server may need us meanwhile: DMA_READ/WRITE for private
		 * memory arrive on the socket while the test waits here.
		 */
		if (pfd[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			int r = rx_step(c, now_ms());

			if (r == 1) {
				r = handle_other(c);
				if (r < 0)
					return r;
			} else if (r < 0 && r != -ETIMEDOUT) {
				/* server gone: the eventfd may still hold a count */
				continue;
			}
		}
	}
}
