/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A sparse register file for the E810's BAR0: the registers a driver wrote,
 * in a bounded open-addressing hash table keyed by the dword offset. BAR0 is
 * 128 MiB but a driver touches a few thousand registers; what it never wrote
 * reads as 0 (the model supplies reset values itself). When the table is
 * full, writes of new registers are dropped and counted; a write of 0 to a
 * register that is not stored stores nothing.
 */
#ifndef VMUX_DEV_E810_RSTORE_H
#define VMUX_DEV_E810_RSTORE_H

#include <stdbool.h>
#include <stdint.h>

#define E810_RSTORE_SLOTS 8192u   /* power of two */
#define E810_RSTORE_MAX 6144u     /* at most 75 % full */

struct e810_rstore {
	uint32_t *key;   /* offset + 1; 0: empty */
	uint32_t *val;
	unsigned used;
	uint64_t full_drops; /* writes of new registers refused: table full */
};

int e810_rstore_init(struct e810_rstore *s);
void e810_rstore_fini(struct e810_rstore *s);
void e810_rstore_clear(struct e810_rstore *s);
/* The stored value; false (and *v untouched) if the register was never written. */
bool e810_rstore_get(const struct e810_rstore *s, uint32_t off, uint32_t *v);
/* false if the table is full (counted). */
bool e810_rstore_set(struct e810_rstore *s, uint32_t off, uint32_t v);

#endif /* VMUX_DEV_E810_RSTORE_H */
