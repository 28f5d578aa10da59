// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * e810-emu: an Intel E810-C (8086:1592) PCI function that Linux's ice driver
 * probes in safe mode (no DDP package): identity, BAR0 (128 MiB, trapped;
 * a sparse register file behind it), MSI-X in BAR3, PCIe, PM and a DSN
 * extended capability; the registers probe relies on (reset status, PF
 * reset, NVM and firmware state, interrupt causes and vectors); the admin
 * queue engine (aq.h) behind the PF_FW_* registers, its DMA through the PCI
 * layer; link status from the port's peer, as events on the ARQ raising the
 * FW cause's MSI-X vector.
 *
 * The LAN queues (lan.h), one RX and one TX queue per queue pair: RX
 * contexts from QRX_CONTEXT, enabled by QRX_CTRL.QENA_REQ, buffers up to
 * QRX_TAIL; TX queues as add_txqs left them in the admin queue engine's
 * state, walked on QTX_COMM_DBELL within a budget (the rest from the loop).
 * Queue causes (QINT_RQCTL/QINT_TQCTL) raise their vector once descriptors
 * were written back, throttled by the cause's ITR (GLINT_ITR, set directly
 * or by a GLINT_DYN_CTL re-arm) and the vector's INTRL (GLINT_RATE): a cause
 * within the interval since the vector last fired is held and fires when it
 * ends (irq.c). MSI-X only.
 *
 * This file holds the instance, the admin queue glue, resets, the PCI
 * callbacks, lifecycle and statistics; the registers are in regs.c, the
 * vectors and causes in irq.c, the queue pairs and the port in queues.c, the
 * doorbell pages in doorbell.c (their shared state in model_priv.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "core/log.h"
#include "core/loop.h"
#include "dev/e810/e810_regs.h"
#include "dev/e810/flex.h"
#include "dev/e810/model_priv.h"
#include "net/flow.h"
#include "net/pkt.h"
#include "pci/pci.h"

#define COMP "e810"

#define E810_POOL_PKTS 256u

extern const struct dev_model e810_model;

/* ==== admin queue glue ============================================================== */

static int aq_dma_read(void *opaque, uint64_t gpa, void *dst, size_t len)
{
	struct e810 *e = opaque;

	return pci_dma_read(e->pci, gpa, dst, len);
}

static int aq_dma_write(void *opaque, uint64_t gpa, const void *src, size_t len)
{
	struct e810 *e = opaque;

	return pci_dma_write(e->pci, gpa, src, len);
}

static void aq_notify(void *opaque)
{
	struct e810 *e = opaque;

	/* The FW (admin queue) cause; no PFINT_OICR bit stands for it. */
	if (!e810_cause_fire(e, E810_PFINT_FW_CTL))
		e->cnt.fw_cause_off++;
}

static const struct e810_aq_dma_ops aq_ops = {
	.read = aq_dma_read,
	.write = aq_dma_write,
	.arq_notify = aq_notify,
};

void e810_link_sync(struct e810 *e)
{
	net_port_set_link(&e->port, e810_aq_link_up(e->aq));
}

static bool tx_pending(const struct e810 *e)
{
	for (unsigned q = 0; q < e->nq; q++)
		if (e->qp[q].tx_more)
			return true;
	return false;
}

void e810_kick_arm(struct e810 *e)
{
	uint64_t one = 1;

	if (e->kick_fd >= 0 && (e810_aq_pending(e->aq) || tx_pending(e)) &&
	    write(e->kick_fd, &one, sizeof(one)) < 0)
		LOG_RL(LOG_LVL_WARN, COMP, "%s: cannot schedule admin commands: %s", e->name,
		       strerror(errno));
}

static void kick_cb(void *arg, uint32_t events)
{
	struct e810 *e = arg;
	uint64_t v;

	(void)events;
	if (read(e->kick_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		return;
	if (e810_aq_pending(e->aq)) {
		e->cnt.atq_kicks++;
		e810_aq_service(e->aq);
		e810_link_sync(e);
		e810_tx_sync(e);
	}
	for (unsigned q = 0; q < e->nq; q++) {
		if (e->qp[q].tx_more) {
			e->cnt.tx_kicks++;
			e810_tx_run(e, q);
		}
	}
	e810_kick_arm(e);
}

/* ==== statistics (stats.h) =========================================================== */

void e810_model_stats(const struct e810 *e, struct e810_stats_snap *s)
{
	const struct e810_aq_state *st = e810_aq_state(e->aq);

	const struct e810_aq_vsi *v = e810_pf_vsi(e);

	(void)st;
	memset(s, 0, sizeof(*s));
	s->port = 0;
	s->vsi = v ? v->num : -1; /* the PF's VSI: the LAN queues' */
	for (unsigned q = 0; q < e->nq; q++) {
		e810_stats_add_rx(s, &e->qp[q].rx.st);
		e810_stats_add_tx(s, &e->qp[q].tx.st);
	}
}

void e810_model_stats_fill(struct e810 *e)
{
	struct e810_stats_snap s;

	if (!e->stats_area)
		return;
	e810_model_stats(e, &s);
	e810_stats_fill(&s, e->stats_vsi, e->stats_area);
	e810_fdir_stats_fill(e, e->stats_area);
	e->stats_vsi = s.vsi;
	e->cnt.stats_fills++;
	e->stats_next_ns = loop_now_ns() + E810_STATS_REFRESH_NS;
}

/* From the doorbell poll: the clock is read once every 256 passes. */
void e810_model_stats_tick(struct e810 *e)
{
	if (e->stats_area && !(++e->stats_polls & 255u) && loop_now_ns() >= e->stats_next_ns)
		e810_model_stats_fill(e);
}

/* ==== resets ======================================================================= */

static void reset(struct e810 *e, bool core)
{
	if (core)
		e810_aq_core_reset(e->aq);
	else
		e810_aq_reset(e->aq);
	e810_queues_stop(e);
	e810_fdir_reset(e);
	e810_rstore_clear(&e->rs);
	memset(e->intena, 0, sizeof(e->intena));
	e810_itr_reset(e);
	e810_link_sync(e);
	e810_db_clear(e);
	e810_db_hook_update(e);
	e810_model_stats_fill(e);
}

void e810_pf_reset(struct e810 *e)
{
	reset(e, false);
}

void e810_core_reset(struct e810 *e)
{
	reset(e, true);
}

/* ==== PCI callbacks ================================================================ */

static void pci_reset_cb(void *opaque)
{
	struct e810 *e = opaque;

	LOG_DEBUG(COMP, "%s: device reset", e->name);
	e->cnt.resets++;
	e810_pf_reset(e);
}

static void pci_attach_cb(void *opaque)
{
	struct e810 *e = opaque;

	LOG_INFO(COMP, "%s: VMM attached (E810-C, %u + 1 queue pairs, %u MSI-X vectors)", e->name,
		 e->nlan, e->nvec);
	e810_model_stats_fill(e); /* the new client's shared pages start empty */
}

static void pci_msix_cb(void *opaque)
{
	struct e810 *e = opaque;

	e810_db_hook_update(e);
	if (e->db_hooked)
		e810_db_poll(e);
	e810_vec_retry_all(e);
}

static const struct pci_dev_ops e810_pci_ops = {
	.reset = pci_reset_cb,
	.attach = pci_attach_cb,
	.msix_changed = pci_msix_cb,
};

/* ==== lifecycle ==================================================================== */

static void e810_destroy(struct dev_instance *d)
{
	struct e810 *e;

	if (!d)
		return;
	e = to_e810(d);
	net_port_disconnect(&e->port);
	if (e->db_hooked)
		loop_del_poll(e->loop, e810_db_poll, e);
	e->db_hooked = false;
	if (e->pci) {
		e810_queues_stop(e);
		pci_dev_destroy(e->pci);
	}
	e->pci = NULL;
	if (e->kick_h)
		loop_del_fd(e->loop, e->kick_h);
	e810_itr_fini(e);
	if (e->kick_fd >= 0)
		close(e->kick_fd);
	e810_aq_destroy(e->aq);
	e810_rstore_fini(&e->rs);
	if (e->pool)
		pkt_pool_destroy(e->pool);
	free(e->flows_last);
	free(e);
}

/* A Device Serial Number from the MAC, EUI-64 style as Intel's parts report. */
static bool add_dsn(struct pci_dev *pci, const uint8_t mac[6])
{
	struct pci_cfg *c = pci_dev_cfg(pci);
	unsigned pos = pci_cfg_add_ext_cap(c, 0x0003, 1, 12);
	uint64_t dsn = (uint64_t)mac[0] << 56 | (uint64_t)mac[1] << 48 | (uint64_t)mac[2] << 40 |
		       0xfffeull << 24 | (uint64_t)mac[3] << 16 | (uint64_t)mac[4] << 8 | mac[5];

	if (!pos)
		return false;
	pci_cfg_set32(c, pos + 4, (uint32_t)dsn);
	pci_cfg_set32(c, pos + 8, (uint32_t)(dsn >> 32));
	return true;
}

static struct pci_dev *e810_pci_create(struct e810 *e)
{
	struct pci_dev_desc desc = {
		.name = e->name,
		.vendor_id = E810_MODEL_VENDOR,
		.device_id = E810_MODEL_DEVICE,
		.subsys_vendor_id = E810_MODEL_SUBSYS_VENDOR,
		.subsys_id = E810_MODEL_SUBSYS,
		.revision = E810_MODEL_REVISION,
		.class_code = E810_MODEL_CLASS,
		.irq_pin = 0, /* MSI-X only, as the ice driver needs */
		.limits.max_dma_total = e->max_guest_ram,
	};
	struct pci_dev *pci;

	desc.bars[0] = (struct pci_bar_desc){ .size = E810_MODEL_BAR0_SIZE,
					      .flags = PCI_BAR_MEM64 | PCI_BAR_PREFETCH,
					      .access = e810_bar_access };
	if (e->db_poll) {
		desc.bars[0].nr_shared = E810_DB_PAGES + 1;
		for (unsigned i = 0; i < E810_DB_PAGES; i++)
			desc.bars[0].shared[i] = (struct vfu_sparse_area){
				.offset = e810_db_base[i], .size = E810_DB_PAGE };
		desc.bars[0].shared[E810_DB_PAGES] = (struct vfu_sparse_area){
			.offset = E810_STATS_BASE, .size = E810_STATS_SIZE };
	}
	desc.bars[3] = (struct pci_bar_desc){ .size = E810_MODEL_BAR3_SIZE,
					      .flags = PCI_BAR_MEM64 | PCI_BAR_PREFETCH,
					      .access = e810_bar_access };
	pci = pci_dev_create(&desc, &e810_pci_ops, e);
	if (!pci)
		return NULL;
	if (!pci_add_cap_pm(pci) ||
	    !pci_add_cap_msix(pci, e->nvec, 3, E810_MODEL_MSIX_TABLE, 3, E810_MODEL_MSIX_PBA) ||
	    !pci_add_cap_pcie(pci) || !add_dsn(pci, e->mac)) {
		pci_dev_destroy(pci);
		return NULL;
	}
	return pci;
}

static bool mac_ok(const uint8_t *m)
{
	static const uint8_t z[6];

	return !(m[0] & 1) && memcmp(m, z, 6) != 0;
}

void e810_model_aq_config(struct e810_aq_config *ac, const uint8_t mac[6], unsigned queues)
{
	e810_aq_config_default(ac);
	memcpy(ac->mac, mac, 6);
	ac->num_queues = (uint16_t)E810_MODEL_QPS(queues); /* the control VSI's pair too */
	ac->num_msix = (uint16_t)E810_MODEL_VECTORS(queues);
	ac->link_up = false; /* until the port has a peer with its link up */
}

static struct dev_instance *e810_create(const struct dev_config *cfg, char *err, size_t errlen)
{
	struct e810_aq_config ac;
	unsigned nq = cfg && cfg->queues ? cfg->queues : E810_MODEL_QUEUES_DEFAULT;
	struct e810 *e;
	int r;

	if (!cfg || !cfg->loop || !cfg->socket_path) {
		snprintf(err, errlen, "e810: incomplete configuration");
		return NULL;
	}
	if (!mac_ok(cfg->mac)) {
		snprintf(err, errlen, "e810: MAC address must be unicast and not zero");
		return NULL;
	}
	if (nq < 1 || nq > E810_MODEL_QUEUES_MAX) {
		snprintf(err, errlen, "e810: --queues %u: 1..%u", nq, E810_MODEL_QUEUES_MAX);
		return NULL;
	}
	e = calloc(1, sizeof(*e));
	if (!e) {
		snprintf(err, errlen, "e810: out of memory");
		return NULL;
	}
	e->kick_fd = -1;
	e->itr_fd = -1;
	e->inst.model = &e810_model;
	e->inst.nports = 1;
	e->inst.nqueues = nq;
	e->inst.nvectors = E810_MODEL_VECTORS(nq);
	e->loop = cfg->loop;
	e->nlan = nq;
	e->nq = E810_MODEL_QPS(nq);
	e->nvec = E810_MODEL_VECTORS(nq);
	e->max_guest_ram = cfg->max_guest_ram;
	e->db_poll = cfg->doorbell == DEV_DOORBELL_POLL;
	snprintf(e->name, sizeof(e->name), "%s", cfg->name ? cfg->name : "e810");
	memcpy(e->mac, cfg->mac, 6);
	net_port_init(&e->port, e->name, &e810_port_ops, e);

	e810_model_aq_config(&ac, e->mac, nq);
	e->link_mbps = ac.link_speed_mbps;
	e->aq = e810_aq_create(&ac, &aq_ops, e);
	e->pool = pkt_pool_create(e->name, E810_POOL_PKTS);
	if (!e->aq || !e->pool || e810_rstore_init(&e->rs)) {
		snprintf(err, errlen, "e810: out of memory");
		goto fail;
	}
	e->kick_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (e->kick_fd < 0 || !(e->kick_h = loop_add_fd(e->loop, e->kick_fd, EPOLLIN, kick_cb, e))) {
		snprintf(err, errlen, "e810: eventfd: %s", strerror(errno));
		goto fail;
	}
	r = e810_itr_init(e);
	if (r < 0) {
		snprintf(err, errlen, "e810: timer: %s", strerror(-r));
		goto fail;
	}
	e->pci = e810_pci_create(e);
	if (!e->pci) {
		snprintf(err, errlen, "e810: cannot create the PCI device");
		goto fail;
	}
	e->inst.pci = e->pci;
	for (unsigned i = 0; e->db_poll && i < E810_DB_PAGES; i++) {
		e->db[i] = pci_bar_shared(e->pci, 0, i);
		if (!e->db[i]) {
			snprintf(err, errlen, "e810: no doorbell page");
			goto fail;
		}
	}
	e->stats_area = e->db_poll ? pci_bar_shared(e->pci, 0, E810_DB_PAGES) : NULL;
	e->stats_vsi = -1;
	if (e->db_poll && !e->stats_area) {
		snprintf(err, errlen, "e810: no statistics block");
		goto fail;
	}
	e810_db_clear(e);
	for (unsigned q = 0; q < e->nq; q++) {
		/* The control VSI's frames (none but programming packets) leave by port queue 0. */
		uint16_t pq = (uint16_t)(q < nq ? q : 0);

		e810_rxq_init(&e->qp[q].rx, e->pci);
		e810_txq_init(&e->qp[q].tx, e->pci, e->pool, e810_txq_sink_port(&e->port, pq));
		e810_txq_set_prog(&e->qp[q].tx, (struct e810_txq_prog){ .fn = e810_fdir_prog, .arg = e,
									 .queue = (uint16_t)q });
	}
	e810_fdir_init(e);
	r = cfg->has_listen_fd ? pci_dev_listen_fd(e->pci, e->loop, cfg->listen_fd, cfg->socket_path)
			       : pci_dev_listen(e->pci, e->loop, cfg->socket_path);
	if (r < 0) {
		snprintf(err, errlen, "e810: cannot listen on %s: %s", cfg->socket_path,
			 strerror(-r));
		goto fail;
	}
	LOG_DEBUG(COMP, "%s: E810-C on %s, %u queue pairs", e->name, cfg->socket_path, nq);
	return &e->inst;
fail:
	e810_destroy(&e->inst);
	return NULL;
}

static struct net_port *e810_port(struct dev_instance *d, unsigned idx)
{
	return idx == 0 ? &to_e810(d)->port : NULL;
}

#define U(x) ((unsigned long long)(x))

/* The LAN queues' counters, summed over the queue pairs. */
static void e810_dump_lan(struct e810 *e, FILE *out)
{
	struct e810_rxq_stats r = { 0 };
	struct e810_txq_stats t = { 0 };
	unsigned rx_on = 0, tx_on = 0;

	for (unsigned q = 0; q < e->nq; q++) {
		const struct e810_rxq_stats *a = &e->qp[q].rx.st;
		const struct e810_txq_stats *b = &e->qp[q].tx.st;

		rx_on += e->qp[q].rx.enabled;
		tx_on += e->qp[q].tx.enabled;
		r.pkts += a->pkts; r.bytes += a->bytes; r.descs += a->descs;
		r.drop_off += a->drop_off; r.drop_bad += a->drop_bad; r.drop_long += a->drop_long;
		r.drop_nodesc += a->drop_nodesc; r.drop_tso += a->drop_tso;
		r.desc_dma += a->desc_dma; r.buf_dma += a->buf_dma; r.ctx_bad += a->ctx_bad;
		r.tail_oor += a->tail_oor; r.csum_bad += a->csum_bad; r.ol_done += a->ol_done;
		t.pkts += b->pkts; t.bytes += b->bytes; t.descs += b->descs;
		t.tso += b->tso; t.tso_segs += b->tso_segs;
		t.csum_ip += b->csum_ip; t.csum_l4 += b->csum_l4; t.vlan_ins += b->vlan_ins;
		t.drop_nobuf += b->drop_nobuf; t.drop_long += b->drop_long;
		t.drop_runt += b->drop_runt; t.drop_dma += b->drop_dma; t.drop_tso += b->drop_tso;
		t.drop_csum += b->drop_csum; t.drop_dummy += b->drop_dummy;
		t.drop_noeop += b->drop_noeop; t.drop_sink += b->drop_sink;
		t.bad_desc += b->bad_desc; t.fd_progs += b->fd_progs; t.fd_bad += b->fd_bad;
		r.status += a->status; r.status_drop += a->status_drop; t.desc_dma += b->desc_dma; t.ctx_bad += b->ctx_bad;
		t.tail_oor += b->tail_oor; t.budget_stops += b->budget_stops;
		t.blocked += b->blocked; t.wb += b->wb;
	}
	fprintf(out,
		",\"rxq_on\":%u,\"txq_on\":%u,\"tx_kicks\":%llu,\"tx_wakes\":%llu,"
		"\"txq_setup_bad\":%llu,\"rxq_enable_bad\":%llu,"
		"\"rx_pkts\":%llu,\"rx_bytes\":%llu,\"rx_descs\":%llu,\"rx_drop_off\":%llu,"
		"\"rx_drop_bad\":%llu,\"rx_drop_long\":%llu,\"rx_drop_nodesc\":%llu,"
		"\"rx_drop_tso\":%llu,\"rx_desc_dma\":%llu,\"rx_buf_dma\":%llu,"
		"\"rx_ctx_bad\":%llu,\"rx_tail_oor\":%llu,\"rx_csum_bad\":%llu,"
		"\"rx_ol_done\":%llu,",
		rx_on, tx_on, U(e->cnt.tx_kicks), U(e->cnt.tx_wakes), U(e->cnt.txq_setup_bad),
		U(e->cnt.rxq_enable_bad), U(r.pkts), U(r.bytes), U(r.descs), U(r.drop_off),
		U(r.drop_bad), U(r.drop_long), U(r.drop_nodesc), U(r.drop_tso), U(r.desc_dma),
		U(r.buf_dma), U(r.ctx_bad), U(r.tail_oor), U(r.csum_bad), U(r.ol_done));
	fprintf(out,
		"\"tx_pkts\":%llu,\"tx_bytes\":%llu,\"tx_descs\":%llu,\"tx_tso\":%llu,"
		"\"tx_tso_segs\":%llu,\"tx_csum_ip\":%llu,\"tx_csum_l4\":%llu,"
		"\"tx_vlan_ins\":%llu,\"tx_drop_nobuf\":%llu,\"tx_drop_long\":%llu,"
		"\"tx_drop_runt\":%llu,\"tx_drop_dma\":%llu,\"tx_drop_tso\":%llu,"
		"\"tx_drop_csum\":%llu,\"tx_drop_dummy\":%llu,\"tx_drop_noeop\":%llu,"
		"\"tx_drop_sink\":%llu,\"tx_bad_desc\":%llu,\"tx_desc_dma\":%llu,"
		"\"tx_ctx_bad\":%llu,\"tx_tail_oor\":%llu,\"tx_budget_stops\":%llu,"
		"\"tx_blocked\":%llu,\"tx_wb\":%llu,\"tx_fd_progs\":%llu,\"tx_fd_bad\":%llu,"
		"\"rx_fd_status\":%llu,\"rx_fd_status_drop\":%llu",
		U(t.pkts), U(t.bytes), U(t.descs), U(t.tso), U(t.tso_segs), U(t.csum_ip),
		U(t.csum_l4), U(t.vlan_ins), U(t.drop_nobuf), U(t.drop_long), U(t.drop_runt),
		U(t.drop_dma), U(t.drop_tso), U(t.drop_csum), U(t.drop_dummy), U(t.drop_noeop),
		U(t.drop_sink), U(t.bad_desc), U(t.desc_dma), U(t.ctx_bad), U(t.tail_oor),
		U(t.budget_stops), U(t.blocked), U(t.wb), U(t.fd_progs), U(t.fd_bad), U(r.status),
		U(r.status_drop));
}

/* RSS (rss.h) and the frames each RX queue took. */
static void e810_dump_rss(const struct e810 *e, FILE *out)
{
	const struct e810_rss_stats *r = &e->rss.st;

	fprintf(out,
		",\"rss\":%s,\"rss_hashed\":%llu,\"rss_given\":%llu,\"rss_nohash\":%llu,"
		"\"rss_lut_bad\":%llu,\"rss_lut_bad_entries\":%u,\"rss_drop_off\":%llu,"
		"\"rss_configs\":%llu,\"rss_keys\":%llu,\"rxq_pkts\":[",
		e->rss.on ? "true" : "false", U(r->hashed), U(r->given), U(r->nohash),
		U(r->lut_bad), e->rss.lut_bad_entries, U(r->drop_off), U(r->configs), U(r->keys));
	for (unsigned q = 0; q < e->nq; q++)
		fprintf(out, "%s%llu", q ? "," : "", U(e->qp[q].rx.st.pkts));
	fprintf(out, "]");
}

static void e810_dump_stats(struct dev_instance *d, FILE *out)
{
	struct e810 *e = to_e810(d);
	const struct e810_counters *c = &e->cnt;
	const struct e810_aq_stats *a = e810_aq_stats(e->aq);

	fprintf(out,
		"\"link\":%s,\"queues\":%u,\"msix_vectors\":%u,\"resets\":%llu,\"pf_resets\":%llu,"
		"\"core_resets\":%llu,\"reg_reads\":%llu,\"reg_writes\":%llu,\"unknown_regs\":%llu,"
		"\"reg_bad_access\":%llu,\"reg_store_used\":%u,\"reg_store_full\":%llu,"
		"\"irqs\":%llu,\"irq_deferred\":%llu,\"irq_throttled\":%llu,"
		"\"irq_itr_timer\":%llu,\"itr_updates\":%llu,\"fw_cause_off\":%llu,\"swints\":%llu,"
		"\"rx_dropped\":%llu,\"rx_rule_drops\":%llu,\"atq_kicks\":%llu,\"doorbell\":\"%s\",\"db_page_traps\":%llu,"
		"\"db_rx\":%llu,\"db_tx\":%llu,\"db_dyn\":%llu,\"db_hook_err\":%llu,"
		"\"stats_reads\":%llu,\"stats_fills\":%llu,\"db_itr\":%llu,",
		e810_aq_link_up(e->aq) ? "true" : "false", e->nlan, e->nvec, U(c->resets),
		U(c->pf_resets), U(c->core_resets), U(c->reg_reads), U(c->reg_writes),
		U(c->reg_unknown), U(c->reg_bad_access), e->rs.used, U(e->rs.full_drops),
		U(c->irqs), U(c->irq_deferred), U(c->irq_throttled), U(c->irq_itr_timer),
		U(c->itr_updates), U(c->fw_cause_off), U(c->swints), U(c->rx_dropped), U(c->rx_rule_drops),
		U(c->atq_kicks), e->db_poll ? "poll" : "trap",
		U(e->db_poll ? pci_bar_shared_traps(e->pci, 0) : 0), U(c->db_rx), U(c->db_tx),
		U(c->db_dyn), U(c->db_hook_err), U(c->stats_reads), U(c->stats_fills), U(c->db_itr));
	fprintf(out,
		"\"aq_cmds\":%llu,\"aq_errors\":%llu,\"aq_unknown\":%llu,\"aq_bad_len\":%llu,"
		"\"aq_bad_flags\":%llu,\"aq_bad_buf\":%llu,\"aq_desc_dma\":%llu,"
		"\"aq_ring_off\":%llu,\"aq_bad_ring\":%llu,\"aq_head_oor\":%llu,"
		"\"aq_tail_oor\":%llu,\"aq_budget_stops\":%llu,\"arq_posted\":%llu,"
		"\"arq_no_desc\":%llu,\"arq_off\":%llu,\"arq_bad_desc\":%llu,\"arq_dma\":%llu,"
		"\"lse_suppressed\":%llu,\"ddp_loaded\":%s,\"pkg_bufs\":%llu,\"pkg_updates\":%llu,"
		"\"pkg_uploads\":%llu,\"pkg_refused\":%llu",
		U(a->atq_cmds), U(a->atq_errors), U(a->atq_unknown), U(a->atq_bad_len),
		U(a->atq_bad_flags), U(a->atq_bad_buf), U(a->atq_desc_dma), U(a->atq_ring_off),
		U(a->atq_bad_ring), U(a->atq_head_oor), U(a->atq_tail_oor), U(a->atq_budget_stops),
		U(a->arq_posted), U(a->arq_no_desc), U(a->arq_off), U(a->arq_bad_desc),
		U(a->arq_dma), U(a->lse_suppressed), e810_aq_pkg(e->aq)->loaded ? "true" : "false",
		U(a->pkg_bufs), U(a->pkg_updates), U(a->pkg_uploads), U(a->pkg_refused));
	{
		/* The flow director's pipeline tables (flex.h). */
		const struct e810_flex *fx = e810_aq_flex(e->aq);

		fprintf(out, ",\"fd_profiles\":%u,\"flex_sections\":%llu,\"flex_refused\":%llu,"
			"\"flex_ignored\":%llu,\"flex_regs\":%llu", e810_flex_fd_profiles(fx),
			U(fx->st.sections), U(fx->st.refused), U(fx->st.ignored), U(fx->st.regs));
		fprintf(out, ",\"flex_sw_sections\":%llu", U(fx->st.sw_sections));
	}
	fprintf(out,
		",\"sw_rules\":%u,\"sw_rules_rx\":%u,\"sw_rules_tx_only\":%u,\"sw_adv_rules\":%u,"
		"\"sw_adv_matched\":%u,\"sw_adv_bad\":%u,\"sw_adv_noprof\":%u,"
		"\"sw_vlan_prune\":%s,\"sw_compiles\":%llu,\"sw_hits\":%llu,\"sw_drops\":%llu,"
		"\"sw_no_rule\":%llu,\"sw_pruned\":%llu,\"sw_rules_refused\":%llu,"
		"\"sw_rules_full\":%llu,\"recipes_refused\":%llu",
		e810_aq_state(e->aq)->nrules, e->swr.nrx, e->swr.ntx_only, e->swr.nadv,
		e->swr.nadv_on, e->swr.nadv_bad, e->swr.nadv_noprof, e->swr.prune ? "true" : "false", U(e->swr_cnt.compiles), U(e->swr_cnt.hits),
		U(e->swr_cnt.drops), U(e->swr_cnt.no_rule), U(e->swr_cnt.pruned),
		U(a->sw_rules_refused), U(a->sw_rules_full), U(a->recipes_refused));
	e810_dump_lan(e, out);
	e810_dump_rss(e, out);
	e810_fdir_dump(e, out);
}

/*
 * The guest's steering rules (e810_steer_flows) for an uplink; the
 * generation moves when they differ from the last listing.
 */
static unsigned e810_flows(struct dev_instance *d, struct net_flow *out, unsigned max,
			   uint64_t *gen)
{
	struct e810 *e = to_e810(d);
	unsigned n = e810_steer_flows(e, out, max), k = n < max ? n : max;

	if (k != e->flows_n || (k && memcmp(out, e->flows_last, k * sizeof(*out)))) {
		struct net_flow *c = k ? realloc(e->flows_last, k * sizeof(*c)) : e->flows_last;

		if (c) {
			if (k)
				memcpy(c, out, k * sizeof(*c));
			e->flows_last = c;
			e->flows_n = k;
		} else {
			e->flows_n = 0; /* compared afresh next time: the generation moves again */
		}
		e->flows_gen++;
	}
	*gen = e->flows_gen;
	return n;
}

const struct dev_model e810_model = {
	.name = "e810-emu",
	.description = "Intel E810-C (ice), emulated: safe-mode and full-mode (DDP) probe, admin "
		       "queue, link, LAN queues, RSS",
	.create = e810_create,
	.destroy = e810_destroy,
	.port = e810_port,
	.dump_stats = e810_dump_stats,
	.flows = e810_flows,
	.caps = DEV_CAP_DOORBELL_POLL | DEV_CAP_MSIX | DEV_CAP_MULTIQUEUE,
	.max_queues = E810_MODEL_QUEUES_MAX,
};
