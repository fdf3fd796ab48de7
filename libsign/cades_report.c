/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* CAdES verification report: construction, verdicts, accessors, names. */
#include "cades_priv.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/bn.h>
#include <openssl/err.h>

int
sign_cades__report_new(sign_cades_report **out)
{
	*out = calloc(1, sizeof(**out));
	if (*out == NULL)
		return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
	return 0;
}

int
sign_cades__report_add(sign_cades_report *r, struct sign_cades_signature **out)
{
	struct sign_cades_signature *p;

	p = realloc(r->sigs, (r->nsigs + 1) * sizeof(*p));
	if (p == NULL)
		return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
	r->sigs = p;
	p = &r->sigs[r->nsigs++];
	memset(p, 0, sizeof(*p));
	p->indication = SIGN_CADES_INDETERMINATE;
	*out = p;
	return 0;
}

static void
sig_clear(struct sign_cades_signature *s)
{
	size_t i;

	free(s->signer_name);
	free(s->signer_subject);
	free(s->serial);
	for (i = 0; i < s->nchain; i++) {
		free(s->chain[i].name);
		free(s->chain[i].der);
	}
	free(s->chain);
}

void
sign_cades_report_free(sign_cades_report *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->nsigs; i++)
		sig_clear(&r->sigs[i]);
	free(r->sigs);
	free(r->content_path);
	free(r);
}

void
sign_cades__check(struct sign_cades_signature *s, sign_cades_check id, sign_cades_status status,
    sign_cades_subindication sub, const char *fmt, ...)
{
	struct cades_check *c = NULL;
	va_list ap;
	size_t i;

	for (i = 0; i < s->nchecks; i++)
		if (s->checks[i].id == id)
			c = &s->checks[i];
	if (c == NULL) {
		if (s->nchecks >= CADES_MAX_CHECKS)
			return;
		/* keep the checks in their enum order */
		for (i = s->nchecks; i > 0 && s->checks[i - 1].id > id; i--)
			s->checks[i] = s->checks[i - 1];
		c = &s->checks[i];
		s->nchecks++;
	}
	c->id = id;
	c->status = status;
	c->sub = status == SIGN_CADES_STATUS_PASSED || status == SIGN_CADES_STATUS_SKIPPED ?
	    SIGN_CADES_SUB_NONE : sub;
	va_start(ap, fmt);
	vsnprintf(c->detail, sizeof(c->detail), fmt, ap);
	va_end(ap);
}

void
sign_cades__warn(struct sign_cades_signature *s, const char *fmt, ...)
{
	va_list ap;

	if (s->nwarnings >= CADES_MAX_WARNINGS)
		return;
	va_start(ap, fmt);
	vsnprintf(s->warnings[s->nwarnings++], sizeof(s->warnings[0]), fmt, ap);
	va_end(ap);
}

void
sign_cades__conclude(struct sign_cades_signature *s)
{
	size_t i;

	s->indication = SIGN_CADES_TOTAL_PASSED;
	s->sub = SIGN_CADES_SUB_NONE;
	/* A proven failure decides; otherwise the first check that could not
	 * be decided (EN 319 102-1: cryptographic failures take precedence). */
	for (i = 0; i < s->nchecks; i++) {
		if (s->checks[i].status == SIGN_CADES_STATUS_FAILED) {
			s->indication = SIGN_CADES_TOTAL_FAILED;
			s->sub = s->checks[i].sub;
			return;
		}
	}
	for (i = 0; i < s->nchecks; i++) {
		if (s->checks[i].status == SIGN_CADES_STATUS_INDETERMINATE) {
			s->indication = SIGN_CADES_INDETERMINATE;
			s->sub = s->checks[i].sub;
			return;
		}
	}
}

void
sign_cades__report_conclude(sign_cades_report *r)
{
	size_t i;

	r->indication = SIGN_CADES_TOTAL_PASSED;
	r->sub = SIGN_CADES_SUB_NONE;
	for (i = 0; i < r->nsigs; i++) {
		if (r->sigs[i].indication > r->indication) {
			r->indication = r->sigs[i].indication;
			r->sub = r->sigs[i].sub;
		}
	}
}

int
sign_cades__report_rc(const sign_cades_report *r)
{
	const struct sign_cades_signature *s = NULL;
	const char *detail = "";
	size_t i, k = 0;
	int code;

	if (r->indication == SIGN_CADES_TOTAL_PASSED)
		return 0;
	for (i = 0; i < r->nsigs; i++) {
		if (r->sigs[i].indication == r->indication) {
			s = &r->sigs[i];
			k = i;
			break;
		}
	}
	if (s != NULL) {
		for (i = 0; i < s->nchecks; i++) {
			if (s->checks[i].status != SIGN_CADES_STATUS_PASSED &&
			    s->checks[i].status != SIGN_CADES_STATUS_SKIPPED &&
			    s->checks[i].sub == s->sub) {
				detail = s->checks[i].detail;
				break;
			}
		}
	}
	switch (r->sub) {
	case SIGN_CADES_SUB_HASH_FAILURE: code = SIGN_ERR_HASH_MISMATCH; break;
	case SIGN_CADES_SUB_OUT_OF_BOUNDS_NO_POE: code = SIGN_ERR_EXPIRED; break;
	case SIGN_CADES_SUB_NOT_YET_VALID: code = SIGN_ERR_NOT_YET_VALID; break;
	default:
		code = r->indication == SIGN_CADES_TOTAL_FAILED ? SIGN_ERR_VERIFY :
		    SIGN_ERR_UNTRUSTED;
	}
	return sign_error__set(code, 0, "signature %zu: %s/%s: %s", k + 1,
	    sign_cades_indication_str(r->indication), sign_cades_subindication_str(r->sub),
	    detail);
}

void
sign_cades__iso_time(time_t t, char *buf, size_t cap)
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL) {
		snprintf(buf, cap, "?");
		return;
	}
	strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* ---- certificate names --------------------------------------------------- */

char *
sign_cades__cert_subject(X509 *x)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *s = NULL, *data;
	long n;

	if (bio == NULL)
		return NULL;
	if (X509_NAME_print_ex(bio, X509_get_subject_name(x), 0,
	    (ASN1_STRFLGS_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) | XN_FLAG_SEP_CPLUS_SPC |
	    XN_FLAG_FN_SN) >= 0) {
		n = BIO_get_mem_data(bio, &data);
		if (n >= 0 && (s = malloc((size_t)n + 1)) != NULL) {
			memcpy(s, data, (size_t)n);
			s[n] = '\0';
		}
	}
	BIO_free(bio);
	ERR_clear_error();
	return s;
}

char *
sign_cades__cert_name(X509 *x)
{
	X509_NAME *name = X509_get_subject_name(x);
	unsigned char *utf8 = NULL;
	char *s = NULL;
	int i, n;

	i = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
	if (i >= 0) {
		n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i)));
		if (n >= 0 && (s = malloc((size_t)n + 1)) != NULL) {
			memcpy(s, utf8, (size_t)n);
			s[n] = '\0';
		}
		OPENSSL_free(utf8);
		ERR_clear_error();
		if (s != NULL)
			return s;
	}
	return sign_cades__cert_subject(x);
}

int
sign_cades__set_chain(struct sign_cades_signature *s, STACK_OF(X509) *path, int trusted)
{
	int i, n = sk_X509_num(path);

	if (n <= 0)
		return 0;
	s->chain = calloc((size_t)n, sizeof(*s->chain));
	if (s->chain == NULL)
		return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
	for (i = 0; i < n; i++) {
		X509 *x = sk_X509_value(path, i);
		struct cades_chain_ent *e = &s->chain[i];
		unsigned char *der = NULL;
		int len = i2d_X509(x, &der);

		e->name = sign_cades__cert_name(x);
		if (len <= 0 || e->name == NULL || (e->der = malloc((size_t)len)) == NULL) {
			OPENSSL_free(der);
			free(e->name);
			e->name = NULL;
			return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
		}
		memcpy(e->der, der, (size_t)len);
		e->len = (size_t)len;
		OPENSSL_free(der);
		s->nchain++;
	}
	s->chain_trusted = trusted;
	return 0;
}

/* ---- accessors ----------------------------------------------------------- */

sign_cades_indication
sign_cades_report_indication(const sign_cades_report *r)
{
	return r == NULL ? SIGN_CADES_TOTAL_FAILED : r->indication;
}

sign_cades_subindication
sign_cades_report_subindication(const sign_cades_report *r)
{
	return r == NULL ? SIGN_CADES_SUB_NONE : r->sub;
}

int
sign_cades_report_attached(const sign_cades_report *r)
{
	return r != NULL && r->attached;
}

const char *
sign_cades_report_content_path(const sign_cades_report *r)
{
	return r == NULL ? NULL : r->content_path;
}

unsigned long long
sign_cades_report_content_length(const sign_cades_report *r)
{
	return r == NULL ? 0 : (unsigned long long)r->content_len;
}

size_t
sign_cades_report_count(const sign_cades_report *r)
{
	return r == NULL ? 0 : r->nsigs;
}

const sign_cades_signature *
sign_cades_report_get(const sign_cades_report *r, size_t i)
{
	return r == NULL || i >= r->nsigs ? NULL : &r->sigs[i];
}

sign_cades_indication
sign_cades_signature_indication(const sign_cades_signature *s)
{
	return s == NULL ? SIGN_CADES_TOTAL_FAILED : s->indication;
}

sign_cades_subindication
sign_cades_signature_subindication(const sign_cades_signature *s)
{
	return s == NULL ? SIGN_CADES_SUB_NONE : s->sub;
}

const char *
sign_cades_signature_signer(const sign_cades_signature *s)
{
	return s == NULL || s->signer_name == NULL ? "" : s->signer_name;
}

const char *
sign_cades_signature_subject(const sign_cades_signature *s)
{
	return s == NULL || s->signer_subject == NULL ? "" : s->signer_subject;
}

const char *
sign_cades_signature_serial(const sign_cades_signature *s)
{
	return s == NULL || s->serial == NULL ? "" : s->serial;
}

int
sign_cades_signature_signing_time(const sign_cades_signature *s, time_t *out)
{
	if (s == NULL || out == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "no signature given");
	if (!s->has_signing_time)
		return SIGN_ERR_NOT_FOUND;
	*out = s->signing_time;
	return 0;
}

const char *
sign_cades_signature_format(const sign_cades_signature *s)
{
	return s == NULL ? "" : s->format;
}

const char *
sign_cades_signature_digest(const sign_cades_signature *s)
{
	return s == NULL ? "" : s->md_name;
}

const char *
sign_cades_signature_algorithm(const sign_cades_signature *s)
{
	return s == NULL ? "" : s->sig_alg;
}

size_t
sign_cades_signature_chain_count(const sign_cades_signature *s)
{
	return s == NULL ? 0 : s->nchain;
}

const char *
sign_cades_signature_chain_name(const sign_cades_signature *s, size_t i)
{
	return s == NULL || i >= s->nchain ? NULL : s->chain[i].name;
}

int
sign_cades_signature_chain_cert(const sign_cades_signature *s, size_t i,
    const unsigned char **der, size_t *len)
{
	if (s == NULL || i >= s->nchain || der == NULL || len == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "no such certificate");
	*der = s->chain[i].der;
	*len = s->chain[i].len;
	return 0;
}

int
sign_cades_signature_chain_trusted(const sign_cades_signature *s)
{
	return s != NULL && s->chain_trusted;
}

size_t
sign_cades_signature_check_count(const sign_cades_signature *s)
{
	return s == NULL ? 0 : s->nchecks;
}

int
sign_cades_signature_check(const sign_cades_signature *s, size_t i, sign_cades_check *id,
    sign_cades_status *status, const char **detail)
{
	if (s == NULL || i >= s->nchecks)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "no such check");
	if (id != NULL)
		*id = s->checks[i].id;
	if (status != NULL)
		*status = s->checks[i].status;
	if (detail != NULL)
		*detail = s->checks[i].detail;
	return 0;
}

/* ---- names --------------------------------------------------------------- */

size_t
sign_cades_signature_warning_count(const sign_cades_signature *s)
{
	return s == NULL ? 0 : s->nwarnings;
}

const char *
sign_cades_signature_warning(const sign_cades_signature *s, size_t i)
{
	return s == NULL || i >= s->nwarnings ? NULL : s->warnings[i];
}

const char *
sign_cades_indication_str(sign_cades_indication ind)
{
	switch (ind) {
	case SIGN_CADES_TOTAL_PASSED: return "TOTAL-PASSED";
	case SIGN_CADES_INDETERMINATE: return "INDETERMINATE";
	case SIGN_CADES_TOTAL_FAILED: return "TOTAL-FAILED";
	}
	return "TOTAL-FAILED";
}

const char *
sign_cades_subindication_str(sign_cades_subindication sub)
{
	switch (sub) {
	case SIGN_CADES_SUB_NONE: return "";
	case SIGN_CADES_SUB_FORMAT_FAILURE: return "FORMAT_FAILURE";
	case SIGN_CADES_SUB_HASH_FAILURE: return "HASH_FAILURE";
	case SIGN_CADES_SUB_SIG_CRYPTO_FAILURE: return "SIG_CRYPTO_FAILURE";
	case SIGN_CADES_SUB_CHAIN_CONSTRAINTS_FAILURE: return "CHAIN_CONSTRAINTS_FAILURE";
	case SIGN_CADES_SUB_NO_SIGNING_CERTIFICATE_FOUND: return "NO_SIGNING_CERTIFICATE_FOUND";
	case SIGN_CADES_SUB_NO_CERTIFICATE_CHAIN_FOUND: return "NO_CERTIFICATE_CHAIN_FOUND";
	case SIGN_CADES_SUB_OUT_OF_BOUNDS_NO_POE: return "OUT_OF_BOUNDS_NO_POE";
	case SIGN_CADES_SUB_NOT_YET_VALID: return "NOT_YET_VALID";
	case SIGN_CADES_SUB_CERTIFICATE_CHAIN_GENERAL_FAILURE:
		return "CERTIFICATE_CHAIN_GENERAL_FAILURE";
	case SIGN_CADES_SUB_CRYPTO_CONSTRAINTS_FAILURE_NO_POE:
		return "CRYPTO_CONSTRAINTS_FAILURE_NO_POE";
	case SIGN_CADES_SUB_REVOKED_NO_POE: return "REVOKED_NO_POE";
	case SIGN_CADES_SUB_REVOKED_CA_NO_POE: return "REVOKED_CA_NO_POE";
	case SIGN_CADES_SUB_TRY_LATER: return "TRY_LATER";
	}
	return "";
}

const char *
sign_cades_check_str(sign_cades_check check)
{
	switch (check) {
	case SIGN_CADES_CHECK_FORMAT: return "format";
	case SIGN_CADES_CHECK_SIGNING_CERTIFICATE: return "signing_certificate";
	case SIGN_CADES_CHECK_MESSAGE_DIGEST: return "message_digest";
	case SIGN_CADES_CHECK_SIGNATURE_VALUE: return "signature_value";
	case SIGN_CADES_CHECK_CHAIN: return "certificate_chain";
	case SIGN_CADES_CHECK_VALIDITY: return "validity";
	case SIGN_CADES_CHECK_KEY_USAGE: return "key_usage";
	case SIGN_CADES_CHECK_REVOCATION: return "revocation";
	case SIGN_CADES_CHECK_SIGNATURE_TIMESTAMP: return "signature_timestamp";
	}
	return "unknown";
}

const char *
sign_cades_status_str(sign_cades_status status)
{
	switch (status) {
	case SIGN_CADES_STATUS_PASSED: return "PASSED";
	case SIGN_CADES_STATUS_FAILED: return "FAILED";
	case SIGN_CADES_STATUS_INDETERMINATE: return "INDETERMINATE";
	case SIGN_CADES_STATUS_SKIPPED: return "SKIPPED";
	}
	return "SKIPPED";
}
