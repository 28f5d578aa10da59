/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * e1000 integration, transmit: legacy and extended descriptors, gathers,
 * checksum offload, TSO of 64 KiB sends (IPv4, IPv6) into MSS-sized frames,
 * VLAN insertion, write-back and interrupts, peer backpressure.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "e1kt.h"
#include "net/pkt.h"
#include "lib/bytes.h"

static int setup(void **state)
{
	static struct e1kt_ctx c;

	if (e1kt_ctx_open(&c, false, false))
		return -1;
	e1kg_tx_setup(&c.g, 256);
	*state = &c;
	return 0;
}

/* ---- frames and checksums ---------------------------------------------- */

#define CMD_EOP 0x01
#define CMD_IFCS 0x02
#define CMD_IC 0x04
#define CMD_TSE 0x04
#define CMD_RS 0x08
#define CMD_VLE 0x40
#define CMD_IDE 0x80
#define TUCMD_TCP 0x01
#define TUCMD_IP 0x02
#define TUCMD_TSE 0x04
#define POPTS_IXSM 0x01
#define POPTS_TXSM 0x02

/* Ethernet/IPv4/TCP (v6 = false) or Ethernet/IPv6/TCP; returns the frame length. */
static uint32_t build_tcp(uint8_t *f, bool v6, uint32_t plen, uint8_t flags)
{
	uint32_t l3 = v6 ? 40 : 20, hdr = 14 + l3 + 20;
	uint8_t *ip = f + 14, *th = ip + l3;

	memset(f, 0, hdr);
	memcpy(f, E1KT_PEER, 6);
	memcpy(f + 6, E1KT_MAC, 6);
	wbe16(f + 12, v6 ? 0x86dd : 0x0800);
	if (v6) {
		ip[0] = 0x60;
		wbe16(ip + 4, (uint16_t)(20 + plen));
		ip[6] = 6;
		ip[7] = 64;
		ip[8] = 0xfd;
		ip[23] = 1;
		ip[24] = 0xfd;
		ip[39] = 2;
	} else {
		ip[0] = 0x45;
		wbe16(ip + 2, (uint16_t)(20 + 20 + plen));
		wbe16(ip + 4, 0x4321);
		wbe16(ip + 6, 0x4000);
		ip[8] = 64;
		ip[9] = 6;
		wbe32(ip + 12, 0xc0a80001);
		wbe32(ip + 16, 0xc0a80002);
	}
	wbe16(th, 33333);
	wbe16(th + 2, 80);
	wbe32(th + 4, 0x7ffff000);
	th[12] = 5 << 4;
	th[13] = flags;
	wbe16(th + 14, 512);
	for (uint32_t i = 0; i < plen; i++)
		f[hdr + i] = (uint8_t)(i * 17 + (i >> 9));
	return hdr + plen;
}

static uint16_t pseudo(const uint8_t *ip, bool v6, uint32_t l4len)
{
	return v6 ? ref_sum(ip + 8, 32, 6 + l4len) : ref_sum(ip + 12, 8, 6 + l4len);
}

static void check_tcp_sums(const uint8_t *f, uint32_t len, bool v6)
{
	const uint8_t *ip = f + 14;
	uint32_t l3 = v6 ? 40 : 20;

	if (!v6)
		assert_int_equal(ref_sum(ip, 20, 0), 0xffff);
	assert_int_equal(ref_sum(ip + l3, len - 14 - l3, pseudo(ip, v6, len - 14 - l3)), 0xffff);
}

/* ---- tests ---------------------------------------------------------------- */

static void test_legacy_single(void **state)
{
	struct e1kt_ctx *c = *state;
	struct e1kg *g = &c->g;
	struct e1kt_frame fr;
	uint8_t f[1514];
	uint32_t len = e1kt_eth(f, E1KT_PEER, E1KT_MAC, 0x88b5, 1500, 3), idx;

	idx = e1kg_tx_legacy(g, e1kg_txbuf(g, f, len), (uint16_t)len, CMD_EOP | CMD_IFCS | CMD_RS,
			     0, 0, 0);
	e1kg_tx_kick(g);
	assert_int_equal(e1kt_wait_frames(c->t, 1, E1KT_TMO), 1);
	assert_true(e1kt_frame(c->t, 0, &fr));
	assert_int_equal(fr.len, len);
	assert_memory_equal(fr.data, f, len);
	assert_int_equal(fr.flags & PKT_F_VLAN, 0);
	assert_int_equal(e1kg_tx_status(g, idx) & 1, 1); /* DD */
	assert_int_equal(e1kg_rd(g, E1K_TDH), g->tx_tail);
	uint32_t icr = e1kg_rd(g, E1K_ICR);
	assert_true(icr & E1K_ICR_TXDW);
	assert_true(icr & E1K_ICR_TXQE);
	assert_int_equal(e1kt_counter(c->t, "tx_pkts"), 1);
}

static void test_gather(void **state)
{
	struct e1kt_ctx *c = *state;
	struct e1kg *g = &c->g;
	struct e1kt_frame fr;
	uint8_t f[1500];
	uint32_t len = e1kt_eth(f, E1KT_PEER, E1KT_MAC, 0x88b5, 1486, 9), a, b, d;

	/* Three pieces; RS only on the last, so only it is written back. */
	a = e1kg_tx_legacy(g, e1kg_txbuf(g, f, 14), 14, CMD_IFCS, 0, 0, 0);
	b = e1kg_tx_data(g, e1kg_txbuf(g, f + 14, 500), 500, CMD_IFCS, 0, 0);
	d = e1kg_tx_data(g, e1kg_txbuf(g, f + 514, len - 514), len - 514,
			 CMD_EOP | CMD_IFCS | CMD_RS, 0, 0);
	e1kg_tx_kick(g);
	assert_int_equal(e1kt_wait_frames(c->t, 1, E1KT_TMO), 1);
	assert_true(e1kt_frame(c->t, 0, &fr));
	assert_int_equal(fr.len, len);
	assert_memory_equal(fr.data, f, len);
	assert_int_equal(e1kg_tx_status(g, a), 0);
	assert_int_equal(e1kg_tx_status(g, b), 0);
	assert_int_equal(e1kg_tx_status(g, d) & 1, 1);

	/* A frame split across two doorbells is sent once its EOP arrives. */
	e1kt_clear(c->t);
	e1kg_tx_legacy(g, e1kg_txbuf(g, f, 700), 700, CMD_IFCS, 0, 0, 0);
	e1kg_tx_kick(g);
	assert_int_equal(e1kt_wait_frames(c->t, 1, 100), 0);
	e1kg_tx_legacy(g, e1kg_txbuf(g, f + 700, len - 700), (uint16_t)(len - 700),
		       CMD_EOP | CMD_IFCS | CMD_RS, 0, 0, 0);
	e1kg_tx_kick(g);
	assert_int_equal(e1kt_wait_frames(c->t, 1, E1KT_TMO), 1);
	assert_true(e1kt_frame(c->t, 0, &fr));
	assert_int_equal(fr.len, len);
	assert_memory_equal(fr.data, f, len);
}

static void test_legacy_ic(void **state)
{
	struct e1kt_ctx *c = *state;
	struct e1kg *g = &c->g;
	struct e1kt_frame fr;
	static uint8_t f[2000];
	uint32_t len = build_tcp(f, false, 1000, 0x18);

	wbe16(f + 24, (uint16_t)~ref_sum(f + 14, 20, 0));
	wbe16(f + 50, pseudo(f + 14, false, len - 34));
	e1kg_tx_legacy(g, e1kg_txbuf(g, f, len), (uint16_t)len, CMD_EOP | CMD_IFCS | CMD_RS | CMD_IC,
		       50, 34, 0);
	e1kg_tx_kick(g);
	assert_int_equal(e1kt_wait_frames(c->t, 1, E1KT_TMO), 1);
	assert_true(e1kt_frame(c->t, 0, &fr));
	check_tcp_sums(fr.data, fr.len, false);
}

static void test_ext_csum(void **state)
{
	struct e1kt_ctx *c = *state;
	struct e1kg *g = &c->g;
	struct e1kt_frame fr;
	static uint8_t f[2000];
	uint32_t len = build_tcp(f, false, 1400, 0x18);

	/* IPv4: IP and TCP checksums inserted (IP field zero, TCP field pseudo sum). */
	wbe16(f + 50, pseudo(f + 14, false, len - 34));
	e1kg_tx_ctx(g, 14, 24, 33, 34, 50, 0, 0, TUCMD_TCP | TUCMD_IP, 0, 0);
	e1kg_tx_data(g, e1kg_txbuf(g, f, 100), 100, CMD_IFCS, POPTS_IXSM | POPTS_TXSM, 0);
	e1kg_tx_data(g, e1kg_txbuf(g, f + 100, len - 100), len - 100, CMD_EOP | CMD_IFCS | CMD_RS,
		     POPTS_IXSM | POPTS_TXSM, 0);
	/* IPv6 right after: a new context. */
	static uint8_t f6[2000];
	uint32_t len6 = build_tcp(f6, true, 999, 0x10);
	wbe16(f6 + 70, pseudo(f6 + 14, true, len6 - 54));
	e1kg_tx_ctx(g, 14, 0, 0, 54, 70, 0, 0, TUCMD_TCP, 0, 0);
	e1kg_tx_data(g, e1kg_txbuf(g, f6, len6), len6, CMD_EOP | CMD_IFCS | CMD_RS, POPTS_TXSM, 0);
	e1kg_tx_kick(g);
	assert_int_equal(e1kt_wait_frames(c->t, 2, E1KT_TMO), 2);
	assert_true(e1kt_frame(c->t, 0, &fr));
	assert_int_equal(fr.len, len);
	check_tcp_sums(fr.data, fr.len, false);
	assert_memory_equal(fr.data + 54, f + 54, len - 54);
	assert_true(e1kt_frame(c->t, 1, &fr));
	assert_int_equal(fr.len, len6);
	check_tcp_sums(fr.data, fr.len, true);
	assert_int_equal(e1kt_counter(c->t, "tx_csum_bad"), 0);
}

/*
 * A 64 KiB send prepared the way Linux's e1000_tso() does: IP total length
 * and checksum zeroed, TCP checksum holding the pseudo-header sum without the
 * length, header in its own descriptor, payload in 4 KiB pieces.
 */
static void tso_send(struct e1kt_ctx *c, bool v6, uint32_t plen, uint16_t mss, uint8_t flags)
{
	struct e1kg *g = &c->g;
	static uint8_t f[70000];
	uint32_t len = build_tcp(f, v6, plen, flags), hdr = v6 ? 74 : 54;
	uint8_t *ip = f + 14, *th = ip + (v6 ? 40 : 20);
	uint32_t want = (plen + mss - 1) / mss, seq0 = be32(th + 4), off;

	if (v6) {
		wbe16(ip + 4, 0);
	} else {
		wbe16(ip + 2, 0);
		wbe16(ip + 10, 0);
	}
	wbe16(th + 16, pseudo(ip, v6, 0));
	e1kt_clear(c->t);
	e1kg_txbuf_reset(g);
	e1kg_tx_ctx(g, 14, 24, (uint16_t)(v6 ? 0 : 33), (uint8_t)(hdr - 20), (uint8_t)(hdr - 4), 0,
		    plen, (uint8_t)(TUCMD_TCP | TUCMD_TSE | (v6 ? 0 : TUCMD_IP)), (uint8_t)hdr, mss);
	e1kg_tx_data(g, e1kg_txbuf(g, f, hdr), hdr, CMD_IFCS | CMD_TSE,
		     (uint8_t)(POPTS_TXSM | (v6 ? 0 : POPTS_IXSM)), 0);
	for (off = hdr; off < len; off += 4096) {
		uint32_t n = len - off < 4096 ? len - off : 4096;
		bool last = off + n == len;

		e1kg_tx_data(g, e1kg_txbuf(g, f + off, n), n,
			     (uint8_t)(CMD_IFCS | CMD_TSE | (last ? CMD_EOP | CMD_RS : 0)),
			     (uint8_t)(POPTS_TXSM | (v6 ? 0 : POPTS_IXSM)), 0);
	}
	e1kg_tx_kick(g);
	assert_int_equal(e1kt_wait_frames(c->t, want, E1KT_TMO), want);
	assert_int_equal(e1kt_nframes(c->t), want);
	for (uint32_t s = 0; s < want; s++) {
		struct e1kt_frame fr;
		uint32_t pl = s + 1 < want ? mss : plen - s * mss;
		const uint8_t *oip, *oth;

		assert_true(e1kt_frame(c->t, s, &fr));
		oip = fr.data + 14;
		oth = oip + (v6 ? 40 : 20);
		assert_int_equal(fr.len, hdr + pl);
		assert_memory_equal(fr.data, f, 14);
		if (v6) {
			assert_int_equal(be16(oip + 4), 20 + pl);
		} else {
			assert_int_equal(be16(oip + 2), 40 + pl);
			assert_int_equal(be16(oip + 4), (uint16_t)(0x4321 + s));
		}
		assert_int_equal(be32(oth + 4), seq0 + s * mss);
		assert_int_equal(oth[13], s + 1 < want ? (flags & ~0x09) : flags);
		check_tcp_sums(fr.data, fr.len, v6);
		assert_memory_equal(fr.data + hdr, f + hdr + s * mss, pl);
	}
}

static void test_tso_ipv4_64k(void **state)
{
	struct e1kt_ctx *c = *state;

	tso_send(c, false, 65536 - 54, 1448, 0x19);
	assert_int_equal(e1kt_counter(c->t, "tx_tso"), 1);
	assert_int_equal(e1kt_counter(c->t, "tx_tso_segs"), 46);
	assert_int_equal(e1kg_rd(&c->g, E1K_TSCTC), 1);
	/* Jumbo MSS (MTU 9000). */
	tso_send(c, false, 60000, 8948, 0x18);
}

static void test_tso_ipv6_64k(void **state)
{
	struct e1kt_ctx *c = *state;

	tso_send(c, true, 65536 - 74, 1428, 0x19);
}

static void test_vlan_insert(void **state)
{
	struct e1kt_ctx *c = *state;
	struct e1kg *g = &c->g;
	struct e1kt_frame fr;
	uint8_t f[200];
	uint32_t len = e1kt_eth(f, E1KT_PEER, E1KT_MAC, 0x0800, 100, 1);

	/* CTRL.VME counts when the descriptor is processed (at the doorbell). */
	e1kg_tx_legacy(g, e1kg_txbuf(g, f, len), (uint16_t)len,
		       CMD_EOP | CMD_IFCS | CMD_RS | CMD_VLE, 0, 0, 0x2064);
	e1kg_wr(g, E1K_CTRL, e1kg_rd(g, E1K_CTRL) | E1K_CTRL_VME);
	e1kg_tx_kick(g);
	assert_int_equal(e1kt_wait_frames(c->t, 1, E1KT_TMO), 1);
	e1kg_tx_legacy(g, e1kg_txbuf(g, f, len), (uint16_t)len,
		       CMD_EOP | CMD_IFCS | CMD_RS | CMD_VLE, 0, 0, 0x2064);
	e1kg_tx_data(g, e1kg_txbuf(g, f, len), len, CMD_EOP | CMD_IFCS | CMD_RS | CMD_VLE, 0,
		     0x0fff);
	e1kg_tx_kick(g);
	assert_int_equal(e1kt_wait_frames(c->t, 3, E1KT_TMO), 3);
	assert_true(e1kt_frame(c->t, 0, &fr));
	assert_true(fr.flags & PKT_F_VLAN); /* VME was set before the doorbell */
	assert_true(e1kt_frame(c->t, 1, &fr));
	assert_true(fr.flags & PKT_F_VLAN);
	assert_int_equal(fr.tci, 0x2064);
	assert_int_equal(fr.len, len);
	assert_memory_equal(fr.data, f, len);
	assert_true(e1kt_frame(c->t, 2, &fr));
	assert_int_equal(fr.tci, 0x0fff);
	/* Without VME again. */
	e1kg_wr(g, E1K_CTRL, e1kg_rd(g, E1K_CTRL) & ~E1K_CTRL_VME);
	e1kg_tx_legacy(g, e1kg_txbuf(g, f, len), (uint16_t)len,
		       CMD_EOP | CMD_IFCS | CMD_RS | CMD_VLE, 0, 0, 0x2064);
	e1kg_tx_kick(g);
	assert_int_equal(e1kt_wait_frames(c->t, 4, E1KT_TMO), 4);
	assert_true(e1kt_frame(c->t, 3, &fr));
	assert_int_equal(fr.flags & PKT_F_VLAN, 0);
}

static void test_backpressure(void **state)
{
	struct e1kt_ctx *c = *state;
	struct e1kg *g = &c->g;
	uint8_t f[100];
	uint32_t len = e1kt_eth(f, E1KT_PEER, E1KT_MAC, 0x0800, 60, 1);

	e1kt_peer_space(c->t, 0);
	for (int i = 0; i < 5; i++)
		e1kg_tx_legacy(g, e1kg_txbuf(g, f, len), (uint16_t)len, CMD_EOP | CMD_IFCS | CMD_RS,
			       0, 0, 0);
	e1kg_tx_kick(g);
	/* The peer has no room: nothing is taken from the ring. */
	assert_int_equal(e1kt_wait_frames(c->t, 1, 100), 0);
	assert_int_equal(e1kg_rd(g, E1K_TDH), 0);
	assert_true(e1kt_counter(c->t, "tx_blocked") >= 1);
	/* Room for two: the walk stops after two frames and waits again. */
	e1kt_peer_space(c->t, 2);
	e1kt_peer_wake(c->t);
	assert_int_equal(e1kt_wait_frames(c->t, 2, E1KT_TMO), 2);
	assert_int_equal(e1kg_rd(g, E1K_TDH), 2);
	e1kt_peer_space(c->t, UINT32_MAX);
	e1kt_peer_wake(c->t);
	assert_int_equal(e1kt_wait_frames(c->t, 5, E1KT_TMO), 5);
	assert_int_equal(e1kg_rd(g, E1K_TDH), 5);
}

/*
 * A tail written while the walk waits for the peer's room is only recorded:
 * nothing is taken from the ring until wake(), and the walk then goes on to
 * the newest tail. A walk waiting for a peer that is unplugged does not wait
 * for ever: it goes on and drops what has nobody to go to.
 */
static void test_backpressure_tail(void **state)
{
	struct e1kt_ctx *c = *state;
	struct e1kg *g = &c->g;
	uint8_t f[100];
	uint32_t len = e1kt_eth(f, E1KT_PEER, E1KT_MAC, 0x0800, 60, 1);
	uint64_t buf = e1kg_txbuf(g, f, len);

	e1kt_peer_space(c->t, 0);
	for (int i = 0; i < 5; i++)
		e1kg_tx_legacy(g, buf, (uint16_t)len, CMD_EOP | CMD_IFCS | CMD_RS, 0, 0, 0);
	e1kg_tx_kick(g);
	assert_int_equal(e1kg_rd(g, E1K_TDH), 0);
	assert_true(e1kt_counter(c->t, "tx_blocked") >= 1);
	for (int i = 0; i < 3; i++)
		e1kg_tx_legacy(g, buf, (uint16_t)len, CMD_EOP | CMD_IFCS | CMD_RS, 0, 0, 0);
	e1kg_tx_kick(g);
	assert_int_equal(e1kg_rd(g, E1K_TDH), 0);
	assert_int_equal(e1kt_counter(c->t, "tx_tail_pending"), 1);
	assert_int_equal(e1kt_wait_frames(c->t, 1, 50), 0);
	e1kt_peer_space(c->t, 2);
	e1kt_peer_wake(c->t);
	assert_int_equal(e1kt_wait_frames(c->t, 2, E1KT_TMO), 2);
	assert_int_equal(e1kg_rd(g, E1K_TDH), 2);
	e1kt_peer_space(c->t, UINT32_MAX);
	e1kt_peer_wake(c->t);
	assert_int_equal(e1kt_wait_frames(c->t, 8, E1KT_TMO), 8);
	assert_int_equal(e1kg_rd(g, E1K_TDH), 8);

	/* Blocked again, then the peer goes away. */
	e1kt_peer_space(c->t, 0);
	for (int i = 0; i < 4; i++)
		e1kg_tx_legacy(g, buf, (uint16_t)len, CMD_EOP | CMD_IFCS | CMD_RS, 0, 0, 0);
	e1kg_tx_kick(g);
	assert_int_equal(e1kg_rd(g, E1K_TDH), 8);
	e1kt_peer_plug(c->t, false);
	for (int i = 0; i < 1000 && e1kg_rd(g, E1K_TDH) != 12; i++)
		usleep(1000);
	assert_int_equal(e1kg_rd(g, E1K_TDH), 12);
	assert_int_equal(e1kt_counter(c->t, "tx_no_peer"), 4);
	/* Plugged in again, frames flow. */
	e1kt_peer_space(c->t, UINT32_MAX);
	e1kt_peer_plug(c->t, true);
	e1kg_tx_legacy(g, buf, (uint16_t)len, CMD_EOP | CMD_IFCS | CMD_RS, 0, 0, 0);
	e1kg_tx_kick(g);
	assert_int_equal(e1kt_wait_frames(c->t, 9, E1KT_TMO), 9);
	assert_int_equal(e1kg_rd(g, E1K_TDH), 13);
}

static void test_irq_and_delay(void **state)
{
	struct e1kt_ctx *c = *state;
	struct e1kg *g = &c->g;
	uint8_t f[100];
	uint32_t len = e1kt_eth(f, E1KT_PEER, E1KT_MAC, 0x0800, 60, 1);

	(void)e1kg_irq_wait(g, 0);
	e1kg_irq_eoi(g);
	e1kg_wr(g, E1K_IMS, E1K_ICR_TXDW);
	e1kg_tx_legacy(g, e1kg_txbuf(g, f, len), (uint16_t)len, CMD_EOP | CMD_IFCS | CMD_RS, 0, 0,
		       0);
	e1kg_tx_kick(g);
	assert_int_equal(e1kg_irq_wait(g, E1KT_TMO), 1);
	assert_true(e1kg_rd(g, E1K_ICR) & E1K_ICR_TXDW);
	e1kg_irq_eoi(g);
	/* IDE with TIDV: TXDW comes, but only after the delay (~50 ms here). */
	e1kg_wr(g, E1K_TIDV, 50000);
	e1kg_tx_legacy(g, e1kg_txbuf(g, f, len), (uint16_t)len,
		       CMD_EOP | CMD_IFCS | CMD_RS | CMD_IDE, 0, 0, 0);
	e1kg_tx_kick(g);
	assert_int_equal(e1kg_rd(g, E1K_ICS) & E1K_ICR_TXDW, 0);
	assert_int_equal(e1kg_irq_wait(g, E1KT_TMO), 1);
	assert_true(e1kg_rd(g, E1K_ICR) & E1K_ICR_TXDW);
	e1kg_irq_eoi(g);
}

static void test_many_frames(void **state)
{
	struct e1kt_ctx *c = *state;
	struct e1kg *g = &c->g;
	uint8_t f[600];
	unsigned sent = 0;

	e1kg_tx_setup(g, 64);
	while (sent < 1000) {
		/* Up to 40 at a time into a 64-entry ring, wrapping around. */
		for (int i = 0; i < 40 && sent < 1000; i++, sent++) {
			uint32_t len = e1kt_eth(f, E1KT_PEER, E1KT_MAC, 0x88b5, 60 + sent % 500,
						(uint8_t)sent);

			e1kg_tx_legacy(g, e1kg_txbuf(g, f, len), (uint16_t)len,
				       CMD_EOP | CMD_IFCS | CMD_RS, 0, 0, 0);
		}
		e1kg_tx_kick(g);
		assert_int_equal(e1kt_wait_frames(c->t, sent, E1KT_TMO), sent);
	}
	for (unsigned i = 0; i < 1000; i++) {
		struct e1kt_frame fr;
		uint32_t len = e1kt_eth(f, E1KT_PEER, E1KT_MAC, 0x88b5, 60 + i % 500, (uint8_t)i);

		assert_true(e1kt_frame(c->t, i, &fr));
		assert_int_equal(fr.len, len);
		assert_memory_equal(fr.data, f, len);
	}
	assert_int_equal(e1kg_rd(g, E1K_GPTC), 1000);
}

static void test_disabled_then_enabled(void **state)
{
	struct e1kt_ctx *c = *state;
	struct e1kg *g = &c->g;
	uint8_t f[100];
	uint32_t len = e1kt_eth(f, E1KT_PEER, E1KT_MAC, 0x0800, 60, 1);

	e1kg_wr(g, E1K_TCTL, E1K_TCTL_PSP);
	e1kg_tx_legacy(g, e1kg_txbuf(g, f, len), (uint16_t)len, CMD_EOP | CMD_IFCS | CMD_RS, 0, 0,
		       0);
	e1kg_tx_kick(g);
	assert_int_equal(e1kt_wait_frames(c->t, 1, 100), 0);
	e1kg_wr(g, E1K_TCTL, E1K_TCTL_PSP | E1K_TCTL_EN);
	assert_int_equal(e1kt_wait_frames(c->t, 1, E1KT_TMO), 1);
	/* Broadcast and multicast counters. */
	static const uint8_t bc[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t mc[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };
	len = e1kt_eth(f, bc, E1KT_MAC, 0x0806, 46, 1);
	e1kg_tx_legacy(g, e1kg_txbuf(g, f, len), (uint16_t)len, CMD_EOP | CMD_RS, 0, 0, 0);
	len = e1kt_eth(f, mc, E1KT_MAC, 0x0800, 46, 1);
	e1kg_tx_legacy(g, e1kg_txbuf(g, f, len), (uint16_t)len, CMD_EOP | CMD_RS, 0, 0, 0);
	e1kg_tx_kick(g);
	assert_int_equal(e1kt_wait_frames(c->t, 3, E1KT_TMO), 3);
	assert_int_equal(e1kg_rd(g, E1K_BPTC), 1);
	assert_int_equal(e1kg_rd(g, E1K_MPTC), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_legacy_single, setup, e1kt_ctx_teardown),
		cmocka_unit_test_setup_teardown(test_gather, setup, e1kt_ctx_teardown),
		cmocka_unit_test_setup_teardown(test_legacy_ic, setup, e1kt_ctx_teardown),
		cmocka_unit_test_setup_teardown(test_ext_csum, setup, e1kt_ctx_teardown),
		cmocka_unit_test_setup_teardown(test_tso_ipv4_64k, setup, e1kt_ctx_teardown),
		cmocka_unit_test_setup_teardown(test_tso_ipv6_64k, setup, e1kt_ctx_teardown),
		cmocka_unit_test_setup_teardown(test_vlan_insert, setup, e1kt_ctx_teardown),
		cmocka_unit_test_setup_teardown(test_backpressure, setup, e1kt_ctx_teardown),
		cmocka_unit_test_setup_teardown(test_backpressure_tail, setup, e1kt_ctx_teardown),
		cmocka_unit_test_setup_teardown(test_irq_and_delay, setup, e1kt_ctx_teardown),
		cmocka_unit_test_setup_teardown(test_many_frames, setup, e1kt_ctx_teardown),
		cmocka_unit_test_setup_teardown(test_disabled_then_enabled, setup, e1kt_ctx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
