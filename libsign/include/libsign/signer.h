/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A signer: a private key (on a PKCS#11 token, or in software) together with
 * its certificate and chain.  Tokens hand out signers (sign_token_signer());
 * the CAdES module signs with them.
 *
 * THREAD SAFETY: a signer must not be used from two threads at once (except
 * sign_signer_cancel(), from any thread); a sign_chain may be read on one
 * thread and used on another.
 */
#ifndef LIBSIGN_SIGNER_H
#define LIBSIGN_SIGNER_H

#include <stddef.h>
#include "libsign/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
	SIGN_MD_DEFAULT = 0, /* SHA-256 */
	SIGN_MD_SHA1 = 1,    /* verification of old data only */
	SIGN_MD_SHA224 = 2,
	SIGN_MD_SHA256 = 3,
	SIGN_MD_SHA384 = 4,
	SIGN_MD_SHA512 = 5
} sign_md;

typedef enum {
	SIGN_SCHEME_AUTO = 0,      /* PKCS#1 v1.5 for RSA keys, ECDSA for EC keys */
	SIGN_SCHEME_RSA_PKCS1 = 1,
	SIGN_SCHEME_RSA_PSS = 2,   /* salt length = digest length, MGF1 with the same digest */
	SIGN_SCHEME_ECDSA = 3
} sign_scheme;

typedef struct sign_signer sign_signer;

/* Release a signer (NULL-safe). */
void sign_signer_free(sign_signer *signer);

/*
 * Stop the signer: every later signature fails with SIGN_ERR_CANCELLED (one
 * under way completes).  A batch being signed then stops as after any
 * failure: the files already signed are written, no temporary file is left
 * (see sign_cades_sign_files()).  Safe from any thread, and from a signal
 * handler (it stores one flag).
 */
void sign_signer_cancel(sign_signer *signer);

/* The signer's certificate, DER; borrowed, valid while the signer lives.
 * SIGN_ERR_NOT_FOUND when the signer has none yet. */
int sign_signer_cert(const sign_signer *signer, const unsigned char **der, size_t *len);

/* Set the certificate (DER) the signer signs with, replacing any found on the
 * token; SIGN_ERR_KEY_USAGE if it does not match the private key. */
int sign_signer_set_cert(sign_signer *signer, const unsigned char *der, size_t len);

/* Add intermediate certificates (PEM or DER file) to embed in signatures. */
int sign_signer_add_chain_file(sign_signer *signer, const char *path);

/* The same in two steps, so that the file can be read before the signer
 * exists (while a token is being opened, say): the certificates of a PEM
 * (several) or DER file; SIGN_ERR_NOT_FOUND when it cannot be opened,
 * SIGN_ERR_MALFORMED when it holds no certificate. */
typedef struct sign_chain sign_chain;
int sign_chain_read(sign_chain **out, const char *path);
/* Add the chain's certificates to the signer's (the chain stays the
 * caller's; it may be added to several signers). */
int sign_signer_add_chain(sign_signer *signer, const sign_chain *chain);
void sign_chain_free(sign_chain *chain);

/* Software signer from a PEM private key and a PEM/DER certificate file.
 * For tests and tooling; users sign with token keys. */
int sign_signer_from_files(sign_signer **out, const char *key_path, const char *cert_path);

#ifdef __cplusplus
}
#endif

#endif
