/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Socket activation: passed sockets given to devices by fd:NAME, by path, or as --fd N. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "core/config.h"
#include "core/sockact.h"

static struct vmux_config cfg;
static char err[512];

static void config(const char *json)
{
	cfg_init(&cfg);
	assert_int_equal(cfg_parse_json(&cfg, json, err, sizeof(err)), 0);
	assert_int_equal(cfg_finalize(&cfg, err, sizeof(err)), 0);
}

static void test_by_name_and_path(void **state)
{
	config("{\"uplink\":\"tap:up0\",\"devices\":[{\"socket\":\"/run/vmux/a.sock\"},"
	       "{\"socket\":\"fd:vm2\"},{\"socket\":\"/run/vmux/c.sock\"}]}");
	struct sockact_fd fds[] = {
		{ 3, "vm2", "/run/vmux/vm2.sock" },  /* by its name, whatever its path */
		{ 4, "unknown", "/run/vmux/a.sock" }, /* by its path */
	};
	assert_int_equal(sockact_match(&cfg, fds, 2, err, sizeof(err)), 0);
	assert_int_equal(cfg.dev[0].fd, 4);
	assert_int_equal(cfg.dev[1].fd, 3);
	assert_int_equal(cfg.dev[2].fd, -1); /* not passed: vmux binds it */
}

static void test_name_wins_over_path(void **state)
{
	config("{\"uplink\":\"tap:up0\",\"devices\":[{\"socket\":\"/s/x.sock\"},"
	       "{\"socket\":\"fd:x\"}]}");
	struct sockact_fd fds[] = { { 3, "x", "/s/x.sock" } };
	assert_int_equal(sockact_match(&cfg, fds, 1, err, sizeof(err)), 0);
	assert_int_equal(cfg.dev[0].fd, -1);
	assert_int_equal(cfg.dev[1].fd, 3);
}

static void test_stray_socket_refused(void **state)
{
	config("{\"uplink\":\"tap:up0\",\"devices\":[{\"socket\":\"/s/a.sock\"}]}");
	struct sockact_fd fds[] = { { 3, "other", "/s/b.sock" } };
	assert_int_equal(sockact_match(&cfg, fds, 1, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "fd 3"));
	assert_non_null(strstr(err, "matches no device"));
	/* An abstract or unnamed socket has no path to match either. */
	struct sockact_fd anon[] = { { 3, "unknown", "" } };
	assert_int_equal(sockact_match(&cfg, anon, 1, err, sizeof(err)), -1);
}

static void test_missing_named_socket(void **state)
{
	config("{\"uplink\":\"tap:up0\",\"devices\":[{\"socket\":\"fd:vm1\"}]}");
	assert_int_equal(sockact_match(&cfg, NULL, 0, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no socket named \"vm1\""));
	struct sockact_fd fds[] = { { 3, "vm9", "" } };
	assert_int_equal(sockact_match(&cfg, fds, 1, err, sizeof(err)), -1);
}

static void test_two_for_one_device(void **state)
{
	config("{\"uplink\":\"tap:up0\",\"devices\":[{\"socket\":\"fd:a\"}]}");
	struct sockact_fd fds[] = { { 3, "a", "" }, { 4, "a", "" } };
	assert_int_equal(sockact_match(&cfg, fds, 2, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "two passed sockets"));
}

static void test_explicit_fd(void **state)
{
	char *argv[] = { "vmux", "--uplink", "tap:up0", "--fd", "5", "--socket-path", "/s/b.sock",
			 NULL };

	cfg_init(&cfg);
	assert_int_equal(cfg_parse_args(&cfg, 7, argv, err, sizeof(err)), 0);
	assert_string_equal(cfg.dev[1].socket, "/s/b.sock");
	assert_int_equal(cfg_finalize(&cfg, err, sizeof(err)), 0);
	assert_int_equal(cfg.ndev, 2);
	assert_string_equal(cfg.dev[0].socket, "fd:5");
	assert_int_equal(cfg.dev[0].fd, 5);
	/* fd 5 among the passed ones is the --fd device's, not a stray. */
	struct sockact_fd fds[] = { { 3, "unknown", "/s/b.sock" }, { 5, "unknown", "" } };
	assert_int_equal(sockact_match(&cfg, fds, 2, err, sizeof(err)), 0);
	assert_int_equal(cfg.dev[0].fd, 5);
	assert_int_equal(cfg.dev[1].fd, 3);
}

static void test_fd_option_errors(void **state)
{
	char *a1[] = { "vmux", "--uplink", "tap:up0", "--fd", "2", NULL };
	char *a2[] = { "vmux", "--uplink", "tap:up0", "--fd", "x", NULL };
	char *a3[] = { "vmux", "--uplink", "tap:up0", "--fd", "4", "--fd", "4", NULL };

	cfg_init(&cfg);
	assert_int_equal(cfg_parse_args(&cfg, 5, a1, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "stdio"));
	cfg_init(&cfg);
	assert_int_equal(cfg_parse_args(&cfg, 5, a2, err, sizeof(err)), -1);
	cfg_init(&cfg);
	assert_int_equal(cfg_parse_args(&cfg, 7, a3, err, sizeof(err)), 0);
	assert_int_equal(cfg_finalize(&cfg, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "two devices"));
	cfg_init(&cfg);
	assert_int_equal(cfg_parse_json(&cfg, "{\"uplink\":\"tap:u\",\"devices\":[{\"socket\":\"fd:\"}]}",
					err, sizeof(err)), 0);
	assert_int_equal(cfg_finalize(&cfg, err, sizeof(err)), -1);
}

static void test_metrics_option(void **state)
{
	struct cfg_metrics m;

	assert_int_equal(cfg_parse_metrics(&m, "unix:/run/vmux/metrics.sock", err, sizeof(err)), 0);
	assert_int_equal(m.kind, CFG_METRICS_UNIX);
	assert_string_equal(m.path, "/run/vmux/metrics.sock");
	assert_int_equal(cfg_parse_metrics(&m, "tcp:127.0.0.1:9100", err, sizeof(err)), 0);
	assert_int_equal(m.kind, CFG_METRICS_TCP);
	assert_string_equal(m.addr, "127.0.0.1");
	assert_int_equal(m.port, 9100);
	assert_int_equal(cfg_parse_metrics(&m, "tcp:[::1]:9100", err, sizeof(err)), 0);
	assert_string_equal(m.addr, "::1");
	assert_int_equal(cfg_parse_metrics(&m, "tcp:127.0.0.1:0", err, sizeof(err)), -1);
	assert_int_equal(cfg_parse_metrics(&m, "tcp:127.0.0.1:65536", err, sizeof(err)), -1);
	assert_int_equal(cfg_parse_metrics(&m, "tcp::9100", err, sizeof(err)), -1);
	assert_int_equal(cfg_parse_metrics(&m, "unix:relative.sock", err, sizeof(err)), -1);
	assert_int_equal(cfg_parse_metrics(&m, "http://x", err, sizeof(err)), -1);
	cfg_init(&cfg);
	assert_int_equal(cfg_parse_json(&cfg, "{\"metrics\":\"tcp:127.0.0.1:9200\"}", err,
					sizeof(err)), 0);
	assert_int_equal(cfg.metrics.port, 9200);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_by_name_and_path),
		cmocka_unit_test(test_name_wins_over_path),
		cmocka_unit_test(test_stray_socket_refused),
		cmocka_unit_test(test_missing_named_socket),
		cmocka_unit_test(test_two_for_one_device),
		cmocka_unit_test(test_explicit_fd),
		cmocka_unit_test(test_fd_option_errors),
		cmocka_unit_test(test_metrics_option),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
