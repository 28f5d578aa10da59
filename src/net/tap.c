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
#include "net/tap_priv.h"

#define ETH_HDR_LEN 14u
#define ETH_ADDRS_LEN 12u
#define ETH_P_8021Q_BE_HI 0x81u
#define ETH_P_8021Q_BE_LO 0x00u

#define TAP_UD_CANCEL UINT64_MAX /* user_data of the cancel request at close */
#define TAP_REAP_CHUNK 64u

enum tap_op { TAP_OP_NONE, TAP_OP_READ, TAP_OP_WRITE };

/* One request in the kernel; its index in tap.req is the SQE's user_data. */
struct tap_req {
	struct pkt *k;
	uint8_t op;
	uint8_t tag[4];
	uint32_t burst; /* writes: the burst that queued it */
	struct iovec iov[3];
};

/* The batched (io_uring) side of a tap; absent in the read()/write() mode. */
struct tap_uring {
	struct io_uring ring;
	int efd; /* registered with io_uring_register_eventfd_async */
	struct loop_fd *eh;
	unsigned nfree;
	unsigned rd_inflight, wr_inflight;
	uint32_t burst;        /* number of the current TX burst */
	unsigned burst_failed; /* writes of the current burst that failed */
	bool in_burst;
	bool closing;    /* completions only free buffers */
	bool defer_reap; /* test hook: leave completions in the CQ */
	unsigned fail_submits; /* test hook: this many submits fail with EBUSY */
	/*
	 * RWF_NOWAIT on every read and write. Without it io_uring does not honour
	 * O_NONBLOCK on a file that can be polled: a read finding no frame would
	 * stay posted until one came, a write the device refuses until it could go.
	 */
	int rwf;
	/*
	 * The tap's fd is registered with the ring (IORING_REGISTER_FILES): a
	 * request names it by index, and the kernel skips looking the file up
	 * and taking a reference on it per request.
	 */
	bool fixed;
	int rx_fatal;    /* a read failed (errno): detach once its frames are passed on */
	unsigned rd_got;  /* reads of the current batch that returned a frame */
	unsigned rd_hint; /* reads to post next: twice what the last batch got, 4 at least */
	unsigned rxq_n;
	struct pkt *rxq[TAP_RX_BURST]; /* frames read, not yet handed to the peer */
	uint16_t free_ids[TAP_RING_ENTRIES];
	struct tap_req req[TAP_RING_ENTRIES];
};

/* Points a request prepared on t->fd at the registered file instead. */
static inline void tap_sqe_file(const struct tap_uring *u, struct io_uring_sqe *sqe)
{
	if (u->fixed) {
		sqe->fd = 0;
		sqe->flags |= IOSQE_FIXED_FILE;
	}
}

struct tap {
	struct net_port port;
	struct loop *loop;
	struct loop_fd *h;
	int fd;
	bool rx_on; /* EPOLLIN is armed */
	char ifname[IFNAMSIZ];
	struct pkt_pool *pool;
	struct tap_stats stats;
	struct tap_uring *u; /* NULL: one read()/write() per frame */
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

/* Frames the peer has room for now, at most TAP_RX_BURST; 0 pauses reading. */
static unsigned tap_rx_budget(struct tap *t)
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
static void tap_rx_sync(struct tap *t, unsigned budget)
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

/* ---- batched I/O (io_uring) ---- */

/* A kernel whose tap driver refuses RWF_NOWAIT: go on without it, said once. */
static void tap_no_rwf_nowait(struct tap *t)
{
	if (!t->u->rwf)
		return;
	t->u->rwf = 0;
	LOG_WARN("tap", "%s: RWF_NOWAIT refused; requests may now wait in the kernel", t->ifname);
}

static void tap_req_put(struct tap_uring *u, unsigned id)
{
	u->req[id].k = NULL;
	u->req[id].op = TAP_OP_NONE;
	u->free_ids[u->nfree++] = (uint16_t)id;
}

static void tap_write_done(struct tap *t, struct tap_req *rq, int res)
{
	struct tap_uring *u = t->u;

	u->wr_inflight--;
	if (res >= 0) {
		t->port.stats.rx_pkts++;
		t->port.stats.rx_bytes += (uint64_t)res;
		return;
	}
	t->port.stats.rx_drops++;
	if (u->in_burst && rq->burst == u->burst)
		u->burst_failed++;
	if (res == -EOPNOTSUPP && u->rwf) {
		tap_no_rwf_nowait(t);
		t->stats.wr_again++;
	} else if (res == -EAGAIN || res == -ENOBUFS) {
		t->stats.wr_again++;
		LOG_RL(LOG_LVL_WARN, "tap", "%s: device queue full, dropping", t->ifname);
	} else if (res == -EBADFD || res == -ENODEV) {
		if (!u->closing)
			tap_detach(t, "write failed", -res);
	} else if (res != -ECANCELED) {
		t->stats.wr_errors++;
		LOG_RL(LOG_LVL_WARN, "tap", "%s: write: %s, dropping", t->ifname, strerror(-res));
	}
}

/* Returns true if the frame is kept (queued for the peer). */
static bool tap_read_done(struct tap *t, struct pkt *k, int res)
{
	struct tap_uring *u = t->u;

	u->rd_inflight--;
	if (res > 0) {
		u->rd_got++;
		if (u->closing || t->stats.detached || !tap_rx_len_ok(t, res))
			return false;
		k->len = (uint32_t)res;
		u->rxq[u->rxq_n++] = k;
		return true;
	}
	if (res == 0)
		u->rx_fatal = EPIPE; /* end of file: not a tap any more */
	else if (res == -EOPNOTSUPP && u->rwf)
		tap_no_rwf_nowait(t);
	else if (res != -EAGAIN && res != -EINTR && res != -ECANCELED)
		u->rx_fatal = -res;
	return false;
}

/*
 * Takes every completion off the CQ ring (shared memory: no syscall). Write
 * buffers go back to their pools, frames read join rxq. Completions are copied
 * out and the ring advanced before any is acted on, so a callback reached from
 * here (a detach tells the peer) may come back into the tap.
 */
static void tap_reap(struct tap *t)
{
	struct tap_uring *u = t->u;

	if (u->defer_reap && !u->closing)
		return;
	for (;;) {
		struct io_uring_cqe *cqe;
		uint64_t ud[TAP_REAP_CHUNK];
		int res[TAP_REAP_CHUNK];
		struct pkt *done[TAP_REAP_CHUNK];
		unsigned head, n = 0, nd = 0;

		io_uring_for_each_cqe(&u->ring, head, cqe) {
			ud[n] = cqe->user_data;
			res[n] = cqe->res;
			if (++n == TAP_REAP_CHUNK)
				break;
		}
		if (n == 0)
			return;
		io_uring_cq_advance(&u->ring, n);
		for (unsigned i = 0; i < n; i++) {
			struct tap_req *rq;
			struct pkt *k;

			if (ud[i] >= TAP_RING_ENTRIES)
				continue; /* the cancel request */
			rq = &u->req[ud[i]];
			k = rq->k;
			if (rq->op == TAP_OP_WRITE) {
				tap_write_done(t, rq, res[i]);
				done[nd++] = k;
			} else if (rq->op == TAP_OP_READ) {
				if (!tap_read_done(t, k, res[i]))
					done[nd++] = k;
			}
			tap_req_put(u, (unsigned)ud[i]);
		}
		pkt_free_bulk(done, nd);
		if (n < TAP_REAP_CHUNK)
			return;
	}
}

static int tap_submit(struct tap *t)
{
	int r;

	if (__builtin_expect(t->u->fail_submits > 0, 0)) {
		t->u->fail_submits--;
		r = -EBUSY;
	} else {
		r = io_uring_submit(&t->u->ring);
	}

	if (r < 0) {
		/* The SQEs stay in the ring and go with the next submit. */
		t->stats.submit_errors++;
		LOG_RL(LOG_LVL_WARN, "tap", "%s: io_uring_enter: %s", t->ifname, strerror(-r));
	}
	return r;
}

/* Hands up to budget frames of rxq to the peer, in one burst. */
static void tap_rx_flush(struct tap *t, unsigned budget)
{
	struct tap_uring *u = t->u;
	struct pkt *pkts[TAP_RX_BURST];
	unsigned n = u->rxq_n < budget ? u->rxq_n : budget;

	if (n == 0)
		return;
	/* Copied out first: the peer may deliver to us, which reaps into rxq. */
	memcpy(pkts, u->rxq, n * sizeof(pkts[0]));
	u->rxq_n -= n;
	memmove(u->rxq, u->rxq + n, u->rxq_n * sizeof(u->rxq[0]));
	net_port_send(&t->port, pkts, (uint16_t)n);
}

/*
 * Frames left in rxq after a flush that the budget cut short: the tap fd
 * polls readable again only for a new frame, so the ring's eventfd brings the
 * loop back to them (a peer with no room wakes us itself).
 */
static void tap_rx_again(struct tap *t)
{
	struct tap_uring *u = t->u;

	if (!u->rxq_n || t->stats.detached || !net_port_peer_space(&t->port))
		return;
	if (eventfd_write(u->efd, 1) < 0)
		LOG_RL(LOG_LVL_WARN, "tap", "%s: eventfd: %s", t->ifname, strerror(errno));
}

static void tap_rx_fatal_check(struct tap *t)
{
	struct tap_uring *u = t->u;

	if (u->rx_fatal && !t->stats.detached) {
		int e = u->rx_fatal;

		u->rx_fatal = 0;
		tap_detach(t, "read failed", e);
	}
}

/*
 * Posts up to budget reads (fewer if frames still wait in rxq) in one submit,
 * reaps what the kernel completed inline and passes the frames on.
 */
static void tap_rx_uring(struct tap *t, unsigned budget)
{
	struct tap_uring *u = t->u;

	/*
	 * Reads a failed submit left in the SQ count as in flight but are not:
	 * nothing would ever complete them, and no new read would be posted.
	 */
	if (io_uring_sq_ready(&u->ring))
		tap_submit(t);
	tap_reap(t);
	if (u->rd_inflight == 0 && u->rxq_n < budget) {
		struct pkt *pkts[TAP_RX_BURST];
		unsigned want = budget - u->rxq_n, have, i;

		/*
		 * Reads past the queued frames come back EAGAIN, each a wasted trip
		 * through the driver: post about what the last batch found (a full
		 * batch doubles the next; EPOLLIN stays up while frames remain).
		 */
		if (want > u->rd_hint)
			want = u->rd_hint;

		have = pkt_alloc_bulk(t->pool, pkts, want);
		if (have == 0 && u->rxq_n == 0) {
			tap_rx_drain(t, budget);
			return;
		}
		for (i = 0; i < have && u->nfree; i++) {
			struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring);
			unsigned id;
			struct tap_req *rq;

			if (!sqe)
				break;
			id = u->free_ids[--u->nfree];
			rq = &u->req[id];
			rq->k = pkts[i];
			rq->op = TAP_OP_READ;
			rq->iov[0] = (struct iovec){ .iov_base = pkts[i]->data,
						     .iov_len = PKT_DATA_MAX };
			rq->iov[1] = (struct iovec){ .iov_base = t->spill,
						     .iov_len = sizeof(t->spill) };
			io_uring_prep_readv2(sqe, t->fd, rq->iov, 2, 0, u->rwf);
			tap_sqe_file(u, sqe);
			io_uring_sqe_set_data64(sqe, id);
			u->rd_inflight++;
		}
		pkt_free_bulk(pkts + i, have - i);
		if (i) {
			t->stats.rd_submits++;
			u->rd_got = 0;
			tap_submit(t);
			tap_reap(t);
			if (u->rd_inflight == 0) {
				unsigned h = 2 * u->rd_got;

				u->rd_hint = h < 4 ? 4 : h > TAP_RX_BURST ? TAP_RX_BURST : h;
			}
		}
	}
	tap_rx_flush(t, budget);
	tap_rx_again(t);
	tap_rx_fatal_check(t);
}

/* The ring's eventfd: completions the kernel posted after the submit returned. */
static void tap_uring_event(void *arg, uint32_t events)
{
	struct tap *t = arg;
	uint64_t v;

	(void)events;
	if (read(t->u->efd, &v, sizeof(v)) < 0) {
		/* EAGAIN: nothing counted, a spurious wakeup */
	}
	t->stats.cq_wakeups++;
	tap_reap(t);
	if (t->u->rxq_n && !t->stats.detached) {
		unsigned budget = tap_rx_budget(t);

		if (budget)
			tap_rx_flush(t, budget);
		tap_rx_again(t);
	}
	tap_rx_fatal_check(t);
}

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
static uint16_t tap_deliver_sync(struct tap *t, struct pkt **pkts, uint16_t n)
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
static uint16_t tap_deliver_uring(struct tap *t, struct pkt **pkts, uint16_t n)
{
	struct tap_uring *u = t->u;
	struct pkt *drop[64];
	uint16_t i, queued = 0, ndrop = 0, ok;

	tap_reap(t);
	u->burst++;
	for (i = 0; i < n; i++) {
		struct pkt *k = pkts[i];
		struct io_uring_sqe *sqe;
		struct tap_req *rq;
		unsigned id;

		if (t->stats.detached) {
			drop[ndrop++] = k;
			continue;
		}
		if (k->len < ETH_HDR_LEN || k->len > PKT_DATA_MAX) {
			t->stats.wr_bad_len++;
			LOG_RL(LOG_LVL_WARN, "tap", "%s: not writing a %u-byte frame", t->ifname,
			       k->len);
			drop[ndrop++] = k;
			continue;
		}
		sqe = u->nfree ? io_uring_get_sqe(&u->ring) : NULL;
		if (!sqe) {
			/* TAP_RING_ENTRIES writes in flight: drop, never wait. */
			t->stats.wr_ring_full++;
			LOG_RL(LOG_LVL_WARN, "tap", "%s: %u requests in flight, dropping", t->ifname,
			       TAP_RING_ENTRIES);
			drop[ndrop++] = k;
			continue;
		}
		id = u->free_ids[--u->nfree];
		rq = &u->req[id];
		rq->k = k;
		rq->op = TAP_OP_WRITE;
		rq->burst = u->burst;
		if (!(k->flags & PKT_F_VLAN)) {
			io_uring_prep_write(sqe, t->fd, k->data, k->len, 0);
			sqe->rw_flags = u->rwf;
		} else {
			rq->tag[0] = ETH_P_8021Q_BE_HI;
			rq->tag[1] = ETH_P_8021Q_BE_LO;
			rq->tag[2] = (uint8_t)(k->vlan_tci >> 8);
			rq->tag[3] = (uint8_t)k->vlan_tci;
			rq->iov[0] = (struct iovec){ .iov_base = k->data, .iov_len = ETH_ADDRS_LEN };
			rq->iov[1] = (struct iovec){ .iov_base = rq->tag, .iov_len = sizeof(rq->tag) };
			rq->iov[2] = (struct iovec){ .iov_base = k->data + ETH_ADDRS_LEN,
						     .iov_len = k->len - ETH_ADDRS_LEN };
			io_uring_prep_writev2(sqe, t->fd, rq->iov, 3, 0, u->rwf);
		}
		tap_sqe_file(u, sqe);
		io_uring_sqe_set_data64(sqe, id);
		u->wr_inflight++;
		queued++;
	}
	pkt_free_bulk(drop, ndrop);
	t->port.stats.rx_drops += ndrop;
	if (queued == 0)
		return 0;
	t->stats.wr_submits++;
	tap_submit(t);
	u->burst_failed = 0;
	u->in_burst = true;
	tap_reap(t);
	u->in_burst = false;
	ok = (uint16_t)(queued - (u->burst_failed < queued ? u->burst_failed : queued));
	return ok;
}

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

static bool tap_sync_forced; /* tests: tap_force_sync() */

void tap_force_sync(bool on)
{
	tap_sync_forced = on;
}

static bool tap_uring_wanted(void)
{
	const char *e = getenv("VMUX_TAP_URING");

	return !tap_sync_forced && !(e && !strcmp(e, "0"));
}

/* Sets up t->u; false (and a message, once per process) means read()/write(). */
static bool tap_uring_init(struct tap *t)
{
	static int told;
	struct tap_uring *u;
	const char *what;
	int r;

	if (!tap_uring_wanted())
		return false;
	u = calloc(1, sizeof(*u));
	if (!u)
		return false;
	u->efd = -1;
	r = io_uring_queue_init(TAP_RING_ENTRIES, &u->ring, 0);
	if (r < 0) {
		if (!__atomic_exchange_n(&told, 1, __ATOMIC_RELAXED))
			LOG_INFO("tap", "io_uring unavailable (%s): taps use one read()/write() per frame",
				 strerror(-r));
		free(u);
		return false;
	}
	what = "eventfd";
	u->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (u->efd < 0) {
		r = -errno;
		goto fail;
	}
	what = "io_uring_register_eventfd_async";
	r = io_uring_register_eventfd_async(&u->ring, u->efd);
	if (r < 0)
		goto fail;
	/* Not fatal: requests then name the fd itself. */
	u->fixed = io_uring_register_files(&u->ring, &t->fd, 1) == 0;
	what = "loop_add_fd";
	u->eh = loop_add_fd(t->loop, u->efd, EPOLLIN, tap_uring_event, t);
	if (!u->eh) {
		r = -errno;
		goto fail;
	}
	for (unsigned i = 0; i < TAP_RING_ENTRIES; i++)
		u->free_ids[i] = (uint16_t)(TAP_RING_ENTRIES - 1 - i);
	u->nfree = TAP_RING_ENTRIES;
	u->rd_hint = TAP_RX_BURST;
	u->rwf = RWF_NOWAIT;
	t->u = u;
	t->stats.batched = true;
	t->stats.fixed_file = u->fixed;
	return true;
fail:
	LOG_WARN("tap", "%s: %s: %s; one read()/write() per frame", t->ifname, what,
		 strerror(-r));
	if (u->efd >= 0)
		close(u->efd);
	io_uring_queue_exit(&u->ring);
	free(u);
	return false;
}

/*
 * Cancels what is still in the kernel and waits (bounded) for every
 * completion, so no buffer is freed under a request. Returns false if some
 * never completed: their buffers must then outlive us (leaked, not freed).
 */
static bool tap_uring_fini(struct tap *t)
{
	struct tap_uring *u = t->u;
	bool clean;

	u->closing = true;
	tap_reap(t);
	if (u->rd_inflight + u->wr_inflight) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring);

		if (sqe) {
			io_uring_prep_cancel64(sqe, 0, IORING_ASYNC_CANCEL_ANY);
			io_uring_sqe_set_data64(sqe, TAP_UD_CANCEL);
		}
		io_uring_submit(&u->ring);
	}
	for (int i = 0; i < 40 && u->rd_inflight + u->wr_inflight; i++) {
		struct __kernel_timespec ts = { .tv_nsec = 25 * 1000 * 1000 };
		struct io_uring_cqe *cqe;

		io_uring_wait_cqe_timeout(&u->ring, &cqe, &ts);
		tap_reap(t);
	}
	clean = u->rd_inflight + u->wr_inflight == 0;
	if (!clean)
		LOG_ERR("tap", "%s: %u requests never completed; their buffers are leaked",
			t->ifname, u->rd_inflight + u->wr_inflight);
	pkt_free_bulk(u->rxq, u->rxq_n);
	u->rxq_n = 0;
	loop_del_fd(t->loop, u->eh);
	/* At once: the ring's own teardown drops its files later, from a kernel
	 * worker, and the tap must be gone when tap_close returns. */
	if (u->fixed && clean) /* unclean: it would wait for the stuck requests */
		io_uring_unregister_files(&u->ring);
	io_uring_queue_exit(&u->ring);
	close(u->efd);
	free(u);
	t->u = NULL;
	return clean;
}

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
