/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * An L2 learning switch. Each attached port (a device model's or a backend's
 * net_port) gets the switch as its peer; frames it sends are forwarded by
 * destination MAC within its VLAN:
 *
 *  - known unicast goes to the one port the MAC is on (plus promiscuous ports);
 *  - broadcast and multicast go to every other port of the VLAN;
 *  - unknown unicast goes to the other ports that may own unknown MACs:
 *    uplinks, VM ports allowed to spoof, promiscuous ports. A strict VM port
 *    owns exactly its configured MAC, pinned in the table, so it never sees
 *    another VM's unicast unless it is the destination.
 *
 * VLANs: a port has a VLAN (0: the untagged domain); frames are untagged on
 * the wire of a port whose VLAN they are in. A trunk port also carries every
 * other VLAN (1..4094) tagged. Tagged frames from a non-trunk port are dropped.
 *
 * Single-threaded: every call, and every deliver into the switch, runs on the
 * owner thread. The per-frame path takes no lock and allocates nothing
 * (flood copies come from the switch's own packet pool).
 */
#ifndef VMUX_NET_SWITCH_H
#define VMUX_NET_SWITCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/port.h"

#define SW_MAX_PORTS 256

struct net_switch;

struct sw_config {
	const char *name;
	unsigned mac_entries;       /* MAC table size, rounded up to a power of two (0: 4096) */
	unsigned ageing_s;          /* learned entries expire after this (0: 300) */
	unsigned pool_pkts;         /* buffers for flood copies (0: 1024) */
	bool allow_promisc;         /* whether any port may be promiscuous */
	uint64_t (*clock_ns)(void); /* monotonic clock (NULL: loop_now_ns); tests set theirs */
};

enum sw_port_kind {
	SW_PORT_VM,     /* one VM's NIC: source MAC checked, own MAC pinned */
	SW_PORT_UPLINK, /* a backend (tap, ...): any source MAC, learned */
};

struct sw_port_config {
	const char *name;
	enum sw_port_kind kind;
	uint8_t mac[6];   /* VM: the VM's MAC */
	bool allow_spoof; /* VM: accept other source MACs too (learned) */
	bool promisc;     /* also receive all unicast of its VLANs (needs allow_promisc) */
	bool trunk;       /* carry VLANs 1..4094 tagged, besides its own untagged */
	uint16_t vlan;    /* 0..4094; 0 is the untagged domain */
};

enum sw_drop {
	SW_DROP_BAD_LEN, /* shorter than an Ethernet header or longer than PKT_DATA_MAX */
	SW_DROP_BAD_SRC, /* multicast or all-zero source MAC */
	SW_DROP_SPOOF,   /* source MAC is not the VM port's own */
	SW_DROP_VLAN,    /* tagged on a non-trunk port, or a tag the switch does not carry */
	SW_DROP_NO_DEST, /* nowhere to go: back to its own port, or no other port in its VLAN */
	SW_DROP_NOBUF,   /* (egress) no buffer for a flood copy */
	SW_DROP_LOOP,    /* delivered back into the switch too deeply while forwarding */
	SW_DROP_MAX
};

struct sw_port_stats {
	/* rx_*: frames from the attached port; tx_*: frames to it (tx_drops: it refused). */
	struct net_port_stats io;
	uint64_t drops[SW_DROP_MAX]; /* ingress reasons, except NOBUF counted on egress */
	uint64_t flooded;            /* frames from this port that were flooded */
};

struct sw_stats {
	unsigned ports, mac_used, mac_capacity;
	uint64_t learned, moved, evicted, table_full;
};

struct net_switch *sw_create(const struct sw_config *cfg, char *err, size_t errlen);
/* Detaches every port (their peers see link down) and frees the switch. */
void sw_destroy(struct net_switch *sw);

/* Connects ext to a new switch port; returns its id (0..SW_MAX_PORTS-1), or -1 with err. */
int sw_attach(struct net_switch *sw, struct net_port *ext, const struct sw_port_config *cfg,
	      char *err, size_t errlen);
/* Disconnects the port and forgets every MAC entry on it. */
void sw_detach(struct net_switch *sw, int id);
/* 0, or -EPERM unless the switch allows promiscuous ports, -EINVAL for a bad id. */
int sw_port_set_promisc(struct net_switch *sw, int id, bool on);

/* Pins mac (in vlan) to port id; learning never moves it. 0 or -errno (-ENOSPC: bucket full). */
int sw_mac_add_static(struct net_switch *sw, const uint8_t mac[6], uint16_t vlan, int id);
int sw_mac_del(struct net_switch *sw, const uint8_t mac[6], uint16_t vlan);
/* The port mac (in vlan) is known on, or -1. */
int sw_mac_lookup(struct net_switch *sw, const uint8_t mac[6], uint16_t vlan);

/* Calls cb for every live MAC entry (control path); returns how many. */
typedef void (*sw_mac_cb)(void *arg, const uint8_t mac[6], uint16_t vlan, int port, bool is_static,
			  uint32_t age_s);
unsigned sw_mac_foreach(struct net_switch *sw, sw_mac_cb cb, void *arg);

/* 0, or -EINVAL for a bad id. */
int sw_port_get_stats(const struct net_switch *sw, int id, struct sw_port_stats *st);
void sw_get_stats(const struct net_switch *sw, struct sw_stats *st);

#endif
