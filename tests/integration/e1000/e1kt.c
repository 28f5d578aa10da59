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

static uint16_t peer_deliver(struct net_port *self, struct pkt **pkts, uint16_t n)
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

static uint32_t peer_rx_space(struct net_port *self)
{
	struct e1kt *t = self->priv;

	return t->peer_space;
}

static void peer_wake(struct net_port *self)
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
	net_port_connect(m->port(t->inst), &t->peer);
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

/* ---- the guest driver -------------------------------------------------- */

int e1kg_open(struct e1kg *g, const char *sock)
{
	int r;

	memset(g, 0, sizeof(*g));
	g->mem.fd = -1;
	g->c = vfuc_connect(sock, E1KT_TMO);
	if (!g->c)
		return -errno;
	r = vfuc_negotiate(g->c, NULL);
	if (!r)
		r = vfuc_mem_create(g->c, E1KG_IOVA, E1KG_MEM, &g->mem);
	if (!r)
		r = vfuc_cfg_write16(g->c, 0x04, 0x0007); /* I/O, memory, bus master */
	if (!r)
		r = vfuc_irq_enable(g->c, VFU_IRQ_INTX, 1);
	g->txbuf_next = E1KG_TXBUF;
	return r;
}

void e1kg_close(struct e1kg *g)
{
	if (g->db)
		munmap(g->db, g->db_size);
	g->db = NULL;
	if (g->c) {
		vfuc_mem_destroy(g->c, &g->mem);
		vfuc_close(g->c);
	}
	g->c = NULL;
}

int e1kg_map_doorbells(struct e1kg *g)
{
	uint8_t caps[256];
	struct vfu_region_info ri;
	struct vfu_cap_sparse_mmap sp;
	struct vfu_sparse_area a;
	int fd = -1, r;
	void *m;

	r = vfuc_region_info(g->c, VFU_PCI_BAR0, &ri, caps, sizeof(caps), &fd);
	if (r)
		return r;
	r = -ENOENT;
	if (fd < 0 || !(ri.flags & VFU_REGION_F_MMAP) || !(ri.flags & VFU_REGION_F_CAPS) ||
	    ri.cap_offset < sizeof(ri) || ri.cap_offset - sizeof(ri) + sizeof(sp) > sizeof(caps))
		goto out;
	memcpy(&sp, caps + ri.cap_offset - sizeof(ri), sizeof(sp));
	if (sp.hdr.id != VFU_REGION_CAP_SPARSE_MMAP || sp.nr_areas != 1)
		goto out;
	memcpy(&a, caps + ri.cap_offset - sizeof(ri) + sizeof(sp), sizeof(a));
	if (!a.size || a.offset + a.size > ri.size)
		goto out;
	m = mmap(NULL, a.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)(ri.offset + a.offset));
	if (m == MAP_FAILED) {
		r = -errno;
		goto out;
	}
	g->db = m;
	g->db_off = a.offset;
	g->db_size = a.size;
	r = 0;
out:
	if (fd >= 0)
		close(fd);
	return r;
}

uint64_t e1kg_requests(struct e1kg *g)
{
	return vfuc_get_stats(g->c)->requests;
}

static volatile uint32_t *db_word(struct e1kg *g, uint32_t off)
{
	if (!g->db || off < g->db_off || off - g->db_off + 4 > g->db_size)
		return NULL;
	return (volatile uint32_t *)(void *)(g->db + (off - g->db_off));
}

uint32_t e1kg_rd(struct e1kg *g, uint32_t off)
{
	volatile uint32_t *w = db_word(g, off);

	if (w)
		return __atomic_load_n(w, __ATOMIC_ACQUIRE);
	return vfuc_bar_read32(g->c, 0, off);
}

void e1kg_wr(struct e1kg *g, uint32_t off, uint32_t v)
{
	volatile uint32_t *w = db_word(g, off);

	/* A plain store on the doorbell page, like a guest's writel() (release: after the descriptors). */
	if (w) {
		__atomic_store_n(w, v, __ATOMIC_RELEASE);
		return;
	}
	/* Not posted: the write's effects are done when this returns. */
	vfuc_bar_write32(g->c, 0, off, v, false);
}

uint32_t e1kg_io_rd(struct e1kg *g, uint32_t off)
{
	vfuc_bar_write32(g->c, 1, 0, off, false);
	return vfuc_bar_read32(g->c, 1, 4);
}

void e1kg_io_wr(struct e1kg *g, uint32_t off, uint32_t v)
{
	vfuc_bar_write32(g->c, 1, 0, off, false);
	vfuc_bar_write32(g->c, 1, 4, v, false);
}

uint16_t e1kg_phy_rd(struct e1kg *g, unsigned reg)
{
	uint32_t v;

	e1kg_wr(g, E1K_MDIC, reg << E1K_MDIC_REG_SHIFT | E1K_PHY_ADDR << E1K_MDIC_PHY_SHIFT |
			     E1K_MDIC_OP_READ);
	v = e1kg_rd(g, E1K_MDIC);
	return (v & E1K_MDIC_READY) && !(v & E1K_MDIC_ERROR) ? (uint16_t)v : 0xdead;
}

void e1kg_phy_wr(struct e1kg *g, unsigned reg, uint16_t v)
{
	e1kg_wr(g, E1K_MDIC, reg << E1K_MDIC_REG_SHIFT | E1K_PHY_ADDR << E1K_MDIC_PHY_SHIFT |
			     E1K_MDIC_OP_WRITE | v);
}

uint16_t e1kg_eerd(struct e1kg *g, unsigned word)
{
	uint32_t v;

	e1kg_wr(g, E1K_EERD, word << E1K_EERD_ADDR_SHIFT | E1K_EERD_START);
	v = e1kg_rd(g, E1K_EERD);
	return (v & E1K_EERD_DONE) ? (uint16_t)(v >> E1K_EERD_DATA_SHIFT) : 0xdead;
}

void *e1kg_ptr(struct e1kg *g, uint32_t off)
{
	return g->mem.base + off;
}

void e1kg_reset(struct e1kg *g)
{
	e1kg_wr(g, E1K_IMC, 0xffffffff);
	e1kg_wr(g, E1K_RCTL, 0);
	e1kg_wr(g, E1K_TCTL, E1K_TCTL_PSP);
	e1kg_io_wr(g, E1K_CTRL, e1kg_rd(g, E1K_CTRL) | E1K_CTRL_RST);
	e1kg_wr(g, E1K_IMC, 0xffffffff);
	(void)e1kg_rd(g, E1K_ICR);
	e1kg_wr(g, E1K_CTRL, e1kg_rd(g, E1K_CTRL) | E1K_CTRL_SLU);
	e1kg_wr(g, E1K_VET, 0x8100);
	g->txbuf_next = E1KG_TXBUF;
}

void e1kg_tx_setup(struct e1kg *g, uint32_t count)
{
	memset(e1kg_ptr(g, E1KG_TXRING), 0, (size_t)count * 16);
	e1kg_wr(g, E1K_TDBAL, (uint32_t)e1kg_gpa(E1KG_TXRING));
	e1kg_wr(g, E1K_TDBAH, (uint32_t)(e1kg_gpa(E1KG_TXRING) >> 32));
	e1kg_wr(g, E1K_TDLEN, count * 16);
	e1kg_wr(g, E1K_TDH, 0);
	e1kg_wr(g, E1K_TDT, 0);
	e1kg_wr(g, E1K_TCTL, E1K_TCTL_EN | E1K_TCTL_PSP);
	g->tx_count = count;
	g->tx_tail = 0;
}

static uint32_t rctl_bsize(uint32_t bufsize)
{
	switch (bufsize) {
	case 256: return 3u << 16;
	case 512: return 2u << 16;
	case 1024: return 1u << 16;
	case 4096: return E1K_RCTL_BSEX | 3u << 16;
	case 8192: return E1K_RCTL_BSEX | 2u << 16;
	case 16384: return E1K_RCTL_BSEX | 1u << 16;
	default: return 0; /* 2048 */
	}
}

static void rx_give(struct e1kg *g, uint32_t idx)
{
	uint8_t *d = (uint8_t *)e1kg_ptr(g, E1KG_RXRING) + (size_t)idx * 16;
	uint64_t a = e1kg_gpa(E1KG_RXBUF + idx * g->rx_bufsize);

	memset(d, 0, 16);
	memcpy(d, &a, 8);
}

void e1kg_rx_setup(struct e1kg *g, uint32_t count, uint32_t bufsize, uint32_t rctl_extra)
{
	g->rx_count = count;
	g->rx_bufsize = bufsize;
	g->rx_next = 0;
	for (uint32_t i = 0; i < count; i++)
		rx_give(g, i);
	e1kg_wr(g, E1K_RCTL, 0);
	e1kg_wr(g, E1K_RDBAL, (uint32_t)e1kg_gpa(E1KG_RXRING));
	e1kg_wr(g, E1K_RDBAH, (uint32_t)(e1kg_gpa(E1KG_RXRING) >> 32));
	e1kg_wr(g, E1K_RDLEN, count * 16);
	e1kg_wr(g, E1K_RDH, 0);
	e1kg_wr(g, E1K_RDT, count - 1);
	e1kg_wr(g, E1K_RCTL, E1K_RCTL_EN | rctl_bsize(bufsize) | rctl_extra);
}

uint64_t e1kg_txbuf(struct e1kg *g, const void *data, uint32_t len)
{
	uint32_t off;

	if (g->txbuf_next + len > E1KG_TXBUF_END)
		g->txbuf_next = E1KG_TXBUF;
	off = g->txbuf_next;
	memcpy(e1kg_ptr(g, off), data, len);
	g->txbuf_next += (len + 63) & ~63u;
	return e1kg_gpa(off);
}

void e1kg_txbuf_reset(struct e1kg *g)
{
	g->txbuf_next = E1KG_TXBUF;
}

uint32_t e1kg_tx_raw(struct e1kg *g, const uint8_t d[16])
{
	uint32_t idx = g->tx_tail;

	memcpy((uint8_t *)e1kg_ptr(g, E1KG_TXRING) + (size_t)idx * 16, d, 16);
	g->tx_tail = (idx + 1) % g->tx_count;
	return idx;
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

uint32_t e1kg_tx_legacy(struct e1kg *g, uint64_t addr, uint16_t len, uint8_t cmd, uint8_t cso,
			uint8_t css, uint16_t special)
{
	uint8_t d[16];

	memcpy(d, &addr, 8);
	put32(d + 8, (uint32_t)len | (uint32_t)cso << 16 | (uint32_t)cmd << 24);
	put32(d + 12, (uint32_t)css << 8 | (uint32_t)special << 16);
	return e1kg_tx_raw(g, d);
}

uint32_t e1kg_tx_ctx(struct e1kg *g, uint8_t ipcss, uint8_t ipcso, uint16_t ipcse, uint8_t tucss,
		     uint8_t tucso, uint16_t tucse, uint32_t paylen, uint8_t tucmd, uint8_t hdrlen,
		     uint16_t mss)
{
	uint8_t d[16];

	d[0] = ipcss;
	d[1] = ipcso;
	memcpy(d + 2, &ipcse, 2);
	d[4] = tucss;
	d[5] = tucso;
	memcpy(d + 6, &tucse, 2);
	/* DTYP 0 (context), DEXT in TUCMD */
	put32(d + 8, (paylen & 0xfffff) | (uint32_t)(tucmd | 0x20) << 24);
	d[12] = 0;
	d[13] = hdrlen;
	memcpy(d + 14, &mss, 2);
	return e1kg_tx_raw(g, d);
}

uint32_t e1kg_tx_data(struct e1kg *g, uint64_t addr, uint32_t len, uint8_t dcmd, uint8_t popts,
		      uint16_t special)
{
	uint8_t d[16];

	memcpy(d, &addr, 8);
	put32(d + 8, (len & 0xfffff) | E1K_TXD_DTYP_DATA | (uint32_t)(dcmd | 0x20) << 24);
	put32(d + 12, (uint32_t)popts << 8 | (uint32_t)special << 16);
	return e1kg_tx_raw(g, d);
}

void e1kg_tx_kick(struct e1kg *g)
{
	e1kg_wr(g, E1K_TDT, g->tx_tail);
}

uint8_t e1kg_tx_status(struct e1kg *g, uint32_t idx)
{
	return ((uint8_t *)e1kg_ptr(g, E1KG_TXRING))[(size_t)idx * 16 + 12];
}

void e1kg_rxd(struct e1kg *g, uint32_t idx, struct e1kg_rxd *d)
{
	const uint8_t *p = (uint8_t *)e1kg_ptr(g, E1KG_RXRING) + (size_t)idx * 16;

	memcpy(&d->addr, p, 8);
	memcpy(&d->len, p + 8, 2);
	memcpy(&d->csum, p + 10, 2);
	d->status = p[12];
	d->errors = p[13];
	memcpy(&d->special, p + 14, 2);
}

uint8_t *e1kg_rxbuf(struct e1kg *g, uint32_t idx)
{
	return e1kg_ptr(g, E1KG_RXBUF + idx * g->rx_bufsize);
}

uint32_t e1kg_rx_take(struct e1kg *g, uint8_t *out, uint32_t cap, struct e1kg_rxd *last)
{
	uint32_t idx = g->rx_next, total = 0, n = 0;
	struct e1kg_rxd d;

	/* Is a whole frame there? */
	for (;;) {
		e1kg_rxd(g, idx, &d);
		if (!(d.status & E1K_RXD_STAT_DD))
			return 0;
		n++;
		if (d.status & E1K_RXD_STAT_EOP)
			break;
		idx = (idx + 1) % g->rx_count;
		if (n > g->rx_count)
			return 0;
	}
	idx = g->rx_next;
	for (uint32_t i = 0; i < n; i++) {
		e1kg_rxd(g, idx, &d);
		if (total + d.len <= cap)
			memcpy(out + total, e1kg_rxbuf(g, idx), d.len);
		total += d.len;
		if (last)
			*last = d;
		rx_give(g, idx);
		e1kg_wr(g, E1K_RDT, idx);
		idx = (idx + 1) % g->rx_count;
	}
	g->rx_next = idx;
	return total;
}

int e1kg_irq_wait(struct e1kg *g, int timeout_ms)
{
	return vfuc_irq_wait(g->c, VFU_IRQ_INTX, 0, timeout_ms) > 0 ? 1 : 0;
}

void e1kg_irq_eoi(struct e1kg *g)
{
	vfuc_irq_unmask(g->c, VFU_IRQ_INTX, 0);
}

uint32_t e1kt_eth(uint8_t *f, const uint8_t *dst, const uint8_t *src, uint16_t type,
		  uint32_t plen, uint8_t seed)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	f[12] = (uint8_t)(type >> 8);
	f[13] = (uint8_t)type;
	for (uint32_t i = 0; i < plen; i++)
		f[14 + i] = (uint8_t)(seed + i * 7 + (i >> 8));
	return 14 + plen;
}
