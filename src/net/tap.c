/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The tap backend. One fd on /dev/net/tun (IFF_TAP | IFF_NO_PI, no vnet
 * header, so the kernel hands us complete frames with checksums done), non
 * blocking, read from the loop in bounded batches into pool buffers and
 * passed to the peer; frames from the peer are written one write() each and
 * dropped, never waited for, when the kernel refuses them.
 *
 * The interface's admin state (up/down, addresses, MTU) belongs to the user.
 * The port's link is up while the device is attached to our fd.
 */
#include "net/tap.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include "core/log.h"
#include "core/loop.h"
#include "net/pkt.h"
#include "net/port.h"
#include "net/tap_priv.h"

#define ETH_HDR_LEN 14u
#define ETH_ADDRS_LEN 12u
#define ETH_P_8021Q_BE_HI 0x81u
#define ETH_P_8021Q_BE_LO 0x00u

struct tap {
	struct net_port port;
	struct loop *loop;
	struct loop_fd *h;
	int fd;
	bool rx_on; /* EPOLLIN is armed */
	char ifname[IFNAMSIZ];
	struct pkt_pool *pool;
	struct tap_stats stats;
	/* Catches the first byte past PKT_DATA_MAX, so an oversized frame shows. */
	uint8_t spill[64];
	/* Frames read only to be dropped (no buffer) land here. */
	uint8_t scratch[PKT_DATA_MAX];
};

static void seterr(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* The device is gone (deleted, or the fd broke): stop for good, no busy loop. */
static void tap_detach(struct tap *t, const char *why, int err)
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

static void tap_rx_arm(struct tap *t, bool on)
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
static ssize_t tap_read_one(struct tap *t, uint8_t *buf)
{
	struct iovec iov[2] = {
		{ .iov_base = buf, .iov_len = PKT_DATA_MAX },
		{ .iov_base = t->spill, .iov_len = sizeof(t->spill) },
	};

	for (;;) {
		ssize_t r = readv(t->fd, iov, 2);

		if (r > 0)
			return r;
		if (r == 0)
			return -EPIPE; /* end of file: not a tap any more */
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		return -errno;
	}
}

/* Accepts a frame's length or counts why not. */
static bool tap_rx_len_ok(struct tap *t, ssize_t r)
{
	if (r > (ssize_t)PKT_DATA_MAX) {
		t->stats.rd_oversize++;
		LOG_RL(LOG_LVL_WARN, "tap", "%s: dropped a %zd-byte frame (max %u)", t->ifname, r,
		       PKT_DATA_MAX);
		return false;
	}
	if (r < (ssize_t)ETH_HDR_LEN) {
		t->stats.rd_undersize++;
		LOG_RL(LOG_LVL_WARN, "tap", "%s: dropped a %zd-byte frame", t->ifname, r);
		return false;
	}
	return true;
}

/* No buffer: read and drop up to budget frames so the queue keeps moving. */
static void tap_rx_drain(struct tap *t, unsigned budget)
{
	LOG_RL(LOG_LVL_WARN, "tap", "%s: packet pool %s empty, dropping", t->ifname,
	       pkt_pool_name(t->pool));
	for (unsigned i = 0; i < budget; i++) {
		ssize_t r = tap_read_one(t, t->scratch);

		if (r == 0)
			return;
		if (r < 0) {
			tap_detach(t, "read failed", (int)-r);
			return;
		}
		t->stats.rd_nobuf++;
	}
}

static void tap_rx(struct tap *t)
{
	struct pkt *pkts[TAP_RX_BURST];
	uint32_t space = net_port_peer_space(&t->port);
	unsigned budget = space < TAP_RX_BURST ? space : TAP_RX_BURST;
	unsigned have, n = 0;
	int fatal = 0;

	if (budget == 0) {
		/* Peer full (or absent): stop reading until its wake(). */
		t->stats.rd_pauses++;
		tap_rx_arm(t, false);
		return;
	}
	have = pkt_alloc_bulk(t->pool, pkts, budget);
	if (have == 0) {
		tap_rx_drain(t, budget);
		return;
	}
	/* Dropped frames use up the budget too: one wakeup reads at most `budget`. */
	for (unsigned i = 0; i < budget && n < have; i++) {
		ssize_t r = tap_read_one(t, pkts[n]->data);

		if (r == 0)
			break;
		if (r < 0) {
			fatal = (int)-r;
			break;
		}
		if (!tap_rx_len_ok(t, r))
			continue;
		pkts[n]->len = (uint32_t)r;
		n++;
	}
	pkt_free_bulk(pkts + n, have - n);
	if (n)
		net_port_send(&t->port, pkts, (uint16_t)n);
	if (fatal)
		tap_detach(t, "read failed", fatal);
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
static ssize_t tap_write_one(struct tap *t, struct pkt *k)
{
	uint8_t tag[4];
	struct iovec iov[3];
	ssize_t r;

	if (!(k->flags & PKT_F_VLAN)) {
		do {
			r = write(t->fd, k->data, k->len);
		} while (r < 0 && errno == EINTR);
		return r;
	}
	tag[0] = ETH_P_8021Q_BE_HI;
	tag[1] = ETH_P_8021Q_BE_LO;
	tag[2] = (uint8_t)(k->vlan_tci >> 8);
	tag[3] = (uint8_t)k->vlan_tci;
	iov[0] = (struct iovec){ .iov_base = k->data, .iov_len = ETH_ADDRS_LEN };
	iov[1] = (struct iovec){ .iov_base = tag, .iov_len = sizeof(tag) };
	iov[2] = (struct iovec){ .iov_base = k->data + ETH_ADDRS_LEN,
				 .iov_len = k->len - ETH_ADDRS_LEN };
	do {
		r = writev(t->fd, iov, 3);
	} while (r < 0 && errno == EINTR);
	return r;
}

/*
 * Takes a burst from the peer. Stops at the first refused write and drops the
 * rest: the kernel's answer will not change within one burst, and accepting
 * a prefix keeps the sender's byte count exact.
 */
static uint16_t tap_deliver(struct net_port *self, struct pkt **pkts, uint16_t n)
{
	struct tap *t = self->priv;
	uint16_t i, ok = 0;
	uint64_t bytes = 0;

	for (i = 0; i < n && !t->stats.detached; i++) {
		struct pkt *k = pkts[i];
		ssize_t r;

		if (k->len < ETH_HDR_LEN || k->len > PKT_DATA_MAX) {
			t->stats.wr_bad_len++;
			LOG_RL(LOG_LVL_WARN, "tap", "%s: not writing a %u-byte frame", t->ifname,
			       k->len);
			continue;
		}
		r = tap_write_one(t, k);
		if (r >= 0) {
			ok++;
			bytes += (uint64_t)r;
			continue;
		}
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			t->stats.wr_again += n - i;
			LOG_RL(LOG_LVL_WARN, "tap", "%s: device queue full, dropping", t->ifname);
		} else if (errno == EBADFD || errno == ENODEV) {
			tap_detach(t, "write failed", errno);
		} else {
			t->stats.wr_errors += n - i;
			LOG_RL(LOG_LVL_WARN, "tap", "%s: write: %s, dropping", t->ifname,
			       strerror(errno));
		}
		break;
	}
	pkt_free_bulk(pkts, n);
	self->stats.rx_pkts += ok;
	self->stats.rx_bytes += bytes;
	self->stats.rx_drops += n - ok;
	return ok;
}

static void tap_wake(struct net_port *self)
{
	struct tap *t = self->priv;

	if (!t->stats.detached)
		tap_rx_arm(t, true);
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
		seterr(err, errlen, "tap %s: out of memory", ifname);
		close(fd);
		return NULL;
	}
	t->fd = fd;
	t->loop = l;
	snprintf(t->ifname, sizeof(t->ifname), "%s", ifname);
	snprintf(pname, sizeof(pname), "tap:%s", t->ifname);
	t->pool = pkt_pool_create(pname, pool_pkts);
	if (!t->pool) {
		seterr(err, errlen, "tap %s: cannot create a pool of %u packets: %s", t->ifname,
		       pool_pkts, strerror(errno));
		goto fail;
	}
	net_port_init(&t->port, pname, &tap_ops, t);
	t->h = loop_add_fd(l, fd, EPOLLIN, tap_event, t);
	if (!t->h) {
		seterr(err, errlen, "tap %s: cannot poll the device: %s", t->ifname,
		       strerror(errno));
		goto fail;
	}
	t->rx_on = true;
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
		seterr(err, errlen, "tap: empty interface name");
		return false;
	}
	len = strlen(name);
	if (len >= IFNAMSIZ) {
		seterr(err, errlen, "tap '%.64s%s': interface name too long (%zu characters, max %d)",
		       name, len > 64 ? "..." : "", len, IFNAMSIZ - 1);
		return false;
	}
	if (!strcmp(name, ".") || !strcmp(name, "..") || strpbrk(name, "/: \t\n\v\f\r%")) {
		seterr(err, errlen,
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
		seterr(err, errlen, "tap '%s': no such interface (and creating it is not allowed)",
		       ifname);
		return NULL;
	}
	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;

		seterr(err, errlen, "tap '%s': cannot open /dev/net/tun: %s%s", ifname, strerror(e),
		       e == ENOENT || e == ENODEV ? " (is the tun module loaded?)" : "");
		return NULL;
	}
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		int e = errno;

		seterr(err, errlen, "tap '%s': cannot %s it (TUNSETIFF): %s%s", ifname,
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
		seterr(err, errlen, "tap '%s': the interface went away while being opened",
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
}

void tap_close(struct tap *t)
{
	if (!t)
		return;
	/* The peer hears link down; after this no one delivers to us. */
	net_port_disconnect(&t->port);
	if (t->h)
		loop_del_fd(t->loop, t->h);
	close(t->fd);
	pkt_pool_destroy(t->pool);
	free(t);
}
