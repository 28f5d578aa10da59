/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fake guest memory and PCI DMA for the E810 LAN queue tests: see lan_fake.h. */
#include "lan_fake.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net/csum.h"

uint8_t *gm, *gm2;
static int fake_dev;
struct pci_dev *const FAKE_PCI = (struct pci_dev *)&fake_dev;

void fake_mem_init(void)
{
	if (!gm)
		gm = aligned_alloc(4096, GM_SIZE);
	if (!gm2)
		gm2 = aligned_alloc(4096, GM2_SIZE);
	memset(gm, 0, GM_SIZE);
	memset(gm2, 0, GM2_SIZE);
}

void fake_mem_free(void)
{
	free(gm);
	free(gm2);
	gm = gm2 = NULL;
}

void *pci_dma_ptr(struct pci_dev *d, uint64_t addr, uint64_t len, int prot)
{
	(void)prot;
	if (d != FAKE_PCI)
		abort();
	if (addr >= GM_BASE && addr - GM_BASE < GM_SIZE && len <= GM_SIZE - (addr - GM_BASE))
		return gm + (addr - GM_BASE);
	if (addr >= GM2_BASE && addr - GM2_BASE < GM2_SIZE && len <= GM2_SIZE - (addr - GM2_BASE))
		return gm2 + (addr - GM2_BASE);
	return NULL;
}

void *pci_dma_win_fill(struct pci_dev *d, struct pci_dma_win *w, uint64_t addr, uint64_t len,
		       int prot)
{
	void *p = pci_dma_ptr(d, addr, len, prot);

	if (!p)
		return NULL;
	if (addr >= GM2_BASE) {
		w->addr = GM2_BASE;
		w->ptr = gm2;
		w->size = GM2_SIZE;
	} else {
		w->addr = GM_BASE;
		w->ptr = gm;
		w->size = GM_SIZE;
	}
	w->prot = VFU_PROT_READ | VFU_PROT_WRITE;
	return p;
}

uint8_t *gpa(uint64_t addr)
{
	uint8_t *p = pci_dma_ptr(FAKE_PCI, addr, 1, 0);

	if (!p)
		abort();
	return p;
}

void put_le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

uint64_t get_le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

uint16_t get_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)get_le16(p) | (uint32_t)get_le16(p + 2) << 16;
}

uint16_t get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)get_be16(p) << 16 | get_be16(p + 2);
}

static void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t pseudo(const uint8_t *ip, bool v6, unsigned proto, uint32_t l4len)
{
	return v6 ? net_csum_add(net_csum(ip + 8, 32, 0), proto + l4len)
		  : net_csum_add(net_csum(ip + 12, 8, 0), proto + l4len);
}

uint32_t build_frame(uint8_t *f, bool v6, bool udp, uint32_t payload, uint8_t seed,
		     uint32_t *l4_off)
{
	static const uint8_t hdr[12] = { 0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2 };
	uint32_t l3 = 14, l4 = l3 + (v6 ? 40u : 20u), l4h = udp ? 8u : 20u;
	uint32_t len = l4 + l4h + payload, l4len = l4h + payload;
	unsigned proto = udp ? 17u : 6u;
	uint8_t *ip = f + l3, *t = f + l4;
	uint16_t s;

	memcpy(f, hdr, 12);
	put_be16(f + 12, v6 ? 0x86dd : 0x0800);
	if (v6) {
		memset(ip, 0, 40);
		ip[0] = 0x60;
		put_be16(ip + 4, (uint16_t)l4len);
		ip[6] = (uint8_t)proto;
		ip[7] = 64;
		for (int i = 0; i < 32; i++)
			ip[8 + i] = (uint8_t)(0x20 + i);
	} else {
		memset(ip, 0, 20);
		ip[0] = 0x45;
		put_be16(ip + 2, (uint16_t)(len - l3));
		put_be16(ip + 4, 0x1234);
		put_be16(ip + 6, 0x4000); /* DF */
		ip[8] = 64;
		ip[9] = (uint8_t)proto;
		memcpy(ip + 12, (uint8_t[]){ 10, 0, 0, 1, 10, 0, 0, 2 }, 8);
		put_be16(ip + 10, (uint16_t)~net_csum(ip, 20, 0));
	}
	memset(t, 0, l4h);
	put_be16(t, 40000);
	put_be16(t + 2, 5201);
	if (udp) {
		put_be16(t + 4, (uint16_t)l4len);
	} else {
		t[4] = 0x10; /* seq 0x10000000 */
		t[12] = 0x50;
		t[13] = 0x18; /* PSH|ACK */
		put_be16(t + 14, 0xffff);
	}
	for (uint32_t i = 0; i < payload; i++)
		t[l4h + i] = (uint8_t)(seed + i);
	s = (uint16_t)~net_csum(t, l4len, pseudo(ip, v6, proto, l4len));
	if (udp && !s)
		s = 0xffff;
	put_be16(t + (udp ? 6 : 16), s);
	*l4_off = l4;
	return len;
}

bool frame_csum_ok(const uint8_t *f, uint32_t len, bool v6, bool udp)
{
	const uint8_t *ip = f + 14;
	uint32_t l4 = 14 + (v6 ? 40u : 20u), l4len = len - l4;

	if (!v6 && net_csum(ip, 20, 0) != 0xffff)
		return false;
	return net_csum(f + l4, l4len, pseudo(ip, v6, udp ? 17u : 6u, l4len)) == 0xffff;
}

static FILE *cap_file;
static int cap_saved = -1;

void stderr_capture_begin(void)
{
	fflush(stderr);
	cap_file = tmpfile();
	cap_saved = dup(STDERR_FILENO);
	if (!cap_file || cap_saved < 0 || dup2(fileno(cap_file), STDERR_FILENO) < 0)
		abort();
}

const char *stderr_capture_end(void)
{
	static char text[64 << 10];
	size_t n;

	fflush(stderr);
	if (dup2(cap_saved, STDERR_FILENO) < 0)
		abort();
	close(cap_saved);
	cap_saved = -1;
	rewind(cap_file);
	n = fread(text, 1, sizeof(text) - 1, cap_file);
	text[n] = 0;
	fclose(cap_file);
	cap_file = NULL;
	return text;
}
