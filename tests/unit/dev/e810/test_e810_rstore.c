// SPDX-License-Identifier: GPL-2.0-or-later
/* The E810 model's sparse register file: storage, zero writes, the bound, clearing. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "dev/e810/e810_regs.h"
#include "dev/e810/rstore.h"

static void test_store_and_read_back(void **state)
{
	struct e810_rstore s;
	uint32_t v = 0x1234;

	(void)state;
	assert_int_equal(e810_rstore_init(&s), 0);
	assert_false(e810_rstore_get(&s, E810_GLINT_CTL, &v));
	assert_int_equal(v, 0x1234); /* untouched */
	assert_true(e810_rstore_set(&s, E810_GLINT_CTL, 7));
	assert_true(e810_rstore_get(&s, E810_GLINT_CTL, &v));
	assert_int_equal(v, 7);
	/* Zero into a register never written stores nothing; into a stored one it stays stored. */
	assert_true(e810_rstore_set(&s, E810_PFINT_OICR_ENA, 0));
	assert_false(e810_rstore_get(&s, E810_PFINT_OICR_ENA, &v));
	assert_true(e810_rstore_set(&s, E810_GLINT_CTL, 0));
	assert_true(e810_rstore_get(&s, E810_GLINT_CTL, &v));
	assert_int_equal(v, 0);
	/* Offsets 0 and the last dword of a 128 MiB BAR are ordinary keys. */
	assert_true(e810_rstore_set(&s, 0, 0xa));
	assert_true(e810_rstore_set(&s, (128u << 20) - 4, 0xb));
	assert_true(e810_rstore_get(&s, 0, &v));
	assert_int_equal(v, 0xa);
	assert_true(e810_rstore_get(&s, (128u << 20) - 4, &v));
	assert_int_equal(v, 0xb);
	assert_int_equal(s.used, 3);
	e810_rstore_clear(&s);
	assert_int_equal(s.used, 0);
	assert_false(e810_rstore_get(&s, 0, &v));
	e810_rstore_fini(&s);
}

static void test_bounded(void **state)
{
	struct e810_rstore s;
	uint32_t v;

	(void)state;
	assert_int_equal(e810_rstore_init(&s), 0);
	/* A run of per-queue registers, far more than the bound. */
	for (uint32_t q = 0; q < E810_RSTORE_MAX; q++)
		assert_true(e810_rstore_set(&s, E810_QRX_CONTEXT(q / 2048, q % 2048), q + 1));
	assert_int_equal(s.used, E810_RSTORE_MAX);
	assert_false(e810_rstore_set(&s, E810_QRX_TAIL(0), 1));
	assert_false(e810_rstore_set(&s, E810_QRX_TAIL(1), 1));
	assert_int_equal(s.full_drops, 2);
	/* Stored ones still change, zero writes of new ones still succeed, reads miss cleanly. */
	assert_true(e810_rstore_set(&s, E810_QRX_CONTEXT(0, 5), 99));
	assert_true(e810_rstore_set(&s, E810_QRX_TAIL(2), 0));
	assert_false(e810_rstore_get(&s, E810_QRX_TAIL(0), &v));
	for (uint32_t q = 0; q < E810_RSTORE_MAX; q++) {
		assert_true(e810_rstore_get(&s, E810_QRX_CONTEXT(q / 2048, q % 2048), &v));
		assert_int_equal(v, q == 5 ? 99 : q + 1);
	}
	e810_rstore_clear(&s);
	assert_true(e810_rstore_set(&s, E810_QRX_TAIL(0), 1));
	e810_rstore_fini(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_store_and_read_back),
		cmocka_unit_test(test_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
