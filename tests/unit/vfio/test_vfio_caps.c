/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vfio's pure parts: region capability chains (as the kernel answers), PCI
 * addresses, the device cdev found in sysfs (a tree made here), the API
 * chosen.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <linux/vfio.h>

#include "vfio/vfio.h"

static uint8_t buf[512];

/* A region info answer with a sparse cap (n areas) at 32 and an MSI-X mappable cap after it. */
static size_t build(unsigned n, uint32_t sparse_next_override)
{
	struct vfio_region_info ri = { .argsz = 0, .flags = VFIO_REGION_INFO_FLAG_CAPS, .cap_offset = 32 };
	struct vfio_region_info_cap_sparse_mmap s = { .header = { VFIO_REGION_INFO_CAP_SPARSE_MMAP, 1, 0 },
						      .nr_areas = n };
	size_t soff = 32, slen = sizeof(s) + n * sizeof(struct vfio_region_sparse_mmap_area);
	size_t moff = (soff + slen + 7) & ~7ul;
	struct vfio_info_cap_header m = { VFIO_REGION_INFO_CAP_MSIX_MAPPABLE, 1, 0 };

	memset(buf, 0, sizeof(buf));
	s.header.next = sparse_next_override ? sparse_next_override : (uint32_t)moff;
	memcpy(buf, &ri, sizeof(ri));
	memcpy(buf + soff, &s, sizeof(s));
	for (unsigned i = 0; i < n; i++) {
		struct vfio_region_sparse_mmap_area a = { 0x1000ull * (2 * i), 0x1000 };
		memcpy(buf + soff + sizeof(s) + i * sizeof(a), &a, sizeof(a));
	}
	memcpy(buf + moff, &m, sizeof(m));
	return moff + sizeof(m);
}

static void test_chain(void **state)
{
	struct vfio_region r = { .size = 0x10000 };
	(void)state;
	size_t len = build(3, 0);
	assert_int_equal(vfio_parse_region_caps(buf, len, 32, &r), 0);
	assert_true(r.has_sparse);
	assert_true(r.msix_mappable);
	assert_int_equal(r.nr_sparse, 3);
	assert_int_equal(r.sparse[2].offset, 0x4000);
	assert_int_equal(r.sparse[2].size, 0x1000);
}

static void test_hostile(void **state)
{
	struct vfio_region r = { .size = 0x10000 };
	(void)state;
	size_t len = build(3, 32); /* next points at itself */
	assert_int_equal(vfio_parse_region_caps(buf, len, 32, &r), -22);
	len = build(3, 0);
	assert_int_equal(vfio_parse_region_caps(buf, len - 20, 32, &r), -22); /* truncated */
	assert_int_equal(vfio_parse_region_caps(buf, len, 4, &r), -22);       /* inside the info */
	assert_int_equal(vfio_parse_region_caps(buf, len, 33, &r), -22);      /* misaligned */
	len = build(17, 0);
	assert_int_equal(vfio_parse_region_caps(buf, len, 32, &r), -7);       /* too many areas */
	r.size = 0x2000;                                                      /* areas outside */
	len = build(3, 0);
	assert_int_equal(vfio_parse_region_caps(buf, len, 32, &r), -22);
}

static void test_bdf(void **state)
{
	char o[16];
	(void)state;
	assert_int_equal(vfio_parse_bdf("0000:08:00.0", o), 0);
	assert_string_equal(o, "0000:08:00.0");
	assert_int_equal(vfio_parse_bdf("00:1F.7", o), 0);
	assert_string_equal(o, "0000:00:1f.7");
	assert_int_equal(vfio_parse_bdf("00:20.0", o), -22);
	assert_int_equal(vfio_parse_bdf("00:00.8", o), -22);
	assert_int_equal(vfio_parse_bdf("../../etc", o), -22);
	assert_int_equal(vfio_parse_bdf("0000:08:00.0x", o), -22);
	assert_int_equal(vfio_parse_bdf("", o), -22);
}

/* The cdev: the vfioN entry of SYSFS/bus/pci/devices/BDF/vfio-dev/, nothing else. */
static void test_find_cdev(void **state)
{
	char root[] = "/tmp/vmux-ut-sysfs.XXXXXX", p[256], out[48];
	(void)state;
	assert_non_null(mkdtemp(root));
	const char *bdf = "0000:00:04.0";
	/* no such function / a kernel without cdevs (no vfio-dev) */
	assert_int_equal(vfio_find_cdev(root, bdf, out, sizeof(out)), -ENOENT);
	snprintf(p, sizeof(p), "%s/bus", root);
	assert_int_equal(mkdir(p, 0700), 0);
	snprintf(p, sizeof(p), "%s/bus/pci", root);
	assert_int_equal(mkdir(p, 0700), 0);
	snprintf(p, sizeof(p), "%s/bus/pci/devices", root);
	assert_int_equal(mkdir(p, 0700), 0);
	snprintf(p, sizeof(p), "%s/bus/pci/devices/%s", root, bdf);
	assert_int_equal(mkdir(p, 0700), 0);
	assert_int_equal(vfio_find_cdev(root, bdf, out, sizeof(out)), -ENOENT);
	snprintf(p, sizeof(p), "%s/bus/pci/devices/%s/vfio-dev", root, bdf);
	assert_int_equal(mkdir(p, 0700), 0);
	assert_int_equal(vfio_find_cdev(root, bdf, out, sizeof(out)), -ENOENT);
	/* names that are not vfioN are skipped */
	const char *junk[] = { "vfio", "vfiox", "vfio1a", "uevent" };
	for (unsigned i = 0; i < 4; i++) {
		snprintf(p, sizeof(p), "%s/bus/pci/devices/%s/vfio-dev/%s", root, bdf, junk[i]);
		assert_int_equal(mkdir(p, 0700), 0);
	}
	assert_int_equal(vfio_find_cdev(root, bdf, out, sizeof(out)), -ENOENT);
	snprintf(p, sizeof(p), "%s/bus/pci/devices/%s/vfio-dev/vfio12", root, bdf);
	assert_int_equal(mkdir(p, 0700), 0);
	assert_int_equal(vfio_find_cdev(root, bdf, out, sizeof(out)), 0);
	assert_string_equal(out, "/dev/vfio/devices/vfio12");
	char small[10];
	assert_int_equal(vfio_find_cdev(root, bdf, small, sizeof(small)), -ENAMETOOLONG);
	snprintf(p, sizeof(p), "rm -r -- '%s'", root);
	assert_int_equal(system(p), 0);
}

/* auto: the cdev where there is one; cdev forced: an error without; group: always. */
static void test_pick_api(void **state)
{
	(void)state;
	assert_int_equal(vfio_pick_api(VFIO_API_AUTO, true), VFIO_API_CDEV);
	assert_int_equal(vfio_pick_api(VFIO_API_AUTO, false), VFIO_API_GROUP);
	assert_int_equal(vfio_pick_api(VFIO_API_CDEV, true), VFIO_API_CDEV);
	assert_int_equal(vfio_pick_api(VFIO_API_CDEV, false), -ENODEV);
	assert_int_equal(vfio_pick_api(VFIO_API_GROUP, true), VFIO_API_GROUP);
	assert_int_equal(vfio_pick_api(VFIO_API_GROUP, false), VFIO_API_GROUP);
	assert_string_equal(vfio_api_name(VFIO_API_CDEV), "cdev");
	assert_string_equal(vfio_api_name(VFIO_API_GROUP), "group");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chain),
		cmocka_unit_test(test_find_cdev),
		cmocka_unit_test(test_pick_api),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_bdf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
