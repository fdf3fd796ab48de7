/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz the small text and LDS parsers: DG1, MRZ text, MRZ keys, EF.COM,
 * the card's QR text. */
#define FUZZ_NAME "dg1"
#include "config.h"
#include "icao_replay.h"
#include "internal.h"
#include "libsign/mrtd.h"

#include <stdlib.h>
#include <string.h>

static void
touch_mrz(const sign_mrz *m)
{
	const char *k, *v;
	size_t i;
	int c;

	for (i = 0; sign_mrz_field_at(m, i, &k, &v) == 0; i++)
		(void)strlen(v);
	for (c = 0; c <= SIGN_MRZ_CD_COMPOSITE; c++)
		(void)sign_mrz_check(m, (sign_mrz_cd)c);
	if (sign_mrz_verify(m) != 0)
		sign_error_clear();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sign_mrz *m = NULL;
	sign_mrz_key *k = NULL;
	sign_mrz_keys *ks = NULL;
	sign_efcom *com = NULL;
	sign_vn_qr *qr = NULL;
	char *text;
	size_t i;

	if (sign_dg1_parse(&m, data, size) == 0)
		touch_mrz(m);
	sign_mrz_free(m);
	m = NULL;
	if (sign_efcom_parse(&com, data, size) == 0)
		for (i = 0; i < sign_efcom_count(com); i++)
			(void)sign_efcom_dg(com, i);
	sign_efcom_free(com);

	if (sign_mrz_parse(&m, (const char *)data, size) == 0)
		touch_mrz(m);
	sign_mrz_free(m);
	if (sign_mrz_key_from_mrz(&k, (const char *)data, size) == 0)
		(void)sign_mrz_key_origin(k);
	sign_mrz_key_free(k);
	if (sign_vn_qr_parse(&qr, (const char *)data, size) == 0)
		(void)sign_vn_qr_field(qr, "full_name");
	sign_vn_qr_free(qr);
	if (sign_mrz_keys_from_qr(&ks, (const char *)data, size) == 0)
		(void)sign_mrz_keys_get(ks, 0);
	sign_mrz_keys_free(ks);

	/* NUL-terminated string inputs: the ID number checks and dates */
	text = malloc(size + 1);
	if (text != NULL) {
		memcpy(text, data, size);
		text[size] = '\0';
		(void)sign_vn_id_check(text, NULL, NULL);
		(void)sign_vn_id_check("001089012345", text, text);
		ks = NULL;
		if (sign_mrz_keys_vn(&ks, "001089012345", "15/03/1989", text, NULL) == 0)
			sign_mrz_keys_free(ks);
		k = NULL;
		if (sign_mrz_key_new(&k, text, "890315", "290315") == 0)
			sign_mrz_key_free(k);
		free(text);
	}
	return 0;
}
