/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Integration harness for the e1000 model.
 *
 * Server side (e1kt_*): an e1000-emu instance created in-process, its loop
 * running in a thread, its port wired to a test peer port that records every
 * frame it is given and can inject frames toward the device.
 *
 * Guest side (e1kg_*): a small poll-mode e1000 driver on the in-tree vfio-user
 * client: a memfd plays guest RAM (DMA_MAP), registers go through
 * REGION_READ/WRITE of BAR0, interrupts arrive on the INTx eventfd. After
 * e1kg_map_doorbells() the registers on BAR0's sparse mmap area (the doorbell
 * page) are plain memory accesses, as in a guest whose VMM mapped the area.
 */
#ifndef VMUX_TESTS_E1KT_H
#define VMUX_TESTS_E1KT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>

#include "client/vfuc.h"
#include "dev/e1000_regs.h"

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
/* A counter from the model's dump_stats, e.g. "tx_drop_tso"; -1 if absent. */
long long e1kt_counter(struct e1kt *t, const char *name);

/* ---- guest side ---------------------------------------------------------- */

#define E1KG_IOVA 0x10000000ull
#define E1KG_MEM (8u << 20)
#define E1KG_TXRING 0x000000u /* offsets inside guest memory */
#define E1KG_RXRING 0x010000u
#define E1KG_TXBUF 0x020000u
#define E1KG_TXBUF_END 0x400000u
#define E1KG_RXBUF 0x400000u

struct e1kg {
	struct vfuc *c;
	struct vfuc_mem mem;
	uint32_t tx_count, tx_tail;
	uint32_t rx_count, rx_next, rx_bufsize;
	uint32_t txbuf_next; /* bump allocator over [TXBUF, TXBUF_END) */
	uint8_t *db;         /* mapped sparse area of BAR0, NULL: all registers trapped */
	uint64_t db_off, db_size; /* its place in BAR0 */
};

/* Connects, negotiates, maps guest RAM, enables memory/IO/bus mastering and INTx. */
int e1kg_open(struct e1kg *g, const char *sock);
void e1kg_close(struct e1kg *g);

/*
 * Finds BAR0's sparse mmap area through DEVICE_GET_REGION_INFO and maps it
 * from the fd the server sends. 0, or -errno (-ENOENT: no sparse area).
 */
int e1kg_map_doorbells(struct e1kg *g);
/* Requests this client has sent so far (messages, not memory accesses). */
uint64_t e1kg_requests(struct e1kg *g);

uint32_t e1kg_rd(struct e1kg *g, uint32_t off);
void e1kg_wr(struct e1kg *g, uint32_t off, uint32_t v);
/* Through the I/O BAR (IOADDR/IODATA). */
uint32_t e1kg_io_rd(struct e1kg *g, uint32_t off);
void e1kg_io_wr(struct e1kg *g, uint32_t off, uint32_t v);
uint16_t e1kg_phy_rd(struct e1kg *g, unsigned reg);
void e1kg_phy_wr(struct e1kg *g, unsigned reg, uint16_t v);
uint16_t e1kg_eerd(struct e1kg *g, unsigned word);

/* Guest address <-> our pointer. */
static inline uint64_t e1kg_gpa(uint32_t off)
{
	return E1KG_IOVA + off;
}
void *e1kg_ptr(struct e1kg *g, uint32_t off);

/* Device reset like the driver (CTRL.RST), masks interrupts, sets SLU. */
void e1kg_reset(struct e1kg *g);
/* TX ring of count descriptors (TDLEN count*16), TCTL.EN. */
void e1kg_tx_setup(struct e1kg *g, uint32_t count);
/*
 * RX ring of count descriptors with buffers of bufsize (RCTL BSIZE/BSEX set
 * to match); rctl_extra ORed into RCTL (BAM, LPE, UPE ...); RDT = count - 1.
 */
void e1kg_rx_setup(struct e1kg *g, uint32_t count, uint32_t bufsize, uint32_t rctl_extra);

/* Copies data into a fresh TX buffer; returns its guest address. */
uint64_t e1kg_txbuf(struct e1kg *g, const void *data, uint32_t len);
void e1kg_txbuf_reset(struct e1kg *g);

/* Descriptor writers at the tail (do not kick). Return the descriptor index. */
uint32_t e1kg_tx_legacy(struct e1kg *g, uint64_t addr, uint16_t len, uint8_t cmd, uint8_t cso,
			uint8_t css, uint16_t special);
uint32_t e1kg_tx_ctx(struct e1kg *g, uint8_t ipcss, uint8_t ipcso, uint16_t ipcse, uint8_t tucss,
		     uint8_t tucso, uint16_t tucse, uint32_t paylen, uint8_t tucmd, uint8_t hdrlen,
		     uint16_t mss);
uint32_t e1kg_tx_data(struct e1kg *g, uint64_t addr, uint32_t len, uint8_t dcmd, uint8_t popts,
		      uint16_t special);
/* Raw 16 bytes at the tail. */
uint32_t e1kg_tx_raw(struct e1kg *g, const uint8_t d[16]);
/* Writes TDT = tail. */
void e1kg_tx_kick(struct e1kg *g);
uint8_t e1kg_tx_status(struct e1kg *g, uint32_t idx);

/* RX descriptor idx: fields as written back. */
struct e1kg_rxd {
	uint64_t addr;
	uint16_t len, csum;
	uint8_t status, errors;
	uint16_t special;
};
void e1kg_rxd(struct e1kg *g, uint32_t idx, struct e1kg_rxd *d);
uint8_t *e1kg_rxbuf(struct e1kg *g, uint32_t idx);
/*
 * Takes the next completed frame (possibly spanning descriptors) into out
 * (cap bytes): returns its length including FCS, 0 if none is complete.
 * Descriptors are cleaned and given back (RDT). *last receives the EOP
 * descriptor.
 */
uint32_t e1kg_rx_take(struct e1kg *g, uint8_t *out, uint32_t cap, struct e1kg_rxd *last);

/* Waits for the INTx eventfd; returns 1 if it fired. */
int e1kg_irq_wait(struct e1kg *g, int timeout_ms);
/* End of interrupt: unmasks INTx (as QEMU does after the guest's EOI). */
void e1kg_irq_eoi(struct e1kg *g);

/* Builds an Ethernet frame dst/src/type + payload of plen pattern bytes. */
uint32_t e1kt_eth(uint8_t *f, const uint8_t *dst, const uint8_t *src, uint16_t type,
		  uint32_t plen, uint8_t seed);

#endif
