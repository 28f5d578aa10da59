/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shared pieces of the fuzz targets: the libFuzzer entry points, file
 * descriptor leak checks, and a driver that feeds a framed input into a vfu
 * context through the pipe transport.
 *
 * Input framing for vfu-based targets: a sequence of chunks
 *
 *   struct fz_chunk_hdr (16 bytes, little endian) followed by `len` bytes
 *
 * The bytes of all chunks form the client's byte stream (normally one
 * vfio-user message per chunk). The chunk header also says which file
 * descriptors accompany the first message header completed in that chunk,
 * whether the device does something on its own before the chunk is handled
 * (DMA, interrupts, RX), and whether the client hangs up afterwards.
 */
#ifndef VMUX_TESTS_FUZZ_COMMON_H
#define VMUX_TESTS_FUZZ_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vfu_ctx;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ---- chunk framing ------------------------------------------------------ */

struct fz_chunk_hdr {
	uint8_t ctl;    /* FZ_CTL_* */
	uint8_t fdarg;  /* fd count or memfd size in pages, per fd kind */
	uint16_t len;   /* stream bytes that follow */
	uint16_t alen;  /* device action: length */
	uint16_t aarg;  /* device action: argument */
	uint64_t aaddr; /* device action: guest address */
};
_Static_assert(sizeof(struct fz_chunk_hdr) == 16, "chunk header");

#define FZ_CTL_FD_MASK 0x07u    /* enum fz_fd_kind */
#define FZ_CTL_FIX_SIZE 0x08u   /* overwrite the vfio-user header's size with len */
#define FZ_CTL_ACT_SHIFT 4      /* 2 bits: device action kind, 0 = none */
#define FZ_CTL_ACT_MASK 0x30u
#define FZ_CTL_SPLIT 0x40u      /* deliver the chunk in two pieces, handling each */
#define FZ_CTL_HANGUP 0x80u     /* the client closes after this chunk */

enum fz_fd_kind {
	FZ_FD_NONE = 0,
	FZ_FD_MEMFD = 1,     /* fdarg pages (0: empty file), read-write */
	FZ_FD_EVENTFDS = 2,  /* 1 + fdarg % 16 eventfds */
	FZ_FD_DEVNULL = 3,   /* /dev/null: not a regular file, not an eventfd */
	FZ_FD_MEMFD_RO = 4,  /* fdarg pages, opened read-only */
	FZ_FD_OVERFLOW = 5,  /* more fds than fit: the transport reports overflow */
	FZ_FD_MEMFD_EVT = 6, /* a memfd (fdarg pages) and an eventfd */
	FZ_FD_PIPE = 7,      /* the read end of a pipe */
};

/* ---- file descriptors ---------------------------------------------------- */

/* Remembers fd as handed to the code under test in this iteration. */
void fz_fd_track(int fd);
/* Starts an iteration: forgets tracked fds. */
void fz_fd_iter_begin(void);
/*
 * Ends an iteration: every tracked fd must be closed by now (the code under
 * test owned them and has released its client). Every `period` iterations
 * (and on the first) the number of open fds is compared with the baseline.
 * Aborts with a description on a leak: that is a finding.
 */
void fz_fd_iter_end(const char *target, unsigned period);
/* Takes the number of open fds as the baseline (after setup). */
void fz_fd_baseline(void);
/* Aborts if fd is not open (a descriptor we own was closed by someone else). */
void fz_fd_must_be_open(int fd, const char *what);

/* Creates a memfd of `bytes` bytes; tracked; -1 on failure. */
int fz_memfd(size_t bytes, const char *name);
/* The same, not tracked (the caller decides). */
int fz_memfd_untracked(size_t bytes, const char *name);
/* Prints "fuzz harness: <message>" and aborts: libFuzzer saves the input. */
void fz_fatal(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

/* ---- the vfu driver (fuzz_vfu_driver.c) --------------------------------- */

struct fz_vfu_hooks {
	/*
	 * A device action of kind 1..3 (FZ_CTL_ACT_*), run after the chunk's
	 * bytes are in the stream but before the server handles them, i.e.
	 * "from the loop" as a device would (so DMA_READ/WRITE replies may come
	 * from the chunk itself). Only while a client is attached.
	 */
	void (*action)(void *arg, unsigned kind, const struct fz_chunk_hdr *h, const uint8_t *data,
		       size_t len);
	/*
	 * Bit k set: a chunk with action kind k gives its bytes to the action
	 * (data, len) instead of the client's stream.
	 */
	unsigned data_kinds;
	/*
	 * Map the memfds handed out as guest RAM for fz_guest_mem (an mmap and
	 * munmap per memfd: only for targets that write guest RAM).
	 */
	bool guest_mem;
	/* After each chunk was handled (optional): let the device run. */
	void (*after_chunk)(void *arg);
	void *arg;
};

/*
 * Runs one input against ctx: every chunk's bytes are the next part of the
 * stream of a pipe transport attached as the client (read from memory; a new
 * client after each hang-up), handled with vfu_pump; replies are discarded. Returns with no client attached. Aborts with a
 * message when vfu_pump leaves data unread for a live client or a client
 * stays attached after EOF.
 */
void fz_vfu_run(struct vfu_ctx *ctx, const uint8_t *data, size_t size,
		const struct fz_vfu_hooks *hooks);

/*
 * Guest RAM as the guest sees it: the memfds handed out with messages in the
 * current input, mapped by the harness if the hooks ask for it (guest_mem);
 * idx 0 is the most recent (taken modulo their number). NULL if none.
 */
uint8_t *fz_guest_mem(unsigned idx, size_t *size);

/*
 * fuzz_big_alloc.c (targets linked with it): aborts if a large block the code
 * under test allocated is still in use (call when everything is destroyed).
 */
void fz_big_alloc_check(const char *target);

/* Reads an integer from the environment (VMUX_FUZZ_*), default if absent. */
long fz_env_long(const char *name, long def);
/* Log level from VMUX_FUZZ_LOG (default: errors only, to keep runs quiet). */
void fz_setup_logging(void);

#endif
