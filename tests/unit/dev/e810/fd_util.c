// SPDX-License-Identifier: GPL-2.0-or-later
/* Helpers of the flow director tests (fd_util.h). */
#include "fd_util.h"

#include <limits.h>

#include "dev/e810/e810_regs.h"

#define FVW E810_FLEX_FD_FVW

int fdu_sec_es(struct e810_flex *fx, unsigned prof, const struct e810fd_prof *p)
{
	uint8_t s[E810FD_ES_SIZE];

	e810fd_es(s, prof, p);
	return e810_flex_section(fx, E810_SID_FLD_VEC_FD, s, sizeof(s));
}

int fdu_sec_tcam(struct e810_flex *fx, unsigned addr, const uint8_t key[10], unsigned prof)
{
	uint8_t s[E810FD_TCAM_SIZE];

	e810fd_tcam(s, addr, key, prof);
	return e810_flex_section(fx, E810_SID_PROFID_TCAM_FD, s, sizeof(s));
}

int fdu_sec_xlt2(struct e810_flex *fx, unsigned vsi, uint16_t vsig)
{
	uint8_t s[E810FD_XLT2_SIZE];

	e810fd_xlt2(s, (uint16_t)vsi, vsig);
	return e810_flex_section(fx, E810_SID_XLT2_FD, s, sizeof(s));
}

int fdu_sec_xlt1_pkg(struct e810_flex *fx)
{
	const uint8_t ptg[7] = { 4, FDU_PTG_IPV4, FDU_PTG_IPV4_UDP, 3, FDU_PTG_IPV4_TCP, 3,
				 FDU_PTG_IPV4 };
	uint8_t s[E810FD_XLT1_SIZE(7)];

	e810fd_xlt1(s, 22, ptg, 7);
	return e810_flex_section(fx, E810_SID_XLT1_FD, s, sizeof(s));
}

void fdu_regs(unsigned prof, const struct e810fd_prof *p,
	      void (*wr)(void *arg, uint32_t off, uint32_t val), void *arg)
{
	for (unsigned j = 0; j < FVW / 4; j++) {
		uint32_t in, sw;

		e810fd_inset(p, j, &in, &sw);
		wr(arg, E810_GLQF_FDSWAP(prof, j), sw);
		wr(arg, E810_GLQF_FDINSET(prof, j), in);
	}
	wr(arg, E810_GLQF_FDMASK_SEL(prof), 0);
}

void fdu_flex_wr(void *arg, uint32_t off, uint32_t val)
{
	(void)e810_flex_reg_write(arg, off, val);
}

unsigned fdu_frame4(uint8_t *f, const uint8_t dst[6], const uint8_t src[6], uint8_t proto,
		    uint32_t sip, uint32_t dip, uint16_t sp, uint16_t dp, unsigned pad)
{
	return e810fd_frame4(f, UINT_MAX, dst, src, proto, sip, dip, sp, dp, pad);
}
