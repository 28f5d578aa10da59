/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vfu interrupts: the IRQ indices and their eventfds (DEVICE_GET_IRQ_INFO,
 * DEVICE_SET_IRQS), INTx as a level-triggered, automasked line with its
 * unmask eventfd, and MSI/MSI-X vectors with their masks and pending bits.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "core/log.h"
#include "core/loop.h"
#include "vfu/server_priv.h"
#include "vfu/vfu.h"

#define COMP "vfu"

/* ---- interrupts -------------------------------------------------------- */

static void irq_signal(struct vfu_ctx *ctx, struct irq_vec *v)
{
	uint64_t one = 1;
	if (write(v->efd, &one, sizeof(one)) < 0)
		LOG_RL(LOG_LVL_WARN, COMP, "%s: eventfd write: %s", ctx->name, strerror(errno));
	else
		ctx->stats.irqs_signalled++;
	v->pending = false;
}

static void intx_unmask(struct vfu_ctx *ctx)
{
	struct irq_index *ix = &ctx->irqs[VFU_IRQ_INTX];
	if (!ix->count)
		return;
	struct irq_vec *v = &ix->v[0];
	v->masked = false;
	/* Level-triggered: still asserted, so signal again (and automask). */
	if (ctx->intx_level && v->efd >= 0) {
		irq_signal(ctx, v);
		v->masked = true;
	}
}

void vfu_intx_set(struct vfu_ctx *ctx, bool level)
{
	struct irq_index *ix = &ctx->irqs[VFU_IRQ_INTX];
	bool rising = level && !ctx->intx_level;

	ctx->intx_level = level;
	if (!ix->count)
		return;
	struct irq_vec *v = &ix->v[0];
	v->pending = level;
	if (rising && v->efd >= 0 && !v->masked) {
		irq_signal(ctx, v);
		v->masked = true;
	}
}

int vfu_irq_trigger(struct vfu_ctx *ctx, uint32_t index, uint32_t sub)
{
	if (index >= VFU_IRQ_NUM || sub >= ctx->irqs[index].count)
		return -EINVAL;
	if (index == VFU_IRQ_INTX) {
		/* A pulse on a level-triggered line. */
		vfu_intx_set(ctx, true);
		ctx->intx_level = false;
		return 0;
	}
	struct irq_vec *v = &ctx->irqs[index].v[sub];
	if (v->efd < 0) {
		v->pending = true;
		return -ENOENT;
	}
	if (v->masked) {
		v->pending = true;
		return -EAGAIN;
	}
	irq_signal(ctx, v);
	return 0;
}

uint32_t vfu_irq_enabled_count(const struct vfu_ctx *ctx, uint32_t index)
{
	uint32_t n = 0;
	if (index >= VFU_IRQ_NUM)
		return 0;
	for (uint32_t i = 0; i < ctx->irqs[index].count; i++)
		if (ctx->irqs[index].v[i].efd >= 0)
			n++;
	return n;
}

/* Vector sub of index; NULL when out of range. */
static const struct irq_vec *vec_get(const struct vfu_ctx *ctx, uint32_t index, uint32_t sub)
{
	if (index >= VFU_IRQ_NUM || sub >= ctx->irqs[index].count)
		return NULL;
	return &ctx->irqs[index].v[sub];
}

bool vfu_irq_pending(const struct vfu_ctx *ctx, uint32_t index, uint32_t sub)
{
	const struct irq_vec *v = vec_get(ctx, index, sub);

	return v && v->pending;
}

bool vfu_irq_has_eventfd(const struct vfu_ctx *ctx, uint32_t index, uint32_t sub)
{
	const struct irq_vec *v = vec_get(ctx, index, sub);

	return v && v->efd >= 0;
}

int vfu_irq_eventfd(const struct vfu_ctx *ctx, uint32_t index, uint32_t sub)
{
	const struct irq_vec *v = vec_get(ctx, index, sub);

	return v ? v->efd : -1;
}

int vfu_intx_unmask_eventfd(const struct vfu_ctx *ctx)
{
	return ctx->intx_unmask_fd;
}

bool vfu_irq_masked(const struct vfu_ctx *ctx, uint32_t index, uint32_t sub)
{
	const struct irq_vec *v = vec_get(ctx, index, sub);

	return v && v->masked;
}

static void on_intx_unmask_fd(void *arg, uint32_t events)
{
	struct vfu_ctx *ctx = arg;
	uint64_t v;
	if (read(ctx->intx_unmask_fd, &v, sizeof(v)) == sizeof(v))
		intx_unmask(ctx);
}

static void intx_unmask_fd_set(struct vfu_ctx *ctx, int fd)
{
	if (ctx->intx_unmask_lfd) {
		loop_del_fd(ctx->loop, ctx->intx_unmask_lfd);
		ctx->intx_unmask_lfd = NULL;
	}
	if (ctx->intx_unmask_fd >= 0)
		close(ctx->intx_unmask_fd);
	ctx->intx_unmask_fd = fd;
	if (fd >= 0 && ctx->loop) {
		ctx->intx_unmask_lfd = loop_add_fd(ctx->loop, fd, EPOLLIN, on_intx_unmask_fd, ctx);
		if (!ctx->intx_unmask_lfd)
			LOG_WARN(COMP, "%s: cannot poll INTx unmask eventfd: %s", ctx->name,
				 strerror(errno));
	}
}

void vfu_irqs_reset(struct vfu_ctx *ctx)
{
	for (uint32_t i = 0; i < VFU_IRQ_NUM; i++) {
		struct irq_index *ix = &ctx->irqs[i];
		for (uint32_t j = 0; j < ix->count; j++) {
			if (ix->v[j].efd >= 0)
				close(ix->v[j].efd);
			ix->v[j] = (struct irq_vec){ .efd = -1 };
		}
	}
	intx_unmask_fd_set(ctx, -1);
	ctx->intx_level = false;
}

/* ---- command handlers ---------------------------------------------------- */

int vfu_h_irq_info(struct vfu_ctx *ctx, const uint8_t *p, size_t len, struct reply *rep)
{
	struct vfu_irq_info in;

	if (len < sizeof(in))
		return EINVAL;
	memcpy(&in, p, sizeof(in));
	if (in.argsz < sizeof(in) || in.index >= VFU_IRQ_NUM)
		return EINVAL;
	const struct irq_index *ix = &ctx->irqs[in.index];
	struct vfu_irq_info out = {
		.argsz = sizeof(out),
		.flags = ix->count ? ix->flags : 0,
		.index = in.index,
		.count = ix->count,
	};
	void *b = vfu_reply_alloc(rep, sizeof(out));
	if (!b)
		return ENOMEM;
	memcpy(b, &out, sizeof(out));
	return 0;
}

/*
 * Only eventfds are accepted as interrupt fds: anything else (a pipe, a
 * socket, a file) could block or misbehave when we signal it. Ours are made
 * non-blocking, so that even a counter a hostile client pushed to its maximum
 * cannot stall the loop (QEMU's own eventfds are non-blocking already).
 */
static bool is_eventfd(int fd)
{
	char path[64], target[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(path, target, sizeof(target) - 1);
	if (n <= 0)
		return false;
	target[n] = '\0';
	if (strcmp(target, "anon_inode:[eventfd]") != 0)
		return false;
	int fl = fcntl(fd, F_GETFL);
	return fl >= 0 && (fl & O_NONBLOCK || fcntl(fd, F_SETFL, fl | O_NONBLOCK) == 0);
}

static void vec_set_mask(struct vfu_ctx *ctx, uint32_t index, uint32_t sub, bool mask)
{
	struct irq_vec *v = &ctx->irqs[index].v[sub];
	if (index == VFU_IRQ_INTX) {
		if (mask)
			v->masked = true;
		else
			intx_unmask(ctx);
		return;
	}
	v->masked = mask;
	if (!mask && v->pending && v->efd >= 0)
		irq_signal(ctx, v);
}

int vfu_h_set_irqs(struct vfu_ctx *ctx, const uint8_t *p, size_t len, int *fds, size_t nfds)
{
	struct vfu_irq_set s;

	if (len < sizeof(s))
		return EINVAL;
	memcpy(&s, p, sizeof(s));
	if (s.argsz < sizeof(s) || s.index >= VFU_IRQ_NUM)
		return EINVAL;
	uint32_t data = s.flags & VFU_IRQ_SET_DATA_MASK;
	uint32_t action = s.flags & VFU_IRQ_SET_ACTION_MASK_ALL;
	if (s.flags & ~(VFU_IRQ_SET_DATA_MASK | VFU_IRQ_SET_ACTION_MASK_ALL))
		return EINVAL;
	if (__builtin_popcount(data) != 1 || __builtin_popcount(action) != 1)
		return EINVAL;
	struct irq_index *ix = &ctx->irqs[s.index];
	uint64_t end = (uint64_t)s.start + s.count;
	const uint8_t *bools = p + sizeof(s);

	if (data != VFU_IRQ_SET_DATA_EVENTFD && nfds)
		return EINVAL;
	if (data == VFU_IRQ_SET_DATA_BOOL && len - sizeof(s) < s.count)
		return EINVAL;

	/* count 0 + DATA_NONE + TRIGGER: disable the whole index. */
	if (s.count == 0) {
		if (data != VFU_IRQ_SET_DATA_NONE || action != VFU_IRQ_SET_ACTION_TRIGGER ||
		    s.start != 0)
			return EINVAL;
		for (uint32_t j = 0; j < ix->count; j++) {
			if (ix->v[j].efd >= 0)
				close(ix->v[j].efd);
			ix->v[j] = (struct irq_vec){ .efd = -1 };
		}
		if (s.index == VFU_IRQ_INTX)
			intx_unmask_fd_set(ctx, -1);
		goto changed;
	}
	if (end > ix->count)
		return EINVAL;

	if (data == VFU_IRQ_SET_DATA_EVENTFD) {
		/* fds for every vector, or none at all (de-assign) */
		if (nfds != 0 && nfds != s.count)
			return EINVAL;
		for (size_t j = 0; j < nfds; j++)
			if (!is_eventfd(fds[j]))
				return EINVAL;
		if (action == VFU_IRQ_SET_ACTION_MASK)
			return EINVAL;
		if (action == VFU_IRQ_SET_ACTION_UNMASK) {
			/* An unmask (resample) eventfd, INTx only. */
			if (s.index != VFU_IRQ_INTX || s.count != 1)
				return EINVAL;
			intx_unmask_fd_set(ctx, nfds ? fds[0] : -1);
			if (nfds)
				fds[0] = -1;
			goto changed;
		}
		for (uint32_t j = 0; j < s.count; j++) {
			struct irq_vec *v = &ix->v[s.start + j];
			if (v->efd >= 0)
				close(v->efd);
			v->efd = nfds ? fds[j] : -1;
			if (nfds)
				fds[j] = -1;
			if (s.index != VFU_IRQ_INTX) {
				v->masked = false;
				if (v->efd >= 0 && v->pending)
					irq_signal(ctx, v);
			} else if (v->efd >= 0 && ctx->intx_level && !v->masked) {
				irq_signal(ctx, v);
				v->masked = true;
			}
		}
		goto changed;
	}

	for (uint32_t j = 0; j < s.count; j++) {
		uint32_t sub = s.start + j;
		if (data == VFU_IRQ_SET_DATA_BOOL && !bools[j])
			continue;
		switch (action) {
		case VFU_IRQ_SET_ACTION_TRIGGER:
			if (s.index == VFU_IRQ_INTX) {
				struct irq_vec *v = &ix->v[sub];
				if (v->efd >= 0)
					irq_signal(ctx, v);
			} else {
				vfu_irq_trigger(ctx, s.index, sub);
			}
			break;
		case VFU_IRQ_SET_ACTION_MASK:
			vec_set_mask(ctx, s.index, sub, true);
			break;
		case VFU_IRQ_SET_ACTION_UNMASK:
			vec_set_mask(ctx, s.index, sub, false);
			break;
		}
	}
	if (action == VFU_IRQ_SET_ACTION_TRIGGER)
		return 0;
changed:
	if (ctx->ops && ctx->ops->irq_changed)
		ctx->ops->irq_changed(ctx->opaque, s.index);
	return 0;
}
