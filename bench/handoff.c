/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The handoff bound: the least an emulated NIC-to-NIC path costs when the
 * guests' rings are written by another CPU, as they are in a real VM.
 *
 * Two threads, each pinned to its own CPU:
 *   guest   plays both guests' drivers: keeps a TX ring of 16-byte
 *           descriptors (e1000's legacy layout) full of prefilled frames and
 *           publishes its tail per burst; takes back the TX descriptors the
 *           device marked done; consumes the RX descriptors the device filled
 *           and gives them back per burst.
 *   device  plays vmux's worker with nothing but the data movement: reads TX
 *           descriptors up to the published tail, copies each frame into a
 *           packet buffer from a free stack, marks the descriptor done, moves
 *           the burst through an SPSC ring, copies each packet into the next
 *           free RX buffer and writes that descriptor back (length, done).
 *           Descriptors are written back once per burst, TX and RX, as vmux's
 *           e1000 does; with wb_each, each as soon as it is done (the guest
 *           polls the next one from the other CPU, so that line then crosses
 *           once per descriptor instead of once per four).
 * No parsing, translation, switching, filtering, statistics or interrupts:
 * what is left is the two copies, the ring transfer and the cache lines that
 * travel between the two CPUs. Its rate per device CPU second is the ceiling
 * for any emulated path on two cores; mux_bench's memcpy bound (one thread,
 * one core's cache) is the ceiling for a copy loop.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <sched.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/spsc.h"
#include "handoff.h"

#define HO_RING 256u /* descriptors per ring, as Linux's e1000 default */
#define HO_BURST 32u
#define HO_POOL 512u
#define HO_STRIDE 2048u

#define DD 0x01u  /* descriptor done */
#define EOP 0x01u /* TX command: end of packet */

struct ho_desc { /* e1000 legacy TX and RX descriptors have this shape */
	uint64_t addr;
	uint16_t len;
	uint8_t cso_or_csum_lo, cmd_or_csum_hi;
	uint8_t status, css_or_err;
	uint16_t special;
};
_Static_assert(sizeof(struct ho_desc) == 16, "descriptor is 16 bytes");

/*
 * Fields are grouped by the thread that writes them, one cache line each, so
 * that the only lines crossing between the CPUs are the ones a real guest and
 * device share: the tail registers and the descriptors.
 */
struct ho {
	/* Set up before the device thread starts, read-only afterwards. */
	struct ho_desc *tx, *rx;
	uint8_t *txbuf, *rxbuf, *pool;
	struct spsc_ring *ring;
	unsigned len;
	int guest_cpu, device_cpu;
	bool wb_each;
	/* Written by the guest: the tail registers. */
	_Alignas(64) uint32_t tdt;
	_Alignas(64) uint32_t rdt;
	_Alignas(64) int stop;
	/* The device's own. */
	_Alignas(64) uint32_t tdh, rdh;
	void **stack;
	unsigned top;
	uint64_t frames_dev, cpu_ns, wall_ns;
	/* The guest's results. */
	_Alignas(64) uint64_t frames_rx;
	uint32_t sum;
};

static uint64_t ho_now(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void bench_pin(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		fprintf(stderr, "mux_bench: cannot pin to CPU %d: %s\n", cpu, strerror(errno));
}

static void *device_thread(void *arg)
{
	struct ho *h = arg;
	uint64_t c0, t0, frames = 0;

	bench_pin(h->device_cpu);
	c0 = ho_now(CLOCK_THREAD_CPUTIME_ID);
	t0 = ho_now(CLOCK_MONOTONIC);
	while (!__atomic_load_n(&h->stop, __ATOMIC_RELAXED)) {
		uint32_t tdt = __atomic_load_n(&h->tdt, __ATOMIC_ACQUIRE);
		void *b[HO_BURST];
		unsigned n = 0;

		while (h->tdh != tdt && n < HO_BURST && h->top) {
			struct ho_desc *d = &h->tx[h->tdh];
			unsigned l = d->len <= HO_STRIDE ? d->len : HO_STRIDE;

			b[n] = h->stack[--h->top];
			memcpy(b[n], h->txbuf + (d->addr % ((uint64_t)HO_RING * HO_STRIDE)), l);
			if (h->wb_each)
				__atomic_store_n(&d->status, DD, __ATOMIC_RELEASE);
			h->tdh = (h->tdh + 1) % HO_RING;
			n++;
		}
		if (!n) {
			__builtin_ia32_pause();
			continue;
		}
		if (!h->wb_each) {
			uint32_t t = (h->tdh + HO_RING - n) % HO_RING;

			for (unsigned i = 0; i < n; i++, t = (t + 1) % HO_RING)
				__atomic_store_n(&h->tx[t].status, DD, __ATOMIC_RELEASE);
		}
		n = spsc_enqueue_burst(h->ring, b, n);
		n = spsc_dequeue_burst(h->ring, b, n);
		uint32_t rdt = __atomic_load_n(&h->rdt, __ATOMIC_ACQUIRE);
		unsigned written = 0;

		for (unsigned i = 0; i < n; i++) {
			/* A full RX ring waits for the guest, as a NIC that
			 * does not drop would: the bound counts delivered
			 * frames only. */
			while (h->rdh == rdt) {
				if (__atomic_load_n(&h->stop, __ATOMIC_RELAXED))
					break;
				__builtin_ia32_pause();
				rdt = __atomic_load_n(&h->rdt, __ATOMIC_ACQUIRE);
			}
			if (h->rdh != rdt) {
				struct ho_desc *d = &h->rx[h->rdh];

				memcpy(h->rxbuf + (d->addr % ((uint64_t)HO_RING * HO_STRIDE)), b[i],
				       h->len);
				if (h->wb_each) {
					d->len = (uint16_t)h->len;
					__atomic_store_n(&d->status, DD, __ATOMIC_RELEASE);
				}
				h->rdh = (h->rdh + 1) % HO_RING;
				written++;
			}
			h->stack[h->top++] = b[i];
		}
		if (!h->wb_each) {
			uint32_t t = (h->rdh + HO_RING - written) % HO_RING;

			for (unsigned i = 0; i < written; i++, t = (t + 1) % HO_RING) {
				h->rx[t].len = (uint16_t)h->len;
				__atomic_store_n(&h->rx[t].status, DD, __ATOMIC_RELEASE);
			}
		}
		frames += written;
	}
	h->cpu_ns = ho_now(CLOCK_THREAD_CPUTIME_ID) - c0;
	h->wall_ns = ho_now(CLOCK_MONOTONIC) - t0;
	h->frames_dev = frames;
	return NULL;
}

/* The guest side: the caller's thread. */
static void guest_loop(struct ho *h, double secs)
{
	uint32_t tx_clean = 0, tx_free = 0, rx_next = 0, rx_given = 0;
	uint64_t deadline, rx = 0, passes = 0;
	uint32_t sum = 0;

	bench_pin(h->guest_cpu);
	/* TX: all but one descriptor posted in bursts below; RX: all but one
	 * given to the device now. */
	for (unsigned i = 0; i < HO_RING; i++) {
		h->rx[i] = (struct ho_desc){ .addr = (uint64_t)i * HO_STRIDE };
		h->tx[i] = (struct ho_desc){ .addr = (uint64_t)i * HO_STRIDE,
					     .len = (uint16_t)h->len, .cmd_or_csum_hi = EOP };
	}
	rx_given = HO_RING - 1;
	__atomic_store_n(&h->rdt, rx_given, __ATOMIC_RELEASE);
	tx_free = HO_RING - 1; /* descriptors the guest may still post */
	deadline = ho_now(CLOCK_MONOTONIC) + (uint64_t)(secs * 1e9);
	for (;;) {
		/* Post TX in bursts. */
		while (tx_free >= HO_BURST) {
			uint32_t t = h->tdt;

			for (unsigned i = 0; i < HO_BURST; i++) {
				h->tx[t].status = 0;
				t = (t + 1) % HO_RING;
			}
			tx_free -= HO_BURST;
			__atomic_store_n(&h->tdt, t, __ATOMIC_RELEASE);
		}
		/* Reclaim TX descriptors the device is done with. */
		while (tx_clean != h->tdt &&
		       (__atomic_load_n(&h->tx[tx_clean].status, __ATOMIC_ACQUIRE) & DD)) {
			tx_clean = (tx_clean + 1) % HO_RING;
			tx_free++;
		}
		/* Consume received frames; give descriptors back per burst. */
		unsigned got = 0;
		while (got < HO_BURST &&
		       (__atomic_load_n(&h->rx[rx_next].status, __ATOMIC_ACQUIRE) & DD)) {
			struct ho_desc *d = &h->rx[rx_next];

			sum += h->rxbuf[d->addr + d->len - 1];
			d->status = 0;
			rx_next = (rx_next + 1) % HO_RING;
			got++;
		}
		rx += got;
		if (got)
			__atomic_store_n(&h->rdt, (rx_given = (rx_given + got) % HO_RING),
					 __ATOMIC_RELEASE);
		if ((++passes & 63) == 0 && ho_now(CLOCK_MONOTONIC) >= deadline)
			break;
	}
	__atomic_store_n(&h->stop, 1, __ATOMIC_RELAXED);
	h->frames_rx = rx;
	h->sum = sum;
}

int handoff_bound(unsigned len, double secs, int guest_cpu, int device_cpu, bool wb_each,
		  struct handoff_result *res)
{
	struct ho h = { .len = len, .guest_cpu = guest_cpu, .device_cpu = device_cpu,
			.wb_each = wb_each };
	size_t ring_bytes = HO_RING * sizeof(struct ho_desc);
	size_t buf_bytes = (size_t)HO_RING * HO_STRIDE;
	pthread_t dev;
	int r = -ENOMEM;

	if (len < 1 || len > HO_STRIDE)
		return -EINVAL;
	h.tx = aligned_alloc(64, ring_bytes);
	h.rx = aligned_alloc(64, ring_bytes);
	h.txbuf = aligned_alloc(64, buf_bytes);
	h.rxbuf = aligned_alloc(64, buf_bytes);
	h.pool = aligned_alloc(64, (size_t)HO_POOL * HO_STRIDE);
	h.stack = calloc(HO_POOL, sizeof(void *));
	h.ring = spsc_create(1024);
	if (!h.tx || !h.rx || !h.txbuf || !h.rxbuf || !h.pool || !h.stack || !h.ring)
		goto out;
	memset(h.tx, 0, ring_bytes);
	memset(h.rx, 0, ring_bytes);
	for (size_t i = 0; i < buf_bytes; i++)
		h.txbuf[i] = (uint8_t)(i * 13 + 7);
	memset(h.rxbuf, 0, buf_bytes);
	memset(h.pool, 0, (size_t)HO_POOL * HO_STRIDE);
	for (unsigned i = 0; i < HO_POOL; i++)
		h.stack[h.top++] = h.pool + (size_t)i * HO_STRIDE;
	r = -pthread_create(&dev, NULL, device_thread, &h);
	if (r)
		goto out;
	guest_loop(&h, secs);
	pthread_join(dev, NULL);
	res->frames = h.frames_dev;
	res->frames_guest = h.frames_rx;
	res->cpu_ns = h.cpu_ns;
	res->wall_ns = h.wall_ns;
	res->sum = h.sum;
	r = 0;
out:
	free(h.tx);
	free(h.rx);
	free(h.txbuf);
	free(h.rxbuf);
	free(h.pool);
	free(h.stack);
	spsc_destroy(h.ring);
	return r;
}
