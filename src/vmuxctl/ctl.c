/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vmuxctl's client of vmux's control socket (vmux --control): one JSON line
 * out, one back, the result printed as JSON; the query commands (ports,
 * switch, macs, workers, help).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "vmuxctl/vmuxctl.h"

/* ---- commands against vmux's control socket ---------------------------------------- */

#define CTL_REPLY_MAX (64u << 20)

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Sends req (one JSON line) to the control socket at path and reads one line
 * back. 0 with *result (the reply's "result", owned by the caller), or 1 with
 * the problem printed.
 */
bool ctl_quiet_refusals;

int ctl_call(const char *path, json_object *req, int timeout_ms, json_object **result)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *line = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int64_t deadline = now_ms() + timeout_ms;
	json_object *reply = NULL, *ok, *v;
	int fd, ret = 1;

	*result = NULL;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		err_msg("%s: control socket path too long", path);
		return 1;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		err_msg("socket: %s", strerror(errno));
		return 1;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		if (errno == ENOENT)
			err_msg("%s: no such control socket (is vmux running with --control %s?)",
				path, path);
		else if (errno == ECONNREFUSED)
			err_msg("%s: nothing listens there (vmux is not running?)", path);
		else
			err_msg("%s: %s", path, strerror(errno));
		goto out;
	}
	if (send(fd, line, strlen(line), MSG_NOSIGNAL) != (ssize_t)strlen(line) ||
	    send(fd, "\n", 1, MSG_NOSIGNAL) != 1) {
		err_msg("%s: cannot send the request: %s", path, strerror(errno));
		goto out;
	}
	for (;;) {
		struct pollfd pf = { .fd = fd, .events = POLLIN };
		int64_t left = deadline - now_ms();
		ssize_t n;

		int pr = left > 0 ? poll(&pf, 1, (int)left) : 0;

		if (pr < 0 && errno == EINTR)
			continue;
		if (pr < 0) {
			err_msg("%s: poll: %s", path, strerror(errno));
			goto out;
		}
		if (pr == 0) {
			err_msg("%s: no answer within %d ms", path, timeout_ms);
			goto out;
		}
		if (len + 4096 + 1 > cap) {
			if (cap >= CTL_REPLY_MAX) {
				err_msg("%s: answer longer than %u bytes", path, CTL_REPLY_MAX);
				goto out;
			}
			char *nb = realloc(buf, cap ? cap * 2 : 65536);
			if (!nb) {
				err_msg("out of memory");
				goto out;
			}
			buf = nb;
			cap = cap ? cap * 2 : 65536;
		}
		n = recv(fd, buf + len, cap - len - 1, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err_msg("%s: connection closed before a full answer", path);
			goto out;
		}
		len += (size_t)n;
		buf[len] = '\0';
		if (memchr(buf + len - (size_t)n, '\n', (size_t)n))
			break;
	}
	*strchr(buf, '\n') = '\0';
	reply = json_tokener_parse(buf);
	if (!reply || !json_object_is_type(reply, json_type_object) ||
	    !json_object_object_get_ex(reply, "ok", &ok) ||
	    !json_object_is_type(ok, json_type_boolean)) {
		err_msg("%s: the answer is not a control reply", path);
		goto out;
	}
	if (!json_object_get_boolean(ok)) {
		const char *e = json_object_object_get_ex(reply, "error", &v) &&
					json_object_is_type(v, json_type_string)
				? json_object_get_string(v)
				: "failed (no reason given)";
		if (!ctl_quiet_refusals)
			err_msg("%s", e);
		goto out;
	}
	if (!json_object_object_get_ex(reply, "result", &v)) {
		err_msg("%s: the answer has no result", path);
		goto out;
	}
	*result = json_object_get(v);
	ret = 0;
out:
	json_object_put(reply);
	free(buf);
	close(fd);
	return ret;
}

int ctl_print(const char *path, json_object *req, int timeout_ms)
{
	json_object *res;
	int ret = ctl_call(path, req, timeout_ms, &res);

	json_object_put(req);
	if (ret)
		return ret;
	puts(json_object_to_json_string_ext(res, JSON_C_TO_STRING_PRETTY |
						      JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(res);
	return fflush(stdout) == 0 ? 0 : 1;
}

static uint64_t parse_u64(const char *cmd, const char *what, const char *s, uint64_t min,
			  uint64_t max)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (!*s || *s == '-' || *s == '+' || *end || errno || v < min || v > max)
		die_usage("%s: %s '%s' is not a number in %" PRIu64 "..%" PRIu64, cmd, what, s,
			  min, max);
	return v;
}

int ctl_parse(const char *cmd, int argc, char **argv, struct ctl_opts *o,
		     bool with_capture, void (*help)(FILE *))
{
	static const struct option opts[] = {
		{ "control", required_argument, NULL, 'c' },
		{ "timeout", required_argument, NULL, 't' },
		{ "count", required_argument, NULL, 'n' },
		{ "snaplen", required_argument, NULL, 's' },
		{ "size", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->path = getenv("VMUX_CONTROL");
	if (!o->path || !*o->path)
		o->path = CTL_DEFAULT_PATH;
	o->timeout_ms = 5000;
	optind = 0; /* full re-initialisation: main() parsed in order with "+" */
	while ((c = getopt_long(argc, argv, with_capture ? "c:t:n:s:h" : "c:t:h", opts, NULL)) !=
	       -1) {
		switch (c) {
		case 'c':
			o->path = optarg;
			break;
		case 't':
			o->timeout_ms = (int)parse_u64(cmd, "timeout", optarg, 1, 600000);
			break;
		case 'n':
		case 's':
		case 'S':
			if (!with_capture)
				die_usage("%s: --%s applies to 'capture start' only", cmd,
					  c == 'n' ? "count" : c == 's' ? "snaplen" : "size");
			if (c == 'n') {
				o->count = parse_u64(cmd, "--count", optarg, 1, INT64_MAX);
				o->has_count = true;
			} else if (c == 's') {
				o->snaplen = parse_u64(cmd, "--snaplen", optarg, 14, 262144);
				o->has_snaplen = true;
			} else {
				o->size = parse_u64(cmd, "--size", optarg, 4096, INT64_MAX);
				o->has_size = true;
			}
			break;
		case 'h':
			help(stdout);
			exit(0);
		default:
			die_usage("%s: bad option", cmd);
		}
	}
	return optind;
}

static void query_usage(FILE *f)
{
	fputs("Usage: vmuxctl ports|switch|macs|workers|help [OPTIONS]\n"
	      "Ask vmux's control socket (vmux --control PATH) and print the answer as JSON:\n"
	      "  ports     devices: socket, mode, MAC, worker, backend, link, port counters,\n"
	      "            capture (if any) and the device model's counters\n"
	      "  switch    the switch: MAC table use, per-port counters and drops by reason\n"
	      "  macs      the switch's MAC table (MAC, VLAN, port, static, age)\n"
	      "  workers   threads: CPU, devices, loop iterations and the busy fraction\n"
	      "  help      the commands the control socket knows\n"
	      "\n"
	      "  -c, --control PATH  the control socket (default $VMUX_CONTROL, else "
	      CTL_DEFAULT_PATH ")\n"
	      "  -t, --timeout MS    bound on the wait for the answer (default 5000)\n"
	      "  -h, --help          this text\n",
	      f);
}

static const char *query_cmd;

static int cmd_query(int argc, char **argv)
{
	struct ctl_opts o;
	int i = ctl_parse(argv[0], argc, argv, &o, false, query_usage);
	json_object *req;

	if (i != argc)
		die_usage("%s: unexpected argument '%s'", argv[0], argv[i]);
	req = json_object_new_object();
	jstr(req, "cmd", query_cmd);
	return ctl_print(o.path, req, o.timeout_ms);
}

int cmd_ports(int argc, char **argv)
{
	query_cmd = "ports";
	return cmd_query(argc, argv);
}

int cmd_switch(int argc, char **argv)
{
	query_cmd = "switch";
	return cmd_query(argc, argv);
}

int cmd_macs(int argc, char **argv)
{
	query_cmd = "macs";
	return cmd_query(argc, argv);
}

int cmd_flows(int argc, char **argv)
{
	query_cmd = "flows";
	return cmd_query(argc, argv);
}

int cmd_workers(int argc, char **argv)
{
	query_cmd = "workers";
	return cmd_query(argc, argv);
}

int cmd_help(int argc, char **argv)
{
	query_cmd = "help";
	return cmd_query(argc, argv);
}
