/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What `vmuxctl probe` collects from a vfio-user device socket, shared by
 * probe.c (the command, the connection, the device-level output),
 * probe_collect.c (regions, IRQs, config space, BAR sizing) and
 * probe_decode.c (config space decoded: header, capabilities).
 */
#ifndef VMUXCTL_PROBE_H
#define VMUXCTL_PROBE_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <json-c/json.h>

#include "client/vfuc.h"
#include "vmuxctl/vmuxctl.h"

#define MAX_SPARSE 64
#define CFG_MAX 4096u

struct region {
	int err;
	struct vfu_region_info ri;
	bool has_fd;
	uint32_t nsparse;
	struct vfu_sparse_area sparse[MAX_SPARSE];
	uint32_t ncaps;     /* capability headers seen */
	bool caps_bad;      /* malformed capability chain */
};

struct bar {
	bool present, io, is64, prefetch, upper;
	uint64_t addr, size;
};

struct probe {
	const char *path;
	bool json, hexdump, sizing;
	int timeout_ms;

	struct vfuc *c;
	struct vfu_device_info di;
	uint32_t nregions, nirqs;
	struct region *regions;
	struct vfu_irq_info *irqs;
	int *irq_err;

	uint8_t cfg[CFG_MAX];
	uint32_t cfg_len;
	int cfg_err;
	struct bar bars[6];
	struct bar rom;
	bool sized;
	bool restore_failed;
};

/* Config bytes, bounded by what the server gave us. */
static inline uint32_t cfg_rd(const struct probe *p, uint32_t off, unsigned width)
{
	uint32_t v = 0;

	if (off > p->cfg_len || width > p->cfg_len - off)
		return width == 4 ? 0xffffffffu : (1u << (8 * width)) - 1;
	memcpy(&v, p->cfg + off, width);
	return v;
}

static inline uint8_t c8(const struct probe *p, uint32_t off)
{
	return (uint8_t)cfg_rd(p, off, 1);
}

static inline uint16_t c16(const struct probe *p, uint32_t off)
{
	return (uint16_t)cfg_rd(p, off, 2);
}

static inline uint32_t c32(const struct probe *p, uint32_t off)
{
	return cfg_rd(p, off, 4);
}

/* ---- probe_collect.c ------------------------------------------------------ */

/* 0, or -ECONNRESET/-ETIMEDOUT (the server is gone), -ENOMEM. */
int collect_regions(struct probe *p);
int collect_irqs(struct probe *p);
/* Config space into p->cfg: 0, or -errno. */
int read_cfg(struct probe *p);
/* BARs and ROM sized by writing all ones (decoding off), then restored. */
void size_bars(struct probe *p);
/* Without sizing: what the registers say, sizes from the region info. */
void bars_from_regs(struct probe *p);

/* ---- probe_decode.c: JSON object and lspci-style text together ------------- */

const char *region_name(uint32_t i);
const char *irq_name(uint32_t i);
json_object *decode_header(const struct probe *p, struct text *t);
json_object *decode_caps(const struct probe *p, struct text *t);
json_object *decode_ext_caps(const struct probe *p, struct text *t);
void hexdump(const struct probe *p, struct text *t, json_object *o);

#endif
