/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vmuxctl metrics: the control socket's ports, switch, workers and service
 * answers printed as OpenMetrics text (core/metrics.h), the same text vmux
 * --metrics serves over HTTP.
 */
#include <stdio.h>
#include <stdlib.h>

#include "core/metrics.h"
#include "vmuxctl/vmuxctl.h"

static void metrics_usage(FILE *f)
{
	fputs("Usage: vmuxctl metrics [OPTIONS]\n"
	      "Print vmux's counters as OpenMetrics text (Prometheus' exposition format):\n"
	      "per port and per queue counters, switch drops by reason, worker load, trapped\n"
	      "register accesses, reloads. vmux --metrics serves the same over HTTP.\n"
	      "\n"
	      "  -c, --control PATH  the control socket (default $VMUX_CONTROL, else "
	      CTL_DEFAULT_PATH ")\n"
	      "  -t, --timeout MS    bound on each answer's wait (default 5000)\n"
	      "  -h, --help          this text\n",
	      f);
}

/* The result of {"cmd":CMD}; NULL if vmux refused (no switch) or failed (*failed set). */
static json_object *ask(const struct ctl_opts *o, const char *cmd, bool may_refuse, int *failed)
{
	json_object *req = json_object_new_object(), *res = NULL;

	jstr(req, "cmd", cmd);
	ctl_quiet_refusals = may_refuse;
	if (ctl_call(o->path, req, o->timeout_ms, &res) && !may_refuse)
		*failed = 1;
	ctl_quiet_refusals = false;
	json_object_put(req);
	return res;
}

int cmd_metrics(int argc, char **argv)
{
	struct ctl_opts o;
	int i = ctl_parse(argv[0], argc, argv, &o, false, metrics_usage), failed = 0;

	if (i != argc)
		die_usage("%s: unexpected argument '%s'", argv[0], argv[i]);
	json_object *ports = ask(&o, "ports", false, &failed);
	json_object *sw = failed ? NULL : ask(&o, "switch", true, &failed);
	json_object *wk = failed ? NULL : ask(&o, "workers", false, &failed);
	json_object *svc = failed ? NULL : ask(&o, "service", true, &failed);
	if (!failed && metrics_write(stdout, ports, sw, wk, svc) < 0) {
		err_msg("cannot write the metrics");
		failed = 1;
	}
	json_object_put(ports);
	json_object_put(sw);
	json_object_put(wk);
	json_object_put(svc);
	return failed || fflush(stdout) ? 1 : 0;
}
