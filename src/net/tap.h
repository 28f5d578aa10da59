/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The tap backend: a Linux tap device as a port. */
#ifndef VMUX_NET_TAP_H
#define VMUX_NET_TAP_H

#include <stdbool.h>
#include <stddef.h>

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

#endif
