/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * e1000-emu: an emulated Intel 82540EM (PRO/1000 MT Desktop) for Linux's
 * unmodified e1000 driver.
 *
 * Everything runs on the thread of the loop the instance was created on:
 * register accesses arrive as BAR callbacks from the PCI layer, frames from
 * the peer port through deliver(). Guest memory is only touched through
 * pci_dma_ptr() and never remembered across a return to the loop (a
 * DMA_UNMAP may come in between). Descriptors are copied out before they are
 * looked at, so a guest rewriting them under our feet changes nothing.
 *
 * The data path (TX descriptor walk, RX ring fill) allocates nothing and logs
 * nothing per packet: problems are counted (per-reason counters shown by
 * dump_stats) and logged rate-limited.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "core/loop.h"
#include "dev/e1000/e1000_dev.h"

extern const struct dev_model e1000_model;

static struct e1000 *to_e1000(struct dev_instance *d)
{
	return (struct e1000 *)((char *)d - offsetof(struct e1000, inst));
}

static void port_wake(struct net_port *self, uint16_t queue)
{
	struct e1000 *e = self->priv;

	if (e->tx_blocked) {
		e->tx_blocked = false;
		e1k_tx_run(e);
	}
}

static void port_peer_link(struct net_port *self, bool up)
{
	struct e1000 *e = self->priv;

	e->peer_up = up;
	e1k_link_update(e, false);
	/*
	 * A walk waiting for a peer that went away would wait for a wake() that
	 * never comes: it resumes from the timer instead (and finds the new peer,
	 * or none: then its frames are dropped as they are without one).
	 */
	if (e->tx_blocked && !self->peer) {
		e->tx_blocked = false;
		e1k_tx_yield(e);
	}
}

static const struct net_port_ops e1k_port_ops = {
	.deliver = e1k_port_deliver,
	.rx_space = e1k_port_rx_space,
	.wake = port_wake,
	.peer_link = port_peer_link,
};

/* ==== lifecycle ==================================================================== */

static void pci_reset_cb(void *opaque)
{
	struct e1000 *e = opaque;

	LOG_DEBUG(COMP, "%s: device reset", e->name);
	e->cnt.resets++;
	e1k_power_on_reset(e);
}

static void pci_attach_cb(void *opaque)
{
	struct e1000 *e = opaque;

	if (e->db)
		LOG_INFO(COMP, "%s: VMM attached; doorbells polled: TX/RX ring registers on a "
			       "shared page (BAR0 %#x-%#x)", e->name, E1K_DB_OFF,
			 E1K_DB_OFF + E1K_DB_SIZE - 1);
	else
		LOG_INFO(COMP, "%s: VMM attached; doorbells trapped", e->name);
}

static const struct pci_dev_ops e1k_pci_ops = {
	.reset = pci_reset_cb,
	.attach = pci_attach_cb,
};

static void e1000_destroy(struct dev_instance *d)
{
	struct e1000 *e;

	if (!d)
		return;
	e = to_e1000(d);
	if (e->db_hooked)
		loop_del_poll(e->loop, e1k_db_poll, e);
	e->db_hooked = false;
	e->db = NULL;
	net_port_disconnect(&e->port);
	if (e->pci)
		pci_dev_destroy(e->pci);
	e->pci = NULL;
	if (e->tfd_h)
		loop_del_fd(e->loop, e->tfd_h);
	if (e->tfd >= 0)
		close(e->tfd);
	e1k_tx_abort(e);
	if (e->pool)
		pkt_pool_destroy(e->pool);
	free(e->regs);
	free(e);
}

static struct pci_dev *e1000_pci_create(struct e1000 *e)
{
	struct pci_dev_desc desc = {
		.name = e->name,
		.vendor_id = E1K_PCI_VENDOR,
		.device_id = E1K_PCI_DEVICE,
		.subsys_vendor_id = E1K_PCI_SUBSYS_VENDOR,
		.subsys_id = E1K_PCI_SUBSYS,
		.revision = E1K_PCI_REVISION,
		.class_code = E1K_PCI_CLASS,
		.irq_pin = 1, /* INTA#; the 82540EM has neither MSI nor MSI-X */
		.limits.max_dma_total = e->max_guest_ram,
	};
	struct pci_dev *pci;

	desc.bars[0] = (struct pci_bar_desc){ .size = E1K_MMIO_SIZE, .flags = PCI_BAR_MEM,
					      .access = e1k_bar_access };
	if (e->db_poll) {
		desc.bars[0].nr_shared = 1;
		desc.bars[0].shared[0] = (struct vfu_sparse_area){ .offset = E1K_DB_OFF,
								   .size = E1K_DB_SIZE };
	}
	desc.bars[1] = (struct pci_bar_desc){ .size = E1K_IO_SIZE, .flags = PCI_BAR_IO,
					      .access = e1k_bar_access };
	pci = pci_dev_create(&desc, &e1k_pci_ops, e);
	if (pci && !pci_add_cap_pm(pci)) {
		pci_dev_destroy(pci);
		return NULL;
	}
	return pci;
}

static bool mac_ok(const uint8_t *m)
{
	static const uint8_t z[ETH_ALEN];

	return !(m[0] & 1) && memcmp(m, z, ETH_ALEN) != 0;
}

static struct dev_instance *e1000_create(const struct dev_config *cfg, char *err, size_t errlen)
{
	struct e1000 *e;
	int r;

	if (!cfg || !cfg->loop || !cfg->socket_path) {
		snprintf(err, errlen, "e1000: incomplete configuration");
		return NULL;
	}
	if (!mac_ok(cfg->mac)) {
		snprintf(err, errlen, "e1000: MAC address must be unicast and not zero");
		return NULL;
	}
	e = calloc(1, sizeof(*e));
	if (!e) {
		snprintf(err, errlen, "e1000: out of memory");
		return NULL;
	}
	e->tfd = -1;
	e->inst.model = &e1000_model;
	e->inst.nports = 1;
	e->inst.nqueues = 1;
	e->inst.nvectors = 0; /* INTx: the 82540EM has neither MSI nor MSI-X */
	e->loop = cfg->loop;
	e->db_poll = cfg->doorbell == DEV_DOORBELL_POLL;
	e->max_guest_ram = cfg->max_guest_ram;
	snprintf(e->name, sizeof(e->name), "%s", cfg->name ? cfg->name : "e1000");
	memcpy(e->mac, cfg->mac, ETH_ALEN);
	e1k_eeprom_build(e->eeprom, e->mac);
	net_port_init(&e->port, e->name, &e1k_port_ops, e);

	e->regs = calloc(E1K_NREGS, sizeof(uint32_t));
	e->pool = pkt_pool_create(e->name, E1K_POOL_PKTS);
	if (!e->regs || !e->pool) {
		snprintf(err, errlen, "e1000: out of memory");
		goto fail;
	}
	e->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (e->tfd < 0 || !(e->tfd_h = loop_add_fd(e->loop, e->tfd, EPOLLIN, e1k_timer_cb, e))) {
		snprintf(err, errlen, "e1000: timer: %s", strerror(errno));
		goto fail;
	}
	e1k_power_on_reset(e);
	e->pci = e1000_pci_create(e);
	if (!e->pci) {
		snprintf(err, errlen, "e1000: cannot create the PCI device");
		goto fail;
	}
	e->dma.pci = e->pci;
	e->inst.pci = e->pci;
	if (e->db_poll) {
		e->db = pci_bar_shared(e->pci, 0, 0);
		if (!e->db) {
			snprintf(err, errlen, "e1000: no doorbell page");
			goto fail;
		}
		e1k_db_clear(e->db);
	}
	r = cfg->has_listen_fd ? pci_dev_listen_fd(e->pci, e->loop, cfg->listen_fd, cfg->socket_path)
			       : pci_dev_listen(e->pci, e->loop, cfg->socket_path);
	if (r < 0) {
		snprintf(err, errlen, "e1000: cannot listen on %s: %s", cfg->socket_path,
			 strerror(-r));
		goto fail;
	}
	LOG_DEBUG(COMP, "%s: 82540EM on %s", e->name, cfg->socket_path);
	return &e->inst;
fail:
	e1000_destroy(&e->inst);
	return NULL;
}

static struct net_port *e1000_port(struct dev_instance *d, unsigned idx)
{
	return idx == 0 ? &to_e1000(d)->port : NULL;
}

static void e1000_dump_stats(struct dev_instance *d, FILE *out)
{
	struct e1000 *e = to_e1000(d);
	const struct e1k_counters *c = &e->cnt;

	fprintf(out,
		"\"link\":%s,\"tx_pkts\":%llu,\"tx_bytes\":%llu,\"tx_tso\":%llu,"
		"\"tx_tso_segs\":%llu,\"tx_drop_nobuf\":%llu,\"tx_drop_long\":%llu,"
		"\"tx_drop_dma\":%llu,\"tx_drop_runt\":%llu,\"tx_drop_tso\":%llu,"
		"\"tx_no_peer\":%llu,\"tx_csum_bad\":%llu,\"tx_bad_desc\":%llu,"
		"\"tx_ring_err\":%llu,\"tx_desc_dma\":%llu,\"tx_walk_yield\":%llu,"
		"\"tx_blocked\":%llu,\"tx_descs\":%llu,\"tx_descs_wake_max\":%llu,"
		"\"tx_tail_pending\":%llu,",
		e->link_up ? "true" : "false", (unsigned long long)c->tx_pkts,
		(unsigned long long)c->tx_bytes, (unsigned long long)c->tx_tso,
		(unsigned long long)c->tx_tso_segs, (unsigned long long)c->tx_drop_nobuf,
		(unsigned long long)c->tx_drop_long, (unsigned long long)c->tx_drop_dma,
		(unsigned long long)c->tx_drop_runt, (unsigned long long)c->tx_drop_tso,
		(unsigned long long)c->tx_no_peer, (unsigned long long)c->tx_csum_bad,
		(unsigned long long)c->tx_bad_desc, (unsigned long long)c->tx_ring_err,
		(unsigned long long)c->tx_desc_dma, (unsigned long long)c->tx_walk_yield,
		(unsigned long long)c->tx_blocked, (unsigned long long)c->tx_descs,
		(unsigned long long)c->tx_descs_wake_max, (unsigned long long)c->tx_tail_pending);
	fprintf(out,
		"\"rx_pkts\":%llu,\"rx_bytes\":%llu,\"rx_drop_off\":%llu,\"rx_drop_addr\":%llu,"
		"\"rx_drop_vlan\":%llu,\"rx_drop_long\":%llu,\"rx_drop_bad\":%llu,"
		"\"rx_drop_nodesc\":%llu,\"rx_ring_err\":%llu,\"rx_desc_dma\":%llu,"
		"\"rx_buf_dma\":%llu,\"irqs\":%llu,\"resets\":%llu,\"unknown_regs\":%llu,",
		(unsigned long long)c->rx_pkts, (unsigned long long)c->rx_bytes,
		(unsigned long long)c->rx_drop_off, (unsigned long long)c->rx_drop_addr,
		(unsigned long long)c->rx_drop_vlan, (unsigned long long)c->rx_drop_long,
		(unsigned long long)c->rx_drop_bad, (unsigned long long)c->rx_drop_nodesc,
		(unsigned long long)c->rx_ring_err, (unsigned long long)c->rx_desc_dma,
		(unsigned long long)c->rx_buf_dma, (unsigned long long)c->irqs,
		(unsigned long long)c->resets, (unsigned long long)c->unknown_regs);
	fprintf(out,
		"\"doorbell\":\"%s\",\"tail_traps\":%llu,\"db_page_traps\":%llu,"
		"\"db_page_renew_err\":%llu,\"db_tx_kicks\":%llu,\"db_rx_kicks\":%llu,"
		"\"db_hook_err\":%llu",
		e->db ? "poll" : "trap", (unsigned long long)c->tail_traps,
		(unsigned long long)(e->db ? pci_bar_shared_traps(e->pci, 0) : 0),
		(unsigned long long)(e->db ? pci_bar_shared_renew_err(e->pci, 0) : 0),
		(unsigned long long)c->db_tx_kicks, (unsigned long long)c->db_rx_kicks,
		(unsigned long long)c->db_hook_err);
}

const struct dev_model e1000_model = {
	.name = "e1000-emu",
	.description = "Intel 82540EM (PRO/1000 MT Desktop), emulated",
	.create = e1000_create,
	.destroy = e1000_destroy,
	.port = e1000_port,
	.dump_stats = e1000_dump_stats,
	.caps = DEV_CAP_DOORBELL_POLL,
};
