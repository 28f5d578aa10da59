/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz target: the configuration parsers (src/core/config.c), i.e. vmux's
 * command line (cfg_parse_args, what main() calls) and its JSON file
 * (cfg_parse_json, cfg_load_file), each followed by cfg_finalize as in
 * main().
 *
 * Input: the first byte selects the mode, the rest is the text.
 *   bit 0 clear: JSON. The rest is the file's text (up to the first NUL).
 *   bit 0 set:   command line. The rest is split on NUL into argv[1..]
 *                (argv[0] is "vmux"). With bit 1 set, the last piece is not
 *                an argument but the content of the file that --config
 *                names: fopen is wrapped (link with --wrap=fopen), and while
 *                the parser runs every fopen gets that content (or ENOENT if
 *                there is none), whatever the path; no real file is opened.
 *
 * Checks beyond the sanitizers: the parsers return 0 or -1, and -1 always
 * with a message; whatever they accept is within
 * the configuration's limits (counts, string fields terminated, VLANs, worker
 * indices); after cfg_finalize every device has a mode and a valid unicast
 * MAC distinct from the others', every capture names an existing port; and
 * parsing the same command line twice gives the same configuration (getopt
 * keeps state between calls).
 */
#include <errno.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "fuzz_common.h"

#define MAX_ARGS 512
#define TEXT_MAX 65536

FILE *__real_fopen(const char *path, const char *mode);
FILE *__wrap_fopen(const char *path, const char *mode);

static struct {
	bool armed;            /* the parser is running: fopen serves the input */
	const char *file;      /* the --config content, NULL: no such file */
	size_t file_len;
	unsigned opens;
	char text[TEXT_MAX + 1];
	char *argv[MAX_ARGS + 2];
	struct vmux_config a, b;
} F;

FILE *__wrap_fopen(const char *path, const char *mode)
{
	if (!F.armed)
		return __real_fopen(path, mode);
	F.opens++;
	if (!F.file || strcmp(mode, "r") != 0) {
		errno = ENOENT;
		return NULL;
	}
	/* fmemopen wants a non-empty buffer; an empty file is "" with size 0. */
	return fmemopen((void *)(F.file_len ? F.file : ""), F.file_len ? F.file_len : 1, "r");
}

static __attribute__((noreturn, format(printf, 1, 2))) void bug(const char *fmt, ...);

static void bug(const char *fmt, ...)
{
	va_list ap;
	fputs("fuzz_config: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

static void check_rc(const char *what, int rc, const char *err)
{
	if (rc != 0 && rc != -1)
		bug("%s returned %d", what, rc);
	if (rc == 0)
		return;
	if (!err[0])
		bug("%s failed without a message", what);
}

#define TERMINATED(field) (memchr((field), '\0', sizeof(field)) != NULL)

static bool mac_ok(const uint8_t m[6])
{
	return !(m[0] & 1) && (m[0] | m[1] | m[2] | m[3] | m[4] | m[5]);
}

/* What any accepted (not yet finalized) configuration must satisfy. */
static void check_parsed(const struct vmux_config *c)
{
	if (c->ndev > CFG_MAX_DEVICES || c->npcap > CFG_MAX_PCAPS ||
	    c->nworkers > CFG_MAX_WORKERS)
		bug("counts beyond the limits: %u devices, %u captures, %u workers", c->ndev,
		    c->npcap, c->nworkers);
	if (!TERMINATED(c->uplink_tap) || !TERMINATED(c->uplink_dpdk) ||
	    !TERMINATED(c->uplink_name) || !TERMINATED(c->control))
		bug("uplink or control not terminated");
	if (!mac_ok(c->base_mac))
		bug("base MAC %02x:%02x:... accepted", c->base_mac[0], c->base_mac[1]);
	if (c->log_level < 0 || c->log_level > 4)
		bug("log level %d", c->log_level);
	for (unsigned i = 0; i < c->ndev; i++) {
		const struct cfg_device *d = &c->dev[i];
		if (!TERMINATED(d->socket) || !TERMINATED(d->mode) || !TERMINATED(d->tap))
			bug("device %u: a string field is not terminated", i);
		if (!d->socket[0])
			bug("device %u without a socket accepted", i);
		if (d->vlan > 4094)
			bug("device %u: VLAN %u accepted", i, d->vlan);
		if (d->worker < -1 || d->worker >= CFG_MAX_WORKERS)
			bug("device %u: worker %d accepted", i, d->worker);
		if (d->has_mac && !mac_ok(d->mac))
			bug("device %u: MAC %02x:... accepted", i, d->mac[0]);
		if (d->doorbell != CFG_DOORBELL_TRAP && d->doorbell != CFG_DOORBELL_POLL)
			bug("device %u: doorbell %d", i, (int)d->doorbell);
	}
	for (unsigned i = 0; i < c->npcap; i++) {
		const struct cfg_pcap *p = &c->pcap[i];
		if (!TERMINATED(p->port) || !TERMINATED(p->file) || !p->port[0] || !p->file[0])
			bug("capture %u: port or file empty or not terminated", i);
	}
}

/* What main() relies on after cfg_finalize succeeded. */
static void check_final(const struct vmux_config *c)
{
	if (c->help || c->version || c->list_modes)
		return;
	if (c->ndev == 0)
		bug("no device, yet finalized");
	for (unsigned i = 0; i < c->ndev; i++) {
		const struct cfg_device *d = &c->dev[i];
		if (!d->mode[0])
			bug("device %u has no mode", i);
		if (!d->tap[0] && !c->uplink_name[0])
			bug("device %u has no network", i);
		if (d->worker >= 0 && (unsigned)d->worker >= (c->nworkers ? c->nworkers : 1))
			bug("device %u on worker %d of %u", i, d->worker, c->nworkers);
		if (!mac_ok(d->mac))
			bug("device %u gets MAC %02x:%02x:%02x:%02x:%02x:%02x, not a NIC's", i,
			    d->mac[0], d->mac[1], d->mac[2], d->mac[3], d->mac[4], d->mac[5]);
		for (unsigned j = 0; j < i; j++) {
			if (!memcmp(c->dev[j].mac, d->mac, 6))
				bug("devices %u and %u share a MAC", j, i);
			if (!strcmp(c->dev[j].socket, d->socket))
				bug("devices %u and %u share a socket", j, i);
		}
	}
	for (unsigned i = 0; i < c->npcap; i++) {
		int idx = cfg_port_index(c, c->pcap[i].port);
		if (idx < -1 || idx >= (int)c->ndev)
			bug("capture %u names port %s, index %d", i, c->pcap[i].port, idx);
	}
}

/*
 * Whether two parses gave the same configuration: the devices and captures
 * in use and every other field (not the unused table entries: nothing reads
 * them, and comparing 100 KiB per input halved the rate).
 */
static bool same_config(const struct vmux_config *a, const struct vmux_config *b)
{
	if (a->ndev != b->ndev || a->npcap != b->npcap)
		return false;
	if (memcmp(a->dev, b->dev, sizeof(a->dev[0]) * a->ndev) ||
	    memcmp(a->pcap, b->pcap, sizeof(a->pcap[0]) * a->npcap))
		return false;
	size_t from = offsetof(struct vmux_config, uplink_tap);
	size_t to = offsetof(struct vmux_config, pcap);
	if (memcmp((const char *)a + from, (const char *)b + from, to - from))
		return false;
	from = offsetof(struct vmux_config, npcap);
	return !memcmp((const char *)a + from, (const char *)b + from, sizeof(*a) - from);
}

static int run_args(struct vmux_config *c, int argc, char *err, size_t errlen)
{
	/* getopt_long may permute argv: give it a fresh copy of the pointers. */
	char *argv[MAX_ARGS + 2];
	memcpy(argv, F.argv, sizeof(char *) * (size_t)(argc + 1));
	cfg_init(c);
	F.armed = true;
	int rc = cfg_parse_args(c, argc, argv, err, errlen);
	F.armed = false;
	check_rc("cfg_parse_args", rc, err);
	return rc;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_setup_logging();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256], err2[256];
	int rc;

	if (size < 1)
		return 0;
	uint8_t mode = data[0];
	size_t n = size - 1 < TEXT_MAX ? size - 1 : TEXT_MAX;
	memcpy(F.text, data + 1, n);
	F.text[n] = '\0';
	F.file = NULL;
	F.file_len = 0;
	F.opens = 0;
	err[0] = err2[0] = '\0';

	if (!(mode & 1)) {
		cfg_init(&F.a);
		rc = cfg_parse_json(&F.a, F.text, err, sizeof(err));
		check_rc("cfg_parse_json", rc, err);
	} else {
		/* Pieces between NULs; the text ends with one more NUL at n. */
		size_t npieces = 0;
		char *pieces[MAX_ARGS + 1];
		for (size_t i = 0; i <= n && npieces <= MAX_ARGS;) {
			pieces[npieces++] = &F.text[i];
			i += strlen(&F.text[i]) + 1;
		}
		if ((mode & 2) && npieces > 0) {
			F.file = pieces[--npieces];
			F.file_len = strlen(F.file);
		}
		int argc = 1;
		F.argv[0] = (char *)"vmux";
		for (size_t i = 0; i < npieces && argc <= MAX_ARGS; i++)
			F.argv[argc++] = pieces[i];
		F.argv[argc] = NULL;

		rc = run_args(&F.a, argc, err, sizeof(err));
		/* The same command line again: the same outcome, the same configuration. */
		int rc2 = run_args(&F.b, argc, err2, sizeof(err2));
		F.a.config_file = F.b.config_file = NULL;
		if (rc != rc2 || strcmp(err, err2) || !same_config(&F.a, &F.b))
			bug("the same command line parsed twice gave different results (%d \"%s\", "
			    "%d \"%s\")", rc, err, rc2, err2);
		if (F.opens > 2)
			bug("the configuration file was opened %u times", F.opens / 2);
	}
	/* cfg_load_file's buffer comes from fuzz_big_alloc.c: it must be back. */
	fz_big_alloc_check("fuzz_config");
	if (rc)
		return 0;
	check_parsed(&F.a);
	rc = cfg_finalize(&F.a, err, sizeof(err));
	check_rc("cfg_finalize", rc, err);
	if (rc == 0)
		check_final(&F.a);
	return 0;
}
