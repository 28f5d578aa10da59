/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * e810-emu, the E810-C PCI model (model.c): its PCI identity and layout,
 * for the model and for tests that check what a guest sees.
 */
#ifndef VMUX_DEV_E810_MODEL_H
#define VMUX_DEV_E810_MODEL_H

#include <stdint.h>

struct e810_aq_config;

#define E810_MODEL_VENDOR 0x8086u
#define E810_MODEL_DEVICE 0x1592u        /* E810-C for QSFP */
#define E810_MODEL_SUBSYS_VENDOR 0x8086u
#define E810_MODEL_SUBSYS 0x0002u        /* Ethernet Network Adapter E810-C-Q2 */
#define E810_MODEL_REVISION 0x02u
#define E810_MODEL_CLASS 0x020000u       /* Ethernet controller */

/* BAR0: registers (a real E810's size; only accesses are trapped, nothing is allocated). */
#define E810_MODEL_BAR0_SIZE (128ull << 20)
/* BAR3: the MSI-X table at 0 and the PBA at 32 KiB, as on a real part. */
#define E810_MODEL_BAR3_SIZE (64u << 10)
#define E810_MODEL_MSIX_TABLE 0x0000u
#define E810_MODEL_MSIX_PBA 0x8000u

/*
 * Queue pairs (--queues); MSI-X vectors: the OICR/FW vector, one per queue
 * pair, and the three more ice reserves in full mode before it gives the
 * rest to the queues (ice_ena_msix_range: two for the flow director's
 * control VSI, one for switchdev). Fewer, and 6.1 spreads the queues over
 * fewer vectors than CPUs and caps the channels (ethtool -L) there.
 */
#define E810_MODEL_QUEUES_DEFAULT 4u
#define E810_MODEL_QUEUES_MAX 16u
#define E810_MODEL_VECTORS(nq) ((nq) + 4u)
#define E810_MODEL_MAX_VECTORS E810_MODEL_VECTORS(E810_MODEL_QUEUES_MAX)

/* The admin queue engine's configuration the model uses for a MAC and queue count. */
void e810_model_aq_config(struct e810_aq_config *ac, const uint8_t mac[6], unsigned queues);

#endif /* VMUX_DEV_E810_MODEL_H */
