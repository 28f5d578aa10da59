/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * CRC-32 of IEEE 802.3 (the Ethernet FCS; reflected polynomial 0xedb88320),
 * by carry-less multiplication (PCLMULQDQ) where the CPU has it, else
 * slicing-by-8 tables. Thread-safe; no setup needed.
 */
#ifndef VMUX_CORE_CRC32_H
#define VMUX_CORE_CRC32_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Updates a running CRC (start with 0xffffffff, invert at the end). */
uint32_t crc32_eth_update(uint32_t crc, const void *p, size_t len);
/* The CRC of p: ~crc32_eth_update(0xffffffff, p, len). */
uint32_t crc32_eth(const void *p, size_t len);

/* For tests: the two implementations, and whether the fast one can run here. */
uint32_t crc32_eth_update_table(uint32_t crc, const void *p, size_t len);
uint32_t crc32_eth_update_clmul(uint32_t crc, const void *p, size_t len);
bool crc32_eth_have_clmul(void);

#endif
