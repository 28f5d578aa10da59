// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * e810-emu: an Intel E810-C (8086:1592) PCI function that Linux's ice driver
 * probes in safe mode (no DDP package): identity, BAR0 (128 MiB, trapped;
 * a sparse register file behind it), MSI-X in BAR3, PCIe, PM and a DSN
 * extended capability; the registers probe relies on (reset status, PF
 * reset, NVM and firmware state, interrupt causes and vectors); the admin
 * queue engine (aq.h) behind the PF_FW_* registers, its DMA through the PCI
 * layer; link status from the port's peer, as events on the ARQ raising the
 * FW cause's MSI-X vector.
 *
 * The LAN queues (lan.h), one RX and one TX queue per queue pair: RX
 * contexts from QRX_CONTEXT, enabled by QRX_CTRL.QENA_REQ, buffers up to
 * QRX_TAIL; TX queues as add_txqs left them in the admin queue engine's
 * state, walked on QTX_COMM_DBELL within a budget (the rest from the loop).
 * Queue causes (QINT_RQCTL/QINT_TQCTL) raise their vector as soon as
 * descriptors were written back: ITR intervals are stored, not waited for.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "core/log.h"
#include "core/loop.h"
#include "dev/dev.h"
#include "dev/e810/aq.h"
#include "dev/e810/e810_model.h"
#include "dev/e810/e810_regs.h"
#include "dev/e810/lan.h"
#include "dev/e810/rstore.h"
#include "dev/e810/stats.h"
#include "net/pkt.h"
#include "net/port.h"
#include "pci/pci.h"

#define COMP "e810"

#define E810_POOL_PKTS 256u

extern const struct dev_model e810_model;

struct e810_counters {
	uint64_t resets;        /* device resets (vfio-user reset, client gone) */
	uint64_t pf_resets;     /* PFGEN_CTRL.PFSWR */
	uint64_t core_resets;   /* GLGEN_RTRIG CORER/GLOBR (done as a PF reset) */
	uint64_t reg_reads, reg_writes;
	uint64_t reg_unknown;   /* reads of registers never written and without a reset value */
	uint64_t reg_bad_access;/* accesses that are not 1, 2, 4 or 8 aligned bytes */
	uint64_t irqs;          /* MSI-X messages sent */
	uint64_t irq_deferred;  /* causes held until the vector was enabled or set up */
	uint64_t fw_cause_off;  /* ARQ events with the FW cause disabled */
	uint64_t swints;        /* GLINT_DYN_CTL.SWINT_TRIG */
	uint64_t rx_dropped;    /* frames from the port for a queue that is off */
	uint64_t atq_kicks;     /* admin commands resumed from the loop */
	uint64_t tx_kicks;      /* TX walks resumed from the loop (budget) */
	uint64_t tx_wakes;      /* TX walks resumed by the peer's wake-up */
	uint64_t txq_setup_bad; /* add_txqs contexts the TX queue refused */
	uint64_t rxq_enable_bad;/* QENA_REQ refused (no usable context) */
	uint64_t db_rx, db_tx, db_dyn; /* doorbell writes picked up from the shared pages */
	uint64_t db_hook_err;   /* the poll hook could not be added */
	uint64_t stats_reads;   /* trapped reads of statistics registers */
	uint64_t stats_fills;   /* the shared statistics block stored anew */
};

/*
 * --doorbell poll: the three doorbell pages of BAR0 (sparse mmap areas, one
 * memfd per client from the pci framework), in the order of shared[].
 */
enum { E810_DB_RX, E810_DB_TX, E810_DB_DYN, E810_DB_PAGES };
#define E810_DB_PAGE 0x1000u
#define E810_DB_NONE 0xffffffffu /* last seen: nothing, compare anew */
static const uint32_t e810_db_base[E810_DB_PAGES] = {
	[E810_DB_RX] = 0x00290000u, [E810_DB_TX] = 0x002c0000u, [E810_DB_DYN] = 0x00160000u,
};

/* One queue pair: absolute PF queue q for both directions. */
struct e810_qp {
	struct e810_rxq rx;
	struct e810_txq tx;
	bool rx_tail_set;     /* QRX_TAIL written since the last context write */
	bool rx_starved;      /* rx_space() said 0: wake the peer when buffers come */
	bool tx_more;         /* the walk stopped at the budget: resume from the loop */
	bool tx_blocked;      /* the sink was full: resume on wake() */
	bool tx_known;        /* set up from the engine's add_txqs state */
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
	unsigned nq, nvec;
	uint64_t max_guest_ram;
	bool peer_up;

	/* interrupts, per vector */
	bool intena[E810_MODEL_MAX_VECTORS];
	bool pend[E810_MODEL_MAX_VECTORS];

	/* admin commands and TX walks left over by the budget: resumed from the loop */
	int kick_fd;
	struct loop_fd *kick_h;

	struct e810_qp qp[E810_MODEL_QUEUES_MAX];

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

static struct e810 *to_e810(struct dev_instance *d)
{
	return (struct e810 *)d;
}

static void stats_fill(struct e810 *e);
static void stats_tick(struct e810 *e);

/* ==== interrupts ================================================================== */

static uint32_t reg_get(const struct e810 *e, uint32_t off)
{
	uint32_t v = 0;

	e810_rstore_get(&e->rs, off, &v);
	return v;
}

/*
 * The guest stores to the pages whenever it likes: each word is read with one
 * load and is then only a value to validate, as a trapped write is.
 */
static uint32_t db_load(const struct e810 *e, unsigned pg, unsigned i)
{
	return __atomic_load_n(&e->db[pg][i], __ATOMIC_ACQUIRE);
}

static void db_store(struct e810 *e, unsigned pg, unsigned i, uint32_t v)
{
	__atomic_store_n(&e->db[pg][i], v, __ATOMIC_RELEASE);
	e->db_seen[pg][i] = v;
}

static void vec_try(struct e810 *e, unsigned v)
{
	if (!e->pend[v] || !e->intena[v])
		return;
	if (!pci_msix_enabled(e->pci) || pci_msix_func_masked(e->pci) ||
	    !pci_msix_vector_ready(e->pci, v))
		return;
	e->pend[v] = false;
	if (!(reg_get(e, E810_GLINT_CTL) & E810_GLINT_CTL_DIS_AUTOMASK))
		e->intena[v] = false; /* until the driver writes INTENA again */
	e->cnt.irqs++;
	pci_irq_raise(e->pci, v);
}

static void vec_cause(struct e810 *e, unsigned v)
{
	if (v >= e->nvec)
		return;
	e->pend[v] = true;
	vec_try(e, v);
	if (e->pend[v])
		e->cnt.irq_deferred++;
}

static void vec_retry_all(struct e810 *e)
{
	for (unsigned v = 0; v < e->nvec; v++)
		vec_try(e, v);
}

/* A cause routed by a cause control register (PFINT_FW_CTL, PFINT_OICR_CTL ...). */
static bool cause_fire(struct e810 *e, uint32_t ctl_reg)
{
	uint32_t ctl = reg_get(e, ctl_reg);

	if (!(ctl & E810_INT_CTL_CAUSE_ENA))
		return false;
	vec_cause(e, ctl & E810_INT_CTL_MSIX_INDX_M);
	return true;
}

static void dyn_ctl_write(struct e810 *e, unsigned v, uint32_t val)
{
	/* INTENA_MSK: this write leaves INTENA alone. */
	if (!(val & E810_GLINT_DYN_CTL_INTENA_MSK))
		e->intena[v] = val & E810_GLINT_DYN_CTL_INTENA;
	/*
	 * CLEARPBA clears the PBA bit of a real part; causes held here are
	 * kept (a spurious interrupt costs the driver a look at its queues, a
	 * lost one a link event).
	 */
	if (val & E810_GLINT_DYN_CTL_SWINT_TRIG) {
		e->cnt.swints++;
		e->pend[v] = true;
	}
	/* Stored without the self-clearing bits; the driver reads back INTENA. */
	val &= ~(E810_GLINT_DYN_CTL_CLEARPBA | E810_GLINT_DYN_CTL_SWINT_TRIG |
		 E810_GLINT_DYN_CTL_INTENA_MSK | E810_GLINT_DYN_CTL_INTENA);
	e810_rstore_set(&e->rs, E810_GLINT_DYN_CTL(v), val);
	vec_try(e, v);
}

/* ==== admin queue glue ============================================================== */

static int aq_dma_read(void *opaque, uint64_t gpa, void *dst, size_t len)
{
	struct e810 *e = opaque;

	return pci_dma_read(e->pci, gpa, dst, len);
}

static int aq_dma_write(void *opaque, uint64_t gpa, const void *src, size_t len)
{
	struct e810 *e = opaque;

	return pci_dma_write(e->pci, gpa, src, len);
}

static void aq_notify(void *opaque)
{
	struct e810 *e = opaque;

	/* The FW (admin queue) cause; no PFINT_OICR bit stands for it. */
	if (!cause_fire(e, E810_PFINT_FW_CTL))
		e->cnt.fw_cause_off++;
}

static const struct e810_aq_dma_ops aq_ops = {
	.read = aq_dma_read,
	.write = aq_dma_write,
	.arq_notify = aq_notify,
};

static void link_sync(struct e810 *e)
{
	net_port_set_link(&e->port, e810_aq_link_up(e->aq));
}

static bool tx_pending(const struct e810 *e)
{
	for (unsigned q = 0; q < e->nq; q++)
		if (e->qp[q].tx_more)
			return true;
	return false;
}

static void kick_arm(struct e810 *e)
{
	uint64_t one = 1;

	if (e->kick_fd >= 0 && (e810_aq_pending(e->aq) || tx_pending(e)) &&
	    write(e->kick_fd, &one, sizeof(one)) < 0)
		LOG_RL(LOG_LVL_WARN, COMP, "%s: cannot schedule admin commands: %s", e->name,
		       strerror(errno));
}

/* ==== LAN queues =================================================================== */

/* A queue's cause: its vector from QINT_RQCTL/QINT_TQCTL, through the vector logic. */
static void queue_cause(struct e810 *e, uint32_t ctl_reg)
{
	uint16_t vec;

	if (e810_qint_vector(reg_get(e, ctl_reg), (uint16_t)e->nvec, &vec))
		vec_cause(e, vec);
}

static void tx_run(struct e810 *e, unsigned q)
{
	struct e810_qp *p = &e->qp[q];
	struct e810_txq_result r;

	if (p->tx_blocked || !p->tx.enabled)
		return;
	p->tx_more = false;
	r = e810_txq_run(&p->tx);
	if (r.done_wb)
		queue_cause(e, E810_QINT_TQCTL(q));
	if (r.blocked)
		p->tx_blocked = true;
	else if (r.more)
		p->tx_more = true;
}

/* The engine's TX queues after an admin command: add_txqs sets one up, dis_txqs stops it. */
static void txq_sync(struct e810 *e)
{
	for (unsigned q = 0; q < e->nq; q++) {
		struct e810_qp *p = &e->qp[q];
		const struct e810_aq_txq *t = e810_aq_txq_find(e->aq, (uint16_t)q);
		struct e810_aq_txq_ctx c;
		int rc;

		if (!t) {
			if (p->tx_known) {
				e810_txq_stop(&p->tx);
				p->tx_known = p->tx_more = p->tx_blocked = false;
			}
			continue;
		}
		if (p->tx_known && p->tx_teid == t->teid &&
		    !memcmp(p->tx_ctx, t->ctx, sizeof(p->tx_ctx)))
			continue;
		p->tx_known = true;
		p->tx_teid = t->teid;
		memcpy(p->tx_ctx, t->ctx, sizeof(p->tx_ctx));
		p->tx_more = p->tx_blocked = false;
		/*
		 * A new ring starts at 0, and so does its doorbell word; the guest
		 * rings it only after the add_txqs completion, after this.
		 */
		if (e->db_poll)
			db_store(e, E810_DB_TX, q, 0);
		e810_aq_txq_ctx_decode(t->ctx, &c);
		rc = e810_txq_setup(&p->tx, &c);
		if (rc) {
			e->cnt.txq_setup_bad++;
			LOG_RL(LOG_LVL_WARN, COMP, "%s: TX queue %u: context refused (%d)", e->name,
			       q, -rc);
		} else {
			LOG_DEBUG(COMP, "%s: TX queue %u: %u descriptors at %#llx", e->name, q,
				  c.qlen, (unsigned long long)c.base);
		}
	}
}

static void queues_stop(struct e810 *e)
{
	for (unsigned q = 0; q < e->nq; q++) {
		struct e810_qp *p = &e->qp[q];

		e810_txq_stop(&p->tx);
		e810_rxq_enable(&p->rx, false);
		p->rx.ctx_ok = false;
		p->rx_tail_set = p->rx_starved = false;
		p->tx_known = p->tx_more = p->tx_blocked = false;
	}
}

static void rx_kick(struct e810 *e, unsigned q)
{
	struct e810_qp *p = &e->qp[q];

	if (!p->rx_starved || !e810_rxq_space(&p->rx))
		return;
	p->rx_starved = false;
	net_port_wake_peer(&e->port);
}

static void qrx_ctrl_write(struct e810 *e, unsigned q, uint32_t v)
{
	struct e810_qp *p = &e->qp[q];
	bool on = v & E810_QRX_CTRL_QENA_REQ;

	if (on && !p->rx.enabled) {
		uint32_t dw[E810_QRX_CONTEXT_DWORDS];
		int rc;

		for (unsigned i = 0; i < E810_QRX_CONTEXT_DWORDS; i++)
			dw[i] = reg_get(e, E810_QRX_CONTEXT(i, q));
		rc = e810_rxq_set_ctx(&p->rx, dw);
		/* The driver posts its buffers (QRX_TAIL) before it enables the queue. */
		if (!rc && p->rx_tail_set)
			e810_rxq_set_tail(&p->rx, reg_get(e, E810_QRX_TAIL(q)));
		if (rc || !e810_rxq_enable(&p->rx, true)) {
			e->cnt.rxq_enable_bad++;
			LOG_RL(LOG_LVL_WARN, COMP, "%s: RX queue %u: context refused (%d)", e->name,
			       q, -rc);
		} else {
			LOG_DEBUG(COMP, "%s: RX queue %u: %u descriptors at %#llx, %u-byte buffers",
				  e->name, q, p->rx.ctx.qlen, (unsigned long long)p->rx.ctx.base,
				  p->rx.ctx.dbuf);
		}
		rx_kick(e, q);
	} else if (!on) {
		e810_rxq_enable(&p->rx, false);
	}
	v &= ~E810_QRX_CTRL_QENA_STAT;
	e810_rstore_set(&e->rs, E810_QRX_CTRL(q), v);
}

static void qrx_tail_write(struct e810 *e, unsigned q, uint32_t v)
{
	struct e810_qp *p = &e->qp[q];

	e810_rstore_set(&e->rs, E810_QRX_TAIL(q), v);
	p->rx_tail_set = true;
	if (p->rx.ctx_ok)
		e810_rxq_set_tail(&p->rx, v & E810_QRX_TAIL_M);
	rx_kick(e, q);
}

static void qtx_dbell_write(struct e810 *e, unsigned q, uint32_t v)
{
	struct e810_qp *p = &e->qp[q];

	if (!e810_txq_set_tail(&p->tx, v & E810_QTX_COMM_HEAD_M))
		return;
	tx_run(e, q);
	kick_arm(e);
}

/* ==== exitless doorbells (--doorbell poll) ========================================== */

/*
 * What the DYN_CTL page holds between two commands: what a read returns, with
 * INTENA_MSK set. As a command that value does nothing (INTENA left alone, no
 * CLEARPBA, no SWINT_TRIG, the ITR fields as stored), so a guest store of the
 * very same value is no command lost.
 */
static uint32_t db_dyn_idle(const struct e810 *e, unsigned v)
{
	return reg_get(e, E810_GLINT_DYN_CTL(v)) | E810_GLINT_DYN_CTL_INTENA_MSK |
	       (e->intena[v] ? E810_GLINT_DYN_CTL_INTENA : 0);
}

static void db_clear(struct e810 *e)
{
	if (!e->db_poll)
		return;
	for (unsigned pg = 0; pg < E810_DB_PAGES; pg++)
		for (unsigned i = 0; i < E810_DB_PAGE / 4; i++)
			db_store(e, pg, i, 0);
	for (unsigned v = 0; v < e->nvec; v++)
		db_store(e, E810_DB_DYN, v, db_dyn_idle(e, v));
}

/*
 * One pass over the pages: a load and a compare per queue and vector when
 * nothing changed. A new value goes to the function a trapped write of it
 * calls.
 */
static bool db_poll(void *arg)
{
	struct e810 *e = arg;
	bool work = false;

	for (unsigned q = 0; q < e->nq; q++) {
		uint32_t v = db_load(e, E810_DB_RX, q);

		if (v == e->db_seen[E810_DB_RX][q])
			continue;
		e->db_seen[E810_DB_RX][q] = v;
		e->cnt.db_rx++;
		qrx_tail_write(e, q, v);
		work = true;
	}
	for (unsigned q = 0; q < e->nq; q++) {
		uint32_t v = db_load(e, E810_DB_TX, q);

		if (v == e->db_seen[E810_DB_TX][q])
			continue;
		e->db_seen[E810_DB_TX][q] = v;
		e->cnt.db_tx++;
		qtx_dbell_write(e, q, v);
		work = true;
	}
	for (unsigned n = 0; n < e->nvec; n++) {
		uint32_t v = db_load(e, E810_DB_DYN, n), idle;

		if (v == e->db_seen[E810_DB_DYN][n])
			continue;
		e->cnt.db_dyn++;
		/*
		 * Consumed before it is carried out: the idle value (a command
		 * that does nothing) goes back first, unless the guest stored
		 * again meanwhile (then that store is the next command). Taken
		 * after the command, a re-arm the driver stores as soon as the
		 * interrupt has fired, the same value as the last, would be
		 * overwritten and lost, and the vector stay masked.
		 */
		uint32_t cmd = v;

		idle = db_dyn_idle(e, n);
		if (__atomic_compare_exchange_n(&e->db[E810_DB_DYN][n], &v, idle, false,
						__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			e->db_seen[E810_DB_DYN][n] = idle;
		else
			e->db_seen[E810_DB_DYN][n] = E810_DB_NONE;
		dyn_ctl_write(e, n, cmd);
		/* What a read returns now (INTENA may have changed), if nothing came since. */
		if (e->db_seen[E810_DB_DYN][n] == idle) {
			uint32_t now = db_dyn_idle(e, n), was = idle;

			if (now != idle &&
			    __atomic_compare_exchange_n(&e->db[E810_DB_DYN][n], &was, now, false,
							__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
				e->db_seen[E810_DB_DYN][n] = now;
		}
		work = true;
	}
	stats_tick(e);
	return work;
}

/* The hook is on the loop while MSI-X is on: a device not in use costs nothing. */
static void db_hook_update(struct e810 *e)
{
	bool want = e->db_poll && pci_msix_enabled(e->pci);

	if (want == e->db_hooked)
		return;
	if (want && loop_add_poll(e->loop, db_poll, e) < 0) {
		e->cnt.db_hook_err++;
		LOG_RL(LOG_LVL_ERR, COMP, "%s: cannot poll the doorbell pages: %s", e->name,
		       strerror(errno));
		return;
	}
	if (!want)
		loop_del_poll(e->loop, db_poll, e);
	e->db_hooked = want;
	stats_fill(e); /* fresh when polling starts, and the last counts when it stops */
}

static void kick_cb(void *arg, uint32_t events)
{
	struct e810 *e = arg;
	uint64_t v;

	(void)events;
	if (read(e->kick_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		return;
	if (e810_aq_pending(e->aq)) {
		e->cnt.atq_kicks++;
		e810_aq_service(e->aq);
		link_sync(e);
		txq_sync(e);
	}
	for (unsigned q = 0; q < e->nq; q++) {
		if (e->qp[q].tx_more) {
			e->cnt.tx_kicks++;
			tx_run(e, q);
		}
	}
	kick_arm(e);
}

/* ==== resets ======================================================================= */

static void pf_reset(struct e810 *e)
{
	e810_aq_reset(e->aq);
	queues_stop(e);
	e810_rstore_clear(&e->rs);
	memset(e->intena, 0, sizeof(e->intena));
	memset(e->pend, 0, sizeof(e->pend));
	link_sync(e);
	db_clear(e);
	db_hook_update(e);
	stats_fill(e);
}

/* ==== registers ==================================================================== */

static const char *reg_name(uint32_t off)
{
	switch (off) {
	case E810_GLGEN_RSTAT: return "GLGEN_RSTAT";
	case E810_GLGEN_RSTCTL: return "GLGEN_RSTCTL";
	case E810_GLGEN_RTRIG: return "GLGEN_RTRIG";
	case E810_PFGEN_CTRL: return "PFGEN_CTRL";
	case E810_GL_FWSTS: return "GL_FWSTS";
	case E810_GL_MNG_FWSM: return "GL_MNG_FWSM";
	case E810_GLNVM_ULD: return "GLNVM_ULD";
	case E810_GLNVM_GENS: return "GLNVM_GENS";
	case E810_GLNVM_FLA: return "GLNVM_FLA";
	case E810_PF_FUNC_RID: return "PF_FUNC_RID";
	case E810_GLPCI_CNF2: return "GLPCI_CNF2";
	case E810_PFINT_OICR: return "PFINT_OICR";
	case E810_PFINT_OICR_ENA: return "PFINT_OICR_ENA";
	case E810_PFINT_OICR_CTL: return "PFINT_OICR_CTL";
	case E810_PFINT_FW_CTL: return "PFINT_FW_CTL";
	case E810_PFINT_MBX_CTL: return "PFINT_MBX_CTL";
	case E810_GLINT_CTL: return "GLINT_CTL";
	default: break;
	}
	if (e810_aq_reg_is_aq(off))
		return "PF_FW_AQ";
	if (off >= E810_GLINT_DYN_CTL(0) && off < E810_GLINT_DYN_CTL(E810_MAX_VECTORS))
		return "GLINT_DYN_CTL";
	return NULL;
}

/* Registers that read as a constant or a value made here. */
static bool reg_fixed(const struct e810 *e, uint32_t off, uint32_t *v)
{
	switch (off) {
	case E810_GLGEN_RSTAT:
		*v = 0; /* DEVSTATE 0: device active, no reset in progress */
		return true;
	case E810_PFGEN_CTRL:
		*v = 0; /* PFSWR: the reset is done when the write returns */
		return true;
	case E810_GL_FWSTS:
	case E810_GL_MNG_FWSM:
		*v = 0; /* firmware loaded, normal mode */
		return true;
	case E810_GLNVM_ULD:
		*v = E810_GLNVM_ULD_ALL_DONE | E810_GLNVM_ULD_PE_DONE;
		return true;
	case E810_GLNVM_GENS:
		*v = 5u << E810_GLNVM_GENS_SR_SIZE_S; /* 32 KiB Shadow RAM */
		return true;
	case E810_GLNVM_FLA:
		*v = E810_GLNVM_FLA_LOCKED;
		return true;
	case E810_PF_FUNC_RID:
		*v = 0; /* PF 0 */
		return true;
	case E810_GLPCI_CNF2:
		/* 64-byte cache lines (bit 1 clear); the PF's MSI-X vectors in 12:2. */
		*v = (uint32_t)e->nvec << 2;
		return true;
	default:
		return false;
	}
}

static uint32_t reg_reset_value(uint32_t off, bool *known)
{
	*known = true;
	switch (off) {
	case E810_GLGEN_RSTCTL:
		return 8; /* GRSTDEL: 800 ms */
	/* Registers whose 0 means what the driver wants: not counted as unknown. */
	case E810_GLGEN_STAT:        /* no global reset pending */
	case E810_GL_PWR_MODE_CTL:   /* 2 us ITR granularity */
	case E810_GLGEN_CLKSTAT_SRC:
	case E810_PFPM_WUS:          /* no wake-up */
	case E810_GLQF_FD_SIZE:
	case E810_GL_MDCK_TX_TDPU:
	case E810_GL_MDET_RX:        /* no malicious driver events */
	case E810_GL_MDET_TX_PQM:
	case E810_GL_MDET_TX_TCLAN:
	case E810_PF_MDET_RX:
	case E810_PF_MDET_TX_PQM:
	case E810_PF_MDET_TX_TCLAN:
		return 0;
	default:
		*known = false;
		return 0;
	}
}

/* ==== statistics (stats.h) =========================================================== */

static void stats_snap(const struct e810 *e, struct e810_stats_snap *s)
{
	const struct e810_aq_state *st = e810_aq_state(e->aq);

	memset(s, 0, sizeof(*s));
	s->port = 0;
	s->vsi = -1;
	for (unsigned i = 0; i < E810_AQ_MAX_VSI; i++) {
		if (st->vsi[i].in_use && st->vsi[i].type == 2) { /* the PF's VSI: the LAN queues' */
			s->vsi = st->vsi[i].num;
			break;
		}
	}
	for (unsigned q = 0; q < e->nq; q++) {
		e810_stats_add_rx(s, &e->qp[q].rx.st);
		e810_stats_add_tx(s, &e->qp[q].tx.st);
	}
}

static void stats_fill(struct e810 *e)
{
	struct e810_stats_snap s;

	if (!e->stats_area)
		return;
	stats_snap(e, &s);
	e810_stats_fill(&s, e->stats_vsi, e->stats_area);
	e->stats_vsi = s.vsi;
	e->cnt.stats_fills++;
	e->stats_next_ns = loop_now_ns() + E810_STATS_REFRESH_NS;
}

/* From the doorbell poll: the clock is read once every 256 passes. */
static void stats_tick(struct e810 *e)
{
	if (e->stats_area && !(++e->stats_polls & 255u) && loop_now_ns() >= e->stats_next_ns)
		stats_fill(e);
}

static uint32_t reg_read(struct e810 *e, uint32_t off)
{
	uint32_t v;
	bool known;

	e->cnt.reg_reads++;
	/* Doorbells stored to the pages before this access come first. */
	if (e->db_hooked)
		db_poll(e);
	if (e810_aq_reg_is_aq(off))
		return e810_aq_reg_read(e->aq, off);
	if (reg_fixed(e, off, &v))
		return v;
	if (off == E810_PFINT_OICR) {
		/* Read to clear; no cause sets it yet. */
		v = reg_get(e, off);
		e810_rstore_set(&e->rs, off, 0);
		return v;
	}
	if (off >= E810_GLINT_DYN_CTL(0) && off < E810_GLINT_DYN_CTL(e->nvec)) {
		unsigned vec = (off - E810_GLINT_DYN_CTL(0)) / 4;

		return reg_get(e, off) | (e->intena[vec] ? E810_GLINT_DYN_CTL_INTENA : 0);
	}
	if (off >= E810_QRX_CTRL(0) && off < E810_QRX_CTRL(e->nq)) {
		/* QENA_STAT: the queue runs (its context was accepted). */
		unsigned q = (off - E810_QRX_CTRL(0)) / 4;

		v = reg_get(e, off) & ~E810_QRX_CTRL_QENA_STAT;
		return v | (e->qp[q].rx.enabled ? E810_QRX_CTRL_QENA_STAT : 0);
	}
	if (off >= E810_QTX_COMM_HEAD(0) && off < E810_QTX_COMM_HEAD(e->nq))
		return e->qp[(off - E810_QTX_COMM_HEAD(0)) / 4].tx.head;
	if (e810_stats_reg(off)) {
		struct e810_stats_snap s;

		e->cnt.stats_reads++;
		stats_snap(e, &s);
		if (e810_stats_read(&s, off, &v))
			return v;
	}
	if (e810_rstore_get(&e->rs, off, &v))
		return v;
	v = reg_reset_value(off, &known);
	if (!known) {
		e->cnt.reg_unknown++;
		LOG_RL(LOG_LVL_DEBUG, COMP, "%s: read of unwritten register %#08x", e->name, off);
	}
	return v;
}

static void reg_write(struct e810 *e, uint32_t off, uint32_t v)
{
	uint32_t fixed;

	e->cnt.reg_writes++;
	if (e->db_hooked)
		db_poll(e);
	if (e810_aq_reg_is_aq(off)) {
		e810_aq_reg_write(e->aq, off, v);
		link_sync(e); /* set_phy_cfg and restart_an change the link */
		txq_sync(e);  /* add_txqs, dis_txqs */
		kick_arm(e);
		return;
	}
	if (off == E810_PFGEN_CTRL) {
		if (v & E810_PFGEN_CTRL_PFSWR) {
			LOG_DEBUG(COMP, "%s: PF reset", e->name);
			e->cnt.pf_resets++;
			pf_reset(e);
		}
		return;
	}
	if (off == E810_GLGEN_RTRIG) {
		if (v & (E810_GLGEN_RTRIG_CORER | E810_GLGEN_RTRIG_GLOBR)) {
			LOG_INFO(COMP, "%s: core/global reset requested: done as a PF reset", e->name);
			e->cnt.core_resets++;
			pf_reset(e);
		}
		return;
	}
	if (reg_fixed(e, off, &fixed))
		return; /* read-only here */
	if (off == E810_PFINT_OICR) {
		/* Write 1 to clear. */
		e810_rstore_set(&e->rs, off, reg_get(e, off) & ~v);
		return;
	}
	if (off >= E810_GLINT_DYN_CTL(0) && off < E810_GLINT_DYN_CTL(e->nvec)) {
		dyn_ctl_write(e, (off - E810_GLINT_DYN_CTL(0)) / 4, v);
		return;
	}
	if (off >= E810_QRX_CTRL(0) && off < E810_QRX_CTRL(e->nq)) {
		qrx_ctrl_write(e, (off - E810_QRX_CTRL(0)) / 4, v);
		return;
	}
	if (off >= E810_QRX_TAIL(0) && off < E810_QRX_TAIL(e->nq)) {
		qrx_tail_write(e, (off - E810_QRX_TAIL(0)) / 4, v);
		return;
	}
	if (off >= E810_QTX_COMM_DBELL(0) && off < E810_QTX_COMM_DBELL(e->nq)) {
		qtx_dbell_write(e, (off - E810_QTX_COMM_DBELL(0)) / 4, v);
		return;
	}
	if (off >= E810_QRX_CONTEXT(0, 0) && off < E810_QRX_CONTEXT(E810_QRX_CONTEXT_DWORDS, 0) &&
	    (off - E810_QRX_CONTEXT(0, 0)) % 0x2000u < e->nq * 4u) {
		unsigned q = ((off - E810_QRX_CONTEXT(0, 0)) % 0x2000u) / 4;

		e->qp[q].rx_tail_set = false;
		/* A new ring: its tail is the next one the guest stores, whatever it is. */
		if (e->db_poll)
			db_store(e, E810_DB_RX, q, 0);
	}
	if (!e810_rstore_set(&e->rs, off, v))
		LOG_RL(LOG_LVL_WARN, COMP, "%s: register file full: write %#x to %#08x dropped",
		       e->name, v, off);
	if (off == E810_PFINT_FW_CTL || off == E810_PFINT_OICR_CTL || off == E810_GLINT_CTL ||
	    (off >= E810_QINT_TQCTL(0) && off < E810_QINT_TQCTL(e->nq)) ||
	    (off >= E810_QINT_RQCTL(0) && off < E810_QINT_RQCTL(e->nq)))
		vec_retry_all(e);
}

static void log_access(struct e810 *e, uint32_t off, uint32_t v, bool wr)
{
	const char *n = reg_name(off);

	LOG_TRACE(COMP, "%s: mmio %s %s [%#08x] %#010x", e->name, wr ? "write" : "read",
		  n ? n : "?", off, v);
}

static ssize_t bar0_access(struct e810 *e, uint64_t off, uint8_t *buf, size_t count, bool wr)
{
	uint32_t base = (uint32_t)off & ~3u, sh = ((uint32_t)off & 3) * 8, v;

	if (count == 8 && !(off & 7)) {
		/* Two dwords, low first (readq of the 64-bit statistics). */
		if (bar0_access(e, off, buf, 4, wr) < 0 || bar0_access(e, off + 4, buf + 4, 4, wr) < 0)
			return -EINVAL;
		return 8;
	}
	if ((count != 1 && count != 2 && count != 4) || (off & 3) + count > 4) {
		e->cnt.reg_bad_access++;
		if (!wr)
			memset(buf, 0, count);
		return (ssize_t)count;
	}
	if (!wr) {
		v = reg_read(e, base);
		if (log_enabled(LOG_LVL_TRACE))
			log_access(e, base, v, false);
		v >>= sh;
		memcpy(buf, &v, count);
		return (ssize_t)count;
	}
	if (count == 4) {
		memcpy(&v, buf, 4);
	} else {
		/* A partial write merges into what is stored (no register here needs more). */
		uint32_t part = 0, mask = (count == 1 ? 0xffu : 0xffffu) << sh;

		memcpy(&part, buf, count);
		v = e810_aq_reg_is_aq(base) ? e810_aq_reg_read(e->aq, base) : reg_get(e, base);
		v = (v & ~mask) | (part << sh);
	}
	if (log_enabled(LOG_LVL_TRACE))
		log_access(e, base, v, true);
	reg_write(e, base, v);
	db_hook_update(e);
	return (ssize_t)count;
}

static ssize_t bar_access(void *opaque, unsigned bar, uint64_t off, void *buf, size_t count,
			  bool is_write)
{
	struct e810 *e = opaque;

	if (bar == 0 && off < E810_MODEL_BAR0_SIZE && count <= E810_MODEL_BAR0_SIZE - off)
		return bar0_access(e, off, buf, count, is_write);
	/* BAR3 outside the MSI-X table and PBA (which the framework serves): zeros. */
	if (bar == 3 && off < E810_MODEL_BAR3_SIZE && count <= E810_MODEL_BAR3_SIZE - off) {
		if (!is_write)
			memset(buf, 0, count);
		return (ssize_t)count;
	}
	return -EINVAL;
}

/* ==== the port ===================================================================== */

/* rx_space() while frames would only be dropped (queue off): as a wire would. */
#define E810_RX_SPACE_OFF 64u

/* The RX queue for a burst: its index, or queue 0 for NET_QUEUE_ANY (no RSS yet). */
static unsigned rx_queue(const struct e810 *e, uint16_t queue)
{
	return queue < e->nq ? queue : 0;
}

static uint16_t port_deliver(struct net_port *self, uint16_t queue, struct pkt **pkts, uint16_t n)
{
	struct e810 *e = self->priv;
	unsigned q = rx_queue(e, queue);
	struct e810_rxq *rx = &e->qp[q].rx;
	uint64_t bytes = rx->st.bytes;
	uint16_t ok;

	if (!rx->enabled) {
		e->cnt.rx_dropped += n;
		self->stats.rx_drops += n;
		pkt_free_bulk(pkts, n);
		return 0;
	}
	ok = e810_rxq_deliver(rx, pkts, n);
	self->stats.rx_pkts += ok;
	self->stats.rx_bytes += rx->st.bytes - bytes;
	self->stats.rx_drops += (uint64_t)(n - ok);
	if (ok)
		queue_cause(e, E810_QINT_RQCTL(q));
	return ok;
}

static uint32_t port_rx_space(struct net_port *self, uint16_t queue)
{
	struct e810 *e = self->priv;
	unsigned q = rx_queue(e, queue);
	uint32_t room;

	if (!e->qp[q].rx.enabled)
		return E810_RX_SPACE_OFF;
	room = e810_rxq_space(&e->qp[q].rx);
	if (!room)
		e->qp[q].rx_starved = true;
	return room;
}

static void port_wake(struct net_port *self, uint16_t queue)
{
	struct e810 *e = self->priv;

	for (unsigned q = 0; q < e->nq; q++) {
		if ((queue == NET_QUEUE_ANY || queue == q) && e->qp[q].tx_blocked) {
			e->qp[q].tx_blocked = false;
			e->cnt.tx_wakes++;
			tx_run(e, q);
		}
	}
	kick_arm(e);
}

static void port_peer_link(struct net_port *self, bool up)
{
	struct e810 *e = self->priv;

	e->peer_up = up;
	e810_aq_set_link(e->aq, up);
	link_sync(e);
	/*
	 * A walk waiting for a peer that went away would wait for a wake() that
	 * never comes: it resumes from the loop (its frames dropped without a peer).
	 */
	if (!self->peer) {
		for (unsigned q = 0; q < e->nq; q++) {
			if (e->qp[q].tx_blocked) {
				e->qp[q].tx_blocked = false;
				e->qp[q].tx_more = true;
			}
		}
		kick_arm(e);
	}
}

static const struct net_port_ops e810_port_ops = {
	.deliver = port_deliver,
	.rx_space = port_rx_space,
	.wake = port_wake,
	.peer_link = port_peer_link,
};

/* ==== PCI callbacks ================================================================ */

static void pci_reset_cb(void *opaque)
{
	struct e810 *e = opaque;

	LOG_DEBUG(COMP, "%s: device reset", e->name);
	e->cnt.resets++;
	pf_reset(e);
}

static void pci_attach_cb(void *opaque)
{
	struct e810 *e = opaque;

	LOG_INFO(COMP, "%s: VMM attached (E810-C, %u queue pairs, %u MSI-X vectors)", e->name,
		 e->nq, e->nvec);
	stats_fill(e); /* the new client's shared pages start empty */
}

static void pci_msix_cb(void *opaque)
{
	struct e810 *e = opaque;

	db_hook_update(e);
	if (e->db_hooked)
		db_poll(e);
	vec_retry_all(e);
}

static const struct pci_dev_ops e810_pci_ops = {
	.reset = pci_reset_cb,
	.attach = pci_attach_cb,
	.msix_changed = pci_msix_cb,
};

/* ==== lifecycle ==================================================================== */

static void e810_destroy(struct dev_instance *d)
{
	struct e810 *e;

	if (!d)
		return;
	e = to_e810(d);
	net_port_disconnect(&e->port);
	if (e->db_hooked)
		loop_del_poll(e->loop, db_poll, e);
	e->db_hooked = false;
	if (e->pci) {
		queues_stop(e);
		pci_dev_destroy(e->pci);
	}
	e->pci = NULL;
	if (e->kick_h)
		loop_del_fd(e->loop, e->kick_h);
	if (e->kick_fd >= 0)
		close(e->kick_fd);
	e810_aq_destroy(e->aq);
	e810_rstore_fini(&e->rs);
	if (e->pool)
		pkt_pool_destroy(e->pool);
	free(e);
}

/* A Device Serial Number from the MAC, EUI-64 style as Intel's parts report. */
static bool add_dsn(struct pci_dev *pci, const uint8_t mac[6])
{
	struct pci_cfg *c = pci_dev_cfg(pci);
	unsigned pos = pci_cfg_add_ext_cap(c, 0x0003, 1, 12);
	uint64_t dsn = (uint64_t)mac[0] << 56 | (uint64_t)mac[1] << 48 | (uint64_t)mac[2] << 40 |
		       0xfffeull << 24 | (uint64_t)mac[3] << 16 | (uint64_t)mac[4] << 8 | mac[5];

	if (!pos)
		return false;
	pci_cfg_set32(c, pos + 4, (uint32_t)dsn);
	pci_cfg_set32(c, pos + 8, (uint32_t)(dsn >> 32));
	return true;
}

static struct pci_dev *e810_pci_create(struct e810 *e)
{
	struct pci_dev_desc desc = {
		.name = e->name,
		.vendor_id = E810_MODEL_VENDOR,
		.device_id = E810_MODEL_DEVICE,
		.subsys_vendor_id = E810_MODEL_SUBSYS_VENDOR,
		.subsys_id = E810_MODEL_SUBSYS,
		.revision = E810_MODEL_REVISION,
		.class_code = E810_MODEL_CLASS,
		.irq_pin = 0, /* MSI-X only, as the ice driver needs */
		.limits.max_dma_total = e->max_guest_ram,
	};
	struct pci_dev *pci;

	desc.bars[0] = (struct pci_bar_desc){ .size = E810_MODEL_BAR0_SIZE,
					      .flags = PCI_BAR_MEM64 | PCI_BAR_PREFETCH,
					      .access = bar_access };
	if (e->db_poll) {
		desc.bars[0].nr_shared = E810_DB_PAGES + 1;
		for (unsigned i = 0; i < E810_DB_PAGES; i++)
			desc.bars[0].shared[i] = (struct vfu_sparse_area){
				.offset = e810_db_base[i], .size = E810_DB_PAGE };
		desc.bars[0].shared[E810_DB_PAGES] = (struct vfu_sparse_area){
			.offset = E810_STATS_BASE, .size = E810_STATS_SIZE };
	}
	desc.bars[3] = (struct pci_bar_desc){ .size = E810_MODEL_BAR3_SIZE,
					      .flags = PCI_BAR_MEM64 | PCI_BAR_PREFETCH,
					      .access = bar_access };
	pci = pci_dev_create(&desc, &e810_pci_ops, e);
	if (!pci)
		return NULL;
	if (!pci_add_cap_pm(pci) ||
	    !pci_add_cap_msix(pci, e->nvec, 3, E810_MODEL_MSIX_TABLE, 3, E810_MODEL_MSIX_PBA) ||
	    !pci_add_cap_pcie(pci) || !add_dsn(pci, e->mac)) {
		pci_dev_destroy(pci);
		return NULL;
	}
	return pci;
}

static bool mac_ok(const uint8_t *m)
{
	static const uint8_t z[6];

	return !(m[0] & 1) && memcmp(m, z, 6) != 0;
}

void e810_model_aq_config(struct e810_aq_config *ac, const uint8_t mac[6], unsigned queues)
{
	e810_aq_config_default(ac);
	memcpy(ac->mac, mac, 6);
	ac->num_queues = (uint16_t)queues;
	ac->num_msix = (uint16_t)(queues + 1);
	ac->link_up = false; /* until the port has a peer with its link up */
}

static struct dev_instance *e810_create(const struct dev_config *cfg, char *err, size_t errlen)
{
	struct e810_aq_config ac;
	unsigned nq = cfg && cfg->queues ? cfg->queues : E810_MODEL_QUEUES_DEFAULT;
	struct e810 *e;
	int r;

	if (!cfg || !cfg->loop || !cfg->socket_path) {
		snprintf(err, errlen, "e810: incomplete configuration");
		return NULL;
	}
	if (!mac_ok(cfg->mac)) {
		snprintf(err, errlen, "e810: MAC address must be unicast and not zero");
		return NULL;
	}
	if (nq < 1 || nq > E810_MODEL_QUEUES_MAX) {
		snprintf(err, errlen, "e810: --queues %u: 1..%u", nq, E810_MODEL_QUEUES_MAX);
		return NULL;
	}
	e = calloc(1, sizeof(*e));
	if (!e) {
		snprintf(err, errlen, "e810: out of memory");
		return NULL;
	}
	e->kick_fd = -1;
	e->inst.model = &e810_model;
	e->inst.nports = 1;
	e->inst.nqueues = nq;
	e->inst.nvectors = nq + 1;
	e->loop = cfg->loop;
	e->nq = nq;
	e->nvec = nq + 1;
	e->max_guest_ram = cfg->max_guest_ram;
	e->db_poll = cfg->doorbell == DEV_DOORBELL_POLL;
	snprintf(e->name, sizeof(e->name), "%s", cfg->name ? cfg->name : "e810");
	memcpy(e->mac, cfg->mac, 6);
	net_port_init(&e->port, e->name, &e810_port_ops, e);

	e810_model_aq_config(&ac, e->mac, nq);
	e->aq = e810_aq_create(&ac, &aq_ops, e);
	e->pool = pkt_pool_create(e->name, E810_POOL_PKTS);
	if (!e->aq || !e->pool || e810_rstore_init(&e->rs)) {
		snprintf(err, errlen, "e810: out of memory");
		goto fail;
	}
	e->kick_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (e->kick_fd < 0 || !(e->kick_h = loop_add_fd(e->loop, e->kick_fd, EPOLLIN, kick_cb, e))) {
		snprintf(err, errlen, "e810: eventfd: %s", strerror(errno));
		goto fail;
	}
	e->pci = e810_pci_create(e);
	if (!e->pci) {
		snprintf(err, errlen, "e810: cannot create the PCI device");
		goto fail;
	}
	e->inst.pci = e->pci;
	for (unsigned i = 0; e->db_poll && i < E810_DB_PAGES; i++) {
		e->db[i] = pci_bar_shared(e->pci, 0, i);
		if (!e->db[i]) {
			snprintf(err, errlen, "e810: no doorbell page");
			goto fail;
		}
	}
	e->stats_area = e->db_poll ? pci_bar_shared(e->pci, 0, E810_DB_PAGES) : NULL;
	e->stats_vsi = -1;
	if (e->db_poll && !e->stats_area) {
		snprintf(err, errlen, "e810: no statistics block");
		goto fail;
	}
	db_clear(e);
	for (unsigned q = 0; q < nq; q++) {
		e810_rxq_init(&e->qp[q].rx, e->pci);
		e810_txq_init(&e->qp[q].tx, e->pci, e->pool, e810_txq_sink_port(&e->port, (uint16_t)q));
	}
	r = pci_dev_listen(e->pci, e->loop, cfg->socket_path);
	if (r < 0) {
		snprintf(err, errlen, "e810: cannot listen on %s: %s", cfg->socket_path,
			 strerror(-r));
		goto fail;
	}
	LOG_DEBUG(COMP, "%s: E810-C on %s, %u queue pairs", e->name, cfg->socket_path, nq);
	return &e->inst;
fail:
	e810_destroy(&e->inst);
	return NULL;
}

static struct net_port *e810_port(struct dev_instance *d, unsigned idx)
{
	return idx == 0 ? &to_e810(d)->port : NULL;
}

#define U(x) ((unsigned long long)(x))

/* The LAN queues' counters, summed over the queue pairs. */
static void dump_lan(struct e810 *e, FILE *out)
{
	struct e810_rxq_stats r = { 0 };
	struct e810_txq_stats t = { 0 };
	unsigned rx_on = 0, tx_on = 0;

	for (unsigned q = 0; q < e->nq; q++) {
		const struct e810_rxq_stats *a = &e->qp[q].rx.st;
		const struct e810_txq_stats *b = &e->qp[q].tx.st;

		rx_on += e->qp[q].rx.enabled;
		tx_on += e->qp[q].tx.enabled;
		r.pkts += a->pkts; r.bytes += a->bytes; r.descs += a->descs;
		r.drop_off += a->drop_off; r.drop_bad += a->drop_bad; r.drop_long += a->drop_long;
		r.drop_nodesc += a->drop_nodesc; r.drop_tso += a->drop_tso;
		r.desc_dma += a->desc_dma; r.buf_dma += a->buf_dma; r.ctx_bad += a->ctx_bad;
		r.tail_oor += a->tail_oor; r.csum_bad += a->csum_bad; r.ol_done += a->ol_done;
		t.pkts += b->pkts; t.bytes += b->bytes; t.descs += b->descs;
		t.tso += b->tso; t.tso_segs += b->tso_segs;
		t.csum_ip += b->csum_ip; t.csum_l4 += b->csum_l4; t.vlan_ins += b->vlan_ins;
		t.drop_nobuf += b->drop_nobuf; t.drop_long += b->drop_long;
		t.drop_runt += b->drop_runt; t.drop_dma += b->drop_dma; t.drop_tso += b->drop_tso;
		t.drop_csum += b->drop_csum; t.drop_dummy += b->drop_dummy;
		t.drop_noeop += b->drop_noeop; t.drop_sink += b->drop_sink;
		t.bad_desc += b->bad_desc; t.desc_dma += b->desc_dma; t.ctx_bad += b->ctx_bad;
		t.tail_oor += b->tail_oor; t.budget_stops += b->budget_stops;
		t.blocked += b->blocked; t.wb += b->wb;
	}
	fprintf(out,
		",\"rxq_on\":%u,\"txq_on\":%u,\"tx_kicks\":%llu,\"tx_wakes\":%llu,"
		"\"txq_setup_bad\":%llu,\"rxq_enable_bad\":%llu,"
		"\"rx_pkts\":%llu,\"rx_bytes\":%llu,\"rx_descs\":%llu,\"rx_drop_off\":%llu,"
		"\"rx_drop_bad\":%llu,\"rx_drop_long\":%llu,\"rx_drop_nodesc\":%llu,"
		"\"rx_drop_tso\":%llu,\"rx_desc_dma\":%llu,\"rx_buf_dma\":%llu,"
		"\"rx_ctx_bad\":%llu,\"rx_tail_oor\":%llu,\"rx_csum_bad\":%llu,"
		"\"rx_ol_done\":%llu,",
		rx_on, tx_on, U(e->cnt.tx_kicks), U(e->cnt.tx_wakes), U(e->cnt.txq_setup_bad),
		U(e->cnt.rxq_enable_bad), U(r.pkts), U(r.bytes), U(r.descs), U(r.drop_off),
		U(r.drop_bad), U(r.drop_long), U(r.drop_nodesc), U(r.drop_tso), U(r.desc_dma),
		U(r.buf_dma), U(r.ctx_bad), U(r.tail_oor), U(r.csum_bad), U(r.ol_done));
	fprintf(out,
		"\"tx_pkts\":%llu,\"tx_bytes\":%llu,\"tx_descs\":%llu,\"tx_tso\":%llu,"
		"\"tx_tso_segs\":%llu,\"tx_csum_ip\":%llu,\"tx_csum_l4\":%llu,"
		"\"tx_vlan_ins\":%llu,\"tx_drop_nobuf\":%llu,\"tx_drop_long\":%llu,"
		"\"tx_drop_runt\":%llu,\"tx_drop_dma\":%llu,\"tx_drop_tso\":%llu,"
		"\"tx_drop_csum\":%llu,\"tx_drop_dummy\":%llu,\"tx_drop_noeop\":%llu,"
		"\"tx_drop_sink\":%llu,\"tx_bad_desc\":%llu,\"tx_desc_dma\":%llu,"
		"\"tx_ctx_bad\":%llu,\"tx_tail_oor\":%llu,\"tx_budget_stops\":%llu,"
		"\"tx_blocked\":%llu,\"tx_wb\":%llu",
		U(t.pkts), U(t.bytes), U(t.descs), U(t.tso), U(t.tso_segs), U(t.csum_ip),
		U(t.csum_l4), U(t.vlan_ins), U(t.drop_nobuf), U(t.drop_long), U(t.drop_runt),
		U(t.drop_dma), U(t.drop_tso), U(t.drop_csum), U(t.drop_dummy), U(t.drop_noeop),
		U(t.drop_sink), U(t.bad_desc), U(t.desc_dma), U(t.ctx_bad), U(t.tail_oor),
		U(t.budget_stops), U(t.blocked), U(t.wb));
}

static void e810_dump_stats(struct dev_instance *d, FILE *out)
{
	struct e810 *e = to_e810(d);
	const struct e810_counters *c = &e->cnt;
	const struct e810_aq_stats *a = e810_aq_stats(e->aq);

	fprintf(out,
		"\"link\":%s,\"queues\":%u,\"msix_vectors\":%u,\"resets\":%llu,\"pf_resets\":%llu,"
		"\"core_resets\":%llu,\"reg_reads\":%llu,\"reg_writes\":%llu,\"unknown_regs\":%llu,"
		"\"reg_bad_access\":%llu,\"reg_store_used\":%u,\"reg_store_full\":%llu,"
		"\"irqs\":%llu,\"irq_deferred\":%llu,\"fw_cause_off\":%llu,\"swints\":%llu,"
		"\"rx_dropped\":%llu,\"atq_kicks\":%llu,\"doorbell\":\"%s\",\"db_page_traps\":%llu,"
		"\"db_rx\":%llu,\"db_tx\":%llu,\"db_dyn\":%llu,\"db_hook_err\":%llu,"
		"\"stats_reads\":%llu,\"stats_fills\":%llu,",
		e810_aq_link_up(e->aq) ? "true" : "false", e->nq, e->nvec, U(c->resets),
		U(c->pf_resets), U(c->core_resets), U(c->reg_reads), U(c->reg_writes),
		U(c->reg_unknown), U(c->reg_bad_access), e->rs.used, U(e->rs.full_drops),
		U(c->irqs), U(c->irq_deferred), U(c->fw_cause_off), U(c->swints), U(c->rx_dropped),
		U(c->atq_kicks), e->db_poll ? "poll" : "trap",
		U(e->db_poll ? pci_bar_shared_traps(e->pci, 0) : 0), U(c->db_rx), U(c->db_tx),
		U(c->db_dyn), U(c->db_hook_err), U(c->stats_reads), U(c->stats_fills));
	fprintf(out,
		"\"aq_cmds\":%llu,\"aq_errors\":%llu,\"aq_unknown\":%llu,\"aq_bad_len\":%llu,"
		"\"aq_bad_flags\":%llu,\"aq_bad_buf\":%llu,\"aq_desc_dma\":%llu,"
		"\"aq_ring_off\":%llu,\"aq_bad_ring\":%llu,\"aq_head_oor\":%llu,"
		"\"aq_tail_oor\":%llu,\"aq_budget_stops\":%llu,\"arq_posted\":%llu,"
		"\"arq_no_desc\":%llu,\"arq_off\":%llu,\"arq_bad_desc\":%llu,\"arq_dma\":%llu,"
		"\"lse_suppressed\":%llu",
		U(a->atq_cmds), U(a->atq_errors), U(a->atq_unknown), U(a->atq_bad_len),
		U(a->atq_bad_flags), U(a->atq_bad_buf), U(a->atq_desc_dma), U(a->atq_ring_off),
		U(a->atq_bad_ring), U(a->atq_head_oor), U(a->atq_tail_oor), U(a->atq_budget_stops),
		U(a->arq_posted), U(a->arq_no_desc), U(a->arq_off), U(a->arq_bad_desc),
		U(a->arq_dma), U(a->lse_suppressed));
	dump_lan(e, out);
}

const struct dev_model e810_model = {
	.name = "e810-emu",
	.description = "Intel E810-C (ice), emulated: safe-mode probe, admin queue, link, "
		       "LAN queues",
	.create = e810_create,
	.destroy = e810_destroy,
	.port = e810_port,
	.dump_stats = e810_dump_stats,
	.caps = DEV_CAP_DOORBELL_POLL | DEV_CAP_MSIX | DEV_CAP_MULTIQUEUE,
	.max_queues = E810_MODEL_QUEUES_MAX,
};
