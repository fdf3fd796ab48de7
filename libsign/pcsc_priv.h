/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Private PC/SC layer (PCSC-lite): a context, the reader list with card
 * presence and ATR, waiting for a card, and a connected card that transmits
 * raw APDUs.  Every PC/SC failure becomes a libsign error whose message names
 * the fix ("start pcscd", "insert a card") and whose backend code is the
 * SCard LONG.
 *
 * THREAD SAFETY: one context per thread.
 */
#ifndef LIBSIGN_PCSC_PRIV_H
#define LIBSIGN_PCSC_PRIV_H

#include <stddef.h>
#include "internal.h"

#define SIGN_PCSC__ATR_MAX 33

typedef struct sign_pcsc sign_pcsc;
typedef struct sign_pcsc_card sign_pcsc_card;

struct sign_pcsc__reader {
	char *name;
	int present;                    /* a card is in the reader */
	int in_use;                     /* another application holds it exclusively */
	int mute;                       /* a card is there but did not answer the reset */
	unsigned char atr[SIGN_PCSC__ATR_MAX];
	size_t atr_len;
};

/* Open a PC/SC context.  SIGN_ERR_NO_READER with "start pcscd" when the
 * service is not running. */
int sign_pcsc__open(sign_pcsc **out);
void sign_pcsc__free(sign_pcsc *ctx);

/* The readers and their state.  An empty list is not an error (n = 0). */
int sign_pcsc__list(sign_pcsc *ctx, struct sign_pcsc__reader **out, size_t *n);
void sign_pcsc__list_free(struct sign_pcsc__reader *r, size_t n);

/*
 * Wait up to timeout_ms (0: do not wait) for a card in `reader` (NULL: any
 * reader; readers plugged in meanwhile count).  On success *found (may be
 * NULL) gets a copy of the reader's name, free()d by the caller.
 * SIGN_ERR_NO_READER when there is no reader (and none appeared),
 * SIGN_ERR_NO_CARD when no card was there and timeout_ms is 0,
 * SIGN_ERR_TIMEOUT when waiting ran out.
 */
int sign_pcsc__wait(sign_pcsc *ctx, const char *reader, unsigned long timeout_ms,
    char **found);

/* Connect (shared, T=0 or T=1) to the card in `reader`. */
int sign_pcsc__connect(sign_pcsc *ctx, const char *reader, sign_pcsc_card **out);
/* Disconnect, leaving the card as it is; NULL-safe. */
void sign_pcsc__disconnect(sign_pcsc_card *card);

/* Transmit one APDU; resp receives at most cap bytes (data + SW1 SW2).
 * Transmission failures become SIGN_ERR_CARD_REMOVED when the card is gone,
 * SIGN_ERR_CARD_IO otherwise. */
int sign_pcsc__transmit(sign_pcsc_card *card, const unsigned char *cmd, size_t len,
    unsigned char *resp, size_t cap, size_t *rlen);

/* 0 for T=0, 1 for T=1. */
int sign_pcsc__protocol(const sign_pcsc_card *card);
const unsigned char *sign_pcsc__atr(const sign_pcsc_card *card, size_t *len);
/* The reader's maximum message size (SCARD_ATTR_MAXINPUT), 0 when the
 * driver does not tell. */
size_t sign_pcsc__max_input(const sign_pcsc_card *card);
/* 1 when the card is still in the reader and powered. */
int sign_pcsc__card_present(sign_pcsc_card *card);

/* Map an SCard return value to a libsign error (sets the last error). */
int sign_pcsc__error(long rv, const char *what);

#endif
