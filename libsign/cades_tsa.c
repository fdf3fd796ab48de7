/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Asking an RFC 3161 time-stamp server for a signature time-stamp (CAdES-T):
 * a TimeStampReq over the SHA-256 of the signature value, with a fresh
 * nonce and the TSA certificate asked for, POSTed as
 * application/timestamp-query; the answer must be granted, and its token
 * must carry our imprint and nonce (OpenSSL's TS code checks both).  The
 * TSA's own signature and certificate are checked by verification
 * (cades_tst.c), against the verifier's trust anchors.  A batch asks on an
 * HTTP session per thread (sign_cades__tsa_token_on): one connection to the
 * server for many files, and for https one TLS handshake.  An https server
 * is verified against the system's CA store, or against the CA bundle named
 * (sign_cades_sign_opts.tsa_cacert) alone: a TSA whose certificate comes
 * from a private or government CA.
 */
#include "cades_priv.h"
#include "http_priv.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ts.h>

#define TSA_MAX_ANSWER (256 * 1024)
#define TSA_TIMEOUT_MS 30000L

static const char WHAT[] = "the time-stamp server";
/* where the bundle is set, as messages name it (kyso: --tsa-cacert, and
 * tsa-cacert in kyso.conf) */
static const char CA_SETTING[] = "tsa-cacert";

int
sign_cades__tsa_check(const char *url, const char *cacert)
{
	if (url == NULL)
		return 0;
	if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)
		return sign_error__set(SIGN_ERR_USAGE, 0, "%s URL %s is not http:// or https://",
		    WHAT, url);
	if (cacert == NULL)
		return 0;
	if (strncmp(url, "https://", 8) != 0)
		return sign_error__set(SIGN_ERR_USAGE, 0, "a CA bundle for %s (%s) verifies an "
		    "https:// server, but %s is plain http://: no TLS, nothing to verify; give "
		    "its https:// URL, or leave the CA bundle out", WHAT, CA_SETTING, url);
	return sign_http__check_ca_bundle(cacert, "the time-stamp server's CA bundle",
	    "the CA certificates that issue the server's", CA_SETTING);
}

int
sign_cades__tsa_session_new(struct sign_http__session **out, const char *cacert)
{
	int rc = sign_http__session_new(out);

	if (rc == 0)
		rc = sign_http__session_set_ca(*out, cacert, CA_SETTING);
	if (rc != 0) {
		sign_http__session_free(*out);
		*out = NULL;
	}
	return rc;
}

/* The request; *req for checking the answer against it. */
static int
make_request(TS_REQ **req, const unsigned char *sig, size_t sig_len, sign_buf *der)
{
	unsigned char md[32], nb[8];
	TS_MSG_IMPRINT *mi = TS_MSG_IMPRINT_new();
	X509_ALGOR *alg = X509_ALGOR_new();
	ASN1_INTEGER *nonce = NULL;
	BIGNUM *bn = NULL;
	unsigned char *p = NULL;
	int n, rc = 0;

	*req = TS_REQ_new();
	if (*req == NULL || mi == NULL || alg == NULL ||
	    !EVP_Digest(sig, sig_len, md, NULL, EVP_sha256(), NULL) ||
	    !X509_ALGOR_set0(alg, OBJ_nid2obj(NID_sha256), V_ASN1_NULL, NULL) ||
	    !TS_MSG_IMPRINT_set_algo(mi, alg) || !TS_MSG_IMPRINT_set_msg(mi, md, sizeof(md)) ||
	    !TS_REQ_set_version(*req, 1) || !TS_REQ_set_msg_imprint(*req, mi) ||
	    !TS_REQ_set_cert_req(*req, 1) || RAND_bytes(nb, sizeof(nb)) != 1 ||
	    (bn = BN_bin2bn(nb, sizeof(nb), NULL)) == NULL ||
	    (nonce = BN_to_ASN1_INTEGER(bn, NULL)) == NULL || !TS_REQ_set_nonce(*req, nonce) ||
	    (n = i2d_TS_REQ(*req, &p)) <= 0) {
		rc = sign_error__openssl(SIGN_ERR_CRYPTO, "cannot make the time-stamp request");
		goto out;
	}
	rc = sign_buf__set(der, p, (size_t)n);
out:
	OPENSSL_free(p);
	ASN1_INTEGER_free(nonce);
	BN_free(bn);
	X509_ALGOR_free(alg);
	TS_MSG_IMPRINT_free(mi);
	return rc;
}

/* One request on a session of its own: its connection is closed after it. */
int
sign_cades__tsa_token(const char *url, const char *cacert, const unsigned char *sig,
    size_t sig_len, sign_buf *token)
{
	sign_http__session *s = NULL;
	int rc;

	rc = sign_cades__tsa_session_new(&s, cacert);
	if (rc == 0)
		rc = sign_cades__tsa_token_on(s, url, sig, sig_len, token);
	sign_http__session_free(s);
	return rc;
}

int
sign_cades__tsa_token_on(struct sign_http__session *session, const char *url,
    const unsigned char *sig, size_t sig_len, sign_buf *token)
{
	sign_buf q = SIGN_BUF_INIT, a = SIGN_BUF_INIT;
	TS_REQ *req = NULL;
	TS_RESP *resp = NULL;
	TS_VERIFY_CTX *vctx = NULL;
	const unsigned char *p;
	unsigned char *der = NULL;
	char why[200];
	long status = 0, st;
	int n, rc;

	rc = make_request(&req, sig, sig_len, &q);
	if (rc == 0 && session != NULL)
		rc = sign_http__session_post(session, url, WHAT, "application/timestamp-query",
		    q.data, q.len, TSA_MAX_ANSWER, TSA_TIMEOUT_MS, &status, &a);
	else if (rc == 0)
		rc = sign_http__post(url, WHAT, "application/timestamp-query", q.data, q.len,
		    TSA_MAX_ANSWER, TSA_TIMEOUT_MS, &status, &a);
	if (rc != 0)
		goto out;
	if (status != 200) {
		rc = sign_error__set(SIGN_ERR_NETWORK, (unsigned long)status, "%s %s answered HTTP "
		    "%ld; check the URL, or try again later", WHAT, url, status);
		goto out;
	}
	p = a.data;
	resp = d2i_TS_RESP(NULL, &p, (long)a.len);
	if (resp == NULL || p != a.data + a.len) {
		rc = sign_error__set(SIGN_ERR_SERVER_RESPONSE, 0, "%s %s answered something that "
		    "is not a time-stamp response (RFC 3161); check the URL", WHAT, url);
		goto out;
	}
	st = ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(TS_RESP_get_status_info(resp)));
	if (st != 0 && st != 1) {   /* granted, grantedWithMods */
		rc = sign_error__set(SIGN_ERR_NETWORK, (unsigned long)st, "%s %s refused the "
		    "time-stamp (status %ld: %s); ask its operator, or use another server", WHAT,
		    url, st, st == 2 ? "rejection" : st == 3 ? "waiting" : st == 4 ?
		    "revocation warning" : st == 5 ? "revocation notification" : "unknown");
		goto out;
	}
	/* our imprint and nonce, version 1 (the TSA's signature: at verification) */
	vctx = TS_REQ_to_TS_VERIFY_CTX(req, NULL);
	if (vctx == NULL || TS_RESP_verify_response(vctx, resp) != 1) {
		unsigned long e = ERR_peek_last_error();

		snprintf(why, sizeof(why), "%s", e != 0 && ERR_reason_error_string(e) != NULL ?
		    ERR_reason_error_string(e) : "it does not match the request");
		rc = sign_error__set(SIGN_ERR_SERVER_RESPONSE, 0, "%s %s answered a time-stamp "
		    "that is not for this signature (%s)", WHAT, url, why);
		goto out;
	}
	n = i2d_PKCS7(TS_RESP_get_token(resp), &der);
	if (n <= 0) {
		rc = sign_error__openssl(SIGN_ERR_CRYPTO, "cannot encode the time-stamp token");
		goto out;
	}
	rc = sign_buf__set(token, der, (size_t)n);
out:
	ERR_clear_error();
	OPENSSL_free(der);
	TS_VERIFY_CTX_free(vctx);
	TS_RESP_free(resp);
	TS_REQ_free(req);
	sign_buf_dispose(&q);
	sign_buf_dispose(&a);
	return rc;
}
