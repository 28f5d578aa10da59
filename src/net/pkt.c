/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Packet pools. A pool is one anonymous mapping that holds, in order, the pool
 * header, the free stack (an array of pointers) and the packets themselves.
 * The mapping is page aligned and struct pkt is a multiple of 64 bytes, so
 * every packet's data starts on a cache line. Pages are only touched (and so
 * only committed) when a packet is first used; the LIFO stack hands out the
 * most recently freed, cache-hot buffers first.
 *
 * A pool belongs to one thread (the one that created it): alloc and free
 * take no lock and make no syscall. A packet freed by another thread (it
 * crossed threads through an SPSC ring) goes onto the pool's remote list, a
 * lock-free stack that foreign threads push to with a CAS and the owner
 * takes whole with one exchange (so there is no ABA problem), when its own
 * stack runs short.
 *
 * A lent pool (pkt_pool_create_lent) is the same mapping with 64 spare bytes
 * before the packets and an empty stack: its packets are another owner's
 * buffers (net/dpdk.c's receive mbufs), handed out with pkt_lend, and a free
 * gives each back to that owner instead of to a stack.
 */
#include "net/pkt.h"

#include <errno.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "core/log.h"

/* Bounds the mapping (about 16 GiB of address space, lazily committed). */
#define PKT_POOL_MAX_COUNT (1u << 20)

struct pkt_pool {
	char name[32];
	unsigned owner;               /* pkt_thread_id() of the owning thread */
	void (*give_back)(void *lender); /* a lent pool's (pkt_pool_create_lent); read by every free */
	_Atomic(struct pkt *) remote; /* packets freed by other threads */
	unsigned count;
	unsigned top; /* number of free packets on the stack */
	struct pkt **stack;
	struct pkt *pkts;
	size_t map_len;
	struct pkt_pool_stats stats;
};

_Static_assert(sizeof(struct pkt) % 64 == 0, "packets must stay cache-line sized");

static _Atomic unsigned next_thread_id = 1;
static __thread unsigned my_thread_id;

unsigned pkt_thread_id(void)
{
	if (__builtin_expect(!my_thread_id, 0))
		my_thread_id = atomic_fetch_add(&next_thread_id, 1);
	return my_thread_id;
}

static void push_local(struct pkt_pool *p, struct pkt *k);
static void drain_remote(struct pkt_pool *p);

static size_t align_up(size_t v, size_t a)
{
	return (v + a - 1) & ~(a - 1);
}

static struct pkt_pool *pool_map(const char *name, unsigned count, size_t guard)
{
	size_t stack_off = align_up(sizeof(struct pkt_pool), sizeof(void *));
	size_t pkts_off, len;
	struct pkt_pool *p;
	void *mem;

	if (count == 0 || count > PKT_POOL_MAX_COUNT) {
		LOG_ERR("pkt", "pool %s: bad packet count %u (1..%u)", name ? name : "?", count,
			PKT_POOL_MAX_COUNT);
		errno = EINVAL;
		return NULL;
	}
	pkts_off = align_up(stack_off + (size_t)count * sizeof(struct pkt *), 64) + guard;
	len = pkts_off + (size_t)count * sizeof(struct pkt);
	mem = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		int e = errno;

		LOG_ERR("pkt", "pool %s: cannot map %zu bytes for %u packets: %s",
			name ? name : "?", len, count, strerror(e));
		errno = e;
		return NULL;
	}
	p = mem;
	snprintf(p->name, sizeof(p->name), "%s", name ? name : "pool");
	p->count = count;
	p->owner = pkt_thread_id();
	atomic_init(&p->remote, NULL);
	p->map_len = len;
	p->stack = (struct pkt **)((char *)mem + stack_off);
	p->pkts = (struct pkt *)((char *)mem + pkts_off);
	return p;
}

struct pkt_pool *pkt_pool_create(const char *name, unsigned count)
{
	struct pkt_pool *p = pool_map(name, count, 0);

	if (!p)
		return NULL;
	/*
	 * Push in reverse so that the first allocations walk the array upwards.
	 * The packets themselves are not written here (their header is set on
	 * allocation), so their pages are committed only once used.
	 */
	for (unsigned i = 0; i < count; i++)
		p->stack[i] = &p->pkts[count - 1 - i];
	p->top = count;
	return p;
}

struct pkt_pool *pkt_pool_create_lent(const char *name, unsigned count,
				      void (*give_back)(void *lender))
{
	struct pkt_pool *p = pool_map(name, count, 64);

	if (p)
		p->give_back = give_back; /* top 0: nothing to allocate */
	return p;
}

struct pkt *pkt_lent_first(struct pkt_pool *p)
{
	return p->pkts;
}

bool pkt_in_pool(const struct pkt_pool *p, const struct pkt *k)
{
	uintptr_t a = (uintptr_t)k, b = (uintptr_t)p->pkts;

	return a >= b && a < b + (uintptr_t)p->count * sizeof(struct pkt) &&
	       (a - b) % sizeof(struct pkt) == 0;
}

void pkt_pool_destroy(struct pkt_pool *p)
{
	if (!p)
		return;
	if (p->give_back) {
		munmap(p, p->map_len);
		return;
	}
	drain_remote(p);
	if (p->top != p->count)
		LOG_WARN("pkt", "pool %s destroyed with %u of %u packets still in use", p->name,
			 p->count - p->top, p->count);
	munmap(p, p->map_len);
}

static inline void pkt_reset(struct pkt_pool *p, struct pkt *k)
{
	k->pool = p;
	k->len = 0;
	k->flags = 0;
	k->vlan_tci = 0;
	k->in_port = 0;
	k->queue = PKT_QUEUE_ANY;
	k->next_free = NULL;
}

void pkt_lend(struct pkt_pool *p, struct pkt *k, void *lender)
{
	pkt_reset(p, k);
	atomic_store_explicit((_Atomic(void *) *)&k->lender, lender, memory_order_relaxed);
}

/* A lent packet back to its lender, once. */
static void give_back(struct pkt_pool *p, struct pkt *k)
{
	void *l = atomic_exchange_explicit((_Atomic(void *) *)&k->lender, NULL,
					   memory_order_relaxed);

	if (__builtin_expect(!l, 0)) {
		p->stats.bad_frees++;
		LOG_RL(LOG_LVL_ERR, "pkt", "pool %s: packet %p freed twice", p->name, (void *)k);
		return;
	}
	p->give_back(l);
}


/* Owner only: takes back everything other threads freed. */
static void drain_remote(struct pkt_pool *p)
{
	struct pkt *k = atomic_exchange_explicit(&p->remote, NULL, memory_order_acquire);
	while (k) {
		struct pkt *next = k->next_free;
		push_local(p, k);
		k = next;
	}
}

unsigned pkt_alloc_bulk(struct pkt_pool *p, struct pkt **pkts, unsigned n)
{
	if (p->top < n && atomic_load_explicit(&p->remote, memory_order_relaxed))
		drain_remote(p);
	unsigned got = n <= p->top ? n : p->top;

	if (got < n) {
		p->stats.exhausted++;
		p->stats.short_pkts += n - got;
	}
	for (unsigned i = 0; i < got; i++) {
		struct pkt *k = p->stack[--p->top];

		pkt_reset(p, k);
		pkts[i] = k;
	}
	return got;
}

struct pkt *pkt_alloc(struct pkt_pool *p)
{
	struct pkt *k;

	return pkt_alloc_bulk(p, &k, 1) ? k : NULL;
}

static void push_local(struct pkt_pool *p, struct pkt *k)
{
	if (__builtin_expect(p->top >= p->count, 0)) {
		/* More frees than packets: a double free somewhere. Never overflow. */
		p->stats.bad_frees++;
		LOG_RL(LOG_LVL_ERR, "pkt", "pool %s: free of packet %p beyond pool size",
		       p->name, (void *)k);
		return;
	}
	p->stack[p->top++] = k;
}

/* Returns one packet to its own pool: directly from the owner, via the remote list otherwise. */
static inline void pkt_push(struct pkt_pool *p, struct pkt *k)
{
	if (__builtin_expect(p->owner == pkt_thread_id(), 1)) {
		push_local(p, k);
		return;
	}
	struct pkt *head = atomic_load_explicit(&p->remote, memory_order_relaxed);
	do {
		k->next_free = head;
	} while (!atomic_compare_exchange_weak_explicit(&p->remote, &head, k, memory_order_release,
							memory_order_relaxed));
}

void pkt_free(struct pkt *pkt)
{
	if (!pkt || !pkt->pool)
		return;
	if (__builtin_expect(pkt->pool->give_back != NULL, 0)) {
		give_back(pkt->pool, pkt);
		return;
	}
	pkt_push(pkt->pool, pkt);
}

void pkt_free_bulk(struct pkt **pkts, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		if (pkts[i] && pkts[i]->pool)
			pkt_free(pkts[i]);
	}
}

unsigned pkt_pool_avail(const struct pkt_pool *p)
{
	return p->top;
}

void pkt_pool_adopt(struct pkt_pool *p)
{
	drain_remote(p);
	p->owner = pkt_thread_id();
}

unsigned pkt_pool_count(const struct pkt_pool *p)
{
	return p->count;
}

const char *pkt_pool_name(const struct pkt_pool *p)
{
	return p->name;
}

void pkt_pool_get_stats(const struct pkt_pool *p, struct pkt_pool_stats *st)
{
	*st = p->stats;
}
