/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A poll-mode e1000 "guest" for the fault-injection tests: the in-tree
 * vfio-user client driving one of vmux's emulated e1000s (the e1kg driver,
 * client/e1kg.h), as a separate process that the test can kill.
 *
 *   fault_guest SOCKET recv
 *       Receives forever; once a second prints "rx FRAMES MAXGAP_MS". On
 *       SIGTERM prints "total FRAMES MAXGAP_MS" and exits 0. MAXGAP is the
 *       longest time between two received frames since the first one: the
 *       measure of a stall.
 *   fault_guest SOCKET send SRCMAC DSTMAC
 *       Sends 60-byte frames SRCMAC -> DSTMAC forever, 16 every 2 ms.
 *   fault_guest SOCKET flood SRCMAC DSTMAC
 *       The same as fast as the device takes them: the TX ring refilled
 *       every 50 us.
 *   fault_guest SOCKET chaos SEED SRCMAC
 *       One misbehaviour picked by SEED (a test kills it at a random moment
 *       anyway): traffic; half a message and close; DMA_UNMAP of the ring
 *       memory while the device uses it; guest RAM mapped read-only; more
 *       fds than a message may carry; DMA maps until refused; garbage bytes;
 *       requests sent without ever reading a reply.
 *       Exits 0 when it ran out of things to do.
 * Exit status 2: usage; 1: the device could not be set up (recv/send only).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "client/e1kg.h"

#define RING 256u
#define TXCMD ((E1K_TXD_CMD_EOP | E1K_TXD_CMD_IFCS | E1K_TXD_CMD_RS) >> 24)

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void nap_us(long us)
{
	struct timespec ts = { .tv_sec = us / 1000000, .tv_nsec = (us % 1000000) * 1000 };
	nanosleep(&ts, NULL);
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned v[6];
	char extra;
	if (sscanf(s, "%x:%x:%x:%x:%x:%x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &extra) != 6)
		return -1;
	for (int i = 0; i < 6; i++) {
		if (v[i] > 0xff)
			return -1;
		mac[i] = (uint8_t)v[i];
	}
	return 0;
}

static int setup(struct e1kg *g, const char *sock)
{
	int r = e1kg_open(g, sock);
	if (r) {
		fprintf(stderr, "fault_guest: cannot open %s: %s\n", sock, strerror(-r));
		return r;
	}
	e1kg_reset(g);
	e1kg_tx_setup(g, RING);
	e1kg_rx_setup(g, RING, 2048, E1K_RCTL_BAM);
	return 0;
}

/* Queues up to n copies of the frame at addr where the ring has room; kicks. */
static unsigned tx_burst(struct e1kg *g, uint64_t addr, uint16_t len, unsigned n)
{
	uint32_t head = e1kg_rd(g, E1K_TDH);
	if (head == 0xffffffffu || head >= RING)
		return 0;
	uint32_t room = (head + RING - g->tx_tail - 1) % RING;
	unsigned k = n < room ? n : room;
	for (unsigned i = 0; i < k; i++)
		e1kg_tx_legacy(g, addr, len, TXCMD, 0, 0, 0);
	if (k)
		e1kg_tx_kick(g);
	return k;
}

static int do_send(const char *sock, const uint8_t src[6], const uint8_t dst[6], unsigned burst,
		   long nap)
{
	struct e1kg g;
	uint8_t f[64];

	if (setup(&g, sock))
		return 1;
	uint32_t len = e1kg_eth(f, dst, src, 0x88b5, 46, 7);
	uint64_t addr = e1kg_txbuf(&g, f, len);
	while (!stop) {
		tx_burst(&g, addr, (uint16_t)len, burst);
		nap_us(nap);
	}
	e1kg_close(&g);
	return 0;
}

static int do_recv(const char *sock)
{
	struct e1kg g;
	static uint8_t buf[16384];
	uint64_t frames = 0, last = 0, gap = 0, report;

	if (setup(&g, sock))
		return 1;
	report = now_ms() + 1000;
	while (!stop) {
		uint32_t n = e1kg_rx_take(&g, buf, sizeof(buf), NULL);
		uint64_t t = now_ms();
		if (n) {
			if (frames && t - last > gap)
				gap = t - last;
			last = t;
			frames++;
		} else {
			nap_us(200);
		}
		if (t >= report) {
			printf("rx %llu %llu\n", (unsigned long long)frames, (unsigned long long)gap);
			fflush(stdout);
			report = t + 1000;
		}
	}
	/* A stall that is still going on counts too. */
	if (frames && now_ms() - last > gap)
		gap = now_ms() - last;
	printf("total %llu %llu\n", (unsigned long long)frames, (unsigned long long)gap);
	e1kg_close(&g);
	return 0;
}

/* ---- misbehaviours ------------------------------------------------------------- */

static void traffic(struct e1kg *g, const uint8_t src[6], unsigned rounds)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	uint8_t f[64];
	uint32_t len = e1kg_eth(f, bcast, src, 0x88b5, 46, 3);
	uint64_t addr = e1kg_txbuf(g, f, len);
	for (unsigned i = 0; i < rounds && !stop; i++) {
		tx_burst(g, addr, (uint16_t)len, 8);
		nap_us(1000);
	}
}

static void half_message(struct e1kg *g)
{
	/* A REGION_READ header that announces a payload, then nothing. */
	uint8_t hdr[16] = { 0 };
	uint32_t size = 16 + 16;
	hdr[2] = 9; /* REGION_READ */
	memcpy(hdr + 4, &size, 4);
	vfuc_send_raw(g->c, hdr, 10, NULL, 0);
	nap_us(20000);
}

static void unmap_in_use(struct e1kg *g, const uint8_t src[6])
{
	traffic(g, src, 5);
	/* Queue frames, then pull the memory they are in out from under the device. */
	uint8_t f[64];
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	uint32_t len = e1kg_eth(f, bcast, src, 0x88b5, 46, 5);
	uint64_t addr = e1kg_txbuf(g, f, len);
	for (unsigned i = 0; i < 64; i++)
		e1kg_tx_legacy(g, addr, (uint16_t)len, TXCMD, 0, 0, 0);
	vfuc_bar_write32(g->c, 0, E1K_TDT, g->tx_tail, true);
	vfuc_dma_unmap(g->c, E1KG_IOVA, E1KG_MEM, 0);
	/* Doorbells on memory that is gone. */
	for (unsigned i = 0; i < 20 && !stop; i++) {
		e1kg_wr(g, E1K_TDT, (g->tx_tail + i) % RING);
		e1kg_wr(g, E1K_RDT, i % RING);
		nap_us(1000);
	}
}

static void read_only_ram(struct e1kg *g, const uint8_t src[6])
{
	/* The same RAM again, read-only for the device: it cannot write back. */
	vfuc_dma_unmap(g->c, E1KG_IOVA, E1KG_MEM, 0);
	if (vfuc_dma_map(g->c, E1KG_IOVA, E1KG_MEM, g->mem.fd, 0, VFU_DMA_F_READ))
		return;
	traffic(g, src, 50);
}

static void too_many_fds(struct e1kg *g)
{
	int fds[64];
	size_t n = 0;
	for (; n < 64; n++) {
		fds[n] = eventfd(0, EFD_CLOEXEC);
		if (fds[n] < 0)
			break;
	}
	/* SET_IRQS for MSI-X 0..n-1 with n eventfds: more than max_msg_fds. */
	for (int i = 0; i < 20 && !stop; i++)
		vfuc_set_irqs(g->c, VFU_IRQ_MSIX,
			      VFU_IRQ_SET_DATA_EVENTFD | VFU_IRQ_SET_ACTION_TRIGGER, 0, (uint32_t)n,
			      NULL, 0, fds, n);
	for (size_t i = 0; i < n; i++)
		close(fds[i]);
}

static void many_maps(struct e1kg *g)
{
	/* Page-sized maps of the guest's memfd at fresh addresses until refused. */
	for (uint64_t i = 0; i < 5000 && !stop; i++) {
		if (vfuc_dma_map(g->c, 0x100000000ull + i * 4096, 4096, g->mem.fd, 0,
				 VFU_DMA_F_READ | VFU_DMA_F_WRITE))
			break;
	}
}

static void garbage(struct e1kg *g, unsigned seed)
{
	uint8_t junk[512];
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)rand_r(&seed);
	vfuc_send_raw(g->c, junk, sizeof(junk), NULL, 0);
	nap_us(20000);
}

/* Requests as fast as the socket takes them, never a reply read. */
static void no_reading(struct e1kg *g)
{
	uint8_t m[16 + 16] = { 0 };
	uint32_t size = sizeof(m), count = 4;
	m[2] = 9; /* REGION_READ of 4 bytes of BAR0 */
	memcpy(m + 4, &size, 4);
	memcpy(m + 16 + 12, &count, 4);
	for (unsigned i = 0; i < 200000 && !stop; i++) {
		m[0] = (uint8_t)i;
		m[1] = (uint8_t)(i >> 8);
		if (vfuc_send_raw(g->c, m, sizeof(m), NULL, 0))
			break;
	}
	while (!stop)
		nap_us(10000);
}

static int do_chaos(const char *sock, unsigned seed, const uint8_t src[6])
{
	struct e1kg g;
	unsigned what = seed % 8;

	if (setup(&g, sock))
		return 0; /* refused or killed mid-setup: also a case */
	switch (what) {
	case 0:
		traffic(&g, src, 1000);
		break;
	case 1:
		half_message(&g);
		break;
	case 2:
		unmap_in_use(&g, src);
		break;
	case 3:
		read_only_ram(&g, src);
		break;
	case 4:
		too_many_fds(&g);
		break;
	case 5:
		many_maps(&g);
		break;
	case 6:
		garbage(&g, seed);
		break;
	case 7:
		no_reading(&g);
		break;
	}
	/* Mostly die without goodbye: the test SIGKILLs or we just exit. */
	if (seed & 8)
		e1kg_close(&g);
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: fault_guest SOCKET recv\n"
			"       fault_guest SOCKET send|flood SRCMAC DSTMAC\n"
			"       fault_guest SOCKET chaos SEED SRCMAC\n");
	return 2;
}

int main(int argc, char **argv)
{
	uint8_t a[6], b[6];

	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	signal(SIGPIPE, SIG_IGN);
	if (argc < 3)
		return usage();
	if (!strcmp(argv[2], "recv") && argc == 3)
		return do_recv(argv[1]);
	if ((!strcmp(argv[2], "send") || !strcmp(argv[2], "flood")) && argc == 5) {
		if (parse_mac(argv[3], a) || parse_mac(argv[4], b))
			return usage();
		if (!strcmp(argv[2], "flood"))
			return do_send(argv[1], a, b, RING, 50);
		return do_send(argv[1], a, b, 16, 2000);
	}
	if (!strcmp(argv[2], "chaos") && argc == 5) {
		if (parse_mac(argv[4], a))
			return usage();
		return do_chaos(argv[1], (unsigned)strtoul(argv[3], NULL, 0), a);
	}
	return usage();
}
