/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pci: helpers shared by config.c and device.c and reachable from the unit
 * tests. Not part of the interface for device models (use pci.h).
 */
#ifndef VMUX_PCI_PCI_INTERNAL_H
#define VMUX_PCI_PCI_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "pci/pci.h"

/* Standard capabilities live in [0x40, 0x100), each at least 4 bytes long. */
#define PCI_CFG_CAP_START 0x40u
#define PCI_CFG_MAX_STD_CAPS ((PCI_CFG_STD_SIZE - PCI_CFG_CAP_START) / 4)
/* Extended capabilities live in [0x100, 0x1000), each at least 4 bytes long. */
#define PCI_CFG_MAX_EXT_CAPS ((PCI_CFG_SIZE - PCI_CFG_STD_SIZE) / 4)

/* True if [off, off+len) lies inside config space (no overflow). */
static inline bool pci_cfg_range_ok(unsigned off, size_t len)
{
	return off <= PCI_CFG_SIZE && len <= PCI_CFG_SIZE - off;
}

/* Finds an extended capability; 0 if absent. Walk bounded (no loops). */
unsigned pci_cfg_find_ext_cap(const struct pci_cfg *c, uint16_t id);

void pci_cfg_set_wmask8(struct pci_cfg *c, unsigned off, uint8_t m);
void pci_cfg_set_w1c8(struct pci_cfg *c, unsigned off, uint8_t m);
void pci_cfg_set_w1c32(struct pci_cfg *c, unsigned off, uint32_t m);

/*
 * The vfu region callbacks of a device, exported so that tests can drive a
 * pci_dev without a client. Same contract as vfu_region_cb: offset/count are
 * expected to be validated by vfu already, but are checked again.
 */
ssize_t pci_dev_cfg_access(void *opaque, uint32_t region, uint64_t offset, void *buf,
			   size_t count, bool is_write);
ssize_t pci_dev_bar_access(void *opaque, uint32_t region, uint64_t offset, void *buf,
			   size_t count, bool is_write);
/* The vfu reset callback (restores the power-on config, resets the model). */
void pci_dev_do_reset(struct pci_dev *d);

#endif
