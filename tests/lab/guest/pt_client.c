/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pt_client: the in-tree vfio-user client on a device vmux passes through
 * (tests/lab/test_lab_passthrough.sh, inside the lab VM). One line per check
 * ("ok: ..." or "FAIL: ..."), then "key=value" lines; exit 0 when all passed.
 *
 *   pt_client e1000 SOCK     the poll-mode e1000 driver (client/e1kg) on the
 *                            passed-through e1000: a frame out (the host sees it
 *                            on its tap), a frame in with INTx, then TX from a
 *                            ring at an address the client never mapped (the
 *                            IOMMU refuses; guest memory stays untouched)
 *   pt_client e1000-huge SOCK  the same TX and RX with guest RAM in 2 MiB pages
 *                            (a hugetlb memfd)
 *   pt_client traffic SOCK   sends frames until killed
 *   pt_client hold SOCK      attaches to the e1000 and holds it until the server
 *                            drops it (vmux giving the device back to the kernel,
 *                            VFIO's REQ), then lets go of everything: ok when
 *                            that happens within 60 s
 *   pt_client igb SOCK       the igb's MSI-X: every vector fired by EICS reaches
 *                            its own eventfd and no other; a vector masked in the
 *                            MSI-X table stays quiet with its PBA bit set, and
 *                            unmasking delivers it
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "client/e1kg.h"
#include "client/vfuc.h"

static int failures;

#define OK(...) (printf("ok: " __VA_ARGS__), putchar('\n'))
#define FAIL(...) (printf("FAIL: " __VA_ARGS__), putchar('\n'), failures++)

static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t mymac[6] = { 0x52, 0x54, 0x00, 0x1a, 0xb0, 0x01 };
#define ETH_TEST 0x88b5

static uint32_t test_frame(uint8_t *f, const char *tag)
{
	uint32_t n = e1kg_eth(f, bcast, mymac, ETH_TEST, 64, 1);
	memcpy(f + 14, tag, strlen(tag));
	return n;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Sends one frame and waits for its DD: 1 if done. */
static int tx_one(struct e1kg *g, const char *tag, double tmo)
{
	uint8_t f[128];
	uint32_t len = test_frame(f, tag);
	uint64_t a = e1kg_txbuf(g, f, len);
	uint32_t idx = e1kg_tx_legacy(g, a, (uint16_t)len,
				      (E1K_TXD_CMD_EOP | E1K_TXD_CMD_IFCS | E1K_TXD_CMD_RS) >> 24, 0,
				      0, 0);
	e1kg_tx_kick(g);
	for (double t0 = now_s(); now_s() - t0 < tmo;) {
		if (e1kg_tx_status(g, idx) & 1)
			return 1;
		usleep(1000);
	}
	return 0;
}

static int e1000_open(struct e1kg *g, const char *sock, bool huge)
{
	int fd = -1;

	if (huge) {
		/* Guest RAM in 2 MiB pages, as memory-backend-memfd,hugetlb=on gives it. */
		fd = memfd_create("pt-guest-huge", MFD_HUGETLB | MFD_CLOEXEC);
		if (fd < 0 || ftruncate(fd, E1KG_MEM)) {
			FAIL("hugetlb memfd of %u bytes: %s (hugepages reserved?)", E1KG_MEM,
			     strerror(errno));
			return -1;
		}
	}
	int r = e1kg_open_mem(g, sock, fd);
	if (r) {
		FAIL("e1kg_open %s: %s", sock, strerror(-r));
		return -1;
	}
	e1kg_reset(g);
	e1kg_tx_setup(g, 64);
	e1kg_rx_setup(g, 64, 2048, E1K_RCTL_BAM);
	for (double t0 = now_s(); now_s() - t0 < 5;) {
		if (e1kg_rd(g, E1K_STATUS) & E1K_STATUS_LU)
			break;
		usleep(10000);
	}
	return 0;
}

static int run_e1000(const char *sock, bool huge)
{
	struct e1kg g;
	uint8_t f[2048];
	struct e1kg_rxd d;

	if (e1000_open(&g, sock, huge))
		return 1;
	OK("e1000 open%s: STATUS %#x", huge ? " (guest RAM in hugepages)" : "",
	   e1kg_rd(&g, E1K_STATUS));
	if (tx_one(&g, "vmux-pt-tx", 5))
		OK("TX: the frame's descriptor done");
	else
		FAIL("TX: no DD within 5 s (TDH %u)", e1kg_rd(&g, 0x3810));

	/* RX: the host sends test frames; one must land in the ring and raise INTx. */
	e1kg_wr(&g, E1K_IMS, E1K_ICR_RXT0);
	int got = 0, irqs = 0;
	for (double t0 = now_s(); now_s() - t0 < 20 && !got;) {
		if (e1kg_irq_wait(&g, 200)) {
			irqs++;
			uint32_t icr = e1kg_rd(&g, E1K_ICR);
			uint32_t n;
			while ((n = e1kg_rx_take(&g, f, sizeof(f), &d)) > 0)
				if (n >= 24 && f[12] == (ETH_TEST >> 8) && f[13] == (ETH_TEST & 0xff) &&
				    !memcmp(f + 14, "vmux-pt-rx", 10))
					got = 1;
			e1kg_irq_eoi(&g);
			if (got)
				OK("RX: the host's frame in the RX ring with INTx (ICR %#x, %d interrupt(s))",
				   icr, irqs);
		}
	}
	if (!got)
		FAIL("RX: no frame from the host with an interrupt in 20 s (%d INTx)", irqs);
	printf("intx=%d\n", irqs);
	if (huge) {
		e1kg_close(&g);
		return failures ? 1 : 0;
	}

	/*
	 * DMA to memory the client never mapped: the TX ring at 0x70000000. The
	 * IOMMU refuses the device's reads (a DMAR fault in the lab VM's log);
	 * nothing of the guest memory that is mapped changes.
	 */
	uint8_t *canary = e1kg_ptr(&g, 0x600000);
	memset(canary, 0x5a, 0x100000);
	e1kg_wr(&g, E1K_IMC, ~0u);
	e1kg_wr(&g, 0x0400, 0); /* TCTL off */
	e1kg_wr(&g, E1K_TDBAL, 0x70000000);
	e1kg_wr(&g, E1K_TDBAL + 4, 0);
	e1kg_wr(&g, 0x3808, 16 * 8);
	e1kg_wr(&g, 0x3810, 0);
	e1kg_wr(&g, 0x3818, 0);
	e1kg_wr(&g, 0x0400, 0x2 | 0x8);
	e1kg_wr(&g, 0x3818, 4);
	usleep(300000);
	int clean = 1;
	for (unsigned i = 0; i < 0x100000; i++)
		clean &= canary[i] == 0x5a;
	printf("fault_tdh=%u\n", e1kg_rd(&g, 0x3810));
	if (clean)
		OK("DMA from unmapped 0x70000000: mapped guest memory untouched");
	else
		FAIL("DMA from unmapped 0x70000000 changed mapped guest memory");
	e1kg_close(&g);
	return failures ? 1 : 0;
}

static int run_traffic(const char *sock)
{
	struct e1kg g;

	if (e1000_open(&g, sock, false))
		return 1;
	printf("traffic: sending\n");
	fflush(stdout);
	for (unsigned long n = 0;; n++)
		tx_one(&g, "vmux-pt-bg", 1);
	return 0;
}

/* ---- igb MSI-X ----------------------------------------------------------- */

#define IGB_CTRL 0x0000
#define IGB_EICS 0x1520
#define IGB_EIMS 0x1524
#define IGB_EIMC 0x1528
#define IGB_EIAC 0x152c
#define IGB_EICR 0x1580
#define IGB_GPIE 0x1514
#define IGB_GPIE_MSIX_MODE (1u << 4)
#define IGB_GPIE_PBA (1u << 31)

static void drain(struct vfuc *c, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		while (vfuc_irq_wait(c, VFU_IRQ_MSIX, i, 0) > 0)
			;
}

/* The vectors (bit mask) that fired within ms. */
static uint64_t fired(struct vfuc *c, unsigned n, int ms)
{
	uint64_t m = 0;
	struct pollfd p[64];

	for (unsigned i = 0; i < n; i++)
		p[i] = (struct pollfd){ .fd = vfuc_irq_fd(c, VFU_IRQ_MSIX, i), .events = POLLIN };
	if (poll(p, n, ms) > 0) {
		usleep(50000); /* anything else that comes with it */
		poll(p, n, 0);
		for (unsigned i = 0; i < n; i++)
			if (p[i].revents & POLLIN)
				m |= 1ull << i;
	}
	drain(c, n);
	return m;
}

static int run_igb(const char *sock)
{
	struct vfuc *c = vfuc_connect(sock, 5000);
	struct vfuc_mem mem;
	unsigned cap, n, tbar, pbar;
	uint32_t toff, poff;

	if (!c || vfuc_negotiate(c, NULL) || vfuc_mem_create(c, 0x10000000, 1 << 20, &mem)) {
		FAIL("connect/negotiate/map %s", sock);
		return 1;
	}
	vfuc_cfg_write16(c, 0x04, 0x0006);
	cap = vfuc_find_cap(c, 0x11);
	if (!cap) {
		FAIL("no MSI-X capability");
		return 1;
	}
	n = (vfuc_cfg_read16(c, cap + 2) & 0x7ff) + 1;
	toff = vfuc_cfg_read32(c, cap + 4);
	poff = vfuc_cfg_read32(c, cap + 8);
	tbar = toff & 7;
	pbar = poff & 7;
	toff &= ~7u;
	poff &= ~7u;
	if (n > 25)
		n = 25; /* EICR's MSI-X causes */
	printf("msix_vectors=%u table=BAR%u+%#x pba=BAR%u+%#x\n", n, tbar, toff, pbar, poff);
	int r = vfuc_irq_enable(c, VFU_IRQ_MSIX, n);
	if (r) {
		FAIL("SET_IRQS MSI-X %u vectors: %s", n, strerror(-r));
		return 1;
	}
	vfuc_cfg_write16(c, cap + 2, 0x8000);
	for (unsigned i = 0; i < n; i++)
		vfuc_bar_write32(c, tbar, toff + 16 * i + 12, 0, false);
	vfuc_bar_write32(c, 0, IGB_CTRL, vfuc_bar_read32(c, 0, IGB_CTRL) | (1u << 26), false);
	usleep(20000);
	vfuc_bar_write32(c, 0, IGB_EIMC, ~0u, false);
	vfuc_bar_write32(c, 0, IGB_GPIE, IGB_GPIE_MSIX_MODE | IGB_GPIE_PBA, false);
	vfuc_bar_write32(c, 0, IGB_EICR, ~0u, false);
	uint32_t all = n >= 32 ? ~0u : (1u << n) - 1;
	vfuc_bar_write32(c, 0, IGB_EIAC, all, false);
	vfuc_bar_write32(c, 0, IGB_EIMS, all, false);
	drain(c, n);

	unsigned good = 0;
	for (unsigned v = 0; v < n; v++) {
		vfuc_bar_write32(c, 0, IGB_EICS, 1u << v, false);
		uint64_t m = fired(c, n, 2000);
		if (m == 1ull << v)
			good++;
		else
			FAIL("EICS bit %u: vectors %#llx fired, expected only %u", v,
			     (unsigned long long)m, v);
	}
	if (good == n)
		OK("MSI-X: each of %u vectors fired its own eventfd and no other", n);
	printf("msix_ok=%u\n", good);

	/* Masked in the table: quiet, PBA bit set; unmasked: delivered. */
	unsigned v = n > 3 ? 3 : 0;
	uint64_t pba = 0;
	vfuc_bar_write32(c, tbar, toff + 16 * v + 12, 1, false);
	vfuc_bar_write32(c, 0, IGB_EICS, 1u << v, false);
	uint64_t m = fired(c, n, 700);
	vfuc_region_read(c, pbar, poff, &pba, 8);
	if (!m && (pba & (1ull << v)))
		OK("vector %u masked: quiet, PBA %#llx", v, (unsigned long long)pba);
	else
		FAIL("vector %u masked: fired %#llx, PBA %#llx", v, (unsigned long long)m,
		     (unsigned long long)pba);
	vfuc_bar_write32(c, tbar, toff + 16 * v + 12, 0, false);
	m = fired(c, n, 2000);
	vfuc_region_read(c, pbar, poff, &pba, 8);
	if (m == 1ull << v && !(pba & (1ull << v)))
		OK("vector %u unmasked: its pending interrupt delivered, PBA %#llx", v,
		   (unsigned long long)pba);
	else
		FAIL("vector %u unmasked: fired %#llx, PBA %#llx", v, (unsigned long long)m,
		     (unsigned long long)pba);
	/* And it works as before. */
	vfuc_bar_write32(c, 0, IGB_EICS, 1u << v, false);
	m = fired(c, n, 2000);
	if (m == 1ull << v)
		OK("vector %u fires again after the unmask", v);
	else
		FAIL("vector %u after the unmask: fired %#llx", v, (unsigned long long)m);
	vfuc_close(c);
	return failures ? 1 : 0;
}

static int run_hold(const char *sock)
{
	struct e1kg g;

	if (e1000_open(&g, sock, false))
		return 1;
	printf("holding\n");
	fflush(stdout);
	double t0 = now_s();
	while (now_s() - t0 < 60 && !vfuc_server_closed(g.c, 100))
		;
	if (vfuc_server_closed(g.c, 0))
		OK("the server dropped the client after %.1f s of holding", now_s() - t0);
	else
		FAIL("the server kept the client for 60 s");
	e1kg_close(&g);
	return failures ? 1 : 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc != 3) {
		fprintf(stderr, "usage: pt_client e1000|e1000-huge|traffic|hold|igb SOCKET\n");
		return 2;
	}
	if (!strcmp(argv[1], "e1000"))
		return run_e1000(argv[2], false);
	if (!strcmp(argv[1], "e1000-huge"))
		return run_e1000(argv[2], true);
	if (!strcmp(argv[1], "traffic"))
		return run_traffic(argv[2]);
	if (!strcmp(argv[1], "hold"))
		return run_hold(argv[2]);
	if (!strcmp(argv[1], "igb"))
		return run_igb(argv[2]);
	fprintf(stderr, "pt_client: unknown test %s\n", argv[1]);
	return 2;
}
