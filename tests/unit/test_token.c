/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Token module internals without a token: PKCS#11 URIs, the module path
 * order and the configuration parser, PIN flag logic and messages, and the
 * encodings the sign operation uses (DigestInfo, PSS parameters, ECDSA).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include "token_priv.h"

/* ---- URIs ---------------------------------------------------------------- */

static void
test_uri_parse_ok(void **state)
{
	P11KitUri *u = NULL;
	CK_TOKEN_INFO blank;
	CK_TOKEN_INFO ti;
	CK_ATTRIBUTE *a;

	(void)state;
	/* Percent-encoded UTF-8 label "Ký số" and an id of two bytes. */
	assert_int_equal(sign_token__uri_parse(&u,
	    "pkcs11:token=K%C3%BD%20s%E1%BB%91;object=sign;id=%01%a2;type=private"), 0);
	a = p11_kit_uri_get_attribute(u, CKA_ID);
	assert_non_null(a);
	assert_int_equal(a->ulValueLen, 2);
	assert_memory_equal(a->pValue, "\x01\xa2", 2);
	a = p11_kit_uri_get_attribute(u, CKA_LABEL);
	assert_non_null(a);
	assert_int_equal(a->ulValueLen, 4);
	assert_memory_equal(a->pValue, "sign", 4);
	assert_int_equal(sign_token__uri_class(u), CKO_PRIVATE_KEY);
	/* The token attribute matches the label "Ký số" and only it. */
	memset(&ti, ' ', sizeof(ti));
	memcpy(ti.label, "K\xc3\xbd s\xe1\xbb\x91", 8);
	assert_true(p11_kit_uri_match_token_info(u, &ti));
	memset(&blank, ' ', sizeof(blank));
	memcpy(blank.label, "Ky so", 5);
	assert_false(p11_kit_uri_match_token_info(u, &blank));
	p11_kit_uri_free(u);

	/* NULL and "" match everything; no class. */
	assert_int_equal(sign_token__uri_parse(&u, NULL), 0);
	assert_int_equal(sign_token__uri_class(u), (CK_OBJECT_CLASS)-1);
	assert_true(p11_kit_uri_match_token_info(u, &blank));
	p11_kit_uri_free(u);
	assert_int_equal(sign_token__uri_parse(&u, ""), 0);
	p11_kit_uri_free(u);

	/* module-path is a query attribute. */
	assert_int_equal(sign_token__uri_parse(&u,
	    "pkcs11:token=T?module-path=/usr/lib/x%2Fy.so"), 0);
	assert_string_equal(p11_kit_uri_get_module_path(u), "/usr/lib/x/y.so");
	p11_kit_uri_free(u);
}

/* Labels typed with spaces mean those spaces (p11-kit alone drops them);
 * spaces around the separators are still ignored. */
static void
test_uri_parse_spaces(void **state)
{
	static const char *const uris[] = {
		"pkcs11:token=K\xc3\xbd s\xe1\xbb\x91;object=kh\xc3\xb3""a k\xc3\xbd",
		"pkcs11:token=K\xc3\xbd  s\xe1\xbb\x91 ; object= kh\xc3\xb3""a k\xc3\xbd ",
		"pkcs11:token=K%C3%BD%20s%E1%BB%91;object=kh%C3%B3a%20k%C3%BD",
	};
	P11KitUri *u = NULL;
	CK_TOKEN_INFO ti, squeezed;
	CK_ATTRIBUTE *a;
	size_t i;

	(void)state;
	memset(&ti, ' ', sizeof(ti));
	memcpy(ti.label, "K\xc3\xbd s\xe1\xbb\x91", 8);
	memset(&squeezed, ' ', sizeof(squeezed));
	memcpy(squeezed.label, "K\xc3\xbds\xe1\xbb\x91", 7);
	for (i = 0; i < sizeof(uris) / sizeof(uris[0]); i++) {
		assert_int_equal(sign_token__uri_parse(&u, uris[i]), 0);
		if (i == 1) {
			/* two spaces are two spaces */
			memcpy(ti.label, "K\xc3\xbd  s\xe1\xbb\x91", 9);
			assert_true(p11_kit_uri_match_token_info(u, &ti));
			memcpy(ti.label, "K\xc3\xbd s\xe1\xbb\x91 ", 9);
		} else {
			assert_true(p11_kit_uri_match_token_info(u, &ti));
		}
		assert_false(p11_kit_uri_match_token_info(u, &squeezed));
		a = p11_kit_uri_get_attribute(u, CKA_LABEL);
		assert_non_null(a);
		assert_int_equal(a->ulValueLen, 9);
		assert_memory_equal(a->pValue, "kh\xc3\xb3""a k\xc3\xbd", 9);
		p11_kit_uri_free(u);
	}
}

static void
test_uri_parse_refused(void **state)
{
	static const struct {
		const char *uri;
		int code;
		const char *msg;
	} cases[] = {
		{ "token=T", SIGN_ERR_INVALID_ARG, "not a PKCS#11 URI" },
		{ "file:///x", SIGN_ERR_INVALID_ARG, "not a PKCS#11 URI" },
		{ "pkcs11:token=%zz", SIGN_ERR_INVALID_ARG, "malformed" },
		{ "pkcs11:id=%1", SIGN_ERR_INVALID_ARG, "malformed" },
		{ "pkcs11:tokn=T", SIGN_ERR_INVALID_ARG, "does not know" },
		{ "pkcs11:token=T?pin-value=1234", SIGN_ERR_USAGE, "carries a PIN" },
		{ "pkcs11:token=T?pin-source=file:/x", SIGN_ERR_USAGE, "carries a PIN" },
		{ "pkcs11:token=T;pin-value=1234", SIGN_ERR_USAGE, "carries a PIN" },
	};
	P11KitUri *u;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		u = (P11KitUri *)0x1;
		assert_int_equal(sign_token__uri_parse(&u, cases[i].uri), cases[i].code);
		assert_null(u);
		assert_non_null(strstr(sign_error_message(), cases[i].msg));
	}
	/* Too long. */
	{
		char *big = malloc(9000);

		assert_non_null(big);
		memcpy(big, "pkcs11:token=", 13);
		memset(big + 13, 'a', 9000 - 14);
		big[8999] = '\0';
		assert_int_equal(sign_token__uri_parse(&u, big), SIGN_ERR_TOO_LARGE);
		free(big);
	}
}

static void
test_uri_format_roundtrip(void **state)
{
	CK_TOKEN_INFO ti;
	CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
	unsigned char id[] = { 0x00, 0xff, 0x20 };
	const char *label = "Nguy\xe1\xbb\x85n V\xc4\x83n An; x";
	CK_ATTRIBUTE a[3] = {
		{ CKA_CLASS, &cls, sizeof(cls) },
		{ CKA_ID, id, sizeof(id) },
		{ CKA_LABEL, (void *)label, 0 },
	};
	P11KitUri *u = NULL;
	CK_ATTRIBUTE *got;
	char *s = NULL;

	(void)state;
	a[2].ulValueLen = strlen(label);
	memset(&ti, ' ', sizeof(ti));
	memcpy(ti.label, "T 1", 3);
	memcpy(ti.serialNumber, "42", 2);
	assert_int_equal(sign_token__uri_format(&s, &ti, a, 3), 0);
	assert_non_null(strstr(s, "token=T%201"));
	assert_non_null(strstr(s, "serial=42"));
	assert_non_null(strstr(s, "type=cert"));
	assert_non_null(strstr(s, "id=%00%FF%20"));
	/* ';' in a label must be escaped. */
	assert_null(strstr(s, "; x"));
	assert_int_equal(sign_token__uri_parse(&u, s), 0);
	got = p11_kit_uri_get_attribute(u, CKA_LABEL);
	assert_non_null(got);
	assert_int_equal(got->ulValueLen, strlen(label));
	assert_memory_equal(got->pValue, label, strlen(label));
	assert_true(p11_kit_uri_match_token_info(u, &ti));
	assert_true(p11_kit_uri_match_attributes(u, a, 3));
	p11_kit_uri_free(u);
	free(s);
	/* A token URI has no object part. */
	assert_int_equal(sign_token__uri_format(&s, &ti, NULL, 0), 0);
	assert_null(strstr(s, "type="));
	free(s);
}

/* ---- module path and configuration --------------------------------------- */

static void
test_conf_module(void **state)
{
	static const struct {
		const char *text;
		int rc;
		const char *want;
	} cases[] = {
		{ "pkcs11-module = /a/b.so\n", 0, "/a/b.so" },
		{ "  pkcs11-module=/a/b.so  \r\n", 0, "/a/b.so" },
		{ "# pkcs11-module = /no.so\npkcs11-module\t=\t/yes.so", 0, "/yes.so" },
		{ "pkcs11-module = /first.so\npkcs11-module = /last.so\n", 0, "/last.so" },
		{ "pkcs11-modules = /no.so\nx-pkcs11-module = /no.so\n", SIGN_ERR_NOT_FOUND, NULL },
		{ "pkcs11-module =\n", SIGN_ERR_NOT_FOUND, NULL },
		{ "pkcs11-module /no.so\n", SIGN_ERR_NOT_FOUND, NULL },
		{ "", SIGN_ERR_NOT_FOUND, NULL },
		{ "gateway-url = https://x\npkcs11-module = /p 1.so\n", 0, "/p 1.so" },
	};
	char out[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(out, 0, sizeof(out));
		assert_int_equal(sign_token__conf_module(cases[i].text, strlen(cases[i].text),
		    out, sizeof(out)), cases[i].rc);
		if (cases[i].want != NULL)
			assert_string_equal(out, cases[i].want);
	}
	/* (ptr, len): nothing read past len. */
	assert_int_equal(sign_token__conf_module("pkcs11-module = /a.soXYZ", 21, out,
	    sizeof(out)), 0);
	assert_string_equal(out, "/a.so");
	/* A value that does not fit. */
	assert_int_equal(sign_token__conf_module("pkcs11-module = /aaaaaaaaaa", 26, out, 8),
	    SIGN_ERR_TOO_LARGE);
}

static void
test_module_path_order(void **state)
{
	char dir[] = "/tmp/kyso-test-token-XXXXXX";
	char conf[256];
	const char *p;
	FILE *fp;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(conf, sizeof(conf), "%s/kyso.conf", dir);
	fp = fopen(conf, "w");
	assert_non_null(fp);
	fputs("pkcs11-module = /from/conf.so\n", fp);
	fclose(fp);
	setenv("KYSO_CONF", conf, 1);
	unsetenv("KYSO_PKCS11_MODULE");

	assert_int_equal(sign_token_module_path(&p, NULL, NULL), 0);
	assert_string_equal(p, "/from/conf.so");
	setenv("KYSO_PKCS11_MODULE", "/from/env.so", 1);
	assert_int_equal(sign_token_module_path(&p, "pkcs11:token=T", NULL), 0);
	assert_string_equal(p, "/from/env.so");
	assert_int_equal(sign_token_module_path(&p, "pkcs11:token=T?module-path=/from/uri.so",
	    NULL), 0);
	assert_string_equal(p, "/from/uri.so");
	assert_int_equal(sign_token_module_path(&p, NULL, "/from/option.so"), 0);
	assert_string_equal(p, "/from/option.so");
	assert_int_equal(sign_token_module_path(&p, "pkcs11:?module-path=/from/option.so",
	    "/from/option.so"), 0);
	assert_int_equal(sign_token_module_path(&p, "pkcs11:?module-path=/a.so", "/b.so"),
	    SIGN_ERR_USAGE);
	assert_int_equal(sign_token_module_path(&p, "pkcs11:token=T?pin-value=1", NULL),
	    SIGN_ERR_USAGE);
	/* Neither: the p11-kit proxy. */
	unsetenv("KYSO_PKCS11_MODULE");
	setenv("KYSO_CONF", "/nonexistent/kyso.conf", 1);
	assert_int_equal(sign_token_module_path(&p, NULL, NULL), 0);
	assert_string_equal(p, SIGN_DEFAULT_PKCS11_MODULE);
	unsetenv("KYSO_CONF");
	unlink(conf);
	rmdir(dir);
}

static void
test_list_missing_module(void **state)
{
	sign_token_options o = SIGN_TOKEN_OPTIONS_INIT;
	sign_token_list *l = (sign_token_list *)0x1;
	sign_token *t = (sign_token *)0x1;

	(void)state;
	o.module = "/nonexistent/module.so";
	assert_int_equal(sign_token_list_new(&l, NULL, &o), SIGN_ERR_NOT_FOUND);
	assert_null(l);
	assert_non_null(strstr(sign_error_message(), "no PKCS#11 module at /nonexistent"));
	assert_int_equal(sign_token_open(&t, "pkcs11:token=x", &o), SIGN_ERR_NOT_FOUND);
	assert_null(t);
	o.version = 99;
	assert_int_equal(sign_token_open(&t, NULL, &o), SIGN_ERR_INVALID_ARG);
	/* NULL-safe frees. */
	sign_token_free(NULL);
	sign_token_list_free(NULL);
	sign_token_objects_free(NULL);
	assert_int_equal(sign_token_list_count(NULL), 0);
	assert_null(sign_token_list_get(NULL, 0));
}

/* ---- PIN flags ----------------------------------------------------------- */

static void
test_flags(void **state)
{
	unsigned int f;

	(void)state;
	f = sign_token__flags(CKF_TOKEN_INITIALIZED | CKF_LOGIN_REQUIRED |
	    CKF_PROTECTED_AUTHENTICATION_PATH | CKF_USER_PIN_INITIALIZED |
	    CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_FINAL_TRY | CKF_USER_PIN_LOCKED |
	    CKF_USER_PIN_TO_BE_CHANGED | CKF_WRITE_PROTECTED, CKF_REMOVABLE_DEVICE, 1);
	assert_int_equal(f, SIGN_TOKEN_PRESENT | SIGN_TOKEN_INITIALIZED |
	    SIGN_TOKEN_LOGIN_REQUIRED | SIGN_TOKEN_PINPAD | SIGN_TOKEN_PIN_INITIALIZED |
	    SIGN_TOKEN_PIN_COUNT_LOW | SIGN_TOKEN_PIN_FINAL_TRY | SIGN_TOKEN_PIN_LOCKED |
	    SIGN_TOKEN_PIN_TO_CHANGE | SIGN_TOKEN_READ_ONLY | SIGN_TOKEN_REMOVABLE);
	/* SO PIN flags are not the user's. */
	assert_int_equal(sign_token__flags(CKF_SO_PIN_LOCKED | CKF_SO_PIN_FINAL_TRY |
	    CKF_SO_PIN_COUNT_LOW, 0, 1), SIGN_TOKEN_PRESENT);
	/* No token: only slot flags. */
	assert_int_equal(sign_token__flags(CKF_USER_PIN_LOCKED, CKF_REMOVABLE_DEVICE, 0),
	    SIGN_TOKEN_REMOVABLE);
}

static void
test_login_precheck(void **state)
{
	(void)state;
	assert_int_equal(sign_token__login_precheck(0, 0, "T"), 0);
	assert_int_equal(sign_token__login_precheck(SIGN_TOKEN_PIN_COUNT_LOW, 0, "T"), 0);
	assert_int_equal(sign_token__login_precheck(SIGN_TOKEN_PIN_FINAL_TRY, 0, "T"),
	    SIGN_ERR_PIN_FINAL_TRY);
	assert_non_null(strstr(sign_error_message(), "--force-last-try"));
	assert_non_null(strstr(sign_error_message(), "'T'"));
	assert_int_equal(sign_token__login_precheck(SIGN_TOKEN_PIN_FINAL_TRY |
	    SIGN_TOKEN_PIN_COUNT_LOW, 1, "T"), 0);
	/* Locked wins, even when forced. */
	assert_int_equal(sign_token__login_precheck(SIGN_TOKEN_PIN_LOCKED, 0, "T"),
	    SIGN_ERR_PIN_LOCKED);
	assert_int_equal(sign_token__login_precheck(SIGN_TOKEN_PIN_LOCKED |
	    SIGN_TOKEN_PIN_FINAL_TRY, 1, "T"), SIGN_ERR_PIN_LOCKED);
	assert_non_null(strstr(sign_error_message(), "unblock it with the SO PIN"));
}

static void
test_tries_text(void **state)
{
	(void)state;
	assert_non_null(strstr(sign_token__tries_text(0), "does not say"));
	assert_non_null(strstr(sign_token__tries_text(SIGN_TOKEN_PIN_COUNT_LOW), "few tries"));
	assert_non_null(strstr(sign_token__tries_text(SIGN_TOKEN_PIN_COUNT_LOW |
	    SIGN_TOKEN_PIN_FINAL_TRY), "one try left"));
	assert_non_null(strstr(sign_token__tries_text(SIGN_TOKEN_PIN_FINAL_TRY |
	    SIGN_TOKEN_PIN_LOCKED), "now locked"));
}

/* ---- encodings ----------------------------------------------------------- */

static void
test_digestinfo(void **state)
{
	static const sign_md mds[] = { SIGN_MD_SHA1, SIGN_MD_SHA224, SIGN_MD_SHA256,
		SIGN_MD_SHA384, SIGN_MD_SHA512, SIGN_MD_DEFAULT };
	size_t i, plen;

	(void)state;
	for (i = 0; i < sizeof(mds) / sizeof(mds[0]); i++) {
		const EVP_MD *md = sign_md__evp(mds[i]);
		const unsigned char *prefix = sign_token__digestinfo_prefix(mds[i], &plen);
		unsigned char digest[64], *der = NULL;
		X509_SIG *sig = X509_SIG_new();
		X509_ALGOR *alg;
		ASN1_OCTET_STRING *os;
		int n, dlen = EVP_MD_get_size(md);

		/* The prefix + digest is the DigestInfo OpenSSL encodes. */
		memset(digest, 0x5a, sizeof(digest));
		X509_SIG_getm(sig, &alg, &os);
		assert_true(X509_ALGOR_set0(alg, OBJ_nid2obj(EVP_MD_get_type(md)), V_ASN1_NULL,
		    NULL));
		assert_true(ASN1_OCTET_STRING_set(os, digest, dlen));
		n = i2d_X509_SIG(sig, &der);
		assert_non_null(prefix);
		assert_int_equal((size_t)n, plen + (size_t)dlen);
		assert_memory_equal(der, prefix, plen);
		assert_memory_equal(der + plen, digest, (size_t)dlen);
		OPENSSL_free(der);
		X509_SIG_free(sig);
	}
	assert_null(sign_token__digestinfo_prefix((sign_md)77, &plen));
	assert_int_equal(plen, 0);
}

static void
test_pss_params(void **state)
{
	CK_RSA_PKCS_PSS_PARAMS p;

	(void)state;
	assert_int_equal(sign_token__pss_params(SIGN_MD_SHA256, &p), 0);
	assert_int_equal(p.hashAlg, CKM_SHA256);
	assert_int_equal(p.mgf, CKG_MGF1_SHA256);
	assert_int_equal(p.sLen, 32);
	assert_int_equal(sign_token__pss_params(SIGN_MD_DEFAULT, &p), 0);
	assert_int_equal(p.hashAlg, CKM_SHA256);
	assert_int_equal(sign_token__pss_params(SIGN_MD_SHA384, &p), 0);
	assert_int_equal(p.hashAlg, CKM_SHA384);
	assert_int_equal(p.mgf, CKG_MGF1_SHA384);
	assert_int_equal(p.sLen, 48);
	assert_int_equal(sign_token__pss_params(SIGN_MD_SHA512, &p), 0);
	assert_int_equal(p.mgf, CKG_MGF1_SHA512);
	assert_int_equal(p.sLen, 64);
	assert_int_equal(sign_token__pss_params(SIGN_MD_SHA224, &p), 0);
	assert_int_equal(p.sLen, 28);
	assert_int_equal(sign_token__pss_params((sign_md)77, &p), SIGN_ERR_UNSUPPORTED);
}

static void
test_ecdsa_der(void **state)
{
	unsigned char rs[64];
	sign_buf der = SIGN_BUF_INIT;
	const unsigned char *p;
	const BIGNUM *r, *s;
	ECDSA_SIG *es;
	BIGNUM *want = NULL;

	(void)state;
	/* r with a leading zero byte and s with the top bit set. */
	memset(rs, 0, 32);
	rs[1] = 0x7f;
	rs[31] = 0x01;
	memset(rs + 32, 0xff, 32);
	assert_int_equal(sign_token__ecdsa_der(rs, sizeof(rs), &der), 0);
	p = der.data;
	es = d2i_ECDSA_SIG(NULL, &p, (long)der.len);
	assert_non_null(es);
	assert_ptr_equal(p, der.data + der.len);
	ECDSA_SIG_get0(es, &r, &s);
	want = BN_bin2bn(rs, 32, NULL);
	assert_int_equal(BN_cmp(r, want), 0);
	BN_free(want);
	want = BN_bin2bn(rs + 32, 32, NULL);
	assert_int_equal(BN_cmp(s, want), 0);
	BN_free(want);
	ECDSA_SIG_free(es);
	sign_buf_dispose(&der);
	/* P-256, P-384 and P-521 sizes, values with and without leading zero
	 * bytes or the top bit set, zero: the same bytes as OpenSSL's encoder. */
	{
		static const size_t sizes[] = { 64, 96, 132 };
		unsigned char big[132], *ref = NULL;
		size_t z, k, i;
		int n;

		for (z = 0; z < 3; z++) {
			for (k = 0; k < 5; k++) {
				BIGNUM *br, *bs;

				for (i = 0; i < sizes[z]; i++)
					big[i] = k == 0 ? 0x00 : k == 1 ? 0xff :
					    k == 2 ? (unsigned char)(i < 3 ? 0 : i * 37 + 1) :
					    k == 3 ? (unsigned char)(i * 91 + 128) :
					    (unsigned char)(i == sizes[z] - 1);
				assert_int_equal(sign_token__ecdsa_der(big, sizes[z], &der), 0);
				br = BN_bin2bn(big, (int)sizes[z] / 2, NULL);
				bs = BN_bin2bn(big + sizes[z] / 2, (int)sizes[z] / 2, NULL);
				es = ECDSA_SIG_new();
				assert_true(br != NULL && bs != NULL && es != NULL);
				assert_int_equal(ECDSA_SIG_set0(es, br, bs), 1);
				n = i2d_ECDSA_SIG(es, &ref);
				assert_true(n > 0);
				assert_int_equal((size_t)n, der.len);
				assert_memory_equal(ref, der.data, der.len);
				OPENSSL_free(ref);
				ref = NULL;
				ECDSA_SIG_free(es);
				sign_buf_dispose(&der);
			}
		}
	}
	/* Odd or empty lengths are the token's error. */
	assert_int_equal(sign_token__ecdsa_der(rs, 63, &der), SIGN_ERR_PKCS11);
	assert_int_equal(sign_token__ecdsa_der(rs, 0, &der), SIGN_ERR_PKCS11);
}

static void
test_key_type_parse(void **state)
{
	sign_key_type t;

	(void)state;
	assert_int_equal(sign_key_type_parse(&t, "rsa:2048"), 0);
	assert_int_equal(t, SIGN_KEY_RSA_2048);
	assert_int_equal(sign_key_type_parse(&t, "rsa:3072"), 0);
	assert_int_equal(t, SIGN_KEY_RSA_3072);
	assert_int_equal(sign_key_type_parse(&t, "ec:prime256v1"), 0);
	assert_int_equal(t, SIGN_KEY_EC_P256);
	assert_int_equal(sign_key_type_parse(&t, "ec:P-256"), 0);
	assert_int_equal(t, SIGN_KEY_EC_P256);
	assert_int_equal(sign_key_type_parse(&t, "ec:secp384r1"), 0);
	assert_int_equal(t, SIGN_KEY_EC_P384);
	assert_int_equal(sign_key_type_parse(&t, "rsa:1024"), SIGN_ERR_INVALID_ARG);
	assert_int_equal(sign_key_type_parse(&t, "ec:brainpoolP256r1"), SIGN_ERR_INVALID_ARG);
	assert_int_equal(sign_key_type_parse(&t, ""), SIGN_ERR_INVALID_ARG);
	assert_int_equal(sign_key_type_parse(&t, NULL), SIGN_ERR_INVALID_ARG);
	/* the canonical names, which parse back to their type */
	assert_string_equal(sign_key_type_name(SIGN_KEY_RSA_2048), "rsa:2048");
	assert_string_equal(sign_key_type_name(SIGN_KEY_RSA_3072), "rsa:3072");
	assert_string_equal(sign_key_type_name(SIGN_KEY_EC_P256), "ec:prime256v1");
	assert_string_equal(sign_key_type_name(SIGN_KEY_EC_P384), "ec:secp384r1");
	for (t = SIGN_KEY_RSA_2048; t <= SIGN_KEY_EC_P384; t++) {
		sign_key_type back;

		assert_int_equal(sign_key_type_parse(&back, sign_key_type_name(t)), 0);
		assert_int_equal(back, t);
	}
	assert_null(sign_key_type_name((sign_key_type)99));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uri_parse_ok),
		cmocka_unit_test(test_uri_parse_refused),
		cmocka_unit_test(test_uri_parse_spaces),
		cmocka_unit_test(test_uri_format_roundtrip),
		cmocka_unit_test(test_conf_module),
		cmocka_unit_test(test_module_path_order),
		cmocka_unit_test(test_list_missing_module),
		cmocka_unit_test(test_flags),
		cmocka_unit_test(test_login_precheck),
		cmocka_unit_test(test_tries_text),
		cmocka_unit_test(test_digestinfo),
		cmocka_unit_test(test_pss_params),
		cmocka_unit_test(test_ecdsa_der),
		cmocka_unit_test(test_key_type_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
