/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The DPDK uplink's flow rules (net/dpdk.h, "Flow rules") in-process, in a
 * network namespace of its own, on net_tap (rte_flow through the kernel's TC
 * flower) and net_ring (no rte_flow at all):
 *
 *   - net_ring: one RX queue; every rule stays in software with the device's
 *     reason, counted as a fallback; removing a VM removes its rules;
 *   - net_tap: several RX queues; each VM's MAC rule and its guest's flows are
 *     offered to the device (hardware where the kernel has flower, else a
 *     create that fails: software, counted); unchanged rules keep their
 *     handle on a re-sync, a changed one is replaced; a flow rte_flow cannot
 *     say (L4 ports without TCP/UDP) is refused before the device sees it;
 *     a VM that goes away takes its rules with it;
 *   - steering: frames the kernel sends into the tap for a VM land on that
 *     VM's RX queue where its rules run in the device (or anywhere, in software).
 *
 * VMUX_FLOW_EXPECT_HW=1 (the lab VM, whose kernel has flower and multiq): the
 * MAC rules and the guest's offloadable flows must be in the device, the
 * kernel's filters must be there (`tc filter show`), and steering is checked.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/log.h"
#include "core/loop.h"
#include "core/worker.h"
#include "net/dpdk.h"
#include "net/flow.h"
#include "net/pkt.h"
#include "net/port.h"

#define TAP_IF "vmuxft0"
#define TAP_IF_LANES "vmuxft1"

static struct loop *l;
static struct net_port peer;
static bool expect_hw;
static unsigned got;
static const char *tap_if = TAP_IF; /* the tap the helpers below send into and look at */

static uint16_t peer_deliver(struct net_port *self, uint16_t queue, struct pkt **pkts, uint16_t n)
{
	(void)self;
	(void)queue;
	got += n;
	pkt_free_bulk(pkts, n);
	return n;
}

static const struct net_port_ops peer_ops = { .deliver = peer_deliver };

static const uint8_t mac_a[6] = { 0x02, 0x00, 0x00, 0x00, 0x0a, 0x01 };
static const uint8_t mac_b[6] = { 0x02, 0x00, 0x00, 0x00, 0x0b, 0x01 };

struct seen {
	unsigned n, hw, sw, mac_rules;
	uint32_t handle[16];
	bool rule_hw[16];
	char why[16][96];
	uint16_t rxq[16];
	uint32_t prio[16];
};

static void count(void *arg, const struct dpdk_flow_info *r)
{
	struct seen *s = arg;

	if (s->n < 16) {
		s->handle[s->n] = r->handle;
		s->rule_hw[s->n] = r->hw;
		s->rxq[s->n] = r->rxq;
		s->prio[s->n] = r->prio;
		snprintf(s->why[s->n], sizeof(s->why[0]), "%s", r->why);
	}
	s->n++;
	s->mac_rules += r->mac_rule;
	if (r->hw)
		s->hw++;
	else
		s->sw++;
}

static struct seen list(struct dpdk_port *d)
{
	struct seen s;

	unsigned k;

	memset(&s, 0, sizeof(s));
	k = dpdk_flow_foreach(d, count, &s);
	assert_int_equal(k, s.n);
	return s;
}

/* A guest's flow: UDP to dst_port for the VM with that MAC, to its queue q. */
static struct net_flow udp_flow(const uint8_t mac[6], uint16_t port, uint16_t q, uint16_t prio)
{
	struct net_flow f;

	net_flow_init(&f, mac);
	f.m.fields = NET_FLOW_F_IPV4 | NET_FLOW_F_PROTO | NET_FLOW_F_DPORT;
	f.m.ip_proto = 17;
	f.m.dst_port = port;
	f.m.dst_port_mask = 0xffff;
	f.action = NET_FLOW_QUEUE;
	f.queue = q;
	f.priority = prio;
	return f;
}

static struct dpdk_port *open_port(const char *devargs)
{
	char err[256];
	struct dpdk_port *d = dpdk_open(l, devargs, err, sizeof(err));

	if (!d)
		fail_msg("%s: %s", devargs, err);
	return d;
}

static void test_ring_all_software(void **state)
{
	struct dpdk_port *d = open_port("net_ring0");
	struct dpdk_flow_stats st;
	/* Listed out of order: the lower priority decides, so it ranks first. */
	struct net_flow f[2] = { udp_flow(mac_a, 4789, 1, 300), udp_flow(mac_a, 4790, 1, 7) };
	struct seen s;

	(void)state;
	assert_int_equal(dpdk_flow_set_vm(d, 0, mac_a, f, 2), 0);
	dpdk_flow_get_stats(d, &st);
	assert_false(st.capable);
	s = list(d);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.sw, 3);
	assert_int_equal(s.mac_rules, 1);
	assert_int_equal(s.prio[0], 1);
	assert_int_equal(s.prio[1], 0);
	assert_true(s.prio[2] > 1); /* the MAC rule, below */
	assert_int_equal(s.rxq[0], 0); /* one RX queue */
	assert_true(strlen(s.why[0]) > 0);
	assert_int_equal(st.fallbacks, 3);
	assert_int_equal(st.refused_validate, 3);
	assert_int_equal(dpdk_flow_set_vm(d, DPDK_FLOW_VMS, mac_a, NULL, 0), -22);
	/* 100 new flows (the MAC rule stays): 64 offered, 36 wait for the next call, in software. */
	struct net_flow many[100];

	for (unsigned i = 0; i < 100; i++)
		many[i] = udp_flow(mac_a, (uint16_t)(2000 + i), 1, (uint16_t)i);
	assert_int_equal(dpdk_flow_set_vm(d, 0, mac_a, many, 100), 1);
	dpdk_flow_get_stats(d, &st);
	assert_int_equal(st.refused_validate, 3 + 64);
	assert_int_equal(list(d).n, 101);
	assert_int_equal(dpdk_flow_set_vm(d, 0, mac_a, many, 100), 0);
	dpdk_flow_get_stats(d, &st);
	assert_int_equal(st.refused_validate, 3 + 64 + 36);
	assert_int_equal(st.deferred, 1);
	assert_int_equal(list(d).n, 101);
	assert_int_equal(dpdk_flow_set_vm(d, 0, mac_a, many, 100), 0);
	dpdk_flow_get_stats(d, &st);
	assert_int_equal(st.refused_validate, 3 + 64 + 36);
	dpdk_flow_del_vm(d, 0);
	assert_int_equal(list(d).n, 0);
	dpdk_close(d);
}

static int tap_ifindex(void)
{
	return (int)if_nametoindex(tap_if);
}

/* Frames with dst = mac, UDP to dport, from several sources (flows whose hashes disagree). */
static void send_udp(const uint8_t mac[6], uint16_t dport, unsigned n)
{
	int fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	struct sockaddr_ll sa = { .sll_family = AF_PACKET, .sll_ifindex = tap_ifindex(),
				  .sll_halen = 6 };

	assert_true(fd >= 0);
	memcpy(sa.sll_addr, mac, 6);
	for (unsigned i = 0; i < n; i++) {
		uint8_t fr[64] = { 0 };

		memcpy(fr, mac, 6);
		memcpy(fr + 6, "\x02\x00\x00\x00\x99\x01", 6);
		fr[12] = 0x08;
		fr[13] = 0x00;
		fr[14] = 0x45;
		fr[16] = 0;
		fr[17] = 46;
		fr[22] = 64;
		fr[23] = 17;
		fr[26] = 10, fr[27] = 0, fr[28] = (uint8_t)(i >> 8), fr[29] = (uint8_t)i;
		fr[30] = 10, fr[31] = 1, fr[32] = 0, fr[33] = 1;
		fr[34] = (uint8_t)((1000 + i) >> 8), fr[35] = (uint8_t)(1000 + i);
		fr[36] = (uint8_t)(dport >> 8), fr[37] = (uint8_t)dport;
		fr[39] = 26;
		assert_int_equal(sendto(fd, fr, sizeof(fr), 0, (struct sockaddr *)&sa, sizeof(sa)),
				 (ssize_t)sizeof(fr));
	}
	close(fd);
}

static void poll_for(unsigned want)
{
	uint64_t end = loop_now_ns() + 2000000000ull;

	while (got < want && loop_now_ns() < end)
		loop_run_once(l, 1);
}

/* How many lines of the tap's filters (any parent) have what. */
static int tc_count(const char *what)
{
	char cmd[160];
	FILE *p;
	int n = -1;

	snprintf(cmd, sizeof(cmd), "tc filter show dev %s 2>/dev/null | grep -c '%s'", tap_if, what);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	if (fscanf(p, "%d", &n) != 1)
		n = -1;
	pclose(p);
	return n;
}

/* How many filters the kernel has on the tap (any parent). */
static int kernel_filters(void)
{
	return tc_count("dst_mac");
}

static void test_tap_rules(void **state)
{
	struct dpdk_port *d = open_port("net_tap0,iface=" TAP_IF);
	struct dpdk_flow_stats st;
	struct dpdk_stats ds;
	struct net_flow fa[3], bad;
	struct seen s, s2;
	int before = 0;

	(void)state;
	net_port_connect(&peer, dpdk_port(d));
	dpdk_get_stats(d, &ds);
	dpdk_flow_get_stats(d, &st);
	assert_true(st.capable);
	assert_true(ds.rx_queues > 1);
	fa[0] = udp_flow(mac_a, 4789, 1, 0);
	fa[1] = udp_flow(mac_a, 4790, 2, 1);
	fa[1].action = NET_FLOW_DROP;
	/* L4 ports without a protocol: no rte_flow pattern says it. */
	net_flow_init(&bad, mac_a);
	bad.m.fields = NET_FLOW_F_IPV4 | NET_FLOW_F_DPORT;
	bad.m.dst_port = 53;
	bad.m.dst_port_mask = 0xffff;
	bad.priority = 2;
	fa[2] = bad;
	assert_int_equal(dpdk_flow_set_vm(d, 0, mac_a, fa, 3), 0);
	assert_int_equal(dpdk_flow_set_vm(d, 1, mac_b, NULL, 0), 0);
	s = list(d);
	assert_int_equal(s.n, 5);
	assert_int_equal(s.mac_rules, 2);
	dpdk_flow_get_stats(d, &st);
	assert_int_equal(st.refused_form, 1);
	assert_int_equal(st.fallbacks, s.sw);
	assert_int_equal(st.hw + st.sw, 5);
	for (unsigned i = 0; i < s.n; i++)
		assert_true(s.rule_hw[i] || strlen(s.why[i]) > 0);
	/* VM 0 and VM 1 on different RX queues, neither on queue 0. */
	assert_int_not_equal(s.rxq[0], 0);
	assert_int_not_equal(s.rxq[0], s.rxq[4]);
	if (expect_hw) {
		assert_int_equal(st.hw, 4); /* all but the refused one */
		before = kernel_filters();
		assert_true(before >= 4);
	}
	/* The same set again: nothing changes, handles stay. */
	assert_int_equal(dpdk_flow_set_vm(d, 0, mac_a, fa, 3), 0);
	s2 = list(d);
	assert_int_equal(s2.n, 5);
	for (unsigned i = 0; i < 5; i++)
		assert_int_equal(s2.handle[i], s.handle[i]);
	/* The guest removes its drop rule: that rule goes, the others stay. */
	fa[1] = fa[2];
	assert_int_equal(dpdk_flow_set_vm(d, 0, mac_a, fa, 2), 0);
	s2 = list(d);
	assert_int_equal(s2.n, 4);
	assert_int_equal(s2.handle[0], s.handle[0]);
	if (expect_hw) {
		assert_int_equal(kernel_filters(), before - 1);
		/* Steering: VM B's frames land on its queue, in the device. */
		dpdk_get_stats(d, &ds);
		uint64_t on_b = ds.rxq_pkts[s.rxq[4]];
		unsigned want = got + 32;

		send_udp(mac_b, 7000, 32);
		poll_for(want);
		dpdk_get_stats(d, &ds);
		assert_int_equal(ds.rxq_pkts[s.rxq[4]] - on_b, 32);
	}
	/* VM A goes away: its rules with it. */
	dpdk_flow_del_vm(d, 0);
	s2 = list(d);
	assert_int_equal(s2.n, 1);
	if (expect_hw)
		assert_int_equal(kernel_filters(), 1);
	dpdk_flow_get_stats(d, &st);
	assert_int_equal(st.destroy_failed, 0);
	dpdk_close(d);
}

/* ---- lanes: a queue pair per worker, the VMs' rules naming their lane's queue ---------- */

static struct worker *lw;
static struct dpdk_lane *lane1;
static struct net_port lpeer;
static atomic_uint lgot;
static atomic_bool lane_wrong_thread;

static uint16_t lpeer_deliver(struct net_port *self, uint16_t queue, struct pkt **pkts, uint16_t n)
{
	(void)self;
	(void)queue;
	if (!worker_is_current(lw))
		atomic_store(&lane_wrong_thread, true);
	atomic_fetch_add(&lgot, n);
	pkt_free_bulk(pkts, n);
	return n;
}

static const struct net_port_ops lpeer_ops = { .deliver = lpeer_deliver };

static struct dpdk_port *lanes_port;

static void open_lane1(void *arg)
{
	char err[256];

	(void)arg;
	lane1 = dpdk_lane_open(lanes_port, 1, worker_loop(lw), err, sizeof(err));
	if (!lane1) {
		fprintf(stderr, "test_dpdk_flow: %s\n", err);
		return;
	}
	net_port_init(&lpeer, "lpeer", &lpeer_ops, NULL);
	net_port_set_link(&lpeer, true);
	net_port_connect(&lpeer, dpdk_lane_port(lane1));
}

static void close_lane1(void *arg)
{
	(void)arg;
	net_port_disconnect(&lpeer);
	dpdk_lane_close(lane1);
	lane1 = NULL;
}

/*
 * net_tap opened with two queue pairs (lanes): VM 0 on the port's queue 0,
 * VM 1 on lane 1's queue (its MAC rule and its guest's flow); a queue past
 * the port's refused; the automatic pick is queue 0 with lanes; a VM whose
 * queue changes gets new rules. In the kernel (VMUX_FLOW_EXPECT_HW=1): the
 * filters' skbedit queue_mapping says each VM's queue, VM 1's frames are
 * read by the lane (on its thread), VM 0's by the port.
 */
static void test_tap_lanes(void **state)
{
	char err[256];
	struct dpdk_stats ds;
	struct net_flow fb[1];
	struct seen s;
	unsigned want;

	(void)state;
	tap_if = TAP_IF_LANES;
	lanes_port = dpdk_open_lanes(l, "net_tap1,iface=" TAP_IF_LANES, 2, err, sizeof(err));
	if (!lanes_port)
		fail_msg("net_tap1: %s", err);
	dpdk_get_stats(lanes_port, &ds);
	assert_int_equal(ds.lanes, 2); /* rte_flow and lanes together */
	assert_int_equal(ds.rx_queues, 1); /* the port polls queue 0 alone */
	net_port_connect(&peer, dpdk_port(lanes_port));
	lw = worker_create("lane1", -1);
	assert_non_null(lw);
	assert_int_equal(worker_start(lw), 0);
	worker_call(lw, open_lane1, NULL);
	assert_non_null(lane1);

	fb[0] = udp_flow(mac_b, 4789, 1, 0);
	assert_int_equal(dpdk_flow_set_vm_rxq(lanes_port, 0, 0, mac_a, NULL, 0), 0);
	assert_int_equal(dpdk_flow_set_vm_rxq(lanes_port, 1, 1, mac_b, fb, 1), 0);
	assert_int_equal(dpdk_flow_set_vm_rxq(lanes_port, 2, 2, mac_b, NULL, 0), -22);
	assert_int_equal(dpdk_flow_set_vm_rxq(lanes_port, 2, -5, mac_b, NULL, 0), -22);
	s = list(lanes_port);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.rxq[0], 0); /* VM 0's MAC rule */
	assert_int_equal(s.rxq[1], 1); /* VM 1's guest flow */
	assert_int_equal(s.rxq[2], 1); /* VM 1's MAC rule */
	if (expect_hw) {
		assert_int_equal(s.hw, 3);
		assert_int_equal(tc_count("queue_mapping 1"), 2);
		assert_int_equal(tc_count("queue_mapping 0"), 1);
		/* VM 1's frames through the lane, on its thread; VM 0's through the port. */
		want = got;
		send_udp(mac_b, 4789, 16);
		send_udp(mac_b, 7000, 16);
		for (uint64_t end = loop_now_ns() + 2000000000ull;
		     atomic_load(&lgot) < 32 && loop_now_ns() < end;)
			loop_run_once(l, 1);
		assert_int_equal(atomic_load(&lgot), 32);
		assert_int_equal(got, want);
		send_udp(mac_a, 7000, 16);
		poll_for(want + 16);
		assert_int_equal(got, want + 16);
		assert_int_equal(atomic_load(&lgot), 32);
		assert_false(atomic_load(&lane_wrong_thread));
	}
	/* VM 1 moves to the port's queue: its rules are replaced, naming queue 0. */
	uint32_t h = s.handle[2];

	assert_int_equal(dpdk_flow_set_vm_rxq(lanes_port, 1, 0, mac_b, fb, 1), 0);
	s = list(lanes_port);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.rxq[2], 0);
	assert_int_not_equal(s.handle[2], h);
	if (expect_hw) {
		assert_int_equal(tc_count("queue_mapping 1"), 0);
		assert_int_equal(tc_count("queue_mapping 0"), 3);
	}
	/* The automatic pick with lanes: the port's queue 0. */
	assert_int_equal(dpdk_flow_set_vm(lanes_port, 1, mac_b, NULL, 0), 0);
	s = list(lanes_port);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.rxq[1], 0);

	worker_call(lw, close_lane1, NULL);
	worker_stop(lw);
	worker_destroy(lw);
	net_port_disconnect(&peer);
	dpdk_close(lanes_port);
	tap_if = TAP_IF;
}

static void own_netns(void)
{
	FILE *f;

	if (unshare(CLONE_NEWNET) < 0) {
		perror("test_dpdk_flow: unshare(CLONE_NEWNET) (needs root)");
		exit(77);
	}
	f = fopen("/proc/sys/net/ipv6/conf/default/disable_ipv6", "w");
	if (f) {
		fputs("1", f);
		fclose(f);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ring_all_software),
		cmocka_unit_test(test_tap_rules),
		cmocka_unit_test(test_tap_lanes),
	};
	char err[256];
	const char *e = getenv("VMUX_FLOW_EXPECT_HW");

	expect_hw = e && !strcmp(e, "1");
	own_netns();
	log_set_level(LOG_LVL_ERR);
	l = loop_create();
	if (!l || dpdk_eal_init(0, NULL, err, sizeof(err)) < 0) {
		fprintf(stderr, "test_dpdk_flow: %s\n", err);
		return 1;
	}
	net_port_init(&peer, "peer", &peer_ops, NULL);
	net_port_set_link(&peer, true);
	return cmocka_run_group_tests_name("dpdk_flow", tests, NULL, NULL);
}
