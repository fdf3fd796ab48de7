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
 *
 * Exit status: 0 ok, 1 timeout / failure, 3 usage, 4 no reader / card / card removed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <winscard.h>

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

int
main(int argc, char **argv)
{
	LONG rv;
	int r = 3;

	if (argc < 2) {
		fprintf(stderr, "usage: vcard-pcsc list | wait READER present|absent [SECONDS] | "
		    "atr READER | send READER APDU... | ping READER COUNT [APDU]\n");
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
	else
		fprintf(stderr, "vcard-pcsc: bad arguments (run without any for usage)\n");
	SCardReleaseContext(ctx);
	return r;
}
