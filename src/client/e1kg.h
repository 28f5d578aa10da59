/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * e1kg: a small poll-mode e1000 "guest driver" on the in-tree vfio-user client
 * (client/vfuc.h). A memfd plays guest RAM (DMA_MAP), registers go through
 * REGION_READ/WRITE of BAR0, interrupts arrive on the INTx eventfd. The
 * integration tests drive one device with it register by register; the
 * benchmarks drive many under load with the burst functions at the end.
 *
 * Guest memory layout (offsets from E1KG_IOVA): the TX ring, the RX ring, TX
 * buffers, RX buffers (RX descriptor i uses buffer i).
 */
#ifndef VMUX_CLIENT_E1KG_H
#define VMUX_CLIENT_E1KG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "client/vfuc.h"
#include "dev/e1000/e1000_regs.h"

#define E1KG_TMO 5000

/*
 * How the guest tells the device about new descriptors (TDT/RDT writes).
 * TRAP: a REGION_WRITE of BAR0 sent posted (NO_REPLY), as QEMU forwards a
 * guest's MMIO write to a device without mmap-able regions: one message per
 * doorbell. POLL: a plain store on the doorbell page (BAR0's sparse mmap
 * area, mapped with e1kg_map_doorbells), which a device in doorbell poll mode
 * polls: no message at all.
 */
enum e1kg_doorbell {
	E1KG_DB_TRAP = 0,
	E1KG_DB_POLL = 1,
};

struct e1kg_counters {
	uint64_t doorbells;   /* TDT/RDT writes made by the burst functions */
	uint64_t tx_doorbells;
	uint64_t tx_posted;   /* descriptors handed over by e1kg_tx_post */
	uint64_t tx_done;     /* descriptors reclaimed (DD seen) */
	uint64_t rx_frames;   /* frames taken by e1kg_rx_poll */
	uint64_t rx_bytes;
};

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
	/* poll mode under load (e1kg_tx_prefill and after) */
	enum e1kg_doorbell doorbell;
	uint32_t tx_clean;   /* next descriptor to reclaim */
	uint32_t rx_given;   /* descriptors cleaned since RDT was last written */
	struct e1kg_counters cnt;
	uint8_t *db;              /* mapped sparse area of BAR0, NULL: all registers trapped */
	uint64_t db_off, db_size; /* its place in BAR0 */
};

/* Connects, negotiates, maps guest RAM, enables memory/IO/bus mastering and INTx. */
int e1kg_open(struct e1kg *g, const char *sock);
/*
 * The same with guest RAM from memfd (E1KG_MEM bytes or more, any file the
 * caller made: an unsealed memfd, a /dev/shm or hugetlbfs file); -1: a sealed
 * memfd of our own, as e1kg_open. Takes memfd, also on failure.
 */
int e1kg_open_mem(struct e1kg *g, const char *sock, int memfd);
void e1kg_close(struct e1kg *g);

/*
 * Finds BAR0's sparse mmap area through DEVICE_GET_REGION_INFO and maps it
 * from the fd the server sends; from then on the registers on it are plain
 * memory accesses, as in a guest whose VMM mapped the area. 0, or -errno
 * (-ENOENT: no sparse area).
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
uint32_t e1kg_eth(uint8_t *f, const uint8_t *dst, const uint8_t *src, uint16_t type,
		  uint32_t plen, uint8_t seed);

/* ---- poll mode under load ------------------------------------------------
 *
 * No interrupts (mask them with IMC): the caller polls. TX: every descriptor
 * carries the same frame in its own buffer with EOP|IFCS|RS, so sending is
 * reclaiming what the device marked done (DD) and moving the tail; the frame
 * is written once. RX: single-buffer frames (buffers of at least the largest
 * frame), given back in batches with one RDT write.
 */

/* Selects the doorbell mode; -ENOTSUP for a mode this build cannot do. */
int e1kg_set_doorbell(struct e1kg *g, enum e1kg_doorbell mode);
/* Writes a tail register (E1K_TDT/E1K_RDT) the way the doorbell mode says. */
void e1kg_doorbell(struct e1kg *g, uint32_t reg, uint32_t v);
/*
 * After e1kg_tx_setup: puts len bytes of frame into one buffer per descriptor
 * (len <= 2048, count <= E1KG_TX_PREFILL_MAX) and fills all descriptors. Does not kick.
 */
#define E1KG_TX_PREFILL_STRIDE 2048u
#define E1KG_TX_PREFILL_MAX ((E1KG_TXBUF_END - E1KG_TXBUF) / E1KG_TX_PREFILL_STRIDE)
int e1kg_tx_prefill(struct e1kg *g, const uint8_t *frame, uint32_t len);
/* Reclaims descriptors the device has finished (DD), clearing DD; returns how many. */
uint32_t e1kg_tx_reclaim(struct e1kg *g);
/* Descriptors the guest may hand over now (one slot stays empty). */
uint32_t e1kg_tx_free(const struct e1kg *g);
/* Hands the next n prefilled descriptors to the device with one TDT doorbell. */
void e1kg_tx_post(struct e1kg *g, uint32_t n);
/*
 * Takes up to max completed frames from the RX ring (counted, not copied) and
 * cleans their descriptors; gives the cleaned descriptors back (one RDT
 * doorbell) once at least give_batch have accumulated. Returns the frames taken.
 */
uint32_t e1kg_rx_poll(struct e1kg *g, uint32_t max, uint32_t give_batch);

#endif
