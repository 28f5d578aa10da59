/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vmux's command line: --help, --list-modes, the configuration checked against the models. */
#include <stdio.h>

#include "core/log.h"
#include "net/dpdk.h"
#include "vmux/app.h"

#ifndef VMUX_VERSION
#define VMUX_VERSION "?"
#endif

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: vmux -s SOCKET [-m MODE] -t TAP [-s SOCKET ...] [options]\n"
		"       vmux --fd N [-m MODE] -t TAP [options]\n"
		"       vmux --uplink tap:TAP -s SOCKET [-m MODE] [-s SOCKET ...] [options]\n"
		"       vmux --uplink dpdk:DEVARGS -s SOCKET ... [options] [-- EAL ARGUMENTS]\n"
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
		"                       a socket with a live server behind it is an error); also\n"
		"                       --socket-path; fd:NAME: the passed socket named NAME\n"
		"      --fd N           a new device on listening socket N, inherited (the vfio-user\n"
		"                       backend convention; vmux neither binds nor removes it)\n"
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
		"                       gets N + 4 MSI-X vectors)\n"
		"  -d, --device BDF     -m passthrough: the PCI function (e.g. 0000:00:03.0, bound to\n"
		"                       vfio-pci, its IOMMU group viable) the VM drives with its own\n"
		"                       driver; vmux keeps config space, interrupts and DMA mappings\n"
		"                       (no tap, switch or MAC; given before the first -s, it is that\n"
		"                       device's). -d none: emulation\n"
		"\n"
		"Options:\n"
		"      --uplink tap:NAME  the switch's uplink: devices without -t share it through the\n"
		"                       switch (VM<->VM traffic stays inside vmux)\n"
		"      --uplink dpdk:DEVARGS  the switch's uplink is a DPDK port, polled by the switch's\n"
		"                       thread: a NIC's PCI address (bound to vfio-pci) or a virtual\n"
		"                       device with its arguments (net_af_packet0,iface=eth1, net_tap0,\n"
		"                       net_memif0,role=client,socket=..., net_ring0). The EAL's\n"
		"                       arguments follow a lone --; without any they are\n"
		"                         " DPDK_EAL_DEFAULTS " -l FIRST-CPU\n"
		"                       (no hugepages, no PCI: virtual devices only; a\n"
		"                       NIC needs hugepages and -a ADDRESS: see docs/CONFIG.md)\n"
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
		"      --metrics unix:PATH|tcp:ADDR:PORT\n"
		"                       serve GET /metrics (OpenMetrics text, as vmuxctl metrics prints)\n"
		"                       over HTTP for a Prometheus scraper, e.g. tcp:127.0.0.1:9100\n"
		"      --max-guest-ram SIZE  guest RAM one VM may map, all its mappings together\n"
		"                       (default 1T; K, M, G, T: powers of 1024); a DMA_MAP beyond it\n"
		"                       is refused\n"
		"      --vfio-api auto|cdev|group\n"
		"                       how -m passthrough opens its devices: VFIO's device cdev with\n"
		"                       iommufd (Linux 6.6+), the group API (type-1 v2), or (auto,\n"
		"                       the default) the cdev where the kernel offers it, else the group\n"
		"      --config FILE    read devices and options from a JSON file (see docs/CONFIG.md)\n"
		"  -q, --quiet          log warnings and errors only\n"
		"  -v, --verbose        log more (-v: debug, e.g. register accesses; -vv: trace)\n"
		"      --log-level L    err, warn, info, debug or trace\n"
		"      --list-modes     list device models and exit\n"
		"  -h, --help           this help\n"
		"  -V, --version        print the version\n"
		"\n"
		"As a service (dist/systemd/vmux.service.in, docs/CONFIG.md): vmux stays in the\n"
		"foreground; with NOTIFY_SOCKET it reports READY=1 once every device socket listens\n"
		"(sd_notify); sockets passed by socket activation (LISTEN_FDS, LISTEN_FDNAMES) go to\n"
		"the device whose socket is their path, or \"fd:NAME\" for the one named NAME; a passed\n"
		"socket no device takes is an error. SIGHUP re-reads the command line and --config:\n"
		"devices added and removed by socket, the others left running with their VMs; a\n"
		"configuration with an error is refused and the running one kept. SIGTERM or SIGINT:\n"
		"clean stop, exit 0.\n"
		"\n"
		"Examples:\n"
		"  ip tuntap add dev tap0 mode tap && ip link set tap0 up\n"
		"  vmux -s /run/vmux.sock -m e1000-emu -t tap0\n"
		"  vmux -d 0000:08:00.0 -s /run/vmux.sock -m passthrough\n"
		"  vmux --uplink tap:tap0 --control /run/vmux.ctl -s /run/vm1.sock -s /run/vm2.sock\n"
		"  vmux --uplink tap:tap0 -s /run/vm1.sock --pcap dev0=/var/tmp/vm1.pcap,count=10000\n"
		"  vmux --uplink dpdk:net_af_packet0,iface=eth1 -s /run/vm1.sock\n"
		"  vmux --cores 2 --uplink dpdk:0000:08:00.0 -s /run/vm1.sock -- -l 3 -a 0000:08:00.0\n");
}

static void list_modes(void)
{
	const struct dev_model *const *m = dev_models();
	for (unsigned i = 0; m[i]; i++)
		printf("%-12s %s\n", m[i]->name, m[i]->description);
}

int vmux_check_device(const struct cfg_device *d, unsigned i, char *err, size_t errlen)
{
	const struct dev_model *m = dev_model_find(d->mode);

	if (!m) {
		snprintf(err, errlen, "device %u (%s): unknown mode %s (vmux --list-modes)", i,
			 d->socket, d->mode);
		return -1;
	}
	if (d->doorbell == CFG_DOORBELL_POLL && !(m->caps & DEV_CAP_DOORBELL_POLL)) {
		snprintf(err, errlen, "device %u (%s): -m %s has no --doorbell poll; use trap", i,
			 d->socket, d->mode);
		return -1;
	}
	if (!!(m->caps & DEV_CAP_PASSTHROUGH) != !!d->vfio_dev[0]) {
		snprintf(err, errlen, "device %u (%s): %s", i, d->socket,
			 d->vfio_dev[0] ? "-d BDF is for -m passthrough"
					: "-m passthrough needs -d BDF (a PCI function bound to vfio-pci)");
		return -1;
	}
	if (d->queues > 1 && d->queues > m->max_queues) {
		snprintf(err, errlen, "device %u (%s): -m %s has at most %u queue pair%s", i,
			 d->socket, d->mode, m->max_queues ? m->max_queues : 1,
			 m->max_queues > 1 ? "s" : "");
		return -1;
	}
	return 0;
}

int vmux_cli(struct vmux_config *cfg, int argc, char **argv)
{
	char err[256] = "";

	cfg_init(cfg);
	if (cfg_parse_args(cfg, argc, argv, err, sizeof(err)) ||
	    cfg_finalize(cfg, err, sizeof(err))) {
		fprintf(stderr, "vmux: %s\nTry 'vmux --help'.\n", err);
		return 2;
	}
	if (cfg->help) {
		usage(stdout);
		return 0;
	}
	if (cfg->version) {
		printf("vmux " VMUX_VERSION "\n");
		return 0;
	}
	if (cfg->list_modes) {
		list_modes();
		return 0;
	}
	log_set_level((enum log_level)cfg->log_level);
	for (unsigned i = 0; i < cfg->ndev; i++) {
		if (!dev_model_find(cfg->dev[i].mode)) {
			fprintf(stderr, "vmux: -m %s: unknown mode; known modes:\n", cfg->dev[i].mode);
			list_modes();
			return 2;
		}
		if (vmux_check_device(&cfg->dev[i], i, err, sizeof(err))) {
			fprintf(stderr, "vmux: %s\n", err);
			return 2;
		}
	}
	return -1;
}
