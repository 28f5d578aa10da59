/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vfio_open() and the DMA maps through VFIO's device cdev and iommufd, on a
 * kernel played by this test: the calls vfio/ makes to open, ioctl, close,
 * readlink, access and opendir are wrapped (-Wl,--wrap), so no VFIO, IOMMU
 * or PCI function is needed. What is checked: the choice (auto takes the
 * cdev where /dev/iommu and the function's vfio-dev/vfioN exist, else the
 * group; cdev forced without them is refused; group forced never touches
 * iommufd), the sequence and arguments of IOMMU_IOAS_ALLOC,
 * VFIO_DEVICE_BIND_IOMMUFD and VFIO_DEVICE_ATTACH_IOMMUFD_PT, DMA maps as
 * IOMMU_IOAS_MAP at fixed IOVAs and IOMMU_IOAS_UNMAP, and the release order
 * (the device fd closed before the IOAS is destroyed and the iommufd
 * closed). The ioctl numbers are checked against the kernel's (6.6 uapi).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <linux/vfio.h>

#include "vfio/iommufd_abi.h"
#include "vfio/vfio.h"

int __real_open64(const char *path, int flags, ...);
int __real_close(int fd);
DIR *__real_opendir(const char *path);
int __wrap_open64(const char *path, int flags, ...);
int __wrap_close(int fd);
int __wrap_ioctl(int fd, unsigned long req, ...);
ssize_t __wrap_readlink(const char *path, char *buf, size_t len);
int __wrap_access(const char *path, int mode);
DIR *__wrap_opendir(const char *path);

#define NCALLS 64
static struct {
	bool have_iommu;         /* /dev/iommu exists */
	char sysroot[64];        /* where /sys/... of opendir() is */
	int iommufd, devfd, container;
	char log[NCALLS][48];    /* what vfio/ did, in order */
	unsigned n;
	struct vmux_iommu_ioas_map map;
	struct vmux_iommu_ioas_unmap unmap;
	uint64_t unmap_short;    /* bytes the next IOAS_UNMAP leaves out */
	int bound_to;            /* the iommufd of BIND */
	uint32_t attached;       /* the pt_id of ATTACH */
	bool fail_attach;
} K;

#define IOAS 5
#define DEVID 9

static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void note(const char *fmt, ...)
{
	va_list ap;

	if (K.n >= NCALLS)
		return;
	va_start(ap, fmt);
	vsnprintf(K.log[K.n++], sizeof(K.log[0]), fmt, ap);
	va_end(ap);
}

static bool logged(const char *what)
{
	for (unsigned i = 0; i < K.n; i++)
		if (!strcmp(K.log[i], what))
			return true;
	return false;
}

static int at(const char *what)
{
	for (unsigned i = 0; i < K.n; i++)
		if (!strcmp(K.log[i], what))
			return (int)i;
	return -1;
}

static int fake_fd(void)
{
	return __real_open64("/dev/null", O_RDWR | O_CLOEXEC);
}

int __wrap_open64(const char *path, int flags, ...)
{
	(void)flags;
	note("open %s", path);
	if (!strcmp(path, "/dev/iommu")) {
		if (!K.have_iommu)
			return errno = ENOENT, -1;
		return K.iommufd = fake_fd();
	}
	if (!strcmp(path, "/dev/vfio/devices/vfio3"))
		return K.devfd = fake_fd();
	if (!strcmp(path, "/dev/vfio/vfio"))
		return errno = ENOENT, -1; /* the group API is not played here */
	return errno = ENOENT, -1;
}

int __wrap_close(int fd)
{
	if (fd >= 0 && fd == K.devfd) {
		note("close device");
		K.devfd = -1;
	} else if (fd >= 0 && fd == K.iommufd) {
		note("close iommufd");
		K.iommufd = -1;
	}
	return __real_close(fd);
}

ssize_t __wrap_readlink(const char *path, char *buf, size_t len)
{
	const char *t = strstr(path, "/driver") ? "../../../bus/pci/drivers/vfio-pci"
		      : strstr(path, "/iommu_group") ? "../../../kernel/iommu_groups/7" : NULL;
	if (!t)
		return errno = ENOENT, -1;
	size_t n = strlen(t) < len ? strlen(t) : len;
	memcpy(buf, t, n);
	return (ssize_t)n;
}

int __wrap_access(const char *path, int mode)
{
	(void)mode;
	if (!strcmp(path, "/dev/iommu"))
		return K.have_iommu ? 0 : (errno = ENOENT, -1);
	return errno = ENOENT, -1;
}

DIR *__wrap_opendir(const char *path)
{
	char p[256];

	snprintf(p, sizeof(p), "%s%s", K.sysroot, path);
	return __real_opendir(p);
}

int __wrap_ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	va_start(ap, req);
	void *arg = va_arg(ap, void *);
	va_end(ap);

	if (fd == K.iommufd && req == VMUX_IOMMU_IOAS_ALLOC) {
		struct vmux_iommu_ioas_alloc *a = arg;
		note("IOAS_ALLOC");
		if (a->size != sizeof(*a) || a->flags)
			return errno = EINVAL, -1;
		a->out_ioas_id = IOAS;
		return 0;
	}
	if (fd == K.iommufd && req == VMUX_IOMMU_IOAS_MAP) {
		memcpy(&K.map, arg, sizeof(K.map));
		note("IOAS_MAP");
		return 0;
	}
	if (fd == K.iommufd && req == VMUX_IOMMU_IOAS_UNMAP) {
		struct vmux_iommu_ioas_unmap *u = arg;
		memcpy(&K.unmap, u, sizeof(K.unmap));
		u->length -= K.unmap_short;
		note("IOAS_UNMAP");
		return 0;
	}
	if (fd == K.iommufd && req == VMUX_IOMMU_DESTROY) {
		struct vmux_iommu_destroy *x = arg;
		note("DESTROY %u", x->id);
		return 0;
	}
	if (fd != K.devfd || fd < 0)
		return errno = ENOTTY, -1;
	if (req == VMUX_VFIO_DEVICE_BIND_IOMMUFD) {
		struct vmux_vfio_device_bind_iommufd *b = arg;
		note("BIND");
		if (b->argsz != sizeof(*b) || b->flags)
			return errno = EINVAL, -1;
		K.bound_to = b->iommufd;
		b->out_devid = DEVID;
		return 0;
	}
	if (req == VMUX_VFIO_DEVICE_ATTACH_IOMMUFD_PT) {
		struct vmux_vfio_device_attach_iommufd_pt *a = arg;
		note("ATTACH");
		if (K.fail_attach)
			return errno = EBUSY, -1;
		if (a->argsz < 12 || a->flags)
			return errno = EINVAL, -1;
		K.attached = a->pt_id;
		return 0;
	}
	if (req == VFIO_DEVICE_GET_INFO) {
		struct vfio_device_info *i = arg;
		note("GET_INFO");
		i->flags = VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET;
		i->num_regions = 9;
		i->num_irqs = 5;
		return 0;
	}
	if (req == VFIO_DEVICE_GET_REGION_INFO) {
		struct vfio_region_info *r = arg;
		if (r->index != VFIO_REG_CONFIG && r->index != 0)
			return errno = EINVAL, -1;
		r->size = r->index ? 4096 : 0x20000;
		r->offset = (uint64_t)r->index << 40;
		r->flags = 3;
		return 0;
	}
	if (req == VFIO_DEVICE_GET_IRQ_INFO) {
		struct vfio_irq_info *q = arg;
		q->flags = VFIO_IRQ_INFO_EVENTFD;
		q->count = q->index == 0 || q->index == 4 ? 1 : 0;
		return 0;
	}
	if (req == VFIO_DEVICE_SET_IRQS) {
		note("SET_IRQS");
		return 0;
	}
	return errno = ENOTTY, -1;
}

/* A sysfs with (or without) the function's vfio-dev/vfio3. */
static void sysfs(bool with_cdev)
{
	char p[256];

	snprintf(p, sizeof(p), "rm -rf -- '%s'", K.sysroot);
	if (K.sysroot[0] && system(p))
		fail_msg("rm");
	strcpy(K.sysroot, "/tmp/vmux-ut-cdev.XXXXXX");
	assert_non_null(mkdtemp(K.sysroot));
	if (!with_cdev)
		return;
	snprintf(p, sizeof(p), "mkdir -p '%s/sys/bus/pci/devices/0000:00:04.0/vfio-dev/vfio3'",
		 K.sysroot);
	assert_int_equal(system(p), 0);
}

static void reset_kernel(bool iommu, bool cdev)
{
	memset(&K.log, 0, sizeof(K.log));
	K.n = 0;
	K.have_iommu = iommu;
	K.iommufd = K.devfd = K.container = -1;
	K.unmap_short = 0;
	K.bound_to = -1;
	K.attached = 0;
	K.fail_attach = false;
	sysfs(cdev);
}

static int teardown(void **state)
{
	char p[128];
	(void)state;
	snprintf(p, sizeof(p), "rm -rf -- '%s'", K.sysroot);
	return system(p) ? -1 : 0;
}

/* The numbers the kernel's uapi gives (linux/iommufd.h, linux/vfio.h of 6.6). */
static void test_abi_numbers(void **state)
{
	(void)state;
	assert_int_equal(VMUX_IOMMU_DESTROY, 0x3b80);
	assert_int_equal(VMUX_IOMMU_IOAS_ALLOC, 0x3b81);
	assert_int_equal(VMUX_IOMMU_IOAS_MAP, 0x3b85);
	assert_int_equal(VMUX_IOMMU_IOAS_UNMAP, 0x3b86);
	assert_int_equal(VMUX_VFIO_DEVICE_BIND_IOMMUFD, 0x3b76);
	assert_int_equal(VMUX_VFIO_DEVICE_ATTACH_IOMMUFD_PT, 0x3b77);
	assert_int_equal(offsetof(struct vmux_iommu_ioas_map, user_va), 16);
	assert_int_equal(offsetof(struct vmux_iommu_ioas_unmap, iova), 8);
	assert_int_equal(offsetof(struct vmux_vfio_device_bind_iommufd, iommufd), 8);
}

static void test_cdev_open_map_close(void **state)
{
	struct vfio_dev d;
	char err[256] = "";
	uint8_t mem[0x2000];

	(void)state;
	reset_kernel(true, true);
	assert_int_equal(vfio_open(&d, "0000:00:04.0", VFIO_API_AUTO, err, sizeof(err)), 0);
	assert_int_equal(d.api, VFIO_API_CDEV);
	assert_string_equal(d.cdev, "/dev/vfio/devices/vfio3");
	assert_int_equal(d.ioas_id, IOAS);
	assert_int_equal(d.devid, DEVID);
	/* /dev/iommu and its IOAS first, then the cdev bound to that iommufd and attached to it */
	assert_true(at("open /dev/iommu") < at("IOAS_ALLOC"));
	assert_true(at("IOAS_ALLOC") < at("open /dev/vfio/devices/vfio3"));
	assert_true(at("open /dev/vfio/devices/vfio3") < at("BIND"));
	assert_true(at("BIND") < at("ATTACH"));
	assert_true(at("ATTACH") < at("GET_INFO"));
	assert_true(at("open /dev/iommu") >= 0 && at("GET_INFO") >= 0);
	assert_false(logged("open /dev/vfio/vfio")); /* no container */
	assert_int_equal(K.bound_to, K.iommufd);
	assert_int_equal(K.attached, IOAS);
	assert_int_equal(d.reg[VFIO_REG_CONFIG].size, 4096);
	/* DMA: IOAS maps at the VMM's IOVA, with its protection */
	assert_int_equal(vfio_dma_map(&d, 0x100000, sizeof(mem), mem, 1), 0);
	assert_int_equal(K.map.size, sizeof(K.map));
	assert_int_equal(K.map.ioas_id, IOAS);
	assert_int_equal(K.map.flags, VMUX_IOMMU_IOAS_MAP_FIXED_IOVA | VMUX_IOMMU_IOAS_MAP_READABLE);
	assert_int_equal(K.map.iova, 0x100000);
	assert_int_equal(K.map.length, sizeof(mem));
	assert_true(K.map.user_va == (uint64_t)(uintptr_t)mem);
	assert_int_equal(vfio_dma_map(&d, 0x200000, sizeof(mem), mem, 3), 0);
	assert_int_equal(K.map.flags, VMUX_IOMMU_IOAS_MAP_FIXED_IOVA |
				      VMUX_IOMMU_IOAS_MAP_READABLE | VMUX_IOMMU_IOAS_MAP_WRITEABLE);
	assert_int_equal(vfio_dma_unmap(&d, 0x100000, sizeof(mem)), 0);
	assert_int_equal(K.unmap.ioas_id, IOAS);
	assert_int_equal(K.unmap.iova, 0x100000);
	assert_int_equal(K.unmap.length, sizeof(mem));
	/* the kernel unmapping less than asked (nothing there): -ENOENT */
	K.unmap_short = sizeof(mem);
	assert_int_equal(vfio_dma_unmap(&d, 0x300000, sizeof(mem)), -ENOENT);
	/* release: interrupts off, the device fd closed before the IOAS goes */
	vfio_close(&d);
	assert_true(at("close device") >= 0);
	assert_true(at("close device") < at("DESTROY 5"));
	assert_true(at("DESTROY 5") < at("close iommufd"));
	assert_int_equal(vfio_dma_map(&d, 0x100000, sizeof(mem), mem, 3), -ENODEV);
}

/* auto without /dev/iommu, or without the function's cdev: the group API. */
static void test_auto_takes_group(void **state)
{
	struct vfio_dev d;
	char err[256] = "";

	(void)state;
	reset_kernel(false, true);
	assert_true(vfio_open(&d, "0000:00:04.0", VFIO_API_AUTO, err, sizeof(err)) < 0);
	assert_true(logged("open /dev/vfio/vfio"));
	assert_false(logged("open /dev/iommu"));
	reset_kernel(true, false);
	assert_true(vfio_open(&d, "0000:00:04.0", VFIO_API_AUTO, err, sizeof(err)) < 0);
	assert_true(logged("open /dev/vfio/vfio"));
	assert_false(logged("open /dev/iommu"));
}

static void test_forced(void **state)
{
	struct vfio_dev d;
	char err[256] = "";

	(void)state;
	/* cdev without iommufd: refused, with the reason, nothing opened */
	reset_kernel(false, false);
	assert_int_equal(vfio_open(&d, "0000:00:04.0", VFIO_API_CDEV, err, sizeof(err)), -ENODEV);
	assert_non_null(strstr(err, "/dev/iommu"));
	assert_int_equal(K.n, 0);
	reset_kernel(true, false);
	assert_int_equal(vfio_open(&d, "0000:00:04.0", VFIO_API_CDEV, err, sizeof(err)), -ENODEV);
	assert_non_null(strstr(err, "device cdev"));
	/* group where the cdev is there: iommufd untouched */
	reset_kernel(true, true);
	assert_true(vfio_open(&d, "0000:00:04.0", VFIO_API_GROUP, err, sizeof(err)) < 0);
	assert_true(logged("open /dev/vfio/vfio"));
	assert_false(logged("open /dev/iommu"));
	/* a failing step of the cdev's: the error says which, everything opened is closed */
	reset_kernel(true, true);
	K.fail_attach = true;
	assert_int_equal(vfio_open(&d, "0000:00:04.0", VFIO_API_AUTO, err, sizeof(err)), -EBUSY);
	assert_non_null(strstr(err, "VFIO_DEVICE_ATTACH_IOMMUFD_PT"));
	assert_int_equal(K.iommufd, -1);
	assert_int_equal(K.devfd, -1);
	assert_true(logged("DESTROY 5"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_abi_numbers),
		cmocka_unit_test(test_cdev_open_map_close),
		cmocka_unit_test(test_auto_takes_group),
		cmocka_unit_test(test_forced),
	};

	return cmocka_run_group_tests(tests, NULL, teardown);
}
