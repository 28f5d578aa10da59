/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * e1000 integration, exitless doorbells (doorbell poll mode): the device
 * offers its ring registers as a sparse mmap area of BAR0; the guest driver
 * maps it from the region's fd and rings TX and RX doorbells with plain
 * stores, so frames move without a single vfio-user message. The trapped mode
 * keeps working for a device beside it. Hostile values in the page are
 * counted, never followed; a reset clears the page. Each client gets a page
 * of its own: what an earlier one kept mapped no longer reaches the device.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dev/e1000/e1000_priv.h"
#include "e1kt.h"

#define CMD_EOP 0x01
#define CMD_IFCS 0x02
#define CMD_RS 0x08

static int setup_poll(void **state)
{
	static struct e1kt_ctx c;

	if (e1kt_ctx_open(&c, true, false))
		return -1;
	*state = &c;
	return 0;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Waits until the device's counter reaches at least want; returns its value. */
static long long wait_counter(struct e1kt *t, const char *name, long long want)
{
	long long v = e1kt_counter(t, name);

	for (int i = 0; i < E1KT_TMO && v < want; i++) {
		sleep_ms(1);
		v = e1kt_counter(t, name);
	}
	return v;
}

/* Waits until a register on the doorbell page (read as plain memory) equals want. */
static uint32_t wait_page(struct e1kg *g, uint32_t off, uint32_t want)
{
	uint32_t v = e1kg_rd(g, off);

	for (int i = 0; i < E1KT_TMO && v != want; i++) {
		sleep_ms(1);
		v = e1kg_rd(g, off);
	}
	return v;
}

/* Queues n frames of plen payload bytes at the tail (the doorbell is not rung). */
static void queue_frames(struct e1kg *g, unsigned n, uint32_t plen, uint8_t seed)
{
	uint8_t f[1600];

	for (unsigned i = 0; i < n; i++) {
		uint32_t len = e1kt_eth(f, E1KT_PEER, E1KT_MAC, 0x88b5, plen, (uint8_t)(seed + i));

		e1kg_tx_legacy(g, e1kg_txbuf(g, f, len), (uint16_t)len, CMD_EOP | CMD_IFCS | CMD_RS,
			       0, 0, 0);
	}
}

static void check_frames(struct e1kt *t, unsigned from, unsigned n, uint32_t plen, uint8_t seed)
{
	uint8_t f[1600];
	struct e1kt_frame fr;

	for (unsigned i = 0; i < n; i++) {
		uint32_t len = e1kt_eth(f, E1KT_PEER, E1KT_MAC, 0x88b5, plen, (uint8_t)(seed + i));

		assert_true(e1kt_frame(t, from + i, &fr));
		assert_int_equal(fr.len, len);
		assert_memory_equal(fr.data, f, len);
	}
}

/* ---- the region as the VMM sees it ------------------------------------------- */

static void test_region_offers_page(void **state)
{
	struct e1kt_ctx *c = *state;
	struct e1kt *trap = e1kt_start();
	struct e1kg tg;
	struct vfu_region_info ri;
	int fd = -1;

	assert_non_null(c->g.db);
	assert_int_equal(c->g.db_off, E1K_DB_OFF);
	assert_int_equal(c->g.db_size, E1K_DB_SIZE);
	/* The trapped device offers nothing to map. */
	assert_non_null(trap);
	assert_int_equal(e1kg_open(&tg, e1kt_socket(trap)), 0);
	assert_int_equal(vfuc_region_info(tg.c, VFU_PCI_BAR0, &ri, NULL, 0, &fd), 0);
	assert_false(ri.flags & VFU_REGION_F_MMAP);
	assert_int_equal(fd, -1);
	assert_int_equal(e1kg_map_doorbells(&tg), -ENOENT);
	e1kg_close(&tg);
	e1kt_stop(trap);
	/* After reset the page holds the reset values; the trapped path sees the same memory. */
	assert_int_equal(e1kg_rd(&c->g, E1K_TXDCTL), E1K_TXDCTL_RESET);
	assert_int_equal(vfuc_bar_read32(c->g.c, 0, E1K_TXDCTL), E1K_TXDCTL_RESET);
	assert_int_equal(e1kg_rd(&c->g, E1K_TDT), 0);
}

/* ---- frames both ways without a message ---------------------------------------- */

static void test_tx_rx_without_messages(void **state)
{
	struct e1kt_ctx *c = *state;
	struct e1kg *g = &c->g;
	uint8_t f[1600], out[2048];
	const uint8_t *fp[8];
	uint32_t lens[8];
	uint64_t req;

	e1kg_tx_setup(g, 64);
	e1kg_rx_setup(g, 32, 2048, E1K_RCTL_BAM);
	e1kg_wr(g, E1K_IMS, E1K_ICR_TXDW | E1K_ICR_RXT0);
	(void)e1kg_rd(g, E1K_ICR);
	(void)e1kg_irq_wait(g, 0);
	e1kg_irq_eoi(g);
	long long irqs = e1kt_counter(c->t, "irqs");

	/* TX: 20 frames, one doorbell, a plain store. */
	req = e1kg_requests(g);
	queue_frames(g, 20, 200, 1);
	e1kg_tx_kick(g);
	assert_int_equal(e1kt_wait_frames(c->t, 20, E1KT_TMO), 20);
	assert_int_equal(wait_page(g, E1K_TDH, g->tx_tail), g->tx_tail);
	for (uint32_t i = 0; i < 20; i++)
		assert_true(e1kg_tx_status(g, i) & E1K_TXD_STAT_DD);
	assert_int_equal(e1kg_irq_wait(g, E1KT_TMO), 1); /* the eventfd, not a message */
	assert_int_equal(e1kg_requests(g), req);
	check_frames(c->t, 0, 20, 200, 1);
	/* A burst costs one interrupt. */
	assert_int_equal(e1kt_counter(c->t, "irqs") - irqs, 1);
	assert_true(e1kg_rd(g, E1K_ICR) & E1K_ICR_TXDW);
	e1kg_irq_eoi(g);

	/* RX: a burst of 8 from the peer, taken and given back through the page. */
	irqs = e1kt_counter(c->t, "irqs");
	for (unsigned i = 0; i < 8; i++) {
		lens[i] = e1kt_eth(f, E1KT_MAC, E1KT_PEER, 0x88b5, 300, (uint8_t)(40 + i));
		fp[i] = malloc(lens[i]);
		assert_non_null(fp[i]);
		memcpy((void *)fp[i], f, lens[i]);
	}
	assert_int_equal(e1kt_inject(c->t, fp, lens, 8, 0, 0), 8);
	assert_int_equal(e1kg_irq_wait(g, E1KT_TMO), 1);
	assert_int_equal(e1kt_counter(c->t, "irqs") - irqs, 1);
	req = e1kg_requests(g);
	assert_int_equal(wait_page(g, E1K_RDH, 8), 8);
	for (unsigned i = 0; i < 8; i++) {
		uint32_t n = e1kg_rx_take(g, out, sizeof(out), NULL);

		assert_int_equal(n, lens[i] + 4); /* FCS kept */
		assert_memory_equal(out, fp[i], lens[i]);
		free((void *)fp[i]);
	}
	/* The RDT stores reach the device: it takes frames again into the freed buffers. */
	assert_int_equal(e1kg_rd(g, E1K_RDT), 7);
	assert_true(wait_counter(c->t, "db_rx_kicks", 1) >= 1);
	assert_int_equal(e1kg_requests(g), req);

	/* Nothing arrived as a register write: no trapped tail, no trapped page access. */
	assert_int_equal(e1kt_counter(c->t, "tail_traps"), 0);
	assert_int_equal(e1kt_counter(c->t, "db_page_traps"), 0);
	assert_true(e1kt_counter(c->t, "db_tx_kicks") >= 1);
	assert_int_equal(e1kt_counter(c->t, "tx_ring_err"), 0);
	assert_int_equal(e1kt_counter(c->t, "rx_ring_err"), 0);
}

/* Several doorbells before the device looks: one walk, one interrupt. */
static void test_doorbells_coalesce(void **state)
{
	struct e1kt_ctx *c = *state;
	struct e1kg *g = &c->g;

	e1kg_tx_setup(g, 128);
	e1kg_wr(g, E1K_IMS, E1K_ICR_TXDW);
	(void)e1kg_rd(g, E1K_ICR);
	(void)e1kg_irq_wait(g, 0);
	e1kg_irq_eoi(g);
	long long irqs = e1kt_counter(c->t, "irqs");
	for (unsigned k = 0; k < 6; k++) {
		queue_frames(g, 10, 100, (uint8_t)(k * 10));
		e1kg_tx_kick(g);
	}
	assert_int_equal(e1kt_wait_frames(c->t, 60, E1KT_TMO), 60);
	assert_int_equal(e1kg_irq_wait(g, E1KT_TMO), 1);
	assert_int_equal(wait_page(g, E1K_TDH, 60), 60);
	for (unsigned k = 0; k < 6; k++)
		check_frames(c->t, k * 10, 10, 100, (uint8_t)(k * 10));
	/* However many doorbells the poll saw, the line went up once until ICR is read. */
	assert_int_equal(e1kt_counter(c->t, "irqs") - irqs, 1);
}

/* ---- the trapped mode beside it ---------------------------------------------------- */

static void test_trapped_device_beside(void **state)
{
	struct e1kt_ctx *c = *state;
	struct e1kt *t2 = e1kt_start();
	struct e1kg g2;

	assert_non_null(t2);
	assert_int_equal(e1kg_open(&g2, e1kt_socket(t2)), 0);
	e1kg_reset(&g2);
	e1kg_tx_setup(&g2, 32);
	e1kg_tx_setup(&c->g, 32);
	queue_frames(&g2, 4, 64, 9);
	queue_frames(&c->g, 4, 64, 9);
	uint64_t req = e1kg_requests(&g2);
	e1kg_tx_kick(&g2);
	assert_true(e1kg_requests(&g2) > req); /* a REGION_WRITE */
	e1kg_tx_kick(&c->g);
	assert_int_equal(e1kt_wait_frames(t2, 4, E1KT_TMO), 4);
	assert_int_equal(e1kt_wait_frames(c->t, 4, E1KT_TMO), 4);
	check_frames(t2, 0, 4, 64, 9);
	check_frames(c->t, 0, 4, 64, 9);
	assert_int_equal(e1kt_counter(t2, "tail_traps"), 2); /* setup's TDT = 0, the kick */
	assert_int_equal(e1kt_counter(t2, "db_tx_kicks"), 0);
	assert_int_equal(e1kt_counter(c->t, "tail_traps"), 0);
	e1kg_close(&g2);
	e1kt_stop(t2);
}

/* ---- hostile page values ------------------------------------------------------------ */

static void test_tail_beyond_ring(void **state)
{
	struct e1kt_ctx *c = *state;
	struct e1kg *g = &c->g;
	long long err;

	e1kg_tx_setup(g, 16);
	e1kg_rx_setup(g, 16, 2048, E1K_RCTL_BAM);
	err = e1kt_counter(c->t, "tx_ring_err");
	e1kg_wr(g, E1K_TDT, 16); /* one past the end */
	assert_int_equal(wait_counter(c->t, "tx_ring_err", err + 1), err + 1);
	sleep_ms(20);
	/* Counted once per value, not once per poll; nothing sent, head untouched. */
	assert_int_equal(e1kt_counter(c->t, "tx_ring_err"), err + 1);
	assert_int_equal(e1kt_nframes(c->t), 0);
	assert_int_equal(e1kg_rd(g, E1K_TDH), 0);
	e1kg_wr(g, E1K_TDT, 0xffffffffu);
	assert_int_equal(wait_counter(c->t, "tx_ring_err", err + 2), err + 2);

	/* A good tail again: the ring works. */
	g->tx_tail = 0;
	queue_frames(g, 3, 80, 5);
	e1kg_tx_kick(g);
	assert_int_equal(e1kt_wait_frames(c->t, 3, E1KT_TMO), 3);
	check_frames(c->t, 0, 3, 80, 5);

	/* RDT beyond the ring: a frame from the peer is a counted drop, no write. */
	uint8_t f[200];
	uint32_t len = e1kt_eth(f, E1KT_MAC, E1KT_PEER, 0x88b5, 100, 3);
	e1kg_wr(g, E1K_RDT, 40);
	assert_true(wait_counter(c->t, "db_rx_kicks", 1) >= 1);
	err = e1kt_counter(c->t, "rx_ring_err");
	(void)e1kt_inject1(c->t, f, len);
	assert_int_equal(e1kt_counter(c->t, "rx_ring_err"), err + 1);
	assert_int_equal(e1kt_counter(c->t, "rx_pkts"), 0);
	struct e1kg_rxd d;
	e1kg_rxd(g, 0, &d);
	assert_false(d.status & E1K_RXD_STAT_DD);
}

static void test_ring_registers_changed_while_enabled(void **state)
{
	struct e1kt_ctx *c = *state;
	struct e1kg *g = &c->g;

	e1kg_tx_setup(g, 16);
	/* The guest rewrites the geometry under the running ring: ignored until re-enabled. */
	e1kg_wr(g, E1K_TDLEN, 0xfff80);
	e1kg_wr(g, E1K_TDBAL, 0xfffff000u);
	e1kg_wr(g, E1K_TDBAH, 0xffffffffu);
	e1kg_wr(g, E1K_TDH, 9);
	queue_frames(g, 5, 120, 7);
	e1kg_tx_kick(g);
	assert_int_equal(e1kt_wait_frames(c->t, 5, E1KT_TMO), 5);
	check_frames(c->t, 0, 5, 120, 7);
	/* The device writes its own head back over the guest's. */
	assert_int_equal(wait_page(g, E1K_TDH, 5), 5);
	assert_int_equal(e1kt_counter(c->t, "tx_desc_dma"), 0);

	/* Re-enabling takes the page as it is now: a ring outside guest memory, refused. */
	e1kg_wr(g, E1K_TCTL, 0);
	e1kg_wr(g, E1K_TDLEN, 16 * 16);
	e1kg_wr(g, E1K_TDH, 0);
	e1kg_wr(g, E1K_TDT, 0);
	e1kg_wr(g, E1K_TCTL, E1K_TCTL_EN | E1K_TCTL_PSP);
	e1kg_wr(g, E1K_TDT, 2);
	assert_int_equal(wait_counter(c->t, "tx_desc_dma", 1), 1);
	assert_int_equal(e1kt_nframes(c->t), 5);
}

static void test_garbage_then_reset(void **state)
{
	struct e1kt_ctx *c = *state;
	struct e1kg *g = &c->g;
	uint32_t x = 0x2545f491u;

	e1kg_tx_setup(g, 16);
	e1kg_rx_setup(g, 16, 2048, E1K_RCTL_BAM);
	/* Random words everywhere, many times, while both rings run. */
	for (unsigned round = 0; round < 200; round++) {
		for (uint32_t off = E1K_DB_OFF; off < E1K_DB_OFF + E1K_DB_SIZE; off += 4) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			e1kg_wr(g, off, x);
		}
		uint8_t f[100];
		uint32_t len = e1kt_eth(f, E1KT_MAC, E1KT_PEER, 0x88b5, 60, (uint8_t)round);
		(void)e1kt_inject1(c->t, f, len);
	}
	/* The device is alive and answers; whatever it did was within the rings it latched. */
	assert_true(e1kt_counter(c->t, "db_tx_kicks") >= 1);
	assert_int_equal(e1kt_counter(c->t, "tail_traps"), 0);

	/* A reset clears the page (and the device stops polling until a ring is enabled). */
	e1kg_reset(g);
	for (uint32_t off = E1K_DB_OFF; off < E1K_DB_OFF + E1K_DB_SIZE; off += 4)
		assert_int_equal(e1kg_rd(g, off), off == E1K_TXDCTL ? E1K_TXDCTL_RESET : 0);
	e1kt_clear(c->t);
	e1kg_txbuf_reset(g);
	e1kg_tx_setup(g, 32);
	queue_frames(g, 4, 90, 2);
	e1kg_tx_kick(g);
	assert_int_equal(e1kt_wait_frames(c->t, 4, E1KT_TMO), 4);
	check_frames(c->t, 0, 4, 90, 2);
}

/*
 * Attaches a new client to the fixture's device after the old one closed and
 * maps its doorbell page. The server may not have seen the old client go yet:
 * it refuses a second one meanwhile.
 */
static void reattach(struct e1kt_ctx *c)
{
	for (int i = 0; i < 200; i++) {
		if (e1kg_open(&c->g, e1kt_socket(c->t)) == 0 && e1kg_map_doorbells(&c->g) == 0)
			break;
		e1kg_close(&c->g);
		sleep_ms(10);
	}
	assert_non_null(c->g.db);
}

/* The client goes away: the device reset clears the page for the next one. */
static void test_detach_clears_page(void **state)
{
	struct e1kt_ctx *c = *state;

	e1kg_tx_setup(&c->g, 16);
	e1kg_wr(&c->g, E1K_TDT, 3);
	e1kg_wr(&c->g, E1K_RSRPD, 0x55);
	e1kg_close(&c->g);
	reattach(c);
	assert_int_equal(wait_page(&c->g, E1K_RSRPD, 0), 0);
	assert_int_equal(e1kg_rd(&c->g, E1K_TDT), 0);
	assert_int_equal(e1kg_rd(&c->g, E1K_TXDCTL), E1K_TXDCTL_RESET);
}

/* Which file REGION_INFO hands out for BAR0's doorbell page. */
static void doorbell_file(struct e1kg *g, struct stat *st)
{
	uint8_t caps[256];
	struct vfu_region_info ri;
	int fd = -1;

	assert_int_equal(vfuc_region_info(g->c, VFU_PCI_BAR0, &ri, caps, sizeof(caps), &fd), 0);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, st), 0);
	close(fd);
}

static void stale_wr(uint8_t *page, uint32_t off, uint32_t v)
{
	*(volatile uint32_t *)(void *)(page + (off - E1K_DB_OFF)) = v;
}

static uint32_t stale_rd(const uint8_t *page, uint32_t off)
{
	return *(const volatile uint32_t *)(const void *)(page + (off - E1K_DB_OFF));
}

/*
 * A VMM that kept its mapping of the doorbell page after it went away rings
 * the doorbells of the next VM on the device: nothing may happen there. The
 * next client gets a page of its own (another file), and the old mapping
 * sees none of its registers either.
 */
static void test_stale_mapping_after_detach(void **state)
{
	struct e1kt_ctx *c = *state;
	struct e1kg *g = &c->g;
	uint32_t before[E1K_DB_SIZE / 4];
	struct stat st1, st2;
	uint8_t *stale;
	size_t stale_len;

	/* Client 1 (mapped and reset by the fixture) leaves, keeping its mapping. */
	doorbell_file(g, &st1);
	assert_int_equal(g->db_off, E1K_DB_OFF);
	stale = g->db;
	stale_len = g->db_size;
	g->db = NULL; /* e1kg_close would unmap it */
	e1kg_close(g);

	/* Client 2: its own page, its rings set up, four frames queued but not rung. */
	reattach(c);
	doorbell_file(g, &st2);
	assert_false(st1.st_dev == st2.st_dev && st1.st_ino == st2.st_ino);
	e1kg_reset(g);
	e1kg_tx_setup(g, 16);
	e1kg_rx_setup(g, 16, 2048, E1K_RCTL_BAM);
	queue_frames(g, 4, 100, 3);
	sleep_ms(20); /* the poll has seen the setup */
	long long tx_kicks = e1kt_counter(c->t, "db_tx_kicks");
	long long rx_kicks = e1kt_counter(c->t, "db_rx_kicks");
	for (uint32_t i = 0; i < E1K_DB_SIZE / 4; i++)
		before[i] = e1kg_rd(g, E1K_DB_OFF + 4 * i);

	/* Client 1's stale mapping rings both doorbells. */
	stale_wr(stale, E1K_TDT, 4);
	stale_wr(stale, E1K_RDT, 5);
	sleep_ms(50);
	assert_int_equal(e1kt_nframes(c->t), 0);
	assert_int_equal(e1kg_rd(g, E1K_TDH), 0);
	assert_int_equal(e1kt_counter(c->t, "db_tx_kicks"), tx_kicks);
	assert_int_equal(e1kt_counter(c->t, "db_rx_kicks"), rx_kicks);
	for (uint32_t i = 0; i < E1K_DB_SIZE / 4; i++)
		assert_int_equal(e1kg_rd(g, E1K_DB_OFF + 4 * i), before[i]);

	/* The device polls client 2's page: its own doorbell sends the frames. */
	e1kg_tx_kick(g);
	assert_int_equal(e1kt_wait_frames(c->t, 4, E1KT_TMO), 4);
	check_frames(c->t, 0, 4, 100, 3);
	assert_int_equal(wait_page(g, E1K_TDH, 4), 4);
	/* The head the device wrote back is not seen through the old mapping. */
	assert_int_equal(stale_rd(stale, E1K_TDH), 0);
	assert_int_equal(stale_rd(stale, E1K_TDT), 4);
	munmap(stale, stale_len);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_region_offers_page, setup_poll, e1kt_ctx_teardown),
		cmocka_unit_test_setup_teardown(test_tx_rx_without_messages, setup_poll, e1kt_ctx_teardown),
		cmocka_unit_test_setup_teardown(test_doorbells_coalesce, setup_poll, e1kt_ctx_teardown),
		cmocka_unit_test_setup_teardown(test_trapped_device_beside, setup_poll, e1kt_ctx_teardown),
		cmocka_unit_test_setup_teardown(test_tail_beyond_ring, setup_poll, e1kt_ctx_teardown),
		cmocka_unit_test_setup_teardown(test_ring_registers_changed_while_enabled,
						setup_poll, e1kt_ctx_teardown),
		cmocka_unit_test_setup_teardown(test_garbage_then_reset, setup_poll, e1kt_ctx_teardown),
		cmocka_unit_test_setup_teardown(test_detach_clears_page, setup_poll, e1kt_ctx_teardown),
		cmocka_unit_test_setup_teardown(test_stale_mapping_after_detach, setup_poll,
						e1kt_ctx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
