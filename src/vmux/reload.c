/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Reloading the configuration (SIGHUP): the command line and its --config
 * read again into a new configuration, checked whole, then devices whose
 * socket is no longer there removed and new sockets' devices added. A device
 * whose socket stays keeps running untouched, its VM attached, with the
 * settings it started with (changed settings are logged, not applied). A
 * configuration with any error changes nothing.
 *
 * A removed device is taken apart in the order teardown() uses for all of
 * them: its switch port and cross-thread port first (on their threads), the
 * uplink's writes in flight let finish, then its tap and the device itself
 * on its own thread.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "vmux/app.h"

bool device_slot_used(const struct vdev *d)
{
	return d->cfg && d->cfg->socket[0];
}

static int find_socket(const struct vmux_config *c, const char *socket)
{
	for (unsigned i = 0; i < c->ndev; i++)
		if (!strcmp(c->dev[i].socket, socket))
			return (int)i;
	return -1;
}

/* The running device's settings that a reload does not change, named; "" if equal. */
static void changed(const struct cfg_device *a, const struct cfg_device *b, char *out, size_t n)
{
	out[0] = '\0';
#define DIFF(cond, what) if (cond) snprintf(out + strlen(out), n - strlen(out), "%s%s", out[0] ? ", " : "", what)
	DIFF(strcmp(a->mode, b->mode), "mode");
	DIFF(strcmp(a->tap, b->tap), "tap");
	DIFF(memcmp(a->mac, b->mac, 6), "mac");
	DIFF(a->vlan != b->vlan, "vlan");
	DIFF(a->allow_spoof != b->allow_spoof, "allow_spoof");
	DIFF(a->allow_promisc != b->allow_promisc, "allow_promisc");
	DIFF(a->worker != b->worker, "worker");
	DIFF(a->doorbell != b->doorbell, "doorbell");
	DIFF(a->queues != b->queues, "queues");
#undef DIFF
}

/* ---- taking one device apart ---------------------------------------------------- */

static void xpoll_del(struct xpoll *p, struct xport *x)
{
	for (unsigned i = 0; i < p->n; i++) {
		if (p->x[i] == x) {
			p->x[i] = p->x[--p->n];
			return;
		}
	}
}

static void detach_from_switch(void *arg)
{
	struct vdev *d = arg;

	if (d->sw_port >= 0)
		sw_detach(app.sw, d->sw_port);
	d->sw_port = -1;
	flows_forget(d);
	if (d->xp && app.sw_thread >= 0)
		xpoll_del(&app.xpolls[app.sw_thread][1], d->xp);
}

static void detach_xport_dev_side(void *arg)
{
	struct vdev *d = arg;

	xpoll_del(&app.xpolls[d->thread][0], d->xp);
	net_port_disconnect(xport_end(d->xp, 0));
}

static void uplink_inflight(void *arg)
{
	struct tap_stats st;

	tap_get_stats(app.uplink, &st);
	*(uint64_t *)arg = st.inflight;
}

static void destroy_on_thread(void *arg)
{
	struct vdev *d = arg;

	if (d->tap)
		tap_close(d->tap);
	d->tap = NULL;
	if (d->inst)
		d->model->destroy(d->inst);
	d->inst = NULL;
}

static void remove_device(struct vdev *d)
{
	char err[256];
	bool on_switch = d->sw_port >= 0;

	capture_stop(d->name, NULL, err, sizeof(err)); /* none running is fine */
	lanes_vm_del(d);
	if (app.sw)
		run_on(app.sw_thread, detach_from_switch, d);
	lanes_known_del(d);
	if (d->xp) {
		run_on(d->thread, detach_xport_dev_side, d);
		xport_destroy(d->xp);
		d->xp = NULL;
	}
	/*
	 * The uplink may still be writing the device's frames (io_uring): its
	 * pool must outlive them. Writes finish in microseconds; wait at most
	 * half a second for the uplink to have none in flight.
	 */
	for (int i = 0; on_switch && app.uplink && i < 250; i++) {
		uint64_t n = 0;
		run_on(app.sw_thread, uplink_inflight, &n);
		if (!n)
			break;
		nanosleep(&(struct timespec){ .tv_nsec = 2000000 }, NULL);
	}
	run_on(d->thread, destroy_on_thread, d);
	memset((void *)d->cfg, 0, sizeof(*d->cfg));
	d->sw_port = -1;
}

/* ---- the reload ------------------------------------------------------------------ */

static int check_new(const struct vmux_config *n, bool *keep, char *err, size_t errlen)
{
	struct vmux_config *c = app.cfg;
	unsigned free_slots = 0;

	for (unsigned i = 0; i < CFG_MAX_DEVICES; i++)
		free_slots += i >= c->ndev || !c->dev[i].socket[0];
	for (unsigned j = 0; j < n->ndev; j++) {
		const struct cfg_device *d = &n->dev[j];
		int i = find_socket(c, d->socket);

		if (i >= 0) {
			keep[i] = true;
			continue;
		}
		if (vmux_check_device(d, j, err, errlen))
			return -1;
		if (cfg_socket_is_fd(d->socket) || d->fd >= 0) {
			snprintf(err, errlen, "new device %u (%s): a passed socket can only be given at "
					      "start; add a socket path instead", j, d->socket);
			return -1;
		}
		if (!d->tap[0] && !app.sw) {
			snprintf(err, errlen, "new device %u (%s) needs the switch, and vmux started "
					      "without one (--uplink): restart it", j, d->socket);
			return -1;
		}
		if (d->worker >= 0 && (unsigned)d->worker >= (app.nworkers ? app.nworkers : 1)) {
			snprintf(err, errlen, "new device %u (%s): worker %d does not exist (%u running)",
				 j, d->socket, d->worker, app.nworkers);
			return -1;
		}
		if (!free_slots--) {
			snprintf(err, errlen, "no room for new device %u (%s): %d devices at most", j,
				 d->socket, CFG_MAX_DEVICES);
			return -1;
		}
		/* Its tap and MAC against the devices that stay (they keep theirs). */
		for (unsigned k = 0; k < c->ndev; k++) {
			const struct cfg_device *o = &c->dev[k];
			if (!o->socket[0] || find_socket(n, o->socket) < 0)
				continue;
			if (d->tap[0] && !strcmp(d->tap, o->tap)) {
				snprintf(err, errlen, "new device %u (%s): tap %s is device %u's", j,
					 d->socket, d->tap, k);
				return -1;
			}
			if (!memcmp(d->mac, o->mac, 6)) {
				char m[18];
				cfg_format_mac(d->mac, m);
				snprintf(err, errlen, "new device %u (%s): MAC %s is running device %u's "
						      "(dev%u); give it --mac", j, d->socket, m, k, k);
				return -1;
			}
		}
		if (d->tap[0] && !strcmp(d->tap, c->uplink_tap)) {
			snprintf(err, errlen, "new device %u (%s): tap %s is the uplink", j, d->socket,
				 d->tap);
			return -1;
		}
	}
	return 0;
}

static unsigned free_slot(void)
{
	for (unsigned i = 0; i < CFG_MAX_DEVICES; i++)
		if (i >= app.cfg->ndev || !app.cfg->dev[i].socket[0])
			return i;
	return CFG_MAX_DEVICES;
}

static int add_device(const struct cfg_device *nd)
{
	struct vmux_config *c = app.cfg;
	unsigned i = free_slot();
	struct vdev *d = &app.devs[i];

	if (i == CFG_MAX_DEVICES)
		return -1;
	c->dev[i] = *nd;
	c->dev[i].fd = -1;
	if (i >= c->ndev)
		c->ndev = i + 1;
	if (i >= app.ndev)
		app.ndev = i + 1;
	memset(d, 0, sizeof(*d));
	d->idx = i;
	d->cfg = &c->dev[i];
	d->model = dev_model_find(d->cfg->mode);
	d->sw_port = -1;
	d->thread = device_thread(c, i);
	snprintf(d->name, sizeof(d->name), "dev%u", i);
	lanes_refresh(); /* before it can send: a VM that may spoof stops the lanes' shortcut */
	lanes_known_add(d);
	run_on(d->thread, create_device, d);
	if (d->xp && d->inst)
		run_on(app.sw_thread, attach_xport, d);
	if (device_failed(d)) {
		LOG_ERR(COMP, "reload: new device %s (%s) failed: %s", d->name, d->cfg->socket, d->err);
		remove_device(d);
		return -1;
	}
	lanes_vm_add(d);
	LOG_INFO(COMP, "reload: added %s: %s on %s, %s%s", d->name, d->cfg->mode, d->cfg->socket,
		 d->cfg->tap[0] ? "wired to tap " : "on the switch", d->cfg->tap);
	return 0;
}

int vmux_reload(void)
{
	struct vmux_config *c = app.cfg;
	struct vmux_config *n = malloc(sizeof(*n));
	bool keep[CFG_MAX_DEVICES] = { false };
	char err[512] = "", what[128];
	unsigned added = 0, removed = 0, failed = 0;

	svc_notify("RELOADING=1\nSTATUS=reloading the configuration");
	if (!n) {
		snprintf(err, sizeof(err), "out of memory");
		goto refuse;
	}
	cfg_init(n);
	if (cfg_parse_args(n, app.argc, app.argv, err, sizeof(err)) ||
	    cfg_finalize(n, err, sizeof(err)) || check_new(n, keep, err, sizeof(err)))
		goto refuse;
	if (strcmp(n->uplink_tap, c->uplink_tap) || n->nworkers != c->nworkers ||
	    strcmp(n->control, c->control) || n->max_guest_ram != c->max_guest_ram ||
	    n->vfio_api != c->vfio_api || memcmp(&n->metrics, &c->metrics, sizeof(n->metrics)))
		LOG_WARN(COMP, "reload: uplink, workers, control, metrics, max_guest_ram and vfio_api "
			       "apply at the next start only");
	log_set_level((enum log_level)n->log_level);
	for (unsigned i = 0; i < app.ndev; i++) {
		struct vdev *d = &app.devs[i];
		int j;

		if (!device_slot_used(d))
			continue;
		if (!keep[i]) {
			LOG_INFO(COMP, "reload: removing %s (%s)", d->name, d->cfg->socket);
			remove_device(d);
			removed++;
			continue;
		}
		j = find_socket(n, d->cfg->socket);
		changed(d->cfg, &n->dev[j], what, sizeof(what));
		if (what[0])
			LOG_WARN(COMP, "reload: %s (%s) keeps running as it started; changed %s not "
				       "applied (remove it, reload, add it back)", d->name, d->cfg->socket,
				 what);
	}
	for (unsigned j = 0; j < n->ndev; j++) {
		if (find_socket(c, n->dev[j].socket) >= 0)
			continue;
		if (add_device(&n->dev[j]) == 0)
			added++;
		else
			failed++;
	}
	free(n);
	lanes_refresh();
	app.svc.reloads++;
	app.svc.devices_added += added;
	app.svc.devices_removed += removed;
	if (failed)
		app.svc.reload_failures++;
	LOG_INFO(COMP, "reload: %u device(s) added, %u removed%s", added, removed,
		 failed ? ", some could not be added (see above)" : "");
	svc_notify("READY=1\nSTATUS=reloaded: %u added, %u removed%s", added, removed,
		   failed ? ", errors" : "");
	return failed ? -1 : 0;
refuse:
	free(n);
	app.svc.reload_failures++;
	LOG_ERR(COMP, "reload refused, the configuration in use is kept: %s", err);
	svc_notify("READY=1\nSTATUS=reload refused: %s", err);
	return -1;
}
