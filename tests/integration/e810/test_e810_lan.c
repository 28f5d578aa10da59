// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * e810-emu's LAN queues through vfio-user (the harness e810_srv.h), after
 * the ice 6.1 probe: an RX queue (QRX_CONTEXT, QRX_TAIL, QENA_REQ) and a TX
 * queue (add_txqs) moving frames between the guest's rings and the test
 * peer, the queue's vector firing, the statistics registers; hostile
 * doorbells and contexts counted; with --doorbell poll the doorbell pages
 * and the statistics block mapped and rung by plain stores, no vfio-user
 * message for them; trapped, BAR0 offers nothing to map.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>
#include <unistd.h>

#include "dev/e810/e810_regs.h"
#include "dev/e810/lan_desc.h"
#include "e810_drv.h"
#include "e810_probe.h"
#include "e810_srv.h"
#include "net/flow.h"

/* Statistics registers (in the block shared with --doorbell poll). */
#define GLPRT_GORCL0 0x00380000u
#define GLPRT_UPRCL0 0x00381300u
#define GLPRT_GOTCL0 0x00380b40u
#define GLPRT_UPTCL0 0x003811c0u
#define GLPRT_PTC64L0 0x00380b80u
#define PRTRPB_RDPC 0x000ac260u

/* Guest RAM of the LAN tests, inside the driver's scratch area (128 KiB). */
#define LAN_TXQ_RING DRV_SCRATCH             /* add_txq: queue q at + 4 KiB * q, 256 entries */
#define LAN_TX_BUFS (DRV_SCRATCH + 0x4000u)  /* 256 bytes each */
#define LAN_RXQ_RING (DRV_SCRATCH + 0x8000u) /* 32 descriptors of 32 bytes */
#define LAN_RX_BUFS (DRV_SCRATCH + 0x10000u) /* 32 buffers of 2 KiB */
#define LAN_RX_QLEN 32u
#define LAN_RX_DBUF 2048u
#define LAN_VEC 1u

static void set_bits(uint32_t *dw, unsigned lsb, unsigned width, uint64_t v)
{
	for (unsigned i = 0; i < width; i++) {
		unsigned b = lsb + i;

		dw[b / 32] = (dw[b / 32] & ~(1u << (b % 32))) | (uint32_t)((v >> i) & 1u) << (b % 32);
	}
}

/* An RX context as ice_setup_rx_ctx writes it, dword by dword into QRX_CONTEXT. */
static void rx_ctx_write(struct drv *d, unsigned q, uint64_t ring, unsigned qlen)
{
	uint32_t dw[8] = { 0 };

	set_bits(dw, E810_RCTX_BASE, ring >> 7);
	set_bits(dw, E810_RCTX_QLEN, qlen);
	set_bits(dw, E810_RCTX_DBUF, LAN_RX_DBUF / 128);
	set_bits(dw, E810_RCTX_DSIZE, 1);
	set_bits(dw, E810_RCTX_CRCSTRIP, 1);
	set_bits(dw, E810_RCTX_L2TSEL, 1);
	set_bits(dw, E810_RCTX_RXMAX, 1522);
	set_bits(dw, E810_RCTX_LRXQTHRESH, 1);
	set_bits(dw, E810_RCTX_PREFENA, 1);
	for (unsigned i = 0; i < 8; i++)
		drv_wr(d, E810_QRX_CONTEXT(i, q), dw[i]);
}

/*
 * After the probe: TX queue 0 through add_txqs, RX queue 0 from its context,
 * both on LAN_VEC. Returns the TX queue's parent (the VSI's queue group node).
 */
static uint32_t lan_up(struct ctx *x)
{
	struct drv *d = &x->d;
	struct probe pr;
	uint32_t teid;

	guest_enable(x);
	drv_wr(d, E810_PFGEN_CTRL, E810_PFGEN_CTRL_PFSWR);
	probe_61(d, &pr, &x->acfg);
	assert_int_equal(add_txq(d, pr.vsi_nodes[5], 0, pr.vsi, &teid), 0);
	assert_int_equal(srv_counter(x->s, "txq_on"), 1);

	drv_wr(d, E810_QINT_TQCTL(0), LAN_VEC | E810_INT_CTL_CAUSE_ENA);
	drv_wr(d, E810_QINT_RQCTL(0), LAN_VEC | E810_INT_CTL_CAUSE_ENA);
	drv_wr(d, E810_GLINT_DYN_CTL(LAN_VEC), E810_GLINT_DYN_CTL_INTENA);

	/* ice_setup_rx_ctx, ice_alloc_rx_bufs (the tail before the enable), QENA_REQ. */
	rx_ctx_write(d, 0, gpa_of(LAN_RXQ_RING), LAN_RX_QLEN);
	for (unsigned i = 0; i < LAN_RX_QLEN; i++) {
		uint8_t *rd = gpa_ptr(d, gpa_of(LAN_RXQ_RING) + 32u * i, 32);

		memset(rd, 0, 32);
		p64(rd, gpa_of(LAN_RX_BUFS) + (uint64_t)LAN_RX_DBUF * i);
	}
	drv_wr(d, E810_QRX_TAIL(0), LAN_RX_QLEN - 8);
	assert_false(drv_rd(d, E810_QRX_CTRL(0)) & E810_QRX_CTRL_QENA_STAT);
	drv_wr(d, E810_QRX_CTRL(0), E810_QRX_CTRL_QENA_REQ);
	assert_true(drv_rd(d, E810_QRX_CTRL(0)) & E810_QRX_CTRL_QENA_STAT);
	assert_int_equal(srv_counter(x->s, "rxq_on"), 1);
	drain(x, LAN_VEC);
	return pr.vsi_nodes[5];
}

/* A data descriptor: one buffer, a whole frame (EOP), done write-back asked (RS). */
static void tx_desc(struct drv *d, unsigned i, uint64_t buf, unsigned len)
{
	uint8_t *td = gpa_ptr(d, gpa_of(LAN_TXQ_RING) + 16u * i, 16);
	uint64_t q1 = (uint64_t)(E810_TXD_CMD_EOP | E810_TXD_CMD_RS) << E810_TXD_CMD_S |
		      (uint64_t)len << E810_TXD_BSZ_S;

	p64(td, buf);
	p64(td + 8, q1);
}

/* Frames of 60, 70 and 80 bytes (seeds 0, 0x10, 0x20) in TX descriptors 0..2. */
static void tx_three(struct drv *d)
{
	for (unsigned i = 0; i < 3; i++) {
		uint64_t buf = gpa_of(LAN_TX_BUFS) + 256u * i;

		frame(gpa_ptr(d, buf, 60 + 10 * i), 60 + 10 * i, (uint8_t)(0x10 * i));
		tx_desc(d, i, buf, 60 + 10 * i);
	}
}

static void test_lan_tx(void **state)
{
	struct ctx *x = *state;
	struct drv *d = &x->d;
	uint32_t qgrp = lan_up(x);

	tx_three(d);
	/* The doorbell walks the ring: the frames are at the peer when the write returns. */
	drv_wr(d, E810_QTX_COMM_DBELL(0), 3);
	assert_int_equal(x->s->peer_rx, 3);
	assert_int_equal(x->s->peer_last_len, 80);
	{
		uint8_t want[80];

		frame(want, 80, 0x20);
		assert_memory_equal(x->s->peer_last, want, 80);
	}
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(gpa_ptr(d, gpa_of(LAN_TXQ_RING) + 16u * i, 16)[E810_TXD_WB_BYTE] &
				 E810_TXD_DTYPE_M, E810_TXD_DTYPE_DONE);
	assert_int_equal(drv_rd(d, E810_QTX_COMM_HEAD(0)), 3);
	assert_true(vfuc_irq_wait(x->c, VFU_IRQ_MSIX, LAN_VEC, TMO) > 0);
	assert_int_equal(srv_counter(x->s, "tx_pkts"), 3);

	/* The vector auto-masked: the next completion waits for INTENA. */
	tx_desc(d, 3, gpa_of(LAN_TX_BUFS), 60);
	drv_wr(d, E810_QTX_COMM_DBELL(0), 4);
	assert_int_equal(x->s->peer_rx, 4);
	assert_int_equal(vfuc_irq_wait(x->c, VFU_IRQ_MSIX, LAN_VEC, 100), 0);
	drv_wr(d, E810_GLINT_DYN_CTL(LAN_VEC), E810_GLINT_DYN_CTL_INTENA);
	assert_true(vfuc_irq_wait(x->c, VFU_IRQ_MSIX, LAN_VEC, TMO) > 0);

	/* dis_txqs stops the queue: doorbells are ignored. */
	assert_int_equal(dis_txq(d, qgrp, 0), 0);
	assert_int_equal(srv_counter(x->s, "txq_on"), 0);
	tx_desc(d, 4, gpa_of(LAN_TX_BUFS), 60);
	drv_wr(d, E810_QTX_COMM_DBELL(0), 5);
	assert_int_equal(x->s->peer_rx, 4);
}

static void test_lan_rx(void **state)
{
	struct ctx *x = *state;
	struct drv *d = &x->d;
	uint64_t wakes;

	lan_up(x);
	assert_int_equal(srv_inject(x->s, NET_QUEUE_ANY, 3, 100), 3);
	for (unsigned i = 0; i < 3; i++) {
		const uint8_t *rd = gpa_ptr(d, gpa_of(LAN_RXQ_RING) + 32u * i, 32);
		uint8_t want[100];

		assert_true(g16(rd + E810_RXD_WB_STATUS0) & E810_RXD_S0_DD);
		assert_true(g16(rd + E810_RXD_WB_STATUS0) & E810_RXD_S0_EOF);
		assert_int_equal(g16(rd + E810_RXD_WB_PKT_LEN) & E810_RXD_PKT_LEN_M, 100);
		frame(want, 100, (uint8_t)i);
		assert_memory_equal(gpa_ptr(d, gpa_of(LAN_RX_BUFS) + (uint64_t)LAN_RX_DBUF * i, 100),
				    want, 100);
	}
	assert_int_equal(g16(gpa_ptr(d, gpa_of(LAN_RXQ_RING) + 32u * 3, 32) + E810_RXD_WB_STATUS0) &
			 E810_RXD_S0_DD, 0);
	assert_true(vfuc_irq_wait(x->c, VFU_IRQ_MSIX, LAN_VEC, TMO) > 0);
	assert_int_equal(srv_counter(x->s, "rx_pkts"), 3);

	/* The ring fills (24 buffers given): the rest is dropped and counted. */
	assert_int_equal(srv_inject(x->s, NET_QUEUE_ANY, 8, 100), 8);
	assert_int_equal(srv_inject(x->s, NET_QUEUE_ANY, 8, 100), 8);
	assert_int_equal(srv_inject(x->s, NET_QUEUE_ANY, 8, 100), 5);
	assert_int_equal(srv_counter(x->s, "rx_pkts"), 24);
	assert_int_equal(srv_counter(x->s, "rx_drop_nodesc"), 3);
	/* The statistics registers, trapped: the same counts (8-byte reads too). */
	{
		uint64_t q = 0;

		assert_int_equal(stat_trapped(x, GLPRT_UPRCL0), 24);
		assert_int_equal(stat_trapped(x, GLPRT_GORCL0), srv_counter(x->s, "rx_bytes"));
		assert_int_equal(vfuc_region_read(x->c, VFU_PCI_BAR0, GLPRT_UPRCL0, &q, 8), 0);
		assert_int_equal(q, 24);
		assert_int_equal(bar0_rd(x, PRTRPB_RDPC), 3);
		assert_true(srv_counter(x->s, "stats_reads") >= 5);
	}

	/* No room: the peer is woken when the driver gives buffers back (the last 8, wrapping). */
	wakes = x->s->peer_wakes;
	assert_int_equal(srv_space(x->s, NET_QUEUE_ANY), 0);
	drv_wr(d, E810_QRX_TAIL(0), 0);
	assert_int_equal(x->s->peer_wakes, wakes + 1);
	assert_int_equal(srv_space(x->s, NET_QUEUE_ANY), 8);
	assert_int_equal(srv_inject(x->s, NET_QUEUE_ANY, 8, 100), 8);
	assert_true(g16(gpa_ptr(d, gpa_of(LAN_RXQ_RING) + 32u * 31, 32) + E810_RXD_WB_STATUS0) &
		    E810_RXD_S0_DD);

	/* PF reset: the queue is off, frames are dropped before the ring. */
	drv_wr(d, E810_PFGEN_CTRL, E810_PFGEN_CTRL_PFSWR);
	assert_false(drv_rd(d, E810_QRX_CTRL(0)) & E810_QRX_CTRL_QENA_STAT);
	assert_int_equal(srv_counter(x->s, "rxq_on"), 0);
	assert_int_equal(srv_counter(x->s, "txq_on"), 0);
	assert_int_equal(srv_inject(x->s, NET_QUEUE_ANY, 2, 100), 0);
	assert_int_equal(srv_counter(x->s, "rx_dropped"), 2);
}

/* An RX ethertype rule on the local experimental type (srv_inject's frames): drop. */
static uint16_t etype_drop_rule(struct drv *d, uint16_t *index)
{
	uint8_t r[32] = { 0 };
	uint16_t rv;

	clr();
	p16(prm + SR_NUM_RULES, 1);
	p16(r + SRE_TYPE, SW_RULE_LKUP_RX);
	p16(r + SRL_RECIPE, LKUP_ETHERTYPE);
	p32(r + SRL_ACT, ACT_VSI_FWD | ACT_DROP | ACT_VALID);
	p16(r + SRL_HDR_LEN, 16);
	r[SRL_HDR] = 2;
	r[SRL_HDR + SWH_ETYPE] = 0x88;
	r[SRL_HDR + SWH_ETYPE + 1] = 0xb5;
	rv = drv_cmd(d, AQC_ADD_SW_RULES, prm, r, sizeof(r), true, NULL);
	*index = g16(r + SRL_INDEX);
	return rv;
}

/*
 * The switch rules in the model's receive path: the probe's MAC and broadcast rules let the
 * peer's frames in, an ethertype drop rule takes them until it is removed; dump_stats counts.
 */
static void test_lan_rules(void **state)
{
	struct ctx *x = *state;
	struct drv *d = &x->d;
	uint8_t r[16] = { 0 };
	uint16_t idx;

	lan_up(x);
	assert_int_equal(srv_counter(x->s, "sw_rules_rx"), 2);
	assert_int_equal(srv_inject(x->s, NET_QUEUE_ANY, 3, 100), 3);
	assert_int_equal(srv_counter(x->s, "sw_hits"), 3);
	assert_int_equal(etype_drop_rule(d, &idx), 0);
	assert_int_equal(srv_inject(x->s, NET_QUEUE_ANY, 2, 100), 0);
	assert_int_equal(srv_counter(x->s, "sw_drops"), 2);
	assert_int_equal(srv_counter(x->s, "rx_rule_drops"), 2);
	assert_int_equal(srv_counter(x->s, "rx_pkts"), 3);
	clr();
	p16(prm + SR_NUM_RULES, 1);
	p16(r + SRL_INDEX, idx);
	assert_int_equal(drv_cmd(d, AQC_REMOVE_SW_RULES, prm, r, sizeof(r), true, NULL), 0);
	assert_int_equal(srv_inject(x->s, NET_QUEUE_ANY, 1, 100), 1);
	assert_int_equal(srv_counter(x->s, "rx_pkts"), 4);
	/* Removed twice: refused, counted. */
	clr();
	p16(prm + SR_NUM_RULES, 1);
	assert_int_equal(drv_cmd(d, AQC_REMOVE_SW_RULES, prm, r, sizeof(r), true, NULL), AQ_RC_ENOENT);
	assert_int_equal(srv_counter(x->s, "sw_rules_refused"), 1);
	assert_true(srv_counter(x->s, "sw_compiles") >= 2);
}

struct flows_call {
	struct srv *s;
	struct net_flow f[8];
	unsigned n;
	uint64_t gen;
};

static void flows_on_dev(void *arg)
{
	struct flows_call *c = arg;

	c->n = c->s->inst->model->flows(c->s->inst, c->f, 8, &c->gen);
}

static struct flows_call flows_now(struct srv *s)
{
	struct flows_call c = { .s = s };

	srv_call(s, flows_on_dev, &c);
	return c;
}

/*
 * The model's flows op (what the DPDK uplink offloads): the probe's unicast MAC rule as a flow
 * to the VM's MAC (the broadcast one cannot be the VM's: not listed), the generation still
 * while nothing changes and moving with a rule added (the drop, listed with its ethertype and
 * ID) and removed.
 */
static void test_lan_flows_op(void **state)
{
	struct ctx *x = *state;
	struct drv *d = &x->d;
	struct flows_call a, b, c;
	uint8_t r[16] = { 0 };
	uint16_t idx;
	bool found = false;

	lan_up(x);
	a = flows_now(x->s);
	assert_int_equal(a.n, 1);
	assert_memory_equal(a.f[0].m.dst_mac, srv_mac, 6);
	assert_int_equal(a.f[0].origin, NET_FLOW_FROM_SWITCH_RULE);
	b = flows_now(x->s);
	assert_true(b.gen == a.gen);
	assert_int_equal(etype_drop_rule(d, &idx), 0);
	b = flows_now(x->s);
	assert_true(b.gen != a.gen);
	assert_int_equal(b.n, 2);
	for (unsigned i = 0; i < b.n; i++) {
		if (b.f[i].action != NET_FLOW_DROP)
			continue;
		found = true;
		assert_true(b.f[i].m.fields & NET_FLOW_F_ETYPE);
		assert_int_equal(b.f[i].m.ethertype, 0x88b5);
		assert_int_equal(b.f[i].origin_id, idx);
		assert_memory_equal(b.f[i].m.dst_mac, srv_mac, 6);
	}
	assert_true(found);
	clr();
	p16(prm + SR_NUM_RULES, 1);
	p16(r + SRL_INDEX, idx);
	assert_int_equal(drv_cmd(d, AQC_REMOVE_SW_RULES, prm, r, sizeof(r), true, NULL), 0);
	c = flows_now(x->s);
	assert_true(c.gen != b.gen);
	assert_int_equal(c.n, 1);
	assert_memory_equal(&c.f[0], &a.f[0], sizeof(a.f[0]));
}

static void test_lan_hostile(void **state)
{
	struct ctx *x = *state;
	struct drv *d = &x->d;

	lan_up(x);
	/* A TX doorbell beyond the 256-entry ring: ignored, counted. */
	drv_wr(d, E810_QTX_COMM_DBELL(0), 300);
	drv_wr(d, E810_QTX_COMM_DBELL(0), 0xffffffffu);
	assert_int_equal(x->s->peer_rx, 0);
	assert_int_equal(srv_counter(x->s, "tx_tail_oor"), 2);
	/* A doorbell for a queue add_txqs never made: nothing runs. */
	drv_wr(d, E810_QTX_COMM_DBELL(1), 8);
	assert_int_equal(x->s->peer_rx, 0);

	/* RX queue 1's ring outside guest RAM: the frames are lost, counted. */
	rx_ctx_write(d, 1, 0x40000000ull, LAN_RX_QLEN);
	drv_wr(d, E810_QRX_TAIL(1), 8);
	drv_wr(d, E810_QRX_CTRL(1), E810_QRX_CTRL_QENA_REQ);
	assert_true(drv_rd(d, E810_QRX_CTRL(1)) & E810_QRX_CTRL_QENA_STAT);
	assert_int_equal(srv_inject(x->s, 1, 2, 100), 0);
	assert_true(srv_counter(x->s, "rx_desc_dma") >= 1);
	/* An RX tail outside the ring is ignored. */
	drv_wr(d, E810_QRX_TAIL(0), 4096);
	assert_int_equal(srv_counter(x->s, "rx_tail_oor"), 1);
	/* A context the queue refuses (no data buffer size): QENA_STAT stays clear. */
	for (unsigned i = 0; i < 8; i++)
		drv_wr(d, E810_QRX_CONTEXT(i, 2), 0);
	drv_wr(d, E810_QRX_CTRL(2), E810_QRX_CTRL_QENA_REQ);
	assert_false(drv_rd(d, E810_QRX_CTRL(2)) & E810_QRX_CTRL_QENA_STAT);
	/* Queue 0 still works. */
	assert_int_equal(srv_inject(x->s, 0, 1, 100), 1);
	assert_true(vfuc_irq_wait(x->c, VFU_IRQ_MSIX, LAN_VEC, TMO) > 0);
}

/*
 * A hostile value stored on doorbell page page for queue 0: counted under
 * name once, and not again while it stays on the page (the device keeps
 * polling it).
 */
static void hostile_store(struct ctx *x, unsigned page, uint32_t v, const char *name)
{
	long long was = srv_counter(x->s, name);

	db_st(x, page, 0, v);
	assert_int_equal(srv_wait_counter(x->s, name, was + 1), was + 1);
	usleep(20000);
	assert_int_equal(srv_counter(x->s, name), was + 1);
}

/*
 * --doorbell poll: the three doorbell pages mapped, TX and RX doorbells and
 * DYN_CTL rung by plain stores: frames move and the vector fires without a
 * vfio-user message for them.
 */
static void test_lan_poll(void **state)
{
	struct ctx *x = *state;
	struct drv *d = &x->d;
	uint64_t req;

	map_doorbells(x);
	/* The harness's trapped writes of the tail and DYN_CTL land on the pages. */
	lan_up(x);
	assert_true(srv_counter(x->s, "db_page_traps") >= 2);
	assert_true(srv_counter(x->s, "db_rx") >= 1);

	req = requests(x);
	tx_three(d);
	db_st(x, 1, 0, 3);
	assert_int_equal(srv_wait_counter(x->s, "tx_pkts", 3), 3);
	assert_true(vfuc_irq_wait(x->c, VFU_IRQ_MSIX, LAN_VEC, TMO) > 0);
	assert_int_equal(x->s->peer_rx, 3);

	/* Auto-masked; INTENA by a store brings the held cause. */
	tx_desc(d, 3, gpa_of(LAN_TX_BUFS), 60);
	db_st(x, 1, 0, 4);
	assert_int_equal(srv_wait_counter(x->s, "tx_pkts", 4), 4);
	assert_int_equal(vfuc_irq_wait(x->c, VFU_IRQ_MSIX, LAN_VEC, 100), 0);
	db_st(x, 2, LAN_VEC, E810_GLINT_DYN_CTL_INTENA | E810_GLINT_DYN_CTL_CLEARPBA);
	assert_true(vfuc_irq_wait(x->c, VFU_IRQ_MSIX, LAN_VEC, TMO) > 0);
	/* The same command again is a new command: the page was set back when the first was taken. */
	for (int i = 0; i < TMO && !(x->db[2][LAN_VEC] & E810_GLINT_DYN_CTL_INTENA_MSK); i++)
		usleep(1000);
	assert_true(x->db[2][LAN_VEC] & E810_GLINT_DYN_CTL_INTENA_MSK);
	tx_desc(d, 4, gpa_of(LAN_TX_BUFS), 60);
	db_st(x, 1, 0, 5);
	assert_int_equal(srv_wait_counter(x->s, "tx_pkts", 5), 5);
	assert_int_equal(vfuc_irq_wait(x->c, VFU_IRQ_MSIX, LAN_VEC, 100), 0);
	db_st(x, 2, LAN_VEC, E810_GLINT_DYN_CTL_INTENA | E810_GLINT_DYN_CTL_CLEARPBA);
	assert_true(vfuc_irq_wait(x->c, VFU_IRQ_MSIX, LAN_VEC, TMO) > 0);
	/* SWINT_TRIG (with INTENA) fires the vector by itself. */
	db_st(x, 2, LAN_VEC, E810_GLINT_DYN_CTL_INTENA | E810_GLINT_DYN_CTL_SWINT_TRIG);
	assert_true(vfuc_irq_wait(x->c, VFU_IRQ_MSIX, LAN_VEC, TMO) > 0);

	/* RX: frames into the posted buffers; the tail by a store gives more back. */
	assert_int_equal(srv_inject(x->s, NET_QUEUE_ANY, 8, 100), 8);
	assert_int_equal(srv_counter(x->s, "rx_pkts"), 8);
	db_st(x, 2, LAN_VEC, E810_GLINT_DYN_CTL_INTENA);
	assert_true(vfuc_irq_wait(x->c, VFU_IRQ_MSIX, LAN_VEC, TMO) > 0);
	assert_int_equal(srv_inject(x->s, NET_QUEUE_ANY, 8, 100), 8);
	assert_int_equal(srv_inject(x->s, NET_QUEUE_ANY, 8, 100), 8);
	assert_int_equal(srv_space(x->s, NET_QUEUE_ANY), 0);
	db_st(x, 0, 0, 8); /* the first 8 buffers back, past the wrap */
	for (int i = 0; i < TMO && srv_space(x->s, NET_QUEUE_ANY) < 16; i++)
		usleep(1000);
	assert_int_equal(srv_space(x->s, NET_QUEUE_ANY), 16);
	assert_int_equal(srv_inject(x->s, NET_QUEUE_ANY, 8, 100), 8);
	assert_int_equal(srv_inject(x->s, NET_QUEUE_ANY, 8, 100), 8);
	assert_int_equal(srv_counter(x->s, "rx_pkts"), 40);

	/* Hostile values on the pages: counted once each, never followed. */
	hostile_store(x, 1, 0xffffu, "tx_tail_oor");
	assert_int_equal(srv_counter(x->s, "tx_pkts"), 5);
	hostile_store(x, 0, 0x1ff8u, "rx_tail_oor");
	/* Beyond the queues and vectors: ignored. */
	db_st(x, 1, 100, 1);
	db_st(x, 2, 1000, 0xffffffffu);
	usleep(20000);
	assert_int_equal(srv_counter(x->s, "tx_pkts"), 5);

	/*
	 * The port's statistics in the shared block, refreshed by the device's
	 * thread (every 10 ms while it polls): 5 frames sent (60, 70, 80, 60
	 * and 60 bytes: three of 64 with the FCS), 40 received.
	 */
	for (int i = 0; i < TMO && stat_mapped(x, GLPRT_UPRCL0) != 40; i++)
		usleep(1000);
	assert_int_equal(stat_mapped(x, GLPRT_UPRCL0), 40);
	assert_int_equal(stat_mapped(x, GLPRT_UPTCL0), 5);
	assert_int_equal(stat_mapped(x, GLPRT_GOTCL0), 60 + 70 + 80 + 60 + 60);
	assert_int_equal(stat_mapped(x, GLPRT_PTC64L0), 3);
	assert_int_equal(stat_mapped(x, GLPRT_GORCL0), srv_counter(x->s, "rx_bytes"));

	/* None of it was a vfio-user message. */
	assert_int_equal(requests(x), req);
	assert_true(srv_counter(x->s, "db_tx") >= 3);
	assert_true(srv_counter(x->s, "db_dyn") >= 4);
	assert_int_equal(srv_counter(x->s, "db_hook_err"), 0);

	/* A PF reset sets the pages back: a read of a doorbell page gives 0. */
	drv_wr(d, E810_PFGEN_CTRL, E810_PFGEN_CTRL_PFSWR);
	assert_int_equal(x->db[1][0], 0);
	assert_int_equal(x->db[0][0], 0);
}

/* Trapped: BAR0 offers nothing to map. */
static void test_trap_offers_no_pages(void **state)
{
	struct ctx *x = *state;
	struct vfu_region_info ri;
	int fd = -1;

	assert_int_equal(vfuc_region_info(x->c, VFU_PCI_BAR0, &ri, NULL, 0, &fd), 0);
	assert_false(ri.flags & VFU_REGION_F_MMAP);
	assert_int_equal(fd, -1);
	assert_int_equal(srv_counter(x->s, "db_page_traps"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lan_tx, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lan_rx, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lan_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lan_flows_op, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lan_hostile, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lan_poll, setup_poll, teardown),
		cmocka_unit_test_setup_teardown(test_trap_offers_no_pages, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
