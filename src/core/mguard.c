/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "core/mguard.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

/*
 * The registry: chunks of slots, linked from a head that only grows (a chunk
 * is never freed, so the handler can walk the list at any moment). A slot is
 * a seqlock: its sequence is odd while a writer changes it, and a reader that
 * sees the sequence change under it ignores what it read. Only the thread
 * that owns a mapping registers, replaces or removes it, and a SIGBUS is
 * synchronous, so the slot the handler looks for is never the one being
 * written; other slots may be, which is what the sequence guards against.
 */
#define CHUNK_SLOTS 64u
#define ALT_STACK_SIZE (64u * 1024u)

struct slot {
	atomic_uint seq;
	atomic_uintptr_t start;
	atomic_size_t len; /* 0: free */
	_Atomic(struct mguard_owner *) owner;
};

struct chunk {
	struct slot s[CHUNK_SLOTS];
	struct chunk *next; /* written before the chunk is published, never after */
};

static _Atomic(struct chunk *) chunks;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned nlive;
static atomic_ulong total_faults;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int init_err;
static struct sigaction old_act;
static pthread_key_t stack_key;

struct view {
	uintptr_t start;
	size_t len;
	struct mguard_owner *owner;
};

/* A consistent copy of s, or false while it is being written. */
static bool slot_read(struct slot *s, struct view *v)
{
	unsigned q1 = atomic_load_explicit(&s->seq, memory_order_acquire);

	if (q1 & 1)
		return false;
	v->start = atomic_load_explicit(&s->start, memory_order_relaxed);
	v->len = atomic_load_explicit(&s->len, memory_order_relaxed);
	v->owner = atomic_load_explicit(&s->owner, memory_order_relaxed);
	atomic_thread_fence(memory_order_acquire);
	return atomic_load_explicit(&s->seq, memory_order_relaxed) == q1 && v->len;
}

static void slot_write(struct slot *s, uintptr_t start, size_t len, struct mguard_owner *o)
{
	unsigned q = atomic_load_explicit(&s->seq, memory_order_relaxed);

	atomic_store_explicit(&s->seq, q + 1, memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
	atomic_store_explicit(&s->start, start, memory_order_relaxed);
	atomic_store_explicit(&s->len, len, memory_order_relaxed);
	atomic_store_explicit(&s->owner, o, memory_order_relaxed);
	atomic_store_explicit(&s->seq, q + 2, memory_order_release);
}

/* ---- the handler (async-signal-safe from here to on_sigbus) ------------- */

static struct mguard_owner *lookup(uintptr_t a)
{
	for (struct chunk *c = atomic_load_explicit(&chunks, memory_order_acquire); c; c = c->next)
		for (unsigned i = 0; i < CHUNK_SLOTS; i++) {
			struct view v;

			if (slot_read(&c->s[i], &v) && a - v.start < v.len)
				return v.owner;
		}
	return NULL;
}

/*
 * Anonymous zero pages in place of every mapping of o: the access that
 * faulted, and all later ones until the owner is dropped, touch memory that
 * cannot go away. The raw system call: no interposed mmap in a handler.
 */
static bool replace(struct mguard_owner *o)
{
	bool any = false;

	for (struct chunk *c = atomic_load_explicit(&chunks, memory_order_acquire); c; c = c->next)
		for (unsigned i = 0; i < CHUNK_SLOTS; i++) {
			struct view v;
			long r;

			if (!slot_read(&c->s[i], &v) || v.owner != o)
				continue;
			r = syscall(SYS_mmap, (void *)v.start, v.len, PROT_READ | PROT_WRITE,
				    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0L);
			if (r == -1)
				return false;
			any = true;
		}
	return any;
}

/* Not one of ours: what was installed before us decides. */
static void chain(int sig, siginfo_t *si, void *uc)
{
	struct sigaction dfl;

	if (old_act.sa_flags & SA_SIGINFO) {
		if (old_act.sa_sigaction) {
			old_act.sa_sigaction(sig, si, uc);
			return;
		}
	} else if (old_act.sa_handler == SIG_IGN && si && si->si_code <= 0) {
		return; /* a sent SIGBUS that was ignored before us */
	} else if (old_act.sa_handler != SIG_DFL && old_act.sa_handler != SIG_IGN) {
		old_act.sa_handler(sig);
		return;
	}
	/*
	 * The default action: back in place, a fault happens again when the
	 * access is retried and kills the process with a core; a signal that
	 * was sent is sent again (it stays pending until we return).
	 */
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigemptyset(&dfl.sa_mask);
	sigaction(SIGBUS, &dfl, NULL);
	if (!si || si->si_code <= 0)
		raise(SIGBUS);
}

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
	int saved = errno;

	/* si_code > 0: raised by the kernel for an access, not sent by someone. */
	if (si && si->si_code > 0) {
		uintptr_t a = (uintptr_t)si->si_addr;
		struct mguard_owner *o = lookup(a);

		if (o && replace(o)) {
			uintptr_t none = 0;
			uint64_t one = 1;

			atomic_compare_exchange_strong(&o->addr, &none, a);
			atomic_fetch_add(&o->nfaults, 1);
			atomic_fetch_add(&total_faults, 1);
			atomic_store_explicit(&o->faulted, 1, memory_order_release);
			if (o->notify_fd >= 0 && write(o->notify_fd, &one, sizeof(one)) < 0) {
				/* the owner checks the flag on its next pass anyway */
			}
			errno = saved;
			return;
		}
	}
	errno = saved;
	chain(sig, si, uc);
}

/* ---- setup ---------------------------------------------------------------- */

static void stack_free(void *p)
{
	stack_t ss = { .ss_flags = SS_DISABLE };

	sigaltstack(&ss, NULL);
	munmap(p, ALT_STACK_SIZE);
}

static void make_key(void)
{
	if (pthread_key_create(&stack_key, stack_free))
		init_err = -EAGAIN;
}

/*
 * Our handler goes (back) in place whenever it is not the one installed:
 * something that took SIGBUS after us (a test framework does, per test) is
 * chained to like what was there before. Called with the lock held.
 */
static int install_locked(void)
{
	struct sigaction sa, cur;

	if (sigaction(SIGBUS, NULL, &cur) < 0)
		return -errno;
	if ((cur.sa_flags & SA_SIGINFO) && cur.sa_sigaction == on_sigbus)
		return 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigbus;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	old_act = cur;
	if (sigaction(SIGBUS, &sa, NULL) < 0)
		return -errno;
	return 0;
}

int mguard_init(void)
{
	int r;

	pthread_once(&once, make_key);
	if (init_err)
		return init_err;
	pthread_mutex_lock(&lock);
	r = install_locked();
	pthread_mutex_unlock(&lock);
	return r;
}

/*
 * A thread that faults in guest memory runs the handler on a stack of its
 * own: the fault may come deep in a call chain. A thread that has one already
 * (a sanitizer's) keeps it. Freed when the thread exits.
 */
static void ensure_alt_stack(void)
{
	static __thread bool done;
	stack_t cur, ss;
	void *p;

	if (done)
		return;
	done = true;
	if (sigaltstack(NULL, &cur) == 0 && !(cur.ss_flags & SS_DISABLE))
		return;
	p = mmap(NULL, ALT_STACK_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return;
	memset(&ss, 0, sizeof(ss));
	ss.ss_sp = p;
	ss.ss_size = ALT_STACK_SIZE;
	if (sigaltstack(&ss, NULL) < 0 || pthread_setspecific(stack_key, p)) {
		ss.ss_flags = SS_DISABLE;
		sigaltstack(&ss, NULL);
		munmap(p, ALT_STACK_SIZE);
	}
}

int mguard_add(void *base, size_t len, struct mguard_owner *o)
{
	struct slot *free_slot = NULL;
	int r;

	if (!base || !len || !o)
		return -EINVAL;
	pthread_once(&once, make_key);
	if (init_err)
		return init_err;
	ensure_alt_stack();
	pthread_mutex_lock(&lock);
	r = install_locked();
	if (r) {
		pthread_mutex_unlock(&lock);
		return r;
	}
	for (struct chunk *c = atomic_load_explicit(&chunks, memory_order_relaxed); c && !free_slot;
	     c = c->next)
		for (unsigned i = 0; i < CHUNK_SLOTS && !free_slot; i++)
			if (!atomic_load_explicit(&c->s[i].len, memory_order_relaxed))
				free_slot = &c->s[i];
	if (!free_slot) {
		struct chunk *c = calloc(1, sizeof(*c));

		if (!c) {
			pthread_mutex_unlock(&lock);
			return -ENOMEM;
		}
		c->next = atomic_load_explicit(&chunks, memory_order_relaxed);
		atomic_store_explicit(&chunks, c, memory_order_release);
		free_slot = &c->s[0];
	}
	slot_write(free_slot, (uintptr_t)base, len, o);
	nlive++;
	pthread_mutex_unlock(&lock);
	return 0;
}

void mguard_del(void *base)
{
	pthread_mutex_lock(&lock);
	for (struct chunk *c = atomic_load_explicit(&chunks, memory_order_relaxed); c; c = c->next)
		for (unsigned i = 0; i < CHUNK_SLOTS; i++) {
			struct slot *s = &c->s[i];

			if (atomic_load_explicit(&s->len, memory_order_relaxed) &&
			    atomic_load_explicit(&s->start, memory_order_relaxed) == (uintptr_t)base) {
				slot_write(s, 0, 0, NULL);
				nlive--;
				pthread_mutex_unlock(&lock);
				return;
			}
		}
	pthread_mutex_unlock(&lock);
}

unsigned mguard_count(void)
{
	unsigned n;

	pthread_mutex_lock(&lock);
	n = nlive;
	pthread_mutex_unlock(&lock);
	return n;
}

uint64_t mguard_total_faults(void)
{
	return atomic_load(&total_faults);
}
