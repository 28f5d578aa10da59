/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A poll-mode e1000 guest driver on the in-tree vfio-user client. */
#include "client/e1kg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

int e1kg_open(struct e1kg *g, const char *sock)
{
	return e1kg_open_mem(g, sock, -1);
}

int e1kg_open_mem(struct e1kg *g, const char *sock, int memfd)
{
	int r;

	memset(g, 0, sizeof(*g));
	g->mem.fd = -1;
	g->c = vfuc_connect(sock, E1KG_TMO);
	if (!g->c) {
		r = -errno;
		if (memfd >= 0)
			close(memfd);
		return r;
	}
	r = vfuc_negotiate(g->c, NULL);
	if (r && memfd >= 0)
		close(memfd);
	if (!r)
		r = memfd >= 0 ? vfuc_mem_adopt(g->c, E1KG_IOVA, E1KG_MEM, memfd, &g->mem)
			       : vfuc_mem_create(g->c, E1KG_IOVA, E1KG_MEM, &g->mem);
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
	struct vfu_region_info ri;
	struct vfu_sparse_area a;
	unsigned n;
	int fd = -1, r;
	void *m;

	r = vfuc_region_sparse(g->c, VFU_PCI_BAR0, &ri, &a, 1, &n, &fd);
	if (r)
		return r;
	r = -ENOENT;
	if (n != 1)
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

uint32_t e1kg_eth(uint8_t *f, const uint8_t *dst, const uint8_t *src, uint16_t type,
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

/* ---- poll mode under load ---------------------------------------------- */

int e1kg_set_doorbell(struct e1kg *g, enum e1kg_doorbell mode)
{
	if (mode == E1KG_DB_POLL && !g->db) {
		int r = e1kg_map_doorbells(g);
		if (r)
			return r;
	}
	if (mode != E1KG_DB_TRAP && mode != E1KG_DB_POLL)
		return -ENOTSUP;
	g->doorbell = mode;
	return 0;
}

void e1kg_doorbell(struct e1kg *g, uint32_t reg, uint32_t v)
{
	volatile uint32_t *w = g->doorbell == E1KG_DB_POLL ? db_word(g, reg) : NULL;

	if (w)
		__atomic_store_n(w, v, __ATOMIC_RELEASE); /* exitless: the device polls */
	else
		/* Posted, like QEMU's forwarding of a guest MMIO write: no round trip. */
		vfuc_bar_write32(g->c, 0, reg, v, true);
	g->cnt.doorbells++;
}

static uint8_t *txd(struct e1kg *g, uint32_t idx)
{
	return (uint8_t *)e1kg_ptr(g, E1KG_TXRING) + (size_t)idx * 16;
}

int e1kg_tx_prefill(struct e1kg *g, const uint8_t *frame, uint32_t len)
{
	if (!g->tx_count || g->tx_count > E1KG_TX_PREFILL_MAX || !len ||
	    len > E1KG_TX_PREFILL_STRIDE)
		return -EINVAL;
	for (uint32_t i = 0; i < g->tx_count; i++) {
		uint32_t off = E1KG_TXBUF + i * E1KG_TX_PREFILL_STRIDE;
		uint64_t a = e1kg_gpa(off);
		uint32_t lower = len | E1K_TXD_CMD_EOP | E1K_TXD_CMD_IFCS | E1K_TXD_CMD_RS;
		uint8_t *d = txd(g, i);

		memcpy(e1kg_ptr(g, off), frame, len);
		memcpy(d, &a, 8);
		memcpy(d + 8, &lower, 4);
		memset(d + 12, 0, 4);
	}
	g->tx_tail = g->tx_clean = 0;
	return 0;
}

uint32_t e1kg_tx_reclaim(struct e1kg *g)
{
	uint32_t n = 0;

	while (g->tx_clean != g->tx_tail) {
		volatile uint8_t *st = txd(g, g->tx_clean) + 12;

		if (!(*st & E1K_TXD_STAT_DD))
			break;
		*st = 0;
		g->tx_clean = g->tx_clean + 1 == g->tx_count ? 0 : g->tx_clean + 1;
		n++;
	}
	/* The status reads above before anything that depends on them. */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	g->cnt.tx_done += n;
	return n;
}

uint32_t e1kg_tx_free(const struct e1kg *g)
{
	uint32_t used = (g->tx_tail + g->tx_count - g->tx_clean) % g->tx_count;

	return g->tx_count - 1 - used;
}

void e1kg_tx_post(struct e1kg *g, uint32_t n)
{
	if (!n)
		return;
	g->tx_tail = (g->tx_tail + n) % g->tx_count;
	g->cnt.tx_posted += n;
	g->cnt.tx_doorbells++;
	/* Descriptor contents (DD cleared) before the device may look at them. */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	e1kg_doorbell(g, E1K_TDT, g->tx_tail);
}

uint32_t e1kg_rx_poll(struct e1kg *g, uint32_t max, uint32_t give_batch)
{
	uint8_t *ring = e1kg_ptr(g, E1KG_RXRING);
	uint32_t n = 0;
	uint64_t bytes = 0;

	while (n < max) {
		volatile uint8_t *d = ring + (size_t)g->rx_next * 16;
		uint16_t len;

		if (!(d[12] & E1K_RXD_STAT_DD))
			break;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		len = (uint16_t)(d[8] | d[9] << 8);
		bytes += len;
		d[12] = 0; /* the buffer address stays: the descriptor is ready again */
		g->rx_next = g->rx_next + 1 == g->rx_count ? 0 : g->rx_next + 1;
		g->rx_given++;
		n++;
	}
	g->cnt.rx_frames += n;
	g->cnt.rx_bytes += bytes;
	if (g->rx_given && g->rx_given >= give_batch) {
		g->rx_given = 0;
		__atomic_thread_fence(__ATOMIC_RELEASE);
		/* RDT one behind the next to clean: that slot stays empty. */
		e1kg_doorbell(g, E1K_RDT, g->rx_next ? g->rx_next - 1 : g->rx_count - 1);
	}
	return n;
}
