/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "core/config.h"

#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config_priv.h"
#include "core/log.h"

#define DEFAULT_BASE_MAC "52:54:00:fa:00:60"

int cfg_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

void cfg_init(struct vmux_config *c)
{
	memset(c, 0, sizeof(*c));
	cfg_parse_mac(DEFAULT_BASE_MAC, c->base_mac);
	c->log_level = LOG_LVL_INFO;
	c->max_guest_ram = CFG_GUEST_RAM_DEFAULT;
}

int cfg_parse_mac(const char *s, uint8_t mac[6])
{
	unsigned v[6];
	char tail;
	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
		   &tail) != 6)
		return -1;
	/* sscanf accepts "0x"-less single digits and leading spaces: insist on the 17-char form */
	if (strlen(s) != 17)
		return -1;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)v[i];
	if (mac[0] & 1)
		return -2;
	if (!(mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]))
		return -3;
	return 0;
}

void cfg_format_mac(const uint8_t m[6], char out[18])
{
	snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

const char *cfg_mac_problem(int r)
{
	return r == -2 ? "a multicast address cannot be a NIC's MAC"
	       : r == -3 ? "the all-zero address cannot be a NIC's MAC"
			 : "not a MAC address (expected xx:xx:xx:xx:xx:xx)";
}

int cfg_copy_str(char *dst, size_t cap, const char *src, const char *what, char *err,
			size_t errlen)
{
	size_t n = strlen(src);
	if (n == 0)
		return cfg_fail(err, errlen, "%s is empty", what);
	if (n >= cap)
		return cfg_fail(err, errlen, "%s '%s' is too long (at most %zu characters)", what, src,
				cap - 1);
	memcpy(dst, src, n + 1);
	return 0;
}

static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	errno = 0;
	if (!*s || *s == '-' || *s == '+')
		return -1;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || *end || v > max)
		return -1;
	*out = v;
	return 0;
}

int cfg_parse_size(const char *s, uint64_t *out)
{
	static const char units[] = "KMGT";
	unsigned long long v;
	unsigned shift = 0;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -1;
	if (*end) {
		const char *u = strchr(units, end[0] == 'k' ? 'K' : end[0]);

		if (!u || !*u)
			return -1;
		shift = 10u * (unsigned)(u - units + 1);
		end++;
		if (!strcmp(end, "iB") || !strcmp(end, "B"))
			end += strlen(end);
		if (*end)
			return -1;
	}
	if (v > (UINT64_C(1) << 63) >> shift)
		return -1;
	*out = (uint64_t)v << shift;
	return 0;
}

int cfg_parse_vfio_api(const char *s, int *out)
{
	static const char *const names[] = { "auto", "cdev", "group" };

	for (int i = 0; i < 3; i++)
		if (s && !strcmp(s, names[i]))
			return *out = i, 0;
	return -1;
}

int cfg_parse_guest_ram(struct vmux_config *c, const char *what, const char *s, char *err,
			       size_t errlen)
{
	uint64_t v;

	if (cfg_parse_size(s, &v) || v < CFG_GUEST_RAM_MIN)
		return cfg_fail(err, errlen, "%s %s: a size of at least 1M (e.g. 64G, 1T; K, M, G, T are "
					     "powers of 1024)", what, s);
	c->max_guest_ram = v;
	return 0;
}

/* "0,2,4-6" → cpus; at most CFG_MAX_WORKERS entries, each < 4096. */
static int parse_cpus(struct vmux_config *c, const char *s, char *err, size_t errlen)
{
	char buf[256];
	if (strlen(s) >= sizeof(buf))
		return cfg_fail(err, errlen, "--cores %s: too long", s);
	strcpy(buf, s);
	c->nworkers = 0;
	char *save = NULL;
	for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		unsigned long a, b;
		char *dash = strchr(tok, '-');
		if (dash) {
			*dash = '\0';
			if (parse_uint(tok, 4095, &a) || parse_uint(dash + 1, 4095, &b) || b < a)
				return cfg_fail(err, errlen, "--cores %s: bad range", s);
		} else {
			if (parse_uint(tok, 4095, &a))
				return cfg_fail(err, errlen, "--cores %s: '%s' is not a CPU number", s, tok);
			b = a;
		}
		for (unsigned long i = a; i <= b; i++) {
			if (c->nworkers == CFG_MAX_WORKERS)
				return cfg_fail(err, errlen, "--cores %s: at most %d workers", s,
						CFG_MAX_WORKERS);
			c->cpus[c->nworkers++] = (int)i;
		}
	}
	if (!c->nworkers)
		return cfg_fail(err, errlen, "--cores needs at least one CPU");
	return 0;
}

int cfg_parse_uplink(struct vmux_config *c, const char *s, char *err, size_t errlen)
{
	size_t n;

	c->uplink_tap[0] = c->uplink_dpdk[0] = c->uplink_name[0] = '\0';
	if (!strncmp(s, "tap:", 4))
		return cfg_copy_str(c->uplink_tap, sizeof(c->uplink_tap), s + 4, "uplink tap name",
				    err, errlen) ||
		       cfg_copy_str(c->uplink_name, sizeof(c->uplink_name), s + 4, "uplink tap name",
				    err, errlen);
	if (strncmp(s, "dpdk:", 5) != 0)
		return cfg_fail(err, errlen, "--uplink %.64s: expected tap:NAME or dpdk:DEVARGS", s);
	if (cfg_copy_str(c->uplink_dpdk, sizeof(c->uplink_dpdk), s + 5, "uplink DPDK device arguments",
			 err, errlen))
		return -1;
	n = strcspn(c->uplink_dpdk, ",");
	if (n == 0) {
		c->uplink_dpdk[0] = '\0';
		return cfg_fail(err, errlen, "--uplink %.64s: dpdk: needs a device (a PCI address such "
					     "as 0000:08:00.0, or a virtual device such as net_ring0)", s);
	}
	if (n >= sizeof(c->uplink_name)) {
		c->uplink_dpdk[0] = '\0';
		return cfg_fail(err, errlen, "--uplink %.64s: device name longer than %zu characters", s,
				sizeof(c->uplink_name) - 1);
	}
	memcpy(c->uplink_name, c->uplink_dpdk, n);
	c->uplink_name[n] = '\0';
	return 0;
}

int cfg_add_eal_arg(struct vmux_config *c, const char *a, char *err, size_t errlen)
{
	if (c->neal == CFG_EAL_MAX_ARGS)
		return cfg_fail(err, errlen, "at most %d EAL arguments", CFG_EAL_MAX_ARGS);
	if (cfg_copy_str(c->eal[c->neal], sizeof(c->eal[0]), a, "EAL argument", err, errlen))
		return -1;
	c->neal++;
	return 0;
}

int cfg_parse_pcap(struct cfg_pcap *p, const char *s, char *err, size_t errlen)
{
	char buf[CFG_PCAP_PATH_MAX + 128];
	char *save = NULL, *tok, *eq;
	unsigned long long v;

	memset(p, 0, sizeof(*p));
	if (strlen(s) >= sizeof(buf))
		return cfg_fail(err, errlen, "--pcap: argument too long");
	strcpy(buf, s);
	eq = strchr(buf, '=');
	if (!eq || eq == buf || !eq[1] || eq[1] == ',')
		return cfg_fail(err, errlen, "--pcap %s: expected PORT=FILE[,count=N][,snaplen=N]"
					     "[,size=BYTES]", s);
	*eq = '\0';
	if (cfg_copy_str(p->port, sizeof(p->port), buf, "--pcap port name", err, errlen))
		return -1;
	tok = strtok_r(eq + 1, ",", &save);
	if (cfg_copy_str(p->file, sizeof(p->file), tok, "--pcap file name", err, errlen))
		return -1;
	while ((tok = strtok_r(NULL, ",", &save))) {
		char *val = strchr(tok, '=');
		char *end;

		if (!val)
			return cfg_fail(err, errlen, "--pcap %s: '%s' is not KEY=VALUE (count, snaplen or "
						     "size)", s, tok);
		*val++ = '\0';
		if (strcmp(tok, "count") && strcmp(tok, "snaplen") && strcmp(tok, "size"))
			return cfg_fail(err, errlen, "--pcap %s: unknown key '%s' (count, snaplen or size)",
					s, tok);
		errno = 0;
		v = strtoull(val, &end, 10);
		if (!*val || *val == '-' || *val == '+' || *end || errno)
			return cfg_fail(err, errlen, "--pcap %s: %s=%s is not a number", s, tok, val);
		if (!strcmp(tok, "count")) {
			p->count = v;
		} else if (!strcmp(tok, "snaplen")) {
			if (v < PCAP_SNAPLEN_MIN || v > PCAP_SNAPLEN_MAX)
				return cfg_fail(err, errlen, "--pcap %s: snaplen must be %lu..%lu", s,
						PCAP_SNAPLEN_MIN, PCAP_SNAPLEN_MAX);
			p->snaplen = (uint32_t)v;
		} else {
			if (v < 4096)
				return cfg_fail(err, errlen, "--pcap %s: size must be at least 4096 bytes", s);
			p->max_bytes = v;
		}
	}
	return 0;
}

static int add_pcap(struct vmux_config *c, const char *s, char *err, size_t errlen)
{
	if (c->npcap == CFG_MAX_PCAPS)
		return cfg_fail(err, errlen, "--pcap %s: at most %d captures", s, CFG_MAX_PCAPS);
	if (cfg_parse_pcap(&c->pcap[c->npcap], s, err, errlen))
		return -1;
	c->npcap++;
	return 0;
}

int cfg_parse_doorbell(struct cfg_device *d, const char *s, char *err, size_t errlen)
{
	if (!strcmp(s, "trap"))
		d->doorbell = CFG_DOORBELL_TRAP;
	else if (!strcmp(s, "poll"))
		d->doorbell = CFG_DOORBELL_POLL;
	else
		return cfg_fail(err, errlen, "doorbell mode '%s': use trap or poll", s);
	return 0;
}

/*
 * A PCI address (DDDD:BB:DD.F, or BB:DD.F in domain 0), canonicalised into
 * out (16 bytes): 0, or -1.
 */
int cfg_parse_bdf(const char *s, char out[16])
{
	unsigned dom = 0, bus, dev, fn;
	int n = -1;

	if (strlen(s) > 12 || strspn(s, "0123456789abcdefABCDEF:.") != strlen(s))
		return -1;
	if (sscanf(s, "%4x:%2x:%2x.%1x%n", &dom, &bus, &dev, &fn, &n) != 4 || s[n]) {
		dom = 0;
		n = -1;
		if (sscanf(s, "%2x:%2x.%1x%n", &bus, &dev, &fn, &n) != 3 || s[n])
			return -1;
	}
	if (dev > 0x1f || fn > 7)
		return -1;
	snprintf(out, 16, "%04x:%02x:%02x.%x", dom, bus, dev, fn);
	return 0;
}

struct cfg_device *cfg_new_device(struct vmux_config *c, char *err, size_t errlen)
{
	if (c->ndev == CFG_MAX_DEVICES) {
		cfg_fail(err, errlen, "at most %d devices", CFG_MAX_DEVICES);
		return NULL;
	}
	struct cfg_device *d = &c->dev[c->ndev++];
	memset(d, 0, sizeof(*d));
	d->worker = -1;
	d->fd = -1;
	/* vmux -d BDF -s SOCKET -m passthrough: a -d before the first -s is that device's. */
	memcpy(d->vfio_dev, c->pending_vfio, sizeof(d->vfio_dev));
	c->pending_vfio[0] = '\0';
	return d;
}

enum {
	OPT_MAC = 256,
	OPT_VLAN,
	OPT_SPOOF,
	OPT_PROMISC,
	OPT_WORKER,
	OPT_DOORBELL,
	OPT_QUEUES,
	OPT_UPLINK,
	OPT_CORES,
	OPT_WORKERS,
	OPT_CONTROL,
	OPT_CONFIG,
	OPT_LOGLEVEL,
	OPT_LISTMODES,
	OPT_PCAP,
	OPT_GUEST_RAM,
	OPT_VFIO_API,
	OPT_FD,
	OPT_METRICS,
};

int cfg_parse_args(struct vmux_config *c, int argc, char **argv, char *err, size_t errlen)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "socket-path", required_argument, NULL, 's' }, /* the backend convention's name */
		{ "mode", required_argument, NULL, 'm' },
		{ "tap", required_argument, NULL, 't' },
		{ "base-mac", required_argument, NULL, 'b' },
		{ "mac", required_argument, NULL, OPT_MAC },
		{ "vlan", required_argument, NULL, OPT_VLAN },
		{ "allow-spoof", no_argument, NULL, OPT_SPOOF },
		{ "allow-promisc", no_argument, NULL, OPT_PROMISC },
		{ "worker", required_argument, NULL, OPT_WORKER },
		{ "doorbell", required_argument, NULL, OPT_DOORBELL },
		{ "queues", required_argument, NULL, OPT_QUEUES },
		{ "device", required_argument, NULL, 'd' },
		{ "uplink", required_argument, NULL, OPT_UPLINK },
		{ "cores", required_argument, NULL, OPT_CORES },
		{ "workers", required_argument, NULL, OPT_WORKERS },
		{ "control", required_argument, NULL, OPT_CONTROL },
		{ "config", required_argument, NULL, OPT_CONFIG },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "log-level", required_argument, NULL, OPT_LOGLEVEL },
		{ "list-modes", no_argument, NULL, OPT_LISTMODES },
		{ "pcap", required_argument, NULL, OPT_PCAP },
		{ "max-guest-ram", required_argument, NULL, OPT_GUEST_RAM },
		{ "vfio-api", required_argument, NULL, OPT_VFIO_API },
		{ "fd", required_argument, NULL, OPT_FD },
		{ "metrics", required_argument, NULL, OPT_METRICS },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct cfg_device *d = NULL;
	unsigned long v;
	int o;

	optind = 0; /* full re-initialisation, so the parser can run more than once */
	opterr = 0;
	/* '+': stop at the first non-option, so that what follows -- stays in order. */
	while ((o = getopt_long(argc, argv, "+:s:m:t:b:d:qvhV", opts, NULL)) != -1) {
		const char *name = argv[optind - 1];
		if (o != 's' && o != OPT_FD && o != ':' && o != '?' && o != 'b' && o != 'd' && o != 'q' &&
		    o != 'v' && o != 'h' && o != 'V' && o < OPT_UPLINK && !d)
			return cfg_fail(err, errlen, "%s comes before any -s SOCKET; give the socket first",
					name);
		switch (o) {
		case 's':
			if (!(d = cfg_new_device(c, err, errlen)) ||
			    cfg_copy_str(d->socket, sizeof(d->socket), optarg, "socket path", err, errlen))
				return -1;
			break;
		case OPT_FD:
			/* The vfio-user convention's --fd: a listening socket inherited as fd N. */
			if (parse_uint(optarg, INT_MAX, &v) || v < 3)
				return cfg_fail(err, errlen, "--fd %s: a file descriptor number of 3 or more "
						      "(0-2 are stdio)", optarg);
			if (!(d = cfg_new_device(c, err, errlen)))
				return -1;
			snprintf(d->socket, sizeof(d->socket), CFG_FD_PREFIX "%lu", v);
			d->fd = (int)v;
			break;
		case 'm':
			if (cfg_copy_str(d->mode, sizeof(d->mode), optarg, "mode", err, errlen))
				return -1;
			break;
		case 't':
			if (cfg_copy_str(d->tap, sizeof(d->tap), optarg, "tap name", err, errlen))
				return -1;
			break;
		case 'b': {
			int r = cfg_parse_mac(optarg, c->base_mac);
			if (r)
				return cfg_fail(err, errlen, "-b %s: %s", optarg, cfg_mac_problem(r));
			break;
		}
		case OPT_MAC: {
			int r = cfg_parse_mac(optarg, d->mac);
			if (r)
				return cfg_fail(err, errlen, "--mac %s: %s", optarg, cfg_mac_problem(r));
			d->has_mac = true;
			break;
		}
		case OPT_VLAN:
			if (parse_uint(optarg, 4094, &v) || v == 0)
				return cfg_fail(err, errlen, "--vlan %s: a VLAN id is 1..4094", optarg);
			d->vlan = (uint16_t)v;
			break;
		case OPT_SPOOF:
			d->allow_spoof = true;
			break;
		case OPT_PROMISC:
			d->allow_promisc = true;
			break;
		case OPT_WORKER:
			if (parse_uint(optarg, CFG_MAX_WORKERS - 1, &v))
				return cfg_fail(err, errlen, "--worker %s: a worker index 0..%d", optarg,
						CFG_MAX_WORKERS - 1);
			d->worker = (int)v;
			break;
		case OPT_DOORBELL:
			if (cfg_parse_doorbell(d, optarg, err, errlen))
				return -1;
			break;
		case OPT_QUEUES:
			if (parse_uint(optarg, CFG_MAX_QUEUES, &v) || v == 0)
				return cfg_fail(err, errlen, "--queues %s: 1..%d queue pairs", optarg,
						CFG_MAX_QUEUES);
			d->queues = (unsigned)v;
			break;
		case 'd': {
			/* -d BDF: a passthrough device's PCI function; -d none: emulation */
			char *dst = d ? d->vfio_dev : c->pending_vfio;
			if (!strcmp(optarg, "none")) {
				dst[0] = '\0';
				break;
			}
			if (cfg_parse_bdf(optarg, dst))
				return cfg_fail(err, errlen, "-d %s: not a PCI address (DDDD:BB:DD.F or "
						      "BB:DD.F), nor none", optarg);
			break;
		}
		case OPT_UPLINK:
			if (cfg_parse_uplink(c, optarg, err, errlen))
				return -1;
			break;
		case OPT_CORES:
			if (parse_cpus(c, optarg, err, errlen))
				return -1;
			break;
		case OPT_WORKERS:
			if (parse_uint(optarg, CFG_MAX_WORKERS, &v))
				return cfg_fail(err, errlen, "--workers %s: 0..%d", optarg, CFG_MAX_WORKERS);
			c->nworkers = (unsigned)v;
			for (unsigned i = 0; i < c->nworkers; i++)
				c->cpus[i] = -1;
			break;
		case OPT_CONTROL:
			if (cfg_copy_str(c->control, sizeof(c->control), optarg, "control socket path",
					 err, errlen))
				return -1;
			break;
		case OPT_CONFIG:
			c->config_file = optarg;
			break;
		case 'q':
			c->log_level = LOG_LVL_WARN;
			break;
		case 'v':
			c->log_level = c->log_level < LOG_LVL_DEBUG ? LOG_LVL_DEBUG : LOG_LVL_TRACE;
			break;
		case OPT_LOGLEVEL: {
			int l = log_parse_level(optarg);
			if (l < 0)
				return cfg_fail(err, errlen, "--log-level %s: use err, warn, info, debug or "
						      "trace", optarg);
			c->log_level = l;
			break;
		}
		case OPT_LISTMODES:
			c->list_modes = true;
			break;
		case OPT_PCAP:
			if (add_pcap(c, optarg, err, errlen))
				return -1;
			break;
		case OPT_GUEST_RAM:
			if (cfg_parse_guest_ram(c, "--max-guest-ram", optarg, err, errlen))
				return -1;
			break;
		case OPT_VFIO_API:
			if (cfg_parse_vfio_api(optarg, &c->vfio_api))
				return cfg_fail(err, errlen, "--vfio-api %s: use auto, cdev or group", optarg);
			break;
		case OPT_METRICS:
			if (cfg_parse_metrics(&c->metrics, optarg, err, errlen))
				return -1;
			break;
		case 'h':
			c->help = true;
			break;
		case 'V':
			c->version = true;
			break;
		case ':':
			return cfg_fail(err, errlen, "%s needs an argument", name);
		default:
			return cfg_fail(err, errlen, "unknown option %s", name);
		}
	}
	if (optind > 1 && optind <= argc && !strcmp(argv[optind - 1], "--")) {
		/* Everything after -- is for DPDK's EAL (--uplink dpdk:...). */
		for (; optind < argc; optind++)
			if (cfg_add_eal_arg(c, argv[optind], err, errlen))
				return -1;
	}
	if (optind < argc)
		return cfg_fail(err, errlen, "unexpected argument '%s'", argv[optind]);
	if (c->config_file && cfg_load_file(c, c->config_file, err, errlen))
		return -1;
	return 0;
}

static void mac_add(uint8_t mac[6], unsigned n)
{
	uint32_t low = ((uint32_t)mac[3] << 16 | (uint32_t)mac[4] << 8 | mac[5]) + n;
	mac[3] = (uint8_t)(low >> 16);
	mac[4] = (uint8_t)(low >> 8);
	mac[5] = (uint8_t)low;
}

int cfg_finalize(struct vmux_config *c, char *err, size_t errlen)
{
	if (c->help || c->version || c->list_modes)
		return 0;
	if (!c->ndev)
		return cfg_fail(err, errlen, "no device given; use -s SOCKET -m MODE -t TAP (or "
					     "--uplink tap:NAME)");
	for (unsigned i = 0; i < c->ndev; i++) {
		struct cfg_device *d = &c->dev[i];
		if (!d->mode[0])
			strcpy(d->mode, d->vfio_dev[0] ? "passthrough" : "e1000-emu");
		if (!d->vfio_dev[0] && !strcmp(d->mode, "passthrough"))
			return cfg_fail(err, errlen, "device %u (%s): -m passthrough needs -d BDF (a PCI "
						     "function bound to vfio-pci)", i, d->socket);
		if (d->vfio_dev[0]) {
			/* A passed-through device has no port: no tap, switch or MAC of ours. */
			if (d->tap[0] || d->vlan || d->allow_spoof || d->allow_promisc)
				return cfg_fail(err, errlen, "device %u (%s): a passthrough device (-d %s) "
							     "has no network port for -t/--vlan/--allow-*",
					    i, d->socket, d->vfio_dev);
			for (unsigned j = 0; j < i; j++)
				if (!strcmp(c->dev[j].vfio_dev, d->vfio_dev))
					return cfg_fail(err, errlen, "PCI function %s is given to two "
								     "devices", d->vfio_dev);
		}
		if (!d->tap[0] && !c->uplink_name[0] && !d->vfio_dev[0])
			return cfg_fail(err, errlen, "device %u (%s) has no -t TAP and there is no "
						     "--uplink: it would have no network", i, d->socket);
		if (d->tap[0] && (d->vlan || d->allow_spoof || d->allow_promisc))
			return cfg_fail(err, errlen, "device %u (%s): --vlan/--allow-* apply to devices "
						     "on the switch, not to one wired to its own tap", i,
				    d->socket);
		if (d->worker >= 0 && (unsigned)d->worker >= (c->nworkers ? c->nworkers : 1))
			return cfg_fail(err, errlen, "device %u (%s): worker %d does not exist (%u "
						     "worker(s))", i, d->socket, d->worker,
				    c->nworkers ? c->nworkers : 1);
		if (!d->has_mac) {
			memcpy(d->mac, c->base_mac, 6);
			mac_add(d->mac, i);
			/* Only the low 24 bits count up: 00:00:00:ff:ff:ff + 1 is all zero. */
			if (!(d->mac[0] | d->mac[1] | d->mac[2] | d->mac[3] | d->mac[4] | d->mac[5])) {
				char m[18];
				cfg_format_mac(c->base_mac, m);
				return cfg_fail(err, errlen, "device %u (%s) would get the all-zero MAC "
							     "(base MAC %s + %u); give it --mac or choose "
							     "another base MAC", i, d->socket, m, i);
			}
		}
		if (cfg_socket_is_fd(d->socket) && !d->socket[strlen(CFG_FD_PREFIX)])
			return cfg_fail(err, errlen, "device %u: socket \"%s\" names no passed socket (use "
						     "fd:NAME)", i, d->socket);
		for (unsigned j = 0; j < i; j++) {
			const struct cfg_device *o = &c->dev[j];
			if (!strcmp(o->socket, d->socket))
				return cfg_fail(err, errlen, "socket %s is given to two devices", d->socket);
			if (d->tap[0] && !strcmp(o->tap, d->tap))
				return cfg_fail(err, errlen, "tap %s is given to two devices", d->tap);
			if (!memcmp(o->mac, d->mac, 6)) {
				char m[18];
				cfg_format_mac(d->mac, m);
				return cfg_fail(err, errlen, "devices %u and %u would both have MAC %s", j,
						i, m);
			}
		}
		if (c->uplink_tap[0] && !strcmp(d->tap, c->uplink_tap))
			return cfg_fail(err, errlen, "tap %s is both the uplink and device %u's own tap",
					d->tap, i);
	}
	if (c->neal && !c->uplink_dpdk[0])
		return cfg_fail(err, errlen, "EAL arguments (after --, or \"eal\") need --uplink "
					     "dpdk:DEVARGS");
	for (unsigned i = 0; i < c->npcap; i++) {
		const struct cfg_pcap *p = &c->pcap[i];
		if (cfg_port_index(c, p->port) < -1)
			return cfg_fail(err, errlen, "--pcap %s=%s: no port %s (ports: dev0%s%.0u%s%s)",
					p->port, p->file, p->port, c->ndev > 1 ? "..dev" : "", c->ndev - 1,
					c->uplink_name[0] ? " and the uplink " : "", c->uplink_name);
		for (unsigned j = 0; j < i; j++)
			if (!strcmp(c->pcap[j].port, p->port))
				return cfg_fail(err, errlen, "--pcap: port %s is captured twice (one "
							     "capture per port)", p->port);
	}
	return 0;
}

int cfg_port_index(const struct vmux_config *c, const char *name)
{
	unsigned long v;
	char canon[32];

	if (c->uplink_name[0] && !strcmp(name, c->uplink_name))
		return -1;
	if (strncmp(name, "dev", 3) || parse_uint(name + 3, CFG_MAX_DEVICES, &v) ||
	    v >= c->ndev)
		return -2;
	snprintf(canon, sizeof(canon), "dev%lu", v);
	return strcmp(canon, name) ? -2 : (int)v;
}

bool cfg_socket_is_fd(const char *socket)
{
	return !strncmp(socket, CFG_FD_PREFIX, strlen(CFG_FD_PREFIX));
}

int cfg_parse_metrics(struct cfg_metrics *m, const char *s, char *err, size_t errlen)
{
	unsigned long port;
	const char *p, *colon;
	size_t alen;

	memset(m, 0, sizeof(*m));
	if (!strncmp(s, "unix:", 5)) {
		if (s[5] != '/')
			return cfg_fail(err, errlen, "--metrics %s: unix:PATH needs an absolute path", s);
		m->kind = CFG_METRICS_UNIX;
		return cfg_copy_str(m->path, sizeof(m->path), s + 5, "metrics socket path", err,
				    errlen);
	}
	if (strncmp(s, "tcp:", 4))
		return cfg_fail(err, errlen, "--metrics %s: expected unix:PATH or tcp:ADDR:PORT", s);
	p = s + 4;
	if (*p == '[') {
		const char *close = strchr(p, ']');
		if (!close || close[1] != ':')
			return cfg_fail(err, errlen, "--metrics %s: expected tcp:[IPV6]:PORT", s);
		alen = (size_t)(close - p - 1);
		p++;
		colon = close + 1;
	} else {
		colon = strrchr(p, ':');
		if (!colon)
			return cfg_fail(err, errlen, "--metrics %s: expected tcp:ADDR:PORT", s);
		alen = (size_t)(colon - p);
	}
	if (!alen || alen >= sizeof(m->addr))
		return cfg_fail(err, errlen, "--metrics %s: no address or one too long", s);
	if (parse_uint(colon + 1, 65535, &port) || !port)
		return cfg_fail(err, errlen, "--metrics %s: the port must be 1..65535", s);
	memcpy(m->addr, p, alen);
	m->addr[alen] = '\0';
	m->port = (uint16_t)port;
	m->kind = CFG_METRICS_TCP;
	return 0;
}
