/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The E810's LAN queues, for the PCI model to call: an RX queue (its context
 * from the 8 QRX_CONTEXT dwords, buffers up to QRX_TAIL, frames written back
 * as 32-byte flex NIC descriptors), a TX queue (its context as add_txqs gave
 * it, descriptors up to the QTX_COMM_DBELL tail, frames out to a sink) and
 * the decode of the QINT_RQCTL/QINT_TQCTL cause registers.
 *
 * A queue knows nothing of registers or interrupts: the model hands it the
 * values the guest wrote and raises the queue's vector when a call says it
 * wrote descriptors back. Guest memory is reached through dev/common/dring
 * (the ring in one translation, buffers through the burst's DMA window).
 * Everything the guest gives is untrusted: refusals are counted in the
 * queue's stats, never acted upon. One owner thread, as for every device.
 */
#ifndef VMUX_DEV_E810_LAN_H
#define VMUX_DEV_E810_LAN_H

#include <stdbool.h>
#include <stdint.h>

#include "dev/common/dring.h"
#include "dev/e810/aq.h"
#include "net/pkt.h"
#include "net/port.h"
#include "net/tso.h"

/*
 * What the statistics registers (dev/e810/stats.h) need of every frame a
 * queue moved: multicast and broadcast counts (unicast is the rest) and the
 * size classes of GLPRT_PRC64..PRC9522 / PTC64..PTC9522 (with the FCS).
 */
#define E810_SIZE_CLASSES 7u
struct e810_frame_class {
	uint64_t mcast, bcast;
	uint64_t size[E810_SIZE_CLASSES]; /* 64, 65-127, 128-255, 256-511, 512-1023, 1024-1522, 1523+ */
};

static inline void e810_frame_classify(struct e810_frame_class *c, const uint8_t *dst,
				       uint32_t len)
{
	uint32_t wire = len + 4u; /* the FCS the hardware counts */
	unsigned k = wire <= 64u ? 0u : wire <= 127u ? 1u : wire <= 255u ? 2u : wire <= 511u ? 3u
		   : wire <= 1023u ? 4u : wire <= 1522u ? 5u : 6u;

	c->size[k]++;
	if (dst[0] & 1u) {
		if ((dst[0] & dst[1] & dst[2] & dst[3] & dst[4] & dst[5]) == 0xffu)
			c->bcast++;
		else
			c->mcast++;
	}
}

#define E810_LAN_RING_MAX 8191u   /* the 13-bit qlen fields */
#define E810_LAN_RING_MIN 8u      /* shorter rings are refused (the driver uses >= 64) */
#define E810_RX_MAX_CHAIN 5u      /* buffers one frame may span */
#define E810_RX_MIN_FRAME 64u     /* smallest rxmax accepted */

/* ==== queue to vector ========================================================== */

/* QINT_RQCTL(q) / QINT_TQCTL(q): which vector and ITR a queue's cause uses. */
struct e810_qint {
	uint16_t msix;  /* MSI-X vector, 10:0 */
	uint8_t itr;    /* ITR index, 12:11 (3: none) */
	bool ena;       /* CAUSE_ENA, bit 30 */
};

static inline struct e810_qint e810_qint_decode(uint32_t v)
{
	return (struct e810_qint){ .msix = (uint16_t)(v & 0x7ffu),
				   .itr = (uint8_t)((v >> 11) & 3u),
				   .ena = (v >> 30) & 1u };
}

/* The vector to raise for a queue's cause: false when disabled or past nvec vectors. */
static inline bool e810_qint_vector(uint32_t v, uint16_t nvec, uint16_t *vec)
{
	struct e810_qint q = e810_qint_decode(v);

	if (!q.ena || q.msix >= nvec)
		return false;
	*vec = q.msix;
	return true;
}

/* ==== RX ======================================================================= */

/* The RX queue context, decoded. Sizes in bytes and descriptors. */
struct e810_rxq_ctx {
	uint64_t base;        /* ring address (128-byte aligned) */
	uint16_t head;        /* where the device starts */
	uint8_t cpuid;
	uint16_t qlen;        /* descriptors */
	uint32_t dbuf;        /* data buffer size */
	uint32_t hbuf;        /* header buffer size (no split: unused) */
	uint8_t dtype;        /* 0: no header split */
	uint8_t dsize;        /* 1: 32-byte descriptors */
	bool crcstrip, l2tsel, showiv;
	uint8_t hsplit0, hsplit1;
	uint32_t rxmax;       /* largest frame */
	bool tphrdesc, tphwdesc, tphdata, tphhead;
	uint8_t lrxqthresh;
	bool prefena;
};

/* Why a context is refused (e810_rxq_ctx_decode's negative returns). */
enum e810_rxq_ctx_err {
	E810_RXQ_CTX_QLEN = 1, /* qlen below E810_LAN_RING_MIN */
	E810_RXQ_CTX_HEAD,     /* head outside the ring */
	E810_RXQ_CTX_DBUF,     /* (unused: no data buffer size is a descriptor-only ring) */
	E810_RXQ_CTX_SPLIT,    /* header split asked for (dtype, hsplit) */
	E810_RXQ_CTX_DSIZE,    /* 16-byte descriptors */
	E810_RXQ_CTX_RXMAX,    /* rxmax below 64, or more than E810_RX_MAX_CHAIN buffers */
	E810_RXQ_CTX_BASE,     /* the ring wraps the address space */
};

/* Decodes and checks 8 QRX_CONTEXT dwords: 0, or -enum e810_rxq_ctx_err (out filled anyway). */
int e810_rxq_ctx_decode(const uint32_t dw[8], struct e810_rxq_ctx *out);

struct e810_rxq_stats {
	uint64_t pkts, bytes, descs;
	uint64_t drop_off;     /* queue disabled or without a usable context */
	uint64_t drop_bad;     /* runt or oversized pkt from the peer */
	uint64_t drop_long;    /* longer than rxmax */
	uint64_t drop_nodesc;  /* not enough buffers posted (ring full) */
	uint64_t drop_tso;     /* a pkt asking for segmentation: not done on receive */
	uint64_t desc_dma;     /* a descriptor outside guest memory: the rest of the burst lost */
	uint64_t buf_dma;      /* a buffer outside guest memory: frame written back with RXE */
	uint64_t ctx_bad;      /* contexts refused */
	uint64_t tail_oor;     /* tail writes outside the ring, ignored */
	uint64_t csum_bad;     /* frames reported with IPE or L4E */
	uint64_t ol_done;      /* checksums a sender left undone, completed here */
	uint64_t status;       /* programming status descriptors written */
	uint64_t status_drop;  /* programming status lost: queue off or no descriptor free */
	struct e810_frame_class cls; /* of the frames written */
};

/* What the model says about the queue beside the context. */
struct e810_rxq_opts {
	bool vlan_strip;       /* the VSI strips the outer 802.1Q tag into the descriptor */
	bool csum;             /* verify IP/TCP/UDP checksums (L3L4P, IPE, L4E) */
};

struct e810_rxq {
	struct pci_dev *pci;
	struct e810_rxq_ctx ctx;
	struct e810_rxq_opts opts;
	bool ctx_ok;           /* a context was accepted */
	bool enabled;          /* QRX_CTRL.QENA_REQ with an accepted context */
	uint32_t head, tail;
	struct dring_dma dma;
	struct e810_rxq_stats st;
};

void e810_rxq_init(struct e810_rxq *q, struct pci_dev *pci);
/*
 * A new context: the 8 QRX_CONTEXT dwords as the guest left them (the driver
 * writes all 8, then sets QRX_CTRL.QENA_REQ: decode them then). 0 or
 * -enum e810_rxq_ctx_err; head and tail restart at the context's head.
 */
int e810_rxq_set_ctx(struct e810_rxq *q, const uint32_t dw[8]);
/* QRX_CTRL.QENA_REQ: returns the new QENA_STAT (refused without an accepted context). */
bool e810_rxq_enable(struct e810_rxq *q, bool on);
/*
 * QRX_TAIL: one past the last buffer given. The low 3 bits are ignored, as
 * by the hardware. False (and ignored) when outside the ring.
 */
bool e810_rxq_set_tail(struct e810_rxq *q, uint32_t tail);
/* Frames of rxmax bytes that surely fit now (0: ring full or queue off). */
uint32_t e810_rxq_space(const struct e810_rxq *q);
/*
 * Writes a burst into the ring. Consumes all n pkts (accepted or dropped,
 * counted); returns how many were written. Descriptors are written back
 * when it returns: raise the queue's vector if it returned non-zero.
 */
uint16_t e810_rxq_deliver(struct e810_rxq *q, struct pkt **pkts, uint16_t n);
/*
 * A flow director programming status: one descriptor at the head written
 * with wb (32 bytes, the DD qword last), whatever the ring's buffers (a
 * descriptor-only ring has none: a context without a data buffer size
 * takes no frames, only these). False (counted) when the queue is off, no
 * descriptor is free or it lies outside guest memory. Raise the queue's
 * vector on true.
 */
bool e810_rxq_post_status(struct e810_rxq *q, const uint8_t wb[32]);

/* ==== TX ======================================================================= */

/* Where transmitted frames go: a callback, or a net_port's queue (e810_txq_sink_port). */
struct e810_txq_sink {
	/* Consumes all n pkts; returns how many were accepted. */
	uint16_t (*send)(void *arg, uint16_t queue, struct pkt **pkts, uint16_t n);
	/* Optional: room for how many (UINT32_MAX: unbounded). */
	uint32_t (*space)(void *arg, uint16_t queue);
	void *arg;
	uint16_t queue;
};

/*
 * A flow director programming request: the DTYPE 8 descriptor's two qwords
 * and the dummy packet of the DUMMY data descriptor after it (gathered, at
 * most E810_FD_PKT_MAX bytes), or err when there was none to use.
 */
enum e810_fd_prog_err {
	E810_FDP_OK,
	E810_FDP_NODATA,   /* not followed by a data descriptor (another FD or context one) */
	E810_FDP_NODUMMY,  /* the data frame after it is not a DUMMY packet (sent as a frame) */
	E810_FDP_LEN,      /* a packet of 0 bytes or more than E810_FD_PKT_MAX */
	E810_FDP_DMA,      /* the packet outside guest memory (or the pool empty) */
};
struct e810_fd_prog {
	uint64_t qw0, qw1;
	const uint8_t *pkt;
	uint32_t len;
	enum e810_fd_prog_err err;
};
/* Where a TX queue hands its programming requests (the model's flow director). */
struct e810_txq_prog {
	void (*fn)(void *arg, uint16_t queue, const struct e810_fd_prog *p);
	void *arg;
	uint16_t queue;    /* the absolute TX queue, handed back */
};

/* A sink into net_port_send_q(port, queue) with net_port_peer_space_q for room. */
struct e810_txq_sink e810_txq_sink_port(struct net_port *port, uint16_t queue);

#define E810_TXQ_BURST 32u
#define E810_TXQ_DESCS_DEFAULT 512u  /* descriptors per e810_txq_run */
#define E810_TXQ_FRAMES_DEFAULT 256u /* frames (TSO segments included) per e810_txq_run */

struct e810_txq_stats {
	uint64_t pkts, bytes, descs;
	uint64_t tso, tso_segs;
	uint64_t csum_ip, csum_l4;   /* checksums inserted */
	uint64_t vlan_ins;           /* frames with IL2TAG1: tag handed on as PKT_F_VLAN */
	uint64_t drop_nobuf;         /* the pool was empty */
	uint64_t drop_long;          /* longer than a frame (or than NET_TSO_MAX with TSO) */
	uint64_t drop_runt;          /* shorter than an Ethernet header */
	uint64_t drop_dma;           /* a buffer outside guest memory */
	uint64_t drop_tso;           /* TSO context absurd (MSS, header lengths, TSO_LEN) */
	uint64_t drop_csum;          /* checksum offsets outside the frame */
	uint64_t drop_dummy;         /* programming (DUMMY) packets: not for the wire */
	uint64_t drop_noeop;         /* a frame spanning more descriptors than the ring */
	uint64_t drop_sink;          /* frames the sink refused */
	uint64_t bad_desc;           /* unknown or unsupported descriptor types, skipped */
	uint64_t fd_progs;           /* programming descriptors handed on with their packet */
	uint64_t fd_bad;             /* programming descriptors refused (enum e810_fd_prog_err) */
	uint64_t desc_dma;           /* a descriptor outside guest memory: walk stopped */
	uint64_t ctx_bad;            /* queue contexts refused */
	uint64_t tail_oor;           /* doorbells outside the ring, ignored */
	uint64_t budget_stops;       /* walks stopped by the budget */
	struct e810_frame_class cls; /* of the frames sent */
	uint64_t blocked;            /* walks stopped because the sink was full */
	uint64_t wb;                 /* descriptors written back as done */
};

/* What a walk did, for the model. */
struct e810_txq_result {
	uint32_t descs, frames;
	bool done_wb;     /* descriptors were written back (RS): raise the queue's vector */
	bool more;        /* stopped by the budget with work left: call again later */
	bool blocked;     /* the sink had no room: call again when it wakes the port */
};

struct e810_txq {
	struct pci_dev *pci;
	struct pkt_pool *pool;
	struct e810_txq_sink sink;
	uint64_t base;
	uint32_t count;
	uint32_t head, tail;
	bool ctx_ok, enabled;
	bool busy, again;         /* e810_txq_run re-entered from the sink */
	uint32_t budget_descs, budget_frames;
	struct {                  /* a context descriptor for the next frame */
		bool valid, tso;
		uint32_t tso_len;
		uint16_t mss;
	} cx;
	struct {                  /* a programming descriptor for the next (DUMMY) frame */
		bool valid;
		uint64_t qw0, qw1;
	} fd;
	struct e810_txq_prog prog; /* fn NULL: programming descriptors skipped (bad_desc) */
	struct {                  /* the frame being gathered */
		bool active, tso;
		bool fd;              /* the packet of a programming descriptor (fd_qw0/1) */
		uint64_t fd_qw0, fd_qw1;
		uint8_t drop;         /* enum in txq.c: why it will be dropped */
		uint16_t cmd, l2tag1;
		uint32_t offset, len, descs;
		uint32_t tso_len;
		uint16_t mss;
		struct pkt *pkt;
	} fr;
	struct net_gather g;
	uint32_t space;           /* room at the sink as last asked */
	unsigned nburst;
	struct pkt *burst[E810_TXQ_BURST];
	struct dring_dma dma;
	struct e810_txq_stats st;
};

/* Refused TX queue contexts (e810_txq_setup's negative returns). */
enum e810_txq_ctx_err {
	E810_TXQ_CTX_QLEN = 1, /* qlen below E810_LAN_RING_MIN or above E810_LAN_RING_MAX */
	E810_TXQ_CTX_WB_MODE,  /* head write-back asked for: not done */
	E810_TXQ_CTX_BASE,     /* the ring wraps the address space */
};

void e810_txq_init(struct e810_txq *q, struct pci_dev *pci, struct pkt_pool *pool,
		   struct e810_txq_sink sink);
/* add_txqs: the queue from its context, enabled, head and tail 0. 0 or -enum e810_txq_ctx_err. */
int e810_txq_setup(struct e810_txq *q, const struct e810_aq_txq_ctx *ctx);
/* Programming descriptors go to prog (set after e810_txq_init; fn NULL: skipped). */
static inline void e810_txq_set_prog(struct e810_txq *q, struct e810_txq_prog prog)
{
	q->prog = prog;
}
/* dis_txqs / reset: off, a frame in progress and the pending burst dropped. */
void e810_txq_stop(struct e810_txq *q);
/* QTX_COMM_DBELL: the new tail. False (and ignored) when outside the ring. */
bool e810_txq_set_tail(struct e810_txq *q, uint32_t tail);
/*
 * Walks head..tail within the budget; frames go to the sink. Re-entry safe:
 * a call from inside the sink (a wake-up) only makes the running walk look
 * at the tail again, within the same budget, and returns an empty result.
 */
struct e810_txq_result e810_txq_run(struct e810_txq *q);

#endif /* VMUX_DEV_E810_LAN_H */
