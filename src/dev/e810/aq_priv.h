/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Internals of the E810 admin queue engine shared by the engine (aq.c) and
 * the command handlers (aq_cmds.c, aq_sw.c, aq_sched.c, aq_phy.c,
 * aq_nvm.c). Not for the model: it uses aq.h.
 */
#ifndef VMUX_DEV_E810_AQ_PRIV_H
#define VMUX_DEV_E810_AQ_PRIV_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "dev/e810/aq.h"
#include "dev/e810/aq_defs.h"
#include "dev/e810/flex.h"

#define COMP "e810-aq"

/* One queue's registers, as the guest wrote them. */
struct e810_aq_ring {
	uint32_t bal, bah, len, head, tail;
};

/* Resource pools handed out by alloc_res. */
#define E810_AQ_POOL_BITS 1024u
struct e810_aq_pool {
	uint8_t type;
	bool block;           /* one base index per request, num_elems = block size */
	uint16_t size;        /* IDs 0..size-1 */
	uint64_t used[E810_AQ_POOL_BITS / 64];
};
#define E810_AQ_NPOOLS 10u

/*
 * DDP package state. The download runs under the global config lock; what
 * it brings is kept in "pend" and becomes "cur" with the last buffer. Of
 * the package's contents only the metadata section (version, name) and the
 * sections upload_section may ask for back are kept.
 */
#define E810_AQ_PKG_MAX_BUFS 1024u  /* 4 MiB: a download past it is refused */
#define E810_AQ_PKG_KEEP 4084u      /* largest section (ICE_MAX_S_SZ) */
struct e810_aq_pkg_copy {
	struct e810_aq_pkg_info info;
	bool meta;                   /* the metadata section came */
	uint16_t vmeta_len;          /* RX parser metadata init section (58) */
	uint8_t vmeta[E810_AQ_PKG_KEEP];
};
struct e810_aq_pkg {
	struct e810_aq_pkg_copy cur, pend;
};

struct e810_aq {
	struct e810_aq_config cfg;
	struct e810_aq_dma_ops ops;
	void *opaque;
	struct e810_aq_ring atq, arq;
	bool atq_pending;          /* work left after a walk stopped at the budget */
	struct e810_aq_state st;
	struct e810_aq_stats stats;
	struct e810_aq_pool pool[E810_AQ_NPOOLS];
	struct e810_aq_pkg pkg;    /* survives PF resets */
	struct e810_flex flex;     /* the FD block's tables from update_pkg (flex.h) */
	uint16_t sr[E810_AQ_SR_WORDS]; /* Shadow RAM image */
	uint16_t next_vsi;         /* allocation cursors */
	uint16_t next_rule;
	uint32_t next_teid;
	uint8_t scratch[E810_AQ_MAX_BUF]; /* the current command's buffer */
};

/* The command being handled. */
struct e810_aq_ctx {
	uint8_t desc[E810_AQ_DESC_SIZE]; /* working copy; params are edited in place */
	uint16_t opcode;
	uint16_t flags;
	bool has_buf;              /* BUF flag with a valid address and length */
	bool buf_in;               /* RD: the buffer was read from the guest */
	uint16_t buf_len;          /* the posted buffer length */
	uint8_t *buf;              /* aq->scratch: input, zero beyond it */
	uint16_t out_len;          /* bytes of buf to write back (0: none) */
	uint16_t datalen;          /* datalen to write back */
};

/* A handler returns an AQ_RC_* code; it changes no state unless it returns 0. */
typedef uint16_t (*e810_aq_handler)(struct e810_aq *aq, struct e810_aq_ctx *c);

#define AQF_BUF 0x01u /* needs a buffer */
#define AQF_IN 0x02u  /* reads its buffer (needs RD) */

struct e810_aq_cmd {
	uint16_t opcode;
	uint8_t flags;
	uint16_t min_len, max_len; /* buffer sizes accepted (when a buffer comes) */
	e810_aq_handler fn;
	const char *name;
};

/* ---- little-endian helpers --------------------------------------------------- */
static inline uint16_t le16_at(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t le32_at(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t le64_at(const uint8_t *p)
{
	return (uint64_t)le32_at(p) | (uint64_t)le32_at(p + 4) << 32;
}

static inline void put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void put_le32(uint8_t *p, uint32_t v)
{
	put_le16(p, (uint16_t)v);
	put_le16(p + 2, (uint16_t)(v >> 16));
}

static inline void put_le64(uint8_t *p, uint64_t v)
{
	put_le32(p, (uint32_t)v);
	put_le32(p + 4, (uint32_t)(v >> 32));
}

/* Command parameters (the 16 bytes after the descriptor header). */
static inline uint8_t *prm(struct e810_aq_ctx *c)
{
	return c->desc + AQD_PARAMS;
}

/* The handler's answer: n bytes of the buffer go back (n <= buf_len). */
static inline void aq_reply(struct e810_aq_ctx *c, uint16_t n)
{
	c->out_len = n;
	c->datalen = n;
}

/* ---- handler tables (one per area; aq_cmds.c dispatches) ------------------- */
extern const struct e810_aq_cmd e810_aq_cmds_gen[];
extern const struct e810_aq_cmd e810_aq_cmds_sw[];
extern const struct e810_aq_cmd e810_aq_cmds_sched[];
extern const struct e810_aq_cmd e810_aq_cmds_phy[];
extern const struct e810_aq_cmd e810_aq_cmds_nvm[];
extern const struct e810_aq_cmd e810_aq_cmds_ddp[];
extern const struct e810_aq_cmd e810_aq_cmds_recipe[];
const struct e810_aq_cmd *e810_aq_cmd_lookup(uint16_t opcode);

/* ---- helpers shared between areas ----------------------------------------- */
/* State reset of every area (used by PF reset and clear_pf_cfg). */
void e810_aq_sw_reset(struct e810_aq *aq);
void e810_aq_sched_reset(struct e810_aq *aq);
void e810_aq_phy_init(struct e810_aq *aq);
void e810_aq_nvm_init(struct e810_aq *aq);
void e810_aq_pools_init(struct e810_aq *aq);
/* The global config lock (req_res/release_res, res_id 4): 0 granted, or the
 * RES_GLBL_* status to answer (the package is loaded: RES_GLBL_DONE). */
uint16_t e810_aq_pkg_lock(struct e810_aq *aq);
void e810_aq_pkg_unlock(struct e810_aq *aq);
/* PF reset: a download in progress is dropped; core reset: the package too. */
void e810_aq_pkg_reset(struct e810_aq *aq, bool core);
struct e810_aq_vsi *e810_aq_vsi_get(struct e810_aq *aq, uint16_t num);
/* Whether alloc_res handed out resource id of that type (and it was not freed). */
bool e810_aq_res_used(struct e810_aq *aq, uint8_t type, unsigned id);
/* Frees the TX queue's scheduler leaf and the queue (dis_txqs, clear_pf_cfg). */
void e810_aq_txq_drop(struct e810_aq *aq, struct e810_aq_txq *q);
/* Posts a link status event if LSE is on and the mask lets it through. */
void e810_aq_link_changed(struct e810_aq *aq, bool media_changed);
/* Fills the 32 bytes of link status data. */
void e810_aq_link_data(const struct e810_aq *aq, uint8_t out[LSD_SIZE]);
bool e810_aq_link_is_up(const struct e810_aq *aq);

#endif /* VMUX_DEV_E810_AQ_PRIV_H */
