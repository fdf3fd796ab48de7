/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * DG14 SecurityInfos: the ICAO specification sample (DH Chip Authentication
 * key, id-CA-DH-3DES, TA), the BSI reference DG14 (ECDH key with explicit
 * brainpoolP224r1 parameters), a synthetic DG14 with PACE, PACE domain
 * parameters, CA with keyId, AA (ECDSA hash), TA and an unknown OID; and
 * malformed input.
 */
#include "pa_testlib.h"

#include <stdlib.h>
#include <string.h>

/* Built for this test (see the entries in test_synthetic). */
static const char synthetic_hex[] =
    "6E819131818E3012060A04007F0007020204020202010202010D301C060904007F000702020402300C0607"
    "04007F0007010202010D02010D3012060A04007F0007020203020402010102010730170606678108010105"
    "020101060A04007F00070101040103300806042A0304050500300F060A04007F00070202020203020102"
    "3012060A04007F0007020204060202010202010D";

static sign_dg14 *
parse_ok(const sign_buf *b)
{
	sign_dg14 *d = NULL;

	if (sign_dg14_parse(&d, b->data, b->len) != 0)
		fail_msg("DG14: %s", sign_error_message());
	return d;
}

static void
test_spec_sample(void **state)
{
	sign_buf b = t_fixture("icao9303_spec_samples/spec_sample_encoded_dg14.bin");
	sign_dg14 *d = parse_ok(&b);
	const unsigned char *spki;
	const char *name;
	size_t len;

	(void)state;
	assert_int_equal(sign_dg14_count(d), 3);
	assert_int_equal(sign_dg14_kind(d, 0), SIGN_SECINFO_CA_PUBKEY);
	assert_string_equal(sign_dg14_oid(d, 0), "0.4.0.127.0.7.2.2.1.1");
	assert_string_equal(sign_dg14_name(d, 0), "id-PK-DH");
	assert_int_equal(sign_dg14_key_id(d, 0), -1);
	assert_int_equal(sign_dg14_ca_pubkey(d, 0, &spki, &len), 0);
	assert_int_equal(spki[0], 0x30);
	assert_int_equal(len, 425);                 /* SEQUENCE of 421 bytes + header */
	assert_int_equal(sign_dg14_kind(d, 1), SIGN_SECINFO_CA);
	assert_string_equal(sign_dg14_name(d, 1), "id-CA-DH-3DES-CBC-CBC");
	assert_int_equal(sign_dg14_version(d, 1), 1);
	assert_int_equal(sign_dg14_kind(d, 2), SIGN_SECINFO_TA);
	assert_string_equal(sign_dg14_name(d, 2), "id-TA");
	assert_int_equal(sign_dg14_version(d, 2), 1);
	assert_int_equal(sign_dg14_ca_pubkey(d, 1, &spki, &len), SIGN_ERR_NOT_FOUND);
	assert_int_equal(sign_dg14_aa_algorithm(d, &name), SIGN_ERR_NOT_FOUND);
	/* out of range */
	assert_null(sign_dg14_oid(d, 3));
	assert_int_equal(sign_dg14_kind(d, 3), SIGN_SECINFO_UNKNOWN);
	assert_int_equal(sign_dg14_version(d, 3), -1);
	sign_dg14_free(d);
	sign_buf_dispose(&b);
}

static void
test_bsi(void **state)
{
	static const char *const files[] = { "bsi_tr03105_refdata_2008/Datagroup14.bin",
	    "bsi_tr03105_refdata_2013_hjp/Datagroup14.bin" };
	size_t i;

	(void)state;
	for (i = 0; i < 2; i++) {
		sign_buf b = t_fixture(files[i]);
		sign_dg14 *d = parse_ok(&b);
		const unsigned char *spki, *q;
		size_t len;
		EVP_PKEY *k;

		assert_int_equal(sign_dg14_count(d), 3);
		assert_string_equal(sign_dg14_name(d, 0), "id-PK-ECDH");
		assert_int_equal(sign_dg14_ca_pubkey(d, 0, &spki, &len), 0);
		/* the key (explicit brainpoolP224r1 parameters) decodes */
		q = spki;
		k = d2i_PUBKEY(NULL, &q, (long)len);
		assert_non_null(k);
		assert_int_equal(EVP_PKEY_get_bits(k), 224);
		EVP_PKEY_free(k);
		assert_string_equal(sign_dg14_name(d, 1), "id-CA-ECDH-3DES-CBC-CBC");
		assert_string_equal(sign_dg14_oid(d, 1), "0.4.0.127.0.7.2.2.3.2.1");
		assert_int_equal(sign_dg14_kind(d, 2), SIGN_SECINFO_TA);
		sign_dg14_free(d);
		sign_buf_dispose(&b);
	}
}

static void
test_synthetic(void **state)
{
	sign_buf b = t_hex(synthetic_hex);
	sign_dg14 *d = parse_ok(&b);
	const char *name;

	(void)state;
	assert_int_equal(sign_dg14_count(d), 7);
	assert_int_equal(sign_dg14_kind(d, 0), SIGN_SECINFO_PACE);
	assert_string_equal(sign_dg14_name(d, 0), "id-PACE-ECDH-GM-AES-CBC-CMAC-128");
	assert_int_equal(sign_dg14_version(d, 0), 2);
	assert_int_equal(sign_dg14_key_id(d, 0), 13);
	assert_int_equal(sign_dg14_kind(d, 1), SIGN_SECINFO_PACE_DOMAIN);
	assert_string_equal(sign_dg14_name(d, 1), "id-PACE-ECDH-GM");
	assert_int_equal(sign_dg14_key_id(d, 1), 13);
	assert_int_equal(sign_dg14_kind(d, 2), SIGN_SECINFO_CA);
	assert_string_equal(sign_dg14_name(d, 2), "id-CA-ECDH-AES-CBC-CMAC-256");
	assert_int_equal(sign_dg14_key_id(d, 2), 7);
	assert_int_equal(sign_dg14_kind(d, 3), SIGN_SECINFO_AA);
	assert_int_equal(sign_dg14_version(d, 3), 1);
	assert_int_equal(sign_dg14_aa_algorithm(d, &name), 0);
	assert_string_equal(name, "ecdsa-plain-SHA256");
	assert_int_equal(sign_dg14_kind(d, 4), SIGN_SECINFO_UNKNOWN);
	assert_string_equal(sign_dg14_oid(d, 4), "1.2.3.4.5");
	assert_string_equal(sign_dg14_name(d, 4), "1.2.3.4.5");
	assert_int_equal(sign_dg14_kind(d, 5), SIGN_SECINFO_TA);
	assert_string_equal(sign_dg14_name(d, 5), "id-TA-*");
	assert_int_equal(sign_dg14_version(d, 5), 2);
	assert_string_equal(sign_dg14_name(d, 6), "id-PACE-ECDH-CAM-AES-CBC-CMAC-128");
	sign_dg14_free(d);
	sign_buf_dispose(&b);
}

static void
test_malformed(void **state)
{
	static const char *const bad[] = {
		"",
		"6E00",                                  /* no SET */
		"6E023100",                              /* empty SET */
		"6F023100",                              /* wrong tag */
		"6E053103300106",                        /* truncated SecurityInfo */
		"6E0531033001FF",                        /* not SEQUENCE { OID, ... } */
		/* CA info whose version is not an INTEGER */
		"6E123110300E060A04007F000702020302010400",
		/* CA info with a negative version */
		"6E133111300F060A04007F000702020302010201FF",
		/* four elements */
		"6E1931173015060A04007F00070202030201020101020101020101",
		/* AA info without its signature algorithm */
		"6E0F310D300B0606678108010105020101",
		/* CA public key info whose key is not a SubjectPublicKeyInfo */
		"6E11310F300D060904007F0007020201010400",
		/* no requiredData */
		"6E0F310D300B060904007F000702020101",
		/* empty OID */
		"6E09310730050600020101",
	};
	sign_buf good = t_fixture("icao9303_spec_samples/spec_sample_encoded_dg14.bin");
	sign_dg14 *d = NULL;
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char hex[128];
		size_t j, k = 0;
		sign_buf b;

		for (j = 0; bad[i][j] != '\0'; j++)
			if (bad[i][j] != ' ')
				hex[k++] = bad[i][j];
		hex[k] = '\0';
		b = t_hex(hex);
		if (sign_dg14_parse(&d, b.data, b.len) == 0)
			fail_msg("case %zu parsed", i);
		assert_null(d);
		sign_buf_dispose(&b);
	}
	/* every truncation fails, trailing data fails */
	for (n = 0; n < good.len; n++)
		assert_int_not_equal(sign_dg14_parse(&d, good.data, n), 0);
	good.data = realloc(good.data, good.len + 2);
	good.data[good.len] = 0x90;
	good.data[good.len + 1] = 0x00;
	assert_int_equal(sign_dg14_parse(&d, good.data, good.len + 2), SIGN_ERR_MALFORMED);
	assert_int_equal(sign_dg14_parse(NULL, good.data, good.len), SIGN_ERR_INVALID_ARG);
	sign_dg14_free(NULL);
	assert_int_equal(sign_dg14_count(NULL), 0);
	sign_buf_dispose(&good);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spec_sample),
		cmocka_unit_test(test_bsi),
		cmocka_unit_test(test_synthetic),
		cmocka_unit_test(test_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
