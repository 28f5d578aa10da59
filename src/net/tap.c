/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The tap backend. One fd on /dev/net/tun (IFF_TAP | IFF_NO_PI, no vnet
 * header, so the kernel hands us complete frames with checksums done), non
 * blocking. Its I/O is batched through an io_uring of its own (TAP_RING_ENTRIES
 * requests in flight at most):
 *
 * - TX: a burst from the peer becomes one IORING_OP_WRITE per frame (WRITEV
 *   for a frame whose 802.1Q tag goes back in), all submitted with one
 *   io_uring_enter. A frame's buffer stays ours until its completion is
 *   reaped; completions are reaped from the shared CQ ring (no syscall) at
 *   the start and the end of every burst and when the ring's eventfd (signalled
 *   only for completions the kernel did not post inline) wakes the loop. Every
 *   request carries RWF_NOWAIT, so the kernel completes writes inline and the
 *   end-of-burst reap normally finds the whole burst done. A refused frame (EAGAIN, ENOBUFS,
 *   EIO while the interface is down) is dropped and counted, never waited for;
 *   a full ring drops the rest of the burst.
 * - RX: on EPOLLIN, IORING_OP_READVs into pool buffers, submitted with one
 *   io_uring_enter: as many as the peer has room for, at most TAP_RX_BURST, and
 *   about twice what the previous batch found (reads past the queued frames
 *   complete with EAGAIN, a trip through the driver for nothing). The frames
 *   read go to the peer in one burst, so one uplink cannot hold the loop for
 *   long; EPOLLIN stays up while frames remain.
 *
 * Without io_uring (io_uring_queue_init fails: kernel without it, the
 * kernel.io_uring_disabled sysctl, seccomp; or VMUX_TAP_URING=0 in the
 * environment) the same paths run with one read()/write() per frame.
 *
 * The interface's admin state (up/down, addresses, MTU) belongs to the user.
 * The port's link is up while the device is attached to our fd.
 *
 * This file: opening (TUNSETIFF), the port, the event handler, close; the
 * batch path is in tap_uring.c, the plain one in tap_sync.c, the state they
 * share in tap_impl.h.
 */
#include "net/tap.h"

#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include "core/log.h"
#include "core/loop.h"
#include "net/pkt.h"
#include "net/port.h"
#include "net/tap_impl.h"
#include "net/tap_priv.h"

/* The device is gone (deleted, or the fd broke): stop for good, no busy loop. */
void tap_detach(struct tap *t, const char *why, int err)
{
	if (t->stats.detached)
		return;
	t->stats.detached = true;
	LOG_ERR("tap", "%s: %s%s%s; link down, no longer polled", t->ifname, why,
		err ? ": " : "", err ? strerror(err) : "");
	if (t->h) {
		loop_del_fd(t->loop, t->h);
		t->h = NULL;
	}
	t->rx_on = false;
	net_port_set_link(&t->port, false);
}

void tap_rx_arm(struct tap *t, bool on)
{
	if (t->rx_on == on || !t->h)
		return;
	if (loop_mod_fd(t->loop, t->h, on ? EPOLLIN : 0) < 0) {
		tap_detach(t, "cannot change polling", errno);
		return;
	}
	t->rx_on = on;
}

/*
 * One read. Returns the frame length (which may exceed PKT_DATA_MAX), 0 when
 * nothing is queued, -errno on a fatal error.
 */
static void tap_rx(struct tap *t)
{
	unsigned budget = tap_rx_budget(t);

	if (budget == 0)
		return;
	if (t->u)
		tap_rx_uring(t, budget);
	else
		tap_rx_sync(t, budget);
}

static void tap_event(void *arg, uint32_t events)
{
	struct tap *t = arg;

	t->stats.wakeups++;
	/* A tun fd polls EPOLLERR once its device is unregistered. */
	if (events & (EPOLLERR | EPOLLHUP)) {
		tap_detach(t, "device gone", 0);
		return;
	}
	tap_rx(t);
}

/* Writes one frame, with its 802.1Q tag put back in when it has one. */
static uint16_t tap_deliver(struct net_port *self, uint16_t queue, struct pkt **pkts, uint16_t n)
{
	struct tap *t = self->priv;

	if (n > 64) {
		/* Never happens (bursts come in pieces of 64); keeps drop[] in bounds. */
		uint16_t a = tap_deliver(self, queue, pkts, 64);

		return (uint16_t)(a + tap_deliver(self, queue, pkts + 64, (uint16_t)(n - 64)));
	}
	if (t->u)
		return tap_deliver_uring(t, pkts, n);
	return tap_deliver_sync(t, pkts, n);
}

static void tap_wake(struct net_port *self, uint16_t queue)
{
	struct tap *t = self->priv;

	if (t->stats.detached)
		return;
	tap_rx_arm(t, true);
	/*
	 * Frames already read wait in rxq; the tap fd may not poll readable
	 * again, so the ring's eventfd brings the loop back to them.
	 */
	if (t->u && t->u->rxq_n && eventfd_write(t->u->efd, 1) < 0)
		LOG_RL(LOG_LVL_WARN, "tap", "%s: eventfd: %s", t->ifname, strerror(errno));
}

static const struct net_port_ops tap_ops = {
	.deliver = tap_deliver,
	.wake = tap_wake,
};

struct tap *tap_open_fd(struct loop *l, int fd, const char *ifname, unsigned pool_pkts,
			char *err, size_t errlen)
{
	char pname[32];
	struct tap *t = calloc(1, sizeof(*t));

	if (!t) {
		log_seterr(err, errlen, "tap %s: out of memory", ifname);
		close(fd);
		return NULL;
	}
	t->fd = fd;
	t->loop = l;
	snprintf(t->ifname, sizeof(t->ifname), "%s", ifname);
	snprintf(pname, sizeof(pname), "tap:%s", t->ifname);
	t->pool = pkt_pool_create(pname, pool_pkts);
	if (!t->pool) {
		log_seterr(err, errlen, "tap %s: cannot create a pool of %u packets: %s", t->ifname,
		       pool_pkts, strerror(errno));
		goto fail;
	}
	net_port_init(&t->port, pname, &tap_ops, t);
	t->h = loop_add_fd(l, fd, EPOLLIN, tap_event, t);
	if (!t->h) {
		log_seterr(err, errlen, "tap %s: cannot poll the device: %s", t->ifname,
		       strerror(errno));
		goto fail;
	}
	t->rx_on = true;
	tap_uring_init(t);
	net_port_set_link(&t->port, true);
	return t;
fail:
	pkt_pool_destroy(t->pool);
	close(fd);
	free(t);
	return NULL;
}

/* Mirrors the kernel's rules for interface names, to explain a refusal. */
static bool tap_name_ok(const char *name, char *err, size_t errlen)
{
	size_t len;

	if (!name || !*name) {
		log_seterr(err, errlen, "tap: empty interface name");
		return false;
	}
	len = strlen(name);
	if (len >= IFNAMSIZ) {
		log_seterr(err, errlen, "tap '%.64s%s': interface name too long (%zu characters, max %d)",
		       name, len > 64 ? "..." : "", len, IFNAMSIZ - 1);
		return false;
	}
	if (!strcmp(name, ".") || !strcmp(name, "..") || strpbrk(name, "/: \t\n\v\f\r%")) {
		log_seterr(err, errlen,
		       "tap '%s': invalid interface name (no '/', ':', '%%', spaces, '.' or '..')",
		       name);
		return false;
	}
	return true;
}

static const char *tunsetiff_hint(int e)
{
	switch (e) {
	case EBUSY:
		return " (is another process using it?)";
	case EPERM:
	case EACCES:
		return " (needs CAP_NET_ADMIN, or to be the tap's owner or group)";
	case EINVAL:
		return " (is it a tap? a tun, multi-queue tap or other interface of that name cannot be used)";
	default:
		return "";
	}
}

struct tap *tap_open(struct loop *l, const char *ifname, bool may_create, char *err, size_t errlen)
{
	struct ifreq ifr;
	unsigned idx_before, idx_after;
	int fd;

	if (!tap_name_ok(ifname, err, errlen))
		return NULL;
	idx_before = if_nametoindex(ifname);
	if (!idx_before && !may_create) {
		log_seterr(err, errlen, "tap '%s': no such interface (and creating it is not allowed)",
		       ifname);
		return NULL;
	}
	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;

		log_seterr(err, errlen, "tap '%s': cannot open /dev/net/tun: %s%s", ifname, strerror(e),
		       e == ENOENT || e == ENODEV ? " (is the tun module loaded?)" : "");
		return NULL;
	}
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		int e = errno;

		log_seterr(err, errlen, "tap '%s': cannot %s it (TUNSETIFF): %s%s", ifname,
		       idx_before ? "attach to" : "create", strerror(e), tunsetiff_hint(e));
		close(fd);
		return NULL;
	}
	/*
	 * If the interface vanished between the check and TUNSETIFF, the kernel
	 * made a new one: refuse it when creating was not allowed (closing the
	 * fd removes it again).
	 */
	idx_after = if_nametoindex(ifr.ifr_name);
	if (!may_create && idx_after != idx_before) {
		log_seterr(err, errlen, "tap '%s': the interface went away while being opened",
		       ifname);
		close(fd);
		return NULL;
	}
	LOG_INFO("tap", "%s: %s (ifindex %u)", ifr.ifr_name,
		 idx_before ? "attached" : "created", idx_after);
	return tap_open_fd(l, fd, ifr.ifr_name, TAP_POOL_PKTS, err, errlen);
}

struct net_port *tap_port(struct tap *t)
{
	return &t->port;
}

const char *tap_ifname(const struct tap *t)
{
	return t->ifname;
}

void tap_get_stats(const struct tap *t, struct tap_stats *st)
{
	*st = t->stats;
	st->inflight = t->u ? t->u->rd_inflight + t->u->wr_inflight : 0;
}

void tap_close(struct tap *t)
{
	if (!t)
		return;
	/* The peer hears link down; after this no one delivers to us. */
	net_port_disconnect(&t->port);
	if (t->h)
		loop_del_fd(t->loop, t->h);
	if (t->u && !tap_uring_fini(t)) {
		/* Requests may still write into the pool and t->spill: both stay. */
		close(t->fd);
		return;
	}
	close(t->fd);
	pkt_pool_destroy(t->pool);
	free(t);
}

int tap_fd(const struct tap *t)
{
	return t->fd;
}

bool tap_batched(const struct tap *t)
{
	return t->u != NULL;
}

void tap_defer_reap(struct tap *t, bool on)
{
	if (t->u)
		t->u->defer_reap = on;
}

void tap_fail_submits(struct tap *t, unsigned n)
{
	if (t->u)
		t->u->fail_submits = n;
}
