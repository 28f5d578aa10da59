/* SPDX-License-Identifier: GPL-2.0-or-later */
/* OpenMetrics text from the control socket's JSON: families grouped, _total, labels, # EOF. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/metrics.h"

static char *render(const char *ports, const char *sw, const char *workers, const char *svc)
{
	json_object *p = ports ? json_tokener_parse(ports) : NULL;
	json_object *s = sw ? json_tokener_parse(sw) : NULL;
	json_object *w = workers ? json_tokener_parse(workers) : NULL;
	json_object *v = svc ? json_tokener_parse(svc) : NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(metrics_write(f, p, s, w, v), 0);
	fclose(f);
	json_object_put(p);
	json_object_put(s);
	json_object_put(w);
	json_object_put(v);
	return buf;
}

static const char *PORTS =
	"[{\"name\":\"dev0\",\"link\":true,\"port\":{\"rx_pkts\":10,\"rx_bytes\":600,"
	"\"rx_drops\":1,\"tx_pkts\":20,\"tx_bytes\":1200,\"tx_drops\":0},"
	"\"vfio_user\":{\"region_reads\":5,\"region_writes\":7,\"connected\":true},"
	"\"device\":{\"queues\":4,\"doorbell\":\"trap\",\"rxq_pkts\":[3,4],\"rss\":true}},"
	" {\"name\":\"d\\\"ev1\",\"link\":false,\"port\":{\"rx_pkts\":2},"
	"\"vfio_user\":{\"region_reads\":0,\"connected\":false}}]";

static void test_ports(void **state)
{
	char *t = render(PORTS, NULL, "[]", NULL);

	assert_non_null(strstr(t, "# TYPE vmux_port_rx_packets counter\n"));
	assert_non_null(strstr(t, "# HELP vmux_port_rx_packets "));
	/* both ports' samples in the family's one block, counters with _total */
	assert_non_null(strstr(t, "vmux_port_rx_packets_total{port=\"dev0\"} 10\n"
				  "vmux_port_rx_packets_total{port=\"d\\\"ev1\"} 2\n"));
	assert_non_null(strstr(t, "vmux_port_link_up{port=\"dev0\"} 1\n"));
	assert_non_null(strstr(t, "vmux_port_link_up{port=\"d\\\"ev1\"} 0\n"));
	assert_non_null(strstr(t, "# TYPE vmux_vfio_user_region_writes counter\n"));
	assert_non_null(strstr(t, "vmux_vfio_user_region_writes_total{port=\"dev0\"} 7\n"));
	assert_non_null(strstr(t, "vmux_vfio_user_connected{port=\"dev0\"} 1\n"));
	/* the model's counters: per queue from arrays; strings skipped */
	assert_non_null(strstr(t, "# TYPE vmux_device_rxq_pkts unknown\n"));
	assert_non_null(strstr(t, "vmux_device_rxq_pkts{port=\"dev0\",queue=\"1\"} 4\n"));
	assert_non_null(strstr(t, "vmux_device_rss{port=\"dev0\"} 1\n"));
	assert_null(strstr(t, "doorbell"));
	/* every TYPE once */
	const char *first = strstr(t, "# TYPE vmux_port_rx_packets ");
	assert_null(strstr(first + 1, "# TYPE vmux_port_rx_packets "));
	size_t n = strlen(t);
	assert_true(n > 6 && !strcmp(t + n - 6, "# EOF\n"));
	free(t);
}

static void test_switch_workers_service(void **state)
{
	char *t = render("[]",
			 "{\"mac_used\":3,\"mac_capacity\":4096,\"learned\":9,\"ports\":[{\"id\":0,"
			 "\"name\":\"up0\",\"rx_pkts\":1,\"flooded\":2,\"drops\":{\"spoof\":5,"
			 "\"vlan\":0}}]}",
			 "[{\"name\":\"main\",\"iterations\":100,\"busy_fraction\":0.25,"
			 "\"devices\":2}]",
			 "{\"reloads\":1,\"reload_failures\":0,\"devices\":2}");

	assert_non_null(strstr(t, "vmux_switch_drops_total{port=\"up0\",reason=\"spoof\"} 5\n"
				  "vmux_switch_drops_total{port=\"up0\",reason=\"vlan\"} 0\n"));
	assert_non_null(strstr(t, "vmux_switch_port_flooded_total{port=\"up0\"} 2\n"));
	assert_non_null(strstr(t, "vmux_switch_mac_used 3\n"));
	assert_non_null(strstr(t, "vmux_switch_mac_learned_total 9\n"));
	assert_non_null(strstr(t, "# TYPE vmux_worker_busy_ratio gauge\n"));
	assert_non_null(strstr(t, "vmux_worker_busy_ratio{worker=\"main\"} 0.25\n"));
	assert_non_null(strstr(t, "vmux_worker_iterations_total{worker=\"main\"} 100\n"));
	assert_non_null(strstr(t, "vmux_reloads_total 1\n"));
	assert_non_null(strstr(t, "vmux_devices 2\n"));
	free(t);
}

static void test_odd_input(void **state)
{
	/* Nothing, or JSON of the wrong shape: still a valid, empty exposition. */
	char *t = render(NULL, NULL, NULL, NULL);
	assert_string_equal(t, "# EOF\n");
	free(t);
	t = render("{\"x\":1}", "[1]", "{\"a\":2}", "[]");
	assert_string_equal(t, "# EOF\n");
	free(t);
	/* a negative counter is left out (counters never go below zero); names sanitized */
	t = render("[{\"name\":\"dev0\",\"port\":{\"rx_pkts\":-1},"
		   "\"device\":{\"a-b.c\":1}}]", NULL, NULL, NULL);
	assert_null(strstr(t, "vmux_port_rx_packets_total"));
	assert_non_null(strstr(t, "vmux_device_a_b_c{port=\"dev0\"} 1\n"));
	free(t);
	char out[8];
	metrics_sanitize("é-x", out, sizeof(out));
	assert_string_equal(out, "___x");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ports),
		cmocka_unit_test(test_switch_workers_service),
		cmocka_unit_test(test_odd_input),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
