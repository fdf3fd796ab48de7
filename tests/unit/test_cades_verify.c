/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * CAdES verification verdicts (ETSI EN 319 102-1) for each case: tampered
 * content, altered signature, untrusted/expired/not-yet-valid signers,
 * key usage, missing or mismatching signing certificate, several signers,
 * signatures made by OpenSSL (plain CMS, CAdES, BER streaming, no attributes),
 * malformed input; and the trust store.
 */
#include "config.h"
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_cades_util.h"
#include <openssl/rsa.h>
#include <openssl/sha.h>
#include <openssl/ts.h>
#include <openssl/x509v3.h>

#define T_2026 ((time_t)1796144400)  /* 2026-12-01T17:00:00Z */
#define T_2046 ((time_t)2411424000)  /* 2046-06-01: signer-rsa has expired */

static const unsigned char msg[] = "Biên bản họp ngày 01/12/2026\n";
#define MSG_LEN (sizeof(msg) - 1)

/* Sign msg with our signer NAME (detached unless enveloping). */
static void
our_sign(sign_buf *out, const char *name, int enveloping)
{
	sign_signer *s = mk_signer(name);
	sign_cades_sign_opts o = SIGN_CADES_SIGN_OPTS_INIT;

	assert_non_null(s);
	o.enveloping = enveloping;
	o.signing_time = T_2026;
	assert_int_equal(sign_cades_sign_mem(out, s, msg, MSG_LEN, &o), 0);
	sign_signer_free(s);
}

struct expect {
	int rc;
	sign_cades_indication ind;
	sign_cades_subindication sub;
};

/* Verify (detached with content/clen, or attached when content is NULL)
 * against trust file anchor; check rc, indication and sub-indication. */
static sign_cades_report *
check_verdict(const sign_buf *sig, const unsigned char *content, size_t clen,
    const char *anchor, time_t at, const struct expect *e)
{
	sign_trust *t = mk_trust(anchor);
	sign_cades_verify_opts o = SIGN_CADES_VERIFY_OPTS_INIT;
	sign_cades_report *r = NULL;
	int rc;

	assert_non_null(t);
	o.trust = t;
	o.validation_time = at;
	rc = sign_cades_verify_mem(&r, sig->data, sig->len, content, clen, &o);
	if (rc != e->rc)
		fail_msg("rc %d (%s), expected %d", rc, sign_error_message(), e->rc);
	assert_non_null(r);
	assert_int_equal(sign_cades_report_indication(r), e->ind);
	assert_int_equal(sign_cades_report_subindication(r), e->sub);
	if (rc != 0)
		assert_non_null(strstr(sign_error_message(),
		    sign_cades_subindication_str(e->sub)));
	sign_trust_free(t);
	return r;
}

static const struct expect PASSED = { 0, SIGN_CADES_TOTAL_PASSED, SIGN_CADES_SUB_NONE };

/* ---- TOTAL-FAILED -------------------------------------------------------- */

static void
test_tampered_content(void **state)
{
	static const struct expect e = { SIGN_ERR_HASH_MISMATCH, SIGN_CADES_TOTAL_FAILED,
	    SIGN_CADES_SUB_HASH_FAILURE };
	unsigned char copy[sizeof(msg)];
	sign_buf sig = SIGN_BUF_INIT;
	sign_cades_report *r;
	sign_cades_status st;

	(void)state;
	our_sign(&sig, "signer-rsa", 0);
	sign_cades_report_free(check_verdict(&sig, msg, MSG_LEN, "root.pem", 0, &PASSED));
	memcpy(copy, msg, sizeof(msg));
	copy[0] ^= 1;
	r = check_verdict(&sig, copy, MSG_LEN, "root.pem", 0, &e);
	assert_non_null(check_detail(sign_cades_report_get(r, 0), SIGN_CADES_CHECK_MESSAGE_DIGEST,
	    &st));
	assert_int_equal(st, SIGN_CADES_STATUS_FAILED);
	/* the signature over the attributes itself is still sound */
	check_detail(sign_cades_report_get(r, 0), SIGN_CADES_CHECK_SIGNATURE_VALUE, &st);
	assert_int_equal(st, SIGN_CADES_STATUS_PASSED);
	sign_cades_report_free(r);
	/* a truncated content too, and an untrusted chain does not hide it */
	sign_cades_report_free(check_verdict(&sig, msg, MSG_LEN - 1, NULL, 0, &e));
	sign_buf_dispose(&sig);
}

static void
test_altered_signature(void **state)
{
	static const struct expect e = { SIGN_ERR_VERIFY, SIGN_CADES_TOTAL_FAILED,
	    SIGN_CADES_SUB_SIG_CRYPTO_FAILURE };
	sign_buf sig = SIGN_BUF_INIT;
	unsigned char *p;
	const char *keys[] = { "signer-rsa", "signer-ec" };
	size_t i;

	(void)state;
	for (i = 0; i < 2; i++) {
		our_sign(&sig, keys[i], 0);
		/* the signature value is the last field: flip its last byte */
		sig.data[sig.len - 1] ^= 0x01;
		sign_cades_report_free(check_verdict(&sig, msg, MSG_LEN, "root.pem", 0, &e));
		sig.data[sig.len - 1] ^= 0x01;
		/* a signed attribute changed: the signing time's last digit */
		p = memmem(sig.data, sig.len, "261201170000Z", 13);
		assert_non_null(p);
		p[11] = '1';
		sign_cades_report_free(check_verdict(&sig, msg, MSG_LEN, "root.pem", 0, &e));
		sign_buf_dispose(&sig);
	}
}

static void
test_key_usage(void **state)
{
	static const struct expect e = { SIGN_ERR_VERIFY, SIGN_CADES_TOTAL_FAILED,
	    SIGN_CADES_SUB_CHAIN_CONSTRAINTS_FAILURE };
	sign_buf sig = SIGN_BUF_INIT;
	sign_cades_report *r;
	sign_cades_status st;

	(void)state;
	/* OpenSSL signs with the encryption-only certificate; we refuse it */
	assert_int_equal(ossl_sign(&sig, "enc-only", CMS_DETACHED | CMS_CADES, msg, MSG_LEN), 0);
	r = check_verdict(&sig, msg, MSG_LEN, "root.pem", 0, &e);
	assert_non_null(strstr(check_detail(sign_cades_report_get(r, 0), SIGN_CADES_CHECK_KEY_USAGE,
	    &st), "neither digitalSignature nor nonRepudiation"));
	assert_int_equal(st, SIGN_CADES_STATUS_FAILED);
	sign_cades_report_free(r);
	sign_buf_dispose(&sig);

	/* a certificate for another use (extendedKeyUsage serverAuth) */
	assert_int_equal(ossl_sign(&sig, "tls-server", CMS_DETACHED | CMS_CADES, msg, MSG_LEN), 0);
	r = check_verdict(&sig, msg, MSG_LEN, "root.pem", 0, &e);
	assert_non_null(strstr(check_detail(sign_cades_report_get(r, 0), SIGN_CADES_CHECK_KEY_USAGE,
	    &st), "extendedKeyUsage names no document-signing"));
	assert_int_equal(st, SIGN_CADES_STATUS_FAILED);
	sign_cades_report_free(r);
	sign_buf_dispose(&sig);
}

/* ---- INDETERMINATE ------------------------------------------------------- */

static void
test_untrusted(void **state)
{
	static const struct expect e = { SIGN_ERR_UNTRUSTED, SIGN_CADES_INDETERMINATE,
	    SIGN_CADES_SUB_NO_CERTIFICATE_CHAIN_FOUND };
	sign_buf sig = SIGN_BUF_INIT;
	sign_cades_report *r;

	(void)state;
	our_sign(&sig, "signer-rsa", 0);
	sign_cades_report_free(check_verdict(&sig, msg, MSG_LEN, "other-root.pem", 0, &e));
	r = check_verdict(&sig, msg, MSG_LEN, NULL, 0, &e);
	assert_false(sign_cades_signature_chain_trusted(sign_cades_report_get(r, 0)));
	sign_cades_report_free(r);
	/* the intermediate CA as anchor is enough */
	sign_cades_report_free(check_verdict(&sig, msg, MSG_LEN, "gov-ca.pem", 0, &PASSED));
	sign_buf_dispose(&sig);
	/* a signer of another hierarchy */
	assert_int_equal(ossl_sign(&sig, "other-signer", CMS_DETACHED | CMS_CADES, msg, MSG_LEN), 0);
	sign_cades_report_free(check_verdict(&sig, msg, MSG_LEN, "root.pem", 0, &e));
	sign_buf_dispose(&sig);
}

static void
test_expired_and_future(void **state)
{
	static const struct expect expired = { SIGN_ERR_EXPIRED, SIGN_CADES_INDETERMINATE,
	    SIGN_CADES_SUB_OUT_OF_BOUNDS_NO_POE };
	static const struct expect future = { SIGN_ERR_NOT_YET_VALID, SIGN_CADES_INDETERMINATE,
	    SIGN_CADES_SUB_NOT_YET_VALID };
	static const struct expect untrusted = { SIGN_ERR_UNTRUSTED, SIGN_CADES_INDETERMINATE,
	    SIGN_CADES_SUB_NO_CERTIFICATE_CHAIN_FOUND };
	sign_buf sig = SIGN_BUF_INIT;
	sign_cades_report *r;
	sign_cades_status st;

	(void)state;
	our_sign(&sig, "signer-expired", 0);
	r = check_verdict(&sig, msg, MSG_LEN, "root.pem", 0, &expired);
	assert_non_null(strstr(check_detail(sign_cades_report_get(r, 0), SIGN_CADES_CHECK_VALIDITY,
	    &st), "expired on 2021-01-01T00:00:00Z"));
	sign_cades_report_free(r);
	/* no chain outranks the expiry */
	sign_cades_report_free(check_verdict(&sig, msg, MSG_LEN, "other-root.pem", 0, &untrusted));
	sign_buf_dispose(&sig);

	our_sign(&sig, "signer-future", 0);
	r = check_verdict(&sig, msg, MSG_LEN, "root.pem", 0, &future);
	assert_non_null(strstr(check_detail(sign_cades_report_get(r, 0), SIGN_CADES_CHECK_VALIDITY,
	    &st), "not valid before 2099-01-01T00:00:00Z"));
	sign_cades_report_free(r);
	sign_buf_dispose(&sig);

	/* the validation time is an option: a good signer seen from 2046 */
	our_sign(&sig, "signer-rsa", 0);
	sign_cades_report_free(check_verdict(&sig, msg, MSG_LEN, "root.pem", T_2046, &expired));
	sign_cades_report_free(check_verdict(&sig, msg, MSG_LEN, "root.pem", T_2026, &PASSED));
	sign_buf_dispose(&sig);
}

static void
test_no_signing_certificate(void **state)
{
	static const struct expect e = { SIGN_ERR_UNTRUSTED, SIGN_CADES_INDETERMINATE,
	    SIGN_CADES_SUB_NO_SIGNING_CERTIFICATE_FOUND };
	sign_buf sig = SIGN_BUF_INIT;
	sign_cades_report *r;
	sign_cades_status st;

	(void)state;
	assert_int_equal(ossl_sign(&sig, "signer-rsa", CMS_DETACHED | CMS_NOCERTS, msg, MSG_LEN), 0);
	r = check_verdict(&sig, msg, MSG_LEN, "root.pem", 0, &e);
	check_detail(sign_cades_report_get(r, 0), SIGN_CADES_CHECK_SIGNATURE_VALUE, &st);
	assert_int_equal(st, SIGN_CADES_STATUS_INDETERMINATE);
	sign_cades_report_free(r);
	/* found among the anchors when the signer itself is trusted */
	sign_cades_report_free(check_verdict(&sig, msg, MSG_LEN, "signer-rsa.pem", 0, &PASSED));
	sign_buf_dispose(&sig);
}

/*
 * ESS signing-certificate-v2 naming another certificate: sign with a second
 * certificate for the same key, issuer and serial (only notBefore differs,
 * so the DER has the same length), then put the original certificate in its
 * place.  The signature still verifies; the ESS hash no longer matches.
 */
static void
test_ess_mismatch(void **state)
{
	static const struct expect e = { SIGN_ERR_UNTRUSTED, SIGN_CADES_INDETERMINATE,
	    SIGN_CADES_SUB_NO_SIGNING_CERTIFICATE_FOUND };
	X509 *a = load_cert("signer-rsa.pem"), *b;
	EVP_PKEY *cakey = load_key("gov-ca.key"), *key = load_key("signer-rsa.key");
	unsigned char *ader = NULL, *bder = NULL, *p;
	sign_signer *s = NULL;
	sign_cades_sign_opts o = SIGN_CADES_SIGN_OPTS_INIT;
	sign_buf sig = SIGN_BUF_INIT;
	sign_cades_report *r;
	sign_cades_status st;
	int alen, blen;

	(void)state;
	b = X509_dup(a);
	assert_true(ASN1_TIME_set_string(X509_getm_notBefore(b), "250102000000Z"));
	assert_true(X509_sign(b, cakey, EVP_sha256()) > 0);
	alen = i2d_X509(a, &ader);
	blen = i2d_X509(b, &bder);
	assert_int_equal(alen, blen);
	assert_int_equal(sign_signer__from_pkey(&s, key), 0);
	assert_int_equal(sign_signer__set_x509(s, b), 0);
	assert_int_equal(sign_signer_add_chain_file(s, pki("chain.pem")), 0);
	assert_int_equal(sign_cades_sign_mem(&sig, s, msg, MSG_LEN, &o), 0);
	sign_cades_report_free(check_verdict(&sig, msg, MSG_LEN, "root.pem", 0, &PASSED));
	p = memmem(sig.data, sig.len, bder, (size_t)blen);
	assert_non_null(p);
	memcpy(p, ader, (size_t)alen);
	r = check_verdict(&sig, msg, MSG_LEN, "root.pem", 0, &e);
	assert_non_null(strstr(check_detail(sign_cades_report_get(r, 0),
	    SIGN_CADES_CHECK_SIGNING_CERTIFICATE, &st), "does not match"));
	check_detail(sign_cades_report_get(r, 0), SIGN_CADES_CHECK_SIGNATURE_VALUE, &st);
	assert_int_equal(st, SIGN_CADES_STATUS_PASSED);
	sign_cades_report_free(r);
	sign_buf_dispose(&sig);
	sign_signer_free(s);
	OPENSSL_free(ader);
	OPENSSL_free(bder);
	X509_free(a);
	X509_free(b);
	EVP_PKEY_free(cakey);
	EVP_PKEY_free(key);
}

/* ---- interoperability: what OpenSSL produces ----------------------------- */

static void
test_openssl_signatures(void **state)
{
	static const struct {
		const char *key;
		unsigned int flags;
		const char *format;
		int attached;
		sign_cades_status md_status;
	} v[] = {
		{ "signer-rsa", CMS_DETACHED, "CMS", 0, SIGN_CADES_STATUS_PASSED },
		{ "signer-rsa", CMS_DETACHED | CMS_CADES, "CAdES-BASELINE-B", 0, SIGN_CADES_STATUS_PASSED },
		{ "signer-ec", CMS_DETACHED | CMS_CADES, "CAdES-BASELINE-B", 0, SIGN_CADES_STATUS_PASSED },
		{ "signer-ec384", 0, "CMS", 1, SIGN_CADES_STATUS_PASSED },
		{ "signer-rsa", CMS_CADES, "CAdES-BASELINE-B", 1, SIGN_CADES_STATUS_PASSED },
		/* BER, indefinite lengths, the content in constructed OCTET STRING chunks */
		{ "signer-rsa", CMS_STREAM | CMS_PARTIAL * 0, "CMS", 1, SIGN_CADES_STATUS_PASSED },
		{ "signer-ec", CMS_DETACHED | CMS_NOATTR, "CMS", 0, SIGN_CADES_STATUS_SKIPPED },
	};
	size_t i, big = 100000;
	unsigned char *data = malloc(big);

	(void)state;
	assert_non_null(data);
	for (i = 0; i < big; i++)
		data[i] = (unsigned char)(i % 251);
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		sign_buf sig = SIGN_BUF_INIT;
		sign_cades_report *r;
		sign_cades_status st;
		const sign_cades_signature *s;

		assert_int_equal(ossl_sign(&sig, v[i].key, v[i].flags, data, big), 0);
		r = check_verdict(&sig, v[i].attached ? NULL : data, v[i].attached ? 0 : big,
		    "root.pem", 0, &PASSED);
		s = sign_cades_report_get(r, 0);
		assert_string_equal(sign_cades_signature_format(s), v[i].format);
		assert_int_equal(sign_cades_report_attached(r), v[i].attached);
		check_detail(s, SIGN_CADES_CHECK_MESSAGE_DIGEST, &st);
		assert_int_equal(st, v[i].md_status);
		sign_cades_report_free(r);
		/* and the content altered */
		data[big / 2] ^= 0x80;
		if (!v[i].attached) {
			struct expect e = { v[i].md_status == SIGN_CADES_STATUS_SKIPPED ?
			    SIGN_ERR_VERIFY : SIGN_ERR_HASH_MISMATCH, SIGN_CADES_TOTAL_FAILED,
			    v[i].md_status == SIGN_CADES_STATUS_SKIPPED ?
			    SIGN_CADES_SUB_SIG_CRYPTO_FAILURE : SIGN_CADES_SUB_HASH_FAILURE };

			sign_cades_report_free(check_verdict(&sig, data, big, "root.pem", 0, &e));
		} else {
			struct expect e = { SIGN_ERR_HASH_MISMATCH, SIGN_CADES_TOTAL_FAILED,
			    SIGN_CADES_SUB_HASH_FAILURE };
			unsigned char *p = memmem(sig.data, sig.len, data, 1000);

			/* the embedded copy is the one altered in an attached signature */
			data[big / 2] ^= 0x80;
			assert_non_null(p);
			p[0] ^= 0x01;
			sign_cades_report_free(check_verdict(&sig, NULL, 0, "root.pem", 0, &e));
			data[big / 2] ^= 0x80;
		}
		data[big / 2] ^= 0x80;
		sign_buf_dispose(&sig);
	}
	free(data);
}

/* Several SignerInfos: built with OpenSSL; the worst verdict decides. */
static void
two_signers(sign_buf *out, const char *second)
{
	CMS_ContentInfo *cms;
	BIO *in = BIO_new_mem_buf(msg, (int)MSG_LEN), *mem = BIO_new(BIO_s_mem());
	const char *names[2] = { "signer-rsa", second };
	char *p;
	long n;
	int i;

	cms = CMS_sign(NULL, NULL, NULL, NULL, CMS_PARTIAL | CMS_DETACHED | CMS_BINARY);
	assert_non_null(cms);
	for (i = 0; i < 2; i++) {
		char k[64], c[64];
		X509 *x;
		EVP_PKEY *key;

		snprintf(k, sizeof(k), "%s.key", names[i]);
		snprintf(c, sizeof(c), "%s.pem", names[i]);
		x = load_cert(c);
		key = load_key(k);
		assert_non_null(CMS_add1_signer(cms, x, key, EVP_sha256(), CMS_CADES));
		X509_free(x);
		EVP_PKEY_free(key);
	}
	{
		X509 *ca = load_cert("gov-ca.pem");

		assert_true(CMS_add1_cert(cms, ca));
		X509_free(ca);
	}
	assert_true(CMS_final(cms, in, NULL, CMS_DETACHED | CMS_BINARY));
	assert_true(i2d_CMS_bio(mem, cms));
	n = BIO_get_mem_data(mem, &p);
	assert_int_equal(sign_buf__set(out, p, (size_t)n), 0);
	CMS_ContentInfo_free(cms);
	BIO_free(in);
	BIO_free(mem);
}

static size_t
find_signer(const sign_cades_report *r, const char *cn)
{
	size_t i;

	for (i = 0; i < sign_cades_report_count(r); i++)
		if (strcmp(sign_cades_signature_signer(sign_cades_report_get(r, i)), cn) == 0)
			return i;
	fail_msg("no signature by %s", cn);
	return 0;
}

static void
test_several_signers(void **state)
{
	static const struct expect indet = { SIGN_ERR_UNTRUSTED, SIGN_CADES_INDETERMINATE,
	    SIGN_CADES_SUB_NO_CERTIFICATE_CHAIN_FOUND };
	static const struct expect failed = { SIGN_ERR_VERIFY, SIGN_CADES_TOTAL_FAILED,
	    SIGN_CADES_SUB_CHAIN_CONSTRAINTS_FAILURE };
	sign_buf sig = SIGN_BUF_INIT;
	sign_cades_report *r;
	char want[32];
	size_t i;

	(void)state;
	two_signers(&sig, "signer-ec");
	r = check_verdict(&sig, msg, MSG_LEN, "root.pem", 0, &PASSED);
	assert_int_equal(sign_cades_report_count(r), 2);
	assert_non_null(sign_cades_report_get(r, find_signer(r, "Trần Thị Bình")));
	sign_cades_report_free(r);
	sign_buf_dispose(&sig);

	two_signers(&sig, "other-signer");
	r = check_verdict(&sig, msg, MSG_LEN, "root.pem", 0, &indet);
	assert_int_equal(sign_cades_signature_indication(sign_cades_report_get(r,
	    find_signer(r, "Nguyễn Văn An"))), SIGN_CADES_TOTAL_PASSED);
	i = find_signer(r, "Untrusted Signer");
	assert_int_equal(sign_cades_signature_indication(sign_cades_report_get(r, i)),
	    SIGN_CADES_INDETERMINATE);
	snprintf(want, sizeof(want), "signature %zu:", i + 1);
	assert_non_null(strstr(sign_error_message(), want));
	sign_cades_report_free(r);
	sign_buf_dispose(&sig);

	two_signers(&sig, "enc-only");
	sign_cades_report_free(check_verdict(&sig, msg, MSG_LEN, "root.pem", 0, &failed));
	sign_buf_dispose(&sig);
}

/* ---- malformed input and usage ------------------------------------------- */

static void
expect_malformed(const unsigned char *p, size_t n, const unsigned char *content, size_t clen)
{
	sign_trust *t = mk_trust("root.pem");
	sign_cades_verify_opts o = SIGN_CADES_VERIFY_OPTS_INIT;
	sign_cades_report *r = NULL;
	int rc;

	o.trust = t;
	rc = sign_cades_verify_mem(&r, p, n, content, clen, &o);
	if (rc != SIGN_ERR_MALFORMED)
		fail_msg("rc %d (%s), expected SIGN_ERR_MALFORMED", rc, sign_error_message());
	assert_null(r);
	sign_trust_free(t);
}

static void
test_malformed(void **state)
{
	sign_buf sig = SIGN_BUF_INIT, longer = SIGN_BUF_INIT, certder = SIGN_BUF_INIT;
	unsigned char *der = NULL;
	X509 *x = load_cert("root.pem");
	int n;

	(void)state;
	our_sign(&sig, "signer-rsa", 0);
	expect_malformed((const unsigned char *)"garbage", 7, msg, MSG_LEN);
	expect_malformed((const unsigned char *)"", 0, msg, MSG_LEN);
	expect_malformed(sig.data, sig.len / 2, msg, MSG_LEN);
	expect_malformed(sig.data, sig.len - 1, msg, MSG_LEN);
	/* trailing data */
	longer.data = calloc(1, sig.len + 1);
	assert_non_null(longer.data);
	longer.len = sig.len + 1;
	memcpy(longer.data, sig.data, sig.len);
	expect_malformed(longer.data, longer.len, msg, MSG_LEN);
	/* a certificate is not a signature */
	n = i2d_X509(x, &der);
	assert_int_equal(sign_buf__set(&certder, der, (size_t)n), 0);
	expect_malformed(certder.data, certder.len, msg, MSG_LEN);
	expect_malformed((const unsigned char *)"-----BEGIN CMS-----\nAAAA\n-----END CMS-----\n",
	    41, msg, MSG_LEN);
	OPENSSL_free(der);
	X509_free(x);
	sign_buf_dispose(&sig);
	sign_buf_dispose(&longer);
	sign_buf_dispose(&certder);
}

/* Every single-byte change: no crash, and never a pass without a report. */
static void
test_mutations(void **state)
{
	sign_buf sig = SIGN_BUF_INIT;
	sign_trust *t = mk_trust("root.pem");
	sign_cades_verify_opts o = SIGN_CADES_VERIFY_OPTS_INIT;
	size_t i;
	int passed = 0;

	(void)state;
	our_sign(&sig, "signer-ec", 0);
	o.trust = t;
	for (i = 0; i < sig.len; i++) {
		sign_cades_report *r = NULL;
		int rc;

		sig.data[i] ^= 0xff;
		rc = sign_cades_verify_mem(&r, sig.data, sig.len, msg, MSG_LEN, &o);
		if (rc == 0) {
			assert_non_null(r);
			assert_int_equal(sign_cades_report_indication(r), SIGN_CADES_TOTAL_PASSED);
			passed++;
		} else if (r != NULL) {
			assert_int_not_equal(sign_cades_report_indication(r), SIGN_CADES_TOTAL_PASSED);
		}
		sign_cades_report_free(r);
		sig.data[i] ^= 0xff;
	}
	/* only unsigned, unused bytes may change (the SignedData digestAlgorithms
	 * list, the CMSVersion): a handful at most */
	assert_true(passed < 16);
	sign_trust_free(t);
	sign_buf_dispose(&sig);
}

static void
test_files_and_content(void **state)
{
	sign_buf sig = SIGN_BUF_INIT, env = SIGN_BUF_INIT;
	sign_trust *t = mk_trust("root.pem");
	sign_cades_verify_opts o = SIGN_CADES_VERIFY_OPTS_INIT;
	sign_cades_report *r = NULL;
	BIO *b;
	FILE *fp;

	(void)state;
	our_sign(&sig, "signer-rsa", 0);
	our_sign(&env, "signer-rsa", 1);
	assert_int_equal(write_file(work("doc.txt"), msg, MSG_LEN), 0);
	assert_int_equal(write_file(work("doc.txt.p7s"), sig.data, sig.len), 0);
	assert_int_equal(write_file(work("env.p7s"), env.data, env.len), 0);
	o.trust = t;
	/* detached without content: not found, no report */
	assert_int_equal(sign_cades_verify_file(&r, work("doc.txt.p7s"), &o), SIGN_ERR_NOT_FOUND);
	assert_null(r);
	assert_non_null(strstr(sign_error_message(), "detached"));
	/* the fallback content path, reported */
	o.default_content_path = work("doc.txt");
	assert_int_equal(sign_cades_verify_file(&r, work("doc.txt.p7s"), &o), 0);
	assert_string_equal(sign_cades_report_content_path(r), work("doc.txt"));
	sign_cades_report_free(r);
	r = NULL;
	/* the fallback is ignored for an attached signature */
	assert_int_equal(sign_cades_verify_file(&r, work("env.p7s"), &o), 0);
	assert_null(sign_cades_report_content_path(r));
	sign_cades_report_free(r);
	r = NULL;
	/* content named for an attached signature: usage error */
	o.content_path = work("doc.txt");
	assert_int_equal(sign_cades_verify_file(&r, work("env.p7s"), &o), SIGN_ERR_USAGE);
	assert_null(r);
	/* a missing content file, a missing signature */
	o.content_path = work("nothing.txt");
	assert_int_equal(sign_cades_verify_file(&r, work("doc.txt.p7s"), &o), SIGN_ERR_NOT_FOUND);
	assert_int_equal(sign_cades_verify_file(&r, work("nothing.p7s"), &o), SIGN_ERR_NOT_FOUND);
	/* PEM input */
	fp = fopen(work("doc.pem"), "w");
	assert_non_null(fp);
	b = BIO_new_fp(fp, BIO_NOCLOSE);
	assert_true(PEM_write_bio(b, "CMS", "", sig.data, (long)sig.len));
	BIO_free(b);
	fclose(fp);
	o.content_path = work("doc.txt");
	assert_int_equal(sign_cades_verify_file(&r, work("doc.pem"), &o), 0);
	sign_cades_report_free(r);
	r = NULL;
	/* bad options */
	o.version = 7;
	assert_int_equal(sign_cades_verify_file(&r, work("doc.txt.p7s"), &o), SIGN_ERR_INVALID_ARG);
	sign_trust_free(t);
	sign_buf_dispose(&sig);
	sign_buf_dispose(&env);
}

static void
test_report_names(void **state)
{
	sign_buf sig = SIGN_BUF_INIT;
	sign_cades_report *r;
	const sign_cades_signature *s;
	sign_cades_check id;
	sign_cades_status st;
	const char *detail;
	size_t i;

	(void)state;
	our_sign(&sig, "signer-ec", 0);
	r = check_verdict(&sig, msg, MSG_LEN, "root.pem", 0, &PASSED);
	s = sign_cades_report_get(r, 0);
	assert_null(sign_cades_report_get(r, 1));
	assert_int_equal(sign_cades_signature_check_count(s), 9);
	for (i = 0; i < 9; i++) {
		assert_int_equal(sign_cades_signature_check(s, i, &id, &st, &detail), 0);
		assert_int_equal(id, (sign_cades_check)i);   /* in their documented order */
		assert_true(detail[0] != '\0');
		assert_int_equal(st, i == SIGN_CADES_CHECK_REVOCATION ||
		    i == SIGN_CADES_CHECK_SIGNATURE_TIMESTAMP ? SIGN_CADES_STATUS_SKIPPED :
		    SIGN_CADES_STATUS_PASSED);
	}
	assert_string_equal(sign_cades_signature_serial(s), "02");
	assert_string_equal(sign_cades_signature_digest(s), "SHA-256");
	assert_non_null(strstr(sign_cades_signature_subject(s), "CN=Trần Thị Bình"));
	assert_string_equal(sign_cades_signature_chain_name(s, 2), "Kyso Test Root CA");
	assert_string_equal(sign_cades_indication_str(SIGN_CADES_TOTAL_FAILED), "TOTAL-FAILED");
	assert_string_equal(sign_cades_subindication_str(SIGN_CADES_SUB_OUT_OF_BOUNDS_NO_POE),
	    "OUT_OF_BOUNDS_NO_POE");
	assert_string_equal(sign_cades_check_str(SIGN_CADES_CHECK_MESSAGE_DIGEST), "message_digest");
	assert_string_equal(sign_cades_status_str(SIGN_CADES_STATUS_SKIPPED), "SKIPPED");
	sign_cades_report_free(r);
	sign_buf_dispose(&sig);
}

/* ---- algorithms: RSA-PSS parameters, SHA-1 ------------------------------ */

/* One detached CAdES signature by NAME over msg with OpenSSL, digest md;
 * PSS with MGF1 over mgf when mgf is not NULL.  Signed, not yet encoded. */
static CMS_ContentInfo *
ossl_cms(const char *name, const EVP_MD *md, const EVP_MD *mgf)
{
	CMS_ContentInfo *cms;
	CMS_SignerInfo *si;
	BIO *in = BIO_new_mem_buf(msg, (int)MSG_LEN);
	char k[64], c[64];
	X509 *x;
	EVP_PKEY *key;

	snprintf(k, sizeof(k), "%s.key", name);
	snprintf(c, sizeof(c), "%s.pem", name);
	x = load_cert(c);
	key = load_key(k);
	cms = CMS_sign(NULL, NULL, NULL, NULL, CMS_PARTIAL | CMS_DETACHED | CMS_BINARY);
	assert_non_null(cms);
	si = CMS_add1_signer(cms, x, key, md, CMS_CADES | (mgf != NULL ? CMS_KEY_PARAM : 0));
	assert_non_null(si);
	if (mgf != NULL) {
		EVP_PKEY_CTX *pctx = CMS_SignerInfo_get0_pkey_ctx(si);

		assert_true(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) > 0);
		assert_true(EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, mgf) > 0);
		assert_true(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_MAX) > 0);
	}
	X509_free(x);
	x = load_cert("gov-ca.pem");
	assert_true(CMS_add1_cert(cms, x));
	assert_true(CMS_final(cms, in, NULL, CMS_DETACHED | CMS_BINARY));
	X509_free(x);
	EVP_PKEY_free(key);
	BIO_free(in);
	return cms;
}

/* cms as DER into out; cms is freed. */
static void
cms_der(sign_buf *out, CMS_ContentInfo *cms)
{
	BIO *mem = BIO_new(BIO_s_mem());
	char *p;
	long n;

	assert_true(i2d_CMS_bio(mem, cms));
	n = BIO_get_mem_data(mem, &p);
	assert_int_equal(sign_buf__set(out, p, (size_t)n), 0);
	CMS_ContentInfo_free(cms);
	BIO_free(mem);
}

static void
ossl_sign_md(sign_buf *out, const char *name, const EVP_MD *md, const EVP_MD *mgf)
{
	cms_der(out, ossl_cms(name, md, mgf));
}

/*
 * A key certified twice (a certificate renewed on the same token), both
 * certificates in the signature and the signer named by its key identifier:
 * the one the ESS attribute names is the signer, whichever comes first in
 * the SET OF certificates (DER sorts it: one of the two signatures below
 * has its signer second).
 */
static void
test_renewed_same_key(void **state)
{
	X509 *orig = load_cert("signer-ec.pem"), *ca = load_cert("gov-ca.pem"), *renewed, *signer;
	EVP_PKEY *cakey = load_key("gov-ca.key"), *key = load_key("signer-ec.key");
	BIO *in;
	CMS_ContentInfo *cms;
	sign_buf sig = SIGN_BUF_INIT;
	sign_cades_report *r;
	const sign_cades_signature *sg;
	int i;

	(void)state;
	renewed = X509_dup(orig);
	assert_non_null(renewed);
	assert_true(ASN1_INTEGER_set(X509_get_serialNumber(renewed), 0x7e57));
	assert_true(X509_sign(renewed, cakey, EVP_sha256()) > 0);
	for (i = 0; i < 2; i++) {
		signer = i ? renewed : orig;
		in = BIO_new_mem_buf(msg, (int)MSG_LEN);
		cms = CMS_sign(NULL, NULL, NULL, NULL, CMS_PARTIAL | CMS_DETACHED | CMS_BINARY);
		assert_non_null(cms);
		assert_non_null(CMS_add1_signer(cms, signer, key, EVP_sha256(),
		    CMS_CADES | CMS_USE_KEYID));
		assert_true(CMS_add1_cert(cms, i ? orig : renewed));
		assert_true(CMS_add1_cert(cms, ca));
		assert_true(CMS_final(cms, in, NULL, CMS_DETACHED | CMS_BINARY));
		BIO_free(in);
		cms_der(&sig, cms);
		r = check_verdict(&sig, msg, MSG_LEN, "root.pem", 0, &PASSED);
		sg = sign_cades_report_get(r, 0);
		assert_string_equal(sign_cades_signature_serial(sg), i ? "7e57" : "02");
		sign_cades_report_free(r);
		sign_buf_dispose(&sig);
	}
	X509_free(orig);
	X509_free(renewed);
	X509_free(ca);
	EVP_PKEY_free(cakey);
	EVP_PKEY_free(key);
}

/* ---- signature time-stamps (CAdES-T) ------------------------------------- */

static time_t tst_when;

static int
tst_time_cb(struct TS_resp_ctx *ctx, void *data, long *sec, long *usec)
{
	(void)ctx;
	(void)data;
	*sec = (long)tst_when;
	*usec = 0;
	return 1;
}

/* An RFC 3161 token by the test TSA at `when`, over bytes (the SHA-256
 * message imprint), added to si as its signature time-stamp. */
static void
add_tst(CMS_SignerInfo *si, const unsigned char *over, size_t len, time_t when)
{
	X509 *tsa = load_cert("tsa.pem"), *ca = load_cert("gov-ca.pem");
	EVP_PKEY *key = load_key("tsa.key");
	STACK_OF(X509) *chain = sk_X509_new_null();
	TS_RESP_CTX *ctx = TS_RESP_CTX_new();
	TS_REQ *req = TS_REQ_new();
	TS_MSG_IMPRINT *mi = TS_MSG_IMPRINT_new();
	X509_ALGOR *alg = X509_ALGOR_new();
	ASN1_OBJECT *policy = OBJ_txt2obj("1.2.3.4.5", 1);
	unsigned char md[32], *der = NULL;
	BIO *rb = BIO_new(BIO_s_mem());
	TS_RESP *resp;
	int n;

	assert_non_null(tsa);
	assert_non_null(key);
	assert_true(SHA256(over, len, md) != NULL);
	X509_ALGOR_set0(alg, OBJ_nid2obj(NID_sha256), V_ASN1_NULL, NULL);
	assert_true(TS_MSG_IMPRINT_set_algo(mi, alg));
	assert_true(TS_MSG_IMPRINT_set_msg(mi, md, sizeof(md)));
	assert_true(TS_REQ_set_version(req, 1));
	assert_true(TS_REQ_set_msg_imprint(req, mi));
	assert_true(TS_REQ_set_cert_req(req, 1));
	assert_true(i2d_TS_REQ_bio(rb, req));
	assert_true(TS_RESP_CTX_set_signer_cert(ctx, tsa));
	assert_true(TS_RESP_CTX_set_signer_key(ctx, key));
	assert_true(sk_X509_push(chain, ca));
	assert_true(TS_RESP_CTX_set_certs(ctx, chain));
	assert_true(TS_RESP_CTX_set_def_policy(ctx, policy));
	assert_true(TS_RESP_CTX_add_md(ctx, EVP_sha256()));
	tst_when = when;
	TS_RESP_CTX_set_time_cb(ctx, tst_time_cb, NULL);
	resp = TS_RESP_create_response(ctx, rb);
	assert_non_null(resp);
	assert_non_null(TS_RESP_get_token(resp));
	n = i2d_PKCS7(TS_RESP_get_token(resp), &der);
	assert_true(n > 0);
	assert_true(CMS_unsigned_add1_attr_by_txt(si, "1.2.840.113549.1.9.16.2.14",
	    V_ASN1_SEQUENCE, der, n));
	OPENSSL_free(der);
	TS_RESP_free(resp);
	BIO_free(rb);
	X509_ALGOR_free(alg);
	TS_MSG_IMPRINT_free(mi);
	TS_REQ_free(req);
	TS_RESP_CTX_free(ctx);
	ASN1_OBJECT_free(policy);
	sk_X509_pop_free(chain, X509_free);
	X509_free(tsa);
	EVP_PKEY_free(key);
}

/* A signer certificate for signer-ec's key, by the gov CA, valid from
 * from to until (a certificate that expired yesterday, say). */
static X509 *
short_lived_signer(time_t from, time_t until)
{
	X509 *ca = load_cert("gov-ca.pem"), *x = X509_new();
	EVP_PKEY *cakey = load_key("gov-ca.key"), *key = load_key("signer-ec.key");
	X509_NAME *nm = X509_NAME_new();
	X509_EXTENSION *e;
	X509V3_CTX v3;

	assert_true(X509_set_version(x, X509_VERSION_3));
	assert_true(ASN1_INTEGER_set(X509_get_serialNumber(x), 0x5e7));
	assert_true(X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_UTF8,
	    (const unsigned char *)"Ng\xc6\xb0\xe1\xbb\x9di H\xe1\xba\xbft H\xe1\xba\xa1n", -1, -1, 0));
	assert_true(X509_set_subject_name(x, nm));
	assert_true(X509_set_issuer_name(x, X509_get_subject_name(ca)));
	assert_non_null(ASN1_TIME_set(X509_getm_notBefore(x), from));
	assert_non_null(ASN1_TIME_set(X509_getm_notAfter(x), until));
	assert_true(X509_set_pubkey(x, key));
	X509V3_set_ctx(&v3, ca, x, NULL, NULL, 0);
	e = X509V3_EXT_conf_nid(NULL, &v3, NID_key_usage, "critical,digitalSignature,nonRepudiation");
	assert_non_null(e);
	assert_true(X509_add_ext(x, e, -1));
	X509_EXTENSION_free(e);
	e = X509V3_EXT_conf_nid(NULL, &v3, NID_authority_key_identifier, "keyid:always");
	assert_non_null(e);
	assert_true(X509_add_ext(x, e, -1));
	X509_EXTENSION_free(e);
	assert_true(X509_sign(x, cakey, EVP_sha256()) > 0);
	X509_NAME_free(nm);
	X509_free(ca);
	EVP_PKEY_free(cakey);
	EVP_PKEY_free(key);
	return x;
}

/* CMS (CAdES) by cert with signer-ec's key over msg, the gov CA embedded;
 * with a time-stamp at `when` over its own signature value (or, wrong,
 * over other bytes) when when != 0. */
static void
tst_signed(sign_buf *out, X509 *cert, time_t when, int wrong)
{
	EVP_PKEY *key = load_key("signer-ec.key");
	X509 *ca = load_cert("gov-ca.pem");
	BIO *in = BIO_new_mem_buf(msg, (int)MSG_LEN);
	CMS_ContentInfo *cms = CMS_sign(NULL, NULL, NULL, NULL,
	    CMS_PARTIAL | CMS_DETACHED | CMS_BINARY);
	CMS_SignerInfo *si;
	ASN1_OCTET_STRING *sv;

	assert_non_null(cms);
	si = CMS_add1_signer(cms, cert, key, EVP_sha256(), CMS_CADES);
	assert_non_null(si);
	assert_true(CMS_add1_cert(cms, ca));
	assert_true(CMS_final(cms, in, NULL, CMS_DETACHED | CMS_BINARY));
	if (when != 0) {
		sv = CMS_SignerInfo_get0_signature(si);
		if (wrong)
			add_tst(si, (const unsigned char *)"other", 5, when);
		else
			add_tst(si, ASN1_STRING_get0_data(sv), (size_t)ASN1_STRING_length(sv), when);
	}
	cms_der(out, cms);
	BIO_free(in);
	X509_free(ca);
	EVP_PKEY_free(key);
}

/*
 * A verified signature time-stamp is the proof of existence: a signer
 * certificate that expired yesterday, time-stamped the day before, passes
 * (its path judged at the time-stamp's time); without the time-stamp, or
 * with one over other bytes (not used, and said so), it is
 * OUT_OF_BOUNDS_NO_POE.  A time-stamp before the TSA's own certificate
 * begins is not used either.
 */
static void
test_signature_timestamp(void **state)
{
	static const struct expect expired = { SIGN_ERR_EXPIRED, SIGN_CADES_INDETERMINATE,
	    SIGN_CADES_SUB_OUT_OF_BOUNDS_NO_POE };
	static const struct expect untrusted = { SIGN_ERR_UNTRUSTED, SIGN_CADES_INDETERMINATE,
	    SIGN_CADES_SUB_NO_CERTIFICATE_CHAIN_FOUND };
	time_t now = time(NULL), tsa_from;
	X509 *cert = short_lived_signer(now - 30 * 86400, now - 86400);
	X509 *tsa = load_cert("tsa.pem");
	struct tm tm;
	const struct {
		time_t when;            /* 0: no time-stamp */
		int wrong;              /* over other bytes */
		const char *anchor;
		const struct expect *e;
		sign_cades_status st;
		const char *says;
	} cases[] = {
		/* two days ago, the day before the certificate expired: TOTAL-PASSED */
		{ now - 2 * 86400, 0, "root.pem", &PASSED, SIGN_CADES_STATUS_PASSED,
		  "by \"Kyso Test TSA\"" },
		/* none: the expiry decides */
		{ 0, 0, "root.pem", &expired, SIGN_CADES_STATUS_SKIPPED, "no signature time-stamp" },
		/* of other bytes: present, not used */
		{ now - 2 * 86400, 1, "root.pem", &expired, SIGN_CADES_STATUS_SKIPPED,
		  "is present, but it does not verify" },
		/* from before the TSA certificate began: not used */
		{ -1, 0, "root.pem", &expired, SIGN_CADES_STATUS_SKIPPED,
		  "the TSA certificate was not valid at the time-stamp's time" },
		/* no anchor for the TSA (another root only): not used */
		{ now - 2 * 86400, 0, "other-root.pem", &untrusted, SIGN_CADES_STATUS_SKIPPED,
		  "does not verify: certificate verify error; it is not used" },
	};
	sign_buf sig = SIGN_BUF_INIT;
	const sign_cades_signature *s;
	sign_cades_report *r;
	sign_cades_status st;
	const char *d;
	size_t i;

	(void)state;
	assert_true(ASN1_TIME_to_tm(X509_get0_notBefore(tsa), &tm));
	tsa_from = timegm(&tm);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tst_signed(&sig, cert, cases[i].when == -1 ? tsa_from - 86400 : cases[i].when,
		    cases[i].wrong);
		r = check_verdict(&sig, msg, MSG_LEN, cases[i].anchor, 0, cases[i].e);
		s = sign_cades_report_get(r, 0);
		d = check_detail(s, SIGN_CADES_CHECK_SIGNATURE_TIMESTAMP, &st);
		if (st != cases[i].st || strstr(d, cases[i].says) == NULL)
			fail_msg("case %zu: %s: %s", i, sign_cades_status_str(st), d);
		if (i == 0) {   /* the path judged at its time; not named as unchecked */
			assert_non_null(strstr(check_detail(s, SIGN_CADES_CHECK_VALIDITY, &st),
			    "the time-stamp's time"));
			assert_null(strstr(check_detail(s, SIGN_CADES_CHECK_FORMAT, &st),
			    "not checked"));
		}
		sign_cades_report_free(r);
		sign_buf_dispose(&sig);
	}
	X509_free(cert);
	X509_free(tsa);
}

/* signer-ec's CAdES signature over msg claiming signing time `signing`,
 * time-stamped at `when` (0: none). */
static void
claimed_time_signed(sign_buf *out, time_t signing, time_t when)
{
	EVP_PKEY *key = load_key("signer-ec.key");
	X509 *cert = load_cert("signer-ec.pem"), *ca = load_cert("gov-ca.pem");
	BIO *in = BIO_new_mem_buf(msg, (int)MSG_LEN);
	CMS_ContentInfo *cms = CMS_sign(NULL, NULL, NULL, NULL,
	    CMS_PARTIAL | CMS_DETACHED | CMS_BINARY);
	ASN1_TIME *t = ASN1_TIME_set(NULL, signing);
	CMS_SignerInfo *si;
	ASN1_OCTET_STRING *sv;

	assert_non_null(cms);
	assert_non_null(t);
	si = CMS_add1_signer(cms, cert, key, EVP_sha256(), CMS_CADES | CMS_PARTIAL);
	assert_non_null(si);
	/* OpenSSL adds a signing time of its own only when there is none */
	assert_true(CMS_signed_add1_attr_by_NID(si, NID_pkcs9_signingTime, t->type, t, -1));
	assert_true(CMS_add1_cert(cms, ca));
	assert_true(CMS_final(cms, in, NULL, CMS_DETACHED | CMS_BINARY));
	if (when != 0) {
		sv = CMS_SignerInfo_get0_signature(si);
		add_tst(si, ASN1_STRING_get0_data(sv), (size_t)ASN1_STRING_length(sv), when);
	}
	cms_der(out, cms);
	ASN1_TIME_free(t);
	BIO_free(in);
	X509_free(ca);
	X509_free(cert);
	EVP_PKEY_free(key);
}

/*
 * A signing-time attribute later than the signature time-stamp (no accuracy
 * in these tokens) by more than a minute is a false claim: a warning, in the
 * signature_timestamp detail too, and the verdict unchanged (TOTAL-PASSED:
 * the time-stamp's time is the proven one).  A minute or less, a signing
 * time before the time-stamp, or no time-stamp: no warning.
 */
static void
test_signing_time_after_timestamp(void **state)
{
	time_t now = time(NULL), ts = now - 3600;
	const struct {
		time_t signing, when;
		int warned;
	} cases[] = {
		{ ts + 61, ts, 1 },             /* just past the tolerance */
		{ now, ts, 1 },                 /* an hour later */
		{ ts + 60, ts, 0 },             /* within it */
		{ ts - 5, ts, 0 },              /* signed, then time-stamped */
		{ now + 86400, 0, 0 },          /* a future claim, but nothing proven */
	};
	sign_buf sig = SIGN_BUF_INIT;
	const sign_cades_signature *s;
	sign_cades_report *r;
	sign_cades_status st;
	const char *d, *w;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		claimed_time_signed(&sig, cases[i].signing, cases[i].when);
		r = check_verdict(&sig, msg, MSG_LEN, "root.pem", 0, &PASSED);
		s = sign_cades_report_get(r, 0);
		d = check_detail(s, SIGN_CADES_CHECK_SIGNATURE_TIMESTAMP, &st);
		w = sign_cades_signature_warning(s, 0);
		if (cases[i].warned) {
			if (sign_cades_signature_warning_count(s) != 1 || w == NULL ||
			    strstr(w, "so that claim is false") == NULL)
				fail_msg("case %zu: no warning (%s)", i, w != NULL ? w : "none");
			assert_int_equal(st, SIGN_CADES_STATUS_PASSED);
			assert_non_null(strstr(d, "; warning: the claimed signing time"));
		} else {
			if (sign_cades_signature_warning_count(s) != 0 || w != NULL)
				fail_msg("case %zu: warned: %s", i, w);
			assert_null(strstr(d, "warning"));
		}
		assert_null(sign_cades_signature_warning(s, 1));
		sign_cades_report_free(r);
		sign_buf_dispose(&sig);
	}
	assert_int_equal(sign_cades_signature_warning_count(NULL), 0);
	assert_null(sign_cades_signature_warning(NULL, 0));
}

/* Unsigned attributes are named in the format check, as not checked: an
 * auditor must know a time-stamp or counter-signature is there unverified. */
static void
test_unsigned_attrs(void **state)
{
	CMS_ContentInfo *cms = ossl_cms("signer-ec", EVP_sha256(), NULL);
	CMS_SignerInfo *si = sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms), 0);
	sign_buf sig = SIGN_BUF_INIT;
	sign_cades_report *r;
	sign_cades_check id;
	sign_cades_status st;
	const char *detail;

	(void)state;
	/* after signing: not covered by the signature, as a TSA's token is */
	assert_true(CMS_unsigned_add1_attr_by_txt(si, "1.2.840.113549.1.9.16.2.14",
	    V_ASN1_OCTET_STRING, "token", 5));
	assert_true(CMS_unsigned_add1_attr_by_txt(si, "1.2.840.113549.1.9.6",
	    V_ASN1_OCTET_STRING, "counter", 7));
	assert_true(CMS_unsigned_add1_attr_by_txt(si, "1.2.3.4", V_ASN1_OCTET_STRING, "x", 1));
	cms_der(&sig, cms);
	r = check_verdict(&sig, msg, MSG_LEN, "root.pem", 0, &PASSED);
	assert_int_equal(sign_cades_signature_check(sign_cades_report_get(r, 0),
	    SIGN_CADES_CHECK_FORMAT, &id, &st, &detail), 0);
	assert_int_equal(st, SIGN_CADES_STATUS_PASSED);
	/* (a DER SET OF: in the order of their encodings) */
	assert_non_null(strstr(detail, "; unsigned attributes, not checked: "));
	assert_non_null(strstr(detail, "counter-signature"));
	assert_non_null(strstr(detail, "1.2.3.4"));
	/* the time-stamp has its own check: this one is no token, and not used */
	assert_null(strstr(detail, "time-stamp"));
	assert_int_equal(sign_cades_signature_check(sign_cades_report_get(r, 0),
	    SIGN_CADES_CHECK_SIGNATURE_TIMESTAMP, &id, &st, &detail), 0);
	assert_int_equal(st, SIGN_CADES_STATUS_SKIPPED);
	assert_non_null(strstr(detail, "a malformed signature time-stamp attribute"));
	sign_cades_report_free(r);
	sign_buf_dispose(&sig);
	/* without any: no such words */
	our_sign(&sig, "signer-ec", 0);
	r = check_verdict(&sig, msg, MSG_LEN, "root.pem", 0, &PASSED);
	assert_int_equal(sign_cades_signature_check(sign_cades_report_get(r, 0),
	    SIGN_CADES_CHECK_FORMAT, &id, &st, &detail), 0);
	assert_null(strstr(detail, "unsigned"));
	sign_cades_report_free(r);
	sign_buf_dispose(&sig);
}

static void
test_algorithms(void **state)
{
	static const struct expect weak = { SIGN_ERR_UNTRUSTED, SIGN_CADES_INDETERMINATE,
	    SIGN_CADES_SUB_CRYPTO_CONSTRAINTS_FAILURE_NO_POE };
	static const struct expect hash = { SIGN_ERR_HASH_MISMATCH, SIGN_CADES_TOTAL_FAILED,
	    SIGN_CADES_SUB_HASH_FAILURE };
	unsigned char copy[sizeof(msg)];
	sign_buf sig = SIGN_BUF_INIT;
	sign_cades_report *r;
	sign_cades_status st;
	const char *d;

	(void)state;
	/* RSA-PSS whose MGF1 hash differs from the message hash: valid (RFC 4056) */
	ossl_sign_md(&sig, "signer-rsa", EVP_sha256(), EVP_sha512());
	r = check_verdict(&sig, msg, MSG_LEN, "root.pem", 0, &PASSED);
	d = check_detail(sign_cades_report_get(r, 0), SIGN_CADES_CHECK_SIGNATURE_VALUE, &st);
	assert_int_equal(st, SIGN_CADES_STATUS_PASSED);
	assert_non_null(strstr(d, "MGF1 with SHA-512"));
	assert_string_equal(sign_cades_signature_algorithm(sign_cades_report_get(r, 0)), "RSA-PSS");
	sign_cades_report_free(r);
	sign_buf_dispose(&sig);
	ossl_sign_md(&sig, "signer-rsa3072", EVP_sha384(), EVP_sha256());
	sign_cades_report_free(check_verdict(&sig, msg, MSG_LEN, "root.pem", 0, &PASSED));
	sign_buf_dispose(&sig);

	/* SHA-1: the signature verifies, but cannot be relied on */
	ossl_sign_md(&sig, "signer-rsa", EVP_sha1(), NULL);
	r = check_verdict(&sig, msg, MSG_LEN, "root.pem", 0, &weak);
	d = check_detail(sign_cades_report_get(r, 0), SIGN_CADES_CHECK_SIGNATURE_VALUE, &st);
	assert_int_equal(st, SIGN_CADES_STATUS_INDETERMINATE);
	assert_non_null(strstr(d, "SHA-1 is no longer secure"));
	assert_string_equal(sign_cades_signature_digest(sign_cades_report_get(r, 0)), "SHA-1");
	check_detail(sign_cades_report_get(r, 0), SIGN_CADES_CHECK_MESSAGE_DIGEST, &st);
	assert_int_equal(st, SIGN_CADES_STATUS_PASSED);
	sign_cades_report_free(r);
	/* a modified content is still TOTAL-FAILED */
	memcpy(copy, msg, sizeof(msg));
	copy[3] ^= 1;
	sign_cades_report_free(check_verdict(&sig, copy, MSG_LEN, "root.pem", 0, &hash));
	sign_buf_dispose(&sig);
	/* SHA-1 PSS (the RFC 4055 defaults) too */
	ossl_sign_md(&sig, "signer-rsa", EVP_sha1(), EVP_sha1());
	sign_cades_report_free(check_verdict(&sig, msg, MSG_LEN, "root.pem", 0, &weak));
	sign_buf_dispose(&sig);
}

/* A PEM signature: nothing but white space may follow its block. */
static void
test_pem_trailing(void **state)
{
	sign_buf sig = SIGN_BUF_INIT;
	sign_trust *t = mk_trust("root.pem");
	sign_cades_verify_opts o = SIGN_CADES_VERIFY_OPTS_INIT;
	sign_cades_report *r = NULL;
	BIO *b = BIO_new(BIO_s_mem());
	char *pem, *two;
	long n;

	(void)state;
	our_sign(&sig, "signer-ec", 0);
	assert_true(PEM_write_bio(b, "CMS", "", sig.data, (long)sig.len));
	assert_true(BIO_write(b, "\r\n \n", 4) == 4);
	n = BIO_get_mem_data(b, &pem);
	o.trust = t;
	assert_int_equal(sign_cades_verify_mem(&r, (unsigned char *)pem, (size_t)n, msg, MSG_LEN,
	    &o), 0);
	sign_cades_report_free(r);
	r = NULL;
	/* two blocks: the second would go unverified */
	two = malloc((size_t)n * 2);
	assert_non_null(two);
	memcpy(two, pem, (size_t)n);
	memcpy(two + n, pem, (size_t)n);
	assert_int_equal(sign_cades_verify_mem(&r, (unsigned char *)two, (size_t)n * 2, msg,
	    MSG_LEN, &o), SIGN_ERR_MALFORMED);
	assert_null(r);
	assert_non_null(strstr(sign_error_message(), "trailing data after the PEM block"));
	/* any text after it */
	memcpy(two + n, "x", 1);
	assert_int_equal(sign_cades_verify_mem(&r, (unsigned char *)two, (size_t)n + 1, msg,
	    MSG_LEN, &o), SIGN_ERR_MALFORMED);
	free(two);
	BIO_free(b);
	sign_trust_free(t);
	sign_buf_dispose(&sig);
}

/* What is often taken for a signature file gets a message saying what it is. */
static void
test_not_cms(void **state)
{
	static const char smime[] = "MIME-Version: 1.0\r\nContent-Type: multipart/signed; "
	    "protocol=\"application/pkcs7-signature\"\r\n\r\n";
	sign_buf sig = SIGN_BUF_INIT;
	sign_trust *t = mk_trust("root.pem");
	sign_cades_verify_opts o = SIGN_CADES_VERIFY_OPTS_INIT;
	sign_cades_report *r = NULL;
	unsigned char *b64;
	int n;

	(void)state;
	o.trust = t;
	assert_int_equal(sign_cades_verify_mem(&r, (const unsigned char *)smime, strlen(smime),
	    msg, MSG_LEN, &o), SIGN_ERR_MALFORMED);
	assert_null(r);
	assert_non_null(strstr(sign_error_message(), "S/MIME"));
	our_sign(&sig, "signer-ec", 0);
	b64 = malloc(sig.len * 2 + 4);
	assert_non_null(b64);
	n = EVP_EncodeBlock(b64, sig.data, (int)sig.len);
	assert_int_equal(sign_cades_verify_mem(&r, b64, (size_t)n, msg, MSG_LEN, &o),
	    SIGN_ERR_MALFORMED);
	assert_non_null(strstr(sign_error_message(), "base64 text without PEM armour"));
	/* a short or other text is just not a signature */
	assert_int_equal(sign_cades_verify_mem(&r, (const unsigned char *)"MIT license", 11, msg,
	    MSG_LEN, &o), SIGN_ERR_MALFORMED);
	assert_null(strstr(sign_error_message(), "base64"));
	free(b64);
	sign_trust_free(t);
	sign_buf_dispose(&sig);
}

/* Certificates the signature lacks, given by the caller (not trusted);
 * version 1 options (without the field) still work. */
static void
test_extra_certs(void **state)
{
	sign_buf sig = SIGN_BUF_INIT;
	sign_trust *t = mk_trust("root.pem"), *extra = NULL;
	sign_cades_verify_opts o = SIGN_CADES_VERIFY_OPTS_INIT;
	sign_cades_report *r = NULL;

	(void)state;
	{
		/* no certificate at all in the signature */
		X509 *x = load_cert("signer-ec.pem");
		EVP_PKEY *k = load_key("signer-ec.key");
		BIO *in = BIO_new_mem_buf(msg, (int)MSG_LEN), *mem = BIO_new(BIO_s_mem());
		CMS_ContentInfo *cms = CMS_sign(x, k, NULL, in,
		    CMS_DETACHED | CMS_CADES | CMS_NOCERTS | CMS_BINARY);
		char *p;
		long n;

		assert_non_null(cms);
		assert_true(i2d_CMS_bio(mem, cms));
		n = BIO_get_mem_data(mem, &p);
		assert_int_equal(sign_buf__set(&sig, p, (size_t)n), 0);
		CMS_ContentInfo_free(cms);
		BIO_free(in);
		BIO_free(mem);
		X509_free(x);
		EVP_PKEY_free(k);
	}
	o.trust = t;
	assert_int_equal(sign_cades_verify_mem(&r, sig.data, sig.len, msg, MSG_LEN, &o),
	    SIGN_ERR_UNTRUSTED);
	assert_int_equal(sign_cades_report_subindication(r),
	    SIGN_CADES_SUB_NO_SIGNING_CERTIFICATE_FOUND);
	sign_cades_report_free(r);
	r = NULL;
	/* the signer alone: found, but its CA is missing */
	assert_int_equal(sign_trust_new(&extra), 0);
	assert_int_equal(sign_trust_add_file(extra, pki("signer-ec.pem")), 0);
	o.extra_certs = extra;
	assert_int_equal(sign_cades_verify_mem(&r, sig.data, sig.len, msg, MSG_LEN, &o),
	    SIGN_ERR_UNTRUSTED);
	assert_int_equal(sign_cades_report_subindication(r),
	    SIGN_CADES_SUB_NO_CERTIFICATE_CHAIN_FOUND);
	sign_cades_report_free(r);
	r = NULL;
	/* with the CA: a path of three to the root */
	assert_int_equal(sign_trust_add_file(extra, pki("chain.pem")), 0);
	assert_int_equal(sign_cades_verify_mem(&r, sig.data, sig.len, msg, MSG_LEN, &o), 0);
	assert_int_equal(sign_cades_signature_chain_count(sign_cades_report_get(r, 0)), 3);
	assert_true(sign_cades_signature_chain_trusted(sign_cades_report_get(r, 0)));
	sign_cades_report_free(r);
	r = NULL;
	/* extra certificates are never anchors */
	o.trust = NULL;
	assert_int_equal(sign_trust_add_file(extra, pki("root.pem")), 0);
	assert_int_equal(sign_cades_verify_mem(&r, sig.data, sig.len, msg, MSG_LEN, &o),
	    SIGN_ERR_UNTRUSTED);
	assert_int_equal(sign_cades_report_subindication(r),
	    SIGN_CADES_SUB_NO_CERTIFICATE_CHAIN_FOUND);
	sign_cades_report_free(r);
	r = NULL;
	/* version 1: extra_certs is not read */
	o.trust = t;
	o.version = 1;
	assert_int_equal(sign_cades_verify_mem(&r, sig.data, sig.len, msg, MSG_LEN, &o),
	    SIGN_ERR_UNTRUSTED);
	assert_int_equal(sign_cades_report_subindication(r),
	    SIGN_CADES_SUB_NO_SIGNING_CERTIFICATE_FOUND);
	sign_cades_report_free(r);
	r = NULL;
	o.version = 0;
	assert_int_equal(sign_cades_verify_mem(&r, sig.data, sig.len, msg, MSG_LEN, &o),
	    SIGN_ERR_INVALID_ARG);
	sign_trust_free(extra);
	sign_trust_free(t);
	sign_buf_dispose(&sig);
}

/* ---- trust store ---------------------------------------------------------- */

static void
test_trust_store(void **state)
{
	const char *top = getenv("top_srcdir");
	char dir[512];
	sign_trust *t = NULL;
	unsigned char *der = NULL;
	X509 *x = load_cert("root.pem");
	int n;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/certs/trust", top != NULL ? top : ".");
	assert_int_equal(sign_trust_new(&t), 0);
	assert_int_equal(sign_trust_add_dir(t, dir), 0);
	assert_int_equal(sign_trust_count(t), 4);
	assert_int_equal(sign_trust_add_path(t, dir), 0);      /* no duplicates */
	assert_int_equal(sign_trust_count(t), 4);
	assert_int_equal(sign_trust_add_file(t, pki("csca-trust.pem")), 0); /* two in one file */
	assert_int_equal(sign_trust_count(t), 6);
	n = i2d_X509(x, &der);
	assert_int_equal(sign_trust_add_der(t, der, (size_t)n), 0);
	assert_int_equal(sign_trust_count(t), 7);
	assert_int_equal(sign_trust_add_der(t, der, (size_t)n - 1), SIGN_ERR_MALFORMED);
	assert_int_equal(sign_trust_add_file(t, pki("root.key")), SIGN_ERR_MALFORMED);
	assert_non_null(strstr(sign_error_message(), "root.key"));
	assert_int_equal(sign_trust_add_file(t, pki("nothing.pem")), SIGN_ERR_NOT_FOUND);
	assert_int_equal(sign_trust_add_path(t, pki("nothing")), SIGN_ERR_NOT_FOUND);
	assert_int_equal(sign_trust_add_dir(t, pki("nothing")), SIGN_ERR_NOT_FOUND);
	assert_int_equal(sign_trust_count(t), 7);
	sign_trust_free(t);
	sign_trust_free(NULL);
	/* the default directory follows KYSO_TRUST_DIR */
	setenv("KYSO_TRUST_DIR", dir, 1);
	assert_string_equal(sign_trust_default_dir(), dir);
	assert_int_equal(sign_trust_new(&t), 0);
	assert_int_equal(sign_trust_add_default(t), 0);
	assert_int_equal(sign_trust_count(t), 4);
	sign_trust_free(t);
	unsetenv("KYSO_TRUST_DIR");
	assert_non_null(strstr(sign_trust_default_dir(), "/trust"));
	OPENSSL_free(der);
	X509_free(x);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tampered_content),
		cmocka_unit_test(test_altered_signature),
		cmocka_unit_test(test_key_usage),
		cmocka_unit_test(test_untrusted),
		cmocka_unit_test(test_expired_and_future),
		cmocka_unit_test(test_no_signing_certificate),
		cmocka_unit_test(test_ess_mismatch),
		cmocka_unit_test(test_openssl_signatures),
		cmocka_unit_test(test_several_signers),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_mutations),
		cmocka_unit_test(test_files_and_content),
		cmocka_unit_test(test_report_names),
		cmocka_unit_test(test_trust_store),
		cmocka_unit_test(test_algorithms),
		cmocka_unit_test(test_pem_trailing),
		cmocka_unit_test(test_extra_certs),
		cmocka_unit_test(test_not_cms),
		cmocka_unit_test(test_unsigned_attrs),
		cmocka_unit_test(test_renewed_same_key),
		cmocka_unit_test(test_signature_timestamp),
		cmocka_unit_test(test_signing_time_after_timestamp),
	};

	return cmocka_run_group_tests(tests, pki_setup, pki_teardown);
}
