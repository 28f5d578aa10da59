/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The table of the admin queue sweep (every opcode 0x0000..0x0fff once),
 * shared by the unit test (an engine of its own) and the integration test
 * over vfio-user (e810-emu in a real vmux): for each opcode the firmware
 * knows, a well-formed request and the retval it must get (success, or the
 * refusal its handler is documented to give); -1 for the others, which
 * must be answered ENOSYS with ERR. Requests are built for a PF that went
 * through a safe-mode probe (the default scheduler topology, a PF VSI).
 */
#ifndef VMUX_TESTS_E810_SWEEP_H
#define VMUX_TESTS_E810_SWEEP_H

#include <stdbool.h>
#include <stdint.h>

#include "dev/e810/aq_defs.h"

struct e810_sweep {
	/* given by the test */
	void *arg;
	/* Adds the PF VSI again (after clear_pf_cfg): 0 and its number, or the retval. */
	uint16_t (*add_pf_vsi)(void *arg, uint16_t *vsi);
	uint8_t mac[6];     /* the PF's LAN address (manage_mac_write) */
	uint64_t scratch;   /* guest address of a free 4 KiB: the sweep's TX ring */
	uint16_t vsi;       /* the PF VSI */
	/* what earlier commands left behind */
	uint16_t vsi_b;
	uint16_t res_id, rule;
	uint32_t node_x, node_y;
	uint8_t pcaps_topo[PCD_SIZE];
};

/* Fills params p and buffer b (4096 bytes, zeroed) for opc; returns the expected retval or -1. */
int e810_sweep_build(struct e810_sweep *s, uint16_t opc, uint8_t *p, uint8_t *b, uint16_t *len,
		     bool *rd);
/* Takes what a command answered (p, b) that later ones need; checks a few answers (cmocka). */
void e810_sweep_after(struct e810_sweep *s, uint16_t opc, const uint8_t *p, const uint8_t *b);

#endif
