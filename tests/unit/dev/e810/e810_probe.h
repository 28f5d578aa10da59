/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Test support for the E810 admin queue engine: the command sequence of
 * Linux 6.1's ice driver probing in safe mode, in its order (ice_probe ->
 * ice_init_hw -> ice_init_check_adminq, ice_clear_pf_cfg, ice_init_nvm,
 * ice_get_caps, ice_get_initial_sw_cfg, ice_sched_query_res_alloc,
 * ice_sched_init_port, PHY and link, MAC, FD counter; then ice_setup_pf_sw,
 * ice_send_version, ice_init_link_events, ice_init_nvm_phy_type,
 * ice_update_link_info, ice_init_phy_user_cfg / ice_configure_phy,
 * ice_set_safe_mode_vlan_cfg), and the commands the tests reuse.
 * prm is the parameter block of the last command (in and out).
 */
#ifndef VMUX_TESTS_E810_PROBE_H
#define VMUX_TESTS_E810_PROBE_H

#include <stdbool.h>
#include <stdint.h>

#include "dev/e810/aq_defs.h"
#include "e810_drv.h"

/* What the probe learned, as the driver keeps it. */
struct probe {
	uint32_t flash_size;
	uint32_t nvm_ptr, nvm_size, orom_ptr, orom_size, nl_ptr, nl_size;
	uint16_t max_children[9];
	unsigned layers, entry_layer;
	uint32_t root, tc;
	uint32_t vsi_nodes[6];  /* layers 2..7 of the PF VSI's branch */
	uint32_t agg_nodes[3];  /* aggregator branch: layers 2, 3, 4 */
	uint16_t vsi;
	uint16_t fd_ctr;
	uint16_t rule_uc, rule_bc;
	uint8_t pcaps_topo[PCD_SIZE];
};

extern uint8_t prm[16];
void clr(void);

void nvm_acquire(struct drv *d);
void nvm_release(struct drv *d);
uint16_t nvm_read(struct drv *d, uint32_t off, uint16_t len, bool flash, uint8_t *out);
uint16_t sr_word(struct drv *d, uint16_t w);
uint16_t flash_word(struct drv *d, uint32_t off);
/* get_sched_elems of one node; asserts its parent and type. */
void sched_query(struct drv *d, uint32_t teid, uint32_t parent, uint8_t type);
/* One generic node under parent (and its query); returns its TEID. */
uint32_t sched_add(struct drv *d, const struct probe *pr, uint32_t parent);
uint16_t sched_delete(struct drv *d, uint32_t parent, uint32_t teid);
void phy_caps(struct drv *d, uint16_t mode, uint8_t out[PCD_SIZE]);
void link_status(struct drv *d, uint16_t lse, uint8_t out[LSD_SIZE], bool *lse_on);
/* ice_copy_phy_caps_to_cfg */
void caps_to_cfg(const uint8_t *caps, uint8_t cfg[SPCD_SIZE]);
uint16_t add_mac_rule(struct drv *d, uint16_t vsi, const uint8_t mac[6], uint16_t *index);
uint16_t remove_rule(struct drv *d, uint16_t index);
void vsi_props(uint8_t p[128], uint16_t first, uint16_t count);
uint16_t add_vsi(struct drv *d, uint16_t type, uint16_t first, uint16_t count, uint16_t *num);
/* A packed TX queue context (ice_setup_tx_ctx): ring at gpa, 256 entries. */
void tx_ctx(uint8_t ctx[22], uint64_t ring, uint16_t vsi, uint8_t pf);
uint16_t add_txq(struct drv *d, uint32_t parent, uint16_t q, uint16_t vsi, uint32_t *teid);
uint16_t dis_txq(struct drv *d, uint32_t parent, uint16_t q);

/* Queues up, then the whole 6.1 safe-mode probe, every answer checked. */
void probe_61(struct drv *d, struct probe *pr, const struct e810_aq_config *cfg);

#endif /* VMUX_TESTS_E810_PROBE_H */
