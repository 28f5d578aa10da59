/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vmuxctl's own header, shared by its files only: the output helpers (out.c),
 * the control-socket client (ctl.c) and the commands main.c dispatches to.
 */
#ifndef VMUXCTL_VMUXCTL_H
#define VMUXCTL_VMUXCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <json-c/json.h>

#define EXIT_USAGE 2

#define CTL_DEFAULT_PATH "/run/vmux.ctl"

/* ---- out.c: messages, JSON and text output -------------------------------- */

/* "vmuxctl: " and the message on stderr, a hint at --help, exit status 2. */
void die_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* "vmuxctl: " and the message on stderr. */
void err_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "4K", "128K", "1M", or bytes. */
const char *human_size(uint64_t v, char *buf, size_t cap);

void jadd(json_object *o, const char *k, json_object *v);
void jint(json_object *o, const char *k, int64_t v);
void ju64(json_object *o, const char *k, uint64_t v);
void jbool(json_object *o, const char *k, bool v);
void jstr(json_object *o, const char *k, const char *v);

/*
 * Text for the human output, built alongside the JSON by the decoders so the
 * two never disagree.
 */
struct text {
	char *buf;
	size_t len, cap;
};

/* Appends to t (nothing if t is NULL: JSON output only). */
void tprintf(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- ctl.c: the control-socket client ------------------------------------- */

struct ctl_opts {
	const char *path;
	int timeout_ms;
	uint64_t count, snaplen, size;
	bool has_count, has_snaplen, has_size;
};

/*
 * Options of the control commands; capture options only where with_capture.
 * Returns the index of the first operand.
 */
int ctl_parse(const char *cmd, int argc, char **argv, struct ctl_opts *o, bool with_capture,
	      void (*help)(FILE *));
/*
 * Sends req (not consumed); 0 with *result (the caller's), or 1 with the
 * problem printed (a command vmux refused: not printed if ctl_quiet_refusals).
 */
int ctl_call(const char *path, json_object *req, int timeout_ms, json_object **result);
extern bool ctl_quiet_refusals;
/* Sends req (consumed) and prints the result as JSON: 0, or 1 with the problem printed. */
int ctl_print(const char *path, json_object *req, int timeout_ms);

/* ---- the commands --------------------------------------------------------- */

int cmd_probe(int argc, char **argv);   /* probe.c */
int cmd_ports(int argc, char **argv);   /* ctl.c */
int cmd_switch(int argc, char **argv);
int cmd_macs(int argc, char **argv);
int cmd_flows(int argc, char **argv);
int cmd_workers(int argc, char **argv);
int cmd_help(int argc, char **argv);
int cmd_capture(int argc, char **argv); /* capture.c */
int cmd_metrics(int argc, char **argv); /* metrics.c */

#endif
