/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The E810 PCI model's device state, shared by its files: model.c (the
 * instance, the admin queue glue, resets, lifecycle, statistics), regs.c
 * (BAR0 registers), irq.c (MSI-X vectors and their causes), queues.c (the LAN
 * queue pairs and the port, RSS through rss.h), doorbell.c (--doorbell poll).
 * Not for use outside the model; tests see e810_model.h.
 */
#ifndef VMUX_DEV_E810_MODEL_PRIV_H
#define VMUX_DEV_E810_MODEL_PRIV_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "dev/dev.h"
#include "dev/e810/aq.h"
#include "dev/e810/e810_model.h"
#include "dev/e810/fdir.h"
#include "dev/e810/lan.h"
#include "dev/e810/rss.h"
#include "dev/e810/rstore.h"
#include "dev/e810/stats.h"
#include "dev/e810/swr_tab.h"
#include "net/port.h"

struct loop;
struct loop_fd;
struct pci_dev;
struct pkt_pool;

/* ITR indexes 0..2; 3 (ITR_NONE) in a cause or GLINT_DYN_CTL: no throttling, no update. */
#define E810_ITR_IDX_NONE 3u

struct e810_counters {
	uint64_t resets;        /* device resets (vfio-user reset, client gone) */
	uint64_t pf_resets;     /* PFGEN_CTRL.PFSWR */
	uint64_t core_resets;   /* GLGEN_RTRIG CORER/GLOBR (done as a PF reset) */
	uint64_t reg_reads, reg_writes;
	uint64_t reg_unknown;   /* reads of registers never written and without a reset value */
	uint64_t reg_bad_access;/* accesses that are not 1, 2, 4 or 8 aligned bytes */
	uint64_t irqs;          /* MSI-X messages sent */
	uint64_t irq_deferred;  /* causes held until the vector was enabled or set up */
	uint64_t irq_throttled; /* causes held by the vector's ITR or INTRL interval */
	uint64_t irq_itr_timer; /* MSI-X messages sent when an interval ended (the timer) */
	uint64_t itr_updates;   /* GLINT_DYN_CTL writes that set an ITR (ITR_INDX 0..2) */
	uint64_t fw_cause_off;  /* ARQ events with the FW cause disabled */
	uint64_t swints;        /* GLINT_DYN_CTL.SWINT_TRIG */
	uint64_t rx_dropped;    /* frames from the port for a queue that is off */
	uint64_t rx_rule_drops; /* frames a switch rule or flow director filter dropped */
	uint64_t atq_kicks;     /* admin commands resumed from the loop */
	uint64_t tx_kicks;      /* TX walks resumed from the loop (budget) */
	uint64_t tx_wakes;      /* TX walks resumed by the peer's wake-up */
	uint64_t txq_setup_bad; /* add_txqs contexts the TX queue refused */
	uint64_t rxq_enable_bad;/* QENA_REQ refused (no usable context) */
	uint64_t db_rx, db_tx, db_dyn; /* doorbell writes picked up from the shared pages */
	uint64_t db_hook_err;   /* the poll hook could not be added */
	uint64_t db_itr;        /* GLINT_ITR/GLINT_RATE changes picked up from their pages */
	uint64_t stats_reads;   /* trapped reads of statistics registers */
	uint64_t stats_fills;   /* the shared statistics block stored anew */
};

/*
 * --doorbell poll: the three doorbell pages of BAR0 (sparse mmap areas, one
 * memfd per client from the pci framework), in the order of shared[].
 */
enum {
	E810_DB_RX, E810_DB_TX, E810_DB_DYN,
	E810_DB_ITR0, E810_DB_ITR1, E810_DB_ITR2, E810_DB_RATE, /* GLINT_ITR(0..2, v), GLINT_RATE(v) */
	E810_DB_PAGES
};
#define E810_DB_PAGE 0x1000u
#define E810_DB_NONE 0xffffffffu /* last seen: nothing, compare anew */
extern const uint32_t e810_db_base[E810_DB_PAGES];

/*
 * Queue pairs: --queues N for the LAN VSI, one the flow director's control
 * VSI takes, and room for the LAN VSI to be contiguous again whatever pair
 * that is: 2N + 1. ice sizes its LAN VSI by CPUs (6.1 also by vectors: at
 * most N with N + 4), gives the control VSI the next pair, and on ethtool -L
 * wants the LAN VSI's pairs contiguous (its VSI context always maps
 * first..first + count); 7.x starts with fewer pairs than CPUs, so the
 * control VSI sits at 1..N, and -L N then needs N free pairs after it
 * (with fewer, ice scatters the rings while the context stays contiguous,
 * and the LAN VSI's RX would land on the control VSI's ring).
 */
#define E810_MODEL_QPS(nlan) (2u * (nlan) + 1u)
#define E810_MODEL_QPS_MAX E810_MODEL_QPS(E810_MODEL_QUEUES_MAX)

/* One queue pair: absolute PF queue q for both directions. */
struct e810_qp {
	struct e810_rxq rx;
	struct e810_txq tx;
	bool rx_tail_set;     /* QRX_TAIL written since the last context write */
	bool rx_starved;      /* rx_space() said 0: wake the peer when buffers come */
	bool tx_more;         /* the walk stopped at the budget: resume from the loop */
	bool tx_blocked;      /* the sink was full: resume on wake() */
	bool tx_known;        /* set up from the engine's add_txqs state */
	bool status_q;        /* took a programming status: the control VSI's, no frames for it */
	uint32_t tx_teid;
	uint8_t tx_ctx[22];
};

struct e810 {
	struct dev_instance inst;
	char name[32];
	struct loop *loop;
	struct pci_dev *pci;
	struct e810_aq *aq;
	struct net_port port;
	struct pkt_pool *pool;
	struct e810_rstore rs;
	uint8_t mac[6];
	unsigned nlan;        /* --queues: the port's queues, the LAN VSI's most */
	unsigned nq;          /* queue pairs the device has (E810_MODEL_QPS(nlan)) */
	unsigned nvec;
	uint32_t link_mbps;   /* the port's speed (the engine's configuration) */
	uint64_t max_guest_ram;
	bool peer_up;

	/* interrupts, per vector */
	bool intena[E810_MODEL_MAX_VECTORS];
	/* causes held, by ITR index: bit i for index i, bit 3 for ITR_NONE */
	uint8_t pend[E810_MODEL_MAX_VECTORS];
	/*
	 * Moderation (irq.c): a held cause with ITR index i may fire once
	 * ITR[i] (and the INTRL interval) has passed since the vector last fired
	 * (irq_last). The intervals are GLINT_ITR and GLINT_RATE as times, kept
	 * in step by e810_itr_sync. One timer for all vectors, armed at the
	 * earliest end of an interval a vector waits for (and nothing else).
	 */
	uint64_t irq_last[E810_MODEL_MAX_VECTORS];
	uint32_t itr_ns[E810_MODEL_MAX_VECTORS][E810_ITR_IDX_NONE];
	uint32_t intrl_ns[E810_MODEL_MAX_VECTORS];
	int itr_fd;
	struct loop_fd *itr_h;
	uint64_t itr_armed; /* the timer's deadline, 0: not armed */

	/* admin commands and TX walks left over by the budget: resumed from the loop */
	int kick_fd;
	struct loop_fd *kick_h;

	struct e810_qp qp[E810_MODEL_QPS_MAX];
	/* RX queue selection for frames from the port (rss.h), kept by e810_rss_sync */
	struct e810_rss rss;
	/* the flow director's filters (fdir.h) */
	struct e810_fdir fd;
	/* the switch rules compiled (swr.c, swr_tab.h), anew when the engine's sw_gen moves */
	struct e810_swr_tab swr;
	bool swr_ok;
	struct {
		uint64_t compiles; /* lookups rebuilt */
		uint64_t hits;     /* frames a rule forwarded (to the PF VSI or a queue) */
		uint64_t drops;    /* frames a drop rule took */
		uint64_t no_rule;  /* frames no rule forwards to this PF: not delivered */
		uint64_t pruned;   /* tagged frames of a VLAN the PF VSI has no rule for */
	} swr_cnt;
	/* The steering rules last listed for an uplink (dev_model.flows), and their generation. */
	struct net_flow *flows_last;
	unsigned flows_n;
	uint64_t flows_gen;

	/* --doorbell poll */
	bool db_poll;
	bool db_hooked;
	uint32_t *db[E810_DB_PAGES];
	uint32_t db_seen[E810_DB_PAGES][E810_DB_PAGE / 4];
	/* the statistics block, shared after the doorbell pages (stats.h) */
	void *stats_area;
	int stats_vsi;            /* the VSI last stored into it, -1: none */
	uint32_t stats_polls;
	uint64_t stats_next_ns;

	struct e810_counters cnt;
};

static inline struct e810 *to_e810(struct dev_instance *d)
{
	return (struct e810 *)d;
}

/* A register as stored (0 if never written). */
static inline uint32_t e810_reg_get(const struct e810 *e, uint32_t off)
{
	uint32_t v = 0;

	e810_rstore_get(&e->rs, off, &v);
	return v;
}

/* model.c: admin queue glue, the loop's kick, resets */
void e810_link_sync(struct e810 *e);
void e810_kick_arm(struct e810 *e);
void e810_pf_reset(struct e810 *e);
/* CORER/GLOBR: a PF reset that also drops the DDP package. */
void e810_core_reset(struct e810 *e);
/* The statistics of the queues (stats.h), and the shared block stored anew / from the poll. */
void e810_model_stats(const struct e810 *e, struct e810_stats_snap *s);
void e810_model_stats_fill(struct e810 *e);
void e810_model_stats_tick(struct e810 *e);

/* regs.c: BAR0 and BAR3 accesses */
ssize_t e810_bar_access(void *opaque, unsigned bar, uint64_t off, void *buf, size_t count,
			bool is_write);

/* irq.c: vectors, causes, moderation */
void e810_vec_cause(struct e810 *e, unsigned v, unsigned itr_idx);
void e810_vec_retry_all(struct e810 *e);
int e810_itr_init(struct e810 *e);
void e810_itr_fini(struct e810 *e);
void e810_itr_reset(struct e810 *e);
void e810_itr_sync(struct e810 *e, unsigned v);
bool e810_cause_fire(struct e810 *e, uint32_t ctl_reg);
void e810_queue_cause(struct e810 *e, uint32_t ctl_reg);
void e810_dyn_ctl_write(struct e810 *e, unsigned v, uint32_t val);

/* queues.c: LAN queue pairs and the port */
extern const struct net_port_ops e810_port_ops;
void e810_tx_run(struct e810 *e, unsigned q);
void e810_tx_sync(struct e810 *e);
void e810_queues_stop(struct e810 *e);
void e810_qrx_ctrl_write(struct e810 *e, unsigned q, uint32_t v);
void e810_qrx_tail_write(struct e810 *e, unsigned q, uint32_t v);
void e810_qtx_dbell_write(struct e810 *e, unsigned q, uint32_t v);
void e810_rss_sync(struct e810 *e);
/* The PF's LAN VSI (the type 2 VSI with an RSS key, else the first one), or NULL. */
const struct e810_aq_vsi *e810_pf_vsi(const struct e810 *e);

/* swr.c: the switch rules compiled anew if the engine's changed (also done lazily). */
void e810_swr_sync(struct e810 *e);
/* The model's rules as flows for an uplink (net/flow.h): see e810_swr_flows. */
struct net_flow;
unsigned e810_steer_flows(struct e810 *e, struct net_flow *out, unsigned max);

/* doorbell.c: --doorbell poll */
void e810_db_store(struct e810 *e, unsigned pg, unsigned i, uint32_t v);
void e810_db_clear(struct e810 *e);
bool e810_db_poll(void *arg);
void e810_db_hook_update(struct e810 *e);

#endif /* VMUX_DEV_E810_MODEL_PRIV_H */
