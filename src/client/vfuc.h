/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vfuc: the in-tree vfio-user client. Tests and benchmarks use it the way a
 * VMM (QEMU) would: connect, negotiate, share a memfd as guest RAM, touch
 * config space and BARs, set up interrupt eventfds and wait on them. It also
 * sends raw (malformed) messages for the hostile-client suites.
 *
 * Blocking API, one thread per client. Server-to-client DMA_READ/DMA_WRITE
 * requests that arrive while waiting for a reply are served from the memory
 * registered with vfuc_mem_add()/vfuc_mem_create().
 */
#ifndef VMUX_CLIENT_VFUC_H
#define VMUX_CLIENT_VFUC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "vfu/proto.h"

struct vfuc;

/* Connects to a UNIX socket; NULL with errno set. timeout_ms bounds every wait for a reply. */
struct vfuc *vfuc_connect(const char *path, int timeout_ms);
void vfuc_close(struct vfuc *c);
int vfuc_fd(const struct vfuc *c);

/* VERSION with QEMU 11's capabilities (caps_json NULL) or the given JSON. 0 or -errno. */
int vfuc_negotiate(struct vfuc *c, const char *caps_json);
/* What the server answered in VERSION (valid after vfuc_negotiate). */
struct vfuc_server_caps {
	uint32_t max_msg_fds;
	uint32_t max_data_xfer;
	uint32_t max_dma_maps;
	uint64_t pgsizes;
	bool write_multiple;
};
const struct vfuc_server_caps *vfuc_caps(const struct vfuc *c);

/*
 * One request/reply exchange. payload (len bytes) follows a header built here
 * (id, cmd, size, flags=cmd|extra_flags). On an error reply returns -error.
 * The reply payload (without header) goes to reply (up to reply_cap bytes,
 * *reply_len set to its full length); fds received go to rfds (up to *rnfds).
 */
int vfuc_request(struct vfuc *c, uint16_t cmd, uint32_t extra_flags, const void *payload,
		 size_t len, const int *fds, size_t nfds, void *reply, size_t reply_cap,
		 size_t *reply_len, int *rfds, size_t *rnfds);
/* Raw bytes and fds, for malformed-input tests. 0 or -errno. */
int vfuc_send_raw(struct vfuc *c, const void *buf, size_t len, const int *fds, size_t nfds);
/*
 * Receives one whole message (header included) into buf. Returns its size,
 * 0 if the server closed the connection, -ETIMEDOUT, or -errno.
 */
ssize_t vfuc_recv_raw(struct vfuc *c, void *buf, size_t cap, int *fds, size_t *nfds, int timeout_ms);
/* True if the server has closed the connection (EOF seen or seen within timeout_ms). */
bool vfuc_server_closed(struct vfuc *c, int timeout_ms);

/* ---- guest memory ------------------------------------------------------ */

struct vfuc_mem {
	int fd;           /* memfd (-1 for private memory) */
	uint8_t *base;    /* our mapping */
	uint64_t iova;    /* guest address */
	uint64_t size;
};
/* Creates a memfd of size bytes, maps it here and DMA_MAPs it at iova (READ|WRITE). */
int vfuc_mem_create(struct vfuc *c, uint64_t iova, uint64_t size, struct vfuc_mem *out);
/* Maps private memory without an fd: the server reaches it only with DMA_READ/WRITE. */
int vfuc_mem_create_private(struct vfuc *c, uint64_t iova, uint64_t size, struct vfuc_mem *out);
/*
 * Guest RAM from a file the caller made (a tmpfs or hugetlbfs file, an
 * unsealed memfd: as memory-backend-file would): maps size bytes of fd from
 * offset 0 and DMA_MAPs them at iova. Takes fd, also on failure.
 */
int vfuc_mem_adopt(struct vfuc *c, uint64_t iova, uint64_t size, int fd, struct vfuc_mem *out);
void vfuc_mem_destroy(struct vfuc *c, struct vfuc_mem *m); /* unmaps (DMA_UNMAP) and frees */
/* Guest address to our pointer; NULL if outside all memory. */
void *vfuc_gpa(struct vfuc *c, uint64_t iova, uint64_t len);

int vfuc_dma_map(struct vfuc *c, uint64_t iova, uint64_t size, int fd, uint64_t offset, uint32_t flags);
int vfuc_dma_unmap(struct vfuc *c, uint64_t iova, uint64_t size, uint32_t flags);

/* ---- device ------------------------------------------------------------ */

int vfuc_device_info(struct vfuc *c, struct vfu_device_info *out);
/*
 * Region info with capabilities: caps (optional) receives the bytes after the
 * fixed struct; *fd (optional) an mmap fd or -1.
 */
/*
 * The sparse mmap areas of region idx (as a VMM looks for them): up to max
 * of them into areas, their count in *n, the region's info in *ri and its
 * mmap fd in *fd (the caller closes it). 0; -ENOENT if the region has no
 * mmap fd or no sparse mmap capability; -EINVAL if the capability does not
 * fit what came; or -errno.
 */
int vfuc_region_sparse(struct vfuc *c, uint32_t idx, struct vfu_region_info *ri,
		       struct vfu_sparse_area *areas, unsigned max, unsigned *n, int *fd);
int vfuc_region_info(struct vfuc *c, uint32_t idx, struct vfu_region_info *out, void *caps,
		     size_t caps_cap, int *fd);
int vfuc_irq_info(struct vfuc *c, uint32_t idx, struct vfu_irq_info *out);
/* 0, or -errno (-EIO if the server returned fewer bytes than asked). */
int vfuc_region_read(struct vfuc *c, uint32_t region, uint64_t off, void *buf, uint32_t count);
/* posted: NO_REPLY (returns 0 once sent). 0 or -errno. */
int vfuc_region_write(struct vfuc *c, uint32_t region, uint64_t off, const void *buf,
		      uint32_t count, bool posted);
int vfuc_reset(struct vfuc *c);

/* Config space helpers (region VFU_PCI_CONFIG). */
int vfuc_cfg_read(struct vfuc *c, uint64_t off, void *buf, uint32_t count);
int vfuc_cfg_write(struct vfuc *c, uint64_t off, const void *buf, uint32_t count);
uint32_t vfuc_cfg_read32(struct vfuc *c, uint64_t off); /* 0xffffffff on error */
uint16_t vfuc_cfg_read16(struct vfuc *c, uint64_t off);
int vfuc_cfg_write16(struct vfuc *c, uint64_t off, uint16_t v);
int vfuc_cfg_write32(struct vfuc *c, uint64_t off, uint32_t v);
/* The offset of the first standard capability with that id in the list, or 0. */
unsigned vfuc_find_cap(struct vfuc *c, uint8_t id);

/* BAR helpers: BAR n is region n. */
uint32_t vfuc_bar_read32(struct vfuc *c, unsigned bar, uint64_t off); /* 0xffffffff on error */
int vfuc_bar_write32(struct vfuc *c, unsigned bar, uint64_t off, uint32_t v, bool posted);

/* ---- interrupts ------------------------------------------------------- */

/*
 * Creates `count` eventfds and sends SET_IRQS(index, DATA_EVENTFD|TRIGGER,
 * start 0) in chunks of the server's max_msg_fds, like QEMU. The eventfds stay
 * with the client.
 */
int vfuc_irq_enable(struct vfuc *c, uint32_t index, uint32_t count);
/* DATA_NONE|TRIGGER with count 0: disables the index. */
int vfuc_irq_disable(struct vfuc *c, uint32_t index);
/* ACTION_UNMASK (DATA_NONE) for one vector; QEMU sends this for INTx after EOI. */
int vfuc_irq_unmask(struct vfuc *c, uint32_t index, uint32_t sub);
int vfuc_irq_mask(struct vfuc *c, uint32_t index, uint32_t sub);
/* The eventfd of vector sub, or -1. */
int vfuc_irq_fd(struct vfuc *c, uint32_t index, uint32_t sub);
/*
 * Waits up to timeout_ms for vector sub to fire; returns the eventfd count
 * (>0), 0 on timeout, -errno on error.
 */
int64_t vfuc_irq_wait(struct vfuc *c, uint32_t index, uint32_t sub, int timeout_ms);

/* ---- additions (tests, vmuxctl) -------------------------------------- */

/* Changes the bound on every wait (<= 0: the default, 5 s like QEMU). */
void vfuc_set_timeout(struct vfuc *c, int timeout_ms);
/* The server's VERSION JSON (NUL-terminated), or NULL before negotiation. */
const char *vfuc_server_json(const struct vfuc *c);
/* Id the next request will carry (for raw messages that want a fresh id). */
uint16_t vfuc_next_id(struct vfuc *c);

/*
 * Answers server requests (DMA_READ/DMA_WRITE) that arrive within timeout_ms;
 * stray replies are dropped. Returns how many requests were answered, or
 * -errno (-ECONNRESET once the server has closed).
 */
int vfuc_serve(struct vfuc *c, int timeout_ms);

/*
 * Any SET_IRQS: argsz = 20 + data_len, data (DATA_BOOL bytes) after the
 * fixed part, fds (DATA_EVENTFD) only in SCM_RIGHTS. No chunking.
 */
int vfuc_set_irqs(struct vfuc *c, uint32_t index, uint32_t flags, uint32_t start,
		  uint32_t count, const void *data, size_t data_len, const int *fds, size_t nfds);

/* REGION_WRITE_MULTI with n (1..200) entries; QEMU always sends it posted. */
int vfuc_write_multi(struct vfuc *c, const struct vfu_wr_one *wrs, uint32_t n, bool posted);

struct vfuc_stats {
	uint64_t requests;      /* requests sent */
	uint64_t dma_reads;     /* server DMA_READ answered with data */
	uint64_t dma_writes;    /* server DMA_WRITE applied */
	uint64_t dma_errors;    /* server requests answered with an error */
	uint64_t stray_replies; /* replies that matched no waiting request */
};
const struct vfuc_stats *vfuc_get_stats(const struct vfuc *c);

#endif
