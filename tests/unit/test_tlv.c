/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* BER-TLV reader and writer. */
#include "config.h"
#include "icao_util.h"
#include "internal.h"
#include "tlv.h"

typedef struct read_case {
	const char *name;
	const char *hex;
	unsigned int flags;
	int want_rc;              /* 0 or the error */
	unsigned int tag;
	size_t tag_len, len, raw_len;
	int constructed;
	const char *msg;          /* substring of the error message */
} read_case;

static const read_case read_cases[] = {
	{ "short form", "0403010203", 0, 0, 0x04, 1, 3, 5, 0, NULL },
	{ "empty value", "0400", 0, 0, 0x04, 1, 0, 2, 0, NULL },
	{ "81 form", "048101AA", 0, 0, 0x04, 1, 1, 4, 0, NULL },
	{ "82 form (non-minimal allowed in BER)", "04820002AABB", 0, 0, 0x04, 1, 2, 6, 0, NULL },
	{ "83 form", "0483000001AA", 0, 0, 0x04, 1, 1, 6, 0, NULL },
	{ "84 form", "048400000001AA", 0, 0, 0x04, 1, 1, 7, 0, NULL },
	{ "85 form refused", "04850000000001AA", 0, SIGN_ERR_MALFORMED, 0, 0, 0, 0, 0,
	  "at most 4" },
	{ "two-byte tag 5F1F", "5F1F0141", 0, 0, 0x5F1F, 2, 1, 4, 0, NULL },
	{ "constructed 7F61", "7F6103020101", 0, 0, 0x7F61, 2, 3, 6, 1, NULL },
	{ "three-byte tag", "BF8101020101", 0, 0, 0xBF8101, 3, 2, 6, 1, NULL },
	{ "five-byte tag refused", "5F8181818101AA", 0, SIGN_ERR_MALFORMED, 0, 0, 0, 0, 0,
	  "longer than 4" },
	{ "truncated multi-byte tag", "5F", 0, SIGN_ERR_MALFORMED, 0, 0, 0, 0, 0,
	  "multi-byte tag" },
	{ "missing length", "04", 0, SIGN_ERR_MALFORMED, 0, 0, 0, 0, 0, "length is missing" },
	{ "truncated length field", "048201", 0, SIGN_ERR_MALFORMED, 0, 0, 0, 0, 0,
	  "inside a length" },
	{ "length beyond the buffer", "0405010203", 0, SIGN_ERR_MALFORMED, 0, 0, 0, 0, 0,
	  "claims 5 bytes but only 3 remain" },
	{ "long length beyond the buffer", "0482FFFF01", 0, SIGN_ERR_MALFORMED, 0, 0, 0, 0, 0,
	  "claims 65535" },
	{ "absurd length", "04847FFFFFFF", 0, SIGN_ERR_TOO_LARGE, 0, 0, 0, 0, 0, "bound" },
	{ "empty input", "", 0, SIGN_ERR_MALFORMED, 0, 0, 0, 0, 0, "tag is missing" },
	{ "end-of-contents at top", "0000", 0, SIGN_ERR_MALFORMED, 0, 0, 0, 0, 0,
	  "end-of-contents" },
	{ "indefinite refused without the flag", "3080020105" "0000", 0, SIGN_ERR_MALFORMED,
	  0, 0, 0, 0, 0, "indefinite length" },
	{ "indefinite accepted with the flag", "3080020105" "0000", SIGN_TLV_INDEFINITE, 0,
	  0x30, 1, 3, 7, 1, NULL },
	{ "nested indefinite", "30803080020101" "0000" "0000", SIGN_TLV_INDEFINITE, 0, 0x30, 1,
	  7, 11, 1, NULL },
	{ "indefinite with a definite child", "3080" "3003020101" "0000", SIGN_TLV_INDEFINITE,
	  0, 0x30, 1, 5, 9, 1, NULL },
	{ "indefinite without end-of-contents", "3080020105", SIGN_TLV_INDEFINITE,
	  SIGN_ERR_MALFORMED, 0, 0, 0, 0, 0, "end-of-contents" },
	{ "indefinite on a primitive", "0480AA0000", SIGN_TLV_INDEFINITE, SIGN_ERR_MALFORMED,
	  0, 0, 0, 0, 0, "primitive" },
	{ "indefinite child overruns", "3080" "0405AA" "0000", SIGN_TLV_INDEFINITE,
	  SIGN_ERR_MALFORMED, 0, 0, 0, 0, 0, "remain" },
};

static void
test_read_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(read_cases) / sizeof(read_cases[0]); i++) {
		const read_case *c = &read_cases[i];
		size_t n, used = 0;
		unsigned char *b = unhex(c->hex, &n);
		sign_tlv t;
		int rc;

		rc = sign_tlv__read(&t, b, n, c->flags, &used, "TEST");
		if (rc != c->want_rc)
			fail_msg("%s: rc %d, want %d (%s)", c->name, rc, c->want_rc,
			    sign_error_message());
		if (rc == 0) {
			assert_int_equal(t.tag, c->tag);
			assert_int_equal(t.tag_len, c->tag_len);
			assert_int_equal(t.len, c->len);
			assert_int_equal(t.raw_len, c->raw_len);
			assert_int_equal(used, c->raw_len);
			assert_int_equal(t.constructed, c->constructed);
			assert_ptr_equal(t.raw, b);
		} else {
			if (strstr(sign_error_message(), c->msg) == NULL)
				fail_msg("%s: message '%s' lacks '%s'", c->name,
				    sign_error_message(), c->msg);
			if (strncmp(sign_error_message(), "TEST: ", 6) != 0)
				fail_msg("%s: message '%s' does not name the file", c->name,
				    sign_error_message());
		}
		free(b);
	}
}

static void
test_read_one_trailing(void **state)
{
	size_t n;
	unsigned char *b = unhex("040101" "FF", &n);
	sign_tlv t;

	(void)state;
	assert_int_equal(sign_tlv__read(&t, b, n, 0, NULL, "X"), 0);
	assert_int_equal(sign_tlv__read_one(&t, b, n, 0, "X"), SIGN_ERR_MALFORMED);
	assert_non_null(strstr(sign_error_message(), "1 bytes of trailing data"));
	assert_int_equal(sign_tlv__read_one(&t, b, n - 1, 0, "X"), 0);
	assert_int_equal(sign_tlv__expect(&t, b, n - 1, 0x04, 0, "X"), 0);
	assert_int_equal(sign_tlv__expect(&t, b, n - 1, 0x60, 0, "EF.COM"), SIGN_ERR_MALFORMED);
	assert_string_equal(sign_error_message(), "EF.COM: starts with tag 4, expected 60");
	free(b);
}

static void
test_iterate_and_find(void **state)
{
	size_t n;
	unsigned char *b = unhex("300B" "020101" "0400" "0C026869" "0500", &n);
	sign_tlv top, c;
	sign_tlv_iter it;
	unsigned int tags[8];
	size_t k = 0;
	unsigned long v;
	int rc;

	(void)state;
	assert_int_equal(sign_tlv__read_one(&top, b, n, 0, "X"), 0);
	assert_int_equal(sign_tlv__iter_init(&it, &top, "X"), 0);
	while ((rc = sign_tlv__next(&it, &c)) > 0) {
		assert_int_equal(c.depth, 1);
		tags[k++] = c.tag;
	}
	assert_int_equal(rc, 0);
	assert_int_equal(k, 4);
	assert_int_equal(tags[0], 0x02);
	assert_int_equal(tags[2], 0x0C);
	assert_int_equal(sign_tlv__find(&top, 0x0C, &c, "X"), 0);
	assert_int_equal(c.len, 2);
	assert_memory_equal(c.value, "hi", 2);
	assert_int_equal(sign_tlv__find(&top, 0x13, &c, "X"), SIGN_ERR_NOT_FOUND);
	assert_int_equal(sign_tlv__find(&top, 0x02, &c, "X"), 0);
	assert_int_equal(sign_tlv__uint(&c, &v, "X"), 0);
	assert_int_equal(v, 1);
	/* a primitive has no children */
	assert_int_equal(sign_tlv__iter_init(&it, &c, "X"), SIGN_ERR_MALFORMED);
	free(b);

	/* a child overrunning its parent is an error, not a read */
	b = unhex("3004" "0405AABBCCDD", &n);
	assert_int_equal(sign_tlv__read(&top, b, n, 0, NULL, "X"), 0);
	assert_int_equal(top.len, 4);
	assert_int_equal(sign_tlv__iter_init(&it, &top, "X"), 0);
	assert_int_equal(sign_tlv__next(&it, &c), SIGN_ERR_MALFORMED);
	assert_int_equal(sign_tlv__validate(&top, "X"), SIGN_ERR_MALFORMED);
	free(b);
}

static void
test_uint(void **state)
{
	size_t n;
	unsigned char *b;
	sign_tlv t;
	unsigned long v = 0;

	(void)state;
	b = unhex("0202013F", &n);
	assert_int_equal(sign_tlv__read_one(&t, b, n, 0, "X"), 0);
	assert_int_equal(sign_tlv__uint(&t, &v, "X"), 0);
	assert_int_equal(v, 0x13F);
	free(b);
	b = unhex("020180", &n); /* negative */
	assert_int_equal(sign_tlv__read_one(&t, b, n, 0, "X"), 0);
	assert_int_equal(sign_tlv__uint(&t, &v, "X"), SIGN_ERR_MALFORMED);
	free(b);
	b = unhex("0200", &n);   /* empty */
	assert_int_equal(sign_tlv__read_one(&t, b, n, 0, "X"), 0);
	assert_int_equal(sign_tlv__uint(&t, &v, "X"), SIGN_ERR_MALFORMED);
	free(b);
}

/* Nesting deeper than the bound fails, both for indefinite lengths (read
 * recursively) and for definite ones (sign_tlv__validate). */
static void
test_depth_bound(void **state)
{
	unsigned char buf[4 * 64];
	size_t i, n = 0, levels = SIGN_TLV_MAX_DEPTH + 4;
	sign_tlv t;

	(void)state;
	for (i = 0; i < levels; i++) {
		buf[n++] = 0x30;
		buf[n++] = 0x80;
	}
	for (i = 0; i < levels; i++) {
		buf[n++] = 0;
		buf[n++] = 0;
	}
	assert_int_equal(sign_tlv__read(&t, buf, n, SIGN_TLV_INDEFINITE, NULL, "X"),
	    SIGN_ERR_MALFORMED);
	assert_non_null(strstr(sign_error_message(), "nested deeper"));

	/* definite: 30 L (30 L (... 30 00)) */
	n = 0;
	for (i = 0; i < levels; i++) {
		buf[n++] = 0x30;
		buf[n++] = (unsigned char)(2 * (levels - 1 - i));
	}
	assert_int_equal(sign_tlv__read_one(&t, buf, n, 0, "X"), 0);
	assert_int_equal(sign_tlv__validate(&t, "X"), SIGN_ERR_MALFORMED);
	assert_non_null(strstr(sign_error_message(), "nested deeper"));

	/* within the bound it validates */
	n = 0;
	for (i = 0; i < 5; i++) {
		buf[n++] = 0x30;
		buf[n++] = (unsigned char)(2 * (5 - 1 - i));
	}
	assert_int_equal(sign_tlv__read_one(&t, buf, n, 0, "X"), 0);
	assert_int_equal(sign_tlv__validate(&t, "X"), 0);
}

typedef struct hdr_case {
	const char *hex;
	int rc;
	size_t hdr, total;
} hdr_case;

static void
test_header(void **state)
{
	static const hdr_case cases[] = {
		{ "60165F01", 0, 2, 24 },
		{ "75823AE77F61", 0, 4, 15083 },
		{ "6D8400010000", 0, 6, 65542 },
		{ "7F618101", 0, 4, 5 },
		{ "7582", SIGN_ERR_MALFORMED, 0, 0 },
		{ "77", SIGN_ERR_MALFORMED, 0, 0 },
		{ "7780", SIGN_ERR_MALFORMED, 0, 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n, h = 0, tot = 0;
		unsigned char *b = unhex(cases[i].hex, &n);

		assert_int_equal(sign_tlv__header(b, n, &h, &tot), cases[i].rc);
		if (cases[i].rc == 0) {
			assert_int_equal(h, cases[i].hdr);
			assert_int_equal(tot, cases[i].total);
		}
		free(b);
	}
}

typedef struct put_case {
	unsigned int tag;
	size_t len;
	const char *hdr_hex;
} put_case;

static void
test_writer(void **state)
{
	static const put_case cases[] = {
		{ 0x87, 0, "8700" },
		{ 0x87, 9, "8709" },
		{ 0x87, 127, "877F" },
		{ 0x87, 128, "878180" },
		{ 0x87, 255, "8781FF" },
		{ 0x87, 256, "87820100" },
		{ 0x87, 65535, "8782FFFF" },
		{ 0x87, 65536, "8783010000" },
		{ 0x5F1F, 88, "5F1F58" },
		{ 0x7F61, 300, "7F6182012C" },
		{ 0xBF8101, 1, "BF810101" },
	};
	unsigned char out[16], *val;
	size_t i, n;
	sign_tlv t;

	(void)state;
	val = calloc(1, 70000);
	assert_non_null(val);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sign_buf b = SIGN_BUF_INIT;

		assert_int_equal(sign_tlv__put_header(out, sizeof(out), cases[i].tag, cases[i].len,
		    &n), 0);
		assert_hex_equal(out, n, cases[i].hdr_hex);
		assert_int_equal(n, sign_tlv__tag_size(cases[i].tag) +
		    sign_tlv__len_size(cases[i].len));
		/* round trip through the reader */
		assert_int_equal(sign_tlv__append(&b, cases[i].tag, val, cases[i].len), 0);
		assert_int_equal(sign_tlv__read_one(&t, b.data, b.len, 0, "X"), 0);
		assert_int_equal(t.tag, cases[i].tag);
		assert_int_equal(t.len, cases[i].len);
		sign_buf_dispose(&b);
	}
	/* no room */
	assert_int_equal(sign_tlv__put_header(out, 2, 0x87, 300, &n), SIGN_ERR_TOO_LARGE);
	assert_int_equal(sign_tlv__put(out, 4, 0x87, val, 3, &n), SIGN_ERR_TOO_LARGE);
	assert_int_equal(sign_tlv__put(out, 5, 0x87, "\x01\x02\x03", 3, &n), 0);
	assert_hex_equal(out, n, "8703010203");
	free(val);
}

static void
test_wrap(void **state)
{
	sign_buf b = SIGN_BUF_INIT;

	(void)state;
	assert_int_equal(sign_tlv__append(&b, 0x02, "\x01", 1), 0);
	assert_int_equal(sign_tlv__append(&b, 0x0C, "ab", 2), 0);
	assert_int_equal(sign_tlv__wrap(&b, 0x30), 0);
	assert_int_equal(sign_tlv__wrap(&b, 0x6D), 0);
	assert_hex_equal(b.data, b.len, "6D09" "3007" "020101" "0C026162");
	sign_buf_dispose(&b);
	/* wrapping nothing gives an empty element */
	assert_int_equal(sign_tlv__wrap(&b, 0x30), 0);
	assert_hex_equal(b.data, b.len, "3000");
	sign_buf_dispose(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_table),
		cmocka_unit_test(test_read_one_trailing),
		cmocka_unit_test(test_iterate_and_find),
		cmocka_unit_test(test_uint),
		cmocka_unit_test(test_depth_bound),
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_writer),
		cmocka_unit_test(test_wrap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
