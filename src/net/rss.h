/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Receive-side scaling: the Toeplitz hash and its input as Microsoft's RSS
 * specification defines them. The input of a frame is, in network order,
 * the source and destination address, then (TCP or UDP, not a fragment) the
 * source and destination port: 8 or 12 bytes for IPv4, 32 or 36 for IPv6.
 *
 * The hash XORs, for every set bit i of the input (bit 0 the most
 * significant of byte 0), the 32 key bits that start at key bit i; key bits
 * past the key's end count as zero. Two ways to compute it: bitwise
 * (net_rss_toeplitz, the reference) and through a table built once per key
 * (net_rss_tbl: one 256-entry row of partial hashes per input byte, 36 KiB),
 * which costs a load and an XOR per input byte.
 */
#ifndef VMUX_NET_RSS_H
#define VMUX_NET_RSS_H

#include <stdbool.h>
#include <stdint.h>

#define NET_RSS_KEY_MAX 52u   /* E810: a 40-byte key and 12 extended bytes */
#define NET_RSS_INPUT_MAX 36u /* IPv6 addresses and ports */

/* The hash of len input bytes, bit by bit. keylen 0..NET_RSS_KEY_MAX. */
uint32_t net_rss_toeplitz(const uint8_t *key, unsigned keylen, const uint8_t *in, unsigned len);

struct net_rss_tbl {
	uint32_t row[NET_RSS_INPUT_MAX][256];
};

/* The table of a key (keylen 0..NET_RSS_KEY_MAX). */
void net_rss_tbl_init(struct net_rss_tbl *t, const uint8_t *key, unsigned keylen);

/* The same hash as net_rss_toeplitz with the table's key; len <= NET_RSS_INPUT_MAX. */
static inline uint32_t net_rss_tbl_hash(const struct net_rss_tbl *t, const uint8_t *in,
					unsigned len)
{
	uint32_t h = 0;

	for (unsigned i = 0; i < len; i++)
		h ^= t->row[i][in[i]];
	return h;
}

/* What a frame's input is made of (net_rss_input's return). */
enum net_rss_type {
	NET_RSS_NONE = 0, /* not IP, or too short: no hash */
	NET_RSS_IPV4,     /* addresses */
	NET_RSS_IPV4_TCP, /* addresses and ports */
	NET_RSS_IPV4_UDP,
	NET_RSS_IPV6,
	NET_RSS_IPV6_TCP,
	NET_RSS_IPV6_UDP,
};

/* Hash types a receiver enables (a mask of bits 1 << enum net_rss_type). */
#define NET_RSS_HASH(t) (1u << (t))
#define NET_RSS_HASH_ALL                                                                       \
	(NET_RSS_HASH(NET_RSS_IPV4) | NET_RSS_HASH(NET_RSS_IPV4_TCP) |                         \
	 NET_RSS_HASH(NET_RSS_IPV4_UDP) | NET_RSS_HASH(NET_RSS_IPV6) |                         \
	 NET_RSS_HASH(NET_RSS_IPV6_TCP) | NET_RSS_HASH(NET_RSS_IPV6_UDP))

struct net_rss_input {
	uint8_t b[NET_RSS_INPUT_MAX];
	uint8_t len;
};

/*
 * The hash input of an Ethernet frame (up to two 802.1Q/802.1ad tags in the
 * data skipped) for the enabled types: a TCP or UDP segment whose type is
 * not enabled falls back to the addresses if the plain IP type is; IPv4
 * fragments (MF or an offset) and IPv6 packets whose next header is not TCP
 * or UDP (extension headers are not walked) hash their addresses only; IPv4
 * options are skipped. Returns the type used, NET_RSS_NONE when nothing is
 * to be hashed (in->len 0). Never reads past len.
 */
enum net_rss_type net_rss_input(const uint8_t *frame, uint32_t len, unsigned types,
				struct net_rss_input *in);

#endif /* VMUX_NET_RSS_H */
