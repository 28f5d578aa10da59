/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Socket activation: the listening sockets a service manager passes
 * (systemd's LISTEN_FDS, LISTEN_FDNAMES) matched to the configuration's
 * devices. Pure: the caller collects the fds, their names and bound paths.
 */
#ifndef VMUX_CORE_SOCKACT_H
#define VMUX_CORE_SOCKACT_H

#include <stddef.h>

#include "core/config.h"

struct sockact_fd {
	int fd;
	const char *name; /* LISTEN_FDNAMES entry ("unknown" when none was given) */
	const char *path; /* the address it is bound to (getsockname), "" if none */
};

/*
 * Gives each passed socket to the device it belongs to (sets its fd):
 *  - a device with --fd N takes fd N (that fd is then not matched otherwise);
 *  - a device whose socket is "fd:NAME" takes the passed socket named NAME;
 *  - a device whose socket path is the passed socket's address takes it.
 * -1 with err filled if a passed socket matches no device or two, two
 * sockets match one device, or an "fd:NAME" device gets none (also when
 * nothing was passed at all). 0 otherwise.
 */
int sockact_match(struct vmux_config *c, const struct sockact_fd *fds, unsigned n, char *err,
		  size_t errlen);

#endif
