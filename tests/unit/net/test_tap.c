/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The tap backend against the real kernel. The test process first moves into
 * a network namespace of its own (unshare(CLONE_NEWNET), needs root), so the
 * taps it creates and every frame it sends stay inside it and vanish with it.
 * Frames are exchanged with the kernel through an AF_PACKET socket bound to
 * the tap. Every test runs twice: with the tap's I/O batched through io_uring,
 * then with one read()/write() per frame (the fallback without io_uring).
 *
 * This file: the cases against real taps, and main; the rest are in
 * tap_ring_cases.c, the peer, kernel helpers and fixtures in tap_harness.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/filter.h>
#include <linux/if_tun.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/seccomp.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/log.h"
#include "core/loop.h"
#include "net/pkt.h"
#include "net/port.h"
#include "net/tap.h"
#include "net/tap_priv.h"

#include "tap_harness.h"

/* ---- tests ---- */

static void test_open_errors(void **state)
{
	struct ctx *c = *state;
	char err[256];
	struct tap *t, *t2;

	err[0] = 0;
	assert_null(tap_open(c->loop, "abcdefghijklmnopqrst", true, err, sizeof(err)));
	assert_non_null(strstr(err, "abcdefghijklmnopqrst"));
	assert_non_null(strstr(err, "too long"));

	assert_null(tap_open(c->loop, "", true, err, sizeof(err)));
	assert_non_null(strstr(err, "empty"));
	assert_null(tap_open(c->loop, "a/b", true, err, sizeof(err)));
	assert_non_null(strstr(err, "a/b"));
	assert_null(tap_open(c->loop, "vm%d", true, err, sizeof(err)));
	assert_null(tap_open(c->loop, "", true, NULL, 0)); /* no room for a message: fine */

	assert_null(tap_open(c->loop, "vnone0", false, err, sizeof(err)));
	assert_non_null(strstr(err, "vnone0"));
	assert_non_null(strstr(err, "no such interface"));
	assert_int_equal(if_nametoindex("vnone0"), 0);

	/* A tap this process already holds: EBUSY, named in the message. */
	t = tap_open(c->loop, "vbusy0", true, err, sizeof(err));
	assert_non_null(t);
	t2 = tap_open(c->loop, "vbusy0", true, err, sizeof(err));
	assert_null(t2);
	assert_non_null(strstr(err, "vbusy0"));
	assert_non_null(strstr(err, strerror(EBUSY)));
	assert_non_null(strstr(err, "another process"));

	/* A non-tap interface of that name. */
	assert_null(tap_open(c->loop, "lo", true, err, sizeof(err)));
	assert_non_null(strstr(err, "'lo'"));
	assert_non_null(strstr(err, strerror(EINVAL)));

	/* Closing a tap we created removes it. */
	tap_close(t);
	assert_int_equal(if_nametoindex("vbusy0"), 0);
	tap_close(NULL);
}

static void test_attach_existing(void **state)
{
	struct ctx *c = *state;
	char err[256] = "";
	struct tap *t;

	/* A persistent tap made by someone else: attach without creating. */
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	struct ifreq ifr;

	assert_true(fd >= 0);
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "vpers0");
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	assert_int_equal(ioctl(fd, TUNSETIFF, &ifr), 0);
	assert_int_equal(ioctl(fd, TUNSETPERSIST, 1), 0);
	close(fd);
	t = tap_open(c->loop, "vpers0", false, err, sizeof(err));
	if (!t)
		fail_msg("%s", err);
	assert_true(tap_port(t)->link_up);
	tap_close(t);
	/* It stays: it was not ours. */
	assert_true(if_nametoindex("vpers0") > 0);
	if_delete("vpers0");
}

static void test_kernel_to_port(void **state)
{
	struct ctx *c = *state;
	struct tap *t = open_tap(c, "vrx0");
	struct net_port *tp = tap_port(t);
	uint8_t want[100];

	/* Connected: the peer was told the link is up. */
	assert_true(tp->link_up);
	assert_true(c->peer.last_link);
	kernel_send(c, 100, 1);
	run_until(c, 1);
	assert_int_equal(c->peer.nrec, 1);
	assert_int_equal(c->peer.rec[0].len, 100);
	make_frame(want, 100, 1);
	assert_memory_equal(c->peer.rec[0].head, want, 64);
	assert_true(tp->stats.tx_pkts >= 1);
	assert_int_equal(tp->stats.tx_drops, 0);
	tap_close(t);
	/* Closing tells the peer the link is gone. */
	assert_false(c->peer.last_link);
	assert_null(c->peer.port.peer);
}

static void test_port_to_kernel(void **state)
{
	struct ctx *c = *state;
	struct tap *t = open_tap(c, "vtx0");
	struct pkt *k[2] = { peer_frame(c, 60, 5), peer_frame(c, 1514, 6) };
	uint8_t buf[2000], want[1514];
	int tci;

	assert_int_equal(net_port_send(&c->peer.port, k, 2), 2);
	assert_int_equal(c->peer.port.stats.tx_pkts, 2);
	assert_int_equal(c->peer.port.stats.tx_bytes, 60 + 1514);
	assert_int_equal(tap_port(t)->stats.rx_pkts, 2);
	assert_int_equal(pkt_pool_avail(c->pool), 64);

	assert_int_equal(kernel_recv(c, buf, sizeof(buf), &tci), 60);
	make_frame(want, 60, 5);
	assert_memory_equal(buf, want, 60);
	assert_int_equal(kernel_recv(c, buf, sizeof(buf), &tci), 1514);
	make_frame(want, 1514, 6);
	assert_memory_equal(buf, want, 1514);
	tap_close(t);
}

/*
 * Batched, the requests name the tap by its index among the ring's registered
 * files, not by its descriptor number: with /dev/null put in that number's
 * place (dup2), frames still go both ways through the tap.
 */
static void test_fixed_file(void **state)
{
	struct ctx *c = *state;
	struct tap *t = open_tap(c, "vfix0");
	struct tap_stats st;
	uint8_t buf[2000], want[60];
	int tci, fd, saved, null;
	struct pkt *k[1];

	tap_get_stats(t, &st);
	assert_int_equal(st.fixed_file, batched);
	if (!batched) {
		tap_close(t);
		return;
	}
	fd = tap_fd(t);
	saved = dup(fd);
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	assert_true(saved >= 0 && null >= 0);
	assert_int_equal(dup2(null, fd), fd);
	close(null);

	k[0] = peer_frame(c, 60, 7);
	assert_int_equal(net_port_send(&c->peer.port, k, 1), 1);
	assert_int_equal(kernel_recv(c, buf, sizeof(buf), &tci), 60);
	make_frame(want, 60, 7);
	assert_memory_equal(buf, want, 60);
	kernel_send(c, 100, 8);
	run_until(c, 1);
	assert_int_equal(c->peer.nrec, 1);
	assert_int_equal(c->peer.rec[0].len, 100);

	assert_int_equal(dup2(saved, fd), fd);
	close(saved);
	tap_close(t);
}

static void test_vlan_insert(void **state)
{
	struct ctx *c = *state;
	struct tap *t = open_tap(c, "vvlan0");
	struct pkt *k = peer_frame(c, 80, 9);
	uint8_t buf[200], want[80];
	int tci;
	ssize_t r;

	k->flags = PKT_F_VLAN;
	k->vlan_tci = 0x2064; /* priority 1, VLAN 100 */
	assert_int_equal(net_port_send(&c->peer.port, &k, 1), 1);
	assert_int_equal(tap_port(t)->stats.rx_bytes, 84);
	r = kernel_recv(c, buf, sizeof(buf), &tci);
	make_frame(want, 80, 9);
	if (r == 84) {
		/* The tag is still in the data. */
		assert_int_equal(buf[12], 0x81);
		assert_int_equal(buf[13], 0x00);
		assert_int_equal(buf[14], 0x20);
		assert_int_equal(buf[15], 0x64);
		assert_memory_equal(buf, want, 12);
		assert_memory_equal(buf + 16, want + 12, 68);
	} else {
		/* The kernel took the tag out of the frame and reports it aside. */
		assert_int_equal(r, 80);
		assert_int_equal(tci, 0x2064);
		assert_memory_equal(buf, want, 80);
	}
	tap_close(t);
}

static void test_oversize_and_limit(void **state)
{
	struct ctx *c = *state;
	struct tap *t = open_tap(c, "vbig0");
	struct tap_stats st;

	if_set_mtu("vbig0", 17000);
	kernel_send(c, PKT_DATA_MAX + 20, 1); /* too long: dropped and counted */
	kernel_send(c, PKT_DATA_MAX, 2);      /* exactly the limit: carried */
	kernel_send(c, 60, 3);
	run_until(c, 2);
	tap_get_stats(t, &st);
	assert_int_equal(st.rd_oversize, 1);
	assert_int_equal(c->peer.nrec, 2);
	assert_int_equal(c->peer.rec[0].len, PKT_DATA_MAX);
	assert_int_equal(c->peer.rec[1].len, 60);
	uint32_t seq;
	memcpy(&seq, c->peer.rec[1].head + 14, 4);
	assert_int_equal(seq, 3);

	/* Frames from the peer with impossible lengths are never written. */
	struct pkt *k[2] = { peer_frame(c, 60, 1), peer_frame(c, 60, 2) };
	k[0]->len = 10;
	k[1]->len = PKT_DATA_MAX + 1;
	assert_int_equal(net_port_send(&c->peer.port, k, 2), 0);
	tap_get_stats(t, &st);
	assert_int_equal(st.wr_bad_len, 2);
	assert_int_equal(tap_port(t)->stats.rx_drops, 2);
	assert_int_equal(pkt_pool_avail(c->pool), 64);
	tap_close(t);
}

static void test_burst_bound(void **state)
{
	struct ctx *c = *state;
	struct tap *t = open_tap(c, "vburst0");
	struct tap_stats st;

	for (uint32_t i = 0; i < 40; i++)
		kernel_send(c, 64, i);
	/* One wakeup reads at most TAP_RX_BURST frames, in one burst. */
	assert_int_equal(loop_run_once(c->loop, 1000), 0);
	assert_int_equal(c->peer.nrec, TAP_RX_BURST);
	assert_int_equal(c->peer.delivers, 1);
	/* Batched: all the reads of that wakeup went to the kernel in one submit. */
	tap_get_stats(t, &st);
	assert_int_equal(st.rd_submits, batched ? 1 : 0);
	assert_int_equal(loop_run_once(c->loop, 1000), 0);
	assert_int_equal(c->peer.nrec, 40);
	/* The reads that found no frame came back (EAGAIN): none stays posted. */
	tap_get_stats(t, &st);
	assert_int_equal(st.inflight, 0);
	for (uint32_t i = 0; i < 40; i++) {
		uint32_t seq;

		memcpy(&seq, c->peer.rec[i].head + 14, 4);
		assert_int_equal(seq, i);
	}
	tap_close(t);
}

static void test_backpressure(void **state)
{
	struct ctx *c = *state;
	struct tap *t = open_tap(c, "vbp0");
	struct tap_stats st, st2;

	c->peer.space = 0;
	for (uint32_t i = 0; i < 3; i++)
		kernel_send(c, 64, i);
	for (int i = 0; i < 3; i++)
		assert_int_equal(loop_run_once(c->loop, 20), 0);
	assert_int_equal(c->peer.nrec, 0);
	tap_get_stats(t, &st);
	assert_int_equal(st.rd_pauses, 1);
	/* Paused: the frames wait in the kernel and the loop is not woken again. */
	for (int i = 0; i < 3; i++)
		assert_int_equal(loop_run_once(c->loop, 20), 0);
	tap_get_stats(t, &st2);
	assert_int_equal(st2.wakeups, st.wakeups);

	/* Room for two: the peer wakes the tap, which reads exactly two. */
	c->peer.space = 2;
	net_port_wake_peer(&c->peer.port);
	assert_int_equal(loop_run_once(c->loop, 1000), 0);
	assert_int_equal(c->peer.nrec, 2);
	for (int i = 0; i < 3; i++)
		assert_int_equal(loop_run_once(c->loop, 20), 0);
	assert_int_equal(c->peer.nrec, 2);

	c->peer.space = UINT32_MAX;
	net_port_wake_peer(&c->peer.port);
	run_until(c, 3);
	assert_int_equal(c->peer.nrec, 3);
	tap_close(t);
}

static void test_write_while_down(void **state)
{
	struct ctx *c = *state;
	struct tap *t = open_tap(c, "vdown0");
	struct pkt *k[3] = { peer_frame(c, 60, 1), peer_frame(c, 60, 2), peer_frame(c, 60, 3) };
	struct tap_stats st;

	if_set_up("vdown0", false);
	/* The kernel refuses (EIO): dropped and counted, never blocking, not fatal. */
	assert_int_equal(net_port_send(&c->peer.port, k, 3), 0);
	tap_get_stats(t, &st);
	assert_int_equal(st.wr_errors, 3);
	assert_false(st.detached);
	assert_true(tap_port(t)->link_up);
	assert_int_equal(c->peer.port.stats.tx_drops, 3);
	assert_int_equal(pkt_pool_avail(c->pool), 64);
	tap_close(t);
}

static void test_deleted_under_us(void **state)
{
	struct ctx *c = *state;
	struct tap *t = open_tap(c, "vdel0");
	struct tap_stats st, st2;
	struct pkt *k;

	kernel_send(c, 64, 1);
	run_until(c, 1);
	assert_int_equal(c->peer.nrec, 1);
	close(c->ps);
	c->ps = -1;
	if_delete("vdel0");
	for (int i = 0; i < 3; i++)
		assert_int_equal(loop_run_once(c->loop, 50), 0);
	tap_get_stats(t, &st);
	assert_true(st.detached);
	assert_false(tap_port(t)->link_up);
	assert_false(c->peer.last_link);
	/* Not polled any more: no busy loop on the dead fd. */
	for (int i = 0; i < 5; i++)
		assert_int_equal(loop_run_once(c->loop, 10), 0);
	tap_get_stats(t, &st2);
	assert_int_equal(st2.wakeups, st.wakeups);
	/* Frames for it are dropped and counted. */
	k = peer_frame(c, 60, 1);
	assert_int_equal(net_port_send(&c->peer.port, &k, 1), 0);
	assert_int_equal(tap_port(t)->stats.rx_drops, 1);
	assert_int_equal(pkt_pool_avail(c->pool), 64);
	/* Waking it does not resurrect polling. */
	net_port_wake_peer(&c->peer.port);
	assert_int_equal(loop_run_once(c->loop, 10), 0);
	tap_get_stats(t, &st2);
	assert_int_equal(st2.wakeups, st.wakeups);
	tap_close(t);
}

/* A SOCK_SEQPACKET pair stands in for the tap, to send what a kernel would not. */

static void write_sysctl(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	if (write(fd, val, strlen(val)) < 0) {
		/* best effort: only keeps IPv6 chatter off the taps */
	}
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_attach_existing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kernel_to_port, setup, teardown),
		cmocka_unit_test_setup_teardown(test_port_to_kernel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fixed_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vlan_insert, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oversize_and_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_burst_bound, setup, teardown),
		cmocka_unit_test_setup_teardown(test_backpressure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_while_down, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deleted_under_us, setup, teardown),
		cmocka_unit_test_setup_teardown(test_undersize, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pool_exhausted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_peer_pauses, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_burst_one_submit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deleted_inflight, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ring_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_submit_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rxq_left_over, setup, teardown),
		cmocka_unit_test_setup_teardown(test_env_fallback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_seccomp_fallback, setup, teardown),
	};
	int fails;

	if (access("/dev/net/tun", R_OK | W_OK) < 0) {
		fprintf(stderr, "test_tap: /dev/net/tun: %s: skipped\n", strerror(errno));
		return 77;
	}
	/* A private network namespace: nothing here touches the host's interfaces. */
	if (unshare(CLONE_NEWNET) < 0) {
		fprintf(stderr, "test_tap: cannot make a network namespace (%s): skipped\n",
			strerror(errno));
		return 77;
	}
	write_sysctl("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1");
	write_sysctl("/proc/sys/net/ipv6/conf/all/disable_ipv6", "1");
	log_set_level(LOG_LVL_ERR);
	batched = true;
	fails = cmocka_run_group_tests_name("tap_io_uring", tests, NULL, NULL);
	/* The fallback: what runs where io_uring is disabled. */
	batched = false;
	tap_force_sync(true);
	fails += cmocka_run_group_tests_name("tap_read_write", tests, NULL, NULL);
	return fails ? 1 : 0;
}
