// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The E810 model's exitless doorbells (--doorbell poll): the QRX_TAIL,
 * QTX_COMM_DBELL and GLINT_DYN_CTL pages of BAR0 are shared with the VMM
 * (sparse mmap areas), and the interrupt moderation pages GLINT_ITR(0..2)
 * and GLINT_RATE, which the driver's dynamic moderation writes under load; a
 * poll hook on the loop picks up what the guest stored there and hands it to
 * what a trapped write of it calls.
 */
#include <errno.h>
#include <string.h>

#include "core/log.h"
#include "core/loop.h"
#include "dev/e810/e810_regs.h"
#include "dev/e810/model_priv.h"
#include "pci/pci.h"

#define COMP "e810"

const uint32_t e810_db_base[E810_DB_PAGES] = {
	[E810_DB_RX] = 0x00290000u, [E810_DB_TX] = 0x002c0000u, [E810_DB_DYN] = 0x00160000u,
	[E810_DB_ITR0] = 0x00154000u, [E810_DB_ITR1] = 0x00156000u, [E810_DB_ITR2] = 0x00158000u,
	[E810_DB_RATE] = 0x0015a000u,
};

/*
 * The guest stores to the pages whenever it likes: each word is read with one
 * load and is then only a value to validate, as a trapped write is.
 */
static uint32_t db_load(const struct e810 *e, unsigned pg, unsigned i)
{
	return __atomic_load_n(&e->db[pg][i], __ATOMIC_ACQUIRE);
}

void e810_db_store(struct e810 *e, unsigned pg, unsigned i, uint32_t v)
{
	__atomic_store_n(&e->db[pg][i], v, __ATOMIC_RELEASE);
	e->db_seen[pg][i] = v;
}

/*
 * What the DYN_CTL page holds between two commands: what a read returns, with
 * INTENA_MSK set and ITR_INDX 3. As a command that value does nothing (INTENA
 * left alone, no CLEARPBA, no SWINT_TRIG, no ITR update), so a guest store of
 * the very same value is no command lost.
 */
static uint32_t db_dyn_idle(const struct e810 *e, unsigned v)
{
	return e810_reg_get(e, E810_GLINT_DYN_CTL(v)) | E810_GLINT_DYN_CTL_INTENA_MSK |
	       E810_GLINT_DYN_CTL_ITR_INDX_M | (e->intena[v] ? E810_GLINT_DYN_CTL_INTENA : 0);
}

void e810_db_clear(struct e810 *e)
{
	if (!e->db_poll)
		return;
	for (unsigned pg = 0; pg < E810_DB_PAGES; pg++)
		for (unsigned i = 0; i < E810_DB_PAGE / 4; i++)
			e810_db_store(e, pg, i, 0);
	for (unsigned v = 0; v < e->nvec; v++)
		e810_db_store(e, E810_DB_DYN, v, db_dyn_idle(e, v));
}

/*
 * One pass over the pages: a load and a compare per queue and vector when
 * nothing changed. A new value goes to the function a trapped write of it
 * calls.
 */
bool e810_db_poll(void *arg)
{
	struct e810 *e = arg;
	bool work = false;

	for (unsigned q = 0; q < e->nq; q++) {
		uint32_t v = db_load(e, E810_DB_RX, q);

		if (v == e->db_seen[E810_DB_RX][q])
			continue;
		e->db_seen[E810_DB_RX][q] = v;
		e->cnt.db_rx++;
		e810_qrx_tail_write(e, q, v);
		work = true;
	}
	for (unsigned q = 0; q < e->nq; q++) {
		uint32_t v = db_load(e, E810_DB_TX, q);

		if (v == e->db_seen[E810_DB_TX][q])
			continue;
		e->db_seen[E810_DB_TX][q] = v;
		e->cnt.db_tx++;
		e810_qtx_dbell_write(e, q, v);
		work = true;
	}
	/* Moderation before the re-arms: a DYN_CTL stored after an ITR uses it. */
	for (unsigned n = 0; n < e->nvec; n++) {
		bool changed = false;

		for (unsigned pg = E810_DB_ITR0; pg <= E810_DB_RATE; pg++) {
			uint32_t v = db_load(e, pg, n);

			if (v == e->db_seen[pg][n])
				continue;
			e->db_seen[pg][n] = v;
			e810_rstore_set(&e->rs, e810_db_base[pg] + 4u * n, v);
			changed = true;
		}
		if (changed) {
			e->cnt.db_itr++;
			e810_itr_sync(e, n);
			work = true;
		}
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
		e810_dyn_ctl_write(e, n, cmd);
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
	e810_model_stats_tick(e);
	return work;
}

/* The hook is on the loop while MSI-X is on: a device not in use costs nothing. */
void e810_db_hook_update(struct e810 *e)
{
	bool want = e->db_poll && pci_msix_enabled(e->pci);

	if (want == e->db_hooked)
		return;
	if (want && loop_add_poll(e->loop, e810_db_poll, e) < 0) {
		e->cnt.db_hook_err++;
		LOG_RL(LOG_LVL_ERR, COMP, "%s: cannot poll the doorbell pages: %s", e->name,
		       strerror(errno));
		return;
	}
	if (!want)
		loop_del_poll(e->loop, e810_db_poll, e);
	e->db_hooked = want;
	e810_model_stats_fill(e); /* fresh when polling starts, and the last counts when it stops */
}
