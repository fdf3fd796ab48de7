/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The revocation cache of a verification run (cades_revcache.c,
 * sign_trust_cache_revocation()): its tables (OCSP answers by key and while
 * current, silent responders, CRL signature checks by CRL and issuer,
 * fetched CRLs by URL), their
 * bound, and that verifying one signature several times with CRLs verifies
 * each CRL's signature once, with the same verdicts as without the cache.
 * The OCSP side against a responder is tested in verify_ocsp_cache.sh.
 */
#include "config.h"
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_cades_util.h"

static const unsigned char msg[] = "Biên bản kiểm tra thu hồi\n";
#define MSG_LEN (sizeof(msg) - 1)

static void
key_of(unsigned char key[32], int n)
{
	memset(key, 0, 32);
	key[0] = (unsigned char)n;
}

/* OCSP answers: found by key, copied, dropped past nextUpdate, replaced
 * oldest first when the table is full; the responder certificate held. */
static void
test_ocsp_table(void **state)
{
	struct cades_revcache *c = NULL;
	struct cades_ocsp_answer a, got;
	unsigned char k1[32], k2[32], k3[32];
	time_t now = time(NULL);

	(void)state;
	assert_int_equal(sign_cades__revcache_new(&c, 2), 0);
	key_of(k1, 1);
	key_of(k2, 2);
	key_of(k3, 3);
	memset(&a, 0, sizeof(a));
	a.rc = SIGN_CADES__OCSP_REVOKED;
	a.rev_time = now - 100;
	a.reason = 1;
	a.next_update = now + 600;
	a.responder = load_cert("ocsp.pem");
	assert_non_null(a.responder);
	snprintf(a.msg, sizeof(a.msg), "http://127.0.0.1:1/ocsp");
	sign_cades__revcache_ocsp_put(c, k1, &a);
	sign_cades__ocsp_answer_clear(&a);      /* the cache holds its own reference */
	assert_int_equal(sign_cades__revcache_ocsp_get(c, k1, now, &got), 1);
	assert_int_equal(got.rc, SIGN_CADES__OCSP_REVOKED);
	assert_int_equal(got.rev_time, now - 100);
	assert_int_equal(got.reason, 1);
	assert_string_equal(got.msg, "http://127.0.0.1:1/ocsp");
	assert_non_null(got.responder);
	sign_cades__ocsp_answer_clear(&got);
	assert_int_equal(sign_cades__revcache_ocsp_get(c, k2, now, &got), 0);
	/* past its nextUpdate: not used */
	assert_int_equal(sign_cades__revcache_ocsp_get(c, k1, now + 601, &got), 0);
	/* no nextUpdate: for the run */
	memset(&a, 0, sizeof(a));
	a.rc = SIGN_CADES__OCSP_GOOD;
	sign_cades__revcache_ocsp_put(c, k2, &a);
	assert_int_equal(sign_cades__revcache_ocsp_get(c, k2, now + 86400 * 365, &got), 1);
	assert_int_equal(got.rc, SIGN_CADES__OCSP_GOOD);
	/* full (2): the third replaces the oldest (k1) */
	sign_cades__revcache_ocsp_put(c, k3, &a);
	assert_int_equal(sign_cades__revcache_ocsp_get(c, k1, now, &got), 0);
	assert_int_equal(sign_cades__revcache_ocsp_get(c, k2, now, &got), 1);
	assert_int_equal(sign_cades__revcache_ocsp_get(c, k3, now, &got), 1);
	/* a renewed answer replaces its entry, not another */
	a.rc = SIGN_CADES__OCSP_UNKNOWN;
	sign_cades__revcache_ocsp_put(c, k3, &a);
	assert_int_equal(sign_cades__revcache_ocsp_get(c, k2, now, &got), 1);
	assert_int_equal(sign_cades__revcache_ocsp_get(c, k3, now, &got), 1);
	assert_int_equal(got.rc, SIGN_CADES__OCSP_UNKNOWN);
	sign_cades__revcache_free(c);
	/* bounds */
	assert_int_equal(sign_cades__revcache_new(&c, 0), SIGN_ERR_INVALID_ARG);
	assert_null(c);
	sign_cades__revcache_free(NULL);
	assert_int_equal(sign_cades__revcache_ocsp_get(NULL, k1, now, &got), 0);
}

/* Silent responders by URL; CRL checks by CRL object and issuer content. */
static void
test_dead_and_crl_tables(void **state)
{
	struct cades_revcache *c = NULL;
	X509 *gov = load_cert("gov-ca.pem"), *gov2 = load_cert("gov-ca.pem");
	X509 *root = load_cert("root.pem");
	X509_CRL *crl = X509_CRL_new();
	char m[64];

	(void)state;
	assert_non_null(gov);
	assert_non_null(root);
	assert_non_null(crl);
	assert_int_equal(sign_cades__revcache_new(&c, 4), 0);
	assert_int_equal(sign_cades__revcache_dead_get(c, "http://a/", m, sizeof(m)), 0);
	sign_cades__revcache_dead_put(c, "http://a/", "no OCSP answer: HTTP 500");
	assert_int_equal(sign_cades__revcache_dead_get(c, "http://a/", m, sizeof(m)), 1);
	assert_string_equal(m, "no OCSP answer: HTTP 500");
	assert_int_equal(sign_cades__revcache_dead_get(c, "http://b/", m, sizeof(m)), 0);

	assert_int_equal(sign_cades__revcache_crl_get(c, crl, gov), -1);
	sign_cades__revcache_crl_put(c, crl, gov, 1);
	sign_cades__revcache_crl_put(c, crl, root, 0);
	/* the same certificate parsed again (another signature's copy) matches */
	assert_int_equal(sign_cades__revcache_crl_get(c, crl, gov2), 1);
	assert_int_equal(sign_cades__revcache_crl_get(c, crl, root), 0);
	/* fetched CRLs by URL: a CRL, or a failure, each remembered */
	{
		X509_CRL *got = NULL;

		assert_int_equal(sign_cades__revcache_crlurl_get(c, "http://c/x.crl", &got, m,
		    sizeof(m)), 0);
		assert_null(got);
		sign_cades__revcache_crlurl_put(c, "http://c/x.crl", crl, "http://c/x.crl");
		sign_cades__revcache_crlurl_put(c, "http://c/y.crl", NULL, "answered HTTP 404");
		assert_int_equal(sign_cades__revcache_crlurl_get(c, "http://c/x.crl", &got, m,
		    sizeof(m)), 1);
		assert_ptr_equal(got, crl);
		X509_CRL_free(got);
		assert_int_equal(sign_cades__revcache_crlurl_get(c, "http://c/y.crl", &got, m,
		    sizeof(m)), 1);
		assert_null(got);
		assert_string_equal(m, "answered HTTP 404");
	}
	X509_CRL_free(crl);     /* the cache still holds it */
	X509_free(gov);
	X509_free(gov2);
	X509_free(root);
	sign_cades__revcache_free(c);
}

/* A CRL of ca (no revocations), current, as PEM appended to path. */
static void
append_crl(const char *ca, const char *path)
{
	char name[64];
	X509 *x;
	EVP_PKEY *k;
	X509_CRL *crl = X509_CRL_new();
	ASN1_TIME *t = ASN1_TIME_set(NULL, time(NULL) - 3600);
	FILE *f;

	snprintf(name, sizeof(name), "%s.pem", ca);
	x = load_cert(name);
	snprintf(name, sizeof(name), "%s.key", ca);
	k = load_key(name);
	assert_non_null(x);
	assert_non_null(k);
	assert_true(X509_CRL_set_version(crl, 1));
	assert_true(X509_CRL_set_issuer_name(crl, X509_get_subject_name(x)));
	assert_true(X509_CRL_set1_lastUpdate(crl, t));
	assert_non_null(ASN1_TIME_set(t, time(NULL) + 86400));
	assert_true(X509_CRL_set1_nextUpdate(crl, t));
	assert_true(X509_CRL_sign(crl, k, EVP_sha256()) > 0);
	f = fopen(path, "a");
	assert_non_null(f);
	assert_true(PEM_write_X509_CRL(f, crl));
	fclose(f);
	ASN1_TIME_free(t);
	X509_CRL_free(crl);
	X509_free(x);
	EVP_PKEY_free(k);
}

/* Verify sig n times with trust (CRLs in it); all TOTAL-PASSED with the
 * revocation check passed by the CRLs. */
static void
verify_n(const sign_buf *sig, const sign_trust *t, int n)
{
	sign_cades_verify_opts o = SIGN_CADES_VERIFY_OPTS_INIT;
	sign_cades_report *r = NULL;
	sign_cades_status st;
	const char *d;
	int i;

	o.trust = t;
	for (i = 0; i < n; i++) {
		assert_int_equal(sign_cades_verify_mem(&r, sig->data, sig->len, msg, MSG_LEN, &o), 0);
		d = check_detail(sign_cades_report_get(r, 0), SIGN_CADES_CHECK_REVOCATION, &st);
		assert_int_equal(st, SIGN_CADES_STATUS_PASSED);
		assert_non_null(strstr(d, "2 certificates not revoked"));
		sign_cades_report_free(r);
		r = NULL;
	}
}

/* Three verifications of one signature in one run: the gov CA's and the
 * root's CRL signatures are verified once each (not three times), and a
 * fresh run (the call again) verifies them again. */
static void
test_crl_verified_once(void **state)
{
	sign_trust *t = mk_trust("root.pem"), *plain = mk_trust("root.pem");
	sign_buf sig = SIGN_BUF_INIT;
	unsigned long asked, verified;

	(void)state;
	assert_non_null(t);
	append_crl("gov-ca", work("crls.pem"));
	append_crl("root", work("crls.pem"));
	assert_int_equal(sign_trust_add_crls(t, work("crls.pem")), 0);
	assert_int_equal(sign_trust_add_crls(plain, work("crls.pem")), 0);
	assert_int_equal(ossl_sign(&sig, "signer-rsa", CMS_DETACHED | CMS_CADES, msg, MSG_LEN), 0);
	/* without a cache: nothing remembered, the same verdicts */
	verify_n(&sig, plain, 2);
	assert_null(sign_trust__revcache(plain));

	assert_int_equal(sign_trust_cache_revocation(t, SIGN_TRUST_CACHE_DEFAULT), 0);
	verify_n(&sig, t, 3);
	sign_cades__revcache_stats(sign_trust__revcache(t), &asked, &verified);
	assert_int_equal(asked, 0);
	assert_int_equal(verified, 2);
	/* a new run */
	assert_int_equal(sign_trust_cache_revocation(t, 16), 0);
	verify_n(&sig, t, 2);
	sign_cades__revcache_stats(sign_trust__revcache(t), &asked, &verified);
	assert_int_equal(verified, 2);
	/* off */
	assert_int_equal(sign_trust_cache_revocation(t, 0), 0);
	assert_null(sign_trust__revcache(t));
	assert_int_equal(sign_trust_cache_revocation(t, SIGN_TRUST_CACHE_MAX + 1),
	    SIGN_ERR_INVALID_ARG);
	assert_int_equal(sign_trust_cache_revocation(NULL, 1), SIGN_ERR_INVALID_ARG);
	sign_buf_dispose(&sig);
	sign_trust_free(t);
	sign_trust_free(plain);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ocsp_table),
		cmocka_unit_test(test_dead_and_crl_tables),
		cmocka_unit_test(test_crl_verified_once),
	};

	return cmocka_run_group_tests(tests, pki_setup, pki_teardown);
}
