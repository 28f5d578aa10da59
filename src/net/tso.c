/* SPDX-License-Identifier: GPL-2.0-or-later */
/* TCP/UDP segmentation in software: see tso.h. */
#include "net/tso.h"

#include <errno.h>
#include <string.h>

#include "net/csum.h"

#define TCP_FLAG_FIN 0x01u
#define TCP_FLAG_PSH 0x08u

static inline uint16_t be16_get(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t be32_get(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void be16_put(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void be32_put(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

int net_tso_check(const struct net_tso *t, uint32_t len, const struct net_tso_limits *lim)
{
	uint32_t h = t->hdrlen, segs;

	if (len > lim->max_len || len > NET_TSO_MAX)
		return -NET_TSO_ERR_LEN;
	if (h == 0 || h > len)
		return -NET_TSO_ERR_HDR;
	if (h == len)
		return -NET_TSO_ERR_EMPTY;
	if (t->mss == 0 || t->mss < lim->min_mss || t->mss > lim->max_seg ||
	    h > lim->max_seg - t->mss)
		return -NET_TSO_ERR_MSS;
	/* Every field rewritten per segment must lie inside the headers. */
	if ((uint32_t)t->l3_off + (t->ipv4 ? 20u : 40u) > h ||
	    (uint32_t)t->l4_off + (t->tcp ? 20u : 8u) > h || t->l4_off < t->l3_off ||
	    (uint32_t)t->l4_csum_off + 2 > h || (t->ipv4 && (uint32_t)t->ip_csum_off + 2 > h))
		return -NET_TSO_ERR_HDR;
	segs = (len - h + t->mss - 1) / t->mss;
	if (segs > lim->max_segs)
		return -NET_TSO_ERR_SEGS;
	return (int)segs;
}

void net_tso_src_init(struct net_tso_src *s, const struct net_sg *sg, unsigned nsg)
{
	s->sg = sg;
	s->nsg = nsg;
	s->len = 0;
	for (unsigned i = 0; i < nsg; i++)
		s->len += sg[i].len;
	s->pos = 0;
	s->cur = (struct net_sg_cur){ 0 };
}

/* Copies n bytes at frame offset pos (cursor moved there first; back to the start if behind). */
static void src_copy(struct net_tso_src *s, uint32_t pos, uint8_t *dst, uint32_t n)
{
	if (pos < s->pos) {
		s->pos = 0;
		s->cur = (struct net_sg_cur){ 0 };
	}
	s->pos += net_sg_copy(s->sg, s->nsg, &s->cur, NULL, pos - s->pos);
	s->pos += net_sg_copy(s->sg, s->nsg, &s->cur, dst, n);
}

uint32_t net_tso_seg(const struct net_tso *t, struct net_tso_src *s, uint32_t seg, uint8_t *out,
		     uint32_t cap)
{
	uint32_t h = t->hdrlen, len = s->len, pay, n, total, seq;
	uint16_t id;
	uint64_t off = (uint64_t)seg * t->mss;
	uint8_t *ip = out + t->l3_off, *l4 = out + t->l4_off;

	if (h >= len || t->mss == 0 || off >= len - h)
		return 0;
	pay = len - h;
	n = pay - off < t->mss ? pay - (uint32_t)off : t->mss;
	total = h + n;
	if (total > cap)
		return 0;
	/* The headers: from the first piece (the usual case), else across pieces. */
	if (s->nsg && s->sg[0].len >= h) {
		memcpy(out, s->sg[0].p, h);
	} else {
		struct net_sg_cur c = { 0 };

		net_sg_copy(s->sg, s->nsg, &c, out, h);
	}
	src_copy(s, h + (uint32_t)off, out + h, n);
	/* The frame's own values, read before anything is rewritten (fields may overlap). */
	id = be16_get(ip + 4);
	seq = be32_get(l4 + 4);

	if (t->ipv4) {
		be16_put(ip + 2, (uint16_t)(total - t->l3_off));
		be16_put(ip + 4, (uint16_t)(id + seg));
	} else {
		be16_put(ip + 4, (uint16_t)(total - t->l3_off - 40));
	}
	if (t->tcp) {
		be32_put(l4 + 4, seq + (uint32_t)off);
		if (off + n < pay)
			l4[13] &= (uint8_t)~(TCP_FLAG_FIN | TCP_FLAG_PSH);
	} else {
		be16_put(l4 + 4, (uint16_t)(total - t->l4_off));
	}
	if (t->ipv4 && t->ip_csum) {
		be16_put(out + t->ip_csum_off, 0);
		net_csum_insert(out, total, t->l3_off, t->ip_csum_off, t->ip_csum_end, false);
	}
	if (t->l4_csum) {
		uint16_t ph = be16_get(out + t->l4_csum_off);

		be16_put(out + t->l4_csum_off, net_csum_add(ph, total - t->l4_off));
		net_csum_insert(out, total, t->l4_off, t->l4_csum_off, t->l4_csum_end, !t->tcp);
	}
	return total;
}

int net_gather_append(struct net_gather *g, struct pkt_pool *pool, const void *src, uint32_t len)
{
	const uint8_t *p = src;

	if (len > NET_TSO_MAX - g->len)
		return -EMSGSIZE;
	while (len) {
		unsigned i = g->len / PKT_DATA_MAX;
		uint32_t at = g->len % PKT_DATA_MAX, k = PKT_DATA_MAX - at;

		if (i == g->n) {
			g->pk[i] = pkt_alloc(pool);
			if (!g->pk[i])
				return -ENOBUFS;
			g->n++;
		}
		if (k > len)
			k = len;
		memcpy(g->pk[i]->data + at, p, k);
		g->len += k;
		p += k;
		len -= k;
	}
	return 0;
}

unsigned net_gather_sg(const struct net_gather *g, struct net_sg *sg)
{
	uint32_t left = g->len;
	unsigned i;

	for (i = 0; i < g->n && left; i++) {
		sg[i].p = g->pk[i]->data;
		sg[i].len = left < PKT_DATA_MAX ? left : PKT_DATA_MAX;
		left -= sg[i].len;
	}
	return i;
}

void net_gather_free(struct net_gather *g)
{
	if (g->n)
		pkt_free_bulk(g->pk, g->n);
	net_gather_init(g);
}
