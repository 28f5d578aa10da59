/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tap backend internals shared with its unit tests only. */
#ifndef VMUX_NET_TAP_PRIV_H
#define VMUX_NET_TAP_PRIV_H

#include "net/tap.h"

#define TAP_RX_BURST 32u   /* frames read per wakeup at most */
#define TAP_POOL_PKTS 256u /* receive buffers per tap */

/*
 * Runs the tap backend over any non-blocking fd that keeps frame boundaries
 * (a tap, or a SOCK_SEQPACKET socket in tests), with a pool of pool_pkts
 * buffers. Takes ownership of fd (closed by tap_close, or here on failure).
 */
struct tap *tap_open_fd(struct loop *l, int fd, const char *ifname, unsigned pool_pkts,
			char *err, size_t errlen);

#endif
