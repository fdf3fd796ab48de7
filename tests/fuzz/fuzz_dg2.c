/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz the DG2 parser (ISO 19794-5 and ISO 39794-5). */
#define FUZZ_NAME "dg2"
#include "config.h"
#include "icao_replay.h"
#include "internal.h"
#include "libsign/mrtd.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sign_dg2 *g = NULL;
	size_t i;

	if (sign_dg2_parse(&g, data, size) == 0) {
		for (i = 0; i < sign_dg2_count(g); i++) {
			const unsigned char *img;
			size_t len;
			sign_image_format fmt;
			unsigned int w, h;
			volatile unsigned char sink = 0;

			if (sign_dg2_image(g, i, &img, &len, &fmt, &w, &h) == 0 && len > 0)
				sink = img[0] ^ img[len - 1]; /* the whole image is in bounds */
			(void)sink;
		}
	}
	sign_dg2_free(g);
	return 0;
}
