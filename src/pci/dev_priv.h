/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pci: the device state shared by device.c (creation, sealing, reset, the
 * vfu callbacks, DMA), bar.c (BAR regions, shared pages), irq.c (INTx, MSI,
 * MSI-X) and dev_cfg.c (config space accesses, PM and PCIe capabilities).
 * Not an interface: models use pci.h, tests pci_internal.h.
 */
#ifndef VMUX_PCI_DEV_PRIV_H
#define VMUX_PCI_DEV_PRIV_H

#include <linux/pci_regs.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pci/pci.h"
#include "vfu/vfu.h"

#define PCI_NUM_BARS 6u
#define MSIX_MAX_VECTORS 2048u
#define MSI_MAX_VECTORS 32u

/* Command bits a guest may set; the others read as 0. */
#define CMD_WMASK (PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | \
		   PCI_COMMAND_PARITY | PCI_COMMAND_SERR | PCI_COMMAND_INTX_DISABLE)
/* Status error bits, cleared by writing 1. */
#define STATUS_W1C (PCI_STATUS_PARITY | PCI_STATUS_SIG_TARGET_ABORT | \
		    PCI_STATUS_REC_TARGET_ABORT | PCI_STATUS_REC_MASTER_ABORT | \
		    PCI_STATUS_SIG_SYSTEM_ERROR | PCI_STATUS_DETECTED_PARITY)

struct pci_bar_state {
	uint64_t size;
	uint32_t flags;
	pci_bar_cb access;
	unsigned nr_shared;
	struct vfu_sparse_area shared[VFU_MAX_SPARSE];
	int memfd;      /* backs the shared pages for the current client; -1 if none */
	uint8_t *map;   /* our mapping of memfd, map_len bytes from BAR offset 0 */
	size_t map_len;
	uint64_t shared_traps; /* accesses to the shared pages that came as messages */
	uint64_t shared_renew_err; /* detaches after which no fresh memfd could be made */
};

struct pci_msix_state {
	unsigned nvec;
	unsigned table_bar, pba_bar;
	uint64_t table_off, pba_off;
	uint8_t *table; /* plain storage: the VMM emulates the table itself */
};

struct pci_dev {
	char *name;
	struct pci_dev_ops ops;
	void *opaque;
	uint8_t irq_pin;
	struct vfu_limits limits;

	struct pci_cfg cfg;
	struct pci_cfg init;  /* power-on config, valid once sealed */
	unsigned cfg_size;    /* size of the config region */
	bool sealed;
	bool dying;
	struct vfu_ctx *ctx;

	struct pci_bar_state bars[PCI_NUM_BARS];

	unsigned pm_cap, msi_cap, msix_cap, pcie_cap;
	unsigned msi_nvec;
	bool msi_64, msi_maskable;
	struct pci_msix_state msix;

	bool intx_level;  /* the model's line */
	bool intx_out;    /* what vfu was last told */
};

/* ---- small helpers ---------------------------------------------------- */

static inline bool is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

/* Where [off, off+cnt) lies relative to [start, start+len). */
enum overlap { OV_NONE, OV_INSIDE, OV_PARTIAL };

static inline enum overlap range_overlap(uint64_t off, uint64_t cnt, uint64_t start,
					 uint64_t len)
{
	/* All values are bounded by a BAR size (< 2^63): no overflow. */
	if (off + cnt <= start || off >= start + len)
		return OV_NONE;
	if (off >= start && off + cnt <= start + len)
		return OV_INSIDE;
	return OV_PARTIAL;
}

static inline bool ranges_intersect(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return alen && blen && a < b + blen && b < a + alen;
}

static inline uint16_t cmd_reg(const struct pci_dev *d)
{
	return pci_cfg_get16(&d->cfg, PCI_COMMAND);
}

static inline uint64_t msix_table_len(const struct pci_msix_state *m)
{
	return (uint64_t)m->nvec * PCI_MSIX_ENTRY_SIZE;
}

static inline uint64_t msix_pba_len(const struct pci_msix_state *m)
{
	return ((uint64_t)m->nvec + 63) / 64 * 8;
}

/* The MSI-X capability's Message Control word; 0 without one. */
static inline uint16_t msix_flags(const struct pci_dev *d)
{
	return d->msix_cap ? pci_cfg_get16(&d->cfg, d->msix_cap + PCI_MSIX_FLAGS) : 0;
}

static inline void msix_notify(struct pci_dev *d)
{
	if (d->ops.msix_changed && !d->dying)
		d->ops.msix_changed(d->opaque);
}

/* irq.c */
/*
 * The status interrupt bit shows the model's line whatever the disable bit
 * says; the client only sees the line while INTx is not disabled.
 */
void pci_intx_update(struct pci_dev *d);
void pci_msix_table_reset(struct pci_dev *d);

/* bar.c */
bool pci_shared_ok(const char *name, unsigned i, const struct pci_bar_desc *b);
int pci_bar_map_shared(struct pci_dev *d, unsigned i);
/* A fresh memfd for BAR i's shared pages after a detach (see bar.c). */
void pci_bar_renew_shared(struct pci_dev *d, unsigned i);

/* device.c */
/* False (and logs) if a capability can no longer be added. */
bool pci_can_build(struct pci_dev *d, const char *what);

#endif
