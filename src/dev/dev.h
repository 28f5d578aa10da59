/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Device models behind vfio-user sockets. A model is chosen by name on the
 * command line (`-m e1000-emu`); an instance serves one socket and exposes one
 * network port that the caller wires to a backend or the switch.
 */
#ifndef VMUX_DEV_DEV_H
#define VMUX_DEV_DEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct loop;
struct net_flow;
struct net_port;
struct pci_dev;
struct vfu_ctx;

/* How the guest's doorbells (ring tail writes) reach the model. */
enum dev_doorbell {
	DEV_DOORBELL_TRAP = 0, /* trapped: every tail write is a vfio-user message */
	DEV_DOORBELL_POLL,     /* on a shared page the owning loop polls (no VM exit) */
};

struct dev_config {
	const char *name;        /* instance name for logs and counters ("dev0") */
	const char *socket_path; /* vfio-user socket to listen on (with listen_fd: its name) */
	bool has_listen_fd;      /* serve on listen_fd, a listening socket handed over */
	int listen_fd;           /* owned by the instance once create() succeeds */
	uint8_t mac[6];
	struct loop *loop;       /* the owning thread's loop */
	enum dev_doorbell doorbell;
	uint64_t max_guest_ram;  /* bytes one client may map; 0: the vfu default */
	unsigned queues;         /* queue pairs, for models with several; 0: the model's default */
	const char *vfio_dev;    /* passthrough: the PCI function (BDF), bound to vfio-pci */
	int vfio_api;            /* passthrough: enum vfio_api (0 auto: the cdev where present) */
};

struct dev_instance;

/* What a model can do (struct dev_model caps). */
#define DEV_CAP_DOORBELL_POLL 0x1u /* DEV_DOORBELL_POLL: doorbells on a polled shared page */
#define DEV_CAP_MSIX 0x2u          /* interrupts by MSI-X vectors */
#define DEV_CAP_MULTIQUEUE 0x4u    /* several RX/TX queue pairs */
#define DEV_CAP_PASSTHROUGH 0x8u   /* a real device (dev_config.vfio_dev), no network port */

struct dev_model {
	const char *name;        /* "e1000-emu" */
	const char *description;
	/* Creates and starts listening; NULL with a message in err. */
	struct dev_instance *(*create)(const struct dev_config *cfg, char *err, size_t errlen);
	void (*destroy)(struct dev_instance *d);
	/* Network port idx (< d->nports). */
	struct net_port *(*port)(struct dev_instance *d, unsigned idx);
	/* Writes the model's counters as a JSON object body ("k":v,...) or plain text. */
	void (*dump_stats)(struct dev_instance *d, FILE *out);
	/*
	 * Optional: the guest's steering rules in the backend-neutral form
	 * (net/flow.h: the VM's MAC ANDed in), for an uplink that offloads them;
	 * at most max into out (any order: each carries its priority); returns how many there
	 * are (more than max: the rest left out). *gen changes whenever the list
	 * does, so a caller re-syncs only then. On the instance's thread.
	 */
	unsigned (*flows)(struct dev_instance *d, struct net_flow *out, unsigned max, uint64_t *gen);
	uint32_t caps;           /* DEV_CAP_* */
	unsigned max_queues;     /* queue pairs dev_config.queues may ask for; 0: one, not settable */
};

/* The common head of every model's instance, filled in by its create(). */
struct dev_instance {
	const struct dev_model *model;
	struct pci_dev *pci;     /* the PCI function it serves over vfio-user */
	struct vfu_ctx *vfu;     /* its endpoint where there is no pci (passthrough) */
	uint16_t nports;         /* network ports (e1000: 1; passthrough: 0) */
	uint16_t nqueues;        /* RX/TX queue pairs over all ports */
	uint16_t nvectors;       /* MSI-X vectors (0: INTx only) */
};

/* Port 0, where a device has one. */
static inline struct net_port *dev_port(struct dev_instance *d)
{
	return d->model->port(d, 0);
}

const struct dev_model *dev_model_find(const char *name);
/* NULL-terminated list of all models. */
const struct dev_model *const *dev_models(void);

#endif
