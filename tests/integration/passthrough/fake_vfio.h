/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A fake VFIO device for the passthrough model's integration tests
 * (test_pt_fake, and test_malformed's passthrough group): an igb-like
 * function (BAR0 128 KiB trapped, BAR3 16 KiB mmap-able with the MSI-X
 * table at 0 and the PBA at 0x2000, MSI-X vectors, MSI, INTx) behind a
 * `struct vfio_backend` that records what reaches the "device": IOMMU maps,
 * interrupt routes (dups of the eventfds, closed when the route goes), config
 * writes, resets, its release; ERR and REQ interrupts offered. BAR0 holds the integration fixture's ID register
 * (FX_ID_VALUE at FX_ID), so the fixture's "still answering" checks work on
 * it too. pt_fake_start() runs the passthrough model on it, on a loop thread
 * of its own, listening on a socket.
 */
#ifndef VMUX_TESTS_PT_FAKE_VFIO_H
#define VMUX_TESTS_PT_FAKE_VFIO_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "vfio/vfio.h"

#define PTF_BAR3_OFF 0x100000u
#define PTF_CFG_OFF 0x200000u
#define PTF_MAXVEC 16

struct ptf_map {
	uint64_t iova, size;
	uint8_t *vaddr;
	int prot;
};

struct pt_fake {
	pthread_mutex_t mu;
	unsigned nvec;
	uint8_t cfg[4096];
	uint8_t bar0[128 << 10];
	int memfd;
	uint8_t *mem; /* BAR3 at PTF_BAR3_OFF */
	struct ptf_map maps[64];
	unsigned nmaps;
	int map_fail;
	int fds[3][PTF_MAXVEC]; /* dups of what each vector triggers */
	int unmask_fd;          /* dup of INTx's unmask eventfd */
	unsigned on_count[3];
	int er_fd[2];           /* dups of the ERR and REQ triggers, -1: none */
	bool closed;            /* vfio_close()d: the device given back */
	bool intx_masked;
	unsigned intx_unmasks, resets, set_calls;
};

extern struct pt_fake PTF;

/* Fills PTF and v (nvec MSI-X vectors, at most PTF_MAXVEC). 0 or -1. */
int pt_fake_init(struct vfio_dev *v, unsigned nvec);
/*
 * The device fires vector i of index (INTx, MSI, MSI-X; VFIO_PCI_ERR and
 * VFIO_PCI_REQ with i 0): 0, or -1 when nothing is routed there.
 */
int pt_fake_fire(unsigned index, unsigned i);
/* IOMMU maps held; true when no map and no interrupt route is left. */
unsigned pt_fake_nmaps(void);
bool pt_fake_released(void);
unsigned pt_fake_resets(void);

struct dev_instance;
/*
 * The passthrough model on the fake (nvec vectors), listening on sock, its
 * loop on a thread of its own. NULL (err says why) on failure.
 */
struct dev_instance *pt_fake_start(const char *sock, unsigned nvec, char *err, size_t errlen);
void pt_fake_stop(void);

#endif
