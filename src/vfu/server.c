/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The vfio-user server: one listening socket per device, one client at a
 * time, every message validated before it reaches a handler.
 *
 * This file has the context (creation, regions), the listening socket and
 * the client's lifecycle, and the dispatch loop. Message I/O is in msg.c,
 * the command handlers in handlers.c, irq.c (interrupts) and dma_msg.c (DMA);
 * server_priv.h has the state they share.
 *
 * Error policy: a message that is well framed but wrong gets an error reply
 * (or, if posted, a counted and logged drop); a stream that can no longer be
 * trusted (bad header, oversized message, EOF, I/O error) drops that client
 * only. Nothing a client sends may abort the process.
 */
#include <errno.h>
#include <fcntl.h>
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
			err = vfu_h_version(ctx, c, p, len, &rep);
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
			err = vfu_h_device_info(ctx, p, len, &rep);
			break;
		case VFU_CMD_DEVICE_GET_REGION_INFO:
			err = vfu_h_region_info(ctx, p, len, &rep);
			break;
		case VFU_CMD_DEVICE_GET_IRQ_INFO:
			err = vfu_h_irq_info(ctx, p, len, &rep);
			break;
		case VFU_CMD_DEVICE_SET_IRQS:
			err = vfu_h_set_irqs(ctx, p, len, fds, nfds);
			break;
		case VFU_CMD_REGION_READ:
			err = vfu_h_region_read(ctx, p, len, &rep);
			break;
		case VFU_CMD_REGION_WRITE:
			err = vfu_h_region_write(ctx, p, len, &rep);
			break;
		case VFU_CMD_REGION_WRITE_MULTI:
			err = vfu_h_region_write_multi(ctx, p, len);
			break;
		case VFU_CMD_DEVICE_RESET:
			err = vfu_h_reset(ctx, len);
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
		vfu_send_reply(ctx, c, h, err, &rep);
	vfu_reply_release(&rep);
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
		vfu_close_fds(q->fds, q->nfds);
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
	vfu_close_fds(c->pfds, c->npfds);
	c->npfds = 0;
	while (c->q_head) {
		struct queued_msg *q = c->q_head;
		c->q_head = q->next;
		vfu_close_fds(q->fds, q->nfds);
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

int vfu_listen_fd(struct vfu_ctx *ctx, struct loop *l, int fd, const char *label)
{
	int v = 0, fl;
	socklen_t len = sizeof(v);

	if (ctx->listen_fd >= 0)
		return -EBUSY;
	if (fd < 0)
		return -EBADF;
	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &v, &len) < 0)
		return errno == ENOTSOCK ? -ENOTSOCK : -errno;
	if (v != AF_UNIX)
		return -EAFNOSUPPORT;
	len = sizeof(v);
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &len) < 0 || v != SOCK_STREAM)
		return -ESOCKTNOSUPPORT;
	len = sizeof(v);
	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &v, &len) < 0 || !v)
		return -EDESTADDRREQ; /* not listening */
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
		return -errno;
	ctx->loop = l;
	ctx->path = strdup(label ? label : "fd");
	ctx->path_inherited = true;
	ctx->listen_fd = fd;
	ctx->listen_lfd = ctx->path ? loop_add_fd(l, fd, EPOLLIN, on_listen, ctx) : NULL;
	if (!ctx->listen_lfd || ensure_kick(ctx) < 0) {
		if (ctx->listen_lfd)
			loop_del_fd(l, ctx->listen_lfd);
		ctx->listen_lfd = NULL;
		free(ctx->path);
		ctx->path = NULL;
		ctx->listen_fd = -1;
		return -ENOMEM;
	}
	LOG_INFO(COMP, "%s: listening on %s (fd %d, handed over)", ctx->name, ctx->path, fd);
	return 0;
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
		/* A handed-over socket's path belongs to whoever bound it. */
		if (ctx->path && !ctx->path_inherited)
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
