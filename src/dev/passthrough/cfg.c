/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The passthrough device's config space as the guest sees it: identity,
 * BARs, ROM, command, interrupt line and the MSI/MSI-X capabilities are
 * virtual (a shadow the guest's writes change within their masks), the
 * command register's enables and the status register's error bits reach the
 * device, everything else is read from the device and not writable. The
 * extended config space (SR-IOV, AER, ...) is hidden: it reads as zero.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "dev/passthrough/pt.h"

#define CAP_PM 0x01
#define CAP_MSI 0x05
#define CAP_PCIE 0x10
#define CAP_MSIX 0x11

/* Command bits a guest may set: I/O, memory, bus master, parity, SERR, INTx disable. */
#define CMD_GUEST 0x0547u
/* Status bits that are write-1-to-clear errors. */
#define STATUS_W1C 0xf900u

/* Masks for bytes [off, off+len), len <= 8, little-endian. */
static void set(struct pt_cfg *c, unsigned off, unsigned len, uint64_t emu, uint64_t wmask,
		uint64_t pass)
{
	for (unsigned i = 0; i < len && i < 8 && off + i < c->size; i++) {
		c->emu[off + i] = (uint8_t)(emu >> (8 * i));
		c->wmask[off + i] = (uint8_t)(wmask >> (8 * i));
		c->pass[off + i] = (uint8_t)(pass >> (8 * i));
	}
}

static void put(uint8_t *b, unsigned off, unsigned len, uint64_t v)
{
	for (unsigned i = 0; i < len; i++)
		b[off + i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get(const uint8_t *b, unsigned off, unsigned len)
{
	uint32_t v = 0;
	for (unsigned i = 0; i < len; i++)
		v |= (uint32_t)b[off + i] << (8 * i);
	return v;
}

static void bars_init(struct pt_cfg *c, const uint8_t *dev)
{
	for (unsigned i = 0; i < 6; i++) {
		const struct pt_bar *b = &c->bar[i];
		unsigned off = 0x10 + 4 * i;
		uint64_t mask;

		if (!b->size) {
			set(c, off, 4, ~0u, 0, 0);
			put(c->shadow, off, 4, 0);
			continue;
		}
		mask = ~(b->size - 1);
		if (b->io) {
			set(c, off, 4, ~0u, (uint32_t)mask & ~3u, 0);
			put(c->shadow, off, 4, 1);
			continue;
		}
		uint32_t flags = (b->mem64 ? 0x4u : 0) | (b->prefetch ? 0x8u : 0);
		(void)dev;
		set(c, off, 4, ~0u, (uint32_t)mask & ~0xfu, 0);
		put(c->shadow, off, 4, flags);
		if (b->mem64 && i < 5) {
			set(c, off + 4, 4, ~0u, (uint32_t)(mask >> 32), 0);
			put(c->shadow, off + 4, 4, 0);
			c->bar[i + 1] = (struct pt_bar){ 0 };
			i++;
		}
	}
	set(c, 0x30, 4, ~0u, c->rom_size ? ((uint32_t)~(c->rom_size - 1) & 0xfffff800u) | 1u : 0, 0);
	put(c->shadow, 0x30, 4, 0);
}

static void cap_init(struct pt_cfg *c, const uint8_t *dev, unsigned off, uint8_t id)
{
	uint16_t ctl = (uint16_t)get(dev, off + 2, 2);

	/* The id and next pointer are ours (the chain as walked). */
	set(c, off, 2, 0xffff, 0, 0);
	switch (id) {
	case CAP_PM:
		if (off + 8 > 0x100)
			return;
		c->pm_cap = off;
		/* PMCSR: the power state and PME enable are virtual (the device stays in D0). */
		set(c, off + 4, 2, 0xffff, 0x0103, 0);
		put(c->shadow, off + 4, 2, get(dev, off + 4, 2) & ~0x0003u);
		break;
	case CAP_MSI: {
		bool is64 = ctl & 0x80, maskable = ctl & 0x100;
		unsigned len = 10 + (is64 ? 4 : 0) + (maskable ? 10 : 0);

		if (off + len > 0x100)
			return;
		c->msi_cap = off;
		c->msi_64 = is64;
		c->msi_maskable = maskable;
		c->msi_nvec = (uint16_t)(1u << ((ctl >> 1) & 7));
		if (c->msi_nvec > 32)
			c->msi_nvec = 32;
		/* Control: enable and MME writable; address and data plain storage (the VMM routes). */
		set(c, off + 2, 2, 0xffff, 0x0071, 0);
		put(c->shadow, off + 2, 2, ctl & ~0x0071u);
		set(c, off + 4, 4, ~0u, ~3u, 0);
		put(c->shadow, off + 4, 4, 0);
		unsigned d = off + 8;
		if (is64) {
			set(c, off + 8, 4, ~0u, ~0u, 0);
			put(c->shadow, off + 8, 4, 0);
			d = off + 12;
		}
		set(c, d, 2, 0xffff, 0xffff, 0);
		put(c->shadow, d, 2, 0);
		if (maskable) {
			set(c, d + 2, 2, 0xffff, 0, 0); /* reserved */
			put(c->shadow, d + 2, 2, 0);
			set(c, d + 4, 4, ~0u, c->msi_nvec >= 32 ? ~0u : (1u << c->msi_nvec) - 1, 0);
			put(c->shadow, d + 4, 4, 0);
			set(c, d + 8, 4, ~0u, 0, 0); /* pending: none the guest sees */
			put(c->shadow, d + 8, 4, 0);
		}
		break;
	}
	case CAP_MSIX: {
		if (off + 12 > 0x100)
			return;
		uint32_t t = get(dev, off + 4, 4), p = get(dev, off + 8, 4);
		c->msix_cap = off;
		c->msix_nvec = (uint16_t)((ctl & 0x7ff) + 1);
		c->msix_table_bar = t & 7;
		c->msix_table_off = t & ~7u;
		c->msix_pba_bar = p & 7;
		c->msix_pba_off = p & ~7u;
		/* Enable and function mask virtual; size, table and PBA read-only. */
		set(c, off + 2, 2, 0xffff, 0xc000, 0);
		put(c->shadow, off + 2, 2, ctl & 0x07ffu);
		set(c, off + 4, 8, ~0ull, 0, 0);
		put(c->shadow, off + 4, 4, t);
		put(c->shadow, off + 8, 4, p);
		break;
	}
	case CAP_PCIE:
		if (off + ((ctl & 0xf) >= 2 ? 0x2c : 0x14) > 0x100)
			return;
		c->pcie_cap = off;
		/* Device, link and device 2 control: virtual; a function level reset is ours. */
		set(c, off + 8, 2, 0xffff, 0x7fff, 0);
		put(c->shadow, off + 8, 2, get(dev, off + 8, 2) & 0x7fffu);
		set(c, off + 0x10, 2, 0xffff, 0xffff, 0);
		put(c->shadow, off + 0x10, 2, get(dev, off + 0x10, 2));
		if ((ctl & 0xf) >= 2) {
			set(c, off + 0x28, 2, 0xffff, 0xffff, 0);
			put(c->shadow, off + 0x28, 2, get(dev, off + 0x28, 2));
		}
		break;
	default:
		break; /* read from the device, not writable */
	}
}

int pt_cfg_init(struct pt_cfg *c, const uint8_t *dev, unsigned size, const struct pt_bar bar[6],
		uint64_t rom_size, const struct pt_cfg_dev_ops *ops, void *opaque, char *err,
		size_t errlen)
{
	uint8_t seen[256 / 4] = { 0 };

	if (size != 256 && size != PT_CFG_MAX) {
		snprintf(err, errlen, "config space of %u bytes (256 or 4096 expected)", size);
		return -EINVAL;
	}
	if ((dev[0x0e] & 0x7f) != 0) {
		snprintf(err, errlen, "header type %#x: only type-0 functions pass through",
			 dev[0x0e]);
		return -EINVAL;
	}
	memset(c, 0, sizeof(*c));
	c->size = size;
	c->ops = ops;
	c->opaque = opaque;
	memcpy(c->bar, bar, sizeof(c->bar));
	c->rom_size = rom_size;
	memcpy(c->shadow, dev, 0x100);
	/* 0x40..0xff: read from the device unless a capability says otherwise. */
	set(c, 0x00, 4, ~0u, 0, 0);
	set(c, 0x04, 2, 0xffff, CMD_GUEST, CMD_GUEST);
	put(c->shadow, 0x04, 2, 0);
	set(c, 0x06, 2, 0x0010, 0, STATUS_W1C);
	c->w1c[0x06] = (uint8_t)STATUS_W1C;
	c->w1c[0x07] = (uint8_t)(STATUS_W1C >> 8);
	put(c->shadow, 0x06, 2, 0);
	set(c, 0x08, 4, ~0u, 0, 0);
	set(c, 0x0c, 4, ~0u, 0x0000ffff, 0); /* cache line, latency RW; header, BIST RO */
	put(c->shadow, 0x0c, 4, (uint32_t)dev[0x0e] << 16);
	bars_init(c, dev);
	set(c, 0x28, 8, ~0ull, 0, 0);
	set(c, 0x34, 8, ~0ull, 0, 0);
	put(c->shadow, 0x35, 7, 0);
	set(c, 0x3c, 4, ~0u, 0xff, 0);
	put(c->shadow, 0x3e, 2, 0);
	/* The capability list, as far as it is sane. */
	unsigned prev = 0x34, off = (dev[0x06] & 0x10) ? dev[0x34] & 0xfcu : 0;
	while (off) {
		if (off < 0x40 || off > 0xfc || seen[off / 4])
			break; /* the chain ends at the last sane capability */
		seen[off / 4] = 1;
		cap_init(c, dev, off, dev[off]);
		c->shadow[prev] = (uint8_t)off;
		c->shadow[off] = dev[off];
		prev = off + 1;
		off = dev[off + 1] & 0xfcu;
	}
	c->shadow[prev] = 0;
	c->shadow[0x06] = (uint8_t)(c->shadow[0x34] ? 0x10 : 0);
	/* Extended config space hidden: reads zero, writes dropped. */
	if (size > 0x100) {
		memset(c->emu + 0x100, 0xff, size - 0x100);
		memset(c->shadow + 0x100, 0, size - 0x100);
	}
	memcpy(c->init, c->shadow, sizeof(c->init));
	return 0;
}

void pt_cfg_reset(struct pt_cfg *c)
{
	memcpy(c->shadow, c->init, sizeof(c->shadow));
}

int pt_cfg_read(struct pt_cfg *c, unsigned off, void *buf, unsigned len)
{
	uint8_t *o = buf;
	bool live = false;

	if (off > c->size || len > c->size - off)
		return -EINVAL;
	for (unsigned i = 0; i < len; i++)
		live |= c->emu[off + i] != 0xff;
	if (live) {
		int r = c->ops->read(c->opaque, off, o, len);
		if (r) {
			c->dev_errors++;
			memset(o, 0xff, len);
		}
	}
	for (unsigned i = 0; i < len; i++) {
		uint8_t e = c->emu[off + i];
		o[i] = (uint8_t)((live ? o[i] & ~e : 0) | (c->shadow[off + i] & e));
	}
	return 0;
}

/* Sends the pass bits of [off, off+len) of v to the device, keeping its other bits. */
static int pass_run(struct pt_cfg *c, unsigned off, const uint8_t *v, unsigned len)
{
	uint8_t cur[PT_CFG_MAX];

	if (c->ops->read(c->opaque, off, cur, len)) {
		c->dev_errors++;
		return -EIO;
	}
	for (unsigned i = 0; i < len; i++) {
		uint8_t p = c->pass[off + i], w = c->w1c[off + i];
		/* Write-1-to-clear bits: 0 for those the guest left alone, never what was read. */
		cur[i] = (uint8_t)((cur[i] & ~p & ~w) | (v[i] & p));
	}
	if (c->ops->write(c->opaque, off, cur, len)) {
		c->dev_errors++;
		return -EIO;
	}
	return 0;
}

static bool touches(unsigned off, unsigned len, unsigned reg, unsigned rlen)
{
	return reg && off < reg + rlen && reg < off + len;
}

int pt_cfg_write(struct pt_cfg *c, unsigned off, const void *buf, unsigned len)
{
	const uint8_t *v = buf;
	bool any = false;
	int chg = 0;

	if (off > c->size || len > c->size - off)
		return -EINVAL;
	uint16_t cmd0 = pt_cfg_cmd(c);
	uint16_t msi0 = c->msi_cap ? (uint16_t)get(c->shadow, c->msi_cap + 2, 2) : 0;
	uint16_t msix0 = c->msix_cap ? (uint16_t)get(c->shadow, c->msix_cap + 2, 2) : 0;
	for (unsigned i = 0; i < len; i++) {
		uint8_t w = c->wmask[off + i];
		c->shadow[off + i] = (uint8_t)((c->shadow[off + i] & ~w) | (v[i] & w));
		any |= (w | c->pass[off + i]) != 0;
	}
	/* Bytes to send: read-modify-write bits, or write-1-to-clear bits written as 1. */
#define ACTIVE(k) ((c->pass[off + (k)] & ~c->w1c[off + (k)]) || \
		   (v[(k)] & c->pass[off + (k)] & c->w1c[off + (k)]))
	for (unsigned i = 0; i < len;) {
		if (!ACTIVE(i)) {
			i++;
			continue;
		}
		unsigned j = i;
		while (j < len && ACTIVE(j))
			j++;
		int r = pass_run(c, off + i, v + i, j - i);
		if (r)
			return r;
		i = j;
	}
#undef ACTIVE
	if (!any)
		c->writes_dropped++;
	if (pt_cfg_cmd(c) != cmd0)
		chg |= PT_CFG_CHG_CMD;
	if (c->msi_cap && touches(off, len, c->msi_cap + 2, 22) &&
	    (get(c->shadow, c->msi_cap + 2, 2) != msi0 || touches(off, len, c->msi_cap + 4, 20)))
		chg |= PT_CFG_CHG_MSI;
	if (c->msix_cap && get(c->shadow, c->msix_cap + 2, 2) != msix0)
		chg |= PT_CFG_CHG_MSIX;
	return chg;
}

uint16_t pt_cfg_cmd(const struct pt_cfg *c)
{
	return (uint16_t)get(c->shadow, 0x04, 2);
}

bool pt_cfg_msix_enabled(const struct pt_cfg *c)
{
	return c->msix_cap && (get(c->shadow, c->msix_cap + 2, 2) & 0x8000);
}

bool pt_cfg_msix_func_masked(const struct pt_cfg *c)
{
	return c->msix_cap && (get(c->shadow, c->msix_cap + 2, 2) & 0x4000);
}

bool pt_cfg_msi_enabled(const struct pt_cfg *c)
{
	return c->msi_cap && (get(c->shadow, c->msi_cap + 2, 2) & 1);
}

unsigned pt_cfg_msi_vectors(const struct pt_cfg *c)
{
	if (!c->msi_cap)
		return 0;
	unsigned n = 1u << ((get(c->shadow, c->msi_cap + 2, 2) >> 4) & 7);
	return n > c->msi_nvec ? c->msi_nvec : n;
}
