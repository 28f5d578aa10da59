/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vmux's wiring: devices created on their threads and connected to their
 * backends (an own tap, the switch, or the switch through a cross-thread port
 * pair polled by both threads), the switch and its uplink, and the teardown
 * in the order the packets' pools need.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vmux/app.h"

/* Packets in flight from the switch to one device on another thread, at most. */
#define VMUX_XPORT_COPY_PKTS 256

/* ---- running things on their owner thread ------------------------------------- */

struct loop *thread_loop(int t)
{
	return t < 0 ? app.main_loop : worker_loop(app.workers[t]);
}

void run_on(int t, void (*fn)(void *), void *arg)
{
	if (t < 0)
		fn(arg);
	else
		worker_call(app.workers[t], fn, arg);
}

/* ---- setup -------------------------------------------------------------------- */

void create_switch(void *arg)
{
	struct vmux_config *cfg = app.cfg;
	bool promisc = false;
	for (unsigned i = 0; i < cfg->ndev; i++)
		promisc |= cfg->dev[i].allow_promisc;
	struct sw_config sc = { .name = "sw0", .allow_promisc = promisc };
	app.sw = sw_create(&sc, app.err, sizeof(app.err));
	if (!app.sw)
		return;
	if (cfg->uplink_dpdk[0])
		app.uplink_dpdk = dpdk_open_lanes(thread_loop(app.sw_thread), cfg->uplink_dpdk,
						  app.nworkers > 1 ? app.nworkers : 1, app.err,
						  sizeof(app.err));
	else if (cfg->uplink_tap[0])
		app.uplink = tap_open(thread_loop(app.sw_thread), cfg->uplink_tap, true, app.err,
				      sizeof(app.err));
	struct net_port *up = uplink_net_port();
	if (!up)
		return;
	struct sw_port_config pc = { .name = cfg->uplink_name, .kind = SW_PORT_UPLINK };
	app.uplink_port = sw_attach(app.sw, up, &pc, app.err, sizeof(app.err));
}

struct net_port *uplink_net_port(void)
{
	if (app.uplink_dpdk)
		return dpdk_port(app.uplink_dpdk);
	return app.uplink ? tap_port(app.uplink) : NULL;
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

void create_device(void *arg)
{
	struct vdev *d = arg;
	struct dev_config dc = {
		.name = d->name,
		.socket_path = d->cfg->socket,
		.has_listen_fd = d->cfg->fd >= 0,
		.listen_fd = d->cfg->fd,
		.loop = thread_loop(d->thread),
		.doorbell = d->cfg->doorbell == CFG_DOORBELL_POLL ? DEV_DOORBELL_POLL
								  : DEV_DOORBELL_TRAP,
		.max_guest_ram = app.cfg->max_guest_ram,
		.queues = d->cfg->queues,
		.vfio_dev = d->cfg->vfio_dev,
		.vfio_api = app.cfg->vfio_api,
	};
	memcpy(dc.mac, d->cfg->mac, 6);
	d->inst = d->model->create(&dc, d->err, sizeof(d->err));
	if (!d->inst || !d->inst->nports)
		return; /* failed, or passed through: nothing to wire */
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

void attach_xport(void *arg)
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

bool device_failed(const struct vdev *d)
{
	if (d->inst && !d->inst->nports)
		return false;
	return !d->inst || (d->cfg->tap[0] && !d->tap) || (!d->cfg->tap[0] && d->sw_port < 0);
}

int device_thread(const struct vmux_config *cfg, unsigned i)
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
int check_poll_hooks(const struct vmux_config *cfg)
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

/*
 * Packets travel between pools' owners: a device's TX packets wait in its
 * cross-thread ring, the switch's queues and the taps' pending writes; the
 * switch's flood copies and the uplink's received frames wait in devices'
 * rings. A pool is unmapped when its owner is destroyed, so everything that
 * holds packets of others is emptied first, while every pool is still there:
 * the switch's ports, the cross-thread rings, the taps (their writes in
 * flight); only then the devices and their pools.
 */
void teardown(void)
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
	lanes_close();
	if (app.uplink_dpdk)
		dpdk_close(app.uplink_dpdk);
	app.uplink = NULL;
	app.uplink_dpdk = NULL;
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
