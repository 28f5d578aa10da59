/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Where a frame from the port goes among the PF's RX queues, in the order
 * the E810 decides it (queues.c calls these per frame once any of them is
 * on): the switch rules the guest added (swr.c: MAC, VLAN, ethertype to a
 * queue or VSI, drop), then the flow director's filters (fdir.c), then RSS
 * (rss.c), else the VSI's queue 0.
 *
 * Confinement: these run only on frames the vmux switch already delivered
 * to this VM's port (its MAC, its VLAN, broadcast and multicast it takes),
 * so a guest's rule can reorder its own queues or drop its own frames but
 * never pull in another VM's traffic.
 */
#ifndef VMUX_DEV_E810_STEER_H
#define VMUX_DEV_E810_STEER_H

#include <stdbool.h>
#include <stdint.h>

struct e810;
struct pkt;

#define E810_STEER_DROP (-1) /* a rule drops it (counted by the rule's owner) */
#define E810_STEER_NEXT (-2) /* no rule matched: the next stage decides */

/*
 * The frame's RSS hash for a queue region (e810_region_pick, rss.h): the one
 * it carries (PKT_F_RSS), else computed with the PF VSI's key when RSS is on
 * (and kept in the frame for its descriptor), else 0. swr.c.
 */
uint32_t e810_steer_hash(struct e810 *e, struct pkt *p);

/* swr.c: switch rules. An absolute PF queue, DROP or NEXT. */
bool e810_swr_active(const struct e810 *e);
int e810_swr_steer(struct e810 *e, struct pkt *p);

/* fdir.c: flow director filters. An absolute PF queue, DROP or NEXT. */
bool e810_fdir_active(const struct e810 *e);
int e810_fdir_steer(struct e810 *e, struct pkt *p);

#endif /* VMUX_DEV_E810_STEER_H */
