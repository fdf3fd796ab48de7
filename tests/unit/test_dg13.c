/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* DG13, the Vietnamese profile, on synthetic files built here. */
#include "config.h"
#include "icao_util.h"
#include "internal.h"
#include "mrtd_priv.h"
#include "tlv.h"

/* UTF-8 test strings with Vietnamese diacritics. */
#define NAME "Nguy\xE1\xBB\x85n Th\xE1\xBB\x8B Hoa"                 /* Nguyễn Thị Hoa */
#define FATHER "Nguy\xE1\xBB\x85n V\xC4\x83n B\xC3\xACnh"           /* Nguyễn Văn Bình */
#define MOTHER "Tr\xE1\xBA\xA7n Th\xE1\xBB\x8B Mai"                 /* Trần Thị Mai */
#define FEMALE "N\xE1\xBB\xAF"                                      /* Nữ */
#define VIETNAM "Vi\xE1\xBB\x87t Nam"                               /* Việt Nam */
#define NONE "Kh\xC3\xB4ng"                                         /* Không */
#define ORIGIN "X\xC3\xA3 \xC4\x90\xC3\xB4ng Ph\xC6\xB0\xC6\xA1ng, Huy\xE1\xBB\x87n Ki\xE1\xBA\xBFn X\xC6\xB0\xC6\xA1ng, Th\xC3\xA1i B\xC3\xACnh"

static char residence[400];

/* A place of residence of more than 255 bytes (long-form length 82). */
static void
make_residence(void)
{
	size_t n = 0;

	while (n < 300) {
		static const char part[] = "S\xE1\xBB\x91 12, Ng\xC3\xB5 34, \xC4\x90\xC6\xB0\xE1\xBB\x9Dng L\xC3\xA1ng, ";

		memcpy(residence + n, part, sizeof(part) - 1);
		n += sizeof(part) - 1;
	}
	memcpy(residence + n, "H\xC3\xA0 N\xE1\xBB\x99i", 8);
	residence[n + 8] = '\0';
}

/* Append SEQUENCE { INTEGER n, <tag> str } to b. */
static void
field(sign_buf *b, int n, unsigned int tag, const char *str)
{
	sign_buf f = SIGN_BUF_INIT;
	unsigned char nb = (unsigned char)n;

	assert_int_equal(sign_tlv__append(&f, 0x02, &nb, 1), 0);
	if (str != NULL)
		assert_int_equal(sign_tlv__append(&f, tag, str, strlen(str)), 0);
	assert_int_equal(sign_tlv__wrap(&f, 0x30), 0);
	assert_int_equal(sign_tlv__append_raw(b, f.data, f.len), 0);
	sign_buf_dispose(&f);
}

/* Field 13: SEQUENCE { INTEGER 13, SEQUENCE { father }, SEQUENCE { mother } } */
static void
parents(sign_buf *b, const char *father, const char *mother)
{
	sign_buf f = SIGN_BUF_INIT, p = SIGN_BUF_INIT;

	assert_int_equal(sign_tlv__append(&f, 0x02, "\x0D", 1), 0);
	assert_int_equal(sign_tlv__append(&p, 0x0C, father, strlen(father)), 0);
	assert_int_equal(sign_tlv__wrap(&p, 0x30), 0);
	assert_int_equal(sign_tlv__append_raw(&f, p.data, p.len), 0);
	sign_buf_dispose(&p);
	assert_int_equal(sign_tlv__append(&p, 0x0C, mother, strlen(mother)), 0);
	assert_int_equal(sign_tlv__wrap(&p, 0x30), 0);
	assert_int_equal(sign_tlv__append_raw(&f, p.data, p.len), 0);
	sign_buf_dispose(&p);
	assert_int_equal(sign_tlv__wrap(&f, 0x30), 0);
	assert_int_equal(sign_tlv__append_raw(b, f.data, f.len), 0);
	sign_buf_dispose(&f);
}

/* The fields 1..16 (15 = old ID, 16 = a 16-character serial). */
static void
all_fields(sign_buf *b, const char *f15, const char *f16)
{
	field(b, 1, 0x13, "001189012345");
	field(b, 2, 0x0C, NAME);
	field(b, 3, 0x13, "15/03/1989");
	field(b, 4, 0x0C, FEMALE);
	field(b, 5, 0x0C, VIETNAM);
	field(b, 6, 0x0C, "Kinh");
	field(b, 7, 0x0C, NONE);
	field(b, 8, 0x0C, ORIGIN);
	field(b, 9, 0x0C, residence);
	field(b, 10, 0x0C, "N\xE1\xBB\x91t ru\xE1\xBB\x93i c\xC3\xA1" "ch 2cm tr\xC3\xAA" "n m\xC3\xA9p ph\xE1\xBA\xA3i");
	field(b, 11, 0x13, "10/05/2021");
	field(b, 12, 0x0C, "15/03/2029");
	parents(b, FATHER, MOTHER);
	field(b, 14, 0x0C, "");
	if (f15 != NULL)
		field(b, 15, 0x13, f15);
	if (f16 != NULL)
		field(b, 16, 0x13, f16);
}

typedef enum {
	WRAP_NONE,        /* 6D { fields } */
	WRAP_VERSION_OID, /* 6D { 02 01 01, 06 .., 30 { fields } } */
	WRAP_NESTED,      /* 6D { 30 { 02 01 00, 31 { 30 { fields } } } } */
	WRAP_OCTETS       /* 6D { 04 <16 unknown bytes>, 30 { fields } } */
} wrap_kind;

static void
wrap(sign_buf *fields, wrap_kind k, sign_buf *out)
{
	static const unsigned char oid[] = { 0x06, 0x06, 0x2B, 0x06, 0x01, 0x04, 0x01, 0x02 };
	static const unsigned char junk[16] = { 0x30, 0x02, 0x01, 0x0D, 0x0C, 0x80, 0xFF, 0x00,
		0x6D, 0x82, 0x01, 0x00, 0x02, 0x01, 0x01, 0x00 };

	memset(out, 0, sizeof(*out));
	switch (k) {
	case WRAP_NONE:
		assert_int_equal(sign_tlv__append_raw(out, fields->data, fields->len), 0);
		break;
	case WRAP_VERSION_OID:
		assert_int_equal(sign_tlv__append(out, 0x02, "\x01", 1), 0);
		assert_int_equal(sign_tlv__append_raw(out, oid, sizeof(oid)), 0);
		assert_int_equal(sign_tlv__append(out, 0x30, fields->data, fields->len), 0);
		break;
	case WRAP_NESTED: {
		sign_buf in = SIGN_BUF_INIT;

		assert_int_equal(sign_tlv__append(&in, 0x02, "\x00", 1), 0);
		assert_int_equal(sign_tlv__append(&in, 0x31, fields->data, fields->len), 0);
		assert_int_equal(sign_tlv__append(out, 0x30, in.data, in.len), 0);
		sign_buf_dispose(&in);
		break;
	}
	case WRAP_OCTETS:
		/* bytes that look like fields, hidden inside an OCTET STRING */
		assert_int_equal(sign_tlv__append(out, 0x04, junk, sizeof(junk)), 0);
		assert_int_equal(sign_tlv__append(out, 0x30, fields->data, fields->len), 0);
		break;
	}
	assert_int_equal(sign_tlv__wrap(out, 0x6D), 0);
}

static sign_dg13 *
parse_ok(const sign_buf *b)
{
	sign_dg13 *d = NULL;
	int rc = sign_dg13_parse(&d, b->data, b->len);

	if (rc != 0)
		fail_msg("parse: %d %s", rc, sign_error_message());
	return d;
}

static void
expect(const sign_dg13 *d, const char *key, const char *value)
{
	const char *v = sign_dg13_get(d, key);

	if (v == NULL || strcmp(v, value) != 0)
		fail_msg("%s: got '%s', want '%s'", key, v ? v : "(null)", value);
}

static void
test_full_profile_all_wrappers(void **state)
{
	static const wrap_kind kinds[] = { WRAP_NONE, WRAP_VERSION_OID, WRAP_NESTED, WRAP_OCTETS };
	size_t i;

	(void)state;
	make_residence();
	assert_true(strlen(residence) > 255);
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		sign_buf f = SIGN_BUF_INIT, b = SIGN_BUF_INIT;
		sign_dg13 *d;
		sign_tlv top;

		all_fields(&f, "123456789", "ABCDEF0123456789");
		wrap(&f, kinds[i], &b);
		/* the outer length is long-form */
		assert_int_equal(sign_tlv__read_one(&top, b.data, b.len, 0, "X"), 0);
		assert_int_equal(b.data[1], 0x82);
		d = parse_ok(&b);
		expect(d, "id_number", "001189012345");
		expect(d, "full_name", NAME);
		expect(d, "date_of_birth", "15/03/1989");
		expect(d, "sex", FEMALE);
		expect(d, "nationality", VIETNAM);
		expect(d, "ethnicity", "Kinh");
		expect(d, "religion", NONE);
		expect(d, "place_of_origin", ORIGIN);
		expect(d, "place_of_residence", residence);
		expect(d, "identifying_marks", "N\xE1\xBB\x91t ru\xE1\xBB\x93i c\xC3\xA1" "ch 2cm tr\xC3\xAA" "n m\xC3\xA9p ph\xE1\xBA\xA3i");
		expect(d, "issue_date", "10/05/2021");
		expect(d, "expiry_date", "15/03/2029");
		expect(d, "father_name", FATHER);
		expect(d, "mother_name", MOTHER);
		expect(d, "spouse_name", "");
		expect(d, "old_id_number", "123456789");
		expect(d, "card_serial", "ABCDEF0123456789");
		assert_int_equal(sign_dg13_count(d), 17);
		assert_null(sign_dg13_get(d, "unknown_15"));
		assert_null(sign_dg13_get(d, "no_such_key"));
		sign_dg13_free(d);
		sign_buf_dispose(&f);
		sign_buf_dispose(&b);
	}
}

static void
test_iterator_order(void **state)
{
	static const char *keys[] = { "id_number", "full_name", "date_of_birth", "sex",
		"nationality", "ethnicity", "religion", "place_of_origin", "place_of_residence",
		"identifying_marks", "issue_date", "expiry_date", "father_name", "mother_name",
		"spouse_name", "old_id_number", "card_serial" };
	static const int numbers[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 13, 14, 15, 16 };
	sign_buf f = SIGN_BUF_INIT, b = SIGN_BUF_INIT;
	sign_dg13 *d;
	const char *k, *v;
	int num;
	size_t i;

	(void)state;
	make_residence();
	all_fields(&f, "123456789", "ABCDEF0123456789");
	wrap(&f, WRAP_NONE, &b);
	d = parse_ok(&b);
	for (i = 0; sign_dg13_field_at(d, i, &k, &v, &num) == 0; i++) {
		assert_true(i < 17);
		assert_string_equal(k, keys[i]);
		assert_int_equal(num, numbers[i]);
		assert_ptr_equal(sign_dg13_get(d, k), v);
	}
	assert_int_equal(i, 17);
	assert_int_equal(sign_dg13_field_at(d, 17, &k, &v, NULL), SIGN_ERR_NOT_FOUND);
	sign_dg13_free(d);
	sign_dg13_free(NULL);
	sign_buf_dispose(&f);
	sign_buf_dispose(&b);
}

typedef struct id_case {
	const char *name;
	const char *f15, *f16;
	const char *old_id, *serial, *unknown15;
} id_case;

/* The old 9-digit ID is recognised by content, as field 15 or 16. */
static void
test_old_id_by_content(void **state)
{
	static const id_case cases[] = {
		{ "old ID in 15, serial in 16", "123456789", "ABCDEF0123456789", "123456789",
		  "ABCDEF0123456789", NULL },
		{ "old ID in 16, no 15", NULL, "123456789", "123456789", NULL, NULL },
		{ "old ID in 16, 15 empty", "", "123456789", "123456789", NULL, "" },
		{ "no old ID, 15 empty", "", "ABCDEF0123456789", "", "ABCDEF0123456789", NULL },
		{ "15 not an ID", "12345678X", NULL, NULL, NULL, "12345678X" },
		{ "15 ten digits", "1234567890", "987654321", "987654321", NULL, "1234567890" },
		{ "neither", NULL, NULL, NULL, NULL, NULL },
	};
	size_t i;

	(void)state;
	make_residence();
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const id_case *c = &cases[i];
		sign_buf f = SIGN_BUF_INIT, b = SIGN_BUF_INIT;
		sign_dg13 *d;
		const char *v;

		all_fields(&f, c->f15, c->f16);
		wrap(&f, WRAP_NONE, &b);
		d = parse_ok(&b);
		v = sign_dg13_get(d, "old_id_number");
		if ((c->old_id == NULL) != (v == NULL) || (v != NULL && strcmp(v, c->old_id) != 0))
			fail_msg("%s: old_id_number '%s'", c->name, v ? v : "(null)");
		v = sign_dg13_get(d, "card_serial");
		if ((c->serial == NULL) != (v == NULL) || (v != NULL && strcmp(v, c->serial) != 0))
			fail_msg("%s: card_serial '%s'", c->name, v ? v : "(null)");
		v = sign_dg13_get(d, "unknown_15");
		if ((c->unknown15 == NULL) != (v == NULL) ||
		    (v != NULL && strcmp(v, c->unknown15) != 0))
			fail_msg("%s: unknown_15 '%s'", c->name, v ? v : "(null)");
		sign_dg13_free(d);
		sign_buf_dispose(&f);
		sign_buf_dispose(&b);
	}
}

static void
test_unknown_and_partial_fields(void **state)
{
	sign_buf f = SIGN_BUF_INIT, b = SIGN_BUF_INIT;
	sign_dg13 *d;
	const char *k, *v;
	int num;

	(void)state;
	field(&f, 1, 0x13, "001189012345");
	field(&f, 20, 0x0C, "m\xE1\xBB\x9Bi");          /* an unknown field */
	field(&f, 14, 0x0C, NULL);                       /* spouse without a string */
	{
		/* an unknown field with two strings: kept, one per line */
		sign_buf u = SIGN_BUF_INIT;

		assert_int_equal(sign_tlv__append(&u, 0x02, "\x21", 1), 0);
		assert_int_equal(sign_tlv__append(&u, 0x0C, "a", 1), 0);
		assert_int_equal(sign_tlv__append(&u, 0x13, "b", 1), 0);
		assert_int_equal(sign_tlv__wrap(&u, 0x30), 0);
		assert_int_equal(sign_tlv__append_raw(&f, u.data, u.len), 0);
		sign_buf_dispose(&u);
	}
	wrap(&f, WRAP_VERSION_OID, &b);
	d = parse_ok(&b);
	assert_int_equal(sign_dg13_count(d), 4);
	expect(d, "unknown_20", "m\xE1\xBB\x9Bi");
	expect(d, "spouse_name", "");
	expect(d, "unknown_33", "a\nb");
	assert_int_equal(sign_dg13_field_at(d, 1, &k, &v, &num), 0);
	assert_string_equal(k, "unknown_20");
	assert_int_equal(num, 20);
	assert_null(sign_dg13_get(d, "full_name"));
	sign_dg13_free(d);
	sign_buf_dispose(&f);
	sign_buf_dispose(&b);
}

typedef struct bad_case {
	const char *name;
	int rc;
	const char *msg;
} bad_case;

static void
expect_bad(const sign_buf *b, int rc, const char *msg, const char *name)
{
	sign_dg13 *d = NULL;
	int got = sign_dg13_parse(&d, b->data, b->len);

	if (got != rc)
		fail_msg("%s: rc %d, want %d (%s)", name, got, rc, sign_error_message());
	assert_null(d);
	if (strstr(sign_error_message(), msg) == NULL)
		fail_msg("%s: message '%s' lacks '%s'", name, sign_error_message(), msg);
	if (strncmp(sign_error_message(), "DG13: ", 6) != 0)
		fail_msg("%s: message '%s' does not name DG13", name, sign_error_message());
}

static void
test_rejected(void **state)
{
	sign_buf f = SIGN_BUF_INIT, b = SIGN_BUF_INIT;
	size_t cut;

	(void)state;
	make_residence();
	all_fields(&f, "123456789", "ABCDEF0123456789");
	wrap(&f, WRAP_VERSION_OID, &b);

	/* trailing garbage after the outer TLV */
	assert_int_equal(sign_tlv__append_raw(&b, "\x00", 1), 0);
	expect_bad(&b, SIGN_ERR_MALFORMED, "1 bytes of trailing data", "trailing byte");
	b.len--;
	assert_int_equal(sign_tlv__append_raw(&b, "\x30\x00", 2), 0);
	expect_bad(&b, SIGN_ERR_MALFORMED, "trailing data", "trailing element");
	b.len -= 2;
	/* truncated at every length */
	for (cut = 0; cut < b.len; cut++) {
		sign_buf t = { b.data, cut };
		sign_dg13 *d = NULL;

		if (sign_dg13_parse(&d, t.data, t.len) != SIGN_ERR_MALFORMED)
			fail_msg("truncated to %zu bytes: accepted", cut);
		assert_null(d);
	}
	sign_buf_dispose(&b);
	sign_buf_dispose(&f);

	/* invalid UTF-8: a lone continuation byte, an overlong form, a NUL */
	{
		static const char *bad[] = { "Nguy\x85n", "\xC0\xAF", "ab\xE1\xBB", "a\0b" };
		size_t i;

		for (i = 0; i < 4; i++) {
			sign_buf u = SIGN_BUF_INIT;

			field(&f, 1, 0x13, "001189012345");
			if (i < 3) {
				field(&f, 2, 0x0C, bad[i]);
			} else {
				assert_int_equal(sign_tlv__append_raw(&u, "\x30\x06\x02\x01\x02\x0C\x01\x00",
				    8), 0);
				assert_int_equal(sign_tlv__append_raw(&f, u.data, u.len), 0);
			}
			wrap(&f, WRAP_NONE, &b);
			expect_bad(&b, SIGN_ERR_MALFORMED, "field 2 is not valid UTF-8", "bad UTF-8");
			sign_buf_dispose(&u);
			sign_buf_dispose(&b);
			sign_buf_dispose(&f);
		}
	}

	/* a field twice */
	field(&f, 1, 0x13, "001189012345");
	field(&f, 1, 0x13, "001189099999");
	wrap(&f, WRAP_NONE, &b);
	expect_bad(&b, SIGN_ERR_MALFORMED, "field 1 appears twice", "duplicate");
	sign_buf_dispose(&b);
	sign_buf_dispose(&f);

	/* a known field with two strings */
	assert_int_equal(sign_tlv__append_raw(&f, "\x30\x09\x02\x01\x02\x0C\x01\x41\x0C\x01\x42", 11),
	    0);
	wrap(&f, WRAP_NONE, &b);
	expect_bad(&b, SIGN_ERR_MALFORMED, "field 2 holds 2 strings", "two strings");
	sign_buf_dispose(&b);
	sign_buf_dispose(&f);

	/* three parents */
	assert_int_equal(sign_tlv__append_raw(&f,
	    "\x30\x0C\x02\x01\x0D\x0C\x01\x41\x0C\x01\x42\x0C\x01\x43", 14), 0);
	wrap(&f, WRAP_NONE, &b);
	expect_bad(&b, SIGN_ERR_MALFORMED, "field 13 (parents) holds 3", "three parents");
	sign_buf_dispose(&b);
	sign_buf_dispose(&f);

	/* no fields at all: only a wrapper */
	assert_int_equal(sign_tlv__append_raw(&f, "\x02\x01\x01\x30\x03\x02\x01\x00", 8), 0);
	wrap(&f, WRAP_NONE, &b);
	expect_bad(&b, SIGN_ERR_MALFORMED, "no SEQUENCE", "no fields");
	sign_buf_dispose(&b);
	sign_buf_dispose(&f);

	/* the wrong outer tag; a field whose length overruns its parent */
	field(&f, 1, 0x13, "001189012345");
	assert_int_equal(sign_tlv__append_raw(&b, "\x6E\x00", 2), 0);
	expect_bad(&b, SIGN_ERR_MALFORMED, "expected 6D", "wrong tag");
	sign_buf_dispose(&b);
	wrap(&f, WRAP_NONE, &b);
	b.data[3] = 0x7F; /* the SEQUENCE's length */
	expect_bad(&b, SIGN_ERR_MALFORMED, "remain", "overrun");
	sign_buf_dispose(&b);
	sign_buf_dispose(&f);

	/* a wrapper nested deeper than the bound */
	{
		int i;

		field(&f, 1, 0x13, "001189012345");
		for (i = 0; i < 12; i++)
			assert_int_equal(sign_tlv__wrap(&f, 0xA0), 0);
		wrap(&f, WRAP_NONE, &b);
		expect_bad(&b, SIGN_ERR_MALFORMED, "deeper", "deep wrapper");
		sign_buf_dispose(&b);
		sign_buf_dispose(&f);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_profile_all_wrappers),
		cmocka_unit_test(test_iterator_order),
		cmocka_unit_test(test_old_id_by_content),
		cmocka_unit_test(test_unknown_and_partial_fields),
		cmocka_unit_test(test_rejected),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
