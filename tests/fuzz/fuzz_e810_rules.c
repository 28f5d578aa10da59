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
 * destination, ethertype, VLAN: the fuzzer gets deep quickly); 9 a VSI list
 * or prune list set from the bytes.
 *
 * Checks beyond ASan/UBSan: a refused command changes nothing of the
 * engine's switch state (VSIs, rules, lists, recipes, the profile map); the rule count matches the slots in use, with unique
 * non-zero indexes; every evaluation is a queue of the PF, NEXT or DROP;
 * every flow carries the VM's MAC, a queue range inside the PF, and for a
 * frame to the VM's MAC the flows decide as the receive path does (unless
 * VLAN pruning decides first).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dev/e810/aq.h"
#include "dev/e810/aq_defs.h"
#include "dev/e810/e810_regs.h"
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
	unsigned nf = e810_swr_flows(st, nq, vm_mac, flows, FLOWS_MAX);

	e810_swr_compile(&tab, st, nq);
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
		if (len >= 14 && !memcmp(f, vm_mac, 6) && why != E810_SWR_PRUNED && nf <= FLOWS_MAX) {
			int want = why == E810_SWR_NO_RULE || why == E810_SWR_PASS ? -3 : q;

			if (why == E810_SWR_PASS)
				CHECK(nf == 0);
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
	uint8_t b[6] = { 0 }, p[16] = { 0 }, e[32] = { 0 };
	uint32_t act;

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
	put16(e + SRL_RECIPE, recipes[b[0] % sizeof(recipes)]);
	put32(e + SRL_ACT, act);
	put16(e + SRL_HDR_LEN, 16);
	memcpy(e + SRL_HDR, das[b[2] % 4], 6);
	e[SRL_HDR + 12] = b[4] ? b[4] : 0x81;
	e[SRL_HDR + 13] = b[5];
	e[SRL_HDR + 15] = b[3] % 16;
	(void)cmd_checked(AQC_ADD_SW_RULES, p, e, sizeof(e), true);
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
	if (data[0] & 0x10)
		load_pkg();
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
			e810_swr_flows(e810_aq_state(aq), nq, vm_mac, flows, FLOWS_MAX));
	aq = NULL;
	return 0;
}
