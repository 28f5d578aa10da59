/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Helpers of the flow director tests (test_e810_flex, test_e810_confine,
 * the integration test test_e810_fdir): an FD profile as Linux's ice driver
 * builds one for an ethtool ntuple rule (ice_flow_add_prof -> ice_add_prof
 * -> ice_update_fd_swap: the field vector, the swap map, the input set),
 * the update_pkg sections (ES, TCAM, XLT1, XLT2) and FD registers it writes,
 * the programming descriptor's words (ice_fdir_get_prgm_desc) and frames.
 * Our own builder: the facts are ice's, the code is not.
 */
#ifndef VMUX_TESTS_E810_FD_UTIL_H
#define VMUX_TESTS_E810_FD_UTIL_H

#include <stdbool.h>
#include <stdint.h>

#include "dev/e810/flex.h"

/* Protocol IDs (ice_protocol_type.h). */
#define FDU_P_MAC 1
#define FDU_P_IPV4 32
#define FDU_P_IPV6 40
#define FDU_P_TCP 49
#define FDU_P_UDP 53
#define FDU_P_SCTP 96
#define FDU_P_NONE 255

/* Packet type groups as ice-1.3.43.0.pkg's XLT1 maps ptypes 22..28. */
#define FDU_PTG_IPV4_UDP 2u
#define FDU_PTG_IPV4_TCP 1u
#define FDU_PTG_IPV4 5u

struct fdu_word {
	uint8_t prot;
	uint16_t off;
};

struct fdu_prof {
	struct fdu_word es[E810_FLEX_FD_FVW];
	uint8_t swap[E810_FLEX_FD_FVW];
	uint8_t inset[E810_FLEX_FD_FVW];
};

/*
 * The extraction sequence of the fields (n words, in the driver's field
 * order), placed from the last word down; the missing half of each
 * source/destination pair added below them outside the input set; the swap
 * map and the input set.
 */
void fdu_build_prof(const struct fdu_word *w, unsigned n, struct fdu_prof *p);
/* A TCAM key for (ptg, vsig), the flags don't care (ice_prof_tcam_ena_dis). */
void fdu_tcam_key(uint8_t ptg, uint16_t vsig, uint8_t key[10]);

/* The sections, one entry each, into fx: e810_flex_section's result. */
int fdu_sec_es(struct e810_flex *fx, unsigned prof, const struct fdu_prof *p);
int fdu_sec_tcam(struct e810_flex *fx, unsigned addr, const uint8_t key[10], unsigned prof);
int fdu_sec_xlt2(struct e810_flex *fx, unsigned vsi, uint16_t vsig);
/* The package's XLT1: ptypes 22..28 into their groups. */
int fdu_sec_xlt1_pkg(struct e810_flex *fx);

/* GLQF_FDSWAP, GLQF_FDINSET and GLQF_FDMASK_SEL of prof as the driver writes them, through wr. */
void fdu_regs(unsigned prof, const struct fdu_prof *p,
	      void (*wr)(void *arg, uint32_t off, uint32_t val), void *arg);
/* wr for fdu_regs straight into a flex (arg). */
void fdu_flex_wr(void *arg, uint32_t off, uint32_t val);

/* A programming descriptor's fields (the rest as ice's ethtool path sets them). */
struct fdu_desc {
	unsigned qindex;     /* VSI-relative queue */
	unsigned toq;        /* queue region: 2^toq queues from qindex (ice's VF path) */
	unsigned report;     /* COMP_REPORT */
	unsigned stat_idx;   /* packet counter index */
	unsigned vsi;        /* FD_VSI */
	uint32_t fdid;
	bool del, drop;
};
void fdu_desc_words(const struct fdu_desc *d, uint64_t *qw0, uint64_t *qw1);

/*
 * An IPv4 frame from src to dst with an L4 header of protocol proto (ports
 * sp, dp; a TCP header of 20 bytes, else 8) and pad bytes after it; its
 * length. ice's programming packet is one with source and destination
 * exchanged (ice_fdir_get_gen_prgm_pkt): the caller passes them so.
 */
unsigned fdu_frame4(uint8_t *f, const uint8_t dst[6], const uint8_t src[6], uint8_t proto,
		    uint32_t sip, uint32_t dip, uint16_t sp, uint16_t dp, unsigned pad);

#endif
