/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * net_tap: the peer port, the kernel helpers (interfaces, AF_PACKET) and
 * the fixtures the tap tests share (tap_harness.h).
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

bool batched; /* the group being run: io_uring or read()/write() */

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

const struct net_port_ops peer_ops = {
	.deliver = peer_deliver,
	.rx_space = peer_space,
	.peer_link = peer_link,
};

/* ---- kernel helpers ---- */

static int ctl_sock(void)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	assert_true(s >= 0);
	return s;
}

void if_set_up(const char *name, bool up)
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

void if_set_mtu(const char *name, int mtu)
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
void if_delete(const char *name)
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

void make_frame(uint8_t *f, size_t len, uint32_t seq)
{
	static const uint8_t hdr[14] = { 0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01,
					 TEST_ETHERTYPE >> 8, TEST_ETHERTYPE & 0xff };

	memcpy(f, hdr, sizeof(hdr));
	for (size_t i = 14; i < len; i++)
		f[i] = (uint8_t)(i * 7 + seq);
	if (len >= 18)
		memcpy(f + 14, &seq, sizeof(seq));
}

void kernel_send(struct ctx *c, size_t len, uint32_t seq)
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
ssize_t kernel_recv(struct ctx *c, uint8_t *buf, size_t cap, int *tci)
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
void run_until(struct ctx *c, unsigned want)
{
	for (int i = 0; i < 40 && c->peer.nrec < want; i++)
		assert_int_equal(loop_run_once(c->loop, 50), 0);
}

struct pkt *peer_frame(struct ctx *c, size_t len, uint32_t seq)
{
	struct pkt *k = pkt_alloc(c->pool);

	assert_non_null(k);
	make_frame(k->data, len, seq);
	k->len = (uint32_t)len;
	return k;
}

/* ---- fixtures ---- */

int setup(void **state)
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

int teardown(void **state)
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
struct tap *open_tap(struct ctx *c, const char *name)
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
