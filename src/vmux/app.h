/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vmux's own header, shared by its files only: the devices and the process
 * state (one `app`), and what main.c (setup, signals, the main loop), cli.c
 * (the command line, --help), wire.c (devices to backends, the switch, the
 * threads they run on), capture.c (captures by port) and ctl.c (the control
 * socket's handlers) call of each other.
 */
#ifndef VMUX_APP_H
#define VMUX_APP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "core/config.h"
#include "core/ctl.h"
#include "core/loop.h"
#include "core/worker.h"
#include "dev/dev.h"
#include "net/capture.h"
#include "net/dpdk.h"
#include "net/port.h"
#include "net/switch.h"
#include "net/tap.h"
#include "net/xport.h"

#define COMP "vmux"

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
	bool flows_synced; /* its flow rules are on the DPDK uplink (flows.c) */
	uint64_t flows_gen; /* the generation of those */
	int flows_rxq;      /* the uplink RX queue they name (DPDK_FLOW_RXQ_AUTO: the port's pick) */
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
	struct tap *uplink;       /* --uplink tap:NAME */
	struct dpdk_port *uplink_dpdk; /* --uplink dpdk:DEVARGS */
	int uplink_port;
	int sw_thread;
	struct vdev devs[CFG_MAX_DEVICES];
	unsigned ndev;
	struct ctl *ctl;
	struct xpoll xpolls[CFG_MAX_WORKERS][2]; /* by worker and side */
	/* Running captures by port (main thread only; the ports' threads write them). */
	struct net_capture *caps[CFG_MAX_DEVICES + 1];
	/* The command line, re-read by a reload (SIGHUP). */
	int argc;
	char **argv;
	struct svc_stats {
		uint64_t reloads, reload_failures, devices_added, devices_removed;
	} svc;
	struct metrics_http *metrics;
	char err[512];
};

extern struct app app;

/* ---- cli.c ----------------------------------------------------------------- */

/*
 * The command line into cfg, checked against the device models; --help,
 * --version and --list-modes answered. -1 to go on, else the exit status.
 */
int vmux_cli(struct vmux_config *cfg, int argc, char **argv);
/* Device i's configuration against its model (mode, doorbell, queues). 0, or -1 with err. */
int vmux_check_device(const struct cfg_device *d, unsigned i, char *err, size_t errlen);

/* ---- wire.c ---------------------------------------------------------------- */

/* The loop of thread t (-1: the main thread). */
struct loop *thread_loop(int t);
/* Runs fn(arg) on thread t and waits for it. */
void run_on(int t, void (*fn)(void *), void *arg);
/* The worker device i runs on (-1: the main thread). */
int device_thread(const struct vmux_config *cfg, unsigned i);
/* -1 (with the problem printed) if the loops cannot poll all polled devices. */
int check_poll_hooks(const struct vmux_config *cfg);
/* On the switch's thread: the switch and its uplink (app.err on failure). */
void create_switch(void *arg);
/* On the device's thread: the device (a struct vdev) and its backend. */
void create_device(void *arg);
/* On the switch's thread: the switch's end of a device's cross-thread port. */
void attach_xport(void *arg);
bool device_failed(const struct vdev *d);
/* The uplink's port (owner: the switch's thread), or NULL. */
struct net_port *uplink_net_port(void);
void teardown(void);

/* ---- lanes.c: the DPDK uplink's lanes, one per worker past the switch's ----- */

/* After the switch and its uplink, before the devices: a lane on each worker >= 1. */
int lanes_open(void); /* 0, or -1 with app.err */
/* A device now on the switch / about to leave it: its worker's lane learns / forgets it. */
void lanes_vm_add(struct vdev *d);
void lanes_vm_del(struct vdev *d);
/*
 * Every lane's copy of the MACs pinned to VMs: a device's added before it
 * joins the switch, removed after it left it (so that no lane sends a
 * frame to the uplink that the switch would give a VM).
 */
void lanes_known_add(struct vdev *d);
void lanes_known_del(struct vdev *d);
/* Whether lanes may deliver to their VMs (no spoofing or promiscuous VM, no capture). */
void lanes_refresh(void);
/*
 * The uplink RX queue the flow rules of a VM on that worker name (main
 * thread): its lane's queue, 0 (the switch's) on a worker without a lane,
 * DPDK_FLOW_RXQ_AUTO without lanes.
 */
int lanes_rxq(int worker);
/* At teardown, every worker stopped, before the uplink is closed. */
void lanes_close(void);
/* The lanes' counters (any thread). */
struct json_object *lanes_json(void);

/* ---- capture.c ------------------------------------------------------------- */

/* 0, or -errno with err naming the problem. */
int capture_start(const char *port, const char *file, const struct net_capture_opts *o,
		  char *err, size_t errlen);
/*
 * Detaches and closes the capture of port (flushing its file). 0 with *res
 * describing it (if res), or -errno with err naming the problem.
 */
int capture_stop(const char *port, struct json_object **res, char *err, size_t errlen);
/* The capture on p (owner thread) as JSON, or NULL. */
struct json_object *capture_json(const struct net_port *p);
void stop_all_captures(void);

/* ---- svc.c: the service manager's side (systemd) --------------------------- */

/*
 * The listening sockets a service manager passed (LISTEN_FDS, LISTEN_PID,
 * LISTEN_FDNAMES) given to cfg's devices (core/sockact.h); the environment
 * variables are unset. 0, or -1 with the problem printed.
 */
int svc_listen_fds(struct vmux_config *cfg);
/* sd_notify(3) a state ("READY=1\nSTATUS=..."), if a manager listens. */
void svc_notify(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* SIGHUP (blocked in every thread by then) read from a signalfd on the main loop. 0 or -1. */
int svc_reload_on_sighup(void);
void svc_fini(void);

/* ---- reload.c ----------------------------------------------------------------- */

/*
 * Re-reads the command line and its --config: devices that are no longer
 * there removed, new ones added, the others left running as they are. A
 * configuration with an error changes nothing. 0, or -1 (logged).
 */
int vmux_reload(void);
/* The device slot's configuration as running (socket "" = a free slot). */
bool device_slot_used(const struct vdev *d);

/* ---- metrics_http.c ------------------------------------------------------- */

struct metrics_http;
/* GET /metrics over HTTP on m (libmicrohttpd on the main loop). NULL with err filled. */
struct metrics_http *metrics_http_start(struct loop *l, const struct cfg_metrics *m, char *err,
					size_t errlen);
void metrics_http_stop(struct metrics_http *h);

/* ---- flows.c: the VMs' flow rules onto the DPDK uplink ---------------------------- */

/* A periodic sync on the main loop (nothing without a DPDK uplink). 0, or -1 with errno. */
int flows_start(void);
void flows_stop(void);
/* Sets the rules of every VM whose guest changed them (main thread). */
void flows_sync(void);
/* On the switch's thread, as the device leaves the switch: its rules go. */
void flows_forget(struct vdev *d);
/* The control socket's `flows`. */
int ctl_flows(void *arg, struct json_object *req, struct json_object **res, const char **err);

/* ---- ctl.c ----------------------------------------------------------------- */

/* The control socket's commands, registered on ctl. */
void vmux_ctl_register(struct ctl *ctl);
/* The OpenMetrics text of everything the control socket reports (main thread). 0 or -1. */
int vmux_metrics_render(FILE *out);

#endif
