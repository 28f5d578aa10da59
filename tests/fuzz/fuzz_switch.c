/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz target: the L2 switch (src/net/switch.h).
 *
 * Input: a switch configuration, 2..8 port configurations (VM or uplink, MAC,
 * VLAN, trunk, promiscuous, spoofing allowed), then operations: bursts of
 * frames with arbitrary headers (MACs taken from the ports or from the input,
 * 802.1Q/QinQ tags in the data or as packet metadata, bogus lengths), clock
 * jumps (ageing), detach/re-attach, static MACs, link changes, partial
 * acceptance and echoing of frames back into the switch.
 *
 * Every frame a port receives is checked against the switch's promises:
 * lengths, no hairpin, VLAN membership of sender and receiver and the
 * tagging on the receiver's wire, no frame with a bad or spoofed source, a
 * strict VM port sees no unicast for anyone else. Every packet must come back
 * to its pool (ours for originals, the switch's for flood copies).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "fuzz_common.h"
#include "net/pkt.h"
#include "net/port.h"
#include "net/switch.h"

#define MAX_PORTS 8
#define MAX_BURST 160u
#define POOL_PKTS 1024u
#define PORT_CFG_LEN 10u

struct ext {
	struct net_port port;
	int id;                 /* switch port id, -1 while detached */
	struct sw_port_config cfg;
	bool echo;              /* send what it receives back into the switch */
	uint8_t accept;         /* 0xff: all, else at most accept % 65 of a burst */
	bool foreign_pin;       /* a static MAC other than its own points here */
	char name[16];
};

static struct {
	struct pkt_pool *pool;
	struct net_switch *sw;
	struct pkt_pool *sw_pool; /* learned from the flood copies we receive */
	struct ext ext[MAX_PORTS];
	unsigned nports;
	int id2ext[SW_MAX_PORTS];
	uint64_t now_ns;
	unsigned depth;
	uint64_t rng;
	bool trace; /* VMUX_FUZZ_TRACE=1: print operations and deliveries */
	volatile uint8_t sink;
} S;

/* ---- input reader ---------------------------------------------------------- */

struct rd {
	const uint8_t *p;
	size_t n;
};

static uint8_t u8(struct rd *r)
{
	if (!r->n)
		return 0;
	r->n--;
	return *r->p++;
}

static uint16_t u16(struct rd *r)
{
	return (uint16_t)(u8(r) | u8(r) << 8);
}

/* ---- determinism ------------------------------------------------------------ */

/*
 * The switch seeds its MAC hash from getrandom(); a fixed seed per input
 * keeps bucket collisions, and so crashes, reproducible.
 */
ssize_t getrandom(void *buf, size_t len, unsigned int flags)
{
	uint8_t *b = buf;
	(void)flags;
	for (size_t i = 0; i < len; i++) {
		S.rng = S.rng * 6364136223846793005ull + 1442695040888963407ull;
		b[i] = (uint8_t)(S.rng >> 56);
	}
	return (ssize_t)len;
}

static uint64_t fake_clock(void)
{
	return S.now_ns;
}

/* ---- checks ------------------------------------------------------------------ */

static __attribute__((noreturn, format(printf, 1, 2))) void bug(const char *fmt, ...);

static void bug(const char *fmt, ...)
{
	va_list ap;
	fputs("fuzz_switch: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

static bool in_vlan(const struct sw_port_config *c, uint16_t vid)
{
	return vid == c->vlan || (c->trunk && vid != 0);
}

static bool strict(const struct sw_port_config *c)
{
	return c->kind == SW_PORT_VM && !c->allow_spoof;
}

static void check_frame(const struct ext *q, const struct pkt *k)
{
	if (k->len < 14 || k->len > PKT_DATA_MAX)
		bug("%s received a frame of %u bytes", q->name, k->len);
	if (k->in_port >= SW_MAX_PORTS || S.id2ext[k->in_port] < 0)
		bug("%s received a frame from unknown port %u", q->name, k->in_port);
	const struct ext *p = &S.ext[S.id2ext[k->in_port]];
	if (p == q)
		bug("%s received its own frame back", q->name);

	uint16_t vid = q->cfg.vlan;
	if (k->flags & PKT_F_VLAN) {
		vid = k->vlan_tci & 0xfff;
		if (!q->cfg.trunk || vid == q->cfg.vlan || vid == 0 || vid > 4094)
			bug("%s (vlan %u%s) received a frame tagged %u", q->name, q->cfg.vlan,
			    q->cfg.trunk ? " trunk" : "", vid);
	}
	if (!in_vlan(&p->cfg, vid))
		bug("frame in VLAN %u from %s (vlan %u%s) reached %s", vid, p->name, p->cfg.vlan,
		    p->cfg.trunk ? " trunk" : "", q->name);

	const uint8_t *dst = k->data, *src = k->data + 6;
	static const uint8_t zero[6];
	if ((src[0] & 1) || !memcmp(src, zero, 6))
		bug("%s received a frame with a bad source MAC", q->name);
	if (strict(&p->cfg) && memcmp(src, p->cfg.mac, 6))
		bug("%s received a frame with a spoofed source from strict port %s", q->name,
		    p->name);
	if (!(dst[0] & 1) && strict(&q->cfg) && !q->cfg.promisc && !q->foreign_pin &&
	    memcmp(dst, q->cfg.mac, 6))
		bug("strict port %s received unicast for %02x:%02x:%02x:%02x:%02x:%02x", q->name,
		    dst[0], dst[1], dst[2], dst[3], dst[4], dst[5]);
}

/* ---- our ports ---------------------------------------------------------------- */

static uint16_t ext_deliver(struct net_port *self, uint16_t queue, struct pkt **pkts, uint16_t n)
{
	struct ext *q = self->priv;

	if (n == 0 || n > 64)
		bug("%s: burst of %u packets delivered", q->name, n);
	if (S.trace)
		fprintf(stderr, "  %s <- %u frames (first from port %u, %u bytes%s)\n", q->name, n,
			pkts[0]->in_port, pkts[0]->len, (pkts[0]->flags & PKT_F_VLAN) ? ", tagged" : "");
	for (uint16_t i = 0; i < n; i++) {
		check_frame(q, pkts[i]);
		if (pkts[i]->pool != S.pool && !S.sw_pool)
			S.sw_pool = pkts[i]->pool;
		/* Reading the whole frame lets a wrong length show up as a fault. */
		S.sink ^= pkts[i]->data[pkts[i]->len - 1];
	}
	if (q->echo && S.depth < 8) {
		S.depth++;
		net_port_send(self, pkts, n);
		S.depth--;
		return n;
	}
	uint16_t ok = q->accept == 0xff ? n : (uint16_t)(q->accept % 65u);
	if (ok > n)
		ok = n;
	pkt_free_bulk(pkts, n);
	return ok;
}

static uint32_t ext_rx_space(struct net_port *self, uint16_t queue)
{
	struct ext *q = self->priv;
	return q->accept == 0xff ? UINT32_MAX : q->accept % 65u;
}

static const struct net_port_ops ext_ops = {
	.deliver = ext_deliver,
	.rx_space = ext_rx_space,
};

static void read_port_cfg(struct rd *r, struct ext *e)
{
	uint8_t f = u8(r);
	e->cfg.kind = (f & 1) ? SW_PORT_UPLINK : SW_PORT_VM;
	e->cfg.allow_spoof = f & 2;
	e->cfg.promisc = f & 4;
	e->cfg.trunk = f & 8;
	e->echo = f & 16;
	e->cfg.vlan = u16(r) & 0x1fff; /* 4095..8191 must be refused */
	for (int i = 0; i < 6; i++)
		e->cfg.mac[i] = u8(r);
	e->accept = u8(r);
	e->foreign_pin = false;
}

static void ext_attach(struct ext *e)
{
	char err[256];
	e->cfg.name = e->name;
	e->id = sw_attach(S.sw, &e->port, &e->cfg, err, sizeof(err));
	if (e->id >= SW_MAX_PORTS)
		bug("sw_attach returned id %d", e->id);
	if (e->id >= 0) {
		if (S.id2ext[e->id] >= 0)
			bug("sw_attach reused live port id %d", e->id);
		S.id2ext[e->id] = (int)(e - S.ext);
		if (e->port.peer == NULL)
			bug("%s attached but not connected", e->name);
	}
}

static void ext_detach(struct ext *e)
{
	if (e->id < 0)
		return;
	sw_detach(S.sw, e->id);
	S.id2ext[e->id] = -1;
	e->id = -1;
	if (e->port.peer)
		bug("%s still connected after sw_detach", e->name);
}

/* ---- operations ------------------------------------------------------------------ */

static void mac_of(struct rd *r, uint8_t mode, uint8_t sel, uint8_t *mac, const struct ext *from)
{
	switch (mode & 3) {
	case 0: /* whatever the input says */
		for (int i = 0; i < 6; i++)
			mac[i] = u8(r);
		break;
	case 1: /* the sender's own */
		memcpy(mac, from->cfg.mac, 6);
		break;
	case 2: /* another port's */
		memcpy(mac, S.ext[sel % S.nports].cfg.mac, 6);
		break;
	case 3: /* broadcast or multicast */
		memset(mac, 0xff, 6);
		if (sel & 0x80)
			memcpy(mac, "\x01\x00\x5e\x00\x00\x01", 6);
		break;
	}
}

/*
 * frame := fl u8, sel u8, tci u16, len u16, bytes
 *   fl bits 0-1 dst mode, 2-3 src mode (see mac_of), 4 802.1Q tag in the data,
 *   5 tag as metadata (PKT_F_VLAN), 6 outer 802.1ad tag too, 7 bogus length
 */
static void build_frame(struct rd *r, struct pkt *k, const struct ext *from)
{
	uint8_t fl = u8(r), sel = u8(r);
	uint16_t tci = u16(r), len = u16(r);
	uint8_t *d = k->data;
	size_t off = 12;

	mac_of(r, fl, sel, d, from);
	mac_of(r, (uint8_t)(fl >> 2), (uint8_t)(sel >> 4), d + 6, from);
	if (fl & 0x40) {
		d[off++] = 0x88, d[off++] = 0xa8;
		d[off++] = (uint8_t)(tci >> 8), d[off++] = (uint8_t)tci;
	}
	if (fl & 0x10) {
		d[off++] = 0x81, d[off++] = 0x00;
		d[off++] = (uint8_t)(tci >> 8), d[off++] = (uint8_t)tci;
	}
	size_t body = len;
	if (body > r->n)
		body = r->n;
	if (body > PKT_DATA_MAX - off)
		body = PKT_DATA_MAX - off;
	memcpy(d + off, r->p, body);
	r->p += body;
	r->n -= body;
	k->len = (uint32_t)(off + body);
	if (fl & 0x20) {
		k->flags |= PKT_F_VLAN;
		k->vlan_tci = tci;
	}
	if (fl & 0x80)
		k->len = (sel & 1) ? PKT_DATA_MAX + 1u + tci : (uint32_t)(sel % 14u);
}

static void op_burst(struct rd *r)
{
	struct ext *e = &S.ext[u8(r) % S.nports];
	unsigned n = u8(r) % MAX_BURST + 1;
	struct pkt *pkts[MAX_BURST];

	n = pkt_alloc_bulk(S.pool, pkts, n);
	for (unsigned i = 0; i < n; i++)
		build_frame(r, pkts[i], e);
	/* Detached ports have no peer: net_port_send frees and counts. */
	uint16_t acc = net_port_send(&e->port, pkts, (uint16_t)n);
	if (acc > n)
		bug("net_port_send accepted %u of %u", acc, n);
}

static void op_static(struct rd *r)
{
	uint8_t f = u8(r);
	struct ext *e = &S.ext[(f >> 4) % S.nports];
	uint16_t vlan = u16(r) & 0x1fff;
	uint8_t mac[6];

	mac_of(r, f, u8(r), mac, e);
	switch ((f >> 2) & 3) {
	case 0:
		if (e->id >= 0 && sw_mac_add_static(S.sw, mac, vlan, e->id) == 0 &&
		    memcmp(mac, e->cfg.mac, 6))
			e->foreign_pin = true;
		break;
	case 1:
		sw_mac_del(S.sw, mac, vlan);
		break;
	default: {
		int p = sw_mac_lookup(S.sw, mac, vlan);
		if (p >= SW_MAX_PORTS || (p >= 0 && S.id2ext[p] < 0))
			bug("sw_mac_lookup points at port %d, which is not attached", p);
		break;
	}
	}
}

static void count_mac(void *arg, const uint8_t mac[6], uint16_t vlan, int port, bool is_static,
		      uint32_t age_s)
{
	(void)is_static;
	(void)age_s;
	if (vlan > 4094 || port < 0 || port >= SW_MAX_PORTS || S.id2ext[port] < 0 || (mac[0] & 1))
		bug("MAC table entry vlan %u port %d is bogus", vlan, port);
	(*(unsigned *)arg)++;
}

static void op_inspect(void)
{
	struct sw_stats st;
	unsigned n = 0;
	sw_get_stats(S.sw, &st);
	unsigned live = sw_mac_foreach(S.sw, count_mac, &n);
	if (live != n || st.mac_used > st.mac_capacity)
		bug("MAC table counts disagree (%u/%u, %u of %u)", live, n, st.mac_used,
		    st.mac_capacity);
	for (unsigned i = 0; i < S.nports; i++) {
		struct sw_port_stats ps;
		if (S.ext[i].id >= 0 && sw_port_get_stats(S.sw, S.ext[i].id, &ps) != 0)
			bug("no stats for attached port %d", S.ext[i].id);
	}
}

static void run_op(struct rd *r)
{
	uint8_t op = u8(r);
	struct ext *e = &S.ext[(op >> 4) % S.nports];

	if (S.trace)
		fprintf(stderr, "op %u port %s\n", op & 7, e->name);
	switch (op & 7) {
	case 0:
	case 1:
		op_burst(r);
		break;
	case 2: /* time passes: up to 18 hours */
		S.now_ns += (uint64_t)u16(r) * 1000000000ull;
		break;
	case 3:
		if (e->id >= 0) {
			ext_detach(e);
		} else {
			read_port_cfg(r, e);
			ext_attach(e);
		}
		break;
	case 4:
		op_static(r);
		break;
	case 5:
		net_port_set_link(&e->port, !e->port.link_up);
		break;
	case 6: {
		uint8_t v = u8(r);
		e->accept = v;
		if (e->id >= 0 && sw_port_set_promisc(S.sw, e->id, v & 1) == 0)
			e->cfg.promisc = v & 1;
		break;
	}
	case 7:
		op_inspect();
		break;
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_setup_logging();
	S.trace = fz_env_long("VMUX_FUZZ_TRACE", 0) != 0;
	S.pool = pkt_pool_create("fuzz", POOL_PKTS);
	if (!S.pool)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/*
	 * Small tables: whole-table walks (stats, detach) dominate the run time
	 * (each compare is instrumented). 64 entries still take 40 learned MACs
	 * without eviction; the smaller ones exercise a full table.
	 */
	static const unsigned entries[4] = { 4, 8, 16, 64 };
	static const unsigned pools[4] = { 1, 8, 64, 160 };
	struct rd r = { data, size };
	char err[256];

	uint8_t g = u8(&r);
	S.nports = 2 + (g & 7) % 7;
	struct sw_config cfg = {
		.name = "fz",
		.mac_entries = entries[(g >> 3) & 3],
		.pool_pkts = pools[(g >> 5) & 3],
		.ageing_s = (g & 0x80) ? 2 : 0,
		.allow_promisc = u8(&r) & 1,
		.clock_ns = fake_clock,
	};
	S.rng = 0x5eed;
	S.now_ns = 1000ull * 1000000000ull;
	S.sw_pool = NULL;
	S.depth = 0;
	for (unsigned i = 0; i < SW_MAX_PORTS; i++)
		S.id2ext[i] = -1;
	S.sw = sw_create(&cfg, err, sizeof(err));
	if (!S.sw)
		bug("sw_create: %s", err);
	for (unsigned i = 0; i < S.nports; i++) {
		struct ext *e = &S.ext[i];
		memset(e, 0, sizeof(*e));
		snprintf(e->name, sizeof(e->name), "p%u", i);
		net_port_init(&e->port, e->name, &ext_ops, e);
		e->id = -1;
		read_port_cfg(&r, e);
		net_port_set_link(&e->port, true);
		ext_attach(e);
	}
	for (unsigned ops = 0; r.n && ops < 4096; ops++)
		run_op(&r);
	op_inspect();

	/* Between bursts the switch holds no packet: all are back in their pools. */
	if (S.sw_pool && pkt_pool_avail(S.sw_pool) != pkt_pool_count(S.sw_pool))
		bug("switch pool: %u of %u packets not returned", pkt_pool_count(S.sw_pool) -
		    pkt_pool_avail(S.sw_pool), pkt_pool_count(S.sw_pool));
	for (unsigned i = 0; i < S.nports; i++)
		ext_detach(&S.ext[i]);
	sw_destroy(S.sw);
	S.sw = NULL;
	if (pkt_pool_avail(S.pool) != POOL_PKTS)
		bug("%u packets of ours were not freed", POOL_PKTS - pkt_pool_avail(S.pool));
	struct pkt_pool_stats ps;
	pkt_pool_get_stats(S.pool, &ps);
	if (ps.bad_frees)
		bug("%llu packets of ours were freed twice", (unsigned long long)ps.bad_frees);
	return 0;
}
