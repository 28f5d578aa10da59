/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "itest.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"

int it_mkdtemp(char *dir, size_t cap)
{
	const char *base = getenv("TMPDIR");

	if (!base || !*base)
		base = "/tmp";
	if (snprintf(dir, cap, "%s/vmux-it.XXXXXX", base) >= (int)cap)
		return -ENAMETOOLONG;
	return mkdtemp(dir) ? 0 : -errno;
}

void it_rmtree(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char p[512];

	if (!d)
		return;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (snprintf(p, sizeof(p), "%s/%s", dir, de->d_name) < (int)sizeof(p))
			unlink(p);
	}
	closedir(d);
	rmdir(dir);
}

int it_count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1; /* the directory's own fd */
}

bool it_fd_open(int fd)
{
	return fd >= 0 && fcntl(fd, F_GETFD) >= 0;
}

void it_nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

uint64_t it_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void it_write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd >= 0) {
		if (write(fd, s, strlen(s)) < 0)
			perror(path);
		close(fd);
	}
}

bool it_sock_up(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool ok;

	if (fd < 0)
		return false;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	ok = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return ok;
}

int it_link_up(const char *ifname)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), r = 0;

	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) {
		r = -errno;
	} else {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
			r = -errno;
	}
	close(fd);
	return r;
}

bool it_own_netns(const char *who)
{
	if (unshare(CLONE_NEWNET) < 0) {
		fprintf(stderr, "%s: no network namespace of our own (%s): its tests are skipped\n",
			who, strerror(errno));
		return false;
	}
	it_write_file("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1");
	it_write_file("/proc/sys/net/ipv6/conf/all/disable_ipv6", "1");
	return true;
}

pid_t it_vmux_start(const char *bin, const char *log, char *const *argv, char *const *socks,
		    unsigned nsocks)
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

		if (fd >= 0)
			dup2(fd, 2);
		execv(bin, argv);
		_exit(127);
	}
	for (int i = 0; i < 500; i++) {
		unsigned up = 0;

		while (up < nsocks && it_sock_up(socks[up]))
			up++;
		if (up == nsocks)
			break;
		if (waitpid(pid, &st, WNOHANG) == pid)
			return -1;
		usleep(10000);
	}
	if (waitpid(pid, &st, WNOHANG) != 0) {
		return -1;
	}
	return pid;
}

int it_vmux_stop(pid_t pid)
{
	int st = 0;

	kill(pid, SIGTERM);
	waitpid(pid, &st, 0);
	return st;
}

int it_vmux_check(int st, const char *log)
{
	if (WIFEXITED(st) && !WEXITSTATUS(st))
		return 0;
	fprintf(stderr, "vmux ended with status %#x; its log:\n", st);
	it_dump_file(log);
	return -1;
}

void it_dump_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char buf[4096];
	size_t n;

	if (!f)
		return;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, stderr);
	fclose(f);
}

int it_listen(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 4) < 0) {
		int err = errno;

		close(fd);
		return -err;
	}
	return fd;
}

int it_accept(int lfd, int timeout_ms)
{
	struct pollfd p = { .fd = lfd, .events = POLLIN };
	int fd;

	if (poll(&p, 1, timeout_ms) <= 0)
		return -ETIMEDOUT;
	fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Reads exactly len bytes; collects fds. 1 done, 0 EOF, -errno. */
static int read_full(int fd, uint8_t *p, size_t len, int *fds, size_t cap, size_t *nfds,
		     uint64_t deadline)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * 64)];
		struct cmsghdr align;
	} ctl;

	while (len) {
		struct iovec iov = { .iov_base = p, .iov_len = len };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
				     .msg_controllen = sizeof(ctl.buf) };
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		uint64_t now = mono_ms();
		ssize_t n;

		if (now >= deadline || poll(&pfd, 1, (int)(deadline - now)) == 0)
			return -ETIMEDOUT;
		n = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return errno == ECONNRESET ? 0 : -errno;
		}
		for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
			size_t k;

			if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
				continue;
			k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			for (size_t i = 0; i < k; i++) {
				int f;

				memcpy(&f, CMSG_DATA(cm) + i * sizeof(int), sizeof(f));
				if (fds && *nfds < cap)
					fds[(*nfds)++] = f;
				else
					close(f);
			}
		}
		if (n == 0)
			return 0;
		p += n;
		len -= (size_t)n;
	}
	return 1;
}

ssize_t it_recv_msg(int fd, void *buf, size_t cap, int *fds, size_t *nfds, int timeout_ms)
{
	uint64_t deadline = mono_ms() + (uint64_t)timeout_ms;
	size_t fcap = nfds ? *nfds : 0;
	struct vfu_hdr h;
	uint8_t *body;
	size_t got = 0;
	int r;

	if (nfds)
		*nfds = 0;
	r = read_full(fd, (uint8_t *)&h, sizeof(h), fds, fcap, nfds ? nfds : &got, deadline);
	if (r <= 0)
		return r;
	if (h.size < sizeof(h) || h.size > (64u << 20))
		return -EPROTO;
	body = malloc(h.size);
	if (!body)
		return -ENOMEM;
	memcpy(body, &h, sizeof(h));
	r = read_full(fd, body + sizeof(h), h.size - sizeof(h), fds, fcap, nfds ? nfds : &got,
		      deadline);
	if (r > 0)
		memcpy(buf, body, h.size < cap ? h.size : cap);
	free(body);
	if (r <= 0)
		return r;
	return h.size;
}

int it_send_bytes(int fd, const void *buf, size_t len, const int *fds, size_t nfds)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * 253)];
		struct cmsghdr align;
	} ctl;
	const uint8_t *p = buf;
	bool first = true;

	if (nfds > 253)
		return -EINVAL;
	while (len) {
		struct iovec iov = { .iov_base = (void *)p, .iov_len = len };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
		ssize_t n;

		if (first && nfds) {
			struct cmsghdr *cm;

			memset(&ctl, 0, sizeof(ctl));
			mh.msg_control = ctl.buf;
			mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
			cm = CMSG_FIRSTHDR(&mh);
			cm->cmsg_level = SOL_SOCKET;
			cm->cmsg_type = SCM_RIGHTS;
			cm->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
			memcpy(CMSG_DATA(cm), fds, sizeof(int) * nfds);
		}
		n = sendmsg(fd, &mh, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		first = false;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int it_send_msg(int fd, uint16_t id, uint16_t cmd, uint32_t flags, uint32_t error,
		const void *payload, size_t len, const int *fds, size_t nfds)
{
	struct vfu_hdr h = { .id = id, .cmd = cmd, .size = (uint32_t)(sizeof(h) + len),
			     .flags = flags, .error = error };
	uint8_t *m = malloc(sizeof(h) + len);
	int r;

	if (!m)
		return -ENOMEM;
	memcpy(m, &h, sizeof(h));
	if (len)
		memcpy(m + sizeof(h), payload, len);
	r = it_send_bytes(fd, m, sizeof(h) + len, fds, nfds);
	free(m);
	return r;
}

bool it_vmux_main(int argc, char **argv, const char *who, const char **vmux, bool *own_netns)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s PATH-TO-VMUX\n", argv[0]);
		return false;
	}
	*vmux = argv[1];
	signal(SIGPIPE, SIG_IGN);
	*own_netns = it_own_netns(who);
	log_set_level(LOG_LVL_ERR);
	return true;
}
