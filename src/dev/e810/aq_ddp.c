// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * E810 admin commands, DDP package area: the global config lock's package
 * state, download_pkg, get_pkg_info_list, update_pkg and upload_section.
 *
 * Full mode (ice_init_pkg, ice_ddp.c/ice_flex_pipe.c): the driver asks
 * get_pkg_info_list (an empty list: no NVM package to be compatible with),
 * takes the global config lock (req_res res_id 4) and sends the ice
 * segment's buffers with download_pkg, 4096 bytes each, the last flagged;
 * 7.x drivers send a signing segment's buffers first. Each buffer is a
 * section table (ice_buf_hdr); the device checks every one and keeps only
 * what it answers with later: the metadata section (package version, name,
 * track ID) that get_pkg_info_list reports as the active package once the
 * last buffer came (the driver compares it with its file), and the RX
 * parser metadata init section that upload_section reads back (the VLAN
 * mode bits). Then, until a core or global reset, the global config lock
 * answers "already loaded" and the driver skips the download (after rmmod
 * and modprobe, or a PF reset).
 *
 * The flow director block's tables (flex.h) come from both: the package's
 * own FD sections (download_pkg: XLT1 ptype -> PTG, which ice never sends
 * again, the default XLT2, TCAM and field vectors) and the driver's
 * update_pkg buffers (flow profiles under the change lock: field vectors,
 * TCAM entries, VSI -> VSIG). Every FD section of a buffer is checked before
 * any is taken; one bad section refuses the whole buffer (EINVAL, nothing
 * applied). Other blocks' sections (switch, ACL, RSS, PE) are checked for
 * their place in the buffer and left alone: this device hashes with its own
 * fixed RSS (Toeplitz over the addresses and ports, with the guest's key and
 * LUT) and does not run those profiles.
 *
 * Resets: a core or global reset empties the FD tables (the driver downloads
 * the package again). A PF reset returns them to what the package's download
 * left: ice then reloads its view of the tables from the package file
 * (ice_rebuild -> ice_fill_blk_tbls) and replays its flow director profiles
 * with new update_pkg buffers (ice_fdir_replay_flows), so entries it wrote
 * before the reset must not linger. (A real E810 may keep its global tables
 * over a PF reset; the driver never relies on that.)
 *
 * A buffer out of order (no lock, nothing loaded) is refused with EPERM or
 * EMODE, a malformed one with EINVAL, a download past E810_AQ_PKG_MAX_BUFS
 * with ENOSPC; each refusal is counted (pkg_refused) and logged.
 */
#include <string.h>

#include "core/log.h"
#include "dev/e810/aq_priv.h"

static uint16_t refuse(struct e810_aq *aq, const struct e810_aq_ctx *c, uint16_t rc,
		       const char *why)
{
	aq->stats.pkg_refused++;
	LOG_RL(LOG_LVL_WARN, COMP, "package command 0x%04x refused (%u): %s", c->opcode, rc, why);
	return rc;
}

/*
 * Checks a package buffer of len bytes (header, section table, every
 * section inside [table end, data_end), data_end <= len). NULL if it is
 * good, else what is wrong.
 */
static const char *buf_check(const uint8_t *b, uint16_t len)
{
	unsigned n, end, tbl;

	if (len < PKG_MIN_DATA_END)
		return "shorter than a section table";
	n = le16_at(b + PKG_BUF_SECT_COUNT);
	end = le16_at(b + PKG_BUF_DATA_END);
	if (n < 1 || n > PKG_MAX_SECTS)
		return "bad section count";
	if (end < PKG_MIN_DATA_END || end > PKG_BUF_SIZE || end > len)
		return "bad data end";
	tbl = PKG_BUF_ENTRIES + n * PKG_SECT_ENTRY_SIZE;
	if (tbl > end)
		return "section table past the data end";
	for (unsigned i = 0; i < n; i++) {
		const uint8_t *e = b + PKG_BUF_ENTRIES + i * PKG_SECT_ENTRY_SIZE;
		unsigned off = le16_at(e + 4), size = le16_at(e + 6);

		if (off < tbl || size < 1 || off + size > end)
			return "section outside the buffer";
	}
	return NULL;
}

static uint32_t sect_type(const uint8_t *b, unsigned i)
{
	return le32_at(b + PKG_BUF_ENTRIES + i * PKG_SECT_ENTRY_SIZE);
}

static const uint8_t *sect_at(const uint8_t *b, unsigned i, uint16_t *size)
{
	const uint8_t *e = b + PKG_BUF_ENTRIES + i * PKG_SECT_ENTRY_SIZE;

	*size = le16_at(e + 6);
	return b + le16_at(e + 4);
}

/* The first flow director table section of a checked buffer that is bad (flex.h), or NULL. */
static const char *flex_check(struct e810_aq *aq, const uint8_t *b)
{
	unsigned n = le16_at(b + PKG_BUF_SECT_COUNT);

	for (unsigned i = 0; i < n; i++) {
		uint16_t size;
		const uint8_t *s = sect_at(b, i, &size);
		const char *bad = e810_flex_section_bad(sect_type(b, i), s, size);

		if (bad) {
			aq->flex.st.refused++;
			return bad;
		}
	}
	return NULL;
}

/* Every section of a buffer flex_check passed into the flow director's tables. */
static void flex_apply(struct e810_aq *aq, const uint8_t *b, bool log)
{
	unsigned n = le16_at(b + PKG_BUF_SECT_COUNT);

	for (unsigned i = 0; i < n; i++) {
		uint16_t size;
		const uint8_t *s = sect_at(b, i, &size);

		if (log)
			LOG_DEBUG(COMP, "update_pkg section %u of %u: type %u, %u bytes, count %u, "
				  "offset %u", i + 1, n, sect_type(b, i), size, le16_at(s),
				  size >= 4 ? le16_at(s + 2) : 0);
		(void)e810_flex_section(&aq->flex, sect_type(b, i), s, size);
	}
}

/* ---- the global config lock ------------------------------------------------ */

uint16_t e810_aq_pkg_lock(struct e810_aq *aq)
{
	if (aq->pkg.cur.info.loaded)
		return RES_GLBL_DONE;
	if (aq->st.res_held & (1u << RES_ID_GLBL_LOCK))
		return RES_GLBL_IN_PROG;
	memset(&aq->pkg.pend, 0, sizeof(aq->pkg.pend));
	return RES_GLBL_SUCCESS;
}

void e810_aq_pkg_unlock(struct e810_aq *aq)
{
	/* A download not finished when the lock goes is dropped. */
	memset(&aq->pkg.pend, 0, sizeof(aq->pkg.pend));
}

void e810_aq_pkg_reset(struct e810_aq *aq, bool core)
{
	memset(&aq->pkg.pend, 0, sizeof(aq->pkg.pend));
	if (core) {
		memset(&aq->pkg.cur, 0, sizeof(aq->pkg.cur));
		e810_flex_reset(&aq->flex);
	} else {
		e810_flex_pf_reset(&aq->flex);
	}
}

/* ---- download_pkg ------------------------------------------------------------ */

static void name_printable(const uint8_t *name, char out[E810_AQ_PKG_NAME + 1])
{
	unsigned i;

	for (i = 0; i < E810_AQ_PKG_NAME && name[i]; i++)
		out[i] = (name[i] >= 0x20 && name[i] < 0x7f) ? (char)name[i] : '?';
	out[i] = '\0';
}

static uint16_t h_download_pkg(struct e810_aq *aq, struct e810_aq_ctx *c)
{
	struct e810_aq_pkg_copy *pd = &aq->pkg.pend;
	const uint8_t *b = c->buf;
	const uint8_t *meta = NULL, *vmeta = NULL;
	uint16_t vmeta_len = 0, n;
	const char *bad;

	if (aq->pkg.cur.info.loaded)
		return refuse(aq, c, AQ_RC_EPERM, "a package is loaded already");
	if (!(aq->st.res_held & (1u << RES_ID_GLBL_LOCK)))
		return refuse(aq, c, AQ_RC_EPERM, "the global config lock is not held");
	if (c->buf_len != PKG_BUF_SIZE)
		return refuse(aq, c, AQ_RC_EINVAL, "buffer not 4096 bytes");
	bad = buf_check(b, c->buf_len);
	if (bad)
		return refuse(aq, c, AQ_RC_EINVAL, bad);
	if (sect_type(b, 0) & PKG_SECT_METADATA_BUF)
		return refuse(aq, c, AQ_RC_EINVAL, "a metadata buffer");
	if (pd->info.bufs >= E810_AQ_PKG_MAX_BUFS)
		return refuse(aq, c, AQ_RC_ENOSPC, "package too large");
	n = le16_at(b + PKG_BUF_SECT_COUNT);
	for (unsigned i = 0; i < n; i++) {
		uint16_t size;
		const uint8_t *s = sect_at(b, i, &size);

		switch (sect_type(b, i)) {
		case PKG_SID_METADATA:
			if (size < PKG_META_SIZE)
				return refuse(aq, c, AQ_RC_EINVAL, "short metadata section");
			meta = s;
			break;
		case PKG_SID_RXPARSER_META_INIT:
			vmeta = s;
			vmeta_len = size;
			break;
		default:
			break;
		}
	}
	if ((prm(c)[DLP_FLAGS] & DLP_LAST_BUF) && !meta && !pd->meta)
		return refuse(aq, c, AQ_RC_EINVAL, "the package has no metadata section");
	bad = flex_check(aq, b);
	if (bad)
		return refuse(aq, c, AQ_RC_EINVAL, bad);
	/* The package's own FD tables (XLT1 above all: ice never sends it) start a new set. */
	if (!pd->info.bufs)
		e810_flex_reset(&aq->flex);
	flex_apply(aq, b, false);

	if (meta) {
		memcpy(pd->info.ver, meta, 4);
		memcpy(pd->info.name, meta + 4, E810_AQ_PKG_NAME);
		pd->info.track_id = le32_at(meta + 32);
		pd->meta = true;
	}
	if (vmeta) {
		memcpy(pd->vmeta, vmeta, vmeta_len);
		pd->vmeta_len = vmeta_len;
	}
	pd->info.bufs++;
	aq->stats.pkg_bufs++;
	if (prm(c)[DLP_FLAGS] & DLP_LAST_BUF) {
		char name[E810_AQ_PKG_NAME + 1];

		aq->pkg.cur = *pd;
		aq->pkg.cur.info.loaded = true;
		e810_flex_pkg_done(&aq->flex);
		memset(pd, 0, sizeof(*pd));
		name_printable(aq->pkg.cur.info.name, name);
		LOG_INFO(COMP, "DDP package %u.%u.%u.%u \"%s\" loaded (%u buffers)",
			 aq->pkg.cur.info.ver[0], aq->pkg.cur.info.ver[1], aq->pkg.cur.info.ver[2],
			 aq->pkg.cur.info.ver[3], name, aq->pkg.cur.info.bufs);
	}
	return AQ_RC_OK;
}

/* ---- get_pkg_info_list ---------------------------------------------------------- */

/* The active package, when one is loaded; none in the NVM. */
static uint16_t h_pkg_info_list(struct e810_aq *aq, struct e810_aq_ctx *c)
{
	const struct e810_aq_pkg_info *pi = &aq->pkg.cur.info;
	unsigned n = pi->loaded ? 1 : 0;
	uint16_t need = (uint16_t)(PKG_INFO_HDR + n * PKG_INFO_SIZE);
	uint8_t *e = c->buf + PKG_INFO_HDR;

	if (c->buf_len < need) {
		c->datalen = need;
		return AQ_RC_ENOMEM;
	}
	put_le32(c->buf + PKG_INFO_COUNT, n);
	if (n) {
		memset(e, 0, PKG_INFO_SIZE);
		memcpy(e + PKG_INFO_VER, pi->ver, 4);
		memcpy(e + PKG_INFO_NAME, pi->name, E810_AQ_PKG_NAME);
		put_le32(e + PKG_INFO_TRACK, pi->track_id);
		e[PKG_INFO_ACTIVE] = 1;
	}
	aq_reply(c, need);
	return AQ_RC_OK;
}

/* ---- update_pkg, upload_section --------------------------------------------------- */

struct e810_flex *e810_aq_flex(struct e810_aq *aq)
{
	return &aq->flex;
}

static uint16_t h_update_pkg(struct e810_aq *aq, struct e810_aq_ctx *c)
{
	const char *bad;

	if (!aq->pkg.cur.info.loaded)
		return refuse(aq, c, AQ_RC_EMODE, "no package loaded");
	if (!(aq->st.res_held & (1u << RES_ID_CHNG_LOCK | 1u << RES_ID_GLBL_LOCK)))
		return refuse(aq, c, AQ_RC_EPERM, "neither the change lock nor the global lock held");
	bad = buf_check(c->buf, c->buf_len);
	if (bad)
		return refuse(aq, c, AQ_RC_EINVAL, bad);
	if (sect_type(c->buf, 0) & PKG_SECT_METADATA_BUF)
		return refuse(aq, c, AQ_RC_EINVAL, "a metadata buffer");
	/* All of the buffer's FD sections checked before any is applied. */
	bad = flex_check(aq, c->buf);
	if (bad)
		return refuse(aq, c, AQ_RC_EINVAL, bad);
	flex_apply(aq, c->buf, true);
	aq->stats.pkg_updates++;
	return AQ_RC_OK;
}

/*
 * Reads a table section back: the request is one section {count u16, offset
 * u16, entries} naming entries [offset, offset + count) of a section the
 * package brought; the device fills them in. Only the RX parser metadata
 * init section is kept (ice reads its VLAN mode entry); others: ENOENT.
 */
static uint16_t h_upload_section(struct e810_aq *aq, struct e810_aq_ctx *c)
{
	const struct e810_aq_pkg_copy *cur = &aq->pkg.cur;
	unsigned kcount, kbase, es, rcount, roff;
	uint16_t size;
	uint8_t *s;
	const char *bad;

	if (!cur->info.loaded)
		return refuse(aq, c, AQ_RC_EMODE, "no package loaded");
	bad = buf_check(c->buf, c->buf_len);
	if (bad)
		return refuse(aq, c, AQ_RC_EINVAL, bad);
	if (le16_at(c->buf + PKG_BUF_SECT_COUNT) != 1)
		return refuse(aq, c, AQ_RC_EINVAL, "not one section");
	s = (uint8_t *)sect_at(c->buf, 0, &size);
	if (sect_type(c->buf, 0) != PKG_SID_RXPARSER_META_INIT || cur->vmeta_len < 5)
		return refuse(aq, c, AQ_RC_ENOENT, "section not kept");
	if (size < 5)
		return refuse(aq, c, AQ_RC_EINVAL, "section shorter than one entry");
	kcount = le16_at(cur->vmeta);
	kbase = le16_at(cur->vmeta + 2);
	es = kcount ? (cur->vmeta_len - 4u) / kcount : 0;
	rcount = le16_at(s);
	roff = le16_at(s + 2);
	if (!es || rcount < 1 || roff < kbase || roff - kbase + rcount > kcount ||
	    4u + rcount * es > size)
		return refuse(aq, c, AQ_RC_EINVAL, "entries outside the section");
	memcpy(s + 4, cur->vmeta + 4 + (roff - kbase) * es, rcount * es);
	aq->stats.pkg_uploads++;
	aq_reply(c, c->buf_len);
	return AQ_RC_OK;
}

const struct e810_aq_cmd e810_aq_cmds_ddp[] = {
	{ AQC_DOWNLOAD_PKG, AQF_BUF | AQF_IN, 1, PKG_BUF_SIZE, h_download_pkg, "download_pkg" },
	{ AQC_UPLOAD_SECTION, AQF_BUF | AQF_IN, PKG_MIN_DATA_END, PKG_BUF_SIZE, h_upload_section,
	  "upload_section" },
	{ AQC_UPDATE_PKG, AQF_BUF | AQF_IN, PKG_MIN_DATA_END, PKG_BUF_SIZE, h_update_pkg,
	  "update_pkg" },
	{ AQC_GET_PKG_INFO_LIST, AQF_BUF, PKG_INFO_HDR, 0, h_pkg_info_list, "get_pkg_info_list" },
	{ 0, 0, 0, 0, NULL, NULL },
};
