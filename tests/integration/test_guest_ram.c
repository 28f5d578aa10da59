/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Guest RAM as users run it, against a real vmux (the binary, in a network
 * namespace of its own: root only, else skipped) with three e1000s on its
 * switch: A, the VM under test, B and C, two neighbours that keep sending to
 * each other meanwhile.
 *
 * A's RAM is an unsealed memfd, a /dev/shm file or a hugetlb memfd, as
 * memory-backend-file and memory-backend-memfd,hugetlb=on make it. A VMM that
 * truncates it, or punches a hole in it that cannot be filled, while the
 * device walks rings in it costs vmux a SIGBUS: vmux must survive it, drop
 * that client with a log line, keep B and C forwarding all the while, and
 * serve the next client on A's socket. A hole punched in tmpfs is filled
 * with zeros by the kernel on access: A gets garbage, nobody else notices.
 * A disk file is refused, and so is more guest RAM than --max-guest-ram.
 *
 * The test never touches A's memory itself after it shrank: that would be a
 * SIGBUS in the test.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <linux/falloc.h>
#include <linux/if_packet.h>
#include <linux/magic.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "client/e1kg.h"
#include "core/log.h"
#include "itest.h"

#define RING 256u
#define TXCMD ((E1K_TXD_CMD_EOP | E1K_TXD_CMD_IFCS | E1K_TXD_CMD_RS) >> 24)
#define ETYPE 0x88b5
#define MAX_RAM "16M" /* two E1KG_MEM maps per client */

static const char *vmux;
static bool in_own_netns;
static char dir[200], log_path[300], sock[3][300];
static pid_t vmux_pid = -1;

static const uint8_t MAC[3][6] = {
	{ 0x02, 0x00, 0x00, 0x00, 0x0a, 0x00 },
	{ 0x02, 0x00, 0x00, 0x00, 0x0a, 0x01 },
	{ 0x02, 0x00, 0x00, 0x00, 0x0a, 0x02 },
};

static bool vmux_alive(void)
{
	int st;

	return vmux_pid > 0 && waitpid(vmux_pid, &st, WNOHANG) == 0;
}

/* vmux's log so far (malloc'ed, NUL-terminated). */
static char *read_log(void)
{
	FILE *f = fopen(log_path, "r");
	char *buf = calloc(1, 1 << 20);
	size_t n;

	assert_non_null(buf);
	if (f) {
		n = fread(buf, 1, (1 << 20) - 1, f);
		buf[n] = 0;
		fclose(f);
	}
	return buf;
}

static size_t log_len(void)
{
	struct stat st;

	return stat(log_path, &st) == 0 ? (size_t)st.st_size : 0;
}

/* Waits up to 5 s for needle in the log past offset from. */
static void expect_log(size_t from, const char *needle)
{
	for (int i = 0; i < 500; i++) {
		char *l = read_log();
		bool found = strlen(l) > from && strstr(l + from, needle);

		if (found || i == 499) {
			if (!found)
				fail_msg("'%s' not in vmux's log:\n%s", needle, l + from);
			free(l);
			return;
		}
		free(l);
		it_nap_ms(10);
	}
}

static int group_setup(void **state)
{
	(void)state;
	if (!in_own_netns)
		return 0;
	if (it_mkdtemp(dir, sizeof(dir)))
		return -1;
	snprintf(log_path, sizeof(log_path), "%s/vmux.log", dir);
	for (int i = 0; i < 3; i++)
		snprintf(sock[i], sizeof(sock[i]), "%s/vm%d.sock", dir, i);
	{
		char *argv[] = { (char *)vmux, "--uplink", "tap:vgr0", "-b", "02:00:00:00:0a:00",
				 "--max-guest-ram", MAX_RAM, "-v", "-s", sock[0], "-s", sock[1],
				 "-s", sock[2], NULL };
		char *socks[] = { sock[0], sock[1], sock[2] };

		vmux_pid = it_vmux_start(vmux, log_path, argv, socks, 3);
	}
	return vmux_pid > 0 ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	if (vmux_pid > 0 && it_vmux_check(it_vmux_stop(vmux_pid), log_path))
		return -1;
	if (dir[0])
		it_rmtree(dir);
	return 0;
}

/* ---- guests ---------------------------------------------------------------------- */

struct vm {
	struct e1kg g;
	int idx;
	uint64_t addr; /* a frame to send, in TX buffer memory */
	uint32_t len;
};

/* Attaches to device idx with guest RAM from memfd (-1: a sealed memfd of its own). */
static int vm_open(struct vm *v, int idx, int memfd, int dst)
{
	uint8_t f[64];
	int r;

	/*
	 * The socket may still be busy with the client before (or setup's
	 * probe): vmux turns a second client away until it has let go of it.
	 */
	for (int i = 0;; i++) {
		r = e1kg_open_mem(&v->g, sock[idx], memfd >= 0 ? dup(memfd) : -1);
		if ((r != -ECONNRESET && r != -EPIPE) || i == 100)
			break;
		e1kg_close(&v->g);
		it_nap_ms(10);
	}
	if (memfd >= 0)
		close(memfd);
	v->idx = idx;
	if (r)
		return r;
	e1kg_reset(&v->g);
	e1kg_tx_setup(&v->g, RING);
	e1kg_rx_setup(&v->g, RING, 2048, E1K_RCTL_BAM);
	v->len = e1kg_eth(f, MAC[dst], MAC[idx], ETYPE, 46, (uint8_t)idx);
	v->addr = e1kg_txbuf(&v->g, f, v->len);
	return 0;
}

/* Queues up to n copies of the frame where the ring has room and kicks; how many. */
static unsigned vm_send(struct vm *v, unsigned n)
{
	uint32_t head = e1kg_rd(&v->g, E1K_TDH);
	uint32_t room, k;

	if (head >= RING)
		return 0;
	room = (head + RING - v->g.tx_tail - 1) % RING;
	k = n < room ? n : room;
	for (uint32_t i = 0; i < k; i++)
		e1kg_tx_legacy(&v->g, v->addr, (uint16_t)v->len, TXCMD, 0, 0, 0);
	if (k)
		e1kg_tx_kick(&v->g);
	return k;
}

/* Frames from device `from` taken off the RX ring. */
static unsigned vm_recv(struct vm *v, int from)
{
	static __thread uint8_t buf[4096];
	unsigned n = 0;
	uint32_t len;

	while ((len = e1kg_rx_take(&v->g, buf, sizeof(buf), NULL)))
		if (len >= 14 && !memcmp(buf + 6, MAC[from], 6))
			n++;
	return n;
}

/* The server closed the connection within 5 s (A's registers read as errors). */
static bool vm_dropped(struct vm *v)
{
	return vfuc_server_closed(v->g.c, 5000);
}

/* ---- the neighbours: B sends to C without pause ------------------------------------ */

struct neighbours {
	struct vm b, c;
	pthread_t th;
	atomic_bool stop;
	atomic_uint received;
	uint64_t max_gap_ms;
};

static void *neighbours_run(void *arg)
{
	struct neighbours *nb = arg;
	uint64_t last = it_now_ms();

	while (!atomic_load(&nb->stop)) {
		unsigned got;

		vm_send(&nb->b, 16);
		it_nap_ms(1);
		got = vm_recv(&nb->c, 1);
		if (got) {
			uint64_t t = it_now_ms();

			if (t - last > nb->max_gap_ms)
				nb->max_gap_ms = t - last;
			last = t;
			atomic_fetch_add(&nb->received, got);
		}
	}
	return NULL;
}

static void neighbours_start(struct neighbours *nb)
{
	memset(nb, 0, sizeof(*nb));
	assert_int_equal(vm_open(&nb->b, 1, -1, 2), 0);
	assert_int_equal(vm_open(&nb->c, 2, -1, 1), 0);
	assert_int_equal(pthread_create(&nb->th, NULL, neighbours_run, nb), 0);
	/* they get through before anything happens to A */
	for (int i = 0; i < 500 && atomic_load(&nb->received) < 100; i++)
		it_nap_ms(10);
	assert_true(atomic_load(&nb->received) >= 100);
}

/* Stops them; they must still have been forwarding after A's trouble. */
static void neighbours_stop(struct neighbours *nb, unsigned before)
{
	for (int i = 0; i < 500 && atomic_load(&nb->received) < before + 100; i++)
		it_nap_ms(10);
	atomic_store(&nb->stop, true);
	pthread_join(nb->th, NULL);
	if (atomic_load(&nb->received) < before + 100)
		fail_msg("B->C stalled: %u frames before A's fault, %u after", before,
			 atomic_load(&nb->received));
	if (nb->max_gap_ms > 2000)
		fail_msg("B->C stalled for %llu ms", (unsigned long long)nb->max_gap_ms);
	e1kg_close(&nb->b.g);
	e1kg_close(&nb->c.g);
}

/* After A's client went away, the next one on its socket is served: A -> B. */
static void next_client_served(void)
{
	struct vm a, b;
	unsigned got = 0;

	assert_int_equal(vm_open(&b, 1, -1, 0), 0);
	assert_int_equal(vm_open(&a, 0, -1, 1), 0);
	assert_int_equal(vm_send(&a, 8), 8);
	for (int i = 0; i < 500 && got < 8; i++) {
		got += vm_recv(&b, 0);
		it_nap_ms(2);
	}
	assert_int_equal(got, 8);
	e1kg_close(&a.g);
	e1kg_close(&b.g);
}

static int unsealed_memfd(void)
{
	int fd = memfd_create("test-guest-ram-unsealed", MFD_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, E1KG_MEM), 0);
	return fd;
}

/* A file on /dev/shm, as memory-backend-file,mem-path=/dev/shm/... makes it. */
static int shm_file(void)
{
	char path[] = "/dev/shm/vmux-test-guest-ram-XXXXXX";
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(ftruncate(fd, E1KG_MEM), 0);
	return fd;
}

/*
 * A was dropped for its memory (the log says so, from offset from on), vmux
 * lives, B and C forwarded all along, and the next client on A's socket is
 * served.
 */
static void dropped_alone(struct vm *a, struct neighbours *nb, size_t from, unsigned before)
{
	expect_log(from, "dev0: dropping client: its guest memory at 0x");
	assert_true(vmux_alive());
	neighbours_stop(nb, before);
	e1kg_close(&a->g);
	next_client_served();
}

/* ---- the tests ---------------------------------------------------------------------- */

/*
 * An unsealed memfd truncated to 0 under a TX ring the device is about to
 * walk: the descriptors are written, the file shrinks, then the doorbell.
 */
static void test_truncate_memfd_tx(void **state)
{
	struct neighbours nb;
	struct vm a;
	size_t from;
	unsigned before;
	(void)state;

	if (!in_own_netns)
		skip();
	neighbours_start(&nb);
	from = log_len();
	assert_int_equal(vm_open(&a, 0, unsealed_memfd(), 1), 0);
	/* A works as it is: its frames reach B's port (nobody reads them). */
	assert_int_equal(vm_send(&a, 8), 8);
	for (int i = 0; i < 500 && e1kg_rd(&a.g, E1K_TDH) != a.g.tx_tail; i++)
		it_nap_ms(2);
	assert_int_equal(e1kg_rd(&a.g, E1K_TDH), a.g.tx_tail);
	for (int i = 0; i < 64; i++)
		e1kg_tx_legacy(&a.g, a.addr, (uint16_t)a.len, TXCMD, 0, 0, 0);
	before = atomic_load(&nb.received);
	assert_int_equal(ftruncate(a.g.mem.fd, 0), 0);
	e1kg_tx_kick(&a.g); /* a REGION_WRITE: no access to A's memory here */

	assert_true(vm_dropped(&a));
	dropped_alone(&a, &nb, from, before);
	assert_true(vmux_alive());
}

/* n frames to dst from a host on the uplink's tap (its other end, in our namespace). */
static void inject(const uint8_t dst[6], unsigned n)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL) };
	uint8_t f[64];
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	assert_int_equal(it_link_up("vgr0"), 0);
	sll.sll_ifindex = (int)if_nametoindex("vgr0");
	assert_int_equal(bind(fd, (struct sockaddr *)&sll, sizeof(sll)), 0);
	uint32_t len = e1kg_eth(f, dst, (const uint8_t *)"\x02\x00\x00\x00\x0b\x01", ETYPE, 46, 9);
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(send(fd, f, len, 0), (ssize_t)len);
	close(fd);
}

/* A /dev/shm file truncated while the device delivers frames into A's RX ring. */
static void test_truncate_shm_rx(void **state)
{
	struct neighbours nb;
	struct vm a;
	size_t from;
	unsigned before, got = 0;
	(void)state;

	if (!in_own_netns)
		skip();
	neighbours_start(&nb);
	from = log_len();
	assert_int_equal(vm_open(&a, 0, shm_file(), 1), 0);
	/* A receives as it is */
	inject(MAC[0], 4);
	for (int i = 0; i < 500 && got < 4; i++) {
		static const uint8_t host[6] = { 0x02, 0x00, 0x00, 0x00, 0x0b, 0x01 };
		uint8_t buf[2048];
		uint32_t len;

		while ((len = e1kg_rx_take(&a.g, buf, sizeof(buf), NULL)))
			got += len >= 14 && !memcmp(buf + 6, host, 6);
		it_nap_ms(2);
	}
	assert_int_equal(got, 4);
	before = atomic_load(&nb.received);
	assert_int_equal(ftruncate(a.g.mem.fd, 0), 0);
	inject(MAC[0], 16); /* the device writes them into memory that is gone */

	assert_true(vm_dropped(&a));
	dropped_alone(&a, &nb, from, before);
}

/*
 * A hole punched in tmpfs memory reads as zeros and is filled on access (the
 * pages are charged to vmux): the device sees A's rings emptied, A's frames
 * are lost, nothing faults and A stays attached. Once A writes its rings
 * again, it works again.
 */
static void test_hole_punch_tmpfs(void **state)
{
	struct vm a, b;
	size_t from;
	unsigned got = 0;
	(void)state;

	if (!in_own_netns)
		skip();
	from = log_len();
	assert_int_equal(vm_open(&b, 1, -1, 0), 0);
	assert_int_equal(vm_open(&a, 0, unsealed_memfd(), 1), 0);
	/* the rings and the buffers: all of A's memory */
	assert_int_equal(fallocate(a.g.mem.fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0,
				   E1KG_MEM), 0);
	vm_send(&b, 16);
	e1kg_wr(&a.g, E1K_TDT, 10);
	it_nap_ms(50);
	assert_true(vmux_alive());
	assert_false(vfuc_server_closed(a.g.c, 0));
	/* A sets itself up again and is served */
	e1kg_reset(&a.g);
	e1kg_tx_setup(&a.g, RING);
	e1kg_rx_setup(&a.g, RING, 2048, E1K_RCTL_BAM);
	uint8_t f[64];
	a.len = e1kg_eth(f, MAC[1], MAC[0], ETYPE, 46, 0);
	a.addr = e1kg_txbuf(&a.g, f, a.len);
	vm_recv(&b, 0);
	assert_int_equal(vm_send(&a, 8), 8);
	for (int i = 0; i < 500 && got < 8; i++) {
		got += vm_recv(&b, 0);
		it_nap_ms(2);
	}
	assert_int_equal(got, 8);
	char *l = read_log();
	assert_null(strstr(l + from, "dropping client: its guest memory"));
	free(l);
	e1kg_close(&a.g);
	e1kg_close(&b.g);
}

static long meminfo(const char *key)
{
	char line[128], k[64];
	long v = -1, x;
	FILE *f = fopen("/proc/meminfo", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%63[^:]: %ld", k, &x) == 2 && !strcmp(k, key))
			v = x;
	if (f)
		fclose(f);
	return v;
}

static void set_nr_hugepages(long n)
{
	char s[32];

	snprintf(s, sizeof(s), "%ld", n);
	it_write_file("/proc/sys/vm/nr_hugepages", s);
}

/*
 * A hugetlb memfd (memory-backend-memfd,hugetlb=on) with a hole punched in
 * its first page and no huge page left to fill it: the device's next access
 * is a SIGBUS, recovered; A is dropped, the neighbours never notice.
 */
static void test_hole_punch_hugetlb(void **state)
{
	const long pages = E1KG_MEM / (2u << 20);
	struct neighbours nb;
	struct vm a;
	long total = meminfo("HugePages_Total"), freep;
	size_t from;
	unsigned before;
	int fd;
	(void)state;

	if (!in_own_netns || total < 0 || meminfo("Hugepagesize") != 2048)
		skip();
	set_nr_hugepages(total + pages);
	if (meminfo("HugePages_Free") < pages) {
		set_nr_hugepages(total);
		print_message("cannot reserve %ld huge pages of 2 MiB: skipped\n", pages);
		skip();
	}
	fd = memfd_create("test-guest-ram-huge", MFD_CLOEXEC | MFD_HUGETLB);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, E1KG_MEM), 0);
	neighbours_start(&nb);
	from = log_len();
	assert_int_equal(vm_open(&a, 0, fd, 1), 0);
	assert_int_equal(vm_send(&a, 4), 4);
	for (int i = 0; i < 500 && e1kg_rd(&a.g, E1K_TDH) != a.g.tx_tail; i++)
		it_nap_ms(2);
	for (int i = 0; i < 32; i++)
		e1kg_tx_legacy(&a.g, a.addr, (uint16_t)a.len, TXCMD, 0, 0, 0);
	/* The page with the rings goes back to the pool, and the pool gives up its free pages. */
	assert_int_equal(fallocate(a.g.mem.fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0,
				   2u << 20), 0);
	freep = meminfo("HugePages_Free");
	set_nr_hugepages(meminfo("HugePages_Total") - freep);
	before = atomic_load(&nb.received);
	e1kg_tx_kick(&a.g);

	bool dropped = vm_dropped(&a);
	set_nr_hugepages(total);
	assert_true(dropped);
	dropped_alone(&a, &nb, from, before);
}

/* Guest RAM on a disk file system: refused, with the backends to use instead. */
static void test_disk_file_refused(void **state)
{
	char path[] = "vmux-test-guest-ram-XXXXXX"; /* the build folder: a disk */
	struct statfs sfs;
	struct vm a;
	size_t from;
	int fd;
	(void)state;

	if (!in_own_netns)
		skip();
	fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(ftruncate(fd, E1KG_MEM), 0);
	assert_int_equal(fstatfs(fd, &sfs), 0);
	if (sfs.f_type == TMPFS_MAGIC || sfs.f_type == HUGETLBFS_MAGIC) {
		close(fd);
		skip();
	}
	from = log_len();
	assert_int_equal(e1kg_open_mem(&a.g, sock[0], fd), -EPERM);
	expect_log(from, "guest RAM must be on tmpfs or hugetlbfs");
	e1kg_close(&a.g);
	next_client_served();
}

/* --max-guest-ram: one client maps at most that much, all its maps together. */
static void test_max_guest_ram(void **state)
{
	struct vfuc_mem m2, m3;
	struct vm a;
	size_t from;
	(void)state;

	if (!in_own_netns)
		skip();
	from = log_len();
	assert_int_equal(vm_open(&a, 0, -1, 1), 0); /* 8 MiB */
	assert_int_equal(vfuc_mem_create(a.g.c, 0x40000000, E1KG_MEM, &m2), 0); /* 16 MiB */
	assert_int_equal(vfuc_mem_create(a.g.c, 0x50000000, 4096, &m3), -ENOSPC);
	expect_log(from, "--max-guest-ram");
	vfuc_mem_destroy(a.g.c, &m2);
	assert_int_equal(vfuc_mem_create(a.g.c, 0x50000000, 4096, &m3), 0);
	vfuc_mem_destroy(a.g.c, &m3);
	e1kg_close(&a.g);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_truncate_memfd_tx),
		cmocka_unit_test(test_truncate_shm_rx),
		cmocka_unit_test(test_hole_punch_tmpfs),
		cmocka_unit_test(test_hole_punch_hugetlb),
		cmocka_unit_test(test_disk_file_refused),
		cmocka_unit_test(test_max_guest_ram),
	};

	if (!it_vmux_main(argc, argv, "test_guest_ram", &vmux, &in_own_netns))
		return 2;
	return cmocka_run_group_tests_name("guest_ram", tests, group_setup, group_teardown);
}
