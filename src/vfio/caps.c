/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vfio: the pure parts (region capability chains, PCI addresses, the device
 * cdev found in sysfs, the API chosen); unit-tested.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <linux/vfio.h>

#include "vfio/vfio.h"

int vfio_parse_region_caps(const void *buf, size_t len, uint32_t cap_offset,
			   struct vfio_region *r)
{
	const uint8_t *b = buf;
	uint32_t off = cap_offset;
	unsigned hops = 0;

	r->has_sparse = false;
	r->msix_mappable = false;
	r->nr_sparse = 0;
	while (off) {
		struct vfio_info_cap_header h;

		/*
		 * Each capability lies after the fixed info and after the one
		 * before it: a chain that goes back could loop.
		 */
		if (off < sizeof(struct vfio_region_info) || off > len || len - off < sizeof(h) ||
		    off % 4 || ++hops > 64)
			return -EINVAL;
		memcpy(&h, b + off, sizeof(h));
		if (h.next && h.next <= off)
			return -EINVAL;
		if (h.id == VFIO_REGION_INFO_CAP_SPARSE_MMAP) {
			struct vfio_region_info_cap_sparse_mmap s;

			if (len - off < sizeof(s))
				return -EINVAL;
			memcpy(&s, b + off, sizeof(s));
			if (s.nr_areas > VFIO_MAX_SPARSE)
				return -E2BIG;
			size_t need = sizeof(s) + (size_t)s.nr_areas *
						  sizeof(struct vfio_region_sparse_mmap_area);
			if (len - off < need || (h.next && h.next < off + need))
				return -EINVAL;
			for (uint32_t i = 0; i < s.nr_areas; i++) {
				struct vfio_region_sparse_mmap_area a;

				memcpy(&a, b + off + sizeof(s) + i * sizeof(a), sizeof(a));
				if (a.size == 0)
					continue;
				if (a.offset + a.size < a.offset || a.offset + a.size > r->size)
					return -EINVAL;
				r->sparse[r->nr_sparse++] = (struct vfio_area){ a.offset, a.size };
			}
			r->has_sparse = true;
		} else if (h.id == VFIO_REGION_INFO_CAP_MSIX_MAPPABLE) {
			r->msix_mappable = true;
		}
		off = h.next;
	}
	return 0;
}

int vfio_parse_bdf(const char *s, char out[16])
{
	unsigned dom = 0, bus, dev, fn;
	int n = -1;

	if (!s || strlen(s) > 12)
		return -EINVAL;
	for (const char *p = s; *p; p++)
		if (!isxdigit((unsigned char)*p) && *p != ':' && *p != '.')
			return -EINVAL;
	if (sscanf(s, "%4x:%2x:%2x.%1x%n", &dom, &bus, &dev, &fn, &n) != 4 || s[n]) {
		dom = 0;
		n = -1;
		if (sscanf(s, "%2x:%2x.%1x%n", &bus, &dev, &fn, &n) != 3 || s[n])
			return -EINVAL;
	}
	if (dev > 0x1f || fn > 7)
		return -EINVAL;
	snprintf(out, 16, "%04x:%02x:%02x.%x", dom, bus, dev, fn);
	return 0;
}

const char *vfio_api_name(enum vfio_api a)
{
	return a == VFIO_API_CDEV ? "cdev" : a == VFIO_API_GROUP ? "group" : "auto";
}

int vfio_pick_api(enum vfio_api want, bool have_cdev)
{
	switch (want) {
	case VFIO_API_CDEV:
		return have_cdev ? VFIO_API_CDEV : -ENODEV;
	case VFIO_API_GROUP:
		return VFIO_API_GROUP;
	default:
		return have_cdev ? VFIO_API_CDEV : VFIO_API_GROUP;
	}
}

int vfio_find_cdev(const char *sysfs, const char *bdf, char *out, size_t outlen)
{
	char path[256];
	struct dirent *e;
	int r = -ENOENT;

	if ((size_t)snprintf(path, sizeof(path), "%s/bus/pci/devices/%s/vfio-dev", sysfs, bdf) >=
	    sizeof(path))
		return -ENAMETOOLONG;
	DIR *dir = opendir(path);
	if (!dir)
		return -ENOENT;
	while (r == -ENOENT && (e = readdir(dir))) {
		const char *n = e->d_name;
		size_t k = 4;

		if (strncmp(n, "vfio", 4) || !n[4])
			continue;
		while (n[k] >= '0' && n[k] <= '9')
			k++;
		if (n[k] || k > 10)
			continue; /* vfioN only */
		if ((size_t)snprintf(out, outlen, "/dev/vfio/devices/%s", n) >= outlen)
			r = -ENAMETOOLONG;
		else
			r = 0;
	}
	closedir(dir);
	return r;
}
