// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Toeplitz hash and RSS input extraction (net/rss.h).
 */
#include <string.h>

#include "net/rss.h"

/* The 32 key bits starting at bit pos (bits past the key: zero). */
static uint32_t key_window(const uint8_t *key, unsigned keylen, unsigned pos)
{
	unsigned byte = pos / 8, sh = pos % 8;
	uint64_t w = 0;

	/* 40 bits from byte on cover any 32-bit window that starts in it. */
	for (unsigned i = 0; i < 5; i++)
		w = w << 8 | (byte + i < keylen ? key[byte + i] : 0u);
	return (uint32_t)(w >> (8 - sh));
}

uint32_t net_rss_toeplitz(const uint8_t *key, unsigned keylen, const uint8_t *in, unsigned len)
{
	uint32_t h = 0;

	if (keylen > NET_RSS_KEY_MAX)
		keylen = NET_RSS_KEY_MAX;
	for (unsigned i = 0; i < len; i++)
		for (unsigned b = 0; b < 8; b++)
			if (in[i] & (0x80u >> b))
				h ^= key_window(key, keylen, i * 8 + b);
	return h;
}

void net_rss_tbl_init(struct net_rss_tbl *t, const uint8_t *key, unsigned keylen)
{
	if (keylen > NET_RSS_KEY_MAX)
		keylen = NET_RSS_KEY_MAX;
	for (unsigned i = 0; i < NET_RSS_INPUT_MAX; i++) {
		uint32_t *row = t->row[i];

		row[0] = 0;
		/* Linear in the byte: each value is its lowest bit's window XOR the rest. */
		for (unsigned v = 1; v < 256; v++) {
			unsigned low = (unsigned)__builtin_ctz(v);

			row[v] = row[v & (v - 1)] ^ key_window(key, keylen, i * 8 + 7 - low);
		}
	}
}

#define ETH_HLEN 14u
#define ETH_P_IPV4 0x0800u
#define ETH_P_IPV6 0x86ddu
#define ETH_P_8021Q 0x8100u
#define ETH_P_8021AD 0x88a8u
#define IPPROTO_TCP_ 6u
#define IPPROTO_UDP_ 17u

static inline unsigned be16_at(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

/* The type for an L4 protocol, or the plain IP one, or none, as types allow. */
static enum net_rss_type pick(unsigned types, unsigned proto, bool ports, enum net_rss_type ip)
{
	enum net_rss_type l4 = NET_RSS_NONE;

	if (ports && proto == IPPROTO_TCP_)
		l4 = (enum net_rss_type)(ip + 1);
	else if (ports && proto == IPPROTO_UDP_)
		l4 = (enum net_rss_type)(ip + 2);
	if (l4 != NET_RSS_NONE && (types & NET_RSS_HASH(l4)))
		return l4;
	return types & NET_RSS_HASH(ip) ? ip : NET_RSS_NONE;
}

enum net_rss_type net_rss_input(const uint8_t *frame, uint32_t len, unsigned types,
				struct net_rss_input *in)
{
	uint32_t l3 = 12;
	unsigned et;
	enum net_rss_type t = NET_RSS_NONE;

	in->len = 0;
	if (len < ETH_HLEN)
		return NET_RSS_NONE;
	et = be16_at(frame + l3);
	for (unsigned tags = 0; tags < 2 && (et == ETH_P_8021Q || et == ETH_P_8021AD); tags++) {
		if (l3 + 6 > len)
			return NET_RSS_NONE;
		l3 += 4;
		et = be16_at(frame + l3);
	}
	l3 += 2;
	if (et == ETH_P_IPV4) {
		const uint8_t *ip = frame + l3;
		uint32_t avail = len - l3, ihl;
		bool frag;

		if (avail < 20 || (ip[0] >> 4) != 4 || (ihl = (ip[0] & 0xfu) * 4u) < 20 ||
		    ihl > avail)
			return NET_RSS_NONE;
		frag = be16_at(ip + 6) & 0x3fffu;
		t = pick(types, ip[9], !frag && ihl + 4 <= avail, NET_RSS_IPV4);
		if (t == NET_RSS_NONE)
			return t;
		memcpy(in->b, ip + 12, 8);
		in->len = 8;
		if (t != NET_RSS_IPV4) {
			memcpy(in->b + 8, ip + ihl, 4);
			in->len = 12;
		}
	} else if (et == ETH_P_IPV6) {
		const uint8_t *ip = frame + l3;
		uint32_t avail = len - l3;

		if (avail < 40 || (ip[0] >> 4) != 6)
			return NET_RSS_NONE;
		t = pick(types, ip[6], 44 <= avail, NET_RSS_IPV6);
		if (t == NET_RSS_NONE)
			return t;
		memcpy(in->b, ip + 8, 32);
		in->len = 32;
		if (t != NET_RSS_IPV6) {
			memcpy(in->b + 32, ip + 40, 4);
			in->len = 36;
		}
	}
	return t;
}
