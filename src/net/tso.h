/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * TCP/UDP segmentation in software, for any device model (the e1000's TSO
 * context, the E810's TSO context descriptor) and for a backend without the
 * offload: a frame of headers and a large payload, gathered from the guest,
 * is cut into segments of at most MSS payload bytes, each with the headers
 * rewritten (IPv4 total length and ID, IPv6 payload length, TCP sequence
 * number and flags, UDP length) and the checksums asked for.
 *
 * The frame is read through a scatter list, so a model gathers it into
 * packets of its pool (struct net_gather: no TSO buffer per device, 16
 * packets at most for NET_TSO_MAX) or points at memory it already has.
 */
#ifndef VMUX_NET_TSO_H
#define VMUX_NET_TSO_H

#include <stdbool.h>
#include <stdint.h>

#include "net/pkt.h"
#include "net/sg.h"

/* Largest frame (headers + payload) the segmenter takes: the E810's TSO limit. */
#define NET_TSO_MAX (256u * 1024u)

/* What a TSO context says, in frame offsets. */
struct net_tso {
	uint32_t hdrlen;      /* headers copied into every segment (L2 to the end of L4) */
	uint32_t mss;         /* payload bytes per segment; the last one may have fewer */
	uint16_t l3_off;      /* IPv4 or IPv6 header */
	uint16_t l4_off;      /* TCP or UDP header */
	uint16_t ip_csum_off; /* IPv4 header checksum field */
	uint16_t ip_csum_end; /* last byte the IPv4 checksum covers; 0: to the segment's end */
	uint16_t l4_csum_off; /* TCP or UDP checksum field */
	uint16_t l4_csum_end; /* last byte the L4 checksum covers; 0: to the segment's end */
	bool ipv4;            /* else IPv6 (payload length rewritten, no header checksum) */
	bool tcp;             /* else UDP */
	bool ip_csum;         /* recompute the IPv4 header checksum of each segment */
	/*
	 * Insert the L4 checksum of each segment: the field holds the
	 * pseudo-header sum without the length (as Linux's e1000 and ice
	 * drivers leave it), the segment's length is added.
	 */
	bool l4_csum;
};

/* What a model accepts. */
struct net_tso_limits {
	uint32_t max_len;  /* largest frame, headers included (at most NET_TSO_MAX) */
	uint32_t max_seg;  /* largest segment: hdrlen + mss must not exceed it */
	uint32_t max_segs; /* most segments per frame */
	uint32_t min_mss;  /* smallest MSS (0 is always refused) */
};

/* Why a TSO frame is refused (negative returns of net_tso_check). */
enum net_tso_err {
	NET_TSO_ERR_MSS = 1, /* MSS below the minimum, or header + MSS larger than a segment */
	NET_TSO_ERR_HDR,     /* hdrlen 0, beyond the data, or offsets outside the headers */
	NET_TSO_ERR_EMPTY,   /* no payload */
	NET_TSO_ERR_SEGS,    /* too many segments */
	NET_TSO_ERR_LEN,     /* frame too long */
};

/*
 * Checks a TSO context against a frame of len bytes: every field rewritten
 * per segment must lie inside the headers. Returns the number of segments,
 * or -enum net_tso_err.
 */
int net_tso_check(const struct net_tso *t, uint32_t len, const struct net_tso_limits *lim);

/* The frame being segmented: a scatter list and a cursor for the payload. */
struct net_tso_src {
	const struct net_sg *sg;
	unsigned nsg;
	uint32_t len;         /* bytes in the list */
	uint32_t pos;         /* where the cursor is */
	struct net_sg_cur cur;
};

void net_tso_src_init(struct net_tso_src *s, const struct net_sg *sg, unsigned nsg);

/*
 * Builds segment seg (0-based) of a checked frame into out (cap bytes).
 * Returns its length, or 0 if there is no such segment or it does not fit.
 * Segments are cheapest built in order (the payload cursor only moves on).
 */
uint32_t net_tso_seg(const struct net_tso *t, struct net_tso_src *s, uint32_t seg, uint8_t *out,
		     uint32_t cap);

/* ---- gathering a large frame into pool packets ---------------------------------- */

#define NET_GATHER_PKTS ((NET_TSO_MAX + PKT_DATA_MAX - 1) / PKT_DATA_MAX)

/*
 * A frame of up to NET_TSO_MAX bytes gathered piece by piece (guest buffers,
 * one per descriptor) into packets of a pool, taken as it grows: memory the
 * pool has anyway, not a buffer of the largest size per device.
 */
struct net_gather {
	uint32_t len;
	unsigned n;
	struct pkt *pk[NET_GATHER_PKTS];
};

static inline void net_gather_init(struct net_gather *g)
{
	g->len = 0;
	g->n = 0;
}

/*
 * Appends len bytes from src. 0, or -EMSGSIZE past NET_TSO_MAX (nothing
 * appended), -ENOBUFS when the pool has no packet left (the frame is then
 * incomplete: drop it).
 */
int net_gather_append(struct net_gather *g, struct pkt_pool *pool, const void *src, uint32_t len);
/* The gathered frame as a scatter list (at most NET_GATHER_PKTS pieces); returns the count. */
unsigned net_gather_sg(const struct net_gather *g, struct net_sg *sg);
/* Gives the packets back; the gather is empty again. */
void net_gather_free(struct net_gather *g);

#endif
