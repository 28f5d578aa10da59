/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The control socket: a UNIX stream socket speaking one JSON object per line.
 * Request: {"cmd":"NAME", ...}; reply: {"ok":true,"result":...} or
 * {"ok":false,"error":"..."}. Components register commands; handlers run on
 * the control thread (they reach workers with worker_call()).
 *
 * The socket is for the host administrator: it is created 0600.
 */
#ifndef VMUX_CORE_CTL_H
#define VMUX_CORE_CTL_H

#include <json-c/json.h>

struct loop;
struct ctl;

/*
 * Handler: fills *result (a new json object, owned by the caller afterwards)
 * and returns 0, or returns -errno with *error set to a static message.
 */
typedef int (*ctl_handler)(void *arg, struct json_object *req, struct json_object **result,
			   const char **error);

struct ctl *ctl_create(struct loop *l, const char *path, char *err, size_t errlen);
int ctl_register(struct ctl *c, const char *cmd, const char *help, ctl_handler fn, void *arg);
void ctl_destroy(struct ctl *c);

#endif
