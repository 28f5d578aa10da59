/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Internet checksums (RFC 1071) for the offloads any device model or backend
 * does in software: sums, insertion of a sum into a frame.
 */
#ifndef VMUX_NET_CSUM_H
#define VMUX_NET_CSUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One's complement addition of a (possibly wide) value to a 16-bit sum. */
static inline uint16_t net_csum_add(uint16_t sum, uint32_t v)
{
	uint64_t s = (uint64_t)sum + v;

	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* 16-bit one's complement sum of p (big-endian words) added to init; not inverted. */
uint16_t net_csum(const void *p, size_t len, uint16_t init);

/*
 * Sums frame[css..cse] (cse 0: to the end; a cse past the end is cut there)
 * and stores the complement, big-endian, at cso. The field's old content is
 * part of the sum: that is how software hands in the pseudo-header sum. With
 * udp a computed zero goes out as 0xffff (0 means "no checksum"). Returns
 * false, and leaves the frame alone, when the range or the field lies outside
 * the frame's len bytes.
 */
bool net_csum_insert(uint8_t *frame, uint32_t len, uint32_t css, uint32_t cso, uint32_t cse,
		     bool udp);

#endif
