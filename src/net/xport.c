/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "net/xport.h"

#include <stdio.h>
#include <stdlib.h>

#include "core/spsc.h"
#include "net/port.h"

#define XPORT_BURST 32

struct xport_end {
	struct net_port port;
	struct xport *x;
	int side;
	/* Told its peer there was no room: wake it when there is (owner thread only). */
	bool want_wake;
};

struct xport {
	struct xport_end end[2];
	struct spsc_ring *ring[2]; /* ring[s]: packets going to side s */
};

static uint16_t x_deliver(struct net_port *self, struct pkt **pkts, uint16_t n)
{
	struct xport_end *e = self->priv;
	struct spsc_ring *r = e->x->ring[1 - e->side];
	uint32_t q = spsc_enqueue_burst(r, (void *const *)pkts, n);
	for (uint32_t i = 0; i < q; i++) {
		self->stats.rx_pkts++;
		self->stats.rx_bytes += pkts[i]->len;
	}
	if (q < n) {
		self->stats.rx_drops += n - q;
		pkt_free_bulk(pkts + q, n - q);
	}
	return (uint16_t)q;
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
static uint32_t x_rx_space(struct net_port *self)
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
	free(x);
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

bool xport_poll0(void *x)
{
	return xport_poll(x, 0);
}

bool xport_poll1(void *x)
{
	return xport_poll(x, 1);
}
