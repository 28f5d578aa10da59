/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vmuxctl probe: the PCI config space decoded, as JSON and as lspci-style
 * text together: names of classes and capabilities, the header and its BARs,
 * the capability chains, the hex dump.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmuxctl/probe.h"

static const char *pm(bool b)
{
	return b ? "+" : "-";
}

/* ---- names ---------------------------------------------------------------- */

const char *region_name(uint32_t i)
{
	static const char *const n[] = { "BAR0", "BAR1", "BAR2", "BAR3", "BAR4",
					 "BAR5", "ROM",  "CONFIG", "VGA" };
	return i < 9 ? n[i] : "region";
}

const char *irq_name(uint32_t i)
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

json_object *decode_caps(const struct probe *p, struct text *t)
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

json_object *decode_ext_caps(const struct probe *p, struct text *t)
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

json_object *decode_header(const struct probe *p, struct text *t)
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

void hexdump(const struct probe *p, struct text *t, json_object *o)
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
