/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz the CMS SignedData / EF.SOD / CSCA master list parsers and the
 * verification paths behind them (signature algorithms, certificates).
 * Passive authentication runs twice: with an empty CSCA store, and with the
 * CSCAs of the real-world SOD seeds (tests/fixtures/pa/realworld_sod), so
 * that a seed's chain verifies and the checks behind it run.  A master list
 * is loaded with the anchor of the synthetic list seed. */
#define FUZZ_NAME "sod"
#include "config.h"
#include "icao_replay.h"
#include "pa_priv.h"

/* The CSCAs of the real-world SOD seeds, loaded once. */
static const sign_csca_store *
cscas(void)
{
	static const char *const files[] = { "AT_CSCA_0.der", "DE_CSCA_0.der", "FI_CSCA_0.der",
	    "FR_CSCA_0.der", "ID_CSCA_0.der", "MY_CSCA_0.der", "NZ_CSCA_0.der", "PH_CSCA_0.der",
	    "RU_CSCA_0.der", "SG_CSCA_0.der", "UK_CSCA_0.der", "US_CSCA_0.der" };
	static sign_csca_store *store;
	char rel[128];
	const unsigned char *der;
	size_t i, len;

	if (store != NULL)
		return store;
	if (sign_csca_store_new(&store) != 0)
		abort();
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(rel, sizeof(rel), "tests/fixtures/pa/realworld_sod/%s", files[i]);
		der = fuzz_fixture(rel, &len);
		if (der != NULL && sign_csca_store_add_cert(store, der, len) != 0)
			abort();
		free((void *)der);
	}
	return store;
}

static void
pa(const uint8_t *data, size_t size, const sign_csca_store *store)
{
	sign_pa_doc *doc = NULL;
	sign_pa_result *res = NULL;

	if (sign_pa_doc_new(&doc) == 0 && sign_pa_doc_set_sod(doc, data, size) == 0 &&
	    sign_pa_doc_set_dg(doc, 1, data, size > 64 ? 64 : size) == 0) {
		if (sign_pa_verify(&res, doc, store, NULL) != 0)
			sign_error_clear();
		if (res == NULL || sign_pa_result_message(res) == NULL)
			abort();        /* a parsed SOD always gets a result */
		(void)sign_pa_result_signer(res);
		(void)sign_pa_result_csca(res);
		(void)sign_pa_result_signer_country(res);
		sign_pa_result_free(res);
	}
	sign_pa_doc_free(doc);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sign_cms__sd sd;
	sign_sod *sod = NULL;
	STACK_OF(X509) *certs;
	const unsigned char *der;
	size_t i, len;
	int dg;

	if (sign_sod_parse(&sod, data, size) == 0) {
		(void)sign_sod_digest_name(sod);
		(void)sign_sod_signature_name(sod);
		for (i = 0; i < sign_sod_dg_count(sod); i++)
			(void)sign_sod_dg_at(sod, i, &dg, &der, &len);
		if (sign_sod_signer_cert(sod, &der, &len) == 0 &&
		    sign_sod_verify_signer(sod, NULL, 0) != 0)
			sign_error_clear();
		sign_sod_free(sod);
		/* the whole PA path with an empty trust store, then with the seeds' CSCAs */
		pa(data, size, NULL);
		pa(data, size, cscas());
	}
	/* a bare ContentInfo (master lists) */
	if (sign_cms__parse(&sd, data, size, "fuzz") == 0) {
		X509 *signer = sign_cms__find_signer(&sd, NULL);

		if (signer != NULL)
			(void)sign_cms__verify(&sd, signer, "fuzz");
		sign_cms__clear(&sd);
	}
	/* a master list file, with the synthetic list's anchor */
	{
		static const unsigned char *anchor;
		static size_t anchor_len;
		static int loaded;
		sign_csca_store *ml = NULL;

		if (!loaded) {
			anchor = fuzz_fixture("tests/fixtures/pa/masterlist/test_csca.der", &anchor_len);
			loaded = 1;
		}
		if (anchor != NULL && sign_csca_store_new(&ml) == 0) {
			if (sign_csca_store_add_masterlist(ml, data, size, anchor, anchor_len) != 0 &&
			    sign_csca_store_count(ml) != 0)
				abort();        /* nothing from a list that failed */
			sign_csca_store_free(ml);
		}
	}
	/* a CscaMasterList content */
	certs = sk_X509_new_null();
	if (certs != NULL)
		(void)sign_csca__ml_content(data, size, certs);
	sk_X509_pop_free(certs, X509_free);
	sign_error_clear();
	return 0;
}
