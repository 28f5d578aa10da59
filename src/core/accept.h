/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Accepting connections when the process may be out of file descriptors.
 *
 * A listener whose accept() fails with EMFILE or ENFILE keeps its connection
 * pending, so a level-triggered epoll reports it again at once and the loop
 * spins for as long as the descriptors stay short. accept_or_shed() then takes
 * the connection with a descriptor kept in reserve for the purpose and closes
 * it: the peer sees the connection closed, the listener goes quiet, and the
 * caller counts and logs the refusal.
 */
#ifndef VMUX_CORE_ACCEPT_H
#define VMUX_CORE_ACCEPT_H

#include <stdbool.h>

/* Opens the reserve descriptor (once per process); 0, or -errno. */
int accept_reserve_init(void);
/* Closes it (at exit, and in tests). */
void accept_reserve_fini(void);

/*
 * accept4(lfd, NULL, NULL, flags). On EMFILE/ENFILE, sheds one pending
 * connection if the reserve allows it and sets *shed; returns -1 with errno
 * as accept4 left it in every failure, except EAGAIN when the reserve found
 * no connection pending (Linux says EMFILE before it looks).
 */
int accept_or_shed(int lfd, int flags, bool *shed);

#endif
