// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The E810's DDP package commands (aq_ddp.c): a package download as ice
 * does it (ice_init_pkg: info list, global config lock, download_pkg with
 * the last buffer flagged, get_vlan_mode, release, info list again), the
 * lock's "already loaded" until a core reset, upload_section and update_pkg
 * with a loaded package; and hostile packages: truncated buffers, bad
 * section counts and offsets, metadata buffers, a package without metadata,
 * too many buffers, buffers out of order; each refused and counted, and
 * nothing half-loaded left behind.
 *
 * The package is synthetic (built here, laid out like Intel's ice package:
 * a signature section, the metadata section with version and name, the RX
 * parser metadata init table); no package file is needed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "dev/e810/aq_defs.h"
#include "dev/e810/flex.h"
#include "dev/e810/lan_desc.h"
#include "e810_drv.h"

#define NBUFS 3
static uint8_t prm[16];
static uint8_t pkg[NBUFS][PKG_BUF_SIZE];
static const uint8_t ver[4] = { 1, 3, 43, 0 };
static const char name[] = "ICE OS Default Package";

static void clr(void)
{
	memset(prm, 0, sizeof(prm));
}

static const struct e810_aq_stats *st(struct drv *d)
{
	return e810_aq_stats(d->aq);
}

/* Puts section i (type, size) at offset off of buffer b; returns its data. */
static uint8_t *sect(uint8_t *b, unsigned i, uint32_t type, uint16_t off, uint16_t size)
{
	p32(b + PKG_BUF_ENTRIES + i * 8, type);
	p16(b + PKG_BUF_ENTRIES + i * 8 + 4, off);
	p16(b + PKG_BUF_ENTRIES + i * 8 + 6, size);
	return b + off;
}

static void hdr(uint8_t *b, uint16_t n, uint16_t data_end)
{
	p16(b + PKG_BUF_SECT_COUNT, n);
	p16(b + PKG_BUF_DATA_END, data_end);
}

/*
 * Buffer 0: one signature-like section (type 2, 800 bytes). Buffer 1: a
 * filler section, the metadata section, the RX parser metadata init table
 * (2 entries of 24 bytes, entry i filled with 0x10 + i). Buffer 2: a
 * section that fills the buffer to its last byte.
 */
static void build_pkg(void)
{
	uint8_t *s;

	memset(pkg, 0, sizeof(pkg));
	hdr(pkg[0], 1, 12 + 800);
	memset(sect(pkg[0], 0, 2, 12, 800), 0xa5, 800);

	hdr(pkg[1], 3, 28 + 100 + 36 + 52);
	memset(sect(pkg[1], 0, 0x11, 28, 100), 0x5a, 100);
	s = sect(pkg[1], 1, PKG_SID_METADATA, 128, 36);
	memcpy(s, ver, 4);
	memcpy(s + 4, name, sizeof(name));
	p32(s + 32, 0xc0000001u);
	s = sect(pkg[1], 2, PKG_SID_RXPARSER_META_INIT, 164, 52);
	p16(s, 2);
	p16(s + 2, 0);
	memset(s + 4, 0x10, 24);
	memset(s + 28, 0x11, 24);

	hdr(pkg[2], 1, PKG_BUF_SIZE);
	memset(sect(pkg[2], 0, 0x3, 12, PKG_BUF_SIZE - 12), 0x33, PKG_BUF_SIZE - 12);
}

static uint16_t lock(struct drv *d, uint16_t res, uint16_t *status)
{
	uint16_t rv;

	clr();
	p16(prm + RR_RES_ID, res);
	p16(prm + RR_ACCESS, RES_ACCESS_WRITE);
	rv = drv_cmd(d, AQC_REQ_RES, prm, NULL, 0, false, NULL);
	if (status)
		*status = g16(prm + RR_STATUS);
	return rv;
}

static void unlock(struct drv *d, uint16_t res)
{
	clr();
	p16(prm + RR_RES_ID, res);
	assert_int_equal(drv_cmd(d, AQC_RELEASE_RES, prm, NULL, 0, false, NULL), 0);
}

static uint16_t dl(struct drv *d, uint8_t *b, uint16_t len, bool last)
{
	clr();
	prm[DLP_FLAGS] = last ? DLP_LAST_BUF : 0;
	return drv_cmd(d, AQC_DOWNLOAD_PKG, prm, b, len, true, NULL);
}

/* get_pkg_info_list with room for 4 entries (ICE_PKG_CNT): the count. */
static unsigned info(struct drv *d, uint8_t out[4 + 4 * PKG_INFO_SIZE])
{
	memset(out, 0xee, 4 + 4 * PKG_INFO_SIZE);
	clr();
	assert_int_equal(drv_cmd(d, AQC_GET_PKG_INFO_LIST, prm, out, 4 + 4 * PKG_INFO_SIZE, false,
				 NULL), 0);
	return g32(out + PKG_INFO_COUNT);
}

/* ice_init_pkg up to the second info list; returns download_pkg's last answer. */
static void download_all(struct drv *d)
{
	uint16_t status;
	uint8_t vm[100];

	assert_int_equal(lock(d, RES_ID_GLBL_LOCK, &status), 0);
	assert_int_equal(status, RES_GLBL_SUCCESS);
	for (unsigned i = 0; i < NBUFS; i++)
		assert_int_equal(dl(d, pkg[i], PKG_BUF_SIZE, i + 1 == NBUFS), 0);
	/* ice_set_vlan_mode -> ice_fw_supports_dvm: no; single VLAN mode. */
	clr();
	assert_int_equal(drv_cmd(d, AQC_GET_VLAN_MODE, prm, vm, sizeof(vm), false, NULL),
			 AQ_RC_ENOSYS);
	unlock(d, RES_ID_GLBL_LOCK);
}

static void check_active(struct drv *d)
{
	uint8_t out[4 + 4 * PKG_INFO_SIZE];
	const uint8_t *e = out + PKG_INFO_HDR;
	uint8_t want[28] = { 0 };

	assert_int_equal(info(d, out), 1);
	memcpy(want, name, sizeof(name));
	assert_memory_equal(e + PKG_INFO_VER, ver, 4);
	assert_memory_equal(e + PKG_INFO_NAME, want, 28);
	assert_int_equal(g32(e + PKG_INFO_TRACK), 0xc0000001u);
	assert_int_equal(e[PKG_INFO_ACTIVE], 1);
	assert_int_equal(e[PKG_INFO_IN_NVM], 0);
}

static void test_download_as_ice(void **state)
{
	struct drv d;
	uint8_t out[4 + 4 * PKG_INFO_SIZE];
	uint16_t status;

	(void)state;
	build_pkg();
	drv_init(&d, NULL);
	drv_queues_up(&d, 64);
	/* ice_chk_pkg_compat: nothing loaded, nothing in the NVM. */
	assert_int_equal(info(&d, out), 0);
	download_all(&d);
	assert_true(e810_aq_pkg(d.aq)->loaded);
	assert_int_equal(e810_aq_pkg(d.aq)->bufs, NBUFS);
	assert_int_equal(st(&d)->pkg_bufs, NBUFS);
	assert_int_equal(st(&d)->pkg_refused, 0);
	/* ice_get_pkg_info: the active package is the one in the file. */
	check_active(&d);
	/* Another download attempt: "already loaded", the lock not taken. */
	assert_int_equal(lock(&d, RES_ID_GLBL_LOCK, &status), 0);
	assert_int_equal(status, RES_GLBL_DONE);
	assert_false(e810_aq_state(d.aq)->res_held & (1u << RES_ID_GLBL_LOCK));
	assert_int_equal(dl(&d, pkg[0], PKG_BUF_SIZE, true), AQ_RC_EPERM);

	/* rmmod/modprobe: the PF reset keeps the package. */
	e810_aq_reset(d.aq);
	drv_queues_up(&d, 64);
	assert_true(e810_aq_pkg(d.aq)->loaded);
	assert_int_equal(lock(&d, RES_ID_GLBL_LOCK, &status), 0);
	assert_int_equal(status, RES_GLBL_DONE);
	check_active(&d);

	/* A core reset drops it: the next driver downloads again. */
	e810_aq_core_reset(d.aq);
	drv_queues_up(&d, 64);
	assert_false(e810_aq_pkg(d.aq)->loaded);
	assert_int_equal(info(&d, out), 0);
	download_all(&d);
	check_active(&d);
	drv_fini(&d);
}

/* The RX parser metadata init entries come back; the change lock guards updates. */
static void test_upload_update(void **state)
{
	struct drv d;
	uint8_t b[PKG_BUF_SIZE], *s;

	(void)state;
	build_pkg();
	drv_init(&d, NULL);
	drv_queues_up(&d, 64);
	/* Before a package: EMODE. */
	memset(b, 0, sizeof(b));
	hdr(b, 1, 12 + 28);
	s = sect(b, 0, PKG_SID_RXPARSER_META_INIT, 12, 28);
	p16(s, 1);
	p16(s + 2, 1);
	clr();
	assert_int_equal(drv_cmd(&d, AQC_UPLOAD_SECTION, prm, b, sizeof(b), true, NULL),
			 AQ_RC_EMODE);
	download_all(&d);
	/* ice_pkg_get_supported_vlan_mode asks entry 0; entry 1 here. */
	clr();
	assert_int_equal(drv_cmd(&d, AQC_UPLOAD_SECTION, prm, b, sizeof(b), true, NULL), 0);
	for (unsigned i = 0; i < 24; i++)
		assert_int_equal(b[12 + 4 + i], 0x11);
	assert_int_equal(st(&d)->pkg_uploads, 1);
	/* Entries outside the table, a section the device does not keep. */
	p16(s + 2, 2);
	clr();
	assert_int_equal(drv_cmd(&d, AQC_UPLOAD_SECTION, prm, b, sizeof(b), true, NULL),
			 AQ_RC_EINVAL);
	p16(s, 2);
	p16(s + 2, 0);
	clr();
	assert_int_equal(drv_cmd(&d, AQC_UPLOAD_SECTION, prm, b, sizeof(b), true, NULL),
			 AQ_RC_EINVAL); /* 2 entries do not fit 28 bytes */
	p32(b + PKG_BUF_ENTRIES, 0x10);
	clr();
	assert_int_equal(drv_cmd(&d, AQC_UPLOAD_SECTION, prm, b, sizeof(b), true, NULL),
			 AQ_RC_ENOENT);
	assert_int_equal(st(&d)->pkg_refused, 4);

	/* ice_update_pkg: under the change lock, data_end bytes. */
	memset(b, 0, sizeof(b));
	hdr(b, 2, 20 + 64 + 64);
	sect(b, 0, 0x0b, 20, 64);
	sect(b, 1, 0x0f, 84, 64);
	clr();
	prm[DLP_FLAGS] = DLP_LAST_BUF;
	assert_int_equal(drv_cmd(&d, AQC_UPDATE_PKG, prm, b, 148, true, NULL), AQ_RC_EPERM);
	assert_int_equal(lock(&d, RES_ID_CHNG_LOCK, NULL), 0);
	clr();
	prm[DLP_FLAGS] = DLP_LAST_BUF;
	assert_int_equal(drv_cmd(&d, AQC_UPDATE_PKG, prm, b, 148, true, NULL), 0);
	/* data_end past what was sent */
	clr();
	assert_int_equal(drv_cmd(&d, AQC_UPDATE_PKG, prm, b, 100, true, NULL), AQ_RC_EINVAL);
	unlock(&d, RES_ID_CHNG_LOCK);
	assert_int_equal(st(&d)->pkg_updates, 1);
	assert_int_equal(st(&d)->pkg_refused, 6);
	drv_fini(&d);
}

/* Each hostile buffer is refused, counted, and leaves the download usable. */
static void test_hostile_buffers(void **state)
{
	struct drv d;
	uint8_t b[PKG_BUF_SIZE];
	uint64_t refused = 0;
	unsigned n;

	(void)state;
	build_pkg();
	drv_init(&d, NULL);
	drv_queues_up(&d, 64);
	/* Without the global config lock. */
	assert_int_equal(dl(&d, pkg[0], PKG_BUF_SIZE, false), AQ_RC_EPERM);
	assert_int_equal(st(&d)->pkg_refused, ++refused);
	assert_int_equal(lock(&d, RES_ID_GLBL_LOCK, NULL), 0);
	/* The lock asked again while held: in progress. */
	{
		uint16_t status;

		assert_int_equal(lock(&d, RES_ID_GLBL_LOCK, &status), 0);
		assert_int_equal(status, RES_GLBL_IN_PROG);
	}

#define REFUSED(rc_)                                                              \
	do {                                                                      \
		assert_int_equal(dl(&d, b, PKG_BUF_SIZE, true), (rc_));           \
		assert_int_equal(st(&d)->pkg_refused, ++refused);                  \
		assert_false(e810_aq_pkg(d.aq)->loaded);                          \
	} while (0)

	/* Truncated: less than 4096 bytes. */
	assert_int_equal(dl(&d, pkg[1], 2048, true), AQ_RC_EINVAL);
	assert_int_equal(st(&d)->pkg_refused, ++refused);
	/* No sections; more than 511. */
	memcpy(b, pkg[1], sizeof(b));
	p16(b + PKG_BUF_SECT_COUNT, 0);
	REFUSED(AQ_RC_EINVAL);
	p16(b + PKG_BUF_SECT_COUNT, 512);
	REFUSED(AQ_RC_EINVAL);
	p16(b + PKG_BUF_SECT_COUNT, 0xffff);
	REFUSED(AQ_RC_EINVAL);
	/* A count whose table runs past data_end. */
	p16(b + PKG_BUF_SECT_COUNT, 40);
	REFUSED(AQ_RC_EINVAL);
	/* data_end below the minimum, above 4096. */
	memcpy(b, pkg[1], sizeof(b));
	p16(b + PKG_BUF_DATA_END, 11);
	REFUSED(AQ_RC_EINVAL);
	p16(b + PKG_BUF_DATA_END, 4097);
	REFUSED(AQ_RC_EINVAL);
	p16(b + PKG_BUF_DATA_END, 0xffff);
	REFUSED(AQ_RC_EINVAL);
	/* A section inside the table, past data_end, of size 0, wrapping. */
	memcpy(b, pkg[1], sizeof(b));
	p16(b + PKG_BUF_ENTRIES + 8 + 4, 8);
	REFUSED(AQ_RC_EINVAL);
	memcpy(b, pkg[1], sizeof(b));
	p16(b + PKG_BUF_ENTRIES + 16 + 6, 53);
	REFUSED(AQ_RC_EINVAL);
	memcpy(b, pkg[1], sizeof(b));
	p16(b + PKG_BUF_ENTRIES + 6, 0);
	REFUSED(AQ_RC_EINVAL);
	memcpy(b, pkg[1], sizeof(b));
	p16(b + PKG_BUF_ENTRIES + 4, 0xfff0);
	p16(b + PKG_BUF_ENTRIES + 6, 0x20);
	REFUSED(AQ_RC_EINVAL);
	/* A short metadata section. */
	memcpy(b, pkg[1], sizeof(b));
	p16(b + PKG_BUF_ENTRIES + 8 + 6, 20);
	REFUSED(AQ_RC_EINVAL);
	/* A metadata buffer (the driver never sends those). */
	memcpy(b, pkg[1], sizeof(b));
	p32(b + PKG_BUF_ENTRIES, 0x80000010u);
	REFUSED(AQ_RC_EINVAL);
	/* The last buffer of a package without a metadata section. */
	memcpy(b, pkg[2], sizeof(b));
	REFUSED(AQ_RC_EINVAL);

	/* After all that, the download goes on and completes. */
	for (unsigned i = 0; i < NBUFS; i++)
		assert_int_equal(dl(&d, pkg[i], PKG_BUF_SIZE, i + 1 == NBUFS), 0);
	unlock(&d, RES_ID_GLBL_LOCK);
	check_active(&d);
	assert_int_equal(e810_aq_pkg(d.aq)->bufs, NBUFS);

	/* A package too large: E810_AQ_PKG_MAX_BUFS buffers, then ENOSPC. */
	e810_aq_core_reset(d.aq);
	drv_queues_up(&d, 64);
	assert_int_equal(lock(&d, RES_ID_GLBL_LOCK, NULL), 0);
	for (n = 0; n < 1024; n++)
		assert_int_equal(dl(&d, pkg[n == 0 ? 1 : 0], PKG_BUF_SIZE, false), 0);
	assert_int_equal(dl(&d, pkg[0], PKG_BUF_SIZE, true), AQ_RC_ENOSPC);
	assert_int_equal(st(&d)->pkg_refused, ++refused);
	assert_false(e810_aq_pkg(d.aq)->loaded);
	/* The lock goes: the partial download with it (its metadata too). */
	unlock(&d, RES_ID_GLBL_LOCK);
	assert_int_equal(lock(&d, RES_ID_GLBL_LOCK, NULL), 0);
	assert_int_equal(dl(&d, pkg[2], PKG_BUF_SIZE, true), AQ_RC_EINVAL);
	assert_int_equal(st(&d)->pkg_refused, ++refused);
	/* A PF reset in the middle of a download drops it too. */
	assert_int_equal(dl(&d, pkg[1], PKG_BUF_SIZE, false), 0);
	e810_aq_reset(d.aq);
	drv_queues_up(&d, 64);
	assert_int_equal(lock(&d, RES_ID_GLBL_LOCK, NULL), 0);
	assert_int_equal(dl(&d, pkg[2], PKG_BUF_SIZE, true), AQ_RC_EINVAL);
	assert_false(e810_aq_pkg(d.aq)->loaded);
	drv_fini(&d);
#undef REFUSED
}

/* ---- the flow director's tables (flex.c) through download_pkg and update_pkg ---- */

/* An FD field vector section: profile prof, one word (prot, off) at the top. */
static uint16_t fd_es(uint8_t *s, unsigned prof, uint8_t prot, uint16_t off)
{
	memset(s, 0xff, 4 + 24 * 4);
	p16(s, 1);
	p16(s + 2, (uint16_t)prof);
	s[4 + 23 * 4] = prot;
	p16(s + 4 + 23 * 4 + 1, off);
	s[4 + 23 * 4 + 3] = 0;
	return 4 + 24 * 4;
}

/* An FD TCAM section: (PTG, VSIG) -> prof at addr, the flags don't care. */
static uint16_t fd_tcam(uint8_t *s, unsigned addr, uint8_t ptg, uint16_t vsig, unsigned prof)
{
	const uint8_t in[5] = { 0, 0, ptg, (uint8_t)vsig, (uint8_t)(vsig >> 8) };

	p16(s, 1);
	p16(s + 2, (uint16_t)addr);
	for (unsigned i = 0; i < 5; i++) {
		s[4 + i] = i < 2 ? 0xff : (uint8_t)~in[i];
		s[9 + i] = i < 2 ? 0xff : in[i];
	}
	s[14] = (uint8_t)prof;
	return 15;
}

/* ice_upd_prof_hw's buffer for one profile: ES, TCAM, XLT2 (VSI 3 -> VSIG 0x2001). */
static uint16_t fd_update(uint8_t *b, unsigned prof, unsigned tcam_addr)
{
	uint16_t off = 4 + 3 * 8, n;
	uint8_t *s;

	memset(b, 0, PKG_BUF_SIZE);
	s = b + off;
	n = fd_es(s, prof, 53, 2);
	sect(b, 0, E810_SID_FLD_VEC_FD, off, n);
	off = (uint16_t)(off + n);
	n = fd_tcam(b + off, tcam_addr, 2, 0x2001, prof);
	sect(b, 1, E810_SID_PROFID_TCAM_FD, off, n);
	off = (uint16_t)(off + n);
	s = b + off;
	p16(s, 1);
	p16(s + 2, 3);
	p16(s + 4, 0x2001);
	sect(b, 2, E810_SID_XLT2_FD, off, 6);
	off = (uint16_t)(off + 6);
	hdr(b, 3, off);
	return off;
}

static uint16_t upd(struct drv *d, uint8_t *b, uint16_t len)
{
	clr();
	prm[DLP_FLAGS] = DLP_LAST_BUF;
	return drv_cmd(d, AQC_UPDATE_PKG, prm, b, len, true, NULL);
}

static void test_fd_tables(void **state)
{
	struct drv d;
	uint8_t b[PKG_BUF_SIZE], *s;
	const struct e810_flex *fx;
	uint64_t refused;
	uint16_t len;

	(void)state;
	build_pkg();
	/* The package's last buffer carries the FD block's XLT1: ptypes 22..25 into groups. */
	memset(pkg[2], 0, PKG_BUF_SIZE);
	hdr(pkg[2], 1, 12 + 8);
	s = sect(pkg[2], 0, E810_SID_XLT1_FD, 12, 8);
	p16(s, 4);
	p16(s + 2, 22);
	s[4] = 4;
	s[5] = 5;
	s[6] = 2; /* ptype 24, IPv4 UDP */
	s[7] = 3;
	drv_init(&d, NULL);
	drv_queues_up(&d, 64);
	fx = e810_aq_flex(d.aq);
	download_all(&d);
	check_active(&d);
	assert_int_equal(fx->st.sections, 1);
	assert_int_equal(e810_flex_fd_profiles(fx), 0);

	/* ethtool's udp4 rule: its profile arrives and answers for ptype 24 at VSI 3. */
	assert_int_equal(lock(&d, RES_ID_CHNG_LOCK, NULL), 0);
	len = fd_update(b, 10, 4);
	assert_int_equal(upd(&d, b, len), 0);
	assert_int_equal(e810_flex_fd_profiles(fx), 1);
	assert_int_equal(e810_flex_fd_prof(fx, E810_PTYPE_IPV4_UDP, 3), 10);
	assert_int_equal(e810_flex_fd_prof(fx, E810_PTYPE_IPV4_TCP, 3), E810_FLEX_NONE);
	assert_int_equal(fx->st.sections, 4);

	/* One bad FD section (a TCAM address past 512) refuses the buffer: its good ES too. */
	refused = st(&d)->pkg_refused;
	len = fd_update(b, 20, 4);
	p16(b + 4 + 3 * 8 + 100 + 2, 600);
	assert_int_equal(upd(&d, b, len), AQ_RC_EINVAL);
	assert_int_equal(st(&d)->pkg_refused, ++refused);
	assert_int_equal(fx->st.refused, 1);
	assert_int_equal(e810_flex_fd_profiles(fx), 1);
	assert_int_equal(fx->st.sections, 4);
	/* An ES section shorter than its count, one with an unknown protocol ID. */
	len = fd_update(b, 20, 5);
	p16(b + 4 + 3 * 8, 2);
	assert_int_equal(upd(&d, b, len), AQ_RC_EINVAL);
	len = fd_update(b, 20, 5);
	b[4 + 3 * 8 + 4 + 23 * 4] = 7;
	assert_int_equal(upd(&d, b, len), AQ_RC_EINVAL);
	/* A truncated buffer (data end past what came), a huge section count, a section
	 * inside the section table, one past the data end. */
	len = fd_update(b, 20, 5);
	assert_int_equal(upd(&d, b, (uint16_t)(len - 1)), AQ_RC_EINVAL);
	p16(b + PKG_BUF_SECT_COUNT, 0xffff);
	assert_int_equal(upd(&d, b, len), AQ_RC_EINVAL);
	len = fd_update(b, 20, 5);
	p16(b + PKG_BUF_ENTRIES + 8 + 4, 8);
	assert_int_equal(upd(&d, b, len), AQ_RC_EINVAL);
	len = fd_update(b, 20, 5);
	p16(b + PKG_BUF_ENTRIES + 16 + 6, 7);
	assert_int_equal(upd(&d, b, len), AQ_RC_EINVAL);
	assert_int_equal(st(&d)->pkg_refused, refused + 6);
	assert_int_equal(e810_flex_fd_profiles(fx), 1);
	assert_int_equal(e810_flex_fd_prof(fx, E810_PTYPE_IPV4_UDP, 3), 10);
	unlock(&d, RES_ID_CHNG_LOCK);

	/* A PF reset: the tables as the package left them (the driver replays its profiles). */
	e810_aq_reset(d.aq);
	drv_queues_up(&d, 64);
	assert_int_equal(e810_flex_fd_prof(fx, E810_PTYPE_IPV4_UDP, 3), E810_FLEX_NONE);
	assert_int_equal(e810_flex_fd_profiles(fx), 0);
	assert_int_equal(lock(&d, RES_ID_CHNG_LOCK, NULL), 0);
	len = fd_update(b, 10, 4);
	assert_int_equal(upd(&d, b, len), 0);
	assert_int_equal(e810_flex_fd_prof(fx, E810_PTYPE_IPV4_UDP, 3), 10);
	unlock(&d, RES_ID_CHNG_LOCK);

	/* A core reset: the package and its tables gone. */
	e810_aq_core_reset(d.aq);
	drv_queues_up(&d, 64);
	assert_int_equal(e810_flex_fd_prof(fx, E810_PTYPE_IPV4_UDP, 3), E810_FLEX_NONE);
	assert_int_equal(e810_flex_fd_profiles(fx), 0);

	/* A bad FD section in the package refuses that download buffer. */
	assert_int_equal(lock(&d, RES_ID_GLBL_LOCK, NULL), 0);
	p16(s, 0x2000);
	assert_int_equal(dl(&d, pkg[2], PKG_BUF_SIZE, true), AQ_RC_EINVAL);
	assert_false(e810_aq_pkg(d.aq)->loaded);
	drv_fini(&d);
}

/* get_pkg_info_list with a buffer too small for the entry: ENOMEM and the size needed. */
static void test_info_list_small(void **state)
{
	struct drv d;
	uint8_t out[8];
	uint16_t len;

	(void)state;
	build_pkg();
	drv_init(&d, NULL);
	drv_queues_up(&d, 64);
	download_all(&d);
	clr();
	assert_int_equal(drv_cmd(&d, AQC_GET_PKG_INFO_LIST, prm, out, sizeof(out), false, &len),
			 AQ_RC_ENOMEM);
	assert_int_equal(len, PKG_INFO_HDR + PKG_INFO_SIZE);
	drv_fini(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_download_as_ice),
		cmocka_unit_test(test_upload_update),
		cmocka_unit_test(test_hostile_buffers),
		cmocka_unit_test(test_info_list_small),
		cmocka_unit_test(test_fd_tables),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
