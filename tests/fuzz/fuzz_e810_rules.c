/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz target: the E810's switch rule and recipe commands (aq_sw.c,
 * aq_recipe.c) and what the receive path makes of them (swr_tab.c): admin
 * commands from the input through a real ATQ ring in a guest memory block,
 * then the rules compiled and frames evaluated, the rules listed as flows.
 *
 * An input: one configuration byte (queues 1 + b % 16; bit 4: a DDP package
 * loaded first, so that the recipe commands are taken; bit 5: a PF VSI
 * added first), then chunks
 *
 *   [u8 op][u8 arg][u16 len, little endian][len bytes]
 *
 * (a chunk longer than what is left takes what is left). Ops by op % 10:
 * 0 add, 1 update, 2 remove switch rules (the number of rules is arg, the
 * bytes are the buffer); 3 alloc_res (arg bit 0:
 * free_res); 4 recipes (arg % 4: add_recipe, recipe_to_profile, get_recipe,
 * get_recipe_to_profile; the first 16 bytes are the parameters); 5 VSIs
 * (arg % 3: add, update, free; 128 bytes of context); 6 frames to evaluate
 * ([u8 flags][u8 len][bytes]...); 7 clear_pf_cfg (arg bit 0: a PF reset);
 * 8 one well-formed lookup rule built from a few bytes (recipe, action,
 * destination, ethertype, VLAN: the fuzzer gets deep quickly; on an added
 * recipe's ID, its header is an IPv4 dummy packet from the bytes: an
 * advanced rule); 9 a VSI list or prune list set from the bytes. Op 4 with
 * arg % 8 >= 4 adds a well-formed recipe (a root, or a chain of two with
 * result indices) of field vector words from the bytes, mapped to the
 * profiles the bytes pick. With the package, the engine's switch block gets
 * a small table set shaped as Intel's package has it (a profile per packet
 * type of the parser, MAC, ethertype, VLAN, IPv4/IPv6, UDP, TCP words at the
 * package's word indices), so advanced rules are matched.
 *
 * Checks beyond ASan/UBSan: a refused command changes nothing of the
 * engine's switch state (VSIs, rules, lists, recipes, the profile map); the rule count matches the slots in use, with unique
 * non-zero indexes; every evaluation is a queue of the PF, NEXT or DROP;
 * every flow carries the VM's MAC, a queue range inside the PF, and for a
 * frame to the VM's MAC the flows decide as the receive path does (unless
 * VLAN pruning decides first, or advanced rules are listed and the frame is
 * an IP frame the parser takes as malformed or a fragment: flows do not
 * tell those apart); with advanced rules that can match but are not listed
 * (their words are no flow fields), only that the flows drop nothing the
 * receive path does not.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dev/e810/aq.h"
#include "dev/e810/aq_defs.h"
#include "dev/e810/e810_regs.h"
#include "dev/e810/flex.h"
#include "dev/e810/lan_desc.h"
#include "dev/e810/swr_tab.h"
#include "fuzz_common.h"
#include "net/flow.h"

#define MEM_SIZE (64u << 10)
#define RING 16u
#define BUF_OFF 0x1000u
#define OPS_MAX 256u
#define FLOWS_MAX 300u

static uint8_t *mem;
static struct e810_aq *aq;
static struct e810_aq *engines[16];
static unsigned ring_tail;
static unsigned nq;
static struct e810_swr_tab tab;
static struct e810_aq_state before;
static struct net_flow flows[FLOWS_MAX];
static const uint8_t vm_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };

#define CHECK(cond)                                                                     \
	do {                                                                            \
		if (!(cond)) {                                                          \
			fprintf(stderr, "fuzz_e810_rules: check failed: %s (%s:%d)\n", #cond, \
				__FILE__, __LINE__);                                    \
			abort();                                                        \
		}                                                                       \
	} while (0)

static int dma_read(void *opaque, uint64_t gpa, void *dst, size_t len)
{
	(void)opaque;
	if (gpa >= MEM_SIZE || len > MEM_SIZE - gpa)
		return -1;
	memcpy(dst, mem + gpa, len);
	return 0;
}

static int dma_write(void *opaque, uint64_t gpa, const void *src, size_t len)
{
	(void)opaque;
	if (gpa >= MEM_SIZE || len > MEM_SIZE - gpa)
		return -1;
	memcpy(mem + gpa, src, len);
	return 0;
}

static const struct e810_aq_dma_ops ops = { .read = dma_read, .write = dma_write };

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static void ring_up(void)
{
	ring_tail = 0;
	e810_aq_reg_write(aq, E810_PF_FW_ATQBAL, 0);
	e810_aq_reg_write(aq, E810_PF_FW_ATQBAH, 0);
	e810_aq_reg_write(aq, E810_PF_FW_ATQH, 0);
	e810_aq_reg_write(aq, E810_PF_FW_ATQT, 0);
	e810_aq_reg_write(aq, E810_PF_FW_ATQLEN, RING | E810_AQLEN_ENABLE);
}

/*
 * One command: params (16 bytes, may be NULL), a buffer of len bytes (in:
 * read by the device). The return code; params and buffer as written back.
 */
static uint16_t cmd(uint16_t opc, uint8_t *params, uint8_t *buf, uint16_t len, bool in)
{
	uint8_t *d = mem + ring_tail * 32u;
	uint16_t flags = AQ_FLAG_SI;

	if (len > E810_AQ_MAX_BUF)
		len = E810_AQ_MAX_BUF;
	memset(d, 0, 32);
	if (len) {
		flags |= AQ_FLAG_BUF | (in ? AQ_FLAG_RD : 0) | (len > 512 ? AQ_FLAG_LB : 0);
		memcpy(mem + BUF_OFF, buf, len);
	}
	put16(d + AQD_FLAGS, flags);
	put16(d + AQD_OPCODE, opc);
	put16(d + AQD_DATALEN, len);
	if (params)
		memcpy(d + AQD_PARAMS, params, 16);
	if (len) {
		put32(d + AQD_PARAMS + 8, 0);
		put32(d + AQD_PARAMS + 12, BUF_OFF);
	}
	ring_tail = (ring_tail + 1) % RING;
	e810_aq_reg_write(aq, E810_PF_FW_ATQT, ring_tail);
	CHECK(get16(d + AQD_FLAGS) & AQ_FLAG_DD);
	if (params)
		memcpy(params, d + AQD_PARAMS, 16);
	if (len)
		memcpy(buf, mem + BUF_OFF, len);
	return get16(d + AQD_RETVAL);
}

/*
 * The switch area of the state (VSIs' contexts, rules, lists, recipes, the
 * profile map, the counts): copied before a command, compared after.
 */
static void sw_copy(struct e810_aq_state *d, const struct e810_aq_state *st)
{
	d->nvsi = st->nvsi;
	d->nrules = st->nrules;
	d->sw_gen = st->sw_gen;
	for (unsigned i = 0; i < E810_AQ_MAX_VSI; i++) {
		d->vsi[i].in_use = st->vsi[i].in_use;
		d->vsi[i].num = st->vsi[i].num;
		memcpy(d->vsi[i].props, st->vsi[i].props, sizeof(d->vsi[i].props));
	}
	memcpy(d->rule, st->rule, sizeof(d->rule));
	memcpy(d->vlist, st->vlist, sizeof(d->vlist));
	memcpy(d->recipe, st->recipe, sizeof(d->recipe));
	memcpy(d->prof_recipes, st->prof_recipes, sizeof(d->prof_recipes));
}

static bool sw_same(const struct e810_aq_state *d, const struct e810_aq_state *st)
{
	if (d->nvsi != st->nvsi || d->nrules != st->nrules || d->sw_gen != st->sw_gen)
		return false;
	for (unsigned i = 0; i < E810_AQ_MAX_VSI; i++)
		if (d->vsi[i].in_use != st->vsi[i].in_use || d->vsi[i].num != st->vsi[i].num ||
		    memcmp(d->vsi[i].props, st->vsi[i].props, sizeof(d->vsi[i].props)))
			return false;
	return !memcmp(d->rule, st->rule, sizeof(d->rule)) &&
	       !memcmp(d->vlist, st->vlist, sizeof(d->vlist)) &&
	       !memcmp(d->recipe, st->recipe, sizeof(d->recipe)) &&
	       !memcmp(d->prof_recipes, st->prof_recipes, sizeof(d->prof_recipes));
}

/* A command that may be refused: refused, nothing of the switch state changed. */
static uint16_t cmd_checked(uint16_t opc, uint8_t *params, uint8_t *buf, uint16_t len, bool in)
{
	uint16_t rc;

	sw_copy(&before, e810_aq_state(aq));
	rc = cmd(opc, params, buf, len, in);
	if (rc)
		CHECK(sw_same(&before, e810_aq_state(aq)));
	return rc;
}

static void load_pkg(void)
{
	static uint8_t b[PKG_BUF_SIZE];
	uint8_t p[16] = { 0 };

	memset(b, 0, sizeof(b));
	put16(b + PKG_BUF_SECT_COUNT, 1);
	put16(b + PKG_BUF_DATA_END, 20 + 36);
	put32(b + PKG_BUF_ENTRIES, PKG_SID_METADATA);
	put16(b + PKG_BUF_ENTRIES + 4, 20);
	put16(b + PKG_BUF_ENTRIES + 6, 36);
	put16(p + RR_RES_ID, RES_ID_GLBL_LOCK);
	put16(p + RR_ACCESS, RES_ACCESS_WRITE);
	(void)cmd(AQC_REQ_RES, p, NULL, 0, false);
	memset(p, 0, sizeof(p));
	p[DLP_FLAGS] = DLP_LAST_BUF;
	(void)cmd(AQC_DOWNLOAD_PKG, p, b, sizeof(b), true);
	memset(p, 0, sizeof(p));
	put16(p + RR_RES_ID, RES_ID_GLBL_LOCK);
	(void)cmd(AQC_RELEASE_RES, p, NULL, 0, false);
}

/* The switch block's tables (see the top): sections into the engine's flex tables. */
static void sw_tables(void)
{
	static const uint16_t pts[] = { E810_PTYPE_L2, E810_PTYPE_ARP, E810_PTYPE_IPV4_FRAG,
					E810_PTYPE_IPV4, E810_PTYPE_IPV4_UDP, E810_PTYPE_IPV4_TCP,
					E810_PTYPE_IPV4_ICMP, E810_PTYPE_IPV6_FRAG, E810_PTYPE_IPV6,
					E810_PTYPE_IPV6_UDP, E810_PTYPE_IPV6_TCP, E810_PTYPE_IPV6_ICMP };
	static uint8_t s[4 + 7 * E810_FLEX_SW_FVW * 4];
	struct e810_flex *fx = e810_aq_flex(aq);

	/* XLT1: ptype -> PTG 1 + its slot (the rest PTG 0). */
	memset(s, 0, sizeof(s));
	put16(s, 1024);
	for (unsigned i = 0; i < sizeof(pts) / sizeof(pts[0]); i++)
		s[4 + pts[i]] = (uint8_t)(1 + i);
	(void)e810_flex_section(fx, E810_SID_XLT1_SW, s, 4 + 1024);
	/* TCAM: PTG g -> profile g / 2 (pairs share one: 0 L2/ARP, 1 v4frag/v4, 2 v4udp/tcp ...). */
	memset(s, 0, sizeof(s));
	put16(s, 13);
	for (unsigned g = 0; g < 13; g++) {
		uint8_t *e = s + 2 + g * E810_FLEX_TCAM_ENTRY;

		put16(e, (uint16_t)g);
		memset(e + 2, 0xff, 10);
		e[2 + 2] = (uint8_t)~g; /* key half: PTG g exactly */
		e[7 + 2] = (uint8_t)g;  /* inverted half */
		e[12] = (uint8_t)(g / 2);
	}
	(void)e810_flex_section(fx, E810_SID_PROFID_TCAM_SW, s, 2 + 13 * E810_FLEX_TCAM_ENTRY);
	/* Field vectors: words 5..10 MAC, 11 VLAN, 13 ethertype, 24/25 L4, 26.. IPv4 or IPv6. */
	memset(s, 0, sizeof(s));
	put16(s, 7);
	for (unsigned pr = 0; pr < 7; pr++) {
		uint8_t *fv = s + 4 + pr * E810_FLEX_SW_FVW * 4;
		bool v6 = pr >= 4, l4 = pr == 2 || pr == 5;
		static const uint16_t v4o[] = { 0, 8, 12, 14, 16, 18 };

		for (unsigned w = 0; w < E810_FLEX_SW_FVW; w++) {
			fv[4 * w] = 255;
			put16(fv + 4 * w + 1, 0x1ff);
		}
		for (unsigned w = 0; w < 6; w++) {
			fv[4 * (5 + w)] = E810_FLEX_PROT_MAC;
			put16(fv + 4 * (5 + w) + 1, (uint16_t)(2 * w));
		}
		fv[4 * 11] = E810_FLEX_PROT_VLAN;
		put16(fv + 4 * 11 + 1, 0);
		fv[4 * 13] = E810_FLEX_PROT_ETYPE;
		put16(fv + 4 * 13 + 1, 0);
		fv[4 * 1] = 255; /* a metadata word */
		put16(fv + 4 * 1 + 1, 40);
		if (pr == 0 || pr == 6)
			continue;
		if (l4 || pr == 3)
			for (unsigned w = 0; w < 2; w++) {
				fv[4 * (24 + w)] = pr == 3 ? E810_FLEX_PROT_TCP : E810_FLEX_PROT_UDP;
				put16(fv + 4 * (24 + w) + 1, (uint16_t)(2 * w));
			}
		for (unsigned w = 0; w < (v6 ? 18u : 6u); w++) {
			fv[4 * (26 + w)] = v6 ? E810_FLEX_PROT_IPV6 : E810_FLEX_PROT_IPV4;
			put16(fv + 4 * (26 + w) + 1, v6 ? (uint16_t)(w < 2 ? 2 * w : 2 * w + 4) : v4o[w]);
		}
	}
	(void)e810_flex_section(fx, E810_SID_FLD_VEC_SW, s, 4 + 7 * E810_FLEX_SW_FVW * 4);
}

/* op 4, arg % 8 >= 4: [u8 chain][u8 profiles][u8 word, u8 mask hi, u8 mask lo]... */
static void one_recipe(uint8_t arg, const uint8_t *d, size_t n)
{
	uint8_t p[16] = { 0 }, r[6] = { 0 }, b[3 * E810_AQ_RECIPE_SIZE];
	unsigned nrec = n >= 1 && (d[0] & 1) ? 3 : 1, rid[3], nw = 0;
	uint64_t chain = 0;

	for (unsigned i = 0; i < nrec; i++) {
		memset(p, 0, sizeof(p));
		put16(p + AR_NUM_ENTRIES, 1);
		put16(r + ARB_RES_TYPE, RES_TYPE_RECIPE);
		put16(r + ARB_NUM_ELEMS, 1);
		if (cmd_checked(AQC_ALLOC_RES, p, r, sizeof(r), true))
			return;
		rid[i] = get16(r + ARB_ELEMS) % 64;
		chain |= 1ull << rid[i];
	}
	memset(b, 0, sizeof(b));
	for (unsigned i = 0; i < nrec; i++) {
		uint8_t *e = b + i * E810_AQ_RECIPE_SIZE;
		bool root = i == nrec - 1;

		e[0] = (uint8_t)rid[i];
		put32(e + 4, (uint32_t)chain);
		put32(e + 8, (uint32_t)(chain >> 32));
		e[16] = (uint8_t)(rid[i] | (root ? 0x80u : 0));
		e[17] = 0;
		put16(e + 22, 0x00ff);
		for (unsigned j = 1; j < 5; j++) {
			const uint8_t *w = d + 2 + 3 * nw;

			e[17 + j] = 0x80;
			if (root && nrec > 1) {
				if (j <= 2) {
					e[17 + j] = (uint8_t)(47 - (j - 1));
					put16(e + 22 + 2 * j, 0xffff);
				}
				continue;
			}
			if (2 + 3 * (nw + 1) > n)
				continue;
			e[17 + j] = (uint8_t)(w[0] % 64 < 48 || (arg & 8) ? w[0] % 64 : w[0] % 48);
			put16(e + 22 + 2 * j, (uint16_t)(w[1] << 8 | w[2]));
			nw++;
		}
		if (!root)
			e[32] = (uint8_t)(0x80u | (47 - i));
	}
	memset(p, 0, sizeof(p));
	put16(p + RCP_NUM_SUB, (uint16_t)nrec);
	if (cmd_checked(AQC_ADD_RECIPE, p, b, (uint16_t)(nrec * E810_AQ_RECIPE_SIZE), true))
		return;
	for (unsigned pr = 0; pr < 8; pr++) {
		if (n < 2 || !(d[1] >> pr & 1))
			continue;
		memset(p, 0, sizeof(p));
		put16(p + R2P_PROFILE, (uint16_t)pr);
		put32(p + R2P_ASSOC, (uint32_t)(e810_aq_state(aq)->prof_recipes[pr] | chain));
		put32(p + R2P_ASSOC + 4, (uint32_t)((e810_aq_state(aq)->prof_recipes[pr] | chain) >> 32));
		(void)cmd_checked(AQC_RECIPE_TO_PROFILE, p, NULL, 0, false);
	}
}

/* An IP frame the parser takes as malformed or a fragment (flows cannot tell: see the top). */
static bool ip_odd(const uint8_t *f, uint32_t len)
{
	struct e810_frame_hdrs h;
	unsigned et;

	if (len < 14)
		return false;
	e810_frame_parse(f, len, &h);
	et = (unsigned)(f[h.l3 - 2] << 8 | f[h.l3 - 1]);
	if (et != 0x0800 && et != 0x86dd)
		return false;
	if (!h.l3_len || h.ptype == E810_PTYPE_IPV4_FRAG || h.ptype == E810_PTYPE_IPV6_FRAG)
		return true;
	return (f[h.l3 + (h.v6 ? 6 : 9)] == 6 || f[h.l3 + (h.v6 ? 6 : 9)] == 17) && !h.l4_len;
}

static void add_pf_vsi(void)
{
	uint8_t p[16] = { 0 }, v[128] = { 0 };

	put16(v + VP_VALID_SECTIONS, 0x0001 | 0x0040);
	put16(v + VP_Q_MAPPING + 2, (uint16_t)nq);
	put16(p + VC_VSI_FLAGS, 2);
	(void)cmd(AQC_ADD_VSI, p, v, sizeof(v), true);
}

static void check_state(void)
{
	const struct e810_aq_state *st = e810_aq_state(aq);
	unsigned used = 0;

	for (unsigned i = 0; i < E810_AQ_MAX_RULES; i++) {
		if (!st->rule[i].in_use)
			continue;
		used++;
		CHECK(st->rule[i].index != 0);
		for (unsigned j = i + 1; j < E810_AQ_MAX_RULES; j++)
			CHECK(!st->rule[j].in_use || st->rule[j].index != st->rule[i].index);
	}
	CHECK(used == st->nrules);
}

/* The flows' decision for a frame: the lowest order of the matching ones; -3: none. */
static int flows_decide(unsigned n, const uint8_t *f, uint32_t len, int vid)
{
	int got = -3, best = 1 << 30;

	for (unsigned i = 0; i < n; i++) {
		if (!net_flow_matches(&flows[i], f, len, vid) || flows[i].priority >= best)
			continue;
		best = flows[i].priority;
		got = flows[i].action == NET_FLOW_DROP   ? E810_SWR_Q_DROP
		      : flows[i].action == NET_FLOW_PASS ? E810_SWR_Q_NEXT
							 : flows[i].queue;
	}
	return got;
}

static void eval_frames(const uint8_t *d, size_t n)
{
	const struct e810_aq_state *st = e810_aq_state(aq);
	unsigned nf, live = 0;
	bool weak;

	e810_swr_compile_sw(&tab, st, e810_aq_flex(aq), nq);
	nf = e810_swr_flows_tab(&tab, st, nq, vm_mac, flows, FLOWS_MAX);
	/* Advanced rules that can match but are not listed: the flows only must not drop more. */
	for (unsigned j = 0; j < tab.nadv_on; j++) {
		bool any = false;

		for (unsigned p = 0; p < E810_SWR_NPT; p++)
			any |= tab.pt_adv[p] >> j & 1;
		live += any;
	}
	weak = live > e810_swr_adv_flows(&tab, vm_mac, NULL, 0);
	CHECK(nf <= st->nrules);
	for (unsigned i = 0; i < nf && i < FLOWS_MAX; i++) {
		CHECK(!memcmp(flows[i].m.dst_mac, vm_mac, 6));
		if (flows[i].action == NET_FLOW_QUEUE)
			CHECK(flows[i].nqueues >= 1 && flows[i].queue + flows[i].nqueues <= nq);
		for (unsigned j = i + 1; j < nf && j < FLOWS_MAX; j++)
			CHECK(flows[i].priority != flows[j].priority);
	}
	while (n >= 2) {
		uint8_t fl = d[0], f[80];
		uint32_t len = d[1] % sizeof(f);
		int vid = (fl & 1) ? (int)((fl >> 1) % 16) : -1;
		enum e810_swr_why why;
		int q;

		d += 2;
		n -= 2;
		if (len > n)
			len = (uint32_t)n;
		memset(f, 0, sizeof(f));
		memcpy(f, d, len);
		d += len;
		n -= len;
		if (fl & 0x80)
			memcpy(f, vm_mac, 6); /* to the VM: the flows must agree */
		q = e810_swr_eval(&tab, f, len, vid, NULL, NULL, &why);
		CHECK(q == E810_SWR_Q_NEXT || q == E810_SWR_Q_DROP || (q >= 0 && (unsigned)q < nq));
		if (len >= 14 && !memcmp(f, vm_mac, 6) && why != E810_SWR_PRUNED && nf <= FLOWS_MAX &&
		    !(tab.nadv_on && ip_odd(f, len))) {
			int want = why == E810_SWR_NO_RULE || why == E810_SWR_PASS ? -3 : q;

			if (why == E810_SWR_PASS)
				CHECK(nf == 0);
			if (weak)
				CHECK(flows_decide(nf, f, len, vid) != E810_SWR_Q_DROP ||
				      q == E810_SWR_Q_DROP);
			else
				CHECK(flows_decide(nf, f, len, vid) == want);
		}
	}
}

/* op 8: [u8 type/recipe][u8 action][u8 da][u8 vid][u16 etype] -> one rule. */
static void one_rule(uint8_t arg, const uint8_t *d, size_t n)
{
	static const uint8_t recipes[] = { 0, 1, 2, 3, 4, 5, 8, 9, 10, 11 };
	static const uint8_t das[4][6] = { { 2, 0, 0, 0, 0, 1 }, { 2, 0, 0, 0, 0, 2 },
					   { 3, 0, 0, 0, 0, 0 },
					   { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };
	uint8_t b[6] = { 0 }, p[16] = { 0 }, e[SRL_HDR + 64] = { 0 };
	uint32_t act;
	unsigned rcp, hl = 16;

	memcpy(b, d, n < 6 ? n : 6);
	switch (b[1] % 6) {
	case 0: act = ACT_VALID | (uint32_t)(b[1] >> 3) << ACT_VSI_ID_S; break; /* a VSI */
	case 1: act = ACT_VALID | ACT_VSI_LIST | (uint32_t)(b[1] >> 3) << ACT_VSI_ID_S; break;
	case 2: act = ACT_TO_Q | (uint32_t)(b[1] >> 3) % 16 << ACT_Q_INDEX_S |
		      (uint32_t)(b[1] >> 6) << ACT_Q_REGION_S; break;
	case 3: act = ACT_VALID | ACT_DROP; break;
	case 4: act = ACT_PRUNE | (uint32_t)(b[1] >> 3) << ACT_VSI_ID_S; break;
	default: act = ACT_VALID | 1u << ACT_VSI_ID_S; break; /* the first VSI added */
	}
	put16(p + SR_NUM_RULES, 1);
	put16(e + SRE_TYPE, arg & 1 ? SW_RULE_LKUP_TX : SW_RULE_LKUP_RX);
	rcp = recipes[b[0] % sizeof(recipes)];
	if (rcp >= 10 && (b[0] & 0x80))
		rcp = 10 + b[0] % 54; /* any added recipe's ID */
	put16(e + SRL_RECIPE, (uint16_t)rcp);
	put32(e + SRL_ACT, act);
	memcpy(e + SRL_HDR, das[b[2] % 4], 6);
	e[SRL_HDR + 12] = b[4] ? b[4] : 0x81;
	e[SRL_HDR + 13] = b[5];
	e[SRL_HDR + 15] = b[3] % 16;
	if (rcp >= 10) { /* a dummy IPv4 packet: UDP, TCP or none, the rest of the bytes in it */
		uint8_t *h = e + SRL_HDR, proto = b[4] % 3 == 0 ? 17 : b[4] % 3 == 1 ? 6 : 1;

		h[12] = 0x08;
		h[13] = 0;
		memset(h + 14, 0, 50);
		h[14] = 0x45;
		h[23] = proto;
		if (n > 6)
			memcpy(h + 26, d + 6, n - 6 < 36 ? n - 6 : 36);
		if (proto == 6)
			h[46] = 0x50;
		hl = proto == 6 ? 56 : 44;
	}
	put16(e + SRL_HDR_LEN, (uint16_t)hl);
	(void)cmd_checked(AQC_ADD_SW_RULES, p, e, (uint16_t)(SRL_HDR + hl), true);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_setup_logging();
	mem = calloc(1, MEM_SIZE);
	return mem ? 0 : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct e810_aq_config cfg;
	unsigned nops = 0;

	if (size < 1)
		return 0;
	if (!mem && LLVMFuzzerInitialize(NULL, NULL))
		return 0;
	nq = 1u + data[0] % 16u;
	/* One engine per queue count, kept (creating one builds its NVM image: most of the time). */
	if (!engines[nq - 1]) {
		e810_aq_config_default(&cfg);
		memcpy(cfg.mac, vm_mac, 6);
		cfg.num_queues = (uint16_t)nq;
		cfg.atq_budget = RING;
		engines[nq - 1] = e810_aq_create(&cfg, &ops, NULL);
		CHECK(engines[nq - 1]);
	}
	aq = engines[nq - 1];
	e810_aq_core_reset(aq); /* as created: no package, no VSIs, rules or recipes */
	ring_up();
	if (data[0] & 0x10) {
		load_pkg();
		sw_tables();
	}
	if (data[0] & 0x20)
		add_pf_vsi();
	data++;
	size--;
	while (size >= 4 && nops++ < OPS_MAX) {
		uint8_t op = data[0], arg = data[1], p[16] = { 0 };
		size_t len = get16(data + 2);
		const uint8_t *d = data + 4;
		static uint8_t b[E810_AQ_MAX_BUF];

		size -= 4;
		if (len > size)
			len = size;
		data = d + len;
		size -= len;
		memset(b, 0, sizeof(b));
		switch (op % 10) {
		case 0: case 1: case 2: {
			static const uint16_t opc[3] = { AQC_ADD_SW_RULES, AQC_UPDATE_SW_RULES,
							 AQC_REMOVE_SW_RULES };
			size_t bl = len > E810_AQ_MAX_BUF ? E810_AQ_MAX_BUF : len;

			put16(p + SR_NUM_RULES, arg);
			memcpy(b, d, bl);
			(void)cmd_checked(opc[op % 10], p, b, (uint16_t)bl, true);
			break;
		}
		case 3: {
			size_t bl = len > 64 ? 64 : len;

			put16(p + AR_NUM_ENTRIES, 1);
			memcpy(b, d, bl);
			(void)cmd_checked(arg & 1 ? AQC_FREE_RES : AQC_ALLOC_RES, p, b,
					  (uint16_t)(bl < 6 ? 6 : bl), true);
			break;
		}
		case 4: {
			static const uint16_t opc[4] = { AQC_ADD_RECIPE, AQC_RECIPE_TO_PROFILE,
							 AQC_GET_RECIPE, AQC_GET_RECIPE_TO_PROFILE };
			size_t pl = len < 16 ? len : 16, bl = len - pl;
			unsigned k = arg % 4;

			if (arg % 8 >= 4) {
				one_recipe(arg, d, len);
				break;
			}
			memcpy(p, d, pl);
			if (bl > E810_AQ_MAX_BUF)
				bl = E810_AQ_MAX_BUF;
			memcpy(b, d + pl, bl);
			if (k == 2)
				bl = 64u * (1u + arg / 4u % 64u);
			(void)cmd_checked(opc[k], p, b, (uint16_t)(k == 1 || k == 3 ? 0 : bl), k == 0);
			break;
		}
		case 5: {
			static const uint16_t opc[3] = { AQC_ADD_VSI, AQC_UPDATE_VSI, AQC_FREE_VSI };
			unsigned k = arg % 3;

			memcpy(b, d, len < 128 ? len : 128);
			put16(p + VC_VSI_NUM, (uint16_t)(arg >> 2 | (arg & 0x80 ? VSI_IS_VALID : 0)));
			put16(p + VC_VSI_FLAGS, (uint16_t)(arg >> 4 & 3));
			(void)cmd_checked(opc[k], p, b, k == 2 ? 0 : 128, true);
			break;
		}
		case 6:
			eval_frames(d, len);
			break;
		case 7:
			if (arg & 1) {
				e810_aq_reset(aq);
				ring_up();
			} else {
				(void)cmd_checked(AQC_CLEAR_PF_CFG, p, NULL, 0, false);
			}
			break;
		case 8:
			one_rule(arg, d, len);
			break;
		default: {
			size_t n = len / 2 > 16 ? 16 : len / 2;

			put16(p + SR_NUM_RULES, 1);
			put16(b + SRE_TYPE, (uint16_t)(SW_RULE_VSI_LIST_SET + arg % 4));
			put16(b + SRV_INDEX, (uint16_t)(arg / 4 % 8));
			put16(b + SRV_NUMBER, (uint16_t)n);
			memcpy(b + SRV_VSI, d, 2 * n);
			(void)cmd_checked(AQC_ADD_SW_RULES, p, b, (uint16_t)(SRV_VSI + 2 * n), true);
			break;
		}
		}
		check_state();
	}
	eval_frames((const uint8_t[]){ 0x80, 60, 0x80, 64 }, 4);
	if (getenv("FUZZ_E810_RULES_VERBOSE"))
		fprintf(stderr, "fuzz_e810_rules: %u ops, %u rules, %u recipes refused, %u flows\n", nops,
			e810_aq_state(aq)->nrules, (unsigned)e810_aq_stats(aq)->recipes_refused,
			e810_swr_flows_tab(&tab, e810_aq_state(aq), nq, vm_mac, flows, FLOWS_MAX));
	aq = NULL;
	return 0;
}
