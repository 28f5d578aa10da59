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
#define SW_UNUSED_OFF 0x1ffu     /* a SW field vector word not in use (protocol ID 255) */
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

/* A profile's derived state (flex.h) from its field vector and mask registers. */
static void derive_prof(struct e810_flex *fx, unsigned prof)
{
	bool any = false;

	for (unsigned i = 0; i < E810_FLEX_FD_FVW; i++) {
		uint16_t v = 0xffffu;

		for (unsigned m = 0; m < E810_FLEX_FDMASKS; m++)
			if ((fx->fdmask_sel[prof] & (1u << m)) && (fx->fdmask[m] & 0x1fu) == i)
				v &= (uint16_t)(fx->fdmask[m] >> 16);
		fx->wclr[prof][i] = (uint16_t)~v;
		any |= fv_used(&fx->t.es[prof][i]);
	}
	fx->has_fv[prof] = any;
}

static void derive_all(struct e810_flex *fx)
{
	for (unsigned p = 0; p < E810_FLEX_PROFS; p++)
		derive_prof(fx, p);
	fx->gen++;
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
	memset(&fx->sw, 0, sizeof(fx->sw));
	memset(&fx->sw_pkg, 0, sizeof(fx->sw_pkg));
	fx->sw_gen++;
	regs_clear(fx);
	derive_all(fx);
}

void e810_flex_pkg_done(struct e810_flex *fx)
{
	fx->pkg = fx->t;
	fx->sw_pkg = fx->sw;
}

void e810_flex_pf_reset(struct e810_flex *fx)
{
	fx->t = fx->pkg;
	fx->sw = fx->sw_pkg;
	fx->sw_gen++;
	regs_clear(fx);
	derive_all(fx);
}

/* ---- sections ----------------------------------------------------------------- */

/*
 * One block's table set: its section IDs, sizes, and where its tables are;
 * the FD and SW blocks share the code (the layouts are the same, the sizes
 * are not). The FD block's field vector words must name protocol IDs ice
 * knows (its profiles are the driver's); the SW block's come from the
 * package whole and may name others, which never match.
 */
struct blk {
	const char *name;
	uint32_t sid_xlt1, sid_xlt2, sid_tcam, sid_fv;
	unsigned tcam, profs, fvw;
	bool strict_prot;
};
static const struct blk BLK_FD = {
	"FD", E810_SID_XLT1_FD, E810_SID_XLT2_FD, E810_SID_PROFID_TCAM_FD, E810_SID_FLD_VEC_FD,
	E810_FLEX_TCAM, E810_FLEX_PROFS, E810_FLEX_FD_FVW, true,
};
static const struct blk BLK_SW = {
	"SW", E810_SID_XLT1_SW, E810_SID_XLT2_SW, E810_SID_PROFID_TCAM_SW, E810_SID_FLD_VEC_SW,
	E810_FLEX_SW_TCAM, E810_FLEX_SW_PROFS, E810_FLEX_SW_FVW, false,
};

struct view {
	const struct blk *b;
	uint8_t *xlt1;
	uint16_t *xlt2;
	struct e810_flex_tcam *tcam;
	struct e810_flex_fv *es;      /* profs * fvw words, profile-major */
};

static const struct blk *blk_of(uint32_t type)
{
	static const struct blk *const all[] = { &BLK_FD, &BLK_SW };

	for (unsigned i = 0; i < 2; i++)
		if (type == all[i]->sid_xlt1 || type == all[i]->sid_xlt2 ||
		    type == all[i]->sid_tcam || type == all[i]->sid_fv)
			return all[i];
	return NULL;
}

static struct view view_of(struct e810_flex *fx, const struct blk *b)
{
	if (b == &BLK_SW)
		return (struct view){ b, fx->sw.xlt1, fx->sw.xlt2, fx->sw.tcam, &fx->sw.es[0][0] };
	return (struct view){ b, fx->t.xlt1, fx->t.xlt2, fx->t.tcam, &fx->t.es[0][0] };
}

/* count entries of esz bytes after a header of hdr bytes, at [offset, offset + count) of a table of max. */
static const char *range_bad(const uint8_t *d, unsigned size, unsigned hdr, unsigned esz, unsigned max)
{
	unsigned count, off;

	if (size < hdr)
		return "section shorter than its header";
	count = le16(d);
	off = hdr >= 4 ? le16(d + 2) : 0;
	if (count < 1)
		return "section with no entries";
	if (count > max || off >= max || off + count > max)
		return "section past its table";
	if ((size - hdr) / esz < count)
		return "section shorter than its count";
	return NULL;
}

const char *e810_flex_section_bad(uint32_t type, const uint8_t *d, unsigned size)
{
	const struct blk *b = blk_of(type);
	const char *bad;
	unsigned count;

	if (!b)
		return NULL;
	if (!d)
		return "section missing";
	if (type == b->sid_xlt1)
		return range_bad(d, size, 4, 1, E810_FLEX_XLT1);
	if (type == b->sid_xlt2)
		return range_bad(d, size, 4, 2, E810_FLEX_XLT2);
	if (type == b->sid_tcam) {
		bad = range_bad(d, size, 2, E810_FLEX_TCAM_ENTRY, b->tcam);
		if (bad)
			return bad;
		count = le16(d);
		for (unsigned i = 0; i < count; i++) {
			const uint8_t *e = d + 2 + i * E810_FLEX_TCAM_ENTRY;

			if (le16(e) >= b->tcam)
				return "TCAM entry past the table";
			if (e[12] >= b->profs)
				return "TCAM entry names a profile past the table";
		}
		return NULL;
	}
	bad = range_bad(d, size, 4, b->fvw * E810_FLEX_FV_WORD, b->profs);
	if (bad)
		return bad;
	count = le16(d);
	for (unsigned i = 0; i < count * b->fvw; i++) {
		const uint8_t *w = d + 4 + i * E810_FLEX_FV_WORD;
		unsigned off = le16(w + 1);

		if (b->strict_prot && !prot_known(w[0]))
			return "field vector word with an unknown protocol ID";
		if (w[0] != PROT_INVALID && (off > FV_OFF_MAX || (off & 1)))
			return "field vector word with a bad offset";
	}
	return NULL;
}

int e810_flex_section(struct e810_flex *fx, uint32_t type, const uint8_t *d, unsigned size)
{
	const struct blk *b = blk_of(type);
	struct view v;
	unsigned count, off;

	if (!b) {
		fx->st.ignored++;
		return 0;
	}
	if (e810_flex_section_bad(type, d, size)) {
		fx->st.refused++;
		return -1;
	}
	v = view_of(fx, b);
	count = le16(d);
	off = le16(d + 2);
	if (type == b->sid_xlt1) {
		memcpy(v.xlt1 + off, d + 4, count);
	} else if (type == b->sid_xlt2) {
		for (unsigned i = 0; i < count; i++)
			v.xlt2[off + i] = le16(d + 4 + 2 * i);
	} else if (type == b->sid_tcam) {
		for (unsigned i = 0; i < count; i++) {
			const uint8_t *e = d + 2 + i * E810_FLEX_TCAM_ENTRY;
			struct e810_flex_tcam *te = &v.tcam[le16(e)];

			te->valid = true;
			memcpy(te->key, e + 2, sizeof(te->key));
			te->prof = e[12];
		}
	} else {
		for (unsigned i = 0; i < count; i++)
			for (unsigned w = 0; w < b->fvw; w++) {
				const uint8_t *s = d + 4 + (i * b->fvw + w) * E810_FLEX_FV_WORD;
				struct e810_flex_fv *fv = &v.es[(off + i) * b->fvw + w];

				fv->prot = s[0];
				/* SW: a metadata word's offset kept (0x1ff: unused) */
				fv->off = s[0] == PROT_INVALID && b != &BLK_SW ? 0 : le16(s + 1);
			}
	}
	if (b == &BLK_SW) {
		fx->st.sw_sections++;
		fx->sw_gen++;
		return 0;
	}
	fx->st.sections++;
	derive_all(fx);
	return 0;
}

static bool prof_has_fv(const struct e810_flex *fx, unsigned prof)
{
	return fx->has_fv[prof];
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
		derive_prof(fx, (off - FDMASK_SEL_BASE) / 4);
		fx->gen++;
		return true;
	}
	if (off >= FDMASK_BASE && off < FDMASK_BASE + E810_FLEX_FDMASKS * 4u) {
		fx->fdmask[(off - FDMASK_BASE) / 4] = val;
		derive_all(fx);
		return true;
	}
	/* GLQF_FDINSET(prof, j) = base + prof * 4 + j * 512, j < 8 (FDSWAP the same). */
	if (off >= FDINSET_BASE && off < FDINSET_BASE + 8u * 512u) {
		uint32_t r = off - FDINSET_BASE;

		fx->fdinset[(r % 512u) / 4][r / 512u] = val;
		fx->gen++;
		return true;
	}
	if (off >= FDSWAP_BASE && off < FDSWAP_BASE + 8u * 512u) {
		uint32_t r = off - FDSWAP_BASE;

		fx->fdswap[(r % 512u) / 4][r / 512u] = val;
		fx->gen++;
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

/* The profile of (ptype, vsi) in a block's TCAM: the lowest matching address. */
static int blk_prof(const struct blk *b, const uint8_t *xlt1, const uint16_t *xlt2,
		    const struct e810_flex_tcam *tcam, unsigned ptype, unsigned vsi)
{
	uint8_t k[5];
	uint16_t vsig;

	if (ptype >= E810_FLEX_PTYPES || vsi >= E810_FLEX_VSIS)
		return E810_FLEX_NONE;
	vsig = xlt2[vsi];
	k[0] = 0; /* flags */
	k[1] = 0;
	k[2] = xlt1[ptype];
	k[3] = (uint8_t)vsig;
	k[4] = (uint8_t)(vsig >> 8);
	for (unsigned a = 0; a < b->tcam; a++)
		if (tcam[a].valid && tcam_match(&tcam[a], k))
			return tcam[a].prof;
	return E810_FLEX_NONE;
}

int e810_flex_fd_prof(const struct e810_flex *fx, unsigned ptype, unsigned vsi)
{
	return blk_prof(&BLK_FD, fx->t.xlt1, fx->t.xlt2, fx->t.tcam, ptype, vsi);
}

int e810_flex_sw_prof(const struct e810_flex *fx, unsigned ptype, unsigned vsi)
{
	return blk_prof(&BLK_SW, fx->sw.xlt1, fx->sw.xlt2, fx->sw.tcam, ptype, vsi);
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

static void parse_v4(const uint8_t *f, unsigned len, struct e810_frame_hdrs *h)
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

static void parse_v6(const uint8_t *f, unsigned len, struct e810_frame_hdrs *h)
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

static void parse(const uint8_t *f, unsigned len, struct e810_frame_hdrs *h)
{
	unsigned l3 = 12, et;

	memset(h, 0, sizeof(*h));
	h->ptype = E810_PTYPE_L2;
	if (len < 14)
		return;
	et = be16(f + l3);
	for (unsigned tags = 0; tags < 2 && (et == ETH_P_8021Q || et == ETH_P_8021AD) &&
				l3 + 6 <= len; tags++) {
		if (!tags)
			h->vlan = l3 + 2;
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

void e810_frame_parse(const uint8_t *f, unsigned len, struct e810_frame_hdrs *h)
{
	parse(f, len, h);
}

unsigned e810_frame_ptype(const uint8_t *f, unsigned len)
{
	struct e810_frame_hdrs h;

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
static bool hdr_of(const struct e810_frame_hdrs *h, unsigned prot, unsigned *at)
{
	switch (prot) {
	case PROT_MAC_OF_OR_S:
		if (!h->l3)
			return false;
		*at = 0;
		return true;
	case E810_FLEX_PROT_VLAN:
		if (!h->vlan)
			return false;
		*at = h->vlan;
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
	return (uint16_t)~fx->wclr[prof][i];
}

bool e810_flex_fd_key_swap(const struct e810_flex *fx, unsigned prof, const uint8_t *f,
			   unsigned len, bool swap, struct e810_fd_key *key)
{
	uint16_t fv[E810_FLEX_FD_FVW];
	bool have[E810_FLEX_FD_FVW] = { false };
	struct e810_frame_hdrs h;

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

/* ---- the switch block's words ------------------------------------------------------ */

bool e810_flex_sw_fv(const struct e810_flex *fx, unsigned prof, unsigned w, struct e810_flex_fv *out)
{
	if (prof >= E810_FLEX_SW_PROFS || w >= E810_FLEX_SW_FVW)
		return false;
	*out = fx->sw.es[prof][w];
	return true;
}

bool e810_flex_sw_word(const struct e810_flex *fx, unsigned prof, unsigned w, const uint8_t *f,
		       unsigned len, const struct e810_frame_hdrs *h, uint16_t *val)
{
	const struct e810_flex_fv *fv;
	unsigned at;

	if (prof >= E810_FLEX_SW_PROFS || w >= E810_FLEX_SW_FVW)
		return false;
	fv = &fx->sw.es[prof][w];
	if (w == 0 || (fv->prot == PROT_INVALID && fv->off != SW_UNUSED_OFF)) {
		*val = 0; /* the switch ID, metadata: not modelled */
		return true;
	}
	if (!fv_used(fv))
		return false;
	if (!hdr_of(h, fv->prot, &at) || at + fv->off + 2u > len)
		return false;
	*val = be16(f + at + fv->off);
	return true;
}
