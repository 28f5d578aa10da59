/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for the E810 RX queue (src/dev/e810/rxq.c): the queue context
 * as ice_setup_rx_ctx packs it, the tail, and frames written back as flex
 * NIC descriptors the way ice_clean_rx_irq reads them (DD, EOF, pkt_len,
 * ptype, L3L4P/IPE/L4E, RSS hash, the stripped tag), over fake guest RAM;
 * and the RSS queue selection (rss.c) from a VSI's key, table and queue map,
 * its hash in the descriptor, and tables and maps that name no queue.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "dev/e810/lan.h"
#include "dev/e810/lan_desc.h"
#include "dev/e810/rss.h"
#include "lan_fake.h"
#include "net/csum.h"

#define RING GM_BASE              /* descriptors */
#define BUFS (GM_BASE + 0x100000) /* buffer i at BUFS + i * BUFSZ */
#define BUFSZ 2048u
#define QLEN 64u

static struct pkt_pool *pool;
static struct e810_rxq q;

static void set_bits(uint32_t dw[8], unsigned lsb, unsigned width, uint64_t v)
{
	for (unsigned i = 0; i < width; i++) {
		unsigned b = lsb + i;

		dw[b / 32] = (dw[b / 32] & ~(1u << (b % 32))) | (uint32_t)((v >> i) & 1u) << (b % 32);
	}
}

#define SET(dw, field, v) set_bits(dw, field, v)

/* A context as ice_setup_rx_ctx writes it: 32-byte descriptors, CRC strip, tag in L2TAG1. */
static void ctx_driver(uint32_t dw[8], uint64_t base, unsigned qlen, unsigned dbuf, unsigned rxmax)
{
	memset(dw, 0, 8 * sizeof(uint32_t));
	SET(dw, E810_RCTX_BASE, base >> 7);
	SET(dw, E810_RCTX_QLEN, qlen);
	SET(dw, E810_RCTX_DBUF, dbuf / 128);
	SET(dw, E810_RCTX_DSIZE, 1);
	SET(dw, E810_RCTX_CRCSTRIP, 1);
	SET(dw, E810_RCTX_L2TSEL, 1);
	SET(dw, E810_RCTX_RXMAX, rxmax);
	SET(dw, E810_RCTX_LRXQTHRESH, 1);
	SET(dw, E810_RCTX_PREFENA, 1);
}

/* Posts buffers for descriptors [from, to) as the driver does (hdr_addr 0). */
static void post(unsigned from, unsigned to, unsigned bufsz)
{
	for (unsigned i = from; i < to; i++) {
		uint8_t *d = gpa(RING + i * 32ull);

		memset(d, 0, 32);
		put_le64(d, BUFS + (uint64_t)i * bufsz);
	}
}

static void queue_up(unsigned dbuf, unsigned rxmax, unsigned tail)
{
	uint32_t dw[8];

	ctx_driver(dw, RING, QLEN, dbuf, rxmax);
	e810_rxq_init(&q, FAKE_PCI);
	assert_int_equal(e810_rxq_set_ctx(&q, dw), 0);
	assert_true(e810_rxq_enable(&q, true));
	post(0, QLEN, dbuf);
	assert_true(e810_rxq_set_tail(&q, tail));
}

static struct pkt *mk(bool v6, bool udp, uint32_t payload, uint8_t seed)
{
	struct pkt *p = pkt_alloc(pool);
	uint32_t l4;

	assert_non_null(p);
	p->len = build_frame(p->data, v6, udp, payload, seed, &l4);
	return p;
}

static uint8_t *desc(unsigned i)
{
	return gpa(RING + i * 32ull);
}

static uint16_t st0(unsigned i)
{
	return get_le16(desc(i) + E810_RXD_WB_STATUS0);
}

static int setup(void **state)
{
	(void)state;
	fake_mem_init();
	pool = pkt_pool_create("rxtest", 64);
	return pool ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	assert_int_equal(pkt_pool_avail(pool), 64); /* every pkt consumed */
	pkt_pool_destroy(pool);
	return 0;
}

/* Tails, descriptors and buffers outside: counted and logged (first: see the TX test). */
static void test_hostile_logged(void **state)
{
	uint32_t dw[8];
	struct pkt *p[2];
	const char *log;

	(void)state;
	queue_up(BUFSZ, 1522, 8);
	put_le64(desc(0), GM_HOLE);
	p[0] = mk(false, false, 100, 0);
	stderr_capture_begin();
	assert_false(e810_rxq_set_tail(&q, QLEN));
	assert_int_equal(e810_rxq_deliver(&q, p, 1), 1);
	ctx_driver(dw, GM_HOLE, QLEN, BUFSZ, 1522);
	e810_rxq_init(&q, FAKE_PCI);
	assert_int_equal(e810_rxq_set_ctx(&q, dw), 0);
	assert_true(e810_rxq_enable(&q, true));
	assert_true(e810_rxq_set_tail(&q, 8));
	p[1] = mk(false, false, 100, 0);
	assert_int_equal(e810_rxq_deliver(&q, &p[1], 1), 0);
	log = stderr_capture_end();
	assert_int_equal(q.st.desc_dma, 1);
	assert_non_null(strstr(log, "RX tail 64 outside the ring (64 descriptors)"));
	assert_non_null(strstr(log, "RX buffer at 0x8000000 outside guest memory"));
	assert_non_null(strstr(log, "RX descriptor 0 at 0x8000000 outside guest memory"));
}

static void test_ctx_decode(void **state)
{
	uint32_t dw[8];
	struct e810_rxq_ctx c;

	(void)state;
	ctx_driver(dw, 0x123456780ull, 512, 3072, 9728);
	SET(dw, E810_RCTX_HEAD, 5);
	SET(dw, E810_RCTX_SHOWIV, 1);
	assert_int_equal(e810_rxq_ctx_decode(dw, &c), 0);
	assert_int_equal(c.base, 0x123456780ull);
	assert_int_equal(c.qlen, 512);
	assert_int_equal(c.head, 5);
	assert_int_equal(c.dbuf, 3072);
	assert_int_equal(c.dsize, 1);
	assert_true(c.crcstrip);
	assert_true(c.l2tsel);
	assert_true(c.showiv);
	assert_int_equal(c.rxmax, 9728);
	assert_int_equal(c.lrxqthresh, 1);
	assert_true(c.prefena);
	assert_int_equal(c.dtype, 0);
}

/*
 * A context without a data buffer size (the flow director's control VSI on
 * 7.x: descriptors only, for programming status): taken, takes no frames
 * (rx_space 0, frames dropped and counted), and a status goes into the
 * descriptor at the head with its DD qword; with no descriptor free it is
 * lost and counted, as on a queue that is off.
 */
static void test_desc_only_status(void **state)
{
	uint8_t wb[32] = { 0 };
	uint32_t dw[8];
	struct pkt *p;

	(void)state;
	ctx_driver(dw, RING, QLEN, 0, 0);
	e810_rxq_init(&q, FAKE_PCI);
	assert_false(e810_rxq_post_status(&q, wb)); /* off */
	assert_int_equal(q.st.status_drop, 1);
	assert_int_equal(e810_rxq_set_ctx(&q, dw), 0);
	assert_true(e810_rxq_enable(&q, true));
	memset(gm, 0, QLEN * 32);
	assert_false(e810_rxq_post_status(&q, wb)); /* no descriptor given yet */
	assert_int_equal(q.st.status_drop, 2);
	assert_true(e810_rxq_set_tail(&q, 8));
	assert_int_equal(e810_rxq_space(&q), 0);
	p = mk(false, true, 100, 1);
	assert_int_equal(e810_rxq_deliver(&q, &p, 1), 0);
	assert_int_equal(q.st.drop_off, 1);
	assert_int_equal(st0(0), 0);
	wb[0] = 0x40;
	wb[8] = 0x13; /* DD, FAIL: as the flow director writes it */
	wb[12] = 7;
	for (unsigned i = 0; i < 8; i++)
		assert_true(e810_rxq_post_status(&q, wb));
	assert_false(e810_rxq_post_status(&q, wb)); /* 8 given, 8 used */
	assert_int_equal(q.st.status, 8);
	assert_int_equal(q.st.status_drop, 3);
	for (unsigned i = 0; i < 8; i++) {
		assert_int_equal(desc(i)[0], 0x40);
		assert_int_equal(st0(i), 0x13);
		assert_int_equal(get_le32(desc(i) + 12), 7);
	}
	assert_int_equal(st0(8), 0);
	/* A ring with buffers takes status too (6.1 gives its control ring buffers). */
	queue_up(2048, 1522, 8);
	assert_true(e810_rxq_post_status(&q, wb));
	assert_int_equal(st0(0), 0x13);
	assert_int_equal(q.head, 1);
}

static void test_ctx_absurd(void **state)
{
	static const struct {
		unsigned lsb, width;
		uint64_t v;
		int err;
	} cases[] = {
		{ E810_RCTX_QLEN, 0, -E810_RXQ_CTX_QLEN },
		{ E810_RCTX_QLEN, 7, -E810_RXQ_CTX_QLEN },
		{ E810_RCTX_HEAD, 64, -E810_RXQ_CTX_HEAD },
		{ E810_RCTX_DTYPE, 1, -E810_RXQ_CTX_SPLIT },
		{ E810_RCTX_HSPLIT0, 1, -E810_RXQ_CTX_SPLIT },
		{ E810_RCTX_DSIZE, 0, -E810_RXQ_CTX_DSIZE },
		{ E810_RCTX_RXMAX, 20, -E810_RXQ_CTX_RXMAX },
		{ E810_RCTX_RXMAX, 5 * 2048 + 1, -E810_RXQ_CTX_RXMAX },
		{ E810_RCTX_BASE, (1ull << 57) - 1, -E810_RXQ_CTX_BASE },
	};
	uint32_t dw[8];

	(void)state;
	e810_rxq_init(&q, FAKE_PCI);
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ctx_driver(dw, RING, QLEN, 2048, 1522);
		set_bits(dw, cases[i].lsb, cases[i].width, cases[i].v);
		assert_int_equal(e810_rxq_set_ctx(&q, dw), cases[i].err);
		assert_false(e810_rxq_enable(&q, true));
		assert_int_equal(q.st.ctx_bad, i + 1);
	}
	/* Without a context nothing is taken; pkts are consumed and counted. */
	struct pkt *p = mk(false, false, 100, 0);

	assert_int_equal(e810_rxq_space(&q), 0);
	assert_int_equal(e810_rxq_deliver(&q, &p, 1), 0);
	assert_int_equal(q.st.drop_off, 1);
	assert_false(e810_rxq_set_tail(&q, 8));
}

static void test_single(void **state)
{
	struct pkt *p[2];
	uint8_t ref[2][2048];
	uint32_t len[2];

	(void)state;
	queue_up(BUFSZ, 9728, 56);
	assert_int_equal(e810_rxq_space(&q), 56 / 5);
	p[0] = mk(false, false, 1000, 1);
	p[1] = mk(true, true, 300, 2);
	for (int i = 0; i < 2; i++) {
		len[i] = p[i]->len;
		memcpy(ref[i], p[i]->data, len[i]);
	}
	assert_int_equal(e810_rxq_deliver(&q, p, 2), 2);
	assert_int_equal(q.head, 2);
	for (unsigned i = 0; i < 2; i++) {
		uint8_t *d = desc(i);

		assert_memory_equal(gpa(BUFS + i * BUFSZ), ref[i], len[i]);
		assert_int_equal(d[E810_RXD_WB_RXDID], E810_RXDID_FLEX_NIC);
		assert_int_equal(d[E810_RXD_WB_UMBCAST] & 0xc0, E810_RXD_UMB_UNICAST);
		assert_int_equal(get_le16(d + E810_RXD_WB_PKT_LEN) & E810_RXD_PKT_LEN_M, len[i]);
		assert_int_equal(st0(i), E810_RXD_S0_DD | E810_RXD_S0_EOF | E810_RXD_S0_L3L4P);
	}
	assert_int_equal(get_le16(desc(0) + E810_RXD_WB_PTYPE) & E810_RXD_PTYPE_M,
			 E810_PTYPE_IPV4_TCP);
	assert_int_equal(get_le16(desc(1) + E810_RXD_WB_PTYPE) & E810_RXD_PTYPE_M,
			 E810_PTYPE_IPV6_UDP);
	assert_int_equal(st0(2), 0); /* untouched */
	assert_int_equal(q.st.pkts, 2);
}

static void test_multi_buffer(void **state)
{
	struct pkt *p;
	uint8_t ref[3000];
	uint32_t len;

	(void)state;
	queue_up(1024, 5 * 1024, 56);
	p = mk(false, false, 3000 - 54, 7);
	len = p->len;
	assert_int_equal(len, 3000);
	memcpy(ref, p->data, len);
	assert_int_equal(e810_rxq_deliver(&q, &p, 1), 1);
	assert_int_equal(q.head, 3);
	for (unsigned i = 0; i < 3; i++) {
		uint32_t n = i < 2 ? 1024 : 3000 - 2048;

		assert_int_equal(get_le16(desc(i) + E810_RXD_WB_PKT_LEN), n);
		assert_memory_equal(gpa(BUFS + i * 1024ull), ref + i * 1024, n);
		assert_true(st0(i) & E810_RXD_S0_DD);
		assert_int_equal(!!(st0(i) & E810_RXD_S0_EOF), i == 2);
	}
	assert_int_equal(get_le16(desc(2) + E810_RXD_WB_PTYPE), E810_PTYPE_IPV4_TCP);
	assert_true(st0(2) & E810_RXD_S0_L3L4P);
	assert_int_equal(q.st.descs, 3);
}

static void test_rss_vlan(void **state)
{
	struct pkt *p[4];
	uint32_t len;

	(void)state;
	queue_up(BUFSZ, 9728, 56);
	/* Tag beside the frame, stripped: into L2TAG1; RSS hash reported. */
	p[0] = mk(false, true, 100, 0);
	p[0]->flags = PKT_F_RSS | PKT_F_VLAN;
	p[0]->rss_hash = 0xdeadbeef;
	p[0]->vlan_tci = 0x2123;
	len = p[0]->len;
	/* Tag in the data, stripped: the buffer gets the frame without it. */
	p[1] = pkt_alloc(pool);
	memcpy(p[1]->data, (uint8_t[]){ 2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x81, 0, 0x00, 0x42,
					 0x08, 0x06 },
	       18);
	memset(p[1]->data + 18, 0xab, 46);
	p[1]->len = 64;
	assert_int_equal(e810_rxq_deliver(&q, p, 2), 2);
	assert_int_equal(st0(0), E810_RXD_S0_DD | E810_RXD_S0_EOF | E810_RXD_S0_L3L4P |
					 E810_RXD_S0_RSS_VALID | E810_RXD_S0_L2TAG1P);
	assert_int_equal(get_le32(desc(0) + E810_RXD_WB_RSS_HASH), 0xdeadbeef);
	assert_int_equal(get_le16(desc(0) + E810_RXD_WB_L2TAG1), 0x2123);
	assert_int_equal(get_le16(desc(0) + E810_RXD_WB_PKT_LEN), len);
	assert_int_equal(st0(1) & E810_RXD_S0_RSS_VALID, 0);
	assert_int_equal(get_le16(desc(1) + E810_RXD_WB_L2TAG1), 0x42);
	assert_int_equal(get_le16(desc(1) + E810_RXD_WB_PKT_LEN), 60);
	assert_int_equal(get_le16(desc(1) + E810_RXD_WB_PTYPE), E810_PTYPE_ARP);
	assert_int_equal(get_be16(gpa(BUFS + BUFSZ) + 12), 0x0806);

	/* Not stripped: the tag beside the frame goes into the buffer. */
	q.opts.vlan_strip = false;
	p[2] = mk(false, false, 10, 0);
	p[2]->flags = PKT_F_VLAN;
	p[2]->vlan_tci = 7;
	len = p[2]->len;
	/* The tag in L2TAG2 when l2tsel is 0 (double VLAN mode). */
	assert_int_equal(e810_rxq_deliver(&q, &p[2], 1), 1);
	assert_int_equal(get_le16(desc(2) + E810_RXD_WB_PKT_LEN), len + 4);
	assert_int_equal(get_be16(gpa(BUFS + 2 * BUFSZ) + 12), 0x8100);
	assert_int_equal(get_be16(gpa(BUFS + 2 * BUFSZ) + 14), 7);
	assert_int_equal(get_be16(gpa(BUFS + 2 * BUFSZ) + 16), 0x0800);
	assert_int_equal(st0(2) & E810_RXD_S0_L2TAG1P, 0);
	assert_true(st0(2) & E810_RXD_S0_L3L4P);
	q.opts.vlan_strip = true;
	q.ctx.l2tsel = false;
	p[3] = mk(true, false, 10, 0);
	p[3]->flags = PKT_F_VLAN;
	p[3]->vlan_tci = 99;
	assert_int_equal(e810_rxq_deliver(&q, &p[3], 1), 1);
	assert_int_equal(st0(3) & E810_RXD_S0_L2TAG1P, 0);
	assert_int_equal(get_le16(desc(3) + E810_RXD_WB_STATUS1), E810_RXD_S1_L2TAG2P);
	assert_int_equal(get_le16(desc(3) + E810_RXD_WB_L2TAG2_2ND), 99);
}

static void test_csum_reported(void **state)
{
	struct pkt *p[3];

	(void)state;
	queue_up(BUFSZ, 9728, 56);
	p[0] = mk(false, false, 200, 0);
	p[0]->data[100] ^= 0xff; /* payload: the TCP checksum is now wrong */
	p[1] = mk(false, true, 200, 0);
	p[1]->data[14 + 10] ^= 0x01; /* the IPv4 header checksum */
	p[2] = mk(true, false, 200, 0);
	p[2]->data[80] ^= 0x10;
	assert_int_equal(e810_rxq_deliver(&q, p, 3), 3);
	assert_int_equal(st0(0) & (E810_RXD_S0_L3L4P | E810_RXD_S0_IPE | E810_RXD_S0_L4E),
			 E810_RXD_S0_L3L4P | E810_RXD_S0_L4E);
	assert_true(st0(1) & E810_RXD_S0_IPE);
	assert_true(st0(2) & E810_RXD_S0_L4E);
	assert_int_equal(q.st.csum_bad, 3);
	/* Checking off: nothing claimed. */
	q.opts.csum = false;
	p[0] = mk(false, false, 200, 0);
	assert_int_equal(e810_rxq_deliver(&q, p, 1), 1);
	assert_int_equal(st0(3), E810_RXD_S0_DD | E810_RXD_S0_EOF);
}

static void test_ring_full(void **state)
{
	struct pkt *p[10];

	(void)state;
	queue_up(BUFSZ, 2048, 8); /* 8 buffers, one per frame */
	assert_int_equal(e810_rxq_space(&q), 8);
	for (int i = 0; i < 10; i++)
		p[i] = mk(false, false, 100, (uint8_t)i);
	assert_int_equal(e810_rxq_deliver(&q, p, 10), 8);
	assert_int_equal(q.st.drop_nodesc, 2);
	assert_int_equal(q.head, 8);
	assert_int_equal(e810_rxq_space(&q), 0);
	assert_int_equal(st0(8), 0); /* the descriptor at the tail is not the device's */
	/* More buffers: room again, and the ring wraps. */
	assert_true(e810_rxq_set_tail(&q, 0));
	assert_int_equal(e810_rxq_space(&q), QLEN - 8);
	/* Out of range tails are ignored (low 3 bits first: 63 -> 56 is fine). */
	assert_false(e810_rxq_set_tail(&q, QLEN));
	assert_false(e810_rxq_set_tail(&q, 0x1fff));
	assert_int_equal(q.st.tail_oor, 2);
	assert_true(e810_rxq_set_tail(&q, 63));
	assert_int_equal(q.tail, 56);
	/* A frame needing more buffers than are left is dropped whole. */
	queue_up(1024, 5 * 1024, 8);
	q.head = 6;
	p[0] = mk(false, false, 3000, 0);
	assert_int_equal(e810_rxq_deliver(&q, p, 1), 0);
	assert_int_equal(q.st.drop_nodesc, 1);
	assert_int_equal(q.head, 6);
}

static void test_long_and_fcs(void **state)
{
	struct pkt *p[2];
	uint32_t len;

	(void)state;
	queue_up(BUFSZ, 1518, 56);
	p[0] = mk(false, false, 1500, 0); /* 1554 bytes > rxmax */
	p[1] = pkt_alloc(pool);
	p[1]->len = 10; /* runt */
	assert_int_equal(e810_rxq_deliver(&q, p, 2), 0);
	assert_int_equal(q.st.drop_long, 1);
	assert_int_equal(q.st.drop_bad, 1);
	/* crcstrip off: the FCS lands in the buffer and counts in pkt_len. */
	q.ctx.crcstrip = false;
	p[0] = mk(false, false, 100, 0);
	len = p[0]->len;
	assert_int_equal(e810_rxq_deliver(&q, p, 1), 1);
	assert_int_equal(get_le16(desc(0) + E810_RXD_WB_PKT_LEN), len + 4);
}

static void test_outside_memory(void **state)
{
	uint32_t dw[8];
	struct pkt *p[3];

	(void)state;
	/* A buffer in the hole: written back with RXE (the driver drops it), ring goes on. */
	queue_up(BUFSZ, 9728, 56);
	put_le64(desc(0), GM_HOLE);
	p[0] = mk(false, false, 100, 0);
	p[1] = mk(false, false, 100, 0);
	assert_int_equal(e810_rxq_deliver(&q, p, 2), 2);
	assert_true(st0(0) & E810_RXD_S0_RXE);
	assert_true(st0(0) & E810_RXD_S0_DD);
	assert_false(st0(1) & E810_RXD_S0_RXE);
	assert_int_equal(q.st.buf_dma, 1);

	/* The ring in the hole: nothing written, the burst lost and counted. */
	ctx_driver(dw, GM_HOLE, QLEN, BUFSZ, 9728);
	e810_rxq_init(&q, FAKE_PCI);
	assert_int_equal(e810_rxq_set_ctx(&q, dw), 0);
	assert_true(e810_rxq_enable(&q, true));
	assert_true(e810_rxq_set_tail(&q, 16));
	for (int i = 0; i < 3; i++)
		p[i] = mk(false, false, 100, 0);
	assert_int_equal(e810_rxq_deliver(&q, p, 3), 0);
	assert_int_equal(q.st.desc_dma, 1);
	assert_int_equal(q.st.drop_off, 2);
	assert_int_equal(q.head, 0);

	/* A ring whose end lies past guest RAM: the frames before it land, then the fault. */
	ctx_driver(dw, GM2_BASE + GM2_SIZE - 4 * 32, QLEN, BUFSZ, 9728);
	e810_rxq_init(&q, FAKE_PCI);
	assert_int_equal(e810_rxq_set_ctx(&q, dw), 0);
	assert_true(e810_rxq_enable(&q, true));
	for (unsigned i = 0; i < 4; i++)
		put_le64(gm2 + GM2_SIZE - 4 * 32 + i * 32, BUFS);
	assert_true(e810_rxq_set_tail(&q, 8));
	for (int i = 0; i < 3; i++)
		p[i] = mk(false, false, 100, 0);
	q.head = 2;
	assert_int_equal(e810_rxq_deliver(&q, p, 3), 2);
	assert_int_equal(q.st.desc_dma, 1);
	assert_int_equal(q.head, 4);
}

static void test_offload_request(void **state)
{
	struct pkt *p[2];
	uint32_t l4, len;

	(void)state;
	queue_up(BUFSZ, 9728, 56);
	/* A sender left the TCP checksum (pseudo-header sum in the field) and the IP one. */
	p[0] = pkt_alloc(pool);
	len = p[0]->len = build_frame(p[0]->data, false, false, 500, 3, &l4);
	{
		uint8_t ref[600];

		memcpy(ref, p[0]->data, len);
		p[0]->data[14 + 10] = p[0]->data[14 + 11] = 0;
		p[0]->data[l4 + 16] = 0x12;
		p[0]->data[l4 + 17] = 0x34;
		p[0]->flags = PKT_F_OL;
		p[0]->ol = (struct pkt_offload){ .flags = PKT_OL_IP_CSUM | PKT_OL_L4_CSUM,
						 .l2_len = 14, .l3_len = 20, .l4_len = 20,
						 .csum_start = (uint16_t)l4, .csum_offset = 16 };
		/* The field must hold the pseudo-header sum: put it there. */
		{
			uint16_t ph = net_csum_add(net_csum(p[0]->data + 26, 8, 0), 6 + len - l4);

			p[0]->data[l4 + 16] = (uint8_t)(ph >> 8);
			p[0]->data[l4 + 17] = (uint8_t)ph;
		}
		p[1] = pkt_alloc(pool);
		p[1]->len = 100;
		p[1]->flags = PKT_F_OL;
		p[1]->ol.flags = PKT_OL_TSO;
		assert_int_equal(e810_rxq_deliver(&q, p, 2), 1);
		assert_memory_equal(gpa(BUFS), ref, len);
	}
	assert_int_equal(q.st.ol_done, 2);
	assert_int_equal(q.st.drop_tso, 1);
	assert_false(st0(0) & (E810_RXD_S0_IPE | E810_RXD_S0_L4E));
}

/* QINT_RQCTL/QINT_TQCTL as ice_cfg_rxq_interrupt/ice_cfg_txq_interrupt write them. */
static void test_qint(void **state)
{
	uint32_t v = 5u | 1u << 11 | 1u << 30;
	struct e810_qint d = e810_qint_decode(v);
	uint16_t vec = 0xffff;

	(void)state;
	assert_int_equal(d.msix, 5);
	assert_int_equal(d.itr, 1);
	assert_true(d.ena);
	assert_true(e810_qint_vector(v, 8, &vec));
	assert_int_equal(vec, 5);
	/* Past the vectors there are, or the cause disabled: nothing to raise. */
	vec = 0xffff;
	assert_false(e810_qint_vector(v, 5, &vec));
	assert_false(e810_qint_vector(v & ~(1u << 30), 8, &vec));
	assert_int_equal(vec, 0xffff);
	d = e810_qint_decode(0xffffffffu);
	assert_int_equal(d.msix, 0x7ff);
	assert_int_equal(d.itr, 3);
}

/* ---- RSS ---------------------------------------------------------------------- */

/* Microsoft's verification key, and the suite's first IPv4 row (its hashes as facts). */
static const uint8_t MS_KEY[40] = {
	0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3,
	0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3,
	0x80, 0x30, 0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};
#define MS_TCP4 0x51ccc178u /* 66.9.149.187:2794 -> 161.142.100.80:1766 */
#define MS_IP4 0x323e8fc2u  /* the same addresses, no ports */

/* A PF VSI as ice_vsi_setup_q_map leaves it: queues first..first+count-1, the key, a LUT. */
static void vsi_mk(struct e810_aq_vsi *v, unsigned first, unsigned count, unsigned lut_len)
{
	memset(v, 0, sizeof(*v));
	v->in_use = true;
	v->num = 3;
	v->type = 2;
	v->props[0] = 1u << 6;                   /* valid sections: the RX queue map */
	v->props[30] = (uint8_t)first;           /* q_mapping[0] */
	v->props[32] = (uint8_t)count;           /* q_mapping[1] */
	memcpy(v->rss_key, MS_KEY, sizeof(MS_KEY));
	v->rss_key_set = true;
	v->rss_lut_len = (uint16_t)lut_len;
	for (unsigned i = 0; i < lut_len; i++)
		v->rss_lut[i] = (uint8_t)(i % count);
}

/* The suite's first IPv4 frame, TCP (or proto), optionally with a tag in the data. */
static struct pkt *mk_ms(uint8_t proto, bool tagged)
{
	static const uint8_t ip[] = { 0x45, 0, 0, 40, 0, 0, 0, 0, 64, 6, 0, 0, 66, 9, 149, 187,
				      161, 142, 100, 80, 0x0a, 0xea, 0x06, 0xe6 };
	struct pkt *p = pkt_alloc(pool);
	uint32_t o = 12;

	assert_non_null(p);
	memset(p->data, 0, 64);
	p->data[0] = 0x02;
	p->data[5] = 0x01;
	p->data[6] = 0x02;
	if (tagged) {
		p->data[12] = 0x81;
		p->data[14] = 0x00;
		p->data[15] = 0x05;
		o += 4;
	}
	p->data[o] = 0x08;
	memcpy(p->data + o + 2, ip, sizeof(ip));
	p->data[o + 2 + 9] = proto;
	p->len = o + 2 + 40;
	return p;
}

static void test_rss_select(void **state)
{
	static struct e810_rss r;
	struct e810_aq_vsi v;
	struct pkt *p[4];
	unsigned want;

	(void)state;
	e810_rss_init(&r);
	vsi_mk(&v, 0, 4, 64);
	/* One RX queue enabled: off, nothing computed. */
	assert_false(e810_rss_config(&r, &v, 4, 1));
	assert_false(r.on);
	assert_true(e810_rss_config(&r, &v, 4, 4));
	assert_true(r.on);
	assert_int_equal(r.st.keys, 1);
	assert_int_equal(r.targets, 0xf);
	assert_false(e810_rss_config(&r, &v, 4, 4)); /* nothing changed: the table is kept */
	assert_int_equal(r.st.keys, 1);
	want = (MS_TCP4 & 63) % 4;
	p[0] = mk_ms(6, false);
	assert_int_equal(e810_rss_pick(&r, p[0]), want);
	assert_true(p[0]->flags & PKT_F_RSS);
	assert_int_equal(p[0]->rss_hash, MS_TCP4);
	/* Tagged in the data: the same flow, the same hash. ICMP: addresses only. */
	p[1] = mk_ms(6, true);
	assert_int_equal(e810_rss_pick(&r, p[1]), want);
	assert_int_equal(p[1]->rss_hash, MS_TCP4);
	p[2] = mk_ms(1, false);
	assert_int_equal(e810_rss_pick(&r, p[2]), (MS_IP4 & 63) % 4);
	assert_int_equal(p[2]->rss_hash, MS_IP4);
	/* ARP: no hash, the VSI's queue 0, no RSS_VALID. */
	p[3] = mk_ms(6, false);
	p[3]->data[13] = 0x06;
	assert_int_equal(e810_rss_pick(&r, p[3]), 0);
	assert_false(p[3]->flags & PKT_F_RSS);
	assert_int_equal(r.st.hashed, 3);
	assert_int_equal(r.st.nohash, 1);

	/* The hash lands in the descriptor with RSS_VALID. */
	queue_up(BUFSZ, 9728, 56);
	assert_int_equal(e810_rxq_deliver(&q, p, 4), 4);
	for (unsigned i = 0; i < 3; i++) {
		assert_true(st0(i) & E810_RXD_S0_RSS_VALID);
		assert_int_equal(get_le32(desc(i) + E810_RXD_WB_RSS_HASH), i == 2 ? MS_IP4 : MS_TCP4);
	}
	assert_int_equal(st0(1) & E810_RXD_S0_L2TAG1P, E810_RXD_S0_L2TAG1P);
	assert_int_equal(st0(3) & E810_RXD_S0_RSS_VALID, 0);
	assert_int_equal(get_le32(desc(3) + E810_RXD_WB_RSS_HASH), 0);

	/* A hash from the backend is used as given. */
	p[0] = mk_ms(6, false);
	p[0]->flags = PKT_F_RSS;
	p[0]->rss_hash = 0x3e;
	assert_int_equal(e810_rss_pick(&r, p[0]), 0x3e % 4);
	assert_int_equal(p[0]->rss_hash, 0x3e);
	assert_int_equal(r.st.given, 1);
	pkt_free(p[0]);

	/* The VSI's queues 4..7 of 8: relative entries mapped; a LUT naming only queue 2. */
	vsi_mk(&v, 4, 4, 512);
	memset(v.rss_lut, 2, 512);
	assert_true(e810_rss_config(&r, &v, 8, 2));
	assert_int_equal(r.q0, 4);
	assert_int_equal(r.targets, 1u << 4 | 1u << 6);
	p[0] = mk_ms(6, false);
	assert_int_equal(e810_rss_pick(&r, p[0]), 6);
	pkt_free(p[0]);
	/* Scattered: q_mapping[i] names each queue. */
	v.props[28] = 1;
	for (unsigned i = 0; i < 16; i++) {
		v.props[30 + 2 * i] = (uint8_t)(7 - i % 8);
		v.props[31 + 2 * i] = 0;
	}
	assert_true(e810_rss_config(&r, &v, 8, 2));
	assert_int_equal(r.q0, 7);
	p[0] = mk_ms(6, false);
	assert_int_equal(e810_rss_pick(&r, p[0]), 5);
	pkt_free(p[0]);
	/* A new key: its table is built anew. */
	v.rss_key[0] ^= 1;
	assert_true(e810_rss_config(&r, &v, 8, 2));
	assert_int_equal(r.st.keys, 2);
}

/* Tables and maps from the guest that name no queue: never out of bounds, counted. */
static void test_rss_untrusted(void **state)
{
	static struct e810_rss r;
	struct e810_aq_vsi v;
	struct pkt *p;

	(void)state;
	e810_rss_init(&r);
	/* No key, no LUT, a LUT size not a power of two, no VSI: off. */
	vsi_mk(&v, 0, 4, 64);
	v.rss_key_set = false;
	assert_false(e810_rss_config(&r, &v, 4, 4));
	vsi_mk(&v, 0, 4, 0);
	assert_false(e810_rss_config(&r, &v, 4, 4));
	vsi_mk(&v, 0, 4, 64);
	v.rss_lut_len = 100;
	assert_false(e810_rss_config(&r, &v, 4, 4));
	v.rss_lut_len = 4096;
	assert_false(e810_rss_config(&r, &v, 4, 4));
	assert_false(e810_rss_config(&r, NULL, 4, 4));
	assert_false(r.on);
	/* Every entry past the VSI's 4 queues: all frames to its queue 0, counted. */
	vsi_mk(&v, 0, 4, 2048);
	memset(v.rss_lut, 0xff, 2048);
	assert_true(e810_rss_config(&r, &v, 4, 4));
	assert_int_equal(r.lut_bad_entries, 2048);
	assert_int_equal(r.targets, 1);
	p = mk_ms(6, false);
	assert_int_equal(e810_rss_pick(&r, p), 0);
	assert_int_equal(r.st.lut_bad, 1);
	pkt_free(p);
	/* A map past the PF's queues (first 2, count 4 of 4): entries 2 and 3 name none. */
	vsi_mk(&v, 2, 4, 64);
	assert_true(e810_rss_config(&r, &v, 4, 4));
	assert_int_equal(r.q0, 2);
	assert_int_equal(r.lut_bad_entries, 32);
	assert_int_equal(r.targets, 0xc);
	/* A map whose queue 0 is outside: the PF's queue 0 then. */
	vsi_mk(&v, 9, 4, 64);
	assert_true(e810_rss_config(&r, &v, 4, 4));
	assert_int_equal(r.q0, 0);
	assert_int_equal(r.lut_bad_entries, 64);
	/* Scattered entries past the 16 of the map, or unused (0x7ff). */
	vsi_mk(&v, 0, 4, 64);
	v.props[28] = 1;
	for (unsigned i = 0; i < 16; i++) {
		v.props[30 + 2 * i] = 0xff;
		v.props[31 + 2 * i] = 0x07;
	}
	v.props[30] = 1;
	v.props[31] = 0;
	for (unsigned i = 0; i < 64; i++)
		v.rss_lut[i] = (uint8_t)(i % 2 ? 200 : i % 4 ? 1 : 0);
	assert_true(e810_rss_config(&r, &v, 4, 4));
	assert_int_equal(r.q0, 1);
	assert_int_equal(r.lut_bad_entries, 48);
	assert_int_equal(r.targets, 0x2);
	/* The map without its valid bit: the PF's queues from 0. */
	vsi_mk(&v, 2, 2, 64);
	v.props[0] = 0;
	assert_true(e810_rss_config(&r, &v, 4, 4));
	assert_int_equal(r.q0, 0);
	assert_int_equal(r.targets, 0x3);
	/* Off again when the queues go down to one. */
	assert_true(e810_rss_config(&r, &v, 4, 1));
	assert_false(r.on);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hostile_logged),
		cmocka_unit_test(test_ctx_decode),
		cmocka_unit_test(test_ctx_absurd),
		cmocka_unit_test(test_desc_only_status),
		cmocka_unit_test(test_single),
		cmocka_unit_test(test_multi_buffer),
		cmocka_unit_test(test_rss_vlan),
		cmocka_unit_test(test_csum_reported),
		cmocka_unit_test(test_ring_full),
		cmocka_unit_test(test_long_and_fcs),
		cmocka_unit_test(test_outside_memory),
		cmocka_unit_test(test_offload_request),
		cmocka_unit_test(test_qint),
		cmocka_unit_test(test_rss_select),
		cmocka_unit_test(test_rss_untrusted),
	};
	int rc;

	rc = cmocka_run_group_tests(tests, setup, teardown);
	fake_mem_free();
	return rc;
}
