/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The tap backend without io_uring: one read() or write() per frame; also
 * the receive accounting (frame length checks, draining without buffers,
 * the peer's room) that the io_uring path shares.
 */
#include "net/tap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/uio.h>
#include <unistd.h>

#include "core/log.h"
#include "core/loop.h"
#include "net/pkt.h"
#include "net/port.h"
#include "net/tap_impl.h"
#include "net/tap_priv.h"

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
bool tap_rx_len_ok(struct tap *t, ssize_t r)
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
void tap_rx_drain(struct tap *t, unsigned budget)
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

/* Frames the peer has room for now, at most TAP_RX_BURST; 0 pauses reading. */
unsigned tap_rx_budget(struct tap *t)
{
	uint32_t space = net_port_peer_space(&t->port);
	unsigned budget = space < TAP_RX_BURST ? space : TAP_RX_BURST;

	if (budget == 0) {
		/* Peer full (or absent): stop reading until its wake(). */
		t->stats.rd_pauses++;
		tap_rx_arm(t, false);
	}
	return budget;
}

/* One read() per frame. */
void tap_rx_sync(struct tap *t, unsigned budget)
{
	struct pkt *pkts[TAP_RX_BURST];
	unsigned have, n = 0;
	int fatal = 0;

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
uint16_t tap_deliver_sync(struct tap *t, struct pkt **pkts, uint16_t n)
{
	struct net_port *self = &t->port;
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

/*
 * Queues one write per frame (WRITEV when its VLAN tag goes back in) and
 * submits the burst with one io_uring_enter. Returns the frames queued less
 * those of this burst whose completion already came back as a failure (on a
 * tap all of them: the kernel completes non-blocking writes inline).
 */
