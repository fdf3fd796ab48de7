/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The status of one certificate from an OCSP responder (RFC 6960), for the
 * revocation check (cades_revocation.c): the responder named in the
 * certificate (authorityInfoAccess, id-ad-ocsp) or the one the caller gives,
 * asked over HTTP with a nonce; the answer must be signed by the issuer or
 * by a responder it delegated (OCSPSigning), chain to a trust anchor, carry
 * our nonce, and be current.
 *
 * A delegated responder's certificate (RFC 6960 4.2.2.2.1) with the
 * id-pkix-ocsp-nocheck extension is trusted for its lifetime.  One without
 * it is checked against the CRLs given (its issuer's, the issuer of the
 * certificate asked about), and those of its own distribution points with
 * SIGN_CADES_VERIFY_CRL_FETCH: revoked, its answers are not used (the CRLs then
 * answer for the certificate, as for any unusable answer); when no CRL
 * given can tell, the answer is used as it is - the responder's own
 * authority - and the report says that the responder's revocation was not
 * checked, so an auditor can get its CRL.
 *
 * With a run's cache (cades_revcache.c) each certificate is asked about
 * once per responder, and a responder that gives no answer once per run.
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

/* The CertID and the URL, hashed: the cache key. */
static int
answer_key(const OCSP_CERTID *id, const char *url, unsigned char key[32])
{
	unsigned char *der = NULL;
	EVP_MD_CTX *ctx = NULL;
	unsigned int n = 0;
	int len, ok = 0;

	if (id == NULL || (len = i2d_OCSP_CERTID(id, &der)) <= 0)
		goto out;
	ctx = EVP_MD_CTX_new();
	ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) &&
	    EVP_DigestUpdate(ctx, der, (size_t)len) && EVP_DigestUpdate(ctx, "", 1) &&
	    EVP_DigestUpdate(ctx, url, strlen(url)) && EVP_DigestFinal_ex(ctx, key, &n) &&
	    n == 32;
out:
	EVP_MD_CTX_free(ctx);
	OPENSSL_free(der);
	ERR_clear_error();
	return ok;
}

static time_t
gtime(const ASN1_GENERALIZEDTIME *t)
{
	struct tm tm;

	return t != NULL && ASN1_TIME_to_tm(t, &tm) ? timegm(&tm) : 0;
}

/*
 * Ask url about the certificate of CertID id (NULL: it could not be made),
 * issued by issuer: the answer in *a (rc UNKNOWN with why in a->msg when it
 * is not usable).  1 when the responder gave no answer at all (unreachable,
 * an HTTP error): that is the responder's state, not the certificate's.
 */
static int
ask(OCSP_CERTID *id, X509 *issuer, const char *url, const struct cades_ocsp *o,
    struct cades_ocsp_answer *a)
{
	OCSP_REQUEST *req = NULL;
	OCSP_RESPONSE *resp = NULL;
	OCSP_BASICRESP *bs = NULL;
	OCSP_CERTID *rid = NULL;
	X509_STORE *store = NULL;
	X509 *signer = NULL;
	STACK_OF(X509) *anchors = sign_trust__anchors(o->trust);
	ASN1_GENERALIZEDTIME *rt = NULL, *thisupd = NULL, *nextupd = NULL;
	sign_buf q = SIGN_BUF_INIT, r = SIGN_BUF_INIT;
	unsigned char *der = NULL;
	const unsigned char *p;
	char *msg = a->msg;
	size_t cap = sizeof(a->msg);
	long status = 0;
	int i, n, st = -1, dead = 0;

	a->rc = SIGN_CADES__OCSP_UNKNOWN;
	req = OCSP_REQUEST_new();
	if (req == NULL || id == NULL || (rid = OCSP_CERTID_dup(id)) == NULL ||
	    OCSP_request_add0_id(req, rid) == NULL) {
		snprintf(msg, cap, "an OCSP request could not be made");
		goto out;
	}
	rid = NULL;     /* the request's now */
	if (!OCSP_request_add1_nonce(req, NULL, -1) || (n = i2d_OCSP_REQUEST(req, &der)) <= 0 ||
	    sign_buf__set(&q, der, (size_t)n) != 0) {
		snprintf(msg, cap, "an OCSP request could not be made");
		goto out;
	}
	sign_cades__revcache_count_ocsp(o->cache);
	if (sign_http__post(url, WHAT, "application/ocsp-request", q.data, q.len,
	    OCSP_MAX_ANSWER, OCSP_TIMEOUT_MS, &status, &r) != 0) {
		snprintf(msg, cap, "no OCSP answer: %s", sign_error_message());
		dead = 1;
		goto out;
	}
	if (status != 200) {
		snprintf(msg, cap, "no OCSP answer: %s %s answered HTTP %ld", WHAT, url, status);
		dead = 1;
		goto out;
	}
	p = r.data;
	resp = d2i_OCSP_RESPONSE(NULL, &p, (long)r.len);
	if (resp == NULL || p != r.data + r.len) {
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
	if (OCSP_basic_verify(bs, o->certs, store, 0) != 1) {
		unsigned long e = ERR_peek_last_error();

		snprintf(msg, cap, "the answer of %s %s does not verify (%s): it is not from the "
		    "issuer or a responder it named", WHAT, url, e != 0 &&
		    ERR_reason_error_string(e) != NULL ? ERR_reason_error_string(e) : "?");
		goto out;
	}
	if (!OCSP_resp_find_status(bs, id, &st, &a->reason, &rt, &thisupd, &nextupd)) {
		snprintf(msg, cap, "%s %s answered about other certificates", WHAT, url);
		goto out;
	}
	if (!OCSP_check_validity(thisupd, nextupd, OCSP_SKEW_S, -1)) {
		snprintf(msg, cap, "the answer of %s %s is not current", WHAT, url);
		goto out;
	}
	a->next_update = nextupd != NULL ? gtime(nextupd) + OCSP_SKEW_S : 0;
	/* Who signed: the issuer itself, or a responder it delegated (verified
	 * above); one without id-pkix-ocsp-nocheck is to be checked. */
	if (OCSP_resp_get0_signer(bs, &signer, o->certs) == 1 && signer != NULL &&
	    X509_cmp(signer, issuer) != 0 &&
	    X509_get_ext_by_NID(signer, NID_id_pkix_OCSP_noCheck, -1) < 0 &&
	    X509_up_ref(signer))
		a->responder = signer;
	if (st == V_OCSP_CERTSTATUS_GOOD) {
		snprintf(msg, cap, "%s", url);
		a->rc = SIGN_CADES__OCSP_GOOD;
	} else if (st == V_OCSP_CERTSTATUS_REVOKED && rt != NULL && gtime(rt) != 0) {
		a->rev_time = gtime(rt);
		snprintf(msg, cap, "%s", url);
		a->rc = SIGN_CADES__OCSP_REVOKED;
	} else {
		snprintf(msg, cap, "%s %s does not know the certificate", WHAT, url);
	}
out:
	ERR_clear_error();
	OPENSSL_free(der);
	OCSP_CERTID_free(rid);
	X509_STORE_free(store);
	OCSP_BASICRESP_free(bs);
	OCSP_RESPONSE_free(resp);
	OCSP_REQUEST_free(req);
	sign_buf_dispose(&q);
	sign_buf_dispose(&r);
	return dead;
}

/* A delegated responder certificate without id-pkix-ocsp-nocheck: its
 * revocation now, by the CRLs given.  0 when its answer may be used (note
 * says what is known of it), -1 when it is revoked (why in note). */
static int
check_responder(X509 *responder, X509 *issuer, const struct cades_ocsp *o, char *note,
    size_t cap)
{
	char msg[640], *rname = sign_cades__cert_name(responder);
	int st;

	st = sign_cades__crl_answer(responder, issuer, o->crls[0], o->crls[1], o->fetch, o->cache,
	    time(NULL), msg, sizeof(msg));
	if (st == CADES_REV_REVOKED)
		snprintf(note, cap, "its answer is not used: its certificate is revoked (%.400s)",
		    msg);
	else if (st == CADES_REV_OK)
		snprintf(note, cap, "; the responder certificate \"%.120s\" (no "
		    "id-pkix-ocsp-nocheck) is not revoked by the %.400s", rname != NULL ? rname : "?",
		    msg);
	else if (o->fetch)   /* why its distribution point did not tell is in msg */
		snprintf(note, cap, "; note: the revocation of the responder certificate \"%s\" "
		    "(no id-pkix-ocsp-nocheck) is not checked: %.360s; give its issuer's CRL with "
		    "--crl", rname != NULL ? rname : "?", msg);
	else
		snprintf(note, cap, "; note: the revocation of the responder certificate \"%s\" "
		    "(no id-pkix-ocsp-nocheck) is not checked: no CRL given tells it; give its "
		    "issuer's CRL with --crl", rname != NULL ? rname : "?");
	free(rname);
	return st == CADES_REV_REVOKED ? -1 : 0;
}

int
sign_cades__ocsp_status(X509 *x, X509 *issuer, const struct cades_ocsp *o,
    time_t *rev_time, int *reason, char *msg, size_t cap)
{
	struct cades_ocsp_answer a;
	OCSP_CERTID *id = NULL;
	unsigned char key[32];
	char note[700] = "", dmsg[400];
	char *url = NULL;
	int rc = SIGN_CADES__OCSP_UNKNOWN, cached = 0, keyed;

	memset(&a, 0, sizeof(a));
	*rev_time = 0;
	*reason = -1;
	url = o->url != NULL ? strdup(o->url) : aia_ocsp_url(x);
	if (url == NULL) {
		snprintf(msg, cap, "the certificate names no OCSP responder");
		goto out;
	}
	if (sign_cades__revcache_dead_get(o->cache, url, dmsg, sizeof(dmsg))) {
		snprintf(msg, cap, "%s (not asked again in this run)", dmsg);
		goto out;
	}
	/* the one CertID: the cache key, the request, and what the answer is about */
	id = OCSP_cert_to_id(NULL, x, issuer);
	ERR_clear_error();
	keyed = o->cache != NULL && answer_key(id, url, key);
	if (keyed)
		cached = sign_cades__revcache_ocsp_get(o->cache, key, time(NULL), &a);
	if (!cached) {
		a.reason = -1;
		if (ask(id, issuer, url, o, &a)) {
			sign_cades__revcache_dead_put(o->cache, url, a.msg);
			snprintf(msg, cap, "%s", a.msg);
			goto out;
		}
		if (keyed)
			sign_cades__revcache_ocsp_put(o->cache, key, &a);
	}
	if (a.rc != SIGN_CADES__OCSP_UNKNOWN && a.responder != NULL &&
	    check_responder(a.responder, issuer, o, note, sizeof(note)) != 0) {
		snprintf(msg, cap, "%s %s: %s", WHAT, url, note);
		goto out;
	}
	snprintf(msg, cap, "%s%s", a.msg, note);
	rc = a.rc;
	*rev_time = a.rev_time;
	*reason = a.rc == SIGN_CADES__OCSP_REVOKED ? a.reason : -1;
out:
	sign_cades__ocsp_answer_clear(&a);
	OCSP_CERTID_free(id);
	free(url);
	return rc;
}
