/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The E810's RX queues: the queue context, the tail, and the delivery of a
 * burst into the ring as 32-byte flex NIC (RXDID 2) write-backs. See lan.h.
 */
#include <errno.h>
#include <string.h>

#include "core/crc32.h"
#include "dev/e810/flex.h"
#include "dev/e810/lan.h"
#include "dev/e810/lan_desc.h"
#include "dev/e810/lan_priv.h"
#include "net/csum.h"
#include "net/sg.h"

/* ==== the queue context ======================================================== */

#define F(field) lan_bits(dw, field)

int e810_rxq_ctx_decode(const uint32_t dw[8], struct e810_rxq_ctx *c)
{
	*c = (struct e810_rxq_ctx){
		.head = (uint16_t)F(E810_RCTX_HEAD),
		.cpuid = (uint8_t)F(E810_RCTX_CPUID),
		.base = F(E810_RCTX_BASE) << E810_RCTX_BASE_SHIFT,
		.qlen = (uint16_t)F(E810_RCTX_QLEN),
		.dbuf = (uint32_t)F(E810_RCTX_DBUF) << E810_RCTX_DBUF_SHIFT,
		.hbuf = (uint32_t)F(E810_RCTX_HBUF) << E810_RCTX_HBUF_SHIFT,
		.dtype = (uint8_t)F(E810_RCTX_DTYPE),
		.dsize = (uint8_t)F(E810_RCTX_DSIZE),
		.crcstrip = F(E810_RCTX_CRCSTRIP),
		.l2tsel = F(E810_RCTX_L2TSEL),
		.hsplit0 = (uint8_t)F(E810_RCTX_HSPLIT0),
		.hsplit1 = (uint8_t)F(E810_RCTX_HSPLIT1),
		.showiv = F(E810_RCTX_SHOWIV),
		.rxmax = (uint32_t)F(E810_RCTX_RXMAX),
		.tphrdesc = F(E810_RCTX_TPHRDESC),
		.tphwdesc = F(E810_RCTX_TPHWDESC),
		.tphdata = F(E810_RCTX_TPHDATA),
		.tphhead = F(E810_RCTX_TPHHEAD),
		.lrxqthresh = (uint8_t)F(E810_RCTX_LRXQTHRESH),
		.prefena = F(E810_RCTX_PREFENA),
	};
	if (c->qlen < E810_LAN_RING_MIN)
		return -E810_RXQ_CTX_QLEN;
	if (c->head >= c->qlen)
		return -E810_RXQ_CTX_HEAD;
	if (c->dtype || c->hsplit0 || c->hsplit1)
		return -E810_RXQ_CTX_SPLIT;
	if (c->dsize != 1)
		return -E810_RXQ_CTX_DSIZE;
	/* No data buffer size: a descriptor-only ring (programming status), rxmax unused. */
	if (c->dbuf && (c->rxmax < E810_RX_MIN_FRAME || c->rxmax > E810_RX_MAX_CHAIN * c->dbuf))
		return -E810_RXQ_CTX_RXMAX;
	if (c->base > UINT64_MAX - (uint64_t)c->qlen * E810_RXD_SIZE)
		return -E810_RXQ_CTX_BASE;
	return 0;
}

#undef F

void e810_rxq_init(struct e810_rxq *q, struct pci_dev *pci)
{
	memset(q, 0, sizeof(*q));
	q->pci = pci;
	q->dma.pci = pci;
	q->opts.csum = true;
	q->opts.vlan_strip = true;
}

int e810_rxq_set_ctx(struct e810_rxq *q, const uint32_t dw[8])
{
	int rc = e810_rxq_ctx_decode(dw, &q->ctx);

	q->ctx_ok = rc == 0;
	if (rc) {
		q->st.ctx_bad++;
		q->enabled = false;
		return rc;
	}
	q->head = q->ctx.head;
	q->tail = q->ctx.head; /* no buffers until the driver writes the tail */
	return 0;
}

bool e810_rxq_enable(struct e810_rxq *q, bool on)
{
	q->enabled = on && q->ctx_ok;
	return q->enabled;
}

bool e810_rxq_set_tail(struct e810_rxq *q, uint32_t tail)
{
	tail &= ~7u;
	if (!q->ctx_ok || tail >= q->ctx.qlen) {
		q->st.tail_oor++;
		LOG_RL(LOG_LVL_WARN, LAN_COMP, "RX tail %u outside the ring (%u descriptors): ignored",
		       tail, q->ctx_ok ? q->ctx.qlen : 0);
		return false;
	}
	q->tail = tail;
	return true;
}

static uint32_t rx_free(const struct e810_rxq *q)
{
	return dring_used(q->head, q->tail, q->ctx.qlen);
}

uint32_t e810_rxq_space(const struct e810_rxq *q)
{
	uint32_t per;

	if (!q->enabled || !q->ctx.dbuf)
		return 0;
	per = (q->ctx.rxmax + q->ctx.dbuf - 1) / q->ctx.dbuf;
	return rx_free(q) / per;
}

/* ==== what the descriptor says about a frame ==================================== */

struct rx_info {
	uint16_t ptype;
	uint16_t status0;   /* L3L4P, IPE, L4E */
	uint8_t umb;
};

static bool csum_l4_ok(const uint8_t *l4, uint32_t len, uint16_t pseudo, unsigned proto)
{
	if (proto == LAN_IPPROTO_TCP && len < 20)
		return true; /* nothing to check: not counted as an error */
	if (proto == LAN_IPPROTO_UDP && len < 8)
		return true;
	return net_csum(l4, len, pseudo) == 0xffff;
}

/* Checksum status of an IPv4 packet (ri->ptype already set). */
static void rx_v4(const uint8_t *ip, uint32_t len, bool check, struct rx_info *ri)
{
	unsigned ihl, tot, proto;

	if (len < 20 || (ip[0] >> 4) != 4)
		return;
	ihl = (ip[0] & 0xfu) * 4u;
	if (ihl < 20 || ihl > len)
		return;
	tot = lan_be16(ip + 2);
	proto = ip[9];
	if (!check || tot < ihl || tot > len)
		return;
	ri->status0 |= E810_RXD_S0_L3L4P;
	if (net_csum(ip, ihl, 0) != 0xffff)
		ri->status0 |= E810_RXD_S0_IPE;
	if (ri->ptype != E810_PTYPE_IPV4_TCP && ri->ptype != E810_PTYPE_IPV4_UDP)
		return;
	/* A zero UDP checksum over IPv4 means "none". */
	if (proto == LAN_IPPROTO_UDP && tot - ihl >= 8 && lan_be16(ip + ihl + 6) == 0)
		return;
	if (!csum_l4_ok(ip + ihl, tot - ihl,
			net_csum_add(net_csum(ip + 12, 8, 0), proto + (tot - ihl)), proto))
		ri->status0 |= E810_RXD_S0_L4E;
}

/* Checksum status of an IPv6 packet. */
static void rx_v6(const uint8_t *ip, uint32_t len, bool check, struct rx_info *ri)
{
	unsigned plen, nh;

	if (len < 40 || (ip[0] >> 4) != 6)
		return;
	plen = lan_be16(ip + 4);
	nh = ip[6];
	/* Only an L4 header right after the fixed header; extension headers are not walked. */
	if (!check || 40 + plen > len)
		return;
	ri->status0 |= E810_RXD_S0_L3L4P;
	if (nh != LAN_IPPROTO_TCP && nh != LAN_IPPROTO_UDP)
		return;
	if (!csum_l4_ok(ip + 40, plen, net_csum_add(net_csum(ip + 8, 32, 0), nh + plen), nh))
		ri->status0 |= E810_RXD_S0_L4E;
}

/* Packet type and checksum status of the frame at d (tags in the data skipped). */
static void rx_classify(const uint8_t *d, uint32_t len, bool check, struct rx_info *ri)
{
	uint32_t l3 = 12;
	uint16_t et;

	ri->status0 = 0;
	/* The packet type as the flow director sees it too (flex.c). */
	ri->ptype = (uint16_t)e810_frame_ptype(d, len);
	if (!(d[0] & 1))
		ri->umb = E810_RXD_UMB_UNICAST;
	else if (lan_be16(d) == 0xffff && lan_be16(d + 2) == 0xffff && lan_be16(d + 4) == 0xffff)
		ri->umb = E810_RXD_UMB_BROADCAST;
	else
		ri->umb = E810_RXD_UMB_MULTICAST;
	et = lan_be16(d + l3);
	for (unsigned tags = 0; tags < 2 && (et == LAN_ETH_P_8021Q || et == LAN_ETH_P_8021AD) &&
				l3 + 6 <= len; tags++) {
		l3 += LAN_VLAN_HLEN;
		et = lan_be16(d + l3);
	}
	l3 += 2;
	if (et == LAN_ETH_P_IPV4)
		rx_v4(d + l3, len - l3, check, ri);
	else if (et == LAN_ETH_P_IPV6)
		rx_v6(d + l3, len - l3, check, ri);
}

/* Completes the checksums a sender left to us (PKT_F_OL without TSO). */
static void rx_ol(struct e810_rxq *q, struct pkt *p)
{
	const struct pkt_offload *o = &p->ol;
	uint32_t l3 = o->l2_len;

	if ((o->flags & PKT_OL_IP_CSUM) && !(o->flags & PKT_OL_IPV6) && l3 + 12 <= p->len &&
	    o->l3_len >= 20) {
		lan_put_be16(p->data + l3 + 10, 0);
		if (net_csum_insert(p->data, p->len, l3, l3 + 10, l3 + o->l3_len - 1u, false))
			q->st.ol_done++;
	}
	if ((o->flags & PKT_OL_L4_CSUM) &&
	    net_csum_insert(p->data, p->len, o->csum_start,
			    (uint32_t)o->csum_start + o->csum_offset, 0, o->flags & PKT_OL_UDP))
		q->st.ol_done++;
}

/* ==== delivery ==================================================================== */

#define RX_MAX_SEGS 5

struct rx_burst {
	struct dring d;
	struct dring_rxwb wb;
	bool dead;          /* a descriptor fault: the rest of the burst is dropped */
};

/*
 * Writes the pieces into buffers head.., one buffer per descriptor, and
 * stages each write-back (status, length; EOF and the frame's fields on the
 * last). -EFAULT when a descriptor lies outside guest memory.
 */
static int rx_write(struct e810_rxq *q, struct rx_burst *b, const struct net_sg *segs,
		    unsigned nseg, uint32_t total, const struct rx_info *ri, const struct pkt *p,
		    bool tagged, uint16_t tci)
{
	struct net_sg_cur cur = { 0 };
	uint32_t done = 0, need = (total + q->ctx.dbuf - 1) / q->ctx.dbuf, h = q->head;
	uint8_t *dps[E810_RX_MAX_CHAIN];
	bool bad_buf = false;

	/* Every descriptor of the frame first: a fault leaves no half frame in the ring. */
	for (uint32_t k = 0; k < need; k++) {
		dps[k] = dring_desc(&b->d, h, VFU_PROT_READ | VFU_PROT_WRITE);
		if (!dps[k]) {
			q->st.desc_dma++;
			LOG_RL(LOG_LVL_WARN, LAN_COMP,
			       "RX descriptor %u at %#llx outside guest memory: the burst is dropped", h,
			       (unsigned long long)dring_addr(&b->d, h));
			return -EFAULT;
		}
		h = dring_next(&b->d, h);
	}
	for (uint32_t k = 0; done < total; k++) {
		uint32_t chunk = total - done < q->ctx.dbuf ? total - done : q->ctx.dbuf;
		uint8_t *dp = dps[k];
		uint8_t *bp, *s;
		uint16_t st0 = E810_RXD_S0_DD;
		bool last;

		bp = dring_dma_buf(&q->dma, lan_le64(dp + E810_RXD_PKT_ADDR), chunk,
				   VFU_PROT_WRITE);
		if (!bp && !bad_buf) {
			bad_buf = true;
			q->st.buf_dma++;
			LOG_RL(LOG_LVL_WARN, LAN_COMP,
			       "RX buffer at %#llx outside guest memory: frame written back with RXE",
			       (unsigned long long)lan_le64(dp + E810_RXD_PKT_ADDR));
		}
		net_sg_copy(segs, nseg, &cur, bp, chunk);
		done += chunk;
		last = done == total;
		s = dring_rxwb_slot(&b->wb);
		memset(s, 0, E810_RXD_SIZE);
		s[E810_RXD_WB_RXDID] = E810_RXDID_FLEX_NIC;
		s[E810_RXD_WB_UMBCAST] = ri->umb;
		lan_put_le16(s + E810_RXD_WB_PTYPE, ri->ptype);
		lan_put_le16(s + E810_RXD_WB_PKT_LEN, (uint16_t)chunk);
		if (last) {
			st0 |= E810_RXD_S0_EOF | ri->status0;
			if (bad_buf)
				st0 |= E810_RXD_S0_RXE;
			if (p->flags & PKT_F_RSS) {
				st0 |= E810_RXD_S0_RSS_VALID;
				lan_put_le32(s + E810_RXD_WB_RSS_HASH, p->rss_hash);
			}
			if (tagged && q->ctx.l2tsel) {
				st0 |= E810_RXD_S0_L2TAG1P;
				lan_put_le16(s + E810_RXD_WB_L2TAG1, tci);
			} else if (tagged) {
				lan_put_le16(s + E810_RXD_WB_STATUS1, E810_RXD_S1_L2TAG2P);
				lan_put_le16(s + E810_RXD_WB_L2TAG2_2ND, tci);
			}
		}
		lan_put_le16(s + E810_RXD_WB_STATUS0, st0);
		dring_rxwb_push(&b->wb, dp);
		q->head = dring_next(&b->d, q->head);
		q->st.descs++;
	}
	return 0;
}

/* One pkt into the ring: 0, or -errno (dropped and counted). */
static int rx_one(struct e810_rxq *q, struct rx_burst *b, struct pkt *p)
{
	const uint8_t *d = p->data;
	uint32_t len = p->len, total = 0, need;
	struct net_sg segs[RX_MAX_SEGS];
	uint8_t tag[LAN_VLAN_HLEN], fcs[4];
	struct rx_info ri;
	bool strip_desc = false, in_data;
	uint16_t tci = 0;
	unsigned n = 0;

	if (len < LAN_ETH_HLEN || len > PKT_DATA_MAX) {
		q->st.drop_bad++;
		return -EINVAL;
	}
	if (p->flags & PKT_F_OL) {
		if (p->ol.flags & PKT_OL_TSO) {
			q->st.drop_tso++;
			return -EOPNOTSUPP;
		}
		rx_ol(q, p);
	}
	in_data = len >= LAN_ETH_HLEN + LAN_VLAN_HLEN && lan_be16(d + 12) == LAN_ETH_P_8021Q;
	if (p->flags & PKT_F_VLAN) {
		tci = p->vlan_tci;
		if (q->opts.vlan_strip) {
			strip_desc = true;
			segs[n++] = (struct net_sg){ d, len };
		} else {
			/* The tag travels beside the frame and is not stripped: into the buffer. */
			lan_put_be16(tag, LAN_ETH_P_8021Q);
			lan_put_be16(tag + 2, tci);
			segs[n++] = (struct net_sg){ d, 12 };
			segs[n++] = (struct net_sg){ tag, LAN_VLAN_HLEN };
			segs[n++] = (struct net_sg){ d + 12, len - 12 };
		}
	} else if (in_data && q->opts.vlan_strip) {
		strip_desc = true;
		tci = lan_be16(d + 14);
		segs[n++] = (struct net_sg){ d, 12 };
		segs[n++] = (struct net_sg){ d + 16, len - 16 };
	} else {
		segs[n++] = (struct net_sg){ d, len };
	}
	for (unsigned i = 0; i < n; i++)
		total += segs[i].len;
	if (!q->ctx.crcstrip) {
		uint32_t crc = 0xffffffffu;

		for (unsigned i = 0; i < n; i++)
			crc = crc32_eth_update(crc, segs[i].p, segs[i].len);
		lan_put_le32(fcs, ~crc);
		segs[n++] = (struct net_sg){ fcs, 4 };
		total += 4;
	}
	/* rxmax bounds what lands in the buffers (the chain of at most 5). */
	if (total > q->ctx.rxmax) {
		q->st.drop_long++;
		return -EMSGSIZE;
	}
	need = (total + q->ctx.dbuf - 1) / q->ctx.dbuf;
	if (need > rx_free(q)) {
		q->st.drop_nodesc++;
		return -ENOSPC;
	}
	rx_classify(d, len, q->opts.csum, &ri);
	if (ri.status0 & (E810_RXD_S0_IPE | E810_RXD_S0_L4E))
		q->st.csum_bad++;
	return rx_write(q, b, segs, n, total, &ri, p, strip_desc, tci);
}

uint16_t e810_rxq_deliver(struct e810_rxq *q, struct pkt **pkts, uint16_t n)
{
	struct rx_burst b;
	uint16_t written = 0;

	if (!q->enabled || !q->ctx.dbuf) {
		q->st.drop_off += n;
		pkt_free_bulk(pkts, n);
		return 0;
	}
	dring_init(&b.d, q->pci, q->ctx.base, q->ctx.qlen, E810_RXD_SIZE);
	dring_map(&b.d);
	dring_prefetch(&b.d, q->head, n < rx_free(q) ? n : rx_free(q));
	dring_rxwb_init(&b.wb, 0, E810_RXD_SIZE, E810_RXD_WB_DD_QWORD);
	b.dead = false;
	dring_dma_reset(&q->dma);
	for (uint16_t i = 0; i < n; i++) {
		int rc;

		if (b.dead) {
			q->st.drop_off++;
			continue;
		}
		rc = rx_one(q, &b, pkts[i]);
		if (rc == 0) {
			written++;
			q->st.pkts++;
			q->st.bytes += pkts[i]->len;
			e810_frame_classify(&q->st.cls, pkts[i]->data, pkts[i]->len);
		} else if (rc == -EFAULT) {
			b.dead = true;
		}
	}
	/* The buffers and descriptors first, each DD qword last (dring_rxwb_flush). */
	dring_rxwb_flush(&b.wb);
	dring_dma_reset(&q->dma);
	pkt_free_bulk(pkts, n);
	return written;
}

bool e810_rxq_post_status(struct e810_rxq *q, const uint8_t wb[E810_RXD_SIZE])
{
	struct dring d;
	uint8_t *dp;

	if (!q->enabled || !rx_free(q)) {
		q->st.status_drop++;
		return false;
	}
	dring_init(&d, q->pci, q->ctx.base, q->ctx.qlen, E810_RXD_SIZE);
	dp = dring_desc(&d, q->head, VFU_PROT_READ | VFU_PROT_WRITE);
	if (!dp) {
		q->st.desc_dma++;
		LOG_RL(LOG_LVL_WARN, LAN_COMP,
		       "RX descriptor %u at %#llx outside guest memory: programming status lost",
		       q->head, (unsigned long long)dring_addr(&d, q->head));
		return false;
	}
	/* The DD qword last, as for frames. */
	memcpy(dp, wb, E810_RXD_WB_DD_QWORD);
	memcpy(dp + E810_RXD_WB_DD_QWORD + 8, wb + E810_RXD_WB_DD_QWORD + 8,
	       E810_RXD_SIZE - E810_RXD_WB_DD_QWORD - 8);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	memcpy(dp + E810_RXD_WB_DD_QWORD, wb + E810_RXD_WB_DD_QWORD, 8);
	q->head = dring_next(&d, q->head);
	q->st.descs++;
	q->st.status++;
	return true;
}
