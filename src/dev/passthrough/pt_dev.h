/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The passthrough instance, shared by model.c (regions, DMA, reset) and irq.c (interrupts). */
#ifndef VMUX_DEV_PASSTHROUGH_PT_DEV_H
#define VMUX_DEV_PASSTHROUGH_PT_DEV_H

#include "dev/dev.h"
#include "dev/passthrough/pt.h"
#include "vfio/vfio.h"

struct loop;
struct loop_fd;
struct vfu_ctx;

struct pt_counters {
	uint64_t resets, reset_err;
	uint64_t dma_maps, dma_unmaps, dma_map_err, dma_unmap_err, dma_nofd;
	uint64_t bar_rw_err, bar_straddle;      /* device accesses failed; accesses across a trap */
	uint64_t msix_table_writes, pba_writes_dropped;
	uint64_t msix_held;       /* a masked vector fired: its PBA bit set */
	uint64_t msix_released;   /* a pending vector delivered when unmasked */
	uint64_t irq_set_err;     /* VFIO_DEVICE_SET_IRQS refused */
	uint64_t intx_unmasks;
	uint64_t err_irqs;        /* VFIO's ERR interrupt (AER) fired */
	uint64_t err_forwarded;   /* ... and reached the client's ERR eventfd */
	uint64_t req_irqs;        /* VFIO's REQ interrupt: the kernel wants the device back */
	uint64_t clients_refused; /* clients attached after the device was given back */
};

struct pt_dev;
struct pt_vec {
	struct pt_dev *p;
	unsigned i;
};

struct pt_dev {
	struct dev_instance head;
	char name[32];
	struct loop *loop;
	struct vfio_dev v;
	struct vfu_ctx *ctx;
	struct pt_cfg cfg;
	struct pt_counters cnt;
	/* MSI-X: the table the guest sees (the device's own is vfio-pci's), the PBA, and
	 * per vector our own eventfd (the trigger while masked) and what VFIO has now. */
	unsigned msix_n;
	uint8_t *msix_table;      /* msix_n * 16 */
	uint64_t *pba;            /* (msix_n + 63) / 64 */
	int *own_efd;
	struct loop_fd **own_lfd;
	struct pt_vec *vecs;      /* what each own eventfd's handler gets */
	int *routed;              /* the fd given to VFIO per vector, -1: none */
	bool msix_on, msi_on, intx_on;
	bool intx_ufd;            /* VFIO has the VMM's INTx unmask eventfd */
	/* What the IOMMU has of the client's maps (those with an fd), as vfu's table has them. */
	struct pt_iommu_map {
		uint64_t iova, size;
	} *maps;
	unsigned nmaps, maps_cap;
	unsigned msi_n;           /* vectors VFIO has enabled for MSI */
	/* VFIO's ERR and REQ interrupts: our eventfds, for the device's lifetime (req.c). */
	int er_efd[2];            /* [0] ERR, [1] REQ; -1: not offered */
	struct loop_fd *er_lfd[2];
	bool released;            /* given back to the kernel (REQ): every client refused */
};

extern const struct dev_model passthrough_model;

/*
 * The model on a device already open (v: a vfio_open()ed function, or a
 * test's fake backend), taken over also on failure. What -m passthrough's
 * create does after vfio_open().
 */
struct dev_instance *pt_create_on(const struct dev_config *cfg, struct vfio_dev *v, char *err,
				  size_t errlen);

/* irq.c */
int pt_irq_init(struct pt_dev *p);
void pt_irq_fini(struct pt_dev *p);
/* Everything off (VFIO's interrupts disabled, pending bits and the table cleared). */
void pt_irq_reset(struct pt_dev *p);
/* The VMM changed index's eventfds or masks (SET_IRQS), or the guest the MSI/MSI-X control. */
void pt_irq_update(struct pt_dev *p, unsigned index, bool force);
/* req.c: VFIO's ERR and REQ interrupts, and giving the device back */
void pt_errreq_init(struct pt_dev *p);
void pt_errreq_fini(struct pt_dev *p);
/*
 * Gives the device back to the kernel (VFIO's REQ, e.g. an unbind of
 * vfio-pci): the client disconnected (its maps leave the IOMMU, a reset),
 * nothing of the device offered for mmap any more, the device closed. The
 * instance stays (its socket too) and refuses clients. Idempotent.
 */
void pt_release(struct pt_dev *p, const char *why);

/* The trapped MSI-X table and PBA: true if [off, off+len) of BAR bar is theirs (done). */
bool pt_msix_access(struct pt_dev *p, unsigned bar, uint64_t off, void *buf, size_t len,
		    bool is_write, ssize_t *ret);

#endif
