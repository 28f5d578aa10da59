/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The tap backend's batch path: reads and writes through an io_uring of the
 * tap's own (see tap.c for how bursts map onto requests), its set-up and
 * teardown.
 */
#include "net/tap.h"

#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
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

#define TAP_UD_CANCEL UINT64_MAX /* user_data of the cancel request at close */
#define TAP_REAP_CHUNK 64u

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
void tap_rx_uring(struct tap *t, unsigned budget)
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

uint16_t tap_deliver_uring(struct tap *t, struct pkt **pkts, uint16_t n)
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
bool tap_uring_init(struct tap *t)
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
bool tap_uring_fini(struct tap *t)
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
