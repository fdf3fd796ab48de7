/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz the DG13 (Vietnamese profile) parser. */
#define FUZZ_NAME "dg13"
#include "config.h"
#include "icao_replay.h"
#include "internal.h"
#include "libsign/mrtd.h"

#include <stdlib.h>
#include <string.h>

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sign_dg13 *d = NULL;
	const char *k, *v;
	size_t i;
	int n;

	if (sign_dg13_parse(&d, data, size) == 0)
		for (i = 0; sign_dg13_field_at(d, i, &k, &v, &n) == 0; i++)
			if (sign_dg13_get(d, k) == NULL || strlen(v) > size)
				abort();
	sign_dg13_free(d);
	return 0;
}
