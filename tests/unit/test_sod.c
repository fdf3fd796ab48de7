/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * EF.SOD: parsing and SignerInfo verification over real-world SODs of 13
 * documents and the BSI / Dutch reference data sets (RSA PKCS#1 v1.5,
 * RSA-PSS, ECDSA on explicit curve parameters, SHA-1 ... SHA-512, BER
 * indefinite lengths), and tampering / malformed-input cases.
 */
#include "pa_testlib.h"
#include "pa_priv.h"

#include <stdlib.h>
#include <string.h>
#include <openssl/cms.h>
#include <openssl/err.h>

static const struct sod_case {
	const char *file;
	const char *digest;
	const char *sigalg;
	int version;
	const char *dgs;          /* DG numbers in SOD order */
} cases[] = {
	{ "realworld_sod/AT_EF_SOD.bin", "SHA-256", "ecdsa-with-SHA256", 0, "1 2 3 11 12 14" },
	{ "realworld_sod/DE_EF_SOD.bin", "SHA-384", "ecdsa-with-SHA384", 1, "1 2 3 14" },
	{ "realworld_sod/FI_EF_SOD.bin", "SHA-512", "ecdsa-with-SHA512", 1, "1 2 3 7 14" },
	{ "realworld_sod/FR_EF_SOD.bin", "SHA-256", "sha256WithRSAEncryption", 0,
	  "1 2 3 11 12 13 14" },
	{ "realworld_sod/ID_EF_SOD.bin", "SHA-256", "RSASSA-PSS", 0, "1 2 3 14 15" },
	{ "realworld_sod/MY_EF_SOD.bin", "SHA-256", "RSASSA-PSS", 0, "1 2 3 11 12 14" },
	{ "realworld_sod/NZ_EF_SOD.bin", "SHA-256", "rsaEncryption (SHA-256)", 0,
	  "1 2 12 13 14 15" },
	{ "realworld_sod/NZ2013_EF_SOD.bin", "SHA-256", "rsaEncryption (SHA-256)", 0,
	  "1 2 12 13 15" },
	{ "realworld_sod/PH_EF_SOD.bin", "SHA-256", "RSASSA-PSS", 0, "1 2 7 11 12 15" },
	{ "realworld_sod/RU_EF_SOD.bin", "SHA-1", "ecdsa-with-SHA1", 0, "1 2 3 13 14" },
	{ "realworld_sod/SG_EF_SOD.bin", "SHA-256", "RSASSA-PSS", 1, "1 2 3 4 13 14" },
	{ "realworld_sod/UK_EF_SOD.bin", "SHA-256", "ecdsa-with-SHA256", 1, "1 2 14" },
	{ "realworld_sod/US_EF_SOD.bin", "SHA-256", "rsaEncryption (SHA-256)", 0, "1 2 11 12" },
	{ "bsi_tr03105_refdata_2008/EF_SOD.bin", "SHA-1", "ecdsa-with-SHA1", 0, "1 2 3 14" },
	{ "bsi_tr03105_refdata_2013_hjp/EF_SOD.bin", "SHA-256", "RSASSA-PSS", 0, "1 2 3 14 4" },
	{ "nl_specimen_2006/ef011D.bin", "SHA-256", "sha256WithRSAEncryption", 0, "1 2 15" },
};

static sign_sod *
parse_ok(const sign_buf *b)
{
	sign_sod *sod = NULL;

	if (sign_sod_parse(&sod, b->data, b->len) != 0)
		fail_msg("parse: %s", sign_error_message());
	return sod;
}

static void
test_parse_and_verify_table(void **state)
{
	size_t i, k;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sign_buf b = t_fixture(cases[i].file);
		sign_sod *sod = parse_ok(&b);
		char dgs[64] = "";
		const unsigned char *der;
		size_t len, hlen;
		int dg;

		assert_string_equal(sign_sod_digest_name(sod), cases[i].digest);
		assert_string_equal(sign_sod_signature_name(sod), cases[i].sigalg);
		assert_int_equal(sign_sod_version(sod), cases[i].version);
		for (k = 0; k < sign_sod_dg_count(sod); k++) {
			const unsigned char *h;

			assert_int_equal(sign_sod_dg_at(sod, k, &dg, &h, &hlen), 0);
			snprintf(dgs + strlen(dgs), sizeof(dgs) - strlen(dgs), "%s%d", k ? " " : "", dg);
			assert_int_equal(hlen, (size_t)EVP_MD_get_size(sod->md));
		}
		assert_string_equal(dgs, cases[i].dgs);
		assert_int_equal(sign_sod_dg_at(sod, k, &dg, NULL, NULL), SIGN_ERR_INVALID_ARG);
		/* The embedded DSC verifies the SignerInfo. */
		assert_int_equal(sign_sod_signer_cert(sod, &der, &len), 0);
		assert_true(len > 100);
		if (sign_sod_verify_signer(sod, NULL, 0) != 0)
			fail_msg("%s: %s", cases[i].file, sign_error_message());
		assert_int_equal(sign_sod_verify_signer(sod, der, len), 0);
		sign_sod_free(sod);
		sign_buf_dispose(&b);
	}
}

/* The DSCs extracted by hand from the reference SODs are the embedded ones. */
static void
test_extracted_dsc(void **state)
{
	static const char *const pairs[][2] = {
		{ "bsi_tr03105_refdata_2008/EF_SOD.bin", "bsi_tr03105_refdata_2008/DSC_from_EF_SOD.der" },
		{ "nl_specimen_2006/ef011D.bin", "nl_specimen_2006/DSC_from_EF_SOD.der" },
		{ "bsi_tr03105_refdata_2013_hjp/EF_SOD.bin",
		  "bsi_tr03105_refdata_2013_hjp/dsc_de_0142fd5cf927.cer" },
	};
	size_t i, len;

	(void)state;
	for (i = 0; i < 3; i++) {
		sign_buf b = t_fixture(pairs[i][0]), c = t_fixture(pairs[i][1]);
		sign_sod *sod = parse_ok(&b);
		const unsigned char *der;

		assert_int_equal(sign_sod_signer_cert(sod, &der, &len), 0);
		assert_int_equal(len, c.len);
		assert_memory_equal(der, c.data, len);
		assert_int_equal(sign_sod_verify_signer(sod, c.data, c.len), 0);
		sign_sod_free(sod);
		sign_buf_dispose(&b);
		sign_buf_dispose(&c);
	}
}

/* Another certificate's key does not verify the SOD. */
static void
test_wrong_dsc(void **state)
{
	sign_buf b = t_fixture("bsi_tr03105_refdata_2013_hjp/EF_SOD.bin");
	sign_buf other = t_fixture("bsi_tr03105_refdata_2013_hjp/dsc_de_0130846f2b3e.cer");
	sign_buf at = t_fixture("realworld_sod/AT_EF_SOD.bin");
	sign_buf ec = t_fixture("bsi_tr03105_refdata_2008/DSC_from_EF_SOD.der");
	sign_sod *sod = parse_ok(&b), *atsod = parse_ok(&at);

	(void)state;
	assert_int_equal(sign_sod_verify_signer(sod, other.data, other.len), SIGN_ERR_VERIFY);
	assert_non_null(strstr(sign_error_message(), "signature invalid"));
	/* An EC key against an RSA-PSS signature, an EC key of another curve. */
	assert_int_equal(sign_sod_verify_signer(sod, ec.data, ec.len), SIGN_ERR_VERIFY);
	assert_int_equal(sign_sod_verify_signer(atsod, ec.data, ec.len), SIGN_ERR_VERIFY);
	/* Not a certificate. */
	assert_int_equal(sign_sod_verify_signer(atsod, b.data, 10), SIGN_ERR_MALFORMED);
	sign_sod_free(sod);
	sign_sod_free(atsod);
	sign_buf_dispose(&b);
	sign_buf_dispose(&other);
	sign_buf_dispose(&at);
	sign_buf_dispose(&ec);
}

/* Offset in the file of a pointer into the parsed copy of the 77 contents. */
static size_t
file_off(const sign_buf *file, const sign_sod *sod, const unsigned char *p)
{
	return file->len - sod->cms.raw_len + (size_t)(p - sod->cms.raw);
}

/* A flipped bit in the signature, the signed attributes or the content. */
static void
test_tampered(void **state)
{
	static const char *const files[] = {
		"realworld_sod/FR_EF_SOD.bin", "realworld_sod/NZ_EF_SOD.bin",
		"realworld_sod/ID_EF_SOD.bin", "realworld_sod/UK_EF_SOD.bin",
		"bsi_tr03105_refdata_2008/EF_SOD.bin",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		sign_buf b = t_fixture(files[i]), t;
		sign_sod *sod = parse_ok(&b), *bad = NULL;
		size_t off;

		/* signature */
		off = file_off(&b, sod, sod->cms.sig) + sod->cms.sig_len / 2;
		t = t_flip(&b, off);
		assert_int_equal(sign_sod_parse(&bad, t.data, t.len), 0);
		assert_int_equal(sign_sod_verify_signer(bad, NULL, 0), SIGN_ERR_VERIFY);
		sign_sod_free(bad);
		sign_buf_dispose(&t);
		/* a DG hash inside the eContent: the message digest no longer matches */
		off = file_off(&b, sod, sod->dgs[0].hash);
		t = t_flip(&b, off);
		assert_int_equal(sign_sod_parse(&bad, t.data, t.len), 0);
		assert_int_equal(sign_sod_verify_signer(bad, NULL, 0), SIGN_ERR_HASH_MISMATCH);
		assert_non_null(strstr(sign_error_message(), "message digest"));
		sign_sod_free(bad);
		sign_buf_dispose(&t);
		/* the messageDigest attribute itself */
		off = file_off(&b, sod, sod->cms.msg_digest);
		t = t_flip(&b, off);
		assert_int_equal(sign_sod_parse(&bad, t.data, t.len), 0);
		assert_int_equal(sign_sod_verify_signer(bad, NULL, 0), SIGN_ERR_HASH_MISMATCH);
		sign_sod_free(bad);
		sign_buf_dispose(&t);
		sign_sod_free(sod);
		sign_buf_dispose(&b);
	}
}

/* Every truncation fails cleanly; trailing data and other wrappers are refused. */
static void
test_malformed(void **state)
{
	sign_buf b = t_fixture("realworld_sod/NZ_EF_SOD.bin");
	sign_buf cs = t_fixture("realworld_sod/DE_EF_CardSecurity.bin");
	sign_buf w = SIGN_BUF_INIT;
	sign_sod *sod = NULL;
	size_t n;
	int rc;

	(void)state;
	for (n = 0; n < b.len; n++) {
		rc = sign_sod_parse(&sod, b.data, n);
		assert_true(rc == SIGN_ERR_MALFORMED || rc == SIGN_ERR_TOO_LARGE);
		assert_null(sod);
	}
	/* trailing byte */
	assert_int_equal(sign_buf__set(&w, b.data, b.len), 0);
	w.data = realloc(w.data, b.len + 1);
	w.data[b.len] = 0;
	w.len = b.len + 1;
	assert_int_equal(sign_sod_parse(&sod, w.data, w.len), SIGN_ERR_MALFORMED);
	/* EF.CardSecurity is a ContentInfo, not EF.SOD */
	assert_int_equal(sign_sod_parse(&sod, cs.data, cs.len), SIGN_ERR_MALFORMED);
	/* ... and wrapped in 77 it is not an LDSSecurityObject */
	sign_buf_dispose(&w);
	assert_int_equal(sign_buf__set(&w, cs.data, cs.len), 0);
	{
		unsigned char hdr[4] = { 0x77, 0x82, (unsigned char)(cs.len >> 8),
		    (unsigned char)cs.len };
		unsigned char *p = malloc(cs.len + 4);

		memcpy(p, hdr, 4);
		memcpy(p + 4, cs.data, cs.len);
		rc = sign_sod_parse(&sod, p, cs.len + 4);
		assert_int_equal(rc, SIGN_ERR_MALFORMED);
		assert_non_null(strstr(sign_error_message(), "not an LDSSecurityObject"));
		free(p);
	}
	assert_int_equal(sign_sod_parse(NULL, b.data, b.len), SIGN_ERR_INVALID_ARG);
	assert_int_equal(sign_sod_verify_signer(NULL, NULL, 0), SIGN_ERR_INVALID_ARG);
	sign_sod_free(NULL);
	sign_buf_dispose(&w);
	sign_buf_dispose(&b);
	sign_buf_dispose(&cs);
}

/* A SOD without an embedded DSC: the caller must give one. */
static void
test_no_embedded_dsc(void **state)
{
	EVP_PKEY *ck = t_key("EC", "P-256"), *dk = t_key("EC", "P-256");
	X509 *csca = t_cert(ck, "VN", "Test CSCA", NULL, ck, 1, -1, 3650);
	X509 *ds = t_cert(dk, "VN", "Test DS", csca, ck, 0, -1, 365);
	sign_buf dg = t_fixture("bsi_tr03105_refdata_2008/Datagroup1.bin");
	int n = 1;
	sign_buf sodb = t_sod(dk, ds, EVP_sha256(), &n, &dg, 1, 1), dsder = t_der(ds);
	sign_sod *sod = parse_ok(&sodb);
	const unsigned char *der;
	size_t len;

	(void)state;
	assert_int_equal(sign_sod_signer_cert(sod, &der, &len), SIGN_ERR_NOT_FOUND);
	assert_int_equal(sign_sod_verify_signer(sod, NULL, 0), SIGN_ERR_NOT_FOUND);
	assert_int_equal(sign_sod_verify_signer(sod, dsder.data, dsder.len), 0);
	sign_sod_free(sod);
	sign_buf_dispose(&sodb);
	sign_buf_dispose(&dsder);
	sign_buf_dispose(&dg);
	X509_free(csca);
	X509_free(ds);
	EVP_PKEY_free(ck);
	EVP_PKEY_free(dk);
}

/* OpenSSL's CMS_verify (signature only, no chain) as a referee: it agrees
 * with sign_sod_verify_signer on every SOD and on tampered copies.  The
 * Malaysian SOD is the exception, documented in sod.c: its sid names the
 * issuer with the RDNs in another order, and OpenSSL finds no signer. */
static int
referee(const sign_buf *b)
{
	const unsigned char *p = b->data + 4;    /* past 77 82 xx xx */
	CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &p, (long)b->len - 4);
	int ok;

	if (cms == NULL) {
		ERR_clear_error();
		return 0;
	}
	ok = CMS_verify(cms, NULL, NULL, NULL, NULL, CMS_NO_SIGNER_CERT_VERIFY | CMS_BINARY) == 1;
	ERR_clear_error();
	CMS_ContentInfo_free(cms);
	return ok;
}

static void
test_openssl_referee(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sign_buf b = t_fixture(cases[i].file), t;
		sign_sod *sod = parse_ok(&b), *bad = NULL;
		int mine, ref;

		assert_int_equal(b.data[1], 0x82);
		mine = sign_sod_verify_signer(sod, NULL, 0) == 0;
		ref = referee(&b);
		if (strstr(cases[i].file, "MY_") != NULL)
			assert_true(mine && !ref);
		else if (mine != ref)
			fail_msg("%s: libsign %d, OpenSSL %d", cases[i].file, mine, ref);
		/* a flipped bit in the signature and in a DG hash: both reject */
		t = t_flip(&b, file_off(&b, sod, sod->cms.sig) + sod->cms.sig_len / 3);
		assert_int_equal(sign_sod_parse(&bad, t.data, t.len), 0);
		assert_int_not_equal(sign_sod_verify_signer(bad, NULL, 0), 0);
		assert_false(referee(&t));
		sign_sod_free(bad);
		sign_buf_dispose(&t);
		t = t_flip(&b, file_off(&b, sod, sod->dgs[sod->ndg - 1].hash) + 3);
		assert_int_equal(sign_sod_parse(&bad, t.data, t.len), 0);
		assert_int_not_equal(sign_sod_verify_signer(bad, NULL, 0), 0);
		assert_false(referee(&t));
		sign_sod_free(bad);
		sign_buf_dispose(&t);
		sign_sod_free(sod);
		sign_buf_dispose(&b);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_and_verify_table),
		cmocka_unit_test(test_extracted_dsc),
		cmocka_unit_test(test_wrong_dsc),
		cmocka_unit_test(test_tampered),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_no_embedded_dsc),
		cmocka_unit_test(test_openssl_referee),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
