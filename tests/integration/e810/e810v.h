/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Integration harness for the E810 guest driver (client/e810g.h) on a real
 * vmux: the binary started in the test's own network namespace, serving two
 * e810-emu devices (sockets 0 and 1, the second with --doorbell poll: its
 * doorbell pages can be mapped) and one e1000-emu (socket 2) on one
 * switch with a tap uplink, its stderr in a log file of a fresh directory.
 * Shared by test_e810g and test_e810g_offload; test_e810g_irq, with a vmux of
 * its own, uses e810v_open_at and e810v_frame.
 */
#ifndef VMUX_TESTS_E810V_H
#define VMUX_TESTS_E810V_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "client/e810g.h"

#define E810V_SOCKS 3

struct e810v {
	const char *vmux;
	const char *tap;
	char dir[200], log[300], sock[E810V_SOCKS][300];
	pid_t pid;
	bool died;      /* e810v_alive saw it gone */
	int died_status;
};

/*
 * Starts vmux with its uplink on the tap ifname and MACs from base. 0, or
 * -1 (then nothing is left running).
 */
int e810v_start(struct e810v *v, const char *vmux, const char *ifname, const char *base);
/* SIGTERM; the log is printed if vmux did not exit 0. 0, or -1 then. */
int e810v_stop(struct e810v *v);
/* True while vmux runs. */
bool e810v_alive(struct e810v *v);
/*
 * Opens the E810 at socket idx (retried while vmux still holds the previous
 * client) and brings one queue pair of 256 descriptors each up; asserts.
 */
void e810v_open(struct e810v *v, struct e810g *g, int idx);
/*
 * The same for the E810 at sock of any vmux, with nq queue pairs of ring
 * descriptors each way; vmux's log at log is printed if they do not come up.
 */
void e810v_open_at(struct e810g *g, const char *sock, const char *log, unsigned nq,
		   uint32_t ring);

/* The tests' L2 ethertype (local experimental). */
#define E810V_ETYPE 0x88b5
/*
 * A frame of len bytes (>= 18) dst, src, E810V_ETYPE, seq in the first
 * payload bytes and a pattern of it after; returns len.
 */
uint32_t e810v_frame(uint8_t *f, const uint8_t *dst, const uint8_t *src, uint32_t seq,
		     uint32_t len);

/*
 * A counter of the model of the device at sock (the "device" object of the
 * control socket's `ports` answer) of the vmux whose control socket is
 * ctl_path, or -1.
 */
long long e810v_dev_counter(const char *ctl_path, const char *sock, const char *name);

#endif
