/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The tap backend: a Linux tap device as a port. */
#ifndef VMUX_NET_TAP_H
#define VMUX_NET_TAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct loop;
struct net_port;
struct tap;

/*
 * Opens tap `ifname` (created if it does not exist and may_create), non-blocking,
 * registered on loop l. Returns NULL with a message in err (errlen bytes).
 */
struct tap *tap_open(struct loop *l, const char *ifname, bool may_create, char *err, size_t errlen);
struct net_port *tap_port(struct tap *t);
void tap_close(struct tap *t);

/*
 * Added: the tap's own counters. Frames the peer accepted or refused are in
 * the port's stats (tx_* for frames read from the device, rx_* for frames
 * written to it); these count what never got that far.
 */
struct tap_stats {
	uint64_t rd_oversize;  /* frames longer than PKT_DATA_MAX read from the device, dropped */
	uint64_t rd_undersize; /* frames shorter than an Ethernet header, dropped */
	uint64_t rd_nobuf;     /* frames dropped because the packet pool was empty */
	uint64_t rd_pauses;    /* times reading stopped because the peer had no room */
	uint64_t wakeups;      /* read events handled */
	uint64_t wr_again;     /* frames dropped because the device refused with EAGAIN */
	uint64_t wr_errors;    /* frames dropped on other write errors (e.g. interface down) */
	uint64_t wr_bad_len;   /* frames from the peer with an impossible length, dropped */
	/* Batched I/O (io_uring); all 0 in the one read()/write() per frame mode. */
	uint64_t wr_submits;   /* io_uring_enter calls carrying a burst of writes */
	uint64_t rd_submits;   /* io_uring_enter calls carrying a batch of reads */
	uint64_t wr_ring_full; /* frames dropped because TAP_RING_ENTRIES requests were in flight */
	uint64_t submit_errors; /* failed io_uring_enter calls (the requests go with the next) */
	uint64_t cq_wakeups;   /* wakeups for completions posted after their submit returned */
	uint32_t inflight;     /* requests in the kernel or not yet reaped */
	bool batched;          /* I/O goes through io_uring */
	bool fixed_file;       /* ... naming the tap by its index in the ring's registered files */
	bool detached;         /* the device went away; the port's link is down */
};

const char *tap_ifname(const struct tap *t);
void tap_get_stats(const struct tap *t, struct tap_stats *st);

#endif
