/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Hostile clients. Every case sends something malformed to device 0 of the
 * fixture server and requires an error reply or a clean disconnect of that
 * client only. After every case: a bystander client on device 1 (same server,
 * same loop) still works, device 0 accepts and serves a new client, and the
 * process holds exactly the fds it held before (the server runs in this
 * process, so fds it leaks show up here too).
 *
 * This file: the stream-level, VERSION and fd cases, and main; the other
 * cases are in malformed_regions.c, malformed_dma.c and malformed_refused.c,
 * the fixtures and helpers in malformed_util.c (malformed.h).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <linux/magic.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "client/vfuc.h"
#include "core/accept.h"
#include "core/log.h"
#include "fixture.h"
#include "itest.h"
#include "malformed.h"

/* ---- stream-level cases ------------------------------------------------------------ */

static void test_truncated_header(void **state)
{
	struct vfuc *v = victim(true);
	uint8_t part[10] = { 0 };

	assert_int_equal(vfuc_send_raw(v, part, sizeof(part), NULL, 0), 0);
	shutdown(vfuc_fd(v), SHUT_WR);
	expect_closed(v);
}

/* Half a header, then silence: the server must not wait for it at others' expense. */
static void test_partial_message_does_not_block(void **state)
{
	struct vfuc *v = victim(true);
	uint8_t m[32];
	struct vfu_hdr h = { .id = ID, .cmd = VFU_CMD_REGION_READ, .size = 32 };

	memcpy(m, &h, 16);
	region_rw_msg(m + 16, FX_ID, 0, 4);
	assert_int_equal(vfuc_send_raw(v, m, 7, NULL, 0), 0);
	check_bystander(*state);
	assert_int_equal(vfuc_send_raw(v, m + 7, 20, NULL, 0), 0);
	check_bystander(*state);
	assert_int_equal(vfuc_send_raw(v, m + 27, 5, NULL, 0), 0);
	assert_int_equal(answer(v, ID, NULL), ANS_OK);
}

static void test_size_below_header(void **state)
{
	struct vfuc *v = victim(true);
	struct vfu_hdr h = { .id = ID, .cmd = VFU_CMD_DEVICE_GET_INFO, .size = 8 };

	assert_int_equal(vfuc_send_raw(v, &h, sizeof(h), NULL, 0), 0);
	expect_closed(v);
}

static void test_size_zero(void **state)
{
	struct vfuc *v = victim(true);
	struct vfu_hdr h = { .id = ID, .cmd = VFU_CMD_DEVICE_RESET, .size = 0 };

	assert_int_equal(vfuc_send_raw(v, &h, sizeof(h), NULL, 0), 0);
	expect_closed(v);
}

static void test_oversized_message(void **state)
{
	struct vfuc *v = victim(true);
	struct vfu_hdr h = { .id = ID, .cmd = VFU_CMD_REGION_WRITE, .size = 0x7fffffff };

	assert_int_equal(vfuc_send_raw(v, &h, sizeof(h), NULL, 0), 0);
	expect_closed(v);
}

/* The header announces more than the payload of a complete message, then the peer stops. */
static void test_size_beyond_payload_then_eof(void **state)
{
	struct vfuc *v = victim(true);
	uint8_t m[32];
	struct vfu_hdr h = { .id = ID, .cmd = VFU_CMD_REGION_READ, .size = 200 };

	memcpy(m, &h, 16);
	region_rw_msg(m + 16, 0, 0, 4);
	assert_int_equal(vfuc_send_raw(v, m, sizeof(m), NULL, 0), 0);
	shutdown(vfuc_fd(v), SHUT_WR);
	expect_closed(v);
}

/* Payload larger than the command's fixed part (size counts 8 stray bytes). */
static void test_size_larger_than_command(void **state)
{
	struct vfuc *v = victim(true);
	uint8_t p[24] = { 0 };

	region_rw_msg(p, FX_ID, 0, 4);
	sendm(v, ID, VFU_CMD_REGION_READ, 0, 0, p, sizeof(p), NULL, 0);
	expect_error(v, ID);
}

/* Payload shorter than the command's fixed part, for every command that has one. */
static void test_size_smaller_than_command(void **state)
{
	static const uint16_t cmds[] = { VFU_CMD_VERSION, VFU_CMD_DMA_MAP, VFU_CMD_DMA_UNMAP,
					 VFU_CMD_DEVICE_GET_INFO, VFU_CMD_DEVICE_GET_REGION_INFO,
					 VFU_CMD_DEVICE_GET_IRQ_INFO, VFU_CMD_DEVICE_SET_IRQS,
					 VFU_CMD_REGION_READ, VFU_CMD_REGION_WRITE,
					 VFU_CMD_REGION_WRITE_MULTI };
	struct vfuc *v = victim(true);
	uint8_t p[32];

	memset(p, 0xff, sizeof(p));
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		/* 4 bytes: less than any fixed part; argsz fields claim plenty */
		uint32_t big = 4096;

		memcpy(p, &big, 4);
		sendm(v, (uint16_t)(ID + i), cmds[i], 0, 0, p, 4, NULL, 0);
		expect_error(v, (uint16_t)(ID + i));
	}
	/* and nothing at all */
	sendm(v, ID, VFU_CMD_DEVICE_GET_INFO, 0, 0, NULL, 0, NULL, 0);
	expect_error(v, ID);
}

static void test_reply_sent_as_command(void **state)
{
	struct vfuc *v = victim(true);
	uint8_t p[16];

	region_rw_msg(p, FX_ID, 0, 4);
	sendm(v, ID, VFU_CMD_REGION_READ, VFU_F_TYPE_REPLY, 0, p, sizeof(p), NULL, 0);
	expect_error_or_closed(v, ID);
}

static void test_unknown_type_and_flags(void **state)
{
	struct vfuc *v = victim(true);
	uint8_t p[16];

	region_rw_msg(p, FX_ID, 0, 4);
	sendm(v, ID, VFU_CMD_REGION_READ, 0x7, 0, p, sizeof(p), NULL, 0);
	expect_error_or_closed(v, ID);
	if (vfuc_server_closed(v, 0)) {
		vfuc_close(v);
		v = victim(true);
	}
	/* a command with the error flag, and one with an error code */
	sendm(v, ID + 1, VFU_CMD_REGION_READ, VFU_F_ERROR, 0, p, sizeof(p), NULL, 0);
	expect_error_or_closed(v, ID + 1);
	if (vfuc_server_closed(v, 0)) {
		vfuc_close(v);
		v = victim(true);
	}
	sendm(v, ID + 2, VFU_CMD_REGION_READ, 0, 5, p, sizeof(p), NULL, 0);
	expect_error_or_closed(v, ID + 2);
}

static void test_unknown_command(void **state)
{
	struct vfuc *v = victim(true);

	sendm(v, ID, 99, 0, 0, NULL, 0, NULL, 0);
	expect_error(v, ID);
	sendm(v, ID + 1, 0, 0, 0, NULL, 0, NULL, 0);
	expect_error(v, ID + 1);
	sendm(v, ID + 2, 0xffff, 0, 0, "xyz", 3, NULL, 0);
	expect_error(v, ID + 2);
	/* commands QEMU 11 never sends */
	sendm(v, ID + 3, VFU_CMD_DEVICE_GET_REGION_IO_FDS, 0, 0, NULL, 0, NULL, 0);
	expect_error(v, ID + 3);
	sendm(v, ID + 4, VFU_CMD_DIRTY_PAGES, 0, 0, NULL, 0, NULL, 0);
	expect_error(v, ID + 4);
	sendm(v, ID + 5, VFU_CMD_MIG_DATA_READ, 0, 0, NULL, 0, NULL, 0);
	expect_error(v, ID + 5);
}

/* DMA_READ/DMA_WRITE go from the server to the client, never the other way. */
static void test_client_sends_dma_rw(void **state)
{
	struct vfuc *v = victim(true);
	uint8_t p[16 + 8] = { 0 };
	uint32_t four = 4;

	memcpy(p + 8, &four, 4);
	sendm(v, ID, VFU_CMD_DMA_READ, 0, 0, p, 16, NULL, 0);
	expect_error(v, ID);
	sendm(v, ID + 1, VFU_CMD_DMA_WRITE, 0, 0, p, sizeof(p), NULL, 0);
	expect_error(v, ID + 1);
}

/* ---- VERSION ------------------------------------------------------------------------- */

static void send_version(struct vfuc *v, uint16_t id, uint16_t major, const char *json,
			 size_t jlen, const int *fds, size_t nfds)
{
	uint8_t p[512];
	struct vfu_version ver = { .major = major, .minor = 0 };

	memcpy(p, &ver, sizeof(ver));
	memcpy(p + sizeof(ver), json, jlen);
	sendm(v, id, VFU_CMD_VERSION, 0, 0, p, sizeof(ver) + jlen, fds, nfds);
}

static void test_command_before_version(void **state)
{
	struct vfuc *v = victim(false);
	uint8_t p[16];

	region_rw_msg(p, FX_ID, 0, 4);
	sendm(v, ID, VFU_CMD_REGION_READ, 0, 0, p, sizeof(p), NULL, 0);
	expect_error_or_closed(v, ID);
	/* (if answered: VERSION still worked afterwards) */
}

static void test_version_not_nul_terminated(void **state)
{
	struct vfuc *v = victim(false);
	const char j[] = "{\"capabilities\":{}}";

	send_version(v, ID, 0, j, strlen(j), NULL, 0);
	expect_error_or_closed(v, ID);
}

static void test_version_bad_json(void **state)
{
	static const char *const bad[] = {
		"{\"capabilities\":",
		"[]",
		"{\"capabilities\":[1]}",
		"{\"capabilities\":{\"max_msg_fds\":-1}}",
		"{\"capabilities\":{\"max_msg_fds\":\"16\"}}",
		"{\"capabilities\":{\"max_data_xfer_size\":0}}",
		"{\"capabilities\":{\"write_multiple\":1}}",
		"{\"capabilities\":{\"migration\":7}}",
		"\xff\xfe",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct vfuc *v = victim(false);

		send_version(v, ID, 0, bad[i], strlen(bad[i]) + 1, NULL, 0);
		expect_error_or_closed(v, ID);
		vfuc_close(v);
		G->v = NULL;
	}
}

static void test_version_major_mismatch(void **state)
{
	struct vfuc *v = victim(false);
	const char j[] = "{\"capabilities\":{}}";

	send_version(v, ID, 1, j, sizeof(j), NULL, 0);
	expect_error_or_closed(v, ID);
}

static void test_version_with_fd(void **state)
{
	struct vfuc *v = victim(false);
	const char j[] = "{\"capabilities\":{}}";
	int efd = eventfd(0, EFD_CLOEXEC);

	send_version(v, ID, 0, j, sizeof(j), &efd, 1);
	close(efd);
	expect_error_or_closed(v, ID);
}

static void test_version_twice(void **state)
{
	struct vfuc *v = victim(true);
	const char j[] = "{\"capabilities\":{}}";

	send_version(v, ID, 0, j, sizeof(j), NULL, 0);
	expect_error_or_closed(v, ID);
}

/* ---- fds ---------------------------------------------------------------------------------- */

static void test_fds_where_none_belong(void **state)
{
	struct vfuc *v = victim(true);
	uint8_t p[16];
	int fds[2] = { eventfd(0, EFD_CLOEXEC), eventfd(0, EFD_CLOEXEC) };

	region_rw_msg(p, FX_ID, 0, 4);
	sendm(v, ID, VFU_CMD_REGION_READ, 0, 0, p, sizeof(p), fds, 2);
	expect_error(v, ID);
	sendm(v, ID + 1, VFU_CMD_DEVICE_RESET, 0, 0, NULL, 0, fds, 1);
	expect_error(v, ID + 1);
	{
		struct vfu_dma_unmap u = { .argsz = sizeof(u), .flags = VFU_DMA_UNMAP_F_ALL };

		sendm(v, ID + 2, VFU_CMD_DMA_UNMAP, 0, 0, &u, sizeof(u), fds, 2);
		expect_error(v, ID + 2);
	}
	/* SET_IRQS without DATA_EVENTFD takes no fds */
	{
		struct vfu_irq_set s = { .argsz = 20, .index = VFU_IRQ_MSIX, .start = 0, .count = 1,
					 .flags = VFU_IRQ_SET_DATA_NONE | VFU_IRQ_SET_ACTION_TRIGGER };

		sendm(v, ID + 3, VFU_CMD_DEVICE_SET_IRQS, 0, 0, &s, sizeof(s), fds, 1);
		expect_error(v, ID + 3);
	}
	close(fds[0]);
	close(fds[1]);
}

static void test_too_many_fds(void **state)
{
	struct vfuc *v = victim(true);
	struct vfu_irq_set s = { .argsz = 20, .index = VFU_IRQ_MSIX, .start = 0, .count = 8,
				 .flags = VFU_IRQ_SET_DATA_EVENTFD | VFU_IRQ_SET_ACTION_TRIGGER };
	int fds[64];

	for (int i = 0; i < 64; i++)
		fds[i] = eventfd(0, EFD_CLOEXEC);
	sendm(v, ID, VFU_CMD_DEVICE_SET_IRQS, 0, 0, &s, sizeof(s), fds, 64);
	for (int i = 0; i < 64; i++)
		close(fds[i]);
	expect_error_or_closed(v, ID);
}

/* More fds than the server announced (tight group: max_msg_fds 3). */
static void test_more_fds_than_announced(void **state)
{
	struct vfuc *v = victim(true);
	struct vfu_irq_set s = { .argsz = 20, .index = VFU_IRQ_MSIX, .start = 0, .count = 4,
				 .flags = VFU_IRQ_SET_DATA_EVENTFD | VFU_IRQ_SET_ACTION_TRIGGER };
	int fds[4];

	assert_int_equal(vfuc_caps(v)->max_msg_fds, 3);
	for (int i = 0; i < 4; i++)
		fds[i] = eventfd(0, EFD_CLOEXEC);
	sendm(v, ID, VFU_CMD_DEVICE_SET_IRQS, 0, 0, &s, sizeof(s), fds, 4);
	for (int i = 0; i < 4; i++)
		close(fds[i]);
	expect_error_or_closed(v, ID);
}


#define T(fn) cmocka_unit_test_setup_teardown(fn, case_setup, case_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_truncated_header),
		T(test_partial_message_does_not_block),
		T(test_size_below_header),
		T(test_size_zero),
		T(test_oversized_message),
		T(test_size_beyond_payload_then_eof),
		T(test_size_larger_than_command),
		T(test_size_smaller_than_command),
		T(test_reply_sent_as_command),
		T(test_unknown_type_and_flags),
		T(test_unknown_command),
		T(test_client_sends_dma_rw),
		T(test_command_before_version),
		T(test_version_not_nul_terminated),
		T(test_version_bad_json),
		T(test_version_major_mismatch),
		T(test_version_with_fd),
		T(test_version_twice),
		T(test_fds_where_none_belong),
		T(test_too_many_fds),
		T(test_argsz_too_small),
		T(test_index_out_of_range),
		T(test_offset_count_overflow),
		T(test_write_count_mismatch),
		T(test_dma_map_overlap),
		T(test_dma_map_backing),
		T(test_pipelined_fds),
		T(test_dma_map_bad_flags),
		T(test_dma_map_bad_range),
		T(test_dma_map_bad_fd),
		T(test_dma_unmap_unknown_and_partial),
		T(test_set_irqs_bad),
		T(test_set_irqs_not_eventfd),
		T(test_set_irqs_full_pipe),
		T(test_write_multi_bad),
		T(test_write_read_only_region),
		T(test_reset_with_payload),
		T(test_unexpected_reply),
		T(test_bad_dma_replies),
		T(test_flood_without_reading),
		T(test_out_of_fds),
	};
	const struct CMUnitTest tight[] = {
		T(test_more_fds_than_announced),
		T(test_dma_map_limit),
	};
	/* The passthrough model on the fake VFIO device: the DMA and SET_IRQS cases again. */
	const struct CMUnitTest pt[] = {
		T(test_pt_dma_iommu_untouched),
		T(test_pt_set_irqs_vfio_untouched),
		T(test_pt_iommu_refuses),
		T(test_argsz_too_small),
		T(test_dma_map_overlap),
		T(test_dma_map_bad_flags),
		T(test_dma_map_bad_range),
		T(test_dma_map_bad_fd),
		T(test_dma_unmap_unknown_and_partial),
		T(test_set_irqs_bad),
		T(test_set_irqs_not_eventfd),
		T(test_fds_where_none_belong),
		T(test_too_many_fds),
	};
	int fails;

	/* the server runs in this process: ignore SIGPIPE as vmux does */
	signal(SIGPIPE, SIG_IGN);
	log_set_level(LOG_LVL_ERR);
	fails = cmocka_run_group_tests_name("malformed", tests, group_setup, group_teardown);
	fails += cmocka_run_group_tests_name("malformed_tight_limits", tight, group_setup_tight,
					     group_teardown);
	fails += cmocka_run_group_tests_name("malformed_passthrough", pt, group_setup_pt,
					     group_teardown);
	return fails ? 1 : 0;
}
