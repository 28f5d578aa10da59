/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vmux's control-socket handlers: ports, switch, macs, workers as JSON,
 * capture_start and capture_stop. They run on the main thread; what belongs
 * to another thread is read there through run_on().
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/metrics.h"
#include "pci/pci.h"
#include "vfu/vfu.h"
#include "vmux/app.h"

/* ---- control socket ------------------------------------------------------------ */

/* Control handlers run on the main thread only, one at a time. */
static char ctl_err[512];

struct collect {
	struct vdev *d;
	struct json_object *o;
};

static void port_stats_json(struct json_object *o, const struct net_port_stats *s)
{
	json_object_object_add(o, "rx_pkts", json_object_new_uint64(s->rx_pkts));
	json_object_object_add(o, "rx_bytes", json_object_new_uint64(s->rx_bytes));
	json_object_object_add(o, "rx_drops", json_object_new_uint64(s->rx_drops));
	json_object_object_add(o, "tx_pkts", json_object_new_uint64(s->tx_pkts));
	json_object_object_add(o, "tx_bytes", json_object_new_uint64(s->tx_bytes));
	json_object_object_add(o, "tx_drops", json_object_new_uint64(s->tx_drops));
}

/* The DPDK uplink's own counters and its device's (run on its thread). */
static struct json_object *dpdk_json(const struct dpdk_port *dp)
{
	struct json_object *o = json_object_new_object();
	struct dpdk_stats st;

	dpdk_get_stats(dp, &st);
	json_object_object_add(o, "name", json_object_new_string(dpdk_name(dp)));
	json_object_object_add(o, "driver", json_object_new_string(st.driver));
	json_object_object_add(o, "port_id", json_object_new_int(st.port_id));
	json_object_object_add(o, "link_up", json_object_new_boolean(st.link_up));
	json_object_object_add(o, "removed", json_object_new_boolean(st.removed));
	json_object_object_add(o, "tx_zerocopy", json_object_new_boolean(st.tx_zerocopy));
	json_object_object_add(o, "rx_zerocopy", json_object_new_boolean(st.rx_zerocopy));
#define DPDK_U64(f) json_object_object_add(o, #f, json_object_new_uint64(st.f))
	DPDK_U64(rx_desc);
	DPDK_U64(tx_desc);
	DPDK_U64(rx_queues);
	json_object_object_add(o, "queue_pairs", json_object_new_uint64(st.lanes));
	DPDK_U64(from_lanes);
	DPDK_U64(mbufs);
	DPDK_U64(tx_offloads);
	DPDK_U64(rd_oversize);
	DPDK_U64(rd_undersize);
	DPDK_U64(rd_nobuf);
	DPDK_U64(rd_pauses);
	DPDK_U64(rd_zerocopy);
	DPDK_U64(rx_mbufs);
	DPDK_U64(wr_nombuf);
	DPDK_U64(wr_full);
	DPDK_U64(wr_bad_len);
	DPDK_U64(wr_zerocopy);
	DPDK_U64(ol_hw);
	DPDK_U64(ol_sw);
	DPDK_U64(ol_refused);
	DPDK_U64(link_changes);
	DPDK_U64(restarts);
	DPDK_U64(errors);
	DPDK_U64(dev_ipackets);
	DPDK_U64(dev_opackets);
	DPDK_U64(dev_ibytes);
	DPDK_U64(dev_obytes);
	DPDK_U64(dev_imissed);
	DPDK_U64(dev_ierrors);
	DPDK_U64(dev_oerrors);
	DPDK_U64(dev_rx_nombuf);
#undef DPDK_U64
	struct json_object *q = json_object_new_array();
	for (unsigned i = 0; i < st.rx_queues && i < DPDK_RXQ_MAX; i++)
		json_object_array_add(q, json_object_new_uint64(st.rxq_pkts[i]));
	json_object_object_add(o, "rxq_pkts", q);
	return o;
}

/* A tap backend's own counters (run on the tap's thread). */
static struct json_object *tap_json(const struct tap *t)
{
	struct json_object *o = json_object_new_object();
	struct tap_stats st;

	tap_get_stats(t, &st);
	json_object_object_add(o, "ifname", json_object_new_string(tap_ifname(t)));
	json_object_object_add(o, "batched", json_object_new_boolean(st.batched));
	json_object_object_add(o, "fixed_file", json_object_new_boolean(st.fixed_file));
	json_object_object_add(o, "detached", json_object_new_boolean(st.detached));
#define TAP_U64(f) json_object_object_add(o, #f, json_object_new_uint64(st.f))
	TAP_U64(rd_oversize);
	TAP_U64(rd_undersize);
	TAP_U64(rd_nobuf);
	TAP_U64(rd_pauses);
	TAP_U64(wakeups);
	TAP_U64(wr_again);
	TAP_U64(wr_errors);
	TAP_U64(wr_bad_len);
	TAP_U64(wr_submits);
	TAP_U64(rd_submits);
	TAP_U64(wr_ring_full);
	TAP_U64(submit_errors);
	TAP_U64(cq_wakeups);
	TAP_U64(inflight);
#undef TAP_U64
	return o;
}

/*
 * What the device's VMM asked of it over vfio-user: region_reads and
 * region_writes are the trapped register accesses (each one a VM exit and a
 * message), against which doorbells on a polled page are measured.
 */
static struct json_object *vfu_json(struct dev_instance *inst)
{
	struct json_object *o = json_object_new_object();
	struct vfu_ctx *ctx = inst->pci ? pci_dev_vfu(inst->pci) : inst->vfu;
	const struct vfu_stats *s = ctx ? vfu_get_stats(ctx) : NULL;

	if (!s)
		return o;
#define VFU_U64(f) json_object_object_add(o, #f, json_object_new_uint64(s->f))
	VFU_U64(clients);
	VFU_U64(clients_refused);
	VFU_U64(msgs);
	VFU_U64(msgs_err);
	VFU_U64(proto_errors);
	VFU_U64(region_reads);
	VFU_U64(region_writes);
	VFU_U64(dma_maps);
	VFU_U64(dma_unmaps);
	VFU_U64(irqs_signalled);
	VFU_U64(dma_msgs);
	VFU_U64(mem_faults);
#undef VFU_U64
	json_object_object_add(o, "connected", json_object_new_boolean(vfu_connected(ctx)));
	return o;
}

static void collect_device(void *arg)
{
	struct collect *c = arg;
	struct vdev *d = c->d;
	struct json_object *o = json_object_new_object();
	char mac[18];
	cfg_format_mac(d->cfg->mac, mac);
	json_object_object_add(o, "name", json_object_new_string(d->name));
	json_object_object_add(o, "socket", json_object_new_string(d->cfg->socket));
	json_object_object_add(o, "mode", json_object_new_string(d->cfg->mode));
	json_object_object_add(o, "mac", json_object_new_string(mac));
	json_object_object_add(o, "worker", json_object_new_int(d->thread));
	json_object_object_add(o, "doorbell", json_object_new_string(
		d->cfg->doorbell == CFG_DOORBELL_POLL ? "poll" : "trap"));
	json_object_object_add(o, "backend", json_object_new_string(d->cfg->tap[0] ? d->cfg->tap
										   : "switch"));
	if (d->sw_port >= 0)
		json_object_object_add(o, "switch_port", json_object_new_int(d->sw_port));
	if (d->inst->nports) {
		struct net_port *p = dev_port(d->inst);
		json_object_object_add(o, "link", json_object_new_boolean(p->link_up));
		struct json_object *ps = json_object_new_object();
		port_stats_json(ps, &p->stats);
		json_object_object_add(o, "port", ps);
		json_object_object_add(o, "capture", capture_json(p));
	} else {
		json_object_object_add(o, "vfio_dev", json_object_new_string(d->cfg->vfio_dev));
	}
	json_object_object_add(o, "vfio_user", vfu_json(d->inst));
	if (d->tap)
		json_object_object_add(o, "tap", tap_json(d->tap));
	if (d->model->dump_stats) {
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);
		if (f) {
			fputc('{', f);
			d->model->dump_stats(d->inst, f);
			fputc('}', f);
			fclose(f);
			struct json_object *ds = json_tokener_parse(buf);
			json_object_object_add(o, "device", ds ? ds : json_object_new_string(buf));
			free(buf);
		}
	}
	c->o = o;
}

static int ctl_ports(void *arg, struct json_object *req, struct json_object **res, const char **err)
{
	struct json_object *a = json_object_new_array();
	for (unsigned i = 0; i < app.ndev; i++) {
		struct collect c = { .d = &app.devs[i] };
		if (!app.devs[i].inst)
			continue; /* a slot freed by a reload */
		run_on(app.devs[i].thread, collect_device, &c);
		json_object_array_add(a, c.o);
	}
	*res = a;
	return 0;
}

static const char *const drop_names[SW_DROP_MAX] = {
	[SW_DROP_BAD_LEN] = "bad_len", [SW_DROP_BAD_SRC] = "bad_src",
	[SW_DROP_SPOOF] = "spoof",     [SW_DROP_VLAN] = "vlan",
	[SW_DROP_NO_DEST] = "no_dest", [SW_DROP_NOBUF] = "nobuf",
	[SW_DROP_LOOP] = "loop",
};

static void collect_switch(void *arg)
{
	struct json_object *o = json_object_new_object();
	struct sw_stats ss;
	sw_get_stats(app.sw, &ss);
	json_object_object_add(o, "mac_used", json_object_new_uint64(ss.mac_used));
	json_object_object_add(o, "mac_capacity", json_object_new_uint64(ss.mac_capacity));
	json_object_object_add(o, "learned", json_object_new_uint64(ss.learned));
	json_object_object_add(o, "moved", json_object_new_uint64(ss.moved));
	json_object_object_add(o, "evicted", json_object_new_uint64(ss.evicted));
	json_object_object_add(o, "table_full", json_object_new_uint64(ss.table_full));
	struct json_object *ports = json_object_new_array();
	for (int id = 0; id < SW_MAX_PORTS; id++) {
		struct sw_port_stats ps;
		if (sw_port_get_stats(app.sw, id, &ps) < 0)
			continue;
		struct json_object *p = json_object_new_object();
		const char *name = id == app.uplink_port ? app.cfg->uplink_name : "?";
		for (unsigned i = 0; i < app.ndev; i++)
			if (app.devs[i].sw_port == id)
				name = app.devs[i].name;
		json_object_object_add(p, "id", json_object_new_int(id));
		json_object_object_add(p, "name", json_object_new_string(name));
		port_stats_json(p, &ps.io);
		json_object_object_add(p, "flooded", json_object_new_uint64(ps.flooded));
		struct json_object *dr = json_object_new_object();
		for (int k = 0; k < SW_DROP_MAX; k++)
			json_object_object_add(dr, drop_names[k], json_object_new_uint64(ps.drops[k]));
		json_object_object_add(p, "drops", dr);
		if (id == app.uplink_port) {
			json_object_object_add(p, "capture", capture_json(uplink_net_port()));
			if (app.uplink)
				json_object_object_add(p, "tap", tap_json(app.uplink));
			if (app.uplink_dpdk) {
				struct json_object *dj = dpdk_json(app.uplink_dpdk);

				json_object_object_add(dj, "lanes", lanes_json());
				json_object_object_add(p, "dpdk", dj);
			}
		}
		json_object_array_add(ports, p);
	}
	json_object_object_add(o, "ports", ports);
	*(struct json_object **)arg = o;
}

static int ctl_switch(void *arg, struct json_object *req, struct json_object **res,
		      const char **err)
{
	if (!app.sw) {
		*err = "no switch (vmux runs without --uplink)";
		return -ENOENT;
	}
	run_on(app.sw_thread, collect_switch, res);
	return 0;
}

static void add_mac(void *arg, const uint8_t mac[6], uint16_t vlan, int port, bool is_static,
		    uint32_t age_s)
{
	struct json_object *e = json_object_new_object();
	char m[18];
	cfg_format_mac(mac, m);
	json_object_object_add(e, "mac", json_object_new_string(m));
	json_object_object_add(e, "vlan", json_object_new_int(vlan));
	json_object_object_add(e, "port", json_object_new_int(port));
	json_object_object_add(e, "static", json_object_new_boolean(is_static));
	json_object_object_add(e, "age_s", json_object_new_int64(age_s));
	json_object_array_add(arg, e);
}

static void collect_macs(void *arg)
{
	sw_mac_foreach(app.sw, add_mac, arg);
}

static int ctl_macs(void *arg, struct json_object *req, struct json_object **res, const char **err)
{
	if (!app.sw) {
		*err = "no switch (vmux runs without --uplink)";
		return -ENOENT;
	}
	struct json_object *a = json_object_new_array();
	run_on(app.sw_thread, collect_macs, a);
	*res = a;
	return 0;
}

struct wload {
	int t;
	struct loop_stats st;
};

static void collect_load(void *arg)
{
	struct wload *w = arg;
	loop_get_stats(thread_loop(w->t), &w->st);
}

static int ctl_workers(void *arg, struct json_object *req, struct json_object **res,
		       const char **err)
{
	struct json_object *a = json_object_new_array();
	for (int t = -1; t < (int)app.nworkers; t++) {
		struct wload w = { .t = t };
		run_on(t, collect_load, &w);
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "name", json_object_new_string(t < 0 ? "main" :
							worker_name(app.workers[t])));
		json_object_object_add(o, "cpu", json_object_new_int(t < 0 ? -1 :
							worker_cpu(app.workers[t])));
		unsigned ndev = 0;
		for (unsigned i = 0; i < app.ndev; i++)
			ndev += app.devs[i].inst && app.devs[i].thread == t;
		json_object_object_add(o, "devices", json_object_new_int((int)ndev));
		json_object_object_add(o, "iterations", json_object_new_uint64(w.st.iterations));
		json_object_object_add(o, "busy_iterations",
				       json_object_new_uint64(w.st.busy_iterations));
		json_object_object_add(o, "fd_waits", json_object_new_uint64(w.st.fd_waits));
		json_object_object_add(o, "yields", json_object_new_uint64(w.st.yields));
		double load = w.st.total_ns ? (double)w.st.busy_ns / (double)w.st.total_ns : 0.0;
		json_object_object_add(o, "busy_fraction", json_object_new_double(load));
		json_object_array_add(a, o);
	}
	*res = a;
	return 0;
}

static int json_opt_u64(struct json_object *req, const char *key, uint64_t max, uint64_t *out,
			const char **err)
{
	struct json_object *v;

	if (!json_object_object_get_ex(req, key, &v) || json_object_is_type(v, json_type_null))
		return 0;
	if (!json_object_is_type(v, json_type_int)) {
		snprintf(ctl_err, sizeof(ctl_err), "\"%s\" must be an integer", key);
		*err = ctl_err;
		return -EINVAL;
	}
	errno = 0;
	int64_t x = json_object_get_int64(v);
	if (errno || x < 0 || (uint64_t)x > max) {
		snprintf(ctl_err, sizeof(ctl_err), "\"%s\" must be 0..%" PRIu64, key, max);
		*err = ctl_err;
		return -EINVAL;
	}
	*out = (uint64_t)x;
	return 0;
}

static const char *json_str(struct json_object *req, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(req, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* {"cmd":"capture_start","port":P,"file":F[,"count":N][,"snaplen":N][,"size":N]} */
static int ctl_capture_start(void *arg, struct json_object *req, struct json_object **res,
			     const char **err)
{
	const char *port = json_str(req, "port"), *file = json_str(req, "file");
	struct net_capture_opts o = { 0 };
	uint64_t snap = 0;
	int r;

	if (!port || !file || !*file) {
		*err = "capture_start needs \"port\" and \"file\" (strings)";
		return -EINVAL;
	}
	if (file[0] != '/') {
		*err = "the capture file must be an absolute path";
		return -EINVAL;
	}
	if ((r = json_opt_u64(req, "count", UINT64_MAX >> 1, &o.max_pkts, err)) ||
	    (r = json_opt_u64(req, "snaplen", NET_CAPTURE_SNAPLEN_MAX, &snap, err)) ||
	    (r = json_opt_u64(req, "size", UINT64_MAX >> 1, &o.max_bytes, err)))
		return r;
	o.snaplen = (uint32_t)snap;
	r = capture_start(port, file, &o, ctl_err, sizeof(ctl_err));
	if (r < 0) {
		*err = ctl_err;
		return r;
	}
	struct json_object *j = json_object_new_object();
	json_object_object_add(j, "port", json_object_new_string(port));
	json_object_object_add(j, "file", json_object_new_string(file));
	json_object_object_add(j, "snaplen", json_object_new_int64(o.snaplen ? o.snaplen :
							NET_CAPTURE_SNAPLEN_DEFAULT));
	json_object_object_add(j, "count", json_object_new_uint64(o.max_pkts));
	json_object_object_add(j, "size", json_object_new_uint64(o.max_bytes ? o.max_bytes :
							NET_CAPTURE_MAX_BYTES_DEFAULT));
	*res = j;
	return 0;
}

/* {"cmd":"capture_stop","port":P} */
static int ctl_capture_stop(void *arg, struct json_object *req, struct json_object **res,
			    const char **err)
{
	const char *port = json_str(req, "port");
	int r;

	if (!port) {
		*err = "capture_stop needs \"port\" (a string)";
		return -EINVAL;
	}
	r = capture_stop(port, res, ctl_err, sizeof(ctl_err));
	if (r < 0)
		*err = ctl_err;
	return r;
}

/* The process as a service: reloads and what they did. */
static int ctl_service(void *arg, struct json_object *req, struct json_object **res,
		       const char **err)
{
	struct json_object *o = json_object_new_object();
	unsigned n = 0;

	for (unsigned i = 0; i < app.ndev; i++)
		n += app.devs[i].inst != NULL;
	json_object_object_add(o, "devices", json_object_new_int((int)n));
	json_object_object_add(o, "reloads", json_object_new_uint64(app.svc.reloads));
	json_object_object_add(o, "reload_failures", json_object_new_uint64(app.svc.reload_failures));
	json_object_object_add(o, "devices_added", json_object_new_uint64(app.svc.devices_added));
	json_object_object_add(o, "devices_removed", json_object_new_uint64(app.svc.devices_removed));
	*res = o;
	return 0;
}

int vmux_metrics_render(FILE *out)
{
	struct json_object *ports = NULL, *sw = NULL, *wk = NULL, *svc = NULL;
	const char *e = NULL;
	int r;

	ctl_ports(NULL, NULL, &ports, &e);
	if (app.sw)
		ctl_switch(NULL, NULL, &sw, &e);
	ctl_workers(NULL, NULL, &wk, &e);
	ctl_service(NULL, NULL, &svc, &e);
	r = metrics_write(out, ports, sw, wk, svc);
	json_object_put(ports);
	json_object_put(sw);
	json_object_put(wk);
	json_object_put(svc);
	return r;
}

void vmux_ctl_register(struct ctl *ctl)
{
	ctl_register(ctl, "service", "reloads and devices added or removed by them", ctl_service,
		     NULL);
	ctl_register(ctl, "ports", "devices, their links and counters", ctl_ports, NULL);
	ctl_register(ctl, "switch", "switch ports, counters and drops by reason", ctl_switch, NULL);
	ctl_register(ctl, "macs", "the switch's MAC table", ctl_macs, NULL);
	ctl_register(ctl, "flows", "the VMs' flow rules on the DPDK uplink, hardware or software",
		     ctl_flows, NULL);
	ctl_register(ctl, "workers", "threads, their devices and load", ctl_workers, NULL);
	ctl_register(ctl, "capture_start",
		     "capture a port to a pcap file: port, file[, count, snaplen, size]",
		     ctl_capture_start, NULL);
	ctl_register(ctl, "capture_stop", "stop a port's capture: port", ctl_capture_stop, NULL);
}
