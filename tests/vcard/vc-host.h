/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A minimal eMRTD host (BAC, 3DES secure messaging, AA check) for testing the
 * virtual card through vc_card_apdu or PC/SC.  Written from ICAO 9303-11 for
 * the tests; not libsign.
 *
 * THREAD SAFETY: a vc_host is used by one thread at a time.
 */
#ifndef KYSO_VCARD_VC_HOST_H
#define KYSO_VCARD_VC_HOST_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "vc.h"

struct vc_host {
	uint8_t kenc[16], kmac[16], ssc[8]; /* session keys and counter after BAC */
};

/* Transmit cmd; *resp points at the R-APDU (valid until the next call). Returns SW1SW2, 0 on error. */
typedef unsigned (*vch_tx_fn)(void *arg, const uint8_t *cmd, size_t n, const uint8_t **resp,
    size_t *rlen);

/* BAC keys K_enc, K_mac from MRZ_information (doc+cd+dob+cd+exp+cd). */
void vch_bac_keys(const char *mrz_info, uint8_t kenc[16], uint8_t kmac[16]);
/* GET CHALLENGE + EXTERNAL AUTHENTICATE; 0x9000 and session keys in h on success, else the SW
 * (or 1..3 when the card's answer does not check out). */
unsigned vch_bac(struct vc_host *h, vch_tx_fn tx, void *arg, const char *mrz_info);
/* Protect a command: DO87 (even INS) / DO85 (odd INS), DO97 of lelen bytes when ne > 0, DO8E;
 * outer Le short (00) or extended (0000).  Returns the APDU length (out: >= nc + 64 bytes). */
size_t vch_wrap(struct vc_host *h, uint8_t ins, uint8_t p1, uint8_t p2, const uint8_t *data,
    size_t nc, size_t ne, int lelen, int ext, uint8_t *out);
/* Check and open a protected response: 0 ok (plain data in out, SW in *sw), -1 MAC wrong,
 * -2 malformed, -3 an unprotected status word (*sw). */
int vch_unwrap(struct vc_host *h, const uint8_t *resp, size_t rlen, uint8_t *out, size_t *outlen,
    unsigned *sw);
/* Verify an AA signature over an 8-byte challenge: RSA ISO/IEC 9796-2 scheme 1 (md: SHA-1
 * trailer BC, other: 2-byte trailer) or ECDSA P-256 plain r||s with SHA-256.  1 valid. */
int vch_aa_verify(EVP_PKEY *pub, const uint8_t *chal, const uint8_t *sig, size_t sl,
    const EVP_MD *md);

#endif
