/* SPDX-License-Identifier: GPL-2.0-or-later */
/* CRC-32 (IEEE 802.3): known values, and the folding path against the tables. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/crc32.h"

/* Bit by bit, straight from the definition: the reference for both. */
static uint32_t crc_bitwise(uint32_t crc, const uint8_t *p, size_t len)
{
	while (len--) {
		crc ^= *p++;
		for (unsigned k = 0; k < 8; k++)
			crc = (crc & 1) ? 0xedb88320u ^ (crc >> 1) : crc >> 1;
	}
	return crc;
}

static void test_known_values(void **state)
{
	assert_int_equal(crc32_eth("123456789", 9), 0xcbf43926u);
	assert_int_equal(crc32_eth("", 0), 0);
	/* 32 bytes of zeros, long enough for the folding path. */
	static const uint8_t z[32];
	assert_int_equal(crc32_eth(z, sizeof(z)), 0x190a55adu);
}

static void test_all_lengths_and_states(void **state)
{
	enum { MAX = 2100 };
	uint8_t *buf = malloc(MAX + 16);
	uint64_t r = 0x9e3779b97f4a7c15ull;

	assert_non_null(buf);
	for (size_t i = 0; i < MAX + 16; i++) {
		r ^= r << 13;
		r ^= r >> 7;
		r ^= r << 17;
		buf[i] = (uint8_t)r;
	}
	for (size_t len = 0; len <= MAX; len++) {
		/* Unaligned starts and arbitrary running values, as the callers use them. */
		size_t off = len % 13;
		uint32_t st = (uint32_t)(r >> (len % 32)) ^ (uint32_t)len;
		uint32_t ref = crc_bitwise(st, buf + off, len);

		assert_int_equal(crc32_eth_update_table(st, buf + off, len), ref);
		assert_int_equal(crc32_eth_update(st, buf + off, len), ref);
		if (crc32_eth_have_clmul())
			assert_int_equal(crc32_eth_update_clmul(st, buf + off, len), ref);
	}
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_values),
		cmocka_unit_test(test_all_lengths_and_states),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
