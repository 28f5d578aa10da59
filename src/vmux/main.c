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
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "core/accept.h"
#include "core/log.h"
#include "vmux/app.h"

struct app app;

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
	if (app.main_loop)
		loop_stop(app.main_loop);
}

static int setup(void)
{
	struct vmux_config *cfg = app.cfg;
	bool need_switch = false;
	sigset_t sigs, old;

	if (check_poll_hooks(cfg))
		return -1;
	/* Before any worker: the EAL pins the calling thread (and undoes it). */
	if (cfg->uplink_dpdk[0]) {
		const char *eal[CFG_EAL_MAX_ARGS];

		for (unsigned i = 0; i < cfg->neal; i++)
			eal[i] = cfg->eal[i];
		if (dpdk_eal_init(cfg->neal, eal, app.err, sizeof(app.err)) < 0) {
			fprintf(stderr, "vmux: --uplink dpdk:%s: %s\n", cfg->uplink_dpdk, app.err);
			return -1;
		}
	}
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
		need_switch |= !cfg->dev[i].tap[0] && !cfg->dev[i].vfio_dev[0];
	if (need_switch || cfg->uplink_name[0]) {
		run_on(app.sw_thread, create_switch, NULL);
		if (!app.sw || !uplink_net_port() || app.uplink_port < 0) {
			fprintf(stderr, "vmux: --uplink %s:%s: %s\n", cfg->uplink_dpdk[0] ? "dpdk" : "tap",
				cfg->uplink_dpdk[0] ? cfg->uplink_dpdk : cfg->uplink_tap, app.err);
			return -1;
		}
		if (lanes_open() < 0) {
			fprintf(stderr, "vmux: --uplink dpdk:%s: %s\n", cfg->uplink_dpdk, app.err);
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
		lanes_known_add(d);
		run_on(d->thread, create_device, d);
		if (d->xp && d->inst)
			run_on(app.sw_thread, attach_xport, d);
		if (device_failed(d)) {
			fprintf(stderr, "vmux: device %u (-s %s): %s\n", i, d->cfg->socket, d->err);
			return -1;
		}
		lanes_vm_add(d);
		if (d->cfg->vfio_dev[0]) {
			LOG_INFO(COMP, "%s: %s %s on %s, %s%s", d->name, d->cfg->mode,
				 d->cfg->vfio_dev, d->cfg->socket,
				 d->thread < 0 ? "main thread" : "worker ",
				 d->thread < 0 ? "" : worker_name(app.workers[d->thread]));
			continue;
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
	lanes_refresh();
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
	if (cfg->metrics.kind != CFG_METRICS_NONE) {
		app.metrics = metrics_http_start(app.main_loop, &cfg->metrics, app.err,
						 sizeof(app.err));
		if (!app.metrics) {
			fprintf(stderr, "vmux: --metrics: %s\n", app.err);
			return -1;
		}
		LOG_INFO(COMP, "metrics on %s%s", cfg->metrics.kind == CFG_METRICS_UNIX ? "unix:" : "tcp:",
			 cfg->metrics.kind == CFG_METRICS_UNIX ? cfg->metrics.path : cfg->metrics.addr);
	}
	if (flows_start() < 0) {
		fprintf(stderr, "vmux: cannot watch the VMs' flow rules: %s\n", strerror(errno));
		return -1;
	}
	if (svc_reload_on_sighup() < 0) {
		fprintf(stderr, "vmux: cannot watch for SIGHUP: %s\n", strerror(errno));
		return -1;
	}
	if (cfg->control[0]) {
		app.ctl = ctl_create(app.main_loop, cfg->control, app.err, sizeof(app.err));
		if (!app.ctl) {
			fprintf(stderr, "vmux: --control %s: %s\n", cfg->control, app.err);
			return -1;
		}
		vmux_ctl_register(app.ctl);
		LOG_INFO(COMP, "control socket on %s", cfg->control);
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct vmux_config cfg;
	int rc = vmux_cli(&cfg, argc, argv);

	if (rc >= 0)
		return rc;
	rc = 1;

	app.cfg = &cfg;
	log_detect_journal();
	app.argc = argc;
	app.argv = argv;
	/*
	 * SIGHUP (a reload) is read from a signalfd on the main loop: blocked
	 * here, before any thread exists, so that every thread has it blocked.
	 */
	sigset_t hup;
	sigemptyset(&hup);
	sigaddset(&hup, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &hup, NULL);
	if (svc_listen_fds(&cfg) < 0)
		return 1;
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
		/* Every device's socket listens by now: a VMM may connect. */
		svc_notify("READY=1\nSTATUS=%u device(s), %u worker(s)%s", app.ndev, app.nworkers,
			   app.sw ? ", switch with uplink" : "");
		rc = loop_run(app.main_loop) == 0 ? 0 : 1;
		svc_notify("STOPPING=1\nSTATUS=stopping%s", stop_signal == SIGTERM ? " (SIGTERM)" : "");
		LOG_INFO(COMP, "shutting down");
	} else {
		svc_notify("STATUS=setup failed: %s", app.err[0] ? app.err : "see the log");
	}
	/* No signal handler may touch the loop while it is destroyed. */
	sigset_t sigs;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	metrics_http_stop(app.metrics);
	app.metrics = NULL;
	svc_fini();
	flows_stop();
	teardown();
	dpdk_eal_fini();
	loop_destroy(app.main_loop);
	accept_reserve_fini();
	return rc;
}
