/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * CAdES signatures (ETSI EN 319 122-1, baseline B-B): signing files with a
 * sign_signer (a key on a PKCS#11 token, or in software), and verifying
 * CMS/CAdES signatures with ETSI EN 319 102-1 indications; the trust store
 * of anchors verification chains to.
 *
 * Signing makes one CMS SignedData per file, DER-encoded, with the signer's
 * certificate and chain embedded and exactly four signed attributes:
 * content-type (id-data), message-digest, signing-time and ESS
 * signing-certificate-v2.  The only private-key operation is one signature
 * over the digest of the DER-encoded signed attributes, so token keys work.
 * Input is streamed: memory use does not depend on the file size.
 *
 * Verification checks the message digest, the signature value, the signer's
 * identity (the SignerIdentifier and the ESS signing-certificate(-v2)
 * attribute), the certificate chain to a trust anchor, validity at the
 * validation time and the signer's key usage, and - with CRLs given or OCSP
 * asked for - the revocation of every certificate of the path.
 *
 * THREAD SAFETY: a sign_trust may be shared by threads once loaded (adding
 * anchors must not race with verifications using it).  A report is
 * read-only and may be read from several threads.  Signing with one signer
 * from two threads at once is not allowed (see signer.h); everything else
 * may run in parallel.  sign_cades_sign_files() uses the signer from one
 * of its threads at a time on each token session it signs on.
 */
#ifndef LIBSIGN_CADES_H
#define LIBSIGN_CADES_H

#include <stddef.h>
#include <time.h>
#include "libsign/common.h"
#include "libsign/signer.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- trust store --------------------------------------------------------- */

/* A set of trust anchors.  Every certificate in it is an anchor, CA
 * certificates below a root included (the chain may end at them). */
typedef struct sign_trust sign_trust;

int sign_trust_new(sign_trust **out);
/* Release (NULL-safe). */
void sign_trust_free(sign_trust *trust);

/* Add every certificate of a PEM file (several allowed) or a DER file.
 * SIGN_ERR_NOT_FOUND when it cannot be opened, SIGN_ERR_MALFORMED when it
 * holds no certificate. */
int sign_trust_add_file(sign_trust *trust, const char *path);
/* Add the certificates of every *.pem, *.crt, *.cer and *.der file in a
 * directory (not recursive; other files are ignored, and so are PEM files
 * of CRLs only: one folder may hold an auditor's certificates and CRLs). */
int sign_trust_add_dir(sign_trust *trust, const char *path);
/* A file or a directory. */
int sign_trust_add_path(sign_trust *trust, const char *path);
/* One DER certificate (exactly len bytes). */
int sign_trust_add_der(sign_trust *trust, const unsigned char *der, size_t len);

/*
 * The default trust store directory: $KYSO_TRUST_DIR when set and not empty,
 * else the installed one (SIGN_DATADIR "/trust", the certificates of
 * certs/trust/).  Never NULL.
 */
const char *sign_trust_default_dir(void);
/* sign_trust_add_dir(trust, sign_trust_default_dir()). */
int sign_trust_add_default(sign_trust *trust);

/* Number of anchors. */
size_t sign_trust_count(const sign_trust *trust);

/*
 * Add certificate revocation lists: a file (PEM, several CRLs allowed, or
 * DER; at most 64 MiB) or a directory (its *.crl files, which must hold
 * CRLs, and the CRLs of its *.pem and *.der files; not recursive).  CRLs are
 * signed by their issuers, so they may come from anywhere: verification
 * uses those of opts->trust and opts->extra_certs, and with any CRL given
 * it checks the revocation of every certificate of the path below the
 * trust anchor.  SIGN_ERR_NOT_FOUND, SIGN_ERR_MALFORMED (no CRL, or one
 * that cannot be read), SIGN_ERR_TOO_LARGE.
 */
int sign_trust_add_crls(sign_trust *trust, const char *path);
/* Number of CRLs. */
size_t sign_trust_crl_count(const sign_trust *trust);

/*
 * One verification run: remember what revocation checking learns, for every
 * verification that uses trust as its anchors (opts->trust), until
 * sign_trust_free() or the next call.  Without it (the default) each
 * verification asks again.  Remembered, in tables of at most max_entries
 * each (the oldest entry replaced first):
 *  - each OCSP answer, by certificate (the CertID: issuer name hash, issuer
 *    key hash, serial) and responder URL, while it is current (until its
 *    nextUpdate; for the run when it has none), and an unusable answer for
 *    the run;
 *  - each responder URL that gave no answer (unreachable, HTTP error): it is
 *    asked once per run, then every certificate it serves gets the same "no
 *    answer" (and the CRLs given answer, as they would);
 *  - for each CRL and issuer, whether the CRL's signature verified.
 * Only the responder's own statements are kept (status, revocation time and
 * reason), never a verdict: what they mean for each signature is decided at
 * its validation time, a time-stamped signature's earlier time included.
 * max_entries: 1 to SIGN_TRUST_CACHE_MAX (SIGN_TRUST_CACHE_DEFAULT is a
 * good size); 0 turns caching off.  Calling it forgets what was remembered
 * (a new run).  It must not race with verifications using trust; the cache
 * itself is locked, so verifications on several threads may share it (two
 * asking about one certificate at the same moment may both ask).
 */
#define SIGN_TRUST_CACHE_DEFAULT 1024
#define SIGN_TRUST_CACHE_MAX 65536
int sign_trust_cache_revocation(sign_trust *trust, size_t max_entries);

/* ---- signing ------------------------------------------------------------- */

typedef struct sign_cades_sign_opts {
	unsigned int version;   /* SIGN_CADES_SIGN_OPTS_VERSION */
	sign_md md;             /* SIGN_MD_DEFAULT = SHA-256; SHA-1 is refused */
	sign_scheme scheme;     /* AUTO: PKCS#1 v1.5 for RSA, ECDSA for EC; RSA_PSS */
	int enveloping;         /* 1: embed the content (attached signature) */
	int overwrite;          /* 1: replace an existing output file */
	time_t signing_time;    /* the signing-time attribute; 0 = now */
	unsigned int threads;   /* sign_cades_sign_files(): 0 = one per CPU (at most 4),
	                         * and one more when signing on several token sessions
	                         * (see sessions); with tsa_url up to 8, each with its
	                         * own connection to the time-stamp server
	                         * (network-bound); at most 4 when given */
	/* version 2: an RFC 3161 time-stamp server (http:// or https:// URL):
	 * each signature gets a signature time-stamp (CAdES-T) over its value,
	 * asked for when it is made; a server that cannot be reached, refuses
	 * or answers something else fails that file (SIGN_ERR_NETWORK).  NULL:
	 * none (CAdES-B). */
	const char *tsa_url;
	/* version 3: the CA bundle (a PEM file) that verifies an https://
	 * tsa_url's TLS certificate, for a server whose certificate comes from
	 * a private or government CA: its certificates are then the only ones
	 * trusted for the server (not the system's store).  NULL: the system's
	 * store.  Ignored without tsa_url; with an http:// tsa_url it is
	 * refused (SIGN_ERR_USAGE: no TLS, nothing to verify).  A bundle that
	 * cannot be read or holds no PEM certificate fails before any signature
	 * (sign_cades_check_sign_opts); a server it does not verify fails the
	 * file as an unreachable one does (SIGN_ERR_NETWORK). */
	const char *tsa_cacert;
	/* version 4: sign_cades_sign_files() on up to this many token sessions
	 * at once (at most the threads, and at most 4), for a token that
	 * signs several operations at the same time (an HSM, a software
	 * token).  The extra sessions are opened once a signature shows the
	 * token is fast (under 10 ms) with more than 16 files left, share the
	 * one login, and are closed at the end of the batch; a smart card, a
	 * key that asks for its PIN at each signature, a time-stamp server, a
	 * software signer or a token that gives no further session keeps one.
	 * A signature that fails on a further session is made again on the
	 * first, which alone signs from then on (a token that is gone fails
	 * there too).  0: one per CPU; 1: one. */
	unsigned int sessions;
} sign_cades_sign_opts;

/* Versions 1 (without tsa_url), 2 (without tsa_cacert) and 3 (without
 * sessions) are still accepted. */
#define SIGN_CADES_SIGN_OPTS_VERSION 4
#define SIGN_CADES_SIGN_OPTS_INIT \
	{ SIGN_CADES_SIGN_OPTS_VERSION, SIGN_MD_DEFAULT, SIGN_SCHEME_AUTO, 0, 0, 0, 0, NULL, \
	  NULL, 0 }

/*
 * What the signing calls refuse about opts alone, before any signature, for
 * a caller that checks before asking for a PIN: an unsupported version or
 * digest, a tsa_url that is not http:// or https://, a tsa_cacert with an
 * http:// tsa_url (SIGN_ERR_USAGE), and a tsa_cacert that cannot be opened
 * (SIGN_ERR_NOT_FOUND), is not a regular file (SIGN_ERR_USAGE), is larger
 * than 8 MiB (SIGN_ERR_TOO_LARGE) or holds no PEM certificate
 * (SIGN_ERR_MALFORMED).  0, or the error with its message (naming the file).
 */
int sign_cades_check_sign_opts(const sign_cades_sign_opts *opts) SIGN_WARN_UNUSED;

/*
 * Sign the file in_path into out_path (DER CMS).  The output is written
 * atomically: a temporary file beside out_path, renamed on success, removed
 * on any failure.  An existing out_path is an error (SIGN_ERR_EXISTS) unless
 * opts->overwrite.  The input must be a regular file for an enveloping
 * signature (it is read twice: once for the digest, once to embed it; a
 * change in between is detected and fails with SIGN_ERR_IO).
 * SIGN_ERR_KEY_USAGE when the certificate's key usage forbids signing;
 * SIGN_ERR_NOT_FOUND when the signer has no certificate or in_path is
 * missing; the signer's error (PIN, token) otherwise.
 */
int sign_cades_sign_file(sign_signer *signer, const char *in_path, const char *out_path,
    const sign_cades_sign_opts *opts) SIGN_WARN_UNUSED;

/*
 * Sign n files, in[i] into out[i], each as sign_cades_sign_file() does, with
 * one signer (one token login).  Reading, hashing and writing run on up to
 * opts->threads threads while the signer is used by one thread at a time
 * on each of its token sessions (opts->sessions), so a batch goes at the
 * token's signing rate.  results (may be
 * NULL; n entries) receives for each file 0, its error, or
 * SIGN_ERR_CANCELLED when it was not attempted because another file failed.
 * A file that cannot be read stops the batch at that file (the files before
 * it are still signed); any other failure stops new signatures at once, and
 * a file that cannot be written (time-stamp server, disk) stops the batch at
 * that file: no output for it or any file after it, so the outputs are
 * always the first files, without gaps.  With opts->overwrite, an output that is
 * also an input of the batch (by device and inode), or that exists and is a
 * symbolic link, FIFO or device, fails with SIGN_ERR_USAGE before any
 * signature.
 * Files already signed keep their complete signatures, and no partial output
 * is left.  Outputs are made durable per group (one sync, then each renamed
 * into place and its directory synced); a file counts as signed only once
 * its signature is on disk.  Returns 0 when every
 * file was signed, else the error (and message) of the failed file with the
 * lowest index.
 */
int sign_cades_sign_files(sign_signer *signer, const char *const *in, const char *const *out,
    size_t n, const sign_cades_sign_opts *opts, int *results) SIGN_WARN_UNUSED;

/*
 * What sign_cades_sign_files() with opts->overwrite refuses before any
 * signature, for a caller that checks before asking for a PIN: an output
 * that exists and is a symbolic link, FIFO or device (a signature put in
 * place would replace it with a file), or that is also an input of the
 * batch (by device and inode).  0, or SIGN_ERR_USAGE (or SIGN_ERR_NOMEM)
 * with the message, *bad the index of the file refused.
 */
int sign_cades_check_outputs(const char *const *in, const char *const *out, size_t n,
    size_t *bad) SIGN_WARN_UNUSED;

/* The same for content in memory; out receives the DER signature. */
int sign_cades_sign_mem(sign_buf *out, sign_signer *signer, const unsigned char *data,
    size_t len, const sign_cades_sign_opts *opts) SIGN_WARN_UNUSED;

/* ---- verification -------------------------------------------------------- */

/* ETSI EN 319 102-1 main indication, ordered from best to worst. */
typedef enum {
	SIGN_CADES_TOTAL_PASSED = 0,
	SIGN_CADES_INDETERMINATE = 1,
	SIGN_CADES_TOTAL_FAILED = 2
} sign_cades_indication;

/* ETSI EN 319 102-1 sub-indications (the ones this verifier reports). */
typedef enum {
	SIGN_CADES_SUB_NONE = 0,
	/* with TOTAL-FAILED */
	SIGN_CADES_SUB_FORMAT_FAILURE = 1,
	SIGN_CADES_SUB_HASH_FAILURE = 2,
	SIGN_CADES_SUB_SIG_CRYPTO_FAILURE = 3,
	SIGN_CADES_SUB_CHAIN_CONSTRAINTS_FAILURE = 4, /* signer key usage or EKU */
	/* with INDETERMINATE */
	SIGN_CADES_SUB_NO_SIGNING_CERTIFICATE_FOUND = 20,
	SIGN_CADES_SUB_NO_CERTIFICATE_CHAIN_FOUND = 21,
	SIGN_CADES_SUB_OUT_OF_BOUNDS_NO_POE = 22,     /* a certificate has expired */
	SIGN_CADES_SUB_NOT_YET_VALID = 23,
	SIGN_CADES_SUB_CERTIFICATE_CHAIN_GENERAL_FAILURE = 24,
	SIGN_CADES_SUB_CRYPTO_CONSTRAINTS_FAILURE_NO_POE = 25, /* unsupported/weak algorithm */
	SIGN_CADES_SUB_REVOKED_NO_POE = 26,     /* the signer certificate is revoked */
	SIGN_CADES_SUB_REVOKED_CA_NO_POE = 27,  /* a CA certificate of the path is revoked */
	SIGN_CADES_SUB_TRY_LATER = 28           /* the CRLs given cannot tell the revocation */
} sign_cades_subindication;

/* The checks reported for each signature, in this order. */
typedef enum {
	SIGN_CADES_CHECK_FORMAT = 0,              /* CMS structure and signed attributes */
	SIGN_CADES_CHECK_SIGNING_CERTIFICATE = 1, /* SignerIdentifier + ESS attribute */
	SIGN_CADES_CHECK_MESSAGE_DIGEST = 2,
	SIGN_CADES_CHECK_SIGNATURE_VALUE = 3,
	SIGN_CADES_CHECK_CHAIN = 4,               /* path to a trust anchor */
	SIGN_CADES_CHECK_VALIDITY = 5,            /* validity periods at the validation time */
	SIGN_CADES_CHECK_KEY_USAGE = 6,           /* may sign documents (keyUsage, EKU) */
	SIGN_CADES_CHECK_REVOCATION = 7,          /* by the CRLs given; SKIPPED without */
	SIGN_CADES_CHECK_SIGNATURE_TIMESTAMP = 8  /* CAdES-T: an RFC 3161 token over the signature */
} sign_cades_check;

typedef enum {
	SIGN_CADES_STATUS_PASSED = 0,
	SIGN_CADES_STATUS_FAILED = 1,
	SIGN_CADES_STATUS_INDETERMINATE = 2,
	SIGN_CADES_STATUS_SKIPPED = 3
} sign_cades_status;

typedef struct sign_cades_verify_opts {
	unsigned int version;           /* SIGN_CADES_VERIFY_OPTS_VERSION */
	const sign_trust *trust;        /* anchors; NULL = none (no chain can be trusted) */
	const char *content_path;       /* detached content; an error with an attached signature */
	const char *default_content_path; /* used for a detached signature when content_path is NULL */
	time_t validation_time;         /* 0 = now */
	/* version 2: more certificates, NOT trusted, to find the signer's
	 * certificate and build its path with when the signature lacks them (a
	 * signature made without the certificates, or without the intermediate
	 * CA); NULL = none.  Any sign_trust serves as a set of certificates. */
	const sign_trust *extra_certs;
	/* version 3: SIGN_CADES_VERIFY_OCSP asks the OCSP responder of each
	 * certificate of the path below the anchor (the one it names, or
	 * ocsp_url for all) for its status; the CRLs given, if any, answer when
	 * a responder does not. */
	unsigned int flags;
	const char *ocsp_url;
} sign_cades_verify_opts;

#define SIGN_CADES_VERIFY_OCSP 0x1u
/* (version 3 too, added later: an older library ignores it) Fetch the CRL
 * of each certificate of the path below the anchor from its http:// CRL
 * distribution points (plain HTTP GET, no redirect, at most 16 MiB, 20 s)
 * when OCSP gives no usable answer or is not asked for; fetched CRLs are
 * used like those given (only when their signature verifies with the
 * issuer's key; the newest wins).  With sign_trust_cache_revocation() each
 * URL is fetched once per run (a failure too). */
#define SIGN_CADES_VERIFY_CRL_FETCH 0x2u

/* Versions 1 (without extra_certs) and 2 (without flags, ocsp_url) are
 * still accepted. */
#define SIGN_CADES_VERIFY_OPTS_VERSION 3
#define SIGN_CADES_VERIFY_OPTS_INIT \
	{ SIGN_CADES_VERIFY_OPTS_VERSION, NULL, NULL, NULL, 0, NULL, 0, NULL }

/* The verification report: one result per SignerInfo. */
typedef struct sign_cades_report sign_cades_report;
typedef struct sign_cades_signature sign_cades_signature;

/*
 * Verify the signature file sig_path (DER, BER or PEM CMS SignedData).
 * Returns 0 only when every signature is TOTAL-PASSED.  When the signature
 * could be parsed, *out receives a report (also on failure: free it); the
 * return value is then SIGN_ERR_HASH_MISMATCH or SIGN_ERR_VERIFY for
 * TOTAL-FAILED, SIGN_ERR_UNTRUSTED, SIGN_ERR_EXPIRED or SIGN_ERR_NOT_YET_VALID
 * for INDETERMINATE.  *out stays NULL for SIGN_ERR_MALFORMED (not a CMS
 * signature), SIGN_ERR_NOT_FOUND (a missing file or detached content),
 * SIGN_ERR_USAGE (content given for an attached signature), SIGN_ERR_IO.
 * Attached content is streamed: memory does not grow with its size.
 */
int sign_cades_verify_file(sign_cades_report **out, const char *sig_path,
    const sign_cades_verify_opts *opts) SIGN_WARN_UNUSED;

/* The same for a signature in memory; content/content_len is the detached
 * content (NULL for an attached signature; the opts' paths are ignored). */
int sign_cades_verify_mem(sign_cades_report **out, const unsigned char *sig, size_t sig_len,
    const unsigned char *content, size_t content_len,
    const sign_cades_verify_opts *opts) SIGN_WARN_UNUSED;

void sign_cades_report_free(sign_cades_report *report);

/* The worst indication over all signatures, and its sub-indication. */
sign_cades_indication sign_cades_report_indication(const sign_cades_report *report);
sign_cades_subindication sign_cades_report_subindication(const sign_cades_report *report);
/* 1 when the content is embedded in the signature. */
int sign_cades_report_attached(const sign_cades_report *report);
/* The detached content file read, or NULL (attached, or content in memory). */
const char *sign_cades_report_content_path(const sign_cades_report *report);
/* The number of content bytes hashed (detached file or embedded content). */
unsigned long long sign_cades_report_content_length(const sign_cades_report *report);
/* Number of signatures (SignerInfos), and one of them (borrowed, valid while
 * the report lives; NULL when i is out of range). */
size_t sign_cades_report_count(const sign_cades_report *report);
const sign_cades_signature *sign_cades_report_get(const sign_cades_report *report, size_t i);

sign_cades_indication sign_cades_signature_indication(const sign_cades_signature *sig);
sign_cades_subindication sign_cades_signature_subindication(const sign_cades_signature *sig);
/* The signer's common name (UTF-8), else its subject; "" when unknown. */
const char *sign_cades_signature_signer(const sign_cades_signature *sig);
/* The signer's subject "C=VN, ..., CN=..." (UTF-8); "" when unknown. */
const char *sign_cades_signature_subject(const sign_cades_signature *sig);
/* The signer certificate's serial number, lowercase hex; "" when unknown. */
const char *sign_cades_signature_serial(const sign_cades_signature *sig);
/* The claimed signing time (signing-time attribute): 0, or SIGN_ERR_NOT_FOUND. */
int sign_cades_signature_signing_time(const sign_cades_signature *sig, time_t *out);
/* "CAdES-BASELINE-B" (signing-certificate-v2 present), "CAdES-BES"
 * (signing-certificate v1 only), or "CMS" (no ESS attribute). */
const char *sign_cades_signature_format(const sign_cades_signature *sig);
/* "SHA-256"..., and "RSA PKCS#1 v1.5", "RSA-PSS", "ECDSA". */
const char *sign_cades_signature_digest(const sign_cades_signature *sig);
const char *sign_cades_signature_algorithm(const sign_cades_signature *sig);

/* The certificate path, signer first; the last is the trust anchor when
 * sign_cades_signature_chain_trusted().  Borrowed, valid while the report lives. */
size_t sign_cades_signature_chain_count(const sign_cades_signature *sig);
const char *sign_cades_signature_chain_name(const sign_cades_signature *sig, size_t i);
int sign_cades_signature_chain_cert(const sign_cades_signature *sig, size_t i,
    const unsigned char **der, size_t *len);
int sign_cades_signature_chain_trusted(const sign_cades_signature *sig);

/* The checks: count, and check i (detail: a one-line English explanation). */
size_t sign_cades_signature_check_count(const sign_cades_signature *sig);
int sign_cades_signature_check(const sign_cades_signature *sig, size_t i,
    sign_cades_check *id, sign_cades_status *status, const char **detail);

/*
 * Warnings: facts an auditor should see that do not change the verdict (a
 * one-line English sentence each; borrowed, valid while the report lives).
 * One is given when the signing-time attribute - the signer's claim - is
 * later than a verified signature time-stamp's time by more than the
 * time-stamp's accuracy plus a minute: the signature provably existed
 * before the time it claims, so that claim is false (a wrong clock, or a
 * lie).  The verdict stays what the proven time decides: the claimed time
 * is never used for validation (EN 319 102-1 judges a time-stamped
 * signature at the time-stamp's time).  Added in 2026-12; NULL when i is
 * out of range.
 */
size_t sign_cades_signature_warning_count(const sign_cades_signature *sig);
const char *sign_cades_signature_warning(const sign_cades_signature *sig, size_t i);

/* Names: "TOTAL-PASSED", "HASH_FAILURE" ("" for SUB_NONE), "message_digest",
 * "PASSED"/"FAILED"/"INDETERMINATE"/"SKIPPED".  Never NULL. */
const char *sign_cades_indication_str(sign_cades_indication ind);
const char *sign_cades_subindication_str(sign_cades_subindication sub);
const char *sign_cades_check_str(sign_cades_check check);
const char *sign_cades_status_str(sign_cades_status status);

#ifdef __cplusplus
}
#endif

#endif /* LIBSIGN_CADES_H */
