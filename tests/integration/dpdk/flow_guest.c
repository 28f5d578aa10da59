/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * flow_guest SOCKET: a poll-mode E810 guest (the in-tree e810g client) for
 * the lab's flow test. It brings the device up with 2 queue pairs (its MAC
 * and broadcast switch rules) and the flow director (client/e810g_fd.h: the
 * IPv4/UDP destination port profile, its control queue on queue pair 2),
 * adds an RX ethertype rule dropping 0x88b5, prints "ready INDEX"; on
 * SIGUSR1 removes that rule and prints "removed"; on SIGTERM or SIGINT
 * closes and exits 0. Meanwhile it takes every frame its RX queues receive,
 * counting them per queue, and runs the commands read from stdin, one a
 * line, each answered with one line:
 *   fd PORT QINDEX FDID   a filter "udp4 dst-port PORT action QINDEX" -> "fd ok N"
 *   fddel PORT FDID       its removal                               -> "fddel ok N"
 *   fdmask MASK           the profile's port mask (hex; ffff: none) -> "fdmask ok"
 *   rx                    the frames taken so far                   -> "rx Q0 Q1"
 * (N: the filters the device holds, GLQF_FD_CNT; "... failed" on an error).
 * Errors at start: a message and status 1.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client/e810g.h"
#include "client/e810g_fd.h"
#include "core/log.h"
#include "dev/e810/aq_defs.h"

static volatile sig_atomic_t usr1, term;

static void on_sig(int sig)
{
	if (sig == SIGUSR1)
		usr1 = 1;
	else
		term = 1;
}

static void p16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void p32(uint8_t *p, uint32_t v)
{
	p16(p, (uint16_t)v);
	p16(p + 2, (uint16_t)(v >> 16));
}

#define NQ 2u

static struct e810g g;
static uint64_t rxn[NQ];

/* One command line; its answer on stdout. */
static void command(char *line)
{
	unsigned port, q, fdid, mask;

	if (sscanf(line, "fd %u %u %u", &port, &q, &fdid) == 3 && port <= 0xffff && q < NQ) {
		if (e810g_fd_add(&g, (uint16_t)port, (uint16_t)q, false, fdid))
			printf("fd failed\n");
		else
			printf("fd ok %u\n", e810g_fd_count(&g));
	} else if (sscanf(line, "fddel %u %u", &port, &fdid) == 2 && port <= 0xffff) {
		if (e810g_fd_del(&g, (uint16_t)port, fdid))
			printf("fddel failed\n");
		else
			printf("fddel ok %u\n", e810g_fd_count(&g));
	} else if (sscanf(line, "fdmask %x", &mask) == 1 && mask <= 0xffff) {
		e810g_fd_mask(&g, (uint16_t)mask);
		printf("fdmask ok\n");
	} else if (!strcmp(line, "rx")) {
		printf("rx %llu %llu\n", (unsigned long long)rxn[0], (unsigned long long)rxn[1]);
	} else {
		printf("unknown command\n");
	}
	fflush(stdout);
}

/* Commands from stdin, without waiting; false once it is closed. */
static bool commands(void)
{
	static char buf[256];
	static size_t n;
	struct pollfd p = { .fd = 0, .events = POLLIN };
	ssize_t r;
	char *nl;

	if (poll(&p, 1, 0) <= 0)
		return true;
	r = read(0, buf + n, sizeof(buf) - 1 - n);
	if (r <= 0)
		return r < 0 && errno == EINTR;
	n += (size_t)r;
	buf[n] = '\0';
	while ((nl = strchr(buf, '\n'))) {
		*nl = '\0';
		command(buf);
		n -= (size_t)(nl + 1 - buf);
		memmove(buf, nl + 1, n + 1);
	}
	if (n == sizeof(buf) - 1)
		n = 0; /* a line too long: dropped */
	return true;
}

int main(int argc, char **argv)
{
	uint8_t prm[16] = { 0 }, r[32] = { 0 };
	uint16_t rv, idx;
	struct sigaction sa = { .sa_handler = on_sig };
	bool cmds = true;
	static uint8_t frame[2048];

	if (argc != 2) {
		fprintf(stderr, "usage: flow_guest SOCKET\n");
		return 2;
	}
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	log_set_level(LOG_LVL_WARN);
	if (e810g_open(&g, argv[1]) < 0 || e810g_up_queues(&g, NQ, 64, 64) < 0) {
		fprintf(stderr, "flow_guest: cannot bring the E810 on %s up\n", argv[1]);
		return 1;
	}
	if (e810g_fd_up(&g, NQ) < 0) {
		fprintf(stderr, "flow_guest: cannot set the flow director up\n");
		return 1;
	}
	p16(prm + SR_NUM_RULES, 1);
	p16(r + SRE_TYPE, SW_RULE_LKUP_RX);
	p16(r + SRL_RECIPE, LKUP_ETHERTYPE);
	p32(r + SRL_ACT, ACT_VSI_FWD | ACT_DROP | ACT_VALID);
	p16(r + SRL_HDR_LEN, 16);
	r[SRL_HDR] = 2;
	r[SRL_HDR + SWH_ETYPE] = 0x88;
	r[SRL_HDR + SWH_ETYPE + 1] = 0xb5;
	rv = e810g_aq(&g, AQC_ADD_SW_RULES, prm, r, sizeof(r), true);
	if (rv) {
		fprintf(stderr, "flow_guest: add_sw_rules: retval %u\n", rv);
		return 1;
	}
	idx = (uint16_t)(r[SRL_INDEX] | r[SRL_INDEX + 1] << 8);
	printf("ready %u\n", idx);
	fflush(stdout);
	while (!term) {
		bool any = false;

		for (unsigned q = 0; q < NQ; q++)
			while (e810g_rxq_take(&g, q, frame, sizeof(frame))) {
				rxn[q]++;
				any = true;
			}
		if (cmds)
			cmds = commands();
		if (usr1) {
			usr1 = 0;
			memset(prm, 0, sizeof(prm));
			memset(r, 0, sizeof(r));
			p16(prm + SR_NUM_RULES, 1);
			p16(r + SRL_INDEX, idx);
			rv = e810g_aq(&g, AQC_REMOVE_SW_RULES, prm, r, sizeof(r), true);
			printf(rv ? "remove failed %u\n" : "removed\n", rv);
			fflush(stdout);
		}
		if (!any)
			usleep(2000);
	}
	e810g_close(&g);
	return 0;
}
