// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The E810's RSS queue selection (dev/e810/rss.h): the PF VSI's key, table
 * and RX queue map turned into a queue per table entry.
 */
#include <string.h>

#include "core/log.h"
#include "dev/e810/aq_defs.h"
#include "dev/e810/rss.h"

#define COMP "e810"

void e810_rss_init(struct e810_rss *r)
{
	memset(r, 0, sizeof(*r));
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

unsigned e810_vsi_rx_queue(const struct e810_aq_vsi *v, unsigned rel, unsigned nq)
{
	const uint8_t *props = v->props;
	unsigned q;

	if (!(le16(props + VP_VALID_SECTIONS) & (1u << 6))) {
		q = rel; /* no map given: the PF's queues from 0 */
	} else if (le16(props + VP_MAPPING_FLAGS) & 1u) {
		if (rel >= 16)
			return E810_RSS_Q_BAD;
		q = le16(props + VP_Q_MAPPING + 2 * rel) & 0x7ffu;
	} else {
		unsigned first = le16(props + VP_Q_MAPPING) & 0x7ffu;
		unsigned count = le16(props + VP_Q_MAPPING + 2) & 0x7ffu;

		if (rel >= count)
			return E810_RSS_Q_BAD;
		q = first + rel;
	}
	return q < nq ? q : E810_RSS_Q_BAD;
}

bool e810_rss_config(struct e810_rss *r, const struct e810_aq_vsi *v, unsigned nq,
		     unsigned rx_on)
{
	unsigned len = v ? v->rss_lut_len : 0, bad = 0, q0;
	uint64_t targets = 0;
	bool on, changed = false;
	uint8_t qsel[E810_RSS_LUT_MAX];

	on = v && v->rss_key_set && rx_on > 1 && nq > 1 && nq <= 64 && len >= 1 &&
	     len <= E810_RSS_LUT_MAX && !(len & (len - 1));
	if (!on) {
		changed = r->on;
		r->on = false;
		if (changed)
			r->st.configs++;
		return changed;
	}
	q0 = e810_vsi_rx_queue(v, 0, nq);
	if (q0 == E810_RSS_Q_BAD)
		q0 = 0;
	targets = 1ull << q0;
	for (unsigned i = 0; i < len; i++) {
		unsigned q = e810_vsi_rx_queue(v, v->rss_lut[i], nq);

		qsel[i] = (uint8_t)q;
		if (q == E810_RSS_Q_BAD)
			bad++;
		else
			targets |= 1ull << q;
	}
	if (!r->key_ok || memcmp(r->key, v->rss_key, sizeof(r->key))) {
		memcpy(r->key, v->rss_key, sizeof(r->key));
		net_rss_tbl_init(&r->tbl, r->key, sizeof(r->key));
		r->key_ok = true;
		r->st.keys++;
		changed = true;
	}
	if (!r->on || r->q0 != q0 || r->lut_mask != len - 1 || r->targets != targets ||
	    memcmp(r->qsel, qsel, len))
		changed = true;
	if (!changed)
		return false;
	memcpy(r->qsel, qsel, len);
	r->q0 = (uint8_t)q0;
	r->lut_mask = (uint16_t)(len - 1);
	r->targets = targets;
	r->on = true;
	r->st.configs++;
	if (bad && bad != r->lut_bad_entries)
		LOG_RL(LOG_LVL_WARN, COMP, "RSS: %u of %u table entries name no queue of VSI %u: "
		       "their frames go to queue %u", bad, len, v->num, q0);
	r->lut_bad_entries = (uint16_t)bad;
	return true;
}
