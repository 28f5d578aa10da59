/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `vmuxctl probe` against the fixture device, and its errors; the control
 * commands (ports, switch, macs, workers, capture) against a real vmux in a
 * network namespace of its own (root only, else skipped). The paths of the
 * vmuxctl and vmux binaries are the arguments (meson passes them).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "client/vfuc.h"
#include "core/log.h"
#include "fixture.h"
#include "itest.h"

static const char *vmuxctl;
static const char *vmux;

struct run {
	int status; /* exit code, or 128 + signal */
	char out[65536];
	char err[8192];
};

static ssize_t read_into(int fd, char *buf, size_t cap, size_t *len)
{
	ssize_t n = read(fd, buf + *len, cap - 1 - *len);

	if (n > 0)
		*len += (size_t)n;
	buf[*len] = 0;
	return n;
}

/* Runs bin with args (NULL-terminated), bounded to 10 s. */
static void run_bin(struct run *r, const char *bin, const char *const *args)
{
	int po[2], pe[2], fds[2];
	size_t lens[2] = { 0, 0 };
	pid_t pid;
	int st, waited = 0;
	char *argv[16];
	size_t n = 0;

	memset(r, 0, sizeof(*r));
	argv[n++] = (char *)bin;
	while (args[n - 1] && n < 15) {
		argv[n] = (char *)args[n - 1];
		n++;
	}
	argv[n] = NULL;
	assert_int_equal(pipe2(po, O_CLOEXEC), 0);
	assert_int_equal(pipe2(pe, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(po[1], 1);
		dup2(pe[1], 2);
		execv(bin, argv);
		_exit(127);
	}
	close(po[1]);
	close(pe[1]);
	fds[0] = po[0];
	fds[1] = pe[0];
	while ((fds[0] >= 0 || fds[1] >= 0) && waited < 10000) {
		struct pollfd p[2] = { { .fd = fds[0], .events = POLLIN },
				       { .fd = fds[1], .events = POLLIN } };

		if (poll(p, 2, 100) <= 0) {
			waited += 100;
			continue;
		}
		for (int i = 0; i < 2; i++) {
			char *buf = i ? r->err : r->out;
			size_t cap = i ? sizeof(r->err) : sizeof(r->out);

			if (p[i].revents && read_into(fds[i], buf, cap, &lens[i]) <= 0) {
				close(fds[i]);
				fds[i] = -1;
			}
		}
	}
	for (int i = 0; i < 2; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	for (int i = 0; waitpid(pid, &st, WNOHANG) == 0; i++) {
		if (i == 100) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			fail_msg("%s did not finish within 10 s", bin);
		}
		usleep(10000);
	}
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void run_ctl(struct run *r, const char *const *args)
{
	run_bin(r, vmuxctl, args);
}

#define RUN(r, ...) run_ctl(r, (const char *const[]){ __VA_ARGS__, NULL })
#define RUN_VMUX(r, ...) run_bin(r, vmux, (const char *const[]){ __VA_ARGS__, NULL })

static void expect_in(const char *hay, const char *needle)
{
	if (!strstr(hay, needle))
		fail_msg("'%s' not in output:\n%s", needle, hay);
}

/* ---- usage and errors ------------------------------------------------------------- */

static void test_usage(void **state)
{
	struct run *r = malloc(sizeof(*r));

	RUN(r, "--help");
	assert_int_equal(r->status, 0);
	expect_in(r->out, "probe");
	RUN(r, "probe", "--help");
	assert_int_equal(r->status, 0);
	expect_in(r->out, "--json");
	RUN(r, "-V");
	assert_int_equal(r->status, 0);
	expect_in(r->out, "vmuxctl ");
	RUN(r, "--bogus");
	assert_int_equal(r->status, 2);
	RUN(r, "frobnicate");
	assert_int_equal(r->status, 2);
	expect_in(r->err, "unknown command");
	RUN(r, "probe");
	assert_int_equal(r->status, 2);
	RUN(r, "probe", "-t", "x", "/tmp/x");
	assert_int_equal(r->status, 2);
	run_ctl(r, (const char *const[]){ NULL });
	assert_int_equal(r->status, 2);
	free(r);
}

static void test_missing_socket(void **state)
{
	struct run *r = malloc(sizeof(*r));
	char dir[200], path[300];

	assert_int_equal(it_mkdtemp(dir, sizeof(dir)), 0);
	snprintf(path, sizeof(path), "%s/nothing.sock", dir);
	RUN(r, "probe", path);
	assert_int_equal(r->status, 1);
	expect_in(r->err, "no such socket");
	/* a file that is not a socket */
	snprintf(path, sizeof(path), "%s/file", dir);
	fclose(fopen(path, "w"));
	RUN(r, "probe", path);
	assert_int_equal(r->status, 1);
	expect_in(r->err, path);
	it_rmtree(dir);
	free(r);
}

struct fake {
	int lfd;
	const char *say; /* NULL: accept and stay silent until the peer goes */
};

static void *fake_main(void *arg)
{
	struct fake *f = arg;
	int fd = it_accept(f->lfd, 5000);
	char buf[512];

	if (fd < 0)
		return NULL;
	if (f->say) {
		if (write(fd, f->say, strlen(f->say)) < 0)
			perror("fake server");
	} else {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		while (poll(&p, 1, 5000) > 0 && read(fd, buf, sizeof(buf)) > 0)
			;
	}
	close(fd);
	return NULL;
}

static void not_vfio_user(const char *say, const char *expect)
{
	struct run *r = malloc(sizeof(*r));
	char dir[200], path[300];
	struct fake f = { .say = say };
	pthread_t th;

	assert_int_equal(it_mkdtemp(dir, sizeof(dir)), 0);
	snprintf(path, sizeof(path), "%s/s", dir);
	f.lfd = it_listen(path);
	assert_true(f.lfd >= 0);
	assert_int_equal(pthread_create(&th, NULL, fake_main, &f), 0);
	RUN(r, "probe", "-t", "300", path);
	pthread_join(th, NULL);
	close(f.lfd);
	it_rmtree(dir);
	assert_int_equal(r->status, 1);
	expect_in(r->err, expect);
	assert_int_equal(r->out[0], 0);
	free(r);
}

static void test_not_vfio_user(void **state)
{
	not_vfio_user("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n", "vmuxctl: ");
	not_vfio_user(NULL, "no answer to VERSION");
	not_vfio_user("", "closed the connection");
}

/*
 * A hostile server for vmuxctl: region capability chains that loop and claim
 * too many areas, absurd IRQ counts, config space whose capability lists loop.
 */
static void hostile_cfg(uint8_t *cfg)
{
	memset(cfg, 0, 4096);
	memset(cfg + 0x10, 0xff, 24);   /* every BAR all ones */
	cfg[0] = 0x34;
	cfg[1] = 0x12;
	cfg[6] = 0x10;                  /* capability list */
	cfg[0x34] = 0x40;
	cfg[0x40] = 0x05;               /* MSI, next: itself */
	cfg[0x41] = 0x40;
	cfg[0x100] = 0x03;              /* DSN, next: itself */
	cfg[0x102] = 0x01;
	cfg[0x103] = 0x10;
}

static void *hostile_main(void *arg)
{
	struct fake *f = arg;
	int fd = it_accept(f->lfd, 5000);
	static uint8_t cfg[4096];
	uint8_t buf[8192], rep[8192];

	if (fd < 0)
		return NULL;
	hostile_cfg(cfg);
	for (;;) {
		ssize_t n = it_recv_msg(fd, buf, sizeof(buf), NULL, NULL, 5000);
		struct vfu_hdr h;
		size_t len = 0;

		if (n < 16)
			break;
		memcpy(&h, buf, sizeof(h));
		switch (h.cmd) {
		case VFU_CMD_VERSION: {
			const char j[] = "{\"capabilities\":{\"max_msg_fds\":1}}";

			memset(rep, 0, 4);
			memcpy(rep + 4, j, sizeof(j));
			len = 4 + sizeof(j);
			break;
		}
		case VFU_CMD_DEVICE_GET_INFO: {
			struct vfu_device_info di = { 16, 3, 9, 5 };

			memcpy(rep, &di, sizeof(di));
			len = sizeof(di);
			break;
		}
		case VFU_CMD_DEVICE_GET_REGION_INFO: {
			struct vfu_region_info in, ri = { .argsz = 32 };
			struct vfu_cap_sparse_mmap sp = { .hdr = { 1, 1, 32 }, .nr_areas = 100000 };

			memcpy(&in, buf + 16, sizeof(in));
			ri.index = in.index;
			if (in.index == 7) {
				ri.size = 4096;
				ri.flags = 3;
			} else if (in.index == 1) {
				ri.size = 8192;
				ri.flags = 3 | VFU_REGION_F_MMAP | VFU_REGION_F_CAPS;
				ri.argsz = 32 + sizeof(sp) + 32;
				ri.cap_offset = 32;
			}
			memset(rep, 0, sizeof(rep));
			memcpy(rep, &ri, sizeof(ri));
			len = sizeof(ri);
			if (in.argsz >= ri.argsz && ri.argsz > 32) {
				memcpy(rep + 32, &sp, sizeof(sp));
				len = ri.argsz;
			}
			break;
		}
		case VFU_CMD_DEVICE_GET_IRQ_INFO: {
			struct vfu_irq_info ii = { 16, 0xffffffff, 0, 0xffffffff };

			memcpy(&ii.index, buf + 24, 4);
			memcpy(rep, &ii, sizeof(ii));
			len = sizeof(ii);
			break;
		}
		case VFU_CMD_REGION_READ: {
			struct vfu_region_rw rw;

			memcpy(&rw, buf + 16, sizeof(rw));
			if (rw.region != 7 || rw.offset > 4096 || rw.count > 4096 - rw.offset) {
				h.flags = VFU_F_TYPE_REPLY | VFU_F_ERROR;
				h.error = EINVAL;
				break;
			}
			memcpy(rep, &rw, sizeof(rw));
			memcpy(rep + 16, cfg + rw.offset, rw.count);
			len = 16 + rw.count;
			break;
		}
		case VFU_CMD_REGION_WRITE:
			memcpy(rep, buf + 16, 16);
			len = 16;
			break;
		default:
			h.flags = VFU_F_TYPE_REPLY | VFU_F_ERROR;
			h.error = ENOSYS;
			break;
		}
		if (!(h.flags & VFU_F_ERROR))
			h.flags = VFU_F_TYPE_REPLY;
		if (it_send_msg(fd, h.id, h.cmd, h.flags, h.error, rep, len, NULL, 0) < 0)
			break;
	}
	close(fd);
	return NULL;
}

static void test_probe_hostile_server(void **state)
{
	struct run *r = malloc(sizeof(*r));
	char dir[200], path[300];
	struct fake f = { 0 };
	pthread_t th;

	assert_int_equal(it_mkdtemp(dir, sizeof(dir)), 0);
	snprintf(path, sizeof(path), "%s/s", dir);
	f.lfd = it_listen(path);
	assert_true(f.lfd >= 0);
	assert_int_equal(pthread_create(&th, NULL, hostile_main, &f), 0);
	RUN(r, "probe", "-x", path);
	pthread_join(th, NULL);
	close(f.lfd);
	it_rmtree(dir);
	if (r->status != 0)
		fail_msg("exit %d: %s", r->status, r->err);
	expect_in(r->out, "[malformed capabilities]");
	expect_in(r->out, "<chain broken>");
	expect_in(r->out, "count 4294967295");
	free(r);
}

/* ---- probing the fixture ------------------------------------------------------------ */

struct ctx {
	struct fx *fx;
	int fds;
};

static int setup(void **state)
{
	struct fx_opts o = { .cfg_size = 4096 };
	struct ctx *t = calloc(1, sizeof(*t));

	t->fds = it_count_fds();
	t->fx = fx_start(&o);
	*state = t;
	return t->fx ? 0 : -1;
}

static int teardown(void **state)
{
	struct ctx *t = *state;

	fx_stop(t->fx);
	if (it_count_fds() != t->fds)
		return -1;
	free(t);
	return 0;
}

static json_object *jget(json_object *o, const char *path)
{
	char key[64];
	const char *p = path;

	while (o && *p) {
		size_t n = strcspn(p, ".");

		snprintf(key, sizeof(key), "%.*s", (int)n, p);
		if (json_object_is_type(o, json_type_array))
			o = json_object_array_get_idx(o, (size_t)atoi(key));
		else if (!json_object_object_get_ex(o, key, &o))
			return NULL;
		p += n + (p[n] == '.');
	}
	return o;
}

static int64_t jint(json_object *root, const char *path)
{
	json_object *o = jget(root, path);

	if (!o)
		fail_msg("no %s in the JSON", path);
	return json_object_get_int64(o);
}

static bool jbool(json_object *root, const char *path)
{
	json_object *o = jget(root, path);

	if (!o || !json_object_is_type(o, json_type_boolean))
		fail_msg("no boolean %s in the JSON", path);
	return json_object_get_boolean(o);
}

static const char *jstr(json_object *root, const char *path)
{
	json_object *o = jget(root, path);

	if (!o || !json_object_is_type(o, json_type_string))
		fail_msg("no string %s in the JSON", path);
	return json_object_get_string(o);
}

static void test_probe_json(void **state)
{
	struct fx_dev *d = &((struct ctx *)*state)->fx->dev[0];
	struct run *r = malloc(sizeof(*r));
	json_object *j;
	struct vfuc *c;

	RUN(r, "probe", "--json", "-x", d->path);
	if (r->status != 0)
		fail_msg("exit %d: %s", r->status, r->err);
	j = json_tokener_parse(r->out);
	assert_non_null(j);

	assert_string_equal(jstr(j, "socket"), d->path);
	assert_int_equal(jint(j, "version.major"), 0);
	assert_true(jint(j, "version.max_msg_fds") >= 1);
	assert_true(jint(j, "version.max_data_xfer_size") >= 4096);
	assert_true(jbool(j, "device.pci"));
	assert_true(jbool(j, "device.reset"));
	assert_int_equal(jint(j, "device.num_regions"), 9);
	assert_int_equal(jint(j, "device.num_irqs"), 5);

	assert_int_equal(json_object_array_length(jget(j, "regions")), 9);
	assert_int_equal(jint(j, "regions.0.size"), 4096);
	assert_false(jbool(j, "regions.0.mmap"));
	assert_int_equal(jint(j, "regions.1.size"), FX_REGION1_SIZE);
	assert_true(jbool(j, "regions.1.mmap"));
	assert_true(jbool(j, "regions.1.mmap_fd"));
	assert_int_equal(jint(j, "regions.1.sparse.0.offset"), 4096);
	assert_int_equal(jint(j, "regions.1.sparse.0.size"), 4096);
	assert_int_equal(jint(j, "regions.2.size"), 0);
	assert_int_equal(jint(j, "regions.7.size"), 4096);
	assert_string_equal(jstr(j, "regions.7.name"), "CONFIG");

	assert_int_equal(json_object_array_length(jget(j, "irqs")), 5);
	assert_int_equal(jint(j, "irqs.0.count"), 1);
	assert_true(jbool(j, "irqs.0.maskable"));
	assert_true(jbool(j, "irqs.0.automasked"));
	assert_int_equal(jint(j, "irqs.2.count"), 8);
	assert_string_equal(jstr(j, "irqs.2.name"), "MSI-X");

	assert_int_equal(jint(j, "config.size"), 4096);
	assert_int_equal(jint(j, "config.vendor_id"), FX_VENDOR);
	assert_int_equal(jint(j, "config.device_id"), FX_DEVICE);
	assert_int_equal(jint(j, "config.class"), 0x020000);
	assert_string_equal(jstr(j, "config.class_name"), "Ethernet controller");
	assert_int_equal(jint(j, "config.revision"), 1);
	assert_int_equal(jint(j, "config.header_type"), 0);
	assert_int_equal(jint(j, "config.subsystem_vendor_id"), 0x1af4);
	assert_int_equal(jint(j, "config.interrupt_pin"), 1);
	assert_true(jbool(j, "config.bars_sized"));
	assert_int_equal(json_object_array_length(jget(j, "config.bars")), 3);
	assert_int_equal(jint(j, "config.bars.0.index"), 0);
	assert_string_equal(jstr(j, "config.bars.0.type"), "memory");
	assert_false(jbool(j, "config.bars.0.64bit"));
	assert_false(jbool(j, "config.bars.0.prefetchable"));
	assert_int_equal(jint(j, "config.bars.0.size"), 4096);
	assert_int_equal(jint(j, "config.bars.1.index"), 1);
	assert_true(jbool(j, "config.bars.1.64bit"));
	assert_true(jbool(j, "config.bars.1.prefetchable"));
	assert_int_equal(jint(j, "config.bars.1.size"), FX_REGION1_SIZE);
	assert_int_equal(jint(j, "config.bars.2.index"), 4);
	assert_string_equal(jstr(j, "config.bars.2.type"), "io");
	assert_int_equal(jint(j, "config.bars.2.size"), 32);
	assert_int_equal(jint(j, "config.rom.size"), 2048);
	assert_int_equal(jint(j, "regions.6.size"), 2048);
	assert_true(jbool(j, "regions.6.read"));
	assert_false(jbool(j, "regions.6.write"));

	assert_int_equal(json_object_array_length(jget(j, "config.capabilities")), 4);
	assert_int_equal(jint(j, "config.capabilities.0.offset"), 0x40);
	assert_string_equal(jstr(j, "config.capabilities.0.name"), "Power Management");
	assert_int_equal(jint(j, "config.capabilities.0.version"), 3);
	assert_string_equal(jstr(j, "config.capabilities.1.name"), "MSI");
	assert_true(jbool(j, "config.capabilities.1.64bit"));
	assert_true(jbool(j, "config.capabilities.1.maskable"));
	assert_string_equal(jstr(j, "config.capabilities.2.name"), "MSI-X");
	assert_int_equal(jint(j, "config.capabilities.2.table_size"), 8);
	assert_int_equal(jint(j, "config.capabilities.2.table_bir"), 0);
	assert_int_equal(jint(j, "config.capabilities.2.table_offset"), 0x400);
	assert_int_equal(jint(j, "config.capabilities.2.pba_offset"), 0x600);
	assert_string_equal(jstr(j, "config.capabilities.3.name"), "Express");
	assert_int_equal(jint(j, "config.capabilities.3.version"), 2);
	assert_string_equal(jstr(j, "config.capabilities.3.type_name"), "Endpoint");
	assert_int_equal(jint(j, "config.capabilities.3.link.width"), 1);
	assert_string_equal(jstr(j, "config.capabilities.3.link.speed"), "2.5GT/s");
	assert_int_equal(json_object_array_length(jget(j, "config.ext_capabilities")), 1);
	assert_string_equal(jstr(j, "config.ext_capabilities.0.name"), "Device Serial Number");
	assert_string_equal(jstr(j, "config.ext_capabilities.0.serial"),
			    "12-34-56-78-00-c0-ff-ee");
	assert_int_equal(strlen(jstr(j, "config.raw")), 2 * 4096);
	assert_memory_equal(jstr(j, "config.raw"), "3412e811", 8);
	json_object_put(j);

	/* sizing left the BARs and the command register as they were */
	for (int i = 0; i < 200; i++) {
		c = vfuc_connect(d->path, 2000);
		if (c && vfuc_negotiate(c, NULL) == 0)
			break;
		vfuc_close(c);
		c = NULL;
		usleep(10000);
	}
	assert_non_null(c);
	assert_int_equal(vfuc_cfg_read32(c, 0x10), 0);
	assert_int_equal(vfuc_cfg_read32(c, 0x14), 0xc);
	assert_int_equal(vfuc_cfg_read32(c, 0x18), 0);
	assert_int_equal(vfuc_cfg_read32(c, 0x20), 1);
	assert_int_equal(vfuc_cfg_read32(c, 0x30), 0);
	assert_int_equal(vfuc_cfg_read16(c, 0x04), 0);
	vfuc_close(c);
	free(r);
}

static void test_probe_text(void **state)
{
	struct fx_dev *d = &((struct ctx *)*state)->fx->dev[0];
	struct run *r = malloc(sizeof(*r));

	RUN(r, "probe", d->path);
	if (r->status != 0)
		fail_msg("exit %d: %s", r->status, r->err);
	if (getenv("VMUXCTL_SHOW"))
		fputs(r->out, stderr);
	expect_in(r->out, "vfio-user 0.0: max_msg_fds");
	expect_in(r->out, "Device: flags 0x3 (PCI, reset), 9 regions, 5 IRQ indexes");
	expect_in(r->out, "sparse mmap: [0x1000, +0x1000)");
	expect_in(r->out, "MSI-X  count 8");
	expect_in(r->out, "1234:11e8 Ethernet controller (rev 01)");
	expect_in(r->out, "Subsystem: 1af4:0042");
	expect_in(r->out, "Control: I/O- Mem- BusMaster-");
	expect_in(r->out, "Status: Cap+");
	expect_in(r->out, "Interrupt: pin A routed to IRQ 255");
	expect_in(r->out, "Region 0: Memory at 00000000 (32-bit, non-prefetchable) [size=4K]");
	expect_in(r->out,
		  "Region 1: Memory at 0000000000000000 (64-bit, prefetchable) [size=8K]");
	expect_in(r->out, "Region 4: I/O ports at 0000 [size=32]");
	expect_in(r->out, "Expansion ROM at 00000000 [disabled] [size=2K]");
	assert_null(strstr(r->out, "Region 2:"));
	assert_null(strstr(r->out, "Region 3:"));
	assert_null(strstr(r->out, "WARNING"));
	expect_in(r->out, "Capabilities: [40] Power Management version 3");
	expect_in(r->out, "Capabilities: [50] MSI: Enable- Count=1/1 Maskable+ 64bit+");
	expect_in(r->out, "Capabilities: [70] MSI-X: Enable- Count=8 Masked-");
	expect_in(r->out, "Vector table: BAR=0 offset=00000400");
	expect_in(r->out, "PBA: BAR=0 offset=00000600");
	expect_in(r->out, "Capabilities: [80] Express (v2) Endpoint");
	expect_in(r->out, "LnkSta: Speed 2.5GT/s, Width x1");
	expect_in(r->out, "Capabilities: [100 v1] Device Serial Number 12-34-56-78-00-c0-ff-ee");
	assert_null(strstr(r->out, "000:")); /* no dump without -x */

	RUN(r, "probe", "-n", "-x", d->path);
	assert_int_equal(r->status, 0);
	expect_in(r->out, "Region 1: Memory at 0000000000000000 (64-bit, prefetchable) [size=8K]");
	expect_in(r->out, "000: 34 12 e8 11");
	free(r);
}

static void test_probe_busy(void **state)
{
	struct fx_dev *d = &((struct ctx *)*state)->fx->dev[0];
	struct run *r = malloc(sizeof(*r));
	struct vfuc *c = vfuc_connect(d->path, 2000);

	assert_non_null(c);
	assert_int_equal(vfuc_negotiate(c, NULL), 0);
	RUN(r, "probe", d->path);
	assert_int_equal(r->status, 1);
	expect_in(r->err, "closed the connection");
	assert_int_equal(vfuc_bar_read32(c, 0, FX_ID), FX_ID_VALUE);
	vfuc_close(c);
	free(r);
}

/* ---- the control commands against a real vmux ------------------------------------ */

static void test_control_usage(void **state)
{
	struct run *r = malloc(sizeof(*r));
	char dir[200], ctl[300];

	assert_int_equal(it_mkdtemp(dir, sizeof(dir)), 0);
	snprintf(ctl, sizeof(ctl), "%s/none.ctl", dir);
	RUN(r, "--help");
	expect_in(r->out, "capture start PORT FILE");
	expect_in(r->out, "ports");
	RUN(r, "capture", "--help");
	assert_int_equal(r->status, 0);
	expect_in(r->out, "--snaplen");
	RUN(r, "ports", "-c", ctl);
	assert_int_equal(r->status, 1);
	expect_in(r->err, "no such control socket");
	RUN(r, "capture", "stop", "dev0", "-c", ctl);
	assert_int_equal(r->status, 1);
	expect_in(r->err, ctl);
	/* -c before the command works as well */
	RUN(r, "-c", ctl, "ports");
	assert_int_equal(r->status, 1);
	expect_in(r->err, ctl);
	RUN(r, "ports", "extra");
	assert_int_equal(r->status, 2);
	RUN(r, "capture");
	assert_int_equal(r->status, 2);
	RUN(r, "capture", "begin", "dev0");
	assert_int_equal(r->status, 2);
	RUN(r, "capture", "start", "dev0");
	assert_int_equal(r->status, 2);
	expect_in(r->err, "expected PORT FILE");
	RUN(r, "capture", "start", "dev0", "/tmp/x.pcap", "--snaplen", "5");
	assert_int_equal(r->status, 2);
	expect_in(r->err, "--snaplen");
	RUN(r, "capture", "stop", "dev0", "--count", "3");
	assert_int_equal(r->status, 2);
	expect_in(r->err, "'capture start' only");

	/* vmux's own --pcap checks: exit 2 and a message naming the problem */
	RUN_VMUX(r, "-s", "/tmp/a.sock", "-t", "t0", "--pcap", "dev1=/tmp/x.pcap");
	assert_int_equal(r->status, 2);
	expect_in(r->err, "no port dev1");
	RUN_VMUX(r, "-s", "/tmp/a.sock", "-t", "t0", "--pcap", "dev0=/tmp/x.pcap,snaplen=1");
	assert_int_equal(r->status, 2);
	expect_in(r->err, "snaplen");
	RUN_VMUX(r, "--help");
	assert_int_equal(r->status, 0);
	expect_in(r->out, "--pcap PORT=FILE");
	it_rmtree(dir);
	free(r);
}

static bool in_own_netns;

/* n broadcast frames of len bytes from 02:00:00:00:00:01 into the host side of the tap. */
static void inject(const char *ifname, unsigned n, unsigned len)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL) };
	uint8_t f[1514];
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	sll.sll_ifindex = (int)if_nametoindex(ifname);
	assert_int_equal(bind(fd, (struct sockaddr *)&sll, sizeof(sll)), 0);
	for (unsigned i = 0; i < n; i++) {
		memset(f, 0xff, 6);
		memcpy(f + 6, "\x02\x00\x00\x00\x00\x01\x88\xb5", 8); /* local experimental type */
		for (unsigned k = 14; k < len; k++)
			f[k] = (uint8_t)(i + k);
		assert_int_equal(send(fd, f, len, 0), (ssize_t)len);
	}
	close(fd);
}

static json_object *ctl_json(struct run *r, const char *ctl, const char *cmd)
{
	json_object *j;

	RUN(r, cmd, "-c", ctl);
	if (r->status != 0)
		fail_msg("vmuxctl %s: exit %d: %s", cmd, r->status, r->err);
	j = json_tokener_parse(r->out);
	if (!j)
		fail_msg("vmuxctl %s: not JSON:\n%s", cmd, r->out);
	return j;
}

/* Reads a capture back: n frames of len bytes (cut to caplen) as inject() made them. */
static void check_pcap(const char *path, unsigned n, unsigned len, unsigned caplen)
{
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *pc = pcap_open_offline(path, err);
	struct pcap_pkthdr *h;
	const u_char *d;

	if (!pc)
		fail_msg("%s: %s", path, err);
	for (unsigned i = 0; i < n; i++) {
		assert_int_equal(pcap_next_ex(pc, &h, &d), 1);
		assert_int_equal(h->len, len);
		assert_int_equal(h->caplen, caplen);
		assert_memory_equal(d + 6, "\x02\x00\x00\x00\x00\x01\x88\xb5", 8);
		for (unsigned k = 14; k < caplen; k++)
			assert_int_equal(d[k], (uint8_t)(i + k));
	}
	assert_int_equal(pcap_next_ex(pc, &h, &d), PCAP_ERROR_BREAK);
	pcap_close(pc);
}

static void test_control_and_capture(void **state)
{
	struct run *r = malloc(sizeof(*r));
	char dir[200], ctl[300], sock[300], cli[300], up[300], other[300], spec[400], log[300];
	json_object *j;
	pid_t pid;
	int st;

	if (!in_own_netns)
		skip();
	assert_int_equal(it_mkdtemp(dir, sizeof(dir)), 0);
	snprintf(ctl, sizeof(ctl), "%s/vmux.ctl", dir);
	snprintf(sock, sizeof(sock), "%s/vm.sock", dir);
	snprintf(cli, sizeof(cli), "%s/cli.pcap", dir);
	snprintf(up, sizeof(up), "%s/up.pcap", dir);
	snprintf(other, sizeof(other), "%s/other.pcap", dir);
	snprintf(log, sizeof(log), "%s/vmux.log", dir);
	snprintf(spec, sizeof(spec), "dev0=%s,count=3", cli);

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive a failed test */
		dup2(fd, 2);
		execl(vmux, vmux, "-q", "--workers", "1", "--uplink", "tap:vmuxup0", "-s", sock,
		      "--control", ctl, "--pcap", spec, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 500 && !it_sock_up(ctl); i++)
		usleep(10000);
	if (!it_sock_up(ctl)) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		fail_msg("vmux did not come up");
	}
	assert_int_equal(it_link_up("vmuxup0"), 0);

	/* the capture given on the command line is in the ports reply */
	j = ctl_json(r, ctl, "ports");
	assert_string_equal(jstr(j, "0.name"), "dev0");
	assert_string_equal(jstr(j, "0.capture.file"), cli);
	assert_int_equal(jint(j, "0.capture.packets"), 0);
	assert_int_equal(jint(j, "0.vfio_user.clients"), 0);
	assert_int_equal(jint(j, "0.vfio_user.region_reads"), 0);
	json_object_put(j);

	/* a VMM's trapped accesses are counted per device */
	{
		struct vfuc *v = vfuc_connect(sock, 5000);

		assert_non_null(v);
		assert_int_equal(vfuc_negotiate(v, NULL), 0);
		for (int i = 0; i < 5; i++)
			assert_int_equal(vfuc_cfg_read32(v, 0), 0x100e8086);
		assert_int_equal(vfuc_bar_write32(v, 0, 0xd8 /* IMC */, ~0u, false), 0);
		j = ctl_json(r, ctl, "ports");
		assert_int_equal(jint(j, "0.vfio_user.clients"), 1);
		assert_int_equal(jint(j, "0.vfio_user.region_reads"), 5);
		assert_int_equal(jint(j, "0.vfio_user.region_writes"), 1);
		assert_true(jbool(j, "0.vfio_user.connected"));
		json_object_put(j);
		vfuc_close(v);
	}

	/* errors name the problem */
	RUN(r, "capture", "start", "vmuxup0", "/nonexistent-dir/x.pcap", "-c", ctl);
	assert_int_equal(r->status, 1);
	expect_in(r->err, "cannot create /nonexistent-dir/x.pcap");
	RUN(r, "capture", "start", "dev9", other, "-c", ctl);
	assert_int_equal(r->status, 1);
	expect_in(r->err, "no port dev9");
	RUN(r, "capture", "start", "dev0", other, "-c", ctl);
	assert_int_equal(r->status, 1);
	expect_in(r->err, "already captured");
	assert_int_equal(access(other, F_OK), -1); /* nothing created */
	RUN(r, "capture", "start", "vmuxup0", cli, "-c", ctl);
	assert_int_equal(r->status, 1);
	expect_in(r->err, "the file of another port's capture");
	RUN(r, "capture", "stop", "vmuxup0", "-c", ctl);
	assert_int_equal(r->status, 1);
	expect_in(r->err, "has no capture");

	RUN(r, "capture", "start", "vmuxup0", up, "--snaplen", "100", "-c", ctl);
	if (r->status != 0)
		fail_msg("capture start: exit %d: %s", r->status, r->err);
	j = json_tokener_parse(r->out);
	assert_non_null(j);
	assert_string_equal(jstr(j, "port"), "vmuxup0");
	assert_string_equal(jstr(j, "file"), up);
	assert_int_equal(jint(j, "snaplen"), 100);
	json_object_put(j);

	/* five frames from the host: up0 sends them into the switch, dev0 receives them */
	inject("vmuxup0", 5, 200);
	for (int i = 0; i < 500; i++) {
		j = ctl_json(r, ctl, "ports");
		bool done = jint(j, "0.capture.packets") + jint(j, "0.capture.dropped") == 5;
		json_object_put(j);
		if (done)
			break;
		usleep(10000);
	}
	j = ctl_json(r, ctl, "switch");
	assert_string_equal(jstr(j, "ports.0.name"), "vmuxup0");
	assert_int_equal(jint(j, "ports.0.capture.packets"), 5);
	/* the uplink tap's own counters: it read the 5 frames */
	assert_string_equal(jstr(j, "ports.0.tap.ifname"), "vmuxup0");
	assert_false(jbool(j, "ports.0.tap.detached"));
	assert_true(jint(j, "ports.0.tap.wakeups") >= 1);
	assert_int_equal(jint(j, "ports.0.tap.rd_nobuf"), 0);
	json_object_put(j);

	RUN(r, "capture", "stop", "vmuxup0", "-c", ctl);
	if (r->status != 0)
		fail_msg("capture stop: exit %d: %s", r->status, r->err);
	j = json_tokener_parse(r->out);
	assert_int_equal(jint(j, "packets"), 5);
	assert_int_equal(jint(j, "tx_packets"), 5);
	assert_int_equal(jint(j, "rx_packets"), 0);
	assert_int_equal(jint(j, "truncated"), 5);
	assert_int_equal(jint(j, "dropped"), 0);
	assert_false(jbool(j, "limit_reached"));
	json_object_put(j);

	RUN(r, "capture", "stop", "dev0", "-c", ctl);
	assert_int_equal(r->status, 0);
	j = json_tokener_parse(r->out);
	assert_int_equal(jint(j, "packets"), 3);
	assert_int_equal(jint(j, "rx_packets"), 3);
	assert_int_equal(jint(j, "dropped"), 2);
	assert_true(jbool(j, "limit_reached"));
	json_object_put(j);
	RUN(r, "capture", "stop", "dev0", "-c", ctl);
	assert_int_equal(r->status, 1);
	expect_in(r->err, "has no capture");

	check_pcap(up, 5, 200, 100);
	check_pcap(cli, 3, 200, 200);

	/* the other queries answer JSON too */
	j = ctl_json(r, ctl, "macs");
	bool found = false;
	for (size_t i = 0; i < json_object_array_length(j); i++) {
		json_object *e = json_object_array_get_idx(j, i);
		if (!strcmp(jstr(e, "mac"), "02:00:00:00:00:01")) {
			assert_int_equal(jint(e, "port"), 0);
			found = true;
		}
	}
	assert_true(found);
	json_object_put(j);
	j = ctl_json(r, ctl, "workers");
	assert_int_equal(json_object_array_length(j), 2);
	assert_string_equal(jstr(j, "1.name"), "vmux-w0");
	assert_int_equal(jint(j, "1.devices"), 1);
	json_object_put(j);
	j = ctl_json(r, ctl, "help");
	assert_non_null(jget(j, "capture_start"));
	json_object_put(j);

	/* a capture still running when vmux stops is flushed: the file holds every frame */
	RUN(r, "capture", "start", "dev0", other, "-c", ctl);
	assert_int_equal(r->status, 0);
	inject("vmuxup0", 4, 60);
	for (int i = 0; i < 500; i++) {
		j = ctl_json(r, ctl, "ports");
		bool done = jint(j, "0.capture.packets") == 4;
		json_object_put(j);
		if (done)
			break;
		usleep(10000);
	}
	kill(pid, SIGTERM);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	check_pcap(other, 4, 60, 60);
	it_rmtree(dir);
	free(r);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_usage),
		cmocka_unit_test(test_missing_socket),
		cmocka_unit_test(test_not_vfio_user),
		cmocka_unit_test(test_probe_hostile_server),
		cmocka_unit_test_setup_teardown(test_probe_json, setup, teardown),
		cmocka_unit_test_setup_teardown(test_probe_text, setup, teardown),
		cmocka_unit_test_setup_teardown(test_probe_busy, setup, teardown),
		cmocka_unit_test(test_control_usage),
		cmocka_unit_test(test_control_and_capture),
	};

	if (argc < 3) {
		fprintf(stderr, "usage: %s PATH-TO-VMUXCTL PATH-TO-VMUX\n", argv[0]);
		return 2;
	}
	vmuxctl = argv[1];
	vmux = argv[2];
	/*
	 * A network namespace of our own (root only) for a real vmux and its tap;
	 * vmux and the taps it creates vanish with it. No IPv6 chatter on new links.
	 */
	in_own_netns = it_own_netns("test_vmuxctl");
	log_set_level(LOG_LVL_ERR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
