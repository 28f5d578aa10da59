/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz target: the E810's admin queue engine (src/dev/e810/aq*.c) and its
 * LAN queues (rxq.c, txq.c), driven directly: no vfio-user transport and no
 * PCI model, so that one input takes microseconds. The harness plays what
 * model.c does around them (register writes handed on, TX queues set up from
 * the engine's add_txqs state, RX contexts as QRX_CONTEXT gives them) and the
 * guest (its memory) and the wire (frames in, a sink for frames out).
 *
 * Guest memory: two regions, RAM (read-write) at MEM0_BASE and a read-only
 * one at MEM1_BASE, nothing elsewhere. Every access goes through the checks
 * an IOMMU would do: the AQ's DMA callbacks and pci_dma_ptr/pci_dma_win_fill
 * (defined here; the LAN queues reach nothing else of the PCI layer) fail
 * for anything not wholly inside one region or a write to the read-only one.
 * The regions are heap blocks of their exact size, so a pointer the code
 * under test carries past the end of what it was granted is an ASan report.
 *
 * An input: one configuration byte, then chunks
 *
 *   [u8 action][u8 arg][u16 len, little endian][len bytes]
 *
 * (a chunk longer than what is left takes what is left). Actions, by
 * action % 16, are listed at `enum act` below.
 *
 * The work of one input is bounded (AQ_WORK_MAX and the like, below).
 *
 * Checks beyond ASan/UBSan: a register write or service call runs at most
 * the engine's budget of descriptors; a TX walk at most its budget plus one
 * ring (the frame in progress), and emits at most its frame budget plus one
 * TSO frame's segments; every frame the sink gets is 14..PKT_DATA_MAX bytes
 * in bursts of at most E810_TXQ_BURST, and their number is what the walk
 * reports; every frame given to an RX queue is counted as written or as one
 * drop; event posting answers only its documented codes; the read-only
 * region is unchanged; every packet of the pool is back after each input.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dev/e810/aq.h"
#include "dev/e810/aq_priv.h"
#include "dev/e810/e810_regs.h"
#include "dev/e810/lan.h"
#include "dev/e810/lan_desc.h"
#include "fuzz_common.h"
#include "net/pkt.h"
#include "net/tso.h"
#include "pci/pci.h"

#define MEM0_BASE 0x00100000ull
#define MEM0_SIZE (128u << 10)
#define MEM1_BASE 0x40000000ull
#define MEM1_SIZE (16u << 10)
#define NQ 4u
#define POOL_PKTS 128u
#define RX_BURST_MAX 64u
/*
 * Work per input: past these, doorbells and service calls are skipped. One
 * ATQT write may walk 1023 descriptors, one TX doorbell 8191, and an input
 * of a few KiB could ask for thousands of them; the first long run slowed
 * from 19,000 to 8,500 executions/s as such inputs filled the corpus (most
 * of it in the command lookup of unknown opcodes, ~100 compares each).
 */
#define AQ_WORK_MAX 1024u
#define TX_WORK_MAX 32768u
#define RX_WORK_MAX 1024u

enum act {
	ACT_MEM,        /* [u8 region][u32 offset][bytes]: guest writes its memory */
	ACT_AQ_REG,     /* ([u8 reg][u32 value])...: PF_FW_* register writes */
	ACT_AQ_SERVICE, /* arg % 8 + 1 service calls (the model's deferred walk) */
	ACT_AQ_EVENT,   /* [u16 opcode][8 params][data]: an event into the ARQ */
	ACT_AQ_LINK,    /* arg bit 0: carrier; bit 1: PF reset first */
	ACT_RX_CTX,     /* [8 x u32]: QRX_CONTEXT, then QENA_REQ (arg bit 6: left disabled) */
	ACT_RX_TAIL,    /* [u32]: QRX_TAIL */
	ACT_RX_FRAMES,  /* ([u8 flags][u16 len][tci?][offload?][bytes])...: frames from the wire */
	ACT_TX_CTX,     /* [22 bytes]: a TX queue context as add_txqs gives it */
	ACT_TX_DB,      /* [u32]: QTX_COMM_DBELL, then the walk */
	ACT_TX_RUN,     /* arg % 8 + 1 more walks (the model's deferred work) */
	ACT_TX_STOP,    /* dis_txqs */
	ACT_SINK,       /* [u32 room][u16 accept]; arg bit 0: the sink re-enters the walk */
	ACT_HOLD,       /* arg > 0: take arg packets out of the pool; 0: give them back */
	ACT_TX_BUDGET,  /* [u16 descs][u16 frames]: the walk's budgets (0: default) */
	ACT_RX_OPTS,    /* arg bit 0: checksum verification, bit 1: VLAN strip */
	ACT_COUNT
};

static const uint32_t aq_regs[10] = {
	E810_PF_FW_ATQBAL, E810_PF_FW_ATQBAH, E810_PF_FW_ATQLEN, E810_PF_FW_ATQH, E810_PF_FW_ATQT,
	E810_PF_FW_ARQBAL, E810_PF_FW_ARQBAH, E810_PF_FW_ARQLEN, E810_PF_FW_ARQH, E810_PF_FW_ARQT,
};

struct qpair {
	struct e810_rxq rx;
	struct e810_txq tx;
	bool tx_known;           /* set up from the engine's add_txqs state */
	uint32_t tx_teid;
	uint8_t tx_ctx[22];
};

static struct {
	uint8_t *mem0, *mem1, *mem1_shadow;
	struct pkt_pool *pool;
	struct e810_aq *aq;
	struct e810_aq *fresh[4][4][2]; /* engines as created, per configuration */
	uint16_t budget;         /* the engine's atq_budget */
	unsigned nq;
	struct qpair qp[NQ];
	struct pkt *held[POOL_PKTS];
	unsigned nheld;
	/* the sink */
	uint32_t room;
	uint16_t accept;
	bool reenter;
	unsigned sink_depth;
	uint64_t sink_frames;
	uint64_t fd_progs;     /* programming requests the flow director's hook got */
	/* the AQ's DMA */
	uint64_t aq_dma_calls, arq_notifies;
	/* work done by this input (descriptors walked, frames delivered) */
	uint64_t aq_work0;
	uint32_t tx_work, rx_work;
	bool trace;
	volatile uint8_t touch;
} F;

static __attribute__((noreturn, format(printf, 1, 2))) void bug(const char *fmt, ...);

static void bug(const char *fmt, ...)
{
	va_list ap;

	fputs("fuzz harness: fuzz_e810: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

/* ---- guest memory and the DMA checks --------------------------------------------- */

/* The host pointer of [addr, addr + len) if it lies in one region (and may be written). */
static uint8_t *mem_ptr(uint64_t addr, uint64_t len, bool write, uint64_t *rbase,
			uint64_t *rsize)
{
	if (addr >= MEM0_BASE && addr - MEM0_BASE < MEM0_SIZE &&
	    len <= MEM0_SIZE - (addr - MEM0_BASE)) {
		*rbase = MEM0_BASE;
		*rsize = MEM0_SIZE;
		return F.mem0 + (addr - MEM0_BASE);
	}
	if (!write && addr >= MEM1_BASE && addr - MEM1_BASE < MEM1_SIZE &&
	    len <= MEM1_SIZE - (addr - MEM1_BASE)) {
		*rbase = MEM1_BASE;
		*rsize = MEM1_SIZE;
		return F.mem1 + (addr - MEM1_BASE);
	}
	return NULL;
}

void *pci_dma_ptr(struct pci_dev *d, uint64_t addr, uint64_t len, int prot)
{
	uint64_t b, s;

	(void)d;
	if (!len)
		len = 1;
	return mem_ptr(addr, len, prot & VFU_PROT_WRITE, &b, &s);
}

void *pci_dma_win_fill(struct pci_dev *d, struct pci_dma_win *w, uint64_t addr, uint64_t len,
		       int prot)
{
	uint64_t b, s;
	uint8_t *p;

	(void)d;
	p = mem_ptr(addr, len ? len : 1, prot & VFU_PROT_WRITE, &b, &s);
	if (!p)
		return NULL;
	w->addr = b;
	w->size = s;
	w->ptr = b == MEM0_BASE ? F.mem0 : F.mem1;
	w->prot = b == MEM0_BASE ? (VFU_PROT_READ | VFU_PROT_WRITE) : VFU_PROT_READ;
	return p;
}

static int aq_read(void *opaque, uint64_t gpa, void *dst, size_t len)
{
	uint64_t b, s;
	const uint8_t *p = mem_ptr(gpa, len, false, &b, &s);

	(void)opaque;
	F.aq_dma_calls++;
	if (!p || !len)
		return -EFAULT;
	memcpy(dst, p, len);
	return 0;
}

static int aq_write(void *opaque, uint64_t gpa, const void *src, size_t len)
{
	uint64_t b, s;
	uint8_t *p = mem_ptr(gpa, len, true, &b, &s);

	(void)opaque;
	F.aq_dma_calls++;
	if (!p || !len)
		return -EFAULT;
	memcpy(p, src, len);
	return 0;
}

static void aq_notify(void *opaque)
{
	(void)opaque;
	F.arq_notifies++;
}

static const struct e810_aq_dma_ops aq_ops = {
	.read = aq_read, .write = aq_write, .arq_notify = aq_notify,
};

/* ---- the sink (the wire) ----------------------------------------------------------- */

static struct e810_txq_result tx_run(struct qpair *p);

static uint16_t sink_send(void *arg, uint16_t queue, struct pkt **pkts, uint16_t n)
{
	struct qpair *p = arg;
	uint16_t ok;

	(void)queue;
	if (n == 0 || n > E810_TXQ_BURST)
		bug("TX burst of %u frames", n);
	for (uint16_t i = 0; i < n; i++) {
		const struct pkt *k = pkts[i];

		if (k->len < 14 || k->len > PKT_DATA_MAX)
			bug("TX frame of %u bytes", k->len);
		/* Reading the frame lets a wrong length show up under ASan. */
		for (uint32_t j = 0; j < k->len; j += 64)
			F.touch ^= k->data[j];
		F.touch ^= k->data[k->len - 1];
	}
	F.sink_frames += n;
	ok = F.accept < n ? F.accept : n;
	if (F.room != UINT32_MAX)
		F.room = F.room > ok ? F.room - ok : 0;
	pkt_free_bulk(pkts, n);
	/* A wake-up from inside the send: the walk must only look at its tail again. */
	if (F.reenter && F.sink_depth == 0) {
		struct e810_txq_result r;

		F.sink_depth++;
		r = e810_txq_run(&p->tx);
		F.sink_depth--;
		if (r.descs || r.frames)
			bug("a re-entered walk did work (%u descriptors, %u frames)", r.descs,
			    r.frames);
	}
	return ok;
}

static uint32_t sink_space(void *arg, uint16_t queue)
{
	(void)arg;
	(void)queue;
	return F.room;
}

/* A programming request (the flow director's hook): its packet read whole, bounds checked. */
static void prog_hook(void *arg, uint16_t queue, const struct e810_fd_prog *p)
{
	struct qpair *q = arg;

	(void)q;
	(void)queue;
	if (p->err && (p->pkt || p->len))
		bug("a refused programming request with a packet (%u bytes)", p->len);
	if (!p->err && (!p->pkt || !p->len || p->len > E810_FD_PKT_MAX))
		bug("a programming packet of %u bytes", p->len);
	for (uint32_t j = 0; j < p->len; j++)
		F.touch ^= p->pkt[j];
	F.fd_progs++;
}

/* ---- the queues ------------------------------------------------------------------- */

static struct e810_txq_result tx_run(struct qpair *p)
{
	struct e810_txq *q = &p->tx;
	uint64_t before = F.sink_frames;
	uint32_t budget = q->budget_descs < q->count ? q->budget_descs : q->count;
	uint32_t max_frames = q->budget_frames + NET_TSO_MAX / E810_TXC_MSS_MIN;
	struct e810_txq_result r = e810_txq_run(q);

	if (r.descs > budget + q->count)
		bug("a TX walk took %u descriptors (budget %u, ring %u)", r.descs, budget,
		    q->count);
	if (r.frames > max_frames)
		bug("a TX walk emitted %u frames (budget %u)", r.frames, q->budget_frames);
	F.tx_work += r.descs + 1;
	if (F.sink_frames - before != r.frames)
		bug("a TX walk reported %u frames, the sink got %llu", r.frames,
		    (unsigned long long)(F.sink_frames - before));
	if (q->head >= (q->count ? q->count : 1))
		bug("TX head %u outside a ring of %u", q->head, q->count);
	return r;
}

/* What model.c's txq_sync does: a queue per add_txqs entry, stopped when it goes. */
static void txq_sync(void)
{
	bool known = false;

	for (unsigned i = 0; i < F.nq; i++)
		known |= F.qp[i].tx_known;
	if (!known && !e810_aq_state(F.aq)->ntxq)
		return; /* the usual case, without F.nq searches of 256 entries */
	for (unsigned i = 0; i < F.nq; i++) {
		struct qpair *p = &F.qp[i];
		const struct e810_aq_txq *t = e810_aq_txq_find(F.aq, (uint16_t)i);
		struct e810_aq_txq_ctx c;

		if (!t) {
			if (p->tx_known) {
				e810_txq_stop(&p->tx);
				p->tx_known = false;
			}
			continue;
		}
		if (p->tx_known && p->tx_teid == t->teid && !memcmp(p->tx_ctx, t->ctx, 22))
			continue;
		p->tx_known = true;
		p->tx_teid = t->teid;
		memcpy(p->tx_ctx, t->ctx, 22);
		e810_aq_txq_ctx_decode(t->ctx, &c);
		e810_txq_setup(&p->tx, &c);
	}
}

static uint64_t aq_walked(void)
{
	const struct e810_aq_stats *s = e810_aq_stats(F.aq);

	return s->atq_cmds + s->atq_desc_dma;
}

static void aq_check_walk(uint64_t before, const char *what)
{
	uint64_t n = aq_walked() - before;

	if (n > F.budget)
		bug("%s ran %llu descriptors (budget %u)", what, (unsigned long long)n, F.budget);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint64_t rx_handled(const struct e810_rxq_stats *s)
{
	return s->pkts + s->drop_off + s->drop_bad + s->drop_long + s->drop_nodesc +
	       s->drop_tso + s->desc_dma;
}

/* Frames from the wire: records of [u8 flags][u16 len][u16 tci][offload][bytes]. */
static void rx_frames(struct qpair *p, const uint8_t *d, size_t len)
{
	struct pkt *pk[RX_BURST_MAX];
	uint16_t n = 0, w;
	uint64_t before;

	while (len >= 3 && n < RX_BURST_MAX && F.rx_work < RX_WORK_MAX) {
		uint8_t fl = d[0];
		uint32_t flen = rd16(d + 1) % (PKT_DATA_MAX + 64u), have;
		struct pkt *k;

		d += 3;
		len -= 3;
		k = pkt_alloc(F.pool);
		if (!k)
			break;
		k->flags = 0;
		k->queue = PKT_QUEUE_ANY;
		if ((fl & 1) && len >= 2) {
			k->flags |= PKT_F_VLAN;
			k->vlan_tci = rd16(d);
			d += 2;
			len -= 2;
		}
		if (fl & 2) {
			k->flags |= PKT_F_RSS;
			k->rss_hash = 0x12345678u;
		}
		if ((fl & 4) && len >= sizeof(k->ol)) {
			k->flags |= PKT_F_OL;
			memcpy(&k->ol, d, sizeof(k->ol));
			d += sizeof(k->ol);
			len -= sizeof(k->ol);
		}
		/* A pkt never holds more than PKT_DATA_MAX: the length says more to test the check. */
		k->len = flen;
		have = flen < len ? flen : (uint32_t)len;
		if (have > PKT_DATA_MAX)
			have = PKT_DATA_MAX;
		memcpy(k->data, d, have);
		if (flen > have)
			memset(k->data + have, fl, (flen < PKT_DATA_MAX ? flen : PKT_DATA_MAX) - have);
		d += have;
		len -= have;
		pk[n++] = k;
		F.rx_work++;
	}
	if (!n)
		return;
	before = rx_handled(&p->rx.st);
	w = e810_rxq_deliver(&p->rx, pk, n);
	if (w > n)
		bug("RX wrote %u of %u frames", w, n);
	if (rx_handled(&p->rx.st) - before != n)
		bug("RX: %u frames given, %llu counted", n,
		    (unsigned long long)(rx_handled(&p->rx.st) - before));
	if (p->rx.ctx_ok && (p->rx.head >= p->rx.ctx.qlen || p->rx.tail >= p->rx.ctx.qlen))
		bug("RX head %u / tail %u outside a ring of %u", p->rx.head, p->rx.tail,
		    p->rx.ctx.qlen);
}

static void event(const uint8_t *d, size_t len)
{
	uint8_t params[8] = { 0 };
	uint16_t opcode;
	int rc;

	if (len < 2)
		return;
	opcode = rd16(d);
	d += 2;
	len -= 2;
	if (len >= 8) {
		memcpy(params, d, 8);
		d += 8;
		len -= 8;
	}
	if (len > E810_AQ_MAX_BUF + 1)
		len = E810_AQ_MAX_BUF + 1;
	rc = e810_aq_post_event(F.aq, opcode, params, len ? d : NULL, (uint16_t)len);
	if (rc != 0 && rc != -ENODEV && rc != -ENOSPC && rc != -EMSGSIZE && rc != -EIO &&
	    rc != -EINVAL)
		bug("post_event returned %d", rc);
	if (rc == -EINVAL && len <= E810_AQ_MAX_BUF)
		bug("post_event refused %zu bytes", len);
}

static void hold(unsigned n)
{
	if (!n) {
		pkt_free_bulk(F.held, F.nheld);
		F.nheld = 0;
		return;
	}
	while (n-- && F.nheld < POOL_PKTS - 1) {
		struct pkt *k = pkt_alloc(F.pool);

		if (!k)
			break;
		F.held[F.nheld++] = k;
	}
}

static void act(uint8_t a, uint8_t arg, const uint8_t *d, size_t len)
{
	struct qpair *p = &F.qp[arg % F.nq];
	bool aq_busy = aq_walked() - F.aq_work0 >= AQ_WORK_MAX, tx_busy = F.tx_work >= TX_WORK_MAX;
	uint64_t before;

	switch ((enum act)(a % ACT_COUNT)) {
	case ACT_MEM: {
		uint8_t *m;
		size_t size;
		uint32_t off;

		if (len < 5)
			return;
		m = (d[0] & 1) ? F.mem1 : F.mem0;
		size = (d[0] & 1) ? MEM1_SIZE : MEM0_SIZE;
		off = rd32(d + 1) % size;
		d += 5;
		len -= 5;
		if (len > size - off)
			len = size - off;
		memcpy(m + off, d, len);
		if (m == F.mem1)
			memcpy(F.mem1_shadow + off, d, len);
		break;
	}
	case ACT_AQ_REG:
		for (; len >= 5; d += 5, len -= 5) {
			if (d[0] % 10 == 4 && aq_walked() - F.aq_work0 >= AQ_WORK_MAX)
				continue; /* ATQT */
			before = aq_walked();
			e810_aq_reg_write(F.aq, aq_regs[d[0] % 10], rd32(d + 1));
			aq_check_walk(before, "a register write");
			if (aq_walked() != before)
				txq_sync();
		}
		break;
	case ACT_AQ_SERVICE:
		for (unsigned i = 0; i <= arg % 8u && e810_aq_pending(F.aq) && !aq_busy; i++) {
			unsigned n;

			before = aq_walked();
			n = e810_aq_service(F.aq);
			aq_check_walk(before, "a service call");
			if (n > F.budget)
				bug("service completed %u (budget %u)", n, F.budget);
			txq_sync();
		}
		break;
	case ACT_AQ_EVENT:
		event(d, len);
		break;
	case ACT_AQ_LINK:
		if (arg & 2) {
			e810_aq_reset(F.aq);
			txq_sync();
		}
		e810_aq_set_link(F.aq, arg & 1);
		break;
	case ACT_RX_CTX: {
		uint32_t dw[8] = { 0 };

		for (unsigned i = 0; i < 8 && len >= 4; i++, d += 4, len -= 4)
			dw[i] = rd32(d);
		e810_rxq_set_ctx(&p->rx, dw);
		e810_rxq_enable(&p->rx, !(arg & 0x40));
		break;
	}
	case ACT_RX_TAIL:
		if (len >= 4)
			e810_rxq_set_tail(&p->rx, rd32(d));
		break;
	case ACT_RX_FRAMES:
		rx_frames(p, d, len);
		break;
	case ACT_TX_CTX: {
		uint8_t ctx[22] = { 0 };
		struct e810_aq_txq_ctx c;

		memcpy(ctx, d, len < 22 ? len : 22);
		e810_aq_txq_ctx_decode(ctx, &c);
		e810_txq_setup(&p->tx, &c);
		p->tx_known = false;
		break;
	}
	case ACT_TX_DB:
		if (len >= 4)
			e810_txq_set_tail(&p->tx, rd32(d));
		if (!tx_busy)
			tx_run(p);
		break;
	case ACT_TX_RUN:
		for (unsigned i = 0; i <= arg % 8u && F.tx_work < TX_WORK_MAX; i++)
			if (!tx_run(p).more)
				break;
		break;
	case ACT_TX_STOP:
		e810_txq_stop(&p->tx);
		p->tx_known = false;
		break;
	case ACT_SINK:
		F.room = len >= 4 ? rd32(d) : UINT32_MAX;
		F.accept = len >= 6 ? rd16(d + 4) : 0xffff;
		F.reenter = arg & 1;
		break;
	case ACT_HOLD:
		hold(arg);
		break;
	case ACT_TX_BUDGET:
		if (len >= 4) {
			uint16_t bd = rd16(d), bf = rd16(d + 2);

			p->tx.budget_descs = bd ? bd : E810_TXQ_DESCS_DEFAULT;
			p->tx.budget_frames = bf ? bf : E810_TXQ_FRAMES_DEFAULT;
		}
		break;
	case ACT_RX_OPTS:
		p->rx.opts.csum = arg & 1;
		p->rx.opts.vlan_strip = arg & 2;
		break;
	case ACT_COUNT:
		break;
	}
}

/*
 * A new engine for this configuration: a copy of one made by e810_aq_create
 * for it earlier (the engine holds no pointers but its ops and opaque, so the
 * copy is what a create would give; a create takes longer than the rest of
 * a typical input: the Shadow RAM image is built word by word).
 */
static struct e810_aq *engine(const struct e810_aq_config *cfg, unsigned b, unsigned q,
			      unsigned l)
{
	struct e810_aq **fresh = &F.fresh[b][q][l], *aq;

	if (!*fresh) {
		/* Kept outside fuzz_big_alloc.c's cache (aligned_alloc), which would see a leak. */
		struct e810_aq *made = e810_aq_create(cfg, &aq_ops, NULL);

		*fresh = aligned_alloc(64, (sizeof(*aq) + 63) & ~(size_t)63);
		if (!made || !*fresh)
			bug("e810_aq_create failed");
		memcpy(*fresh, made, sizeof(*aq));
		e810_aq_destroy(made);
	}
	aq = malloc(sizeof(*aq));
	if (!aq)
		bug("out of memory");
	memcpy(aq, *fresh, sizeof(*aq));
	return aq;
}

/* ---- libFuzzer entry points ------------------------------------------------------ */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_setup_logging();
	F.trace = fz_env_long("VMUX_FUZZ_TRACE", 0) != 0;
	/* Exact sizes: ASan's redzones sit right after each region (aligned_alloc:
	 * not kept across inputs by fuzz_big_alloc.c, which wraps malloc and calloc). */
	F.mem0 = aligned_alloc(64, MEM0_SIZE);
	F.mem1 = aligned_alloc(64, MEM1_SIZE);
	F.mem1_shadow = aligned_alloc(64, MEM1_SIZE);
	F.pool = pkt_pool_create("fuzz-e810", POOL_PKTS);
	if (!F.mem0 || !F.mem1 || !F.mem1_shadow || !F.pool)
		bug("setup failed");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint16_t budgets[4] = { 1, 4, 64, E810_AQ_RING_MAX };
	struct e810_aq_config cfg;
	uint8_t c0;

	if (size < 1)
		return 0;
	c0 = data[0];
	data++;
	size--;
	memset(F.mem0, 0, MEM0_SIZE);
	memset(F.mem1, 0, MEM1_SIZE);
	memset(F.mem1_shadow, 0, MEM1_SIZE);

	e810_aq_config_default(&cfg);
	cfg.atq_budget = budgets[c0 & 3];
	cfg.num_queues = (uint16_t)(1 + ((c0 >> 2) & 3));
	cfg.link_up = !(c0 & 0x20);
	F.budget = cfg.atq_budget;
	F.nq = cfg.num_queues;
	F.aq = engine(&cfg, c0 & 3, (c0 >> 2) & 3, (c0 >> 5) & 1);
	for (unsigned i = 0; i < F.nq; i++) {
		struct qpair *p = &F.qp[i];
		struct e810_txq_sink sink = { .send = sink_send, .space = sink_space, .arg = p,
					      .queue = (uint16_t)i };

		e810_rxq_init(&p->rx, NULL);
		e810_txq_init(&p->tx, NULL, F.pool, sink);
		if (c0 & 0x08) /* with 3 or 4 queues, the flow director's hook (else DTYPE 8 is skipped) */
			e810_txq_set_prog(&p->tx, (struct e810_txq_prog){ .fn = prog_hook, .arg = p,
									 .queue = (uint16_t)i });
		p->rx.opts.csum = !(c0 & 0x40);
		p->rx.opts.vlan_strip = !(c0 & 0x80);
		if (c0 & 0x10) {
			p->tx.budget_descs = 16;
			p->tx.budget_frames = 4;
		}
		p->tx_known = false;
	}
	F.room = UINT32_MAX;
	F.accept = 0xffff;
	F.reenter = false;
	F.nheld = 0;
	F.aq_work0 = aq_walked();
	F.tx_work = F.rx_work = 0;

	while (size >= 4) {
		uint8_t a = data[0], arg = data[1];
		size_t len = rd16(data + 2);

		data += 4;
		size -= 4;
		if (len > size)
			len = size;
		act(a, arg, data, len);
		data += len;
		size -= len;
	}

	if (F.trace) {
		const struct e810_aq_stats *s = e810_aq_stats(F.aq);

		fprintf(stderr, "aq: cmds %llu errors %llu bad_len %llu bad_flags %llu bad_buf %llu "
			"desc_dma %llu arq_posted %llu\n", (unsigned long long)s->atq_cmds,
			(unsigned long long)s->atq_errors, (unsigned long long)s->atq_bad_len,
			(unsigned long long)s->atq_bad_flags, (unsigned long long)s->atq_bad_buf,
			(unsigned long long)s->atq_desc_dma, (unsigned long long)s->arq_posted);
		for (unsigned i = 0; i < F.nq; i++)
			fprintf(stderr, "q%u: rx pkts %llu tx pkts %llu tso %llu segs %llu "
				"drop_tso %llu\n", i, (unsigned long long)F.qp[i].rx.st.pkts,
				(unsigned long long)F.qp[i].tx.st.pkts,
				(unsigned long long)F.qp[i].tx.st.tso,
				(unsigned long long)F.qp[i].tx.st.tso_segs,
				(unsigned long long)F.qp[i].tx.st.drop_tso);
	}
	for (unsigned i = 0; i < F.nq; i++)
		e810_txq_stop(&F.qp[i].tx);
	hold(0);
	e810_aq_destroy(F.aq);
	F.aq = NULL;
	if (memcmp(F.mem1, F.mem1_shadow, MEM1_SIZE))
		bug("the read-only region was written");
	if (pkt_pool_avail(F.pool) != POOL_PKTS)
		bug("%u packets were never freed", POOL_PKTS - pkt_pool_avail(F.pool));
	fz_big_alloc_check("fuzz_e810");
	return 0;
}
