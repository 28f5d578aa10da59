/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Packet buffers owned by vmux. A pool is owned by one thread; buffers are
 * allocated and freed in bursts without locks or syscalls. Any thread may
 * free a packet (one that crossed threads through a ring): a foreign free
 * goes back to the owner through a lock-free list.
 */
#ifndef VMUX_NET_PKT_H
#define VMUX_NET_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Largest frame vmux carries (e1000 with LPE accepts up to 16128 bytes). */
#define PKT_DATA_MAX 16384u

#define PKT_F_VLAN 0x1u /* vlan_tci is valid; the tag is NOT in data */
#define PKT_F_RSS 0x2u  /* rss_hash is valid */
#define PKT_F_OL 0x4u   /* ol is a request: offloads the sender left undone */

/* Offloads a sender may leave to a receiver that can do them (pkt.ol.flags). */
#define PKT_OL_IP_CSUM 0x01u  /* IPv4 header checksum */
#define PKT_OL_L4_CSUM 0x02u  /* TCP/UDP checksum at csum_start + csum_offset */
#define PKT_OL_TSO 0x04u      /* segment the TCP payload into mss-sized frames */
#define PKT_OL_IPV6 0x08u     /* the L3 header is IPv6 (else IPv4) */
#define PKT_OL_UDP 0x10u      /* the L4 header is UDP (else TCP) */

/*
 * An offload request: header lengths and what to fill in, as a device model
 * read them from its context descriptors. A backend that offloads (DPDK with
 * checksum/TSO) hands them to the NIC; a receiver that cannot must do the
 * work in software (net/tso.h, net/csum.h) before the frame leaves.
 */
struct pkt_offload {
	uint8_t flags;       /* PKT_OL_* */
	uint8_t l2_len;      /* Ethernet (and VLAN) header */
	uint16_t l3_len;     /* IP header, options and extension headers included */
	uint16_t l4_len;     /* TCP/UDP header */
	uint16_t mss;        /* with PKT_OL_TSO */
	uint16_t csum_start; /* with PKT_OL_L4_CSUM: where the sum starts ... */
	uint16_t csum_offset; /* ... and where it goes, from csum_start */
};

/* No queue in particular (net/port.h: NET_QUEUE_ANY). */
#define PKT_QUEUE_ANY 0xffffu

struct pkt_pool;

struct pkt {
	uint32_t len;
	uint32_t flags;       /* PKT_F_* */
	uint16_t vlan_tci;
	uint16_t in_port;     /* set by the switch */
	uint32_t rss_hash;    /* with PKT_F_RSS: the receive-side hash (Toeplitz) */
	uint16_t queue;       /* the queue it came from or is for (PKT_QUEUE_ANY: none) */
	struct pkt_offload ol; /* with PKT_F_OL */
	struct pkt_pool *pool;
	struct pkt *next_free;
	void *lender;         /* a lent packet's: what gives it back (pkt_pool_create_lent) */
	uint8_t data[PKT_DATA_MAX] __attribute__((aligned(64)));
};

/* The metadata above the buffer stays within the first cache line. */
_Static_assert(__builtin_offsetof(struct pkt, data) == 64, "struct pkt: metadata beyond one line");

struct pkt_pool *pkt_pool_create(const char *name, unsigned count);
void pkt_pool_destroy(struct pkt_pool *p);
/* Allocates up to n buffers (len 0, flags 0); returns how many. */
unsigned pkt_alloc_bulk(struct pkt_pool *p, struct pkt **pkts, unsigned n);
struct pkt *pkt_alloc(struct pkt_pool *p);
void pkt_free(struct pkt *pkt);
void pkt_free_bulk(struct pkt **pkts, unsigned n);
unsigned pkt_pool_avail(const struct pkt_pool *p);

/*
 * A pool of lent packets: its memory is the buffers of something else (the
 * DPDK uplink's receive mbufs, each a packet's data), which hands a packet
 * out with pkt_lend when it filled it; nothing allocates from it. Freeing
 * such a packet (from any thread) calls give_back(lender) once; a second
 * free of it is counted in bad_frees and ignored. The packets lie
 * pkt_lent_stride() bytes apart from pkt_lent_first(p), which has 64 unused
 * bytes before it (the lender's headroom: struct pkt's header is the other
 * half).
 */
struct pkt_pool *pkt_pool_create_lent(const char *name, unsigned count,
				      void (*give_back)(void *lender));
struct pkt *pkt_lent_first(struct pkt_pool *p);
static inline size_t pkt_lent_stride(void)
{
	return sizeof(struct pkt);
}
/* k (a packet of lent pool p, filled by lender) handed out: its header reset. */
void pkt_lend(struct pkt_pool *p, struct pkt *k, void *lender);
/* Whether k lies in lent pool p (at a packet's start). */
bool pkt_in_pool(const struct pkt_pool *p, const struct pkt *k);
/* Makes the calling thread the pool's owner (before the pool is used there). */
void pkt_pool_adopt(struct pkt_pool *p);
/* Small per-thread id (1, 2, ...), stable for the thread's life. */
unsigned pkt_thread_id(void);

/* Added for counters and logs; none of these is on the per-packet path. */
struct pkt_pool_stats {
	uint64_t exhausted;  /* allocation requests that got fewer packets than asked */
	uint64_t short_pkts; /* packets asked for and not given */
	uint64_t bad_frees;  /* frees that would overflow the pool (double frees), ignored */
};

unsigned pkt_pool_count(const struct pkt_pool *p);
const char *pkt_pool_name(const struct pkt_pool *p);
void pkt_pool_get_stats(const struct pkt_pool *p, struct pkt_pool_stats *st);

#endif
