/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The switch's per-port policy (see switch.h): which VLAN a frame from a port
 * is in, whether a port carries a VLAN, how a frame is tagged on a port's
 * wire, which source MACs are acceptable. net/switch.c applies it; whatever
 * forwards a frame on the switch's behalf on another thread (the DPDK
 * uplink's lanes, vmux/lanes.c) applies the same functions, so that the two
 * paths cannot disagree. Pure: no state, no locks.
 */
#ifndef VMUX_NET_SW_POLICY_H
#define VMUX_NET_SW_POLICY_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "net/pkt.h"

#define SW_VID_MAX 4094u
#define SW_ETH_HLEN 14u
#define SW_TPID_8021Q 0x8100u
#define SW_TPID_8021AD 0x88a8u
#define SW_TPID_QINQ_OLD 0x9100u

struct sw_policy {
	uint16_t vlan; /* 0..4094; 0 is the untagged domain */
	bool trunk;    /* also carries VLANs 1..4094 tagged */
};

static inline bool sw_is_tpid(uint16_t et)
{
	return et == SW_TPID_8021Q || et == SW_TPID_8021AD || et == SW_TPID_QINQ_OLD;
}

/* Whether port q carries VLAN vid. */
static inline bool sw_policy_in_vlan(const struct sw_policy *q, uint16_t vid)
{
	return vid == q->vlan || (q->trunk && vid != 0);
}

/*
 * The VLAN (and priority) of frame k (at least SW_ETH_HLEN bytes) from port
 * in, without changing k; *in_data: its tag is in the data (to be taken out
 * with sw_untag_data). False when the port may not send it (tagged on a
 * non-trunk port, a second tag, a VLAN out of range).
 */
static inline bool sw_policy_vlan_of(const struct sw_policy *in, const struct pkt *k,
				     uint16_t *vid, uint16_t *pcp, bool *in_data)
{
	const uint8_t *d = k->data;
	uint16_t et = (uint16_t)(d[12] << 8 | d[13]), inner, tci;

	*in_data = false;
	if (k->flags & PKT_F_VLAN) {
		tci = k->vlan_tci;
		inner = et;
	} else if (sw_is_tpid(et)) {
		if (et != SW_TPID_8021Q || k->len < SW_ETH_HLEN + 4 || !in->trunk)
			return false;
		tci = (uint16_t)(d[14] << 8 | d[15]);
		inner = (uint16_t)(d[16] << 8 | d[17]);
		*in_data = true;
	} else {
		*vid = in->vlan;
		*pcp = 0;
		return true;
	}
	if (!in->trunk)
		return false;
	/* One tag only: a second one would be read as a VLAN by whoever strips ours. */
	if (sw_is_tpid(inner))
		return false;
	*pcp = tci >> 13;
	*vid = tci & 0xfff;
	if (*vid == 0)
		*vid = in->vlan; /* priority tag: the port's own VLAN */
	return *vid <= SW_VID_MAX;
}

/* Takes the 802.1Q tag out of k's data (sw_policy_vlan_of said it is there). */
static inline void sw_untag_data(struct pkt *k)
{
	memmove(k->data + 12, k->data + 16, k->len - 16);
	k->len -= 4;
}

/* Frame k of VLAN vid as port q's wire wants it: untagged in q's own VLAN, else tagged. */
static inline void sw_policy_egress(const struct sw_policy *q, struct pkt *k, uint16_t vid,
				    uint16_t pcp)
{
	if (vid == q->vlan) {
		k->flags &= ~PKT_F_VLAN;
		k->vlan_tci = 0;
	} else {
		k->flags |= PKT_F_VLAN;
		k->vlan_tci = (uint16_t)(pcp << 13 | vid);
	}
}

/* A source MAC the switch accepts at all: neither multicast nor all-zero. */
static inline bool sw_src_ok(const uint8_t *src)
{
	return !(src[0] & 1) && (src[0] | src[1] | src[2] | src[3] | src[4] | src[5]);
}

#endif
