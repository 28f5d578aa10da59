/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for the shared checksum and TSO code (net/csum, net/sg,
 * net/tso): frames of 200 KiB and 64 KiB gathered into pool packets in
 * uneven pieces and cut into segments whose headers, lengths, sequence
 * numbers, flags and checksums are checked against a reference; IPv6, UDP;
 * absurd contexts (MSS, header length, offsets, sizes) refused.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "net/csum.h"
#include "net/pkt.h"
#include "net/sg.h"
#include "net/tso.h"
#include "lib/bytes.h"

#define ETH_HLEN 14u

static const struct net_tso_limits LIM = {
	.max_len = NET_TSO_MAX, .max_seg = PKT_DATA_MAX, .max_segs = 4096, .min_mss = 64,
};

static uint8_t frame[NET_TSO_MAX];
static uint8_t again[NET_TSO_MAX];
static uint8_t out[PKT_DATA_MAX];

/*
 * An Ethernet frame with an IPv4 or IPv6 header, then TCP (FIN|PSH|ACK,
 * sequence number near the wrap) or UDP, then pay bytes of payload; the L4
 * checksum field holds the pseudo-header sum without the length, as Linux
 * leaves it for TSO. Returns the header length.
 */
static uint32_t build(bool ipv4, bool tcp, uint32_t pay)
{
	uint32_t l3 = ETH_HLEN, l4 = l3 + (ipv4 ? 20 : 40), h = l4 + (tcp ? 20 : 8);
	uint8_t proto = tcp ? 6 : 17;
	uint16_t ph;

	memset(frame, 0, h);
	memset(frame, 0x02, 12);
	wbe16(frame + 12, ipv4 ? 0x0800 : 0x86dd);
	if (ipv4) {
		frame[l3] = 0x45;
		wbe16(frame + l3 + 4, 0xfff0); /* ID, wraps */
		wbe16(frame + l3 + 6, 0x4000);
		frame[l3 + 8] = 64;
		frame[l3 + 9] = proto;
		wbe32(frame + l3 + 12, 0x0a000001);
		wbe32(frame + l3 + 16, 0x0a000002);
		ph = ref_sum(frame + l3 + 12, 8, proto);
	} else {
		frame[l3] = 0x60;
		frame[l3 + 6] = proto;
		frame[l3 + 7] = 64;
		for (unsigned i = 0; i < 32; i++)
			frame[l3 + 8 + i] = (uint8_t)(0xf0 + i);
		ph = ref_sum(frame + l3 + 8, 32, proto);
	}
	wbe16(frame + l4, 40000);
	wbe16(frame + l4 + 2, 5001);
	if (tcp) {
		wbe32(frame + l4 + 4, 0xffffff00u);
		wbe32(frame + l4 + 8, 0x12345678u);
		frame[l4 + 12] = 0x50;
		frame[l4 + 13] = 0x19; /* FIN PSH ACK */
		wbe16(frame + l4 + 14, 0xffff);
		wbe16(frame + l4 + 16, ph);
	} else {
		wbe16(frame + l4 + 6, ph);
	}
	for (uint32_t i = 0; i < pay; i++)
		frame[h + i] = (uint8_t)(i * 7 + (i >> 9));
	return h;
}

static struct net_tso ctx(bool ipv4, bool tcp, uint32_t h, uint32_t mss)
{
	uint16_t l4 = (uint16_t)(ETH_HLEN + (ipv4 ? 20 : 40));

	return (struct net_tso){
		.hdrlen = h, .mss = mss, .l3_off = ETH_HLEN, .l4_off = l4,
		.ip_csum_off = ETH_HLEN + 10, .ip_csum_end = (uint16_t)(l4 - 1),
		.l4_csum_off = (uint16_t)(l4 + (tcp ? 16 : 6)), .l4_csum_end = 0,
		.ipv4 = ipv4, .tcp = tcp, .ip_csum = true, .l4_csum = true,
	};
}

/* Checks one segment against the original frame; returns its payload length. */
static uint32_t check_seg(const struct net_tso *t, const uint8_t *s, uint32_t slen, uint32_t seg,
			  uint32_t pay)
{
	const uint8_t *ip = s + t->l3_off, *l4 = s + t->l4_off;
	uint32_t h = t->hdrlen, n = slen - h, off = seg * t->mss, l4len = slen - t->l4_off;
	uint16_t ph;

	assert_true(slen > h);
	assert_int_equal(n, pay - off < t->mss ? pay - off : t->mss);
	assert_memory_equal(s, frame, 12);
	assert_memory_equal(s + h, frame + h + off, n);
	if (t->ipv4) {
		assert_int_equal(be16(ip + 2), slen - t->l3_off);
		assert_int_equal(be16(ip + 4), (uint16_t)(0xfff0 + seg));
		assert_int_equal(ref_sum(ip, 20, 0), 0xffff);
		ph = ref_sum(ip + 12, 8, ip[9] + l4len);
	} else {
		assert_int_equal(be16(ip + 4), slen - t->l3_off - 40);
		ph = ref_sum(ip + 8, 32, ip[6] + l4len);
	}
	if (t->tcp) {
		bool last = off + n == pay;

		assert_int_equal(be32(l4 + 4), (uint32_t)(0xffffff00u + off));
		assert_int_equal(l4[13], last ? 0x19 : 0x10);
	} else {
		assert_int_equal(be16(l4 + 4), l4len);
		assert_int_not_equal(be16(l4 + 6), 0);
	}
	/* The L4 checksum verifies over the pseudo header and the segment. */
	assert_int_equal(ref_sum(l4, l4len, ph), 0xffff);
	return n;
}

/* Gathers the frame into pool packets in uneven pieces (seeded), segments it in order, checks all. */
static void run(bool ipv4, bool tcp, uint32_t pay, uint32_t mss, unsigned seed)
{
	uint32_t h = build(ipv4, tcp, pay), len = h + pay, done = 0, got = 0;
	struct net_tso t = ctx(ipv4, tcp, h, mss);
	struct pkt_pool *pool = pkt_pool_create("tso", 32);
	struct net_sg sg[NET_GATHER_PKTS];
	struct net_tso_src src;
	struct net_gather g;
	int n;

	assert_non_null(pool);
	net_gather_init(&g);
	srand(seed);
	while (done < len) {
		uint32_t k = 1 + (uint32_t)rand() % 9000;

		if (k > len - done)
			k = len - done;
		assert_int_equal(net_gather_append(&g, pool, frame + done, k), 0);
		done += k;
	}
	assert_int_equal(g.len, len);
	assert_int_equal(g.n, (len + PKT_DATA_MAX - 1) / PKT_DATA_MAX);
	n = net_tso_check(&t, len, &LIM);
	assert_int_equal(n, (int)((pay + mss - 1) / mss));
	net_tso_src_init(&src, sg, net_gather_sg(&g, sg));
	assert_int_equal(src.len, len);
	for (uint32_t seg = 0; seg < (uint32_t)n; seg++) {
		uint32_t slen = net_tso_seg(&t, &src, seg, out, sizeof(out));

		assert_int_equal(slen, h + (pay - seg * mss < mss ? pay - seg * mss : mss));
		memcpy(again + h + got, out + h, slen - h);
		got += check_seg(&t, out, slen, seg, pay);
	}
	assert_int_equal(got, pay);
	assert_memory_equal(again + h, frame + h, pay);
	/* No segment past the last. */
	assert_int_equal(net_tso_seg(&t, &src, (uint32_t)n, out, sizeof(out)), 0);
	assert_int_equal(pkt_pool_avail(pool), 32 - g.n);
	net_gather_free(&g);
	assert_int_equal(g.n, 0);
	assert_int_equal(pkt_pool_avail(pool), 32);
	pkt_pool_destroy(pool);
}

static void test_tso_200k_ipv4(void **state)
{
	(void)state;
	run(true, true, 200u * 1024u, 1448, 1);
	run(true, true, NET_TSO_MAX - 54, 1460, 2); /* the largest frame */
}

static void test_tso_64k_ipv4(void **state)
{
	(void)state;
	run(true, true, 65536 - 54, 1460, 3);
	run(true, true, 65536 - 54, 9000, 4); /* jumbo MSS: segments span gathered packets */
}

static void test_tso_ipv6(void **state)
{
	(void)state;
	run(false, true, 100000, 1440, 5);
}

static void test_tso_udp(void **state)
{
	(void)state;
	run(true, false, 30000, 1472, 6);
	run(false, false, 30000, 1452, 7);
}

/* Segments built out of order, from a list of tiny pieces (headers across them), come out the same. */
static void test_tso_random_access(void **state)
{
	uint32_t pay = 20000, mss = 1000, h = build(true, true, pay), len = h + pay;
	struct net_tso t = ctx(true, true, h, mss);
	struct net_sg sg[64];
	struct net_tso_src src;
	static uint8_t first[PKT_DATA_MAX];
	unsigned nsg = 0;
	uint32_t at = 0, l0, l1;

	(void)state;
	/* 10-byte pieces for the headers, then larger ones. */
	while (at < len && nsg < 64) {
		uint32_t k = at < 100 ? 10 : (nsg == 63 ? len - at : 500);

		if (k > len - at)
			k = len - at;
		sg[nsg++] = (struct net_sg){ frame + at, k };
		at += k;
	}
	assert_int_equal(at, len);
	net_tso_src_init(&src, sg, nsg);
	l0 = net_tso_seg(&t, &src, 7, first, sizeof(first));
	check_seg(&t, first, l0, 7, pay);
	assert_int_equal(net_tso_seg(&t, &src, 19, out, sizeof(out)), h + 1000);
	check_seg(&t, out, h + 1000, 19, pay);
	l1 = net_tso_seg(&t, &src, 7, out, sizeof(out)); /* behind the cursor: from the start */
	assert_int_equal(l1, l0);
	assert_memory_equal(out, first, l0);
	/* A segment that does not fit is not built. */
	assert_int_equal(net_tso_seg(&t, &src, 0, out, h + 999), 0);
}

static void test_tso_absurd(void **state)
{
	uint32_t h = build(true, true, 4000), len = h + 4000;
	struct net_tso t = ctx(true, true, h, 1460), b;
	struct net_tso_limits lim = LIM;

	(void)state;
	assert_int_equal(net_tso_check(&t, len, &LIM), 3);
	b = t, b.mss = 0;
	assert_int_equal(net_tso_check(&b, len, &LIM), -NET_TSO_ERR_MSS);
	b = t, b.mss = 63; /* below the model's minimum */
	assert_int_equal(net_tso_check(&b, len, &LIM), -NET_TSO_ERR_MSS);
	b = t, b.mss = PKT_DATA_MAX - h + 1; /* header + MSS larger than a segment */
	assert_int_equal(net_tso_check(&b, 200000, &LIM), -NET_TSO_ERR_MSS);
	b = t, b.mss = UINT32_MAX;
	assert_int_equal(net_tso_check(&b, len, &LIM), -NET_TSO_ERR_MSS);
	b = t, b.hdrlen = 0;
	assert_int_equal(net_tso_check(&b, len, &LIM), -NET_TSO_ERR_HDR);
	b = t, b.hdrlen = len + 1;
	assert_int_equal(net_tso_check(&b, len, &LIM), -NET_TSO_ERR_HDR);
	b = t, b.hdrlen = 40; /* TCP header beyond the headers */
	assert_int_equal(net_tso_check(&b, len, &LIM), -NET_TSO_ERR_HDR);
	b = t, b.l4_off = 10; /* L4 before L3 */
	assert_int_equal(net_tso_check(&b, len, &LIM), -NET_TSO_ERR_HDR);
	b = t, b.l4_csum_off = (uint16_t)(h - 1);
	assert_int_equal(net_tso_check(&b, len, &LIM), -NET_TSO_ERR_HDR);
	b = t, b.ip_csum_off = 0xffff;
	assert_int_equal(net_tso_check(&b, len, &LIM), -NET_TSO_ERR_HDR);
	b.ipv4 = false, b.l4_off = ETH_HLEN + 40, b.hdrlen = ETH_HLEN + 60; /* IPv6 has no header sum */
	b.l4_csum_off = ETH_HLEN + 56;
	assert_true(net_tso_check(&b, len, &LIM) > 0);
	b.hdrlen = ETH_HLEN + 59; /* the IPv6 header is longer than IPv4's */
	assert_int_equal(net_tso_check(&b, len, &LIM), -NET_TSO_ERR_HDR);
	assert_int_equal(net_tso_check(&t, h, &LIM), -NET_TSO_ERR_EMPTY);
	lim.max_segs = 2;
	assert_int_equal(net_tso_check(&t, len, &lim), -NET_TSO_ERR_SEGS);
	b = t, b.mss = 64; /* 256 KiB in 64-byte segments: 4095 */
	assert_int_equal(net_tso_check(&b, NET_TSO_MAX, &LIM), (int)((NET_TSO_MAX - h + 63) / 64));
	lim = LIM, lim.max_len = 128u * 1024u;
	assert_int_equal(net_tso_check(&t, 128u * 1024u + 1, &lim), -NET_TSO_ERR_LEN);
	lim.max_len = UINT32_MAX; /* never past the segmenter's own limit */
	assert_int_equal(net_tso_check(&t, NET_TSO_MAX + 1, &lim), -NET_TSO_ERR_LEN);
}

static void test_gather_limits(void **state)
{
	struct pkt_pool *pool = pkt_pool_create("gather", 3);
	struct net_gather g;
	struct net_sg sg[NET_GATHER_PKTS];

	(void)state;
	assert_non_null(pool);
	net_gather_init(&g);
	assert_int_equal(net_gather_append(&g, pool, frame, 0), 0);
	assert_int_equal(g.n, 0);
	assert_int_equal(net_gather_sg(&g, sg), 0);
	/* Three packets, then the pool is dry. */
	assert_int_equal(net_gather_append(&g, pool, frame, 3 * PKT_DATA_MAX), 0);
	assert_int_equal(net_gather_sg(&g, sg), 3);
	assert_int_equal(sg[2].len, PKT_DATA_MAX);
	assert_int_equal(net_gather_append(&g, pool, frame, 1), -ENOBUFS);
	net_gather_free(&g);
	assert_int_equal(pkt_pool_avail(pool), 3);
	/* Never past NET_TSO_MAX, nothing appended then. */
	assert_int_equal(net_gather_append(&g, pool, frame, 100), 0);
	assert_int_equal(net_gather_append(&g, pool, frame, NET_TSO_MAX - 99), -EMSGSIZE);
	assert_int_equal(g.len, 100);
	net_gather_free(&g);
	pkt_pool_destroy(pool);
}

static void test_csum_and_sg(void **state)
{
	uint8_t b[64], d[16];
	struct net_sg sg[3] = { { b, 5 }, { b + 5, 0 }, { b + 5, 10 } };
	struct net_sg_cur c = { 0 };

	(void)state;
	for (unsigned i = 0; i < sizeof(b); i++)
		b[i] = (uint8_t)(i * 37 + 1);
	for (unsigned l = 0; l <= sizeof(b); l++)
		assert_int_equal(net_csum(b, l, 0x1234), ref_sum(b, l, 0x1234));
	assert_int_equal(net_csum_add(0xffff, 1), 1);
	/* A field outside the frame, or an empty range: untouched. */
	assert_false(net_csum_insert(b, 20, 0, 19, 0, false));
	assert_false(net_csum_insert(b, 20, 20, 0, 0, false));
	b[4] = b[5] = 0; /* the field is part of the sum */
	assert_true(net_csum_insert(b, 20, 0, 4, 0, false));
	assert_int_equal(ref_sum(b, 20, 0), 0xffff);
	/* UDP: a computed zero goes out as 0xffff. */
	memset(b, 0, 8);
	b[0] = 0xff, b[1] = 0xff;
	assert_true(net_csum_insert(b, 8, 0, 6, 0, true));
	assert_int_equal(be16(b + 6), 0xffff);
	/* The scatter-list cursor: skips, empty pieces, the list's end. */
	for (unsigned i = 0; i < sizeof(b); i++)
		b[i] = (uint8_t)i;
	assert_int_equal(net_sg_copy(sg, 3, &c, NULL, 3), 3);
	assert_int_equal(net_sg_copy(sg, 3, &c, d, 4), 4);
	assert_memory_equal(d, b + 3, 4);
	assert_int_equal(net_sg_copy(sg, 3, &c, d, 16), 8);
	assert_memory_equal(d, b + 7, 8);
	assert_int_equal(net_sg_copy(sg, 3, &c, d, 1), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csum_and_sg),
		cmocka_unit_test(test_tso_200k_ipv4),
		cmocka_unit_test(test_tso_64k_ipv4),
		cmocka_unit_test(test_tso_ipv6),
		cmocka_unit_test(test_tso_udp),
		cmocka_unit_test(test_tso_random_access),
		cmocka_unit_test(test_tso_absurd),
		cmocka_unit_test(test_gather_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
