/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Document authentication for ICAO 9303 chips (e-passports, the Vietnamese
 * chip citizen ID card): passive authentication (EF.SOD, the Document Signer
 * certificate and its chain to a CSCA), the CSCA trust store (certificate
 * files and directories, ICAO CSCA master lists), DG14 (SecurityInfos),
 * DG15 (the Active Authentication public key), Active Authentication, the
 * verdict of Chip Authentication (run live by card.h), and offline
 * re-verification of a dump directory.
 *
 * The verdict model.  Passive authentication (PA) is PASSED, FAILED (proven
 * invalid: a DG hash or a signature does not match, wrong country) or
 * INDETERMINATE (no trusted CSCA, missing or unlisted data).  Active
 * Authentication (AA) is PASSED, FAILED, NOT_SUPPORTED (no DG15) or
 * NOT_ATTEMPTED; so is Chip Authentication (CA, DG14).  A document is
 * *genuine* only when PA passed, neither AA nor CA failed, and AA passed
 * with a DG15 confirmed by the SOD or CA passed with a DG14 confirmed by the
 * SOD (sign_pa_genuine_chip()): a chip proof with a key the SOD does not
 * confirm proves nothing about the chip.  CA's proof is the live session
 * (the chip answering under keys agreed with its DG14 key); nothing recorded
 * can show it again, so a dump verified offline has CA NOT_ATTEMPTED.
 *
 * Choices (ICAO 9303-10/-11/-12 leave them to the inspection system):
 *  - DG hashes are computed over the bytes exactly as given (as read from the
 *    chip), compared in constant time.  A DG listed in the SOD but not read
 *    (DG3 behind EAC) is reported as not checked and does not change the
 *    verdict; a DG read but not listed in the SOD makes PA INDETERMINATE, so
 *    unauthenticated data is never reported under a PASSED verdict.
 *  - Validity: Document Signer keys are used for months, the documents they
 *    sign live for years, and issuers let DS certificates expire before the
 *    documents.  An expired (or not yet valid) DS or CSCA certificate is a
 *    warning (SIGN_PA_R_EXPIRED / _NOT_YET_VALID), not a failure, unless
 *    SIGN_PA_STRICT_VALIDITY is asked for.
 *  - The DS certificate's countryName must equal the document's issuing state
 *    (ICAO alpha-3 from DG1, mapped to alpha-2) and its CSCA's countryName;
 *    a mismatch is FAILED.
 *  - Path: DS -> CSCA in the store (issuer name, key identifiers, a CA whose
 *    key verifies the DS), possibly through link certificates given with the
 *    document (sign_pa_doc_add_cert) or in the SOD.  Everything in the store
 *    is a trust anchor, including link certificates put there.  A CSCA whose
 *    key identifier matches but whose signature fails makes PA FAILED; no
 *    matching CSCA makes it INDETERMINATE.
 *  - Compatibility: the RSA modulus of the BSI TR-03105 2008 DG15 is encoded
 *    as a negative INTEGER and is read as unsigned (flagged); a SignerInfo
 *    whose sid names the issuer with the RDNs in another order than the
 *    certificate (a real Malaysian SOD) still finds its certificate.
 *
 * THREAD SAFETY: objects are not internally locked.  A sign_csca_store may be
 * shared read-only by several threads once it is filled (sign_pa_verify()
 * takes it const); a sign_pa_doc, sign_sod, sign_dg14, sign_dg15 or
 * sign_pa_result must not be used from two threads at once.
 */
#ifndef LIBSIGN_PA_H
#define LIBSIGN_PA_H

#include <stddef.h>
#include <time.h>
#include "libsign/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* CSCA trust store                                                          */
/* ------------------------------------------------------------------------ */

typedef struct sign_csca_store sign_csca_store;

/* An empty store. */
int sign_csca_store_new(sign_csca_store **out);
/* Release a store (NULL-safe). */
void sign_csca_store_free(sign_csca_store *store);

/* Trust certificates given as bytes: one DER certificate, or PEM holding one
 * or more.  Duplicates are stored once.  SIGN_ERR_MALFORMED if nothing
 * parses. */
int sign_csca_store_add_cert(sign_csca_store *store, const unsigned char *data, size_t len);
/* The same from a file (PEM or DER; .pem .crt .cer .der).  A file that
 * holds no certificate: SIGN_ERR_MALFORMED, "PATH is not a certificate
 * (WHAT IT HOLDS)", what it holds in words ("it holds a PEM PRIVATE KEY,
 * and no PEM CERTIFICATE", "the file is empty", "it is text, neither PEM
 * nor DER", ...). */
int sign_csca_store_add_file(sign_csca_store *store, const char *path);
/* Every *.pem, *.crt, *.cer and *.der file in a directory (not recursive;
 * other names are ignored).  A certificate file that does not parse fails
 * the call with that message for the file (DIR/NAME), leaving the store
 * unchanged. */
int sign_csca_store_add_dir(sign_csca_store *store, const char *path);

/*
 * An ICAO CSCA master list (CMS SignedData, eContentType
 * id-icao-cscaMasterList 2.23.136.1.1.2, CscaMasterList { version, certList }).
 * The list's signature is verified first; only then are its certificates
 * trusted.  `anchor` (DER or PEM, one or more certificates) is what the caller
 * trusts to sign master lists: the master-list signer certificate itself, or
 * the CSCA that issued it.  On any failure (bad signature, signer not
 * certified by an anchor, malformed list) nothing from the list is added:
 * SIGN_ERR_VERIFY (tampered list), SIGN_ERR_UNTRUSTED (signer not from an
 * anchor), SIGN_ERR_MALFORMED.  The signer certificate's validity period is
 * not checked (the caller chose the list and its anchor); the anchor, when it
 * is not the signer itself, must be a CA whose key verifies the signer.
 */
int sign_csca_store_add_masterlist(sign_csca_store *store, const unsigned char *ml,
    size_t ml_len, const unsigned char *anchor, size_t anchor_len) SIGN_WARN_UNUSED;
/* The same with files (the kyso option --ml-signer-anchor CERT).  An anchor
 * that holds no certificate: "ANCHOR is not a certificate (WHAT IT HOLDS)";
 * a list that does not parse as one: "ML is not an ICAO master list (WHAT
 * IT HOLDS)" (both SIGN_ERR_MALFORMED); other failures "ML: REASON". */
int sign_csca_store_add_masterlist_file(sign_csca_store *store, const char *ml_path,
    const char *anchor_path) SIGN_WARN_UNUSED;

/* The default CSCA directory: $KYSO_CSCA_DIR when set and not empty, else
 * SIGN_DATADIR "/csca".  Never NULL. */
const char *sign_csca_store_default_dir(void);
/* Add the default directory's certificates; a missing directory is not an
 * error (the store stays as it was). */
int sign_csca_store_add_default(sign_csca_store *store);

/* Number of certificates trusted. */
size_t sign_csca_store_count(const sign_csca_store *store);

/* ------------------------------------------------------------------------ */
/* EF.SOD, the Document Security Object                                      */
/* ------------------------------------------------------------------------ */

typedef struct sign_sod sign_sod;

/* Parse EF.SOD (tag 77 around a CMS SignedData over an LDSSecurityObject).
 * BER indefinite lengths are accepted; trailing data is not. */
int sign_sod_parse(sign_sod **out, const unsigned char *data, size_t len);
void sign_sod_free(sign_sod *sod);

/* The DG hash algorithm, e.g. "SHA-256". */
const char *sign_sod_digest_name(const sign_sod *sod);
/* The SignerInfo's signature algorithm, e.g. "ecdsa-with-SHA256", "RSASSA-PSS". */
const char *sign_sod_signature_name(const sign_sod *sod);
/* LDS version of the LDSSecurityObject (0 = V0, 1 = V1 with ldsVersionInfo). */
int sign_sod_version(const sign_sod *sod);

/* The DG hashes, in SOD order.  Borrowed, valid while the sod lives. */
size_t sign_sod_dg_count(const sign_sod *sod);
int sign_sod_dg_at(const sign_sod *sod, size_t i, int *dg, const unsigned char **hash,
    size_t *hash_len);

/* The Document Signer certificate embedded in the SignedData (DER, borrowed).
 * SIGN_ERR_NOT_FOUND when the SOD carries none. */
int sign_sod_signer_cert(const sign_sod *sod, const unsigned char **der, size_t *len);

/*
 * Verify the SignerInfo: the signed attributes' message digest over the
 * eContent, and the signature (RSA PKCS#1 v1.5, RSA-PSS, ECDSA on named or
 * explicit curves) with the DS certificate `dsc` (DER), or the embedded one
 * when dsc is NULL.  0 only when valid; SIGN_ERR_VERIFY, SIGN_ERR_HASH_MISMATCH
 * (message digest), SIGN_ERR_UNSUPPORTED, SIGN_ERR_NOT_FOUND (no certificate).
 */
int sign_sod_verify_signer(const sign_sod *sod, const unsigned char *dsc,
    size_t dsc_len) SIGN_WARN_UNUSED;

/* ------------------------------------------------------------------------ */
/* DG15 (Active Authentication public key) and DG14 (SecurityInfos)          */
/* ------------------------------------------------------------------------ */

typedef struct sign_dg15 sign_dg15;

/* Compatibility flags of a parsed DG15. */
#define SIGN_DG15_QUIRK_NEGATIVE_MODULUS 0x1u /* RSA modulus encoded as a negative
                                               * INTEGER (BSI TR-03105 2008 data),
                                               * read as unsigned */

/* Parse DG15 (tag 6F around a SubjectPublicKeyInfo: RSA, or EC with a named
 * or explicit curve). */
int sign_dg15_parse(sign_dg15 **out, const unsigned char *data, size_t len);
void sign_dg15_free(sign_dg15 *dg15);
/* "RSA" or "EC". */
const char *sign_dg15_key_type(const sign_dg15 *dg15);
/* Key size in bits (RSA modulus, EC field order). */
int sign_dg15_key_bits(const sign_dg15 *dg15);
unsigned int sign_dg15_quirks(const sign_dg15 *dg15);

typedef struct sign_dg14 sign_dg14;

/* Kinds of SecurityInfo (ICAO 9303-11 §9.2, BSI TR-03110). */
typedef enum {
	SIGN_SECINFO_UNKNOWN = 0,   /* kept with its OID */
	SIGN_SECINFO_CA = 1,        /* ChipAuthenticationInfo */
	SIGN_SECINFO_CA_PUBKEY = 2, /* ChipAuthenticationPublicKeyInfo (DH or ECDH) */
	SIGN_SECINFO_AA = 3,        /* ActiveAuthenticationInfo */
	SIGN_SECINFO_PACE = 4,      /* PACEInfo */
	SIGN_SECINFO_PACE_DOMAIN = 5, /* PACEDomainParameterInfo */
	SIGN_SECINFO_TA = 6         /* TerminalAuthenticationInfo */
} sign_secinfo_kind;

/* Parse DG14 (tag 6E around a SET OF SecurityInfo). */
int sign_dg14_parse(sign_dg14 **out, const unsigned char *data, size_t len);
void sign_dg14_free(sign_dg14 *dg14);
size_t sign_dg14_count(const sign_dg14 *dg14);
sign_secinfo_kind sign_dg14_kind(const sign_dg14 *dg14, size_t i);
/* The protocol OID, dotted ("0.4.0.127.0.7.2.2.3.2.4"); borrowed. */
const char *sign_dg14_oid(const sign_dg14 *dg14, size_t i);
/* A readable name for the protocol ("id-CA-ECDH-AES-CBC-CMAC-128"), or the
 * dotted OID when unknown; borrowed. */
const char *sign_dg14_name(const sign_dg14 *dg14, size_t i);
/* The version field (-1 when the kind has none). */
long sign_dg14_version(const sign_dg14 *dg14, size_t i);
/* The keyId / parameterId (-1 when absent). */
long sign_dg14_key_id(const sign_dg14 *dg14, size_t i);
/* A CA public key's SubjectPublicKeyInfo (DER, borrowed);
 * SIGN_ERR_NOT_FOUND if entry i is not SIGN_SECINFO_CA_PUBKEY. */
int sign_dg14_ca_pubkey(const sign_dg14 *dg14, size_t i, const unsigned char **spki,
    size_t *len);
/* The ECDSA AA signature algorithm named by ActiveAuthenticationInfo, e.g.
 * "ecdsa-plain-SHA256"; SIGN_ERR_NOT_FOUND when DG14 has none. */
int sign_dg14_aa_algorithm(const sign_dg14 *dg14, const char **name);

/* ------------------------------------------------------------------------ */
/* Active Authentication                                                     */
/* ------------------------------------------------------------------------ */

/*
 * Verify an INTERNAL AUTHENTICATE response `sig` to `challenge` (8 bytes,
 * fresh and random) with the DG15 key.
 *  - RSA: ISO/IEC 9796-2 digital signature scheme 1 (full or partial message
 *    recovery); the trailer names the hash: BC = SHA-1, 38CC SHA-224,
 *    34CC SHA-256, 36CC SHA-384, 35CC SHA-512.  Checks H(M1 || challenge).
 *  - EC: ECDSA, plain r||s (BSI TR-03111), over the challenge, with the hash
 *    named by DG14's ActiveAuthenticationInfo.  ICAO 9303-11 requires that
 *    info for ECDSA AA; when it is absent the hash is chosen by the size of
 *    the curve order: <= 160 bits SHA-1, <= 224 SHA-224, <= 256 SHA-256,
 *    <= 384 SHA-384, else SHA-512.
 * dg14 may be NULL.  0 only when valid; SIGN_ERR_VERIFY when invalid
 * (including a DER-encoded ECDSA signature), SIGN_ERR_UNSUPPORTED,
 * SIGN_ERR_INVALID_ARG.
 */
int sign_aa_verify(const sign_dg15 *dg15, const sign_dg14 *dg14,
    const unsigned char *challenge, size_t challenge_len,
    const unsigned char *sig, size_t sig_len) SIGN_WARN_UNUSED;

/* ------------------------------------------------------------------------ */
/* Passive authentication of a document                                      */
/* ------------------------------------------------------------------------ */

typedef enum {
	SIGN_PA_PASSED = 0,
	SIGN_PA_FAILED = 1,
	SIGN_PA_INDETERMINATE = 2
} sign_pa_verdict;

typedef enum {
	SIGN_AA_NOT_ATTEMPTED = 0,
	SIGN_AA_PASSED = 1,
	SIGN_AA_FAILED = 2,
	SIGN_AA_NOT_SUPPORTED = 3   /* the document has no DG15 */
} sign_aa_verdict;

/* Chip Authentication (ICAO 9303-11 §6.2): run by sign_card_read() and
 * handed over with sign_pa_doc_set_chipauth(); NOT_SUPPORTED when the
 * document has no DG14 or DG14 offers no Chip Authentication. */
typedef enum {
	SIGN_CHIPAUTH_NOT_ATTEMPTED = 0,
	SIGN_CHIPAUTH_PASSED = 1,
	SIGN_CHIPAUTH_FAILED = 2,
	SIGN_CHIPAUTH_NOT_SUPPORTED = 3
} sign_chipauth_verdict;

/* What PA found for one data group. */
typedef enum {
	SIGN_DG_ABSENT = 0,     /* neither read nor listed in the SOD */
	SIGN_DG_MATCH = 1,      /* read, and its hash equals the SOD's */
	SIGN_DG_MISMATCH = 2,   /* read, hash differs: the data was modified */
	SIGN_DG_NOT_READ = 3,   /* listed in the SOD, not read (e.g. DG3 behind EAC) */
	SIGN_DG_NOT_IN_SOD = 4  /* read, but the SOD has no hash for it */
} sign_dg_status;

/* Why PA is not PASSED, and warnings (bit mask). */
#define SIGN_PA_R_NO_SOD            0x0001u /* no EF.SOD: INDETERMINATE */
#define SIGN_PA_R_SOD_MALFORMED     0x0002u /* EF.SOD does not parse: INDETERMINATE */
#define SIGN_PA_R_NO_SIGNER         0x0004u /* no DS certificate: INDETERMINATE */
#define SIGN_PA_R_BAD_SIGNATURE     0x0008u /* SOD signature invalid: FAILED */
#define SIGN_PA_R_DG_MISMATCH       0x0010u /* a DG hash differs: FAILED */
#define SIGN_PA_R_DG_NOT_IN_SOD     0x0020u /* a DG read has no hash: INDETERMINATE */
#define SIGN_PA_R_DG_NOT_READ       0x0040u /* note: listed DGs not checked */
#define SIGN_PA_R_UNTRUSTED         0x0080u /* no CSCA for the DS: INDETERMINATE */
#define SIGN_PA_R_BAD_CHAIN         0x0100u /* a CSCA's signature on the DS fails: FAILED */
#define SIGN_PA_R_COUNTRY_MISMATCH  0x0200u /* DS country != issuing state: FAILED */
#define SIGN_PA_R_COUNTRY_UNCHECKED 0x0400u /* note: issuing state unknown */
#define SIGN_PA_R_EXPIRED           0x0800u /* warning: DS or CSCA expired */
#define SIGN_PA_R_NOT_YET_VALID     0x1000u /* warning: DS or CSCA not yet valid */
#define SIGN_PA_R_UNSUPPORTED       0x2000u /* an algorithm is not supported: INDETERMINATE */

/*
 * The genuine rule, the one place it is decided: true (1) only when passive
 * authentication PASSED, DG15 (the AA key) is confirmed by the SOD
 * (SIGN_DG_MATCH) and Active Authentication PASSED.
 */
int sign_pa_genuine(sign_pa_verdict passive, sign_dg_status dg15, sign_aa_verdict active);
/*
 * The genuine rule with Chip Authentication: true (1) only when passive
 * authentication PASSED, neither AA nor CA FAILED, and either AA PASSED with
 * DG15 confirmed by the SOD or CA PASSED with DG14 confirmed by the SOD
 * (both SIGN_DG_MATCH).  sign_pa_result_genuine() applies it.
 */
int sign_pa_genuine_chip(sign_pa_verdict passive, sign_dg_status dg15, sign_aa_verdict active,
    sign_dg_status dg14, sign_chipauth_verdict chipauth);

/* A document to verify: the files as read from the chip. */
typedef struct sign_pa_doc sign_pa_doc;

int sign_pa_doc_new(sign_pa_doc **out);
void sign_pa_doc_free(sign_pa_doc *doc);
/* EF.SOD bytes as read (copied). */
int sign_pa_doc_set_sod(sign_pa_doc *doc, const unsigned char *data, size_t len);
/* Data group dg (1..16) exactly as read from the chip (copied; hashed as given). */
int sign_pa_doc_set_dg(sign_pa_doc *doc, int dg, const unsigned char *data, size_t len);
/* The issuing state, ICAO alpha-3 ("VNM", "D", "GBR") or ISO alpha-2 ("VN").
 * When not set it is taken from DG1's MRZ, when DG1 is given. */
int sign_pa_doc_set_issuing_state(sign_pa_doc *doc, const char *state);
/* An extra untrusted certificate (DER) for path building: the DS certificate
 * when the SOD carries none, or a CSCA link certificate. */
int sign_pa_doc_add_cert(sign_pa_doc *doc, const unsigned char *der, size_t len);
/* An Active Authentication exchange to verify with the document's DG15. */
int sign_pa_doc_set_aa(sign_pa_doc *doc, const unsigned char *challenge, size_t challenge_len,
    const unsigned char *response, size_t response_len);
/*
 * The outcome of Chip Authentication as the caller ran it live with the chip
 * (sign_card_doc_to_pa() sets it from sign_card_read()), and a line on why
 * (may be NULL).  It cannot be re-checked from the files: sign_pa_verify()
 * takes it as given, reports it, and counts it for genuineness only when DG14
 * is confirmed by the SOD.  Without this call CA is NOT_ATTEMPTED (or
 * NOT_SUPPORTED when the document has no DG14).
 */
int sign_pa_doc_set_chipauth(sign_pa_doc *doc, sign_chipauth_verdict verdict,
    const char *message);

/*
 * The files of a dump directory (`kyso card read --dump DIR`), exactly these
 * names, each holding the file's bytes exactly as read from the chip; absent
 * files are simply not read.  EF.COM is not covered by the SOD and PA does
 * not use it.  Chip Authentication leaves no file: its proof is the live
 * session, which no file can replay.
 */
#define SIGN_PA_DUMP_COM          "EF.COM"
#define SIGN_PA_DUMP_SOD          "EF.SOD"
#define SIGN_PA_DUMP_DG_FORMAT    "DG%d.bin"          /* DG1.bin ... DG16.bin */
#define SIGN_PA_DUMP_AA_CHALLENGE "AA-challenge.bin"  /* both or neither */
#define SIGN_PA_DUMP_AA_RESPONSE  "AA-response.bin"
/* The status word (2 bytes, big-endian) the chip answered INTERNAL
 * AUTHENTICATE with when it gave no signature (a refusal, or 6700 / 6Cxx: an
 * answer the link cannot carry); never with the two files above. */
#define SIGN_PA_DUMP_AA_STATUS    "AA-status.bin"

/* The bytes a document holds, borrowed (valid while doc lives and the
 * item is not set again): EF.SOD, data group dg (1..16), the AA exchange.
 * SIGN_ERR_NOT_FOUND when not given.  For showing exactly what is verified
 * (e.g. a dump's files, read once). */
int sign_pa_doc_sod(const sign_pa_doc *doc, const unsigned char **data, size_t *len);
int sign_pa_doc_dg(const sign_pa_doc *doc, int dg, const unsigned char **data, size_t *len);
int sign_pa_doc_aa(const sign_pa_doc *doc, const unsigned char **challenge,
    size_t *challenge_len, const unsigned char **response, size_t *response_len);

/* Load a dump directory into a new document.  SIGN_ERR_NOT_FOUND when the
 * directory or its EF.SOD is missing. */
int sign_pa_doc_load_dir(sign_pa_doc **out, const char *dir);

/* Options of sign_pa_verify(). */
#define SIGN_PA_STRICT_VALIDITY  0x1u /* an expired or not-yet-valid DS/CSCA makes PA
                                       * INDETERMINATE instead of a warning */
#define SIGN_PA_NO_COUNTRY_CHECK 0x2u /* skip the DS country / issuing state check */

typedef struct sign_pa_options {
	unsigned int version;   /* SIGN_PA_OPTIONS_VERSION */
	unsigned int flags;     /* SIGN_PA_* above */
	time_t at;              /* validity checked at this time; 0 = now */
} sign_pa_options;

#define SIGN_PA_OPTIONS_VERSION 1
#define SIGN_PA_OPTIONS_INIT { SIGN_PA_OPTIONS_VERSION, 0, 0 }

typedef struct sign_pa_result sign_pa_result;

/*
 * Verify a document: PA against the store (which may be empty: the verdict is
 * then INDETERMINATE at best), and AA when the document holds an exchange.
 * opts may be NULL (defaults).
 * *out receives the detailed result whenever a verdict was reached, including
 * failed and indeterminate ones.  Returns 0 only when PA PASSED and neither
 * AA nor CA (with DG14 confirmed by the SOD) failed (genuineness is
 * sign_pa_result_genuine()); otherwise
 * SIGN_ERR_HASH_MISMATCH (PA FAILED only because a DG was modified),
 * SIGN_ERR_VERIFY (PA FAILED otherwise, or AA or CA FAILED), SIGN_ERR_UNTRUSTED (PA
 * INDETERMINATE), SIGN_ERR_MALFORMED / SIGN_ERR_UNSUPPORTED (EF.SOD does not
 * parse / uses an unsupported algorithm; PA INDETERMINATE), SIGN_ERR_NOT_FOUND
 * (no EF.SOD).  *out is NULL only on SIGN_ERR_NOMEM / SIGN_ERR_INVALID_ARG.
 * The last-error message gives the reasons.
 */
int sign_pa_verify(sign_pa_result **out, const sign_pa_doc *doc,
    const sign_csca_store *store, const sign_pa_options *opts) SIGN_WARN_UNUSED;

/* Offline re-verification: sign_pa_doc_load_dir() then sign_pa_verify(). */
int sign_pa_verify_dir(sign_pa_result **out, const char *dir, const sign_csca_store *store,
    const sign_pa_options *opts) SIGN_WARN_UNUSED;

void sign_pa_result_free(sign_pa_result *res);
sign_pa_verdict sign_pa_result_passive(const sign_pa_result *res);
/* SIGN_PA_R_* bits. */
unsigned int sign_pa_result_reasons(const sign_pa_result *res);
/* One line on the passive verdict ("DG2 hash does not match the SOD"). */
const char *sign_pa_result_message(const sign_pa_result *res);
sign_dg_status sign_pa_result_dg(const sign_pa_result *res, int dg);
sign_aa_verdict sign_pa_result_active(const sign_pa_result *res);
/* One line on AA ("RSA ISO 9796-2, SHA-256: valid"). */
const char *sign_pa_result_active_message(const sign_pa_result *res);
sign_chipauth_verdict sign_pa_result_chipauth(const sign_pa_result *res);
/* One line on CA ("the chip answered under the keys agreed with its DG14
 * key", "needs the live chip: not attempted offline"...). */
const char *sign_pa_result_chipauth_message(const sign_pa_result *res);
/* sign_pa_genuine_chip() of this result. */
int sign_pa_result_genuine(const sign_pa_result *res);
/* The DS subject (RFC 2253), the trusted CSCA subject that anchors it (NULL
 * when none), the DS country (alpha-2) and the document's issuing state as
 * given (NULL when unknown); borrowed. */
const char *sign_pa_result_signer(const sign_pa_result *res);
const char *sign_pa_result_csca(const sign_pa_result *res);
const char *sign_pa_result_signer_country(const sign_pa_result *res);
const char *sign_pa_result_issuing_state(const sign_pa_result *res);
/* DG hash and SOD signature algorithm names; borrowed, NULL when unknown. */
const char *sign_pa_result_digest_name(const sign_pa_result *res);
const char *sign_pa_result_signature_name(const sign_pa_result *res);
/* The DS certificate used (DER, borrowed); SIGN_ERR_NOT_FOUND when none. */
int sign_pa_result_signer_cert(const sign_pa_result *res, const unsigned char **der,
    size_t *len);

/* ICAO 9303 issuing state (alpha-3, "D", "GBD"...) or ISO 3166 alpha-2 to
 * alpha-2 ("VNM" -> "VN", "D" -> "DE", "GBR" -> "GB"); MRZ filler '<' is
 * ignored.  SIGN_ERR_NOT_FOUND for codes not in the table. */
int sign_pa_country_alpha2(const char *state, char out[3]);

#ifdef __cplusplus
}
#endif

#endif /* LIBSIGN_PA_H */
