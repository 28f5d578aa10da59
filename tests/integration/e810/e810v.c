// SPDX-License-Identifier: GPL-2.0-or-later
/* The E810 guest driver's vmux harness: see e810v.h. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "e810v.h"

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-c/json.h>

#include "itest.h"

int e810v_start(struct e810v *v, const char *vmux, const char *ifname, const char *base)
{
	char uplink[64];

	memset(v, 0, sizeof(*v));
	v->vmux = vmux;
	v->tap = ifname;
	v->pid = -1;
	if (it_mkdtemp(v->dir, sizeof(v->dir)))
		return -1;
	snprintf(v->log, sizeof(v->log), "%s/vmux.log", v->dir);
	for (int i = 0; i < E810V_SOCKS; i++)
		snprintf(v->sock[i], sizeof(v->sock[i]), "%s/vm%d.sock", v->dir, i);
	snprintf(uplink, sizeof(uplink), "tap:%s", ifname);
	{
		char *argv[] = { (char *)vmux, "--uplink", uplink, "-b", (char *)base,
				 "-s", v->sock[0], "-m", "e810-emu", "--queues", "1", "-s", v->sock[1],
				 "-m", "e810-emu", "--queues", "1", "--doorbell", "poll", "-s", v->sock[2],
				 "-m", "e1000-emu", NULL };
		char *socks[] = { v->sock[0], v->sock[1], v->sock[2] };

		v->pid = it_vmux_start(vmux, v->log, argv, socks, E810V_SOCKS);
	}
	if (v->pid > 0)
		return 0;
	it_dump_file(v->log);
	it_rmtree(v->dir);
	v->dir[0] = 0;
	return -1;
}

int e810v_stop(struct e810v *v)
{
	int st, rc = 0;

	if (v->pid > 0 || v->died) {
		st = v->died ? v->died_status : it_vmux_stop(v->pid);
		v->pid = -1;
		v->died = false;
		rc = it_vmux_check(st, v->log);
	}
	if (v->dir[0])
		it_rmtree(v->dir);
	v->dir[0] = 0;
	return rc;
}

bool e810v_alive(struct e810v *v)
{
	if (v->pid > 0 && waitpid(v->pid, &v->died_status, WNOHANG) == v->pid) {
		v->pid = -1;
		v->died = true;
	}
	return v->pid > 0;
}

void e810v_open_at(struct e810g *g, const char *sock, const char *log, unsigned nq,
		   uint32_t ring)
{
	int r = -1;

	/* vmux turns a second client away until it has let go of the one before. */
	for (int i = 0; i < 100; i++) {
		r = e810g_open(g, sock);
		if (!r)
			break;
		it_nap_ms(10);
	}
	assert_int_equal(r, 0);
	r = e810g_up_queues(g, nq, ring, ring);
	if (r)
		it_dump_file(log);
	assert_int_equal(r, 0);
}

void e810v_open(struct e810v *v, struct e810g *g, int idx)
{
	e810v_open_at(g, v->sock[idx], v->log, 1, 256);
}

uint32_t e810v_frame(uint8_t *f, const uint8_t *dst, const uint8_t *src, uint32_t seq,
		     uint32_t len)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	f[12] = E810V_ETYPE >> 8;
	f[13] = E810V_ETYPE & 0xff;
	memcpy(f + 14, &seq, 4);
	for (uint32_t i = 18; i < len; i++)
		f[i] = (uint8_t)(seq * 7 + i);
	return len;
}

/* ---- the control socket ------------------------------------------------------ */

/* One request line, one reply line: the reply parsed, or NULL. */
static struct json_object *ctl_ask(const char *ctl_path, const char *req)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	static char buf[1 << 17];
	size_t n = 0;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || strlen(ctl_path) >= sizeof(a.sun_path)) {
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	memcpy(a.sun_path, ctl_path, strlen(ctl_path) + 1);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    write(fd, req, strlen(req)) != (ssize_t)strlen(req)) {
		close(fd);
		return NULL;
	}
	while (n < sizeof(buf) - 1) {
		ssize_t r = read(fd, buf + n, sizeof(buf) - 1 - n);

		if (r <= 0)
			break;
		n += (size_t)r;
		if (memchr(buf + n - (size_t)r, '\n', (size_t)r))
			break;
	}
	close(fd);
	buf[n] = 0;
	return json_tokener_parse(buf);
}

long long e810v_dev_counter(const char *ctl_path, const char *sock, const char *name)
{
	struct json_object *r = ctl_ask(ctl_path, "{\"cmd\":\"ports\"}\n"), *res, *d, *v, *s;
	long long out = -1;

	if (!r)
		return -1;
	if (json_object_object_get_ex(r, "result", &res)) {
		for (size_t i = 0; i < json_object_array_length(res); i++) {
			d = json_object_array_get_idx(res, i);
			if (json_object_object_get_ex(d, "socket", &s) &&
			    !strcmp(json_object_get_string(s), sock) &&
			    json_object_object_get_ex(d, "device", &v) &&
			    json_object_object_get_ex(v, name, &v))
				out = json_object_get_int64(v);
		}
	}
	json_object_put(r);
	return out;
}
