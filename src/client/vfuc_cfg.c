// SPDX-License-Identifier: GPL-2.0-or-later
/* The client's config space helpers (region VFU_PCI_CONFIG): see vfuc.h. */
#include "client/vfuc.h"

#include <linux/pci_regs.h>

int vfuc_cfg_read(struct vfuc *c, uint64_t off, void *buf, uint32_t count)
{
	return vfuc_region_read(c, VFU_PCI_CONFIG, off, buf, count);
}

int vfuc_cfg_write(struct vfuc *c, uint64_t off, const void *buf, uint32_t count)
{
	return vfuc_region_write(c, VFU_PCI_CONFIG, off, buf, count, false);
}

uint32_t vfuc_cfg_read32(struct vfuc *c, uint64_t off)
{
	uint32_t v;

	return vfuc_cfg_read(c, off, &v, sizeof(v)) < 0 ? 0xffffffffu : v;
}

uint16_t vfuc_cfg_read16(struct vfuc *c, uint64_t off)
{
	uint16_t v;

	return vfuc_cfg_read(c, off, &v, sizeof(v)) < 0 ? 0xffffu : v;
}

int vfuc_cfg_write16(struct vfuc *c, uint64_t off, uint16_t v)
{
	return vfuc_cfg_write(c, off, &v, sizeof(v));
}

int vfuc_cfg_write32(struct vfuc *c, uint64_t off, uint32_t v)
{
	return vfuc_cfg_write(c, off, &v, sizeof(v));
}

unsigned vfuc_find_cap(struct vfuc *c, uint8_t id)
{
	unsigned pos = vfuc_cfg_read16(c, PCI_CAPABILITY_LIST) & 0xfc;

	/* At most 48 capabilities fit in the 192 bytes after the header: no endless loop. */
	for (unsigned n = 0; pos && n < 48; n++) {
		uint16_t h = vfuc_cfg_read16(c, pos);

		if ((h & 0xff) == id)
			return pos;
		pos = (h >> 8) & 0xfc;
	}
	return 0;
}
