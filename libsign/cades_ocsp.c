/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The status of one certificate from an OCSP responder (RFC 6960), for the
 * revocation check (cades_revocation.c): the responder named in the
 * certificate (authorityInfoAccess, id-ad-ocsp) or the one the caller gives,
 * asked over HTTP with a nonce; the answer must be signed by the issuer or
 * by a responder it delegated (OCSPSigning), chain to a trust anchor, carry
 * our nonce, and be current.
 */
#include "cades_priv.h"
#include "http_priv.h"

#include <stdlib.h>
#include <string.h>
#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/x509v3.h>

#define OCSP_MAX_ANSWER (256 * 1024)
#define OCSP_TIMEOUT_MS 20000L
#define OCSP_SKEW_S 300L

static const char WHAT[] = "the OCSP responder";

/* The responder URL the certificate names (malloc'd), or NULL. */
static char *
aia_ocsp_url(X509 *x)
{
	STACK_OF(OPENSSL_STRING) *urls = X509_get1_ocsp(x);
	char *u = NULL;

	if (urls != NULL && sk_OPENSSL_STRING_num(urls) > 0)
		u = strdup(sk_OPENSSL_STRING_value(urls, 0));
	X509_email_free(urls);
	return u;
}

int
sign_cades__ocsp_status(X509 *x, X509 *issuer, const char *url_given, STACK_OF(X509) *certs,
    const sign_trust *trust, time_t *rev_time, int *reason, char *msg, size_t cap)
{
	OCSP_REQUEST *req = NULL;
	OCSP_RESPONSE *resp = NULL;
	OCSP_BASICRESP *bs = NULL;
	OCSP_CERTID *id = NULL;
	X509_STORE *store = NULL;
	STACK_OF(X509) *anchors = sign_trust__anchors(trust);
	ASN1_GENERALIZEDTIME *rt = NULL, *thisupd = NULL, *nextupd = NULL;
	sign_buf q = SIGN_BUF_INIT, a = SIGN_BUF_INIT;
	unsigned char *der = NULL;
	const unsigned char *p;
	char *url = NULL;
	long status = 0;
	struct tm tm;
	int i, n, st = -1, rc = SIGN_CADES__OCSP_UNKNOWN;

	*rev_time = 0;
	*reason = -1;
	url = url_given != NULL ? strdup(url_given) : aia_ocsp_url(x);
	if (url == NULL) {
		snprintf(msg, cap, "the certificate names no OCSP responder");
		goto out;
	}
	req = OCSP_REQUEST_new();
	id = OCSP_cert_to_id(NULL, x, issuer);
	if (req == NULL || id == NULL || OCSP_request_add0_id(req, id) == NULL) {
		snprintf(msg, cap, "an OCSP request could not be made");
		goto out;
	}
	id = NULL;      /* the request's now; find it again in the answer below */
	if (!OCSP_request_add1_nonce(req, NULL, -1) || (n = i2d_OCSP_REQUEST(req, &der)) <= 0 ||
	    sign_buf__set(&q, der, (size_t)n) != 0) {
		snprintf(msg, cap, "an OCSP request could not be made");
		goto out;
	}
	if (sign_http__post(url, WHAT, "application/ocsp-request", q.data, q.len,
	    OCSP_MAX_ANSWER, OCSP_TIMEOUT_MS, &status, &a) != 0) {
		snprintf(msg, cap, "no OCSP answer: %s", sign_error_message());
		goto out;
	}
	if (status != 200) {
		snprintf(msg, cap, "no OCSP answer: %s %s answered HTTP %ld", WHAT, url, status);
		goto out;
	}
	p = a.data;
	resp = d2i_OCSP_RESPONSE(NULL, &p, (long)a.len);
	if (resp == NULL || p != a.data + a.len) {
		snprintf(msg, cap, "%s %s answered something that is not an OCSP response", WHAT,
		    url);
		goto out;
	}
	if ((i = OCSP_response_status(resp)) != OCSP_RESPONSE_STATUS_SUCCESSFUL) {
		snprintf(msg, cap, "%s %s refused (%s)", WHAT, url, OCSP_response_status_str(i));
		goto out;
	}
	bs = OCSP_response_get1_basic(resp);
	if (bs == NULL || OCSP_check_nonce(req, bs) != 1) {
		snprintf(msg, cap, "%s %s answered without our nonce (a replayed answer?)", WHAT,
		    url);
		goto out;
	}
	store = X509_STORE_new();
	if (store == NULL) {
		snprintf(msg, cap, "out of memory");
		goto out;
	}
	for (i = 0; anchors != NULL && i < sk_X509_num(anchors); i++)
		X509_STORE_add_cert(store, sk_X509_value(anchors, i));
	X509_STORE_set_flags(store, X509_V_FLAG_PARTIAL_CHAIN);
	if (OCSP_basic_verify(bs, certs, store, 0) != 1) {
		unsigned long e = ERR_peek_last_error();

		snprintf(msg, cap, "the answer of %s %s does not verify (%s): it is not from the "
		    "issuer or a responder it named", WHAT, url, e != 0 &&
		    ERR_reason_error_string(e) != NULL ? ERR_reason_error_string(e) : "?");
		goto out;
	}
	id = OCSP_cert_to_id(NULL, x, issuer);
	if (id == NULL || !OCSP_resp_find_status(bs, id, &st, reason, &rt, &thisupd, &nextupd)) {
		snprintf(msg, cap, "%s %s answered about other certificates", WHAT, url);
		goto out;
	}
	if (!OCSP_check_validity(thisupd, nextupd, OCSP_SKEW_S, -1)) {
		snprintf(msg, cap, "the answer of %s %s is not current", WHAT, url);
		goto out;
	}
	if (st == V_OCSP_CERTSTATUS_GOOD) {
		snprintf(msg, cap, "%s", url);
		rc = SIGN_CADES__OCSP_GOOD;
	} else if (st == V_OCSP_CERTSTATUS_REVOKED && rt != NULL && ASN1_TIME_to_tm(rt, &tm)) {
		*rev_time = timegm(&tm);
		snprintf(msg, cap, "%s", url);
		rc = SIGN_CADES__OCSP_REVOKED;
	} else {
		snprintf(msg, cap, "%s %s does not know the certificate", WHAT, url);
	}
out:
	ERR_clear_error();
	free(url);
	OPENSSL_free(der);
	OCSP_CERTID_free(id);
	X509_STORE_free(store);
	OCSP_BASICRESP_free(bs);
	OCSP_RESPONSE_free(resp);
	OCSP_REQUEST_free(req);
	sign_buf_dispose(&q);
	sign_buf_dispose(&a);
	return rc;
}
