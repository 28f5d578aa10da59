/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The E810's flexible pipeline tables, one set per block: the flow
 * director's (FD) as the driver programs them with update_pkg (ice_flex_pipe.c: XLT1 ptype -> PTG,
 * XLT2 VSI -> VSIG, the profile TCAM (PTG, VSIG) -> profile, the extraction
 * sequence: a profile's field vector of (protocol ID, offset) words) and the
 * FD registers beside them (GLQF_FDINSET, GLQF_FDMASK_SEL, GLQF_FDMASK,
 * GLQF_FDSWAP). From them: the profile a frame of a given packet type takes
 * at a given VSI, and the frame's key under that profile (the input set's
 * words), which the flow director (fdir.c) matches its filters against.
 * The switch block's (SW) set comes from the package's own sections
 * (download_pkg; ice reads them, never writes them): a frame's packet type
 * -> its SW profile -> the profile's 48-word field vector, whose word
 * indices an added recipe's lookups name (swr_tab.c, advanced rules).
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

/*
 * Table sizes. The driver's view (ice_flex_pipe.c blk_sizes, FD row): XLT1
 * 1024 packet types (ICE_XLT1_CNT), XLT2 768 VSIs (ICE_XLT2_CNT), a
 * 512-entry profile TCAM, 128 profiles, 24-word field vectors (FVW). The
 * device's tables are larger where the package says so: the DDP package's
 * own FD sections (ice-1.3.43.0.pkg, download_pkg) fill an XLT1 of 8192
 * entries (a 13-bit input) and an XLT2 of 1024, so those are the bounds a
 * section is checked against; lookups use ptype < 1024 and VSI < 768.
 */
#define E810_FLEX_PTYPES 1024u   /* packet types looked up (ICE_XLT1_CNT) */
#define E810_FLEX_XLT1 8192u     /* XLT1 entries */
#define E810_FLEX_VSIS 768u      /* HW VSIs looked up (ICE_XLT2_CNT) */
#define E810_FLEX_XLT2 1024u     /* XLT2 entries */
#define E810_FLEX_TCAM 512u      /* FD profile TCAM entries */
#define E810_FLEX_PROFS 128u     /* FD profiles */
#define E810_FLEX_FVW 48u        /* key words at most (the FD block uses E810_FLEX_FD_FVW) */
#define E810_FLEX_FD_FVW 24u     /* field vector words per FD profile */
#define E810_FLEX_FDMASKS 32u    /* GLQF_FDMASK registers */
#define E810_FLEX_NONE (-1)

/* Section IDs (ice_flex_type.h ICE_SID_*_FD) and their layouts. */
#define E810_SID_XLT1_FD 32u         /* {count u16, offset u16, u8 ptg[count]} */
#define E810_SID_XLT2_FD 33u         /* {count u16, offset u16, le16 vsig[count]} */
#define E810_SID_PROFID_TCAM_FD 34u  /* {count u16, {addr u16, key[10], prof u8}[count]} */
#define E810_SID_FLD_VEC_FD 36u      /* {count u16, offset u16, {prot u8, off u16, rsvd u8}[24][count]} */
/* The switch block's (ICE_SID_*_SW): the same layouts, 48-word field vectors, 256 profiles. */
#define E810_SID_XLT1_SW 12u
#define E810_SID_XLT2_SW 13u
#define E810_SID_PROFID_TCAM_SW 14u
#define E810_SID_FLD_VEC_SW 16u
#define E810_FLEX_SW_TCAM 512u
#define E810_FLEX_SW_PROFS 256u
#define E810_FLEX_SW_FVW 48u
#define E810_FLEX_TCAM_ENTRY 13u
#define E810_FLEX_FV_WORD 4u

/* A frame's key under a profile: the profile and its input set's words, masked. */
struct e810_fd_key {
	uint16_t prof;
	uint16_t n;                  /* words used */
	uint16_t w[E810_FLEX_FVW];
};

struct e810_flex_stats {
	uint64_t sections;           /* FD-block sections taken */
	uint64_t sw_sections;        /* SW-block sections taken */
	uint64_t refused;            /* sections refused (bad size/offset/count) */
	uint64_t ignored;            /* sections of other blocks or types, left alone */
	uint64_t regs;               /* GLQF_FDINSET/FDSWAP/FDMASK_SEL/FDMASK writes taken */
};

/* The tables (fields private to flex.c: callers use the functions). */
struct e810_flex_tcam {
	bool valid;
	uint8_t key[10];             /* as the driver wrote it (key and inverted key) */
	uint8_t prof;
};
struct e810_flex_fv {
	uint8_t prot;                /* protocol ID, 255: unused word */
	uint16_t off;                /* byte offset in that header */
};
/* What update_pkg and download_pkg write. */
struct e810_flex_tables {
	uint8_t xlt1[E810_FLEX_XLT1];
	uint16_t xlt2[E810_FLEX_XLT2];
	struct e810_flex_tcam tcam[E810_FLEX_TCAM];
	struct e810_flex_fv es[E810_FLEX_PROFS][E810_FLEX_FD_FVW];
};
/* The switch block's: the package's (download_pkg), the same layout, its sizes. */
struct e810_flex_sw_tables {
	uint8_t xlt1[E810_FLEX_XLT1];
	uint16_t xlt2[E810_FLEX_XLT2];
	struct e810_flex_tcam tcam[E810_FLEX_SW_TCAM];
	struct e810_flex_fv es[E810_FLEX_SW_PROFS][E810_FLEX_SW_FVW];
};
struct e810_flex {
	struct e810_flex_tables t;   /* the tables in use */
	struct e810_flex_tables pkg; /* as the package's download left them (a PF reset's) */
	struct e810_flex_sw_tables sw, sw_pkg;
	uint32_t sw_gen;             /* moves with every change of sw (swr_tab.c's compile) */
	uint32_t fdinset[E810_FLEX_PROFS][8];  /* GLQF_FDINSET(prof, j): a byte per key word */
	uint32_t fdswap[E810_FLEX_PROFS][8];   /* GLQF_FDSWAP(prof, j) */
	uint32_t fdmask_sel[E810_FLEX_PROFS];
	uint32_t fdmask[E810_FLEX_FDMASKS];
	/*
	 * Derived, kept in step by every change above (flex.c): each profile's
	 * word masks (FDMASK_SEL/FDMASK resolved; the bits each clears, so that
	 * zeroed memory means no mask, as the registers' reset value does)
	 * and whether it has a field
	 * vector, so that a frame's key costs no scan of the mask registers;
	 * gen moves with every change, for callers' caches (fdir.c's profile
	 * per packet type).
	 */
	uint16_t wclr[E810_FLEX_PROFS][E810_FLEX_FD_FVW];
	bool has_fv[E810_FLEX_PROFS];
	uint32_t gen;
	struct e810_flex_stats st;
};

/* All tables empty (a core reset, or the package dropped); the counters kept. */
void e810_flex_reset(struct e810_flex *fx);
/* The package's download is complete: what it wrote is what a PF reset returns to. */
void e810_flex_pkg_done(struct e810_flex *fx);
/*
 * A PF reset: the tables back to the package's content, the FD registers
 * cleared (the driver reloads its view from the package file and replays
 * its profiles: ice_rebuild -> ice_fill_blk_tbls, ice_fdir_replay_flows).
 */
void e810_flex_pf_reset(struct e810_flex *fx);
/*
 * Checks one section (type as in the buffer's section table, data and its
 * size) without changing anything: NULL if good or not an FD table, else
 * what is wrong.
 */
const char *e810_flex_section_bad(uint32_t type, const uint8_t *data, unsigned size);
/*
 * One section of an update_pkg buffer (type as in the buffer's section
 * table, data and its size). Returns 0 if taken or left alone (not an FD
 * table), -1 if refused (nothing changed).
 */
int e810_flex_section(struct e810_flex *fx, uint32_t type, const uint8_t *data, unsigned size);
/* Profiles with at least one field vector word in use. */
unsigned e810_flex_fd_profiles(const struct e810_flex *fx);
/* A BAR0 write in the FD register range (GLQF_FDINSET/FDSWAP/FDMASK/FDMASK_SEL); false: not one. */
bool e810_flex_reg_write(struct e810_flex *fx, uint32_t off, uint32_t val);
/* The FD profile for packet type ptype (the RX descriptor's ptype) at HW VSI vsi, or E810_FLEX_NONE. */
int e810_flex_fd_prof(const struct e810_flex *fx, unsigned ptype, unsigned vsi);
/*
 * The key of frame f (len bytes, starting at its Ethernet header) under
 * profile prof: false if the profile has no field vector, its input set
 * (GLQF_FDINSET) no word, or a word's protocol header is not in the frame.
 * Key word i is field vector word i (an RX frame), or with swap the word
 * GLQF_FDSWAP names for i (a programming descriptor's dummy packet with its
 * SWAP bit: ice puts a rule's destination in the source fields and the
 * device swaps them back); then masked by the GLQF_FDMASK registers
 * GLQF_FDMASK_SEL(prof) selects for word i.
 */
bool e810_flex_fd_key(const struct e810_flex *fx, unsigned prof, const uint8_t *f, unsigned len,
		      struct e810_fd_key *key);
bool e810_flex_fd_key_swap(const struct e810_flex *fx, unsigned prof, const uint8_t *f,
			   unsigned len, bool swap, struct e810_fd_key *key);
/*
 * What key word k of profile prof holds (the words e810_flex_fd_key makes,
 * in its order): the field vector word's protocol ID and offset, and the
 * mask the GLQF_FDMASK registers apply. Returns the key's word count (0: the
 * profile has no key), filling at most max entries of w.
 */
#define E810_FLEX_PROT_IPV4 32u      /* ICE_PROT_IPV4_OF_OR_S */
#define E810_FLEX_PROT_IPV6 40u      /* ICE_PROT_IPV6_OF_OR_S */
#define E810_FLEX_PROT_TCP 49u       /* ICE_PROT_TCP_IL */
#define E810_FLEX_PROT_UDP 53u       /* ICE_PROT_UDP_IL_OR_S */
#define E810_FLEX_PROT_SCTP 96u      /* ICE_PROT_SCTP_IL */
struct e810_flex_fd_word {
	uint8_t prot;
	uint16_t off;
	uint16_t mask;
};
unsigned e810_flex_fd_layout(const struct e810_flex *fx, unsigned prof,
			     struct e810_flex_fd_word *w, unsigned max);
/* The packet type (ptype, as rxq.c reports it in the RX descriptor) of frame f. */
unsigned e810_frame_ptype(const uint8_t *f, unsigned len);

/*
 * Where a frame's headers are (offsets from its start; length 0: absent),
 * as the parser finds them once per frame; e810_frame_ptype's ptype.
 */
struct e810_frame_hdrs {
	unsigned ptype;
	unsigned vlan;                /* the outermost tag's TCI, 0: untagged */
	unsigned l3, l3_len;          /* IPv4 (its IHL) or IPv6 (the fixed 40 bytes) */
	bool v6;
	unsigned l4, l4_len;
	unsigned l4_proto;
};
void e810_frame_parse(const uint8_t *f, unsigned len, struct e810_frame_hdrs *h);

/* ---- the switch block ------------------------------------------------------------ */

#define E810_FLEX_PROT_MAC 1u        /* ICE_PROT_MAC_OF_OR_S */
#define E810_FLEX_PROT_ETYPE 9u      /* ICE_PROT_ETYPE_OL */
#define E810_FLEX_PROT_VLAN 16u      /* ICE_PROT_VLAN_O: the outer tag's TCI at offset 0 */
#define E810_FLEX_PROT_META 255u     /* metadata and unused words (the switch ID word 0) */
/* The SW profile of packet type ptype at HW VSI vsi (the package's TCAM), or E810_FLEX_NONE. */
int e810_flex_sw_prof(const struct e810_flex *fx, unsigned ptype, unsigned vsi);
/* Field vector word w of SW profile prof; false past the tables. */
bool e810_flex_sw_fv(const struct e810_flex *fx, unsigned prof, unsigned w, struct e810_flex_fv *out);
/*
 * Word w of SW profile prof's field vector from frame f (parsed into h):
 * false if w is past the field vector or the word's header is not in the
 * frame or the word is not in use (protocol ID 255 at offset 0x1ff). Word 0
 * (the switch ID) and metadata words (protocol ID 255 at another offset: the
 * parser's flags) are not modelled and read 0, in a rule's dummy packet and a
 * frame alike.
 */
bool e810_flex_sw_word(const struct e810_flex *fx, unsigned prof, unsigned w, const uint8_t *f,
		       unsigned len, const struct e810_frame_hdrs *h, uint16_t *val);

#endif /* VMUX_DEV_E810_FLEX_H */
