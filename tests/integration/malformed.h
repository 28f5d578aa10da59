/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The hostile-client test (test_malformed): the group and case fixtures and
 * the helpers its cases share (malformed_util.c), and the cases kept in the
 * files other than test_malformed.c, which runs them all.
 */
#ifndef VMUX_TESTS_MALFORMED_H
#define VMUX_TESTS_MALFORMED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>

#include "client/vfuc.h"
#include "fixture.h"

#define TMO 3000
#define ID 0xa5a5

struct grp {
	struct fx *fx;
	struct vfuc *bystander;
	uint32_t rounds;
	int fds_base;
	struct vfuc *v; /* the victim of the current case */
	/*
	 * The victims' device: the fixture's device 0, or (the passthrough
	 * group) the passthrough model on the fake VFIO device, whose BAR0
	 * answers FX_ID as the fixture does.
	 */
	const char *vpath;
	bool pt;
};

extern struct grp *G;

/* The descriptor limit a failed case left lowered (test_out_of_fds). */
extern struct rlimit saved_nofile;
extern bool nofile_lowered;

enum answer { ANS_OK, ANS_ERROR, ANS_CLOSED, ANS_TIMEOUT, ANS_OTHER };

int group_setup(void **state);
int group_setup_tight(void **state);
int group_setup_pt(void **state);
int group_teardown(void **state);
int case_setup(void **state);
void check_bystander(struct grp *g);
int case_teardown(void **state);
struct vfuc *victim(bool negotiate);
void sendm(struct vfuc *v, uint16_t id, uint16_t cmd, uint32_t flags, uint32_t err,
	   const void *payload, size_t len, const int *fds, size_t nfds);
enum answer answer(struct vfuc *v, uint16_t id, uint32_t *err);
const char *ans_name(enum answer a);
void expect_error_at(struct vfuc *v, uint16_t id, int line);
void expect_errno_at(struct vfuc *v, uint16_t id, uint32_t want, int line);
void expect_closed_at(struct vfuc *v, int line);
void expect_error_or_closed_at(struct vfuc *v, uint16_t id, int line);
void region_rw_msg(uint8_t *out, uint64_t off, uint32_t region, uint32_t count);
int memfd_of(size_t size);
/* A DMA_MAP (fd: -1 for none) / a SET_IRQS of the given fields and data, unchecked. */
void dma_map_msg(struct vfuc *v, uint16_t id, uint64_t addr, uint64_t size, uint64_t off,
		 uint32_t flags, int fd);
void set_irqs_raw(struct vfuc *v, uint16_t id, uint32_t argsz, uint32_t flags, uint32_t index,
		  uint32_t start, uint32_t count, const void *data, size_t dlen, const int *fds,
		  size_t nfds);

#define expect_error(v, id) expect_error_at(v, id, __LINE__)
#define expect_errno(v, id, e) expect_errno_at(v, id, e, __LINE__)
#define expect_closed(v) expect_closed_at(v, __LINE__)
#define expect_error_or_closed(v, id) expect_error_or_closed_at(v, id, __LINE__)

/* malformed_regions.c */
void test_argsz_too_small(void **state);
void test_index_out_of_range(void **state);
void test_offset_count_overflow(void **state);
void test_write_count_mismatch(void **state);
void test_set_irqs_bad(void **state);
void test_set_irqs_not_eventfd(void **state);
void test_set_irqs_full_pipe(void **state);
void test_write_multi_bad(void **state);
void test_write_read_only_region(void **state);

/* malformed_dma.c */
void test_dma_map_overlap(void **state);
void test_dma_map_backing(void **state);
void test_pipelined_fds(void **state);
void test_dma_map_bad_flags(void **state);
void test_dma_map_bad_range(void **state);
void test_dma_map_bad_fd(void **state);
void test_dma_unmap_unknown_and_partial(void **state);
void test_dma_map_limit(void **state);

/* malformed_refused.c */
void test_reset_with_payload(void **state);
void test_unexpected_reply(void **state);
void test_bad_dma_replies(void **state);
void test_flood_without_reading(void **state);
void test_out_of_fds(void **state);

/* malformed_pt.c (the passthrough group) */
void test_pt_dma_iommu_untouched(void **state);
void test_pt_set_irqs_vfio_untouched(void **state);
void test_pt_iommu_refuses(void **state);

#endif
