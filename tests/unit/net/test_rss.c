/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for net/rss: the Toeplitz hash, bitwise and table-driven,
 * against the values of Microsoft's RSS verification suite (its 40-byte
 * key, IPv4 and IPv6 with and without ports); the input taken from frames
 * (IPv4 options, fragments, VLAN tags, UDP, types disabled, truncated
 * frames); the table against the bitwise hash on random keys and inputs up
 * to 52-byte keys; and the cost of each per frame (printed, not asserted).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "net/rss.h"

/* The verification suite's key. */
static const uint8_t MS_KEY[40] = {
	0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3,
	0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3,
	0x80, 0x30, 0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

/* The suite's IPv4 rows: destination, source, and the two hashes. */
static const struct {
	const char *dst, *src;
	uint16_t dport, sport;
	uint32_t ip, tcp;
} V4[] = {
	{ "161.142.100.80", "66.9.149.187", 1766, 2794, 0x323e8fc2, 0x51ccc178 },
	{ "65.69.140.83", "199.92.111.2", 4739, 14230, 0xd718262a, 0xc626b0ea },
	{ "12.22.207.184", "24.19.198.95", 38024, 12898, 0xd2d0a5de, 0x5c2b394a },
	{ "209.142.163.6", "38.27.205.30", 2217, 48228, 0x82989176, 0xafc7327f },
	{ "202.188.127.2", "153.39.163.191", 1303, 44251, 0x5d1809c5, 0x10e828a2 },
};

/* The suite's IPv6 rows. */
static const struct {
	const char *dst, *src;
	uint16_t dport, sport;
	uint32_t ip, tcp;
} V6[] = {
	{ "3ffe:2501:200:3::1", "3ffe:2501:200:1fff::7", 1766, 2794, 0x2cc18cd5, 0x40207d3d },
	{ "ff02::1", "3ffe:501:8::260:97ff:fe40:efab", 4739, 14230, 0x0f0c461c, 0xdde51bbf },
	{ "fe80::200:f8ff:fe21:67cf", "3ffe:1900:4545:3:200:f8ff:fe21:67cf", 38024, 44251,
	  0x4b61e985, 0x02d1feef },
};

static struct net_rss_tbl tbl;

static void be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/*
 * An Ethernet frame carrying IPv4 (ihl 32-bit words) or IPv6 from src to
 * dst, protocol proto, with ports at the L4 header; vlans tags first.
 */
static uint32_t frame(uint8_t *f, bool v6, const char *src, const char *dst, uint8_t proto,
		      uint16_t sport, uint16_t dport, unsigned ihl, unsigned vlans)
{
	uint32_t o = 12, l4;

	memset(f, 0, 200);
	f[0] = 0x02;
	f[6] = 0x02;
	for (unsigned i = 0; i < vlans; i++, o += 4) {
		be16(f + o, i == 0 && vlans == 2 ? 0x88a8 : 0x8100);
		be16(f + o + 2, (uint16_t)(100 + i));
	}
	be16(f + o, v6 ? 0x86dd : 0x0800);
	o += 2;
	if (v6) {
		f[o] = 0x60;
		f[o + 6] = proto;
		f[o + 7] = 64;
		assert_int_equal(inet_pton(AF_INET6, src, f + o + 8), 1);
		assert_int_equal(inet_pton(AF_INET6, dst, f + o + 24), 1);
		l4 = o + 40;
	} else {
		f[o] = (uint8_t)(0x40 | ihl);
		f[o + 8] = 64;
		f[o + 9] = proto;
		assert_int_equal(inet_pton(AF_INET, src, f + o + 12), 1);
		assert_int_equal(inet_pton(AF_INET, dst, f + o + 16), 1);
		l4 = o + ihl * 4;
	}
	be16(f + l4, sport);
	be16(f + l4 + 2, dport);
	return l4 + 20;
}

static uint32_t hash_frame(const uint8_t *f, uint32_t len, unsigned types, enum net_rss_type want)
{
	struct net_rss_input in;
	uint32_t h;

	assert_int_equal(net_rss_input(f, len, types, &in), want);
	h = net_rss_toeplitz(MS_KEY, sizeof(MS_KEY), in.b, in.len);
	assert_int_equal(net_rss_tbl_hash(&tbl, in.b, in.len), h);
	return h;
}

static void test_suite_v4(void **state)
{
	uint8_t f[200];
	uint32_t len;

	(void)state;
	net_rss_tbl_init(&tbl, MS_KEY, sizeof(MS_KEY));
	for (unsigned i = 0; i < sizeof(V4) / sizeof(V4[0]); i++) {
		len = frame(f, false, V4[i].src, V4[i].dst, 6, V4[i].sport, V4[i].dport, 5, 0);
		assert_int_equal(hash_frame(f, len, NET_RSS_HASH_ALL, NET_RSS_IPV4_TCP), V4[i].tcp);
		/* Addresses only: TCP not enabled, or not TCP/UDP at all. */
		assert_int_equal(hash_frame(f, len, NET_RSS_HASH(NET_RSS_IPV4), NET_RSS_IPV4),
				 V4[i].ip);
		len = frame(f, false, V4[i].src, V4[i].dst, 1, 0, 0, 5, 0);
		assert_int_equal(hash_frame(f, len, NET_RSS_HASH_ALL, NET_RSS_IPV4), V4[i].ip);
		/* UDP has the same input; IPv4 options are skipped; VLAN tags too. */
		len = frame(f, false, V4[i].src, V4[i].dst, 17, V4[i].sport, V4[i].dport, 7, 0);
		assert_int_equal(hash_frame(f, len, NET_RSS_HASH_ALL, NET_RSS_IPV4_UDP), V4[i].tcp);
		len = frame(f, false, V4[i].src, V4[i].dst, 6, V4[i].sport, V4[i].dport, 5, 2);
		assert_int_equal(hash_frame(f, len, NET_RSS_HASH_ALL, NET_RSS_IPV4_TCP), V4[i].tcp);
		len = frame(f, false, V4[i].src, V4[i].dst, 17, V4[i].sport, V4[i].dport, 5, 1);
		assert_int_equal(hash_frame(f, len, NET_RSS_HASH_ALL, NET_RSS_IPV4_UDP), V4[i].tcp);
		/* A fragment: addresses only, even the first one with its ports. */
		len = frame(f, false, V4[i].src, V4[i].dst, 6, V4[i].sport, V4[i].dport, 5, 0);
		f[14 + 6] = 0x20; /* MF */
		assert_int_equal(hash_frame(f, len, NET_RSS_HASH_ALL, NET_RSS_IPV4), V4[i].ip);
	}
}

static void test_suite_v6(void **state)
{
	uint8_t f[200];
	uint32_t len;

	(void)state;
	net_rss_tbl_init(&tbl, MS_KEY, sizeof(MS_KEY));
	for (unsigned i = 0; i < sizeof(V6) / sizeof(V6[0]); i++) {
		len = frame(f, true, V6[i].src, V6[i].dst, 6, V6[i].sport, V6[i].dport, 0, 0);
		assert_int_equal(hash_frame(f, len, NET_RSS_HASH_ALL, NET_RSS_IPV6_TCP), V6[i].tcp);
		assert_int_equal(hash_frame(f, len, NET_RSS_HASH(NET_RSS_IPV6), NET_RSS_IPV6),
				 V6[i].ip);
		len = frame(f, true, V6[i].src, V6[i].dst, 58, 0, 0, 0, 1);
		assert_int_equal(hash_frame(f, len, NET_RSS_HASH_ALL, NET_RSS_IPV6), V6[i].ip);
		len = frame(f, true, V6[i].src, V6[i].dst, 17, V6[i].sport, V6[i].dport, 0, 2);
		assert_int_equal(hash_frame(f, len, NET_RSS_HASH_ALL, NET_RSS_IPV6_UDP), V6[i].tcp);
		/* A fragment header: not walked, addresses only. */
		len = frame(f, true, V6[i].src, V6[i].dst, 44, V6[i].sport, V6[i].dport, 0, 0);
		assert_int_equal(hash_frame(f, len, NET_RSS_HASH_ALL, NET_RSS_IPV6), V6[i].ip);
	}
}

/* The bytes in the input are the frame's, in network order, as the suite lays them out. */
static void test_input_layout(void **state)
{
	static const uint8_t want[12] = { 66, 9, 149, 187, 161, 142, 100, 80, 0x0a, 0xea, 0x06, 0xe6 };
	struct net_rss_input in;
	uint8_t f[200];
	uint32_t len;

	(void)state;
	len = frame(f, false, "66.9.149.187", "161.142.100.80", 6, 2794, 1766, 5, 0);
	assert_int_equal(net_rss_input(f, len, NET_RSS_HASH_ALL, &in), NET_RSS_IPV4_TCP);
	assert_int_equal(in.len, 12);
	assert_memory_equal(in.b, want, 12);
}

/* Nothing to hash, and nothing read past the end. */
static void test_input_none(void **state)
{
	struct net_rss_input in;
	uint8_t f[200], *cut;
	uint32_t len;

	(void)state;
	len = frame(f, false, "1.2.3.4", "5.6.7.8", 6, 1, 2, 5, 0);
	/* TCP enabled alone: an ICMP packet gets no hash, a UDP one neither. */
	f[14 + 9] = 1;
	assert_int_equal(net_rss_input(f, len, NET_RSS_HASH(NET_RSS_IPV4_TCP), &in), NET_RSS_NONE);
	f[14 + 9] = 17;
	assert_int_equal(net_rss_input(f, len, NET_RSS_HASH(NET_RSS_IPV4_TCP), &in), NET_RSS_NONE);
	assert_int_equal(in.len, 0);
	assert_int_equal(net_rss_input(f, len, 0, &in), NET_RSS_NONE);
	/* ARP; a bad version; an ihl below 5 or past the frame. */
	f[12] = 0x08;
	f[13] = 0x06;
	assert_int_equal(net_rss_input(f, len, NET_RSS_HASH_ALL, &in), NET_RSS_NONE);
	f[13] = 0x00;
	f[14] = 0x65;
	assert_int_equal(net_rss_input(f, len, NET_RSS_HASH_ALL, &in), NET_RSS_NONE);
	f[14] = 0x44;
	assert_int_equal(net_rss_input(f, len, NET_RSS_HASH_ALL, &in), NET_RSS_NONE);
	f[14] = 0x4f;
	assert_int_equal(net_rss_input(f, 14 + 40, NET_RSS_HASH_ALL, &in), NET_RSS_NONE);
	/* Every truncation of TCP frames, in buffers of exactly that size (ASan sees overreads). */
	for (unsigned v = 0; v < 2; v++) {
		len = frame(f, v, v ? "::1" : "1.2.3.4", v ? "::2" : "5.6.7.8", 6, 1, 2, 5, 2);
		for (uint32_t n = 0; n <= len; n++) {
			enum net_rss_type t;

			cut = malloc(n ? n : 1);
			assert_non_null(cut);
			memcpy(cut, f, n);
			t = net_rss_input(cut, n, NET_RSS_HASH_ALL, &in);
			if (n < 14 + 8 + (v ? 40u : 20u))
				assert_int_equal(t, NET_RSS_NONE);
			else if (n < 14 + 8 + (v ? 44u : 24u))
				assert_int_equal(t, v ? NET_RSS_IPV6 : NET_RSS_IPV4);
			else
				assert_int_equal(t, v ? NET_RSS_IPV6_TCP : NET_RSS_IPV4_TCP);
			free(cut);
		}
	}
}

static uint64_t rnd_state = 0x9e3779b97f4a7c15ull;

static uint8_t rnd8(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return (uint8_t)(rnd_state >> 24);
}

/* The table gives the bitwise hash for any key length up to 52 and any input length. */
static void test_table_random(void **state)
{
	uint8_t key[NET_RSS_KEY_MAX], in[NET_RSS_INPUT_MAX];

	(void)state;
	for (unsigned k = 0; k < 40; k++) {
		unsigned keylen = k == 0 ? 52 : k == 1 ? 0 : k == 2 ? 3 : 1 + rnd8() % 52;

		for (unsigned i = 0; i < keylen; i++)
			key[i] = rnd8();
		net_rss_tbl_init(&tbl, key, keylen);
		for (unsigned r = 0; r < 50; r++) {
			unsigned len = rnd8() % (NET_RSS_INPUT_MAX + 1);

			for (unsigned i = 0; i < len; i++)
				in[i] = rnd8();
			assert_int_equal(net_rss_tbl_hash(&tbl, in, len),
					 net_rss_toeplitz(key, keylen, in, len));
		}
	}
	/* A 52-byte key's extended bytes do not reach a 36-byte input. */
	memcpy(key, MS_KEY, 40);
	memset(key + 40, 0xff, 12);
	memset(in, 0xa5, sizeof(in));
	assert_int_equal(net_rss_toeplitz(key, 52, in, 36), net_rss_toeplitz(MS_KEY, 40, in, 36));
	/* An all-ones input byte: the XOR of the first 8 windows of the key, from its definition. */
	in[0] = 0xff;
	{
		uint64_t k8 = 0;
		uint32_t want = 0;

		for (unsigned i = 0; i < 8; i++)
			k8 = k8 << 8 | MS_KEY[i];
		for (unsigned b = 0; b < 8; b++)
			want ^= (uint32_t)(k8 >> (32 - b));
		assert_int_equal(net_rss_toeplitz(MS_KEY, 40, in, 1), want);
	}
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* The cost per frame (IPv4/TCP, 12 bytes; IPv6/TCP, 36), table and bitwise: printed. */
static void test_cost(void **state)
{
	enum { N = 200000 };
	static uint8_t f[200];
	volatile uint32_t sink = 0;
	uint32_t len[2];
	double t0, t[2][3];

	(void)state;
	net_rss_tbl_init(&tbl, MS_KEY, sizeof(MS_KEY));
	len[0] = frame(f, false, "66.9.149.187", "161.142.100.80", 6, 2794, 1766, 5, 0);
	for (unsigned v = 0; v < 2; v++) {
		struct net_rss_input in;

		if (v)
			len[1] = frame(f, true, "3ffe:2501:200:1fff::7", "3ffe:2501:200:3::1", 6,
				       2794, 1766, 0, 0);
		t0 = now_ns();
		for (unsigned i = 0; i < N; i++) {
			f[len[v] - 20 + 1] = (uint8_t)i; /* a new source port each time */
			net_rss_input(f, len[v], NET_RSS_HASH_ALL, &in);
			sink ^= in.b[0];
		}
		t[v][0] = (now_ns() - t0) / N;
		t0 = now_ns();
		for (unsigned i = 0; i < N; i++) {
			f[len[v] - 20 + 1] = (uint8_t)i;
			net_rss_input(f, len[v], NET_RSS_HASH_ALL, &in);
			sink ^= net_rss_tbl_hash(&tbl, in.b, in.len);
		}
		t[v][1] = (now_ns() - t0) / N;
		t0 = now_ns();
		for (unsigned i = 0; i < N; i++) {
			f[len[v] - 20 + 1] = (uint8_t)i;
			net_rss_input(f, len[v], NET_RSS_HASH_ALL, &in);
			sink ^= net_rss_toeplitz(MS_KEY, sizeof(MS_KEY), in.b, in.len);
		}
		t[v][2] = (now_ns() - t0) / N;
	}
	t0 = now_ns();
	for (unsigned i = 0; i < 100; i++)
		net_rss_tbl_init(&tbl, MS_KEY, sizeof(MS_KEY));
	print_message("rss: ns per frame, input / input+table / input+bitwise: "
		      "IPv4-TCP %.1f / %.1f / %.1f, IPv6-TCP %.1f / %.1f / %.1f; table init %.1f us\n",
		      t[0][0], t[0][1], t[0][2], t[1][0], t[1][1], t[1][2],
		      (now_ns() - t0) / 100 / 1e3);
	(void)sink;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_suite_v4),
		cmocka_unit_test(test_suite_v6),
		cmocka_unit_test(test_input_layout),
		cmocka_unit_test(test_input_none),
		cmocka_unit_test(test_table_random),
		cmocka_unit_test(test_cost),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
