// SPDX-License-Identifier: GPL-2.0-or-later
/* A model's receive path for the steering tests (fd_rig.h). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "dev/e810/fdir.h"
#include "dev/e810/lan_desc.h"
#include "dev/e810/steer.h"
#include "fd_rig.h"
#include "fd_util.h"
#include "net/pkt.h"

#define VSIG 0x2001u

void fdr_model_init(struct e810 *m, struct swr_rig *r, const uint8_t mac[6], const char *name)
{
	fdr_model_init_nq(m, r, mac, name, SWR_NQ);
}

void fdr_model_init_nq(struct e810 *m, struct swr_rig *r, const uint8_t mac[6], const char *name,
		       unsigned nq)
{
	unsigned vsi;

	assert_true(nq >= 1 && nq <= E810_MODEL_QPS_MAX);
	memset(m, 0, sizeof(*m));
	swr_rig_init_nq(r, mac, nq);
	m->aq = r->d.aq;
	m->nq = nq;
	memcpy(m->mac, mac, 6);
	snprintf(m->name, sizeof(m->name), "%s", name);
	e810_fdir_init(m);
	/* The TX queue's context: its source VSI (bits 89:80) is the PF VSI. */
	vsi = r->vsi;
	m->qp[FDR_TXQ].tx_known = true;
	m->qp[FDR_TXQ].tx_ctx[10] = (uint8_t)vsi;
	m->qp[FDR_TXQ].tx_ctx[11] = (uint8_t)((vsi >> 8) & 3u);
}

void fdr_profile(struct e810 *m, struct swr_rig *r, unsigned prof, const struct e810fd_word *w,
		 unsigned n, uint8_t ptg, unsigned addr)
{
	struct e810_flex *fx = e810_aq_flex(m->aq);
	struct e810fd_prof p;
	uint8_t key[10];

	e810fd_build_prof(w, n, &p);
	/* ice_upd_prof_hw's order: ES, TCAM, XLT2; then the registers. */
	assert_int_equal(fdu_sec_es(fx, prof, &p), 0);
	e810fd_tcam_key(ptg, VSIG, key);
	assert_int_equal(fdu_sec_tcam(fx, addr, key, prof), 0);
	assert_int_equal(fdu_sec_xlt2(fx, r->vsi, VSIG), 0);
	fdu_regs(prof, &p, fdu_flex_wr, fx);
}

void fdr_profiles(struct e810 *m, struct swr_rig *r)
{
	const struct e810fd_word udp[] = { { E810FD_P_UDP, 2 } }, tcp[] = { { E810FD_P_TCP, 2 } };

	assert_int_equal(fdu_sec_xlt1_pkg(e810_aq_flex(m->aq)), 0);
	fdr_profile(m, r, FDR_PROF_UDP4, udp, 1, FDU_PTG_IPV4_UDP, 4);
	fdr_profile(m, r, FDR_PROF_TCP4, tcp, 1, FDU_PTG_IPV4_TCP, 5);
}

static bool program(struct e810 *m, const uint8_t *pkt, unsigned len, const struct e810fd_prog *d)
{
	struct e810_fd_prog p = { .pkt = pkt, .len = len, .err = E810_FDP_OK };
	uint64_t adds = m->fd.tab.st.adds + m->fd.tab.st.updates, removes = m->fd.tab.st.removes;

	e810fd_desc(d, &p.qw0, &p.qw1);
	e810_fdir_prog(m, FDR_TXQ, &p);
	return d->del ? m->fd.tab.st.removes > removes
		      : m->fd.tab.st.adds + m->fd.tab.st.updates > adds;
}

bool fdr_program_pkt(struct e810 *m, struct swr_rig *r, const uint8_t *pkt, unsigned len,
		     unsigned qindex, bool drop, bool del, uint32_t fdid)
{
	const struct e810fd_prog d = { .qindex = qindex, .report = 0, .vsi = r->vsi, .fdid = fdid,
				       .del = del, .drop = drop };

	return program(m, pkt, len, &d);
}

/* ice's programming packet: the rule's destination port in the source field. */
static unsigned prog_pkt(uint8_t *pkt, uint8_t proto, uint16_t dport)
{
	static const uint8_t zero[6];

	return fdu_frame4(pkt, zero, zero, proto, 0, 0, dport, 0, 0);
}

bool fdr_program(struct e810 *m, struct swr_rig *r, uint8_t proto, uint16_t dport,
		 unsigned qindex, bool drop, bool del, uint32_t fdid)
{
	uint8_t pkt[E810_FD_PKT_MAX];
	unsigned len = prog_pkt(pkt, proto, dport);

	return fdr_program_pkt(m, r, pkt, len, qindex, drop, del, fdid);
}

bool fdr_program_region(struct e810 *m, struct swr_rig *r, uint8_t proto, uint16_t dport,
			unsigned qindex, unsigned toq, uint32_t fdid)
{
	const struct e810fd_prog d = { .qindex = qindex, .toq = toq, .vsi = r->vsi, .fdid = fdid };
	uint8_t pkt[E810_FD_PKT_MAX];
	unsigned len = prog_pkt(pkt, proto, dport);

	return program(m, pkt, len, &d);
}

int fdr_steer(struct e810 *m, struct pkt *p, bool *by_fdir)
{
	int q = E810_STEER_NEXT;

	*by_fdir = false;
	if (e810_swr_active(m))
		q = e810_swr_steer(m, p);
	if (q == E810_STEER_NEXT && e810_fdir_active(m)) {
		q = e810_fdir_steer(m, p);
		*by_fdir = q != E810_STEER_NEXT;
	}
	if (q == E810_STEER_NEXT)
		q = 0; /* RSS off: the VSI's queue 0 */
	return q;
}
