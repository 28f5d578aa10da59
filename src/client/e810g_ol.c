// SPDX-License-Identifier: GPL-2.0-or-later
/* e810g's TX offloads and RX descriptor fields: see e810g_ol.h. */
#include "client/e810g_ol.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#include "dev/e810/e810_regs.h"
#include "dev/e810/lan_desc.h"
#include "net/csum.h"

#define ETH_P_VLAN 0x8100u
#define ETH_P_IP 0x0800u
#define ETH_P_IP6 0x86ddu
#define PROTO_TCP 6u
#define PROTO_UDP 17u

/* Where the headers of a frame are (what the stack tells ice in the skb). */
struct ol_hdrs {
	uint32_t l3, l4, l4len; /* offsets of IP and L4, length of the L4 header */
	uint8_t proto;
	bool v6;
};

static uint16_t rd_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void wr_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* n little-endian bytes */
static void wr_le(uint8_t *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t rd_le(const volatile uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void nap(void)
{
	struct timespec ts = { .tv_nsec = 20000 };

	nanosleep(&ts, NULL);
}

/* Ethernet (one VLAN tag at most), IPv4 or IPv6 (no extension headers), TCP or UDP. */
static int ol_parse(const uint8_t *f, uint32_t len, struct ol_hdrs *h)
{
	uint32_t l3 = 14, iplen;
	uint16_t et;

	if (len < l3)
		return -EINVAL;
	et = rd_be16(f + 12);
	if (et == ETH_P_VLAN) {
		l3 += 4;
		if (len < l3)
			return -EINVAL;
		et = rd_be16(f + 16);
	}
	if (et == ETH_P_IP) {
		if (len < l3 + 20 || f[l3] >> 4 != 4)
			return -EINVAL;
		iplen = (f[l3] & 0xfu) * 4u;
		h->proto = f[l3 + 9];
		h->v6 = false;
	} else if (et == ETH_P_IP6) {
		if (len < l3 + 40 || f[l3] >> 4 != 6)
			return -EINVAL;
		iplen = 40;
		h->proto = f[l3 + 6];
		h->v6 = true;
	} else {
		return -EINVAL;
	}
	if (iplen < 20 || l3 + iplen > len)
		return -EINVAL;
	h->l3 = l3;
	h->l4 = l3 + iplen;
	if (h->proto == PROTO_TCP) {
		if (len < h->l4 + 20)
			return -EINVAL;
		h->l4len = (f[h->l4 + 12] >> 4) * 4u;
		if (h->l4len < 20 || h->l4 + h->l4len > len)
			return -EINVAL;
	} else if (h->proto == PROTO_UDP) {
		if (len < h->l4 + 8)
			return -EINVAL;
		h->l4len = 8;
	} else {
		return -EINVAL;
	}
	return 0;
}

/* The pseudo-header sum (not inverted) with l4_bytes as its length; 0 leaves it out. */
static uint16_t ol_pseudo(const uint8_t *f, const struct ol_hdrs *h, uint32_t l4_bytes)
{
	const uint8_t *ip = f + h->l3;
	uint16_t s = h->v6 ? net_csum(ip + 8, 32, 0) : net_csum(ip + 12, 8, 0);

	return net_csum_add(s, h->proto + l4_bytes);
}

static uint32_t ol_l4_csum_off(const struct ol_hdrs *h)
{
	return h->l4 + (h->proto == PROTO_UDP ? 6u : 16u);
}

/*
 * Prepares the copy f of the frame for the offloads asked for, as the stack
 * and ice_tx_csum/ice_tso do; fills the data descriptors' CMD and OFFSET
 * and, for TSO, the context descriptor's qword 1 (*ctx, else 0).
 */
static int ol_prepare(uint8_t *f, uint32_t len, const struct e810g_ol *ol, uint32_t *cmd,
		      uint32_t *offset, uint64_t *ctx)
{
	struct ol_hdrs h;
	bool tso = ol->mss != 0;
	uint32_t hdrlen;

	*cmd = *offset = 0;
	*ctx = 0;
	if (!tso && !ol->ip_csum && !ol->l4_csum)
		return 0;
	if (ol_parse(f, len, &h))
		return -EINVAL;
	if (h.v6 && ol->ip_csum)
		return -EINVAL; /* IPv6 has no header checksum */
	hdrlen = h.l4 + h.l4len;
	*offset = h.l3 / 2u | (h.l4 - h.l3) / 4u << 7 | h.l4len / 4u << 14;
	if (h.v6)
		*cmd |= E810_TXD_CMD_IIPT_IPV6;
	else if (ol->ip_csum || tso)
		*cmd |= E810_TXD_CMD_IIPT_IPV4_CSUM;
	else
		*cmd |= E810_TXD_CMD_IIPT_IPV4;
	if (tso) {
		uint64_t pay = len - hdrlen;

		if (!pay || pay > E810_TXC_TSO_LEN_M || ol->mss > E810_TXC_MSS_M)
			return -EINVAL;
		/* ice_tso: the lengths and the IPv4 checksum are the device's to fill in. */
		if (h.v6) {
			wr_be16(f + h.l3 + 4, 0);
		} else {
			wr_be16(f + h.l3 + 2, 0);
			wr_be16(f + h.l3 + 10, 0);
		}
		wr_be16(f + ol_l4_csum_off(&h), ol_pseudo(f, &h, 0));
		*ctx = E810_TXD_DTYPE_CTX | (uint64_t)E810_TXC_CMD_TSO << E810_TXC_CMD_S |
		       pay << E810_TXC_TSO_LEN_S | (uint64_t)ol->mss << E810_TXC_MSS_S;
	} else if (ol->l4_csum) {
		wr_be16(f + ol_l4_csum_off(&h), ol_pseudo(f, &h, len - h.l4));
	}
	if (tso || ol->l4_csum)
		*cmd |= h.proto == PROTO_UDP ? E810_TXD_CMD_L4T_UDP : E810_TXD_CMD_L4T_TCP;
	return 0;
}

/* Waits until every descriptor posted so far is done. */
static int ol_drain(struct e810g *g)
{
	uint64_t end = mono_ms() + E810G_TMO;

	for (;;) {
		e810g_tx_reclaim(g);
		if (g->q[0].tx_clean == g->q[0].tx_tail)
			return 0;
		if (mono_ms() > end)
			return -ETIMEDOUT;
		nap();
	}
}

int e810g_tx_offload(struct e810g *g, const void *frame, uint32_t len, const struct e810g_ol *ol)
{
	static const struct e810g_ol none;
	uint32_t bm, nd, cmd, offset, i, eop = 0;
	uint8_t *stage = e810g_ptr(g, E810G_TXBUF);
	volatile uint8_t *wb;
	uint64_t ctx, end;
	int rc;

	if (!ol)
		ol = &none;
	bm = ol->buf_max ? ol->buf_max : E810G_BUF_STRIDE;
	if (!g->q[0].tx_count || !len || len > E810G_OL_FRAME_MAX || bm > E810G_OL_BUF_MAX)
		return -EINVAL;
	nd = (len + bm - 1) / bm + (ol->mss ? 1u : 0u);
	if (nd > g->q[0].tx_count - 1)
		return -ENOSPC;
	rc = ol_drain(g);
	if (rc)
		return rc;
	memcpy(stage, frame, len);
	rc = ol_prepare(stage, len, ol, &cmd, &offset, &ctx);
	if (rc)
		return rc;
	i = g->q[0].tx_tail;
	if (ctx) {
		uint8_t *cd = e810g_ptr(g, E810G_TXRING + 16u * i);

		wr_le(cd, 0, 8);
		wr_le(cd + 8, ctx, 8);
		i = (i + 1) % g->q[0].tx_count;
	}
	for (uint32_t off = 0; off < len; off += bm) {
		uint8_t *td = e810g_ptr(g, E810G_TXRING + 16u * i);
		uint32_t n = len - off < bm ? len - off : bm, c = cmd;

		if (off + n == len)
			c |= E810_TXD_CMD_EOP | E810_TXD_CMD_RS;
		wr_le(td, e810g_gpa(E810G_TXBUF + off), 8);
		wr_le(td + 8, E810_TXD_DTYPE_DATA | (uint64_t)c << E810_TXD_CMD_S |
				      (uint64_t)offset << E810_TXD_OFFSET_S | (uint64_t)n << E810_TXD_BSZ_S,
		      8);
		eop = i;
		i = (i + 1) % g->q[0].tx_count;
	}
	g->q[0].tx_tail = i;
	g->cnt.tx_posted++;
	g->cnt.tx_doorbells++;
	e810g_doorbell(g, E810_QTX_COMM_DBELL(0), g->q[0].tx_tail);
	/* RS is on the last descriptor only: its write-back says the frame is done. */
	wb = e810g_ptr(g, E810G_TXRING + 16u * eop + E810_TXD_WB_BYTE);
	end = mono_ms() + E810G_TMO;
	while ((*wb & E810_TXD_DTYPE_M) != E810_TXD_DTYPE_DONE) {
		if (mono_ms() > end)
			return -ETIMEDOUT;
		nap();
	}
	*wb = (uint8_t)(*wb & ~E810_TXD_DTYPE_M);
	g->q[0].tx_clean = g->q[0].tx_tail;
	g->cnt.tx_done++;
	return 0;
}

uint32_t e810g_rx_take_desc(struct e810g *g, uint8_t *out, uint32_t cap, struct e810g_rxd *d)
{
	volatile uint8_t *rd = e810g_ptr(g, E810G_RXRING + 32u * g->q[0].rx_next);
	uint16_t s0 = (uint16_t)rd_le(rd + E810_RXD_WB_STATUS0, 2);

	if (!(s0 & E810_RXD_S0_DD))
		return 0;
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	*d = (struct e810g_rxd){
		.rxdid = rd[E810_RXD_WB_RXDID],
		.umb = rd[E810_RXD_WB_UMBCAST],
		.ptype = (uint16_t)(rd_le(rd + E810_RXD_WB_PTYPE, 2) & E810_RXD_PTYPE_M),
		.len = (uint16_t)(rd_le(rd + E810_RXD_WB_PKT_LEN, 2) & E810_RXD_PKT_LEN_M),
		.status0 = s0,
		.status1 = (uint16_t)rd_le(rd + E810_RXD_WB_STATUS1, 2),
		.l2tag1 = (uint16_t)rd_le(rd + E810_RXD_WB_L2TAG1, 2),
	};
	return e810g_rx_take(g, out, cap);
}
