/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * e1000 integration, a hostile guest: rings and buffers outside guest memory,
 * impossible ring geometry, endless or empty descriptor chains, absurd TSO
 * contexts, oversized frames, memory unmapped or the client gone mid-traffic,
 * resets with frames in flight. Each case must end in counted drops, never a
 * hang or a crash, and the device must work normally afterwards.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dev/e1000/e1000_priv.h"
#include "e1kt.h"

#define CMD_EOP 0x01
#define CMD_IFCS 0x02
#define CMD_TSE 0x04
#define CMD_RS 0x08
#define TUCMD_TCP 0x01
#define TUCMD_IP 0x02
#define TUCMD_TSE 0x04
#define OUTSIDE 0xdead0000ull /* no guest memory there */

static int setup(void **state)
{
	static struct e1kt_ctx c;

	if (e1kt_ctx_open(&c, false, false))
		return -1;
	e1kg_tx_setup(&c.g, 256);
	e1kg_rx_setup(&c.g, 64, 2048, E1K_RCTL_BAM);
	*state = &c;
	return 0;
}

/* The device still moves a frame each way. */
static void check_alive(struct e1kt_ctx *c)
{
	static uint8_t f[300], out[20000];
	struct e1kt_frame fr;
	unsigned before = e1kt_nframes(c->t);
	uint32_t len = e1kt_eth(f, E1KT_PEER, E1KT_MAC, 0x88b5, 250, 77);

	e1kg_tx_legacy(&c->g, e1kg_txbuf(&c->g, f, len), (uint16_t)len,
		       CMD_EOP | CMD_IFCS | CMD_RS, 0, 0, 0);
	e1kg_tx_kick(&c->g);
	assert_int_equal(e1kt_wait_frames(c->t, before + 1, E1KT_TMO), before + 1);
	assert_true(e1kt_frame(c->t, before, &fr));
	assert_int_equal(fr.len, len);
	assert_memory_equal(fr.data, f, len);

	len = e1kt_eth(f, E1KT_MAC, E1KT_PEER, 0x88b5, 250, 78);
	assert_int_equal(e1kt_inject1(c->t, f, len), 1);
	assert_int_equal(e1kg_rx_take(&c->g, out, sizeof(out), NULL), len + 4);
	assert_memory_equal(out, f, len);
}

static void test_tdt_beyond_ring(void **state)
{
	struct e1kt_ctx *c = *state;
	struct e1kg *g = &c->g;

	/* 256 descriptors: TDT 300 can never be reached by TDH. */
	e1kg_wr(g, E1K_TDT, 300);
	assert_int_equal(e1kt_wait_frames(c->t, 1, 50), 0);
	assert_int_equal(e1kg_rd(g, E1K_TDH), 0);
	assert_true(e1kt_counter(c->t, "tx_ring_err") >= 1);
	/* TDH beyond the ring likewise. */
	e1kg_wr(g, E1K_TDH, 0xffff);
	e1kg_wr(g, E1K_TDT, 3);
	assert_true(e1kt_counter(c->t, "tx_ring_err") >= 2);
	e1kg_tx_setup(g, 256);
	check_alive(c);
}

static void test_ring_lengths(void **state)
{
	struct e1kt_ctx *c = *state;
	struct e1kg *g = &c->g;
	static uint8_t f[100];
	uint32_t len = e1kt_eth(f, E1KT_MAC, E1KT_PEER, 0x88b5, 60, 1);

	/* TDLEN 0 and TDLEN not a multiple of 128. */
	e1kg_wr(g, E1K_TDLEN, 0);
	e1kg_wr(g, E1K_TDT, 1);
	e1kg_wr(g, E1K_TDLEN, 100);
	e1kg_wr(g, E1K_TDT, 2);
	assert_int_equal(e1kt_counter(c->t, "tx_ring_err"), 2);
	/* RDLEN 0 with the receiver on: frames are dropped and counted. */
	e1kg_wr(g, E1K_RDLEN, 0);
	assert_true(e1kt_space(c->t) > 0);
	assert_int_equal(e1kt_inject1(c->t, f, len), 0);
	assert_int_equal(e1kt_counter(c->t, "rx_ring_err"), 1);
	/* RDT beyond the ring. */
	e1kg_wr(g, E1K_RDLEN, 64 * 16);
	e1kg_wr(g, E1K_RDT, 1000);
	assert_int_equal(e1kt_inject1(c->t, f, len), 0);
	assert_int_equal(e1kt_counter(c->t, "rx_ring_err"), 2);
	e1kg_tx_setup(g, 256);
	e1kg_rx_setup(g, 64, 2048, E1K_RCTL_BAM);
	check_alive(c);
}

static void test_rings_outside_memory(void **state)
{
	struct e1kt_ctx *c = *state;
	struct e1kg *g = &c->g;
	static uint8_t f[100];
	uint32_t len = e1kt_eth(f, E1KT_MAC, E1KT_PEER, 0x88b5, 60, 1);

	/* TX descriptor ring outside guest memory. */
	e1kg_wr(g, E1K_TDBAL, (uint32_t)OUTSIDE);
	e1kg_wr(g, E1K_TDT, 5);
	assert_int_equal(e1kt_counter(c->t, "tx_desc_dma"), 1);
	assert_int_equal(e1kg_rd(g, E1K_TDH), 0);
	/* A ring that starts inside and runs off the end of guest memory. */
	e1kg_wr(g, E1K_TDBAL, (uint32_t)(E1KG_IOVA + E1KG_MEM - 32));
	e1kg_wr(g, E1K_TDT, 5);
	assert_int_equal(e1kg_rd(g, E1K_TDH), 2);
	assert_int_equal(e1kt_counter(c->t, "tx_desc_dma"), 2);
	/* RX ring outside guest memory (high dword too). */
	e1kg_wr(g, E1K_RDBAH, 0x7);
	assert_int_equal(e1kt_inject1(c->t, f, len), 0);
	assert_int_equal(e1kt_counter(c->t, "rx_desc_dma"), 1);
	e1kg_tx_setup(g, 256);
	e1kg_rx_setup(g, 64, 2048, E1K_RCTL_BAM);
	check_alive(c);
}

static void test_buffers_outside_memory(void **state)
{
	struct e1kt_ctx *c = *state;
	struct e1kg *g = &c->g;
	static uint8_t f[100], out[20000];
	uint32_t len = e1kt_eth(f, E1KT_MAC, E1KT_PEER, 0x88b5, 60, 1), idx;
	struct e1kg_rxd d;

	/* TX buffer outside: the frame is dropped, the descriptor still completes. */
	idx = e1kg_tx_legacy(g, OUTSIDE, 100, CMD_EOP | CMD_IFCS | CMD_RS, 0, 0, 0);
	/* A buffer that straddles the end of guest memory. */
	e1kg_tx_legacy(g, E1KG_IOVA + E1KG_MEM - 50, 100, CMD_EOP | CMD_IFCS | CMD_RS, 0, 0, 0);
	e1kg_tx_kick(g);
	assert_int_equal(e1kt_wait_frames(c->t, 1, 50), 0);
	assert_int_equal(e1kg_tx_status(g, idx) & 1, 1);
	assert_int_equal(e1kt_counter(c->t, "tx_drop_dma"), 2);
	/* RX buffer outside: the descriptor reports a receive error (RXE). */
	uint8_t *rd = (uint8_t *)e1kg_ptr(g, E1KG_RXRING) + (size_t)g->rx_next * 16;
	uint64_t bad = OUTSIDE;
	memcpy(rd, &bad, 8);
	assert_int_equal(e1kt_inject1(c->t, f, len), 1);
	assert_int_equal(e1kg_rx_take(g, out, sizeof(out), &d), len + 4);
	assert_int_equal(d.errors & 0x80, 0x80);
	assert_int_equal(e1kt_counter(c->t, "rx_buf_dma"), 1);
	check_alive(c);
}

static void test_zero_length_descriptors(void **state)
{
	struct e1kt_ctx *c = *state;
	struct e1kg *g = &c->g;

	/* A whole ring of zeros (no EOP): one walk, nothing sent, no hang. */
	memset(e1kg_ptr(g, E1KG_TXRING), 0, 256 * 16);
	e1kg_wr(g, E1K_TDT, 255);
	assert_int_equal(e1kg_rd(g, E1K_TDH), 255);
	assert_int_equal(e1kt_wait_frames(c->t, 1, 50), 0);
	/* ... and zero-length descriptors with EOP: empty frames dropped. */
	e1kg_tx_setup(g, 256);
	for (int i = 0; i < 255; i++)
		e1kg_tx_legacy(g, 0, 0, CMD_EOP | CMD_RS, 0, 0, 0);
	e1kg_tx_kick(g);
	assert_int_equal(e1kg_rd(g, E1K_TDH), 255);
	assert_int_equal(e1kt_counter(c->t, "tx_drop_runt"), 255);
	assert_int_equal(e1kt_wait_frames(c->t, 1, 50), 0);
	check_alive(c);
}

static void test_endless_frame(void **state)
{
	struct e1kt_ctx *c = *state;
	struct e1kg *g = &c->g;
	static uint8_t f[4000];

	memset(f, 0x5a, sizeof(f));
	/* No EOP anywhere: the frame grows past the largest packet and is dropped. */
	for (int i = 0; i < 255; i++)
		e1kg_tx_legacy(g, e1kg_txbuf(g, f, 200), 200, CMD_IFCS, 0, 0, 0);
	e1kg_tx_kick(g);
	assert_int_equal(e1kg_rd(g, E1K_TDH), 255);
	e1kg_tx_legacy(g, e1kg_txbuf(g, f, 200), 200, CMD_EOP | CMD_IFCS | CMD_RS, 0, 0, 0);
	e1kg_tx_kick(g);
	assert_int_equal(e1kt_counter(c->t, "tx_drop_long"), 1);
	/* Five 4000-byte pieces: 20000 bytes is more than a frame can be. */
	for (int i = 0; i < 5; i++)
		e1kg_tx_legacy(g, e1kg_txbuf(g, f, 4000), 4000,
			       (uint8_t)(CMD_IFCS | (i == 4 ? CMD_EOP | CMD_RS : 0)), 0, 0, 0);
	e1kg_tx_kick(g);
	assert_int_equal(e1kt_counter(c->t, "tx_drop_long"), 2);
	/* An unknown descriptor type is skipped. */
	uint8_t d[16] = { 0 };
	d[11] = 0x20 | 0x01; /* DEXT, EOP */
	d[10] = 0xf0;        /* DTYP 15 */
	e1kg_tx_raw(g, d);
	e1kg_tx_kick(g);
	assert_int_equal(e1kt_counter(c->t, "tx_bad_desc"), 1);
	assert_int_equal(e1kt_wait_frames(c->t, 1, 50), 0);
	check_alive(c);
}

static void tso_try(struct e1kt_ctx *c, uint8_t hdrlen, uint16_t mss, uint32_t len)
{
	static uint8_t f[70000];
	struct e1kg *g = &c->g;

	memset(f, 0, sizeof(f));
	e1kt_eth(f, E1KT_PEER, E1KT_MAC, 0x0800, len - 14, 1);
	f[14] = 0x45;
	e1kg_tx_ctx(g, 14, 24, 33, 34, 50, 0, len - hdrlen, TUCMD_TCP | TUCMD_IP | TUCMD_TSE,
		    hdrlen, mss);
	for (uint32_t off = 0; off < len; off += 16384) {
		uint32_t n = len - off < 16384 ? len - off : 16384;

		e1kg_tx_data(g, e1kg_txbuf(g, f + off, n), n,
			     (uint8_t)(CMD_IFCS | CMD_TSE | (off + n == len ? CMD_EOP | CMD_RS : 0)),
			     0x03, 0);
	}
	e1kg_tx_kick(g);
}

static void test_tso_absurd(void **state)
{
	struct e1kt_ctx *c = *state;

	tso_try(c, 54, 0, 5000);       /* MSS 0 */
	tso_try(c, 54, 20000, 30000);  /* header + MSS beyond a frame */
	tso_try(c, 0, 1448, 5000);     /* no header */
	tso_try(c, 200, 1448, 150);    /* header longer than the data */
	tso_try(c, 30, 1448, 5000);    /* header too short for IP + TCP */
	tso_try(c, 54, 1448, 54);      /* no payload */
	tso_try(c, 54, 1, 5000);       /* too many segments */
	assert_int_equal(e1kt_counter(c->t, "tx_drop_tso"), 7);
	/* Sane sends right after still come out whole (2 x 46 frames). */
	tso_try(c, 54, 1448, 65536);
	tso_try(c, 54, 1448, 65536);
	assert_int_equal(e1kt_wait_frames(c->t, 92, E1KT_TMO), 92);
	e1kt_clear(c->t);
	assert_int_equal(e1kg_rd(&c->g, E1K_TSCTFC), 7);
	check_alive(c);
}

static void test_tso_over_limit(void **state)
{
	struct e1kt_ctx *c = *state;
	struct e1kg *g = &c->g;
	static uint8_t f[16384];

	memset(f, 0, sizeof(f));
	/* 9 x 16 KiB = 144 KiB in one TSO frame: over the gather limit. */
	e1kg_tx_ctx(g, 14, 24, 33, 34, 50, 0, 9 * 16384 - 54, TUCMD_TCP | TUCMD_IP | TUCMD_TSE, 54,
		    1448);
	for (int i = 0; i < 9; i++)
		e1kg_tx_data(g, e1kg_txbuf(g, f, 16384), 16384,
			     (uint8_t)(CMD_IFCS | CMD_TSE | (i == 8 ? CMD_EOP | CMD_RS : 0)), 3, 0);
	e1kg_tx_kick(g);
	assert_int_equal(e1kt_counter(c->t, "tx_drop_long"), 1);
	assert_int_equal(e1kt_wait_frames(c->t, 1, 50), 0);
	check_alive(c);
}

/* Many TSO sends with a tiny MSS: the walk yields to the loop and resumes. */
static void test_walk_yield(void **state)
{
	struct e1kt_ctx *c = *state;
	struct e1kg *g = &c->g;
	static uint8_t f[65536];
	const uint32_t plen = 40000, mss = 40, sends = 10;
	uint32_t want = sends * (plen / mss);

	memset(f, 0, sizeof(f));
	e1kt_eth(f, E1KT_PEER, E1KT_MAC, 0x0800, 40 + plen, 1);
	f[14] = 0x45;
	f[14 + 9] = 6;
	f[34 + 12] = 0x50;
	e1kg_tx_ctx(g, 14, 24, 33, 34, 50, 0, plen, TUCMD_TCP | TUCMD_IP | TUCMD_TSE, 54,
		    (uint16_t)mss);
	for (uint32_t s = 0; s < sends; s++)
		e1kg_tx_data(g, e1kg_txbuf(g, f, 54 + plen), 54 + plen,
			     CMD_EOP | CMD_IFCS | CMD_TSE | CMD_RS, 3, 0);
	e1kg_tx_kick(g);
	assert_int_equal(e1kt_wait_frames(c->t, want, 20000), want);
	assert_true(e1kt_counter(c->t, "tx_walk_yield") >= 1);
	assert_int_equal(e1kg_rd(g, E1K_TDH), g->tx_tail);
	e1kt_clear(c->t);
	check_alive(c);
}

/*
 * A ring of TSO frames the device must drop (MSS 0) costs their copy all the
 * same: 127 frames of 128 KiB, 16 MiB gathered for nothing. The walk yields
 * to the loop by bytes too, not only by frames emitted (none are here).
 */
static void test_walk_yield_dropped(void **state)
{
	struct e1kt_ctx *c = *state;
	struct e1kg *g = &c->g;
	static uint8_t f[65536];

	memset(f, 0x11, sizeof(f));
	uint64_t buf = e1kg_txbuf(g, f, sizeof(f));
	e1kg_tx_ctx(g, 14, 24, 33, 34, 50, 0, 1000, TUCMD_TCP | TUCMD_IP | TUCMD_TSE, 54, 0);
	for (int i = 0; i < 254; i++)
		e1kg_tx_data(g, buf, sizeof(f),
			     (uint8_t)(CMD_IFCS | CMD_TSE | ((i & 1) ? CMD_EOP | CMD_RS : 0)), 3, 0);
	e1kg_tx_kick(g);
	for (int i = 0; i < 2000 && e1kg_rd(g, E1K_TDH) != g->tx_tail; i++)
		usleep(5000);
	assert_int_equal(e1kg_rd(g, E1K_TDH), g->tx_tail);
	assert_int_equal(e1kt_counter(c->t, "tx_drop_tso"), 127);
	assert_true(e1kt_counter(c->t, "tx_walk_yield") >= 3);
	assert_int_equal(e1kt_wait_frames(c->t, 1, 50), 0);
	check_alive(c);
}

/*
 * A TX ring larger than one wake-up's descriptor budget, at off in guest
 * memory (the standard ring area holds 4096 descriptors at most).
 */
#define BIG_RING_OFF 0x200000u
#define BIG_RING 16384u

static void big_ring(struct e1kg *g)
{
	memset(e1kg_ptr(g, BIG_RING_OFF), 0, (size_t)BIG_RING * 16);
	e1kg_wr(g, E1K_TCTL, 0);
	e1kg_wr(g, E1K_TDBAL, (uint32_t)e1kg_gpa(BIG_RING_OFF));
	e1kg_wr(g, E1K_TDBAH, (uint32_t)(e1kg_gpa(BIG_RING_OFF) >> 32));
	e1kg_wr(g, E1K_TDLEN, BIG_RING * 16);
	e1kg_wr(g, E1K_TDH, 0);
	e1kg_wr(g, E1K_TDT, 0);
	e1kg_wr(g, E1K_TCTL, E1K_TCTL_EN | E1K_TCTL_PSP);
}

/* One REGION_WRITE_MULTI (posted, as QEMU sends it) of n TDT writes. */
static void tdt_multi(struct e1kg *g, const uint32_t *tails, uint32_t n)
{
	struct vfu_wr_one w[VFU_WRMULTI_MAX];

	assert_true(n <= VFU_WRMULTI_MAX);
	memset(w, 0, sizeof(w));
	for (uint32_t i = 0; i < n; i++) {
		w[i].offset = E1K_TDT;
		w[i].region = 0;
		w[i].count = 4;
		memcpy(w[i].data, &tails[i], 4);
	}
	assert_int_equal(vfuc_write_multi(g->c, w, n, true), 0);
}

static void wait_tdh(struct e1kg *g, uint32_t want)
{
	for (int i = 0; i < 2000 && e1kg_rd(g, E1K_TDH) != want; i++)
		usleep(2000);
	assert_int_equal(e1kg_rd(g, E1K_TDH), want);
}

/*
 * 200 TDT writes in one message over a ring of descriptors without EOP, each
 * write sending the head most of the way round again: once 1.6 M descriptor
 * reads before the handler returned. The wake-up's budget bounds them all
 * together; the writes after it only record the tail, and the walk resumed
 * later still gets to the last one.
 */
static void test_write_multi_endless(void **state)
{
	struct e1kt_ctx *c = *state;
	struct e1kg *g = &c->g;
	uint32_t tails[VFU_WRMULTI_MAX];

	big_ring(g);
	for (uint32_t i = 0; i < VFU_WRMULTI_MAX; i++)
		tails[i] = (i & 1) ? 0 : BIG_RING / 2;
	tails[VFU_WRMULTI_MAX - 1] = 100;
	tdt_multi(g, tails, VFU_WRMULTI_MAX);
	wait_tdh(g, 100);
	assert_in_range(e1kt_counter(c->t, "tx_descs_wake_max"), 1, E1K_TX_DESCS_PER_WAKE);
	assert_true(e1kt_counter(c->t, "tx_walk_yield") >= 1);
	assert_true(e1kt_counter(c->t, "tx_tail_pending") >= 1);
	assert_int_equal(e1kt_wait_frames(c->t, 1, 50), 0);
	e1kg_tx_setup(g, 256);
	check_alive(c);
}

/*
 * 200 TDT writes in one message, each handing over 40 more frames: 8000
 * frames, more than one wake-up may read. They all arrive, once each and in
 * order, and no wake-up read more descriptors than its budget.
 */
static void test_write_multi_frames(void **state)
{
	struct e1kt_ctx *c = *state;
	struct e1kg *g = &c->g;
	const uint32_t per = 40, n = VFU_WRMULTI_MAX * per, foff = 0x40000u, fsz = 64;
	uint32_t tails[VFU_WRMULTI_MAX];
	uint8_t f[100];
	uint32_t len = e1kt_eth(f, E1KT_PEER, E1KT_MAC, 0x88b5, 46, 5);
	uint8_t *ring;

	assert_true(n < BIG_RING && foff + n * fsz <= BIG_RING_OFF);
	big_ring(g);
	ring = e1kg_ptr(g, BIG_RING_OFF);
	for (uint32_t i = 0; i < n; i++) {
		uint8_t *d = ring + (size_t)i * 16;
		uint64_t a = e1kg_gpa(foff + i * fsz);
		uint32_t lower = len | (uint32_t)(CMD_EOP | CMD_IFCS) << 24;

		f[14] = (uint8_t)i;
		f[15] = (uint8_t)(i >> 8);
		memcpy(e1kg_ptr(g, foff + i * fsz), f, len);
		memcpy(d, &a, 8);
		memcpy(d + 8, &lower, 4);
	}
	for (uint32_t i = 0; i < VFU_WRMULTI_MAX; i++)
		tails[i] = (i + 1) * per;
	tdt_multi(g, tails, VFU_WRMULTI_MAX);
	assert_int_equal(e1kt_wait_frames(c->t, n, E1KT_TMO), n);
	wait_tdh(g, n);
	assert_int_equal(e1kt_wait_frames(c->t, n + 1, 50), n);
	for (uint32_t i = 0; i < n; i++) {
		struct e1kt_frame fr;

		assert_true(e1kt_frame(c->t, i, &fr));
		assert_int_equal(fr.len, len);
		assert_int_equal(fr.data[14] | fr.data[15] << 8, i & 0xffff);
	}
	assert_in_range(e1kt_counter(c->t, "tx_descs_wake_max"), 1, E1K_TX_DESCS_PER_WAKE);
	assert_int_equal(e1kt_counter(c->t, "tx_descs"), n);
	assert_true(e1kt_counter(c->t, "tx_walk_yield") >= 1);
	assert_true(e1kt_counter(c->t, "tx_tail_pending") >= 1);
	e1kt_clear(c->t);
	e1kg_tx_setup(g, 256);
	check_alive(c);
}

static void test_reset_mid_traffic(void **state)
{
	struct e1kt_ctx *c = *state;
	struct e1kg *g = &c->g;
	static uint8_t f[2000];
	struct e1kt_frame fr;
	uint32_t len = e1kt_eth(f, E1KT_PEER, E1KT_MAC, 0x88b5, 1000, 1);

	/* Half a frame in flight, then CTRL.RST. */
	e1kg_tx_legacy(g, e1kg_txbuf(g, f, 500), 500, CMD_IFCS, 0, 0, 0);
	e1kg_tx_kick(g);
	e1kg_reset(g);
	assert_int_equal(e1kg_rd(g, E1K_TDH), 0);
	assert_int_equal(e1kg_rd(g, E1K_RCTL), 0);
	/* Receiver off after reset: frames dropped, not written. */
	assert_int_equal(e1kt_inject1(c->t, f, len), 0);
	e1kg_tx_setup(g, 256);
	e1kg_rx_setup(g, 64, 2048, E1K_RCTL_BAM);
	/* The next frame goes out whole, nothing of the old one. */
	e1kg_tx_legacy(g, e1kg_txbuf(g, f, len), (uint16_t)len, CMD_EOP | CMD_IFCS | CMD_RS, 0, 0,
		       0);
	e1kg_tx_kick(g);
	assert_int_equal(e1kt_wait_frames(c->t, 1, E1KT_TMO), 1);
	assert_true(e1kt_frame(c->t, 0, &fr));
	assert_int_equal(fr.len, len);
	assert_memory_equal(fr.data, f, len);
	/* Same through a device reset (DEVICE_RESET) with a TSO frame half gathered. */
	e1kg_tx_ctx(g, 14, 24, 33, 34, 50, 0, 1000, TUCMD_TCP | TUCMD_IP | TUCMD_TSE, 54, 100);
	e1kg_tx_data(g, e1kg_txbuf(g, f, 500), 500, CMD_IFCS | CMD_TSE, 3, 0);
	e1kg_tx_kick(g);
	assert_int_equal(vfuc_reset(g->c), 0);
	vfuc_cfg_write16(g->c, 0x04, 0x0007);
	e1kg_reset(g);
	e1kg_tx_setup(g, 256);
	e1kg_rx_setup(g, 64, 2048, E1K_RCTL_BAM);
	e1kt_clear(c->t);
	check_alive(c);
}

static void test_unmap_mid_traffic(void **state)
{
	struct e1kt_ctx *c = *state;
	struct e1kg *g = &c->g;
	static uint8_t f[200];
	uint32_t len = e1kt_eth(f, E1KT_MAC, E1KT_PEER, 0x88b5, 100, 1);

	e1kg_tx_legacy(g, e1kg_txbuf(g, f, len), (uint16_t)len, CMD_EOP | CMD_IFCS | CMD_RS, 0, 0,
		       0);
	/* Guest memory goes away (the VMM unplugs it) before the doorbell. */
	assert_int_equal(vfuc_dma_unmap(g->c, E1KG_IOVA, E1KG_MEM, 0), 0);
	e1kg_tx_kick(g);
	assert_int_equal(e1kt_counter(c->t, "tx_desc_dma"), 1);
	assert_int_equal(e1kt_inject1(c->t, f, len), 0);
	assert_int_equal(e1kt_counter(c->t, "rx_desc_dma"), 1);
	/* Back again: the pending frame and new traffic flow. */
	assert_int_equal(vfuc_dma_map(g->c, E1KG_IOVA, E1KG_MEM, g->mem.fd, 0, 3), 0);
	e1kg_tx_kick(g);
	assert_int_equal(e1kt_wait_frames(c->t, 1, E1KT_TMO), 1);
	e1kt_clear(c->t);
	check_alive(c);
}

static void test_bus_master_off(void **state)
{
	struct e1kt_ctx *c = *state;
	struct e1kg *g = &c->g;
	static uint8_t f[200];
	uint32_t len = e1kt_eth(f, E1KT_MAC, E1KT_PEER, 0x88b5, 100, 1);

	e1kg_tx_legacy(g, e1kg_txbuf(g, f, len), (uint16_t)len, CMD_EOP | CMD_IFCS | CMD_RS, 0, 0,
		       0);
	vfuc_cfg_write16(g->c, 0x04, 0x0003); /* memory + I/O, no bus mastering */
	e1kg_tx_kick(g);
	assert_int_equal(e1kt_wait_frames(c->t, 1, 50), 0);
	assert_int_equal(e1kt_inject1(c->t, f, len), 0);
	vfuc_cfg_write16(g->c, 0x04, 0x0007);
	e1kg_tx_kick(g);
	assert_int_equal(e1kt_wait_frames(c->t, 1, E1KT_TMO), 1);
	e1kt_clear(c->t);
	check_alive(c);
}

static void test_odd_accesses(void **state)
{
	struct e1kt_ctx *c = *state;
	struct e1kg *g = &c->g;
	uint8_t b[8] = { 0 };

	/* 3-byte, straddling and out-of-BAR accesses are refused, not crashes. */
	assert_true(vfuc_region_read(g->c, 0, E1K_CTRL, b, 3) < 0);
	assert_true(vfuc_region_write(g->c, 0, E1K_ICS + 3, b, 2, false) < 0);
	assert_true(vfuc_region_read(g->c, 0, 0x20000 - 2, b, 4) < 0);
	assert_true(vfuc_region_read(g->c, 1, 0x3e, b, 4) < 0);
	/* IOADDR pointing past the register file wraps inside it. */
	vfuc_bar_write32(g->c, 1, 0, 0xfffffffc, false);
	(void)vfuc_bar_read32(g->c, 1, 4);
	/* Byte writes to IMS merge nothing from elsewhere. */
	b[0] = E1K_ICR_RXT0;
	assert_int_equal(vfuc_region_write(g->c, 0, E1K_IMS, b, 1, false), 0);
	assert_int_equal(e1kg_rd(g, E1K_IMS), E1K_ICR_RXT0);
	check_alive(c);
}

static void test_disconnect_mid_traffic(void **state)
{
	struct e1kt_ctx *c = *state;
	struct e1kg *g = &c->g;
	static uint8_t f[200];
	uint32_t len = e1kt_eth(f, E1KT_PEER, E1KT_MAC, 0x88b5, 100, 1);

	e1kg_wr(g, E1K_IMS, 0xffff);
	e1kg_tx_legacy(g, e1kg_txbuf(g, f, len), 50, CMD_IFCS, 0, 0, 0);
	e1kg_tx_kick(g);
	e1kg_close(g);
	/* Frames toward a device whose client left: dropped. */
	assert_int_equal(e1kt_inject1(c->t, f, len), 0);
	/* A new client finds a freshly reset device. */
	assert_int_equal(e1kg_open(g, e1kt_socket(c->t)), 0);
	assert_int_equal(e1kg_rd(g, E1K_IMS), 0);
	assert_int_equal(e1kg_rd(g, E1K_TDH), 0);
	e1kg_reset(g);
	e1kg_tx_setup(g, 256);
	e1kg_rx_setup(g, 64, 2048, E1K_RCTL_BAM);
	check_alive(c);
	struct e1kt_frame fr;
	assert_true(e1kt_frame(c->t, 0, &fr));
	assert_int_equal(fr.len, 264); /* only the new frame, no leftover half */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_tdt_beyond_ring, setup, e1kt_ctx_teardown),
		cmocka_unit_test_setup_teardown(test_ring_lengths, setup, e1kt_ctx_teardown),
		cmocka_unit_test_setup_teardown(test_rings_outside_memory, setup, e1kt_ctx_teardown),
		cmocka_unit_test_setup_teardown(test_buffers_outside_memory, setup, e1kt_ctx_teardown),
		cmocka_unit_test_setup_teardown(test_zero_length_descriptors, setup, e1kt_ctx_teardown),
		cmocka_unit_test_setup_teardown(test_endless_frame, setup, e1kt_ctx_teardown),
		cmocka_unit_test_setup_teardown(test_tso_absurd, setup, e1kt_ctx_teardown),
		cmocka_unit_test_setup_teardown(test_tso_over_limit, setup, e1kt_ctx_teardown),
		cmocka_unit_test_setup_teardown(test_walk_yield, setup, e1kt_ctx_teardown),
		cmocka_unit_test_setup_teardown(test_walk_yield_dropped, setup, e1kt_ctx_teardown),
		cmocka_unit_test_setup_teardown(test_write_multi_endless, setup, e1kt_ctx_teardown),
		cmocka_unit_test_setup_teardown(test_write_multi_frames, setup, e1kt_ctx_teardown),
		cmocka_unit_test_setup_teardown(test_reset_mid_traffic, setup, e1kt_ctx_teardown),
		cmocka_unit_test_setup_teardown(test_unmap_mid_traffic, setup, e1kt_ctx_teardown),
		cmocka_unit_test_setup_teardown(test_bus_master_off, setup, e1kt_ctx_teardown),
		cmocka_unit_test_setup_teardown(test_odd_accesses, setup, e1kt_ctx_teardown),
		cmocka_unit_test_setup_teardown(test_disconnect_mid_traffic, setup, e1kt_ctx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
