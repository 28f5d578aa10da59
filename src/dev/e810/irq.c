// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The E810 model's interrupts: MSI-X vectors (INTENA and automask through
 * GLINT_DYN_CTL, SWINT_TRIG), causes routed to them by a cause control
 * register (PFINT_FW_CTL, PFINT_OICR_CTL, QINT_RQCTL/QINT_TQCTL). A cause on
 * a vector that cannot take it yet (INTENA clear, MSI-X off or masked, no
 * eventfd) is held and sent when it can.
 *
 * Moderation: every cause names an ITR index (its control register's
 * ITR_INDX; SWINT_TRIG's SW_ITR_INDX when SW_ITR_INDX_ENA is set, else none).
 * After a vector fired, a cause with index i (0..2) fires it again only once
 * GLINT_ITR(i, vector) has passed (in GLINT_CTL's ITR_GRAN for the link's
 * speed, which ice sets to 2 us; while that is 0, 2 us, or 4 us when
 * GL_PWR_MODE_CTL says 25G), and no cause before the GLINT_RATE interval
 * (INTRL, 4 or 8 us units, when INTRL_ENA) has passed; index 3 is not
 * throttled. A cause held by an interval fires when it ends, from one
 * timerfd on the loop armed at the earliest end a vector waits for (a
 * polling loop looks at it every 20 us). GLINT_DYN_CTL with ITR_INDX 0..2
 * sets that ITR to INTERVAL, as the driver's re-arm may. Descriptors are
 * always written back at once, so WB_ON_ITR needs nothing more.
 *
 * On the fast path a held cause costs a bit set, a few compares and a clock
 * read (vDSO); the timer is set at most once per interval and vector.
 */
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "core/log.h"
#include "core/loop.h"
#include "dev/e810/e810_regs.h"
#include "dev/e810/model_priv.h"
#include "pci/pci.h"

#define COMP "e810"

enum vec_state { VEC_IDLE, VEC_FIRED, VEC_HELD, VEC_THROTTLED };

/* ==== the timer ==================================================================== */

static void itr_timer_set(struct e810 *e, uint64_t at)
{
	struct itimerspec its = { 0 };

	its.it_value.tv_sec = (time_t)(at / 1000000000u);
	its.it_value.tv_nsec = (long)(at % 1000000000u);
	e->itr_armed = at;
	if (e->itr_fd >= 0 && timerfd_settime(e->itr_fd, TFD_TIMER_ABSTIME, &its, NULL) < 0)
		LOG_RL(LOG_LVL_ERR, COMP, "%s: timerfd_settime: %s", e->name, strerror(errno));
}

/* Makes sure the timer fires at `at` or earlier. */
static void itr_timer_arm(struct e810 *e, uint64_t at)
{
	if (!at)
		at = 1;
	if (e->itr_armed && e->itr_armed <= at)
		return;
	itr_timer_set(e, at);
}

/* ==== vectors ====================================================================== */

/* How long after its last message the vector may fire for what it holds (ns). */
static uint32_t vec_hold(const struct e810 *e, unsigned v)
{
	uint8_t m = e->pend[v];
	uint32_t h = UINT32_MAX;

	if (m & (1u << E810_ITR_IDX_NONE))
		h = 0;
	for (unsigned i = 0; i < E810_ITR_IDX_NONE && h; i++)
		if ((m & (1u << i)) && e->itr_ns[v][i] < h)
			h = e->itr_ns[v][i];
	return h > e->intrl_ns[v] ? h : e->intrl_ns[v];
}

static enum vec_state vec_try(struct e810 *e, unsigned v)
{
	uint32_t hold;
	uint64_t now;

	if (!e->pend[v])
		return VEC_IDLE;
	if (!e->intena[v] || !pci_msix_enabled(e->pci) || pci_msix_func_masked(e->pci) ||
	    !pci_msix_vector_ready(e->pci, v))
		return VEC_HELD;
	hold = vec_hold(e, v);
	now = loop_now_ns();
	if (hold && now - e->irq_last[v] < hold) {
		itr_timer_arm(e, e->irq_last[v] + hold);
		return VEC_THROTTLED;
	}
	e->pend[v] = 0;
	e->irq_last[v] = now;
	if (!(e810_reg_get(e, E810_GLINT_CTL) & E810_GLINT_CTL_DIS_AUTOMASK))
		e->intena[v] = false; /* until the driver writes INTENA again */
	e->cnt.irqs++;
	pci_irq_raise(e->pci, v);
	return VEC_FIRED;
}

void e810_vec_cause(struct e810 *e, unsigned v, unsigned itr_idx)
{
	if (v >= e->nvec)
		return;
	e->pend[v] |= (uint8_t)(1u << (itr_idx & 3u));
	switch (vec_try(e, v)) {
	case VEC_HELD:
		e->cnt.irq_deferred++;
		break;
	case VEC_THROTTLED:
		e->cnt.irq_throttled++;
		break;
	default:
		break;
	}
}

void e810_vec_retry_all(struct e810 *e)
{
	for (unsigned v = 0; v < e->nvec; v++)
		vec_try(e, v);
}

/* A cause routed by a cause control register (PFINT_FW_CTL, PFINT_OICR_CTL ...). */
bool e810_cause_fire(struct e810 *e, uint32_t ctl_reg)
{
	uint32_t ctl = e810_reg_get(e, ctl_reg);

	if (!(ctl & E810_INT_CTL_CAUSE_ENA))
		return false;
	e810_vec_cause(e, ctl & E810_INT_CTL_MSIX_INDX_M,
		       (ctl & E810_INT_CTL_ITR_INDX_M) >> E810_INT_CTL_ITR_INDX_S);
	return true;
}

/* A queue's cause: its vector from QINT_RQCTL/QINT_TQCTL, through the vector logic. */
void e810_queue_cause(struct e810 *e, uint32_t ctl_reg)
{
	struct e810_qint c = e810_qint_decode(e810_reg_get(e, ctl_reg));

	if (c.ena && c.msix < e->nvec)
		e810_vec_cause(e, c.msix, c.itr);
}

void e810_dyn_ctl_write(struct e810 *e, unsigned v, uint32_t val)
{
	unsigned idx = (val & E810_GLINT_DYN_CTL_ITR_INDX_M) >> E810_GLINT_DYN_CTL_ITR_INDX_S;

	/* ITR_INDX 0..2: that ITR becomes INTERVAL (the same units as GLINT_ITR). */
	if (idx < E810_ITR_IDX_NONE) {
		e->cnt.itr_updates++;
		uint32_t itr = (val & E810_GLINT_DYN_CTL_INTERVAL_M) >> E810_GLINT_DYN_CTL_INTERVAL_S;

		e810_rstore_set(&e->rs, E810_GLINT_ITR(idx, v), itr);
		if (e->db_poll) /* the register lives on its page too: a read shows it */
			e810_db_store(e, E810_DB_ITR0 + idx, v, itr);
		e810_itr_sync(e, v);
	}
	/* INTENA_MSK: this write leaves INTENA alone. */
	if (!(val & E810_GLINT_DYN_CTL_INTENA_MSK))
		e->intena[v] = val & E810_GLINT_DYN_CTL_INTENA;
	/*
	 * CLEARPBA clears the PBA bit of a real part; causes held here are
	 * kept (a spurious interrupt costs the driver a look at its queues, a
	 * lost one a link event).
	 */
	if (val & E810_GLINT_DYN_CTL_SWINT_TRIG) {
		unsigned sw = E810_ITR_IDX_NONE;

		if (val & E810_GLINT_DYN_CTL_SW_ITR_INDX_ENA)
			sw = (val & E810_GLINT_DYN_CTL_SW_ITR_INDX_M) >>
			     E810_GLINT_DYN_CTL_SW_ITR_INDX_S;
		e->cnt.swints++;
		e->pend[v] |= (uint8_t)(1u << sw);
	}
	/*
	 * Stored without the self-clearing bits and with ITR_INDX 3 (the update
	 * is done, not kept): what a read returns, with INTENA, is a command
	 * that does nothing (the doorbell page's idle value relies on it).
	 */
	val &= ~(E810_GLINT_DYN_CTL_CLEARPBA | E810_GLINT_DYN_CTL_SWINT_TRIG |
		 E810_GLINT_DYN_CTL_INTENA_MSK | E810_GLINT_DYN_CTL_INTENA |
		 E810_GLINT_DYN_CTL_INTERVAL_M);
	val |= E810_ITR_IDX_NONE << E810_GLINT_DYN_CTL_ITR_INDX_S;
	e810_rstore_set(&e->rs, E810_GLINT_DYN_CTL(v), val);
	vec_try(e, v);
}

/* ==== moderation ===================================================================== */

/* GLINT_CTL's ITR granularity for the link's speed, in us (0: not set). */
static uint32_t itr_gran_us(const struct e810 *e)
{
	unsigned sh = e->link_mbps > 100000 ? E810_GLINT_CTL_ITR_GRAN_200_S :
		      e->link_mbps > 50000  ? E810_GLINT_CTL_ITR_GRAN_100_S :
		      e->link_mbps > 25000  ? E810_GLINT_CTL_ITR_GRAN_50_S :
					      E810_GLINT_CTL_ITR_GRAN_25_S;

	return (e810_reg_get(e, E810_GLINT_CTL) >> sh) & 0xfu;
}

/*
 * GLINT_ITR(0..2, v) and GLINT_RATE(v) as times, after a write of one of
 * them (or of GLINT_CTL, GL_PWR_MODE_CTL).
 */
void e810_itr_sync(struct e810 *e, unsigned v)
{
	bool g25 = ((e810_reg_get(e, E810_GL_PWR_MODE_CTL) & E810_GL_PWR_MODE_CTL_CAR_MAX_BW_M) >>
		    E810_GL_PWR_MODE_CTL_CAR_MAX_BW_S) == E810_GL_PWR_MODE_CTL_CAR_MAX_BW_25G;
	uint32_t itr_unit = g25 ? 4000u : 2000u, intrl_unit = g25 ? 8000u : 4000u, rate;
	uint32_t gran = itr_gran_us(e);

	if (v >= e->nvec)
		return;
	if (gran)
		itr_unit = gran * 1000u;
	for (unsigned i = 0; i < E810_ITR_IDX_NONE; i++)
		e->itr_ns[v][i] = (e810_reg_get(e, E810_GLINT_ITR(i, v)) &
				   E810_GLINT_ITR_INTERVAL_M) * itr_unit;
	rate = e810_reg_get(e, E810_GLINT_RATE(v));
	e->intrl_ns[v] = (rate & E810_GLINT_RATE_INTRL_ENA) ?
				 (rate & E810_GLINT_RATE_INTRL_M) * intrl_unit : 0;
	/* A shorter interval may end now, or sooner than the timer is set for. */
	vec_try(e, v);
}

static void itr_timer_cb(void *arg, uint32_t events)
{
	struct e810 *e = arg;
	uint64_t n;

	(void)events;
	if (read(e->itr_fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		LOG_RL(LOG_LVL_ERR, COMP, "%s: timerfd read: %s", e->name, strerror(errno));
	e->itr_armed = 0;
	for (unsigned v = 0; v < e->nvec; v++)
		if (e->pend[v] && vec_try(e, v) == VEC_FIRED)
			e->cnt.irq_itr_timer++;
}

int e810_itr_init(struct e810 *e)
{
	e->itr_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (e->itr_fd < 0)
		return -errno;
	e->itr_h = loop_add_fd(e->loop, e->itr_fd, EPOLLIN, itr_timer_cb, e);
	return e->itr_h ? 0 : -errno;
}

void e810_itr_fini(struct e810 *e)
{
	if (e->itr_h)
		loop_del_fd(e->loop, e->itr_h);
	e->itr_h = NULL;
	if (e->itr_fd >= 0)
		close(e->itr_fd);
	e->itr_fd = -1;
}

/* A PF reset: nothing held, no interval, the timer off. */
void e810_itr_reset(struct e810 *e)
{
	memset(e->pend, 0, sizeof(e->pend));
	memset(e->irq_last, 0, sizeof(e->irq_last));
	memset(e->itr_ns, 0, sizeof(e->itr_ns));
	memset(e->intrl_ns, 0, sizeof(e->intrl_ns));
	if (e->itr_armed)
		itr_timer_set(e, 0);
}
