/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Ports. Control calls (init, connect, link changes) may log; the burst path
 * (net_port_send) only counts.
 */
#include "net/port.h"

#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "net/capture.h"

/*
 * net_port_send hands bursts of at most this many packets to deliver(): it
 * has to remember their lengths to count the accepted bytes, because the
 * packets belong to the peer once delivered.
 */
#define NET_PORT_CHUNK 64u

void net_port_init(struct net_port *p, const char *name, const struct net_port_ops *ops, void *priv)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", name ? name : "port");
	p->ops = ops;
	p->priv = priv;
}

static void notify_peer_link(struct net_port *p, bool up)
{
	if (p->ops && p->ops->peer_link)
		p->ops->peer_link(p, up);
}

static void notify_wake(struct net_port *p, uint16_t queue)
{
	if (p->ops && p->ops->wake)
		p->ops->wake(p, queue);
}

void net_port_connect(struct net_port *a, struct net_port *b)
{
	if (a == b) {
		LOG_ERR("port", "%s: cannot connect a port to itself", a->name);
		return;
	}
	if (a->peer == b && b->peer == a)
		return;
	net_port_disconnect(a);
	net_port_disconnect(b);
	a->peer = b;
	b->peer = a;
	LOG_DEBUG("port", "%s <-> %s", a->name, b->name);
	/* Each side learns the other's link state and may start sending. */
	notify_peer_link(a, b->link_up);
	notify_peer_link(b, a->link_up);
	notify_wake(a, NET_QUEUE_ANY);
	notify_wake(b, NET_QUEUE_ANY);
}

void net_port_disconnect(struct net_port *p)
{
	struct net_port *peer = p->peer;

	if (!peer)
		return;
	p->peer = NULL;
	if (peer->peer == p) {
		peer->peer = NULL;
		/* The side left behind sees its link go down; the caller knows already. */
		notify_peer_link(peer, false);
	}
	LOG_DEBUG("port", "%s -/- %s", p->name, peer->name);
}

void net_port_set_link(struct net_port *p, bool up)
{
	if (p->link_up == up)
		return;
	p->link_up = up;
	LOG_DEBUG("port", "%s: link %s", p->name, up ? "up" : "down");
	if (p->peer)
		notify_peer_link(p->peer, up);
}

/* Out of line: with no capture the burst path pays one not-taken branch. */
static void __attribute__((noinline, cold)) capture_chunk(struct net_port *p,
							   struct net_port *peer,
							   struct pkt **pkts, uint16_t n)
{
	if (p->capture)
		net_capture_record(p->capture, true, pkts, n);
	if (peer->capture)
		net_capture_record(peer->capture, false, pkts, n);
}

static uint16_t send_chunk(struct net_port *p, struct net_port *peer, uint16_t queue,
			   struct pkt **pkts, uint16_t n)
{
	uint32_t lens[NET_PORT_CHUNK];
	uint16_t acc;
	uint64_t bytes = 0;

	for (uint16_t i = 0; i < n; i++)
		lens[i] = pkts[i]->len;
	if (__builtin_expect(((uintptr_t)p->capture | (uintptr_t)peer->capture) != 0, 0))
		capture_chunk(p, peer, pkts, n);
	acc = peer->ops->deliver(peer, queue, pkts, n);
	if (__builtin_expect(acc > n, 0))
		acc = n; /* a deliver() that overstates; never count more than sent */
	for (uint16_t i = 0; i < acc; i++)
		bytes += lens[i];
	p->stats.tx_pkts += acc;
	p->stats.tx_bytes += bytes;
	p->stats.tx_drops += n - acc;
	return acc;
}

uint16_t net_port_send_q(struct net_port *p, uint16_t queue, struct pkt **pkts, uint16_t n)
{
	struct net_port *peer = p->peer;
	uint16_t done = 0, acc = 0;

	if (n == 0)
		return 0;
	if (!peer || !peer->ops || !peer->ops->deliver) {
		pkt_free_bulk(pkts, n);
		p->stats.tx_drops += n;
		return 0;
	}
	while (done < n) {
		uint16_t c = n - done;

		if (c > NET_PORT_CHUNK)
			c = NET_PORT_CHUNK;
		acc += send_chunk(p, peer, queue, pkts + done, c);
		done += c;
		/* deliver() may have disconnected us (e.g. closed the peer). */
		if (p->peer != peer && done < n) {
			pkt_free_bulk(pkts + done, (unsigned)(n - done));
			p->stats.tx_drops += n - done;
			break;
		}
	}
	return acc;
}

uint32_t net_port_peer_space_q(struct net_port *p, uint16_t queue)
{
	struct net_port *peer = p->peer;

	if (!peer)
		return 0;
	if (!peer->ops || !peer->ops->rx_space)
		return UINT32_MAX;
	return peer->ops->rx_space(peer, queue);
}

void net_port_wake_peer_q(struct net_port *p, uint16_t queue)
{
	if (p->peer)
		notify_wake(p->peer, queue);
}
