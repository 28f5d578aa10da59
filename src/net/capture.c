/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Port capture to pcap files. Opening and closing (file creation, flush) are
 * control-path work; net_capture_record runs in the burst path of the port's
 * owner thread and only copies into stdio's buffer (a write(2) when the
 * buffer fills), once the operator asked for a capture.
 */
#include "net/capture.h"

#include <errno.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "net/port.h"

#define ETH_ADDRS_LEN 12u
#define VLAN_TAG_LEN 4u
#define PCAP_FILE_HDR 24u
#define PCAP_REC_HDR 16u
#define CAPTURE_BUF (256u << 10) /* stdio buffer: one write(2) per 256 KiB recorded */

struct net_capture {
	pcap_t *dead;
	pcap_dumper_t *dumper;
	FILE *f;
	char *path;
	dev_t dev;
	ino_t ino;
	struct net_capture_opts opts;
	struct net_capture_stats st;
	struct net_port *port; /* attached to, or NULL */
	char *buf;             /* the stream's buffer */
	uint8_t scratch[PKT_DATA_MAX + VLAN_TAG_LEN];
};

static void seterr(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

struct net_capture *net_capture_open(const char *path, const struct net_capture_opts *o,
				     char *err, size_t errlen)
{
	struct net_capture *c;
	struct stat st;
	int fd, flags;

	if (!path || !*path) {
		seterr(err, errlen, "no capture file given");
		return NULL;
	}
	if (o && o->snaplen &&
	    (o->snaplen < NET_CAPTURE_SNAPLEN_MIN || o->snaplen > NET_CAPTURE_SNAPLEN_MAX)) {
		seterr(err, errlen, "snaplen %u is out of range (%u..%u)", o->snaplen,
		       NET_CAPTURE_SNAPLEN_MIN, NET_CAPTURE_SNAPLEN_MAX);
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c || !(c->path = strdup(path))) {
		free(c);
		seterr(err, errlen, "out of memory");
		return NULL;
	}
	if (o)
		c->opts = *o;
	if (!c->opts.snaplen)
		c->opts.snaplen = NET_CAPTURE_SNAPLEN_DEFAULT;
	if (!c->opts.max_bytes)
		c->opts.max_bytes = NET_CAPTURE_MAX_BYTES_DEFAULT;

	/*
	 * O_NONBLOCK so that a FIFO without a reader cannot hang us here; the
	 * file must then turn out to be a regular one (a FIFO or device would
	 * block the packet path on a slow reader).
	 */
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0600);
	if (fd < 0) {
		seterr(err, errlen, "cannot create %s: %s", path, strerror(errno));
		goto fail;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		seterr(err, errlen, "%s is not a regular file", path);
		close(fd);
		goto fail;
	}
	c->dev = st.st_dev;
	c->ino = st.st_ino;
	flags = fcntl(fd, F_GETFL);
	if (flags >= 0)
		fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
	c->f = fdopen(fd, "w");
	if (!c->f) {
		seterr(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		goto fail;
	}
	c->buf = malloc(CAPTURE_BUF);
	if (c->buf)
		setvbuf(c->f, c->buf, _IOFBF, CAPTURE_BUF);
	c->dead = pcap_open_dead(DLT_EN10MB, (int)c->opts.snaplen);
	if (!c->dead) {
		seterr(err, errlen, "%s: libpcap cannot start a capture", path);
		goto fail;
	}
	c->dumper = pcap_dump_fopen(c->dead, c->f);
	if (!c->dumper) {
		seterr(err, errlen, "%s: %s", path, pcap_geterr(c->dead));
		goto fail;
	}
	/* The dumper owns the stream now. Write the header out: the file is valid at once. */
	c->f = NULL;
	if (pcap_dump_flush(c->dumper) < 0) {
		seterr(err, errlen, "cannot write %s: %s", path, strerror(errno));
		goto fail;
	}
	c->st.bytes = PCAP_FILE_HDR;
	return c;
fail:
	if (c->dumper)
		pcap_dump_close(c->dumper);
	else if (c->f)
		fclose(c->f);
	if (c->dead)
		pcap_close(c->dead);
	free(c->buf);
	free(c->path);
	free(c);
	return NULL;
}

int net_capture_attach(struct net_port *p, struct net_capture *c)
{
	if (p->capture)
		return -EBUSY;
	if (c->port)
		return -EINVAL;
	c->port = p;
	p->capture = c;
	return 0;
}

struct net_capture *net_capture_detach(struct net_port *p)
{
	struct net_capture *c = p->capture;

	if (c) {
		p->capture = NULL;
		c->port = NULL;
	}
	return c;
}

struct net_capture *net_capture_of(const struct net_port *p)
{
	return p->capture;
}

void net_capture_get_stats(const struct net_capture *c, struct net_capture_stats *st)
{
	*st = c->st;
}

const char *net_capture_path(const struct net_capture *c)
{
	return c->path;
}

bool net_capture_same_file(const struct net_capture *c, const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && st.st_dev == c->dev && st.st_ino == c->ino;
}

const struct net_capture_opts *net_capture_options(const struct net_capture *c)
{
	return &c->opts;
}

int net_capture_close(struct net_capture *c, struct net_capture_stats *st)
{
	int ret;

	if (!c)
		return 0;
	if (c->port)
		net_capture_detach(c->port);
	if (pcap_dump_flush(c->dumper) < 0 && !c->st.write_error)
		c->st.write_error = errno ? errno : EIO;
	if (ferror(pcap_dump_file(c->dumper)) && !c->st.write_error)
		c->st.write_error = EIO;
	pcap_dump_close(c->dumper);
	pcap_close(c->dead);
	if (st)
		*st = c->st;
	ret = c->st.write_error ? -c->st.write_error : 0;
	free(c->buf);
	free(c->path);
	free(c);
	return ret;
}

void net_capture_record(struct net_capture *c, bool tx, struct pkt *const *pkts, uint16_t n)
{
	struct pcap_pkthdr h;
	struct timespec ts;
	FILE *f;

	if (c->st.write_error || c->st.limit_reached) {
		c->st.dropped += n;
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	h.ts.tv_sec = ts.tv_sec;
	h.ts.tv_usec = ts.tv_nsec / 1000;
	f = pcap_dump_file(c->dumper);
	for (uint16_t i = 0; i < n; i++) {
		const struct pkt *k = pkts[i];
		const uint8_t *data = k->data;
		uint32_t len = k->len > PKT_DATA_MAX ? PKT_DATA_MAX : k->len;

		if ((k->flags & PKT_F_VLAN) && len >= ETH_ADDRS_LEN) {
			/* Put the tag back between the addresses and the EtherType. */
			uint8_t *s = c->scratch;

			memcpy(s, k->data, ETH_ADDRS_LEN);
			s[12] = 0x81;
			s[13] = 0x00;
			s[14] = (uint8_t)(k->vlan_tci >> 8);
			s[15] = (uint8_t)k->vlan_tci;
			memcpy(s + ETH_ADDRS_LEN + VLAN_TAG_LEN, k->data + ETH_ADDRS_LEN,
			       len - ETH_ADDRS_LEN);
			data = s;
			len += VLAN_TAG_LEN;
		}
		h.len = len;
		h.caplen = len < c->opts.snaplen ? len : c->opts.snaplen;
		if ((c->opts.max_pkts && c->st.pkts >= c->opts.max_pkts) ||
		    c->st.bytes + PCAP_REC_HDR + h.caplen > c->opts.max_bytes) {
			c->st.limit_reached = true;
			c->st.dropped += n - i;
			return;
		}
		pcap_dump((u_char *)c->dumper, &h, data);
		c->st.pkts++;
		c->st.bytes += PCAP_REC_HDR + h.caplen;
		c->st.truncated += h.caplen < h.len;
		if (tx)
			c->st.tx_pkts++;
		else
			c->st.rx_pkts++;
	}
	if (__builtin_expect(ferror(f) != 0, 0)) {
		/* Some of it did not reach the file; stop writing, keep counting. */
		c->st.write_error = errno ? errno : EIO;
	}
}
