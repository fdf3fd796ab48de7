/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Private side of sign_signer: how a key backend plugs in. */
#ifndef LIBSIGN_PRIV_SIGNER_H
#define LIBSIGN_PRIV_SIGNER_H

#include <openssl/evp.h>
#include <openssl/x509.h>
#include "internal.h"
#include "libsign/signer.h"
#include "libsign/cert.h"

struct sign_signer_ops {
	/*
	 * Sign a precomputed digest.  RSA PKCS#1 v1.5: sig is the raw RSA
	 * signature over DigestInfo(md, digest); RSA-PSS: raw PSS signature
	 * (sLen = hLen, MGF1 with md); ECDSA: DER Ecdsa-Sig-Value.
	 */
	int (*sign)(void *ctx, sign_scheme scheme, sign_md md,
	    const unsigned char *digest, size_t dlen, sign_buf *sig);
	void (*free)(void *ctx);
	/*
	 * Optional: ways to sign at the same time ("lanes": a token's
	 * sessions).  lanes(ctx, n) makes up to n in all (or, n = 1, closes
	 * the extra ones) and returns how many are ready, at least 1; then
	 * sign_lane() may run on each lane from its own thread, lane 0 being
	 * what sign() uses.  Without these, one lane.
	 */
	unsigned int (*lanes)(void *ctx, unsigned int n);
	int (*sign_lane)(void *ctx, unsigned int lane, sign_scheme scheme, sign_md md,
	    const unsigned char *digest, size_t dlen, sign_buf *sig);
};

struct sign_signer {
	const struct sign_signer_ops *ops;
	void *ctx;
	EVP_PKEY *pub;              /* public key of the private key (required) */
	X509 *cert;                 /* may be NULL until set */
	STACK_OF(X509) *chain;      /* never NULL */
	int cancelled;              /* sign_signer_cancel(): read and written atomically */
};

/* Takes ownership of ctx (ops->free on failure too) and a reference to pub. */
int sign_signer__new(sign_signer **out, const struct sign_signer_ops *ops, void *ctx,
    EVP_PKEY *pub);
/* Takes a reference to cert; SIGN_ERR_KEY_USAGE if its key is not signer->pub. */
int sign_signer__set_x509(sign_signer *signer, X509 *cert);
int sign_signer__sign(sign_signer *signer, sign_scheme scheme, sign_md md,
    const unsigned char *digest, size_t dlen, sign_buf *sig);
/* Up to SIGN_SIGNER__MAX_LANES lanes (see sign_signer_ops.lanes): how many
 * are ready; sign_signer__sign_lane() on lane i < that, one thread per lane. */
#define SIGN_SIGNER__MAX_LANES 4
unsigned int sign_signer__lanes(sign_signer *signer, unsigned int n);
/* Whether the signer may give more than one lane (a token key). */
int sign_signer__has_lanes(const sign_signer *signer);
int sign_signer__sign_lane(sign_signer *signer, unsigned int lane, sign_scheme scheme,
    sign_md md, const unsigned char *digest, size_t dlen, sign_buf *sig);
/* Resolve SIGN_SCHEME_AUTO from the key type; SIGN_ERR_UNSUPPORTED if the
 * scheme does not fit the key. */
int sign_signer__scheme(const sign_signer *signer, sign_scheme want, sign_scheme *out);
/* EVP_MD for a sign_md (SIGN_MD_DEFAULT = SHA-256). */
const EVP_MD *sign_md__evp(sign_md md);
/* Every certificate of a file, as sign_cert_list_from_file() reads it (PEM,
 * DER, PKCS#7; at most 4 MiB).  "cannot read FILE: ERROR; check the file
 * name" when it cannot be read (missing: SIGN_ERR_NOT_FOUND),
 * SIGN_ERR_MALFORMED when it holds no certificate. */
int sign__read_certs(STACK_OF(X509) **out, const char *path);

/* cert.c: a sign_cert over x (takes a reference), and the X509 behind c
 * (borrowed). */
int sign_cert__from_x509(sign_cert **out, X509 *x);
X509 *sign_cert__x509(const sign_cert *c);
/* sign_cert_list_from_file() over bytes in memory (name: for messages). */
int sign_cert__list_from_mem(sign_cert_list **out, const unsigned char *data, size_t len,
    const char *name);
/*
 * Whether a certificate may sign documents: 0 when it may; else
 * SIGN_CERT__NO_SIGNING_KU (its keyUsage has neither digitalSignature nor
 * nonRepudiation) or SIGN_CERT__NO_SIGNING_EKU (it has an extendedKeyUsage
 * extension, unreadable or naming none of the purposes document signatures
 * are made under: anyExtendedKeyUsage, emailProtection, codeSigning, RFC
 * 9336 documentSigning, Microsoft Document Signing, Adobe Authentic
 * Documents Trust (what Adobe Acrobat accepts, and RFC 9336's), and
 * clientAuth: a person's token certificate often names only clientAuth
 * (and emailProtection), for logging in to public services and signing
 * alike, and refusing it would refuse their own key.  A TLS server,
 * time-stamping or OCSP certificate may not sign.  Signing refuses such a
 * certificate and verification fails its signatures.
 */
#define SIGN_CERT__NO_SIGNING_KU 1
#define SIGN_CERT__NO_SIGNING_EKU 2
int sign_cert__signing_use(X509 *x);
/* Software signer over an EVP_PKEY (takes a reference). */
int sign_signer__from_pkey(sign_signer **out, EVP_PKEY *pkey);

#endif
