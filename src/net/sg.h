/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Scatter lists: a frame as a short list of pieces (a packet, a tag, padding,
 * an FCS; a TSO frame gathered into several packets), read in order through a
 * cursor.
 */
#ifndef VMUX_NET_SG_H
#define VMUX_NET_SG_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct net_sg {
	const uint8_t *p;
	uint32_t len;
};

/* A position in a list: piece i, offset off in it. Start it zeroed. */
struct net_sg_cur {
	unsigned i;
	uint32_t off;
};

/*
 * Copies n bytes from the cursor on into dst (dst NULL: skips them) and moves
 * the cursor past them. Returns the bytes copied: fewer than n only at the
 * list's end.
 */
static inline uint32_t net_sg_copy(const struct net_sg *sg, unsigned nsg, struct net_sg_cur *c,
				   uint8_t *dst, uint32_t n)
{
	uint32_t done = 0;

	while (done < n && c->i < nsg) {
		uint32_t k = sg[c->i].len - c->off;

		if (k > n - done)
			k = n - done;
		if (dst) {
			memcpy(dst, sg[c->i].p + c->off, k);
			dst += k;
		}
		done += k;
		c->off += k;
		if (c->off == sg[c->i].len) {
			c->i++;
			c->off = 0;
		}
	}
	return done;
}

#endif
