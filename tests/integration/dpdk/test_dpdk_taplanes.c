/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vmux with lanes on a port with rte_flow: --uplink dpdk:net_tap0 (rte_flow
 * through TC flower; on a kernel without flower the rules are offered and
 * stay in software, which changes nothing checked here) and --workers 2,
 * VM 0 on worker 0, VM 1 on worker 1, in a netns of the test's own:
 *
 *   - the port gets two queue pairs (lanes) although the device has rte_flow;
 *   - `vmuxctl flows`: VM 0's MAC rule names RX queue 0 (the switch's), VM
 *     1's lane 1's queue 1, marked uplink_rxq_lane;
 *   - a reload taking VM 1 away takes its rule; bringing it back on worker 0
 *     gives it a rule naming queue 0, back on worker 1 queue 1 again.
 *
 * vmux's own flow sync runs every 200 ms: each check waits for it.
 * Usage: test_dpdk_taplanes VMUX VMUXCTL.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "itest.h"

#define NVM 2

static const char *vmux, *vmuxctl;
static bool in_own_netns;
static char dir[200], log_path[300], ctl_path[300], conf_path[300];
static char sock[NVM][300];
static pid_t vmux_pid = -1;

/* The devices' file: VMs 0..n-1, VM i on worker[i]. */
static int write_conf(int n, const int *worker)
{
	FILE *f = fopen(conf_path, "w");

	if (!f)
		return -1;
	fprintf(f, "{ \"devices\": [");
	for (int i = 0; i < n; i++)
		fprintf(f, "%s { \"socket\": \"%s\", \"worker\": %d, "
			"\"mac\": \"02:00:00:00:0e:%02x\" }", i ? "," : "", sock[i], worker[i], i);
	fprintf(f, " ] }\n");
	return fclose(f);
}

/* The reply of `vmuxctl CMD` (json_object_put it), or NULL. */
static struct json_object *ctl(const char *cmd)
{
	char line[700], *buf = calloc(1, 1 << 20);
	struct json_object *root;
	size_t n;
	FILE *f;

	assert_non_null(buf);
	snprintf(line, sizeof(line), "%s %s -c %s 2>/dev/null", vmuxctl, cmd, ctl_path);
	f = popen(line, "r");
	assert_non_null(f);
	n = fread(buf, 1, (1 << 20) - 1, f);
	pclose(f);
	buf[n] = 0;
	root = json_tokener_parse(buf);
	free(buf);
	return root;
}

/* VM name's MAC rule: its uplink_rxq (-1: no rule), whether marked a lane's. */
static int mac_rule_rxq(const char *name, bool *lane)
{
	struct json_object *root = ctl("flows"), *rules, *v;
	int q = -1;

	*lane = false;
	if (root && json_object_object_get_ex(root, "rules", &rules))
		for (size_t i = 0; i < json_object_array_length(rules); i++) {
			struct json_object *r = json_object_array_get_idx(rules, i);

			if (!json_object_object_get_ex(r, "vm", &v) ||
			    strcmp(json_object_get_string(v), name) ||
			    !json_object_object_get_ex(r, "kind", &v) ||
			    strcmp(json_object_get_string(v), "vm-mac"))
				continue;
			if (json_object_object_get_ex(r, "uplink_rxq", &v))
				q = json_object_get_int(v);
			if (json_object_object_get_ex(r, "uplink_rxq_lane", &v))
				*lane = json_object_get_boolean(v);
		}
	json_object_put(root);
	return q;
}

/* Waits up to 3 s (the flow sync's ticks) for VM name's MAC rule on queue want. */
static void expect_rxq(const char *name, int want, bool want_lane)
{
	bool lane = false;
	int q = -1;

	for (int t = 0; t < 3000; t += 50) {
		q = mac_rule_rxq(name, &lane);
		if (q == want && lane == want_lane)
			return;
		it_nap_ms(50);
	}
	fail_msg("%s: MAC rule on queue %d (lane %d), expected %d (lane %d)", name, q, lane, want,
		 want_lane);
}

static size_t switch_ports(void)
{
	struct json_object *root = ctl("switch"), *ports;
	size_t r = 0;

	if (root && json_object_object_get_ex(root, "ports", &ports))
		r = json_object_array_length(ports);
	json_object_put(root);
	return r;
}

static void reload_to(int ndev, const int *worker)
{
	assert_int_equal(write_conf(ndev, worker), 0);
	assert_int_equal(kill(vmux_pid, SIGHUP), 0);
	for (int t = 0; t < 3000 && switch_ports() != (size_t)ndev + 1; t += 20)
		it_nap_ms(20);
	assert_int_equal(switch_ports(), (size_t)ndev + 1);
}

static int group_setup(void **state)
{
	static const int workers[NVM] = { 0, 1 };
	char *argv[20], *socks[NVM];
	int a = 0;

	(void)state;
	if (!in_own_netns)
		return 0;
	if (it_mkdtemp(dir, sizeof(dir)))
		return -1;
	snprintf(log_path, sizeof(log_path), "%s/vmux.log", dir);
	snprintf(ctl_path, sizeof(ctl_path), "%s/ctl.sock", dir);
	snprintf(conf_path, sizeof(conf_path), "%s/vmux.json", dir);
	for (int i = 0; i < NVM; i++) {
		snprintf(sock[i], sizeof(sock[i]), "%s/vm%d.sock", dir, i);
		socks[i] = sock[i];
	}
	if (write_conf(NVM, workers) < 0)
		return -1;
	argv[a++] = (char *)vmux;
	argv[a++] = (char *)"--uplink";
	argv[a++] = (char *)"dpdk:net_tap0,iface=vdtl0";
	argv[a++] = (char *)"-b";
	argv[a++] = (char *)"02:00:00:00:0e:00";
	argv[a++] = (char *)"--control";
	argv[a++] = ctl_path;
	argv[a++] = (char *)"--workers";
	argv[a++] = (char *)"2";
	argv[a++] = (char *)"--config";
	argv[a++] = conf_path;
	argv[a] = NULL;
	vmux_pid = it_vmux_start(vmux, log_path, argv, socks, NVM);
	if (vmux_pid < 0) {
		it_dump_file(log_path);
		return -1;
	}
	/* The devices' sockets are up; the control socket may come a moment later. */
	for (int t = 0; t < 5000 && !it_sock_up(ctl_path); t += 20)
		it_nap_ms(20);
	return 0;
}

static int group_teardown(void **state)
{
	int rc = 0;

	(void)state;
	if (!in_own_netns)
		return 0;
	if (vmux_pid > 0 && it_vmux_check(it_vmux_stop(vmux_pid), log_path))
		rc = -1;
	if (dir[0])
		it_rmtree(dir);
	return rc;
}

/* Two queue pairs (lanes) on a device with rte_flow. */
static void test_taplanes_up(void **state)
{
	struct json_object *root, *ports, *v, *d;
	int64_t qp = -1;

	(void)state;
	if (!in_own_netns)
		skip();
	root = ctl("flows");
	assert_non_null(root);
	assert_true(json_object_object_get_ex(root, "rte_flow", &v));
	assert_true(json_object_get_boolean(v));
	json_object_put(root);
	root = ctl("switch");
	assert_non_null(root);
	assert_true(json_object_object_get_ex(root, "ports", &ports));
	for (size_t i = 0; i < json_object_array_length(ports); i++)
		if (json_object_object_get_ex(json_object_array_get_idx(ports, i), "dpdk", &d) &&
		    json_object_object_get_ex(d, "queue_pairs", &v))
			qp = json_object_get_int64(v);
	json_object_put(root);
	if (qp != 2)
		it_dump_file(log_path);
	assert_int_equal(qp, 2);
}

/* VM 0 (worker 0) on queue 0, VM 1 (worker 1) on lane 1's queue. */
static void test_taplanes_rules(void **state)
{
	(void)state;
	if (!in_own_netns)
		skip();
	expect_rxq("dev0", 0, false);
	expect_rxq("dev1", 1, true);
}

/* VM 1 away, back on worker 0 (queue 0), back on worker 1 (queue 1); VM 0 untouched. */
static void test_taplanes_move(void **state)
{
	static const int w0[NVM] = { 0, 0 }, w1[NVM] = { 0, 1 };
	bool lane;

	(void)state;
	if (!in_own_netns)
		skip();
	reload_to(1, w1);
	for (int t = 0; t < 3000 && mac_rule_rxq("dev1", &lane) != -1; t += 50)
		it_nap_ms(50);
	assert_int_equal(mac_rule_rxq("dev1", &lane), -1);
	reload_to(2, w0);
	expect_rxq("dev1", 0, false);
	reload_to(1, w1);
	reload_to(2, w1);
	expect_rxq("dev1", 1, true);
	expect_rxq("dev0", 0, false);
	assert_true(vmux_pid > 0 && waitpid(vmux_pid, NULL, WNOHANG) == 0);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_taplanes_up),
		cmocka_unit_test(test_taplanes_rules),
		cmocka_unit_test(test_taplanes_move),
	};

	if (argc != 3) {
		fprintf(stderr, "usage: %s VMUX VMUXCTL\n", argv[0]);
		return 2;
	}
	vmuxctl = argv[2];
	if (!it_vmux_main(2, argv, "test_dpdk_taplanes", &vmux, &in_own_netns))
		return 2;
	return cmocka_run_group_tests_name("dpdk_taplanes", tests, group_setup, group_teardown);
}
