/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The E810 flow director as ice programs "ethtool -N flow-type udp4
 * dst-port P action Q" (ice_fdir.c, ice_flow.c), for e810g guests (the
 * integration test test_e810g_rss, bench/mux_bench --e810-fd, the lab's
 * flow_guest): the IPv4/UDP destination port profile only, its bytes
 * built by client/e810fd.h (which the in-process tests use too, for any
 * field list):
 *
 *  - E810FD_*: the profile (E810FD_PROF) and its pipeline. The FD block's
 *    sections for it: XLT1 (the package's: the IPv4/UDP packet type in its
 *    group), the field vector (the UDP destination port in the last word,
 *    its source-port partner below it, as ice_update_fd_swap adds it), the
 *    TCAM entry (group, VSIG) -> profile and XLT2 (VSI -> VSIG); the
 *    profile's GLQF_FDINSET / GLQF_FDSWAP values; a programming
 *    descriptor's two qwords; the programming packet (source and
 *    destination exchanged, ice_fdir_get_gen_prgm_pkt).
 *  - e810g_fd_*: an e810g guest (client/e810g.h, after e810g_up_queues) gets
 *    them through the device's own paths: a package (the global config lock,
 *    download_pkg with a metadata section and XLT1), the profile in an
 *    update_pkg buffer, the registers through BAR0, a control VSI with its
 *    TX queue on a queue pair of the caller's choice (ice: the one past its
 *    LAN queues), and filters added and removed by programming descriptors
 *    and DUMMY packets on that queue, reported on failure only; GLQF_FD_CNT
 *    tells how many the device holds; the profile's port mask through
 *    GLQF_FDMASK.
 */
#ifndef VMUX_CLIENT_E810G_FD_H
#define VMUX_CLIENT_E810G_FD_H

#include <stdbool.h>
#include <stdint.h>

#include "client/e810g.h"
#include "client/e810fd.h"

/* The profile and its pipeline (as ice-1.3.43.0.pkg and ice give them). */
#define E810FD_PROF 5u
#define E810FD_PTYPE_UDP4 24u
#define E810FD_PTG_UDP4 2u
#define E810FD_VSIG 0x2001u
#define E810FD_GLQF_FD_CNT 0x00460018u
#define E810FD_MASK_REG 0u /* the GLQF_FDMASK register e810g_fd_mask uses */

/*
 * The package, the profile for g's VSI and a control VSI on queue pair
 * ctrl_q with its TX queue. 0, or -EIO with the failing step logged.
 */
int e810g_fd_up(struct e810g *g, unsigned ctrl_q);
/*
 * A filter for UDP destination port to g's VSI-relative queue qindex (or
 * drop), FD ID fdid. 0 when the device took the descriptors (whether it
 * added the filter: e810g_fd_count), -EIO if they did not complete.
 */
int e810g_fd_add(struct e810g *g, uint16_t port, uint16_t qindex, bool drop, uint32_t fdid);
/*
 * Removes the filter for UDP destination port (as ethtool -N delete: the
 * same programming packet, PCMD remove); 0 or -EIO as e810g_fd_add (a
 * filter the device does not hold: e810g_fd_count unchanged).
 */
int e810g_fd_del(struct e810g *g, uint16_t port, uint32_t fdid);
/*
 * The profile's destination port mask (the bits compared, 0xffff: all):
 * GLQF_FDMASK(E810FD_MASK_REG) for the port's field vector word and
 * GLQF_FDMASK_SEL, as ice programs a field's partial mask. Filters added
 * after it are keyed under it (change it with none in the table).
 */
void e810g_fd_mask(struct e810g *g, uint16_t dport_mask);
/* Filters the device holds (GLQF_FD_CNT: guaranteed + best effort). */
unsigned e810g_fd_count(struct e810g *g);

#endif
