/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * e1000 integration, the guest driver's poll mode under load (client/e1kg.h,
 * used by bench/mux_bench): a prefilled TX ring handed over in batches with
 * one posted TDT each and reclaimed by DD, RX frames taken by DD and given
 * back with one posted RDT per batch.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>
#include <time.h>

#include "e1kt.h"

static int setup(void **state)
{
	static struct e1kt_ctx c;

	if (e1kt_ctx_open(&c, false, false))
		return -1;
	*state = &c;
	return 0;
}

/* Reclaims until n descriptors came back or the timeout passed; returns how many. */
static uint32_t reclaim_n(struct e1kg *g, uint32_t n)
{
	struct timespec ts = { 0, 1000000 };
	uint32_t got = 0;

	for (int i = 0; i < E1KT_TMO && got < n; i++) {
		got += e1kg_tx_reclaim(g);
		if (got < n)
			nanosleep(&ts, NULL);
	}
	return got;
}

static void test_tx_batches(void **state)
{
	struct e1kt_ctx *c = *state;
	uint8_t f[60], big[4096] = { 0 };
	struct e1kt_frame fr;

	assert_int_equal(e1kg_set_doorbell(&c->g, (enum e1kg_doorbell)7), -ENOTSUP);
	assert_int_equal(e1kg_set_doorbell(&c->g, E1KG_DB_TRAP), 0);
	e1kg_tx_setup(&c->g, 64);
	assert_int_equal(e1kg_tx_prefill(&c->g, big, sizeof(big)), -EINVAL);
	e1kg_eth(f, E1KT_PEER, E1KT_MAC, 0x88b5, 46, 3);
	assert_int_equal(e1kg_tx_prefill(&c->g, f, sizeof(f)), 0);
	assert_int_equal(e1kg_tx_free(&c->g), 63);

	e1kg_tx_post(&c->g, 32);
	assert_int_equal(e1kt_wait_frames(c->t, 32, E1KT_TMO), 32);
	assert_int_equal(reclaim_n(&c->g, 32), 32);
	assert_int_equal(e1kg_tx_free(&c->g), 63);
	/* Two more doorbells, around the end of the ring: every slot but one in use. */
	e1kg_tx_post(&c->g, 32);
	e1kg_tx_post(&c->g, 31);
	assert_int_equal(e1kg_tx_free(&c->g), 0);
	assert_int_equal(e1kt_wait_frames(c->t, 95, E1KT_TMO), 95);
	assert_int_equal(reclaim_n(&c->g, 63), 63);
	assert_int_equal(e1kg_tx_free(&c->g), 63);
	for (unsigned i = 0; i < 95; i++) {
		assert_true(e1kt_frame(c->t, i, &fr));
		assert_int_equal(fr.len, sizeof(f));
		assert_memory_equal(fr.data, f, sizeof(f));
	}
	assert_int_equal(c->g.cnt.tx_doorbells, 3);
	assert_int_equal(c->g.cnt.tx_posted, 95);
	assert_int_equal(c->g.cnt.tx_done, 95);
	assert_int_equal(e1kg_rd(&c->g, E1K_TDH), 95 % 64);
}

static void test_rx_batches(void **state)
{
	struct e1kt_ctx *c = *state;
	uint8_t f[60];
	const uint8_t *frames[40];
	uint32_t lens[40];

	e1kg_rx_setup(&c->g, 64, 2048, E1K_RCTL_BAM);
	e1kg_eth(f, E1KT_MAC, E1KT_PEER, 0x88b5, 46, 9);
	for (unsigned i = 0; i < 40; i++) {
		frames[i] = f;
		lens[i] = sizeof(f);
	}
	assert_int_equal(e1kt_inject(c->t, frames, lens, 40, 0, 0), 40);
	/* 40 taken, given back with one RDT write: one behind the next to clean. */
	assert_int_equal(e1kg_rx_poll(&c->g, UINT32_MAX, 32), 40);
	assert_int_equal(c->g.cnt.doorbells, 1);
	assert_int_equal(e1kg_rd(&c->g, E1K_RDT), 39);
	/* 10 more: fewer than a batch, kept until a smaller batch is asked for. */
	assert_int_equal(e1kt_inject(c->t, frames, lens, 10, 0, 0), 10);
	assert_int_equal(e1kg_rx_poll(&c->g, UINT32_MAX, 32), 10);
	assert_int_equal(c->g.cnt.doorbells, 1);
	assert_int_equal(e1kg_rx_poll(&c->g, UINT32_MAX, 1), 0);
	assert_int_equal(c->g.cnt.doorbells, 2);
	assert_int_equal(e1kg_rd(&c->g, E1K_RDT), 49);
	/* At most max per call. */
	assert_int_equal(e1kt_inject(c->t, frames, lens, 20, 0, 0), 20);
	assert_int_equal(e1kg_rx_poll(&c->g, 5, 64), 5);
	assert_int_equal(e1kg_rx_poll(&c->g, UINT32_MAX, 64), 15);
	assert_int_equal(c->g.cnt.rx_frames, 70);
	/* Frame and FCS (the ring does not strip it). */
	assert_int_equal(c->g.cnt.rx_bytes, 70 * (sizeof(f) + 4));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_tx_batches, setup, e1kt_ctx_teardown),
		cmocka_unit_test_setup_teardown(test_rx_batches, setup, e1kt_ctx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
