/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz the BER-TLV reader (every element and child, definite and indefinite)
 * and the secure-messaging answer parser (Appendix D session keys). */
#define FUZZ_NAME "tlv"
#include "config.h"
#include "icao_replay.h"
#include "internal.h"
#include "tlv.h"
#include "sm.h"

static void
walk(const sign_tlv *t)
{
	sign_tlv_iter it;
	sign_tlv c;
	unsigned long v;

	if (!t->constructed) {
		(void)sign_tlv__uint(t, &v, "fuzz");
		return;
	}
	if (sign_tlv__iter_init(&it, t, "fuzz") != 0)
		return;
	while (sign_tlv__next(&it, &c) > 0)
		walk(&c);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned int flags[2] = { 0, SIGN_TLV_INDEFINITE };
	size_t hdr, total, i;
	sign_tlv t;

	(void)sign_tlv__header(data, size, &hdr, &total);
	for (i = 0; i < 2; i++) {
		sign_tlv_iter it;

		if (sign_tlv__read_one(&t, data, size, flags[i], "fuzz") == 0 &&
		    sign_tlv__validate(&t, "fuzz") == 0)
			walk(&t);
		sign_tlv__iter_init_buf(&it, data, size, flags[i], "fuzz");
		while (sign_tlv__next(&it, &t) > 0)
			walk(&t);
	}
	/* an SM answer; the session is the Appendix D one after its first command */
	{
		static const unsigned char ks_enc[16] = { 0x97, 0x9E, 0xC1, 0x3B, 0x1C, 0xBF, 0xE9,
			0xDC, 0xD0, 0x1A, 0xB0, 0xFE, 0xD3, 0x07, 0xEA, 0xE5 };
		static const unsigned char ks_mac[16] = { 0xF1, 0xCB, 0x1F, 0x1F, 0xB5, 0xAD, 0xF2,
			0x08, 0x80, 0x6B, 0x89, 0xDC, 0x57, 0x9D, 0xC1, 0xF8 };
		static const unsigned char ssc[8] = { 0x88, 0x70, 0x22, 0x12, 0x0C, 0x06, 0xC2, 0x2B };
		sign_sm *sm = NULL;
		sign_buf plain = SIGN_BUF_INIT;
		unsigned int sw;

		if (sign_sm__new(&sm, SIGN_SM_3DES, ks_enc, ks_mac, 16, ssc, 8) == 0) {
			(void)sign_sm__unwrap(sm, data, size, &plain, &sw);
			sign_buf_dispose(&plain);
		}
		sign_sm__free(sm);
	}
	return 0;
}
