/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Check-in records: the model, the canonical form, signing and writing the
 * record with its signature, and parsing (docs/checkin-record.md). */
#include "checkin_priv.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include <openssl/evp.h>
#include <openssl/crypto.h>

#include "libsign/mrtd.h"
#include "insurance_priv.h"

/* Bound on one file read from the chip (card.h reads at most 256 KiB by
 * default; allow for a caller that raised it). */
#define MAX_CARD_FILE (1024u * 1024)
/* Bound on one string given by the caller (names, reasons, messages). */
#define MAX_TEXT 4096

/* ---- small helpers ------------------------------------------------------- */

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int
sign_checkin__b64_encode(char **out, const unsigned char *d, size_t len)
{
	size_t n = 4 * ((len + 2) / 3), i, o = 0;
	char *s;

	*out = NULL;
	if (len > ((size_t)-1 / 4) - 4)
		return sign_error__set(SIGN_ERR_TOO_LARGE, 0, "data too large to encode");
	s = malloc(n + 1);
	if (s == NULL)
		return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
	for (i = 0; i + 2 < len; i += 3) {
		unsigned long v = ((unsigned long)d[i] << 16) | ((unsigned long)d[i + 1] << 8) |
		    d[i + 2];

		s[o++] = b64_alphabet[(v >> 18) & 63];
		s[o++] = b64_alphabet[(v >> 12) & 63];
		s[o++] = b64_alphabet[(v >> 6) & 63];
		s[o++] = b64_alphabet[v & 63];
	}
	if (len - i == 1) {
		unsigned long v = (unsigned long)d[i] << 16;

		s[o++] = b64_alphabet[(v >> 18) & 63];
		s[o++] = b64_alphabet[(v >> 12) & 63];
		s[o++] = '=';
		s[o++] = '=';
	} else if (len - i == 2) {
		unsigned long v = ((unsigned long)d[i] << 16) | ((unsigned long)d[i + 1] << 8);

		s[o++] = b64_alphabet[(v >> 18) & 63];
		s[o++] = b64_alphabet[(v >> 12) & 63];
		s[o++] = b64_alphabet[(v >> 6) & 63];
		s[o++] = '=';
	}
	s[o] = '\0';
	*out = s;
	return 0;
}

static int
b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int
sign_checkin__b64_decode(sign_buf *out, const char *t, size_t len)
{
	unsigned char *d = NULL;
	size_t i, o = 0, pad = 0;
	int rc = 0;

	if (len % 4 != 0)
		return sign_error__set(SIGN_ERR_MALFORMED, 0,
		    "base64 text of %zu characters (not a multiple of 4)", len);
	if (len >= 1 && t[len - 1] == '=')
		pad++;
	if (len >= 2 && t[len - 2] == '=')
		pad++;
	d = malloc(len / 4 * 3 + 1);
	if (d == NULL)
		return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
	for (i = 0; i < len; i += 4) {
		int v[4], k;
		unsigned long w;
		int last = (i + 4 == len);

		for (k = 0; k < 4; k++) {
			if (last && k >= 4 - (int)pad) {
				v[k] = 0;
				continue;
			}
			v[k] = b64_value((unsigned char)t[i + k]);
			if (v[k] < 0) {
				rc = sign_error__set(SIGN_ERR_MALFORMED, 0,
				    "invalid base64 character at offset %zu", i + k);
				goto out;
			}
		}
		w = ((unsigned long)v[0] << 18) | ((unsigned long)v[1] << 12) |
		    ((unsigned long)v[2] << 6) | (unsigned long)v[3];
		d[o++] = (unsigned char)(w >> 16);
		if (!last || pad < 2)
			d[o++] = (unsigned char)(w >> 8);
		if (!last || pad < 1)
			d[o++] = (unsigned char)w;
		/* canonical: the bits the padding drops are zero */
		if (last && ((pad == 1 && (w & 0xFF) != 0) || (pad == 2 && (w & 0xFFFF) != 0))) {
			rc = sign_error__set(SIGN_ERR_MALFORMED, 0,
			    "base64 text with non-zero pad bits");
			goto out;
		}
	}
	sign_buf_dispose(out);
	out->data = d;
	out->len = o;
	d = NULL;
out:
	free(d);
	return rc;
}

int
sign_checkin__digest_hex(char out[129], const char *name, const unsigned char *d, size_t len)
{
	static const char *const names[] = { "SHA-1", "SHA-224", "SHA-256", "SHA-384",
	    "SHA-512" };
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int ml = 0;
	EVP_MD *alg = NULL;
	size_t i;
	int rc = 0, known = 0;

	out[0] = '\0';
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (name != NULL && strcmp(name, names[i]) == 0)
			known = 1;
	if (!known)
		return sign_error__set(SIGN_ERR_UNSUPPORTED, 0, "digest '%s' is not supported",
		    name != NULL ? name : "(none)");
	alg = EVP_MD_fetch(NULL, name, NULL);
	if (alg == NULL || EVP_Digest(d, len, md, &ml, alg, NULL) != 1 || ml > 64)
		rc = sign_error__openssl(SIGN_ERR_CRYPTO, "%s failed", name);
	else
		sign__hex(out, md, ml);
	EVP_MD_free(alg);
	return rc;
}

int
sign_checkin__sha256_hex(char out[65], const unsigned char *d, size_t len)
{
	char buf[129];
	int rc = sign_checkin__digest_hex(buf, "SHA-256", d, len);

	memcpy(out, buf, 65);
	out[64] = '\0';
	return rc;
}

int
sign_checkin__canonical(sign_buf *out, const json_t *v)
{
	char *s;

	s = json_dumps(v, JSON_SORT_KEYS | JSON_COMPACT | JSON_ENCODE_ANY);
	if (s == NULL)
		return sign_error__set(SIGN_ERR_NOMEM, 0, "cannot serialise the record");
	sign_buf_dispose(out);
	out->data = (unsigned char *)s;
	out->len = strlen(s);
	return 0;
}

json_t *
sign_checkin__at(const json_t *root, const char *path)
{
	const json_t *cur = root;
	const char *p = path;
	char key[64];

	while (cur != NULL && *p != '\0') {
		size_t n = strcspn(p, ".");

		if (!json_is_object(cur) || n == 0 || n >= sizeof(key))
			return NULL;
		memcpy(key, p, n);
		key[n] = '\0';
		cur = json_object_get(cur, key);
		p += n;
		if (*p == '.')
			p++;
	}
	return (json_t *)cur;
}

void
sign_checkin__format_time(char out[32], time_t t)
{
	struct tm tm;
	time_t vn = t + 7 * 3600;   /* Vietnam: UTC+07:00, no daylight saving */

	out[0] = '\0';
	if (gmtime_r(&vn, &tm) == NULL || strftime(out, 32, "%Y-%m-%dT%H:%M:%S+07:00", &tm) == 0)
		snprintf(out, 32, "1970-01-01T07:00:00+07:00");
}

int
sign_checkin__parse_time(const char *s, time_t *out)
{
	size_t n = s != NULL ? strlen(s) : 0;

	/* exactly the two forms of the schema; the conversion (and the calendar
	 * check) is the one the insurance module uses for the gateway's times */
	if (((n == 20 && s[19] == 'Z') || (n == 25 && strcmp(s + 19, "+07:00") == 0)) &&
	    s[10] == 'T' && sign_insurance__parse_iso8601(s, out) == 0)
		return 0;
	return sign_error__set(SIGN_ERR_MALFORMED, 0, "time '%s' is not "
	    "YYYY-MM-DDThh:mm:ss+07:00 or YYYY-MM-DDThh:mm:ssZ", s != NULL ? s : "");
}

const char *
sign_checkin__file_key(unsigned int fid, char buf[8])
{
	if (fid == SIGN_LDS_FID_COM)
		return "COM";
	if (fid == SIGN_LDS_FID_SOD)
		return "SOD";
	if (fid >= SIGN_LDS_FID_DG(1) && fid <= SIGN_LDS_FID_DG(16)) {
		snprintf(buf, 8, "DG%u", fid - SIGN_LDS_FID_DG(0));
		return buf;
	}
	return NULL;
}

unsigned int
sign_checkin__file_fid(const char *key)
{
	unsigned int n = 0;
	size_t i;

	if (strcmp(key, "COM") == 0)
		return SIGN_LDS_FID_COM;
	if (strcmp(key, "SOD") == 0)
		return SIGN_LDS_FID_SOD;
	if (strncmp(key, "DG", 2) != 0 || key[2] == '\0' || key[2] == '0' || strlen(key) > 4)
		return 0;
	for (i = 2; key[i] != '\0'; i++) {
		if (!isdigit((unsigned char)key[i]))
			return 0;
		n = n * 10 + (unsigned int)(key[i] - '0');
	}
	return n >= 1 && n <= 16 ? SIGN_LDS_FID_DG(n) : 0;
}

static const char *const outcome_names[] = { "refused", "covered", "not_covered",
    "gateway_error", "lookup_failed" };

const char *
sign_checkin_outcome_str(sign_checkin_outcome o)
{
	if ((unsigned int)o < sizeof(outcome_names) / sizeof(outcome_names[0]))
		return outcome_names[o];
	return "unknown";
}

int
sign_checkin__outcome_from_str(const char *s)
{
	size_t i;

	for (i = 0; s != NULL && i < sizeof(outcome_names) / sizeof(outcome_names[0]); i++)
		if (strcmp(s, outcome_names[i]) == 0)
			return (int)i;
	return -1;
}

static const char *
passive_str(sign_pa_verdict v)
{
	switch (v) {
	case SIGN_PA_PASSED: return "passed";
	case SIGN_PA_FAILED: return "failed";
	default: return "indeterminate";
	}
}

static const char *
active_str(sign_aa_verdict v)
{
	switch (v) {
	case SIGN_AA_PASSED: return "passed";
	case SIGN_AA_FAILED: return "failed";
	case SIGN_AA_NOT_SUPPORTED: return "not_supported";
	default: return "not_attempted";
	}
}

static const char *
chipauth_str(sign_chipauth_verdict v)
{
	/* the names of docs/card-json.md */
	switch (v) {
	case SIGN_CHIPAUTH_PASSED: return "passed";
	case SIGN_CHIPAUTH_FAILED: return "failed";
	case SIGN_CHIPAUTH_NOT_SUPPORTED: return "not_supported";
	default: return "not_attempted";
	}
}

static const char *
dg_status_str(sign_dg_status s)
{
	switch (s) {
	case SIGN_DG_MATCH: return "match";
	case SIGN_DG_MISMATCH: return "mismatch";
	case SIGN_DG_NOT_READ: return "not_read";
	case SIGN_DG_NOT_IN_SOD: return "not_in_sod";
	default: return "absent";
	}
}

/* ---- building ------------------------------------------------------------ */

/* A JSON string of a caller's text: valid UTF-8, bounded, and (unless
 * controls) no control characters but TAB; NULL with the last error set
 * otherwise. */
static json_t *
bounded_text(const char *what, const char *s, int controls)
{
	size_t n, i;
	json_t *j;

	if (s == NULL) {
		sign_error__set(SIGN_ERR_INVALID_ARG, 0, "%s is missing", what);
		return NULL;
	}
	n = strlen(s);
	if (n > MAX_TEXT) {
		sign_error__set(SIGN_ERR_INVALID_ARG, 0, "%s is longer than %u bytes", what,
		    MAX_TEXT);
		return NULL;
	}
	for (i = 0; !controls && i < n; i++) {
		if ((unsigned char)s[i] < 0x20 && s[i] != '\t') {
			sign_error__set(SIGN_ERR_INVALID_ARG, 0, "%s holds a control character",
			    what);
			return NULL;
		}
	}
	j = json_stringn(s, n);
	if (j == NULL)
		sign_error__set(SIGN_ERR_INVALID_ARG, 0, "%s is not valid UTF-8", what);
	return j;
}

static json_t *
text(const char *what, const char *s)
{
	return bounded_text(what, s, 0);
}

/* A message quoting the gateway's words (a warning naming its facility, a
 * lookup's failure): as text(), but control characters are kept - the
 * canonical form escapes them (\u0007) and kyso shows them escaped - so
 * that what the gateway sent cannot keep a warning or a failure out of the
 * record (which would then read "refused" for a card that was looked up). */
static json_t *
message_text(const char *what, const char *s)
{
	return bounded_text(what, s, 1);
}

/* As text(), json null for NULL. */
static json_t *
text_or_null(const char *what, const char *s)
{
	return s == NULL ? json_null() : text(what, s);
}

/* Set obj[key] = v (stolen); SIGN_ERR_* when v is NULL (its error already
 * set, or out of memory). */
static int
put(json_t *obj, const char *key, json_t *v)
{
	if (v == NULL)
		return sign_error_last() != 0 ? sign_error_last() :
		    sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
	if (json_object_set_new(obj, key, v) != 0)
		return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
	return 0;
}

static int
digits(const char *s, size_t n)
{
	size_t i;

	if (s == NULL || strlen(s) != n)
		return 0;
	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

static int
facility_code_ok(const char *s)
{
	size_t n = s != NULL ? strlen(s) : 0, i;

	if (n == 0 || n > 16)
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]))
			return 0;
	return 1;
}

/* A record owning *root (taken: *root becomes NULL). */
static int
wrap(sign_checkin **out, json_t **root)
{
	sign_checkin *rec = calloc(1, sizeof(*rec));

	if (rec == NULL)
		return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
	rec->root = *root;
	*root = NULL;
	*out = rec;
	return 0;
}

int
sign_checkin_new(sign_checkin **out, const sign_checkin_context *ctx)
{
	json_t *root = NULL, *o;
	char when[32];
	int rc;

	if (out == NULL || ctx == NULL || ctx->version != SIGN_CHECKIN_CONTEXT_VERSION)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "sign_checkin_new: bad arguments");
	*out = NULL;
	if (!facility_code_ok(ctx->facility_code))
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "the facility code '%s' is not 1 "
		    "to 16 letters or digits", ctx->facility_code != NULL ? ctx->facility_code : "");
	if (!digits(ctx->staff_id, 12))
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "the staff ID must be a 12-digit "
		    "citizen ID number");
	if (ctx->staff_name == NULL || ctx->staff_name[0] == '\0')
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "the staff member's name is "
		    "missing");
	sign_error_clear();
	sign_checkin__format_time(when, ctx->time != 0 ? ctx->time : time(NULL));
	root = json_object();
	if (root == NULL)
		return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
	if ((rc = put(root, "schema", json_integer(SIGN_CHECKIN_SCHEMA))) != 0 ||
	    (rc = put(root, "type", json_string("kyso-checkin"))) != 0 ||
	    (rc = put(root, "time", json_string(when))) != 0 ||
	    (rc = put(root, "software", text_or_null("the software name", ctx->software))) != 0 ||
	    (rc = put(root, "reader", text_or_null("the reader name", ctx->reader))) != 0 ||
	    (rc = put(root, "outcome", json_string("refused"))) != 0 ||
	    (rc = put(root, "identity", json_string("unverified"))) != 0 ||
	    (rc = put(root, "card", json_null())) != 0 ||
	    (rc = put(root, "lookup", json_null())) != 0 ||
	    (rc = put(root, "warnings", json_array())) != 0 ||
	    (rc = put(root, "facility", o = json_object())) != 0 ||
	    (rc = put(o, "code", json_string(ctx->facility_code))) != 0 ||
	    (rc = put(o, "name", text_or_null("the facility name", ctx->facility_name))) != 0 ||
	    (rc = put(root, "staff", o = json_object())) != 0 ||
	    (rc = put(o, "name", text("the staff member's name", ctx->staff_name))) != 0 ||
	    (rc = put(o, "id", json_string(ctx->staff_id))) != 0)
		goto out;
	rc = wrap(out, &root);
out:
	sign__json_dispose(root);
	return rc;
}

void
sign_checkin_free(sign_checkin *rec)
{
	if (rec == NULL)
		return;
	sign__json_dispose(rec->root);
	free(rec);
}

static json_t *
b64_json(const unsigned char *d, size_t len)
{
	char *s = NULL;
	json_t *j;

	if (sign_checkin__b64_encode(&s, d, len) != 0)
		return NULL;
	j = json_string(s);
	free(s);
	return j;
}

int
sign_checkin_set_card(sign_checkin *rec, const sign_checkin_card *c)
{
	json_t *card = NULL, *o, *v;
	sign_chipauth_verdict ca = SIGN_CHIPAUTH_NOT_ATTEMPTED;
	sign_dg_status dg14 = SIGN_DG_ABSENT;
	int rc, genuine;
	char h[65];

	if (rec == NULL || c == NULL || c->version < 1 || c->version > SIGN_CHECKIN_CARD_VERSION)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0,
		    "sign_checkin_set_card: bad arguments");
	if (c->version >= 2) {
		/* (a version-1 caller's struct ends before these members) */
		ca = c->chipauth;
		dg14 = c->dg14;
		if ((unsigned int)ca > SIGN_CHIPAUTH_NOT_SUPPORTED ||
		    (unsigned int)dg14 > SIGN_DG_NOT_IN_SOD)
			return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "sign_checkin_set_card: "
			    "unknown Chip Authentication verdict (%d) or DG14 status (%d)", (int)ca,
			    (int)dg14);
	}
	if ((c->aa_challenge == NULL) != (c->aa_response == NULL) ||
	    (c->aa_challenge != NULL && (c->aa_challenge_len == 0 || c->aa_challenge_len > 64 ||
	    c->aa_response_len == 0 || c->aa_response_len > 4096)))
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "the Active Authentication "
		    "exchange needs both a challenge (1-64 bytes) and a response (1-4096 bytes)");
	if (c->photo != NULL && c->photo_len > MAX_CARD_FILE)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "the photo is larger than %u bytes",
		    MAX_CARD_FILE);
	sign_error_clear();
	/* version 1: CA not attempted, so this is sign_pa_genuine()'s rule */
	genuine = sign_pa_genuine_chip(c->passive, c->dg15, c->active, dg14, ca);
	card = json_object();
	if (card == NULL)
		return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
	if ((rc = put(card, "document", o = json_object())) != 0 ||
	    (rc = put(o, "number", text_or_null("the document number", c->document_number))) != 0 ||
	    (rc = put(o, "issuing_state", text_or_null("the issuing state", c->issuing_state))) != 0 ||
	    (rc = put(card, "holder", o = json_object())) != 0 ||
	    (rc = put(o, "id_number", text_or_null("the ID number", c->id_number))) != 0 ||
	    (rc = put(o, "full_name", text_or_null("the holder's name", c->full_name))) != 0 ||
	    (rc = put(o, "date_of_birth", text_or_null("the date of birth",
	    c->date_of_birth))) != 0 ||
	    (rc = put(card, "verification", o = json_object())) != 0 ||
	    (rc = put(o, "passive", json_string(passive_str(c->passive)))) != 0 ||
	    (rc = put(o, "active", json_string(active_str(c->active)))) != 0 ||
	    (rc = put(o, "dg15", json_string(dg_status_str(c->dg15)))) != 0 ||
	    (rc = put(o, "genuine", json_boolean(genuine))) != 0 ||
	    (rc = put(o, "reason", text_or_null("the reason", c->reason))) != 0 ||
	    (c->version >= 2 &&
	    ((rc = put(o, "chip_authentication", json_string(chipauth_str(ca)))) != 0 ||
	    (rc = put(o, "dg14", json_string(dg_status_str(dg14)))) != 0)) ||
	    (rc = put(card, "files", json_object())) != 0 ||
	    (rc = put(card, "sod_digest", json_null())) != 0 ||
	    (rc = put(card, "sod", json_null())) != 0 ||
	    (rc = put(card, "dg14", json_null())) != 0 ||
	    (rc = put(card, "dg15", json_null())) != 0)
		goto out;
	if (c->aa_challenge != NULL) {
		if ((rc = put(card, "aa", o = json_object())) != 0 ||
		    (rc = put(o, "challenge", b64_json(c->aa_challenge, c->aa_challenge_len))) != 0 ||
		    (rc = put(o, "response", b64_json(c->aa_response, c->aa_response_len))) != 0)
			goto out;
	} else if ((rc = put(card, "aa", json_null())) != 0) {
		goto out;
	}
	if (c->photo != NULL) {
		if ((rc = sign_checkin__sha256_hex(h, c->photo, c->photo_len)) != 0)
			goto out;
		v = json_pack("{s:s,s:I,s:s}", "format", c->photo_format != NULL ?
		    c->photo_format : "unknown", "size", (json_int_t)c->photo_len, "sha256", h);
		if ((rc = put(card, "photo", v)) != 0)
			goto out;
	} else if ((rc = put(card, "photo", json_null())) != 0) {
		goto out;
	}
	if ((rc = put(rec->root, "card", card)) != 0) {
		card = NULL;
		goto out;
	}
	card = NULL;
	rc = put(rec->root, "identity", json_string(genuine ? "verified" : "unverified"));
out:
	sign__json_dispose(card);
	return rc;
}

int
sign_checkin_add_file(sign_checkin *rec, unsigned int fid, const unsigned char *data,
    size_t len)
{
	json_t *card, *files, *e = NULL;
	const char *key, *sod_digest;
	char kb[8], h[65], alg[129];
	sign_sod *sod = NULL;
	int rc = 0;

	if (rec == NULL || (data == NULL && len > 0))
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0,
		    "sign_checkin_add_file: bad arguments");
	card = json_object_get(rec->root, "card");
	files = json_object_get(card, "files");
	if (!json_is_object(files))
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "set the card before its files");
	key = sign_checkin__file_key(fid, kb);
	if (key == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "file 0x%04X is not EF.COM, EF.SOD "
		    "or a data group", fid);
	if (json_object_get(files, key) != NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "%s was added twice", key);
	if (len > MAX_CARD_FILE)
		return sign_error__set(SIGN_ERR_TOO_LARGE, 0, "%s is larger than %u bytes", key,
		    MAX_CARD_FILE);
	if ((rc = sign_checkin__sha256_hex(h, data, len)) != 0)
		return rc;
	e = json_pack("{s:I,s:s}", "size", (json_int_t)len, "sha256", h);
	if (e == NULL)
		return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
	sod_digest = json_string_value(json_object_get(card, "sod_digest"));
	if (fid == SIGN_LDS_FID_SOD) {
		const char *k2;
		json_t *v2;

		/* the SOD's digest algorithm, for the data groups that follow */
		if (sign_sod_parse(&sod, data, len) == 0) {
			if (strcmp(sign_sod_digest_name(sod), "SHA-256") != 0) {
				json_object_foreach(files, k2, v2) {
					if (strncmp(k2, "DG", 2) == 0) {
						rc = sign_error__set(SIGN_ERR_INVALID_ARG, 0, "add EF.SOD "
						    "before the data groups: it hashes with %s",
						    sign_sod_digest_name(sod));
						goto out;
					}
				}
			}
			if ((rc = put(card, "sod_digest", json_string(sign_sod_digest_name(sod)))) != 0)
				goto out;
		}
		sign_error_clear();
		if ((rc = put(card, "sod", b64_json(data, len))) != 0)
			goto out;
	} else if (fid != SIGN_LDS_FID_COM && sod_digest != NULL &&
	    strcmp(sod_digest, "SHA-256") != 0) {
		if ((rc = sign_checkin__digest_hex(alg, sod_digest, data, len)) != 0 ||
		    (rc = put(e, "sod_hash", json_string(alg))) != 0)
			goto out;
	}
	if (fid == SIGN_LDS_FID_DG(14) && (rc = put(card, "dg14", b64_json(data, len))) != 0)
		goto out;
	if (fid == SIGN_LDS_FID_DG(15) && (rc = put(card, "dg15", b64_json(data, len))) != 0)
		goto out;
	rc = put(files, key, e);
	e = NULL;
out:
	sign__json_dispose(e);
	sign_sod_free(sod);
	return rc;
}

static json_t *
request_json(const char *gateway, const char *username, const char *ma_the, const char *name,
    const char *dob, const char *staff_name, const char *staff_id)
{
	json_t *l = json_object(), *q = json_object();
	int rc;

	if (l == NULL || q == NULL) {
		sign__json_dispose(l);
		sign__json_dispose(q);
		sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
		return NULL;
	}
	if ((rc = put(l, "request", q)) != 0 ||
	    (rc = put(l, "gateway", text("the gateway URL", gateway))) != 0 ||
	    (rc = put(l, "username", text("the gateway account", username))) != 0 ||
	    (rc = put(q, "maThe", text("maThe", ma_the))) != 0 ||
	    (rc = put(q, "hoTen", text("hoTen", name))) != 0 ||
	    (rc = put(q, "ngaySinh", text("ngaySinh", dob))) != 0 ||
	    (rc = put(q, "hoTenCb", text("hoTenCb", staff_name))) != 0 ||
	    (rc = put(q, "cccdCb", text("cccdCb", staff_id))) != 0 ||
	    (rc = put(l, "answer", json_null())) != 0 ||
	    (rc = put(l, "result", json_null())) != 0 ||
	    (rc = put(l, "error", json_null())) != 0) {
		sign__json_dispose(l);
		return NULL;
	}
	return l;
}

/* The answer as text when it is UTF-8 without control characters other than
 * TAB, CR and LF (so that its canonical JSON form has no \u escapes), else
 * base64. */
static json_t *
answer_json(const char *raw, size_t len, long status, const unsigned char sha[32])
{
	json_t *a = NULL, *data = NULL;
	const char *enc = "utf-8";
	char h[65];
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)raw[i] < 0x20 && raw[i] != '\t' && raw[i] != '\n' &&
		    raw[i] != '\r')
			break;
	if (i == len)
		data = json_stringn(raw, len);  /* NULL when not UTF-8 */
	if (data == NULL) {
		enc = "base64";
		data = b64_json((const unsigned char *)raw, len);
		if (data == NULL)
			return NULL;
	}
	sign__hex(h, sha, 32);
	a = json_pack("{s:I,s:I,s:s,s:s,s:o}", "http_status", (json_int_t)status, "size",
	    (json_int_t)len, "sha256", h, "encoding", enc, "data", data);
	if (a == NULL)
		sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
	return a;
}

static json_t *
field_or_null(const sign_insurance_result *res, const char *name)
{
	const char *v = sign_insurance_result_field(res, name);

	return v != NULL && v[0] != '\0' ? json_string(v) : json_null();
}

static sign_checkin_outcome
outcome_of_class(sign_insurance_class c)
{
	switch (c) {
	case SIGN_INSURANCE_COVERED: return SIGN_CHECKIN_COVERED;
	case SIGN_INSURANCE_NOT_COVERED: return SIGN_CHECKIN_NOT_COVERED;
	default: return SIGN_CHECKIN_GATEWAY_ERROR;
	}
}

static const char *
class_str(sign_insurance_class c)
{
	switch (c) {
	case SIGN_INSURANCE_COVERED: return "covered";
	case SIGN_INSURANCE_NOT_COVERED: return "not_covered";
	case SIGN_INSURANCE_AUTH_ERROR: return "auth_error";
	default: return "gateway_error";
	}
}

int
sign_checkin_set_lookup(sign_checkin *rec, const char *gateway, const char *username,
    const sign_insurance_result *res)
{
	json_t *l = NULL, *r;
	const char *raw = NULL;
	size_t rawlen = 0;
	int rc;

	if (rec == NULL || res == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0,
		    "sign_checkin_set_lookup: bad arguments");
	if (!json_is_object(json_object_get(rec->root, "card")))
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "set the card before the lookup");
	sign_error_clear();
	l = request_json(gateway, username, sign_insurance_result_request(res, "maThe"),
	    sign_insurance_result_request(res, "hoTen"),
	    sign_insurance_result_request(res, "ngaySinh"),
	    sign_insurance_result_request(res, "hoTenCb"),
	    sign_insurance_result_request(res, "cccdCb"));
	if (l == NULL)
		return sign_error_last() != 0 ? sign_error_last() : SIGN_ERR_NOMEM;
	if ((rc = sign_insurance_result_raw(res, &raw, &rawlen)) != 0)
		goto out;
	if ((rc = put(l, "answer", answer_json(raw, rawlen,
	    sign_insurance_result_http_status(res), sign_insurance_result_sha256(res)))) != 0)
		goto out;
	r = json_pack("{s:s,s:s,s:o,s:o,s:o,s:o}", "code", sign_insurance_result_code(res),
	    "class", class_str(sign_insurance_result_class(res)),
	    "card_code", field_or_null(res, "maThe"), "valid_from", field_or_null(res, "gtTheTu"),
	    "valid_to", field_or_null(res, "gtTheDen"),
	    "registered_facility", field_or_null(res, "maDKBD"));
	if ((rc = put(l, "result", r)) != 0)
		goto out;
	if ((rc = put(rec->root, "lookup", l)) != 0) {
		l = NULL;
		goto out;
	}
	l = NULL;
	rc = put(rec->root, "outcome", json_string(sign_checkin_outcome_str(
	    outcome_of_class(sign_insurance_result_class(res)))));
out:
	sign__json_dispose(l);
	return rc;
}

static const char *
error_name(int err)
{
	switch (err) {
	case SIGN_ERR_NETWORK: return "network";
	case SIGN_ERR_HTTP: return "http";
	case SIGN_ERR_SERVER_RESPONSE: return "server_response";
	case SIGN_ERR_SERVER_AUTH: return "server_auth";
	case SIGN_ERR_TOO_LARGE: return "too_large";
	case SIGN_ERR_INVALID_ARG: return "invalid_request";
	default: return "error";
	}
}

int
sign_checkin_set_lookup_error(sign_checkin *rec, const char *gateway, const char *username,
    const sign_insurance_request *req, int err, const char *message)
{
	const char *sn, *si;
	json_t *l = NULL;
	int rc;

	if (rec == NULL || req == NULL || err >= 0)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0,
		    "sign_checkin_set_lookup_error: bad arguments");
	if (!json_is_object(json_object_get(rec->root, "card")))
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "set the card before the lookup");
	sign_error_clear();
	sn = req->staff_name != NULL ? req->staff_name :
	    json_string_value(sign_checkin__at(rec->root, "staff.name"));
	si = req->staff_id != NULL ? req->staff_id :
	    json_string_value(sign_checkin__at(rec->root, "staff.id"));
	l = request_json(gateway, username, req->ma_the, req->full_name, req->birth_date, sn, si);
	if (l == NULL)
		return sign_error_last() != 0 ? sign_error_last() : SIGN_ERR_NOMEM;
	if ((rc = put(l, "error", json_pack("{s:s,s:o}", "code", error_name(err), "message",
	    message_text("the error message", message != NULL ? message :
	    sign_strerror(err))))) != 0)
		goto out;
	if ((rc = put(rec->root, "lookup", l)) != 0) {
		l = NULL;
		goto out;
	}
	l = NULL;
	rc = put(rec->root, "outcome", json_string("lookup_failed"));
out:
	sign__json_dispose(l);
	return rc;
}

int
sign_checkin_add_warning(sign_checkin *rec, const char *id, const char *message)
{
	json_t *w, *idj, *mj;

	if (rec == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0,
		    "sign_checkin_add_warning: bad arguments");
	w = json_object_get(rec->root, "warnings");
	idj = text("the warning id", id);
	if (idj == NULL)
		return sign_error_last();
	mj = message_text("the warning", message);
	if (mj == NULL) {
		sign__json_dispose(idj);
		return sign_error_last();
	}
	if (json_array_append_new(w, json_pack("{s:o,s:o}", "id", idj, "message", mj)) != 0)
		return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
	return 0;
}

sign_checkin_outcome
sign_checkin_get_outcome(const sign_checkin *rec)
{
	int o;

	if (rec == NULL)
		return SIGN_CHECKIN_REFUSED;
	o = sign_checkin__outcome_from_str(json_string_value(json_object_get(rec->root,
	    "outcome")));
	return o < 0 ? SIGN_CHECKIN_REFUSED : (sign_checkin_outcome)o;
}

int
sign_checkin_to_json(sign_buf *out, const sign_checkin *rec)
{
	if (out == NULL || rec == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "sign_checkin_to_json: bad arguments");
	return sign_checkin__canonical(out, rec->root);
}

const char *
sign_checkin_get(const sign_checkin *rec, const char *path)
{
	const json_t *v;

	if (rec == NULL || path == NULL)
		return NULL;
	v = sign_checkin__at(rec->root, path);
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_true(v))
		return "true";
	if (json_is_false(v))
		return "false";
	return NULL;
}

/* ---- writing ------------------------------------------------------------- */

/* A temporary file in dir holding data, fsynced; its name in *tmp. */
static int
write_temp(char **tmp, const char *dir, const char *stem, const char *ext,
    const unsigned char *data, size_t len)
{
	size_t n = strlen(dir) + strlen(stem) + strlen(ext) + 16, off = 0;
	char *name = malloc(n);
	int fd, rc = 0;

	*tmp = NULL;
	if (name == NULL)
		return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
	snprintf(name, n, "%s/.%s%s.XXXXXX", dir, stem, ext);
	fd = mkstemp(name);
	if (fd < 0) {
		rc = sign_error__set(SIGN_ERR_IO, (unsigned long)errno,
		    "cannot create a file in %s: %s", dir, strerror(errno));
		free(name);
		return rc;
	}
	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			rc = sign_error__set(SIGN_ERR_IO, (unsigned long)errno,
			    "writing in %s failed: %s", dir, strerror(errno));
			break;
		}
		off += (size_t)w;
	}
	if (rc == 0 && fsync(fd) != 0)
		rc = sign_error__set(SIGN_ERR_IO, (unsigned long)errno,
		    "writing in %s failed: %s", dir, strerror(errno));
	if (close(fd) != 0 && rc == 0)
		rc = sign_error__set(SIGN_ERR_IO, (unsigned long)errno,
		    "writing in %s failed: %s", dir, strerror(errno));
	if (rc != 0) {
		unlink(name);
		free(name);
		return rc;
	}
	*tmp = name;
	return 0;
}

/* ---- temporary files left by a killed writer ------------------------------ */

/* After a record stem "YYYYMMDD-HHMMSS-<12 lower-case hex>" at the start of
 * name: the rest, or NULL when name does not start with one. */
static const char *
after_stem(const char *name)
{
	static const char shape[] = "dddddddd-dddddd-xxxxxxxxxxxx";
	size_t i;

	for (i = 0; i < sizeof(shape) - 1; i++) {
		unsigned char c = (unsigned char)name[i];

		if ((shape[i] == 'd' && !isdigit(c)) ||
		    (shape[i] == 'x' && !(isdigit(c) || (c >= 'a' && c <= 'f'))) ||
		    (shape[i] == '-' && c != '-'))
			return NULL;
	}
	return name + sizeof(shape) - 1;
}

/* 1 when p is mkstemp's six letters or digits and nothing after. */
static int
is_mkstemp_tail(const char *p)
{
	size_t i;

	for (i = 0; i < 6; i++)
		if (!isalnum((unsigned char)p[i]))
			return 0;
	return p[6] == '\0';
}

/* 1 when name is one of write_temp's: ".STEM.json.XXXXXX" or
 * ".STEM.json.p7s.XXXXXX"; or the temporary file of a photo the desk
 * (kyso reception) keeps beside a record: "STEM[-N].jpg|jp2|img.tmpXXXXXX"
 * (N of one or two digits).  Nothing else is ever removed. */
int
sign_checkin__is_temp_name(const char *name)
{
	const char *p;

	if (name[0] == '.') {
		if ((p = after_stem(name + 1)) == NULL)
			return 0;
		if (strncmp(p, ".json.p7s.", 10) == 0)
			return is_mkstemp_tail(p + 10);
		return strncmp(p, ".json.", 6) == 0 && is_mkstemp_tail(p + 6);
	}
	if ((p = after_stem(name)) == NULL)
		return 0;
	if (p[0] == '-' && isdigit((unsigned char)p[1]))
		p += isdigit((unsigned char)p[2]) ? 3 : 2;
	if (strncmp(p, ".jpg.tmp", 8) != 0 && strncmp(p, ".jp2.tmp", 8) != 0 &&
	    strncmp(p, ".img.tmp", 8) != 0)
		return 0;
	return is_mkstemp_tail(p + 8);
}

static int
match_temp(const char *name, void *ud)
{
	(void)ud;
	return sign_checkin__is_temp_name(name);
}

int
sign_checkin__clean_temp(const char *dir, time_t now, unsigned int *removed)
{
	int rc = sign__remove_leftovers(dir, match_temp, NULL, now, SIGN_CHECKIN__TEMP_AGE,
	    removed);

	if (rc == 0 && *removed > 0)
		sign_log__msg(SIGN_LOG_INFO, "checkin: removed %u temporary file%s left in %s by "
		    "an interrupted writer", *removed, *removed == 1 ? "" : "s", dir);
	return rc;
}

/* A photo's temporary file beside a chosen target: the target's last
 * component, ".tmp" and mkstemp's six letters or digits, nothing else. */
struct photo_temp {
	const char *base;
	size_t len;
};

static int
match_photo_temp(const char *name, void *ud)
{
	const struct photo_temp *m = ud;

	return strncmp(name, m->base, m->len) == 0 && strncmp(name + m->len, ".tmp", 4) == 0 &&
	    is_mkstemp_tail(name + m->len + 4);
}

int
sign_checkin_remove_photo_leftovers(const char *path, unsigned int *removed)
{
	struct photo_temp m;
	const char *slash;
	char dir[4096];
	unsigned int n = 0;
	int rc;

	if (removed != NULL)
		*removed = 0;
	if (path == NULL || path[0] == '\0')
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0,
		    "sign_checkin_remove_photo_leftovers: no path");
	slash = strrchr(path, '/');
	m.base = slash != NULL ? slash + 1 : path;
	m.len = strlen(m.base);
	if (m.len == 0 || strcmp(m.base, ".") == 0 || strcmp(m.base, "..") == 0)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "%s names a directory, not a "
		    "photo file", path);
	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else if ((size_t)(slash - path) >= sizeof(dir))
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "the photo's directory name is too "
		    "long");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	rc = sign__remove_leftovers(dir, match_photo_temp, &m, time(NULL), SIGN_CHECKIN__TEMP_AGE,
	    &n);
	if (rc == 0 && n > 0)
		sign_log__msg(SIGN_LOG_INFO, "photo: removed %u temporary file%s of %s left by an "
		    "interrupted writer", n, n == 1 ? "" : "s", path);
	if (removed != NULL)
		*removed = n;
	return rc;
}

/* Once per directory and process, before the first record is written there:
 * the temporary files a killed process (SIGKILL, a crash, power loss) left. */
static void
clean_once(const char *dir)
{
	static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
	static dev_t last_dev;
	static ino_t last_ino;
	static int have_last;
	unsigned int n;
	struct stat st;

	if (stat(dir, &st) != 0)
		return;
	pthread_mutex_lock(&mu);
	if (!have_last || st.st_dev != last_dev || st.st_ino != last_ino) {
		/* (a directory that cannot be listed: the write says why) */
		if (sign_checkin__clean_temp(dir, time(NULL), &n) != 0)
			sign_error_clear();
		last_dev = st.st_dev;
		last_ino = st.st_ino;
		have_last = 1;
	}
	pthread_mutex_unlock(&mu);
}

static void
sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
}

/* "YYYYMMDD-HHMMSS-" + 12 hex digits of SHA-256("kyso-checkin:" + number). */
static int
file_stem(char out[40], const sign_checkin *rec)
{
	const char *t = json_string_value(json_object_get(rec->root, "time"));
	const char *num = json_string_value(sign_checkin__at(rec->root, "card.document.number"));
	char buf[200], h[65];
	int rc;

	if (t == NULL || strlen(t) < 19)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "the record has no time");
	snprintf(buf, sizeof(buf), "kyso-checkin:%s", num != NULL ? num : "");
	if ((rc = sign_checkin__sha256_hex(h, (const unsigned char *)buf, strlen(buf))) != 0)
		return rc;
	snprintf(out, 40, "%.4s%.2s%.2s-%.2s%.2s%.2s-%.12s", t, t + 5, t + 8, t + 11, t + 14,
	    t + 17, h);
	return 0;
}

int
sign_checkin_write(sign_buf *path_out, const sign_checkin *rec, sign_signer *signer,
    const char *dir)
{
	return sign_checkin_write_stamped(path_out, rec, signer, dir, NULL);
}

int
sign_checkin_write_stamped(sign_buf *path_out, const sign_checkin *rec, sign_signer *signer,
    const char *dir, const char *tsa_url)
{
	sign_checkin_write_opts wo = SIGN_CHECKIN_WRITE_OPTS_INIT;

	wo.tsa_url = tsa_url;
	return sign_checkin_write_with(path_out, rec, signer, dir, &wo);
}

int
sign_checkin_write_with(sign_buf *path_out, const sign_checkin *rec, sign_signer *signer,
    const char *dir, const sign_checkin_write_opts *opts)
{
	sign_cades_sign_opts so = SIGN_CADES_SIGN_OPTS_INIT;
	sign_buf content = SIGN_BUF_INIT, sig = SIGN_BUF_INIT;
	char *tsig = NULL, *trec = NULL, *psig = NULL, *prec = NULL;
	char stem[40], name[64];
	struct stat st;
	size_t n;
	int rc, i;

	if (rec == NULL || signer == NULL || dir == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "sign_checkin_write: bad arguments");
	if (opts != NULL && opts->version != SIGN_CHECKIN_WRITE_OPTS_VERSION)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0,
		    "sign_checkin_write_opts version %u is not supported", opts->version);
	if (!json_is_object(json_object_get(rec->root, "card")))
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "the record has no card");
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		return sign_error__set(SIGN_ERR_NOT_FOUND, (unsigned long)errno,
		    "the record directory %s does not exist", dir);
	if ((rc = file_stem(stem, rec)) != 0)
		return rc;
	clean_once(dir);
	if ((rc = sign_checkin__canonical(&content, rec->root)) != 0)
		goto out;
	so.signing_time = 0;
	so.tsa_url = opts != NULL ? opts->tsa_url : NULL;
	so.tsa_cacert = opts != NULL ? opts->tsa_cacert : NULL;
	rc = sign_cades_sign_mem(&sig, signer, content.data, content.len, &so);
	if (rc != 0)
		goto out;
	if ((rc = write_temp(&tsig, dir, stem, ".json.p7s", sig.data, sig.len)) != 0 ||
	    (rc = write_temp(&trec, dir, stem, ".json", content.data, content.len)) != 0)
		goto out;
	n = strlen(dir) + sizeof(name) + 8;
	psig = malloc(n);
	prec = malloc(n);
	if (psig == NULL || prec == NULL) {
		rc = sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
		goto out;
	}
	for (i = 1; i <= 99; i++) {
		if (i == 1)
			snprintf(name, sizeof(name), "%s", stem);
		else
			snprintf(name, sizeof(name), "%s-%d", stem, i);
		snprintf(psig, n, "%s/%s.json.p7s", dir, name);
		snprintf(prec, n, "%s/%s.json", dir, name);
		/* A taken name: its signature or its record exists. */
		if (access(prec, F_OK) == 0)
			continue;
		if (link(tsig, psig) != 0) {
			if (errno == EEXIST)
				continue;
			rc = sign_error__set(SIGN_ERR_IO, (unsigned long)errno,
			    "cannot create %s: %s", psig, strerror(errno));
			goto out;
		}
		if (link(trec, prec) != 0) {
			int e = errno;

			unlink(psig);
			if (e == EEXIST)
				continue;
			rc = sign_error__set(SIGN_ERR_IO, (unsigned long)e, "cannot create %s: %s",
			    prec, strerror(e));
			goto out;
		}
		break;
	}
	if (i > 99) {
		rc = sign_error__set(SIGN_ERR_EXISTS, 0, "%s/%s-*.json: 99 records of this card "
		    "in this second already", dir, stem);
		goto out;
	}
	sync_dir(dir);
	if (path_out != NULL && (rc = sign_buf__set(path_out, prec, strlen(prec) + 1)) == 0)
		path_out->len--;
out:
	if (tsig != NULL)
		unlink(tsig);
	if (trec != NULL)
		unlink(trec);
	free(tsig);
	free(trec);
	free(psig);
	free(prec);
	sign_buf_dispose(&content);
	sign_buf_dispose(&sig);
	return rc;
}

/* ---- parsing ------------------------------------------------------------- */

int
sign_checkin_parse(sign_checkin **out, const unsigned char *data, size_t len)
{
	sign_buf canon = SIGN_BUF_INIT;
	json_error_t err;
	json_t *root = NULL, *schema;
	size_t i;
	int rc = 0;

	if (out == NULL || (data == NULL && len > 0))
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "sign_checkin_parse: bad arguments");
	*out = NULL;
	if (len > SIGN_CHECKIN_MAX_RECORD)
		return sign_error__set(SIGN_ERR_TOO_LARGE, 0, "the record is larger than %u bytes",
		    SIGN_CHECKIN_MAX_RECORD);
	root = json_loadb((const char *)data, len, JSON_REJECT_DUPLICATES, &err);
	if (root == NULL) {
		rc = sign_error__set(SIGN_ERR_MALFORMED, 0, "the record is not a JSON object "
		    "(%s at byte %d)", err.text, err.position);
		goto out;
	}
	if ((rc = sign_checkin__canonical(&canon, root)) != 0)
		goto out;
	if (canon.len != len || memcmp(canon.data, data, len) != 0) {
		for (i = 0; i < len && i < canon.len && canon.data[i] == data[i]; i++)
			;
		rc = sign_error__set(SIGN_ERR_MALFORMED, 0, "the record is not in canonical form "
		    "(sorted keys, no white space, UTF-8 unescaped, nothing after it): it differs "
		    "at byte %zu", i);
		goto out;
	}
	schema = json_object_get(root, "schema");
	if (!json_is_integer(schema)) {
		rc = sign_error__set(SIGN_ERR_MALFORMED, 0, "the record has no \"schema\" number");
		goto out;
	}
	if (json_integer_value(schema) != SIGN_CHECKIN_SCHEMA) {
		rc = sign_error__set(SIGN_ERR_UNSUPPORTED, 0, "the record is of schema %lld; this "
		    "kyso reads schema %d", (long long)json_integer_value(schema),
		    SIGN_CHECKIN_SCHEMA);
		goto out;
	}
	if ((rc = sign_checkin__validate(root)) != 0)
		goto out;
	rc = wrap(out, &root);
out:
	sign_buf_dispose(&canon);
	sign__json_dispose(root);
	return rc;
}
