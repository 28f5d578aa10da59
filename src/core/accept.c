/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "core/accept.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

/* One reserve for the process: listeners on several threads share it. */
static pthread_mutex_t reserve_lock = PTHREAD_MUTEX_INITIALIZER;
static int reserve_fd = -1;

int accept_reserve_init(void)
{
	int r = 0;

	pthread_mutex_lock(&reserve_lock);
	if (reserve_fd < 0) {
		reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (reserve_fd < 0)
			r = -errno;
	}
	pthread_mutex_unlock(&reserve_lock);
	return r;
}

void accept_reserve_fini(void)
{
	pthread_mutex_lock(&reserve_lock);
	if (reserve_fd >= 0)
		close(reserve_fd);
	reserve_fd = -1;
	pthread_mutex_unlock(&reserve_lock);
}

int accept_or_shed(int lfd, int flags, bool *shed)
{
	int fd = accept4(lfd, NULL, NULL, flags);
	int err;

	*shed = false;
	if (fd >= 0 || (errno != EMFILE && errno != ENFILE))
		return fd;
	err = errno;
	pthread_mutex_lock(&reserve_lock);
	if (reserve_fd < 0) /* lost to another thread last time: try again */
		reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (reserve_fd >= 0) {
		close(reserve_fd);
		/* Another thread may take the slot first: then nothing is shed
		 * this time, and the listener is called again. */
		fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd >= 0) {
			close(fd);
			*shed = true;
		} else if (errno == EAGAIN || errno == EWOULDBLOCK) {
			/* Linux reports EMFILE before it looks for a connection:
			 * there was none, which is not a failure. */
			err = EAGAIN;
		}
		reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	}
	pthread_mutex_unlock(&reserve_lock);
	errno = err;
	return -1;
}
