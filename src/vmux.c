/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vmux: gives VMs their network cards over vfio-user.
 *
 *   vmux -s SOCKET -m e1000-emu -t TAP [-s SOCKET2 -m MODE -t TAP2 ...] [-b MAC] [-q|-v]
 *
 * Each -s starts a device; the -m and -t that follow apply to it.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "core/loop.h"
#include "dev/dev.h"
#include "net/port.h"
#include "net/tap.h"

#define MAX_DEVICES 256
#define DEFAULT_MAC "52:54:00:fa:00:60"

struct dev_spec {
	const char *socket;
	const char *mode;
	const char *tap;
	int line_opt; /* argv index, for messages */
};

struct device {
	struct dev_instance *inst;
	struct tap *tap;
};

static struct loop *main_loop;

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: vmux -s SOCKET [-m MODE] -t TAP [-s SOCKET -m MODE -t TAP ...] [options]\n"
		"\n"
		"Serves emulated network cards to VMs over vfio-user. Each -s starts a device\n"
		"listening on SOCKET; the -m and -t after it apply to that device. A VM attaches with\n"
		"  qemu-system-x86_64 ... -device '{\"driver\":\"vfio-user-pci\",\"socket\":{\"type\":\"unix\",\"path\":\"SOCKET\"}}'\n"
		"(guest RAM must be shared: -object memory-backend-memfd,id=mem,size=1G,share=on\n"
		" -machine memory-backend=mem).\n"
		"\n"
		"Device options:\n"
		"  -s, --socket PATH    vfio-user socket of a new device (a stale socket file is replaced;\n"
		"                       a socket with a live server behind it is an error)\n"
		"  -m, --mode MODE      device model (default e1000-emu); see --list-modes\n"
		"  -t, --tap NAME       tap interface the device is wired to (opened, or created if absent)\n"
		"\n"
		"Options:\n"
		"  -b, --base-mac MAC   MAC of the first device; device i gets MAC+i (default " DEFAULT_MAC ")\n"
		"  -q, --quiet          log warnings and errors only\n"
		"  -v, --verbose        log more (-v: debug, e.g. register accesses; -vv: trace)\n"
		"      --log-level L    err, warn, info, debug or trace\n"
		"      --list-modes     list device models and exit\n"
		"  -h, --help           this help\n"
		"  -V, --version        print the version\n"
		"\n"
		"Example:\n"
		"  ip tuntap add dev tap0 mode tap && ip link set tap0 up\n"
		"  vmux -s /run/vmux.sock -m e1000-emu -t tap0\n");
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned v[6];
	char tail;
	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
		   &tail) != 6)
		return -1;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)v[i];
	if (mac[0] & 1)
		return -2; /* multicast */
	return 0;
}

static void mac_add(uint8_t mac[6], unsigned n)
{
	/* Adds n to the low 24 bits (the NIC-specific part), wrapping within it. */
	uint32_t low = ((uint32_t)mac[3] << 16 | (uint32_t)mac[4] << 8 | mac[5]) + n;
	mac[3] = (uint8_t)(low >> 16);
	mac[4] = (uint8_t)(low >> 8);
	mac[5] = (uint8_t)low;
}

static void on_signal(int sig)
{
	(void)sig;
	if (main_loop)
		loop_stop(main_loop);
}

static void list_modes(void)
{
	const struct dev_model *const *m = dev_models();
	for (unsigned i = 0; m[i]; i++)
		printf("%-12s %s\n", m[i]->name, m[i]->description);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "mode", required_argument, NULL, 'm' },
		{ "tap", required_argument, NULL, 't' },
		{ "base-mac", required_argument, NULL, 'b' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "log-level", required_argument, NULL, 'L' },
		{ "list-modes", no_argument, NULL, 'M' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	static struct dev_spec specs[MAX_DEVICES];
	static struct device devs[MAX_DEVICES];
	unsigned nspecs = 0;
	const char *base_mac = DEFAULT_MAC;
	int verbosity = LOG_LVL_INFO;
	int c, rc = 1;

	while ((c = getopt_long(argc, argv, "s:m:t:b:d:qvhV", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (nspecs == MAX_DEVICES) {
				fprintf(stderr, "vmux: at most %d devices\n", MAX_DEVICES);
				return 2;
			}
			specs[nspecs++] = (struct dev_spec){ .socket = optarg, .line_opt = optind };
			break;
		case 'm':
		case 't':
			if (!nspecs) {
				fprintf(stderr, "vmux: -%c %s comes before any -s SOCKET; "
						"give the socket first\n", c, optarg);
				return 2;
			}
			if (c == 'm')
				specs[nspecs - 1].mode = optarg;
			else
				specs[nspecs - 1].tap = optarg;
			break;
		case 'd':
			/* accepted for compatibility; only emulated devices exist so far */
			if (strcmp(optarg, "none") != 0) {
				fprintf(stderr, "vmux: -d %s: passthrough devices are not supported yet; "
						"use -d none\n", optarg);
				return 2;
			}
			break;
		case 'b':
			base_mac = optarg;
			break;
		case 'q':
			verbosity = LOG_LVL_WARN;
			break;
		case 'v':
			verbosity = verbosity < LOG_LVL_DEBUG ? LOG_LVL_DEBUG : LOG_LVL_TRACE;
			break;
		case 'L': {
			int l = log_parse_level(optarg);
			if (l < 0) {
				fprintf(stderr, "vmux: --log-level %s: use err, warn, info, debug or "
						"trace\n", optarg);
				return 2;
			}
			verbosity = l;
			break;
		}
		case 'M':
			list_modes();
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("vmux " VMUX_VERSION "\n");
			return 0;
		default:
			fprintf(stderr, "Try 'vmux --help'.\n");
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "vmux: unexpected argument '%s'\nTry 'vmux --help'.\n", argv[optind]);
		return 2;
	}
	if (!nspecs) {
		fprintf(stderr, "vmux: no device given; use -s SOCKET -m MODE -t TAP\n"
				"Try 'vmux --help'.\n");
		return 2;
	}
	log_set_level((enum log_level)verbosity);

	uint8_t mac[6];
	int mr = parse_mac(base_mac, mac);
	if (mr < 0) {
		fprintf(stderr, "vmux: -b %s: %s\n", base_mac,
			mr == -2 ? "a multicast address cannot be a NIC's MAC"
				 : "not a MAC address (expected xx:xx:xx:xx:xx:xx)");
		return 2;
	}

	/* Check the whole command line before touching anything. */
	for (unsigned i = 0; i < nspecs; i++) {
		struct dev_spec *s = &specs[i];
		if (!s->mode)
			s->mode = "e1000-emu";
		if (!dev_model_find(s->mode)) {
			fprintf(stderr, "vmux: -m %s: unknown mode; known modes:\n", s->mode);
			list_modes();
			return 2;
		}
		if (!s->tap) {
			fprintf(stderr, "vmux: device %u (-s %s) has no -t TAP: every device needs a "
					"backend\n", i, s->socket);
			return 2;
		}
		for (unsigned j = 0; j < i; j++) {
			if (!strcmp(specs[j].socket, s->socket)) {
				fprintf(stderr, "vmux: socket %s given twice\n", s->socket);
				return 2;
			}
			if (!strcmp(specs[j].tap, s->tap)) {
				fprintf(stderr, "vmux: tap %s given to two devices (%s and %s)\n", s->tap,
					specs[j].socket, s->socket);
				return 2;
			}
		}
	}

	main_loop = loop_create();
	if (!main_loop) {
		fprintf(stderr, "vmux: cannot create the event loop: %s\n", strerror(errno));
		return 1;
	}
	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	unsigned ndevs = 0;
	for (unsigned i = 0; i < nspecs; i++) {
		const struct dev_spec *s = &specs[i];
		const struct dev_model *m = dev_model_find(s->mode);
		char err[256] = "";
		char name[16];
		uint8_t dmac[6];

		memcpy(dmac, mac, 6);
		mac_add(dmac, i);
		snprintf(name, sizeof(name), "dev%u", i);
		struct dev_config cfg = {
			.name = name,
			.socket_path = s->socket,
			.loop = main_loop,
		};
		memcpy(cfg.mac, dmac, 6);

		devs[i].tap = tap_open(main_loop, s->tap, true, err, sizeof(err));
		if (!devs[i].tap) {
			fprintf(stderr, "vmux: -t %s: %s\n", s->tap, err);
			goto out;
		}
		devs[i].inst = m->create(&cfg, err, sizeof(err));
		if (!devs[i].inst) {
			fprintf(stderr, "vmux: -s %s: %s\n", s->socket, err);
			tap_close(devs[i].tap);
			goto out;
		}
		ndevs++;
		net_port_connect(m->port(devs[i].inst), tap_port(devs[i].tap));
		LOG_INFO("vmux", "%s: %s on %s, MAC %02x:%02x:%02x:%02x:%02x:%02x, wired to tap %s",
			 name, s->mode, s->socket, dmac[0], dmac[1], dmac[2], dmac[3], dmac[4],
			 dmac[5], s->tap);
	}

	LOG_INFO("vmux", "ready: %u device(s); stop with Ctrl-C", ndevs);
	rc = loop_run(main_loop) == 0 ? 0 : 1;
	LOG_INFO("vmux", "shutting down");
out:
	for (unsigned i = ndevs; i-- > 0;) {
		devs[i].inst->model->destroy(devs[i].inst);
		tap_close(devs[i].tap);
	}
	loop_destroy(main_loop);
	return rc;
}
