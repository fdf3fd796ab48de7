/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Certificate inspection (subject, issuer, validity, key, usages, policies,
 * fingerprint) and PKCS#10 certification requests signed by a sign_signer.
 *
 * THREAD SAFETY: a sign_cert (and a sign_cert_list) is read-only after
 * creation and may be read from several threads at once; the _free functions
 * must not race with readers.
 */
#ifndef LIBSIGN_CERT_H
#define LIBSIGN_CERT_H

#include <stddef.h>
#include <time.h>
#include "libsign/common.h"
#include "libsign/signer.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Key usage bits (X.509 KeyUsage). */
#define SIGN_KU_DIGITAL_SIGNATURE 0x0001u
#define SIGN_KU_NON_REPUDIATION   0x0002u
#define SIGN_KU_KEY_ENCIPHERMENT  0x0004u
#define SIGN_KU_DATA_ENCIPHERMENT 0x0008u
#define SIGN_KU_KEY_AGREEMENT     0x0010u
#define SIGN_KU_KEY_CERT_SIGN     0x0020u
#define SIGN_KU_CRL_SIGN          0x0040u
#define SIGN_KU_ENCIPHER_ONLY     0x0080u
#define SIGN_KU_DECIPHER_ONLY     0x0100u

typedef enum {
	SIGN_CERT_VALID = 0,
	SIGN_CERT_EXPIRING = 1,     /* valid, but expires within the warning window */
	SIGN_CERT_EXPIRED = 2,
	SIGN_CERT_NOT_YET_VALID = 3
} sign_cert_validity;

typedef struct sign_cert sign_cert;

/* Read-only description of a certificate.  Strings are UTF-8; names are
 * printed one RDN after the other, most significant first, separated by
 * ", " ("C=VN, O=..., CN=Nguyễn Văn An"). */
typedef struct sign_cert_info {
	const char *subject;
	const char *issuer;
	const char *serial;          /* lowercase hex, no separators */
	time_t not_before;
	time_t not_after;
	const char *not_before_str;  /* ISO 8601 UTC, "2026-01-01T00:00:00Z" */
	const char *not_after_str;
	const char *key_type;        /* "rsa", "ec", "ed25519", ... */
	unsigned int key_bits;
	const char *curve;           /* EC curve name ("prime256v1"), else NULL */
	int has_key_usage;           /* the keyUsage extension is present */
	unsigned int key_usage;      /* SIGN_KU_* (0 without the extension) */
	const char *key_usage_str;   /* "digitalSignature, nonRepudiation", "" when absent */
	const char *ext_key_usage;   /* comma-separated names/OIDs, "" when absent */
	const char *policies;        /* comma-separated policy OIDs, "" when absent */
	const char *sha256;          /* SHA-256 of the DER, lowercase hex */
	int is_ca;                   /* basicConstraints cA */
	int self_signed;             /* subject == issuer and its own key verifies it */
} sign_cert_info;

/* Parse one DER certificate (exactly len bytes, no trailing data). */
int sign_cert_from_der(sign_cert **out, const unsigned char *der, size_t len);
/* The first certificate of a file, read as sign_cert_list_from_file does. */
int sign_cert_from_file(sign_cert **out, const char *path);
/* The certificate a signer signs with, without decoding it again;
 * SIGN_ERR_NOT_FOUND when the signer has none. */
int sign_cert_from_signer(sign_cert **out, const sign_signer *signer);
void sign_cert_free(sign_cert *cert);

/*
 * Every certificate of a file (at most 4 MiB), in file order: PEM
 * (CERTIFICATE blocks and PKCS7 bundles; any other block, such as a private
 * key, is skipped unread and wiped, never returned), a DER certificate, or a
 * DER PKCS#7 bundle (.p7b/.p7c, or the certificates of a CMS signature).
 * SIGN_ERR_MALFORMED when it holds no certificate or a damaged one (the
 * message names what the file holds instead), SIGN_ERR_NOT_FOUND when it
 * does not exist or is a directory.
 */
typedef struct sign_cert_list sign_cert_list;

int sign_cert_list_from_file(sign_cert_list **out, const char *path);
size_t sign_cert_list_count(const sign_cert_list *list);
/* Borrowed, valid while list lives; NULL past the end. */
const sign_cert *sign_cert_list_get(const sign_cert_list *list, size_t i);
void sign_cert_list_free(sign_cert_list *list);

/* Borrowed, valid while cert lives. */
const sign_cert_info *sign_cert_get_info(const sign_cert *cert);
/* The certificate's DER; borrowed, valid while cert lives. */
int sign_cert_der(const sign_cert *cert, const unsigned char **der, size_t *len);

/* Validity at time now, with EXPIRING when it ends within warn_days days
 * (cert must not be NULL). */
sign_cert_validity sign_cert_check_time(const sign_cert *cert, time_t now, int warn_days);

/* 0 when the certificate may sign documents: its key usage allows it
 * (digitalSignature or nonRepudiation, or no keyUsage extension) and its
 * extended key usage, when it has one, names a document-signing purpose
 * (emailProtection, documentSigning, Microsoft Document Signing, Adobe
 * Authentic Documents Trust, codeSigning, clientAuth, anyExtendedKeyUsage;
 * not a TLS server, time-stamping or OCSP certificate); SIGN_ERR_KEY_USAGE
 * with a message otherwise. */
int sign_cert_check_signing(const sign_cert *cert);

/*
 * A PKCS#10 certification request for the signer's public key, signed by the
 * signer (on its token).  subject is "/C=VN/O=.../CN=Nguyễn Văn An" in UTF-8,
 * written as for openssl req -subj: '/' separates RDNs, '+' the attributes of
 * a multi-valued RDN ("/CN=An+UID=CMND:012345678"), a backslash makes the next
 * character plain ("\/", "\+", "\\").  Values are UTF8String, except where
 * the attribute demands another type (PrintableString for C and serialNumber,
 * IA5String for emailAddress and DC); a value that does not fit is refused
 * with SIGN_ERR_INVALID_ARG and the reason.  md SIGN_MD_DEFAULT is
 * SHA-256; scheme SIGN_SCHEME_AUTO signs RSA keys with PKCS#1 v1.5.
 * out receives the request as PEM text (NUL-terminated; len excludes the NUL).
 */
int sign_cert_request(sign_buf *out, sign_signer *signer, const char *subject,
    sign_md md, sign_scheme scheme);

#ifdef __cplusplus
}
#endif

#endif /* LIBSIGN_CERT_H */
