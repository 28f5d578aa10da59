/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * flow_guest SOCKET: a poll-mode E810 guest (the in-tree e810g client) for
 * the lab's flow test. It brings the device up (its MAC and broadcast switch
 * rules), adds an RX ethertype rule dropping 0x88b5, prints "ready INDEX";
 * on SIGUSR1 removes that rule and prints "removed"; on SIGTERM or SIGINT
 * closes and exits 0. Errors: a message and status 1.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "client/e810g.h"
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

static struct e810g g;

int main(int argc, char **argv)
{
	uint8_t prm[16] = { 0 }, r[32] = { 0 };
	uint16_t rv, idx;
	struct sigaction sa = { .sa_handler = on_sig };

	if (argc != 2) {
		fprintf(stderr, "usage: flow_guest SOCKET\n");
		return 2;
	}
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	log_set_level(LOG_LVL_WARN);
	if (e810g_open(&g, argv[1]) < 0 || e810g_up(&g, 64, 64) < 0) {
		fprintf(stderr, "flow_guest: cannot bring the E810 on %s up\n", argv[1]);
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
		usleep(10000);
	}
	e810g_close(&g);
	return 0;
}
