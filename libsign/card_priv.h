/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Private side of the card module: the APDU channel (raw transport, T=0
 * GET RESPONSE / 6Cxx handling, optional secure messaging, counters) and the
 * adaptive file reader (extended or short Le, step-down on 6700 / 6Cxx /
 * short answers remembered for the session, odd-INS READ BINARY above
 * offset 32 767, files bounded).  The transport is a function pointer so
 * that unit tests can drive the logic with a fake card.
 *
 * THREAD SAFETY: a channel belongs to one thread.
 */
#ifndef LIBSIGN_CARD_PRIV_H
#define LIBSIGN_CARD_PRIV_H

#include <stddef.h>
#include "internal.h"
#include "sm.h"
#include "libsign/card.h"

/* Largest response the channel assembles (extended Le + SW + SM overhead). */
#define SIGN_CARD__RESP_MAX (65536 + 2 + 64)
/* Largest plain answer asked for with extended length: room for the SM
 * objects around it within 65 536 bytes. */
#define SIGN_CARD__EXT_READ_MAX 65472u
/* Largest plain answer with short APDUs: without SM 256; under 3DES SM the
 * wrapped answer (DO87 + DO99 + DO8E) of 231 bytes is 250 bytes. */
#define SIGN_CARD__SHORT_READ_MAX 256u
#define SIGN_CARD__SHORT_READ_MAX_SM 231u
/* Smallest read size the step-down goes to. */
#define SIGN_CARD__READ_MIN 8u
/* Default bound on a file (a length the card claims is never trusted
 * beyond it). */
#define SIGN_CARD__FILE_MAX (256u * 1024u)
/* Bound on APDUs per session (a card answering 8 bytes at a time to a
 * 256 KiB file stays below it). */
#define SIGN_CARD__APDU_LIMIT 40000ul

/* The raw transport: send cmd, receive at most cap bytes (data + SW). */
struct sign_card__transport {
	int (*transmit)(void *ctx, const unsigned char *cmd, size_t len,
	    unsigned char *resp, size_t cap, size_t *rlen);
	void *ctx;
	int t0;                 /* T=0: no Le on case-4 commands, no extended APDUs */
};

typedef struct sign_card__chan {
	struct sign_card__transport tr;
	sign_sm *sm;            /* NULL: plain commands */
	int ext;                /* 1: extended APDUs usable (card and reader) */
	size_t ext_cap;         /* largest plain answer for extended reads */
	size_t max_read;        /* plain READ BINARY answer size in use */
	int size_ok;            /* max_read is known to work */
	size_t size_fail;       /* smallest size known to fail (0: none) */
	size_t first_fail;      /* smallest first read refused with 6700 (0: none) */
	unsigned long apdus;    /* APDUs transmitted (GET RESPONSE included) */
	unsigned long long bytes_out, bytes_in;
	unsigned long apdu_limit;
	unsigned long stepdowns;/* read-size reductions during the session */
	unsigned char *tx;      /* transmit scratch */
	unsigned char *rx;      /* one transport answer */
	unsigned char *resp;    /* assembled answer (data + SW) */
	size_t resp_len;
	sign_buf plain;         /* last unwrapped answer */
} sign_card__chan;

/* Set up a channel over a transport (ext = 0, short reads). */
int sign_card__chan_init(sign_card__chan *ch, const struct sign_card__transport *tr);
/* Release buffers and the SM session (wiped). */
void sign_card__chan_clear(sign_card__chan *ch);
/* Install an SM session (the channel takes it; NULL ends SM).  Resets
 * max_read to the SM short or extended bound. */
void sign_card__chan_set_sm(sign_card__chan *ch, sign_sm *sm);
/* Allow extended APDUs with answers up to cap plain bytes (0: disallow). */
void sign_card__chan_set_ext(sign_card__chan *ch, size_t cap);

/* Encode a plain command (short when it fits, extended when needed or
 * forced); t0: leave out Le on case 4. */
int sign_card__encode(const sign_apdu *a, int t0, unsigned char *out, size_t cap,
    size_t *len);

/*
 * Transmit encoded bytes; handles 61xx (GET RESPONSE, concatenated) and
 * 6Cxx (re-issue with Le = xx when short_le says the last byte is a short
 * Le).  *resp points into the channel (valid until the next call), with
 * SW1 SW2 at the end (rlen >= 2).
 */
int sign_card__transceive(sign_card__chan *ch, const unsigned char *cmd, size_t len,
    int short_le, const unsigned char **resp, size_t *rlen);

/*
 * Send a plain command: wrapped and unwrapped when SM is on.  *data points
 * into the channel (valid until the next call).  A failed unwrap (MAC,
 * malformed SM objects) is SIGN_ERR_SM with "the card's answer failed its
 * MAC check".
 */
int sign_card__send(sign_card__chan *ch, const sign_apdu *a, const unsigned char **data,
    size_t *dlen, unsigned int *sw);

/* SELECT by AID (P2 = 0C).  SIGN_ERR_NO_APPLET on 6A82 / 6A86 / 6D00. */
int sign_card__select_aid(sign_card__chan *ch, const unsigned char *aid, size_t len,
    int extended);
/* SELECT an EF by FID (P1 = 02, P2 = 0C).  SIGN_ERR_NOT_FOUND on 6A82,
 * SIGN_ERR_ACCESS_DENIED on 6982. */
int sign_card__select_ef(sign_card__chan *ch, unsigned int fid);

/*
 * Read the current EF: the first chunk gives the TLV header, then exactly
 * the length it states (bounded by max_file: SIGN_ERR_TOO_LARGE).  Bytes the
 * card has after the TLV are not read.  SIGN_ERR_ACCESS_DENIED on 6982,
 * SIGN_ERR_CARD_RESPONSE when the card's answers are inconsistent (more
 * bytes than asked, a file shorter than its length, no data).
 */
int sign_card__read_current(sign_card__chan *ch, size_t max_file, sign_buf *out);
/* SELECT then read. */
int sign_card__read_ef(sign_card__chan *ch, unsigned int fid, size_t max_file,
    sign_buf *out);

/* The next smaller read size after `size` (for the step-down), 0 when none. */
size_t sign_card__step_down(const sign_card__chan *ch, size_t size);

/* ATR historical bytes: 1 when they say extended Lc/Le is supported, 0 when
 * they say it is not, -1 when they do not tell. */
int sign_card__atr_extended(const unsigned char *atr, size_t len);

/* ---- the document read (card.c) ---- */

#define SIGN_CARD__DOC_FILES 20

struct sign_card__file {
	unsigned int fid;
	unsigned char *data;
	size_t len;
};

struct sign_card__skip {
	unsigned int fid;
	char reason[112];
};

struct sign_card_doc {
	struct sign_card__file files[SIGN_CARD__DOC_FILES];
	size_t nfiles;
	struct sign_card__skip skipped[SIGN_CARD__DOC_FILES];
	size_t nskipped;
	int have_aa;
	unsigned char aa_chal[8];
	unsigned char *aa_resp;
	size_t aa_resp_len;
	char aa_note[128];
	unsigned int aa_sw;
	sign_chipauth_verdict ca;       /* NOT_ATTEMPTED until the read decides */
	char ca_note[200];
	char ca_protocol[64];
	char *reader;
	size_t key_index;
	sign_card_stats stats;
};

int sign_card__doc_new(sign_card_doc **out);
/* Takes the bytes of data (data is left empty). */
int sign_card__doc_add(sign_card_doc *doc, unsigned int fid, sign_buf *data);
int sign_card__doc_skip(sign_card_doc *doc, unsigned int fid, const char *reason);

/* The PC/SC transport (pcsc.c card) for a channel. */
struct sign_pcsc_card;
void sign_card__pcsc_transport(struct sign_card__transport *tr, struct sign_pcsc_card *card);

#endif
