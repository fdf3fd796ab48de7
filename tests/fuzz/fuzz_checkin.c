/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz the check-in record parser: whatever it accepts is in canonical form
 * (serialising it again gives the input bytes), its members read back, and
 * the recorded answer decodes.  Then the whole verification (kyso checkin
 * verify) of each record it accepts, with a detached signature of other
 * bytes (fuzz_cades's seed ec-cades): the signature fails as a digest
 * mismatch, and every check of the card's evidence (EF.SOD, DG14, DG15, the
 * AA exchange), of the lookup and of the outcome runs on the record; the
 * verdict can only be TOTAL-FAILED, and every check names its reason. */
#define FUZZ_NAME "checkin"
#include "config.h"
#include "icao_replay.h"
#include "checkin_priv.h"

#include <stdlib.h>
#include <string.h>

static void
verify(const uint8_t *data, size_t size)
{
	static const unsigned char *sig;
	static size_t sig_len;
	static int loaded;
	sign_checkin_report *rep = NULL;
	sign_cades_status st;
	sign_chipauth_verdict ca;
	sign_dg_status dg14;
	const char *detail;
	size_t i;
	int rc, recorded, consistent;

	if (!loaded) {
		sig = fuzz_fixture("tests/fuzz/corpus/cades/ec-cades", &sig_len);
		loaded = 1;
	}
	if (sig == NULL)
		return;
	rc = sign_checkin_verify_mem(&rep, data, size, sig, sig_len, NULL);
	/* the record parsed and the signature is CMS: a report, FAILED */
	if (rc != SIGN_ERR_VERIFY || rep == NULL ||
	    sign_checkin_report_indication(rep) != SIGN_CADES_TOTAL_FAILED ||
	    sign_checkin_report_record(rep) == NULL || sign_checkin_report_signature(rep) == NULL)
		abort();
	for (i = 0; i < SIGN_CHECKIN_CHECK_COUNT; i++)
		if (sign_checkin_report_check(rep, (sign_checkin_check)i, &st, &detail) != 0 ||
		    detail == NULL || detail[0] == '\0' || sign_cades_status_str(st) == NULL)
			abort();
	if (sign_checkin_report_check(rep, SIGN_CHECKIN_CHECK_SIGNATURE, &st, &detail) != 0 ||
	    st != SIGN_CADES_STATUS_FAILED)
		abort();
	if (sign_checkin_report_chipauth(rep, &ca, &recorded, &dg14, &consistent) != 0)
		abort();
	sign_checkin_report_free(rep);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sign_checkin *rec = NULL;
	sign_buf b = SIGN_BUF_INIT;
	static const char *const paths[] = { "time", "outcome", "identity", "facility.code",
	    "card.holder.full_name", "card.verification.genuine", "lookup.result.code",
	    "lookup.answer.data", "card.sod", "no.such.member" };
	const json_t *answer;
	size_t i;

	if (sign_checkin_parse(&rec, data, size) != 0)
		return 0;
	if (sign_checkin_to_json(&b, rec) != 0 || b.len != size || memcmp(b.data, data, size) != 0)
		abort();
	sign_buf_dispose(&b);
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		const char *v = sign_checkin_get(rec, paths[i]);

		if (v != NULL && strlen(v) > size)
			abort();
	}
	(void)sign_checkin_get_outcome(rec);
	answer = sign_checkin__at(rec->root, "lookup.answer");
	if (json_is_object(answer) && sign_checkin__answer_bytes(&b, answer) != 0)
		abort();   /* the schema check let an undecodable answer through */
	sign_buf_dispose(&b);
	sign_checkin_free(rec);
	verify(data, size);
	sign_error_clear();
	return 0;
}
