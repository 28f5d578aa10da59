/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Helpers of the flow director tests (test_e810_flex, test_e810_confine,
 * the integration test test_e810_fdir): an FD profile as Linux's ice driver
 * builds one for an ethtool ntuple rule, its update_pkg sections and FD
 * registers, the programming descriptor's words and frames. The bytes are
 * client/e810fd.h's (the e810g guest's builder); what is here puts them
 * straight into an e810_flex, writes the registers through a callback and
 * gives the package's XLT1.
 */
#ifndef VMUX_TESTS_E810_FD_UTIL_H
#define VMUX_TESTS_E810_FD_UTIL_H

#include <stdint.h>

#include "client/e810fd.h"
#include "dev/e810/flex.h"

/* Packet type groups as ice-1.3.43.0.pkg's XLT1 maps ptypes 22..28. */
#define FDU_PTG_IPV4_UDP 2u
#define FDU_PTG_IPV4_TCP 1u
#define FDU_PTG_IPV4 5u

/* The sections, one entry each, into fx: e810_flex_section's result. */
int fdu_sec_es(struct e810_flex *fx, unsigned prof, const struct e810fd_prof *p);
int fdu_sec_tcam(struct e810_flex *fx, unsigned addr, const uint8_t key[10], unsigned prof);
int fdu_sec_xlt2(struct e810_flex *fx, unsigned vsi, uint16_t vsig);
/* The package's XLT1: ptypes 22..28 into their groups. */
int fdu_sec_xlt1_pkg(struct e810_flex *fx);

/* GLQF_FDSWAP, GLQF_FDINSET and GLQF_FDMASK_SEL of prof as the driver writes them, through wr. */
void fdu_regs(unsigned prof, const struct e810fd_prof *p,
	      void (*wr)(void *arg, uint32_t off, uint32_t val), void *arg);
/* wr for fdu_regs straight into a flex (arg). */
void fdu_flex_wr(void *arg, uint32_t off, uint32_t val);

/* e810fd_frame4 into a buffer that is large enough. */
unsigned fdu_frame4(uint8_t *f, const uint8_t dst[6], const uint8_t src[6], uint8_t proto,
		    uint32_t sip, uint32_t dip, uint16_t sp, uint16_t dp, unsigned pad);

#endif
