/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Configuration: command line and JSON into one validated structure, with clear errors. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "core/config.h"
#include "core/log.h"

static struct vmux_config cfg;
static char err[256];

static int args(const char *first, ...)
{
	char *argv[64] = { "vmux" };
	int argc = 1;
	va_list ap;
	va_start(ap, first);
	for (const char *a = first; a; a = va_arg(ap, const char *))
		argv[argc++] = (char *)a;
	va_end(ap);
	cfg_init(&cfg);
	err[0] = '\0';
	if (cfg_parse_args(&cfg, argc, argv, err, sizeof(err)))
		return -1;
	return cfg_finalize(&cfg, err, sizeof(err));
}

static void test_seed_style(void **state)
{
	assert_int_equal(args("-s", "/tmp/a.sock", "-m", "e1000-emu", "-t", "tap0", NULL), 0);
	assert_int_equal(cfg.ndev, 1);
	assert_string_equal(cfg.dev[0].socket, "/tmp/a.sock");
	assert_string_equal(cfg.dev[0].tap, "tap0");
	assert_memory_equal(cfg.dev[0].mac, "\x52\x54\x00\xfa\x00\x60", 6);
	/* groups: each -s starts a device; MACs base+i; default mode */
	assert_int_equal(args("-s", "/a", "-t", "t0", "-s", "/b", "-t", "t1", "-b",
			      "02:00:00:00:00:ff", "-v", NULL), 0);
	assert_int_equal(cfg.ndev, 2);
	assert_string_equal(cfg.dev[1].mode, "e1000-emu");
	assert_memory_equal(cfg.dev[0].mac, "\x02\x00\x00\x00\x00\xff", 6);
	assert_memory_equal(cfg.dev[1].mac, "\x02\x00\x00\x00\x01\x00", 6);
	assert_int_equal(cfg.log_level, LOG_LVL_DEBUG);
}

static void test_switch_options(void **state)
{
	assert_int_equal(args("--uplink", "tap:up0", "--cores", "0,2-3", "--control", "/run/c",
			      "-s", "/a", "--vlan", "10", "--doorbell", "poll", "--worker", "2", "-s",
			      "/b", "--allow-spoof", "--mac", "02:11:22:33:44:55", NULL), 0);
	assert_string_equal(cfg.uplink_tap, "up0");
	assert_int_equal(cfg.nworkers, 3);
	assert_int_equal(cfg.cpus[2], 3);
	assert_int_equal(cfg.dev[0].vlan, 10);
	assert_int_equal(cfg.dev[0].doorbell, CFG_DOORBELL_POLL);
	assert_int_equal(cfg.dev[0].worker, 2);
	assert_true(cfg.dev[1].allow_spoof);
	assert_memory_equal(cfg.dev[1].mac, "\x02\x11\x22\x33\x44\x55", 6);
}

static void test_queues(void **state)
{
	if (args("--uplink", "tap:up0", "-s", "/a", "-m", "e810-emu", "--queues", "16", "-s", "/b",
		 NULL))
		fail_msg("%s", err);
	assert_int_equal(cfg.dev[0].queues, 16);
	assert_int_equal(cfg.dev[1].queues, 0); /* the model's default */
	assert_int_equal(args("-s", "/a", "-t", "t0", "--queues", "0", NULL), -1);
	assert_non_null(strstr(err, "--queues 0: 1..16"));
	assert_int_equal(args("-s", "/a", "-t", "t0", "--queues", "17", NULL), -1);
	assert_int_equal(args("--queues", "2", "-s", "/a", "-t", "t0", NULL), -1);
	assert_non_null(strstr(err, "before any -s"));

	cfg_init(&cfg);
	assert_int_equal(cfg_parse_json(&cfg, "{\"devices\":[{\"socket\":\"/a\",\"queues\":3}]}",
					err, sizeof(err)), 0);
	assert_int_equal(cfg.dev[0].queues, 3);
	cfg_init(&cfg);
	assert_int_equal(cfg_parse_json(&cfg, "{\"devices\":[{\"socket\":\"/a\",\"queues\":0}]}",
					err, sizeof(err)), -1);
	assert_non_null(strstr(err, "\"queues\" must be 1..16"));
	cfg_init(&cfg);
	assert_int_equal(cfg_parse_json(&cfg, "{\"devices\":[{\"socket\":\"/a\",\"queues\":99}]}",
					err, sizeof(err)), -1);
}

static void test_errors_name_the_problem(void **state)
{
	struct {
		const char *a[8];
		const char *expect;
	} cases[] = {
		{ { NULL }, "no device" },
		{ { "-t", "tap0", NULL }, "before any -s" },
		{ { "-s", "/a", NULL }, "no -t TAP" },
		{ { "-s", "/a", "-t", "t0", "-b", "01:00:00:00:00:01", NULL }, "multicast" },
		{ { "-s", "/a", "-t", "t0", "-b", "zz", NULL }, "not a MAC" },
		{ { "-s", "/a", "-t", "t0", "-b", "2:0:0:0:0:1", NULL }, "not a MAC" },
		{ { "-s", "/a", "-t", "t0", "-s", "/a", "-t", "t1" }, "two devices" },
		{ { "-s", "/a", "-t", "t0", "-s", "/b", "-t", "t0" }, "two devices" },
		{ { "-s", "/a", "-t", "a-name-that-is-too-long", NULL }, "too long" },
		{ { "-s", "/a", "-t", "t0", "--vlan", "4095", NULL }, "1..4094" },
		{ { "-s", "/a", "--uplink", "t0", NULL }, "tap:NAME" },
		{ { "-s", "/a", "-t", "t0", "--cores", "1-0", NULL }, "bad range" },
		{ { "-s", "/a", "-t", "t0", "--bogus", NULL }, "unknown option" },
		{ { "-s", "/a", "-t", "t0", "extra", NULL }, "unexpected argument" },
		{ { "-s", NULL }, "needs an argument" },
		{ { "-s", "/a", "-t", "t0", "-d", "0000:01:00.0", NULL }, "passthrough" },
		{ { "-s", "/a", "-t", "t0", "--worker", "1", NULL }, "does not exist" },
		{ { "-s", "/a", "-t", "t0", "--log-level", "loud", NULL }, "--log-level" },
		{ { "-s", "/a", "-t", "t0", "--config", "/nonexistent/x.json", NULL }, "No such file" },
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char **a = cases[i].a;
		int r = args(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], NULL);
		if (r == 0 || !strstr(err, cases[i].expect))
			fail_msg("case %u: r=%d err='%s' (expected '%s')", i, r, err,
				 cases[i].expect);
	}
}

static void test_passthrough(void **state)
{
	/* The reference's order: -d before -s belongs to the next device; no tap needed. */
	assert_int_equal(args("-d", "0000:08:00.0", "-s", "/tmp/vmux.sock", "-m", "passthrough",
			      NULL), 0);
	assert_string_equal(cfg.dev[0].vfio_dev, "0000:08:00.0");
	assert_string_equal(cfg.dev[0].mode, "passthrough");
	assert_int_equal(args("-s", "/a", "-t", "t0", "-s", "/b", "--device", "08:00.1", NULL), 0);
	assert_string_equal(cfg.dev[0].vfio_dev, "");
	assert_string_equal(cfg.dev[1].vfio_dev, "0000:08:00.1");
	assert_string_equal(cfg.dev[1].mode, "passthrough"); /* the default with -d */
	assert_int_equal(args("-s", "/a", "-t", "t0", "-d", "none", NULL), 0);
	assert_string_equal(cfg.dev[0].vfio_dev, "");
	const char *bad[][8] = {
		{ "-s", "/a", "-d", "zz", NULL, "not a PCI address" },
		{ "-s", "/a", "-d", "00:20.0", NULL, "not a PCI address" },
		{ "-s", "/a", "-d", "../../x", NULL, "not a PCI address" },
		{ "-s", "/a", "-d", "8:0.0", "-s", "/b", "-d", "0000:08:00.0" },
		{ "-s", "/a", "-m", "passthrough", NULL, "needs -d BDF" },
		{ "-s", "/a", "-d", "8:0.0", "-t", "tap0", NULL, "no network port" },
	};
	for (unsigned i = 0; i < 6; i++) {
		const char **a = bad[i];
		int r = args(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], NULL);
		const char *want = i == 3 ? "given to two devices" : i == 5 ? a[7] : a[5];
		if (r == 0 || !strstr(err, want))
			fail_msg("case %u: r=%d err='%s' (expected '%s')", i, r, err, want);
	}
	cfg_init(&cfg);
	assert_int_equal(cfg_parse_json(&cfg, "{\"devices\":[{\"socket\":\"/a\",\"mode\":"
					      "\"passthrough\",\"device\":\"0000:00:04.0\"}]}",
					err, sizeof(err)), 0);
	assert_int_equal(cfg_finalize(&cfg, err, sizeof(err)), 0);
	assert_string_equal(cfg.dev[0].vfio_dev, "0000:00:04.0");
	cfg_init(&cfg);
	assert_int_not_equal(cfg_parse_json(&cfg, "{\"devices\":[{\"socket\":\"/a\",\"device\":"
						  "\"x\"}]}", err, sizeof(err)), 0);
	assert_non_null(strstr(err, "not a PCI address"));
}

static void test_json(void **state)
{
	cfg_init(&cfg);
	const char *ok = "{\"uplink\":\"tap:up0\",\"base_mac\":\"02:00:00:00:00:10\","
			 "\"workers\":2,\"control\":\"/run/vmux.ctl\",\"log_level\":\"warn\","
			 "\"devices\":[{\"socket\":\"/a\",\"vlan\":5},"
			 "{\"socket\":\"/b\",\"mode\":\"e1000-emu\",\"doorbell\":\"poll\","
			 "\"allow_promisc\":true,\"worker\":1}]}";
	assert_int_equal(cfg_parse_json(&cfg, ok, err, sizeof(err)), 0);
	assert_int_equal(cfg_finalize(&cfg, err, sizeof(err)), 0);
	assert_int_equal(cfg.ndev, 2);
	assert_int_equal(cfg.nworkers, 2);
	assert_int_equal(cfg.log_level, LOG_LVL_WARN);
	assert_true(cfg.dev[1].allow_promisc);
	assert_memory_equal(cfg.dev[1].mac, "\x02\x00\x00\x00\x00\x11", 6);

	const char *bad[][2] = {
		{ "{", "not valid JSON" },
		{ "[]", "top level" },
		{ "{\"devices\":{}}", "must be an array" },
		{ "{\"devices\":[{\"mode\":\"e1000-emu\"}]}", "\"socket\" is required" },
		{ "{\"devices\":[{\"socket\":\"/a\",\"vlan\":\"x\"}]}", "integer" },
		{ "{\"devices\":[{\"socket\":\"/a\",\"vlan\":99999}]}", "0..4094" },
		{ "{\"devices\":[{\"socket\":\"/a\",\"sokcet\":1}]}", "unknown key \"sokcet\"" },
		{ "{\"uplnk\":\"tap:x\"}", "unknown key" },
		{ "{\"cores\":[0,-1]}", "cores[]" },
		{ "{\"devices\":[7]}", "must be an object" },
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cfg_init(&cfg);
		err[0] = '\0';
		if (cfg_parse_json(&cfg, bad[i][0], err, sizeof(err)) == 0 ||
		    !strstr(err, bad[i][1]))
			fail_msg("json case %u: err='%s' (expected '%s')", i, err, bad[i][1]);
	}
}

static void test_pcap(void **state)
{
	assert_int_equal(args("--uplink", "tap:up0", "-s", "/a", "-s", "/b", "--pcap",
			      "dev1=/tmp/d1.pcap,count=100,snaplen=128,size=1000000", "--pcap",
			      "up0=/tmp/up.pcap", NULL), 0);
	assert_int_equal(cfg.npcap, 2);
	assert_string_equal(cfg.pcap[0].port, "dev1");
	assert_string_equal(cfg.pcap[0].file, "/tmp/d1.pcap");
	assert_int_equal(cfg.pcap[0].count, 100);
	assert_int_equal(cfg.pcap[0].snaplen, 128);
	assert_int_equal(cfg.pcap[0].max_bytes, 1000000);
	assert_string_equal(cfg.pcap[1].port, "up0");
	assert_int_equal(cfg.pcap[1].count, 0);
	assert_int_equal(cfg_port_index(&cfg, "dev0"), 0);
	assert_int_equal(cfg_port_index(&cfg, "up0"), -1);
	assert_int_equal(cfg_port_index(&cfg, "dev2"), -2);
	assert_int_equal(cfg_port_index(&cfg, "dev01"), -2);

	struct {
		const char *arg;
		const char *expect;
	} cases[] = {
		{ "dev0", "expected PORT=FILE" },
		{ "=/x", "expected PORT=FILE" },
		{ "dev0=", "expected PORT=FILE" },
		{ "dev9=/x", "no port dev9" },
		{ "tap0=/x", "no port tap0" },
		{ "dev0=/x,count=-1", "not a number" },
		{ "dev0=/x,snaplen=4", "snaplen must be 14..262144" },
		{ "dev0=/x,size=10", "at least 4096" },
		{ "dev0=/x,colour=red", "unknown key 'colour'" },
		{ "dev0=/x,count", "not KEY=VALUE" },
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int r = args("--uplink", "tap:up0", "-s", "/a", "--pcap", cases[i].arg, NULL);
		if (r == 0 || !strstr(err, cases[i].expect))
			fail_msg("case %u: r=%d err='%s' (expected '%s')", i, r, err,
				 cases[i].expect);
	}
	assert_int_equal(args("--uplink", "tap:up0", "-s", "/a", "--pcap", "dev0=/x", "--pcap",
			      "dev0=/y", NULL), -1);
	assert_non_null(strstr(err, "captured twice"));

	cfg_init(&cfg);
	const char *ok = "{\"uplink\":\"tap:up0\",\"devices\":[{\"socket\":\"/a\"}],"
			 "\"pcap\":[{\"port\":\"dev0\",\"file\":\"/tmp/x.pcap\",\"count\":5,"
			 "\"snaplen\":96}]}";
	assert_int_equal(cfg_parse_json(&cfg, ok, err, sizeof(err)), 0);
	assert_int_equal(cfg_finalize(&cfg, err, sizeof(err)), 0);
	assert_int_equal(cfg.npcap, 1);
	assert_int_equal(cfg.pcap[0].count, 5);
	assert_int_equal(cfg.pcap[0].snaplen, 96);
	cfg_init(&cfg);
	assert_int_equal(cfg_parse_json(&cfg, "{\"pcap\":[{\"port\":\"dev0\"}]}", err,
					sizeof(err)), -1);
	assert_non_null(strstr(err, "\"file\" are required"));
}

/* Device i gets base MAC + i in the low 24 bits, which can wrap to the all-zero MAC. */
/* --vfio-api / "vfio_api": auto (the default), cdev or group. */
static void test_vfio_api(void **state)
{
	(void)state;
	cfg_init(&cfg);
	assert_int_equal(cfg.vfio_api, CFG_VFIO_AUTO);
	assert_int_equal(args("--vfio-api", "cdev", "-d", "0000:00:04.0", "-s", "/a", NULL), 0);
	assert_int_equal(cfg.vfio_api, CFG_VFIO_CDEV);
	assert_int_equal(args("-s", "/a", "-t", "t0", "--vfio-api", "group", NULL), 0);
	assert_int_equal(cfg.vfio_api, CFG_VFIO_GROUP);
	assert_int_equal(args("-s", "/a", "-t", "t0", "--vfio-api", "iommufd", NULL), -1);
	assert_non_null(strstr(err, "--vfio-api"));
	cfg_init(&cfg);
	assert_int_equal(cfg_parse_json(&cfg, "{\"vfio_api\": \"cdev\"}", err, sizeof(err)), 0);
	assert_int_equal(cfg.vfio_api, CFG_VFIO_CDEV);
	assert_int_equal(cfg_parse_json(&cfg, "{\"vfio_api\": \"auto\"}", err, sizeof(err)), 0);
	assert_int_equal(cfg.vfio_api, CFG_VFIO_AUTO);
	assert_int_equal(cfg_parse_json(&cfg, "{\"vfio_api\": 1}", err, sizeof(err)), -1);
	assert_int_equal(cfg_parse_json(&cfg, "{\"vfio_api\": \"x\"}", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "vfio_api"));
}

/* --max-guest-ram / "max_guest_ram": a size with a unit, at least 1 MiB. */
static void test_max_guest_ram(void **state)
{
	uint64_t v;

	assert_int_equal(args("-s", "/a", "-t", "t0", NULL), 0);
	assert_int_equal(cfg.max_guest_ram, CFG_GUEST_RAM_DEFAULT);
	assert_int_equal(args("--max-guest-ram", "64G", "-s", "/a", "-t", "t0", NULL), 0);
	assert_int_equal(cfg.max_guest_ram, 64ull << 30);
	assert_int_equal(args("-s", "/a", "-t", "t0", "--max-guest-ram", "1536MiB", NULL), 0);
	assert_int_equal(cfg.max_guest_ram, 1536ull << 20);
	assert_int_equal(args("-s", "/a", "-t", "t0", "--max-guest-ram", "1048576", NULL), 0);
	assert_int_equal(cfg.max_guest_ram, 1ull << 20);
	const char *bad[] = { "", "G", "-1G", "12x", "1k", "1GG", "9999999999T", "1.5G" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(args("-s", "/a", "-t", "t0", "--max-guest-ram", bad[i], NULL), -1);
		assert_non_null(strstr(err, "--max-guest-ram"));
	}
	assert_int_equal(cfg_parse_size("8T", &v), 0);
	assert_int_equal(v, 8ull << 40);
	assert_int_equal(cfg_parse_size("8388608T", &v), 0); /* 2^63 */
	assert_int_equal(cfg_parse_size("8388609T", &v), -1);

	cfg_init(&cfg);
	assert_int_equal(cfg_parse_json(&cfg, "{\"max_guest_ram\": \"2T\"}", err, sizeof(err)), 0);
	assert_int_equal(cfg.max_guest_ram, 2ull << 40);
	assert_int_equal(cfg_parse_json(&cfg, "{\"max_guest_ram\": 4194304}", err, sizeof(err)), 0);
	assert_int_equal(cfg.max_guest_ram, 4ull << 20);
	assert_int_equal(cfg_parse_json(&cfg, "{\"max_guest_ram\": 4096}", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "max_guest_ram"));
	assert_int_equal(cfg_parse_json(&cfg, "{\"max_guest_ram\": \"lots\"}", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "max_guest_ram"));
}

static void test_base_mac_wrap(void **state)
{
	(void)state;
	assert_int_equal(args("-b", "00:00:00:ff:ff:ff", "--uplink", "tap:t0", "-s", "/a", "-s",
			      "/b", NULL), -1);
	assert_non_null(strstr(err, "device 1 (/b) would get the all-zero MAC"));
	/* With its own MAC the second device is fine; a wrap elsewhere is not zero. */
	assert_int_equal(args("-b", "00:00:00:ff:ff:ff", "--uplink", "tap:t0", "-s", "/a", "-s",
			      "/b", "--mac", "02:00:00:00:00:01", NULL), 0);
	assert_int_equal(args("-b", "02:00:00:ff:ff:ff", "--uplink", "tap:t0", "-s", "/a", "-s",
			      "/b", NULL), 0);
	assert_memory_equal(cfg.dev[1].mac, "\x02\x00\x00\x00\x00\x00", 6);
}

/* --uplink dpdk:DEVARGS, EAL arguments after --, "eal" in JSON. */
static void test_dpdk_uplink(void **state)
{
	(void)state;
	if (args("--uplink", "dpdk:net_af_packet0,iface=eth1,qpairs=1", "-s", "/a", "--", "-l",
		 "3", "--no-huge", NULL))
		fail_msg("%s", err);
	assert_string_equal(cfg.uplink_dpdk, "net_af_packet0,iface=eth1,qpairs=1");
	assert_string_equal(cfg.uplink_name, "net_af_packet0");
	assert_string_equal(cfg.uplink_tap, "");
	assert_int_equal(cfg.neal, 3);
	assert_string_equal(cfg.eal[0], "-l");
	assert_string_equal(cfg.eal[2], "--no-huge");
	/* the uplink's name is a port name for --pcap */
	assert_int_equal(args("--uplink", "dpdk:0000:08:00.0", "-s", "/a", "--pcap",
			      "0000:08:00.0=/tmp/u.pcap", NULL), 0);
	assert_int_equal(cfg_port_index(&cfg, "0000:08:00.0"), -1);
	assert_int_equal(cfg.neal, 0);
	/* a tap uplink given later replaces it, and the other way round */
	assert_int_equal(args("--uplink", "dpdk:net_ring0", "--uplink", "tap:t0", "-s", "/a", NULL), 0);
	assert_string_equal(cfg.uplink_dpdk, "");
	assert_string_equal(cfg.uplink_name, "t0");
	/* errors name the problem */
	assert_int_equal(args("--uplink", "dpdk:,iface=x", "-s", "/a", NULL), -1);
	assert_non_null(strstr(err, "dpdk: needs a device"));
	assert_int_equal(args("--uplink", "udp:x", "-s", "/a", NULL), -1);
	assert_non_null(strstr(err, "expected tap:NAME or dpdk:DEVARGS"));
	assert_int_equal(args("--uplink", "tap:t0", "-s", "/a", "--", "-l", "1", NULL), -1);
	assert_non_null(strstr(err, "EAL arguments"));
	assert_int_equal(args("--uplink", "dpdk:net_ring0", "-s", "/a", "stray", NULL), -1);
	assert_non_null(strstr(err, "unexpected argument 'stray'"));
	assert_int_equal(args("--uplink", "dpdk:net_abcdefghijklmnopqrstuvwxyz0123456789",
			      "-s", "/a", NULL), -1);
	assert_non_null(strstr(err, "longer than"));

	cfg_init(&cfg);
	assert_int_equal(cfg_parse_json(&cfg, "{\"uplink\":\"dpdk:net_ring0\",\"eal\":"
					"[\"--no-huge\",\"-l\",\"0\"],\"devices\":[{\"socket\":\"/a\"}]}",
					err, sizeof(err)), 0);
	assert_int_equal(cfg_finalize(&cfg, err, sizeof(err)), 0);
	assert_int_equal(cfg.neal, 3);
	assert_string_equal(cfg.uplink_name, "net_ring0");
	cfg_init(&cfg);
	assert_int_equal(cfg_parse_json(&cfg, "{\"eal\":\"-l 0\"}", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "\"eal\" must be an array"));
	cfg_init(&cfg);
	assert_int_equal(cfg_parse_json(&cfg, "{\"eal\":[1]}", err, sizeof(err)), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seed_style),
		cmocka_unit_test(test_switch_options),
		cmocka_unit_test(test_queues),
		cmocka_unit_test(test_errors_name_the_problem),
		cmocka_unit_test(test_passthrough),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_pcap),
		cmocka_unit_test(test_base_mac_wrap),
		cmocka_unit_test(test_max_guest_ram),
		cmocka_unit_test(test_vfio_api),
		cmocka_unit_test(test_dpdk_uplink),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
