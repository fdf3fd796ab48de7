/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Hospital check-in records: what a reception desk saw when a patient
 * checked in - the chip ID card as read and verified (with the evidence to
 * re-check it later: EF.SOD, DG15 and the Active Authentication exchange),
 * the BHYT lookup sent to the VSS gateway and the gateway's answer byte for
 * byte - as one JSON document in a canonical form, signed by the facility
 * with a CAdES detached signature (RECORD.json + RECORD.json.p7s).
 *
 * The format is docs/checkin-record.md (schema 1).  Canonical form: the
 * bytes jansson's json_dumps(JSON_SORT_KEYS | JSON_COMPACT) gives - keys
 * sorted by their UTF-8 bytes, no white space, UTF-8 not escaped - with
 * nothing before or after; a record in any other form is refused as
 * malformed, so that exactly one byte string stands for a record's content.
 *
 * Making a record: sign_checkin_new() with the desk's context, then the card
 * (sign_checkin_set_card, sign_checkin_add_file for each file as read), then
 * the lookup (sign_checkin_set_lookup with the gateway's result, or
 * sign_checkin_set_lookup_error when there was none; neither for a refused
 * card), any desk warnings, and sign_checkin_write() with the facility's
 * signer: the signature is made over the canonical bytes and both files are
 * written into a directory atomically.
 *
 * Verifying: sign_checkin_verify_file() checks the facility signature
 * (cades.h) and, independently, the record's own evidence: EF.SOD's
 * signature and its Document Signer's chain to a CSCA, the recorded data
 * group hashes and the embedded DG14 and DG15 against the SOD, the Active
 * Authentication answer against DG15 and the challenge, the recorded Chip
 * Authentication verdict against the embedded DG14 (CA itself cannot be
 * re-checked: its proof was the live session, so the verdict is taken as
 * recorded, under the facility's signature), the gateway answer
 * against its SHA-256 and the result recorded from it, the lookup request
 * against the card's holder and the staff, and the outcome against all that.
 *
 * THREAD SAFETY: a sign_checkin or a report must not be used from two
 * threads at once; separate objects are independent.  Writing signs with the
 * caller's signer (see signer.h: one thread at a time).
 */
#ifndef LIBSIGN_CHECKIN_H
#define LIBSIGN_CHECKIN_H

#include <stddef.h>
#include <time.h>
#include "libsign/common.h"
#include "libsign/signer.h"
#include "libsign/cades.h"
#include "libsign/pa.h"
#include "libsign/insurance.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The schema number this library writes and reads. */
#define SIGN_CHECKIN_SCHEMA 1

/* Bounds: a record file, and its signature file. */
#define SIGN_CHECKIN_MAX_RECORD (16u * 1024 * 1024)
#define SIGN_CHECKIN_MAX_SIGNATURE (1024u * 1024)

typedef struct sign_checkin sign_checkin;

/* How the check-in ended ("outcome" in the record). */
typedef enum {
	SIGN_CHECKIN_REFUSED = 0,       /* the card was not accepted: no lookup */
	SIGN_CHECKIN_COVERED = 1,       /* the gateway answered: covered (000-004) */
	SIGN_CHECKIN_NOT_COVERED = 2,   /* the gateway answered: not covered */
	SIGN_CHECKIN_GATEWAY_ERROR = 3, /* the gateway answered a server/data error code */
	SIGN_CHECKIN_LOOKUP_FAILED = 4  /* no answer: network, HTTP, authentication... */
} sign_checkin_outcome;

/* "refused", "covered", "not_covered", "gateway_error", "lookup_failed". */
const char *sign_checkin_outcome_str(sign_checkin_outcome o);

/* The desk: who, where and when.  Strings are copied. */
typedef struct sign_checkin_context {
	unsigned int version;       /* SIGN_CHECKIN_CONTEXT_VERSION */
	time_t time;                /* the check-in time; 0: now.  Written in
	                               Vietnam time, "2026-03-15T09:30:00+07:00" */
	const char *facility_code;  /* required: the facility's code (maCSKCB), 1-16
	                               letters or digits */
	const char *facility_name;  /* or NULL */
	const char *staff_name;     /* required: the staff member at the desk */
	const char *staff_id;       /* required: their 12-digit citizen ID */
	const char *reader;         /* the PC/SC reader, or NULL */
	const char *software;       /* e.g. "kyso 0.1.0", or NULL */
} sign_checkin_context;

#define SIGN_CHECKIN_CONTEXT_VERSION 1
#define SIGN_CHECKIN_CONTEXT_INIT { SIGN_CHECKIN_CONTEXT_VERSION, 0, NULL, NULL, NULL, NULL, \
	NULL, NULL }

/* A new record.  SIGN_ERR_INVALID_ARG for a missing or malformed field. */
int sign_checkin_new(sign_checkin **out, const sign_checkin_context *ctx) SIGN_WARN_UNUSED;

/* Release (NULL-safe). */
void sign_checkin_free(sign_checkin *rec);

/* The card as read and verified.  Strings and bytes are copied. */
typedef struct sign_checkin_card {
	unsigned int version;       /* SIGN_CHECKIN_CARD_VERSION */
	const char *document_number; /* from DG1, or NULL when unreadable */
	const char *issuing_state;  /* "VNM", or NULL */
	const char *id_number;      /* holder, from DG13 (NULL when unreadable) */
	const char *full_name;
	const char *date_of_birth;  /* dd/mm/yyyy as on the card */
	sign_pa_verdict passive;    /* the verdicts of the read (pa.h) */
	sign_aa_verdict active;     /* including a chip's refusal as FAILED */
	sign_dg_status dg15;        /* DG15 against the SOD */
	const char *reason;         /* one line on why the card is not genuine, or NULL */
	const unsigned char *aa_challenge; /* the AA exchange, or NULL */
	size_t aa_challenge_len;
	const unsigned char *aa_response;
	size_t aa_response_len;
	const unsigned char *photo; /* the face image (in DG2), or NULL: only its
	                               SHA-256, size and format are recorded */
	size_t photo_len;
	const char *photo_format;   /* "jpeg", "jpeg2000", "unknown" */
	/* version 2: Chip Authentication as run live with the chip (card.h:
	 * sign_card_doc_chipauth(), pa.h: sign_pa_result_chipauth()), and DG14
	 * against the SOD */
	sign_chipauth_verdict chipauth;
	sign_dg_status dg14;
} sign_checkin_card;

/* Version 1 (without chipauth, dg14) is still accepted: CA is then taken as
 * not attempted and the record is written as before, without
 * "chip_authentication" and "dg14" in "card.verification". */
#define SIGN_CHECKIN_CARD_VERSION 2
#define SIGN_CHECKIN_CARD_INIT { SIGN_CHECKIN_CARD_VERSION, NULL, NULL, NULL, NULL, NULL, \
	SIGN_PA_INDETERMINATE, SIGN_AA_NOT_ATTEMPTED, SIGN_DG_ABSENT, NULL, NULL, 0, NULL, 0, \
	NULL, 0, NULL, SIGN_CHIPAUTH_NOT_ATTEMPTED, SIGN_DG_ABSENT }

/* Set the card.  The record's identity is "verified" exactly when
 * sign_pa_genuine_chip(passive, dg15, active, dg14, chipauth) (version 1:
 * CA not attempted, i.e. sign_pa_genuine(passive, dg15, active)).
 * SIGN_ERR_INVALID_ARG for an unknown version or verdict. */
int sign_checkin_set_card(sign_checkin *rec, const sign_checkin_card *card) SIGN_WARN_UNUSED;

/*
 * A file as read from the chip (fid: SIGN_LDS_FID_COM, SIGN_LDS_FID_SOD or
 * SIGN_LDS_FID_DG(n)): its size and SHA-256 are recorded (and, when the SOD
 * hashes with another algorithm, its hash in that algorithm); EF.SOD, DG14
 * and DG15 are embedded whole (base64).  Other data groups are not embedded:
 * they hold personal data the record does not need.  Add EF.SOD first.
 */
int sign_checkin_add_file(sign_checkin *rec, unsigned int fid, const unsigned char *data,
    size_t len) SIGN_WARN_UNUSED;

/* The lookup and the gateway's answer: the request as sent (never the
 * password), the answer's bytes, its SHA-256, and the result read from it.
 * gateway and username name the account. */
int sign_checkin_set_lookup(sign_checkin *rec, const char *gateway, const char *username,
    const sign_insurance_result *res) SIGN_WARN_UNUSED;

/* A lookup that got no result: the request and why (err: the library's
 * error code, message: its one-line message). */
int sign_checkin_set_lookup_error(sign_checkin *rec, const char *gateway, const char *username,
    const sign_insurance_request *req, int err, const char *message) SIGN_WARN_UNUSED;

/* A note for the desk ("expires_soon", "the card ends on ..."). */
int sign_checkin_add_warning(sign_checkin *rec, const char *id, const char *message)
    SIGN_WARN_UNUSED;

/* The outcome so far (REFUSED until a lookup is set). */
sign_checkin_outcome sign_checkin_get_outcome(const sign_checkin *rec);

/* The canonical bytes of the record (UTF-8 JSON, no trailing newline). */
int sign_checkin_to_json(sign_buf *out, const sign_checkin *rec) SIGN_WARN_UNUSED;

/*
 * Sign the record with signer (CAdES-B-B detached, sign_cades_sign_mem) and
 * write DIR/NAME.json and DIR/NAME.json.p7s, NAME being
 * "YYYYMMDD-HHMMSS-" (Vietnam time) and the first 12 hex digits of the
 * SHA-256 of "kyso-checkin:" and the document number, with "-2", "-3"...
 * added when taken: nothing is ever overwritten.  The signature is written
 * first, then the record, each through a temporary file, and linked into
 * place in that order; on any failure both are removed.  dir must exist.
 * path_out (may be NULL) receives the record's path (text, NUL-terminated;
 * len excludes the NUL).
 */
int sign_checkin_write(sign_buf *path_out, const sign_checkin *rec, sign_signer *signer,
    const char *dir) SIGN_WARN_UNUSED;

/*
 * The same with a signature time-stamp from the RFC 3161 server at tsa_url
 * (CAdES-T, as sign_cades_sign_opts.tsa_url; NULL: none), so that the record
 * still verifies after the facility's certificate has expired.  A
 * time-stamp that cannot be had fails the write (SIGN_ERR_NETWORK,
 * SIGN_ERR_SERVER_RESPONSE): nothing is written.
 */
int sign_checkin_write_stamped(sign_buf *path_out, const sign_checkin *rec,
    sign_signer *signer, const char *dir, const char *tsa_url) SIGN_WARN_UNUSED;

/* How a record is signed (sign_checkin_write_with). */
typedef struct sign_checkin_write_opts {
	unsigned int version;       /* SIGN_CHECKIN_WRITE_OPTS_VERSION */
	const char *tsa_url;        /* as sign_checkin_write_stamped(); NULL: none */
	const char *tsa_cacert;     /* the CA bundle of an https:// tsa_url, as
	                             * sign_cades_sign_opts.tsa_cacert; NULL: the
	                             * system's store */
} sign_checkin_write_opts;

#define SIGN_CHECKIN_WRITE_OPTS_VERSION 1
#define SIGN_CHECKIN_WRITE_OPTS_INIT { SIGN_CHECKIN_WRITE_OPTS_VERSION, NULL, NULL }

/*
 * sign_checkin_write_stamped() with options (opts NULL: none, as
 * sign_checkin_write()).  The time-stamp options are checked as
 * sign_cades_check_sign_opts() does, before the record is signed.
 */
int sign_checkin_write_with(sign_buf *path_out, const sign_checkin *rec,
    sign_signer *signer, const char *dir, const sign_checkin_write_opts *opts)
    SIGN_WARN_UNUSED;

/*
 * Photos written to a file the user names (kyso reception --photo FILE, kyso
 * card read --photo FILE) go through a temporary file beside it,
 * "FILE.tmpXXXXXX" (mkstemp), renamed into place; only a writer killed
 * outright (SIGKILL, a crash, power loss) leaves one.  The next writer
 * removes those beside path: names of exactly that shape (path's last
 * component, ".tmp", six letters or digits), regular files (never a link,
 * nor what it points to) owned by this user, last modified more than 10
 * minutes ago - as the record directory's own temporary files are removed.
 * *removed (may be NULL) counts them.  SIGN_ERR_INVALID_ARG when path names
 * no file; SIGN_ERR_IO when its directory cannot be listed.
 */
int sign_checkin_remove_photo_leftovers(const char *path, unsigned int *removed)
    SIGN_WARN_UNUSED;

/*
 * Parse a record: valid UTF-8 JSON in canonical form, schema 1, every
 * member of the right type.  SIGN_ERR_MALFORMED with the reason otherwise
 * (SIGN_ERR_UNSUPPORTED for another schema number).
 */
int sign_checkin_parse(sign_checkin **out, const unsigned char *data, size_t len)
    SIGN_WARN_UNUSED;

/*
 * A member by its dotted path ("time", "outcome", "card.holder.full_name",
 * "lookup.result.code"): strings as they are, booleans as "true"/"false";
 * NULL when absent, null or of another type.  Borrowed, valid while rec
 * lives.
 */
const char *sign_checkin_get(const sign_checkin *rec, const char *path);

/* ---- verification -------------------------------------------------------- */

/* The checks, in report order. */
typedef enum {
	SIGN_CHECKIN_CHECK_SIGNATURE = 0, /* the facility's CAdES signature and chain */
	SIGN_CHECKIN_CHECK_PASSIVE = 1,   /* SOD signature, DS -> CSCA, recorded DG
	                                     hashes and DG15 against the SOD */
	SIGN_CHECKIN_CHECK_ACTIVE = 2,    /* the AA answer against DG15 and the challenge */
	SIGN_CHECKIN_CHECK_GENUINE = 3,   /* "genuine" and "identity" follow from the above
	                                     and Chip Authentication as recorded (consistent
	                                     with the embedded DG14 and the SOD) */
	SIGN_CHECKIN_CHECK_ANSWER = 4,    /* the gateway answer against its SHA-256 */
	SIGN_CHECKIN_CHECK_RESULT = 5,    /* the result recorded = the one the answer gives */
	SIGN_CHECKIN_CHECK_REQUEST = 6,   /* the request names the card's holder and the staff */
	SIGN_CHECKIN_CHECK_OUTCOME = 7    /* the outcome follows from the card and the lookup */
} sign_checkin_check;

#define SIGN_CHECKIN_CHECK_COUNT 8

/* "facility_signature", "passive_authentication", "active_authentication",
 * "genuine", "answer_hash", "result", "request", "outcome". */
const char *sign_checkin_check_str(sign_checkin_check c);

typedef struct sign_checkin_verify_opts {
	unsigned int version;           /* SIGN_CHECKIN_VERIFY_OPTS_VERSION */
	const sign_trust *trust;        /* anchors for the facility's chain (NULL: none) */
	const sign_csca_store *csca;    /* CSCAs for the card's SOD (NULL: none) */
	time_t validation_time;         /* 0: now (the facility signature) */
	/* version 2: OCSP for the facility's certificate path, as
	 * sign_cades_verify_opts has it (SIGN_CADES_VERIFY_OCSP, ocsp_url) */
	unsigned int flags;
	const char *ocsp_url;
} sign_checkin_verify_opts;

/* Version 1 (without flags, ocsp_url) is still accepted. */
#define SIGN_CHECKIN_VERIFY_OPTS_VERSION 2
#define SIGN_CHECKIN_VERIFY_OPTS_INIT \
	{ SIGN_CHECKIN_VERIFY_OPTS_VERSION, NULL, NULL, 0, 0, NULL }

typedef struct sign_checkin_report sign_checkin_report;

/*
 * Verify a record and its detached signature.  Each check is PASSED,
 * FAILED (the record says something its evidence contradicts, or its
 * signature is invalid), INDETERMINATE (could not decide: no trusted chain
 * for the facility, no CSCA for the card) or SKIPPED (nothing to check, e.g.
 * no lookup in a refused card's record).  Returns 0 only when no check
 * FAILED or was INDETERMINATE; SIGN_ERR_VERIFY when one FAILED, else
 * SIGN_ERR_UNTRUSTED; *out then holds the report.  With *out NULL:
 * SIGN_ERR_MALFORMED (a record not in canonical form or not of the schema,
 * a signature that is not CMS), SIGN_ERR_UNSUPPORTED (another schema),
 * SIGN_ERR_NOT_FOUND (record or signature file missing), SIGN_ERR_TOO_LARGE.
 * sig_path NULL means record_path + ".p7s".
 */
int sign_checkin_verify_file(sign_checkin_report **out, const char *record_path,
    const char *sig_path, const sign_checkin_verify_opts *opts) SIGN_WARN_UNUSED;

/* The same in memory. */
int sign_checkin_verify_mem(sign_checkin_report **out, const unsigned char *record,
    size_t record_len, const unsigned char *sig, size_t sig_len,
    const sign_checkin_verify_opts *opts) SIGN_WARN_UNUSED;

void sign_checkin_report_free(sign_checkin_report *rep);

/* The verdict: TOTAL-FAILED when a check failed, INDETERMINATE when one
 * could not decide, else TOTAL-PASSED. */
sign_cades_indication sign_checkin_report_indication(const sign_checkin_report *rep);

/* Check c: its status and a one-line English detail (borrowed). */
int sign_checkin_report_check(const sign_checkin_report *rep, sign_checkin_check c,
    sign_cades_status *status, const char **detail);

/* The record (parsed) and the facility signature's report; borrowed, valid
 * while rep lives. */
const sign_checkin *sign_checkin_report_record(const sign_checkin_report *rep);
const sign_cades_report *sign_checkin_report_signature(const sign_checkin_report *rep);

/*
 * Chip Authentication in a verified record, beside the checks (it has no
 * check of its own: it cannot be re-checked from a record, and the
 * "genuine" check says when its claim is rejected).  Any pointer may be NULL.
 *   *verdict     as recorded; SIGN_CHIPAUTH_NOT_ATTEMPTED for a record made
 *                before Chip Authentication was recorded (*recorded 0)
 *   *recorded    1 when the record has "card.verification.chip_authentication"
 *   *dg14        the embedded DG14 against the embedded EF.SOD, re-checked
 *                here: SIGN_DG_MATCH when the SOD confirms it; SIGN_DG_ABSENT
 *                when neither holds one; SIGN_DG_NOT_READ when the SOD lists
 *                a DG14 the record does not hold; SIGN_DG_NOT_IN_SOD when the
 *                SOD lists none or cannot be read; SIGN_DG_MISMATCH also when the
 *                record's evidence does not decode or the embedded DG14 is not
 *                the one recorded as read
 *   *consistent  1 when the recorded verdict agrees with that evidence, 0 when
 *                the claim is rejected ("passed" without a DG14 the SOD
 *                confirms, "failed" without a DG14, "not_supported" beside a
 *                DG14 that offers it: the genuine check then FAILED)
 * SIGN_ERR_INVALID_ARG when rep is NULL.
 */
int sign_checkin_report_chipauth(const sign_checkin_report *rep,
    sign_chipauth_verdict *verdict, int *recorded, sign_dg_status *dg14, int *consistent);

#ifdef __cplusplus
}
#endif

#endif /* LIBSIGN_CHECKIN_H */
