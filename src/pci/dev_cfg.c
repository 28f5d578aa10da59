/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * PCI devices: config space accesses (command, status, PM and MSI side
 * effects) and the PM and PCIe capabilities.
 */
#include <errno.h>
#include <linux/pci_regs.h>
#include <stdlib.h>
#include <string.h>

#include "pci/dev_priv.h"
#include "pci/pci.h"
#include "pci/pci_internal.h"

/* ---- config space ----------------------------------------------------- */

static bool touches(unsigned off, size_t len, unsigned reg, unsigned reg_len)
{
	return off < reg + reg_len && reg < off + len;
}

/* D1 and D2 are not supported: such writes leave the power state alone. */
static void pm_fixup(struct pci_dev *d, uint16_t old_pmcsr)
{
	unsigned pos = d->pm_cap + PCI_PM_CTRL;
	uint16_t v = pci_cfg_get16(&d->cfg, pos);
	unsigned state = v & PCI_PM_CTRL_STATE_MASK;

	if (state == 1 || state == 2) {
		v = (uint16_t)((v & ~PCI_PM_CTRL_STATE_MASK) | (old_pmcsr & PCI_PM_CTRL_STATE_MASK));
		pci_cfg_set16(&d->cfg, pos, v);
	}
}

/* Multiple Message Enable may not exceed Multiple Message Capable. */
static void msi_fixup(struct pci_dev *d)
{
	unsigned pos = d->msi_cap + PCI_MSI_FLAGS;
	uint16_t v = pci_cfg_get16(&d->cfg, pos);
	unsigned mmc = (v & PCI_MSI_FLAGS_QMASK) >> 1;
	unsigned mme = (v & PCI_MSI_FLAGS_QSIZE) >> 4;

	if (mme > mmc) {
		v = (uint16_t)((v & ~PCI_MSI_FLAGS_QSIZE) | mmc << 4);
		pci_cfg_set16(&d->cfg, pos, v);
	}
}

/* MSI pending bits are the client-side pending state of the MSI index. */
static void msi_refresh_pending(struct pci_dev *d)
{
	uint32_t pend = 0;
	unsigned pos;

	if (!d->msi_cap || !d->msi_maskable)
		return;
	pos = d->msi_cap + (d->msi_64 ? PCI_MSI_PENDING_64 : PCI_MSI_PENDING_32);
	for (unsigned i = 0; d->ctx && i < d->msi_nvec; i++)
		if (vfu_irq_pending(d->ctx, VFU_IRQ_MSI, i))
			pend |= 1u << i;
	pci_cfg_set32(&d->cfg, pos, pend);
}

ssize_t pci_dev_cfg_access(void *opaque, uint32_t region, uint64_t offset, void *buf,
			   size_t count, bool is_write)
{
	struct pci_dev *d = opaque;
	unsigned off = (unsigned)offset;
	uint16_t old_pmcsr = 0, old_msix = 0;

	if (region != VFU_PCI_CONFIG || offset > d->cfg_size || count > d->cfg_size - offset)
		return -EINVAL;
	if (!is_write) {
		if (d->msi_cap && touches(off, count, d->msi_cap, 24))
			msi_refresh_pending(d);
		pci_cfg_read(&d->cfg, off, buf, count);
		return (ssize_t)count;
	}

	if (d->pm_cap)
		old_pmcsr = pci_cfg_get16(&d->cfg, d->pm_cap + PCI_PM_CTRL);
	old_msix = msix_flags(d);
	pci_cfg_guest_write(&d->cfg, off, buf, count);

	if (d->pm_cap && touches(off, count, d->pm_cap + PCI_PM_CTRL, 2))
		pm_fixup(d, old_pmcsr);
	if (d->msi_cap && touches(off, count, d->msi_cap + PCI_MSI_FLAGS, 2))
		msi_fixup(d);
	if (touches(off, count, PCI_COMMAND, 2))
		pci_intx_update(d);
	/* Enable and Function Mask are the only bits of the word the guest can change. */
	if (msix_flags(d) != old_msix)
		msix_notify(d);
	if (d->ops.cfg_written && !d->dying)
		d->ops.cfg_written(d->opaque, off, count);
	return (ssize_t)count;
}

/* ---- capabilities ----------------------------------------------------- */

unsigned pci_add_cap_pm(struct pci_dev *d)
{
	unsigned pos;

	if (!pci_can_build(d, "PM") || d->pm_cap)
		return 0;
	pos = pci_cfg_add_cap(&d->cfg, PCI_CAP_ID_PM, PCI_PM_SIZEOF);
	if (!pos)
		return 0;
	/* Version 3 (PCI PM 1.2), D0 and D3hot only, no PME. */
	pci_cfg_set16(&d->cfg, pos + PCI_PM_PMC, 3);
	/* Leaving D3hot keeps the state: no reset to emulate there. */
	pci_cfg_set16(&d->cfg, pos + PCI_PM_CTRL, PCI_PM_CTRL_NO_SOFT_RESET);
	pci_cfg_set_wmask16(&d->cfg, pos + PCI_PM_CTRL, PCI_PM_CTRL_STATE_MASK);
	d->pm_cap = pos;
	return pos;
}

/*
 * A version 2 endpoint on a 2.5 GT/s x1 link with 128-byte payloads, no
 * ASPM and no FLR (resets come as vfio-user DEVICE_RESET).
 */
unsigned pci_add_cap_pcie(struct pci_dev *d)
{
	struct pci_cfg *c;
	unsigned pos;

	if (!pci_can_build(d, "PCIe") || d->pcie_cap)
		return 0;
	c = &d->cfg;
	pos = pci_cfg_add_cap(c, PCI_CAP_ID_EXP, PCI_CAP_EXP_ENDPOINT_SIZEOF_V2);
	if (!pos)
		return 0;
	pci_cfg_set16(c, pos + PCI_EXP_FLAGS, 2 | PCI_EXP_TYPE_ENDPOINT << 4);
	pci_cfg_set32(c, pos + PCI_EXP_DEVCAP, PCI_EXP_DEVCAP_RBER);
	pci_cfg_set16(c, pos + PCI_EXP_DEVCTL,
		      PCI_EXP_DEVCTL_RELAX_EN | PCI_EXP_DEVCTL_NOSNOOP_EN | 2 << 12);
	pci_cfg_set_wmask16(c, pos + PCI_EXP_DEVCTL,
			    PCI_EXP_DEVCTL_CERE | PCI_EXP_DEVCTL_NFERE | PCI_EXP_DEVCTL_FERE |
			    PCI_EXP_DEVCTL_URRE | PCI_EXP_DEVCTL_RELAX_EN | PCI_EXP_DEVCTL_PAYLOAD |
			    PCI_EXP_DEVCTL_NOSNOOP_EN | PCI_EXP_DEVCTL_READRQ);
	pci_cfg_set_w1c16(c, pos + PCI_EXP_DEVSTA,
			  PCI_EXP_DEVSTA_CED | PCI_EXP_DEVSTA_NFED | PCI_EXP_DEVSTA_FED |
			  PCI_EXP_DEVSTA_URD);
	pci_cfg_set32(c, pos + PCI_EXP_LNKCAP, PCI_EXP_LNKCAP_SLS_2_5GB | 1u << 4);
	pci_cfg_set_wmask16(c, pos + PCI_EXP_LNKCTL,
			    PCI_EXP_LNKCTL_ASPMC | PCI_EXP_LNKCTL_RCB | PCI_EXP_LNKCTL_CCC |
			    PCI_EXP_LNKCTL_ES);
	pci_cfg_set16(c, pos + PCI_EXP_LNKSTA, PCI_EXP_LNKSTA_CLS_2_5GB | 1u << 4);
	pci_cfg_set32(c, pos + PCI_EXP_LNKCAP2, PCI_EXP_LNKCAP2_SLS_2_5GB);
	pci_cfg_set16(c, pos + PCI_EXP_LNKCTL2, PCI_EXP_LNKCTL2_TLS_2_5GT);
	d->pcie_cap = pos;
	d->cfg_size = PCI_CFG_SIZE;
	return pos;
}
