/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The passthrough device's interrupts. The VMM's eventfds go to VFIO
 * (VFIO_DEVICE_SET_IRQS), so that an interrupt travels from the device to
 * the VMM (KVM's irqfd) without a thread of ours. INTx: VFIO's trigger is
 * the VMM's eventfd, VFIO automasks it and the VMM's UNMASK is forwarded.
 * MSI: the VMM's eventfds, as many vectors as it gave. MSI-X: the table the
 * guest writes is trapped here; a vector that is unmasked (its vector
 * control, the function mask, the VMM's SET_IRQS mask) and has the VMM's
 * eventfd gets that eventfd; any other vector gets an eventfd of ours, whose
 * interrupt sets the vector's PBA bit, and unmasking it delivers that one.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "core/log.h"
#include "core/loop.h"
#include "dev/passthrough/pt_dev.h"
#include "vfu/vfu.h"

#define COMP "passthrough"

static bool vec_masked(struct pt_dev *p, unsigned i)
{
	return pt_cfg_msix_func_masked(&p->cfg) || (p->msix_table[i * 16 + 12] & 1) ||
	       vfu_irq_masked(p->ctx, VFU_IRQ_MSIX, i);
}

static void signal_fd(struct pt_dev *p, int fd)
{
	uint64_t one = 1;

	if (write(fd, &one, sizeof(one)) < 0)
		LOG_RL(LOG_LVL_WARN, COMP, "%s: eventfd write: %s", p->name, strerror(errno));
}

static void on_own(void *arg, uint32_t events);


int pt_irq_init(struct pt_dev *p)
{
	unsigned n = p->msix_n;

	if (!n)
		return 0;
	p->msix_table = calloc(n, 16);
	p->pba = calloc((n + 63) / 64, sizeof(uint64_t));
	p->own_efd = calloc(n, sizeof(int));
	p->own_lfd = calloc(n, sizeof(*p->own_lfd));
	p->routed = calloc(n, sizeof(int));
	p->vecs = calloc(n, sizeof(*p->vecs));
	if (!p->msix_table || !p->pba || !p->own_efd || !p->own_lfd || !p->routed || !p->vecs)
		return -ENOMEM;
	for (unsigned i = 0; i < n; i++)
		p->own_efd[i] = p->routed[i] = -1;
	for (unsigned i = 0; i < n; i++) {
		p->own_efd[i] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (p->own_efd[i] < 0)
			return -errno;
		p->vecs[i] = (struct pt_vec){ p, i };
		p->own_lfd[i] = loop_add_fd(p->loop, p->own_efd[i], EPOLLIN, on_own, &p->vecs[i]);
		if (!p->own_lfd[i])
			return errno ? -errno : -ENOMEM;
	}
	pt_irq_reset(p);
	return 0;
}

void pt_irq_fini(struct pt_dev *p)
{
	for (unsigned i = 0; p->own_efd && i < p->msix_n; i++) {
		if (p->own_lfd && p->own_lfd[i])
			loop_del_fd(p->loop, p->own_lfd[i]);
		if (p->own_efd[i] >= 0)
			close(p->own_efd[i]);
	}
	free(p->msix_table);
	free(p->pba);
	free(p->own_efd);
	free(p->own_lfd);
	free(p->routed);
	free(p->vecs);
}

void pt_irq_reset(struct pt_dev *p)
{
	/* INTx, MSI, MSI-X; ERR and REQ stay registered (req.c). */
	for (unsigned i = 0; i <= VFIO_PCI_MSIX; i++)
		if (p->v.irq[i].count && vfio_is_open(&p->v) && vfio_irq_disable(&p->v, i))
			p->cnt.irq_set_err++;
	p->msix_on = p->msi_on = p->intx_on = p->intx_ufd = false;
	p->msi_n = 0;
	for (unsigned i = 0; i < p->msix_n; i++) {
		/*
		 * Unmasked after reset, unlike the PCI reset state: a VMM that
		 * emulates the table itself (QEMU) never writes ours and masks
		 * through its own routing; a client that drives this table
		 * (the in-tree one) masks vectors here.
		 */
		memset(p->msix_table + i * 16, 0, 16);
		p->routed[i] = -1;
		uint64_t drain;
		if (read(p->own_efd[i], &drain, sizeof(drain)) < 0 && errno != EAGAIN)
			p->cnt.irq_set_err++;
	}
	if (p->pba)
		memset(p->pba, 0, (p->msix_n + 63) / 64 * sizeof(uint64_t));
}

/* A vector fired while we had it (masked, or no eventfd from the VMM): pending. */
static void on_own(void *arg, uint32_t events)
{
	struct pt_vec *a = arg;
	struct pt_dev *p = a->p;
	uint64_t v;

	(void)events;
	if (read(p->own_efd[a->i], &v, sizeof(v)) != sizeof(v))
		return;
	p->pba[a->i / 64] |= 1ull << (a->i % 64);
	p->cnt.msix_held++;
	/* Unmasked meanwhile (the route changes in the same thread: only a race with VFIO). */
	int fd = vfu_irq_eventfd(p->ctx, VFU_IRQ_MSIX, a->i);
	if (p->routed[a->i] == fd && fd >= 0 && !vec_masked(p, a->i)) {
		p->pba[a->i / 64] &= ~(1ull << (a->i % 64));
		signal_fd(p, fd);
		p->cnt.msix_released++;
	}
}

static void intx_update(struct pt_dev *p);
static void msi_update(struct pt_dev *p);

/*
 * VFIO has one interrupt mode at a time (as the function does): INTx gives
 * way while MSI or MSI-X is on, and comes back when both are off.
 */
static void intx_yield(struct pt_dev *p)
{
	if (p->intx_on && vfio_irq_disable(&p->v, VFIO_PCI_INTX))
		p->cnt.irq_set_err++;
	p->intx_on = false;
	p->intx_ufd = false; /* VFIO drops it with the trigger */
}

static void msix_update(struct pt_dev *p, bool force)
{
	int fds[2048];
	unsigned n = p->msix_n;
	bool want = pt_cfg_msix_enabled(&p->cfg) || vfu_irq_enabled_count(p->ctx, VFU_IRQ_MSIX);

	if (!n)
		return;
	if (!want) {
		if (p->msix_on && vfio_irq_disable(&p->v, VFIO_PCI_MSIX))
			p->cnt.irq_set_err++;
		bool was = p->msix_on;
		p->msix_on = false;
		for (unsigned i = 0; i < n; i++)
			p->routed[i] = -1;
		if (was)
			msi_update(p); /* MSI or INTx, as the VMM has them, get the device back */
		return;
	}
	if (!p->msix_on) {
		intx_yield(p);
		if (p->msi_on && vfio_irq_disable(&p->v, VFIO_PCI_MSI))
			p->cnt.irq_set_err++;
		p->msi_on = false;
	}
	bool changed = force || !p->msix_on;
	for (unsigned i = 0; i < n; i++) {
		int cfd = vfu_irq_eventfd(p->ctx, VFU_IRQ_MSIX, i);
		fds[i] = (cfd >= 0 && !vec_masked(p, i)) ? cfd : p->own_efd[i];
		changed |= fds[i] != p->routed[i];
	}
	if (changed) {
		int r = vfio_irq_set_eventfds(&p->v, VFIO_PCI_MSIX, 0, n, fds);
		if (r) {
			p->cnt.irq_set_err++;
			LOG_RL(LOG_LVL_WARN, COMP, "%s: MSI-X: VFIO_DEVICE_SET_IRQS: %s", p->name,
			       strerror(-r));
			return;
		}
		p->msix_on = true;
		memcpy(p->routed, fds, n * sizeof(int));
	}
	/* Deliver what fired while masked, now that it is not. */
	for (unsigned i = 0; i < n; i++) {
		uint64_t bit = 1ull << (i % 64);
		if ((p->pba[i / 64] & bit) && p->routed[i] != p->own_efd[i]) {
			p->pba[i / 64] &= ~bit;
			signal_fd(p, p->routed[i]);
			p->cnt.msix_released++;
		}
	}
}

static void msi_update(struct pt_dev *p)
{
	unsigned n = p->v.irq[VFIO_PCI_MSI].count, top = 0;
	int fds[32];

	if (n > 32)
		n = 32;
	for (unsigned i = 0; i < n; i++) {
		fds[i] = vfu_irq_eventfd(p->ctx, VFU_IRQ_MSI, i);
		if (fds[i] >= 0)
			top = i + 1;
	}
	/* MSI's vector count is fixed while it is enabled: off, then on with the new set. */
	if (p->msi_on && vfio_irq_disable(&p->v, VFIO_PCI_MSI))
		p->cnt.irq_set_err++;
	p->msi_on = false;
	if (p->msix_on)
		return; /* MSI-X has the device */
	if (!top) {
		intx_update(p);
		return;
	}
	intx_yield(p);
	int r = vfio_irq_set_eventfds(&p->v, VFIO_PCI_MSI, 0, top, fds);
	if (r) {
		p->cnt.irq_set_err++;
		LOG_RL(LOG_LVL_WARN, COMP, "%s: MSI: VFIO_DEVICE_SET_IRQS (%u vectors): %s", p->name,
		       top, strerror(-r));
		return;
	}
	p->msi_on = true;
	p->msi_n = top;
}

static void intx_update(struct pt_dev *p)
{
	int fd = vfu_irq_eventfd(p->ctx, VFU_IRQ_INTX, 0);
	int r;

	if (!p->v.irq[VFIO_PCI_INTX].count)
		return;
	if (fd < 0 || p->msix_on || p->msi_on) {
		intx_yield(p);
		return;
	}
	/* Set again on every change: the VMM may have replaced it under the same number. */
	r = vfio_irq_set_eventfds(&p->v, VFIO_PCI_INTX, 0, 1, &fd);
	if (r) {
		p->cnt.irq_set_err++;
		LOG_RL(LOG_LVL_WARN, COMP, "%s: INTx: VFIO_DEVICE_SET_IRQS: %s", p->name, strerror(-r));
		return;
	}
	p->intx_on = true;
	/*
	 * The VMM's unmask eventfd (KVM's resample irqfd) goes to VFIO too: the
	 * guest's EOI then unmasks the line without a thread of ours.
	 */
	int ufd = vfu_intx_unmask_eventfd(p->ctx);
	if (ufd >= 0 || p->intx_ufd) {
		r = vfio_irq_unmask_eventfd(&p->v, ufd);
		if (r)
			p->cnt.irq_set_err++;
		p->intx_ufd = !r && ufd >= 0;
	}
	bool masked = vfu_irq_masked(p->ctx, VFU_IRQ_INTX, 0);
	r = vfio_irq_mask(&p->v, VFIO_PCI_INTX, 0, masked);
	if (r)
		p->cnt.irq_set_err++;
	else if (!masked)
		p->cnt.intx_unmasks++;
}

void pt_irq_update(struct pt_dev *p, unsigned index, bool force)
{
	switch (index) {
	case VFU_IRQ_INTX:
		intx_update(p);
		break;
	case VFU_IRQ_MSI:
		msi_update(p);
		break;
	case VFU_IRQ_MSIX:
		msix_update(p, force);
		break;
	default:
		break; /* ERR and REQ stay with vfu */
	}
}

bool pt_msix_access(struct pt_dev *p, unsigned bar, uint64_t off, void *buf, size_t len,
		    bool is_write, ssize_t *ret)
{
	const struct pt_cfg *c = &p->cfg;
	uint64_t t0 = c->msix_table_off, tlen = (uint64_t)p->msix_n * 16;
	uint64_t p0 = c->msix_pba_off, plen = (p->msix_n + 63) / 64 * 8;
	bool in_t = bar == c->msix_table_bar && off < t0 + tlen && t0 < off + len;
	bool in_p = bar == c->msix_pba_bar && off < p0 + plen && p0 < off + len;

	if (!p->msix_n || (!in_t && !in_p))
		return false;
	if (in_t && (off < t0 || off + len > t0 + tlen)) {
		p->cnt.bar_straddle++;
		*ret = -EINVAL;
		return true;
	}
	if (in_p && !in_t && (off < p0 || off + len > p0 + plen)) {
		p->cnt.bar_straddle++;
		*ret = -EINVAL;
		return true;
	}
	*ret = (ssize_t)len;
	if (in_t) {
		uint64_t o = off - t0;
		if (!is_write) {
			memcpy(buf, p->msix_table + o, len);
			return true;
		}
		p->cnt.msix_table_writes++;
		memcpy(p->msix_table + o, buf, len);
		/* Vector control: only the mask bit exists. */
		bool ctl = false;
		for (uint64_t e = o / 16; e <= (o + len - 1) / 16; e++) {
			memset(p->msix_table + e * 16 + 13, 0, 3);
			p->msix_table[e * 16 + 12] &= 1;
			ctl |= o + len > e * 16 + 12 && o < e * 16 + 16;
		}
		if (ctl)
			msix_update(p, false);
		return true;
	}
	if (is_write) {
		p->cnt.pba_writes_dropped++;
		return true;
	}
	memcpy(buf, (uint8_t *)p->pba + (off - p0), len);
	return true;
}
