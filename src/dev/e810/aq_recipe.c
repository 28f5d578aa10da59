// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * E810 admin commands: switch recipes, as DPDK's ice PMD and ice's
 * tc-flower path program them for advanced switch rules (ice_add_adv_rule:
 * alloc_res of a recipe ID, add_recipe, recipe_to_profile; ice_find_recp
 * reads them back with get_recipe and get_recipe_to_profile).
 *
 * Taken only with a DDP package loaded (the lookups they name are the
 * package's); without one, EMODE as before. Recipes are kept as given
 * (E810_AQ_MAX_RECIPES elements of E810_AQ_RECIPE_SIZE bytes), each on an ID
 * alloc_res handed out (10..63: 0..9 are the firmware's own lookups), and
 * read back whole; the profile map is a bitmap per profile. A rule may name
 * an added root recipe (aq_sw.c): the receive path matches it with the
 * recipe chain's lookups and this profile map (swr_adv.c).
 */
#include <string.h>

#include "dev/e810/aq_priv.h"

static bool pkg_mode(const struct e810_aq *aq)
{
	return aq->pkg.cur.info.loaded;
}

/* add_recipe: every element checked before any is kept. */
static uint16_t h_add_recipe(struct e810_aq *aq, struct e810_aq_ctx *c)
{
	unsigned n = le16_at(prm(c) + RCP_NUM_SUB);
	uint64_t seen = 0;

	if (!pkg_mode(aq))
		return AQ_RC_EMODE;
	if (n < 1 || n > E810_AQ_MAX_RECIPES || n * E810_AQ_RECIPE_SIZE > c->buf_len)
		goto bad;
	for (unsigned i = 0; i < n; i++) {
		const uint8_t *e = c->buf + i * E810_AQ_RECIPE_SIZE;
		unsigned rid = e[RCP_RID];

		if (rid < E810_AQ_DFLT_RECIPES || rid >= E810_AQ_MAX_RECIPES ||
		    (seen >> rid & 1) || !e810_aq_res_used(aq, RES_TYPE_RECIPE, rid) ||
		    (e[RCP_CONTENT_RID] & RCP_ID_M) != rid)
			goto bad;
		seen |= 1ull << rid;
	}
	for (unsigned i = 0; i < n; i++) {
		const uint8_t *e = c->buf + i * E810_AQ_RECIPE_SIZE;
		struct e810_aq_recipe *r = &aq->st.recipe[e[RCP_RID]];

		r->in_use = true;
		memcpy(r->elem, e, E810_AQ_RECIPE_SIZE);
		r->elem[RCP_RESP_BITS] = 0;
	}
	return AQ_RC_OK;
bad:
	aq->stats.recipes_refused++;
	return AQ_RC_EINVAL;
}

/*
 * get_recipe: the recipe asked for and the others of its chain (its
 * recipe bitmap), in ID order; num_sub_recipes says how many came.
 */
static uint16_t h_get_recipe(struct e810_aq *aq, struct e810_aq_ctx *c)
{
	unsigned rid = le16_at(prm(c) + RCP_RETURN_INDEX), n = 0;
	uint64_t chain;

	if (!pkg_mode(aq))
		return AQ_RC_EMODE;
	if (rid >= E810_AQ_MAX_RECIPES || !aq->st.recipe[rid].in_use) {
		aq->stats.recipes_refused++;
		return AQ_RC_ENOENT;
	}
	chain = le64_at(aq->st.recipe[rid].elem + RCP_BITMAP) | 1ull << rid;
	for (unsigned r = 0; r < E810_AQ_MAX_RECIPES; r++)
		n += (chain >> r & 1) && aq->st.recipe[r].in_use;
	if (n * E810_AQ_RECIPE_SIZE > c->buf_len) {
		aq->stats.recipes_refused++;
		return AQ_RC_ENOMEM;
	}
	n = 0;
	for (unsigned r = 0; r < E810_AQ_MAX_RECIPES; r++)
		if ((chain >> r & 1) && aq->st.recipe[r].in_use)
			memcpy(c->buf + E810_AQ_RECIPE_SIZE * n++, aq->st.recipe[r].elem,
			       E810_AQ_RECIPE_SIZE);
	put_le16(prm(c) + RCP_NUM_SUB, (uint16_t)n);
	aq_reply(c, (uint16_t)(n * E810_AQ_RECIPE_SIZE));
	return AQ_RC_OK;
}

/* recipe_to_profile: the recipes must exist (the firmware's own or added). */
static uint16_t h_recipe_to_profile(struct e810_aq *aq, struct e810_aq_ctx *c)
{
	unsigned prof = le16_at(prm(c) + R2P_PROFILE);
	uint64_t assoc = le64_at(prm(c) + R2P_ASSOC);

	if (!pkg_mode(aq))
		return AQ_RC_EMODE;
	for (unsigned r = E810_AQ_DFLT_RECIPES; r < E810_AQ_MAX_RECIPES; r++)
		if ((assoc >> r & 1) && !aq->st.recipe[r].in_use)
			goto bad;
	if (prof >= E810_AQ_MAX_PROFILES)
		goto bad;
	aq->st.prof_recipes[prof] = assoc;
	return AQ_RC_OK;
bad:
	aq->stats.recipes_refused++;
	return AQ_RC_EINVAL;
}

static uint16_t h_get_recipe_to_profile(struct e810_aq *aq, struct e810_aq_ctx *c)
{
	unsigned prof = le16_at(prm(c) + R2P_PROFILE);

	if (!pkg_mode(aq))
		return AQ_RC_EMODE;
	if (prof >= E810_AQ_MAX_PROFILES) {
		aq->stats.recipes_refused++;
		return AQ_RC_EINVAL;
	}
	put_le64(prm(c) + R2P_ASSOC, aq->st.prof_recipes[prof]);
	return AQ_RC_OK;
}

const struct e810_aq_cmd e810_aq_cmds_recipe[] = {
	{ AQC_ADD_RECIPE, AQF_BUF | AQF_IN, E810_AQ_RECIPE_SIZE, 0, h_add_recipe, "add_recipe" },
	{ AQC_RECIPE_TO_PROFILE, 0, 0, 0, h_recipe_to_profile, "recipe_to_profile" },
	{ AQC_GET_RECIPE, AQF_BUF, E810_AQ_RECIPE_SIZE, 0, h_get_recipe, "get_recipe" },
	{ AQC_GET_RECIPE_TO_PROFILE, 0, 0, 0, h_get_recipe_to_profile, "get_recipe_to_profile" },
	{ 0, 0, 0, 0, NULL, NULL },
};
