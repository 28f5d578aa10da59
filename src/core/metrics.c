/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "core/metrics.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/*
 * One family: its samples are collected in a memory stream as the ports are
 * walked, and printed together (OpenMetrics wants a family's samples in one
 * block).
 */
struct fam {
	char name[128];
	const char *type; /* counter, gauge, unknown */
	char help[160];
	char *buf;
	size_t len;
	FILE *f;
};

struct mset {
	struct fam **fams; /* each on its own: its memory stream points into it */
	unsigned n, cap;
	bool oom;
};

void metrics_sanitize(const char *key, char *out, size_t cap)
{
	size_t i = 0;

	if (!cap)
		return;
	for (; key[i] && i + 1 < cap; i++) {
		char ch = key[i];
		bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			  (ch >= '0' && ch <= '9') || ch == '_';
		out[i] = ok ? ch : '_';
	}
	out[i] = '\0';
}

static struct fam *fam_get(struct mset *m, const char *name, const char *type, const char *help)
{
	for (unsigned i = 0; i < m->n; i++)
		if (!strcmp(m->fams[i]->name, name))
			return strcmp(m->fams[i]->type, type) ? NULL : m->fams[i];
	if (m->n == m->cap) {
		unsigned cap = m->cap ? m->cap * 2 : 64;
		struct fam **fs = realloc(m->fams, cap * sizeof(*fs));
		if (!fs) {
			m->oom = true;
			return NULL;
		}
		m->fams = fs;
		m->cap = cap;
	}
	struct fam *f = calloc(1, sizeof(*f));
	if (!f) {
		m->oom = true;
		return NULL;
	}
	snprintf(f->name, sizeof(f->name), "%s", name);
	snprintf(f->help, sizeof(f->help), "%s", help);
	f->type = type;
	f->f = open_memstream(&f->buf, &f->len);
	if (!f->f) {
		free(f);
		m->oom = true;
		return NULL;
	}
	m->fams[m->n++] = f;
	return f;
}

/* A label value with \, " and newlines escaped. */
static void put_label(FILE *f, const char *k, const char *v, bool first)
{
	fprintf(f, "%s%s=\"", first ? "" : ",", k);
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			fprintf(f, "\\%c", *v);
		else if (*v == '\n')
			fputs("\\n", f);
		else
			fputc(*v, f);
	}
	fputc('"', f);
}

/* Labels: NULL-terminated pairs (key, value). */
static void sample(struct mset *m, const char *name, const char *type, const char *help,
		   struct json_object *v, const char *const *labels)
{
	char num[64];

	switch (json_object_get_type(v)) {
	case json_type_int:
		if (json_object_get_int64(v) < 0) {
			if (!strcmp(type, "counter"))
				return; /* a counter never goes below zero */
			snprintf(num, sizeof(num), "%" PRId64, json_object_get_int64(v));
		} else {
			snprintf(num, sizeof(num), "%" PRIu64, json_object_get_uint64(v));
		}
		break;
	case json_type_double:
		snprintf(num, sizeof(num), "%.17g", json_object_get_double(v));
		break;
	case json_type_boolean:
		snprintf(num, sizeof(num), "%d", json_object_get_boolean(v) ? 1 : 0);
		break;
	default:
		return;
	}
	struct fam *f = fam_get(m, name, type, help);
	if (!f)
		return;
	fprintf(f->f, "%s%s", name, !strcmp(type, "counter") ? "_total" : "");
	if (labels && labels[0]) {
		fputc('{', f->f);
		for (unsigned i = 0; labels[i]; i += 2)
			put_label(f->f, labels[i], labels[i + 1], i == 0);
		fputc('}', f->f);
	}
	fprintf(f->f, " %s\n", num);
}

static struct json_object *member(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	if (!o || !json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, key, &v))
		return NULL;
	return v;
}

static const char *str_member(struct json_object *o, const char *key, const char *dflt)
{
	struct json_object *v = member(o, key);

	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : dflt;
}

/* Every number (or array of numbers: one sample per queue) of o as PREFIX_KEY. */
static void numbers(struct mset *m, struct json_object *o, const char *prefix, const char *type,
		    const char *help, const char *port)
{
	char name[128], key[96];

	if (!o || !json_object_is_type(o, json_type_object))
		return;
	json_object_object_foreach(o, k, v) {
		metrics_sanitize(k, key, sizeof(key));
		snprintf(name, sizeof(name), "%s_%s", prefix, key);
		if (json_object_is_type(v, json_type_array)) {
			size_t n = json_object_array_length(v);
			for (size_t q = 0; q < n; q++) {
				char qs[24];
				snprintf(qs, sizeof(qs), "%zu", q);
				const char *l[] = { "port", port, "queue", qs, NULL };
				sample(m, name, type, help, json_object_array_get_idx(v, q), l);
			}
		} else {
			const char *l[] = { "port", port, NULL };
			sample(m, name, type, help, v, l);
		}
	}
}

static const struct {
	const char *key, *name, *help;
} io_stats[] = {
	{ "rx_pkts", "rx_packets", "frames received" },
	{ "rx_bytes", "rx_bytes", "bytes received" },
	{ "rx_drops", "rx_drops", "frames dropped on receive" },
	{ "tx_pkts", "tx_packets", "frames sent" },
	{ "tx_bytes", "tx_bytes", "bytes sent" },
	{ "tx_drops", "tx_drops", "frames dropped on send" },
};

static void io(struct mset *m, struct json_object *o, const char *prefix, const char *what,
	       const char *port)
{
	for (size_t i = 0; i < sizeof(io_stats) / sizeof(io_stats[0]); i++) {
		char name[96], help[160];
		snprintf(name, sizeof(name), "%s_%s", prefix, io_stats[i].name);
		snprintf(help, sizeof(help), "%s: %s", what, io_stats[i].help);
		const char *l[] = { "port", port, NULL };
		sample(m, name, "counter", help, member(o, io_stats[i].key), l);
	}
}

static void device(struct mset *m, struct json_object *d)
{
	const char *port = str_member(d, "name", "?");
	const char *l[] = { "port", port, NULL };
	struct json_object *vfu = member(d, "vfio_user");

	io(m, member(d, "port"), "vmux_port", "the device's network port", port);
	sample(m, "vmux_port_link_up", "gauge", "1 if the device's link is up", member(d, "link"), l);
	sample(m, "vmux_vfio_user_connected", "gauge", "1 while a VMM is attached",
	       member(vfu, "connected"), l);
	if (vfu && json_object_is_type(vfu, json_type_object)) {
		json_object_object_foreach(vfu, k, v) {
			char name[128], key[96];
			if (!strcmp(k, "connected"))
				continue;
			metrics_sanitize(k, key, sizeof(key));
			snprintf(name, sizeof(name), "vmux_vfio_user_%s", key);
			sample(m, name, "counter",
			       !strcmp(k, "region_reads") ? "trapped register reads (vfio-user messages)"
			       : !strcmp(k, "region_writes") ? "trapped register writes (vfio-user messages)"
							      : "vfio-user server counter", v, l);
		}
	}
	numbers(m, member(d, "tap"), "vmux_tap", "unknown", "the device's own tap backend", port);
	numbers(m, member(d, "device"), "vmux_device", "unknown",
		"the device model's counter (vmuxctl ports: device)", port);
}

static void switch_ports(struct mset *m, struct json_object *sw)
{
	struct json_object *ports = member(sw, "ports");
	size_t n = ports && json_object_is_type(ports, json_type_array) ?
			   json_object_array_length(ports) : 0;

	for (size_t i = 0; i < n; i++) {
		struct json_object *p = json_object_array_get_idx(ports, i);
		const char *port = str_member(p, "name", "?");
		const char *l[] = { "port", port, NULL };
		struct json_object *dr = member(p, "drops");

		io(m, p, "vmux_switch_port", "the switch's port", port);
		sample(m, "vmux_switch_port_flooded", "counter", "frames flooded to the port",
		       member(p, "flooded"), l);
		if (dr && json_object_is_type(dr, json_type_object)) {
			json_object_object_foreach(dr, reason, v) {
				const char *lr[] = { "port", port, "reason", reason, NULL };
				sample(m, "vmux_switch_drops", "counter",
				       "frames the switch dropped from the port, by reason", v, lr);
			}
		}
	}
	sample(m, "vmux_switch_mac_used", "gauge", "MAC table entries in use",
	       member(sw, "mac_used"), NULL);
	sample(m, "vmux_switch_mac_capacity", "gauge", "MAC table size",
	       member(sw, "mac_capacity"), NULL);
	static const char *const sc[] = { "learned", "moved", "evicted", "table_full" };
	for (size_t i = 0; i < sizeof(sc) / sizeof(sc[0]); i++) {
		char name[64];
		snprintf(name, sizeof(name), "vmux_switch_mac_%s", sc[i]);
		sample(m, name, "counter", "MAC table events", member(sw, sc[i]), NULL);
	}
}

static void workers(struct mset *m, struct json_object *w)
{
	size_t n = w && json_object_is_type(w, json_type_array) ? json_object_array_length(w) : 0;
	static const char *const wc[] = { "iterations", "busy_iterations", "fd_waits", "yields" };

	for (size_t i = 0; i < n; i++) {
		struct json_object *o = json_object_array_get_idx(w, i);
		const char *l[] = { "worker", str_member(o, "name", "?"), NULL };

		for (size_t k = 0; k < sizeof(wc) / sizeof(wc[0]); k++) {
			char name[64];
			snprintf(name, sizeof(name), "vmux_worker_%s", wc[k]);
			sample(m, name, "counter", "event loop iterations and waits of the thread",
			       member(o, wc[k]), l);
		}
		sample(m, "vmux_worker_busy_ratio", "gauge",
		       "share of the thread's time spent in busy iterations", member(o, "busy_fraction"),
		       l);
		sample(m, "vmux_worker_devices", "gauge", "devices the thread runs", member(o, "devices"),
		       l);
	}
}

static void service(struct mset *m, struct json_object *s)
{
	sample(m, "vmux_reloads", "counter", "configuration reloads applied (SIGHUP)",
	       member(s, "reloads"), NULL);
	sample(m, "vmux_reload_failures", "counter",
	       "configuration reloads refused (the old configuration kept)",
	       member(s, "reload_failures"), NULL);
	sample(m, "vmux_devices_added", "counter", "devices added by reloads",
	       member(s, "devices_added"), NULL);
	sample(m, "vmux_devices_removed", "counter", "devices removed by reloads",
	       member(s, "devices_removed"), NULL);
	sample(m, "vmux_devices", "gauge", "devices served", member(s, "devices"), NULL);
}

int metrics_write(FILE *out, struct json_object *ports, struct json_object *sw,
		  struct json_object *wk, struct json_object *svc)
{
	struct mset m = { 0 };
	size_t n = ports && json_object_is_type(ports, json_type_array) ?
			   json_object_array_length(ports) : 0;
	int rc = 0;

	for (size_t i = 0; i < n; i++)
		device(&m, json_object_array_get_idx(ports, i));
	if (sw)
		switch_ports(&m, sw);
	workers(&m, wk);
	if (svc)
		service(&m, svc);
	for (unsigned i = 0; i < m.n; i++) {
		struct fam *f = m.fams[i];
		if (fclose(f->f))
			m.oom = true;
		fprintf(out, "# TYPE %s %s\n# HELP %s %s\n", f->name, f->type, f->name, f->help);
		fwrite(f->buf, 1, f->len, out);
		free(f->buf);
		free(f);
	}
	free(m.fams);
	fputs("# EOF\n", out);
	if (m.oom || ferror(out))
		rc = -1;
	return rc;
}
