/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The DPDK uplink (--uplink dpdk:DEVARGS) against a real vmux (the binary, in
 * a network namespace of its own: root only, else skipped) with NVM poll-mode
 * e1000 guests (the in-tree client) on its switch. One program, three setups
 * (argv: VMUX MODE VMUXCTL PEER):
 *
 *   ring      net_ring0, whose TX queue loops to its RX queue: what the VMs
 *             send goes out through the mbuf path and comes back in through
 *             the receive path, both counted by the device and the switch.
 *   afpacket  net_af_packet0 on one end of a veth pair; the test reads and
 *             writes the other end with a packet socket: VM -> uplink and
 *             uplink -> VM, every VM at once, and the counters.
 *   lanes     net_af_packet0 with two queue pairs and two workers: lane 1 on
 *             worker 1 delivers frames for its VM straight to it, hands the
 *             rest (another worker's VM, broadcast) to the switch.
 *   memif     net_memif0 (client) to dpdk_peer (the in-tree DPDK program,
 *             server) echoing frames back from a remote MAC: the round trip,
 *             and link down/up as the peer goes away and comes back.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "client/e1kg.h"
#include "itest.h"

#define NVM 4
#define RING 256u
#define TXCMD ((E1K_TXD_CMD_EOP | E1K_TXD_CMD_IFCS | E1K_TXD_CMD_RS) >> 24)
#define ETYPE 0x88b5
#define NFR 32u

static const char *vmux, *mode, *vmuxctl, *peer;
static int nvm = NVM; /* lanes: 2 */
static bool in_own_netns;
static char dir[200], log_path[300], ctl_path[300], memif_path[300], peer_ready[300];
static char sock[NVM][300], uplink_name[32];
static pid_t vmux_pid = -1, peer_pid = -1;
static int raw_fd = -1; /* afpacket: the veth's other end */

static const uint8_t REMOTE[6] = { 0x02, 0x00, 0x00, 0x00, 0xee, 0x01 };
static uint8_t MAC[NVM][6];

struct vm {
	struct e1kg g;
	int idx;
	uint64_t addr;
	uint32_t len;
};

static struct vm vms[NVM];

/* ---- the control socket ----------------------------------------------------------- */

/* The uplink's entry of `vmuxctl switch` (a new reference), or NULL. */
static struct json_object *uplink_json(void)
{
	char cmd[700], *buf = calloc(1, 1 << 20);
	struct json_object *root, *ports, *res = NULL;
	size_t n;
	FILE *f;

	assert_non_null(buf);
	snprintf(cmd, sizeof(cmd), "%s switch -c %s 2>/dev/null", vmuxctl, ctl_path);
	f = popen(cmd, "r");
	assert_non_null(f);
	n = fread(buf, 1, (1 << 20) - 1, f);
	pclose(f);
	buf[n] = 0;
	root = json_tokener_parse(buf);
	free(buf);
	if (!root)
		return NULL;
	if (json_object_object_get_ex(root, "ports", &ports))
		for (size_t i = 0; i < json_object_array_length(ports); i++) {
			struct json_object *p = json_object_array_get_idx(ports, i), *nm;

			if (json_object_object_get_ex(p, "name", &nm) &&
			    !strcmp(json_object_get_string(nm), uplink_name))
				res = json_object_get(p);
		}
	json_object_put(root);
	return res;
}

/* A counter of the uplink: "tx_pkts" (the switch's port) or "dpdk.dev_opackets". */
static uint64_t uplink_u64(const char *key)
{
	struct json_object *p = uplink_json(), *o = p, *v = NULL;
	const char *dot = strchr(key, '.');
	uint64_t r;

	assert_non_null(p);
	if (dot) {
		char k[32];

		snprintf(k, sizeof(k), "%.*s", (int)(dot - key), key);
		assert_true(json_object_object_get_ex(p, k, &o));
		key = dot + 1;
	}
	assert_true(json_object_object_get_ex(o, key, &v));
	r = json_object_is_type(v, json_type_boolean) ? (uint64_t)json_object_get_boolean(v)
						       : json_object_get_uint64(v);
	json_object_put(p);
	return r;
}

/* Waits up to ms for counter key to reach at least want; its last value. */
static uint64_t wait_u64(const char *key, uint64_t want, int ms)
{
	uint64_t v = 0;

	for (int t = 0; t <= ms; t += 20) {
		v = uplink_u64(key);
		if (v >= want)
			break;
		it_nap_ms(20);
	}
	return v;
}

/* ---- guests ------------------------------------------------------------------------- */

static void vm_open(struct vm *v, int idx)
{
	uint8_t f[1024]; /* past DPDK_ZEROCOPY_MIN: sent from the VM's buffer where the device allows */

	int r;

	/* The socket may still be busy with it_vmux_start's probe: vmux turns us away. */
	for (int i = 0;; i++) {
		r = e1kg_open(&v->g, sock[idx]);
		if ((r != -ECONNRESET && r != -EPIPE) || i == 100)
			break;
		e1kg_close(&v->g);
		it_nap_ms(10);
	}
	assert_int_equal(r, 0);
	v->idx = idx;
	e1kg_reset(&v->g);
	e1kg_tx_setup(&v->g, RING);
	e1kg_rx_setup(&v->g, RING, 2048, E1K_RCTL_BAM);
	v->len = e1kg_eth(f, REMOTE, MAC[idx], ETYPE, 1000, (uint8_t)idx);
	v->addr = e1kg_txbuf(&v->g, f, v->len);
}

/* Queues n copies of its frame to REMOTE (n < RING) and kicks. */
static void vm_send(struct vm *v, unsigned n)
{
	for (unsigned sent = 0; sent < n;) {
		uint32_t head = e1kg_rd(&v->g, E1K_TDH);
		uint32_t room = (head + RING - v->g.tx_tail - 1) % RING, k = n - sent;

		if (k > room)
			k = room;
		for (uint32_t i = 0; i < k; i++)
			e1kg_tx_legacy(&v->g, v->addr, (uint16_t)v->len, TXCMD, 0, 0, 0);
		if (k)
			e1kg_tx_kick(&v->g);
		sent += k;
		if (sent < n)
			it_nap_ms(1);
	}
}

/* Frames from REMOTE taken off its RX ring within ms (until want). */
static unsigned vm_recv(struct vm *v, unsigned want, int ms)
{
	static uint8_t buf[4096];
	unsigned n = 0;
	uint32_t len;

	for (int t = 0; t <= ms && n < want; t += 2) {
		while ((len = e1kg_rx_take(&v->g, buf, sizeof(buf), NULL)))
			if (len >= 14 && !memcmp(buf + 6, REMOTE, 6) && !memcmp(buf, MAC[v->idx], 6))
				n++;
		if (n < want)
			it_nap_ms(2);
	}
	return n;
}

/* ---- the other side ------------------------------------------------------------------ */

static pid_t peer_start(void)
{
	char vdev[400];
	pid_t pid;

	unlink(peer_ready);
	snprintf(vdev, sizeof(vdev), "net_memif0,role=server,socket=%s,socket-abstract=no",
		 memif_path);
	pid = fork();
	if (pid == 0) {
		char *argv[] = { (char *)peer, "echo", "--src", "02:00:00:00:ee:01", "--ready",
				 peer_ready, "--", "--no-huge", "-m", "64", "--no-pci",
				 "--no-telemetry", "--no-shconf", "-l", "0", "--vdev", vdev,
				 "--log-level", "error", NULL };
		int fd = open("/dev/null", O_WRONLY);

		if (fd >= 0)
			dup2(fd, 1);
		execv(peer, argv);
		_exit(127);
	}
	for (int i = 0; i < 500; i++) {
		struct stat st;

		if (stat(peer_ready, &st) == 0)
			return pid;
		it_nap_ms(10);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return -1;
}

static void peer_stop(void)
{
	if (peer_pid <= 0)
		return;
	kill(peer_pid, SIGTERM);
	waitpid(peer_pid, NULL, 0);
	peer_pid = -1;
}

static int raw_open(const char *ifname)
{
	struct sockaddr_ll a = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL) };
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK, htons(ETH_P_ALL));
	int rcvbuf = 4 << 20; /* the four VMs' 1014-byte frames at once (the default holds ~90) */

	if (fd < 0)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	a.sll_ifindex = (int)if_nametoindex(ifname);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Frames on the veth's other end from each VM to REMOTE within ms, into got[]. */
static void raw_count(unsigned got[NVM], unsigned want_each, int ms)
{
	uint8_t buf[2048];

	memset(got, 0, sizeof(unsigned) * NVM);
	for (int t = 0; t <= ms; t += 2) {
		ssize_t r;
		bool done = true;

		while ((r = recv(raw_fd, buf, sizeof(buf), 0)) > 0)
			for (int i = 0; i < NVM; i++)
				if (r >= 14 && !memcmp(buf, REMOTE, 6) && !memcmp(buf + 6, MAC[i], 6))
					got[i]++;
		for (int i = 0; i < NVM; i++)
			done &= got[i] >= want_each;
		if (done)
			return;
		it_nap_ms(2);
	}
}

/* ---- setup ----------------------------------------------------------------------------- */

static char conf_path[300];

/* lanes: the devices' file, with VMs 0..n-1 (VM i on worker i, its MAC given). */
static int write_conf(int n)
{
	FILE *f = fopen(conf_path, "w");

	if (!f)
		return -1;
	fprintf(f, "{ \"devices\": [");
	for (int i = 0; i < n; i++)
		fprintf(f, "%s { \"socket\": \"%s\", \"worker\": %d, "
			"\"mac\": \"02:00:00:00:0d:%02x\" }", i ? "," : "", sock[i], i, i);
	fprintf(f, " ] }\n");
	return fclose(f);
}

static int group_setup(void **state)
{
	char updev[400];
	char *argv[40];
	int a = 0;

	(void)state;
	if (!in_own_netns)
		return 0;
	if (it_mkdtemp(dir, sizeof(dir)))
		return -1;
	snprintf(log_path, sizeof(log_path), "%s/vmux.log", dir);
	snprintf(ctl_path, sizeof(ctl_path), "%s/ctl.sock", dir);
	snprintf(memif_path, sizeof(memif_path), "%s/memif.sock", dir);
	snprintf(peer_ready, sizeof(peer_ready), "%s/peer.ready", dir);
	for (int i = 0; i < nvm; i++) {
		snprintf(sock[i], sizeof(sock[i]), "%s/vm%d.sock", dir, i);
		memcpy(MAC[i], (uint8_t[6]){ 0x02, 0, 0, 0, 0x0d, (uint8_t)i }, 6);
	}
	if (!strcmp(mode, "ring")) {
		snprintf(updev, sizeof(updev), "dpdk:net_ring0");
	} else if (!strcmp(mode, "afpacket") || !strcmp(mode, "lanes")) {
		if (system("ip link add vdu0 type veth peer name vdu1 && ip link set vdu0 up && "
			   "ip link set vdu1 up") != 0)
			return -1;
		raw_fd = raw_open("vdu1");
		if (raw_fd < 0)
			return -1;
		/* No IPv6 on the veth: no neighbour discovery frames among the test's. */
		if (nvm == 2)
			(void)!system("sysctl -qw net.ipv6.conf.vdu0.disable_ipv6=1 "
				      "net.ipv6.conf.vdu1.disable_ipv6=1");
		snprintf(updev, sizeof(updev), "dpdk:net_af_packet0,iface=vdu0%s",
			 nvm == 2 ? ",qpairs=2" : "");
	} else {
		peer_pid = peer_start();
		if (peer_pid < 0)
			return -1;
		snprintf(updev, sizeof(updev),
			 "dpdk:net_memif0,role=client,socket=%s,socket-abstract=no", memif_path);
	}
	snprintf(uplink_name, sizeof(uplink_name), "%.*s", (int)strcspn(updev + 5, ","),
		 updev + 5);
	argv[a++] = (char *)vmux;
	argv[a++] = (char *)"--uplink";
	argv[a++] = updev;
	argv[a++] = (char *)"-b";
	argv[a++] = (char *)"02:00:00:00:0d:00";
	argv[a++] = (char *)"--control";
	argv[a++] = ctl_path;
	argv[a++] = (char *)"-v";
	if (!strcmp(mode, "lanes")) {
		/* Two workers: VM 0 on worker 0 (the switch's), VM 1 on worker 1 (lane 1). */
		argv[a++] = (char *)"--workers";
		argv[a++] = (char *)"2";
	}
	if (!strcmp(mode, "lanes")) {
		/* The devices in a file, so that a reload can take VM 1 away and bring it back. */
		snprintf(conf_path, sizeof(conf_path), "%s/vmux.json", dir);
		if (write_conf(2) < 0)
			return -1;
		argv[a++] = (char *)"--config";
		argv[a++] = conf_path;
	} else {
		for (int i = 0; i < nvm; i++) {
			argv[a++] = (char *)"-s";
			argv[a++] = sock[i];
		}
	}
	argv[a] = NULL;
	{
		char *socks[NVM];

		for (int i = 0; i < nvm; i++)
			socks[i] = sock[i];
		vmux_pid = it_vmux_start(vmux, log_path, argv, socks, nvm);
	}
	if (vmux_pid < 0) {
		it_dump_file(log_path);
		return -1;
	}
	for (int i = 0; i < nvm; i++)
		vm_open(&vms[i], i);
	return 0;
}

static int group_teardown(void **state)
{
	int rc = 0;

	(void)state;
	if (!in_own_netns)
		return 0;
	for (int i = 0; i < nvm; i++)
		e1kg_close(&vms[i].g);
	if (vmux_pid > 0 && it_vmux_check(it_vmux_stop(vmux_pid), log_path))
		rc = -1;
	peer_stop();
	if (raw_fd >= 0)
		close(raw_fd);
	if (!strcmp(mode, "afpacket") || !strcmp(mode, "lanes"))
		(void)!system("ip link del vdu0 2>/dev/null");
	if (dir[0])
		it_rmtree(dir);
	return rc;
}

/* ---- ring ------------------------------------------------------------------------------- */

/* Out through the mbuf path, back in through the receive path: counted on both sides. */
static void test_ring_loop(void **state)
{
	uint64_t out0, in0, fromdev0;

	(void)state;
	if (!in_own_netns)
		skip();
	assert_true(uplink_u64("dpdk.link_up"));
	out0 = uplink_u64("dpdk.dev_opackets");
	in0 = uplink_u64("dpdk.dev_ipackets");
	fromdev0 = uplink_u64("tx_pkts");
	vm_send(&vms[0], NFR);
	assert_true(wait_u64("dpdk.dev_opackets", out0 + NFR, 3000) >= out0 + NFR);
	assert_true(wait_u64("dpdk.dev_ipackets", in0 + NFR, 3000) >= in0 + NFR);
	/* The frames read back were handed to the switch (it then floods or drops them). */
	assert_true(wait_u64("tx_pkts", fromdev0 + NFR, 3000) >= fromdev0 + NFR);
	assert_int_equal(uplink_u64("dpdk.wr_full") + uplink_u64("dpdk.wr_nombuf"), 0);
	/* The ring's peer takes the mbufs themselves: copies, never the VM's buffers. */
	assert_false(uplink_u64("dpdk.tx_zerocopy"));
	assert_int_equal(uplink_u64("dpdk.wr_zerocopy"), 0);
	/* ... and what it receives are those mbufs (not ours): copied into packets. */
	assert_false(uplink_u64("dpdk.rx_zerocopy"));
	assert_int_equal(uplink_u64("dpdk.rd_zerocopy"), 0);
}

/*
 * vmux started with args (NULL-ended) fails: status 1, DPDK's own messages in
 * vmux's log format, and vmux's last line ("vmux: --uplink ...") names the
 * DPDK line that says why (want).
 */
static void start_fails(const char *want_log, const char *want, const char *const *args)
{
	char out[400], *argv[16], *last, *nl;
	static char buf[1 << 16];
	unsigned n = 0;
	int st, fd;
	ssize_t len;
	pid_t pid;

	snprintf(out, sizeof(out), "%s/start.err", dir);
	argv[n++] = (char *)vmux;
	while (*args && n < 15)
		argv[n++] = (char *)*args++;
	argv[n] = NULL;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd < 0 || dup2(fd, 2) < 0 || dup2(fd, 1) < 0)
			_exit(127);
		execv(vmux, argv);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	fd = open(out, O_RDONLY);
	assert_true(fd >= 0);
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	assert_true(len > 0);
	buf[len] = '\0';
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 1 || !strstr(buf, want_log))
		fail_msg("status 0x%x, want 1 and \"%s\" in:\n%s", st, want_log, buf);
	last = strstr(buf, "vmux: --uplink dpdk:");
	assert_non_null(last);
	nl = strchr(last, '\n');
	if (nl)
		*nl = '\0';
	if (!strstr(last, want))
		fail_msg("\"%s\" not in vmux's message: %s", want, last);
}

/* EAL arguments it refuses, a device that cannot be probed: the reason, from DPDK's log. */
static void test_ring_start_errors(void **state)
{
	char s0[320];

	(void)state;
	if (!in_own_netns)
		skip();
	snprintf(s0, sizeof(s0), "%s/bad.sock", dir);
	start_fails("vmux[err] dpdk: EAL: lcore 127 unavailable", "EAL: lcore 127 unavailable",
		    (const char *[]){ "-s", s0, "--uplink", "dpdk:net_ring0", "--", "--no-huge",
				      "--no-shconf", "-l", "127", NULL });
	start_fails("vmux[err] dpdk: ", "SIOCGIFINDEX",
		    (const char *[]){ "-s", s0, "--uplink",
				      "dpdk:net_af_packet0,iface=vmuxnosuch0", NULL });
}

/* ---- af_packet --------------------------------------------------------------------------- */

/* NFR frames from every VM, each VM's all on the veth. */
static void all_vms_to_veth(const char *when)
{
	unsigned got[NVM];

	for (int i = 0; i < NVM; i++)
		vm_send(&vms[i], NFR);
	raw_count(got, NFR, 3000);
	for (int i = 0; i < NVM; i++)
		if (got[i] != NFR)
			fail_msg("VM %d -> uplink%s: %u of %u frames on the veth", i, when, got[i],
				 NFR);
}

static void test_afpacket_vm_to_uplink(void **state)
{
	(void)state;
	if (!in_own_netns)
		skip();
	all_vms_to_veth("");
}

static void test_afpacket_uplink_to_vm(void **state)
{
	uint8_t f[64];

	(void)state;
	if (!in_own_netns)
		skip();
	for (int i = 0; i < NVM; i++) {
		uint32_t len = e1kg_eth(f, MAC[i], REMOTE, ETYPE, 46, 0x77);

		for (unsigned k = 0; k < NFR; k++)
			assert_int_equal(send(raw_fd, f, len, 0), (ssize_t)len);
	}
	for (int i = 0; i < NVM; i++) {
		unsigned n = vm_recv(&vms[i], NFR, 3000);

		if (n != NFR)
			fail_msg("uplink -> VM %d: %u of %u frames", i, n, NFR);
	}
}

/* Whether the file at path has s in it. */
static bool file_has(const char *path, const char *s)
{
	static char buf[1 << 20];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return strstr(buf, s) != NULL;
}

/*
 * Priority-tagged frames from the wire (the kernel hands af_packet the tag
 * beside the frame): the uplink is untagged and no trunk, so the switch drops
 * each as a VLAN drop and VM 0 sees none, on either receive path. Into lent
 * packets the tag stays beside the frame (the strip offload): without it
 * DPDK's driver tried to put it back into a buffer it may not grow and
 * logged that for every frame.
 */
static void test_afpacket_tagged_dropped(void **state)
{
	uint8_t f[80], t[84];
	uint32_t len;
	uint64_t drops0;

	(void)state;
	if (!in_own_netns)
		skip();
	drops0 = uplink_u64("drops.vlan");
	len = e1kg_eth(f, MAC[0], REMOTE, ETYPE, 46, 0x5a);
	memcpy(t, f, 12);
	memcpy(t + 12, (uint8_t[4]){ 0x81, 0x00, 0x60, 0x00 }, 4); /* PCP 3, VID 0 */
	memcpy(t + 16, f + 12, len - 12);
	for (unsigned k = 0; k < NFR; k++)
		assert_int_equal(send(raw_fd, t, len + 4, 0), (ssize_t)len + 4);
	assert_true(wait_u64("drops.vlan", drops0 + NFR, 3000) >= drops0 + NFR);
	assert_int_equal(vm_recv(&vms[0], 1, 100), 0);
	assert_false(file_has(log_path, "reinsert VLAN"));
}

/* After both: the device's counters and the switch port's agree with what went through. */
static void test_afpacket_counters(void **state)
{
	(void)state;
	if (!in_own_netns)
		skip();
	assert_true(uplink_u64("dpdk.dev_opackets") >= NVM * NFR);
	assert_true(uplink_u64("dpdk.dev_ipackets") >= NVM * NFR);
	assert_true(uplink_u64("rx_pkts") >= NVM * NFR); /* the switch to the device */
	assert_true(uplink_u64("tx_pkts") >= NVM * NFR); /* the device to the switch */
	assert_true(uplink_u64("dpdk.link_up"));
	assert_int_equal(uplink_u64("dpdk.errors"), 0);
	/* AF_PACKET copies each frame into its ring: they left from the VMs' own buffers. */
	assert_true(uplink_u64("dpdk.tx_zerocopy"));
	assert_true(uplink_u64("dpdk.wr_zerocopy") >= NVM * NFR);
	/* ... and writes what it reads into our packets: passed on without a copy. */
	assert_true(uplink_u64("dpdk.rx_zerocopy"));
	assert_true(uplink_u64("dpdk.rd_zerocopy") >= NVM * NFR);
}

/*
 * The veth's far end goes down (the carrier of vmux's end with it): the
 * uplink's link follows, the VMs' frames stop at it, counted; up again,
 * frames pass both ways.
 */
static void test_afpacket_link_down_up(void **state)
{
	uint64_t changes, out;

	(void)state;
	if (!in_own_netns)
		skip();
	assert_true(uplink_u64("dpdk.link_up"));
	changes = uplink_u64("dpdk.link_changes");
	assert_int_equal(system("ip link set vdu1 down"), 0);
	for (int t = 0; t < 3000 && uplink_u64("dpdk.link_up"); t += 20)
		it_nap_ms(20);
	assert_false(uplink_u64("dpdk.link_up"));
	assert_int_equal(uplink_u64("dpdk.link_changes"), changes + 1);
	out = uplink_u64("dpdk.dev_opackets");
	vm_send(&vms[0], NFR);
	it_nap_ms(200);
	assert_int_equal(uplink_u64("dpdk.dev_opackets"), out);
	assert_int_equal(system("ip link set vdu1 up"), 0);
	assert_true(wait_u64("dpdk.link_up", 1, 3000));
	assert_int_equal(uplink_u64("dpdk.link_changes"), changes + 2);
	all_vms_to_veth(" after link up");
}

/* The interface under the port is deleted: vmux keeps running and answering, VMs keep sending. */
static void test_afpacket_iface_gone(void **state)
{
	uint64_t before;

	(void)state;
	if (!in_own_netns)
		skip();
	assert_int_equal(system("ip link del vdu0"), 0);
	before = uplink_u64("rx_pkts") + uplink_u64("rx_drops");
	for (int i = 0; i < NVM; i++)
		vm_send(&vms[i], NFR);
	/* handed to the port (sent into nothing, or refused and counted) */
	assert_true(wait_u64("rx_pkts", 0, 100) + uplink_u64("rx_drops") >= before);
	it_nap_ms(300);
	assert_true(vmux_pid > 0 && waitpid(vmux_pid, NULL, WNOHANG) == 0);
	/* Read from the kernel: the interface is gone, so is the link. */
	for (int t = 0; t < 3000 && uplink_u64("dpdk.link_up"); t += 20)
		it_nap_ms(20);
	assert_false(uplink_u64("dpdk.link_up"));
	/* Another interface of that name is not the port's (its sockets stay bound to the old). */
	assert_int_equal(system("ip link add vdu0 type veth peer name vdu1 && ip link set vdu0 up && "
				"ip link set vdu1 up"), 0);
	it_nap_ms(500);
	assert_false(uplink_u64("dpdk.link_up"));
	{
		struct json_object *p = uplink_json();

		assert_non_null(p);
		json_object_put(p);
	}
}

/* ---- lanes ------------------------------------------------------------------------------ */

/*
 * net_af_packet0 with two queue pairs (qpairs=2: two AF_PACKET sockets in one
 * fanout group, which picks a socket by the frame's flow hash) and two
 * workers: queue pair 1 is worker 1's lane, VM 1 is on worker 1, VM 0 on
 * worker 0 with the switch. Which UDP source port lands on which queue is
 * found first (a frame for VM 1 that arrives and moves the lane's "direct"
 * came in on queue 1), then every case is sent on a queue known.
 */
static uint16_t port_q[2];
/* (The switch's uplink port counts frames from the device as rx_*, to it as tx_*.) */ /* a UDP source port whose frames land on queue 0, 1 */

/* Counter key of lane 1 in `vmuxctl switch` (the uplink's dpdk.lanes[0]). */
static uint64_t lane_u64(const char *key)
{
	struct json_object *p = uplink_json(), *d, *a, *v;
	uint64_t r;

	assert_non_null(p);
	assert_true(json_object_object_get_ex(p, "dpdk", &d));
	assert_true(json_object_object_get_ex(d, "lanes", &a));
	assert_int_equal(json_object_array_length(a), 1);
	assert_true(json_object_object_get_ex(json_object_array_get_idx(a, 0), key, &v));
	r = json_object_is_type(v, json_type_boolean) ? (uint64_t)json_object_get_boolean(v)
						       : json_object_get_uint64(v);
	json_object_put(p);
	return r;
}

/* n UDP frames REMOTE -> dst (IPv4 10.9.0.1:sport -> 10.9.0.2:9) onto the veth. */
static void raw_send_udp(const uint8_t dst[6], uint16_t sport, unsigned n)
{
	uint8_t f[60] = { 0 };

	memcpy(f, dst, 6);
	memcpy(f + 6, REMOTE, 6);
	f[12] = 0x08;
	f[14] = 0x45;
	f[17] = 46; /* IP total length */
	f[22] = 64;
	f[23] = 17;
	memcpy(f + 26, (uint8_t[8]){ 10, 9, 0, 1, 10, 9, 0, 2 }, 8);
	f[34] = (uint8_t)(sport >> 8);
	f[35] = (uint8_t)sport;
	f[37] = 9;
	f[39] = 26; /* UDP length */
	for (unsigned k = 0; k < n; k++)
		assert_int_equal(send(raw_fd, f, sizeof(f), 0), (ssize_t)sizeof(f));
}

static void test_lanes_up(void **state)
{
	bool found[2] = { false, false };

	(void)state;
	if (!in_own_netns)
		skip();
	assert_int_equal(uplink_u64("dpdk.queue_pairs"), 2);
	assert_int_equal(lane_u64("worker"), 1);
	assert_int_equal(lane_u64("queue"), 1);
	assert_true(lane_u64("direct_on"));
	for (uint16_t sport = 1000; sport < 1200 && !(found[0] && found[1]); sport++) {
		uint64_t direct = lane_u64("direct");

		raw_send_udp(MAC[1], sport, 1);
		if (vm_recv(&vms[1], 1, 2000) != 1)
			fail_msg("a frame for VM 1 (UDP source port %u) never arrived", sport);
		unsigned q = lane_u64("direct") > direct ? 1 : 0;

		if (!found[q]) {
			found[q] = true;
			port_q[q] = sport;
		}
	}
	if (!found[0] || !found[1])
		fail_msg("no UDP source port found for queue %d", found[0] ? 1 : 0);
}

/* For VM 1 on queue 1: through the lane, straight to the VM; the switch's uplink port sees none. */
static void test_lanes_rx_direct(void **state)
{
	uint64_t direct, sw_in, handed;

	(void)state;
	if (!in_own_netns)
		skip();
	direct = lane_u64("direct");
	handed = lane_u64("handed");
	sw_in = uplink_u64("rx_pkts");
	raw_send_udp(MAC[1], port_q[1], NFR);
	assert_int_equal(vm_recv(&vms[1], NFR, 3000), NFR);
	assert_int_equal(lane_u64("direct"), direct + NFR);
	assert_int_equal(lane_u64("handed"), handed);
	assert_int_equal(uplink_u64("rx_pkts"), sw_in);
	assert_int_equal(lane_u64("direct_drops"), 0);
}

/* For VM 1 on queue 0: the switch's uplink port reads it, the switch sends it across. */
static void test_lanes_rx_queue0(void **state)
{
	uint64_t direct, sw_in;

	(void)state;
	if (!in_own_netns)
		skip();
	direct = lane_u64("direct");
	sw_in = uplink_u64("rx_pkts");
	raw_send_udp(MAC[1], port_q[0], NFR);
	assert_int_equal(vm_recv(&vms[1], NFR, 3000), NFR);
	assert_int_equal(lane_u64("direct"), direct);
	assert_int_equal(uplink_u64("rx_pkts"), sw_in + NFR);
}

/* For VM 0 (worker 0) on lane 1's queue: handed to the switch, which delivers it. */
static void test_lanes_rx_other_worker(void **state)
{
	uint64_t direct, handed, sw_in;

	(void)state;
	if (!in_own_netns)
		skip();
	direct = lane_u64("direct");
	handed = lane_u64("handed");
	sw_in = uplink_u64("rx_pkts");
	raw_send_udp(MAC[0], port_q[1], NFR);
	assert_int_equal(vm_recv(&vms[0], NFR, 3000), NFR);
	assert_int_equal(lane_u64("handed"), handed + NFR);
	assert_int_equal(lane_u64("direct"), direct);
	assert_int_equal(uplink_u64("rx_pkts"), sw_in + NFR);
	assert_int_equal(uplink_u64("dpdk.from_lanes"), lane_u64("handed"));
}

/* Broadcast on lane 1's queue: handed to the switch, flooded to both VMs. */
static void test_lanes_broadcast(void **state)
{
	static const uint8_t BC[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	uint64_t handed;
	uint8_t buf[2048];

	(void)state;
	if (!in_own_netns)
		skip();
	handed = lane_u64("handed");
	raw_send_udp(BC, port_q[1], NFR);
	for (int i = 0; i < 2; i++) {
		unsigned n = 0;

		for (int t = 0; t <= 3000 && n < NFR; t += 2) {
			uint32_t len;

			while ((len = e1kg_rx_take(&vms[i].g, buf, sizeof(buf), NULL)))
				n += len >= 14 && !memcmp(buf, BC, 6) && !memcmp(buf + 6, REMOTE, 6);
			if (n < NFR)
				it_nap_ms(2);
		}
		if (n != NFR)
			fail_msg("broadcast on queue 1 -> VM %d: %u of %u", i, n, NFR);
	}
	assert_int_equal(lane_u64("handed"), handed + NFR);
}

/*
 * VMs to the uplink, on the wire: VM 1's leave through lane 1 (TX queue 1;
 * "out"), VM 0's through the switch (its uplink port's tx_pkts).
 */
static void test_lanes_vm_to_uplink(void **state)
{
	unsigned got[NVM];
	uint64_t out, sw_out;

	(void)state;
	if (!in_own_netns)
		skip();
	out = lane_u64("out");
	sw_out = uplink_u64("tx_pkts");
	for (int i = 0; i < 2; i++)
		vm_send(&vms[i], NFR);
	raw_count(got, NFR, 3000);
	for (int i = 0; i < 2; i++)
		if (got[i] != NFR)
			fail_msg("VM %d -> uplink: %u of %u frames on the veth", i, got[i], NFR);
	assert_int_equal(lane_u64("out"), out + NFR);
	assert_int_equal(lane_u64("out_drops"), 0);
	assert_int_equal(uplink_u64("tx_pkts"), sw_out + NFR);
}

/* VM 1 to VM 0's MAC: the switch's (a VM's MAC never leaves through a lane). */
static void test_lanes_vm_to_vm(void **state)
{
	uint8_t f[128], buf[2048];
	uint64_t out, addr = vms[1].addr;
	uint32_t len = vms[1].len;
	unsigned n = 0;

	(void)state;
	if (!in_own_netns)
		skip();
	out = lane_u64("out");
	vms[1].len = e1kg_eth(f, MAC[0], MAC[1], ETYPE, 60, 0x55);
	vms[1].addr = e1kg_txbuf(&vms[1].g, f, vms[1].len);
	vm_send(&vms[1], NFR);
	vms[1].addr = addr;
	vms[1].len = len;
	for (int t = 0; t <= 3000 && n < NFR; t += 2) {
		uint32_t l;

		while ((l = e1kg_rx_take(&vms[0].g, buf, sizeof(buf), NULL)))
			n += l >= 14 && !memcmp(buf, MAC[0], 6) && !memcmp(buf + 6, MAC[1], 6);
		if (n < NFR)
			it_nap_ms(2);
	}
	assert_int_equal(n, NFR);
	assert_int_equal(lane_u64("out"), out);
}

/*
 * A capture on VM 1's port: the lane hands even VM 1's frames to the switch,
 * which records them; all arrive. Stopped: straight to the VM again.
 */
static void test_lanes_capture(void **state)
{
	char cmd[900], pcap[300];
	uint64_t direct, handed;
	struct stat st;

	(void)state;
	if (!in_own_netns)
		skip();
	snprintf(pcap, sizeof(pcap), "%s/vm1.pcap", dir);
	snprintf(cmd, sizeof(cmd), "%s capture start dev1 %s -c %s >/dev/null", vmuxctl, pcap,
		 ctl_path);
	assert_int_equal(system(cmd), 0);
	assert_false(lane_u64("direct_on"));
	direct = lane_u64("direct");
	handed = lane_u64("handed");
	raw_send_udp(MAC[1], port_q[1], NFR);
	assert_int_equal(vm_recv(&vms[1], NFR, 3000), NFR);
	assert_int_equal(lane_u64("direct"), direct);
	assert_int_equal(lane_u64("handed"), handed + NFR);
	snprintf(cmd, sizeof(cmd), "%s capture stop dev1 -c %s >/dev/null", vmuxctl, ctl_path);
	assert_int_equal(system(cmd), 0);
	/* 24-byte header and 16 + 60 per frame: the switch's path recorded them all. */
	assert_int_equal(stat(pcap, &st), 0);
	assert_true(st.st_size >= 24 + (off_t)NFR * (16 + 60));
	assert_true(lane_u64("direct_on"));
	raw_send_udp(MAC[1], port_q[1], NFR);
	assert_int_equal(vm_recv(&vms[1], NFR, 3000), NFR);
	assert_int_equal(lane_u64("direct"), direct + NFR);
}

/* The switch's ports (uplink and VMs) in `vmuxctl switch`. */
static size_t switch_ports(void)
{
	char cmd[700], *buf = calloc(1, 1 << 20);
	struct json_object *root, *ports;
	size_t n, r = 0;
	FILE *f;

	assert_non_null(buf);
	snprintf(cmd, sizeof(cmd), "%s switch -c %s 2>/dev/null", vmuxctl, ctl_path);
	f = popen(cmd, "r");
	assert_non_null(f);
	n = fread(buf, 1, (1 << 20) - 1, f);
	pclose(f);
	buf[n] = 0;
	root = json_tokener_parse(buf);
	free(buf);
	if (root && json_object_object_get_ex(root, "ports", &ports))
		r = json_object_array_length(ports);
	json_object_put(root);
	return r;
}

static void reload_to(int ndev)
{
	assert_int_equal(write_conf(ndev), 0);
	assert_int_equal(kill(vmux_pid, SIGHUP), 0);
	for (int t = 0; t < 3000 && switch_ports() != (size_t)ndev + 1; t += 20)
		it_nap_ms(20);
	assert_int_equal(switch_ports(), (size_t)ndev + 1);
}

/*
 * A reload takes VM 1 away: lane 1 forgets it (its MAC's frames go to the
 * switch, which has nowhere to send them) and VM 0 is not disturbed, on lane
 * 1's queue and to the uplink. Another brings it back: straight to it again.
 */
static void test_lanes_reload(void **state)
{
	uint64_t direct, handed, out;
	unsigned got[NVM];

	(void)state;
	if (!in_own_netns)
		skip();
	e1kg_close(&vms[1].g);
	reload_to(1);
	direct = lane_u64("direct");
	handed = lane_u64("handed");
	raw_send_udp(MAC[1], port_q[1], NFR);
	raw_send_udp(MAC[0], port_q[1], NFR);
	assert_int_equal(vm_recv(&vms[0], NFR, 3000), NFR);
	for (int t = 0; t < 2000 && lane_u64("handed") < handed + 2 * NFR; t += 20)
		it_nap_ms(20);
	assert_int_equal(lane_u64("handed"), handed + 2 * NFR);
	assert_int_equal(lane_u64("direct"), direct);
	vm_send(&vms[0], NFR);
	raw_count(got, NFR, 3000);
	assert_int_equal(got[0], NFR);
	reload_to(2);
	vm_open(&vms[1], 1);
	raw_send_udp(MAC[1], port_q[1], NFR);
	assert_int_equal(vm_recv(&vms[1], NFR, 3000), NFR);
	assert_int_equal(lane_u64("direct"), direct + NFR);
	out = lane_u64("out");
	vm_send(&vms[1], NFR);
	raw_count(got, NFR, 3000);
	assert_int_equal(got[1], NFR);
	assert_int_equal(lane_u64("out"), out + NFR);
	assert_true(vmux_pid > 0 && waitpid(vmux_pid, NULL, WNOHANG) == 0);
}

/* VM 1's client goes away: its frames are dropped, VM 0's keep arriving through lane 1. */
static void test_lanes_vm_leaves(void **state)
{
	uint64_t handed;

	(void)state;
	if (!in_own_netns)
		skip();
	e1kg_close(&vms[1].g);
	it_nap_ms(100);
	raw_send_udp(MAC[1], port_q[1], NFR);
	handed = lane_u64("handed");
	raw_send_udp(MAC[0], port_q[1], NFR);
	assert_int_equal(vm_recv(&vms[0], NFR, 3000), NFR);
	assert_int_equal(lane_u64("handed"), handed + NFR);
	assert_true(vmux_pid > 0 && waitpid(vmux_pid, NULL, WNOHANG) == 0);
	vm_open(&vms[1], 1); /* back, for the teardown */
	raw_send_udp(MAC[1], port_q[1], NFR);
	assert_int_equal(vm_recv(&vms[1], NFR, 3000), NFR);
}

/* ---- memif ------------------------------------------------------------------------------- */

static void echo_all(unsigned n)
{
	for (int i = 0; i < NVM; i++)
		vm_send(&vms[i], n);
	for (int i = 0; i < NVM; i++) {
		unsigned got = vm_recv(&vms[i], n, 3000);

		if (got != n)
			fail_msg("VM %d -> peer -> VM %d: %u of %u frames", i, i, got, n);
	}
}

static void test_memif_echo(void **state)
{
	(void)state;
	if (!in_own_netns)
		skip();
	assert_true(wait_u64("dpdk.link_up", 1, 3000));
	echo_all(NFR);
	/* memif (copy mode) copies each frame out: sent from the VMs' own buffers. */
	assert_true(uplink_u64("dpdk.tx_zerocopy"));
	assert_true(uplink_u64("dpdk.wr_zerocopy") >= NVM * NFR);
	/* ... and writes what it reads into our packets: passed on without a copy. */
	assert_true(uplink_u64("dpdk.rx_zerocopy"));
	assert_true(uplink_u64("dpdk.rd_zerocopy") >= NVM * NFR);
}

/* The peer goes away: link down, frames dropped and counted; it comes back: link up. */
static void test_memif_link_down_up(void **state)
{
	uint64_t changes, sent;

	(void)state;
	if (!in_own_netns)
		skip();
	changes = uplink_u64("dpdk.link_changes");
	peer_stop();
	for (int t = 0; t < 3000 && uplink_u64("dpdk.link_up"); t += 20)
		it_nap_ms(20);
	assert_false(uplink_u64("dpdk.link_up"));
	assert_true(uplink_u64("dpdk.link_changes") > changes);
	/* Dropped before the device (by the switch, or by the port: rx_drops). */
	sent = uplink_u64("dpdk.dev_opackets");
	vm_send(&vms[0], NFR);
	it_nap_ms(200);
	assert_int_equal(uplink_u64("dpdk.dev_opackets"), sent);
	peer_pid = peer_start();
	assert_true(peer_pid > 0);
	assert_true(wait_u64("dpdk.link_up", 1, 15000));
	assert_true(uplink_u64("dpdk.restarts") > 0); /* memif connects only when started */
	echo_all(NFR);
	assert_true(vmux_pid > 0 && waitpid(vmux_pid, NULL, WNOHANG) == 0);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest ring[] = {
		cmocka_unit_test(test_ring_loop),
		cmocka_unit_test(test_ring_start_errors),
	};
	const struct CMUnitTest afpacket[] = {
		cmocka_unit_test(test_afpacket_vm_to_uplink),
		cmocka_unit_test(test_afpacket_uplink_to_vm),
		cmocka_unit_test(test_afpacket_tagged_dropped),
		cmocka_unit_test(test_afpacket_counters),
		cmocka_unit_test(test_afpacket_link_down_up),
		cmocka_unit_test(test_afpacket_iface_gone),
	};
	const struct CMUnitTest lanes[] = {
		cmocka_unit_test(test_lanes_up),
		cmocka_unit_test(test_lanes_rx_direct),
		cmocka_unit_test(test_lanes_rx_queue0),
		cmocka_unit_test(test_lanes_rx_other_worker),
		cmocka_unit_test(test_lanes_broadcast),
		cmocka_unit_test(test_lanes_vm_to_uplink),
		cmocka_unit_test(test_lanes_vm_to_vm),
		cmocka_unit_test(test_lanes_capture),
		cmocka_unit_test(test_lanes_vm_leaves),
		cmocka_unit_test(test_lanes_reload),
	};
	const struct CMUnitTest memif[] = {
		cmocka_unit_test(test_memif_echo),
		cmocka_unit_test(test_memif_link_down_up),
	};

	if (argc != 5) {
		fprintf(stderr, "usage: %s VMUX ring|afpacket|lanes|memif VMUXCTL DPDK_PEER\n",
			argv[0]);
		return 2;
	}
	mode = argv[2];
	vmuxctl = argv[3];
	peer = argv[4];
	if (!it_vmux_main(2, argv, "test_dpdk_uplink", &vmux, &in_own_netns))
		return 2;
	if (!strcmp(mode, "ring"))
		return cmocka_run_group_tests_name("dpdk_ring", ring, group_setup, group_teardown);
	if (!strcmp(mode, "afpacket"))
		return cmocka_run_group_tests_name("dpdk_afpacket", afpacket, group_setup,
						   group_teardown);
	if (!strcmp(mode, "lanes")) {
		nvm = 2;
		return cmocka_run_group_tests_name("dpdk_lanes_vmux", lanes, group_setup,
						   group_teardown);
	}
	return cmocka_run_group_tests_name("dpdk_memif", memif, group_setup, group_teardown);
}
