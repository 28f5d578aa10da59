// SPDX-License-Identifier: GPL-2.0-or-later
/* The flow director for e810g guests (client/e810g_fd.h). */
#include "client/e810g_fd.h"

#include <errno.h>
#include <string.h>

#include "core/log.h"
#include "dev/e810/aq_defs.h"
#include "dev/e810/e810_regs.h"
#include "dev/e810/lan_desc.h"

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

/* The profile: the UDP destination port (its source port added as the partner). */
static void udp4_prof(struct e810fd_prof *p)
{
	const struct e810fd_word w[] = { { E810FD_P_UDP, 2 } };

	e810fd_build_prof(w, 1, p);
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
	struct e810fd_prof prof;
	const uint8_t ptg = E810FD_PTG_UDP4;
	uint8_t prm[16] = { 0 }, key[10];
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
		e810fd_xlt1(pkg_sect(&pb, E810_SID_XLT1_FD, E810FD_XLT1_SIZE(1)), E810FD_PTYPE_UDP4,
			    &ptg, 1);
		prm[DLP_FLAGS] = DLP_LAST_BUF;
		STEP(!e810g_aq(g, AQC_DOWNLOAD_PKG, prm, pb.b, PKG_BUF_SIZE, true), "download_pkg");
	}
	/* The control VSI over ctrl_q, then ice_flow_add_prof's update_pkg for both VSIs. */
	if (e810g_add_vsi(g, (uint16_t)ctrl_q, 1, &g->fd_vsi))
		return -EIO;
	pkg_begin(&pb, 4);
	udp4_prof(&prof);
	e810fd_tcam_key(E810FD_PTG_UDP4, E810FD_VSIG, key);
	e810fd_es(pkg_sect(&pb, E810_SID_FLD_VEC_FD, E810FD_ES_SIZE), E810FD_PROF, &prof);
	e810fd_tcam(pkg_sect(&pb, E810_SID_PROFID_TCAM_FD, E810FD_TCAM_SIZE), 0, key, E810FD_PROF);
	e810fd_xlt2(pkg_sect(&pb, E810_SID_XLT2_FD, E810FD_XLT2_SIZE), g->vsi, E810FD_VSIG);
	e810fd_xlt2(pkg_sect(&pb, E810_SID_XLT2_FD, E810FD_XLT2_SIZE), g->fd_vsi, E810FD_VSIG);
	memset(prm, 0, sizeof(prm));
	prm[DLP_FLAGS] = DLP_LAST_BUF;
	STEP(!e810g_aq(g, AQC_UPDATE_PKG, prm, pb.b, (uint16_t)pb.end, true), "update_pkg");
	STEP(!res(g, AQC_RELEASE_RES, lock, NULL), "release_res");
	for (unsigned j = 0; j < FVW / 4; j++) {
		uint32_t inset, swap;

		e810fd_inset(&prof, j, &inset, &swap);
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
	uint8_t *fd, *dd, *pkt;
	uint64_t qw0, qw1;
	unsigned len;

	if (!g->fd_on)
		return -EINVAL;
	fd = e810g_ptr(g, x->txring + 16u * x->tx_tail);
	dd = e810g_ptr(g, x->txring + 16u * ((x->tx_tail + 1u) % x->tx_count));
	/* ice swaps source and destination in the programming packet. */
	pkt = e810g_ptr(g, E810G_FD_PKT);
	memset(pkt, 0, E810_FD_PKT_MAX);
	/* From 02:00:00:00:00:02, 10.77.0.1 to 10.77.0.2, 18 bytes of padding. */
	len = e810fd_frame4(pkt, E810_FD_PKT_MAX, g->mac, (const uint8_t *)"\x02\x00\x00\x00\x00\x02",
			    17, 0x0a4d0001u, 0x0a4d0002u, port, 0, 18);
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
