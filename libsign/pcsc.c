/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* PC/SC through PCSC-lite: readers, card presence, waiting, raw APDUs. */
#include "pcsc_priv.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <PCSC/winscard.h>
#include <PCSC/reader.h>

#define PNP_NAME "\\\\?PnP?\\Notification"
/* The most readers we look at (PCSC-lite's own limit is 16). */
#define MAX_READERS 32
/* How long a failed exchange watches for the card leaving. */
#define GONE_WAIT_MS 2000UL
/* Bound on the multi-string of reader names. */
#define MAX_NAMES_LEN 65536

struct sign_pcsc {
	SCARDCONTEXT ctx;
	int valid;
};

struct sign_pcsc_card {
	sign_pcsc *owner;
	SCARDHANDLE h;
	DWORD proto;
	int in_tx;
	unsigned char atr[SIGN_PCSC__ATR_MAX];
	size_t atr_len;
	size_t max_input;
};

int
sign_pcsc__error(long rv, const char *what)
{
	LONG r = (LONG)rv;
	unsigned long b = (unsigned long)(uint32_t)r;
	const char *w = what != NULL ? what : "PC/SC";

	switch (r) {
	case SCARD_E_NO_SERVICE:
	case SCARD_E_SERVICE_STOPPED:
		return sign_error__set(SIGN_ERR_NO_READER, b,
		    "the PC/SC service is not running: start pcscd "
		    "(systemctl start pcscd.socket, or run pcscd as root)");
	case SCARD_E_NO_READERS_AVAILABLE:
		return sign_error__set(SIGN_ERR_NO_READER, b,
		    "%s: no smart-card reader found; connect a reader (and start pcscd)", w);
	case SCARD_E_UNKNOWN_READER:
	case SCARD_E_READER_UNAVAILABLE:
		return sign_error__set(SIGN_ERR_NO_READER, b,
		    "%s: the reader is not available; check its name with `kyso card list`", w);
	case SCARD_E_NO_SMARTCARD:
		return sign_error__set(SIGN_ERR_NO_CARD, b,
		    "%s: no card in the reader; insert the ID card (or use --wait SECONDS)", w);
	case SCARD_W_REMOVED_CARD:
		return sign_error__set(SIGN_ERR_CARD_REMOVED, b,
		    "%s: the card was removed; put it back and read again", w);
	case SCARD_W_RESET_CARD:
		return sign_error__set(SIGN_ERR_CARD_REMOVED, b,
		    "%s: the card was reset by another application; read again", w);
	case SCARD_W_UNRESPONSIVE_CARD:
	case SCARD_W_UNPOWERED_CARD:
	case SCARD_W_UNSUPPORTED_CARD:
		return sign_error__set(SIGN_ERR_NO_CARD, b,
		    "%s: the card does not answer; reinsert it (%s)", w,
		    pcsc_stringify_error(r));
	case SCARD_E_TIMEOUT:
		return sign_error__set(SIGN_ERR_TIMEOUT, b, "%s: timed out waiting for a card", w);
	case SCARD_E_SHARING_VIOLATION:
		return sign_error__set(SIGN_ERR_PCSC, b,
		    "%s: another application holds the card; close it and retry", w);
	case SCARD_E_NO_MEMORY:
		return sign_error__set(SIGN_ERR_NOMEM, b, "%s: out of memory", w);
	default:
		return sign_error__set(SIGN_ERR_PCSC, b, "%s: %s (0x%08lX)", w,
		    pcsc_stringify_error(r), b);
	}
}

static unsigned long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long)ts.tv_sec * 1000UL + (unsigned long)(ts.tv_nsec / 1000000L);
}

int
sign_pcsc__open(sign_pcsc **out)
{
	sign_pcsc *p = NULL;
	LONG rv;

	*out = NULL;
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
	rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &p->ctx);
	if (rv != SCARD_S_SUCCESS) {
		free(p);
		return sign_pcsc__error(rv, "cannot reach the PC/SC service");
	}
	p->valid = 1;
	*out = p;
	return 0;
}

void
sign_pcsc__free(sign_pcsc *p)
{
	if (p == NULL)
		return;
	if (p->valid)
		SCardReleaseContext(p->ctx);
	free(p);
}

/* Reader names as a NULL-terminated array of pointers into *blob. */
static int
list_names(sign_pcsc *p, char **blob, const char ***names, size_t *n)
{
	DWORD len = 0;
	LONG rv;
	char *b = NULL, *s;
	const char **v = NULL;
	size_t k = 0;
	int rc = 0;

	*blob = NULL;
	*names = NULL;
	*n = 0;
	rv = SCardListReaders(p->ctx, NULL, NULL, &len);
	if (rv == SCARD_E_NO_READERS_AVAILABLE)
		return 0;
	if (rv != SCARD_S_SUCCESS)
		return sign_pcsc__error(rv, "cannot list the readers");
	if (len == 0 || len > MAX_NAMES_LEN)
		return sign_error__set(SIGN_ERR_PCSC, 0, "PC/SC gave a reader list of %lu bytes",
		    (unsigned long)len);
	b = calloc(1, (size_t)len + 2);
	v = calloc(MAX_READERS + 1, sizeof(*v));
	if (b == NULL || v == NULL) {
		rc = sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
		goto out;
	}
	rv = SCardListReaders(p->ctx, NULL, b, &len);
	if (rv == SCARD_E_NO_READERS_AVAILABLE)
		goto out;
	if (rv != SCARD_S_SUCCESS) {
		rc = sign_pcsc__error(rv, "cannot list the readers");
		goto out;
	}
	b[len] = '\0';
	b[len + 1] = '\0';
	for (s = b; *s != '\0' && k < MAX_READERS; s += strlen(s) + 1)
		v[k++] = s;
	*blob = b;
	*names = v;
	*n = k;
	b = NULL;
	v = NULL;
out:
	free(b);
	free(v);
	return rc;
}

static void
fill_reader(struct sign_pcsc__reader *r, const SCARD_READERSTATE *st)
{
	DWORD e = st->dwEventState;

	r->present = (e & SCARD_STATE_PRESENT) != 0 && (e & SCARD_STATE_MUTE) == 0;
	r->mute = (e & SCARD_STATE_MUTE) != 0;
	r->in_use = (e & SCARD_STATE_EXCLUSIVE) != 0;
	r->atr_len = 0;
	if ((e & SCARD_STATE_PRESENT) != 0 && st->cbAtr <= SIGN_PCSC__ATR_MAX) {
		memcpy(r->atr, st->rgbAtr, st->cbAtr);
		r->atr_len = st->cbAtr;
	}
}

void
sign_pcsc__list_free(struct sign_pcsc__reader *r, size_t n)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < n; i++)
		free(r[i].name);
	free(r);
}

int
sign_pcsc__list(sign_pcsc *p, struct sign_pcsc__reader **out, size_t *nout)
{
	char *blob = NULL;
	const char **names = NULL;
	SCARD_READERSTATE *st = NULL;
	struct sign_pcsc__reader *r = NULL;
	size_t n = 0, i;
	LONG rv;
	int rc;

	*out = NULL;
	*nout = 0;
	rc = list_names(p, &blob, &names, &n);
	if (rc != 0 || n == 0)
		goto out;
	st = calloc(n, sizeof(*st));
	r = calloc(n, sizeof(*r));
	if (st == NULL || r == NULL) {
		rc = sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		st[i].szReader = names[i];
		st[i].dwCurrentState = SCARD_STATE_UNAWARE;
	}
	rv = SCardGetStatusChange(p->ctx, 0, st, (DWORD)n);
	if (rv != SCARD_S_SUCCESS && rv != SCARD_E_TIMEOUT) {
		rc = sign_pcsc__error(rv, "cannot read the reader states");
		goto out;
	}
	for (i = 0; i < n; i++) {
		r[i].name = strdup(names[i]);
		if (r[i].name == NULL) {
			rc = sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
			goto out;
		}
		fill_reader(&r[i], &st[i]);
	}
	*out = r;
	*nout = n;
	r = NULL;
out:
	sign_pcsc__list_free(r, n);
	free(st);
	free(names);
	free(blob);
	return rc;
}

int
sign_pcsc__wait(sign_pcsc *p, const char *reader, unsigned long timeout_ms, char **found)
{
	unsigned long deadline = now_ms() + timeout_ms;
	SCARD_READERSTATE st[MAX_READERS + 1];
	DWORD pnp_state = SCARD_STATE_UNAWARE;
	char *blob = NULL;
	const char **names = NULL;
	size_t n = 0, i, k;
	int rc = 0, matched;
	LONG rv;

	if (found != NULL)
		*found = NULL;
	for (;;) {
		unsigned long now, left;

		free(blob);
		free(names);
		blob = NULL;
		names = NULL;
		rc = list_names(p, &blob, &names, &n);
		if (rc != 0)
			goto out;
		memset(st, 0, sizeof(st));
		k = 0;
		matched = 0;
		for (i = 0; i < n; i++) {
			if (reader != NULL && strcmp(reader, names[i]) != 0)
				continue;
			st[k].szReader = names[i];
			st[k].dwCurrentState = SCARD_STATE_UNAWARE;
			k++;
			matched = 1;
		}
		if (k > 0) {
			rv = SCardGetStatusChange(p->ctx, 0, st, (DWORD)k);
			if (rv != SCARD_S_SUCCESS && rv != SCARD_E_TIMEOUT) {
				rc = sign_pcsc__error(rv, "cannot read the reader states");
				goto out;
			}
			for (i = 0; i < k; i++) {
				DWORD e = st[i].dwEventState;

				if ((e & SCARD_STATE_PRESENT) && !(e & SCARD_STATE_MUTE)) {
					if (found != NULL) {
						*found = strdup(st[i].szReader);
						if (*found == NULL)
							rc = sign_error__set(SIGN_ERR_NOMEM, 0,
							    "out of memory");
					}
					goto out;
				}
			}
		}
		now = now_ms();
		if (timeout_ms == 0 || now >= deadline) {
			if (n == 0)
				rc = sign_error__set(SIGN_ERR_NO_READER, 0,
				    "no smart-card reader found; connect a reader (and start pcscd)");
			else if (!matched)
				rc = sign_error__set(SIGN_ERR_NO_READER, 0,
				    "no reader named '%s'; see `kyso card list`", reader);
			else if (timeout_ms == 0)
				rc = sign_error__set(SIGN_ERR_NO_CARD, 0,
				    "no card in the reader; insert the ID card (or use --wait SECONDS)");
			else
				rc = sign_error__set(SIGN_ERR_TIMEOUT, 0,
				    "no card was inserted within %lu s; insert the ID card",
				    timeout_ms / 1000);
			goto out;
		}
		left = deadline - now;
		/* Wait for a change on the readers we watch or for a reader
		 * to come or go, then look again. */
		for (i = 0; i < k; i++)
			st[i].dwCurrentState = st[i].dwEventState & ~(DWORD)SCARD_STATE_CHANGED;
		st[k].szReader = PNP_NAME;
		st[k].dwCurrentState = pnp_state;
		rv = SCardGetStatusChange(p->ctx, (DWORD)left, st, (DWORD)(k + 1));
		if (rv == SCARD_E_TIMEOUT)
			continue;       /* the next pass reports the timeout */
		if (rv != SCARD_S_SUCCESS) {
			rc = sign_pcsc__error(rv, "waiting for a card failed");
			goto out;
		}
		pnp_state = st[k].dwEventState & ~(DWORD)SCARD_STATE_CHANGED;
	}
out:
	free(blob);
	free(names);
	return rc;
}

int
sign_pcsc__connect(sign_pcsc *p, const char *reader, sign_pcsc_card **out)
{
	sign_pcsc_card *c = NULL;
	unsigned char atr[MAX_ATR_SIZE];
	DWORD atr_len = sizeof(atr), state = 0, proto = 0, nlen = 0, alen;
	uint32_t maxin = 0;
	LONG rv;
	int rc = 0;

	*out = NULL;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
	c->owner = p;
	rv = SCardConnect(p->ctx, reader, SCARD_SHARE_SHARED,
	    SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &c->h, &c->proto);
	if (rv != SCARD_S_SUCCESS) {
		rc = sign_pcsc__error(rv, "cannot connect to the card");
		free(c);
		return rc;
	}
	/* One transaction for the whole session: no other application's
	 * APDU lands between ours. */
	rv = SCardBeginTransaction(c->h);
	if (rv != SCARD_S_SUCCESS) {
		rc = sign_pcsc__error(rv, "cannot reserve the card");
		goto out;
	}
	c->in_tx = 1;
	rv = SCardStatus(c->h, NULL, &nlen, &state, &proto, atr, &atr_len);
	if (rv != SCARD_S_SUCCESS) {
		rc = sign_pcsc__error(rv, "cannot read the card status");
		goto out;
	}
	if (atr_len > SIGN_PCSC__ATR_MAX)
		atr_len = SIGN_PCSC__ATR_MAX;
	memcpy(c->atr, atr, atr_len);
	c->atr_len = atr_len;
	alen = sizeof(maxin);
	if (SCardGetAttrib(c->h, SCARD_ATTR_MAXINPUT, (LPBYTE)&maxin, &alen) ==
	    SCARD_S_SUCCESS && alen == sizeof(maxin))
		c->max_input = maxin;
	*out = c;
	c = NULL;
out:
	sign_pcsc__disconnect(c);
	return rc;
}

void
sign_pcsc__disconnect(sign_pcsc_card *c)
{
	if (c == NULL)
		return;
	if (c->in_tx)
		SCardEndTransaction(c->h, SCARD_LEAVE_CARD);
	SCardDisconnect(c->h, SCARD_LEAVE_CARD);
	free(c);
}

int
sign_pcsc__card_present(sign_pcsc_card *c)
{
	unsigned char atr[MAX_ATR_SIZE];
	DWORD atr_len = sizeof(atr), state = 0, proto = 0, nlen = 0;
	LONG rv;

	rv = SCardStatus(c->h, NULL, &nlen, &state, &proto, atr, &atr_len);
	if (rv != SCARD_S_SUCCESS)
		return 0;
	return (state & SCARD_PRESENT) != 0 && (state & (SCARD_SWALLOWED | SCARD_POWERED |
	    SCARD_NEGOTIABLE | SCARD_SPECIFIC)) != 0;
}

/* 1 when the card is gone, watching for up to ms milliseconds. */
static int
card_gone(sign_pcsc_card *c, unsigned long ms)
{
	unsigned long end = now_ms() + ms;
	struct timespec ts = { 0, 50L * 1000L * 1000L };

	for (;;) {
		if (!sign_pcsc__card_present(c))
			return 1;
		if (now_ms() >= end)
			return 0;
		nanosleep(&ts, NULL);
	}
}

int
sign_pcsc__transmit(sign_pcsc_card *c, const unsigned char *cmd, size_t len,
    unsigned char *resp, size_t cap, size_t *rlen)
{
	const SCARD_IO_REQUEST *pci = c->proto == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;
	DWORD n = (DWORD)(cap > MAX_BUFFER_SIZE_EXTENDED ? MAX_BUFFER_SIZE_EXTENDED : cap);
	LONG rv;

	*rlen = 0;
	if (len > MAX_BUFFER_SIZE_EXTENDED)
		return sign_error__set(SIGN_ERR_TOO_LARGE, 0, "APDU of %zu bytes too long", len);
	rv = SCardTransmit(c->h, pci, cmd, (DWORD)len, NULL, resp, &n);
	if (rv == SCARD_S_SUCCESS && n >= 2) {
		*rlen = n;
		return 0;
	}
	/* A failed exchange, or an answer without even a status word: most
	 * often the card left the field.  The reader may take a moment to
	 * notice; look for a while before calling it a transmission error. */
	if (rv == SCARD_W_REMOVED_CARD || rv == SCARD_E_NO_SMARTCARD ||
	    rv == SCARD_W_RESET_CARD || rv == SCARD_E_NO_SERVICE ||
	    rv == SCARD_E_READER_UNAVAILABLE || card_gone(c, GONE_WAIT_MS))
		return sign_error__set(SIGN_ERR_CARD_REMOVED, (unsigned long)(uint32_t)rv,
		    "the card was removed during the read (%s); put it back and read again",
		    rv == SCARD_S_SUCCESS ? "no answer" : pcsc_stringify_error(rv));
	if (rv == SCARD_S_SUCCESS)
		return sign_error__set(SIGN_ERR_CARD_RESPONSE, 0,
		    "the card's answer has %lu bytes, not even a status word", (unsigned long)n);
	return sign_error__set(SIGN_ERR_CARD_IO, (unsigned long)(uint32_t)rv,
	    "transmission with the card failed: %s", pcsc_stringify_error(rv));
}

int
sign_pcsc__protocol(const sign_pcsc_card *c)
{
	return c->proto == SCARD_PROTOCOL_T0 ? 0 : 1;
}

const unsigned char *
sign_pcsc__atr(const sign_pcsc_card *c, size_t *len)
{
	*len = c->atr_len;
	return c->atr;
}

size_t
sign_pcsc__max_input(const sign_pcsc_card *c)
{
	return c->max_input;
}
