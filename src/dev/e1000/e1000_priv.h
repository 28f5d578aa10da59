/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The pure parts of the e1000 model (no device, no guest memory): EEPROM and
 * its Microwire bit-banging, receive filtering, checksums, the transmit
 * offloads (checksum insertion, TCP segmentation) and ring arithmetic. The
 * model uses them; the unit tests call them directly.
 */
#ifndef VMUX_DEV_E1000_PRIV_H
#define VMUX_DEV_E1000_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dev/common/dring.h"
#include "dev/e1000/e1000_regs.h"
#include "net/tso.h"

/* ---- EEPROM ------------------------------------------------------------ */

/* Fills a 64-word 82540EM EEPROM image for mac, checksum word included. */
void e1k_eeprom_build(uint16_t ee[E1K_EEPROM_WORDS], const uint8_t mac[6]);
/* Sum of all words; a valid image sums to E1K_EEPROM_SUM. */
uint16_t e1k_eeprom_sum(const uint16_t ee[E1K_EEPROM_WORDS]);

/*
 * The serial (Microwire) EEPROM the driver clocks through EECD: a start bit,
 * a 2-bit opcode and 6 address bits shifted in on rising SK edges while CS is
 * high; a READ then shifts the word out on DO, most significant bit first,
 * one bit per rising edge, continuing with the next word.
 */
struct e1k_mw {
	uint32_t pins;     /* last SK/CS/DI/FWE/REQ written */
	uint16_t shift;    /* bits shifted in after the start bit */
	uint8_t nbits;     /* how many */
	bool started;      /* start bit seen */
	bool reading;      /* shifting data out */
	bool ignore;       /* unsupported command: wait for CS to drop */
	uint8_t addr;      /* word being shifted out */
	uint8_t bit;       /* next bit of that word, 0 = MSB */
	bool dout;
};
void e1k_mw_reset(struct e1k_mw *m);
void e1k_mw_write(struct e1k_mw *m, const uint16_t ee[E1K_EEPROM_WORDS], uint32_t eecd);
uint32_t e1k_mw_read(const struct e1k_mw *m);

/* ---- receive filtering --------------------------------------------- */

enum e1k_rx_class {
	E1K_RX_UNICAST,
	E1K_RX_MULTICAST,
	E1K_RX_BROADCAST,
};

enum e1k_rx_verdict {
	E1K_RXF_ACCEPT = 0,
	E1K_RXF_DROP_ADDR, /* destination address not wanted */
	E1K_RXF_DROP_VLAN, /* VLAN filter (VFTA/CFI) */
};

/* 12-bit multicast table index of addr for RCTL.MO = mo (0..3). */
uint16_t e1k_mta_hash(const uint8_t addr[6], unsigned mo);
/*
 * Decides whether a frame with destination dst (and, if tagged, 802.1Q TCI
 * tci) passes the filters programmed in regs (the register file, indexed by
 * byte offset / 4). *cls receives the address class.
 */
enum e1k_rx_verdict e1k_rx_filter(const uint32_t *regs, const uint8_t dst[6], bool tagged,
				  uint16_t tci, enum e1k_rx_class *cls);

/* ---- checksums --------------------------------------------------------- */

/* 16-bit one's complement sum of p (big-endian words) added to init; not inverted. */
uint16_t e1k_csum(const void *p, size_t len, uint16_t init);
/* Ethernet FCS (CRC-32) of p. */
uint32_t e1k_crc32(const void *p, size_t len);

/*
 * Receive checksum offload: l3 points to the IP header (ethertype given),
 * len bytes available. Sets IPCS/TCPCS (and IPE/TCPE on a bad sum) as RXCSUM
 * asks, or IXSM when RXCSUM enables nothing.
 */
void e1k_rx_csum(const uint8_t *l3, uint32_t len, uint16_t ethertype, uint32_t rxcsum,
		 uint8_t *status, uint8_t *errors);

/* ---- transmit offloads --------------------------------------------------- */

struct e1k_txctx {
	uint8_t ipcss, ipcso;
	uint16_t ipcse;
	uint8_t tucss, tucso;
	uint16_t tucse;
	uint32_t paylen;
	uint8_t hdrlen;
	uint16_t mss;
	uint32_t tucmd; /* E1K_TUCMD_* */
};

/* Parses a context descriptor (16 bytes, little-endian). */
void e1k_txctx_parse(struct e1k_txctx *c, const uint8_t d[E1K_DESC_SIZE]);

/* Why an offload could not be applied. */
#define E1K_OFL_BAD_IP 0x1u  /* IP checksum range or offset outside the frame */
#define E1K_OFL_BAD_L4 0x2u  /* TCP/UDP checksum range or offset outside the frame */

/* Inserts the checksums POPTS asks for (IXSM, TXSM) into a whole frame. */
unsigned e1k_tx_csum(const struct e1k_txctx *c, uint8_t popts, uint8_t *frame, uint32_t len);
/* Legacy descriptor checksum (CMD.IC): sum from css to the end, stored at cso. */
unsigned e1k_tx_legacy_csum(uint8_t *frame, uint32_t len, uint8_t css, uint8_t cso);

/* Largest frame (header + payload) one TSO context may describe. */
#define E1K_TSO_MAX (128u * 1024u)
/* Most segments one TSO frame may be cut into. */
#define E1K_TSO_MAX_SEGS 2048u

/*
 * What the TX path may do per wake-up of its loop, however many walks the
 * wake-up starts (one REGION_WRITE_MULTI can carry 200 TDT writes, the
 * doorbell page is polled every pass): frames emitted, bytes gathered from
 * guest memory (frames it drops included: a ring of TSO descriptors dropped at
 * EOP still costs their copy), and descriptors read (a chain that never ends a
 * frame costs its reads too). 4096 descriptors is the largest ring Linux's
 * e1000 driver sets up, so its whole ring fits in one wake-up; a larger ring
 * (up to 65536) takes several. Past any of them the walk stops and resumes on
 * a later wake-up, after the loop has served the others.
 */
#define E1K_TX_FRAMES_PER_WAKE 8192u
#define E1K_TX_BYTES_PER_WAKE (4u << 20)
#define E1K_TX_DESCS_PER_WAKE 4096u

/* TSO problems (negative returns of e1k_tso_check): the shared segmenter's. */
enum e1k_tso_err {
	E1K_TSO_ERR_MSS = NET_TSO_ERR_MSS,     /* MSS 0, or header + MSS larger than a frame */
	E1K_TSO_ERR_HDR = NET_TSO_ERR_HDR,     /* HDRLEN 0, beyond the data, or offsets outside it */
	E1K_TSO_ERR_EMPTY = NET_TSO_ERR_EMPTY, /* no payload */
	E1K_TSO_ERR_SEGS = NET_TSO_ERR_SEGS,   /* too many segments */
	E1K_TSO_ERR_LEN = NET_TSO_ERR_LEN,     /* frame too long */
};

/*
 * Checks a TSO context against a gathered frame of len bytes (header +
 * payload). Returns the number of segments, or -enum e1k_tso_err.
 * max_frame is the largest segment allowed.
 */
int e1k_tso_check(const struct e1k_txctx *c, uint32_t len, uint32_t max_frame);
/*
 * Builds segment seg (0-based) of a checked TSO frame into out (cap bytes):
 * the header with IP length/id (IPv4) or payload length (IPv6), TCP sequence
 * number and flags (FIN/PSH only on the last), UDP length, then the checksums
 * POPTS asks for. Returns the segment length, or 0 if it does not fit.
 */
uint32_t e1k_tso_build(const struct e1k_txctx *c, uint8_t popts, const uint8_t *frame,
		       uint32_t len, uint32_t seg, uint8_t *out, uint32_t cap);

/* ---- rings ---------------------------------------------------------------- */

/* Descriptors in a ring of len_reg bytes; 0 if the length is not usable. */
uint32_t e1k_ring_count(uint32_t len_reg);
/* Descriptors from head up to (not including) tail. */
static inline uint32_t e1k_ring_used(uint32_t head, uint32_t tail, uint32_t count)
{
	return dring_used(head, tail, count);
}
/* Receive buffer size chosen by RCTL.BSIZE/BSEX. */
uint32_t e1k_rx_bufsize(uint32_t rctl);

/* ---- exitless doorbells ----------------------------------------------------- */

/*
 * In doorbell poll mode BAR0 [E1K_DB_OFF, E1K_DB_OFF + E1K_DB_SIZE) (the RX
 * and TX descriptor ring registers, RDBAL..RSRPD and TXDMAC..TSPMT) is a
 * shared page the VMM maps into the guest: the guest reads and writes it
 * without a VM exit, the device polls it. Everything in the page is guest
 * controlled at all times; each helper reads a word once.
 */
#define E1K_DB_OFF 0x2000u
#define E1K_DB_SIZE 0x2000u

static inline bool e1k_db_covers(uint32_t off)
{
	return off >= E1K_DB_OFF && off - E1K_DB_OFF < E1K_DB_SIZE;
}
/* One word of the page (off: BAR0 offset inside it, dword aligned). */
uint32_t e1k_db_read(const uint8_t *page, uint32_t off);
void e1k_db_write(uint8_t *page, uint32_t off, uint32_t v);
/* The page after a reset: zeros except the registers' reset values. */
void e1k_db_clear(uint8_t *page);
/*
 * Copies one ring's registers (tx: TDBAL, TDBAH, TDLEN, TDH, TDT, TIDV, TADV;
 * rx: RDBAL, RDBAH, RDLEN, RDH, RDT, RDTR, RADV) from the page into the
 * register file, masked as trapped writes of them are; done when the ring is
 * enabled, so the device works from this snapshot while it runs.
 */
void e1k_db_latch(uint32_t *regs, const uint8_t *page, bool tx);
/*
 * Reads the tail register at tail_off (E1K_TDT or E1K_RDT) once; if it
 * differs from the register file's, stores it (16 bits, as a trapped write)
 * and returns true. The caller validates it against its ring like any tail.
 */
bool e1k_db_tail(uint32_t *regs, const uint8_t *page, uint32_t tail_off);
/* True if head and tail lie inside a ring of count descriptors (count 0: unusable). */
static inline bool e1k_ring_ok(uint32_t count, uint32_t head, uint32_t tail)
{
	return dring_ok(count, head, tail);
}

#endif
