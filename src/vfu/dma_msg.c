/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vfu DMA: the client's DMA_MAP and DMA_UNMAP, translation for the device,
 * and the DMA_READ/DMA_WRITE exchange with the client for memory it mapped
 * without an fd, with the queue of commands that arrive while a reply is
 * awaited.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "core/loop.h"
#include "vfu/dma.h"
#include "vfu/server_priv.h"
#include "vfu/vfu.h"

#define COMP "vfu"

/* ---- command handlers ---------------------------------------------------- */

void vfu_dma_unmap_cb(void *arg, uint64_t addr, uint64_t size)
{
	struct vfu_ctx *ctx = arg;
	if (ctx->ops && ctx->ops->dma_unmap)
		ctx->ops->dma_unmap(ctx->opaque, addr, size);
	ctx->stats.dma_unmaps++;
}

int vfu_h_dma_map(struct vfu_ctx *ctx, struct client *c, const uint8_t *p, size_t len,
		  int *fds, size_t nfds)
{
	struct vfu_dma_map m;

	if (len < sizeof(m))
		return EINVAL;
	memcpy(&m, p, sizeof(m));
	if (m.argsz < sizeof(m) || nfds > 1)
		return EINVAL;
	if ((m.flags & ~(VFU_DMA_F_READ | VFU_DMA_F_WRITE)) || !m.flags)
		return EINVAL;
	if (m.size == 0 || (m.addr | m.size) & (VFU_PGSIZE - 1))
		return EINVAL;
	uint32_t prot = ((m.flags & VFU_DMA_F_READ) ? VFU_PROT_READ : 0) |
			((m.flags & VFU_DMA_F_WRITE) ? VFU_PROT_WRITE : 0);
	int r = dma_table_add(&c->dma, m.addr, m.size, nfds ? fds[0] : -1, m.offset, prot);
	if (r < 0) {
		const char *hint = "";

		if (r == -EPERM)
			hint = " (guest RAM must be on tmpfs or hugetlbfs: memory-backend-memfd, or "
			       "memory-backend-file with mem-path on /dev/shm or a hugetlbfs mount)";
		else if (r == -ENOSPC)
			hint = " (more guest RAM or mappings than a client may map: --max-guest-ram)";
		LOG_RL(LOG_LVL_WARN, COMP, "%s: DMA_MAP [0x%llx, +0x%llx) refused: %s%s", ctx->name,
		       (unsigned long long)m.addr, (unsigned long long)m.size, strerror(-r), hint);
		return -r;
	}
	ctx->stats.dma_maps++;
	if (nfds) {
		const struct dma_region *dr = dma_table_find(&c->dma, m.addr);

		LOG_DEBUG(COMP, "%s: DMA_MAP [0x%llx, +0x%llx) %s, %u KiB pages, %s", ctx->name,
			  (unsigned long long)m.addr, (unsigned long long)m.size,
			  dma_backing_name(dr->backing), dr->page_kib,
			  dr->sealed ? "sealed against shrinking" : "not sealed");
	} else {
		LOG_DEBUG(COMP, "%s: DMA_MAP [0x%llx, +0x%llx) (no fd)", ctx->name,
			  (unsigned long long)m.addr, (unsigned long long)m.size);
	}
	if (ctx->ops && ctx->ops->dma_map) {
		r = ctx->ops->dma_map(ctx->opaque, m.addr, m.size);
		if (r < 0) {
			/* The device could not use it: taken back, the device not told. */
			dma_table_remove(&c->dma, m.addr, m.size, NULL, NULL);
			ctx->stats.dma_maps--;
			ctx->stats.dma_map_refused++;
			return -r;
		}
	}
	return 0;
}

int vfu_h_dma_unmap(struct vfu_ctx *ctx, struct client *c, const uint8_t *p, size_t len,
		    struct reply *rep)
{
	struct vfu_dma_unmap u;
	int r;

	if (len < sizeof(u))
		return EINVAL;
	memcpy(&u, p, sizeof(u));
	if (u.argsz < sizeof(u))
		return EINVAL;
	if (u.flags & VFU_DMA_UNMAP_F_GET_DIRTY)
		return ENOTSUP;
	if (u.flags & ~VFU_DMA_UNMAP_F_ALL)
		return EINVAL;
	if (u.flags & VFU_DMA_UNMAP_F_ALL) {
		if (u.addr || u.size)
			return EINVAL;
		dma_table_clear(&c->dma, vfu_dma_unmap_cb, ctx);
	} else {
		r = dma_table_remove(&c->dma, u.addr, u.size, vfu_dma_unmap_cb, ctx);
		if (r < 0) {
			LOG_RL(LOG_LVL_WARN, COMP, "%s: DMA_UNMAP [0x%llx, +0x%llx) refused: %s",
			       ctx->name, (unsigned long long)u.addr, (unsigned long long)u.size,
			       strerror(-r));
			return -r;
		}
	}
	u.argsz = sizeof(u);
	void *out = vfu_reply_alloc(rep, sizeof(u));
	if (!out)
		return ENOMEM;
	memcpy(out, &u, sizeof(u));
	return 0;
}

/* ---- DMA ---------------------------------------------------------------- */

void *vfu_dma_ptr(struct vfu_ctx *ctx, uint64_t addr, uint64_t len, int prot)
{
	struct client *c = ctx->client;
	if (!c)
		return NULL;
	return dma_table_ptr(&c->dma, addr, len, (uint32_t)prot);
}

int vfu_dma_region(struct vfu_ctx *ctx, uint64_t addr, uint64_t *base, uint64_t *size,
		   uint8_t **ptr, int *prot)
{
	const struct dma_region *r = ctx->client ? dma_table_find(&ctx->client->dma, addr) : NULL;

	if (!r || !r->ptr)
		return -ENOENT;
	*base = r->addr;
	*size = r->size;
	*ptr = r->ptr;
	*prot = (int)r->prot;
	return 0;
}

static int queue_current(struct vfu_ctx *ctx, struct client *c)
{
	if (c->q_len >= ctx->lim.max_pending_cmds)
		return -ENOSPC;
	struct queued_msg *q = calloc(1, sizeof(*q));
	if (!q)
		return -ENOMEM;
	q->hdr = c->hdr;
	q->len = c->body_len;
	if (q->len) {
		q->body = malloc(q->len);
		if (!q->body) {
			free(q);
			return -ENOMEM;
		}
		memcpy(q->body, c->body, q->len);
	}
	memcpy(q->fds, c->fds, sizeof(q->fds));
	q->nfds = c->nfds;
	q->fd_overflow = c->fd_overflow;
	c->nfds = 0; /* ownership moved to the queue */
	if (c->q_tail)
		c->q_tail->next = q;
	else
		c->q_head = q;
	c->q_tail = q;
	c->q_len++;
	return 0;
}

/*
 * One DMA_READ/DMA_WRITE exchange with the client, for memory it mapped
 * without an fd. Commands that arrive meanwhile are queued and handled from
 * the loop afterwards, never from inside the device's call.
 */
static int dma_msg(struct vfu_ctx *ctx, bool wr, uint64_t addr, void *buf, uint32_t count)
{
	struct client *c = ctx->client;
	uint8_t *payload;
	size_t plen = VFU_DMA_RW_PAYLOAD_MIN + (wr ? count : 0);
	int ret;

	payload = calloc(1, plen);
	if (!payload)
		return -ENOMEM;
	struct vfu_dma_rw rw = { .addr = addr, .count = count };
	memcpy(payload, &rw, sizeof(rw));
	if (wr)
		memcpy(payload + VFU_DMA_RW_DATA_OFF, buf, count);
	struct vfu_hdr h = {
		.id = c->next_id++,
		.cmd = wr ? VFU_CMD_DMA_WRITE : VFU_CMD_DMA_READ,
		.size = (uint32_t)(sizeof(h) + plen),
		.flags = VFU_F_TYPE_CMD,
	};
	ctx->stats.dma_msgs++;
	ret = vfu_send_msg(ctx, c, &h, payload, plen, -1);
	free(payload);
	if (ret < 0)
		return ret;

	uint64_t deadline = loop_now_ns() + (uint64_t)ctx->lim.reply_timeout_ms * 1000000ull;
	int pfd = c->t->ops->poll_fd(c->t);
	for (;;) {
		int r = vfu_rx_msg(ctx, c);
		if (r < 0) {
			vfu_kill_client(c, r == -ECONNRESET ? "client closed the connection"
							    : "protocol error");
			return -EIO;
		}
		if (r == 1) {
			uint32_t type = c->hdr.flags & VFU_F_TYPE_MASK;
			if (type == VFU_F_TYPE_REPLY && c->hdr.id == h.id && c->hdr.cmd == h.cmd) {
				if (c->hdr.flags & VFU_F_ERROR) {
					ret = c->hdr.error && c->hdr.error < 4096 ? -(int)c->hdr.error
										  : -EIO;
				} else if (!wr) {
					if (c->body_len < VFU_DMA_RW_DATA_OFF + (size_t)count)
						ret = -EIO;
					else
						memcpy(buf, c->body + VFU_DMA_RW_DATA_OFF, count);
				}
				vfu_rx_reset(c);
				if (c->q_head) {
					uint64_t one = 1;
					if (ctx->kick_fd >= 0 && write(ctx->kick_fd, &one, sizeof(one)) < 0)
						LOG_WARN(COMP, "%s: kick: %s", ctx->name, strerror(errno));
				}
				return ret;
			}
			if (type == VFU_F_TYPE_CMD) {
				int qr = queue_current(ctx, c);
				vfu_rx_reset(c);
				if (qr < 0) {
					vfu_kill_client(c, "too many commands while a DMA request is pending");
					return -EIO;
				}
			} else {
				/* A reply to something else: treat as the stream going wrong. */
				vfu_rx_reset(c);
				vfu_kill_client(c, "unexpected reply");
				return -EIO;
			}
			continue;
		}
		uint64_t now = loop_now_ns();
		if (now >= deadline)
			break;
		struct pollfd p = { .fd = pfd, .events = POLLIN };
		int wait_ms = (int)((deadline - now) / 1000000ull) + 1;
		if (pfd < 0 || poll(&p, 1, wait_ms) < 0) {
			if (pfd >= 0 && errno == EINTR)
				continue;
			break;
		}
	}
	/*
	 * Waiting again on the next request would hold the thread up for as long
	 * each time, and a late reply would be taken for the next request's: the
	 * client is dropped (from the loop, see dma_copy).
	 */
	LOG_RL(LOG_LVL_WARN, COMP, "%s: dropping client: no reply to %s (id %u) within %u ms",
	       ctx->name, vfu_cmd_name(h.cmd), h.id, ctx->lim.reply_timeout_ms);
	vfu_kill_client(c, "no reply to a DMA request in time");
	return -ETIMEDOUT;
}

static int dma_copy(struct vfu_ctx *ctx, uint64_t addr, void *buf, size_t len, bool wr)
{
	struct client *c = ctx->client;
	uint8_t *b = buf;

	if (!c || !c->negotiated || c->dead)
		return -ENOTCONN;
	if (len && addr + (len - 1) < addr)
		return -EFAULT;
	while (len) {
		const struct dma_region *r = dma_table_find(&c->dma, addr);
		if (!r)
			return -EFAULT;
		uint32_t need = wr ? VFU_PROT_WRITE : VFU_PROT_READ;
		if ((r->prot & need) != need)
			return -EPERM;
		uint64_t in_region = r->size - (addr - r->addr);
		size_t n = len < in_region ? len : (size_t)in_region;
		if (r->ptr) {
			if (wr)
				memcpy(r->ptr + (addr - r->addr), b, n);
			else
				memcpy(b, r->ptr + (addr - r->addr), n);
		} else {
			/*
			 * Not from inside a message's handler (a region access, a
			 * reset): the wait for the reply reads the stream, whose
			 * current message is the one being handled.
			 */
			if (c->in_dispatch)
				return -EBUSY;
			uint32_t max = c->peer_max_xfer < ctx->lim.max_data_xfer ? c->peer_max_xfer
										   : ctx->lim.max_data_xfer;
			if (n > max)
				n = max;
			int e = dma_msg(ctx, wr, addr, b, (uint32_t)n);
			if (c->dead) {
				/*
				 * Dropped meanwhile (no reply in time, the stream
				 * broken): not from inside the device's call, which
				 * may be anywhere; the loop does it on the kick.
				 */
				uint64_t one = 1;

				if (ctx->kick_fd >= 0 && write(ctx->kick_fd, &one, sizeof(one)) < 0)
					LOG_WARN(COMP, "%s: kick: %s", ctx->name, strerror(errno));
				return e < 0 ? e : -ENOTCONN;
			}
			if (e < 0)
				return e;
			if (!ctx->client)
				return -ENOTCONN;
		}
		addr += n;
		b += n;
		len -= n;
	}
	return 0;
}

int vfu_dma_read(struct vfu_ctx *ctx, uint64_t addr, void *buf, size_t len)
{
	return dma_copy(ctx, addr, buf, len, false);
}

int vfu_dma_write(struct vfu_ctx *ctx, uint64_t addr, const void *buf, size_t len)
{
	return dma_copy(ctx, addr, (void *)buf, len, true);
}
