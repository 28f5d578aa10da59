// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The flow director block's pipeline tables (dev/e810/flex.h).
 *
 * Sections (ice_flex_type.h; every field little-endian):
 *   XLT1 (32)  count, offset, u8 PTG per packet type
 *   XLT2 (33)  count, offset, le16 VSIG per HW VSI
 *   TCAM (34)  count, then count entries {addr, 10-byte key, profile ID}
 *   ES   (36)  count, offset, then count field vectors of 24 words
 *              {protocol ID, le16 offset in its header, reserved}
 * Other FD sections (XLT0, key builder, profile redirection) and other
 * blocks' are left alone.
 *
 * The TCAM key is 5 bytes {flags le16, PTG, VSIG le16} (ice_prof_id_key,
 * no CDID bits in the FD block), stored as a key half and an inverted half
 * (ice_set_key): per bit (key, inverted) = (1, 0) matches a 0, (0, 1) a 1,
 * (1, 1) either (don't care) and (0, 0) nothing (never match, how ice turns
 * an entry off). The parser's flags are 0 here (no tunnels or attributes);
 * of the matching entries the one at the lowest address wins (ice puts the
 * more specific attribute entries at the top of the table and plain ones at
 * the bottom for that reason: ice_alloc_tcam_ent).
 */
#include <string.h>

#include "dev/e810/e810_regs.h"
#include "dev/e810/flex.h"
#include "dev/e810/lan_desc.h"

/* Protocol IDs (ice_protocol_type.h ice_prot_id). */
enum {
	PROT_MAC_OF_OR_S = 1,
	PROT_MAC_IL = 4,
	PROT_ETYPE_OL = 9,
	PROT_ETYPE_IL = 10,
	PROT_IPV4_OF_OR_S = 32,
	PROT_IPV4_IL = 33,
	PROT_IPV6_OF_OR_S = 40,
	PROT_IPV6_IL = 41,
	PROT_TCP_IL = 49,
	PROT_UDP_OF = 52,
	PROT_UDP_IL_OR_S = 53,
	PROT_GRE_OF = 64,
	PROT_ESP_F = 88,
	PROT_ESP_2 = 89,
	PROT_SCTP_IL = 96,
	PROT_ICMP_IL = 98,
	PROT_ICMPV6_IL = 100,
	PROT_PPPOE = 103,
	PROT_L2TPV3 = 104,
	PROT_ARP_OF = 118,
	PROT_INVALID = 255,
};

/*
 * A word's offset from its protocol's header, bytes: even, at most 0x1fe
 * (ice's flexible "user-def" words are MAC words up to there:
 * ICE_USERDEF_FLEX_MAX_OFFS_VAL; 0x1ff is the unused word's).
 */
#define FV_OFF_MAX 0x1feu
#define INSET_USED 0x80u         /* GLQF_FDINSET byte: the word is in the input set */
#define SWAP_VALID 0x80u         /* GLQF_FDSWAP byte: bits 4:0 name the word */
#define SWAP_IDX_M 0x1fu

#define FDMASK_SEL_BASE E810_GLQF_FDMASK_SEL(0)
#define FDMASK_BASE E810_GLQF_FDMASK(0)
#define FDINSET_BASE E810_GLQF_FDINSET(0, 0)
#define FDSWAP_BASE E810_GLQF_FDSWAP(0, 0)

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static bool prot_known(unsigned p)
{
	switch (p) {
	case PROT_MAC_OF_OR_S: case PROT_MAC_IL: case PROT_ETYPE_OL: case PROT_ETYPE_IL:
	case PROT_IPV4_OF_OR_S: case PROT_IPV4_IL: case PROT_IPV6_OF_OR_S: case PROT_IPV6_IL:
	case PROT_TCP_IL: case PROT_UDP_OF: case PROT_UDP_IL_OR_S: case PROT_GRE_OF:
	case PROT_ESP_F: case PROT_ESP_2: case PROT_SCTP_IL: case PROT_ICMP_IL:
	case PROT_ICMPV6_IL: case PROT_PPPOE: case PROT_L2TPV3: case PROT_ARP_OF:
	case PROT_INVALID:
		return true;
	default:
		return false;
	}
}

/* ---- state ------------------------------------------------------------------ */

/* A field vector word in use (zeroed memory: protocol ID 0, ICE_PROT_ID_INVAL, unused too). */
static bool fv_used(const struct e810_flex_fv *w)
{
	return w->prot != PROT_INVALID && w->prot != 0;
}

static void tables_empty(struct e810_flex_tables *t)
{
	memset(t, 0, sizeof(*t));
}

static void regs_clear(struct e810_flex *fx)
{
	memset(fx->fdinset, 0, sizeof(fx->fdinset));
	memset(fx->fdswap, 0, sizeof(fx->fdswap));
	memset(fx->fdmask_sel, 0, sizeof(fx->fdmask_sel));
	memset(fx->fdmask, 0, sizeof(fx->fdmask));
}

void e810_flex_reset(struct e810_flex *fx)
{
	tables_empty(&fx->t);
	tables_empty(&fx->pkg);
	regs_clear(fx);
}

void e810_flex_pkg_done(struct e810_flex *fx)
{
	fx->pkg = fx->t;
}

void e810_flex_pf_reset(struct e810_flex *fx)
{
	fx->t = fx->pkg;
	regs_clear(fx);
}

/* ---- sections ----------------------------------------------------------------- */

static bool fd_table(uint32_t type)
{
	return type == E810_SID_XLT1_FD || type == E810_SID_XLT2_FD ||
	       type == E810_SID_PROFID_TCAM_FD || type == E810_SID_FLD_VEC_FD;
}

/* count entries of esz bytes after a header of hdr bytes, at [offset, offset + count) of a table of max. */
static const char *range_bad(const uint8_t *d, unsigned size, unsigned hdr, unsigned esz, unsigned max)
{
	unsigned count, off;

	if (size < hdr)
		return "FD section shorter than its header";
	count = le16(d);
	off = hdr >= 4 ? le16(d + 2) : 0;
	if (count < 1)
		return "FD section with no entries";
	if (count > max || off >= max || off + count > max)
		return "FD section past its table";
	if ((size - hdr) / esz < count)
		return "FD section shorter than its count";
	return NULL;
}

const char *e810_flex_section_bad(uint32_t type, const uint8_t *d, unsigned size)
{
	const char *bad;
	unsigned count;

	if (!fd_table(type))
		return NULL;
	if (!d)
		return "FD section missing";
	switch (type) {
	case E810_SID_XLT1_FD:
		return range_bad(d, size, 4, 1, E810_FLEX_XLT1);
	case E810_SID_XLT2_FD:
		return range_bad(d, size, 4, 2, E810_FLEX_XLT2);
	case E810_SID_PROFID_TCAM_FD:
		bad = range_bad(d, size, 2, E810_FLEX_TCAM_ENTRY, E810_FLEX_TCAM);
		if (bad)
			return bad;
		count = le16(d);
		for (unsigned i = 0; i < count; i++) {
			const uint8_t *e = d + 2 + i * E810_FLEX_TCAM_ENTRY;

			if (le16(e) >= E810_FLEX_TCAM)
				return "FD TCAM entry past the table";
			if (e[12] >= E810_FLEX_PROFS)
				return "FD TCAM entry names a profile past the table";
		}
		return NULL;
	default: /* E810_SID_FLD_VEC_FD */
		bad = range_bad(d, size, 4, E810_FLEX_FD_FVW * E810_FLEX_FV_WORD, E810_FLEX_PROFS);
		if (bad)
			return bad;
		count = le16(d);
		for (unsigned i = 0; i < count * E810_FLEX_FD_FVW; i++) {
			const uint8_t *w = d + 4 + i * E810_FLEX_FV_WORD;
			unsigned off = le16(w + 1);

			if (!prot_known(w[0]))
				return "FD field vector word with an unknown protocol ID";
			if (w[0] != PROT_INVALID && (off > FV_OFF_MAX || (off & 1)))
				return "FD field vector word with a bad offset";
		}
		return NULL;
	}
}

int e810_flex_section(struct e810_flex *fx, uint32_t type, const uint8_t *d, unsigned size)
{
	struct e810_flex_tables *t = &fx->t;
	unsigned count, off;

	if (!fd_table(type)) {
		fx->st.ignored++;
		return 0;
	}
	if (e810_flex_section_bad(type, d, size)) {
		fx->st.refused++;
		return -1;
	}
	count = le16(d);
	off = le16(d + 2);
	switch (type) {
	case E810_SID_XLT1_FD:
		memcpy(t->xlt1 + off, d + 4, count);
		break;
	case E810_SID_XLT2_FD:
		for (unsigned i = 0; i < count; i++)
			t->xlt2[off + i] = le16(d + 4 + 2 * i);
		break;
	case E810_SID_PROFID_TCAM_FD:
		for (unsigned i = 0; i < count; i++) {
			const uint8_t *e = d + 2 + i * E810_FLEX_TCAM_ENTRY;
			struct e810_flex_tcam *te = &t->tcam[le16(e)];

			te->valid = true;
			memcpy(te->key, e + 2, sizeof(te->key));
			te->prof = e[12];
		}
		break;
	default: /* E810_SID_FLD_VEC_FD */
		for (unsigned i = 0; i < count; i++)
			for (unsigned w = 0; w < E810_FLEX_FD_FVW; w++) {
				const uint8_t *s = d + 4 + (i * E810_FLEX_FD_FVW + w) * E810_FLEX_FV_WORD;
				struct e810_flex_fv *fv = &t->es[off + i][w];

				fv->prot = s[0];
				fv->off = s[0] == PROT_INVALID ? 0 : le16(s + 1);
			}
		break;
	}
	fx->st.sections++;
	return 0;
}

static bool prof_has_fv(const struct e810_flex *fx, unsigned prof)
{
	for (unsigned w = 0; w < E810_FLEX_FD_FVW; w++)
		if (fv_used(&fx->t.es[prof][w]))
			return true;
	return false;
}

unsigned e810_flex_fd_profiles(const struct e810_flex *fx)
{
	unsigned n = 0;

	for (unsigned p = 0; p < E810_FLEX_PROFS; p++)
		n += prof_has_fv(fx, p);
	return n;
}

/* ---- registers ------------------------------------------------------------------- */

static bool reg_write(struct e810_flex *fx, uint32_t off, uint32_t val)
{
	if (off & 3u)
		return false;
	if (off >= FDMASK_SEL_BASE && off < FDMASK_SEL_BASE + E810_FLEX_PROFS * 4u) {
		fx->fdmask_sel[(off - FDMASK_SEL_BASE) / 4] = val;
		return true;
	}
	if (off >= FDMASK_BASE && off < FDMASK_BASE + E810_FLEX_FDMASKS * 4u) {
		fx->fdmask[(off - FDMASK_BASE) / 4] = val;
		return true;
	}
	/* GLQF_FDINSET(prof, j) = base + prof * 4 + j * 512, j < 8 (FDSWAP the same). */
	if (off >= FDINSET_BASE && off < FDINSET_BASE + 8u * 512u) {
		uint32_t r = off - FDINSET_BASE;

		fx->fdinset[(r % 512u) / 4][r / 512u] = val;
		return true;
	}
	if (off >= FDSWAP_BASE && off < FDSWAP_BASE + 8u * 512u) {
		uint32_t r = off - FDSWAP_BASE;

		fx->fdswap[(r % 512u) / 4][r / 512u] = val;
		return true;
	}
	return false;
}

bool e810_flex_reg_write(struct e810_flex *fx, uint32_t off, uint32_t val)
{
	if (!reg_write(fx, off, val))
		return false;
	fx->st.regs++;
	return true;
}

/* ---- lookups ----------------------------------------------------------------------- */

/* Does TCAM entry e match the 5-byte search key k? (see the top of the file) */
static bool tcam_match(const struct e810_flex_tcam *e, const uint8_t k[5])
{
	for (unsigned i = 0; i < 5; i++) {
		uint8_t key = e->key[i], inv = e->key[5 + i];

		if ((uint8_t)(~k[i] & ~key) || (uint8_t)(k[i] & ~inv))
			return false;
	}
	return true;
}

int e810_flex_fd_prof(const struct e810_flex *fx, unsigned ptype, unsigned vsi)
{
	uint8_t k[5];
	uint16_t vsig;

	if (ptype >= E810_FLEX_PTYPES || vsi >= E810_FLEX_VSIS)
		return E810_FLEX_NONE;
	vsig = fx->t.xlt2[vsi];
	k[0] = 0; /* flags */
	k[1] = 0;
	k[2] = fx->t.xlt1[ptype];
	k[3] = (uint8_t)vsig;
	k[4] = (uint8_t)(vsig >> 8);
	for (unsigned a = 0; a < E810_FLEX_TCAM; a++)
		if (fx->t.tcam[a].valid && tcam_match(&fx->t.tcam[a], k))
			return fx->t.tcam[a].prof;
	return E810_FLEX_NONE;
}

/* ---- frames ------------------------------------------------------------------------- */

#define ETH_P_8021Q 0x8100u
#define ETH_P_8021AD 0x88a8u
#define ETH_P_IPV4 0x0800u
#define ETH_P_IPV6 0x86ddu
#define ETH_P_ARP 0x0806u
#define IPPROTO_ICMP_ 1u
#define IPPROTO_TCP_ 6u
#define IPPROTO_UDP_ 17u
#define IPPROTO_ICMPV6_ 58u
#define IPPROTO_SCTP_ 132u
#define IPPROTO_FRAG6_ 44u

/* Where a frame's headers are (offsets from the frame's start; len 0: absent). */
struct hdrs {
	unsigned ptype;
	unsigned l3, l3_len;          /* IPv4 (its IHL) or IPv6 (the fixed 40 bytes) */
	bool v6;
	unsigned l4, l4_len;
	unsigned l4_proto;
};

static void parse_v4(const uint8_t *f, unsigned len, struct hdrs *h)
{
	const uint8_t *ip = f + h->l3;
	unsigned rest = len - h->l3, ihl;

	h->ptype = E810_PTYPE_IPV4;
	if (rest < 20 || (ip[0] >> 4) != 4)
		return;
	ihl = (ip[0] & 0xfu) * 4u;
	if (ihl < 20 || ihl > rest)
		return;
	h->l3_len = ihl;
	if (be16(ip + 6) & 0x3fff) {
		h->ptype = E810_PTYPE_IPV4_FRAG;
		return;
	}
	h->l4 = h->l3 + ihl;
	h->l4_proto = ip[9];
	if (ip[9] == IPPROTO_TCP_)
		h->ptype = E810_PTYPE_IPV4_TCP;
	else if (ip[9] == IPPROTO_UDP_)
		h->ptype = E810_PTYPE_IPV4_UDP;
	else if (ip[9] == IPPROTO_ICMP_)
		h->ptype = E810_PTYPE_IPV4_ICMP;
}

static void parse_v6(const uint8_t *f, unsigned len, struct hdrs *h)
{
	const uint8_t *ip = f + h->l3;
	unsigned nh;

	h->ptype = E810_PTYPE_IPV6;
	if (len - h->l3 < 40 || (ip[0] >> 4) != 6)
		return;
	h->l3_len = 40;
	h->v6 = true;
	nh = ip[6];
	/* Only an L4 header right after the fixed header; extension headers are not walked. */
	if (nh == IPPROTO_TCP_)
		h->ptype = E810_PTYPE_IPV6_TCP;
	else if (nh == IPPROTO_UDP_)
		h->ptype = E810_PTYPE_IPV6_UDP;
	else if (nh == IPPROTO_ICMPV6_)
		h->ptype = E810_PTYPE_IPV6_ICMP;
	else if (nh == IPPROTO_FRAG6_)
		h->ptype = E810_PTYPE_IPV6_FRAG;
	if (nh == IPPROTO_FRAG6_)
		return;
	h->l4 = h->l3 + 40;
	h->l4_proto = nh;
}

static void parse(const uint8_t *f, unsigned len, struct hdrs *h)
{
	unsigned l3 = 12, et;

	memset(h, 0, sizeof(*h));
	h->ptype = E810_PTYPE_L2;
	if (len < 14)
		return;
	et = be16(f + l3);
	for (unsigned tags = 0; tags < 2 && (et == ETH_P_8021Q || et == ETH_P_8021AD) &&
				l3 + 6 <= len; tags++) {
		l3 += 4;
		et = be16(f + l3);
	}
	l3 += 2;
	h->l3 = l3;
	if (et == ETH_P_IPV4)
		parse_v4(f, len, h);
	else if (et == ETH_P_IPV6)
		parse_v6(f, len, h);
	else if (et == ETH_P_ARP)
		h->ptype = E810_PTYPE_ARP;
	if (h->l4) {
		unsigned need = h->l4_proto == IPPROTO_TCP_ ? 20u :
				h->l4_proto == IPPROTO_UDP_ ? 8u :
				h->l4_proto == IPPROTO_SCTP_ ? 12u : 0u;

		if (need && len - h->l4 >= need)
			h->l4_len = need;
		else
			h->l4 = 0;
	}
}

unsigned e810_frame_ptype(const uint8_t *f, unsigned len)
{
	struct hdrs h;

	parse(f, len, &h);
	return h.ptype;
}

/*
 * Where the header of protocol prot starts in the frame, false if the frame
 * has none. A word is read at that start plus its offset, as far as the
 * frame goes (as the hardware's extractor reads from a protocol's pointer:
 * ice's flexible words are MAC words anywhere in the first 512 bytes).
 * Single (untunneled) frames only: the outer-or-single protocol IDs (MAC,
 * ethertype, IPv4, IPv6, UDP) and TCP, SCTP; inner ones (tunnels) and the
 * rest never match.
 */
static bool hdr_of(const struct hdrs *h, unsigned prot, unsigned *at)
{
	switch (prot) {
	case PROT_MAC_OF_OR_S:
		if (!h->l3)
			return false;
		*at = 0;
		return true;
	case PROT_ETYPE_OL:
		if (h->l3 < 14)
			return false;
		*at = h->l3 - 2;
		return true;
	case PROT_IPV4_OF_OR_S:
	case PROT_IPV6_OF_OR_S:
		if (!h->l3_len || h->v6 != (prot == PROT_IPV6_OF_OR_S))
			return false;
		*at = h->l3;
		return true;
	case PROT_TCP_IL:
	case PROT_UDP_IL_OR_S:
	case PROT_SCTP_IL:
		if (!h->l4_len ||
		    h->l4_proto != (prot == PROT_TCP_IL ? IPPROTO_TCP_ :
				    prot == PROT_UDP_IL_OR_S ? IPPROTO_UDP_ : IPPROTO_SCTP_))
			return false;
		*at = h->l4;
		return true;
	default:
		return false;
	}
}

static unsigned reg_byte(const uint32_t regs[8], unsigned i)
{
	return (regs[i / 4] >> (8 * (i % 4))) & 0xffu;
}

static uint16_t word_mask(const struct e810_flex *fx, unsigned prof, unsigned i)
{
	uint16_t v = 0xffffu;

	for (unsigned m = 0; m < E810_FLEX_FDMASKS; m++)
		if ((fx->fdmask_sel[prof] & (1u << m)) && (fx->fdmask[m] & 0x1fu) == i)
			v &= (uint16_t)(fx->fdmask[m] >> 16);
	return v;
}

bool e810_flex_fd_key_swap(const struct e810_flex *fx, unsigned prof, const uint8_t *f,
			   unsigned len, bool swap, struct e810_fd_key *key)
{
	uint16_t fv[E810_FLEX_FD_FVW];
	bool have[E810_FLEX_FD_FVW] = { false };
	struct hdrs h;

	memset(key, 0, sizeof(*key));
	if (prof >= E810_FLEX_PROFS || !prof_has_fv(fx, prof) || !f)
		return false;
	parse(f, len, &h);
	key->prof = (uint16_t)prof;
	for (unsigned i = 0; i < E810_FLEX_FD_FVW; i++) {
		unsigned src = i, at;
		const struct e810_flex_fv *w;
		uint16_t v;

		if (!(reg_byte(fx->fdinset[prof], i) & INSET_USED))
			continue;
		if (swap && (reg_byte(fx->fdswap[prof], i) & SWAP_VALID))
			src = reg_byte(fx->fdswap[prof], i) & SWAP_IDX_M;
		if (src >= E810_FLEX_FD_FVW)
			return false;
		w = &fx->t.es[prof][src];
		if (!fv_used(w))
			continue;
		if (!have[src]) {
			if (!hdr_of(&h, w->prot, &at) || at + w->off + 2u > len)
				return false;
			fv[src] = be16(f + at + w->off);
			have[src] = true;
		}
		v = fv[src] & word_mask(fx, prof, i);
		key->w[key->n++] = v;
	}
	return key->n > 0;
}

unsigned e810_flex_fd_layout(const struct e810_flex *fx, unsigned prof,
			     struct e810_flex_fd_word *w, unsigned max)
{
	unsigned n = 0;

	if (prof >= E810_FLEX_PROFS || !prof_has_fv(fx, prof))
		return 0;
	/* The words e810_flex_fd_key_swap takes without swap, in its order. */
	for (unsigned i = 0; i < E810_FLEX_FD_FVW; i++) {
		const struct e810_flex_fv *fv = &fx->t.es[prof][i];

		if (!(reg_byte(fx->fdinset[prof], i) & INSET_USED) || !fv_used(fv))
			continue;
		if (n < max)
			w[n] = (struct e810_flex_fd_word){ fv->prot, fv->off, word_mask(fx, prof, i) };
		n++;
	}
	return n;
}

bool e810_flex_fd_key(const struct e810_flex *fx, unsigned prof, const uint8_t *f, unsigned len,
		      struct e810_fd_key *key)
{
	return e810_flex_fd_key_swap(fx, prof, f, len, false, key);
}
