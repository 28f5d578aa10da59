// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The VMs' flow rules onto the DPDK uplink (net/dpdk.h, "Flow rules"). Every
 * VMUX_FLOWS_MS the main thread asks each device on the switch, on its own
 * thread, for its guest's steering rules (dev_model.flows, with their
 * generation); a VM seen for the first time, or whose generation moved, has
 * its rules set on the uplink on the switch's thread (a device without the
 * op gets its MAC rule only), naming the RX queue of its worker's lane with
 * lanes (lanes_rxq: 0 on the switch's worker); rules the uplink left for later (its budget per
 * call) are set again at the next tick. A device that goes away has its rules removed
 * (reload.c, flows_forget). The control socket's `flows` lists every rule
 * with where it runs.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "net/flow.h"
#include "vmux/app.h"

#define VMUX_FLOWS_MS 200

/* Main thread only (run_on waits for the other threads). */
static struct net_flow flow_buf[DPDK_FLOW_PER_VM + 1];
static int tfd = -1;
static struct loop_fd *tlfd;

struct vm_flows {
	struct vdev *d;
	unsigned n;
	uint64_t gen;
	int rxq;
	int rc;
};

static void collect_on_dev(void *arg)
{
	struct vm_flows *v = arg;
	struct dev_instance *inst = v->d->inst;

	v->n = 0;
	v->gen = 0;
	if (inst && inst->model->flows) {
		v->n = inst->model->flows(inst, flow_buf, DPDK_FLOW_PER_VM + 1, &v->gen);
		if (v->n > DPDK_FLOW_PER_VM + 1)
			v->n = DPDK_FLOW_PER_VM + 1; /* the rest stay in software (logged there) */
	}
}

static void set_on_switch(void *arg)
{
	struct vm_flows *v = arg;

	v->rc = 0;
	if (app.uplink_dpdk && v->d->sw_port >= 0)
		v->rc = dpdk_flow_set_vm_rxq(app.uplink_dpdk, v->d->idx, v->rxq, v->d->cfg->mac,
					     flow_buf, v->n);
}

void flows_sync(void)
{
	if (!app.uplink_dpdk)
		return;
	for (unsigned i = 0; i < app.ndev; i++) {
		struct vdev *d = &app.devs[i];
		struct vm_flows v = { .d = d, .rxq = lanes_rxq(d->thread) };

		if (!d->inst || d->sw_port < 0 || d->idx >= DPDK_FLOW_VMS)
			continue;
		run_on(d->thread, collect_on_dev, &v);
		if (d->flows_synced && v.gen == d->flows_gen && v.rxq == d->flows_rxq)
			continue;
		run_on(app.sw_thread, set_on_switch, &v);
		d->flows_gen = v.gen;
		d->flows_rxq = v.rxq;
		/* Rules left for later (the uplink's budget per sync): again at the next tick. */
		d->flows_synced = v.rc == 0;
	}
}

void flows_forget(struct vdev *d)
{
	/* On the switch's thread (detaching the device). */
	if (app.uplink_dpdk)
		dpdk_flow_del_vm(app.uplink_dpdk, d->idx);
	d->flows_synced = false;
}

static void on_tick(void *arg, uint32_t events)
{
	uint64_t n;

	(void)arg;
	(void)events;
	if (read(tfd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		return;
	flows_sync();
}

int flows_start(void)
{
	struct itimerspec its = {
		.it_interval = { .tv_nsec = VMUX_FLOWS_MS * 1000000L },
		.it_value = { .tv_nsec = VMUX_FLOWS_MS * 1000000L },
	};

	if (!app.uplink_dpdk)
		return 0;
	flows_sync();
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (tfd < 0 || timerfd_settime(tfd, 0, &its, NULL) < 0 ||
	    !(tlfd = loop_add_fd(app.main_loop, tfd, EPOLLIN, on_tick, NULL))) {
		int e = errno;

		if (tfd >= 0)
			close(tfd);
		tfd = -1;
		errno = e;
		return -1;
	}
	return 0;
}

void flows_stop(void)
{
	if (tlfd)
		loop_del_fd(app.main_loop, tlfd);
	tlfd = NULL;
	if (tfd >= 0)
		close(tfd);
	tfd = -1;
}

/* ---- the control socket's `flows` -------------------------------------------------- */

static const char *action_name(enum net_flow_action a)
{
	return a == NET_FLOW_DROP ? "drop" : a == NET_FLOW_QUEUE ? "queue" : "pass";
}

static void add_rule(void *arg, const struct dpdk_flow_info *r)
{
	struct json_object *rules = arg, *o = json_object_new_object();
	const struct net_flow *f = r->f;
	char desc[192];
	const char *vm = "";

	for (unsigned i = 0; i < app.ndev; i++)
		if (app.devs[i].idx == r->vm && app.devs[i].inst)
			vm = app.devs[i].name;
	net_flow_format(f, desc, sizeof(desc));
	json_object_object_add(o, "vm", json_object_new_string(vm));
	json_object_object_add(o, "handle", json_object_new_uint64(r->handle));
	json_object_object_add(o, "kind", json_object_new_string(r->mac_rule ? "vm-mac" :
				f->origin == NET_FLOW_FROM_FDIR ? "fdir" : "switch-rule"));
	if (!r->mac_rule)
		json_object_object_add(o, "rule_id", json_object_new_uint64(f->origin_id));
	json_object_object_add(o, "runs", json_object_new_string(r->hw ? "hardware" : "software"));
	json_object_object_add(o, "match", json_object_new_string(desc));
	json_object_object_add(o, "action", json_object_new_string(r->mac_rule ? "queue" :
										action_name(f->action)));
	json_object_object_add(o, "priority", json_object_new_uint64(r->prio));
	json_object_object_add(o, "uplink_rxq", json_object_new_uint64(r->rxq));
	json_object_object_add(o, "uplink_rxq_pkts", json_object_new_uint64(r->rxq_pkts));
	if (r->lane) /* its frames are counted as the lane's "in" (vmuxctl switch) */
		json_object_object_add(o, "uplink_rxq_lane", json_object_new_boolean(true));
	if (!r->hw)
		json_object_object_add(o, "why", json_object_new_string(r->why));
	json_object_array_add(rules, o);
}

static void collect_flows(void *arg)
{
	struct json_object *res = arg, *rules = json_object_new_array();
	struct dpdk_flow_stats st;
	struct dpdk_stats ds;

	dpdk_flow_foreach(app.uplink_dpdk, add_rule, rules);
	dpdk_flow_get_stats(app.uplink_dpdk, &st);
	dpdk_get_stats(app.uplink_dpdk, &ds);
	json_object_object_add(res, "uplink", json_object_new_string(dpdk_name(app.uplink_dpdk)));
	json_object_object_add(res, "rte_flow", json_object_new_boolean(st.capable));
	json_object_object_add(res, "rx_queues", json_object_new_uint64(ds.rx_queues));
#define FL_U64(f) json_object_object_add(res, #f, json_object_new_uint64(st.f))
	FL_U64(hw);
	FL_U64(sw);
	FL_U64(created);
	FL_U64(destroyed);
	FL_U64(fallbacks);
	FL_U64(refused_validate);
	FL_U64(refused_create);
	FL_U64(refused_form);
	FL_U64(destroy_failed);
	FL_U64(syncs);
	FL_U64(deferred);
#undef FL_U64
	json_object_object_add(res, "rules", rules);
}

int ctl_flows(void *arg, struct json_object *req, struct json_object **res, const char **err)
{
	(void)arg;
	(void)req;
	if (!app.uplink_dpdk) {
		*err = "no DPDK uplink (--uplink dpdk:DEVARGS): every rule runs in vmux";
		return -ENOENT;
	}
	flows_sync(); /* what the guests have now */
	*res = json_object_new_object();
	run_on(app.sw_thread, collect_flows, *res);
	return 0;
}
