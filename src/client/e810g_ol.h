/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * e810g offloads: TX with checksum offload and TSO as Linux's ice driver
 * asks for them (ice_tx_csum, ice_tso, ice_tx_map), and RX with the
 * descriptor fields ice reads (ice_rx_csum, ice_ptype_to_htype).
 *
 * e810g_tx_offload parses the frame's headers the way the stack hands them
 * to ice (Ethernet with at most one VLAN tag, IPv4 with options or IPv6
 * without extension headers, TCP or UDP), prepares them as the stack and
 * ice do (the L4 checksum field seeded with the pseudo-header sum; for TSO
 * without the length, and the IPv4 total length/checksum or the IPv6
 * payload length zeroed), and posts an optional context descriptor (TSO:
 * TSO_LEN, MSS) followed by data descriptors of at most buf_max bytes
 * each, CMD (IIPT, L4T; EOP and RS on the last) and OFFSET (MACLEN, IPLEN,
 * L4LEN) on every one.
 *
 * It is synchronous: it first waits until every frame posted before is
 * done (e810g_tx_reclaim), copies the frame into the TX buffer area from
 * its start (one contiguous copy, which the descriptors cut up), and waits
 * for the device's write-back of the last descriptor before it returns,
 * so the ring is clean again for e810g_tx_one. It overwrites what
 * e810g_tx_prefill put there: not for use with the burst functions.
 */
#ifndef VMUX_CLIENT_E810G_OL_H
#define VMUX_CLIENT_E810G_OL_H

#include <stdbool.h>
#include <stdint.h>

#include "client/e810g.h"

/* The largest buffer one data descriptor takes (the 14-bit size field). */
#define E810G_OL_BUF_MAX 16383u
/* The largest frame e810g_tx_offload takes: the device's TSO limit. */
#define E810G_OL_FRAME_MAX (256u * 1024u)

struct e810g_ol {
	bool ip_csum;     /* IPv4 header checksum (IIPT IPv4 with checksum) */
	bool l4_csum;     /* TCP or UDP checksum (L4T) */
	uint16_t mss;     /* non-zero: TSO with this MSS (implies both checksums) */
	uint32_t buf_max; /* bytes per data descriptor at most; 0: E810G_BUF_STRIDE */
};

/*
 * Sends one frame of len bytes with the offloads ol asks for (NULL or all
 * zero: none, the frame goes out as given, still cut into buffers).
 * 0; -EINVAL if the headers an offload needs are not there or len/buf_max
 * are out of range; -ENOSPC if the ring has too few descriptors for it;
 * -ETIMEDOUT if the device did not finish earlier frames or this one within
 * E810G_TMO ms (the ring is then left as it is: close and open again).
 * Before e810g_up: -EINVAL.
 */
int e810g_tx_offload(struct e810g *g, const void *frame, uint32_t len, const struct e810g_ol *ol);

/* What the flex write-back (RXDID 2) descriptor of a received frame says. */
struct e810g_rxd {
	uint8_t rxdid;
	uint8_t umb;      /* bits 7:6: unicast, multicast, broadcast */
	uint16_t ptype;   /* 10 bits */
	uint16_t len;     /* bytes in the buffer */
	uint16_t status0; /* DD, EOF, L3L4P, IPE, L4E, RXE, ... */
	uint16_t status1;
	uint16_t l2tag1;
};

/* e810g_rx_take, with the frame's descriptor copied to *d first. */
uint32_t e810g_rx_take_desc(struct e810g *g, uint8_t *out, uint32_t cap, struct e810g_rxd *d);

#endif
