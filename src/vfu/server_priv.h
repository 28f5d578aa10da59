/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vfu server internals: the state that server.c and the files split from it
 * (msg.c, handlers.c, irq.c, dma_msg.c) share, and what they call across
 * files. Also reachable from unit tests; not part of the interface (vfu.h).
 */
#ifndef VMUX_VFU_SERVER_PRIV_H
#define VMUX_VFU_SERVER_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vfu/dma.h"
#include "vfu/proto.h"
#include "vfu/vfu.h"

struct loop_fd;

/* Slack allowed above max_data_xfer for a message's fixed fields. */
#define VFU_MSG_OVERHEAD 64u
/* fds accepted with one message at most (announced max_msg_fds is capped to it). */
#define VFU_MAX_FDS 16u
/* Bodies up to this size are received into the client's own buffer. */
#define VFU_RX_SMALL 512u
/* The receive buffer: most messages (doorbells, region accesses) come whole with one recvmsg. */
#define VFU_RX_BUF 4096u
#define VFU_REPLY_SMALL 256u
#define VFU_PGSIZE 4096u

/*
 * Checks a received header before its payload is read: 0, or -errno for a
 * stream that cannot be trusted any more (the client is dropped).
 */
int vfu_check_hdr(const struct vfu_hdr *h, uint32_t max_data_xfer);

struct irq_vec {
	int efd;
	bool masked;
	bool pending;
};

struct irq_index {
	uint32_t count;
	uint32_t flags;
	struct irq_vec *v;
};

struct queued_msg {
	struct queued_msg *next;
	struct vfu_hdr hdr;
	uint8_t *body;
	size_t len;
	int fds[VFU_MAX_FDS];
	size_t nfds;
	bool fd_overflow;
};

struct client {
	struct vfu_transport *t;
	struct loop_fd *lfd;
	bool negotiated;
	bool dead;
	bool in_dispatch; /* a message of this client is being handled */
	const char *why_dead;
	/* receive state */
	struct vfu_hdr hdr;
	size_t hdr_got;
	uint8_t *body;
	size_t body_len, body_got;
	uint8_t small[VFU_RX_SMALL];
	int fds[VFU_MAX_FDS];
	size_t nfds;
	bool fd_overflow;
	/*
	 * Bytes received but not parsed yet, rbuf[rb_off, rb_len), and the fds
	 * that came with the last recvmsg into it (a recvmsg stops after the
	 * bytes of the sendmsg that carried fds, so they belong to the last
	 * message starting in that read: the one that contains its last byte).
	 */
	uint8_t rbuf[VFU_RX_BUF];
	size_t rb_off, rb_len;
	int pfds[VFU_MAX_FDS];
	size_t npfds;
	bool pfd_overflow;
	/* negotiated */
	uint32_t peer_max_xfer;
	/* server-to-client requests */
	uint16_t next_id;
	struct queued_msg *q_head, *q_tail;
	uint32_t q_len;
	struct dma_table dma;
};

struct vfu_ctx {
	char name[64];
	uint32_t dev_flags;
	struct vfu_limits lim;
	const struct vfu_dev_ops *ops;
	void *opaque;
	struct vfu_region_desc *regions;
	uint32_t nregions;
	struct irq_index irqs[VFU_IRQ_NUM];
	bool intx_level;
	int intx_unmask_fd;
	struct loop_fd *intx_unmask_lfd;
	struct loop *loop;
	int listen_fd;
	struct loop_fd *listen_lfd;
	char *path;
	bool path_inherited; /* listen_fd was handed over (--fd, LISTEN_FDS): never unlink path */
	struct client *client;
	int kick_fd;
	struct loop_fd *kick_lfd;
	unsigned dispatch_depth;
	struct vfu_stats stats;
};

struct reply {
	uint8_t *buf;
	size_t len;
	int fd;
	bool heap;
	uint8_t small[VFU_REPLY_SMALL];
};

/* ---- server.c: contexts, clients, dispatch ------------------------------- */

/* Marks the client to be dropped from the loop; the first reason is kept. */
void vfu_kill_client(struct client *c, const char *why);

/* ---- msg.c: message I/O -------------------------------------------------- */

void vfu_close_fds(int *fds, size_t n);
/* A zeroed reply payload of len bytes (in r->small if it fits); NULL without memory. */
void *vfu_reply_alloc(struct reply *r, size_t len);
void vfu_reply_release(struct reply *r);
/* Forgets the message being received: closes its fds, frees its body. */
void vfu_rx_reset(struct client *c);
/* 1: a whole message is in c->hdr/body; 0: wait for more; <0: drop the client. */
int vfu_rx_msg(struct vfu_ctx *ctx, struct client *c);
/* 0, or -errno with the client marked dead. */
int vfu_send_msg(struct vfu_ctx *ctx, struct client *c, const struct vfu_hdr *h,
		 const void *payload, size_t len, int fd);
void vfu_send_reply(struct vfu_ctx *ctx, struct client *c, const struct vfu_hdr *req, int err,
		    const struct reply *rep);

/* ---- handlers.c: commands (0 or a positive errno for the reply) ---------- */

int vfu_h_version(struct vfu_ctx *ctx, struct client *c, const uint8_t *p, size_t len,
		  struct reply *rep);
int vfu_h_device_info(struct vfu_ctx *ctx, const uint8_t *p, size_t len, struct reply *rep);
int vfu_h_region_info(struct vfu_ctx *ctx, const uint8_t *p, size_t len, struct reply *rep);
int vfu_h_region_read(struct vfu_ctx *ctx, const uint8_t *p, size_t len, struct reply *rep);
int vfu_h_region_write(struct vfu_ctx *ctx, const uint8_t *p, size_t len, struct reply *rep);
int vfu_h_region_write_multi(struct vfu_ctx *ctx, const uint8_t *p, size_t len);
int vfu_h_reset(struct vfu_ctx *ctx, size_t len);

/* ---- irq.c: interrupts (handlers: 0 or a positive errno) ----------------- */

/* Closes every vector's eventfd and the INTx unmask fd; the INTx line drops. */
void vfu_irqs_reset(struct vfu_ctx *ctx);
int vfu_h_irq_info(struct vfu_ctx *ctx, const uint8_t *p, size_t len, struct reply *rep);
int vfu_h_set_irqs(struct vfu_ctx *ctx, const uint8_t *p, size_t len, int *fds, size_t nfds);

/* ---- dma_msg.c: DMA (handlers: 0 or a positive errno) -------------------- */

/* dma_table callback: the device hears of a mapping before it goes away. */
void vfu_dma_unmap_cb(void *arg, uint64_t addr, uint64_t size);
int vfu_h_dma_map(struct vfu_ctx *ctx, struct client *c, const uint8_t *p, size_t len,
		  int *fds, size_t nfds);
int vfu_h_dma_unmap(struct vfu_ctx *ctx, struct client *c, const uint8_t *p, size_t len,
		    struct reply *rep);

#endif
