/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * e1000 integration: identity, EEPROM (EERD and Microwire through EECD), PHY
 * over MDIC, link and LSC, the I/O BAR, interrupts, resets, statistics.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "e1kt.h"

static int setup(void **state)
{
	static struct e1kt_ctx c;

	if (e1kt_ctx_open(&c, false, true))
		return -1;
	*state = &c;
	return 0;
}

static void test_identity(void **state)
{
	struct e1kt_ctx *c = *state;
	struct vfu_region_info ri;
	unsigned cap, seen_pm = 0, seen_msi = 0;

	assert_int_equal(vfuc_cfg_read16(c->g.c, 0x00), 0x8086);
	assert_int_equal(vfuc_cfg_read16(c->g.c, 0x02), 0x100e);
	assert_int_equal(vfuc_cfg_read16(c->g.c, 0x2c), 0x8086);
	assert_int_equal(vfuc_cfg_read16(c->g.c, 0x2e), 0x001e);
	assert_int_equal(vfuc_cfg_read32(c->g.c, 0x08) >> 8, 0x020000);
	assert_int_equal(vfuc_cfg_read16(c->g.c, 0x3c) >> 8, 1); /* INTA# */
	assert_int_equal(vfuc_region_info(c->g.c, 0, &ri, NULL, 0, NULL), 0);
	assert_int_equal(ri.size, 128 * 1024);
	assert_int_equal(vfuc_region_info(c->g.c, 1, &ri, NULL, 0, NULL), 0);
	assert_int_equal(ri.size, 64);
	assert_int_equal(vfuc_cfg_read32(c->g.c, 0x10) & 0xf, 0); /* 32-bit memory */
	assert_int_equal(vfuc_cfg_read32(c->g.c, 0x14) & 0x1, 1); /* I/O */
	cap = vfuc_cfg_read16(c->g.c, 0x34) & 0xff;
	for (unsigned i = 0; cap && i < 16; i++) {
		uint16_t h = vfuc_cfg_read16(c->g.c, cap);

		seen_pm |= (h & 0xff) == 0x01;
		seen_msi |= (h & 0xff) == 0x05 || (h & 0xff) == 0x11;
		cap = h >> 8;
	}
	assert_true(seen_pm);
	assert_false(seen_msi);
}

static void test_eeprom_eerd(void **state)
{
	struct e1kt_ctx *c = *state;
	uint16_t sum = 0;

	assert_int_equal(e1kg_eerd(&c->g, 0), E1KT_MAC[0] | E1KT_MAC[1] << 8);
	assert_int_equal(e1kg_eerd(&c->g, 1), E1KT_MAC[2] | E1KT_MAC[3] << 8);
	assert_int_equal(e1kg_eerd(&c->g, 2), E1KT_MAC[4] | E1KT_MAC[5] << 8);
	for (unsigned i = 0; i < 64; i++)
		sum = (uint16_t)(sum + e1kg_eerd(&c->g, i));
	assert_int_equal(sum, 0xbaba);
}

/* The driver's Microwire routines, over the BAR. */
static void ee_w(struct e1kg *g, uint32_t v)
{
	e1kg_wr(g, E1K_EECD, v);
}

static void ee_out(struct e1kg *g, uint16_t data, unsigned count)
{
	uint32_t eecd = e1kg_rd(g, E1K_EECD) & ~E1K_EECD_DO;

	for (uint32_t m = 1u << (count - 1); m; m >>= 1) {
		eecd = (eecd & ~E1K_EECD_DI) | ((data & m) ? E1K_EECD_DI : 0);
		ee_w(g, eecd);
		ee_w(g, eecd | E1K_EECD_SK);
		ee_w(g, eecd);
	}
	ee_w(g, eecd & ~E1K_EECD_DI);
}

static uint16_t ee_in(struct e1kg *g)
{
	uint32_t eecd = e1kg_rd(g, E1K_EECD) & ~(E1K_EECD_DO | E1K_EECD_DI);
	uint16_t d = 0;

	for (unsigned i = 0; i < 16; i++) {
		ee_w(g, eecd | E1K_EECD_SK);
		eecd = e1kg_rd(g, E1K_EECD) & ~E1K_EECD_DI;
		d = (uint16_t)(d << 1 | !!(eecd & E1K_EECD_DO));
		eecd &= ~(E1K_EECD_SK | E1K_EECD_DO);
		ee_w(g, eecd);
	}
	return d;
}

static void test_eeprom_microwire(void **state)
{
	struct e1kt_ctx *c = *state;
	struct e1kg *g = &c->g;
	uint32_t eecd = e1kg_rd(g, E1K_EECD);
	uint16_t sum = 0;

	assert_true(eecd & E1K_EECD_PRES);
	assert_false(eecd & E1K_EECD_SIZE);
	ee_w(g, eecd | E1K_EECD_REQ);
	assert_true(e1kg_rd(g, E1K_EECD) & E1K_EECD_GNT);
	eecd = (e1kg_rd(g, E1K_EECD) | E1K_EECD_REQ) & ~(E1K_EECD_SK | E1K_EECD_DI);
	ee_w(g, eecd);
	ee_w(g, eecd | E1K_EECD_CS);
	for (unsigned w = 0; w < 64; w++) {
		uint16_t v;

		ee_out(g, 0x6, 3);
		ee_out(g, (uint16_t)w, 6);
		v = ee_in(g);
		if (w < 3)
			assert_int_equal(v, E1KT_MAC[2 * w] | E1KT_MAC[2 * w + 1] << 8);
		sum = (uint16_t)(sum + v);
		/* standby */
		eecd = e1kg_rd(g, E1K_EECD) & ~(E1K_EECD_CS | E1K_EECD_SK | E1K_EECD_DO);
		ee_w(g, eecd);
		ee_w(g, eecd | E1K_EECD_SK);
		ee_w(g, eecd | E1K_EECD_SK | E1K_EECD_CS);
		ee_w(g, eecd | E1K_EECD_CS);
	}
	assert_int_equal(sum, 0xbaba);
	ee_w(g, 0);
	assert_false(e1kg_rd(g, E1K_EECD) & E1K_EECD_GNT);
}

static void test_phy_and_link(void **state)
{
	struct e1kt_ctx *c = *state;
	struct e1kg *g = &c->g;
	uint32_t icr;

	e1kg_wr(g, E1K_CTRL, E1K_CTRL_RST);
	(void)e1kg_rd(g, E1K_ICR);
	assert_int_equal(e1kg_phy_rd(g, E1K_PHY_ID1), 0x0141);
	assert_int_equal(e1kg_phy_rd(g, E1K_PHY_ID2), 0x0c20);
	/* The PHY has link (peer up), the MAC does not until SLU. */
	assert_true(e1kg_phy_rd(g, E1K_PHY_STATUS) & E1K_MII_SR_LINK);
	assert_true(e1kg_phy_rd(g, E1K_PHY_STATUS) & E1K_MII_SR_AN_COMPLETE);
	assert_false(e1kg_rd(g, E1K_STATUS) & E1K_STATUS_LU);
	e1kg_wr(g, E1K_CTRL, e1kg_rd(g, E1K_CTRL) | E1K_CTRL_SLU);
	assert_true(e1kg_rd(g, E1K_STATUS) & E1K_STATUS_LU);
	assert_int_equal(e1kg_rd(g, E1K_STATUS) & 0xc1, 0x81); /* 1000 Mb/s, full duplex */
	icr = e1kg_rd(g, E1K_ICR);
	assert_true(icr & E1K_ICR_LSC);
	assert_int_equal(e1kg_rd(g, E1K_ICR), 0); /* read to clear */
	assert_int_equal(e1kg_phy_rd(g, E1K_PHY_SPEC_STATUS) & 0xec00, 0xac00);
	assert_int_equal(e1kg_phy_rd(g, E1K_PHY_1000T_STATUS) & 0x3000, 0x3000);
	assert_true(e1kg_phy_rd(g, E1K_PHY_LP_ABILITY) & 0x0400); /* PAUSE */

	/* The peer's link goes down and up: LU follows, LSC each time. */
	e1kt_peer_link(c->t, false);
	assert_false(e1kg_rd(g, E1K_STATUS) & E1K_STATUS_LU);
	assert_false(e1kg_phy_rd(g, E1K_PHY_STATUS) & E1K_MII_SR_LINK);
	assert_true(e1kg_rd(g, E1K_ICR) & E1K_ICR_LSC);
	e1kt_peer_link(c->t, true);
	assert_true(e1kg_rd(g, E1K_STATUS) & E1K_STATUS_LU);
	assert_true(e1kg_rd(g, E1K_ICR) & E1K_ICR_LSC);

	/* PHY power down (driver close) takes the link away. */
	e1kg_phy_wr(g, E1K_PHY_CTRL, e1kg_phy_rd(g, E1K_PHY_CTRL) | E1K_MII_CR_POWER_DOWN);
	assert_false(e1kg_rd(g, E1K_STATUS) & E1K_STATUS_LU);
	e1kg_phy_wr(g, E1K_PHY_CTRL, e1kg_phy_rd(g, E1K_PHY_CTRL) & ~E1K_MII_CR_POWER_DOWN);
	assert_true(e1kg_rd(g, E1K_STATUS) & E1K_STATUS_LU);
	/* Self-clearing reset and autoneg restart. */
	e1kg_phy_wr(g, E1K_PHY_CTRL, e1kg_phy_rd(g, E1K_PHY_CTRL) | E1K_MII_CR_RESET |
					     E1K_MII_CR_RESTART_AN);
	assert_false(e1kg_phy_rd(g, E1K_PHY_CTRL) & (E1K_MII_CR_RESET | E1K_MII_CR_RESTART_AN));
	/* Writable advertisement; read-only ID. */
	e1kg_phy_wr(g, E1K_PHY_AUTONEG_ADV, 0x0de1);
	assert_int_equal(e1kg_phy_rd(g, E1K_PHY_AUTONEG_ADV), 0x0de1);
	e1kg_phy_wr(g, E1K_PHY_ID1, 0x1234);
	assert_int_equal(e1kg_phy_rd(g, E1K_PHY_ID1), 0x0141);
	/* CTRL.PHY_RST holds the link down. */
	e1kg_wr(g, E1K_CTRL, e1kg_rd(g, E1K_CTRL) | E1K_CTRL_PHY_RST);
	assert_false(e1kg_rd(g, E1K_STATUS) & E1K_STATUS_LU);
	e1kg_wr(g, E1K_CTRL, e1kg_rd(g, E1K_CTRL) & ~E1K_CTRL_PHY_RST);
	assert_true(e1kg_rd(g, E1K_STATUS) & E1K_STATUS_LU);
	/* Another PHY address answers with an error. */
	e1kg_wr(g, E1K_MDIC, 2u << E1K_MDIC_PHY_SHIFT | E1K_MDIC_OP_READ);
	assert_true(e1kg_rd(g, E1K_MDIC) & E1K_MDIC_ERROR);
	assert_true(e1kg_rd(g, E1K_MDIC) & E1K_MDIC_READY);
}

static void test_io_bar(void **state)
{
	struct e1kt_ctx *c = *state;
	struct e1kg *g = &c->g;

	e1kg_wr(g, E1K_RDTR, 0x1234);
	assert_int_equal(e1kg_io_rd(g, E1K_RDTR), 0x1234);
	e1kg_io_wr(g, E1K_RDTR, 0x55);
	assert_int_equal(e1kg_rd(g, E1K_RDTR), 0x55);
	assert_int_equal(e1kg_io_rd(g, E1K_STATUS), e1kg_rd(g, E1K_STATUS));
	assert_int_equal(vfuc_bar_read32(g->c, 1, 0), E1K_STATUS);
	/* The reserved rest of the I/O BAR reads zero. */
	assert_int_equal(vfuc_bar_read32(g->c, 1, 8), 0);
	/* Reset through the I/O BAR, as the driver does it. */
	e1kg_io_wr(g, E1K_CTRL, e1kg_rd(g, E1K_CTRL) | E1K_CTRL_RST);
	assert_int_equal(e1kg_rd(g, E1K_RDTR), 0);
	assert_false(e1kg_rd(g, E1K_CTRL) & E1K_CTRL_RST);
}

static void check_defaults(struct e1kg *g)
{
	assert_int_equal(e1kg_rd(g, E1K_RCTL), 0);
	assert_int_equal(e1kg_rd(g, E1K_TCTL), 0);
	assert_int_equal(e1kg_rd(g, E1K_IMS), 0);
	assert_int_equal(e1kg_rd(g, E1K_ICR), 0);
	assert_int_equal(e1kg_rd(g, E1K_RDTR), 0);
	assert_int_equal(e1kg_rd(g, E1K_MTA + 8), 0);
	assert_int_equal(e1kg_rd(g, E1K_VET), 0x8100);
	assert_int_equal(e1kg_rd(g, E1K_PBA), 0x00100030);
	assert_int_equal(e1kg_rd(g, E1K_RAL(0)), (uint32_t)E1KT_MAC[0] | E1KT_MAC[1] << 8 |
							 E1KT_MAC[2] << 16 |
							 (uint32_t)E1KT_MAC[3] << 24);
	assert_int_equal(e1kg_rd(g, E1K_RAH(0)), (uint32_t)E1KT_MAC[4] | E1KT_MAC[5] << 8 |
							 E1K_RAH_AV);
	assert_false(e1kg_rd(g, E1K_CTRL) & E1K_CTRL_SLU);
	assert_false(e1kg_rd(g, E1K_STATUS) & E1K_STATUS_LU);
}

static void dirty(struct e1kg *g)
{
	e1kg_wr(g, E1K_RCTL, E1K_RCTL_EN | E1K_RCTL_BAM);
	e1kg_wr(g, E1K_TCTL, E1K_TCTL_EN);
	e1kg_wr(g, E1K_IMS, E1K_ICR_TXDW);
	e1kg_wr(g, E1K_ICS, E1K_ICR_TXQE);
	e1kg_wr(g, E1K_RDTR, 7);
	e1kg_wr(g, E1K_MTA + 8, 0xffff);
	e1kg_wr(g, E1K_VET, 0);
	e1kg_wr(g, E1K_RAL(0), 0);
	e1kg_wr(g, E1K_CTRL, E1K_CTRL_SLU);
}

static void test_ctrl_rst(void **state)
{
	struct e1kt_ctx *c = *state;

	dirty(&c->g);
	e1kg_wr(&c->g, E1K_CTRL, E1K_CTRL_SLU | E1K_CTRL_RST);
	check_defaults(&c->g);
}

static void test_device_reset(void **state)
{
	struct e1kt_ctx *c = *state;

	dirty(&c->g);
	assert_int_equal(vfuc_reset(c->g.c), 0);
	check_defaults(&c->g);
	/* Config space is reset too: enable the device again. */
	vfuc_cfg_write16(c->g.c, 0x04, 0x0007);
	assert_true(e1kt_counter(c->t, "resets") >= 1);
}

static void test_interrupts(void **state)
{
	struct e1kt_ctx *c = *state;
	struct e1kg *g = &c->g;

	e1kg_wr(g, E1K_CTRL, E1K_CTRL_RST);
	(void)e1kg_rd(g, E1K_ICR);
	(void)e1kg_irq_wait(g, 0); /* drain anything old */
	e1kg_irq_eoi(g);
	/* A masked cause sets ICR but raises nothing. */
	e1kg_wr(g, E1K_ICS, E1K_ICR_TXDW);
	assert_int_equal(e1kg_irq_wait(g, 50), 0);
	assert_int_equal(e1kg_rd(g, E1K_ICS), E1K_ICR_TXDW); /* ICS reads ICR, no clear */
	/* Unmasking it raises the line. */
	e1kg_wr(g, E1K_IMS, E1K_ICR_TXDW | E1K_ICR_RXT0);
	assert_int_equal(e1kg_rd(g, E1K_IMS), E1K_ICR_TXDW | E1K_ICR_RXT0);
	assert_int_equal(e1kg_irq_wait(g, E1KT_TMO), 1);
	assert_int_equal(e1kg_rd(g, E1K_ICR), E1K_ICR_TXDW);
	e1kg_irq_eoi(g);
	/* Cleared: no new interrupt after unmask. */
	assert_int_equal(e1kg_irq_wait(g, 50), 0);
	/* Write-1-to-clear ICR, IMC masks. */
	e1kg_wr(g, E1K_IMC, E1K_ICR_TXDW);
	e1kg_wr(g, E1K_ICS, E1K_ICR_TXDW | E1K_ICR_TXQE);
	e1kg_wr(g, E1K_ICR, E1K_ICR_TXDW);
	assert_int_equal(e1kg_rd(g, E1K_ICS), E1K_ICR_TXQE);
	assert_int_equal(e1kg_irq_wait(g, 50), 0);
	e1kg_wr(g, E1K_ICS, E1K_ICR_RXT0);
	assert_int_equal(e1kg_irq_wait(g, E1KT_TMO), 1);
	assert_int_equal(e1kg_rd(g, E1K_ICR), E1K_ICR_RXT0 | E1K_ICR_TXQE);
	e1kg_irq_eoi(g);
	/* MDIC with its interrupt bit raises MDAC. */
	e1kg_wr(g, E1K_IMS, E1K_ICR_MDAC);
	e1kg_wr(g, E1K_MDIC, E1K_PHY_ADDR << E1K_MDIC_PHY_SHIFT | E1K_MDIC_OP_READ |
			     E1K_MDIC_INT_EN);
	assert_int_equal(e1kg_irq_wait(g, E1KT_TMO), 1);
	assert_true(e1kg_rd(g, E1K_ICR) & E1K_ICR_MDAC);
}

static void test_stats_and_unknown(void **state)
{
	struct e1kt_ctx *c = *state;
	struct e1kg *g = &c->g;
	uint8_t f[100];
	uint32_t len = e1kt_eth(f, E1KT_PEER, E1KT_MAC, 0x0800, 86, 1);

	e1kg_reset(g);
	e1kg_tx_setup(g, 8);
	e1kg_tx_legacy(g, e1kg_txbuf(g, f, len), (uint16_t)len, 0x0b, 0, 0, 0); /* EOP|IFCS|RS */
	e1kg_tx_kick(g);
	assert_int_equal(e1kt_wait_frames(c->t, 1, E1KT_TMO), 1);
	assert_int_equal(e1kg_rd(g, E1K_GPTC), 1);
	assert_int_equal(e1kg_rd(g, E1K_GPTC), 0); /* clear on read */
	assert_int_equal(e1kg_rd(g, E1K_TPT), 1);
	assert_int_equal(e1kg_rd(g, E1K_PTC127), 1);
	/* 64-bit octet counter: low, then high (which clears both). */
	assert_int_equal(e1kg_rd(g, E1K_GOTCL), 104);
	assert_int_equal(e1kg_rd(g, E1K_GOTCH), 0);
	assert_int_equal(e1kg_rd(g, E1K_GOTCL), 0);
	/* Statistics are read-only. */
	e1kg_wr(g, E1K_GPRC, 55);
	assert_int_equal(e1kg_rd(g, E1K_GPRC), 0);
	/* Unknown registers read 0 and ignore writes; counted. */
	long long before = e1kt_counter(c->t, "unknown_regs");
	e1kg_wr(g, 0x7000, 0xffffffff);
	assert_int_equal(e1kg_rd(g, 0x7000), 0);
	assert_int_equal(e1kt_counter(c->t, "unknown_regs"), before + 2);
	/* Storage registers keep what is written. */
	e1kg_wr(g, E1K_FCAL, 0x00c28001);
	assert_int_equal(e1kg_rd(g, E1K_FCAL), 0x00c28001);
	e1kg_wr(g, E1K_WUC, 0);
	e1kg_wr(g, E1K_MANC, 0x1);
	assert_int_equal(e1kg_rd(g, E1K_MANC), 0x1);
	/* Sub-dword reads and 8-byte accesses. */
	uint16_t w;
	assert_int_equal(vfuc_region_read(g->c, 0, E1K_FCAL + 2, &w, 2), 0);
	assert_int_equal(w, 0x00c2);
	uint64_t q = 0x1111222233334444ull;
	assert_int_equal(vfuc_region_write(g->c, 0, E1K_FCAL, &q, 8, false), 0);
	assert_int_equal(e1kg_rd(g, E1K_FCAH), 0x11112222);
	/* An access that straddles two registers is refused. */
	uint32_t x = 0;
	assert_true(vfuc_region_read(g->c, 0, E1K_FCAL + 2, &x, 4) < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_identity, setup, e1kt_ctx_teardown),
		cmocka_unit_test_setup_teardown(test_eeprom_eerd, setup, e1kt_ctx_teardown),
		cmocka_unit_test_setup_teardown(test_eeprom_microwire, setup, e1kt_ctx_teardown),
		cmocka_unit_test_setup_teardown(test_phy_and_link, setup, e1kt_ctx_teardown),
		cmocka_unit_test_setup_teardown(test_io_bar, setup, e1kt_ctx_teardown),
		cmocka_unit_test_setup_teardown(test_ctrl_rst, setup, e1kt_ctx_teardown),
		cmocka_unit_test_setup_teardown(test_device_reset, setup, e1kt_ctx_teardown),
		cmocka_unit_test_setup_teardown(test_interrupts, setup, e1kt_ctx_teardown),
		cmocka_unit_test_setup_teardown(test_stats_and_unknown, setup, e1kt_ctx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
