/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Port capture: frames sent and received through a port pair end up in a pcap
 * file that libpcap reads back (lengths, bytes, snaplen, VLAN tags, limits).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <pcap/pcap.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "net/capture.h"
#include "net/pkt.h"
#include "net/port.h"

static uint16_t sink_deliver(struct net_port *self, uint16_t queue, struct pkt **pkts, uint16_t n)
{
	pkt_free_bulk(pkts, n);
	self->stats.rx_pkts += n;
	return n;
}

static const struct net_port_ops sink_ops = { .deliver = sink_deliver };

struct env {
	struct pkt_pool *pool;
	struct net_port a, b;
	char dir[64];
	char path[128];
};

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));

	e->pool = pkt_pool_create("t", 64);
	net_port_init(&e->a, "a", &sink_ops, NULL);
	net_port_init(&e->b, "b", &sink_ops, NULL);
	net_port_connect(&e->a, &e->b);
	strcpy(e->dir, "/tmp/vmux-capture-XXXXXX");
	if (!e->pool || !mkdtemp(e->dir))
		return -1;
	snprintf(e->path, sizeof(e->path), "%s/c.pcap", e->dir);
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;

	unlink(e->path);
	rmdir(e->dir);
	pkt_pool_destroy(e->pool);
	free(e);
	return 0;
}

/* Sends one frame of len bytes (byte i = seed + i) from p. */
static void send_frame(struct env *e, struct net_port *p, uint32_t len, uint8_t seed)
{
	struct pkt *k = pkt_alloc(e->pool);

	assert_non_null(k);
	k->len = len;
	for (uint32_t i = 0; i < len; i++)
		k->data[i] = (uint8_t)(seed + i);
	assert_int_equal(net_port_send(p, &k, 1), 1);
}

static pcap_t *open_back(const char *path, int *snaplen)
{
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *pc = pcap_open_offline(path, err);

	if (!pc)
		fail_msg("pcap_open_offline(%s): %s", path, err);
	assert_int_equal(pcap_datalink(pc), DLT_EN10MB);
	if (snaplen)
		*snaplen = pcap_snapshot(pc);
	return pc;
}

static void expect_frame(pcap_t *pc, uint32_t len, uint32_t caplen, uint8_t seed)
{
	struct pcap_pkthdr *h;
	const u_char *d;

	assert_int_equal(pcap_next_ex(pc, &h, &d), 1);
	assert_int_equal(h->len, len);
	assert_int_equal(h->caplen, caplen);
	assert_true(h->ts.tv_sec > 0);
	for (uint32_t i = 0; i < caplen; i++)
		if (d[i] != (uint8_t)(seed + i))
			fail_msg("byte %u is %#x, expected %#x", i, d[i], (uint8_t)(seed + i));
}

static void expect_end(pcap_t *pc)
{
	struct pcap_pkthdr *h;
	const u_char *d;

	assert_int_equal(pcap_next_ex(pc, &h, &d), PCAP_ERROR_BREAK);
}

static void test_both_directions(void **state)
{
	struct env *e = *state;
	struct net_capture_stats st;
	struct net_capture *c;
	char err[256];
	struct stat sb;
	int snap;

	c = net_capture_open(e->path, NULL, err, sizeof(err));
	if (!c)
		fail_msg("%s", err);
	assert_int_equal(stat(e->path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(net_capture_attach(&e->a, c), 0);
	assert_ptr_equal(net_capture_of(&e->a), c);

	send_frame(e, &e->a, 60, 1);    /* a sends */
	send_frame(e, &e->b, 1514, 2);  /* a receives */
	send_frame(e, &e->a, 9000, 3);  /* a sends a jumbo frame */
	net_capture_get_stats(c, &st);
	assert_int_equal(st.pkts, 3);
	assert_int_equal(st.tx_pkts, 2);
	assert_int_equal(st.rx_pkts, 1);
	assert_int_equal(st.truncated, 0);
	assert_int_equal(st.dropped, 0);
	assert_int_equal(st.bytes, 24 + 3 * 16 + 60 + 1514 + 9000);

	/* the port's own counters are untouched by the capture */
	assert_int_equal(e->a.stats.tx_pkts, 2);
	assert_int_equal(e->a.stats.tx_bytes, 9060);
	assert_int_equal(e->b.stats.tx_pkts, 1);

	assert_ptr_equal(net_capture_detach(&e->a), c);
	assert_null(net_capture_of(&e->a));
	send_frame(e, &e->a, 100, 4); /* not captured any more */
	assert_int_equal(net_capture_close(c, &st), 0);
	assert_int_equal(st.pkts, 3);

	pcap_t *pc = open_back(e->path, &snap);
	assert_int_equal(snap, NET_CAPTURE_SNAPLEN_DEFAULT);
	expect_frame(pc, 60, 60, 1);
	expect_frame(pc, 1514, 1514, 2);
	expect_frame(pc, 9000, 9000, 3);
	expect_end(pc);
	pcap_close(pc);
}

static void test_snaplen(void **state)
{
	struct env *e = *state;
	struct net_capture_opts o = { .snaplen = 64 };
	struct net_capture_stats st;
	struct net_capture *c = net_capture_open(e->path, &o, NULL, 0);
	int snap;

	assert_non_null(c);
	/* on the receiving side this time */
	assert_int_equal(net_capture_attach(&e->b, c), 0);
	send_frame(e, &e->a, 64, 5);
	send_frame(e, &e->a, 65, 6);
	send_frame(e, &e->a, 1000, 7);
	assert_int_equal(net_capture_close(c, &st), 0);
	assert_null(net_capture_of(&e->b)); /* closing detaches */
	assert_int_equal(st.pkts, 3);
	assert_int_equal(st.rx_pkts, 3);
	assert_int_equal(st.tx_pkts, 0);
	assert_int_equal(st.truncated, 2);
	assert_int_equal(st.bytes, 24 + 3 * (16 + 64));

	pcap_t *pc = open_back(e->path, &snap);
	assert_int_equal(snap, 64);
	expect_frame(pc, 64, 64, 5);
	expect_frame(pc, 65, 64, 6);
	expect_frame(pc, 1000, 64, 7);
	expect_end(pc);
	pcap_close(pc);
}

static void test_vlan_tag_written(void **state)
{
	struct env *e = *state;
	struct net_capture *c = net_capture_open(e->path, NULL, NULL, 0);
	struct pcap_pkthdr *h;
	const u_char *d;
	struct pkt *k = pkt_alloc(e->pool);

	assert_non_null(c);
	assert_int_equal(net_capture_attach(&e->a, c), 0);
	k->len = 60;
	for (unsigned i = 0; i < 60; i++)
		k->data[i] = (uint8_t)i;
	k->flags = PKT_F_VLAN;
	k->vlan_tci = 0x2064; /* PCP 1, VID 100 */
	assert_int_equal(net_port_send(&e->a, &k, 1), 1);
	assert_int_equal(net_capture_close(c, NULL), 0);

	pcap_t *pc = open_back(e->path, NULL);
	assert_int_equal(pcap_next_ex(pc, &h, &d), 1);
	assert_int_equal(h->len, 64);
	assert_int_equal(h->caplen, 64);
	for (unsigned i = 0; i < 12; i++)
		assert_int_equal(d[i], i);
	assert_int_equal(d[12], 0x81);
	assert_int_equal(d[13], 0x00);
	assert_int_equal(d[14], 0x20);
	assert_int_equal(d[15], 0x64);
	for (unsigned i = 12; i < 60; i++)
		assert_int_equal(d[i + 4], i);
	pcap_close(pc);
}

static void test_count_limit(void **state)
{
	struct env *e = *state;
	struct net_capture_opts o = { .max_pkts = 2 };
	struct net_capture_stats st;
	struct net_capture *c = net_capture_open(e->path, &o, NULL, 0);
	struct pkt *burst[5];

	assert_non_null(c);
	assert_int_equal(net_capture_attach(&e->a, c), 0);
	assert_int_equal(pkt_alloc_bulk(e->pool, burst, 5), 5);
	for (unsigned i = 0; i < 5; i++) {
		burst[i]->len = 60;
		memset(burst[i]->data, (int)(0x10 * i), 60);
	}
	/* the limit falls in the middle of a burst; the traffic itself goes on */
	assert_int_equal(net_port_send(&e->a, burst, 5), 5);
	send_frame(e, &e->b, 60, 0);
	assert_int_equal(e->b.stats.rx_pkts, 5);
	net_capture_get_stats(c, &st);
	assert_true(st.limit_reached);
	assert_int_equal(st.pkts, 2);
	assert_int_equal(st.dropped, 4);
	assert_int_equal(net_capture_close(c, &st), 0);

	pcap_t *pc = open_back(e->path, NULL);
	struct pcap_pkthdr *h;
	const u_char *d;
	for (unsigned i = 0; i < 2; i++) {
		assert_int_equal(pcap_next_ex(pc, &h, &d), 1);
		assert_int_equal(h->len, 60);
		assert_int_equal(d[0], 0x10 * i);
	}
	expect_end(pc);
	pcap_close(pc);
}

static void test_size_limit(void **state)
{
	struct env *e = *state;
	/* room for the header and two 100-byte records, not a third */
	struct net_capture_opts o = { .max_bytes = 24 + 2 * 116 + 50 };
	struct net_capture_stats st;
	struct net_capture *c = net_capture_open(e->path, &o, NULL, 0);
	struct stat sb;

	assert_non_null(c);
	assert_int_equal(net_capture_attach(&e->a, c), 0);
	for (unsigned i = 0; i < 4; i++)
		send_frame(e, &e->a, 100, (uint8_t)i);
	assert_int_equal(net_capture_close(c, &st), 0);
	assert_true(st.limit_reached);
	assert_int_equal(st.pkts, 2);
	assert_int_equal(st.dropped, 2);
	assert_int_equal(stat(e->path, &sb), 0);
	assert_int_equal(sb.st_size, 24 + 2 * 116);
	assert_true((uint64_t)sb.st_size <= o.max_bytes);
}

static void test_one_capture_per_port(void **state)
{
	struct env *e = *state;
	struct net_capture *c1 = net_capture_open(e->path, NULL, NULL, 0);
	char p2[160];

	snprintf(p2, sizeof(p2), "%s/2.pcap", e->dir);
	struct net_capture *c2 = net_capture_open(p2, NULL, NULL, 0);
	assert_non_null(c1);
	assert_non_null(c2);
	assert_true(net_capture_same_file(c1, e->path));
	assert_false(net_capture_same_file(c1, p2));
	assert_false(net_capture_same_file(c1, "/nonexistent"));
	assert_int_equal(net_capture_attach(&e->a, c1), 0);
	assert_int_equal(net_capture_attach(&e->a, c2), -EBUSY);
	assert_int_equal(net_capture_attach(&e->b, c1), -EINVAL); /* already on a */
	/* but each side of a pair may have its own */
	assert_int_equal(net_capture_attach(&e->b, c2), 0);
	send_frame(e, &e->a, 60, 9);
	struct net_capture_stats s1, s2;
	net_capture_get_stats(c1, &s1);
	net_capture_get_stats(c2, &s2);
	assert_int_equal(s1.tx_pkts, 1);
	assert_int_equal(s2.rx_pkts, 1);
	assert_int_equal(net_capture_close(c1, NULL), 0);
	assert_int_equal(net_capture_close(c2, NULL), 0);
	assert_null(net_capture_of(&e->a));
	assert_null(net_capture_of(&e->b));
	unlink(p2);
}

static void test_open_errors(void **state)
{
	struct env *e = *state;
	struct net_capture_opts o = { .snaplen = 5 };
	char err[256], p[200];

	snprintf(p, sizeof(p), "%s/no/such/dir/x.pcap", e->dir);
	assert_null(net_capture_open(p, NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "cannot create"));
	assert_non_null(strstr(err, p));
	assert_non_null(strstr(err, "No such file or directory"));

	assert_null(net_capture_open(e->dir, NULL, err, sizeof(err))); /* a directory */
	assert_non_null(strstr(err, e->dir));

	assert_null(net_capture_open("/dev/null", NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "not a regular file"));

	assert_null(net_capture_open(e->path, &o, err, sizeof(err)));
	assert_non_null(strstr(err, "snaplen 5"));
	o.snaplen = NET_CAPTURE_SNAPLEN_MAX + 1;
	assert_null(net_capture_open(e->path, &o, err, sizeof(err)));

	assert_null(net_capture_open("", NULL, err, sizeof(err)));
}

/* A file that cannot grow (RLIMIT_FSIZE): the capture stops writing, counts, and says so. */
static void test_write_error_counted(void **state)
{
	struct env *e = *state;
	struct net_capture_stats st;
	struct rlimit old, lim;
	struct net_capture *c;

	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, SIG_IGN);
	c = net_capture_open(e->path, NULL, NULL, 0);
	assert_non_null(c);
	lim = old;
	lim.rlim_cur = 16384;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	assert_int_equal(net_capture_attach(&e->a, c), 0);
	/* more than the stream buffers (256 KiB), so writing happens while recording */
	for (unsigned i = 0; i < 40; i++)
		send_frame(e, &e->a, 9000, (uint8_t)i);
	net_capture_get_stats(c, &st);
	assert_int_equal(st.write_error, EFBIG);
	assert_true(st.pkts < 40);
	assert_true(st.dropped > 0);
	assert_int_equal(st.pkts + st.dropped, 40);
	assert_int_equal(e->a.stats.tx_pkts, 40); /* traffic unaffected */
	assert_int_equal(net_capture_close(c, &st), -EFBIG);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, SIG_DFL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_both_directions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_snaplen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vlan_tag_written, setup, teardown),
		cmocka_unit_test_setup_teardown(test_count_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_size_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_one_capture_per_port, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_error_counted, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
