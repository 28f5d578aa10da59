/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vmux's configuration: from the command line or a JSON file (json-c), into
 * one validated structure. Parsing never exits: errors come back as a message
 * naming the problem.
 */
#ifndef VMUX_CORE_CONFIG_H
#define VMUX_CORE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CFG_MAX_DEVICES 256
#define CFG_MAX_WORKERS 64
#define CFG_PATH_MAX 108 /* sun_path */
#define CFG_IFNAME_MAX 16 /* IFNAMSIZ */
#define CFG_MAX_PCAPS 16
#define CFG_MAX_QUEUES 16 /* --queues */
#define CFG_PCAP_PATH_MAX 4096
#define CFG_DEVARGS_MAX 256 /* --uplink dpdk:DEVARGS */
#define CFG_EAL_MAX_ARGS 32 /* EAL arguments after -- */
#define CFG_EAL_ARG_MAX 256
#define CFG_UPLINK_NAME_MAX 32

enum cfg_doorbell {
	CFG_DOORBELL_TRAP = 0, /* tail registers trapped: every doorbell is a vfio-user message */
	CFG_DOORBELL_POLL = 1, /* tail registers on a shared page that the worker polls */
};

struct cfg_device {
	char socket[CFG_PATH_MAX];
	char mode[32];
	char tap[CFG_IFNAME_MAX]; /* own tap (wired straight to it); "" = on the switch */
	bool has_mac;
	uint8_t mac[6];           /* final MAC after cfg_finalize() */
	uint16_t vlan;            /* access VLAN on the switch, 0 = untagged */
	bool allow_spoof;         /* may send from other MACs */
	bool allow_promisc;       /* may see others' unicast in promiscuous mode */
	int worker;               /* index into workers, -1 = automatic */
	enum cfg_doorbell doorbell;
	unsigned queues;          /* queue pairs (--queues, 1..CFG_MAX_QUEUES); 0 = the model's default */
	/*
	 * A listening socket handed over instead of binding `socket`: --fd N
	 * (socket is then "fd:N"), or one of systemd's LISTEN_FDS matched to
	 * the device (cfg_sockact_match()); -1 = none, bind `socket`.
	 */
	int fd;
	char vfio_dev[16];        /* -d BDF: the PCI function a passthrough device owns; "" = none */
};

/* A device socket "fd:NAME": a socket passed by the service manager, by name. */
#define CFG_FD_PREFIX "fd:"
bool cfg_socket_is_fd(const char *socket);

/* --metrics: where vmux serves GET /metrics (OpenMetrics) over HTTP. */
enum cfg_metrics_kind { CFG_METRICS_NONE = 0, CFG_METRICS_UNIX, CFG_METRICS_TCP };
struct cfg_metrics {
	enum cfg_metrics_kind kind;
	char path[CFG_PATH_MAX]; /* unix: the socket's path */
	char addr[64];           /* tcp: a numeric IPv4 or IPv6 address */
	uint16_t port;           /* tcp */
};
/* "unix:PATH" or "tcp:ADDR:PORT" ("tcp:[::1]:9100" for IPv6). 0, or -1 with err filled. */
int cfg_parse_metrics(struct cfg_metrics *m, const char *s, char *err, size_t errlen);

/* A capture started with vmux (--pcap PORT=FILE,...): see net/capture.h. */
struct cfg_pcap {
	char port[32];             /* "devN" or the uplink's tap name */
	char file[CFG_PCAP_PATH_MAX];
	uint64_t count;            /* frames, 0 = no limit */
	uint64_t max_bytes;        /* file size, 0 = default */
	uint32_t snaplen;          /* 0 = default */
};

/* --vfio-api / "vfio_api": how passthrough opens its devices (vfio/'s enum vfio_api). */
enum cfg_vfio_api { CFG_VFIO_AUTO = 0, CFG_VFIO_CDEV = 1, CFG_VFIO_GROUP = 2 };
/* "auto", "cdev", "group": 0 and *out set, or -1. */
int cfg_parse_vfio_api(const char *s, int *out);

struct vmux_config {
	struct cfg_device dev[CFG_MAX_DEVICES];
	unsigned ndev;
	char uplink_tap[CFG_IFNAME_MAX]; /* --uplink tap:NAME; "" = none */
	char uplink_dpdk[CFG_DEVARGS_MAX]; /* --uplink dpdk:DEVARGS; "" = none */
	/* The uplink's port name (the tap's, or DEVARGS up to its first ','); "" = no uplink. */
	char uplink_name[CFG_UPLINK_NAME_MAX];
	/* EAL arguments (after -- on the command line, "eal" in JSON); none: the defaults. */
	char eal[CFG_EAL_MAX_ARGS][CFG_EAL_ARG_MAX];
	unsigned neal;
	uint8_t base_mac[6];
	int log_level;                   /* enum log_level */
	int cpus[CFG_MAX_WORKERS];       /* one worker per entry, pinned; -1 = unpinned */
	unsigned nworkers;               /* 0 = everything on the main thread */
	char control[CFG_PATH_MAX];      /* control socket, "" = none */
	struct cfg_metrics metrics;      /* --metrics */
	uint64_t max_guest_ram;          /* bytes of guest RAM one client may map */
	int vfio_api;                    /* --vfio-api: enum cfg_vfio_api */
	struct cfg_pcap pcap[CFG_MAX_PCAPS];
	unsigned npcap;
	const char *config_file;
	char pending_vfio[16];           /* -d BDF given before any -s: for the next device */
	/* actions */
	bool help, version, list_modes;
};

void cfg_init(struct vmux_config *c);
/* Parses argv (repeated -s/-m/-t groups etc.). 0, or -1 with err filled. */
int cfg_parse_args(struct vmux_config *c, int argc, char **argv, char *err, size_t errlen);
/* Adds what a JSON config text describes. 0 or -1 with err filled. */
int cfg_parse_json(struct vmux_config *c, const char *text, char *err, size_t errlen);
int cfg_load_file(struct vmux_config *c, const char *path, char *err, size_t errlen);
/* Cross-checks and fills defaults (mode, MACs). 0 or -1 with err filled. */
int cfg_finalize(struct vmux_config *c, char *err, size_t errlen);

/*
 * "PORT=FILE[,count=N][,snaplen=N][,size=BYTES]" (a FILE cannot contain a
 * comma). 0, or -1 with err filled.
 */
int cfg_parse_pcap(struct cfg_pcap *p, const char *s, char *err, size_t errlen);

/*
 * The port a name means (after cfg_finalize): device i's port ("devI") → i,
 * the uplink (its name, cfg.uplink_name) → -1, anything else → -2.
 */
int cfg_port_index(const struct vmux_config *c, const char *name);

/*
 * A size: digits with an optional K, M, G or T suffix (powers of 1024; "KiB",
 * "MiB"... and "k" too). 0, or -1 if malformed or beyond 2^63.
 */
int cfg_parse_size(const char *s, uint64_t *out);
#define CFG_GUEST_RAM_DEFAULT (1ull << 40) /* 1 TiB */
#define CFG_GUEST_RAM_MIN (1ull << 20)

int cfg_parse_mac(const char *s, uint8_t mac[6]);
void cfg_format_mac(const uint8_t mac[6], char out[18]);

#endif
