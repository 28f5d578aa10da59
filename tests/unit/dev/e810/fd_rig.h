/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A model's receive path for the steering tests (test_e810_confine,
 * test_e810_fdflow): a zeroed E810 model over a switch rule rig (swr_util.h:
 * the engine with its PF VSI), its flow director with the FD profiles ice
 * adds for "ethtool -N flow-type udp4|tcp4 dst-port P" (fd_util.h), and
 * filters programmed through the TX queue's hook (e810_fdir_prog) with the
 * descriptor words and the programming packet ice builds.
 */
#ifndef VMUX_TESTS_E810_FD_RIG_H
#define VMUX_TESTS_E810_FD_RIG_H

#include <stdbool.h>
#include <stdint.h>

#include "dev/e810/model_priv.h"
#include "fd_util.h"
#include "swr_util.h"

#define FDR_PROF_UDP4 10u
#define FDR_PROF_TCP4 11u
#define FDR_TXQ 0u            /* the TX queue the filters are programmed on */

/* m over r: the engine, SWR_NQ queues, the MAC, the flow director empty, FDR_TXQ for the PF VSI. */
void fdr_model_init(struct e810 *m, struct swr_rig *r, const uint8_t mac[6], const char *name);
/* The same with nq queues (at most E810_MODEL_QPS_MAX), all the PF VSI's. */
void fdr_model_init_nq(struct e810 *m, struct swr_rig *r, const uint8_t mac[6], const char *name,
		       unsigned nq);
/* The udp4 and tcp4 dst-port profiles at the PF VSI (update_pkg sections, FD registers). */
void fdr_profiles(struct e810 *m, struct swr_rig *r);
/*
 * Adds (or with del removes) the filter proto (17 or 6) dst-port dport: to
 * the PF VSI's queue qindex, or drop. Whether the table took it.
 */
bool fdr_program(struct e810 *m, struct swr_rig *r, uint8_t proto, uint16_t dport,
		 unsigned qindex, bool drop, bool del, uint32_t fdid);
/* The filter proto dst-port dport to a queue region: 2^toq queues from qindex. */
bool fdr_program_region(struct e810 *m, struct swr_rig *r, uint8_t proto, uint16_t dport,
			unsigned qindex, unsigned toq, uint32_t fdid);
/* The same with ice's programming packet pkt (len bytes) for the rule. */
bool fdr_program_pkt(struct e810 *m, struct swr_rig *r, const uint8_t *pkt, unsigned len,
		     unsigned qindex, bool drop, bool del, uint32_t fdid);
/* A profile of the fields w (n words) for packet type group ptg at the PF VSI (TCAM entry addr). */
void fdr_profile(struct e810 *m, struct swr_rig *r, unsigned prof, const struct e810fd_word *w,
		 unsigned n, uint8_t ptg, unsigned addr);
/* The receive path's decision (queues.c's order without RSS): a queue, or E810_STEER_DROP. */
int fdr_steer(struct e810 *m, struct pkt *p, bool *by_fdir);

#endif
