/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vmux as a service: the sockets a service manager passes (socket
 * activation), readiness and state through sd_notify(3), and SIGHUP (the
 * unit's ExecReload) read from a signalfd on the main loop. Nothing here
 * daemonizes: vmux stays in the foreground with its stdio, as systemd and
 * the vfio-user backend conventions expect.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "core/log.h"
#include "core/sockact.h"
#include "vmux/app.h"

static int sig_fd = -1;
static struct loop_fd *sig_lfd;

int svc_listen_fds(struct vmux_config *cfg)
{
	struct sockact_fd fds[CFG_MAX_DEVICES];
	char paths[CFG_MAX_DEVICES][CFG_PATH_MAX];
	char **names = NULL;
	char err[512];
	int n = sd_listen_fds_with_names(1, &names);
	int rc = 0;

	if (n < 0) {
		fprintf(stderr, "vmux: LISTEN_FDS: %s\n", strerror(-n));
		return -1;
	}
	if (n > CFG_MAX_DEVICES) {
		fprintf(stderr, "vmux: LISTEN_FDS=%d: more sockets than devices can be (%d)\n", n,
			CFG_MAX_DEVICES);
		rc = -1;
		goto out;
	}
	for (int i = 0; i < n; i++) {
		struct sockaddr_un sa;
		socklen_t len = sizeof(sa);

		fds[i].fd = SD_LISTEN_FDS_START + i;
		fds[i].name = names && names[i] ? names[i] : "unknown";
		paths[i][0] = '\0';
		memset(&sa, 0, sizeof(sa));
		if (getsockname(fds[i].fd, (struct sockaddr *)&sa, &len) == 0 &&
		    sa.sun_family == AF_UNIX && len > offsetof(struct sockaddr_un, sun_path) &&
		    sa.sun_path[0])
			snprintf(paths[i], sizeof(paths[i]), "%.*s", (int)sizeof(sa.sun_path),
				 sa.sun_path);
		fds[i].path = paths[i];
	}
	if (sockact_match(cfg, fds, (unsigned)n, err, sizeof(err)) < 0) {
		fprintf(stderr, "vmux: socket activation: %s\n", err);
		rc = -1;
		goto out;
	}
	for (int i = 0; i < n; i++)
		LOG_INFO(COMP, "passed socket fd %d (%s%s%s)", fds[i].fd, fds[i].name,
			 fds[i].path[0] ? ", " : "", fds[i].path);
out:
	if (names) {
		for (int i = 0; names[i]; i++)
			free(names[i]);
		free(names);
	}
	return rc;
}

void svc_notify(const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	int r = sd_notify(0, buf);
	if (r < 0)
		LOG_RL(LOG_LVL_WARN, COMP, "sd_notify: %s", strerror(-r));
}

static void on_sighup(void *arg, uint32_t events)
{
	struct signalfd_siginfo si;

	(void)arg;
	(void)events;
	while (read(sig_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo != SIGHUP)
			continue;
		LOG_INFO(COMP, "SIGHUP: reloading the configuration");
		vmux_reload();
	}
}

int svc_reload_on_sighup(void)
{
	sigset_t s;

	sigemptyset(&s);
	sigaddset(&s, SIGHUP);
	sig_fd = signalfd(-1, &s, SFD_NONBLOCK | SFD_CLOEXEC);
	if (sig_fd < 0)
		return -1;
	sig_lfd = loop_add_fd(app.main_loop, sig_fd, EPOLLIN, on_sighup, NULL);
	return sig_lfd ? 0 : -1;
}

void svc_fini(void)
{
	if (sig_lfd)
		loop_del_fd(app.main_loop, sig_lfd);
	sig_lfd = NULL;
	if (sig_fd >= 0)
		close(sig_fd);
	sig_fd = -1;
}
