/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vmuxctl probe: speaks vfio-user to a device socket the way a VMM would and
 * prints what the server offers (VERSION capabilities, device info, regions,
 * IRQ indexes and the decoded config space) as text or JSON.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmuxctl/probe.h"

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

int cmd_probe(int argc, char **argv)
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
