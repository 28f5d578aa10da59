/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The vfio-user server: one listening socket per device, one client at a
 * time, every message validated before it reaches a handler.
 *
 * Error policy: a message that is well framed but wrong gets an error reply
 * (or, if posted, a counted and logged drop); a stream that can no longer be
 * trusted (bad header, oversized message, EOF, I/O error) drops that client
 * only. Nothing a client sends may abort the process.
 */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/accept.h"
#include "core/log.h"
#include "core/loop.h"
#include "vfu/dma.h"
#include "vfu/server_priv.h"
#include "vfu/vfu.h"

#define COMP "vfu"
#define MAX_IRQ_VECTORS 2048u
#define MAX_REGIONS 64u

static void client_free(struct vfu_ctx *ctx);

/* ---- helpers ----------------------------------------------------------- */

void vfu_limits_default(struct vfu_limits *l)
{
	l->max_msg_fds = VFU_MAX_FDS;
	l->max_data_xfer = 1u << 20;
	l->max_dma_maps = 1024;
	l->max_dma_total = 1ull << 40;
	l->max_pending_cmds = 64;
	l->reply_timeout_ms = 500;
	/* A few doorbells per client and turn: a receiver's RDT gets in between a sender's TDTs. */
	l->msgs_per_wakeup = 8;
}

int vfu_check_hdr(const struct vfu_hdr *h, uint32_t max_data_xfer)
{
	if (h->size < sizeof(*h))
		return -EINVAL;
	if ((uint64_t)h->size > (uint64_t)max_data_xfer + VFU_MSG_OVERHEAD + sizeof(*h))
		return -EMSGSIZE;
	return 0;
}

static void close_fds(int *fds, size_t n)
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

static void reply_release(struct reply *r)
{
	if (r->heap)
		free(r->buf);
	r->buf = NULL;
	r->heap = false;
}

void vfu_kill_client(struct client *c, const char *why)
{
	if (!c->dead) {
		c->dead = true;
		c->why_dead = why;
	}
}

/* ---- creation ---------------------------------------------------------- */

struct vfu_ctx *vfu_create(const struct vfu_ctx_cfg *cfg, const struct vfu_dev_ops *ops, void *opaque)
{
	if (!cfg || cfg->num_regions == 0 || cfg->num_regions > MAX_REGIONS)
		return NULL;
	for (unsigned i = 0; i < VFU_IRQ_NUM; i++)
		if (cfg->irq_count[i] > MAX_IRQ_VECTORS)
			return NULL;

	struct vfu_ctx *ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return NULL;
	snprintf(ctx->name, sizeof(ctx->name), "%s", cfg->name ? cfg->name : "dev");
	ctx->dev_flags = cfg->dev_flags;
	ctx->ops = ops;
	ctx->opaque = opaque;
	ctx->listen_fd = -1;
	ctx->kick_fd = -1;
	ctx->intx_unmask_fd = -1;

	struct vfu_limits def;
	vfu_limits_default(&def);
	ctx->lim = cfg->limits;
#define DEF(f) if (!ctx->lim.f) ctx->lim.f = def.f
	DEF(max_msg_fds);
	DEF(max_data_xfer);
	DEF(max_dma_maps);
	DEF(max_dma_total);
	DEF(max_pending_cmds);
	DEF(reply_timeout_ms);
	DEF(msgs_per_wakeup);
#undef DEF
	if (ctx->lim.max_msg_fds > VFU_MAX_FDS)
		ctx->lim.max_msg_fds = VFU_MAX_FDS;
	if (ctx->lim.max_data_xfer > (64u << 20))
		ctx->lim.max_data_xfer = 64u << 20;

	ctx->nregions = cfg->num_regions;
	ctx->regions = calloc(ctx->nregions, sizeof(*ctx->regions));
	if (!ctx->regions)
		goto fail;
	for (uint32_t i = 0; i < ctx->nregions; i++)
		ctx->regions[i].mmap_fd = -1;

	for (unsigned i = 0; i < VFU_IRQ_NUM; i++) {
		struct irq_index *ix = &ctx->irqs[i];
		ix->count = cfg->irq_count[i];
		ix->flags = cfg->irq_flags[i];
		if (!ix->flags) {
			ix->flags = VFU_IRQ_INFO_F_EVENTFD;
			if (i == VFU_IRQ_INTX)
				ix->flags |= VFU_IRQ_INFO_F_MASKABLE | VFU_IRQ_INFO_F_AUTOMASKED;
			if (i == VFU_IRQ_MSI || i == VFU_IRQ_MSIX)
				ix->flags |= VFU_IRQ_INFO_F_NORESIZE;
		}
		if (!ix->count)
			continue;
		ix->v = calloc(ix->count, sizeof(*ix->v));
		if (!ix->v)
			goto fail;
		for (uint32_t j = 0; j < ix->count; j++)
			ix->v[j].efd = -1;
	}
	return ctx;
fail:
	vfu_destroy(ctx);
	return NULL;
}

int vfu_set_region(struct vfu_ctx *ctx, uint32_t idx, const struct vfu_region_desc *desc)
{
	if (idx >= ctx->nregions || ctx->client)
		return -EINVAL;
	if (desc->nr_sparse > VFU_MAX_SPARSE)
		return -EINVAL;
	for (unsigned i = 0; i < desc->nr_sparse; i++) {
		const struct vfu_sparse_area *a = &desc->sparse[i];
		if (a->size == 0 || a->offset > desc->size || a->size > desc->size - a->offset)
			return -EINVAL;
	}
	if (desc->nr_sparse && desc->mmap_fd < 0)
		return -EINVAL;
	ctx->regions[idx] = *desc;
	return 0;
}

int vfu_region_set_mmap_fd(struct vfu_ctx *ctx, uint32_t idx, int fd)
{
	if (idx >= ctx->nregions || fd < -1 || (fd >= 0 && !ctx->regions[idx].size))
		return -EINVAL;
	if (ctx->client)
		return -EBUSY;
	if (fd >= 0 && fcntl(fd, F_GETFD) < 0)
		return -EBADF;
	ctx->regions[idx].mmap_fd = fd;
	return 0;
}

bool vfu_connected(const struct vfu_ctx *ctx)
{
	return ctx->client && ctx->client->negotiated;
}

const char *vfu_name(const struct vfu_ctx *ctx)
{
	return ctx->name;
}

void *vfu_opaque(const struct vfu_ctx *ctx)
{
	return ctx->opaque;
}

const struct vfu_stats *vfu_get_stats(const struct vfu_ctx *ctx)
{
	return &ctx->stats;
}

/* ---- receiving --------------------------------------------------------- */

void vfu_rx_reset(struct client *c)
{
	close_fds(c->fds, c->nfds);
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
		close_fds(c->fds, c->nfds);
		c->nfds = 0;
		c->fd_overflow = true;
		return;
	}
	if (c->fd_overflow || nf > VFU_MAX_FDS - c->nfds) {
		/* More than a message may carry: refused like a truncated set. */
		close_fds(fds, nf);
		close_fds(c->fds, c->nfds);
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

static void send_reply(struct vfu_ctx *ctx, struct client *c, const struct vfu_hdr *req, int err,
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

/* ---- command handlers ---------------------------------------------------- */

static bool json_uint(struct json_object *o, uint64_t *out)
{
	if (!json_object_is_type(o, json_type_int))
		return false;
	int64_t v = json_object_get_int64(o);
	if (v < 0)
		return false;
	*out = (uint64_t)v;
	return true;
}

static int parse_client_caps(struct vfu_ctx *ctx, struct client *c, const char *json)
{
	enum json_tokener_error jerr;
	struct json_object *root = json_tokener_parse_verbose(json, &jerr);
	int err = 0;

	if (!root) {
		LOG_RL(LOG_LVL_WARN, COMP, "%s: VERSION: bad JSON: %s", ctx->name,
		       json_tokener_error_desc(jerr));
		return EINVAL;
	}
	if (!json_object_is_type(root, json_type_object)) {
		err = EINVAL;
		goto out;
	}
	struct json_object *caps;
	if (!json_object_object_get_ex(root, "capabilities", &caps))
		goto out;
	if (!json_object_is_type(caps, json_type_object)) {
		err = EINVAL;
		goto out;
	}
	json_object_object_foreach(caps, key, val) {
		uint64_t v;
		if (!strcmp(key, "max_msg_fds") || !strcmp(key, "pgsizes") ||
		    !strcmp(key, "max_dma_maps")) {
			if (!json_uint(val, &v))
				err = EINVAL;
		} else if (!strcmp(key, "max_data_xfer_size")) {
			if (!json_uint(val, &v) || v == 0)
				err = EINVAL;
			else
				c->peer_max_xfer = v < ctx->lim.max_data_xfer ? (uint32_t)v
									   : ctx->lim.max_data_xfer;
		} else if (!strcmp(key, "write_multiple")) {
			if (!json_object_is_type(val, json_type_boolean))
				err = EINVAL;
		} else if (!strcmp(key, "migration")) {
			if (!json_object_is_type(val, json_type_object))
				err = EINVAL;
		}
		/* Unknown capabilities are ignored, as the protocol asks. */
	}
	if (err)
		LOG_RL(LOG_LVL_WARN, COMP, "%s: VERSION: malformed capabilities", ctx->name);
out:
	json_object_put(root);
	return err;
}

static int h_version(struct vfu_ctx *ctx, struct client *c, const uint8_t *p, size_t len,
		     struct reply *rep)
{
	struct vfu_version v;

	if (c->negotiated || len < sizeof(v) + 1)
		return EINVAL;
	memcpy(&v, p, sizeof(v));
	const char *json = (const char *)p + sizeof(v);
	if (!memchr(json, '\0', len - sizeof(v)))
		return EINVAL;
	if (v.major != VFU_MAJOR) {
		LOG_RL(LOG_LVL_WARN, COMP, "%s: client speaks vfio-user %u.%u, we speak %u.%u",
		       ctx->name, v.major, v.minor, VFU_MAJOR, VFU_MINOR);
		return EINVAL;
	}
	int err = parse_client_caps(ctx, c, json);
	if (err)
		return err;

	char caps[256];
	int n = snprintf(caps, sizeof(caps),
			 "{\"capabilities\":{\"max_msg_fds\":%u,\"max_data_xfer_size\":%u,"
			 "\"pgsizes\":%u,\"max_dma_maps\":%u,\"write_multiple\":true}}",
			 ctx->lim.max_msg_fds, ctx->lim.max_data_xfer, VFU_PGSIZE,
			 ctx->lim.max_dma_maps);
	if (n < 0 || (size_t)n >= sizeof(caps))
		return EINVAL;
	uint8_t *out = vfu_reply_alloc(rep, sizeof(v) + (size_t)n + 1);
	if (!out)
		return ENOMEM;
	struct vfu_version rv = { .major = VFU_MAJOR, .minor = VFU_MINOR };
	memcpy(out, &rv, sizeof(rv));
	memcpy(out + sizeof(rv), caps, (size_t)n + 1);
	c->negotiated = true;
	ctx->stats.clients++;
	LOG_INFO(COMP, "%s: client attached (vfio-user %u.%u)", ctx->name, v.major, v.minor);
	return 0;
}

static int h_device_info(struct vfu_ctx *ctx, const uint8_t *p, size_t len, struct reply *rep)
{
	struct vfu_device_info in;

	if (len < sizeof(in))
		return EINVAL;
	memcpy(&in, p, sizeof(in));
	if (in.argsz < sizeof(in))
		return EINVAL;
	struct vfu_device_info out = {
		.argsz = sizeof(out),
		.flags = ctx->dev_flags,
		.num_regions = ctx->nregions,
		.num_irqs = VFU_IRQ_NUM,
	};
	void *b = vfu_reply_alloc(rep, sizeof(out));
	if (!b)
		return ENOMEM;
	memcpy(b, &out, sizeof(out));
	return 0;
}

static int h_region_info(struct vfu_ctx *ctx, const uint8_t *p, size_t len, struct reply *rep)
{
	struct vfu_region_info in;

	if (len < sizeof(in))
		return EINVAL;
	memcpy(&in, p, sizeof(in));
	if (in.argsz < sizeof(in) || in.index >= ctx->nregions)
		return EINVAL;
	const struct vfu_region_desc *d = &ctx->regions[in.index];
	struct vfu_region_info out = { .index = in.index, .size = d->size };
	if (d->size) {
		out.flags = d->flags & (VFU_REGION_F_READ | VFU_REGION_F_WRITE);
		if (d->mmap_fd >= 0) {
			out.flags |= VFU_REGION_F_MMAP;
			out.offset = d->mmap_offset;
		}
	}
	size_t caps_len = 0;
	if (d->size && d->mmap_fd >= 0 && d->nr_sparse)
		caps_len = sizeof(struct vfu_cap_sparse_mmap) +
			   d->nr_sparse * sizeof(struct vfu_sparse_area);
	size_t need = sizeof(out) + caps_len;
	bool fits = in.argsz >= need;
	out.argsz = (uint32_t)need;
	/*
	 * The CAPS flag only with the capability itself: QEMU refuses an answer
	 * whose flag promises a capability at an offset outside it.
	 */
	if (caps_len && fits) {
		out.flags |= VFU_REGION_F_CAPS;
		out.cap_offset = sizeof(out);
	}
	uint8_t *b = vfu_reply_alloc(rep, fits ? need : sizeof(out));
	if (!b)
		return ENOMEM;
	memcpy(b, &out, sizeof(out));
	if (caps_len && fits) {
		struct vfu_cap_sparse_mmap cap = {
			.hdr = { .id = VFU_REGION_CAP_SPARSE_MMAP, .version = 1, .next = 0 },
			.nr_areas = d->nr_sparse,
		};
		memcpy(b + sizeof(out), &cap, sizeof(cap));
		memcpy(b + sizeof(out) + sizeof(cap), d->sparse,
		       d->nr_sparse * sizeof(struct vfu_sparse_area));
	}
	/* The fd goes with the complete answer only, so the client gets exactly one. */
	if ((out.flags & VFU_REGION_F_MMAP) && fits)
		rep->fd = d->mmap_fd;
	return 0;
}

/* Checks one region access without performing it; positive errno on failure. */
static int region_check(const struct vfu_ctx *ctx, uint32_t region, uint64_t off, uint32_t count,
			bool wr)
{
	if (region >= ctx->nregions)
		return EINVAL;
	const struct vfu_region_desc *d = &ctx->regions[region];
	if (!d->size || !d->access)
		return EINVAL;
	if (!(d->flags & (wr ? VFU_REGION_F_WRITE : VFU_REGION_F_READ)))
		return EPERM;
	if (count == 0 || count > ctx->lim.max_data_xfer)
		return EINVAL;
	if (off >= d->size || count > d->size - off)
		return EINVAL;
	return 0;
}

/* Validates and performs one region access; positive errno on failure. */
static int region_access(struct vfu_ctx *ctx, uint32_t region, uint64_t off, void *buf,
			 uint32_t count, bool wr, uint32_t *done)
{
	int err = region_check(ctx, region, off, count, wr);
	if (err)
		return err;
	const struct vfu_region_desc *d = &ctx->regions[region];
	ssize_t r = d->access(ctx->opaque, region, off, buf, count, wr);
	if (r < 0)
		return r < -4095 ? EIO : (int)-r;
	if ((size_t)r > count)
		return EIO;
	*done = (uint32_t)r;
	if (wr)
		ctx->stats.region_writes++;
	else
		ctx->stats.region_reads++;
	return 0;
}

static int h_region_read(struct vfu_ctx *ctx, const uint8_t *p, size_t len, struct reply *rep)
{
	struct vfu_region_rw rw;

	if (len != sizeof(rw))
		return EINVAL;
	memcpy(&rw, p, sizeof(rw));
	if (rw.count == 0 || rw.count > ctx->lim.max_data_xfer)
		return EINVAL;
	uint8_t *b = vfu_reply_alloc(rep, sizeof(rw) + rw.count);
	if (!b)
		return ENOMEM;
	uint32_t done = 0;
	int err = region_access(ctx, rw.region, rw.offset, b + sizeof(rw), rw.count, false, &done);
	if (err)
		return err;
	rw.count = done;
	memcpy(b, &rw, sizeof(rw));
	rep->len = sizeof(rw) + done;
	return 0;
}

static int h_region_write(struct vfu_ctx *ctx, const uint8_t *p, size_t len, struct reply *rep)
{
	struct vfu_region_rw rw;

	if (len < sizeof(rw))
		return EINVAL;
	memcpy(&rw, p, sizeof(rw));
	if ((uint64_t)rw.count != len - sizeof(rw))
		return EINVAL;
	uint32_t done = 0;
	/* The payload is ours (received buffer), so the handler may read it in place. */
	int err = region_access(ctx, rw.region, rw.offset, (void *)(p + sizeof(rw)), rw.count, true,
				&done);
	if (err)
		return err;
	rw.count = done;
	void *b = vfu_reply_alloc(rep, sizeof(rw));
	if (!b)
		return ENOMEM;
	memcpy(b, &rw, sizeof(rw));
	return 0;
}

static int h_region_write_multi(struct vfu_ctx *ctx, const uint8_t *p, size_t len)
{
	uint64_t cnt;

	if (len < sizeof(cnt))
		return EINVAL;
	memcpy(&cnt, p, sizeof(cnt));
	if (cnt == 0 || cnt > VFU_WRMULTI_MAX || len != sizeof(cnt) + cnt * sizeof(struct vfu_wr_one))
		return EINVAL;
	/* Validate every entry before performing any, so a bad batch has no effect. */
	for (uint64_t i = 0; i < cnt; i++) {
		struct vfu_wr_one w;
		memcpy(&w, p + sizeof(cnt) + i * sizeof(w), sizeof(w));
		if (w.count > VFU_WRMULTI_DATA)
			return EINVAL;
		int err = region_check(ctx, w.region, w.offset, w.count, true);
		if (err)
			return err;
	}
	for (uint64_t i = 0; i < cnt; i++) {
		struct vfu_wr_one w;
		uint32_t done;
		memcpy(&w, p + sizeof(cnt) + i * sizeof(w), sizeof(w));
		int err = region_access(ctx, w.region, w.offset, w.data, w.count, true, &done);
		if (err)
			return err;
	}
	return 0;
}

static int h_reset(struct vfu_ctx *ctx, size_t len)
{
	if (len != 0)
		return EINVAL;
	if (!(ctx->dev_flags & VFU_DEV_F_RESET))
		return ENOTSUP;
	LOG_DEBUG(COMP, "%s: DEVICE_RESET", ctx->name);
	if (ctx->ops && ctx->ops->reset)
		ctx->ops->reset(ctx->opaque, VFU_RESET_DEVICE);
	return 0;
}

/* ---- dispatch ------------------------------------------------------------ */

static void dispatch(struct vfu_ctx *ctx, struct client *c, const struct vfu_hdr *h, uint8_t *p,
		     size_t len, int *fds, size_t nfds, bool fd_overflow)
{
	uint32_t type = h->flags & VFU_F_TYPE_MASK;
	struct reply rep = { .fd = -1 };
	int err = 0;

	if (type == VFU_F_TYPE_REPLY) {
		/*
		 * Replies are only read while dma_msg() waits for one; a client that
		 * let one time out is dropped, so no late answer reaches here either.
		 */
		LOG_RL(LOG_LVL_WARN, COMP, "%s: unexpected reply (id %u, cmd %u)", ctx->name, h->id,
		       h->cmd);
		vfu_kill_client(c, "unexpected reply");
		return;
	}
	ctx->stats.msgs++;
	if (type != VFU_F_TYPE_CMD || (h->flags & ~(VFU_F_TYPE_MASK | VFU_F_NO_REPLY)) || h->error) {
		err = EINVAL;
	} else if (fd_overflow || nfds > ctx->lim.max_msg_fds) {
		/* more fds than we announced in VERSION (max_msg_fds) */
		err = EINVAL;
	} else if (!c->negotiated && h->cmd != VFU_CMD_VERSION) {
		err = EINVAL;
	} else if (nfds && h->cmd != VFU_CMD_DMA_MAP && h->cmd != VFU_CMD_DEVICE_SET_IRQS) {
		err = EINVAL;
	} else {
		ctx->dispatch_depth++;
		switch (h->cmd) {
		case VFU_CMD_VERSION:
			err = h_version(ctx, c, p, len, &rep);
			if (!err && ctx->ops && ctx->ops->attach)
				ctx->ops->attach(ctx->opaque);
			break;
		case VFU_CMD_DMA_MAP:
			err = vfu_h_dma_map(ctx, c, p, len, fds, nfds);
			break;
		case VFU_CMD_DMA_UNMAP:
			err = vfu_h_dma_unmap(ctx, c, p, len, &rep);
			break;
		case VFU_CMD_DEVICE_GET_INFO:
			err = h_device_info(ctx, p, len, &rep);
			break;
		case VFU_CMD_DEVICE_GET_REGION_INFO:
			err = h_region_info(ctx, p, len, &rep);
			break;
		case VFU_CMD_DEVICE_GET_IRQ_INFO:
			err = vfu_h_irq_info(ctx, p, len, &rep);
			break;
		case VFU_CMD_DEVICE_SET_IRQS:
			err = vfu_h_set_irqs(ctx, p, len, fds, nfds);
			break;
		case VFU_CMD_REGION_READ:
			err = h_region_read(ctx, p, len, &rep);
			break;
		case VFU_CMD_REGION_WRITE:
			err = h_region_write(ctx, p, len, &rep);
			break;
		case VFU_CMD_REGION_WRITE_MULTI:
			err = h_region_write_multi(ctx, p, len);
			break;
		case VFU_CMD_DEVICE_RESET:
			err = h_reset(ctx, len);
			break;
		case VFU_CMD_DMA_READ:
		case VFU_CMD_DMA_WRITE:
			/* server-to-client only */
			err = EINVAL;
			break;
		case VFU_CMD_DEVICE_GET_REGION_IO_FDS:
		case VFU_CMD_DIRTY_PAGES:
		case VFU_CMD_DEVICE_FEATURE:
		case VFU_CMD_MIG_DATA_READ:
		case VFU_CMD_MIG_DATA_WRITE:
			err = ENOTSUP;
			break;
		default:
			err = ENOSYS;
			break;
		}
		ctx->dispatch_depth--;
	}
	if (err) {
		ctx->stats.msgs_err++;
		LOG_RL(LOG_LVL_WARN, COMP, "%s: %s (id %u, %zu bytes, %zu fds) failed: %s",
		       ctx->name, vfu_cmd_name(h->cmd), h->id, len, nfds, strerror(err));
	} else {
		LOG_TRACE(COMP, "%s: %s id %u ok", ctx->name, vfu_cmd_name(h->cmd), h->id);
	}
	if (!(h->flags & VFU_F_NO_REPLY) && !c->dead)
		send_reply(ctx, c, h, err, &rep);
	reply_release(&rep);
}

static void dispatch_current(struct vfu_ctx *ctx, struct client *c)
{
	struct vfu_hdr h = c->hdr;
	c->in_dispatch = true;
	dispatch(ctx, c, &h, c->body, c->body_len, c->fds, c->nfds, c->fd_overflow);
	c->in_dispatch = false;
	vfu_rx_reset(c);
}

static void drain_queue(struct vfu_ctx *ctx)
{
	struct client *c = ctx->client;
	while (c && c->q_head && !c->dead) {
		struct queued_msg *q = c->q_head;
		c->q_head = q->next;
		if (!c->q_head)
			c->q_tail = NULL;
		c->q_len--;
		c->in_dispatch = true;
		dispatch(ctx, c, &q->hdr, q->body, q->len, q->fds, q->nfds, q->fd_overflow);
		c->in_dispatch = false;
		close_fds(q->fds, q->nfds);
		free(q->body);
		free(q);
	}
}

/*
 * The client's guest memory faulted (it truncated or punched a hole in its
 * RAM file under our mapping): core/mguard has put anonymous memory in its
 * place, so nothing crashed, but the device has been reading zeros since.
 */
static bool check_mem_fault(struct vfu_ctx *ctx, struct client *c)
{
	uintptr_t va;
	uint64_t gpa = 0;

	if (!mguard_faulted(&c->dma.guard))
		return false;
	if (c->dead)
		return true;
	va = atomic_load(&c->dma.guard.addr);
	for (uint32_t i = 0; i < c->dma.n; i++) {
		const struct dma_region *r = &c->dma.r[i];

		if (r->ptr && va - (uintptr_t)r->ptr < r->size)
			gpa = r->addr + (va - (uintptr_t)r->ptr);
	}
	ctx->stats.mem_faults++;
	LOG_WARN(COMP, "%s: dropping client: its guest memory at 0x%llx is gone (the VMM truncated "
		       "or punched a hole in its RAM file); vmux put zero pages in its place",
		 ctx->name, (unsigned long long)gpa);
	vfu_kill_client(c, "guest memory fault");
	return true;
}

static void process_client(struct vfu_ctx *ctx)
{
	struct client *c = ctx->client;

	if (c && check_mem_fault(ctx, c)) {
		vfu_disconnect(ctx);
		return;
	}
	drain_queue(ctx);
	for (uint32_t i = 0; c && i < ctx->lim.msgs_per_wakeup && !c->dead; i++) {
		int r = vfu_rx_msg(ctx, c);
		if (r == 0)
			break;
		if (r < 0) {
			if (r == -ECONNRESET) {
				vfu_kill_client(c, "client closed the connection");
			} else {
				ctx->stats.proto_errors++;
				LOG_RL(LOG_LVL_WARN, COMP,
				       "%s: dropping client: bad message stream (hdr id %u cmd %u size %u): %s",
				       ctx->name, c->hdr.id, c->hdr.cmd, c->hdr.size, strerror(-r));
				vfu_kill_client(c, "protocol error");
			}
			break;
		}
		dispatch_current(ctx, c);
	}
	if (c && c->dead) {
		vfu_disconnect(ctx);
	} else if (c && c->rb_off < c->rb_len && ctx->kick_fd >= 0) {
		/* Whole messages may wait in our buffer, where epoll does not see them. */
		uint64_t one = 1;

		if (write(ctx->kick_fd, &one, sizeof(one)) < 0)
			LOG_WARN(COMP, "%s: kick: %s", ctx->name, strerror(errno));
	}
}

static void on_client_event(void *arg, uint32_t events)
{
	process_client(arg);
}

static void on_kick(void *arg, uint32_t events)
{
	struct vfu_ctx *ctx = arg;
	uint64_t v;
	if (read(ctx->kick_fd, &v, sizeof(v)) < 0) {
		/* spurious wake-up */
	}
	process_client(ctx);
}

void vfu_pump(struct vfu_ctx *ctx)
{
	while (ctx->client) {
		struct client *c = ctx->client;
		uint64_t before = ctx->stats.msgs;
		process_client(ctx);
		if (ctx->client != c || ctx->stats.msgs == before)
			break;
	}
}

/* ---- client lifecycle ---------------------------------------------------- */

static int client_new(struct vfu_ctx *ctx, struct loop *l, struct vfu_transport *t)
{
	struct client *c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->t = t;
	c->peer_max_xfer = ctx->lim.max_data_xfer;
	c->next_id = 0x8000; /* keep our ids apart from the client's, for readable traces */
	for (unsigned i = 0; i < VFU_MAX_FDS; i++)
		c->fds[i] = -1;
	dma_table_init(&c->dma, ctx->lim.max_dma_maps, ctx->lim.max_dma_total, ctx->kick_fd);
	ctx->loop = l ? l : ctx->loop;
	if (ctx->loop && t->ops->poll_fd(t) >= 0) {
		c->lfd = loop_add_fd(ctx->loop, t->ops->poll_fd(t), EPOLLIN, on_client_event, ctx);
		if (!c->lfd) {
			int e = errno;
			free(c);
			return -e;
		}
	}
	ctx->client = c;
	return 0;
}

static void client_free(struct vfu_ctx *ctx)
{
	struct client *c = ctx->client;
	if (!c)
		return;
	if (c->lfd)
		loop_del_fd(ctx->loop, c->lfd);
	vfu_rx_reset(c);
	close_fds(c->pfds, c->npfds);
	c->npfds = 0;
	while (c->q_head) {
		struct queued_msg *q = c->q_head;
		c->q_head = q->next;
		close_fds(q->fds, q->nfds);
		free(q->body);
		free(q);
	}
	c->t->ops->close(c->t);
	ctx->client = NULL;
	/* The device stops first, then its view of guest memory goes away. */
	if (ctx->ops && ctx->ops->reset)
		ctx->ops->reset(ctx->opaque, VFU_RESET_DISCONNECT);
	vfu_irqs_reset(ctx);
	dma_table_clear(&c->dma, vfu_dma_unmap_cb, ctx);
	dma_table_fini(&c->dma);
	free(c);
}

void vfu_disconnect(struct vfu_ctx *ctx)
{
	struct client *c = ctx->client;
	if (!c)
		return;
	if (ctx->dispatch_depth) {
		/* Called from inside a handler: finish the message first. */
		vfu_kill_client(c, "disconnected by the device");
		return;
	}
	LOG_INFO(COMP, "%s: client detached (%s)", ctx->name,
		 c->why_dead ? c->why_dead : "closed by vmux");
	client_free(ctx);
}

int vfu_attach(struct vfu_ctx *ctx, struct loop *l, struct vfu_transport *t)
{
	if (ctx->client)
		return -EBUSY;
	return client_new(ctx, l, t);
}

static void on_listen(void *arg, uint32_t events)
{
	struct vfu_ctx *ctx = arg;

	for (int i = 0; i < 8; i++) {
		bool shed;
		int fd = accept_or_shed(ctx->listen_fd, SOCK_NONBLOCK | SOCK_CLOEXEC, &shed);
		if (fd < 0) {
			if (shed)
				ctx->stats.clients_refused++;
			if (errno != EAGAIN && errno != EINTR)
				LOG_RL(LOG_LVL_WARN, COMP, "%s: accept: %s%s", ctx->name, strerror(errno),
				       shed ? " (connection refused)" : "");
			return;
		}
		if (ctx->client) {
			ctx->stats.clients_refused++;
			LOG_RL(LOG_LVL_WARN, COMP, "%s: refusing a second client on %s (one is attached)",
			       ctx->name, ctx->path);
			close(fd);
			continue;
		}
		struct vfu_transport *t = vfu_transport_socket(fd);
		if (!t) {
			close(fd);
			continue;
		}
		int r = client_new(ctx, ctx->loop, t);
		if (r < 0) {
			LOG_WARN(COMP, "%s: cannot take client: %s", ctx->name, strerror(-r));
			t->ops->close(t);
			continue;
		}
		LOG_INFO(COMP, "%s: client connected on %s", ctx->name, ctx->path);
	}
}

static int ensure_kick(struct vfu_ctx *ctx)
{
	if (ctx->kick_fd >= 0)
		return 0;
	ctx->kick_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (ctx->kick_fd < 0)
		return -errno;
	ctx->kick_lfd = loop_add_fd(ctx->loop, ctx->kick_fd, EPOLLIN, on_kick, ctx);
	return ctx->kick_lfd ? 0 : -errno;
}

int vfu_listen(struct vfu_ctx *ctx, struct loop *l, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, r;

	if (ctx->listen_fd >= 0)
		return -EBUSY;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = -errno;
		if (r != -EADDRINUSE)
			goto fail;
		/* Something is there: a live server, a stale socket, or not a socket at all. */
		struct stat st;
		if (lstat(path, &st) < 0 || !S_ISSOCK(st.st_mode)) {
			r = -EEXIST;
			goto fail;
		}
		int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (probe < 0) {
			r = -errno;
			goto fail;
		}
		int cr = connect(probe, (struct sockaddr *)&sa, sizeof(sa));
		int ce = errno;
		close(probe);
		if (cr == 0 || ce != ECONNREFUSED) {
			r = -EADDRINUSE;
			goto fail;
		}
		unlink(path);
		if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			r = -errno;
			goto fail;
		}
	}
	if (listen(fd, 4) < 0) {
		r = -errno;
		unlink(path);
		goto fail;
	}
	ctx->loop = l;
	ctx->listen_fd = fd;
	ctx->path = strdup(path);
	ctx->listen_lfd = loop_add_fd(l, fd, EPOLLIN, on_listen, ctx);
	if (!ctx->path || !ctx->listen_lfd || ensure_kick(ctx) < 0) {
		r = -ENOMEM;
		unlink(path);
		if (ctx->listen_lfd)
			loop_del_fd(l, ctx->listen_lfd);
		ctx->listen_lfd = NULL;
		free(ctx->path);
		ctx->path = NULL;
		ctx->listen_fd = -1;
		goto fail;
	}
	LOG_INFO(COMP, "%s: listening on %s", ctx->name, path);
	return 0;
fail:
	close(fd);
	return r;
}

void vfu_destroy(struct vfu_ctx *ctx)
{
	if (!ctx)
		return;
	if (ctx->client) {
		ctx->dispatch_depth = 0;
		client_free(ctx);
	}
	if (ctx->listen_lfd)
		loop_del_fd(ctx->loop, ctx->listen_lfd);
	if (ctx->listen_fd >= 0) {
		close(ctx->listen_fd);
		if (ctx->path)
			unlink(ctx->path);
	}
	if (ctx->kick_lfd)
		loop_del_fd(ctx->loop, ctx->kick_lfd);
	if (ctx->kick_fd >= 0)
		close(ctx->kick_fd);
	vfu_irqs_reset(ctx);
	for (unsigned i = 0; i < VFU_IRQ_NUM; i++)
		free(ctx->irqs[i].v);
	free(ctx->regions);
	free(ctx->path);
	free(ctx);
}
