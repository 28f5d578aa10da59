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
struct dpdk_port;

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
void dpdk_close(struct dpdk_port *d);

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
	uint64_t wr_nombuf;     /* frames dropped because the mbuf pool was empty */
	uint64_t wr_full;       /* frames the device's TX queue refused, dropped */
	uint64_t wr_bad_len;    /* frames with an impossible length (or multi-segment unsupported) */
	uint64_t ol_hw;         /* frames whose offloads (checksums, TSO) the device does */
	uint64_t ol_sw;         /* frames whose checksums were completed here */
	uint64_t ol_refused;    /* TSO frames for a device without TSO, dropped */
	uint64_t link_changes;  /* link state changes seen */
	uint64_t restarts;      /* port restarts while its link was down (memif: reconnects) */
	uint64_t errors;        /* failed calls into the device after setup */
	/* The device's (rte_eth_stats). */
	uint64_t dev_ipackets, dev_opackets, dev_ibytes, dev_obytes;
	uint64_t dev_imissed, dev_ierrors, dev_oerrors, dev_rx_nombuf;
	uint16_t port_id;
	uint16_t rx_desc, tx_desc;
	uint32_t mbufs;         /* mbufs in the pool */
	uint64_t tx_offloads;   /* RTE_ETH_TX_OFFLOAD_* in use */
	bool link_up;
	bool removed;           /* the device went away: no longer polled */
	char driver[32];
};

const char *dpdk_name(const struct dpdk_port *d);
/* On the owner thread. */
void dpdk_get_stats(const struct dpdk_port *d, struct dpdk_stats *st);

#endif
