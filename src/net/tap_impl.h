/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The tap backend's state, shared by tap.c (open, TUNSETIFF, the port, the
 * event handler, close), tap_sync.c (one read()/write() per frame) and
 * tap_uring.c (the io_uring batch path). Not an interface: users have tap.h,
 * tests tap_priv.h.
 */
#ifndef VMUX_NET_TAP_IMPL_H
#define VMUX_NET_TAP_IMPL_H

#include <liburing.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "core/loop.h"
#include "net/pkt.h"
#include "net/port.h"
#include "net/tap.h"
#include "net/tap_priv.h"

#define ETH_HDR_LEN 14u
#define ETH_ADDRS_LEN 12u
#define ETH_P_8021Q_BE_HI 0x81u
#define ETH_P_8021Q_BE_LO 0x00u


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

/* tap.c */
/* The device is gone (deleted, or the fd broke): stop for good, no busy loop. */
void tap_detach(struct tap *t, const char *why, int err);
void tap_rx_arm(struct tap *t, bool on);

/* tap_sync.c */
/* Accepts a frame's length or counts why not. */
bool tap_rx_len_ok(struct tap *t, ssize_t r);
/* No buffer: read and drop up to budget frames so the queue keeps moving. */
void tap_rx_drain(struct tap *t, unsigned budget);
/* Frames the peer has room for now, at most TAP_RX_BURST; 0 pauses reading. */
unsigned tap_rx_budget(struct tap *t);
/* One read() per frame. */
void tap_rx_sync(struct tap *t, unsigned budget);
/* Takes a burst from the peer, one write() per frame. */
uint16_t tap_deliver_sync(struct tap *t, struct pkt **pkts, uint16_t n);

/* tap_uring.c */
/* Posts reads in one submit, reaps and passes the frames on. */
void tap_rx_uring(struct tap *t, unsigned budget);
/* Takes a burst from the peer, one submit for all its writes. */
uint16_t tap_deliver_uring(struct tap *t, struct pkt **pkts, uint16_t n);
/* Sets up t->u; false means read()/write(). */
bool tap_uring_init(struct tap *t);
/* Cancels and waits for what is in flight; false if some never completed. */
bool tap_uring_fini(struct tap *t);

#endif
