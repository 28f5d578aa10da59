/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * PCI devices: BAR regions (model callbacks, the MSI-X table and PBA) and
 * the shared pages a client maps (a sealed memfd per client).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/pci_regs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/log.h"
#include "pci/dev_priv.h"
#include "pci/pci.h"
#include "pci/pci_internal.h"

#define COMP "pci"

/* ---- BAR regions ------------------------------------------------------ */

static ssize_t msix_table_access(struct pci_dev *d, uint64_t off, void *buf, size_t count,
				 bool is_write)
{
	if (is_write)
		memcpy(d->msix.table + off, buf, count);
	else
		memcpy(buf, d->msix.table + off, count);
	return (ssize_t)count;
}

static ssize_t msix_pba_access(struct pci_dev *d, uint64_t off, void *buf, size_t count,
			       bool is_write)
{
	uint8_t *out = buf;

	/* Pending bits are read-only; writes are dropped. */
	if (is_write)
		return (ssize_t)count;
	for (size_t i = 0; i < count; i++) {
		uint8_t byte = 0;

		for (unsigned bit = 0; bit < 8; bit++) {
			uint64_t vec = (off + i) * 8 + bit;

			if (vec < d->msix.nvec && d->ctx &&
			    vfu_irq_pending(d->ctx, VFU_IRQ_MSIX, (uint32_t)vec))
				byte |= (uint8_t)(1u << bit);
		}
		out[i] = byte;
	}
	return (ssize_t)count;
}

/*
 * Accesses the framework serves itself: the MSI-X table and PBA and the
 * shared pages. Sets *handled and returns the result if [off, off+count)
 * falls in one of them; an access straddling one of their edges is refused.
 */
static ssize_t bar_special(struct pci_dev *d, unsigned bar, uint64_t off, void *buf,
			   size_t count, bool is_write, bool *handled)
{
	struct pci_bar_state *b = &d->bars[bar];
	struct pci_msix_state *m = &d->msix;
	enum overlap ov;

	*handled = true;
	if (d->msix_cap && m->table_bar == bar) {
		ov = range_overlap(off, count, m->table_off, msix_table_len(m));
		if (ov == OV_INSIDE)
			return msix_table_access(d, off - m->table_off, buf, count, is_write);
		if (ov == OV_PARTIAL)
			return -EINVAL;
	}
	if (d->msix_cap && m->pba_bar == bar) {
		ov = range_overlap(off, count, m->pba_off, msix_pba_len(m));
		if (ov == OV_INSIDE)
			return msix_pba_access(d, off - m->pba_off, buf, count, is_write);
		if (ov == OV_PARTIAL)
			return -EINVAL;
	}
	for (unsigned i = 0; i < b->nr_shared; i++) {
		const struct vfu_sparse_area *a = &b->shared[i];

		ov = range_overlap(off, count, a->offset, a->size);
		if (ov == OV_PARTIAL)
			return -EINVAL;
		if (ov == OV_NONE)
			continue;
		/* Trapped access to a shared page: same memory as the mmap. */
		b->shared_traps++;
		if (is_write)
			memcpy(b->map + off, buf, count);
		else
			memcpy(buf, b->map + off, count);
		return (ssize_t)count;
	}
	*handled = false;
	return 0;
}

ssize_t pci_dev_bar_access(void *opaque, uint32_t region, uint64_t offset, void *buf,
			   size_t count, bool is_write)
{
	struct pci_dev *d = opaque;
	struct pci_bar_state *b;
	bool handled;
	ssize_t r;

	if (region >= PCI_NUM_BARS)
		return -EINVAL;
	b = &d->bars[region];
	if (!b->size || offset > b->size || count > b->size - offset)
		return -EINVAL;
	if (!count)
		return 0;

	r = bar_special(d, region, offset, buf, count, is_write, &handled);
	if (handled)
		return r;

	if (!b->access || d->dying) {
		if (!is_write)
			memset(buf, 0, count);
		return (ssize_t)count;
	}
	r = b->access(d->opaque, region, offset, buf, count, is_write);
	if (r > (ssize_t)count) {
		LOG_RL(LOG_LVL_ERR, COMP, "%s: BAR%u handler returned %zd for %zu bytes", d->name,
		       region, r, count);
		return -EIO;
	}
	return r;
}

bool pci_shared_ok(const char *name, unsigned i, const struct pci_bar_desc *b)
{
	uint64_t pg = (uint64_t)sysconf(_SC_PAGESIZE);

	if (!b->nr_shared)
		return true;
	if (b->nr_shared > VFU_MAX_SPARSE || (b->flags & PCI_BAR_IO))
		goto bad;
	for (unsigned k = 0; k < b->nr_shared; k++) {
		const struct vfu_sparse_area *a = &b->shared[k];

		if (!a->size || a->offset % pg || a->size % pg || a->offset > b->size ||
		    a->size > b->size - a->offset)
			goto bad;
		for (unsigned j = 0; j < k; j++)
			if (ranges_intersect(a->offset, a->size, b->shared[j].offset,
					     b->shared[j].size))
				goto bad;
	}
	return true;
bad:
	LOG_ERR(COMP, "%s: BAR%u: bad shared areas", name, i);
	return false;
}

/* A memfd of len bytes for shared pages, or -errno. */
static int shared_memfd(const char *name, size_t len)
{
	int fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING), r;

	if (fd < 0)
		return -errno;
	/*
	 * The VMM gets this fd: sealed, it cannot shrink the file under our
	 * mapping (our next access to the pages would be a SIGBUS).
	 */
	if (ftruncate(fd, (off_t)len) < 0 ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	return fd;
}

int pci_bar_map_shared(struct pci_dev *d, unsigned i)
{
	struct pci_bar_state *b = &d->bars[i];
	uint64_t end = 0;
	void *p;
	int fd;

	for (unsigned k = 0; k < b->nr_shared; k++)
		if (b->shared[k].offset + b->shared[k].size > end)
			end = b->shared[k].offset + b->shared[k].size;
	fd = shared_memfd(d->name, end);
	if (fd < 0)
		return fd;
	b->memfd = fd;
	p = mmap(NULL, end, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	b->map = p;
	b->map_len = end;
	return 0;
}

/*
 * The client went away: the next one gets shared pages of its own. A VMM may
 * keep its mapping of the old memfd after it disconnected; through it, it
 * must not reach the next VM's device. A new memfd is mapped over ours
 * (MAP_FIXED), so pointers from pci_bar_shared() stay valid and now point
 * into the new file. Without one, the pages become private memory offered
 * without an fd: every access of the next client is trapped (and served from
 * that memory) until a later detach gets a memfd again.
 */
void pci_bar_renew_shared(struct pci_dev *d, unsigned i)
{
	struct pci_bar_state *b = &d->bars[i];
	int fd = shared_memfd(d->name, b->map_len), r;
	void *p = MAP_FAILED;

	if (fd >= 0) {
		p = mmap(b->map, b->map_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0);
		if (p == MAP_FAILED) {
			r = -errno;
			close(fd);
			fd = r;
		}
	}
	if (fd < 0) {
		b->shared_renew_err++;
		p = mmap(b->map, b->map_len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		r = errno;
		if (p == MAP_FAILED)
			LOG_ERR(COMP, "%s: BAR%u: cannot replace the shared pages (%s, then %s): "
				      "the last client may still reach them", d->name, i,
				strerror(-fd), strerror(r));
		else
			LOG_ERR(COMP, "%s: BAR%u: no new memfd for the shared pages (%s): the "
				      "next client's accesses to them are trapped", d->name, i,
				strerror(-fd));
		fd = -1;
	}
	if (b->memfd >= 0)
		close(b->memfd);
	b->memfd = fd;
	r = vfu_region_set_mmap_fd(d->ctx, i, fd);
	if (r < 0)
		LOG_ERR(COMP, "%s: BAR%u: cannot offer the new shared pages (%d)", d->name, i, r);
}

/* Address bits the guest may write: what sizing reads back, plus type bits. */
void *pci_bar_shared(struct pci_dev *d, unsigned bar, unsigned idx)
{
	if (!d || bar >= PCI_NUM_BARS || idx >= d->bars[bar].nr_shared || !d->bars[bar].map)
		return NULL;
	return d->bars[bar].map + d->bars[bar].shared[idx].offset;
}

uint64_t pci_bar_shared_traps(const struct pci_dev *d, unsigned bar)
{
	return d && bar < PCI_NUM_BARS ? d->bars[bar].shared_traps : 0;
}

uint64_t pci_bar_shared_renew_err(const struct pci_dev *d, unsigned bar)
{
	return d && bar < PCI_NUM_BARS ? d->bars[bar].shared_renew_err : 0;
}
