/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The DPDK backend in-process (net/dpdk.h), on net_ring0 (TX queue 0 loops to
 * RX queue 0, multi-segment frames allowed, no checksum offload): what a
 * packet becomes on its way out through an mbuf and back in. A test port is
 * the backend's peer; it sends packets into the backend and collects what
 * the backend reads back.
 *
 *   - an 802.1Q tag (PKT_F_VLAN) goes back into the frame;
 *   - a checksum request (PKT_F_OL) is done in software (the device has no
 *     checksum offload): valid IPv4 and UDP checksums come back, ol_sw counts;
 *   - a 9000-byte frame leaves as a chain of mbufs and comes back whole;
 *   - a TSO request is refused and counted (ol_refused), a frame too short too;
 *   - the device's link set down and up reaches the port (and drops, meanwhile);
 *   - frames leave without a copy (their packet's buffer attached to the mbuf)
 *     only where the device is done with them within its TX call.
 *
 * With the argument "memif" the same runs on a memif client whose server is
 * in this process too (its own mempool), echoing every frame back: memif
 * copies each frame out, so the backend sends it from the packet's own
 * buffer, and the packet is back in its pool once sent.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_bus.h>
#include <rte_dev.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_log.h>
#include <rte_mbuf.h>

#include "core/log.h"
#include "core/loop.h"
#include "net/csum.h"
#include "net/dpdk.h"
#include "net/dpdk_priv.h"
#include "net/pkt.h"
#include "net/port.h"

static struct loop *l;
static struct dpdk_port *dp;
static bool memif;
static uint16_t srv = UINT16_MAX; /* memif: the server's port */
static struct rte_mempool *srv_mp;
static char sock_path[64];
static struct pkt_pool *pool;
static struct net_port peer;
static struct pkt *got[64];
static unsigned ngot;
static struct pkt **hold; /* while set: every packet delivered is kept here (nhold of them) */
static unsigned nhold, hold_max;

static uint16_t peer_deliver(struct net_port *self, uint16_t queue, struct pkt **pkts, uint16_t n)
{
	(void)self;
	(void)queue;
	for (uint16_t i = 0; i < n; i++) {
		if (hold && nhold < hold_max)
			hold[nhold++] = pkts[i];
		else if (ngot < 64)
			got[ngot++] = pkts[i];
		else
			pkt_free(pkts[i]);
	}
	return n;
}

static const struct net_port_ops peer_ops = { .deliver = peer_deliver };

static void drop_got(void)
{
	pkt_free_bulk(got, ngot);
	ngot = 0;
}

/* Runs the loop until want packets came back (or 2 s). */
static void collect(unsigned want)
{
	uint64_t end = loop_now_ns() + 2000000000ull;

	while (ngot < want && loop_now_ns() < end)
		loop_run_once(l, 1);
}

/* Runs the loop until the backend's link is up (or 2 s; it is read every 100 ms). */
static void wait_link(bool up)
{
	uint64_t end = loop_now_ns() + 2000000000ull;

	while (dpdk_port(dp)->link_up != up && loop_now_ns() < end)
		loop_run_once(l, 1);
}

static void stats(struct dpdk_stats *st)
{
	dpdk_get_stats(dp, st);
}

/* memif: the server sends back what it got (a poll hook of the test's loop). */
static bool echo(void *arg)
{
	struct rte_mbuf *m[32];
	uint16_t n = rte_eth_rx_burst(srv, 0, m, 32), k;

	(void)arg;
	if (n == 0)
		return false;
	k = rte_eth_tx_burst(srv, 0, m, n);
	rte_pktmbuf_free_bulk(m + k, (unsigned)(n - k));
	return true;
}

static int server_up(void)
{
	char args[160];
	struct rte_eth_conf conf;
	uint16_t nrx = 1024, ntx = 1024;

	snprintf(sock_path, sizeof(sock_path), "/tmp/vmux-test-dpdk-port.%d.sock", (int)getpid());
	snprintf(args, sizeof(args), "net_memif90,role=server,socket=%s,socket-abstract=no",
		 sock_path);
	srv_mp = rte_pktmbuf_pool_create("srv_mp", 4095, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					 (int)rte_socket_id());
	memset(&conf, 0, sizeof(conf));
	conf.txmode.offloads = RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	if (!srv_mp || rte_dev_probe(args) < 0 ||
	    rte_eth_dev_get_port_by_name("net_memif90", &srv) != 0 ||
	    rte_eth_dev_configure(srv, 1, 1, &conf) < 0 ||
	    rte_eth_dev_adjust_nb_rx_tx_desc(srv, &nrx, &ntx) < 0 ||
	    rte_eth_rx_queue_setup(srv, 0, nrx, (unsigned)rte_socket_id(), NULL, srv_mp) < 0 ||
	    rte_eth_tx_queue_setup(srv, 0, ntx, (unsigned)rte_socket_id(), NULL) < 0 ||
	    rte_eth_dev_start(srv) < 0)
		return -1;
	return loop_add_poll(l, echo, NULL);
}

static int setup(void **state)
{
	char err[256], args[160];

	(void)state;
	log_set_level(LOG_LVL_ERR);
	l = loop_create();
	if (!l || dpdk_eal_init(0, NULL, err, sizeof(err)) < 0) {
		fprintf(stderr, "test_dpdk_port: %s\n", err);
		return -1;
	}
	if (memif && server_up() < 0) {
		fprintf(stderr, "test_dpdk_port: cannot start the memif server: %s\n",
			rte_strerror(rte_errno));
		return -1;
	}
	snprintf(args, sizeof(args), memif ? "net_memif91,role=client,socket=%s,socket-abstract=no" :
		 "net_ring0", sock_path);
	dp = dpdk_open(l, args, err, sizeof(err));
	if (!dp) {
		fprintf(stderr, "test_dpdk_port: %s\n", err);
		return -1;
	}
	pool = pkt_pool_create("test", 64);
	net_port_init(&peer, "peer", &peer_ops, NULL);
	net_port_set_link(&peer, true);
	net_port_connect(&peer, dpdk_port(dp));
	if (memif) {
		/* The memif handshake, on the EAL's interrupt thread. */
		wait_link(true);
		if (!dpdk_port(dp)->link_up) {
			fprintf(stderr, "test_dpdk_port: the memif link never came up\n");
			return -1;
		}
	}
	return pool ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	drop_got();
	dpdk_close(dp);
	if (srv != UINT16_MAX) {
		struct timespec nap = { 0, 200000000 };

		/*
		 * The server's side of the disconnect runs on the EAL's interrupt
		 * thread: let it finish before the port goes (DPDK 22.11's memif
		 * crashed that thread otherwise), and stop that thread before exit.
		 */
		loop_del_poll(l, echo, NULL);
		nanosleep(&nap, NULL);
		rte_eth_dev_stop(srv);
		rte_eth_dev_close(srv);
		rte_mempool_free(srv_mp);
		unlink(sock_path);
		nanosleep(&nap, NULL);
		dpdk_eal_fini();
	}
	pkt_pool_destroy(pool);
	loop_destroy(l);
	return 0;
}

static struct pkt *frame(uint32_t len, uint8_t seed)
{
	struct pkt *k = pkt_alloc(pool);

	assert_non_null(k);
	memset(k->data, 0xff, 6);
	memcpy(k->data + 6, "\x02\x00\x00\x00\x00\x01", 6);
	k->data[12] = 0x88;
	k->data[13] = 0xb5;
	for (uint32_t i = 14; i < len; i++)
		k->data[i] = (uint8_t)(seed + i);
	k->len = len;
	return k;
}

static void send1(struct pkt *k)
{
	net_port_send(&peer, &k, 1);
}

/* A 600-byte frame (long enough to leave without a copy, but the tag needs one). */
static void test_vlan_tag_goes_back_in(void **state)
{
	struct pkt *k = frame(600, 1);
	uint8_t want[600];
	struct dpdk_stats before, after;

	(void)state;
	stats(&before);
	memcpy(want, k->data, 600);
	k->flags |= PKT_F_VLAN;
	k->vlan_tci = 0x2007;
	send1(k);
	collect(1);
	assert_int_equal(ngot, 1);
	stats(&after);
	assert_int_equal(after.wr_zerocopy, before.wr_zerocopy);
	assert_int_equal(got[0]->len, 604);
	assert_memory_equal(got[0]->data, want, 12);
	assert_memory_equal(got[0]->data + 12, "\x81\x00\x20\x07", 4);
	assert_memory_equal(got[0]->data + 16, want + 12, 588);
	drop_got();
}

/*
 * IPv4/UDP with the checksums left to the receiver, the pseudo-header sum in
 * the UDP field, with pay bytes of payload: done in software (the devices
 * here have no checksum offload) and valid on the way back. A long frame
 * leaves from its own buffer on memif (its checksums written there first), a
 * short one is copied.
 */
static void udp_csum_case(uint16_t pay)
{
	uint16_t ulen = (uint16_t)(8 + pay), tlen = (uint16_t)(20 + ulen);
	struct pkt *k = frame(14u + tlen, 2);
	uint8_t *ip = k->data + 14, *udp = ip + 20;
	struct dpdk_stats before, after;
	uint16_t ph;

	stats(&before);
	k->data[12] = 0x08;
	k->data[13] = 0x00;
	memset(ip, 0, 20);
	ip[0] = 0x45;
	ip[2] = (uint8_t)(tlen >> 8);
	ip[3] = (uint8_t)tlen;
	ip[8] = 64;
	ip[9] = 17;
	memcpy(ip + 12, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
	memset(udp, 0, 8);
	udp[1] = 7;
	udp[3] = 9;
	udp[4] = (uint8_t)(ulen >> 8);
	udp[5] = (uint8_t)ulen;
	/* pseudo header: addresses, protocol, UDP length */
	ph = net_csum(ip + 12, 8, 0);
	ph = net_csum_add(ph, 17);
	ph = net_csum_add(ph, ulen);
	udp[6] = (uint8_t)(ph >> 8);
	udp[7] = (uint8_t)ph;
	k->flags |= PKT_F_OL;
	k->ol = (struct pkt_offload){ .flags = PKT_OL_IP_CSUM | PKT_OL_L4_CSUM | PKT_OL_UDP,
				      .l2_len = 14, .l3_len = 20, .l4_len = 8,
				      .csum_start = 34, .csum_offset = 6 };
	send1(k);
	collect(1);
	assert_int_equal(ngot, 1);
	assert_int_equal(got[0]->len, 14u + tlen);
	ip = got[0]->data + 14;
	udp = ip + 20;
	assert_int_equal(net_csum(ip, 20, 0), 0xffff); /* a valid header sums to all ones */
	ph = net_csum(ip + 12, 8, 0);
	ph = net_csum_add(ph, 17);
	ph = net_csum_add(ph, ulen);
	assert_int_equal(net_csum(udp, ulen, ph), 0xffff);
	stats(&after);
	assert_int_equal(after.ol_sw, before.ol_sw + 1);
	assert_int_equal(after.ol_hw, before.ol_hw);
	assert_int_equal(after.wr_zerocopy,
			 before.wr_zerocopy + (memif && 14u + tlen >= 512u ? 1 : 0));
	drop_got();
}

static void test_checksums_done_in_software(void **state)
{
	(void)state;
	udp_csum_case(32);   /* 74 bytes */
	udp_csum_case(1000); /* 1042 bytes */
}

/*
 * A burst of full-size frames: on memif each leaves from its packet's own
 * buffer (wr_zerocopy), comes back byte for byte, and every packet is back
 * in its pool once the device sent it; on net_ring (the peer takes the
 * mbufs themselves) they are copied.
 */
static void test_zerocopy_where_the_device_copies(void **state)
{
	static uint8_t want[16][1514];
	struct pkt *k[16];
	struct dpdk_stats before, after;
	unsigned avail = pkt_pool_avail(pool);

	(void)state;
	stats(&before);
	assert_int_equal(before.tx_zerocopy, memif);
	for (unsigned i = 0; i < 16; i++) {
		k[i] = frame(1514, (uint8_t)(40 + i));
		memcpy(want[i], k[i]->data, 1514);
	}
	net_port_send(&peer, k, 16);
	/* Sent: on memif every packet is back already (the copies, and the echo, come from mbufs). */
	if (memif)
		assert_int_equal(pkt_pool_avail(pool), avail);
	collect(16);
	assert_int_equal(ngot, 16);
	for (unsigned i = 0; i < 16; i++) {
		assert_int_equal(got[i]->len, 1514);
		assert_memory_equal(got[i]->data, want[i], 1514);
	}
	stats(&after);
	assert_int_equal(after.wr_zerocopy, before.wr_zerocopy + (memif ? 16 : 0));
	assert_int_equal(after.tx_zerocopy, memif);
	drop_got();
	/* A short frame is copied: cheaper than attaching its buffer. */
	send1(frame(100, 9));
	collect(1);
	assert_int_equal(ngot, 1);
	stats(&before);
	assert_int_equal(before.wr_zerocopy, after.wr_zerocopy);
	drop_got();
}

/*
 * Received without a copy (memif: the device writes each frame into the
 * packet that is its mbuf's buffer, rd_zerocopy): the packets come back byte
 * for byte, and a packet held while the device keeps receiving is never
 * written again (its mbuf is not given back to the device until the packet
 * is freed); freed, its mbuf serves again. On net_ring (the peer's own mbufs
 * arrive) every frame is copied.
 */
static void test_rx_into_packets(void **state)
{
	static uint8_t want[2][16][1514];
	struct pkt *held[16];
	struct dpdk_stats before, after;

	(void)state;
	stats(&before);
	assert_int_equal(before.rx_zerocopy, memif);
	for (unsigned r = 0; r < 2; r++) {
		struct pkt *k[16];

		for (unsigned i = 0; i < 16; i++) {
			k[i] = frame(1514, (uint8_t)(100 + 16 * r + i));
			memcpy(want[r][i], k[i]->data, 1514);
		}
		net_port_send(&peer, k, 16);
		collect(16);
		assert_int_equal(ngot, 16);
		for (unsigned i = 0; i < 16; i++) {
			assert_int_equal(got[i]->len, 1514);
			assert_memory_equal(got[i]->data, want[r][i], 1514);
		}
		if (r == 0) {
			memcpy(held, got, sizeof(held));
			ngot = 0;
			/* Many more frames through the device's ring while 16 are held. */
			for (unsigned j = 0; j < 64; j++) {
				send1(frame(1514, (uint8_t)j));
				collect(1);
				assert_int_equal(ngot, 1);
				drop_got();
			}
		} else {
			drop_got();
		}
	}
	for (unsigned i = 0; i < 16; i++)
		assert_memory_equal(held[i]->data, want[0][i], 1514);
	pkt_free_bulk(held, 16);
	stats(&after);
	assert_int_equal(after.rd_zerocopy, before.rd_zerocopy + (memif ? 16u * 2 + 64u : 0u));
}

static void test_jumbo_frame_as_a_chain(void **state)
{
	struct pkt *k = frame(9000, 3);
	static uint8_t want[9000];
	struct dpdk_stats st;

	(void)state;
	stats(&st);
	if (!(st.tx_offloads & RTE_ETH_TX_OFFLOAD_MULTI_SEGS))
		skip();
	memcpy(want, k->data, 9000);
	send1(k);
	collect(1);
	assert_int_equal(ngot, 1);
	assert_int_equal(got[0]->len, 9000);
	assert_memory_equal(got[0]->data, want, 9000);
	drop_got();
}

static void test_refused_and_counted(void **state)
{
	struct pkt *tso = frame(200, 4), *runt = frame(60, 5);
	struct dpdk_stats before, after;
	uint64_t drops = dpdk_port(dp)->stats.rx_drops;

	(void)state;
	stats(&before);
	tso->flags |= PKT_F_OL;
	tso->ol = (struct pkt_offload){ .flags = PKT_OL_TSO, .l2_len = 14, .l3_len = 20,
					.l4_len = 20, .mss = 100 };
	send1(tso);
	runt->len = 10;
	send1(runt);
	for (int i = 0; i < 1000; i++)
		loop_run_once(l, 1);
	stats(&after);
	assert_int_equal(ngot, 0);
	assert_int_equal(after.ol_refused, before.ol_refused + 1);
	assert_int_equal(after.wr_bad_len, before.wr_bad_len + 1);
	assert_int_equal(dpdk_port(dp)->stats.rx_drops, drops + 2);
}

/*
 * Every packet of the port's receive pool held by its peer (net_ring: each
 * frame is copied into one): the frames after it are dropped and counted
 * (rd_nobuf), none lost silently, and once the peer frees them the
 * port receives again. (memif receives into its lent packets: skipped.)
 */
static void test_pool_empty_counted(void **state)
{
	static struct pkt *held[1024];
	struct dpdk_stats before, after;
	unsigned sent = 0;

	(void)state;
	if (memif)
		skip();
	stats(&before);
	hold = held;
	hold_max = 1024;
	nhold = 0;
	/* Until a burst comes back short: the pool ran out under it. */
	while (sent < 1000) {
		struct pkt *k[16];
		unsigned was = nhold;

		for (unsigned i = 0; i < 16; i++)
			k[i] = frame(60, (uint8_t)i);
		net_port_send(&peer, k, 16);
		sent += 16;
		for (int i = 0; i < 100 && nhold < was + 16; i++)
			loop_run_once(l, 1);
		if (nhold < was + 16)
			break;
	}
	for (int i = 0; i < 100; i++)
		loop_run_once(l, 1);
	stats(&after);
	hold = NULL;
	pkt_free_bulk(held, nhold);
	assert_true(sent < 1000);
	assert_true(nhold > 0 && nhold <= 512);
	assert_int_equal(after.rd_nobuf - before.rd_nobuf, sent - nhold);
	send1(frame(60, 7));
	collect(1);
	assert_int_equal(ngot, 1);
	drop_got();
}

static void test_link_down_and_up(void **state)
{
	struct dpdk_stats st;
	uint64_t drops;

	(void)state;
	if (memif)
		skip(); /* memif's link follows its peer (tests/integration/dpdk/test_dpdk_uplink.c) */
	stats(&st);
	assert_true(peer.peer->link_up);
	assert_int_equal(rte_eth_dev_set_link_down(st.port_id), 0);
	wait_link(false);
	assert_false(dpdk_port(dp)->link_up);
	drops = dpdk_port(dp)->stats.rx_drops;
	send1(frame(60, 6));
	assert_int_equal(dpdk_port(dp)->stats.rx_drops, drops + 1);
	assert_int_equal(rte_eth_dev_set_link_up(st.port_id), 0);
	wait_link(true);
	assert_true(dpdk_port(dp)->link_up);
	send1(frame(60, 7));
	collect(1);
	assert_int_equal(ngot, 1);
	drop_got();
	stats(&st);
	assert_true(st.link_changes >= 3); /* up at start, down, up */
}

/* Each test starts with nothing collected and nothing in flight. */
/* How many times s occurs in h. */
static unsigned count_of(const char *h, const char *s)
{
	unsigned n = 0;

	for (const char *p = strstr(h, s); p; p = strstr(p + 1, s))
		n++;
	return n;
}

/*
 * DPDK's messages come out as vmux's log lines, at their own level; once
 * the EAL is up a flood of errors is cut by the rate limiter (at most 10 per
 * 5 s, shared with warnings), not lines at info; the first error since the
 * mark is kept for the message of a call that failed.
 */
static void test_dpdk_log_is_ours(void **state)
{
	char path[] = "/tmp/vmux-test-dpdk-log.XXXXXX";
	static char buf[1 << 16];
	int fd = mkstemp(path), saved = dup(2);
	ssize_t n;

	(void)state;
	assert_true(fd >= 0 && saved >= 0);
	log_set_level(LOG_LVL_INFO);
	fflush(stderr);
	assert_true(dup2(fd, 2) == 2);
	dpdk_log_mark();
	RTE_LOG(WARNING, USER1, "one warning\n");
	for (int i = 0; i < 100; i++)
		RTE_LOG(ERR, USER1, "error %d\n", i);
	for (int i = 0; i < 20; i++)
		RTE_LOG(INFO, USER1, "info %d\n", i);
	RTE_LOG(DEBUG, USER1, "not at this level\n");
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	log_set_level(LOG_LVL_ERR);
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	close(fd);
	unlink(path);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_int_equal(count_of(buf, "vmux[warn] dpdk: USER1: one warning\n"), 1);
	assert_true(count_of(buf, "vmux[err] dpdk: USER1: error ") >= 1);
	assert_true(count_of(buf, "USER1: error ") <= 9);
	assert_int_equal(count_of(buf, "vmux[info] dpdk: USER1: info "), 20);
	assert_int_equal(count_of(buf, "not at this level"), 0);
	assert_int_equal(count_of(buf, "\n"), count_of(buf, " vmux["));
	assert_string_equal(dpdk_log_first_err(), "USER1: error 0");
}

static int each(void **state)
{
	(void)state;
	for (int i = 0; i < 200; i++)
		loop_run_once(l, 1);
	drop_got();
	return 0;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_dpdk_log_is_ours, each),
		cmocka_unit_test_setup(test_vlan_tag_goes_back_in, each),
		cmocka_unit_test_setup(test_checksums_done_in_software, each),
		cmocka_unit_test_setup(test_jumbo_frame_as_a_chain, each),
		cmocka_unit_test_setup(test_refused_and_counted, each),
		cmocka_unit_test_setup(test_link_down_and_up, each),
		cmocka_unit_test_setup(test_pool_empty_counted, each),
		cmocka_unit_test_setup(test_zerocopy_where_the_device_copies, each),
		cmocka_unit_test_setup(test_rx_into_packets, each),
	};

	memif = argc > 1 && !strcmp(argv[1], "memif");
	return cmocka_run_group_tests_name(memif ? "dpdk_port_memif" : "dpdk_port", tests, setup,
					   teardown);
}
