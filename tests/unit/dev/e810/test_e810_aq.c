// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The E810 admin queue engine's mechanics and its refusals: registers, the
 * ATQ walk and its bounds (budget, one ring per walk, head after write-back),
 * every hostile ring, descriptor, length and address case, unknown opcodes,
 * and ARQ events with and without room, link status events and their gating.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dev/e810/aq_defs.h"
#include "dev/e810/e810_regs.h"
#include "e810_drv.h"

static uint8_t prm[16];

static void clr(void)
{
	memset(prm, 0, sizeof(prm));
}

static const struct e810_aq_stats *st(struct drv *d)
{
	return e810_aq_stats(d->aq);
}

static void put_get_ver(struct drv *d, unsigned i)
{
	uint8_t *e = drv_atq_desc(d, i);

	memset(e, 0, 32);
	p16(e + AQD_FLAGS, AQ_FLAG_SI);
	p16(e + AQD_OPCODE, AQC_GET_VER);
}

/* ---- configuration and registers -------------------------------------------- */

static void test_config_checked(void **state)
{
	static const struct e810_aq_dma_ops none;
	struct e810_aq_config c;
	struct drv d;

	(void)state;
	drv_init(&d, NULL);
	e810_aq_config_default(&c);
	c.num_queues = 0;
	errno = 0;
	assert_null(e810_aq_create(&c, &none, NULL));
	assert_int_equal(errno, EINVAL);
	e810_aq_config_default(&c);
	c.num_msix = 1;
	assert_null(e810_aq_create(&c, &none, NULL));
	e810_aq_config_default(&c);
	c.link_speed_mbps = 1000;
	assert_null(e810_aq_create(&c, &none, NULL));
	e810_aq_config_default(&c);
	c.flash_size = 17u << 20;
	assert_null(e810_aq_create(&c, &none, NULL));
	e810_aq_config_default(&c);
	c.mac[0] = 0x01;
	assert_null(e810_aq_create(&c, &none, NULL));
	e810_aq_config_default(&c);
	c.api_major = 2;
	assert_null(e810_aq_create(&c, &none, NULL));
	e810_aq_config_default(&c);
	assert_null(e810_aq_create(&c, &none, NULL)); /* no read/write ops */
	drv_fini(&d);
}

static void test_registers(void **state)
{
	struct drv d;
	unsigned owned = 0;

	(void)state;
	drv_init(&d, NULL);
	for (uint32_t off = 0x7ff00; off < 0x80600; off += 4)
		owned += e810_aq_reg_is_aq(off);
	assert_int_equal(owned, 10);
	assert_true(e810_aq_reg_is_aq(E810_PF_FW_ATQBAL));
	assert_true(e810_aq_reg_is_aq(E810_PF_FW_ARQT));
	assert_false(e810_aq_reg_is_aq(E810_PF_MBX_ATQBAL));
	assert_false(e810_aq_reg_is_aq(E810_PF_FW_ATQBAL + 4));
	/* Not ours: ignored, reads 0. */
	drv_wr(&d, E810_PF_FW_ATQBAL + 4, 0x1234);
	assert_int_equal(drv_rd(&d, E810_PF_FW_ATQBAL + 4), 0);
	/* BAL/BAH read back as written (the driver checks BAL). */
	drv_wr(&d, E810_PF_FW_ARQBAL, 0xdeadbee0);
	assert_int_equal(drv_rd(&d, E810_PF_FW_ARQBAL), 0xdeadbee0);
	/* LEN keeps its defined bits only; H/T are 10 bits. */
	drv_wr(&d, E810_PF_FW_ATQLEN, 0xffffffff);
	assert_int_equal(drv_rd(&d, E810_PF_FW_ATQLEN), E810_AQLEN_VALID_M);
	drv_wr(&d, E810_PF_FW_ATQLEN, 0);
	drv_wr(&d, E810_PF_FW_ATQH, 0xffff);
	assert_int_equal(drv_rd(&d, E810_PF_FW_ATQH), 0x3ff);
	/* A tail write with the ring off does nothing but count. */
	drv_wr(&d, E810_PF_FW_ATQT, 5);
	assert_int_equal(st(&d)->atq_ring_off, 1);
	assert_int_equal(st(&d)->atq_cmds, 0);
	assert_int_equal(d.g.reads + d.g.writes, 0);
	drv_fini(&d);
}

/* ---- the walk ------------------------------------------------------------------ */

static void test_walk_order_and_wrap(void **state)
{
	struct drv d;
	unsigned n = 8;

	(void)state;
	drv_init(&d, NULL);
	drv_queues_up(&d, n);
	/* Head near the end: the walk wraps around the ring. */
	drv_wr(&d, E810_PF_FW_ATQLEN, 0);
	drv_wr(&d, E810_PF_FW_ATQH, 6);
	drv_wr(&d, E810_PF_FW_ATQT, 6);
	drv_wr(&d, E810_PF_FW_ATQLEN, n | E810_AQLEN_ENABLE);
	for (unsigned i = 0; i < n; i++)
		put_get_ver(&d, i);
	drv_wr(&d, E810_PF_FW_ATQT, 3); /* 6, 7, 0, 1, 2 */
	assert_int_equal(drv_rd(&d, E810_PF_FW_ATQH), 3);
	assert_int_equal(st(&d)->atq_cmds, 5);
	for (unsigned i = 0; i < n; i++) {
		bool done = g16(drv_atq_desc(&d, i) + AQD_FLAGS) & AQ_FLAG_DD;

		assert_int_equal(done, i < 3 || i >= 6);
		if (done)
			assert_int_equal(drv_atq_desc(&d, i)[AQD_PARAMS + GV_FW_BRANCH + 5], 1);
	}
	/* The same tail again: nothing new. */
	drv_wr(&d, E810_PF_FW_ATQT, 3);
	assert_int_equal(st(&d)->atq_cmds, 5);
	drv_fini(&d);
}

/* A full ring posted at once: at most one ring's worth, in budget-sized steps. */
static void test_walk_bounded(void **state)
{
	struct e810_aq_config c;
	struct drv d;
	unsigned n = E810_AQ_RING_MAX, steps = 0;

	(void)state;
	e810_aq_config_default(&c);
	c.atq_budget = 64;
	drv_init(&d, &c);
	/* 1023 descriptors do not fit the helper's ring area: use the scratch. */
	{
		uint64_t base = gpa_of(DRV_ATQ_BUFS); /* 0x1e0000 bytes free up to the ARQ buffers */

		for (unsigned i = 0; i < n; i++) {
			uint8_t *e = gpa_ptr(&d, base + 32ull * i, 32);

			memset(e, 0, 32);
			p16(e + AQD_OPCODE, AQC_GET_VER);
		}
		drv_wr(&d, E810_PF_FW_ATQH, 0);
		drv_wr(&d, E810_PF_FW_ATQT, 0);
		drv_wr(&d, E810_PF_FW_ATQLEN, n | E810_AQLEN_ENABLE);
		drv_wr(&d, E810_PF_FW_ATQBAL, (uint32_t)base);
		drv_wr(&d, E810_PF_FW_ATQBAH, (uint32_t)(base >> 32));
	}
	/* Head 1, tail 0: everything but one descriptor, the longest walk there is. */
	drv_wr(&d, E810_PF_FW_ATQLEN, 0);
	drv_wr(&d, E810_PF_FW_ATQH, 1);
	drv_wr(&d, E810_PF_FW_ATQLEN, n | E810_AQLEN_ENABLE);
	drv_wr(&d, E810_PF_FW_ATQT, 0);
	assert_int_equal(st(&d)->atq_cmds, 64);
	assert_true(e810_aq_pending(d.aq));
	while (e810_aq_pending(d.aq)) {
		unsigned k = e810_aq_service(d.aq);

		assert_true(k >= 1 && k <= 64);
		assert_true(++steps < 100);
	}
	assert_int_equal(st(&d)->atq_cmds, n - 1);
	assert_int_equal(drv_rd(&d, E810_PF_FW_ATQH), 0);
	assert_int_equal(e810_aq_service(d.aq), 0);
	/* Writing the same tail again and again does no more work. */
	for (unsigned i = 0; i < 1000; i++)
		drv_wr(&d, E810_PF_FW_ATQT, 0);
	assert_int_equal(st(&d)->atq_cmds, n - 1);
	drv_fini(&d);
}

/* The head moves only once the descriptor is written back. */
static void test_head_after_writeback(void **state)
{
	struct drv d;
	uint8_t b[LSD_SIZE];

	(void)state;
	drv_init(&d, NULL);
	drv_queues_up(&d, 16);
	for (unsigned i = 0; i < 20; i++) {
		unsigned slot = d.atq_ntu, wbs = d.atq_wbs;

		clr();
		assert_int_equal(drv_cmd(&d, AQC_GET_LINK_STATUS, prm, b, sizeof(b), false, NULL), 0);
		assert_int_equal(d.atq_wbs, wbs + 1);
		assert_int_equal(d.head_at_wb, slot);
	}
	/* With the buffer outside memory the descriptor still comes back (with
	 * ERR) and the head still moves. */
	{
		uint8_t e[32] = { 0 };

		p16(e + AQD_FLAGS, AQ_FLAG_BUF);
		p16(e + AQD_OPCODE, AQC_GET_LINK_STATUS);
		p16(e + AQD_DATALEN, 32);
		p32(e + AQD_PARAMS + AQP_ADDR_LO, 0x1000); /* below guest RAM */
		drv_post_raw(&d, e);
		assert_int_equal(drv_rd(&d, E810_PF_FW_ATQH), d.atq_ntu);
		assert_int_equal(g16(drv_atq_desc(&d, d.atq_ntu - 1) + AQD_RETVAL), AQ_RC_EINVAL);
		assert_true(g16(drv_atq_desc(&d, d.atq_ntu - 1) + AQD_FLAGS) & AQ_FLAG_ERR);
	}
	drv_fini(&d);
}

/* ---- hostile rings ------------------------------------------------------------ */

static void test_ring_length(void **state)
{
	struct drv d;

	(void)state;
	uint64_t off0;

	drv_init(&d, NULL);
	drv_queues_up(&d, 16);
	off0 = st(&d)->atq_ring_off; /* the setup's own tail write, before the enable */
	put_get_ver(&d, 0);
	/* Length 0 with ENABLE. */
	drv_wr(&d, E810_PF_FW_ATQLEN, E810_AQLEN_ENABLE);
	drv_wr(&d, E810_PF_FW_ATQT, 1);
	assert_int_equal(st(&d)->atq_bad_ring, 1);
	/* 1024 does not fit the 10-bit field: it reads back, and acts, as 0. */
	drv_wr(&d, E810_PF_FW_ATQLEN, 1024 | E810_AQLEN_ENABLE);
	assert_int_equal(drv_rd(&d, E810_PF_FW_ATQLEN), E810_AQLEN_ENABLE);
	drv_wr(&d, E810_PF_FW_ATQT, 1);
	assert_int_equal(st(&d)->atq_bad_ring, 2);
	/* Enable cleared. */
	drv_wr(&d, E810_PF_FW_ATQLEN, 16);
	drv_wr(&d, E810_PF_FW_ATQT, 1);
	assert_int_equal(st(&d)->atq_ring_off, off0 + 1);
	assert_int_equal(st(&d)->atq_cmds, 0);
	assert_int_equal(drv_rd(&d, E810_PF_FW_ATQH), 0);
	/* Back to a good ring: the pending descriptor runs. */
	drv_wr(&d, E810_PF_FW_ATQLEN, 16 | E810_AQLEN_ENABLE);
	drv_wr(&d, E810_PF_FW_ATQT, 1);
	assert_int_equal(st(&d)->atq_cmds, 1);
	drv_fini(&d);
}

static void test_ring_base(void **state)
{
	struct drv d;
	uint64_t base = gpa_of(DRV_ATQ_RING), off0;

	(void)state;
	drv_init(&d, NULL);
	drv_queues_up(&d, 16);
	off0 = st(&d)->atq_ring_off;
	put_get_ver(&d, 0);
	/* Misaligned. */
	drv_wr(&d, E810_PF_FW_ATQBAL, (uint32_t)base + 8);
	drv_wr(&d, E810_PF_FW_ATQT, 1);
	assert_int_equal(st(&d)->atq_bad_ring, 1);
	/* The end of the ring past 2^64. */
	drv_wr(&d, E810_PF_FW_ATQBAH, 0xffffffff);
	drv_wr(&d, E810_PF_FW_ATQBAL, 0xffffffc0);
	drv_wr(&d, E810_PF_FW_ATQT, 1);
	assert_int_equal(st(&d)->atq_bad_ring, 2);
	/* Outside guest memory: the descriptor cannot be read; the queue stops. */
	drv_wr(&d, E810_PF_FW_ATQBAH, 0);
	drv_wr(&d, E810_PF_FW_ATQBAL, 0x1000);
	drv_wr(&d, E810_PF_FW_ATQT, 1);
	assert_int_equal(st(&d)->atq_desc_dma, 1);
	assert_true(drv_rd(&d, E810_PF_FW_ATQLEN) & E810_AQLEN_CRIT);
	assert_int_equal(drv_rd(&d, E810_PF_FW_ATQH), 0);
	/* Stopped until the driver clears CRIT (and points at real memory). */
	drv_wr(&d, E810_PF_FW_ATQT, 1);
	assert_int_equal(st(&d)->atq_ring_off, off0 + 1);
	drv_wr(&d, E810_PF_FW_ATQBAL, (uint32_t)base);
	drv_wr(&d, E810_PF_FW_ATQLEN, 16 | E810_AQLEN_ENABLE);
	drv_wr(&d, E810_PF_FW_ATQT, 1);
	assert_int_equal(st(&d)->atq_cmds, 1);
	/* The descriptor readable but its write-back refused: stopped again. */
	put_get_ver(&d, 1);
	d.g.fail_lo = base;
	d.g.fail_hi = base + 32 * 16;
	d.g.fail_writes_only = true;
	drv_wr(&d, E810_PF_FW_ATQT, 2);
	assert_int_equal(st(&d)->atq_desc_dma, 2);
	assert_int_equal(drv_rd(&d, E810_PF_FW_ATQH), 1);
	drv_fini(&d);
}

static void test_head_tail_out_of_range(void **state)
{
	struct drv d;

	(void)state;
	drv_init(&d, NULL);
	drv_queues_up(&d, 16);
	put_get_ver(&d, 0);
	drv_wr(&d, E810_PF_FW_ATQT, 100);
	assert_int_equal(st(&d)->atq_tail_oor, 1);
	drv_wr(&d, E810_PF_FW_ATQH, 500);
	drv_wr(&d, E810_PF_FW_ATQT, 1);
	assert_int_equal(st(&d)->atq_head_oor, 1);
	assert_int_equal(drv_rd(&d, E810_PF_FW_ATQH), 500);
	assert_int_equal(st(&d)->atq_cmds, 0);
	drv_wr(&d, E810_PF_FW_ATQH, 0);
	drv_wr(&d, E810_PF_FW_ATQT, 1);
	assert_int_equal(st(&d)->atq_cmds, 1);
	drv_fini(&d);
}

/* ---- hostile descriptors -------------------------------------------------------- */

/* A raw descriptor: returns its retval once the walk is done. */
static uint16_t raw(struct drv *d, uint16_t flags, uint16_t opc, uint16_t dlen, uint64_t addr,
		    const uint8_t *params)
{
	uint8_t e[32] = { 0 };
	uint8_t *r;

	if (params)
		memcpy(e + AQD_PARAMS, params, 8);
	p16(e + AQD_FLAGS, flags);
	p16(e + AQD_OPCODE, opc);
	p16(e + AQD_DATALEN, dlen);
	p32(e + AQD_PARAMS + AQP_ADDR_HI, (uint32_t)(addr >> 32));
	p32(e + AQD_PARAMS + AQP_ADDR_LO, (uint32_t)addr);
	drv_post_raw(d, e);
	assert_int_equal(drv_rd(d, E810_PF_FW_ATQH), d->atq_ntu);
	r = drv_atq_desc(d, (d->atq_ntu + d->n - 1) % d->n);
	assert_true(g16(r + AQD_FLAGS) & AQ_FLAG_DD);
	assert_int_equal(!!(g16(r + AQD_FLAGS) & AQ_FLAG_ERR), g16(r + AQD_RETVAL) != 0);
	return g16(r + AQD_RETVAL);
}

static void test_bad_buffers(void **state)
{
	struct drv d;
	uint64_t buf = gpa_of(DRV_SCRATCH);
	uint64_t s;

	(void)state;
	drv_init(&d, NULL);
	drv_queues_up(&d, 64);
	/* Input from outside guest memory. */
	s = st(&d)->atq_bad_buf;
	assert_int_equal(raw(&d, AQ_FLAG_BUF | AQ_FLAG_RD, AQC_ADD_VSI, 128, 0x2000, NULL), AQ_RC_EINVAL);
	assert_int_equal(st(&d)->atq_bad_buf, s + 1);
	assert_int_equal(st(&d)->atq_cmds, 1);
	assert_int_equal(e810_aq_state(d.aq)->nvsi, 0);
	/* Output to outside guest memory: refused, nothing half done in guest RAM. */
	assert_int_equal(raw(&d, AQ_FLAG_BUF, AQC_GET_LINK_STATUS, 32, GMEM_BASE + GMEM_SIZE - 16, NULL),
			 AQ_RC_EINVAL);
	assert_int_equal(st(&d)->atq_bad_buf, s + 2);
	/* An address whose end passes 2^64. */
	assert_int_equal(raw(&d, AQ_FLAG_BUF, AQC_GET_LINK_STATUS, 32, UINT64_MAX - 8, NULL), AQ_RC_EINVAL);
	assert_int_equal(st(&d)->atq_bad_buf, s + 3);
	/* The guest RAM half of a straddling buffer. */
	assert_int_equal(raw(&d, AQ_FLAG_BUF, AQC_GET_LINK_STATUS, 32, GMEM_BASE - 16, NULL), AQ_RC_EINVAL);
	/* Lengths: 0, above 4096, above and below what the command takes. */
	s = st(&d)->atq_bad_len;
	assert_int_equal(raw(&d, AQ_FLAG_BUF, AQC_GET_LINK_STATUS, 0, buf, NULL), AQ_RC_EINVAL);
	assert_int_equal(raw(&d, AQ_FLAG_BUF | AQ_FLAG_LB, AQC_GET_LINK_STATUS, 4097, buf, NULL),
			 AQ_RC_EINVAL);
	assert_int_equal(raw(&d, AQ_FLAG_BUF | AQ_FLAG_LB, AQC_GET_LINK_STATUS, 0xffff, buf, NULL),
			 AQ_RC_EINVAL);
	assert_int_equal(raw(&d, AQ_FLAG_BUF | AQ_FLAG_RD, AQC_ADD_VSI, 256, buf, NULL), AQ_RC_EINVAL);
	assert_int_equal(raw(&d, AQ_FLAG_BUF | AQ_FLAG_RD, AQC_ADD_VSI, 64, buf, NULL), AQ_RC_EINVAL);
	assert_int_equal(raw(&d, AQ_FLAG_BUF | AQ_FLAG_RD, AQC_SET_PHY_CFG, 32, buf, NULL), AQ_RC_EINVAL);
	assert_int_equal(raw(&d, AQ_FLAG_BUF | AQ_FLAG_RD, AQC_DRIVER_VER, 64, buf, NULL), AQ_RC_EINVAL);
	assert_int_equal(raw(&d, AQ_FLAG_BUF, AQC_GET_LINK_STATUS, 16, buf, NULL), AQ_RC_EINVAL);
	assert_int_equal(raw(&d, AQ_FLAG_BUF, AQC_GET_PHY_CAPS, 40, buf, NULL), AQ_RC_EINVAL);
	assert_int_equal(st(&d)->atq_bad_len, s + 9);
	/* Flags: a buffer needed but none, RD/LB without BUF, input without RD,
	 * a large buffer without LB. */
	s = st(&d)->atq_bad_flags;
	assert_int_equal(raw(&d, 0, AQC_ADD_VSI, 128, buf, NULL), AQ_RC_EINVAL);
	assert_int_equal(raw(&d, 0, AQC_GET_LINK_STATUS, 0, 0, NULL), AQ_RC_EINVAL);
	assert_int_equal(raw(&d, AQ_FLAG_RD, AQC_GET_VER, 0, 0, NULL), AQ_RC_EINVAL);
	assert_int_equal(raw(&d, AQ_FLAG_LB, AQC_GET_VER, 0, 0, NULL), AQ_RC_EINVAL);
	assert_int_equal(raw(&d, AQ_FLAG_BUF, AQC_ADD_VSI, 128, buf, NULL), AQ_RC_EINVAL);
	assert_int_equal(raw(&d, AQ_FLAG_BUF, AQC_LIST_DEV_CAPS, 1024, buf, NULL), AQ_RC_EINVAL);
	assert_int_equal(st(&d)->atq_bad_flags, s + 6);
	/* A buffer on a direct command is not looked at. */
	assert_int_equal(raw(&d, AQ_FLAG_BUF, AQC_GET_VER, 16, buf, NULL), 0);
	/* LB on a small buffer: only a hint (ice sets it above 512 bytes), no refusal. */
	assert_int_equal(raw(&d, AQ_FLAG_BUF | AQ_FLAG_LB, AQC_GET_LINK_STATUS, 32, buf, NULL), 0);
	assert_int_equal(st(&d)->atq_bad_flags, s + 6);
	/* None of this changed state. */
	assert_int_equal(e810_aq_state(d.aq)->nvsi, 0);
	assert_false(drv_rd(&d, E810_PF_FW_ATQLEN) & E810_AQLEN_CRIT);
	drv_fini(&d);
}

static void test_unknown_opcodes(void **state)
{
	struct drv d;
	static const uint16_t ops[] = { 0x0000, 0x0004, 0x0006, 0x0100, 0x0201, 0x0302, 0x040e,
					0x0410, 0x0417, 0x06ea, 0x06ee, 0x0801, 0x0c33, 0x0c90,
					0x1001, 0x7fff, 0xff09, 0xff10, 0xffff };

	(void)state;
	drv_init(&d, NULL);
	drv_queues_up(&d, 32);
	for (unsigned i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		clr();
		assert_int_equal(drv_cmd(&d, ops[i], prm, NULL, 0, false, NULL), AQ_RC_ENOSYS);
	}
	assert_int_equal(st(&d)->atq_unknown, sizeof(ops) / sizeof(ops[0]));
	drv_fini(&d);
}

/* ---- ARQ events ------------------------------------------------------------------ */

static void test_arq_events(void **state)
{
	struct drv d;
	uint16_t opc, len, flags;
	uint8_t ev[DRV_BUF];
	static const uint8_t params[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	static const uint8_t data[12] = { 'o', 'v', 'e', 'r', 'f', 'l', 'o', 'w' };

	(void)state;
	drv_init(&d, NULL);
	/* Before the ARQ exists: dropped. */
	assert_int_equal(e810_aq_post_event(d.aq, E810_AQ_EV_LAN_OVERFLOW, params, NULL, 0), -ENODEV);
	assert_int_equal(st(&d)->arq_off, 1);
	drv_queues_up(&d, 8);
	/* A direct event and one with data. */
	assert_int_equal(e810_aq_post_event(d.aq, E810_AQ_EV_LAN_OVERFLOW, params, NULL, 0), 0);
	assert_int_equal(e810_aq_post_event(d.aq, 0x0a01, params, data, sizeof(data)), 0);
	assert_int_equal(d.notifies, 2);
	assert_int_equal(drv_event(&d, &opc, ev, &len, &flags), 0);
	assert_int_equal(opc, E810_AQ_EV_LAN_OVERFLOW);
	assert_int_equal(len, 0);
	assert_int_equal(flags & (AQ_FLAG_DD | AQ_FLAG_CMP | AQ_FLAG_ERR), AQ_FLAG_DD | AQ_FLAG_CMP);
	assert_int_equal(drv_event(&d, &opc, ev, &len, &flags), 0);
	assert_int_equal(opc, 0x0a01);
	assert_int_equal(len, sizeof(data));
	assert_memory_equal(ev, data, sizeof(data));
	assert_int_equal(drv_event(&d, &opc, ev, &len, &flags), -1);
	/* Too big for any buffer. */
	assert_int_equal(e810_aq_post_event(d.aq, 0x0a01, params, ev, 4097), -EINVAL);
	drv_fini(&d);
}

static void test_arq_full(void **state)
{
	struct drv d;
	unsigned n = 8;
	uint16_t opc, len, flags;

	(void)state;
	drv_init(&d, NULL);
	drv_queues_up(&d, n);
	/* n - 1 descriptors are posted (tail = n - 1): then none. */
	for (unsigned i = 0; i < n - 1; i++)
		assert_int_equal(e810_aq_post_event(d.aq, E810_AQ_EV_LAN_OVERFLOW, NULL, NULL, 0), 0);
	assert_int_equal(e810_aq_post_event(d.aq, E810_AQ_EV_LAN_OVERFLOW, NULL, NULL, 0), -ENOSPC);
	assert_int_equal(e810_aq_post_event(d.aq, E810_AQ_EV_LAN_OVERFLOW, NULL, NULL, 0), -ENOSPC);
	assert_int_equal(st(&d)->arq_no_desc, 2);
	assert_true(drv_rd(&d, E810_PF_FW_ARQLEN) & E810_AQLEN_OVFL);
	/* The driver sees OVFL, clears it (__ice_clean_ctrlq), cleans one. */
	drv_wr(&d, E810_PF_FW_ARQLEN, drv_rd(&d, E810_PF_FW_ARQLEN) & ~E810_AQLEN_ERR_M);
	assert_false(drv_rd(&d, E810_PF_FW_ARQLEN) & E810_AQLEN_OVFL);
	assert_int_equal(drv_event(&d, &opc, NULL, &len, &flags), 0);
	assert_int_equal(e810_aq_post_event(d.aq, E810_AQ_EV_LAN_OVERFLOW, NULL, NULL, 0), 0);
	assert_int_equal(e810_aq_post_event(d.aq, E810_AQ_EV_LAN_OVERFLOW, NULL, NULL, 0), -ENOSPC);
	while (drv_event(&d, &opc, NULL, &len, &flags) == 0)
		;
	assert_int_equal(st(&d)->arq_posted, n);
	drv_fini(&d);
}

static void test_arq_hostile(void **state)
{
	struct drv d;
	uint16_t opc, len, flags;
	uint8_t data[64] = { 0 };
	uint8_t *e;

	(void)state;
	drv_init(&d, NULL);
	drv_queues_up(&d, 8);
	/* A descriptor without a buffer for an event with data: completed with ERR. */
	e = gpa_ptr(&d, gpa_of(DRV_ARQ_RING), 32);
	p16(e + AQD_FLAGS, 0);
	assert_int_equal(e810_aq_post_event(d.aq, 0x0a01, NULL, data, sizeof(data)), -EMSGSIZE);
	assert_int_equal(drv_event(&d, &opc, NULL, &len, &flags), 0);
	assert_true(flags & AQ_FLAG_ERR);
	assert_int_equal(len, 0);
	/* A buffer smaller than the event. */
	e = gpa_ptr(&d, gpa_of(DRV_ARQ_RING) + 32, 32);
	p16(e + AQD_DATALEN, 16);
	assert_int_equal(e810_aq_post_event(d.aq, 0x0a01, NULL, data, sizeof(data)), -EMSGSIZE);
	assert_int_equal(st(&d)->arq_bad_desc, 2);
	assert_int_equal(drv_event(&d, &opc, NULL, &len, &flags), 0);
	/* A buffer outside guest memory: nothing written, the queue stops. */
	e = gpa_ptr(&d, gpa_of(DRV_ARQ_RING) + 64, 32);
	p32(e + AQD_PARAMS + AQP_ADDR_HI, 0);
	p32(e + AQD_PARAMS + AQP_ADDR_LO, 0x3000);
	assert_int_equal(e810_aq_post_event(d.aq, 0x0a01, NULL, data, sizeof(data)), -EIO);
	assert_int_equal(st(&d)->arq_dma, 1);
	assert_true(drv_rd(&d, E810_PF_FW_ARQLEN) & E810_AQLEN_CRIT);
	assert_int_equal(e810_aq_post_event(d.aq, 0x0a01, NULL, data, sizeof(data)), -ENODEV);
	/* Head or tail beyond the ring. */
	drv_wr(&d, E810_PF_FW_ARQLEN, 8 | E810_AQLEN_ENABLE);
	drv_wr(&d, E810_PF_FW_ARQT, 300);
	assert_int_equal(e810_aq_post_event(d.aq, 0x0a01, NULL, NULL, 0), -ENODEV);
	drv_wr(&d, E810_PF_FW_ARQT, 7);
	drv_wr(&d, E810_PF_FW_ARQH, 9);
	assert_int_equal(e810_aq_post_event(d.aq, 0x0a01, NULL, NULL, 0), -ENODEV);
	drv_fini(&d);
}

static void test_lse_gating(void **state)
{
	struct drv d;
	uint16_t opc, len, flags;
	uint8_t ev[DRV_BUF];

	(void)state;
	drv_init(&d, NULL);
	drv_queues_up(&d, 16);
	/* LSE not asked for: nothing posted. */
	e810_aq_set_link(d.aq, false);
	assert_int_equal(drv_event(&d, &opc, ev, &len, &flags), -1);
	assert_int_equal(st(&d)->lse_suppressed, 1);
	e810_aq_set_link(d.aq, true);
	drv_enable_lse(&d);
	/* No change, no event. */
	e810_aq_set_link(d.aq, true);
	assert_int_equal(drv_event(&d, &opc, ev, &len, &flags), -1);
	e810_aq_set_link(d.aq, false);
	assert_int_equal(drv_event(&d, &opc, ev, &len, &flags), 0);
	assert_int_equal(opc, AQC_GET_LINK_STATUS);
	/* Up/down masked. */
	clr();
	p16(prm + SEM_MASK, LINK_EVENT_UPDOWN);
	assert_int_equal(drv_cmd(&d, AQC_SET_EVENT_MASK, prm, NULL, 0, false, NULL), 0);
	e810_aq_set_link(d.aq, true);
	assert_int_equal(drv_event(&d, &opc, ev, &len, &flags), -1);
	/* restart_an without link enable takes the link down (LSE on, unmasked). */
	clr();
	assert_int_equal(drv_cmd(&d, AQC_SET_EVENT_MASK, prm, NULL, 0, false, NULL), 0);
	clr();
	prm[RAN_CMD_FLAGS] = RAN_LINK_RESTART;
	assert_int_equal(drv_cmd(&d, AQC_RESTART_AN, prm, NULL, 0, false, NULL), 0);
	assert_false(e810_aq_link_up(d.aq));
	assert_int_equal(drv_event(&d, &opc, ev, &len, &flags), 0);
	assert_false(ev[LSD_LINK_INFO] & LI_LINK_UP);
	/* LSE off again. */
	{
		uint8_t b[LSD_SIZE];

		clr();
		p16(prm + GLS_CMD_FLAGS, GLS_LSE_DIS);
		assert_int_equal(drv_cmd(&d, AQC_GET_LINK_STATUS, prm, b, sizeof(b), false, NULL), 0);
		assert_false(g16(prm + GLS_CMD_FLAGS) & GLS_LSE_IS_ENABLED);
		clr();
		p16(prm + GLS_CMD_FLAGS, 1); /* not a valid LSE request */
		assert_int_equal(drv_cmd(&d, AQC_GET_LINK_STATUS, prm, b, sizeof(b), false, NULL),
				 AQ_RC_EINVAL);
	}
	drv_fini(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_checked),
		cmocka_unit_test(test_registers),
		cmocka_unit_test(test_walk_order_and_wrap),
		cmocka_unit_test(test_walk_bounded),
		cmocka_unit_test(test_head_after_writeback),
		cmocka_unit_test(test_ring_length),
		cmocka_unit_test(test_ring_base),
		cmocka_unit_test(test_head_tail_out_of_range),
		cmocka_unit_test(test_bad_buffers),
		cmocka_unit_test(test_unknown_opcodes),
		cmocka_unit_test(test_arq_events),
		cmocka_unit_test(test_arq_full),
		cmocka_unit_test(test_arq_hostile),
		cmocka_unit_test(test_lse_gating),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
