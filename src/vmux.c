/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vmux: gives VMs their network cards over vfio-user.
 *
 * Threads: the main thread handles signals and the control socket. Devices,
 * backends and the switch run on worker threads (--workers/--cores), or on the
 * main thread when there are none. Every object is created, driven and
 * destroyed on its owner thread; a device on another thread than the switch
 * reaches it through a cross-thread port pair (SPSC rings).
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/accept.h"
#include "core/config.h"
#include "core/ctl.h"
#include "core/log.h"
#include "core/loop.h"
#include "core/worker.h"
#include "dev/dev.h"
#include "net/capture.h"
#include "net/port.h"
#include "net/switch.h"
#include "net/tap.h"
#include "net/xport.h"
#include "pci/pci.h"
#include "vfu/vfu.h"

#define COMP "vmux"
/* Packets in flight from the switch to one device on another thread, at most. */
#define VMUX_XPORT_COPY_PKTS 256

struct vdev {
	unsigned idx;
	char name[16];
	const struct cfg_device *cfg;
	const struct dev_model *model;
	struct dev_instance *inst;
	struct tap *tap;   /* own tap (wired straight to it) */
	struct xport *xp;  /* to the switch on another thread */
	int sw_port;       /* switch port id, -1 if not on the switch */
	int thread;        /* worker index, -1: main thread */
	char err[256];
};

/*
 * The cross-thread ports one thread polls, behind a single loop hook per
 * thread and side whatever the number of devices: a loop has room for
 * LOOP_POLL_HOOKS_MAX hooks, fewer than the devices one worker may serve.
 * Written and read on that thread only.
 */
struct xpoll {
	struct xport *x[CFG_MAX_DEVICES];
	unsigned n;
	int side;
	bool hooked;
};

struct app {
	struct vmux_config *cfg;
	struct loop *main_loop;
	struct worker *workers[CFG_MAX_WORKERS];
	unsigned nworkers;
	struct net_switch *sw;
	struct tap *uplink;
	int uplink_port;
	int sw_thread;
	struct vdev devs[CFG_MAX_DEVICES];
	unsigned ndev;
	struct ctl *ctl;
	struct xpoll xpolls[CFG_MAX_WORKERS][2]; /* by worker and side */
	/* Running captures by port (main thread only; the ports' threads write them). */
	struct net_capture *caps[CFG_MAX_DEVICES + 1];
	char err[256];
};

static struct app app;

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: vmux -s SOCKET [-m MODE] -t TAP [-s SOCKET ...] [options]\n"
		"       vmux --uplink tap:TAP -s SOCKET [-m MODE] [-s SOCKET ...] [options]\n"
		"       vmux --config FILE [options]\n"
		"\n"
		"Serves emulated network cards to VMs over vfio-user. Each -s starts a device\n"
		"listening on SOCKET; the device options after it apply to that device. A VM attaches with\n"
		"  qemu-system-x86_64 ... -device '{\"driver\":\"vfio-user-pci\",\"socket\":{\"type\":\"unix\",\"path\":\"SOCKET\"}}'\n"
		"(guest RAM must be shared: -object memory-backend-memfd,id=mem,size=1G,share=on\n"
		" -machine memory-backend=mem; memory-backend-file with share=on on /dev/shm or a\n"
		" hugetlbfs mount, and hugetlb=on memfds, work too: see docs/CONFIG.md).\n"
		"\n"
		"Device options (after -s):\n"
		"  -s, --socket PATH    vfio-user socket of a new device (a stale socket file is replaced;\n"
		"                       a socket with a live server behind it is an error)\n"
		"  -m, --mode MODE      device model (default e1000-emu); see --list-modes\n"
		"  -t, --tap NAME       wire this device straight to its own tap (opened, or created)\n"
		"                       instead of the switch\n"
		"      --mac MAC        this device's MAC (default: base MAC + device index)\n"
		"      --vlan ID        access VLAN of the device's switch port (1..4094)\n"
		"      --allow-spoof    let the VM send from MACs other than its own\n"
		"      --allow-promisc  let the VM see other VMs' unicast (in promiscuous mode)\n"
		"      --worker N       run the device on worker N (default: round robin)\n"
		"      --doorbell MODE  trap (default): every TX/RX tail write is a vfio-user message;\n"
		"                       poll: the ring registers sit on a shared page the VMM maps into\n"
		"                       the guest and the device's thread polls it (no VM exit, but the\n"
		"                       thread spins while the guest's rings are up, and QEMU stops\n"
		"                       posting the device's other register writes; without KVM QEMU\n"
		"                       unmaps the page when the INTx fires: see docs/CONFIG.md)\n"
		"      --queues N       queue pairs of the device (e810-emu: 1..16, default 4; it\n"
		"                       gets N + 1 MSI-X vectors)\n"
		"\n"
		"Options:\n"
		"      --uplink tap:NAME  the switch's uplink: devices without -t share it through the\n"
		"                       switch (VM<->VM traffic stays inside vmux)\n"
		"  -b, --base-mac MAC   MAC of the first device; device i gets MAC+i (default 52:54:00:fa:00:60)\n"
		"      --workers N      N poll-mode worker threads (default 0: everything event-driven on\n"
		"                       the main thread)\n"
		"      --cores LIST     one poll-mode worker pinned to each CPU in LIST (e.g. 1,2 or 2-5)\n"
		"      --control PATH   control socket for vmuxctl (stats, ports, MAC table, workers)\n"
		"      --pcap PORT=FILE[,count=N][,snaplen=N][,size=BYTES]\n"
		"                       capture what port PORT (devN, or the uplink's tap name) sends\n"
		"                       and receives to a pcap file, from the start; at most N frames\n"
		"                       (default: no limit), N bytes of each (default 65535), a file of\n"
		"                       at most BYTES (default 1 GiB). Repeatable, one per port.\n"
		"                       vmuxctl capture start/stop does the same at run time.\n"
		"      --max-guest-ram SIZE  guest RAM one VM may map, all its mappings together\n"
		"                       (default 1T; K, M, G, T: powers of 1024); a DMA_MAP beyond it\n"
		"                       is refused\n"
		"      --config FILE    read devices and options from a JSON file (see docs/CONFIG.md)\n"
		"  -q, --quiet          log warnings and errors only\n"
		"  -v, --verbose        log more (-v: debug, e.g. register accesses; -vv: trace)\n"
		"      --log-level L    err, warn, info, debug or trace\n"
		"      --list-modes     list device models and exit\n"
		"  -h, --help           this help\n"
		"  -V, --version        print the version\n"
		"\n"
		"Examples:\n"
		"  ip tuntap add dev tap0 mode tap && ip link set tap0 up\n"
		"  vmux -s /run/vmux.sock -m e1000-emu -t tap0\n"
		"  vmux --uplink tap:tap0 --control /run/vmux.ctl -s /run/vm1.sock -s /run/vm2.sock\n"
		"  vmux --uplink tap:tap0 -s /run/vm1.sock --pcap dev0=/var/tmp/vm1.pcap,count=10000\n");
}

static void list_modes(void)
{
	const struct dev_model *const *m = dev_models();
	for (unsigned i = 0; m[i]; i++)
		printf("%-12s %s\n", m[i]->name, m[i]->description);
}

static void on_signal(int sig)
{
	(void)sig;
	if (app.main_loop)
		loop_stop(app.main_loop);
}

/* ---- running things on their owner thread ------------------------------------- */

static struct loop *thread_loop(int t)
{
	return t < 0 ? app.main_loop : worker_loop(app.workers[t]);
}

static void run_on(int t, void (*fn)(void *), void *arg)
{
	if (t < 0)
		fn(arg);
	else
		worker_call(app.workers[t], fn, arg);
}

/* ---- setup -------------------------------------------------------------------- */

static void create_switch(void *arg)
{
	struct vmux_config *cfg = app.cfg;
	bool promisc = false;
	for (unsigned i = 0; i < cfg->ndev; i++)
		promisc |= cfg->dev[i].allow_promisc;
	struct sw_config sc = { .name = "sw0", .allow_promisc = promisc };
	app.sw = sw_create(&sc, app.err, sizeof(app.err));
	if (!app.sw)
		return;
	app.uplink = tap_open(thread_loop(app.sw_thread), cfg->uplink_tap, true, app.err,
			      sizeof(app.err));
	if (!app.uplink)
		return;
	struct sw_port_config pc = { .name = cfg->uplink_tap, .kind = SW_PORT_UPLINK };
	app.uplink_port = sw_attach(app.sw, tap_port(app.uplink), &pc, app.err, sizeof(app.err));
}

static bool xpoll_run(void *arg)
{
	struct xpoll *p = arg;
	bool work = false;

	for (unsigned i = 0; i < p->n; i++)
		work |= xport_poll(p->x[i], p->side);
	return work;
}

/* On worker t: polls side `side` of x from now on. 0, or -1 with errno. */
static int xpoll_add(int t, int side, struct xport *x)
{
	struct xpoll *p = &app.xpolls[t][side];

	if (p->n >= CFG_MAX_DEVICES) {
		errno = ENOSPC;
		return -1;
	}
	if (!p->hooked) {
		p->side = side;
		if (loop_add_poll(thread_loop(t), xpoll_run, p) < 0)
			return -1;
		p->hooked = true;
	}
	p->x[p->n++] = x;
	return 0;
}

static int attach_to_switch(struct vdev *d, struct net_port *p)
{
	struct sw_port_config pc = {
		.name = d->name,
		.kind = SW_PORT_VM,
		.allow_spoof = d->cfg->allow_spoof,
		.promisc = d->cfg->allow_promisc,
		.vlan = d->cfg->vlan,
	};
	memcpy(pc.mac, d->cfg->mac, 6);
	d->sw_port = sw_attach(app.sw, p, &pc, d->err, sizeof(d->err));
	return d->sw_port < 0 ? -1 : 0;
}

static void create_device(void *arg)
{
	struct vdev *d = arg;
	struct dev_config dc = {
		.name = d->name,
		.socket_path = d->cfg->socket,
		.loop = thread_loop(d->thread),
		.doorbell = d->cfg->doorbell == CFG_DOORBELL_POLL ? DEV_DOORBELL_POLL
								  : DEV_DOORBELL_TRAP,
		.max_guest_ram = app.cfg->max_guest_ram,
		.queues = d->cfg->queues,
	};
	memcpy(dc.mac, d->cfg->mac, 6);
	d->inst = d->model->create(&dc, d->err, sizeof(d->err));
	if (!d->inst)
		return;
	struct net_port *p = dev_port(d->inst);
	if (d->cfg->tap[0]) {
		d->tap = tap_open(dc.loop, d->cfg->tap, true, d->err, sizeof(d->err));
		if (d->tap)
			net_port_connect(p, tap_port(d->tap));
	} else if (d->thread == app.sw_thread) {
		attach_to_switch(d, p);
	} else {
		d->xp = xport_create(d->name, 1024);
		if (!d->xp) {
			snprintf(d->err, sizeof(d->err), "cannot create its port to the switch");
			return;
		}
		if (xpoll_add(d->thread, 0, d->xp) < 0) {
			snprintf(d->err, sizeof(d->err), "worker %d cannot poll its port to the switch: %s",
				 d->thread, strerror(errno));
			xport_destroy(d->xp);
			d->xp = NULL;
			return;
		}
		net_port_connect(p, xport_end(d->xp, 0));
	}
}

static void attach_xport(void *arg)
{
	struct vdev *d = arg;

	if (attach_to_switch(d, xport_end(d->xp, 1)) < 0)
		return;
	/*
	 * What the switch sends the device crosses as copies from a pool of the
	 * switch's thread: if the device's thread stalls (a VMM slow to answer
	 * DMA requests), it holds those, not the uplink's, the switch's or other
	 * VMs' buffers.
	 */
	int r = xport_copy_in(d->xp, 1, VMUX_XPORT_COPY_PKTS);
	if (r < 0) {
		snprintf(d->err, sizeof(d->err), "no memory for its port's packets: %s", strerror(-r));
		sw_detach(app.sw, d->sw_port);
		d->sw_port = -1;
		return;
	}
	if (xpoll_add(app.sw_thread, 1, d->xp) < 0) {
		snprintf(d->err, sizeof(d->err), "the switch's worker cannot poll the device's port: %s",
			 strerror(errno));
		sw_detach(app.sw, d->sw_port);
		d->sw_port = -1;
	}
}

static bool device_failed(const struct vdev *d)
{
	return !d->inst || (d->cfg->tap[0] && !d->tap) || (!d->cfg->tap[0] && d->sw_port < 0);
}

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

	if (i >= 0 && (unsigned)i < app.ndev && app.devs[i].inst) {
		*thread = app.devs[i].thread;
		return dev_port(app.devs[i].inst);
	}
	if (i == -1 && app.uplink) {
		*thread = app.sw_thread;
		return tap_port(app.uplink);
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

/* 0, or -errno with err naming the problem. */
static int capture_start(const char *port, const char *file, const struct net_capture_opts *o,
			 char *err, size_t errlen)
{
	struct cap_op op = { 0 };
	int t;

	op.port = find_port(port, &t);
	if (!op.port) {
		snprintf(err, errlen, "no port %s (ports: dev0%s%.0u%s%s)", port,
			 app.ndev > 1 ? "..dev" : "", app.ndev - 1,
			 app.uplink ? " and the uplink " : "", app.uplink ? app.cfg->uplink_tap : "");
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

/* The capture on p (owner thread) as JSON, or NULL. */
static struct json_object *capture_json(const struct net_port *p)
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

/*
 * Detaches and closes the capture of port (flushing its file). 0 with *res
 * describing it (if res), or -errno with err naming the problem.
 */
static int capture_stop(const char *port, struct json_object **res, char *err, size_t errlen)
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

static void stop_all_captures(void)
{
	char err[64];

	for (unsigned i = 0; i < app.ndev; i++)
		capture_stop(app.devs[i].name, NULL, err, sizeof(err));
	if (app.uplink)
		capture_stop(app.cfg->uplink_tap, NULL, err, sizeof(err));
}

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
	struct vfu_ctx *ctx = inst->pci ? pci_dev_vfu(inst->pci) : NULL;
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
	struct net_port *p = dev_port(d->inst);
	json_object_object_add(o, "link", json_object_new_boolean(p->link_up));
	struct json_object *ps = json_object_new_object();
	port_stats_json(ps, &p->stats);
	json_object_object_add(o, "port", ps);
	json_object_object_add(o, "capture", capture_json(p));
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
		const char *name = id == app.uplink_port ? app.cfg->uplink_tap : "?";
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
			json_object_object_add(p, "capture", capture_json(tap_port(app.uplink)));
			json_object_object_add(p, "tap", tap_json(app.uplink));
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
			ndev += app.devs[i].thread == t;
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

/* ---- main ---------------------------------------------------------------------- */

/* The worker device i runs on (-1: the main thread). */
static int device_thread(const struct vmux_config *cfg, unsigned i)
{
	if (!cfg->nworkers)
		return -1;
	return cfg->dev[i].worker >= 0 ? cfg->dev[i].worker : (int)(i % cfg->nworkers);
}

/*
 * A device with polled doorbells takes one poll hook of its thread's loop, and
 * the cross-thread ports one per thread and side: refuse, before anything is
 * created, a configuration whose devices the loops cannot all poll.
 */
static int check_poll_hooks(const struct vmux_config *cfg)
{
	unsigned polled[CFG_MAX_WORKERS + 1] = { 0 };

	for (unsigned i = 0; i < cfg->ndev; i++) {
		int t = device_thread(cfg, i);

		if (cfg->dev[i].doorbell != CFG_DOORBELL_POLL)
			continue;
		if (++polled[t + 1] > LOOP_POLL_HOOKS_MAX - 2) {
			fprintf(stderr,
				"vmux: device %u (-s %s): %s has more than %u devices with "
				"--doorbell poll; spread them with --worker or more --workers\n",
				i, cfg->dev[i].socket, t < 0 ? "the main thread" : "its worker",
				LOOP_POLL_HOOKS_MAX - 2);
			return -1;
		}
	}
	return 0;
}

static int setup(void)
{
	struct vmux_config *cfg = app.cfg;
	bool need_switch = false;
	sigset_t sigs, old;

	if (check_poll_hooks(cfg))
		return -1;
	/* Workers leave SIGINT and SIGTERM to the main thread (they inherit this mask). */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, &old);
	for (unsigned i = 0; i < cfg->nworkers; i++) {
		char name[32];
		snprintf(name, sizeof(name), "vmux-w%u", i);
		app.workers[i] = worker_create(name, cfg->cpus[i]);
		if (!app.workers[i]) {
			fprintf(stderr, "vmux: cannot create worker %u: %s\n", i, strerror(errno));
			return -1;
		}
		app.nworkers++;
		int r = worker_start(app.workers[i]);
		if (r < 0) {
			pthread_sigmask(SIG_SETMASK, &old, NULL);
			fprintf(stderr, "vmux: cannot start worker %u on CPU %d: %s\n", i,
				cfg->cpus[i], strerror(-r));
			return -1;
		}
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	app.sw_thread = app.nworkers ? 0 : -1;
	app.uplink_port = -1;
	for (unsigned i = 0; i < cfg->ndev; i++)
		need_switch |= !cfg->dev[i].tap[0];
	if (need_switch || cfg->uplink_tap[0]) {
		run_on(app.sw_thread, create_switch, NULL);
		if (!app.sw || !app.uplink || app.uplink_port < 0) {
			fprintf(stderr, "vmux: --uplink tap:%s: %s\n", cfg->uplink_tap, app.err);
			return -1;
		}
	}
	for (unsigned i = 0; i < cfg->ndev; i++) {
		struct vdev *d = &app.devs[i];
		d->idx = i;
		d->cfg = &cfg->dev[i];
		d->model = dev_model_find(d->cfg->mode);
		d->sw_port = -1;
		d->thread = device_thread(cfg, i);
		snprintf(d->name, sizeof(d->name), "dev%u", i);
		app.ndev++;
		run_on(d->thread, create_device, d);
		if (d->xp && d->inst)
			run_on(app.sw_thread, attach_xport, d);
		if (device_failed(d)) {
			fprintf(stderr, "vmux: device %u (-s %s): %s\n", i, d->cfg->socket, d->err);
			return -1;
		}
		char mac[18];
		cfg_format_mac(d->cfg->mac, mac);
		LOG_INFO(COMP, "%s: %s on %s, MAC %s, %s%s%s, %s%s, doorbells %s", d->name,
			 d->cfg->mode, d->cfg->socket, mac,
			 d->cfg->tap[0] ? "wired to tap " : "on the switch", d->cfg->tap,
			 d->cfg->vlan ? " (VLAN set)" : "", d->thread < 0 ? "main thread" : "worker ",
			 d->thread < 0 ? "" : worker_name(app.workers[d->thread]),
			 d->cfg->doorbell == CFG_DOORBELL_POLL ? "polled" : "trapped");
	}
	for (unsigned i = 0; i < cfg->npcap; i++) {
		const struct cfg_pcap *pc = &cfg->pcap[i];
		struct net_capture_opts o = {
			.max_pkts = pc->count, .max_bytes = pc->max_bytes, .snaplen = pc->snaplen
		};
		if (capture_start(pc->port, pc->file, &o, app.err, sizeof(app.err)) < 0) {
			fprintf(stderr, "vmux: --pcap %s=%s: %s\n", pc->port, pc->file, app.err);
			return -1;
		}
	}
	if (cfg->control[0]) {
		app.ctl = ctl_create(app.main_loop, cfg->control, app.err, sizeof(app.err));
		if (!app.ctl) {
			fprintf(stderr, "vmux: --control %s: %s\n", cfg->control, app.err);
			return -1;
		}
		ctl_register(app.ctl, "ports", "devices, their links and counters", ctl_ports, NULL);
		ctl_register(app.ctl, "switch", "switch ports, counters and drops by reason",
			     ctl_switch, NULL);
		ctl_register(app.ctl, "macs", "the switch's MAC table", ctl_macs, NULL);
		ctl_register(app.ctl, "workers", "threads, their devices and load", ctl_workers,
			     NULL);
		ctl_register(app.ctl, "capture_start",
			     "capture a port to a pcap file: port, file[, count, snaplen, size]",
			     ctl_capture_start, NULL);
		ctl_register(app.ctl, "capture_stop", "stop a port's capture: port",
			     ctl_capture_stop, NULL);
		LOG_INFO(COMP, "control socket on %s", cfg->control);
	}
	return 0;
}

/*
 * Packets travel between pools' owners: a device's TX packets wait in its
 * cross-thread ring, the switch's queues and the taps' pending writes; the
 * switch's flood copies and the uplink's received frames wait in devices'
 * rings. A pool is unmapped when its owner is destroyed, so everything that
 * holds packets of others is emptied first, while every pool is still there:
 * the switch's ports, the cross-thread rings, the taps (their writes in
 * flight); only then the devices and their pools.
 */
static void teardown(void)
{
	/* Stop the workers first: afterwards everything is torn down from here, alone. */
	for (unsigned i = 0; i < app.nworkers; i++)
		worker_stop(app.workers[i]);
	ctl_destroy(app.ctl);
	stop_all_captures();
	for (unsigned i = 0; i < app.ndev; i++) {
		struct vdev *d = &app.devs[i];
		if (d->sw_port >= 0)
			sw_detach(app.sw, d->sw_port);
		d->sw_port = -1;
		if (d->xp) {
			net_port_disconnect(xport_end(d->xp, 0));
			xport_destroy(d->xp);
			d->xp = NULL;
		}
	}
	if (app.uplink)
		tap_close(app.uplink);
	if (app.sw)
		sw_destroy(app.sw);
	for (unsigned i = 0; i < app.ndev; i++) {
		if (app.devs[i].tap)
			tap_close(app.devs[i].tap);
		app.devs[i].tap = NULL;
	}
	for (unsigned i = app.ndev; i-- > 0;) {
		if (app.devs[i].inst)
			app.devs[i].model->destroy(app.devs[i].inst);
		app.devs[i].inst = NULL;
	}
	for (unsigned i = 0; i < app.nworkers; i++)
		worker_destroy(app.workers[i]);
}

int main(int argc, char **argv)
{
	static struct vmux_config cfg;
	char err[256] = "";
	int rc = 1;

	cfg_init(&cfg);
	if (cfg_parse_args(&cfg, argc, argv, err, sizeof(err)) ||
	    cfg_finalize(&cfg, err, sizeof(err))) {
		fprintf(stderr, "vmux: %s\nTry 'vmux --help'.\n", err);
		return 2;
	}
	if (cfg.help) {
		usage(stdout);
		return 0;
	}
	if (cfg.version) {
		printf("vmux " VMUX_VERSION "\n");
		return 0;
	}
	if (cfg.list_modes) {
		list_modes();
		return 0;
	}
	log_set_level((enum log_level)cfg.log_level);
	for (unsigned i = 0; i < cfg.ndev; i++) {
		const struct dev_model *m = dev_model_find(cfg.dev[i].mode);
		if (!m) {
			fprintf(stderr, "vmux: -m %s: unknown mode; known modes:\n", cfg.dev[i].mode);
			list_modes();
			return 2;
		}
		if (cfg.dev[i].doorbell == CFG_DOORBELL_POLL && !(m->caps & DEV_CAP_DOORBELL_POLL)) {
			fprintf(stderr, "vmux: device %u (%s): -m %s has no --doorbell poll; use trap\n",
				i, cfg.dev[i].socket, cfg.dev[i].mode);
			return 2;
		}
		if (cfg.dev[i].queues > 1 && cfg.dev[i].queues > m->max_queues) {
			fprintf(stderr, "vmux: device %u (%s): -m %s has at most %u queue pair%s\n", i,
				cfg.dev[i].socket, cfg.dev[i].mode, m->max_queues ? m->max_queues : 1,
				m->max_queues > 1 ? "s" : "");
			return 2;
		}
	}

	app.cfg = &cfg;
	int rr = accept_reserve_init();
	if (rr < 0) /* not fatal: only a listener out of descriptors misses it */
		fprintf(stderr, "vmux: cannot open /dev/null: %s\n", strerror(-rr));
	app.main_loop = loop_create();
	if (!app.main_loop) {
		fprintf(stderr, "vmux: cannot create the event loop: %s\n", strerror(errno));
		return 1;
	}
	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (setup() == 0) {
		LOG_INFO(COMP, "ready: %u device(s), %u worker(s)%s; stop with Ctrl-C", app.ndev,
			 app.nworkers, app.sw ? ", switch with uplink" : "");
		rc = loop_run(app.main_loop) == 0 ? 0 : 1;
		LOG_INFO(COMP, "shutting down");
	}
	/* No signal handler may touch the loop while it is destroyed. */
	sigset_t sigs;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	teardown();
	loop_destroy(app.main_loop);
	accept_reserve_fini();
	return rc;
}
