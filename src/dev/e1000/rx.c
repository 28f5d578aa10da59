/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The e1000's receive side: address and VLAN filters, receive checksum
 * offload, and the delivery of a burst from the peer into the guest's RX ring.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/crc32.h"
#include "core/log.h"
#include "dev/e1000/e1000_dev.h"

/* Longest frames received, FCS included: 1522 without RCTL.LPE, 16384 with. */
#define E1K_RX_MAX_STD 1522u
#define E1K_RX_MAX_LPE 16384u

/* rx_space() while frames would only be dropped (receiver off, no link). */
#define E1K_RX_SPACE_OFF 64u

/* ==== receive filtering ====================================================== */

uint16_t e1k_mta_hash(const uint8_t addr[6], unsigned mo)
{
	/* The 12 bits are taken from the last two bytes, shifted by RCTL.MO. */
	static const unsigned shift[4] = { 4, 3, 2, 0 };
	uint16_t v = (uint16_t)(addr[4] | addr[5] << 8);

	return (uint16_t)((v >> shift[mo & 3]) & 0xfff);
}

static bool ra_match(const uint32_t *regs, const uint8_t *dst)
{
	/* RAL holds bytes 0-3 of the address, RAH bytes 4-5, little-endian. */
	uint32_t lo = get_le32(dst), hi = get_le16(dst + 4);

	for (unsigned i = 0; i < E1K_RA_ENTRIES; i++) {
		uint32_t ral = regs[E1K_RAL(i) / 4], rah = regs[E1K_RAH(i) / 4];

		/* Only destination-address entries (AS = 00b) take part. */
		if (!(rah & E1K_RAH_AV) || (rah & E1K_RAH_AS_MASK))
			continue;
		if (lo == ral && hi == (rah & 0xffffu))
			return true;
	}
	return false;
}

static bool vlan_pass(const uint32_t *regs, uint32_t rctl, uint16_t tci)
{
	uint16_t vid = tci & 0xfff;

	if (!(rctl & E1K_RCTL_VFE))
		return true;
	if ((rctl & E1K_RCTL_CFIEN) && !!(tci & 0x1000) != !!(rctl & E1K_RCTL_CFI))
		return false;
	return regs[E1K_VFTA / 4 + (vid >> 5)] & (1u << (vid & 31));
}

enum e1k_rx_verdict e1k_rx_filter(const uint32_t *regs, const uint8_t dst[6], bool tagged,
				  uint16_t tci, enum e1k_rx_class *cls)
{
	uint32_t rctl = regs[E1K_RCTL / 4];
	uint16_t h;

	if (get_le32(dst) == 0xffffffffu && get_le16(dst + 4) == 0xffffu)
		*cls = E1K_RX_BROADCAST;
	else if (dst[0] & 1)
		*cls = E1K_RX_MULTICAST;
	else
		*cls = E1K_RX_UNICAST;

	if (tagged && !vlan_pass(regs, rctl, tci))
		return E1K_RXF_DROP_VLAN;

	switch (*cls) {
	case E1K_RX_BROADCAST:
		if (rctl & (E1K_RCTL_BAM | E1K_RCTL_MPE))
			return E1K_RXF_ACCEPT;
		break;
	case E1K_RX_MULTICAST:
		if (rctl & E1K_RCTL_MPE)
			return E1K_RXF_ACCEPT;
		break;
	case E1K_RX_UNICAST:
		if (rctl & E1K_RCTL_UPE)
			return E1K_RXF_ACCEPT;
		break;
	}
	if (ra_match(regs, dst))
		return E1K_RXF_ACCEPT;
	if (*cls == E1K_RX_MULTICAST) {
		h = e1k_mta_hash(dst, (rctl & E1K_RCTL_MO_MASK) >> E1K_RCTL_MO_SHIFT);
		if (regs[E1K_MTA / 4 + (h >> 5)] & (1u << (h & 31)))
			return E1K_RXF_ACCEPT;
	}
	return E1K_RXF_DROP_ADDR;
}

/* ==== checksums ============================================================ */

uint16_t e1k_csum(const void *p, size_t len, uint16_t init)
{
	return net_csum(p, len, init);
}

uint32_t e1k_crc32(const void *p, size_t len)
{
	return crc32_eth(p, len);
}

static void rx_csum_l4(const uint8_t *l4, uint32_t l4len, uint16_t pseudo, unsigned proto,
		       uint8_t *status, uint8_t *errors)
{
	if (proto == IPPROTO_TCP_ && l4len < 20)
		return;
	if (proto == IPPROTO_UDP_ && l4len < 8)
		return;
	*status |= E1K_RXD_STAT_TCPCS;
	if (net_csum(l4, l4len, pseudo) != 0xffff)
		*errors |= E1K_RXD_ERR_TCPE;
}

static void rx_csum_v4(const uint8_t *ip, uint32_t len, uint32_t rxcsum, uint8_t *status,
		       uint8_t *errors)
{
	unsigned ihl, tot, proto;
	uint16_t pseudo;

	if (len < 20 || (ip[0] >> 4) != 4)
		return;
	ihl = (ip[0] & 0xfu) * 4;
	if (ihl < 20 || ihl > len)
		return;
	if (rxcsum & E1K_RXCSUM_IPOFL) {
		*status |= E1K_RXD_STAT_IPCS;
		if (net_csum(ip, ihl, 0) != 0xffff)
			*errors |= E1K_RXD_ERR_IPE;
	}
	tot = get_be16(ip + 2);
	proto = ip[9];
	/* Fragments and truncated datagrams carry no checkable L4 sum. */
	if (tot < ihl || tot > len || (get_be16(ip + 6) & 0x3fff))
		return;
	if (!(rxcsum & E1K_RXCSUM_TUOFL) || (proto != IPPROTO_TCP_ && proto != IPPROTO_UDP_))
		return;
	/* A zero UDP checksum over IPv4 means "none". */
	if (proto == IPPROTO_UDP_ && tot - ihl >= 8 && get_be16(ip + ihl + 6) == 0)
		return;
	pseudo = net_csum_add(net_csum(ip + 12, 8, 0), proto + (tot - ihl));
	rx_csum_l4(ip + ihl, tot - ihl, pseudo, proto, status, errors);
}

static void rx_csum_v6(const uint8_t *ip, uint32_t len, uint32_t rxcsum, uint8_t *status,
		       uint8_t *errors)
{
	unsigned plen, nh;
	uint16_t pseudo;

	if (len < 40 || (ip[0] >> 4) != 6 || !(rxcsum & E1K_RXCSUM_TUOFL))
		return;
	plen = get_be16(ip + 4);
	nh = ip[6];
	/* Only TCP/UDP right after the fixed header; extension headers are not walked. */
	if (40 + plen > len || (nh != IPPROTO_TCP_ && nh != IPPROTO_UDP_))
		return;
	pseudo = net_csum_add(net_csum(ip + 8, 32, 0), nh + plen);
	rx_csum_l4(ip + 40, plen, pseudo, nh, status, errors);
}

void e1k_rx_csum(const uint8_t *l3, uint32_t len, uint16_t ethertype, uint32_t rxcsum,
		 uint8_t *status, uint8_t *errors)
{
	if (!(rxcsum & (E1K_RXCSUM_IPOFL | E1K_RXCSUM_TUOFL))) {
		*status |= E1K_RXD_STAT_IXSM;
		return;
	}
	if (ethertype == ETHERTYPE_IPV4)
		rx_csum_v4(l3, len, rxcsum, status, errors);
	else if (ethertype == ETHERTYPE_IPV6)
		rx_csum_v6(l3, len, rxcsum, status, errors);
}

/* ==== rings ================================================================ */

uint32_t e1k_ring_count(uint32_t len_reg)
{
	if (len_reg == 0 || len_reg % E1K_RING_ALIGN || len_reg > 0xfff80u)
		return 0;
	return len_reg / E1K_DESC_SIZE;
}

uint32_t e1k_rx_bufsize(uint32_t rctl)
{
	static const uint32_t std[4] = { 2048, 1024, 512, 256 };
	/* BSEX multiplies by 16; its 00b encoding is reserved and taken as 2048. */
	static const uint32_t ext[4] = { 2048, 16384, 8192, 4096 };
	unsigned bs = (rctl & E1K_RCTL_BSIZE_MASK) >> E1K_RCTL_BSIZE_SHIFT;

	return (rctl & E1K_RCTL_BSEX) ? ext[bs] : std[bs];
}

static void stats_rx(struct e1000 *e, uint32_t wire, enum e1k_rx_class cls)
{
	stat_inc(e, E1K_GPRC);
	stat_inc(e, E1K_TPR);
	stat_add64(e, E1K_GORCL, wire);
	stat_add64(e, E1K_TORL, wire);
	stat_inc(e, size_bucket(wire, E1K_PRC64));
	if (cls == E1K_RX_BROADCAST)
		stat_inc(e, E1K_BPRC);
	else if (cls == E1K_RX_MULTICAST)
		stat_inc(e, E1K_MPRC);
}

/* ==== receive ================================================================== */

struct rx_ring {
	struct dring d;
	uint32_t head, tail, bufsize;
	/*
	 * Descriptors written back at the end of the burst: bytes 8..15
	 * (length, checksum, status with DD, errors, special) in one store.
	 */
	struct dring_rxwb wb;
};

/* A frame to write is a short list of pieces (net_sg): the packet, a tag, padding, the FCS. */
#define RX_MAX_SEGS 6

static bool rx_on(const struct e1000 *e)
{
	return (R(e, E1K_RCTL) & E1K_RCTL_EN) && e->link_up;
}

static bool rx_ring_get(const struct e1000 *e, struct rx_ring *r)
{
	dring_init(&r->d, e->pci, (uint64_t)R(e, E1K_RDBAH) << 32 | (R(e, E1K_RDBAL) & ~0xfu),
		   e1k_ring_count(R(e, E1K_RDLEN)), E1K_DESC_SIZE);
	r->head = R(e, E1K_RDH);
	r->tail = R(e, E1K_RDT);
	r->bufsize = e1k_rx_bufsize(R(e, E1K_RCTL));
	dring_rxwb_init(&r->wb, 8, 8, 8);
	return dring_ok(r->d.count, r->head, r->tail);
}

static uint32_t rx_max_frame(const struct e1000 *e)
{
	return (R(e, E1K_RCTL) & E1K_RCTL_LPE) ? E1K_RX_MAX_LPE : E1K_RX_MAX_STD;
}

/* Frames that fit for sure: free descriptors over those the longest frame needs. */
static uint32_t rx_room(const struct e1000 *e, const struct rx_ring *r)
{
	uint32_t per = (rx_max_frame(e) + r->bufsize - 1) / r->bufsize;

	return dring_used(r->head, r->tail, r->d.count) / per;
}

uint32_t e1k_port_rx_space(struct net_port *self, uint16_t queue)
{
	struct e1000 *e = self->priv;
	struct rx_ring r;
	uint32_t room;

	/* Not receiving: take frames and drop them, as a wire would. */
	if (!rx_on(e) || !rx_ring_get(e, &r))
		return E1K_RX_SPACE_OFF;
	room = rx_room(e, &r);
	if (!room)
		e->rx_starved = true;
	return room;
}

/* The guest gave us buffers (RDT), enabled the receiver, or the link came up. */
void e1k_rx_kick(struct e1000 *e)
{
	if (!e->rx_starved || !e1k_port_rx_space(&e->port, NET_QUEUE_ANY))
		return;
	e->rx_starved = false;
	net_port_wake_peer(&e->port);
}

/* Queues a descriptor's write-back (length, DD, ...) and moves RDH on. */
static void rx_desc_done(struct rx_ring *r, uint8_t *dp, uint32_t len, uint8_t errors,
			 uint16_t special, uint8_t stat)
{
	uint8_t *hi = dring_rxwb_slot(&r->wb);

	put_le16(hi, (uint16_t)len);
	put_le16(hi + 2, 0);
	hi[4] = (uint8_t)(E1K_RXD_STAT_DD | stat);
	hi[5] = errors;
	put_le16(hi + 6, special);
	dring_rxwb_push(&r->wb, dp);
	r->head = dring_next(&r->d, r->head);
}

/*
 * Writes total bytes from segs into the buffers of descriptors RDH.., one
 * buffer each, and writes each descriptor back (length, DD; EOP, status,
 * errors and the VLAN tag on the last). Returns -EFAULT when a descriptor lies
 * outside guest memory: the ring is unusable, the frame is lost.
 */

static int rx_write(struct e1000 *e, struct rx_ring *r, const struct net_sg *segs, unsigned nseg,
		    uint32_t total, uint8_t status, uint8_t errors, uint16_t special)
{
	uint32_t done = 0;
	struct net_sg_cur cur = { 0 };
	uint8_t err = 0;

	if (total <= r->bufsize) {
		/* The common case: one buffer, the pieces one after the other. */
		uint8_t *dp = dring_desc(&r->d, r->head, VFU_PROT_READ | VFU_PROT_WRITE);
		uint8_t *bp;

		if (!dp)
			goto bad_desc;
		bp = dring_dma_buf(&e->dma, get_le64(dp), total, VFU_PROT_WRITE);
		if (bp) {
			for (unsigned i = 0; i < nseg; i++) {
				memcpy(bp, segs[i].p, segs[i].len);
				bp += segs[i].len;
			}
		} else {
			e->cnt.rx_buf_dma++;
			err = 0x80; /* RXE */
			LOG_RL(LOG_LVL_WARN, COMP, "%s: RX buffer outside guest memory", e->name);
		}
		rx_desc_done(r, dp, total, (uint8_t)(errors | err), special,
			     (uint8_t)(E1K_RXD_STAT_EOP | status));
		return 0;
	}
	while (done < total) {
		uint8_t *dp = dring_desc(&r->d, r->head, VFU_PROT_READ | VFU_PROT_WRITE);
		uint32_t chunk = total - done < r->bufsize ? total - done : r->bufsize;
		uint8_t *bp;
		bool last;

		if (!dp)
			goto bad_desc;
		bp = dring_dma_buf(&e->dma, get_le64(dp), chunk, VFU_PROT_WRITE);
		if (!bp && !err) {
			/* Report a receive error; the driver drops the frame. */
			e->cnt.rx_buf_dma++;
			err = 0x80; /* RXE */
			LOG_RL(LOG_LVL_WARN, COMP, "%s: RX buffer outside guest memory", e->name);
		}
		net_sg_copy(segs, nseg, &cur, bp, chunk);
		done += chunk;
		last = done == total;
		rx_desc_done(r, dp, chunk, last ? (uint8_t)(errors | err) : err, last ? special : 0,
			     last ? (uint8_t)(E1K_RXD_STAT_EOP | status) : 0);
	}
	return 0;
bad_desc:
	e->cnt.rx_desc_dma++;
	LOG_RL(LOG_LVL_WARN, COMP, "%s: RX descriptor %u at %#llx outside guest memory", e->name,
	       r->head, (unsigned long long)dring_addr(&r->d, r->head));
	return -EFAULT;
}

static const uint8_t zeros[ETH_ZLEN];

/* One frame from the peer into the ring. 0 if written, else -errno (dropped). */
static int rx_one(struct e1000 *e, struct rx_ring *r, const struct pkt *p)
{
	const uint8_t *d = p->data;
	uint32_t len = p->len, wire, total, need, n = 0;
	bool tagged = false, in_data = false, strip;
	uint8_t tag[VLAN_HLEN], fcs[ETH_FCS_LEN], status = 0, errors = 0;
	struct net_sg segs[RX_MAX_SEGS];
	enum e1k_rx_class cls;
	enum e1k_rx_verdict v;
	uint16_t tci = 0, special = 0;
	unsigned l3;
	int rc;

	if (len < ETH_HLEN || len > PKT_DATA_MAX) {
		e->cnt.rx_drop_bad++;
		return -EINVAL;
	}
	if (p->flags & PKT_F_VLAN) {
		tagged = true;
		tci = p->vlan_tci;
	} else if (len >= ETH_HLEN + VLAN_HLEN && get_be16(d + 12) == (R(e, E1K_VET) & 0xffff)) {
		tagged = in_data = true;
		tci = get_be16(d + 14);
	}
	v = e1k_rx_filter(e->regs, d, tagged, tci, &cls);
	if (v != E1K_RXF_ACCEPT) {
		if (v == E1K_RXF_DROP_VLAN)
			e->cnt.rx_drop_vlan++;
		else
			e->cnt.rx_drop_addr++;
		return -EPERM;
	}
	/* Size on the wire, tag and FCS included: what LPE limits. */
	wire = len + (tagged && !in_data ? VLAN_HLEN : 0) + ETH_FCS_LEN;
	if (wire > rx_max_frame(e)) {
		stat_inc(e, E1K_ROC);
		e->cnt.rx_drop_long++;
		return -EMSGSIZE;
	}

	strip = tagged && (R(e, E1K_CTRL) & E1K_CTRL_VME);
	if (strip) {
		status |= E1K_RXD_STAT_VP;
		special = tci;
	}
	if (strip && in_data) {
		segs[n++] = (struct net_sg){ d, 2 * ETH_ALEN };
		segs[n++] = (struct net_sg){ d + 16, len - 16 };
	} else if (tagged && !in_data && !strip) {
		/* Tag beside the frame but not stripped: it goes into the buffer. */
		put_be16(tag, (uint16_t)(R(e, E1K_VET) & 0xffff));
		put_be16(tag + 2, tci);
		segs[n++] = (struct net_sg){ d, 2 * ETH_ALEN };
		segs[n++] = (struct net_sg){ tag, VLAN_HLEN };
		segs[n++] = (struct net_sg){ d + 2 * ETH_ALEN, len - 2 * ETH_ALEN };
	} else {
		segs[n++] = (struct net_sg){ d, len };
	}
	total = 0;
	for (unsigned i = 0; i < n; i++)
		total += segs[i].len;
	if (total < ETH_ZLEN) {
		/* Short frames arrive padded on a real wire. */
		segs[n++] = (struct net_sg){ zeros, ETH_ZLEN - total };
		total = ETH_ZLEN;
	}
	if (!(R(e, E1K_RCTL) & E1K_RCTL_SECRC)) {
		uint32_t crc = 0xffffffffu;

		for (unsigned i = 0; i < n; i++)
			crc = crc32_eth_update(crc, segs[i].p, segs[i].len);
		crc = ~crc;
		fcs[0] = (uint8_t)crc;
		fcs[1] = (uint8_t)(crc >> 8);
		fcs[2] = (uint8_t)(crc >> 16);
		fcs[3] = (uint8_t)(crc >> 24);
		segs[n++] = (struct net_sg){ fcs, ETH_FCS_LEN };
		total += ETH_FCS_LEN;
	}

	need = (total + r->bufsize - 1) / r->bufsize;
	if (need > dring_used(r->head, r->tail, r->d.count)) {
		stat_inc(e, E1K_MPC);
		stat_inc(e, E1K_RNBC);
		e->cnt.rx_drop_nodesc++;
		e->rx_starved = true;
		return -ENOSPC;
	}

	l3 = ETH_HLEN + (in_data ? VLAN_HLEN : 0);
	e1k_rx_csum(d + l3, len - l3, get_be16(d + l3 - 2), R(e, E1K_RXCSUM), &status, &errors);
	rc = rx_write(e, r, segs, n, total, status, errors, special);
	if (rc)
		return rc;
	stats_rx(e, wire, cls);
	e->cnt.rx_pkts++;
	e->cnt.rx_bytes += len;
	return 0;
}

static void rx_done(struct e1000 *e, const struct rx_ring *r, uint32_t written, bool overrun)
{
	uint32_t causes = overrun ? E1K_ICR_RXO : 0;
	unsigned rdmts = (R(e, E1K_RCTL) & E1K_RCTL_RDMTS_MASK) >> E1K_RCTL_RDMTS_SHIFT;

	R(e, E1K_RDH) = r->head;
	if (e->db)
		e1k_db_write(e->db, E1K_RDH, r->head);
	if (written) {
		/* Few buffers left: ask the driver for more (RDMTS: 1/2, 1/4, 1/8). */
		if (dring_used(r->head, r->tail, r->d.count) <= r->d.count >> (rdmts + 1))
			causes |= E1K_ICR_RXDMT0;
		e1k_set_cause_delayed(e, E1K_ICR_RXT0, R(e, E1K_RDTR), R(e, E1K_RADV));
	}
	if (causes)
		e1k_set_cause(e, causes);
}

uint16_t e1k_port_deliver(struct net_port *self, uint16_t queue, struct pkt **pkts, uint16_t n)
{
	struct e1000 *e = self->priv;
	struct rx_ring r;
	uint32_t written = 0;
	uint64_t bytes = 0;
	bool on = rx_on(e), ring = on && rx_ring_get(e, &r), usable = ring, overrun = false;

	if (on && !ring) {
		e->cnt.rx_ring_err += n;
		LOG_RL(LOG_LVL_WARN, COMP, "%s: RX ring unusable (RDLEN %#x RDH %u RDT %u)", e->name,
		       R(e, E1K_RDLEN), R(e, E1K_RDH), R(e, E1K_RDT));
	}
	dring_dma_reset(&e->dma);
	if (ring) {
		/* One translation for the burst, and its descriptors fetched ahead. */
		dring_map(&r.d);
		dring_prefetch(&r.d, r.head, n < E1K_TX_PREFETCH ? n : E1K_TX_PREFETCH);
	}
	for (uint16_t i = 0; i < n; i++) {
		int rc;

		if (!ring) {
			if (!on)
				e->cnt.rx_drop_off++;
			else if (usable)
				e->cnt.rx_ring_err++; /* after a descriptor fault */
			continue;
		}
		rc = rx_one(e, &r, pkts[i]);
		if (rc == 0) {
			written++;
			bytes += pkts[i]->len;
		} else if (rc == -ENOSPC) {
			overrun = true;
		} else if (rc == -EFAULT) {
			ring = false;
		}
	}
	if (usable) {
		dring_rxwb_flush(&r.wb);
		rx_done(e, &r, written, overrun);
	}
	dring_dma_reset(&e->dma);
	pkt_free_bulk(pkts, n);
	self->stats.rx_pkts += written;
	self->stats.rx_bytes += bytes;
	self->stats.rx_drops += n - written;
	return (uint16_t)written;
}
