/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Ports: the one interface between a device model and whatever carries its
 * packets (a backend such as tap, or the switch). Two ports are connected as
 * peers; each side hands bursts to the other with net_port_send(). A device
 * model never knows which backend is on the other side, and vice versa.
 */
#ifndef VMUX_NET_PORT_H
#define VMUX_NET_PORT_H

#include <stdbool.h>
#include <stdint.h>

#include "net/pkt.h"

struct net_port;
struct net_capture;

/*
 * Queues: a port may have several (a multi-queue NIC model, a DPDK port with
 * a queue pair per worker). A burst goes to one queue of the receiver, or to
 * NET_QUEUE_ANY: the receiver picks per packet (RSS, flow rules) or has a
 * single queue. Single-queue ports ignore the index; net_port_send() and
 * friends are the NET_QUEUE_ANY shorthands.
 */
#define NET_QUEUE_ANY PKT_QUEUE_ANY

struct net_port_ops {
	/*
	 * Takes ownership of all n packets: accepted ones are consumed, the
	 * rest freed and counted as rx drops by this port. Returns accepted.
	 * The receiving port counts its own rx_pkts/rx_bytes/rx_drops; the
	 * sender's tx counters are kept by net_port_send, which assumes that
	 * the accepted packets are the first ones of the burst (accept a prefix
	 * when you can; otherwise only the sender's tx_bytes is approximate).
	 * Bursts arrive in pieces of at most 64 packets, for queue (or
	 * NET_QUEUE_ANY).
	 */
	uint16_t (*deliver)(struct net_port *self, uint16_t queue, struct pkt **pkts, uint16_t n);
	/* Optional: how many packets deliver() would accept now on queue (ANY: on all). */
	uint32_t (*rx_space)(struct net_port *self, uint16_t queue);
	/*
	 * Optional: the peer has room again on its queue (ANY: anywhere) after
	 * reporting none; may come spuriously.
	 */
	void (*wake)(struct net_port *self, uint16_t queue);
	/* Optional: the peer's link changed. */
	void (*peer_link)(struct net_port *self, bool up);
};

struct net_port_stats {
	uint64_t tx_pkts, tx_bytes;   /* handed to the peer and accepted */
	uint64_t tx_drops;            /* handed to the peer and refused, or no peer */
	uint64_t rx_pkts, rx_bytes;   /* delivered by the peer and accepted */
	uint64_t rx_drops;            /* delivered by the peer and dropped here */
};

struct net_port {
	char name[32];
	const struct net_port_ops *ops;
	void *priv;
	struct net_port *peer;
	bool link_up;
	struct net_port_stats stats;
	/* Owner thread only; set through net/capture.h. NULL: not captured. */
	struct net_capture *capture;
};

/* Link starts down; the owner sets it with net_port_set_link. */
void net_port_init(struct net_port *p, const char *name, const struct net_port_ops *ops, void *priv);
/*
 * Connects a and b (each first leaves any other peer). Both sides are told
 * the other's link state (peer_link) and woken (wake).
 */
void net_port_connect(struct net_port *a, struct net_port *b);
/* Leaves the peer; the peer (not p) is told its link went down. */
void net_port_disconnect(struct net_port *p);
/* On a change only, tells the peer through its peer_link op. */
void net_port_set_link(struct net_port *p, bool up);

/*
 * Sends a burst to queue of the peer; consumes all packets; returns how many
 * were accepted. A capture on p records the burst as sent, one on the peer
 * as received (before the peer's deliver(), so frames it then drops are in
 * the file too).
 */
uint16_t net_port_send_q(struct net_port *p, uint16_t queue, struct pkt **pkts, uint16_t n);
/* Room at queue of the peer (UINT32_MAX if it does not say, 0 without a peer). */
uint32_t net_port_peer_space_q(struct net_port *p, uint16_t queue);
/* Tells the peer that p's queue can take packets again. */
void net_port_wake_peer_q(struct net_port *p, uint16_t queue);

static inline uint16_t net_port_send(struct net_port *p, struct pkt **pkts, uint16_t n)
{
	return net_port_send_q(p, NET_QUEUE_ANY, pkts, n);
}

static inline uint32_t net_port_peer_space(struct net_port *p)
{
	return net_port_peer_space_q(p, NET_QUEUE_ANY);
}

static inline void net_port_wake_peer(struct net_port *p)
{
	net_port_wake_peer_q(p, NET_QUEUE_ANY);
}

#endif
