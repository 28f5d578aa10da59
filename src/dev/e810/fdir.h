/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The E810 PCI model's flow director (fdir.c): the programming requests
 * of the TX queues (lan.h: a DTYPE 8 descriptor and its dummy packet) into
 * the filter table (fdtab.h) through the pipeline tables (flex.h), the
 * programming status on the control VSI's RX queue, the FD registers, and
 * the per-frame lookup of steer.h. Private to the model.
 */
#ifndef VMUX_DEV_E810_FDIR_H
#define VMUX_DEV_E810_FDIR_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "dev/e810/fdtab.h"
#include "dev/e810/lan.h"

struct e810;

/* Why a programming request was refused (counted in fd_refused). */
enum {
	E810_FDR_NODATA, E810_FDR_NODUMMY, E810_FDR_LEN, E810_FDR_DMA, /* the TX queue's */
	E810_FDR_NOPROF,   /* no FD profile for the packet's type at the VSI */
	E810_FDR_NOKEY,    /* the profile's fields are not in the packet */
	E810_FDR_FULL,     /* table full */
	E810_FDR_NOENT,    /* remove of a filter not in the table */
	E810_FDR_N
};

struct e810_fdir {
	struct e810_fdtab tab;
	uint64_t progs;              /* programming requests taken */
	uint64_t refused[E810_FDR_N];
	uint64_t status, status_lost; /* programming status written / not (no descriptor) */
	uint64_t drops;              /* frames a drop filter took */
	uint64_t bad_queue;          /* matches whose queue the filter's VSI lacks: on to RSS */
	uint64_t region_clamped;     /* matches whose queue region ran past the VSI's queues */
	/*
	 * The PF VSI's profile per packet type, as e810_flex_fd_prof gives it
	 * (a TCAM search), filled as frames come and dropped whenever the
	 * tables' generation or the PF VSI changes.
	 */
	bool pc_ok;
	uint16_t pc_vsi;
	uint32_t pc_gen;
	int16_t pc_prof[E810_FLEX_PTYPES];
};

/* Empty, with the device's pool sizes. */
void e810_fdir_init(struct e810 *e);
/* A PF reset: every filter gone (ice programs them again after its rebuild). */
void e810_fdir_reset(struct e810 *e);
/* The TX queues' hook (e810_txq_prog.fn, arg the model). */
void e810_fdir_prog(void *arg, uint16_t queue, const struct e810_fd_prog *p);
/*
 * The filters as flows (net/flow.h) of the VM with the model's MAC, the
 * order from prio up (in table order), NET_FLOW_FROM_FDIR with the FD ID:
 * each filter's key decoded back into match fields through its profile
 * (IPv4/IPv6 source and destination, TCP/UDP/SCTP ports, the packet types
 * the profile takes at the PF VSI for the IP version and protocol), its
 * action a queue (the absolute one steering gives; a queue region as the
 * range of its queues, bounded as steering bounds it) or drop. A filter
 * whose key holds other words, whose profile takes packet types the fields
 * cannot tell apart, whose queue the VSI lacks, or whose region's queues
 * are not in a row in the PF's (a scattered queue map) is not listed (the
 * receive path decides those frames). At most max into out; returns how
 * many there are.
 */
struct net_flow;
unsigned e810_fdir_flows(const struct e810 *e, struct net_flow *out, unsigned max, uint16_t prio);
/* FD registers the table answers (GLQF_FD_CNT, VSIQF_FD_CNT, GLSTAT_FD_CNT*): false if not one. */
bool e810_fdir_reg_read(const struct e810 *e, uint32_t off, uint32_t *v);
/* --doorbell poll: the statistics counters (GLSTAT_FD_CNT*) into the shared block (stats.h). */
void e810_fdir_stats_fill(const struct e810 *e, void *area);
/* dump_stats' fd_* fields (each with a leading comma). */
void e810_fdir_dump(const struct e810 *e, FILE *out);

#endif /* VMUX_DEV_E810_FDIR_H */
