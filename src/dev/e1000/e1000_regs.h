/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Intel 82540EM register map, bits and descriptor layouts, as the model uses
 * them (written from the 8254x developer's manual and what Linux's e1000
 * driver programs). Offsets are byte offsets into BAR0.
 */
#ifndef VMUX_DEV_E1000_REGS_H
#define VMUX_DEV_E1000_REGS_H

#include <stdint.h>

#define E1K_MMIO_SIZE 0x20000u /* BAR0: 128 KiB */
#define E1K_IO_SIZE 0x40u      /* BAR1: IOADDR at 0, IODATA at 4 */
#define E1K_NREGS (E1K_MMIO_SIZE / 4)

/* ---- general ---------------------------------------------------------- */
#define E1K_CTRL 0x0000u
#define E1K_STATUS 0x0008u
#define E1K_EECD 0x0010u
#define E1K_EERD 0x0014u
#define E1K_CTRL_EXT 0x0018u
#define E1K_FLA 0x001cu
#define E1K_MDIC 0x0020u
#define E1K_FCAL 0x0028u
#define E1K_FCAH 0x002cu
#define E1K_FCT 0x0030u
#define E1K_VET 0x0038u
#define E1K_ICR 0x00c0u
#define E1K_ITR 0x00c4u
#define E1K_ICS 0x00c8u
#define E1K_IMS 0x00d0u
#define E1K_IMC 0x00d8u
#define E1K_RCTL 0x0100u
#define E1K_FCTTV 0x0170u
#define E1K_TXCW 0x0178u
#define E1K_RXCW 0x0180u
#define E1K_TCTL 0x0400u
#define E1K_TIPG 0x0410u
#define E1K_AIT 0x0458u
#define E1K_LEDCTL 0x0e00u
#define E1K_PBA 0x1000u
#define E1K_FCRTL 0x2160u
#define E1K_FCRTH 0x2168u
#define E1K_RDBAL 0x2800u
#define E1K_RDBAH 0x2804u
#define E1K_RDLEN 0x2808u
#define E1K_RDH 0x2810u
#define E1K_RDT 0x2818u
#define E1K_RDTR 0x2820u
#define E1K_RXDCTL 0x2828u
#define E1K_RADV 0x282cu
#define E1K_RSRPD 0x2c00u
#define E1K_TXDMAC 0x3000u
#define E1K_TDBAL 0x3800u
#define E1K_TDBAH 0x3804u
#define E1K_TDLEN 0x3808u
#define E1K_TDH 0x3810u
#define E1K_TDT 0x3818u
#define E1K_TIDV 0x3820u
#define E1K_TXDCTL 0x3828u
#define E1K_TXDCTL_RESET 0x00010000u /* granularity: descriptors */
#define E1K_TADV 0x382cu
#define E1K_TSPMT 0x3830u
#define E1K_STATS_BASE 0x4000u /* 0x4000..0x40ff: statistics, clear on read */
#define E1K_STATS_END 0x4100u
#define E1K_RXCSUM 0x5000u
#define E1K_MTA 0x5200u        /* 128 words */
#define E1K_RAL(i) (0x5400u + 8u * (i))
#define E1K_RAH(i) (0x5404u + 8u * (i))
#define E1K_RA_END 0x5480u     /* 16 RAL/RAH pairs */
#define E1K_VFTA 0x5600u       /* 128 words */
#define E1K_WUC 0x5800u
#define E1K_WUFC 0x5808u
#define E1K_WUS 0x5810u
#define E1K_MANC 0x5820u
#define E1K_IPAV 0x5838u
#define E1K_IP4AT 0x5840u
#define E1K_IP6AT 0x5880u
#define E1K_WUPL 0x5900u
#define E1K_WUPM 0x5a00u
#define E1K_FFLT 0x5f00u
#define E1K_FFMT 0x9000u
#define E1K_FFVT 0x9800u

#define E1K_MTA_WORDS 128u
#define E1K_VFTA_WORDS 128u
#define E1K_RA_ENTRIES 16u

/* ---- statistics (all clear on read) ---------------------------------- */
#define E1K_CRCERRS 0x4000u
#define E1K_ALGNERRC 0x4004u
#define E1K_SYMERRS 0x4008u
#define E1K_RXERRC 0x400cu
#define E1K_MPC 0x4010u
#define E1K_SCC 0x4014u
#define E1K_ECOL 0x4018u
#define E1K_MCC 0x401cu
#define E1K_LATECOL 0x4020u
#define E1K_COLC 0x4028u
#define E1K_DC 0x4030u
#define E1K_TNCRS 0x4034u
#define E1K_SEC 0x4038u
#define E1K_CEXTERR 0x403cu
#define E1K_RLEC 0x4040u
#define E1K_XONRXC 0x4048u
#define E1K_XONTXC 0x404cu
#define E1K_XOFFRXC 0x4050u
#define E1K_XOFFTXC 0x4054u
#define E1K_FCRUC 0x4058u
#define E1K_PRC64 0x405cu
#define E1K_PRC127 0x4060u
#define E1K_PRC255 0x4064u
#define E1K_PRC511 0x4068u
#define E1K_PRC1023 0x406cu
#define E1K_PRC1522 0x4070u
#define E1K_GPRC 0x4074u
#define E1K_BPRC 0x4078u
#define E1K_MPRC 0x407cu
#define E1K_GPTC 0x4080u
#define E1K_GORCL 0x4088u
#define E1K_GORCH 0x408cu
#define E1K_GOTCL 0x4090u
#define E1K_GOTCH 0x4094u
#define E1K_RNBC 0x40a0u
#define E1K_RUC 0x40a4u
#define E1K_RFC 0x40a8u
#define E1K_ROC 0x40acu
#define E1K_RJC 0x40b0u
#define E1K_MGTPRC 0x40b4u
#define E1K_MGTPDC 0x40b8u
#define E1K_MGTPTC 0x40bcu
#define E1K_TORL 0x40c0u
#define E1K_TORH 0x40c4u
#define E1K_TOTL 0x40c8u
#define E1K_TOTH 0x40ccu
#define E1K_TPR 0x40d0u
#define E1K_TPT 0x40d4u
#define E1K_PTC64 0x40d8u
#define E1K_PTC127 0x40dcu
#define E1K_PTC255 0x40e0u
#define E1K_PTC511 0x40e4u
#define E1K_PTC1023 0x40e8u
#define E1K_PTC1522 0x40ecu
#define E1K_MPTC 0x40f0u
#define E1K_BPTC 0x40f4u
#define E1K_TSCTC 0x40f8u
#define E1K_TSCTFC 0x40fcu

/* ---- CTRL ------------------------------------------------------------- */
#define E1K_CTRL_FD (1u << 0)
#define E1K_CTRL_LRST (1u << 3)
#define E1K_CTRL_ASDE (1u << 5)
#define E1K_CTRL_SLU (1u << 6)
#define E1K_CTRL_ILOS (1u << 7)
#define E1K_CTRL_SPD_1000 (2u << 8)
#define E1K_CTRL_FRCSPD (1u << 11)
#define E1K_CTRL_FRCDPX (1u << 12)
#define E1K_CTRL_RST (1u << 26)
#define E1K_CTRL_RFCE (1u << 27)
#define E1K_CTRL_TFCE (1u << 28)
#define E1K_CTRL_VME (1u << 30)
#define E1K_CTRL_PHY_RST (1u << 31)

/* ---- STATUS ----------------------------------------------------------- */
#define E1K_STATUS_FD (1u << 0)
#define E1K_STATUS_LU (1u << 1)
#define E1K_STATUS_TXOFF (1u << 4)
#define E1K_STATUS_SPEED_1000 (2u << 6)
#define E1K_STATUS_ASDV_1000 (2u << 8)

/* ---- EECD / EERD ------------------------------------------------------ */
#define E1K_EECD_SK (1u << 0)
#define E1K_EECD_CS (1u << 1)
#define E1K_EECD_DI (1u << 2)
#define E1K_EECD_DO (1u << 3)
#define E1K_EECD_FWE_MASK (3u << 4)
#define E1K_EECD_REQ (1u << 6)
#define E1K_EECD_GNT (1u << 7)
#define E1K_EECD_PRES (1u << 8)
#define E1K_EECD_SIZE (1u << 9) /* 0: 64 words (6 address bits) */
#define E1K_EECD_WRITABLE (E1K_EECD_SK | E1K_EECD_CS | E1K_EECD_DI | E1K_EECD_FWE_MASK | \
			   E1K_EECD_REQ)

#define E1K_EERD_START (1u << 0)
#define E1K_EERD_DONE (1u << 4)
#define E1K_EERD_ADDR_SHIFT 8
#define E1K_EERD_DATA_SHIFT 16

#define E1K_EEPROM_WORDS 64u
#define E1K_EEPROM_SUM 0xbabau
#define E1K_EEPROM_CSUM_WORD 0x3fu

/* ---- MDIC --------------------------------------------------------------- */
#define E1K_MDIC_DATA_MASK 0xffffu
#define E1K_MDIC_REG_SHIFT 16
#define E1K_MDIC_PHY_SHIFT 21
#define E1K_MDIC_OP_WRITE (1u << 26)
#define E1K_MDIC_OP_READ (2u << 26)
#define E1K_MDIC_READY (1u << 28)
#define E1K_MDIC_INT_EN (1u << 29)
#define E1K_MDIC_ERROR (1u << 30)
#define E1K_PHY_ADDR 1u

/* ---- interrupt causes (ICR/ICS/IMS/IMC) --------------------------------- */
#define E1K_ICR_TXDW (1u << 0)
#define E1K_ICR_TXQE (1u << 1)
#define E1K_ICR_LSC (1u << 2)
#define E1K_ICR_RXSEQ (1u << 3)
#define E1K_ICR_RXDMT0 (1u << 4)
#define E1K_ICR_RXO (1u << 6)
#define E1K_ICR_RXT0 (1u << 7)
#define E1K_ICR_MDAC (1u << 9)
#define E1K_ICR_RXCFG (1u << 10)
#define E1K_ICR_TXD_LOW (1u << 15)
#define E1K_ICR_SRPD (1u << 16)
#define E1K_ICR_VALID 0x0001f6dfu /* causes the 82540EM has */

/* ---- RCTL --------------------------------------------------------------- */
#define E1K_RCTL_EN (1u << 1)
#define E1K_RCTL_SBP (1u << 2)
#define E1K_RCTL_UPE (1u << 3)
#define E1K_RCTL_MPE (1u << 4)
#define E1K_RCTL_LPE (1u << 5)
#define E1K_RCTL_LBM_MASK (3u << 6)
#define E1K_RCTL_RDMTS_SHIFT 8
#define E1K_RCTL_RDMTS_MASK (3u << 8)
#define E1K_RCTL_MO_SHIFT 12
#define E1K_RCTL_MO_MASK (3u << 12)
#define E1K_RCTL_BAM (1u << 15)
#define E1K_RCTL_BSIZE_SHIFT 16
#define E1K_RCTL_BSIZE_MASK (3u << 16)
#define E1K_RCTL_VFE (1u << 18)
#define E1K_RCTL_CFIEN (1u << 19)
#define E1K_RCTL_CFI (1u << 20)
#define E1K_RCTL_DPF (1u << 22)
#define E1K_RCTL_PMCF (1u << 23)
#define E1K_RCTL_BSEX (1u << 25)
#define E1K_RCTL_SECRC (1u << 26)

/* ---- TCTL --------------------------------------------------------------- */
#define E1K_TCTL_EN (1u << 1)
#define E1K_TCTL_PSP (1u << 3)

/* ---- RXCSUM ------------------------------------------------------------- */
#define E1K_RXCSUM_PCSS_MASK 0xffu
#define E1K_RXCSUM_IPOFL (1u << 8)
#define E1K_RXCSUM_TUOFL (1u << 9)

/* ---- RAH ---------------------------------------------------------------- */
#define E1K_RAH_AS_MASK (3u << 16)
#define E1K_RAH_AV (1u << 31)

/* ---- descriptors ------------------------------------------------------ */
#define E1K_DESC_SIZE 16u
#define E1K_RING_ALIGN 128u /* TDLEN/RDLEN: multiples of 128 bytes */

/* Transmit: lower dword bits 31:24 are the command byte. */
#define E1K_TXD_CMD_EOP (1u << 24)
#define E1K_TXD_CMD_IFCS (1u << 25)
#define E1K_TXD_CMD_IC (1u << 26)  /* legacy: insert checksum */
#define E1K_TXD_CMD_TSE (1u << 26) /* extended: TCP segmentation */
#define E1K_TXD_CMD_RS (1u << 27)
#define E1K_TXD_CMD_RPS (1u << 28)
#define E1K_TXD_CMD_DEXT (1u << 29)
#define E1K_TXD_CMD_VLE (1u << 30)
#define E1K_TXD_CMD_IDE (1u << 31)
#define E1K_TXD_DTYP_MASK (0xfu << 20)
#define E1K_TXD_DTYP_CTX (0x0u << 20)
#define E1K_TXD_DTYP_DATA (0x1u << 20)
#define E1K_TXD_LEN_MASK 0xfffffu /* extended: 20 bits */
#define E1K_TXD_LEGACY_LEN_MASK 0xffffu

/* Context descriptor TUCMD (same bit positions in cmd_and_length). */
#define E1K_TUCMD_TCP (1u << 24)
#define E1K_TUCMD_IP (1u << 25) /* IPv4 */
#define E1K_TUCMD_TSE (1u << 26)

#define E1K_TXD_STAT_DD 0x01u
#define E1K_TXD_POPTS_IXSM 0x01u
#define E1K_TXD_POPTS_TXSM 0x02u

/* Receive descriptor status/errors bytes. */
#define E1K_RXD_STAT_DD 0x01u
#define E1K_RXD_STAT_EOP 0x02u
#define E1K_RXD_STAT_IXSM 0x04u
#define E1K_RXD_STAT_VP 0x08u
#define E1K_RXD_STAT_TCPCS 0x20u
#define E1K_RXD_STAT_IPCS 0x40u
#define E1K_RXD_ERR_TCPE 0x20u
#define E1K_RXD_ERR_IPE 0x40u

/* ---- PHY (Marvell 88E1011 behind MDIC) -------------------------------- */
#define E1K_PHY_CTRL 0x00u
#define E1K_PHY_STATUS 0x01u
#define E1K_PHY_ID1 0x02u
#define E1K_PHY_ID2 0x03u
#define E1K_PHY_AUTONEG_ADV 0x04u
#define E1K_PHY_LP_ABILITY 0x05u
#define E1K_PHY_AUTONEG_EXP 0x06u
#define E1K_PHY_NEXT_PAGE_TX 0x07u
#define E1K_PHY_LP_NEXT_PAGE 0x08u
#define E1K_PHY_1000T_CTRL 0x09u
#define E1K_PHY_1000T_STATUS 0x0au
#define E1K_PHY_EXT_STATUS 0x0fu
#define E1K_PHY_SPEC_CTRL 0x10u
#define E1K_PHY_SPEC_STATUS 0x11u
#define E1K_PHY_INT_ENABLE 0x12u
#define E1K_PHY_INT_STATUS 0x13u
#define E1K_PHY_EXT_SPEC_CTRL 0x14u
#define E1K_PHY_RX_ERR_CNTR 0x15u
#define E1K_PHY_NREGS 32u

#define E1K_MII_CR_SPEED_1000 (1u << 6)
#define E1K_MII_CR_FULL_DUPLEX (1u << 8)
#define E1K_MII_CR_RESTART_AN (1u << 9)
#define E1K_MII_CR_ISOLATE (1u << 10)
#define E1K_MII_CR_POWER_DOWN (1u << 11)
#define E1K_MII_CR_AN_ENABLE (1u << 12)
#define E1K_MII_CR_LOOPBACK (1u << 14)
#define E1K_MII_CR_RESET (1u << 15)

#define E1K_MII_SR_LINK (1u << 2)
#define E1K_MII_SR_AN_COMPLETE (1u << 5)

#define E1K_PSSR_LINK (1u << 10)
#define E1K_PSSR_RESOLVED (1u << 11)
#define E1K_PSSR_FULL_DUPLEX (1u << 13)
#define E1K_PSSR_SPEED_1000 (2u << 14)

#define E1K_PHY_ID1_VAL 0x0141u /* Marvell */
#define E1K_PHY_ID2_VAL 0x0c20u /* 88E1011, revision 0 */

/* ---- PCI identity ----------------------------------------------------- */
#define E1K_PCI_VENDOR 0x8086u
#define E1K_PCI_DEVICE 0x100eu /* 82540EM */
#define E1K_PCI_SUBSYS_VENDOR 0x8086u
#define E1K_PCI_SUBSYS 0x001eu /* PRO/1000 MT Desktop */
#define E1K_PCI_REVISION 0x03u
#define E1K_PCI_CLASS 0x020000u

#endif
