/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for the pure parts of the e1000 model: EEPROM image and its
 * Microwire bit-banging (driven the way Linux's e1000 driver does it), receive
 * filtering, checksums, receive checksum status, transmit checksum insertion,
 * TCP segmentation, ring arithmetic and the doorbell page helpers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "dev/e1000/e1000_priv.h"
#include "dev/e1000/e1000_regs.h"
#include "lib/bytes.h"

static const uint8_t MAC[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

/* ---- EEPROM -------------------------------------------------------------------- */

static void test_eeprom_image(void **state)
{
	uint16_t ee[E1K_EEPROM_WORDS];

	(void)state;
	e1k_eeprom_build(ee, MAC);
	assert_int_equal(e1k_eeprom_sum(ee), 0xbaba);
	assert_int_equal(ee[0], 0x5452);
	assert_int_equal(ee[1], 0x1200);
	assert_int_equal(ee[2], 0x5634);
	assert_int_equal(ee[0x0d], 0x100e);
	assert_int_equal(ee[0x0e], 0x8086);
	/* Another address still sums right. */
	uint8_t m2[6] = { 0x02, 0xff, 0xee, 0xdd, 0xcc, 0xbb };
	e1k_eeprom_build(ee, m2);
	assert_int_equal(e1k_eeprom_sum(ee), 0xbaba);
}

/* A driver-side model of Linux's Microwire routines, talking to e1k_mw. */
struct mwdrv {
	struct e1k_mw m;
	const uint16_t *ee;
	uint32_t eecd;
};

static void mw_w(struct mwdrv *d, uint32_t v)
{
	d->eecd = v;
	e1k_mw_write(&d->m, d->ee, v);
}

static uint32_t mw_r(struct mwdrv *d)
{
	return e1k_mw_read(&d->m);
}

static void mw_shift_out(struct mwdrv *d, uint16_t data, unsigned count)
{
	uint32_t eecd = mw_r(d) & ~E1K_EECD_DO;

	for (uint32_t mask = 1u << (count - 1); mask; mask >>= 1) {
		eecd &= ~E1K_EECD_DI;
		if (data & mask)
			eecd |= E1K_EECD_DI;
		mw_w(d, eecd);
		mw_w(d, eecd | E1K_EECD_SK);
		mw_w(d, eecd);
	}
	mw_w(d, eecd & ~E1K_EECD_DI);
}

static uint16_t mw_shift_in(struct mwdrv *d, unsigned count)
{
	uint32_t eecd = mw_r(d) & ~(E1K_EECD_DO | E1K_EECD_DI);
	uint16_t data = 0;

	for (unsigned i = 0; i < count; i++) {
		data = (uint16_t)(data << 1);
		mw_w(d, eecd | E1K_EECD_SK);
		eecd = mw_r(d) & ~E1K_EECD_DI;
		if (eecd & E1K_EECD_DO)
			data |= 1;
		eecd &= ~(E1K_EECD_SK | E1K_EECD_DO);
		mw_w(d, eecd);
	}
	return data;
}

static void mw_acquire(struct mwdrv *d)
{
	uint32_t eecd = mw_r(d);

	mw_w(d, eecd | E1K_EECD_REQ);
	eecd = mw_r(d);
	assert_true(eecd & E1K_EECD_GNT);
	eecd &= ~(E1K_EECD_DI | E1K_EECD_SK);
	mw_w(d, eecd);
	mw_w(d, eecd | E1K_EECD_CS);
}

static void mw_standby(struct mwdrv *d)
{
	uint32_t eecd = mw_r(d) & ~(E1K_EECD_CS | E1K_EECD_SK | E1K_EECD_DO);

	mw_w(d, eecd);
	mw_w(d, eecd | E1K_EECD_SK);
	mw_w(d, eecd | E1K_EECD_SK | E1K_EECD_CS);
	mw_w(d, eecd | E1K_EECD_CS);
}

static void mw_release(struct mwdrv *d)
{
	uint32_t eecd = mw_r(d) & ~(E1K_EECD_CS | E1K_EECD_DI | E1K_EECD_DO);

	mw_w(d, eecd);
	mw_w(d, eecd | E1K_EECD_SK);
	mw_w(d, eecd);
	mw_w(d, eecd & ~E1K_EECD_REQ);
}

static void test_microwire_read_all(void **state)
{
	uint16_t ee[E1K_EEPROM_WORDS], got[E1K_EEPROM_WORDS];
	struct mwdrv d = { .ee = ee };
	uint16_t sum = 0;

	(void)state;
	e1k_eeprom_build(ee, MAC);
	e1k_mw_reset(&d.m);
	assert_true(mw_r(&d) & E1K_EECD_PRES);
	assert_false(mw_r(&d) & E1K_EECD_SIZE); /* 64 words: 6 address bits */
	assert_false(mw_r(&d) & E1K_EECD_GNT);
	mw_acquire(&d);
	for (unsigned i = 0; i < E1K_EEPROM_WORDS; i++) {
		mw_shift_out(&d, 0x6, 3); /* start bit + READ */
		mw_shift_out(&d, (uint16_t)i, 6);
		got[i] = mw_shift_in(&d, 16);
		mw_standby(&d);
		sum = (uint16_t)(sum + got[i]);
	}
	mw_release(&d);
	assert_memory_equal(got, ee, sizeof(ee));
	assert_int_equal(sum, 0xbaba);
	assert_false(mw_r(&d) & E1K_EECD_GNT);
}

static void test_microwire_sequential_and_junk(void **state)
{
	uint16_t ee[E1K_EEPROM_WORDS];
	struct mwdrv d = { .ee = ee };

	(void)state;
	e1k_eeprom_build(ee, MAC);
	e1k_mw_reset(&d.m);
	mw_acquire(&d);
	/* Leading zeros before the start bit are ignored. */
	mw_shift_out(&d, 0x0, 2);
	mw_shift_out(&d, 0x6, 3);
	mw_shift_out(&d, 1, 6);
	assert_int_equal(mw_shift_in(&d, 16), ee[1]);
	/* Sequential read continues with the next word. */
	assert_int_equal(mw_shift_in(&d, 16), ee[2]);
	mw_standby(&d);
	/* A WRITE (01b) is ignored and changes nothing; DO stays low. */
	mw_shift_out(&d, 0x5, 3);
	mw_shift_out(&d, 0, 6);
	mw_shift_out(&d, 0xdead, 16);
	assert_int_equal(mw_shift_in(&d, 16), 0);
	mw_standby(&d);
	mw_shift_out(&d, 0x6, 3);
	mw_shift_out(&d, 0, 6);
	assert_int_equal(mw_shift_in(&d, 16), ee[0]);
	/* Clocking without chip select does nothing. */
	mw_release(&d);
	mw_shift_out(&d, 0x6, 3);
	mw_shift_out(&d, 2, 6);
	assert_int_equal(mw_shift_in(&d, 16), 0);
	/* Address 63 wraps to 0 on a sequential read. */
	mw_acquire(&d);
	mw_shift_out(&d, 0x6, 3);
	mw_shift_out(&d, 63, 6);
	assert_int_equal(mw_shift_in(&d, 16), ee[63]);
	assert_int_equal(mw_shift_in(&d, 16), ee[0]);
	mw_release(&d);
}

/* ---- receive filters --------------------------------------------------------------- */

static uint32_t *regs_new(void)
{
	uint32_t *r = calloc(E1K_NREGS, sizeof(uint32_t));

	assert_non_null(r);
	r[E1K_RAL(0) / 4] = 0x00005452u | 0x56341200u; /* 52:54:00:12:34:56 */
	r[E1K_RAL(0) / 4] = (uint32_t)MAC[0] | (uint32_t)MAC[1] << 8 | (uint32_t)MAC[2] << 16 |
			    (uint32_t)MAC[3] << 24;
	r[E1K_RAH(0) / 4] = (uint32_t)MAC[4] | (uint32_t)MAC[5] << 8 | E1K_RAH_AV;
	return r;
}

static enum e1k_rx_verdict filt(const uint32_t *r, const uint8_t *dst, enum e1k_rx_class *c)
{
	return e1k_rx_filter(r, dst, false, 0, c);
}

static void test_mta_hash(void **state)
{
	static const uint8_t a[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };
	static const uint8_t b[6] = { 0x33, 0x33, 0xff, 0xab, 0xcd, 0xef };

	(void)state;
	/* Same formulas as the driver's hash for MO 0..3. */
	assert_int_equal(e1k_mta_hash(a, 0), 0x010);
	assert_int_equal(e1k_mta_hash(a, 1), 0x020);
	assert_int_equal(e1k_mta_hash(a, 2), 0x040);
	assert_int_equal(e1k_mta_hash(a, 3), 0x100);
	assert_int_equal(e1k_mta_hash(b, 0), ((0xcd >> 4) | (0xef << 4)) & 0xfff);
	assert_int_equal(e1k_mta_hash(b, 1), ((0xcd >> 3) | (0xef << 5)) & 0xfff);
	assert_int_equal(e1k_mta_hash(b, 2), ((0xcd >> 2) | (0xef << 6)) & 0xfff);
	assert_int_equal(e1k_mta_hash(b, 3), (0xcd | (0xef << 8)) & 0xfff);
}

static void test_filter_unicast(void **state)
{
	uint32_t *r = regs_new();
	uint8_t other[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x57 };
	enum e1k_rx_class c;

	(void)state;
	assert_int_equal(filt(r, MAC, &c), E1K_RXF_ACCEPT);
	assert_int_equal(c, E1K_RX_UNICAST);
	assert_int_equal(filt(r, other, &c), E1K_RXF_DROP_ADDR);
	/* An exact filter in another slot. */
	r[E1K_RAL(5) / 4] = 0x12005452;
	r[E1K_RAH(5) / 4] = 0x5734 | E1K_RAH_AV;
	assert_int_equal(filt(r, other, &c), E1K_RXF_ACCEPT);
	/* Without AV it does not count; nor with a source-address select. */
	r[E1K_RAH(5) / 4] = 0x5734;
	assert_int_equal(filt(r, other, &c), E1K_RXF_DROP_ADDR);
	r[E1K_RAH(5) / 4] = 0x5734 | E1K_RAH_AV | (1u << 16);
	assert_int_equal(filt(r, other, &c), E1K_RXF_DROP_ADDR);
	/* Promiscuous unicast. */
	r[E1K_RCTL / 4] |= E1K_RCTL_UPE;
	assert_int_equal(filt(r, other, &c), E1K_RXF_ACCEPT);
	free(r);
}

static void test_filter_multicast_broadcast(void **state)
{
	uint32_t *r = regs_new();
	static const uint8_t mc[6] = { 0x01, 0x00, 0x5e, 0x7f, 0x12, 0x34 };
	static const uint8_t bc[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	enum e1k_rx_class c;

	(void)state;
	assert_int_equal(filt(r, mc, &c), E1K_RXF_DROP_ADDR);
	assert_int_equal(c, E1K_RX_MULTICAST);
	for (unsigned mo = 0; mo < 4; mo++) {
		uint16_t h = e1k_mta_hash(mc, mo);

		memset(r + E1K_MTA / 4, 0, 4 * E1K_MTA_WORDS);
		r[E1K_RCTL / 4] = mo << E1K_RCTL_MO_SHIFT;
		assert_int_equal(filt(r, mc, &c), E1K_RXF_DROP_ADDR);
		r[E1K_MTA / 4 + (h >> 5)] |= 1u << (h & 31);
		assert_int_equal(filt(r, mc, &c), E1K_RXF_ACCEPT);
		/* The same table bit under another MO offset selects other addresses. */
		r[E1K_RCTL / 4] = ((mo + 1) & 3) << E1K_RCTL_MO_SHIFT;
		if (e1k_mta_hash(mc, (mo + 1) & 3) != h)
			assert_int_equal(filt(r, mc, &c), E1K_RXF_DROP_ADDR);
	}
	memset(r + E1K_MTA / 4, 0, 4 * E1K_MTA_WORDS);
	r[E1K_RCTL / 4] = E1K_RCTL_MPE;
	assert_int_equal(filt(r, mc, &c), E1K_RXF_ACCEPT);
	/* MTA does not let unicast through. */
	r[E1K_RCTL / 4] = 0;
	memset(r + E1K_MTA / 4, 0xff, 4 * E1K_MTA_WORDS);
	uint8_t uc[6] = { 0x02, 0, 0, 0, 0x12, 0x34 };
	assert_int_equal(filt(r, uc, &c), E1K_RXF_DROP_ADDR);
	/* Broadcast needs BAM. */
	r[E1K_RCTL / 4] = 0;
	assert_int_equal(filt(r, bc, &c), E1K_RXF_DROP_ADDR);
	assert_int_equal(c, E1K_RX_BROADCAST);
	r[E1K_RCTL / 4] = E1K_RCTL_BAM;
	assert_int_equal(filt(r, bc, &c), E1K_RXF_ACCEPT);
	free(r);
}

static void test_filter_vlan(void **state)
{
	uint32_t *r = regs_new();
	enum e1k_rx_class c;

	(void)state;
	/* VFE off: any tag passes. */
	assert_int_equal(e1k_rx_filter(r, MAC, true, 100, &c), E1K_RXF_ACCEPT);
	r[E1K_RCTL / 4] = E1K_RCTL_VFE;
	assert_int_equal(e1k_rx_filter(r, MAC, true, 100, &c), E1K_RXF_DROP_VLAN);
	r[E1K_VFTA / 4 + (100 >> 5)] |= 1u << (100 & 31);
	assert_int_equal(e1k_rx_filter(r, MAC, true, 100, &c), E1K_RXF_ACCEPT);
	assert_int_equal(e1k_rx_filter(r, MAC, true, 101, &c), E1K_RXF_DROP_VLAN);
	/* Priority bits do not matter; untagged frames skip the VLAN filter. */
	assert_int_equal(e1k_rx_filter(r, MAC, true, 0xe000 | 100, &c), E1K_RXF_ACCEPT);
	assert_int_equal(e1k_rx_filter(r, MAC, false, 0, &c), E1K_RXF_ACCEPT);
	/* CFI must match RCTL.CFI when CFIEN. */
	r[E1K_RCTL / 4] |= E1K_RCTL_CFIEN;
	assert_int_equal(e1k_rx_filter(r, MAC, true, 0x1000 | 100, &c), E1K_RXF_DROP_VLAN);
	r[E1K_RCTL / 4] |= E1K_RCTL_CFI;
	assert_int_equal(e1k_rx_filter(r, MAC, true, 0x1000 | 100, &c), E1K_RXF_ACCEPT);
	free(r);
}

/* ---- checksums ---------------------------------------------------------------------- */

static void test_csum_matches_reference(void **state)
{
	uint8_t buf[2100];

	(void)state;
	srand(7);
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)rand();
	for (size_t off = 0; off < 9; off++)
		for (size_t len = 0; len < 2048; len += 1 + len / 7)
			assert_int_equal(e1k_csum(buf + off, len, 0x1234),
					 ref_sum(buf + off, len, 0x1234));
	memset(buf, 0xff, 64);
	assert_int_equal(e1k_csum(buf, 64, 0), 0xffff);
}

static void test_crc32(void **state)
{
	(void)state;
	assert_int_equal(e1k_crc32("123456789", 9), 0xcbf43926u);
	assert_int_equal(e1k_crc32("", 0), 0);
	/* Long input through the 8-byte path agrees with the byte path. */
	uint8_t b[100];
	for (unsigned i = 0; i < sizeof(b); i++)
		b[i] = (uint8_t)(i * 7);
	uint32_t c = 0xffffffffu;
	for (unsigned i = 0; i < sizeof(b); i++) {
		c ^= b[i];
		for (int k = 0; k < 8; k++)
			c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
	}
	assert_int_equal(e1k_crc32(b, sizeof(b)), ~c);
}

/* ---- frames ---------------------------------------------------------------------------- */

#define HDR4 (14 + 20 + 20)
#define HDR6 (14 + 40 + 20)

/* Ethernet + IPv4 + TCP header (no options) in front of plen payload bytes. */
static size_t build_tcp4(uint8_t *f, size_t plen, uint8_t flags)
{
	memset(f, 0, HDR4);
	memcpy(f, MAC, 6);
	f[6] = 0x02;
	wbe16(f + 12, 0x0800);
	uint8_t *ip = f + 14, *th = ip + 20;
	ip[0] = 0x45;
	wbe16(ip + 2, (uint16_t)(20 + 20 + plen));
	wbe16(ip + 4, 0x1234);
	wbe16(ip + 6, 0x4000); /* DF */
	ip[8] = 64;
	ip[9] = 6;
	wbe32(ip + 12, 0x0a000001);
	wbe32(ip + 16, 0x0a000002);
	wbe16(th, 40000);
	wbe16(th + 2, 5001);
	wbe32(th + 4, 0xfffff000u); /* the sequence number wraps during the send */
	wbe32(th + 8, 0x01020304);
	th[12] = 5 << 4;
	th[13] = flags;
	wbe16(th + 14, 65535);
	for (size_t i = 0; i < plen; i++)
		f[HDR4 + i] = (uint8_t)(i * 31 + (i >> 8));
	return HDR4 + plen;
}

static size_t build_tcp6(uint8_t *f, size_t plen, uint8_t flags)
{
	memset(f, 0, HDR6);
	memcpy(f, MAC, 6);
	f[6] = 0x02;
	wbe16(f + 12, 0x86dd);
	uint8_t *ip = f + 14, *th = ip + 40;
	ip[0] = 0x60;
	wbe16(ip + 4, (uint16_t)(20 + plen));
	ip[6] = 6;
	ip[7] = 64;
	ip[8] = 0xfd;
	ip[23] = 1;
	ip[24] = 0xfd;
	ip[39] = 2;
	wbe16(th, 40000);
	wbe16(th + 2, 5001);
	wbe32(th + 4, 1000);
	th[12] = 5 << 4;
	th[13] = flags;
	for (size_t i = 0; i < plen; i++)
		f[HDR6 + i] = (uint8_t)(i * 13 + 5);
	return HDR6 + plen;
}

/* Pseudo-header sum (no length) for IPv4/IPv6 TCP. */
static uint16_t pseudo4(const uint8_t *ip, uint32_t l4len)
{
	return ref_sum(ip + 12, 8, 6 + l4len);
}

static uint16_t pseudo6(const uint8_t *ip, uint32_t l4len)
{
	return ref_sum(ip + 8, 32, 6 + l4len);
}

static void test_rx_csum(void **state)
{
	uint8_t f[1600];
	size_t len = build_tcp4(f, 1000, 0x18);
	uint8_t *ip = f + 14, *th = ip + 20;
	uint8_t st, er;

	(void)state;
	wbe16(ip + 10, (uint16_t)~ref_sum(ip, 20, 0));
	wbe16(th + 16, (uint16_t)~ref_sum(th, len - 34, pseudo4(ip, (uint32_t)(len - 34))));

	st = er = 0;
	e1k_rx_csum(ip, (uint32_t)(len - 14), 0x0800, E1K_RXCSUM_IPOFL | E1K_RXCSUM_TUOFL, &st,
		    &er);
	assert_int_equal(st, E1K_RXD_STAT_IPCS | E1K_RXD_STAT_TCPCS);
	assert_int_equal(er, 0);
	/* Only what RXCSUM enables. */
	st = er = 0;
	e1k_rx_csum(ip, (uint32_t)(len - 14), 0x0800, E1K_RXCSUM_TUOFL, &st, &er);
	assert_int_equal(st, E1K_RXD_STAT_TCPCS);
	st = er = 0;
	e1k_rx_csum(ip, (uint32_t)(len - 14), 0x0800, 0, &st, &er);
	assert_int_equal(st, E1K_RXD_STAT_IXSM);
	/* A flipped payload bit: TCPE. A flipped header bit: IPE. */
	f[500] ^= 1;
	st = er = 0;
	e1k_rx_csum(ip, (uint32_t)(len - 14), 0x0800, E1K_RXCSUM_IPOFL | E1K_RXCSUM_TUOFL, &st,
		    &er);
	assert_int_equal(er, E1K_RXD_ERR_TCPE);
	f[500] ^= 1;
	ip[8] ^= 1;
	st = er = 0;
	e1k_rx_csum(ip, (uint32_t)(len - 14), 0x0800, E1K_RXCSUM_IPOFL | E1K_RXCSUM_TUOFL, &st,
		    &er);
	assert_int_equal(er, E1K_RXD_ERR_IPE);
	ip[8] ^= 1;
	/* A fragment: no TCP verdict. */
	wbe16(ip + 6, 0x2000);
	wbe16(ip + 10, 0);
	wbe16(ip + 10, (uint16_t)~ref_sum(ip, 20, 0));
	st = er = 0;
	e1k_rx_csum(ip, (uint32_t)(len - 14), 0x0800, E1K_RXCSUM_IPOFL | E1K_RXCSUM_TUOFL, &st,
		    &er);
	assert_int_equal(st, E1K_RXD_STAT_IPCS);
	assert_int_equal(er, 0);
	/* A truncated datagram (total length beyond the frame) is not checked. */
	st = er = 0;
	e1k_rx_csum(ip, 30, 0x0800, E1K_RXCSUM_IPOFL | E1K_RXCSUM_TUOFL, &st, &er);
	assert_int_equal(st & E1K_RXD_STAT_TCPCS, 0);

	/* IPv6 TCP. */
	len = build_tcp6(f, 700, 0x10);
	ip = f + 14;
	th = ip + 40;
	wbe16(th + 16, (uint16_t)~ref_sum(th, len - HDR6 + 20, pseudo6(ip, (uint32_t)(len - 54))));
	st = er = 0;
	e1k_rx_csum(ip, (uint32_t)(len - 14), 0x86dd, E1K_RXCSUM_IPOFL | E1K_RXCSUM_TUOFL, &st,
		    &er);
	assert_int_equal(st, E1K_RXD_STAT_TCPCS);
	assert_int_equal(er, 0);
	/* Not IP at all: nothing. */
	st = er = 0;
	e1k_rx_csum(ip, (uint32_t)(len - 14), 0x0806, E1K_RXCSUM_IPOFL | E1K_RXCSUM_TUOFL, &st,
		    &er);
	assert_int_equal(st, 0);
}

static void test_tx_csum(void **state)
{
	uint8_t f[1600];
	size_t len = build_tcp4(f, 333, 0x18);
	uint8_t *ip = f + 14, *th = ip + 20;
	struct e1k_txctx c = {
		.ipcss = 14, .ipcso = 24, .ipcse = 33, .tucss = 34, .tucso = 50, .tucse = 0,
		.tucmd = E1K_TUCMD_TCP | E1K_TUCMD_IP,
	};

	(void)state;
	/* The driver leaves the pseudo-header sum (with length) in the field. */
	wbe16(th + 16, pseudo4(ip, (uint32_t)(len - 34)));
	assert_int_equal(e1k_tx_csum(&c, E1K_TXD_POPTS_IXSM | E1K_TXD_POPTS_TXSM, f,
				     (uint32_t)len), 0);
	assert_int_equal(ref_sum(ip, 20, 0), 0xffff);
	assert_int_equal(ref_sum(th, len - 34, pseudo4(ip, (uint32_t)(len - 34))), 0xffff);

	/* Offsets outside the frame: reported, frame untouched. */
	uint8_t copy[1600];
	memcpy(copy, f, len);
	c.tucso = 250;
	c.ipcso = 240;
	c.ipcss = 200;
	assert_int_equal(e1k_tx_csum(&c, E1K_TXD_POPTS_IXSM | E1K_TXD_POPTS_TXSM, f, 100),
			 E1K_OFL_BAD_IP | E1K_OFL_BAD_L4);
	assert_memory_equal(copy, f, len);

	/* UDP: a computed zero goes out as 0xffff. */
	uint8_t u[64] = { 0 };
	struct e1k_txctx cu = { .tucss = 0, .tucso = 6, .tucmd = 0 };
	/* 8 bytes whose sum is 0xffff with the field 0 -> checksum 0 -> 0xffff */
	wbe16(u, 0xfff0);
	wbe16(u + 2, 0x000f);
	assert_int_equal(e1k_tx_csum(&cu, E1K_TXD_POPTS_TXSM, u, 8), 0);
	assert_int_equal(be16(u + 6), 0xffff);

	/* Legacy: sum from CSS to the end into CSO. */
	len = build_tcp4(f, 100, 0x18);
	wbe16(th + 16, pseudo4(ip, (uint32_t)(len - 34)));
	assert_int_equal(e1k_tx_legacy_csum(f, (uint32_t)len, 34, 50), 0);
	assert_int_equal(ref_sum(th, len - 34, pseudo4(ip, (uint32_t)(len - 34))), 0xffff);
	assert_int_equal(e1k_tx_legacy_csum(f, (uint32_t)len, 200, 50), E1K_OFL_BAD_L4);
}

static void test_txctx_parse(void **state)
{
	uint8_t d[16] = { 14, 24, 33, 0, 34, 50, 0, 0, 0x00, 0x00, 0x01, 0x27, 0, 54, 0xa8, 0x05 };
	struct e1k_txctx c;

	(void)state;
	/* paylen 0x10000, DTYP context, TUCMD = TCP|IP|TSE|DEXT */
	d[8] = 0x00;
	d[9] = 0x00;
	d[10] = 0x01;
	d[11] = 0x27;
	e1k_txctx_parse(&c, d);
	assert_int_equal(c.ipcss, 14);
	assert_int_equal(c.ipcso, 24);
	assert_int_equal(c.ipcse, 33);
	assert_int_equal(c.tucss, 34);
	assert_int_equal(c.tucso, 50);
	assert_int_equal(c.tucse, 0);
	assert_int_equal(c.paylen, 0x10000);
	assert_int_equal(c.hdrlen, 54);
	assert_int_equal(c.mss, 1448);
	assert_true(c.tucmd & E1K_TUCMD_TCP);
	assert_true(c.tucmd & E1K_TUCMD_IP);
	assert_true(c.tucmd & E1K_TUCMD_TSE);
}

/* ---- TCP segmentation --------------------------------------------------------------------- */

/*
 * Feeds a 64 KiB TSO send through the segmentation, as Linux prepares it
 * (tot_len 0, IP checksum 0, pseudo-header sum without length in the TCP
 * checksum), and checks every frame.
 */
static void tso_check_v4(uint32_t plen, uint16_t mss, uint8_t flags)
{
	static uint8_t f[E1K_TSO_MAX], out[20000];
	size_t len = build_tcp4(f, plen, flags);
	uint8_t *ip = f + 14, *th = ip + 20;
	struct e1k_txctx c = {
		.ipcss = 14, .ipcso = 24, .ipcse = 33, .tucss = 34, .tucso = 50, .tucse = 0,
		.paylen = plen, .hdrlen = HDR4, .mss = mss,
		.tucmd = E1K_TUCMD_TCP | E1K_TUCMD_IP | E1K_TUCMD_TSE,
	};
	uint32_t want = (plen + mss - 1) / mss, seq0 = be32(th + 4), covered = 0;
	int n;

	wbe16(ip + 2, 0);
	wbe16(ip + 10, 0);
	wbe16(th + 16, pseudo4(ip, 0));
	n = e1k_tso_check(&c, (uint32_t)len, 16384);
	assert_int_equal(n, (int)want);
	for (uint32_t s = 0; s < want; s++) {
		uint32_t l = e1k_tso_build(&c, E1K_TXD_POPTS_IXSM | E1K_TXD_POPTS_TXSM, f,
					   (uint32_t)len, s, out, sizeof(out));
		uint32_t pl = s + 1 < want ? mss : plen - s * mss;
		uint8_t *oip = out + 14, *oth = oip + 20;

		assert_int_equal(l, HDR4 + pl);
		assert_memory_equal(out, f, 14);                     /* Ethernet header */
		assert_int_equal(be16(oip + 2), 40 + pl);            /* IP total length */
		assert_int_equal(be16(oip + 4), (uint16_t)(0x1234 + s)); /* IP id */
		assert_int_equal(ref_sum(oip, 20, 0), 0xffff);       /* IP checksum */
		assert_int_equal(be32(oth + 4), seq0 + s * mss);     /* sequence (wraps) */
		if (s + 1 < want)
			assert_int_equal(oth[13], flags & ~(0x01 | 0x08)); /* no FIN/PSH */
		else
			assert_int_equal(oth[13], flags);
		assert_int_equal(ref_sum(oth, 20 + pl, pseudo4(oip, 20 + pl)), 0xffff);
		assert_memory_equal(out + HDR4, f + HDR4 + s * mss, pl); /* payload */
		covered += pl;
	}
	assert_int_equal(covered, plen);
	/* One past the last segment builds nothing. */
	assert_int_equal(e1k_tso_build(&c, 3, f, (uint32_t)len, want, out, sizeof(out)), 0);
}

static void test_tso_64k_ipv4(void **state)
{
	(void)state;
	tso_check_v4(65536 - HDR4, 1448, 0x19); /* FIN|PSH|ACK */
	tso_check_v4(65536, 1460, 0x18);
	tso_check_v4(8948 * 7 + 5, 8948, 0x18); /* jumbo MSS */
	tso_check_v4(1448, 1448, 0x18);         /* exactly one segment */
	tso_check_v4(3000, 48, 0x10);           /* small MSS */
}

static void test_tso_ipv6(void **state)
{
	static uint8_t f[E1K_TSO_MAX], out[9000];
	uint32_t plen = 60000, mss = 1428;
	size_t len = build_tcp6(f, plen, 0x19);
	uint8_t *ip = f + 14, *th = ip + 40;
	struct e1k_txctx c = {
		.ipcss = 14, .ipcso = 24, .ipcse = 0, .tucss = 54, .tucso = 70, .tucse = 0,
		.paylen = plen, .hdrlen = HDR6, .mss = (uint16_t)mss,
		.tucmd = E1K_TUCMD_TCP | E1K_TUCMD_TSE,
	};
	uint32_t want = (plen + mss - 1) / mss;

	(void)state;
	wbe16(ip + 4, 0);
	wbe16(th + 16, pseudo6(ip, 0));
	assert_int_equal(e1k_tso_check(&c, (uint32_t)len, 16384), (int)want);
	for (uint32_t s = 0; s < want; s++) {
		uint32_t l = e1k_tso_build(&c, E1K_TXD_POPTS_TXSM, f, (uint32_t)len, s, out,
					   sizeof(out));
		uint32_t pl = s + 1 < want ? mss : plen - s * mss;
		uint8_t *oip = out + 14, *oth = oip + 40;

		assert_int_equal(l, HDR6 + pl);
		assert_int_equal(be16(oip + 4), 20 + pl); /* payload length */
		assert_memory_equal(oip + 8, ip + 8, 32); /* addresses untouched */
		assert_int_equal(be32(oth + 4), 1000 + s * mss);
		assert_int_equal(oth[13], s + 1 < want ? 0x10 : 0x19);
		assert_int_equal(ref_sum(oth, 20 + pl, pseudo6(oip, 20 + pl)), 0xffff);
	}
}

static void test_tso_udp(void **state)
{
	static uint8_t f[4096], out[2048];
	struct e1k_txctx c = {
		.ipcss = 14, .ipcso = 24, .ipcse = 33, .tucss = 34, .tucso = 40,
		.hdrlen = 42, .mss = 1000, .tucmd = E1K_TUCMD_IP | E1K_TUCMD_TSE,
	};
	size_t len = build_tcp4(f, 2500, 0);

	(void)state;
	f[14 + 9] = 17;
	assert_int_equal(e1k_tso_check(&c, (uint32_t)len, 16384), 3);
	uint32_t l = e1k_tso_build(&c, E1K_TXD_POPTS_IXSM, f, (uint32_t)len, 1, out, sizeof(out));
	assert_int_equal(l, 42 + 1000);
	assert_int_equal(be16(out + 34 + 4), 8 + 1000); /* UDP length */
	assert_int_equal(be16(out + 14 + 2), 20 + 8 + 1000);
}

static void test_tso_absurd(void **state)
{
	static uint8_t f[E1K_TSO_MAX + 16], out[2048];
	size_t len = build_tcp4(f, 5000, 0x18);
	const struct e1k_txctx base = {
		.ipcss = 14, .ipcso = 24, .ipcse = 33, .tucss = 34, .tucso = 50,
		.paylen = 5000, .hdrlen = HDR4, .mss = 1448,
		.tucmd = E1K_TUCMD_TCP | E1K_TUCMD_IP | E1K_TUCMD_TSE,
	};
	struct e1k_txctx c;

	(void)state;
	c = base;
	assert_int_equal(e1k_tso_check(&c, (uint32_t)len, 16384), 4);
	c.mss = 0;
	assert_int_equal(e1k_tso_check(&c, (uint32_t)len, 16384), -E1K_TSO_ERR_MSS);
	c.mss = 16384 - HDR4 + 1; /* header + MSS larger than a frame */
	assert_int_equal(e1k_tso_check(&c, (uint32_t)len, 16384), -E1K_TSO_ERR_MSS);
	c = base;
	c.hdrlen = 0;
	assert_int_equal(e1k_tso_check(&c, (uint32_t)len, 16384), -E1K_TSO_ERR_HDR);
	c = base;
	assert_int_equal(e1k_tso_check(&c, 40, 16384), -E1K_TSO_ERR_HDR);   /* header > data */
	assert_int_equal(e1k_tso_check(&c, HDR4, 16384), -E1K_TSO_ERR_EMPTY); /* no payload */
	c.tucss = 250;
	assert_int_equal(e1k_tso_check(&c, (uint32_t)len, 16384), -E1K_TSO_ERR_HDR);
	c = base;
	c.ipcss = 40;
	assert_int_equal(e1k_tso_check(&c, (uint32_t)len, 16384), -E1K_TSO_ERR_HDR);
	c = base;
	c.tucso = 60;
	assert_int_equal(e1k_tso_check(&c, (uint32_t)len, 16384), -E1K_TSO_ERR_HDR);
	c = base;
	c.ipcso = 200;
	assert_int_equal(e1k_tso_check(&c, (uint32_t)len, 16384), -E1K_TSO_ERR_HDR);
	c = base;
	c.tucmd &= ~E1K_TUCMD_IP; /* IPv6 needs 40 bytes of IP header inside HDRLEN */
	c.hdrlen = 14 + 16 + 20;
	c.tucss = 30;
	c.tucso = 46;
	assert_int_equal(e1k_tso_check(&c, (uint32_t)len, 16384), -E1K_TSO_ERR_HDR);
	c = base;
	c.mss = 1;
	assert_int_equal(e1k_tso_check(&c, (uint32_t)len, 16384), -E1K_TSO_ERR_SEGS);
	c = base;
	assert_int_equal(e1k_tso_check(&c, E1K_TSO_MAX + 1, 16384), -E1K_TSO_ERR_LEN);
	/* Building: out of range segment, too small a buffer. */
	assert_int_equal(e1k_tso_build(&c, 3, f, (uint32_t)len, 4, out, sizeof(out)), 0);
	assert_int_equal(e1k_tso_build(&c, 3, f, (uint32_t)len, 0, out, 100), 0);
	assert_int_equal(e1k_tso_build(&c, 3, f, (uint32_t)len, 1u << 30, out, sizeof(out)), 0);
}

static void test_rings(void **state)
{
	(void)state;
	assert_int_equal(e1k_ring_count(0), 0);
	assert_int_equal(e1k_ring_count(100), 0);
	assert_int_equal(e1k_ring_count(130), 0);
	assert_int_equal(e1k_ring_count(128), 8);
	assert_int_equal(e1k_ring_count(4096), 256);
	assert_int_equal(e1k_ring_count(0xfff80), 0xfff8);
	assert_int_equal(e1k_ring_count(0x100000), 0);
	assert_int_equal(e1k_ring_used(0, 0, 8), 0);
	assert_int_equal(e1k_ring_used(2, 5, 8), 3);
	assert_int_equal(e1k_ring_used(5, 2, 8), 5);
	assert_int_equal(e1k_ring_used(7, 0, 8), 1);
	assert_int_equal(e1k_rx_bufsize(0), 2048);
	assert_int_equal(e1k_rx_bufsize(1u << 16), 1024);
	assert_int_equal(e1k_rx_bufsize(2u << 16), 512);
	assert_int_equal(e1k_rx_bufsize(3u << 16), 256);
	assert_int_equal(e1k_rx_bufsize(E1K_RCTL_BSEX | 1u << 16), 16384);
	assert_int_equal(e1k_rx_bufsize(E1K_RCTL_BSEX | 2u << 16), 8192);
	assert_int_equal(e1k_rx_bufsize(E1K_RCTL_BSEX | 3u << 16), 4096);
}

/* ---- exitless doorbells: the shared page ----------------------------------------- */

static uint32_t *new_regs(void)
{
	uint32_t *r = calloc(E1K_NREGS, sizeof(uint32_t));

	assert_non_null(r);
	return r;
}

static uint8_t *new_page(uint8_t fill)
{
	uint8_t *p = malloc(E1K_DB_SIZE);

	assert_non_null(p);
	memset(p, fill, E1K_DB_SIZE);
	return p;
}

static void test_db_page_layout(void **state)
{
	(void)state;
	/* Exactly the RX and TX ring pages of BAR0, page aligned, both ring sets inside. */
	assert_int_equal(E1K_DB_OFF % 4096, 0);
	assert_int_equal(E1K_DB_SIZE % 4096, 0);
	assert_true(E1K_DB_OFF + E1K_DB_SIZE <= E1K_MMIO_SIZE);
	static const uint32_t in[] = { E1K_RDBAL, E1K_RDBAH, E1K_RDLEN, E1K_RDH, E1K_RDT,
				       E1K_RDTR, E1K_RXDCTL, E1K_RADV, E1K_RSRPD, E1K_TDBAL,
				       E1K_TDBAH, E1K_TDLEN, E1K_TDH, E1K_TDT, E1K_TIDV,
				       E1K_TXDCTL, E1K_TADV };
	static const uint32_t out[] = { E1K_CTRL, E1K_ICR, E1K_IMS, E1K_RCTL, E1K_TCTL,
					E1K_ITR, E1K_STATS_BASE, E1K_RAL(0), E1K_MTA };
	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++)
		assert_true(e1k_db_covers(in[i]));
	for (size_t i = 0; i < sizeof(out) / sizeof(out[0]); i++)
		assert_false(e1k_db_covers(out[i]));
	assert_false(e1k_db_covers(E1K_DB_OFF - 4));
	assert_false(e1k_db_covers(E1K_DB_OFF + E1K_DB_SIZE));
	assert_false(e1k_db_covers(0xffffffffu));
}

static void test_db_clear(void **state)
{
	uint8_t *p = new_page(0xa5);

	(void)state;
	e1k_db_clear(p);
	for (uint32_t off = E1K_DB_OFF; off < E1K_DB_OFF + E1K_DB_SIZE; off += 4)
		assert_int_equal(e1k_db_read(p, off), off == E1K_TXDCTL ? E1K_TXDCTL_RESET : 0);
	free(p);
}

/* The page as Linux's e1000_configure_tx/rx leave it, then the rings are enabled. */
static void test_db_latch(void **state)
{
	uint32_t *r = new_regs();
	uint8_t *p = new_page(0);

	(void)state;
	e1k_db_write(p, E1K_TDBAL, 0x12345000);
	e1k_db_write(p, E1K_TDBAH, 0x1);
	e1k_db_write(p, E1K_TDLEN, 256 * 16);
	e1k_db_write(p, E1K_TDH, 0);
	e1k_db_write(p, E1K_TDT, 5);
	e1k_db_write(p, E1K_TIDV, 8);
	e1k_db_write(p, E1K_TADV, 32);
	e1k_db_write(p, E1K_RDBAL, 0x6000);
	e1k_db_write(p, E1K_RDLEN, 128 * 16);
	e1k_db_write(p, E1K_RDT, 127);
	e1k_db_write(p, E1K_RDTR, 0);
	e1k_db_write(p, E1K_RADV, 8);

	e1k_db_latch(r, p, true);
	assert_int_equal(r[E1K_TDBAL / 4], 0x12345000);
	assert_int_equal(r[E1K_TDBAH / 4], 1);
	assert_int_equal(r[E1K_TDLEN / 4], 4096);
	assert_int_equal(r[E1K_TDH / 4], 0);
	assert_int_equal(r[E1K_TDT / 4], 5);
	assert_int_equal(r[E1K_TIDV / 4], 8);
	assert_int_equal(r[E1K_TADV / 4], 32);
	/* TX only: the RX registers are untouched. */
	assert_int_equal(r[E1K_RDBAL / 4], 0);
	assert_int_equal(r[E1K_RDT / 4], 0);

	e1k_db_latch(r, p, false);
	assert_int_equal(r[E1K_RDBAL / 4], 0x6000);
	assert_int_equal(r[E1K_RDLEN / 4], 2048);
	assert_int_equal(r[E1K_RDT / 4], 127);
	assert_int_equal(r[E1K_RADV / 4], 8);
	free(p);
	free(r);
}

/* What the guest writes into the page while the ring runs changes nothing but the tail. */
static void test_db_running_ring_ignores_page(void **state)
{
	uint32_t *r = new_regs();
	uint8_t *p = new_page(0);

	(void)state;
	e1k_db_write(p, E1K_TDBAL, 0x10000);
	e1k_db_write(p, E1K_TDLEN, 8 * 16);
	e1k_db_latch(r, p, true);
	/* TDLEN, the base and the head change under the running ring. */
	e1k_db_write(p, E1K_TDLEN, 0xfff80);
	e1k_db_write(p, E1K_TDBAL, 0xdead0000);
	e1k_db_write(p, E1K_TDH, 7);
	assert_false(e1k_db_tail(r, p, E1K_TDT)); /* tail unchanged: no work */
	assert_int_equal(r[E1K_TDLEN / 4], 128);
	assert_int_equal(r[E1K_TDBAL / 4], 0x10000);
	assert_int_equal(r[E1K_TDH / 4], 0);
	/* A new tail is taken, and only the tail. */
	e1k_db_write(p, E1K_TDT, 3);
	assert_true(e1k_db_tail(r, p, E1K_TDT));
	assert_int_equal(r[E1K_TDT / 4], 3);
	assert_false(e1k_db_tail(r, p, E1K_TDT)); /* seen: one cheap compare, no work */
	assert_int_equal(r[E1K_TDLEN / 4], 128);
	assert_true(e1k_ring_ok(e1k_ring_count(r[E1K_TDLEN / 4]), r[E1K_TDH / 4],
				r[E1K_TDT / 4]));
	free(p);
	free(r);
}

/* Tails beyond the ring are stored like trapped writes and then refused by the ring check. */
static void test_db_tail_beyond_ring(void **state)
{
	uint32_t *r = new_regs();
	uint8_t *p = new_page(0);
	uint32_t count;

	(void)state;
	e1k_db_write(p, E1K_TDLEN, 8 * 16);
	e1k_db_write(p, E1K_RDLEN, 16 * 16);
	e1k_db_latch(r, p, true);
	e1k_db_latch(r, p, false);

	e1k_db_write(p, E1K_TDT, 8); /* one past the end */
	assert_true(e1k_db_tail(r, p, E1K_TDT));
	count = e1k_ring_count(r[E1K_TDLEN / 4]);
	assert_false(e1k_ring_ok(count, r[E1K_TDH / 4], r[E1K_TDT / 4]));

	e1k_db_write(p, E1K_RDT, 0xffffffffu); /* masked to 16 bits, still beyond */
	assert_true(e1k_db_tail(r, p, E1K_RDT));
	assert_int_equal(r[E1K_RDT / 4], 0xffff);
	count = e1k_ring_count(r[E1K_RDLEN / 4]);
	assert_false(e1k_ring_ok(count, r[E1K_RDH / 4], r[E1K_RDT / 4]));

	/* Only the low 16 bits count: 0x10003 is tail 3, inside. */
	e1k_db_write(p, E1K_RDT, 0x10003);
	assert_true(e1k_db_tail(r, p, E1K_RDT));
	assert_true(e1k_ring_ok(count, r[E1K_RDH / 4], r[E1K_RDT / 4]));
	assert_false(e1k_ring_ok(0, 0, 0));
	free(p);
	free(r);
}

/* Garbage everywhere: every latched value within its register's width; geometry refused. */
static void test_db_garbage(void **state)
{
	uint32_t *r = new_regs();
	uint8_t *p = new_page(0);
	uint32_t x = 0x9e3779b9u;

	(void)state;
	for (unsigned round = 0; round < 64; round++) {
		for (uint32_t i = 0; i < E1K_DB_SIZE; i++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			p[i] = (uint8_t)x;
		}
		if (round == 0)
			memset(p, 0xff, E1K_DB_SIZE);
		e1k_db_latch(r, p, round & 1);
		(void)e1k_db_tail(r, p, E1K_TDT);
		(void)e1k_db_tail(r, p, E1K_RDT);
		assert_true(r[E1K_TDLEN / 4] <= 0xfffff && r[E1K_RDLEN / 4] <= 0xfffff);
		assert_true(r[E1K_TDH / 4] <= 0xffff && r[E1K_TDT / 4] <= 0xffff);
		assert_true(r[E1K_RDH / 4] <= 0xffff && r[E1K_RDT / 4] <= 0xffff);
		assert_true(r[E1K_TIDV / 4] <= 0xffff && r[E1K_TADV / 4] <= 0xffff);
		assert_true(r[E1K_RDTR / 4] <= 0xffff && r[E1K_RADV / 4] <= 0xffff);
		/* Whatever came in: a usable ring has head and tail inside it. */
		uint32_t c = e1k_ring_count(r[E1K_TDLEN / 4]);
		if (e1k_ring_ok(c, r[E1K_TDH / 4], r[E1K_TDT / 4]))
			assert_true(r[E1K_TDH / 4] < c && r[E1K_TDT / 4] < c && c <= 0xfff8);
	}
	/* Only ring registers reach the register file. */
	for (uint32_t off = 0; off < E1K_MMIO_SIZE; off += 4) {
		bool ring = off == E1K_TDBAL || off == E1K_TDBAH || off == E1K_TDLEN ||
			    off == E1K_TDH || off == E1K_TDT || off == E1K_TIDV || off == E1K_TADV ||
			    off == E1K_RDBAL || off == E1K_RDBAH || off == E1K_RDLEN ||
			    off == E1K_RDH || off == E1K_RDT || off == E1K_RDTR || off == E1K_RADV;
		if (!ring)
			assert_int_equal(r[off / 4], 0);
	}
	free(p);
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_eeprom_image),
		cmocka_unit_test(test_microwire_read_all),
		cmocka_unit_test(test_microwire_sequential_and_junk),
		cmocka_unit_test(test_mta_hash),
		cmocka_unit_test(test_filter_unicast),
		cmocka_unit_test(test_filter_multicast_broadcast),
		cmocka_unit_test(test_filter_vlan),
		cmocka_unit_test(test_csum_matches_reference),
		cmocka_unit_test(test_crc32),
		cmocka_unit_test(test_rx_csum),
		cmocka_unit_test(test_tx_csum),
		cmocka_unit_test(test_txctx_parse),
		cmocka_unit_test(test_tso_64k_ipv4),
		cmocka_unit_test(test_tso_ipv6),
		cmocka_unit_test(test_tso_udp),
		cmocka_unit_test(test_tso_absurd),
		cmocka_unit_test(test_rings),
		cmocka_unit_test(test_db_page_layout),
		cmocka_unit_test(test_db_clear),
		cmocka_unit_test(test_db_latch),
		cmocka_unit_test(test_db_running_ring_ignores_page),
		cmocka_unit_test(test_db_tail_beyond_ring),
		cmocka_unit_test(test_db_garbage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
