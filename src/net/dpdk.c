/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The DPDK backend. The EAL is initialised once, on the main thread before
 * any worker starts (dpdk_eal_init); a port is then opened on its owner
 * thread (the switch's), which registers itself with the EAL to get an lcore
 * id (mempool caches work per lcore) and polls the port from a poll hook of
 * its loop:
 *
 * - RX: rte_eth_rx_burst of at most DPDK_BURST frames, never more than the
 *   peer has room for (a full peer leaves them in the device's ring, where
 *   the device counts what overflows as imissed). On a device that fills its
 *   mbufs with the CPU (memif's copy mode, af_packet, tap: zerocopy_fits),
 *   each RX mbuf's buffer is a packet of a lent pool (pinned external
 *   buffers, rx_lent_setup): the device writes the frame straight into the
 *   packet's data and the packet goes on without a copy, its mbuf held until
 *   the packet is freed. Elsewhere (or VMUX_DPDK_RX_COPY set, or a frame the
 *   device chained) every frame is copied into a packet of our pool and the
 *   mbufs go back at once.
 * - TX: deliver() copies each packet into an mbuf (a chain of them for frames
 *   past one mbuf, where the device takes multi-segment frames), puts an
 *   802.1Q tag back into the data, maps an offload request (PKT_F_OL) to the
 *   mbuf's offload flags where the device offers them or completes the
 *   checksums here, and hands the burst to rte_eth_tx_burst; what the device
 *   refuses is dropped and counted, never retried.
 * - Link: read without waiting every DPDK_LINK_POLL_MS; a device removal event
 *   (RTE_ETH_EVENT_INTR_RMV, on the EAL's interrupt thread) stops polling for
 *   good with the link down.
 */
#define ALLOW_EXPERIMENTAL_API /* rte_pktmbuf_pool_create_extbuf (DPDK 22.11) */
#include "net/dpdk.h"

#include <errno.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rte_bus.h>
#include <rte_cycles.h>
#include <rte_dev.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_flow.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_version.h>

#include "core/log.h"
#include "core/loop.h"
#include "net/csum.h"
#include "net/pkt.h"
#include "net/port.h"
#include "net/dpdk_priv.h"

static bool eal_ready;

bool dpdk_eal_ready(void)
{
	return eal_ready;
}

/* ---- the EAL ------------------------------------------------------------------ */

#define EAL_ARGV_MAX 48

int dpdk_eal_init(unsigned n, const char *const *args, char *err, size_t errlen)
{
	/* The EAL may keep pointers into argv: it lives as long as the process. */
	static char *argv[EAL_ARGV_MAX + 1];
	static char lcore[16];
	static char defaults[] = DPDK_EAL_DEFAULTS;
	cpu_set_t saved;
	bool have_saved;
	int argc = 0, r;

	if (eal_ready)
		return 0;
	have_saved = pthread_getaffinity_np(pthread_self(), sizeof(saved), &saved) == 0;
	argv[argc++] = (char *)"vmux";
	if (n == 0) {
		int cpu = 0;

		for (char *save = NULL, *t = strtok_r(defaults, " ", &save); t;
		     t = strtok_r(NULL, " ", &save))
			argv[argc++] = t;
		if (have_saved)
			while (cpu < CPU_SETSIZE - 1 && !CPU_ISSET(cpu, &saved))
				cpu++;
		snprintf(lcore, sizeof(lcore), "%d", cpu);
		argv[argc++] = (char *)"-l";
		argv[argc++] = lcore;
	} else {
		if (n > EAL_ARGV_MAX - 1) {
			log_seterr(err, errlen, "EAL: at most %d arguments", EAL_ARGV_MAX - 1);
			return -1;
		}
		for (unsigned i = 0; i < n; i++)
			argv[argc++] = strdup(args[i]);
	}
	argv[argc] = NULL;
	if (dpdk_log_open() < 0)
		LOG_WARN("dpdk", "DPDK's log stays its own (stderr and syslog): %s", strerror(errno));
	dpdk_log_mark();
	r = rte_eal_init(argc, argv);
	if (r < 0) {
		int e = rte_errno;
		const char *why = dpdk_log_first_err();

		log_seterr(err, errlen,
		       "DPDK's EAL refused its arguments or could not start: %s%s%s%s (without "
		       "hugepages the EAL needs --no-huge, see docs/CONFIG.md)",
		       rte_strerror(e), e == EALREADY ? " (initialised twice)" : "",
		       why[0] ? ": " : "", why);
		return -1;
	}
	dpdk_log_started(true);
	if (r < argc - 1) {
		log_seterr(err, errlen, "EAL: unexpected argument '%s' (not an EAL option)",
		       argv[r + 1]);
		rte_eal_cleanup();
		return -1;
	}
	/* The EAL pinned this thread to its main lcore: the workers inherit ours. */
	if (have_saved)
		pthread_setaffinity_np(pthread_self(), sizeof(saved), &saved);
	eal_ready = true;
	LOG_INFO("dpdk", "EAL up (%s), %u lcore(s), %u port(s) probed", rte_version(),
		 rte_lcore_count(), rte_eth_dev_count_avail());
	return 0;
}

void dpdk_eal_fini(void)
{
	if (!eal_ready)
		return;
	rte_eal_cleanup();
	eal_ready = false;
	dpdk_log_started(false);
}

/* ---- receive -------------------------------------------------------------------- */

/* Copies the frame m (one or several segments) into p; false if it does not fit. */
static void rx_meta(const struct rte_mbuf *m, struct pkt *p)
{
	if (m->ol_flags & RTE_MBUF_F_RX_RSS_HASH) {
		p->flags |= PKT_F_RSS;
		p->rss_hash = m->hash.rss;
	}
	if (m->ol_flags & RTE_MBUF_F_RX_VLAN_STRIPPED) {
		p->flags |= PKT_F_VLAN;
		p->vlan_tci = m->vlan_tci;
	}
}

static bool mbuf_to_pkt(struct dpdk_port *d, struct dpdk_stats *st, const struct rte_mbuf *m,
			struct pkt *p)
{
	uint32_t len = m->pkt_len, off = 0;

	if (len > PKT_DATA_MAX) {
		st->rd_oversize++;
		LOG_RL(LOG_LVL_WARN, "dpdk", "%s: dropped a %u-byte frame (max %u)", d->name, len,
		       PKT_DATA_MAX);
		return false;
	}
	if (len < ETH_HDR) {
		st->rd_undersize++;
		LOG_RL(LOG_LVL_WARN, "dpdk", "%s: dropped a %u-byte frame", d->name, len);
		return false;
	}
	for (const struct rte_mbuf *s = m; s && off < len; s = s->next) {
		uint32_t c = s->data_len;

		if (c > len - off)
			c = len - off;
		memcpy(p->data + off, rte_pktmbuf_mtod(s, const uint8_t *), c);
		off += c;
	}
	if (off < len) {
		/* A chain shorter than its pkt_len: a broken driver; never trust it. */
		st->rd_undersize++;
		return false;
	}
	p->len = len;
	rx_meta(m, p);
	return true;
}

/* What the lanes may do now (they run on other threads). */
static void lanes_publish(struct dpdk_port *d)
{
	unsigned v = 0;

	if (d->running && !d->st.removed)
		v = DPDK_LANE_RX | (d->st.link_up ? DPDK_LANE_TX : 0u);
	atomic_store_explicit(&d->lane_state, v, memory_order_release);
}

/*
 * Whether the kernel interface under an af_packet port is up and has a
 * carrier, and is still the one the port was opened on (deleted and made
 * again under the same name, the port's sockets are bound to the old one).
 */
static bool kif_up(struct dpdk_port *d)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, d->kif_name, sizeof(d->kif_name));
	if (ioctl(d->kif_fd, SIOCGIFINDEX, &ifr) < 0 || (unsigned)ifr.ifr_ifindex != d->kif_index)
		return false;
	if (ioctl(d->kif_fd, SIOCGIFFLAGS, &ifr) < 0)
		return false;
	return (ifr.ifr_flags & IFF_UP) && (ifr.ifr_flags & IFF_RUNNING);
}

/* af_packet: the interface named by iface= in devargs, to be read by kif_up. */
static void kif_open(struct dpdk_port *d, const char *devargs)
{
	const char *v = strstr(devargs, ",iface=");
	size_t n;

	if (!v)
		return;
	v += strlen(",iface=");
	n = strcspn(v, ",");
	if (n == 0 || n >= sizeof(d->kif_name))
		return;
	memcpy(d->kif_name, v, n);
	d->kif_name[n] = '\0';
	d->kif_index = if_nametoindex(d->kif_name);
	if (d->kif_index == 0)
		return;
	d->kif_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (d->kif_fd < 0)
		LOG_WARN("dpdk", "%s: cannot read %s's link from the kernel (%s): the device's "
			 "own report is taken", d->name, d->kif_name, strerror(errno));
}

static void link_check(struct dpdk_port *d)
{
	struct rte_eth_link link;
	bool up;

	memset(&link, 0, sizeof(link));
	if (rte_eth_link_get_nowait(d->pid, &link) < 0) {
		d->st.errors++;
		return;
	}
	up = link.link_status == RTE_ETH_LINK_UP;
	if (up && d->kif_fd >= 0)
		up = kif_up(d);
	if (up)
		d->up_since_start = true;
	if (!up && d->restart_when_down) {
		uint64_t now = rte_get_tsc_cycles(), ms = d->link_tsc / DPDK_LINK_POLL_MS;
		/*
		 * A start that failed (no server listening) is retried every
		 * DPDK_RESTART_MS; a port that was up and went down (the server left)
		 * too; one that never came up since its start is in a handshake,
		 * left alone for DPDK_HANDSHAKE_MS.
		 */
		bool due = !d->running || d->up_since_start ?
			   now >= d->last_start + ms * DPDK_RESTART_MS :
			   now >= d->last_start + ms * DPDK_HANDSHAKE_MS;

		if (due) {
			d->last_start = now;
			d->up_since_start = false;
			d->st.restarts++;
			if (d->running && rte_eth_dev_stop(d->pid) < 0)
				d->st.errors++;
			d->running = rte_eth_dev_start(d->pid) == 0;
			/* Stopped: no bursts until a restart works (the peer may be gone). */
			if (!d->running)
				LOG_RL(LOG_LVL_WARN, "dpdk", "%s: cannot restart it (its peer gone?); "
				       "trying again every %u ms", d->name, DPDK_RESTART_MS);
			lanes_publish(d);
			return;
		}
	}
	if (up == d->st.link_up)
		return;
	d->st.link_up = up;
	d->st.link_changes++;
	lanes_publish(d);
	LOG_INFO("dpdk", "%s: link %s%s%u Mb/s", d->name, up ? "up" : "down", up ? ", " : "",
		 up ? link.link_speed : 0);
	if (!up)
		LOG_INFO("dpdk", "%s: frames to it are dropped until the link is back", d->name);
	net_port_set_link(&d->port, up);
}

static void removed(struct dpdk_port *d)
{
	if (d->st.removed)
		return;
	d->st.removed = true;
	d->st.link_up = false;
	lanes_publish(d);
	LOG_ERR("dpdk", "%s: the device was removed; link down, no longer polled", d->name);
	net_port_set_link(&d->port, false);
}

/*
 * The packet that is m's buffer, if m is one of the lent pool's and holds
 * the whole frame where the packet's data starts; NULL: copy it.
 */
static struct pkt *rx_lent(struct dpdk_port *d, struct rte_mbuf *m)
{
	struct pkt *p;

	if (m->pool != d->rx_mp || m->nb_segs != 1 || m->data_off != RTE_PKTMBUF_HEADROOM ||
	    m->pkt_len != m->data_len)
		return NULL;
	p = (struct pkt *)(void *)((uint8_t *)m->buf_addr + RTE_PKTMBUF_HEADROOM -
				   offsetof(struct pkt, data));
	return pkt_in_pool(d->rx_lent, p) ? p : NULL;
}

/* A lent packet freed: its mbuf goes back to the RX pool (on any thread). */
static void rx_give_back(void *lender)
{
	rte_pktmbuf_free_seg(lender);
}

/* n received frames dropped: no packet left in pool (counted, logged at a bounded rate). */
static void rx_nobuf(struct dpdk_port *d, struct dpdk_stats *st, struct pkt_pool *pool, unsigned n)
{
	st->rd_nobuf += n;
	LOG_RL(LOG_LVL_WARN, "dpdk", "%s: packet pool %s empty, dropping", d->name,
	       pkt_pool_name(pool));
}

/* Frames the device wrote into lent packets: out without a copy; the rest copied. */
static unsigned rx_pkts_lent(struct dpdk_port *d, struct dpdk_stats *st, struct pkt_pool *pool,
			     struct rte_mbuf **m, unsigned n, struct pkt **pkts)
{
	struct rte_mbuf *done[DPDK_BURST * 2];
	unsigned k = 0, nd = 0;

	for (unsigned i = 0; i < n; i++) {
		struct pkt *p = rx_lent(d, m[i]);
		uint32_t len = m[i]->pkt_len;

		if (p && len >= ETH_HDR) {
			pkt_lend(d->rx_lent, p, m[i]);
			p->len = len;
			rx_meta(m[i], p);
			st->rd_zerocopy++;
			pkts[k++] = p;
			continue;
		}
		done[nd++] = m[i];
		p = pkt_alloc(pool);
		if (!p)
			rx_nobuf(d, st, pool, 1);
		else if (mbuf_to_pkt(d, st, m[i], p)) {
			pkts[k++] = p;
		} else {
			pkt_free(p);
		}
	}
	rte_pktmbuf_free_bulk(done, nd);
	return k;
}

unsigned dpdk_rx_pkts(struct dpdk_port *d, struct dpdk_stats *st, struct pkt_pool *pool,
		      struct rte_mbuf **m, unsigned n, struct pkt **pkts)
{
	unsigned have, k = 0;

	if (d->rx_lent && n <= DPDK_BURST * 2)
		return rx_pkts_lent(d, st, pool, m, n, pkts);
	have = pkt_alloc_bulk(pool, pkts, n);

	if (have < n)
		rx_nobuf(d, st, pool, n - have);
	for (unsigned i = 0; i < have; i++)
		if (mbuf_to_pkt(d, st, m[i], pkts[k]))
			k++;
	rte_pktmbuf_free_bulk(m, n);
	pkt_free_bulk(pkts + k, have - k);
	return k;
}

/* Frames the lanes passed back, to the port's peer (at most budget); whether any. */
static bool from_lanes(struct dpdk_port *d, unsigned budget)
{
	struct pkt *pkts[DPDK_BURST];
	bool any = false;

	for (unsigned q = 1; q < d->nlanes && budget; q++) {
		uint32_t n = spsc_dequeue_burst(d->handback[q], (void **)pkts,
						budget < DPDK_BURST ? budget : DPDK_BURST);

		if (n == 0)
			continue;
		any = true;
		budget -= n;
		d->st.from_lanes += n;
		net_port_send(&d->port, pkts, (uint16_t)n);
	}
	return any;
}

static bool dpdk_poll(void *arg)
{
	struct dpdk_port *d = arg;
	struct rte_mbuf *m[DPDK_BURST];
	struct pkt *pkts[DPDK_BURST];
	uint32_t space;
	unsigned budget, n, k;
	uint64_t now;
	bool worked = false;

	if (d->st.removed)
		return false;
	/* The clock every DPDK_CLOCK_PASSES passes only: most passes find nothing to do. */
	if (!(d->passes++ & (DPDK_CLOCK_PASSES - 1)) && (now = rte_get_tsc_cycles()) >= d->next_link) {
		d->next_link = now + d->link_tsc;
		if (atomic_load_explicit(&d->rmv, memory_order_relaxed)) {
			removed(d);
			return false;
		}
		link_check(d);
	}
	if (!d->running)
		return false;
	space = net_port_peer_space(&d->port);
	budget = space < DPDK_BURST ? space : DPDK_BURST;
	if (budget == 0) {
		/* The frames wait in the device's ring (the peer wakes us, or we look again). */
		if (!d->paused)
			d->st.rd_pauses++;
		d->paused = true;
		return false;
	}
	d->paused = false;
	if (d->nlanes > 1 && from_lanes(d, budget)) {
		/* Room again? The device's queue 0 waits for the next pass otherwise. */
		space = net_port_peer_space(&d->port);
		budget = space < DPDK_BURST ? space : DPDK_BURST;
		if (budget == 0)
			return true;
		worked = true;
	}
	/* Each queue in turn, the first with frames gives this burst (the next starts after it). */
	n = 0;
	for (unsigned i = 0; i < d->nrxq && n == 0; i++) {
		uint16_t q = d->rxq_next;

		d->rxq_next = (uint16_t)((q + 1u) % d->nrxq);
		n = rte_eth_rx_burst(d->pid, q, m, (uint16_t)budget);
		d->st.rxq_pkts[q] += n;
	}
	if (n == 0)
		return worked;
	k = dpdk_rx_pkts(d, &d->st, d->pool, m, n, pkts);
	if (k)
		net_port_send(&d->port, pkts, (uint16_t)k);
	return true;
}

/* ---- send ----------------------------------------------------------------------- */

/* Appends len bytes to the chain head..*tail, adding segments as needed. */
static bool mbuf_put(struct dpdk_port *d, struct rte_mbuf *head, struct rte_mbuf **tail,
		     const uint8_t *src, uint32_t len)
{
	while (len) {
		struct rte_mbuf *t = *tail;
		uint32_t room = rte_pktmbuf_tailroom(t), c;

		if (room == 0) {
			struct rte_mbuf *s = rte_pktmbuf_alloc(d->mp);

			if (!s)
				return false;
			t->next = s;
			head->nb_segs++;
			*tail = s;
			continue;
		}
		c = len < room ? len : room;
		memcpy(rte_pktmbuf_mtod_offset(t, uint8_t *, t->data_len), src, c);
		t->data_len = (uint16_t)(t->data_len + c);
		head->pkt_len += c;
		src += c;
		len -= c;
	}
	return true;
}

#define OL_CSUM_HW (RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_TCP_CKSUM | \
		    RTE_ETH_TX_OFFLOAD_UDP_CKSUM)

/* Completes in software the checksums a sender left undone (the E810's way). */
static void csum_sw(struct pkt *p)
{
	const struct pkt_offload *o = &p->ol;
	uint32_t l3 = o->l2_len;

	if ((o->flags & PKT_OL_IP_CSUM) && !(o->flags & PKT_OL_IPV6) && l3 + 12 <= p->len &&
	    o->l3_len >= 20) {
		p->data[l3 + 10] = 0;
		p->data[l3 + 11] = 0;
		net_csum_insert(p->data, p->len, l3, l3 + 10, l3 + o->l3_len - 1u, false);
	}
	if (o->flags & PKT_OL_L4_CSUM)
		net_csum_insert(p->data, p->len, o->csum_start,
				(uint32_t)o->csum_start + o->csum_offset, 0, o->flags & PKT_OL_UDP);
}

/*
 * The offload request of p onto m (tag: the 802.1Q tag went into the data).
 * False: the frame cannot go (TSO on a device without it).
 */
static bool offload(struct dpdk_port *d, struct dpdk_stats *st, struct pkt *p, struct rte_mbuf *m,
		    bool tag)
{
	const struct pkt_offload *o = &p->ol;
	bool v6 = o->flags & PKT_OL_IPV6, udp = o->flags & PKT_OL_UDP;
	uint64_t need = 0;

	if (o->flags & PKT_OL_TSO) {
		if (udp || !(d->tx_off & RTE_ETH_TX_OFFLOAD_TCP_TSO) ||
		    (!v6 && !(d->tx_off & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM))) {
			st->ol_refused++;
			LOG_RL(LOG_LVL_WARN, "dpdk", "%s: a TSO frame, and the device has no TSO: "
			       "dropped", d->name);
			return false;
		}
		m->ol_flags |= RTE_MBUF_F_TX_TCP_SEG | (v6 ? RTE_MBUF_F_TX_IPV6 :
						  RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM);
		m->tso_segsz = o->mss;
	} else {
		if ((o->flags & PKT_OL_IP_CSUM) && !v6)
			need |= RTE_ETH_TX_OFFLOAD_IPV4_CKSUM;
		if (o->flags & PKT_OL_L4_CSUM)
			need |= udp ? RTE_ETH_TX_OFFLOAD_UDP_CKSUM : RTE_ETH_TX_OFFLOAD_TCP_CKSUM;
		if ((d->tx_off & need) != need) {
			/* Before the copy would be better; done on p, then copied again. */
			st->ol_sw++;
			return true;
		}
		m->ol_flags |= v6 ? RTE_MBUF_F_TX_IPV6 : RTE_MBUF_F_TX_IPV4;
		if (need & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM)
			m->ol_flags |= RTE_MBUF_F_TX_IP_CKSUM;
		if (need & RTE_ETH_TX_OFFLOAD_UDP_CKSUM)
			m->ol_flags |= RTE_MBUF_F_TX_UDP_CKSUM;
		if (need & RTE_ETH_TX_OFFLOAD_TCP_CKSUM)
			m->ol_flags |= RTE_MBUF_F_TX_TCP_CKSUM;
	}
	m->l2_len = (uint64_t)o->l2_len + (tag ? 4u : 0u);
	m->l3_len = o->l3_len;
	m->l4_len = o->l4_len;
	st->ol_hw++;
	return true;
}

/* Whether the device can do p's offloads; if not, they are done on p now. */
static void offload_prepare(struct dpdk_port *d, struct pkt *p)
{
	const struct pkt_offload *o = &p->ol;
	uint64_t need = 0;

	if (o->flags & PKT_OL_TSO)
		return;
	if ((o->flags & PKT_OL_IP_CSUM) && !(o->flags & PKT_OL_IPV6))
		need |= RTE_ETH_TX_OFFLOAD_IPV4_CKSUM;
	if (o->flags & PKT_OL_L4_CSUM)
		need |= (o->flags & PKT_OL_UDP) ? RTE_ETH_TX_OFFLOAD_UDP_CKSUM
						: RTE_ETH_TX_OFFLOAD_TCP_CKSUM;
	if ((d->tx_off & need) != need)
		csum_sw(p);
}

/*
 * Without a copy: the packet's own buffer attached to m as an external buffer.
 * The buffer's shared info (its reference count and the free callback that
 * gives the packet back to its pool) lives in the buffer's last bytes, past
 * any frame that goes this way. Only for devices that read the frame with the
 * CPU and are done with it when rte_eth_tx_burst returns (ext_ok): a packet
 * must not stay in a device's ring, which would hold its pool's buffers (a
 * VM's) for as long as the device likes, nor reach one that needs IOVAs.
 */
#define EXT_SHINFO_OFF ((PKT_DATA_MAX - sizeof(struct rte_mbuf_ext_shared_info)) & ~63u)

static void ext_free(void *addr, void *opaque)
{
	struct dpdk_port *d = opaque;
	struct pkt *p = (struct pkt *)(void *)((uint8_t *)addr - offsetof(struct pkt, data));

	d->ext_live--;
	pkt_free(p);
}

static void pkt_attach(struct dpdk_port *d, struct pkt *p, struct rte_mbuf *m)
{
	struct rte_mbuf_ext_shared_info *sh = (void *)(p->data + EXT_SHINFO_OFF);
	rte_iova_t iova = rte_eal_iova_mode() == RTE_IOVA_VA ? (rte_iova_t)(uintptr_t)p->data
							      : RTE_BAD_IOVA;

	sh->free_cb = ext_free;
	sh->fcb_opaque = d;
	rte_mbuf_ext_refcnt_set(sh, 1);
	d->ext_live++;
	rte_pktmbuf_attach_extbuf(m, p->data, iova, (uint16_t)EXT_SHINFO_OFF, sh);
	m->data_len = (uint16_t)p->len;
	m->pkt_len = p->len;
}

/*
 * p as an mbuf (chain) in m (NULL: one allocated here), or NULL (counted; m
 * freed). *attached: p went into m without a copy and is m's now.
 */
static struct rte_mbuf *pkt_to_mbuf(struct dpdk_port *d, struct dpdk_stats *st, bool zc,
				    struct pkt *p, struct rte_mbuf *m, bool *attached)
{
	bool tag = p->flags & PKT_F_VLAN;
	uint32_t total = p->len + (tag ? 4u : 0u);
	struct rte_mbuf *tail;
	bool ok;

	if (p->len < ETH_HDR || p->len > PKT_DATA_MAX ||
	    (total > d->seg_room && !(d->tx_off & RTE_ETH_TX_OFFLOAD_MULTI_SEGS))) {
		st->wr_bad_len++;
		LOG_RL(LOG_LVL_WARN, "dpdk", "%s: not sending a %u-byte frame", d->name, p->len);
		rte_pktmbuf_free(m);
		return NULL;
	}
	if (p->flags & PKT_F_OL)
		offload_prepare(d, p);
	if (!m)
		m = rte_pktmbuf_alloc(d->mp);
	if (!m) {
		st->wr_nombuf++;
		return NULL;
	}
	if (!tag && zc && p->len >= DPDK_ZEROCOPY_MIN && p->len <= EXT_SHINFO_OFF) {
		/* Checksums the device cannot do were completed on p above. */
		if ((p->flags & PKT_F_OL) && !offload(d, st, p, m, false)) {
			rte_pktmbuf_free(m);
			return NULL;
		}
		pkt_attach(d, p, m);
		*attached = true;
		st->wr_zerocopy++;
		return m;
	}
	if (!tag && total <= d->seg_room && !(p->flags & PKT_F_OL)) {
		/* The common case: one segment, nothing to add. */
		memcpy(rte_pktmbuf_mtod(m, uint8_t *), p->data, p->len);
		m->data_len = (uint16_t)p->len;
		m->pkt_len = p->len;
		return m;
	}
	tail = m;
	if (tag) {
		uint8_t t[4] = { 0x81, 0x00, (uint8_t)(p->vlan_tci >> 8), (uint8_t)p->vlan_tci };

		ok = mbuf_put(d, m, &tail, p->data, 12) && mbuf_put(d, m, &tail, t, 4) &&
		     mbuf_put(d, m, &tail, p->data + 12, p->len - 12);
	} else {
		ok = mbuf_put(d, m, &tail, p->data, p->len);
	}
	if (!ok) {
		st->wr_nombuf++;
		rte_pktmbuf_free(m);
		return NULL;
	}
	if ((p->flags & PKT_F_OL) && !offload(d, st, p, m, tag)) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	return m;
}

uint16_t dpdk_tx_pkts(struct dpdk_port *d, struct dpdk_stats *st, uint16_t q, bool zc,
		      struct pkt **pkts, uint16_t n, uint64_t *bytes)
{
	struct rte_mbuf *m[64], *heads[64];
	struct pkt *copied[64];
	uint32_t lens[64];
	uint16_t k = 0, sent = 0, nc = 0;
	/* One allocation for the burst's first segments (else one at a time). */
	bool bulk = rte_pktmbuf_alloc_bulk(d->mp, heads, n) == 0;

	for (uint16_t i = 0; i < n; i++) {
		bool attached = false;
		struct rte_mbuf *b = pkt_to_mbuf(d, st, zc, pkts[i], bulk ? heads[i] : NULL,
						 &attached);

		if (!attached)
			copied[nc++] = pkts[i];
		if (b) {
			lens[k] = b->pkt_len;
			m[k++] = b;
		}
	}
	if (k)
		sent = rte_eth_tx_burst(d->pid, q, m, k);
	if (sent < k) {
		st->wr_full += (uint64_t)(k - sent);
		LOG_RL(LOG_LVL_WARN, "dpdk", "%s: TX queue %u full, dropping", d->name, q);
		rte_pktmbuf_free_bulk(m + sent, (unsigned)(k - sent));
	}
	*bytes = 0;
	for (uint16_t i = 0; i < sent; i++)
		*bytes += lens[i];
	pkt_free_bulk(copied, nc);
	return sent;
}

static uint16_t dpdk_deliver(struct net_port *self, uint16_t queue, struct pkt **pkts, uint16_t n)
{
	struct dpdk_port *d = self->priv;
	uint16_t sent = 0;
	uint64_t bytes = 0;

	(void)queue;
	if (n > 64) {
		/* Never happens (bursts come in pieces of 64); keeps the arrays in bounds. */
		uint16_t a = dpdk_deliver(self, queue, pkts, 64);

		return (uint16_t)(a + dpdk_deliver(self, queue, pkts + 64, (uint16_t)(n - 64)));
	}
	if (!d->st.removed && d->st.link_up && d->running) {
		sent = dpdk_tx_pkts(d, &d->st, 0, d->ext_ok, pkts, n, &bytes);
		if (d->ext_ok && d->ext_live) {
			/* The device kept some: they come back when it frees them; copies from now. */
			d->ext_ok = false;
			d->st.tx_zerocopy = false;
			LOG_WARN("dpdk", "%s: the device holds frames past its TX call; copying them "
				 "into mbufs from now on", d->name);
		}
	} else {
		pkt_free_bulk(pkts, n);
	}
	self->stats.rx_pkts += sent;
	self->stats.rx_bytes += bytes;
	self->stats.rx_drops += (uint64_t)(n - sent);
	return sent;
}

/* No rx_space: refused frames are dropped and counted, never held. */
static const struct net_port_ops dpdk_ops = {
	.deliver = dpdk_deliver,
};

/* ---- setup ---------------------------------------------------------------------- */

static int on_rmv(uint16_t port_id, enum rte_eth_event_type type, void *arg, void *ret_param)
{
	struct dpdk_port *d = arg;

	(void)port_id;
	(void)type;
	(void)ret_param;
	atomic_store(&d->rmv, true);
	return 0;
}

/* Finds or probes the device; its port id in *pid. */
static int find_port(const char *devargs, const char *name, uint16_t *pid, char *err,
		     size_t errlen)
{
	int r;

	if (rte_eth_dev_get_port_by_name(name, pid) == 0)
		return 0; /* given to the EAL already (-a, --vdev) */
	dpdk_log_mark();
	r = rte_dev_probe(devargs);
	if (r < 0 && r != -EEXIST) {
		const char *why = dpdk_log_first_err();

		if (why[0])
			log_seterr(err, errlen, "dpdk:%s: cannot probe the device: %s (%s)", devargs,
				   why, strerror(-r));
		else
			log_seterr(err, errlen,
				   "dpdk:%s: cannot probe the device: %s (a PCI address needs the "
				   "NIC bound to vfio-pci and no --no-pci among the EAL arguments; a "
				   "virtual device is named net_<driver><N>, e.g. net_ring0, with its "
				   "driver's arguments)", devargs, strerror(-r));
		return -1;
	}
	if (rte_eth_dev_get_port_by_name(name, pid) != 0) {
		log_seterr(err, errlen, "dpdk:%s: the device probed but is no Ethernet port named %s",
		       devargs, name);
		return -1;
	}
	return 0;
}

/*
 * Whether frames may leave in their own buffers (see pkt_attach): a virtual
 * device whose driver copies each frame out (into a memif ring, an
 * AF_PACKET ring, a tap's write) and frees the mbuf within rte_eth_tx_burst.
 * Not memif's zero-copy mode, whose rings hold the mbufs; not net_ring,
 * whose peer gets the mbufs themselves; not a NIC, which needs IOVAs.
 */
static bool zerocopy_fits(const struct rte_eth_dev_info *info, const char *devargs)
{
	const struct rte_bus *bus = info->device ? rte_dev_bus(info->device) : NULL;
	const char *zc = strstr(devargs, "zero-copy=");

	if (!bus || strcmp(rte_bus_name(bus), "vdev"))
		return false;
	if (!strcmp(info->driver_name, "net_memif"))
		return !zc || !strncmp(zc + 10, "no", 2);
	return !strcmp(info->driver_name, "net_af_packet") || !strcmp(info->driver_name, "net_tap");
}

/*
 * RX without a copy: a pool of mbufs whose buffers (pinned, external) are
 * the packets of a lent pool, each mbuf's data where its packet's data
 * starts (the buffer begins RTE_PKTMBUF_HEADROOM before it: the 64 bytes
 * before the packet, unused, and the packet's header, which the device
 * never writes). Enough of them for the rings, the frames on their way to
 * the VMs (what the copying path's packet pools hold) and the caches of the
 * lcores that free them (the port's, the lanes'). Only
 * for devices that fill mbufs with the CPU: the buffers have no IOVA.
 * Without it (an EAL refusing the pool), received frames are copied.
 */
static void rx_lent_setup(struct dpdk_port *d, unsigned nrx, unsigned nq, int socket)
{
	/* An lcore's cache holds up to 1.5 times its size before it flushes. */
	unsigned per = DPDK_POOL_PKTS + 2u * DPDK_BURST + DPDK_MBUF_CACHE * 3u / 2u;
	unsigned n = (unsigned)rte_align32pow2(nrx * nq + per * (d->nlanes > 1 ? d->nlanes : 1u)) - 1u;
	char name[RTE_MEMPOOL_NAMESIZE];
	struct rte_pktmbuf_extmem em;

	_Static_assert(sizeof(struct pkt) <= UINT16_MAX, "a packet must fit an mbuf's data room");
	_Static_assert(offsetof(struct pkt, data) <= RTE_PKTMBUF_HEADROOM &&
			       RTE_PKTMBUF_HEADROOM - offsetof(struct pkt, data) <= 64,
		       "the headroom must end where a packet's data starts");
	snprintf(name, sizeof(name), "vmux_rx%u", d->pid);
	d->rx_lent = pkt_pool_create_lent(name, n, rx_give_back);
	if (!d->rx_lent)
		goto copy;
	em.buf_ptr = (uint8_t *)pkt_lent_first(d->rx_lent) + offsetof(struct pkt, data) -
		     RTE_PKTMBUF_HEADROOM;
	em.buf_iova = RTE_BAD_IOVA;
	em.buf_len = (size_t)n * pkt_lent_stride();
	em.elt_size = (uint16_t)pkt_lent_stride();
	d->rx_mp = rte_pktmbuf_pool_create_extbuf(name, n, DPDK_MBUF_CACHE, 0,
						  (uint16_t)pkt_lent_stride(), socket, &em, 1);
	if (!d->rx_mp) {
		LOG_WARN("dpdk", "%s: no pool of %u receive buffers (%s): received frames are copied",
			 d->name, n, rte_strerror(rte_errno));
		pkt_pool_destroy(d->rx_lent);
		d->rx_lent = NULL;
		goto copy;
	}
	d->st.rx_zerocopy = true;
	d->st.rx_mbufs = n;
	return;
copy:
	d->st.rx_zerocopy = false;
}

static int setup_port(struct dpdk_port *d, const char *devargs, unsigned lanes, char *err,
		      size_t errlen)
{
	struct rte_eth_dev_info info;
	struct rte_eth_conf conf;
	uint16_t nrx = DPDK_RX_DESC, ntx = DPDK_TX_DESC;
	int socket = rte_eth_dev_socket_id(d->pid), r;
	unsigned mbufs, nq;
	char mpname[RTE_MEMPOOL_NAMESIZE];
	const char *what;
	bool fits, lend;

	if (socket < 0)
		socket = (int)rte_socket_id();
	dpdk_log_mark();
	r = rte_eth_dev_info_get(d->pid, &info);
	if (r < 0) {
		what = "read its capabilities";
		goto fail;
	}
	snprintf(d->st.driver, sizeof(d->st.driver), "%s", info.driver_name);
	d->restart_when_down = !strcmp(info.driver_name, "net_memif");
	if (!strcmp(info.driver_name, "net_af_packet"))
		kif_open(d, devargs);
	fits = zerocopy_fits(&info, devargs);
	d->ext_ok = getenv("VMUX_DPDK_TX_COPY") == NULL && fits;
	d->st.tx_zerocopy = d->ext_ok;
	lend = fits && getenv("VMUX_DPDK_RX_COPY") == NULL;
	memset(&conf, 0, sizeof(conf));
	/*
	 * Receiving into lent packets: a tag the device (af_packet) has beside
	 * the frame stays there (PKT_F_VLAN), as the switch takes it; without the
	 * strip offload the driver would try to put it back into the data, which
	 * an mbuf with an external buffer refuses (logged for every frame).
	 */
	if (lend && (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_VLAN_STRIP))
		conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_VLAN_STRIP;
	/*
	 * Several RX queues where the device has rte_flow (its flow ops answer a
	 * flush): the VMs' rules steer to them. A memif's queues must match its
	 * peer's: one.
	 */
	d->nrxq = 1;
	if (strcmp(info.driver_name, "net_memif")) {
		struct rte_flow_error fe;

		d->flow_ops = rte_flow_flush(d->pid, &fe) == 0;
		if (d->flow_ops)
			d->nrxq = (uint16_t)(info.max_rx_queues < DPDK_RXQ_MAX ? info.max_rx_queues
									: DPDK_RXQ_MAX);
		if (d->nrxq > info.max_tx_queues)
			d->nrxq = info.max_tx_queues;
		if (d->nrxq == 0)
			d->nrxq = 1;
	}
	/*
	 * Lanes: a queue pair per lane, where the device has that many RX and
	 * TX queues and needs no restarts (a memif's queues must match its
	 * peer's). With rte_flow, the VMs' rules then name their worker's lane
	 * queue (dpdk_flow_set_vm_rxq) instead of one of the port's RX queues.
	 */
	d->nlanes = 1;
	if (lanes > 1) {
		const char *why = NULL;

		if (lanes > DPDK_LANES_MAX)
			lanes = DPDK_LANES_MAX;
		if (d->restart_when_down)
			why = "its queues must match its peer's";
		else if (info.max_rx_queues < lanes || info.max_tx_queues < lanes)
			why = "too few queues";
		if (why) {
			LOG_INFO("dpdk", "%s: one queue pair for %u lanes asked (%s: %u RX, %u TX "
				 "queues at most): every frame through the port's thread", d->name,
				 lanes, why, info.max_rx_queues, info.max_tx_queues);
		} else {
			d->nlanes = (uint16_t)lanes;
			d->nrxq = 1; /* the port polls queue 0; the lanes the others */
		}
	}
	nq = d->nlanes > 1 ? d->nlanes : d->nrxq;
	d->tx_off = info.tx_offload_capa & (OL_CSUM_HW | RTE_ETH_TX_OFFLOAD_TCP_TSO |
					    RTE_ETH_TX_OFFLOAD_MULTI_SEGS);
	conf.txmode.offloads = d->tx_off;
	r = rte_eth_dev_configure(d->pid, (uint16_t)nq, (uint16_t)nq, &conf);
	if (r < 0) {
		what = "configure its queues";
		goto fail;
	}
	r = rte_eth_dev_adjust_nb_rx_tx_desc(d->pid, &nrx, &ntx);
	if (r < 0) {
		what = "size its rings";
		goto fail;
	}
	/*
	 * Both rings full, a burst on its way each way, and the cache of one
	 * lcore; per lane too (its rings, bursts and thread's cache).
	 */
	mbufs = nrx * d->nrxq + ntx + 2u * DPDK_BURST + DPDK_MBUF_CACHE;
	if (d->nlanes > 1)
		mbufs = (nrx + ntx + 2u * DPDK_BURST + DPDK_MBUF_CACHE) * d->nlanes;
	mbufs = (unsigned)rte_align32pow2(mbufs) - 1u;
	snprintf(mpname, sizeof(mpname), "vmux_mp%u", d->pid);
	d->mp = rte_pktmbuf_pool_create(mpname, mbufs, DPDK_MBUF_CACHE, 0,
					RTE_MBUF_DEFAULT_BUF_SIZE, socket);
	if (!d->mp) {
		log_seterr(err, errlen, "dpdk:%s: cannot create a pool of %u mbufs: %s (EAL memory: -m)",
		       d->name, mbufs, rte_strerror(rte_errno));
		return -1;
	}
	d->seg_room = (uint16_t)(RTE_MBUF_DEFAULT_BUF_SIZE - RTE_PKTMBUF_HEADROOM);
	if (lend)
		rx_lent_setup(d, nrx, nq, socket);
	for (uint16_t q = 0; q < nq; q++) {
		r = rte_eth_rx_queue_setup(d->pid, q, nrx, (unsigned)socket, NULL,
					   d->rx_mp ? d->rx_mp : d->mp);
		if (r < 0) {
			what = "set up its RX queues";
			goto fail;
		}
		/* TX on queue 0 (and the lanes'); the others exist because some devices pair them. */
		r = rte_eth_tx_queue_setup(d->pid, q, ntx, (unsigned)socket, NULL);
		if (r < 0) {
			what = "set up its TX queues";
			goto fail;
		}
	}
	rte_eth_dev_callback_register(d->pid, RTE_ETH_EVENT_INTR_RMV, on_rmv, d);
	r = rte_eth_dev_start(d->pid);
	if (r < 0) {
		what = "start it";
		goto fail;
	}
	d->started = d->running = true;
	/* The switch's uplink sees every VM's unicast; -ENOTSUP: the device always does. */
	r = rte_eth_promiscuous_enable(d->pid);
	if (r < 0 && r != -ENOTSUP)
		LOG_WARN("dpdk", "%s: cannot enable promiscuous mode: %s", d->name, strerror(-r));
	d->st.rx_desc = nrx;
	d->st.tx_desc = ntx;
	d->st.rx_queues = d->nrxq;
	d->st.mbufs = mbufs;
	d->st.tx_offloads = d->tx_off;
	d->st.port_id = d->pid;
	d->st.lanes = d->nlanes;
	for (unsigned q = 1; q < d->nlanes; q++) {
		d->handback[q] = spsc_create(DPDK_HANDBACK_RING);
		if (!d->handback[q]) {
			log_seterr(err, errlen, "dpdk:%s: out of memory for lane %u's ring", d->name, q);
			return -1;
		}
	}
	lanes_publish(d);
	return 0;
fail:
	log_seterr(err, errlen, "dpdk:%s: cannot %s: %s%s%s", d->name, what,
		   strerror(r < 0 ? -r : EIO), dpdk_log_first_err()[0] ? ": " : "",
		   dpdk_log_first_err());
	return -1;
}

struct dpdk_port *dpdk_open(struct loop *l, const char *devargs, char *err, size_t errlen)
{
	return dpdk_open_lanes(l, devargs, 1, err, errlen);
}

struct dpdk_port *dpdk_open_lanes(struct loop *l, const char *devargs, unsigned lanes, char *err,
				  size_t errlen)
{
	struct dpdk_port *d;
	size_t n = strcspn(devargs, ",");
	char pname[32];

	if (!eal_ready) {
		log_seterr(err, errlen, "dpdk:%s: DPDK's EAL is not initialised", devargs);
		return NULL;
	}
	if (n == 0 || n >= RTE_ETH_NAME_MAX_LEN) {
		log_seterr(err, errlen, "dpdk:%s: expected a PCI address or a virtual device name",
		       devargs);
		return NULL;
	}
	d = calloc(1, sizeof(*d));
	if (!d) {
		log_seterr(err, errlen, "dpdk:%s: out of memory", devargs);
		return NULL;
	}
	memcpy(d->name, devargs, n);
	d->name[n] = '\0';
	d->loop = l;
	d->kif_fd = -1;
	/* An lcore id for this thread: per-lcore mempool caches (else none: slower). */
	if (rte_lcore_id() == LCORE_ID_ANY && rte_thread_register() < 0)
		LOG_WARN("dpdk", "%s: this thread got no lcore id (%s): mbufs without a cache",
			 d->name, rte_strerror(rte_errno));
	if (find_port(devargs, d->name, &d->pid, err, errlen) < 0)
		goto fail;
	snprintf(pname, sizeof(pname), "dpdk:%.26s", d->name);
	d->pool = pkt_pool_create(pname, DPDK_POOL_PKTS);
	if (!d->pool) {
		log_seterr(err, errlen, "dpdk:%s: cannot create a pool of %u packets: %s", d->name,
		       DPDK_POOL_PKTS, strerror(errno));
		goto fail;
	}
	if (setup_port(d, devargs, lanes, err, errlen) < 0)
		goto fail;
	net_port_init(&d->port, pname, &dpdk_ops, d);
	d->link_tsc = rte_get_tsc_hz() / 1000u * DPDK_LINK_POLL_MS;
	d->last_start = rte_get_tsc_cycles();
	if (loop_add_poll(l, dpdk_poll, d) < 0) {
		log_seterr(err, errlen, "dpdk:%s: cannot poll it: %s", d->name, strerror(errno));
		goto fail;
	}
	d->polled = true;
	link_check(d);
	LOG_INFO("dpdk", "%s: port %u (%s), %u RX queue(s), %u+%u descriptors, %u mbufs, link %s",
		 d->name, d->pid, d->st.driver, d->nrxq, d->st.rx_desc, d->st.tx_desc, d->st.mbufs,
		 d->st.link_up ? "up" : "down");
	if (d->nlanes > 1)
		LOG_INFO("dpdk", "%s: %u queue pairs: queue 0 on this thread, 1..%u for lanes", d->name,
			 d->nlanes, d->nlanes - 1u);
	return d;
fail:
	dpdk_close(d);
	return NULL;
}

unsigned dpdk_lanes(const struct dpdk_port *d)
{
	return d->nlanes;
}

struct net_port *dpdk_port(struct dpdk_port *d)
{
	return &d->port;
}

const char *dpdk_name(const struct dpdk_port *d)
{
	return d->name;
}

void dpdk_get_stats(const struct dpdk_port *d, struct dpdk_stats *st)
{
	struct rte_eth_stats es;

	*st = d->st;
	if (!d->started || d->st.removed || rte_eth_stats_get(d->pid, &es) < 0)
		return;
	st->dev_ipackets = es.ipackets;
	st->dev_opackets = es.opackets;
	st->dev_ibytes = es.ibytes;
	st->dev_obytes = es.obytes;
	st->dev_imissed = es.imissed;
	st->dev_ierrors = es.ierrors;
	st->dev_oerrors = es.oerrors;
	st->dev_rx_nombuf = es.rx_nombuf;
}

void dpdk_close(struct dpdk_port *d)
{
	if (!d)
		return;
	if (atomic_load(&d->lanes_open))
		LOG_ERR("dpdk", "%s: closed with lanes still open (queues 0x%x)", d->name,
			atomic_load(&d->lanes_open));
	net_port_disconnect(&d->port);
	if (d->polled)
		loop_del_poll(d->loop, dpdk_poll, d);
	if (d->kif_fd >= 0)
		close(d->kif_fd);
	dpdk_flow_fini(d);
	if (d->started) {
		rte_eth_dev_callback_unregister(d->pid, RTE_ETH_EVENT_INTR_RMV, on_rmv, d);
		if (!d->st.removed) {
			if (d->running)
				rte_eth_dev_stop(d->pid);
			rte_eth_dev_close(d->pid);
		}
	}
	/* The device freed its mbufs when it was closed. */
	if (d->mp && (!d->started || !d->st.removed))
		rte_mempool_free(d->mp);
	if (d->rx_mp && (!d->started || !d->st.removed)) {
		unsigned held = rte_mempool_in_use_count(d->rx_mp);

		if (held) {
			/* Packets still on their way somewhere: they give their mbufs back later. */
			LOG_WARN("dpdk", "%s: %u received frame(s) still held at close; their buffers "
				 "stay", d->name, held);
		} else {
			rte_mempool_free(d->rx_mp);
			pkt_pool_destroy(d->rx_lent);
		}
	}
	for (unsigned q = 1; q < DPDK_LANES_MAX; q++) {
		struct pkt *k;

		if (!d->handback[q])
			continue;
		while (spsc_dequeue_burst(d->handback[q], (void **)&k, 1))
			pkt_free(k);
		spsc_destroy(d->handback[q]);
	}
	pkt_pool_destroy(d->pool);
	if (d->ext_live) {
		/* A device that never gave frames back: their free callback would find d gone. */
		LOG_WARN("dpdk", "%s: %lu frame(s) still held by the device at close",
			 d->name, (unsigned long)d->ext_live);
		return;
	}
	free(d);
}
