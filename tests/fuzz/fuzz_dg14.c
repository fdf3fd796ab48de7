/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz the DG14 SecurityInfos parser and its accessors. */
#define FUZZ_NAME "dg14"
#include "config.h"
#include "icao_replay.h"
#include "pa_priv.h"

#include <string.h>

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sign_dg14 *d = NULL;
	const unsigned char *spki;
	const char *name;
	size_t i, len;

	if (sign_dg14_parse(&d, data, size) == 0) {
		for (i = 0; i < sign_dg14_count(d); i++) {
			(void)sign_dg14_kind(d, i);
			(void)strlen(sign_dg14_oid(d, i));
			(void)strlen(sign_dg14_name(d, i));
			(void)sign_dg14_version(d, i);
			(void)sign_dg14_key_id(d, i);
			if (sign_dg14_ca_pubkey(d, i, &spki, &len) == 0 && len > 0)
				(void)spki[len - 1];
		}
		if (sign_dg14_aa_algorithm(d, &name) == 0)
			(void)strlen(name);
		(void)sign_dg14__aa_md(d);
		sign_dg14_free(d);
	}
	sign_error_clear();
	return 0;
}
