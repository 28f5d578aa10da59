// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The DPDK uplink's flow rules (dpdk.h, "Flow rules"): per VM, its MAC rule
 * ETH(dst = its MAC) -> its RX queue, and its guest's flows (net/flow.h)
 * above it, as rte_flow rules where the device takes them.
 *
 * A VM's RX queue: the one its caller names (with lanes, the RX queue of the
 * lane on the VM's worker, 0 for the port's own), else 1 + (vm % (queues -
 * 1)) with several queues and no lanes (queue 0 is what no rule claims),
 * else 0. In the device a rule only decides which queue the frame is read from, or drops it (DROP); which of the VM's own
 * queues it then lands on is still the device model's steering, which
 * applies every guest rule anyway: a rule the device refuses (validate or
 * create fails, or a match it cannot express) stays with vmux's own
 * classifier and is counted as a fallback, with the device's reason.
 *
 * Priorities: a VM's guest flows are given rte_flow priorities 0, 1, ... by
 * their net_flow priority (the lowest decides; priorities are per VM, whose rules never
 * overlap another VM's: each matches its own destination MAC), its MAC rule
 * DPDK_FLOW_MAC_PRIO below them all (within net_tap's 0..4094).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_flow.h>

#include "core/log.h"
#include "net/dpdk.h"
#include "net/dpdk_priv.h"
#include "net/flow.h"

#define DPDK_FLOW_MAC_PRIO 4000u
/*
 * Rules offered to the device per dpdk_flow_set_vm at most (each a netlink
 * request or two with net_tap): the others wait in software, `pending`, for
 * the next call, so that a guest churning its rules cannot hold the
 * switch's thread for long.
 */
#define DPDK_FLOW_SYNC_OFFERS 64u

struct rule {
	bool used, mac_rule, hw;
	bool pending; /* not offered yet (the sync's budget ran out) */
	unsigned vm;
	uint32_t handle, prio;
	uint16_t rxq;
	struct net_flow f;
	struct rte_flow *h;
	char why[96];
};

struct dpdk_flows {
	struct rule *r;
	unsigned n, cap;
	uint32_t next_handle;
	struct dpdk_flow_stats st;
};

static uint16_t vm_rxq(const struct dpdk_port *d, unsigned vm)
{
	/* With lanes, nrxq is 1 (the port polls queue 0, each lane its own). */
	return d->nrxq > 1 ? (uint16_t)(1u + vm % (d->nrxq - 1u)) : 0;
}

static struct dpdk_flows *flows_get(struct dpdk_port *d)
{
	if (!d->flows) {
		d->flows = calloc(1, sizeof(*d->flows));
		if (d->flows)
			d->flows->next_handle = 1;
	}
	return d->flows;
}

/* ---- net_flow -> rte_flow --------------------------------------------------------- */

struct pattern {
	struct rte_flow_item it[6];
	struct rte_flow_item_eth eth, eth_m;
	struct rte_flow_item_vlan vlan, vlan_m;
	struct rte_flow_item_ipv4 ip4, ip4_m;
	struct rte_flow_item_ipv6 ip6, ip6_m;
	struct rte_flow_item_tcp tcp, tcp_m;
	struct rte_flow_item_udp udp, udp_m;
	struct rte_flow_action act[2];
	struct rte_flow_action_queue q;
};

static void item(struct pattern *p, unsigned *k, enum rte_flow_item_type t, const void *spec,
		 const void *mask)
{
	p->it[*k].type = t;
	p->it[*k].spec = spec;
	p->it[*k].mask = mask;
	(*k)++;
}

/* f as a pattern and actions in p; NULL, or why rte_flow cannot say it. */
static const char *translate(const struct net_flow *f, bool drop, uint16_t rxq, struct pattern *p)
{
	const struct net_flow_match *m = &f->m;
	unsigned k = 0;
	bool l4 = m->fields & (NET_FLOW_F_SPORT | NET_FLOW_F_DPORT);

	memset(p, 0, sizeof(*p));
	memcpy(p->eth.hdr.dst_addr.addr_bytes, m->dst_mac, 6);
	memset(p->eth_m.hdr.dst_addr.addr_bytes, 0xff, 6);
	if (m->fields & NET_FLOW_F_UNTAGGED) {
		p->eth_m.has_vlan = 1; /* spec 0: no tag */
	}
	if ((m->fields & NET_FLOW_F_ETYPE) && !(m->fields & NET_FLOW_F_VLAN)) {
		p->eth.hdr.ether_type = rte_cpu_to_be_16(m->ethertype);
		p->eth_m.hdr.ether_type = RTE_BE16(0xffff);
	}
	item(p, &k, RTE_FLOW_ITEM_TYPE_ETH, &p->eth, &p->eth_m);
	if (m->fields & NET_FLOW_F_VLAN) {
		p->vlan.hdr.vlan_tci = rte_cpu_to_be_16(m->vlan_id & 0xfffu);
		p->vlan_m.hdr.vlan_tci = RTE_BE16(0x0fff);
		if (m->fields & NET_FLOW_F_ETYPE) {
			p->vlan.hdr.eth_proto = rte_cpu_to_be_16(m->ethertype);
			p->vlan_m.hdr.eth_proto = RTE_BE16(0xffff);
		}
		item(p, &k, RTE_FLOW_ITEM_TYPE_VLAN, &p->vlan, &p->vlan_m);
	}
	if (m->fields & NET_FLOW_F_IPV4) {
		if (m->fields & NET_FLOW_F_SRC_IP) {
			memcpy(&p->ip4.hdr.src_addr, m->src_ip, 4);
			memcpy(&p->ip4_m.hdr.src_addr, m->src_ip_mask, 4);
		}
		if (m->fields & NET_FLOW_F_DST_IP) {
			memcpy(&p->ip4.hdr.dst_addr, m->dst_ip, 4);
			memcpy(&p->ip4_m.hdr.dst_addr, m->dst_ip_mask, 4);
		}
		if ((m->fields & NET_FLOW_F_PROTO) && !l4) {
			p->ip4.hdr.next_proto_id = m->ip_proto;
			p->ip4_m.hdr.next_proto_id = 0xff;
		}
		item(p, &k, RTE_FLOW_ITEM_TYPE_IPV4, &p->ip4, &p->ip4_m);
	} else if (m->fields & NET_FLOW_F_IPV6) {
		if (m->fields & NET_FLOW_F_SRC_IP) {
			memcpy(p->ip6.hdr.src_addr, m->src_ip, 16);
			memcpy(p->ip6_m.hdr.src_addr, m->src_ip_mask, 16);
		}
		if (m->fields & NET_FLOW_F_DST_IP) {
			memcpy(p->ip6.hdr.dst_addr, m->dst_ip, 16);
			memcpy(p->ip6_m.hdr.dst_addr, m->dst_ip_mask, 16);
		}
		if ((m->fields & NET_FLOW_F_PROTO) && !l4) {
			p->ip6.hdr.proto = m->ip_proto;
			p->ip6_m.hdr.proto = 0xff;
		}
		item(p, &k, RTE_FLOW_ITEM_TYPE_IPV6, &p->ip6, &p->ip6_m);
	} else if (m->fields & (NET_FLOW_F_SRC_IP | NET_FLOW_F_DST_IP | NET_FLOW_F_PROTO |
				NET_FLOW_F_SPORT | NET_FLOW_F_DPORT)) {
		return "L3/L4 fields without an IP version";
	}
	if (l4) {
		bool tcp;

		if (!(m->fields & NET_FLOW_F_PROTO) || (m->ip_proto != 6 && m->ip_proto != 17))
			return "L4 ports without TCP or UDP";
		tcp = m->ip_proto == 6;
		if (tcp) {
			p->tcp.hdr.src_port = rte_cpu_to_be_16(m->src_port);
			p->tcp.hdr.dst_port = rte_cpu_to_be_16(m->dst_port);
			if (m->fields & NET_FLOW_F_SPORT)
				p->tcp_m.hdr.src_port = rte_cpu_to_be_16(m->src_port_mask);
			if (m->fields & NET_FLOW_F_DPORT)
				p->tcp_m.hdr.dst_port = rte_cpu_to_be_16(m->dst_port_mask);
			p->tcp.hdr.src_port &= p->tcp_m.hdr.src_port;
			p->tcp.hdr.dst_port &= p->tcp_m.hdr.dst_port;
			item(p, &k, RTE_FLOW_ITEM_TYPE_TCP, &p->tcp, &p->tcp_m);
		} else {
			p->udp.hdr.src_port = rte_cpu_to_be_16(m->src_port);
			p->udp.hdr.dst_port = rte_cpu_to_be_16(m->dst_port);
			if (m->fields & NET_FLOW_F_SPORT)
				p->udp_m.hdr.src_port = rte_cpu_to_be_16(m->src_port_mask);
			if (m->fields & NET_FLOW_F_DPORT)
				p->udp_m.hdr.dst_port = rte_cpu_to_be_16(m->dst_port_mask);
			p->udp.hdr.src_port &= p->udp_m.hdr.src_port;
			p->udp.hdr.dst_port &= p->udp_m.hdr.dst_port;
			item(p, &k, RTE_FLOW_ITEM_TYPE_UDP, &p->udp, &p->udp_m);
		}
	}
	item(p, &k, RTE_FLOW_ITEM_TYPE_END, NULL, NULL);
	if (drop) {
		p->act[0].type = RTE_FLOW_ACTION_TYPE_DROP;
	} else {
		p->q.index = rxq;
		p->act[0].type = RTE_FLOW_ACTION_TYPE_QUEUE;
		p->act[0].conf = &p->q;
	}
	p->act[1].type = RTE_FLOW_ACTION_TYPE_END;
	return NULL;
}

/* Offers r to the device; hw or why set. */
static void install(struct dpdk_port *d, struct dpdk_flows *fl, struct rule *r)
{
	struct rte_flow_attr attr = { .ingress = 1, .priority = r->prio };
	struct rte_flow_error fe;
	struct pattern p;
	const char *bad = translate(&r->f, !r->mac_rule && r->f.action == NET_FLOW_DROP, r->rxq, &p);
	int rc;

	r->hw = false;
	r->h = NULL;
	if (bad) {
		snprintf(r->why, sizeof(r->why), "%s", bad);
		fl->st.refused_form++;
		goto fallback;
	}
	memset(&fe, 0, sizeof(fe));
	rc = rte_flow_validate(d->pid, &attr, p.it, p.act, &fe);
	if (rc < 0) {
		snprintf(r->why, sizeof(r->why), "validate: %s (%s)", fe.message ? fe.message : "",
			 strerror(-rc));
		fl->st.refused_validate++;
		goto fallback;
	}
	memset(&fe, 0, sizeof(fe));
	r->h = rte_flow_create(d->pid, &attr, p.it, p.act, &fe);
	if (!r->h) {
		snprintf(r->why, sizeof(r->why), "create: %s (%s)", fe.message ? fe.message : "",
			 rte_strerror(rte_errno));
		fl->st.refused_create++;
		goto fallback;
	}
	r->hw = true;
	r->why[0] = '\0';
	fl->st.created++;
	return;
fallback:
	fl->st.fallbacks++;
	LOG_RL(LOG_LVL_INFO, "dpdk", "%s: a flow of VM %u stays in software: %s", d->name, r->vm,
	       r->why);
}

static void uninstall(struct dpdk_port *d, struct dpdk_flows *fl, struct rule *r)
{
	struct rte_flow_error fe;

	if (r->hw && r->h && !d->st.removed) {
		memset(&fe, 0, sizeof(fe));
		if (rte_flow_destroy(d->pid, r->h, &fe) < 0) {
			fl->st.destroy_failed++;
			LOG_RL(LOG_LVL_WARN, "dpdk", "%s: cannot destroy a flow of VM %u: %s", d->name,
			       r->vm, fe.message ? fe.message : "");
		} else {
			fl->st.destroyed++;
		}
	}
	r->used = false;
	r->h = NULL;
	r->hw = false;
}

static struct rule *slot(struct dpdk_flows *fl)
{
	for (unsigned i = 0; i < fl->n; i++)
		if (!fl->r[i].used)
			return &fl->r[i];
	if (fl->n == fl->cap) {
		unsigned cap = fl->cap ? fl->cap * 2 : 64;
		struct rule *r = realloc(fl->r, cap * sizeof(*r));

		if (!r)
			return NULL;
		fl->r = r;
		fl->cap = cap;
	}
	return &fl->r[fl->n++];
}

/* The rule of vm with that form, priority and kind, or NULL. */
static struct rule *find(struct dpdk_flows *fl, unsigned vm, bool mac_rule, const struct net_flow *f,
			 uint32_t prio, uint16_t rxq)
{
	for (unsigned i = 0; i < fl->n; i++) {
		struct rule *r = &fl->r[i];

		if (r->used && !r->pending && r->vm == vm && r->mac_rule == mac_rule &&
		    r->prio == prio &&
		    r->rxq == rxq && !memcmp(&r->f, f, sizeof(*f)))
			return r;
	}
	return NULL;
}

/* Ranks f[0..n) by priority (lower decides; ties in list order) into rank[]. */
static void rank_flows(const struct net_flow *f, unsigned n, uint32_t *rank)
{
	for (unsigned i = 0; i < n; i++) {
		uint32_t r = 0;

		for (unsigned j = 0; j < n; j++)
			if (f[j].priority < f[i].priority || (f[j].priority == f[i].priority && j < i))
				r++;
		rank[i] = r;
	}
}

int dpdk_flow_set_vm(struct dpdk_port *d, unsigned vm, const uint8_t mac[6],
		     const struct net_flow *f, unsigned n)
{
	return dpdk_flow_set_vm_rxq(d, vm, DPDK_FLOW_RXQ_AUTO, mac, f, n);
}

int dpdk_flow_set_vm_rxq(struct dpdk_port *d, unsigned vm, int want, const uint8_t mac[6],
			 const struct net_flow *f, unsigned n)
{
	uint32_t *rank;
	unsigned offers = 0;
	struct dpdk_flows *fl;
	unsigned nq = d->nlanes > 1 ? d->nlanes : d->nrxq;
	uint16_t rxq;
	bool *keep;
	unsigned nf = n < DPDK_FLOW_PER_VM ? n : DPDK_FLOW_PER_VM;
	int rc = 0;

	if (vm >= DPDK_FLOW_VMS)
		return -EINVAL;
	if (want != DPDK_FLOW_RXQ_AUTO && (want < 0 || (unsigned)want >= nq))
		return -EINVAL;
	rxq = want == DPDK_FLOW_RXQ_AUTO ? vm_rxq(d, vm) : (uint16_t)want;
	fl = flows_get(d);
	if (!fl)
		return -ENOMEM;
	fl->st.syncs++;
	rank = calloc(nf ? nf : 1, sizeof(*rank));
	keep = calloc(fl->n ? fl->n : 1, sizeof(*keep));
	if (!keep || !rank) {
		free(keep);
		free(rank);
		return -ENOMEM;
	}
	rank_flows(f, nf, rank);
	/* Rules that did not change stay as they are (same handle, no device call). */
	struct net_flow mf;

	net_flow_init(&mf, mac);
	mf.action = NET_FLOW_QUEUE;
	for (unsigned i = 0; i <= nf; i++) {
		const struct net_flow *g = i < nf ? &f[i] : &mf;
		struct rule *r = find(fl, vm, i == nf, g, i < nf ? rank[i] : DPDK_FLOW_MAC_PRIO, rxq);

		if (r)
			keep[r - fl->r] = true;
	}
	for (unsigned i = 0; i < fl->n; i++)
		if (fl->r[i].used && fl->r[i].vm == vm && !keep[i])
			uninstall(d, fl, &fl->r[i]);
	free(keep);
	/* The new ones, the guest's first (the MAC rule last: nothing is ever unsteered). */
	for (unsigned i = 0; i <= nf; i++) {
		const struct net_flow *g = i < nf ? &f[i] : &mf;
		uint32_t prio = i < nf ? rank[i] : DPDK_FLOW_MAC_PRIO;
		struct rule *r;

		if (find(fl, vm, i == nf, g, prio, rxq))
			continue;
		r = slot(fl);
		if (!r) {
			rc = -ENOMEM;
			break;
		}
		memset(r, 0, sizeof(*r));
		r->used = true;
		r->vm = vm;
		r->mac_rule = i == nf;
		r->prio = prio;
		r->rxq = rxq;
		r->f = *g;
		r->handle = fl->next_handle++;
		if (offers < DPDK_FLOW_SYNC_OFFERS) {
			offers++;
			install(d, fl, r);
		} else {
			r->pending = true;
			snprintf(r->why, sizeof(r->why), "pending: offered at the next sync");
			rc = rc < 0 ? rc : 1;
		}
	}
	free(rank);
	if (rc > 0)
		fl->st.deferred++;
	if (n > nf)
		LOG_RL(LOG_LVL_WARN, "dpdk", "%s: VM %u has %u flows; the %u past %u stay in software",
		       d->name, vm, n, n - nf, DPDK_FLOW_PER_VM);
	return rc;
}

void dpdk_flow_del_vm(struct dpdk_port *d, unsigned vm)
{
	struct dpdk_flows *fl = d->flows;

	if (!fl)
		return;
	fl->st.syncs++;
	for (unsigned i = 0; i < fl->n; i++)
		if (fl->r[i].used && fl->r[i].vm == vm)
			uninstall(d, fl, &fl->r[i]);
}

unsigned dpdk_flow_foreach(const struct dpdk_port *d, dpdk_flow_cb cb, void *arg)
{
	const struct dpdk_flows *fl = d->flows;
	unsigned k = 0;

	if (!fl)
		return 0;
	for (unsigned vm = 0; vm < DPDK_FLOW_VMS; vm++) {
		for (unsigned i = 0; i < fl->n; i++) {
			const struct rule *r = &fl->r[i];
			struct dpdk_flow_info in;

			if (!r->used || r->vm != vm)
				continue;
			memset(&in, 0, sizeof(in));
			in.vm = vm;
			in.mac_rule = r->mac_rule;
			in.hw = r->hw;
			in.handle = r->handle;
			in.prio = r->prio;
			in.rxq = r->rxq;
			in.lane = d->nlanes > 1 && r->rxq > 0;
			in.rxq_pkts = !in.lane && r->rxq < DPDK_RXQ_MAX ? d->st.rxq_pkts[r->rxq] : 0;
			snprintf(in.why, sizeof(in.why), "%s", r->why);
			in.f = &r->f;
			if (cb)
				cb(arg, &in);
			k++;
		}
	}
	return k;
}

void dpdk_flow_get_stats(const struct dpdk_port *d, struct dpdk_flow_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (d->flows)
		*st = d->flows->st;
	st->capable = d->flow_ops;
	st->hw = st->sw = 0;
	if (!d->flows)
		return;
	for (unsigned i = 0; i < d->flows->n; i++) {
		if (!d->flows->r[i].used)
			continue;
		if (d->flows->r[i].hw)
			st->hw++;
		else
			st->sw++;
	}
}

void dpdk_flow_fini(struct dpdk_port *d)
{
	struct dpdk_flows *fl = d->flows;

	if (!fl)
		return;
	for (unsigned i = 0; i < fl->n; i++)
		if (fl->r[i].used)
			uninstall(d, fl, &fl->r[i]);
	free(fl->r);
	free(fl);
	d->flows = NULL;
}
