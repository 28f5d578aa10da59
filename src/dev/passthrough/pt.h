/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The passthrough model's pure parts (unit-tested without a device): the
 * virtualized config space and the layout of a BAR's mmap-able areas.
 */
#ifndef VMUX_DEV_PASSTHROUGH_PT_H
#define VMUX_DEV_PASSTHROUGH_PT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vfu/proto.h"
#include "vfio/vfio.h"

/* ---- config space ------------------------------------------------------- */

#define PT_CFG_MAX 4096u

/* The device's own config space: read and write callbacks (VFIO's config region). */
struct pt_cfg_dev_ops {
	int (*read)(void *opaque, unsigned off, void *buf, unsigned len);  /* 0 or -errno */
	int (*write)(void *opaque, unsigned off, const void *buf, unsigned len);
};

struct pt_bar {
	uint64_t size;  /* 0: no BAR */
	bool io, mem64, prefetch;
};

/*
 * Every byte of the guest's config space is described by three masks: the
 * bits read from the shadow (the rest are read live from the device), the
 * bits a guest write changes in the shadow, and the bits a guest write sends
 * to the device (read-modify-write of just those bits). What no mask allows
 * is dropped.
 */
struct pt_cfg {
	uint8_t shadow[PT_CFG_MAX];
	uint8_t emu[PT_CFG_MAX];
	uint8_t wmask[PT_CFG_MAX];
	uint8_t pass[PT_CFG_MAX];
	uint8_t w1c[PT_CFG_MAX];  /* of the pass bits: write-1-to-clear (no read-modify-write) */
	uint8_t init[PT_CFG_MAX]; /* the shadow after a reset */
	unsigned size;            /* 256 or 4096 */
	struct pt_bar bar[6];
	uint64_t rom_size;
	unsigned pm_cap, msi_cap, msix_cap, pcie_cap; /* offsets, 0: none */
	uint16_t msix_nvec;
	uint8_t msix_table_bar, msix_pba_bar;
	uint32_t msix_table_off, msix_pba_off;
	uint16_t msi_nvec;   /* as the capability allows (MMC) */
	bool msi_64, msi_maskable;
	const struct pt_cfg_dev_ops *ops;
	void *opaque;
	uint64_t writes_dropped; /* guest writes that changed nothing a guest may change */
	uint64_t dev_errors;     /* device accesses that failed */
};

/* What a write changed (pt_cfg_write's result). */
#define PT_CFG_CHG_CMD 0x1u
#define PT_CFG_CHG_MSI 0x2u
#define PT_CFG_CHG_MSIX 0x4u

/*
 * Builds the virtual config space from the device's own (devcfg, size bytes:
 * 256 or 4096), its BARs and ROM as VFIO reports them. The capability chain
 * is walked defensively (loops, pointers outside the header end it). 0, or
 * -EINVAL with a message in err.
 */
int pt_cfg_init(struct pt_cfg *c, const uint8_t *devcfg, unsigned size, const struct pt_bar bar[6],
		uint64_t rom_size, const struct pt_cfg_dev_ops *ops, void *opaque, char *err,
		size_t errlen);
/* Back to the state after init (BARs unassigned, command 0, MSI/MSI-X off). */
void pt_cfg_reset(struct pt_cfg *c);
/* Any offset and length inside size (callers have checked): 0 or -errno. */
int pt_cfg_read(struct pt_cfg *c, unsigned off, void *buf, unsigned len);
/* Returns PT_CFG_CHG_* of what changed, or -errno. */
int pt_cfg_write(struct pt_cfg *c, unsigned off, const void *buf, unsigned len);

uint16_t pt_cfg_cmd(const struct pt_cfg *c);
bool pt_cfg_msix_enabled(const struct pt_cfg *c);
bool pt_cfg_msix_func_masked(const struct pt_cfg *c);
bool pt_cfg_msi_enabled(const struct pt_cfg *c);
/* Vectors the guest enabled in MSI's control (MME), 1..32. */
unsigned pt_cfg_msi_vectors(const struct pt_cfg *c);

/* ---- BAR layout ------------------------------------------------------- */

/*
 * The mmap-able areas of a BAR of `size` bytes: the device's areas (areas[],
 * n of them; whole: the entire region, as VFIO says without a sparse
 * capability) minus the ranges in trap[] (the MSI-X table and PBA), each
 * widened to whole pages of `page` bytes; areas are shrunk to whole pages.
 * Writes at most max areas to out: their count, or -E2BIG.
 */
int pt_sparse_layout(uint64_t size, bool whole, const struct vfio_area *areas, unsigned n,
		     const struct vfio_area *trap, unsigned ntrap, uint64_t page,
		     struct vfu_sparse_area *out, unsigned max);

#endif
