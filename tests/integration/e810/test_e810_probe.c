// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * e810-emu through vfio-user: an in-process device (its loop in a thread, its
 * port wired to a test peer) and the in-tree client playing QEMU and the
 * guest. Config space identity, BARs and capabilities as a guest enumerates
 * them; the ice 6.1 safe-mode probe's admin queue sequence (the unit tests'
 * driver, tests/unit/dev/e810, with its registers on BAR0 and its memory a
 * memfd the device maps); a PF reset in the middle; a link change of the
 * peer arriving as an ARQ event that fires the FW cause's MSI-X vector;
 * after the probe, an RX queue (QRX_CONTEXT, QRX_TAIL, QENA_REQ) and a TX
 * queue (add_txqs) moving frames between the guest's rings and the peer,
 * the queue's vector firing, and hostile doorbells and contexts counted.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <linux/pci_regs.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "client/vfuc.h"
#include "core/log.h"
#include "core/loop.h"
#include "dev/dev.h"
#include "dev/e810/aq.h"
#include "dev/e810/aq_defs.h"
#include "dev/e810/e810_model.h"
#include "dev/e810/e810_regs.h"
#include "dev/e810/lan_desc.h"
#include "e810_drv.h"
#include "e810_probe.h"
#include "itest.h"
#include "net/pkt.h"
#include "net/port.h"

#define TMO 5000
#define QUEUES 4u
#define NVEC (QUEUES + 1u)

static const uint8_t MAC[6] = { 0x52, 0x54, 0x00, 0xe8, 0x10, 0x42 };

/* ---- the device side ------------------------------------------------------- */

struct srv {
	char dir[256], sock[320];
	struct loop *loop;
	pthread_t thr;
	bool running;
	struct dev_instance *inst;
	struct net_port peer;
	uint64_t peer_rx;
	uint64_t peer_wakes;      /* the device said it has room again */
	uint32_t peer_last_len;
	uint8_t peer_last[256];
	struct pkt_pool *pool;    /* the peer's frames, on the device thread */

	pthread_mutex_t mu;
	pthread_cond_t cv;
	int evfd;
	struct loop_fd *evh;
	void (*fn)(void *);
	void *arg;
	bool done;
};

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
static void srv_call(struct srv *s, void (*fn)(void *), void *arg)
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

static void srv_stop(struct srv *s)
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

/* The doorbell mode of the next srv_start (setup_poll sets it for one test). */
static enum dev_doorbell next_doorbell = DEV_DOORBELL_TRAP;

static struct srv *srv_start(unsigned queues)
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
	cfg.doorbell = next_doorbell;
	memcpy(cfg.mac, MAC, 6);
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

static void srv_peer_link(struct srv *s, bool up)
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

static long long srv_counter(struct srv *s, const char *name)
{
	struct counter_arg a = { s, name, -1 };

	srv_call(s, counter_cb, &a);
	return a.v;
}

/* ---- the VMM and guest side ------------------------------------------------- */

struct ctx {
	struct srv *s;
	struct vfuc *c;
	struct vfuc_mem mem;
	struct drv d;
	struct e810_aq_config acfg;
	/* --doorbell poll: the RX tail, TX doorbell and DYN_CTL pages, as mapped */
	volatile uint32_t *db[3]; /* the mapped pages: the device writes them too */
	volatile uint64_t *stats; /* the statistics block, as mapped */
};

/* The statistics block shared with --doorbell poll, and registers in it. */
#define STATS_BASE 0x00300000u
#define STATS_SIZE 0x000b8000u
#define GLPRT_GORCL0 0x00380000u
#define GLPRT_UPRCL0 0x00381300u
#define GLPRT_GOTCL0 0x00380b40u
#define GLPRT_UPTCL0 0x003811c0u
#define GLPRT_PTC64L0 0x00380b80u
#define PRTRPB_RDPC 0x000ac260u

static const uint32_t db_base[3] = { 0x00290000u, 0x002c0000u, 0x00160000u };

static uint32_t bar0_rd(void *opaque, uint32_t reg)
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

static unsigned find_cap(struct vfuc *c, uint8_t id)
{
	unsigned pos = vfuc_cfg_read16(c, PCI_CAPABILITY_LIST) & 0xfc;

	for (unsigned n = 0; pos && n < 48; n++) {
		uint16_t h = vfuc_cfg_read16(c, pos);

		if ((h & 0xff) == id)
			return pos;
		pos = (h >> 8) & 0xfc;
	}
	return 0;
}

static int setup(void **state)
{
	struct ctx *x = calloc(1, sizeof(*x));

	assert_non_null(x);
	x->s = srv_start(QUEUES);
	x->c = vfuc_connect(x->s->sock, TMO);
	assert_non_null(x->c);
	assert_int_equal(vfuc_negotiate(x->c, NULL), 0);
	assert_int_equal(vfuc_mem_create(x->c, GMEM_BASE, GMEM_SIZE, &x->mem), 0);
	drv_init_io(&x->d, &bar0_io, x, x->mem.base);
	e810_model_aq_config(&x->acfg, MAC, QUEUES);
	x->acfg.link_up = true; /* the peer's link is up */
	*state = x;
	return 0;
}

static int setup_poll(void **state)
{
	next_doorbell = DEV_DOORBELL_POLL;
	setup(state);
	next_doorbell = DEV_DOORBELL_TRAP;
	return 0;
}

/* The doorbell pages from the region's fd, as a VMM maps the sparse areas. */
static void map_doorbells(struct ctx *x)
{
	uint8_t caps[512];
	struct vfu_region_info ri;
	struct vfu_cap_sparse_mmap sp;
	int fd = -1;

	assert_int_equal(vfuc_region_info(x->c, VFU_PCI_BAR0, &ri, caps, sizeof(caps), &fd), 0);
	assert_true(fd >= 0);
	assert_true(ri.flags & VFU_REGION_F_MMAP);
	assert_true(ri.flags & VFU_REGION_F_CAPS);
	memcpy(&sp, caps + ri.cap_offset - sizeof(ri), sizeof(sp));
	assert_int_equal(sp.hdr.id, VFU_REGION_CAP_SPARSE_MMAP);
	/* the RX, TX and DYN_CTL pages, GLINT_ITR(0..2) and GLINT_RATE, the statistics block */
	assert_int_equal(sp.nr_areas, 8);
	for (unsigned i = 0; i < 8; i++) {
		struct vfu_sparse_area a;
		void *m;

		memcpy(&a, caps + ri.cap_offset - sizeof(ri) + sizeof(sp) + i * sizeof(a), sizeof(a));
		if (a.offset == STATS_BASE) {
			assert_int_equal(a.size, STATS_SIZE);
			m = mmap(NULL, a.size, PROT_READ, MAP_SHARED, fd, (off_t)(ri.offset + a.offset));
			assert_true(m != MAP_FAILED);
			x->stats = m;
			continue;
		}
		assert_int_equal(a.size, 4096);
		for (unsigned k = 0; k < 3; k++) {
			if (a.offset != db_base[k])
				continue;
			m = mmap(NULL, a.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
				 (off_t)(ri.offset + a.offset));
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
static uint64_t stat_mapped(struct ctx *x, uint32_t off)
{
	return __atomic_load_n(&x->stats[(off - STATS_BASE) / 8], __ATOMIC_RELAXED);
}

/* The same counter read through trapped accesses (L, then H). */
static uint64_t stat_trapped(struct ctx *x, uint32_t off)
{
	return bar0_rd(x, off) | (uint64_t)bar0_rd(x, off + 4) << 32;
}

static void db_st(struct ctx *x, unsigned page, unsigned i, uint32_t v)
{
	__atomic_store_n(&x->db[page][i], v, __ATOMIC_RELEASE);
}

static int teardown(void **state)
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
static void guest_enable(struct ctx *x)
{
	unsigned msix = find_cap(x->c, PCI_CAP_ID_MSIX);

	assert_true(msix);
	assert_int_equal(vfuc_cfg_write16(x->c, PCI_COMMAND,
					  PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER), 0);
	assert_int_equal(vfuc_irq_enable(x->c, VFU_IRQ_MSIX, NVEC), 0);
	assert_int_equal(vfuc_cfg_write16(x->c, msix + PCI_MSIX_FLAGS,
					  (uint16_t)(PCI_MSIX_FLAGS_ENABLE | (NVEC - 1))), 0);
}

/* ---- tests ------------------------------------------------------------------- */

static void test_identity(void **state)
{
	struct ctx *x = *state;
	struct vfu_region_info ri;
	unsigned pos;
	uint32_t v;

	assert_int_equal(vfuc_cfg_read16(x->c, PCI_VENDOR_ID), 0x8086);
	assert_int_equal(vfuc_cfg_read16(x->c, PCI_DEVICE_ID), 0x1592);
	assert_int_equal(vfuc_cfg_read32(x->c, PCI_CLASS_REVISION), 0x02000002u);
	assert_int_equal(vfuc_cfg_read16(x->c, PCI_SUBSYSTEM_VENDOR_ID), 0x8086);
	assert_int_equal(vfuc_cfg_read16(x->c, PCI_SUBSYSTEM_ID), E810_MODEL_SUBSYS);
	assert_int_equal(vfuc_cfg_read16(x->c, PCI_INTERRUPT_PIN) & 0xff, 0);

	/* BAR0: 128 MiB, 64-bit prefetchable memory; BAR3: 64 KiB, the same. */
	assert_int_equal(vfuc_region_info(x->c, VFU_PCI_BAR0, &ri, NULL, 0, NULL), 0);
	assert_int_equal(ri.size, 128ull << 20);
	assert_int_equal(vfuc_region_info(x->c, 3, &ri, NULL, 0, NULL), 0);
	assert_int_equal(ri.size, 64u << 10);
	for (unsigned bar = 0; bar < 6; bar += 3) {
		unsigned off = PCI_BASE_ADDRESS_0 + 4 * bar;
		uint64_t size = bar ? 64u << 10 : 128ull << 20;

		v = vfuc_cfg_read32(x->c, off);
		assert_int_equal(v & 0xf, PCI_BASE_ADDRESS_MEM_TYPE_64 | PCI_BASE_ADDRESS_MEM_PREFETCH);
		assert_int_equal(vfuc_cfg_write32(x->c, off, 0xffffffffu), 0);
		assert_int_equal(vfuc_cfg_write32(x->c, off + 4, 0xffffffffu), 0);
		v = vfuc_cfg_read32(x->c, off);
		assert_int_equal(v & ~0xfu, (uint32_t)~(size - 1));
		assert_int_equal(vfuc_cfg_read32(x->c, off + 4), 0xffffffffu);
	}
	assert_int_equal(vfuc_region_info(x->c, 1, &ri, NULL, 0, NULL), 0);
	assert_int_equal(ri.size, 0);

	/* MSI-X: queues + 1 vectors, table at BAR3 0, PBA at BAR3 32 KiB. */
	pos = find_cap(x->c, PCI_CAP_ID_MSIX);
	assert_true(pos);
	assert_int_equal(vfuc_cfg_read16(x->c, pos + PCI_MSIX_FLAGS) & PCI_MSIX_FLAGS_QSIZE, NVEC - 1);
	assert_int_equal(vfuc_cfg_read32(x->c, pos + PCI_MSIX_TABLE), 0x0000u | 3);
	assert_int_equal(vfuc_cfg_read32(x->c, pos + PCI_MSIX_PBA), 0x8000u | 3);
	assert_true(find_cap(x->c, PCI_CAP_ID_PM));
	pos = find_cap(x->c, PCI_CAP_ID_EXP);
	assert_true(pos);
	assert_int_equal((vfuc_cfg_read16(x->c, pos + PCI_EXP_FLAGS) >> 4) & 0xf, PCI_EXP_TYPE_ENDPOINT);
	assert_null(find_cap(x->c, PCI_CAP_ID_MSI) ? "MSI" : NULL);

	/* Extended space: the DSN, EUI-64 from the MAC. */
	v = vfuc_cfg_read32(x->c, 0x100);
	assert_int_equal(v & 0xffff, PCI_EXT_CAP_ID_DSN);
	assert_int_equal((v >> 16) & 0xf, 1);
	assert_int_equal(vfuc_cfg_read32(x->c, 0x104), 0xfee81042u);
	assert_int_equal(vfuc_cfg_read32(x->c, 0x108), 0x525400ffu);
}

static void test_registers_before_the_aq(void **state)
{
	struct ctx *x = *state;
	struct drv *d = &x->d;

	guest_enable(x);
	assert_int_equal(drv_rd(d, E810_PF_FUNC_RID) & E810_PF_FUNC_RID_FUNC_NUM_M, 0);
	assert_int_equal(drv_rd(d, E810_GLGEN_RSTAT) & E810_GLGEN_RSTAT_DEVSTATE_M, 0);
	assert_int_equal(drv_rd(d, E810_GLNVM_ULD) & E810_GLNVM_ULD_ALL_DONE, E810_GLNVM_ULD_ALL_DONE);
	assert_true(drv_rd(d, E810_GLGEN_RSTCTL) & E810_GLGEN_RSTCTL_GRSTDEL_M);
	assert_int_equal((drv_rd(d, E810_GLNVM_GENS) & E810_GLNVM_GENS_SR_SIZE_M) >>
			 E810_GLNVM_GENS_SR_SIZE_S, 5);
	assert_true(drv_rd(d, E810_GLNVM_FLA) & E810_GLNVM_FLA_LOCKED);
	assert_int_equal(drv_rd(d, E810_GL_MNG_FWSM), 0);
	assert_int_equal(drv_rd(d, E810_GLPCI_CNF2) & E810_GLPCI_CNF2_CACHELINE_SIZE, 0);
	/* Plain storage elsewhere; never-written registers read 0. */
	assert_int_equal(drv_rd(d, 0x00380000u), 0);
	drv_wr(d, E810_PFPM_WUS, 0xffffffffu);
	drv_wr(d, E810_GLINT_ITR(0, 0), 0x1e);
	assert_int_equal(drv_rd(d, E810_GLINT_ITR(0, 0)), 0x1e);
	/* An RX queue without a context does not start: QENA_STAT stays clear. */
	drv_wr(d, E810_QRX_CTRL(3), E810_QRX_CTRL_QENA_REQ);
	assert_false(drv_rd(d, E810_QRX_CTRL(3)) & E810_QRX_CTRL_QENA_STAT);
	assert_int_equal(srv_counter(x->s, "rxq_enable_bad"), 1);
	/* PF reset: self-clearing, and it takes the stored registers with it. */
	drv_wr(d, E810_PFGEN_CTRL, E810_PFGEN_CTRL_PFSWR);
	assert_int_equal(drv_rd(d, E810_PFGEN_CTRL) & E810_PFGEN_CTRL_PFSWR, 0);
	assert_int_equal(drv_rd(d, E810_GLINT_ITR(0, 0)), 0);
	assert_int_equal(srv_counter(x->s, "pf_resets"), 1);
	/* BAR0's last dword is reachable; 8-byte reads are two dwords. */
	assert_int_equal(drv_rd(d, (128u << 20) - 4), 0);
	{
		uint64_t q = ~0ull;

		assert_int_equal(vfuc_region_read(x->c, VFU_PCI_BAR0, 0x00380000u, &q, 8), 0);
		assert_int_equal(q, 0);
	}
}

static void test_probe_61(void **state)
{
	struct ctx *x = *state;
	struct drv *d = &x->d;
	struct probe pr;

	guest_enable(x);
	drv_wr(d, E810_PFGEN_CTRL, E810_PFGEN_CTRL_PFSWR);
	assert_int_equal(drv_rd(d, E810_PFGEN_CTRL), 0);
	probe_61(d, &pr, &x->acfg);
	assert_int_equal(srv_counter(x->s, "aq_unknown"), 0);
	assert_int_equal(srv_counter(x->s, "aq_desc_dma"), 0);
	assert_true(srv_counter(x->s, "aq_cmds") > 100);

	/*
	 * PF reset in the middle (ice_reset(PFR) as in the driver's rebuild):
	 * the queues are gone, registers zero; a new probe works from scratch.
	 */
	drv_wr(d, E810_PFGEN_CTRL, E810_PFGEN_CTRL_PFSWR);
	assert_int_equal(drv_rd(d, E810_PFGEN_CTRL), 0);
	assert_int_equal(drv_rd(d, E810_PF_FW_ATQLEN), 0);
	assert_int_equal(drv_rd(d, E810_PF_FW_ARQBAL), 0);
	assert_int_equal(drv_rd(d, E810_PF_FW_ATQH), 0);
	probe_61(d, &pr, &x->acfg);
	assert_int_equal(srv_counter(x->s, "pf_resets"), 2);
	assert_int_equal(srv_counter(x->s, "aq_unknown"), 0);
}

static void test_dma_needs_bus_master(void **state)
{
	struct ctx *x = *state;
	struct drv *d = &x->d;
	uint8_t desc[32] = { 0 };

	guest_enable(x);
	drv_queues_up(d, 8);
	assert_int_equal(vfuc_cfg_write16(x->c, PCI_COMMAND, PCI_COMMAND_MEMORY), 0);
	p16(desc + AQD_OPCODE, AQC_GET_VER);
	p16(desc + AQD_FLAGS, AQ_FLAG_SI);
	drv_post_raw(d, desc);
	/* The descriptor could not be read: the queue stops as a dead firmware's would. */
	assert_true(drv_rd(d, E810_PF_FW_ATQLEN) & E810_AQLEN_CRIT);
	assert_int_equal(drv_rd(d, E810_PF_FW_ATQH), 0);
	assert_int_equal(g16(drv_atq_desc(d, 0) + AQD_FLAGS) & AQ_FLAG_DD, 0);
	assert_true(srv_counter(x->s, "aq_desc_dma") >= 1);
}

static void arm_fw_irq(struct ctx *x, unsigned vec)
{
	/* ice_ena_ctrlq_interrupts, then ice_irq_dynamic_ena on the misc vector. */
	drv_wr(&x->d, E810_PFINT_FW_CTL, vec | E810_INT_CTL_CAUSE_ENA);
	drv_wr(&x->d, E810_PFINT_OICR_CTL, vec | E810_INT_CTL_CAUSE_ENA);
	drv_wr(&x->d, E810_GLINT_DYN_CTL(vec),
	       E810_GLINT_DYN_CTL_INTENA | E810_GLINT_DYN_CTL_CLEARPBA |
	       3u << E810_GLINT_DYN_CTL_ITR_INDX_S);
}

static void drain(struct ctx *x, unsigned vec)
{
	while (vfuc_irq_wait(x->c, VFU_IRQ_MSIX, vec, 0) > 0)
		;
}

static void test_link_event_irq(void **state)
{
	struct ctx *x = *state;
	struct drv *d = &x->d;
	uint8_t data[DRV_BUF];
	uint16_t opc = 0, len = 0;
	const unsigned vec = 0;

	guest_enable(x);
	drv_queues_up(d, 16);
	arm_fw_irq(x, vec);
	drv_enable_lse(d);
	drain(x, vec);

	/* The peer's carrier goes: an ARQ event, the FW vector fires. */
	srv_peer_link(x->s, false);
	assert_true(vfuc_irq_wait(x->c, VFU_IRQ_MSIX, vec, TMO) > 0);
	assert_int_equal(drv_event(d, &opc, data, &len, NULL), 0);
	assert_int_equal(opc, E810_AQ_EV_LINK_STATUS);
	assert_true(len >= 1);
	assert_int_equal(data[LSD_LINK_INFO] & LI_LINK_UP, 0);
	assert_int_equal(drv_event(d, NULL, NULL, NULL, NULL), -1);

	/* The vector auto-masked: the next event waits for INTENA. */
	srv_peer_link(x->s, true);
	assert_int_equal(vfuc_irq_wait(x->c, VFU_IRQ_MSIX, vec, 200), 0);
	assert_true(srv_counter(x->s, "irq_deferred") >= 1);
	drv_wr(d, E810_GLINT_DYN_CTL(vec), E810_GLINT_DYN_CTL_INTENA | E810_GLINT_DYN_CTL_CLEARPBA);
	assert_true(vfuc_irq_wait(x->c, VFU_IRQ_MSIX, vec, TMO) > 0);
	assert_int_equal(drv_event(d, &opc, data, &len, NULL), 0);
	assert_int_equal(opc, E810_AQ_EV_LINK_STATUS);
	assert_true(data[LSD_LINK_INFO] & LI_LINK_UP);

	/* SWINT_TRIG fires the vector now; no other vector ever fired. */
	drv_wr(d, E810_GLINT_DYN_CTL(vec), E810_GLINT_DYN_CTL_INTENA | E810_GLINT_DYN_CTL_SWINT_TRIG);
	assert_true(vfuc_irq_wait(x->c, VFU_IRQ_MSIX, vec, TMO) > 0);
	for (unsigned v = 1; v < NVEC; v++)
		assert_int_equal(vfuc_irq_wait(x->c, VFU_IRQ_MSIX, v, 0), 0);
	assert_int_equal(srv_counter(x->s, "arq_no_desc"), 0);
}

static void test_fw_cause_routing(void **state)
{
	struct ctx *x = *state;
	struct drv *d = &x->d;
	const unsigned vec = 2;

	guest_enable(x);
	drv_queues_up(d, 16);
	/* The FW cause disabled: the event is posted, no interrupt. */
	drv_enable_lse(d);
	drain(x, 0);
	srv_peer_link(x->s, false);
	assert_int_equal(drv_event(d, NULL, NULL, NULL, NULL), 0);
	assert_int_equal(vfuc_irq_wait(x->c, VFU_IRQ_MSIX, 0, 100), 0);
	assert_true(srv_counter(x->s, "fw_cause_off") >= 1);

	/* Routed to vector 2 while MSI-X is off: held until it is enabled. */
	drv_wr(d, E810_PFINT_FW_CTL, vec | E810_INT_CTL_CAUSE_ENA);
	drv_wr(d, E810_GLINT_DYN_CTL(vec), E810_GLINT_DYN_CTL_INTENA);
	{
		unsigned msix = find_cap(x->c, PCI_CAP_ID_MSIX);

		assert_int_equal(vfuc_cfg_write16(x->c, msix + PCI_MSIX_FLAGS, NVEC - 1), 0);
		srv_peer_link(x->s, true);
		assert_int_equal(vfuc_irq_wait(x->c, VFU_IRQ_MSIX, vec, 100), 0);
		assert_int_equal(vfuc_cfg_write16(x->c, msix + PCI_MSIX_FLAGS,
						  (uint16_t)(PCI_MSIX_FLAGS_ENABLE | (NVEC - 1))), 0);
	}
	assert_true(vfuc_irq_wait(x->c, VFU_IRQ_MSIX, vec, TMO) > 0);
	assert_int_equal(drv_event(d, NULL, NULL, NULL, NULL), 0);
}

/* ---- LAN queues ---------------------------------------------------------------- */

/* Guest RAM of the LAN tests, inside the driver's scratch area (128 KiB). */
#define LAN_TXQ_RING DRV_SCRATCH             /* add_txq: queue q at + 4 KiB * q, 256 entries */
#define LAN_TX_BUFS (DRV_SCRATCH + 0x4000u)  /* 256 bytes each */
#define LAN_RXQ_RING (DRV_SCRATCH + 0x8000u) /* 32 descriptors of 32 bytes */
#define LAN_RX_BUFS (DRV_SCRATCH + 0x10000u) /* 32 buffers of 2 KiB */
#define LAN_RX_QLEN 32u
#define LAN_RX_DBUF 2048u
#define LAN_VEC 1u

static void set_bits(uint32_t *dw, unsigned lsb, unsigned width, uint64_t v)
{
	for (unsigned i = 0; i < width; i++) {
		unsigned b = lsb + i;

		dw[b / 32] = (dw[b / 32] & ~(1u << (b % 32))) | (uint32_t)((v >> i) & 1u) << (b % 32);
	}
}

/* An RX context as ice_setup_rx_ctx writes it, dword by dword into QRX_CONTEXT. */
static void rx_ctx_write(struct drv *d, unsigned q, uint64_t ring, unsigned qlen)
{
	uint32_t dw[8] = { 0 };

	set_bits(dw, E810_RCTX_BASE, ring >> 7);
	set_bits(dw, E810_RCTX_QLEN, qlen);
	set_bits(dw, E810_RCTX_DBUF, LAN_RX_DBUF / 128);
	set_bits(dw, E810_RCTX_DSIZE, 1);
	set_bits(dw, E810_RCTX_CRCSTRIP, 1);
	set_bits(dw, E810_RCTX_L2TSEL, 1);
	set_bits(dw, E810_RCTX_RXMAX, 1522);
	set_bits(dw, E810_RCTX_LRXQTHRESH, 1);
	set_bits(dw, E810_RCTX_PREFENA, 1);
	for (unsigned i = 0; i < 8; i++)
		drv_wr(d, E810_QRX_CONTEXT(i, q), dw[i]);
}

static void frame(uint8_t *f, unsigned len, uint8_t seed)
{
	static const uint8_t src[6] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x99 };

	memcpy(f, MAC, 6);
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

static uint16_t srv_inject(struct srv *s, uint16_t queue, unsigned n, unsigned len)
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
static uint32_t srv_space(struct srv *s, uint16_t queue)
{
	struct space_arg a = { s, queue, 0 };

	srv_call(s, space_cb, &a);
	return a.room;
}

/*
 * After the probe: TX queue 0 through add_txqs, RX queue 0 from its context,
 * both on LAN_VEC. Returns the TX queue's parent (the VSI's queue group node).
 */
static uint32_t lan_up(struct ctx *x)
{
	struct drv *d = &x->d;
	struct probe pr;
	uint32_t teid;

	guest_enable(x);
	drv_wr(d, E810_PFGEN_CTRL, E810_PFGEN_CTRL_PFSWR);
	probe_61(d, &pr, &x->acfg);
	assert_int_equal(add_txq(d, pr.vsi_nodes[5], 0, pr.vsi, &teid), 0);
	assert_int_equal(srv_counter(x->s, "txq_on"), 1);

	drv_wr(d, E810_QINT_TQCTL(0), LAN_VEC | E810_INT_CTL_CAUSE_ENA);
	drv_wr(d, E810_QINT_RQCTL(0), LAN_VEC | E810_INT_CTL_CAUSE_ENA);
	drv_wr(d, E810_GLINT_DYN_CTL(LAN_VEC), E810_GLINT_DYN_CTL_INTENA);

	/* ice_setup_rx_ctx, ice_alloc_rx_bufs (the tail before the enable), QENA_REQ. */
	rx_ctx_write(d, 0, gpa_of(LAN_RXQ_RING), LAN_RX_QLEN);
	for (unsigned i = 0; i < LAN_RX_QLEN; i++) {
		uint8_t *rd = gpa_ptr(d, gpa_of(LAN_RXQ_RING) + 32u * i, 32);

		memset(rd, 0, 32);
		p64(rd, gpa_of(LAN_RX_BUFS) + (uint64_t)LAN_RX_DBUF * i);
	}
	drv_wr(d, E810_QRX_TAIL(0), LAN_RX_QLEN - 8);
	assert_false(drv_rd(d, E810_QRX_CTRL(0)) & E810_QRX_CTRL_QENA_STAT);
	drv_wr(d, E810_QRX_CTRL(0), E810_QRX_CTRL_QENA_REQ);
	assert_true(drv_rd(d, E810_QRX_CTRL(0)) & E810_QRX_CTRL_QENA_STAT);
	assert_int_equal(srv_counter(x->s, "rxq_on"), 1);
	drain(x, LAN_VEC);
	return pr.vsi_nodes[5];
}

/* A data descriptor: one buffer, a whole frame (EOP), done write-back asked (RS). */
static void tx_desc(struct drv *d, unsigned i, uint64_t buf, unsigned len)
{
	uint8_t *td = gpa_ptr(d, gpa_of(LAN_TXQ_RING) + 16u * i, 16);
	uint64_t q1 = (uint64_t)(E810_TXD_CMD_EOP | E810_TXD_CMD_RS) << E810_TXD_CMD_S |
		      (uint64_t)len << E810_TXD_BSZ_S;

	p64(td, buf);
	p64(td + 8, q1);
}

static void test_lan_tx(void **state)
{
	struct ctx *x = *state;
	struct drv *d = &x->d;
	uint32_t qgrp = lan_up(x);

	for (unsigned i = 0; i < 3; i++) {
		uint64_t buf = gpa_of(LAN_TX_BUFS) + 256u * i;

		frame(gpa_ptr(d, buf, 60 + 10 * i), 60 + 10 * i, (uint8_t)(0x10 * i));
		tx_desc(d, i, buf, 60 + 10 * i);
	}
	/* The doorbell walks the ring: the frames are at the peer when the write returns. */
	drv_wr(d, E810_QTX_COMM_DBELL(0), 3);
	assert_int_equal(x->s->peer_rx, 3);
	assert_int_equal(x->s->peer_last_len, 80);
	{
		uint8_t want[80];

		frame(want, 80, 0x20);
		assert_memory_equal(x->s->peer_last, want, 80);
	}
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(gpa_ptr(d, gpa_of(LAN_TXQ_RING) + 16u * i, 16)[E810_TXD_WB_BYTE] &
				 E810_TXD_DTYPE_M, E810_TXD_DTYPE_DONE);
	assert_int_equal(drv_rd(d, E810_QTX_COMM_HEAD(0)), 3);
	assert_true(vfuc_irq_wait(x->c, VFU_IRQ_MSIX, LAN_VEC, TMO) > 0);
	assert_int_equal(srv_counter(x->s, "tx_pkts"), 3);

	/* The vector auto-masked: the next completion waits for INTENA. */
	tx_desc(d, 3, gpa_of(LAN_TX_BUFS), 60);
	drv_wr(d, E810_QTX_COMM_DBELL(0), 4);
	assert_int_equal(x->s->peer_rx, 4);
	assert_int_equal(vfuc_irq_wait(x->c, VFU_IRQ_MSIX, LAN_VEC, 100), 0);
	drv_wr(d, E810_GLINT_DYN_CTL(LAN_VEC), E810_GLINT_DYN_CTL_INTENA);
	assert_true(vfuc_irq_wait(x->c, VFU_IRQ_MSIX, LAN_VEC, TMO) > 0);

	/* dis_txqs stops the queue: doorbells are ignored. */
	assert_int_equal(dis_txq(d, qgrp, 0), 0);
	assert_int_equal(srv_counter(x->s, "txq_on"), 0);
	tx_desc(d, 4, gpa_of(LAN_TX_BUFS), 60);
	drv_wr(d, E810_QTX_COMM_DBELL(0), 5);
	assert_int_equal(x->s->peer_rx, 4);
}

static void test_lan_rx(void **state)
{
	struct ctx *x = *state;
	struct drv *d = &x->d;
	uint64_t wakes;

	lan_up(x);
	assert_int_equal(srv_inject(x->s, NET_QUEUE_ANY, 3, 100), 3);
	for (unsigned i = 0; i < 3; i++) {
		const uint8_t *rd = gpa_ptr(d, gpa_of(LAN_RXQ_RING) + 32u * i, 32);
		uint8_t want[100];

		assert_true(g16(rd + E810_RXD_WB_STATUS0) & E810_RXD_S0_DD);
		assert_true(g16(rd + E810_RXD_WB_STATUS0) & E810_RXD_S0_EOF);
		assert_int_equal(g16(rd + E810_RXD_WB_PKT_LEN) & E810_RXD_PKT_LEN_M, 100);
		frame(want, 100, (uint8_t)i);
		assert_memory_equal(gpa_ptr(d, gpa_of(LAN_RX_BUFS) + (uint64_t)LAN_RX_DBUF * i, 100),
				    want, 100);
	}
	assert_int_equal(g16(gpa_ptr(d, gpa_of(LAN_RXQ_RING) + 32u * 3, 32) + E810_RXD_WB_STATUS0) &
			 E810_RXD_S0_DD, 0);
	assert_true(vfuc_irq_wait(x->c, VFU_IRQ_MSIX, LAN_VEC, TMO) > 0);
	assert_int_equal(srv_counter(x->s, "rx_pkts"), 3);

	/* The ring fills (24 buffers given): the rest is dropped and counted. */
	assert_int_equal(srv_inject(x->s, NET_QUEUE_ANY, 8, 100), 8);
	assert_int_equal(srv_inject(x->s, NET_QUEUE_ANY, 8, 100), 8);
	assert_int_equal(srv_inject(x->s, NET_QUEUE_ANY, 8, 100), 5);
	assert_int_equal(srv_counter(x->s, "rx_pkts"), 24);
	assert_int_equal(srv_counter(x->s, "rx_drop_nodesc"), 3);
	/* The statistics registers, trapped: the same counts (8-byte reads too). */
	{
		uint64_t q = 0;

		assert_int_equal(stat_trapped(x, GLPRT_UPRCL0), 24);
		assert_int_equal(stat_trapped(x, GLPRT_GORCL0), srv_counter(x->s, "rx_bytes"));
		assert_int_equal(vfuc_region_read(x->c, VFU_PCI_BAR0, GLPRT_UPRCL0, &q, 8), 0);
		assert_int_equal(q, 24);
		assert_int_equal(bar0_rd(x, PRTRPB_RDPC), 3);
		assert_true(srv_counter(x->s, "stats_reads") >= 5);
	}

	/* No room: the peer is woken when the driver gives buffers back (the last 8, wrapping). */
	wakes = x->s->peer_wakes;
	assert_int_equal(srv_space(x->s, NET_QUEUE_ANY), 0);
	drv_wr(d, E810_QRX_TAIL(0), 0);
	assert_int_equal(x->s->peer_wakes, wakes + 1);
	assert_int_equal(srv_space(x->s, NET_QUEUE_ANY), 8);
	assert_int_equal(srv_inject(x->s, NET_QUEUE_ANY, 8, 100), 8);
	assert_true(g16(gpa_ptr(d, gpa_of(LAN_RXQ_RING) + 32u * 31, 32) + E810_RXD_WB_STATUS0) &
		    E810_RXD_S0_DD);

	/* PF reset: the queue is off, frames are dropped before the ring. */
	drv_wr(d, E810_PFGEN_CTRL, E810_PFGEN_CTRL_PFSWR);
	assert_false(drv_rd(d, E810_QRX_CTRL(0)) & E810_QRX_CTRL_QENA_STAT);
	assert_int_equal(srv_counter(x->s, "rxq_on"), 0);
	assert_int_equal(srv_counter(x->s, "txq_on"), 0);
	assert_int_equal(srv_inject(x->s, NET_QUEUE_ANY, 2, 100), 0);
	assert_int_equal(srv_counter(x->s, "rx_dropped"), 2);
}

static void test_lan_hostile(void **state)
{
	struct ctx *x = *state;
	struct drv *d = &x->d;

	lan_up(x);
	/* A TX doorbell beyond the 256-entry ring: ignored, counted. */
	drv_wr(d, E810_QTX_COMM_DBELL(0), 300);
	drv_wr(d, E810_QTX_COMM_DBELL(0), 0xffffffffu);
	assert_int_equal(x->s->peer_rx, 0);
	assert_int_equal(srv_counter(x->s, "tx_tail_oor"), 2);
	/* A doorbell for a queue add_txqs never made: nothing runs. */
	drv_wr(d, E810_QTX_COMM_DBELL(1), 8);
	assert_int_equal(x->s->peer_rx, 0);

	/* RX queue 1's ring outside guest RAM: the frames are lost, counted. */
	rx_ctx_write(d, 1, 0x40000000ull, LAN_RX_QLEN);
	drv_wr(d, E810_QRX_TAIL(1), 8);
	drv_wr(d, E810_QRX_CTRL(1), E810_QRX_CTRL_QENA_REQ);
	assert_true(drv_rd(d, E810_QRX_CTRL(1)) & E810_QRX_CTRL_QENA_STAT);
	assert_int_equal(srv_inject(x->s, 1, 2, 100), 0);
	assert_true(srv_counter(x->s, "rx_desc_dma") >= 1);
	/* An RX tail outside the ring is ignored. */
	drv_wr(d, E810_QRX_TAIL(0), 4096);
	assert_int_equal(srv_counter(x->s, "rx_tail_oor"), 1);
	/* A context the queue refuses (no data buffer size): QENA_STAT stays clear. */
	for (unsigned i = 0; i < 8; i++)
		drv_wr(d, E810_QRX_CONTEXT(i, 2), 0);
	drv_wr(d, E810_QRX_CTRL(2), E810_QRX_CTRL_QENA_REQ);
	assert_false(drv_rd(d, E810_QRX_CTRL(2)) & E810_QRX_CTRL_QENA_STAT);
	/* Queue 0 still works. */
	assert_int_equal(srv_inject(x->s, 0, 1, 100), 1);
	assert_true(vfuc_irq_wait(x->c, VFU_IRQ_MSIX, LAN_VEC, TMO) > 0);
}

static void test_queues_option(void **state)
{
	struct srv *s = srv_start(1);
	struct vfuc *c = vfuc_connect(s->sock, TMO);
	unsigned pos;

	(void)state;
	assert_non_null(c);
	assert_int_equal(vfuc_negotiate(c, NULL), 0);
	pos = find_cap(c, PCI_CAP_ID_MSIX);
	assert_int_equal(vfuc_cfg_read16(c, pos + PCI_MSIX_FLAGS) & PCI_MSIX_FLAGS_QSIZE, 1);
	vfuc_close(c);
	srv_stop(s);

	{
		const struct dev_model *m = dev_model_find("e810-emu");
		struct dev_config cfg = { .name = "x", .socket_path = "/nonexistent/x", .queues = 17 };
		struct loop *l = loop_create();
		char err[128] = "";

		cfg.loop = l;
		memcpy(cfg.mac, MAC, 6);
		assert_null(m->create(&cfg, err, sizeof(err)));
		assert_non_null(strstr(err, "1..16"));
		assert_int_equal(m->max_queues, 16);
		loop_destroy(l);
	}
}

/* Waits until the device's counter reaches at least want; returns its value. */
static long long wait_counter(struct srv *s, const char *name, long long want)
{
	long long v = srv_counter(s, name);

	for (int i = 0; i < TMO && v < want; i++) {
		usleep(1000);
		v = srv_counter(s, name);
	}
	return v;
}

static uint64_t requests(struct ctx *x)
{
	return vfuc_get_stats(x->c)->requests;
}

/*
 * --doorbell poll: the three doorbell pages mapped, TX and RX doorbells and
 * DYN_CTL rung by plain stores: frames move and the vector fires without a
 * vfio-user message for them.
 */
static void test_lan_poll(void **state)
{
	struct ctx *x = *state;
	struct drv *d = &x->d;
	uint64_t req;
	long long oor;

	map_doorbells(x);
	/* The harness's trapped writes of the tail and DYN_CTL land on the pages. */
	lan_up(x);
	assert_true(srv_counter(x->s, "db_page_traps") >= 2);
	assert_true(srv_counter(x->s, "db_rx") >= 1);

	req = requests(x);
	for (unsigned i = 0; i < 3; i++) {
		uint64_t buf = gpa_of(LAN_TX_BUFS) + 256u * i;

		frame(gpa_ptr(d, buf, 60 + 10 * i), 60 + 10 * i, (uint8_t)(0x10 * i));
		tx_desc(d, i, buf, 60 + 10 * i);
	}
	db_st(x, 1, 0, 3);
	assert_int_equal(wait_counter(x->s, "tx_pkts", 3), 3);
	assert_true(vfuc_irq_wait(x->c, VFU_IRQ_MSIX, LAN_VEC, TMO) > 0);
	assert_int_equal(x->s->peer_rx, 3);

	/* Auto-masked; INTENA by a store brings the held cause. */
	tx_desc(d, 3, gpa_of(LAN_TX_BUFS), 60);
	db_st(x, 1, 0, 4);
	assert_int_equal(wait_counter(x->s, "tx_pkts", 4), 4);
	assert_int_equal(vfuc_irq_wait(x->c, VFU_IRQ_MSIX, LAN_VEC, 100), 0);
	db_st(x, 2, LAN_VEC, E810_GLINT_DYN_CTL_INTENA | E810_GLINT_DYN_CTL_CLEARPBA);
	assert_true(vfuc_irq_wait(x->c, VFU_IRQ_MSIX, LAN_VEC, TMO) > 0);
	/* The same command again is a new command: the page was set back when the first was taken. */
	for (int i = 0; i < TMO && !(x->db[2][LAN_VEC] & E810_GLINT_DYN_CTL_INTENA_MSK); i++)
		usleep(1000);
	assert_true(x->db[2][LAN_VEC] & E810_GLINT_DYN_CTL_INTENA_MSK);
	tx_desc(d, 4, gpa_of(LAN_TX_BUFS), 60);
	db_st(x, 1, 0, 5);
	assert_int_equal(wait_counter(x->s, "tx_pkts", 5), 5);
	assert_int_equal(vfuc_irq_wait(x->c, VFU_IRQ_MSIX, LAN_VEC, 100), 0);
	db_st(x, 2, LAN_VEC, E810_GLINT_DYN_CTL_INTENA | E810_GLINT_DYN_CTL_CLEARPBA);
	assert_true(vfuc_irq_wait(x->c, VFU_IRQ_MSIX, LAN_VEC, TMO) > 0);
	/* SWINT_TRIG (with INTENA) fires the vector by itself. */
	db_st(x, 2, LAN_VEC, E810_GLINT_DYN_CTL_INTENA | E810_GLINT_DYN_CTL_SWINT_TRIG);
	assert_true(vfuc_irq_wait(x->c, VFU_IRQ_MSIX, LAN_VEC, TMO) > 0);

	/* RX: frames into the posted buffers; the tail by a store gives more back. */
	assert_int_equal(srv_inject(x->s, NET_QUEUE_ANY, 8, 100), 8);
	assert_int_equal(srv_counter(x->s, "rx_pkts"), 8);
	db_st(x, 2, LAN_VEC, E810_GLINT_DYN_CTL_INTENA);
	assert_true(vfuc_irq_wait(x->c, VFU_IRQ_MSIX, LAN_VEC, TMO) > 0);
	assert_int_equal(srv_inject(x->s, NET_QUEUE_ANY, 8, 100), 8);
	assert_int_equal(srv_inject(x->s, NET_QUEUE_ANY, 8, 100), 8);
	assert_int_equal(srv_space(x->s, NET_QUEUE_ANY), 0);
	db_st(x, 0, 0, 8); /* the first 8 buffers back, past the wrap */
	for (int i = 0; i < TMO && srv_space(x->s, NET_QUEUE_ANY) < 16; i++)
		usleep(1000);
	assert_int_equal(srv_space(x->s, NET_QUEUE_ANY), 16);
	assert_int_equal(srv_inject(x->s, NET_QUEUE_ANY, 8, 100), 8);
	assert_int_equal(srv_inject(x->s, NET_QUEUE_ANY, 8, 100), 8);
	assert_int_equal(srv_counter(x->s, "rx_pkts"), 40);

	/* Hostile values on the pages: counted once each, never followed. */
	oor = srv_counter(x->s, "tx_tail_oor");
	db_st(x, 1, 0, 0xffffu);
	assert_int_equal(wait_counter(x->s, "tx_tail_oor", oor + 1), oor + 1);
	usleep(20000);
	assert_int_equal(srv_counter(x->s, "tx_tail_oor"), oor + 1);
	assert_int_equal(srv_counter(x->s, "tx_pkts"), 5);
	oor = srv_counter(x->s, "rx_tail_oor");
	db_st(x, 0, 0, 0x1ff8u);
	assert_int_equal(wait_counter(x->s, "rx_tail_oor", oor + 1), oor + 1);
	usleep(20000);
	assert_int_equal(srv_counter(x->s, "rx_tail_oor"), oor + 1);
	/* Beyond the queues and vectors: ignored. */
	db_st(x, 1, 100, 1);
	db_st(x, 2, 1000, 0xffffffffu);
	usleep(20000);
	assert_int_equal(srv_counter(x->s, "tx_pkts"), 5);

	/*
	 * The port's statistics in the shared block, refreshed by the device's
	 * thread (every 10 ms while it polls): 5 frames sent (60, 70, 80, 60
	 * and 60 bytes: three of 64 with the FCS), 40 received.
	 */
	for (int i = 0; i < TMO && stat_mapped(x, GLPRT_UPRCL0) != 40; i++)
		usleep(1000);
	assert_int_equal(stat_mapped(x, GLPRT_UPRCL0), 40);
	assert_int_equal(stat_mapped(x, GLPRT_UPTCL0), 5);
	assert_int_equal(stat_mapped(x, GLPRT_GOTCL0), 60 + 70 + 80 + 60 + 60);
	assert_int_equal(stat_mapped(x, GLPRT_PTC64L0), 3);
	assert_int_equal(stat_mapped(x, GLPRT_GORCL0), srv_counter(x->s, "rx_bytes"));

	/* None of it was a vfio-user message. */
	assert_int_equal(requests(x), req);
	assert_true(srv_counter(x->s, "db_tx") >= 3);
	assert_true(srv_counter(x->s, "db_dyn") >= 4);
	assert_int_equal(srv_counter(x->s, "db_hook_err"), 0);

	/* A PF reset sets the pages back: a read of a doorbell page gives 0. */
	drv_wr(d, E810_PFGEN_CTRL, E810_PFGEN_CTRL_PFSWR);
	assert_int_equal(x->db[1][0], 0);
	assert_int_equal(x->db[0][0], 0);
}

/* Trapped: BAR0 offers nothing to map. */
static void test_trap_offers_no_pages(void **state)
{
	struct ctx *x = *state;
	struct vfu_region_info ri;
	int fd = -1;

	assert_int_equal(vfuc_region_info(x->c, VFU_PCI_BAR0, &ri, NULL, 0, &fd), 0);
	assert_false(ri.flags & VFU_REGION_F_MMAP);
	assert_int_equal(fd, -1);
	assert_int_equal(srv_counter(x->s, "db_page_traps"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_identity, setup, teardown),
		cmocka_unit_test_setup_teardown(test_registers_before_the_aq, setup, teardown),
		cmocka_unit_test_setup_teardown(test_probe_61, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dma_needs_bus_master, setup, teardown),
		cmocka_unit_test_setup_teardown(test_link_event_irq, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fw_cause_routing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lan_tx, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lan_rx, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lan_hostile, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lan_poll, setup_poll, teardown),
		cmocka_unit_test_setup_teardown(test_trap_offers_no_pages, setup, teardown),
		cmocka_unit_test(test_queues_option),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
