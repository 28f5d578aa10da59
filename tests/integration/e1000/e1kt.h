/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Integration harness for the e1000 model.
 *
 * Server side (e1kt_*): an e1000-emu instance created in-process, its loop
 * running in a thread, its port wired to a test peer port that records every
 * frame it is given and can inject frames toward the device.
 *
 * Guest side (e1kg_*, client/e1kg.h): a small poll-mode e1000 driver on the
 * in-tree vfio-user client: a memfd plays guest RAM (DMA_MAP), registers go
 * through REGION_READ/WRITE of BAR0, interrupts arrive on the INTx eventfd.
 */
#ifndef VMUX_TESTS_E1KT_H
#define VMUX_TESTS_E1KT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>

#include "client/e1kg.h"
#include "client/vfuc.h"
#include "dev/e1000/e1000_regs.h"

#define E1KT_TMO 5000

extern const uint8_t E1KT_MAC[6];  /* the device's address */
extern const uint8_t E1KT_PEER[6]; /* the peer's address */

/* ---- server side -------------------------------------------------------- */

struct e1kt_frame {
	uint32_t len;
	uint32_t flags; /* PKT_F_* */
	uint16_t tci;
	uint8_t *data;
};

struct e1kt;

/* Starts a device at a socket in a fresh directory. NULL on failure. */
struct e1kt *e1kt_start(void);
/* The same with its doorbells on the shared page (doorbell poll mode). */
struct e1kt *e1kt_start_poll(void);
void e1kt_stop(struct e1kt *t);
const char *e1kt_socket(const struct e1kt *t);

/* The usual test fixture: a device and a guest attached to it. */
struct e1kt_ctx {
	struct e1kt *t;
	struct e1kg g;
};
/*
 * Starts a device (poll: exitless doorbells, the guest maps the doorbell
 * page) and attaches a guest; resets it unless raw. 0, or -1 with nothing
 * left running.
 */
int e1kt_ctx_open(struct e1kt_ctx *c, bool poll, bool raw);
/* cmocka teardown for a struct e1kt_ctx state. */
int e1kt_ctx_teardown(void **state);

/* Runs fn(arg) on the device's loop thread and waits for it. */
void e1kt_call(struct e1kt *t, void (*fn)(void *), void *arg);

/* Frames the peer received so far (copied; index < e1kt_nframes). */
unsigned e1kt_nframes(struct e1kt *t);
/* Copies frame i out (data owned by the harness, valid until e1kt_clear). */
bool e1kt_frame(struct e1kt *t, unsigned i, struct e1kt_frame *f);
/* Waits until at least n frames arrived (timeout_ms); returns the count. */
unsigned e1kt_wait_frames(struct e1kt *t, unsigned n, int timeout_ms);
void e1kt_clear(struct e1kt *t);

/*
 * Sends frames from the peer to the device in one burst (one deliver()).
 * flags/tci as in struct pkt. Returns how many the device accepted.
 */
unsigned e1kt_inject(struct e1kt *t, const uint8_t *const *frames, const uint32_t *lens,
		     unsigned n, uint32_t flags, uint16_t tci);
unsigned e1kt_inject1(struct e1kt *t, const uint8_t *frame, uint32_t len);
/* What the device's port says it takes (rx_space). */
uint32_t e1kt_space(struct e1kt *t);
/* How many times the device woke the peer. */
unsigned e1kt_wakes(struct e1kt *t);
/* Sets the peer's link (the device sees it through peer_link). */
void e1kt_peer_link(struct e1kt *t, bool up);
/* What the peer reports as its room (rx_space); UINT32_MAX: unlimited. */
void e1kt_peer_space(struct e1kt *t, uint32_t space);
/* Tells the device the peer has room again (wake). */
void e1kt_peer_wake(struct e1kt *t);
/* Disconnects the peer from the device's port (false) or connects it again (true). */
void e1kt_peer_plug(struct e1kt *t, bool connected);
/* A counter from the model's dump_stats, e.g. "tx_drop_tso"; -1 if absent. */
long long e1kt_counter(struct e1kt *t, const char *name);

/* The guest side is the e1kg driver (client/e1kg.h). */
static inline uint32_t e1kt_eth(uint8_t *f, const uint8_t *dst, const uint8_t *src, uint16_t type,
				uint32_t plen, uint8_t seed)
{
	return e1kg_eth(f, dst, src, type, plen, seed);
}

#endif
