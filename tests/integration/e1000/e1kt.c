/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The e1000 integration harness: an in-process device, a test peer, a guest driver. */
#include "e1kt.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "core/loop.h"
#include "dev/dev.h"
#include "itest.h"
#include "net/pkt.h"
#include "net/port.h"

const uint8_t E1KT_MAC[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
const uint8_t E1KT_PEER[6] = { 0x02, 0x00, 0x00, 0xaa, 0xbb, 0xcc };

#define MAX_FRAMES 16384u
#define INJECT_MAX 256u

struct e1kt {
	char dir[256];
	char sock[320];
	struct loop *loop;
	pthread_t thr;
	bool running;
	struct dev_instance *inst;
	struct net_port peer;
	struct pkt_pool *pool;

	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct e1kt_frame frames[MAX_FRAMES];
	unsigned nframes;
	unsigned wakes;
	uint32_t peer_space;

	/* run-on-loop mailbox */
	int evfd;
	struct loop_fd *evh;
	void (*fn)(void *);
	void *arg;
	bool done;
};

/* ---- the test peer (runs on the loop thread) --------------------------- */

static uint16_t peer_deliver(struct net_port *self, uint16_t queue, struct pkt **pkts, uint16_t n)
{
	struct e1kt *t = self->priv;

	pthread_mutex_lock(&t->mu);
	for (uint16_t i = 0; i < n; i++) {
		struct e1kt_frame *f;

		if (t->nframes == MAX_FRAMES)
			break;
		f = &t->frames[t->nframes];
		f->data = malloc(pkts[i]->len ? pkts[i]->len : 1);
		if (!f->data)
			break;
		memcpy(f->data, pkts[i]->data, pkts[i]->len);
		f->len = pkts[i]->len;
		f->flags = pkts[i]->flags;
		f->tci = pkts[i]->vlan_tci;
		t->nframes++;
	}
	/* A finite room shrinks with what arrives, like a real queue's. */
	if (t->peer_space != UINT32_MAX)
		t->peer_space = t->peer_space > n ? t->peer_space - n : 0;
	pthread_cond_broadcast(&t->cv);
	pthread_mutex_unlock(&t->mu);
	pkt_free_bulk(pkts, n);
	return n;
}

static uint32_t peer_rx_space(struct net_port *self, uint16_t queue)
{
	struct e1kt *t = self->priv;

	return t->peer_space;
}

static void peer_wake(struct net_port *self, uint16_t queue)
{
	struct e1kt *t = self->priv;

	t->wakes++;
}

static const struct net_port_ops peer_ops = {
	.deliver = peer_deliver,
	.rx_space = peer_rx_space,
	.wake = peer_wake,
};

/* ---- loop thread and mailbox ------------------------------------------- */

static void mailbox_cb(void *arg, uint32_t events)
{
	struct e1kt *t = arg;
	uint64_t v;

	(void)events;
	if (read(t->evfd, &v, sizeof(v)) < 0)
		return;
	pthread_mutex_lock(&t->mu);
	if (t->fn && !t->done) {
		void (*fn)(void *) = t->fn;
		void *a = t->arg;

		pthread_mutex_unlock(&t->mu);
		fn(a);
		pthread_mutex_lock(&t->mu);
		t->done = true;
		pthread_cond_broadcast(&t->cv);
	}
	pthread_mutex_unlock(&t->mu);
}

void e1kt_call(struct e1kt *t, void (*fn)(void *), void *arg)
{
	uint64_t one = 1;

	pthread_mutex_lock(&t->mu);
	t->fn = fn;
	t->arg = arg;
	t->done = false;
	pthread_mutex_unlock(&t->mu);
	if (write(t->evfd, &one, sizeof(one)) != sizeof(one))
		abort();
	pthread_mutex_lock(&t->mu);
	while (!t->done)
		pthread_cond_wait(&t->cv, &t->mu);
	t->fn = NULL;
	pthread_mutex_unlock(&t->mu);
}

static void *loop_thread(void *arg)
{
	struct e1kt *t = arg;

	loop_run(t->loop);
	return NULL;
}

static struct e1kt *start(enum dev_doorbell db)
{
	const struct dev_model *m = dev_model_find("e1000-emu");
	struct e1kt *t = calloc(1, sizeof(*t));
	struct dev_config cfg = { 0 };
	char err[256] = "";

	if (!t || !m)
		goto fail;
	log_set_level(getenv("E1KT_DEBUG") ? LOG_LVL_DEBUG : LOG_LVL_WARN);
	pthread_mutex_init(&t->mu, NULL);
	pthread_cond_init(&t->cv, NULL);
	t->evfd = -1;
	t->peer_space = UINT32_MAX;
	if (it_mkdtemp(t->dir, sizeof(t->dir)) < 0)
		goto fail;
	snprintf(t->sock, sizeof(t->sock), "%s/e1000.sock", t->dir);
	t->loop = loop_create();
	t->pool = pkt_pool_create("peer", 1024);
	t->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (!t->loop || !t->pool || t->evfd < 0)
		goto fail;
	t->evh = loop_add_fd(t->loop, t->evfd, EPOLLIN, mailbox_cb, t);
	if (!t->evh)
		goto fail;
	cfg.name = "e1kt";
	cfg.socket_path = t->sock;
	cfg.loop = t->loop;
	cfg.doorbell = db;
	memcpy(cfg.mac, E1KT_MAC, 6);
	t->inst = m->create(&cfg, err, sizeof(err));
	if (!t->inst) {
		fprintf(stderr, "e1kt: create: %s\n", err);
		goto fail;
	}
	net_port_init(&t->peer, "peer", &peer_ops, t);
	net_port_set_link(&t->peer, true);
	net_port_connect(dev_port(t->inst), &t->peer);
	if (pthread_create(&t->thr, NULL, loop_thread, t))
		goto fail;
	t->running = true;
	return t;
fail:
	e1kt_stop(t);
	return NULL;
}

struct e1kt *e1kt_start(void)
{
	return start(DEV_DOORBELL_TRAP);
}

struct e1kt *e1kt_start_poll(void)
{
	return start(DEV_DOORBELL_POLL);
}

int e1kt_ctx_open(struct e1kt_ctx *c, bool poll, bool raw)
{
	memset(c, 0, sizeof(*c));
	c->t = poll ? e1kt_start_poll() : e1kt_start();
	if (!c->t)
		return -1;
	if (e1kg_open(&c->g, e1kt_socket(c->t)) || (poll && e1kg_map_doorbells(&c->g))) {
		e1kg_close(&c->g);
		e1kt_stop(c->t);
		return -1;
	}
	if (!raw)
		e1kg_reset(&c->g);
	return 0;
}

int e1kt_ctx_teardown(void **state)
{
	struct e1kt_ctx *c = *state;

	e1kg_close(&c->g);
	e1kt_stop(c->t);
	return 0;
}

static void do_teardown(void *arg)
{
	struct e1kt *t = arg;

	net_port_disconnect(&t->peer);
	t->inst->model->destroy(t->inst);
	t->inst = NULL;
	loop_stop(t->loop);
}

void e1kt_stop(struct e1kt *t)
{
	if (!t)
		return;
	if (t->running) {
		/* The device goes away on its own thread, then the loop stops. */
		e1kt_call(t, do_teardown, t);
		pthread_join(t->thr, NULL);
	}
	if (t->inst) {
		net_port_disconnect(&t->peer);
		t->inst->model->destroy(t->inst);
	}
	e1kt_clear(t);
	if (t->evh)
		loop_del_fd(t->loop, t->evh);
	if (t->evfd >= 0)
		close(t->evfd);
	if (t->pool)
		pkt_pool_destroy(t->pool);
	if (t->loop)
		loop_destroy(t->loop);
	if (t->dir[0])
		it_rmtree(t->dir);
	free(t);
}

const char *e1kt_socket(const struct e1kt *t)
{
	return t->sock;
}

unsigned e1kt_nframes(struct e1kt *t)
{
	unsigned n;

	pthread_mutex_lock(&t->mu);
	n = t->nframes;
	pthread_mutex_unlock(&t->mu);
	return n;
}

bool e1kt_frame(struct e1kt *t, unsigned i, struct e1kt_frame *f)
{
	bool ok;

	pthread_mutex_lock(&t->mu);
	ok = i < t->nframes;
	if (ok)
		*f = t->frames[i];
	pthread_mutex_unlock(&t->mu);
	return ok;
}

unsigned e1kt_wait_frames(struct e1kt *t, unsigned n, int timeout_ms)
{
	struct timespec ts;
	unsigned got;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += timeout_ms / 1000;
	ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&t->mu);
	while (t->nframes < n)
		if (pthread_cond_timedwait(&t->cv, &t->mu, &ts) == ETIMEDOUT)
			break;
	got = t->nframes;
	pthread_mutex_unlock(&t->mu);
	return got;
}

void e1kt_clear(struct e1kt *t)
{
	pthread_mutex_lock(&t->mu);
	for (unsigned i = 0; i < t->nframes; i++)
		free(t->frames[i].data);
	t->nframes = 0;
	pthread_mutex_unlock(&t->mu);
}

struct inject_req {
	struct e1kt *t;
	const uint8_t *const *frames;
	const uint32_t *lens;
	unsigned n;
	uint32_t flags;
	uint16_t tci;
	unsigned accepted;
};

static void do_inject(void *arg)
{
	struct inject_req *r = arg;
	struct pkt *pkts[INJECT_MAX];
	unsigned n = r->n > INJECT_MAX ? INJECT_MAX : r->n, got;

	got = pkt_alloc_bulk(r->t->pool, pkts, n);
	for (unsigned i = 0; i < got; i++) {
		uint32_t len = r->lens[i] > PKT_DATA_MAX ? PKT_DATA_MAX : r->lens[i];

		memcpy(pkts[i]->data, r->frames[i], len);
		pkts[i]->len = len;
		pkts[i]->flags = r->flags;
		pkts[i]->vlan_tci = r->tci;
	}
	r->accepted = got ? net_port_send(&r->t->peer, pkts, (uint16_t)got) : 0;
}

unsigned e1kt_inject(struct e1kt *t, const uint8_t *const *frames, const uint32_t *lens,
		     unsigned n, uint32_t flags, uint16_t tci)
{
	struct inject_req r = { t, frames, lens, n, flags, tci, 0 };

	e1kt_call(t, do_inject, &r);
	return r.accepted;
}

unsigned e1kt_inject1(struct e1kt *t, const uint8_t *frame, uint32_t len)
{
	return e1kt_inject(t, &frame, &len, 1, 0, 0);
}

struct u32_req {
	struct e1kt *t;
	uint32_t v;
};

static void do_space(void *arg)
{
	struct u32_req *r = arg;

	r->v = net_port_peer_space(&r->t->peer);
}

uint32_t e1kt_space(struct e1kt *t)
{
	struct u32_req r = { t, 0 };

	e1kt_call(t, do_space, &r);
	return r.v;
}

static void do_wakes(void *arg)
{
	struct u32_req *r = arg;

	r->v = r->t->wakes;
}

unsigned e1kt_wakes(struct e1kt *t)
{
	struct u32_req r = { t, 0 };

	e1kt_call(t, do_wakes, &r);
	return r.v;
}

static void do_link(void *arg)
{
	struct u32_req *r = arg;

	net_port_set_link(&r->t->peer, r->v != 0);
}

void e1kt_peer_link(struct e1kt *t, bool up)
{
	struct u32_req r = { t, up };

	e1kt_call(t, do_link, &r);
}

static void do_peer_space(void *arg)
{
	struct u32_req *r = arg;

	r->t->peer_space = r->v;
}

void e1kt_peer_space(struct e1kt *t, uint32_t space)
{
	struct u32_req r = { t, space };

	e1kt_call(t, do_peer_space, &r);
}

static void do_peer_wake(void *arg)
{
	struct u32_req *r = arg;

	net_port_wake_peer(&r->t->peer);
}

void e1kt_peer_wake(struct e1kt *t)
{
	struct u32_req r = { t, 0 };

	e1kt_call(t, do_peer_wake, &r);
}

static void do_peer_plug(void *arg)
{
	struct u32_req *r = arg;

	if (r->v)
		net_port_connect(dev_port(r->t->inst), &r->t->peer);
	else
		net_port_disconnect(&r->t->peer);
}

void e1kt_peer_plug(struct e1kt *t, bool connected)
{
	struct u32_req r = { t, connected };

	e1kt_call(t, do_peer_plug, &r);
}

struct stats_req {
	struct e1kt *t;
	char *buf;
	size_t len;
};

static void do_stats(void *arg)
{
	struct stats_req *r = arg;
	FILE *f = open_memstream(&r->buf, &r->len);

	if (!f)
		return;
	r->t->inst->model->dump_stats(r->t->inst, f);
	fclose(f);
}

long long e1kt_counter(struct e1kt *t, const char *name)
{
	struct stats_req r = { t, NULL, 0 };
	char key[64];
	const char *p;
	long long v = -1;

	e1kt_call(t, do_stats, &r);
	if (!r.buf)
		return -1;
	snprintf(key, sizeof(key), "\"%s\":", name);
	p = strstr(r.buf, key);
	if (p)
		v = strtoll(p + strlen(key), NULL, 10);
	free(r.buf);
	return v;
}
