/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Private to the passive-authentication modules (sod.c, csca.c, pa.c, aa.c,
 * dg14.c, dg15.c, pa_country.c). */
#ifndef LIBSIGN_PA_PRIV_H
#define LIBSIGN_PA_PRIV_H

#include "internal.h"   /* first: config.h */
#include <stddef.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include "tlv.h"
#include "libsign/pa.h"

/* Size bounds of the inputs (far above any real file). */
#define SIGN_PA__MAX_SOD  (1024u * 1024u)          /* EF.SOD */
#define SIGN_PA__MAX_DG   (16u * 1024u * 1024u)    /* one data group */
#define SIGN_PA__MAX_ML   (64u * 1024u * 1024u)    /* a CSCA master list */
#define SIGN_PA__MAX_CERT (256u * 1024u)           /* one certificate file */
#define SIGN_PA__MAX_CERTS 10000                   /* certificates in one SignedData */

/* Dotted text of an OBJECT IDENTIFIER element (tag 06); SIGN_ERR_MALFORMED
 * for a bad encoding or a text longer than the buffer. */
#define SIGN_PA__OID_MAX 96
int sign_pa__oid_text(const sign_tlv *oid, char *buf, size_t cap, const char *what);

/* Hash algorithms by OID text; NULL when unknown.  *name (may be NULL) gets
 * "SHA-256" etc. */
const EVP_MD *sign_pa__md_by_oid(const char *oid, const char **name);
const char *sign_pa__md_label(const EVP_MD *md);
/* A hash AlgorithmIdentifier (tag 30: OID, parameters absent or NULL):
 * SIGN_ERR_MALFORMED, SIGN_ERR_UNSUPPORTED for unknown hashes. */
int sign_pa__md_algid(const sign_tlv *algid, const EVP_MD **md, const char **name,
    const char *what);

/* A signature algorithm (CMS SignerInfo.signatureAlgorithm). */
typedef enum {
	SIGN_PA__SIG_RSA_PKCS1 = 1,
	SIGN_PA__SIG_RSA_PSS = 2,
	SIGN_PA__SIG_ECDSA = 3,        /* DER Ecdsa-Sig-Value */
	SIGN_PA__SIG_ECDSA_PLAIN = 4   /* r||s (BSI TR-03111) */
} sign_pa__sig_kind;

struct sign_pa__sigalg {
	sign_pa__sig_kind kind;
	const EVP_MD *md;          /* hash of the signature */
	const EVP_MD *mgf1_md;     /* PSS */
	int salt_len;              /* PSS */
	char name[48];             /* "sha256WithRSAEncryption", "RSASSA-PSS" */
};

/* Parse an AlgorithmIdentifier (tag 30).  `digest` is the SignerInfo's
 * digestAlgorithm, used when the OID names no hash (rsaEncryption). */
int sign_pa__sigalg_parse(const sign_tlv *algid, const EVP_MD *digest,
    struct sign_pa__sigalg *out, const char *what);

/* Verify sig over data with pkey: 0, SIGN_ERR_VERIFY, SIGN_ERR_UNSUPPORTED
 * (key type does not fit the algorithm), SIGN_ERR_CRYPTO. */
int sign_pa__verify_data(EVP_PKEY *pkey, const struct sign_pa__sigalg *alg,
    const unsigned char *data, size_t len, const unsigned char *sig, size_t sig_len);

/* ECDSA plain r||s to a DER Ecdsa-Sig-Value; SIGN_ERR_VERIFY when the
 * length is not 2 * order bytes. */
int sign_pa__ecdsa_plain_to_der(EVP_PKEY *pkey, const unsigned char *sig, size_t len,
    sign_buf *der);

/* One certificate from (p, len) exactly (DER, no trailing data). */
int sign_pa__x509_der(X509 **out, const unsigned char *p, size_t len, const char *what);
/* DER or PEM certificates (PEM may hold several) appended to sk. */
int sign_pa__x509_load(STACK_OF(X509) *sk, const unsigned char *data, size_t len,
    const char *what);
/* The countryName of a name ("" when absent), upper case, at most 2 chars. */
void sign_pa__name_country(const X509_NAME *name, char out[3]);
/* RFC 2253 text of a name (malloc()ed string, NULL on failure). */
char *sign_pa__name_text(const X509_NAME *name);

/*
 * A CMS SignedData with one SignerInfo (EF.SOD, master lists).  All pointers
 * point into `raw`, an owned copy of the input, except econtent when the
 * eContent was a constructed (BER) OCTET STRING: then it is owned.
 */
struct sign_cms__sd {
	unsigned char *raw;
	size_t raw_len;
	char econtent_type[SIGN_PA__OID_MAX];
	const unsigned char *econtent;
	size_t econtent_len;
	unsigned char *econtent_owned;
	STACK_OF(X509) *certs;            /* embedded certificates, never NULL */
	/* SignerInfo */
	X509_NAME *sid_issuer;            /* issuerAndSerialNumber, or */
	ASN1_INTEGER *sid_serial;
	const unsigned char *sid_ski;     /* subjectKeyIdentifier */
	size_t sid_ski_len;
	const EVP_MD *digest;             /* digestAlgorithm */
	const char *digest_name;
	unsigned char *signed_attrs;      /* DER SET OF Attribute (tag 31), owned */
	size_t signed_attrs_len;
	const unsigned char *msg_digest;  /* messageDigest attribute */
	size_t msg_digest_len;
	struct sign_pa__sigalg sigalg;
	const unsigned char *sig;
	size_t sig_len;
};

/* Parse ContentInfo(SignedData) in (p, len) (exactly one element, BER
 * indefinite lengths allowed).  `what` names the file in messages. */
int sign_cms__parse(struct sign_cms__sd *sd, const unsigned char *p, size_t len,
    const char *what);
void sign_cms__clear(struct sign_cms__sd *sd);
/* The certificate the SignerInfo names: among the embedded ones, then in
 * extra (may be NULL).  Borrowed; NULL when none (no error set). */
X509 *sign_cms__find_signer(const struct sign_cms__sd *sd, STACK_OF(X509) *extra);
/* Check the signed attributes (contentType, messageDigest over the
 * eContent) and the signature with cert's key.  0 only when valid. */
int sign_cms__verify(const struct sign_cms__sd *sd, X509 *cert, const char *what);

/* EF.SOD. */
struct sign_sod_dg {
	int dg;
	const unsigned char *hash;
	size_t hash_len;
};

struct sign_sod {
	struct sign_cms__sd cms;
	int version;
	const EVP_MD *md;          /* DG hash algorithm */
	const char *md_name;
	struct sign_sod_dg dgs[16];
	size_t ndg;
	unsigned char *dsc_der;    /* embedded DSC that the SignerInfo names */
	size_t dsc_len;
};

/* The CSCA store. */
struct sign_csca_store {
	STACK_OF(X509) *certs;
};

/* Result of building DS -> CSCA. */
typedef enum {
	SIGN_CSCA__TRUSTED = 0,
	SIGN_CSCA__UNTRUSTED = 1,    /* no CSCA in the store for this signer */
	SIGN_CSCA__BAD = 2           /* the named CSCA key does not verify */
} sign_csca__status;

struct sign_csca__path {
	sign_csca__status status;
	X509 *anchor;                /* borrowed from the store, when TRUSTED */
	int links;                   /* link certificates used */
	unsigned int warnings;       /* SIGN_PA_R_EXPIRED / _NOT_YET_VALID */
	char detail[160];
};

/* The certificates of a CscaMasterList (the eContent of a master list)
 * appended to out; the signature is not checked here. */
int sign_csca__ml_content(const unsigned char *p, size_t len, STACK_OF(X509) *out);

/* Build and check DS -> [link certificates from pool] -> CSCA in store,
 * checking validity at `at`. */
int sign_csca__path(const sign_csca_store *store, X509 *ds, STACK_OF(X509) *pool,
    time_t at, struct sign_csca__path *out);

/* ISO/IEC 9796-2 scheme 1 check of a recovered representative f (k bytes)
 * against the challenge: 0 valid, SIGN_ERR_VERIFY. */
int sign_aa__iso9796_check(const unsigned char *f, size_t k, const unsigned char *ch,
    size_t chlen);

/* DG15 and DG14 internals. */
EVP_PKEY *sign_dg15__pkey(const sign_dg15 *dg15);
/* The hash named by DG14's ActiveAuthenticationInfo; NULL when none. */
const EVP_MD *sign_dg14__aa_md(const sign_dg14 *dg14);

/* Issuing state of DG1 (alpha-2) into out; SIGN_ERR_NOT_FOUND when DG1 does
 * not parse to a known state. */
int sign_pa__dg1_state(const unsigned char *dg1, size_t len, char out[3], char raw[4]);

#endif
