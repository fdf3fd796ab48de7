/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * DG15: RSA keys of the reference sets and real chips, the BSI 2008
 * negative-modulus quirk (accepted, flagged), EC keys with named and
 * explicit curve parameters, and malformed or unsupported keys.
 */
#include "pa_testlib.h"
#include "pa_priv.h"

#include <stdlib.h>
#include <string.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>

#define MOD64 "C30102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F20" \
	"2122232425262728292A2B2C2D2E2F303132333435363738393A3B3C3D1101"

static const struct {
	const char *hex;
	int rc;
	unsigned int quirks;
	const char *what;
} synth[] = {
	{ "6F5E305C300D06092A864886F70D0101010500034B003048024100" MOD64 "0203010001", 0, 0,
	  "RSA-512" },
	{ "6F5D305B300D06092A864886F70D0101010500034A0030470240" MOD64 "0203010001", 0,
	  SIGN_DG15_QUIRK_NEGATIVE_MODULUS, "negative modulus" },
	{ "6F5F305D300D06092A864886F70D0101010500034C00304902420000" MOD64 "0203010001",
	  SIGN_ERR_MALFORMED, 0, "modulus with a superfluous 00" },
	{ "6F5C305A300D06092A864886F70D01010105000349003046024100" MOD64 "020181",
	  SIGN_ERR_MALFORMED, 0, "negative exponent" },
	{ "6F5E305C300D06092A864886F70D0101010500034B003048024100"
	  "C30102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F20"
	  "2122232425262728292A2B2C2D2E2F303132333435363738393A3B3C3D1102" "0203010001",
	  SIGN_ERR_MALFORMED, 0, "even modulus" },
	{ "6F5E305C300D06092A864886F70D0101010500034B013048024100" MOD64 "0203010001",
	  SIGN_ERR_MALFORMED, 0, "BIT STRING with unused bits" },
	{ "6F5C305A300D06092A864886F70D01010105000349003046024100" MOD64 "020101",
	  SIGN_ERR_MALFORMED, 0, "exponent 1" },
	{ "6F5C305A300B06072A8648CE3804010500034B003048024100" MOD64 "0203010001",
	  SIGN_ERR_UNSUPPORTED, 0, "DSA" },
	{ "6F00", SIGN_ERR_MALFORMED, 0, "empty" },
	{ "6E5E305C300D06092A864886F70D0101010500034B003048024100" MOD64 "0203010001",
	  SIGN_ERR_MALFORMED, 0, "wrong tag" },
};

static void
test_synthetic_rsa(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(synth) / sizeof(synth[0]); i++) {
		sign_buf b = t_hex(synth[i].hex);
		sign_dg15 *k = NULL;
		int rc = sign_dg15_parse(&k, b.data, b.len);

		if (rc != synth[i].rc)
			fail_msg("%s: rc %d: %s", synth[i].what, rc, sign_error_message());
		if (rc == 0) {
			assert_int_equal(sign_dg15_quirks(k), synth[i].quirks);
			assert_int_equal(sign_dg15_key_bits(k), 512);
		} else {
			assert_null(k);
		}
		sign_dg15_free(k);
		sign_buf_dispose(&b);
	}
}

/* BSI 2008: the modulus 02 81 80 CF.. is read as the unsigned number. */
static void
test_bsi2008_quirk(void **state)
{
	sign_buf b = t_fixture("bsi_tr03105_refdata_2008/Datagroup15.bin");
	sign_dg15 *k = NULL;
	BIGNUM *n = NULL, *want;

	(void)state;
	assert_int_equal(b.data[0x1C], 0x02);
	assert_int_equal(b.data[0x1D], 0x81);
	assert_int_equal(b.data[0x1E], 0x80);
	assert_int_equal(b.data[0x1F], 0xCF);
	assert_int_equal(sign_dg15_parse(&k, b.data, b.len), 0);
	assert_int_equal(sign_dg15_quirks(k), SIGN_DG15_QUIRK_NEGATIVE_MODULUS);
	assert_string_equal(sign_dg15_key_type(k), "RSA");
	assert_int_equal(sign_dg15_key_bits(k), 1024);
	assert_int_equal(EVP_PKEY_get_bn_param(sign_dg15__pkey(k), OSSL_PKEY_PARAM_RSA_N, &n), 1);
	want = BN_bin2bn(b.data + 0x1F, 128, NULL);
	assert_int_equal(BN_cmp(n, want), 0);
	assert_false(BN_is_negative(n));
	BN_free(n);
	BN_free(want);
	sign_dg15_free(k);
	sign_buf_dispose(&b);
}

static void
test_rsa_files(void **state)
{
	static const struct { const char *file; int bits; } t[] = {
		{ "bsi_tr03105_refdata_2013_hjp/Datagroup15.bin", 1024 },
		{ "nl_specimen_2006/ef010F.bin", 1024 },
	};
	size_t i, n;

	(void)state;
	for (i = 0; i < 2; i++) {
		sign_buf b = t_fixture(t[i].file);
		sign_dg15 *k = NULL;

		assert_int_equal(sign_dg15_parse(&k, b.data, b.len), 0);
		assert_int_equal(sign_dg15_quirks(k), 0);
		assert_int_equal(sign_dg15_key_bits(k), t[i].bits);
		sign_dg15_free(k);
		/* every truncation fails; trailing data fails */
		for (n = 0; n < b.len; n++) {
			assert_int_not_equal(sign_dg15_parse(&k, b.data, n), 0);
			assert_null(k);
		}
		b.data = realloc(b.data, b.len + 1);
		b.data[b.len] = 0;
		assert_int_equal(sign_dg15_parse(&k, b.data, b.len + 1), SIGN_ERR_MALFORMED);
		sign_buf_dispose(&b);
	}
}

static void
test_ec(void **state)
{
	static const char *const curves[] = { "P-256", "brainpoolP320r1", "brainpoolP512r1" };
	static const int bits[] = { 256, 320, 512 };
	size_t i;
	int explicit;

	(void)state;
	for (i = 0; i < 3; i++) {
		for (explicit = 0; explicit < 2; explicit++) {
			EVP_PKEY *key = t_key("EC", curves[i]);
			sign_buf b;
			sign_dg15 *k = NULL;

			if (explicit)
				assert_int_equal(EVP_PKEY_set_utf8_string_param(key,
				    OSSL_PKEY_PARAM_EC_ENCODING, OSSL_PKEY_EC_ENCODING_EXPLICIT), 1);
			b = t_dg15(key);
			assert_int_equal(sign_dg15_parse(&k, b.data, b.len), 0);
			assert_string_equal(sign_dg15_key_type(k), "EC");
			assert_int_equal(sign_dg15_key_bits(k), bits[i]);
			assert_int_equal(EVP_PKEY_eq(sign_dg15__pkey(k), key), 1);
			sign_dg15_free(k);
			/* a flipped point coordinate is not on the curve */
			b.data[b.len - 10] ^= 0x55;
			assert_int_not_equal(sign_dg15_parse(&k, b.data, b.len), 0);
			sign_buf_dispose(&b);
			EVP_PKEY_free(key);
		}
	}
}

/* The DH key of the ICAO DG14 sample, presented as a DG15. */
static void
test_unsupported_dh(void **state)
{
	sign_buf b = t_fixture("icao9303_spec_samples/spec_sample_encoded_dg14.bin");
	sign_buf w = SIGN_BUF_INIT;
	sign_dg15 *k = NULL;
	size_t spki_len = 425;

	(void)state;
	/* SPKI at offset 23 of the DG14 (after 6E, SET, SEQUENCE, OID) */
	assert_int_equal(b.data[23], 0x30);
	w.data = malloc(spki_len + 4);
	w.data[0] = 0x6F;
	w.data[1] = 0x82;
	w.data[2] = (unsigned char)(spki_len >> 8);
	w.data[3] = (unsigned char)spki_len;
	memcpy(w.data + 4, b.data + 23, spki_len);
	w.len = spki_len + 4;
	assert_int_equal(sign_dg15_parse(&k, w.data, w.len), SIGN_ERR_UNSUPPORTED);
	assert_non_null(strstr(sign_error_message(), "1.2.840.113549.1.3.1"));
	assert_int_equal(sign_dg15_parse(NULL, w.data, w.len), SIGN_ERR_INVALID_ARG);
	assert_null(sign_dg15_key_type(NULL));
	assert_int_equal(sign_dg15_key_bits(NULL), 0);
	sign_dg15_free(NULL);
	sign_buf_dispose(&w);
	sign_buf_dispose(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_synthetic_rsa),
		cmocka_unit_test(test_bsi2008_quirk),
		cmocka_unit_test(test_rsa_files),
		cmocka_unit_test(test_ec),
		cmocka_unit_test(test_unsupported_dh),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
