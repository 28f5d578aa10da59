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
#include <stdint.h>

/* Largest frame vmux carries (e1000 with LPE accepts up to 16128 bytes). */
#define PKT_DATA_MAX 16384u

#define PKT_F_VLAN 0x1u /* vlan_tci is valid; the tag is NOT in data */

struct pkt_pool;

struct pkt {
	uint32_t len;
	uint32_t flags;
	uint16_t vlan_tci;
	uint16_t in_port; /* set by the switch */
	struct pkt_pool *pool;
	struct pkt *next_free;
	uint8_t data[PKT_DATA_MAX] __attribute__((aligned(64)));
};

struct pkt_pool *pkt_pool_create(const char *name, unsigned count);
void pkt_pool_destroy(struct pkt_pool *p);
/* Allocates up to n buffers (len 0, flags 0); returns how many. */
unsigned pkt_alloc_bulk(struct pkt_pool *p, struct pkt **pkts, unsigned n);
struct pkt *pkt_alloc(struct pkt_pool *p);
void pkt_free(struct pkt *pkt);
void pkt_free_bulk(struct pkt **pkts, unsigned n);
unsigned pkt_pool_avail(const struct pkt_pool *p);
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
