// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Backend-neutral flow rules (flow.h): construction with the VM's MAC, a
 * reference matcher and a description.
 */
#include <stdio.h>
#include <string.h>

#include "net/flow.h"

void net_flow_init(struct net_flow *f, const uint8_t vm_mac[6])
{
	memset(f, 0, sizeof(*f));
	memcpy(f->m.dst_mac, vm_mac, 6);
	f->action = NET_FLOW_PASS;
	f->nqueues = 1;
}

bool net_flow_and_dst_mac(const struct net_flow *f, const uint8_t mac[6])
{
	return !memcmp(f->m.dst_mac, mac, 6);
}

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static bool masked_eq(const uint8_t *a, const uint8_t *b, const uint8_t *mask, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if ((a[i] ^ b[i]) & mask[i])
			return false;
	return true;
}

bool net_flow_matches(const struct net_flow *f, const uint8_t *frame, uint32_t len, int vid)
{
	const struct net_flow_match *m = &f->m;
	uint32_t l3 = 14;
	uint16_t et;
	uint8_t proto = 0;
	uint32_t l4 = 0;

	if (len < 14 || memcmp(frame, m->dst_mac, 6))
		return false;
	et = be16(frame + 12);
	if (vid < 0 && (et == 0x8100 || et == 0x88a8) && len >= 18) {
		vid = be16(frame + 14) & 0xfff;
		et = be16(frame + 16);
		l3 = 18;
	}
	if ((m->fields & NET_FLOW_F_VLAN) && (vid < 0 || (unsigned)vid != m->vlan_id))
		return false;
	if ((m->fields & NET_FLOW_F_UNTAGGED) && vid >= 0)
		return false;
	if ((m->fields & NET_FLOW_F_ETYPE) && et != m->ethertype)
		return false;
	if (m->fields & NET_FLOW_F_IPV4) {
		if (et != 0x0800 || len < l3 + 20)
			return false;
		if ((m->fields & NET_FLOW_F_SRC_IP) &&
		    !masked_eq(frame + l3 + 12, m->src_ip, m->src_ip_mask, 4))
			return false;
		if ((m->fields & NET_FLOW_F_DST_IP) &&
		    !masked_eq(frame + l3 + 16, m->dst_ip, m->dst_ip_mask, 4))
			return false;
		proto = frame[l3 + 9];
		l4 = l3 + (frame[l3] & 0xfu) * 4u;
	} else if (m->fields & NET_FLOW_F_IPV6) {
		if (et != 0x86dd || len < l3 + 40)
			return false;
		if ((m->fields & NET_FLOW_F_SRC_IP) &&
		    !masked_eq(frame + l3 + 8, m->src_ip, m->src_ip_mask, 16))
			return false;
		if ((m->fields & NET_FLOW_F_DST_IP) &&
		    !masked_eq(frame + l3 + 24, m->dst_ip, m->dst_ip_mask, 16))
			return false;
		proto = frame[l3 + 6];
		l4 = l3 + 40;
	} else if (m->fields & (NET_FLOW_F_SRC_IP | NET_FLOW_F_DST_IP | NET_FLOW_F_PROTO |
				NET_FLOW_F_SPORT | NET_FLOW_F_DPORT)) {
		return false; /* L3/L4 fields without an IP version: never */
	}
	if ((m->fields & NET_FLOW_F_PROTO) && proto != m->ip_proto)
		return false;
	if (m->fields & (NET_FLOW_F_SPORT | NET_FLOW_F_DPORT)) {
		if (len < l4 + 4)
			return false;
		if ((m->fields & NET_FLOW_F_SPORT) &&
		    ((be16(frame + l4) ^ m->src_port) & m->src_port_mask))
			return false;
		if ((m->fields & NET_FLOW_F_DPORT) &&
		    ((be16(frame + l4 + 2) ^ m->dst_port) & m->dst_port_mask))
			return false;
	}
	return true;
}

int net_flow_format(const struct net_flow *f, char *buf, size_t len)
{
	const struct net_flow_match *m = &f->m;
	const uint8_t *d = m->dst_mac;
	char a[192] = "";

	if (m->fields & NET_FLOW_F_VLAN)
		snprintf(a, sizeof(a), " vlan=%u", m->vlan_id);
	else if (m->fields & NET_FLOW_F_UNTAGGED)
		snprintf(a, sizeof(a), " untagged");
	if (m->fields & NET_FLOW_F_ETYPE)
		snprintf(a + strlen(a), sizeof(a) - strlen(a), " etype=0x%04x", m->ethertype);
	if (m->fields & (NET_FLOW_F_IPV4 | NET_FLOW_F_IPV6))
		snprintf(a + strlen(a), sizeof(a) - strlen(a), "%s",
			 (m->fields & NET_FLOW_F_IPV4) ? " ipv4" : " ipv6");
	if ((m->fields & NET_FLOW_F_IPV4) && (m->fields & NET_FLOW_F_SRC_IP))
		snprintf(a + strlen(a), sizeof(a) - strlen(a), " src-ip=%u.%u.%u.%u/%u.%u.%u.%u",
			 m->src_ip[0], m->src_ip[1], m->src_ip[2], m->src_ip[3], m->src_ip_mask[0],
			 m->src_ip_mask[1], m->src_ip_mask[2], m->src_ip_mask[3]);
	if ((m->fields & NET_FLOW_F_IPV4) && (m->fields & NET_FLOW_F_DST_IP))
		snprintf(a + strlen(a), sizeof(a) - strlen(a), " dst-ip=%u.%u.%u.%u/%u.%u.%u.%u",
			 m->dst_ip[0], m->dst_ip[1], m->dst_ip[2], m->dst_ip[3], m->dst_ip_mask[0],
			 m->dst_ip_mask[1], m->dst_ip_mask[2], m->dst_ip_mask[3]);
	if ((m->fields & NET_FLOW_F_IPV6) && (m->fields & (NET_FLOW_F_SRC_IP | NET_FLOW_F_DST_IP)))
		snprintf(a + strlen(a), sizeof(a) - strlen(a), " addresses");
	if (m->fields & NET_FLOW_F_PROTO)
		snprintf(a + strlen(a), sizeof(a) - strlen(a), " proto=%u", m->ip_proto);
	if (m->fields & NET_FLOW_F_SPORT)
		snprintf(a + strlen(a), sizeof(a) - strlen(a), " sport=%u/0x%04x", m->src_port,
			 m->src_port_mask);
	if (m->fields & NET_FLOW_F_DPORT)
		snprintf(a + strlen(a), sizeof(a) - strlen(a), " dport=%u/0x%04x", m->dst_port,
			 m->dst_port_mask);
	switch (f->action) {
	case NET_FLOW_QUEUE:
		return snprintf(buf, len, "dst=%02x:%02x:%02x:%02x:%02x:%02x%s -> queue %u/%u order %u",
				d[0], d[1], d[2], d[3], d[4], d[5], a, f->queue, f->nqueues,
				f->priority);
	case NET_FLOW_DROP:
		return snprintf(buf, len, "dst=%02x:%02x:%02x:%02x:%02x:%02x%s -> drop order %u", d[0],
				d[1], d[2], d[3], d[4], d[5], a, f->priority);
	default:
		return snprintf(buf, len, "dst=%02x:%02x:%02x:%02x:%02x:%02x%s -> pass order %u", d[0],
				d[1], d[2], d[3], d[4], d[5], a, f->priority);
	}
}
