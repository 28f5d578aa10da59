/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef VMUX_BENCH_HANDOFF_H
#define VMUX_BENCH_HANDOFF_H

#include <stdbool.h>
#include <stdint.h>

struct handoff_result {
	uint64_t frames;       /* delivered by the device thread */
	uint64_t frames_guest; /* consumed by the guest thread */
	uint64_t cpu_ns;       /* the device thread's CPU time */
	uint64_t wall_ns;
	uint32_t sum;
};

/* Runs the handoff bound (handoff.c) for SECS with frames of LEN bytes (no
 * FCS), the guest on GUEST_CPU and the device on DEVICE_CPU (-1: not
 * pinned); WB_EACH writes each descriptor back on its own instead of once
 * per burst. 0, or -errno. */
int handoff_bound(unsigned len, double secs, int guest_cpu, int device_cpu, bool wb_each,
		  struct handoff_result *res);

/* Pins the calling thread to CPU cpu (-1: leaves it); says so if it cannot. */
void bench_pin(int cpu);

#endif
