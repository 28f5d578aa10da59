/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vmuxctl: inspect vmux from the outside.
 *
 *   vmuxctl probe [--json] [-x] [-n] [-t MS] SOCKET
 *   vmuxctl ports|switch|macs|flows|workers [-c CONTROL]
 *   vmuxctl capture start PORT FILE [--count N] [--snaplen N] [--size BYTES] [-c CONTROL]
 *   vmuxctl capture stop PORT [-c CONTROL]
 *   vmuxctl metrics [-c CONTROL]
 *
 * `probe` speaks vfio-user to a device socket the way a VMM would and prints
 * what the server offers: VERSION capabilities, device info, regions, IRQ
 * indexes and the PCI config space decoded in the style of `lspci -vv`.
 * The other commands ask vmux's control socket (vmux --control) and print
 * its answer as JSON (metrics: as OpenMetrics text). Everything a server returns is treated as untrusted
 * input.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "vmuxctl/vmuxctl.h"

#ifndef VMUX_VERSION
#define VMUX_VERSION "?"
#endif

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
	{ "flows", cmd_flows, "[-c CONTROL]",
	  "the VMs' flow rules on the DPDK uplink: hardware or software, handles, counters (JSON)" },
	{ "workers", cmd_workers, "[-c CONTROL]", "vmux's threads and their load (JSON)" },
	{ "capture", cmd_capture,
	  "start PORT FILE [--count N] [--snaplen N] [--size BYTES] | stop PORT [-c CONTROL]",
	  "capture a port of vmux to a pcap file, or stop that (JSON)" },
	{ "metrics", cmd_metrics, "[-c CONTROL]",
	  "vmux's counters as OpenMetrics text (what vmux --metrics serves over HTTP)" },
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
