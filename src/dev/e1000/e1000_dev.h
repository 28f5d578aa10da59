/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The e1000 model's device state, shared by its files (regs.c, tx.c, rx.c,
 * doorbell.c, model.c): the instance, its counters, the little byte-order
 * helpers, and what one file calls in another. Not for use outside the model;
 * the pure parts the tests call are in e1000_priv.h.
 */
#ifndef VMUX_DEV_E1000_E1000_DEV_H
#define VMUX_DEV_E1000_E1000_DEV_H

#include <endian.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#include "dev/common/dring.h"
#include "dev/dev.h"
#include "dev/e1000/e1000_priv.h"
#include "dev/e1000/e1000_regs.h"
#include "net/csum.h"
#include "net/pkt.h"
#include "net/port.h"
#include "net/tso.h"
#include "pci/pci.h"

#define COMP "e1000"

#define ETH_ALEN 6u
#define ETH_HLEN 14u
#define ETH_ZLEN 60u    /* shortest frame without FCS; shorter ones are padded on receive */
#define ETH_FCS_LEN 4u
#define VLAN_HLEN 4u
#define ETHERTYPE_IPV4 0x0800u
#define ETHERTYPE_IPV6 0x86ddu
#define IPPROTO_TCP_ 6u
#define IPPROTO_UDP_ 17u

#define E1K_TX_BURST 64u
#define E1K_TX_PREFETCH 16u /* descriptors read ahead in a TX walk */
#define E1K_POOL_PKTS 512u

/* ---- little helpers ------------------------------------------------------- */

static inline uint16_t get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Unaligned little-endian access: one load or store each. */
static inline uint16_t get_le16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return le16toh(v);
}

static inline uint32_t get_le32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return le32toh(v);
}

static inline uint64_t get_le64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return le64toh(v);
}

static inline void put_le16(uint8_t *p, uint16_t v)
{
	v = htole16(v);
	memcpy(p, &v, sizeof(v));
}

/* ==== the device ============================================================ */

/* Per-reason counters (dump_stats); the guest-visible statistics live in stats[]. */
struct e1k_counters {
	uint64_t tx_pkts, tx_bytes, tx_tso, tx_tso_segs;
	uint64_t tx_drop_nobuf;   /* packet pool empty */
	uint64_t tx_drop_long;    /* frame longer than a packet buffer / TSO limit */
	uint64_t tx_drop_dma;     /* buffer outside guest memory */
	uint64_t tx_drop_runt;    /* shorter than an Ethernet header */
	uint64_t tx_drop_tso;     /* unusable TSO context (MSS, HDRLEN, segments) */
	uint64_t tx_no_peer;      /* nobody to send to */
	uint64_t tx_csum_bad;     /* checksum offsets outside the frame (sent without) */
	uint64_t tx_bad_desc;     /* unknown descriptor type (skipped) */
	uint64_t tx_ring_err;     /* TDLEN/TDH/TDT unusable */
	uint64_t tx_desc_dma;     /* descriptor ring outside guest memory */
	uint64_t tx_walk_yield;   /* walks that stopped at the wake-up's budget */
	uint64_t tx_blocked;      /* walks that waited for the peer's room */
	uint64_t tx_descs;        /* descriptors read */
	uint64_t tx_descs_wake_max; /* most descriptors read in one wake-up */
	uint64_t tx_tail_pending; /* tails that came while a walk waited (only recorded) */
	uint64_t rx_pkts, rx_bytes;
	uint64_t rx_drop_off;     /* receiver disabled or link down */
	uint64_t rx_drop_addr;    /* address filters */
	uint64_t rx_drop_vlan;    /* VLAN filter */
	uint64_t rx_drop_long;    /* longer than LPE allows */
	uint64_t rx_drop_bad;     /* malformed frame from the peer */
	uint64_t rx_drop_nodesc;  /* no free descriptors (MPC) */
	uint64_t rx_ring_err;     /* RDLEN/RDH/RDT unusable */
	uint64_t rx_desc_dma;     /* descriptor ring outside guest memory */
	uint64_t rx_buf_dma;      /* buffer outside guest memory (RXE reported) */
	uint64_t irqs;            /* interrupt assertions */
	uint64_t resets;          /* CTRL.RST and device resets */
	uint64_t unknown_regs;    /* accesses to registers the model does not know */
	uint64_t tail_traps;      /* TDT/RDT writes that arrived as register writes */
	uint64_t db_tx_kicks;     /* new TDT values found by polling the doorbell page */
	uint64_t db_rx_kicks;     /* new RDT values found by polling the doorbell page */
	uint64_t db_hook_err;     /* the loop refused the poll hook */
};

struct e1000 {
	/*
	 * The DMA window of the burst in progress (a TX walk or a delivery):
	 * emptied when one starts and when it ends, never valid across a
	 * return to the loop.
	 */
	struct dring_dma dma;
	struct dev_instance inst;
	char name[32];
	struct loop *loop;
	struct pci_dev *pci;
	struct net_port port;
	struct pkt_pool *pool;
	int tfd;
	struct loop_fd *tfd_h;
	uint64_t timer_at;       /* armed deadline, 0: disarmed */

	uint8_t mac[ETH_ALEN];
	uint16_t eeprom[E1K_EEPROM_WORDS];
	struct e1k_mw mw;
	uint16_t phy[E1K_PHY_NREGS];
	uint32_t *regs;          /* the register file, E1K_NREGS words */
	uint64_t stats[(E1K_STATS_END - E1K_STATS_BASE) / 4];
	uint32_t ioaddr;

	bool peer_up;            /* the peer port's link */
	bool link_up;            /* STATUS.LU */

	/* interrupts */
	bool irq_line;
	uint64_t irq_holdoff;    /* earliest time of the next assertion (ITR) */
	uint32_t delayed;        /* causes waiting for RDTR/TIDV */
	uint64_t delayed_at;

	/* transmit */
	struct e1k_txctx ctx_csum, ctx_tso;
	struct {
		bool active;     /* between the first descriptor of a frame and EOP */
		bool tso;
		bool legacy;
		uint8_t popts;
		uint8_t drop;    /* why the frame will be dropped at EOP (TXD_*), 0: it won't */
		uint32_t len;
		struct pkt *pkt; /* non-TSO frames are gathered straight into a packet */
	} tx;
	struct pkt *burst[E1K_TX_BURST];
	unsigned nburst;
	uint32_t tx_space;       /* what the peer said it takes, counted down */
	/* The TX budget of one wake-up of the loop (E1K_TX_*_PER_WAKE), all walks included. */
	uint64_t tx_wake;        /* the loop iteration the counts below belong to */
	uint32_t tx_frames;      /* frames emitted */
	uint32_t tx_wake_bytes;  /* bytes gathered from guest memory */
	uint32_t tx_wake_descs;  /* descriptors read */
	/*
	 * tx_resume: a walk stopped at the budget, the timer resumes it;
	 * tx_blocked: it stopped for want of the peer's room, wake() resumes it.
	 * Either way a new tail meanwhile is only recorded.
	 */
	bool tx_busy, tx_again, tx_blocked, tx_resume;

	/* receive */
	bool rx_starved;         /* told the peer we had no room: wake it when we do */

	/* exitless doorbells: NULL db means trapped (every tail write is a message) */
	bool db_poll;            /* configured for poll mode */
	uint64_t max_guest_ram;  /* per client; 0: the vfu default */
	uint8_t *db;             /* the shared page (BAR0 E1K_DB_OFF..), guest controlled */
	bool db_hooked;          /* our poll hook is on the loop */

	struct e1k_counters cnt;

	/* TSO frames: gathered into pool packets (up to E1K_TSO_MAX), then cut. */
	struct net_gather tso_frame;
};

#define R(e, off) ((e)->regs[(off) / 4])

/* 32-bit statistics count in 64 bits and saturate when read (the same to the driver). */
static inline void stat_inc(struct e1000 *e, uint32_t off)
{
	e->stats[(off - E1K_STATS_BASE) / 4]++;
}

static inline void stat_add64(struct e1000 *e, uint32_t off, uint64_t v)
{
	e->stats[(off - E1K_STATS_BASE) / 4] += v;
}

static inline uint32_t size_bucket(uint32_t len, uint32_t base)
{
	/* PRC64/PTC64 .. PRC1522/PTC1522: 64, 65-127, 128-255, 256-511, 512-1023, 1024+ */
	if (len <= 64)
		return base;
	if (len < 128)
		return base + 4;
	if (len < 256)
		return base + 8;
	if (len < 512)
		return base + 12;
	if (len < 1024)
		return base + 16;
	return base + 20;
}

/* regs.c: interrupts, timer, link, resets, BAR access */
void e1k_timer_arm(struct e1000 *e, uint64_t at);
void e1k_timer_cb(void *arg, uint32_t events);
void e1k_set_cause(struct e1000 *e, uint32_t causes);
void e1k_set_cause_delayed(struct e1000 *e, uint32_t causes, uint32_t delay, uint32_t abs);
void e1k_link_update(struct e1000 *e, bool quiet);
void e1k_power_on_reset(struct e1000 *e);
ssize_t e1k_bar_access(void *opaque, unsigned bar, uint64_t off, void *buf, size_t count,
		       bool is_write);

/* tx.c */
void e1k_tx_process(struct e1000 *e);
void e1k_tx_run(struct e1000 *e);
void e1k_tx_yield(struct e1000 *e);
void e1k_tx_abort(struct e1000 *e);

/* rx.c */
void e1k_rx_kick(struct e1000 *e);
uint16_t e1k_port_deliver(struct net_port *self, uint16_t queue, struct pkt **pkts, uint16_t n);
uint32_t e1k_port_rx_space(struct net_port *self, uint16_t queue);

/* doorbell.c */
bool e1k_db_poll(void *arg);
void e1k_db_hook_update(struct e1000 *e);

#endif
