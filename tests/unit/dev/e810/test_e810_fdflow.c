// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The flow director's filters as flows for an uplink (e810_steer_flows,
 * fdir.c's e810_fdir_flows): filters programmed as ice programs
 * "ethtool -N flow-type udp4|tcp4 dst-port P action Q" (fd_rig.h) come out
 * as ETH(dst = the VM's MAC) / IPV4 / UDP|TCP(dst = P) -> QUEUE q (the
 * absolute queue) or DROP (addresses too, under their masks; the protocol
 * from the profile's packet types), ordered after the switch rules' drops and queues
 * and before their rule to the PF, ANDed with that rule's VLAN; a filter
 * whose queue the VSI lacks is not listed; a filter with a queue region
 * (toq: 2^toq queues, as ice's VF path programs one) spreads its frames by
 * their RSS hash over exactly those queues, bounded to the VSI's, and is
 * listed with that range; and for random frames to the VM's MAC the flows
 * decide as the receive path does.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "core/log.h"
#include "dev/e810/lan_desc.h"
#include "dev/e810/e810_regs.h"
#include "dev/e810/steer.h"
#include "fd_rig.h"
#include "fd_util.h"
#include "net/flow.h"
#include "net/pkt.h"

#define MAXFL 64u

static const uint8_t MAC[6] = { 0x02, 0, 0, 0, 0, 0x0a };
static const uint8_t PEER[6] = { 0x02, 0, 0, 0, 0, 0x77 };
static const uint8_t BCAST[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static struct e810 m;
static struct swr_rig r;
static struct net_flow fl[MAXFL];
static struct pkt_pool *pool;

static int setup(void **state)
{
	(void)state;
	log_set_level(LOG_LVL_WARN);
	fdr_model_init(&m, &r, MAC, "fdflow");
	fdr_profiles(&m, &r);
	pool = pkt_pool_create("fdflow", 8);
	assert_non_null(pool);
	return 0;
}

/* A PF VSI of 8 queues (0..7), for the regions. */
static int setup8(void **state)
{
	(void)state;
	log_set_level(LOG_LVL_WARN);
	fdr_model_init_nq(&m, &r, MAC, "fdflow8", 8);
	fdr_profiles(&m, &r);
	pool = pkt_pool_create("fdflow8", 8);
	assert_non_null(pool);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	swr_rig_fini(&r);
	pkt_pool_destroy(pool);
	return 0;
}

/* What ice adds at open: its MAC and broadcast, forwarded to the PF VSI. */
static void ice_open_rules(void)
{
	assert_int_equal(swr_add(&r, SW_RULE_LKUP_TX, LKUP_MAC, swr_act_vsi(r.vsi), MAC, 0, -1, NULL), 0);
	assert_int_equal(swr_add(&r, SW_RULE_LKUP_TX, LKUP_MAC, swr_act_vsi(r.vsi), BCAST, 0, -1, NULL),
			 0);
}

/* The flows from the flow director. */
static unsigned fd_flows(unsigned n, const struct net_flow **out)
{
	unsigned k = 0;

	for (unsigned i = 0; i < n && i < MAXFL; i++)
		if (fl[i].origin == NET_FLOW_FROM_FDIR)
			out[k++] = &fl[i];
	return k;
}

static const struct net_flow *pass_flow(unsigned n)
{
	for (unsigned i = 0; i < n && i < MAXFL; i++)
		if (fl[i].origin == NET_FLOW_FROM_SWITCH_RULE && fl[i].action == NET_FLOW_PASS)
			return &fl[i];
	return NULL;
}

static void test_udp4_queue(void **state)
{
	const struct net_flow *fd[MAXFL], *pass;
	unsigned n, k;
	char buf[256];

	(void)state;
	ice_open_rules();
	assert_true(fdr_program(&m, &r, 17, 5001, 2, false, false, 77));
	n = e810_steer_flows(&m, fl, MAXFL);
	k = fd_flows(n, fd);
	pass = pass_flow(n);
	assert_non_null(pass);
	assert_int_equal(k, 1);
	assert_true(net_flow_format(fd[0], buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "dst=02:00:00:00:00:0a ipv4 proto=17 dport=5001/0xffff -> queue 2/1"));
	assert_memory_equal(fd[0]->m.dst_mac, MAC, 6);
	assert_int_equal(fd[0]->m.fields, NET_FLOW_F_IPV4 | NET_FLOW_F_PROTO | NET_FLOW_F_DPORT);
	assert_int_equal(fd[0]->m.ip_proto, 17);
	assert_int_equal(fd[0]->m.dst_port, 5001);
	assert_int_equal(fd[0]->m.dst_port_mask, 0xffff);
	assert_int_equal(fd[0]->action, NET_FLOW_QUEUE);
	assert_int_equal(fd[0]->queue, 2);
	assert_int_equal(fd[0]->nqueues, 1);
	assert_int_equal(fd[0]->origin_id, 77);
	/* After the switch rules' drops and queues, before their rule to the PF. */
	assert_true(fd[0]->priority >= E810_FLOW_PRIO_FDIR && fd[0]->priority < pass->priority);

	/* A drop filter, a TCP one, and one to a queue the PF VSI lacks (not listed). */
	assert_true(fdr_program(&m, &r, 6, 80, 1, false, false, 78));
	assert_true(fdr_program(&m, &r, 17, 53, 0, true, false, 79));
	assert_true(fdr_program(&m, &r, 17, 9999, 9, false, false, 80));
	n = e810_steer_flows(&m, fl, MAXFL);
	k = fd_flows(n, fd);
	assert_int_equal(k, 3);
	for (unsigned i = 0; i < k; i++) {
		assert_memory_equal(fd[i]->m.dst_mac, MAC, 6);
		assert_true(fd[i]->m.fields & NET_FLOW_F_IPV4);
		assert_int_not_equal(fd[i]->origin_id, 80);
		if (fd[i]->origin_id == 78) {
			assert_int_equal(fd[i]->m.ip_proto, 6);
			assert_int_equal(fd[i]->m.dst_port, 80);
			assert_int_equal(fd[i]->action, NET_FLOW_QUEUE);
			assert_int_equal(fd[i]->queue, 1);
		} else if (fd[i]->origin_id == 79) {
			assert_int_equal(fd[i]->m.ip_proto, 17);
			assert_int_equal(fd[i]->m.dst_port, 53);
			assert_int_equal(fd[i]->action, NET_FLOW_DROP);
		}
		for (unsigned j = 0; j < n && j < MAXFL; j++)
			assert_true(&fl[j] == fd[i] || fl[j].priority != fd[i]->priority);
	}
	/* Short of room: the count is still the whole. */
	assert_int_equal(e810_steer_flows(&m, fl, 1), n);
	/* Removed: gone. */
	assert_true(fdr_program(&m, &r, 17, 5001, 2, false, true, 77));
	n = e810_steer_flows(&m, fl, MAXFL);
	assert_int_equal(fd_flows(n, fd), 2);
}

/* Without rules for the receive path the filters stand alone; with a MAC+VLAN rule, ANDed. */
static void test_rules_anded(void **state)
{
	const struct net_flow *fd[MAXFL];
	unsigned n;

	(void)state;
	assert_true(fdr_program(&m, &r, 17, 5001, 3, false, false, 1));
	n = e810_steer_flows(&m, fl, MAXFL);
	assert_int_equal(n, 1);
	assert_int_equal(fd_flows(n, fd), 1);
	assert_int_equal(fd[0]->queue, 3);
	assert_false(fd[0]->m.fields & NET_FLOW_F_VLAN);

	assert_int_equal(swr_add(&r, SW_RULE_LKUP_RX, LKUP_MAC_VLAN, swr_act_vsi(r.vsi), MAC, 0, 5, NULL),
			 0);
	n = e810_steer_flows(&m, fl, MAXFL);
	assert_int_equal(fd_flows(n, fd), 1);
	assert_true(fd[0]->m.fields & NET_FLOW_F_VLAN);
	assert_int_equal(fd[0]->m.vlan_id, 5);
	/* Another VM's MAC rule forwards nothing of this VM's: no more flows. */
	assert_int_equal(swr_add(&r, SW_RULE_LKUP_RX, LKUP_MAC, swr_act_vsi(r.vsi), PEER, 0, -1, NULL), 0);
	assert_int_equal(fd_flows(e810_steer_flows(&m, fl, MAXFL), fd), 1);
	/* A second rule to the PF (the VM's MAC, any VLAN): the filter once per rule. */
	ice_open_rules();
	n = e810_steer_flows(&m, fl, MAXFL);
	assert_int_equal(fd_flows(n, fd), 2);
}

/*
 * tcp4 src-ip A dst-port P (version and protocol from the words, the
 * address under a GLQF_FDMASK); ip4 dst-ip B on a profile only IPv4/UDP
 * takes (the protocol from the packet types); one both UDP and TCP take
 * with only address words (not a flow's fields: not listed); a MAC word (not
 * listed).
 */
static void test_fields(void **state)
{
	const struct e810fd_word tcp_src[] = { { E810FD_P_IPV4, 12 }, { E810FD_P_IPV4, 14 },
					       { E810FD_P_TCP, 2 } };
	const struct e810fd_word dst4[] = { { E810FD_P_IPV4, 16 }, { E810FD_P_IPV4, 18 } };
	const struct e810fd_word mac[] = { { E810FD_P_UDP, 2 }, { E810FD_P_MAC, 42 } };
	static const uint8_t zero[6];
	const struct net_flow *fd[MAXFL];
	struct e810_flex *fx = e810_aq_flex(m.aq);
	uint8_t pkt[128];
	unsigned len, n;

	(void)state;
	ice_open_rules();
	/* Profile 11 (tcp4) anew with the source address; its low word masked to 0xff00. */
	fdr_profile(&m, &r, FDR_PROF_TCP4, tcp_src, 3, FDU_PTG_IPV4_TCP, 5);
	assert_true(e810_flex_reg_write(fx, E810_GLQF_FDMASK(3), 22u | 0xff00u << 16));
	assert_true(e810_flex_reg_write(fx, E810_GLQF_FDMASK_SEL(FDR_PROF_TCP4), 1u << 3));
	len = fdu_frame4(pkt, zero, zero, 6, 0, 0xc0a80142, 80, 0, 0); /* swapped, as ice sends it */
	assert_true(fdr_program_pkt(&m, &r, pkt, len, 1, false, false, 11));
	n = e810_steer_flows(&m, fl, MAXFL);
	assert_int_equal(fd_flows(n, fd), 1);
	assert_int_equal(fd[0]->m.fields, NET_FLOW_F_IPV4 | NET_FLOW_F_SRC_IP | NET_FLOW_F_PROTO |
					      NET_FLOW_F_DPORT);
	assert_int_equal(fd[0]->m.ip_proto, 6);
	assert_memory_equal(fd[0]->m.src_ip, "\xc0\xa8\x01\x00", 4);
	assert_memory_equal(fd[0]->m.src_ip_mask, "\xff\xff\xff\x00", 4);
	assert_int_equal(fd[0]->m.dst_port, 80);
	assert_int_equal(fd[0]->queue, 1);
	e810_fdir_reset(&m);

	/* Profile 10 (the udp4 group) with the destination address only: proto 17 from the group. */
	fdr_profile(&m, &r, FDR_PROF_UDP4, dst4, 2, FDU_PTG_IPV4_UDP, 4);
	len = fdu_frame4(pkt, zero, zero, 17, 0x0a000007, 0, 0, 0, 0);
	assert_true(fdr_program_pkt(&m, &r, pkt, len, 2, false, false, 12));
	n = e810_steer_flows(&m, fl, MAXFL);
	assert_int_equal(fd_flows(n, fd), 1);
	assert_int_equal(fd[0]->m.fields, NET_FLOW_F_IPV4 | NET_FLOW_F_DST_IP | NET_FLOW_F_PROTO);
	assert_int_equal(fd[0]->m.ip_proto, 17);
	assert_memory_equal(fd[0]->m.dst_ip, "\x0a\x00\x00\x07", 4);
	assert_memory_equal(fd[0]->m.dst_ip_mask, "\xff\xff\xff\xff", 4);

	/* The TCP group takes the same profile: UDP and TCP but not all IPv4, not a flow's. */
	{
		uint8_t key[10];

		e810fd_tcam_key(FDU_PTG_IPV4_TCP, 0x2001u, key);
		assert_int_equal(fdu_sec_tcam(fx, 5, key, FDR_PROF_UDP4), 0);
	}
	assert_int_equal(fd_flows(e810_steer_flows(&m, fl, MAXFL), fd), 0);
	e810_fdir_reset(&m);

	/* A flexible (MAC) word: not a flow's field. */
	fdr_profile(&m, &r, FDR_PROF_UDP4, mac, 2, FDU_PTG_IPV4_UDP, 4);
	len = fdu_frame4(pkt, zero, zero, 17, 0, 0, 5001, 0, 40);
	assert_true(fdr_program_pkt(&m, &r, pkt, len, 2, false, false, 13));
	assert_int_equal(m.fd.tab.n, 1);
	assert_int_equal(fd_flows(e810_steer_flows(&m, fl, MAXFL), fd), 0);
}

/* An IPv6/UDP frame (addresses s and d, ports sp, dp); its length. */
static unsigned frame6(uint8_t *f, const uint8_t s6[16], const uint8_t d6[16], uint16_t sp,
		       uint16_t dp)
{
	memset(f, 0, 14 + 40 + 8);
	memcpy(f, MAC, 6);
	memcpy(f + 6, PEER, 6);
	f[12] = 0x86;
	f[13] = 0xdd;
	f[14] = 0x60;
	f[19] = 8;
	f[20] = 17;
	f[21] = 64;
	memcpy(f + 22, s6, 16);
	memcpy(f + 38, d6, 16);
	f[54] = (uint8_t)(sp >> 8);
	f[55] = (uint8_t)sp;
	f[56] = (uint8_t)(dp >> 8);
	f[57] = (uint8_t)dp;
	return 14 + 40 + 8;
}

/* udp6 dst-ip B dst-port P: IPV6 / UDP with the 16 address bytes; frames agree with steering. */
static void test_udp6(void **state)
{
	struct e810fd_word w[9];
	static const uint8_t b6[16] = { 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x42 };
	static const uint8_t z6[16];
	/* The package's XLT1 for ptype 90 (IPv6/UDP) into a group of its own. */
	const uint8_t xlt1[5] = { 1, 0, E810_PTYPE_IPV6_UDP, 0, 8 };
	const struct net_flow *fd[MAXFL];
	struct pkt *p;
	uint8_t pkt[128];
	unsigned n, len;
	bool by_fd;

	(void)state;
	for (unsigned i = 0; i < 8; i++)
		w[i] = (struct e810fd_word){ E810FD_P_IPV6, (uint16_t)(24 + 2 * i) };
	w[8] = (struct e810fd_word){ E810FD_P_UDP, 2 };
	assert_int_equal(e810_flex_section(e810_aq_flex(m.aq), E810_SID_XLT1_FD, xlt1, sizeof(xlt1)), 0);
	fdr_profile(&m, &r, 20, w, 9, 8, 6);
	ice_open_rules();
	len = frame6(pkt, b6, z6, 4789, 0); /* swapped, as ice sends it */
	assert_true(fdr_program_pkt(&m, &r, pkt, len, 3, false, false, 21));
	n = e810_steer_flows(&m, fl, MAXFL);
	assert_int_equal(fd_flows(n, fd), 1);
	assert_int_equal(fd[0]->m.fields, NET_FLOW_F_IPV6 | NET_FLOW_F_DST_IP | NET_FLOW_F_PROTO |
					      NET_FLOW_F_DPORT);
	assert_memory_equal(fd[0]->m.dst_ip, b6, 16);
	assert_int_equal(fd[0]->m.ip_proto, 17);
	assert_int_equal(fd[0]->m.dst_port, 4789);
	assert_int_equal(fd[0]->queue, 3);
	p = pkt_alloc(pool);
	assert_non_null(p);
	p->len = frame6(p->data, z6, b6, 1000, 4789);
	assert_true(net_flow_matches(fd[0], p->data, p->len, -1));
	assert_int_equal(fdr_steer(&m, p, &by_fd), 3);
	assert_true(by_fd);
	p->data[53] = 0x43; /* another address */
	assert_false(net_flow_matches(fd[0], p->data, p->len, -1));
	assert_int_equal(fdr_steer(&m, p, &by_fd), 0);
	pkt_free(p);
}

/* Frames to dport with RSS hashes from 0 (as a backend gives them): how many each queue took. */
static void spread(uint8_t proto, uint16_t dport, unsigned n, unsigned cnt[E810_MODEL_QPS_MAX])
{
	memset(cnt, 0, E810_MODEL_QPS_MAX * sizeof(cnt[0]));
	for (unsigned h = 0; h < n; h++) {
		struct pkt *p = pkt_alloc(pool);
		bool by_fd;
		int q;

		assert_non_null(p);
		p->len = fdu_frame4(p->data, MAC, PEER, proto, 0x0a000001, 0x0a000002, 40000, dport, 4);
		p->flags |= PKT_F_RSS;
		p->rss_hash = 0x9e370000u | h;
		q = fdr_steer(&m, p, &by_fd);
		assert_true(q >= 0 && q < (int)E810_MODEL_QPS_MAX);
		cnt[q]++;
		pkt_free(p);
	}
}

/* update_vsi: the PF VSI's RX queues scattered, VSI queue i on map[i] (the rest none). */
static void scatter(const uint16_t map[8])
{
	uint8_t p[128] = { 0 }, prm[16] = { 0 };

	p16(p + VP_VALID_SECTIONS, 1u << 6);
	p16(p + VP_MAPPING_FLAGS, 1);
	for (unsigned i = 0; i < 16; i++)
		p16(p + VP_Q_MAPPING + 2 * i, i < 8 ? map[i] : 0x7ffu);
	p16(prm + VC_VSI_NUM, r.vsi | VSI_IS_VALID);
	assert_int_equal(drv_cmd(&r.d, AQC_UPDATE_VSI, prm, p, sizeof(p), true, NULL), 0);
}

/*
 * toq 2 from queue 2: frames of different hashes spread over queues 2..5
 * (the hash's low bits pick), none elsewhere; listed as queue 2/4. A region
 * running past the VSI's 8 queues (4 from queue 6) is cut to the 2 it has,
 * counted (the largest power of two that fits); one from a queue the VSI
 * lacks is no filter (on to RSS); with a scattered queue map the region's
 * PF queues are no range: steered, not listed.
 */
static void test_region(void **state)
{
	const struct net_flow *fd[MAXFL];
	unsigned cnt[E810_MODEL_QPS_MAX], n, k;
	char buf[256];

	(void)state;
	ice_open_rules();
	assert_true(fdr_program_region(&m, &r, 17, 5001, 2, 2, 31));
	assert_int_equal(m.fd.tab.n, 1);
	spread(17, 5001, 64, cnt);
	for (unsigned q = 0; q < E810_MODEL_QPS_MAX; q++)
		assert_int_equal(cnt[q], q >= 2 && q <= 5 ? 16u : 0u);
	assert_int_equal(m.fd.region_clamped, 0);
	/* Each frame where its hash says: 2 + (hash & 3). */
	for (uint32_t h = 0; h < 8; h++) {
		struct pkt *p = pkt_alloc(pool);
		bool by_fd;

		assert_non_null(p);
		p->len = fdu_frame4(p->data, MAC, PEER, 17, 0x0a000001, 0x0a000002, 40000, 5001, 4);
		p->flags |= PKT_F_RSS;
		p->rss_hash = h * 0x11u;
		assert_int_equal(fdr_steer(&m, p, &by_fd), 2 + (int)(h * 0x11u & 3u));
		assert_true(by_fd);
		pkt_free(p);
	}
	/* Other frames: not the filter's (queue 0 with RSS off). */
	spread(17, 5002, 16, cnt);
	assert_int_equal(cnt[0], 16);

	n = e810_steer_flows(&m, fl, MAXFL);
	k = fd_flows(n, fd);
	assert_int_equal(k, 1);
	assert_int_equal(fd[0]->action, NET_FLOW_QUEUE);
	assert_int_equal(fd[0]->queue, 2);
	assert_int_equal(fd[0]->nqueues, 4);
	assert_true(net_flow_format(fd[0], buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "dport=5001/0xffff -> queue 2/4"));

	/* 4 from queue 6 of 8: cut to queues 6 and 7, counted; listed as 6/2. */
	assert_true(fdr_program_region(&m, &r, 17, 5003, 6, 2, 32));
	spread(17, 5003, 64, cnt);
	for (unsigned q = 0; q < E810_MODEL_QPS_MAX; q++)
		assert_int_equal(cnt[q], q == 6 || q == 7 ? 32u : 0u);
	assert_int_equal(m.fd.region_clamped, 64);
	/* 128 from queue 5: cut to the 2 of 5..7 that are a power of two. */
	assert_true(fdr_program_region(&m, &r, 6, 80, 5, 7, 33));
	spread(6, 80, 32, cnt);
	for (unsigned q = 0; q < E810_MODEL_QPS_MAX; q++)
		assert_int_equal(cnt[q], q == 5 || q == 6 ? 16u : 0u);
	/* From queue 9: the VSI lacks it, steering goes on (queue 0), not listed. */
	assert_true(fdr_program_region(&m, &r, 17, 5004, 9, 1, 34));
	spread(17, 5004, 8, cnt);
	assert_int_equal(cnt[0], 8);
	assert_int_equal(m.fd.bad_queue, 8);

	n = e810_steer_flows(&m, fl, MAXFL);
	k = fd_flows(n, fd);
	assert_int_equal(k, 3);
	for (unsigned i = 0; i < k; i++) {
		assert_int_not_equal(fd[i]->origin_id, 34);
		if (fd[i]->origin_id == 32) {
			assert_int_equal(fd[i]->queue, 6);
			assert_int_equal(fd[i]->nqueues, 2);
		} else if (fd[i]->origin_id == 33) {
			assert_int_equal(fd[i]->queue, 5);
			assert_int_equal(fd[i]->nqueues, 2);
		}
	}

	/*
	 * A scattered map (VSI queues 2..5 on PF queues 2, 3, 5, 4): the region
	 * still spreads over those 4, but they are no range of the PF's: not
	 * listed, nor 33's (5, 6 on 4, 6); 32's (6, 7) still is.
	 */
	{
		static const uint16_t map[8] = { 0, 1, 2, 3, 5, 4, 6, 7 };

		scatter(map);
	}
	spread(17, 5001, 64, cnt);
	for (unsigned q = 0; q < E810_MODEL_QPS_MAX; q++)
		assert_int_equal(cnt[q], q >= 2 && q <= 5 ? 16u : 0u);
	n = e810_steer_flows(&m, fl, MAXFL);
	k = fd_flows(n, fd);
	assert_int_equal(k, 1);
	assert_int_equal(fd[0]->origin_id, 32);
	assert_int_equal(fd[0]->queue, 6);
	assert_int_equal(fd[0]->nqueues, 2);
}

/*
 * The flows' decision for a frame: the lowest order matching; -3: none.
 * *nq: how many queues from the one returned (a region's range), else 1.
 */
static int flows_decide(unsigned n, const uint8_t *f, uint32_t len, int vid, unsigned *nq)
{
	int got = -3, best = 1 << 30;

	*nq = 1;
	for (unsigned i = 0; i < n && i < MAXFL; i++) {
		if (!net_flow_matches(&fl[i], f, len, vid) || fl[i].priority >= best)
			continue;
		best = fl[i].priority;
		got = fl[i].action == NET_FLOW_DROP ? E810_STEER_DROP
		      : fl[i].action == NET_FLOW_PASS ? 0 /* RSS off: queue 0 */
						      : fl[i].queue;
		*nq = fl[i].action == NET_FLOW_QUEUE && fl[i].nqueues > 1 ? fl[i].nqueues : 1u;
	}
	return got;
}

/* For frames to the VM's MAC the flows decide as the receive path (fd_rig's order). */
static void test_agree(void **state)
{
	static const uint16_t ports[] = { 53, 80, 5001, 5002, 6001 };
	uint64_t rng = 0x5eedf10eull;
	unsigned decided = 0, regions = 0, n;

	(void)state;
	ice_open_rules();
	/* VLAN 7 dropped and VLAN 6 to queue 3 by switch rules: before the flow director. */
	assert_int_equal(swr_add(&r, SW_RULE_LKUP_RX, LKUP_MAC_VLAN, swr_act_drop(), MAC, 0, 7, NULL), 0);
	assert_int_equal(swr_add(&r, SW_RULE_LKUP_RX, LKUP_MAC_VLAN, swr_act_q(3, 0), MAC, 0, 6, NULL), 0);
	assert_true(fdr_program(&m, &r, 17, 5001, 2, false, false, 1));
	assert_true(fdr_program(&m, &r, 6, 80, 1, false, false, 2));
	assert_true(fdr_program(&m, &r, 17, 53, 0, true, false, 3));
	assert_true(fdr_program(&m, &r, 6, 6001, 3, true, false, 4));
	assert_true(fdr_program_region(&m, &r, 17, 5002, 2, 1, 5)); /* queues 2 and 3 */
	n = e810_steer_flows(&m, fl, MAXFL);
	assert_true(n <= MAXFL);
	for (unsigned it = 0; it < 4000; it++) {
		struct pkt *p = pkt_alloc(pool);
		uint8_t proto;
		int want, got;
		unsigned nq;
		bool by_fd;

		assert_non_null(p);
		rng ^= rng << 13;
		rng ^= rng >> 7;
		rng ^= rng << 17;
		proto = (rng & 3) == 0 ? 1 : (rng & 3) == 1 ? 6 : 17;
		p->len = fdu_frame4(p->data, MAC, PEER, proto, 0x0a000001, 0x0a000002, 40000,
				    ports[(rng >> 8) % 5], 4);
		if ((rng >> 16) % 4 == 0) {
			p->flags |= PKT_F_VLAN;
			p->vlan_tci = (uint16_t)(1 + (rng >> 20) % 8);
		}
		if ((rng >> 24) & 1) { /* a hash from the backend: a region's frames spread */
			p->flags |= PKT_F_RSS;
			p->rss_hash = (uint32_t)(rng >> 32);
		}
		got = fdr_steer(&m, p, &by_fd);
		want = flows_decide(n, p->data, p->len, (p->flags & PKT_F_VLAN) ? p->vlan_tci & 0xfff : -1,
				    &nq);
		if (want != -3 && nq > 1) {
			assert_true(got >= want && got < want + (int)nq);
			regions += got != want;
			decided++;
		} else if (want != -3) {
			assert_int_equal(got, want);
			decided++;
		} else {
			assert_int_equal(got, E810_STEER_DROP); /* no rule forwards it */
		}
		pkt_free(p);
	}
	assert_true(decided > 1000);
	assert_true(regions > 0); /* the region's second queue taken too */
	assert_true(m.fd.tab.st.matches > 0 && m.fd.drops > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_udp4_queue, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rules_anded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_udp6, setup, teardown),
		cmocka_unit_test_setup_teardown(test_agree, setup, teardown),
		cmocka_unit_test_setup_teardown(test_region, setup8, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
