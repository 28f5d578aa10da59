/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared pieces of the fuzz targets; see fuzz_common.h. */
#include "fuzz_common.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/log.h"

#define FD_TRACK_MAX 65536

void fz_fatal(const char *fmt, ...)
{
	va_list ap;
	fputs("fuzz harness: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

long fz_env_long(const char *name, long def)
{
	const char *s = getenv(name);
	if (!s || !*s)
		return def;
	return strtol(s, NULL, 0);
}

void fz_setup_logging(void)
{
	const char *s = getenv("VMUX_FUZZ_LOG");
	int lvl = s ? log_parse_level(s) : -1;
	log_set_level(lvl >= 0 ? (enum log_level)lvl : LOG_LVL_ERR);
}

/* ---- file descriptors ---------------------------------------------------- */

static uint8_t fd_given[FD_TRACK_MAX];
static int fd_hi = -1;
static long fd_base = -1;
static unsigned long iterations;

void fz_fd_track(int fd)
{
	if (fd < 0)
		return;
	if (fd >= FD_TRACK_MAX)
		fz_fatal("fd %d beyond the tracking table", fd);
	fd_given[fd] = 1;
	if (fd > fd_hi)
		fd_hi = fd;
}

void fz_fd_iter_begin(void)
{
	if (fd_hi >= 0)
		memset(fd_given, 0, (size_t)fd_hi + 1);
	fd_hi = -1;
}

/*
 * Open fds other than pipes: the sanitizers' symbolizer talks to its helper
 * process over pipes it opens at the first report or NEW_FUNC line. Pipes we
 * hand to the code under test are checked one by one (fz_fd_track).
 */
static long count_open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	long n = 0;
	if (!d)
		return -1;
	while ((e = readdir(d))) {
		char p[300], l[64];
		if (e->d_name[0] == '.' || atoi(e->d_name) == dirfd(d))
			continue;
		snprintf(p, sizeof(p), "/proc/self/fd/%s", e->d_name);
		ssize_t len = readlink(p, l, sizeof(l) - 1);
		l[len > 0 ? len : 0] = '\0';
		if (strncmp(l, "pipe:", 5) != 0)
			n++;
	}
	closedir(d);
	return n;
}

static void dump_open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	if (!d)
		return;
	while ((e = readdir(d))) {
		char p[300], l[512];
		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "/proc/self/fd/%s", e->d_name);
		ssize_t n = readlink(p, l, sizeof(l) - 1);
		l[n > 0 ? n : 0] = '\0';
		fprintf(stderr, "  fd %s -> %s\n", e->d_name, l);
	}
	closedir(d);
}

void fz_fd_baseline(void)
{
	fd_base = count_open_fds();
}

void fz_fd_must_be_open(int fd, const char *what)
{
	if (fcntl(fd, F_GETFD) < 0)
		fz_fatal("%s (fd %d) was closed by the code under test, which does not own it", what, fd);
}

void fz_fd_iter_end(const char *target, unsigned period)
{
	for (int fd = 0; fd <= fd_hi; fd++) {
		if (fd_given[fd] && fcntl(fd, F_GETFD) >= 0) {
			char p[64], l[256];
			snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
			ssize_t n = readlink(p, l, sizeof(l) - 1);
			l[n > 0 ? n : 0] = '\0';
			fz_fatal("%s: fd leak: fd %d (%s) handed to the code under test is still open "
			      "after its client was released", target, fd, l);
		}
	}
	static long env_period = -2;
	if (env_period == -2)
		env_period = fz_env_long("VMUX_FUZZ_FD_PERIOD", -1);
	if (env_period >= 0)
		period = (unsigned)env_period;
	iterations++;
	if (fd_base >= 0 && (iterations == 1 || (period && iterations % period == 0))) {
		long now = count_open_fds();
		if (now > fd_base) {
			fprintf(stderr, "fuzz harness: %s: %ld fds open, %ld at start (iteration %lu):\n",
				target, now, fd_base, iterations);
			dump_open_fds();
			fz_fatal("%s: file descriptors leak across iterations", target);
		}
	}
}

int fz_memfd_untracked(size_t bytes, const char *name)
{
	int fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -1;
	if (ftruncate(fd, (off_t)bytes) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int fz_memfd(size_t bytes, const char *name)
{
	int fd = fz_memfd_untracked(bytes, name);
	fz_fd_track(fd);
	return fd;
}

