/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* MRZ parsing, check digits, BAC key inputs, Vietnamese ID / QR / expiry rule. */
#include "config.h"
#include "icao_util.h"
#include "internal.h"
#include "mrtd_priv.h"
#include "sm.h"

static json_t *vec;

static int
setup(void **state)
{
	(void)state;
	vec = load_json_fixture("mrz_check_digits.json");
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	json_decref(vec);
	return 0;
}

/* The lines of a specimen joined with "\n". */
static char *
specimen(const char *name)
{
	json_t *a = json_object_get(json_object_get(vec, "specimen_MRZ"), name);
	size_t i, n = 0;
	char *s;

	assert_true(json_is_array(a));
	s = calloc(1, 200);
	assert_non_null(s);
	for (i = 0; i < json_array_size(a); i++) {
		const char *l = json_string_value(json_array_get(a, i));

		if (i > 0)
			s[n++] = '\n';
		memcpy(s + n, l, strlen(l));
		n += strlen(l);
	}
	return s;
}

static const char *
key_info(const sign_mrz_key *k)
{
	static char buf[64];
	const char *info;
	size_t len;

	assert_int_equal(sign_mrz_key__info(k, &info, &len), 0);
	assert_true(len < sizeof(buf));
	memcpy(buf, info, len);
	buf[len] = '\0';
	return buf;
}

static void
test_check_digits(void **state)
{
	json_t *ex = json_object_get(vec, "examples");
	size_t i;

	(void)state;
	assert_true(json_array_size(ex) >= 10);
	for (i = 0; i < json_array_size(ex); i++) {
		json_t *e = json_array_get(ex, i);
		const char *in = json_string_value(json_object_get(e, "input"));
		const char *cd = json_string_value(json_object_get(e, "check_digit"));

		assert_int_equal(sign_mrz_check_digit(in, strlen(in)), cd[0] - '0');
	}
	assert_int_equal(sign_mrz_check_digit("ab", 2), SIGN_ERR_MALFORMED);
	assert_int_equal(sign_mrz_check_digit("", 0), 0);
}

typedef struct field_want {
	const char *key, *value;
} field_want;

static void
expect_fields(const sign_mrz *m, const field_want *w)
{
	for (; w->key != NULL; w++) {
		const char *v = sign_mrz_field(m, w->key);

		if (v == NULL || strcmp(v, w->value) != 0)
			fail_msg("%s: got '%s', want '%s'", w->key, v ? v : "(null)", w->value);
	}
}

static void
test_td3_specimen(void **state)
{
	static const field_want want[] = {
		{ "document_code", "P" }, { "issuing_state", "UTO" },
		{ "document_number", "L898902C3" }, { "optional_data", "ZE184226B" },
		{ "date_of_birth", "740812" }, { "sex", "F" }, { "expiry_date", "120415" },
		{ "nationality", "UTO" }, { "primary_identifier", "ERIKSSON" },
		{ "secondary_identifier", "ANNA MARIA" }, { "full_name", "ERIKSSON ANNA MARIA" },
		{ NULL, NULL } };
	char *s = specimen("TD3_part4");
	sign_mrz *m = NULL;
	int i;

	(void)state;
	assert_int_equal(sign_mrz_parse(&m, s, strlen(s)), 0);
	assert_int_equal(sign_mrz_get_format(m), SIGN_MRZ_TD3);
	expect_fields(m, want);
	for (i = 0; i <= SIGN_MRZ_CD_COMPOSITE; i++)
		assert_int_equal(sign_mrz_check(m, (sign_mrz_cd)i), SIGN_MRZ_CD_OK);
	assert_int_equal(sign_mrz_verify(m), 0);
	assert_null(sign_mrz_field(m, "line3"));
	assert_null(sign_mrz_field(m, "no_such_key"));
	sign_mrz_free(m);
	free(s);
}

static void
test_td1_specimen(void **state)
{
	static const field_want want[] = {
		{ "document_code", "I" }, { "issuing_state", "UTO" },
		{ "document_number", "D23145890" }, { "optional_data", "" },
		{ "optional_data_2", "" }, { "date_of_birth", "740812" }, { "sex", "F" },
		{ "expiry_date", "120415" }, { "full_name", "ERIKSSON ANNA MARIA" },
		{ "line3", "ERIKSSON<<ANNA<MARIA<<<<<<<<<<" }, { NULL, NULL } };
	char *s = specimen("TD1_part5");
	sign_mrz *m = NULL;
	const char *k, *v;
	size_t i;

	(void)state;
	assert_int_equal(sign_mrz_parse(&m, s, strlen(s)), 0);
	assert_int_equal(sign_mrz_get_format(m), SIGN_MRZ_TD1);
	expect_fields(m, want);
	assert_int_equal(sign_mrz_check(m, SIGN_MRZ_CD_COMPOSITE), SIGN_MRZ_CD_OK);
	assert_int_equal(sign_mrz_check(m, SIGN_MRZ_CD_OPTIONAL_DATA), SIGN_MRZ_CD_ABSENT);
	assert_int_equal(sign_mrz_verify(m), 0);
	/* the iterator lists every field once, ending with NOT_FOUND */
	for (i = 0; sign_mrz_field_at(m, i, &k, &v) == 0; i++)
		assert_string_equal(sign_mrz_field(m, k), v);
	assert_int_equal(i, 15);
	assert_int_equal(sign_mrz_field_at(m, i, &k, &v), SIGN_ERR_NOT_FOUND);
	sign_mrz_free(m);
	free(s);
}

static void
test_td2_specimen(void **state)
{
	static const field_want want[] = {
		{ "document_number", "D23145890" }, { "date_of_birth", "740812" },
		{ "expiry_date", "120415" }, { "nationality", "UTO" },
		{ "full_name", "ERIKSSON ANNA MARIA" }, { NULL, NULL } };
	char *s = specimen("TD2_part6");
	sign_mrz *m = NULL;

	(void)state;
	assert_int_equal(sign_mrz_parse(&m, s, strlen(s)), 0);
	assert_int_equal(sign_mrz_get_format(m), SIGN_MRZ_TD2);
	expect_fields(m, want);
	assert_int_equal(sign_mrz_verify(m), 0);
	sign_mrz_free(m);
	free(s);
}

/* The D.2 example as printed has a wrong composite digit: parsing reports
 * it, and the BAC key (which does not use it) is still derived. */
static void
test_d2_printed_composite(void **state)
{
	char *s = specimen("TD1_part11_D2_BAC_example_as_printed");
	sign_mrz *m = NULL;
	sign_mrz_key *k = NULL;

	(void)state;
	assert_int_equal(sign_mrz_parse(&m, s, strlen(s)), 0);
	assert_int_equal(sign_mrz_check(m, SIGN_MRZ_CD_COMPOSITE), SIGN_MRZ_CD_BAD);
	assert_int_equal(sign_mrz_check(m, SIGN_MRZ_CD_DOCUMENT_NUMBER), SIGN_MRZ_CD_OK);
	assert_int_equal(sign_mrz_verify(m), SIGN_ERR_MALFORMED);
	assert_string_equal(sign_error_message(), "MRZ: the composite check digit is wrong");
	assert_int_equal(sign_mrz_key_from_mrz(&k, s, strlen(s)), 0);
	assert_string_equal(key_info(k), "L898902C<369080619406236");
	sign_mrz_key_free(k);
	sign_mrz_free(m);
	free(s);
}

static void
test_extended_document_number(void **state)
{
	const char *names[2] = { "TD1_extended_document_number", "TD2_extended_document_number" };
	json_t *sp = json_object_get(vec, "specimen_MRZ");
	const char *want_info =
	    json_string_value(json_object_get(sp, "extended_document_number_MRZ_information"));
	int i;

	(void)state;
	for (i = 0; i < 2; i++) {
		char *s = specimen(names[i]);
		sign_mrz *m = NULL;
		sign_mrz_key *k = NULL;
		unsigned char seed[16];

		assert_int_equal(sign_mrz_parse(&m, s, strlen(s)), 0);
		assert_string_equal(sign_mrz_field(m, "document_number"), "D23145890734");
		assert_int_equal(sign_mrz_check(m, SIGN_MRZ_CD_DOCUMENT_NUMBER), SIGN_MRZ_CD_OK);
		assert_int_equal(sign_mrz_verify(m), 0);
		assert_int_equal(sign_mrz_key_from_mrz(&k, s, strlen(s)), 0);
		assert_string_equal(key_info(k), want_info);
		assert_int_equal(sign_bac__kseed(k, seed), 0);
		assert_hex_equal(seed, 16, json_string_value(json_object_get(sp,
		    "extended_document_number_K_seed")));
		sign_mrz_key_free(k);
		sign_mrz_free(m);
		free(s);
	}
}

typedef struct layout_case {
	const char *name;
	const char *text;
	int rc;
	const char *msg;
} layout_case;

#define TD1_L1 "I<UTOD231458907<<<<<<<<<<<<<<<"
#define TD1_L2 "7408122F1204159UTO<<<<<<<<<<<6"
#define TD1_L3 "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"

static void
test_layouts(void **state)
{
	static const layout_case cases[] = {
		{ "newlines", TD1_L1 "\n" TD1_L2 "\n" TD1_L3, 0, NULL },
		{ "CRLF and a trailing newline", TD1_L1 "\r\n" TD1_L2 "\r\n" TD1_L3 "\r\n", 0, NULL },
		{ "concatenated", TD1_L1 TD1_L2 TD1_L3, 0, NULL },
		{ "lower case", "i<utod231458907<<<<<<<<<<<<<<<\n" TD1_L2 "\n" TD1_L3,
		  SIGN_ERR_MALFORMED, "line 1 holds a character" },
		{ "short line", TD1_L1 "\n" TD1_L2 "\n" "ERIKSSON", SIGN_ERR_MALFORMED,
		  "line 3 has 8 characters, line 1 has 30" },
		{ "two TD1 lines", TD1_L1 "\n" TD1_L2, SIGN_ERR_MALFORMED, "is not TD1" },
		{ "four lines", TD1_L1 "\n" TD1_L2 "\n" TD1_L3 "\n" TD1_L3, SIGN_ERR_MALFORMED,
		  "more than 3 lines" },
		{ "89 characters", TD1_L1 TD1_L2 "ERIKSSON<<ANNA<MARIA<<<<<<<<<",
		  SIGN_ERR_MALFORMED, "89 characters" },
		{ "empty", "", SIGN_ERR_MALFORMED, "empty" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sign_mrz *m = NULL;
		int rc = sign_mrz_parse(&m, cases[i].text, strlen(cases[i].text));

		if (rc != cases[i].rc)
			fail_msg("%s: rc %d (%s)", cases[i].name, rc, sign_error_message());
		if (rc == 0) {
			assert_string_equal(sign_mrz_field(m, "document_number"), "D23145890");
			assert_string_equal(sign_mrz_field(m, "line3"), TD1_L3);
		} else {
			assert_null(m);
			if (strstr(sign_error_message(), cases[i].msg) == NULL)
				fail_msg("%s: message '%s'", cases[i].name, sign_error_message());
		}
		sign_mrz_free(m);
	}
}

static void
test_key_from_mrz_refuses_misread(void **state)
{
	/* the document number's check digit 7 misread as 1 */
	static const char bad[] = "I<UTOD231458901<<<<<<<<<<<<<<<\n" TD1_L2 "\n" TD1_L3;
	static const char bad_dob[] = TD1_L1 "\n" "7408132F1204159UTO<<<<<<<<<<<6\n" TD1_L3;
	sign_mrz_key *k = NULL;

	(void)state;
	assert_int_equal(sign_mrz_key_from_mrz(&k, bad, strlen(bad)), SIGN_ERR_MALFORMED);
	assert_null(k);
	assert_non_null(strstr(sign_error_message(), "document number check digit"));
	assert_int_equal(sign_mrz_key_from_mrz(&k, bad_dob, strlen(bad_dob)), SIGN_ERR_MALFORMED);
	assert_non_null(strstr(sign_error_message(), "date of birth check digit"));
}

typedef struct key_case {
	const char *doc, *dob, *exp;
	int rc;
	const char *info;
} key_case;

static void
test_key_new(void **state)
{
	static const key_case cases[] = {
		{ "L898902C<", "690806", "940623", 0, "L898902C<369080619406236" },
		{ "L898902C", "690806", "940623", 0, "L898902C<369080619406236" },
		{ "l898902c", "690806", "940623", 0, "L898902C<369080619406236" },
		{ "L898902C", "06/08/1969", "23/06/1994", 0, "L898902C<369080619406236" },
		{ "D23145890734", "340712", "950712", 0, "D23145890734934071279507122" },
		{ "L898902C", "691306", "940623", SIGN_ERR_MALFORMED, NULL },
		{ "L898902C", "690230", "940623", SIGN_ERR_MALFORMED, NULL },
		{ "L898902C", "6908", "940623", SIGN_ERR_MALFORMED, NULL },
		{ "L898-902C", "690806", "940623", SIGN_ERR_MALFORMED, NULL },
		{ "", "690806", "940623", SIGN_ERR_MALFORMED, NULL },
		{ "12345678901234567890123", "690806", "940623", SIGN_ERR_MALFORMED, NULL },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sign_mrz_key *k = NULL;
		int rc = sign_mrz_key_new(&k, cases[i].doc, cases[i].dob, cases[i].exp);

		if (rc != cases[i].rc)
			fail_msg("case %zu: rc %d (%s)", i, rc, sign_error_message());
		if (rc == 0) {
			assert_string_equal(key_info(k), cases[i].info);
			assert_string_equal(sign_mrz_key_origin(k), "given");
		} else {
			assert_null(k);
		}
		sign_mrz_key_free(k);
	}
	sign_mrz_key_free(NULL);
}

/* A Vietnamese TD1 MRZ as DOMAIN.md describes it. */
static void
test_vietnamese_td1(void **state)
{
	char l1[64], l2[64], text[200], tmp[16];
	sign_mrz *m = NULL;
	sign_mrz_key *k = NULL, *k2 = NULL;
	unsigned char s1[16], s2[16];

	(void)state;
	/* IDVNM + doc9 + cd + ID12 + << + cd */
	snprintf(tmp, sizeof(tmp), "089012345");
	snprintf(l1, sizeof(l1), "IDVNM%s%d001089012345<<%d", tmp,
	    sign_mrz_check_digit(tmp, 9), 8);
	snprintf(l2, sizeof(l2), "890315%dM290315%dVNM<<<<<<<<<<<", sign_mrz_check_digit("890315", 6),
	    sign_mrz_check_digit("290315", 6));
	{
		char comp[64];

		memcpy(comp, l1 + 5, 25);
		memcpy(comp + 25, l2, 7);
		memcpy(comp + 32, l2 + 8, 7);
		memcpy(comp + 39, l2 + 18, 11);
		l2[29] = (char)('0' + sign_mrz_check_digit(comp, 50));
		l2[30] = '\0';
	}
	assert_int_equal(strlen(l1), 30);
	assert_int_equal(strlen(l2), 30);
	snprintf(text, sizeof(text), "%s\n%s\nNGUYEN<<VAN<A<<<<<<<<<<<<<<<<<", l1, l2);
	assert_int_equal(sign_mrz_parse(&m, text, strlen(text)), 0);
	if (sign_mrz_verify(m) != 0)
		fail_msg("%s: %s", text, sign_error_message());
	assert_string_equal(sign_mrz_field(m, "document_number"), "089012345");
	assert_string_equal(sign_mrz_field(m, "issuing_state"), "VNM");
	assert_string_equal(sign_mrz_field(m, "document_code"), "ID");
	assert_string_equal(sign_mrz_field(m, "full_name"), "NGUYEN VAN A");
	assert_int_equal(strncmp(sign_mrz_field(m, "optional_data"), "001089012345", 12), 0);
	/* the key from the MRZ equals the one from the ID number and dates */
	assert_int_equal(sign_mrz_key_from_mrz(&k, text, strlen(text)), 0);
	assert_int_equal(sign_mrz_key_from_vn_id(&k2, "001089012345", "15/03/1989", "290315"), 0);
	assert_int_equal(sign_bac__kseed(k, s1), 0);
	assert_int_equal(sign_bac__kseed(k2, s2), 0);
	assert_memory_equal(s1, s2, 16);
	sign_mrz_key_free(k);
	sign_mrz_key_free(k2);
	sign_mrz_free(m);
}

static void
test_vn_id(void **state)
{
	unsigned int prov = 0, year = 0;
	int female = -1;
	sign_mrz_key *k = NULL;

	(void)state;
	assert_int_equal(sign_vn_id_decode("001089012345", &prov, &year, &female), 0);
	assert_int_equal(prov, 1);
	assert_int_equal(year, 1989);
	assert_int_equal(female, 0);
	assert_int_equal(sign_vn_id_decode("079305000123", &prov, &year, &female), 0);
	assert_int_equal(prov, 79);
	assert_int_equal(year, 2005);
	assert_int_equal(female, 1);
	assert_int_equal(sign_vn_id_decode("036503000001", NULL, &year, &female), 0);
	assert_int_equal(year, 2103);
	assert_int_equal(female, 1);
	assert_int_equal(sign_vn_id_decode("00108901234", NULL, NULL, NULL), SIGN_ERR_MALFORMED);
	assert_int_equal(sign_vn_id_decode("00108901234X", NULL, NULL, NULL), SIGN_ERR_MALFORMED);

	assert_int_equal(sign_vn_id_check("001089012345", "15/03/1989", "Nam"), 0);
	assert_int_equal(sign_vn_id_check("001089012345", "890315", "M"), 0);
	assert_int_equal(sign_vn_id_check("079305000123", "01/01/2005", "N\xE1\xBB\xAF"), 0);
	assert_int_equal(sign_vn_id_check("001089012345", "15/03/1990", NULL), SIGN_ERR_MALFORMED);
	assert_non_null(strstr(sign_error_message(), "birth year 1989"));
	assert_int_equal(sign_vn_id_check("001189012345", "15/03/2089", NULL), SIGN_ERR_MALFORMED);
	assert_int_equal(sign_vn_id_check("001089012345", NULL, "N\xE1\xBB\xAF"), SIGN_ERR_MALFORMED);
	assert_non_null(strstr(sign_error_message(), "male"));
	assert_int_equal(sign_vn_id_check("001089012345", NULL, "X"), SIGN_ERR_MALFORMED);
	assert_int_equal(sign_vn_id_check("000089012345", NULL, NULL), SIGN_ERR_MALFORMED);
	assert_non_null(strstr(sign_error_message(), "province"));

	/* the key: the last 9 digits are the document number */
	assert_int_equal(sign_mrz_key_from_vn_id(&k, "001089012345", "890315", "15/03/2029"), 0);
	assert_string_equal(key_info(k), "089012345689031522903150");
	sign_mrz_key_free(k);
	k = NULL;
	/* DG13's "Không thời hạn" means no expiry: 991231 */
	assert_int_equal(sign_mrz_key_from_vn_id(&k, "001050012345", "01/01/1950",
	    "Kh\xC3\xB4ng th\xE1\xBB\x9Di h\xE1\xBA\xA1n"), 0);
	assert_string_equal(key_info(k) + 10, "500101" "3" "991231" "5");
	sign_mrz_key_free(k);
	k = NULL;
	assert_int_equal(sign_mrz_key_from_vn_id(&k, "001089012345", "15/03/1991", "290315"),
	    SIGN_ERR_MALFORMED);
	assert_null(k);
}

typedef struct cand_case {
	const char *name, *id, *dob, *issue, *expiry;
	size_t n;
	const char *exp[6];
	const char *origin[6];
} cand_case;

static void
test_expiry_candidates(void **state)
{
	static const cand_case cases[] = {
		{ "2021 card at 32", "001089012345", "15/03/1989", "10/05/2021", NULL, 3,
		  { "290315", "490315", "991231" }, { "age 40", "age 60", "no expiry" } },
		{ "YYMMDD birth and issue", "001089012345", "890315", "210510", NULL, 3,
		  { "290315", "490315", "991231" }, { "age 40", "age 60", "no expiry" } },
		{ "issued within two years of 25", "001200012345", "20/08/2000", "01/01/2024", NULL,
		  4, { "250820", "400820", "600820", "991231" },
		  { "age 25", "age 40", "age 60", "no expiry" } },
		{ "2024 card for a child", "001215012345", "01/02/2015", "15/08/2024", NULL, 5,
		  { "290201", "400201", "550201", "750201", "991231" },
		  { "age 14", "age 25", "age 40", "age 60", "no expiry" } },
		{ "2021 card for a 14-year-old: no age 14", "001207012345", "01/02/2007",
		  "01/03/2021", NULL, 4, { "320201", "470201", "670201", "991231" },
		  { "age 25", "age 40", "age 60", "no expiry" } },
		{ "over 60", "001050012345", "01/01/1950", "01/06/2021", NULL, 1, { "991231" },
		  { "no expiry" } },
		{ "no issue date", "001089012345", "15/03/1989", NULL, NULL, 3,
		  { "290315", "490315", "991231" }, { "age 40", "age 60", "no expiry" } },
		{ "29 February", "001200012345", "29/02/2000", "01/06/2022", NULL, 5,
		  { "250228", "250301", "400229", "600229", "991231" },
		  { "age 25", "age 25", "age 40", "age 60", "no expiry" } },
		{ "expiry given", "001089012345", "15/03/1989", "10/05/2021", "15/03/2029", 1,
		  { "290315" }, { "given" } },
	};
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const cand_case *c = &cases[i];
		sign_mrz_keys *ks = NULL;
		int rc = sign_mrz_keys_vn(&ks, c->id, c->dob, c->issue, c->expiry);

		if (rc != 0)
			fail_msg("%s: rc %d (%s)", c->name, rc, sign_error_message());
		if (sign_mrz_keys_count(ks) != c->n)
			fail_msg("%s: %zu candidates, want %zu", c->name, sign_mrz_keys_count(ks),
			    c->n);
		for (j = 0; j < c->n; j++) {
			const sign_mrz_key *k = sign_mrz_keys_get(ks, j);
			const char *info = key_info(k);

			assert_memory_equal(info, c->id + 3, 9);
			if (strncmp(info + 17, c->exp[j], 6) != 0)
				fail_msg("%s: candidate %zu is %.6s, want %s", c->name, j, info + 17,
				    c->exp[j]);
			assert_string_equal(sign_mrz_key_origin(k), c->origin[j]);
		}
		assert_null(sign_mrz_keys_get(ks, c->n));
		sign_mrz_keys_free(ks);
	}
}

static void
test_expiry_candidates_refused(void **state)
{
	sign_mrz_keys *ks = NULL;

	(void)state;
	assert_int_equal(sign_mrz_keys_vn(&ks, "001089012345", "15/03/1990", NULL, NULL),
	    SIGN_ERR_MALFORMED);
	assert_int_equal(sign_mrz_keys_vn(&ks, "001089012345", "15/13/1989", NULL, NULL),
	    SIGN_ERR_MALFORMED);
	assert_int_equal(sign_mrz_keys_vn(&ks, "001089012345", "15/03/1989", "yesterday", NULL),
	    SIGN_ERR_MALFORMED);
	assert_null(ks);
	sign_mrz_keys_free(NULL);
	assert_int_equal(sign_mrz_keys_count(NULL), 0);
}

#define QR_NAME "Nguy\xE1\xBB\x85n V\xC4\x83n A"
#define QR_ADDR "S\xE1\xBB\x91 1, H\xC3\xA0 N\xE1\xBB\x99i"

static void
test_qr(void **state)
{
	static const char qr7[] = "001089012345|123456789|" QR_NAME "|15031989|Nam|" QR_ADDR
	    "|10052021\n";
	static const char qr7_empty[] = "001089012345||" QR_NAME "|15031989|Nam|" QR_ADDR
	    "|10052021";
	static const char qr6[] = "001089012345|" QR_NAME "|15031989|Nam|" QR_ADDR "|10052021";
	sign_vn_qr *qr = NULL;
	sign_mrz_keys *ks = NULL;

	(void)state;
	assert_int_equal(sign_vn_qr_parse(&qr, qr7, strlen(qr7)), 0);
	assert_string_equal(sign_vn_qr_field(qr, "id_number"), "001089012345");
	assert_string_equal(sign_vn_qr_field(qr, "old_id_number"), "123456789");
	assert_string_equal(sign_vn_qr_field(qr, "full_name"), QR_NAME);
	assert_string_equal(sign_vn_qr_field(qr, "date_of_birth"), "15031989");
	assert_string_equal(sign_vn_qr_field(qr, "sex"), "Nam");
	assert_string_equal(sign_vn_qr_field(qr, "place_of_residence"), QR_ADDR);
	assert_string_equal(sign_vn_qr_field(qr, "issue_date"), "10052021");
	assert_null(sign_vn_qr_field(qr, "religion"));
	sign_vn_qr_free(qr);
	qr = NULL;
	assert_int_equal(sign_vn_qr_parse(&qr, qr7_empty, strlen(qr7_empty)), 0);
	assert_string_equal(sign_vn_qr_field(qr, "old_id_number"), "");
	sign_vn_qr_free(qr);
	qr = NULL;
	assert_int_equal(sign_vn_qr_parse(&qr, qr6, strlen(qr6)), 0);
	assert_string_equal(sign_vn_qr_field(qr, "old_id_number"), "");
	assert_string_equal(sign_vn_qr_field(qr, "full_name"), QR_NAME);
	assert_string_equal(sign_vn_qr_field(qr, "issue_date"), "10052021");
	sign_vn_qr_free(qr);

	/* the key candidates of the QR are those of its ID, DOB and issue date */
	assert_int_equal(sign_mrz_keys_from_qr(&ks, qr7, strlen(qr7)), 0);
	assert_int_equal(sign_mrz_keys_count(ks), 3);
	assert_string_equal(key_info(sign_mrz_keys_get(ks, 0)), "089012345689031522903150");
	assert_string_equal(sign_mrz_key_origin(sign_mrz_keys_get(ks, 0)), "age 40");
	sign_mrz_keys_free(ks);
}

static void
test_qr_refused(void **state)
{
	static const struct {
		const char *text, *msg;
	} cases[] = {
		{ "001089012345|123456789|A|15031989|Nam", "5 '|'-separated fields" },
		{ "001089012345|123456789|A|15031989|Nam|B|10052021|x", "more than 7" },
		{ "00108901234|123456789|A|15031989|Nam|B|10052021", "12-digit ID" },
		{ "001089012345|12345678|A|15031989|Nam|B|10052021", "old ID" },
		{ "001089012345|123456789|A|32031989|Nam|B|10052021", "date of birth" },
		{ "001089012345|123456789|A|15031989|Nam|B|2021", "issue date" },
		{ "001089012345|123456789|\xC3\x28|15031989|Nam|B|10052021", "UTF-8" },
		{ "", "empty" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sign_vn_qr *qr = NULL;

		assert_int_equal(sign_vn_qr_parse(&qr, cases[i].text, strlen(cases[i].text)),
		    SIGN_ERR_MALFORMED);
		assert_null(qr);
		if (strstr(sign_error_message(), cases[i].msg) == NULL)
			fail_msg("case %zu: message '%s'", i, sign_error_message());
		assert_int_equal(strncmp(sign_error_message(), "QR: ", 4), 0);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_digits),
		cmocka_unit_test(test_td3_specimen),
		cmocka_unit_test(test_td1_specimen),
		cmocka_unit_test(test_td2_specimen),
		cmocka_unit_test(test_d2_printed_composite),
		cmocka_unit_test(test_extended_document_number),
		cmocka_unit_test(test_layouts),
		cmocka_unit_test(test_key_from_mrz_refuses_misread),
		cmocka_unit_test(test_key_new),
		cmocka_unit_test(test_vietnamese_td1),
		cmocka_unit_test(test_vn_id),
		cmocka_unit_test(test_expiry_candidates),
		cmocka_unit_test(test_expiry_candidates_refused),
		cmocka_unit_test(test_qr),
		cmocka_unit_test(test_qr_refused),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
