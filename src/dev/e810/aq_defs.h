/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * E810 admin queue wire format: descriptor layout, flags, return codes,
 * opcodes and the byte offsets of the fields this engine reads and writes
 * in command parameters and buffers. Everything is little endian.
 *
 * Written from the layouts Linux's ice driver uses (6.1 and 7.x); offsets
 * are given as numbers rather than structs so that nothing here is ever
 * cast onto guest memory: the engine copies descriptors and buffers into
 * its own memory and picks fields out by offset.
 */
#ifndef VMUX_DEV_E810_AQ_DEFS_H
#define VMUX_DEV_E810_AQ_DEFS_H

/* ---- descriptor (32 bytes) ------------------------------------------------- */
#define AQD_FLAGS 0     /* u16 */
#define AQD_OPCODE 2    /* u16 */
#define AQD_DATALEN 4   /* u16: buffer length, in and out */
#define AQD_RETVAL 6    /* u16: firmware return code */
#define AQD_COOKIE_HI 8 /* u32, opaque to the device */
#define AQD_COOKIE_LO 12
#define AQD_PARAMS 16   /* 16 bytes of command parameters */
/* In indirect commands the last 8 parameter bytes hold the buffer address. */
#define AQP_ADDR_HI 8
#define AQP_ADDR_LO 12

/* Descriptor flags. */
#define AQ_FLAG_DD 0x0001u   /* descriptor done */
#define AQ_FLAG_CMP 0x0002u  /* completed */
#define AQ_FLAG_ERR 0x0004u  /* retval is an error */
#define AQ_FLAG_VFE 0x0008u
#define AQ_FLAG_LB 0x0200u   /* buffer larger than 512 bytes */
#define AQ_FLAG_RD 0x0400u   /* buffer carries data to the device */
#define AQ_FLAG_VFC 0x0800u
#define AQ_FLAG_BUF 0x1000u  /* a buffer is attached */
#define AQ_FLAG_SI 0x2000u   /* interrupt on completion (set on every command) */
#define AQ_FLAG_EI 0x4000u
#define AQ_FLAG_FE 0x8000u

/* Return codes (the low byte is what the driver looks at). */
#define AQ_RC_OK 0
#define AQ_RC_EPERM 1   /* operation not permitted */
#define AQ_RC_ENOENT 2  /* no such element */
#define AQ_RC_ENOMEM 9  /* buffer too small / out of memory */
#define AQ_RC_EBUSY 12
#define AQ_RC_EEXIST 13
#define AQ_RC_EINVAL 14
#define AQ_RC_ENOSPC 16 /* no space / allocation failure */
#define AQ_RC_ENOSYS 17 /* function not implemented */
#define AQ_RC_EMODE 21  /* not allowed in the current device mode */

/* ---- opcodes ------------------------------------------------------------- */
#define AQC_GET_VER 0x0001
#define AQC_DRIVER_VER 0x0002
#define AQC_Q_SHUTDOWN 0x0003
#define AQC_GET_EXP_ERR 0x0005
#define AQC_REQ_RES 0x0008
#define AQC_RELEASE_RES 0x0009
#define AQC_LIST_FUNC_CAPS 0x000a
#define AQC_LIST_DEV_CAPS 0x000b
#define AQC_MANAGE_MAC_READ 0x0107
#define AQC_MANAGE_MAC_WRITE 0x0108
#define AQC_CLEAR_PXE 0x0110
#define AQC_GET_SW_CFG 0x0200
#define AQC_SET_PORT_PARAMS 0x0203
#define AQC_ALLOC_RES 0x0208
#define AQC_FREE_RES 0x0209
#define AQC_SET_VLAN_MODE 0x020c
#define AQC_GET_VLAN_MODE 0x020d
#define AQC_ADD_VSI 0x0210
#define AQC_UPDATE_VSI 0x0211
#define AQC_GET_VSI 0x0212
#define AQC_FREE_VSI 0x0213
#define AQC_ADD_RECIPE 0x0290
#define AQC_RECIPE_TO_PROFILE 0x0291
#define AQC_GET_RECIPE 0x0292
#define AQC_GET_RECIPE_TO_PROFILE 0x0293
#define AQC_ADD_SW_RULES 0x02a0
#define AQC_UPDATE_SW_RULES 0x02a1
#define AQC_REMOVE_SW_RULES 0x02a2
#define AQC_CLEAR_PF_CFG 0x02a4
#define AQC_GET_DFLT_TOPO 0x0400
#define AQC_ADD_SCHED_ELEMS 0x0401
#define AQC_CFG_SCHED_ELEMS 0x0403
#define AQC_GET_SCHED_ELEMS 0x0404
#define AQC_MOVE_SCHED_ELEMS 0x0408
#define AQC_SUSPEND_SCHED_ELEMS 0x0409
#define AQC_RESUME_SCHED_ELEMS 0x040a
#define AQC_DELETE_SCHED_ELEMS 0x040f
#define AQC_QUERY_SCHED_RES 0x0412
#define AQC_GET_PHY_CAPS 0x0600
#define AQC_SET_PHY_CFG 0x0601
#define AQC_SET_MAC_CFG 0x0603
#define AQC_RESTART_AN 0x0605
#define AQC_GET_LINK_STATUS 0x0607 /* also the link status event */
#define AQC_SET_EVENT_MASK 0x0613
#define AQC_SET_MAC_LB 0x0620
#define AQC_GET_LINK_TOPO 0x06e0
#define AQC_SET_PORT_ID_LED 0x06e9
#define AQC_NVM_READ 0x0701
#define AQC_NVM_ERASE 0x0702
#define AQC_NVM_WRITE 0x0703
#define AQC_NVM_CHECKSUM 0x0706
#define AQC_NVM_WRITE_ACTIVATE 0x0707
#define AQC_NVM_UPDATE_EMPR 0x0709
#define AQC_NVM_PKG_DATA 0x070a
#define AQC_NVM_PASS_COMP_TBL 0x070b
#define AQC_LLDP_GET_MIB 0x0a00
#define AQC_LLDP_SET_MIB_CHANGE 0x0a01 /* also the MIB change event */
#define AQC_LLDP_STOP 0x0a05
#define AQC_LLDP_START 0x0a06
#define AQC_GET_CEE_DCB_CFG 0x0a07
#define AQC_LLDP_SET_LOCAL_MIB 0x0a08
#define AQC_LLDP_AGENT_CTRL 0x0a09
#define AQC_LLDP_FILTER_CTRL 0x0a0a
#define AQC_SET_RSS_KEY 0x0b02
#define AQC_SET_RSS_LUT 0x0b03
#define AQC_GET_RSS_KEY 0x0b04
#define AQC_GET_RSS_LUT 0x0b05
#define AQC_ADD_TXQS 0x0c30
#define AQC_DIS_TXQS 0x0c31
#define AQC_DOWNLOAD_PKG 0x0c40
#define AQC_UPLOAD_SECTION 0x0c41
#define AQC_UPDATE_PKG 0x0c42
#define AQC_GET_PKG_INFO_LIST 0x0c43
#define AQC_EVENT_LAN_OVERFLOW 0x1001 /* event only */

/* ---- get_ver (direct) ------------------------------------------------------ */
#define GV_ROM_VER 0   /* u32 */
#define GV_FW_BUILD 4  /* u32 */
#define GV_FW_BRANCH 8 /* then fw major, minor, patch, api branch, major, minor, patch */

/* ---- driver_ver (indirect, RD: the version string) ------------------------ */
#define DV_MAJOR 0 /* then minor, build, subbuild */
#define DV_STRING_MAX 32

/* ---- q_shutdown ---------------------------------------------------------- */
#define QS_FLAGS 0
#define QS_DRIVER_UNLOADING 0x01u

/* ---- get_exp_err (direct) --------------------------------------------------- */
#define EE_REASON 0     /* u32 */
#define EE_IDENTIFIER 4 /* u32 */

/* ---- req_res / release_res (direct) ------------------------------------ */
#define RR_RES_ID 0    /* u16 */
#define RR_ACCESS 2    /* u16: 1 read, 2 write */
#define RR_TIMEOUT 4   /* u32 ms: in as requested, out as granted */
#define RR_RES_NUM 8   /* u32 */
#define RR_STATUS 12   /* u16, global config lock only */
#define RES_ID_NVM 1
#define RES_ID_SDP 2
#define RES_ID_CHNG_LOCK 3
#define RES_ID_GLBL_LOCK 4
#define RES_ACCESS_READ 1
#define RES_ACCESS_WRITE 2
#define RES_GLBL_SUCCESS 0
#define RES_GLBL_IN_PROG 1
#define RES_GLBL_DONE 2

/* ---- list_func_caps / list_dev_caps (indirect, buffer out) --------------- */
#define LC_CMD_FLAGS 0
#define LC_PF_INDEX 1
#define LC_COUNT 4        /* u32: elements reported (also when the buffer is too small) */
#define CAP_ELEM_SIZE 32  /* cap u16, major u8, minor u8, number u32, logical u32, phys u32, rsvd 16 */
#define CAP_CAP 0
#define CAP_MAJOR 2
#define CAP_MINOR 3
#define CAP_NUMBER 4
#define CAP_LOGICAL_ID 8
#define CAP_PHYS_ID 12
#define CAPS_VALID_FUNCTIONS 0x0005
#define CAPS_VSI 0x0017
#define CAPS_RSS 0x0040
#define CAPS_RXQS 0x0041
#define CAPS_TXQS 0x0042
#define CAPS_MSIX 0x0043
#define CAPS_FD 0x0045          /* flow director: the filter sizes are in GLQF_FD_SIZE */
#define CAPS_MAX_MTU 0x0047

/* ---- manage_mac_read (indirect, out) / manage_mac_write (direct) ----------- */
#define MMR_FLAGS 0     /* u16 out */
#define MMR_NUM_ADDR 4  /* u8 out */
#define MMR_LAN_ADDR_VALID 0x0010u
#define MMR_PORT_ADDR_VALID 0x0040u
#define MMR_ELEM_SIZE 8 /* lport u8, addr_type u8 (0 LAN), mac[6] */
#define MMW_FLAGS 1
#define MMW_MAC 2

/* ---- clear_pxe ------------------------------------------------------------- */
#define CP_RX_CNT 0

/* ---- get_sw_cfg (indirect, out) -------------------------------------------- */
#define GSW_FLAGS 0
#define GSW_ELEMENT 2    /* u16: in first, out next (0: done) */
#define GSW_NUM_ELEMS 4  /* u16 out */
#define GSW_ELEM_SIZE 6  /* vsi_port_num u16 (type 15:14), swid u16, pf_vf_num u16 */
#define GSW_TYPE_PHYS_PORT 0u

/* ---- set_port_params (direct) -------------------------------------------- */
#define SPP_CMD_FLAGS 0 /* u16 */
#define SPP_DOUBLE_VLAN 0x0004u
#define SPP_BAD_FRAME_VSI 2
#define SPP_SWID 4

/* ---- alloc_res / free_res (indirect, RD) ----------------------------------- */
#define AR_NUM_ENTRIES 0 /* u16: resource entries in the buffer */
#define ARB_RES_TYPE 0   /* u16: type 6:0, shared 7, scan bottom 12, ignore index 13 */
#define ARB_NUM_ELEMS 2  /* u16 */
#define ARB_ELEMS 4      /* u16 each */
#define RES_TYPE_M 0x007fu
#define RES_TYPE_VSI_LIST_REP 0x03
#define RES_TYPE_VSI_LIST_PRUNE 0x04
#define RES_TYPE_RECIPE 0x05
#define RES_TYPE_FDIR_COUNTER_BLOCK 0x21
#define RES_TYPE_FDIR_GUAR_ENTRIES 0x22
#define RES_TYPE_FDIR_SHARED_ENTRIES 0x23
#define RES_TYPE_FD_PROF_BLDR_PROFID 0x58
#define RES_TYPE_FD_PROF_BLDR_TCAM 0x59
#define RES_TYPE_HASH_PROF_BLDR_PROFID 0x60
#define RES_TYPE_HASH_PROF_BLDR_TCAM 0x61

/* ---- add/update/get/free VSI ------------------------------------------------ */
#define VC_VSI_NUM 0      /* u16: number 9:0, bit 15 "use this number" */
#define VC_CMD_FLAGS 2    /* u16: bit 0 keep allocation (free) */
#define VC_VF_ID 4
#define VC_VSI_FLAGS 6    /* u16: type 1:0 (0 VF, 1 VMDQ2, 2 PF, 3 EMP/MNG) */
#define VR_VSI_NUM 0      /* response overlays the command */
#define VR_EXT_STATUS 2
#define VR_VSI_USED 4
#define VR_VSI_FREE 6
#define VSI_NUM_M 0x03ffu
#define VSI_IS_VALID 0x8000u
#define VSI_PROPS_SIZE 128
/* Sections of the 128-byte VSI properties (offset, length, valid bit). */
#define VP_VALID_SECTIONS 0 /* u16 */
#define VP_SW_ID 2
#define VP_MAPPING_FLAGS 28 /* u16: 0 contiguous, 1 scattered */
#define VP_Q_MAPPING 30     /* 16 x u16 */
#define VP_TC_MAPPING 62    /* 8 x u16 */
#define VP_Q_OPT_RSS 78

/* ---- switch rules (indirect, RD; add writes the rule index back) ---------- */
#define SR_NUM_RULES 0   /* u16 */
#define SRE_TYPE 0       /* u16, every element */
#define SRE_STATUS 2     /* u16 */
#define SW_RULE_LKUP_RX 0
#define SW_RULE_LKUP_TX 1
#define SW_RULE_LG_ACT 2
#define SW_RULE_VSI_LIST_SET 3
#define SW_RULE_VSI_LIST_CLEAR 4
#define SW_RULE_PRUNE_LIST_SET 5
#define SW_RULE_PRUNE_LIST_CLEAR 6
/* Lookup rule: recipe u16 @4, src u16 @6, act u32 @8, index u16 @12, hdr_len @14, hdr @16. */
#define SRL_RECIPE 4
#define SRL_SRC 6
#define SRL_ACT 8
#define SRL_INDEX 12
#define SRL_HDR_LEN 14
#define SRL_HDR 16
/* VSI/prune list rule: index u16 @4, number_vsi u16 @6, vsi[] @8. */
#define SRV_INDEX 4
#define SRV_NUMBER 6
#define SRV_VSI 8
/* Actions of lookup rules (type in bits 1:0). */
#define ACT_TYPE_M 0x3u
#define ACT_VSI_FWD 0x0u
#define ACT_TO_Q 0x1u
#define ACT_PRUNE 0x2u
#define ACT_OTHER 0x3u
#define ACT_VSI_ID_S 4
#define ACT_VSI_ID_M (0x3ffu << ACT_VSI_ID_S)
#define ACT_VSI_LIST (1u << 14)
#define ACT_VALID (1u << 17)
#define ACT_DROP (1u << 18)
#define ACT_Q_INDEX_S 4        /* ACT_TO_Q: absolute PF queue */
#define ACT_Q_INDEX_M (0x7ffu << ACT_Q_INDEX_S)
#define ACT_Q_REGION_S 15      /* ACT_TO_Q: 2^n queues from the index */
#define ACT_Q_REGION_M (0x7u << ACT_Q_REGION_S)
#define ACT_PRUNE_EGRESS (1u << 15)
#define ACT_PRUNE_INGRESS (1u << 16)
#define SW_DUMMY_HDR 16        /* the dummy Ethernet header of the default lookups */
#define SWH_DA 0               /* in it: destination MAC, */
#define SWH_ETYPE 12           /* ethertype (0x8100 with a VLAN), */
#define SWH_VLAN_TCI 14        /* VLAN ID (big-endian) */
/* The firmware's own lookups (recipe IDs, ice's ICE_SW_LKUP_*). */
#define LKUP_ETHERTYPE 0
#define LKUP_MAC 1
#define LKUP_MAC_VLAN 2
#define LKUP_PROMISC 3
#define LKUP_VLAN 4
#define LKUP_DFLT 5
#define LKUP_ETHERTYPE_MAC 8
#define LKUP_PROMISC_VLAN 9

/* Recipes (add_recipe/get_recipe 0x0290/0x0292, recipe_to_profile 0x0291/0x0293). */
#define RCP_NUM_SUB 0          /* params u16: elements (add: in, get: out) */
#define RCP_RETURN_INDEX 2     /* params u16: get: the recipe asked for */
#define RCP_RID 0              /* element: recipe_indx; content.rid at 16 */
#define RCP_RESP_BITS 1
#define RCP_WAS_UPDATED 0x01u
#define RCP_BITMAP 4           /* u64: the recipes of the chain */
#define RCP_CONTENT_RID 16     /* bit 7: root */
#define RCP_IS_ROOT 0x80u
#define RCP_ID_M 0x3fu
#define R2P_PROFILE 0          /* params u16 */
#define R2P_ASSOC 8            /* params u64 bitmap of recipes */

/* ---- scheduler ---------------------------------------------------------- */
#define TOPO_PORT_NUM 0
#define TOPO_NUM_BRANCHES 1
#define SE_NUM_ELEM_REQ 0   /* u16, all element commands */
#define SE_NUM_ELEM_RESP 2  /* u16 */
#define SCHED_ELEM_SIZE 16  /* elem_type, valid_sections, generic, flags, cir u32, eir u32, srl u16, rsvd */
#define SCHED_DATA_SIZE 24  /* parent_teid u32, node_teid u32, elem */
#define SCHED_GRP_HDR 8     /* parent_teid u32, num_elems u16, rsvd u16 */
#define SCHED_TOPO_BRANCH (SCHED_GRP_HDR + 9 * SCHED_DATA_SIZE) /* fixed stride: 224 */
#define SCHED_MOVE_HDR 12   /* src parent u32, dest parent u32, num_elems u16, rsvd */
#define ELEM_TYPE_ROOT_PORT 1
#define ELEM_TYPE_TC 2
#define ELEM_TYPE_SE_GENERIC 3
#define ELEM_TYPE_ENTRY_POINT 4
#define ELEM_TYPE_LEAF 5
#define ELEM_TYPE_SE_PADDED 6
#define ELEM_VALID_GENERIC 0x01u
#define ELEM_VALID_CIR 0x02u
#define ELEM_VALID_EIR 0x04u
#define ELEM_FLAG_SUSPEND 0x01u
/* query_sched_res: 32 bytes of generic properties, then 9 layers of 32. */
#define QSR_PHYS_LEVELS 0
#define QSR_LOGICAL_LEVELS 2
#define QSR_MAX_PF_CGDS 6
#define QSR_LAYER0 32
#define QSR_LAYER_SIZE 32
#define QSRL_LOGICAL_LAYER 0
#define QSRL_CHUNK_SIZE 1
#define QSRL_MAX_DEVICE_NODES 2
#define QSRL_MAX_PF_NODES 4
#define QSRL_MAX_SIBL_GRP_SZ 10
#define QSRL_MAX_CIR_RL_PROFILES 12
#define QSRL_MAX_EIR_RL_PROFILES 14
#define QSRL_MAX_SRL_PROFILES 16
#define QSR_SIZE (QSR_LAYER0 + 9 * QSR_LAYER_SIZE) /* 320 */

/* ---- add_txqs / dis_txqs --------------------------------------------------- */
#define ATQ_NUM_QGRPS 0
#define TXQ_GRP_HDR 8   /* parent_teid u32, num_txqs u8, rsvd[3] */
#define TXQ_PERQ_SIZE 48
#define TXQ_ID 0        /* u16: absolute queue number */
#define TXQ_TEID 4      /* u32, written back */
#define TXQ_CTX 8       /* 22 bytes of packed TX queue context */
#define TXQ_CTX_LEN 22
#define TXQ_INFO 32     /* 16-byte scheduler element, written back */
#define DTQ_CMD_TYPE 0
#define DTQ_NUM_ENTRIES 1
#define DTQ_VMVF_TIMEOUT 2
#define DTQ_ITEM_HDR 6  /* parent_teid u32, num_qs u8, rsvd u8, then q_id u16 each */
#define DTQ_QID_RDMA (1u << 15)

/* ---- PHY and link ---------------------------------------------------------- */
#define GPC_LPORT 0
#define GPC_PARAM0 2        /* u16: bit 0 qualified modules, report mode in 3:1 */
#define GPC_MODE_M 0x000eu
#define GPC_MODE_NVM 0x0000u   /* also "topology without media" */
#define GPC_MODE_TOPO 0x0002u  /* topology with media */
#define GPC_MODE_ACTIVE 0x0004u
#define GPC_MODE_DFLT 0x0008u
#define PCD_PHY_LOW 0       /* u64 */
#define PCD_PHY_HIGH 8      /* u64 */
#define PCD_CAPS 16
#define PCD_LOW_POWER_AN 17
#define PCD_EEE_CAP 18      /* u16 */
#define PCD_EEER 20         /* u16 */
#define PCD_PHY_ID_OUI 22   /* 4 bytes, then 8 bytes of PHY firmware version */
#define PCD_FEC 34          /* link_fec_options */
#define PCD_MOD_COMPL 35
#define PCD_EXT_COMPL 36
#define PCD_MODULE_TYPE 37  /* 3 bytes */
#define PCD_QUAL_COUNT 40
#define PCD_HDR_SIZE 48
#define PCD_SIZE 560        /* header + 16 qualified module slots of 32 bytes */
#define PHY_CAP_TX_PAUSE 0x01u
#define PHY_CAP_RX_PAUSE 0x02u
#define PHY_CAP_LOW_POWER 0x04u
#define PHY_CAP_EN_LINK 0x08u
#define PHY_CAP_AN_MODE 0x10u
#define PHY_CAP_MOD_QUAL 0x20u
#define PHY_CAP_AUTO_FEC 0x80u
/* set_phy_cfg data (24 bytes): the same fields as above up to the FEC byte. */
#define SPC_LPORT 0
#define SPCD_PHY_LOW 0
#define SPCD_PHY_HIGH 8
#define SPCD_CAPS 16
#define SPCD_LOW_POWER_AN 17
#define SPCD_EEE_CAP 18
#define SPCD_EEER 20
#define SPCD_FEC 22
#define SPCD_MOD_COMPL 23
#define SPCD_SIZE 24
#define PHY_ENA_VALID_M 0xefu    /* bit 4 is not a configuration bit */
#define PHY_ENA_LINK 0x08u
#define PHY_ENA_AUTO_LINK_UPDT 0x20u
#define PHY_ENA_LESM 0x40u
/* Link speed bits (get_link_status). */
#define LINK_SPEED_10GB 0x0020u
#define LINK_SPEED_25GB 0x0080u
#define LINK_SPEED_40GB 0x0100u
#define LINK_SPEED_50GB 0x0200u
#define LINK_SPEED_100GB 0x0400u
#define LINK_SPEED_UNKNOWN 0x8000u
/* PHY types (bit numbers in phy_type_low), one direct-attach type per speed. */
#define PHY_LOW_10G_SFI_DA 13
#define PHY_LOW_25GBASE_CR 20
#define PHY_LOW_40GBASE_CR4 30
#define PHY_LOW_50GBASE_CR2 36
#define PHY_LOW_100GBASE_CR4 51
/* set_mac_cfg */
#define SMC_MAX_FRAME 0 /* u16 */
#define MAX_FRAME_SIZE 9728
/* restart_an */
#define RAN_LPORT 0
#define RAN_CMD_FLAGS 2
#define RAN_LINK_RESTART 0x02u
#define RAN_LINK_ENABLE 0x04u
/* get_link_status: params and the 32-byte data (also the event). */
#define GLS_LPORT 0
#define GLS_CMD_FLAGS 2     /* u16: in LSE 1:0 (3 enable, 2 disable), out bit 0 enabled */
#define GLS_LSE_M 0x0003u
#define GLS_LSE_ENA 0x0003u
#define GLS_LSE_DIS 0x0002u
#define GLS_LSE_IS_ENABLED 0x0001u
#define LSD_TOPO_CONFLICT 0
#define LSD_CFG_ERR 1
#define LSD_LINK_INFO 2
#define LSD_AN_INFO 3
#define LSD_EXT_INFO 4
#define LSD_MAX_FRAME 6     /* u16 */
#define LSD_CFG 8
#define LSD_POWER_DESC 9
#define LSD_LINK_SPEED 10   /* u16 */
#define LSD_PHY_LOW 16      /* u64 */
#define LSD_PHY_HIGH 24     /* u64 */
#define LSD_SIZE 32
#define LI_LINK_UP 0x01u
#define LI_UP_PORT 0x20u
#define LI_MEDIA_AVAILABLE 0x40u
#define LI_SIGNAL_DETECT 0x80u
#define AN_COMPLETED 0x01u
#define AN_QUALIFIED_MODULE 0x80u
/* set_event_mask */
#define SEM_LPORT 0
#define SEM_MASK 8          /* u16: a set bit masks the event */
#define LINK_EVENT_UPDOWN 0x0002u
#define LINK_EVENT_MEDIA_NA 0x0004u
/* set_mac_lb, set_port_id_led */
#define SMLB_MODE 0
#define SMLB_EN 0x01u
#define SPIL_IDENT_MODE 2
#define SPIL_BLINK 0x01u

/* ---- NVM ---------------------------------------------------------------- */
#define NVM_OFFSET_LOW 0    /* u16 */
#define NVM_OFFSET_HIGH 2   /* u8: offset bits 23:16 */
#define NVM_CMD_FLAGS 3
#define NVM_MODULE_TYPEID 4 /* u16 */
#define NVM_LENGTH 6        /* u16 */
#define NVM_FLAG_LAST_CMD 0x01u
#define NVM_FLAG_FLASH_ONLY 0x80u
#define NVM_CK_FLAGS 0
#define NVM_CK_CHECKSUM 2   /* u16 out */
#define NVM_CK_VERIFY 0x01u
#define NVM_CK_RECALC 0x02u
#define NVM_CHECKSUM_OK 0xbabau

/* ---- LLDP ------------------------------------------------------------------ */
#define LLDP_CMD 0
#define LLDP_AGENT_SHUTDOWN 0x01u /* stop: also shut the agent down */
#define LLDP_AGENT_START 0x01u

/* ---- RSS ------------------------------------------------------------------- */
#define RSS_VSI_ID 0        /* u16: VSI 9:0, bit 15 valid */
#define RSS_VSI_VALID 0x8000u
#define RSS_LUT_FLAGS 2     /* u16: type 1:0, size 3:2, global index 7:4 */
#define RSS_LUT_TYPE_M 0x0003u
#define RSS_LUT_TYPE_VSI 0
#define RSS_LUT_TYPE_PF 1
#define RSS_LUT_TYPE_GLOBAL 2
#define RSS_LUT_SIZE_M 0x000cu
#define RSS_LUT_SIZE_S 2
#define RSS_KEY_STD 40
#define RSS_KEY_SIZE 52     /* 40-byte key + 12-byte extended hash key */
#define RSS_LUT_VSI_SIZE 64
#define RSS_LUT_MAX 2048

/* ---- DDP package --------------------------------------------------------- */
#define PKG_INFO_COUNT 0    /* u32, then the entries */
#define PKG_INFO_HDR 4
#define PKG_INFO_SIZE 40    /* ver[4], name[28], track_id u32, in_nvm, active, active_at_boot, modified */
#define PKG_INFO_VER 0
#define PKG_INFO_NAME 4
#define PKG_INFO_TRACK 32
#define PKG_INFO_IN_NVM 36
#define PKG_INFO_ACTIVE 37
#define DLP_FLAGS 0         /* download/update package: u8 */
#define DLP_LAST_BUF 0x01u
/* A package buffer (4096 bytes): section_count u16, data_end u16, then
 * section_count entries {type u32, offset u16, size u16}; every section
 * lies after the table and before data_end. */
#define PKG_BUF_SIZE 4096
#define PKG_BUF_SECT_COUNT 0
#define PKG_BUF_DATA_END 2
#define PKG_BUF_ENTRIES 4
#define PKG_SECT_ENTRY_SIZE 8
#define PKG_MAX_SECTS 511
#define PKG_MIN_DATA_END 12
#define PKG_SECT_METADATA_BUF 0x80000000u /* a metadata buffer: not for the device */
#define PKG_SID_METADATA 1u               /* ver[4], name[28], track_id u32 */
#define PKG_META_SIZE 36
#define PKG_SID_RXPARSER_META_INIT 58u    /* count u16, offset u16, 24-byte entries */

#endif /* VMUX_DEV_E810_AQ_DEFS_H */
