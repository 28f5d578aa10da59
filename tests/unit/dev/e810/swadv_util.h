/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Helpers of the advanced switch rule tests (test_e810_swadv,
 * test_e810_confine): Intel's real DDP package downloaded into the engine
 * as ice_init_pkg does (its ice segment's buffers, the metadata buffer
 * left out), and a recipe and rule built as ice's advanced rule path builds
 * them (ice_add_adv_rule: the lookups' field vector word indices found in
 * the package's switch field vectors as ice_fill_fv_word_index finds them,
 * a root recipe or a chain of up to four words each, recipe_to_profile for
 * the profiles whose field vectors hold every word, the dummy packet with
 * the lookups' values written in). Our own builder: the facts are ice's,
 * the code is not.
 */
#ifndef VMUX_TESTS_E810_SWADV_UTIL_H
#define VMUX_TESTS_E810_SWADV_UTIL_H

#include <stdbool.h>
#include <stdint.h>

#include "e810_drv.h"

/*
 * The package file: $VMUX_ICE_PKG, else the e2e kit's cache
 * (/var/cache/vmux-e2e/ddp/...), else /lib/firmware; NULL if none is there.
 */
const char *swa_pkg_path(void);
/* Downloads it into d's engine (the global config lock taken and released); false: no package. */
bool swa_pkg_load(struct drv *d);

/* A lookup word: protocol ID (flex.h E810_FLEX_PROT_*), offset, mask, value (host order). */
struct swa_word {
	uint8_t prot;
	uint16_t off;
	uint16_t mask, val;
};

/*
 * The recipe for the n words: the field vector word indices (of the first
 * profile holding all words, as ice takes them) into idx (may be NULL); the
 * recipes added (one root for up to 4 words, else a chain); mapped to every
 * profile holding all words, or with only_prof >= 0 to that one alone (DPDK's
 * profile-specific tunnel types). Returns the root recipe ID, -1 if refused.
 */
int swa_recipe(struct drv *d, const struct swa_word *w, unsigned n, int only_prof, uint8_t *idx);
/* The SW profile a frame of packet type ptype takes (the engine's tables). */
int swa_prof(struct drv *d, unsigned ptype);

/*
 * ice's dummy packet for IPv4 (proto 17 UDP, 6 TCP, 0 none) with the words'
 * values written in (only IPv4, UDP/TCP, ethertype and MAC words); its length.
 */
unsigned swa_dummy4(uint8_t *pkt, uint8_t proto, const struct swa_word *w, unsigned n);
/* An RX rule on recipe rid with action act and header hdr (len bytes): the AQ code, *index. */
uint16_t swa_rule(struct drv *d, unsigned rid, uint32_t act, const uint8_t *hdr, unsigned len,
		  uint16_t *index);

#endif
