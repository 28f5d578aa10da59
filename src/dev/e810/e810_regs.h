/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Intel E810 (8086:1592) BAR0 registers that Linux's ice driver (6.1 and
 * 7.x) touches during probe, for its admin and mailbox queues, interrupts
 * and LAN queues. Offsets are byte offsets into BAR0; per-queue and
 * per-vector arrays are given as macros with their stride. The values were
 * checked against the offsets the driver programs (its register map,
 * ice_hw_autogen.h); names and comments here are our own.
 *
 * Fields are given as (mask, shift) pairs where the model needs them.
 */
#ifndef VMUX_DEV_E810_REGS_H
#define VMUX_DEV_E810_REGS_H

#include <stdint.h>

/*
 * BAR0 must reach the highest offset the driver uses: the RX flex
 * descriptor profile array at 0x480000 + 2048 * 4. 8 MiB is the smallest
 * power of two that covers it (a real part has a larger BAR0).
 */
#define E810_BAR0_MIN_SIZE 0x00800000u

/* ---- admin queue (PF <-> firmware) ---------------------------------------- */
/* ATQ: commands from the driver; ARQ: events from the firmware. */
#define E810_PF_FW_ATQBAL 0x00080000u /* ring base, low 32 bits */
#define E810_PF_FW_ARQBAL 0x00080080u
#define E810_PF_FW_ATQBAH 0x00080100u /* ring base, high 32 bits */
#define E810_PF_FW_ARQBAH 0x00080180u
#define E810_PF_FW_ATQLEN 0x00080200u /* length, error bits, enable */
#define E810_PF_FW_ARQLEN 0x00080280u
#define E810_PF_FW_ATQH 0x00080300u   /* head: next descriptor the device takes */
#define E810_PF_FW_ARQH 0x00080380u
#define E810_PF_FW_ATQT 0x00080400u   /* tail: one past the last one posted */
#define E810_PF_FW_ARQT 0x00080480u
#define E810_PF_FW_FIRST E810_PF_FW_ATQBAL
#define E810_PF_FW_LAST E810_PF_FW_ARQT

/* xQLEN, the same layout for ATQ, ARQ and the mailbox queues. */
#define E810_AQLEN_LEN_M 0x000003ffu  /* ring length in descriptors */
#define E810_AQLEN_VFE (1u << 28)     /* VF error */
#define E810_AQLEN_OVFL (1u << 29)    /* overflow: an event found no free descriptor */
#define E810_AQLEN_CRIT (1u << 30)    /* critical error: the queue stopped */
#define E810_AQLEN_ENABLE (1u << 31)
#define E810_AQLEN_ERR_M (E810_AQLEN_VFE | E810_AQLEN_OVFL | E810_AQLEN_CRIT)
#define E810_AQLEN_VALID_M (E810_AQLEN_LEN_M | E810_AQLEN_ERR_M | E810_AQLEN_ENABLE)
/* xQH / xQT: a 10-bit descriptor index. */
#define E810_AQ_HT_M 0x000003ffu

/* ---- PF <-> VF mailbox queue (no VFs here: plain storage) ---------------- */
#define E810_PF_MBX_ATQBAL 0x0022e100u
#define E810_PF_MBX_ATQBAH 0x0022e180u
#define E810_PF_MBX_ATQLEN 0x0022e200u
#define E810_PF_MBX_ATQH 0x0022e280u
#define E810_PF_MBX_ATQT 0x0022e300u
#define E810_PF_MBX_ARQBAL 0x0022e380u
#define E810_PF_MBX_ARQBAH 0x0022e400u
#define E810_PF_MBX_ARQLEN 0x0022e480u
#define E810_PF_MBX_ARQH 0x0022e500u
#define E810_PF_MBX_ARQT 0x0022e580u

/* ---- resets and device state ---------------------------------------------- */
#define E810_GLGEN_RSTCTL 0x000b8180u /* GRSTDEL: global reset delay, 100 ms units */
#define E810_GLGEN_RSTCTL_GRSTDEL_M 0x0000003fu
#define E810_GLGEN_RSTAT 0x000b8188u  /* reset status */
#define E810_GLGEN_RSTAT_DEVSTATE_M 0x00000003u /* 0: device active */
#define E810_GLGEN_RSTAT_RESET_TYPE_M 0x0000000cu
#define E810_GLGEN_RSTAT_RESET_TYPE_S 2
#define E810_GLGEN_RTRIG 0x000b8190u  /* reset trigger */
#define E810_GLGEN_RTRIG_CORER (1u << 0)
#define E810_GLGEN_RTRIG_GLOBR (1u << 1)
#define E810_GLGEN_STAT 0x000b612cu
#define E810_PFGEN_CTRL 0x00091000u   /* PF software reset */
#define E810_PFGEN_CTRL_PFSWR (1u << 0) /* set by the driver, cleared when done */
#define E810_GLGEN_VFLRSTAT(i) (0x00093a04u + (uint32_t)(i) * 4u) /* i = 0..3 */
/*
 * Firmware status. Not read by the 6.1 driver; named in later register maps
 * (and by the E610's ixgbe) at this offset.
 */
#define E810_GL_FWSTS 0x00083048u
/*
 * Firmware mode (read by newer drivers): bits 2:0 debug/recovery/rollback
 * modes, bit 30 "firmware still loading". 0 is a normal, loaded firmware.
 */
#define E810_GL_MNG_FWSM 0x000b6134u
#define E810_GL_MNG_FWSM_FW_MODES_M 0x00000007u
#define E810_GL_MNG_FWSM_FW_LOADING (1u << 30)

/* ---- NVM ---------------------------------------------------------------- */
#define E810_GLNVM_ULD 0x000b6008u   /* "reset done" bits the driver waits for */
#define E810_GLNVM_ULD_PCIER_DONE (1u << 0)
#define E810_GLNVM_ULD_PCIER_DONE_1 (1u << 1)
#define E810_GLNVM_ULD_CORER_DONE (1u << 3)
#define E810_GLNVM_ULD_GLOBR_DONE (1u << 4)
#define E810_GLNVM_ULD_POR_DONE (1u << 5)
#define E810_GLNVM_ULD_POR_DONE_1 (1u << 8)
#define E810_GLNVM_ULD_PCIER_DONE_2 (1u << 9)
#define E810_GLNVM_ULD_PE_DONE (1u << 10) /* only waited for with RDMA */
#define E810_GLNVM_ULD_ALL_DONE 0x0000033bu /* every bit the driver needs without RDMA */
#define E810_GLNVM_GENS 0x000b6100u  /* SR_SIZE: log2 of the Shadow RAM in KiB */
#define E810_GLNVM_GENS_SR_SIZE_M 0x000000e0u
#define E810_GLNVM_GENS_SR_SIZE_S 5
#define E810_GLNVM_FLA 0x000b6108u   /* flash access; LOCKED = normal mode */
#define E810_GLNVM_FLA_LOCKED (1u << 6)

/* ---- PCI function, power, clocks ----------------------------------------- */
#define E810_PF_FUNC_RID 0x0009e880u /* bits 2:0: PF number */
#define E810_PF_FUNC_RID_FUNC_NUM_M 0x00000007u
#define E810_GLPCI_CNF2 0x000be004u  /* bit 1 set: 128-byte cache lines */
#define E810_GLPCI_CNF2_CACHELINE_SIZE (1u << 1)
#define E810_PFPM_WUS 0x0009db80u    /* wake-up status, write 1 to clear */
#define E810_GL_PWR_MODE_CTL 0x000b820cu
#define E810_GL_PWR_MODE_CTL_CAR_MAX_BW_M 0xc0000000u /* 0-2: 2 us ITR granularity, 3 (25G): 4 us */
#define E810_GL_PWR_MODE_CTL_CAR_MAX_BW_S 30
#define E810_GL_PWR_MODE_CTL_CAR_MAX_BW_25G 3u
#define E810_GLGEN_CLKSTAT_SRC 0x000b826cu
#define E810_GLGEN_CLKSTAT_SRC_PSM_CLK_SRC_M 0x00000030u

/* ---- interrupts ------------------------------------------------------------ */
/* Cause control registers: MSI-X index 10:0, ITR index 12:11, cause enable 30. */
#define E810_INT_CTL_MSIX_INDX_M 0x000007ffu
#define E810_INT_CTL_ITR_INDX_M 0x00001800u
#define E810_INT_CTL_ITR_INDX_S 11
#define E810_INT_CTL_CAUSE_ENA (1u << 30)
#define E810_PFINT_MBX_CTL 0x0016b280u  /* mailbox cause */
#define E810_PFINT_SB_CTL 0x0016b600u   /* sideband cause (unused on E810) */
#define E810_PFINT_FW_CTL 0x0016c800u   /* admin queue cause */
#define E810_PFINT_OICR_ENA 0x0016c900u /* "other" causes enabled */
#define E810_PFINT_OICR 0x0016ca00u     /* "other" causes, read to clear */
#define E810_PFINT_OICR_TSYN_TX (1u << 11)
#define E810_PFINT_OICR_TSYN_EVNT (1u << 12)
#define E810_PFINT_OICR_ECC_ERR (1u << 16)
#define E810_PFINT_OICR_MAL_DETECT (1u << 19)
#define E810_PFINT_OICR_GRST (1u << 20)
#define E810_PFINT_OICR_PCI_EXCEPTION (1u << 21)
#define E810_PFINT_OICR_HMC_ERR (1u << 26)
#define E810_PFINT_OICR_PE_CRITERR (1u << 28)
#define E810_PFINT_OICR_VFLR (1u << 29)
#define E810_PFINT_OICR_SWINT (1u << 31)
#define E810_PFINT_OICR_CTL 0x0016ca80u
#define E810_GLINT_CTL 0x0016cc54u
#define E810_GLINT_CTL_DIS_AUTOMASK (1u << 0)
/* ITR granularity in us by link speed (0: as GL_PWR_MODE_CTL says), 4 bits each. */
#define E810_GLINT_CTL_ITR_GRAN_200_S 16
#define E810_GLINT_CTL_ITR_GRAN_100_S 20
#define E810_GLINT_CTL_ITR_GRAN_50_S 24
#define E810_GLINT_CTL_ITR_GRAN_25_S 28
/* Per-vector control, v = 0..2047. */
#define E810_GLINT_DYN_CTL(v) (0x00160000u + (uint32_t)(v) * 4u)
#define E810_GLINT_DYN_CTL_INTENA (1u << 0)
#define E810_GLINT_DYN_CTL_CLEARPBA (1u << 1)
#define E810_GLINT_DYN_CTL_SWINT_TRIG (1u << 2)
#define E810_GLINT_DYN_CTL_ITR_INDX_M 0x00000018u /* 3: no ITR update */
#define E810_GLINT_DYN_CTL_ITR_INDX_S 3
#define E810_GLINT_DYN_CTL_INTERVAL_M 0x0001ffe0u
#define E810_GLINT_DYN_CTL_INTERVAL_S 5
#define E810_GLINT_DYN_CTL_SW_ITR_INDX_ENA (1u << 24)
#define E810_GLINT_DYN_CTL_SW_ITR_INDX_M 0x06000000u
#define E810_GLINT_DYN_CTL_SW_ITR_INDX_S 25
#define E810_GLINT_DYN_CTL_WB_ON_ITR (1u << 30)
#define E810_GLINT_DYN_CTL_INTENA_MSK (1u << 31)
/* ITR i = 0..2 per vector (2 us units), stride 0x2000 between the three. */
#define E810_GLINT_ITR(i, v) (0x00154000u + (uint32_t)(i) * 0x2000u + (uint32_t)(v) * 4u)
#define E810_GLINT_RATE(v) (0x0015a000u + (uint32_t)(v) * 4u)
#define E810_GLINT_RATE_INTRL_M 0x0000003fu /* 4 us units (8 us at 25G) */
#define E810_GLINT_RATE_INTRL_ENA (1u << 6)
#define E810_GLINT_ITR_INTERVAL_M 0x00000fffu /* 2 us units (4 us at 25G) */
#define E810_GLINT_VECT2FUNC(v) (0x00162000u + (uint32_t)(v) * 4u)
/* Queue causes, q = absolute queue 0..2047; layout as E810_INT_CTL_*. */
#define E810_QINT_TQCTL(q) (0x00140000u + (uint32_t)(q) * 4u)
#define E810_QINT_RQCTL(q) (0x00150000u + (uint32_t)(q) * 4u)
#define E810_MAX_VECTORS 2048u

/* ---- LAN queues ------------------------------------------------------------ */
#define E810_MAX_QUEUES 2048u /* per device; the arrays below have this many */
/* RX queue enable: request bit 0, status bit 2 (follows the request). */
#define E810_QRX_CTRL(q) (0x00120000u + (uint32_t)(q) * 4u)
#define E810_QRX_CTRL_QENA_REQ (1u << 0)
#define E810_QRX_CTRL_QENA_STAT (1u << 2)
/* RX context: 8 dwords per queue, dword i at a stride of 0x2000. */
#define E810_QRX_CONTEXT(i, q) (0x00280000u + (uint32_t)(i) * 0x2000u + (uint32_t)(q) * 4u)
#define E810_QRX_CONTEXT_DWORDS 8u
/* RX tail: index of the last descriptor given to the device (13 bits). */
#define E810_QRX_TAIL(q) (0x00290000u + (uint32_t)(q) * 4u)
#define E810_QRX_TAIL_M 0x00001fffu
/* RX descriptor profile (RXDID 5:0, priority 10:8, timestamp 11). */
#define E810_QRXFLXP_CNTXT(q) (0x00480000u + (uint32_t)(q) * 4u)
#define E810_QRXFLXP_CNTXT_RXDID_M 0x0000003fu
/* TX doorbell: the new tail. TX head (not used for completions). */
#define E810_QTX_COMM_DBELL(q) (0x002c0000u + (uint32_t)(q) * 4u)
#define E810_QTX_COMM_HEAD(q) (0x000e0000u + (uint32_t)(q) * 4u)
#define E810_QTX_COMM_HEAD_M 0x00001fffu

/* ---- flow director and misc LAN ------------------------------------------- */
#define E810_PFQF_FD_ENA 0x0043a000u
#define E810_GLQF_FD_SIZE 0x00460010u /* the FD capability's table sizes */
/* The flow director profiles' registers (flex.h; ice_hw_autogen.h). */
#define E810_GLQF_FDMASK_SEL(prof) (0x00410400u + (uint32_t)(prof) * 4u)
#define E810_GLQF_FDMASK(i) (0x00410800u + (uint32_t)(i) * 4u)        /* i < 32 */
#define E810_GLQF_FDINSET(prof, j) (0x00412000u + (uint32_t)(prof) * 4u + (uint32_t)(j) * 512u)
#define E810_GLQF_FDSWAP(prof, j) (0x00413000u + (uint32_t)(prof) * 4u + (uint32_t)(j) * 512u)
#define E810_GLLAN_RCTL_0 0x002941f8u /* cleared by clear_pxe on real parts */

/* ---- malicious driver detection (polled by the service task) ------------- */
#define E810_GL_MDCK_TX_TDPU 0x00049348u
#define E810_GL_MDET_RX 0x00294c00u
#define E810_GL_MDET_TX_PQM 0x002d2e00u
#define E810_GL_MDET_TX_TCLAN 0x000fc068u
#define E810_PF_MDET_RX 0x00294280u
#define E810_PF_MDET_TX_PQM 0x002d2c80u
#define E810_PF_MDET_TX_TCLAN 0x000fc000u

#endif /* VMUX_DEV_E810_REGS_H */
