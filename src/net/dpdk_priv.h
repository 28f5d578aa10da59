/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The DPDK backend's port, shared by dpdk.c (the port, its queues) and
 * dpdk_flow.c (its rte_flow rules). Owner thread only.
 */
#ifndef VMUX_NET_DPDK_PRIV_H
#define VMUX_NET_DPDK_PRIV_H

#include <net/if.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_ethdev.h>

#include "core/spsc.h"
#include "net/dpdk.h"
#include "net/port.h"

struct dpdk_flows;

#define DPDK_BURST 32u
#define DPDK_RX_DESC 1024u
#define DPDK_TX_DESC 1024u
#define DPDK_POOL_PKTS 512u /* our packets for frames received */
#define DPDK_MBUF_CACHE 256u
#define DPDK_LINK_POLL_MS 100u
#define DPDK_RESTART_MS 1000u
#define DPDK_HANDSHAKE_MS 3000u
/*
 * Frames at least this long leave from their own buffer (where the device
 * allows it); shorter ones are copied, which costs less than attaching and
 * detaching an external buffer (64 B: about a tenth more Mpps copied).
 */
#define DPDK_ZEROCOPY_MIN 512u
#define DPDK_CLOCK_PASSES 64u /* polls between two looks at the clock (a power of 2) */
#define ETH_HDR 14u

struct dpdk_port {
	struct net_port port;
	struct loop *loop;
	char name[RTE_ETH_NAME_MAX_LEN];
	uint16_t pid;
	bool started, polled, paused;
	bool running; /* started and not stopped by a failed restart: bursts allowed */
	atomic_bool rmv; /* set by the removal event's callback */
	struct rte_mempool *mp;
	struct pkt_pool *pool;
	/* RX without a copy (dpdk.c, rx_lent_setup): NULL, NULL where frames are copied. */
	struct rte_mempool *rx_mp;
	struct pkt_pool *rx_lent;
	uint64_t tx_off;  /* offloads enabled */
	uint16_t seg_room; /* data bytes per mbuf */
	uint64_t next_link; /* TSC of the next link read */
	unsigned passes;    /* polls so far (the clock is read every DPDK_CLOCK_PASSES) */
	uint64_t link_tsc;  /* TSC cycles between link reads */
	/*
	 * Restart the port while its link is down (link_check has when): a
	 * memif client connects to its server only when started, so it would
	 * stay down for good once the peer went away and came back. Never in
	 * the middle of a handshake if it can be helped: restarting a memif
	 * client then crashes DPDK 22.11's memif server.
	 */
	bool restart_when_down;
	/*
	 * af_packet's kernel interface (kif_name, its index at open), read with
	 * kif_fd for the link: DPDK 22.11's af_packet reports its link up from
	 * start to close whatever the interface does. kif_fd -1: not read.
	 */
	int kif_fd;
	unsigned kif_index;
	char kif_name[IF_NAMESIZE];
	bool up_since_start; /* the link was up since the last (re)start */
	uint64_t last_start; /* TSC */
	/*
	 * RX queues: one, or up to DPDK_RXQ_MAX where the device has rte_flow
	 * (the VMs' rules steer to them, dpdk_flow.c); all polled, TX on queue 0.
	 */
	uint16_t nrxq;
	bool flow_ops; /* the device has rte_flow (it answered a flush) */
	uint16_t rxq_next; /* the queue the next poll starts with */
	struct dpdk_flows *flows; /* NULL until the first rule */
	/*
	 * TX without a copy (dpdk.c, "send"): a packet's own buffer attached to
	 * an mbuf as an external buffer, for devices that read it with the CPU
	 * and are done with it when rte_eth_tx_burst returns. ext_live counts
	 * buffers attached and not yet given back: the free callback runs within
	 * rte_eth_tx_burst on this thread, or at close (the owner thread gone),
	 * so a plain counter (an atomic one cost a fifth of the 1518-byte TX
	 * path: the locked operation waits for the device's copy to drain). A
	 * device found holding one is sent copies from then on.
	 */
	bool ext_ok;
	uint64_t ext_live;
	/*
	 * Lanes (dpdk_lane.c): queue pairs 1..nlanes-1, each read and written by
	 * the one thread its lane is polled on (queue pair 0 is this port's).
	 * 1: none. The lanes see the port's state only through lane_state
	 * (DPDK_LANE_RX: RX allowed, DPDK_LANE_TX: TX too), which the owner
	 * publishes whenever running, removed or the link change.
	 */
	uint16_t nlanes;
	atomic_uint lane_state;
	atomic_uint lanes_open; /* bit q: lane q is open */
	/*
	 * Frames lane q passes back (dpdk_lane_to_port), to be sent to the
	 * port's peer as if read from queue 0: one ring per lane, the lane's
	 * thread the producer, the port's the consumer. Created with the port.
	 */
	struct spsc_ring *handback[DPDK_LANES_MAX];
	struct dpdk_stats st;
};

#define DPDK_LANE_RX 1u
#define DPDK_LANE_TX 2u
#define DPDK_HANDBACK_RING 1024u

/* dpdk.c: n received mbufs (freed) into packets of pool (at most n, in pkts); how many. */
unsigned dpdk_rx_pkts(struct dpdk_port *d, struct dpdk_stats *st, struct pkt_pool *pool,
		      struct rte_mbuf **m, unsigned n, struct pkt **pkts);
/*
 * dpdk.c: n (<= 64) packets out on TX queue q (zc: in their own buffers where
 * they fit); consumes them all, returns how many the device took (their
 * bytes in *bytes), counts the rest in st.
 */
uint16_t dpdk_tx_pkts(struct dpdk_port *d, struct dpdk_stats *st, uint16_t q, bool zc,
		      struct pkt **pkts, uint16_t n, uint64_t *bytes);

/* dpdk_flow.c: frees every rule (the device's and ours); before the port closes. */
void dpdk_flow_fini(struct dpdk_port *d);

/* dpdk_log.c: DPDK's log into vmux's. */
int dpdk_log_open(void);         /* before rte_eal_init; 0 or -1 */
void dpdk_log_started(bool on);  /* warnings and errors rate-limited from now on */
void dpdk_log_mark(void);        /* forget the error line kept */
const char *dpdk_log_first_err(void); /* the first error line since the mark, or "" */

#endif


