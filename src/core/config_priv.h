/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the two halves of the configuration parser share: config.c (the
 * command line, validation, defaults) and config_json.c (--config files).
 * Private to src/core/config*.c.
 */
#ifndef VMUX_CORE_CONFIG_PRIV_H
#define VMUX_CORE_CONFIG_PRIV_H

#include <stddef.h>

#include "core/config.h"

/* Bounds of a capture's snaplen (as net/capture.h has them). */
#define PCAP_SNAPLEN_MIN 14ul
#define PCAP_SNAPLEN_MAX 262144ul

/* Formats the message into err; returns -1. */
int cfg_fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Why cfg_parse_mac() refused (its negative result). */
const char *cfg_mac_problem(int r);
/* A non-empty string that fits cap with its NUL; `what` names it in the message. */
int cfg_copy_str(char *dst, size_t cap, const char *src, const char *what, char *err,
		 size_t errlen);
/* A size for max_guest_ram (at least CFG_GUEST_RAM_MIN); `what` names the option. */
int cfg_parse_guest_ram(struct vmux_config *c, const char *what, const char *s, char *err,
			size_t errlen);
/* "tap:NAME" or "dpdk:DEVARGS". */
int cfg_parse_uplink(struct vmux_config *c, const char *s, char *err, size_t errlen);
int cfg_add_eal_arg(struct vmux_config *c, const char *a, char *err, size_t errlen);
/* "trap" or "poll". */
int cfg_parse_doorbell(struct cfg_device *d, const char *s, char *err, size_t errlen);
/*
 * A PCI address (DDDD:BB:DD.F, or BB:DD.F in domain 0), canonicalised into
 * out (16 bytes): 0, or -1.
 */
int cfg_parse_bdf(const char *s, char out[16]);
/* The next device, defaults set (takes a pending -d BDF); NULL with err filled if full. */
struct cfg_device *cfg_new_device(struct vmux_config *c, char *err, size_t errlen);

#endif
