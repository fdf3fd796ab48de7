/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vcard: a virtual Vietnamese chip ID card (CCCD) for vsmartcard's vpcd.
 *
 *   vcard [-v] [-P] [-p PORT] [-H HOST] [-b BEHAVIOURS] [-w SECONDS] CARD_DIR
 *
 * Connects to vpcd (pcscd's virtual reader driver; port 35963 = reader
 * "Virtual PCD 00 00", 35964 = "Virtual PCD 00 01"), prints "ready" on stdout
 * once connected, and answers APDUs until vpcd closes the connection or the
 * process is terminated (card removal).  Exit status: 0 after a removal or a
 * clean end, 1 on a runtime error, 3 on a usage error.
 *
 * vpcd protocol: every message is a 2-byte big-endian length and a payload.
 * A 1-byte payload is a control command: 00 power off, 01 power on, 02 reset
 * (no answer), 04 get ATR (answer: the ATR).  A longer payload is a C-APDU,
 * answered with the R-APDU.  Each answer goes out in one write with
 * TCP_NODELAY (vpcd stalls ~40 ms per APDU otherwise).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "vc-card.h"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: vcard [-v] [-P] [-p PORT] [-H HOST] [-b BEHAVIOURS] [-w SECONDS] CARD_DIR\n"
	    "  -p PORT        vpcd port (default 35963 = \"Virtual PCD 00 00\"; 35964 = \"... 00 01\")\n"
	    "  -H HOST        vpcd host (default 127.0.0.1)\n"
	    "  -b BEHAVIOURS  comma-separated: normal extended no-extended short-le-only[=N]\n"
	    "                 tampered-dg unknown-signer clone no-dg15 hidden-dg15 dup-forged-dg13\n"
	    "                 own-dg15 wrong-mac[=N]\n"
	    "                 remove-after=N oversized truncated[=FILE] trailing[=FILE]\n"
	    "                 malformed-sm[=N]   (FILE: com sod dg1 dg2 dg3 dg13 dg14 dg15)\n"
	    "  -w SECONDS     how long to retry connecting to vpcd (default 10)\n"
	    "  -P             exit when the parent process exits (tests: no stray card)\n"
	    "  -v             trace APDUs on stderr\n"
	    "CARD_DIR is a directory made by mkcard.  Prints \"ready\" once connected.\n");
}

static int
connect_vpcd(const char *host, const char *port, int wait_s)
{
	struct addrinfo hints, *res = NULL, *ai;
	struct timespec ts = { 0, 100 * 1000 * 1000 };
	int fd = -1, one = 1, tries = wait_s * 10, e;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((e = getaddrinfo(host, port, &hints, &res)) != 0) {
		fprintf(stderr, "vcard: %s:%s: %s\n", host, port, gai_strerror(e));
		return -1;
	}
	for (;;) {
		for (ai = res; ai != NULL; ai = ai->ai_next) {
			fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
			if (fd < 0)
				continue;
			if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
				goto done;
			close(fd);
			fd = -1;
		}
		if (tries-- <= 0)
			break;
		nanosleep(&ts, NULL);
	}
	fprintf(stderr, "vcard: cannot connect to vpcd at %s:%s: %s; is pcscd running with "
	    "vsmartcard-vpcd? (scripts/pcscd-vpcd)\n", host, port, strerror(errno));
done:
	freeaddrinfo(res);
	if (fd >= 0)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	return fd;
}

/*
 * Read exactly n bytes; 1 done, 0 EOF, -1 error.
 * vpcd writes a frame's length and payload separately without TCP_NODELAY, so
 * Nagle holds the payload back until the length is acknowledged: ask for an
 * immediate ACK (Linux TCP_QUICKACK, which the kernel resets, hence before
 * every read), or each APDU waits for the delayed-ACK timer (~40 ms).
 */
static int
read_full(int fd, uint8_t *p, size_t n)
{
	ssize_t r;
#ifdef TCP_QUICKACK
	int one = 1;
#endif

	while (n > 0) {
#ifdef TCP_QUICKACK
		setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
#endif
		r = read(fd, p, n);
		if (r == 0)
			return 0;
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += r;
		n -= (size_t)r;
	}
	return 1;
}

/* one frame (length + payload) in one write */
static int
send_frame(int fd, uint8_t *frame, size_t n)
{
	size_t off = 0;
	ssize_t w;

	frame[0] = (uint8_t)(n >> 8);
	frame[1] = (uint8_t)n;
	n += 2;
	while (off < n) {
		w = send(fd, frame + off, n - off, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		off += (size_t)w;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	const char *host = "127.0.0.1", *port = "35963", *beh = "normal";
	struct vc_card *card = NULL;
	static uint8_t in[65536 + 16], out[VC_MAXRESP + 2];
	char err[512];
	int opt, verbose = 0, wait_s = 10, fd = -1, rc = 1, r;
	pid_t parent = 0;
	size_t n, rlen;
	const uint8_t *atr;

	while ((opt = getopt(argc, argv, "vPp:H:b:w:h")) != -1) {
		switch (opt) {
		case 'v': verbose = 1; break;
		case 'P': parent = getppid(); break;
		case 'p': port = optarg; break;
		case 'H': host = optarg; break;
		case 'b': beh = optarg; break;
		case 'w': wait_s = atoi(optarg); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 3;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return 3;
	}
	if (parent != 0 && (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != parent))
		return 1; /* the parent is already gone */
	if (vc_card_new(&card) != 0) {
		fprintf(stderr, "vcard: out of memory\n");
		return 1;
	}
	if (vc_card_set_behaviour(card, beh, err, sizeof err) != 0) {
		fprintf(stderr, "vcard: %s\n", err);
		rc = 3;
		goto out;
	}
	if (vc_card_load_dir(card, argv[optind], err, sizeof err) != 0) {
		fprintf(stderr, "vcard: %s; make the card directory with mkcard\n", err);
		goto out;
	}
	if (verbose)
		vc_card_set_log(card, stderr);
	if ((fd = connect_vpcd(host, port, wait_s)) < 0)
		goto out;
	printf("ready\n");
	fflush(stdout);

	for (;;) {
		if ((r = read_full(fd, in, 2)) <= 0)
			break;
		n = (size_t)in[0] << 8 | in[1];
		if ((r = read_full(fd, in, n)) <= 0)
			break;
		if (n == 1) {
			switch (in[0]) {
			case 0x00: /* power off */
			case 0x01: /* power on */
			case 0x02: /* reset */
				if (verbose)
					fprintf(stderr, "vpcd: %s\n", in[0] == 0 ? "power off" :
					    in[0] == 1 ? "power on" : "reset");
				vc_card_reset(card);
				break;
			case 0x04: /* ATR */
				atr = vc_card_atr(card, &rlen);
				memcpy(out + 2, atr, rlen);
				if (send_frame(fd, out, rlen) != 0)
					goto ioerr;
				break;
			default:
				fprintf(stderr, "vcard: unknown vpcd control byte %02X ignored\n", in[0]);
			}
			continue;
		}
		if (vc_card_apdu(card, in, n, out + 2, &rlen) == VC_REMOVE) {
			rc = 0;
			goto out;
		}
		if (send_frame(fd, out, rlen) != 0)
			goto ioerr;
	}
	if (r < 0)
		goto ioerr;
	rc = 0; /* vpcd closed the connection (pcscd stopped) */
	goto out;
ioerr:
	fprintf(stderr, "vcard: vpcd connection: %s\n", strerror(errno));
out:
	if (fd >= 0)
		close(fd);
	vc_card_free(card);
	return rc;
}
