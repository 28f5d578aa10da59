/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vmux's packet captures by port: started (--pcap, capture_start) and stopped. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "vmux/app.h"

/* ---- captures ------------------------------------------------------------------ */

/*
 * A capture is opened (its file created) and closed on the main thread; only
 * attaching and detaching it, and reading its counters, happen on the thread
 * that owns the port, through run_on().
 */
struct cap_op {
	struct net_port *port;
	struct net_capture *cap;
	int rc;
	char file[CFG_PCAP_PATH_MAX];
};

/* Slot of a port in app.caps: device i → i, the uplink → CFG_MAX_DEVICES. */
static unsigned cap_slot(const char *name)
{
	int i = cfg_port_index(app.cfg, name);

	return i >= 0 ? (unsigned)i : CFG_MAX_DEVICES;
}

/* The port a name means ("devN" or the uplink's tap name) and its owner thread. */
static struct net_port *find_port(const char *name, int *thread)
{
	int i = cfg_port_index(app.cfg, name);

	if (i >= 0 && (unsigned)i < app.ndev && app.devs[i].inst && app.devs[i].inst->nports) {
		*thread = app.devs[i].thread;
		return dev_port(app.devs[i].inst);
	}
	if (i == -1 && uplink_net_port()) {
		*thread = app.sw_thread;
		return uplink_net_port();
	}
	return NULL;
}

static void op_attach(void *arg)
{
	struct cap_op *op = arg;

	op->rc = net_capture_attach(op->port, op->cap);
}

static void op_detach(void *arg)
{
	struct cap_op *op = arg;

	op->cap = net_capture_detach(op->port);
}

int capture_start(const char *port, const char *file, const struct net_capture_opts *o,
			 char *err, size_t errlen)
{
	struct cap_op op = { 0 };
	int t;

	op.port = find_port(port, &t);
	if (!op.port) {
		snprintf(err, errlen, "no port %s (ports: dev0%s%.0u%s%s)", port,
			 app.ndev > 1 ? "..dev" : "", app.ndev - 1,
			 uplink_net_port() ? " and the uplink " : "",
			 uplink_net_port() ? app.cfg->uplink_name : "");
		return -ENOENT;
	}
	/* Before the file is created: never truncate the file of a running capture. */
	if (app.caps[cap_slot(port)]) {
		snprintf(err, errlen, "port %s is already captured to %.300s (one capture per port)",
			 port, net_capture_path(app.caps[cap_slot(port)]));
		return -EBUSY;
	}
	for (unsigned i = 0; i <= CFG_MAX_DEVICES; i++) {
		if (app.caps[i] && net_capture_same_file(app.caps[i], file)) {
			snprintf(err, errlen, "%.300s is the file of another port's capture", file);
			return -EBUSY;
		}
	}
	op.cap = net_capture_open(file, o, err, errlen);
	if (!op.cap)
		return -EINVAL;
	run_on(t, op_attach, &op);
	if (op.rc < 0) {
		net_capture_close(op.cap, NULL);
		snprintf(err, errlen, "port %s is already captured (one capture per port)", port);
		return op.rc;
	}
	app.caps[cap_slot(port)] = op.cap;
	lanes_refresh();
	o = net_capture_options(op.cap);
	char count[48] = "no frame limit";
	if (o->max_pkts)
		snprintf(count, sizeof(count), "%" PRIu64 " frames at most", o->max_pkts);
	LOG_INFO(COMP, "%s: capturing to %s (snaplen %u, %s, %" PRIu64 " bytes at most)", port,
		 file, o->snaplen, count, o->max_bytes);
	return 0;
}

static void capture_stats_json(struct json_object *o, const struct net_capture_stats *st)
{
	json_object_object_add(o, "packets", json_object_new_uint64(st->pkts));
	json_object_object_add(o, "rx_packets", json_object_new_uint64(st->rx_pkts));
	json_object_object_add(o, "tx_packets", json_object_new_uint64(st->tx_pkts));
	json_object_object_add(o, "truncated", json_object_new_uint64(st->truncated));
	json_object_object_add(o, "bytes", json_object_new_uint64(st->bytes));
	json_object_object_add(o, "dropped", json_object_new_uint64(st->dropped));
	json_object_object_add(o, "limit_reached", json_object_new_boolean(st->limit_reached));
	json_object_object_add(o, "write_error", st->write_error ?
				json_object_new_string(strerror(st->write_error)) : NULL);
}

struct json_object *capture_json(const struct net_port *p)
{
	struct net_capture *c = net_capture_of(p);
	struct net_capture_stats st;

	if (!c)
		return NULL;
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "file", json_object_new_string(net_capture_path(c)));
	net_capture_get_stats(c, &st);
	capture_stats_json(o, &st);
	return o;
}

int capture_stop(const char *port, struct json_object **res, char *err, size_t errlen)
{
	struct cap_op op = { 0 };
	struct net_capture_stats st;
	int t, r;

	op.port = find_port(port, &t);
	if (!op.port) {
		snprintf(err, errlen, "no port %s", port);
		return -ENOENT;
	}
	run_on(t, op_detach, &op);
	app.caps[cap_slot(port)] = NULL;
	lanes_refresh();
	if (!op.cap) {
		snprintf(err, errlen, "port %s has no capture", port);
		return -ENOENT;
	}
	snprintf(op.file, sizeof(op.file), "%s", net_capture_path(op.cap));
	r = net_capture_close(op.cap, &st);
	if (r < 0)
		LOG_WARN(COMP, "%s: capture to %s incomplete: %s", port, op.file, strerror(-r));
	LOG_INFO(COMP, "%s: capture to %s stopped: %" PRIu64 " frames written, %" PRIu64
		 " dropped", port, op.file, st.pkts, st.dropped);
	if (res) {
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "port", json_object_new_string(port));
		json_object_object_add(o, "file", json_object_new_string(op.file));
		capture_stats_json(o, &st);
		*res = o;
	}
	return 0;
}

void stop_all_captures(void)
{
	char err[64];

	for (unsigned i = 0; i < app.ndev; i++)
		capture_stop(app.devs[i].name, NULL, err, sizeof(err));
	if (uplink_net_port())
		capture_stop(app.cfg->uplink_name, NULL, err, sizeof(err));
}
