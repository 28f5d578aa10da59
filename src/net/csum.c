/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Internet checksums: see csum.h. */
#include "net/csum.h"

#include <string.h>

/*
 * One's complement sum of a byte string read as host-order 64-bit words with
 * end-around carry; folded to 16 bits it equals the 16-bit sum of the same
 * bytes read in host order (RFC 1071), which a byte swap turns into the sum
 * of big-endian words on a little-endian host.
 */
static uint64_t sum_words(const uint8_t *p, size_t len)
{
	uint64_t s = 0, v;

	while (len >= 8) {
		memcpy(&v, p, 8);
		s += v;
		s += (s < v);
		p += 8;
		len -= 8;
	}
	if (len) {
		v = 0;
		memcpy(&v, p, len);
		s += v;
		s += (s < v);
	}
	return s;
}

static uint16_t fold64(uint64_t s)
{
	s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

uint16_t net_csum(const void *p, size_t len, uint16_t init)
{
	uint16_t s = fold64(sum_words(p, len));

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	s = (uint16_t)(s >> 8 | s << 8);
#endif
	return net_csum_add(s, init);
}

bool net_csum_insert(uint8_t *frame, uint32_t len, uint32_t css, uint32_t cso, uint32_t cse,
		     bool udp)
{
	uint32_t end = cse ? cse + 1 : len;
	uint16_t s;

	if (end > len)
		end = len;
	if (css >= end || cso + 2 > len)
		return false;
	s = (uint16_t)~net_csum(frame + css, end - css, 0);
	if (udp && s == 0)
		s = 0xffff;
	frame[cso] = (uint8_t)(s >> 8);
	frame[cso + 1] = (uint8_t)s;
	return true;
}
