/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The E810's switch rules compiled for the PF's receive path: what the
 * admin queue engine keeps (struct e810_aq_state: rules, VSI lists, VSIs)
 * turned into a lookup that costs a hash probe or two per frame, rebuilt
 * when the engine's sw_gen moves (swr.c). Pure: no model, no packets, so the
 * unit tests, the confinement test and the fuzz target run it as the model
 * does.
 *
 * What an E810 does with a frame from the port for the PF (the lookups
 * Linux's ice and DPDK's ice PMD use; ice_switch.c, ice_fill_sw_rule):
 *  - MAC (recipe 1), MAC+VLAN (2) and VLAN (4) rules count whichever
 *    direction they were added for (ice adds its MAC filters as TX rules
 *    with the VSI as source; the lookup is on the destination);
 *    ethertype (0), ethertype+MAC (8), promiscuous (3: unicast, multicast
 *    or broadcast by the rule's DA class), promiscuous+VLAN (9) and the
 *    default VSI (5) only as RX rules;
 *  - VLAN pruning: with RX pruning on in the PF VSI (sw_flags2 bit 0,
 *    update_vsi), a tagged frame whose VLAN has no VLAN rule pruning to the
 *    PF VSI is dropped; untagged (and priority-tagged, VID 0) frames are not;
 *  - of the rules that match, a drop wins, then a queue (ICE_SINGLE_ACT_TO_Q:
 *    an absolute PF queue, or a region of 2^n queues from it spread by the
 *    RSS hash), then forwarding to the PF VSI (on to the flow director and
 *    RSS), then to another VSI of the PF (its first queue); a frame no rule
 *    forwards anywhere is not delivered (no_rule).
 * Rules of added recipes (advanced rules: tc-flower, DPDK's switch filter;
 * swr_adv.c), with the switch block's tables from the package (flex.h):
 * the rule's key is its recipe chain's lookup words (field vector word
 * indices, masks) read from its dummy packet with the field vector of the
 * profile the dummy packet's packet type selects; a frame of a packet type
 * whose profile the recipe is mapped to (recipe_to_profile) matches when
 * the same words of it, masked, are equal. Their actions join the others'
 * in the order above. Without the package's tables (e810_swr_compile), or
 * for a rule whose recipe, words or dummy packet say nothing the model can
 * read, they are kept and counted, never matched.
 */
#ifndef VMUX_DEV_E810_SWR_TAB_H
#define VMUX_DEV_E810_SWR_TAB_H

#include <stdbool.h>
#include <stdint.h>

#include "dev/e810/aq.h"

struct net_flow;
struct e810_flex;

#define E810_SWR_HASH 512u /* exact (DA, VLAN) entries: at least twice the rules */
#define E810_SWR_ANY_VID 0xffffu

enum e810_swr_kind {
	E810_SWR_NONE,    /* nothing for this PF */
	E810_SWR_FWD_VSI, /* another VSI of the PF: its first queue */
	E810_SWR_FWD_PF,  /* the PF VSI: the flow director and RSS decide */
	E810_SWR_TO_Q,    /* an absolute queue (region) */
	E810_SWR_DROP,
};

struct e810_swr_act {
	uint8_t kind;     /* e810_swr_kind; the larger wins */
	uint8_t region;   /* TO_Q: log2 of the queues */
	uint16_t q;       /* TO_Q and FWD_VSI: absolute queue */
	uint16_t rule;    /* the deciding rule's index (counters, logs) */
};

struct e810_swr_ent {
	bool used;
	uint8_t da[6];
	uint16_t vid;     /* E810_SWR_ANY_VID: a MAC rule */
	struct e810_swr_act act;
};

struct e810_swr_et {
	uint16_t etype;
	bool has_da;
	uint8_t da[6];
	struct e810_swr_act act;
};

struct e810_swr_pv { /* promiscuous + VLAN */
	uint16_t vid;
	uint8_t cls;      /* E810_SWR_UC/MC/BC */
	struct e810_swr_act act;
};

enum { E810_SWR_UC, E810_SWR_MC, E810_SWR_BC };

/* An advanced rule compiled (swr_adv.c). */
#define E810_SWR_ADV_WORDS 20u /* lookup words of a recipe chain at most (ice: 5 recipes of 4) */
#define E810_SWR_NPT 12u       /* the packet types the model's parser gives (flex.c) */
struct e810_swr_adv {
	uint8_t rid;      /* the root recipe */
	uint8_t n;        /* words */
	uint16_t prof;    /* the dummy packet's SW profile (flows decode the words with it) */
	uint8_t idx[E810_SWR_ADV_WORDS];
	uint16_t mask[E810_SWR_ADV_WORDS];
	uint16_t val[E810_SWR_ADV_WORDS]; /* masked */
	struct e810_swr_act act;
};

struct e810_swr_tab {
	uint32_t gen;          /* the engine's sw_gen compiled */
	bool active;           /* any rule for the receive path: frames are filtered */
	bool prune;            /* RX VLAN pruning on in the PF VSI */
	int pf_vsi;            /* the PF's LAN VSI, -1: none */
	uint16_t nq;
	uint16_t nrx;          /* rules that apply to the receive path */
	uint16_t ntx_only;     /* directional TX rules (LLDP/pause drops): not on RX */
	uint16_t nadv;         /* rules of added recipes (either direction) */
	uint16_t nadv_on;      /* of which compiled for the receive path (adv[]) */
	uint16_t nadv_bad;     /* RX ones that never match: recipe, words or dummy packet unreadable */
	uint16_t nadv_noprof;  /* RX ones whose recipe is mapped to no profile a frame takes */
	uint32_t flex_gen;     /* the switch block tables' sw_gen compiled (flex.h) */
	uint16_t nent, net, npv;
	struct e810_swr_ent ent[E810_SWR_HASH];
	struct e810_swr_et et[E810_AQ_MAX_RULES];
	struct e810_swr_pv pv[E810_AQ_MAX_RULES];
	struct e810_swr_act promisc[3]; /* by class */
	struct e810_swr_act dflt;
	uint64_t vlan_ok[4096 / 64];    /* VLANs pruned to the PF VSI */
	const struct e810_flex *fx;     /* the switch block's tables (NULL: advanced rules off) */
	int16_t pt_prof[E810_SWR_NPT];  /* each parser packet type's SW profile, -1: none */
	uint64_t pt_adv[E810_SWR_NPT];  /* the adv[] rules its profile's recipes have */
	struct e810_swr_adv adv[E810_AQ_MAX_ADV_RULES];
};

/* Why a frame went where it went (e810_swr_eval). */
enum e810_swr_why {
	E810_SWR_PASS,     /* not filtering (no rules): on as before */
	E810_SWR_HIT,      /* a rule forwarded it (to the PF VSI or a queue) */
	E810_SWR_RULE_DROP,/* a rule dropped it */
	E810_SWR_NO_RULE,  /* no rule forwards it to this PF */
	E810_SWR_PRUNED,   /* VLAN pruning */
};

#define E810_SWR_Q_NEXT (-2) /* the PF VSI: the next stage decides */
#define E810_SWR_Q_DROP (-1)

/* Compiles the engine's state for a PF with nq queues (advanced rules not matched). */
void e810_swr_compile(struct e810_swr_tab *t, const struct e810_aq_state *st, unsigned nq);
/*
 * The same with the switch block's tables fx (the engine's, e810_aq_flex):
 * advanced rules matched too. fx must outlive the table (it is read per
 * frame); recompile when st->sw_gen or fx->sw_gen moves.
 */
void e810_swr_compile_sw(struct e810_swr_tab *t, const struct e810_aq_state *st,
			 const struct e810_flex *fx, unsigned nq);

/*
 * A frame: len bytes from its destination MAC; vid its out-of-band VLAN ID
 * (-1: none, then a tag in the data counts); hash(arg) its RSS hash, asked
 * for only when a queue region decides (NULL: 0). Returns an absolute
 * queue, E810_SWR_Q_NEXT or E810_SWR_Q_DROP, and why.
 */
int e810_swr_eval(const struct e810_swr_tab *t, const uint8_t *frame, uint32_t len, int vid,
		  uint32_t (*hash)(void *arg), void *arg, enum e810_swr_why *why);

/*
 * The rules as flows for an uplink (net/flow.h), ANDed with the VM's MAC:
 * at most max into out; returns how many there are (more than max: some
 * left out). Rules that can never match the VM's unicast are not listed.
 */
unsigned e810_swr_flows(const struct e810_aq_state *st, unsigned nq, const uint8_t vm_mac[6],
			struct net_flow *out, unsigned max);
/*
 * The same, and the advanced rules of t (compiled from st with the switch
 * tables: e810_swr_compile_sw) whose words decode to flow fields (MAC,
 * ethertype, IPv4/IPv6 addresses, IP protocol, L4 ports) and whose profiles
 * are those of one class of frames (IPv4 or IPv6 with UDP or TCP, all
 * IPv4, all IPv6, all); the others are not listed.
 */
unsigned e810_swr_flows_tab(const struct e810_swr_tab *t, const struct e810_aq_state *st,
			    unsigned nq, const uint8_t vm_mac[6], struct net_flow *out, unsigned max);
unsigned e810_swr_adv_flows(const struct e810_swr_tab *t, const uint8_t vm_mac[6],
			    struct net_flow *out, unsigned max);

/* Inside the switch rule code (swr_tab.c, swr_adv.c). */
struct e810_swr_act e810_swr_rule_act(const struct e810_aq_state *st, const struct e810_aq_rule *r,
				      int pf, unsigned nq);
void e810_swr_combine(struct e810_swr_act *acc, const struct e810_swr_act *a);
/* A rule's action as a flow's action, and its band added to f->priority. */
void e810_swr_flow_act(struct net_flow *f, const struct e810_swr_act *a);
void e810_swr_adv_compile(struct e810_swr_tab *t, const struct e810_aq_state *st,
			  const struct e810_flex *fx);
void e810_swr_adv_eval(const struct e810_swr_tab *t, const uint8_t *frame, uint32_t len,
		       struct e810_swr_act *acc);

/*
 * The flows' order (net_flow.priority), as the receive path decides: the
 * switch rules' drops from 0, their queues from 2048, the flow director's
 * filters (swr.c's e810_steer_flows) from E810_FLOW_PRIO_FDIR (at most
 * E810_FLOW_FDIR_MAX of them), then the rules to the PF (PASS) and to
 * another VSI; within a band the recipe's rank * 256 plus the rule's slot.
 */
#define E810_FLOW_PRIO_QUEUE 2048u
#define E810_FLOW_PRIO_FDIR 4096u
#define E810_FLOW_FDIR_MAX 16384u
#define E810_FLOW_PRIO_PF (E810_FLOW_PRIO_FDIR + E810_FLOW_FDIR_MAX)
#define E810_FLOW_PRIO_VSI (E810_FLOW_PRIO_PF + 2048u)

#endif /* VMUX_DEV_E810_SWR_TAB_H */
