/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pci: the PCI device framework on top of vfu.
 *
 * A device model declares its identity, BARs and capabilities and gets
 * called for BAR accesses; it never sees vfio-user messages. This layer owns
 * config space (region VFU_PCI_CONFIG) with per-byte write masks and
 * write-1-to-clear bits, BAR sizing, command/status semantics, the capability
 * list, the MSI-X PBA, and chooses MSI-X / MSI / INTx when the model raises
 * an interrupt.
 */
#ifndef VMUX_PCI_PCI_H
#define VMUX_PCI_PCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "vfu/vfu.h"

#define PCI_CFG_SIZE 4096u
#define PCI_CFG_STD_SIZE 256u

/* ---- config space core (no vfu needed; unit-testable) ----------------- */

struct pci_cfg {
	uint8_t data[PCI_CFG_SIZE];
	uint8_t wmask[PCI_CFG_SIZE]; /* 1: bit writable by the guest */
	uint8_t w1c[PCI_CFG_SIZE];   /* 1: writing 1 clears the bit */
	uint8_t last_cap;            /* offset of the last std capability, 0: none */
	uint16_t last_ext_cap;       /* offset of the last extended capability, 0: none */
	uint16_t ext_next_free;      /* next free offset in extended space */
	uint8_t std_next_free;       /* next free offset in standard space */
};

uint8_t pci_cfg_get8(const struct pci_cfg *c, unsigned off);
uint16_t pci_cfg_get16(const struct pci_cfg *c, unsigned off);
uint32_t pci_cfg_get32(const struct pci_cfg *c, unsigned off);
/* Setters used by the device/framework: ignore masks. */
void pci_cfg_set8(struct pci_cfg *c, unsigned off, uint8_t v);
void pci_cfg_set16(struct pci_cfg *c, unsigned off, uint16_t v);
void pci_cfg_set32(struct pci_cfg *c, unsigned off, uint32_t v);
void pci_cfg_set_wmask16(struct pci_cfg *c, unsigned off, uint16_t m);
void pci_cfg_set_wmask32(struct pci_cfg *c, unsigned off, uint32_t m);
void pci_cfg_set_w1c16(struct pci_cfg *c, unsigned off, uint16_t m);
/* Guest-visible write: applies wmask and w1c per byte. off+len <= 4096. */
void pci_cfg_guest_write(struct pci_cfg *c, unsigned off, const void *buf, size_t len);
void pci_cfg_read(const struct pci_cfg *c, unsigned off, void *buf, size_t len);

/*
 * Appends a standard capability of `size` bytes (header included) to the
 * list; returns its offset (dword aligned, >= 0x40) or 0 when out of room.
 */
unsigned pci_cfg_add_cap(struct pci_cfg *c, uint8_t id, unsigned size);
/* Extended capability (offset >= 0x100); returns offset or 0. */
unsigned pci_cfg_add_ext_cap(struct pci_cfg *c, uint16_t id, uint8_t version, unsigned size);
/* Finds a standard capability; 0 if absent. Walk bounded (no loops). */
unsigned pci_cfg_find_cap(const struct pci_cfg *c, uint8_t id);

/* ---- devices ---------------------------------------------------------- */

#define PCI_BAR_MEM 0x0u
#define PCI_BAR_IO 0x1u
#define PCI_BAR_MEM64 0x4u
#define PCI_BAR_PREFETCH 0x8u

struct pci_dev;

/*
 * BAR access. offset+count are within the BAR; count is 1, 2, 4 or 8 for
 * normal accesses but the handler must cope with any count (return -EINVAL
 * for what it does not support). Returns count or -errno.
 */
typedef ssize_t (*pci_bar_cb)(void *opaque, unsigned bar, uint64_t offset, void *buf,
			      size_t count, bool is_write);

struct pci_bar_desc {
	uint64_t size;    /* power of two (>= 16 for MEM, >= 4 for IO); 0: absent */
	uint32_t flags;   /* PCI_BAR_* */
	pci_bar_cb access;
	/*
	 * Optional shared pages, offered to the VMM as sparse mmap areas
	 * (page aligned, page-multiple sizes). The framework backs them with a
	 * memfd, a new one for each client (at the same address: the model
	 * finds them once with pci_bar_shared()).
	 */
	unsigned nr_shared;
	struct vfu_sparse_area shared[VFU_MAX_SPARSE];
};

struct pci_dev_ops {
	/* Power-on / function-level reset of the model (config space is reset by the framework). */
	void (*reset)(void *opaque);
	/* Optional: a client attached / a DMA mapping was added / one is about to go away. */
	void (*attach)(void *opaque);
	void (*dma_map)(void *opaque, uint64_t addr, uint64_t size);
	void (*dma_unmap)(void *opaque, uint64_t addr, uint64_t size);
	/* Optional: config space was written by the guest (after masks applied). */
	void (*cfg_written)(void *opaque, unsigned off, size_t len);
	/*
	 * Optional: MSI-X changed: the VMM gave MSI-X vectors eventfds, took
	 * them away, masked or unmasked them (SET_IRQS), or the guest changed
	 * the Enable or Function Mask bit of the MSI-X capability (called
	 * before cfg_written). The pci_msix_*() queries tell the new state.
	 * Not called for a reset or a client's departure (the reset callback
	 * is), after which MSI-X is disabled.
	 */
	void (*msix_changed)(void *opaque);
};

struct pci_dev_desc {
	const char *name;           /* for logs */
	uint16_t vendor_id, device_id;
	uint16_t subsys_vendor_id, subsys_id;
	uint8_t revision;
	uint32_t class_code;        /* 24 bits: base/sub/prog-if */
	uint8_t irq_pin;            /* 0: none, 1: INTA# ... 4: INTD# */
	struct pci_bar_desc bars[6];
	struct vfu_limits limits;   /* zero: defaults */
};

struct pci_dev *pci_dev_create(const struct pci_dev_desc *desc, const struct pci_dev_ops *ops,
			       void *opaque);
void pci_dev_destroy(struct pci_dev *d);

/* Capability builders: call after create, before listen. Return cap offset or 0. */
unsigned pci_add_cap_pm(struct pci_dev *d);
unsigned pci_add_cap_msi(struct pci_dev *d, unsigned nvec, bool addr64, bool maskable);
/* Table and PBA live in BARs; accesses there are handled by the framework. */
unsigned pci_add_cap_msix(struct pci_dev *d, unsigned nvec, unsigned table_bar, uint32_t table_off,
			  unsigned pba_bar, uint32_t pba_off);
/* PCIe capability (endpoint); also enables 4 KiB config space. */
unsigned pci_add_cap_pcie(struct pci_dev *d);

int pci_dev_listen(struct pci_dev *d, struct loop *l, const char *path);
/* The same on a listening socket handed over as fd (vfu_listen_fd()). */
int pci_dev_listen_fd(struct pci_dev *d, struct loop *l, int fd, const char *label);
struct vfu_ctx *pci_dev_vfu(struct pci_dev *d);
struct pci_cfg *pci_dev_cfg(struct pci_dev *d);
void *pci_bar_shared(struct pci_dev *d, unsigned bar, unsigned idx);
/*
 * Accesses to BAR bar's shared pages that arrived as REGION_READ/WRITE (the
 * VMM did not map them); served from the same memory. Owner thread only.
 */
uint64_t pci_bar_shared_traps(const struct pci_dev *d, unsigned bar);
/*
 * Client detaches after which BAR bar's shared pages got no new memfd: the
 * next client was offered them without an fd (every access trapped).
 */
uint64_t pci_bar_shared_renew_err(const struct pci_dev *d, unsigned bar);

bool pci_bus_master(const struct pci_dev *d);
bool pci_mem_enabled(const struct pci_dev *d);
bool pci_io_enabled(const struct pci_dev *d);

/*
 * Interrupts. pci_irq_raise signals vector `vec` through MSI-X if the client
 * set up MSI-X vectors, else MSI, else asserts INTx (level; the model lowers
 * it with pci_intx_lower when its cause is cleared). Respects the INTx
 * disable bit of the command register.
 */
void pci_irq_raise(struct pci_dev *d, unsigned vec);
void pci_intx_set(struct pci_dev *d, bool level);

/*
 * MSI-X as the guest and the VMM set it up (false without a capability from
 * pci_add_cap_msix). pci_msix_enabled: the guest set the capability's Enable
 * bit; pci_msix_func_masked: its Function Mask bit. pci_msix_vector_ready:
 * the VMM gave vector vec an eventfd and has not masked it, so that
 * pci_irq_raise(d, vec) signals it at once (a masked vector is left pending,
 * and the PBA shows it). The table's per-vector mask bits are the VMM's:
 * QEMU emulates the table itself. msix_changed (pci_dev_ops) tells when any
 * of this changes.
 */
bool pci_msix_enabled(const struct pci_dev *d);
bool pci_msix_func_masked(const struct pci_dev *d);
bool pci_msix_vector_ready(const struct pci_dev *d, unsigned vec);

/* DMA: refused (NULL / -EPERM) unless bus mastering is enabled. */
void *pci_dma_ptr(struct pci_dev *d, uint64_t addr, uint64_t len, int prot);

/*
 * A DMA window: the guest mapping a burst's last translation hit, so that the
 * next ones (descriptors and buffers mostly lie in the same guest RAM) cost
 * a compare instead of the bus-master check and a table search. Start it
 * zeroed; it is valid while a pointer from pci_dma_ptr() is (until control
 * returns to the loop: the map table and the command register only change
 * when a message is handled), so keep one on the stack of a burst, never
 * across returns to the loop.
 */
struct pci_dma_win {
	uint64_t addr, size; /* size 0: empty */
	uint8_t *ptr;
	int prot;
};
/* The slow path of pci_dma_win_ptr: pci_dma_ptr, then the window moves there. */
void *pci_dma_win_fill(struct pci_dev *d, struct pci_dma_win *w, uint64_t addr, uint64_t len,
		       int prot);

static inline void *pci_dma_win_ptr(struct pci_dev *d, struct pci_dma_win *w, uint64_t addr,
				    uint64_t len, int prot)
{
	uint64_t off = addr - w->addr;

	if (addr >= w->addr && off < w->size && len <= w->size - off && (w->prot & prot) == prot)
		return w->ptr + off;
	return pci_dma_win_fill(d, w, addr, len, prot);
}
int pci_dma_read(struct pci_dev *d, uint64_t addr, void *buf, size_t len);
int pci_dma_write(struct pci_dev *d, uint64_t addr, const void *buf, size_t len);

#endif
