/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The passthrough device's ERR and REQ interrupts (VFIO_PCI_ERR_IRQ_INDEX,
 * VFIO_PCI_REQ_IRQ_INDEX), each an eventfd of ours registered with VFIO for
 * the device's lifetime where VFIO offers it (not touched by resets).
 *
 * ERR: vfio-pci signals it when AER reports an error on the function; it is
 * counted, logged and forwarded to the client's ERR eventfd (vfio-user's
 * VFU_IRQ_ERR) if it set one, as QEMU's vfio-pci forwards it to the guest.
 *
 * REQ: vfio-pci signals it when the kernel wants the device back (an unbind
 * of vfio-pci, a hot-unplug), and the unbind waits until every user has
 * closed the device. vmux lets go at once: the client is disconnected (its
 * maps leave the IOMMU, the device is reset), no region is offered for mmap
 * any more, and device, group and container are closed. The instance and its
 * socket stay; a client that attaches later is refused (the device is gone).
 * A client that keeps a mapping of the device fd (QEMU maps the BARs through
 * it) still holds the device until it unmaps: the unbind waits for it.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "core/log.h"
#include "core/loop.h"
#include "dev/passthrough/pt_dev.h"
#include "vfu/vfu.h"

#define COMP "passthrough"

static bool drain(int fd)
{
	uint64_t v;

	return read(fd, &v, sizeof(v)) == sizeof(v);
}

static void on_err(void *arg, uint32_t events)
{
	struct pt_dev *p = arg;

	(void)events;
	if (p->er_efd[0] < 0 || !drain(p->er_efd[0]))
		return;
	p->cnt.err_irqs++;
	bool fwd = vfu_connected(p->ctx) && vfu_irq_trigger(p->ctx, VFU_IRQ_ERR, 0) == 0;
	if (fwd)
		p->cnt.err_forwarded++;
	LOG_RL(LOG_LVL_WARN, COMP, "%s: %s reports an error (VFIO's ERR interrupt, %" PRIu64
				   " so far)%s", p->name, p->v.bdf, p->cnt.err_irqs,
	       fwd ? "; forwarded to the client's ERR interrupt" : "; the client has no ERR "
								  "interrupt set");
}

static void on_req(void *arg, uint32_t events)
{
	struct pt_dev *p = arg;

	(void)events;
	if (p->er_efd[1] < 0 || !drain(p->er_efd[1]))
		return;
	p->cnt.req_irqs++;
	pt_release(p, "the kernel asks for it back (VFIO's REQ interrupt: vfio-pci unbound?)");
}

void pt_errreq_init(struct pt_dev *p)
{
	static const unsigned idx[2] = { VFIO_PCI_ERR, VFIO_PCI_REQ };
	static const char *const name[2] = { "ERR", "REQ" };
	loop_fd_cb cb[2] = { on_err, on_req };

	for (unsigned k = 0; k < 2; k++) {
		p->er_efd[k] = -1;
		p->er_lfd[k] = NULL;
		const struct vfio_irq *q = &p->v.irq[idx[k]];
		if (!q->count || !(q->flags & VFIO_IRQ_INFO_EVENTFD))
			continue;
		int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (fd < 0) {
			LOG_WARN(COMP, "%s: no eventfd for VFIO's %s interrupt: %s", p->name, name[k],
				 strerror(errno));
			continue;
		}
		p->er_lfd[k] = loop_add_fd(p->loop, fd, EPOLLIN, cb[k], p);
		int r = p->er_lfd[k] ? vfio_irq_set_eventfds(&p->v, idx[k], 0, 1, &fd) : -ENOMEM;
		if (r) {
			LOG_WARN(COMP, "%s: VFIO's %s interrupt not set up: %s", p->name, name[k],
				 strerror(-r));
			if (p->er_lfd[k])
				loop_del_fd(p->loop, p->er_lfd[k]);
			p->er_lfd[k] = NULL;
			close(fd);
			continue;
		}
		p->er_efd[k] = fd;
	}
	LOG_INFO(COMP, "%s: VFIO's ERR interrupt %s, REQ %s", p->name,
		 p->er_efd[0] >= 0 ? "forwarded" : "not offered",
		 p->er_efd[1] >= 0 ? "releases the device" : "not offered (an unbind waits for "
							     "vmux to stop)");
}

void pt_errreq_fini(struct pt_dev *p)
{
	static const unsigned idx[2] = { VFIO_PCI_ERR, VFIO_PCI_REQ };

	for (unsigned k = 0; k < 2; k++) {
		if (p->er_efd[k] < 0)
			continue;
		vfio_irq_disable(&p->v, idx[k]);
		if (p->er_lfd[k])
			loop_del_fd(p->loop, p->er_lfd[k]);
		p->er_lfd[k] = NULL;
		close(p->er_efd[k]);
		p->er_efd[k] = -1;
	}
}

void pt_release(struct pt_dev *p, const char *why)
{
	if (p->released)
		return;
	LOG_WARN(COMP, "%s: %s: %s; releasing it (client disconnected, device closed)", p->name,
		 p->v.bdf, why);
	bool had_client = vfu_connected(p->ctx);
	/* The client's end: interrupts off, bus mastering off, a reset, its maps out of the IOMMU. */
	vfu_disconnect(p->ctx);
	if (!had_client)
		pt_irq_reset(p);
	for (uint32_t i = 0; i < 6; i++)
		if (p->v.reg[i].flags & VFIO_REGION_INFO_FLAG_MMAP)
			vfu_region_set_mmap_fd(p->ctx, i, -1);
	pt_errreq_fini(p);
	vfio_close(&p->v);
	p->released = true;
	LOG_WARN(COMP, "%s: %s released: given back to the kernel; vmux goes on without it "
		       "(clients on its socket are refused)", p->name, p->v.bdf);
}
