/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The tap backend's unit test (net_tap): the peer port, the kernel helpers
 * and the fixtures (tap_harness.c), and the cases of tap_ring_cases.c that
 * test_tap.c runs with its own.
 */
#ifndef VMUX_TESTS_TAP_HARNESS_H
#define VMUX_TESTS_TAP_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/loop.h"
#include "net/pkt.h"
#include "net/port.h"
#include "net/tap.h"

#define TEST_ETHERTYPE 0x88b5 /* local experimental: only our frames carry it */
#define MAX_REC 128

extern bool batched; /* the group being run: io_uring or read()/write() */

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

extern const struct net_port_ops peer_ops;

struct ctx {
	struct loop *loop;
	struct peer peer;
	struct pkt_pool *pool; /* frames the peer sends to the tap */
	int ps;                /* AF_PACKET socket on the tap */
	int ifindex;
};

void if_set_up(const char *name, bool up);
void if_set_mtu(const char *name, int mtu);
/* Deletes an interface with RTM_DELLINK, as `ip link del` would. */
void if_delete(const char *name);
void make_frame(uint8_t *f, size_t len, uint32_t seq);
void kernel_send(struct ctx *c, size_t len, uint32_t seq);
/*
 * Receives the next of our frames the kernel got from the tap. Returns its
 * length; the VLAN tag, if the kernel moved it out of the data, in *tci.
 */
ssize_t kernel_recv(struct ctx *c, uint8_t *buf, size_t cap, int *tci);
/* Runs the loop until the peer has `want` of our frames (or a bounded wait ends). */
void run_until(struct ctx *c, unsigned want);
struct pkt *peer_frame(struct ctx *c, size_t len, uint32_t seq);
int setup(void **state);
int teardown(void **state);
/* Opens (creating) tap `name`, brings it up, connects the peer, binds a packet socket. */
struct tap *open_tap(struct ctx *c, const char *name);

/* tap_ring_cases.c */
void test_undersize(void **state);
void test_pool_exhausted(void **state);
void test_no_peer_pauses(void **state);
void test_tx_burst_one_submit(void **state);
void test_deleted_inflight(void **state);
void test_ring_full(void **state);
void test_submit_fails(void **state);
void test_rxq_left_over(void **state);
void test_env_fallback(void **state);
void test_seccomp_fallback(void **state);

#endif
