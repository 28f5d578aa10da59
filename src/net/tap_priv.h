/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tap backend internals shared with its unit tests only. */
#ifndef VMUX_NET_TAP_PRIV_H
#define VMUX_NET_TAP_PRIV_H

#include "net/tap.h"

#define TAP_RX_BURST 32u   /* frames read per wakeup at most */
#define TAP_POOL_PKTS 256u /* receive buffers per tap */
#define TAP_RING_ENTRIES 256u /* io_uring requests in flight per tap at most */

/*
 * Runs the tap backend over any non-blocking fd that keeps frame boundaries
 * (a tap, or a SOCK_SEQPACKET socket in tests), with a pool of pool_pkts
 * buffers. Takes ownership of fd (closed by tap_close, or here on failure).
 */
struct tap *tap_open_fd(struct loop *l, int fd, const char *ifname, unsigned pool_pkts,
			char *err, size_t errlen);

/*
 * Tests: taps opened while on use one read()/write() per frame, as when
 * io_uring is unavailable (or VMUX_TAP_URING=0 is in the environment).
 */
void tap_force_sync(bool on);
/* Tests: the tap's own descriptor. */
int tap_fd(const struct tap *t);
/* Whether t batches its I/O through io_uring. */
bool tap_batched(const struct tap *t);
/*
 * Tests: while on, completions stay in the CQ ring unreaped (until off, or
 * tap_close), so the buffers behind them stay in flight as far as the tap knows.
 */
void tap_defer_reap(struct tap *t, bool on);
/* Tests: the next n io_uring submits fail with EBUSY (their SQEs stay queued). */
void tap_fail_submits(struct tap *t, unsigned n);

#endif
