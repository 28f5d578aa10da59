/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vmuxctl: inspect vmux from the outside.
 *
 *   vmuxctl probe [--json] [-x] [-n] [-t MS] SOCKET
 *   vmuxctl ports|switch|macs|workers [-c CONTROL]
 *   vmuxctl capture start PORT FILE [--count N] [--snaplen N] [--size BYTES] [-c CONTROL]
 *   vmuxctl capture stop PORT [-c CONTROL]
 *
 * `probe` speaks vfio-user to a device socket the way a VMM would and prints
 * what the server offers: VERSION capabilities, device info, regions, IRQ
 * indexes and the PCI config space decoded in the style of `lspci -vv`.
 * The other commands ask vmux's control socket (vmux --control) and print
 * its answer as JSON. Everything a server returns is treated as untrusted
 * input.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "client/vfuc.h"
#include "core/log.h"

#ifndef VMUX_VERSION
#define VMUX_VERSION "?"
#endif

#define EXIT_USAGE 2

/* ---- small output helpers ------------------------------------------------- */

static void die_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die_usage(const char *fmt, ...)
{
	va_list ap;

	fputs("vmuxctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'vmuxctl --help'.\n", stderr);
	exit(EXIT_USAGE);
}

static void err_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void err_msg(const char *fmt, ...)
{
	va_list ap;

	fputs("vmuxctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static const char *pm(bool b)
{
	return b ? "+" : "-";
}

/* "4K", "128K", "1M", or bytes. */
static const char *human_size(uint64_t v, char *buf, size_t cap)
{
	static const char *const u[] = { "", "K", "M", "G", "T", "P", "E" };
	unsigned i = 0;

	while (v >= 1024 && !(v & 1023) && i < 6) {
		v >>= 10;
		i++;
	}
	snprintf(buf, cap, "%" PRIu64 "%s", v, u[i]);
	return buf;
}

static void jadd(json_object *o, const char *k, json_object *v)
{
	json_object_object_add(o, k, v);
}

static void jint(json_object *o, const char *k, int64_t v)
{
	jadd(o, k, json_object_new_int64(v));
}

static void ju64(json_object *o, const char *k, uint64_t v)
{
	jadd(o, k, json_object_new_uint64(v));
}

static void jbool(json_object *o, const char *k, bool v)
{
	jadd(o, k, json_object_new_boolean(v));
}

static void jstr(json_object *o, const char *k, const char *v)
{
	jadd(o, k, json_object_new_string(v));
}

/*
 * Text for the human output, built alongside the JSON by the decoders so the
 * two never disagree.
 */
struct text {
	char *buf;
	size_t len, cap;
};

static void tprintf(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void tprintf(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!t)
		return;
	for (;;) {
		size_t room = t->cap - t->len;

		va_start(ap, fmt);
		n = vsnprintf(t->buf ? t->buf + t->len : NULL, t->buf ? room : 0, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if (t->buf && (size_t)n < room) {
			t->len += (size_t)n;
			return;
		}
		size_t ncap = (t->cap ? t->cap * 2 : 1024) + (size_t)n;
		char *nb = realloc(t->buf, ncap);

		if (!nb)
			return;
		t->buf = nb;
		t->cap = ncap;
	}
}

/* ---- names ---------------------------------------------------------------- */

static const char *region_name(uint32_t i)
{
	static const char *const n[] = { "BAR0", "BAR1", "BAR2", "BAR3", "BAR4",
					 "BAR5", "ROM",  "CONFIG", "VGA" };
	return i < 9 ? n[i] : "region";
}

static const char *irq_name(uint32_t i)
{
	static const char *const n[] = { "INTx", "MSI", "MSI-X", "ERR", "REQ" };
	return i < 5 ? n[i] : "irq";
}

static const char *class_name(uint8_t base, uint8_t sub)
{
	static const char *const bases[] = {
		"Unclassified device", "Mass storage controller", "Network controller",
		"Display controller", "Multimedia controller", "Memory controller", "Bridge",
		"Communication controller", "Generic system peripheral", "Input device controller",
		"Docking station", "Processor", "Serial bus controller", "Wireless controller",
		"Intelligent controller", "Satellite communications controller",
		"Encryption controller", "Signal processing controller",
		"Processing accelerators", "Non-Essential Instrumentation",
	};

	if (base == 0x02) {
		switch (sub) {
		case 0x00: return "Ethernet controller";
		case 0x01: return "Token ring network controller";
		case 0x02: return "FDDI network controller";
		case 0x03: return "ATM network controller";
		case 0x07: return "Infiniband controller";
		case 0x08: return "Fabric controller";
		default: return "Network controller";
		}
	}
	if (base == 0x01 && sub == 0x08)
		return "Non-Volatile memory controller";
	if (base == 0x06 && sub == 0x04)
		return "PCI bridge";
	if (base < sizeof(bases) / sizeof(bases[0]))
		return bases[base];
	if (base == 0xff)
		return "Unassigned class";
	return "Unknown class";
}

static const char *cap_name(uint8_t id)
{
	static const char *const n[] = {
		[0x01] = "Power Management", [0x02] = "AGP", [0x03] = "Vital Product Data",
		[0x04] = "Slot ID", [0x05] = "MSI", [0x06] = "CompactPCI hot-swap",
		[0x07] = "PCI-X", [0x08] = "HyperTransport", [0x09] = "Vendor Specific",
		[0x0a] = "Debug port", [0x0b] = "CompactPCI central resource control",
		[0x0c] = "PCI Hot-plug", [0x0d] = "Bridge subsystem vendor/device ID",
		[0x0e] = "AGP 8x", [0x0f] = "Secure device", [0x10] = "Express",
		[0x11] = "MSI-X", [0x12] = "SATA HBA", [0x13] = "PCI Advanced Features",
		[0x14] = "Enhanced Allocation", [0x15] = "Flattening Portal Bridge",
	};

	if (id < sizeof(n) / sizeof(n[0]) && n[id])
		return n[id];
	return "Unknown";
}

static const char *ext_cap_name(uint16_t id)
{
	static const char *const n[] = {
		[0x01] = "Advanced Error Reporting", [0x02] = "Virtual Channel",
		[0x03] = "Device Serial Number", [0x04] = "Power Budgeting",
		[0x05] = "Root Complex Link", [0x06] = "Root Complex Internal Link",
		[0x07] = "Root Complex Event Collector", [0x08] = "Multi-Function VC Arbitration",
		[0x09] = "Virtual Channel", [0x0a] = "Root Complex Register Block",
		[0x0b] = "Vendor Specific Information", [0x0c] = "Config Access Correlation",
		[0x0d] = "Access Control Services", [0x0e] = "Alternative Routing-ID Interpretation",
		[0x0f] = "Address Translation Service", [0x10] = "Single Root I/O Virtualization",
		[0x11] = "Multi-Root I/O Virtualization", [0x12] = "Multicast",
		[0x13] = "Page Request Interface", [0x15] = "Resizable BAR",
		[0x16] = "Dynamic Power Allocation", [0x17] = "Transaction Processing Hints",
		[0x18] = "Latency Tolerance Reporting", [0x19] = "Secondary PCI Express",
		[0x1a] = "Protocol Multiplexing", [0x1b] = "Process Address Space ID",
		[0x1d] = "Downstream Port Containment", [0x1e] = "L1 PM Substates",
		[0x1f] = "Precision Time Measurement", [0x23] = "Designated Vendor-Specific",
		[0x25] = "Data Link Feature", [0x26] = "Physical Layer 16.0 GT/s",
		[0x27] = "Lane Margining at the Receiver", [0x2a] = "Physical Layer 32.0 GT/s",
	};

	if (id < sizeof(n) / sizeof(n[0]) && n[id])
		return n[id];
	return "Unknown";
}

/* ---- what probe collects ----------------------------------------------------- */

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
static uint32_t cfg_rd(const struct probe *p, uint32_t off, unsigned width)
{
	uint32_t v = 0;

	if (off > p->cfg_len || width > p->cfg_len - off)
		return width == 4 ? 0xffffffffu : (1u << (8 * width)) - 1;
	memcpy(&v, p->cfg + off, width);
	return v;
}

static uint8_t c8(const struct probe *p, uint32_t off)
{
	return (uint8_t)cfg_rd(p, off, 1);
}

static uint16_t c16(const struct probe *p, uint32_t off)
{
	return (uint16_t)cfg_rd(p, off, 2);
}

static uint32_t c32(const struct probe *p, uint32_t off)
{
	return cfg_rd(p, off, 4);
}

/* ---- collecting ------------------------------------------------------------------ */

/* Walks the region info capability chain (offsets relative to the info struct). */
static void parse_region_caps(struct region *r, const uint8_t *caps, size_t caps_len)
{
	uint32_t off = r->ri.cap_offset;
	uint32_t limit = r->ri.argsz;

	if (!(r->ri.flags & VFU_REGION_F_CAPS))
		return;
	if (limit > sizeof(struct vfu_region_info) + caps_len)
		limit = (uint32_t)(sizeof(struct vfu_region_info) + caps_len);
	for (unsigned n = 0; off && n < 16; n++) {
		struct vfu_cap_hdr h;
		const uint8_t *b;

		if (off < sizeof(struct vfu_region_info) || off > limit ||
		    limit - off < sizeof(h)) {
			r->caps_bad = true;
			return;
		}
		b = caps + (off - sizeof(struct vfu_region_info));
		memcpy(&h, b, sizeof(h));
		r->ncaps++;
		if (h.id == VFU_REGION_CAP_SPARSE_MMAP) {
			uint32_t nr;

			if (limit - off < sizeof(struct vfu_cap_sparse_mmap)) {
				r->caps_bad = true;
				return;
			}
			memcpy(&nr, b + 8, sizeof(nr));
			if (nr > (limit - off - sizeof(struct vfu_cap_sparse_mmap)) /
					 sizeof(struct vfu_sparse_area) ||
			    nr > MAX_SPARSE) {
				r->caps_bad = true;
				return;
			}
			r->nsparse = nr;
			memcpy(r->sparse, b + sizeof(struct vfu_cap_sparse_mmap),
			       nr * sizeof(struct vfu_sparse_area));
		}
		/* next must move forward: a loop in the chain ends the walk */
		if (h.next && h.next <= off) {
			r->caps_bad = true;
			return;
		}
		off = h.next;
	}
}

static int collect_regions(struct probe *p)
{
	static uint8_t caps[65536];

	p->nregions = p->di.num_regions;
	p->regions = calloc(p->nregions ? p->nregions : 1, sizeof(*p->regions));
	if (!p->regions)
		return -ENOMEM;
	for (uint32_t i = 0; i < p->nregions; i++) {
		struct region *r = &p->regions[i];
		int fd = -1;

		r->err = vfuc_region_info(p->c, i, &r->ri, caps, sizeof(caps), &fd);
		if (r->err == -ECONNRESET || r->err == -ETIMEDOUT)
			return r->err;
		if (r->err)
			continue;
		r->has_fd = fd >= 0;
		if (fd >= 0)
			close(fd);
		parse_region_caps(r, caps, sizeof(caps));
	}
	return 0;
}

static int collect_irqs(struct probe *p)
{
	p->nirqs = p->di.num_irqs;
	p->irqs = calloc(p->nirqs ? p->nirqs : 1, sizeof(*p->irqs));
	p->irq_err = calloc(p->nirqs ? p->nirqs : 1, sizeof(*p->irq_err));
	if (!p->irqs || !p->irq_err)
		return -ENOMEM;
	for (uint32_t i = 0; i < p->nirqs; i++) {
		p->irq_err[i] = vfuc_irq_info(p->c, i, &p->irqs[i]);
		if (p->irq_err[i] == -ECONNRESET || p->irq_err[i] == -ETIMEDOUT)
			return p->irq_err[i];
	}
	return 0;
}

static int read_cfg(struct probe *p)
{
	uint64_t size;

	if (p->nregions <= VFU_PCI_CONFIG || p->regions[VFU_PCI_CONFIG].err)
		return -ENOENT;
	size = p->regions[VFU_PCI_CONFIG].ri.size;
	if (size == 0)
		return -ENOENT;
	p->cfg_len = size < CFG_MAX ? (uint32_t)size : CFG_MAX;
	if (vfuc_cfg_read(p->c, 0, p->cfg, p->cfg_len) == 0)
		return 0;
	/* some servers want small accesses: fall back to dwords */
	for (uint32_t off = 0; off + 4 <= p->cfg_len; off += 4) {
		int r = vfuc_cfg_read(p->c, off, p->cfg + off, 4);

		if (r < 0) {
			p->cfg_len = off;
			return off ? 0 : r;
		}
	}
	return 0;
}

/* Standard BAR sizing: write all ones, read back the mask, restore. */
static int size_one(struct probe *p, uint32_t off, uint32_t ones, uint32_t *mask)
{
	uint32_t orig = vfuc_cfg_read32(p->c, off);
	int r;

	r = vfuc_cfg_write32(p->c, off, ones);
	if (r < 0)
		return r;
	*mask = vfuc_cfg_read32(p->c, off);
	r = vfuc_cfg_write32(p->c, off, orig);
	if (r < 0 || vfuc_cfg_read32(p->c, off) != orig)
		p->restore_failed = true;
	return 0;
}

static void size_bars(struct probe *p)
{
	uint8_t htype = c8(p, 0x0e) & 0x7f;
	unsigned nbars = htype == 0 ? 6 : htype == 1 ? 2 : 0;
	uint16_t cmd = c16(p, 0x04);
	uint32_t mask, mhi;

	if (!nbars || p->cfg_len < 0x40)
		return;
	/* no decoding while the BARs hold all ones */
	if (vfuc_cfg_write16(p->c, 0x04, cmd & ~0x3) < 0)
		return;
	for (unsigned i = 0; i < nbars; i++) {
		struct bar *b = &p->bars[i];
		uint32_t off = 0x10 + 4 * i;
		uint32_t lo = c32(p, off);

		if (i > 0 && p->bars[i - 1].is64 && !p->bars[i - 1].upper) {
			b->upper = true;
			continue;
		}
		if (size_one(p, off, 0xffffffffu, &mask) < 0)
			continue;
		if (lo & 1) {
			b->io = true;
			mask &= ~0x3u;
			if (!(mask & 0xffff0000u))
				mask |= 0xffff0000u;
			b->addr = lo & ~0x3u;
			b->size = mask & 0xfffffffcu ? (uint32_t)(~mask + 1) : 0;
		} else {
			uint64_t m64 = mask & ~0xfu;

			b->is64 = ((lo >> 1) & 3) == 2;
			b->prefetch = lo & 8;
			b->addr = lo & ~0xfu;
			if (b->is64 && i + 1 < nbars) {
				if (size_one(p, off + 4, 0xffffffffu, &mhi) == 0) {
					m64 |= (uint64_t)mhi << 32;
					b->addr |= (uint64_t)c32(p, off + 4) << 32;
				}
			} else if (m64) {
				m64 |= 0xffffffff00000000ull;
			}
			/* a BAR that keeps no bit set is not implemented */
			b->size = m64 ? ~m64 + 1 : 0;
		}
		b->present = b->size != 0;
	}
	if (htype == 0 && size_one(p, 0x30, 0xfffff800u, &mask) == 0) {
		uint32_t lo = c32(p, 0x30);

		mask &= 0xfffff800u;
		p->rom.addr = lo & 0xfffff800u;
		p->rom.size = mask ? (uint32_t)(~mask + 1) : 0;
		p->rom.present = mask != 0;
	}
	if (vfuc_cfg_write16(p->c, 0x04, cmd) < 0 || vfuc_cfg_read16(p->c, 0x04) != cmd)
		p->restore_failed = true;
	p->sized = true;
}

/* Without sizing: what the registers say, sizes from the region info. */
static void bars_from_regs(struct probe *p)
{
	uint8_t htype = c8(p, 0x0e) & 0x7f;
	unsigned nbars = htype == 0 ? 6 : htype == 1 ? 2 : 0;

	for (unsigned i = 0; i < nbars; i++) {
		struct bar *b = &p->bars[i];
		uint32_t lo = c32(p, 0x10 + 4 * i);

		if (i > 0 && p->bars[i - 1].is64 && !p->bars[i - 1].upper) {
			b->upper = true;
			continue;
		}
		b->io = lo & 1;
		b->is64 = !b->io && ((lo >> 1) & 3) == 2;
		b->prefetch = !b->io && (lo & 8);
		b->addr = lo & (b->io ? ~0x3u : ~0xfu);
		if (b->is64)
			b->addr |= (uint64_t)c32(p, 0x14 + 4 * i) << 32;
		if (i < p->nregions && !p->regions[i].err)
			b->size = p->regions[i].ri.size;
		b->present = b->size != 0;
	}
}

/* ---- capability decoders: JSON object and lspci-style text together ------------------ */

static const char *pcie_type(unsigned t)
{
	static const char *const n[] = {
		"Endpoint", "Legacy Endpoint", "?", "?", "Root Port", "Upstream Port",
		"Downstream Port", "PCI-Express to PCI/PCI-X Bridge",
		"PCI/PCI-X to PCI-Express Bridge", "Root Complex Integrated Endpoint",
		"Root Complex Event Collector",
	};
	return t < sizeof(n) / sizeof(n[0]) ? n[t] : "Unknown type";
}

static const char *link_speed(unsigned s)
{
	static const char *const n[] = { "unknown", "2.5GT/s", "5GT/s", "8GT/s", "16GT/s",
					 "32GT/s", "64GT/s" };
	return s < sizeof(n) / sizeof(n[0]) ? n[s] : "unknown";
}

static void dec_pm(const struct probe *p, uint32_t off, json_object *o, struct text *t)
{
	static const unsigned aux[] = { 0, 55, 100, 160, 220, 270, 320, 375 };
	uint16_t pmc = c16(p, off + 2), csr = c16(p, off + 4);
	unsigned pme = pmc >> 11;

	jint(o, "version", pmc & 7);
	jbool(o, "d1", pmc & (1 << 9));
	jbool(o, "d2", pmc & (1 << 10));
	jint(o, "pme_support", pme);
	jint(o, "aux_current_ma", aux[(pmc >> 6) & 7]);
	jint(o, "power_state", csr & 3);
	jbool(o, "no_soft_reset", csr & (1 << 3));
	jbool(o, "pme_enable", csr & (1 << 8));
	jbool(o, "pme_status", csr & (1 << 15));
	tprintf(t, "Power Management version %u\n", pmc & 7);
	tprintf(t, "\t\tFlags: PMEClk%s DSI%s D1%s D2%s AuxCurrent=%umA "
		   "PME(D0%s,D1%s,D2%s,D3hot%s,D3cold%s)\n",
		pm(pmc & 8), pm(pmc & 0x20), pm(pmc & (1 << 9)), pm(pmc & (1 << 10)),
		aux[(pmc >> 6) & 7], pm(pme & 1), pm(pme & 2), pm(pme & 4), pm(pme & 8),
		pm(pme & 16));
	tprintf(t, "\t\tStatus: D%u NoSoftRst%s PME-Enable%s DSel=%u DScale=%u PME%s\n", csr & 3,
		pm(csr & 8), pm(csr & 0x100), (csr >> 9) & 15, (csr >> 13) & 3, pm(csr & 0x8000));
}

static void dec_msi(const struct probe *p, uint32_t off, json_object *o, struct text *t)
{
	uint16_t ctl = c16(p, off + 2);
	bool is64 = ctl & (1 << 7), maskable = ctl & (1 << 8);
	uint64_t addr = c32(p, off + 4);
	uint32_t doff = is64 ? 12 : 8;

	if (is64)
		addr |= (uint64_t)c32(p, off + 8) << 32;
	jbool(o, "enable", ctl & 1);
	jint(o, "vectors", 1 << ((ctl >> 1) & 7));
	jint(o, "vectors_enabled", 1 << ((ctl >> 4) & 7));
	jbool(o, "64bit", is64);
	jbool(o, "maskable", maskable);
	ju64(o, "address", addr);
	jint(o, "data", c16(p, off + doff));
	tprintf(t, "MSI: Enable%s Count=%u/%u Maskable%s 64bit%s\n", pm(ctl & 1),
		1u << ((ctl >> 4) & 7), 1u << ((ctl >> 1) & 7), pm(maskable), pm(is64));
	tprintf(t, "\t\tAddress: %0*" PRIx64 "  Data: %04x\n", is64 ? 16 : 8, addr,
		c16(p, off + doff));
	if (maskable) {
		jint(o, "mask", c32(p, off + doff + 4));
		jint(o, "pending", c32(p, off + doff + 8));
		tprintf(t, "\t\tMasking: %08x  Pending: %08x\n", c32(p, off + doff + 4),
			c32(p, off + doff + 8));
	}
}

static void dec_msix(const struct probe *p, uint32_t off, json_object *o, struct text *t)
{
	uint16_t ctl = c16(p, off + 2);
	uint32_t tbl = c32(p, off + 4), pba = c32(p, off + 8);

	jbool(o, "enable", ctl & 0x8000);
	jbool(o, "function_mask", ctl & 0x4000);
	jint(o, "table_size", (ctl & 0x7ff) + 1);
	jint(o, "table_bir", tbl & 7);
	jint(o, "table_offset", tbl & ~7u);
	jint(o, "pba_bir", pba & 7);
	jint(o, "pba_offset", pba & ~7u);
	tprintf(t, "MSI-X: Enable%s Count=%u Masked%s\n", pm(ctl & 0x8000), (ctl & 0x7ff) + 1,
		pm(ctl & 0x4000));
	tprintf(t, "\t\tVector table: BAR=%u offset=%08x\n", tbl & 7, tbl & ~7u);
	tprintf(t, "\t\tPBA: BAR=%u offset=%08x\n", pba & 7, pba & ~7u);
}

static void dec_pcie(const struct probe *p, uint32_t off, json_object *o, struct text *t)
{
	uint16_t cap = c16(p, off + 2);
	unsigned type = (cap >> 4) & 0xf;
	uint32_t devcap = c32(p, off + 4);
	uint16_t devctl = c16(p, off + 8);
	bool link = type != 9 && type != 10;

	jint(o, "version", cap & 0xf);
	jint(o, "type", type);
	jstr(o, "type_name", pcie_type(type));
	jint(o, "max_payload_supported", 128 << (devcap & 7));
	jint(o, "max_payload", 128 << ((devctl >> 5) & 7));
	jint(o, "max_read_request", 128 << ((devctl >> 12) & 7));
	jbool(o, "flr", devcap & (1u << 28));
	tprintf(t, "Express (v%u) %s, MSI %02x\n", cap & 0xf, pcie_type(type), (cap >> 9) & 0x1f);
	tprintf(t, "\t\tDevCap: MaxPayload %u bytes, PhantFunc %u, ExtTag%s RBE%s FLReset%s\n",
		128u << (devcap & 7), (devcap >> 3) & 3, pm(devcap & 0x20),
		pm(devcap & 0x8000), pm(devcap & (1u << 28)));
	tprintf(t, "\t\tDevCtl: CorrErr%s NonFatalErr%s FatalErr%s UnsupReq%s RlxdOrd%s "
		   "ExtTag%s NoSnoop%s\n",
		pm(devctl & 1), pm(devctl & 2), pm(devctl & 4), pm(devctl & 8),
		pm(devctl & 0x10), pm(devctl & 0x100), pm(devctl & 0x800));
	tprintf(t, "\t\t\tMaxPayload %u bytes, MaxReadReq %u bytes\n",
		128u << ((devctl >> 5) & 7), 128u << ((devctl >> 12) & 7));
	if (link) {
		uint32_t lcap = c32(p, off + 0xc);
		uint16_t lsta = c16(p, off + 0x12);
		json_object *l = json_object_new_object();

		jint(l, "port", lcap >> 24);
		jstr(l, "max_speed", link_speed(lcap & 0xf));
		jint(l, "max_width", (lcap >> 4) & 0x3f);
		jstr(l, "speed", link_speed(lsta & 0xf));
		jint(l, "width", (lsta >> 4) & 0x3f);
		jadd(o, "link", l);
		tprintf(t, "\t\tLnkCap: Port #%u, Speed %s, Width x%u, ASPM %s\n", lcap >> 24,
			link_speed(lcap & 0xf), (lcap >> 4) & 0x3f,
			((lcap >> 10) & 3) == 0 ? "not supported" :
			((lcap >> 10) & 3) == 1 ? "L0s" : ((lcap >> 10) & 3) == 2 ? "L1" : "L0s L1");
		tprintf(t, "\t\tLnkSta: Speed %s, Width x%u\n", link_speed(lsta & 0xf),
			(lsta >> 4) & 0x3f);
	}
}

static json_object *decode_caps(const struct probe *p, struct text *t)
{
	json_object *arr = json_object_new_array();
	bool seen[256] = { false };
	uint32_t off;

	if (!(c16(p, 0x06) & 0x10) || p->cfg_len < 0x40)
		return arr;
	off = c8(p, 0x34) & ~3u;
	for (unsigned n = 0; off && n < 48; n++) {
		json_object *o;
		uint8_t id;

		if (off < 0x40 || off + 2 > p->cfg_len || off >= 256 || seen[off]) {
			tprintf(t, "\tCapabilities: [%02x] <chain broken>\n", off);
			break;
		}
		seen[off] = true;
		id = c8(p, off);
		o = json_object_new_object();
		jint(o, "offset", off);
		jint(o, "id", id);
		jstr(o, "name", cap_name(id));
		tprintf(t, "\tCapabilities: [%02x] ", off);
		switch (id) {
		case 0x01:
			dec_pm(p, off, o, t);
			break;
		case 0x05:
			dec_msi(p, off, o, t);
			break;
		case 0x11:
			dec_msix(p, off, o, t);
			break;
		case 0x10:
			dec_pcie(p, off, o, t);
			break;
		case 0x09:
			jint(o, "length", c8(p, off + 2));
			tprintf(t, "Vendor Specific Information: Len=%02x <?>\n", c8(p, off + 2));
			break;
		default:
			tprintf(t, "%s <?>\n", cap_name(id));
			break;
		}
		json_object_array_add(arr, o);
		off = c8(p, off + 1) & ~3u;
	}
	return arr;
}

static json_object *decode_ext_caps(const struct probe *p, struct text *t)
{
	json_object *arr = json_object_new_array();
	uint32_t off = 0x100;

	if (p->cfg_len <= 0x100)
		return arr;
	for (unsigned n = 0; n < 128; n++) {
		uint32_t h = c32(p, off);
		uint16_t id = h & 0xffff;
		unsigned ver = (h >> 16) & 0xf;
		uint32_t next = (h >> 20) & ~3u;
		json_object *o;

		if (h == 0 || h == 0xffffffffu)
			break;
		o = json_object_new_object();
		jint(o, "offset", off);
		jint(o, "id", id);
		jint(o, "version", ver);
		jstr(o, "name", ext_cap_name(id));
		tprintf(t, "\tCapabilities: [%03x v%u] %s", off, ver, ext_cap_name(id));
		if (id == 0x03) {
			uint64_t sn = c32(p, off + 4) | (uint64_t)c32(p, off + 8) << 32;
			char s[32];

			snprintf(s, sizeof(s), "%02x-%02x-%02x-%02x-%02x-%02x-%02x-%02x",
				 (unsigned)(sn >> 56) & 0xff, (unsigned)(sn >> 48) & 0xff,
				 (unsigned)(sn >> 40) & 0xff, (unsigned)(sn >> 32) & 0xff,
				 (unsigned)(sn >> 24) & 0xff, (unsigned)(sn >> 16) & 0xff,
				 (unsigned)(sn >> 8) & 0xff, (unsigned)sn & 0xff);
			jstr(o, "serial", s);
			tprintf(t, " %s", s);
		}
		tprintf(t, "\n");
		json_object_array_add(arr, o);
		/* next must move forward inside the extended space */
		if (!next)
			break;
		if (next <= off || next < 0x100 || next + 4 > p->cfg_len) {
			tprintf(t, "\tCapabilities: [%03x] <chain broken>\n", next);
			break;
		}
		off = next;
	}
	return arr;
}

/* ---- config space header ------------------------------------------------------------ */

static json_object *bar_json(const struct bar *b, int idx)
{
	json_object *o = json_object_new_object();

	if (idx >= 0)
		jint(o, "index", idx);
	jstr(o, "type", b->io ? "io" : "memory");
	jbool(o, "64bit", b->is64);
	jbool(o, "prefetchable", b->prefetch);
	ju64(o, "address", b->addr);
	ju64(o, "size", b->size);
	return o;
}

static void bar_text(const struct probe *p, const struct bar *b, unsigned i, struct text *t)
{
	char sz[32];

	if (b->io)
		tprintf(t, "\tRegion %u: I/O ports at %04" PRIx64 " [size=%s]\n", i, b->addr,
			human_size(b->size, sz, sizeof(sz)));
	else
		tprintf(t, "\tRegion %u: Memory at %0*" PRIx64 " (%s, %sprefetchable) [size=%s]\n", i,
			b->is64 ? 16 : 8, b->addr, b->is64 ? "64-bit" : "32-bit",
			b->prefetch ? "" : "non-", human_size(b->size, sz, sizeof(sz)));
	if (i < p->nregions && !p->regions[i].err && p->regions[i].ri.size != b->size)
		tprintf(t, "\t\t(vfio-user region %u has size 0x%" PRIx64 ")\n", i,
			(uint64_t)p->regions[i].ri.size);
}

static json_object *decode_header(const struct probe *p, struct text *t)
{
	json_object *o = json_object_new_object(), *bars = json_object_new_array();
	uint16_t cmd = c16(p, 0x04), sts = c16(p, 0x06);
	uint8_t base = c8(p, 0x0b), sub = c8(p, 0x0a), pif = c8(p, 0x09), rev = c8(p, 0x08);
	uint8_t ht = c8(p, 0x0e), pin = c8(p, 0x3d), line = c8(p, 0x3c);
	static const char *const devsel[] = { "fast", "medium", "slow", "??" };

	jint(o, "vendor_id", c16(p, 0));
	jint(o, "device_id", c16(p, 2));
	jint(o, "command", cmd);
	jint(o, "status", sts);
	jint(o, "revision", rev);
	jint(o, "class", (base << 16) | (sub << 8) | pif);
	jstr(o, "class_name", class_name(base, sub));
	jint(o, "header_type", ht & 0x7f);
	jbool(o, "multifunction", ht & 0x80);
	if ((ht & 0x7f) == 0) {
		jint(o, "subsystem_vendor_id", c16(p, 0x2c));
		jint(o, "subsystem_id", c16(p, 0x2e));
	}
	jint(o, "interrupt_pin", pin);
	jint(o, "interrupt_line", line);

	tprintf(t, "%04x:%04x %s", c16(p, 0), c16(p, 2), class_name(base, sub));
	if (pif)
		tprintf(t, " (prog-if %02x)", pif);
	tprintf(t, " (rev %02x)\n", rev);
	if ((ht & 0x7f) == 0)
		tprintf(t, "\tSubsystem: %04x:%04x\n", c16(p, 0x2c), c16(p, 0x2e));
	tprintf(t, "\tControl: I/O%s Mem%s BusMaster%s SpecCycle%s MemWINV%s VGASnoop%s ParErr%s "
		   "Stepping%s SERR%s FastB2B%s DisINTx%s\n",
		pm(cmd & 1), pm(cmd & 2), pm(cmd & 4), pm(cmd & 8), pm(cmd & 0x10), pm(cmd & 0x20),
		pm(cmd & 0x40), pm(cmd & 0x80), pm(cmd & 0x100), pm(cmd & 0x200), pm(cmd & 0x400));
	tprintf(t, "\tStatus: Cap%s 66MHz%s UDF%s FastB2B%s ParErr%s DEVSEL=%s >TAbort%s "
		   "<TAbort%s <MAbort%s >SERR%s <PERR%s INTx%s\n",
		pm(sts & 0x10), pm(sts & 0x20), pm(sts & 0x40), pm(sts & 0x80), pm(sts & 0x100),
		devsel[(sts >> 9) & 3], pm(sts & 0x800), pm(sts & 0x1000), pm(sts & 0x2000),
		pm(sts & 0x4000), pm(sts & 0x8000), pm(sts & 0x8));
	tprintf(t, "\tHeader type %02x (%s)\n", ht & 0x7f,
		ht & 0x80 ? "multi-function" : "single function");
	if (pin)
		tprintf(t, "\tInterrupt: pin %c routed to IRQ %u\n",
			pin <= 4 ? 'A' + pin - 1 : '?', line);
	for (unsigned i = 0; i < 6; i++) {
		const struct bar *b = &p->bars[i];

		if (!b->present || b->upper)
			continue;
		json_object_array_add(bars, bar_json(b, (int)i));
		bar_text(p, b, i, t);
	}
	jadd(o, "bars", bars);
	jbool(o, "bars_sized", p->sized);
	if (p->rom.present) {
		char sz[32];

		jadd(o, "rom", bar_json(&p->rom, -1));
		tprintf(t, "\tExpansion ROM at %08" PRIx64 " [%s] [size=%s]\n", p->rom.addr,
			c32(p, 0x30) & 1 ? "enabled" : "disabled",
			human_size(p->rom.size, sz, sizeof(sz)));
	}
	if (p->restore_failed) {
		jbool(o, "restore_failed", true);
		tprintf(t, "\tWARNING: a register changed by BAR sizing did not read back as before\n");
	}
	return o;
}

static void hexdump(const struct probe *p, struct text *t, json_object *o)
{
	char *hex = malloc(p->cfg_len * 2 + 1);

	for (uint32_t off = 0; off < p->cfg_len; off += 16) {
		tprintf(t, "%03x:", off);
		for (uint32_t i = 0; i < 16 && off + i < p->cfg_len; i++)
			tprintf(t, " %02x", p->cfg[off + i]);
		tprintf(t, "\n");
	}
	if (hex && o) {
		for (uint32_t i = 0; i < p->cfg_len; i++)
			snprintf(hex + 2 * i, 3, "%02x", p->cfg[i]);
		jstr(o, "raw", hex);
	}
	free(hex);
}

/* ---- device-level output ---------------------------------------------------------- */

static json_object *caps_json(const struct probe *p, struct text *t)
{
	const struct vfuc_server_caps *sc = vfuc_caps(p->c);
	const char *raw = vfuc_server_json(p->c);
	json_object *o = json_object_new_object();
	json_object *parsed = raw ? json_tokener_parse(raw) : NULL;

	jint(o, "major", VFU_MAJOR);
	jint(o, "minor", VFU_MINOR);
	jint(o, "max_msg_fds", sc->max_msg_fds);
	jint(o, "max_data_xfer_size", sc->max_data_xfer);
	ju64(o, "pgsizes", sc->pgsizes);
	jint(o, "max_dma_maps", sc->max_dma_maps);
	jbool(o, "write_multiple", sc->write_multiple);
	jadd(o, "server_json", parsed);
	tprintf(t, "vfio-user %u.%u: max_msg_fds %u, max_data_xfer_size %u, pgsizes 0x%" PRIx64
		   ", max_dma_maps %u, write_multiple %s\n",
		VFU_MAJOR, VFU_MINOR, sc->max_msg_fds, sc->max_data_xfer, sc->pgsizes,
		sc->max_dma_maps, sc->write_multiple ? "yes" : "no");
	if (raw)
		tprintf(t, "  server capabilities: %s\n", raw);
	return o;
}

static json_object *device_json(const struct probe *p, struct text *t)
{
	json_object *o = json_object_new_object();

	jint(o, "flags", p->di.flags);
	jbool(o, "reset", p->di.flags & VFU_DEV_F_RESET);
	jbool(o, "pci", p->di.flags & VFU_DEV_F_PCI);
	jint(o, "num_regions", p->di.num_regions);
	jint(o, "num_irqs", p->di.num_irqs);
	tprintf(t, "Device: flags 0x%x (%s%s), %u regions, %u IRQ indexes\n", p->di.flags,
		p->di.flags & VFU_DEV_F_PCI ? "PCI" : "not PCI",
		p->di.flags & VFU_DEV_F_RESET ? ", reset" : "", p->di.num_regions,
		p->di.num_irqs);
	return o;
}

static json_object *regions_json(const struct probe *p, struct text *t)
{
	json_object *arr = json_object_new_array();

	tprintf(t, "Regions:\n");
	for (uint32_t i = 0; i < p->nregions; i++) {
		const struct region *r = &p->regions[i];
		json_object *o = json_object_new_object(), *sp = json_object_new_array();
		char sz[32];

		jint(o, "index", i);
		jstr(o, "name", region_name(i));
		if (r->err) {
			jstr(o, "error", strerror(-r->err));
			tprintf(t, "  %2u %-6s error: %s\n", i, region_name(i), strerror(-r->err));
			json_object_put(sp);
			json_object_array_add(arr, o);
			continue;
		}
		ju64(o, "size", r->ri.size);
		jint(o, "flags", r->ri.flags);
		jbool(o, "read", r->ri.flags & VFU_REGION_F_READ);
		jbool(o, "write", r->ri.flags & VFU_REGION_F_WRITE);
		jbool(o, "mmap", r->ri.flags & VFU_REGION_F_MMAP);
		jbool(o, "mmap_fd", r->has_fd);
		ju64(o, "mmap_offset", r->ri.offset);
		jint(o, "argsz", r->ri.argsz);
		if (r->caps_bad)
			jbool(o, "caps_malformed", true);
		if (!r->ri.size) {
			tprintf(t, "  %2u %-6s -\n", i, region_name(i));
		} else {
			tprintf(t, "  %2u %-6s size 0x%-8" PRIx64 " (%s) %s%s%s", i, region_name(i),
				(uint64_t)r->ri.size, human_size(r->ri.size, sz, sizeof(sz)),
				r->ri.flags & VFU_REGION_F_READ ? "R" : "-",
				r->ri.flags & VFU_REGION_F_WRITE ? "W" : "-",
				r->ri.flags & VFU_REGION_F_MMAP ? " mmap" : "");
			if (r->ri.flags & VFU_REGION_F_MMAP)
				tprintf(t, " (%s, offset 0x%" PRIx64 ")", r->has_fd ? "fd" : "no fd!",
					(uint64_t)r->ri.offset);
			tprintf(t, "%s\n", r->caps_bad ? " [malformed capabilities]" : "");
		}
		for (uint32_t k = 0; k < r->nsparse; k++) {
			json_object *a = json_object_new_object();

			ju64(a, "offset", r->sparse[k].offset);
			ju64(a, "size", r->sparse[k].size);
			json_object_array_add(sp, a);
			tprintf(t, "     sparse mmap: [0x%" PRIx64 ", +0x%" PRIx64 ")\n",
				(uint64_t)r->sparse[k].offset, (uint64_t)r->sparse[k].size);
		}
		jadd(o, "sparse", sp);
		json_object_array_add(arr, o);
	}
	return arr;
}

static json_object *irqs_json(const struct probe *p, struct text *t)
{
	json_object *arr = json_object_new_array();

	tprintf(t, "IRQs:\n");
	for (uint32_t i = 0; i < p->nirqs; i++) {
		const struct vfu_irq_info *q = &p->irqs[i];
		json_object *o = json_object_new_object();

		jint(o, "index", i);
		jstr(o, "name", irq_name(i));
		if (p->irq_err[i]) {
			jstr(o, "error", strerror(-p->irq_err[i]));
			tprintf(t, "  %2u %-6s error: %s\n", i, irq_name(i), strerror(-p->irq_err[i]));
			json_object_array_add(arr, o);
			continue;
		}
		jint(o, "count", q->count);
		jint(o, "flags", q->flags);
		jbool(o, "eventfd", q->flags & VFU_IRQ_INFO_F_EVENTFD);
		jbool(o, "maskable", q->flags & VFU_IRQ_INFO_F_MASKABLE);
		jbool(o, "automasked", q->flags & VFU_IRQ_INFO_F_AUTOMASKED);
		jbool(o, "noresize", q->flags & VFU_IRQ_INFO_F_NORESIZE);
		tprintf(t, "  %2u %-6s count %-4u%s%s%s%s\n", i, irq_name(i), q->count,
			q->flags & VFU_IRQ_INFO_F_EVENTFD ? " eventfd" : "",
			q->flags & VFU_IRQ_INFO_F_MASKABLE ? " maskable" : "",
			q->flags & VFU_IRQ_INFO_F_AUTOMASKED ? " automasked" : "",
			q->flags & VFU_IRQ_INFO_F_NORESIZE ? " noresize" : "");
		json_object_array_add(arr, o);
	}
	return arr;
}

/* ---- probe ------------------------------------------------------------------------- */

static int probe_connect(struct probe *p)
{
	int r;

	p->c = vfuc_connect(p->path, p->timeout_ms);
	if (!p->c) {
		int e = errno;

		if (e == ENOENT)
			err_msg("%s: no such socket", p->path);
		else if (e == ECONNREFUSED)
			err_msg("%s: nobody listens there (connection refused)", p->path);
		else
			err_msg("%s: cannot connect: %s", p->path, strerror(e));
		return -1;
	}
	r = vfuc_negotiate(p->c, NULL);
	if (r == 0)
		return 0;
	if (r == -ECONNRESET || r == -EPIPE)
		err_msg("%s: the server closed the connection during VERSION (is a VMM already "
			"attached, or is this not a vfio-user server?)", p->path);
	else if (r == -ETIMEDOUT)
		err_msg("%s: no answer to VERSION within %d ms: not a vfio-user server?", p->path,
			p->timeout_ms);
	else
		err_msg("%s: not a vfio-user server (VERSION failed: %s)", p->path, strerror(-r));
	return -1;
}

static int probe_collect(struct probe *p)
{
	int r = vfuc_device_info(p->c, &p->di);

	if (r < 0) {
		err_msg("%s: DEVICE_GET_INFO failed: %s", p->path, strerror(-r));
		return -1;
	}
	r = collect_regions(p);
	if (r == 0)
		r = collect_irqs(p);
	if (r < 0) {
		err_msg("%s: lost the server while probing: %s", p->path, strerror(-r));
		return -1;
	}
	p->cfg_err = read_cfg(p);
	if (p->cfg_err == 0 && (p->di.flags & VFU_DEV_F_PCI)) {
		if (p->sizing) {
			size_bars(p);
			/* the dump shows config space as it is after restoring */
			if (vfuc_cfg_read(p->c, 0, p->cfg, p->cfg_len) < 0)
				p->restore_failed = true;
		} else {
			bars_from_regs(p);
		}
	}
	return 0;
}

static void probe_print(struct probe *p)
{
	struct text t = { 0 };
	struct text *tp = p->json ? NULL : &t;
	json_object *root = json_object_new_object();

	jstr(root, "socket", p->path);
	tprintf(tp, "%s\n", p->path);
	jadd(root, "version", caps_json(p, tp));
	jadd(root, "device", device_json(p, tp));
	jadd(root, "regions", regions_json(p, tp));
	jadd(root, "irqs", irqs_json(p, tp));
	if (p->cfg_err == 0) {
		json_object *cfg;

		tprintf(tp, "Config space (%u bytes):\n", p->cfg_len);
		cfg = decode_header(p, tp);
		jint(cfg, "size", p->cfg_len);
		jadd(cfg, "capabilities", decode_caps(p, tp));
		jadd(cfg, "ext_capabilities", decode_ext_caps(p, tp));
		if (p->hexdump)
			hexdump(p, tp, cfg);
		jadd(root, "config", cfg);
	} else {
		jstr(root, "config_error", strerror(-p->cfg_err));
		tprintf(tp, "Config space: %s\n", strerror(-p->cfg_err));
	}
	if (p->json)
		puts(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
							  JSON_C_TO_STRING_NOSLASHESCAPE));
	else if (t.buf)
		fputs(t.buf, stdout);
	free(t.buf);
	json_object_put(root);
}

static void probe_usage(FILE *f)
{
	fputs("Usage: vmuxctl probe [OPTIONS] SOCKET\n"
	      "Connect to a vfio-user device socket as a VMM would and show what it offers:\n"
	      "VERSION capabilities, device info, regions, IRQ indexes and the decoded PCI\n"
	      "config space (IDs, command/status, BARs, capabilities).\n"
	      "\n"
	      "  -j, --json         print JSON instead of text\n"
	      "  -x, --hex          add a hex dump of config space\n"
	      "  -n, --no-sizing    do not size BARs (no config space writes); sizes then\n"
	      "                     come from the vfio-user region info\n"
	      "  -t, --timeout MS   bound on every wait for the server (default 2000)\n"
	      "  -h, --help         this text\n"
	      "\n"
	      "BAR sizing writes all ones to each BAR (with decoding off) and restores it.\n"
	      "A device serves one client at a time: probing a device in use by a VM fails.\n",
	      f);
}

static int cmd_probe(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "hex", no_argument, NULL, 'x' },
		{ "no-sizing", no_argument, NULL, 'n' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct probe p = { .sizing = true, .timeout_ms = 2000 };
	int o, ret = 1;

	optind = 1;
	while ((o = getopt_long(argc, argv, "jxnt:h", opts, NULL)) != -1) {
		switch (o) {
		case 'j':
			p.json = true;
			break;
		case 'x':
			p.hexdump = true;
			break;
		case 'n':
			p.sizing = false;
			break;
		case 't': {
			char *end;
			long v = strtol(optarg, &end, 10);

			if (*end || v <= 0 || v > 600000)
				die_usage("probe: bad timeout '%s'", optarg);
			p.timeout_ms = (int)v;
			break;
		}
		case 'h':
			probe_usage(stdout);
			return 0;
		default:
			die_usage("probe: bad option");
		}
	}
	if (optind != argc - 1)
		die_usage("probe: expected one SOCKET argument");
	p.path = argv[optind];

	if (probe_connect(&p) == 0 && probe_collect(&p) == 0) {
		probe_print(&p);
		ret = fflush(stdout) == 0 ? 0 : 1;
	}
	vfuc_close(p.c);
	free(p.regions);
	free(p.irqs);
	free(p.irq_err);
	return ret;
}

/* ---- commands against vmux's control socket ---------------------------------------- */

#define CTL_DEFAULT_PATH "/run/vmux.ctl"
#define CTL_REPLY_MAX (64u << 20)

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Sends req (one JSON line) to the control socket at path and reads one line
 * back. 0 with *result (the reply's "result", owned by the caller), or 1 with
 * the problem printed.
 */
static int ctl_call(const char *path, json_object *req, int timeout_ms, json_object **result)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *line = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int64_t deadline = now_ms() + timeout_ms;
	json_object *reply = NULL, *ok, *v;
	int fd, ret = 1;

	*result = NULL;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		err_msg("%s: control socket path too long", path);
		return 1;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		err_msg("socket: %s", strerror(errno));
		return 1;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		if (errno == ENOENT)
			err_msg("%s: no such control socket (is vmux running with --control %s?)",
				path, path);
		else if (errno == ECONNREFUSED)
			err_msg("%s: nothing listens there (vmux is not running?)", path);
		else
			err_msg("%s: %s", path, strerror(errno));
		goto out;
	}
	if (send(fd, line, strlen(line), MSG_NOSIGNAL) != (ssize_t)strlen(line) ||
	    send(fd, "\n", 1, MSG_NOSIGNAL) != 1) {
		err_msg("%s: cannot send the request: %s", path, strerror(errno));
		goto out;
	}
	for (;;) {
		struct pollfd pf = { .fd = fd, .events = POLLIN };
		int64_t left = deadline - now_ms();
		ssize_t n;

		int pr = left > 0 ? poll(&pf, 1, (int)left) : 0;

		if (pr < 0 && errno == EINTR)
			continue;
		if (pr < 0) {
			err_msg("%s: poll: %s", path, strerror(errno));
			goto out;
		}
		if (pr == 0) {
			err_msg("%s: no answer within %d ms", path, timeout_ms);
			goto out;
		}
		if (len + 4096 + 1 > cap) {
			if (cap >= CTL_REPLY_MAX) {
				err_msg("%s: answer longer than %u bytes", path, CTL_REPLY_MAX);
				goto out;
			}
			char *nb = realloc(buf, cap ? cap * 2 : 65536);
			if (!nb) {
				err_msg("out of memory");
				goto out;
			}
			buf = nb;
			cap = cap ? cap * 2 : 65536;
		}
		n = recv(fd, buf + len, cap - len - 1, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err_msg("%s: connection closed before a full answer", path);
			goto out;
		}
		len += (size_t)n;
		buf[len] = '\0';
		if (memchr(buf + len - (size_t)n, '\n', (size_t)n))
			break;
	}
	*strchr(buf, '\n') = '\0';
	reply = json_tokener_parse(buf);
	if (!reply || !json_object_is_type(reply, json_type_object) ||
	    !json_object_object_get_ex(reply, "ok", &ok) ||
	    !json_object_is_type(ok, json_type_boolean)) {
		err_msg("%s: the answer is not a control reply", path);
		goto out;
	}
	if (!json_object_get_boolean(ok)) {
		const char *e = json_object_object_get_ex(reply, "error", &v) &&
					json_object_is_type(v, json_type_string)
				? json_object_get_string(v)
				: "failed (no reason given)";
		err_msg("%s", e);
		goto out;
	}
	if (!json_object_object_get_ex(reply, "result", &v)) {
		err_msg("%s: the answer has no result", path);
		goto out;
	}
	*result = json_object_get(v);
	ret = 0;
out:
	json_object_put(reply);
	free(buf);
	close(fd);
	return ret;
}

static int ctl_print(const char *path, json_object *req, int timeout_ms)
{
	json_object *res;
	int ret = ctl_call(path, req, timeout_ms, &res);

	json_object_put(req);
	if (ret)
		return ret;
	puts(json_object_to_json_string_ext(res, JSON_C_TO_STRING_PRETTY |
						      JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(res);
	return fflush(stdout) == 0 ? 0 : 1;
}

struct ctl_opts {
	const char *path;
	int timeout_ms;
	uint64_t count, snaplen, size;
	bool has_count, has_snaplen, has_size;
};

static uint64_t parse_u64(const char *cmd, const char *what, const char *s, uint64_t min,
			  uint64_t max)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (!*s || *s == '-' || *s == '+' || *end || errno || v < min || v > max)
		die_usage("%s: %s '%s' is not a number in %" PRIu64 "..%" PRIu64, cmd, what, s,
			  min, max);
	return v;
}

/*
 * Options of the control commands; capture options only where with_capture.
 * Returns the index of the first operand.
 */
static int ctl_parse(const char *cmd, int argc, char **argv, struct ctl_opts *o,
		     bool with_capture, void (*help)(FILE *))
{
	static const struct option opts[] = {
		{ "control", required_argument, NULL, 'c' },
		{ "timeout", required_argument, NULL, 't' },
		{ "count", required_argument, NULL, 'n' },
		{ "snaplen", required_argument, NULL, 's' },
		{ "size", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->path = getenv("VMUX_CONTROL");
	if (!o->path || !*o->path)
		o->path = CTL_DEFAULT_PATH;
	o->timeout_ms = 5000;
	optind = 0; /* full re-initialisation: main() parsed in order with "+" */
	while ((c = getopt_long(argc, argv, with_capture ? "c:t:n:s:h" : "c:t:h", opts, NULL)) !=
	       -1) {
		switch (c) {
		case 'c':
			o->path = optarg;
			break;
		case 't':
			o->timeout_ms = (int)parse_u64(cmd, "timeout", optarg, 1, 600000);
			break;
		case 'n':
		case 's':
		case 'S':
			if (!with_capture)
				die_usage("%s: --%s applies to 'capture start' only", cmd,
					  c == 'n' ? "count" : c == 's' ? "snaplen" : "size");
			if (c == 'n') {
				o->count = parse_u64(cmd, "--count", optarg, 1, INT64_MAX);
				o->has_count = true;
			} else if (c == 's') {
				o->snaplen = parse_u64(cmd, "--snaplen", optarg, 14, 262144);
				o->has_snaplen = true;
			} else {
				o->size = parse_u64(cmd, "--size", optarg, 4096, INT64_MAX);
				o->has_size = true;
			}
			break;
		case 'h':
			help(stdout);
			exit(0);
		default:
			die_usage("%s: bad option", cmd);
		}
	}
	return optind;
}

static void query_usage(FILE *f)
{
	fputs("Usage: vmuxctl ports|switch|macs|workers|help [OPTIONS]\n"
	      "Ask vmux's control socket (vmux --control PATH) and print the answer as JSON:\n"
	      "  ports     devices: socket, mode, MAC, worker, backend, link, port counters,\n"
	      "            capture (if any) and the device model's counters\n"
	      "  switch    the switch: MAC table use, per-port counters and drops by reason\n"
	      "  macs      the switch's MAC table (MAC, VLAN, port, static, age)\n"
	      "  workers   threads: CPU, devices, loop iterations and the busy fraction\n"
	      "  help      the commands the control socket knows\n"
	      "\n"
	      "  -c, --control PATH  the control socket (default $VMUX_CONTROL, else "
	      CTL_DEFAULT_PATH ")\n"
	      "  -t, --timeout MS    bound on the wait for the answer (default 5000)\n"
	      "  -h, --help          this text\n",
	      f);
}

static const char *query_cmd;

static int cmd_query(int argc, char **argv)
{
	struct ctl_opts o;
	int i = ctl_parse(argv[0], argc, argv, &o, false, query_usage);
	json_object *req;

	if (i != argc)
		die_usage("%s: unexpected argument '%s'", argv[0], argv[i]);
	req = json_object_new_object();
	jstr(req, "cmd", query_cmd);
	return ctl_print(o.path, req, o.timeout_ms);
}

static int cmd_ports(int argc, char **argv)
{
	query_cmd = "ports";
	return cmd_query(argc, argv);
}

static int cmd_switch(int argc, char **argv)
{
	query_cmd = "switch";
	return cmd_query(argc, argv);
}

static int cmd_macs(int argc, char **argv)
{
	query_cmd = "macs";
	return cmd_query(argc, argv);
}

static int cmd_workers(int argc, char **argv)
{
	query_cmd = "workers";
	return cmd_query(argc, argv);
}

static int cmd_help(int argc, char **argv)
{
	query_cmd = "help";
	return cmd_query(argc, argv);
}

static void capture_usage(FILE *f)
{
	fputs("Usage: vmuxctl capture start PORT FILE [--count N] [--snaplen N] [--size BYTES]\n"
	      "       vmuxctl capture stop PORT\n"
	      "Capture the frames a port of vmux sends and receives to a pcap file (tcpdump -r\n"
	      "and wireshark read it), or stop that capture; the answer is JSON. PORT is a\n"
	      "device (dev0, dev1, ... as in 'vmuxctl ports') or the switch's uplink (its tap\n"
	      "name). vmux creates FILE itself (mode 0600; a relative name is taken from this\n"
	      "directory); one capture per port. 'stop' flushes the file and reports how many\n"
	      "frames were written and dropped (after a limit was reached).\n"
	      "\n"
	      "  -n, --count N       stop recording after N frames (default: no limit)\n"
	      "  -s, --snaplen N     keep the first N bytes of each frame (14..262144, default\n"
	      "                      65535)\n"
	      "      --size BYTES    stop recording before the file exceeds BYTES (default 1 GiB)\n"
	      "  -c, --control PATH  the control socket (default $VMUX_CONTROL, else "
	      CTL_DEFAULT_PATH ")\n"
	      "  -t, --timeout MS    bound on the wait for the answer (default 5000)\n"
	      "  -h, --help          this text\n",
	      f);
}

static int cmd_capture(int argc, char **argv)
{
	struct ctl_opts o;
	json_object *req;
	int i;

	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		capture_usage(stdout);
		return 0;
	}
	if (argc < 2 || (strcmp(argv[1], "start") && strcmp(argv[1], "stop")))
		die_usage("capture: expected 'start PORT FILE' or 'stop PORT'");
	bool start = !strcmp(argv[1], "start");
	i = ctl_parse("capture", argc - 1, argv + 1, &o, start, capture_usage) + 1;
	if (argc - i != (start ? 2 : 1))
		die_usage(start ? "capture start: expected PORT FILE"
				: "capture stop: expected PORT");
	req = json_object_new_object();
	jstr(req, "cmd", start ? "capture_start" : "capture_stop");
	jstr(req, "port", argv[i]);
	if (start) {
		const char *file = argv[i + 1];
		char abs[PATH_MAX];

		if (!*file)
			die_usage("capture start: empty FILE");
		if (file[0] != '/') {
			/* vmux runs elsewhere: make the name mean what it means here */
			if (!getcwd(abs, sizeof(abs) - 1) ||
			    strlen(abs) + 1 + strlen(file) >= sizeof(abs)) {
				json_object_put(req);
				err_msg("capture start: cannot make %s an absolute path", file);
				return 1;
			}
			strcat(abs, "/");
			strcat(abs, file);
			file = abs;
		}
		jstr(req, "file", file);
		if (o.has_count)
			ju64(req, "count", o.count);
		if (o.has_snaplen)
			ju64(req, "snaplen", o.snaplen);
		if (o.has_size)
			ju64(req, "size", o.size);
	}
	return ctl_print(o.path, req, o.timeout_ms);
}

/* ---- command table --------------------------------------------------------------- */

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *args;
	const char *help;
};

static const struct command commands[] = {
	{ "probe", cmd_probe, "[--json] [-x] [-n] [-t MS] SOCKET",
	  "show what a vfio-user device socket offers (like lspci -vv)" },
	{ "ports", cmd_ports, "[-c CONTROL]",
	  "vmux's devices: links, port and device counters, captures (JSON)" },
	{ "switch", cmd_switch, "[-c CONTROL]",
	  "vmux's switch: per-port counters and drops by reason (JSON)" },
	{ "macs", cmd_macs, "[-c CONTROL]", "vmux's MAC table (JSON)" },
	{ "workers", cmd_workers, "[-c CONTROL]", "vmux's threads and their load (JSON)" },
	{ "capture", cmd_capture,
	  "start PORT FILE [--count N] [--snaplen N] [--size BYTES] | stop PORT [-c CONTROL]",
	  "capture a port of vmux to a pcap file, or stop that (JSON)" },
	{ "help", cmd_help, "[-c CONTROL]", "the commands vmux's control socket knows (JSON)" },
};

static void usage(FILE *f)
{
	fputs("Usage: vmuxctl [OPTIONS] COMMAND [ARGS]\n"
	      "Inspect vmux and its vfio-user devices. Commands other than probe ask vmux's\n"
	      "control socket (vmux --control): -c PATH, else $VMUX_CONTROL, else\n"
	      CTL_DEFAULT_PATH ".\n"
	      "\n"
	      "Commands:\n",
	      f);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %s %s\n      %s\n", commands[i].name, commands[i].args,
			commands[i].help);
	fputs("\n"
	      "Options:\n"
	      "  -c, --control PATH  the control socket, for every command (before the command)\n"
	      "  -v, --verbose   log protocol details to stderr (repeat for more)\n"
	      "  -V, --version   print the version\n"
	      "  -h, --help      this text ('vmuxctl COMMAND --help' for a command)\n"
	      "\n"
	      "Exit status: 0 success, 1 failure, 2 usage error.\n",
	      f);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "control", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	int o, verbose = 0;

	/* options before the command only; the command parses the rest */
	while ((o = getopt_long(argc, argv, "+hVvc:", opts, NULL)) != -1) {
		switch (o) {
		case 'c':
			/* The control commands take their default socket from here. */
			if (setenv("VMUX_CONTROL", optarg, 1) < 0)
				die_usage("-c %s: %s", optarg, strerror(errno));
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("vmuxctl " VMUX_VERSION "\n");
			return 0;
		case 'v':
			verbose++;
			break;
		default:
			die_usage("bad option");
		}
	}
	log_set_level(verbose >= 2 ? LOG_LVL_TRACE : verbose ? LOG_LVL_DEBUG : LOG_LVL_ERR);
	if (optind >= argc)
		die_usage("no command given");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[optind], commands[i].name))
			return commands[i].run(argc - optind, argv + optind);
	die_usage("unknown command '%s'", argv[optind]);
}
