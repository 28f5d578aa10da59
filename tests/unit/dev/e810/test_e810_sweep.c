// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Every opcode 0x0000..0x0fff sent once to an E810 admin queue engine that
 * went through the 6.1 safe-mode probe: each command the engine knows gets a
 * well-formed request and must be answered as this table says (success, or
 * the refusal its handler is documented to give); every other opcode must be
 * answered ENOSYS with ERR; and the engine's own count of unknown opcodes
 * must match this table's.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dev/e810/aq_defs.h"
#include "dev/e810/e810_regs.h"
#include "e810_drv.h"
#include "e810_probe.h"
#include "e810_sweep.h"

/* ---- every opcode once (the table: e810_sweep.c) ------------------------------------ */

static uint16_t unit_add_pf_vsi(void *arg, uint16_t *vsi)
{
	return add_vsi(arg, 2, 0, 1, vsi);
}

static void test_every_opcode(void **state)
{
	struct e810_aq_config cfg;
	struct drv d;
	struct probe pr;
	struct e810_sweep s;
	uint8_t *b = calloc(1, 4096);
	uint64_t unknown0, unknown = 0, known = 0;

	(void)state;
	e810_aq_config_default(&cfg);
	drv_init(&d, &cfg);
	probe_61(&d, &pr, &cfg);
	memset(&s, 0, sizeof(s));
	s.arg = &d;
	s.add_pf_vsi = unit_add_pf_vsi;
	memcpy(s.mac, cfg.mac, 6);
	s.scratch = gpa_of(DRV_SCRATCH);
	s.vsi = pr.vsi;
	unknown0 = e810_aq_stats(d.aq)->atq_unknown;
	for (unsigned opc = 0; opc <= 0x0fff; opc++) {
		uint8_t p[16] = { 0 };
		uint16_t len;
		bool rd;
		int want;
		uint16_t rv;

		memset(b, 0, 4096);
		want = e810_sweep_build(&s, (uint16_t)opc, p, b, &len, &rd);
		rv = drv_cmd(&d, (uint16_t)opc, p, b, len, rd, NULL);
		if (want < 0) {
			if (rv != AQ_RC_ENOSYS || !(g16(d.desc + AQD_FLAGS) & AQ_FLAG_ERR))
				fail_msg("opcode 0x%04x: unknown, answered %u (flags %#x)", opc, rv,
					 g16(d.desc + AQD_FLAGS));
			unknown++;
			continue;
		}
		if (rv != want)
			fail_msg("opcode 0x%04x: answered %u, expected %d", opc, rv, want);
		known++;
		e810_sweep_after(&s, (uint16_t)opc, p, b);
	}
	/* The engine's idea of "unknown" is the same as this table's. */
	assert_int_equal(e810_aq_stats(d.aq)->atq_unknown - unknown0, unknown);
	assert_true(known >= 70);
	assert_int_equal(drv_rd(&d, E810_PF_FW_ATQH), d.atq_ntu);
	assert_false(drv_rd(&d, E810_PF_FW_ATQLEN) & E810_AQLEN_CRIT);
	free(b);
	drv_fini(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_opcode),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
