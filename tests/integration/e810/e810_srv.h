/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The harness of the in-process e810-emu tests (test_e810_probe,
 * test_e810_lan): the device with its loop in a thread of its own and its
 * port wired to a test peer (struct srv), and the in-tree client playing
 * the VMM and the guest (struct ctx): the unit tests' ice-like driver
 * (tests/unit/dev/e810) with its registers on BAR0 and a memfd as guest RAM.
 */
#ifndef VMUX_TESTS_E810_SRV_H
#define VMUX_TESTS_E810_SRV_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "client/vfuc.h"
#include "dev/dev.h"
#include "dev/e810/aq.h"
#include "e810_drv.h"
#include "net/port.h"

#define TMO 5000
#define QUEUES 4u
#define NVEC (QUEUES + 4u)

/* The statistics block shared with --doorbell poll. */
#define STATS_BASE 0x00300000u
#define STATS_SIZE 0x000b8000u

/* The device's MAC. */
extern const uint8_t srv_mac[6];

/* ---- the device side ------------------------------------------------------- */

struct srv {
	char dir[256], sock[320];
	struct loop *loop;
	pthread_t thr;
	bool running;
	struct dev_instance *inst;
	struct net_port peer;
	uint64_t peer_rx;
	uint64_t peer_wakes;      /* the device said it has room again */
	uint32_t peer_last_len;
	uint8_t peer_last[256];
	struct pkt_pool *pool;    /* the peer's frames, on the device thread */

	pthread_mutex_t mu;
	pthread_cond_t cv;
	int evfd;
	struct loop_fd *evh;
	void (*fn)(void *);
	void *arg;
	bool done;
};

/* An e810-emu with queues queue pairs and that doorbell mode, its loop running; asserts. */
struct srv *srv_start(unsigned queues, enum dev_doorbell doorbell);
void srv_stop(struct srv *s);
/* Runs fn(arg) on the device's thread and waits for it. */
void srv_call(struct srv *s, void (*fn)(void *), void *arg);
/* The peer's link goes up or down. */
void srv_peer_link(struct srv *s, bool up);
/* A counter of the device's dump_stats, or -1. */
long long srv_counter(struct srv *s, const char *name);
/* Waits until the device's counter reaches at least want; returns its value. */
long long srv_wait_counter(struct srv *s, const char *name, long long want);
/* The peer sends n frames of len bytes (frame(), seeds 0..n-1, n <= 8); how many were taken. */
uint16_t srv_inject(struct srv *s, uint16_t queue, unsigned n, unsigned len);
/* The room the device reports to its peer. */
uint32_t srv_space(struct srv *s, uint16_t queue);

/* A frame to srv_mac from a fixed source, an L2 ethertype, bytes seed + i after. */
void frame(uint8_t *f, unsigned len, uint8_t seed);

/* ---- the VMM and guest side ------------------------------------------------- */

struct ctx {
	struct srv *s;
	struct vfuc *c;
	struct vfuc_mem mem;
	struct drv d;
	struct e810_aq_config acfg;
	/* --doorbell poll: the RX tail, TX doorbell and DYN_CTL pages, as mapped */
	volatile uint32_t *db[3]; /* the mapped pages: the device writes them too */
	volatile uint64_t *stats; /* the statistics block, as mapped */
};

/* cmocka setups: a device of QUEUES queues, trapped or with --doorbell poll; connected. */
int setup(void **state);
int setup_poll(void **state);
int teardown(void **state);

/* A dword of BAR0 through vfio-user (opaque: the ctx). */
uint32_t bar0_rd(void *opaque, uint32_t reg);
/* Memory, bus mastering, MSI-X enabled with eventfds on every vector. */
void guest_enable(struct ctx *x);
/* Takes whatever vector vec has fired so far. */
void drain(struct ctx *x, unsigned vec);
/* The doorbell pages and the statistics block from the region's fd, as a VMM maps them. */
void map_doorbells(struct ctx *x);
/* A 40-bit counter of the mapped statistics block, as the driver's readq gets it. */
uint64_t stat_mapped(struct ctx *x, uint32_t off);
/* The same counter read through trapped accesses (L, then H). */
uint64_t stat_trapped(struct ctx *x, uint32_t off);
/* A store of v into dword i of mapped doorbell page (0 RX tail, 1 TX doorbell, 2 DYN_CTL). */
void db_st(struct ctx *x, unsigned page, unsigned i, uint32_t v);
/* The vfio-user requests the client sent so far. */
uint64_t requests(struct ctx *x);

#endif
