/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * net_tap cases on a tap over a socketpair (fake_tap) and the io_uring
 * side: undersize frames, pool exhaustion, submits and completions under the
 * test hooks, the fallbacks to read()/write() (environment, seccomp).
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

static struct tap *fake_tap(struct ctx *c, int *other, unsigned pool_pkts)
{
	int sv[2];
	char err[256] = "";
	struct tap *t;

	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv),
			 0);
	t = tap_open_fd(c->loop, sv[0], "fake0", pool_pkts, err, sizeof(err));
	if (!t)
		fail_msg("%s", err);
	assert_int_equal(tap_batched(t), batched);
	*other = sv[1];
	net_port_connect(&c->peer.port, tap_port(t));
	return t;
}

void test_undersize(void **state)
{
	struct ctx *c = *state;
	int o;
	struct tap *t = fake_tap(c, &o, 16);
	uint8_t f[64];
	struct tap_stats st;

	make_frame(f, sizeof(f), 4);
	assert_int_equal(write(o, f, 10), 10);
	assert_int_equal(write(o, f, 13), 13);
	assert_int_equal(write(o, f, 14), 14);
	assert_int_equal(write(o, f, 64), 64);
	run_until(c, 2);
	tap_get_stats(t, &st);
	assert_int_equal(st.rd_undersize, 2);
	assert_int_equal(c->peer.nrec, 2);
	assert_int_equal(c->peer.rec[0].len, 14);
	assert_int_equal(c->peer.rec[1].len, 64);

	/* The far end closing is the same as the device going away. */
	close(o);
	assert_int_equal(loop_run_once(c->loop, 100), 0);
	tap_get_stats(t, &st);
	assert_true(st.detached);
	assert_false(c->peer.last_link);
	tap_close(t);
}

void test_pool_exhausted(void **state)
{
	struct ctx *c = *state;
	int o;
	struct tap *t = fake_tap(c, &o, 4);
	uint8_t f[64];
	struct tap_stats st;

	c->peer.hold = true; /* the peer keeps every buffer it gets */
	make_frame(f, sizeof(f), 0);
	for (int i = 0; i < 6; i++)
		assert_int_equal(write(o, f, sizeof(f)), (ssize_t)sizeof(f));
	for (int i = 0; i < 4; i++)
		assert_int_equal(loop_run_once(c->loop, 20), 0);
	assert_int_equal(c->peer.nrec, 4);
	tap_get_stats(t, &st);
	assert_int_equal(st.rd_nobuf, 2);
	/* Buffers back: reading resumes with the next frame. */
	pkt_free_bulk(c->peer.held, c->peer.nheld);
	c->peer.nheld = 0;
	c->peer.hold = false;
	assert_int_equal(write(o, f, sizeof(f)), (ssize_t)sizeof(f));
	run_until(c, 5);
	assert_int_equal(c->peer.nrec, 5);
	tap_close(t);
	close(o);
}

void test_no_peer_pauses(void **state)
{
	struct ctx *c = *state;
	int o;
	struct tap *t = fake_tap(c, &o, 8);
	uint8_t f[64];
	struct tap_stats st;

	net_port_disconnect(&c->peer.port);
	make_frame(f, sizeof(f), 0);
	assert_int_equal(write(o, f, sizeof(f)), (ssize_t)sizeof(f));
	for (int i = 0; i < 3; i++)
		assert_int_equal(loop_run_once(c->loop, 20), 0);
	tap_get_stats(t, &st);
	assert_int_equal(st.rd_pauses, 1);
	assert_int_equal(st.wakeups, 1);
	/* Connecting wakes it up; the queued frame arrives. */
	net_port_connect(&c->peer.port, tap_port(t));
	run_until(c, 1);
	assert_int_equal(c->peer.nrec, 1);
	tap_close(t);
	close(o);
}

/* A burst of 64 frames: one submit carries them all, and all 64 reach the kernel, in order. */
void test_tx_burst_one_submit(void **state)
{
	struct ctx *c = *state;
	struct tap *t = open_tap(c, "vtxb0");
	struct pkt *k[64];
	struct tap_stats st0, st;
	uint8_t buf[2000], want[60];
	int tci;

	for (uint32_t i = 0; i < 64; i++)
		k[i] = peer_frame(c, 60, 100 + i);
	k[7]->flags = PKT_F_VLAN; /* one goes out tagged: a WRITEV in the same submit */
	k[7]->vlan_tci = 42;
	tap_get_stats(t, &st0);
	assert_int_equal(net_port_send(&c->peer.port, k, 64), 64);
	tap_get_stats(t, &st);
	assert_int_equal(st.wr_submits - st0.wr_submits, batched ? 1 : 0);
	assert_int_equal(st.inflight, 0);
	assert_int_equal(tap_port(t)->stats.rx_pkts, 64);
	assert_int_equal(tap_port(t)->stats.rx_bytes, 64 * 60 + 4);
	assert_int_equal(c->peer.port.stats.tx_pkts, 64);
	/* Every buffer came back once its completion was reaped. */
	assert_int_equal(pkt_pool_avail(c->pool), 64);
	for (uint32_t i = 0; i < 64; i++) {
		ssize_t r = kernel_recv(c, buf, sizeof(buf), &tci);
		uint32_t seq;

		if (i == 7) {
			assert_true(r == 60 || r == 64);
			continue;
		}
		assert_int_equal(r, 60);
		memcpy(&seq, buf + 14, 4);
		assert_int_equal(seq, 100 + i);
		make_frame(want, 60, 100 + i);
		assert_memory_equal(buf, want, 60);
	}
	tap_close(t);
}

/*
 * The tap deleted while writes are in flight (completions not yet reaped):
 * their buffers stay held until then, the tap detaches, and closing it gives
 * every buffer back (ASan/LSan see any leak). Then writes issued after the
 * deletion: their completions fail with EBADFD, which detaches the tap.
 */
void test_deleted_inflight(void **state)
{
	struct ctx *c = *state;
	struct tap *t;
	struct pkt *k[8];
	struct tap_stats st;

	if (!batched)
		skip();
	t = open_tap(c, "vdelw0");
	tap_defer_reap(t, true);
	for (uint32_t i = 0; i < 8; i++)
		k[i] = peer_frame(c, 60, i);
	assert_int_equal(net_port_send(&c->peer.port, k, 8), 8);
	tap_get_stats(t, &st);
	assert_int_equal(st.inflight, 8);
	assert_int_equal(pkt_pool_avail(c->pool), 56);
	if_delete("vdelw0");
	for (int i = 0; i < 3; i++)
		assert_int_equal(loop_run_once(c->loop, 50), 0);
	tap_get_stats(t, &st);
	assert_true(st.detached);
	assert_false(c->peer.last_link);
	assert_int_equal(pkt_pool_avail(c->pool), 56);
	tap_close(t);
	assert_int_equal(pkt_pool_avail(c->pool), 64);

	close(c->ps);
	c->ps = -1;
	t = open_tap(c, "vdelw1");
	if_delete("vdelw1");
	/* Not polled yet: the write completions are the first to tell. */
	for (uint32_t i = 0; i < 4; i++)
		k[i] = peer_frame(c, 60, i);
	assert_int_equal(net_port_send(&c->peer.port, k, 4), 0);
	tap_get_stats(t, &st);
	assert_true(st.detached);
	assert_int_equal(st.inflight, 0);
	assert_int_equal(tap_port(t)->stats.rx_drops, 4);
	assert_int_equal(pkt_pool_avail(c->pool), 64);
	tap_close(t);
}

/* TAP_RING_ENTRIES writes in flight: the next ones are dropped and counted, never waited for. */
void test_ring_full(void **state)
{
	struct ctx *c = *state;
	struct pkt_pool *pool;
	struct tap *t;
	struct pkt *k[64];
	struct tap_stats st;
	unsigned total = TAP_RING_ENTRIES + 64;

	if (!batched)
		skip();
	pool = pkt_pool_create("big", total);
	assert_non_null(pool);
	t = open_tap(c, "vfull0");
	tap_defer_reap(t, true);
	for (unsigned b = 0; b < total / 64; b++) {
		for (unsigned i = 0; i < 64; i++) {
			k[i] = pkt_alloc(pool);
			assert_non_null(k[i]);
			make_frame(k[i]->data, 60, b * 64 + i);
			k[i]->len = 60;
		}
		assert_int_equal(net_port_send(&c->peer.port, k, 64),
				 b < TAP_RING_ENTRIES / 64 ? 64 : 0);
	}
	tap_get_stats(t, &st);
	assert_int_equal(st.inflight, TAP_RING_ENTRIES);
	assert_int_equal(st.wr_ring_full, 64);
	assert_int_equal(pkt_pool_avail(pool), 64);
	/* Reaping resumes: the next burst frees the ring and goes out. */
	tap_defer_reap(t, false);
	k[0] = pkt_alloc(pool);
	make_frame(k[0]->data, 60, 999);
	k[0]->len = 60;
	assert_int_equal(net_port_send(&c->peer.port, k, 1), 1);
	tap_get_stats(t, &st);
	assert_int_equal(st.inflight, 0);
	assert_int_equal(tap_port(t)->stats.rx_pkts, TAP_RING_ENTRIES + 1);
	assert_int_equal(pkt_pool_avail(pool), total);
	tap_close(t);
	pkt_pool_destroy(pool);
}

/*
 * A submit that fails (EBUSY, EAGAIN) leaves its reads in the SQ: the next
 * wakeup must submit them, or they count as in flight forever and the tap
 * never reads again.
 */
void test_submit_fails(void **state)
{
	struct ctx *c = *state;
	struct tap *t;
	struct tap_stats st;

	if (!batched)
		skip();
	t = open_tap(c, "vsub0");
	tap_fail_submits(t, 1);
	kernel_send(c, 80, 1);
	kernel_send(c, 80, 2);
	run_until(c, 2);
	assert_int_equal(c->peer.nrec, 2);
	tap_get_stats(t, &st);
	assert_int_equal(st.submit_errors, 1);
	/* And it goes on reading. */
	kernel_send(c, 80, 3);
	run_until(c, 3);
	assert_int_equal(c->peer.nrec, 3);
	tap_close(t);
}

/*
 * Frames read but left queued by a flush its budget (the peer's room at the
 * time) cut short: the tap fd will not poll readable for them, so the tap
 * must bring its loop back itself while the peer has room.
 */
void test_rxq_left_over(void **state)
{
	struct ctx *c = *state;
	struct tap *t;
	struct pkt *k[1];

	if (!batched)
		skip();
	t = open_tap(c, "vrxq0");
	/* Ten frames read, their completions left in the CQ. */
	tap_defer_reap(t, true);
	for (uint32_t i = 0; i < 10; i++)
		kernel_send(c, 80, i);
	for (int i = 0; i < 3; i++)
		assert_int_equal(loop_run_once(c->loop, 20), 0);
	assert_int_equal(c->peer.nrec, 0);
	/* Room for three at a time from now on; a frame to the tap reaps the ten. */
	tap_defer_reap(t, false);
	c->peer.space = 3;
	c->peer.space_fixed = true;
	k[0] = peer_frame(c, 60, 99);
	assert_int_equal(net_port_send(&c->peer.port, k, 1), 1);
	net_port_wake_peer(&c->peer.port);
	run_until(c, 10);
	assert_int_equal(c->peer.nrec, 10);
	tap_close(t);
}

/* VMUX_TAP_URING=0 selects the read()/write() path, as a missing io_uring does. */
void test_env_fallback(void **state)
{
	struct ctx *c = *state;
	char err[256] = "";
	struct tap *t;

	assert_int_equal(setenv("VMUX_TAP_URING", "0", 1), 0);
	t = tap_open(c->loop, "venv0", true, err, sizeof(err));
	assert_int_equal(unsetenv("VMUX_TAP_URING"), 0);
	if (!t)
		fail_msg("%s", err);
	assert_false(tap_batched(t));
	tap_close(t);
}

/*
 * The child of test_seccomp_fallback: io_uring_setup refused by a seccomp
 * filter (as in a container), two taps opened; returns what failed (0: none).
 */
static int seccomp_child(struct pkt_pool *pool)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA)),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]), .filter = f };
	static struct peer pe;
	struct net_port *peer = &pe.port;
	struct loop *l = loop_create();
	struct tap *t1, *t2;
	struct ifreq ifr;
	struct pkt *k[2];
	char err[256];
	int s, ret = 0;

	if (!l || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0)
		return 1;
	t1 = tap_open(l, "vsec0", true, err, sizeof(err));
	t2 = tap_open(l, "vsec1", true, err, sizeof(err));
	if (!t1 || !t2)
		return 2;
	if (tap_batched(t1) || tap_batched(t2))
		ret = 3;
	/* The read()/write() path carries frames. */
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "vsec0");
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		return 4;
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		return 5;
	close(s);
	net_port_init(peer, "peer", &peer_ops, &pe);
	pe.space = UINT32_MAX;
	net_port_connect(peer, tap_port(t1));
	for (int i = 0; i < 2; i++) {
		k[i] = pkt_alloc(pool);
		if (!k[i])
			return 6;
		make_frame(k[i]->data, 60, (uint32_t)i);
		k[i]->len = 60;
	}
	if (net_port_send(peer, k, 2) != 2 || tap_port(t1)->stats.rx_pkts != 2)
		ret = 7;
	tap_close(t1);
	tap_close(t2);
	loop_destroy(l);
	return ret;
}

/* io_uring refused (seccomp): taps fall back to read()/write(), said once at info level. */
void test_seccomp_fallback(void **state)
{
	struct ctx *c = *state;
	char out[4096];
	size_t got = 0;
	int p[2], st;
	pid_t pid;
	const char *m;

	if (!batched)
		skip();
	assert_int_equal(pipe(p), 0);
	fflush(stderr);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* Not cmocka's handlers: a crash here must end the child. */
		signal(SIGSEGV, SIG_DFL);
		signal(SIGBUS, SIG_DFL);
		signal(SIGILL, SIG_DFL);
		signal(SIGFPE, SIG_DFL);
		close(p[0]);
		dup2(p[1], 2);
		log_set_level(LOG_LVL_INFO);
		_exit(seccomp_child(c->pool));
	}
	close(p[1]);
	for (;;) {
		ssize_t r = read(p[0], out + got, sizeof(out) - 1 - got);

		if (r <= 0)
			break;
		got += (size_t)r;
	}
	out[got] = 0;
	close(p[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail_msg("child: status %#x; its log:\n%s", st, out);
	m = strstr(out, "io_uring unavailable");
	if (!m)
		fail_msg("no fallback message in:\n%s", out);
	assert_null(strstr(m + 1, "io_uring unavailable")); /* once for both taps */
	assert_non_null(strstr(out, "one read()/write() per frame"));
}
