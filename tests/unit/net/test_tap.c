/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The tap backend against the real kernel. The test process first moves into
 * a network namespace of its own (unshare(CLONE_NEWNET), needs root), so the
 * taps it creates and every frame it sends stay inside it and vanish with it.
 * Frames are exchanged with the kernel through an AF_PACKET socket bound to
 * the tap. Every test runs twice: with the tap's I/O batched through io_uring,
 * then with one read()/write() per frame (the fallback without io_uring).
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

#define TEST_ETHERTYPE 0x88b5 /* local experimental: only our frames carry it */
#define MAX_REC 128

static bool batched; /* the group being run: io_uring or read()/write() */

struct rec {
	uint32_t len;
	uint8_t head[64];
};

/* The port on the other side of the tap, as a device model would be. */
struct peer {
	struct net_port port;
	uint32_t space;   /* reported by rx_space; decremented per accepted frame */
	bool space_fixed; /* ... unless set: a peer whose room another thread frees */
	bool hold;        /* keep packets instead of freeing them */
	struct pkt *held[64];
	unsigned nheld;
	unsigned nrec, noise, delivers;
	struct rec rec[MAX_REC];
	unsigned link_calls;
	bool last_link;
};

static uint16_t peer_deliver(struct net_port *self, uint16_t queue, struct pkt **pkts, uint16_t n)
{
	struct peer *pe = self->priv;

	pe->delivers++;
	for (uint16_t i = 0; i < n; i++) {
		struct pkt *k = pkts[i];
		bool ours = k->len >= 14 && k->data[12] == (TEST_ETHERTYPE >> 8) &&
			    k->data[13] == (TEST_ETHERTYPE & 0xff);

		if (!ours) {
			pe->noise++;
		} else if (pe->nrec < MAX_REC) {
			pe->rec[pe->nrec].len = k->len;
			memcpy(pe->rec[pe->nrec].head, k->data, k->len < 64 ? k->len : 64);
			pe->nrec++;
		}
		if (pe->space != UINT32_MAX && pe->space && !pe->space_fixed)
			pe->space--;
		if (pe->hold && pe->nheld < 64)
			pe->held[pe->nheld++] = k;
		else
			pkt_free(k);
	}
	self->stats.rx_pkts += n;
	return n;
}

static uint32_t peer_space(struct net_port *self, uint16_t queue)
{
	return ((struct peer *)self->priv)->space;
}

static void peer_link(struct net_port *self, bool up)
{
	struct peer *pe = self->priv;

	pe->link_calls++;
	pe->last_link = up;
}

static const struct net_port_ops peer_ops = {
	.deliver = peer_deliver,
	.rx_space = peer_space,
	.peer_link = peer_link,
};

struct ctx {
	struct loop *loop;
	struct peer peer;
	struct pkt_pool *pool; /* frames the peer sends to the tap */
	int ps;                /* AF_PACKET socket on the tap */
	int ifindex;
};

/* ---- kernel helpers ---- */

static int ctl_sock(void)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	assert_true(s >= 0);
	return s;
}

static void if_set_up(const char *name, bool up)
{
	struct ifreq ifr;
	int s = ctl_sock();

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	assert_int_equal(ioctl(s, SIOCGIFFLAGS, &ifr), 0);
	if (up)
		ifr.ifr_flags |= IFF_UP;
	else
		ifr.ifr_flags &= ~IFF_UP;
	assert_int_equal(ioctl(s, SIOCSIFFLAGS, &ifr), 0);
	close(s);
}

static void if_set_mtu(const char *name, int mtu)
{
	struct ifreq ifr;
	int s = ctl_sock();

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ifr.ifr_mtu = mtu;
	assert_int_equal(ioctl(s, SIOCSIFMTU, &ifr), 0);
	close(s);
}

/* Deletes an interface with RTM_DELLINK, as `ip link del` would. */
static void if_delete(const char *name)
{
	struct {
		struct nlmsghdr nh;
		struct ifinfomsg ifi;
	} req;
	char buf[512];
	int s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	struct nlmsghdr *nh = (struct nlmsghdr *)buf;

	assert_true(s >= 0);
	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = sizeof(req);
	req.nh.nlmsg_type = RTM_DELLINK;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	req.ifi.ifi_family = AF_UNSPEC;
	req.ifi.ifi_index = (int)if_nametoindex(name);
	assert_true(req.ifi.ifi_index > 0);
	assert_int_equal(send(s, &req, sizeof(req), 0), sizeof(req));
	assert_true(recv(s, buf, sizeof(buf), 0) >= (ssize_t)sizeof(*nh));
	assert_int_equal(nh->nlmsg_type, NLMSG_ERROR);
	assert_int_equal(((struct nlmsgerr *)NLMSG_DATA(nh))->error, 0);
	close(s);
}

static int packet_socket(int ifindex)
{
	int one = 1;
	struct timeval tv = { .tv_sec = 2 };
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_ALL),
		.sll_ifindex = ifindex,
	};
	int s = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));

	assert_true(s >= 0);
	assert_int_equal(bind(s, (struct sockaddr *)&sll, sizeof(sll)), 0);
	/* Straight to the driver: the frame is in the tap's queue when sendto returns. */
	assert_int_equal(setsockopt(s, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one)), 0);
	assert_int_equal(setsockopt(s, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one)), 0);
	assert_int_equal(setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	return s;
}

static void make_frame(uint8_t *f, size_t len, uint32_t seq)
{
	static const uint8_t hdr[14] = { 0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01,
					 TEST_ETHERTYPE >> 8, TEST_ETHERTYPE & 0xff };

	memcpy(f, hdr, sizeof(hdr));
	for (size_t i = 14; i < len; i++)
		f[i] = (uint8_t)(i * 7 + seq);
	if (len >= 18)
		memcpy(f + 14, &seq, sizeof(seq));
}

static void kernel_send(struct ctx *c, size_t len, uint32_t seq)
{
	static uint8_t f[20000];

	assert_true(len <= sizeof(f));
	make_frame(f, len, seq);
	assert_int_equal(send(c->ps, f, len, 0), (ssize_t)len);
}

/*
 * Receives the next of our frames the kernel got from the tap. Returns its
 * length; the VLAN tag, if the kernel moved it out of the data, in *tci.
 */
static ssize_t kernel_recv(struct ctx *c, uint8_t *buf, size_t cap, int *tci)
{
	for (int tries = 0; tries < 50; tries++) {
		union {
			struct cmsghdr align;
			char b[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
		} cbuf;
		struct sockaddr_ll from;
		struct iovec iov = { .iov_base = buf, .iov_len = cap };
		struct msghdr mh = {
			.msg_name = &from, .msg_namelen = sizeof(from),
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = cbuf.b, .msg_controllen = sizeof(cbuf.b),
		};
		ssize_t r = recvmsg(c->ps, &mh, 0);

		if (r < 0)
			return -errno;
		if (from.sll_pkttype == PACKET_OUTGOING || r < 14)
			continue;
		*tci = -1;
		for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
			struct tpacket_auxdata aux;

			if (cm->cmsg_level != SOL_PACKET || cm->cmsg_type != PACKET_AUXDATA)
				continue;
			memcpy(&aux, CMSG_DATA(cm), sizeof(aux));
			if (aux.tp_status & TP_STATUS_VLAN_VALID)
				*tci = aux.tp_vlan_tci;
		}
		uint16_t et = (uint16_t)(buf[12] << 8 | buf[13]);
		if (et == TEST_ETHERTYPE || et == 0x8100)
			return r;
	}
	return -EAGAIN;
}

/* Runs the loop until the peer has `want` of our frames (or a bounded wait ends). */
static void run_until(struct ctx *c, unsigned want)
{
	for (int i = 0; i < 40 && c->peer.nrec < want; i++)
		assert_int_equal(loop_run_once(c->loop, 50), 0);
}

static struct pkt *peer_frame(struct ctx *c, size_t len, uint32_t seq)
{
	struct pkt *k = pkt_alloc(c->pool);

	assert_non_null(k);
	make_frame(k->data, len, seq);
	k->len = (uint32_t)len;
	return k;
}

/* ---- fixtures ---- */

static int setup(void **state)
{
	struct ctx *c = calloc(1, sizeof(*c));

	if (!c)
		return -1;
	c->loop = loop_create();
	c->pool = pkt_pool_create("peer", 64);
	c->ps = -1;
	net_port_init(&c->peer.port, "peer", &peer_ops, &c->peer);
	c->peer.space = UINT32_MAX;
	*state = c;
	return c->loop && c->pool ? 0 : -1;
}

static int teardown(void **state)
{
	struct ctx *c = *state;

	pkt_free_bulk(c->peer.held, c->peer.nheld);
	net_port_disconnect(&c->peer.port);
	if (c->ps >= 0)
		close(c->ps);
	pkt_pool_destroy(c->pool);
	loop_destroy(c->loop);
	free(c);
	return 0;
}

/* Opens (creating) tap `name`, brings it up, connects the peer, binds a packet socket. */
static struct tap *open_tap(struct ctx *c, const char *name)
{
	char err[256] = "";
	struct tap *t = tap_open(c->loop, name, true, err, sizeof(err));

	if (!t)
		fail_msg("tap_open %s: %s", name, err);
	assert_string_equal(tap_ifname(t), name);
	assert_int_equal(tap_batched(t), batched);
	c->ifindex = (int)if_nametoindex(name);
	assert_true(c->ifindex > 0);
	if_set_up(name, true);
	c->ps = packet_socket(c->ifindex);
	net_port_connect(&c->peer.port, tap_port(t));
	return t;
}

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

static void test_undersize(void **state)
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

static void test_pool_exhausted(void **state)
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

static void test_no_peer_pauses(void **state)
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
static void test_tx_burst_one_submit(void **state)
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
static void test_deleted_inflight(void **state)
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
static void test_ring_full(void **state)
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
static void test_submit_fails(void **state)
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
static void test_rxq_left_over(void **state)
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
static void test_env_fallback(void **state)
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
static void test_seccomp_fallback(void **state)
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
