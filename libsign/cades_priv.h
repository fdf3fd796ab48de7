/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Private side of the CAdES module: a small DER writer, a BER reader over
 * (ptr, len), the OIDs, and the internals shared by cades.c (signing),
 * cades_verify.c (verification), cades_report.c (the report object) and the
 * unit tests.
 */
#ifndef LIBSIGN_CADES_PRIV_H
#define LIBSIGN_CADES_PRIV_H

#include "internal.h"   /* first: config.h */
#include <stdint.h>
#include <time.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include "signer_priv.h"
#include "libsign/cades.h"

/* ---- bounds -------------------------------------------------------------- */

#define CADES_IO_CHUNK        (64u * 1024u)          /* streaming buffer */
#define CADES_MAX_SIG_FILE    (64u * 1024u * 1024u)  /* PEM or in-memory signatures */
#define CADES_MAX_CERTS_BYTES (8u * 1024u * 1024u)   /* the certificates [0] field */
#define CADES_MAX_CRLS_BYTES  (8u * 1024u * 1024u)   /* the crls [1] field (skipped) */
#define CADES_MAX_SIGNERINFOS (1u * 1024u * 1024u)   /* the signerInfos SET */
#define CADES_MAX_SMALL       (64u * 1024u)          /* version, algorithms, OIDs */
#define CADES_MAX_SIGNERS     64                     /* SignerInfos per SignedData */
#define CADES_MAX_CERTS       256                    /* certificates per SignedData */
#define CADES_MAX_DEPTH       32                     /* BER nesting */

/* Short names for the module's cross-file internals (the symbols carry the
 * sign_cades__ prefix so they never clash with other modules). */
#define dbuf_free sign_cades__dbuf_free
#define dbuf_put sign_cades__dbuf_put
#define dbuf_hdr sign_cades__dbuf_hdr
#define dbuf_tlv sign_cades__dbuf_tlv
#define dbuf_wrap sign_cades__dbuf_wrap
#define dbuf_uint sign_cades__dbuf_uint
#define der_hdr_size sign_cades__der_hdr_size
#define ber_next sign_cades__ber_next
#define ber_expect sign_cades__ber_expect
#define ber_inner sign_cades__ber_inner
#define ber_header sign_cades__ber_header
#define oid_eq sign_cades__oid_eq
#define OID_DATA sign_cades__oid_data
#define OID_SIGNED_DATA sign_cades__oid_signed_data
#define OID_CONTENT_TYPE sign_cades__oid_content_type
#define OID_MESSAGE_DIGEST sign_cades__oid_message_digest
#define OID_SIGNING_TIME sign_cades__oid_signing_time
#define OID_SIGNING_CERT sign_cades__oid_signing_cert
#define OID_SIGNING_CERT_V2 sign_cades__oid_signing_cert_v2
#define OID_RSA sign_cades__oid_rsa
#define OID_RSA_PSS sign_cades__oid_rsa_pss
#define OID_MGF1 sign_cades__oid_mgf1
#define OID_EC_PUBKEY sign_cades__oid_ec_pubkey

/* ---- DER writer ---------------------------------------------------------- */

/* A growable byte vector; the first failure sticks in err (a SIGN_ERR_*). */
struct dbuf {
	unsigned char *p;
	size_t len;
	size_t cap;
	int err;
};

#define DBUF_INIT { NULL, 0, 0, 0 }

void dbuf_free(struct dbuf *b);
void dbuf_put(struct dbuf *b, const void *data, size_t len);
/* Tag byte and definite length (any size). */
void dbuf_hdr(struct dbuf *b, unsigned char tag, uint64_t len);
/* A whole TLV. */
void dbuf_tlv(struct dbuf *b, unsigned char tag, const void *val, size_t len);
/* Wrap b's current content as the value of a TLV with the given tag. */
void dbuf_wrap(struct dbuf *b, unsigned char tag);
/* Append a DER INTEGER from an unsigned big-endian magnitude. */
void dbuf_uint(struct dbuf *b, uint64_t v);
/* Size of a header for a value of len bytes. */
size_t der_hdr_size(uint64_t len);

/* ---- BER reader over (ptr, len) ----------------------------------------- */

struct tlv {
	unsigned char tag;           /* identifier octet (low tag numbers only) */
	const unsigned char *raw;    /* the whole element, header included */
	size_t raw_len;              /* header + value (+ end-of-contents) */
	const unsigned char *val;    /* contents */
	size_t len;                  /* contents length (without end-of-contents) */
	int indef;                   /* indefinite-length form */
};

struct cur {
	const unsigned char *p;
	size_t len;
};

/* Next element of cur; SIGN_ERR_MALFORMED on a bad or truncated encoding. */
int ber_next(struct cur *c, struct tlv *t);
/* Next element, required to carry tag. */
int ber_expect(struct cur *c, unsigned char tag, struct tlv *t);
/* A cursor over an element's contents. */
struct cur ber_inner(const struct tlv *t);
/* Header of an element in (p, len): tag, contents offset, length (or indef). */
int ber_header(const unsigned char *p, size_t len, unsigned char *tag, size_t *hlen,
    uint64_t *vlen, int *indef);

/* ---- OIDs (DER contents, without tag and length) ------------------------ */

struct oid {
	const unsigned char *der;
	size_t len;
};

extern const struct oid OID_DATA, OID_SIGNED_DATA, OID_CONTENT_TYPE, OID_MESSAGE_DIGEST,
    OID_SIGNING_TIME, OID_SIGNING_CERT, OID_SIGNING_CERT_V2, OID_RSA, OID_RSA_PSS,
    OID_MGF1, OID_EC_PUBKEY;

int oid_eq(const struct tlv *t, const struct oid *o);

/* Digest algorithm OID <-> sign_md. */
int sign_cades__md_from_oid(const unsigned char *der, size_t len, sign_md *md);
void sign_cades__put_md_algid(struct dbuf *b, sign_md md);
const char *sign_cades__md_name(sign_md md);

/* ---- signing internals --------------------------------------------------- */

/* Empty b without freeing its memory (for reuse). */
#define dbuf_reset sign_cades__dbuf_reset
void dbuf_reset(struct dbuf *b);

/*
 * The DER SET OF the four signed attributes (content-type id-data,
 * signing-time, message-digest, signing-certificate-v2 over cert with md),
 * sorted by encoding, tagged SET (0x31).
 */
int sign_cades__signed_attrs(struct dbuf *out, const unsigned char *content_digest,
    size_t dlen, sign_md md, time_t signing_time, X509 *cert);

/* The signatureAlgorithm AlgorithmIdentifier for scheme/md. */
int sign_cades__sig_algid(struct dbuf *out, sign_scheme scheme, sign_md md);

/* Upper bound of the DER signed attributes (the largest digest, a
 * GeneralizedTime, the ESS attribute with a hash AlgorithmIdentifier). */
#define CADES_ATTRS_MAX 512

/*
 * Everything of a signature that does not depend on the content, encoded
 * once per batch: the ESS signing-certificate-v2 attribute (the certificate
 * is encoded and hashed once, not per file), the certificates field, the
 * SignerIdentifier, the algorithm identifiers, and the digest fetched once
 * (OpenSSL 3 looks a digest up in its provider store on each implicit use).
 * Read-only once made: threads share it.
 */
struct cades_plan {
	sign_signer *signer;        /* borrowed */
	sign_scheme scheme;         /* resolved: never AUTO */
	sign_md md;                 /* never DEFAULT */
	EVP_MD *evp;                /* fetched once */
	size_t md_len;
	time_t signing_time;        /* 0: the clock when each file is signed */
	int enveloping;
	const char *tsa_url;        /* time-stamp server, or NULL (borrowed) */
	const char *tsa_cacert;     /* its CA bundle (https), or NULL: the system's */
	struct dbuf ess_attr;       /* the signing-certificate-v2 Attribute */
	struct dbuf si_head;        /* SignerInfo: version, sid, digestAlgorithm */
	struct dbuf sig_alg;        /* SignerInfo: signatureAlgorithm */
	struct dbuf certs;          /* SignedData: [0] certificates */
	struct dbuf algs;           /* SignedData: digestAlgorithms */
};

/* What is signed for one content: the DER signed attributes and their digest. */
struct cades_tbs {
	unsigned char attrs[CADES_ATTRS_MAX];
	size_t attrs_len;
	unsigned char hash[EVP_MAX_MD_SIZE];
	unsigned int hash_len;
};

/* The signing-time attribute of the last second used: one per thread. */
struct cades_clock {
	time_t t;
	unsigned char attr[64];
	size_t len;
};

#define CADES_CLOCK_INIT { (time_t)-1, { 0 }, 0 }

/* Check signer and opts for signing (key usage, scheme, digest) and encode
 * the constant parts.  sign_cades__plan_free() also after a failure. */
int sign_cades__plan_init(struct cades_plan *p, sign_signer *signer,
    const sign_cades_sign_opts *opts);
void sign_cades__plan_free(struct cades_plan *p);

/* The signed attributes over a content digest (dlen == p->md_len) and the
 * digest to sign, hashed with ctx (a reusable context); clk caches the
 * encoded signing time. */
int sign_cades__plan_tbs(const struct cades_plan *p, struct cades_tbs *t,
    const unsigned char *digest, size_t dlen, EVP_MD_CTX *ctx, struct cades_clock *clk);

/*
 * The SignedData around a signature value.  For an enveloping signature
 * (content_len != UINT64_MAX) the encoding is split: head (up to and
 * including the eContent OCTET STRING header), then the content_len content
 * bytes go between, then tail.  For a detached one content_len is UINT64_MAX
 * and tail stays empty.  head and tail are appended to.
 */
int sign_cades__plan_encode(const struct cades_plan *p, const struct cades_tbs *t,
    const unsigned char *sig, size_t sig_len, const sign_buf *tst, uint64_t content_len,
    struct dbuf *head, struct dbuf *tail);

/* The signature time-stamp token (DER) for the signature value sig from the
 * RFC 3161 server at url (cades_tsa.c), its TLS certificate verified
 * against the CA bundle cacert (NULL: the system's store): the answer's
 * status granted, its imprint the SHA-256 of sig, its nonce ours.
 * SIGN_ERR_NETWORK (no answer, TLS failure, HTTP error, refusal),
 * SIGN_ERR_SERVER_RESPONSE (not a time-stamp answer, or one for something
 * else). */
int sign_cades__tsa_token(const char *url, const char *cacert, const unsigned char *sig,
    size_t sig_len, sign_buf *token);

/* The same on an HTTP session (http_priv.h; NULL: a connection of its own,
 * verified against the system's store), which keeps its connection to the
 * server for the next request.  sign_cades__tsa_session_new() makes one
 * that verifies the server against cacert (NULL: the system's store). */
struct sign_http__session;
int sign_cades__tsa_token_on(struct sign_http__session *session, const char *url,
    const unsigned char *sig, size_t sig_len, sign_buf *token);
int sign_cades__tsa_session_new(struct sign_http__session **out, const char *cacert);

/* What the time-stamp options must be before anything is signed: url
 * http:// or https://, cacert only with https:// (SIGN_ERR_USAGE), and a
 * regular file of at most 8 MiB holding a PEM certificate
 * (SIGN_ERR_NOT_FOUND when it cannot be opened, SIGN_ERR_USAGE for a
 * directory or device, SIGN_ERR_MALFORMED, SIGN_ERR_TOO_LARGE). */
int sign_cades__tsa_check(const char *url, const char *cacert);

/* Private-key operation of the plan's signer over t->hash, on one of its
 * lanes (sign_signer__lanes; 0: the signer's own). */
int sign_cades__plan_sign(const struct cades_plan *p, unsigned int lane,
    const struct cades_tbs *t, sign_buf *sig);

/* ---- reading signatures (cades_parse.c) ---------------------------------- */

#define src_malformed sign_cades__src_malformed
#define src_fill sign_cades__src_fill
#define mdset_add sign_cades__mdset_add
#define mdset_update sign_cades__mdset_update
#define mdset_final sign_cades__mdset_final
#define mdset_get sign_cades__mdset_get
#define mdset_free sign_cades__mdset_free
#define parsed_free sign_cades__parsed_free
#define parse_signed_data sign_cades__parse_signed_data
#define parse_certs sign_cades__parse_certs
#define hash_content_file sign_cades__hash_content_file
#define is_pem sign_cades__is_pem
#define pem_to_der sign_cades__pem_to_der

/* A byte source: a file (streamed through a bounded buffer) or memory. */
struct src {
	int fd;                     /* -1 for memory */
	const char *name;           /* for messages */
	unsigned char *buf;         /* fd: read buffer of CADES_IO_CHUNK bytes */
	const unsigned char *data;  /* current window */
	size_t dlen, doff;
	int eof;
	uint64_t pos;               /* bytes consumed */
};

/* The digests of the content, one per algorithm in use. */
#define MDSET_MAX 6

struct mdset {
	int n;
	sign_md md[MDSET_MAX];
	EVP_MD_CTX *ctx[MDSET_MAX];
	unsigned char out[MDSET_MAX][EVP_MAX_MD_SIZE];
	unsigned int len[MDSET_MAX];
	uint64_t bytes;
};

/* What a SignedData holds, apart from its content. */
struct parsed {
	struct dbuf econtent_type;  /* the OID element */
	struct dbuf certs;          /* [0] certificates, raw */
	struct dbuf signer_infos;   /* SET OF SignerInfo, raw */
	int attached;
	STACK_OF(X509) *x509s;      /* parsed certificates */
};

/* "NAME is not a valid CMS signature: WHAT (at byte N)" as SIGN_ERR_MALFORMED. */
int src_malformed(const struct src *s, const char *what);
/* Make bytes available: 1, 0 at the end, or an error. */
int src_fill(struct src *s);
int mdset_add(struct mdset *m, sign_md md);
int mdset_update(struct mdset *m, const unsigned char *p, size_t n);
int mdset_final(struct mdset *m);
/* 0 with the digest for md, SIGN_ERR_NOT_FOUND when it was not computed. */
int mdset_get(const struct mdset *m, sign_md md, const unsigned char **p, size_t *n);
void mdset_free(struct mdset *m);
void parsed_free(struct parsed *P);
/* Read a ContentInfo/SignedData from s (to its end: trailing data is an
 * error), hashing any embedded content with the digestAlgorithms listed. */
int parse_signed_data(struct src *s, struct parsed *P, struct mdset *m);
/* Decode the certificates field into P->x509s. */
int parse_certs(struct parsed *P, const char *name);
/* Stream a detached content file through the digests; named: the caller
 * named it (a FIFO or block device is read then), else only a regular file. */
int hash_content_file(const char *path, int named, struct mdset *m);
/* The data starts with a PEM header (after white space). */
int is_pem(const unsigned char *p, size_t n);
/* PEM "CMS"/"PKCS7" text to DER (OPENSSL_free the result). */
int pem_to_der(const unsigned char *p, size_t n, const char *name, unsigned char **der,
    long *len);

/* ---- verification internals ---------------------------------------------- */

/* One check of one signature. */
struct cades_check {
	sign_cades_check id;
	sign_cades_status status;
	sign_cades_subindication sub;  /* what a non-PASSED status means */
	char detail[512];
};

#define CADES_MAX_CHECKS 12
#define CADES_MAX_WARNINGS 4

struct cades_chain_ent {
	char *name;
	unsigned char *der;
	size_t len;
};

/* The result for one SignerInfo. */
struct sign_cades_signature {
	sign_cades_indication indication;
	sign_cades_subindication sub;
	char *signer_name;          /* UTF-8 CN, else the subject; "" when unknown */
	char *signer_subject;
	char *serial;               /* lowercase hex */
	int has_signing_time;
	time_t signing_time;
	sign_md md;
	char md_name[16];
	char sig_alg[64];
	char format[64];            /* "CAdES-BASELINE-B", "CMS" */
	struct cades_chain_ent *chain; /* signer first, anchor last when trusted */
	size_t nchain;
	int chain_trusted;
	struct cades_check checks[CADES_MAX_CHECKS];
	size_t nchecks;
	char warnings[CADES_MAX_WARNINGS][320]; /* facts that do not change the verdict */
	size_t nwarnings;
};

struct sign_cades_report {
	int attached;
	char *content_path;         /* detached content read from, or NULL */
	uint64_t content_len;
	struct sign_cades_signature *sigs;
	size_t nsigs;
	sign_cades_indication indication;
	sign_cades_subindication sub;
};

int sign_cades__report_new(sign_cades_report **out);
int sign_cades__report_add(sign_cades_report *r, struct sign_cades_signature **out);
/* Record (or replace) check id of s. */
void sign_cades__check(struct sign_cades_signature *s, sign_cades_check id,
    sign_cades_status status, sign_cades_subindication sub, const char *fmt, ...)
    SIGN__PRINTF(5, 6);
/* Add a warning to s (dropped past CADES_MAX_WARNINGS). */
void sign_cades__warn(struct sign_cades_signature *s, const char *fmt, ...) SIGN__PRINTF(2, 3);
/* Set the verdict of s from its checks, and of r from its signatures. */
void sign_cades__conclude(struct sign_cades_signature *s);
void sign_cades__report_conclude(sign_cades_report *r);
/* The return value of a verify call for a concluded report (and the
 * thread's last error naming the deciding check). */
int sign_cades__report_rc(const sign_cades_report *r);
/* "2026-12-01T17:00:00Z" */
void sign_cades__iso_time(time_t t, char *buf, size_t cap);

/* Name of a certificate: the CN as UTF-8, else the whole subject (malloc'd). */
char *sign_cades__cert_name(X509 *x);
/* The subject as "C=VN, O=..., CN=..." in UTF-8 (malloc'd). */
char *sign_cades__cert_subject(X509 *x);
/* Record the path (signer first) in s. */
int sign_cades__set_chain(struct sign_cades_signature *s, STACK_OF(X509) *path, int trusted);

/* Trust store internals (trust.c). */
STACK_OF(X509) *sign_trust__anchors(const sign_trust *t);
STACK_OF(X509_CRL) *sign_trust__crls(const sign_trust *t);

/*
 * The signature time-stamp among a SignerInfo's unsigned attributes
 * (cades_tst.c), over the signature value sigval: 0 none; 1 verified (its
 * TSA chaining to trust at vt), *gen_time its time and *accuracy its
 * accuracy in whole seconds, rounded up (0 when it states none); -1 present
 * but not usable.  msg says which, for the report.
 */
int sign_cades__verify_tst(const struct tlv *uattrs, const unsigned char *sigval, size_t siglen,
    const sign_trust *trust, STACK_OF(X509) *certs, STACK_OF(X509) *extra, time_t vt,
    time_t *gen_time, time_t *accuracy, char *msg, size_t cap);

/* ---- revocation ---------------------------------------------------------- */

/*
 * What one verification run has learned about revocation (cades_revcache.c),
 * hung on the trust store of the run (sign_trust_cache_revocation()) so that
 * every verification using it shares it; NULL: nothing is remembered.
 * Mutex-protected: verifications on several threads may share it.  Bounded:
 * at most max entries per table, the oldest replaced first.
 *
 * What is kept are facts that do not depend on the validation time, never a
 * verdict: an OCSP answer's status, revocation time and reason as the
 * responder stated them (plus its nextUpdate and its delegated responder's
 * certificate), whether a CRL's signature verified with an issuer's key,
 * and that a responder URL gave no answer at all.  What a fact means for a
 * signature (revoked before or after its validation time, a time-stamp's
 * time or now) is decided anew at each use, so a "revoked on D" answer
 * fetched for a signature time-stamped before D does not make an
 * undated signature pass, nor the other way round.
 */
struct cades_revcache;

int sign_cades__revcache_new(struct cades_revcache **out, size_t max);
void sign_cades__revcache_free(struct cades_revcache *c);

/* An OCSP answer as the responder gave it (or why it is not usable). */
struct cades_ocsp_answer {
	int rc;                     /* SIGN_CADES__OCSP_* */
	time_t rev_time;            /* REVOKED: when */
	int reason;                 /* REVOKED: CRL reason code, or -1 */
	time_t next_update;         /* 0: none given (then kept for the run) */
	X509 *responder;            /* a delegated responder certificate without
	                             * id-pkix-ocsp-nocheck (its revocation is to be
	                             * checked), else NULL; owned */
	char msg[400];              /* GOOD/REVOKED: the URL; UNKNOWN: why */
};

/* Lookups copy the entry into *a (a->responder up-referenced: release it
 * with sign_cades__ocsp_answer_clear).  key: SHA-256 over the DER CertID
 * and the responder URL.  An answer past its nextUpdate (now) is dropped. */
int sign_cades__revcache_ocsp_get(struct cades_revcache *c, const unsigned char key[32],
    time_t now, struct cades_ocsp_answer *a);
void sign_cades__revcache_ocsp_put(struct cades_revcache *c, const unsigned char key[32],
    const struct cades_ocsp_answer *a);
void sign_cades__ocsp_answer_clear(struct cades_ocsp_answer *a);
/* A responder URL that gave no answer (unreachable, HTTP error): 1 with the
 * message of that failure, 0 not known as dead. */
int sign_cades__revcache_dead_get(struct cades_revcache *c, const char *url, char *msg,
    size_t cap);
void sign_cades__revcache_dead_put(struct cades_revcache *c, const char *url, const char *msg);
/* Whether crl's signature verifies with issuer's key: 1 yes, 0 no, -1 not
 * known yet. */
int sign_cades__revcache_crl_get(struct cades_revcache *c, X509_CRL *crl, X509 *issuer);
void sign_cades__revcache_crl_put(struct cades_revcache *c, X509_CRL *crl, X509 *issuer, int ok);
/* A CRL fetched from url in this run: 1 known (*crl up-referenced, or NULL
 * when the fetch failed; msg the URL or why it failed), 0 not fetched yet.
 * At most 32 are kept (each may be large); crl may be NULL on put. */
int sign_cades__revcache_crlurl_get(struct cades_revcache *c, const char *url,
    X509_CRL **crl, char *msg, size_t cap);
void sign_cades__revcache_crlurl_put(struct cades_revcache *c, const char *url,
    X509_CRL *crl, const char *msg);
/* Counters for tests: OCSP requests sent, CRL signatures verified. */
void sign_cades__revcache_stats(struct cades_revcache *c, unsigned long *ocsp_asked,
    unsigned long *crl_verified);
void sign_cades__revcache_count_ocsp(struct cades_revcache *c);

/* The CRLs of x's http:// CRL distribution points (cades_crlfetch.c), each
 * URL fetched once per run through cache (may be NULL): *out (free with
 * sk_X509_CRL_pop_free) holds those fetched and parsed; the count is
 * returned; msg says why the others failed (or that x names none). */
int sign_cades__crl_fetch(X509 *x, struct cades_revcache *cache, STACK_OF(X509_CRL) **out,
    char *msg, size_t cap);

/* The trust store's cache, or NULL (trust.c). */
struct cades_revcache *sign_trust__revcache(const sign_trust *t);

/* OCSP for the revocation check: off when NULL. */
struct cades_ocsp {
	const char *url;            /* the responder for all, or NULL: each cert's own */
	STACK_OF(X509) *certs;      /* untrusted certificates (a delegated responder's chain) */
	const sign_trust *trust;
	STACK_OF(X509_CRL) *crls[2]; /* the CRLs given: for a delegated responder's certificate */
	struct cades_revcache *cache; /* or NULL */
	int fetch;                  /* SIGN_CADES_VERIFY_CRL_FETCH: a delegated responder's
	                             * CRL from its distribution points too */
};

/* Revocation status of one certificate. */
enum { CADES_REV_OK = 0, CADES_REV_UNKNOWN, CADES_REV_REVOKED };

/* The status of x at vt (CADES_REV_*) by issuer's newest CRL among two sets
 * (either may be NULL) and, with fetch, those of x's CRL distribution points
 * (sign_cades__crl_fetch), CRL signatures checked through cache (may be
 * NULL); msg says what decided (and that the CRL was fetched), or why no CRL
 * could (with why fetching failed).  For the path's certificates and for a
 * delegated OCSP responder's. */
int sign_cades__crl_answer(X509 *x, X509 *issuer, STACK_OF(X509_CRL) *crls1,
    STACK_OF(X509_CRL) *crls2, int fetch, struct cades_revcache *cache, time_t vt, char *msg,
    size_t cap);

/* The revocation check of s (cades_revocation.c): path signer first, the
 * anchor last when trusted; the CRLs of two sets (either may be NULL), and
 * OCSP when ocsp is not NULL; fetch: also the CRLs of each certificate's
 * distribution points; cache may be NULL. */
void sign_cades__check_revocation(struct sign_cades_signature *s, STACK_OF(X509) *path,
    int trusted, STACK_OF(X509_CRL) *crls1, STACK_OF(X509_CRL) *crls2,
    const struct cades_ocsp *ocsp, int fetch, struct cades_revcache *cache, time_t vt);

/*
 * The status of x (issued by issuer) from an OCSP responder (cades_ocsp.c):
 * o->url or the one x names, through o->cache.  GOOD, REVOKED (*rev_time,
 * *reason: the CRL reason code or -1), msg the responder's URL and, for a
 * delegated responder without id-pkix-ocsp-nocheck whose revocation the
 * CRLs given cannot tell, a note saying so; or UNKNOWN (no responder, no
 * usable answer, a delegated responder revoked by a CRL given), msg why.
 */
#define SIGN_CADES__OCSP_UNKNOWN 0
#define SIGN_CADES__OCSP_GOOD 1
#define SIGN_CADES__OCSP_REVOKED 2
int sign_cades__ocsp_status(X509 *x, X509 *issuer, const struct cades_ocsp *o,
    time_t *rev_time, int *reason, char *msg, size_t cap);

/* Parse an ASN.1 UTCTime/GeneralizedTime element into time_t. */
int sign_cades__parse_time(const struct tlv *t, time_t *out);

#endif
