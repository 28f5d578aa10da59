// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The E810 guest driver's offloads (client/e810g_ol.h) through vfio-user on
 * a real vmux in its own network namespace (e810v.h: root only, else
 * skipped), guest A sending to guest B through the switch:
 *   - checksum offload: TCP and UDP over IPv4 and IPv6 with zeroed or
 *     garbage checksums, the offload asked for, arrive at B byte for byte as
 *     the frame with correct checksums; without the request as they left;
 *   - TSO: 64 KiB of TCP payload over IPv4 and IPv6 with MSS 1448, in
 *     buffers of 2 KiB, 1000 bytes and 16 KiB, arrive as ceil(64 KiB / MSS)
 *     frames, each exactly the segment built here independently (lengths,
 *     IP ids, sequence numbers, PSH/FIN on the last only, checksums), the
 *     payload reassembling byte-exact;
 *   - RX: frames a host sends on the tap uplink arrive in A's ring intact,
 *     with the descriptor fields ice reads (RXDID, DD/EOF, packet type,
 *     L3L4P and the IPE/L4E error bits, unicast/broadcast);
 *   - the admin queue sweep (the table of e810_sweep.c) over vfio-user after
 *     e810g_up: known opcodes answered as the table says, the others ENOSYS
 *     with ERR; vmux alive and traffic flowing afterwards.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "client/e810g.h"
#include "client/e810g_ol.h"
#include "core/log.h"
#include "dev/e810/aq_defs.h"
#include "dev/e810/lan_desc.h"
#include "e810_probe.h"
#include "e810_sweep.h"
#include "e810v.h"
#include "itest.h"

#define TAP "vg810o"
#define TCP_FIN 0x01u
#define TCP_PSH 0x08u
#define TCP_ACK 0x10u
#define MSS 1448u
#define TSO_PAY 65536u
#define FMAX (TSO_PAY + 128u)

static const char *vmux;
static bool in_own_netns;
static struct e810v vm;
static const uint8_t HOST[6] = { 0x02, 0x00, 0x00, 0x00, 0x0c, 0x01 };

static int group_setup(void **state)
{
	(void)state;
	if (!in_own_netns)
		return 0;
	return e810v_start(&vm, vmux, TAP, "02:00:00:00:0b:00");
}

static int group_teardown(void **state)
{
	(void)state;
	return e810v_stop(&vm);
}

/* The guests of a test: closed after it even when it failed (vmux serves one client per device). */
static struct e810g ga, gb;

static int test_setup(void **state)
{
	(void)state;
	memset(&ga, 0, sizeof(ga));
	memset(&gb, 0, sizeof(gb));
	return 0;
}

static int test_teardown(void **state)
{
	(void)state;
	e810g_close(&ga);
	e810g_close(&gb);
	return 0;
}

/* ---- frames and a checksum of our own (not net/csum: the device uses that one) ---- */

static uint32_t ref_add(uint32_t s, const uint8_t *p, uint32_t n)
{
	for (uint32_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

static uint16_t ref_fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v);
}

static uint32_t get16(const uint8_t *p)
{
	return (uint32_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return get16(p) << 16 | get16(p + 2);
}

/* Where a test frame's headers are (no VLAN, no options). */
struct kind {
	bool v6, udp;
};

static uint32_t l4_off(struct kind k)
{
	return 14u + (k.v6 ? 40u : 20u);
}

static uint32_t hdr_len(struct kind k)
{
	return l4_off(k) + (k.udp ? 8u : 20u);
}

static uint32_t csum_off(struct kind k)
{
	return l4_off(k) + (k.udp ? 6u : 16u);
}

/* The L4 sum with the pseudo-header, over the field as it is. */
static uint16_t l4_sum(const uint8_t *f, uint32_t len, struct kind k)
{
	uint32_t l4 = l4_off(k), s;

	s = k.v6 ? ref_add(0, f + 22, 32) : ref_add(0, f + 26, 8);
	s += (k.udp ? 17u : 6u) + (len - l4);
	return ref_fold(ref_add(s, f + l4, len - l4));
}

/* Correct IPv4 header and L4 checksums, as a stack without offloads leaves them. */
static void fix_csums(uint8_t *f, uint32_t len, struct kind k)
{
	uint16_t c;

	if (!k.v6) {
		put16(f + 24, 0);
		put16(f + 24, (uint16_t)~ref_fold(ref_add(0, f + 14, 20)));
	}
	put16(f + csum_off(k), 0);
	c = (uint16_t)~l4_sum(f, len, k);
	put16(f + csum_off(k), k.udp && !c ? 0xffff : c);
}

static bool csums_ok(const uint8_t *f, uint32_t len, struct kind k)
{
	if (!k.v6 && ref_fold(ref_add(0, f + 14, 20)) != 0xffff)
		return false;
	return l4_sum(f, len, k) == 0xffff;
}

/* A frame dst/src of kind k with pay bytes of payload (a pattern of seed), correct checksums. */
static uint32_t mkframe(uint8_t *f, const uint8_t *dst, const uint8_t *src, struct kind k,
			uint32_t pay, uint8_t seed)
{
	uint32_t l4 = l4_off(k), h = hdr_len(k), len = h + pay;

	memset(f, 0, h);
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	put16(f + 12, k.v6 ? 0x86dd : 0x0800);
	if (k.v6) {
		f[14] = 0x60;
		put16(f + 18, len - l4);
		f[20] = k.udp ? 17 : 6;
		f[21] = 64;
		memcpy(f + 22, "\xfd\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x01", 16);
		memcpy(f + 38, "\xfd\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x02", 16);
	} else {
		f[14] = 0x45;
		put16(f + 16, len - 14);
		put16(f + 18, 0xfff0); /* the ID wraps during TSO */
		put16(f + 20, 0x4000); /* DF */
		f[22] = 64;
		f[23] = k.udp ? 17 : 6;
		memcpy(f + 26, "\x0a\x01\0\x01\x0a\x01\0\x02", 8);
	}
	put16(f + l4, 40000);
	put16(f + l4 + 2, 5001);
	if (k.udp) {
		put16(f + l4 + 4, len - l4);
	} else {
		put32(f + l4 + 4, 0xffff8000u); /* the sequence number wraps during TSO */
		put32(f + l4 + 8, 0x55667788u);
		f[l4 + 12] = 5 << 4;
		f[l4 + 13] = TCP_ACK | TCP_PSH | TCP_FIN;
		put16(f + l4 + 14, 0xffff);
	}
	for (uint32_t i = 0; i < pay; i++)
		f[h + i] = (uint8_t)(seed + i * 7 + (i >> 8));
	fix_csums(f, len, k);
	return len;
}

/* Waits up to ms for B's next frame; its length (0: none). */
static uint32_t rx_wait(struct e810g *g, uint8_t *buf, uint32_t cap, struct e810g_rxd *d, int ms)
{
	uint64_t end = it_now_ms() + (uint64_t)ms;
	uint32_t n;

	do {
		n = e810g_rx_take_desc(g, buf, cap, d);
		if (n)
			return n;
		it_nap_ms(1);
	} while (it_now_ms() < end);
	return 0;
}

static const struct kind KINDS[] = {
	{ .v6 = false, .udp = false },
	{ .v6 = false, .udp = true },
	{ .v6 = true, .udp = false },
	{ .v6 = true, .udp = true },
};

static const char *kname(struct kind k)
{
	return k.v6 ? (k.udp ? "UDP/IPv6" : "TCP/IPv6") : (k.udp ? "UDP/IPv4" : "TCP/IPv4");
}

/* ---- (a) checksum offload ------------------------------------------------------------ */

static void test_csum_offload(void **state)
{
	static const uint32_t pays[] = { 1, 17, 333, 1000, 1460 };
	static const uint32_t bufs[] = { 0, 64, 300, 1000 };
	struct e810g *a = &ga, *b = &gb;
	uint8_t good[2048], bad[2048], got[2048];
	struct e810g_rxd d;
	unsigned sent = 0;

	(void)state;
	if (!in_own_netns)
		skip();
	e810v_open(&vm, a, 0);
	e810v_open(&vm, b, 1);
	for (unsigned ki = 0; ki < 4; ki++) {
		struct kind k = KINDS[ki];

		for (unsigned pi = 0; pi < 5; pi++) {
			uint32_t pay = k.v6 && pays[pi] == 1460 ? 1440 : pays[pi];
			uint32_t len = mkframe(good, b->mac, a->mac, k, pay, (uint8_t)(ki * 5 + pi));
			struct e810g_ol ol = { .ip_csum = !k.v6, .l4_csum = true,
					       .buf_max = bufs[(ki + pi) % 4] };
			uint32_t n;

			/* Zeroed checksums (odd payloads), garbage (even ones). */
			memcpy(bad, good, len);
			if (!k.v6)
				put16(bad + 24, pay & 1 ? 0 : 0xdead);
			put16(bad + csum_off(k), pay & 1 ? 0 : 0xbeef);

			/* Asked for: the device fills them in. */
			assert_int_equal(e810g_tx_offload(a, bad, len, &ol), 0);
			n = rx_wait(b, got, sizeof(got), &d, 2000);
			if (n != len || memcmp(got, good, len))
				fail_msg("%s payload %u buffers %u: offloaded frame arrived %s (len %u of %u)",
					 kname(k), pay, ol.buf_max, n ? "wrong" : "not at all", n, len);
			assert_true(csums_ok(got, n, k));
			assert_int_equal(d.status0 & (E810_RXD_S0_L3L4P | E810_RXD_S0_IPE | E810_RXD_S0_L4E),
					 E810_RXD_S0_L3L4P);

			/* Not asked for: it goes out as given (and B's device sees the errors). */
			assert_int_equal(e810g_tx_offload(a, bad, len,
							  &(struct e810g_ol){ .buf_max = ol.buf_max }), 0);
			n = rx_wait(b, got, sizeof(got), &d, 2000);
			assert_int_equal(n, len);
			if (memcmp(got, bad, len))
				fail_msg("%s payload %u: frame without offload was changed", kname(k), pay);
			/* (a zero UDP checksum over IPv4 means "none") */
			if (k.v6 || !k.udp || !(pay & 1))
				assert_true(d.status0 & E810_RXD_S0_L4E);
			if (!k.v6)
				assert_true(d.status0 & E810_RXD_S0_IPE);
			sent += 2;
		}
	}
	/* The L4 checksum alone over IPv4 (IIPT IPv4 without checksum): the header is left alone. */
	{
		uint32_t len = mkframe(good, b->mac, a->mac, KINDS[0], 500, 99), n;

		put16(good + 24, 0x7777);
		memcpy(bad, good, len);
		put16(bad + csum_off(KINDS[0]), 0x1234);
		assert_int_equal(e810g_tx_offload(a, bad, len, &(struct e810g_ol){ .l4_csum = true }), 0);
		n = rx_wait(b, got, sizeof(got), &d, 2000);
		assert_int_equal(n, len);
		assert_memory_equal(got, good, len);
		sent++;
	}
	/* Headers the offload needs that are not there: refused, nothing sent. */
	memset(bad, 0, 64);
	assert_int_equal(e810g_tx_offload(a, bad, 64, &(struct e810g_ol){ .l4_csum = true }), -EINVAL);
	assert_int_equal(rx_wait(b, got, sizeof(got), &d, 50), 0);
	assert_int_equal(a->cnt.tx_done, sent);
	e810g_close(a);
	e810g_close(b);
}

/* ---- (b) TSO -------------------------------------------------------------------------- */

/* Segment i of the TSO frame f (pay bytes of payload), as it must arrive. */
static uint32_t expect_seg(const uint8_t *f, struct kind k, uint32_t pay, uint32_t i, uint8_t *out)
{
	uint32_t h = hdr_len(k), l4 = l4_off(k), off = i * MSS;
	uint32_t n = pay - off < MSS ? pay - off : MSS, len = h + n;

	memcpy(out, f, h);
	memcpy(out + h, f + h + off, n);
	if (k.v6) {
		put16(out + 18, len - 54);
	} else {
		put16(out + 16, len - 14);
		put16(out + 18, get16(f + 18) + i);
	}
	put32(out + l4 + 4, get32(f + l4 + 4) + off);
	if (off + n < pay)
		out[l4 + 13] = TCP_ACK;
	fix_csums(out, len, k);
	return len;
}

static void tso_one(struct e810g *a, struct e810g *b, struct kind k, uint32_t buf_max)
{
	uint8_t *f = malloc(FMAX), *re = calloc(1, TSO_PAY), got[2048], want[2048];
	uint32_t len = mkframe(f, b->mac, a->mac, k, TSO_PAY, 3), h = hdr_len(k);
	uint32_t segs = (TSO_PAY + MSS - 1) / MSS, i, n, at = 0;
	struct e810g_ol ol = { .mss = MSS, .buf_max = buf_max };
	struct e810g_rxd d;

	assert_non_null(f);
	assert_non_null(re);
	/* Garbage where the stack leaves the device its work. */
	put16(f + csum_off(k), 0xbad1);
	if (!k.v6)
		put16(f + 24, 0xbad2);
	assert_int_equal(e810g_tx_offload(a, f, len, &ol), 0);
	for (i = 0; i < segs; i++) {
		n = rx_wait(b, got, sizeof(got), &d, 2000);
		if (!n)
			fail_msg("%s buffers %u: segment %u of %u did not arrive", kname(k), buf_max, i,
				 segs);
		assert_true(n <= h + MSS);
		assert_true(csums_ok(got, n, k));
		assert_int_equal(d.status0 & (E810_RXD_S0_L3L4P | E810_RXD_S0_IPE | E810_RXD_S0_L4E),
				 E810_RXD_S0_L3L4P);
		/* PSH and FIN on the last segment only */
		assert_int_equal(got[l4_off(k) + 13],
				 i + 1 < segs ? TCP_ACK : TCP_ACK | TCP_PSH | TCP_FIN);
		assert_int_equal(get32(got + l4_off(k) + 4), 0xffff8000u + i * MSS);
		if (n != expect_seg(f, k, TSO_PAY, i, want) || memcmp(got, want, n))
			fail_msg("%s buffers %u: segment %u (len %u) is not the one expected", kname(k),
				 buf_max, i, n);
		assert_true(at + n - h <= TSO_PAY);
		memcpy(re + at, got + h, n - h);
		at += n - h;
	}
	assert_int_equal(at, TSO_PAY);
	assert_memory_equal(re, f + h, TSO_PAY);
	/* and nothing more */
	assert_int_equal(rx_wait(b, got, sizeof(got), &d, 20), 0);
	free(f);
	free(re);
}

static void test_tso(void **state)
{
	struct e810g *a = &ga, *b = &gb;

	(void)state;
	if (!in_own_netns)
		skip();
	e810v_open(&vm, a, 0);
	e810v_open(&vm, b, 1);
	tso_one(a, b, KINDS[0], 2048);  /* 33 buffers */
	tso_one(a, b, KINDS[2], 2048);
	tso_one(a, b, KINDS[0], 1000);  /* 66 */
	tso_one(a, b, KINDS[2], E810G_OL_BUF_MAX); /* 5 */
	tso_one(a, b, KINDS[0], E810G_OL_BUF_MAX);
	assert_int_equal(a->cnt.tx_done, 5);
	e810g_close(a);
	e810g_close(b);
}

/* ---- (c) RX from the uplink ---------------------------------------------------------- */

static int tap_socket(void)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL) };
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	assert_int_equal(it_link_up(TAP), 0);
	sll.sll_ifindex = (int)if_nametoindex(TAP);
	assert_true(sll.sll_ifindex > 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sll, sizeof(sll)), 0);
	return fd;
}

/* What A must see of a frame from the host. */
struct rx_case {
	const char *what;
	int kind;          /* index into KINDS, -1: not IP */
	uint32_t pay;
	int damage;        /* 1: IPv4 header checksum, 2: L4 checksum */
	bool bcast;
	uint16_t ptype;
	uint16_t s0;       /* of DD, EOF, L3L4P, IPE, L4E, RXE */
};

#define S0_OK (E810_RXD_S0_DD | E810_RXD_S0_EOF | E810_RXD_S0_L3L4P)
#define S0_MASK (S0_OK | E810_RXD_S0_IPE | E810_RXD_S0_L4E | E810_RXD_S0_RXE)

static const struct rx_case RX_CASES[] = {
	{ "TCP/IPv4", 0, 1000, 0, false, E810_PTYPE_IPV4_TCP, S0_OK },
	{ "UDP/IPv4", 1, 46, 0, false, E810_PTYPE_IPV4_UDP, S0_OK },
	{ "TCP/IPv6", 2, 1440, 0, false, E810_PTYPE_IPV6_TCP, S0_OK },
	{ "UDP/IPv6", 3, 7, 0, false, E810_PTYPE_IPV6_UDP, S0_OK },
	{ "TCP/IPv4 full size", 0, 1460, 0, false, E810_PTYPE_IPV4_TCP, S0_OK },
	{ "TCP/IPv4 bad IP checksum", 0, 100, 1, false, E810_PTYPE_IPV4_TCP, S0_OK | E810_RXD_S0_IPE },
	{ "UDP/IPv4 bad L4 checksum", 1, 100, 2, false, E810_PTYPE_IPV4_UDP, S0_OK | E810_RXD_S0_L4E },
	{ "TCP/IPv6 bad L4 checksum", 2, 100, 2, false, E810_PTYPE_IPV6_TCP, S0_OK | E810_RXD_S0_L4E },
	{ "UDP/IPv4 broadcast", 1, 200, 0, true, E810_PTYPE_IPV4_UDP, S0_OK },
	{ "L2 (0x88b5)", -1, 60, 0, false, E810_PTYPE_L2, E810_RXD_S0_DD | E810_RXD_S0_EOF },
	{ "L2 runt-sized", -1, 42, 0, false, E810_PTYPE_L2, E810_RXD_S0_DD | E810_RXD_S0_EOF },
};

static uint32_t rx_case_frame(const struct rx_case *c, const uint8_t *dst, uint8_t *f, uint8_t seed)
{
	static const uint8_t bc[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	uint32_t len;

	if (c->kind < 0) {
		memcpy(f, dst, 6);
		memcpy(f + 6, HOST, 6);
		put16(f + 12, 0x88b5);
		for (uint32_t i = 14; i < c->pay; i++)
			f[i] = (uint8_t)(seed * 3 + i);
		return c->pay;
	}
	len = mkframe(f, c->bcast ? bc : dst, HOST, KINDS[c->kind], c->pay, seed);
	if (c->damage == 1)
		f[24] ^= 0x5a;
	if (c->damage == 2)
		f[csum_off(KINDS[c->kind]) + 1] ^= 0x5a;
	return len;
}

static void test_rx_from_uplink(void **state)
{
	const unsigned ncase = sizeof(RX_CASES) / sizeof(RX_CASES[0]);
	uint8_t f[2048], got[2048];
	struct e810g_rxd d;
	struct e810g *a = &ga;
	int fd;

	(void)state;
	if (!in_own_netns)
		skip();
	e810v_open(&vm, a, 0);
	fd = tap_socket();
	for (unsigned round = 0; round < 3; round++) {
		for (unsigned i = 0; i < ncase; i++) {
			const struct rx_case *c = &RX_CASES[i];
			uint32_t len = rx_case_frame(c, a->mac, f, (uint8_t)(round * 16 + i)), n;
			uint64_t end = it_now_ms() + 2000;

			assert_int_equal(send(fd, f, len, 0), (ssize_t)len);
			/* Only the host's frames count (nothing else should be there). */
			do {
				n = rx_wait(a, got, sizeof(got), &d, 2000);
			} while (n && (n < 12 || memcmp(got + 6, HOST, 6)) && it_now_ms() < end);
			if (n != len || memcmp(got, f, len))
				fail_msg("%s: arrived %s (len %u of %u)", c->what, n ? "changed" : "not at all",
					 n, len);
			assert_int_equal(d.len, len);
			assert_int_equal(d.rxdid, E810_RXDID_FLEX_NIC);
			if (d.ptype != c->ptype || (d.status0 & S0_MASK) != c->s0)
				fail_msg("%s: ptype %u status0 %#x, expected %u %#x", c->what, d.ptype,
					 d.status0 & S0_MASK, c->ptype, c->s0);
			assert_int_equal(d.umb & 0xc0, c->bcast ? E810_RXD_UMB_BROADCAST : E810_RXD_UMB_UNICAST);
		}
	}
	assert_int_equal(a->cnt.rx_frames, 3 * ncase);
	close(fd);
	e810g_close(a);
}

/* ---- (d) the admin queue sweep over vfio-user ---------------------------------------- */

static uint16_t vfu_add_pf_vsi(void *arg, uint16_t *vsi)
{
	struct e810g *g = arg;
	uint8_t p[16] = { 0 }, b[128];
	uint16_t rv;

	vsi_props(b, 0, 1);
	p16(p + VC_VSI_FLAGS, 2);
	rv = e810g_aq(g, AQC_ADD_VSI, p, b, sizeof(b), true);
	if (!rv)
		*vsi = g16(p + VR_VSI_NUM) & VSI_NUM_M;
	return rv;
}

/* A to B, n frames of e810g_tx_one and one checksum-offloaded: all arrive. */
static void traffic_flows(struct e810g *a, struct e810g *b, unsigned n)
{
	uint8_t f[2048], good[2048], got[2048];
	struct e810g_rxd d;
	uint32_t len;

	for (unsigned i = 0; i < n; i++) {
		len = mkframe(f, b->mac, a->mac, KINDS[i % 4], 100 + i, (uint8_t)i);
		assert_int_equal(e810g_tx_one(a, f, len), 0);
		assert_int_equal(rx_wait(b, got, sizeof(got), &d, 2000), len);
		assert_memory_equal(got, f, len);
	}
	len = mkframe(good, b->mac, a->mac, KINDS[0], 700, 1);
	memcpy(f, good, len);
	put16(f + 24, 0);
	put16(f + csum_off(KINDS[0]), 0);
	assert_int_equal(e810g_tx_offload(a, f, len, &(struct e810g_ol){ .ip_csum = 1, .l4_csum = 1 }), 0);
	assert_int_equal(rx_wait(b, got, sizeof(got), &d, 2000), len);
	assert_memory_equal(got, good, len);
}

static void test_aq_sweep(void **state)
{
	struct e810g *a = &ga, *b = &gb;
	struct e810_sweep s;
	uint8_t *buf = calloc(1, 4096);
	unsigned known = 0, unknown = 0;

	(void)state;
	if (!in_own_netns)
		skip();
	assert_non_null(buf);
	e810v_open(&vm, a, 0);
	memset(&s, 0, sizeof(s));
	s.arg = a;
	s.add_pf_vsi = vfu_add_pf_vsi;
	memcpy(s.mac, a->mac, 6);
	s.scratch = e810g_gpa(E810G_TXBUF_END - 0x1000); /* past the buffers of 256 descriptors */
	s.vsi = a->vsi;
	for (unsigned opc = 0; opc <= 0x0fff; opc++) {
		uint8_t p[16] = { 0 };
		const uint8_t *desc;
		uint16_t len, rv, flags;
		bool rd;
		int want;

		memset(buf, 0, 4096);
		want = e810_sweep_build(&s, (uint16_t)opc, p, buf, &len, &rd);
		rv = e810g_aq(a, (uint16_t)opc, p, buf, len, rd);
		desc = e810g_ptr(a, E810G_ATQ + 32u * ((a->atq_ntu + a->atq_n - 1) % a->atq_n));
		flags = g16(desc + AQD_FLAGS);
		if (rv == 0xffff)
			fail_msg("opcode 0x%04x: not completed", opc);
		if (want < 0) {
			if (rv != AQ_RC_ENOSYS || !(flags & AQ_FLAG_ERR))
				fail_msg("opcode 0x%04x: unknown, answered %u (flags %#x)", opc, rv, flags);
			unknown++;
			continue;
		}
		if (rv != want)
			fail_msg("opcode 0x%04x: answered %u, expected %d", opc, rv, want);
		if (!!rv != !!(flags & AQ_FLAG_ERR))
			fail_msg("opcode 0x%04x: retval %u with flags %#x", opc, rv, flags);
		known++;
		e810_sweep_after(&s, (uint16_t)opc, p, buf);
	}
	assert_true(known >= 70);
	assert_int_equal(known + unknown, 0x1000);
	assert_true(e810v_alive(&vm));
	/* The sweep cleared A's configuration: a new driver instance starts from a reset. */
	e810g_close(a);
	e810v_open(&vm, a, 0);
	e810v_open(&vm, b, 1);
	traffic_flows(a, b, 40);
	traffic_flows(b, a, 40);
	assert_true(e810v_alive(&vm));
	e810g_close(a);
	e810g_close(b);
	free(buf);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_csum_offload, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_tso, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_rx_from_uplink, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_aq_sweep, test_setup, test_teardown),
	};

	if (!it_vmux_main(argc, argv, "test_e810g_offload", &vmux, &in_own_netns))
		return 2;
	return cmocka_run_group_tests_name("e810g_offload", tests, group_setup, group_teardown);
}
