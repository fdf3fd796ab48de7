/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vcard-pcsc: a tiny PC/SC client for the virtual card tests (independent of
 * libsign's reader code).
 *
 *   vcard-pcsc list                          readers, one a line: NAME<TAB>present|empty
 *   vcard-pcsc wait READER present|absent [SECONDS]
 *   vcard-pcsc atr READER                    the ATR in hex
 *   vcard-pcsc send READER APDU...           one connection; each response in hex, one a line
 *   vcard-pcsc ping READER COUNT [APDU]      COUNT round trips (default GET CHALLENGE), timing
 *   vcard-pcsc read READER MRZINFO LE OUTDIR FID...
 *                                            BAC with MRZINFO (doc+cd+dob+cd+exp+cd), then read
 *                                            each EF (hex FID) to its end with Le LE (> 256:
 *                                            extended) into OUTDIR/FID.bin; B1 past 32767
 *   vcard-pcsc aa READER MRZINFO DG15FILE sha1|sha256
 *                                            BAC + INTERNAL AUTHENTICATE, checked with DG15's key
 *
 * The BAC / secure messaging host is vc-host.c (test code, not libsign).
 * Exit status: 0 ok, 1 timeout / failure / AA invalid, 3 usage, 4 no reader / card / card
 * removed, 5 BAC refused, 6 bad protected response (MAC / format).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <winscard.h>

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "vc-host.h"
#include "vc.h"

#ifndef SCARD_AUTOALLOCATE
#define SCARD_AUTOALLOCATE (DWORD)(-1)
#endif

static SCARDCONTEXT ctx;

static int
fail(const char *what, LONG rv)
{
	fprintf(stderr, "vcard-pcsc: %s: %s (0x%08lX)\n", what, pcsc_stringify_error(rv),
	    (unsigned long)rv);
	switch (rv) {
	case SCARD_E_NO_READERS_AVAILABLE:
	case SCARD_E_UNKNOWN_READER:
	case SCARD_E_NO_SMARTCARD:
	case SCARD_W_REMOVED_CARD:
	case SCARD_E_NO_SERVICE:
	case SCARD_E_READER_UNAVAILABLE:
		return 4;
	default:
		return 1;
	}
}

/* the exact reader name for an exact or partial name; NULL if none */
static char *
find_reader(const char *want)
{
	char buf[4096], *p, *hit = NULL;
	DWORD n = sizeof buf;

	if (SCardListReaders(ctx, NULL, buf, &n) != SCARD_S_SUCCESS)
		return NULL;
	for (p = buf; *p; p += strlen(p) + 1)
		if (strcmp(p, want) == 0)
			return strdup(p);
	for (p = buf; *p; p += strlen(p) + 1)
		if (hit == NULL && strstr(p, want) != NULL)
			hit = p;
	return hit ? strdup(hit) : NULL;
}

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int
cmd_list(void)
{
	char buf[4096], *p;
	DWORD n = sizeof buf;
	SCARD_READERSTATE rs;
	LONG rv;

	if ((rv = SCardListReaders(ctx, NULL, buf, &n)) != SCARD_S_SUCCESS)
		return fail("SCardListReaders", rv);
	for (p = buf; *p; p += strlen(p) + 1) {
		memset(&rs, 0, sizeof rs);
		rs.szReader = p;
		rs.dwCurrentState = SCARD_STATE_UNAWARE;
		SCardGetStatusChange(ctx, 0, &rs, 1);
		printf("%s\t%s\n", p, (rs.dwEventState & SCARD_STATE_PRESENT) ? "present" : "empty");
	}
	return 0;
}

static int
cmd_wait(const char *want, const char *state, double secs)
{
	double end = now_ms() + secs * 1e3;
	int present = strcmp(state, "present") == 0;
	SCARD_READERSTATE rs;
	char *name = NULL;
	LONG rv;
	int r = 1;

	if (!present && strcmp(state, "absent") != 0)
		return 3;
	while (now_ms() < end) {
		if (name == NULL && (name = find_reader(want)) == NULL) {
			struct timespec ts = { 0, 100 * 1000 * 1000 };

			nanosleep(&ts, NULL);
			continue;
		}
		memset(&rs, 0, sizeof rs);
		rs.szReader = name;
		rs.dwCurrentState = SCARD_STATE_UNAWARE;
		rv = SCardGetStatusChange(ctx, 0, &rs, 1);
		if (rv == SCARD_S_SUCCESS) {
			int is = (rs.dwEventState & SCARD_STATE_PRESENT) &&
			    !(rs.dwEventState & SCARD_STATE_MUTE);

			if (is == present) {
				r = 0;
				break;
			}
			rs.dwCurrentState = rs.dwEventState;
			SCardGetStatusChange(ctx, 200, &rs, 1);
		} else {
			struct timespec ts = { 0, 100 * 1000 * 1000 };

			nanosleep(&ts, NULL);
		}
	}
	if (r != 0)
		fprintf(stderr, "vcard-pcsc: reader '%s': card not %s after %.0f s\n", want, state,
		    secs);
	free(name);
	return r;
}

static int
connect_card(const char *want, SCARDHANDLE *h, DWORD *proto)
{
	char *name = find_reader(want);
	LONG rv;

	if (name == NULL) {
		fprintf(stderr, "vcard-pcsc: no reader named '%s'\n", want);
		return 4;
	}
	rv = SCardConnect(ctx, name, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, h,
	    proto);
	free(name);
	if (rv != SCARD_S_SUCCESS)
		return fail("SCardConnect", rv);
	return 0;
}

static int
cmd_atr(const char *want)
{
	SCARDHANDLE h;
	DWORD proto, state, nl = 0, al = 64;
	BYTE atr[64];
	char hex[200];
	LONG rv;
	int r;

	if ((r = connect_card(want, &h, &proto)) != 0)
		return r;
	rv = SCardStatus(h, NULL, &nl, &state, &proto, atr, &al);
	if (rv != SCARD_S_SUCCESS) {
		SCardDisconnect(h, SCARD_LEAVE_CARD);
		return fail("SCardStatus", rv);
	}
	vc_hexdump(hex, atr, al);
	printf("%s\n", hex);
	SCardDisconnect(h, SCARD_LEAVE_CARD);
	return 0;
}

static int
transmit(SCARDHANDLE h, DWORD proto, const uint8_t *cmd, size_t n, uint8_t *resp, DWORD *rl)
{
	const SCARD_IO_REQUEST *pci = proto == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;
	LONG rv;

	*rl = 65538 + 16;
	rv = SCardTransmit(h, pci, cmd, (DWORD)n, NULL, resp, rl);
	if (rv != SCARD_S_SUCCESS)
		return fail("SCardTransmit", rv);
	return 0;
}

static int
cmd_send(const char *want, int n, char **apdus)
{
	static uint8_t cmd[65544], resp[65538 + 16];
	static char hex[2 * sizeof resp + 1];
	SCARDHANDLE h;
	DWORD proto, rl;
	long cl;
	int i, r;

	if ((r = connect_card(want, &h, &proto)) != 0)
		return r;
	for (i = 0; i < n; i++) {
		if ((cl = vc_unhex(apdus[i], cmd, sizeof cmd)) < 4) {
			fprintf(stderr, "vcard-pcsc: bad APDU '%s'\n", apdus[i]);
			r = 3;
			break;
		}
		if ((r = transmit(h, proto, cmd, (size_t)cl, resp, &rl)) != 0)
			break;
		vc_hexdump(hex, resp, rl);
		printf("%s\n", hex);
		fflush(stdout);
	}
	SCardDisconnect(h, SCARD_LEAVE_CARD);
	return r;
}

static int
cmd_ping(const char *want, long count, const char *apdu)
{
	static uint8_t cmd[300], resp[65538 + 16];
	SCARDHANDLE h;
	DWORD proto, rl;
	long cl, i;
	double t0, t;
	int r;

	if ((cl = vc_unhex(apdu ? apdu : "0084000008", cmd, sizeof cmd)) < 4 || count < 1)
		return 3;
	if ((r = connect_card(want, &h, &proto)) != 0)
		return r;
	t0 = now_ms();
	for (i = 0; i < count; i++)
		if ((r = transmit(h, proto, cmd, (size_t)cl, resp, &rl)) != 0)
			break;
	t = now_ms() - t0;
	SCardDisconnect(h, SCARD_LEAVE_CARD);
	if (r == 0)
		printf("%ld APDUs in %.1f ms: %.1f us per round trip\n", count, t, t * 1e3 / count);
	return r;
}

/* ---- BAC + SM over PC/SC (vc-host.c) ---- */

struct link {
	SCARDHANDLE h;
	DWORD proto;
	uint8_t resp[65538 + 16];
	DWORD rl;
	int err;
};

static unsigned
link_tx(void *arg, const uint8_t *cmd, size_t n, const uint8_t **r, size_t *rl)
{
	struct link *l = arg;

	if (l->err)
		return 0;
	if (transmit(l->h, l->proto, cmd, n, l->resp, &l->rl) != 0) {
		l->err = 4;
		return 0;
	}
	if (l->rl < 2) { /* vpcd answers an empty R-APDU when the card went away mid-command */
		fprintf(stderr, "vcard-pcsc: empty response (%lu bytes): card removed?\n",
		    (unsigned long)l->rl);
		l->err = 4;
		return 0;
	}
	*r = l->resp;
	*rl = l->rl;
	return (unsigned)(l->resp[l->rl - 2] << 8 | l->resp[l->rl - 1]);
}

/* select the applet and do BAC; 0 or an exit status */
static int
link_open(struct link *l, struct vc_host *vh, const char *want, const char *mrz_info)
{
	const uint8_t *r;
	size_t rl;
	unsigned sw;
	int rc;

	memset(l, 0, sizeof *l);
	if ((rc = connect_card(want, &l->h, &l->proto)) != 0)
		return rc;
	sw = link_tx(l, (const uint8_t *)"\x00\xA4\x04\x0C\x07\xA0\x00\x00\x02\x47\x10\x01", 12, &r, &rl);
	if (l->err)
		return l->err;
	if (sw != 0x9000) {
		fprintf(stderr, "vcard-pcsc: SELECT eMRTD applet: %04X\n", sw);
		return 1;
	}
	sw = vch_bac(vh, link_tx, l, mrz_info);
	if (l->err)
		return l->err;
	if (sw != 0x9000) {
		fprintf(stderr, "vcard-pcsc: BAC failed: %04X\n", sw);
		return sw == 0x6300 ? 5 : 6;
	}
	return 0;
}

/* protected command: 0 ok, else exit status */
static int
link_sm(struct link *l, struct vc_host *vh, uint8_t ins, uint8_t p1, uint8_t p2,
    const uint8_t *data, size_t nc, size_t ne, uint8_t *out, size_t *outlen, unsigned *sw)
{
	static uint8_t cmd[600];
	const uint8_t *r;
	size_t rl, n;
	int ext = ne > 256, u;

	n = vch_wrap(vh, ins, p1, p2, data, nc, ne, ext ? 2 : 1, ext, cmd);
	link_tx(l, cmd, n, &r, &rl);
	if (l->err)
		return l->err;
	u = vch_unwrap(vh, r, rl, out, outlen, sw);
	if (u == -1)
		fprintf(stderr, "vcard-pcsc: response MAC wrong (INS %02X)\n", ins);
	else if (u == -2)
		fprintf(stderr, "vcard-pcsc: malformed protected response (INS %02X)\n", ins);
	else if (u == -3)
		fprintf(stderr, "vcard-pcsc: unprotected status %04X (INS %02X)\n", *sw, ins);
	return u == 0 ? 0 : 6;
}

static int
cmd_read(const char *want, const char *mrz_info, long le, const char *outdir, int nf, char **fids)
{
	static uint8_t d[65538 + 16];
	struct vc_host vh;
	struct link l;
	double t0 = now_ms();
	size_t dl, total = 0;
	unsigned sw;
	int i, rc;

	if (le < 1 || le > 65536)
		return 3;
	if ((rc = link_open(&l, &vh, want, mrz_info)) != 0)
		goto out;
	for (i = 0; i < nf; i++) {
		uint8_t fid[2];
		vbuf file = { 0 };
		char path[4096];

		if (vc_unhex(fids[i], fid, 2) != 2) {
			rc = 3;
			goto out;
		}
		if ((rc = link_sm(&l, &vh, 0xA4, 0x02, 0x0C, fid, 2, 0, d, &dl, &sw)) != 0)
			goto out;
		if (sw != 0x9000) {
			printf("%s SELECT %04X\n", fids[i], sw);
			continue;
		}
		for (;;) {
			size_t off = file.len;

			if (off <= 32767) {
				rc = link_sm(&l, &vh, 0xB0, (uint8_t)(off >> 8), (uint8_t)off, NULL, 0,
				    (size_t)le, d, &dl, &sw);
			} else {
				uint8_t o[5] = { 0x54, 0x03, (uint8_t)(off >> 16), (uint8_t)(off >> 8),
					(uint8_t)off };
				size_t hh, vl;
				unsigned tag;

				rc = link_sm(&l, &vh, 0xB1, 0, 0, o, 5, (size_t)le, d, &dl, &sw);
				if (rc == 0 && sw == 0x9000) {
					if (vc_tlv(d, dl, &tag, &hh, &vl) != 0 || tag != 0x53) {
						fprintf(stderr, "vcard-pcsc: B1 answer is not DO53\n");
						rc = 6;
					} else {
						memmove(d, d + hh, vl);
						dl = vl;
					}
				}
			}
			if (rc != 0) {
				vbuf_free(&file);
				goto out;
			}
			if (sw == 0x6B00 && file.len > 0)
				break;
			if (sw != 0x9000) {
				printf("%s READ BINARY at %zu: %04X\n", fids[i], off, sw);
				break;
			}
			if (dl > (size_t)le) {
				fprintf(stderr, "vcard-pcsc: READ BINARY returned %zu bytes for Le %ld\n", dl, le);
				vbuf_free(&file);
				rc = 6;
				goto out;
			}
			vbuf_put(&file, d, dl);
			if (dl < (size_t)(off <= 32767 ? le : le - 4))
				break;
		}
		if (file.len > 0) {
			snprintf(path, sizeof path, "%s/%s.bin", outdir, fids[i]);
			if (vc_write_file(path, file.p, file.len, 0644) != 0) {
				perror(path);
				rc = 1;
			}
			printf("%s %zu bytes\n", fids[i], file.len);
			total += file.len;
		}
		vbuf_free(&file);
		if (rc != 0)
			goto out;
	}
	printf("read %zu bytes in %.1f ms (BAC included)\n", total, now_ms() - t0);
out:
	if (l.h)
		SCardDisconnect(l.h, SCARD_LEAVE_CARD);
	return rc;
}

static int
cmd_aa(const char *want, const char *mrz_info, const char *dg15, const char *hash)
{
	static uint8_t d[4096];
	uint8_t *f = NULL, chal[8];
	const uint8_t *q;
	size_t fl = 0, dl, hh, vl;
	unsigned tag, sw;
	struct vc_host vh;
	struct link l;
	EVP_PKEY *pub = NULL;
	int rc;

	memset(&l, 0, sizeof l);
	if (vc_read_file(dg15, &f, &fl, 8192) != 0 || vc_tlv(f, fl, &tag, &hh, &vl) != 0 ||
	    tag != 0x6F) {
		fprintf(stderr, "vcard-pcsc: %s is not a DG15\n", dg15);
		rc = 3;
		goto out;
	}
	q = f + hh;
	if ((pub = d2i_PUBKEY(NULL, &q, (long)vl)) == NULL) {
		fprintf(stderr, "vcard-pcsc: DG15 holds no public key\n");
		rc = 3;
		goto out;
	}
	if ((rc = link_open(&l, &vh, want, mrz_info)) != 0)
		goto out;
	RAND_bytes(chal, 8);
	if ((rc = link_sm(&l, &vh, 0x88, 0, 0, chal, 8, 256, d, &dl, &sw)) != 0)
		goto out;
	if (sw != 0x9000) {
		printf("INTERNAL AUTHENTICATE %04X\n", sw);
		rc = 1;
		goto out;
	}
	if (vch_aa_verify(pub, chal, d, dl, strcmp(hash, "sha1") == 0 ? EVP_sha1() : EVP_sha256())) {
		printf("AA valid (%zu-byte signature)\n", dl);
		rc = 0;
	} else {
		printf("AA invalid\n");
		rc = 1;
	}
out:
	if (l.h)
		SCardDisconnect(l.h, SCARD_LEAVE_CARD);
	EVP_PKEY_free(pub);
	free(f);
	return rc;
}

int
main(int argc, char **argv)
{
	LONG rv;
	int r = 3;

	if (argc < 2) {
		fprintf(stderr, "usage: vcard-pcsc list | wait READER present|absent [SECONDS] | "
		    "atr READER | send READER APDU... | ping READER COUNT [APDU] | "
		    "read READER MRZINFO LE OUTDIR FID... | aa READER MRZINFO DG15FILE sha1|sha256\n");
		return 3;
	}
	if ((rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &ctx)) != SCARD_S_SUCCESS)
		return fail("SCardEstablishContext (is pcscd running? scripts/pcscd-vpcd)", rv);
	if (strcmp(argv[1], "list") == 0 && argc == 2)
		r = cmd_list();
	else if (strcmp(argv[1], "wait") == 0 && (argc == 4 || argc == 5))
		r = cmd_wait(argv[2], argv[3], argc == 5 ? atof(argv[4]) : 10.0);
	else if (strcmp(argv[1], "atr") == 0 && argc == 3)
		r = cmd_atr(argv[2]);
	else if (strcmp(argv[1], "send") == 0 && argc >= 4)
		r = cmd_send(argv[2], argc - 3, argv + 3);
	else if (strcmp(argv[1], "ping") == 0 && (argc == 4 || argc == 5))
		r = cmd_ping(argv[2], atol(argv[3]), argc == 5 ? argv[4] : NULL);
	else if (strcmp(argv[1], "read") == 0 && argc >= 7)
		r = cmd_read(argv[2], argv[3], atol(argv[4]), argv[5], argc - 6, argv + 6);
	else if (strcmp(argv[1], "aa") == 0 && argc == 6)
		r = cmd_aa(argv[2], argv[3], argv[4], argv[5]);
	else
		fprintf(stderr, "vcard-pcsc: bad arguments (run without any for usage)\n");
	SCardReleaseContext(ctx);
	return r;
}
