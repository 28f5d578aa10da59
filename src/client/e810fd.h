/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What a driver writes to program the E810 flow director as ice does for
 * an ethtool ntuple rule (ice_flow_add_prof -> ice_add_prof ->
 * ice_update_fd_swap, ice_fdir_get_prgm_desc, ice_fdir_get_gen_prgm_pkt),
 * as bytes and register values: pure functions, no device. Our own
 * builder: the facts are ice's, the code is not.
 *
 * Used by the e810g guest's flow director (client/e810g_fd.h: one IPv4/UDP
 * destination port profile through update_pkg) and by the in-process tests
 * (tests/unit/dev/e810/fd_util.h: any field list, straight into the tables).
 */
#ifndef VMUX_CLIENT_E810FD_H
#define VMUX_CLIENT_E810FD_H

#include <stdbool.h>
#include <stdint.h>

#include "dev/e810/flex.h"

/* Protocol IDs of the field vector (ice_protocol_type.h). */
#define E810FD_P_MAC 1
#define E810FD_P_IPV4 32
#define E810FD_P_IPV6 40
#define E810FD_P_TCP 49
#define E810FD_P_UDP 53
#define E810FD_P_SCTP 96
#define E810FD_P_NONE 255

/* A field vector word: protocol ID and byte offset in that header. */
struct e810fd_word {
	uint8_t prot;
	uint16_t off;
};

/* A profile: its extraction sequence, swap map and input set, per field vector word. */
struct e810fd_prof {
	struct e810fd_word es[E810_FLEX_FD_FVW];
	uint8_t swap[E810_FLEX_FD_FVW];
	uint8_t inset[E810_FLEX_FD_FVW];
};

/*
 * The extraction sequence of the fields (n words, in the driver's field
 * order), placed from the last word down; the missing half of each
 * source/destination pair added below them outside the input set; the swap
 * map and the input set.
 */
void e810fd_build_prof(const struct e810fd_word *w, unsigned n, struct e810fd_prof *p);

/* The update_pkg sections' bodies, one entry each (E810_SID_XLT1_FD, _FLD_VEC_FD, ...). */
#define E810FD_XLT1_SIZE(n) (4u + (n))
#define E810FD_ES_SIZE (4u + E810_FLEX_FD_FVW * 4u)
#define E810FD_TCAM_SIZE 15u
#define E810FD_XLT2_SIZE 6u
/* XLT1: n packet types from ptype on into the groups ptg[0..n-1]. */
void e810fd_xlt1(uint8_t *out, uint16_t ptype, const uint8_t *ptg, unsigned n);
/* The field vector of profile prof. */
void e810fd_es(uint8_t out[E810FD_ES_SIZE], unsigned prof, const struct e810fd_prof *p);
/* A TCAM key for (ptg, vsig), the flags don't care (ice_prof_tcam_ena_dis). */
void e810fd_tcam_key(uint8_t ptg, uint16_t vsig, uint8_t key[10]);
/* TCAM entry addr: key -> profile prof. */
void e810fd_tcam(uint8_t out[E810FD_TCAM_SIZE], unsigned addr, const uint8_t key[10],
		 unsigned prof);
/* XLT2: VSI -> VSIG. */
void e810fd_xlt2(uint8_t out[E810FD_XLT2_SIZE], uint16_t vsi, uint16_t vsig);
/* GLQF_FDINSET(prof, j) and GLQF_FDSWAP(prof, j) for p, j < E810_FLEX_FD_FVW / 4. */
void e810fd_inset(const struct e810fd_prof *p, unsigned j, uint32_t *inset, uint32_t *swap);

/* One filter's programming descriptor (the rest as ice's ethtool path sets it). */
struct e810fd_prog {
	bool del;
	unsigned report;          /* COMP_REPORT: E810_FDD_REPORT_FAIL / _ALWAYS, or 0 */
	uint32_t fdid;
	uint16_t vsi;             /* FD_VSI: whose queues qindex counts in */
	uint16_t qindex;
	unsigned toq;             /* queue region: 2^toq queues from qindex (ice's VF path) */
	bool drop;
	uint16_t stat_idx;        /* a packet counter (GLSTAT_FD_CNT0) */
};
/* ice_fdir_get_prgm_desc: FD_SPACE "guaranteed, then best effort", a packet counter. */
void e810fd_desc(const struct e810fd_prog *p, uint64_t *qw0, uint64_t *qw1);

/*
 * An IPv4 frame from src to dst (MACs, then addresses sip, dip) with an L4
 * header of protocol proto (ports sp, dp; a TCP header of 20 bytes, else
 * 8) and pad zero bytes after it; its length, or 0 if that is over cap
 * (f untouched). ice's programming packet is one with source and
 * destination exchanged (ice_fdir_get_gen_prgm_pkt): the caller passes them
 * so.
 */
unsigned e810fd_frame4(uint8_t *f, unsigned cap, const uint8_t dst[6], const uint8_t src[6],
		       uint8_t proto, uint32_t sip, uint32_t dip, uint16_t sp, uint16_t dp,
		       unsigned pad);

#endif
