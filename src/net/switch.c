/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The L2 learning switch (see switch.h for the forwarding rules).
 *
 * Per burst delivered by an attached port: read the clock once, classify each
 * frame (length, VLAN, source MAC), learn, look the destination up, and stage
 * the frame (or copies, when flooding) on each destination's output array;
 * then send every staged array as one burst. Nothing is allocated but flood
 * copies from the switch's own pool; nothing is logged but rate-limited
 * warnings.
 *
 * The MAC table is a hash of 4-way buckets, one cache line each: a key lives
 * only in its bucket, so a lookup reads one line and a full bucket evicts its
 * oldest learned entry (static entries are never evicted). Learned entries
 * expire lazily: an old entry reads as a miss and its slot is reused.
 */
#include "net/switch.h"

#include <endian.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "core/log.h"
#include "core/loop.h"
#include "net/pkt.h"
#include "net/sw_policy.h"

#define SW_BURST 64u     /* staged frames per output port before an early send */
#define SW_WAYS 4u       /* MAC entries per bucket */
#define SW_MAX_DEPTH 4u  /* nested deliveries into the switch (a peer echoing frames back) */
#define SW_MAX_MACS (1u << 22)
#define ETH_HLEN_ SW_ETH_HLEN

struct sw_mac_entry {
	uint64_t key; /* 0: empty; else mac | (vlan + 1) << 48 */
	uint32_t seen_s;
	uint16_t port;
	uint16_t is_static;
};

struct sw_bucket {
	struct sw_mac_entry e[SW_WAYS];
} __attribute__((aligned(64)));

struct sw_port {
	struct net_port port; /* the switch's side; its peer is the attached port */
	struct net_switch *sw;
	uint16_t id;
	struct sw_policy pol; /* its VLAN, trunk or not (net/sw_policy.h) */
	bool vm, strict, promisc, dirty;
	uint8_t mac[6];
	uint64_t drops[SW_DROP_MAX];
	uint64_t flooded;
	unsigned nout;
	struct pkt *out[SW_BURST];
};

struct net_switch {
	char name[32];
	unsigned ageing_s;
	bool allow_promisc;
	uint64_t (*clock_ns)(void);
	uint32_t now_s; /* read once per burst */
	uint64_t table_gen; /* bumped by every change of the MAC table (seen by nested bursts too) */
	unsigned depth;
	uint64_t seed;
	unsigned nbuckets;
	struct sw_bucket *buckets;
	struct pkt_pool *pool;
	uint64_t learned, moved, evicted, table_full;
	unsigned nactive, ndirty;
	unsigned npromisc; /* attached ports in promiscuous mode */
	struct sw_port *ports[SW_MAX_PORTS];
	uint16_t active[SW_MAX_PORTS];
	uint16_t dirty[SW_MAX_PORTS];
};

/* ---- MAC table ---- */

/* The MAC as a 48-bit big-endian number (two loads), the VLAN + 1 above it. */
static inline uint64_t mac48(const uint8_t *mac)
{
	uint32_t hi;
	uint16_t lo;

	memcpy(&hi, mac, 4);
	memcpy(&lo, mac + 4, 2);
	return (uint64_t)be32toh(hi) << 16 | be16toh(lo);
}

static inline uint64_t mac_key(const uint8_t *mac, uint16_t vlan)
{
	return mac48(mac) | (uint64_t)(vlan + 1u) << 48;
}

static inline struct sw_bucket *bucket_of(const struct net_switch *sw, uint64_t key)
{
	/* Keyed mix, so MACs chosen on a wire cannot aim at one bucket on purpose. */
	uint64_t h = (key ^ sw->seed) * 0x9e3779b97f4a7c15ull;

	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 32;
	return &sw->buckets[h & (sw->nbuckets - 1)];
}

static inline bool entry_live(const struct net_switch *sw, const struct sw_mac_entry *e)
{
	return e->key && (e->is_static || (uint32_t)(sw->now_s - e->seen_s) < sw->ageing_s);
}

static inline int mac_lookup(const struct net_switch *sw, uint64_t key)
{
	const struct sw_bucket *b = bucket_of(sw, key);

	for (unsigned i = 0; i < SW_WAYS; i++) {
		const struct sw_mac_entry *e = &b->e[i];

		if (e->key == key)
			return entry_live(sw, e) ? e->port : -1;
	}
	return -1;
}

/*
 * Where key goes in its bucket: its own slot, else an empty or expired one,
 * else the oldest learned one (*evict set). NULL if all four are static.
 */
static struct sw_mac_entry *mac_slot(struct net_switch *sw, uint64_t key, bool *found,
				     bool *evict)
{
	struct sw_bucket *b = bucket_of(sw, key);
	struct sw_mac_entry *free_e = NULL, *old = NULL;

	*found = false;
	*evict = false;
	for (unsigned i = 0; i < SW_WAYS; i++) {
		struct sw_mac_entry *e = &b->e[i];

		if (e->key == key) {
			*found = true;
			return e;
		}
		if (!free_e && !entry_live(sw, e))
			free_e = e;
		if (!e->is_static && (!old || (uint32_t)(sw->now_s - e->seen_s) >
						      (uint32_t)(sw->now_s - old->seen_s)))
			old = e;
	}
	if (free_e)
		return free_e;
	*evict = old != NULL;
	return old;
}

/* Returns true if the table changed (an entry added or moved). */
static inline bool mac_learn(struct net_switch *sw, const uint8_t *mac, uint16_t vlan,
			     uint16_t port)
{
	uint64_t key = mac_key(mac, vlan);
	struct sw_bucket *b = bucket_of(sw, key);
	struct sw_mac_entry *e;
	bool found, evict;

	/* Fast path: already known here and fresh enough. */
	for (unsigned i = 0; i < SW_WAYS; i++) {
		e = &b->e[i];
		if (e->key != key)
			continue;
		if (e->is_static)
			return false; /* pinned: never moved by traffic */
		bool moved = e->port != port;
		if (moved) {
			if (entry_live(sw, e))
				sw->moved++;
			e->port = port;
			sw->table_gen++;
		}
		e->seen_s = sw->now_s;
		return moved;
	}
	e = mac_slot(sw, key, &found, &evict);
	if (!e) {
		sw->table_full++;
		return false;
	}
	if (evict)
		sw->evicted++;
	e->key = key;
	e->port = port;
	e->seen_s = sw->now_s;
	e->is_static = 0;
	sw->learned++;
	sw->table_gen++;
	return true;
}

/* Forgets the port's entries: learned ones only, or all. */
static void mac_forget_port(struct net_switch *sw, uint16_t port, bool with_static)
{
	for (unsigned b = 0; b < sw->nbuckets; b++) {
		for (unsigned i = 0; i < SW_WAYS; i++) {
			struct sw_mac_entry *e = &sw->buckets[b].e[i];

			if (e->key && e->port == port && (with_static || !e->is_static))
				memset(e, 0, sizeof(*e));
		}
	}
	sw->table_gen++;
}

static void clock_tick(struct net_switch *sw)
{
	sw->now_s = (uint32_t)(sw->clock_ns() / 1000000000ull);
}

/* ---- forwarding ---- */

static inline bool port_in_vlan(const struct sw_port *q, uint16_t vid)
{
	return sw_policy_in_vlan(&q->pol, vid);
}

static void port_send_staged(struct sw_port *q)
{
	struct pkt *burst[SW_BURST];
	unsigned n = q->nout;

	/* Take the array first: the receiver may deliver back into the switch. */
	memcpy(burst, q->out, n * sizeof(burst[0]));
	q->nout = 0;
	net_port_send(&q->port, burst, (uint16_t)n);
}

static void flush_all(struct net_switch *sw)
{
	while (sw->ndirty) {
		struct sw_port *q = sw->ports[sw->dirty[--sw->ndirty]];

		if (!q)
			continue;
		q->dirty = false;
		if (q->nout)
			port_send_staged(q);
	}
}

static inline void stage(struct net_switch *sw, struct sw_port *q, struct pkt *k, uint16_t in_id,
			 uint16_t vid, uint16_t pcp)
{
	k->in_port = in_id;
	sw_policy_egress(&q->pol, k, vid, pcp);
	q->out[q->nout++] = k;
	if (!q->dirty) {
		q->dirty = true;
		sw->dirty[sw->ndirty++] = q->id;
	}
	if (q->nout == SW_BURST)
		port_send_staged(q);
}

static inline void drop(struct sw_port *in, struct pkt *k, enum sw_drop why)
{
	in->drops[why]++;
	pkt_free(k);
}

/*
 * Finds the frame's VLAN; strips a tag carried in the data. Returns false
 * (and counts) when the port may not send it.
 */
static inline bool classify_vlan(struct sw_port *in, struct pkt *k, uint16_t *vid, uint16_t *pcp)
{
	bool in_data;

	if (!sw_policy_vlan_of(&in->pol, k, vid, pcp, &in_data))
		return false;
	if (in_data)
		sw_untag_data(k);
	return true;
}

/* Ports that may own MACs the table does not know. */
static inline bool takes_unknown(const struct sw_port *q)
{
	return !q->strict || q->promisc;
}

/* Forwards one frame from `in`; returns false if it was dropped at ingress. */
/*
 * What the frames of one burst from one port had in common (within a burst
 * the clock does not move): the source already learned, the last unicast
 * destination looked up. Emptied whenever learning changes the table.
 */
struct sw_burst {
	uint64_t gen;     /* sw->table_gen the keys below were valid for */
	uint64_t src_key; /* learned in this burst (0: none) */
	uint64_t dst_key; /* 0: none */
	int dst_port;
};

static bool sw_input(struct net_switch *sw, struct sw_port *in, struct pkt *k,
		     struct sw_burst *bc)
{
	struct sw_port *dests[SW_MAX_PORTS];
	unsigned nd = 0;
	uint16_t vid, pcp;
	const uint8_t *src, *dst;

	if (k->len < ETH_HLEN_ || k->len > PKT_DATA_MAX) {
		drop(in, k, SW_DROP_BAD_LEN);
		return false;
	}
	if (!classify_vlan(in, k, &vid, &pcp)) {
		drop(in, k, SW_DROP_VLAN);
		return false;
	}
	dst = k->data;
	src = k->data + 6;
	uint64_t smac = mac48(src);

	if (!sw_src_ok(src)) {
		drop(in, k, SW_DROP_BAD_SRC);
		return false;
	}
	if (in->strict && memcmp(src, in->mac, 6) != 0) {
		LOG_RL(LOG_LVL_WARN, "switch",
		       "%s: dropped frame from %02x:%02x:%02x:%02x:%02x:%02x (not the port's MAC)",
		       in->port.name, src[0], src[1], src[2], src[3], src[4], src[5]);
		drop(in, k, SW_DROP_SPOOF);
		return false;
	}
	/* A strict port's own MAC is pinned in its VLAN; this learns it in others (trunk). */
	uint64_t skey = smac | (uint64_t)(vid + 1u) << 48;

	if (bc->gen != sw->table_gen) {
		/*
		 * The table changed since this burst looked: a port forgotten, a
		 * static entry set, or learning in a nested burst (a receiver that
		 * sent frames back into the switch).
		 */
		bc->src_key = bc->dst_key = 0;
	}
	if (skey != bc->src_key) {
		if (mac_learn(sw, src, vid, in->id))
			bc->dst_key = 0; /* this frame's own learning changed the table */
		bc->src_key = skey;
	}
	bc->gen = sw->table_gen;

	if (!(dst[0] & 1)) {
		uint64_t dkey = mac_key(dst, vid);
		int p;

		if (dkey != bc->dst_key) {
			bc->dst_port = mac_lookup(sw, dkey);
			bc->dst_key = dkey;
		}
		p = bc->dst_port;

		if (p == in->id) {
			drop(in, k, SW_DROP_NO_DEST);
			return false;
		}
		if (p >= 0 && sw->ports[p])
			dests[nd++] = sw->ports[p];
		/* A known destination: only promiscuous ports want a copy too. */
		for (unsigned i = 0; (p < 0 || sw->npromisc) && i < sw->nactive; i++) {
			struct sw_port *q = sw->ports[sw->active[i]];

			if (q == in || !port_in_vlan(q, vid) || (p >= 0 && q->id == p))
				continue;
			if (q->promisc || (p < 0 && takes_unknown(q)))
				dests[nd++] = q;
		}
		if (p < 0)
			in->flooded++;
	} else {
		for (unsigned i = 0; i < sw->nactive; i++) {
			struct sw_port *q = sw->ports[sw->active[i]];

			if (q != in && port_in_vlan(q, vid))
				dests[nd++] = q;
		}
		in->flooded++;
	}
	if (nd == 0) {
		drop(in, k, SW_DROP_NO_DEST);
		return false;
	}
	/* Copies first: once staged, the original may be sent and gone. */
	for (unsigned i = 1; i < nd; i++) {
		struct pkt *c = pkt_alloc(sw->pool);

		if (!c) {
			dests[i]->drops[SW_DROP_NOBUF]++;
			LOG_RL(LOG_LVL_WARN, "switch", "%s: no buffer for a flood copy", sw->name);
			continue;
		}
		c->len = k->len;
		memcpy(c->data, k->data, k->len);
		stage(sw, dests[i], c, in->id, vid, pcp);
	}
	stage(sw, dests[0], k, in->id, vid, pcp);
	return true;
}

static uint16_t sw_deliver(struct net_port *self, uint16_t queue, struct pkt **pkts, uint16_t n)
{
	struct sw_port *in = self->priv;
	struct net_switch *sw = in->sw;
	uint64_t bytes = 0;
	uint16_t ok = 0;

	if (sw->depth >= SW_MAX_DEPTH) {
		pkt_free_bulk(pkts, n);
		in->drops[SW_DROP_LOOP] += n;
		self->stats.rx_drops += n;
		LOG_RL(LOG_LVL_WARN, "switch", "%s: frames delivered back into the switch, dropped",
		       self->name);
		return 0;
	}
	sw->depth++;
	clock_tick(sw);
	struct sw_burst bc = { 0 };
	for (uint16_t i = 0; i < n; i++) {
		uint32_t len = pkts[i]->len;

		if (sw_input(sw, in, pkts[i], &bc)) {
			ok++;
			bytes += len;
		}
	}
	/* Counted before sending: a receiver could detach `in` meanwhile. */
	self->stats.rx_pkts += ok;
	self->stats.rx_bytes += bytes;
	self->stats.rx_drops += n - ok;
	flush_all(sw);
	sw->depth--;
	return ok;
}

static void sw_peer_link(struct net_port *self, bool up)
{
	struct sw_port *q = self->priv;

	/* The station behind a port that went down may come back elsewhere. */
	if (!up)
		mac_forget_port(q->sw, q->id, false);
}

static const struct net_port_ops sw_port_ops = {
	.deliver = sw_deliver,
	.peer_link = sw_peer_link,
	/* No rx_space: the switch never holds frames back (no head-of-line blocking). */
};

/* ---- control ---- */

struct net_switch *sw_create(const struct sw_config *cfg, char *err, size_t errlen)
{
	static const struct sw_config defaults = { 0 };
	struct net_switch *sw;
	unsigned entries, pool_pkts;
	char pname[40];

	if (!cfg)
		cfg = &defaults;
	entries = cfg->mac_entries ? cfg->mac_entries : 4096;
	if (entries > SW_MAX_MACS) {
		log_seterr(err, errlen, "switch: MAC table of %u entries is too big (max %u)", entries,
		       SW_MAX_MACS);
		return NULL;
	}
	sw = calloc(1, sizeof(*sw));
	if (!sw) {
		log_seterr(err, errlen, "switch: out of memory");
		return NULL;
	}
	snprintf(sw->name, sizeof(sw->name), "%s", cfg->name ? cfg->name : "switch");
	sw->ageing_s = cfg->ageing_s ? cfg->ageing_s : 300;
	sw->allow_promisc = cfg->allow_promisc;
	sw->clock_ns = cfg->clock_ns ? cfg->clock_ns : loop_now_ns;
	sw->nbuckets = 1;
	while (sw->nbuckets * SW_WAYS < entries)
		sw->nbuckets <<= 1;
	sw->buckets = aligned_alloc(64, sw->nbuckets * sizeof(struct sw_bucket));
	if (!sw->buckets) {
		log_seterr(err, errlen, "switch %s: out of memory for the MAC table", sw->name);
		goto fail;
	}
	memset(sw->buckets, 0, sw->nbuckets * sizeof(struct sw_bucket));
	if (getrandom(&sw->seed, sizeof(sw->seed), GRND_NONBLOCK) != sizeof(sw->seed))
		sw->seed = loop_now_ns() ^ (uintptr_t)sw;
	pool_pkts = cfg->pool_pkts ? cfg->pool_pkts : 1024;
	snprintf(pname, sizeof(pname), "sw:%s", sw->name);
	sw->pool = pkt_pool_create(pname, pool_pkts);
	if (!sw->pool) {
		log_seterr(err, errlen, "switch %s: cannot create a pool of %u packets", sw->name,
		       pool_pkts);
		goto fail;
	}
	clock_tick(sw);
	return sw;
fail:
	free(sw->buckets);
	free(sw);
	return NULL;
}

void sw_destroy(struct net_switch *sw)
{
	if (!sw)
		return;
	while (sw->nactive)
		sw_detach(sw, sw->active[sw->nactive - 1]);
	pkt_pool_destroy(sw->pool);
	free(sw->buckets);
	free(sw);
}

static struct sw_port *port_get(const struct net_switch *sw, int id)
{
	return id >= 0 && id < SW_MAX_PORTS ? sw->ports[id] : NULL;
}

static bool mac_unicast_ok(const uint8_t *m)
{
	return !(m[0] & 1) && (m[0] | m[1] | m[2] | m[3] | m[4] | m[5]);
}

static bool port_cfg_ok(const struct net_switch *sw, const struct sw_port_config *cfg,
			const char *name, char *err, size_t errlen)
{
	if (cfg->kind != SW_PORT_VM && cfg->kind != SW_PORT_UPLINK) {
		log_seterr(err, errlen, "switch %s: port %s: unknown kind %d", sw->name, name,
		       (int)cfg->kind);
		return false;
	}
	if (cfg->vlan > SW_VID_MAX) {
		log_seterr(err, errlen, "switch %s: port %s: VLAN %u out of range (0..%u)", sw->name,
		       name, cfg->vlan, SW_VID_MAX);
		return false;
	}
	if (cfg->kind == SW_PORT_VM && !mac_unicast_ok(cfg->mac)) {
		log_seterr(err, errlen, "switch %s: port %s: a VM port needs a unicast, non-zero MAC",
		       sw->name, name);
		return false;
	}
	if (cfg->promisc && !sw->allow_promisc) {
		log_seterr(err, errlen, "switch %s: port %s: promiscuous ports are not allowed here",
		       sw->name, name);
		return false;
	}
	return true;
}

int sw_attach(struct net_switch *sw, struct net_port *ext, const struct sw_port_config *cfg,
	      char *err, size_t errlen)
{
	const char *name = cfg && cfg->name ? cfg->name : (ext ? ext->name : "?");
	struct sw_port *q;
	char pname[32];
	int id, rc;

	if (!ext || !cfg) {
		log_seterr(err, errlen, "switch %s: nothing to attach", sw->name);
		return -1;
	}
	if (!port_cfg_ok(sw, cfg, name, err, errlen))
		return -1;
	for (id = 0; id < SW_MAX_PORTS && sw->ports[id]; id++)
		;
	if (id == SW_MAX_PORTS) {
		log_seterr(err, errlen, "switch %s: all %d ports in use", sw->name, SW_MAX_PORTS);
		return -1;
	}
	q = calloc(1, sizeof(*q));
	if (!q) {
		log_seterr(err, errlen, "switch %s: out of memory", sw->name);
		return -1;
	}
	q->sw = sw;
	q->id = (uint16_t)id;
	q->pol.vlan = cfg->vlan;
	q->vm = cfg->kind == SW_PORT_VM;
	q->strict = q->vm && !cfg->allow_spoof;
	q->pol.trunk = cfg->trunk;
	q->promisc = cfg->promisc;
	memcpy(q->mac, cfg->mac, 6);
	snprintf(pname, sizeof(pname), "sw:%.28s", name);
	net_port_init(&q->port, pname, &sw_port_ops, q);
	sw->ports[id] = q;
	if (q->vm) {
		rc = sw_mac_add_static(sw, q->mac, q->pol.vlan, id);
		if (rc < 0) {
			int other = sw_mac_lookup(sw, q->mac, q->pol.vlan);

			if (rc == -EEXIST)
				log_seterr(err, errlen,
				       "switch %s: port %s: MAC %02x:%02x:%02x:%02x:%02x:%02x is already on port %d in VLAN %u",
				       sw->name, name, q->mac[0], q->mac[1], q->mac[2], q->mac[3],
				       q->mac[4], q->mac[5], other, q->pol.vlan);
			else
				log_seterr(err, errlen, "switch %s: port %s: cannot pin its MAC: %s",
				       sw->name, name, strerror(-rc));
			sw->ports[id] = NULL;
			free(q);
			return -1;
		}
	}
	sw->active[sw->nactive++] = (uint16_t)id;
	sw->npromisc += q->promisc;
	net_port_set_link(&q->port, true);
	net_port_connect(&q->port, ext);
	LOG_INFO("switch", "%s: port %d %s (%s%s, VLAN %u%s%s)", sw->name, id, name,
		 q->vm ? "vm" : "uplink", q->vm && !q->strict ? ", may spoof" : "", q->pol.vlan,
		 q->pol.trunk ? ", trunk" : "", q->promisc ? ", promiscuous" : "");
	return id;
}

void sw_detach(struct net_switch *sw, int id)
{
	struct sw_port *q = port_get(sw, id);

	if (!q)
		return;
	/* Gone from forwarding first, so nothing new is staged on it. */
	sw->ports[id] = NULL;
	for (unsigned i = 0; i < sw->nactive; i++) {
		if (sw->active[i] == id) {
			sw->active[i] = sw->active[--sw->nactive];
			break;
		}
	}
	sw->npromisc -= q->promisc;
	pkt_free_bulk(q->out, q->nout);
	q->nout = 0;
	mac_forget_port(sw, (uint16_t)id, true);
	net_port_disconnect(&q->port);
	LOG_INFO("switch", "%s: port %d %s detached", sw->name, id, q->port.name);
	free(q);
}

int sw_port_set_promisc(struct net_switch *sw, int id, bool on)
{
	struct sw_port *q = port_get(sw, id);

	if (!q)
		return -EINVAL;
	if (on && !sw->allow_promisc)
		return -EPERM;
	sw->npromisc += (unsigned)on - (unsigned)q->promisc;
	q->promisc = on;
	return 0;
}

int sw_mac_add_static(struct net_switch *sw, const uint8_t mac[6], uint16_t vlan, int id)
{
	struct sw_port *q = port_get(sw, id);
	struct sw_mac_entry *e;
	bool found, evict;

	if (!q || !mac_unicast_ok(mac) || vlan > SW_VID_MAX || !port_in_vlan(q, vlan))
		return -EINVAL;
	clock_tick(sw);
	e = mac_slot(sw, mac_key(mac, vlan), &found, &evict);
	if (!e)
		return -ENOSPC;
	if (found && e->is_static && e->port != id)
		return -EEXIST;
	if (evict)
		sw->evicted++;
	e->key = mac_key(mac, vlan);
	e->port = (uint16_t)id;
	e->seen_s = sw->now_s;
	e->is_static = 1;
	sw->table_gen++;
	return 0;
}

int sw_mac_del(struct net_switch *sw, const uint8_t mac[6], uint16_t vlan)
{
	uint64_t key;
	struct sw_bucket *b;

	if (vlan > SW_VID_MAX)
		return -EINVAL;
	key = mac_key(mac, vlan);
	b = bucket_of(sw, key);
	for (unsigned i = 0; i < SW_WAYS; i++) {
		if (b->e[i].key == key) {
			memset(&b->e[i], 0, sizeof(b->e[i]));
			sw->table_gen++;
			return 0;
		}
	}
	return -ENOENT;
}

int sw_mac_lookup(struct net_switch *sw, const uint8_t mac[6], uint16_t vlan)
{
	if (vlan > SW_VID_MAX)
		return -1;
	clock_tick(sw);
	return mac_lookup(sw, mac_key(mac, vlan));
}

int sw_port_get_stats(const struct net_switch *sw, int id, struct sw_port_stats *st)
{
	const struct sw_port *q = port_get(sw, id);

	if (!q)
		return -EINVAL;
	st->io = q->port.stats;
	memcpy(st->drops, q->drops, sizeof(st->drops));
	st->flooded = q->flooded;
	return 0;
}

void sw_get_stats(const struct net_switch *sw, struct sw_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->ports = sw->nactive;
	st->mac_capacity = sw->nbuckets * SW_WAYS;
	for (unsigned b = 0; b < sw->nbuckets; b++)
		for (unsigned i = 0; i < SW_WAYS; i++)
			st->mac_used += entry_live(sw, &sw->buckets[b].e[i]);
	st->learned = sw->learned;
	st->moved = sw->moved;
	st->evicted = sw->evicted;
	st->table_full = sw->table_full;
}

unsigned sw_mac_foreach(struct net_switch *sw, sw_mac_cb cb, void *arg)
{
	unsigned n = 0;

	clock_tick(sw);
	for (unsigned b = 0; b < sw->nbuckets; b++) {
		for (unsigned i = 0; i < SW_WAYS; i++) {
			const struct sw_mac_entry *e = &sw->buckets[b].e[i];
			if (!entry_live(sw, e))
				continue;
			uint8_t mac[6];
			for (int k = 0; k < 6; k++)
				mac[k] = (uint8_t)(e->key >> (40 - 8 * k));
			uint16_t vlan = (uint16_t)((e->key >> 48) - 1);
			uint32_t age = e->is_static ? 0 : sw->now_s - e->seen_s;
			cb(arg, mac, vlan, e->port, e->is_static, age);
			n++;
		}
	}
	return n;
}
