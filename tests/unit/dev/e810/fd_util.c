// SPDX-License-Identifier: GPL-2.0-or-later
/* Helpers of the flow director tests (fd_util.h). */
#include <string.h>

#include "dev/e810/e810_regs.h"
#include "dev/e810/lan_desc.h"
#include "fd_util.h"

#define FVW E810_FLEX_FD_FVW

static void p16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

/* Source/destination pairs the FD block swaps (ice_flex_pipe.c's table, as facts). */
static const struct {
	uint8_t prot, count;
	uint16_t off;
} pairs[] = {
	{ FDU_P_IPV4, 2, 12 }, { FDU_P_IPV4, 2, 16 }, { FDU_P_IPV6, 8, 8 }, { FDU_P_IPV6, 8, 24 },
	{ FDU_P_TCP, 1, 0 }, { FDU_P_TCP, 1, 2 }, { 52, 1, 0 }, { 52, 1, 2 },
	{ FDU_P_UDP, 1, 0 }, { FDU_P_UDP, 1, 2 }, { FDU_P_SCTP, 1, 0 }, { FDU_P_SCTP, 1, 2 },
};
#define NPAIRS (sizeof(pairs) / sizeof(pairs[0]))

void fdu_build_prof(const struct fdu_word *w, unsigned n, struct fdu_prof *p)
{
	int start[NPAIRS], first_free, orig_free;
	bool extra[FVW] = { false };

	for (unsigned i = 0; i < FVW; i++)
		p->es[i] = (struct fdu_word){ FDU_P_NONE, 0x1ff };
	for (unsigned i = 0; i < n; i++)
		p->es[FVW - 1 - i] = w[i];
	first_free = (int)(FVW - 1 - n);
	orig_free = first_free;
	for (unsigned j = 0; j < NPAIRS; j++) {
		start[j] = -1;
		for (unsigned i = 0; i < FVW; i++)
			if (p->es[i].prot == pairs[j].prot && p->es[i].off == pairs[j].off)
				start[j] = (int)i;
	}
	for (unsigned j = 0; j < NPAIRS; j += 2) {
		unsigned add;

		if ((start[j] < 0) == (start[j + 1] < 0))
			continue;
		add = start[j] < 0 ? j : j + 1;
		for (unsigned k = 0; k < pairs[add].count; k++) {
			p->es[first_free - (int)k] = (struct fdu_word){ pairs[add].prot,
								       (uint16_t)(pairs[add].off + 2 * k) };
			extra[first_free - (int)k] = true;
		}
		start[add] = first_free;
		first_free -= pairs[add].count;
	}
	for (int i = FVW - 1; i >= 0;) {
		unsigned used = 1;

		p->swap[i] = (uint8_t)(i | 0x80);
		for (unsigned j = 0; j < NPAIRS && i > orig_free; j++) {
			if (p->es[i].prot != pairs[j].prot || p->es[i].off != pairs[j].off)
				continue;
			used = pairs[j ^ 1].count;
			for (unsigned k = 0; k < used; k++)
				p->swap[i - (int)k] = (uint8_t)((start[j ^ 1] - (int)k) | 0x80);
			break;
		}
		i -= (int)used;
	}
	for (unsigned i = 0; i < FVW; i++)
		p->inset[i] = extra[i] ? 0 : 0x9f;
}

/* ice_gen_key_word for a whole byte: exact bits, or all don't care. */
static void key_byte(uint8_t val, bool dc, uint8_t *key, uint8_t *inv)
{
	*key = dc ? 0xff : (uint8_t)~val;
	*inv = dc ? 0xff : val;
}

void fdu_tcam_key(uint8_t ptg, uint16_t vsig, uint8_t key[10])
{
	const uint8_t in[5] = { 0, 0, ptg, (uint8_t)vsig, (uint8_t)(vsig >> 8) };

	for (unsigned i = 0; i < 5; i++)
		key_byte(in[i], i < 2, &key[i], &key[5 + i]);
}

int fdu_sec_es(struct e810_flex *fx, unsigned prof, const struct fdu_prof *p)
{
	uint8_t s[4 + FVW * 4];

	p16(s, 1);
	p16(s + 2, (uint16_t)prof);
	for (unsigned i = 0; i < FVW; i++) {
		s[4 + 4 * i] = p->es[i].prot;
		p16(s + 5 + 4 * i, p->es[i].off);
		s[7 + 4 * i] = 0;
	}
	return e810_flex_section(fx, E810_SID_FLD_VEC_FD, s, sizeof(s));
}

int fdu_sec_tcam(struct e810_flex *fx, unsigned addr, const uint8_t key[10], unsigned prof)
{
	uint8_t s[2 + 13];

	p16(s, 1);
	p16(s + 2, (uint16_t)addr);
	memcpy(s + 4, key, 10);
	s[14] = (uint8_t)prof;
	return e810_flex_section(fx, E810_SID_PROFID_TCAM_FD, s, sizeof(s));
}

int fdu_sec_xlt2(struct e810_flex *fx, unsigned vsi, uint16_t vsig)
{
	uint8_t s[6];

	p16(s, 1);
	p16(s + 2, (uint16_t)vsi);
	p16(s + 4, vsig);
	return e810_flex_section(fx, E810_SID_XLT2_FD, s, sizeof(s));
}

int fdu_sec_xlt1_pkg(struct e810_flex *fx)
{
	uint8_t s[4 + 7] = { 7, 0, 22, 0, 4, FDU_PTG_IPV4, FDU_PTG_IPV4_UDP, 3, FDU_PTG_IPV4_TCP, 3,
			     FDU_PTG_IPV4 };

	return e810_flex_section(fx, E810_SID_XLT1_FD, s, sizeof(s));
}

void fdu_regs(unsigned prof, const struct fdu_prof *p,
	      void (*wr)(void *arg, uint32_t off, uint32_t val), void *arg)
{
	for (unsigned j = 0; j < FVW / 4; j++) {
		uint32_t in = 0, sw = 0;

		for (unsigned k = 0; k < 4; k++) {
			in |= (uint32_t)p->inset[4 * j + k] << (8 * k);
			sw |= (uint32_t)(p->inset[4 * j + k] ? p->swap[4 * j + k] : 0) << (8 * k);
		}
		wr(arg, E810_GLQF_FDSWAP(prof, j), sw);
		wr(arg, E810_GLQF_FDINSET(prof, j), in);
	}
	wr(arg, E810_GLQF_FDMASK_SEL(prof), 0);
}

void fdu_flex_wr(void *arg, uint32_t off, uint32_t val)
{
	(void)e810_flex_reg_write(arg, off, val);
}

void fdu_desc_words(const struct fdu_desc *d, uint64_t *qw0, uint64_t *qw1)
{
	/* FD_SPACE 2 (guaranteed, then best effort), STAT_ENA packets, TOQ_PRIO 3. */
	*qw0 = (d->qindex & 0x7ffu) | (uint64_t)d->report << 12 | 2ull << 14 |
	       (uint64_t)(d->stat_idx & 0x1fffu) << 16 | 1ull << 29 | (uint64_t)(d->toq & 7u) << 32 |
	       3ull << 35 |
	       (uint64_t)d->drop << 40;
	*qw1 = E810_TXD_DTYPE_FD_PROG | (uint64_t)d->del << 4 | 1ull << 8 |
	       (uint64_t)(d->vsi & 0x3ffu) << 14 | 1ull << 25 | (uint64_t)d->fdid << 32;
}

unsigned fdu_frame4(uint8_t *f, const uint8_t dst[6], const uint8_t src[6], uint8_t proto,
		    uint32_t sip, uint32_t dip, uint16_t sp, uint16_t dp, unsigned pad)
{
	unsigned l4 = proto == 6 ? 20 : 8, len = 14 + 20 + l4 + pad;

	memset(f, 0, len);
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	f[12] = 0x08;
	f[14] = 0x45;
	f[16] = (uint8_t)((len - 14) >> 8);
	f[17] = (uint8_t)(len - 14);
	f[22] = 64;
	f[23] = proto;
	for (unsigned i = 0; i < 4; i++) {
		f[26 + i] = (uint8_t)(sip >> (24 - 8 * i));
		f[30 + i] = (uint8_t)(dip >> (24 - 8 * i));
	}
	f[34] = (uint8_t)(sp >> 8);
	f[35] = (uint8_t)sp;
	f[36] = (uint8_t)(dp >> 8);
	f[37] = (uint8_t)dp;
	if (proto == 6)
		f[46] = 0x50;
	return len;
}
