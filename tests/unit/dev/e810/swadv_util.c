// SPDX-License-Identifier: GPL-2.0-or-later
/* Helpers of the advanced switch rule tests (swadv_util.h). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dev/e810/aq_defs.h"
#include "dev/e810/flex.h"
#include "swadv_util.h"

static uint8_t prm[16];

const char *swa_pkg_path(void)
{
	static const char *const paths[] = {
		"/var/cache/vmux-e2e/ddp/usr/lib/firmware/intel/ice/ddp/ice.pkg",
		"/lib/firmware/intel/ice/ddp/ice.pkg",
		"/usr/lib/firmware/intel/ice/ddp/ice.pkg",
	};
	const char *env = getenv("VMUX_ICE_PKG");
	FILE *f;

	if (env && *env)
		return env;
	for (unsigned i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		if ((f = fopen(paths[i], "rb"))) {
			fclose(f);
			return paths[i];
		}
	return NULL;
}

static uint8_t *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *b = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (b = malloc((size_t)n)) && fread(b, 1, (size_t)n, f) != (size_t)n) {
		free(b);
		b = NULL;
	}
	fclose(f);
	*len = b ? (size_t)n : 0;
	return b;
}

/* The ice segment's buffers (ice_pkg_hdr -> segment type 0x10 -> device, NVM and buffer tables). */
static const uint8_t *ice_bufs(const uint8_t *p, size_t len, unsigned *count)
{
	unsigned segs;

	if (len < 8)
		return NULL;
	segs = g32(p + 4);
	for (unsigned s = 0; s < segs && 8 + 4 * (s + 1) <= len; s++) {
		size_t o = g32(p + 8 + 4 * s), q;

		if (o + 48 > len || g32(p + o) != 0x10)
			continue;
		q = o + 44;
		q += 4 + 4 * (size_t)g32(p + q);  /* device table */
		if (q + 4 > len)
			return NULL;
		q += 4 + 4 * (size_t)g32(p + q);  /* NVM table */
		if (q + 4 > len)
			return NULL;
		*count = g32(p + q);
		if (q + 4 + (size_t)*count * PKG_BUF_SIZE > len)
			return NULL;
		return p + q + 4;
	}
	return NULL;
}

static void lock(struct drv *d, uint16_t op)
{
	memset(prm, 0, sizeof(prm));
	p16(prm + RR_RES_ID, RES_ID_GLBL_LOCK);
	p16(prm + RR_ACCESS, RES_ACCESS_WRITE);
	assert_int_equal(drv_cmd(d, op, prm, NULL, 0, false, NULL), 0);
}

bool swa_pkg_load(struct drv *d)
{
	const char *path = swa_pkg_path();
	static uint8_t b[PKG_BUF_SIZE];
	const uint8_t *bufs;
	unsigned n = 0, last = 0;
	uint8_t *file;
	size_t len;

	if (!path || !(file = read_all(path, &len)))
		return false;
	bufs = ice_bufs(file, len, &n);
	assert_non_null(bufs);
	for (unsigned i = 0; i < n; i++)
		if (!(g32(bufs + (size_t)i * PKG_BUF_SIZE + PKG_BUF_ENTRIES) & PKG_SECT_METADATA_BUF))
			last = i;
	lock(d, AQC_REQ_RES);
	for (unsigned i = 0; i <= last; i++) {
		memcpy(b, bufs + (size_t)i * PKG_BUF_SIZE, PKG_BUF_SIZE);
		if (g32(b + PKG_BUF_ENTRIES) & PKG_SECT_METADATA_BUF)
			continue;
		memset(prm, 0, sizeof(prm));
		prm[DLP_FLAGS] = i == last ? DLP_LAST_BUF : 0;
		assert_int_equal(drv_cmd(d, AQC_DOWNLOAD_PKG, prm, b, sizeof(b), true, NULL), 0);
	}
	memset(prm, 0, sizeof(prm));
	p16(prm + RR_RES_ID, RES_ID_GLBL_LOCK);
	assert_int_equal(drv_cmd(d, AQC_RELEASE_RES, prm, NULL, 0, false, NULL), 0);
	free(file);
	assert_true(e810_aq_pkg(d->aq)->loaded);
	return true;
}

int swa_prof(struct drv *d, unsigned ptype)
{
	return e810_flex_sw_prof(e810_aq_flex(d->aq), ptype, 0);
}

/* The word index of (prot, off) in profile p, -1: not there. */
static int fv_index(const struct e810_flex *fx, unsigned p, const struct swa_word *w)
{
	for (unsigned j = 0; j < E810_FLEX_SW_FVW; j++)
		if (fx->sw.es[p][j].prot == w->prot && fx->sw.es[p][j].off == w->off)
			return (int)j;
	return -1;
}

static bool has_all(const struct e810_flex *fx, unsigned p, const struct swa_word *w, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (fv_index(fx, p, &w[i]) < 0)
			return false;
	return true;
}

static uint16_t alloc_rid(struct drv *d)
{
	uint8_t b[6] = { 0 };

	memset(prm, 0, sizeof(prm));
	p16(prm + AR_NUM_ENTRIES, 1);
	p16(b + ARB_RES_TYPE, RES_TYPE_RECIPE);
	p16(b + ARB_NUM_ELEMS, 1);
	assert_int_equal(drv_cmd(d, AQC_ALLOC_RES, prm, b, sizeof(b), true, NULL), 0);
	return g16(b + ARB_ELEMS);
}

/* content: rid at 16, lkup_indx[5] at 17, mask[5] at 22, result_indx at 32 */
static void elem(uint8_t *e, unsigned rid, bool root, uint64_t chain)
{
	memset(e, 0, E810_AQ_RECIPE_SIZE);
	e[0] = (uint8_t)rid;
	p64(e + 4, chain);
	e[16] = (uint8_t)(rid | (root ? 0x80u : 0));
	e[17] = 0;              /* lkup_indx[0]: the switch ID word */
	p16(e + 22, 0x00ff);
	for (unsigned j = 1; j < 5; j++)
		e[17 + j] = 0x80;   /* ignored */
}

int swa_recipe(struct drv *d, const struct swa_word *w, unsigned n, int only_prof, uint8_t *idx)
{
	const struct e810_flex *fx = e810_aq_flex(d->aq);
	uint8_t ix[20], b[6 * E810_AQ_RECIPE_SIZE];
	unsigned groups = (n + 3) / 4, rid[6], nrec, first = E810_FLEX_SW_PROFS;
	uint64_t chain = 0;

	assert_true(n >= 1 && n <= 16);
	for (unsigned p = 0; p < E810_FLEX_SW_PROFS && first == E810_FLEX_SW_PROFS; p++)
		if (has_all(fx, p, w, n))
			first = p;
	if (first == E810_FLEX_SW_PROFS)
		return -1;
	for (unsigned i = 0; i < n; i++)
		ix[i] = (uint8_t)fv_index(fx, first, &w[i]);
	if (idx)
		memcpy(idx, ix, n);
	nrec = groups > 1 ? groups + 1 : 1;
	for (unsigned r = 0; r < nrec; r++) {
		rid[r] = alloc_rid(d);
		chain |= 1ull << rid[r];
	}
	for (unsigned g = 0; g < groups; g++) {
		uint8_t *e = b + g * E810_AQ_RECIPE_SIZE;

		elem(e, rid[g], groups == 1, chain);
		for (unsigned k = 0; k < 4 && 4 * g + k < n; k++) {
			e[18 + k] = ix[4 * g + k];
			p16(e + 24 + 2 * k, w[4 * g + k].mask);
		}
		if (groups > 1)
			e[32] = (uint8_t)(0x80u | (47u - g)); /* result index, from the top down */
	}
	if (groups > 1) { /* the root: the groups' results */
		uint8_t *e = b + groups * E810_AQ_RECIPE_SIZE;

		elem(e, rid[groups], true, chain);
		for (unsigned g = 0; g < groups && g < 4; g++) {
			e[18 + g] = (uint8_t)(47u - g);
			p16(e + 24 + 2 * g, 0xffff);
		}
	}
	memset(prm, 0, sizeof(prm));
	p16(prm + RCP_NUM_SUB, (uint16_t)nrec);
	if (drv_cmd(d, AQC_ADD_RECIPE, prm, b, (uint16_t)(nrec * E810_AQ_RECIPE_SIZE), true, NULL))
		return -1;
	for (unsigned p = 0; p < E810_FLEX_SW_PROFS; p++) {
		if (only_prof >= 0 ? (int)p != only_prof : !has_all(fx, p, w, n))
			continue;
		memset(prm, 0, sizeof(prm));
		p16(prm + R2P_PROFILE, (uint16_t)p);
		p64(prm + R2P_ASSOC, e810_aq_state(d->aq)->prof_recipes[p] | chain);
		assert_int_equal(drv_cmd(d, AQC_RECIPE_TO_PROFILE, prm, NULL, 0, false, NULL), 0);
	}
	return (int)rid[nrec - 1];
}

static void put16(uint8_t *p, uint16_t v, uint16_t m)
{
	uint16_t old = (uint16_t)(p[0] << 8 | p[1]), nv = (uint16_t)((old & ~m) | (v & m));

	p[0] = (uint8_t)(nv >> 8);
	p[1] = (uint8_t)nv;
}

unsigned swa_dummy4(uint8_t *pkt, uint8_t proto, const struct swa_word *w, unsigned n)
{
	unsigned l4 = proto == 6 ? 20u : proto == 17 ? 8u : 0u, len = 14 + 20 + l4 + 2;

	memset(pkt, 0, len);
	pkt[12] = 0x08;                  /* ethertype IPv4 */
	pkt[14] = 0x45;
	put16(pkt + 16, (uint16_t)(20 + l4), 0xffff);
	pkt[23] = proto;
	if (proto == 17)
		pkt[14 + 20 + 5] = 8;    /* UDP length */
	if (proto == 6)
		pkt[14 + 20 + 12] = 0x50; /* TCP data offset */
	for (unsigned i = 0; i < n; i++) {
		unsigned at;

		switch (w[i].prot) {
		case E810_FLEX_PROT_MAC: at = 0; break;
		case E810_FLEX_PROT_ETYPE: at = 12; break;
		case E810_FLEX_PROT_IPV4: at = 14; break;
		case E810_FLEX_PROT_UDP: case E810_FLEX_PROT_TCP: at = 34; break;
		default: continue;
		}
		put16(pkt + at + w[i].off, w[i].val, w[i].mask);
	}
	return len;
}

uint16_t swa_rule(struct drv *d, unsigned rid, uint32_t act, const uint8_t *hdr, unsigned len,
		  uint16_t *index)
{
	uint8_t e[SRL_HDR + 512] = { 0 };
	uint16_t rv;

	assert_true(len <= 512);
	memset(prm, 0, sizeof(prm));
	p16(prm + SR_NUM_RULES, 1);
	p16(e + SRE_TYPE, SW_RULE_LKUP_RX);
	p16(e + SRL_RECIPE, (uint16_t)rid);
	p16(e + SRL_SRC, 0);              /* the port (lport 0) */
	p32(e + SRL_ACT, act);
	p16(e + SRL_HDR_LEN, (uint16_t)len);
	memcpy(e + SRL_HDR, hdr, len);
	rv = drv_cmd(d, AQC_ADD_SW_RULES, prm, e, (uint16_t)(SRL_HDR + len), true, NULL);
	if (!rv && index)
		*index = g16(e + SRL_INDEX);
	return rv;
}
