// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The E810's statistics registers (dev/e810/stats.h): frames classified as
 * the hardware counts them (size with the FCS, multicast, broadcast), each
 * GLPRT_* / GLV_* register showing its counter (40 bits, L and H halves) for
 * the PF's port and VSI and 0 for all others, and the shared block holding
 * the same values where the driver's 8-byte loads find them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "dev/e810/stats.h"

#define GLPRT_GORCL(p) (0x00380000u + 8u * (p))
#define GLPRT_UPRCL(p) (0x00381300u + 8u * (p))
#define GLPRT_MPRCL(p) (0x00381340u + 8u * (p))
#define GLPRT_BPRCL(p) (0x00381380u + 8u * (p))
#define GLPRT_GOTCL(p) (0x00380b40u + 8u * (p))
#define GLPRT_UPTCL(p) (0x003811c0u + 8u * (p))
#define GLPRT_PRC64L(p) (0x00380900u + 8u * (p))
#define GLPRT_PRC1522L(p) (0x00380a40u + 8u * (p))
#define GLPRT_PRC9522L(p) (0x00380a80u + 8u * (p))
#define GLPRT_PTC127L(p) (0x00380bc0u + 8u * (p))
#define GLPRT_CRCERRS(p) (0x00380100u + 8u * (p))
#define GLV_GORCL(v) (0x003b0000u + 8u * (v))
#define GLV_UPRCL(v) (0x003b2000u + 8u * (v))
#define GLV_BPTCL(v) (0x0030e000u + 8u * (v))
#define GLV_GOTCL(v) (0x00300000u + 8u * (v))
#define GLV_TEPC(v) (0x00312000u + 4u * (v))
#define GLV_RDPC(v) (0x00294c04u + 4u * (v))
#define PRTRPB_RDPC 0x000ac260u

static const uint8_t uc[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static const uint8_t mc[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };
static const uint8_t bc[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static void test_classify(void **state)
{
	struct e810_frame_class c;

	(void)state;
	memset(&c, 0, sizeof(c));
	e810_frame_classify(&c, uc, 60);   /* 64 with the FCS */
	e810_frame_classify(&c, uc, 61);   /* 65 */
	e810_frame_classify(&c, mc, 123);  /* 127 */
	e810_frame_classify(&c, mc, 124);  /* 128 */
	e810_frame_classify(&c, bc, 507);  /* 511 */
	e810_frame_classify(&c, uc, 1019); /* 1023 */
	e810_frame_classify(&c, uc, 1514); /* 1518 */
	e810_frame_classify(&c, uc, 1518); /* 1522: still the 1024-1522 class */
	e810_frame_classify(&c, uc, 1519); /* 1523 */
	e810_frame_classify(&c, uc, 9000);
	assert_int_equal(c.size[0], 1);
	assert_int_equal(c.size[1], 2);
	assert_int_equal(c.size[2], 1);
	assert_int_equal(c.size[3], 1);
	assert_int_equal(c.size[4], 1);
	assert_int_equal(c.size[5], 2);
	assert_int_equal(c.size[6], 2);
	assert_int_equal(c.mcast, 2);
	assert_int_equal(c.bcast, 1);
}

static struct e810_stats_snap snap(void)
{
	struct e810_stats_snap s;
	struct e810_rxq_stats rx;
	struct e810_txq_stats tx;

	memset(&s, 0, sizeof(s));
	s.port = 0;
	s.vsi = 3;
	memset(&rx, 0, sizeof(rx));
	memset(&tx, 0, sizeof(tx));
	rx.pkts = 1000;
	rx.bytes = 0x12345678901ull; /* 41 bits: the register shows the low 40 */
	rx.cls.mcast = 10;
	rx.cls.bcast = 5;
	rx.cls.size[0] = 7;
	rx.cls.size[5] = 900;
	rx.cls.size[6] = 93;
	rx.drop_nodesc = 4;
	tx.pkts = 500;
	tx.bytes = 64000;
	tx.cls.bcast = 2;
	tx.cls.size[1] = 500;
	tx.drop_dma = 1;
	tx.drop_tso = 2;
	/* two queues' worth */
	e810_stats_add_rx(&s, &rx);
	e810_stats_add_rx(&s, &rx);
	e810_stats_add_tx(&s, &tx);
	return s;
}

static uint32_t rd(const struct e810_stats_snap *s, uint32_t off)
{
	uint32_t v = 0xdeadbeef;

	assert_true(e810_stats_reg(off));
	assert_true(e810_stats_read(s, off, &v));
	return v;
}

static uint64_t rd40(const struct e810_stats_snap *s, uint32_t off)
{
	return rd(s, off) | (uint64_t)rd(s, off + 4) << 32;
}

static void test_registers(void **state)
{
	struct e810_stats_snap s = snap();
	uint32_t v;

	(void)state;
	assert_int_equal(rd40(&s, GLPRT_GORCL(0)), (2 * 0x12345678901ull) & 0xffffffffffull);
	assert_int_equal(rd40(&s, GLPRT_UPRCL(0)), 2000 - 20 - 10);
	assert_int_equal(rd40(&s, GLPRT_MPRCL(0)), 20);
	assert_int_equal(rd40(&s, GLPRT_BPRCL(0)), 10);
	assert_int_equal(rd40(&s, GLPRT_PRC64L(0)), 14);
	assert_int_equal(rd40(&s, GLPRT_PRC1522L(0)), 1800);
	assert_int_equal(rd40(&s, GLPRT_PRC9522L(0)), 186);
	assert_int_equal(rd40(&s, GLPRT_GOTCL(0)), 64000);
	assert_int_equal(rd40(&s, GLPRT_UPTCL(0)), 498);
	assert_int_equal(rd40(&s, GLPRT_PTC127L(0)), 500);
	/* other ports, error counters: 0 */
	assert_int_equal(rd40(&s, GLPRT_GORCL(1)), 0);
	assert_int_equal(rd40(&s, GLPRT_UPRCL(7)), 0);
	assert_int_equal(rd(&s, GLPRT_CRCERRS(0)), 0);
	/* the VSI's, and no other VSI's */
	assert_int_equal(rd40(&s, GLV_GORCL(3)), (2 * 0x12345678901ull) & 0xffffffffffull);
	assert_int_equal(rd40(&s, GLV_UPRCL(3)), 1970);
	assert_int_equal(rd40(&s, GLV_GOTCL(3)), 64000);
	assert_int_equal(rd40(&s, GLV_BPTCL(3)), 2);
	assert_int_equal(rd40(&s, GLV_GORCL(2)), 0);
	assert_int_equal(rd40(&s, GLV_GOTCL(767)), 0);
	assert_int_equal(rd(&s, GLV_TEPC(3)), 3);
	assert_int_equal(rd(&s, GLV_TEPC(4)), 0);
	assert_int_equal(rd(&s, GLV_RDPC(3)), 8);
	assert_int_equal(rd(&s, GLV_RDPC(0)), 0);
	assert_int_equal(rd(&s, PRTRPB_RDPC), 8);
	/* no VSI yet: every VSI counter 0, the port's still counted */
	s.vsi = -1;
	assert_int_equal(rd40(&s, GLV_GORCL(3)), 0);
	assert_int_equal(rd(&s, GLV_TEPC(3)), 0);
	assert_int_equal(rd40(&s, GLPRT_GOTCL(0)), 64000);
	/* not statistics */
	assert_false(e810_stats_reg(0x002fffffu & ~3u));
	assert_false(e810_stats_reg(0x003b8000u));
	assert_false(e810_stats_reg(0x00290000u));
	assert_false(e810_stats_read(&s, 0x00080300u, &v));
	assert_false(e810_stats_read(&s, GLPRT_GORCL(0) + 1, &v));
}

static uint64_t at64(const uint8_t *area, uint32_t off)
{
	uint64_t v;

	memcpy(&v, area + (off - E810_STATS_BASE), 8);
	return v;
}

static uint32_t at32(const uint8_t *area, uint32_t off)
{
	uint32_t v;

	memcpy(&v, area + (off - E810_STATS_BASE), 4);
	return v;
}

static void test_fill(void **state)
{
	struct e810_stats_snap s = snap();
	uint8_t *area = calloc(1, E810_STATS_SIZE);
	uint8_t *zero = calloc(1, E810_STATS_SIZE);
	uint32_t v;

	(void)state;
	assert_non_null(area);
	assert_non_null(zero);
	e810_stats_fill(&s, -1, area);
	/* every register of the block reads in the block what a trapped read returns */
	for (uint32_t off = E810_STATS_BASE; off < E810_STATS_END; off += 4) {
		assert_true(e810_stats_read(&s, off, &v));
		if (at32(area, off) != v)
			fail_msg("register %#x: %#x in the block, %#x trapped", off, at32(area, off), v);
	}
	assert_int_equal(at64(area, GLPRT_GORCL(0)), (2 * 0x12345678901ull) & 0xffffffffffull);
	assert_int_equal(at64(area, GLV_UPRCL(3)), 1970);
	assert_int_equal(at32(area, GLV_TEPC(3)), 3);
	/* the VSI changes: the old one's counters go back to 0 */
	s.vsi = 5;
	e810_stats_fill(&s, 3, area);
	assert_int_equal(at64(area, GLV_UPRCL(3)), 0);
	assert_int_equal(at32(area, GLV_TEPC(3)), 0);
	assert_int_equal(at64(area, GLV_UPRCL(5)), 1970);
	/* no port, no VSI: nothing stored */
	s.vsi = -1;
	s.port = 8;
	memset(area, 0, E810_STATS_SIZE);
	e810_stats_fill(&s, -1, area);
	assert_memory_equal(area, zero, E810_STATS_SIZE);
	free(area);
	free(zero);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_registers),
		cmocka_unit_test(test_fill),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
