// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * E810 admin commands, NVM area: reads of the Shadow RAM and of the flash,
 * the checksum check, and refusals of everything that would write the NVM
 * (this NVM is read-only: firmware updates are refused).
 *
 * The flash is synthetic and computed on read, nothing is stored but the
 * 32 KiB Shadow RAM image. What the driver reads (ice_init_nvm and what it
 * calls, ethtool -i, devlink info): the flash size by bisection (one-byte
 * flash reads; past the end the answer is EINVAL), SR word 0 (control word,
 * bits 7:6 = 01, first banks active), the pointers and sizes of the NVM,
 * Option ROM and netlist banks (words 0x42..0x47, pointers in 4 KiB units),
 * the version words of the Shadow RAM copy inside the NVM bank (after the
 * CSS header: 330 words on E810, a length newer drivers read from words 2/3
 * of the bank), the whole Option ROM bank to find its "$CIV" block, the
 * netlist's link topology module (ID 0x011B, its length at word 2, node
 * count at word 3, ID block after), and the PBA string in the preserved
 * fields area (SR word 0x40, TLV type 0x16). Both banks of each module hold
 * the same image, since newer drivers read the inactive bank's header too.
 */
#include <string.h>

#include "dev/e810/aq_priv.h"

#define SR_BYTES (E810_AQ_SR_WORDS * 2u)
#define SECTOR 4096u
#define NVM_BANK 0x10000u    /* first NVM bank; the second follows it */
#define NVM_BANK_SIZE 0x10000u
#define OROM_BANK 0x30000u
#define OROM_BANK_SIZE 0x2000u
#define NL_BANK 0x34000u
#define NL_BANK_SIZE 0x1000u
#define CSS_HDR_DWORDS 161u  /* 161 * 2 + 8 = 330 words */
#define SR_COPY_WORD 0x160u  /* roundup(330, 32) */
#define CIVD_OFF 0x200u      /* 512-byte aligned inside the Option ROM */
#define CIVD_LEN 74u         /* "$CIV", sum, version u32, name length, 32 UTF-16 */
#define PFA_PTR 0x200u       /* word offset of the preserved fields area */
#define SR_PTR_4K 0x8000u

/* OROM version: major 1, build 3, patch 0 (major 31:24, build 23:8, patch 7:0). */
#define OROM_COMBO_VER 0x01000300u

static void sr_put_string(uint16_t *sr, unsigned w, const char *s)
{
	for (unsigned i = 0; s[i]; i += 2)
		sr[w++] = (uint16_t)((uint8_t)s[i] << 8 | (s[i + 1] ? (uint8_t)s[i + 1] : 0));
}

void e810_aq_nvm_init(struct e810_aq *aq)
{
	static const char pba[] = "VMUX10-001"; /* 10 characters: 5 words */
	uint16_t *sr = aq->sr;
	uint16_t sum = 0;

	memset(aq->sr, 0, sizeof(aq->sr));
	sr[0x00] = 0x0040; /* valid (bits 7:6 = 01), first NVM/OROM/netlist banks */
	sr[0x18] = (uint16_t)((aq->cfg.nvm_major & 0xfu) << 12 | aq->cfg.nvm_minor);
	sr[0x2d] = (uint16_t)aq->cfg.eetrack;
	sr[0x2e] = (uint16_t)(aq->cfg.eetrack >> 16);
	sr[0x40] = PFA_PTR;
	sr[0x42] = (uint16_t)(SR_PTR_4K | NVM_BANK / SECTOR);
	sr[0x43] = NVM_BANK_SIZE / SECTOR;
	sr[0x44] = (uint16_t)(SR_PTR_4K | OROM_BANK / SECTOR);
	sr[0x45] = OROM_BANK_SIZE / SECTOR;
	sr[0x46] = (uint16_t)(SR_PTR_4K | NL_BANK / SECTOR);
	sr[0x47] = NL_BANK_SIZE / SECTOR;
	/* Preserved fields: length (itself, one TLV of 2 + 6 words, a last word). */
	sr[PFA_PTR] = 10;
	sr[PFA_PTR + 1] = 0x16;      /* PBA block */
	sr[PFA_PTR + 2] = 6;         /* TLV length */
	sr[PFA_PTR + 3] = 6;         /* PBA size word, itself included */
	sr_put_string(sr, PFA_PTR + 4, pba);
	/* Checksum word: all words sum to 0xBABA. */
	for (unsigned i = 0; i < E810_AQ_SR_WORDS; i++)
		if (i != 0x3f)
			sum = (uint16_t)(sum + sr[i]);
	sr[0x3f] = (uint16_t)(NVM_CHECKSUM_OK - sum);
}

static uint8_t sr_byte(const struct e810_aq *aq, uint32_t off)
{
	uint16_t w = aq->sr[off / 2];

	return (off & 1) ? (uint8_t)(w >> 8) : (uint8_t)w;
}

static uint8_t nvm_bank_byte(const struct e810_aq *aq, uint32_t off)
{
	uint32_t w = off / 2;
	uint16_t v;

	if (w < SR_COPY_WORD)
		v = w == 2 ? CSS_HDR_DWORDS : 0; /* CSS header: its length in dwords */
	else if (w - SR_COPY_WORD < E810_AQ_SR_WORDS)
		v = aq->sr[w - SR_COPY_WORD];
	else
		return 0xff;
	return (off & 1) ? (uint8_t)(v >> 8) : (uint8_t)v;
}

static uint8_t orom_byte(uint32_t off)
{
	static const uint8_t civd_head[9] = {
		'$', 'C', 'I', 'V', 0 /* checksum, below */,
		(uint8_t)OROM_COMBO_VER, (uint8_t)(OROM_COMBO_VER >> 8),
		(uint8_t)(OROM_COMBO_VER >> 16), (uint8_t)(OROM_COMBO_VER >> 24),
	};

	if (off < CIVD_OFF || off >= CIVD_OFF + CIVD_LEN)
		return 0xff;
	off -= CIVD_OFF;
	if (off == 4) {
		uint8_t sum = 0;

		for (unsigned i = 0; i < sizeof(civd_head); i++)
			sum = (uint8_t)(sum + civd_head[i]);
		return (uint8_t)(0u - sum); /* the rest (name length, name) is 0 */
	}
	return off < sizeof(civd_head) ? civd_head[off] : 0;
}

static uint16_t netlist_word(uint32_t w)
{
	/* Link topology module; the ID block follows at word 6 with no nodes. */
	static const uint16_t head[6] = { 0x011b, 0x0040, 0x0036, 0x0000, 0, 0 };

	if (w < 6)
		return head[w];
	w -= 6;
	switch (w) {
	case 0x02: return 0x0001; /* major version, low */
	case 0x04: return 0x0002; /* minor version, low */
	case 0x06: return 0x0001; /* type, low */
	case 0x08: return 0x0001; /* revision, low */
	case 0x2f: return 0x0001; /* customer version */
	default:
		if (w >= 0x0a && w <= 0x19)
			return (uint16_t)(0xe810u + w); /* SHA words */
		return w < 0x30 ? 0 : 0xffff;
	}
}

static uint8_t flash_byte(const struct e810_aq *aq, uint32_t off)
{
	if (off < SR_BYTES)
		return sr_byte(aq, off);
	if (off >= NVM_BANK && off < NVM_BANK + 2 * NVM_BANK_SIZE)
		return nvm_bank_byte(aq, (off - NVM_BANK) % NVM_BANK_SIZE);
	if (off >= OROM_BANK && off < OROM_BANK + 2 * OROM_BANK_SIZE)
		return orom_byte((off - OROM_BANK) % OROM_BANK_SIZE);
	if (off >= NL_BANK && off < NL_BANK + 2 * NL_BANK_SIZE) {
		uint16_t v = netlist_word(((off - NL_BANK) % NL_BANK_SIZE) / 2);

		return (off & 1) ? (uint8_t)(v >> 8) : (uint8_t)v;
	}
	return 0xff; /* erased */
}

/*
 * Shadow RAM reads stay within the 32 KiB and within one 4 KiB sector;
 * flash reads (FLASH_ONLY) within the flash. Only module 0 (flat offsets)
 * is offered.
 */
static uint16_t h_nvm_read(struct e810_aq *aq, struct e810_aq_ctx *c)
{
	const uint8_t *p = prm(c);
	uint32_t off = le16_at(p + NVM_OFFSET_LOW) | (uint32_t)p[NVM_OFFSET_HIGH] << 16;
	uint32_t len = le16_at(p + NVM_LENGTH);

	if (le16_at(p + NVM_MODULE_TYPEID) != 0)
		return AQ_RC_EINVAL;
	if (len == 0 || len > c->buf_len)
		return AQ_RC_EINVAL;
	if (p[NVM_CMD_FLAGS] & NVM_FLAG_FLASH_ONLY) {
		if (off + len > aq->cfg.flash_size)
			return AQ_RC_EINVAL;
		for (uint32_t i = 0; i < len; i++)
			c->buf[i] = flash_byte(aq, off + i);
	} else {
		if (off + len > SR_BYTES || off / SECTOR != (off + len - 1) / SECTOR)
			return AQ_RC_EINVAL;
		for (uint32_t i = 0; i < len; i++)
			c->buf[i] = sr_byte(aq, off + i);
	}
	aq_reply(c, (uint16_t)len);
	return AQ_RC_OK;
}

static uint16_t h_nvm_checksum(struct e810_aq *aq, struct e810_aq_ctx *c)
{
	uint8_t *p = prm(c);

	(void)aq;
	if (p[NVM_CK_FLAGS] & NVM_CK_RECALC)
		return AQ_RC_EPERM;
	if (!(p[NVM_CK_FLAGS] & NVM_CK_VERIFY))
		return AQ_RC_EINVAL;
	put_le16(p + NVM_CK_CHECKSUM, NVM_CHECKSUM_OK);
	return AQ_RC_OK;
}

static uint16_t h_nvm_readonly(struct e810_aq *aq, struct e810_aq_ctx *c)
{
	(void)aq;
	(void)c;
	return AQ_RC_EPERM;
}

const struct e810_aq_cmd e810_aq_cmds_nvm[] = {
	{ AQC_NVM_READ, AQF_BUF, 1, 0, h_nvm_read, "nvm_read" },
	{ AQC_NVM_ERASE, 0, 0, 0, h_nvm_readonly, "nvm_erase" },
	{ AQC_NVM_WRITE, 0, 0, 0, h_nvm_readonly, "nvm_write" },
	{ AQC_NVM_CHECKSUM, 0, 0, 0, h_nvm_checksum, "nvm_checksum" },
	{ AQC_NVM_WRITE_ACTIVATE, 0, 0, 0, h_nvm_readonly, "nvm_write_activate" },
	{ AQC_NVM_UPDATE_EMPR, 0, 0, 0, h_nvm_readonly, "nvm_update_empr" },
	{ AQC_NVM_PKG_DATA, 0, 0, 0, h_nvm_readonly, "nvm_pkg_data" },
	{ AQC_NVM_PASS_COMP_TBL, 0, 0, 0, h_nvm_readonly, "nvm_pass_comp_tbl" },
	{ 0, 0, 0, 0, NULL, NULL },
};
