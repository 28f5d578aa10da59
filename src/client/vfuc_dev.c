/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vfuc: VERSION negotiation and the device: device, region and IRQ info,
 * region access, reset.
 */
#include "client/vfuc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "client/vfuc_priv.h"
#include "core/log.h"

#define COMP "vfuc"

/* ---- VERSION ------------------------------------------------------------ */

static char *default_caps_json(void)
{
	json_object *root = json_object_new_object();
	json_object *caps = json_object_new_object();
	json_object *migr = json_object_new_object();
	char *s;

	json_object_object_add(migr, "pgsize", json_object_new_int64(VFUC_OWN_PGSIZES));
	json_object_object_add(migr, "max_bitmap_size", json_object_new_int64(VFUC_OWN_MAX_BITMAP));
	json_object_object_add(caps, "migration", migr);
	json_object_object_add(caps, "max_msg_fds", json_object_new_int64(VFUC_OWN_MAX_FDS));
	json_object_object_add(caps, "max_data_xfer_size", json_object_new_int64(VFUC_OWN_MAX_XFER));
	json_object_object_add(caps, "pgsizes", json_object_new_int64(VFUC_OWN_PGSIZES));
	json_object_object_add(caps, "max_dma_maps", json_object_new_int64(VFUC_OWN_MAX_DMA_MAPS));
	json_object_object_add(caps, "write_multiple", json_object_new_boolean(1));
	json_object_object_add(root, "capabilities", caps);
	s = strdup(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN));
	json_object_put(root);
	return s;
}

static bool json_u64(json_object *o, uint64_t *out)
{
	if (!o || !json_object_is_type(o, json_type_int))
		return false;
	if (json_object_get_int64(o) < 0)
		return false;
	*out = json_object_get_uint64(o);
	return true;
}

/* Checks the server's capabilities the way QEMU does. 0 or -EINVAL. */
static int parse_caps(struct vfuc *c, const char *json)
{
	json_object *root = json_tokener_parse(json);
	json_object *caps, *o;
	struct vfuc_server_caps sc = {
		.max_msg_fds = VFUC_DEF_MAX_FDS,
		.max_data_xfer = VFUC_DEF_MAX_XFER,
		.max_dma_maps = VFUC_DEF_MAX_DMA_MAPS,
		.pgsizes = VFUC_DEF_PGSIZES,
	};
	uint64_t v;
	int r = -EINVAL;

	if (!root || !json_object_is_type(root, json_type_object))
		goto out;
	if (json_object_object_get_ex(root, "capabilities", &caps)) {
		if (!json_object_is_type(caps, json_type_object))
			goto out;
		if (json_object_object_get_ex(caps, "max_msg_fds", &o)) {
			if (!json_u64(o, &v) || v > VFUC_OWN_MAX_FDS)
				goto out;
			sc.max_msg_fds = (uint32_t)v;
		}
		if (json_object_object_get_ex(caps, "max_data_xfer_size", &o)) {
			if (!json_u64(o, &v) || v > VFUC_MAX_MAX_XFER)
				goto out;
			sc.max_data_xfer = (uint32_t)v;
		}
		if (json_object_object_get_ex(caps, "pgsizes", &o)) {
			if (!json_u64(o, &v) || (v & (VFUC_DEF_PGSIZES - 1)))
				goto out;
			sc.pgsizes = v;
		}
		if (json_object_object_get_ex(caps, "max_dma_maps", &o)) {
			if (!json_u64(o, &v) || v > VFUC_DEF_MAX_DMA_MAPS)
				goto out;
			sc.max_dma_maps = (uint32_t)v;
		}
		if (json_object_object_get_ex(caps, "write_multiple", &o)) {
			if (!json_object_is_type(o, json_type_boolean))
				goto out;
			sc.write_multiple = json_object_get_boolean(o);
		}
	}
	c->caps = sc;
	r = 0;
out:
	if (root)
		json_object_put(root);
	return r;
}

int vfuc_negotiate(struct vfuc *c, const char *caps_json)
{
	char *own = caps_json ? NULL : default_caps_json();
	const char *json = caps_json ? caps_json : own;
	size_t jlen, plen, rlen;
	uint8_t *req = NULL, *rep = NULL;
	struct vfu_version v;
	int r = -ENOMEM;

	if (!json)
		return -ENOMEM;
	jlen = strlen(json) + 1;
	plen = sizeof(v) + jlen;
	req = calloc(1, plen);
	rep = calloc(1, plen + 1);
	if (!req || !rep)
		goto out;
	v.major = VFU_MAJOR;
	v.minor = VFU_MINOR;
	memcpy(req, &v, sizeof(v));
	memcpy(req + sizeof(v), json, jlen);

	/* QEMU's reply buffer is its own request: a larger reply is refused. */
	r = vfuc_request(c, VFU_CMD_VERSION, 0, req, plen, NULL, 0, rep, plen, &rlen, NULL, NULL);
	if (r < 0)
		goto out;
	r = -EINVAL;
	if (rlen > plen) {
		LOG_RL(LOG_LVL_WARN, COMP, "VERSION reply larger than the request");
		goto out;
	}
	if (rlen <= sizeof(v)) {
		LOG_RL(LOG_LVL_WARN, COMP, "VERSION reply without capabilities");
		goto out;
	}
	memcpy(&v, rep, sizeof(v));
	if (v.major != VFU_MAJOR || v.minor > VFU_MINOR) {
		LOG_RL(LOG_LVL_WARN, COMP, "incompatible server version %u.%u", v.major, v.minor);
		goto out;
	}
	if (rep[rlen - 1] != '\0') {
		LOG_RL(LOG_LVL_WARN, COMP, "corrupt VERSION reply (no NUL)");
		goto out;
	}
	if (parse_caps(c, (const char *)rep + sizeof(v)) < 0) {
		LOG_RL(LOG_LVL_WARN, COMP, "malformed server capabilities");
		goto out;
	}
	free(c->server_json);
	c->server_json = strdup((const char *)rep + sizeof(v));
	c->negotiated = true;
	r = 0;
out:
	free(own);
	free(req);
	free(rep);
	return r;
}

/* ---- device ------------------------------------------------------------- */

int vfuc_device_info(struct vfuc *c, struct vfu_device_info *out)
{
	struct vfu_device_info req = { .argsz = sizeof(req) };
	size_t rlen;
	int r;

	memset(out, 0, sizeof(*out));
	r = vfuc_request(c, VFU_CMD_DEVICE_GET_INFO, 0, &req, sizeof(req), NULL, 0, out,
			 sizeof(*out), &rlen, NULL, NULL);
	if (r < 0)
		return r;
	if (rlen < sizeof(*out))
		return -EPROTO;
	/* defend against a hostile server, as QEMU does */
	if (out->num_regions > VFUC_MAX_REGIONS || out->num_irqs > VFUC_MAX_IRQS)
		return -EINVAL;
	return 0;
}

/* One GET_REGION_INFO with the given argsz; the reply (<= argsz bytes) goes to buf. */
static int region_info_once(struct vfuc *c, uint32_t idx, uint32_t argsz, uint8_t *buf,
			    size_t *len, int *fd)
{
	struct vfu_region_info req = { .argsz = argsz, .index = idx };
	int fds[2] = { -1, -1 };
	size_t nfds = 2;
	int r;

	r = vfuc_request(c, VFU_CMD_DEVICE_GET_REGION_INFO, 0, &req, sizeof(req), NULL, 0, buf,
			 argsz, len, fds, &nfds);
	if (r < 0)
		return r;
	/* QEMU's reply buffer holds argsz bytes and one fd; anything more is refused. */
	if (nfds > 1 || *len > argsz || *len < sizeof(struct vfu_region_info)) {
		vfuc_close_fds(fds, nfds);
		return -EPROTO;
	}
	*fd = nfds ? fds[0] : -1;
	return 0;
}

int vfuc_region_sparse(struct vfuc *c, uint32_t idx, struct vfu_region_info *ri,
		       struct vfu_sparse_area *areas, unsigned max, unsigned *n, int *fd)
{
	uint8_t caps[1024];
	struct vfu_cap_sparse_mmap sp;
	size_t at;
	int r;

	*n = 0;
	r = vfuc_region_info(c, idx, ri, caps, sizeof(caps), fd);
	if (r)
		return r;
	r = -ENOENT;
	if (*fd < 0 || !(ri->flags & VFU_REGION_F_MMAP) || !(ri->flags & VFU_REGION_F_CAPS))
		goto fail;
	at = ri->cap_offset - sizeof(*ri);
	r = -EINVAL;
	if (at + sizeof(sp) > sizeof(caps))
		goto fail;
	memcpy(&sp, caps + at, sizeof(sp));
	r = -ENOENT;
	if (sp.hdr.id != VFU_REGION_CAP_SPARSE_MMAP)
		goto fail;
	r = -EINVAL;
	if (at + sizeof(sp) + (size_t)sp.nr_areas * sizeof(*areas) > sizeof(caps))
		goto fail;
	for (uint32_t i = 0; i < sp.nr_areas && *n < max; i++) {
		memcpy(&areas[*n], caps + at + sizeof(sp) + i * sizeof(*areas), sizeof(*areas));
		if (!areas[*n].size || areas[*n].offset > ri->size ||
		    areas[*n].size > ri->size - areas[*n].offset)
			goto fail;
		(*n)++;
	}
	return 0;
fail:
	*n = 0;
	close(*fd);
	*fd = -1;
	return r;
}

int vfuc_region_info(struct vfuc *c, uint32_t idx, struct vfu_region_info *out, void *caps,
		     size_t caps_cap, int *fd)
{
	uint32_t argsz = sizeof(*out);
	uint8_t *buf = NULL;
	int rfd = -1;
	size_t len;
	int r;

	if (fd)
		*fd = -1;
	/* Like QEMU: ask with the fixed size first, then with what the server says it needs. */
	for (int attempt = 0; attempt < 2; attempt++) {
		uint8_t *nb = realloc(buf, argsz);

		if (!nb) {
			r = -ENOMEM;
			goto out;
		}
		buf = nb;
		if (rfd >= 0)
			close(rfd);
		rfd = -1;
		r = region_info_once(c, idx, argsz, buf, &len, &rfd);
		if (r < 0)
			goto out;
		memcpy(out, buf, sizeof(*out));
		/* As QEMU checks every answer: a capability flag needs a capability inside it. */
		if ((out->flags & VFU_REGION_F_CAPS) &&
		    (out->cap_offset < sizeof(*out) || out->cap_offset > argsz ||
		     out->cap_offset > len)) {
			r = -EINVAL;
			goto out;
		}
		if (out->argsz <= argsz)
			break;
		if (out->argsz > 65536 || attempt == 1) {
			r = -EPROTO;
			goto out;
		}
		argsz = out->argsz;
	}
	if (caps && caps_cap) {
		size_t n = len - sizeof(*out);

		memset(caps, 0, caps_cap);
		memcpy(caps, buf + sizeof(*out), n < caps_cap ? n : caps_cap);
	}
	if (fd) {
		*fd = rfd;
		rfd = -1;
	}
	r = 0;
out:
	if (rfd >= 0)
		close(rfd);
	free(buf);
	return r;
}

int vfuc_irq_info(struct vfuc *c, uint32_t idx, struct vfu_irq_info *out)
{
	struct vfu_irq_info req = { .argsz = sizeof(req), .index = idx };
	size_t rlen;
	int r;

	memset(out, 0, sizeof(*out));
	r = vfuc_request(c, VFU_CMD_DEVICE_GET_IRQ_INFO, 0, &req, sizeof(req), NULL, 0, out,
			 sizeof(*out), &rlen, NULL, NULL);
	if (r < 0)
		return r;
	return rlen < sizeof(*out) ? -EPROTO : 0;
}

int vfuc_region_read(struct vfuc *c, uint32_t region, uint64_t off, void *buf, uint32_t count)
{
	struct vfu_region_rw req = { .offset = off, .region = region, .count = count };
	struct vfu_region_rw rep;
	uint8_t *rbuf;
	size_t rlen;
	int r;

	if (count > c->caps.max_data_xfer)
		return -EINVAL;
	rbuf = malloc(sizeof(rep) + count);
	if (!rbuf)
		return -ENOMEM;
	r = vfuc_request(c, VFU_CMD_REGION_READ, 0, &req, sizeof(req), NULL, 0, rbuf,
			 sizeof(rep) + count, &rlen, NULL, NULL);
	if (r < 0)
		goto out;
	r = -EPROTO;
	if (rlen < sizeof(rep) || rlen > sizeof(rep) + count)
		goto out;
	memcpy(&rep, rbuf, sizeof(rep));
	if (rep.count > count) {
		r = -E2BIG;
		goto out;
	}
	if (rlen - sizeof(rep) < rep.count)
		goto out;
	memcpy(buf, rbuf + sizeof(rep), rep.count);
	r = rep.count == count ? 0 : -EIO;
out:
	free(rbuf);
	return r;
}

int vfuc_region_write(struct vfuc *c, uint32_t region, uint64_t off, const void *buf,
		      uint32_t count, bool posted)
{
	struct vfu_region_rw req = { .offset = off, .region = region, .count = count };
	uint8_t *msg;
	int r;

	if (count > c->caps.max_data_xfer)
		return -EINVAL;
	msg = malloc(sizeof(req) + count);
	if (!msg)
		return -ENOMEM;
	memcpy(msg, &req, sizeof(req));
	memcpy(msg + sizeof(req), buf, count);
	r = vfuc_request(c, VFU_CMD_REGION_WRITE, posted ? VFU_F_NO_REPLY : 0, msg,
			 sizeof(req) + count, NULL, 0, NULL, 0, NULL, NULL, NULL);
	free(msg);
	return r;
}

int vfuc_write_multi(struct vfuc *c, const struct vfu_wr_one *wrs, uint32_t n, bool posted)
{
	size_t len = sizeof(uint64_t) + (size_t)n * sizeof(*wrs);
	uint64_t cnt = n;
	uint8_t *msg;
	int r;

	if (n == 0 || n > VFU_WRMULTI_MAX)
		return -EINVAL;
	msg = malloc(len);
	if (!msg)
		return -ENOMEM;
	memcpy(msg, &cnt, sizeof(cnt));
	memcpy(msg + sizeof(cnt), wrs, (size_t)n * sizeof(*wrs));
	r = vfuc_request(c, VFU_CMD_REGION_WRITE_MULTI, posted ? VFU_F_NO_REPLY : 0, msg, len,
			 NULL, 0, NULL, 0, NULL, NULL, NULL);
	free(msg);
	return r;
}

int vfuc_reset(struct vfuc *c)
{
	return vfuc_request(c, VFU_CMD_DEVICE_RESET, 0, NULL, 0, NULL, 0, NULL, 0, NULL, NULL,
			    NULL);
}

uint32_t vfuc_bar_read32(struct vfuc *c, unsigned bar, uint64_t off)
{
	uint32_t v;

	if (bar > VFU_PCI_BAR5)
		return 0xffffffffu;
	return vfuc_region_read(c, bar, off, &v, sizeof(v)) < 0 ? 0xffffffffu : v;
}

int vfuc_bar_write32(struct vfuc *c, unsigned bar, uint64_t off, uint32_t v, bool posted)
{
	if (bar > VFU_PCI_BAR5)
		return -EINVAL;
	return vfuc_region_write(c, bar, off, &v, sizeof(v), posted);
}
