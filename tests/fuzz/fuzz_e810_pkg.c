/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz target: the E810's DDP package commands (aq_ddp.c: download_pkg,
 * update_pkg, upload_section, get_pkg_info_list) and the flow director's
 * pipeline tables they fill (flex.c), with the locks, resets, FD register
 * writes and frame lookups between them. The handlers are called straight
 * from the engine's command table with the buffer a descriptor would bring
 * (the descriptor checks of aq.c are fuzz_e810's), so one input runs many
 * package buffers.
 *
 * An input: chunks [u8 op][u8 arg][u16 len, little endian][len bytes] (a
 * chunk longer than what is left takes what is left). By op % 8:
 *   0 download_pkg  the bytes as the buffer (its length: len, at most 4096;
 *                   arg bit 0: the last buffer)
 *   1 update_pkg    the same
 *   2 upload_section
 *   3 get_pkg_info_list (buffer of len bytes)
 *   4 locks         arg bit 0: take the global config lock (when the device
 *                   grants it), 1: release it, 2: take the change lock, 3: drop it
 *   5 reset         arg bit 0: core reset, else PF reset
 *   6 registers     ([u16 offset][u32 value])...: FD register writes (the
 *                   offset inside GLQF_FDMASK_SEL .. GLQF_FDSWAP's end)
 *   7 frame         the bytes as a frame: its packet type, the profile at VSI
 *                   arg * 3, its key plain and swapped; the key of profile arg
 *
 * Checks beyond ASan/UBSan: a command refused (not AQ_RC_OK) changed no
 * table; a reply never claims more than its buffer; a profile is NONE or
 * below 128, a key at most E810_FLEX_FVW words and only for a profile with a
 * field vector; the profile count at most 128.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dev/e810/aq.h"
#include "dev/e810/aq_priv.h"
#include "dev/e810/e810_regs.h"
#include "dev/e810/flex.h"
#include "fuzz_common.h"

#define FD_REG_BASE E810_GLQF_FDMASK_SEL(0)
#define FD_REG_SPAN (E810_GLQF_FDSWAP(0, 8) - FD_REG_BASE)

static struct {
	struct e810_aq *fresh;   /* as e810_aq_create made it */
	struct e810_aq *aq;      /* the input's engine (a copy of fresh) */
	struct e810_flex_tables *before;
	bool trace;
} F;

static __attribute__((noreturn, format(printf, 1, 2))) void bug(const char *fmt, ...);

static void bug(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "fuzz_e810_pkg: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	abort();
}

static int no_dma(void *opaque, uint64_t gpa, void *buf, size_t len)
{
	(void)opaque;
	(void)gpa;
	(void)buf;
	(void)len;
	return -1;
}

static int no_dma_w(void *opaque, uint64_t gpa, const void *buf, size_t len)
{
	(void)opaque;
	(void)gpa;
	(void)buf;
	(void)len;
	return -1;
}

static const struct e810_aq_cmd *find(uint16_t opcode)
{
	for (const struct e810_aq_cmd *c = e810_aq_cmds_ddp; c->fn; c++)
		if (c->opcode == opcode)
			return c;
	bug("opcode %#x not in the package table", opcode);
}

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

/* A package command with a buffer of the bytes given (aq.c's length checks first). */
static void command(uint16_t opcode, uint8_t arg, const uint8_t *d, size_t len)
{
	const struct e810_aq_cmd *cmd = find(opcode);
	struct e810_aq *aq = F.aq;
	struct e810_aq_ctx c;
	uint16_t rc;

	if (len > E810_AQ_MAX_BUF)
		len = E810_AQ_MAX_BUF;
	if (len == 0 || len < cmd->min_len || (cmd->max_len && len > cmd->max_len))
		return; /* aq.c refuses it before the handler */
	memset(&c, 0, sizeof(c));
	c.opcode = opcode;
	c.flags = AQ_FLAG_BUF | (len > 512 ? AQ_FLAG_LB : 0) | ((cmd->flags & AQF_IN) ? AQ_FLAG_RD : 0);
	c.buf = aq->scratch;
	memset(aq->scratch, 0, sizeof(aq->scratch));
	if (cmd->flags & AQF_IN) {
		memcpy(aq->scratch, d, len);
		c.buf_in = true;
	}
	c.has_buf = true;
	c.buf_len = (uint16_t)len;
	c.datalen = (uint16_t)len;
	c.desc[AQD_PARAMS + DLP_FLAGS] = arg & 1 ? DLP_LAST_BUF : 0;
	memcpy(F.before, &aq->flex.t, sizeof(*F.before));
	rc = cmd->fn(aq, &c);
	if (F.trace)
		fprintf(stderr, "%s(%zu bytes): %u\n", cmd->name, len, rc);
	if (rc != AQ_RC_OK && memcmp(F.before, &aq->flex.t, sizeof(*F.before)))
		bug("%s refused (%u) but changed the FD tables", cmd->name, rc);
	if (rc == AQ_RC_OK && c.out_len > c.buf_len)
		bug("%s replies %u bytes of a %u-byte buffer", cmd->name, c.out_len, c.buf_len);
}

static void locks(uint8_t arg)
{
	struct e810_aq *aq = F.aq;

	if ((arg & 1) && e810_aq_pkg_lock(aq) == 0)
		aq->st.res_held |= 1u << RES_ID_GLBL_LOCK;
	if ((arg & 2) && (aq->st.res_held & (1u << RES_ID_GLBL_LOCK))) {
		aq->st.res_held &= ~(1u << RES_ID_GLBL_LOCK);
		e810_aq_pkg_unlock(aq);
	}
	if (arg & 4)
		aq->st.res_held |= 1u << RES_ID_CHNG_LOCK;
	if (arg & 8)
		aq->st.res_held &= ~(1u << RES_ID_CHNG_LOCK);
}

static void frame(uint8_t arg, const uint8_t *d, size_t len)
{
	const struct e810_flex *fx = e810_aq_flex(F.aq);
	struct e810_fd_key key;
	unsigned ptype = e810_frame_ptype(d, (unsigned)len);
	int prof = e810_flex_fd_prof(fx, ptype, arg * 3u);

	if (ptype >= 1024)
		bug("ptype %u", ptype);
	if (F.trace)
		fprintf(stderr, "frame of %zu bytes: ptype %u, profile %d at VSI %u\n", len, ptype,
			prof, arg * 3u);
	if (prof != E810_FLEX_NONE && (prof < 0 || prof >= (int)E810_FLEX_PROFS))
		bug("profile %d", prof);
	for (int swap = 0; swap < 2; swap++) {
		unsigned p = prof == E810_FLEX_NONE ? arg : (unsigned)prof;

		if (e810_flex_fd_key_swap(fx, p, d, (unsigned)len, swap, &key)) {
			if (F.trace)
				fprintf(stderr, "  key (profile %u, swap %d): %u words, first %#x\n", p,
					swap, key.n, key.w[0]);
			if (key.n == 0 || key.n > E810_FLEX_FVW || key.prof != p)
				bug("key of %u words for profile %u", key.n, key.prof);
			if (p >= E810_FLEX_PROFS)
				bug("a key for profile %u", p);
		}
	}
	if (e810_flex_fd_key(fx, arg, d, (unsigned)len, &key) && key.n > E810_FLEX_FVW)
		bug("key of %u words", key.n);
}

static void act(uint8_t op, uint8_t arg, const uint8_t *d, size_t len)
{
	switch (op % 8) {
	case 0:
		command(AQC_DOWNLOAD_PKG, arg, d, len);
		break;
	case 1:
		command(AQC_UPDATE_PKG, arg, d, len);
		break;
	case 2:
		command(AQC_UPLOAD_SECTION, arg, d, len);
		break;
	case 3:
		command(AQC_GET_PKG_INFO_LIST, arg, d, len);
		break;
	case 4:
		locks(arg);
		break;
	case 5:
		if (arg & 1)
			e810_aq_core_reset(F.aq);
		else
			e810_aq_reset(F.aq);
		break;
	case 6:
		for (size_t i = 0; i + 6 <= len; i += 6) {
			uint32_t off = FD_REG_BASE + (rd16(d + i) * 4u) % FD_REG_SPAN;
			uint32_t v = (uint32_t)(d[i + 2] | d[i + 3] << 8 | d[i + 4] << 16 |
						(uint32_t)d[i + 5] << 24);

			(void)e810_flex_reg_write(e810_aq_flex(F.aq), off, v);
		}
		break;
	default:
		frame(arg, d, len);
		break;
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const struct e810_aq_dma_ops ops = { .read = no_dma, .write = no_dma_w };
	struct e810_aq_config cfg;
	struct e810_aq *made;

	(void)argc;
	(void)argv;
	fz_setup_logging();
	F.trace = fz_env_long("VMUX_FUZZ_TRACE", 0) != 0;
	e810_aq_config_default(&cfg);
	made = e810_aq_create(&cfg, &ops, NULL);
	F.fresh = malloc(sizeof(*F.fresh));
	F.aq = malloc(sizeof(*F.aq));
	F.before = malloc(sizeof(*F.before));
	if (!made || !F.fresh || !F.aq || !F.before)
		bug("setup failed");
	/* The engine holds no pointers but its ops and opaque: a copy is what a create gives. */
	memcpy(F.fresh, made, sizeof(*F.fresh));
	e810_aq_destroy(made);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct e810_flex *fx;

	memcpy(F.aq, F.fresh, sizeof(*F.aq));
	while (size >= 4) {
		uint8_t op = data[0], arg = data[1];
		size_t len = rd16(data + 2);

		data += 4;
		size -= 4;
		if (len > size)
			len = size;
		act(op, arg, data, len);
		data += len;
		size -= len;
	}
	fx = e810_aq_flex(F.aq);
	if (e810_flex_fd_profiles(fx) > E810_FLEX_PROFS)
		bug("%u profiles", e810_flex_fd_profiles(fx));
	return 0;
}
