/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The E810's statistics registers as the ice driver reads them once a second
 * (ice_update_pf_stats, ice_update_vsi_stats: rd64 of 40-bit counters that
 * only grow, deltas taken by the driver): per port (GLPRT_*: good octets,
 * unicast/multicast/broadcast frames, frames per size class, both ways) and
 * per VSI (GLV_*), from the LAN queues' own counters.
 *
 * They are served two ways. Trapped, a read computes the value
 * (e810_stats_read). With exitless doorbells the whole block
 * [E810_STATS_BASE, E810_STATS_END) is a shared page area as well (the
 * ice driver reads about 120 of these registers a second, as many VM exits
 * as all its doorbells under bulk TCP at TCG speeds), and the device's
 * thread stores the counters into it every E810_STATS_REFRESH_NS
 * (e810_stats_fill): 8-byte aligned stores of the 40-bit counters, which the
 * driver's 8-byte loads see whole. Every other register of the block reads
 * 0, as the error and flow-control counters of a link without errors do.
 */
#ifndef VMUX_DEV_E810_STATS_H
#define VMUX_DEV_E810_STATS_H

#include <stdbool.h>
#include <stdint.h>

#include "dev/e810/lan.h"

#define E810_STATS_BASE 0x00300000u
#define E810_STATS_END 0x003b8000u      /* GLV_BPRCL(767) + 8, page aligned */
#define E810_STATS_SIZE (E810_STATS_END - E810_STATS_BASE)
#define E810_STATS_REFRESH_NS 10000000ull /* 10 ms: the driver reads once a second */

/* One direction of the device's traffic, summed over its queues. */
struct e810_stats_dir {
	uint64_t pkts, bytes;
	struct e810_frame_class cls;
	uint64_t discards; /* RX: frames without a descriptor; TX: frames refused (errors) */
};

struct e810_stats_snap {
	uint16_t port;     /* the PF's port (GLPRT index) */
	int vsi;           /* the VSI the LAN queues belong to, -1: none yet */
	struct e810_stats_dir rx, tx;
};

void e810_stats_add_rx(struct e810_stats_snap *s, const struct e810_rxq_stats *st);
void e810_stats_add_tx(struct e810_stats_snap *s, const struct e810_txq_stats *st);

/* Whether off is one of the statistics registers (cheap: ranges only). */
bool e810_stats_reg(uint32_t off);

/* True if off is a statistics register this device serves (its value in *v). */
bool e810_stats_read(const struct e810_stats_snap *s, uint32_t off, uint32_t *v);

/*
 * Stores every served counter of s into area, the mapping of
 * [E810_STATS_BASE, E810_STATS_END). A VSI that was served before and is
 * no longer s->vsi (prev_vsi, -1 for none) is cleared.
 */
void e810_stats_fill(const struct e810_stats_snap *s, int prev_vsi, void *area);

#endif
