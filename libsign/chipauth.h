/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Internal: the host side of Chip Authentication (ICAO 9303-11 §6.2, BSI
 * TR-03110-1 §3.4 version 1): choose the protocol and the chip's static key
 * from DG14, make an ephemeral key on the chip key's domain parameters,
 * build the commands (MSE:Set KAT for 3DES; MSE:Set AT + GENERAL
 * AUTHENTICATE for AES), derive the shared secret and the new secure
 * messaging keys (§9.7.1), SSC 0.  No card I/O here: card_read.c sends the
 * commands and checks that the chip answers under the new keys.
 *
 * Secrets (the ephemeral private key, the shared secret, the session keys)
 * live only inside these calls and the returned SM session, wiped on free.
 *
 * THREAD SAFETY: a sign_ca__ctx belongs to one thread at a time.
 */
#ifndef LIBSIGN_CHIPAUTH_H
#define LIBSIGN_CHIPAUTH_H

#include <stddef.h>
#include <stdint.h>
#include "internal.h"
#include "sm.h"
#include "libsign/pa.h"

/* The protocol chosen from DG14. */
typedef struct sign_ca__params {
	int dh;                         /* 1: DH, 0: ECDH */
	sign_sm_cipher cipher;          /* SIGN_SM_3DES or SIGN_SM_AES */
	size_t key_len;                 /* 16 (3DES, AES-128), 24, 32 */
	int use_kat;                    /* 1: MSE:Set KAT (3DES), 0: MSE:Set AT + GA */
	unsigned char oid[32];          /* protocol OID, contents octets (tag 80 of Set AT) */
	size_t oid_len;
	long key_id;                    /* keyId to send in tag 84, -1: none */
	const unsigned char *spki;      /* the chip's static public key (borrowed from DG14) */
	size_t spki_len;
	char name[64];                  /* "id-CA-ECDH-AES-CBC-CMAC-128" */
} sign_ca__params;

/*
 * Choose the Chip Authentication protocol and key from a parsed DG14: every
 * ChipAuthenticationInfo with a protocol this library implements, matched
 * to its ChipAuthenticationPublicKeyInfo (same DH/ECDH kind; by keyId when
 * given, else the only key of that kind); the strongest cipher wins
 * (AES-256 > AES-192 > AES-128 > 3DES).  SIGN_ERR_NOT_FOUND (message says
 * why) when DG14 offers none.
 */
int sign_ca__select(const sign_dg14 *dg14, sign_ca__params *out);

/* 9303-11 §9.7.1: K = H(secret || counter)[0..key_len], counter 1 for
 * KS_enc, 2 for KS_mac; SHA-1 for 3DES (DES parity set) and AES-128,
 * SHA-256 for AES-192 and AES-256. */
int sign_ca__kdf(const unsigned char *secret, size_t secret_len, sign_sm_cipher cipher,
    size_t key_len, uint32_t counter, unsigned char *out);

typedef struct sign_ca__ctx sign_ca__ctx;

/* Parse the chip key (checked: a point on the curve, a DH value in range)
 * and make an ephemeral key pair on its domain parameters. */
int sign_ca__new(sign_ca__ctx **out, const sign_ca__params *p);
/* Wipes the ephemeral private key. */
void sign_ca__free(sign_ca__ctx *ctx);
/* The ephemeral public key as sent to the chip: an uncompressed point
 * 04||X||Y (ECDH) or the public value, big-endian, as long as p (DH).
 * Borrowed. */
const unsigned char *sign_ca__eph_pub(const sign_ca__ctx *ctx, size_t *len);

/* Command data: MSE:Set KAT (91 ephemeral key [84 keyId]); MSE:Set AT
 * (80 protocol OID [84 keyId]); GENERAL AUTHENTICATE (7C { 80 ephemeral key }). */
int sign_ca__mse_kat_data(const sign_ca__ctx *ctx, sign_buf *out);
int sign_ca__mse_at_data(const sign_ca__ctx *ctx, sign_buf *out);
int sign_ca__ga_data(const sign_ca__ctx *ctx, sign_buf *out);
/* The chip's GENERAL AUTHENTICATE answer: 7C { } (dynamic authentication
 * data, empty for CA), exactly.  SIGN_ERR_CARD_RESPONSE otherwise. */
int sign_ca__ga_check(const unsigned char *resp, size_t len);

/* The shared secret (ECDH: X of the shared point; DH: as long as p) and the
 * new SM session from it, SSC 0.  The secret is wiped before returning. */
int sign_ca__session(sign_ca__ctx *ctx, sign_sm **out);

/* The shared secret alone (used by sign_ca__session; tests).  Wipe it. */
int sign_ca__derive_secret(sign_ca__ctx *ctx, sign_buf *out);

/* Tests: use this ephemeral key (an EVP_PKEY *, up-referenced) instead of a
 * fresh one.  Its public half may be absent (then no command can be built). */
int sign_ca__set_eph(sign_ca__ctx *ctx, void *evp_pkey);

/* DG14 internals (dg14.c): the OID contents octets of entry i. */
int sign_dg14__oid_der(const sign_dg14 *dg14, size_t i, const unsigned char **oid,
    size_t *len);

#endif
