/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vfuc: interrupts (SET_IRQS as QEMU chunks it, eventfds, waiting for a
 * vector).
 */
#include "client/vfuc.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "client/vfuc_priv.h"

/* ---- interrupts --------------------------------------------------------- */

void vfuc_irqs_drop(struct vfuc *c, uint32_t index)
{
	struct vfuc_irqs *q = &c->irq[index];

	if (q->fds) {
		vfuc_close_fds(q->fds, q->count);
		free(q->fds);
	}
	q->fds = NULL;
	q->count = 0;
}

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
	vfuc_irqs_drop(c, index);
	c->irq[index].fds = fds;
	c->irq[index].count = count;
	return 0;
fail:
	vfuc_close_fds(fds, count);
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
		vfuc_irqs_drop(c, index);
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
	uint64_t deadline = vfuc_deadline_in(timeout_ms);
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
		left = vfuc_ms_left(deadline);
		if (left == 0)
			return 0;
		if (poll(pfd, 2, left) < 0 && errno != EINTR)
			return -errno;
		/*
		 * The server may need us meanwhile: DMA_READ/WRITE for private
		 * memory arrive on the socket while the test waits here.
		 */
		if (pfd[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			int r = vfuc_rx_step(c, vfuc_now_ms());

			if (r == 1) {
				r = vfuc_handle_other(c);
				if (r < 0)
					return r;
			} else if (r < 0 && r != -ETIMEDOUT) {
				/* server gone: the eventfd may still hold a count */
				continue;
			}
		}
	}
}
