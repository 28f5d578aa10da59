// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The E810 model's BAR0 registers: names (for the trace), constants and
 * reset values, reads and writes dispatched to the admin queue engine, the
 * interrupt logic, the LAN queues and resets; everything else kept in the
 * sparse register file (rstore.h). BAR3 outside the MSI-X table reads 0.
 */
#include <errno.h>
#include <string.h>

#include "core/log.h"
#include "dev/e810/e810_regs.h"
#include "dev/e810/flex.h"
#include "dev/e810/model_priv.h"
#include "pci/pci.h"

#define COMP "e810"


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
	case E810_GLQF_FD_SIZE: return "GLQF_FD_SIZE";
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
	if (off >= E810_GLINT_ITR(0, 0) && off < E810_GLINT_RATE(0) &&
	    (off - E810_GLINT_ITR(0, 0)) % 0x2000u < E810_MAX_VECTORS * 4u)
		return "GLINT_ITR";
	if (off >= E810_GLINT_RATE(0) && off < E810_GLINT_RATE(E810_MAX_VECTORS))
		return "GLINT_RATE";
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
	case E810_GLQF_FD_SIZE:
		/* The flow director table sizes (FD_GSIZE 14:0, FD_BSIZE 30:16). */
		*v = E810_AQ_FD_GUAR | E810_AQ_FD_BEST << 16;
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

static uint32_t reg_read(struct e810 *e, uint32_t off)
{
	uint32_t v;
	bool known;

	e->cnt.reg_reads++;
	/* Doorbells stored to the pages before this access come first. */
	if (e->db_hooked)
		e810_db_poll(e);
	if (e810_aq_reg_is_aq(off))
		return e810_aq_reg_read(e->aq, off);
	if (reg_fixed(e, off, &v))
		return v;
	if (off == E810_PFINT_OICR) {
		/* Read to clear; no cause sets it yet. */
		v = e810_reg_get(e, off);
		e810_rstore_set(&e->rs, off, 0);
		return v;
	}
	if (off >= E810_GLINT_DYN_CTL(0) && off < E810_GLINT_DYN_CTL(e->nvec)) {
		unsigned vec = (off - E810_GLINT_DYN_CTL(0)) / 4;

		return e810_reg_get(e, off) | (e->intena[vec] ? E810_GLINT_DYN_CTL_INTENA : 0);
	}
	if (off >= E810_QRX_CTRL(0) && off < E810_QRX_CTRL(e->nq)) {
		/* QENA_STAT: the queue runs (its context was accepted). */
		unsigned q = (off - E810_QRX_CTRL(0)) / 4;

		v = e810_reg_get(e, off) & ~E810_QRX_CTRL_QENA_STAT;
		return v | (e->qp[q].rx.enabled ? E810_QRX_CTRL_QENA_STAT : 0);
	}
	if (off >= E810_QTX_COMM_HEAD(0) && off < E810_QTX_COMM_HEAD(e->nq))
		return e->qp[(off - E810_QTX_COMM_HEAD(0)) / 4].tx.head;
	if (e810_fdir_reg_read(e, off, &v))
		return v;
	if (e810_stats_reg(off)) {
		struct e810_stats_snap s;

		e->cnt.stats_reads++;
		e810_model_stats(e, &s);
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
		e810_db_poll(e);
	if (e810_aq_reg_is_aq(off)) {
		e810_aq_reg_write(e->aq, off, v);
		e810_link_sync(e); /* set_phy_cfg and restart_an change the link */
		e810_tx_sync(e);  /* add_txqs, dis_txqs */
		e810_kick_arm(e);
		return;
	}
	if (off == E810_PFGEN_CTRL) {
		if (v & E810_PFGEN_CTRL_PFSWR) {
			LOG_DEBUG(COMP, "%s: PF reset", e->name);
			e->cnt.pf_resets++;
			e810_pf_reset(e);
		}
		return;
	}
	if (off == E810_GLGEN_RTRIG) {
		if (v & (E810_GLGEN_RTRIG_CORER | E810_GLGEN_RTRIG_GLOBR)) {
			LOG_INFO(COMP, "%s: core/global reset requested: a PF reset, the DDP package dropped",
				 e->name);
			e->cnt.core_resets++;
			e810_core_reset(e);
		}
		return;
	}
	if (reg_fixed(e, off, &fixed))
		return; /* read-only here */
	if (off == E810_PFINT_OICR) {
		/* Write 1 to clear. */
		e810_rstore_set(&e->rs, off, e810_reg_get(e, off) & ~v);
		return;
	}
	if (off >= E810_GLINT_DYN_CTL(0) && off < E810_GLINT_DYN_CTL(e->nvec)) {
		e810_dyn_ctl_write(e, (off - E810_GLINT_DYN_CTL(0)) / 4, v);
		return;
	}
	if (off >= E810_QRX_CTRL(0) && off < E810_QRX_CTRL(e->nq)) {
		e810_qrx_ctrl_write(e, (off - E810_QRX_CTRL(0)) / 4, v);
		return;
	}
	if (off >= E810_QRX_TAIL(0) && off < E810_QRX_TAIL(e->nq)) {
		e810_qrx_tail_write(e, (off - E810_QRX_TAIL(0)) / 4, v);
		return;
	}
	if (off >= E810_QTX_COMM_DBELL(0) && off < E810_QTX_COMM_DBELL(e->nq)) {
		e810_qtx_dbell_write(e, (off - E810_QTX_COMM_DBELL(0)) / 4, v);
		return;
	}
	if (off >= E810_QRX_CONTEXT(0, 0) && off < E810_QRX_CONTEXT(E810_QRX_CONTEXT_DWORDS, 0) &&
	    (off - E810_QRX_CONTEXT(0, 0)) % 0x2000u < e->nq * 4u) {
		unsigned q = ((off - E810_QRX_CONTEXT(0, 0)) % 0x2000u) / 4;

		e->qp[q].rx_tail_set = false;
		/* A new ring: its tail is the next one the guest stores, whatever it is. */
		if (e->db_poll)
			e810_db_store(e, E810_DB_RX, q, 0);
	}
	/* The flow director's profile registers: stored, and taken by its tables. */
	e810_flex_reg_write(e810_aq_flex(e->aq), off, v);
	if (!e810_rstore_set(&e->rs, off, v))
		LOG_RL(LOG_LVL_WARN, COMP, "%s: register file full: write %#x to %#08x dropped",
		       e->name, v, off);
	if (off >= E810_GLINT_ITR(0, 0) && off < E810_GLINT_RATE(0) + E810_MAX_VECTORS * 4u &&
	    (off - E810_GLINT_ITR(0, 0)) % 0x2000u < e->nvec * 4u) {
		e810_itr_sync(e, ((off - E810_GLINT_ITR(0, 0)) % 0x2000u) / 4);
		return;
	}
	if (off == E810_GL_PWR_MODE_CTL || off == E810_GLINT_CTL) {
		/* The ITR and INTRL units (GLINT_CTL also holds DIS_AUTOMASK). */
		for (unsigned n = 0; n < e->nvec; n++)
			e810_itr_sync(e, n);
		if (off == E810_GL_PWR_MODE_CTL)
			return;
	}
	if (off == E810_PFINT_FW_CTL || off == E810_PFINT_OICR_CTL || off == E810_GLINT_CTL ||
	    (off >= E810_QINT_TQCTL(0) && off < E810_QINT_TQCTL(e->nq)) ||
	    (off >= E810_QINT_RQCTL(0) && off < E810_QINT_RQCTL(e->nq)))
		e810_vec_retry_all(e);
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
		v = e810_aq_reg_is_aq(base) ? e810_aq_reg_read(e->aq, base) : e810_reg_get(e, base);
		v = (v & ~mask) | (part << sh);
	}
	if (log_enabled(LOG_LVL_TRACE))
		log_access(e, base, v, true);
	reg_write(e, base, v);
	e810_db_hook_update(e);
	return (ssize_t)count;
}

ssize_t e810_bar_access(void *opaque, unsigned bar, uint64_t off, void *buf, size_t count,
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
