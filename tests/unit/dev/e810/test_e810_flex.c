// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The flow director block's pipeline tables (flex.c): sections built the way
 * Linux's ice driver builds them when ethtool adds an ntuple rule
 * (ice_flow_add_prof -> ice_add_prof -> ice_update_fd_swap, then
 * ice_upd_prof_hw's ES, TCAM and XLT2 sections; XLT1 comes from the
 * package), written by our own builder (client/e810fd.h); the profile a
 * packet type takes at a VSI, the key of a frame under it, the masks; and hostile
 * sections, each refused whole with nothing changed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "dev/e810/e810_regs.h"
#include "dev/e810/flex.h"
#include "dev/e810/lan_desc.h"
#include "fd_util.h"

#define P_MAC E810FD_P_MAC
#define P_IPV4 E810FD_P_IPV4
#define P_TCP E810FD_P_TCP
#define P_UDP E810FD_P_UDP
#define P_NONE E810FD_P_NONE

#define FVW E810_FLEX_FD_FVW
#define PF_VSI 3u
#define PF_VSIG 0x2001u        /* VSIG 1 of PF 1 (index | pf << 13) */
#define PTG_IPV4_UDP FDU_PTG_IPV4_UDP
#define PTG_IPV4_TCP FDU_PTG_IPV4_TCP

static struct e810_flex fx;

static void p16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

/* ---- the driver's side: a profile as ice builds it (e810fd.h) -------------------- */

static int sec_es(unsigned prof, const struct e810fd_prof *p)
{
	return fdu_sec_es(&fx, prof, p);
}

static int sec_tcam(unsigned addr, const uint8_t key[10], unsigned prof)
{
	return fdu_sec_tcam(&fx, addr, key, prof);
}

static int sec_xlt2(unsigned vsi, uint16_t vsig)
{
	return fdu_sec_xlt2(&fx, vsi, vsig);
}

static void write_regs(unsigned prof, const struct e810fd_prof *p)
{
	uint64_t regs = fx.st.regs;

	fdu_regs(prof, p, fdu_flex_wr, &fx);
	assert_int_equal(fx.st.regs, regs + 2 * FVW / 4 + 1);
}

/* ethtool -N flow-type udp4 dst-port P: profile prof at TCAM address addr. */
static void add_udp4_dst(unsigned prof, unsigned addr)
{
	const struct e810fd_word w[] = { { P_UDP, 2 } };
	struct e810fd_prof p;
	uint8_t key[10];

	e810fd_build_prof(w, 1, &p);
	/* ice_upd_prof_hw's order: ES, TCAM, (XLT1), XLT2; then the registers. */
	assert_int_equal(sec_es(prof, &p), 0);
	e810fd_tcam_key(PTG_IPV4_UDP, PF_VSIG, key);
	assert_int_equal(sec_tcam(addr, key, prof), 0);
	assert_int_equal(sec_xlt2(PF_VSI, PF_VSIG), 0);
	write_regs(prof, &p);
}

/* ethtool -N flow-type tcp4 src-ip A dst-port P. */
static void add_tcp4_src_dst(unsigned prof, unsigned addr)
{
	const struct e810fd_word w[] = { { P_IPV4, 12 }, { P_IPV4, 14 }, { P_TCP, 2 } };
	struct e810fd_prof p;
	uint8_t key[10];

	e810fd_build_prof(w, 3, &p);
	assert_int_equal(sec_es(prof, &p), 0);
	e810fd_tcam_key(PTG_IPV4_TCP, PF_VSIG, key);
	assert_int_equal(sec_tcam(addr, key, prof), 0);
	assert_int_equal(sec_xlt2(PF_VSI, PF_VSIG), 0);
	write_regs(prof, &p);
}

/* ---- frames ------------------------------------------------------------------------ */

/* An IPv4 frame with an L4 header of protocol proto (ports sp, dp); its length. */
static unsigned frame4(uint8_t *f, uint8_t proto, uint32_t sip, uint32_t dip, uint16_t sp,
		       uint16_t dp)
{
	return fdu_frame4(f, (const uint8_t *)"\x02\x00\x00\x00\x00\x01",
			  (const uint8_t *)"\x02\x00\x00\x00\x00\x02", proto, sip, dip, sp, dp, 4);
}

static int setup(void **state)
{
	(void)state;
	memset(&fx, 0, sizeof(fx));
	e810_flex_reset(&fx);
	assert_int_equal(fdu_sec_xlt1_pkg(&fx), 0);
	return 0;
}

/* ---- tests -------------------------------------------------------------------------- */

static void test_udp4_profile(void **state)
{
	(void)state;
	assert_int_equal(e810_flex_fd_prof(&fx, E810_PTYPE_IPV4_UDP, PF_VSI), E810_FLEX_NONE);
	add_udp4_dst(10, 4);
	assert_int_equal(e810_flex_fd_profiles(&fx), 1);
	assert_int_equal(e810_flex_fd_prof(&fx, E810_PTYPE_IPV4_UDP, PF_VSI), 10);
	/* Only udp4 was given: TCP, plain IPv4 and another VSI take no profile. */
	assert_int_equal(e810_flex_fd_prof(&fx, E810_PTYPE_IPV4_TCP, PF_VSI), E810_FLEX_NONE);
	assert_int_equal(e810_flex_fd_prof(&fx, E810_PTYPE_IPV4, PF_VSI), E810_FLEX_NONE);
	assert_int_equal(e810_flex_fd_prof(&fx, E810_PTYPE_IPV4_UDP, PF_VSI + 1), E810_FLEX_NONE);
	assert_int_equal(e810_flex_fd_prof(&fx, 5000, PF_VSI), E810_FLEX_NONE);
	assert_int_equal(e810_flex_fd_prof(&fx, E810_PTYPE_IPV4_UDP, 5000), E810_FLEX_NONE);
	add_tcp4_src_dst(11, 5);
	assert_int_equal(e810_flex_fd_prof(&fx, E810_PTYPE_IPV4_TCP, PF_VSI), 11);
	assert_int_equal(e810_flex_fd_prof(&fx, E810_PTYPE_IPV4_UDP, PF_VSI), 10);
	assert_int_equal(e810_flex_fd_profiles(&fx), 2);
	assert_int_equal(fx.st.sections, 1 + 6);
	assert_int_equal(fx.st.refused, 0);
}

/* Of several matching entries the lowest address wins; never-match entries are off. */
static void test_tcam_priority(void **state)
{
	uint8_t key[10], all[10];

	(void)state;
	memset(all, 0xff, sizeof(all)); /* the package's catch-all entry */
	assert_int_equal(sec_tcam(511, all, 1), 0);
	assert_int_equal(e810_flex_fd_prof(&fx, E810_PTYPE_IPV4_TCP, PF_VSI), 1);
	add_udp4_dst(10, 4);
	assert_int_equal(e810_flex_fd_prof(&fx, E810_PTYPE_IPV4_UDP, PF_VSI), 10);
	assert_int_equal(e810_flex_fd_prof(&fx, E810_PTYPE_IPV4_TCP, PF_VSI), 1);
	e810fd_tcam_key(PTG_IPV4_UDP, PF_VSIG, key);
	assert_int_equal(sec_tcam(2, key, 12), 0);
	assert_int_equal(e810_flex_fd_prof(&fx, E810_PTYPE_IPV4_UDP, PF_VSI), 12);
	/* ice turns an entry off with a never-match bit (key 0, inverted 0) in bit 0. */
	key[0] &= 0xfe;
	key[5] &= 0xfe;
	assert_int_equal(sec_tcam(2, key, 12), 0);
	assert_int_equal(e810_flex_fd_prof(&fx, E810_PTYPE_IPV4_UDP, PF_VSI), 10);
	/* The catch-all's profile has no field vector: no key. */
	{
		uint8_t f[128];
		struct e810_fd_key k;
		unsigned len = frame4(f, 6, 0x0a000001, 0x0a000002, 1000, 80);

		assert_false(e810_flex_fd_key(&fx, 1, f, len, &k));
	}
}

static void test_udp4_key(void **state)
{
	uint8_t f[128], g[128];
	struct e810_fd_key a, b, dummy;
	unsigned len;

	(void)state;
	add_udp4_dst(10, 4);
	len = frame4(f, 17, 0x0a000001, 0x0a000002, 40000, 5555);
	assert_int_equal(e810_frame_ptype(f, len), E810_PTYPE_IPV4_UDP);
	assert_true(e810_flex_fd_key(&fx, 10, f, len, &a));
	assert_int_equal(a.prof, 10);
	assert_int_equal(a.n, 1);
	assert_int_equal(a.w[0], 5555);
	/* Another source port and addresses: the same key. */
	len = frame4(g, 17, 0x0b000001, 0x0c000002, 41000, 5555);
	assert_true(e810_flex_fd_key(&fx, 10, g, len, &b));
	assert_int_equal(b.n, a.n);
	assert_memory_equal(b.w, a.w, a.n * 2);
	/* Another destination port: another key. */
	len = frame4(g, 17, 0x0a000001, 0x0a000002, 40000, 5556);
	assert_true(e810_flex_fd_key(&fx, 10, g, len, &b));
	assert_int_not_equal(b.w[0], a.w[0]);
	/* ice's dummy packet has the rule's port in the source field, its descriptor SWAP. */
	len = frame4(g, 17, 0, 0, 5555, 0);
	assert_true(e810_flex_fd_key_swap(&fx, 10, g, len, true, &dummy));
	assert_int_equal(dummy.n, a.n);
	assert_memory_equal(dummy.w, a.w, a.n * 2);
	/* A TCP frame has no UDP header; a truncated frame none either. */
	len = frame4(g, 6, 0x0a000001, 0x0a000002, 40000, 5555);
	assert_false(e810_flex_fd_key(&fx, 10, g, len, &b));
	assert_false(e810_flex_fd_key(&fx, 10, f, 14 + 20 + 3, &b));
	/* An unknown profile, one without a field vector. */
	assert_false(e810_flex_fd_key(&fx, 200, f, len, &b));
	assert_false(e810_flex_fd_key(&fx, 11, f, len, &b));
}

static void test_tcp4_key(void **state)
{
	uint8_t f[128], g[128];
	struct e810_fd_key a, b;
	unsigned len;

	(void)state;
	add_tcp4_src_dst(11, 5);
	len = frame4(f, 6, 0xc0a80101, 0xc0a80102, 33000, 80);
	assert_int_equal(e810_frame_ptype(f, len), E810_PTYPE_IPV4_TCP);
	assert_true(e810_flex_fd_key(&fx, 11, f, len, &a));
	assert_int_equal(a.n, 3);
	/* Word order: the field vector's, from word 0 up (the driver fills it from the top). */
	assert_int_equal(a.w[0], 80);
	assert_int_equal(a.w[1], 0x0101);
	assert_int_equal(a.w[2], 0xc0a8);
	len = frame4(g, 6, 0xc0a80101, 0x08080808, 1234, 80);
	assert_true(e810_flex_fd_key(&fx, 11, g, len, &b));
	assert_memory_equal(b.w, a.w, 6);
	len = frame4(g, 6, 0xc0a80109, 0xc0a80102, 33000, 80);
	assert_true(e810_flex_fd_key(&fx, 11, g, len, &b));
	assert_memory_not_equal(b.w, a.w, 6);
	/* The dummy packet: src-ip in the destination field, dst-port in the source port. */
	len = frame4(g, 6, 0, 0xc0a80101, 80, 0);
	assert_true(e810_flex_fd_key_swap(&fx, 11, g, len, true, &b));
	assert_int_equal(b.n, 3);
	assert_memory_equal(b.w, a.w, 6);
}

/*
 * A flexible word (ethtool's user-def: ice_flow_add_fld_raw, a MAC word at
 * the offset given, up to 0x1fe): read wherever the frame has it.
 */
static void test_flex_word(void **state)
{
	const struct e810fd_word w[] = { { P_UDP, 2 }, { P_MAC, 42 } };
	uint8_t f[600];
	struct e810_fd_key a, b;
	struct e810fd_prof p;
	unsigned len;

	(void)state;
	e810fd_build_prof(w, 2, &p);
	assert_int_equal(sec_es(12, &p), 0);
	write_regs(12, &p);
	len = frame4(f, 17, 1, 2, 3, 5555);
	f[42] = 0xab;
	f[43] = 0xcd;
	assert_true(e810_flex_fd_key(&fx, 12, f, len, &a));
	assert_int_equal(a.n, 2);
	assert_int_equal(a.w[1], 5555);
	assert_int_equal(a.w[0], 0xabcd);
	f[43] = 0xce;
	assert_true(e810_flex_fd_key(&fx, 12, f, len, &b));
	assert_int_not_equal(b.w[0], a.w[0]);
	/* The frame ends before the word: no key. */
	assert_false(e810_flex_fd_key(&fx, 12, f, 43, &b));
	/* The farthest offset ice gives (0x1fe) is taken, in a long enough frame. */
	p.es[22] = (struct e810fd_word){ P_MAC, 0x1fe };
	assert_int_equal(sec_es(12, &p), 0);
	memset(f + len, 0, sizeof(f) - len);
	f[0x1fe] = 0x12;
	f[0x1ff] = 0x34;
	assert_true(e810_flex_fd_key(&fx, 12, f, sizeof(f), &b));
	assert_int_equal(b.w[0], 0x1234);
	assert_false(e810_flex_fd_key(&fx, 12, f, 0x1ff, &b));
}

/* GLQF_FDMASK(i) = word index | mask << 16, taken where GLQF_FDMASK_SEL(prof) has bit i. */
static void test_fdmask(void **state)
{
	uint8_t f[128], g[128];
	struct e810_fd_key a, b;
	unsigned len;

	(void)state;
	add_tcp4_src_dst(11, 5);
	/* Key word 22 holds the source address' low half (see test_tcp4_key): keep its top byte. */
	assert_true(e810_flex_reg_write(&fx, E810_GLQF_FDMASK(7), 22u | 0xff00u << 16));
	len = frame4(f, 6, 0xc0a80101, 0xc0a80102, 33000, 80);
	assert_true(e810_flex_fd_key(&fx, 11, f, len, &a));
	assert_int_equal(a.w[1], 0x0101);
	assert_true(e810_flex_reg_write(&fx, E810_GLQF_FDMASK_SEL(11), 1u << 7));
	assert_true(e810_flex_fd_key(&fx, 11, f, len, &a));
	assert_int_equal(a.w[1], 0x0100);
	len = frame4(g, 6, 0xc0a801fe, 0xc0a80102, 33000, 80);
	assert_true(e810_flex_fd_key(&fx, 11, g, len, &b));
	assert_memory_equal(b.w, a.w, 6);
	/* Not an FD register. */
	assert_false(e810_flex_reg_write(&fx, E810_GLQF_FD_SIZE, 1));
	assert_false(e810_flex_reg_write(&fx, E810_GLQF_FDMASK(32), 1));
}

/* Each hostile section refused whole, counted, and no table changed. */
static void test_hostile(void **state)
{
	uint8_t s[4096];
	struct e810_flex before;
	uint64_t refused;

	(void)state;
	add_udp4_dst(10, 4);
	before = fx;
	refused = fx.st.refused;
#define REFUSED(type, size)                                                          \
	do {                                                                         \
		assert_int_equal(e810_flex_section(&fx, (type), s, (size)), -1);     \
		assert_int_equal(fx.st.refused, ++refused);                          \
		assert_memory_equal(&fx.t, &before.t, sizeof(fx.t));                 \
	} while (0)
	/* XLT1: past the table, offset + count overflowing it, count 0, too short, huge. */
	memset(s, 7, sizeof(s));
	p16(s, 10);
	p16(s + 2, E810_FLEX_XLT1 - 5);
	REFUSED(E810_SID_XLT1_FD, 14);
	p16(s, 0xffff);
	p16(s + 2, 0xffff);
	REFUSED(E810_SID_XLT1_FD, sizeof(s));
	p16(s, 0);
	p16(s + 2, 0);
	REFUSED(E810_SID_XLT1_FD, 4);
	p16(s, 100);
	REFUSED(E810_SID_XLT1_FD, 4 + 99);
	REFUSED(E810_SID_XLT1_FD, 3);
	/* XLT2: past its 1024 entries, short by one byte. */
	p16(s, 2);
	p16(s + 2, E810_FLEX_XLT2 - 1);
	REFUSED(E810_SID_XLT2_FD, 8);
	p16(s + 2, 0);
	REFUSED(E810_SID_XLT2_FD, 7);
	/* TCAM: an address past the table (in the second entry), a profile past 128, short. */
	memset(s, 0, sizeof(s));
	p16(s, 2);
	p16(s + 2, 1);
	p16(s + 15, E810_FLEX_TCAM);
	REFUSED(E810_SID_PROFID_TCAM_FD, 2 + 26);
	p16(s + 15, 2);
	s[2 + 13 + 12] = E810_FLEX_PROFS;
	REFUSED(E810_SID_PROFID_TCAM_FD, 2 + 26);
	s[2 + 13 + 12] = 3;
	REFUSED(E810_SID_PROFID_TCAM_FD, 2 + 25);
	p16(s, 0xffff);
	REFUSED(E810_SID_PROFID_TCAM_FD, sizeof(s));
	/* ES: past 128 profiles, short, an unknown protocol ID, an odd or huge offset. */
	memset(s, P_NONE, sizeof(s));
	p16(s, 2);
	p16(s + 2, E810_FLEX_PROFS - 1);
	REFUSED(E810_SID_FLD_VEC_FD, 4 + 2 * FVW * 4);
	p16(s + 2, 0);
	REFUSED(E810_SID_FLD_VEC_FD, 4 + 2 * FVW * 4 - 1);
	s[4 + 30 * 4] = 2; /* word 6 of profile 1: protocol ID 2 */
	REFUSED(E810_SID_FLD_VEC_FD, 4 + 2 * FVW * 4);
	s[4 + 30 * 4] = P_UDP;
	p16(s + 5 + 30 * 4, 3);
	REFUSED(E810_SID_FLD_VEC_FD, 4 + 2 * FVW * 4);
	p16(s + 5 + 30 * 4, 0x8000);
	REFUSED(E810_SID_FLD_VEC_FD, 4 + 2 * FVW * 4);
	p16(s + 5 + 30 * 4, 0x200);
	REFUSED(E810_SID_FLD_VEC_FD, 4 + 2 * FVW * 4);
	/* A good ES section after all that: taken. */
	p16(s + 5 + 30 * 4, 2);
	assert_int_equal(e810_flex_section(&fx, E810_SID_FLD_VEC_FD, s, 4 + 2 * FVW * 4), 0);
	assert_int_equal(e810_flex_fd_profiles(&fx), 2);
	/* Other blocks' sections and FD sections not kept: left alone (SW tables are kept: checked). */
	assert_int_equal(e810_flex_section(&fx, 16 /* FLD_VEC_SW */, s, 3), -1);
	refused++;
	assert_int_equal(e810_flex_section(&fx, 17 /* CDID_KEY_BUILDER_SW */, s, 3), 0);
	assert_int_equal(e810_flex_section(&fx, 35 /* PROFID_REDIR_FD */, s, 1), 0);
	assert_int_equal(e810_flex_section(&fx, 46 /* FLD_VEC_RSS */, NULL, 0), 0);
	assert_int_equal(fx.st.ignored, 3);
	/* The check alone never counts or changes anything. */
	assert_non_null(e810_flex_section_bad(E810_SID_XLT1_FD, s, 3));
	assert_null(e810_flex_section_bad(17, s, 3));
	assert_non_null(e810_flex_section_bad(16, s, 3));
	assert_int_equal(fx.st.refused, refused);
#undef REFUSED
}

/* A PF reset: back to the package's tables; a core reset (e810_flex_reset): empty. */
static void test_resets(void **state)
{
	(void)state;
	e810_flex_pkg_done(&fx);
	add_udp4_dst(10, 4);
	assert_int_equal(e810_flex_fd_prof(&fx, E810_PTYPE_IPV4_UDP, PF_VSI), 10);
	e810_flex_pf_reset(&fx);
	assert_int_equal(e810_flex_fd_prof(&fx, E810_PTYPE_IPV4_UDP, PF_VSI), E810_FLEX_NONE);
	assert_int_equal(e810_flex_fd_profiles(&fx), 0);
	/* The package's XLT1 stays: the driver's replay finds its groups. */
	add_udp4_dst(10, 4);
	assert_int_equal(e810_flex_fd_prof(&fx, E810_PTYPE_IPV4_UDP, PF_VSI), 10);
	e810_flex_reset(&fx);
	add_udp4_dst(10, 4);
	/* No XLT1 now: ptype 24 is in group 0, which the entry does not match. */
	assert_int_equal(e810_flex_fd_prof(&fx, E810_PTYPE_IPV4_UDP, PF_VSI), E810_FLEX_NONE);
}

/* e810_frame_ptype: the values the RX descriptor reports. */
static void test_ptype(void **state)
{
	uint8_t f[128];
	unsigned len;

	(void)state;
	len = frame4(f, 17, 1, 2, 3, 4);
	assert_int_equal(e810_frame_ptype(f, len), E810_PTYPE_IPV4_UDP);
	f[20] = 0x20; /* more fragments */
	assert_int_equal(e810_frame_ptype(f, len), E810_PTYPE_IPV4_FRAG);
	f[20] = 0;
	f[23] = 1;
	assert_int_equal(e810_frame_ptype(f, len), E810_PTYPE_IPV4_ICMP);
	f[23] = 132;
	assert_int_equal(e810_frame_ptype(f, len), E810_PTYPE_IPV4);
	f[12] = 0x08;
	f[13] = 0x06;
	assert_int_equal(e810_frame_ptype(f, len), E810_PTYPE_ARP);
	assert_int_equal(e810_frame_ptype(f, 13), E810_PTYPE_L2);
	f[12] = 0x86;
	f[13] = 0xdd;
	assert_int_equal(e810_frame_ptype(f, len), E810_PTYPE_IPV6); /* version 4: not parsed */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_udp4_profile, setup),
		cmocka_unit_test_setup(test_tcam_priority, setup),
		cmocka_unit_test_setup(test_udp4_key, setup),
		cmocka_unit_test_setup(test_tcp4_key, setup),
		cmocka_unit_test_setup(test_flex_word, setup),
		cmocka_unit_test_setup(test_fdmask, setup),
		cmocka_unit_test_setup(test_hostile, setup),
		cmocka_unit_test_setup(test_resets, setup),
		cmocka_unit_test_setup(test_ptype, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
