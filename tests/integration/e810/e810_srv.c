// SPDX-License-Identifier: GPL-2.0-or-later
/* The in-process e810-emu harness: see e810_srv.h. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "e810_srv.h"

#include <linux/pci_regs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/log.h"
#include "core/loop.h"
#include "dev/e810/e810_model.h"
#include "itest.h"
#include "net/pkt.h"

const uint8_t srv_mac[6] = { 0x52, 0x54, 0x00, 0xe8, 0x10, 0x42 };

/* ---- the device side ------------------------------------------------------- */

static uint16_t peer_deliver(struct net_port *self, uint16_t queue, struct pkt **pkts, uint16_t n)
{
	struct srv *s = self->priv;

	(void)queue;
	s->peer_rx += n;
	if (n) {
		s->peer_last_len = pkts[n - 1]->len;
		memcpy(s->peer_last, pkts[n - 1]->data,
		       pkts[n - 1]->len < sizeof(s->peer_last) ? pkts[n - 1]->len : sizeof(s->peer_last));
	}
	pkt_free_bulk(pkts, n);
	return n;
}

static void peer_wake(struct net_port *self, uint16_t queue)
{
	struct srv *s = self->priv;

	(void)queue;
	s->peer_wakes++;
}

static const struct net_port_ops peer_ops = { .deliver = peer_deliver, .wake = peer_wake };

static void mailbox_cb(void *arg, uint32_t events)
{
	struct srv *s = arg;
	uint64_t v;

	(void)events;
	if (read(s->evfd, &v, sizeof(v)) < 0)
		return;
	pthread_mutex_lock(&s->mu);
	if (s->fn && !s->done) {
		void (*fn)(void *) = s->fn;

		pthread_mutex_unlock(&s->mu);
		fn(s->arg);
		pthread_mutex_lock(&s->mu);
		s->done = true;
		pthread_cond_broadcast(&s->cv);
	}
	pthread_mutex_unlock(&s->mu);
}

/* Runs fn(arg) on the device's thread and waits for it. */
void srv_call(struct srv *s, void (*fn)(void *), void *arg)
{
	uint64_t one = 1;

	pthread_mutex_lock(&s->mu);
	s->fn = fn;
	s->arg = arg;
	s->done = false;
	pthread_mutex_unlock(&s->mu);
	assert_int_equal(write(s->evfd, &one, sizeof(one)), sizeof(one));
	pthread_mutex_lock(&s->mu);
	while (!s->done)
		pthread_cond_wait(&s->cv, &s->mu);
	s->fn = NULL;
	pthread_mutex_unlock(&s->mu);
}

static void *loop_thread(void *arg)
{
	loop_run(((struct srv *)arg)->loop);
	return NULL;
}

static void srv_stop_cb(void *arg)
{
	struct srv *s = arg;

	net_port_disconnect(&s->peer);
	s->inst->model->destroy(s->inst);
	s->inst = NULL;
	if (s->pool)
		pkt_pool_destroy(s->pool);
	s->pool = NULL;
	loop_stop(s->loop);
}

void srv_stop(struct srv *s)
{
	if (!s)
		return;
	if (s->running) {
		srv_call(s, srv_stop_cb, s);
		pthread_join(s->thr, NULL);
	} else if (s->inst) {
		s->inst->model->destroy(s->inst);
	}
	if (s->evh)
		loop_del_fd(s->loop, s->evh);
	if (s->evfd >= 0)
		close(s->evfd);
	if (s->loop)
		loop_destroy(s->loop);
	if (s->dir[0])
		it_rmtree(s->dir);
	free(s);
}

struct srv *srv_start(unsigned queues, enum dev_doorbell doorbell)
{
	const struct dev_model *m = dev_model_find("e810-emu");
	struct srv *s = calloc(1, sizeof(*s));
	struct dev_config cfg = { 0 };
	char err[256] = "";

	assert_non_null(m);
	assert_non_null(s);
	log_set_level(getenv("E810T_DEBUG") ? LOG_LVL_TRACE : LOG_LVL_WARN);
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	s->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	assert_true(s->evfd >= 0);
	assert_int_equal(it_mkdtemp(s->dir, sizeof(s->dir)), 0);
	snprintf(s->sock, sizeof(s->sock), "%s/e810.sock", s->dir);
	s->loop = loop_create();
	assert_non_null(s->loop);
	s->evh = loop_add_fd(s->loop, s->evfd, EPOLLIN, mailbox_cb, s);
	assert_non_null(s->evh);
	cfg.name = "e810t";
	cfg.socket_path = s->sock;
	cfg.loop = s->loop;
	cfg.queues = queues;
	cfg.doorbell = doorbell;
	memcpy(cfg.mac, srv_mac, 6);
	s->inst = m->create(&cfg, err, sizeof(err));
	if (!s->inst)
		fail_msg("create: %s", err);
	net_port_init(&s->peer, "peer", &peer_ops, s);
	net_port_set_link(&s->peer, true);
	net_port_connect(dev_port(s->inst), &s->peer);
	assert_int_equal(pthread_create(&s->thr, NULL, loop_thread, s), 0);
	s->running = true;
	return s;
}

struct link_arg {
	struct srv *s;
	bool up;
};

static void peer_link_cb(void *arg)
{
	struct link_arg *a = arg;

	net_port_set_link(&a->s->peer, a->up);
}

void srv_peer_link(struct srv *s, bool up)
{
	struct link_arg a = { s, up };

	srv_call(s, peer_link_cb, &a);
}

struct counter_arg {
	struct srv *s;
	const char *name;
	long long v;
};

static void counter_cb(void *arg)
{
	struct counter_arg *a = arg;
	char *buf = NULL, key[64];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	const char *p;

	a->v = -1;
	if (!f)
		return;
	a->s->inst->model->dump_stats(a->s->inst, f);
	fclose(f);
	snprintf(key, sizeof(key), "\"%s\":", a->name);
	p = strstr(buf, key);
	if (p)
		a->v = strtoll(p + strlen(key), NULL, 10);
	free(buf);
}

long long srv_counter(struct srv *s, const char *name)
{
	struct counter_arg a = { s, name, -1 };

	srv_call(s, counter_cb, &a);
	return a.v;
}
/* ---- the VMM and guest side ------------------------------------------------- */

/* The doorbell pages: RX tail, TX doorbell, DYN_CTL. */
static const uint32_t db_base[3] = { 0x00290000u, 0x002c0000u, 0x00160000u };

uint32_t bar0_rd(void *opaque, uint32_t reg)
{
	struct ctx *x = opaque;
	uint32_t v = 0xdeadbeef;

	assert_int_equal(vfuc_region_read(x->c, VFU_PCI_BAR0, reg, &v, 4), 0);
	return v;
}

static void bar0_wr(void *opaque, uint32_t reg, uint32_t val)
{
	struct ctx *x = opaque;

	/* Not posted: the write's effects (a whole admin command) are done on return. */
	assert_int_equal(vfuc_region_write(x->c, VFU_PCI_BAR0, reg, &val, 4, false), 0);
}

static const struct drv_io bar0_io = { .rd = bar0_rd, .wr = bar0_wr };

static int setup_db(void **state, enum dev_doorbell doorbell)
{
	struct ctx *x = calloc(1, sizeof(*x));

	assert_non_null(x);
	x->s = srv_start(QUEUES, doorbell);
	x->c = vfuc_connect(x->s->sock, TMO);
	assert_non_null(x->c);
	assert_int_equal(vfuc_negotiate(x->c, NULL), 0);
	assert_int_equal(vfuc_mem_create(x->c, GMEM_BASE, GMEM_SIZE, &x->mem), 0);
	drv_init_io(&x->d, &bar0_io, x, x->mem.base);
	e810_model_aq_config(&x->acfg, srv_mac, QUEUES);
	x->acfg.link_up = true; /* the peer's link is up */
	*state = x;
	return 0;
}

int setup(void **state)
{
	return setup_db(state, DEV_DOORBELL_TRAP);
}

int setup_poll(void **state)
{
	return setup_db(state, DEV_DOORBELL_POLL);
}

/* The doorbell pages from the region's fd, as a VMM maps the sparse areas. */
void map_doorbells(struct ctx *x)
{
	struct vfu_region_info ri;
	struct vfu_sparse_area areas[8];
	unsigned n = 0;
	int fd = -1;

	assert_int_equal(vfuc_region_sparse(x->c, VFU_PCI_BAR0, &ri, areas, 8, &n, &fd), 0);
	assert_true(fd >= 0);
	/* the RX, TX and DYN_CTL pages, GLINT_ITR(0..2) and GLINT_RATE, the statistics block */
	assert_int_equal(n, 8);
	for (unsigned i = 0; i < n; i++) {
		const struct vfu_sparse_area *a = &areas[i];
		void *m;

		if (a->offset == STATS_BASE) {
			assert_int_equal(a->size, STATS_SIZE);
			m = mmap(NULL, a->size, PROT_READ, MAP_SHARED, fd, (off_t)(ri.offset + a->offset));
			assert_true(m != MAP_FAILED);
			x->stats = m;
			continue;
		}
		assert_int_equal(a->size, 4096);
		for (unsigned k = 0; k < 3; k++) {
			if (a->offset != db_base[k])
				continue;
			m = mmap(NULL, a->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
				 (off_t)(ri.offset + a->offset));
			assert_true(m != MAP_FAILED);
			x->db[k] = m;
		}
	}
	close(fd);
	for (unsigned k = 0; k < 3; k++)
		assert_non_null(x->db[k]);
	assert_non_null(x->stats);
}

/* A 40-bit counter of the mapped statistics block, as the driver's readq gets it. */
uint64_t stat_mapped(struct ctx *x, uint32_t off)
{
	return __atomic_load_n(&x->stats[(off - STATS_BASE) / 8], __ATOMIC_RELAXED);
}

/* The same counter read through trapped accesses (L, then H). */
uint64_t stat_trapped(struct ctx *x, uint32_t off)
{
	return bar0_rd(x, off) | (uint64_t)bar0_rd(x, off + 4) << 32;
}

void db_st(struct ctx *x, unsigned page, unsigned i, uint32_t v)
{
	__atomic_store_n(&x->db[page][i], v, __ATOMIC_RELEASE);
}

int teardown(void **state)
{
	struct ctx *x = *state;

	for (unsigned k = 0; k < 3; k++)
		if (x->db[k])
			munmap((void *)x->db[k], 4096);
	if (x->stats)
		munmap((void *)x->stats, STATS_SIZE);
	drv_fini(&x->d);
	vfuc_mem_destroy(x->c, &x->mem);
	vfuc_close(x->c);
	srv_stop(x->s);
	free(x);
	return 0;
}

/* Memory, bus mastering, MSI-X enabled with eventfds on every vector. */
void guest_enable(struct ctx *x)
{
	unsigned msix = vfuc_find_cap(x->c, PCI_CAP_ID_MSIX);

	assert_true(msix);
	assert_int_equal(vfuc_cfg_write16(x->c, PCI_COMMAND,
					  PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER), 0);
	assert_int_equal(vfuc_irq_enable(x->c, VFU_IRQ_MSIX, NVEC), 0);
	assert_int_equal(vfuc_cfg_write16(x->c, msix + PCI_MSIX_FLAGS,
					  (uint16_t)(PCI_MSIX_FLAGS_ENABLE | (NVEC - 1))), 0);
}

void drain(struct ctx *x, unsigned vec)
{
	while (vfuc_irq_wait(x->c, VFU_IRQ_MSIX, vec, 0) > 0)
		;
}

void frame(uint8_t *f, unsigned len, uint8_t seed)
{
	static const uint8_t src[6] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x99 };

	memcpy(f, srv_mac, 6);
	memcpy(f + 6, src, 6);
	f[12] = 0x88; /* local experimental ethertype: an L2 frame */
	f[13] = 0xb5;
	for (unsigned i = 14; i < len; i++)
		f[i] = (uint8_t)(seed + i);
}

struct inject_arg {
	struct srv *s;
	uint16_t queue;
	unsigned n, len;
	uint16_t accepted;
};

static void inject_cb(void *arg)
{
	struct inject_arg *a = arg;
	struct pkt *pk[8];

	if (!a->s->pool)
		a->s->pool = pkt_pool_create("peer", 64);
	assert_non_null(a->s->pool);
	for (unsigned i = 0; i < a->n; i++) {
		pk[i] = pkt_alloc(a->s->pool);
		assert_non_null(pk[i]);
		pk[i]->len = a->len;
		frame(pk[i]->data, a->len, (uint8_t)i);
	}
	a->accepted = net_port_send_q(&a->s->peer, a->queue, pk, (uint16_t)a->n);
}

uint16_t srv_inject(struct srv *s, uint16_t queue, unsigned n, unsigned len)
{
	struct inject_arg a = { s, queue, n, len, 0 };

	srv_call(s, inject_cb, &a);
	return a.accepted;
}

struct space_arg {
	struct srv *s;
	uint16_t queue;
	uint32_t room;
};

static void space_cb(void *arg)
{
	struct space_arg *a = arg;

	a->room = net_port_peer_space_q(&a->s->peer, a->queue);
}

/* The room the device reports to its peer. */
uint32_t srv_space(struct srv *s, uint16_t queue)
{
	struct space_arg a = { s, queue, 0 };

	srv_call(s, space_cb, &a);
	return a.room;
}

/* Waits until the device's counter reaches at least want; returns its value. */
long long srv_wait_counter(struct srv *s, const char *name, long long want)
{
	long long v = srv_counter(s, name);

	for (int i = 0; i < TMO && v < want; i++) {
		usleep(1000);
		v = srv_counter(s, name);
	}
	return v;
}

uint64_t requests(struct ctx *x)
{
	return vfuc_get_stats(x->c)->requests;
}
