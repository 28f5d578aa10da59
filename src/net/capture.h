/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Packet capture of a port to a classic pcap file (libpcap's writer).
 *
 * A capture is opened (the file created) on any thread, then attached to a
 * port by the thread that owns the port; from then on it records every frame
 * the port sends to its peer and every frame the peer hands to it, on that
 * thread, in the burst path. Detach it on the owner thread again; then close
 * it anywhere (that flushes the file). A port has at most one capture.
 *
 * Frames carried with PKT_F_VLAN are written with their 802.1Q tag put back
 * into the header, as they would look on a wire. Recording is bounded by a
 * packet count and a file size; what does not fit, or what could not be
 * written, is counted as dropped, never blocks or fails the packet path.
 */
#ifndef VMUX_NET_CAPTURE_H
#define VMUX_NET_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/pkt.h"

struct net_port;
struct net_capture;

#define NET_CAPTURE_SNAPLEN_DEFAULT 65535u
#define NET_CAPTURE_SNAPLEN_MIN 14u      /* an Ethernet header */
#define NET_CAPTURE_SNAPLEN_MAX 262144u  /* what libpcap itself accepts */
#define NET_CAPTURE_MAX_BYTES_DEFAULT (1ull << 30)

struct net_capture_opts {
	uint64_t max_pkts;  /* frames to record; 0 = no limit */
	uint64_t max_bytes; /* file size bound (headers included); 0 = the default (1 GiB) */
	uint32_t snaplen;   /* bytes kept of each frame; 0 = the default (65535) */
};

struct net_capture_stats {
	uint64_t pkts;       /* frames written */
	uint64_t rx_pkts;    /* ... of which the port received */
	uint64_t tx_pkts;    /* ... of which the port sent */
	uint64_t truncated;  /* ... of which cut to snaplen */
	uint64_t bytes;      /* file size so far, headers included */
	uint64_t dropped;    /* frames not written: a limit was reached or writing failed */
	bool limit_reached;
	int write_error;     /* errno of the first failed write, 0 if none */
};

/*
 * Creates (or truncates) a regular file at path, mode 0600, and writes the
 * pcap header. NULL with err naming the problem.
 */
struct net_capture *net_capture_open(const char *path, const struct net_capture_opts *o,
				     char *err, size_t errlen);
/* On the port's owner thread. 0, or -EBUSY if the port already has a capture. */
int net_capture_attach(struct net_port *p, struct net_capture *c);
/* On the port's owner thread. Returns the port's capture (NULL if none). */
struct net_capture *net_capture_detach(struct net_port *p);
/* The capture attached to p (owner thread), or NULL. */
struct net_capture *net_capture_of(const struct net_port *p);
/* On the thread that currently writes the capture (or any, once detached). */
void net_capture_get_stats(const struct net_capture *c, struct net_capture_stats *st);
const char *net_capture_path(const struct net_capture *c);
/* Whether path names the file c writes (same inode); any thread. */
bool net_capture_same_file(const struct net_capture *c, const char *path);
const struct net_capture_opts *net_capture_options(const struct net_capture *c);
/*
 * Flushes and closes the file (the capture must be detached), fills *st if
 * not NULL. 0, or -errno if some of the file could not be written.
 */
int net_capture_close(struct net_capture *c, struct net_capture_stats *st);

/* The burst path (net_port_send): records n frames, tx from the port's side or rx. */
void net_capture_record(struct net_capture *c, bool tx, struct pkt *const *pkts, uint16_t n);

#endif
