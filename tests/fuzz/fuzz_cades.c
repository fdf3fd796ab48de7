/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzz CAdES/CMS verification (what kyso verify and kyso checkin verify
 * read from a hostile file): the signature is checked against the content
 * the seed corpus signs (tests/fuzz/make_cades_corpus.sh), detached or
 * attached, first with no trust anchor, then trusting every certificate of
 * the reported paths.  Invariants: a report exactly when the input parsed,
 * every accessor answers, nothing passes without an anchor, and a return of
 * 0 means TOTAL-PASSED.
 */
#define FUZZ_NAME "cades"
#include "config.h"
#include "icao_replay.h"
#include "cades_priv.h"

#include <stdlib.h>
#include <string.h>

static const unsigned char content[] = "Bi\xc3\xaan b\xe1\xba\xa3n h\xe1\xbb\x8dp ng\xc3\xa0y "
    "01/12/2026\n";

/* Read every part of the report; the number of path certificates seen. */
static size_t
walk(const sign_cades_report *r, sign_trust *collect)
{
	const sign_cades_signature *s;
	const unsigned char *der;
	const char *detail;
	sign_cades_check id;
	sign_cades_status st;
	size_t i, k, len, n = 0;
	time_t t;

	if (sign_cades_report_count(r) == 0 ||
	    sign_cades_report_get(r, sign_cades_report_count(r)) != NULL)
		abort();
	(void)sign_cades_report_attached(r);
	(void)sign_cades_report_content_length(r);
	if (sign_cades_indication_str(sign_cades_report_indication(r)) == NULL ||
	    sign_cades_subindication_str(sign_cades_report_subindication(r)) == NULL)
		abort();
	for (i = 0; i < sign_cades_report_count(r); i++) {
		s = sign_cades_report_get(r, i);
		if (s == NULL || sign_cades_signature_signer(s) == NULL ||
		    sign_cades_signature_subject(s) == NULL || sign_cades_signature_serial(s) == NULL ||
		    sign_cades_signature_format(s) == NULL || sign_cades_signature_digest(s) == NULL ||
		    sign_cades_signature_algorithm(s) == NULL)
			abort();
		(void)sign_cades_signature_signing_time(s, &t);
		if (sign_cades_signature_check_count(s) == 0)
			abort();
		for (k = 0; k < sign_cades_signature_check_count(s); k++)
			if (sign_cades_signature_check(s, k, &id, &st, &detail) != 0 || detail == NULL ||
			    sign_cades_check_str(id) == NULL || sign_cades_status_str(st) == NULL)
				abort();
		for (k = 0; k < sign_cades_signature_chain_count(s); k++) {
			if (sign_cades_signature_chain_name(s, k) == NULL ||
			    sign_cades_signature_chain_cert(s, k, &der, &len) != 0 || len == 0)
				abort();
			if (collect != NULL && sign_trust_add_der(collect, der, len) == 0)
				n++;
		}
	}
	return n;
}

static int
verify(sign_cades_report **r, const uint8_t *data, size_t size, const sign_trust *trust)
{
	sign_cades_verify_opts o = SIGN_CADES_VERIFY_OPTS_INIT;
	int rc;

	o.trust = trust;
	*r = NULL;
	rc = sign_cades_verify_mem(r, data, size, content, sizeof(content) - 1, &o);
	if (rc == SIGN_ERR_USAGE && *r == NULL)      /* attached */
		rc = sign_cades_verify_mem(r, data, size, NULL, 0, &o);
	/* a report exactly when there is a verdict (cades.h) */
	if ((*r != NULL) != (rc == 0 || rc == SIGN_ERR_HASH_MISMATCH || rc == SIGN_ERR_VERIFY ||
	    rc == SIGN_ERR_UNTRUSTED || rc == SIGN_ERR_EXPIRED || rc == SIGN_ERR_NOT_YET_VALID))
		abort();
	if (rc != 0 && (sign_error_message() == NULL || sign_error_message()[0] == '\0'))
		abort();        /* a failure names its cause */
	if (*r != NULL && (rc == 0) != (sign_cades_report_indication(*r) == SIGN_CADES_TOTAL_PASSED))
		abort();
	return rc;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sign_cades_report *r = NULL;
	sign_trust *all = NULL;
	size_t n;

	if (verify(&r, data, size, NULL) == 0)
		abort();        /* nothing passes without a trust anchor */
	if (r == NULL)
		return 0;
	if (sign_trust_new(&all) != 0)
		abort();
	n = walk(r, all);
	sign_cades_report_free(r);
	if (n > 0) {
		(void)verify(&r, data, size, all);
		if (r != NULL)
			walk(r, NULL);
		sign_cades_report_free(r);
	}
	sign_trust_free(all);
	sign_error_clear();
	return 0;
}
