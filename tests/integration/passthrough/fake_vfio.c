/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The fake VFIO device and the passthrough model on it (fake_vfio.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "../fixture.h"
#include "core/loop.h"
#include "dev/passthrough/pt_dev.h"
#include "fake_vfio.h"

struct pt_fake PTF = { .mu = PTHREAD_MUTEX_INITIALIZER, .memfd = -1 };

static ssize_t f_rw(struct vfio_dev *d, unsigned idx, uint64_t off, void *buf, size_t len, bool w)
{
	uint8_t *base = idx == 0	 ? PTF.bar0
			: idx == 3	 ? PTF.mem + PTF_BAR3_OFF
			: idx == VFIO_REG_CONFIG ? PTF.cfg
						 : NULL;

	(void)d;
	if (!base)
		return -EINVAL;
	pthread_mutex_lock(&PTF.mu);
	if (w)
		memcpy(base + off, buf, len);
	else
		memcpy(buf, base + off, len);
	pthread_mutex_unlock(&PTF.mu);
	return (ssize_t)len;
}

static int f_map(struct vfio_dev *d, uint64_t iova, uint64_t size, void *vaddr, int prot)
{
	(void)d;
	pthread_mutex_lock(&PTF.mu);
	int r = PTF.map_fail ? -PTF.map_fail : 0;
	/* type1's rule: iova, size and the address page-aligned */
	if (!r && (!size || ((iova | size | (uintptr_t)vaddr) & 0xfff)))
		r = -EINVAL;
	for (unsigned i = 0; !r && i < PTF.nmaps; i++)
		if (iova < PTF.maps[i].iova + PTF.maps[i].size && PTF.maps[i].iova < iova + size)
			r = -EEXIST; /* the IOMMU would refuse an overlap */
	if (!r && PTF.nmaps >= 64)
		r = -ENOSPC;
	if (!r)
		PTF.maps[PTF.nmaps++] = (struct ptf_map){ iova, size, vaddr, prot };
	pthread_mutex_unlock(&PTF.mu);
	return r;
}

static int f_unmap(struct vfio_dev *d, uint64_t iova, uint64_t size)
{
	int r = -ENOENT;

	(void)d;
	pthread_mutex_lock(&PTF.mu);
	for (unsigned i = 0; i < PTF.nmaps; i++)
		if (PTF.maps[i].iova == iova && PTF.maps[i].size == size) {
			PTF.maps[i] = PTF.maps[--PTF.nmaps];
			r = 0;
			break;
		}
	pthread_mutex_unlock(&PTF.mu);
	return r;
}

static void close_vec(unsigned index)
{
	if (index == 0 && PTF.unmask_fd >= 0) {
		close(PTF.unmask_fd);
		PTF.unmask_fd = -1;
	}
	for (unsigned i = 0; i < PTF_MAXVEC; i++) {
		if (PTF.fds[index][i] >= 0)
			close(PTF.fds[index][i]);
		PTF.fds[index][i] = -1;
	}
	PTF.on_count[index] = 0;
}

/* As VFIO checks it: a range within what is enabled, or a first enable from 0. */
static int f_irqs(struct vfio_dev *d, uint32_t flags, unsigned index, unsigned start,
		  unsigned count, const int *fds)
{
	int r = 0;

	pthread_mutex_lock(&PTF.mu);
	PTF.set_calls++;
	if (index == VFIO_PCI_ERR || index == VFIO_PCI_REQ) {
		int *er = &PTF.er_fd[index - VFIO_PCI_ERR];
		if (flags == (VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER) && !count) {
			if (*er >= 0)
				close(*er);
			*er = -1;
		} else if (flags == (VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER) &&
			   start == 0 && count == 1) {
			if (*er >= 0)
				close(*er);
			*er = fds[0] >= 0 ? dup(fds[0]) : -1;
		} else {
			r = -EINVAL;
		}
	} else if (index > 2) {
		r = -EINVAL;
	} else if (flags == (VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER) && !count) {
		close_vec(index);
	} else if (flags == (VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER)) {
		unsigned max = d->irq[index].count;
		bool other = false;
		for (unsigned k = 0; k < 3; k++)
			other |= k != index && PTF.on_count[k];
		if (other) /* one interrupt mode at a time, as VFIO has it */
			r = -EINVAL;
		else if (!count || start + count > max ||
			 (PTF.on_count[index] && start + count > PTF.on_count[index]) ||
			 (!PTF.on_count[index] && start)) {
			r = -EINVAL;
		} else {
			if (!PTF.on_count[index])
				PTF.on_count[index] = start + count;
			for (unsigned i = 0; i < count; i++) {
				if (PTF.fds[index][start + i] >= 0)
					close(PTF.fds[index][start + i]);
				PTF.fds[index][start + i] = fds[i] >= 0 ? dup(fds[i]) : -1;
			}
		}
	} else if (index == 0 && flags == (VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_UNMASK) &&
		   start == 0 && count == 1) {
		if (!PTF.on_count[0]) {
			r = -EINVAL; /* VFIO wants the trigger first */
		} else {
			if (PTF.unmask_fd >= 0)
				close(PTF.unmask_fd);
			PTF.unmask_fd = fds[0] >= 0 ? dup(fds[0]) : -1;
		}
	} else if (index == 0 && (flags & VFIO_IRQ_SET_DATA_NONE) &&
		   (flags & (VFIO_IRQ_SET_ACTION_MASK | VFIO_IRQ_SET_ACTION_UNMASK))) {
		PTF.intx_masked = flags & VFIO_IRQ_SET_ACTION_MASK;
		PTF.intx_unmasks += !PTF.intx_masked;
	} else {
		r = -EINVAL;
	}
	pthread_mutex_unlock(&PTF.mu);
	return r;
}

static int f_reset(struct vfio_dev *d)
{
	(void)d;
	__atomic_fetch_add(&PTF.resets, 1, __ATOMIC_SEQ_CST);
	return 0;
}

static void f_close(struct vfio_dev *d)
{
	(void)d;
	pthread_mutex_lock(&PTF.mu);
	PTF.closed = true;
	pthread_mutex_unlock(&PTF.mu);
}

static const struct vfio_backend fake_be = { f_rw, f_map, f_unmap, f_irqs, f_reset, f_close };

int pt_fake_fire(unsigned index, unsigned i)
{
	uint64_t one = 1;

	if (index > VFIO_PCI_REQ || i >= PTF_MAXVEC || (index > 2 && i))
		return -1;
	pthread_mutex_lock(&PTF.mu);
	int fd = index > 2 ? PTF.er_fd[index - VFIO_PCI_ERR] : PTF.fds[index][i];
	int r = fd >= 0 && write(fd, &one, 8) == 8 ? 0 : -1;
	pthread_mutex_unlock(&PTF.mu);
	return r;
}

unsigned pt_fake_nmaps(void)
{
	pthread_mutex_lock(&PTF.mu);
	unsigned n = PTF.nmaps;
	pthread_mutex_unlock(&PTF.mu);
	return n;
}

bool pt_fake_released(void)
{
	pthread_mutex_lock(&PTF.mu);
	bool r = !PTF.nmaps && !PTF.on_count[0] && !PTF.on_count[1] && !PTF.on_count[2];
	pthread_mutex_unlock(&PTF.mu);
	return r;
}

unsigned pt_fake_resets(void)
{
	return __atomic_load_n(&PTF.resets, __ATOMIC_SEQ_CST);
}

static void put16(unsigned off, uint16_t v) { memcpy(PTF.cfg + off, &v, 2); }
static void put32(unsigned off, uint32_t v) { memcpy(PTF.cfg + off, &v, 4); }

int pt_fake_init(struct vfio_dev *v, unsigned nvec)
{
	uint32_t id = FX_ID_VALUE;

	if (!nvec || nvec > PTF_MAXVEC)
		return -1;
	PTF.nvec = nvec;
	memset(PTF.cfg, 0, sizeof(PTF.cfg));
	memset(PTF.bar0, 0, sizeof(PTF.bar0));
	memcpy(PTF.bar0 + FX_ID, &id, 4);
	put32(0x00, 0x10c98086);
	put16(0x06, 0x0010);
	put32(0x08, 0x02000001);
	put32(0x1c, 0x0000000c);
	PTF.cfg[0x34] = 0x50;
	PTF.cfg[0x3d] = 1;
	PTF.cfg[0x50] = 0x05; PTF.cfg[0x51] = 0x70; put16(0x52, 0x0080);
	PTF.cfg[0x70] = 0x11; PTF.cfg[0x71] = 0x00; put16(0x72, (uint16_t)(nvec - 1));
	put32(0x74, 3);
	put32(0x78, 0x2003);
	PTF.memfd = memfd_create("fake-vfio", MFD_CLOEXEC);
	if (PTF.memfd < 0 || ftruncate(PTF.memfd, PTF_CFG_OFF))
		return -1;
	PTF.mem = mmap(NULL, PTF_CFG_OFF, PROT_READ | PROT_WRITE, MAP_SHARED, PTF.memfd, 0);
	if (PTF.mem == MAP_FAILED)
		return -1;
	for (unsigned k = 0; k < 3; k++)
		for (unsigned i = 0; i < PTF_MAXVEC; i++)
			PTF.fds[k][i] = -1;
	PTF.unmask_fd = -1;
	PTF.er_fd[0] = PTF.er_fd[1] = -1;
	PTF.closed = false;
	PTF.nmaps = 0;
	memset(v, 0, sizeof(*v));
	v->be = &fake_be;
	v->fd = PTF.memfd;
	v->container = v->group = -1;
	strcpy(v->bdf, "0000:00:05.0");
	v->flags = VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET;
	v->num_regions = 9;
	v->num_irqs = 5;
	v->reg[0] = (struct vfio_region){ .size = 128 << 10, .offset = 0, .flags = 3 };
	v->reg[3] = (struct vfio_region){ .size = 16 << 10, .offset = PTF_BAR3_OFF,
					  .flags = 3 | VFIO_REGION_INFO_FLAG_MMAP };
	v->reg[VFIO_REG_CONFIG] = (struct vfio_region){ .size = 4096, .offset = PTF_CFG_OFF,
							.flags = 3 };
	v->irq[0] = (struct vfio_irq){ VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_MASKABLE, 1 };
	v->irq[1] = (struct vfio_irq){ VFIO_IRQ_INFO_EVENTFD, 1 };
	v->irq[2] = (struct vfio_irq){ VFIO_IRQ_INFO_EVENTFD, nvec };
	v->irq[VFIO_PCI_ERR] = (struct vfio_irq){ VFIO_IRQ_INFO_EVENTFD, 1 };
	v->irq[VFIO_PCI_REQ] = (struct vfio_irq){ VFIO_IRQ_INFO_EVENTFD, 1 };
	return 0;
}

static struct loop *L;
static pthread_t th;
static struct dev_instance *inst;

static void *run(void *a)
{
	(void)a;
	loop_run(L);
	return NULL;
}

struct dev_instance *pt_fake_start(const char *sock, unsigned nvec, char *err, size_t errlen)
{
	struct vfio_dev v;

	if (pt_fake_init(&v, nvec)) {
		snprintf(err, errlen, "fake device: %s", strerror(errno));
		return NULL;
	}
	L = loop_create();
	if (!L) {
		snprintf(err, errlen, "no loop");
		return NULL;
	}
	struct dev_config dc = { .name = "pt0", .socket_path = sock, .loop = L };
	inst = pt_create_on(&dc, &v, err, errlen);
	if (!inst)
		return NULL;
	if (pthread_create(&th, NULL, run, NULL)) {
		snprintf(err, errlen, "no thread");
		inst->model->destroy(inst);
		inst = NULL;
		return NULL;
	}
	return inst;
}

void pt_fake_stop(void)
{
	if (inst) {
		loop_stop(L);
		pthread_join(th, NULL);
		inst->model->destroy(inst);
		inst = NULL;
	}
	if (L)
		loop_destroy(L);
	L = NULL;
	if (PTF.mem && PTF.mem != MAP_FAILED)
		munmap(PTF.mem, PTF_CFG_OFF);
	PTF.mem = NULL;
	if (PTF.memfd >= 0)
		close(PTF.memfd);
	PTF.memfd = -1;
}
