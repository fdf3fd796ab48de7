/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Passive authentication verdicts: the real-world SODs against their CSCAs,
 * wrong CSCAs and the master list; the BSI and Dutch reference sets with
 * their data groups; tampered DGs; country checks; the dump directory;
 * a synthetic Vietnamese document with AA (genuine), link certificates,
 * expired DS; and the genuine rule table.
 */
#include "pa_testlib.h"

#include <stdlib.h>
#include <string.h>
#include <openssl/rand.h>

static const struct rw {
	const char *cc;        /* file prefix */
	const char *state;     /* issuing state as in the MRZ */
	int ncsca;             /* XX_CSCA_0 .. _{n-1} */
	int in_ml;             /* listed in the synthetic master list */
} rws[] = {
	{ "AT", "AUT", 2, 1 }, { "DE", "D<<", 2, 0 }, { "FI", "FIN", 2, 0 },
	{ "FR", "FRA", 1, 1 }, { "ID", "IDN", 2, 0 }, { "MY", "MYS", 1, 1 },
	{ "NZ", "NZL", 1, 1 }, { "PH", "PHL", 1, 0 }, { "RU", "RUS", 2, 0 },
	{ "SG", "SGP", 2, 0 }, { "UK", "GBR", 2, 1 }, { "US", "USA", 2, 0 },
};

static sign_pa_doc *
doc_sod(const char *file, const char *state)
{
	sign_pa_doc *d = NULL;
	sign_buf b = t_fixture(file);

	assert_int_equal(sign_pa_doc_new(&d), 0);
	assert_int_equal(sign_pa_doc_set_sod(d, b.data, b.len), 0);
	if (state != NULL)
		assert_int_equal(sign_pa_doc_set_issuing_state(d, state), 0);
	sign_buf_dispose(&b);
	return d;
}

static void
doc_dg(sign_pa_doc *d, int dg, const char *file)
{
	sign_buf b = t_fixture(file);

	assert_int_equal(sign_pa_doc_set_dg(d, dg, b.data, b.len), 0);
	sign_buf_dispose(&b);
}

static sign_csca_store *
store_of(const char *const *files, size_t n)
{
	sign_csca_store *s = NULL;
	size_t i;

	assert_int_equal(sign_csca_store_new(&s), 0);
	for (i = 0; i < n; i++)
		assert_int_equal(sign_csca_store_add_file(s, t_fixture_path(files[i])), 0);
	return s;
}

static sign_pa_result *
verify(const sign_pa_doc *d, const sign_csca_store *s, int want_rc, const sign_pa_options *o)
{
	sign_pa_result *r = NULL;
	int rc = sign_pa_verify(&r, d, s, o);

	if (rc != want_rc)
		fail_msg("rc %d, expected %d: %s", rc, want_rc, sign_error_message());
	assert_non_null(r);
	return r;
}

/* Each real SOD chains to each of its CSCA certificates (re-issues and link
 * certificates carry the same key): PASSED with all DGs "not read". */
static void
test_realworld_trusted(void **state)
{
	size_t i;
	int k, dg;

	(void)state;
	for (i = 0; i < sizeof(rws) / sizeof(rws[0]); i++) {
		char sod[64], csca[64];

		snprintf(sod, sizeof(sod), "realworld_sod/%s_EF_SOD.bin", rws[i].cc);
		for (k = 0; k < rws[i].ncsca; k++) {
			const char *f = csca;
			sign_csca_store *s;
			sign_pa_doc *d = doc_sod(sod, rws[i].state);
			sign_pa_result *r;

			snprintf(csca, sizeof(csca), "realworld_sod/%s_CSCA_%d.der", rws[i].cc, k);
			s = store_of(&f, 1);
			r = verify(d, s, 0, NULL);
			if (sign_pa_result_passive(r) != SIGN_PA_PASSED)
				fail_msg("%s with %s: %s", sod, csca, sign_pa_result_message(r));
			assert_int_equal(sign_pa_result_reasons(r) &
			    ~(SIGN_PA_R_DG_NOT_READ | SIGN_PA_R_EXPIRED), 0);
			assert_true(sign_pa_result_reasons(r) & SIGN_PA_R_DG_NOT_READ);
			assert_non_null(sign_pa_result_csca(r));
			assert_non_null(sign_pa_result_signer(r));
			assert_int_equal(sign_pa_result_dg(r, 1), SIGN_DG_NOT_READ);
			assert_int_equal(sign_pa_result_dg(r, 5), SIGN_DG_ABSENT);
			for (dg = 1; dg <= 16; dg++)
				assert_true(sign_pa_result_dg(r, dg) == SIGN_DG_ABSENT ||
				    sign_pa_result_dg(r, dg) == SIGN_DG_NOT_READ);
			assert_int_equal(sign_pa_result_active(r), SIGN_AA_NOT_SUPPORTED);
			/* no DG14: no Chip Authentication */
			assert_int_equal(sign_pa_result_chipauth(r), SIGN_CHIPAUTH_NOT_SUPPORTED);
			assert_int_equal(sign_pa_result_genuine(r), 0);
			sign_pa_result_free(r);
			sign_pa_doc_free(d);
			sign_csca_store_free(s);
		}
	}
}

/* With every CSCA except the right country's: untrusted, INDETERMINATE. */
static void
test_realworld_wrong_csca(void **state)
{
	size_t i, j, n;
	int k;

	(void)state;
	for (i = 0; i < sizeof(rws) / sizeof(rws[0]); i++) {
		const char *files[32];
		static char names[32][64];
		char sod[64];
		sign_csca_store *s;
		sign_pa_doc *d;
		sign_pa_result *r;

		n = 0;
		for (j = 0; j < sizeof(rws) / sizeof(rws[0]); j++) {
			if (j == i)
				continue;
			for (k = 0; k < rws[j].ncsca; k++) {
				snprintf(names[n], sizeof(names[n]), "realworld_sod/%s_CSCA_%d.der",
				    rws[j].cc, k);
				files[n] = names[n];
				n++;
			}
		}
		s = store_of(files, n);
		snprintf(sod, sizeof(sod), "realworld_sod/%s_EF_SOD.bin", rws[i].cc);
		d = doc_sod(sod, rws[i].state);
		r = verify(d, s, SIGN_ERR_UNTRUSTED, NULL);
		assert_int_equal(sign_pa_result_passive(r), SIGN_PA_INDETERMINATE);
		assert_true(sign_pa_result_reasons(r) & SIGN_PA_R_UNTRUSTED);
		assert_null(sign_pa_result_csca(r));
		assert_non_null(strstr(sign_pa_result_message(r), "no trusted CSCA"));
		assert_non_null(strstr(sign_error_message(), "INDETERMINATE"));
		sign_pa_result_free(r);
		sign_pa_doc_free(d);
		sign_csca_store_free(s);
	}
}

/* Trust from the synthetic master list only: AT, MY, NZ, FR, UK pass. */
static void
test_realworld_masterlist(void **state)
{
	sign_csca_store *s = NULL;
	size_t i;

	(void)state;
	assert_int_equal(sign_csca_store_new(&s), 0);
	assert_int_equal(sign_csca_store_add_masterlist_file(s,
	    t_fixture_path("masterlist/synthetic_test_ml.ml"),
	    t_fixture_path("masterlist/test_csca.der")), 0);
	for (i = 0; i < sizeof(rws) / sizeof(rws[0]); i++) {
		char sod[64];
		sign_pa_doc *d;
		sign_pa_result *r;

		snprintf(sod, sizeof(sod), "realworld_sod/%s_EF_SOD.bin", rws[i].cc);
		d = doc_sod(sod, rws[i].state);
		r = verify(d, s, rws[i].in_ml ? 0 : SIGN_ERR_UNTRUSTED, NULL);
		assert_int_equal(sign_pa_result_passive(r),
		    rws[i].in_ml ? SIGN_PA_PASSED : SIGN_PA_INDETERMINATE);
		sign_pa_result_free(r);
		sign_pa_doc_free(d);
	}
	sign_csca_store_free(s);
}

/* NZ 2013: its CSCA (an older NZ key) is not among the vectors; its DS has
 * expired: INDETERMINATE, with the expiry as a warning. */
static void
test_nz2013(void **state)
{
	static const char *const f[] = { "realworld_sod/NZ_CSCA_0.der" };
	sign_csca_store *s = store_of(f, 1);
	sign_pa_doc *d = doc_sod("realworld_sod/NZ2013_EF_SOD.bin", "NZL");
	sign_pa_result *r = verify(d, s, SIGN_ERR_UNTRUSTED, NULL);

	(void)state;
	assert_int_equal(sign_pa_result_passive(r), SIGN_PA_INDETERMINATE);
	assert_true(sign_pa_result_reasons(r) & SIGN_PA_R_UNTRUSTED);
	assert_true(sign_pa_result_reasons(r) & SIGN_PA_R_EXPIRED);
	assert_string_equal(sign_pa_result_signer_country(r), "NZ");
	sign_pa_result_free(r);
	sign_pa_doc_free(d);
	sign_csca_store_free(s);
}

/* Country: the DS country must be the issuing state. */
static void
test_country_check(void **state)
{
	static const struct { const char *cc, *csca, *state; int want; } t[] = {
		{ "AT", "realworld_sod/AT_CSCA_0.der", "AUT", SIGN_PA_PASSED },
		{ "AT", "realworld_sod/AT_CSCA_0.der", "DEU", SIGN_PA_FAILED },
		{ "AT", "realworld_sod/AT_CSCA_0.der", "VNM", SIGN_PA_FAILED },
		{ "AT", "realworld_sod/AT_CSCA_0.der", "AT", SIGN_PA_PASSED },
		{ "UK", "realworld_sod/UK_CSCA_0.der", "GBR", SIGN_PA_PASSED },
		{ "UK", "realworld_sod/UK_CSCA_0.der", "GBD", SIGN_PA_PASSED },
		{ "UK", "realworld_sod/UK_CSCA_0.der", "UK", SIGN_PA_PASSED },
		{ "DE", "realworld_sod/DE_CSCA_0.der", "D", SIGN_PA_PASSED },
		{ "DE", "realworld_sod/DE_CSCA_0.der", "DEU", SIGN_PA_PASSED },
		{ "DE", "realworld_sod/DE_CSCA_0.der", "AUT", SIGN_PA_FAILED },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char sod[64];
		const char *f = t[i].csca;
		sign_csca_store *s = store_of(&f, 1);
		sign_pa_doc *d;
		sign_pa_result *r;
		sign_pa_options o = SIGN_PA_OPTIONS_INIT;

		snprintf(sod, sizeof(sod), "realworld_sod/%s_EF_SOD.bin", t[i].cc);
		d = doc_sod(sod, t[i].state);
		r = verify(d, s, t[i].want == SIGN_PA_PASSED ? 0 : SIGN_ERR_VERIFY, NULL);
		assert_int_equal(sign_pa_result_passive(r), t[i].want);
		assert_string_equal(sign_pa_result_issuing_state(r), t[i].state);
		if (t[i].want == SIGN_PA_FAILED) {
			assert_true(sign_pa_result_reasons(r) & SIGN_PA_R_COUNTRY_MISMATCH);
			assert_non_null(strstr(sign_pa_result_message(r), "issuing state"));
			/* ... unless the caller turns the check off */
			sign_pa_result_free(r);
			o.flags = SIGN_PA_NO_COUNTRY_CHECK;
			r = verify(d, s, 0, &o);
			assert_int_equal(sign_pa_result_passive(r), SIGN_PA_PASSED);
		}
		sign_pa_result_free(r);
		sign_pa_doc_free(d);
		sign_csca_store_free(s);
	}
	/* An unknown issuing state cannot be compared: noted, not failed. */
	{
		static const char *const f[] = { "realworld_sod/FR_CSCA_0.der" };
		sign_csca_store *s = store_of(f, 1);
		sign_pa_doc *d = doc_sod("realworld_sod/FR_EF_SOD.bin", "XYZ");
		sign_pa_result *r = verify(d, s, 0, NULL);

		assert_true(sign_pa_result_reasons(r) & SIGN_PA_R_COUNTRY_UNCHECKED);
		sign_pa_result_free(r);
		sign_pa_doc_free(d);
		d = doc_sod("realworld_sod/FR_EF_SOD.bin", NULL);   /* no DG1 either */
		r = verify(d, s, 0, NULL);
		assert_true(sign_pa_result_reasons(r) & SIGN_PA_R_COUNTRY_UNCHECKED);
		assert_null(sign_pa_result_issuing_state(r));
		sign_pa_result_free(r);
		sign_pa_doc_free(d);
		sign_csca_store_free(s);
	}
}

static void
test_country_table(void **state)
{
	static const char *const t[][2] = {
		{ "VNM", "VN" }, { "D", "DE" }, { "D<<", "DE" }, { "DEU", "DE" }, { "AUT", "AT" },
		{ "FIN", "FI" }, { "FRA", "FR" }, { "IDN", "ID" }, { "MYS", "MY" }, { "NZL", "NZ" },
		{ "PHL", "PH" }, { "RUS", "RU" }, { "SGP", "SG" }, { "GBR", "GB" }, { "GBD", "GB" },
		{ "UK", "GB" }, { "USA", "US" }, { "NLD", "NL" }, { "LAO", "LA" }, { "vnm", "VN" },
		{ "VN", "VN" }, { "UTO", "UT" },
	};
	static const char *const bad[] = { "XYZ", "", "<<<", "VNMX", "V1N", "QQ" };
	char out[3];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(sign_pa_country_alpha2(t[i][0], out), 0);
		assert_string_equal(out, t[i][1]);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(sign_pa_country_alpha2(bad[i], out), SIGN_ERR_NOT_FOUND);
}

/* BSI TR-03105 2008: DG1, DG2, DG3, DG14 match; no CSCA: INDETERMINATE.
 * DG4 and DG15 are in the data set but not in this SOD. */
static void
test_bsi2008(void **state)
{
	sign_pa_doc *d = doc_sod("bsi_tr03105_refdata_2008/EF_SOD.bin", NULL);
	sign_csca_store *s = store_of(NULL, 0);
	sign_pa_result *r;

	(void)state;
	doc_dg(d, 1, "bsi_tr03105_refdata_2008/Datagroup1.bin");
	doc_dg(d, 2, "bsi_tr03105_refdata_2008/Datagroup2.bin");
	doc_dg(d, 3, "bsi_tr03105_refdata_2008/Datagroup3.bin");
	doc_dg(d, 14, "bsi_tr03105_refdata_2008/Datagroup14.bin");
	r = verify(d, s, SIGN_ERR_UNTRUSTED, NULL);
	assert_int_equal(sign_pa_result_passive(r), SIGN_PA_INDETERMINATE);
	assert_int_equal(sign_pa_result_reasons(r) &
	    ~(SIGN_PA_R_EXPIRED | SIGN_PA_R_NOT_YET_VALID), SIGN_PA_R_UNTRUSTED);
	assert_int_equal(sign_pa_result_dg(r, 1), SIGN_DG_MATCH);
	assert_int_equal(sign_pa_result_dg(r, 2), SIGN_DG_MATCH);
	assert_int_equal(sign_pa_result_dg(r, 3), SIGN_DG_MATCH);
	assert_int_equal(sign_pa_result_dg(r, 14), SIGN_DG_MATCH);
	assert_int_equal(sign_pa_result_dg(r, 15), SIGN_DG_ABSENT);
	assert_string_equal(sign_pa_result_digest_name(r), "SHA-1");
	assert_string_equal(sign_pa_result_signature_name(r), "ecdsa-with-SHA1");
	assert_null(sign_pa_result_csca(r));
	assert_non_null(strstr(sign_pa_result_message(r), "CSCA BDR TEST"));
	/* issuing state "D" from DG1 matches the DS's C=DE */
	assert_string_equal(sign_pa_result_issuing_state(r), "D<<");
	assert_false(sign_pa_result_reasons(r) & SIGN_PA_R_COUNTRY_MISMATCH);
	sign_pa_result_free(r);

	/* DG4 and DG15 have no hash in this SOD: still INDETERMINATE, reported. */
	doc_dg(d, 4, "bsi_tr03105_refdata_2008/Datagroup4.bin");
	doc_dg(d, 15, "bsi_tr03105_refdata_2008/Datagroup15.bin");
	r = verify(d, s, SIGN_ERR_UNTRUSTED, NULL);
	assert_int_equal(sign_pa_result_dg(r, 4), SIGN_DG_NOT_IN_SOD);
	assert_int_equal(sign_pa_result_dg(r, 15), SIGN_DG_NOT_IN_SOD);
	assert_true(sign_pa_result_reasons(r) & SIGN_PA_R_DG_NOT_IN_SOD);
	assert_non_null(strstr(sign_pa_result_message(r), "DG4, DG15: read but not listed"));
	/* DG15 present: AA possible, not attempted without the chip */
	assert_int_equal(sign_pa_result_active(r), SIGN_AA_NOT_ATTEMPTED);
	sign_pa_result_free(r);
	sign_pa_doc_free(d);
	sign_csca_store_free(s);
}

/* BSI 2013 (HJP, RSA-PSS SHA-256): DG1, DG2, DG3, DG4, DG14 match. */
static void
test_bsi2013(void **state)
{
	sign_pa_doc *d = doc_sod("bsi_tr03105_refdata_2013_hjp/EF_SOD.bin", "D");
	sign_pa_result *r;
	int dg;

	(void)state;
	doc_dg(d, 1, "bsi_tr03105_refdata_2013_hjp/Datagroup1.bin");
	doc_dg(d, 2, "bsi_tr03105_refdata_2008/Datagroup2.bin");
	doc_dg(d, 3, "bsi_tr03105_refdata_2008/Datagroup3.bin");
	doc_dg(d, 4, "bsi_tr03105_refdata_2008/Datagroup4.bin");
	doc_dg(d, 14, "bsi_tr03105_refdata_2013_hjp/Datagroup14.bin");
	r = verify(d, NULL, SIGN_ERR_UNTRUSTED, NULL);
	assert_int_equal(sign_pa_result_passive(r), SIGN_PA_INDETERMINATE);
	for (dg = 1; dg <= 4; dg++)
		assert_int_equal(sign_pa_result_dg(r, dg), SIGN_DG_MATCH);
	assert_int_equal(sign_pa_result_dg(r, 14), SIGN_DG_MATCH);
	assert_false(sign_pa_result_reasons(r) & (SIGN_PA_R_BAD_SIGNATURE | SIGN_PA_R_DG_MISMATCH));
	assert_string_equal(sign_pa_result_signature_name(r), "RSASSA-PSS");
	sign_pa_result_free(r);
	sign_pa_doc_free(d);
}

/* NL 2006 (RSA PKCS#1 v1.5): DG1, DG2, DG15 match. */
static void
test_nl2006(void **state)
{
	sign_pa_doc *d = doc_sod("nl_specimen_2006/ef011D.bin", NULL);
	sign_pa_result *r;

	(void)state;
	doc_dg(d, 1, "nl_specimen_2006/ef0101.bin");
	doc_dg(d, 2, "nl_specimen_2006/ef0102.bin");
	doc_dg(d, 15, "nl_specimen_2006/ef010F.bin");
	r = verify(d, NULL, SIGN_ERR_UNTRUSTED, NULL);
	assert_int_equal(sign_pa_result_dg(r, 1), SIGN_DG_MATCH);
	assert_int_equal(sign_pa_result_dg(r, 2), SIGN_DG_MATCH);
	assert_int_equal(sign_pa_result_dg(r, 15), SIGN_DG_MATCH);
	assert_int_equal(sign_pa_result_passive(r), SIGN_PA_INDETERMINATE);
	assert_string_equal(sign_pa_result_signer_country(r), "NL");
	sign_pa_result_free(r);
	sign_pa_doc_free(d);
}

/* One flipped byte in any DG: FAILED, naming the DG. */
static void
test_tampered_dg(void **state)
{
	static const struct { int dg; const char *file; } dgs[] = {
		{ 1, "bsi_tr03105_refdata_2008/Datagroup1.bin" },
		{ 2, "bsi_tr03105_refdata_2008/Datagroup2.bin" },
		{ 3, "bsi_tr03105_refdata_2008/Datagroup3.bin" },
		{ 14, "bsi_tr03105_refdata_2008/Datagroup14.bin" },
	};
	size_t i, j;

	(void)state;
	for (i = 0; i < 4; i++) {
		sign_pa_doc *d = doc_sod("bsi_tr03105_refdata_2008/EF_SOD.bin", NULL);
		sign_pa_result *r;
		sign_buf b, t;
		char want[16];

		for (j = 0; j < 4; j++)
			doc_dg(d, dgs[j].dg, dgs[j].file);
		b = t_fixture(dgs[i].file);
		t = t_flip(&b, b.len / 2);
		assert_int_equal(sign_pa_doc_set_dg(d, dgs[i].dg, t.data, t.len), 0);
		r = verify(d, NULL, SIGN_ERR_HASH_MISMATCH, NULL);
		assert_int_equal(sign_pa_result_passive(r), SIGN_PA_FAILED);
		assert_true(sign_pa_result_reasons(r) & SIGN_PA_R_DG_MISMATCH);
		assert_int_equal(sign_pa_result_dg(r, dgs[i].dg), SIGN_DG_MISMATCH);
		for (j = 0; j < 4; j++)
			if (j != i)
				assert_int_equal(sign_pa_result_dg(r, dgs[j].dg), SIGN_DG_MATCH);
		snprintf(want, sizeof(want), "DG%d: hash", dgs[i].dg);
		assert_non_null(strstr(sign_pa_result_message(r), want));
		assert_non_null(strstr(sign_error_message(), want));
		sign_pa_result_free(r);
		/* one byte more (appended) also fails: hashes cover the exact bytes */
		t.data = realloc(t.data, b.len + 1);
		memcpy(t.data, b.data, b.len);
		t.data[b.len] = 0;
		assert_int_equal(sign_pa_doc_set_dg(d, dgs[i].dg, t.data, b.len + 1), 0);
		r = verify(d, NULL, SIGN_ERR_HASH_MISMATCH, NULL);
		assert_int_equal(sign_pa_result_dg(r, dgs[i].dg), SIGN_DG_MISMATCH);
		sign_pa_result_free(r);
		sign_buf_dispose(&b);
		free(t.data);
		sign_pa_doc_free(d);
	}
}

/* No EF.SOD, garbage EF.SOD, bad arguments. */
static void
test_no_or_bad_sod(void **state)
{
	sign_pa_doc *d = NULL;
	sign_pa_result *r = NULL;
	sign_pa_options o = SIGN_PA_OPTIONS_INIT;

	(void)state;
	assert_int_equal(sign_pa_doc_new(&d), 0);
	doc_dg(d, 1, "bsi_tr03105_refdata_2008/Datagroup1.bin");
	r = verify(d, NULL, SIGN_ERR_NOT_FOUND, NULL);
	assert_int_equal(sign_pa_result_passive(r), SIGN_PA_INDETERMINATE);
	assert_true(sign_pa_result_reasons(r) & SIGN_PA_R_NO_SOD);
	sign_pa_result_free(r);
	assert_int_equal(sign_pa_doc_set_sod(d, (const unsigned char *)"\x77\x03\x30\x01\x00", 5), 0);
	r = verify(d, NULL, SIGN_ERR_MALFORMED, NULL);
	assert_int_equal(sign_pa_result_passive(r), SIGN_PA_INDETERMINATE);
	assert_true(sign_pa_result_reasons(r) & SIGN_PA_R_SOD_MALFORMED);
	sign_pa_result_free(r);
	r = NULL;
	o.version = 99;
	assert_int_equal(sign_pa_verify(&r, d, NULL, &o), SIGN_ERR_INVALID_ARG);
	assert_null(r);
	assert_int_equal(sign_pa_verify(&r, NULL, NULL, NULL), SIGN_ERR_INVALID_ARG);
	assert_int_equal(sign_pa_doc_set_dg(d, 0, (const unsigned char *)"x", 1), SIGN_ERR_INVALID_ARG);
	assert_int_equal(sign_pa_doc_set_dg(d, 17, (const unsigned char *)"x", 1), SIGN_ERR_INVALID_ARG);
	sign_pa_doc_free(d);
	sign_pa_doc_free(NULL);
	sign_pa_result_free(NULL);
	assert_int_equal(sign_pa_result_passive(NULL), SIGN_PA_INDETERMINATE);
	assert_int_equal(sign_pa_result_genuine(NULL), 0);
}

/* ---- a synthetic Vietnamese document ---- */

struct vn {
	EVP_PKEY *csca_key, *ds_key, *aa_key;
	X509 *csca, *ds;
	sign_buf dg1, dg15, sod, ch, resp;
};

static void
vn_make(struct vn *v, int ds_nb, int ds_na, int dg15_in_sod)
{
	int nums[2] = { 1, 15 };
	sign_buf data[2];

	v->csca_key = t_key("EC", "brainpoolP512r1");
	v->ds_key = t_key("EC", "brainpoolP256r1");
	v->aa_key = t_key("RSA", "1024");
	v->csca = t_cert(v->csca_key, "VN", "Test CSCA Viet Nam", NULL, v->csca_key, 1, -2000, 4000);
	v->ds = t_cert(v->ds_key, "VN", "Test DS Viet Nam", v->csca, v->csca_key, 0, ds_nb, ds_na);
	v->dg1 = t_dg1("VNM");
	v->dg15 = t_dg15(v->aa_key);
	data[0] = v->dg1;
	data[1] = v->dg15;
	v->sod = t_sod(v->ds_key, v->ds, EVP_sha256(), nums, data, dg15_in_sod ? 2 : 1, 0);
	v->ch.data = malloc(8);
	v->ch.len = 8;
	assert_int_equal(RAND_bytes(v->ch.data, 8), 1);
	v->resp = t_aa_sign_rsa(v->aa_key, EVP_sha1(), 0, v->ch.data, 8);
}

static void
vn_free(struct vn *v)
{
	EVP_PKEY_free(v->csca_key);
	EVP_PKEY_free(v->ds_key);
	EVP_PKEY_free(v->aa_key);
	X509_free(v->csca);
	X509_free(v->ds);
	sign_buf_dispose(&v->dg1);
	sign_buf_dispose(&v->dg15);
	sign_buf_dispose(&v->sod);
	sign_buf_dispose(&v->ch);
	sign_buf_dispose(&v->resp);
}

static sign_pa_doc *
vn_doc(struct vn *v, int with_aa)
{
	sign_pa_doc *d = NULL;

	assert_int_equal(sign_pa_doc_new(&d), 0);
	assert_int_equal(sign_pa_doc_set_sod(d, v->sod.data, v->sod.len), 0);
	assert_int_equal(sign_pa_doc_set_dg(d, 1, v->dg1.data, v->dg1.len), 0);
	assert_int_equal(sign_pa_doc_set_dg(d, 15, v->dg15.data, v->dg15.len), 0);
	if (with_aa)
		assert_int_equal(sign_pa_doc_set_aa(d, v->ch.data, v->ch.len, v->resp.data,
		    v->resp.len), 0);
	return d;
}

static sign_csca_store *
vn_store(X509 *csca)
{
	sign_csca_store *s = NULL;
	sign_buf der = t_der(csca);

	assert_int_equal(sign_csca_store_new(&s), 0);
	assert_int_equal(sign_csca_store_add_cert(s, der.data, der.len), 0);
	sign_buf_dispose(&der);
	return s;
}

static void
test_vn_genuine(void **state)
{
	struct vn v;
	sign_csca_store *s;
	sign_pa_doc *d;
	sign_pa_result *r;
	sign_buf bad;

	(void)state;
	vn_make(&v, -10, 3000, 1);
	s = vn_store(v.csca);
	/* PA + AA: genuine; the issuing state comes from DG1 (VNM -> VN) */
	d = vn_doc(&v, 1);
	r = verify(d, s, 0, NULL);
	assert_int_equal(sign_pa_result_passive(r), SIGN_PA_PASSED);
	assert_int_equal(sign_pa_result_reasons(r), 0);
	assert_int_equal(sign_pa_result_dg(r, 1), SIGN_DG_MATCH);
	assert_int_equal(sign_pa_result_dg(r, 15), SIGN_DG_MATCH);
	assert_int_equal(sign_pa_result_active(r), SIGN_AA_PASSED);
	assert_int_equal(sign_pa_result_genuine(r), 1);
	assert_string_equal(sign_pa_result_issuing_state(r), "VNM");
	assert_string_equal(sign_pa_result_signer_country(r), "VN");
	{
		const unsigned char *der;
		size_t len;
		sign_buf want = t_der(v.ds);

		assert_int_equal(sign_pa_result_signer_cert(r, &der, &len), 0);
		assert_int_equal(len, want.len);
		assert_memory_equal(der, want.data, len);
		sign_buf_dispose(&want);
	}
	sign_pa_result_free(r);
	sign_pa_doc_free(d);

	/* PA only: passed, not genuine (AA not attempted) */
	d = vn_doc(&v, 0);
	r = verify(d, s, 0, NULL);
	assert_int_equal(sign_pa_result_active(r), SIGN_AA_NOT_ATTEMPTED);
	assert_int_equal(sign_pa_result_genuine(r), 0);
	sign_pa_result_free(r);

	/* a bad AA response: AA FAILED, verify fails, PA still passed */
	bad = t_flip(&v.resp, 40);
	assert_int_equal(sign_pa_doc_set_aa(d, v.ch.data, v.ch.len, bad.data, bad.len), 0);
	r = verify(d, s, SIGN_ERR_VERIFY, NULL);
	assert_int_equal(sign_pa_result_passive(r), SIGN_PA_PASSED);
	assert_int_equal(sign_pa_result_active(r), SIGN_AA_FAILED);
	assert_int_equal(sign_pa_result_genuine(r), 0);
	assert_non_null(strstr(sign_error_message(), "Active Authentication FAILED"));
	sign_pa_result_free(r);
	sign_buf_dispose(&bad);

	/* an untrusted signer: AA valid, but nothing is genuine */
	assert_int_equal(sign_pa_doc_set_aa(d, v.ch.data, v.ch.len, v.resp.data, v.resp.len), 0);
	r = verify(d, NULL, SIGN_ERR_UNTRUSTED, NULL);
	assert_int_equal(sign_pa_result_active(r), SIGN_AA_PASSED);
	assert_int_equal(sign_pa_result_genuine(r), 0);
	sign_pa_result_free(r);

	/* a modified DG1: PA FAILED, not genuine, even with a valid AA */
	{
		sign_buf m = t_flip(&v.dg1, 20);

		assert_int_equal(sign_pa_doc_set_dg(d, 1, m.data, m.len), 0);
		r = verify(d, s, SIGN_ERR_HASH_MISMATCH, NULL);
		assert_int_equal(sign_pa_result_passive(r), SIGN_PA_FAILED);
		assert_int_equal(sign_pa_result_active(r), SIGN_AA_PASSED);
		assert_int_equal(sign_pa_result_genuine(r), 0);
		sign_pa_result_free(r);
		sign_buf_dispose(&m);
	}
	/* the issuing state given explicitly overrides DG1 */
	assert_int_equal(sign_pa_doc_set_dg(d, 1, v.dg1.data, v.dg1.len), 0);
	assert_int_equal(sign_pa_doc_set_issuing_state(d, "LAO"), 0);
	r = verify(d, s, SIGN_ERR_VERIFY, NULL);
	assert_true(sign_pa_result_reasons(r) & SIGN_PA_R_COUNTRY_MISMATCH);
	assert_int_equal(sign_pa_result_genuine(r), 0);
	sign_pa_result_free(r);
	sign_pa_doc_free(d);
	sign_csca_store_free(s);
	vn_free(&v);
}

/* AA with a DG15 the SOD does not list proves nothing. */
static void
test_vn_dg15_unlisted(void **state)
{
	struct vn v;
	sign_csca_store *s;
	sign_pa_doc *d;
	sign_pa_result *r;

	(void)state;
	vn_make(&v, -10, 3000, 0);
	s = vn_store(v.csca);
	d = vn_doc(&v, 1);
	r = verify(d, s, SIGN_ERR_UNTRUSTED, NULL);
	assert_int_equal(sign_pa_result_passive(r), SIGN_PA_INDETERMINATE);
	assert_int_equal(sign_pa_result_dg(r, 15), SIGN_DG_NOT_IN_SOD);
	assert_int_equal(sign_pa_result_active(r), SIGN_AA_PASSED);
	assert_int_equal(sign_pa_result_genuine(r), 0);
	sign_pa_result_free(r);
	sign_pa_doc_free(d);
	sign_csca_store_free(s);
	vn_free(&v);
}

/* Offline AA with an ECDSA key hashes as DG14's ActiveAuthenticationInfo says
 * (ecdsa-plain-SHA224 here), not by the key size (SHA-256 for P-256); the same
 * parsed DG14 tells the CA check that no Chip Authentication is offered. */
static void
test_aa_ecdsa_by_dg14(void **state)
{
	static const unsigned char dg14[] = {
		0x6E, 0x1B, 0x31, 0x19, 0x30, 0x17,
		/* ActiveAuthenticationInfo (2.23.136.1.1.5), version 1 */
		0x06, 0x06, 0x67, 0x81, 0x08, 0x01, 0x01, 0x05, 0x02, 0x01, 0x01,
		/* ecdsa-plain-SHA224 (0.4.0.127.0.7.1.1.4.1.2) */
		0x06, 0x0A, 0x04, 0x00, 0x7F, 0x00, 0x07, 0x01, 0x01, 0x04, 0x01, 0x02,
	};
	EVP_PKEY *key = t_key("EC", "P-256");
	sign_buf dg15 = t_dg15(key), resp;
	unsigned char ch[8];
	sign_pa_doc *d = NULL;
	sign_pa_result *r;

	(void)state;
	assert_int_equal(RAND_bytes(ch, 8), 1);
	resp = t_aa_sign_ec(key, EVP_sha224(), ch, 8, 0);
	assert_int_equal(sign_pa_doc_new(&d), 0);
	assert_int_equal(sign_pa_doc_set_dg(d, 15, dg15.data, dg15.len), 0);
	assert_int_equal(sign_pa_doc_set_aa(d, ch, 8, resp.data, resp.len), 0);
	/* without DG14: SHA-256 by the key size, which the chip did not use */
	r = verify(d, NULL, SIGN_ERR_NOT_FOUND, NULL);
	assert_int_equal(sign_pa_result_active(r), SIGN_AA_FAILED);
	assert_int_equal(sign_pa_result_chipauth(r), SIGN_CHIPAUTH_NOT_SUPPORTED);
	sign_pa_result_free(r);
	assert_int_equal(sign_pa_doc_set_dg(d, 14, dg14, sizeof(dg14)), 0);
	r = verify(d, NULL, SIGN_ERR_NOT_FOUND, NULL);
	assert_int_equal(sign_pa_result_active(r), SIGN_AA_PASSED);
	assert_int_equal(sign_pa_result_chipauth(r), SIGN_CHIPAUTH_NOT_SUPPORTED);
	assert_string_equal(sign_pa_result_chipauth_message(r), "DG14 offers no Chip Authentication");
	sign_pa_result_free(r);
	sign_pa_doc_free(d);
	sign_buf_dispose(&resp);
	sign_buf_dispose(&dg15);
	EVP_PKEY_free(key);
}

/* An expired DS: a warning, or INDETERMINATE with strict validity. */
static void
test_vn_expired_ds(void **state)
{
	struct vn v;
	sign_csca_store *s;
	sign_pa_doc *d;
	sign_pa_result *r;
	sign_pa_options o = SIGN_PA_OPTIONS_INIT;

	(void)state;
	vn_make(&v, -1500, -100, 1);
	s = vn_store(v.csca);
	d = vn_doc(&v, 1);
	r = verify(d, s, 0, NULL);
	assert_int_equal(sign_pa_result_passive(r), SIGN_PA_PASSED);
	assert_int_equal(sign_pa_result_reasons(r), SIGN_PA_R_EXPIRED);
	assert_non_null(strstr(sign_pa_result_message(r), "warning"));
	assert_int_equal(sign_pa_result_genuine(r), 1);
	sign_pa_result_free(r);
	o.flags = SIGN_PA_STRICT_VALIDITY;
	r = verify(d, s, SIGN_ERR_UNTRUSTED, &o);
	assert_int_equal(sign_pa_result_passive(r), SIGN_PA_INDETERMINATE);
	assert_int_equal(sign_pa_result_genuine(r), 0);
	sign_pa_result_free(r);
	/* checked at a time when it was valid: no warning */
	o.flags = SIGN_PA_STRICT_VALIDITY;
	o.at = time(NULL) - 1000 * 86400;
	r = verify(d, s, 0, &o);
	assert_int_equal(sign_pa_result_reasons(r), 0);
	sign_pa_result_free(r);
	sign_pa_doc_free(d);
	sign_csca_store_free(s);
	vn_free(&v);
}

/* The SOD signed with a key that is not the DS certificate's (a twin
 * certificate with the same issuer and serial but another key made the
 * signature; the document gives the real DS certificate): FAILED. */
static void
test_vn_bad_signature(void **state)
{
	struct vn v;
	EVP_PKEY *other = t_key("EC", "brainpoolP256r1");
	X509 *twin;
	int nums[1] = { 1 };
	sign_csca_store *s;
	sign_pa_doc *d;
	sign_pa_result *r;
	sign_buf dsd;

	(void)state;
	vn_make(&v, -10, 3000, 1);
	twin = X509_dup(v.ds);
	assert_int_equal(X509_set_pubkey(twin, other), 1);
	assert_true(X509_sign(twin, v.csca_key, EVP_sha256()) > 0);
	sign_buf_dispose(&v.sod);
	v.sod = t_sod(other, twin, EVP_sha256(), nums, &v.dg1, 1, 1);
	s = vn_store(v.csca);
	d = vn_doc(&v, 0);
	dsd = t_der(v.ds);
	assert_int_equal(sign_pa_doc_add_cert(d, dsd.data, dsd.len), 0);
	sign_buf_dispose(&dsd);
	X509_free(twin);
	r = verify(d, s, SIGN_ERR_VERIFY, NULL);
	assert_int_equal(sign_pa_result_passive(r), SIGN_PA_FAILED);
	assert_true(sign_pa_result_reasons(r) & SIGN_PA_R_BAD_SIGNATURE);
	assert_non_null(strstr(sign_pa_result_message(r), "signature invalid"));
	sign_pa_result_free(r);
	sign_pa_doc_free(d);
	sign_csca_store_free(s);
	EVP_PKEY_free(other);
	vn_free(&v);
}

/* No DSC in the SOD: given by the caller, or INDETERMINATE.  A DS issued by
 * a new CSCA key, trusted through a link certificate given with the document. */
static void
test_vn_extra_certs(void **state)
{
	EVP_PKEY *old_k = t_key("EC", "P-384"), *new_k = t_key("EC", "P-384"), *ds_k = t_key("RSA", "2048");
	X509 *old_c = t_cert(old_k, "VN", "CSCA VN", NULL, old_k, 1, -3000, 3000);
	X509 *link = t_cert(new_k, "VN", "CSCA VN", old_c, old_k, 1, -100, 3000);
	X509 *ds = t_cert(ds_k, "VN", "DS VN", link, new_k, 0, -10, 3000);
	sign_buf dg1 = t_dg1("VNM"), dsd = t_der(ds), ld = t_der(link);
	int one = 1;
	sign_buf sod = t_sod(ds_k, ds, EVP_sha512(), &one, &dg1, 1, 1);
	sign_csca_store *s = vn_store(old_c);
	sign_pa_doc *d = NULL;
	sign_pa_result *r;

	(void)state;
	assert_int_equal(sign_pa_doc_new(&d), 0);
	assert_int_equal(sign_pa_doc_set_sod(d, sod.data, sod.len), 0);
	assert_int_equal(sign_pa_doc_set_dg(d, 1, dg1.data, dg1.len), 0);
	r = verify(d, s, SIGN_ERR_UNTRUSTED, NULL);
	assert_true(sign_pa_result_reasons(r) & SIGN_PA_R_NO_SIGNER);
	sign_pa_result_free(r);
	assert_int_equal(sign_pa_doc_add_cert(d, dsd.data, dsd.len), 0);
	r = verify(d, s, SIGN_ERR_UNTRUSTED, NULL);
	assert_true(sign_pa_result_reasons(r) & SIGN_PA_R_UNTRUSTED);
	assert_false(sign_pa_result_reasons(r) & SIGN_PA_R_NO_SIGNER);
	sign_pa_result_free(r);
	assert_int_equal(sign_pa_doc_add_cert(d, ld.data, ld.len), 0);
	r = verify(d, s, 0, NULL);
	assert_int_equal(sign_pa_result_passive(r), SIGN_PA_PASSED);
	assert_string_equal(sign_pa_result_digest_name(r), "SHA-512");
	assert_non_null(strstr(sign_pa_result_csca(r), "CSCA VN"));
	sign_pa_result_free(r);
	assert_int_equal(sign_pa_doc_add_cert(d, dg1.data, dg1.len), SIGN_ERR_MALFORMED);
	sign_pa_doc_free(d);
	sign_csca_store_free(s);
	sign_buf_dispose(&dg1);
	sign_buf_dispose(&dsd);
	sign_buf_dispose(&ld);
	sign_buf_dispose(&sod);
	X509_free(old_c);
	X509_free(link);
	X509_free(ds);
	EVP_PKEY_free(old_k);
	EVP_PKEY_free(new_k);
	EVP_PKEY_free(ds_k);
}

/* Offline re-verification of a dump directory. */
static void
test_dump_dir(void **state)
{
	struct vn v;
	char *dir = t_tmpdir();
	sign_csca_store *s;
	sign_pa_result *r = NULL;
	sign_buf com = t_fixture("bsi_tr03105_refdata_2008/EF_COM.bin");

	(void)state;
	vn_make(&v, -10, 3000, 1);
	s = vn_store(v.csca);
	/* no EF.SOD */
	assert_int_equal(sign_pa_verify_dir(&r, dir, s, NULL), SIGN_ERR_NOT_FOUND);
	assert_null(r);
	assert_non_null(strstr(sign_error_message(), "EF.SOD"));
	assert_int_equal(sign_pa_verify_dir(&r, "/nonexistent/dump", s, NULL), SIGN_ERR_NOT_FOUND);
	t_write(dir, SIGN_PA_DUMP_SOD, v.sod.data, v.sod.len);
	t_write(dir, SIGN_PA_DUMP_COM, com.data, com.len);
	t_write(dir, "DG1.bin", v.dg1.data, v.dg1.len);
	t_write(dir, "DG15.bin", v.dg15.data, v.dg15.len);
	r = NULL;
	assert_int_equal(sign_pa_verify_dir(&r, dir, s, NULL), 0);
	assert_int_equal(sign_pa_result_passive(r), SIGN_PA_PASSED);
	assert_int_equal(sign_pa_result_active(r), SIGN_AA_NOT_ATTEMPTED);
	assert_int_equal(sign_pa_result_genuine(r), 0);
	sign_pa_result_free(r);
	/* half an AA exchange is malformed */
	t_write(dir, SIGN_PA_DUMP_AA_CHALLENGE, v.ch.data, v.ch.len);
	r = NULL;
	assert_int_equal(sign_pa_verify_dir(&r, dir, s, NULL), SIGN_ERR_MALFORMED);
	assert_non_null(strstr(sign_error_message(), SIGN_PA_DUMP_AA_RESPONSE));
	/* the whole exchange: AA verified offline, genuine */
	t_write(dir, SIGN_PA_DUMP_AA_RESPONSE, v.resp.data, v.resp.len);
	assert_int_equal(sign_pa_verify_dir(&r, dir, s, NULL), 0);
	assert_int_equal(sign_pa_result_active(r), SIGN_AA_PASSED);
	assert_int_equal(sign_pa_result_genuine(r), 1);
	sign_pa_result_free(r);
	/* a modified DG1 in the dump */
	{
		sign_buf m = t_flip(&v.dg1, 30);

		t_write(dir, "DG1.bin", m.data, m.len);
		r = NULL;
		assert_int_equal(sign_pa_verify_dir(&r, dir, s, NULL), SIGN_ERR_HASH_MISMATCH);
		assert_int_equal(sign_pa_result_dg(r, 1), SIGN_DG_MISMATCH);
		sign_pa_result_free(r);
		sign_buf_dispose(&m);
	}
	sign_csca_store_free(s);
	sign_buf_dispose(&com);
	vn_free(&v);
	t_rmdir(dir);
}

/* The genuine rule over every combination. */
static void
test_genuine_rule(void **state)
{
	int p, g, a;

	(void)state;
	for (p = SIGN_PA_PASSED; p <= SIGN_PA_INDETERMINATE; p++)
		for (g = SIGN_DG_ABSENT; g <= SIGN_DG_NOT_IN_SOD; g++)
			for (a = SIGN_AA_NOT_ATTEMPTED; a <= SIGN_AA_NOT_SUPPORTED; a++)
				assert_int_equal(sign_pa_genuine((sign_pa_verdict)p, (sign_dg_status)g,
				    (sign_aa_verdict)a),
				    p == SIGN_PA_PASSED && g == SIGN_DG_MATCH && a == SIGN_AA_PASSED);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_realworld_trusted),
		cmocka_unit_test(test_realworld_wrong_csca),
		cmocka_unit_test(test_realworld_masterlist),
		cmocka_unit_test(test_nz2013),
		cmocka_unit_test(test_country_check),
		cmocka_unit_test(test_country_table),
		cmocka_unit_test(test_bsi2008),
		cmocka_unit_test(test_bsi2013),
		cmocka_unit_test(test_nl2006),
		cmocka_unit_test(test_tampered_dg),
		cmocka_unit_test(test_no_or_bad_sod),
		cmocka_unit_test(test_vn_genuine),
		cmocka_unit_test(test_vn_dg15_unlisted),
		cmocka_unit_test(test_aa_ecdsa_by_dg14),
		cmocka_unit_test(test_vn_expired_ds),
		cmocka_unit_test(test_vn_bad_signature),
		cmocka_unit_test(test_vn_extra_certs),
		cmocka_unit_test(test_dump_dir),
		cmocka_unit_test(test_genuine_rule),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
