/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The e1000's register file: EEPROM (EERD and Microwire through EECD), the
 * PHY behind MDIC, link state, interrupts (ICR/IMS/ICS/IMC, ITR throttling,
 * the packet timers), statistics registers, resets, and the MMIO and I/O BAR
 * accesses that reach them.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "core/loop.h"
#include "dev/e1000/e1000_dev.h"

/* ==== EEPROM =============================================================== */

void e1k_eeprom_build(uint16_t ee[E1K_EEPROM_WORDS], const uint8_t mac[6])
{
	for (unsigned i = 0; i < E1K_EEPROM_WORDS; i++)
		ee[i] = 0xffff; /* unprogrammed */
	/* Words 0-2: the Ethernet address, low byte first. */
	ee[0] = (uint16_t)(mac[0] | mac[1] << 8);
	ee[1] = (uint16_t)(mac[2] | mac[3] << 8);
	ee[2] = (uint16_t)(mac[4] | mac[5] << 8);
	ee[0x03] = 0x0000; /* compatibility: nothing special */
	ee[0x05] = 0x0000; /* image version */
	ee[0x08] = 0x0000; /* PBA number */
	ee[0x09] = 0x0000;
	/* Initialization control 1: valid signature (bits 15:14 = 01b), load IDs. */
	ee[0x0a] = 0x4003;
	ee[0x0b] = E1K_PCI_SUBSYS;
	ee[0x0c] = E1K_PCI_SUBSYS_VENDOR;
	ee[0x0d] = E1K_PCI_DEVICE;
	ee[0x0e] = E1K_PCI_VENDOR;
	/* Initialization control 2: advertise symmetric and asymmetric PAUSE. */
	ee[0x0f] = 0x3000;
	/* Initialization control 3 (port A): no APM wake-up. */
	ee[0x24] = 0x0000;
	ee[E1K_EEPROM_CSUM_WORD] = 0;
	ee[E1K_EEPROM_CSUM_WORD] = (uint16_t)(E1K_EEPROM_SUM - e1k_eeprom_sum(ee));
}

uint16_t e1k_eeprom_sum(const uint16_t ee[E1K_EEPROM_WORDS])
{
	uint16_t s = 0;

	for (unsigned i = 0; i < E1K_EEPROM_WORDS; i++)
		s = (uint16_t)(s + ee[i]);
	return s;
}

void e1k_mw_reset(struct e1k_mw *m)
{
	memset(m, 0, sizeof(*m));
}

/* Drops any command in progress (CS went low or rose again); keeps the pins. */
static void mw_idle(struct e1k_mw *m)
{
	uint32_t pins = m->pins;

	e1k_mw_reset(m);
	m->pins = pins;
}

/* One rising SK edge with CS high; di is the data-in pin. */
static void mw_clock(struct e1k_mw *m, const uint16_t *ee, bool di)
{
	unsigned op;

	if (m->ignore)
		return;
	if (m->reading) {
		m->dout = (ee[m->addr] >> (15 - m->bit)) & 1;
		if (++m->bit == 16) {
			/* Sequential read: the next word follows without a new command. */
			m->bit = 0;
			m->addr = (uint8_t)((m->addr + 1) % E1K_EEPROM_WORDS);
		}
		return;
	}
	if (!m->started) {
		/* Leading zeros before the start bit are ignored. */
		m->started = di;
		return;
	}
	m->shift = (uint16_t)(m->shift << 1 | di);
	if (++m->nbits < 2 + 6)
		return;
	op = (m->shift >> 6) & 3;
	if (op == 2) { /* READ */
		m->reading = true;
		m->addr = m->shift & 0x3f;
		m->bit = 0;
		m->dout = false; /* the dummy zero before the data */
	} else {
		/* WRITE, ERASE, EWEN/EWDS...: the EEPROM is read-only here. */
		m->ignore = true;
	}
}

void e1k_mw_write(struct e1k_mw *m, const uint16_t ee[E1K_EEPROM_WORDS], uint32_t eecd)
{
	uint32_t old = m->pins;
	uint32_t pins = eecd & E1K_EECD_WRITABLE;

	m->pins = pins;
	if (!(pins & E1K_EECD_CS)) {
		mw_idle(m);
		return;
	}
	if (!(old & E1K_EECD_CS))
		mw_idle(m); /* chip select: a new command starts */
	if ((pins & E1K_EECD_SK) && !(old & E1K_EECD_SK))
		mw_clock(m, ee, pins & E1K_EECD_DI);
}

uint32_t e1k_mw_read(const struct e1k_mw *m)
{
	uint32_t v = m->pins | E1K_EECD_PRES;

	/* The EEPROM is never busy: a request is granted at once. */
	if (m->pins & E1K_EECD_REQ)
		v |= E1K_EECD_GNT;
	if (m->dout)
		v |= E1K_EECD_DO;
	return v;
}

/* ---- statistics registers ------------------------------------------------ */

static bool stat_is64(uint32_t off)
{
	return off == E1K_GORCL || off == E1K_GOTCL || off == E1K_TORL || off == E1K_TOTL;
}

/* Clear on read; a 64-bit pair clears when its high half is read. */
static uint32_t stat_read(struct e1000 *e, uint32_t off)
{
	unsigned i = (off - E1K_STATS_BASE) / 4;
	uint32_t v;

	if (stat_is64(off))
		return (uint32_t)e->stats[i];
	if (i > 0 && stat_is64(off - 4)) {
		v = (uint32_t)(e->stats[i - 1] >> 32);
		e->stats[i - 1] = 0;
		return v;
	}
	v = e->stats[i] > UINT32_MAX ? UINT32_MAX : (uint32_t)e->stats[i];
	e->stats[i] = 0;
	return v;
}

/* ---- timer and interrupts ------------------------------------------------- */

static void timer_set(struct e1000 *e, uint64_t at)
{
	struct itimerspec its = { 0 };

	its.it_value.tv_sec = (time_t)(at / 1000000000u);
	its.it_value.tv_nsec = (long)(at % 1000000000u);
	if (at == 0)
		its.it_value.tv_nsec = 0; /* disarm */
	e->timer_at = at;
	if (e->tfd >= 0 && timerfd_settime(e->tfd, TFD_TIMER_ABSTIME, &its, NULL) < 0)
		LOG_RL(LOG_LVL_ERR, COMP, "%s: timerfd_settime: %s", e->name, strerror(errno));
}

/* Makes sure the timer fires at `at` or earlier. */
void e1k_timer_arm(struct e1000 *e, uint64_t at)
{
	if (at == 0)
		at = 1;
	if (e->timer_at && e->timer_at <= at)
		return;
	timer_set(e, at);
}

/*
 * Asserts INTx while an unmasked cause is pending, but not sooner than ITR
 * allows after the previous assertion (interrupt throttling: ITR counts 256 ns
 * units between interrupts); lowers it when nothing is pending.
 */
static void irq_update(struct e1000 *e)
{
	uint32_t pending = R(e, E1K_ICR) & R(e, E1K_IMS);
	uint64_t now;

	if (!pending) {
		if (e->irq_line) {
			e->irq_line = false;
			pci_intx_set(e->pci, false);
		}
		return;
	}
	if (e->irq_line)
		return;
	now = loop_now_ns();
	if (now < e->irq_holdoff) {
		e1k_timer_arm(e, e->irq_holdoff);
		return;
	}
	e->irq_line = true;
	e->cnt.irqs++;
	e->irq_holdoff = now + (uint64_t)(R(e, E1K_ITR) & 0xffff) * 256;
	pci_intx_set(e->pci, true);
}

void e1k_set_cause(struct e1000 *e, uint32_t causes)
{
	R(e, E1K_ICR) |= causes & E1K_ICR_VALID;
	irq_update(e);
}

/*
 * Causes held back by the packet timers (RDTR for receive, TIDV for transmit
 * descriptors with IDE), each capped by its absolute timer (RADV, TADV). The
 * first held-back cause starts the delay; later ones join it.
 */
void e1k_set_cause_delayed(struct e1000 *e, uint32_t causes, uint32_t delay, uint32_t abs)
{
	uint64_t ns;

	delay &= 0xffff;
	abs &= 0xffff;
	if (abs && abs < delay)
		delay = abs;
	if (!delay) {
		e1k_set_cause(e, causes);
		return;
	}
	ns = (uint64_t)delay * 1024;
	e->delayed |= causes;
	if (!e->delayed_at)
		e->delayed_at = loop_now_ns() + ns;
	e1k_timer_arm(e, e->delayed_at);
}

void e1k_timer_cb(void *arg, uint32_t events)
{
	struct e1000 *e = arg;
	uint64_t n;

	(void)events;
	if (read(e->tfd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		LOG_RL(LOG_LVL_ERR, COMP, "%s: timerfd read: %s", e->name, strerror(errno));
	e->timer_at = 0;
	if (e->tx_resume) {
		e->tx_resume = false;
		e1k_tx_run(e);
	}
	if (e->delayed_at) {
		if (loop_now_ns() >= e->delayed_at) {
			R(e, E1K_ICR) |= e->delayed;
			e->delayed = 0;
			e->delayed_at = 0;
		} else {
			e1k_timer_arm(e, e->delayed_at);
		}
	}
	irq_update(e);
}

/* ---- PHY and link ----------------------------------------------------------- */

static bool phy_powered(const struct e1000 *e)
{
	return !(e->phy[E1K_PHY_CTRL] & E1K_MII_CR_POWER_DOWN) &&
	       !(R(e, E1K_CTRL) & E1K_CTRL_PHY_RST);
}

static bool phy_link(const struct e1000 *e)
{
	return e->peer_up && phy_powered(e);
}

/* The PHY's read-only registers follow the link; autonegotiation completes at once. */
static void phy_refresh(struct e1000 *e)
{
	bool l = phy_link(e);
	bool an = e->phy[E1K_PHY_CTRL] & E1K_MII_CR_AN_ENABLE;
	uint16_t *p = e->phy;

	/* 10/100 half/full, extended status, preamble suppression, AN able */
	p[E1K_PHY_STATUS] = 0x7949;
	if (l)
		p[E1K_PHY_STATUS] |= E1K_MII_SR_LINK | (an ? E1K_MII_SR_AN_COMPLETE : 0);
	/* partner: ack, PAUSE, 100/10 full/half, 802.3 */
	p[E1K_PHY_LP_ABILITY] = l && an ? 0x45e1 : 0;
	p[E1K_PHY_AUTONEG_EXP] = l && an ? 0x0001 : 0;
	/* local and remote receiver OK, partner 1000BASE-T full/half */
	p[E1K_PHY_1000T_STATUS] = l ? 0x3c00 : 0;
	p[E1K_PHY_SPEC_STATUS] = l ? (E1K_PSSR_SPEED_1000 | E1K_PSSR_FULL_DUPLEX |
				      E1K_PSSR_RESOLVED | E1K_PSSR_LINK) : 0;
}

static void phy_defaults(struct e1000 *e)
{
	memset(e->phy, 0, sizeof(e->phy));
	e->phy[E1K_PHY_CTRL] = E1K_MII_CR_AN_ENABLE | E1K_MII_CR_FULL_DUPLEX |
			       E1K_MII_CR_SPEED_1000;
	e->phy[E1K_PHY_ID1] = E1K_PHY_ID1_VAL;
	e->phy[E1K_PHY_ID2] = E1K_PHY_ID2_VAL;
	e->phy[E1K_PHY_AUTONEG_ADV] = 0x0de1; /* 10/100 full/half, PAUSE, ASM_DIR */
	e->phy[E1K_PHY_NEXT_PAGE_TX] = 0x2001;
	e->phy[E1K_PHY_1000T_CTRL] = 0x0300;  /* 1000BASE-T full/half */
	e->phy[E1K_PHY_EXT_STATUS] = 0x3000;  /* 1000BASE-T full/half capable */
	e->phy[E1K_PHY_SPEC_CTRL] = 0x0068;
	e->phy[E1K_PHY_EXT_SPEC_CTRL] = 0x0c60;
	phy_refresh(e);
}

/*
 * Recomputes STATUS.LU (PHY link and CTRL.SLU) and the port's own link (our
 * end of the cable is up while the PHY is powered and the MAC set link up; it
 * does not depend on the peer, or two devices wired together would wait for
 * each other). A change of LU raises LSC unless `quiet`.
 */
void e1k_link_update(struct e1000 *e, bool quiet)
{
	bool slu = R(e, E1K_CTRL) & E1K_CTRL_SLU;
	bool lu = phy_link(e) && slu;
	bool ours = phy_powered(e) && slu;

	phy_refresh(e);
	if (lu != e->link_up) {
		e->link_up = lu;
		LOG_DEBUG(COMP, "%s: link %s", e->name, lu ? "up" : "down");
		if (!quiet)
			e1k_set_cause(e, E1K_ICR_LSC);
		if (lu)
			e1k_rx_kick(e);
	}
	if (ours != e->port.link_up)
		net_port_set_link(&e->port, ours);
}

static uint16_t phy_read(struct e1000 *e, unsigned reg)
{
	return e->phy[reg & (E1K_PHY_NREGS - 1)];
}

static void phy_write(struct e1000 *e, unsigned reg, uint16_t v)
{
	switch (reg) {
	case E1K_PHY_CTRL:
		/* Reset and restart-autonegotiation complete at once (self-clearing). */
		e->phy[reg] = v & (uint16_t)~(E1K_MII_CR_RESET | E1K_MII_CR_RESTART_AN);
		e1k_link_update(e, false);
		break;
	case E1K_PHY_STATUS:
	case E1K_PHY_ID1:
	case E1K_PHY_ID2:
	case E1K_PHY_LP_ABILITY:
	case E1K_PHY_AUTONEG_EXP:
	case E1K_PHY_LP_NEXT_PAGE:
	case E1K_PHY_1000T_STATUS:
	case E1K_PHY_EXT_STATUS:
	case E1K_PHY_SPEC_STATUS:
	case E1K_PHY_INT_STATUS:
	case E1K_PHY_RX_ERR_CNTR:
		break; /* read-only */
	default:
		e->phy[reg & (E1K_PHY_NREGS - 1)] = v;
		break;
	}
}

static void mdic_write(struct e1000 *e, uint32_t v)
{
	unsigned phy = (v >> E1K_MDIC_PHY_SHIFT) & 0x1f;
	unsigned reg = (v >> E1K_MDIC_REG_SHIFT) & 0x1f;
	uint32_t op = v & (E1K_MDIC_OP_READ | E1K_MDIC_OP_WRITE);
	uint32_t res = v & ~(E1K_MDIC_READY | E1K_MDIC_ERROR);

	if (phy != E1K_PHY_ADDR || (op != E1K_MDIC_OP_READ && op != E1K_MDIC_OP_WRITE))
		res |= E1K_MDIC_ERROR;
	else if (op == E1K_MDIC_OP_READ)
		res = (res & ~E1K_MDIC_DATA_MASK) | phy_read(e, reg);
	else
		phy_write(e, reg, (uint16_t)(v & E1K_MDIC_DATA_MASK));
	/* The PHY answers at once. */
	R(e, E1K_MDIC) = res | E1K_MDIC_READY;
	if (v & E1K_MDIC_INT_EN)
		e1k_set_cause(e, E1K_ICR_MDAC);
}

static uint32_t status_read(const struct e1000 *e)
{
	uint32_t v = E1K_STATUS_FD | E1K_STATUS_SPEED_1000 | E1K_STATUS_ASDV_1000;

	if (e->link_up)
		v |= E1K_STATUS_LU;
	return v;
}

static void eerd_write(struct e1000 *e, uint32_t v)
{
	unsigned addr = (v >> E1K_EERD_ADDR_SHIFT) & 0xff;

	if (!(v & E1K_EERD_START)) {
		R(e, E1K_EERD) = v & ~E1K_EERD_DONE;
		return;
	}
	/* A 64-word part decodes 6 address bits, as on the Microwire path. */
	R(e, E1K_EERD) = (v & 0xff00u) | E1K_EERD_DONE |
			 (uint32_t)e->eeprom[addr % E1K_EEPROM_WORDS] << E1K_EERD_DATA_SHIFT;
}

/* ==== registers ================================================================== */

struct reg_name {
	uint32_t off;
	const char *name;
};

static const struct reg_name reg_names[] = {
	{ E1K_CTRL, "CTRL" }, { E1K_STATUS, "STATUS" }, { E1K_EECD, "EECD" },
	{ E1K_EERD, "EERD" }, { E1K_CTRL_EXT, "CTRL_EXT" }, { E1K_FLA, "FLA" },
	{ E1K_MDIC, "MDIC" }, { E1K_FCAL, "FCAL" }, { E1K_FCAH, "FCAH" }, { E1K_FCT, "FCT" },
	{ E1K_VET, "VET" }, { E1K_ICR, "ICR" }, { E1K_ITR, "ITR" }, { E1K_ICS, "ICS" },
	{ E1K_IMS, "IMS" }, { E1K_IMC, "IMC" }, { E1K_RCTL, "RCTL" }, { E1K_FCTTV, "FCTTV" },
	{ E1K_TXCW, "TXCW" }, { E1K_RXCW, "RXCW" }, { E1K_TCTL, "TCTL" }, { E1K_TIPG, "TIPG" },
	{ E1K_AIT, "AIT" }, { E1K_LEDCTL, "LEDCTL" }, { E1K_PBA, "PBA" }, { E1K_FCRTL, "FCRTL" },
	{ E1K_FCRTH, "FCRTH" }, { E1K_RDBAL, "RDBAL" }, { E1K_RDBAH, "RDBAH" },
	{ E1K_RDLEN, "RDLEN" }, { E1K_RDH, "RDH" }, { E1K_RDT, "RDT" }, { E1K_RDTR, "RDTR" },
	{ E1K_RXDCTL, "RXDCTL" }, { E1K_RADV, "RADV" }, { E1K_RSRPD, "RSRPD" },
	{ E1K_TXDMAC, "TXDMAC" }, { E1K_TDBAL, "TDBAL" }, { E1K_TDBAH, "TDBAH" },
	{ E1K_TDLEN, "TDLEN" }, { E1K_TDH, "TDH" }, { E1K_TDT, "TDT" }, { E1K_TIDV, "TIDV" },
	{ E1K_TXDCTL, "TXDCTL" }, { E1K_TADV, "TADV" }, { E1K_TSPMT, "TSPMT" },
	{ E1K_RXCSUM, "RXCSUM" }, { E1K_WUC, "WUC" }, { E1K_WUFC, "WUFC" }, { E1K_WUS, "WUS" },
	{ E1K_MANC, "MANC" }, { E1K_IPAV, "IPAV" }, { E1K_WUPL, "WUPL" },
};

/* Name of a register for the log, NULL if the model does not know it. */
static const char *reg_name(uint32_t off)
{
	for (size_t i = 0; i < sizeof(reg_names) / sizeof(reg_names[0]); i++)
		if (reg_names[i].off == off)
			return reg_names[i].name;
	if (off >= E1K_STATS_BASE && off < E1K_STATS_END)
		return "STAT";
	if (off >= E1K_MTA && off < E1K_MTA + 4 * E1K_MTA_WORDS)
		return "MTA";
	if (off >= E1K_RAL(0) && off < E1K_RA_END)
		return (off & 4) ? "RAH" : "RAL";
	if (off >= E1K_VFTA && off < E1K_VFTA + 4 * E1K_VFTA_WORDS)
		return "VFTA";
	if (off >= E1K_IP4AT && off < E1K_IP4AT + 0x20)
		return "IP4AT";
	if (off >= E1K_IP6AT && off < E1K_IP6AT + 0x10)
		return "IP6AT";
	if (off >= E1K_WUPM && off < E1K_WUPM + 0x80)
		return "WUPM";
	if (off >= E1K_FFLT && off < E1K_FFLT + 0x20)
		return "FFLT";
	if (off >= E1K_FFMT && off < E1K_FFMT + 0x400)
		return "FFMT";
	if (off >= E1K_FFVT && off < E1K_FFVT + 0x400)
		return "FFVT";
	return NULL;
}

static void regs_defaults(struct e1000 *e)
{
	memset(e->regs, 0, E1K_NREGS * sizeof(uint32_t));
	memset(e->stats, 0, sizeof(e->stats));
	R(e, E1K_CTRL) = E1K_CTRL_FD | E1K_CTRL_ASDE | E1K_CTRL_SPD_1000;
	R(e, E1K_PBA) = 0x00100030;     /* 48 KiB receive, 16 KiB transmit */
	R(e, E1K_LEDCTL) = 0x00000602;
	R(e, E1K_VET) = 0x8100;
	R(e, E1K_RXCSUM) = E1K_RXCSUM_IPOFL | E1K_RXCSUM_TUOFL;
	R(e, E1K_TXDCTL) = E1K_TXDCTL_RESET;
	/* Loaded from the EEPROM at reset: the station address in RAR 0. */
	R(e, E1K_RAL(0)) = (uint32_t)e->mac[0] | (uint32_t)e->mac[1] << 8 |
			   (uint32_t)e->mac[2] << 16 | (uint32_t)e->mac[3] << 24;
	R(e, E1K_RAH(0)) = (uint32_t)e->mac[4] | (uint32_t)e->mac[5] << 8 | E1K_RAH_AV;
}

/*
 * MAC reset (CTRL.RST, and part of every device reset): frames in flight,
 * pending interrupts and timers are dropped, registers and statistics return
 * to their defaults. The PHY keeps its state, as on the real part.
 */
static void mac_reset(struct e1000 *e)
{
	e1k_tx_abort(e);
	e->delayed = 0;
	e->delayed_at = 0;
	e->irq_holdoff = 0;
	timer_set(e, 0);
	regs_defaults(e);
	if (e->db) {
		e1k_db_clear(e->db);
		e1k_db_hook_update(e);
	}
	e1k_mw_reset(&e->mw);
	e->ioaddr = 0;
	if (e->irq_line) {
		e->irq_line = false;
		pci_intx_set(e->pci, false);
	}
	e1k_link_update(e, true);
	/* A peer we told to wait would wait forever: the device drops now. */
	if (e->rx_starved) {
		e->rx_starved = false;
		net_port_wake_peer(&e->port);
	}
}

void e1k_power_on_reset(struct e1000 *e)
{
	phy_defaults(e);
	mac_reset(e);
}

static void ctrl_write(struct e1000 *e, uint32_t v)
{
	uint32_t old = R(e, E1K_CTRL);

	if (v & E1K_CTRL_RST) {
		LOG_DEBUG(COMP, "%s: CTRL.RST", e->name);
		e->cnt.resets++;
		mac_reset(e);
		return;
	}
	R(e, E1K_CTRL) = v;
	/* Leaving PHY reset: the PHY comes back with its defaults. */
	if ((old & E1K_CTRL_PHY_RST) && !(v & E1K_CTRL_PHY_RST))
		phy_defaults(e);
	e1k_link_update(e, false);
}

/*
 * With a doorbell page, enabling a ring takes its registers from the page; the
 * device runs on that snapshot (and the tails it polls) until the next enable.
 */
static void ring_enable(struct e1000 *e, uint32_t ctl_off, uint32_t en, uint32_t v, bool tx)
{
	bool rise = !(R(e, ctl_off) & en) && (v & en);

	R(e, ctl_off) = v;
	if (!e->db)
		return;
	if (rise)
		e1k_db_latch(e->regs, e->db, tx);
	e1k_db_hook_update(e);
}

static void rctl_write(struct e1000 *e, uint32_t v)
{
	ring_enable(e, E1K_RCTL, E1K_RCTL_EN, v, false);
	e1k_rx_kick(e);
}

static uint32_t reg_read(struct e1000 *e, uint32_t off)
{
	uint32_t v;

	switch (off) {
	case E1K_ICR:
		/* Read to clear; the line drops with it. */
		v = R(e, E1K_ICR);
		R(e, E1K_ICR) = 0;
		irq_update(e);
		return v;
	case E1K_ICS:
		return R(e, E1K_ICR);
	case E1K_IMC:
		return 0;
	case E1K_STATUS:
		return status_read(e);
	case E1K_EECD:
		return e1k_mw_read(&e->mw);
	default:
		break;
	}
	if (off >= E1K_STATS_BASE && off < E1K_STATS_END)
		return stat_read(e, off);
	if (!reg_name(off)) {
		e->cnt.unknown_regs++;
		LOG_RL(LOG_LVL_DEBUG, COMP, "%s: read of unknown register %#x", e->name, off);
		return 0;
	}
	return R(e, off);
}

static void reg_write(struct e1000 *e, uint32_t off, uint32_t v)
{
	switch (off) {
	case E1K_CTRL:
		ctrl_write(e, v);
		return;
	case E1K_STATUS:
		return; /* read-only */
	case E1K_EECD:
		e1k_mw_write(&e->mw, e->eeprom, v);
		return;
	case E1K_EERD:
		eerd_write(e, v);
		return;
	case E1K_MDIC:
		mdic_write(e, v);
		return;
	case E1K_ICR:
		R(e, E1K_ICR) &= ~v; /* write 1 to clear */
		irq_update(e);
		return;
	case E1K_ICS:
		e1k_set_cause(e, v);
		return;
	case E1K_IMS:
		R(e, E1K_IMS) |= v & E1K_ICR_VALID;
		irq_update(e);
		return;
	case E1K_IMC:
		R(e, E1K_IMS) &= ~v;
		irq_update(e);
		return;
	case E1K_ITR:
	case E1K_VET:
	case E1K_RDTR:
	case E1K_RADV:
	case E1K_TIDV:
	case E1K_TADV:
		R(e, off) = v & 0xffff;
		return;
	case E1K_RCTL:
		rctl_write(e, v);
		return;
	case E1K_TCTL:
		ring_enable(e, E1K_TCTL, E1K_TCTL_EN, v, true);
		e1k_tx_process(e);
		return;
	case E1K_TDH:
	case E1K_RDH:
		R(e, off) = v & 0xffff;
		return;
	case E1K_TDT:
		R(e, off) = v & 0xffff;
		e1k_tx_process(e);
		return;
	case E1K_RDT:
		R(e, off) = v & 0xffff;
		e1k_rx_kick(e);
		return;
	case E1K_TDLEN:
	case E1K_RDLEN:
		R(e, off) = v & 0xfffff;
		return;
	default:
		break;
	}
	if (off >= E1K_STATS_BASE && off < E1K_STATS_END)
		return; /* counters are read-only */
	if (off >= E1K_RAL(0) && off < E1K_RA_END && (off & 4)) {
		R(e, off) = v & (E1K_RAH_AV | E1K_RAH_AS_MASK | 0xffff);
		return;
	}
	if (!reg_name(off)) {
		e->cnt.unknown_regs++;
		LOG_RL(LOG_LVL_DEBUG, COMP, "%s: write of %#x to unknown register %#x ignored",
		       e->name, v, off);
		return;
	}
	R(e, off) = v;
}

static void log_access(struct e1000 *e, const char *bar, uint32_t off, uint32_t v, bool wr)
{
	const char *n = reg_name(off);

	if (log_enabled(LOG_LVL_TRACE))
		LOG_TRACE(COMP, "%s: %s %s %s [%#07x] %#010x", e->name, bar, wr ? "write" : "read",
			  n ? n : "?", off, v);
	else
		LOG_RL(LOG_LVL_DEBUG, COMP, "%s: %s %s %s [%#07x] %#010x", e->name, bar,
		       wr ? "write" : "read", n ? n : "?", off, v);
}

static uint32_t dword_read(struct e1000 *e, uint32_t off, const char *bar)
{
	/* The doorbell page, reached through the I/O BAR: the page is the register. */
	uint32_t v = e->db && e1k_db_covers(off) ? e1k_db_read(e->db, off) : reg_read(e, off);

	if (log_enabled(LOG_LVL_DEBUG))
		log_access(e, bar, off, v, false);
	return v;
}

static void dword_write(struct e1000 *e, uint32_t off, uint32_t v, const char *bar)
{
	if (log_enabled(LOG_LVL_DEBUG))
		log_access(e, bar, off, v, true);
	if (off == E1K_TDT || off == E1K_RDT)
		e->cnt.tail_traps++;
	if (e->db && e1k_db_covers(off))
		e1k_db_write(e->db, off, v); /* the poll picks it up */
	else
		reg_write(e, off, v);
}

/* Registers whose other bytes must not be written back on a partial write. */
static bool reg_no_merge(uint32_t off)
{
	return off == E1K_ICR || off == E1K_ICS || off == E1K_IMS || off == E1K_IMC ||
	       off == E1K_CTRL || off == E1K_MDIC || off == E1K_EERD || off == E1K_EECD;
}

static ssize_t mmio_access(struct e1000 *e, uint64_t off, uint8_t *buf, size_t count, bool wr)
{
	uint32_t base = (uint32_t)off & ~3u, sh = ((uint32_t)off & 3) * 8, v;

	if (count == 8 && !(off & 7)) {
		/* Two dwords, low first. */
		if (mmio_access(e, off, buf, 4, wr) < 0 || mmio_access(e, off + 4, buf + 4, 4, wr) < 0)
			return -EINVAL;
		return 8;
	}
	if (count != 1 && count != 2 && count != 4)
		return -EINVAL;
	if ((off & 3) + count > 4)
		return -EINVAL; /* crosses a register */
	if (!wr) {
		v = dword_read(e, base, "mmio") >> sh;
		memcpy(buf, &v, count); /* little-endian host: low bytes first */
		return (ssize_t)count;
	}
	if (count == 4) {
		memcpy(&v, buf, 4);
	} else {
		uint32_t part = 0, mask = (count == 1 ? 0xffu : 0xffffu) << sh;

		memcpy(&part, buf, count);
		v = reg_no_merge(base) ? 0 : R(e, base);
		v = (v & ~mask) | (part << sh);
	}
	dword_write(e, base, v, "mmio");
	return (ssize_t)count;
}

/* I/O BAR: IOADDR (0) selects a register, IODATA (4) reads or writes it. */
static ssize_t io_access(struct e1000 *e, uint64_t off, uint8_t *buf, size_t count, bool wr)
{
	uint32_t v = 0;

	if (count != 4 || (off & 3)) {
		if (!wr)
			memset(buf, 0, count);
		return (ssize_t)count;
	}
	if (wr)
		memcpy(&v, buf, 4);
	if (off == 0) {
		if (wr)
			e->ioaddr = v & (E1K_MMIO_SIZE - 4);
		else
			v = e->ioaddr;
	} else if (off == 4) {
		if (wr)
			dword_write(e, e->ioaddr, v, "io");
		else
			v = dword_read(e, e->ioaddr, "io");
	}
	if (!wr)
		memcpy(buf, &v, 4);
	return 4;
}

ssize_t e1k_bar_access(void *opaque, unsigned bar, uint64_t off, void *buf, size_t count,
			  bool is_write)
{
	struct e1000 *e = opaque;

	if (bar == 0 && off < E1K_MMIO_SIZE && count <= E1K_MMIO_SIZE - off)
		return mmio_access(e, off, buf, count, is_write);
	if (bar == 1 && off < E1K_IO_SIZE && count <= E1K_IO_SIZE - off)
		return io_access(e, off, buf, count, is_write);
	return -EINVAL;
}
