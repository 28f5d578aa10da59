/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Test support for the E810 LAN queues: a buffer that plays guest RAM behind
 * a fake PCI layer (pci_dma_ptr, pci_dma_win_fill: all dring.h reaches),
 * two mappings with a hole between them, and frame builders (IPv4/IPv6,
 * TCP/UDP) with correct checksums.
 */
#ifndef VMUX_TESTS_E810_LAN_FAKE_H
#define VMUX_TESTS_E810_LAN_FAKE_H

#include <stdbool.h>
#include <stdint.h>

#include "pci/pci.h"

/* Guest RAM: [GM_BASE, GM_BASE + GM_SIZE) and [GM2_BASE, GM2_BASE + GM2_SIZE). */
#define GM_BASE 0x00100000ull
#define GM_SIZE (4u << 20)
#define GM2_BASE 0x10000000ull
#define GM2_SIZE (64u << 10)
#define GM_HOLE 0x08000000ull /* nothing there */

extern uint8_t *gm, *gm2;
extern struct pci_dev *const FAKE_PCI;

void fake_mem_init(void);
void fake_mem_free(void);
/* Host pointer of a guest address in RAM (asserts it is). */
uint8_t *gpa(uint64_t addr);

void put_le64(uint8_t *p, uint64_t v);
uint64_t get_le64(const uint8_t *p);
uint16_t get_le16(const uint8_t *p);
uint32_t get_le32(const uint8_t *p);
uint16_t get_be16(const uint8_t *p);
uint32_t get_be32(const uint8_t *p);

/*
 * Builds an Ethernet + IPv4/IPv6 + TCP/UDP frame with payload bytes pattern
 * (seed + i), checksums right. Returns its length; l4_off is where L4 starts.
 */
uint32_t build_frame(uint8_t *f, bool v6, bool udp, uint32_t payload, uint8_t seed,
		     uint32_t *l4_off);
/* True if the IPv4 header checksum (v4) and the L4 checksum of frame f are right. */
bool frame_csum_ok(const uint8_t *f, uint32_t len, bool v6, bool udp);

/*
 * Captures what is written to stderr (the log) from begin to end; end
 * returns it, NUL-terminated (a static buffer, up to 64 KiB).
 */
void stderr_capture_begin(void);
const char *stderr_capture_end(void);

#endif
