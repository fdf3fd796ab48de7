/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Active Authentication: the ICAO worked example (ISO/IEC 9796-2 scheme 1),
 * four real-passport pairs (RSA-1024, trailer BC), a real chip's RSA-1792
 * answer with trailer 34CC, every ISO/IEC 10118-3 trailer, total recovery,
 * and ECDSA with plain r||s on named and explicit curves; wrong challenge,
 * flipped bytes, other keys and DER signatures fail.
 */
#include "pa_testlib.h"
#include "pa_priv.h"

#include <stdlib.h>
#include <string.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/rand.h>

static sign_dg15 *
dg15_of(const sign_buf *b)
{
	sign_dg15 *k = NULL;

	if (sign_dg15_parse(&k, b->data, b->len) != 0)
		fail_msg("DG15: %s", sign_error_message());
	return k;
}

static sign_dg15 *
dg15_key(EVP_PKEY *key)
{
	sign_buf b = t_dg15(key);
	sign_dg15 *k = dg15_of(&b);

	sign_buf_dispose(&b);
	return k;
}

static const char *
jstr(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	assert_non_null(v);
	assert_true(json_is_string(v));
	return json_string_value(v);
}

/* ICAO 9303-11 worked example: F as given, signed with a key made here
 * (the example gives none). */
static void
test_worked_example(void **state)
{
	json_t *j = t_json("icao9303/active_authentication_worked_example.json");
	sign_buf f = t_hex(jstr(j, "F")), rnd = t_hex(jstr(j, "RND_IFD_M2"));
	sign_buf h = t_hex(jstr(j, "H_SHA1_M1_M2")), m1 = t_hex(jstr(j, "M1"));
	EVP_PKEY *key = t_key("RSA", "1024");
	sign_dg15 *k = dg15_key(key);
	sign_buf sig, neg = SIGN_BUF_INIT, bad;
	BIGNUM *n = NULL, *s, *ns;

	(void)state;
	assert_int_equal(f.len, 128);
	/* The representative itself: header 6A, M1, H, trailer BC. */
	assert_int_equal(f.data[0], 0x6A);
	assert_memory_equal(f.data + 1, m1.data, m1.len);
	assert_memory_equal(f.data + 1 + m1.len, h.data, h.len);
	assert_int_equal(sign_aa__iso9796_check(f.data, f.len, rnd.data, rnd.len), 0);
	bad = t_flip(&rnd, 0);
	assert_int_equal(sign_aa__iso9796_check(f.data, f.len, bad.data, bad.len), SIGN_ERR_VERIFY);
	sign_buf_dispose(&bad);

	/* Through the RSA operation. */
	sig = t_raw_rsa_sign(key, f.data, f.len);
	assert_int_equal(sign_aa_verify(k, NULL, rnd.data, rnd.len, sig.data, sig.len), 0);
	/* n - s verifies too (ISO/IEC 9796-2: the signature is min(s, n - s)) */
	assert_int_equal(EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &n), 1);
	s = BN_bin2bn(sig.data, (int)sig.len, NULL);
	ns = BN_new();
	assert_int_equal(BN_sub(ns, n, s), 1);
	neg.data = malloc(sig.len);
	neg.len = sig.len;
	assert_int_equal(BN_bn2binpad(ns, neg.data, (int)neg.len), (int)neg.len);
	assert_int_equal(sign_aa_verify(k, NULL, rnd.data, rnd.len, neg.data, neg.len), 0);
	/* a flipped byte of the signature, a wrong challenge */
	bad = t_flip(&sig, 64);
	assert_int_equal(sign_aa_verify(k, NULL, rnd.data, rnd.len, bad.data, bad.len),
	    SIGN_ERR_VERIFY);
	sign_buf_dispose(&bad);
	bad = t_flip(&rnd, 7);
	assert_int_equal(sign_aa_verify(k, NULL, bad.data, bad.len, sig.data, sig.len),
	    SIGN_ERR_VERIFY);
	assert_non_null(strstr(sign_error_message(), "challenge"));
	sign_buf_dispose(&bad);
	/* the signature is not below the modulus */
	assert_int_equal(BN_bn2binpad(n, neg.data, (int)neg.len), (int)neg.len);
	assert_int_equal(sign_aa_verify(k, NULL, rnd.data, rnd.len, neg.data, neg.len),
	    SIGN_ERR_VERIFY);
	BN_free(n);
	BN_free(s);
	BN_free(ns);
	sign_buf_dispose(&neg);
	sign_buf_dispose(&sig);
	sign_buf_dispose(&f);
	sign_buf_dispose(&rnd);
	sign_buf_dispose(&h);
	sign_buf_dispose(&m1);
	sign_dg15_free(k);
	EVP_PKEY_free(key);
	json_decref(j);
}

/* Four real-passport pairs (pymrtd). */
static void
test_real_passport(void **state)
{
	json_t *j = t_json("realchip_transcripts/pymrtd_AA_rsa1024_sha1_real_passport.json");
	json_t *vec = json_object_get(j, "vectors");
	sign_buf dg15 = t_hex(jstr(j, "DG15"));
	sign_dg15 *k = dg15_of(&dg15);
	size_t i, n = json_array_size(vec);

	(void)state;
	assert_int_equal(n, 4);
	assert_string_equal(sign_dg15_key_type(k), "RSA");
	assert_int_equal(sign_dg15_key_bits(k), 1024);
	for (i = 0; i < n; i++) {
		json_t *v = json_array_get(vec, i), *w = json_array_get(vec, (i + 1) % n);
		sign_buf ch = t_hex(jstr(v, "RND_IFD")), sig = t_hex(jstr(v, "signature"));
		sign_buf other = t_hex(jstr(w, "RND_IFD")), osig = t_hex(jstr(w, "signature"));
		sign_buf bad;

		if (sign_aa_verify(k, NULL, ch.data, ch.len, sig.data, sig.len) != 0)
			fail_msg("vector %zu: %s", i, sign_error_message());
		/* another pair's challenge or signature */
		assert_int_equal(sign_aa_verify(k, NULL, other.data, other.len, sig.data, sig.len),
		    SIGN_ERR_VERIFY);
		assert_int_equal(sign_aa_verify(k, NULL, ch.data, ch.len, osig.data, osig.len),
		    SIGN_ERR_VERIFY);
		bad = t_flip(&sig, i * 31);
		assert_int_equal(sign_aa_verify(k, NULL, ch.data, ch.len, bad.data, bad.len),
		    SIGN_ERR_VERIFY);
		sign_buf_dispose(&bad);
		/* truncated signature */
		assert_int_equal(sign_aa_verify(k, NULL, ch.data, ch.len, sig.data, sig.len - 1),
		    SIGN_ERR_VERIFY);
		sign_buf_dispose(&ch);
		sign_buf_dispose(&sig);
		sign_buf_dispose(&other);
		sign_buf_dispose(&osig);
	}
	sign_dg15_free(k);
	sign_buf_dispose(&dg15);
	json_decref(j);
}

/* A real chip, RSA-1792, trailer 34CC (SHA-256); the JSON gives the
 * signature as unwrapped from secure messaging. */
static void
test_real_chip_sha256(void **state)
{
	json_t *j = t_json("realchip_transcripts/gmrtd_AA_rsa1792_sha256_over_3des_sm.json");
	json_t *p = t_json("realchip_transcripts/pymrtd_AA_rsa1024_sha1_real_passport.json");
	sign_buf dg15 = t_hex(jstr(j, "DG15")), ch = t_hex(jstr(j, "RND_IFD"));
	sign_buf sig = t_hex(jstr(j, "signature")), bad;
	sign_buf pdg15 = t_hex(jstr(p, "DG15"));
	sign_dg15 *k = dg15_of(&dg15), *pk = dg15_of(&pdg15);
	EVP_PKEY *fresh = t_key("RSA", "1792");
	sign_dg15 *fk = dg15_key(fresh);

	(void)state;
	assert_int_equal(sign_dg15_key_bits(k), 1792);
	assert_int_equal(sign_aa_verify(k, NULL, ch.data, ch.len, sig.data, sig.len), 0);
	bad = t_flip(&sig, 100);
	assert_int_equal(sign_aa_verify(k, NULL, ch.data, ch.len, bad.data, bad.len),
	    SIGN_ERR_VERIFY);
	sign_buf_dispose(&bad);
	/* other keys: another size, the same size */
	assert_int_equal(sign_aa_verify(pk, NULL, ch.data, ch.len, sig.data, sig.len),
	    SIGN_ERR_VERIFY);
	assert_int_equal(sign_aa_verify(fk, NULL, ch.data, ch.len, sig.data, sig.len),
	    SIGN_ERR_VERIFY);
	sign_dg15_free(k);
	sign_dg15_free(pk);
	sign_dg15_free(fk);
	EVP_PKEY_free(fresh);
	sign_buf_dispose(&dg15);
	sign_buf_dispose(&pdg15);
	sign_buf_dispose(&ch);
	sign_buf_dispose(&sig);
	json_decref(j);
	json_decref(p);
}

/* Every trailer: BC (SHA-1 implied) and xxCC per ISO/IEC 10118-3. */
static void
test_trailers(void **state)
{
	static const struct { unsigned char id; const char *md; int ok; } t[] = {
		{ 0x00, "SHA1", 1 }, { 0x33, "SHA1", 1 }, { 0x34, "SHA256", 1 },
		{ 0x35, "SHA512", 1 }, { 0x36, "SHA384", 1 }, { 0x38, "SHA224", 1 },
		{ 0x39, "SHA512-224", 1 }, { 0x3A, "SHA512-256", 1 },
		{ 0x37, "SHA256", 0 },   /* WHIRLPOOL: not supported */
		{ 0x34, "SHA1", 0 },     /* trailer names SHA-256, H is SHA-1 */
		{ 0x36, "SHA512", 0 },   /* trailer names SHA-384, H is SHA-512 */
	};
	EVP_PKEY *key = t_key("RSA", "2048");
	sign_dg15 *k = dg15_key(key);
	unsigned char ch[8];
	size_t i;

	(void)state;
	assert_int_equal(RAND_bytes(ch, 8), 1);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		sign_buf sig = t_aa_sign_rsa(key, EVP_get_digestbyname(t[i].md), t[i].id, ch, 8);
		int rc = sign_aa_verify(k, NULL, ch, 8, sig.data, sig.len);

		if (t[i].ok && rc != 0)
			fail_msg("trailer %02X: %s", t[i].id, sign_error_message());
		if (!t[i].ok)
			assert_int_equal(rc, SIGN_ERR_VERIFY);
		sign_buf_dispose(&sig);
	}
	sign_dg15_free(k);
	EVP_PKEY_free(key);
}

/* Total message recovery (header 4x): M1 is the whole message and must be
 * the challenge; padding nibbles B...BA. */
static void
test_total_recovery(void **state)
{
	EVP_PKEY *key = t_key("RSA", "1024");
	sign_dg15 *k = dg15_key(key);
	unsigned char f[128], ch[8], other[8];
	unsigned int hl;
	size_t pad = 128 - 8 - 20 - 1, i;
	sign_buf sig;

	(void)state;
	assert_int_equal(RAND_bytes(ch, 8), 1);
	memcpy(other, ch, 8);
	other[0] ^= 1;
	f[0] = 0x4B;
	for (i = 1; i < pad - 1; i++)
		f[i] = 0xBB;
	f[pad - 1] = 0xBA;
	memcpy(f + pad, ch, 8);
	assert_int_equal(EVP_Digest(ch, 8, f + pad + 8, &hl, EVP_sha1(), NULL), 1);
	f[127] = 0xBC;
	sig = t_raw_rsa_sign(key, f, 128);
	assert_int_equal(sign_aa_verify(k, NULL, ch, 8, sig.data, sig.len), 0);
	assert_int_equal(sign_aa_verify(k, NULL, other, 8, sig.data, sig.len), SIGN_ERR_VERIFY);
	sign_buf_dispose(&sig);
	/* broken padding (a nibble other than B before the A) */
	f[5] = 0xCB;
	sig = t_raw_rsa_sign(key, f, 128);
	assert_int_equal(sign_aa_verify(k, NULL, ch, 8, sig.data, sig.len), SIGN_ERR_VERIFY);
	assert_non_null(strstr(sign_error_message(), "padding"));
	sign_buf_dispose(&sig);
	/* bad header (00) */
	f[5] = 0xBB;
	f[0] = 0x0B;
	sig = t_raw_rsa_sign(key, f, 128);
	assert_int_equal(sign_aa_verify(k, NULL, ch, 8, sig.data, sig.len), SIGN_ERR_VERIFY);
	assert_non_null(strstr(sign_error_message(), "header"));
	sign_buf_dispose(&sig);
	sign_dg15_free(k);
	EVP_PKEY_free(key);
}

/* DG14 with one ActiveAuthenticationInfo naming `alg`. */
static sign_dg14 *
dg14_aa(const char *alg)
{
	unsigned char buf[64], *p;
	ASN1_OBJECT *a = OBJ_txt2obj("2.23.136.1.1.5", 1), *b = OBJ_txt2obj(alg, 1);
	int la = i2d_ASN1_OBJECT(a, NULL), lb = i2d_ASN1_OBJECT(b, NULL), n;
	sign_dg14 *d = NULL;

	n = la + 3 + lb;
	buf[0] = 0x6E;
	buf[1] = (unsigned char)(n + 4);
	buf[2] = 0x31;
	buf[3] = (unsigned char)(n + 2);
	buf[4] = 0x30;
	buf[5] = (unsigned char)n;
	p = buf + 6;
	i2d_ASN1_OBJECT(a, &p);
	*p++ = 0x02;
	*p++ = 0x01;
	*p++ = 0x01;
	i2d_ASN1_OBJECT(b, &p);
	if (sign_dg14_parse(&d, buf, (size_t)(p - buf)) != 0)
		fail_msg("DG14: %s", sign_error_message());
	ASN1_OBJECT_free(a);
	ASN1_OBJECT_free(b);
	return d;
}

static void
test_ecdsa(void **state)
{
	static const struct { const char *curve; const char *md; const char *alg; } t[] = {
		{ "P-256", "SHA256", "0.4.0.127.0.7.1.1.4.1.3" },
		{ "brainpoolP256r1", "SHA256", "0.4.0.127.0.7.1.1.4.1.3" },
		{ "brainpoolP384r1", "SHA384", "0.4.0.127.0.7.1.1.4.1.4" },
		{ "brainpoolP512r1", "SHA512", "0.4.0.127.0.7.1.1.4.1.5" },
		{ "P-224", "SHA224", "1.2.840.10045.4.3.1" },
		{ "P-521", "SHA1", "0.4.0.127.0.7.1.1.4.1.1" },
	};
	unsigned char ch[8];
	size_t i;

	(void)state;
	assert_int_equal(RAND_bytes(ch, 8), 1);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		EVP_PKEY *key = t_key("EC", t[i].curve);
		const EVP_MD *md = EVP_get_digestbyname(t[i].md);
		sign_dg15 *k = dg15_key(key);
		sign_dg14 *d = dg14_aa(t[i].alg), *wrong = dg14_aa("0.4.0.127.0.7.1.1.4.1.2");
		sign_buf plain = t_aa_sign_ec(key, md, ch, 8, 0), der = t_aa_sign_ec(key, md, ch, 8, 1);
		sign_buf bad = t_flip(&plain, plain.len - 1);
		unsigned char other[8];

		assert_string_equal(sign_dg15_key_type(k), "EC");
		if (sign_aa_verify(k, d, ch, 8, plain.data, plain.len) != 0)
			fail_msg("%s: %s", t[i].curve, sign_error_message());
		/* DER instead of plain r||s */
		assert_int_equal(sign_aa_verify(k, d, ch, 8, der.data, der.len), SIGN_ERR_VERIFY);
		assert_non_null(strstr(sign_error_message(), "plain r||s"));
		assert_int_equal(sign_aa_verify(k, d, ch, 8, bad.data, bad.len), SIGN_ERR_VERIFY);
		memcpy(other, ch, 8);
		other[3] ^= 0x80;
		assert_int_equal(sign_aa_verify(k, d, other, 8, plain.data, plain.len), SIGN_ERR_VERIFY);
		/* DG14 naming another hash (SHA-224) */
		if (strcmp(t[i].md, "SHA224") != 0)
			assert_int_equal(sign_aa_verify(k, wrong, ch, 8, plain.data, plain.len),
			    SIGN_ERR_VERIFY);
		/* without DG14: the hash follows the curve size */
		if (strcmp(t[i].md, "SHA1") != 0)
			assert_int_equal(sign_aa_verify(k, NULL, ch, 8, plain.data, plain.len), 0);
		else
			assert_int_equal(sign_aa_verify(k, NULL, ch, 8, plain.data, plain.len),
			    SIGN_ERR_VERIFY);
		sign_buf_dispose(&plain);
		sign_buf_dispose(&der);
		sign_buf_dispose(&bad);
		sign_dg14_free(d);
		sign_dg14_free(wrong);
		sign_dg15_free(k);
		EVP_PKEY_free(key);
	}
}

/* An EC AA key with explicit curve parameters in DG15. */
static void
test_ecdsa_explicit(void **state)
{
	EVP_PKEY *key = t_key("EC", "brainpoolP224r1");
	sign_dg15 *k;
	sign_dg14 *d = dg14_aa("0.4.0.127.0.7.1.1.4.1.2");
	sign_buf dg15, sig;
	unsigned char ch[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };

	(void)state;
	assert_int_equal(EVP_PKEY_set_utf8_string_param(key, OSSL_PKEY_PARAM_EC_ENCODING,
	    OSSL_PKEY_EC_ENCODING_EXPLICIT), 1);
	dg15 = t_dg15(key);
	/* explicit: the SPKI carries the prime-field OID, not a curve name */
	{
		static const unsigned char prime_field[] = { 0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE,
		    0x3D, 0x01, 0x01 };
		size_t i;
		int found = 0;

		for (i = 0; i + sizeof(prime_field) <= dg15.len; i++)
			found |= memcmp(dg15.data + i, prime_field, sizeof(prime_field)) == 0;
		assert_true(found);
	}
	k = dg15_of(&dg15);
	assert_int_equal(sign_dg15_key_bits(k), 224);
	sig = t_aa_sign_ec(key, EVP_sha224(), ch, 8, 0);
	assert_int_equal(sign_aa_verify(k, d, ch, 8, sig.data, sig.len), 0);
	sign_buf_dispose(&sig);
	sign_buf_dispose(&dg15);
	sign_dg15_free(k);
	sign_dg14_free(d);
	EVP_PKEY_free(key);
}

static void
test_aa_errors(void **state)
{
	EVP_PKEY *key = t_key("EC", "P-256");
	sign_dg15 *k = dg15_key(key);
	sign_dg14 *d = dg14_aa("1.2.3.4");   /* an unknown AA signature algorithm */
	const char *name;
	unsigned char ch[8] = { 0 }, sig[64] = { 1 };

	(void)state;
	assert_int_equal(sign_dg14_aa_algorithm(d, &name), 0);
	assert_string_equal(name, "1.2.3.4");
	assert_int_equal(sign_aa_verify(k, d, ch, 8, sig, 64), SIGN_ERR_UNSUPPORTED);
	assert_int_equal(sign_aa_verify(NULL, NULL, ch, 8, sig, 64), SIGN_ERR_INVALID_ARG);
	assert_int_equal(sign_aa_verify(k, NULL, NULL, 8, sig, 64), SIGN_ERR_INVALID_ARG);
	assert_int_equal(sign_aa_verify(k, NULL, ch, 0, sig, 64), SIGN_ERR_INVALID_ARG);
	assert_int_equal(sign_aa_verify(k, NULL, ch, 8, sig, 0), SIGN_ERR_INVALID_ARG);
	/* all-zero r||s is no signature */
	memset(sig, 0, sizeof(sig));
	assert_int_equal(sign_aa_verify(k, NULL, ch, 8, sig, 64), SIGN_ERR_VERIFY);
	sign_dg14_free(d);
	sign_dg15_free(k);
	EVP_PKEY_free(key);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_worked_example),
		cmocka_unit_test(test_real_passport),
		cmocka_unit_test(test_real_chip_sha256),
		cmocka_unit_test(test_trailers),
		cmocka_unit_test(test_total_recovery),
		cmocka_unit_test(test_ecdsa),
		cmocka_unit_test(test_ecdsa_explicit),
		cmocka_unit_test(test_aa_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
