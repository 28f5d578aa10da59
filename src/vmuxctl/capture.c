/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vmuxctl capture start|stop: a port of vmux to a pcap file, through the control socket. */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "vmuxctl/vmuxctl.h"

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

int cmd_capture(int argc, char **argv)
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
