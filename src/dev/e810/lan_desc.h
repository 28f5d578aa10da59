/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * E810 LAN descriptor layouts (little-endian in guest memory), as Linux's
 * ice driver (6.1) fills and reads them: the 32-byte RX descriptor in its
 * read format and in the flex NIC write-back format (RXDID 2), the 16-byte
 * TX data and context descriptors, the packed RX queue context, and the
 * packet types the driver decodes. Names and comments are our own.
 */
#ifndef VMUX_DEV_E810_LAN_DESC_H
#define VMUX_DEV_E810_LAN_DESC_H

/* ---- RX: 32-byte descriptors ------------------------------------------------ */
#define E810_RXD_SIZE 32u

/* Read format (what the driver posts): qword 0 the buffer, qword 1 the header buffer. */
#define E810_RXD_PKT_ADDR 0u
#define E810_RXD_HDR_ADDR 8u

/* Flex NIC write-back (RXDID 2): byte offsets. */
#define E810_RXD_WB_RXDID 0u       /* u8: the profile the descriptor was built with */
#define E810_RXD_WB_UMBCAST 1u     /* u8: bits 7:6 1 unicast, 2 multicast, 3 broadcast */
#define E810_RXD_WB_PTYPE 2u       /* le16: packet type in bits 9:0 */
#define E810_RXD_WB_PKT_LEN 4u     /* le16: bytes in this buffer, bits 13:0 */
#define E810_RXD_WB_HDR_LEN 6u     /* le16: header buffer length (no split: 0) */
#define E810_RXD_WB_STATUS0 8u     /* le16: status_error0, DD in bit 0 */
#define E810_RXD_WB_L2TAG1 10u     /* le16: the stripped tag with L2TAG1P */
#define E810_RXD_WB_RSS_HASH 12u   /* le32: the RSS hash (RXDID 2) */
#define E810_RXD_WB_STATUS1 16u    /* le16: status_error1 */
#define E810_RXD_WB_L2TAG2_2ND 22u /* le16: the stripped tag with L2TAG2P */
#define E810_RXD_WB_DD_QWORD 8u    /* the qword holding DD: written last */

#define E810_RXDID_FLEX_NIC 2u
#define E810_RXD_PTYPE_M 0x3ffu
#define E810_RXD_PKT_LEN_M 0x3fffu
#define E810_RXD_UMB_UNICAST (1u << 6)
#define E810_RXD_UMB_MULTICAST (2u << 6)
#define E810_RXD_UMB_BROADCAST (3u << 6)

/* status_error0 */
#define E810_RXD_S0_DD (1u << 0)
#define E810_RXD_S0_EOF (1u << 1)
#define E810_RXD_S0_L3L4P (1u << 3)  /* checksums were checked: IPE/L4E are meaningful */
#define E810_RXD_S0_IPE (1u << 4)    /* IPv4 header checksum bad */
#define E810_RXD_S0_L4E (1u << 5)    /* TCP/UDP checksum bad */
#define E810_RXD_S0_RXE (1u << 10)   /* receive error: the driver drops the frame */
#define E810_RXD_S0_RSS_VALID (1u << 12)
#define E810_RXD_S0_L2TAG1P (1u << 13)
/* status_error1 */
#define E810_RXD_S1_L2TAG2P (1u << 11)

/* Packet types (the driver's decode table: outer L3 and inner protocol). */
#define E810_PTYPE_L2 1u
#define E810_PTYPE_ARP 11u
#define E810_PTYPE_IPV4_FRAG 22u
#define E810_PTYPE_IPV4 23u
#define E810_PTYPE_IPV4_UDP 24u
#define E810_PTYPE_IPV4_TCP 26u
#define E810_PTYPE_IPV4_ICMP 28u
#define E810_PTYPE_IPV6_FRAG 88u
#define E810_PTYPE_IPV6 89u
#define E810_PTYPE_IPV6_UDP 90u
#define E810_PTYPE_IPV6_TCP 92u
#define E810_PTYPE_IPV6_ICMP 94u

/* ---- RX queue context: bit offset and width of each field in the 256 bits ---- */
#define E810_RCTX_HEAD 0, 13
#define E810_RCTX_CPUID 13, 8
#define E810_RCTX_BASE 32, 57       /* 128-byte units */
#define E810_RCTX_QLEN 89, 13       /* descriptors */
#define E810_RCTX_DBUF 102, 7       /* 128-byte units */
#define E810_RCTX_HBUF 109, 5       /* 64-byte units */
#define E810_RCTX_DTYPE 114, 2      /* 0: no header split */
#define E810_RCTX_DSIZE 116, 1      /* 1: 32-byte descriptors */
#define E810_RCTX_CRCSTRIP 117, 1
#define E810_RCTX_L2TSEL 119, 1     /* 1: stripped tag in L2TAG1, 0: in L2TAG2 */
#define E810_RCTX_HSPLIT0 120, 4
#define E810_RCTX_HSPLIT1 124, 2
#define E810_RCTX_SHOWIV 127, 1
#define E810_RCTX_RXMAX 174, 14     /* largest frame, bytes */
#define E810_RCTX_TPHRDESC 193, 1
#define E810_RCTX_TPHWDESC 194, 1
#define E810_RCTX_TPHDATA 195, 1
#define E810_RCTX_TPHHEAD 196, 1
#define E810_RCTX_LRXQTHRESH 198, 3
#define E810_RCTX_PREFENA 201, 1

#define E810_RCTX_BASE_SHIFT 7u
#define E810_RCTX_DBUF_SHIFT 7u
#define E810_RCTX_HBUF_SHIFT 6u

/* ---- TX: 16-byte descriptors --------------------------------------------------- */
#define E810_TXD_SIZE 16u

/* qword 1 of every TX descriptor: the type in bits 3:0. */
#define E810_TXD_DTYPE_M 0xfull
#define E810_TXD_DTYPE_DATA 0x0u
#define E810_TXD_DTYPE_CTX 0x1u
#define E810_TXD_DTYPE_FD_PROG 0x8u
#define E810_TXD_DTYPE_DONE 0xfu    /* written back into a completed descriptor */
/* The byte of the descriptor the done type is written into, and what is kept of it. */
#define E810_TXD_WB_BYTE 8u
#define E810_TXD_WB_KEEP 0xf0u

/* Data descriptor qword 1: CMD 15:4, OFFSET 33:16, buffer size 47:34, L2TAG1 63:48. */
#define E810_TXD_CMD_S 4
#define E810_TXD_CMD_M 0xfffu
#define E810_TXD_OFFSET_S 16
#define E810_TXD_OFFSET_M 0x3ffffu
#define E810_TXD_BSZ_S 34
#define E810_TXD_BSZ_M 0x3fffu
#define E810_TXD_L2TAG1_S 48

#define E810_TXD_CMD_EOP 0x001u
#define E810_TXD_CMD_RS 0x002u
#define E810_TXD_CMD_IL2TAG1 0x008u
#define E810_TXD_CMD_DUMMY 0x010u   /* a programming packet: not for the wire */
#define E810_TXD_CMD_IIPT_M 0x060u
#define E810_TXD_CMD_IIPT_IPV6 0x020u
#define E810_TXD_CMD_IIPT_IPV4 0x040u      /* IPv4, header checksum left alone */
#define E810_TXD_CMD_IIPT_IPV4_CSUM 0x060u /* IPv4, header checksum inserted */
#define E810_TXD_CMD_L4T_M 0x300u
#define E810_TXD_CMD_L4T_TCP 0x100u
#define E810_TXD_CMD_L4T_SCTP 0x200u
#define E810_TXD_CMD_L4T_UDP 0x300u

/* OFFSET: MACLEN 6:0 in 2-byte words, IPLEN 13:7 and L4LEN 17:14 in 4-byte words. */
#define E810_TXD_MACLEN(off) (((off) & 0x7fu) * 2u)
#define E810_TXD_IPLEN(off) ((((off) >> 7) & 0x7fu) * 4u)
#define E810_TXD_L4LEN(off) ((((off) >> 14) & 0xfu) * 4u)

/* Context descriptor qword 1: CMD 10:4, TSO_LEN 47:30 (payload bytes), MSS 63:50. */
#define E810_TXC_CMD_S 4
#define E810_TXC_CMD_M 0x7fu
#define E810_TXC_CMD_TSO 0x01u
#define E810_TXC_CMD_TSYN 0x02u
#define E810_TXC_CMD_IL2TAG2 0x04u
#define E810_TXC_TSO_LEN_S 30
#define E810_TXC_TSO_LEN_M 0x3ffffu
#define E810_TXC_MSS_S 50
#define E810_TXC_MSS_M 0x3fffu
#define E810_TXC_MSS_MIN 64u        /* the driver never asks for less */


/* ---- Flow director programming (a DTYPE 8 descriptor, then a DUMMY data descriptor) ---- */
/* Qword 0. */
#define E810_FDD_QINDEX(q0) ((unsigned)((q0) & 0x7ffu))           /* VSI-relative queue */
#define E810_FDD_COMP_Q(q0) ((unsigned)(((q0) >> 11) & 1u))
#define E810_FDD_COMP_REPORT(q0) ((unsigned)(((q0) >> 12) & 3u)) /* 0 none, 1 on failure, 2 always */
#define E810_FDD_FD_SPACE(q0) ((unsigned)(((q0) >> 14) & 3u))    /* 0 guar., 1 best effort, 2 both */
#define E810_FDD_STAT_CNT(q0) ((unsigned)(((q0) >> 16) & 0x1fffu))
#define E810_FDD_STAT_ENA(q0) ((unsigned)(((q0) >> 29) & 3u))    /* 0 none, 1 packets, 2 bytes */
#define E810_FDD_EVICT_ENA(q0) ((unsigned)(((q0) >> 31) & 1u))
#define E810_FDD_TOQ(q0) ((unsigned)(((q0) >> 32) & 7u))         /* queue region: 2^toq queues */
#define E810_FDD_TOQ_PRIO(q0) ((unsigned)(((q0) >> 35) & 7u))
#define E810_FDD_DROP(q0) ((unsigned)(((q0) >> 40) & 1u))
/* Qword 1 (DTYPE in 3:0). */
#define E810_FDD_PCMD_REMOVE(q1) ((unsigned)(((q1) >> 4) & 1u))
#define E810_FDD_FD_VSI(q1) ((unsigned)(((q1) >> 14) & 0x3ffu))
#define E810_FDD_SWAP(q1) ((unsigned)(((q1) >> 24) & 1u))
#define E810_FDD_FDID(q1) ((uint32_t)((q1) >> 32))
#define E810_FDD_REPORT_FAIL 1u
#define E810_FDD_REPORT_ALWAYS 2u
/* The dummy packet's largest size (ice: 512 bytes and room for a tunnel header). */
#define E810_FD_PKT_MAX 562u

/*
 * The programming status an RX descriptor of the completing queue gets (32
 * bytes, the flex layout's fields): byte 0 the descriptor ID ice's VF path
 * checks, status_error0 with DD, PROG_ID (0 add, 1 remove) in 2:1, FAIL
 * (table full / no such entry) in 4 and FAIL_PROF (no profile) in 5; the FD
 * ID in the dword the RSS hash takes in data write-backs.
 */
#define E810_FDS_RXDID 0x40u
#define E810_FDS_DD (1u << 0)
#define E810_FDS_PROG_DEL (1u << 1)
#define E810_FDS_FAIL (1u << 4)
#define E810_FDS_FAIL_PROF (1u << 5)
#define E810_FDS_FDID 12u

#endif /* VMUX_DEV_E810_LAN_DESC_H */
