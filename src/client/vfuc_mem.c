/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vfuc: guest memory (DMA_MAP/DMA_UNMAP, the client's memory registrations)
 * and the server's DMA_READ/DMA_WRITE requests served from it.
 */
#include "client/vfuc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "client/vfuc_priv.h"
#include "core/log.h"

#define COMP "vfuc"

void vfuc_ent_release(struct vfuc_ent *e)
{
	if (e->base && e->size)
		munmap(e->base, e->size);
	if (e->fd >= 0)
		close(e->fd);
	e->base = NULL;
	e->fd = -1;
}

/* ---- guest memory lookup and server DMA requests ---------------------- */

static struct vfuc_ent *mem_find(struct vfuc *c, uint64_t addr)
{
	for (size_t i = 0; i < c->nmem; i++) {
		struct vfuc_ent *e = &c->mem[i];

		if (addr >= e->iova && addr - e->iova < e->size)
			return e;
	}
	return NULL;
}

void *vfuc_gpa(struct vfuc *c, uint64_t iova, uint64_t len)
{
	struct vfuc_ent *e = mem_find(c, iova);

	if (!e || len > e->size - (iova - e->iova))
		return NULL;
	return e->base + (iova - e->iova);
}

/*
 * Copies between buf and guest memory; the range may span adjacent
 * registrations. 0, -ENODEV (not guest memory: QEMU's decode error) or
 * -EPERM (write to read-only memory).
 */
static int mem_copy(struct vfuc *c, uint64_t addr, void *buf, uint64_t len, bool to_guest)
{
	uint8_t *p = buf;

	if (len && addr + len - 1 < addr)
		return -ENODEV;
	while (len) {
		struct vfuc_ent *e = mem_find(c, addr);
		uint64_t off, n;

		if (!e)
			return -ENODEV;
		if (to_guest && !e->writable)
			return -EPERM;
		off = addr - e->iova;
		n = e->size - off < len ? e->size - off : len;
		if (to_guest)
			memcpy(e->base + off, p, n);
		else
			memcpy(p, e->base + off, n);
		p += n;
		addr += n;
		len -= n;
	}
	return 0;
}

static int serve_dma_read(struct vfuc *c, const struct vfu_hdr *h)
{
	uint64_t addr;
	uint32_t count;
	uint8_t *res;
	int r;

	if (h->size < VFUC_DMA_RW_HDR)
		return vfuc_send_error(c, h, EINVAL);
	memcpy(&addr, c->rx + sizeof(*h), sizeof(addr));
	memcpy(&count, c->rx + sizeof(*h) + 8, sizeof(count));
	if (count > VFUC_OWN_MAX_XFER)
		return vfuc_send_error(c, h, E2BIG);

	/* Reply: the request's header and address/count, data at byte 28, sized 32 + count. */
	res = calloc(1, VFUC_DMA_RW_HDR + (size_t)count);
	if (!res)
		return vfuc_send_error(c, h, ENOMEM);
	memcpy(res, c->rx, VFUC_DMA_RW_HDR);
	r = mem_copy(c, addr, res + VFUC_DMA_RW_DATA, count, false);
	if (r < 0) {
		free(res);
		return vfuc_send_error(c, h, (uint32_t)-r);
	}
	if (h->flags & VFU_F_NO_REPLY) {
		free(res);
		c->stats.dma_reads++;
		return 0;
	}

	struct vfu_hdr *rh = (struct vfu_hdr *)(void *)res;
	rh->flags = VFU_F_TYPE_REPLY;
	rh->size = VFUC_DMA_RW_HDR + count;
	rh->error = 0;
	struct iovec iov = { .iov_base = res, .iov_len = rh->size };
	r = vfuc_send_all(c, &iov, 1, NULL, 0);
	free(res);
	c->stats.dma_reads++;
	return r;
}

static int serve_dma_write(struct vfuc *c, const struct vfu_hdr *h)
{
	uint64_t addr;
	uint32_t count;
	int r;

	if (h->size < VFUC_DMA_RW_HDR)
		return vfuc_send_error(c, h, EINVAL);
	memcpy(&addr, c->rx + sizeof(*h), sizeof(addr));
	memcpy(&count, c->rx + sizeof(*h) + 8, sizeof(count));
	/* make sure the count isn't larger than the data that came */
	if (count > h->size - VFUC_DMA_RW_HDR)
		return vfuc_send_error(c, h, E2BIG);
	r = mem_copy(c, addr, c->rx + VFUC_DMA_RW_DATA, count, true);
	if (r < 0)
		return vfuc_send_error(c, h, (uint32_t)-r);
	c->stats.dma_writes++;
	if (h->flags & VFU_F_NO_REPLY)
		return 0;

	struct vfu_hdr rh = *h;
	rh.flags = VFU_F_TYPE_REPLY;
	rh.size = sizeof(rh);
	rh.error = 0;
	struct iovec iov = { .iov_base = &rh, .iov_len = sizeof(rh) };
	return vfuc_send_all(c, &iov, 1, NULL, 0);
}

/* Answers the server request sitting in c->rx, then forgets it. */
int vfuc_serve_request(struct vfuc *c)
{
	struct vfu_hdr h;
	int r;

	memcpy(&h, c->rx, sizeof(h));
	if (c->rx_nfds || c->rx_fd_trunc) {
		/* no server request passes fds */
		vfuc_rx_drop(c);
		return vfuc_send_error(c, &h, EINVAL);
	}
	switch (h.cmd) {
	case VFU_CMD_DMA_READ:
		r = serve_dma_read(c, &h);
		break;
	case VFU_CMD_DMA_WRITE:
		r = serve_dma_write(c, &h);
		break;
	default:
		LOG_RL(LOG_LVL_WARN, COMP, "server sent unexpected command %u", h.cmd);
		r = vfuc_send_error(c, &h, ENOSYS);
		break;
	}
	vfuc_rx_drop(c);
	return r;
}

/* ---- DMA map ------------------------------------------------------------ */

int vfuc_dma_map(struct vfuc *c, uint64_t iova, uint64_t size, int fd, uint64_t offset,
		 uint32_t flags)
{
	struct vfu_dma_map m = {
		.argsz = sizeof(m),
		.flags = flags,
		.offset = fd >= 0 ? offset : 0,
		.addr = iova,
		.size = size,
	};

	return vfuc_request(c, VFU_CMD_DMA_MAP, 0, &m, sizeof(m), fd >= 0 ? &fd : NULL,
			    fd >= 0 ? 1 : 0, NULL, 0, NULL, NULL, NULL);
}

int vfuc_dma_unmap(struct vfuc *c, uint64_t iova, uint64_t size, uint32_t flags)
{
	struct vfu_dma_unmap u = {
		.argsz = sizeof(u),
		.flags = flags,
		.addr = iova,
		.size = size,
	};

	return vfuc_request(c, VFU_CMD_DMA_UNMAP, 0, &u, sizeof(u), NULL, 0, NULL, 0, NULL, NULL,
			    NULL);
}

static int mem_register(struct vfuc *c, const struct vfuc_ent *e)
{
	if (c->nmem == c->mem_cap) {
		size_t ncap = c->mem_cap ? c->mem_cap * 2 : 8;
		struct vfuc_ent *p = realloc(c->mem, ncap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		c->mem = p;
		c->mem_cap = ncap;
	}
	c->mem[c->nmem++] = *e;
	return 0;
}

static struct vfuc_ent *mem_lookup_exact(struct vfuc *c, const struct vfuc_mem *m, size_t *idx)
{
	for (size_t i = 0; i < c->nmem; i++) {
		if (c->mem[i].base == m->base && c->mem[i].iova == m->iova) {
			*idx = i;
			return &c->mem[i];
		}
	}
	return NULL;
}

static bool mem_overlaps(struct vfuc *c, uint64_t iova, uint64_t size)
{
	for (size_t i = 0; i < c->nmem; i++) {
		const struct vfuc_ent *e = &c->mem[i];

		if (iova < e->iova + e->size && e->iova < iova + size)
			return true;
	}
	return false;
}

/*
 * Guest RAM at iova: fd < 0 and shared, a fresh memfd sealed like QEMU's
 * memory-backend-memfd; fd >= 0, that file (ours from now on); not shared,
 * private memory without an fd.
 */
static int mem_create(struct vfuc *c, uint64_t iova, uint64_t size, bool shared, int fd,
		      struct vfuc_mem *out)
{
	struct vfuc_ent e = { .iova = iova, .size = size, .fd = fd, .writable = true };
	int r;

	memset(out, 0, sizeof(*out));
	out->fd = -1;
	if (size == 0 || iova + size - 1 < iova || size > SIZE_MAX || mem_overlaps(c, iova, size)) {
		r = size && mem_overlaps(c, iova, size) ? -EEXIST : -EINVAL;
		vfuc_ent_release(&e);
		return r;
	}
	if (shared && e.fd < 0) {
		/* Like QEMU's memory-backend-memfd: sealed against resizing. */
		e.fd = memfd_create("vfuc-guest-ram", MFD_CLOEXEC | MFD_ALLOW_SEALING);
		if (e.fd < 0)
			return -errno;
		if (ftruncate(e.fd, (off_t)size) < 0 ||
		    fcntl(e.fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW) < 0) {
			r = -errno;
			close(e.fd);
			return r;
		}
	}
	if (e.fd >= 0)
		e.base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, e.fd, 0);
	else
		e.base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
			      0);
	if (e.base == MAP_FAILED) {
		r = -errno;
		e.base = NULL;
		vfuc_ent_release(&e);
		return r;
	}
	r = mem_register(c, &e);
	if (r < 0) {
		vfuc_ent_release(&e);
		return r;
	}
	r = vfuc_dma_map(c, iova, size, e.fd, 0, VFU_DMA_F_READ | VFU_DMA_F_WRITE);
	if (r < 0) {
		c->nmem--;
		vfuc_ent_release(&e);
		return r;
	}
	out->fd = e.fd;
	out->base = e.base;
	out->iova = iova;
	out->size = size;
	return 0;
}

int vfuc_mem_create(struct vfuc *c, uint64_t iova, uint64_t size, struct vfuc_mem *out)
{
	return mem_create(c, iova, size, true, -1, out);
}

int vfuc_mem_create_private(struct vfuc *c, uint64_t iova, uint64_t size, struct vfuc_mem *out)
{
	return mem_create(c, iova, size, false, -1, out);
}

int vfuc_mem_adopt(struct vfuc *c, uint64_t iova, uint64_t size, int fd, struct vfuc_mem *out)
{
	if (fd < 0) {
		memset(out, 0, sizeof(*out));
		out->fd = -1;
		return -EBADF;
	}
	return mem_create(c, iova, size, true, fd, out);
}

void vfuc_mem_destroy(struct vfuc *c, struct vfuc_mem *m)
{
	struct vfuc_ent *e;
	size_t idx;

	if (!m || !m->base)
		return;
	e = mem_lookup_exact(c, m, &idx);
	if (!e)
		return;
	if (!c->closed)
		vfuc_dma_unmap(c, e->iova, e->size, 0);
	vfuc_ent_release(e);
	c->mem[idx] = c->mem[--c->nmem];
	memset(m, 0, sizeof(*m));
	m->fd = -1;
}
