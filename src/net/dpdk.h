/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The DPDK backend: an ethdev port (a NIC bound to vfio-pci, or a virtual
 * device such as net_ring, net_memif, net_af_packet, net_tap) as a port.
 * Poll mode: the port is read from a poll hook of its owner thread's loop.
 */
#ifndef VMUX_NET_DPDK_H
#define VMUX_NET_DPDK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct loop;
struct net_port;
struct net_flow;
struct pkt;
struct dpdk_port;
struct dpdk_stats;

/* RX queues at most: one per VM mapped onto them, where the device has rte_flow. */
#define DPDK_RXQ_MAX 4u

/*
 * The EAL's arguments when none are given: enough for virtual devices on a
 * machine without hugepages or a NIC of its own (the first CPU the process
 * may run on is appended as -l).
 */
#define DPDK_EAL_DEFAULTS "--no-huge -m 256 --no-pci --no-telemetry --no-shconf"

/*
 * Initialises DPDK's EAL once per process, with args (n of them; none: the
 * defaults above). Call it before any other thread is started: the EAL pins
 * the calling thread, which this undoes. 0, or -1 with a message in err.
 */
int dpdk_eal_init(unsigned n, const char *const *args, char *err, size_t errlen);
bool dpdk_eal_ready(void);
/* At exit, after every port is closed: releases the EAL's memory (hugepage files). */
void dpdk_eal_fini(void);

/*
 * Probes DEVARGS (a PCI address or a virtual device with its arguments, as
 * --vdev takes them; one already given to the EAL is found by name), sets up
 * one RX/TX queue pair with a mempool sized to the rings, starts the port and
 * polls it from l (the calling thread's loop). NULL with a message in err.
 */
struct dpdk_port *dpdk_open(struct loop *l, const char *devargs, char *err, size_t errlen);
struct net_port *dpdk_port(struct dpdk_port *d);
/* Every lane closed first (dpdk_lane_close). */
void dpdk_close(struct dpdk_port *d);

/*
 * Lanes: as dpdk_open, with `lanes` queue pairs where the device offers that
 * many RX and TX queues and needs no restarts (else one, logged; a device
 * with rte_flow then has one RX queue per lane, which its VMs' rules name:
 * dpdk_flow_set_vm_rxq): queue pair 0 is the port's, on the calling
 * thread; each of 1..lanes-1 may be opened as a lane on one other thread, which alone reads
 * that RX queue and writes that TX queue (DPDK queues are not shared). A
 * lane is a port of its own: what its RX queue receives goes to its peer, what
 * its peer sends leaves on its TX queue (copied into mbufs: never a
 * packet's own buffer). It follows the port's state (stopped, removed, link).
 */
#define DPDK_LANES_MAX 16u
struct dpdk_lane;
struct dpdk_port *dpdk_open_lanes(struct loop *l, const char *devargs, unsigned lanes, char *err,
				  size_t errlen);
/* Queue pairs set up (1: no lanes). Any thread, once opened. */
unsigned dpdk_lanes(const struct dpdk_port *d);
/*
 * On the lane's thread (l its loop): queue pair q (1..dpdk_lanes-1), not
 * open already, polled from l. NULL with a message in err.
 */
struct dpdk_lane *dpdk_lane_open(struct dpdk_port *d, unsigned q, struct loop *l, char *err,
				 size_t errlen);
struct net_port *dpdk_lane_port(struct dpdk_lane *ln);
/*
 * On the lane's thread: passes frames its RX queue received back to the
 * port, whose thread sends them to the port's peer as if it had read them
 * (through a lock-free ring; consumes all, what does not fit is dropped
 * and counted as handed_full). Returns how many were passed.
 */
uint16_t dpdk_lane_to_port(struct dpdk_lane *ln, struct pkt **pkts, uint16_t n);
unsigned dpdk_lane_queue(const struct dpdk_lane *ln);
/*
 * Before the port is closed, on the lane's thread while the port's is not
 * polling (at teardown, every thread stopped; it also frees the frames still
 * on their way back to the port, which are of the lane's pool).
 */
void dpdk_lane_close(struct dpdk_lane *ln);
/*
 * On the lane's thread: its counters (the rd_*, wr_*, ol_* of struct
 * dpdk_stats; frames read in rxq_pkts[0]); its port's stats have the rest.
 */
void dpdk_lane_get_stats(const struct dpdk_lane *ln, struct dpdk_stats *st);

/*
 * Counters. Frames the peer accepted or refused are in the port's stats
 * (tx_* for frames received from the device, rx_* for frames sent to it);
 * these count what never got that far, and the device's own.
 */
struct dpdk_stats {
	uint64_t rd_oversize;   /* received frames longer than PKT_DATA_MAX, dropped */
	uint64_t rd_undersize;  /* received frames shorter than an Ethernet header, dropped */
	uint64_t rd_nobuf;      /* received frames dropped because the packet pool was empty */
	uint64_t rd_pauses;     /* polls that read nothing because the peer had no room */
	uint64_t rd_zerocopy;   /* received frames passed on in the buffer the device wrote */
	uint64_t wr_nombuf;     /* frames dropped because the mbuf pool was empty */
	uint64_t wr_full;       /* frames the device's TX queue refused, dropped */
	uint64_t wr_bad_len;    /* frames with an impossible length (or multi-segment unsupported) */
	uint64_t wr_zerocopy;   /* frames handed to the device in their own buffer (no copy) */
	uint64_t ol_hw;         /* frames whose offloads (checksums, TSO) the device does */
	uint64_t ol_sw;         /* frames whose checksums were completed here */
	uint64_t ol_refused;    /* TSO frames for a device without TSO, dropped */
	uint64_t link_changes;  /* link state changes seen */
	uint64_t restarts;      /* port restarts while its link was down (memif: reconnects) */
	uint64_t errors;        /* failed calls into the device after setup */
	uint64_t from_lanes;    /* frames the lanes passed back, sent to the port's peer */
	uint64_t handed;        /* a lane's: frames passed back to the port (dpdk_lane_to_port) */
	uint64_t handed_full;   /* a lane's: frames dropped, the ring back to the port full */
	/* The device's (rte_eth_stats). */
	uint64_t dev_ipackets, dev_opackets, dev_ibytes, dev_obytes;
	uint64_t dev_imissed, dev_ierrors, dev_oerrors, dev_rx_nombuf;
	uint16_t port_id;
	uint16_t rx_desc, tx_desc;
	uint16_t lanes;         /* queue pairs for lanes, the port's own included (1: none) */
	uint16_t rx_queues;     /* RX queues polled (1, or up to DPDK_RXQ_MAX with rte_flow) */
	uint64_t rxq_pkts[DPDK_RXQ_MAX]; /* frames read from each RX queue */
	uint32_t mbufs;         /* mbufs in the pool */
	uint64_t tx_offloads;   /* RTE_ETH_TX_OFFLOAD_* in use */
	bool tx_zerocopy;       /* frames leave in their own buffer (else copied into mbufs) */
	bool rx_zerocopy;       /* the device writes frames into packets (else copied from mbufs) */
	uint32_t rx_mbufs;      /* with rx_zerocopy: the receive pool's mbufs (packets) */
	bool link_up;
	bool removed;           /* the device went away: no longer polled */
	char driver[32];
};

const char *dpdk_name(const struct dpdk_port *d);
/* On the owner thread. */
void dpdk_get_stats(const struct dpdk_port *d, struct dpdk_stats *st);

/*
 * Flow rules (dpdk_flow.c): what steers each VM's frames to its RX queue in
 * the device, where the device takes them (rte_flow), else vmux's own
 * classifier (the switch, then the device model's steering) does it: every
 * rule is listed with where it runs. Owner thread only.
 *
 * dpdk_flow_set_vm gives VM `vm` (the caller's key, < DPDK_FLOW_VMS) with MAC
 * mac its rules: one per VM, ETH(dst = mac) -> its RX queue, below its
 * guest's flows (net/flow.h, the VM's MAC ANDed in by construction; f[0..n)
 * in any order, ranked by their priority: lower decides), each ETH dst / [VLAN] / [IPV4|IPV6] / [TCP|UDP] ->
 * the VM's RX queue, or DROP. Rules that did not change keep their handle;
 * the others are validated, created, destroyed. At most 64 rules are offered
 * to the device per call: 1 when some still wait (in software meanwhile; call
 * again later), 0 when all were, or -errno (-EINVAL: bad key, -ENOMEM).
 */
#define DPDK_FLOW_VMS 256u
#define DPDK_FLOW_PER_VM 1024u /* guest flows per VM offered to the device at most */
int dpdk_flow_set_vm(struct dpdk_port *d, unsigned vm, const uint8_t mac[6],
		     const struct net_flow *f, unsigned n);
/*
 * As dpdk_flow_set_vm, the VM's rules naming RX queue rxq (its worker's lane,
 * 0 for the port's own queue; < the queues set up, else -EINVAL), or
 * DPDK_FLOW_RXQ_AUTO: the port's mapping (1 + vm % (queues - 1) with several
 * RX queues and no lanes; 0 with lanes or one queue). A VM whose queue
 * changed has its rules replaced.
 */
#define DPDK_FLOW_RXQ_AUTO (-1)
int dpdk_flow_set_vm_rxq(struct dpdk_port *d, unsigned vm, int rxq, const uint8_t mac[6],
			 const struct net_flow *f, unsigned n);
/* Destroys VM vm's rules (the VM went away). */
void dpdk_flow_del_vm(struct dpdk_port *d, unsigned vm);

struct dpdk_flow_info {
	unsigned vm;
	bool mac_rule;          /* the VM's own rule (f: its MAC, -> its queue) */
	bool hw;                /* in the device; false: vmux's classifier does it */
	uint32_t handle;        /* ours, stable while the rule lives */
	uint32_t prio;          /* rte_flow priority asked for */
	uint16_t rxq;           /* the VM's RX queue */
	bool lane;              /* rxq is a lane's (read on its thread: its counters, not these) */
	uint64_t rxq_pkts;      /* frames read from that queue so far (0 for a lane's) */
	char why[96];           /* sw: the device's reason */
	const struct net_flow *f;
};
/* Calls cb for every rule, VM by VM; returns how many. */
typedef void (*dpdk_flow_cb)(void *arg, const struct dpdk_flow_info *r);
unsigned dpdk_flow_foreach(const struct dpdk_port *d, dpdk_flow_cb cb, void *arg);

struct dpdk_flow_stats {
	bool capable;           /* the device has rte_flow at all */
	unsigned hw, sw;        /* rules now in the device / in software */
	uint64_t created, destroyed;
	uint64_t fallbacks;     /* rules the device refused (validate or create) */
	uint64_t refused_validate, refused_create, refused_form;
	uint64_t destroy_failed;
	uint64_t syncs;         /* dpdk_flow_set_vm / del_vm calls */
	uint64_t deferred;      /* set_vm calls that left rules for the next (the budget) */
};
void dpdk_flow_get_stats(const struct dpdk_port *d, struct dpdk_flow_stats *st);

#endif
