/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Lanes of the DPDK backend: queue pair q (1..nlanes-1) of a port opened
 * with dpdk_open_lanes, as a port of its own polled on one other thread.
 * That thread alone calls rte_eth_rx_burst and rte_eth_tx_burst on queue q;
 * the mbuf pool is the port's (a DPDK mempool is safe across threads, and
 * the thread registers itself with the EAL for a cache of its own), the
 * packet pool the lane's. What the port's owner decides (stopped, removed,
 * link) reaches the lane through lane_state only; the lane counts into its
 * own struct dpdk_stats, read on its thread.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "core/log.h"
#include "core/loop.h"
#include "net/dpdk_priv.h"
#include "net/pkt.h"
#include "net/port.h"

struct dpdk_lane {
	struct net_port port;
	struct dpdk_port *d;
	struct loop *loop;
	uint16_t q;
	bool polled, paused;
	struct pkt_pool *pool;
	struct dpdk_stats st;
};

static bool lane_poll(void *arg)
{
	struct dpdk_lane *ln = arg;
	struct dpdk_port *d = ln->d;
	struct rte_mbuf *m[DPDK_BURST];
	struct pkt *pkts[DPDK_BURST];
	unsigned state = atomic_load_explicit(&d->lane_state, memory_order_acquire);
	uint32_t space;
	unsigned budget, n, k;

	if (ln->port.link_up != !!(state & DPDK_LANE_TX))
		net_port_set_link(&ln->port, state & DPDK_LANE_TX);
	if (!(state & DPDK_LANE_RX))
		return false;
	space = net_port_peer_space(&ln->port);
	budget = space < DPDK_BURST ? space : DPDK_BURST;
	if (budget == 0) {
		if (!ln->paused)
			ln->st.rd_pauses++;
		ln->paused = true;
		return false;
	}
	ln->paused = false;
	n = rte_eth_rx_burst(d->pid, ln->q, m, (uint16_t)budget);
	if (n == 0)
		return false;
	ln->st.rxq_pkts[0] += n;
	k = dpdk_rx_pkts(d, &ln->st, ln->pool, m, n, pkts);
	if (k)
		net_port_send(&ln->port, pkts, (uint16_t)k);
	return true;
}

static uint16_t lane_deliver(struct net_port *self, uint16_t queue, struct pkt **pkts, uint16_t n)
{
	struct dpdk_lane *ln = self->priv;
	unsigned state = atomic_load_explicit(&ln->d->lane_state, memory_order_acquire);
	uint16_t sent = 0;
	uint64_t bytes = 0;

	if (n > 64) {
		uint16_t a = lane_deliver(self, queue, pkts, 64);

		return (uint16_t)(a + lane_deliver(self, queue, pkts + 64, (uint16_t)(n - 64)));
	}
	if (state & DPDK_LANE_TX)
		sent = dpdk_tx_pkts(ln->d, &ln->st, ln->q, false, pkts, n, &bytes);
	else
		pkt_free_bulk(pkts, n);
	self->stats.rx_pkts += sent;
	self->stats.rx_bytes += bytes;
	self->stats.rx_drops += (uint64_t)(n - sent);
	return sent;
}

/* No rx_space: what the TX queue refuses is dropped and counted, as on the port. */
static const struct net_port_ops lane_ops = {
	.deliver = lane_deliver,
};

struct dpdk_lane *dpdk_lane_open(struct dpdk_port *d, unsigned q, struct loop *l, char *err,
				 size_t errlen)
{
	struct dpdk_lane *ln;
	unsigned bit = 1u << q, was;
	char pname[32];

	if (q == 0 || q >= d->nlanes) {
		log_seterr(err, errlen, "dpdk:%s: no lane %u (queue pairs 1..%u are lanes)", d->name,
			   q, d->nlanes - 1u);
		return NULL;
	}
	was = atomic_fetch_or(&d->lanes_open, bit);
	if (was & bit) {
		log_seterr(err, errlen, "dpdk:%s: lane %u is open already", d->name, q);
		return NULL;
	}
	ln = calloc(1, sizeof(*ln));
	if (!ln) {
		log_seterr(err, errlen, "dpdk:%s: out of memory", d->name);
		atomic_fetch_and(&d->lanes_open, ~bit);
		return NULL;
	}
	ln->d = d;
	ln->q = (uint16_t)q;
	ln->loop = l;
	if (rte_lcore_id() == LCORE_ID_ANY && rte_thread_register() < 0)
		LOG_WARN("dpdk", "%s: lane %u's thread got no lcore id (%s): mbufs without a cache",
			 d->name, q, rte_strerror(rte_errno));
	snprintf(pname, sizeof(pname), "dpdk:%.20s/%u", d->name, q);
	ln->pool = pkt_pool_create(pname, DPDK_POOL_PKTS);
	if (!ln->pool) {
		log_seterr(err, errlen, "dpdk:%s: lane %u: cannot create a pool of %u packets: %s",
			   d->name, q, DPDK_POOL_PKTS, strerror(errno));
		goto fail;
	}
	net_port_init(&ln->port, pname, &lane_ops, ln);
	if (loop_add_poll(l, lane_poll, ln) < 0) {
		log_seterr(err, errlen, "dpdk:%s: lane %u: cannot poll it: %s", d->name, q,
			   strerror(errno));
		goto fail;
	}
	ln->polled = true;
	lane_poll(ln); /* the link as it is */
	LOG_INFO("dpdk", "%s: lane %u open (RX and TX queue %u)", d->name, q, q);
	return ln;
fail:
	dpdk_lane_close(ln);
	return NULL;
}

uint16_t dpdk_lane_to_port(struct dpdk_lane *ln, struct pkt **pkts, uint16_t n)
{
	uint32_t k = spsc_enqueue_burst(ln->d->handback[ln->q], (void *const *)pkts, n);

	ln->st.handed += k;
	if (k < n) {
		ln->st.handed_full += n - k;
		LOG_RL(LOG_LVL_WARN, "dpdk", "%s: lane %u: the port's thread is behind, dropping",
		       ln->d->name, ln->q);
		pkt_free_bulk(pkts + k, n - k);
	}
	return (uint16_t)k;
}

struct net_port *dpdk_lane_port(struct dpdk_lane *ln)
{
	return &ln->port;
}

unsigned dpdk_lane_queue(const struct dpdk_lane *ln)
{
	return ln->q;
}

void dpdk_lane_get_stats(const struct dpdk_lane *ln, struct dpdk_stats *st)
{
	*st = ln->st;
	st->port_id = ln->d->pid;
	st->lanes = ln->d->nlanes;
	st->rx_queues = 1;
}

void dpdk_lane_close(struct dpdk_lane *ln)
{
	if (!ln)
		return;
	net_port_disconnect(&ln->port);
	if (ln->polled)
		loop_del_poll(ln->loop, lane_poll, ln);
	/* Frames still on their way back to the port are this pool's: freed before it goes. */
	for (struct pkt *k; spsc_dequeue_burst(ln->d->handback[ln->q], (void **)&k, 1);)
		pkt_free(k);
	pkt_pool_destroy(ln->pool);
	atomic_fetch_and(&ln->d->lanes_open, ~(1u << ln->q));
	free(ln);
}
