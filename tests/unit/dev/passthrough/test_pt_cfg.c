/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The passthrough device's config space virtualization (dev/passthrough/cfg.c)
 * over a fake device config space: what a guest can and cannot write, what
 * reaches the device, BAR and ROM sizing, the MSI/MSI-X controls, hostile
 * capability chains.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dev/passthrough/pt.h"

static uint8_t devcfg[4096];  /* the fake device's config space */
static unsigned dev_writes;
static unsigned last_woff, last_wlen;

static int fread_(void *o, unsigned off, void *buf, unsigned len)
{
	(void)o;
	memcpy(buf, devcfg + off, len);
	return 0;
}

static int fwrite_(void *o, unsigned off, const void *buf, unsigned len)
{
	(void)o;
	memcpy(devcfg + off, buf, len);
	dev_writes++;
	last_woff = off;
	last_wlen = len;
	return 0;
}

static const struct pt_cfg_dev_ops ops = { fread_, fwrite_ };
static struct pt_cfg cfg;

static void put16(unsigned off, uint16_t v) { memcpy(devcfg + off, &v, 2); }
static void put32(unsigned off, uint32_t v) { memcpy(devcfg + off, &v, 4); }

static uint32_t rd32(unsigned off)
{
	uint32_t v;
	assert_int_equal(pt_cfg_read(&cfg, off, &v, 4), 0);
	return v;
}

static uint16_t rd16(unsigned off)
{
	uint16_t v;
	assert_int_equal(pt_cfg_read(&cfg, off, &v, 2), 0);
	return v;
}

static int wr32(unsigned off, uint32_t v) { return pt_cfg_write(&cfg, off, &v, 4); }
static int wr16(unsigned off, uint16_t v) { return pt_cfg_write(&cfg, off, &v, 2); }

/*
 * An igb-like function: BAR0 mem32 128 KiB, BAR2 I/O 32 bytes, BAR3 mem64
 * 16 KiB, a 64 KiB ROM; PM at 0x40, MSI (64-bit, maskable) at 0x50, MSI-X
 * (10 vectors, table BAR3+0, PBA BAR3+0x2000) at 0x70, PCIe v2 at 0xa0; an
 * SR-IOV extended capability at 0x100 (hidden).
 */
static int setup(void **state)
{
	(void)state;
	memset(devcfg, 0, sizeof(devcfg));
	put32(0x00, 0x10c98086);
	put16(0x04, 0x0000);
	put16(0x06, 0x0010);
	put32(0x08, 0x02000001);
	devcfg[0x0e] = 0;
	put32(0x10, 0x00000000);
	put32(0x18, 0x00000001);
	put32(0x1c, 0x0000000c);
	put32(0x2c, 0x00008086);
	devcfg[0x34] = 0x40;
	devcfg[0x3d] = 1;
	devcfg[0x40] = 0x01; devcfg[0x41] = 0x50; put16(0x42, 0x0003); put16(0x44, 0x0008);
	devcfg[0x50] = 0x05; devcfg[0x51] = 0x70; put16(0x52, 0x0180 | (0 << 1));
	devcfg[0x70] = 0x11; devcfg[0x71] = 0xa0; put16(0x72, 9); put32(0x74, 3); put32(0x78, 0x2003);
	devcfg[0xa0] = 0x10; devcfg[0xa1] = 0x00; put16(0xa2, 0x0002); put16(0xa8, 0x2810);
	put32(0x100, 0x00010010 | (0x160u << 20));
	struct pt_bar bars[6] = {
		[0] = { .size = 128 << 10 },
		[2] = { .size = 32, .io = true },
		[3] = { .size = 16 << 10, .mem64 = true, .prefetch = true },
	};
	char err[128];
	assert_int_equal(pt_cfg_init(&cfg, devcfg, 4096, bars, 64 << 10, &ops, NULL, err,
				     sizeof(err)), 0);
	dev_writes = 0;
	return 0;
}

static void test_identity_read_only(void **state)
{
	(void)state;
	assert_int_equal(rd32(0x00), 0x10c98086);
	wr32(0x00, 0x12345678);
	wr32(0x08, 0xffffffff);
	wr32(0x2c, 0xffffffff);
	assert_int_equal(rd32(0x00), 0x10c98086);
	assert_int_equal(rd32(0x08), 0x02000001);
	assert_int_equal(rd32(0x2c), 0x00008086);
	assert_int_equal(dev_writes, 0);
	assert_true(cfg.writes_dropped >= 3);
	/* BIST and the header type stay; cache line size and latency are the guest's. */
	wr32(0x0c, 0xffffffff);
	assert_int_equal(rd32(0x0c), 0x0000ffff);
}

static void test_bar_sizing(void **state)
{
	(void)state;
	assert_int_equal(wr32(0x10, 0xffffffff), 0);
	assert_int_equal(rd32(0x10), 0xfffe0000);           /* 128 KiB, mem32 */
	wr32(0x10, 0xfebc1234);
	assert_int_equal(rd32(0x10), 0xfebc0000);           /* address bits only */
	wr32(0x18, 0xffffffff);
	assert_int_equal(rd32(0x18), 0xffffffe1);           /* I/O, 32 bytes */
	wr32(0x1c, 0xffffffff);
	wr32(0x20, 0xffffffff);
	assert_int_equal(rd32(0x1c), 0xffffc00c);           /* mem64 prefetchable, 16 KiB */
	assert_int_equal(rd32(0x20), 0xffffffff);
	wr32(0x14, 0xffffffff);
	assert_int_equal(rd32(0x14), 0);                    /* no BAR1 */
	wr32(0x30, 0xffffffff);
	assert_int_equal(rd32(0x30), 0xffff0001);           /* 64 KiB ROM, enable bit */
	/* None of it reaches the device: its BARs are the host's business. */
	assert_int_equal(dev_writes, 0);
	assert_int_equal(devcfg[0x10], 0);
}

static void test_command(void **state)
{
	(void)state;
	int r = wr16(0x04, 0xffff);
	assert_true(r & PT_CFG_CHG_CMD);
	assert_int_equal(rd16(0x04), 0x0547);
	/* The enables reach the device, nothing else of the register. */
	assert_int_equal(devcfg[0x04] | devcfg[0x05] << 8, 0x0547);
	assert_int_equal(last_woff, 0x04);
	assert_int_equal(last_wlen, 2);
	/* A dword write at 0x04 does not write the status register's error bits back. */
	devcfg[0x07] = 0x80; /* detected parity error, set by the device */
	wr32(0x04, 0x00000006);
	assert_int_equal(last_wlen, 2);
	assert_int_equal(devcfg[0x07], 0x80);
	/*
	 * ...but a 1 written to one of them is passed on (write-1-to-clear), with
	 * 0 for the others set: the device clears only the one written.
	 */
	devcfg[0x07] = 0x88;
	wr16(0x06, 0x8000);
	assert_int_equal(last_woff, 0x07);
	assert_int_equal(last_wlen, 1);
	assert_int_equal(devcfg[0x07], 0x80); /* what was written: only the guest's 1 */
	assert_int_equal(rd16(0x06) & 0x10, 0x10);   /* the capability list bit is ours */
}

static void test_interrupt_line_pin(void **state)
{
	(void)state;
	wr32(0x3c, 0xffffffff);
	assert_int_equal(rd32(0x3c) & 0xffff, 0x01ff); /* line writable, pin fixed */
	assert_int_equal(dev_writes, 0);
}

static void test_msix_control(void **state)
{
	(void)state;
	assert_int_equal(cfg.msix_cap, 0x70);
	assert_int_equal(cfg.msix_nvec, 10);
	assert_int_equal(cfg.msix_table_bar, 3);
	assert_int_equal(cfg.msix_pba_bar, 3);
	assert_int_equal(cfg.msix_pba_off, 0x2000);
	assert_false(pt_cfg_msix_enabled(&cfg));
	int r = wr16(0x72, 0xffff);
	assert_true(r & PT_CFG_CHG_MSIX);
	assert_true(pt_cfg_msix_enabled(&cfg));
	assert_true(pt_cfg_msix_func_masked(&cfg));
	assert_int_equal(rd16(0x72), 0xc009);     /* the table size stays */
	wr32(0x74, 0xffffffff);
	assert_int_equal(rd32(0x74), 3);          /* table offset read-only */
	assert_int_equal(dev_writes, 0);          /* vfio-pci enables MSI-X, not the guest */
	wr16(0x72, 0x8000);
	assert_false(pt_cfg_msix_func_masked(&cfg));
	assert_int_equal(wr16(0x72, 0x8000), 0);  /* no change, nothing to do */
}

static void test_msi(void **state)
{
	(void)state;
	assert_int_equal(cfg.msi_cap, 0x50);
	assert_true(cfg.msi_64);
	assert_true(cfg.msi_maskable);
	int r = wr16(0x52, 0xffff);
	assert_true(r & PT_CFG_CHG_MSI);
	assert_true(pt_cfg_msi_enabled(&cfg));
	assert_int_equal(pt_cfg_msi_vectors(&cfg), 1); /* MMC 0: one vector, whatever MME says */
	wr32(0x54, 0xfee00003);
	assert_int_equal(rd32(0x54), 0xfee00000);
	wr32(0x60, 0xffffffff);                        /* mask bits: one vector */
	assert_int_equal(rd32(0x60), 1);
	assert_int_equal(dev_writes, 0);
}

static void test_pcie_flr_not_passed(void **state)
{
	(void)state;
	assert_int_equal(cfg.pcie_cap, 0xa0);
	wr16(0xa8, 0xffff); /* device control with Initiate FLR */
	assert_int_equal(rd16(0xa8), 0x7fff);
	assert_int_equal(dev_writes, 0);
	assert_int_equal(devcfg[0xa8] | devcfg[0xa9] << 8, 0x2810);
	/* PM: the power state is virtual, the device stays in D0. */
	wr16(0x44, 0x0003);
	assert_int_equal(rd16(0x44) & 3, 3);
	assert_int_equal(devcfg[0x44] & 3, 0);
}

static void test_extended_hidden(void **state)
{
	(void)state;
	assert_int_equal(rd32(0x100), 0);
	wr32(0x100, 0xffffffff);
	wr32(0xffc, 0xffffffff);
	assert_int_equal(rd32(0x100), 0);
	assert_int_equal(dev_writes, 0);
}

static void test_live_and_bounds(void **state)
{
	(void)state;
	/* Bytes no capability claims are read from the device, live. */
	devcfg[0xf0] = 0x42;
	assert_int_equal(rd32(0xf0) & 0xff, 0x42);
	wr32(0xf0, 0);
	assert_int_equal(devcfg[0xf0], 0x42);
	uint8_t b[8];
	assert_int_equal(pt_cfg_read(&cfg, 4094, b, 8), -22);
	assert_int_equal(pt_cfg_write(&cfg, 4096, b, 1), -22);
	uint8_t all[4096];
	assert_int_equal(pt_cfg_read(&cfg, 0, all, 4096), 0);
	assert_int_equal(all[0], 0x86);
}

static void test_reset(void **state)
{
	(void)state;
	wr32(0x10, 0xfebc0000);
	wr16(0x04, 0x0006);
	wr16(0x72, 0x8000);
	pt_cfg_reset(&cfg);
	assert_int_equal(rd32(0x10), 0);
	assert_int_equal(rd16(0x04), 0);
	assert_false(pt_cfg_msix_enabled(&cfg));
}

static void test_hostile_chain(void **state)
{
	(void)state;
	struct pt_bar bars[6] = { 0 };
	char err[128];

	/* A chain that loops back on itself ends at its first repetition. */
	memset(devcfg, 0, sizeof(devcfg));
	put16(0x06, 0x0010);
	devcfg[0x34] = 0x40;
	devcfg[0x40] = 0x09; devcfg[0x41] = 0x48;
	devcfg[0x48] = 0x09; devcfg[0x49] = 0x40;
	assert_int_equal(pt_cfg_init(&cfg, devcfg, 256, bars, 0, &ops, NULL, err, sizeof(err)), 0);
	assert_int_equal(rd16(0x40) >> 8, 0x48);
	assert_int_equal(rd16(0x48) >> 8, 0);
	/* A pointer into the header ends the chain; a MSI-X cap too close to the end is ignored. */
	devcfg[0x49] = 0x10;
	devcfg[0x41] = 0xfc;
	devcfg[0xfc] = 0x11; devcfg[0xfd] = 0;
	assert_int_equal(pt_cfg_init(&cfg, devcfg, 256, bars, 0, &ops, NULL, err, sizeof(err)), 0);
	assert_int_equal(cfg.msix_cap, 0);
	/* A type-1 header (a bridge) is refused. */
	devcfg[0x0e] = 1;
	assert_int_equal(pt_cfg_init(&cfg, devcfg, 256, bars, 0, &ops, NULL, err, sizeof(err)), -22);
	assert_int_equal(pt_cfg_init(&cfg, devcfg, 512, bars, 0, &ops, NULL, err, sizeof(err)), -22);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_identity_read_only, setup),
		cmocka_unit_test_setup(test_bar_sizing, setup),
		cmocka_unit_test_setup(test_command, setup),
		cmocka_unit_test_setup(test_interrupt_line_pin, setup),
		cmocka_unit_test_setup(test_msix_control, setup),
		cmocka_unit_test_setup(test_msi, setup),
		cmocka_unit_test_setup(test_pcie_flr_not_passed, setup),
		cmocka_unit_test_setup(test_extended_hidden, setup),
		cmocka_unit_test_setup(test_live_and_bounds, setup),
		cmocka_unit_test_setup(test_reset, setup),
		cmocka_unit_test(test_hostile_chain),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
