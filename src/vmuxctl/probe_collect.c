/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vmuxctl probe: what it asks the server, treated as untrusted input: region
 * info and its capability chain, IRQ info, config space, BAR sizing.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmuxctl/probe.h"

/* Walks the region info capability chain (offsets relative to the info struct). */
static void parse_region_caps(struct region *r, const uint8_t *caps, size_t caps_len)
{
	uint32_t off = r->ri.cap_offset;
	uint32_t limit = r->ri.argsz;

	if (!(r->ri.flags & VFU_REGION_F_CAPS))
		return;
	if (limit > sizeof(struct vfu_region_info) + caps_len)
		limit = (uint32_t)(sizeof(struct vfu_region_info) + caps_len);
	for (unsigned n = 0; off && n < 16; n++) {
		struct vfu_cap_hdr h;
		const uint8_t *b;

		if (off < sizeof(struct vfu_region_info) || off > limit ||
		    limit - off < sizeof(h)) {
			r->caps_bad = true;
			return;
		}
		b = caps + (off - sizeof(struct vfu_region_info));
		memcpy(&h, b, sizeof(h));
		r->ncaps++;
		if (h.id == VFU_REGION_CAP_SPARSE_MMAP) {
			uint32_t nr;

			if (limit - off < sizeof(struct vfu_cap_sparse_mmap)) {
				r->caps_bad = true;
				return;
			}
			memcpy(&nr, b + 8, sizeof(nr));
			if (nr > (limit - off - sizeof(struct vfu_cap_sparse_mmap)) /
					 sizeof(struct vfu_sparse_area) ||
			    nr > MAX_SPARSE) {
				r->caps_bad = true;
				return;
			}
			r->nsparse = nr;
			memcpy(r->sparse, b + sizeof(struct vfu_cap_sparse_mmap),
			       nr * sizeof(struct vfu_sparse_area));
		}
		/* next must move forward: a loop in the chain ends the walk */
		if (h.next && h.next <= off) {
			r->caps_bad = true;
			return;
		}
		off = h.next;
	}
}

int collect_regions(struct probe *p)
{
	static uint8_t caps[65536];

	p->nregions = p->di.num_regions;
	p->regions = calloc(p->nregions ? p->nregions : 1, sizeof(*p->regions));
	if (!p->regions)
		return -ENOMEM;
	for (uint32_t i = 0; i < p->nregions; i++) {
		struct region *r = &p->regions[i];
		int fd = -1;

		r->err = vfuc_region_info(p->c, i, &r->ri, caps, sizeof(caps), &fd);
		if (r->err == -ECONNRESET || r->err == -ETIMEDOUT)
			return r->err;
		if (r->err)
			continue;
		r->has_fd = fd >= 0;
		if (fd >= 0)
			close(fd);
		parse_region_caps(r, caps, sizeof(caps));
	}
	return 0;
}

int collect_irqs(struct probe *p)
{
	p->nirqs = p->di.num_irqs;
	p->irqs = calloc(p->nirqs ? p->nirqs : 1, sizeof(*p->irqs));
	p->irq_err = calloc(p->nirqs ? p->nirqs : 1, sizeof(*p->irq_err));
	if (!p->irqs || !p->irq_err)
		return -ENOMEM;
	for (uint32_t i = 0; i < p->nirqs; i++) {
		p->irq_err[i] = vfuc_irq_info(p->c, i, &p->irqs[i]);
		if (p->irq_err[i] == -ECONNRESET || p->irq_err[i] == -ETIMEDOUT)
			return p->irq_err[i];
	}
	return 0;
}

int read_cfg(struct probe *p)
{
	uint64_t size;

	if (p->nregions <= VFU_PCI_CONFIG || p->regions[VFU_PCI_CONFIG].err)
		return -ENOENT;
	size = p->regions[VFU_PCI_CONFIG].ri.size;
	if (size == 0)
		return -ENOENT;
	p->cfg_len = size < CFG_MAX ? (uint32_t)size : CFG_MAX;
	if (vfuc_cfg_read(p->c, 0, p->cfg, p->cfg_len) == 0)
		return 0;
	/* some servers want small accesses: fall back to dwords */
	for (uint32_t off = 0; off + 4 <= p->cfg_len; off += 4) {
		int r = vfuc_cfg_read(p->c, off, p->cfg + off, 4);

		if (r < 0) {
			p->cfg_len = off;
			return off ? 0 : r;
		}
	}
	return 0;
}

/* Standard BAR sizing: write all ones, read back the mask, restore. */
static int size_one(struct probe *p, uint32_t off, uint32_t ones, uint32_t *mask)
{
	uint32_t orig = vfuc_cfg_read32(p->c, off);
	int r;

	r = vfuc_cfg_write32(p->c, off, ones);
	if (r < 0)
		return r;
	*mask = vfuc_cfg_read32(p->c, off);
	r = vfuc_cfg_write32(p->c, off, orig);
	if (r < 0 || vfuc_cfg_read32(p->c, off) != orig)
		p->restore_failed = true;
	return 0;
}

void size_bars(struct probe *p)
{
	uint8_t htype = c8(p, 0x0e) & 0x7f;
	unsigned nbars = htype == 0 ? 6 : htype == 1 ? 2 : 0;
	uint16_t cmd = c16(p, 0x04);
	uint32_t mask, mhi;

	if (!nbars || p->cfg_len < 0x40)
		return;
	/* no decoding while the BARs hold all ones */
	if (vfuc_cfg_write16(p->c, 0x04, cmd & ~0x3) < 0)
		return;
	for (unsigned i = 0; i < nbars; i++) {
		struct bar *b = &p->bars[i];
		uint32_t off = 0x10 + 4 * i;
		uint32_t lo = c32(p, off);

		if (i > 0 && p->bars[i - 1].is64 && !p->bars[i - 1].upper) {
			b->upper = true;
			continue;
		}
		if (size_one(p, off, 0xffffffffu, &mask) < 0)
			continue;
		if (lo & 1) {
			b->io = true;
			mask &= ~0x3u;
			if (!(mask & 0xffff0000u))
				mask |= 0xffff0000u;
			b->addr = lo & ~0x3u;
			b->size = mask & 0xfffffffcu ? (uint32_t)(~mask + 1) : 0;
		} else {
			uint64_t m64 = mask & ~0xfu;

			b->is64 = ((lo >> 1) & 3) == 2;
			b->prefetch = lo & 8;
			b->addr = lo & ~0xfu;
			if (b->is64 && i + 1 < nbars) {
				if (size_one(p, off + 4, 0xffffffffu, &mhi) == 0) {
					m64 |= (uint64_t)mhi << 32;
					b->addr |= (uint64_t)c32(p, off + 4) << 32;
				}
			} else if (m64) {
				m64 |= 0xffffffff00000000ull;
			}
			/* a BAR that keeps no bit set is not implemented */
			b->size = m64 ? ~m64 + 1 : 0;
		}
		b->present = b->size != 0;
	}
	if (htype == 0 && size_one(p, 0x30, 0xfffff800u, &mask) == 0) {
		uint32_t lo = c32(p, 0x30);

		mask &= 0xfffff800u;
		p->rom.addr = lo & 0xfffff800u;
		p->rom.size = mask ? (uint32_t)(~mask + 1) : 0;
		p->rom.present = mask != 0;
	}
	if (vfuc_cfg_write16(p->c, 0x04, cmd) < 0 || vfuc_cfg_read16(p->c, 0x04) != cmd)
		p->restore_failed = true;
	p->sized = true;
}

void bars_from_regs(struct probe *p)
{
	uint8_t htype = c8(p, 0x0e) & 0x7f;
	unsigned nbars = htype == 0 ? 6 : htype == 1 ? 2 : 0;

	for (unsigned i = 0; i < nbars; i++) {
		struct bar *b = &p->bars[i];
		uint32_t lo = c32(p, 0x10 + 4 * i);

		if (i > 0 && p->bars[i - 1].is64 && !p->bars[i - 1].upper) {
			b->upper = true;
			continue;
		}
		b->io = lo & 1;
		b->is64 = !b->io && ((lo >> 1) & 3) == 2;
		b->prefetch = !b->io && (lo & 8);
		b->addr = lo & (b->io ? ~0x3u : ~0xfu);
		if (b->is64)
			b->addr |= (uint64_t)c32(p, 0x14 + 4 * i) << 32;
		if (i < p->nregions && !p->regions[i].err)
			b->size = p->regions[i].ri.size;
		b->present = b->size != 0;
	}
}
