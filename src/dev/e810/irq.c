// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The E810 model's interrupts: MSI-X vectors (INTENA and automask through
 * GLINT_DYN_CTL, SWINT_TRIG), causes routed to them by a cause control
 * register (PFINT_FW_CTL, PFINT_OICR_CTL, QINT_RQCTL/QINT_TQCTL). A cause on
 * a vector that cannot take it yet (INTENA clear, MSI-X off or masked, no
 * eventfd) is held and sent when it can.
 */
#include "dev/e810/e810_regs.h"
#include "dev/e810/model_priv.h"
#include "pci/pci.h"

static void vec_try(struct e810 *e, unsigned v)
{
	if (!e->pend[v] || !e->intena[v])
		return;
	if (!pci_msix_enabled(e->pci) || pci_msix_func_masked(e->pci) ||
	    !pci_msix_vector_ready(e->pci, v))
		return;
	e->pend[v] = false;
	if (!(e810_reg_get(e, E810_GLINT_CTL) & E810_GLINT_CTL_DIS_AUTOMASK))
		e->intena[v] = false; /* until the driver writes INTENA again */
	e->cnt.irqs++;
	pci_irq_raise(e->pci, v);
}

void e810_vec_cause(struct e810 *e, unsigned v)
{
	if (v >= e->nvec)
		return;
	e->pend[v] = true;
	vec_try(e, v);
	if (e->pend[v])
		e->cnt.irq_deferred++;
}

void e810_vec_retry_all(struct e810 *e)
{
	for (unsigned v = 0; v < e->nvec; v++)
		vec_try(e, v);
}

/* A cause routed by a cause control register (PFINT_FW_CTL, PFINT_OICR_CTL ...). */
bool e810_cause_fire(struct e810 *e, uint32_t ctl_reg)
{
	uint32_t ctl = e810_reg_get(e, ctl_reg);

	if (!(ctl & E810_INT_CTL_CAUSE_ENA))
		return false;
	e810_vec_cause(e, ctl & E810_INT_CTL_MSIX_INDX_M);
	return true;
}

void e810_dyn_ctl_write(struct e810 *e, unsigned v, uint32_t val)
{
	/* INTENA_MSK: this write leaves INTENA alone. */
	if (!(val & E810_GLINT_DYN_CTL_INTENA_MSK))
		e->intena[v] = val & E810_GLINT_DYN_CTL_INTENA;
	/*
	 * CLEARPBA clears the PBA bit of a real part; causes held here are
	 * kept (a spurious interrupt costs the driver a look at its queues, a
	 * lost one a link event).
	 */
	if (val & E810_GLINT_DYN_CTL_SWINT_TRIG) {
		e->cnt.swints++;
		e->pend[v] = true;
	}
	/* Stored without the self-clearing bits; the driver reads back INTENA. */
	val &= ~(E810_GLINT_DYN_CTL_CLEARPBA | E810_GLINT_DYN_CTL_SWINT_TRIG |
		 E810_GLINT_DYN_CTL_INTENA_MSK | E810_GLINT_DYN_CTL_INTENA);
	e810_rstore_set(&e->rs, E810_GLINT_DYN_CTL(v), val);
	vec_try(e, v);
}

/* A queue's cause: its vector from QINT_RQCTL/QINT_TQCTL, through the vector logic. */
void e810_queue_cause(struct e810 *e, uint32_t ctl_reg)
{
	uint16_t vec;

	if (e810_qint_vector(e810_reg_get(e, ctl_reg), (uint16_t)e->nvec, &vec))
		e810_vec_cause(e, vec);
}
