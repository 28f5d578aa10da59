/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A cross-thread port pair. End 0 lives on one thread, end 1 on another; a
 * burst delivered to one end is put on an SPSC ring and comes out of the
 * other end (net_port_send() to its peer) when that end's thread polls it.
 * Nothing blocks: a burst delivered to a full ring is dropped and counted. A
 * sender that asks first (rx_space(), as e1000's TX walk does) and holds its
 * frames back at 0 is woken (wake()) by the poll of its own end once the other
 * thread has made a burst's room. Packets keep their buffers across the hop;
 * whoever frees them returns them to their pool's owner.
 */
#ifndef VMUX_NET_XPORT_H
#define VMUX_NET_XPORT_H

#include <stdbool.h>
#include <stdint.h>

struct net_port;
struct pkt;
struct xport;

/* ring_size: a power of two (0: 1024). NULL on failure. */
struct xport *xport_create(const char *name, uint32_t ring_size);
/* Both ends' threads must have stopped using it. Frees packets still in flight. */
void xport_destroy(struct xport *x);
/*
 * From now on, packets delivered to end `side` cross as copies from a pool of
 * `pkts` packets that the calling thread (side's own) creates and owns; the
 * originals go back to their pools at once. So a thread on the other side
 * that stalls holds at most `pkts` packets, all of this pool, and none of the
 * pools of the ports that sent them (the uplink's, the switch's, other VMs').
 * A burst beyond the pool's free packets is dropped and counted. 0 or -errno.
 */
int xport_copy_in(struct xport *x, int side, unsigned pkts);
/* Packets dropped at end `side` because its copy pool was empty. */
uint64_t xport_copy_nobuf(const struct xport *x, int side);
struct net_port *xport_end(struct xport *x, int side);
/*
 * Gives fn the first look at each burst delivered to end `side` (on side's
 * thread, which calls this): it consumes the packets it takes and moves the
 * others, in order, to the front of pkts; returns how many are left, which
 * cross as before. NULL: none. Taken packets count as accepted.
 */
typedef uint16_t (*xport_filter_fn)(void *arg, struct pkt **pkts, uint16_t n);
void xport_set_filter(struct xport *x, int side, xport_filter_fn fn, void *arg);
/* Moves up to a burst (32) that arrived for `side` to its peer. Run on side's thread. */
bool xport_poll(struct xport *x, int side);

#endif
