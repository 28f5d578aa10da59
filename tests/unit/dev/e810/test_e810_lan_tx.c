/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for the E810 TX queue (src/dev/e810/txq.c): descriptors as
 * ice_tx_map, ice_tx_csum and ice_tso fill them (data descriptors with
 * CMD/OFFSET/BUF_SZ/L2TAG1, a TSO context descriptor before the frame, RS
 * and EOP on its last descriptor), the done type written back where
 * ice_clean_tx_irq looks, over fake guest RAM, frames collected by a sink.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "dev/e810/lan.h"
#include "dev/e810/lan_desc.h"
#include "lan_fake.h"
#include "net/csum.h"

#define RING GM_BASE
#define QLEN 256u
#define BUF (GM_BASE + 0x10000)  /* frames are built here (up to 3 MiB) */
#define POOL 512u
#define MAXOUT 512u

static struct pkt_pool *pool;
static struct e810_txq q;
static struct {
	struct pkt *p[MAXOUT];
	unsigned n;
	uint32_t space; /* UINT32_MAX: unbounded */
	bool reenter;   /* the sink calls e810_txq_run (and posts one more frame) */
	uint32_t reenter_len;
} out;

#define EOP_RS (E810_TXD_CMD_EOP | E810_TXD_CMD_RS)
static void desc_data(unsigned i, uint64_t addr, uint32_t len, uint32_t cmd, uint32_t offset,
		      uint16_t tag);

static uint16_t sink_send(void *arg, uint16_t queue, struct pkt **pkts, uint16_t n)
{
	(void)arg;
	assert_int_equal(queue, 3);
	if (out.reenter) {
		struct e810_txq_result r;

		out.reenter = false;
		desc_data(q.tail, BUF, out.reenter_len, EOP_RS, 0, 0);
		assert_true(e810_txq_set_tail(&q, q.tail + 1));
		r = e810_txq_run(&q);
		assert_int_equal(r.descs, 0);
		assert_true(q.again);
	}
	for (uint16_t i = 0; i < n; i++) {
		assert_true(out.n < MAXOUT);
		out.p[out.n++] = pkts[i];
		if (out.space != UINT32_MAX)
			out.space--;
	}
	return n;
}

static uint32_t sink_space(void *arg, uint16_t queue)
{
	(void)arg;
	(void)queue;
	return out.space;
}

static void out_free(void)
{
	pkt_free_bulk(out.p, out.n);
	out.n = 0;
}

static void desc_data(unsigned i, uint64_t addr, uint32_t len, uint32_t cmd, uint32_t offset,
		      uint16_t tag)
{
	uint8_t *d = gpa(RING + i * 16ull);

	put_le64(d, addr);
	put_le64(d + 8, E810_TXD_DTYPE_DATA | (uint64_t)cmd << E810_TXD_CMD_S |
				(uint64_t)offset << E810_TXD_OFFSET_S |
				(uint64_t)len << E810_TXD_BSZ_S | (uint64_t)tag << E810_TXD_L2TAG1_S);
}

static void desc_ctx(unsigned i, uint32_t cmd, uint32_t tso_len, uint32_t mss)
{
	uint8_t *d = gpa(RING + i * 16ull);

	put_le64(d, 0);
	put_le64(d + 8, E810_TXD_DTYPE_CTX | (uint64_t)cmd << E810_TXC_CMD_S |
				(uint64_t)tso_len << E810_TXC_TSO_LEN_S |
				(uint64_t)mss << E810_TXC_MSS_S);
}

static unsigned dtype(unsigned i)
{
	return gpa(RING + i * 16ull)[8] & 0xf;
}

static void queue_up(uint64_t base, unsigned qlen)
{
	struct e810_aq_txq_ctx c = { .base = base, .qlen = (uint16_t)qlen, .vmvf_type = 2 };

	e810_txq_init(&q, FAKE_PCI, pool,
		      (struct e810_txq_sink){ .send = sink_send, .space = sink_space, .queue = 3 });
	assert_int_equal(e810_txq_setup(&q, &c), 0);
	out.n = 0;
	out.space = UINT32_MAX;
}

static int setup(void **state)
{
	(void)state;
	fake_mem_init();
	pool = pkt_pool_create("txtest", POOL);
	return pool ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	assert_int_equal(pkt_pool_avail(pool), POOL);
	pkt_pool_destroy(pool);
	return 0;
}

static int each(void **state)
{
	(void)state;
	fake_mem_init();
	return 0;
}

static int each_end(void **state)
{
	(void)state;
	e810_txq_stop(&q);
	out_free();
	return 0;
}

/* OFFSET for Ethernet + a 20/40-byte IP header + a 20/8-byte L4 header. */
#define OFFS(ip, l4) ((14u / 2) | ((ip) / 4u) << 7 | ((l4) / 4u) << 14)

/*
 * What the guest gets wrong is counted and logged (rate-limited: run first,
 * before other tests use up the call sites' bursts).
 */
static void test_hostile_logged(void **state)
{
	uint32_t l4, len = build_frame(gpa(BUF), false, false, 100, 3, &l4);
	const char *log;

	(void)state;
	queue_up(RING, QLEN);
	desc_data(0, GM_HOLE, 100, EOP_RS, 0, 0);
	desc_data(1, BUF, E810_TXD_BSZ_M, 0, 0, 0);
	desc_data(2, BUF, 2, EOP_RS, 0, 0);
	desc_data(3, BUF, len, EOP_RS | E810_TXD_CMD_L4T_TCP, OFFS(20, 20) + 60, 0);
	desc_ctx(4, E810_TXC_CMD_TSO, 1, 1448);
	desc_data(5, BUF, len, EOP_RS | E810_TXD_CMD_IIPT_IPV4_CSUM | E810_TXD_CMD_L4T_TCP,
		  OFFS(20, 20), 0);
	desc_ctx(6, E810_TXC_CMD_TSO, len - 54, 1);
	desc_data(7, BUF, len, EOP_RS | E810_TXD_CMD_IIPT_IPV4_CSUM | E810_TXD_CMD_L4T_TCP,
		  OFFS(20, 20), 0);
	stderr_capture_begin();
	assert_false(e810_txq_set_tail(&q, QLEN));
	assert_true(e810_txq_set_tail(&q, 8));
	e810_txq_run(&q);
	e810_txq_stop(&q);
	queue_up(GM_HOLE, QLEN);
	assert_true(e810_txq_set_tail(&q, 1));
	e810_txq_run(&q);
	log = stderr_capture_end();
	assert_int_equal(out.n, 0);
	assert_non_null(strstr(log, "TX doorbell 256 outside the ring"));
	assert_non_null(strstr(log, "TX buffer at 0x8000000 (100 bytes) outside guest memory"));
	assert_non_null(strstr(log, "TX frame longer than 16384 bytes dropped"));
	assert_non_null(strstr(log, "checksum offsets"));
	assert_non_null(strstr(log, "do not fit it"));
	assert_non_null(strstr(log, "headers, MSS 1"));
	assert_non_null(strstr(log, "TX descriptor 0 at 0x8000000 outside guest memory"));
}

static void test_setup_absurd(void **state)
{
	struct e810_aq_txq_ctx c = { .base = RING, .qlen = 0 };

	(void)state;
	queue_up(RING, QLEN);
	assert_int_equal(e810_txq_setup(&q, &c), -E810_TXQ_CTX_QLEN);
	c.qlen = 4;
	assert_int_equal(e810_txq_setup(&q, &c), -E810_TXQ_CTX_QLEN);
	c.qlen = 64;
	c.wb_mode = true;
	assert_int_equal(e810_txq_setup(&q, &c), -E810_TXQ_CTX_WB_MODE);
	c.wb_mode = false;
	c.base = UINT64_MAX - 127;
	assert_int_equal(e810_txq_setup(&q, &c), -E810_TXQ_CTX_BASE);
	assert_int_equal(q.st.ctx_bad, 4);
	assert_false(e810_txq_set_tail(&q, 1));
	assert_int_equal(e810_txq_run(&q).descs, 0);
	/* Doorbells outside the ring are ignored. */
	queue_up(RING, 64);
	assert_false(e810_txq_set_tail(&q, 64));
	assert_int_equal(q.st.tail_oor, 1);
}

/* The 22-byte context add_txqs carries, as ice_setup_tx_ctx packs it, through the AQ's decode. */
static void test_setup_packed(void **state)
{
	uint8_t ctx[22] = { 0 };
	uint64_t base = RING >> 7;
	struct e810_aq_txq_ctx c;

	(void)state;
	for (unsigned i = 0; i < 57; i++)           /* base 0:57 */
		ctx[i / 8] |= (uint8_t)(((base >> i) & 1u) << (i % 8));
	ctx[78 / 8] |= 2u << (78 % 8);              /* vmvf_type 78:2 = PF */
	for (unsigned i = 0; i < 13; i++)           /* qlen 135:13 */
		ctx[(135 + i) / 8] |= (uint8_t)(((QLEN >> i) & 1u) << ((135 + i) % 8));
	ctx[152 / 8] |= 1u << (152 % 8);            /* tso_ena */
	e810_aq_txq_ctx_decode(ctx, &c);
	assert_int_equal(c.base, RING);
	assert_int_equal(c.qlen, QLEN);
	queue_up(GM_HOLE, 64);
	assert_int_equal(e810_txq_setup(&q, &c), 0);
	assert_int_equal(q.base, RING);
	assert_int_equal(q.count, QLEN);
	assert_true(q.enabled);
	assert_int_equal(q.head, 0);
}

static void test_single(void **state)
{
	uint32_t l4, len = build_frame(gpa(BUF), false, false, 100, 1, &l4);
	struct e810_txq_result r;

	(void)state;
	queue_up(RING, QLEN);
	desc_data(0, BUF, len, EOP_RS, 0, 0);
	assert_true(e810_txq_set_tail(&q, 1));
	r = e810_txq_run(&q);
	assert_int_equal(r.descs, 1);
	assert_int_equal(r.frames, 1);
	assert_true(r.done_wb);
	assert_false(r.more || r.blocked);
	assert_int_equal(out.n, 1);
	assert_int_equal(out.p[0]->len, len);
	assert_memory_equal(out.p[0]->data, gpa(BUF), len);
	assert_int_equal(out.p[0]->flags & PKT_F_VLAN, 0);
	/* The driver checks (qw1 & 0xf) == 0xf in the EOP descriptor; the rest is kept. */
	assert_int_equal(dtype(0), E810_TXD_DTYPE_DONE);
	assert_int_equal((get_le64(gpa(RING + 8)) >> E810_TXD_BSZ_S) & E810_TXD_BSZ_M, len);
	assert_int_equal(q.head, 1);
	/* Nothing more to do. */
	assert_int_equal(e810_txq_run(&q).descs, 0);
}

static void test_multi_desc_vlan(void **state)
{
	uint32_t l4, len = build_frame(gpa(BUF), false, true, 3000, 2, &l4);

	(void)state;
	queue_up(RING, QLEN);
	/* Three pieces, the tag to insert in each (as ice_tx_map does), RS|EOP on the last. */
	desc_data(0, BUF, 42, E810_TXD_CMD_IL2TAG1, 0, 0x0abc);
	desc_data(1, BUF + 42, 1000, E810_TXD_CMD_IL2TAG1, 0, 0x0abc);
	desc_data(2, BUF + 1042, len - 1042, EOP_RS | E810_TXD_CMD_IL2TAG1, 0, 0x0abc);
	assert_true(e810_txq_set_tail(&q, 3));
	assert_int_equal(e810_txq_run(&q).frames, 1);
	assert_int_equal(out.n, 1);
	assert_int_equal(out.p[0]->len, len);
	assert_memory_equal(out.p[0]->data, gpa(BUF), len);
	assert_true(out.p[0]->flags & PKT_F_VLAN);
	assert_int_equal(out.p[0]->vlan_tci, 0x0abc);
	assert_int_equal(dtype(0), 0);
	assert_int_equal(dtype(1), 0);
	assert_int_equal(dtype(2), E810_TXD_DTYPE_DONE);
	assert_int_equal(q.st.vlan_ins, 1);
}

/* The frame at BUF as the stack hands it for CHECKSUM_PARTIAL: L4 field = pseudo-header sum. */
static uint32_t partial(bool v6, bool udp, uint32_t payload)
{
	uint8_t *f = gpa(BUF);
	uint32_t l4, len = build_frame(f, v6, udp, payload, 5, &l4), l4len = len - l4;
	unsigned proto = udp ? 17 : 6;
	uint16_t ph = v6 ? net_csum_add(net_csum(f + 22, 32, 0), proto + l4len)
			 : net_csum_add(net_csum(f + 26, 8, 0), proto + l4len);
	uint8_t *cs = f + l4 + (udp ? 6 : 16);

	cs[0] = (uint8_t)(ph >> 8);
	cs[1] = (uint8_t)ph;
	return len;
}

static void test_csum_offload(void **state)
{
	uint32_t len;

	(void)state;
	queue_up(RING, QLEN);
	/* IPv4/TCP: the IP header checksum inserted too (IIPT = IPv4 + checksum). */
	len = partial(false, false, 777);
	gpa(BUF)[24] = gpa(BUF)[25] = 0;
	desc_data(0, BUF, len, EOP_RS | E810_TXD_CMD_IIPT_IPV4_CSUM | E810_TXD_CMD_L4T_TCP,
		  OFFS(20, 20), 0);
	assert_true(e810_txq_set_tail(&q, 1));
	e810_txq_run(&q);
	assert_int_equal(out.n, 1);
	assert_true(frame_csum_ok(out.p[0]->data, len, false, false));
	/* IPv4 without header checksum (what ice asks outside TSO): that field left alone. */
	len = partial(false, true, 333);
	gpa(BUF)[24] ^= 0x5a;
	desc_data(1, BUF, len, EOP_RS | E810_TXD_CMD_IIPT_IPV4 | E810_TXD_CMD_L4T_UDP,
		  OFFS(20, 8), 0);
	/* IPv6/TCP. */
	desc_data(2, BUF + 4096, 0, 0, 0, 0); /* an empty descriptor does no harm */
	assert_true(e810_txq_set_tail(&q, 2));
	e810_txq_run(&q);
	assert_int_equal(out.n, 2);
	assert_int_equal(out.p[1]->data[24], gpa(BUF)[24]);
	out.p[1]->data[24] ^= 0x5a; /* undo the damage, then everything must check */
	assert_true(frame_csum_ok(out.p[1]->data, len, false, true));
	len = partial(true, false, 1200);
	desc_data(2, BUF, len, EOP_RS | E810_TXD_CMD_IIPT_IPV6 | E810_TXD_CMD_L4T_TCP,
		  OFFS(40, 20), 0);
	assert_true(e810_txq_set_tail(&q, 3));
	e810_txq_run(&q);
	assert_int_equal(out.n, 3);
	assert_true(frame_csum_ok(out.p[2]->data, len, true, false));
	assert_int_equal(q.st.csum_ip, 1);
	assert_int_equal(q.st.csum_l4, 3);
	/* Offsets beyond the frame: dropped and counted, the descriptor still done. */
	desc_data(3, BUF, 60, EOP_RS | E810_TXD_CMD_L4T_TCP, OFFS(124, 20), 0);
	assert_true(e810_txq_set_tail(&q, 4));
	e810_txq_run(&q);
	assert_int_equal(out.n, 3);
	assert_int_equal(q.st.drop_csum, 1);
	assert_int_equal(dtype(3), E810_TXD_DTYPE_DONE);
}

/*
 * Posts a TSO frame at BUF as ice_tso leaves it (IPv4 total length and
 * checksum 0, IPv6 payload length 0, the TCP field = pseudo-header sum
 * without the length): a context descriptor, the headers, the payload in
 * 16 KiB pieces. Returns the descriptors used, from index first.
 */
static unsigned post_tso(unsigned first, bool v6, uint32_t payload, uint32_t mss,
			 uint32_t *hdrlen)
{
	uint8_t *f = gpa(BUF);
	uint32_t l4, len = build_frame(f, v6, false, payload, 9, &l4), h = l4 + 20, done;
	uint16_t ph;
	unsigned i = first;

	if (v6) {
		f[18] = f[19] = 0;
		ph = net_csum_add(net_csum(f + 22, 32, 0), 6);
	} else {
		f[16] = f[17] = f[24] = f[25] = 0;
		ph = net_csum_add(net_csum(f + 26, 8, 0), 6);
	}
	f[l4 + 16] = (uint8_t)(ph >> 8);
	f[l4 + 17] = (uint8_t)ph;
	desc_ctx(i++ % QLEN, E810_TXC_CMD_TSO, payload, mss);
	uint32_t cmd = (v6 ? E810_TXD_CMD_IIPT_IPV6 : E810_TXD_CMD_IIPT_IPV4_CSUM) |
		       E810_TXD_CMD_L4T_TCP;
	desc_data(i++ % QLEN, BUF, h, cmd, OFFS(v6 ? 40 : 20, 20), 0);
	for (done = h; done < len;) {
		uint32_t n = len - done < 16383 ? len - done : 16383;

		done += n;
		desc_data(i++ % QLEN, BUF + done - n, n, cmd | (done == len ? EOP_RS : 0),
			  OFFS(v6 ? 40 : 20, 20), 0);
	}
	*hdrlen = h;
	return i - first;
}

/* Checks the segments in out against the frame at BUF (payload pattern from seed 9). */
static void check_segs(bool v6, uint32_t payload, uint32_t mss, uint32_t h)
{
	unsigned nseg = (payload + mss - 1) / mss;
	const uint8_t *f = gpa(BUF);

	assert_int_equal(out.n, nseg);
	for (unsigned s = 0; s < nseg; s++) {
		const uint8_t *o = out.p[s]->data;
		uint32_t n = s + 1 < nseg ? mss : payload - s * mss;

		assert_int_equal(out.p[s]->len, h + n);
		if (v6) {
			assert_int_equal(get_be16(o + 18), 20 + n);
		} else {
			assert_int_equal(get_be16(o + 16), 40 + n);
			assert_int_equal(get_be16(o + 18), (uint16_t)(0x1234 + s));
		}
		assert_int_equal(get_be32(o + h - 20 + 4), 0x10000000u + s * mss);
		assert_int_equal(o[h - 20 + 13] & 0x08, s + 1 == nseg ? 0x08 : 0); /* PSH last */
		assert_memory_equal(o + h, f + h + s * mss, n);
		assert_true(frame_csum_ok(o, h + n, v6, false));
	}
}

static void test_tso_64k(void **state)
{
	uint32_t h, payload = 65536 - 54, mss = 1448;
	unsigned nd;

	(void)state;
	queue_up(RING, QLEN);
	nd = post_tso(0, false, payload, mss, &h);
	assert_true(e810_txq_set_tail(&q, nd));
	e810_txq_run(&q);
	check_segs(false, payload, mss, h);
	assert_int_equal(q.st.tso, 1);
	assert_int_equal(q.st.tso_segs, out.n);
	assert_int_equal(dtype(nd - 1), E810_TXD_DTYPE_DONE);
	assert_int_equal(dtype(0), E810_TXD_DTYPE_CTX); /* the context descriptor untouched */
}

static void test_tso_200k(void **state)
{
	uint32_t h, payload = 200u * 1024, mss = 1440;
	unsigned nd;

	(void)state;
	queue_up(RING, QLEN);
	q.head = q.tail = 250; /* across the ring's end */
	nd = post_tso(250, true, payload, mss, &h);
	assert_true(e810_txq_set_tail(&q, (250 + nd) % QLEN));
	e810_txq_run(&q);
	check_segs(true, payload, mss, h);
	assert_int_equal(q.head, (250 + nd) % QLEN);
	assert_int_equal(dtype((250 + nd - 1) % QLEN), E810_TXD_DTYPE_DONE);
}

/* UDP segmentation (SKB_GSO_UDP_L4): L4T UDP with a TSO context, UDP lengths rewritten. */
static void test_uso(void **state)
{
	uint8_t *f = gpa(BUF);
	uint32_t l4, payload = 5000, mss = 1400, len = build_frame(f, false, true, payload, 4, &l4);
	uint32_t cmd = E810_TXD_CMD_IIPT_IPV4_CSUM | E810_TXD_CMD_L4T_UDP;
	uint16_t ph = net_csum_add(net_csum(f + 26, 8, 0), 17);

	(void)state;
	queue_up(RING, QLEN);
	f[16] = f[17] = f[24] = f[25] = 0;
	f[l4 + 6] = (uint8_t)(ph >> 8);
	f[l4 + 7] = (uint8_t)ph;
	desc_ctx(0, E810_TXC_CMD_TSO, payload, mss);
	desc_data(1, BUF, 42, cmd, OFFS(20, 8), 0);
	desc_data(2, BUF + 42, len - 42, cmd | EOP_RS, OFFS(20, 8), 0);
	assert_true(e810_txq_set_tail(&q, 3));
	e810_txq_run(&q);
	assert_int_equal(out.n, 4);
	for (unsigned s = 0; s < 4; s++) {
		const uint8_t *o = out.p[s]->data;
		uint32_t n = s < 3 ? mss : payload - 3 * mss;

		assert_int_equal(out.p[s]->len, 42 + n);
		assert_int_equal(get_be16(o + 16), 28 + n);
		assert_int_equal(get_be16(o + 38), 8 + n);
		assert_memory_equal(o + 42, f + 42 + s * mss, n);
		assert_true(frame_csum_ok(o, 42 + n, false, true));
	}
}

static void test_tso_absurd(void **state)
{
	static const uint32_t mss_bad[] = { 0, 32, 16383 };
	uint32_t h;
	unsigned at = 0, nd;

	(void)state;
	queue_up(RING, QLEN);
	for (unsigned i = 0; i < 3; i++) {
		nd = post_tso(at, false, 30000, mss_bad[i], &h);
		at += nd;
	}
	/* TSO_LEN that does not match the frame. */
	nd = post_tso(at, false, 30000, 1448, &h);
	desc_ctx(at, E810_TXC_CMD_TSO, 29999, 1448);
	at += nd;
	/* An L4 header length of 0, then a MACLEN below an Ethernet header. */
	nd = post_tso(at, false, 30000, 1448, &h);
	for (unsigned i = at + 1; i < at + nd; i++)
		put_le64(gpa(RING + i * 16ull) + 8,
			 get_le64(gpa(RING + i * 16ull) + 8) & ~(0xfull << (E810_TXD_OFFSET_S + 14)));
	at += nd;
	nd = post_tso(at, false, 30000, 1448, &h);
	for (unsigned i = at + 1; i < at + nd; i++)
		gpa(RING + i * 16ull)[8 + 2] = 3;
	at += nd;
	assert_true(e810_txq_set_tail(&q, at));
	e810_txq_run(&q);
	assert_int_equal(out.n, 0);
	assert_int_equal(q.st.drop_tso, 6);
	assert_int_equal(q.head, at);
	assert_int_equal(dtype(at - 1), E810_TXD_DTYPE_DONE); /* completed all the same */
}

/*
 * Buffer sizes the driver never posts: 0 (the piece adds nothing and its
 * address is not looked at; a frame of nothing else is a runt) and frames one
 * byte past the largest one vmux carries (dropped as long) or at it (sent).
 */
static void test_buffer_sizes(void **state)
{
	uint32_t l4, len = build_frame(gpa(BUF), false, false, 100, 2, &l4);
	struct e810_txq_result r;

	(void)state;
	queue_up(RING, QLEN);
	desc_data(0, BUF, 0, 0, 0, 0);
	desc_data(1, BUF, len, 0, 0, 0);
	desc_data(2, GM_HOLE, 0, EOP_RS, 0, 0);
	desc_data(3, GM_HOLE, 0, EOP_RS, 0, 0);
	desc_data(4, BUF, E810_TXD_BSZ_M, 0, 0, 0);
	desc_data(5, BUF, 2, EOP_RS, 0, 0);
	desc_data(6, BUF, E810_TXD_BSZ_M, 0, 0, 0);
	desc_data(7, BUF, 1, EOP_RS, 0, 0);
	assert_true(e810_txq_set_tail(&q, 8));
	r = e810_txq_run(&q);
	assert_int_equal(r.descs, 8);
	assert_int_equal(q.head, 8);
	assert_int_equal(out.n, 2);
	assert_int_equal(out.p[0]->len, len);
	assert_memory_equal(out.p[0]->data, gpa(BUF), len);
	assert_int_equal(out.p[1]->len, PKT_DATA_MAX);
	assert_int_equal(q.st.drop_runt, 1);
	assert_int_equal(q.st.drop_long, 1);
	assert_int_equal(q.st.drop_dma, 0);
	for (unsigned i = 2; i < 8; i++)
		if (i != 4 && i != 6)
			assert_int_equal(dtype(i), E810_TXD_DTYPE_DONE);
}

/*
 * TSO contexts the driver never gives: headers longer than the frame,
 * headers without payload, an MSS of 1; and an MSS above any MTU, whose
 * segments still fit a frame: sent, each within PKT_DATA_MAX.
 */
static void test_tso_hdr_mss(void **state)
{
	uint32_t cmd = E810_TXD_CMD_IIPT_IPV4_CSUM | E810_TXD_CMD_L4T_TCP | EOP_RS;
	uint32_t l4, h, len = build_frame(gpa(BUF), false, false, 0, 0, &l4);
	unsigned at = 0;

	(void)state;
	assert_int_equal(len, 54);
	queue_up(RING, QLEN);
	desc_ctx(at++, E810_TXC_CMD_TSO, 0, 1448);
	desc_data(at++, BUF, 40, cmd, OFFS(20, 20), 0);
	desc_ctx(at++, E810_TXC_CMD_TSO, 0, 1448);
	desc_data(at++, BUF, len, cmd, OFFS(20, 20), 0);
	at += post_tso(at, false, 3000, 1, &h);
	assert_true(e810_txq_set_tail(&q, at));
	e810_txq_run(&q);
	assert_int_equal(out.n, 0);
	assert_int_equal(q.st.drop_tso, 3);
	assert_int_equal(q.st.tso, 0);
	assert_int_equal(q.head, at);
	assert_int_equal(dtype(at - 1), E810_TXD_DTYPE_DONE);

	at += post_tso(at, false, 30000, 12000, &h);
	assert_true(e810_txq_set_tail(&q, at));
	e810_txq_run(&q);
	check_segs(false, 30000, 12000, h);
	for (unsigned i = 0; i < out.n; i++)
		assert_true(out.p[i]->len <= PKT_DATA_MAX);
	assert_int_equal(q.st.drop_tso, 3);
}

/* A TSO frame of NET_TSO_MAX bytes is segmented; one byte more is dropped whole. */
static void test_tso_256k(void **state)
{
	uint32_t h, mss = 9000;
	unsigned at;

	(void)state;
	queue_up(RING, QLEN);
	at = post_tso(0, false, NET_TSO_MAX - 54, mss, &h);
	assert_true(e810_txq_set_tail(&q, at));
	e810_txq_run(&q);
	check_segs(false, NET_TSO_MAX - 54, mss, h);
	out_free();

	at += post_tso(at, false, NET_TSO_MAX - 54 + 1, mss, &h);
	assert_true(e810_txq_set_tail(&q, at));
	e810_txq_run(&q);
	assert_int_equal(out.n, 0);
	assert_int_equal(q.st.drop_long, 1);
	assert_int_equal(q.st.tso, 1);
	assert_int_equal(q.head, at);
	assert_int_equal(dtype(at - 1), E810_TXD_DTYPE_DONE);
	/* What was gathered went back to the pool. */
	assert_int_equal(pkt_pool_avail(pool), POOL);
}

static void test_no_eop(void **state)
{
	struct e810_txq_result r;
	uint32_t l4, len = build_frame(gpa(BUF), false, false, 10, 0, &l4);

	(void)state;
	queue_up(RING, 64);
	for (unsigned i = 0; i < 64; i++)
		desc_data(i, BUF, 1, 0, 0, 0);
	assert_true(e810_txq_set_tail(&q, 63));
	r = e810_txq_run(&q);
	assert_int_equal(r.descs, 63);
	assert_int_equal(r.frames, 0);
	assert_true(q.fr.active);
	/* The guest goes on without EOP past a ring's worth: the frame is dropped at its end. */
	assert_true(e810_txq_set_tail(&q, 10));
	assert_int_equal(e810_txq_run(&q).descs, 11);
	desc_data(10, BUF, len, EOP_RS, 0, 0);
	desc_data(11, BUF, len, EOP_RS, 0, 0);
	assert_true(e810_txq_set_tail(&q, 12));
	r = e810_txq_run(&q);
	assert_int_equal(r.descs, 2);
	assert_int_equal(q.st.drop_noeop, 1);
	assert_int_equal(out.n, 1); /* the next frame is fine */
	assert_int_equal(out.p[0]->len, len);
}

static void test_budget_and_backpressure(void **state)
{
	uint32_t l4, len = build_frame(gpa(BUF), false, false, 10, 0, &l4);
	struct e810_txq_result r;

	(void)state;
	queue_up(RING, QLEN);
	for (unsigned i = 0; i < 20; i++)
		desc_data(i, BUF, len, EOP_RS, 0, 0);
	assert_true(e810_txq_set_tail(&q, 20));
	q.budget_descs = 8;
	r = e810_txq_run(&q);
	assert_int_equal(r.descs, 8);
	assert_true(r.more);
	assert_int_equal(out.n, 8);
	q.budget_descs = 100;
	q.budget_frames = 5;
	r = e810_txq_run(&q);
	assert_int_equal(r.frames, 5);
	assert_true(r.more);
	/* The sink takes 3 more, then has no room: the walk waits for its wake-up. */
	q.budget_frames = 100;
	out.space = 3;
	r = e810_txq_run(&q);
	assert_int_equal(r.frames, 3);
	assert_true(r.blocked);
	assert_false(r.more);
	assert_int_equal(q.head, 16);
	assert_int_equal(q.st.blocked, 1);
	out.space = UINT32_MAX;
	r = e810_txq_run(&q);
	assert_int_equal(r.frames, 4);
	assert_int_equal(out.n, 20);
	assert_int_equal(q.head, 20);
}

static void test_outside_memory(void **state)
{
	uint32_t l4, len = build_frame(gpa(BUF), false, false, 10, 0, &l4);

	(void)state;
	/* A buffer in the hole: the frame is dropped, its descriptor done. */
	queue_up(RING, QLEN);
	desc_data(0, GM_HOLE, 100, EOP_RS, 0, 0);
	desc_data(1, BUF, len, 0, 0, 0);
	desc_data(2, GM2_BASE + GM2_SIZE - 8, 16, EOP_RS, 0, 0); /* runs off RAM */
	assert_true(e810_txq_set_tail(&q, 3));
	e810_txq_run(&q);
	assert_int_equal(out.n, 0);
	assert_int_equal(q.st.drop_dma, 2);
	assert_int_equal(dtype(0), E810_TXD_DTYPE_DONE);
	assert_int_equal(dtype(2), E810_TXD_DTYPE_DONE);
	/* The ring in the hole: the walk stops at once, counted. */
	queue_up(GM_HOLE, QLEN);
	assert_true(e810_txq_set_tail(&q, 5));
	assert_int_equal(e810_txq_run(&q).descs, 0);
	assert_int_equal(q.st.desc_dma, 1);
	assert_int_equal(q.head, 0);
}

static void test_odd_descriptors(void **state)
{
	uint32_t l4, len = build_frame(gpa(BUF), false, false, 10, 0, &l4);

	(void)state;
	queue_up(RING, QLEN);
	/* A flow director programming descriptor, then its dummy packet: neither leaves. */
	desc_data(0, 0, 0, 0, 0, 0);
	gpa(RING)[8] = E810_TXD_DTYPE_FD_PROG;
	desc_data(1, BUF, len, EOP_RS | E810_TXD_CMD_DUMMY, 0, 0);
	/* A context descriptor inside a frame is refused; a runt is dropped. */
	desc_data(2, BUF, 20, 0, 0, 0);
	desc_ctx(3, E810_TXC_CMD_TSO, 100, 1000);
	desc_data(4, BUF + 20, len - 20, EOP_RS, 0, 0);
	desc_data(5, BUF, 10, EOP_RS, 0, 0);
	assert_true(e810_txq_set_tail(&q, 6));
	e810_txq_run(&q);
	assert_int_equal(q.st.bad_desc, 2);
	assert_int_equal(q.st.drop_dummy, 1);
	assert_int_equal(q.st.drop_runt, 1);
	assert_int_equal(out.n, 1);
	assert_int_equal(out.p[0]->len, len);
	assert_false(q.cx.valid);
}


/* ==== flow director programming descriptors ==== */

#define FDMAX 16u
static struct {
	struct e810_fd_prog p[FDMAX];
	uint8_t pkt[FDMAX][E810_FD_PKT_MAX];
	uint16_t queue[FDMAX];
	unsigned n;
} fdp;

static void prog_cb(void *arg, uint16_t queue, const struct e810_fd_prog *p)
{
	assert_ptr_equal(arg, &fdp);
	assert_true(fdp.n < FDMAX);
	fdp.p[fdp.n] = *p;
	fdp.queue[fdp.n] = queue;
	if (p->pkt) {
		assert_true(p->len >= 1 && p->len <= E810_FD_PKT_MAX);
		memcpy(fdp.pkt[fdp.n], p->pkt, p->len);
	} else {
		assert_int_equal(p->len, 0);
	}
	fdp.n++;
}

/* A programming descriptor as ice_fdir_get_prgm_desc fills it. */
static void desc_fd(unsigned i, uint64_t qw0, uint64_t qw1)
{
	uint8_t *d = gpa(RING + i * 16ull);

	put_le64(d, qw0);
	put_le64(d + 8, (qw1 & ~0xfull) | E810_TXD_DTYPE_FD_PROG);
}

#define FD_QW0 (2ull | 1ull << 12 | 2ull << 14 | 256ull << 16 | 1ull << 29 | 3ull << 35)
#define FD_QW1(fdid) (1ull << 8 | 3ull << 14 | 1ull << 25 | (uint64_t)(fdid) << 32)
#define DUMMY_CMD (EOP_RS | E810_TXD_CMD_DUMMY)

/*
 * ice_prgm_fdir_fltr: a programming descriptor, then a DUMMY data
 * descriptor (EOP, RS) pointing at the packet: both handed to the hook, the
 * packet never to the sink, the data descriptor written back done. The
 * hostile cases are handed on refused (with the descriptor, so the model
 * can report the failure) and counted: no data descriptor after it, a
 * frame that is not a DUMMY packet (sent as a frame), lengths 0 and past
 * E810_FD_PKT_MAX, a packet outside guest memory; a descriptor inside a
 * frame is skipped; a pending one waits across doorbells and goes with a
 * stopped queue.
 */
static void test_fd_prog(void **state)
{
	uint32_t l4, len = build_frame(gpa(BUF), false, true, 20, 7, &l4);
	unsigned i = 0;

	(void)state;
	memset(&fdp, 0, sizeof(fdp));
	queue_up(RING, QLEN);
	e810_txq_set_prog(&q, (struct e810_txq_prog){ .fn = prog_cb, .arg = &fdp, .queue = 9 });
	/* 0: the good one, with the whole 562-byte buffer as ice gives it */
	desc_fd(i++, FD_QW0, FD_QW1(5));
	desc_data(i++, BUF, E810_FD_PKT_MAX, DUMMY_CMD, 0, 0);
	/* 1: followed by another programming descriptor (2: that one goes fine) */
	desc_fd(i++, FD_QW0, FD_QW1(6) | 1ull << 4);
	desc_fd(i++, FD_QW0, FD_QW1(7) | 1ull << 4);
	desc_data(i++, BUF, len, DUMMY_CMD, 0, 0);
	/* 3: followed by a context descriptor; the frame after it goes out */
	desc_fd(i++, FD_QW0, FD_QW1(8));
	desc_ctx(i++, 0, 0, 0);
	desc_data(i++, BUF, len, EOP_RS, 0, 0);
	/* 4: a packet of 0 bytes; 5: one byte too long; 6: outside guest memory */
	desc_fd(i++, FD_QW0, FD_QW1(9));
	desc_data(i++, BUF, 0, DUMMY_CMD, 0, 0);
	desc_fd(i++, FD_QW0, FD_QW1(10));
	desc_data(i++, BUF, E810_FD_PKT_MAX + 1, DUMMY_CMD, 0, 0);
	desc_fd(i++, FD_QW0, FD_QW1(11));
	desc_data(i++, GM_HOLE, 100, DUMMY_CMD, 0, 0);
	/* 7: a frame, not a DUMMY packet: refused, the frame sent */
	desc_fd(i++, FD_QW0, FD_QW1(12));
	desc_data(i++, BUF, len, EOP_RS, 0, 0);
	/* inside a frame: skipped */
	desc_data(i++, BUF, 20, 0, 0, 0);
	desc_fd(i++, FD_QW0, FD_QW1(13));
	desc_data(i++, BUF + 20, len - 20, EOP_RS, 0, 0);
	/* 8: its packet comes with the next doorbell */
	desc_fd(i++, FD_QW0, FD_QW1(14));
	assert_true(e810_txq_set_tail(&q, i));
	e810_txq_run(&q);
	assert_int_equal(fdp.n, 8);
	assert_true(q.fd.valid);
	for (unsigned k = 0; k < 8; k++) {
		static const enum e810_fd_prog_err want[] = {
			E810_FDP_OK, E810_FDP_NODATA, E810_FDP_OK, E810_FDP_NODATA,
			E810_FDP_LEN, E810_FDP_LEN, E810_FDP_DMA, E810_FDP_NODUMMY };
		static const uint32_t ids[] = { 5, 6, 7, 8, 9, 10, 11, 12 };

		assert_int_equal(fdp.p[k].err, want[k]);
		assert_int_equal(fdp.queue[k], 9);
		assert_true(fdp.p[k].qw0 == FD_QW0);
		assert_int_equal(E810_FDD_FDID(fdp.p[k].qw1), ids[k]);
	}
	assert_int_equal(fdp.p[0].len, E810_FD_PKT_MAX);
	assert_memory_equal(fdp.pkt[0], gpa(BUF), E810_FD_PKT_MAX);
	assert_int_equal(fdp.p[2].len, len);
	assert_true(E810_FDD_PCMD_REMOVE(fdp.p[2].qw1));
	assert_int_equal(E810_FDD_FD_VSI(fdp.p[0].qw1), 3);
	assert_int_equal(E810_FDD_QINDEX(fdp.p[0].qw0), 2);
	assert_int_equal(E810_FDD_COMP_REPORT(fdp.p[0].qw0), E810_FDD_REPORT_FAIL);
	assert_int_equal(E810_FDD_STAT_CNT(fdp.p[0].qw0), 256);
	assert_int_equal(E810_FDD_STAT_ENA(fdp.p[0].qw0), 1);
	assert_int_equal(q.st.fd_progs, 2);
	assert_int_equal(q.st.fd_bad, 6);
	assert_int_equal(q.st.bad_desc, 1);
	/* the data descriptors got the done type: ice_clean_ctrl_tx_irq frees the packet then */
	assert_int_equal(dtype(1), E810_TXD_DTYPE_DONE);
	assert_int_equal(dtype(4), E810_TXD_DTYPE_DONE);
	assert_int_equal(dtype(0), E810_TXD_DTYPE_FD_PROG);
	/* frames out: after the context descriptor, the non-DUMMY one, the one skipped over */
	assert_int_equal(out.n, 3);
	out_free();
	desc_data(i++, BUF, len, DUMMY_CMD, 0, 0);
	assert_true(e810_txq_set_tail(&q, i));
	e810_txq_run(&q);
	assert_int_equal(fdp.n, 9);
	assert_int_equal(fdp.p[8].err, E810_FDP_OK);
	assert_int_equal(E810_FDD_FDID(fdp.p[8].qw1), 14);
	assert_int_equal(out.n, 0);
	/* a pending one goes with the queue */
	desc_fd(i++, FD_QW0, FD_QW1(15));
	assert_true(e810_txq_set_tail(&q, i));
	e810_txq_run(&q);
	assert_true(q.fd.valid);
	e810_txq_stop(&q);
	assert_false(q.fd.valid);
	assert_int_equal(fdp.n, 9);
}

/* A sink that wakes the queue from inside: the walk picks up the new tail itself. */
static void test_reentry(void **state)
{
	uint32_t l4, len = build_frame(gpa(BUF), false, false, 10, 0, &l4);
	struct e810_txq_result r;

	(void)state;
	queue_up(RING, QLEN);
	desc_data(0, BUF, len, EOP_RS, 0, 0);
	assert_true(e810_txq_set_tail(&q, 1));
	out.reenter = true;
	out.reenter_len = len;
	r = e810_txq_run(&q);
	assert_int_equal(r.descs, 2);
	assert_int_equal(out.n, 2);
	assert_int_equal(q.head, 2);
	assert_false(q.busy);
}

/* ---- TX into RX through a pair of ports ---------------------------------------- */

#define RX_RING (GM_BASE + 0x8000)
#define RX_BUFS (GM_BASE + 0x300000)
#define RX_QLEN 256u

static struct e810_rxq rq;

static uint16_t rx_deliver(struct net_port *self, uint16_t queue, struct pkt **pkts, uint16_t n)
{
	(void)self;
	assert_int_equal(queue, 3);
	return e810_rxq_deliver(&rq, pkts, n);
}

static uint32_t rx_space(struct net_port *self, uint16_t queue)
{
	(void)self;
	(void)queue;
	return e810_rxq_space(&rq);
}

static void rx_ctx(uint32_t dw[8], unsigned rxmax)
{
	/* base 32:57, qlen 89:13, dbuf 102:7, dsize 116, crcstrip 117, l2tsel 119, rxmax 174:14 */
	uint64_t base = RX_RING >> 7;

	memset(dw, 0, 8 * sizeof(uint32_t));
	dw[1] = (uint32_t)base;
	dw[2] = (uint32_t)(base >> 32) | (RX_QLEN & 0x7fu) << 25;
	dw[3] = RX_QLEN >> 7 | (2048u / 128) << 6 | 1u << 20 | 1u << 21 | 1u << 23;
	dw[5] = (rxmax & 0x3fffu) << 14;
}

static void test_port_loop(void **state)
{
	static const struct net_port_ops tx_ops = { 0 };
	static const struct net_port_ops rx_ops = { .deliver = rx_deliver, .rx_space = rx_space };
	struct net_port a, b;
	uint32_t dw[8], h, payload = 64000, mss = 1448, l4, len;
	unsigned nd, nseg = (payload + mss - 1) / mss;
	struct e810_txq_result r;

	(void)state;
	net_port_init(&a, "e810tx", &tx_ops, NULL);
	net_port_init(&b, "e810rx", &rx_ops, NULL);
	net_port_connect(&a, &b);
	e810_rxq_init(&rq, FAKE_PCI);
	rx_ctx(dw, 2048);
	assert_int_equal(e810_rxq_set_ctx(&rq, dw), 0);
	assert_int_equal(rq.ctx.qlen, RX_QLEN);
	assert_int_equal(rq.ctx.dbuf, 2048);
	assert_int_equal(rq.ctx.rxmax, 2048);
	assert_true(rq.ctx.l2tsel && rq.ctx.crcstrip);
	assert_true(e810_rxq_enable(&rq, true));
	for (unsigned i = 0; i < RX_QLEN; i++)
		put_le64(gpa(RX_RING + i * 32ull), RX_BUFS + i * 2048ull);
	assert_true(e810_rxq_set_tail(&rq, 248));

	e810_txq_init(&q, FAKE_PCI, pool, e810_txq_sink_port(&a, 3));
	{
		struct e810_aq_txq_ctx c = { .base = RING, .qlen = QLEN };

		assert_int_equal(e810_txq_setup(&q, &c), 0);
	}
	/* A 64 KiB TSO frame with a tag to insert: 45 frames in the RX ring, checked there. */
	nd = post_tso(0, false, payload, mss, &h);
	for (unsigned i = 1; i < nd; i++) {
		uint8_t *d = gpa(RING + i * 16ull);

		put_le64(d + 8, get_le64(d + 8) | (uint64_t)E810_TXD_CMD_IL2TAG1 << E810_TXD_CMD_S |
					(uint64_t)0x0064 << E810_TXD_L2TAG1_S);
	}
	assert_true(e810_txq_set_tail(&q, nd));
	r = e810_txq_run(&q);
	assert_int_equal(r.frames, nseg);
	assert_int_equal(rq.st.pkts, nseg);
	assert_int_equal(rq.head, nseg);
	for (unsigned s = 0; s < nseg; s++) {
		const uint8_t *d = gpa(RX_RING + s * 32ull);
		uint32_t n = s + 1 < nseg ? mss : payload - s * mss;

		assert_int_equal(get_le16(d + E810_RXD_WB_STATUS0),
				 E810_RXD_S0_DD | E810_RXD_S0_EOF | E810_RXD_S0_L3L4P |
					 E810_RXD_S0_L2TAG1P);
		assert_int_equal(get_le16(d + E810_RXD_WB_L2TAG1), 0x64);
		assert_int_equal(get_le16(d + E810_RXD_WB_PTYPE), E810_PTYPE_IPV4_TCP);
		assert_int_equal(get_le16(d + E810_RXD_WB_PKT_LEN), h + n);
		assert_true(frame_csum_ok(gpa(RX_BUFS + s * 2048ull), h + n, false, false));
	}
	/* Backpressure: room for 5 more frames; the walk stops and resumes when there is room. */
	len = build_frame(gpa(BUF), false, false, 100, 0, &l4);
	for (unsigned i = nd; i < nd + 12; i++)
		desc_data(i, BUF, len, EOP_RS, 0, 0);
	assert_true(e810_rxq_set_tail(&rq, 48 + 2)); /* 50 & ~7 = 48: 3 buffers */
	assert_int_equal(e810_rxq_space(&rq), 3);
	assert_true(e810_txq_set_tail(&q, nd + 12));
	r = e810_txq_run(&q);
	assert_true(r.blocked);
	assert_int_equal(r.frames, 3);
	assert_true(e810_rxq_set_tail(&rq, 0));
	r = e810_txq_run(&q);
	assert_false(r.blocked);
	assert_int_equal(r.frames, 9);
	assert_int_equal(rq.st.pkts, nseg + 12);
	assert_int_equal(rq.st.drop_nodesc, 0);
	assert_int_equal(a.stats.tx_pkts, nseg + 12);
	net_port_disconnect(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_hostile_logged, each, each_end),
		cmocka_unit_test_setup_teardown(test_setup_absurd, each, each_end),
		cmocka_unit_test_setup_teardown(test_setup_packed, each, each_end),
		cmocka_unit_test_setup_teardown(test_single, each, each_end),
		cmocka_unit_test_setup_teardown(test_multi_desc_vlan, each, each_end),
		cmocka_unit_test_setup_teardown(test_csum_offload, each, each_end),
		cmocka_unit_test_setup_teardown(test_tso_64k, each, each_end),
		cmocka_unit_test_setup_teardown(test_tso_200k, each, each_end),
		cmocka_unit_test_setup_teardown(test_uso, each, each_end),
		cmocka_unit_test_setup_teardown(test_tso_absurd, each, each_end),
		cmocka_unit_test_setup_teardown(test_buffer_sizes, each, each_end),
		cmocka_unit_test_setup_teardown(test_tso_hdr_mss, each, each_end),
		cmocka_unit_test_setup_teardown(test_tso_256k, each, each_end),
		cmocka_unit_test_setup_teardown(test_no_eop, each, each_end),
		cmocka_unit_test_setup_teardown(test_budget_and_backpressure, each, each_end),
		cmocka_unit_test_setup_teardown(test_outside_memory, each, each_end),
		cmocka_unit_test_setup_teardown(test_odd_descriptors, each, each_end),
		cmocka_unit_test_setup_teardown(test_fd_prog, each, each_end),
		cmocka_unit_test_setup_teardown(test_reentry, each, each_end),
		cmocka_unit_test_setup_teardown(test_port_loop, each, each_end),
	};
	int rc;

	rc = cmocka_run_group_tests(tests, setup, teardown);
	fake_mem_free();
	return rc;
}
