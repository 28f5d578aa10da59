/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vmux: gives VMs their network cards over vfio-user.
 *
 *   vmux -s SOCKET -m e1000-emu -t TAP [-s SOCKET2 -m MODE -t TAP2 ...] [-b MAC] [-q|-v]
 *
 * Each -s starts a device; the -m and -t that follow apply to it.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/config.h"
#include "core/log.h"
#include "core/loop.h"
#include "dev/dev.h"
#include "net/port.h"
#include "net/tap.h"

struct device {
	struct dev_instance *inst;
	struct tap *tap;
};

static struct loop *main_loop;

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: vmux -s SOCKET [-m MODE] -t TAP [-s SOCKET -m MODE -t TAP ...] [options]\n"
		"       vmux --config FILE [options]\n"
		"\n"
		"Serves emulated network cards to VMs over vfio-user. Each -s starts a device\n"
		"listening on SOCKET; the device options after it apply to that device. A VM attaches with\n"
		"  qemu-system-x86_64 ... -device '{\"driver\":\"vfio-user-pci\",\"socket\":{\"type\":\"unix\",\"path\":\"SOCKET\"}}'\n"
		"(guest RAM must be shared: -object memory-backend-memfd,id=mem,size=1G,share=on\n"
		" -machine memory-backend=mem).\n"
		"\n"
		"Device options:\n"
		"  -s, --socket PATH    vfio-user socket of a new device (a stale socket file is replaced;\n"
		"                       a socket with a live server behind it is an error)\n"
		"  -m, --mode MODE      device model (default e1000-emu); see --list-modes\n"
		"  -t, --tap NAME       tap interface the device is wired to (opened, or created if absent)\n"
		"      --mac MAC        this device's MAC (default: base MAC + device index)\n"
		"\n"
		"Options:\n"
		"  -b, --base-mac MAC   MAC of the first device; device i gets MAC+i (default 52:54:00:fa:00:60)\n"
		"      --config FILE    read devices and options from a JSON file (see docs/CONFIG.md)\n"
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
	static struct vmux_config cfg;
	static struct device devs[CFG_MAX_DEVICES];
	char err[256] = "";
	int rc = 1;

	cfg_init(&cfg);
	if (cfg_parse_args(&cfg, argc, argv, err, sizeof(err)) ||
	    cfg_finalize(&cfg, err, sizeof(err))) {
		fprintf(stderr, "vmux: %s\nTry 'vmux --help'.\n", err);
		return 2;
	}
	if (cfg.help) {
		usage(stdout);
		return 0;
	}
	if (cfg.version) {
		printf("vmux " VMUX_VERSION "\n");
		return 0;
	}
	if (cfg.list_modes) {
		list_modes();
		return 0;
	}
	log_set_level((enum log_level)cfg.log_level);

	/* Check the whole configuration before touching anything. */
	for (unsigned i = 0; i < cfg.ndev; i++) {
		if (!dev_model_find(cfg.dev[i].mode)) {
			fprintf(stderr, "vmux: -m %s: unknown mode; known modes:\n", cfg.dev[i].mode);
			list_modes();
			return 2;
		}
		if (!cfg.dev[i].tap[0]) {
			fprintf(stderr, "vmux: device %u (%s): the switch (--uplink) is not available "
					"in this build; give the device its own -t TAP\n", i,
				cfg.dev[i].socket);
			return 2;
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
	for (unsigned i = 0; i < cfg.ndev; i++) {
		const struct cfg_device *s = &cfg.dev[i];
		const struct dev_model *m = dev_model_find(s->mode);
		char name[16], mac[18];

		snprintf(name, sizeof(name), "dev%u", i);
		cfg_format_mac(s->mac, mac);
		struct dev_config dc = {
			.name = name,
			.socket_path = s->socket,
			.loop = main_loop,
		};
		memcpy(dc.mac, s->mac, 6);

		devs[i].tap = tap_open(main_loop, s->tap, true, err, sizeof(err));
		if (!devs[i].tap) {
			fprintf(stderr, "vmux: -t %s: %s\n", s->tap, err);
			goto out;
		}
		devs[i].inst = m->create(&dc, err, sizeof(err));
		if (!devs[i].inst) {
			fprintf(stderr, "vmux: -s %s: %s\n", s->socket, err);
			tap_close(devs[i].tap);
			goto out;
		}
		ndevs++;
		net_port_connect(m->port(devs[i].inst), tap_port(devs[i].tap));
		LOG_INFO("vmux", "%s: %s on %s, MAC %s, wired to tap %s", name, s->mode, s->socket,
			 mac, s->tap);
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
