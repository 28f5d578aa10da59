// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The poll-mode E810 guest driver (client/e810g.h) on a real vmux (its own
 * network namespace: root only, else skipped) serving two e810-emu devices
 * (the second with exitless doorbells) and one e1000-emu on one switch with a
 * tap uplink: one E810 guest sends N frames to the other's MAC through the
 * switch and they all arrive intact; the exitless one rings its doorbells
 * without a vfio-user message;
 * an e1000 guest (e1kg) and an E810 guest exchange frames both ways (the
 * E810 is an ordinary switch port); the burst functions the benchmark uses
 * move 20000 full-size frames.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "client/e1kg.h"
#include "client/e810g.h"
#include "core/log.h"
#include "e810v.h"
#include "itest.h"

#define NFRAMES 2000u

static const char *vmux;
static bool in_own_netns;
static struct e810v vm;

static int group_setup(void **state)
{
	(void)state;
	if (!in_own_netns)
		return 0;
	return e810v_start(&vm, vmux, "vg810", "02:00:00:00:0b:00");
}

static int group_teardown(void **state)
{
	(void)state;
	return e810v_stop(&vm);
}

static void e810_open(struct e810g *g, int idx)
{
	e810v_open(&vm, g, idx);
}

static bool frame_ok(const uint8_t *f, uint32_t len, const uint8_t *dst, const uint8_t *src,
		     uint32_t *seq)
{
	uint8_t want[2048];

	if (len < 18 || len > sizeof(want) || memcmp(f, dst, 6) || memcmp(f + 6, src, 6))
		return false;
	memcpy(seq, f + 14, 4);
	e810v_frame(want, dst, src, *seq, len);
	return !memcmp(f, want, len);
}

static void test_e810_to_e810(void **state)
{
	struct e810g a, b;
	uint8_t f[2048];
	uint32_t sent = 0, got = 0, bad = 0, seq, next = 0;
	uint64_t end;

	(void)state;
	if (!in_own_netns)
		skip();
	e810_open(&a, 0);
	e810_open(&b, 1);
	assert_memory_not_equal(a.mac, b.mac, 6);
	end = it_now_ms() + 10000;
	while ((sent < NFRAMES || got < NFRAMES) && it_now_ms() < end) {
		uint32_t len;

		/* Stay well inside B's RX ring: the switch drops what B has no room for. */
		while (sent < NFRAMES && sent - got < 64) {
			len = 60 + (sent * 37) % 1455;
			e810v_frame(f, b.mac, a.mac, sent, len);
			if (e810g_tx_one(&a, f, len))
				break;
			sent++;
		}
		while ((len = e810g_rx_take(&b, f, sizeof(f))) > 0) {
			if (!frame_ok(f, len, b.mac, a.mac, &seq) || seq != next ||
			    len != 60 + (seq * 37) % 1455)
				bad++;
			next = seq + 1;
			got++;
		}
	}
	e810g_tx_reclaim(&a);
	assert_int_equal(sent, NFRAMES);
	assert_int_equal(bad, 0);
	assert_int_equal(got, NFRAMES);
	assert_int_equal(a.cnt.tx_done, NFRAMES);
	e810g_close(&a);
	e810g_close(&b);
}

/*
 * The bench's way: tx's prefilled ring posted in batches of 32 while rx
 * polls, until rx has taken n frames or 10 s have passed.
 */
static void burst(struct e810g *tx, struct e810g *rx, uint64_t n)
{
	uint64_t end = it_now_ms() + 10000;

	while (rx->cnt.rx_frames < n && it_now_ms() < end) {
		e810g_tx_reclaim(tx);
		if (e810g_tx_free(tx) >= 32)
			e810g_tx_post(tx, 32);
		e810g_rx_poll(rx, UINT32_MAX, 32);
	}
}

/* The bench's burst functions: a prefilled TX ring posted in batches, RX polled. */
static void test_e810_burst(void **state)
{
	struct e810g a, b;
	uint8_t f[2048];
	uint64_t end;

	(void)state;
	if (!in_own_netns)
		skip();
	e810_open(&a, 0);
	e810_open(&b, 1);
	e810v_frame(f, b.mac, a.mac, 7, 1514);
	assert_int_equal(e810g_tx_prefill(&a, f, 1514), 0);
	burst(&a, &b, 20000);
	assert_true(b.cnt.rx_frames >= 20000);
	assert_int_equal(b.cnt.rx_bytes, b.cnt.rx_frames * 1514);
	/* B may have a burst whose descriptors A has not reclaimed yet. */
	end = it_now_ms() + 5000;
	while (a.cnt.tx_done < b.cnt.rx_frames && it_now_ms() < end)
		e810g_tx_reclaim(&a);
	assert_true(a.cnt.tx_done >= b.cnt.rx_frames);
	assert_int_equal(a.cnt.tx_doorbells * 32, a.cnt.tx_posted);
	/* The last frame taken is the prefilled one, intact. */
	{
		uint32_t last = (b.q[0].rx_next + b.q[0].rx_count - 1) % b.q[0].rx_count, seq;

		assert_true(frame_ok(e810g_ptr(&b, E810G_RXBUF + E810G_BUF_STRIDE * last), 1514, b.mac,
				     a.mac, &seq));
		assert_int_equal(seq, 7);
	}
	e810g_close(&a);
	e810g_close(&b);
}

/*
 * Exitless doorbells: B's device (--doorbell poll) offers the QRX_TAIL and
 * QTX_COMM_DBELL pages, A's (trapped) none. B sends 20000 frames to A and
 * takes 2000 from A, ringing every doorbell with a store on a page: not one
 * vfio-user message from B meanwhile.
 */
static void test_e810_exitless(void **state)
{
	struct e810g a, b;
	uint8_t f[2048];
	uint64_t end, req;
	uint32_t sent = 0, got = 0, len, seq;

	(void)state;
	if (!in_own_netns)
		skip();
	e810_open(&a, 0);
	e810_open(&b, 1);
	assert_int_equal(e810g_map_doorbells(&a), -ENOENT);
	assert_int_equal(e810g_map_doorbells(&b), 0);
	e810v_frame(f, a.mac, b.mac, 9, 1000);
	assert_int_equal(e810g_tx_prefill(&b, f, 1000), 0);
	req = e810g_requests(&b);
	burst(&b, &a, 20000);
	assert_true(a.cnt.rx_frames >= 20000);
	assert_int_equal(e810g_requests(&b), req);
	/* A -> B: B's RX tail goes back on its page. */
	end = it_now_ms() + 10000;
	while ((sent < 2000 || got < 2000) && it_now_ms() < end) {
		while (sent < 2000 && sent - got < 64) {
			len = 60 + sent % 1000;
			e810v_frame(f, b.mac, a.mac, sent, len);
			if (e810g_tx_one(&a, f, len))
				break;
			sent++;
		}
		while ((len = e810g_rx_take(&b, f, sizeof(f))) > 0) {
			assert_true(frame_ok(f, len, b.mac, a.mac, &seq));
			assert_int_equal(seq, got);
			got++;
		}
	}
	assert_int_equal(got, 2000);
	assert_int_equal(e810g_requests(&b), req);
	assert_true(b.cnt.doorbells > 2000 / 8);
	e810g_close(&a);
	e810g_close(&b);
}

/* e1000 guest <-> E810 guest through the switch, both ways. */
static void test_e1000_and_e810(void **state)
{
	struct e810g x;
	struct e1kg k;
	uint8_t f[2048], kmac[6];
	uint32_t n, len, seq, got;
	uint64_t end;
	int r = -1;

	(void)state;
	if (!in_own_netns)
		skip();
	e810_open(&x, 0);
	for (int i = 0; i < 100 && r; i++) {
		r = e1kg_open(&k, vm.sock[2]);
		if (r) {
			e1kg_close(&k);
			it_nap_ms(10);
		}
	}
	assert_int_equal(r, 0);
	e1kg_reset(&k);
	e1kg_tx_setup(&k, 256);
	e1kg_rx_setup(&k, 256, 2048, E1K_RCTL_BAM);
	{
		uint32_t lo = e1kg_rd(&k, E1K_RAL(0)), hi = e1kg_rd(&k, E1K_RAH(0));

		for (int i = 0; i < 4; i++)
			kmac[i] = (uint8_t)(lo >> (8 * i));
		kmac[4] = (uint8_t)hi;
		kmac[5] = (uint8_t)(hi >> 8);
	}

	/* e1000 -> E810 */
	for (n = 0; n < 100; n++) {
		uint64_t a;

		len = e810v_frame(f, x.mac, kmac, n, 64 + n);
		e1kg_txbuf_reset(&k);
		a = e1kg_txbuf(&k, f, len);
		e1kg_tx_legacy(&k, a, (uint16_t)len,
			       (E1K_TXD_CMD_EOP | E1K_TXD_CMD_IFCS | E1K_TXD_CMD_RS) >> 24, 0, 0, 0);
		e1kg_tx_kick(&k);
		got = 0;
		end = it_now_ms() + 2000;
		while (!got && it_now_ms() < end) {
			got = e810g_rx_take(&x, f, sizeof(f));
		}
		assert_int_equal(got, 64 + n);
		assert_true(frame_ok(f, got, x.mac, kmac, &seq));
		assert_int_equal(seq, n);
	}
	/* E810 -> e1000 (the e1000 counts the FCS in the length). */
	for (n = 0; n < 100; n++) {
		struct e1kg_rxd last;

		len = e810v_frame(f, kmac, x.mac, n, 64 + n);
		assert_int_equal(e810g_tx_one(&x, f, len), 0);
		got = 0;
		end = it_now_ms() + 2000;
		while (!got && it_now_ms() < end)
			got = e1kg_rx_take(&k, f, sizeof(f), &last);
		assert_true(got >= 64 + n && got <= 68 + n);
		assert_true(frame_ok(f, 64 + n, kmac, x.mac, &seq));
		assert_int_equal(seq, n);
	}
	e1kg_close(&k);
	e810g_close(&x);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_e810_to_e810),
		cmocka_unit_test(test_e810_burst),
		cmocka_unit_test(test_e810_exitless),
		cmocka_unit_test(test_e1000_and_e810),
	};

	if (!it_vmux_main(argc, argv, "test_e810g", &vmux, &in_own_netns))
		return 2;
	return cmocka_run_group_tests_name("e810g", tests, group_setup, group_teardown);
}
