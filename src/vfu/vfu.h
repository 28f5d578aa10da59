/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vfu: the vfio-user server.
 *
 * One `struct vfu_ctx` is one device endpoint: a listening UNIX socket (or a
 * transport handed in directly) with at most one client (VMM) attached at a
 * time. The ctx and everything reachable from it belongs to the thread that
 * runs its loop: messages, DMA translation and interrupts are never touched
 * concurrently, which is what makes DMA_UNMAP while the device runs safe
 * (a device model must not keep pointers from vfu_dma_ptr() across returns
 * to the loop; the dma_unmap callback fires before the memory goes away).
 *
 * vfu knows nothing of PCI config space or NICs: it serves regions through
 * callbacks and interrupts through eventfds.
 */
#ifndef VMUX_VFU_VFU_H
#define VMUX_VFU_VFU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "vfu/proto.h"

struct loop;
struct vfu_ctx;

/* ---- transport ------------------------------------------------------- */

#define VFU_FDS_OVERFLOW ((size_t)-1)

struct vfu_transport;
struct vfu_transport_ops {
	/*
	 * Receives up to len bytes. File descriptors that arrive are stored
	 * in fds[] (capacity *nfds on entry; count on return). Returns bytes
	 * read, 0 on EOF, -EAGAIN if nothing is ready, or another -errno.
	 * If more fds arrived than fit, all of them are closed and *nfds is set
	 * to VFU_FDS_OVERFLOW; the bytes are still returned.
	 */
	ssize_t (*recv)(struct vfu_transport *t, void *buf, size_t len, int *fds, size_t *nfds);
	/* Sends all of iov (and fds with the first byte); -errno on failure. */
	ssize_t (*send)(struct vfu_transport *t, const struct iovec *iov, int iovcnt,
			const int *fds, size_t nfds);
	/* fd to poll for readability, or -1. */
	int (*poll_fd)(struct vfu_transport *t);
	void (*close)(struct vfu_transport *t);
};
struct vfu_transport {
	const struct vfu_transport_ops *ops;
};

/* A connected UNIX stream socket (SCM_RIGHTS fds). Takes ownership of fd. */
struct vfu_transport *vfu_transport_socket(int fd);
/*
 * Byte-stream transport for fuzzing and replay: reads from in_fd, writes
 * replies to out_fd (-1: discard). No fds travel; instead, when a message
 * header is read, get_fds (if set) is asked for the fds that accompany it,
 * so that a fuzzer can model fd passing.
 */
typedef size_t (*vfu_pipe_fd_provider)(void *arg, const struct vfu_hdr *hdr, int *fds, size_t max);
struct vfu_transport *vfu_transport_pipe(int in_fd, int out_fd, vfu_pipe_fd_provider get_fds, void *arg);
/*
 * The same with the byte stream from a function instead of in_fd: read_fn
 * answers as read(2) would (bytes, 0 at the end of the stream, -1 with errno
 * EAGAIN when nothing is there yet) and gets get_fds' arg. No fd to poll: a
 * wait for a reply ends at once. For fuzzing without a syscall per message.
 */
typedef ssize_t (*vfu_pipe_reader)(void *arg, void *buf, size_t len);
struct vfu_transport *vfu_transport_pipe_fn(vfu_pipe_reader read_fn, int out_fd,
					    vfu_pipe_fd_provider get_fds, void *arg);

/* ---- device description ---------------------------------------------- */

/*
 * Region access callback. offset/count are already validated against the
 * region size (no overflow). Returns count on success or -errno (which is
 * sent to the client as the error reply).
 */
typedef ssize_t (*vfu_region_cb)(void *opaque, uint32_t region, uint64_t offset, void *buf,
				 size_t count, bool is_write);

#define VFU_MAX_SPARSE 8
struct vfu_region_desc {
	uint64_t size;           /* 0: region absent */
	uint32_t flags;          /* VFU_REGION_F_READ | VFU_REGION_F_WRITE */
	vfu_region_cb access;    /* trapped accesses */
	int mmap_fd;             /* -1: nothing mmap-able; else ownership stays with the caller */
	uint64_t mmap_offset;    /* offset of the region's start inside mmap_fd */
	unsigned nr_sparse;      /* 0 with mmap_fd >= 0: whole region mmap-able */
	struct vfu_sparse_area sparse[VFU_MAX_SPARSE];
};

enum vfu_reset_reason {
	VFU_RESET_DEVICE,     /* DEVICE_RESET from the client */
	VFU_RESET_DISCONNECT, /* the client went away */
};

struct vfu_dev_ops {
	/* The device must return to its power-on state. */
	void (*reset)(void *opaque, enum vfu_reset_reason why);
	/* A new client finished VERSION negotiation. Optional. */
	void (*attach)(void *opaque);
	/*
	 * After a DMA_MAP was added. Optional. 0, or -errno: the map is taken
	 * back (without dma_unmap) and the client's DMA_MAP fails with it.
	 */
	int (*dma_map)(void *opaque, uint64_t addr, uint64_t size);
	/* Before a mapping disappears: drop anything derived from it. Optional. */
	void (*dma_unmap)(void *opaque, uint64_t addr, uint64_t size);
	/* SET_IRQS changed eventfds or masks of this index. Optional. */
	void (*irq_changed)(void *opaque, uint32_t index);
};

struct vfu_limits {
	uint32_t max_msg_fds;      /* announced; fds accepted per message */
	uint32_t max_data_xfer;    /* announced; largest region/DMA data transfer */
	uint32_t max_dma_maps;     /* announced; DMA_MAP entries per client */
	uint64_t max_dma_total;    /* bytes mapped per client, all maps */
	uint32_t max_pending_cmds; /* commands queued while waiting for a DMA_READ/WRITE reply */
	uint32_t reply_timeout_ms; /* for server-to-client requests; the client is dropped after */
	uint32_t msgs_per_wakeup;  /* fairness: messages handled per readiness event */
};
void vfu_limits_default(struct vfu_limits *l);

struct vfu_ctx_cfg {
	const char *name;            /* for logs ("vm0"), copied */
	uint32_t dev_flags;          /* VFU_DEV_F_PCI | VFU_DEV_F_RESET */
	uint32_t num_regions;        /* >= VFU_PCI_NUM_REGIONS for PCI */
	uint32_t irq_count[VFU_IRQ_NUM];
	uint32_t irq_flags[VFU_IRQ_NUM]; /* 0: defaults (EVENTFD, INTx also MASKABLE|AUTOMASKED) */
	struct vfu_limits limits;    /* zeroed fields take defaults */
};

/* ---- lifecycle ------------------------------------------------------- */

struct vfu_ctx *vfu_create(const struct vfu_ctx_cfg *cfg, const struct vfu_dev_ops *ops, void *opaque);
/* Describes region idx (< num_regions). May be called before a client attaches only. */
int vfu_set_region(struct vfu_ctx *ctx, uint32_t idx, const struct vfu_region_desc *desc);
/*
 * Puts another fd behind region idx's mmap-able part for the clients to come
 * (same mmap_offset and sparse areas; ownership stays with the caller); -1:
 * nothing of the region is offered for mmap, every access is trapped. Only
 * while no client is attached, e.g. from the reset callback for
 * VFU_RESET_DISCONNECT (the old client is gone by then): -EBUSY otherwise.
 * -EINVAL for a bad index or an fd for an absent region, -EBADF for an fd
 * that is not open.
 */
int vfu_region_set_mmap_fd(struct vfu_ctx *ctx, uint32_t idx, int fd);
/*
 * Listens on a UNIX socket at path on loop l. Refuses (-EADDRINUSE) if a live
 * server answers there; a stale socket file is replaced. A second client that
 * connects while one is attached is refused (accepted and closed, logged).
 */
int vfu_listen(struct vfu_ctx *ctx, struct loop *l, const char *path);
/*
 * Serves on fd, a listening UNIX stream socket someone else bound (the
 * vfio-user convention's --fd, systemd's socket activation); label names it
 * in logs. Made non-blocking and close-on-exec; on success the context owns
 * fd (closed at destroy, but the socket file is left alone). -ENOTSOCK,
 * -EAFNOSUPPORT, -ESOCKTNOSUPPORT or -EDESTADDRREQ (not listening) for an fd
 * that is not such a socket, and then fd stays the caller's.
 */
int vfu_listen_fd(struct vfu_ctx *ctx, struct loop *l, int fd, const char *label);
/* Attaches an already connected transport as the client (tests, fuzzing). */
int vfu_attach(struct vfu_ctx *ctx, struct loop *l, struct vfu_transport *t);
/*
 * Handles what the client has sent, without a loop (fuzzing, replay): returns
 * when the transport has no complete message left or has been closed.
 */
void vfu_pump(struct vfu_ctx *ctx);
/* Drops the current client: everything it owned is released; device reset. */
void vfu_disconnect(struct vfu_ctx *ctx);
/* Disconnects, stops listening and removes the socket file. */
void vfu_destroy(struct vfu_ctx *ctx);

bool vfu_connected(const struct vfu_ctx *ctx);
const char *vfu_name(const struct vfu_ctx *ctx);
void *vfu_opaque(const struct vfu_ctx *ctx);

/* ---- DMA ------------------------------------------------------------- */

#define VFU_PROT_READ 0x1
#define VFU_PROT_WRITE 0x2
/*
 * Translates [addr, addr+len) to a pointer into the client's memory. NULL
 * unless the whole range lies inside one fd-backed mapping that allows prot.
 * Valid until control returns to the loop (or a DMA_UNMAP callback).
 */
void *vfu_dma_ptr(struct vfu_ctx *ctx, uint64_t addr, uint64_t len, int prot);
/*
 * The whole fd-backed mapping containing addr: [*base, *base + *size) is at
 * *ptr with protection *prot. -ENOENT if addr is in no such mapping. Valid as
 * long as a pointer from vfu_dma_ptr() is.
 */
int vfu_dma_region(struct vfu_ctx *ctx, uint64_t addr, uint64_t *base, uint64_t *size,
		   uint8_t **ptr, int *prot);
/*
 * Copies guest memory; ranges may span mappings. Memory mapped without an fd
 * is reached with DMA_READ/DMA_WRITE messages to the client (synchronous,
 * bounded by reply_timeout_ms: a client that lets it pass is dropped, from
 * the loop, and this returns -ETIMEDOUT, then -ENOTCONN); not from a region callback or anything else
 * called while a message is handled (the VMM waits for that reply and cannot
 * answer): there that path fails with -EBUSY. 0 or -errno.
 */
int vfu_dma_read(struct vfu_ctx *ctx, uint64_t addr, void *buf, size_t len);
int vfu_dma_write(struct vfu_ctx *ctx, uint64_t addr, const void *buf, size_t len);

/* ---- interrupts ------------------------------------------------------ */

/*
 * Signals vector `sub` of index (MSI, MSI-X, ERR, REQ): writes its eventfd
 * unless absent or masked (then the pending bit is set). 0, or -ENOENT when no
 * eventfd is configured, -EAGAIN when masked (left pending).
 */
int vfu_irq_trigger(struct vfu_ctx *ctx, uint32_t index, uint32_t sub);
/*
 * INTx is level-triggered and automasked: raising the line signals the
 * eventfd once and masks; the client's UNMASK re-signals if still raised.
 */
void vfu_intx_set(struct vfu_ctx *ctx, bool level);
/* Number of vectors of index with an eventfd configured. */
uint32_t vfu_irq_enabled_count(const struct vfu_ctx *ctx, uint32_t index);
bool vfu_irq_pending(const struct vfu_ctx *ctx, uint32_t index, uint32_t sub);
/*
 * Vector `sub` of index as the client set it up with SET_IRQS: whether it has
 * an eventfd, and whether it is masked (the client's MASK; for INTx also the
 * automask after each assertion, until the client's UNMASK). false for an
 * index or vector out of range.
 */
bool vfu_irq_has_eventfd(const struct vfu_ctx *ctx, uint32_t index, uint32_t sub);
/*
 * The eventfd itself (still owned by vfu: valid until the next SET_IRQS of
 * that index or the client's end), or -1. For a device that hands the VMM's
 * eventfds on (passthrough: to VFIO, so the interrupt needs no thread here).
 */
int vfu_irq_eventfd(const struct vfu_ctx *ctx, uint32_t index, uint32_t sub);
/* The INTx unmask (resample) eventfd the VMM gave (SET_IRQS UNMASK with an fd), or -1; as above. */
int vfu_intx_unmask_eventfd(const struct vfu_ctx *ctx);
bool vfu_irq_masked(const struct vfu_ctx *ctx, uint32_t index, uint32_t sub);

/* ---- counters -------------------------------------------------------- */

struct vfu_stats {
	uint64_t clients;        /* clients attached since start */
	uint64_t clients_refused;
	uint64_t msgs;           /* commands handled */
	uint64_t msgs_err;       /* commands answered with an error */
	uint64_t proto_errors;   /* stream-level errors that dropped a client */
	uint64_t region_reads, region_writes;
	uint64_t dma_maps, dma_unmaps;
	uint64_t dma_map_refused; /* DMA_MAPs the device refused (its dma_map callback) */
	uint64_t irqs_signalled;
	uint64_t dma_msgs;       /* DMA_READ/DMA_WRITE sent to the client */
	uint64_t mem_faults;     /* clients dropped: their guest memory faulted (core/mguard) */
};
const struct vfu_stats *vfu_get_stats(const struct vfu_ctx *ctx);

#endif
