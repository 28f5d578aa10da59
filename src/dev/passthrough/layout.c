/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The mmap-able areas of a passed-through BAR: the device's, minus what stays trapped. */
#include <errno.h>

#include "dev/passthrough/pt.h"

int pt_sparse_layout(uint64_t size, bool whole, const struct vfio_area *areas, unsigned n,
		     const struct vfio_area *trap, unsigned ntrap, uint64_t page,
		     struct vfu_sparse_area *out, unsigned max)
{
	struct vfio_area one = { 0, size };
	unsigned cnt = 0;

	if (whole) {
		areas = &one;
		n = 1;
	}
	for (unsigned i = 0; i < n; i++) {
		/* Whole pages inside the area and the region only. */
		uint64_t s = areas[i].offset, e = areas[i].offset + areas[i].size;
		if (e < s || s >= size)
			continue;
		if (e > size)
			e = size;
		s = (s + page - 1) & ~(page - 1);
		e &= ~(page - 1);
		/* Cut out each trapped range, widened to pages, splitting the area. */
		while (s < e) {
			uint64_t end = e;
			bool cut = false;
			for (unsigned t = 0; t < ntrap; t++) {
				if (!trap[t].size)
					continue;
				uint64_t ts = trap[t].offset & ~(page - 1);
				uint64_t te = (trap[t].offset + trap[t].size + page - 1) & ~(page - 1);
				if (te <= s || ts >= end)
					continue;
				if (ts <= s) {
					s = te; /* the area starts inside this trap */
					cut = true;
					break;
				}
				end = ts; /* up to the first trap */
			}
			if (cut)
				continue;
			if (end > s) {
				if (cnt == max)
					return -E2BIG;
				out[cnt++] = (struct vfu_sparse_area){ s, end - s };
			}
			s = end;
		}
	}
	return (int)cnt;
}
