/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * An in-process vfio-user server for the integration tests: a small test
 * device built directly on vfu, one or more of them listening on sockets in a
 * temporary directory, all served by one loop running in a thread.
 *
 * Device layout:
 *   region 0 (BAR0)  4 KiB register file (FX_* below), trapped
 *   region 1 (BAR1)  8 KiB memfd, 64-bit prefetchable; page 1 is a sparse
 *                    mmap area, page 0 trapped (reads/writes the same memory)
 *   region 4 (BAR4)  32 bytes of I/O ports (read as zero)
 *   region 6 (ROM)   2 KiB expansion ROM, read-only (55 aa, then zeros)
 *   region 7         config space (256 bytes, or 4 KiB with a DSN ext. cap)
 *   IRQs             INTx 1, MSI 1, MSI-X 8, ERR 1, REQ 1
 */
#ifndef VMUX_TESTS_FIXTURE_H
#define VMUX_TESTS_FIXTURE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>

#include "vfu/vfu.h"

enum fx_reg {
	FX_ID = 0x000,         /* RO: FX_ID_VALUE */
	FX_SCRATCH = 0x004,    /* RW, cleared by reset */
	FX_MSIX = 0x008,       /* W: trigger MSI-X vector v */
	FX_MSI = 0x00c,        /* W: trigger MSI vector v */
	FX_ERR = 0x010,        /* W: trigger ERR */
	FX_REQ = 0x014,        /* W: trigger REQ */
	FX_INTX = 0x018,       /* W: line level 0/1; R: level */
	FX_IRQ_RESULT = 0x01c, /* R: int32 result of the last trigger */
	FX_DMA_SRC = 0x020,    /* u64 guest address */
	FX_DMA_DST = 0x028,    /* u64 guest address */
	FX_DMA_LEN = 0x030,
	FX_DMA_CMD = 0x034,    /* W: FX_CMD_*; runs from the loop after the write's reply */
	FX_DMA_STATUS = 0x038, /* R: FX_ST_* or FX_ST_ERR | errno */
	FX_DMA_VEC = 0x03c,    /* RW: nonzero: MSI-X vector (value - 1) fires when a command ends */
	FX_DMA_DONE = 0x040,   /* R: commands completed (ok or not) */
	FX_RESETS = 0x044,     /* R: reset callbacks */
	FX_ATTACHES = 0x048,   /* R: attach callbacks */
	FX_MAPS = 0x04c,       /* R: dma_map callbacks */
	FX_UNMAPS = 0x050,     /* R: dma_unmap callbacks */
	FX_IRQ_CHANGES = 0x054, /* R: irq_changed callbacks */
	FX_PAGE = 0x058,       /* W: the device stores v at region 1 offsets 0 and 4096 */
	FX_BUF = 0x800,        /* 2 KiB data buffer for FX_CMD_READ / FX_CMD_WRITE */
};
#define FX_BUF_SIZE 0x800u
#define FX_ID_VALUE 0x58554656u /* "VFUX" */

enum fx_cmd {
	FX_CMD_COPY = 1,  /* guest SRC -> guest DST, LEN bytes (<= 64 KiB) */
	FX_CMD_READ = 2,  /* guest SRC -> FX_BUF, LEN <= 2 KiB */
	FX_CMD_WRITE = 3, /* FX_BUF -> guest DST, LEN <= 2 KiB */
};
enum fx_status {
	FX_ST_IDLE = 0,
	FX_ST_PENDING = 1,
	FX_ST_DONE = 2,
	FX_ST_ERR = 0x80000000u,
};

#define FX_REGION1_SIZE 8192u
#define FX_VENDOR 0x1234u
#define FX_DEVICE 0x11e8u
#define FX_MAX_DEV 4

struct fx;

struct fx_dev {
	struct fx *fx;
	unsigned idx;
	char path[300];
	struct vfu_ctx *ctx;
	uint8_t regs[4096];
	uint8_t cfg[4096];
	uint8_t cfg_wmask[4096];
	size_t cfg_size;
	int memfd;
	uint8_t *mem;
	int kick;
	struct loop_fd *kick_lfd;
	atomic_uint resets, attaches, maps, unmaps, irq_changes;
};

struct fx_opts {
	unsigned ndev;           /* 1 if 0 */
	size_t cfg_size;         /* 256 if 0, or 4096 */
	struct vfu_limits limits; /* zero fields: vfu's defaults */
};

struct fx {
	char dir[200];
	struct loop *loop;
	pthread_t th;
	bool running;
	unsigned ndev;
	struct fx_dev dev[FX_MAX_DEV];
};

/* Creates the devices, listens, starts the loop thread. NULL on failure. */
struct fx *fx_start(const struct fx_opts *o);
/* Stops the loop, destroys the devices and removes the directory. */
void fx_stop(struct fx *fx);

#endif
