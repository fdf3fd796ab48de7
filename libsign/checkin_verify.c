/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Check-in records: the schema check of a parsed record, and verification
 * (the facility signature and the record's own evidence). */
#include "checkin_priv.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "libsign/mrtd.h"
#include "chipauth.h"
#include "insurance_priv.h"

/* ---- schema -------------------------------------------------------------- */

enum { T_STR = 1, T_NULL = 2, T_BOOL = 4, T_INT = 8, T_OBJ = 16, T_ARR = 32 };

static const struct member {
	const char *path;
	unsigned int types;
} members[] = {
	{ "schema", T_INT }, { "type", T_STR }, { "time", T_STR },
	{ "software", T_STR | T_NULL }, { "reader", T_STR | T_NULL },
	{ "outcome", T_STR }, { "identity", T_STR }, { "warnings", T_ARR },
	{ "facility", T_OBJ }, { "facility.code", T_STR }, { "facility.name", T_STR | T_NULL },
	{ "staff", T_OBJ }, { "staff.name", T_STR }, { "staff.id", T_STR },
	{ "card", T_OBJ },
	{ "card.document", T_OBJ }, { "card.document.number", T_STR | T_NULL },
	{ "card.document.issuing_state", T_STR | T_NULL },
	{ "card.holder", T_OBJ }, { "card.holder.id_number", T_STR | T_NULL },
	{ "card.holder.full_name", T_STR | T_NULL },
	{ "card.holder.date_of_birth", T_STR | T_NULL },
	{ "card.verification", T_OBJ }, { "card.verification.passive", T_STR },
	{ "card.verification.active", T_STR }, { "card.verification.dg15", T_STR },
	{ "card.verification.genuine", T_BOOL },
	{ "card.verification.reason", T_STR | T_NULL },
	{ "card.files", T_OBJ }, { "card.sod_digest", T_STR | T_NULL },
	{ "card.sod", T_STR | T_NULL }, { "card.dg14", T_STR | T_NULL },
	{ "card.dg15", T_STR | T_NULL },
	{ "card.aa", T_OBJ | T_NULL }, { "card.aa.challenge", T_STR },
	{ "card.aa.response", T_STR },
	{ "card.photo", T_OBJ | T_NULL }, { "card.photo.format", T_STR },
	{ "card.photo.size", T_INT }, { "card.photo.sha256", T_STR },
	{ "lookup", T_OBJ | T_NULL }, { "lookup.gateway", T_STR }, { "lookup.username", T_STR },
	{ "lookup.request", T_OBJ }, { "lookup.request.maThe", T_STR },
	{ "lookup.request.hoTen", T_STR }, { "lookup.request.ngaySinh", T_STR },
	{ "lookup.request.hoTenCb", T_STR }, { "lookup.request.cccdCb", T_STR },
	{ "lookup.answer", T_OBJ | T_NULL }, { "lookup.answer.http_status", T_INT },
	{ "lookup.answer.size", T_INT }, { "lookup.answer.sha256", T_STR },
	{ "lookup.answer.encoding", T_STR }, { "lookup.answer.data", T_STR },
	{ "lookup.result", T_OBJ | T_NULL }, { "lookup.result.code", T_STR },
	{ "lookup.result.class", T_STR }, { "lookup.result.card_code", T_STR | T_NULL },
	{ "lookup.result.valid_from", T_STR | T_NULL },
	{ "lookup.result.valid_to", T_STR | T_NULL },
	{ "lookup.result.registered_facility", T_STR | T_NULL },
	{ "lookup.error", T_OBJ | T_NULL }, { "lookup.error.code", T_STR },
	{ "lookup.error.message", T_STR | T_NULL },
};

static unsigned int
type_of(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_STRING: return T_STR;
	case JSON_NULL: return T_NULL;
	case JSON_TRUE: case JSON_FALSE: return T_BOOL;
	case JSON_INTEGER: return T_INT;
	case JSON_OBJECT: return T_OBJ;
	case JSON_ARRAY: return T_ARR;
	default: return 0;
	}
}

static int
one_of(const char *s, const char *const *set)
{
	for (; s != NULL && *set != NULL; set++)
		if (strcmp(s, *set) == 0)
			return 1;
	return 0;
}

static int
is_hex(const char *s, size_t n)
{
	size_t i;

	if (s == NULL || strlen(s) != n)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

static int
bad(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int
bad(const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return sign_error__set(SIGN_ERR_MALFORMED, 0, "the record does not follow schema 1: %s",
	    msg);
}

static const char *
str_at(const json_t *root, const char *path)
{
	return json_string_value(sign_checkin__at(root, path));
}

/* A base64 member (may be null). */
static int
b64_ok(const json_t *root, const char *path)
{
	const json_t *v = sign_checkin__at(root, path);
	sign_buf b = SIGN_BUF_INIT;
	int rc;

	if (!json_is_string(v))
		return 0;
	rc = sign_checkin__b64_decode(&b, json_string_value(v), json_string_length(v));
	sign_buf_dispose(&b);
	if (rc != 0)
		return bad("%s: %s", path, sign_error_message());
	return 0;
}

/* 1 when v or anything inside it is a real number (not in canonical form). */
static int
has_real(const json_t *v, int depth)
{
	const char *k;
	json_t *e;
	size_t i;

	if (depth > 64)
		return 1;
	if (json_is_real(v))
		return 1;
	if (json_is_object(v)) {
		json_object_foreach((json_t *)v, k, e)
			if (has_real(e, depth + 1))
				return 1;
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, e)
			if (has_real(e, depth + 1))
				return 1;
	}
	return 0;
}

int
sign_checkin__validate(const json_t *root)
{
	static const char *const outcomes[] = { "refused", "covered", "not_covered",
	    "gateway_error", "lookup_failed", NULL };
	static const char *const identities[] = { "verified", "unverified", NULL };
	static const char *const passive[] = { "passed", "failed", "indeterminate", NULL };
	static const char *const active[] = { "passed", "failed", "not_supported",
	    "not_attempted", NULL };
	static const char *const dg[] = { "match", "mismatch", "not_read", "not_in_sod",
	    "absent", NULL };
	static const char *const classes[] = { "covered", "not_covered", "gateway_error",
	    "auth_error", NULL };
	static const char *const encodings[] = { "utf-8", "base64", NULL };
	const json_t *files, *v, *w, *lookup;
	const char *key, *t;
	time_t when;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(members) / sizeof(members[0]); i++) {
		const char *dot = strrchr(members[i].path, '.');

		if (dot != NULL) {
			char parent[64];

			snprintf(parent, sizeof(parent), "%.*s", (int)(dot - members[i].path),
			    members[i].path);
			if (!json_is_object(sign_checkin__at(root, parent)))
				continue;   /* the parent is null: nothing below it */
		}
		v = sign_checkin__at(root, members[i].path);
		if (v == NULL)
			return bad("\"%s\" is missing", members[i].path);
		if ((type_of(v) & members[i].types) == 0)
			return bad("\"%s\" is of the wrong type", members[i].path);
	}
	if (strcmp(str_at(root, "type"), "kyso-checkin") != 0)
		return bad("\"type\" is not \"kyso-checkin\"");
	if (has_real(root, 0))
		return bad("numbers are integers (a fraction or exponent is not canonical), "
		    "nested at most 64 deep");
	if (sign_checkin__parse_time(str_at(root, "time"), &when) != 0)
		return bad("%s", sign_error_message());
	if (!one_of(str_at(root, "outcome"), outcomes) ||
	    !one_of(str_at(root, "identity"), identities) ||
	    !one_of(str_at(root, "card.verification.passive"), passive) ||
	    !one_of(str_at(root, "card.verification.active"), active) ||
	    !one_of(str_at(root, "card.verification.dg15"), dg))
		return bad("an outcome, identity or verdict that schema 1 does not name");
	t = str_at(root, "staff.id");
	if (strlen(t) != 12 || strspn(t, "0123456789") != 12)
		return bad("\"staff.id\" is not 12 digits");
	files = sign_checkin__at(root, "card.files");
	json_object_foreach((json_t *)files, key, v) {
		if (sign_checkin__file_fid(key) == 0)
			return bad("card.files.%s: not COM, SOD or DG1..DG16", key);
		if (!json_is_object(v) || !json_is_integer(json_object_get(v, "size")) ||
		    json_integer_value(json_object_get(v, "size")) < 0 ||
		    !is_hex(json_string_value(json_object_get(v, "sha256")), 64))
			return bad("card.files.%s needs \"size\" and a 64-digit \"sha256\"", key);
		w = json_object_get(v, "sod_hash");
		if (w != NULL && !is_hex(json_string_value(w), json_string_length(w)))
			return bad("card.files.%s.sod_hash is not hex", key);
	}
	if ((rc = b64_ok(root, "card.sod")) != 0 || (rc = b64_ok(root, "card.dg14")) != 0 ||
	    (rc = b64_ok(root, "card.dg15")) != 0 || (rc = b64_ok(root, "card.aa.challenge")) != 0 ||
	    (rc = b64_ok(root, "card.aa.response")) != 0)
		return rc;
	if (json_is_object(sign_checkin__at(root, "card.photo")) &&
	    !is_hex(str_at(root, "card.photo.sha256"), 64))
		return bad("card.photo.sha256 is not 64 hex digits");
	lookup = sign_checkin__at(root, "lookup");
	if (json_is_object(lookup)) {
		int answer = json_is_object(json_object_get(lookup, "answer"));
		int result = json_is_object(json_object_get(lookup, "result"));
		int error = json_is_object(json_object_get(lookup, "error"));

		if (answer != result || answer == error)
			return bad("a lookup has an answer and a result, or an error");
		if (answer) {
			if (!one_of(str_at(root, "lookup.answer.encoding"), encodings) ||
			    !is_hex(str_at(root, "lookup.answer.sha256"), 64) ||
			    !one_of(str_at(root, "lookup.result.class"), classes))
				return bad("lookup.answer needs an encoding (utf-8, base64) and a "
				    "64-digit sha256, lookup.result a known class");
			if (strcmp(str_at(root, "lookup.answer.encoding"), "base64") == 0 &&
			    (rc = b64_ok(root, "lookup.answer.data")) != 0)
				return rc;
		}
	}
	t = NULL;
	json_array_foreach(sign_checkin__at(root, "warnings"), i, v) {
		if (!json_is_string(json_object_get(v, "id")) ||
		    !json_is_string(json_object_get(v, "message")))
			t = "each warning is {\"id\", \"message\"}";
	}
	if (t != NULL)
		return bad("%s", t);
	/* added within schema 1 (Chip Authentication): both or neither; a record
	 * without them is one made before, CA not attempted */
	v = sign_checkin__at(root, "card.verification.chip_authentication");
	w = sign_checkin__at(root, "card.verification.dg14");
	if ((v == NULL) != (w == NULL))
		return bad("\"card.verification.chip_authentication\" and "
		    "\"card.verification.dg14\" go together");
	if (v != NULL && (!one_of(json_string_value(v), active) ||
	    !one_of(json_string_value(w), dg)))
		return bad("a Chip Authentication verdict or DG14 status that schema 1 does not "
		    "name");
	return 0;
}

int
sign_checkin__answer_bytes(sign_buf *out, const json_t *answer)
{
	const json_t *d = json_object_get(answer, "data");
	const char *enc = json_string_value(json_object_get(answer, "encoding"));

	if (!json_is_string(d) || enc == NULL)
		return sign_error__set(SIGN_ERR_MALFORMED, 0, "the recorded answer has no data");
	if (strcmp(enc, "base64") == 0)
		return sign_checkin__b64_decode(out, json_string_value(d), json_string_length(d));
	return sign_buf__set(out, json_string_value(d), json_string_length(d));
}

/* ---- the report ---------------------------------------------------------- */

struct check {
	sign_cades_status status;
	char detail[600];
};

struct sign_checkin_report {
	sign_checkin *rec;
	sign_cades_report *sig;
	struct check checks[SIGN_CHECKIN_CHECK_COUNT];
	/* Chip Authentication (sign_checkin_report_chipauth) */
	sign_chipauth_verdict ca;
	int ca_recorded, ca_consistent;
	sign_dg_status ca_dg14;
};

static const char *const check_names[SIGN_CHECKIN_CHECK_COUNT] = {
	"facility_signature", "passive_authentication", "active_authentication", "genuine",
	"answer_hash", "result", "request", "outcome"
};

const char *
sign_checkin_check_str(sign_checkin_check c)
{
	return (unsigned int)c < SIGN_CHECKIN_CHECK_COUNT ? check_names[c] : "unknown";
}

/* A detail cut at its buffer's end may end inside a UTF-8 character (names
 * are Vietnamese): drop that partial character, so that the detail stays
 * valid UTF-8 (kyso checkin verify --json could not carry it otherwise). */
void
sign_checkin__utf8_trim(char *s)
{
	size_t n = strlen(s), i = n, need;
	unsigned char c;

	while (i > 0 && n - i < 4 && ((unsigned char)s[i - 1] & 0xc0) == 0x80)
		i--;
	if (i == 0)
		return;
	c = (unsigned char)s[i - 1];
	if (c < 0x80)
		return;
	need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
	if (n - (i - 1) < need)
		s[i - 1] = '\0';
}

static void
set(sign_checkin_report *rep, sign_checkin_check c, sign_cades_status st, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
set(sign_checkin_report *rep, sign_checkin_check c, sign_cades_status st, const char *fmt, ...)
{
	va_list ap;

	rep->checks[c].status = st;
	va_start(ap, fmt);
	vsnprintf(rep->checks[c].detail, sizeof(rep->checks[c].detail), fmt, ap);
	va_end(ap);
	sign_checkin__utf8_trim(rep->checks[c].detail);
}

void
sign_checkin_report_free(sign_checkin_report *rep)
{
	if (rep == NULL)
		return;
	sign_checkin_free(rep->rec);
	sign_cades_report_free(rep->sig);
	free(rep);
}

sign_cades_indication
sign_checkin_report_indication(const sign_checkin_report *rep)
{
	sign_cades_indication ind = SIGN_CADES_TOTAL_PASSED;
	size_t i;

	if (rep == NULL)
		return SIGN_CADES_TOTAL_FAILED;
	for (i = 0; i < SIGN_CHECKIN_CHECK_COUNT; i++) {
		if (rep->checks[i].status == SIGN_CADES_STATUS_FAILED)
			return SIGN_CADES_TOTAL_FAILED;
		if (rep->checks[i].status == SIGN_CADES_STATUS_INDETERMINATE)
			ind = SIGN_CADES_INDETERMINATE;
	}
	return ind;
}

int
sign_checkin_report_check(const sign_checkin_report *rep, sign_checkin_check c,
    sign_cades_status *status, const char **detail)
{
	if (rep == NULL || (unsigned int)c >= SIGN_CHECKIN_CHECK_COUNT)
		return sign_error__set(SIGN_ERR_NOT_FOUND, 0, "no such check");
	if (status != NULL)
		*status = rep->checks[c].status;
	if (detail != NULL)
		*detail = rep->checks[c].detail;
	return 0;
}

const sign_checkin *
sign_checkin_report_record(const sign_checkin_report *rep)
{
	return rep != NULL ? rep->rec : NULL;
}

const sign_cades_report *
sign_checkin_report_signature(const sign_checkin_report *rep)
{
	return rep != NULL ? rep->sig : NULL;
}

int
sign_checkin_report_chipauth(const sign_checkin_report *rep, sign_chipauth_verdict *verdict,
    int *recorded, sign_dg_status *dg14, int *consistent)
{
	if (rep == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0,
		    "sign_checkin_report_chipauth: no report");
	if (verdict != NULL)
		*verdict = rep->ca;
	if (recorded != NULL)
		*recorded = rep->ca_recorded;
	if (dg14 != NULL)
		*dg14 = rep->ca_dg14;
	if (consistent != NULL)
		*consistent = rep->ca_consistent;
	return 0;
}

/* ---- the facility signature ---------------------------------------------- */

static void
check_signature(sign_checkin_report *rep)
{
	const sign_cades_signature *s = sign_cades_report_get(rep->sig, 0);
	sign_cades_indication ind = sign_cades_report_indication(rep->sig);
	const char *sub = sign_cades_subindication_str(sign_cades_report_subindication(rep->sig));
	const char *who = s != NULL ? sign_cades_signature_signer(s) : "";

	if (sign_cades_report_count(rep->sig) != 1)
		set(rep, SIGN_CHECKIN_CHECK_SIGNATURE, SIGN_CADES_STATUS_FAILED,
		    "the signature file holds %zu signatures; a record has exactly one",
		    sign_cades_report_count(rep->sig));
	else if (ind == SIGN_CADES_TOTAL_PASSED)
		set(rep, SIGN_CHECKIN_CHECK_SIGNATURE, SIGN_CADES_STATUS_PASSED,
		    "signed by %s (serial %s), chain trusted", *who ? who : "?",
		    sign_cades_signature_serial(s));
	else
		set(rep, SIGN_CHECKIN_CHECK_SIGNATURE, ind == SIGN_CADES_INDETERMINATE ?
		    SIGN_CADES_STATUS_INDETERMINATE : SIGN_CADES_STATUS_FAILED,
		    "%s/%s: %s", sign_cades_indication_str(ind), sub,
		    ind == SIGN_CADES_INDETERMINATE ? "the facility's certificate does not chain "
		    "to a trusted anchor (or is not valid now); give its root with --trust" :
		    "the record or its signature was changed after signing");
}

/* ---- the card ------------------------------------------------------------ */

static sign_pa_verdict
passive_of(const char *s)
{
	return strcmp(s, "passed") == 0 ? SIGN_PA_PASSED : strcmp(s, "failed") == 0 ?
	    SIGN_PA_FAILED : SIGN_PA_INDETERMINATE;
}

static sign_aa_verdict
active_of(const char *s)
{
	return strcmp(s, "passed") == 0 ? SIGN_AA_PASSED : strcmp(s, "failed") == 0 ?
	    SIGN_AA_FAILED : strcmp(s, "not_supported") == 0 ? SIGN_AA_NOT_SUPPORTED :
	    SIGN_AA_NOT_ATTEMPTED;
}

static const char *
pv_name(sign_pa_verdict v)
{
	return v == SIGN_PA_PASSED ? "passed" : v == SIGN_PA_FAILED ? "failed" : "indeterminate";
}

static const char *
av_name(sign_aa_verdict v)
{
	return v == SIGN_AA_PASSED ? "passed" : v == SIGN_AA_FAILED ? "failed" :
	    v == SIGN_AA_NOT_SUPPORTED ? "not_supported" : "not_attempted";
}

static sign_chipauth_verdict
chipauth_of(const char *s)
{
	/* absent (a record made before CA was recorded): not attempted */
	if (s == NULL)
		return SIGN_CHIPAUTH_NOT_ATTEMPTED;
	return strcmp(s, "passed") == 0 ? SIGN_CHIPAUTH_PASSED : strcmp(s, "failed") == 0 ?
	    SIGN_CHIPAUTH_FAILED : strcmp(s, "not_supported") == 0 ?
	    SIGN_CHIPAUTH_NOT_SUPPORTED : SIGN_CHIPAUTH_NOT_ATTEMPTED;
}

static const char *
cv_name(sign_chipauth_verdict v)
{
	return v == SIGN_CHIPAUTH_PASSED ? "passed" : v == SIGN_CHIPAUTH_FAILED ? "failed" :
	    v == SIGN_CHIPAUTH_NOT_SUPPORTED ? "not_supported" : "not_attempted";
}

static const char *
ds_name(sign_dg_status s)
{
	return s == SIGN_DG_MATCH ? "match" : s == SIGN_DG_MISMATCH ? "mismatch" :
	    s == SIGN_DG_NOT_READ ? "not_read" : s == SIGN_DG_NOT_IN_SOD ? "not_in_sod" :
	    "absent";
}

/* The evidence of a record's card, decoded. */
struct evidence {
	sign_buf sod, dg14, dg15, chal, resp;
	int has_sod, has_dg14, has_dg15, has_aa;
};

static void
evidence_free(struct evidence *e)
{
	sign_buf_dispose(&e->sod);
	sign_buf_dispose(&e->dg14);
	sign_buf_dispose(&e->dg15);
	sign_buf_dispose(&e->chal);
	sign_buf_dispose(&e->resp);
}

static int
decode(const json_t *root, const char *path, sign_buf *out, int *has)
{
	const json_t *v = sign_checkin__at(root, path);

	*has = 0;
	if (!json_is_string(v))
		return 0;
	*has = 1;
	return sign_checkin__b64_decode(out, json_string_value(v), json_string_length(v));
}

/* An embedded file must be the one recorded as read (size and SHA-256). */
static int
embedded_matches(const json_t *root, const char *key, const sign_buf *b, char *why,
    size_t cap)
{
	const json_t *f = json_object_get(sign_checkin__at(root, "card.files"), key);
	char h[65];

	if (f == NULL) {
		snprintf(why, cap, "the record embeds %s but does not list it as read", key);
		return 0;
	}
	if (sign_checkin__sha256_hex(h, b->data, b->len) != 0 ||
	    json_integer_value(json_object_get(f, "size")) != (json_int_t)b->len ||
	    strcmp(h, json_string_value(json_object_get(f, "sha256"))) != 0) {
		snprintf(why, cap, "the embedded %s is not the %s recorded as read (its size or "
		    "SHA-256 differs)", key, key);
		return 0;
	}
	return 1;
}

/*
 * The recorded data group hashes against the SOD: *mismatch names the first
 * data group whose hash differs, *unlisted the first one the SOD does not
 * list.  0, or an error when the SOD does not parse.
 */
static int
compare_dg_hashes(const json_t *root, const sign_sod *sod, int *mismatch, int *unlisted)
{
	const json_t *files = sign_checkin__at(root, "card.files"), *f;
	const char *alg = sign_sod_digest_name(sod), *key, *want;
	char got[129];
	size_t i, n, hl;
	int dg, found;

	*mismatch = *unlisted = 0;
	json_object_foreach((json_t *)files, key, f) {
		unsigned int fid = sign_checkin__file_fid(key);
		const unsigned char *hash;

		if (fid < SIGN_LDS_FID_DG(1) || fid > SIGN_LDS_FID_DG(16))
			continue;
		want = alg != NULL && strcmp(alg, "SHA-256") == 0 ?
		    json_string_value(json_object_get(f, "sha256")) :
		    json_string_value(json_object_get(f, "sod_hash"));
		found = 0;
		n = sign_sod_dg_count(sod);
		for (i = 0; i < n; i++) {
			if (sign_sod_dg_at(sod, i, &dg, &hash, &hl) != 0 ||
			    (unsigned int)dg != fid - SIGN_LDS_FID_DG(0))
				continue;
			found = 1;
			if (hl > 64) {
				got[0] = '\0';
			} else {
				sign__hex(got, hash, hl);
			}
			if (want == NULL || strcmp(want, got) != 0) {
				if (*mismatch == 0)
					*mismatch = dg;
			}
		}
		if (!found && *unlisted == 0)
			*unlisted = (int)(fid - SIGN_LDS_FID_DG(0));
	}
	return 0;
}

/* What the evidence says about the card, to compare with what the record
 * says. */
struct derived {
	sign_pa_verdict passive;
	sign_aa_verdict active;
	sign_dg_status dg15, dg14;
	char passive_why[300], active_why[300];
};

static int
derive(const json_t *root, const struct evidence *e, const sign_checkin_verify_opts *opts,
    struct derived *d)
{
	sign_pa_options po = SIGN_PA_OPTIONS_INIT;
	sign_csca_store *empty = NULL;
	const sign_csca_store *store = opts->csca;
	sign_pa_result *pr = NULL;
	sign_pa_doc *doc = NULL;
	sign_sod *sod = NULL;
	const char *state = str_at(root, "card.document.issuing_state");
	int rc, mismatch = 0, unlisted = 0;
	time_t when = 0;

	d->passive = SIGN_PA_INDETERMINATE;
	d->active = e->has_dg15 ? SIGN_AA_NOT_ATTEMPTED : SIGN_AA_NOT_SUPPORTED;
	d->dg15 = e->has_dg15 ? SIGN_DG_NOT_IN_SOD : SIGN_DG_ABSENT;
	d->dg14 = e->has_dg14 ? SIGN_DG_NOT_IN_SOD : SIGN_DG_ABSENT;
	snprintf(d->active_why, sizeof(d->active_why), "%s", e->has_dg15 ?
	    "no exchange recorded" : "no DG15 recorded");
	if (!e->has_sod) {
		snprintf(d->passive_why, sizeof(d->passive_why), "the record holds no EF.SOD");
		return 0;
	}
	if (store == NULL) {
		if ((rc = sign_csca_store_new(&empty)) != 0)
			return rc;
		store = empty;
	}
	if (sign_checkin__parse_time(str_at(root, "time"), &when) == 0)
		po.at = when;
	if ((rc = sign_pa_doc_new(&doc)) != 0 ||
	    (rc = sign_pa_doc_set_sod(doc, e->sod.data, e->sod.len)) != 0 ||
	    (e->has_dg15 && (rc = sign_pa_doc_set_dg(doc, 15, e->dg15.data, e->dg15.len)) != 0) ||
	    (e->has_dg14 && (rc = sign_pa_doc_set_dg(doc, 14, e->dg14.data, e->dg14.len)) != 0) ||
	    (state != NULL && (rc = sign_pa_doc_set_issuing_state(doc, state)) != 0) ||
	    (e->has_aa && e->has_dg15 && (rc = sign_pa_doc_set_aa(doc, e->chal.data, e->chal.len,
	    e->resp.data, e->resp.len)) != 0))
		goto out;
	rc = sign_pa_verify(&pr, doc, store, &po);
	if (pr == NULL)
		goto out;
	rc = 0;
	d->passive = sign_pa_result_passive(pr);
	d->dg15 = sign_pa_result_dg(pr, 15);
	d->dg14 = sign_pa_result_dg(pr, 14);
	snprintf(d->passive_why, sizeof(d->passive_why), "%s",
	    sign_pa_result_message(pr) != NULL ? sign_pa_result_message(pr) : "");
	if (e->has_aa && e->has_dg15) {
		d->active = sign_pa_result_active(pr);
		snprintf(d->active_why, sizeof(d->active_why), "%s",
		    sign_pa_result_active_message(pr) != NULL ?
		    sign_pa_result_active_message(pr) : "");
	}
	if (sign_sod_parse(&sod, e->sod.data, e->sod.len) == 0) {
		compare_dg_hashes(root, sod, &mismatch, &unlisted);
		if (mismatch != 0) {
			d->passive = SIGN_PA_FAILED;
			snprintf(d->passive_why, sizeof(d->passive_why), "the recorded hash of DG%d "
			    "differs from the one in EF.SOD: that data group was not the one the "
			    "issuing state signed", mismatch);
		} else if (unlisted != 0 && d->passive == SIGN_PA_PASSED) {
			d->passive = SIGN_PA_INDETERMINATE;
			snprintf(d->passive_why, sizeof(d->passive_why), "DG%d was read but EF.SOD "
			    "has no hash for it", unlisted);
		}
	}
	sign_error_clear();
out:
	sign_sod_free(sod);
	sign_pa_result_free(pr);
	sign_pa_doc_free(doc);
	sign_csca_store_free(empty);
	return rc;
}

/* 1 when DG14 offers a Chip Authentication this library runs - a protocol
 * it implements with a usable key, as the desk chooses it (card_read.c) -
 * naming it in name[64]; else 0 (the desk then records not_supported). */
static int
dg14_offers_ca(const sign_buf *dg14, char name[64])
{
	sign_dg14 *d = NULL;
	sign_ca__ctx *ctx = NULL;
	sign_ca__params p;
	int offered = 0;

	name[0] = '\0';
	if (sign_dg14_parse(&d, dg14->data, dg14->len) == 0 && sign_ca__select(d, &p) == 0 &&
	    sign_ca__new(&ctx, &p) == 0) {
		offered = 1;
		snprintf(name, 64, "%s", p.name);
	}
	sign_ca__free(ctx);
	sign_dg14_free(d);
	sign_error_clear();
	return offered;
}

/*
 * Chip Authentication cannot be re-checked from a record: its proof was the
 * live session (pa.h).  The verdict is taken as recorded, under the
 * facility's signature, but must agree with the evidence: "passed" needs a
 * DG14 the embedded SOD confirms (or a record that does not claim it does:
 * CA then counts for nothing, genuine being re-derived); CA runs with DG14's
 * key, so "failed" needs a DG14; "not_supported" goes with no DG14, or one
 * offering no CA this library runs.  On a contradiction why is set.
 */
static void
chipauth_consistent(const json_t *root, const struct evidence *e, const struct derived *d,
    sign_chipauth_verdict rca, char *why, size_t cap)
{
	const char *rd14 = str_at(root, "card.verification.dg14");
	char name[64];

	why[0] = '\0';
	if (rca == SIGN_CHIPAUTH_PASSED && d->dg14 != SIGN_DG_MATCH &&
	    (!e->has_dg14 || rd14 == NULL || strcmp(rd14, "match") == 0))
		snprintf(why, cap, "Chip Authentication: recorded passed, but the record holds no "
		    "DG14 confirmed by the SOD (DG14 %s%s%s)", e->has_dg14 ? "" : "absent",
		    e->has_dg14 ? "re-checked " : "", e->has_dg14 ? ds_name(d->dg14) : "");
	else if (rca == SIGN_CHIPAUTH_FAILED && !e->has_dg14)
		snprintf(why, cap, "Chip Authentication: recorded failed, but the record holds no "
		    "DG14 (CA runs with its key)");
	else if (rca == SIGN_CHIPAUTH_NOT_SUPPORTED && e->has_dg14 &&
	    json_object_get(sign_checkin__at(root, "card.files"), "COM") != NULL &&
	    dg14_offers_ca(&e->dg14, name))
		snprintf(why, cap, "Chip Authentication: recorded not_supported, but the record's "
		    "DG14 offers it (%s)", name);
}

static void
check_card(sign_checkin_report *rep, const sign_checkin_verify_opts *opts)
{
	const json_t *root = rep->rec->root;
	struct evidence e;
	struct derived d;
	sign_pa_verdict rp = passive_of(str_at(root, "card.verification.passive"));
	sign_aa_verdict ra = active_of(str_at(root, "card.verification.active"));
	const char *rcs = str_at(root, "card.verification.chip_authentication");
	sign_chipauth_verdict rca = chipauth_of(rcs);
	int rg = json_is_true(sign_checkin__at(root, "card.verification.genuine")), has_resp;
	int identity_ok = (strcmp(str_at(root, "identity"), "verified") == 0) == rg;
	char why[300] = "", ca_why[300] = "", ca_note[300] = "";

	memset(&e, 0, sizeof(e));
	memset(&d, 0, sizeof(d));
	/* until the evidence says otherwise: a claim it cannot bear out */
	rep->ca = rca;
	rep->ca_recorded = rcs != NULL;
	rep->ca_dg14 = SIGN_DG_ABSENT;
	rep->ca_consistent = rca == SIGN_CHIPAUTH_NOT_ATTEMPTED;
	if (decode(root, "card.sod", &e.sod, &e.has_sod) != 0 ||
	    decode(root, "card.dg14", &e.dg14, &e.has_dg14) != 0 ||
	    decode(root, "card.dg15", &e.dg15, &e.has_dg15) != 0 ||
	    decode(root, "card.aa.challenge", &e.chal, &e.has_aa) != 0 ||
	    decode(root, "card.aa.response", &e.resp, &has_resp) != 0) {
		snprintf(why, sizeof(why), "the record's evidence does not decode: %s",
		    sign_error_message());
		set(rep, SIGN_CHECKIN_CHECK_PASSIVE, SIGN_CADES_STATUS_FAILED, "%s", why);
		set(rep, SIGN_CHECKIN_CHECK_ACTIVE, SIGN_CADES_STATUS_FAILED, "%s", why);
		set(rep, SIGN_CHECKIN_CHECK_GENUINE, SIGN_CADES_STATUS_FAILED, "%s", why);
		rep->ca_dg14 = e.has_dg14 ? SIGN_DG_MISMATCH : SIGN_DG_ABSENT;
		goto out;
	}
	/* the embedded files must be those recorded as read */
	if ((e.has_sod && !embedded_matches(root, "SOD", &e.sod, why, sizeof(why))) ||
	    (e.has_dg14 && !embedded_matches(root, "DG14", &e.dg14, why, sizeof(why))) ||
	    (e.has_dg15 && !embedded_matches(root, "DG15", &e.dg15, why, sizeof(why)))) {
		set(rep, SIGN_CHECKIN_CHECK_PASSIVE, SIGN_CADES_STATUS_FAILED, "%s", why);
		set(rep, SIGN_CHECKIN_CHECK_ACTIVE, SIGN_CADES_STATUS_FAILED, "%s", why);
		set(rep, SIGN_CHECKIN_CHECK_GENUINE, SIGN_CADES_STATUS_FAILED, "%s", why);
		rep->ca_dg14 = e.has_dg14 ? SIGN_DG_MISMATCH : SIGN_DG_ABSENT;
		goto out;
	}
	if (derive(root, &e, opts, &d) != 0) {
		set(rep, SIGN_CHECKIN_CHECK_PASSIVE, SIGN_CADES_STATUS_INDETERMINATE,
		    "could not re-check: %s", sign_error_message());
		d.passive = SIGN_PA_INDETERMINATE;
	} else if (d.passive == rp) {
		set(rep, SIGN_CHECKIN_CHECK_PASSIVE, SIGN_CADES_STATUS_PASSED, "recorded %s, "
		    "re-checked %s: %s", pv_name(rp), pv_name(d.passive), d.passive_why);
	} else if (d.passive == SIGN_PA_INDETERMINATE) {
		set(rep, SIGN_CHECKIN_CHECK_PASSIVE, SIGN_CADES_STATUS_INDETERMINATE, "recorded %s, "
		    "cannot be re-checked here: %s (give the CSCA with --csca)", pv_name(rp),
		    d.passive_why);
	} else if (rp == SIGN_PA_INDETERMINATE) {
		set(rep, SIGN_CHECKIN_CHECK_PASSIVE, SIGN_CADES_STATUS_PASSED, "recorded "
		    "indeterminate; with the CSCAs given here it is %s: %s", pv_name(d.passive),
		    d.passive_why);
	} else {
		set(rep, SIGN_CHECKIN_CHECK_PASSIVE, SIGN_CADES_STATUS_FAILED, "recorded %s, but "
		    "the evidence says %s: %s", pv_name(rp), pv_name(d.passive), d.passive_why);
	}
	/* Active Authentication: a positive claim needs its evidence */
	if (e.has_aa && !e.has_dg15)
		set(rep, SIGN_CHECKIN_CHECK_ACTIVE, SIGN_CADES_STATUS_FAILED, "the record holds an "
		    "AA exchange but no DG15 to check it with");
	else if (ra == SIGN_AA_PASSED && !e.has_aa)
		set(rep, SIGN_CHECKIN_CHECK_ACTIVE, SIGN_CADES_STATUS_FAILED, "recorded passed, "
		    "but the record holds no AA exchange");
	else if (ra == SIGN_AA_NOT_SUPPORTED && e.has_dg15)
		set(rep, SIGN_CHECKIN_CHECK_ACTIVE, SIGN_CADES_STATUS_FAILED, "recorded "
		    "not_supported (no DG15), but the record holds a DG15");
	else if (!e.has_aa)
		set(rep, SIGN_CHECKIN_CHECK_ACTIVE, SIGN_CADES_STATUS_SKIPPED, "recorded %s; no "
		    "exchange to re-check", av_name(ra));
	else if (d.active == ra)
		set(rep, SIGN_CHECKIN_CHECK_ACTIVE, SIGN_CADES_STATUS_PASSED, "recorded %s, "
		    "re-checked %s: %s", av_name(ra), av_name(d.active), d.active_why);
	else if (d.active != SIGN_AA_PASSED && d.active != SIGN_AA_FAILED)
		set(rep, SIGN_CHECKIN_CHECK_ACTIVE, SIGN_CADES_STATUS_INDETERMINATE, "recorded %s, "
		    "cannot be re-checked: %s", av_name(ra), d.active_why);
	else
		set(rep, SIGN_CHECKIN_CHECK_ACTIVE, SIGN_CADES_STATUS_FAILED, "recorded %s, but the "
		    "chip's answer re-checks %s: %s", av_name(ra), av_name(d.active), d.active_why);
	/* genuine follows from the re-checked verdicts and CA as recorded (pa.h's
	 * rule); a record made before CA was recorded has it not attempted, which
	 * is the AA-only rule it was made with */
	{
		/* a chip's refusal of AA leaves no exchange: taken as recorded (it can
		 * only lower genuineness) */
		sign_aa_verdict ga = !e.has_aa && ra == SIGN_AA_FAILED ? SIGN_AA_FAILED : d.active;
		int g = sign_pa_genuine_chip(d.passive, d.dg15, ga, d.dg14, rca);
		int undecided = d.passive == SIGN_PA_INDETERMINATE ||
		    (d.active != SIGN_AA_PASSED && d.active != SIGN_AA_FAILED && e.has_aa);

		chipauth_consistent(root, &e, &d, rca, ca_why, sizeof(ca_why));
		rep->ca_dg14 = d.dg14;
		rep->ca_consistent = ca_why[0] == '\0';
		if (rcs != NULL)
			snprintf(ca_note, sizeof(ca_note), "; Chip Authentication %s, taken as "
			    "recorded (signed by the facility: its proof was the live session, which "
			    "no record can replay), DG14 %s", cv_name(rca), ds_name(d.dg14));
		if (!identity_ok)
			set(rep, SIGN_CHECKIN_CHECK_GENUINE, SIGN_CADES_STATUS_FAILED, "\"identity\" "
			    "says %s but \"genuine\" is %s", str_at(root, "identity"),
			    rg ? "true" : "false");
		else if (ca_why[0] != '\0')
			set(rep, SIGN_CHECKIN_CHECK_GENUINE, SIGN_CADES_STATUS_FAILED, "%s", ca_why);
		else if (rg == g)
			set(rep, SIGN_CHECKIN_CHECK_GENUINE, SIGN_CADES_STATUS_PASSED, "genuine = %s "
			    "(identity %s)%s", rg ? "true" : "false", str_at(root, "identity"),
			    ca_note);
		else if (undecided)
			set(rep, SIGN_CHECKIN_CHECK_GENUINE, rg ? SIGN_CADES_STATUS_INDETERMINATE :
			    SIGN_CADES_STATUS_PASSED, "recorded genuine = %s; the evidence cannot "
			    "decide here%s", rg ? "true" : "false", ca_note);
		else if (!rg && (rp == SIGN_PA_INDETERMINATE || ra == SIGN_AA_NOT_ATTEMPTED))
			set(rep, SIGN_CHECKIN_CHECK_GENUINE, SIGN_CADES_STATUS_PASSED, "recorded "
			    "genuine = false (undecided at the desk); with the CSCAs given here the "
			    "card verifies");
		else
			set(rep, SIGN_CHECKIN_CHECK_GENUINE, SIGN_CADES_STATUS_FAILED, "recorded "
			    "genuine = %s, but the evidence gives %s%s", rg ? "true" : "false",
			    g ? "true" : "false", ca_note);
	}
out:
	evidence_free(&e);
}

/* ---- the lookup ---------------------------------------------------------- */

static int
same(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static void
check_lookup(sign_checkin_report *rep)
{
	const json_t *root = rep->rec->root;
	const json_t *answer = sign_checkin__at(root, "lookup.answer");
	sign_insurance_result *res = NULL;
	sign_buf bytes = SIGN_BUF_INIT;
	static const char *const fields[][2] = {
		{ "card_code", "maThe" }, { "valid_from", "gtTheTu" }, { "valid_to", "gtTheDen" },
		{ "registered_facility", "maDKBD" } };
	static const char *const req[][2] = {
		{ "maThe", "card.holder.id_number" }, { "hoTen", "card.holder.full_name" },
		{ "ngaySinh", "card.holder.date_of_birth" }, { "hoTenCb", "staff.name" },
		{ "cccdCb", "staff.id" } };
	const char *bad_field = NULL;
	char h[65], path[64];
	size_t i;

	if (!json_is_object(sign_checkin__at(root, "lookup"))) {
		set(rep, SIGN_CHECKIN_CHECK_ANSWER, SIGN_CADES_STATUS_SKIPPED, "no lookup");
		set(rep, SIGN_CHECKIN_CHECK_RESULT, SIGN_CADES_STATUS_SKIPPED, "no lookup");
		set(rep, SIGN_CHECKIN_CHECK_REQUEST, SIGN_CADES_STATUS_SKIPPED, "no lookup");
		return;
	}
	/* the request names the card's holder (by the citizen ID) and the staff */
	for (i = 0; i < sizeof(req) / sizeof(req[0]) && bad_field == NULL; i++) {
		snprintf(path, sizeof(path), "lookup.request.%s", req[i][0]);
		if (!same(str_at(root, path), str_at(root, req[i][1])))
			bad_field = req[i][0];
	}
	if (bad_field != NULL)
		set(rep, SIGN_CHECKIN_CHECK_REQUEST, SIGN_CADES_STATUS_FAILED, "the request's %s "
		    "is not the %s recorded", bad_field, strcmp(bad_field, "hoTenCb") == 0 ||
		    strcmp(bad_field, "cccdCb") == 0 ? "staff member" : "card holder");
	else
		set(rep, SIGN_CHECKIN_CHECK_REQUEST, SIGN_CADES_STATUS_PASSED, "the request names "
		    "the card's holder (maThe = the chip's citizen ID) and the staff member");
	if (!json_is_object(answer)) {
		set(rep, SIGN_CHECKIN_CHECK_ANSWER, SIGN_CADES_STATUS_SKIPPED, "no answer (%s)",
		    str_at(root, "lookup.error.code") != NULL ? str_at(root, "lookup.error.code") :
		    "?");
		set(rep, SIGN_CHECKIN_CHECK_RESULT, SIGN_CADES_STATUS_SKIPPED, "no answer");
		return;
	}
	if (sign_checkin__answer_bytes(&bytes, answer) != 0 ||
	    sign_checkin__sha256_hex(h, bytes.data, bytes.len) != 0) {
		set(rep, SIGN_CHECKIN_CHECK_ANSWER, SIGN_CADES_STATUS_FAILED, "%s",
		    sign_error_message());
		set(rep, SIGN_CHECKIN_CHECK_RESULT, SIGN_CADES_STATUS_FAILED, "no answer bytes");
		goto out;
	}
	if ((json_int_t)bytes.len != json_integer_value(json_object_get(answer, "size")) ||
	    strcmp(h, json_string_value(json_object_get(answer, "sha256"))) != 0)
		set(rep, SIGN_CHECKIN_CHECK_ANSWER, SIGN_CADES_STATUS_FAILED, "the recorded answer "
		    "(%zu bytes, SHA-256 %.16s...) is not the one the gateway sent (SHA-256 "
		    "%.16s...)", bytes.len, h, json_string_value(json_object_get(answer, "sha256")));
	else
		set(rep, SIGN_CHECKIN_CHECK_ANSWER, SIGN_CADES_STATUS_PASSED, "%zu bytes, SHA-256 "
		    "%s", bytes.len, h);
	/* the result is the one the answer gives, read as at the desk */
	if (sign_insurance__result_from_answer(&res, (const char *)bytes.data, bytes.len,
	    (long)json_integer_value(json_object_get(answer, "http_status")), 0, NULL, 30) != 0) {
		set(rep, SIGN_CHECKIN_CHECK_RESULT, SIGN_CADES_STATUS_FAILED, "the recorded answer "
		    "gives no result: %s", sign_error_message());
		goto out;
	}
	/* as at the desk: coverage only from an HTTP 2xx answer */
	if (sign_insurance__covered_in_error(res)) {
		set(rep, SIGN_CHECKIN_CHECK_RESULT, SIGN_CADES_STATUS_FAILED, "the gateway answered "
		    "with HTTP %ld and maKetQua %s: a covered code in an HTTP error answer is not "
		    "coverage", sign_insurance_result_http_status(res),
		    sign_insurance_result_code(res));
		goto out;
	}
	bad_field = NULL;
	if (!same(str_at(root, "lookup.result.code"), sign_insurance_result_code(res)))
		bad_field = "code";
	else if (strcmp(str_at(root, "lookup.result.class"), sign_insurance_result_class(res) ==
	    SIGN_INSURANCE_COVERED ? "covered" : sign_insurance_result_class(res) ==
	    SIGN_INSURANCE_NOT_COVERED ? "not_covered" : sign_insurance_result_class(res) ==
	    SIGN_INSURANCE_AUTH_ERROR ? "auth_error" : "gateway_error") != 0)
		bad_field = "class";
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]) && bad_field == NULL; i++) {
		const char *a = sign_insurance_result_field(res, fields[i][1]);

		snprintf(path, sizeof(path), "lookup.result.%s", fields[i][0]);
		if (a != NULL && a[0] == '\0')
			a = NULL;
		if (!same(str_at(root, path), a))
			bad_field = fields[i][0];
	}
	if (bad_field != NULL)
		set(rep, SIGN_CHECKIN_CHECK_RESULT, SIGN_CADES_STATUS_FAILED, "the recorded result's "
		    "%s is not what the gateway's answer says (%s %s)", bad_field,
		    sign_insurance_result_code(res), sign_insurance_result_meaning_en(res) != NULL ?
		    sign_insurance_result_meaning_en(res) : "");
	else
		set(rep, SIGN_CHECKIN_CHECK_RESULT, SIGN_CADES_STATUS_PASSED, "%s: %s (%s)",
		    sign_insurance_result_code(res), str_at(root, "lookup.result.class"),
		    sign_insurance_result_meaning_en(res) != NULL ?
		    sign_insurance_result_meaning_en(res) : "a code not in the table");
out:
	sign_error_clear();
	sign_insurance_result_free(res);
	sign_buf_dispose(&bytes);
}

static void
check_outcome(sign_checkin_report *rep)
{
	const json_t *root = rep->rec->root;
	int o = sign_checkin__outcome_from_str(str_at(root, "outcome"));
	const char *cls = str_at(root, "lookup.result.class");
	int lookup = json_is_object(sign_checkin__at(root, "lookup"));
	int unverified = strcmp(str_at(root, "identity"), "verified") != 0;
	const char *want = NULL;

	if (!lookup)
		want = "refused";
	else if (json_is_object(sign_checkin__at(root, "lookup.error")))
		want = "lookup_failed";
	else if (cls != NULL)
		want = strcmp(cls, "covered") == 0 ? "covered" : strcmp(cls, "not_covered") == 0 ?
		    "not_covered" : "gateway_error";
	if (want == NULL || o < 0 || strcmp(want, str_at(root, "outcome")) != 0)
		set(rep, SIGN_CHECKIN_CHECK_OUTCOME, SIGN_CADES_STATUS_FAILED, "the outcome says "
		    "%s, but the record's lookup gives %s", str_at(root, "outcome"),
		    want != NULL ? want : "none");
	else
		set(rep, SIGN_CHECKIN_CHECK_OUTCOME, SIGN_CADES_STATUS_PASSED, "%s%s",
		    str_at(root, "outcome"), lookup && unverified ? " (identity NOT verified: looked "
		    "up with --allow-unverified)" : "");
}

/* ---- entry points -------------------------------------------------------- */

int
sign_checkin_verify_mem(sign_checkin_report **out, const unsigned char *record,
    size_t record_len, const unsigned char *sig, size_t sig_len,
    const sign_checkin_verify_opts *opts)
{
	sign_cades_verify_opts co = SIGN_CADES_VERIFY_OPTS_INIT;
	sign_checkin_verify_opts dflt = SIGN_CHECKIN_VERIFY_OPTS_INIT;
	sign_checkin_report *rep = NULL;
	sign_cades_indication ind;
	size_t i;
	int rc;

	if (out == NULL || record == NULL || sig == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0,
		    "sign_checkin_verify_mem: bad arguments");
	*out = NULL;
	if (opts == NULL)
		opts = &dflt;
	if (opts->version < 1 || opts->version > SIGN_CHECKIN_VERIFY_OPTS_VERSION)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "unknown verify options version %u",
		    opts->version);
	rep = calloc(1, sizeof(*rep));
	if (rep == NULL)
		return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
	/* a check no path sets can never pass */
	for (i = 0; i < SIGN_CHECKIN_CHECK_COUNT; i++)
		set(rep, (sign_checkin_check)i, SIGN_CADES_STATUS_INDETERMINATE, "not checked");
	if ((rc = sign_checkin_parse(&rep->rec, record, record_len)) != 0)
		goto fail;
	co.trust = opts->trust;
	co.validation_time = opts->validation_time;
	if (opts->version >= 2) {
		co.flags = opts->flags;
		co.ocsp_url = opts->ocsp_url;
	}
	rc = sign_cades_verify_mem(&rep->sig, sig, sig_len, record, record_len, &co);
	if (rep->sig == NULL) {
		if (rc == SIGN_ERR_USAGE)
			rc = sign_error__set(SIGN_ERR_MALFORMED, 0, "the signature embeds content: a "
			    "record's signature is detached");
		goto fail;
	}
	check_signature(rep);
	check_card(rep, opts);
	check_lookup(rep);
	check_outcome(rep);
	*out = rep;
	ind = sign_checkin_report_indication(rep);
	sign_error_clear();
	if (ind == SIGN_CADES_TOTAL_FAILED)
		return sign_error__set(SIGN_ERR_VERIFY, 0, "the check-in record is TOTAL-FAILED");
	if (ind == SIGN_CADES_INDETERMINATE)
		return sign_error__set(SIGN_ERR_UNTRUSTED, 0, "the check-in record is INDETERMINATE");
	return 0;
fail:
	sign_checkin_report_free(rep);
	return rc;
}

int
sign_checkin_verify_file(sign_checkin_report **out, const char *record_path,
    const char *sig_path, const sign_checkin_verify_opts *opts)
{
	sign_buf rec = SIGN_BUF_INIT, sig = SIGN_BUF_INIT;
	char *alt = NULL;
	int rc;

	if (out == NULL || record_path == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0,
		    "sign_checkin_verify_file: bad arguments");
	*out = NULL;
	if (sig_path == NULL) {
		size_t n = strlen(record_path) + 5;

		alt = malloc(n);
		if (alt == NULL)
			return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
		snprintf(alt, n, "%s.p7s", record_path);
		sig_path = alt;
	}
	if ((rc = sign__read_file(record_path, SIGN_CHECKIN_MAX_RECORD, &rec)) != 0)
		goto out;
	rc = sign__read_file(sig_path, SIGN_CHECKIN_MAX_SIGNATURE, &sig);
	if (rc == SIGN_ERR_NOT_FOUND) {
		rc = sign_error__set(SIGN_ERR_NOT_FOUND, 0, "the record's signature %s is missing: "
		    "a record without its signature cannot be trusted", sig_path);
		goto out;
	}
	if (rc != 0)
		goto out;
	rc = sign_checkin_verify_mem(out, rec.data, rec.len, sig.data, sig.len, opts);
out:
	free(alt);
	sign_buf_dispose(&rec);
	sign_buf_dispose(&sig);
	return rc;
}
