/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The E810's flexible pipeline tables for the flow director block, as the
 * driver programs them with update_pkg (ice_flex_pipe.c: XLT1 ptype -> PTG,
 * XLT2 VSI -> VSIG, the profile TCAM (PTG, VSIG) -> profile, the extraction
 * sequence: a profile's field vector of (protocol ID, offset) words) and the
 * FD registers beside them (GLQF_FDINSET, GLQF_FDMASK_SEL, GLQF_FDMASK,
 * GLQF_FDSWAP). From them: the profile a frame of a given packet type takes
 * at a given VSI, and the frame's key under that profile (the input set's
 * words), which the flow director (fdir.c) matches its filters against.
 *
 * Everything here comes from the guest and is untrusted: sections of a bad
 * size, offsets and counts past a table are refused whole with no state
 * changed, counted and logged by the caller.
 *
 * CONTRACT (written before the implementation; the implementation may add
 * to it, not change it without fixing every caller).
 */
#ifndef VMUX_DEV_E810_FLEX_H
#define VMUX_DEV_E810_FLEX_H

#include <stdbool.h>
#include <stdint.h>

#define E810_FLEX_PTYPES 1024u   /* XLT1 entries */
#define E810_FLEX_VSIS 768u      /* XLT2 entries */
#define E810_FLEX_TCAM 512u      /* FD profile TCAM entries */
#define E810_FLEX_PROFS 128u     /* FD profiles */
#define E810_FLEX_FVW 48u        /* field vector words per profile (FD uses 24; room to spare) */
#define E810_FLEX_NONE (-1)

/* A frame's key under a profile: the profile and its input set's words, masked. */
struct e810_fd_key {
	uint16_t prof;
	uint16_t n;                  /* words used */
	uint16_t w[E810_FLEX_FVW];
};

struct e810_flex_stats {
	uint64_t sections;           /* FD-block sections taken */
	uint64_t refused;            /* sections refused (bad size/offset/count) */
	uint64_t ignored;            /* sections of other blocks or types, left alone */
};

/* The tables (fields private to flex.c: callers use the functions). */
struct e810_flex_tcam {
	bool valid;
	uint8_t key[10];             /* as the driver wrote it (key and inverted key) */
	uint16_t prof;
};
struct e810_flex_fv {
	uint8_t prot;                /* protocol ID, 255: unused word */
	uint16_t off;                /* byte offset in that header */
};
struct e810_flex {
	uint8_t xlt1[E810_FLEX_PTYPES];
	uint16_t xlt2[E810_FLEX_VSIS];
	struct e810_flex_tcam tcam[E810_FLEX_TCAM];
	struct e810_flex_fv es[E810_FLEX_PROFS][E810_FLEX_FVW];
	uint32_t fdinset[E810_FLEX_PROFS][E810_FLEX_FVW / 4];
	uint32_t fdswap[E810_FLEX_PROFS][E810_FLEX_FVW / 4];
	uint32_t fdmask_sel[E810_FLEX_PROFS];
	uint32_t fdmask[32];
	struct e810_flex_stats st;
};

/* All tables empty (a core reset, or the package dropped). */
void e810_flex_reset(struct e810_flex *fx);
/*
 * One section of an update_pkg buffer (type as in the buffer's section
 * table, data and its size). Returns 0 if taken or left alone (not an FD
 * table), -1 if refused (nothing changed).
 */
int e810_flex_section(struct e810_flex *fx, uint32_t type, const uint8_t *data, unsigned size);
/* A BAR0 write in the FD register range (GLQF_FDINSET/FDSWAP/FDMASK/FDMASK_SEL); false: not one. */
bool e810_flex_reg_write(struct e810_flex *fx, uint32_t off, uint32_t val);
/* The FD profile for packet type ptype (the RX descriptor's ptype) at HW VSI vsi, or E810_FLEX_NONE. */
int e810_flex_fd_prof(const struct e810_flex *fx, unsigned ptype, unsigned vsi);
/*
 * The key of frame f (len bytes, starting at its Ethernet header) under
 * profile prof: false if the profile has no field vector or a word's
 * protocol header is not in the frame.
 */
bool e810_flex_fd_key(const struct e810_flex *fx, unsigned prof, const uint8_t *f, unsigned len,
		      struct e810_fd_key *key);
/* The packet type (ptype, as rxq.c reports it in the RX descriptor) of frame f. */
unsigned e810_frame_ptype(const uint8_t *f, unsigned len);

#endif /* VMUX_DEV_E810_FLEX_H */
