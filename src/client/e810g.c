// SPDX-License-Identifier: GPL-2.0-or-later
/* A poll-mode E810 guest driver on the vfio-user client: see e810g.h. */
#include "client/e810g.h"

#include <errno.h>
#include <linux/pci_regs.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/log.h"
#include "dev/e810/aq_defs.h"
#include "dev/e810/e810_regs.h"
#include "dev/e810/lan_desc.h"

#define ATQ_LEN 64u

static void p16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void p32(uint8_t *p, uint32_t v)
{
	p16(p, (uint16_t)v);
	p16(p + 2, (uint16_t)(v >> 16));
}

static void p64(uint8_t *p, uint64_t v)
{
	p32(p, (uint32_t)v);
	p32(p + 4, (uint32_t)(v >> 32));
}

static uint16_t g16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t g32(const uint8_t *p)
{
	return (uint32_t)g16(p) | (uint32_t)g16(p + 2) << 16;
}

static void set_bits(uint8_t *ctx, unsigned lsb, unsigned width, uint64_t v)
{
	for (unsigned i = 0; i < width; i++) {
		unsigned b = lsb + i;

		if ((v >> i) & 1)
			ctx[b / 8] |= (uint8_t)(1u << (b % 8));
		else
			ctx[b / 8] &= (uint8_t)~(1u << (b % 8));
	}
}

uint32_t e810g_rd(struct e810g *g, uint32_t reg)
{
	uint32_t v = 0xffffffffu;

	if (vfuc_region_read(g->c, VFU_PCI_BAR0, reg, &v, 4))
		return 0xffffffffu;
	return v;
}

void e810g_wr(struct e810g *g, uint32_t reg, uint32_t v)
{
	/* Not posted: an admin command's effects are done on return. */
	(void)vfuc_region_write(g->c, VFU_PCI_BAR0, reg, &v, 4, false);
}

#define DB_PAGE 4096u

static void e810g_unmap_doorbells(struct e810g *g)
{
	if (g->db_rx)
		munmap((void *)g->db_rx, DB_PAGE);
	if (g->db_tx)
		munmap((void *)g->db_tx, DB_PAGE);
	g->db_rx = g->db_tx = NULL;
}

int e810g_map_doorbells(struct e810g *g)
{
	struct vfu_region_info ri;
	struct vfu_sparse_area areas[16];
	unsigned n;
	int fd = -1, r;

	r = vfuc_region_sparse(g->c, VFU_PCI_BAR0, &ri, areas, 16, &n, &fd);
	if (r)
		return r;
	for (unsigned i = 0; i < n; i++) {
		volatile uint32_t **slot = areas[i].offset == E810_QRX_TAIL(0) ? &g->db_rx
					   : areas[i].offset == E810_QTX_COMM_DBELL(0) ? &g->db_tx
					   : NULL;
		void *m;

		if (!slot || areas[i].size != DB_PAGE || *slot)
			continue;
		m = mmap(NULL, DB_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			 (off_t)(ri.offset + areas[i].offset));
		if (m == MAP_FAILED) {
			r = -errno;
			break;
		}
		*slot = m;
	}
	if (!r && !(g->db_rx && g->db_tx))
		r = -ENOENT;
	if (r)
		e810g_unmap_doorbells(g);
	close(fd);
	return r;
}

void e810g_doorbell(struct e810g *g, uint32_t reg, uint32_t v)
{
	volatile uint32_t *w = NULL;

	if (g->db_rx && reg - E810_QRX_TAIL(0) < DB_PAGE)
		w = g->db_rx + (reg - E810_QRX_TAIL(0)) / 4;
	else if (g->db_tx && reg - E810_QTX_COMM_DBELL(0) < DB_PAGE)
		w = g->db_tx + (reg - E810_QTX_COMM_DBELL(0)) / 4;
	if (w)
		__atomic_store_n(w, v, __ATOMIC_RELEASE); /* exitless: the device polls the page */
	else
		(void)vfuc_region_write(g->c, VFU_PCI_BAR0, reg, &v, 4, true);
	g->cnt.doorbells++;
}

void *e810g_ptr(struct e810g *g, uint32_t off)
{
	return (uint8_t *)g->mem.base + off;
}

uint64_t e810g_requests(struct e810g *g)
{
	return vfuc_get_stats(g->c)->requests;
}

uint16_t e810g_aq(struct e810g *g, uint16_t opc, uint8_t *params, void *buf, uint16_t len, bool rd)
{
	uint8_t *e = e810g_ptr(g, E810G_ATQ + 32u * g->atq_ntu);
	uint64_t bgpa = e810g_gpa(E810G_ATQ_BUF);
	uint16_t flags = AQ_FLAG_SI, rv, dl;

	if (len > 4096)
		return 0xffff;
	memset(e, 0, 32);
	if (params)
		memcpy(e + AQD_PARAMS, params, 16);
	if (len) {
		flags |= AQ_FLAG_BUF;
		if (len > 512)
			flags |= AQ_FLAG_LB;
		if (rd)
			flags |= AQ_FLAG_RD;
		memcpy(e810g_ptr(g, E810G_ATQ_BUF), buf, len);
		p16(e + AQD_DATALEN, len);
		p32(e + AQD_PARAMS + AQP_ADDR_HI, (uint32_t)(bgpa >> 32));
		p32(e + AQD_PARAMS + AQP_ADDR_LO, (uint32_t)bgpa);
	}
	p16(e + AQD_FLAGS, flags);
	p16(e + AQD_OPCODE, opc);
	g->atq_ntu = (g->atq_ntu + 1) % g->atq_n;
	e810g_wr(g, E810_PF_FW_ATQT, g->atq_ntu);
	/* The device answers synchronously: the head has caught up. */
	if (e810g_rd(g, E810_PF_FW_ATQH) != g->atq_ntu || !(g16(e + AQD_FLAGS) & AQ_FLAG_DD))
		return g->last_rv = 0xffff;
	rv = g16(e + AQD_RETVAL);
	dl = g16(e + AQD_DATALEN);
	if (len && !rv && dl <= len)
		memcpy(buf, e810g_ptr(g, E810G_ATQ_BUF), dl);
	if (params)
		memcpy(params, e + AQD_PARAMS, 16);
	return g->last_rv = rv;
}

int e810g_reset(struct e810g *g)
{
	/* PF software reset, as the driver's probe starts. */
	e810g_wr(g, E810_PFGEN_CTRL, E810_PFGEN_CTRL_PFSWR);
	for (unsigned i = 0; i < 1000 && (e810g_rd(g, E810_PFGEN_CTRL) & E810_PFGEN_CTRL_PFSWR); i++)
		;
	return e810g_atq_init(g);
}

int e810g_atq_init(struct e810g *g)
{
	uint64_t atq = e810g_gpa(E810G_ATQ);

	g->nq = 0;
	/* ice_cfg_cq_regs for the ATQ; no ARQ (events are not used). */
	g->atq_n = ATQ_LEN;
	g->atq_ntu = 0;
	e810g_wr(g, E810_PF_FW_ATQH, 0);
	e810g_wr(g, E810_PF_FW_ATQT, 0);
	e810g_wr(g, E810_PF_FW_ATQLEN, ATQ_LEN | E810_AQLEN_ENABLE);
	e810g_wr(g, E810_PF_FW_ATQBAL, (uint32_t)atq);
	e810g_wr(g, E810_PF_FW_ATQBAH, (uint32_t)(atq >> 32));
	return e810g_rd(g, E810_PF_FW_ATQBAL) == (uint32_t)atq ? 0 : -EIO;
}

int e810g_open(struct e810g *g, const char *sock)
{
	unsigned msix;
	uint16_t nvec;

	memset(g, 0, sizeof(*g));
	g->c = vfuc_connect(sock, E810G_TMO);
	if (!g->c)
		return -ECONNREFUSED;
	if (vfuc_negotiate(g->c, NULL) || vfuc_mem_create(g->c, E810G_IOVA, E810G_MEM, &g->mem))
		goto fail;
	if (vfuc_cfg_write16(g->c, PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER))
		goto fail;
	msix = vfuc_find_cap(g->c, PCI_CAP_ID_MSIX);
	if (!msix)
		goto fail;
	nvec = (uint16_t)((vfuc_cfg_read16(g->c, msix + PCI_MSIX_FLAGS) & PCI_MSIX_FLAGS_QSIZE) + 1);
	if (vfuc_irq_enable(g->c, VFU_IRQ_MSIX, nvec) ||
	    vfuc_cfg_write16(g->c, msix + PCI_MSIX_FLAGS,
			     (uint16_t)(PCI_MSIX_FLAGS_ENABLE | (nvec - 1))))
		goto fail;
	g->nvec = nvec < E810G_NVEC_MAX ? nvec : E810G_NVEC_MAX;
	if (e810g_reset(g))
		goto fail;
	return 0;
fail:
	e810g_close(g);
	return -EIO;
}

void e810g_close(struct e810g *g)
{
	e810g_unmap_doorbells(g);
	if (!g->c)
		return;
	if (g->mem.base)
		vfuc_mem_destroy(g->c, &g->mem);
	vfuc_close(g->c);
	g->c = NULL;
}

static uint32_t sched_add(struct e810g *g, uint32_t parent)
{
	uint8_t prm[16] = { 0 }, b[8 + 24] = { 0 };

	p16(prm + SE_NUM_ELEM_REQ, 1);
	p32(b + 0, parent);
	p16(b + 4, 1);
	p32(b + 8, parent);
	b[8 + 8] = ELEM_TYPE_SE_GENERIC;
	b[8 + 9] = ELEM_VALID_GENERIC | ELEM_VALID_CIR | ELEM_VALID_EIR;
	p16(b + 8 + 14, 4);
	p16(b + 8 + 18, 4);
	if (e810g_aq(g, AQC_ADD_SCHED_ELEMS, prm, b, sizeof(b), true) ||
	    g16(prm + SE_NUM_ELEM_RESP) != 1)
		return 0xffffffffu;
	return g32(b + 8 + 4);
}

static uint16_t mac_rule(struct e810g *g, const uint8_t mac[6])
{
	uint8_t prm[16] = { 0 }, r[32] = { 0 };

	p16(prm + SR_NUM_RULES, 1);
	p16(r + SRE_TYPE, SW_RULE_LKUP_TX);
	p16(r + SRL_RECIPE, 1); /* ICE_SW_LKUP_MAC */
	p16(r + SRL_SRC, g->vsi);
	p32(r + SRL_ACT, ACT_VSI_FWD | ACT_VALID | (uint32_t)g->vsi << ACT_VSI_ID_S | (1u << 3));
	p16(r + SRL_HDR_LEN, 16);
	memcpy(r + SRL_HDR, mac, 6);
	r[SRL_HDR + 12] = 0x81;
	return e810g_aq(g, AQC_ADD_SW_RULES, prm, r, sizeof(r), true);
}

static bool pow2_ok(uint32_t n)
{
	return n >= 8 && n <= E810G_RING_MAX && !(n & (n - 1));
}

#define STEP(cond, what)                                                            \
	do {                                                                        \
		if (!(cond)) {                                                      \
			LOG_ERR("e810g", "%s failed (retval %u)", what, g->last_rv); \
			return -EIO;                                                \
		}                                                                   \
	} while (0)

/* Where queue q's rings and buffers are. */
static void q_layout(struct e810g_q *x, unsigned q)
{
	uint32_t base = E810G_QX_BASE + (q - 1u) * E810G_QX_SIZE;

	if (!q) {
		x->txring = E810G_TXRING;
		x->rxring = E810G_RXRING;
		x->txbuf = E810G_TXBUF;
		x->rxbuf = E810G_RXBUF;
		return;
	}
	x->txring = base + E810G_QX_TXRING;
	x->rxring = base + E810G_QX_RXRING;
	x->txbuf = base + E810G_QX_TXBUF;
	x->rxbuf = base + E810G_QX_RXBUF;
}

/* TX queue q: add_txqs with its context (ice_setup_tx_ctx). */
int e810g_txq_add(struct e810g *g, struct e810g_q *x, unsigned q, uint16_t vsi, uint32_t count)
{
	uint8_t prm[16] = { 0 }, b[TXQ_GRP_HDR + TXQ_PERQ_SIZE] = { 0 };
	uint8_t *ctx = b + TXQ_GRP_HDR + TXQ_CTX;

	memset(e810g_ptr(g, x->txring), 0, 16u * count);
	prm[ATQ_NUM_QGRPS] = 1;
	p32(b + 0, g->qgrp);
	b[4] = 1;
	p16(b + TXQ_GRP_HDR + TXQ_ID, (uint16_t)q);
	set_bits(ctx, 0, 57, e810g_gpa(x->txring) >> 7);
	set_bits(ctx, 65, 3, 0);
	set_bits(ctx, 78, 2, 2);
	set_bits(ctx, 80, 10, vsi);
	set_bits(ctx, 135, 13, count);
	set_bits(ctx, 164, 1, 1);
	b[TXQ_GRP_HDR + TXQ_INFO + 1] = ELEM_VALID_GENERIC | ELEM_VALID_CIR | ELEM_VALID_EIR;
	STEP(!e810g_aq(g, AQC_ADD_TXQS, prm, b, sizeof(b), true), "add_txqs");
	x->txq_teid = g32(b + TXQ_GRP_HDR + TXQ_TEID);
	x->tx_count = count;
	x->tx_tail = x->tx_clean = 0;
	return 0;
}

static int txq_up(struct e810g *g, unsigned q, uint32_t tx_count)
{
	return e810g_txq_add(g, &g->q[q], q, g->vsi, tx_count);
}

/* RX queue q: ice_setup_rx_ctx, the buffers, the tail, QENA_REQ. */
static int rxq_up(struct e810g *g, unsigned q, uint32_t rx_count)
{
	struct e810g_q *x = &g->q[q];
	uint32_t dw[8] = { 0 };
	uint8_t *d8 = (uint8_t *)dw;

	set_bits(d8, E810_RCTX_BASE, e810g_gpa(x->rxring) >> 7);
	set_bits(d8, E810_RCTX_QLEN, rx_count);
	set_bits(d8, E810_RCTX_DBUF, E810G_BUF_STRIDE / 128);
	set_bits(d8, E810_RCTX_DSIZE, 1);
	set_bits(d8, E810_RCTX_CRCSTRIP, 1);
	set_bits(d8, E810_RCTX_L2TSEL, 1);
	set_bits(d8, E810_RCTX_RXMAX, 1522);
	set_bits(d8, E810_RCTX_LRXQTHRESH, 1);
	set_bits(d8, E810_RCTX_PREFENA, 1);
	for (unsigned i = 0; i < 8; i++)
		e810g_wr(g, E810_QRX_CONTEXT(i, q), g32(d8 + 4 * i));
	x->rx_count = rx_count;
	x->rx_next = x->rx_given = 0;
	for (unsigned i = 0; i < rx_count; i++) {
		uint8_t *rd = e810g_ptr(g, x->rxring + 32u * i);

		memset(rd, 0, 32);
		p64(rd, e810g_gpa(x->rxbuf) + (uint64_t)E810G_BUF_STRIDE * i);
	}
	x->rx_tail = rx_count - 1;
	e810g_wr(g, E810_QRX_TAIL(q), x->rx_tail);
	e810g_wr(g, E810_QRX_CTRL(q), E810_QRX_CTRL_QENA_REQ);
	g->last_rv = 0;
	STEP(e810g_rd(g, E810_QRX_CTRL(q)) & E810_QRX_CTRL_QENA_STAT, "RX queue enable");
	return 0;
}

int e810g_add_vsi(struct e810g *g, uint16_t q0, uint16_t nq, uint16_t *vsi)
{
	uint8_t prm[16] = { 0 }, p[128] = { 0 };

	p16(p + VP_VALID_SECTIONS, 0x0001 | 0x0002 | 0x0004 | 0x0040 | 0x0080);
	p[4] = 0x10;
	p[12] = 0x03 | 0x18;
	p16(p + VP_Q_MAPPING, q0);
	p16(p + VP_Q_MAPPING + 2, nq);
	p[VP_Q_OPT_RSS] = 0x02;
	p16(prm + VC_VSI_FLAGS, 2);
	STEP(!e810g_aq(g, AQC_ADD_VSI, prm, p, sizeof(p), true), "add_vsi");
	*vsi = g16(prm + VR_VSI_NUM) & VSI_NUM_M;
	return 0;
}

int e810g_up(struct e810g *g, uint32_t tx_count, uint32_t rx_count)
{
	return e810g_up_queues(g, 1, tx_count, rx_count);
}

int e810g_up_queues(struct e810g *g, unsigned nq, uint32_t tx_count, uint32_t rx_count)
{
	static const uint8_t bc[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	uint8_t prm[16], buf[2048];
	unsigned layers, entry = 0, n;
	uint32_t parent = 0, tc = 0;

	if (!pow2_ok(tx_count) || !pow2_ok(rx_count) || tx_count > E810G_TX_PREFILL_MAX ||
	    nq < 1 || nq > E810G_QUEUES_MAX ||
	    (nq > 1 && (tx_count > E810G_QX_RING_MAX || rx_count > E810G_QX_RING_MAX)))
		return -EINVAL;
	memset(prm, 0, 16);
	STEP(!e810g_aq(g, AQC_GET_VER, prm, NULL, 0, false), "get_ver");
	memset(prm, 0, 16);
	STEP(!e810g_aq(g, AQC_CLEAR_PF_CFG, prm, NULL, 0, false), "clear_pf_cfg");
	memset(prm, 0, 16);
	STEP(!e810g_aq(g, AQC_GET_SW_CFG, prm, buf, sizeof(buf), false), "get_sw_cfg");
	memset(prm, 0, 16);
	STEP(!e810g_aq(g, AQC_MANAGE_MAC_READ, prm, buf, 16, false) &&
		     (g16(prm + MMR_FLAGS) & MMR_LAN_ADDR_VALID), "manage_mac_read");
	memcpy(g->mac, buf + 2, 6);
	/* ice_sched_query_res_alloc, ice_sched_init_port */
	memset(prm, 0, 16);
	memset(buf, 0, QSR_SIZE);
	STEP(!e810g_aq(g, AQC_QUERY_SCHED_RES, prm, buf, QSR_SIZE, false), "query_sched_res");
	layers = g16(buf + QSR_LOGICAL_LEVELS);
	STEP(layers >= 5 && layers <= 9, "sched layers");
	memset(prm, 0, 16);
	memset(buf, 0, sizeof(buf));
	STEP(!e810g_aq(g, AQC_GET_DFLT_TOPO, prm, buf, sizeof(buf), false), "get_dflt_topo");
	n = g16(buf + 4);
	STEP(n >= 2 && n <= 9, "default topology");
	for (unsigned j = 0; j < n; j++) {
		const uint8_t *e = buf + 8 + 24 * j;

		if (j == 1)
			tc = g32(e + 4);
		if (e[8] == ELEM_TYPE_ENTRY_POINT && !entry)
			entry = j;
	}
	STEP(entry > 0, "entry point");
	/* ice_setup_pf_sw: the PF VSI, its branch down to the queue group layer. */
	if (e810g_add_vsi(g, 0, (uint16_t)nq, &g->vsi))
		return -EIO;
	parent = tc;
	for (unsigned l = entry; l <= layers - 2; l++) {
		parent = sched_add(g, parent);
		STEP(parent != 0xffffffffu, "add_sched_elems");
	}
	g->qgrp = parent;
	STEP(!mac_rule(g, g->mac), "add_sw_rules (unicast)");
	STEP(!mac_rule(g, bc), "add_sw_rules (broadcast)");
	for (unsigned q = 0; q < nq; q++) {
		q_layout(&g->q[q], q);
		if (txq_up(g, q, tx_count) || rxq_up(g, q, rx_count))
			return -EIO;
	}
	g->nq = nq;
	return 0;
}

/* ---- TX ---- */

static void tx_desc(struct e810g *g, struct e810g_q *x, uint32_t i, uint64_t buf, uint32_t len)
{
	uint8_t *td = e810g_ptr(g, x->txring + 16u * i);

	p64(td, buf);
	p64(td + 8, (uint64_t)(E810_TXD_CMD_EOP | E810_TXD_CMD_RS) << E810_TXD_CMD_S |
			    (uint64_t)len << E810_TXD_BSZ_S);
}

static uint32_t txbuf(const struct e810g_q *x, uint32_t i)
{
	return x->txbuf + E810G_BUF_STRIDE * i;
}

uint32_t e810g_tx_free(const struct e810g *g)
{
	const struct e810g_q *x = &g->q[0];

	return (x->tx_clean + x->tx_count - x->tx_tail - 1) % x->tx_count;
}

uint32_t e810g_txq_reclaim(struct e810g *g, unsigned q)
{
	struct e810g_q *x = &g->q[q];
	uint32_t n = 0;

	while (x->tx_clean != x->tx_tail) {
		volatile uint8_t *wb = e810g_ptr(g, x->txring + 16u * x->tx_clean + E810_TXD_WB_BYTE);

		if ((*wb & E810_TXD_DTYPE_M) != E810_TXD_DTYPE_DONE)
			break;
		*wb = (uint8_t)(*wb & ~E810_TXD_DTYPE_M);
		x->tx_clean = (x->tx_clean + 1) % x->tx_count;
		n++;
	}
	x->tx_done += n;
	g->cnt.tx_done += n;
	return n;
}

uint32_t e810g_tx_reclaim(struct e810g *g)
{
	return e810g_txq_reclaim(g, 0);
}

int e810g_txq_one(struct e810g *g, unsigned q, const void *frame, uint32_t len)
{
	struct e810g_q *x;
	uint32_t i;

	if (q >= g->nq)
		return -EINVAL;
	x = &g->q[q];
	i = x->tx_tail;
	e810g_txq_reclaim(g, q);
	if ((x->tx_clean + x->tx_count - x->tx_tail - 1) % x->tx_count == 0 ||
	    len > E810G_BUF_STRIDE)
		return -ENOSPC;
	memcpy(e810g_ptr(g, txbuf(x, i)), frame, len);
	tx_desc(g, x, i, e810g_gpa(txbuf(x, i)), len);
	x->tx_tail = (i + 1) % x->tx_count;
	g->cnt.tx_posted++;
	g->cnt.tx_doorbells++;
	e810g_doorbell(g, E810_QTX_COMM_DBELL(q), x->tx_tail);
	return 0;
}

int e810g_tx_one(struct e810g *g, const void *frame, uint32_t len)
{
	return e810g_txq_one(g, 0, frame, len);
}

int e810g_tx_prefill(struct e810g *g, const uint8_t *frame, uint32_t len)
{
	struct e810g_q *x = &g->q[0];

	if (len > E810G_BUF_STRIDE || x->tx_count > E810G_TX_PREFILL_MAX)
		return -EINVAL;
	for (uint32_t i = 0; i < x->tx_count; i++) {
		memcpy(e810g_ptr(g, txbuf(x, i)), frame, len);
		tx_desc(g, x, i, e810g_gpa(txbuf(x, i)), len);
	}
	return 0;
}

void e810g_tx_post(struct e810g *g, uint32_t n)
{
	struct e810g_q *x = &g->q[0];
	uint32_t t = x->tx_tail;

	if (!n)
		return;
	/* Restore the command qword the device overwrote with the done mark. */
	for (uint32_t k = 0; k < n; k++) {
		uint8_t *wb = e810g_ptr(g, x->txring + 16u * ((t + k) % x->tx_count) + E810_TXD_WB_BYTE);

		wb[0] = (uint8_t)((wb[0] & ~E810_TXD_DTYPE_M) | E810_TXD_DTYPE_DATA);
	}
	x->tx_tail = (t + n) % x->tx_count;
	g->cnt.tx_posted += n;
	g->cnt.tx_doorbells++;
	e810g_doorbell(g, E810_QTX_COMM_DBELL(0), x->tx_tail);
}

/* ---- RX ---- */

static void rx_give(struct e810g *g, unsigned q)
{
	struct e810g_q *x = &g->q[q];

	/* The descriptors before rx_next are clean: the tail points at the last one. */
	x->rx_tail = (x->rx_next + x->rx_count - 1) % x->rx_count;
	e810g_doorbell(g, E810_QRX_TAIL(q), x->rx_tail);
	x->rx_given = 0;
}

static int rx_next_len(struct e810g *g, struct e810g_q *x, uint32_t *len)
{
	volatile uint8_t *rd = e810g_ptr(g, x->rxring + 32u * x->rx_next);
	uint16_t s0 = (uint16_t)(rd[E810_RXD_WB_STATUS0] | rd[E810_RXD_WB_STATUS0 + 1] << 8);

	if (!(s0 & E810_RXD_S0_DD))
		return 0;
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	*len = (uint32_t)(rd[E810_RXD_WB_PKT_LEN] | rd[E810_RXD_WB_PKT_LEN + 1] << 8) &
	       E810_RXD_PKT_LEN_M;
	return 1;
}

static void rx_rearm(struct e810g *g, struct e810g_q *x)
{
	uint8_t *rd = e810g_ptr(g, x->rxring + 32u * x->rx_next);

	memset(rd, 0, 32);
	p64(rd, e810g_gpa(x->rxbuf) + (uint64_t)E810G_BUF_STRIDE * x->rx_next);
	x->rx_next = (x->rx_next + 1) % x->rx_count;
	x->rx_given++;
}

uint32_t e810g_rxq_take_wb(struct e810g *g, unsigned q, uint8_t *out, uint32_t cap,
			   uint8_t wb[32])
{
	struct e810g_q *x;
	uint32_t len;

	if (q >= g->nq)
		return 0;
	x = &g->q[q];
	if (!rx_next_len(g, x, &len))
		return 0;
	memcpy(out, e810g_ptr(g, x->rxbuf + E810G_BUF_STRIDE * x->rx_next), len < cap ? len : cap);
	if (wb)
		memcpy(wb, e810g_ptr(g, x->rxring + 32u * x->rx_next), 32);
	rx_rearm(g, x);
	rx_give(g, q);
	x->rx_frames++;
	g->cnt.rx_frames++;
	g->cnt.rx_bytes += len;
	return len;
}

uint32_t e810g_rxq_take(struct e810g *g, unsigned q, uint8_t *out, uint32_t cap)
{
	return e810g_rxq_take_wb(g, q, out, cap, NULL);
}

uint32_t e810g_rx_take(struct e810g *g, uint8_t *out, uint32_t cap)
{
	return e810g_rxq_take(g, 0, out, cap);
}

uint32_t e810g_rxq_poll(struct e810g *g, unsigned q, uint32_t max, uint32_t give_batch)
{
	struct e810g_q *x;
	uint32_t n = 0, len;

	if (q >= g->nq)
		return 0;
	x = &g->q[q];
	while (n < max && rx_next_len(g, x, &len)) {
		rx_rearm(g, x);
		g->cnt.rx_bytes += len;
		n++;
	}
	x->rx_frames += n;
	g->cnt.rx_frames += n;
	if (x->rx_given && x->rx_given >= give_batch)
		rx_give(g, q);
	return n;
}

uint32_t e810g_rx_poll(struct e810g *g, uint32_t max, uint32_t give_batch)
{
	return e810g_rxq_poll(g, 0, max, give_batch);
}

/* ---- interrupts ---- */

void e810g_qint(struct e810g *g, unsigned q, bool rx, unsigned vec, unsigned itr, bool ena)
{
	uint32_t v = (vec & E810_INT_CTL_MSIX_INDX_M) |
		     ((itr << E810_INT_CTL_ITR_INDX_S) & E810_INT_CTL_ITR_INDX_M) |
		     (ena ? E810_INT_CTL_CAUSE_ENA : 0);

	e810g_wr(g, rx ? E810_QINT_RQCTL(q) : E810_QINT_TQCTL(q), v);
}

void e810g_itr(struct e810g *g, unsigned idx, unsigned vec, uint32_t us)
{
	e810g_wr(g, E810_GLINT_ITR(idx, vec), (us / 2u) & E810_GLINT_ITR_INTERVAL_M);
}

void e810g_irq_arm(struct e810g *g, unsigned vec, unsigned itr_idx, uint32_t us)
{
	uint32_t v = E810_GLINT_DYN_CTL_INTENA | E810_GLINT_DYN_CTL_CLEARPBA |
		     ((itr_idx << E810_GLINT_DYN_CTL_ITR_INDX_S) & E810_GLINT_DYN_CTL_ITR_INDX_M);

	if (itr_idx < 3)
		v |= ((us / 2u) << E810_GLINT_DYN_CTL_INTERVAL_S) & E810_GLINT_DYN_CTL_INTERVAL_M;
	e810g_wr(g, E810_GLINT_DYN_CTL(vec), v);
}

uint64_t e810g_irq_count(struct e810g *g, unsigned vec)
{
	int64_t n;

	if (vec >= g->nvec)
		return 0;
	n = vfuc_irq_wait(g->c, VFU_IRQ_MSIX, vec, 0);
	if (n > 0)
		g->irqs[vec] += (uint64_t)n;
	return g->irqs[vec];
}
