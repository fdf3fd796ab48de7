/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Private side of the insurance module: parsers, encoders and the HTTP
 * transport, visible to unit tests through libsigncore. */
#ifndef LIBSIGN_PRIV_INSURANCE_H
#define LIBSIGN_PRIV_INSURANCE_H

#include <time.h>
#include <jansson.h>
#include "internal.h"
#include "libsign/insurance.h"

/* Answers larger than this are refused (care history can be long). */
#define SIGN_INSURANCE__MAX_ANSWER (4u * 1024 * 1024)
/* Bound on tokens, usernames and other strings we send back. */
#define SIGN_INSURANCE__MAX_TOKEN 8192

/*
 * The transport: POST body (JSON) to url and return the HTTP status and the
 * answer's bytes.  log_url is url with secrets replaced, for messages.
 * Returns 0 when an HTTP answer came back (whatever its status); a negative
 * code otherwise, with *transient set to 1 when trying again may help
 * (connection refused, timed out, reset) and 0 when it cannot (certificate
 * verification, answer too large, truncated answer).
 */
typedef int (*sign_insurance__post_fn)(void *ctx, const char *url, const char *log_url,
    const char *body, size_t blen, long *status, sign_buf *answer, int *transient);

struct sign_insurance__transport {
	sign_insurance__post_fn post;
	void (*free)(void *ctx);
	void *ctx;
};

/* The libcurl transport (gateway_http.c).  Checks and loads the client
 * certificate and key; takes base (for messages) from opts. */
int sign_gateway__new(struct sign_insurance__transport *out, const sign_insurance_options *opts);

/* sign_insurance_client_new() with the transport t instead of libcurl's (t
 * NULL: libcurl's, through sign_gateway__new()).  The client owns t->ctx
 * from the call on, also when it fails (t->free is called then).  For the
 * fuzz target and tests: the rest of the client is the real one. */
int sign_insurance__client_new(sign_insurance_client **out, const sign_insurance_options *opts,
    const struct sign_insurance__transport *t);

/* Replace a client's transport (unit tests); the old one is freed.  The
 * client takes ownership of t->ctx. */
void sign_insurance__set_transport(sign_insurance_client *c,
    const struct sign_insurance__transport *t);
/* Number of token requests a client has made (unit tests). */
unsigned int sign_insurance__token_count(const sign_insurance_client *c);
/* Replace the clock a client uses for token expiry and warnings (tests). */
void sign_insurance__set_clock(sign_insurance_client *c, time_t (*now)(void));

/* MD5 of s as 32 lowercase hex digits into out[33]. */
int sign_insurance__md5_hex(char out[33], const char *s, size_t len);

/* Percent-encode s (RFC 3986: all but ALPHA DIGIT - . _ ~) into a new
 * string; NULL when out of memory. */
char *sign_insurance__urlencode(const char *s);

/* Check a base URL: https://, no userinfo, query or fragment, no blanks.
 * *out is a copy without trailing slashes. */
int sign_insurance__check_base(char **out, const char *url);

/* Form checks: 0 when fine, SIGN_ERR_INVALID_ARG with a message otherwise. */
int sign_insurance__check_staff_id(const char *id);
int sign_insurance__check_ma_the(const char *ma_the);
int sign_insurance__check_birth_date(const char *date);

/* Days since 1970-01-01 of a "dd/mm/yyyy" date; 0 or SIGN_ERR_MALFORMED. */
int sign_insurance__parse_date(const char *s, long *days);
/* Days since 1970-01-01 of the local date at t. */
long sign_insurance__local_days(time_t t);

/*
 * Parse the token step's answer.  The APIKey object ("APIKey" in any case)
 * or the top level holds access_token (required), id_token (may be absent:
 * then "") and an expiry: expires_in / expires / expires_at as seconds
 * (number or digits) from now or an ISO 8601 date-time (no zone: +07:00).
 * *expires is 0 when none was given or it cannot be read.  maKetQua 401 (or
 * 403) gives SIGN_ERR_SERVER_AUTH; no access_token SIGN_ERR_SERVER_RESPONSE
 * (or SIGN_ERR_SERVER_AUTH when maKetQua says why).  Outputs are new strings.
 */
int sign_insurance__parse_token(const char *data, size_t len, time_t now, char **access,
    char **id_token, time_t *expires);

/* Normalise a maKetQua value (a string of at most 16 printable characters,
 * digits padded to three; or an integer 0..9999) into out;
 * SIGN_ERR_MALFORMED when it is neither. */
int sign_insurance__code_from_json(const json_t *v, char out[17]);

/*
 * Make a result from an answer's bytes: a JSON object (duplicate keys and
 * trailing data refused) with maKetQua.  SIGN_ERR_SERVER_RESPONSE with the
 * reason otherwise.  today: days since 1970 for the warnings; facility may
 * be NULL.
 */
int sign_insurance__result_from_answer(sign_insurance_result **out, const char *data,
    size_t len, long http_status, long today, const char *facility, unsigned int warn_days);

/*
 * Judge the lookup step's answer as the client received it (after the
 * re-authentication that a 401 triggers): an HTTP status other than 2xx
 * without a result code is an HTTP failure (SIGN_ERR_HTTP, base names the
 * gateway in the message); otherwise the result of
 * sign_insurance__result_from_answer(), refused when a field the desk reads
 * has the wrong JSON type (SIGN_ERR_SERVER_RESPONSE) and when a covered code
 * (000-004) comes with a status other than 2xx (SIGN_ERR_HTTP).  What
 * sign_insurance_lookup() does with the bytes, and the entry of the
 * fuzz target tests/fuzz/fuzz_insurance.c.
 */
int sign_insurance__lookup_answer(sign_insurance_result **out, const char *base,
    const char *data, size_t len, long http_status, long today, const char *facility,
    unsigned int warn_days);

/* 1 when r has a covered code (000-004) from an answer whose HTTP status is
 * not 2xx: not coverage, at the desk (sign_insurance__lookup_answer) and
 * when a record is re-checked (checkin_verify.c). */
int sign_insurance__covered_in_error(const sign_insurance_result *r);

/* 1 when the bytes are a JSON object carrying maKetQua (any value). */
int sign_insurance__has_code(const char *data, size_t len);

/* ISO 8601 date-time to time_t; 0 or SIGN_ERR_MALFORMED. */
int sign_insurance__parse_iso8601(const char *s, time_t *out);

/*
 * Gateway answers and check-in records carry personal data (names, ID and
 * card numbers, dates of birth) and the gateway's access token.  wipe zeroes
 * every string value of j and of the arrays and objects under it that no one
 * else holds (reference count 1; a part held elsewhere is left whole).
 * dispose wipes, then drops the reference, when it is the last one
 * (otherwise it only drops it).  NULL-safe.
 */
void sign__json_wipe(json_t *j);
void sign__json_dispose(json_t *j);

#endif
