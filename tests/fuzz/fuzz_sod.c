/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz the CMS SignedData / EF.SOD / CSCA master list parsers and the
 * verification paths behind them (signature algorithms, certificates). */
#define FUZZ_NAME "sod"
#include "config.h"
#include "icao_replay.h"
#include "pa_priv.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sign_cms__sd sd;
	sign_sod *sod = NULL;
	sign_pa_doc *doc = NULL;
	sign_pa_result *res = NULL;
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
		/* the whole PA path with an empty trust store */
		if (sign_pa_doc_new(&doc) == 0 && sign_pa_doc_set_sod(doc, data, size) == 0 &&
		    sign_pa_doc_set_dg(doc, 1, data, size > 64 ? 64 : size) == 0) {
			if (sign_pa_verify(&res, doc, NULL, NULL) != 0)
				sign_error_clear();
			(void)sign_pa_result_message(res);
			sign_pa_result_free(res);
		}
		sign_pa_doc_free(doc);
	}
	/* a bare ContentInfo (master lists) */
	if (sign_cms__parse(&sd, data, size, "fuzz") == 0) {
		X509 *signer = sign_cms__find_signer(&sd, NULL);

		if (signer != NULL)
			(void)sign_cms__verify(&sd, signer, "fuzz");
		sign_cms__clear(&sd);
	}
	/* a CscaMasterList content */
	certs = sk_X509_new_null();
	if (certs != NULL)
		(void)sign_csca__ml_content(data, size, certs);
	sk_X509_pop_free(certs, X509_free);
	sign_error_clear();
	return 0;
}
