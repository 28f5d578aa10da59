/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Helpers shared by the integration tests: temporary directories, fd
 * counting, and a raw vfio-user peer (the test side of a socket) for tests
 * that play the server by hand.
 */
#ifndef VMUX_TESTS_ITEST_H
#define VMUX_TESTS_ITEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "vfu/proto.h"

/* A fresh directory under $TMPDIR (or /tmp); path written to dir (>= 108 bytes). */
int it_mkdtemp(char *dir, size_t cap);
/* Removes the files directly inside dir, then dir. */
void it_rmtree(const char *dir);
/* Number of open fds of this process. */
int it_count_fds(void);
/* True if fd is open. */
bool it_fd_open(int fd);

/* Sleeps ms milliseconds; the monotonic clock in milliseconds. */
void it_nap_ms(long ms);
uint64_t it_now_ms(void);
/* Writes s to an existing file (a /proc knob); errors are printed, not fatal. */
void it_write_file(const char *path, const char *s);
/* True if a server accepts a connection on the UNIX socket at path. */
bool it_sock_up(const char *path);
/* Sets the link IFF_UP. 0 or -errno. */
int it_link_up(const char *ifname);

/*
 * A network namespace of our own for this process (root only), IPv6 off on
 * new links (no chatter on the test's taps). False, with a line on stderr
 * saying that who's tests that need it are skipped, if it cannot be had.
 */
bool it_own_netns(const char *who);
/*
 * The start of a test program that runs a real vmux: argv[1] is the vmux
 * binary (into *vmux; usage and false without it), SIGPIPE ignored, a
 * network namespace of its own (*own_netns, it_own_netns), logs at errors.
 */
bool it_vmux_main(int argc, char **argv, const char *who, const char **vmux, bool *own_netns);
/*
 * Starts the vmux binary bin with argv (argv[0] included, NULL-terminated),
 * its stderr into the file log, and waits up to 5 s until every socket of
 * socks[nsocks] accepts. The pid, or -1 if it did not come up (then it is
 * gone).
 */
pid_t it_vmux_start(const char *bin, const char *log, char *const *argv, char *const *socks,
		    unsigned nsocks);
/* SIGTERM and wait: the wait status. */
int it_vmux_stop(pid_t pid);
/*
 * 0 if the wait status st is a clean exit; else -1, with st and the vmux
 * log at log printed on stderr.
 */
int it_vmux_check(int st, const char *log);
/* Copies the file at path to stderr (nothing if it cannot be opened). */
void it_dump_file(const char *path);

/* A listening UNIX socket at path; returns the fd or -errno. */
int it_listen(const char *path);
/* Accepts one connection within timeout_ms; fd or -errno. */
int it_accept(int lfd, int timeout_ms);

/*
 * Receives one whole vfio-user message (header included) into buf within
 * timeout_ms. Returns its size, 0 on EOF, -ETIMEDOUT, or -errno. Received
 * fds go to fds (*nfds: capacity in, count out); extra ones are closed.
 */
ssize_t it_recv_msg(int fd, void *buf, size_t cap, int *fds, size_t *nfds, int timeout_ms);
/* Sends a header (size = 16 + len) and payload, fds with the first byte. 0 or -errno. */
int it_send_msg(int fd, uint16_t id, uint16_t cmd, uint32_t flags, uint32_t error,
		const void *payload, size_t len, const int *fds, size_t nfds);
/* Sends bytes as they are. 0 or -errno. */
int it_send_bytes(int fd, const void *buf, size_t len, const int *fds, size_t nfds);

#endif
