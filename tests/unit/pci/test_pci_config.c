/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the config space core (src/pci/config.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <linux/pci_regs.h>
#include <stdlib.h>
#include <string.h>

#include "pci/pci.h"
#include "pci/pci_internal.h"

static struct pci_cfg *new_cfg(void)
{
	struct pci_cfg *c = calloc(1, sizeof(*c));

	assert_non_null(c);
	return c;
}

static void test_get_set_little_endian(void **state)
{
	struct pci_cfg *c = new_cfg();

	pci_cfg_set32(c, 0x10, 0x12345678);
	assert_int_equal(c->data[0x10], 0x78);
	assert_int_equal(c->data[0x11], 0x56);
	assert_int_equal(c->data[0x12], 0x34);
	assert_int_equal(c->data[0x13], 0x12);
	assert_int_equal(pci_cfg_get16(c, 0x10), 0x5678);
	assert_int_equal(pci_cfg_get16(c, 0x12), 0x1234);
	assert_int_equal(pci_cfg_get8(c, 0x13), 0x12);
	pci_cfg_set16(c, 0x11, 0xbeef);
	assert_int_equal(pci_cfg_get32(c, 0x10), 0x12beef78);
	pci_cfg_set8(c, 0xfff, 0xaa);
	assert_int_equal(pci_cfg_get8(c, 0xfff), 0xaa);
	free(c);
}

static void test_read_only_bytes_stay(void **state)
{
	struct pci_cfg *c = new_cfg();
	uint8_t ones[64], before[64], after[64];

	for (unsigned i = 0; i < 64; i++)
		pci_cfg_set8(c, i, (uint8_t)(i * 7 + 1));
	memcpy(before, c->data, sizeof(before));
	memset(ones, 0xff, sizeof(ones));
	pci_cfg_guest_write(c, 0, ones, sizeof(ones));
	pci_cfg_read(c, 0, after, sizeof(after));
	assert_memory_equal(before, after, sizeof(after));
	memset(ones, 0, sizeof(ones));
	pci_cfg_guest_write(c, 0, ones, sizeof(ones));
	assert_memory_equal(before, c->data, sizeof(before));
	free(c);
}

static void test_wmask(void **state)
{
	struct pci_cfg *c = new_cfg();
	uint16_t v16 = 0xffff;
	uint32_t v32 = 0;

	pci_cfg_set16(c, 0x04, 0x8001);
	pci_cfg_set_wmask16(c, 0x04, 0x0f0f);
	pci_cfg_guest_write(c, 0x04, &v16, 2);
	assert_int_equal(pci_cfg_get16(c, 0x04), 0x8f0f);
	v16 = 0;
	pci_cfg_guest_write(c, 0x04, &v16, 2);
	assert_int_equal(pci_cfg_get16(c, 0x04), 0x8000);

	/* A byte write only touches its byte. */
	pci_cfg_set_wmask32(c, 0x40, 0xffffffff);
	pci_cfg_set32(c, 0x40, 0x11223344);
	pci_cfg_guest_write(c, 0x42, "\xaa", 1);
	assert_int_equal(pci_cfg_get32(c, 0x40), 0x11aa3344);
	pci_cfg_guest_write(c, 0x40, &v32, 4);
	assert_int_equal(pci_cfg_get32(c, 0x40), 0);
	free(c);
}

static void test_w1c(void **state)
{
	struct pci_cfg *c = new_cfg();
	uint16_t v;

	pci_cfg_set16(c, PCI_STATUS, 0xf910);
	pci_cfg_set_w1c16(c, PCI_STATUS, 0xf900);
	v = 0x0100;
	pci_cfg_guest_write(c, PCI_STATUS, &v, 2);
	assert_int_equal(pci_cfg_get16(c, PCI_STATUS), 0xf810);
	v = 0;
	pci_cfg_guest_write(c, PCI_STATUS, &v, 2);
	assert_int_equal(pci_cfg_get16(c, PCI_STATUS), 0xf810);
	v = 0xffff; /* clears all w1c bits, read-only bit 4 stays */
	pci_cfg_guest_write(c, PCI_STATUS, &v, 2);
	assert_int_equal(pci_cfg_get16(c, PCI_STATUS), 0x0010);
	/* Writing 1 never sets a w1c bit. */
	pci_cfg_guest_write(c, PCI_STATUS, &v, 2);
	assert_int_equal(pci_cfg_get16(c, PCI_STATUS), 0x0010);
	/* w1c wins over a wmask on the same bit. */
	pci_cfg_set_wmask16(c, PCI_STATUS, 0x0100);
	pci_cfg_set16(c, PCI_STATUS, 0x0100);
	v = 0x0100;
	pci_cfg_guest_write(c, PCI_STATUS, &v, 2);
	assert_int_equal(pci_cfg_get16(c, PCI_STATUS), 0);
	free(c);
}

static void test_out_of_range(void **state)
{
	struct pci_cfg *c = new_cfg();
	uint8_t buf[8];
	uint8_t last;

	assert_int_equal(pci_cfg_get8(c, PCI_CFG_SIZE), 0xff);
	assert_int_equal(pci_cfg_get16(c, PCI_CFG_SIZE - 1), 0xffff);
	assert_int_equal(pci_cfg_get32(c, PCI_CFG_SIZE - 3), 0xffffffffu);
	assert_int_equal(pci_cfg_get32(c, UINT_MAX), 0xffffffffu);
	assert_int_equal(pci_cfg_get32(c, PCI_CFG_SIZE - 4), 0);

	/* Setters and guest writes beyond the end change nothing. */
	memset(c->wmask, 0xff, sizeof(c->wmask));
	pci_cfg_set32(c, PCI_CFG_SIZE - 2, 0xffffffff);
	pci_cfg_set16(c, UINT_MAX, 0xffff);
	pci_cfg_set_wmask32(c, UINT_MAX - 1, 0);
	pci_cfg_set_w1c16(c, PCI_CFG_SIZE - 1, 0xffff);
	memset(buf, 0xee, sizeof(buf));
	pci_cfg_guest_write(c, PCI_CFG_SIZE - 4, buf, 8);
	pci_cfg_guest_write(c, UINT_MAX - 3, buf, 8);
	pci_cfg_guest_write(c, 0, buf, SIZE_MAX);
	last = c->data[PCI_CFG_SIZE - 1];
	assert_int_equal(last, 0);
	for (unsigned i = 0; i < PCI_CFG_SIZE; i++)
		assert_int_equal(c->data[i], 0);

	/* Reads beyond the end read as all-ones. */
	memset(buf, 0, sizeof(buf));
	pci_cfg_read(c, PCI_CFG_SIZE - 4, buf, 8);
	for (unsigned i = 0; i < 8; i++)
		assert_int_equal(buf[i], 0xff);
	pci_cfg_read(c, PCI_CFG_SIZE - 4, buf, 4);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(buf[i], 0);
	free(c);
}

/* ---- capability lists ------------------------------------------------- */

static void test_cap_list_layout(void **state)
{
	struct pci_cfg *c = new_cfg();
	unsigned a, b, d;

	assert_int_equal(pci_cfg_find_cap(c, PCI_CAP_ID_PM), 0);
	a = pci_cfg_add_cap(c, PCI_CAP_ID_PM, 8);
	assert_int_equal(a, 0x40);
	assert_true(pci_cfg_get16(c, PCI_STATUS) & PCI_STATUS_CAP_LIST);
	assert_int_equal(pci_cfg_get8(c, PCI_CAPABILITY_LIST), 0x40);
	assert_int_equal(pci_cfg_get8(c, a + PCI_CAP_LIST_ID), PCI_CAP_ID_PM);
	assert_int_equal(pci_cfg_get8(c, a + PCI_CAP_LIST_NEXT), 0);

	b = pci_cfg_add_cap(c, PCI_CAP_ID_MSI, 10);
	assert_int_equal(b, 0x48);
	assert_int_equal(pci_cfg_get8(c, a + PCI_CAP_LIST_NEXT), b);
	d = pci_cfg_add_cap(c, PCI_CAP_ID_MSIX, 12);
	assert_int_equal(d, 0x54); /* 0x48 + 10, dword aligned */
	assert_int_equal(pci_cfg_get8(c, b + PCI_CAP_LIST_NEXT), d);
	assert_int_equal(pci_cfg_get8(c, d + PCI_CAP_LIST_NEXT), 0);

	assert_int_equal(pci_cfg_find_cap(c, PCI_CAP_ID_PM), a);
	assert_int_equal(pci_cfg_find_cap(c, PCI_CAP_ID_MSI), b);
	assert_int_equal(pci_cfg_find_cap(c, PCI_CAP_ID_MSIX), d);
	assert_int_equal(pci_cfg_find_cap(c, PCI_CAP_ID_EXP), 0);

	/* Capability bytes are read-only unless a builder says otherwise. */
	pci_cfg_guest_write(c, a, "\x00\x00", 2);
	assert_int_equal(pci_cfg_get8(c, a), PCI_CAP_ID_PM);
	assert_int_equal(pci_cfg_get8(c, a + 1), b);
	free(c);
}

static void test_cap_out_of_room(void **state)
{
	struct pci_cfg *c = new_cfg();
	unsigned a;

	assert_int_equal(pci_cfg_add_cap(c, 0x09, 0xc4), 0); /* 0x40 + 0xc4 > 0x100 */
	assert_false(pci_cfg_get16(c, PCI_STATUS) & PCI_STATUS_CAP_LIST);
	assert_int_equal(pci_cfg_add_cap(c, 0x09, 1), 0);
	a = pci_cfg_add_cap(c, 0x09, 0xbc);
	assert_int_equal(a, 0x40);
	assert_int_equal(pci_cfg_add_cap(c, 0x09, 8), 0);
	assert_int_equal(pci_cfg_add_cap(c, 0x0a, 4), 0xfc);
	/* Standard space is now exactly full: nothing more fits. */
	assert_int_equal(pci_cfg_add_cap(c, 0x0b, 4), 0);
	assert_int_equal(pci_cfg_add_cap(c, 0x0b, 2), 0);
	assert_int_equal(pci_cfg_get8(c, 0xfc + PCI_CAP_LIST_NEXT), 0);
	assert_int_equal(pci_cfg_get8(c, 0x40), 0x09);
	assert_int_equal(pci_cfg_find_cap(c, 0x0a), 0xfc);
	free(c);
}

static void test_ext_cap_list(void **state)
{
	struct pci_cfg *c = new_cfg();
	unsigned a, b, n = 0;
	uint32_t hdr;

	assert_int_equal(pci_cfg_find_ext_cap(c, PCI_EXT_CAP_ID_ERR), 0);
	a = pci_cfg_add_ext_cap(c, PCI_EXT_CAP_ID_ERR, 2, PCI_ERR_ROOT_COMMAND);
	assert_int_equal(a, 0x100);
	hdr = pci_cfg_get32(c, a);
	assert_int_equal(PCI_EXT_CAP_ID(hdr), PCI_EXT_CAP_ID_ERR);
	assert_int_equal(PCI_EXT_CAP_VER(hdr), 2);
	assert_int_equal(PCI_EXT_CAP_NEXT(hdr), 0);

	b = pci_cfg_add_ext_cap(c, PCI_EXT_CAP_ID_DSN, 1, PCI_EXT_CAP_DSN_SIZEOF);
	assert_int_equal(b, 0x100 + PCI_ERR_ROOT_COMMAND);
	hdr = pci_cfg_get32(c, a);
	assert_int_equal(PCI_EXT_CAP_NEXT(hdr), b);
	assert_int_equal(PCI_EXT_CAP_ID(hdr), PCI_EXT_CAP_ID_ERR);
	assert_int_equal(PCI_EXT_CAP_VER(hdr), 2);
	assert_int_equal(pci_cfg_find_ext_cap(c, PCI_EXT_CAP_ID_DSN), b);
	assert_int_equal(pci_cfg_find_ext_cap(c, PCI_EXT_CAP_ID_ERR), a);
	assert_int_equal(pci_cfg_find_ext_cap(c, PCI_EXT_CAP_ID_SRIOV), 0);

	/* Fill up to the end of config space. */
	while (pci_cfg_add_ext_cap(c, 0x0b, 0, 0x100) && n < 100)
		n++;
	assert_true(n > 0 && n < 100);
	assert_int_equal(pci_cfg_add_ext_cap(c, 0x0b, 0, 4) != 0,
			 c->ext_next_free < PCI_CFG_SIZE);
	assert_int_equal(pci_cfg_add_ext_cap(c, 0x0b, 0, PCI_CFG_SIZE), 0);
	assert_true(c->ext_next_free <= PCI_CFG_SIZE);
	free(c);
}

/* Hand-written hostile lists: cycles and pointers into the header. */
static void test_walk_bounded(void **state)
{
	struct pci_cfg *c = new_cfg();

	pci_cfg_set16(c, PCI_STATUS, PCI_STATUS_CAP_LIST);
	pci_cfg_set8(c, PCI_CAPABILITY_LIST, 0x40);
	pci_cfg_set8(c, 0x40, PCI_CAP_ID_PM);
	pci_cfg_set8(c, 0x41, 0x40); /* points at itself */
	assert_int_equal(pci_cfg_find_cap(c, PCI_CAP_ID_MSI), 0);
	assert_int_equal(pci_cfg_find_cap(c, PCI_CAP_ID_PM), 0x40);

	pci_cfg_set8(c, 0x41, 0x80);
	pci_cfg_set8(c, 0x80, PCI_CAP_ID_MSIX);
	pci_cfg_set8(c, 0x81, 0x43); /* back to 0x40 (low bits ignored) */
	assert_int_equal(pci_cfg_find_cap(c, PCI_CAP_ID_MSI), 0);
	assert_int_equal(pci_cfg_find_cap(c, PCI_CAP_ID_MSIX), 0x80);

	pci_cfg_set8(c, 0x81, 0x10); /* into the header: end */
	pci_cfg_set8(c, 0x10, PCI_CAP_ID_MSI);
	assert_int_equal(pci_cfg_find_cap(c, PCI_CAP_ID_MSI), 0);

	/* Every dword of standard space is a cap pointing at the next, in a ring. */
	for (unsigned p = 0x40; p < 0x100; p += 4) {
		pci_cfg_set8(c, p, 0x01);
		pci_cfg_set8(c, p + 1, (uint8_t)(p + 4 < 0x100 ? p + 4 : 0x40));
	}
	assert_int_equal(pci_cfg_find_cap(c, PCI_CAP_ID_MSI), 0);

	/* Without the status bit there is no list. */
	pci_cfg_set16(c, PCI_STATUS, 0);
	assert_int_equal(pci_cfg_find_cap(c, 0x01), 0);

	/* Extended: self loop, two-node loop, pointer back into standard space. */
	pci_cfg_set32(c, 0x100, 0x0001u | 1u << 16 | 0x100u << 20);
	assert_int_equal(pci_cfg_find_ext_cap(c, 0x0003), 0);
	assert_int_equal(pci_cfg_find_ext_cap(c, 0x0001), 0x100);
	pci_cfg_set32(c, 0x100, 0x0001u | 0xffcu << 20);
	pci_cfg_set32(c, 0xffc, 0x0002u | 0x100u << 20);
	assert_int_equal(pci_cfg_find_ext_cap(c, 0x0003), 0);
	assert_int_equal(pci_cfg_find_ext_cap(c, 0x0002), 0xffc);
	pci_cfg_set32(c, 0xffc, 0x0002u | 0x040u << 20);
	assert_int_equal(pci_cfg_find_ext_cap(c, 0x0003), 0);
	free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get_set_little_endian),
		cmocka_unit_test(test_read_only_bytes_stay),
		cmocka_unit_test(test_wmask),
		cmocka_unit_test(test_w1c),
		cmocka_unit_test(test_out_of_range),
		cmocka_unit_test(test_cap_list_layout),
		cmocka_unit_test(test_cap_out_of_room),
		cmocka_unit_test(test_ext_cap_list),
		cmocka_unit_test(test_walk_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
