/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The E810's receive-side scaling for the PF VSI: which RX queue a frame
 * from the port goes to, and its hash for the descriptor (RSS_VALID and the
 * flex NIC descriptor's rss_hash, rxq.c).
 *
 * On when the PF VSI has a key (set_rss_key) and a lookup table
 * (set_rss_lut) and more than one RX queue is enabled; off, every frame
 * goes to queue 0 and no hash is computed. On, a frame's Toeplitz hash
 * (net/rss.h; every hash type the driver enables with its DDP package:
 * TCP and UDP over IPv4 and IPv6 with ports, other IP with addresses) picks
 * entry hash & (LUT size - 1), a VSI-relative queue index mapped through
 * the VSI's RX queue map (contiguous or scattered) to the PF's queue. A
 * frame that carries a hash already (PKT_F_RSS from a backend) uses it.
 * Frames without a hash (not IP) go to the VSI's queue 0, as the hardware
 * sends frames no RSS profile matches to the VSI's default queue.
 *
 * The table and the key are the guest's, untrusted: an entry naming a queue
 * the VSI or the PF does not have sends its frames to the VSI's queue 0
 * (counted); a frame whose queue is off is dropped, as by the hardware
 * (counted: the model's caller). Building a key's table costs tens of
 * microseconds: it is rebuilt only when the key changes.
 */
#ifndef VMUX_DEV_E810_RSS_H
#define VMUX_DEV_E810_RSS_H

#include <stdbool.h>
#include <stdint.h>

#include "dev/e810/aq.h"
#include "net/pkt.h"
#include "net/rss.h"

#define E810_RSS_LUT_MAX 2048u
#define E810_RSS_Q_BAD 0xffu /* a LUT entry naming no queue */

struct e810_rss_stats {
	uint64_t hashed;     /* hashes computed */
	uint64_t given;      /* frames with a hash from the backend (PKT_F_RSS) */
	uint64_t nohash;     /* frames with nothing to hash: the VSI's queue 0 */
	uint64_t lut_bad;    /* frames whose LUT entry names no queue: the VSI's queue 0 */
	uint64_t drop_off;   /* frames for a queue that is off: dropped (counted by the model) */
	uint64_t configs;    /* times the state was built anew (a change) */
	uint64_t keys;       /* key tables built */
};

struct e810_rss {
	bool on;
	uint8_t q0;                 /* the VSI's queue 0, absolute */
	uint16_t lut_mask;          /* LUT size - 1 */
	uint64_t targets;           /* absolute queues the table (and q0) name, a bit each */
	uint16_t lut_bad_entries;   /* entries of the current table naming no queue */
	uint8_t qsel[E810_RSS_LUT_MAX]; /* absolute queue per entry, or E810_RSS_Q_BAD */
	bool key_ok;
	uint8_t key[NET_RSS_KEY_MAX];
	struct net_rss_tbl tbl;
	struct e810_rss_stats st;
};

void e810_rss_init(struct e810_rss *r);

/* The VSI's RX queue map: VSI-relative index rel to the PF's queue (< nq), or E810_RSS_Q_BAD. */
unsigned e810_vsi_rx_queue(const struct e810_aq_vsi *v, unsigned rel, unsigned nq);

/*
 * A queue region (a switch rule's TO_Q region, a flow director filter's
 * toq): of the 2^log2 queues from first, the one the frame's RSS hash picks
 * (its low log2 bits), as the E810 spreads a region's frames.
 */
static inline unsigned e810_region_pick(unsigned first, unsigned log2, uint32_t hash)
{
	return first + (hash & ((1u << log2) - 1u));
}

/*
 * From the PF VSI's state (NULL: none), the model's queue count nq
 * (at most 64) and how many RX queues are enabled. Returns true if the
 * selection changed (on/off, the table, the queue map or the key).
 */
bool e810_rss_config(struct e810_rss *r, const struct e810_aq_vsi *v, unsigned nq,
		     unsigned rx_on);

/*
 * The absolute queue for a frame, with RSS on. Sets p->rss_hash and
 * PKT_F_RSS when it computes the hash.
 */
static inline unsigned e810_rss_pick(struct e810_rss *r, struct pkt *p)
{
	uint32_t h;
	unsigned q;

	if (p->flags & PKT_F_RSS) {
		h = p->rss_hash;
		r->st.given++;
	} else {
		struct net_rss_input in;

		if (!net_rss_input(p->data, p->len, NET_RSS_HASH_ALL, &in)) {
			r->st.nohash++;
			return r->q0;
		}
		h = net_rss_tbl_hash(&r->tbl, in.b, in.len);
		p->rss_hash = h;
		p->flags |= PKT_F_RSS;
		r->st.hashed++;
	}
	q = r->qsel[h & r->lut_mask];
	if (q == E810_RSS_Q_BAD) {
		r->st.lut_bad++;
		return r->q0;
	}
	return q;
}

#endif /* VMUX_DEV_E810_RSS_H */
