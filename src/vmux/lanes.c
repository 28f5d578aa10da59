/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Lanes of the DPDK uplink (net/dpdk.h): with N workers and a port of N
 * queue pairs, worker w >= 1 polls RX queue w (and owns TX queue w) through
 * a lane; queue pair 0 stays the switch's uplink port, on worker 0.
 *
 * A frame read on lane w whose destination is the MAC of a VM on worker w
 * goes straight to that VM's port, with the switch's policy for it
 * (net/sw_policy.h: the frame's VLAN as the switch reads it from the uplink,
 * the VM port's membership, its tagging); the switch decides nothing the lane
 * cannot: the lane takes only untagged unicast with an acceptable source for
 * a VM's pinned MAC (the one port the switch would pick), and only while no
 * port may be promiscuous, no VM may spoof (so no learned entry could point
 * elsewhere) and no capture runs (the switch's ports and the devices' are
 * captured on the path through the switch). Everything else goes back to
 * the switch's thread as the uplink's frames (dpdk_lane_to_port).
 *
 * A lane's table of VMs is its worker's alone (changed there by run_on); the
 * one thing shared is `bypass`, which the main thread sets.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "net/sw_policy.h"
#include "vmux/app.h"

/* The uplink's policy, as create_switch attaches it: untagged, no trunk. */
static const struct sw_policy uplink_pol = { .vlan = 0, .trunk = false };

struct vlane;

/* A VM of the lane's worker, for its frames to the uplink (the filter of its cross-thread port). */
struct lane_tx {
	struct vlane *v;
	uint8_t mac[6];
	struct sw_policy pol;
};

struct lane_vm {
	uint8_t mac[6];
	struct sw_policy pol;
	struct net_port *dev;
	unsigned slot;
	struct xport *xp;
	struct lane_tx *tx;
};

/* A MAC the switch has pinned to a VM (any worker's), in its VLAN. */
struct lane_mac {
	uint8_t mac[6];
	uint16_t vlan;
	unsigned slot;
};

struct vlane {
	int w;
	struct dpdk_lane *ln;
	struct net_port port; /* the lane's peer */
	struct lane_vm vm[CFG_MAX_DEVICES];
	unsigned nvm;
	/* Every VM's MAC on the switch: this worker's copy, changed by run_on only. */
	struct lane_mac known[CFG_MAX_DEVICES];
	unsigned nknown;
	/* Written on the lane's worker, read anywhere. */
	_Atomic uint64_t in, direct, direct_drops, handed, handed_drops, out, out_drops;
};

static struct vlane *lanes[CFG_MAX_WORKERS];
/* Nonzero: every lane hands every frame to the switch (see above). */
static atomic_uint bypass = 1;

static const struct lane_vm *target(const struct vlane *v, const struct pkt *k, uint16_t *vid,
				    uint16_t *pcp)
{
	bool in_data;

	if (k->len < SW_ETH_HLEN || k->len > PKT_DATA_MAX || (k->data[0] & 1))
		return NULL;
	if (!sw_policy_vlan_of(&uplink_pol, k, vid, pcp, &in_data) || in_data ||
	    !sw_src_ok(k->data + 6))
		return NULL;
	for (unsigned i = 0; i < v->nvm; i++) {
		const struct lane_vm *m = &v->vm[i];

		/* Its pinned entry is (its MAC, its VLAN): the switch's lookup finds that port. */
		if (m->pol.vlan == *vid && !memcmp(m->mac, k->data, 6) &&
		    sw_policy_in_vlan(&m->pol, *vid))
			return m;
	}
	return NULL;
}

static void to_vm(struct vlane *v, const struct lane_vm *m, struct pkt **pkts, uint16_t n)
{
	uint16_t ok;

	if (!n)
		return;
	ok = m->dev->ops->deliver(m->dev, NET_QUEUE_ANY, pkts, n);
	atomic_fetch_add_explicit(&v->direct, ok, memory_order_relaxed);
	atomic_fetch_add_explicit(&v->direct_drops, (uint64_t)(n - ok), memory_order_relaxed);
}

static uint16_t vl_deliver(struct net_port *self, uint16_t queue, struct pkt **pkts, uint16_t n)
{
	struct vlane *v = self->priv;
	struct pkt *back[64], *run[64];
	const struct lane_vm *cur = NULL;
	uint16_t nb = 0, nr = 0;
	bool all_back = atomic_load_explicit(&bypass, memory_order_relaxed) != 0;
	uint16_t passed;

	(void)queue;
	if (n > 64) {
		uint16_t a = vl_deliver(self, queue, pkts, 64);

		return (uint16_t)(a + vl_deliver(self, queue, pkts + 64, (uint16_t)(n - 64)));
	}
	atomic_fetch_add_explicit(&v->in, n, memory_order_relaxed);
	for (uint16_t i = 0; i < n; i++) {
		struct pkt *k = pkts[i];
		uint16_t vid = 0, pcp = 0;
		const struct lane_vm *m = all_back ? NULL : target(v, k, &vid, &pcp);

		if (!m) {
			back[nb++] = k;
			continue;
		}
		if (m != cur) {
			to_vm(v, cur, run, nr);
			nr = 0;
			cur = m;
		}
		k->in_port = (uint16_t)app.uplink_port;
		sw_policy_egress(&m->pol, k, vid, pcp);
		run[nr++] = k;
	}
	if (cur)
		to_vm(v, cur, run, nr);
	if (nb) {
		passed = dpdk_lane_to_port(v->ln, back, nb);
		atomic_fetch_add_explicit(&v->handed, passed, memory_order_relaxed);
		atomic_fetch_add_explicit(&v->handed_drops, (uint64_t)(nb - passed),
					  memory_order_relaxed);
	}
	self->stats.rx_pkts += n;
	return n;
}

static const struct net_port_ops vl_ops = {
	.deliver = vl_deliver,
};

/*
 * Whether the switch would send frame k from VM port t to the uplink alone:
 * what it accepts from a strict VM port (length, VLAN, source), unicast to a
 * MAC pinned to no VM (with every VM strict, no other port may own it, and
 * learned entries are all the uplink's), in a VLAN the uplink carries.
 */
static bool tx_to_uplink(const struct vlane *v, const struct lane_tx *t, const struct pkt *k,
			 uint16_t *vid, uint16_t *pcp)
{
	bool in_data;

	if (k->len < SW_ETH_HLEN || k->len > PKT_DATA_MAX || (k->data[0] & 1))
		return false;
	if (!sw_policy_vlan_of(&t->pol, k, vid, pcp, &in_data) || in_data)
		return false;
	if (!sw_src_ok(k->data + 6) || memcmp(k->data + 6, t->mac, 6) ||
	    !sw_policy_in_vlan(&uplink_pol, *vid))
		return false;
	for (unsigned i = 0; i < v->nknown; i++)
		if (v->known[i].vlan == *vid && !memcmp(v->known[i].mac, k->data, 6))
			return false;
	return true;
}

/* The filter of a VM's cross-thread port: its frames for the uplink leave on this lane. */
static uint16_t tx_filter(void *arg, struct pkt **pkts, uint16_t n)
{
	struct lane_tx *t = arg;
	struct vlane *v = t->v;
	struct pkt *out[64];
	uint16_t no = 0, left = 0, sent;

	if (n > 64 || atomic_load_explicit(&bypass, memory_order_relaxed))
		return n;
	for (uint16_t i = 0; i < n; i++) {
		struct pkt *k = pkts[i];
		uint16_t vid = 0, pcp = 0;

		if (!tx_to_uplink(v, t, k, &vid, &pcp)) {
			pkts[left++] = k;
			continue;
		}
		sw_policy_egress(&uplink_pol, k, vid, pcp);
		out[no++] = k;
	}
	if (no) {
		sent = net_port_send(&v->port, out, no);
		atomic_fetch_add_explicit(&v->out, sent, memory_order_relaxed);
		atomic_fetch_add_explicit(&v->out_drops, (uint64_t)(no - sent), memory_order_relaxed);
	}
	return left;
}

/* ---- on the lane's worker ------------------------------------------------------ */

static void open_on_worker(void *arg)
{
	struct vlane *v = arg;
	char err[256], name[32];

	v->ln = dpdk_lane_open(app.uplink_dpdk, (unsigned)v->w, thread_loop(v->w), err,
			       sizeof(err));
	if (!v->ln) {
		snprintf(app.err, sizeof(app.err), "lane %d: %.200s", v->w, err);
		return;
	}
	snprintf(name, sizeof(name), "lane%d", v->w);
	net_port_init(&v->port, name, &vl_ops, v);
	net_port_set_link(&v->port, true);
	net_port_connect(&v->port, dpdk_lane_port(v->ln));
}

static void vm_add_on_worker(void *arg)
{
	struct vdev *d = arg;
	struct vlane *v = lanes[d->thread];
	struct lane_vm *m;

	if (v->nvm == CFG_MAX_DEVICES)
		return;
	m = &v->vm[v->nvm++];
	memcpy(m->mac, d->cfg->mac, 6);
	m->pol.vlan = d->cfg->vlan;
	m->pol.trunk = false; /* as attach_to_switch attaches a VM */
	m->dev = dev_port(d->inst);
	m->slot = d->idx;
	m->xp = d->xp;
	m->tx = calloc(1, sizeof(*m->tx));
	if (m->tx && m->xp) {
		m->tx->v = v;
		memcpy(m->tx->mac, m->mac, 6);
		m->tx->pol = m->pol;
		xport_set_filter(m->xp, 0, tx_filter, m->tx);
	}
}

static void vm_del_on_worker(void *arg)
{
	struct vdev *d = arg;
	struct vlane *v = lanes[d->thread];

	for (unsigned i = 0; i < v->nvm; i++)
		if (v->vm[i].slot == d->idx) {
			if (v->vm[i].xp)
				xport_set_filter(v->vm[i].xp, 0, NULL, NULL);
			free(v->vm[i].tx);
			v->vm[i] = v->vm[--v->nvm];
			break;
		}
}

struct known_op {
	struct vlane *v;
	const struct vdev *d;
};

static void known_add_on_worker(void *arg)
{
	struct known_op *op = arg;
	struct vlane *v = op->v;

	if (v->nknown == CFG_MAX_DEVICES)
		return;
	memcpy(v->known[v->nknown].mac, op->d->cfg->mac, 6);
	v->known[v->nknown].vlan = op->d->cfg->vlan;
	v->known[v->nknown++].slot = op->d->idx;
}

static void known_del_on_worker(void *arg)
{
	struct known_op *op = arg;
	struct vlane *v = op->v;

	for (unsigned i = 0; i < v->nknown; i++)
		if (v->known[i].slot == op->d->idx) {
			v->known[i] = v->known[--v->nknown];
			break;
		}
}

/* ---- the main thread ----------------------------------------------------------- */

int lanes_open(void)
{
	unsigned n;

	if (!app.uplink_dpdk || app.nworkers < 2)
		return 0;
	n = dpdk_lanes(app.uplink_dpdk);
	if (n < 2)
		return 0; /* the port said why */
	/* Every queue pair gets its reader, or none runs: a queue nobody polls loses its frames. */
	for (unsigned w = 1; w < n && w < app.nworkers; w++) {
		struct vlane *v = calloc(1, sizeof(*v));

		if (!v) {
			snprintf(app.err, sizeof(app.err), "lane %u: out of memory", w);
			return -1;
		}
		v->w = (int)w;
		run_on(v->w, open_on_worker, v);
		if (!v->ln) {
			free(v);
			return -1;
		}
		lanes[w] = v;
	}
	LOG_INFO(COMP, "uplink %s: a lane on each of workers 1..%u (RX and TX queue = worker), "
		 "queue pair 0 on the switch's worker", dpdk_name(app.uplink_dpdk), n - 1u);
	return 0;
}

void lanes_vm_add(struct vdev *d)
{
	if (d->thread > 0 && lanes[d->thread] && d->sw_port >= 0 && d->inst && d->inst->nports)
		run_on(d->thread, vm_add_on_worker, d);
}

void lanes_vm_del(struct vdev *d)
{
	if (d->thread > 0 && lanes[d->thread])
		run_on(d->thread, vm_del_on_worker, d);
}

void lanes_known_add(struct vdev *d)
{
	if (d->cfg->tap[0] || d->cfg->vfio_dev[0])
		return;
	for (unsigned w = 1; w < CFG_MAX_WORKERS; w++)
		if (lanes[w]) {
			struct known_op op = { lanes[w], d };

			run_on((int)w, known_add_on_worker, &op);
		}
}

void lanes_known_del(struct vdev *d)
{
	for (unsigned w = 1; w < CFG_MAX_WORKERS; w++)
		if (lanes[w]) {
			struct known_op op = { lanes[w], d };

			run_on((int)w, known_del_on_worker, &op);
		}
}

void lanes_refresh(void)
{
	unsigned why = 0;

	for (unsigned i = 0; i < app.ndev; i++) {
		const struct vdev *d = &app.devs[i];

		/* Any device configured for the switch, attached or about to be (a reload). */
		if (d->cfg && !d->cfg->tap[0] && (d->cfg->allow_spoof || d->cfg->allow_promisc))
			why |= 1;
	}
	for (unsigned i = 0; i < CFG_MAX_DEVICES + 1; i++)
		if (app.caps[i])
			why |= 2;
	if (atomic_exchange(&bypass, why) != why)
		for (unsigned w = 1; w < CFG_MAX_WORKERS; w++)
			if (lanes[w]) {
				LOG_INFO(COMP, "lanes: %s", why ? (why & 2 ?
					 "every frame through the switch (a capture runs)" :
					 "every frame through the switch (a VM may spoof or be "
					 "promiscuous)") : "frames for their VMs straight to them");
				break;
			}
}

int lanes_rxq(int worker)
{
	if (!app.uplink_dpdk || dpdk_lanes(app.uplink_dpdk) < 2)
		return DPDK_FLOW_RXQ_AUTO;
	if (worker > 0 && worker < (int)CFG_MAX_WORKERS && lanes[worker])
		return (int)dpdk_lane_queue(lanes[worker]->ln);
	return 0;
}

/* At teardown, every worker stopped: before the uplink is closed. */
void lanes_close(void)
{
	for (unsigned w = 1; w < CFG_MAX_WORKERS; w++) {
		struct vlane *v = lanes[w];

		if (!v)
			continue;
		net_port_disconnect(&v->port);
		dpdk_lane_close(v->ln);
		for (unsigned i = 0; i < v->nvm; i++)
			free(v->vm[i].tx); /* the cross-thread ports are gone by now */
		free(v);
		lanes[w] = NULL;
	}
}

struct json_object *lanes_json(void)
{
	struct json_object *a = json_object_new_array();

	for (unsigned w = 1; w < CFG_MAX_WORKERS; w++) {
		const struct vlane *v = lanes[w];
		struct json_object *o;

		if (!v)
			continue;
		o = json_object_new_object();
		json_object_object_add(o, "worker", json_object_new_int(v->w));
		json_object_object_add(o, "queue", json_object_new_int((int)dpdk_lane_queue(v->ln)));
		json_object_object_add(o, "in", json_object_new_uint64(atomic_load(&v->in)));
		json_object_object_add(o, "direct", json_object_new_uint64(atomic_load(&v->direct)));
		json_object_object_add(o, "direct_drops",
				       json_object_new_uint64(atomic_load(&v->direct_drops)));
		json_object_object_add(o, "handed", json_object_new_uint64(atomic_load(&v->handed)));
		json_object_object_add(o, "handed_drops",
				       json_object_new_uint64(atomic_load(&v->handed_drops)));
		json_object_object_add(o, "out", json_object_new_uint64(atomic_load(&v->out)));
		json_object_object_add(o, "out_drops",
				       json_object_new_uint64(atomic_load(&v->out_drops)));
		json_object_object_add(o, "direct_on",
				       json_object_new_boolean(atomic_load(&bypass) == 0));
		json_object_array_add(a, o);
	}
	return a;
}
