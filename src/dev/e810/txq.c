/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The E810's TX queues: the walk of data and context descriptors, frame
 * gathering through the burst's DMA window, checksum insertion, TCP/UDP
 * segmentation (net/tso), VLAN insertion handed on as PKT_F_VLAN, and the
 * done write-back the driver polls. See lan.h.
 */
#include <errno.h>
#include <string.h>

#include "dev/e810/lan.h"
#include "dev/e810/lan_desc.h"
#include "dev/e810/lan_priv.h"
#include "net/csum.h"

/* Why the frame being gathered will be dropped. */
enum { TXD_OK, TXD_NOBUF, TXD_LONG, TXD_DMA, TXD_NOEOP };

/* ==== sinks ======================================================================= */

static uint16_t port_send(void *arg, uint16_t queue, struct pkt **pkts, uint16_t n)
{
	return net_port_send_q(arg, queue, pkts, n);
}

/* Without a peer frames are taken (and dropped, counted by the port), as on a wire. */
static uint32_t port_space(void *arg, uint16_t queue)
{
	struct net_port *p = arg;

	return p->peer ? net_port_peer_space_q(p, queue) : UINT32_MAX;
}

struct e810_txq_sink e810_txq_sink_port(struct net_port *port, uint16_t queue)
{
	return (struct e810_txq_sink){ .send = port_send, .space = port_space, .arg = port,
				       .queue = queue };
}

/* ==== setup ======================================================================= */

void e810_txq_init(struct e810_txq *q, struct pci_dev *pci, struct pkt_pool *pool,
		   struct e810_txq_sink sink)
{
	memset(q, 0, sizeof(*q));
	q->pci = pci;
	q->dma.pci = pci;
	q->pool = pool;
	q->sink = sink;
	q->budget_descs = E810_TXQ_DESCS_DEFAULT;
	q->budget_frames = E810_TXQ_FRAMES_DEFAULT;
	net_gather_init(&q->g);
}

static void fr_free(struct e810_txq *q)
{
	if (q->fr.pkt)
		pkt_free(q->fr.pkt);
	q->fr.pkt = NULL;
	q->fr.active = false;
	net_gather_free(&q->g);
}

void e810_txq_stop(struct e810_txq *q)
{
	fr_free(q);
	if (q->nburst)
		pkt_free_bulk(q->burst, q->nburst);
	q->nburst = 0;
	q->cx.valid = false;
	q->fd.valid = false;
	q->enabled = false;
	q->ctx_ok = false;
}

int e810_txq_setup(struct e810_txq *q, const struct e810_aq_txq_ctx *c)
{
	int rc = 0;

	e810_txq_stop(q);
	if (c->qlen < E810_LAN_RING_MIN || c->qlen > E810_LAN_RING_MAX)
		rc = -E810_TXQ_CTX_QLEN;
	else if (c->wb_mode)
		rc = -E810_TXQ_CTX_WB_MODE;
	else if (c->base > UINT64_MAX - (uint64_t)c->qlen * E810_TXD_SIZE)
		rc = -E810_TXQ_CTX_BASE;
	if (rc) {
		q->st.ctx_bad++;
		return rc;
	}
	q->base = c->base;
	q->count = c->qlen;
	q->head = q->tail = 0;
	q->ctx_ok = q->enabled = true;
	return 0;
}

bool e810_txq_set_tail(struct e810_txq *q, uint32_t tail)
{
	if (!q->ctx_ok || tail >= q->count) {
		q->st.tail_oor++;
		LOG_RL(LOG_LVL_WARN, LAN_COMP, "TX doorbell %u outside the ring (%u descriptors): ignored",
		       tail, q->ctx_ok ? q->count : 0);
		return false;
	}
	q->tail = tail;
	return true;
}

/* ==== output ======================================================================= */

static void tx_flush(struct e810_txq *q)
{
	uint16_t n = (uint16_t)q->nburst, ok;

	if (!n)
		return;
	q->nburst = 0;
	ok = q->sink.send ? q->sink.send(q->sink.arg, q->sink.queue, q->burst, n) : 0;
	if (!q->sink.send)
		pkt_free_bulk(q->burst, n);
	q->st.drop_sink += n - ok;
}

static void tx_push(struct e810_txq *q, struct pkt *p, uint32_t *frames)
{
	if (q->fr.cmd & E810_TXD_CMD_IL2TAG1) {
		p->flags |= PKT_F_VLAN;
		p->vlan_tci = q->fr.l2tag1;
		q->st.vlan_ins++;
	}
	q->st.pkts++;
	q->st.bytes += p->len;
	e810_frame_classify(&q->st.cls, p->data, p->len);
	(*frames)++;
	if (q->space != UINT32_MAX && q->space)
		q->space--;
	q->burst[q->nburst++] = p;
	if (q->nburst == E810_TXQ_BURST)
		tx_flush(q);
}

/* ==== offloads ======================================================================= */

/*
 * The data descriptor's checksum request on a frame of len bytes: the IPv4
 * header checksum with IIPT = IPv4 + checksum, the L4 one with L4T (its field
 * holds the pseudo-header sum, as the driver leaves it). False if an offset
 * lies outside the frame.
 */
static bool tx_csum(struct e810_txq *q, uint8_t *f, uint32_t len)
{
	uint32_t cmd = q->fr.cmd, off = q->fr.offset;
	uint32_t l3 = E810_TXD_MACLEN(off), l4 = l3 + E810_TXD_IPLEN(off);
	uint32_t l4t = cmd & E810_TXD_CMD_L4T_M;

	if ((cmd & E810_TXD_CMD_IIPT_M) == E810_TXD_CMD_IIPT_IPV4_CSUM) {
		if (E810_TXD_IPLEN(off) < 20 || l4 > len)
			return false;
		lan_put_be16(f + l3 + 10, 0);
		if (!net_csum_insert(f, len, l3, l3 + 10, l4 - 1, false))
			return false;
		q->st.csum_ip++;
	}
	if (l4t == E810_TXD_CMD_L4T_TCP || l4t == E810_TXD_CMD_L4T_UDP) {
		bool udp = l4t == E810_TXD_CMD_L4T_UDP;

		if (E810_TXD_IPLEN(off) == 0 || l4 + (udp ? 8u : 20u) > len)
			return false;
		if (!net_csum_insert(f, len, l4, l4 + (udp ? 6u : 16u), 0, udp))
			return false;
		q->st.csum_l4++;
	}
	/* SCTP's CRC32c is not done: the frame goes out as given. */
	return true;
}

/* The frame's TSO request for net/tso; false when its header lengths are absurd. */
static bool tso_ctx(const struct e810_txq *q, struct net_tso *t)
{
	uint32_t cmd = q->fr.cmd, off = q->fr.offset;
	uint32_t iipt = cmd & E810_TXD_CMD_IIPT_M, l4t = cmd & E810_TXD_CMD_L4T_M;
	uint32_t l3 = E810_TXD_MACLEN(off), l4 = l3 + E810_TXD_IPLEN(off);
	bool udp = l4t == E810_TXD_CMD_L4T_UDP;

	if (!iipt || (l4t != E810_TXD_CMD_L4T_TCP && !udp) || l3 < LAN_ETH_HLEN)
		return false;
	if (E810_TXD_L4LEN(off) < (udp ? 8u : 20u))
		return false;
	*t = (struct net_tso){
		.hdrlen = l4 + E810_TXD_L4LEN(off),
		.mss = q->fr.mss,
		.l3_off = (uint16_t)l3,
		.l4_off = (uint16_t)l4,
		.ip_csum_off = (uint16_t)(l3 + 10),
		.ip_csum_end = (uint16_t)(l4 - 1),
		.l4_csum_off = (uint16_t)(l4 + (udp ? 6u : 16u)),
		.ipv4 = iipt != E810_TXD_CMD_IIPT_IPV6,
		.tcp = !udp,
		/* The driver zeroes the IPv4 checksum for TSO and asks for it. */
		.ip_csum = iipt == E810_TXD_CMD_IIPT_IPV4_CSUM,
		.l4_csum = true,
	};
	return true;
}

static void tx_tso(struct e810_txq *q, uint32_t *frames)
{
	struct net_sg sg[NET_GATHER_PKTS];
	struct net_tso_limits lim = { .max_len = NET_TSO_MAX, .max_seg = PKT_DATA_MAX,
				      .max_segs = NET_TSO_MAX / E810_TXC_MSS_MIN,
				      .min_mss = E810_TXC_MSS_MIN };
	struct net_tso_src src;
	struct net_tso t;
	int n;

	/* TSO_LEN is the payload: with the headers it must be the frame gathered. */
	if (!tso_ctx(q, &t) || t.hdrlen + q->fr.tso_len != q->fr.len) {
		q->st.drop_tso++;
		LOG_RL(LOG_LVL_WARN, LAN_COMP, "TSO frame of %u bytes dropped: header lengths (offset "
		       "%#x) or TSO_LEN %u do not fit it", q->fr.len, q->fr.offset, q->fr.tso_len);
		return;
	}
	n = net_tso_check(&t, q->fr.len, &lim);
	if (n < 0) {
		q->st.drop_tso++;
		LOG_RL(LOG_LVL_WARN, LAN_COMP, "TSO frame of %u bytes dropped (error %d): %u-byte "
		       "headers, MSS %u", q->fr.len, -n, t.hdrlen, t.mss);
		return;
	}
	q->st.tso++;
	net_tso_src_init(&src, sg, net_gather_sg(&q->g, sg));
	for (uint32_t seg = 0; seg < (uint32_t)n; seg++) {
		struct pkt *p = pkt_alloc(q->pool);
		uint32_t len;

		if (!p) {
			q->st.drop_nobuf += (uint32_t)n - seg;
			return;
		}
		len = net_tso_seg(&t, &src, seg, p->data, PKT_DATA_MAX);
		if (!len) {
			pkt_free(p);
			q->st.drop_tso++;
			return;
		}
		p->len = len;
		q->st.tso_segs++;
		tx_push(q, p, frames);
	}
}

/* ==== the walk ======================================================================= */

static void tx_drop(struct e810_txq *q)
{
	switch (q->fr.drop) {
	case TXD_NOBUF:
		q->st.drop_nobuf++;
		break;
	case TXD_LONG:
		q->st.drop_long++;
		LOG_RL(LOG_LVL_WARN, LAN_COMP, "TX frame longer than %u bytes dropped",
		       q->fr.tso ? NET_TSO_MAX : PKT_DATA_MAX);
		break;
	case TXD_NOEOP:
		q->st.drop_noeop++;
		LOG_RL(LOG_LVL_WARN, LAN_COMP,
		       "TX frame over more descriptors than the ring (%u) dropped", q->count);
		break;
	default:
		q->st.drop_dma++; /* logged where it was found (tx_append) */
		break;
	}
}

/* ==== flow director programming ==================================================== */

static const char *const fd_err_name[] = {
	[E810_FDP_OK] = "ok",
	[E810_FDP_NODATA] = "no data descriptor after it",
	[E810_FDP_NODUMMY] = "the frame after it is not a DUMMY packet",
	[E810_FDP_LEN] = "packet length 0 or too long",
	[E810_FDP_DMA] = "packet outside guest memory",
};

/* Hands a programming request on: with its packet, or refused (err). */
static void fd_hand(struct e810_txq *q, uint64_t qw0, uint64_t qw1, const uint8_t *pkt,
		    uint32_t len, enum e810_fd_prog_err err)
{
	struct e810_fd_prog p = { .qw0 = qw0, .qw1 = qw1, .pkt = err ? NULL : pkt,
				  .len = err ? 0 : len, .err = err };

	if (err) {
		q->st.fd_bad++;
		LOG_RL(LOG_LVL_WARN, LAN_COMP, "flow director programming descriptor refused: %s",
		       fd_err_name[err]);
	} else {
		q->st.fd_progs++;
	}
	q->prog.fn(q->prog.arg, q->prog.queue, &p);
}

/* A programming descriptor waiting for its packet, given up (err). */
static void fd_drop_pending(struct e810_txq *q, enum e810_fd_prog_err err)
{
	if (!q->fd.valid)
		return;
	q->fd.valid = false;
	fd_hand(q, q->fd.qw0, q->fd.qw1, NULL, 0, err);
}

/*
 * The EOP of a frame a programming descriptor came before: its packet for
 * the flow director. False when it was no DUMMY packet (a frame, sent on).
 */
static bool fd_finish(struct e810_txq *q, const struct pkt *p)
{
	enum e810_fd_prog_err err = E810_FDP_OK;

	q->fr.fd = false;
	if (q->fr.drop == TXD_DMA || q->fr.drop == TXD_NOBUF)
		err = E810_FDP_DMA;
	else if (q->fr.drop || q->fr.tso || !q->fr.len)
		err = E810_FDP_LEN;
	else if (!(q->fr.cmd & E810_TXD_CMD_DUMMY)) {
		fd_hand(q, q->fr.fd_qw0, q->fr.fd_qw1, NULL, 0, E810_FDP_NODUMMY);
		return false;
	}
	fd_hand(q, q->fr.fd_qw0, q->fr.fd_qw1, p ? p->data : NULL, q->fr.len,
		p || err ? err : E810_FDP_DMA);
	return true;
}

/* The EOP descriptor: checksums, segmentation, out it goes. */
static void tx_finish(struct e810_txq *q, uint32_t *frames)
{
	struct pkt *p = q->fr.pkt;

	q->fr.pkt = NULL;
	q->fr.active = false;
	if (q->fr.fd && fd_finish(q, p)) {
		/* a programming packet: not for the wire */
	} else if (q->fr.drop) {
		tx_drop(q);
	} else if (q->fr.cmd & E810_TXD_CMD_DUMMY) {
		q->st.drop_dummy++;
	} else if (q->fr.tso) {
		tx_tso(q, frames);
	} else if (q->fr.len < LAN_ETH_HLEN) {
		q->st.drop_runt++;
	} else if (!tx_csum(q, p->data, q->fr.len)) {
		q->st.drop_csum++;
		LOG_RL(LOG_LVL_WARN, LAN_COMP, "TX frame of %u bytes dropped: checksum offsets "
		       "(offset %#x) outside it", q->fr.len, q->fr.offset);
	} else {
		p->len = q->fr.len;
		tx_push(q, p, frames);
		p = NULL;
	}
	if (p)
		pkt_free(p);
	net_gather_free(&q->g);
}

/* The first data descriptor of a frame: its CMD, OFFSET and L2TAG1 count. */
static void tx_start(struct e810_txq *q, uint64_t qw1)
{
	q->fr = (typeof(q->fr)){
		.active = true,
		.cmd = (uint16_t)((qw1 >> E810_TXD_CMD_S) & E810_TXD_CMD_M),
		.offset = (uint32_t)((qw1 >> E810_TXD_OFFSET_S) & E810_TXD_OFFSET_M),
		.l2tag1 = (uint16_t)(qw1 >> E810_TXD_L2TAG1_S),
	};
	if (q->cx.valid && q->cx.tso) {
		q->fr.tso = true;
		q->fr.tso_len = q->cx.tso_len;
		q->fr.mss = q->cx.mss;
	}
	q->cx.valid = false; /* a context descriptor is for the next frame only */
	if (q->fd.valid) { /* the programming descriptor's packet */
		q->fd.valid = false;
		q->fr.fd = true;
		q->fr.fd_qw0 = q->fd.qw0;
		q->fr.fd_qw1 = q->fd.qw1;
	}
	net_gather_init(&q->g);
	if (!q->fr.tso) {
		q->fr.pkt = pkt_alloc(q->pool);
		if (!q->fr.pkt)
			q->fr.drop = TXD_NOBUF;
	}
}

static void tx_append(struct e810_txq *q, uint64_t addr, uint32_t len)
{
	uint32_t cap = q->fr.fd ? E810_FD_PKT_MAX : q->fr.tso ? NET_TSO_MAX : PKT_DATA_MAX;
	const uint8_t *src;

	if (q->fr.drop || !len)
		return;
	if (len > cap - q->fr.len) {
		q->fr.drop = TXD_LONG;
		return;
	}
	src = dring_dma_buf(&q->dma, addr, len, VFU_PROT_READ);
	if (!src) {
		q->fr.drop = TXD_DMA;
		LOG_RL(LOG_LVL_WARN, LAN_COMP,
		       "TX buffer at %#llx (%u bytes) outside guest memory: frame dropped",
		       (unsigned long long)addr, len);
		return;
	}
	if (!q->fr.tso)
		memcpy(q->fr.pkt->data + q->fr.len, src, len);
	else if (net_gather_append(&q->g, q->pool, src, len) < 0) {
		q->fr.drop = TXD_NOBUF;
		return;
	}
	q->fr.len += len;
}

/* One descriptor (a private copy of it). */
static void tx_desc(struct e810_txq *q, const uint8_t d[E810_TXD_SIZE], uint32_t *frames)
{
	uint64_t qw1 = lan_le64(d + 8);
	unsigned dtype = (unsigned)(qw1 & E810_TXD_DTYPE_M);

	if (dtype == E810_TXD_DTYPE_CTX) {
		unsigned cmd = (unsigned)((qw1 >> E810_TXC_CMD_S) & E810_TXC_CMD_M);

		if (q->fr.active) {
			q->st.bad_desc++; /* only between frames */
			return;
		}
		fd_drop_pending(q, E810_FDP_NODATA);
		q->cx.valid = true;
		q->cx.tso = cmd & E810_TXC_CMD_TSO;
		q->cx.tso_len = (uint32_t)((qw1 >> E810_TXC_TSO_LEN_S) & E810_TXC_TSO_LEN_M);
		q->cx.mss = (uint16_t)((qw1 >> E810_TXC_MSS_S) & E810_TXC_MSS_M);
		return;
	}
	if (dtype == E810_TXD_DTYPE_FD_PROG && q->prog.fn) {
		if (q->fr.active) {
			q->st.bad_desc++; /* only between frames */
			return;
		}
		fd_drop_pending(q, E810_FDP_NODATA);
		q->fd.valid = true;
		q->fd.qw0 = lan_le64(d);
		q->fd.qw1 = qw1;
		return;
	}
	if (dtype != E810_TXD_DTYPE_DATA) {
		q->st.bad_desc++; /* flow director programming and the rest: skipped */
		return;
	}
	if (!q->fr.active)
		tx_start(q, qw1);
	/* A frame longer than the ring can never have been posted whole. */
	if (++q->fr.descs > q->count && !q->fr.drop)
		q->fr.drop = TXD_NOEOP;
	tx_append(q, lan_le64(d), (uint32_t)((qw1 >> E810_TXD_BSZ_S) & E810_TXD_BSZ_M));
	if ((qw1 >> E810_TXD_CMD_S) & E810_TXD_CMD_EOP)
		tx_finish(q, frames);
}

/* Before a new frame: false when the sink has no room (after asking again). */
static bool tx_room(struct e810_txq *q)
{
	if (q->space)
		return true;
	tx_flush(q);
	q->space = q->sink.space ? q->sink.space(q->sink.arg, q->sink.queue) : UINT32_MAX;
	return q->space != 0;
}

static void tx_walk(struct e810_txq *q, struct e810_txq_result *res_out)
{
	struct e810_txq_result res = *res_out;
	uint32_t budget, head = q->head, spent = res.descs;
	struct dring r;
	struct dring_txwb wb;

	if (!q->enabled || head == q->tail)
		return;
	q->space = q->sink.space ? q->sink.space(q->sink.arg, q->sink.queue) : UINT32_MAX;
	dring_init(&r, q->pci, q->base, q->count, E810_TXD_SIZE);
	dring_map(&r);
	dring_prefetch(&r, head, dring_used(head, q->tail, q->count));
	dring_txwb_init(&wb, E810_TXD_WB_BYTE, E810_TXD_WB_KEEP, E810_TXD_DTYPE_DONE);
	dring_dma_reset(&q->dma);
	budget = q->budget_descs < q->count ? q->budget_descs : q->count;
	budget = spent < budget ? budget - spent : 0;
	res.more = false;
	res.blocked = false;
	while (head != q->tail) {
		const uint8_t *dp;
		uint8_t d[E810_TXD_SIZE];
		uint64_t qw1;

		if (!q->fr.active) {
			if (!budget || res.frames >= q->budget_frames) {
				res.more = true;
				q->st.budget_stops++;
				break;
			}
			if (!tx_room(q)) {
				res.blocked = true;
				q->st.blocked++;
				break;
			}
		} else if (!budget) {
			/* Within a frame: finish it up to the ring's worth (no EOP: dropped). */
			if (res.descs - spent >= q->count) {
				res.more = true;
				q->st.budget_stops++;
				break;
			}
		}
		dp = dring_desc(&r, head, VFU_PROT_READ);
		if (!dp) {
			q->st.desc_dma++;
			LOG_RL(LOG_LVL_WARN, LAN_COMP,
			       "TX descriptor %u at %#llx outside guest memory: walk stopped", head,
			       (unsigned long long)dring_addr(&r, head));
			break;
		}
		memcpy(d, dp, sizeof(d));
		qw1 = lan_le64(d + 8);
		tx_desc(q, d, &res.frames);
		if ((qw1 & E810_TXD_DTYPE_M) == E810_TXD_DTYPE_DATA &&
		    ((qw1 >> E810_TXD_CMD_S) & E810_TXD_CMD_RS)) {
			dring_txwb_add(&wb, &r, head);
			q->st.wb++;
			res.done_wb = true;
		}
		head = dring_next(&r, head);
		res.descs++;
		if (budget)
			budget--;
	}
	q->head = head;
	q->st.descs += res.descs - spent;
	/* The buffers were copied from: the guest may reuse them. */
	dring_txwb_flush(&wb);
	dring_dma_reset(&q->dma);
	*res_out = res;
	tx_flush(q); /* may re-enter (q->again) */
}

struct e810_txq_result e810_txq_run(struct e810_txq *q)
{
	struct e810_txq_result res = { 0 };
	unsigned rounds = 0;

	if (q->busy) {
		q->again = true;
		return res;
	}
	q->busy = true;
	do {
		q->again = false;
		tx_walk(q, &res);
	} while (q->again && !res.more && !res.blocked && ++rounds < 4);
	q->busy = false;
	return res;
}
