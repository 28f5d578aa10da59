// SPDX-License-Identifier: GPL-2.0-or-later
/* Test support for the E810 admin queue engine: see e810_drv.h. */
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

void p16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

void p32(uint8_t *p, uint32_t v)
{
	p16(p, (uint16_t)v);
	p16(p + 2, (uint16_t)(v >> 16));
}

void p64(uint8_t *p, uint64_t v)
{
	p32(p, (uint32_t)v);
	p32(p + 4, (uint32_t)(v >> 32));
}

uint16_t g16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

uint32_t g32(const uint8_t *p)
{
	return (uint32_t)g16(p) | (uint32_t)g16(p + 2) << 16;
}

uint64_t g64(const uint8_t *p)
{
	return (uint64_t)g32(p) | (uint64_t)g32(p + 4) << 32;
}

uint64_t gpa_of(uint32_t off)
{
	return GMEM_BASE + off;
}

/* Bounds check with the overflow cases a hostile address brings. */
static int gmem_range(struct gmem *g, uint64_t gpa, size_t len, bool write)
{
	if (gpa < GMEM_BASE || len > GMEM_SIZE || gpa - GMEM_BASE > GMEM_SIZE - len)
		return -EFAULT;
	if (g->fail_hi > g->fail_lo && gpa < g->fail_hi && gpa + len > g->fail_lo &&
	    (write || !g->fail_writes_only))
		return -EFAULT;
	return 0;
}

static int gm_read(void *opaque, uint64_t gpa, void *dst, size_t len)
{
	struct drv *d = opaque;
	int r = gmem_range(&d->g, gpa, len, false);

	if (r)
		return r;
	d->g.reads++;
	memcpy(dst, d->g.mem + (gpa - GMEM_BASE), len);
	return 0;
}

static int gm_write(void *opaque, uint64_t gpa, const void *src, size_t len)
{
	struct drv *d = opaque;
	int r = gmem_range(&d->g, gpa, len, true);

	if (r)
		return r;
	d->g.writes++;
	memcpy(d->g.mem + (gpa - GMEM_BASE), src, len);
	if (gpa >= gpa_of(DRV_ATQ_RING) && gpa < gpa_of(DRV_ATQ_RING) + 32ull * DRV_RING && d->aq) {
		d->head_at_wb = e810_aq_reg_read(d->aq, E810_PF_FW_ATQH);
		d->atq_wbs++;
	}
	return 0;
}

static void gm_notify(void *opaque)
{
	((struct drv *)opaque)->notifies++;
}

void drv_init(struct drv *d, const struct e810_aq_config *cfg)
{
	static const struct e810_aq_dma_ops ops = {
		.read = gm_read, .write = gm_write, .arq_notify = gm_notify,
	};
	struct e810_aq_config def;

	memset(d, 0, sizeof(*d));
	d->g.mem = calloc(1, GMEM_SIZE);
	assert_non_null(d->g.mem);
	d->own_mem = true;
	if (!cfg) {
		e810_aq_config_default(&def);
		cfg = &def;
	}
	d->aq = e810_aq_create(cfg, &ops, d);
	assert_non_null(d->aq);
}

void drv_init_io(struct drv *d, const struct drv_io *io, void *opaque, uint8_t *mem)
{
	memset(d, 0, sizeof(*d));
	assert_non_null(io);
	assert_non_null(mem);
	d->io = io;
	d->io_opaque = opaque;
	d->g.mem = mem;
}

void drv_fini(struct drv *d)
{
	e810_aq_destroy(d->aq);
	if (d->own_mem)
		free(d->g.mem);
	d->aq = NULL;
	d->g.mem = NULL;
}

uint8_t *gpa_ptr(struct drv *d, uint64_t gpa, uint32_t len)
{
	assert_true(gpa >= GMEM_BASE && gpa - GMEM_BASE + len <= GMEM_SIZE);
	return d->g.mem + (gpa - GMEM_BASE);
}

void drv_wr(struct drv *d, uint32_t reg, uint32_t val)
{
	if (d->io)
		d->io->wr(d->io_opaque, reg, val);
	else
		e810_aq_reg_write(d->aq, reg, val);
}

uint32_t drv_rd(struct drv *d, uint32_t reg)
{
	return d->io ? d->io->rd(d->io_opaque, reg) : e810_aq_reg_read(d->aq, reg);
}

uint8_t *drv_atq_desc(struct drv *d, unsigned i)
{
	return gpa_ptr(d, gpa_of(DRV_ATQ_RING) + 32ull * i, 32);
}

static uint8_t *arq_desc(struct drv *d, unsigned i)
{
	return gpa_ptr(d, gpa_of(DRV_ARQ_RING) + 32ull * i, 32);
}

static void arq_arm(struct drv *d, unsigned i)
{
	uint8_t *e = arq_desc(d, i);
	uint64_t buf = gpa_of(DRV_ARQ_BUFS) + (uint64_t)i * DRV_BUF;

	memset(e, 0, 32);
	p16(e + AQD_FLAGS, AQ_FLAG_BUF | AQ_FLAG_LB);
	p16(e + AQD_DATALEN, DRV_BUF);
	p32(e + AQD_PARAMS + AQP_ADDR_HI, (uint32_t)(buf >> 32));
	p32(e + AQD_PARAMS + AQP_ADDR_LO, (uint32_t)buf);
}

void drv_queues_up(struct drv *d, unsigned n)
{
	uint64_t atq = gpa_of(DRV_ATQ_RING), arq = gpa_of(DRV_ARQ_RING);

	assert_true(n >= 2 && n <= DRV_RING);
	d->n = n;
	d->atq_ntu = 0;
	d->arq_ntc = 0;
	memset(drv_atq_desc(d, 0), 0, 32 * n);
	/* ice_cfg_cq_regs: head, tail, length with enable, then the base. */
	drv_wr(d, E810_PF_FW_ATQH, 0);
	drv_wr(d, E810_PF_FW_ATQT, 0);
	drv_wr(d, E810_PF_FW_ATQLEN, n | E810_AQLEN_ENABLE);
	drv_wr(d, E810_PF_FW_ATQBAL, (uint32_t)atq);
	drv_wr(d, E810_PF_FW_ATQBAH, (uint32_t)(atq >> 32));
	assert_int_equal(drv_rd(d, E810_PF_FW_ATQBAL), (uint32_t)atq);
	for (unsigned i = 0; i < n; i++)
		arq_arm(d, i);
	drv_wr(d, E810_PF_FW_ARQH, 0);
	drv_wr(d, E810_PF_FW_ARQT, 0);
	drv_wr(d, E810_PF_FW_ARQLEN, n | E810_AQLEN_ENABLE);
	drv_wr(d, E810_PF_FW_ARQBAL, (uint32_t)arq);
	drv_wr(d, E810_PF_FW_ARQBAH, (uint32_t)(arq >> 32));
	assert_int_equal(drv_rd(d, E810_PF_FW_ARQBAL), (uint32_t)arq);
	drv_wr(d, E810_PF_FW_ARQT, n - 1);
	/* ice_check_sq_alive */
	assert_int_equal(drv_rd(d, E810_PF_FW_ATQLEN) & (E810_AQLEN_LEN_M | E810_AQLEN_ENABLE),
			 n | E810_AQLEN_ENABLE);
}

void drv_queues_down(struct drv *d)
{
	static const uint32_t regs[] = {
		E810_PF_FW_ATQH, E810_PF_FW_ATQT, E810_PF_FW_ATQLEN, E810_PF_FW_ATQBAL, E810_PF_FW_ATQBAH,
		E810_PF_FW_ARQH, E810_PF_FW_ARQT, E810_PF_FW_ARQLEN, E810_PF_FW_ARQBAL, E810_PF_FW_ARQBAH,
	};

	for (unsigned i = 0; i < sizeof(regs) / sizeof(regs[0]); i++)
		drv_wr(d, regs[i], 0);
}

uint16_t drv_cmd(struct drv *d, uint16_t opc, uint8_t *params, void *buf, uint16_t len, bool rd,
		 uint16_t *out)
{
	unsigned slot = d->atq_ntu;
	uint8_t *e = drv_atq_desc(d, slot);
	uint64_t bgpa = gpa_of(DRV_ATQ_BUFS) + (uint64_t)slot * DRV_BUF;
	uint16_t flags = AQ_FLAG_SI, rv, dl;

	assert_true(len <= DRV_BUF);
	memset(e, 0, 32);
	if (params)
		memcpy(e + AQD_PARAMS, params, 16);
	if (len) {
		flags |= AQ_FLAG_BUF;
		if (len > 512)
			flags |= AQ_FLAG_LB;
		if (rd)
			flags |= AQ_FLAG_RD;
		memcpy(gpa_ptr(d, bgpa, len), buf, len);
		p16(e + AQD_DATALEN, len);
		p32(e + AQD_PARAMS + AQP_ADDR_HI, (uint32_t)(bgpa >> 32));
		p32(e + AQD_PARAMS + AQP_ADDR_LO, (uint32_t)bgpa);
	}
	p16(e + AQD_FLAGS, flags);
	p16(e + AQD_OPCODE, opc);
	d->atq_ntu = (d->atq_ntu + 1) % d->n;
	drv_wr(d, E810_PF_FW_ATQT, d->atq_ntu);
	/* ice_sq_done: the head caught up (the engine answers synchronously). */
	assert_int_equal(drv_rd(d, E810_PF_FW_ATQH), d->atq_ntu);
	memcpy(d->desc, e, 32);
	assert_true(g16(e + AQD_FLAGS) & AQ_FLAG_DD);
	assert_true(g16(e + AQD_FLAGS) & AQ_FLAG_CMP);
	assert_int_equal(g16(e + AQD_OPCODE), opc);
	rv = g16(e + AQD_RETVAL);
	assert_int_equal(!!(g16(e + AQD_FLAGS) & AQ_FLAG_ERR), rv != 0);
	dl = g16(e + AQD_DATALEN);
	d->datalen = dl;
	if (len && !rv) {
		/* "Return len > than buf len" is an error for the driver. */
		assert_true(dl <= len);
		memcpy(buf, gpa_ptr(d, bgpa, dl), dl);
	}
	if (params)
		memcpy(params, e + AQD_PARAMS, 16);
	if (out)
		*out = dl;
	return rv;
}

void drv_post_raw(struct drv *d, const uint8_t desc[32])
{
	memcpy(drv_atq_desc(d, d->atq_ntu), desc, 32);
	d->atq_ntu = (d->atq_ntu + 1) % d->n;
	drv_wr(d, E810_PF_FW_ATQT, d->atq_ntu);
}

int drv_event(struct drv *d, uint16_t *opc, uint8_t *data, uint16_t *len, uint16_t *flags)
{
	unsigned ntc = d->arq_ntc;
	uint32_t head = drv_rd(d, E810_PF_FW_ARQH) & E810_AQ_HT_M;
	uint8_t *e;
	uint16_t dl;

	if (head == ntc)
		return -1;
	e = arq_desc(d, ntc);
	dl = g16(e + AQD_DATALEN);
	if (opc)
		*opc = g16(e + AQD_OPCODE);
	if (flags)
		*flags = g16(e + AQD_FLAGS);
	if (len)
		*len = dl;
	if (data && dl && dl <= DRV_BUF)
		memcpy(data, gpa_ptr(d, gpa_of(DRV_ARQ_BUFS) + (uint64_t)ntc * DRV_BUF, dl), dl);
	/* ice_clean_rq_elem: re-arm, tail = the cleaned index. */
	arq_arm(d, ntc);
	drv_wr(d, E810_PF_FW_ARQT, ntc);
	d->arq_ntc = (ntc + 1) % d->n;
	return 0;
}

void drv_enable_lse(struct drv *d)
{
	uint8_t p[16] = { 0 }, b[LSD_SIZE];

	assert_int_equal(drv_cmd(d, AQC_SET_EVENT_MASK, p, NULL, 0, false, NULL), 0);
	memset(p, 0, sizeof(p));
	p16(p + GLS_CMD_FLAGS, GLS_LSE_ENA);
	assert_int_equal(drv_cmd(d, AQC_GET_LINK_STATUS, p, b, sizeof(b), false, NULL), 0);
	assert_true(g16(p + GLS_CMD_FLAGS) & GLS_LSE_IS_ENABLED);
}
