/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * PCI config space core: 4 KiB of bytes with per-byte write masks and
 * write-1-to-clear bits, and the builders of the standard and extended
 * capability lists. Config space is little endian whatever the host.
 *
 * Accesses that do not lie entirely inside the 4 KiB read as all-ones (as a
 * master abort would) and are ignored on write: they are programming errors
 * or hostile input, never something to crash on.
 */
#include <linux/pci_regs.h>
#include <string.h>

#include "pci/pci.h"
#include "pci/pci_internal.h"

uint8_t pci_cfg_get8(const struct pci_cfg *c, unsigned off)
{
	if (!pci_cfg_range_ok(off, 1))
		return 0xff;
	return c->data[off];
}

uint16_t pci_cfg_get16(const struct pci_cfg *c, unsigned off)
{
	if (!pci_cfg_range_ok(off, 2))
		return 0xffff;
	return (uint16_t)(c->data[off] | c->data[off + 1] << 8);
}

uint32_t pci_cfg_get32(const struct pci_cfg *c, unsigned off)
{
	if (!pci_cfg_range_ok(off, 4))
		return 0xffffffffu;
	return (uint32_t)c->data[off] | (uint32_t)c->data[off + 1] << 8 |
	       (uint32_t)c->data[off + 2] << 16 | (uint32_t)c->data[off + 3] << 24;
}

static void put_le(uint8_t *arr, unsigned off, uint32_t v, unsigned len)
{
	if (!pci_cfg_range_ok(off, len))
		return;
	for (unsigned i = 0; i < len; i++)
		arr[off + i] = (uint8_t)(v >> (8 * i));
}

void pci_cfg_set8(struct pci_cfg *c, unsigned off, uint8_t v)
{
	put_le(c->data, off, v, 1);
}

void pci_cfg_set16(struct pci_cfg *c, unsigned off, uint16_t v)
{
	put_le(c->data, off, v, 2);
}

void pci_cfg_set32(struct pci_cfg *c, unsigned off, uint32_t v)
{
	put_le(c->data, off, v, 4);
}

void pci_cfg_set_wmask8(struct pci_cfg *c, unsigned off, uint8_t m)
{
	put_le(c->wmask, off, m, 1);
}

void pci_cfg_set_wmask16(struct pci_cfg *c, unsigned off, uint16_t m)
{
	put_le(c->wmask, off, m, 2);
}

void pci_cfg_set_wmask32(struct pci_cfg *c, unsigned off, uint32_t m)
{
	put_le(c->wmask, off, m, 4);
}

void pci_cfg_set_w1c8(struct pci_cfg *c, unsigned off, uint8_t m)
{
	put_le(c->w1c, off, m, 1);
}

void pci_cfg_set_w1c16(struct pci_cfg *c, unsigned off, uint16_t m)
{
	put_le(c->w1c, off, m, 2);
}

void pci_cfg_set_w1c32(struct pci_cfg *c, unsigned off, uint32_t m)
{
	put_le(c->w1c, off, m, 4);
}

/*
 * Per byte: writable bits take the new value, write-1-to-clear bits are
 * cleared where the guest wrote a one (and never set), the rest stays.
 */
void pci_cfg_guest_write(struct pci_cfg *c, unsigned off, const void *buf, size_t len)
{
	const uint8_t *src = buf;

	if (!pci_cfg_range_ok(off, len))
		return;
	for (size_t i = 0; i < len; i++) {
		uint8_t old = c->data[off + i];
		uint8_t w1c = c->w1c[off + i];
		uint8_t wm = c->wmask[off + i] & (uint8_t)~w1c;
		uint8_t v = src[i];

		c->data[off + i] = (uint8_t)((old & ~wm & ~(v & w1c)) | (v & wm));
	}
}

void pci_cfg_read(const struct pci_cfg *c, unsigned off, void *buf, size_t len)
{
	if (!pci_cfg_range_ok(off, len)) {
		memset(buf, 0xff, len);
		return;
	}
	memcpy(buf, c->data + off, len);
}

/* ---- capability lists ------------------------------------------------- */

/*
 * std_next_free is a byte: filling standard space exactly to 0x100 wraps it
 * to 0, which is told apart from "nothing allocated yet" by last_cap.
 */
static unsigned std_free_start(const struct pci_cfg *c)
{
	if (c->std_next_free)
		return c->std_next_free;
	return c->last_cap ? PCI_CFG_STD_SIZE : PCI_CFG_CAP_START;
}

unsigned pci_cfg_add_cap(struct pci_cfg *c, uint8_t id, unsigned size)
{
	unsigned off = (std_free_start(c) + 3u) & ~3u;

	if (size < 2 || size > PCI_CFG_STD_SIZE || off < PCI_CFG_CAP_START ||
	    off + size > PCI_CFG_STD_SIZE)
		return 0;

	memset(c->data + off, 0, size);
	memset(c->wmask + off, 0, size);
	memset(c->w1c + off, 0, size);
	c->data[off] = id;
	c->data[off + 1] = 0;

	if (c->last_cap)
		c->data[c->last_cap + 1] = (uint8_t)off;
	else
		c->data[PCI_CAPABILITY_LIST] = (uint8_t)off;
	c->data[PCI_STATUS] |= PCI_STATUS_CAP_LIST;

	c->last_cap = (uint8_t)off;
	/* 0x100 wraps to 0: see std_free_start(). */
	c->std_next_free = (uint8_t)((off + size + 3u) & ~3u);
	return off;
}

unsigned pci_cfg_add_ext_cap(struct pci_cfg *c, uint16_t id, uint8_t version, unsigned size)
{
	unsigned off = c->ext_next_free ? c->ext_next_free : PCI_CFG_STD_SIZE;

	off = (off + 3u) & ~3u;
	if (size < 4 || off < PCI_CFG_STD_SIZE || off >= PCI_CFG_SIZE ||
	    size > PCI_CFG_SIZE - off)
		return 0;

	memset(c->data + off, 0, size);
	memset(c->wmask + off, 0, size);
	memset(c->w1c + off, 0, size);
	pci_cfg_set32(c, off, (uint32_t)id | (uint32_t)(version & 0xf) << 16);

	if (c->last_ext_cap) {
		uint32_t hdr = pci_cfg_get32(c, c->last_ext_cap);

		hdr = (hdr & 0x000fffffu) | (uint32_t)off << 20;
		pci_cfg_set32(c, c->last_ext_cap, hdr);
	}
	c->last_ext_cap = (uint16_t)off;
	c->ext_next_free = (uint16_t)((off + size + 3u) & ~3u);
	return off;
}

/*
 * Both walks visit at most as many entries as could fit in their space, so
 * a list whose next pointers form a cycle ends after a bounded number of
 * steps, as in the Linux PCI core.
 */
unsigned pci_cfg_find_cap(const struct pci_cfg *c, uint8_t id)
{
	unsigned pos;

	if (!(pci_cfg_get16(c, PCI_STATUS) & PCI_STATUS_CAP_LIST))
		return 0;
	pos = c->data[PCI_CAPABILITY_LIST];
	for (unsigned i = 0; i < PCI_CFG_MAX_STD_CAPS; i++) {
		pos &= ~3u;
		if (pos < PCI_CFG_CAP_START)
			return 0;
		if (c->data[pos] == 0xff)
			return 0;
		if (c->data[pos] == id)
			return pos;
		pos = c->data[pos + 1];
	}
	return 0;
}

unsigned pci_cfg_find_ext_cap(const struct pci_cfg *c, uint16_t id)
{
	unsigned pos = PCI_CFG_STD_SIZE;

	for (unsigned i = 0; i < PCI_CFG_MAX_EXT_CAPS; i++) {
		uint32_t hdr = pci_cfg_get32(c, pos);

		if (hdr == 0 || hdr == 0xffffffffu)
			return 0;
		if ((hdr & 0xffffu) == id)
			return pos;
		pos = (hdr >> 20) & 0xffcu;
		if (pos < PCI_CFG_STD_SIZE)
			return 0;
	}
	return 0;
}
