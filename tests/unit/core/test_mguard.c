/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests: guarded mappings (core/mguard). A registered mapping whose file
 * shrinks under it faults once, comes back as zero pages, and tells its owner;
 * other owners' mappings stay as they are; a fault anywhere else, and a
 * SIGBUS sent by someone, still kill the process.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/mguard.h"

#define LEN (64u * 1024u)

struct gmap {
	int fd;
	volatile uint8_t *p; /* volatile: every access really happens */
};

/* An unsealed memfd of LEN bytes filled with v, mapped shared. */
static void gmap_open(struct gmap *g, uint8_t v)
{
	g->fd = memfd_create("test-mguard", MFD_CLOEXEC);
	assert_true(g->fd >= 0);
	assert_int_equal(ftruncate(g->fd, LEN), 0);
	void *p = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_SHARED, g->fd, 0);
	assert_true(p != MAP_FAILED);
	memset(p, v, LEN);
	g->p = p;
}

static void gmap_close(struct gmap *g)
{
	mguard_del((void *)g->p);
	munmap((void *)g->p, LEN);
	close(g->fd);
}

static uint64_t efd_read(int fd)
{
	uint64_t v = 0;

	if (read(fd, &v, sizeof(v)) != sizeof(v))
		return 0;
	return v;
}

/* The file truncated to 0: reads give zeros, writes land, the owner hears of it once. */
static void fault_and_recover(void)
{
	struct mguard_owner o;
	struct gmap g;
	int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	unsigned before = mguard_count();

	assert_true(efd >= 0);
	mguard_owner_init(&o, efd);
	gmap_open(&g, 0xab);
	assert_int_equal(mguard_add((void *)g.p, LEN, &o), 0);
	assert_int_equal(mguard_count(), before + 1);
	assert_int_equal(g.p[100], 0xab);
	assert_false(mguard_faulted(&o));

	assert_int_equal(ftruncate(g.fd, 0), 0);
	assert_int_equal(g.p[5000], 0); /* faults: recovered as a zero page */
	assert_true(mguard_faulted(&o));
	assert_int_equal(atomic_load(&o.addr), (uintptr_t)&g.p[5000]);
	assert_int_equal(efd_read(efd), 1);
	g.p[LEN - 1] = 7; /* the whole mapping was replaced: no second fault */
	assert_int_equal(g.p[LEN - 1], 7);
	assert_int_equal(atomic_load(&o.nfaults), 1);

	gmap_close(&g);
	assert_int_equal(mguard_count(), before);
	close(efd);
}

static void test_recover(void **state)
{
	uint64_t total = mguard_total_faults();
	(void)state;
	fault_and_recover();
	assert_int_equal(mguard_total_faults(), total + 1);
}

static void *thread_fn(void *arg)
{
	(void)arg;
	fault_and_recover();
	return NULL;
}

/* On a thread of its own (it gets its own alternate stack). */
static void test_recover_on_thread(void **state)
{
	pthread_t th;
	(void)state;
	assert_int_equal(pthread_create(&th, NULL, thread_fn, NULL), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
}

/* A hole punched in a hugetlb memfd with no huge page left to fill it: the same. */
static void test_recover_hugetlb_hole(void **state)
{
	struct mguard_owner o;
	const size_t hp = 2u << 20;
	volatile uint8_t *p;
	char line[128];
	long free_pages = -1;
	FILE *f = fopen("/proc/meminfo", "r");
	(void)state;

	while (f && fgets(line, sizeof(line), f))
		sscanf(line, "HugePages_Free: %ld", &free_pages);
	if (f)
		fclose(f);
	int fd = memfd_create("test-mguard-huge", MFD_CLOEXEC | MFD_HUGETLB);
	if (fd < 0 || free_pages != 0) {
		print_message("hugetlb memfd: %s, %ld free huge pages: skipped\n",
			      fd < 0 ? strerror(errno) : "ok", free_pages);
		if (fd >= 0)
			close(fd);
		skip(); /* no hugetlb, or free huge pages would fill the hole */
	}
	assert_int_equal(ftruncate(fd, (off_t)hp), 0);
	p = mmap(NULL, hp, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, fd, 0);
	assert_true(p != MAP_FAILED);
	mguard_owner_init(&o, -1);
	assert_int_equal(mguard_add((void *)p, hp, &o), 0);
	assert_int_equal(p[10], 0); /* no page to allocate: SIGBUS, recovered */
	if (!mguard_faulted(&o)) {
		/* someone (another test) reserved huge pages meanwhile: no fault to see */
		f = fopen("/proc/meminfo", "r");
		free_pages = -1;
		while (f && fgets(line, sizeof(line), f))
			sscanf(line, "HugePages_Total: %ld", &free_pages);
		if (f)
			fclose(f);
		assert_true(free_pages > 0);
	}
	mguard_del((void *)p);
	munmap((void *)p, hp);
	close(fd);
}

/* Only the owner whose memory faulted loses its mappings. */
static void test_other_owner_untouched(void **state)
{
	struct mguard_owner a, b;
	struct gmap ga, ga2, gb;
	(void)state;

	mguard_owner_init(&a, -1);
	mguard_owner_init(&b, -1);
	gmap_open(&ga, 1);
	gmap_open(&ga2, 2);
	gmap_open(&gb, 3);
	assert_int_equal(mguard_add((void *)ga.p, LEN, &a), 0);
	assert_int_equal(mguard_add((void *)ga2.p, LEN, &a), 0);
	assert_int_equal(mguard_add((void *)gb.p, LEN, &b), 0);

	assert_int_equal(ftruncate(ga.fd, 0), 0);
	assert_int_equal(ga.p[0], 0);
	assert_true(mguard_faulted(&a));
	assert_false(mguard_faulted(&b));
	/* a's other mapping is anonymous now too: its file no longer sees writes */
	ga2.p[0] = 9;
	uint8_t v = 0;
	assert_int_equal(pread(ga2.fd, &v, 1, 0), 1);
	assert_int_equal(v, 2);
	/* b's mapping is still its file */
	gb.p[0] = 4;
	assert_int_equal(pread(gb.fd, &v, 1, 0), 1);
	assert_int_equal(v, 4);

	gmap_close(&ga);
	gmap_close(&ga2);
	gmap_close(&gb);
}

/* Runs fn in a child; returns its wait status. */
static int in_child(void (*fn)(void))
{
	int st = 0;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		/* as in vmux: nothing of the test framework's in the way */
		signal(SIGBUS, SIG_DFL);
		fn();
		_exit(0); /* survived */
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return st;
}

static void unregistered_fault(void)
{
	struct gmap g;
	struct mguard_owner o;
	struct gmap other;

	mguard_owner_init(&o, -1);
	gmap_open(&other, 1);
	if (mguard_add((void *)other.p, LEN, &o))
		_exit(3);
	gmap_open(&g, 1);
	if (ftruncate(g.fd, 0))
		_exit(3);
	(void)g.p[0];
}

static void sent_sigbus(void)
{
	if (mguard_init())
		_exit(3);
	kill(getpid(), SIGBUS);
}

/* A fault outside every guarded mapping, or a sent SIGBUS: the process dies. */
static void test_others_still_fatal(void **state)
{
	int st;
	(void)state;

	st = in_child(unregistered_fault);
	assert_false(WIFEXITED(st) && (WEXITSTATUS(st) == 0 || WEXITSTATUS(st) == 3));
	st = in_child(sent_sigbus);
	assert_false(WIFEXITED(st) && (WEXITSTATUS(st) == 0 || WEXITSTATUS(st) == 3));
}

static void test_bad_args(void **state)
{
	struct mguard_owner o;
	int x;
	(void)state;

	mguard_owner_init(&o, -1);
	assert_int_equal(mguard_add(NULL, LEN, &o), -EINVAL);
	assert_int_equal(mguard_add(&x, 0, &o), -EINVAL);
	assert_int_equal(mguard_add(&x, LEN, NULL), -EINVAL);
	mguard_del(&x); /* not registered: nothing happens */
}

/* Registering and removing many mappings reuses slots. */
static void test_many(void **state)
{
	enum { N = 300 };
	struct mguard_owner o;
	static uint8_t buf[N][64];
	unsigned before = mguard_count();
	(void)state;

	mguard_owner_init(&o, -1);
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < N; i++)
			assert_int_equal(mguard_add(buf[i], sizeof(buf[i]), &o), 0);
		assert_int_equal(mguard_count(), before + N);
		for (int i = 0; i < N; i++)
			mguard_del(buf[i]);
		assert_int_equal(mguard_count(), before);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_recover),
		cmocka_unit_test(test_recover_on_thread),
		cmocka_unit_test(test_recover_hugetlb_hole),
		cmocka_unit_test(test_other_owner_untouched),
		cmocka_unit_test(test_others_still_fatal),
		cmocka_unit_test(test_bad_args),
		cmocka_unit_test(test_many),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
