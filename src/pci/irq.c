/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * PCI devices: INTx, interrupt routing (MSI-X, MSI or INTx), the MSI and
 * MSI-X capabilities and the MSI-X state a model reads.
 */
#include <errno.h>
#include <linux/pci_regs.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "pci/dev_priv.h"
#include "pci/pci.h"
#include "pci/pci_internal.h"

#define COMP "pci"

/* ---- INTx ------------------------------------------------------------- */

/*
 * The status interrupt bit shows the model's line whatever the disable bit
 * says; the client only sees the line while INTx is not disabled.
 */
void pci_intx_update(struct pci_dev *d)
{
	uint16_t status = pci_cfg_get16(&d->cfg, PCI_STATUS);
	bool out;

	if (d->intx_level)
		status |= PCI_STATUS_INTERRUPT;
	else
		status &= (uint16_t)~PCI_STATUS_INTERRUPT;
	pci_cfg_set16(&d->cfg, PCI_STATUS, status);

	out = d->ctx && d->irq_pin && d->intx_level &&
	      !(cmd_reg(d) & PCI_COMMAND_INTX_DISABLE);
	if (out == d->intx_out)
		return;
	d->intx_out = out;
	vfu_intx_set(d->ctx, out);
}

void pci_intx_set(struct pci_dev *d, bool level)
{
	if (!d || !d->irq_pin)
		return;
	d->intx_level = level;
	pci_intx_update(d);
}

static void irq_trigger(struct pci_dev *d, uint32_t index, unsigned vec)
{
	int r = vfu_irq_trigger(d->ctx, index, vec);

	/* -EAGAIN: masked, left pending; the client collects it on unmask. */
	if (r < 0 && r != -EAGAIN)
		LOG_RL(LOG_LVL_DEBUG, COMP, "%s: %s vector %u not delivered (%d)", d->name,
		       index == VFU_IRQ_MSIX ? "MSI-X" : "MSI", vec, r);
}

void pci_irq_raise(struct pci_dev *d, unsigned vec)
{
	uint32_t n;

	if (!d || !d->ctx)
		return;
	if (d->msix_cap && vfu_irq_enabled_count(d->ctx, VFU_IRQ_MSIX)) {
		irq_trigger(d, VFU_IRQ_MSIX, vec);
		return;
	}
	n = d->msi_cap ? vfu_irq_enabled_count(d->ctx, VFU_IRQ_MSI) : 0;
	if (n) {
		/* With fewer vectors granted than used, vectors alias (low bits). */
		irq_trigger(d, VFU_IRQ_MSI, vec % n);
		return;
	}
	pci_intx_set(d, true);
}

void pci_msix_table_reset(struct pci_dev *d)
{
	if (!d->msix.table)
		return;
	memset(d->msix.table, 0, msix_table_len(&d->msix));
	/* Every vector starts masked. */
	for (unsigned i = 0; i < d->msix.nvec; i++)
		d->msix.table[i * PCI_MSIX_ENTRY_SIZE + PCI_MSIX_ENTRY_VECTOR_CTRL] =
			PCI_MSIX_ENTRY_CTRL_MASKBIT;
}

unsigned pci_add_cap_msi(struct pci_dev *d, unsigned nvec, bool addr64, bool maskable)
{
	unsigned size, pos, log2n = 0;
	uint16_t flags;

	if (!pci_can_build(d, "MSI") || d->msi_cap || nvec > MSI_MAX_VECTORS || !is_pow2(nvec))
		return 0;
	while ((1u << log2n) < nvec)
		log2n++;
	if (maskable)
		size = addr64 ? PCI_MSI_PENDING_64 + 4 : PCI_MSI_PENDING_32 + 4;
	else
		size = addr64 ? PCI_MSI_DATA_64 + 2 : PCI_MSI_DATA_32 + 2;
	pos = pci_cfg_add_cap(&d->cfg, PCI_CAP_ID_MSI, size);
	if (!pos)
		return 0;

	flags = (uint16_t)(log2n << 1);
	if (addr64)
		flags |= PCI_MSI_FLAGS_64BIT;
	if (maskable)
		flags |= PCI_MSI_FLAGS_MASKBIT;
	pci_cfg_set16(&d->cfg, pos + PCI_MSI_FLAGS, flags);
	pci_cfg_set_wmask16(&d->cfg, pos + PCI_MSI_FLAGS, PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QSIZE);
	pci_cfg_set_wmask32(&d->cfg, pos + PCI_MSI_ADDRESS_LO, 0xfffffffcu);
	if (addr64)
		pci_cfg_set_wmask32(&d->cfg, pos + PCI_MSI_ADDRESS_HI, 0xffffffffu);
	pci_cfg_set_wmask16(&d->cfg, pos + (addr64 ? PCI_MSI_DATA_64 : PCI_MSI_DATA_32), 0xffff);
	if (maskable)
		pci_cfg_set_wmask32(&d->cfg, pos + (addr64 ? PCI_MSI_MASK_64 : PCI_MSI_MASK_32),
				    nvec == 32 ? 0xffffffffu : (1u << nvec) - 1);
	d->msi_cap = pos;
	d->msi_nvec = nvec;
	d->msi_64 = addr64;
	d->msi_maskable = maskable;
	return pos;
}

static bool msix_layout_ok(struct pci_dev *d, const struct pci_msix_state *m)
{
	const struct pci_bar_state *tb, *pb;

	if (m->nvec < 1 || m->nvec > MSIX_MAX_VECTORS || m->table_bar >= PCI_NUM_BARS ||
	    m->pba_bar >= PCI_NUM_BARS || (m->table_off & 7) || (m->pba_off & 7))
		return false;
	tb = &d->bars[m->table_bar];
	pb = &d->bars[m->pba_bar];
	if (!tb->size || !pb->size || (tb->flags & PCI_BAR_IO) || (pb->flags & PCI_BAR_IO))
		return false;
	if (m->table_off > tb->size || msix_table_len(m) > tb->size - m->table_off ||
	    m->pba_off > pb->size || msix_pba_len(m) > pb->size - m->pba_off)
		return false;
	if (m->table_bar == m->pba_bar &&
	    ranges_intersect(m->table_off, msix_table_len(m), m->pba_off, msix_pba_len(m)))
		return false;
	for (unsigned k = 0; k < tb->nr_shared; k++)
		if (ranges_intersect(m->table_off, msix_table_len(m), tb->shared[k].offset,
				     tb->shared[k].size))
			return false;
	for (unsigned k = 0; k < pb->nr_shared; k++)
		if (ranges_intersect(m->pba_off, msix_pba_len(m), pb->shared[k].offset,
				     pb->shared[k].size))
			return false;
	return true;
}

unsigned pci_add_cap_msix(struct pci_dev *d, unsigned nvec, unsigned table_bar, uint32_t table_off,
			  unsigned pba_bar, uint32_t pba_off)
{
	struct pci_msix_state m = {
		.nvec = nvec, .table_bar = table_bar, .pba_bar = pba_bar,
		.table_off = table_off, .pba_off = pba_off,
	};
	unsigned pos;

	if (!pci_can_build(d, "MSI-X") || d->msix_cap)
		return 0;
	if (!msix_layout_ok(d, &m)) {
		LOG_ERR(COMP, "%s: bad MSI-X layout (%u vectors, table %u:0x%x, PBA %u:0x%x)",
			d->name, nvec, table_bar, table_off, pba_bar, pba_off);
		return 0;
	}
	m.table = calloc(nvec, PCI_MSIX_ENTRY_SIZE);
	if (!m.table)
		return 0;
	pos = pci_cfg_add_cap(&d->cfg, PCI_CAP_ID_MSIX, PCI_CAP_MSIX_SIZEOF);
	if (!pos) {
		free(m.table);
		return 0;
	}
	pci_cfg_set16(&d->cfg, pos + PCI_MSIX_FLAGS, (uint16_t)(nvec - 1));
	pci_cfg_set_wmask16(&d->cfg, pos + PCI_MSIX_FLAGS,
			    PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
	pci_cfg_set32(&d->cfg, pos + PCI_MSIX_TABLE, table_off | table_bar);
	pci_cfg_set32(&d->cfg, pos + PCI_MSIX_PBA, pba_off | pba_bar);
	d->msix = m;
	d->msix_cap = pos;
	pci_msix_table_reset(d);
	return pos;
}

bool pci_msix_enabled(const struct pci_dev *d)
{
	return d && (msix_flags(d) & PCI_MSIX_FLAGS_ENABLE);
}

bool pci_msix_func_masked(const struct pci_dev *d)
{
	return d && (msix_flags(d) & PCI_MSIX_FLAGS_MASKALL);
}

bool pci_msix_vector_ready(const struct pci_dev *d, unsigned vec)
{
	return d && d->ctx && d->msix_cap && vec < d->msix.nvec &&
	       vfu_irq_has_eventfd(d->ctx, VFU_IRQ_MSIX, vec) &&
	       !vfu_irq_masked(d->ctx, VFU_IRQ_MSIX, vec);
}
