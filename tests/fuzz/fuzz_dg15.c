/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz the DG15 public-key parser, and Active Authentication verification
 * with the parsed key over a response made of the input bytes. */
#define FUZZ_NAME "dg15"
#include "config.h"
#include "icao_replay.h"
#include "pa_priv.h"

#include <string.h>

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned char challenge[8] = { 0xF1, 0x73, 0x58, 0x99, 0x74, 0xBF, 0x40, 0xC6 };
	sign_dg15 *k = NULL;
	size_t n;

	if (sign_dg15_parse(&k, data, size) == 0) {
		(void)sign_dg15_key_type(k);
		(void)sign_dg15_quirks(k);
		n = (size_t)sign_dg15_key_bits(k);
		n = (n + 7) / 8;
		/* a response of the key's size (RSA) or twice it (ECDSA), from the input */
		if (n > 0 && size >= 2 * n) {
			if (sign_aa_verify(k, NULL, challenge, 8, data + size - n, n) != 0)
				sign_error_clear();
			if (sign_aa_verify(k, NULL, challenge, 8, data + size - 2 * n, 2 * n) != 0)
				sign_error_clear();
		}
		sign_dg15_free(k);
	}
	/* the ISO/IEC 9796-2 decoder on raw bytes */
	if (size > 0)
		(void)sign_aa__iso9796_check(data, size, challenge, 8);
	sign_error_clear();
	return 0;
}
