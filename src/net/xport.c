/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "net/xport.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/spsc.h"
#include "net/port.h"

#define XPORT_BURST 32
#define XPORT_COPY_BURST 64

struct xport_end {
	struct net_port port;
	struct xport *x;
	int side;
	/* Told its peer there was no room: wake it when there is (owner thread only). */
	bool want_wake;
	/* If set, what is delivered here crosses as copies from this pool (xport_copy_in). */
	struct pkt_pool *copy;
	uint64_t copy_nobuf;
	/* If set, sees what is delivered here first (xport_set_filter; owner thread only). */
	xport_filter_fn filter;
	void *filter_arg;
};

struct xport {
	struct xport_end end[2];
	struct spsc_ring *ring[2]; /* ring[s]: packets going to side s */
};

/*
 * Replaces up to n packets by copies from the end's own pool and sends the
 * originals home at once; returns how many copies there are (the first ones),
 * the rest dropped and counted.
 */
static uint16_t copy_burst(struct xport_end *e, struct pkt **pkts, uint16_t n)
{
	struct pkt *c[XPORT_COPY_BURST];
	unsigned got = 0;

	for (unsigned off = 0; off < n; off += XPORT_COPY_BURST) {
		unsigned k = n - off < XPORT_COPY_BURST ? n - off : XPORT_COPY_BURST;
		unsigned have = pkt_alloc_bulk(e->copy, c, k);

		for (unsigned i = 0; i < have; i++) {
			const struct pkt *o = pkts[off + i];
			uint32_t len = o->len <= PKT_DATA_MAX ? o->len : PKT_DATA_MAX;

			c[i]->len = len;
			c[i]->flags = o->flags;
			c[i]->vlan_tci = o->vlan_tci;
			c[i]->in_port = o->in_port;
			memcpy(c[i]->data, o->data, len);
		}
		pkt_free_bulk(pkts + off, k);
		for (unsigned i = 0; i < have; i++)
			pkts[got++] = c[i];
		e->copy_nobuf += k - have;
	}
	if (got < n)
		e->port.stats.rx_drops += n - got;
	return (uint16_t)got;
}

static uint16_t x_deliver(struct net_port *self, uint16_t queue, struct pkt **pkts, uint16_t n)
{
	struct xport_end *e = self->priv;
	struct spsc_ring *r = e->x->ring[1 - e->side];
	uint16_t taken = 0;

	if (e->filter) {
		uint16_t left = e->filter(e->filter_arg, pkts, n);

		taken = (uint16_t)(n - left);
		n = left;
	}
	if (e->copy)
		n = copy_burst(e, pkts, n);
	uint32_t q = spsc_enqueue_burst(r, (void *const *)pkts, n);
	for (uint32_t i = 0; i < q; i++) {
		self->stats.rx_pkts++;
		self->stats.rx_bytes += pkts[i]->len;
	}
	if (q < n) {
		self->stats.rx_drops += n - q;
		pkt_free_bulk(pkts + q, n - q);
	}
	return (uint16_t)(q + taken);
}

static uint32_t ring_room(struct spsc_ring *r)
{
	return r->mask + 1 - spsc_count(r);
}

/*
 * The sender on this end may hold its frames back while the ring is full
 * (e1000's TX walk does); it then waits for wake(), which xport_poll() on this
 * end's thread gives once the other thread has made room.
 */
static uint32_t x_rx_space(struct net_port *self, uint16_t queue)
{
	struct xport_end *e = self->priv;
	uint32_t room = ring_room(e->x->ring[1 - e->side]);

	if (!room)
		e->want_wake = true;
	return room;
}

static const struct net_port_ops xport_ops = {
	.deliver = x_deliver,
	.rx_space = x_rx_space,
};

struct xport *xport_create(const char *name, uint32_t ring_size)
{
	struct xport *x = calloc(1, sizeof(*x));
	if (!x)
		return NULL;
	if (!ring_size)
		ring_size = 1024;
	for (int s = 0; s < 2; s++) {
		char n[32];
		snprintf(n, sizeof(n), "%s.%d", name, s);
		x->ring[s] = spsc_create(ring_size);
		if (!x->ring[s]) {
			xport_destroy(x);
			return NULL;
		}
		x->end[s].x = x;
		x->end[s].side = s;
		net_port_init(&x->end[s].port, n, &xport_ops, &x->end[s]);
		x->end[s].port.link_up = true;
	}
	return x;
}

void xport_destroy(struct xport *x)
{
	if (!x)
		return;
	for (int s = 0; s < 2; s++) {
		if (!x->ring[s])
			continue;
		void *b[XPORT_BURST];
		uint32_t n;
		while ((n = spsc_dequeue_burst(x->ring[s], b, XPORT_BURST)))
			pkt_free_bulk((struct pkt **)b, n);
		spsc_destroy(x->ring[s]);
	}
	for (int s = 0; s < 2; s++)
		pkt_pool_destroy(x->end[s].copy);
	free(x);
}

int xport_copy_in(struct xport *x, int side, unsigned pkts)
{
	struct xport_end *e = &x->end[side & 1];
	char n[48];

	if (e->copy)
		return -EBUSY;
	snprintf(n, sizeof(n), "%s.copy", e->port.name);
	e->copy = pkt_pool_create(n, pkts);
	return e->copy ? 0 : -errno;
}

uint64_t xport_copy_nobuf(const struct xport *x, int side)
{
	return x->end[side & 1].copy_nobuf;
}

void xport_set_filter(struct xport *x, int side, xport_filter_fn fn, void *arg)
{
	x->end[side & 1].filter = fn;
	x->end[side & 1].filter_arg = arg;
}

struct net_port *xport_end(struct xport *x, int side)
{
	return &x->end[side & 1].port;
}

bool xport_poll(struct xport *x, int side)
{
	struct xport_end *e = &x->end[side];
	void *b[XPORT_BURST];
	uint32_t n = spsc_dequeue_burst(x->ring[side], b, XPORT_BURST);
	if (n)
		net_port_send(&e->port, (struct pkt **)b, (uint16_t)n);
	/* A burst's worth of room again for a sender that found none. */
	if (e->want_wake && ring_room(x->ring[1 - side]) >= XPORT_BURST) {
		e->want_wake = false;
		net_port_wake_peer(&e->port);
		return true;
	}
	return n != 0;
}

