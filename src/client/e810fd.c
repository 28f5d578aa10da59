// SPDX-License-Identifier: GPL-2.0-or-later
/* The flow director's profile, sections, registers, descriptors and frames (client/e810fd.h). */
#include "client/e810fd.h"

#include <string.h>

#include "dev/e810/e810_regs.h"
#include "dev/e810/lan_desc.h"

#define FVW E810_FLEX_FD_FVW

static void s16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

/* Source/destination pairs the FD block swaps (ice_flex_pipe.c's table, as facts). */
static const struct {
	uint8_t prot, count;
	uint16_t off;
} pairs[] = {
	{ E810FD_P_IPV4, 2, 12 }, { E810FD_P_IPV4, 2, 16 }, { E810FD_P_IPV6, 8, 8 },
	{ E810FD_P_IPV6, 8, 24 }, { E810FD_P_TCP, 1, 0 },   { E810FD_P_TCP, 1, 2 },
	{ 52, 1, 0 },             { 52, 1, 2 },             { E810FD_P_UDP, 1, 0 },
	{ E810FD_P_UDP, 1, 2 },   { E810FD_P_SCTP, 1, 0 },  { E810FD_P_SCTP, 1, 2 },
};
#define NPAIRS (sizeof(pairs) / sizeof(pairs[0]))

void e810fd_build_prof(const struct e810fd_word *w, unsigned n, struct e810fd_prof *p)
{
	int start[NPAIRS], first_free, orig_free;
	bool extra[FVW] = { false };

	for (unsigned i = 0; i < FVW; i++)
		p->es[i] = (struct e810fd_word){ E810FD_P_NONE, 0x1ff };
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
			p->es[first_free - (int)k] = (struct e810fd_word){ pairs[add].prot,
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

void e810fd_xlt1(uint8_t *out, uint16_t ptype, const uint8_t *ptg, unsigned n)
{
	s16(out, (uint16_t)n);
	s16(out + 2, ptype);
	memcpy(out + 4, ptg, n);
}

void e810fd_es(uint8_t out[E810FD_ES_SIZE], unsigned prof, const struct e810fd_prof *p)
{
	s16(out, 1);
	s16(out + 2, (uint16_t)prof);
	for (unsigned i = 0; i < FVW; i++) {
		out[4 + 4 * i] = p->es[i].prot;
		s16(out + 5 + 4 * i, p->es[i].off);
		out[7 + 4 * i] = 0;
	}
}

/* ice_gen_key_word for a whole byte: exact bits, or all don't care. */
static void key_byte(uint8_t val, bool dc, uint8_t *key, uint8_t *inv)
{
	*key = dc ? 0xff : (uint8_t)~val;
	*inv = dc ? 0xff : val;
}

void e810fd_tcam_key(uint8_t ptg, uint16_t vsig, uint8_t key[10])
{
	const uint8_t in[5] = { 0, 0, ptg, (uint8_t)vsig, (uint8_t)(vsig >> 8) };

	for (unsigned i = 0; i < 5; i++)
		key_byte(in[i], i < 2, &key[i], &key[5 + i]);
}

void e810fd_tcam(uint8_t out[E810FD_TCAM_SIZE], unsigned addr, const uint8_t key[10],
		 unsigned prof)
{
	s16(out, 1);
	s16(out + 2, (uint16_t)addr);
	memcpy(out + 4, key, 10);
	out[14] = (uint8_t)prof;
}

void e810fd_xlt2(uint8_t out[E810FD_XLT2_SIZE], uint16_t vsi, uint16_t vsig)
{
	s16(out, 1);
	s16(out + 2, vsi);
	s16(out + 4, vsig);
}

/* The input set's words, each swapping with its partner's (itself when it has none). */
void e810fd_inset(const struct e810fd_prof *p, unsigned j, uint32_t *inset, uint32_t *swap)
{
	*inset = *swap = 0;
	for (unsigned k = 0; k < 4; k++) {
		uint8_t in = p->inset[4 * j + k];

		*inset |= (uint32_t)in << (8 * k);
		*swap |= (uint32_t)(in ? p->swap[4 * j + k] : 0) << (8 * k);
	}
}

void e810fd_desc(const struct e810fd_prog *p, uint64_t *qw0, uint64_t *qw1)
{
	/* FD_SPACE 2 (guaranteed, then best effort), STAT_ENA packets, TOQ_PRIO 3. */
	*qw0 = (uint64_t)(p->qindex & 0x7ffu) | (uint64_t)(p->report & 3u) << 12 | 2ull << 14 |
	       (uint64_t)(p->stat_idx & 0x1fffu) << 16 | 1ull << 29 |
	       (uint64_t)(p->toq & 7u) << 32 | 3ull << 35 | (uint64_t)p->drop << 40;
	*qw1 = E810_TXD_DTYPE_FD_PROG | (uint64_t)p->del << 4 | 1ull << 8 |
	       (uint64_t)(p->vsi & 0x3ffu) << 14 | 1ull << 25 | (uint64_t)p->fdid << 32;
}

unsigned e810fd_frame4(uint8_t *f, unsigned cap, const uint8_t dst[6], const uint8_t src[6],
		       uint8_t proto, uint32_t sip, uint32_t dip, uint16_t sp, uint16_t dp,
		       unsigned pad)
{
	unsigned l4 = proto == 6 ? 20 : 8, len = 14 + 20 + l4;

	if (pad > cap || len > cap - pad)
		return 0;
	len += pad;
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
