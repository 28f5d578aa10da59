/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vfu command handlers: VERSION, DEVICE_GET_INFO, DEVICE_GET_REGION_INFO,
 * REGION_READ, REGION_WRITE, REGION_WRITE_MULTI and DEVICE_RESET. Each
 * validates its payload and returns 0 or a positive errno for the reply.
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "vfu/server_priv.h"
#include "vfu/vfu.h"

#define COMP "vfu"

/* ---- command handlers ---------------------------------------------------- */

static bool json_uint(struct json_object *o, uint64_t *out)
{
	if (!json_object_is_type(o, json_type_int))
		return false;
	int64_t v = json_object_get_int64(o);
	if (v < 0)
		return false;
	*out = (uint64_t)v;
	return true;
}

static int parse_client_caps(struct vfu_ctx *ctx, struct client *c, const char *json)
{
	enum json_tokener_error jerr;
	struct json_object *root = json_tokener_parse_verbose(json, &jerr);
	int err = 0;

	if (!root) {
		LOG_RL(LOG_LVL_WARN, COMP, "%s: VERSION: bad JSON: %s", ctx->name,
		       json_tokener_error_desc(jerr));
		return EINVAL;
	}
	if (!json_object_is_type(root, json_type_object)) {
		err = EINVAL;
		goto out;
	}
	struct json_object *caps;
	if (!json_object_object_get_ex(root, "capabilities", &caps))
		goto out;
	if (!json_object_is_type(caps, json_type_object)) {
		err = EINVAL;
		goto out;
	}
	json_object_object_foreach(caps, key, val) {
		uint64_t v;
		if (!strcmp(key, "max_msg_fds") || !strcmp(key, "pgsizes") ||
		    !strcmp(key, "max_dma_maps")) {
			if (!json_uint(val, &v))
				err = EINVAL;
		} else if (!strcmp(key, "max_data_xfer_size")) {
			if (!json_uint(val, &v) || v == 0)
				err = EINVAL;
			else
				c->peer_max_xfer = v < ctx->lim.max_data_xfer ? (uint32_t)v
									   : ctx->lim.max_data_xfer;
		} else if (!strcmp(key, "write_multiple")) {
			if (!json_object_is_type(val, json_type_boolean))
				err = EINVAL;
		} else if (!strcmp(key, "migration")) {
			if (!json_object_is_type(val, json_type_object))
				err = EINVAL;
		}
		/* Unknown capabilities are ignored, as the protocol asks. */
	}
	if (err)
		LOG_RL(LOG_LVL_WARN, COMP, "%s: VERSION: malformed capabilities", ctx->name);
out:
	json_object_put(root);
	return err;
}

int vfu_h_version(struct vfu_ctx *ctx, struct client *c, const uint8_t *p, size_t len,
		  struct reply *rep)
{
	struct vfu_version v;

	if (c->negotiated || len < sizeof(v) + 1)
		return EINVAL;
	memcpy(&v, p, sizeof(v));
	const char *json = (const char *)p + sizeof(v);
	if (!memchr(json, '\0', len - sizeof(v)))
		return EINVAL;
	if (v.major != VFU_MAJOR) {
		LOG_RL(LOG_LVL_WARN, COMP, "%s: client speaks vfio-user %u.%u, we speak %u.%u",
		       ctx->name, v.major, v.minor, VFU_MAJOR, VFU_MINOR);
		return EINVAL;
	}
	int err = parse_client_caps(ctx, c, json);
	if (err)
		return err;

	char caps[256];
	int n = snprintf(caps, sizeof(caps),
			 "{\"capabilities\":{\"max_msg_fds\":%u,\"max_data_xfer_size\":%u,"
			 "\"pgsizes\":%u,\"max_dma_maps\":%u,\"write_multiple\":true}}",
			 ctx->lim.max_msg_fds, ctx->lim.max_data_xfer, VFU_PGSIZE,
			 ctx->lim.max_dma_maps);
	if (n < 0 || (size_t)n >= sizeof(caps))
		return EINVAL;
	uint8_t *out = vfu_reply_alloc(rep, sizeof(v) + (size_t)n + 1);
	if (!out)
		return ENOMEM;
	struct vfu_version rv = { .major = VFU_MAJOR, .minor = VFU_MINOR };
	memcpy(out, &rv, sizeof(rv));
	memcpy(out + sizeof(rv), caps, (size_t)n + 1);
	c->negotiated = true;
	ctx->stats.clients++;
	LOG_INFO(COMP, "%s: client attached (vfio-user %u.%u)", ctx->name, v.major, v.minor);
	return 0;
}

int vfu_h_device_info(struct vfu_ctx *ctx, const uint8_t *p, size_t len, struct reply *rep)
{
	struct vfu_device_info in;

	if (len < sizeof(in))
		return EINVAL;
	memcpy(&in, p, sizeof(in));
	if (in.argsz < sizeof(in))
		return EINVAL;
	struct vfu_device_info out = {
		.argsz = sizeof(out),
		.flags = ctx->dev_flags,
		.num_regions = ctx->nregions,
		.num_irqs = VFU_IRQ_NUM,
	};
	void *b = vfu_reply_alloc(rep, sizeof(out));
	if (!b)
		return ENOMEM;
	memcpy(b, &out, sizeof(out));
	return 0;
}

int vfu_h_region_info(struct vfu_ctx *ctx, const uint8_t *p, size_t len, struct reply *rep)
{
	struct vfu_region_info in;

	if (len < sizeof(in))
		return EINVAL;
	memcpy(&in, p, sizeof(in));
	if (in.argsz < sizeof(in) || in.index >= ctx->nregions)
		return EINVAL;
	const struct vfu_region_desc *d = &ctx->regions[in.index];
	struct vfu_region_info out = { .index = in.index, .size = d->size };
	if (d->size) {
		out.flags = d->flags & (VFU_REGION_F_READ | VFU_REGION_F_WRITE);
		if (d->mmap_fd >= 0) {
			out.flags |= VFU_REGION_F_MMAP;
			out.offset = d->mmap_offset;
		}
	}
	size_t caps_len = 0;
	if (d->size && d->mmap_fd >= 0 && d->nr_sparse)
		caps_len = sizeof(struct vfu_cap_sparse_mmap) +
			   d->nr_sparse * sizeof(struct vfu_sparse_area);
	size_t need = sizeof(out) + caps_len;
	bool fits = in.argsz >= need;
	out.argsz = (uint32_t)need;
	/*
	 * The CAPS flag only with the capability itself: QEMU refuses an answer
	 * whose flag promises a capability at an offset outside it.
	 */
	if (caps_len && fits) {
		out.flags |= VFU_REGION_F_CAPS;
		out.cap_offset = sizeof(out);
	}
	uint8_t *b = vfu_reply_alloc(rep, fits ? need : sizeof(out));
	if (!b)
		return ENOMEM;
	memcpy(b, &out, sizeof(out));
	if (caps_len && fits) {
		struct vfu_cap_sparse_mmap cap = {
			.hdr = { .id = VFU_REGION_CAP_SPARSE_MMAP, .version = 1, .next = 0 },
			.nr_areas = d->nr_sparse,
		};
		memcpy(b + sizeof(out), &cap, sizeof(cap));
		memcpy(b + sizeof(out) + sizeof(cap), d->sparse,
		       d->nr_sparse * sizeof(struct vfu_sparse_area));
	}
	/* The fd goes with the complete answer only, so the client gets exactly one. */
	if ((out.flags & VFU_REGION_F_MMAP) && fits)
		rep->fd = d->mmap_fd;
	return 0;
}

/* Checks one region access without performing it; positive errno on failure. */
static int region_check(const struct vfu_ctx *ctx, uint32_t region, uint64_t off, uint32_t count,
			bool wr)
{
	if (region >= ctx->nregions)
		return EINVAL;
	const struct vfu_region_desc *d = &ctx->regions[region];
	if (!d->size || !d->access)
		return EINVAL;
	if (!(d->flags & (wr ? VFU_REGION_F_WRITE : VFU_REGION_F_READ)))
		return EPERM;
	if (count == 0 || count > ctx->lim.max_data_xfer)
		return EINVAL;
	if (off >= d->size || count > d->size - off)
		return EINVAL;
	return 0;
}

/* Validates and performs one region access; positive errno on failure. */
static int region_access(struct vfu_ctx *ctx, uint32_t region, uint64_t off, void *buf,
			 uint32_t count, bool wr, uint32_t *done)
{
	int err = region_check(ctx, region, off, count, wr);
	if (err)
		return err;
	const struct vfu_region_desc *d = &ctx->regions[region];
	ssize_t r = d->access(ctx->opaque, region, off, buf, count, wr);
	if (r < 0)
		return r < -4095 ? EIO : (int)-r;
	if ((size_t)r > count)
		return EIO;
	*done = (uint32_t)r;
	if (wr)
		ctx->stats.region_writes++;
	else
		ctx->stats.region_reads++;
	return 0;
}

int vfu_h_region_read(struct vfu_ctx *ctx, const uint8_t *p, size_t len, struct reply *rep)
{
	struct vfu_region_rw rw;

	if (len != sizeof(rw))
		return EINVAL;
	memcpy(&rw, p, sizeof(rw));
	if (rw.count == 0 || rw.count > ctx->lim.max_data_xfer)
		return EINVAL;
	uint8_t *b = vfu_reply_alloc(rep, sizeof(rw) + rw.count);
	if (!b)
		return ENOMEM;
	uint32_t done = 0;
	int err = region_access(ctx, rw.region, rw.offset, b + sizeof(rw), rw.count, false, &done);
	if (err)
		return err;
	rw.count = done;
	memcpy(b, &rw, sizeof(rw));
	rep->len = sizeof(rw) + done;
	return 0;
}

int vfu_h_region_write(struct vfu_ctx *ctx, const uint8_t *p, size_t len, struct reply *rep)
{
	struct vfu_region_rw rw;

	if (len < sizeof(rw))
		return EINVAL;
	memcpy(&rw, p, sizeof(rw));
	if ((uint64_t)rw.count != len - sizeof(rw))
		return EINVAL;
	uint32_t done = 0;
	/* The payload is ours (received buffer), so the handler may read it in place. */
	int err = region_access(ctx, rw.region, rw.offset, (void *)(p + sizeof(rw)), rw.count, true,
				&done);
	if (err)
		return err;
	rw.count = done;
	void *b = vfu_reply_alloc(rep, sizeof(rw));
	if (!b)
		return ENOMEM;
	memcpy(b, &rw, sizeof(rw));
	return 0;
}

int vfu_h_region_write_multi(struct vfu_ctx *ctx, const uint8_t *p, size_t len)
{
	uint64_t cnt;

	if (len < sizeof(cnt))
		return EINVAL;
	memcpy(&cnt, p, sizeof(cnt));
	if (cnt == 0 || cnt > VFU_WRMULTI_MAX || len != sizeof(cnt) + cnt * sizeof(struct vfu_wr_one))
		return EINVAL;
	/* Validate every entry before performing any, so a bad batch has no effect. */
	for (uint64_t i = 0; i < cnt; i++) {
		struct vfu_wr_one w;
		memcpy(&w, p + sizeof(cnt) + i * sizeof(w), sizeof(w));
		if (w.count > VFU_WRMULTI_DATA)
			return EINVAL;
		int err = region_check(ctx, w.region, w.offset, w.count, true);
		if (err)
			return err;
	}
	for (uint64_t i = 0; i < cnt; i++) {
		struct vfu_wr_one w;
		uint32_t done;
		memcpy(&w, p + sizeof(cnt) + i * sizeof(w), sizeof(w));
		int err = region_access(ctx, w.region, w.offset, w.data, w.count, true, &done);
		if (err)
			return err;
	}
	return 0;
}

int vfu_h_reset(struct vfu_ctx *ctx, size_t len)
{
	if (len != 0)
		return EINVAL;
	if (!(ctx->dev_flags & VFU_DEV_F_RESET))
		return ENOTSUP;
	LOG_DEBUG(COMP, "%s: DEVICE_RESET", ctx->name);
	if (ctx->ops && ctx->ops->reset)
		ctx->ops->reset(ctx->opaque, VFU_RESET_DEVICE);
	return 0;
}
