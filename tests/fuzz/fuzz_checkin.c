/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz the check-in record parser: whatever it accepts is in canonical form
 * (serialising it again gives the input bytes), its members read back, and
 * the recorded answer decodes. */
#define FUZZ_NAME "checkin"
#include "config.h"
#include "icao_replay.h"
#include "checkin_priv.h"

#include <stdlib.h>
#include <string.h>

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
	return 0;
}
