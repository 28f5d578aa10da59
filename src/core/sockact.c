/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "core/sockact.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static bool explicit_fd(const struct vmux_config *c, int fd)
{
	for (unsigned i = 0; i < c->ndev; i++)
		if (c->dev[i].fd == fd && !strncmp(c->dev[i].socket, CFG_FD_PREFIX, 3) &&
		    c->dev[i].socket[3] >= '0' && c->dev[i].socket[3] <= '9')
			return true;
	return false;
}

int sockact_match(struct vmux_config *c, const struct sockact_fd *fds, unsigned n, char *err,
		  size_t errlen)
{
	const size_t plen = strlen(CFG_FD_PREFIX);

	for (unsigned k = 0; k < n; k++) {
		const struct sockact_fd *f = &fds[k];
		int by_name = -1, by_path = -1;

		if (explicit_fd(c, f->fd))
			continue;
		for (unsigned i = 0; i < c->ndev; i++) {
			const char *s = c->dev[i].socket;

			if (cfg_socket_is_fd(s) && f->name && !strcmp(s + plen, f->name))
				by_name = (int)i;
			else if (!cfg_socket_is_fd(s) && f->path && f->path[0] && !strcmp(s, f->path))
				by_path = (int)i;
		}
		int i = by_name >= 0 ? by_name : by_path;
		if (i < 0) {
			snprintf(err, errlen, "passed socket fd %d (name \"%s\", address %s) matches no "
					      "device: give a device \"socket\": \"fd:%s\" or its path",
				 f->fd, f->name ? f->name : "", f->path && f->path[0] ? f->path : "none",
				 f->name ? f->name : "NAME");
			return -1;
		}
		if (c->dev[i].fd >= 0) {
			snprintf(err, errlen, "device %d (%s) matches two passed sockets (fds %d and %d)",
				 i, c->dev[i].socket, c->dev[i].fd, f->fd);
			return -1;
		}
		c->dev[i].fd = f->fd;
	}
	for (unsigned i = 0; i < c->ndev; i++) {
		if (cfg_socket_is_fd(c->dev[i].socket) && c->dev[i].fd < 0) {
			snprintf(err, errlen, "device %u: no socket named \"%s\" was passed (LISTEN_FDS=%u)",
				 i, c->dev[i].socket + plen, n);
			return -1;
		}
	}
	return 0;
}
