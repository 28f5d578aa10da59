/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * e1000-emu: an emulated Intel 82540EM (PRO/1000 MT Desktop) for Linux's
 * unmodified e1000 driver.
 *
 * Everything runs on the thread of the loop the instance was created on:
 * register accesses arrive as BAR callbacks from the PCI layer, frames from
 * the peer port through deliver(). Guest memory is only touched through
 * pci_dma_ptr() and never remembered across a return to the loop (a
 * DMA_UNMAP may come in between). Descriptors are copied out before they are
 * looked at, so a guest rewriting them under our feet changes nothing.
 *
 * The data path (TX descriptor walk, RX ring fill) allocates nothing and logs
 * nothing per packet: problems are counted (per-reason counters shown by
 * dump_stats) and logged rate-limited.
 */
#include <endian.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "core/crc32.h"
#include "core/log.h"
#include "core/loop.h"
#include "dev/dev.h"
#include "dev/e1000/e1000_priv.h"
#include "dev/e1000/e1000_regs.h"
#include "net/pkt.h"
#include "net/port.h"
#include "pci/pci.h"

#define COMP "e1000"

extern const struct dev_model e1000_model;

#define ETH_ALEN 6u
#define ETH_HLEN 14u
#define ETH_ZLEN 60u    /* shortest frame without FCS; shorter ones are padded on receive */
#define ETH_FCS_LEN 4u
#define VLAN_HLEN 4u
#define ETHERTYPE_IPV4 0x0800u
#define ETHERTYPE_IPV6 0x86ddu
#define IPPROTO_TCP_ 6u
#define IPPROTO_UDP_ 17u
#define TCP_FLAG_FIN 0x01u
#define TCP_FLAG_PSH 0x08u

/* Longest frames received, FCS included: 1522 without RCTL.LPE, 16384 with. */
#define E1K_RX_MAX_STD 1522u
#define E1K_RX_MAX_LPE 16384u

#define E1K_TX_BURST 64u
#define E1K_TX_PREFETCH 16u /* descriptors read ahead in a TX walk */
/*
 * Descriptors written back together, TX and RX. The guest polls the next
 * descriptor's DD bit from another CPU: writing each back as it is done hands
 * the line to that CPU and takes it back for the next descriptor, four times
 * per line; written in one go, the line crosses once (bench/handoff.c
 * measures both).
 */
#define E1K_WB_BATCH 32u
#define E1K_POOL_PKTS 512u
/* rx_space() while frames would only be dropped (receiver off, no link). */
#define E1K_RX_SPACE_OFF 64u

/* ---- little helpers ------------------------------------------------------- */

static inline uint16_t get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Unaligned little-endian access: one load or store each. */
static inline uint16_t get_le16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return le16toh(v);
}

static inline uint32_t get_le32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return le32toh(v);
}

static inline uint64_t get_le64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return le64toh(v);
}

static inline void put_le16(uint8_t *p, uint16_t v)
{
	v = htole16(v);
	memcpy(p, &v, sizeof(v));
}

/* One's complement addition of a (possibly wide) value to a 16-bit sum. */
static inline uint16_t oc_add(uint16_t sum, uint32_t v)
{
	uint64_t s = (uint64_t)sum + v;

	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* ==== EEPROM =============================================================== */

void e1k_eeprom_build(uint16_t ee[E1K_EEPROM_WORDS], const uint8_t mac[6])
{
	for (unsigned i = 0; i < E1K_EEPROM_WORDS; i++)
		ee[i] = 0xffff; /* unprogrammed */
	/* Words 0-2: the Ethernet address, low byte first. */
	ee[0] = (uint16_t)(mac[0] | mac[1] << 8);
	ee[1] = (uint16_t)(mac[2] | mac[3] << 8);
	ee[2] = (uint16_t)(mac[4] | mac[5] << 8);
	ee[0x03] = 0x0000; /* compatibility: nothing special */
	ee[0x05] = 0x0000; /* image version */
	ee[0x08] = 0x0000; /* PBA number */
	ee[0x09] = 0x0000;
	/* Initialization control 1: valid signature (bits 15:14 = 01b), load IDs. */
	ee[0x0a] = 0x4003;
	ee[0x0b] = E1K_PCI_SUBSYS;
	ee[0x0c] = E1K_PCI_SUBSYS_VENDOR;
	ee[0x0d] = E1K_PCI_DEVICE;
	ee[0x0e] = E1K_PCI_VENDOR;
	/* Initialization control 2: advertise symmetric and asymmetric PAUSE. */
	ee[0x0f] = 0x3000;
	/* Initialization control 3 (port A): no APM wake-up. */
	ee[0x24] = 0x0000;
	ee[E1K_EEPROM_CSUM_WORD] = 0;
	ee[E1K_EEPROM_CSUM_WORD] = (uint16_t)(E1K_EEPROM_SUM - e1k_eeprom_sum(ee));
}

uint16_t e1k_eeprom_sum(const uint16_t ee[E1K_EEPROM_WORDS])
{
	uint16_t s = 0;

	for (unsigned i = 0; i < E1K_EEPROM_WORDS; i++)
		s = (uint16_t)(s + ee[i]);
	return s;
}

void e1k_mw_reset(struct e1k_mw *m)
{
	memset(m, 0, sizeof(*m));
}

/* Drops any command in progress (CS went low or rose again); keeps the pins. */
static void mw_idle(struct e1k_mw *m)
{
	uint32_t pins = m->pins;

	e1k_mw_reset(m);
	m->pins = pins;
}

/* One rising SK edge with CS high; di is the data-in pin. */
static void mw_clock(struct e1k_mw *m, const uint16_t *ee, bool di)
{
	unsigned op;

	if (m->ignore)
		return;
	if (m->reading) {
		m->dout = (ee[m->addr] >> (15 - m->bit)) & 1;
		if (++m->bit == 16) {
			/* Sequential read: the next word follows without a new command. */
			m->bit = 0;
			m->addr = (uint8_t)((m->addr + 1) % E1K_EEPROM_WORDS);
		}
		return;
	}
	if (!m->started) {
		/* Leading zeros before the start bit are ignored. */
		m->started = di;
		return;
	}
	m->shift = (uint16_t)(m->shift << 1 | di);
	if (++m->nbits < 2 + 6)
		return;
	op = (m->shift >> 6) & 3;
	if (op == 2) { /* READ */
		m->reading = true;
		m->addr = m->shift & 0x3f;
		m->bit = 0;
		m->dout = false; /* the dummy zero before the data */
	} else {
		/* WRITE, ERASE, EWEN/EWDS...: the EEPROM is read-only here. */
		m->ignore = true;
	}
}

void e1k_mw_write(struct e1k_mw *m, const uint16_t ee[E1K_EEPROM_WORDS], uint32_t eecd)
{
	uint32_t old = m->pins;
	uint32_t pins = eecd & E1K_EECD_WRITABLE;

	m->pins = pins;
	if (!(pins & E1K_EECD_CS)) {
		mw_idle(m);
		return;
	}
	if (!(old & E1K_EECD_CS))
		mw_idle(m); /* chip select: a new command starts */
	if ((pins & E1K_EECD_SK) && !(old & E1K_EECD_SK))
		mw_clock(m, ee, pins & E1K_EECD_DI);
}

uint32_t e1k_mw_read(const struct e1k_mw *m)
{
	uint32_t v = m->pins | E1K_EECD_PRES;

	/* The EEPROM is never busy: a request is granted at once. */
	if (m->pins & E1K_EECD_REQ)
		v |= E1K_EECD_GNT;
	if (m->dout)
		v |= E1K_EECD_DO;
	return v;
}

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

/*
 * One's complement sum of a byte string read as host-order 64-bit words with
 * end-around carry; folded to 16 bits it equals the 16-bit sum of the same
 * bytes read in host order (RFC 1071), which a byte swap turns into the sum
 * of big-endian words on a little-endian host.
 */
static uint64_t sum_words(const uint8_t *p, size_t len)
{
	uint64_t s = 0, v;

	while (len >= 8) {
		memcpy(&v, p, 8);
		s += v;
		s += (s < v);
		p += 8;
		len -= 8;
	}
	if (len) {
		v = 0;
		memcpy(&v, p, len);
		s += v;
		s += (s < v);
	}
	return s;
}

static uint16_t fold64(uint64_t s)
{
	s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

uint16_t e1k_csum(const void *p, size_t len, uint16_t init)
{
	uint16_t s = fold64(sum_words(p, len));

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	s = (uint16_t)(s >> 8 | s << 8);
#endif
	return oc_add(s, init);
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
	if (e1k_csum(l4, l4len, pseudo) != 0xffff)
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
		if (e1k_csum(ip, ihl, 0) != 0xffff)
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
	pseudo = oc_add(e1k_csum(ip + 12, 8, 0), proto + (tot - ihl));
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
	pseudo = oc_add(e1k_csum(ip + 8, 32, 0), nh + plen);
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

/* ==== transmit offloads ====================================================== */

void e1k_txctx_parse(struct e1k_txctx *c, const uint8_t d[E1K_DESC_SIZE])
{
	uint32_t cl = get_le32(d + 8);

	c->ipcss = d[0];
	c->ipcso = d[1];
	c->ipcse = get_le16(d + 2);
	c->tucss = d[4];
	c->tucso = d[5];
	c->tucse = get_le16(d + 6);
	c->paylen = cl & E1K_TXD_LEN_MASK;
	c->tucmd = cl & 0xff000000u;
	c->hdrlen = d[13];
	c->mss = get_le16(d + 14);
}

/*
 * Sums frame[css..cse] (cse 0: to the end) and stores the complement at cso.
 * The field's old content is part of the sum: that is how software hands in
 * the pseudo-header sum. Returns false (and leaves the frame alone) when the
 * range or the field lies outside the frame.
 */
static bool insert_sum(uint8_t *frame, uint32_t len, uint32_t css, uint32_t cso, uint32_t cse,
		       bool udp)
{
	uint32_t end = cse ? cse + 1 : len;
	uint16_t s;

	if (end > len)
		end = len;
	if (css >= end || cso + 2 > len)
		return false;
	s = (uint16_t)~e1k_csum(frame + css, end - css, 0);
	/* UDP sends "no checksum" as 0; a computed zero goes out as 0xffff. */
	if (udp && s == 0)
		s = 0xffff;
	put_be16(frame + cso, s);
	return true;
}

unsigned e1k_tx_csum(const struct e1k_txctx *c, uint8_t popts, uint8_t *frame, uint32_t len)
{
	unsigned bad = 0;

	if ((popts & E1K_TXD_POPTS_IXSM) &&
	    !insert_sum(frame, len, c->ipcss, c->ipcso, c->ipcse, false))
		bad |= E1K_OFL_BAD_IP;
	if ((popts & E1K_TXD_POPTS_TXSM) &&
	    !insert_sum(frame, len, c->tucss, c->tucso, c->tucse, !(c->tucmd & E1K_TUCMD_TCP)))
		bad |= E1K_OFL_BAD_L4;
	return bad;
}

unsigned e1k_tx_legacy_csum(uint8_t *frame, uint32_t len, uint8_t css, uint8_t cso)
{
	return insert_sum(frame, len, css, cso, 0, false) ? 0 : E1K_OFL_BAD_L4;
}

int e1k_tso_check(const struct e1k_txctx *c, uint32_t len, uint32_t max_frame)
{
	uint32_t h = c->hdrlen, segs;
	bool ipv4 = c->tucmd & E1K_TUCMD_IP, tcp = c->tucmd & E1K_TUCMD_TCP;

	if (len > E1K_TSO_MAX)
		return -E1K_TSO_ERR_LEN;
	if (h == 0 || h > len)
		return -E1K_TSO_ERR_HDR;
	if (h == len)
		return -E1K_TSO_ERR_EMPTY;
	if (c->mss == 0 || h + c->mss > max_frame)
		return -E1K_TSO_ERR_MSS;
	/* Every field rewritten per segment must lie inside the header. */
	if ((uint32_t)c->ipcss + (ipv4 ? 20u : 40u) > h ||
	    (uint32_t)c->tucss + (tcp ? 20u : 8u) > h || c->tucss < c->ipcss ||
	    (uint32_t)c->tucso + 2 > h || (ipv4 && (uint32_t)c->ipcso + 2 > h))
		return -E1K_TSO_ERR_HDR;
	segs = (len - h + c->mss - 1) / c->mss;
	if (segs > E1K_TSO_MAX_SEGS)
		return -E1K_TSO_ERR_SEGS;
	return (int)segs;
}

uint32_t e1k_tso_build(const struct e1k_txctx *c, uint8_t popts, const uint8_t *frame,
		       uint32_t len, uint32_t seg, uint8_t *out, uint32_t cap)
{
	uint32_t h = c->hdrlen, pay = len - h, off = seg * c->mss, n, total;
	bool ipv4 = c->tucmd & E1K_TUCMD_IP, tcp = c->tucmd & E1K_TUCMD_TCP;
	uint8_t *ip = out + c->ipcss, *l4 = out + c->tucss;

	if (h >= len || c->mss == 0 || seg >= E1K_TSO_MAX_SEGS || off >= pay)
		return 0;
	n = pay - off < c->mss ? pay - off : c->mss;
	total = h + n;
	if (total > cap)
		return 0;
	memcpy(out, frame, h);
	memcpy(out + h, frame + h + off, n);

	if (ipv4) {
		put_be16(ip + 2, (uint16_t)(total - c->ipcss));
		put_be16(ip + 4, (uint16_t)(get_be16(frame + c->ipcss + 4) + seg));
	} else {
		put_be16(ip + 4, (uint16_t)(total - c->ipcss - 40));
	}
	if (tcp) {
		put_be32(l4 + 4, get_be32(frame + c->tucss + 4) + off);
		if (off + n < pay)
			l4[13] &= (uint8_t)~(TCP_FLAG_FIN | TCP_FLAG_PSH);
	} else {
		put_be16(l4 + 4, (uint16_t)(total - c->tucss));
	}
	if (ipv4 && (popts & E1K_TXD_POPTS_IXSM)) {
		put_be16(out + c->ipcso, 0);
		insert_sum(out, total, c->ipcss, c->ipcso, c->ipcse, false);
	}
	if (popts & E1K_TXD_POPTS_TXSM) {
		/* Software left the pseudo-header sum without the length: add it. */
		uint16_t ph = get_be16(out + c->tucso);

		put_be16(out + c->tucso, oc_add(ph, total - c->tucss));
		insert_sum(out, total, c->tucss, c->tucso, c->tucse, !tcp);
	}
	return total;
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

/* ==== exitless doorbells: the shared page ===================================== */

/*
 * The guest writes the page whenever it likes: every word is read with one
 * load (never twice for one decision) and written with one store.
 */
uint32_t e1k_db_read(const uint8_t *page, uint32_t off)
{
	const uint32_t *w = (const uint32_t *)(const void *)(page + (off - E1K_DB_OFF));

	return __atomic_load_n(w, __ATOMIC_ACQUIRE);
}

void e1k_db_write(uint8_t *page, uint32_t off, uint32_t v)
{
	uint32_t *w = (uint32_t *)(void *)(page + (off - E1K_DB_OFF));

	__atomic_store_n(w, v, __ATOMIC_RELEASE);
}

void e1k_db_clear(uint8_t *page)
{
	memset(page, 0, E1K_DB_SIZE);
	e1k_db_write(page, E1K_TXDCTL, E1K_TXDCTL_RESET);
}

void e1k_db_latch(uint32_t *regs, const uint8_t *page, bool tx)
{
	struct db_reg {
		uint32_t off, mask;
	};
	static const struct db_reg txr[] = {
		{ E1K_TDBAL, 0xffffffffu }, { E1K_TDBAH, 0xffffffffu }, { E1K_TDLEN, 0xfffffu },
		{ E1K_TDH, 0xffffu }, { E1K_TDT, 0xffffu }, { E1K_TIDV, 0xffffu },
		{ E1K_TADV, 0xffffu },
	}, rxr[sizeof(txr) / sizeof(txr[0])] = {
		{ E1K_RDBAL, 0xffffffffu }, { E1K_RDBAH, 0xffffffffu }, { E1K_RDLEN, 0xfffffu },
		{ E1K_RDH, 0xffffu }, { E1K_RDT, 0xffffu }, { E1K_RDTR, 0xffffu },
		{ E1K_RADV, 0xffffu },
	};
	const struct db_reg *t = tx ? txr : rxr;

	for (size_t i = 0; i < sizeof(txr) / sizeof(txr[0]); i++)
		regs[t[i].off / 4] = e1k_db_read(page, t[i].off) & t[i].mask;
}

bool e1k_db_tail(uint32_t *regs, const uint8_t *page, uint32_t tail_off)
{
	uint32_t t = e1k_db_read(page, tail_off) & 0xffffu;

	if (t == regs[tail_off / 4])
		return false;
	regs[tail_off / 4] = t;
	return true;
}

/* ==== the device ============================================================ */

/* Per-reason counters (dump_stats); the guest-visible statistics live in stats[]. */
struct e1k_counters {
	uint64_t tx_pkts, tx_bytes, tx_tso, tx_tso_segs;
	uint64_t tx_drop_nobuf;   /* packet pool empty */
	uint64_t tx_drop_long;    /* frame longer than a packet buffer / TSO limit */
	uint64_t tx_drop_dma;     /* buffer outside guest memory */
	uint64_t tx_drop_runt;    /* shorter than an Ethernet header */
	uint64_t tx_drop_tso;     /* unusable TSO context (MSS, HDRLEN, segments) */
	uint64_t tx_no_peer;      /* nobody to send to */
	uint64_t tx_csum_bad;     /* checksum offsets outside the frame (sent without) */
	uint64_t tx_bad_desc;     /* unknown descriptor type (skipped) */
	uint64_t tx_ring_err;     /* TDLEN/TDH/TDT unusable */
	uint64_t tx_desc_dma;     /* descriptor ring outside guest memory */
	uint64_t tx_walk_yield;   /* walks that stopped at the wake-up's budget */
	uint64_t tx_blocked;      /* walks that waited for the peer's room */
	uint64_t tx_descs;        /* descriptors read */
	uint64_t tx_descs_wake_max; /* most descriptors read in one wake-up */
	uint64_t tx_tail_pending; /* tails that came while a walk waited (only recorded) */
	uint64_t rx_pkts, rx_bytes;
	uint64_t rx_drop_off;     /* receiver disabled or link down */
	uint64_t rx_drop_addr;    /* address filters */
	uint64_t rx_drop_vlan;    /* VLAN filter */
	uint64_t rx_drop_long;    /* longer than LPE allows */
	uint64_t rx_drop_bad;     /* malformed frame from the peer */
	uint64_t rx_drop_nodesc;  /* no free descriptors (MPC) */
	uint64_t rx_ring_err;     /* RDLEN/RDH/RDT unusable */
	uint64_t rx_desc_dma;     /* descriptor ring outside guest memory */
	uint64_t rx_buf_dma;      /* buffer outside guest memory (RXE reported) */
	uint64_t irqs;            /* interrupt assertions */
	uint64_t resets;          /* CTRL.RST and device resets */
	uint64_t unknown_regs;    /* accesses to registers the model does not know */
	uint64_t tail_traps;      /* TDT/RDT writes that arrived as register writes */
	uint64_t db_tx_kicks;     /* new TDT values found by polling the doorbell page */
	uint64_t db_rx_kicks;     /* new RDT values found by polling the doorbell page */
	uint64_t db_hook_err;     /* the loop refused the poll hook */
};

struct e1000 {
	/*
	 * The DMA window of the burst in progress (a TX walk or a delivery):
	 * emptied when one starts and when it ends, never valid across a
	 * return to the loop.
	 */
	struct pci_dma_win dwin;
	struct dev_instance inst;
	char name[32];
	struct loop *loop;
	struct pci_dev *pci;
	struct net_port port;
	struct pkt_pool *pool;
	int tfd;
	struct loop_fd *tfd_h;
	uint64_t timer_at;       /* armed deadline, 0: disarmed */

	uint8_t mac[ETH_ALEN];
	uint16_t eeprom[E1K_EEPROM_WORDS];
	struct e1k_mw mw;
	uint16_t phy[E1K_PHY_NREGS];
	uint32_t *regs;          /* the register file, E1K_NREGS words */
	uint64_t stats[(E1K_STATS_END - E1K_STATS_BASE) / 4];
	uint32_t ioaddr;

	bool peer_up;            /* the peer port's link */
	bool link_up;            /* STATUS.LU */

	/* interrupts */
	bool irq_line;
	uint64_t irq_holdoff;    /* earliest time of the next assertion (ITR) */
	uint32_t delayed;        /* causes waiting for RDTR/TIDV */
	uint64_t delayed_at;

	/* transmit */
	struct e1k_txctx ctx_csum, ctx_tso;
	struct {
		bool active;     /* between the first descriptor of a frame and EOP */
		bool tso;
		bool legacy;
		uint8_t popts;
		uint8_t drop;    /* why the frame will be dropped at EOP (TXD_*), 0: it won't */
		uint32_t len;
		struct pkt *pkt; /* non-TSO frames are gathered straight into a packet */
	} tx;
	uint8_t *tso_buf;        /* TSO frames are gathered here, then cut */
	struct pkt *burst[E1K_TX_BURST];
	unsigned nburst;
	uint32_t tx_space;       /* what the peer said it takes, counted down */
	/* The TX budget of one wake-up of the loop (E1K_TX_*_PER_WAKE), all walks included. */
	uint64_t tx_wake;        /* the loop iteration the counts below belong to */
	uint32_t tx_frames;      /* frames emitted */
	uint32_t tx_wake_bytes;  /* bytes gathered from guest memory */
	uint32_t tx_wake_descs;  /* descriptors read */
	/*
	 * tx_resume: a walk stopped at the budget, the timer resumes it;
	 * tx_blocked: it stopped for want of the peer's room, wake() resumes it.
	 * Either way a new tail meanwhile is only recorded.
	 */
	bool tx_busy, tx_again, tx_blocked, tx_resume;

	/* receive */
	bool rx_starved;         /* told the peer we had no room: wake it when we do */

	/* exitless doorbells: NULL db means trapped (every tail write is a message) */
	bool db_poll;            /* configured for poll mode */
	uint64_t max_guest_ram;  /* per client; 0: the vfu default */
	uint8_t *db;             /* the shared page (BAR0 E1K_DB_OFF..), guest controlled */
	bool db_hooked;          /* our poll hook is on the loop */

	struct e1k_counters cnt;
};

enum { TXD_OK, TXD_NOBUF, TXD_LONG, TXD_DMA };

#define R(e, off) ((e)->regs[(off) / 4])

static struct e1000 *to_e1000(struct dev_instance *d)
{
	return (struct e1000 *)((char *)d - offsetof(struct e1000, inst));
}

static void tx_process(struct e1000 *e);
static void tx_run(struct e1000 *e);
static void rx_kick(struct e1000 *e);
static void db_hook_update(struct e1000 *e);

/* ---- statistics registers ------------------------------------------------ */

static bool stat_is64(uint32_t off)
{
	return off == E1K_GORCL || off == E1K_GOTCL || off == E1K_TORL || off == E1K_TOTL;
}

/* 32-bit statistics count in 64 bits and saturate when read (the same to the driver). */
static inline void stat_inc(struct e1000 *e, uint32_t off)
{
	e->stats[(off - E1K_STATS_BASE) / 4]++;
}

static inline void stat_add64(struct e1000 *e, uint32_t off, uint64_t v)
{
	e->stats[(off - E1K_STATS_BASE) / 4] += v;
}

/* Clear on read; a 64-bit pair clears when its high half is read. */
static uint32_t stat_read(struct e1000 *e, uint32_t off)
{
	unsigned i = (off - E1K_STATS_BASE) / 4;
	uint32_t v;

	if (stat_is64(off))
		return (uint32_t)e->stats[i];
	if (i > 0 && stat_is64(off - 4)) {
		v = (uint32_t)(e->stats[i - 1] >> 32);
		e->stats[i - 1] = 0;
		return v;
	}
	v = e->stats[i] > UINT32_MAX ? UINT32_MAX : (uint32_t)e->stats[i];
	e->stats[i] = 0;
	return v;
}

static uint32_t size_bucket(uint32_t len, uint32_t base)
{
	/* PRC64/PTC64 .. PRC1522/PTC1522: 64, 65-127, 128-255, 256-511, 512-1023, 1024+ */
	if (len <= 64)
		return base;
	if (len < 128)
		return base + 4;
	if (len < 256)
		return base + 8;
	if (len < 512)
		return base + 12;
	if (len < 1024)
		return base + 16;
	return base + 20;
}

static void stats_tx(struct e1000 *e, const struct pkt *p)
{
	uint32_t wire = p->len + ETH_FCS_LEN + ((p->flags & PKT_F_VLAN) ? VLAN_HLEN : 0);

	stat_inc(e, E1K_GPTC);
	stat_inc(e, E1K_TPT);
	stat_add64(e, E1K_GOTCL, wire);
	stat_add64(e, E1K_TOTL, wire);
	stat_inc(e, size_bucket(wire, E1K_PTC64));
	if (p->data[0] & 1) {
		static const uint8_t bc[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

		stat_inc(e, memcmp(p->data, bc, 6) ? E1K_MPTC : E1K_BPTC);
	}
	e->cnt.tx_pkts++;
	e->cnt.tx_bytes += p->len;
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

/* ---- timer and interrupts ------------------------------------------------- */

static void timer_set(struct e1000 *e, uint64_t at)
{
	struct itimerspec its = { 0 };

	its.it_value.tv_sec = (time_t)(at / 1000000000u);
	its.it_value.tv_nsec = (long)(at % 1000000000u);
	if (at == 0)
		its.it_value.tv_nsec = 0; /* disarm */
	e->timer_at = at;
	if (e->tfd >= 0 && timerfd_settime(e->tfd, TFD_TIMER_ABSTIME, &its, NULL) < 0)
		LOG_RL(LOG_LVL_ERR, COMP, "%s: timerfd_settime: %s", e->name, strerror(errno));
}

/* Makes sure the timer fires at `at` or earlier. */
static void timer_arm(struct e1000 *e, uint64_t at)
{
	if (at == 0)
		at = 1;
	if (e->timer_at && e->timer_at <= at)
		return;
	timer_set(e, at);
}

/*
 * Asserts INTx while an unmasked cause is pending, but not sooner than ITR
 * allows after the previous assertion (interrupt throttling: ITR counts 256 ns
 * units between interrupts); lowers it when nothing is pending.
 */
static void irq_update(struct e1000 *e)
{
	uint32_t pending = R(e, E1K_ICR) & R(e, E1K_IMS);
	uint64_t now;

	if (!pending) {
		if (e->irq_line) {
			e->irq_line = false;
			pci_intx_set(e->pci, false);
		}
		return;
	}
	if (e->irq_line)
		return;
	now = loop_now_ns();
	if (now < e->irq_holdoff) {
		timer_arm(e, e->irq_holdoff);
		return;
	}
	e->irq_line = true;
	e->cnt.irqs++;
	e->irq_holdoff = now + (uint64_t)(R(e, E1K_ITR) & 0xffff) * 256;
	pci_intx_set(e->pci, true);
}

static void set_cause(struct e1000 *e, uint32_t causes)
{
	R(e, E1K_ICR) |= causes & E1K_ICR_VALID;
	irq_update(e);
}

/*
 * Causes held back by the packet timers (RDTR for receive, TIDV for transmit
 * descriptors with IDE), each capped by its absolute timer (RADV, TADV). The
 * first held-back cause starts the delay; later ones join it.
 */
static void set_cause_delayed(struct e1000 *e, uint32_t causes, uint32_t delay, uint32_t abs)
{
	uint64_t ns;

	delay &= 0xffff;
	abs &= 0xffff;
	if (abs && abs < delay)
		delay = abs;
	if (!delay) {
		set_cause(e, causes);
		return;
	}
	ns = (uint64_t)delay * 1024;
	e->delayed |= causes;
	if (!e->delayed_at)
		e->delayed_at = loop_now_ns() + ns;
	timer_arm(e, e->delayed_at);
}

static void timer_cb(void *arg, uint32_t events)
{
	struct e1000 *e = arg;
	uint64_t n;

	(void)events;
	if (read(e->tfd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		LOG_RL(LOG_LVL_ERR, COMP, "%s: timerfd read: %s", e->name, strerror(errno));
	e->timer_at = 0;
	if (e->tx_resume) {
		e->tx_resume = false;
		tx_run(e);
	}
	if (e->delayed_at) {
		if (loop_now_ns() >= e->delayed_at) {
			R(e, E1K_ICR) |= e->delayed;
			e->delayed = 0;
			e->delayed_at = 0;
		} else {
			timer_arm(e, e->delayed_at);
		}
	}
	irq_update(e);
}

/* ---- PHY and link ----------------------------------------------------------- */

static bool phy_powered(const struct e1000 *e)
{
	return !(e->phy[E1K_PHY_CTRL] & E1K_MII_CR_POWER_DOWN) &&
	       !(R(e, E1K_CTRL) & E1K_CTRL_PHY_RST);
}

static bool phy_link(const struct e1000 *e)
{
	return e->peer_up && phy_powered(e);
}

/* The PHY's read-only registers follow the link; autonegotiation completes at once. */
static void phy_refresh(struct e1000 *e)
{
	bool l = phy_link(e);
	bool an = e->phy[E1K_PHY_CTRL] & E1K_MII_CR_AN_ENABLE;
	uint16_t *p = e->phy;

	/* 10/100 half/full, extended status, preamble suppression, AN able */
	p[E1K_PHY_STATUS] = 0x7949;
	if (l)
		p[E1K_PHY_STATUS] |= E1K_MII_SR_LINK | (an ? E1K_MII_SR_AN_COMPLETE : 0);
	/* partner: ack, PAUSE, 100/10 full/half, 802.3 */
	p[E1K_PHY_LP_ABILITY] = l && an ? 0x45e1 : 0;
	p[E1K_PHY_AUTONEG_EXP] = l && an ? 0x0001 : 0;
	/* local and remote receiver OK, partner 1000BASE-T full/half */
	p[E1K_PHY_1000T_STATUS] = l ? 0x3c00 : 0;
	p[E1K_PHY_SPEC_STATUS] = l ? (E1K_PSSR_SPEED_1000 | E1K_PSSR_FULL_DUPLEX |
				      E1K_PSSR_RESOLVED | E1K_PSSR_LINK) : 0;
}

static void phy_defaults(struct e1000 *e)
{
	memset(e->phy, 0, sizeof(e->phy));
	e->phy[E1K_PHY_CTRL] = E1K_MII_CR_AN_ENABLE | E1K_MII_CR_FULL_DUPLEX |
			       E1K_MII_CR_SPEED_1000;
	e->phy[E1K_PHY_ID1] = E1K_PHY_ID1_VAL;
	e->phy[E1K_PHY_ID2] = E1K_PHY_ID2_VAL;
	e->phy[E1K_PHY_AUTONEG_ADV] = 0x0de1; /* 10/100 full/half, PAUSE, ASM_DIR */
	e->phy[E1K_PHY_NEXT_PAGE_TX] = 0x2001;
	e->phy[E1K_PHY_1000T_CTRL] = 0x0300;  /* 1000BASE-T full/half */
	e->phy[E1K_PHY_EXT_STATUS] = 0x3000;  /* 1000BASE-T full/half capable */
	e->phy[E1K_PHY_SPEC_CTRL] = 0x0068;
	e->phy[E1K_PHY_EXT_SPEC_CTRL] = 0x0c60;
	phy_refresh(e);
}

/*
 * Recomputes STATUS.LU (PHY link and CTRL.SLU) and the port's own link (our
 * end of the cable is up while the PHY is powered and the MAC set link up; it
 * does not depend on the peer, or two devices wired together would wait for
 * each other). A change of LU raises LSC unless `quiet`.
 */
static void link_update(struct e1000 *e, bool quiet)
{
	bool slu = R(e, E1K_CTRL) & E1K_CTRL_SLU;
	bool lu = phy_link(e) && slu;
	bool ours = phy_powered(e) && slu;

	phy_refresh(e);
	if (lu != e->link_up) {
		e->link_up = lu;
		LOG_DEBUG(COMP, "%s: link %s", e->name, lu ? "up" : "down");
		if (!quiet)
			set_cause(e, E1K_ICR_LSC);
		if (lu)
			rx_kick(e);
	}
	if (ours != e->port.link_up)
		net_port_set_link(&e->port, ours);
}

static uint16_t phy_read(struct e1000 *e, unsigned reg)
{
	return e->phy[reg & (E1K_PHY_NREGS - 1)];
}

static void phy_write(struct e1000 *e, unsigned reg, uint16_t v)
{
	switch (reg) {
	case E1K_PHY_CTRL:
		/* Reset and restart-autonegotiation complete at once (self-clearing). */
		e->phy[reg] = v & (uint16_t)~(E1K_MII_CR_RESET | E1K_MII_CR_RESTART_AN);
		link_update(e, false);
		break;
	case E1K_PHY_STATUS:
	case E1K_PHY_ID1:
	case E1K_PHY_ID2:
	case E1K_PHY_LP_ABILITY:
	case E1K_PHY_AUTONEG_EXP:
	case E1K_PHY_LP_NEXT_PAGE:
	case E1K_PHY_1000T_STATUS:
	case E1K_PHY_EXT_STATUS:
	case E1K_PHY_SPEC_STATUS:
	case E1K_PHY_INT_STATUS:
	case E1K_PHY_RX_ERR_CNTR:
		break; /* read-only */
	default:
		e->phy[reg & (E1K_PHY_NREGS - 1)] = v;
		break;
	}
}

static void mdic_write(struct e1000 *e, uint32_t v)
{
	unsigned phy = (v >> E1K_MDIC_PHY_SHIFT) & 0x1f;
	unsigned reg = (v >> E1K_MDIC_REG_SHIFT) & 0x1f;
	uint32_t op = v & (E1K_MDIC_OP_READ | E1K_MDIC_OP_WRITE);
	uint32_t res = v & ~(E1K_MDIC_READY | E1K_MDIC_ERROR);

	if (phy != E1K_PHY_ADDR || (op != E1K_MDIC_OP_READ && op != E1K_MDIC_OP_WRITE))
		res |= E1K_MDIC_ERROR;
	else if (op == E1K_MDIC_OP_READ)
		res = (res & ~E1K_MDIC_DATA_MASK) | phy_read(e, reg);
	else
		phy_write(e, reg, (uint16_t)(v & E1K_MDIC_DATA_MASK));
	/* The PHY answers at once. */
	R(e, E1K_MDIC) = res | E1K_MDIC_READY;
	if (v & E1K_MDIC_INT_EN)
		set_cause(e, E1K_ICR_MDAC);
}

static uint32_t status_read(const struct e1000 *e)
{
	uint32_t v = E1K_STATUS_FD | E1K_STATUS_SPEED_1000 | E1K_STATUS_ASDV_1000;

	if (e->link_up)
		v |= E1K_STATUS_LU;
	return v;
}

static void eerd_write(struct e1000 *e, uint32_t v)
{
	unsigned addr = (v >> E1K_EERD_ADDR_SHIFT) & 0xff;

	if (!(v & E1K_EERD_START)) {
		R(e, E1K_EERD) = v & ~E1K_EERD_DONE;
		return;
	}
	/* A 64-word part decodes 6 address bits, as on the Microwire path. */
	R(e, E1K_EERD) = (v & 0xff00u) | E1K_EERD_DONE |
			 (uint32_t)e->eeprom[addr % E1K_EEPROM_WORDS] << E1K_EERD_DATA_SHIFT;
}

/* ==== transmit ================================================================ */

static void tx_flush(struct e1000 *e)
{
	unsigned n = e->nburst;

	if (!n)
		return;
	e->nburst = 0;
	if (!e->port.peer) {
		pkt_free_bulk(e->burst, n);
		e->cnt.tx_no_peer += n;
		return;
	}
	net_port_send(&e->port, e->burst, (uint16_t)n);
}

static void tx_push(struct e1000 *e, struct pkt *p)
{
	stats_tx(e, p);
	e->tx_frames++;
	if (e->tx_space != UINT32_MAX && e->tx_space)
		e->tx_space--;
	e->burst[e->nburst++] = p;
	if (e->nburst == E1K_TX_BURST)
		tx_flush(e);
}

static void tx_vlan(struct e1000 *e, struct pkt *p, uint32_t cmd, uint16_t special)
{
	/* The tag travels beside the frame; whoever puts it on a wire inserts it. */
	if ((cmd & E1K_TXD_CMD_VLE) && (R(e, E1K_CTRL) & E1K_CTRL_VME)) {
		p->flags |= PKT_F_VLAN;
		p->vlan_tci = special;
	}
}

static void tx_tso(struct e1000 *e, uint32_t cmd, uint16_t special)
{
	int n = e1k_tso_check(&e->ctx_tso, e->tx.len, PKT_DATA_MAX);

	if (n < 0) {
		e->cnt.tx_drop_tso++;
		stat_inc(e, E1K_TSCTFC);
		LOG_RL(LOG_LVL_DEBUG, COMP, "%s: TSO frame dropped (error %d, len %u, hdr %u, mss %u)",
		       e->name, -n, e->tx.len, e->ctx_tso.hdrlen, e->ctx_tso.mss);
		return;
	}
	e->cnt.tx_tso++;
	stat_inc(e, E1K_TSCTC);
	for (uint32_t seg = 0; seg < (uint32_t)n; seg++) {
		struct pkt *p = pkt_alloc(e->pool);
		uint32_t len;

		if (!p) {
			e->cnt.tx_drop_nobuf += (uint32_t)n - seg;
			return;
		}
		len = e1k_tso_build(&e->ctx_tso, e->tx.popts, e->tso_buf, e->tx.len, seg, p->data,
				    PKT_DATA_MAX);
		if (!len) {
			pkt_free(p);
			e->cnt.tx_drop_tso++;
			return;
		}
		p->len = len;
		tx_vlan(e, p, cmd, special);
		e->cnt.tx_tso_segs++;
		tx_push(e, p);
	}
}

static void tx_drop(struct e1000 *e)
{
	switch (e->tx.drop) {
	case TXD_NOBUF:
		e->cnt.tx_drop_nobuf++;
		break;
	case TXD_LONG:
		e->cnt.tx_drop_long++;
		break;
	default:
		e->cnt.tx_drop_dma++;
		LOG_RL(LOG_LVL_WARN, COMP, "%s: TX buffer outside guest memory, frame dropped",
		       e->name);
		break;
	}
	if (e->tx.tso)
		stat_inc(e, E1K_TSCTFC);
}

/* The EOP descriptor: checksums, VLAN, segmentation, out it goes. */
static void tx_finish(struct e1000 *e, uint32_t lower, uint32_t upper)
{
	struct pkt *p = e->tx.pkt;
	uint16_t special = (uint16_t)(upper >> 16);
	unsigned bad = 0;

	e->tx.pkt = NULL;
	e->tx.active = false;
	if (e->tx.drop) {
		tx_drop(e);
	} else if (e->tx.tso) {
		tx_tso(e, lower, special);
	} else if (e->tx.len < ETH_HLEN) {
		e->cnt.tx_drop_runt++;
	} else {
		p->len = e->tx.len;
		if (e->tx.legacy && (lower & E1K_TXD_CMD_IC))
			bad = e1k_tx_legacy_csum(p->data, p->len, (uint8_t)(upper >> 8),
						 (uint8_t)(lower >> 16));
		else if (!e->tx.legacy && e->tx.popts)
			bad = e1k_tx_csum(&e->ctx_csum, e->tx.popts, p->data, p->len);
		if (bad)
			e->cnt.tx_csum_bad++;
		tx_vlan(e, p, lower, special);
		tx_push(e, p);
		p = NULL;
	}
	if (p)
		pkt_free(p);
}

static void tx_start(struct e1000 *e, bool legacy, uint32_t lower, uint32_t upper)
{
	e->tx.active = true;
	e->tx.legacy = legacy;
	e->tx.tso = !legacy && (lower & E1K_TXD_CMD_TSE);
	/* POPTS counts in the first data descriptor of a frame. */
	e->tx.popts = legacy ? 0 : (uint8_t)(upper >> 8);
	e->tx.drop = TXD_OK;
	e->tx.len = 0;
	e->tx.pkt = NULL;
	if (!e->tx.tso) {
		e->tx.pkt = pkt_alloc(e->pool);
		if (!e->tx.pkt)
			e->tx.drop = TXD_NOBUF;
	}
}

static void tx_append(struct e1000 *e, uint64_t addr, uint32_t len)
{
	uint32_t cap = e->tx.tso ? E1K_TSO_MAX : PKT_DATA_MAX;
	const uint8_t *src;
	uint8_t *dst;

	if (e->tx.drop)
		return;
	if (len > cap - e->tx.len) {
		e->tx.drop = TXD_LONG;
		return;
	}
	src = pci_dma_win_ptr(e->pci, &e->dwin, addr, len, VFU_PROT_READ);
	if (!src) {
		e->tx.drop = TXD_DMA;
		return;
	}
	dst = e->tx.tso ? e->tso_buf : e->tx.pkt->data;
	memcpy(dst + e->tx.len, src, len);
	e->tx.len += len;
	e->tx_wake_bytes += len;
}

/* One descriptor (a private copy of it). */
static void tx_desc(struct e1000 *e, const uint8_t *d)
{
	uint32_t lower = get_le32(d + 8), upper = get_le32(d + 12), len;
	bool legacy = !(lower & E1K_TXD_CMD_DEXT);

	if (!legacy) {
		uint32_t dtyp = lower & E1K_TXD_DTYP_MASK;

		if (dtyp == E1K_TXD_DTYP_CTX) {
			e1k_txctx_parse((lower & E1K_TUCMD_TSE) ? &e->ctx_tso : &e->ctx_csum, d);
			return;
		}
		if (dtyp != E1K_TXD_DTYP_DATA) {
			e->cnt.tx_bad_desc++;
			return;
		}
		len = lower & E1K_TXD_LEN_MASK;
	} else {
		len = lower & E1K_TXD_LEGACY_LEN_MASK;
	}
	if (!e->tx.active)
		tx_start(e, legacy, lower, upper);
	if (len)
		tx_append(e, get_le64(d), len);
	if (lower & E1K_TXD_CMD_EOP)
		tx_finish(e, lower, upper);
}

/* TX descriptors whose DD is still to be written (E1K_WB_BATCH). */
struct tx_wb {
	unsigned n;
	uint8_t *dp[E1K_WB_BATCH];
};

static void tx_wb_flush(struct tx_wb *w)
{
	if (!w->n)
		return;
	atomic_thread_fence(memory_order_release);
	for (unsigned i = 0; i < w->n; i++)
		w->dp[i][12] = (uint8_t)((w->dp[i][12] & 0xf0) | E1K_TXD_STAT_DD);
	w->n = 0;
}

/* Queues DD for the descriptor at da (dp if the ring is mapped whole). */
static void tx_wb_add(struct e1000 *e, struct tx_wb *w, uint8_t *dp, uint64_t da)
{
	if (!dp)
		dp = pci_dma_ptr(e->pci, da, E1K_DESC_SIZE, VFU_PROT_READ | VFU_PROT_WRITE);
	if (!dp)
		return;
	w->dp[w->n++] = dp;
	if (w->n == E1K_WB_BATCH)
		tx_wb_flush(w);
}

/* The wake-up's budget is spent: the timer resumes the walk on a later one. */
static void tx_yield(struct e1000 *e)
{
	e->cnt.tx_walk_yield++;
	e->tx_resume = true;
	timer_arm(e, loop_now_ns());
}

/*
 * Stops the walk before a new frame when the peer has no room (it will call
 * wake()) or when this wake-up has emitted or gathered enough (the timer
 * resumes it at once, after the loop has served others).
 */
static bool tx_must_pause(struct e1000 *e)
{
	if (e->tx_frames >= E1K_TX_FRAMES_PER_WAKE || e->tx_wake_bytes >= E1K_TX_BYTES_PER_WAKE) {
		tx_yield(e);
		return true;
	}
	if (e->tx_space)
		return false;
	tx_flush(e);
	e->tx_space = net_port_peer_space(&e->port);
	if (e->tx_space)
		return false;
	e->cnt.tx_blocked++;
	e->tx_blocked = true;
	return true;
}

/*
 * Walks TDH..TDT, at most one ring's worth of descriptors and what is left of
 * the wake-up's budget.
 */
static void tx_walk(struct e1000 *e)
{
	uint32_t count = e1k_ring_count(R(e, E1K_TDLEN));
	uint32_t head = R(e, E1K_TDH), tail = R(e, E1K_TDT), causes = 0, budget, left;
	uint64_t wake;
	uint64_t base = (uint64_t)R(e, E1K_TDBAH) << 32 | (R(e, E1K_TDBAL) & ~0xfu);
	bool ide = false;
	uint8_t *ring;
	struct tx_wb wb;

	if (!(R(e, E1K_TCTL) & E1K_TCTL_EN) || head == tail)
		return;
	if (!count || head >= count || tail >= count) {
		e->cnt.tx_ring_err++;
		LOG_RL(LOG_LVL_WARN, COMP, "%s: TX ring unusable (TDLEN %#x TDH %u TDT %u)", e->name,
		       R(e, E1K_TDLEN), head, tail);
		return;
	}
	wake = loop_iteration(e->loop);
	if (wake != e->tx_wake) {
		e->tx_wake = wake;
		e->tx_frames = 0;
		e->tx_wake_bytes = 0;
		e->tx_wake_descs = 0;
	}
	left = E1K_TX_DESCS_PER_WAKE - e->tx_wake_descs;
	if (!left) {
		tx_yield(e);
		return;
	}
	e->tx_space = e->port.peer ? net_port_peer_space(&e->port) : UINT32_MAX;
	e->dwin.size = 0;
	/*
	 * The whole ring in one mapping (the usual case): one translation per
	 * walk, and the descriptors ahead are prefetched (the guest wrote them
	 * from another CPU: each line is a cache miss otherwise paid in turn).
	 */
	ring = pci_dma_ptr(e->pci, base, (uint64_t)count * E1K_DESC_SIZE,
			   VFU_PROT_READ | VFU_PROT_WRITE);
	wb.n = 0;
	if (ring) {
		uint32_t ahead = tail >= head ? tail - head : tail + count - head;

		if (ahead > E1K_TX_PREFETCH)
			ahead = E1K_TX_PREFETCH;
		for (uint32_t i = 0; i < ahead; i += 4) {
			uint32_t h = head + i;

			__builtin_prefetch(ring + (uint64_t)(h >= count ? h - count : h) *
							E1K_DESC_SIZE, 1);
		}
	}
	if (left > count)
		left = count;
	for (budget = left; head != tail && budget; budget--) {
		uint64_t da = base + (uint64_t)head * E1K_DESC_SIZE;
		const uint8_t *dp;
		uint8_t d[E1K_DESC_SIZE];
		uint32_t lower;

		if (!e->tx.active && tx_must_pause(e))
			break;
		if (ring) {
			uint32_t h = head + E1K_TX_PREFETCH;

			dp = ring + (uint64_t)head * E1K_DESC_SIZE;
			if (!(h & 3))
				__builtin_prefetch(ring + (uint64_t)(h >= count ? h % count : h) *
								 E1K_DESC_SIZE, 1);
		} else {
			dp = pci_dma_ptr(e->pci, da, E1K_DESC_SIZE, VFU_PROT_READ);
		}
		if (!dp) {
			e->cnt.tx_desc_dma++;
			LOG_RL(LOG_LVL_WARN, COMP, "%s: TX descriptor %u at %#llx outside guest memory",
			       e->name, head, (unsigned long long)da);
			break;
		}
		memcpy(d, dp, sizeof(d));
		lower = get_le32(d + 8);
		tx_desc(e, d);
		if ((lower & E1K_TXD_CMD_RS) ||
		    (!(lower & E1K_TXD_CMD_DEXT) && (lower & E1K_TXD_CMD_RPS))) {
			tx_wb_add(e, &wb, ring ? ring + (uint64_t)head * E1K_DESC_SIZE : NULL, da);
			causes |= E1K_ICR_TXDW;
			ide |= lower & E1K_TXD_CMD_IDE;
		}
		head = head + 1 == count ? 0 : head + 1;
		R(e, E1K_TDH) = head;
		if (head == tail)
			causes |= E1K_ICR_TXQE;
	}
	tx_wb_flush(&wb); /* the buffers were copied from: the guest may reuse them */
	if (e->db)
		e1k_db_write(e->db, E1K_TDH, head);
	tx_flush(e);
	e->dwin.size = 0;
	/* A stop for the budget or the peer breaks out with budget > 0: this is the descriptors'. */
	if (!budget && head != tail)
		tx_yield(e);
	e->tx_wake_descs += left - budget;
	e->cnt.tx_descs += left - budget;
	if (e->tx_wake_descs > e->cnt.tx_descs_wake_max)
		e->cnt.tx_descs_wake_max = e->tx_wake_descs;
	if (causes & E1K_ICR_TXQE)
		set_cause(e, E1K_ICR_TXQE);
	if (causes & E1K_ICR_TXDW) {
		if (ide)
			set_cause_delayed(e, E1K_ICR_TXDW, R(e, E1K_TIDV), R(e, E1K_TADV));
		else
			set_cause(e, E1K_ICR_TXDW);
	}
}

/*
 * Walks the ring. Re-entry safe: a peer may call back into us (wake, deliver)
 * while we send.
 */
static void tx_run(struct e1000 *e)
{
	unsigned rounds = 0;

	if (e->tx_busy) {
		e->tx_again = true;
		return;
	}
	e->tx_busy = true;
	do {
		e->tx_again = false;
		e->tx_blocked = false;
		tx_walk(e);
	} while (e->tx_again && !e->tx_resume && ++rounds < 4);
	e->tx_busy = false;
}

/*
 * A new tail (a TDT write, the doorbell page, TCTL.EN). While a walk waits for
 * the timer or for the peer's room, the tail is only recorded: the walk that
 * resumes reads TDT then and goes on to it, on the budget of its own wake-up.
 */
static void tx_process(struct e1000 *e)
{
	if (e->tx_resume || e->tx_blocked) {
		e->cnt.tx_tail_pending++;
		return;
	}
	tx_run(e);
}

/* Frees whatever a frame in progress holds. */
static void tx_abort(struct e1000 *e)
{
	if (e->tx.pkt)
		pkt_free(e->tx.pkt);
	memset(&e->tx, 0, sizeof(e->tx));
	if (e->nburst)
		pkt_free_bulk(e->burst, e->nburst);
	e->nburst = 0;
	memset(&e->ctx_csum, 0, sizeof(e->ctx_csum));
	memset(&e->ctx_tso, 0, sizeof(e->ctx_tso));
	e->tx_blocked = false;
	e->tx_resume = false;
}

/* ==== receive ================================================================== */

struct rx_ring {
	uint64_t base;
	uint32_t count, head, tail, bufsize;
	uint8_t *ring; /* the whole ring when it lies in one mapping, else NULL */
	/* Descriptors written back at the end of the burst (E1K_WB_BATCH). */
	unsigned nwb;
	uint8_t *wb_dp[E1K_WB_BATCH];
	uint8_t wb_hi[E1K_WB_BATCH][8]; /* bytes 8..15: length, checksum, status, errors, special */
};

/* A frame to write is a short list of pieces: the packet, a tag, padding, the FCS. */
struct rx_seg {
	const uint8_t *p;
	uint32_t len;
};
#define RX_MAX_SEGS 6

static bool rx_on(const struct e1000 *e)
{
	return (R(e, E1K_RCTL) & E1K_RCTL_EN) && e->link_up;
}

static bool rx_ring_get(const struct e1000 *e, struct rx_ring *r)
{
	r->count = e1k_ring_count(R(e, E1K_RDLEN));
	r->head = R(e, E1K_RDH);
	r->tail = R(e, E1K_RDT);
	r->base = (uint64_t)R(e, E1K_RDBAH) << 32 | (R(e, E1K_RDBAL) & ~0xfu);
	r->bufsize = e1k_rx_bufsize(R(e, E1K_RCTL));
	r->ring = NULL;
	r->nwb = 0;
	return r->count && r->head < r->count && r->tail < r->count;
}

static uint32_t rx_max_frame(const struct e1000 *e)
{
	return (R(e, E1K_RCTL) & E1K_RCTL_LPE) ? E1K_RX_MAX_LPE : E1K_RX_MAX_STD;
}

/* Frames that fit for sure: free descriptors over those the longest frame needs. */
static uint32_t rx_room(const struct e1000 *e, const struct rx_ring *r)
{
	uint32_t per = (rx_max_frame(e) + r->bufsize - 1) / r->bufsize;

	return e1k_ring_used(r->head, r->tail, r->count) / per;
}

static uint32_t port_rx_space(struct net_port *self)
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
static void rx_kick(struct e1000 *e)
{
	if (!e->rx_starved || !port_rx_space(&e->port))
		return;
	e->rx_starved = false;
	net_port_wake_peer(&e->port);
}

static void seg_copy(const struct rx_seg *s, unsigned nseg, unsigned *si, uint32_t *so,
		     uint8_t *dst, uint32_t n)
{
	while (n && *si < nseg) {
		uint32_t c = s[*si].len - *so;

		if (c > n)
			c = n;
		if (dst) {
			memcpy(dst, s[*si].p + *so, c);
			dst += c;
		}
		n -= c;
		*so += c;
		if (*so == s[*si].len) {
			(*si)++;
			*so = 0;
		}
	}
}

/*
 * Writes total bytes from segs into the buffers of descriptors RDH.., one
 * buffer each, and writes each descriptor back (length, DD; EOP, status,
 * errors and the VLAN tag on the last). Returns -EFAULT when a descriptor lies
 * outside guest memory: the ring is unusable, the frame is lost.
 */
/* The descriptor at RDH, or NULL if it lies outside guest memory. */
static uint8_t *rx_desc_at(struct e1000 *e, const struct rx_ring *r)
{
	if (r->ring)
		return r->ring + (uint64_t)r->head * E1K_DESC_SIZE;
	return pci_dma_ptr(e->pci, r->base + (uint64_t)r->head * E1K_DESC_SIZE, E1K_DESC_SIZE,
			   VFU_PROT_READ | VFU_PROT_WRITE);
}

/*
 * Writes the pending descriptors back: their buffers first (the fence), then
 * each descriptor's second half in one 8-byte store, so that the driver never
 * sees DD with a stale length.
 */
static void rx_wb_flush(struct rx_ring *r)
{
	if (!r->nwb)
		return;
	atomic_thread_fence(memory_order_release);
	for (unsigned i = 0; i < r->nwb; i++)
		memcpy(r->wb_dp[i] + 8, r->wb_hi[i], 8);
	r->nwb = 0;
}

/* Queues a descriptor's write-back (length, DD, ...) and moves RDH on. */
static void rx_desc_done(struct rx_ring *r, uint8_t *dp, uint32_t len, uint8_t errors,
			 uint16_t special, uint8_t stat)
{
	uint8_t *hi = r->wb_hi[r->nwb];

	put_le16(hi, (uint16_t)len);
	put_le16(hi + 2, 0);
	hi[4] = (uint8_t)(E1K_RXD_STAT_DD | stat);
	hi[5] = errors;
	put_le16(hi + 6, special);
	r->wb_dp[r->nwb++] = dp;
	if (r->nwb == E1K_WB_BATCH)
		rx_wb_flush(r);
	r->head = r->head + 1 == r->count ? 0 : r->head + 1;
}

static int rx_write(struct e1000 *e, struct rx_ring *r, const struct rx_seg *segs, unsigned nseg,
		    uint32_t total, uint8_t status, uint8_t errors, uint16_t special)
{
	uint32_t done = 0, so = 0;
	unsigned si = 0;
	uint8_t err = 0;

	if (nseg == 1 && total <= r->bufsize) {
		/* The common case: one piece into one buffer. */
		uint8_t *dp = rx_desc_at(e, r);
		uint8_t *bp;

		if (!dp)
			goto bad_desc;
		bp = pci_dma_win_ptr(e->pci, &e->dwin, get_le64(dp), total, VFU_PROT_WRITE);
		if (bp) {
			memcpy(bp, segs[0].p, total);
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
		uint8_t *dp = rx_desc_at(e, r);
		uint32_t chunk = total - done < r->bufsize ? total - done : r->bufsize;
		uint8_t *bp;
		bool last;

		if (!dp)
			goto bad_desc;
		bp = pci_dma_win_ptr(e->pci, &e->dwin, get_le64(dp), chunk, VFU_PROT_WRITE);
		if (!bp && !err) {
			/* Report a receive error; the driver drops the frame. */
			e->cnt.rx_buf_dma++;
			err = 0x80; /* RXE */
			LOG_RL(LOG_LVL_WARN, COMP, "%s: RX buffer outside guest memory", e->name);
		}
		seg_copy(segs, nseg, &si, &so, bp, chunk);
		done += chunk;
		last = done == total;
		rx_desc_done(r, dp, chunk, last ? (uint8_t)(errors | err) : err, last ? special : 0,
			     last ? (uint8_t)(E1K_RXD_STAT_EOP | status) : 0);
	}
	return 0;
bad_desc:
	e->cnt.rx_desc_dma++;
	LOG_RL(LOG_LVL_WARN, COMP, "%s: RX descriptor %u at %#llx outside guest memory", e->name,
	       r->head, (unsigned long long)(r->base + (uint64_t)r->head * E1K_DESC_SIZE));
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
	struct rx_seg segs[RX_MAX_SEGS];
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
		segs[n++] = (struct rx_seg){ d, 2 * ETH_ALEN };
		segs[n++] = (struct rx_seg){ d + 16, len - 16 };
	} else if (tagged && !in_data && !strip) {
		/* Tag beside the frame but not stripped: it goes into the buffer. */
		put_be16(tag, (uint16_t)(R(e, E1K_VET) & 0xffff));
		put_be16(tag + 2, tci);
		segs[n++] = (struct rx_seg){ d, 2 * ETH_ALEN };
		segs[n++] = (struct rx_seg){ tag, VLAN_HLEN };
		segs[n++] = (struct rx_seg){ d + 2 * ETH_ALEN, len - 2 * ETH_ALEN };
	} else {
		segs[n++] = (struct rx_seg){ d, len };
	}
	total = 0;
	for (unsigned i = 0; i < n; i++)
		total += segs[i].len;
	if (total < ETH_ZLEN) {
		/* Short frames arrive padded on a real wire. */
		segs[n++] = (struct rx_seg){ zeros, ETH_ZLEN - total };
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
		segs[n++] = (struct rx_seg){ fcs, ETH_FCS_LEN };
		total += ETH_FCS_LEN;
	}

	need = (total + r->bufsize - 1) / r->bufsize;
	if (need > e1k_ring_used(r->head, r->tail, r->count)) {
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
		if (e1k_ring_used(r->head, r->tail, r->count) <= r->count >> (rdmts + 1))
			causes |= E1K_ICR_RXDMT0;
		set_cause_delayed(e, E1K_ICR_RXT0, R(e, E1K_RDTR), R(e, E1K_RADV));
	}
	if (causes)
		set_cause(e, causes);
}

static uint16_t port_deliver(struct net_port *self, struct pkt **pkts, uint16_t n)
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
	e->dwin.size = 0;
	if (ring) {
		/* One translation for the burst, and its descriptors fetched ahead. */
		r.ring = pci_dma_ptr(e->pci, r.base, (uint64_t)r.count * E1K_DESC_SIZE,
				     VFU_PROT_READ | VFU_PROT_WRITE);
		if (r.ring) {
			uint32_t h = r.head;

			for (uint32_t i = 0; i < n && i < E1K_TX_PREFETCH; i += 4) {
				__builtin_prefetch(r.ring + (uint64_t)h * E1K_DESC_SIZE, 1);
				h = h + 4 >= r.count ? h + 4 - r.count : h + 4;
			}
		}
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
		rx_wb_flush(&r);
		rx_done(e, &r, written, overrun);
	}
	e->dwin.size = 0;
	pkt_free_bulk(pkts, n);
	self->stats.rx_pkts += written;
	self->stats.rx_bytes += bytes;
	self->stats.rx_drops += n - written;
	return (uint16_t)written;
}

static void port_wake(struct net_port *self)
{
	struct e1000 *e = self->priv;

	if (e->tx_blocked) {
		e->tx_blocked = false;
		tx_run(e);
	}
}

static void port_peer_link(struct net_port *self, bool up)
{
	struct e1000 *e = self->priv;

	e->peer_up = up;
	link_update(e, false);
	/*
	 * A walk waiting for a peer that went away would wait for a wake() that
	 * never comes: it resumes from the timer instead (and finds the new peer,
	 * or none: then its frames are dropped as they are without one).
	 */
	if (e->tx_blocked && !self->peer) {
		e->tx_blocked = false;
		tx_yield(e);
	}
}

static const struct net_port_ops e1k_port_ops = {
	.deliver = port_deliver,
	.rx_space = port_rx_space,
	.wake = port_wake,
	.peer_link = port_peer_link,
};

/* ==== exitless doorbells: polling ================================================== */

/*
 * Runs on every iteration of the owning loop while a ring is enabled: two
 * loads and two compares when nothing changed. A new tail does what a trapped
 * write of it does, with the same bounds (one ring's worth of descriptors, the
 * budget of the wake-up), so a busy guest cannot starve the loop's other
 * devices.
 */
static bool db_poll(void *arg)
{
	struct e1000 *e = arg;
	bool work = false;

	if ((R(e, E1K_TCTL) & E1K_TCTL_EN) && e1k_db_tail(e->regs, e->db, E1K_TDT)) {
		e->cnt.db_tx_kicks++;
		tx_process(e);
		work = true;
	}
	/*
	 * A walk that stopped at an earlier pass's budget goes on now: a polling
	 * loop looks at its timer only every 20 us.
	 */
	if (e->tx_resume && e->tx_wake != loop_iteration(e->loop)) {
		e->tx_resume = false;
		tx_run(e);
		work = true;
	}
	if ((R(e, E1K_RCTL) & E1K_RCTL_EN) && e1k_db_tail(e->regs, e->db, E1K_RDT)) {
		e->cnt.db_rx_kicks++;
		rx_kick(e);
		work = true;
	}
	return work;
}

/* The hook is on the loop only while a ring is enabled: an idle device costs nothing. */
static void db_hook_update(struct e1000 *e)
{
	bool want = e->db && ((R(e, E1K_TCTL) & E1K_TCTL_EN) || (R(e, E1K_RCTL) & E1K_RCTL_EN));

	if (want == e->db_hooked)
		return;
	if (want && loop_add_poll(e->loop, db_poll, e) < 0) {
		e->cnt.db_hook_err++;
		LOG_RL(LOG_LVL_ERR, COMP, "%s: cannot poll the doorbell page: %s", e->name,
		       strerror(errno));
		return;
	}
	if (!want)
		loop_del_poll(e->loop, db_poll, e);
	e->db_hooked = want;
}

/* ==== registers ================================================================== */

struct reg_name {
	uint32_t off;
	const char *name;
};

static const struct reg_name reg_names[] = {
	{ E1K_CTRL, "CTRL" }, { E1K_STATUS, "STATUS" }, { E1K_EECD, "EECD" },
	{ E1K_EERD, "EERD" }, { E1K_CTRL_EXT, "CTRL_EXT" }, { E1K_FLA, "FLA" },
	{ E1K_MDIC, "MDIC" }, { E1K_FCAL, "FCAL" }, { E1K_FCAH, "FCAH" }, { E1K_FCT, "FCT" },
	{ E1K_VET, "VET" }, { E1K_ICR, "ICR" }, { E1K_ITR, "ITR" }, { E1K_ICS, "ICS" },
	{ E1K_IMS, "IMS" }, { E1K_IMC, "IMC" }, { E1K_RCTL, "RCTL" }, { E1K_FCTTV, "FCTTV" },
	{ E1K_TXCW, "TXCW" }, { E1K_RXCW, "RXCW" }, { E1K_TCTL, "TCTL" }, { E1K_TIPG, "TIPG" },
	{ E1K_AIT, "AIT" }, { E1K_LEDCTL, "LEDCTL" }, { E1K_PBA, "PBA" }, { E1K_FCRTL, "FCRTL" },
	{ E1K_FCRTH, "FCRTH" }, { E1K_RDBAL, "RDBAL" }, { E1K_RDBAH, "RDBAH" },
	{ E1K_RDLEN, "RDLEN" }, { E1K_RDH, "RDH" }, { E1K_RDT, "RDT" }, { E1K_RDTR, "RDTR" },
	{ E1K_RXDCTL, "RXDCTL" }, { E1K_RADV, "RADV" }, { E1K_RSRPD, "RSRPD" },
	{ E1K_TXDMAC, "TXDMAC" }, { E1K_TDBAL, "TDBAL" }, { E1K_TDBAH, "TDBAH" },
	{ E1K_TDLEN, "TDLEN" }, { E1K_TDH, "TDH" }, { E1K_TDT, "TDT" }, { E1K_TIDV, "TIDV" },
	{ E1K_TXDCTL, "TXDCTL" }, { E1K_TADV, "TADV" }, { E1K_TSPMT, "TSPMT" },
	{ E1K_RXCSUM, "RXCSUM" }, { E1K_WUC, "WUC" }, { E1K_WUFC, "WUFC" }, { E1K_WUS, "WUS" },
	{ E1K_MANC, "MANC" }, { E1K_IPAV, "IPAV" }, { E1K_WUPL, "WUPL" },
};

/* Name of a register for the log, NULL if the model does not know it. */
static const char *reg_name(uint32_t off)
{
	for (size_t i = 0; i < sizeof(reg_names) / sizeof(reg_names[0]); i++)
		if (reg_names[i].off == off)
			return reg_names[i].name;
	if (off >= E1K_STATS_BASE && off < E1K_STATS_END)
		return "STAT";
	if (off >= E1K_MTA && off < E1K_MTA + 4 * E1K_MTA_WORDS)
		return "MTA";
	if (off >= E1K_RAL(0) && off < E1K_RA_END)
		return (off & 4) ? "RAH" : "RAL";
	if (off >= E1K_VFTA && off < E1K_VFTA + 4 * E1K_VFTA_WORDS)
		return "VFTA";
	if (off >= E1K_IP4AT && off < E1K_IP4AT + 0x20)
		return "IP4AT";
	if (off >= E1K_IP6AT && off < E1K_IP6AT + 0x10)
		return "IP6AT";
	if (off >= E1K_WUPM && off < E1K_WUPM + 0x80)
		return "WUPM";
	if (off >= E1K_FFLT && off < E1K_FFLT + 0x20)
		return "FFLT";
	if (off >= E1K_FFMT && off < E1K_FFMT + 0x400)
		return "FFMT";
	if (off >= E1K_FFVT && off < E1K_FFVT + 0x400)
		return "FFVT";
	return NULL;
}

static void regs_defaults(struct e1000 *e)
{
	memset(e->regs, 0, E1K_NREGS * sizeof(uint32_t));
	memset(e->stats, 0, sizeof(e->stats));
	R(e, E1K_CTRL) = E1K_CTRL_FD | E1K_CTRL_ASDE | E1K_CTRL_SPD_1000;
	R(e, E1K_PBA) = 0x00100030;     /* 48 KiB receive, 16 KiB transmit */
	R(e, E1K_LEDCTL) = 0x00000602;
	R(e, E1K_VET) = 0x8100;
	R(e, E1K_RXCSUM) = E1K_RXCSUM_IPOFL | E1K_RXCSUM_TUOFL;
	R(e, E1K_TXDCTL) = E1K_TXDCTL_RESET;
	/* Loaded from the EEPROM at reset: the station address in RAR 0. */
	R(e, E1K_RAL(0)) = (uint32_t)e->mac[0] | (uint32_t)e->mac[1] << 8 |
			   (uint32_t)e->mac[2] << 16 | (uint32_t)e->mac[3] << 24;
	R(e, E1K_RAH(0)) = (uint32_t)e->mac[4] | (uint32_t)e->mac[5] << 8 | E1K_RAH_AV;
}

/*
 * MAC reset (CTRL.RST, and part of every device reset): frames in flight,
 * pending interrupts and timers are dropped, registers and statistics return
 * to their defaults. The PHY keeps its state, as on the real part.
 */
static void mac_reset(struct e1000 *e)
{
	tx_abort(e);
	e->delayed = 0;
	e->delayed_at = 0;
	e->irq_holdoff = 0;
	timer_set(e, 0);
	regs_defaults(e);
	if (e->db) {
		e1k_db_clear(e->db);
		db_hook_update(e);
	}
	e1k_mw_reset(&e->mw);
	e->ioaddr = 0;
	if (e->irq_line) {
		e->irq_line = false;
		pci_intx_set(e->pci, false);
	}
	link_update(e, true);
	/* A peer we told to wait would wait forever: the device drops now. */
	if (e->rx_starved) {
		e->rx_starved = false;
		net_port_wake_peer(&e->port);
	}
}

static void power_on_reset(struct e1000 *e)
{
	phy_defaults(e);
	mac_reset(e);
}

static void ctrl_write(struct e1000 *e, uint32_t v)
{
	uint32_t old = R(e, E1K_CTRL);

	if (v & E1K_CTRL_RST) {
		LOG_DEBUG(COMP, "%s: CTRL.RST", e->name);
		e->cnt.resets++;
		mac_reset(e);
		return;
	}
	R(e, E1K_CTRL) = v;
	/* Leaving PHY reset: the PHY comes back with its defaults. */
	if ((old & E1K_CTRL_PHY_RST) && !(v & E1K_CTRL_PHY_RST))
		phy_defaults(e);
	link_update(e, false);
}

/*
 * With a doorbell page, enabling a ring takes its registers from the page; the
 * device runs on that snapshot (and the tails it polls) until the next enable.
 */
static void ring_enable(struct e1000 *e, uint32_t ctl_off, uint32_t en, uint32_t v, bool tx)
{
	bool rise = !(R(e, ctl_off) & en) && (v & en);

	R(e, ctl_off) = v;
	if (!e->db)
		return;
	if (rise)
		e1k_db_latch(e->regs, e->db, tx);
	db_hook_update(e);
}

static void rctl_write(struct e1000 *e, uint32_t v)
{
	ring_enable(e, E1K_RCTL, E1K_RCTL_EN, v, false);
	rx_kick(e);
}

static uint32_t reg_read(struct e1000 *e, uint32_t off)
{
	uint32_t v;

	switch (off) {
	case E1K_ICR:
		/* Read to clear; the line drops with it. */
		v = R(e, E1K_ICR);
		R(e, E1K_ICR) = 0;
		irq_update(e);
		return v;
	case E1K_ICS:
		return R(e, E1K_ICR);
	case E1K_IMC:
		return 0;
	case E1K_STATUS:
		return status_read(e);
	case E1K_EECD:
		return e1k_mw_read(&e->mw);
	default:
		break;
	}
	if (off >= E1K_STATS_BASE && off < E1K_STATS_END)
		return stat_read(e, off);
	if (!reg_name(off)) {
		e->cnt.unknown_regs++;
		LOG_RL(LOG_LVL_DEBUG, COMP, "%s: read of unknown register %#x", e->name, off);
		return 0;
	}
	return R(e, off);
}

static void reg_write(struct e1000 *e, uint32_t off, uint32_t v)
{
	switch (off) {
	case E1K_CTRL:
		ctrl_write(e, v);
		return;
	case E1K_STATUS:
		return; /* read-only */
	case E1K_EECD:
		e1k_mw_write(&e->mw, e->eeprom, v);
		return;
	case E1K_EERD:
		eerd_write(e, v);
		return;
	case E1K_MDIC:
		mdic_write(e, v);
		return;
	case E1K_ICR:
		R(e, E1K_ICR) &= ~v; /* write 1 to clear */
		irq_update(e);
		return;
	case E1K_ICS:
		set_cause(e, v);
		return;
	case E1K_IMS:
		R(e, E1K_IMS) |= v & E1K_ICR_VALID;
		irq_update(e);
		return;
	case E1K_IMC:
		R(e, E1K_IMS) &= ~v;
		irq_update(e);
		return;
	case E1K_ITR:
	case E1K_VET:
	case E1K_RDTR:
	case E1K_RADV:
	case E1K_TIDV:
	case E1K_TADV:
		R(e, off) = v & 0xffff;
		return;
	case E1K_RCTL:
		rctl_write(e, v);
		return;
	case E1K_TCTL:
		ring_enable(e, E1K_TCTL, E1K_TCTL_EN, v, true);
		tx_process(e);
		return;
	case E1K_TDH:
	case E1K_RDH:
		R(e, off) = v & 0xffff;
		return;
	case E1K_TDT:
		R(e, off) = v & 0xffff;
		tx_process(e);
		return;
	case E1K_RDT:
		R(e, off) = v & 0xffff;
		rx_kick(e);
		return;
	case E1K_TDLEN:
	case E1K_RDLEN:
		R(e, off) = v & 0xfffff;
		return;
	default:
		break;
	}
	if (off >= E1K_STATS_BASE && off < E1K_STATS_END)
		return; /* counters are read-only */
	if (off >= E1K_RAL(0) && off < E1K_RA_END && (off & 4)) {
		R(e, off) = v & (E1K_RAH_AV | E1K_RAH_AS_MASK | 0xffff);
		return;
	}
	if (!reg_name(off)) {
		e->cnt.unknown_regs++;
		LOG_RL(LOG_LVL_DEBUG, COMP, "%s: write of %#x to unknown register %#x ignored",
		       e->name, v, off);
		return;
	}
	R(e, off) = v;
}

static void log_access(struct e1000 *e, const char *bar, uint32_t off, uint32_t v, bool wr)
{
	const char *n = reg_name(off);

	if (log_enabled(LOG_LVL_TRACE))
		LOG_TRACE(COMP, "%s: %s %s %s [%#07x] %#010x", e->name, bar, wr ? "write" : "read",
			  n ? n : "?", off, v);
	else
		LOG_RL(LOG_LVL_DEBUG, COMP, "%s: %s %s %s [%#07x] %#010x", e->name, bar,
		       wr ? "write" : "read", n ? n : "?", off, v);
}

static uint32_t dword_read(struct e1000 *e, uint32_t off, const char *bar)
{
	/* The doorbell page, reached through the I/O BAR: the page is the register. */
	uint32_t v = e->db && e1k_db_covers(off) ? e1k_db_read(e->db, off) : reg_read(e, off);

	if (log_enabled(LOG_LVL_DEBUG))
		log_access(e, bar, off, v, false);
	return v;
}

static void dword_write(struct e1000 *e, uint32_t off, uint32_t v, const char *bar)
{
	if (log_enabled(LOG_LVL_DEBUG))
		log_access(e, bar, off, v, true);
	if (off == E1K_TDT || off == E1K_RDT)
		e->cnt.tail_traps++;
	if (e->db && e1k_db_covers(off))
		e1k_db_write(e->db, off, v); /* the poll picks it up */
	else
		reg_write(e, off, v);
}

/* Registers whose other bytes must not be written back on a partial write. */
static bool reg_no_merge(uint32_t off)
{
	return off == E1K_ICR || off == E1K_ICS || off == E1K_IMS || off == E1K_IMC ||
	       off == E1K_CTRL || off == E1K_MDIC || off == E1K_EERD || off == E1K_EECD;
}

static ssize_t mmio_access(struct e1000 *e, uint64_t off, uint8_t *buf, size_t count, bool wr)
{
	uint32_t base = (uint32_t)off & ~3u, sh = ((uint32_t)off & 3) * 8, v;

	if (count == 8 && !(off & 7)) {
		/* Two dwords, low first. */
		if (mmio_access(e, off, buf, 4, wr) < 0 || mmio_access(e, off + 4, buf + 4, 4, wr) < 0)
			return -EINVAL;
		return 8;
	}
	if (count != 1 && count != 2 && count != 4)
		return -EINVAL;
	if ((off & 3) + count > 4)
		return -EINVAL; /* crosses a register */
	if (!wr) {
		v = dword_read(e, base, "mmio") >> sh;
		memcpy(buf, &v, count); /* little-endian host: low bytes first */
		return (ssize_t)count;
	}
	if (count == 4) {
		memcpy(&v, buf, 4);
	} else {
		uint32_t part = 0, mask = (count == 1 ? 0xffu : 0xffffu) << sh;

		memcpy(&part, buf, count);
		v = reg_no_merge(base) ? 0 : R(e, base);
		v = (v & ~mask) | (part << sh);
	}
	dword_write(e, base, v, "mmio");
	return (ssize_t)count;
}

/* I/O BAR: IOADDR (0) selects a register, IODATA (4) reads or writes it. */
static ssize_t io_access(struct e1000 *e, uint64_t off, uint8_t *buf, size_t count, bool wr)
{
	uint32_t v = 0;

	if (count != 4 || (off & 3)) {
		if (!wr)
			memset(buf, 0, count);
		return (ssize_t)count;
	}
	if (wr)
		memcpy(&v, buf, 4);
	if (off == 0) {
		if (wr)
			e->ioaddr = v & (E1K_MMIO_SIZE - 4);
		else
			v = e->ioaddr;
	} else if (off == 4) {
		if (wr)
			dword_write(e, e->ioaddr, v, "io");
		else
			v = dword_read(e, e->ioaddr, "io");
	}
	if (!wr)
		memcpy(buf, &v, 4);
	return 4;
}

static ssize_t bar_access(void *opaque, unsigned bar, uint64_t off, void *buf, size_t count,
			  bool is_write)
{
	struct e1000 *e = opaque;

	if (bar == 0 && off < E1K_MMIO_SIZE && count <= E1K_MMIO_SIZE - off)
		return mmio_access(e, off, buf, count, is_write);
	if (bar == 1 && off < E1K_IO_SIZE && count <= E1K_IO_SIZE - off)
		return io_access(e, off, buf, count, is_write);
	return -EINVAL;
}

/* ==== lifecycle ==================================================================== */

static void pci_reset_cb(void *opaque)
{
	struct e1000 *e = opaque;

	LOG_DEBUG(COMP, "%s: device reset", e->name);
	e->cnt.resets++;
	power_on_reset(e);
}

static void pci_attach_cb(void *opaque)
{
	struct e1000 *e = opaque;

	if (e->db)
		LOG_INFO(COMP, "%s: VMM attached; doorbells polled: TX/RX ring registers on a "
			       "shared page (BAR0 %#x-%#x)", e->name, E1K_DB_OFF,
			 E1K_DB_OFF + E1K_DB_SIZE - 1);
	else
		LOG_INFO(COMP, "%s: VMM attached; doorbells trapped", e->name);
}

static const struct pci_dev_ops e1k_pci_ops = {
	.reset = pci_reset_cb,
	.attach = pci_attach_cb,
};

static void e1000_destroy(struct dev_instance *d)
{
	struct e1000 *e;

	if (!d)
		return;
	e = to_e1000(d);
	if (e->db_hooked)
		loop_del_poll(e->loop, db_poll, e);
	e->db_hooked = false;
	e->db = NULL;
	net_port_disconnect(&e->port);
	if (e->pci)
		pci_dev_destroy(e->pci);
	e->pci = NULL;
	if (e->tfd_h)
		loop_del_fd(e->loop, e->tfd_h);
	if (e->tfd >= 0)
		close(e->tfd);
	tx_abort(e);
	if (e->pool)
		pkt_pool_destroy(e->pool);
	free(e->tso_buf);
	free(e->regs);
	free(e);
}

static struct pci_dev *e1000_pci_create(struct e1000 *e)
{
	struct pci_dev_desc desc = {
		.name = e->name,
		.vendor_id = E1K_PCI_VENDOR,
		.device_id = E1K_PCI_DEVICE,
		.subsys_vendor_id = E1K_PCI_SUBSYS_VENDOR,
		.subsys_id = E1K_PCI_SUBSYS,
		.revision = E1K_PCI_REVISION,
		.class_code = E1K_PCI_CLASS,
		.irq_pin = 1, /* INTA#; the 82540EM has neither MSI nor MSI-X */
		.limits.max_dma_total = e->max_guest_ram,
	};
	struct pci_dev *pci;

	desc.bars[0] = (struct pci_bar_desc){ .size = E1K_MMIO_SIZE, .flags = PCI_BAR_MEM,
					      .access = bar_access };
	if (e->db_poll) {
		desc.bars[0].nr_shared = 1;
		desc.bars[0].shared[0] = (struct vfu_sparse_area){ .offset = E1K_DB_OFF,
								   .size = E1K_DB_SIZE };
	}
	desc.bars[1] = (struct pci_bar_desc){ .size = E1K_IO_SIZE, .flags = PCI_BAR_IO,
					      .access = bar_access };
	pci = pci_dev_create(&desc, &e1k_pci_ops, e);
	if (pci && !pci_add_cap_pm(pci)) {
		pci_dev_destroy(pci);
		return NULL;
	}
	return pci;
}

static bool mac_ok(const uint8_t *m)
{
	static const uint8_t z[ETH_ALEN];

	return !(m[0] & 1) && memcmp(m, z, ETH_ALEN) != 0;
}

static struct dev_instance *e1000_create(const struct dev_config *cfg, char *err, size_t errlen)
{
	struct e1000 *e;
	int r;

	if (!cfg || !cfg->loop || !cfg->socket_path) {
		snprintf(err, errlen, "e1000: incomplete configuration");
		return NULL;
	}
	if (!mac_ok(cfg->mac)) {
		snprintf(err, errlen, "e1000: MAC address must be unicast and not zero");
		return NULL;
	}
	e = calloc(1, sizeof(*e));
	if (!e) {
		snprintf(err, errlen, "e1000: out of memory");
		return NULL;
	}
	e->tfd = -1;
	e->inst.model = &e1000_model;
	e->loop = cfg->loop;
	e->db_poll = cfg->doorbell == DEV_DOORBELL_POLL;
	e->max_guest_ram = cfg->max_guest_ram;
	snprintf(e->name, sizeof(e->name), "%s", cfg->name ? cfg->name : "e1000");
	memcpy(e->mac, cfg->mac, ETH_ALEN);
	e1k_eeprom_build(e->eeprom, e->mac);
	net_port_init(&e->port, e->name, &e1k_port_ops, e);

	e->regs = calloc(E1K_NREGS, sizeof(uint32_t));
	e->tso_buf = malloc(E1K_TSO_MAX);
	e->pool = pkt_pool_create(e->name, E1K_POOL_PKTS);
	if (!e->regs || !e->tso_buf || !e->pool) {
		snprintf(err, errlen, "e1000: out of memory");
		goto fail;
	}
	e->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (e->tfd < 0 || !(e->tfd_h = loop_add_fd(e->loop, e->tfd, EPOLLIN, timer_cb, e))) {
		snprintf(err, errlen, "e1000: timer: %s", strerror(errno));
		goto fail;
	}
	power_on_reset(e);
	e->pci = e1000_pci_create(e);
	if (!e->pci) {
		snprintf(err, errlen, "e1000: cannot create the PCI device");
		goto fail;
	}
	if (e->db_poll) {
		e->db = pci_bar_shared(e->pci, 0, 0);
		if (!e->db) {
			snprintf(err, errlen, "e1000: no doorbell page");
			goto fail;
		}
		e1k_db_clear(e->db);
	}
	r = pci_dev_listen(e->pci, e->loop, cfg->socket_path);
	if (r < 0) {
		snprintf(err, errlen, "e1000: cannot listen on %s: %s", cfg->socket_path,
			 strerror(-r));
		goto fail;
	}
	LOG_DEBUG(COMP, "%s: 82540EM on %s", e->name, cfg->socket_path);
	return &e->inst;
fail:
	e1000_destroy(&e->inst);
	return NULL;
}

static struct net_port *e1000_port(struct dev_instance *d)
{
	return &to_e1000(d)->port;
}

static void e1000_dump_stats(struct dev_instance *d, FILE *out)
{
	struct e1000 *e = to_e1000(d);
	const struct e1k_counters *c = &e->cnt;

	fprintf(out,
		"\"link\":%s,\"tx_pkts\":%llu,\"tx_bytes\":%llu,\"tx_tso\":%llu,"
		"\"tx_tso_segs\":%llu,\"tx_drop_nobuf\":%llu,\"tx_drop_long\":%llu,"
		"\"tx_drop_dma\":%llu,\"tx_drop_runt\":%llu,\"tx_drop_tso\":%llu,"
		"\"tx_no_peer\":%llu,\"tx_csum_bad\":%llu,\"tx_bad_desc\":%llu,"
		"\"tx_ring_err\":%llu,\"tx_desc_dma\":%llu,\"tx_walk_yield\":%llu,"
		"\"tx_blocked\":%llu,\"tx_descs\":%llu,\"tx_descs_wake_max\":%llu,"
		"\"tx_tail_pending\":%llu,",
		e->link_up ? "true" : "false", (unsigned long long)c->tx_pkts,
		(unsigned long long)c->tx_bytes, (unsigned long long)c->tx_tso,
		(unsigned long long)c->tx_tso_segs, (unsigned long long)c->tx_drop_nobuf,
		(unsigned long long)c->tx_drop_long, (unsigned long long)c->tx_drop_dma,
		(unsigned long long)c->tx_drop_runt, (unsigned long long)c->tx_drop_tso,
		(unsigned long long)c->tx_no_peer, (unsigned long long)c->tx_csum_bad,
		(unsigned long long)c->tx_bad_desc, (unsigned long long)c->tx_ring_err,
		(unsigned long long)c->tx_desc_dma, (unsigned long long)c->tx_walk_yield,
		(unsigned long long)c->tx_blocked, (unsigned long long)c->tx_descs,
		(unsigned long long)c->tx_descs_wake_max, (unsigned long long)c->tx_tail_pending);
	fprintf(out,
		"\"rx_pkts\":%llu,\"rx_bytes\":%llu,\"rx_drop_off\":%llu,\"rx_drop_addr\":%llu,"
		"\"rx_drop_vlan\":%llu,\"rx_drop_long\":%llu,\"rx_drop_bad\":%llu,"
		"\"rx_drop_nodesc\":%llu,\"rx_ring_err\":%llu,\"rx_desc_dma\":%llu,"
		"\"rx_buf_dma\":%llu,\"irqs\":%llu,\"resets\":%llu,\"unknown_regs\":%llu,",
		(unsigned long long)c->rx_pkts, (unsigned long long)c->rx_bytes,
		(unsigned long long)c->rx_drop_off, (unsigned long long)c->rx_drop_addr,
		(unsigned long long)c->rx_drop_vlan, (unsigned long long)c->rx_drop_long,
		(unsigned long long)c->rx_drop_bad, (unsigned long long)c->rx_drop_nodesc,
		(unsigned long long)c->rx_ring_err, (unsigned long long)c->rx_desc_dma,
		(unsigned long long)c->rx_buf_dma, (unsigned long long)c->irqs,
		(unsigned long long)c->resets, (unsigned long long)c->unknown_regs);
	fprintf(out,
		"\"doorbell\":\"%s\",\"tail_traps\":%llu,\"db_page_traps\":%llu,"
		"\"db_page_renew_err\":%llu,\"db_tx_kicks\":%llu,\"db_rx_kicks\":%llu,"
		"\"db_hook_err\":%llu",
		e->db ? "poll" : "trap", (unsigned long long)c->tail_traps,
		(unsigned long long)(e->db ? pci_bar_shared_traps(e->pci, 0) : 0),
		(unsigned long long)(e->db ? pci_bar_shared_renew_err(e->pci, 0) : 0),
		(unsigned long long)c->db_tx_kicks, (unsigned long long)c->db_rx_kicks,
		(unsigned long long)c->db_hook_err);
}

const struct dev_model e1000_model = {
	.name = "e1000-emu",
	.description = "Intel 82540EM (PRO/1000 MT Desktop), emulated",
	.create = e1000_create,
	.destroy = e1000_destroy,
	.port = e1000_port,
	.dump_stats = e1000_dump_stats,
	.doorbell_poll = true,
};
