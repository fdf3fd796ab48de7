/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* EF.COM, DG1 and DG2 on specimen files (BSI TR-03105 2008, NL 2006,
 * ISO/IEC 39794-5) and synthetic ones. */
#include "config.h"
#include "icao_util.h"
#include "internal.h"
#include "mrtd_priv.h"
#include "tlv.h"

typedef struct efcom_case {
	const char *file;
	const char *lds, *unicode;
	size_t n;
	int dgs[8];
} efcom_case;

static void
test_efcom_specimens(void **state)
{
	static const efcom_case cases[] = {
		{ "bsi2008_efcom.bin", "0107", "040000", 4, { 1, 2, 3, 14 } },
		{ "nl2006_efcom.bin", "0107", "040000", 3, { 1, 2, 15 } },
	};
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n;
		unsigned char *b = load_fixture(cases[i].file, &n);
		sign_efcom *com = NULL;

		assert_int_equal(sign_efcom_parse(&com, b, n), 0);
		assert_string_equal(sign_efcom_lds_version(com), cases[i].lds);
		assert_string_equal(sign_efcom_unicode_version(com), cases[i].unicode);
		assert_int_equal(sign_efcom_count(com), cases[i].n);
		for (j = 0; j < cases[i].n; j++) {
			assert_int_equal(sign_efcom_dg(com, j), cases[i].dgs[j]);
			assert_true(sign_efcom_has(com, cases[i].dgs[j]));
		}
		assert_int_equal(sign_efcom_dg(com, j), SIGN_ERR_NOT_FOUND);
		assert_false(sign_efcom_has(com, 13));
		sign_efcom_free(com);
		/* one byte more is trailing data; one less is truncated */
		b = realloc(b, n + 1);
		b[n] = 0x00;
		assert_int_equal(sign_efcom_parse(&com, b, n + 1), SIGN_ERR_MALFORMED);
		assert_non_null(strstr(sign_error_message(), "EF.COM: 1 bytes of trailing data"));
		assert_int_equal(sign_efcom_parse(&com, b, n - 1), SIGN_ERR_MALFORMED);
		assert_null(com);
		free(b);
	}
}

static void
test_efcom_vietnamese_and_bad(void **state)
{
	/* the card's EF.COM: DG1, DG2, DG3, DG13, DG14, DG15 */
	static const char *vn = "6018" "5F0104303130375F3606303430303030" "5C06617563" "6D6E6F";
	static const struct {
		const char *hex;
		const char *msg;
	} bad[] = {
		{ "600A5F0104303130375F3600", "version 5F36 has a bad length" },
		{ "60075F010430313037", "no tag list" },
		{ "6106" "5C0461756F6E", "expected 60" },
		{ "6008" "5C0261755C02616D", "duplicated" },
		{ "6009" "5F010430314137" "5C00", "digits" },
	};
	size_t n, i;
	unsigned char *b = unhex(vn, &n);
	sign_efcom *com = NULL;

	(void)state;
	assert_int_equal(sign_efcom_parse(&com, b, n), 0);
	assert_int_equal(sign_efcom_count(com), 6);
	assert_true(sign_efcom_has(com, 13));
	assert_true(sign_efcom_has(com, 15));
	assert_int_equal(sign_efcom_dg(com, 3), 13);
	sign_efcom_free(com);
	free(b);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		b = unhex(bad[i].hex, &n);
		com = NULL;
		assert_int_equal(sign_efcom_parse(&com, b, n), SIGN_ERR_MALFORMED);
		assert_null(com);
		if (strstr(sign_error_message(), bad[i].msg) == NULL)
			fail_msg("case %zu: '%s'", i, sign_error_message());
		free(b);
	}
}

static void
test_lds_tags(void **state)
{
	int dg;

	(void)state;
	assert_int_equal(sign_lds_dg_tag(1), 0x61);
	assert_int_equal(sign_lds_dg_tag(2), 0x75);
	assert_int_equal(sign_lds_dg_tag(13), 0x6D);
	assert_int_equal(sign_lds_dg_tag(15), 0x6F);
	assert_int_equal(sign_lds_dg_tag(0), 0);
	assert_int_equal(sign_lds_dg_tag(17), 0);
	for (dg = 1; dg <= 16; dg++)
		assert_int_equal(sign_lds_dg_from_tag(sign_lds_dg_tag(dg)), dg);
	assert_int_equal(sign_lds_dg_from_tag(0x77), SIGN_ERR_NOT_FOUND);
	assert_int_equal(SIGN_LDS_FID_DG(13), 0x010D);
}

typedef struct dg1_case {
	const char *file;
	const char *doc, *dob, *exp, *name;
} dg1_case;

static void
test_dg1_specimens(void **state)
{
	static const dg1_case cases[] = {
		{ "bsi2008_dg1.bin", "C11T002JM", "960812", "131031", "MUSTERMANN ERIKA" },
		{ "nl2006_dg1.bin", "XX0001328", "711019", "111001", "MEULENDIJK LOES ALBERTINE" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n;
		unsigned char *b = load_fixture(cases[i].file, &n);
		sign_mrz *m = NULL;

		assert_int_equal(sign_dg1_parse(&m, b, n), 0);
		assert_int_equal(sign_mrz_get_format(m), SIGN_MRZ_TD3);
		assert_string_equal(sign_mrz_field(m, "document_number"), cases[i].doc);
		assert_string_equal(sign_mrz_field(m, "date_of_birth"), cases[i].dob);
		assert_string_equal(sign_mrz_field(m, "expiry_date"), cases[i].exp);
		assert_string_equal(sign_mrz_field(m, "full_name"), cases[i].name);
		assert_int_equal(sign_mrz_verify(m), 0);
		sign_mrz_free(m);
		/* a changed MRZ character is seen by its check digit */
		b[n - 10] = b[n - 10] == '<' ? '1' : '<';
		assert_int_equal(sign_dg1_parse(&m, b, n), 0);
		assert_int_equal(sign_mrz_verify(m), SIGN_ERR_MALFORMED);
		sign_mrz_free(m);
		free(b);
	}
}

static void
test_dg1_bad(void **state)
{
	static const struct {
		const char *hex;
		const char *msg;
	} cases[] = {
		{ "6103" "5F1F00", "empty MRZ" },
		{ "6102" "5C00", "no MRZ" },
		{ "6105" "5F1F00" "5C00", "other than the MRZ" },
		{ "6203" "5F1F00", "expected 61" },
		{ "6105" "5F1F02" "4142", "2 characters is not TD1" },
		{ "6104" "5F1F03" "41", "claims 3 bytes" },
	};
	size_t n, i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned char *b = unhex(cases[i].hex, &n);
		sign_mrz *m = NULL;

		assert_int_equal(sign_dg1_parse(&m, b, n), SIGN_ERR_MALFORMED);
		assert_null(m);
		if (strstr(sign_error_message(), cases[i].msg) == NULL ||
		    strncmp(sign_error_message(), "DG1: ", 5) != 0)
			fail_msg("case %zu: '%s'", i, sign_error_message());
		free(b);
	}
	{
		/* DG1 with an object besides the MRZ */
		size_t fn;
		unsigned char *f = load_fixture("bsi2008_dg1.bin", &fn);
		sign_buf bb = SIGN_BUF_INIT;
		sign_mrz *m = NULL;

		assert_int_equal(sign_tlv__append_raw(&bb, f + 2, fn - 2), 0);
		assert_int_equal(sign_tlv__append(&bb, 0x53, "x", 1), 0);
		assert_int_equal(sign_tlv__wrap(&bb, 0x61), 0);
		assert_int_equal(sign_dg1_parse(&m, bb.data, bb.len), SIGN_ERR_MALFORMED);
		assert_non_null(strstr(sign_error_message(), "other than the MRZ"));
		sign_buf_dispose(&bb);
		free(f);
	}
}

typedef struct dg2_case {
	const char *file;
	sign_dg2_encoding enc;
	size_t img_len;
	sign_image_format fmt;
	unsigned int w, h;
} dg2_case;

static void
test_dg2_specimens(void **state)
{
	static const dg2_case cases[] = {
		{ "bsi2008_dg2.bin", SIGN_DG2_ISO19794, 14999, SIGN_IMAGE_JPEG2000, 337, 449 },
		{ "nl2006_dg2.bin", SIGN_DG2_ISO19794, 13701, SIGN_IMAGE_JPEG2000, 449, 598 },
		{ "iso39794_dg2_mandfields.bin", SIGN_DG2_ISO39794, 15000, SIGN_IMAGE_JPEG2000, 413,
		  531 },
		{ "iso39794_dg2_allfields.bin", SIGN_DG2_ISO39794, 15000, SIGN_IMAGE_JPEG2000, 413,
		  531 },
	};
	static const unsigned char jp2[12] = { 0, 0, 0, 0x0C, 0x6A, 0x50, 0x20, 0x20, 0x0D, 0x0A,
		0x87, 0x0A };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n, ilen = 0;
		unsigned char *b = load_fixture(cases[i].file, &n);
		sign_dg2 *g = NULL;
		const unsigned char *img = NULL;
		sign_image_format fmt = SIGN_IMAGE_UNKNOWN;
		unsigned int w = 0, h = 0;
		int rc;

		rc = sign_dg2_parse(&g, b, n);
		if (rc != 0)
			fail_msg("%s: %s", cases[i].file, sign_error_message());
		assert_int_equal(sign_dg2_get_encoding(g), cases[i].enc);
		assert_int_equal(sign_dg2_count(g), 1);
		assert_int_equal(sign_dg2_image(g, 0, &img, &ilen, &fmt, &w, &h), 0);
		if (ilen != cases[i].img_len)
			fail_msg("%s: image of %zu bytes", cases[i].file, ilen);
		assert_int_equal(fmt, cases[i].fmt);
		assert_memory_equal(img, jp2, 12);
		if (w != cases[i].w || h != cases[i].h)
			fail_msg("%s: %ux%u", cases[i].file, w, h);
		/* the image is the tail of the file (nothing after it in 19794) */
		if (cases[i].enc == SIGN_DG2_ISO19794)
			assert_memory_equal(img, b + n - ilen, ilen);
		assert_int_equal(sign_dg2_image(g, 1, &img, &ilen, NULL, NULL, NULL),
		    SIGN_ERR_NOT_FOUND);
		assert_string_equal(sign_image_format_name(fmt), "jpeg2000");
		sign_dg2_free(g);
		g = NULL;
		/* truncated anywhere: refused, never read past the end */
		assert_int_equal(sign_dg2_parse(&g, b, n - 1), SIGN_ERR_MALFORMED);
		assert_int_equal(sign_dg2_parse(&g, b, n / 2), SIGN_ERR_MALFORMED);
		assert_int_equal(sign_dg2_parse(&g, b, 10), SIGN_ERR_MALFORMED);
		assert_null(g);
		/* a trailing byte */
		b = realloc(b, n + 1);
		b[n] = 0;
		assert_int_equal(sign_dg2_parse(&g, b, n + 1), SIGN_ERR_MALFORMED);
		assert_non_null(strstr(sign_error_message(), "DG2: 1 bytes of trailing data"));
		free(b);
	}
}

/* A synthetic 19794-5 DG2 around `img`, width/height in the header. */
static void
build_dg2(const unsigned char *img, size_t ilen, unsigned int w, unsigned int h,
    const char *version, unsigned int count_in_template, sign_buf *out)
{
	unsigned char fac[64];
	size_t blen = 20 + 12 + ilen, reclen = 14 + blen;
	sign_buf bit = SIGN_BUF_INIT, rec = SIGN_BUF_INIT;
	unsigned char cnt = (unsigned char)count_in_template;

	memset(fac, 0, sizeof(fac));
	memcpy(fac, "FAC\0", 4);
	memcpy(fac + 4, version, 4);
	fac[8] = (unsigned char)(reclen >> 24);
	fac[9] = (unsigned char)(reclen >> 16);
	fac[10] = (unsigned char)(reclen >> 8);
	fac[11] = (unsigned char)reclen;
	fac[13] = 1;
	fac[14] = (unsigned char)(blen >> 24);
	fac[15] = (unsigned char)(blen >> 16);
	fac[16] = (unsigned char)(blen >> 8);
	fac[17] = (unsigned char)blen;
	/* image information at 14 + 20 */
	fac[34] = 1;
	fac[35] = 0; /* JPEG */
	fac[36] = (unsigned char)(w >> 8);
	fac[37] = (unsigned char)w;
	fac[38] = (unsigned char)(h >> 8);
	fac[39] = (unsigned char)h;
	assert_int_equal(sign_tlv__append_raw(&rec, fac, 46), 0);
	assert_int_equal(sign_tlv__append_raw(&rec, img, ilen), 0);
	assert_int_equal(sign_tlv__append(&bit, 0xA1, "\x87\x02\x01\x01\x88\x02\x00\x08", 8), 0);
	assert_int_equal(sign_tlv__append(&bit, 0x5F2E, rec.data, rec.len), 0);
	assert_int_equal(sign_tlv__wrap(&bit, 0x7F60), 0);
	memset(out, 0, sizeof(*out));
	assert_int_equal(sign_tlv__append(out, 0x02, &cnt, 1), 0);
	assert_int_equal(sign_tlv__append_raw(out, bit.data, bit.len), 0);
	assert_int_equal(sign_tlv__wrap(out, 0x7F61), 0);
	assert_int_equal(sign_tlv__wrap(out, 0x75), 0);
	sign_buf_dispose(&bit);
	sign_buf_dispose(&rec);
}

/* A minimal JPEG: SOI, APP0 (JFIF), SOF0 with 120x160, EOI. */
static const unsigned char tiny_jpeg[] = {
	0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0,
	0xFF, 0xC0, 0x00, 0x0B, 0x08, 0x00, 0xA0, 0x00, 0x78, 0x01, 0x01, 0x11, 0x00,
	0xFF, 0xD9
};

static void
test_dg2_synthetic_jpeg(void **state)
{
	sign_buf d = SIGN_BUF_INIT;
	sign_dg2 *g = NULL;
	const unsigned char *img;
	size_t ilen;
	sign_image_format fmt;
	unsigned int w, h;

	(void)state;
	/* width/height from the header */
	build_dg2(tiny_jpeg, sizeof(tiny_jpeg), 480, 640, "010", 1, &d);
	assert_int_equal(sign_dg2_parse(&g, d.data, d.len), 0);
	assert_int_equal(sign_dg2_image(g, 0, &img, &ilen, &fmt, &w, &h), 0);
	assert_int_equal(fmt, SIGN_IMAGE_JPEG);
	assert_string_equal(sign_image_format_name(fmt), "jpeg");
	assert_int_equal(ilen, sizeof(tiny_jpeg));
	assert_memory_equal(img, tiny_jpeg, ilen);
	assert_int_equal(w, 480);
	assert_int_equal(h, 640);
	sign_dg2_free(g);
	g = NULL;
	sign_buf_dispose(&d);
	/* without them in the header: from the JPEG's SOF0 */
	build_dg2(tiny_jpeg, sizeof(tiny_jpeg), 0, 0, "010", 1, &d);
	assert_int_equal(sign_dg2_parse(&g, d.data, d.len), 0);
	assert_int_equal(sign_dg2_image(g, 0, NULL, NULL, &fmt, &w, &h), 0);
	assert_int_equal(w, 120);
	assert_int_equal(h, 160);
	sign_dg2_free(g);
	g = NULL;
	sign_buf_dispose(&d);
	/* an unknown image format is reported as such, not refused */
	build_dg2((const unsigned char *)"GIF89a....", 10, 1, 1, "010", 1, &d);
	assert_int_equal(sign_dg2_parse(&g, d.data, d.len), 0);
	assert_int_equal(sign_dg2_image(g, 0, NULL, NULL, &fmt, NULL, NULL), 0);
	assert_int_equal(fmt, SIGN_IMAGE_UNKNOWN);
	sign_dg2_free(g);
	g = NULL;
	sign_buf_dispose(&d);
	/* another record version */
	build_dg2(tiny_jpeg, sizeof(tiny_jpeg), 1, 1, "030", 1, &d);
	assert_int_equal(sign_dg2_parse(&g, d.data, d.len), SIGN_ERR_UNSUPPORTED);
	assert_non_null(strstr(sign_error_message(), "'030'"));
	sign_buf_dispose(&d);
	/* the template count disagrees with the templates present */
	build_dg2(tiny_jpeg, sizeof(tiny_jpeg), 1, 1, "010", 2, &d);
	assert_int_equal(sign_dg2_parse(&g, d.data, d.len), SIGN_ERR_MALFORMED);
	assert_non_null(strstr(sign_error_message(), "count"));
	sign_buf_dispose(&d);
	assert_null(g);
}

static void
test_dg2_bad_record(void **state)
{
	size_t n, off;
	unsigned char *b = load_fixture("bsi2008_dg2.bin", &n);
	sign_dg2 *g = NULL;

	(void)state;
	/* the facial record length field (at 0x2E) and block length (at 0x34) */
	off = 0x2E;
	assert_memory_equal(b + 0x26, "FAC\0", 4);
	b[off + 3] ^= 0x01;
	assert_int_equal(sign_dg2_parse(&g, b, n), SIGN_ERR_MALFORMED);
	assert_non_null(strstr(sign_error_message(), "facial record claims"));
	b[off + 3] ^= 0x01;
	b[0x34] = 0x7F; /* a block length far beyond the record */
	assert_int_equal(sign_dg2_parse(&g, b, n), SIGN_ERR_MALFORMED);
	assert_non_null(strstr(sign_error_message(), "bad block length"));
	b[0x34] = 0x00;
	b[0x26] = 'X';
	assert_int_equal(sign_dg2_parse(&g, b, n), SIGN_ERR_MALFORMED);
	assert_non_null(strstr(sign_error_message(), "'FAC'"));
	b[0x26] = 'F';
	assert_int_equal(sign_dg2_parse(&g, b, n), 0);
	sign_dg2_free(g);
	free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_efcom_specimens),
		cmocka_unit_test(test_efcom_vietnamese_and_bad),
		cmocka_unit_test(test_lds_tags),
		cmocka_unit_test(test_dg1_specimens),
		cmocka_unit_test(test_dg1_bad),
		cmocka_unit_test(test_dg2_specimens),
		cmocka_unit_test(test_dg2_synthetic_jpeg),
		cmocka_unit_test(test_dg2_bad_record),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
