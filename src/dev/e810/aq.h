/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The E810 admin queue engine: the firmware side of the admin transmit
 * queue (ATQ, commands from the driver) and the admin receive queue (ARQ,
 * events to the driver), with the command handlers an E810 answers for what
 * Linux's ice driver (6.1 and 7.x) sends in probe, open, ethtool queries,
 * close and remove, in safe mode (no DDP package) and in full mode (the
 * driver downloads its DDP package: aq_ddp.c).
 *
 * The engine owns the ten PF_FW_* queue registers (e810_aq_reg_is_aq()).
 * The model forwards BAR0 accesses to them; everything else in BAR0 is the
 * model's. Guest memory is reached only through the e810_aq_dma_ops the
 * caller gives, one call per descriptor or buffer, never remembered across
 * calls. Descriptors and buffers are copied into the engine before they are
 * looked at, so a guest rewriting them meanwhile changes nothing.
 *
 * Untrusted input: every register value, descriptor field, length and
 * address is checked where it is used. A bad command is answered with an
 * error return code (never a false success), a ring that cannot be used is
 * left alone and counted, and the work per call is bounded (at most
 * cfg.atq_budget descriptors; e810_aq_pending() says when more are waiting,
 * e810_aq_service() goes on). Counters for every refusal are in
 * struct e810_aq_stats.
 *
 * Not thread-safe: one owner thread drives an engine, as with every device.
 */
#ifndef VMUX_DEV_E810_AQ_H
#define VMUX_DEV_E810_AQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define E810_AQ_DESC_SIZE 32u
#define E810_AQ_MAX_BUF 4096u     /* largest buffer of one command or event */
#define E810_AQ_RING_MAX 1023u    /* the 10-bit length field */

/* Limits of the state the engine keeps (refusals past them: ENOSPC). */
#define E810_AQ_MAX_QUEUES 256u   /* TX/RX queues the PF may be given */
#define E810_AQ_MAX_VSI 16u
#define E810_AQ_MAX_RULES 256u
#define E810_AQ_MAX_VSI_LISTS 64u
#define E810_AQ_MAX_SCHED_NODES 1024u
#define E810_AQ_SCHED_LAYERS 9u
#define E810_AQ_RULE_HDR_KEEP 32u /* bytes of a rule's match header kept */
#define E810_AQ_MAX_RECIPES 64u   /* ICE_MAX_NUM_RECIPES: recipe IDs 0..63 */
#define E810_AQ_DFLT_RECIPES 10u  /* 0..9: the firmware's own lookups (MAC, VLAN, ...) */
#define E810_AQ_RECIPE_SIZE 64u   /* one ice_aqc_recipe_data_elem */
#define E810_AQ_MAX_PROFILES 256u /* switch profiles a recipe may be mapped to */
#define E810_AQ_MAX_ADV_RULES 64u /* rules of added recipes per PF (within E810_AQ_MAX_RULES) */
#define E810_AQ_RULE_HDR 256u     /* a rule's header (an advanced rule's dummy packet) kept */
#define E810_AQ_SR_WORDS 16384u   /* Shadow RAM: 32 KiB (GLNVM_GENS.SR_SIZE = 5) */
/* Flow director filters: the FD capability, GLQF_FD_SIZE's guaranteed and best-effort sizes. */
#define E810_AQ_FD_GUAR 512u
#define E810_AQ_FD_BEST 512u

/* Event opcodes the model may post (e810_aq_post_event). */
#define E810_AQ_EV_LINK_STATUS 0x0607u
#define E810_AQ_EV_LAN_OVERFLOW 0x1001u

/* Guest memory access. Both return 0 or a negative errno (nothing written). */
struct e810_aq_dma_ops {
	int (*read)(void *opaque, uint64_t gpa, void *dst, size_t len);
	int (*write)(void *opaque, uint64_t gpa, const void *src, size_t len);
	/*
	 * Optional: an event was written to the ARQ (raise the FW cause). It
	 * may run in the middle of a command (a link change caused by
	 * set_phy_cfg) and must not call back into the engine.
	 */
	void (*arq_notify)(void *opaque);
};

struct e810_aq_config {
	uint8_t mac[6];            /* permanent LAN address */
	uint8_t pf_id;             /* 0..7, as PF_FUNC_RID says */
	uint16_t num_queues;       /* RX and TX queues offered: 1..E810_AQ_MAX_QUEUES */
	uint16_t num_msix;         /* MSI-X vectors offered: 2..2048, at most the table size */
	uint32_t link_speed_mbps;  /* 10000, 25000, 40000, 50000 or 100000 */
	bool link_up;              /* backend carrier at start */
	uint32_t flash_size;       /* bytes: 1 MiB..16 MiB, a multiple of 64 KiB */
	uint16_t atq_budget;       /* descriptors per register write or service call */
	/* Versions reported by get_ver (API 1.5 is what 6.1 expects). */
	uint8_t fw_major, fw_minor, fw_patch;
	uint32_t fw_build;
	uint8_t api_major, api_minor, api_patch;
	/* NVM image versions (Shadow RAM): major.minor and the EETRACK id. */
	uint8_t nvm_major, nvm_minor;
	uint32_t eetrack;
};

/* Defaults: 4 queues, 8 vectors, 100G link up, 16 MiB flash, FW 4.40, API 1.5.0. */
void e810_aq_config_default(struct e810_aq_config *cfg);

/* ---- state the model needs ------------------------------------------------ */

struct e810_aq_vsi {
	bool in_use;
	uint16_t num;              /* hardware VSI number (10 bits) */
	uint8_t type;              /* 0 VF, 1 VMDQ2, 2 PF, 3 EMP/MNG */
	uint8_t vf_id;
	uint8_t props[128];        /* the VSI context as added, updated per section */
	bool rss_key_set;
	uint8_t rss_key[52];       /* 40-byte Toeplitz key + 12-byte extended key */
	uint8_t rss_lut_type;      /* 0 VSI, 1 PF, 2 global */
	uint16_t rss_lut_len;      /* 0: never set */
	uint8_t rss_lut[2048];     /* VSI-relative queue indices */
};

struct e810_aq_txq {
	bool in_use;
	uint16_t id;               /* absolute PF queue number */
	uint32_t teid;             /* its scheduler leaf */
	uint32_t parent_teid;
	uint8_t ctx[22];           /* packed TX queue context, as given */
};

/* Fields of a packed TX queue context (e810_aq_txq_ctx_decode). */
struct e810_aq_txq_ctx {
	uint64_t base;             /* ring base in bytes (the context holds 128-byte units) */
	uint16_t qlen;             /* descriptors */
	uint8_t port_num, pf_num;
	uint16_t vmvf_num;
	uint8_t vmvf_type;         /* 2: PF */
	uint16_t src_vsi;
	bool tsyn_ena, wb_mode, tso_ena, legacy_int, drop_ena;
	uint16_t qnum_in_func;
	uint16_t tso_qnum;
	uint8_t quanta_prof;
};

struct e810_aq_rule {
	bool in_use;
	uint16_t index;            /* the rule ID the driver refers to */
	uint16_t type;             /* 0 RX lookup, 1 TX lookup */
	uint16_t recipe;           /* lookup type: 1 MAC, 2 MAC+VLAN, 3 promisc, 4 VLAN, ... */
	uint16_t src;              /* port (RX) or source VSI (TX) */
	uint32_t act;              /* action: forward to VSI/list, drop, ... */
	uint16_t hdr_len;
	uint8_t hdr[E810_AQ_RULE_HDR]; /* match header: DA at 0, VLAN TCI at 14, type at 12; or a dummy packet */
};

/* A recipe add_recipe programmed (IDs from alloc_res, E810_AQ_DFLT_RECIPES and up). */
struct e810_aq_recipe {
	bool in_use;
	uint8_t elem[E810_AQ_RECIPE_SIZE]; /* as added (the response bits cleared) */
};

struct e810_aq_vsi_list {
	bool in_use;
	uint16_t id;
	uint8_t res_type;          /* 3 replication list, 4 prune list */
	uint64_t vsis[12];         /* bitmap of VSI numbers 0..767 */
};

struct e810_aq_sched_node {
	bool in_use;
	uint8_t layer;             /* 0 root .. 8 queues */
	uint16_t children;
	uint32_t teid, parent;
	uint8_t elem[16];          /* element data: type, sections, generic, flags, bw... */
};

struct e810_aq_link {
	bool backend_up;           /* carrier of what the port is connected to */
	bool phy_link_enabled;     /* set_phy_cfg / restart_an: link enabled */
	bool lse_enabled;          /* link status events requested */
	uint16_t event_mask;       /* a set bit masks that link event */
	uint16_t speed;            /* one LINK_SPEED bit */
	uint64_t phy_low, phy_high;/* supported PHY types */
	/* configuration from set_phy_cfg (starts as the default configuration) */
	uint64_t cfg_phy_low, cfg_phy_high;
	uint8_t cfg_caps, cfg_low_power_an, cfg_fec, cfg_mod_compl;
	uint16_t cfg_eee, cfg_eeer;
	uint16_t max_frame;        /* set_mac_cfg */
	bool mac_loopback;         /* set_mac_lb */
	bool led_blink;            /* set_port_id_led */
};

struct e810_aq_state {
	uint8_t mac[6];            /* current LAN address (manage_mac_write) */
	uint8_t perm_mac[6];
	struct e810_aq_link link;
	bool driver_ver_set;
	uint8_t driver_ver[4];     /* major, minor, build, subbuild */
	char driver_string[33];    /* printable ASCII only */
	bool shutdown;             /* q_shutdown seen since the queues came up */
	bool driver_unloading;
	bool pxe_cleared;
	bool lldp_agent_running;
	uint8_t res_held;          /* bit n: resource n granted and not released */
	uint16_t nvsi, ntxq, nrules, nnodes;
	/*
	 * Bumped by every change that can change where a frame goes: rules,
	 * VSI lists, VSIs, recipes, resets (the model recompiles its lookup).
	 */
	uint32_t sw_gen;
	struct e810_aq_vsi vsi[E810_AQ_MAX_VSI];
	struct e810_aq_txq txq[E810_AQ_MAX_QUEUES];
	struct e810_aq_rule rule[E810_AQ_MAX_RULES];
	struct e810_aq_vsi_list vlist[E810_AQ_MAX_VSI_LISTS];
	struct e810_aq_recipe recipe[E810_AQ_MAX_RECIPES];
	uint64_t prof_recipes[E810_AQ_MAX_PROFILES]; /* recipe_to_profile: bit r, recipe r */
	struct e810_aq_sched_node node[E810_AQ_MAX_SCHED_NODES];
};

struct e810_aq_stats {
	uint64_t atq_cmds;         /* descriptors completed */
	uint64_t atq_errors;       /* of which answered with an error */
	uint64_t atq_unknown;      /* unknown opcodes (ENOSYS) */
	uint64_t atq_bad_len;      /* datalen 0, > 4096, or outside the command's sizes */
	uint64_t atq_bad_flags;    /* a buffer missing, or input without RD */
	uint64_t atq_bad_buf;      /* buffer address overflow or DMA failure */
	uint64_t atq_desc_dma;     /* descriptor read/write failed: queue stopped (CRIT) */
	uint64_t atq_ring_off;     /* tail written while the ring is disabled/unusable */
	uint64_t atq_bad_ring;     /* base misaligned/outside, length 0 or > max */
	uint64_t atq_head_oor;     /* head outside the ring */
	uint64_t atq_tail_oor;     /* tail outside the ring */
	uint64_t atq_budget_stops; /* walks stopped at the budget (resumed later) */
	uint64_t arq_posted;
	uint64_t arq_no_desc;      /* dropped: the driver had no free descriptor */
	uint64_t arq_off;          /* dropped: ARQ disabled or unusable */
	uint64_t arq_bad_desc;     /* descriptor without a (big enough) buffer */
	uint64_t arq_dma;          /* DMA failure while posting */
	uint64_t lse_suppressed;   /* link changes not posted (LSE off or masked) */
	uint64_t pkg_bufs;         /* DDP package buffers accepted by download_pkg */
	uint64_t pkg_updates;      /* update_pkg buffers accepted */
	uint64_t pkg_uploads;      /* upload_section requests answered */
	uint64_t pkg_refused;      /* package buffers refused: malformed, out of order, too many */
	uint64_t sw_rules_refused; /* add/update/remove_sw_rules refused (bad element, VSI, recipe, ...) */
	uint64_t sw_rules_full;    /* add_sw_rules refused: the rule table is full (ENOSPC) */
	uint64_t recipes_refused;  /* recipe commands refused */
};

/* The DDP package the driver downloaded (as get_pkg_info_list reports it). */
#define E810_AQ_PKG_NAME 28u
struct e810_aq_pkg_info {
	bool loaded;               /* a complete download; kept until CORER/GLOBR */
	uint8_t ver[4];            /* major, minor, update, draft */
	uint8_t name[E810_AQ_PKG_NAME]; /* as in the package's metadata section */
	uint32_t track_id;
	uint32_t bufs;             /* buffers of the download */
};

struct e810_aq;

/*
 * Creates an engine in its reset state. The config is copied and checked:
 * NULL with errno EINVAL when a field is out of range or ops lacks read or
 * write, ENOMEM when out of memory.
 */
struct e810_aq *e810_aq_create(const struct e810_aq_config *cfg, const struct e810_aq_dma_ops *ops,
			       void *opaque);
void e810_aq_destroy(struct e810_aq *aq);

/*
 * PF reset (PFGEN_CTRL.PFSWR) or device reset: queues off, PF state dropped.
 * A loaded DDP package stays (a download in progress is dropped).
 */
void e810_aq_reset(struct e810_aq *aq);
/* Core or global reset (GLGEN_RTRIG): a PF reset, and the package is gone. */
void e810_aq_core_reset(struct e810_aq *aq);

/* ---- registers -------------------------------------------------------------- */
bool e810_aq_reg_is_aq(uint32_t off);  /* one of PF_FW_ATQ* / PF_FW_ARQ* */
uint32_t e810_aq_reg_read(const struct e810_aq *aq, uint32_t off);
/* A write to ATQT runs commands from head to the new tail (within the budget). */
void e810_aq_reg_write(struct e810_aq *aq, uint32_t off, uint32_t val);
bool e810_aq_pending(const struct e810_aq *aq);
/* Goes on with the ATQ up to the budget; returns the descriptors completed. */
unsigned e810_aq_service(struct e810_aq *aq);

/* ---- events --------------------------------------------------------------- */
/*
 * Posts an event into the driver's next ARQ descriptor: params are the first
 * 8 parameter bytes (the buffer address in the last 8 is kept), data (len
 * bytes, may be 0) goes into the descriptor's buffer. Returns 0, -ENODEV
 * (ARQ off: dropped), -ENOSPC (no free descriptor: dropped, ARQLEN.OVFL
 * set), -EMSGSIZE (descriptor without a buffer big enough: completed with
 * ERR), -EIO (DMA failure: ARQLEN.CRIT set), -EINVAL (len too big).
 */
int e810_aq_post_event(struct e810_aq *aq, uint16_t opcode, const uint8_t params[8],
		       const void *data, uint16_t len);
/* The backend's carrier changed; posts a link status event if the driver asked. */
void e810_aq_set_link(struct e810_aq *aq, bool up);

/* ---- getters ------------------------------------------------------------ */
const struct e810_aq_state *e810_aq_state(const struct e810_aq *aq);
const struct e810_aq_stats *e810_aq_stats(const struct e810_aq *aq);
const struct e810_aq_config *e810_aq_config(const struct e810_aq *aq);
const struct e810_aq_pkg_info *e810_aq_pkg(const struct e810_aq *aq);
/* Link as the driver sees it: backend carrier and PHY link enabled. */
bool e810_aq_link_up(const struct e810_aq *aq);
const uint8_t *e810_aq_mac(const struct e810_aq *aq);
const struct e810_aq_vsi *e810_aq_vsi_find(const struct e810_aq *aq, uint16_t vsi_num);
const struct e810_aq_txq *e810_aq_txq_find(const struct e810_aq *aq, uint16_t txq_id);
/* The flow director block's pipeline tables (flex.h), from update_pkg. */
struct e810_flex;
struct e810_flex *e810_aq_flex(struct e810_aq *aq);
const struct e810_aq_rule *e810_aq_rule_find(const struct e810_aq *aq, uint16_t index);
/* The shadow RAM word at a word offset (what the NVM reads return). */
uint16_t e810_aq_sr_word(const struct e810_aq *aq, uint32_t word);
void e810_aq_txq_ctx_decode(const uint8_t ctx[22], struct e810_aq_txq_ctx *out);

#endif /* VMUX_DEV_E810_AQ_H */
