/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Guarded mappings: file-backed memory that another process owns and may
 * shrink or punch holes in at any moment (a VMM's guest RAM file on tmpfs or
 * hugetlbfs). Touching a page that is gone raises SIGBUS, which would take the
 * whole process, and every VM it serves, down.
 *
 * A mapping registered here is recovered instead: the process-wide SIGBUS
 * handler (SA_SIGINFO, on a per-thread alternate stack) finds the mapping the
 * faulting address lies in, replaces every mapping of that owner with
 * anonymous zero pages (mmap MAP_FIXED), marks the owner faulted, writes its
 * notify eventfd and returns, so the access that faulted finishes (reading
 * zeros). The owner's thread then sees mguard_faulted() and drops whoever
 * owned the memory. A SIGBUS anywhere else goes to the action installed
 * before (the default: the process dies with a core).
 *
 * Nothing is added to an access: the cost is a registry write per mapping and
 * unmapping. The registry is read without locks from the handler (per-slot
 * sequence counters); writers take a mutex.
 */
#ifndef VMUX_CORE_MGUARD_H
#define VMUX_CORE_MGUARD_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mguard_owner {
	atomic_uint faulted;     /* set by the handler */
	atomic_uintptr_t addr;   /* the first faulting address */
	atomic_uint nfaults;     /* faults recovered for this owner */
	int notify_fd;           /* an eventfd written on a fault; -1: none */
};

static inline void mguard_owner_init(struct mguard_owner *o, int notify_fd)
{
	atomic_init(&o->faulted, 0);
	atomic_init(&o->addr, 0);
	atomic_init(&o->nfaults, 0);
	o->notify_fd = notify_fd;
}

static inline bool mguard_faulted(const struct mguard_owner *o)
{
	return atomic_load_explicit(&o->faulted, memory_order_acquire) != 0;
}

/*
 * Installs the SIGBUS handler, or installs it again if something replaced it
 * (what did is then chained to, as what came before). mguard_add does this
 * too. 0 or -errno.
 */
int mguard_init(void);
/*
 * Registers [base, base+len) (page aligned, as mmap returned it) for owner o;
 * installs the handler and the calling thread's alternate signal stack if not
 * done yet. 0, or -errno (-ENOMEM).
 */
int mguard_add(void *base, size_t len, struct mguard_owner *o);
/* Unregisters the mapping at base. Call before munmap. */
void mguard_del(void *base);
/* Mappings registered now (tests). */
unsigned mguard_count(void);
/* Faults recovered since start, all owners. */
uint64_t mguard_total_faults(void);

#endif
