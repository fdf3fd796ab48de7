/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The card side of the virtual CCCD: an ICAO 9303 eMRTD applet with BAC,
 * 3DES secure messaging, the LDS files and Active Authentication, plus
 * behaviours that make it misbehave on purpose.  Transport-free: vcard.c
 * feeds it APDUs from vpcd; tests feed it APDUs directly.
 *
 * THREAD SAFETY: a card is used by one thread at a time.
 */
#ifndef KYSO_VCARD_VC_CARD_H
#define KYSO_VCARD_VC_CARD_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <openssl/evp.h>

/* Largest response (data + SM overhead + SW) the card can produce. */
#define VC_MAXRESP (65536 + 64)

/* file flags */
#define VC_FILE_EAC 1u /* readable only after EAC: READ BINARY answers 6982 */

/* vc_card_apdu result */
#define VC_OK 0
#define VC_REMOVE 1 /* the card is pulled now: close the connection, answer nothing */

struct vc_card;

int vc_card_new(struct vc_card **out);
void vc_card_free(struct vc_card *c);

/*
 * Behaviours, comma-separated (see tests/vcard/README.md):
 *   normal extended no-extended short-le-only[=N] tampered-dg unknown-signer
 *   clone no-dg15 wrong-mac[=N] remove-after=N oversized truncated[=FILE]
 *   trailing[=FILE] malformed-sm[=N]
 * Set before vc_card_load_dir.  Returns 0 or -1 (message in err).
 */
int vc_card_set_behaviour(struct vc_card *c, const char *spec, char *err, size_t errlen);

/* Load a card directory made by mkcard.  0 or -1 (message in err). */
int vc_card_load_dir(struct vc_card *c, const char *dir, char *err, size_t errlen);

/* Building blocks (used by load_dir and by the tests). */
int vc_card_set_mrz_info(struct vc_card *c, const char *mrz_info); /* doc+cd+dob+cd+exp+cd */
int vc_card_add_file(struct vc_card *c, uint16_t fid, uint8_t sfi, const uint8_t *d, size_t n,
    unsigned flags);
/* takes ownership of key; md: hash for RSA ISO 9796-2 (SHA-1 / SHA-256) or ECDSA */
void vc_card_set_aa(struct vc_card *c, EVP_PKEY *key, const EVP_MD *md);

/* Deterministic randomness for tests (RND.IC, K.IC); NULL = OpenSSL RAND_bytes. */
void vc_card_set_rng(struct vc_card *c, int (*rng)(void *arg, uint8_t *out, size_t n),
    void *arg);
/* APDU trace to f (NULL = off); never prints keys. */
void vc_card_set_log(struct vc_card *c, FILE *f);

const uint8_t *vc_card_atr(const struct vc_card *c, size_t *len);
/* Power on / off / reset: deselect, forget the challenge and the SM session. */
void vc_card_reset(struct vc_card *c);

/*
 * Process one C-APDU; the R-APDU goes to resp (VC_MAXRESP bytes), its length
 * to *rlen.  Returns VC_OK, or VC_REMOVE when the card must vanish now.
 */
int vc_card_apdu(struct vc_card *c, const uint8_t *cmd, size_t n, uint8_t *resp, size_t *rlen);

#endif
