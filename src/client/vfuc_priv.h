/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vfuc internals shared by the client's source files. Not an interface:
 * tests and tools use vfuc.h only.
 */
#ifndef VMUX_CLIENT_VFUC_PRIV_H
#define VMUX_CLIENT_VFUC_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "client/vfuc.h"

/* What QEMU 11 offers in VERSION (hw/vfio-user/protocol.h defaults). */
#define VFUC_OWN_MAX_FDS 16u
#define VFUC_OWN_MAX_XFER (1024u * 1024u)
#define VFUC_OWN_PGSIZES 4096u
#define VFUC_OWN_MAX_DMA_MAPS 65535u
#define VFUC_OWN_MAX_BITMAP (256u * 1024u * 1024u)

/* Defaults when the server leaves a capability out (as QEMU assumes). */
#define VFUC_DEF_MAX_FDS 8u
#define VFUC_DEF_MAX_XFER (1024u * 1024u)
#define VFUC_DEF_PGSIZES 4096u
#define VFUC_DEF_MAX_DMA_MAPS 65535u

/* Upper bounds QEMU accepts from a server. */
#define VFUC_MAX_MAX_XFER (64u * 1024u * 1024u)

/* QEMU refuses a device with more than this (defence against a hostile server). */
#define VFUC_MAX_REGIONS 100u
#define VFUC_MAX_IRQS 50u

/* Largest reply we take in (region data of the largest transfer + headers). */
#define VFUC_RX_MAX_REPLY ((size_t)VFUC_MAX_MAX_XFER + 64u)
/* Largest request from the server: a DMA_WRITE of our own max transfer. */
#define VFUC_RX_MAX_REQ ((size_t)VFUC_OWN_MAX_XFER + 32u)
/* File descriptors taken from one message; more are closed. */
#define VFUC_RX_FDS 32u

/* QEMU's VFIOUserDMARW: header, u64 address, u32 count, data at byte 28, sizeof 32. */
#define VFUC_DMA_RW_HDR 32u
#define VFUC_DMA_RW_DATA 28u

#define VFUC_DEFAULT_TIMEOUT_MS 5000

struct vfuc_ent {
	uint64_t iova;
	uint64_t size;
	uint8_t *base;
	int fd;
	bool writable;
};

struct vfuc_irqs {
	int *fds;
	uint32_t count;
};

struct vfuc {
	int fd;
	int timeout_ms;
	uint16_t next_id;
	bool closed;  /* EOF or a fatal stream error seen */
	bool negotiated;
	struct vfuc_server_caps caps;
	char *server_json;

	/* receive state: one message at a time, resumable across timeouts */
	uint8_t *rx;
	size_t rx_cap;
	size_t rx_have;
	int rx_fds[VFUC_RX_FDS];
	size_t rx_nfds;
	bool rx_fd_trunc;

	struct vfuc_ent *mem;
	size_t nmem, mem_cap;

	struct vfuc_irqs irq[VFU_IRQ_NUM];

	struct vfuc_stats stats;
};

/*
 * Shared by the client's files: vfuc.c (connection, sending, receiving,
 * request/reply), vfuc_dev.c (VERSION, device and region info, region
 * access), vfuc_mem.c (guest memory, the server's DMA requests), vfuc_irq.c
 * (interrupts) and vfuc_cfg.c (config space).
 */

/* vfuc.c */
uint64_t vfuc_now_ms(void);
uint64_t vfuc_deadline_in(int timeout_ms);
/* Milliseconds left until deadline, for poll(). */
int vfuc_ms_left(uint64_t deadline);
void vfuc_close_fds(int *fds, size_t n);
/* Sends all of iov; fds ride with the first byte. 0 or -errno. */
int vfuc_send_all(struct vfuc *c, struct iovec *iov, int iovcnt, const int *fds, size_t nfds);
int vfuc_send_error(struct vfuc *c, const struct vfu_hdr *req, uint32_t err);
/* Receives (part of) one message into c->rx until deadline; see vfuc.c. */
int vfuc_rx_step(struct vfuc *c, uint64_t deadline);
/* Forgets the message in c->rx, closing any fds it brought. */
void vfuc_rx_drop(struct vfuc *c);
/*
 * Handles one received message that is not the awaited reply: 1 if a
 * request was answered, 0 for a dropped reply, -errno on a broken stream.
 */
int vfuc_handle_other(struct vfuc *c);

/* vfuc_mem.c */
void vfuc_ent_release(struct vfuc_ent *e);
/* Answers the server request sitting in c->rx, then forgets it. */
int vfuc_serve_request(struct vfuc *c);

/* vfuc_irq.c */
void vfuc_irqs_drop(struct vfuc *c, uint32_t index);

#endif
