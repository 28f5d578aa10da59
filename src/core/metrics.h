/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vmux's counters as OpenMetrics text (the exposition format Prometheus
 * scrapes): built from the JSON the control socket answers (ports, switch,
 * workers, service), so that `vmuxctl metrics` and vmux's own --metrics
 * endpoint print the same. Families are grouped, counters end in _total,
 * labels are port, queue, reason and worker, and the text ends in "# EOF".
 */
#ifndef VMUX_CORE_METRICS_H
#define VMUX_CORE_METRICS_H

#include <json-c/json.h>
#include <stdio.h>

#define METRICS_CONTENT_TYPE "application/openmetrics-text; version=1.0.0; charset=utf-8"

/*
 * Writes the exposition of what the control socket's "ports" (an array),
 * "switch" (an object, or NULL without a switch), "workers" (an array) and
 * "service" (an object, or NULL) commands answered. Members it does not know
 * are skipped, never fatal. 0, or -1 if out of memory or out failed.
 */
int metrics_write(FILE *out, struct json_object *ports, struct json_object *sw,
		  struct json_object *workers, struct json_object *service);

/* A metric name part from any key: [a-zA-Z0-9_] kept, anything else '_' (out: cap bytes). */
void metrics_sanitize(const char *key, char *out, size_t cap);

#endif
