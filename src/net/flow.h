/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Flow rules in a backend-neutral form: what a device model's guest asked
 * for (the E810's switch rules and flow director filters), in the
 * terms a hardware uplink can offload (DPDK's rte_flow: a pattern of ETH /
 * VLAN / IPV4|IPV6 / TCP|UDP items with spec and mask, actions QUEUE, RSS
 * over a range, DROP, PASSTHRU; docs/ARCHITECTURE.md, "Switch rules").
 *
 * Confinement by construction: a flow always matches the destination MAC
 * of the VM it belongs to (net_flow_init sets it and nothing clears it), so
 * an uplink that installs it can only steer or drop that VM's own unicast,
 * never another VM's frames. A guest rule for some other destination (a
 * MAC not the VM's, multicast, broadcast) cannot meet that and is not
 * listed (those frames are the software path's: the switch, then the
 * model).
 */
#ifndef VMUX_NET_FLOW_H
#define VMUX_NET_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Fields a flow matches on besides the VM's MAC (net_flow_match.fields). */
#define NET_FLOW_F_VLAN 0x001u     /* VLAN ID (802.1Q), vlan_id */
#define NET_FLOW_F_UNTAGGED 0x002u /* no VLAN tag */
#define NET_FLOW_F_ETYPE 0x004u    /* ethertype after any VLAN tag */
#define NET_FLOW_F_IPV4 0x008u     /* IPv4 (addresses in the first 4 bytes) */
#define NET_FLOW_F_IPV6 0x010u
#define NET_FLOW_F_SRC_IP 0x020u   /* src_ip under src_ip_mask */
#define NET_FLOW_F_DST_IP 0x040u
#define NET_FLOW_F_PROTO 0x080u    /* IP protocol / next header */
#define NET_FLOW_F_SPORT 0x100u    /* L4 source port under its mask (TCP or UDP: PROTO) */
#define NET_FLOW_F_DPORT 0x200u

struct net_flow_match {
	uint8_t dst_mac[6];        /* the VM's MAC, always matched */
	uint32_t fields;           /* NET_FLOW_F_* */
	uint16_t vlan_id;          /* 12 bits */
	uint16_t ethertype;
	uint8_t ip_proto;
	uint8_t src_ip[16], src_ip_mask[16];
	uint8_t dst_ip[16], dst_ip_mask[16];
	uint16_t src_port, src_port_mask;
	uint16_t dst_port, dst_port_mask;
};

enum net_flow_action {
	NET_FLOW_PASS,  /* on to the VM's default steering (its RSS), stop looking */
	NET_FLOW_QUEUE, /* to the VM's queue `queue`, or RSS over queues queue..queue+nqueues-1 */
	NET_FLOW_DROP,
};

/* Where a flow came from, for the backend's bookkeeping and logs. */
enum net_flow_origin {
	NET_FLOW_FROM_SWITCH_RULE, /* an E810 switch rule (dev/e810/swr.c) */
	NET_FLOW_FROM_FDIR,        /* an E810 flow director filter (dev/e810/fdir.c; origin_id: FD ID) */
};

struct net_flow {
	struct net_flow_match m;
	enum net_flow_action action;
	uint16_t queue;            /* the VM's queue index (its device's absolute queue) */
	uint16_t nqueues;          /* NET_FLOW_QUEUE: 1, or a power of two (a queue region) */
	/*
	 * Lower first: when several flows match a frame, the lowest decides.
	 * Unique within one VM's list, so it is never ambiguous; an uplink maps
	 * the order onto what its hardware has (rte_flow priority levels or
	 * groups).
	 */
	uint16_t priority;
	enum net_flow_origin origin;
	uint32_t origin_id;        /* the rule's ID in the guest's table */
};

/* A flow of the VM with that MAC that matches all its unicast and passes it. */
void net_flow_init(struct net_flow *f, const uint8_t vm_mac[6]);
/*
 * ANDs a destination MAC into the flow: false (the flow can never match)
 * unless it is the VM's own.
 */
bool net_flow_and_dst_mac(const struct net_flow *f, const uint8_t mac[6]);
/*
 * Whether the frame (len bytes from the destination MAC; vid the VLAN ID
 * of a tag carried out of band, or -1 for none: then a tag in the data
 * counts) matches the flow. The reference the tests hold offloads to.
 */
bool net_flow_matches(const struct net_flow *f, const uint8_t *frame, uint32_t len, int vid);
/*
 * A one-line description ("dst=.. vlan=.. etype=.. ipv4 src-ip=../.. proto=17
 * dport=5001/0xffff -> queue 2/1 order 4096"); snprintf's result.
 */
int net_flow_format(const struct net_flow *f, char *buf, size_t len);

#endif
