/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * e810g: a small poll-mode E810 "guest driver" on the in-tree vfio-user
 * client (client/vfuc.h), the counterpart of e1kg for e810-emu. A memfd
 * plays guest RAM (DMA_MAP), registers go through REGION_READ/WRITE of BAR0.
 * e810g_open brings up the admin queue and the commands ice needs in safe
 * mode to get its queue pairs: get_ver, clear_pf_cfg, get_sw_cfg, the
 * scheduler's default topology, add_vsi, a branch of scheduler nodes down to
 * a queue group, MAC rules (unicast, broadcast), add_txqs with a TX queue
 * context per queue, and RX queues from QRX_CONTEXT + QRX_CTRL.QENA_REQ.
 * The caller polls the rings; interrupts are its choice: every MSI-X vector
 * has an eventfd from open on, the queue causes are mapped with e810g_qint
 * (QINT_RQCTL/QINT_TQCTL), vectors armed with e810g_irq_arm (GLINT_DYN_CTL)
 * and counted with e810g_irq_count (eventfd reads).
 *
 * Guest memory layout (offsets from E810G_IOVA): the ATQ ring and its one
 * buffer, queue 0's TX ring, RX ring, TX buffers, RX buffers (RX descriptor
 * i uses buffer i); from E810G_QX_BASE one E810G_QX_SIZE region per further
 * queue pair with the same four parts (rings of at most E810G_QX_RING_MAX);
 * then the flow director's control queue (E810G_FD_BASE).
 */
#ifndef VMUX_CLIENT_E810G_H
#define VMUX_CLIENT_E810G_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "client/vfuc.h"

#define E810G_TMO 5000
#define E810G_IOVA 0x10000000ull
#define E810G_QUEUES_MAX 4u
#define E810G_QX_BASE 0x800000u
#define E810G_QX_SIZE 0x200000u
#define E810G_QX_TXRING 0x000000u
#define E810G_QX_RXRING 0x002000u
#define E810G_QX_TXBUF 0x010000u
#define E810G_QX_RXBUF 0x100000u
#define E810G_QX_RING_MAX 256u
/* The flow director's control queue (client/e810g_fd.h): its TX ring, then the programming packet. */
#define E810G_FD_BASE (E810G_QX_BASE + (E810G_QUEUES_MAX - 1u) * E810G_QX_SIZE)
#define E810G_FD_TXRING E810G_FD_BASE
#define E810G_FD_RING 256u
#define E810G_FD_PKT (E810G_FD_BASE + 0x1000u)
#define E810G_MEM (E810G_FD_BASE + 0x2000u)
#define E810G_NVEC_MAX 32u
#define E810G_ATQ 0x000000u
#define E810G_ATQ_BUF 0x001000u
#define E810G_TXRING 0x010000u
#define E810G_RXRING 0x020000u
#define E810G_TXBUF 0x040000u
#define E810G_TXBUF_END 0x400000u
#define E810G_RXBUF 0x400000u
#define E810G_BUF_STRIDE 2048u
#define E810G_RING_MAX 2048u

struct e810g_counters {
	uint64_t doorbells;
	uint64_t tx_doorbells;
	uint64_t tx_posted, tx_done;
	uint64_t rx_frames, rx_bytes;
};

/* One queue pair: its rings and buffers (offsets in guest memory) and indexes. */
struct e810g_q {
	uint32_t txring, rxring, txbuf, rxbuf;
	uint32_t txq_teid;
	uint32_t tx_count, tx_tail, tx_clean;
	uint32_t rx_count, rx_next, rx_given;
	uint32_t rx_tail;            /* last QRX_TAIL written */
	uint64_t tx_done, rx_frames; /* this queue's share of cnt */
};

struct e810g {
	struct vfuc *c;
	struct vfuc_mem mem;
	uint8_t mac[6];
	uint16_t vsi;
	uint32_t qgrp;
	unsigned atq_n, atq_ntu;
	uint16_t last_rv;            /* retval of the last admin command */
	unsigned nq;                 /* queue pairs up */
	unsigned nvec;               /* MSI-X vectors (eventfds) */
	struct e810g_q q[E810G_QUEUES_MAX];
	uint64_t irqs[E810G_NVEC_MAX]; /* interrupts counted per vector */
	/* e810g_map_doorbells: the QRX_TAIL and QTX_COMM_DBELL pages, NULL while trapped */
	volatile uint32_t *db_rx, *db_tx;
	struct e810g_counters cnt;
	/* e810g_fd_up: the control VSI and its TX queue (queue pair fd_qidx) */
	struct e810g_q fdq;
	unsigned fd_qidx;
	uint16_t fd_vsi;
	bool fd_on;
};

/*
 * Connects, negotiates, maps guest RAM (a sealed memfd of our own),
 * enables memory and bus mastering and MSI-X (eventfds on every vector),
 * resets the PF and brings the admin queue (ATQ only: no events) up.
 * 0, or -errno.
 */
int e810g_open(struct e810g *g, const char *sock);
void e810g_close(struct e810g *g);
/*
 * PFGEN_CTRL.PFSWR and the admin queue up again, on the open connection
 * (what open does after connecting): the queues are gone, e810g_up or
 * e810g_up_queues brings them back. 0, or -EIO.
 */
int e810g_reset(struct e810g *g);
/* What follows the reset: the admin queue up, no queues. 0, or -EIO. */
int e810g_atq_init(struct e810g *g);

uint32_t e810g_rd(struct e810g *g, uint32_t reg);
void e810g_wr(struct e810g *g, uint32_t reg, uint32_t v);
void *e810g_ptr(struct e810g *g, uint32_t off);
static inline uint64_t e810g_gpa(uint32_t off)
{
	return E810G_IOVA + off;
}

/*
 * One admin command: params 16 bytes in and out (may be NULL), buf/len the
 * indirect buffer (len 0: direct; rd: data to the device). Returns the
 * firmware retval, or 0xffff if the device did not complete it.
 */
uint16_t e810g_aq(struct e810g *g, uint16_t opc, uint8_t *params, void *buf, uint16_t len, bool rd);

/*
 * The safe-mode bring-up up to one queue pair: TX queue 0 of tx_count
 * descriptors, RX queue 0 of rx_count 32-byte descriptors with 2 KiB
 * buffers, all given to the device. Counts are powers of two 8..2048. The
 * device's MAC (manage_mac_read) lands in g->mac.
 * 0, or -EIO with the failing step logged.
 */
int e810g_up(struct e810g *g, uint32_t tx_count, uint32_t rx_count);
/*
 * The same with nq queue pairs (TX and RX queue q for q < nq, each ring in
 * its own region); with nq > 1 counts are at most E810G_QX_RING_MAX.
 */
int e810g_up_queues(struct e810g *g, unsigned nq, uint32_t tx_count, uint32_t rx_count);

/*
 * add_vsi over queues [q0, q0 + nq) (contiguous), as e810g_up's PF VSI;
 * its number in *vsi. 0, or -EIO.
 */
int e810g_add_vsi(struct e810g *g, uint16_t q0, uint16_t nq, uint16_t *vsi);
/*
 * add_txqs for queue q of VSI vsi under e810g_up's queue group, its ring of
 * count descriptors at x->txring (the caller sets it). 0, or -EIO.
 */
int e810g_txq_add(struct e810g *g, struct e810g_q *x, unsigned q, uint16_t vsi, uint32_t count);

/*
 * Exitless doorbells (a device with --doorbell poll): maps BAR0's QRX_TAIL
 * and QTX_COMM_DBELL pages from its sparse mmap areas; from then on
 * e810g_doorbell stores on them. 0, -ENOENT if the device offers no such
 * pages, or -errno.
 */
int e810g_map_doorbells(struct e810g *g);

/* Writes a doorbell (QTX_COMM_DBELL / QRX_TAIL): a store on its page if mapped, else posted. */
void e810g_doorbell(struct e810g *g, uint32_t reg, uint32_t v);

/* ---- single frames (queue 0, or queue q) ---- */
/* Copies the frame into TX buffer of the tail descriptor, posts it, kicks. */
int e810g_tx_one(struct e810g *g, const void *frame, uint32_t len);
int e810g_txq_one(struct e810g *g, unsigned q, const void *frame, uint32_t len);
/*
 * Takes the next received frame (single buffer) into out (cap bytes):
 * returns its length, 0 if none. The descriptor is re-armed and given back.
 */
uint32_t e810g_rx_take(struct e810g *g, uint8_t *out, uint32_t cap);
uint32_t e810g_rxq_take(struct e810g *g, unsigned q, uint8_t *out, uint32_t cap);
/* The same, with the 32-byte write-back descriptor copied into wb (may be NULL). */
uint32_t e810g_rxq_take_wb(struct e810g *g, unsigned q, uint8_t *out, uint32_t cap,
			   uint8_t wb[32]);
/* Reclaims queue q's descriptors the device marked done; returns how many. */
uint32_t e810g_txq_reclaim(struct e810g *g, unsigned q);
/* Takes up to max frames from queue q, gives descriptors back once give_batch are clean. */
uint32_t e810g_rxq_poll(struct e810g *g, unsigned q, uint32_t max, uint32_t give_batch);

/* ---- interrupts ---- */
/*
 * Routes queue q's RX (rx) or TX cause to MSI-X vector vec with ITR index
 * itr (0..2, 3: none), enabled or not (QINT_RQCTL / QINT_TQCTL).
 */
void e810g_qint(struct e810g *g, unsigned q, bool rx, unsigned vec, unsigned itr, bool ena);
/* GLINT_ITR(idx, vec) = us (2 us units, rounded down). */
void e810g_itr(struct e810g *g, unsigned idx, unsigned vec, uint32_t us);
/*
 * Re-arms vec (GLINT_DYN_CTL: INTENA, CLEARPBA) and, with itr_idx 0..2,
 * sets that ITR to us on the way, as ice's re-arm can; itr_idx 3 leaves
 * the ITRs alone.
 */
void e810g_irq_arm(struct e810g *g, unsigned vec, unsigned itr_idx, uint32_t us);
/* Interrupts of vec so far: what its eventfd counted since open (read without waiting). */
uint64_t e810g_irq_count(struct e810g *g, unsigned vec);

/* ---- poll mode under load (as e1kg's burst functions) ---- */
#define E810G_TX_PREFILL_MAX ((E810G_TXBUF_END - E810G_TXBUF) / E810G_BUF_STRIDE)
/* Puts the same frame into one buffer per TX descriptor and fills them all. */
int e810g_tx_prefill(struct e810g *g, const uint8_t *frame, uint32_t len);
/* Reclaims descriptors the device marked done (DTYPE 0xF); returns how many. */
uint32_t e810g_tx_reclaim(struct e810g *g);
uint32_t e810g_tx_free(const struct e810g *g);
/* Hands the next n prefilled descriptors over with one doorbell. */
void e810g_tx_post(struct e810g *g, uint32_t n);
/* Takes up to max frames (counted), gives descriptors back once give_batch are clean. */
uint32_t e810g_rx_poll(struct e810g *g, uint32_t max, uint32_t give_batch);
/* Requests this client has sent so far. */
uint64_t e810g_requests(struct e810g *g);

#endif
