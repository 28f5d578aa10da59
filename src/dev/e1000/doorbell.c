/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The e1000's exitless doorbells (--doorbell poll): the shared page holding
 * the ring registers, and the poll hook that picks new tails up from it.
 */
#include <errno.h>
#include <string.h>

#include "core/log.h"
#include "core/loop.h"
#include "dev/e1000/e1000_dev.h"

/* ==== exitless doorbells: the shared page ===================================== */

/*
 * The guest writes the page whenever it likes: every word is read with one
 * load (never twice for one decision) and written with one store.
 */
uint32_t e1k_db_read(const uint8_t *page, uint32_t off)
{
	const uint32_t *w = (const uint32_t *)(const void *)(page + (off - E1K_DB_OFF));

	return __atomic_load_n(w, __ATOMIC_ACQUIRE);
}

void e1k_db_write(uint8_t *page, uint32_t off, uint32_t v)
{
	uint32_t *w = (uint32_t *)(void *)(page + (off - E1K_DB_OFF));

	__atomic_store_n(w, v, __ATOMIC_RELEASE);
}

void e1k_db_clear(uint8_t *page)
{
	memset(page, 0, E1K_DB_SIZE);
	e1k_db_write(page, E1K_TXDCTL, E1K_TXDCTL_RESET);
}

void e1k_db_latch(uint32_t *regs, const uint8_t *page, bool tx)
{
	struct db_reg {
		uint32_t off, mask;
	};
	static const struct db_reg txr[] = {
		{ E1K_TDBAL, 0xffffffffu }, { E1K_TDBAH, 0xffffffffu }, { E1K_TDLEN, 0xfffffu },
		{ E1K_TDH, 0xffffu }, { E1K_TDT, 0xffffu }, { E1K_TIDV, 0xffffu },
		{ E1K_TADV, 0xffffu },
	}, rxr[sizeof(txr) / sizeof(txr[0])] = {
		{ E1K_RDBAL, 0xffffffffu }, { E1K_RDBAH, 0xffffffffu }, { E1K_RDLEN, 0xfffffu },
		{ E1K_RDH, 0xffffu }, { E1K_RDT, 0xffffu }, { E1K_RDTR, 0xffffu },
		{ E1K_RADV, 0xffffu },
	};
	const struct db_reg *t = tx ? txr : rxr;

	for (size_t i = 0; i < sizeof(txr) / sizeof(txr[0]); i++)
		regs[t[i].off / 4] = e1k_db_read(page, t[i].off) & t[i].mask;
}

bool e1k_db_tail(uint32_t *regs, const uint8_t *page, uint32_t tail_off)
{
	uint32_t t = e1k_db_read(page, tail_off) & 0xffffu;

	if (t == regs[tail_off / 4])
		return false;
	regs[tail_off / 4] = t;
	return true;
}

/* ==== exitless doorbells: polling ================================================== */

/*
 * Runs on every iteration of the owning loop while a ring is enabled: two
 * loads and two compares when nothing changed. A new tail does what a trapped
 * write of it does, with the same bounds (one ring's worth of descriptors, the
 * budget of the wake-up), so a busy guest cannot starve the loop's other
 * devices.
 */
bool e1k_db_poll(void *arg)
{
	struct e1000 *e = arg;
	bool work = false;

	if ((R(e, E1K_TCTL) & E1K_TCTL_EN) && e1k_db_tail(e->regs, e->db, E1K_TDT)) {
		e->cnt.db_tx_kicks++;
		e1k_tx_process(e);
		work = true;
	}
	/*
	 * A walk that stopped at an earlier pass's budget goes on now: a polling
	 * loop looks at its timer only every 20 us.
	 */
	if (e->tx_resume && e->tx_wake != loop_iteration(e->loop)) {
		e->tx_resume = false;
		e1k_tx_run(e);
		work = true;
	}
	if ((R(e, E1K_RCTL) & E1K_RCTL_EN) && e1k_db_tail(e->regs, e->db, E1K_RDT)) {
		e->cnt.db_rx_kicks++;
		e1k_rx_kick(e);
		work = true;
	}
	return work;
}

/* The hook is on the loop only while a ring is enabled: an idle device costs nothing. */
void e1k_db_hook_update(struct e1000 *e)
{
	bool want = e->db && ((R(e, E1K_TCTL) & E1K_TCTL_EN) || (R(e, E1K_RCTL) & E1K_RCTL_EN));

	if (want == e->db_hooked)
		return;
	if (want && loop_add_poll(e->loop, e1k_db_poll, e) < 0) {
		e->cnt.db_hook_err++;
		LOG_RL(LOG_LVL_ERR, COMP, "%s: cannot poll the doorbell page: %s", e->name,
		       strerror(errno));
		return;
	}
	if (!want)
		loop_del_poll(e->loop, e1k_db_poll, e);
	e->db_hooked = want;
}
