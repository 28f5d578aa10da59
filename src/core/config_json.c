/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vmux's JSON configuration (--config FILE): what config.c's command line can say, as a file. */
#include <errno.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/config_priv.h"
#include "core/log.h"

static int cfg_jstr(struct json_object *v, const char *key, const char **out, char *err,
		    size_t errlen)
{
	if (!json_object_is_type(v, json_type_string))
		return cfg_fail(err, errlen, "\"%s\" must be a string", key);
	*out = json_object_get_string(v);
	return 0;
}

static int cfg_juint(struct json_object *v, const char *key, long max, long *out, char *err,
		     size_t errlen)
{
	*out = 0; /* set on failure too: -O3 cannot tell the callers read it only on success */
	if (!json_object_is_type(v, json_type_int))
		return cfg_fail(err, errlen, "\"%s\" must be an integer", key);
	errno = 0;
	int64_t x = json_object_get_int64(v);
	if (errno || x < 0 || x > max)
		return cfg_fail(err, errlen, "\"%s\" must be 0..%ld", key, max);
	*out = (long)x;
	return 0;
}

static int cfg_jbool(struct json_object *v, const char *key, bool *out, char *err, size_t errlen)
{
	if (!json_object_is_type(v, json_type_boolean))
		return cfg_fail(err, errlen, "\"%s\" must be true or false", key);
	*out = json_object_get_boolean(v);
	return 0;
}

static int parse_json_device(struct vmux_config *c, struct json_object *o, unsigned idx, char *err,
			     size_t errlen)
{
	char e2[200];
	struct cfg_device *d;
	const char *s = NULL;
	long n;

	if (!json_object_is_type(o, json_type_object))
		return cfg_fail(err, errlen, "devices[%u] must be an object", idx);
	if (!(d = cfg_new_device(c, err, errlen)))
		return -1;
	json_object_object_foreach(o, key, val) {
		int r = 0;
		if (!strcmp(key, "socket")) {
			r = cfg_jstr(val, key, &s, e2, sizeof(e2)) ||
			    cfg_copy_str(d->socket, sizeof(d->socket), s, "socket path", e2, sizeof(e2));
		} else if (!strcmp(key, "mode")) {
			r = cfg_jstr(val, key, &s, e2, sizeof(e2)) ||
			    cfg_copy_str(d->mode, sizeof(d->mode), s, "mode", e2, sizeof(e2));
		} else if (!strcmp(key, "tap")) {
			r = cfg_jstr(val, key, &s, e2, sizeof(e2)) ||
			    cfg_copy_str(d->tap, sizeof(d->tap), s, "tap name", e2, sizeof(e2));
		} else if (!strcmp(key, "mac")) {
			r = cfg_jstr(val, key, &s, e2, sizeof(e2));
			if (!r) {
				int m = cfg_parse_mac(s, d->mac);
				if (m)
					r = cfg_fail(e2, sizeof(e2), "mac %s: %s", s, cfg_mac_problem(m));
				d->has_mac = true;
			}
		} else if (!strcmp(key, "vlan")) {
			r = cfg_juint(val, key, 4094, &n, e2, sizeof(e2));
			d->vlan = (uint16_t)n;
		} else if (!strcmp(key, "allow_spoof")) {
			r = cfg_jbool(val, key, &d->allow_spoof, e2, sizeof(e2));
		} else if (!strcmp(key, "allow_promisc")) {
			r = cfg_jbool(val, key, &d->allow_promisc, e2, sizeof(e2));
		} else if (!strcmp(key, "worker")) {
			r = cfg_juint(val, key, CFG_MAX_WORKERS - 1, &n, e2, sizeof(e2));
			d->worker = (int)n;
		} else if (!strcmp(key, "doorbell")) {
			r = cfg_jstr(val, key, &s, e2, sizeof(e2)) ||
			    cfg_parse_doorbell(d, s, e2, sizeof(e2));
		} else if (!strcmp(key, "device")) {
			r = cfg_jstr(val, key, &s, e2, sizeof(e2));
			if (!r && cfg_parse_bdf(s, d->vfio_dev))
				r = cfg_fail(e2, sizeof(e2), "\"device\" %s: not a PCI address (DDDD:BB:DD.F)",
					     s);
		} else if (!strcmp(key, "queues")) {
			r = cfg_juint(val, key, CFG_MAX_QUEUES, &n, e2, sizeof(e2));
			if (!r && n == 0)
				r = cfg_fail(e2, sizeof(e2), "\"queues\" must be 1..%d", CFG_MAX_QUEUES);
			d->queues = (unsigned)n;
		} else {
			r = cfg_fail(e2, sizeof(e2), "unknown key \"%s\"", key);
		}
		if (r)
			return cfg_fail(err, errlen, "devices[%u]: %s", idx, e2);
	}
	if (!d->socket[0])
		return cfg_fail(err, errlen, "devices[%u]: \"socket\" is required", idx);
	return 0;
}

static int parse_json_pcap(struct vmux_config *c, struct json_object *o, unsigned idx, char *err,
			   size_t errlen)
{
	char e2[200];
	struct cfg_pcap *p;
	const char *s = NULL;
	long n;

	if (!json_object_is_type(o, json_type_object))
		return cfg_fail(err, errlen, "pcap[%u] must be an object", idx);
	if (c->npcap == CFG_MAX_PCAPS)
		return cfg_fail(err, errlen, "pcap[%u]: at most %d captures", idx, CFG_MAX_PCAPS);
	p = &c->pcap[c->npcap++];
	memset(p, 0, sizeof(*p));
	json_object_object_foreach(o, key, val) {
		int r = 0;
		if (!strcmp(key, "port")) {
			r = cfg_jstr(val, key, &s, e2, sizeof(e2)) ||
			    cfg_copy_str(p->port, sizeof(p->port), s, "port name", e2, sizeof(e2));
		} else if (!strcmp(key, "file")) {
			r = cfg_jstr(val, key, &s, e2, sizeof(e2)) ||
			    cfg_copy_str(p->file, sizeof(p->file), s, "file name", e2, sizeof(e2));
		} else if (!strcmp(key, "count")) {
			r = cfg_juint(val, key, LONG_MAX, &n, e2, sizeof(e2));
			p->count = (uint64_t)n;
		} else if (!strcmp(key, "snaplen")) {
			r = cfg_juint(val, key, (long)PCAP_SNAPLEN_MAX, &n, e2, sizeof(e2));
			if (!r && (unsigned long)n < PCAP_SNAPLEN_MIN)
				r = cfg_fail(e2, sizeof(e2), "snaplen must be %lu..%lu", PCAP_SNAPLEN_MIN,
					     PCAP_SNAPLEN_MAX);
			p->snaplen = (uint32_t)n;
		} else if (!strcmp(key, "size")) {
			r = cfg_juint(val, key, LONG_MAX, &n, e2, sizeof(e2));
			if (!r && n < 4096)
				r = cfg_fail(e2, sizeof(e2), "size must be at least 4096 bytes");
			p->max_bytes = (uint64_t)n;
		} else {
			r = cfg_fail(e2, sizeof(e2), "unknown key \"%s\"", key);
		}
		if (r)
			return cfg_fail(err, errlen, "pcap[%u]: %s", idx, e2);
	}
	if (!p->port[0] || !p->file[0])
		return cfg_fail(err, errlen, "pcap[%u]: \"port\" and \"file\" are required", idx);
	return 0;
}

int cfg_parse_json(struct vmux_config *c, const char *text, char *err, size_t errlen)
{
	enum json_tokener_error jerr;
	struct json_object *root = json_tokener_parse_verbose(text, &jerr);
	int ret = 0;
	const char *s = NULL;
	long n;

	if (!root)
		return cfg_fail(err, errlen, "not valid JSON: %s", json_tokener_error_desc(jerr));
	if (!json_object_is_type(root, json_type_object)) {
		json_object_put(root);
		return cfg_fail(err, errlen, "the top level must be a JSON object");
	}
	json_object_object_foreach(root, key, val) {
		if (!strcmp(key, "devices")) {
			if (!json_object_is_type(val, json_type_array)) {
				ret = cfg_fail(err, errlen, "\"devices\" must be an array");
				break;
			}
			size_t len = json_object_array_length(val);
			for (size_t i = 0; i < len && !ret; i++)
				ret = parse_json_device(c, json_object_array_get_idx(val, i),
							(unsigned)i, err, errlen);
		} else if (!strcmp(key, "pcap")) {
			if (!json_object_is_type(val, json_type_array)) {
				ret = cfg_fail(err, errlen, "\"pcap\" must be an array");
				break;
			}
			size_t len = json_object_array_length(val);
			for (size_t i = 0; i < len && !ret; i++)
				ret = parse_json_pcap(c, json_object_array_get_idx(val, i),
						      (unsigned)i, err, errlen);
		} else if (!strcmp(key, "uplink")) {
			ret = cfg_jstr(val, key, &s, err, errlen) || cfg_parse_uplink(c, s, err, errlen);
		} else if (!strcmp(key, "eal")) {
			if (!json_object_is_type(val, json_type_array)) {
				ret = cfg_fail(err, errlen, "\"eal\" must be an array of strings");
				break;
			}
			c->neal = 0;
			for (size_t i = 0; i < json_object_array_length(val) && !ret; i++)
				ret = cfg_jstr(json_object_array_get_idx(val, i), "eal[]", &s, err,
					       errlen) ||
				      cfg_add_eal_arg(c, s, err, errlen);
		} else if (!strcmp(key, "base_mac")) {
			ret = cfg_jstr(val, key, &s, err, errlen);
			if (!ret) {
				int m = cfg_parse_mac(s, c->base_mac);
				if (m)
					ret = cfg_fail(err, errlen, "base_mac %s: %s", s, cfg_mac_problem(m));
			}
		} else if (!strcmp(key, "cores")) {
			if (!json_object_is_type(val, json_type_array) ||
			    json_object_array_length(val) > CFG_MAX_WORKERS) {
				ret = cfg_fail(err, errlen, "\"cores\" must be an array of at most %d CPU "
							    "numbers", CFG_MAX_WORKERS);
				break;
			}
			c->nworkers = 0;
			for (size_t i = 0; i < json_object_array_length(val) && !ret; i++) {
				ret = cfg_juint(json_object_array_get_idx(val, i), "cores[]", 4095, &n,
						err, errlen);
				c->cpus[c->nworkers++] = (int)n;
			}
		} else if (!strcmp(key, "workers")) {
			ret = cfg_juint(val, key, CFG_MAX_WORKERS, &n, err, errlen);
			if (!ret) {
				c->nworkers = (unsigned)n;
				for (unsigned i = 0; i < c->nworkers; i++)
					c->cpus[i] = -1;
			}
		} else if (!strcmp(key, "control")) {
			ret = cfg_jstr(val, key, &s, err, errlen) ||
			      cfg_copy_str(c->control, sizeof(c->control), s, "control socket path", err,
					   errlen);
		} else if (!strcmp(key, "metrics")) {
			ret = cfg_jstr(val, key, &s, err, errlen) ||
			      cfg_parse_metrics(&c->metrics, s, err, errlen);
		} else if (!strcmp(key, "vfio_api")) {
			ret = cfg_jstr(val, key, &s, err, errlen);
			if (!ret && cfg_parse_vfio_api(s, &c->vfio_api))
				ret = cfg_fail(err, errlen, "vfio_api %s: use auto, cdev or group", s);
		} else if (!strcmp(key, "max_guest_ram")) {
			if (json_object_is_type(val, json_type_int)) {
				int64_t x = json_object_get_int64(val);

				if (x < (int64_t)CFG_GUEST_RAM_MIN)
					ret = cfg_fail(err, errlen, "\"max_guest_ram\" must be at least %llu bytes",
						       (unsigned long long)CFG_GUEST_RAM_MIN);
				else
					c->max_guest_ram = (uint64_t)x;
			} else {
				ret = cfg_jstr(val, key, &s, err, errlen) ||
				      cfg_parse_guest_ram(c, "max_guest_ram", s, err, errlen);
			}
		} else if (!strcmp(key, "log_level")) {
			ret = cfg_jstr(val, key, &s, err, errlen);
			if (!ret && (c->log_level = log_parse_level(s)) < 0)
				ret = cfg_fail(err, errlen, "log_level %s: use err, warn, info, debug or "
							    "trace", s);
		} else {
			ret = cfg_fail(err, errlen, "unknown key \"%s\"", key);
		}
		if (ret)
			break;
	}
	json_object_put(root);
	return ret ? -1 : 0;
}

int cfg_load_file(struct vmux_config *c, const char *path, char *err, size_t errlen)
{
	char e2[256];
	FILE *f = fopen(path, "r");
	if (!f)
		return cfg_fail(err, errlen, "config %s: %s", path, strerror(errno));
	char *buf = malloc(1 << 20);
	size_t n = buf ? fread(buf, 1, (1 << 20) - 1, f) : 0;
	bool toolong = buf && !feof(f);
	fclose(f);
	if (!buf)
		return cfg_fail(err, errlen, "config %s: out of memory", path);
	if (toolong) {
		free(buf);
		return cfg_fail(err, errlen, "config %s: larger than 1 MiB", path);
	}
	buf[n] = '\0';
	int r = cfg_parse_json(c, buf, e2, sizeof(e2));
	free(buf);
	if (r)
		return cfg_fail(err, errlen, "config %s: %s", path, e2);
	return 0;
}
