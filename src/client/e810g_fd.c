// SPDX-License-Identifier: GPL-2.0-or-later
/* The flow director for e810g guests and in-process tests (client/e810g_fd.h). */
#include "client/e810g_fd.h"

#include <errno.h>
#include <string.h>

#include "core/log.h"
#include "dev/e810/aq_defs.h"
#include "dev/e810/e810_regs.h"
#include "dev/e810/lan_desc.h"

#define P_UDP 53u  /* the UDP protocol ID of the field vector */
#define P_NONE 255u
#define FVW E810_FLEX_FD_FVW

static void s16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void s32(uint8_t *p, uint32_t v)
{
	s16(p, (uint16_t)v);
	s16(p + 2, (uint16_t)(v >> 16));
}

static void s64(uint8_t *p, uint64_t v)
{
	s32(p, (uint32_t)v);
	s32(p + 4, (uint32_t)(v >> 32));
}

/* ---- what the driver writes ----------------------------------------------------------- */

void e810fd_xlt1(uint8_t out[E810FD_XLT1_SIZE])
{
	s16(out, 1);
	s16(out + 2, E810FD_PTYPE_UDP4);
	out[4] = E810FD_PTG_UDP4;
}

void e810fd_es(uint8_t out[E810FD_ES_SIZE])
{
	s16(out, 1);
	s16(out + 2, E810FD_PROF);
	for (unsigned i = 0; i < FVW; i++) {
		uint8_t prot = i == FVW - 1 || i == FVW - 2 ? P_UDP : P_NONE;
		uint16_t off = i == FVW - 1 ? 2 : i == FVW - 2 ? 0 : 0x1ff;

		out[4 + 4 * i] = prot;
		s16(out + 5 + 4 * i, off);
		out[7 + 4 * i] = 0;
	}
}

/* ice_gen_key_word for a byte: exact, or don't care. */
static void key_byte(uint8_t val, bool dc, uint8_t *key, uint8_t *inv)
{
	*key = dc ? 0xff : (uint8_t)~val;
	*inv = dc ? 0xff : val;
}

void e810fd_tcam(uint8_t out[E810FD_TCAM_SIZE])
{
	const uint8_t in[5] = { 0, 0, E810FD_PTG_UDP4, (uint8_t)E810FD_VSIG,
				(uint8_t)(E810FD_VSIG >> 8) };

	s16(out, 1);
	s16(out + 2, 0);
	for (unsigned i = 0; i < 5; i++)
		key_byte(in[i], i < 2, &out[4 + i], &out[9 + i]);
	out[14] = E810FD_PROF;
}

void e810fd_xlt2(uint8_t out[E810FD_XLT2_SIZE], uint16_t vsi)
{
	s16(out, 1);
	s16(out + 2, vsi);
	s16(out + 4, E810FD_VSIG);
}

/* The input set is every word but the added partner, which swaps with the port's word. */
void e810fd_inset(unsigned j, uint32_t *inset, uint32_t *swap)
{
	*inset = *swap = 0;
	for (unsigned k = 0; k < 4; k++) {
		unsigned w = 4 * j + k, partner = w == FVW - 1 ? FVW - 2 : w == FVW - 2 ? FVW - 1 : w;
		uint8_t in = w == FVW - 2 ? 0 : 0x9f;

		*inset |= (uint32_t)in << (8 * k);
		*swap |= (uint32_t)(in ? (partner | 0x80) : 0) << (8 * k);
	}
}

/* ice_fdir_get_prgm_desc: FD_SPACE "guaranteed, then best effort", a packet counter. */
void e810fd_desc(const struct e810fd_prog *p, uint64_t *qw0, uint64_t *qw1)
{
	*qw0 = (uint64_t)(p->qindex & 0x7ffu) | (uint64_t)(p->report & 3u) << 12 | 2ull << 14 |
	       (uint64_t)(p->stat_idx & 0x1fffu) << 16 | 1ull << 29 | 3ull << 35 |
	       (uint64_t)p->drop << 40;
	*qw1 = E810_TXD_DTYPE_FD_PROG | (uint64_t)p->del << 4 | 1ull << 8 |
	       (uint64_t)(p->vsi & 0x3ffu) << 14 | 1ull << 25 | (uint64_t)p->fdid << 32;
}

unsigned e810fd_frame4(uint8_t *f, unsigned cap, const uint8_t mac[6], uint8_t proto, uint16_t sp,
		       uint16_t dp)
{
	unsigned l4 = proto == 6 ? 20 : 8, len = 14 + 20 + l4 + 18;

	if (len > cap)
		return 0;
	memset(f, 0, cap);
	memcpy(f, mac, 6);
	memcpy(f + 6, "\x02\x00\x00\x00\x00\x02\x08\x00", 8);
	f[14] = 0x45;
	f[17] = (uint8_t)(len - 14);
	f[22] = 64;
	f[23] = proto;
	memcpy(f + 26, "\x0a\x4d\x00\x01\x0a\x4d\x00\x02", 8);
	f[34] = (uint8_t)(sp >> 8);
	f[35] = (uint8_t)sp;
	f[36] = (uint8_t)(dp >> 8);
	f[37] = (uint8_t)dp;
	if (proto == 6)
		f[46] = 0x50;
	return len;
}

/* ---- an e810g guest ---------------------------------------------------------------------- */

#define STEP(cond, what)                                                               \
	do {                                                                           \
		if (!(cond)) {                                                         \
			LOG_ERR("e810g", "flow director: %s failed (retval %u)", what, \
				g->last_rv);                                           \
			return -EIO;                                                   \
		}                                                                      \
	} while (0)

struct pkgbuf {
	uint8_t b[PKG_BUF_SIZE];
	unsigned n, end;
};

static void pkg_begin(struct pkgbuf *pb, unsigned nsect)
{
	memset(pb, 0, sizeof(*pb));
	pb->end = PKG_BUF_ENTRIES + nsect * PKG_SECT_ENTRY_SIZE;
	s16(pb->b + PKG_BUF_SECT_COUNT, (uint16_t)nsect);
}

static uint8_t *pkg_sect(struct pkgbuf *pb, uint32_t type, unsigned size)
{
	uint8_t *e = pb->b + PKG_BUF_ENTRIES + pb->n++ * PKG_SECT_ENTRY_SIZE;
	uint8_t *s = pb->b + pb->end;

	s32(e, type);
	s16(e + 4, (uint16_t)pb->end);
	s16(e + 6, (uint16_t)size);
	pb->end += (size + 3u) & ~3u;
	s16(pb->b + PKG_BUF_DATA_END, (uint16_t)pb->end);
	return s;
}

static uint16_t res(struct e810g *g, uint16_t opc, unsigned id, uint16_t *status)
{
	uint8_t prm[16] = { 0 };
	uint16_t rv;

	s16(prm + RR_RES_ID, (uint16_t)id);
	s16(prm + RR_ACCESS, RES_ACCESS_WRITE);
	s32(prm + RR_TIMEOUT, 3000);
	rv = e810g_aq(g, opc, prm, NULL, 0, false);
	if (status)
		*status = (uint16_t)(prm[RR_STATUS] | prm[RR_STATUS + 1] << 8);
	return rv;
}

int e810g_fd_up(struct e810g *g, unsigned ctrl_q)
{
	struct pkgbuf pb;
	uint8_t prm[16] = { 0 };
	uint16_t st = 0;
	unsigned lock = RES_ID_GLBL_LOCK;
	uint8_t *m;

	if (!g->nq || ctrl_q < g->nq)
		return -EINVAL;
	/* ice_init_pkg: the global config lock, the package's one buffer (last). */
	STEP(!res(g, AQC_REQ_RES, RES_ID_GLBL_LOCK, &st), "req_res (global config lock)");
	if (st == RES_GLBL_DONE) { /* a package is in: the change lock for the profile */
		lock = RES_ID_CHNG_LOCK;
		STEP(!res(g, AQC_REQ_RES, RES_ID_CHNG_LOCK, NULL), "req_res (change lock)");
	} else {
		pkg_begin(&pb, 2);
		m = pkg_sect(&pb, PKG_SID_METADATA, PKG_META_SIZE);
		memcpy(m, "\x01\x03\x00\x00", 4);
		memcpy(m + 4, "vmux e810g FD", 13);
		e810fd_xlt1(pkg_sect(&pb, E810_SID_XLT1_FD, E810FD_XLT1_SIZE));
		prm[DLP_FLAGS] = DLP_LAST_BUF;
		STEP(!e810g_aq(g, AQC_DOWNLOAD_PKG, prm, pb.b, PKG_BUF_SIZE, true), "download_pkg");
	}
	/* The control VSI over ctrl_q, then ice_flow_add_prof's update_pkg for both VSIs. */
	if (e810g_add_vsi(g, (uint16_t)ctrl_q, 1, &g->fd_vsi))
		return -EIO;
	pkg_begin(&pb, 4);
	e810fd_es(pkg_sect(&pb, E810_SID_FLD_VEC_FD, E810FD_ES_SIZE));
	e810fd_tcam(pkg_sect(&pb, E810_SID_PROFID_TCAM_FD, E810FD_TCAM_SIZE));
	e810fd_xlt2(pkg_sect(&pb, E810_SID_XLT2_FD, E810FD_XLT2_SIZE), g->vsi);
	e810fd_xlt2(pkg_sect(&pb, E810_SID_XLT2_FD, E810FD_XLT2_SIZE), g->fd_vsi);
	memset(prm, 0, sizeof(prm));
	prm[DLP_FLAGS] = DLP_LAST_BUF;
	STEP(!e810g_aq(g, AQC_UPDATE_PKG, prm, pb.b, (uint16_t)pb.end, true), "update_pkg");
	STEP(!res(g, AQC_RELEASE_RES, lock, NULL), "release_res");
	for (unsigned j = 0; j < FVW / 4; j++) {
		uint32_t inset, swap;

		e810fd_inset(j, &inset, &swap);
		e810g_wr(g, E810_GLQF_FDSWAP(E810FD_PROF, j), swap);
		e810g_wr(g, E810_GLQF_FDINSET(E810FD_PROF, j), inset);
	}
	e810g_wr(g, E810_GLQF_FDMASK_SEL(E810FD_PROF), 0);
	g->fdq.txring = E810G_FD_TXRING;
	if (e810g_txq_add(g, &g->fdq, ctrl_q, g->fd_vsi, E810G_FD_RING))
		return -EIO;
	g->fd_qidx = ctrl_q;
	g->fd_on = true;
	return 0;
}

/* One programming descriptor and its dummy packet (a filter for UDP destination port). */
static int fd_prog(struct e810g *g, const struct e810fd_prog *p, uint16_t port)
{
	struct e810g_q *x = &g->fdq;
	uint8_t *fd, *dd;
	uint64_t qw0, qw1;
	unsigned len;

	if (!g->fd_on)
		return -EINVAL;
	fd = e810g_ptr(g, x->txring + 16u * x->tx_tail);
	dd = e810g_ptr(g, x->txring + 16u * ((x->tx_tail + 1u) % x->tx_count));
	/* ice swaps source and destination in the programming packet. */
	len = e810fd_frame4(e810g_ptr(g, E810G_FD_PKT), E810_FD_PKT_MAX, g->mac, 17, port, 0);
	if (!len)
		return -EINVAL;
	e810fd_desc(p, &qw0, &qw1);
	s64(fd, qw0);
	s64(fd + 8, qw1);
	s64(dd, e810g_gpa(E810G_FD_PKT));
	s64(dd + 8, E810_TXD_DTYPE_DATA |
			    (uint64_t)(E810_TXD_CMD_EOP | E810_TXD_CMD_RS | E810_TXD_CMD_DUMMY)
				    << E810_TXD_CMD_S |
			    (uint64_t)E810_FD_PKT_MAX << E810_TXD_BSZ_S);
	x->tx_tail = (x->tx_tail + 2u) % x->tx_count;
	e810g_wr(g, E810_QTX_COMM_DBELL(g->fd_qidx), x->tx_tail);
	/* A read behind the (posted) doorbell: the device has taken both descriptors. */
	(void)e810g_rd(g, E810FD_GLQF_FD_CNT);
	if ((dd[E810_TXD_WB_BYTE] & E810_TXD_DTYPE_M) != E810_TXD_DTYPE_DONE) {
		LOG_ERR("e810g", "flow director: programming descriptors for port %u not done", port);
		return -EIO;
	}
	return 0;
}

int e810g_fd_add(struct e810g *g, uint16_t port, uint16_t qindex, bool drop, uint32_t fdid)
{
	struct e810fd_prog p = { .report = E810_FDD_REPORT_FAIL, .fdid = fdid, .vsi = g->vsi,
				 .qindex = qindex, .drop = drop, .stat_idx = 256 };

	return fd_prog(g, &p, port);
}

int e810g_fd_del(struct e810g *g, uint16_t port, uint32_t fdid)
{
	struct e810fd_prog p = { .del = true, .report = E810_FDD_REPORT_FAIL, .fdid = fdid,
				 .vsi = g->vsi, .stat_idx = 256 };

	return fd_prog(g, &p, port);
}

void e810g_fd_mask(struct e810g *g, uint16_t dport_mask)
{
	if (dport_mask == 0xffffu) {
		e810g_wr(g, E810_GLQF_FDMASK_SEL(E810FD_PROF), 0);
		return;
	}
	/* The port's field vector word (the last), the bits compared. */
	e810g_wr(g, E810_GLQF_FDMASK(E810FD_MASK_REG),
		 (uint32_t)dport_mask << 16 | (E810_FLEX_FD_FVW - 1u));
	e810g_wr(g, E810_GLQF_FDMASK_SEL(E810FD_PROF), 1u << E810FD_MASK_REG);
}

unsigned e810g_fd_count(struct e810g *g)
{
	uint32_t v = e810g_rd(g, E810FD_GLQF_FD_CNT);

	return (v & 0x7fffu) + (v >> 16 & 0x7fffu);
}
