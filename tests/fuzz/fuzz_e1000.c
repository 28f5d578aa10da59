/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz target: the e1000 model (src/dev/e1000/) with the PCI layer under
 * it, driven through vfio-user messages on the pipe transport, plus the
 * guest's memory and the network:
 *
 *   - chunks without an action: vfio-user messages (config space, BAR0/BAR1
 *     register accesses, DMA maps of memfds, SET_IRQS, reset, ...);
 *   - action 1: the chunk's bytes are written into guest RAM (a memfd handed
 *     out with an earlier DMA_MAP; aarg picks which, aaddr where), so
 *     descriptors and buffers are whatever the input says, and may change
 *     between doorbells;
 *   - action 2: the chunk's bytes are frames ([u16 len][bytes]...) the peer
 *     port delivers to the NIC (RX); aarg bit 15 sends them with a VLAN tag
 *     as metadata (tci = alen);
 *   - action 3: the peer port: link down/up, room it announces (TX
 *     backpressure), wake, disconnect/reconnect, a short wait for timers.
 *
 * Inputs of odd size run the device with exitless doorbells (BAR0's ring
 * page shared and polled), even ones with trapped doorbells.
 *
 * A fresh instance per input (created through the model registry; the
 * socket listen is replaced at link time by --wrap=pci_dev_listen, which
 * hands us the pci_dev so that its vfu context can take our transport).
 * Checks: frames the NIC sends are sane (length, burst size), every packet
 * we hand it comes back, fds do not leak, and whatever ASan/UBSan see.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>

#include "core/loop.h"
#include "dev/dev.h"
#include "fuzz_common.h"
#include "net/pkt.h"
#include "net/port.h"
#include "pci/pci.h"
#include "vfu/vfu.h"

#define RX_POOL 256u
#define RX_BURST 64u

static struct {
	struct loop *loop;
	const struct dev_model *model;
	struct pci_dev *pci; /* set by __wrap_pci_dev_listen */
	struct pkt_pool *pool;
	struct net_port peer;
	struct net_port *nic;
	uint32_t room;       /* what the peer says it takes (UINT32_MAX: no limit) */
	uint16_t accept;     /* 0xffff: everything, else at most this many per burst */
	FILE *null;
	bool trace;
	uint64_t tx_frames;
	volatile uint8_t sink;
} E;

/* ---- the listen replacement ----------------------------------------------------- */

int __wrap_pci_dev_listen(struct pci_dev *d, struct loop *l, const char *path);

int __wrap_pci_dev_listen(struct pci_dev *d, struct loop *l, const char *path)
{
	(void)l;
	(void)path;
	E.pci = d;
	/* pci_dev_vfu seals the device as listening would. */
	return pci_dev_vfu(d) ? 0 : -EINVAL;
}

/* ---- the peer port ----------------------------------------------------------------- */

static struct dev_instance *cur;

static __attribute__((noreturn, format(printf, 1, 2))) void bug(const char *fmt, ...);

static void bug(const char *fmt, ...)
{
	va_list ap;
	fputs("fuzz_e1000: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

static uint16_t peer_deliver(struct net_port *self, uint16_t queue, struct pkt **pkts, uint16_t n)
{
	(void)self;
	if (n == 0 || n > 64)
		bug("TX burst of %u packets", n);
	for (uint16_t i = 0; i < n; i++) {
		const struct pkt *k = pkts[i];
		if (k->len < 14 || k->len > PKT_DATA_MAX)
			bug("the NIC sent a frame of %u bytes", k->len);
		/* Reading every byte lets a wrong length show up under ASan. */
		for (uint32_t j = 0; j < k->len; j += 64)
			E.sink ^= k->data[j];
		E.sink ^= k->data[k->len - 1];
	}
	if (E.trace)
		fprintf(stderr, "  TX %u frames, first %u bytes\n", n, pkts[0]->len);
	E.tx_frames += n;
	uint16_t ok = E.accept == 0xffff ? n : (E.accept < n ? E.accept : n);
	pkt_free_bulk(pkts, n);
	if (E.room != UINT32_MAX)
		E.room = E.room > ok ? E.room - ok : 0;
	return ok;
}

static uint32_t peer_rx_space(struct net_port *self, uint16_t queue)
{
	(void)self;
	return E.room;
}

static const struct net_port_ops peer_ops = {
	.deliver = peer_deliver,
	.rx_space = peer_rx_space,
};

/* ---- actions ------------------------------------------------------------------------- */

static void guest_write(const struct fz_chunk_hdr *h, const uint8_t *data, size_t len)
{
	size_t size;
	uint8_t *mem = fz_guest_mem(h->aarg, &size);
	if (!mem || !len)
		return;
	if (len > size)
		len = size;
	uint64_t off = h->aaddr % (size - len + 1);
	memcpy(mem + off, data, len);
}

static void rx_frames(const struct fz_chunk_hdr *h, const uint8_t *data, size_t len)
{
	struct pkt *pkts[RX_BURST];
	unsigned n = 0;

	while (len >= 2 && n < RX_BURST) {
		size_t fl = (size_t)(data[0] | data[1] << 8);
		data += 2;
		len -= 2;
		if (fl > len)
			fl = len;
		/* A port never hands over more than a packet holds (net/pkt.h). */
		size_t take = fl < PKT_DATA_MAX ? fl : PKT_DATA_MAX;
		struct pkt *k = pkt_alloc(E.pool);
		if (!k)
			break;
		memcpy(k->data, data, take);
		k->len = (uint32_t)take;
		if (h->aarg & 0x8000u) {
			k->flags |= PKT_F_VLAN;
			k->vlan_tci = h->alen;
		}
		pkts[n++] = k;
		data += fl;
		len -= fl;
	}
	if (E.trace)
		fprintf(stderr, "  RX %u frames\n", n);
	if (n)
		net_port_send(&E.peer, pkts, (uint16_t)n);
}

static void peer_control(const struct fz_chunk_hdr *h)
{
	switch (h->aarg & 7u) {
	case 0:
		net_port_set_link(&E.peer, !E.peer.link_up);
		break;
	case 1:
		E.room = h->alen == 0xffff ? UINT32_MAX : h->alen;
		break;
	case 2:
		E.room = UINT32_MAX;
		net_port_wake_peer(&E.peer);
		break;
	case 3:
		E.accept = h->alen;
		break;
	case 4:
		if (E.peer.peer)
			net_port_disconnect(&E.peer);
		else
			net_port_connect(&E.peer, E.nic);
		break;
	case 5:
		/* Let short device timers (interrupt moderation) expire. */
		loop_run_once(E.loop, 1);
		break;
	}
}

static void action(void *arg, unsigned kind, const struct fz_chunk_hdr *h, const uint8_t *data,
		   size_t len)
{
	(void)arg;
	switch (kind) {
	case 1:
		guest_write(h, data, len);
		break;
	case 2:
		rx_frames(h, data, len);
		break;
	case 3:
		if ((h->aarg & 7u) == 6)
			E.model->dump_stats(cur, E.null);
		else
			peer_control(h);
		break;
	}
}

/*
 * The device's own work from the loop, seen by the harness (linked with
 * --wrap): its timer (interrupt moderation, delayed causes, TX resume) through
 * timerfd_settime, and its polled doorbells through loop_add_poll. One device
 * exists at a time.
 */
static uint64_t timer_due;   /* absolute CLOCK_MONOTONIC ns, 0: not armed */
static loop_poll_cb poll_cb; /* the device's doorbell poll, if it asked for one */
static void *poll_arg;

int __real_timerfd_settime(int fd, int flags, const struct itimerspec *nv, struct itimerspec *ov);
int __wrap_timerfd_settime(int fd, int flags, const struct itimerspec *nv, struct itimerspec *ov);
int __real_loop_add_poll(struct loop *l, loop_poll_cb cb, void *arg);
int __wrap_loop_add_poll(struct loop *l, loop_poll_cb cb, void *arg);
void __real_loop_del_poll(struct loop *l, loop_poll_cb cb, void *arg);
void __wrap_loop_del_poll(struct loop *l, loop_poll_cb cb, void *arg);

int __wrap_timerfd_settime(int fd, int flags, const struct itimerspec *nv, struct itimerspec *ov)
{
	if (!(flags & TFD_TIMER_ABSTIME))
		bug("the device armed a relative timer");
	timer_due = (uint64_t)nv->it_value.tv_sec * 1000000000u + (uint64_t)nv->it_value.tv_nsec;
	return __real_timerfd_settime(fd, flags, nv, ov);
}

int __wrap_loop_add_poll(struct loop *l, loop_poll_cb cb, void *arg)
{
	int r = __real_loop_add_poll(l, cb, arg);
	if (r == 0) {
		poll_cb = cb;
		poll_arg = arg;
	}
	return r;
}

void __wrap_loop_del_poll(struct loop *l, loop_poll_cb cb, void *arg)
{
	if (cb == poll_cb && arg == poll_arg)
		poll_cb = NULL;
	__real_loop_del_poll(l, cb, arg);
}

static void after_chunk(void *arg)
{
	(void)arg;
	/*
	 * A loop pass (epoll_wait, then the polls) only when the timer is due:
	 * otherwise the epoll_wait finds nothing (the client's stream was
	 * drained by the pump), and one syscall per chunk was a fifth of the
	 * target's time. The doorbell poll runs after every chunk, as a
	 * polling worker would run it.
	 */
	if (timer_due && loop_now_ns() >= timer_due) {
		timer_due = 0; /* fired; the device re-arms it if it wants */
		loop_run_once(E.loop, 0);
	} else if (poll_cb) {
		poll_cb(poll_arg);
	}
}

/* ---- libFuzzer entry points ------------------------------------------------------ */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_setup_logging();
	E.trace = fz_env_long("VMUX_FUZZ_TRACE", 0) != 0;
	E.loop = loop_create();
	E.model = dev_model_find("e1000-emu");
	E.pool = pkt_pool_create("fuzz-rx", RX_POOL);
	E.null = fopen("/dev/null", "w");
	if (!E.loop || !E.model || !E.pool || !E.null) {
		fprintf(stderr, "fuzz_e1000: setup failed\n");
		abort();
	}
	fz_fd_baseline();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct fz_vfu_hooks hooks = {
		.action = action,
		.after_chunk = after_chunk,
		.data_kinds = (1u << 1) | (1u << 2),
		.guest_mem = true,
	};
	struct dev_config cfg = {
		.name = "fz",
		.socket_path = "/nonexistent/fuzz_e1000.sock", /* never used: see the wrap */
		.mac = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 },
		.loop = E.loop,
		/* Odd-sized inputs run with exitless doorbells (the polled ring page). */
		.doorbell = (size & 1) ? DEV_DOORBELL_POLL : DEV_DOORBELL_TRAP,
	};
	char err[256];

	fz_fd_iter_begin();
	E.pci = NULL;
	timer_due = 0;
	poll_cb = NULL;
	cur = E.model->create(&cfg, err, sizeof(err));
	if (!cur || !E.pci)
		bug("cannot create the model: %s", cur ? "no pci_dev" : err);
	struct vfu_ctx *ctx = pci_dev_vfu(E.pci);
	if (!ctx)
		bug("no vfu context");
	E.nic = dev_port(cur);
	net_port_init(&E.peer, "fuzz-peer", &peer_ops, NULL);
	E.room = UINT32_MAX;
	E.accept = 0xffff;
	net_port_set_link(&E.peer, true);
	net_port_connect(&E.peer, E.nic);

	fz_vfu_run(ctx, data, size, &hooks);
	if (E.trace) {
		E.model->dump_stats(cur, stderr);
		fputc('\n', stderr);
	}

	net_port_disconnect(&E.peer);
	E.model->destroy(cur);
	cur = NULL;
	E.pci = NULL;
	/* Timers of the destroyed instance must be gone from the loop. */
	loop_run_once(E.loop, 0);
	if (pkt_pool_avail(E.pool) != RX_POOL)
		bug("%u received packets were never freed", RX_POOL - pkt_pool_avail(E.pool));
	fz_big_alloc_check("fuzz_e1000");
	fz_fd_iter_end("fuzz_e1000", 1024);
	return 0;
}
