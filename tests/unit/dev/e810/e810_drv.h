/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Test support for the E810 admin queue engine: a buffer that plays guest
 * RAM (behind the engine's DMA ops, with fault injection) and a small
 * driver that uses the queues the way Linux's ice driver does
 * (ice_controlq.c): it sets the rings up in the driver's register order,
 * posts one command at a time at next_to_use, writes the tail, checks that
 * the head caught up, and copies the descriptor and datalen bytes back; for
 * the ARQ it pre-posts buffers and cleans events from next_to_clean up to
 * the head, re-arming each descriptor and writing the tail.
 */
#ifndef VMUX_TESTS_E810_DRV_H
#define VMUX_TESTS_E810_DRV_H

#include <stdbool.h>
#include <stdint.h>

#include "dev/e810/aq.h"

#define GMEM_BASE 0x00100000ull /* guest RAM starts here; below it is nothing */
#define GMEM_SIZE (4u << 20)
#define DRV_RING 192u           /* ICE_AQ_LEN */
#define DRV_BUF 4096u
/* Layout inside guest RAM (offsets from GMEM_BASE). */
#define DRV_ATQ_RING 0x000000u
#define DRV_ARQ_RING 0x010000u
#define DRV_ATQ_BUFS 0x020000u
#define DRV_ARQ_BUFS 0x200000u
#define DRV_SCRATCH 0x3e0000u   /* free for tests (128 KiB) */

struct gmem {
	uint8_t *mem;
	uint64_t reads, writes;
	/* Fault injection: fail every access touching [fail_lo, fail_hi). */
	uint64_t fail_lo, fail_hi;
	bool fail_writes_only;
};

/*
 * Where the driver's register accesses go when it drives a device rather than
 * an engine of its own (drv_init_io): e.g. BAR0 of a PCI model over
 * vfio-user, with guest RAM shared with it.
 */
struct drv_io {
	uint32_t (*rd)(void *opaque, uint32_t reg);
	void (*wr)(void *opaque, uint32_t reg, uint32_t val);
};

struct drv {
	struct gmem g;
	bool own_mem;
	struct e810_aq *aq;        /* NULL with drv_init_io */
	const struct drv_io *io;
	void *io_opaque;
	unsigned n;                /* ring length */
	unsigned atq_ntu, arq_ntc;
	unsigned notifies;         /* arq_notify calls */
	uint8_t desc[32];          /* last completed ATQ descriptor */
	uint32_t head_at_wb;       /* ATQH when the engine last wrote an ATQ descriptor */
	unsigned atq_wbs;          /* such writes */
	uint16_t datalen;          /* its datalen */
};

/* Creates guest RAM and an engine (cfg NULL: defaults). */
void drv_init(struct drv *d, const struct e810_aq_config *cfg);
/*
 * A driver of a device reached through io, whose guest RAM (GMEM_SIZE bytes
 * at GMEM_BASE) is at mem here; no engine of its own.
 */
void drv_init_io(struct drv *d, const struct drv_io *io, void *opaque, uint8_t *mem);
void drv_fini(struct drv *d);
/* Host pointer of a guest address (asserts it is inside guest RAM). */
uint8_t *gpa_ptr(struct drv *d, uint64_t gpa, uint32_t len);
uint64_t gpa_of(uint32_t off);

void drv_wr(struct drv *d, uint32_t reg, uint32_t val);
uint32_t drv_rd(struct drv *d, uint32_t reg);
/* ATQ and ARQ up as ice_cfg_cq_regs / ice_cfg_rq_regs do (n entries). */
void drv_queues_up(struct drv *d, unsigned n);
/* Both queues down as ice_shutdown_sq / ice_shutdown_rq do. */
void drv_queues_down(struct drv *d);

/*
 * Sends one command. params: 16 bytes in, the completed ones out (may be
 * NULL). buf/len: the buffer (len 0: direct); rd: data to the device.
 * *out: bytes the device returned (datalen), may be NULL. Returns retval;
 * asserts that the head reached the tail and that DD/CMP are set.
 */
uint16_t drv_cmd(struct drv *d, uint16_t opc, uint8_t *params, void *buf, uint16_t len, bool rd,
		 uint16_t *out);
/* The same with a raw flags word, no checks on the result (hostile tests). */
void drv_post_raw(struct drv *d, const uint8_t desc[32]);

/* Host pointer of ATQ descriptor i of the helper's ring. */
uint8_t *drv_atq_desc(struct drv *d, unsigned i);
/* set_event_mask (nothing masked), then get_link_status with LSE enable. */
void drv_enable_lse(struct drv *d);

/* Cleans one ARQ event: 0 and its opcode/data, or -1 if none is there. */
int drv_event(struct drv *d, uint16_t *opc, uint8_t *data, uint16_t *len, uint16_t *flags);

/* Little-endian helpers for building commands. */
void p16(uint8_t *p, uint16_t v);
void p32(uint8_t *p, uint32_t v);
void p64(uint8_t *p, uint64_t v);
uint16_t g16(const uint8_t *p);
uint32_t g32(const uint8_t *p);
uint64_t g64(const uint8_t *p);

#endif /* VMUX_TESTS_E810_DRV_H */
