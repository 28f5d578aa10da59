/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Helpers of the switch rule tests (test_e810_swr, test_e810_confine): an
 * engine driven by the unit tests' ice-like driver with a PF VSI, rules
 * filled as ice_fill_sw_rule fills them, frames to evaluate.
 */
#ifndef VMUX_TESTS_E810_SWR_UTIL_H
#define VMUX_TESTS_E810_SWR_UTIL_H

#include <stdbool.h>
#include <stdint.h>

#include "dev/e810/aq_defs.h"
#include "dev/e810/swr_tab.h"
#include "e810_drv.h"

#define SWR_NQ 4u

struct swr_rig {
	struct drv d;
	uint16_t vsi;        /* the PF VSI: queues 0..nq-1 */
	unsigned nq;
	uint8_t mac[6];
};

/* An engine of SWR_NQ queues with that MAC, its queues up, a PF VSI added. */
void swr_rig_init(struct swr_rig *r, const uint8_t mac[6]);
/* The same with nq queues, all the PF VSI's (its contiguous queue map). */
void swr_rig_init_nq(struct swr_rig *r, const uint8_t mac[6], unsigned nq);
void swr_rig_fini(struct swr_rig *r);

/* The action words of ice_fill_sw_rule. */
uint32_t swr_act_vsi(uint16_t vsi);
uint32_t swr_act_list(uint16_t list);
uint32_t swr_act_q(uint16_t q, unsigned region_log2);
uint32_t swr_act_drop(void);
uint32_t swr_act_prune(uint16_t vsi);

/*
 * One lookup rule: type (SW_RULE_LKUP_RX/TX), recipe, source, action, the
 * dummy header with da (NULL: the dummy 02:00..), ethertype (0: the dummy
 * 0x8100 slot) and vid (-1: none). The AQ return code; *index if added.
 */
uint16_t swr_add(struct swr_rig *r, uint16_t type, uint16_t recipe, uint32_t act,
		 const uint8_t *da, uint16_t etype, int vid, uint16_t *index);
uint16_t swr_remove(struct swr_rig *r, uint16_t index);
/* A VSI list of type res_type with the n VSIs; its ID (asserts). */
uint16_t swr_list(struct swr_rig *r, uint8_t res_type, const uint16_t *vsis, unsigned n);
/* update_vsi with RX VLAN pruning on or off. */
void swr_prune(struct swr_rig *r, bool on);

/* A frame to da from a fixed source, ethertype etype, tagged with vid in the data if vid >= 0. */
uint32_t swr_frame(uint8_t *f, const uint8_t da[6], uint16_t etype, int vid);
/* The engine's rules compiled, then the frame evaluated: queue, NEXT or DROP; why. */
int swr_eval(struct swr_rig *r, struct e810_swr_tab *t, const uint8_t *f, uint32_t len,
	     enum e810_swr_why *why);

#endif
