/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vfu server internals shared with unit tests. */
#ifndef VMUX_VFU_SERVER_PRIV_H
#define VMUX_VFU_SERVER_PRIV_H

#include <stdint.h>

#include "vfu/proto.h"

/* Slack allowed above max_data_xfer for a message's fixed fields. */
#define VFU_MSG_OVERHEAD 64u
/* fds accepted with one message at most (announced max_msg_fds is capped to it). */
#define VFU_MAX_FDS 16u

/*
 * Checks a received header before its payload is read: 0, or -errno for a
 * stream that cannot be trusted any more (the client is dropped).
 */
int vfu_check_hdr(const struct vfu_hdr *h, uint32_t max_data_xfer);

#endif
