// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * e810-emu through vfio-user: an in-process device (its loop in a thread, its
 * port wired to a test peer) and the in-tree client playing QEMU and the
 * guest. Config space identity, BARs and capabilities as a guest enumerates
 * them; the ice 6.1 safe-mode probe's admin queue sequence (the unit tests'
 * driver, tests/unit/dev/e810, with its registers on BAR0 and its memory a
 * memfd the device maps); a PF reset in the middle; a link change of the
 * peer arriving as an ARQ event that fires the FW cause's MSI-X vector.
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

	s->peer_rx += n;
	pkt_free_bulk(pkts, n);
	return n;
}

static const struct net_port_ops peer_ops = { .deliver = peer_deliver };

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
};

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

static int teardown(void **state)
{
	struct ctx *x = *state;

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_identity, setup, teardown),
		cmocka_unit_test_setup_teardown(test_registers_before_the_aq, setup, teardown),
		cmocka_unit_test_setup_teardown(test_probe_61, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dma_needs_bus_master, setup, teardown),
		cmocka_unit_test_setup_teardown(test_link_event_irq, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fw_cause_routing, setup, teardown),
		cmocka_unit_test(test_queues_option),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
