// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * e810-emu's flow director through vfio-user (the harness e810_srv.h), as
 * ice programs it for "ethtool -N flow-type udp4 dst-port P action Q":
 * after the 6.1 probe, a control VSI with its own queue pair (the pair past
 * --queues), the FD block's profile for IPv4/UDP (its sections built as ice
 * builds them, ice_flow_add_prof: the UDP destination port and its swapped
 * partner, put straight into the device's tables) and its GLQF_FDINSET and
 * GLQF_FDSWAP registers through BAR0; then on the control VSI's TX queue a
 * programming descriptor and a DUMMY data descriptor with the packet ice
 * builds (source and destination exchanged, ice_fdir_get_gen_prgm_pkt).
 *
 * - The filter is in: the data descriptor is done, the programming status
 *   (COMP_REPORT always) is on the control VSI's RX ring (descriptors only,
 *   as 7.x gives it) with DD and the FD ID, its vector fires; GLQF_FD_CNT and
 *   VSIQF_FD_CNT count it; that ring's room of 0 holds no frame back.
 * - Frames from the peer to that UDP port land on the filter's queue (its
 *   VSI's queue map), others on queue 0; GLSTAT_FD_CNT0 at the descriptor's
 *   counter index counts the matches (ice's fdir_sb_match), trapped and in
 *   the statistics block --doorbell poll shares.
 * - A queue region (toq 1, as ice's VF path programs one): the flow's
 *   frames spread by their RSS hash over the region's 2 queues; a region
 *   past the VSI's queues is cut to those it has (fd_region_clamped).
 * - Refusals reported as the hardware does: a remove of a filter not there
 *   (FAIL with PROG_DEL), a packet of a type without a profile (FAIL_PROF),
 *   a dummy packet of 0 bytes (FAIL): counted, the device goes on.
 * - The remove: frames go back to queue 0; a PF reset drops every filter.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dev/e810/e810_regs.h"
#include "dev/e810/flex.h"
#include "dev/e810/lan_desc.h"
#include "dev/e810/model_priv.h"
#include "dev/e810/steer.h"
#include "e810_drv.h"
#include "e810_probe.h"
#include "e810_srv.h"
#include "fd_util.h"
#include "net/pkt.h"

/* Guest RAM, inside the driver's scratch area (128 KiB). */
#define CTRL_Q (2u * QUEUES)                      /* the last pair: E810_MODEL_QPS(QUEUES) - 1 */
#define TXQ_RING(q) (DRV_SCRATCH + 0x1000u * (q)) /* add_txq's place for queue q */
#define RXQ_IDX(q) ((q) == CTRL_Q ? 2u : (q) == 3u ? 3u : (q) / 2u) /* queues 0, 2, 3, CTRL_Q */
#define RXQ_RING(q) (DRV_SCRATCH + 0x9000u + 0x400u * RXQ_IDX(q)) /* 32 descriptors each */
#define RX_BUFS(q) (DRV_SCRATCH + 0xa000u + 0x4000u * RXQ_IDX(q))
#define DUMMY (DRV_SCRATCH + 0x1b000u)
#define RX_QLEN 32u
#define TX_QLEN 256u /* tx_ctx's ring length */
#define RX_DBUF 512u
#define VEC_LAN 1u
#define VEC_CTRL 2u

/* The FD profile this test programs and its pipeline (as ice-1.3.43.0.pkg and ice give them). */
#define PROF 5u
#define VSIG 0x2001u
#define STAT_IDX 256u
#define FDID 77u
#define PORT 5001u

/* FD registers (ice_hw_autogen.h). */
#define GLQF_FD_CNT 0x00460018u
#define VSIQF_FD_CNT(v) (0x00464000u + (v) * 4u)
#define GLSTAT_FD_CNT0L(i) (0x003a0000u + (i) * 8u)

static uint16_t pf_vsi, lan_vsi, ctrl_vsi;

static void set_bits(uint32_t *dw, unsigned lsb, unsigned width, uint64_t v)
{
	for (unsigned i = 0; i < width; i++) {
		unsigned b = lsb + i;

		dw[b / 32] = (dw[b / 32] & ~(1u << (b % 32))) | (uint32_t)((v >> i) & 1u) << (b % 32);
	}
}

static uint8_t *rx_desc(struct drv *d, unsigned q, unsigned i)
{
	return gpa_ptr(d, gpa_of(RXQ_RING(q)) + 32u * i, 32);
}

/*
 * An RX queue as ice_setup_rx_ctx and ice_alloc_rx_bufs set it up, on vector
 * vec; without buffers (dbuf 0, rxmax 0) as 7.x sets up its control VSI's
 * ring (ice_init_ctrl_rx_descs: descriptors only).
 */
static void rx_up(struct ctx *x, unsigned q, unsigned vec, bool bufs)
{
	struct drv *d = &x->d;
	uint32_t dw[8] = { 0 };

	set_bits(dw, E810_RCTX_BASE, gpa_of(RXQ_RING(q)) >> 7);
	set_bits(dw, E810_RCTX_QLEN, RX_QLEN);
	set_bits(dw, E810_RCTX_DBUF, bufs ? RX_DBUF / 128 : 0);
	set_bits(dw, E810_RCTX_DSIZE, 1);
	set_bits(dw, E810_RCTX_CRCSTRIP, 1);
	set_bits(dw, E810_RCTX_L2TSEL, 1);
	set_bits(dw, E810_RCTX_RXMAX, bufs ? 1522 : 0);
	for (unsigned i = 0; i < 8; i++)
		drv_wr(d, E810_QRX_CONTEXT(i, q), dw[i]);
	for (unsigned i = 0; i < RX_QLEN; i++) {
		uint8_t *rd = rx_desc(d, q, i);

		memset(rd, 0, 32);
		if (bufs)
			p64(rd, gpa_of(RX_BUFS(q)) + (uint64_t)RX_DBUF * i);
	}
	drv_wr(d, E810_QRX_TAIL(q), RX_QLEN - 8);
	drv_wr(d, E810_QINT_RQCTL(q), vec | E810_INT_CTL_CAUSE_ENA);
	drv_wr(d, E810_QRX_CTRL(q), E810_QRX_CTRL_QENA_REQ);
	assert_true(drv_rd(d, E810_QRX_CTRL(q)) & E810_QRX_CTRL_QENA_STAT);
}

/* ---- the FD profile, as ice_flow_add_prof leaves it ------------------------------- */

static struct e810_flex *flex_of(struct ctx *x)
{
	return e810_aq_flex(((struct e810 *)x->s->inst)->aq);
}

/* The profile: the UDP destination port (client/e810fd.h builds it as ice does). */
static void udp4_prof(struct e810fd_prof *p)
{
	const struct e810fd_word w[] = { { E810FD_P_UDP, 2 } };

	e810fd_build_prof(w, 1, p);
}

/*
 * On the device's thread: XLT1 (the package's: IPv4/UDP in its group), the
 * field vector (UDP destination port in the last word, its source-port
 * partner below it, as ice_update_fd_swap adds it), the TCAM entry (group,
 * VSIG) -> PROF and XLT2 for the PF and control VSIs.
 */
static void tables_cb(void *arg)
{
	struct e810_flex *fx = flex_of(arg);
	struct e810fd_prof p;
	uint8_t key[10];

	udp4_prof(&p);
	assert_int_equal(fdu_sec_xlt1_pkg(fx), 0);
	assert_int_equal(fdu_sec_es(fx, PROF, &p), 0);
	e810fd_tcam_key(FDU_PTG_IPV4_UDP, VSIG, key);
	assert_int_equal(fdu_sec_tcam(fx, 0, key, PROF), 0);
	assert_int_equal(fdu_sec_xlt2(fx, pf_vsi, VSIG), 0);
	assert_int_equal(fdu_sec_xlt2(fx, ctrl_vsi, VSIG), 0);
}

static void bar0_wr(void *arg, uint32_t off, uint32_t val)
{
	drv_wr(arg, off, val);
}

/* GLQF_FDINSET / FDSWAP through BAR0: the input set is every word but the added partner. */
static void profile_regs(struct drv *d)
{
	struct e810fd_prof p;

	udp4_prof(&p);
	fdu_regs(PROF, &p, bar0_wr, d);
}

/* ---- frames ------------------------------------------------------------------------- */

/* An IPv4 frame to the device's MAC with a UDP (proto 17) or TCP (6) header; its length. */
static unsigned frame4(uint8_t *f, unsigned cap, uint8_t proto, uint16_t sp, uint16_t dp)
{
	assert_true(14 + 20 + 20 + 18 <= cap);
	return fdu_frame4(f, srv_mac, (const uint8_t *)"\x02\x00\x00\x00\x00\x02", proto,
			  0x0a4d0001, 0x0a4d0002, sp, dp, 18);
}

struct inj {
	struct srv *s;
	uint16_t dport;
	unsigned n;
	bool hashed;     /* each with an RSS hash from the backend: i */
	uint16_t taken;
};

static void inject_cb(void *arg)
{
	struct inj *a = arg;
	struct pkt *pk[8];

	if (!a->s->pool)
		a->s->pool = pkt_pool_create("peer", 64);
	assert_non_null(a->s->pool);
	for (unsigned i = 0; i < a->n; i++) {
		pk[i] = pkt_alloc(a->s->pool);
		assert_non_null(pk[i]);
		pk[i]->len = frame4(pk[i]->data, 128, 17, (uint16_t)(40000 + i), a->dport);
		if (a->hashed) {
			pk[i]->flags |= PKT_F_RSS;
			pk[i]->rss_hash = i;
		}
	}
	a->taken = net_port_send_q(&a->s->peer, NET_QUEUE_ANY, pk, (uint16_t)a->n);
}

/* The peer sends n UDP frames to dport; the RX queue packet counts after. */
static void inject(struct ctx *x, uint16_t dport, unsigned n)
{
	struct inj a = { x->s, dport, n, false, 0 };

	srv_call(x->s, inject_cb, &a);
	assert_int_equal(a.taken, n);
}

/* The same with RSS hashes 0..n-1 (at most 8), as a backend that hashes gives them. */
static void inject_hashed(struct ctx *x, uint16_t dport, unsigned n)
{
	struct inj a = { x->s, dport, n, true, 0 };

	srv_call(x->s, inject_cb, &a);
	assert_int_equal(a.taken, n);
}

static unsigned rxq_pkts(struct ctx *x, unsigned q)
{
	return ((struct e810 *)x->s->inst)->qp[q].rx.st.pkts;
}

/* ---- programming ------------------------------------------------------------------- */

/* --doorbell poll's statistics block as the device fills it (here into a buffer of ours). */
static uint8_t stats_block[0x000b8000u];

static void stats_fill_cb(void *arg)
{
	struct ctx *x = arg;

	e810_fdir_stats_fill((struct e810 *)x->s->inst, stats_block);
}

static unsigned tx_next;

/*
 * ice_fdir_get_prgm_desc + ice_prgm_fdir_fltr: the programming descriptor
 * and the DUMMY data descriptor (EOP, RS, RE) over a 562-byte buffer
 * holding pkt (len bytes; 0: a buffer size of 0), rung at once.
 */
static void program_port(struct ctx *x, bool del, unsigned report, uint32_t fdid, uint8_t proto,
			 unsigned len_override, uint16_t port, unsigned toq)
{
	struct drv *d = &x->d;
	uint8_t *fd = gpa_ptr(d, gpa_of(TXQ_RING(CTRL_Q)) + 16u * tx_next, 16);
	uint8_t *dd = gpa_ptr(d, gpa_of(TXQ_RING(CTRL_Q)) + 16u * (tx_next + 1), 16);
	const struct e810fd_prog fdd = { .qindex = 2, .toq = toq, .report = report,
					 .stat_idx = STAT_IDX, .vsi = lan_vsi, .fdid = fdid, .del = del };
	uint64_t qw0, qw1;
	unsigned bsz = len_override == 1 ? 0 : E810_FD_PKT_MAX;

	e810fd_desc(&fdd, &qw0, &qw1);
	/* ice swaps source and destination in the programming packet. */
	frame4(gpa_ptr(d, gpa_of(DUMMY), E810_FD_PKT_MAX), E810_FD_PKT_MAX, proto, port, 0);
	p64(fd, qw0);
	p64(fd + 8, qw1);
	p64(dd, gpa_of(DUMMY));
	p64(dd + 8, E810_TXD_DTYPE_DATA |
			    (uint64_t)(E810_TXD_CMD_EOP | E810_TXD_CMD_RS | E810_TXD_CMD_DUMMY)
				    << E810_TXD_CMD_S |
			    (uint64_t)bsz << E810_TXD_BSZ_S);
	tx_next = (tx_next + 2) % TX_QLEN;
	drv_wr(d, E810_QTX_COMM_DBELL(CTRL_Q), tx_next);
	assert_int_equal(dd[E810_TXD_WB_BYTE] & E810_TXD_DTYPE_M, E810_TXD_DTYPE_DONE);
}

/* A filter on UDP (or TCP) destination port PORT. */
static void program(struct ctx *x, bool del, unsigned report, uint32_t fdid, uint8_t proto,
		    unsigned len_override)
{
	program_port(x, del, report, fdid, proto, len_override, PORT, 0);
}

static unsigned status_next;

/* The next programming status on the control VSI's ring: its status_error0. */
static uint16_t status(struct ctx *x, uint32_t fdid)
{
	const uint8_t *rd = rx_desc(&x->d, CTRL_Q, status_next++);

	assert_int_equal(rd[E810_RXD_WB_RXDID], E810_FDS_RXDID);
	assert_int_equal(g32(rd + E810_FDS_FDID), fdid);
	return g16(rd + E810_RXD_WB_STATUS0);
}

/*
 * The 6.1 probe, a LAN VSI over queues 0..3 and the control VSI with its
 * queue pair, RX queues 0 and 2 with buffers, the control VSI's without,
 * and the IPv4/UDP profile: what ethtool -N needs before its first rule.
 */
static void fd_up(struct ctx *x)
{
	struct drv *d = &x->d;
	struct probe pr;
	uint32_t teid;

	guest_enable(x);
	drv_wr(d, E810_PFGEN_CTRL, E810_PFGEN_CTRL_PFSWR);
	probe_61(d, &pr, &x->acfg);
	pf_vsi = pr.vsi;
	/* A VSI over the LAN queues 0..3 for the filter's queue, and the control VSI. */
	assert_int_equal(add_vsi(d, 2, 0, QUEUES, &lan_vsi), 0);
	assert_int_equal(add_vsi(d, 2, CTRL_Q, 1, &ctrl_vsi), 0);
	assert_int_equal(add_txq(d, pr.vsi_nodes[5], CTRL_Q, ctrl_vsi, &teid), 0);
	drv_wr(d, E810_QINT_TQCTL(CTRL_Q), VEC_CTRL | E810_INT_CTL_CAUSE_ENA);
	rx_up(x, 0, VEC_LAN, true);
	rx_up(x, 2, VEC_LAN, true);
	rx_up(x, CTRL_Q, VEC_CTRL, false);
	drv_wr(d, E810_GLINT_DYN_CTL(VEC_LAN), E810_GLINT_DYN_CTL_INTENA);
	drv_wr(d, E810_GLINT_DYN_CTL(VEC_CTRL), E810_GLINT_DYN_CTL_INTENA);
	drain(x, VEC_LAN);
	drain(x, VEC_CTRL);
	srv_call(x->s, tables_cb, x);
	profile_regs(d);
	tx_next = status_next = 0;
}

static void test_fdir(void **state)
{
	struct ctx *x = *state;
	struct drv *d = &x->d;
	unsigned q0, q2;

	fd_up(x);

	/* Without a filter: queue 0. */
	inject(x, PORT, 4);
	assert_int_equal(rxq_pkts(x, 0), 4);

	/* Add, status always. */
	program(x, false, E810_FDD_REPORT_ALWAYS, FDID, 17, 0);
	assert_int_equal(srv_counter(x->s, "fd_adds"), 1);
	assert_int_equal(srv_counter(x->s, "fd_filters"), 1);
	assert_int_equal(status(x, FDID), E810_FDS_DD);
	assert_true(vfuc_irq_wait(x->c, VFU_IRQ_MSIX, VEC_CTRL, TMO) > 0);
	assert_int_equal(drv_rd(d, GLQF_FD_CNT), 1);
	assert_int_equal(drv_rd(d, VSIQF_FD_CNT(lan_vsi)), 1);
	/* With a filter every queue may be picked: the control VSI's ring holds nothing back. */
	assert_true(srv_space(x->s, NET_QUEUE_ANY) > 0);

	/* The flow moves to queue 2; another port stays on queue 0. */
	q0 = rxq_pkts(x, 0);
	q2 = rxq_pkts(x, 2);
	inject(x, PORT, 5);
	inject(x, PORT + 1, 3);
	assert_int_equal(rxq_pkts(x, 2), q2 + 5);
	assert_int_equal(rxq_pkts(x, 0), q0 + 3);
	assert_int_equal(srv_counter(x->s, "fd_matches"), 5);
	assert_int_equal(drv_rd(d, GLSTAT_FD_CNT0L(STAT_IDX)), 5);
	assert_int_equal(drv_rd(d, GLSTAT_FD_CNT0L(STAT_IDX) + 4), 0);
	assert_true(g16(rx_desc(d, 2, 0) + E810_RXD_WB_STATUS0) & E810_RXD_S0_DD);
	/* The same counter in the block --doorbell poll shares (the driver's readq). */
	srv_call(x->s, stats_fill_cb, x);
	assert_int_equal(g64(stats_block + GLSTAT_FD_CNT0L(STAT_IDX) - 0x00300000u), 5);

	/* The remove (the same packet, reported on failure only): the flow is back on queue 0. */
	program(x, true, E810_FDD_REPORT_FAIL, FDID, 17, 0);
	assert_int_equal(srv_counter(x->s, "fd_removes"), 1);
	assert_int_equal(srv_counter(x->s, "fd_filters"), 0);
	assert_int_equal(srv_counter(x->s, "fd_status"), 1);
	assert_int_equal(drv_rd(d, GLQF_FD_CNT), 0);
	assert_int_equal(drv_rd(d, VSIQF_FD_CNT(lan_vsi)), 0);
	q0 = rxq_pkts(x, 0);
	inject(x, PORT, 2);
	assert_int_equal(rxq_pkts(x, 0), q0 + 2);
	assert_int_equal(srv_counter(x->s, "fd_matches"), 5);

	/* Refused, reported: no such filter, no profile for TCP, a 0-byte packet. */
	program(x, true, E810_FDD_REPORT_FAIL, FDID + 1, 17, 0);
	assert_int_equal(status(x, FDID + 1), E810_FDS_DD | E810_FDS_PROG_DEL | E810_FDS_FAIL);
	assert_int_equal(srv_counter(x->s, "fd_refused_noent"), 1);
	program(x, false, E810_FDD_REPORT_FAIL, FDID + 2, 6, 0);
	assert_int_equal(status(x, FDID + 2), E810_FDS_DD | E810_FDS_FAIL_PROF);
	assert_int_equal(srv_counter(x->s, "fd_refused_noprof"), 1);
	program(x, false, E810_FDD_REPORT_FAIL, FDID + 3, 17, 1);
	assert_int_equal(status(x, FDID + 3), E810_FDS_DD | E810_FDS_FAIL);
	assert_int_equal(srv_counter(x->s, "fd_refused_len"), 1);
	assert_int_equal(srv_counter(x->s, "fd_status"), 4);
	assert_int_equal(srv_counter(x->s, "fd_filters"), 0);

	/* Added again, then a PF reset: gone. */
	program(x, false, E810_FDD_REPORT_FAIL, FDID, 17, 0);
	assert_int_equal(srv_counter(x->s, "fd_filters"), 1);
	assert_int_equal(srv_counter(x->s, "fd_status"), 4); /* a success, reported on failure only */
	drv_wr(d, E810_PFGEN_CTRL, E810_PFGEN_CTRL_PFSWR);
	assert_int_equal(srv_counter(x->s, "fd_filters"), 0);
	assert_int_equal(drv_rd(d, GLQF_FD_CNT), 0);
}

/*
 * A queue region (toq, as ice's VF path programs one): toq 1 from queue 2
 * spreads the flow's frames by their RSS hash over queues 2 and 3 of the
 * LAN VSI, none on 0; toq 2 from queue 2 runs past the VSI's 4 queues and
 * is cut to the same 2, counted.
 */
static void test_region(void **state)
{
	struct ctx *x = *state;
	unsigned q0, q2, q3;

	fd_up(x);
	rx_up(x, 3, VEC_LAN, true);
	program_port(x, false, E810_FDD_REPORT_ALWAYS, FDID, 17, 0, PORT, 1);
	assert_int_equal(status(x, FDID), E810_FDS_DD);
	assert_int_equal(srv_counter(x->s, "fd_filters"), 1);
	q0 = rxq_pkts(x, 0);
	q2 = rxq_pkts(x, 2);
	q3 = rxq_pkts(x, 3);
	inject_hashed(x, PORT, 8);
	assert_int_equal(rxq_pkts(x, 2), q2 + 4);
	assert_int_equal(rxq_pkts(x, 3), q3 + 4);
	assert_int_equal(rxq_pkts(x, 0), q0);
	assert_int_equal(srv_counter(x->s, "fd_matches"), 8);
	assert_int_equal(srv_counter(x->s, "fd_region_clamped"), 0);

	/* The same filter with toq 2 (an update): 2..5 past the VSI's 0..3, cut to 2..3. */
	program_port(x, false, E810_FDD_REPORT_ALWAYS, FDID, 17, 0, PORT, 2);
	assert_int_equal(status(x, FDID), E810_FDS_DD);
	assert_int_equal(srv_counter(x->s, "fd_updates"), 1);
	inject_hashed(x, PORT, 8);
	assert_int_equal(rxq_pkts(x, 2), q2 + 8);
	assert_int_equal(rxq_pkts(x, 3), q3 + 8);
	assert_int_equal(rxq_pkts(x, 0), q0);
	assert_int_equal(srv_counter(x->s, "fd_region_clamped"), 8);
}

/* ---- the cost of classification ------------------------------------------------------- */

#define COST_FRAMES 200000u
#define COST_RUNS 5u
#define COST_PORT0 10000u /* the filters' ports: 10000.. (the traffic's: 9 or 10000) */

struct cost {
	struct ctx *x;
	uint16_t dport;
	double ns;        /* per frame */
	unsigned picked;  /* frames steered to a queue (not "next") */
};

/*
 * On the device's thread: e810_fdir_steer (profile, key, table lookup; what
 * steer_pick runs per received frame while a filter is in) over
 * COST_FRAMES IPv4/UDP frames to dport, a new source port each.
 */
static void cost_cb(void *arg)
{
	struct cost *c = arg;
	struct e810 *e = (struct e810 *)c->x->s->inst;
	struct timespec t0, t1;
	struct pkt *p;

	if (!c->x->s->pool)
		c->x->s->pool = pkt_pool_create("peer", 64);
	assert_non_null(c->x->s->pool);
	p = pkt_alloc(c->x->s->pool);
	assert_non_null(p);
	p->len = frame4(p->data, 128, 17, 40000, c->dport);
	c->picked = 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned i = 0; i < COST_FRAMES; i++) {
		p->data[34] = (uint8_t)(i >> 8);
		p->data[35] = (uint8_t)i;
		c->picked += e810_fdir_steer(e, p) != E810_STEER_NEXT;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	c->ns = ((double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec)) /
		COST_FRAMES;
	pkt_free(p);
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The median over COST_RUNS of the cost per frame to dport; picked: frames of the last run steered. */
static double cost_median(struct ctx *x, uint16_t dport, unsigned *picked)
{
	double ns[COST_RUNS];
	struct cost c = { x, dport, 0, 0 };

	for (unsigned r = 0; r < COST_RUNS; r++) {
		srv_call(x->s, cost_cb, &c);
		ns[r] = c.ns;
	}
	*picked = c.picked;
	qsort(ns, COST_RUNS, sizeof(ns[0]), cmp_d);
	return ns[COST_RUNS / 2];
}

/*
 * Filters on ports 10000.. installed through the control VSI's ring (the
 * table's 512 guaranteed and 512 best-effort entries: 1024 fit, a 1025th is
 * refused); the per-frame cost of the lookup with 0, 16 and 1024 of them
 * for frames no filter matches (the lookup runs for each, finds nothing)
 * and with 1024 for frames one matches (steered to queue 2). Printed
 * ("fdir cost: ..."), not asserted: docs/BENCHMARKS.md.
 */
static void test_cost(void **state)
{
	struct ctx *x = *state;
	const unsigned stages[] = { 0, 16, 1024 };
	unsigned n = 0, picked;
	double ns0 = 0, ns;

	fd_up(x);
	for (unsigned s = 0; s < sizeof(stages) / sizeof(stages[0]); s++) {
		for (; n < stages[s]; n++)
			program_port(x, false, E810_FDD_REPORT_FAIL, FDID + n, 17, 0,
				     (uint16_t)(COST_PORT0 + n), 0);
		assert_int_equal(srv_counter(x->s, "fd_filters"), n);
		ns = cost_median(x, 9, &picked);
		assert_int_equal(picked, 0);
		if (!n)
			ns0 = ns;
		printf("fdir cost: %4u filters, no match: %6.1f ns per frame (x%.2f of 0 filters)\n", n,
		       ns, ns0 > 0 ? ns / ns0 : 0);
	}
	ns = cost_median(x, COST_PORT0 + 1000, &picked);
	assert_int_equal(picked, COST_FRAMES);
	printf("fdir cost: %4u filters, a match:  %6.1f ns per frame (x%.2f of 0 filters)\n", n, ns,
	       ns0 > 0 ? ns / ns0 : 0);
	/* The table is full: a 1025th filter is refused (reported), the frames still steered. */
	program_port(x, false, E810_FDD_REPORT_FAIL, FDID + n, 17, 0, (uint16_t)(COST_PORT0 + n), 0);
	assert_true(status(x, FDID + n) & E810_FDS_FAIL);
	assert_int_equal(srv_counter(x->s, "fd_filters"), 1024);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fdir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_region, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cost, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
