/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Insurance module, offline parts: the result-code table, MD5 and URL
 * encoding, form checks, dates, and the parsers of the gateway's token and
 * lookup answers (well-formed, malformed, truncated). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>

#include "insurance_priv.h"

/* ---- result codes -------------------------------------------------------- */

static void
test_code_table(void **state)
{
	static const char *covered[] = { "000", "001", "002", "003", "004" };
	static const char *not_covered[] = { "010", "050", "051", "052", "053", "054", "055",
		"060", "061", "070", "110", "120", "121", "122", "123", "124", "130" };
	static const char *errors[] = { "100", "101", "205" };
	sign_insurance_class cls;
	const char *vi, *en, *code, *prev = "";
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(covered) / sizeof(covered[0]); i++) {
		assert_int_equal(sign_insurance_code_info(covered[i], &cls, &vi, &en), 0);
		assert_int_equal(cls, SIGN_INSURANCE_COVERED);
		assert_non_null(vi);
		assert_non_null(en);
	}
	for (i = 0; i < sizeof(not_covered) / sizeof(not_covered[0]); i++) {
		assert_int_equal(sign_insurance_code_info(not_covered[i], &cls, NULL, NULL), 0);
		if (cls != SIGN_INSURANCE_NOT_COVERED)
			fail_msg("%s should be 'not covered'", not_covered[i]);
	}
	for (i = 0; i < sizeof(errors) / sizeof(errors[0]); i++) {
		assert_int_equal(sign_insurance_code_info(errors[i], &cls, NULL, NULL), 0);
		assert_int_equal(cls, SIGN_INSURANCE_GATEWAY_ERROR);
	}
	assert_int_equal(sign_insurance_code_info("401", &cls, NULL, NULL), 0);
	assert_int_equal(cls, SIGN_INSURANCE_AUTH_ERROR);
	/* the texts are the official ones */
	assert_int_equal(sign_insurance_code_info("000", NULL, &vi, &en), 0);
	assert_string_equal(vi, "Thông tin thẻ chính xác");
	assert_int_equal(sign_insurance_code_info("070", NULL, &vi, &en), 0);
	assert_string_equal(vi, "Thẻ sai ngày sinh");
	assert_string_equal(en, "wrong date of birth");
	/* unknown codes: not found, taken as a gateway error */
	assert_int_equal(sign_insurance_code_info("999", &cls, &vi, &en), SIGN_ERR_NOT_FOUND);
	assert_int_equal(cls, SIGN_INSURANCE_GATEWAY_ERROR);
	assert_null(vi);
	assert_null(en);
	assert_int_equal(sign_insurance_code_info(NULL, &cls, NULL, NULL), SIGN_ERR_NOT_FOUND);
	/* the table is complete, sorted and without duplicates */
	assert_int_equal(sign_insurance_code_count(), 26);
	for (i = 0; i < sign_insurance_code_count(); i++) {
		assert_int_equal(sign_insurance_code_get(i, &code, &cls, &vi, &en), 0);
		assert_true(strcmp(prev, code) < 0);
		assert_int_equal(strlen(code), 3);
		prev = code;
	}
	assert_int_equal(sign_insurance_code_get(i, &code, NULL, NULL, NULL), SIGN_ERR_NOT_FOUND);
}

/* ---- encoders and checks ------------------------------------------------- */

static void
test_md5(void **state)
{
	/* RFC 1321 appendix A.5 */
	static const struct {
		const char *in, *out;
	} t[] = {
		{ "", "d41d8cd98f00b204e9800998ecf8427e" },
		{ "a", "0cc175b9c0f1b6a831c399e269772661" },
		{ "abc", "900150983cd24fb0d6963f7d28e17f72" },
		{ "message digest", "f96b697d7cb7938d525a2f31aaf161d0" },
		{ "12345678901234567890123456789012345678901234567890123456789012345678901234567890",
		  "57edf4a22be3c955ac49da2e2107b67a" },
		/* the stand-in gateway's test password */
		{ "matkhau-thu-nghiem", "f1c57dbdd69430e6ae87be2d8643d6fe" },
	};
	char out[33];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(sign_insurance__md5_hex(out, t[i].in, strlen(t[i].in)), 0);
		assert_string_equal(out, t[i].out);
	}
}

static void
test_urlencode(void **state)
{
	static const struct {
		const char *in, *out;
	} t[] = {
		{ "", "" },
		{ "AZaz09-._~", "AZaz09-._~" },
		{ "a b&c=d/e?f+g%h#", "a%20b%26c%3Dd%2Fe%3Ff%2Bg%25h%23" },
		{ "eyJhbGc.x/y+z==", "eyJhbGc.x%2Fy%2Bz%3D%3D" },
		{ "ễ", "%E1%BB%85" },
		{ "\x01\x7f\xff", "%01%7F%FF" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char *o = sign_insurance__urlencode(t[i].in);

		assert_non_null(o);
		assert_string_equal(o, t[i].out);
		free(o);
	}
}

static void
test_check_base(void **state)
{
	static const char *bad[] = {
		"", "http://egw.baohiemxahoi.gov.vn", "ftp://x", "egw.baohiemxahoi.gov.vn",
		"https://", "https:///path", "https://user:pw@host", "https://host/?a=b",
		"https://host/#frag", "https://ho st/", "https://host/\xc3\xa9",
	};
	char *out = NULL;
	size_t i;

	(void)state;
	assert_int_equal(sign_insurance__check_base(&out, "https://egw.baohiemxahoi.gov.vn"), 0);
	assert_string_equal(out, "https://egw.baohiemxahoi.gov.vn");
	free(out);
	assert_int_equal(sign_insurance__check_base(&out, "HTTPS://127.0.0.1:8443/base//"), 0);
	assert_string_equal(out, "HTTPS://127.0.0.1:8443/base");
	free(out);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (sign_insurance__check_base(&out, bad[i]) != SIGN_ERR_INVALID_ARG)
			fail_msg("'%s' accepted", bad[i]);
		assert_null(out);
	}
	assert_int_equal(sign_insurance__check_base(&out, NULL), SIGN_ERR_INVALID_ARG);
	assert_int_equal(sign_insurance__check_base(&out, "http://127.0.0.1/"), SIGN_ERR_INVALID_ARG);
	assert_non_null(strstr(sign_error_message(), "not https://"));
}

static void
test_checks(void **state)
{
	(void)state;
	assert_int_equal(sign_insurance__check_staff_id("001085001234"), 0);
	assert_int_equal(sign_insurance__check_staff_id("00108500123"), SIGN_ERR_INVALID_ARG);
	assert_int_equal(sign_insurance__check_staff_id("0010850012345"), SIGN_ERR_INVALID_ARG);
	assert_int_equal(sign_insurance__check_staff_id("00108500123a"), SIGN_ERR_INVALID_ARG);
	assert_int_equal(sign_insurance__check_staff_id(""), SIGN_ERR_INVALID_ARG);
	assert_int_equal(sign_insurance__check_staff_id(NULL), SIGN_ERR_INVALID_ARG);

	assert_int_equal(sign_insurance__check_ma_the("0123456789"), 0);
	assert_int_equal(sign_insurance__check_ma_the("001190012345"), 0);
	assert_int_equal(sign_insurance__check_ma_the("DN4010123456789"), 0);
	assert_int_equal(sign_insurance__check_ma_the("dn4010123456789"), SIGN_ERR_INVALID_ARG);
	assert_int_equal(sign_insurance__check_ma_the("DN401012345678"), SIGN_ERR_INVALID_ARG);
	assert_int_equal(sign_insurance__check_ma_the("01234567890"), SIGN_ERR_INVALID_ARG);
	assert_int_equal(sign_insurance__check_ma_the("012345678 "), SIGN_ERR_INVALID_ARG);
	assert_int_equal(sign_insurance__check_ma_the(""), SIGN_ERR_INVALID_ARG);

	assert_int_equal(sign_insurance__check_birth_date("15/01/1990"), 0);
	assert_int_equal(sign_insurance__check_birth_date("29/02/2000"), 0);
	assert_int_equal(sign_insurance__check_birth_date("1990"), 0);
	assert_int_equal(sign_insurance__check_birth_date("29/02/1900"), SIGN_ERR_INVALID_ARG);
	assert_int_equal(sign_insurance__check_birth_date("31/04/1990"), SIGN_ERR_INVALID_ARG);
	assert_int_equal(sign_insurance__check_birth_date("1990-01-15"), SIGN_ERR_INVALID_ARG);
	assert_int_equal(sign_insurance__check_birth_date("15/1/1990"), SIGN_ERR_INVALID_ARG);
	assert_int_equal(sign_insurance__check_birth_date("15/13/1990"), SIGN_ERR_INVALID_ARG);
	assert_int_equal(sign_insurance__check_birth_date("00/01/1990"), SIGN_ERR_INVALID_ARG);
	assert_int_equal(sign_insurance__check_birth_date(""), SIGN_ERR_INVALID_ARG);
}

static void
test_dates(void **state)
{
	long d = 0;
	time_t t = 0;

	(void)state;
	assert_int_equal(sign_insurance__parse_date("01/01/1970", &d), 0);
	assert_int_equal(d, 0);
	assert_int_equal(sign_insurance__parse_date("15/01/1990", &d), 0);
	assert_int_equal(d, 7319);
	assert_int_equal(sign_insurance__parse_date("29/02/2024", &d), 0);
	assert_int_equal(d, 19782);
	assert_int_equal(sign_insurance__parse_date("31/12/2025", &d), 0);
	assert_int_equal(d, 20453);
	assert_int_equal(sign_insurance__parse_date("29/02/2023", &d), SIGN_ERR_MALFORMED);
	assert_int_equal(sign_insurance__parse_date("31/12/2025 ", &d), SIGN_ERR_MALFORMED);
	assert_int_equal(sign_insurance__parse_date("2025", &d), SIGN_ERR_MALFORMED);
	assert_int_equal(sign_insurance__parse_date(NULL, &d), SIGN_ERR_MALFORMED);

	assert_int_equal(sign_insurance__parse_iso8601("2024-07-01T08:41:14+07:00", &t), 0);
	assert_int_equal((long long)t, 1719798074LL);
	/* no zone: Vietnam time */
	assert_int_equal(sign_insurance__parse_iso8601("2024-07-01T08:41:14.6402009", &t), 0);
	assert_int_equal((long long)t, 1719798074LL);
	assert_int_equal(sign_insurance__parse_iso8601("2024-07-01T01:41:14Z", &t), 0);
	assert_int_equal((long long)t, 1719798074LL);
	assert_int_equal(sign_insurance__parse_iso8601("2024-07-01 01:41:14-00:00", &t), 0);
	assert_int_equal((long long)t, 1719798074LL);
	assert_int_equal(sign_insurance__parse_iso8601("2024-07-01", &t), SIGN_ERR_MALFORMED);
	assert_int_equal(sign_insurance__parse_iso8601("2024-07-01T08:41:14+7", &t),
	    SIGN_ERR_MALFORMED);
	assert_int_equal(sign_insurance__parse_iso8601("2024-13-01T08:41:14Z", &t),
	    SIGN_ERR_MALFORMED);
	assert_int_equal(sign_insurance__parse_iso8601("2024-07-01T08:41:14Zjunk", &t),
	    SIGN_ERR_MALFORMED);
}

/* ---- token answers ------------------------------------------------------- */

static int
token(const char *json, char **a, char **i, time_t *e)
{
	return sign_insurance__parse_token(json, strlen(json), 1000000, a, i, e);
}

static void
test_token_layouts(void **state)
{
	static const struct {
		const char *json;
		const char *access, *id;
		long long expires;
	} ok[] = {
		{ "{\"maKetQua\":\"200\",\"APIKey\":{\"access_token\":\"A1\",\"id_token\":\"I1\","
		  "\"token_type\":\"Bearer\",\"username\":\"01001_BV\",\"expires_in\":600}}",
		  "A1", "I1", 1000600 },
		{ "{\"APIKey\":{\"access_token\":\"A2\",\"id_token\":\"I2\",\"expires_in\":\"120\"}}",
		  "A2", "I2", 1000120 },
		{ "{\"apiKey\":{\"access_token\":\"A3\",\"id_token\":\"I3\"}}", "A3", "I3", 0 },
		{ "{\"access_token\":\"A4\",\"id_token\":\"I4\",\"expires_in\":60.5}", "A4", "I4",
		  1000060 },
		{ "{\"maKetQua\":200,\"APIKey\":{\"access_token\":\"A5\"}}", "A5", "", 0 },
		/* an absolute expiry */
		{ "{\"APIKey\":{\"access_token\":\"A6\",\"id_token\":null,"
		  "\"expires_in\":\"1970-01-13T07:00:00+07:00\"}}", "A6", "", 1036800 },
		{ "{\"APIKey\":{\"access_token\":\"A7\",\"id_token\":\"I7\","
		  "\"expires_at\":\"1970-01-13T00:00:00Z\"}}", "A7", "I7", 1036800 },
		/* an expiry in the past or unreadable is "unknown" */
		{ "{\"APIKey\":{\"access_token\":\"A8\",\"id_token\":\"I8\",\"expires_in\":-5}}",
		  "A8", "I8", 0 },
		{ "{\"APIKey\":{\"access_token\":\"A9\",\"id_token\":\"I9\",\"expires_in\":\"soon\"}}",
		  "A9", "I9", 0 },
		{ "{\"APIKey\":{\"access_token\":\"B1\",\"id_token\":\"I\","
		  "\"expires\":\"1970-01-01T00:00:00Z\"}}", "B1", "I", 0 },
	};
	char *a = NULL, *i = NULL;
	time_t e = 0;
	size_t k;

	(void)state;
	for (k = 0; k < sizeof(ok) / sizeof(ok[0]); k++) {
		int rc = token(ok[k].json, &a, &i, &e);

		if (rc != 0)
			fail_msg("case %zu: %d %s", k, rc, sign_error_message());
		assert_string_equal(a, ok[k].access);
		assert_string_equal(i, ok[k].id);
		if ((long long)e != ok[k].expires)
			fail_msg("case %zu: expires %lld, wanted %lld", k, (long long)e,
			    ok[k].expires);
		free(a);
		free(i);
	}
}

static void
test_token_errors(void **state)
{
	static const struct {
		const char *json;
		int rc;
		const char *msg;
	} bad[] = {
		{ "{\"maKetQua\":\"401\",\"APIKey\":null}", SIGN_ERR_SERVER_AUTH, "maKetQua 401" },
		{ "{\"maKetQua\":401}", SIGN_ERR_SERVER_AUTH, "401" },
		{ "{\"maKetQua\":\"500\",\"APIKey\":{}}", SIGN_ERR_HTTP, "maKetQua 500" },
		{ "{\"APIKey\":{\"id_token\":\"x\"}}", SIGN_ERR_SERVER_RESPONSE, "access_token" },
		{ "{\"APIKey\":{\"access_token\":\"\"}}", SIGN_ERR_SERVER_RESPONSE, "access_token" },
		{ "{\"APIKey\":{\"access_token\":5}}", SIGN_ERR_SERVER_RESPONSE, "access_token" },
		{ "{\"APIKey\":{\"access_token\":\"a\",\"id_token\":7}}", SIGN_ERR_SERVER_RESPONSE,
		  "id_token" },
		{ "<html>Bad gateway</html>", SIGN_ERR_SERVER_RESPONSE, "not valid JSON" },
		{ "{\"APIKey\":{\"access_token\":\"a\"", SIGN_ERR_SERVER_RESPONSE, "truncated" },
		{ "{\"access_token\":\"a\"} x", SIGN_ERR_SERVER_RESPONSE, "not valid JSON" },
		{ "{\"access_token\":\"a\",\"access_token\":\"b\"}", SIGN_ERR_SERVER_RESPONSE,
		  "not valid JSON" },
		{ "[\"access_token\"]", SIGN_ERR_SERVER_RESPONSE, "not an object" },
		{ "", SIGN_ERR_SERVER_RESPONSE, "empty" },
	};
	char *a = (char *)1, *i = (char *)1;
	time_t e = 5;
	size_t k;

	(void)state;
	for (k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		int rc = token(bad[k].json, &a, &i, &e);

		if (rc != bad[k].rc || strstr(sign_error_message(), bad[k].msg) == NULL)
			fail_msg("case %zu: rc %d '%s'", k, rc, sign_error_message());
		assert_null(a);
		assert_null(i);
	}
}

/* ---- lookup answers ------------------------------------------------------ */

#define TODAY 20000L    /* 04/10/2024 */

static sign_insurance_result *
answer(const char *json, int want_rc)
{
	sign_insurance_result *r = NULL;
	int rc = sign_insurance__result_from_answer(&r, json, strlen(json), 200, TODAY, "01001",
	    30);

	if (rc != want_rc)
		fail_msg("'%s': rc %d (%s), wanted %d", json, rc, sign_error_message(), want_rc);
	return r;
}

static void
test_answer_fields(void **state)
{
	const char *json = "{ \"maKetQua\": \"000\", \"ghiChu\": \"Thẻ còn giá trị sử dụng\",\n"
	    "\"maThe\": \"DN4010123456789\", \"hoTen\": \"Nguyễn Văn An\", \"maDKBD\": \"01001\","
	    "\"tenDKBD\": \"Bệnh viện Thử nghiệm\", \"gtTheTu\": \"01/01/2024\","
	    "\"gtTheDen\": \"31/12/2025\", \"ngayDu5Nam\": \"01/01/2027\", \"maKV\": null,"
	    "\"dsLichSuKCB2018\": [], \"soLan\": 3 }";
	sign_insurance_result *r = answer(json, 0);
	unsigned char md[32];
	const char *raw;
	size_t len;
	long days;

	(void)state;
	assert_string_equal(sign_insurance_result_code(r), "000");
	assert_int_equal(sign_insurance_result_class(r), SIGN_INSURANCE_COVERED);
	assert_int_equal(sign_insurance_result_covered(r), 1);
	assert_string_equal(sign_insurance_result_meaning_vi(r), "Thông tin thẻ chính xác");
	assert_string_equal(sign_insurance_result_meaning_en(r), "card information correct");
	assert_string_equal(sign_insurance_result_field(r, "gtTheTu"), "01/01/2024");
	assert_string_equal(sign_insurance_result_field(r, "gtTheDen"), "31/12/2025");
	assert_string_equal(sign_insurance_result_field(r, "tenDKBD"), "Bệnh viện Thử nghiệm");
	assert_string_equal(sign_insurance_result_field(r, "ngayDu5Nam"), "01/01/2027");
	assert_null(sign_insurance_result_field(r, "maKV"));       /* null */
	assert_null(sign_insurance_result_field(r, "soLan"));      /* not a string */
	assert_null(sign_insurance_result_field(r, "dsLichSuKCB2018"));
	assert_null(sign_insurance_result_field(r, "absent"));
	assert_int_equal(sign_insurance_result_http_status(r), 200);
	assert_int_equal(sign_insurance_result_warnings(r), 0);
	assert_int_equal(sign_insurance_result_days_left(r, &days), 0);
	assert_int_equal(days, 20453 - TODAY);
	/* the raw bytes exactly, and their SHA-256 */
	assert_int_equal(sign_insurance_result_raw(r, &raw, &len), 0);
	assert_int_equal(len, strlen(json));
	assert_memory_equal(raw, json, len);
	assert_int_equal(raw[len], '\0');
	assert_int_equal(EVP_Digest(json, strlen(json), md, NULL, EVP_sha256(), NULL), 1);
	assert_memory_equal(sign_insurance_result_sha256(r), md, 32);
	sign_insurance_result_free(r);
	sign_insurance_result_free(NULL);
}

static void
test_answer_sha256_vector(void **state)
{
	static const unsigned char want[32] = {
		0xda, 0x27, 0x0f, 0x85, 0x2e, 0xb6, 0x71, 0x79, 0xe4, 0x80, 0x6a, 0x6c, 0xed,
		0x27, 0xe9, 0xcc, 0x44, 0x79, 0x98, 0xeb, 0xf0, 0x34, 0xfa, 0xbe, 0x83, 0xf2,
		0xbd, 0x7e, 0x14, 0x76, 0x6f, 0x2e };
	sign_insurance_result *r = answer("{\"maKetQua\":\"000\"}", 0);

	(void)state;
	assert_memory_equal(sign_insurance_result_sha256(r), want, 32);
	sign_insurance_result_free(r);
}

static void
test_answer_codes(void **state)
{
	static const struct {
		const char *json, *code;
		sign_insurance_class cls;
		int has_meaning;
	} t[] = {
		{ "{\"maKetQua\":\"010\"}", "010", SIGN_INSURANCE_NOT_COVERED, 1 },
		{ "{\"maKetQua\":0}", "000", SIGN_INSURANCE_COVERED, 1 },
		{ "{\"maKetQua\":51}", "051", SIGN_INSURANCE_NOT_COVERED, 1 },
		{ "{\"maKetQua\":\"4\"}", "004", SIGN_INSURANCE_COVERED, 1 },
		{ "{\"maKetQua\":\"101\"}", "101", SIGN_INSURANCE_GATEWAY_ERROR, 1 },
		{ "{\"maKetQua\":\"205\"}", "205", SIGN_INSURANCE_GATEWAY_ERROR, 1 },
		{ "{\"maKetQua\":\"999\"}", "999", SIGN_INSURANCE_GATEWAY_ERROR, 0 },
		{ "{\"maKetQua\":\"ERR\"}", "ERR", SIGN_INSURANCE_GATEWAY_ERROR, 0 },
		{ "{\"maKetQua\":\"401\"}", "401", SIGN_INSURANCE_AUTH_ERROR, 1 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		sign_insurance_result *r = answer(t[i].json, 0);

		assert_string_equal(sign_insurance_result_code(r), t[i].code);
		assert_int_equal(sign_insurance_result_class(r), t[i].cls);
		assert_int_equal(sign_insurance_result_meaning_vi(r) != NULL, t[i].has_meaning);
		assert_int_equal(sign_insurance_result_covered(r), t[i].cls == SIGN_INSURANCE_COVERED);
		sign_insurance_result_free(r);
	}
}

static void
test_answer_malformed(void **state)
{
	static const struct {
		const char *json;
		const char *msg;
	} t[] = {
		{ "", "empty" },
		{ "<html><body>502 Bad Gateway</body></html>", "not valid JSON" },
		{ "{\"maKetQua\":\"000\",\"hoTen\":\"Nguy", "truncated" },
		{ "{\"maKetQua\":\"000\"", "truncated" },
		{ "{\"maKetQua\":\"000\"}{}", "not valid JSON" },
		{ "{\"maKetQua\":\"000\",\"maKetQua\":\"010\"}", "not valid JSON" },
		{ "[{\"maKetQua\":\"000\"}]", "not an object" },
		{ "\"000\"", "not an object" },
		{ "{\"ghiChu\":\"x\"}", "no result code" },
		{ "{\"maKetQua\":null}", "no result code" },
		{ "{\"maKetQua\":true}", "neither" },
		{ "{\"maKetQua\":\"\"}", "neither" },
		{ "{\"maKetQua\":\"a b\"}", "neither" },
		{ "{\"maKetQua\":\"01234567890123456\"}", "neither" },
		{ "{\"maKetQua\":-1}", "neither" },
		{ "{\"maKetQua\":1.5}", "neither" },
		{ "{\"maKetQua\":\"0\\u00000\"}", "not valid JSON" },
		{ "{\"maKetQua\":\"000\",\"x\":\"\xff\"}", "not valid JSON" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		sign_insurance_result *r = (sign_insurance_result *)1;
		int rc = sign_insurance__result_from_answer(&r, t[i].json, strlen(t[i].json), 200,
		    TODAY, NULL, 30);

		if (rc != SIGN_ERR_SERVER_RESPONSE || strstr(sign_error_message(), t[i].msg) == NULL)
			fail_msg("case %zu '%s': rc %d '%s'", i, t[i].json, rc, sign_error_message());
		assert_null(r);
	}
	/* trailing data is not called truncation */
	{
		sign_insurance_result *r = NULL;

		assert_int_equal(sign_insurance__result_from_answer(&r, "{\"maKetQua\":\"000\"} {}",
		    21, 200, TODAY, NULL, 30), SIGN_ERR_SERVER_RESPONSE);
		assert_null(strstr(sign_error_message(), "truncated"));
	}
	/* NUL inside the bytes given */
	{
		sign_insurance_result *r = NULL;

		assert_int_equal(sign_insurance__result_from_answer(&r, "{\"maKetQua\":\"000\"}\0",
		    19, 200, TODAY, NULL, 30), SIGN_ERR_SERVER_RESPONSE);
	}
	assert_int_equal(sign_insurance__has_code("{\"maKetQua\":\"000\"}", 18), 1);
	assert_int_equal(sign_insurance__has_code("{\"maKetQua\":null}", 17), 0);
	assert_int_equal(sign_insurance__has_code("{\"maKetQua\":\"000\"", 17), 0);
	assert_int_equal(sign_insurance__has_code("oops", 4), 0);
	assert_int_equal(sign_insurance__has_code(NULL, 0), 0);
}

static void
test_answer_warnings(void **state)
{
	static const struct {
		const char *json;
		unsigned int want;
		long days;      /* LONG_MIN: none */
	} t[] = {
		/* ends in 10 days: 14/10/2024 */
		{ "{\"maKetQua\":\"000\",\"gtTheTu\":\"01/01/2024\",\"gtTheDen\":\"14/10/2024\","
		  "\"maDKBD\":\"01001\"}", SIGN_INSURANCE_WARN_EXPIRES_SOON, 10 },
		/* ends in exactly 30 days: still "soon"; 31: not */
		{ "{\"maKetQua\":\"000\",\"gtTheDen\":\"03/11/2024\"}",
		  SIGN_INSURANCE_WARN_EXPIRES_SOON, 30 },
		{ "{\"maKetQua\":\"000\",\"gtTheDen\":\"04/11/2024\"}", 0, 31 },
		/* ends today: soon, not expired */
		{ "{\"maKetQua\":\"000\",\"gtTheDen\":\"04/10/2024\"}",
		  SIGN_INSURANCE_WARN_EXPIRES_SOON, 0 },
		{ "{\"maKetQua\":\"010\",\"gtTheDen\":\"03/10/2024\"}", SIGN_INSURANCE_WARN_EXPIRED,
		  -1 },
		{ "{\"maKetQua\":\"000\",\"gtTheTu\":\"05/10/2024\",\"gtTheDen\":\"31/12/2025\"}",
		  SIGN_INSURANCE_WARN_NOT_YET_VALID, 453 },
		{ "{\"maKetQua\":\"000\",\"maDKBD\":\"79024\",\"gtTheDen\":\"31/12/2025\"}",
		  SIGN_INSURANCE_WARN_OTHER_FACILITY, 453 },
		{ "{\"maKetQua\":\"000\",\"maDKBD\":\"\"}", 0, LONG_MIN },
		{ "{\"maKetQua\":\"004\",\"maTheMoi\":\"DN4010123456780\",\"gtTheDen\":\"31/12/2025\"}",
		  SIGN_INSURANCE_WARN_NEW_CARD, 453 },
		{ "{\"maKetQua\":\"003\"}", SIGN_INSURANCE_WARN_NEW_CARD, LONG_MIN },
		{ "{\"maKetQua\":\"000\",\"maTheMoi\":\"DN4010123456780\"}",
		  SIGN_INSURANCE_WARN_NEW_CARD, LONG_MIN },
		/* an unreadable date is ignored, not fatal */
		{ "{\"maKetQua\":\"000\",\"gtTheDen\":\"2025-12-31\"}", 0, LONG_MIN },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		sign_insurance_result *r = answer(t[i].json, 0);
		long d = 0;
		int rc = sign_insurance_result_days_left(r, &d);

		if (sign_insurance_result_warnings(r) != t[i].want)
			fail_msg("case %zu: warnings %#x, wanted %#x", i,
			    sign_insurance_result_warnings(r), t[i].want);
		if (t[i].days == LONG_MIN)
			assert_int_equal(rc, SIGN_ERR_NOT_FOUND);
		else {
			assert_int_equal(rc, 0);
			assert_int_equal(d, t[i].days);
		}
		sign_insurance_result_free(r);
	}
}

static void
test_answer_too_large(void **state)
{
	sign_insurance_result *r = NULL;

	(void)state;
	assert_int_equal(sign_insurance__result_from_answer(&r, "{}",
	    SIGN_INSURANCE__MAX_ANSWER + 1, 200, TODAY, NULL, 30), SIGN_ERR_TOO_LARGE);
	assert_null(r);
}

/* ---- the desk's judgement of a lookup answer ----------------------------- */

/* What the client does with the lookup step's answer and its HTTP status
 * (sign_insurance__lookup_answer).  Found by fuzz_insurance: an HTTP error
 * page that carried maKetQua 000 was taken as coverage. */
static void
test_lookup_answer_status(void **state)
{
	static const struct {
		long status;
		const char *json;
		int rc;
		const char *code;       /* the result's, or a word of the message */
	} t[] = {
		{ 200, "{\"maKetQua\":\"000\"}", 0, "000" },
		{ 201, "{\"maKetQua\":\"004\"}", 0, "004" },
		/* covered, but not in a successful answer */
		{ 500, "{\"maKetQua\":\"000\"}", SIGN_ERR_HTTP, "HTTP 500 and maKetQua 000" },
		{ 302, "{\"maKetQua\":0}", SIGN_ERR_HTTP, "HTTP 302 and maKetQua 000" },
		{ 404, "{\"maKetQua\":\"003\",\"maTheMoi\":\"DN4010119099999\"}", SIGN_ERR_HTTP,
		  "only taken from an HTTP 2xx answer" },
		{ 199, "{\"maKetQua\":\"001\"}", SIGN_ERR_HTTP, "HTTP 199" },
		{ 0, "{\"maKetQua\":\"002\"}", SIGN_ERR_HTTP, "HTTP 0" },
		/* other codes are results whatever the status (never retried) */
		{ 500, "{\"maKetQua\":\"101\",\"ghiChu\":\"L\u1ed7i server\"}", 0, "101" },
		{ 404, "{\"maKetQua\":\"050\"}", 0, "050" },
		{ 500, "{\"maKetQua\":\"999\"}", 0, "999" },
		/* no result code: the status decides */
		{ 500, "<html>500 Internal Server Error</html>", SIGN_ERR_HTTP, "HTTP 500 (a server" },
		{ 302, "", SIGN_ERR_HTTP, "a redirect" },
		{ 403, "{\"maKetQua\":null}", SIGN_ERR_HTTP, "registered IP" },
		{ 200, "{\"maKetQua\":null}", SIGN_ERR_SERVER_RESPONSE, "no result code" },
		/* fields the desk reads, of the wrong type */
		{ 200, "{\"maKetQua\":\"000\",\"gtTheDen\":20251231}", SIGN_ERR_SERVER_RESPONSE,
		  "gtTheDen as a number" },
		{ 200, "{\"maKetQua\":\"000\",\"dsLichSuKCB2018\":{}}", SIGN_ERR_SERVER_RESPONSE,
		  "not a list" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		sign_insurance_result *r = (sign_insurance_result *)1;
		int rc = sign_insurance__lookup_answer(&r, "https://egw.example.vn", t[i].json,
		    strlen(t[i].json), t[i].status, TODAY, "01001", 30);

		if (rc != t[i].rc)
			fail_msg("case %zu (HTTP %ld %s): rc %d (%s), wanted %d", i, t[i].status,
			    t[i].json, rc, sign_error_message(), t[i].rc);
		if (rc != 0) {
			assert_null(r);
			if (strstr(sign_error_message(), t[i].code) == NULL)
				fail_msg("case %zu: '%s' lacks '%s'", i, sign_error_message(), t[i].code);
			continue;
		}
		assert_string_equal(sign_insurance_result_code(r), t[i].code);
		assert_int_equal(sign_insurance_result_http_status(r), t[i].status);
		sign_insurance_result_free(r);
	}
}

/* A client over a given transport (sign_insurance__client_new, what the
 * fuzz target uses): it owns the transport, also when it fails, and a
 * lookup goes through the same judgement. */
struct canned {
	const char *const *bodies;
	const long *status;
	size_t n, next;
	int freed;
};

static int
canned_post(void *ctx, const char *url, const char *log_url, const char *req, size_t blen,
    long *status, sign_buf *answer, int *transient)
{
	struct canned *k = ctx;
	const char *body;

	(void)url;
	(void)log_url;
	(void)req;
	(void)blen;
	*transient = 0;
	if (k->next >= k->n)
		return sign_error__set(SIGN_ERR_NETWORK, 0, "no more answers");
	*status = k->status[k->next];
	body = k->bodies[k->next++];
	return sign_buf__set(answer, body, strlen(body));
}

static void
canned_free(void *ctx)
{
	((struct canned *)ctx)->freed++;
}

static void
test_client_transport(void **state)
{
	static const char *const bodies[] = {
		"{\"maKetQua\":\"200\",\"APIKey\":{\"access_token\":\"t\",\"id_token\":\"i\"}}",
		"{\"maKetQua\":\"000\",\"gtTheDen\":\"31/12/2099\"}",
		"{\"maKetQua\":\"000\"}" };
	static const long status[] = { 200, 500, 200 };
	sign_insurance_options o = SIGN_INSURANCE_OPTIONS_INIT;
	sign_insurance_request q = SIGN_INSURANCE_REQUEST_INIT;
	struct canned k = { bodies, status, 3, 0, 0 };
	struct sign_insurance__transport t = { canned_post, canned_free, &k };
	sign_insurance_client *c = (sign_insurance_client *)1;
	sign_insurance_result *r = NULL;

	(void)state;
	/* bad options: the transport is freed all the same */
	o.gateway = "http://egw.example.vn";
	o.username = "01001_BV";
	o.password = "matkhau-thu-nghiem";
	o.staff_name = "Trần Thị Bình";
	o.staff_id = "001085001234";
	o.tries = 1;
	assert_int_equal(sign_insurance__client_new(&c, &o, &t), SIGN_ERR_INVALID_ARG);
	assert_null(c);
	assert_int_equal(k.freed, 1);
	assert_int_equal(sign_insurance__client_new(NULL, &o, &t), SIGN_ERR_INVALID_ARG);
	assert_int_equal(k.freed, 2);
	k.freed = 0;
	o.gateway = "https://egw.example.vn";
	assert_int_equal(sign_insurance__client_new(&c, &o, &t), 0);
	q.ma_the = "001190012345";
	q.full_name = "Nguyễn Thị Hồng Nhung";
	q.birth_date = "15/03/1990";
	/* HTTP 500 with maKetQua 000: no coverage, an HTTP failure */
	assert_int_equal(sign_insurance_lookup(&r, c, &q), SIGN_ERR_HTTP);
	assert_null(r);
	assert_non_null(strstr(sign_error_message(), "HTTP 500 and maKetQua 000"));
	/* the next answer, 200: covered */
	assert_int_equal(sign_insurance_lookup(&r, c, &q), 0);
	assert_int_equal(sign_insurance_result_covered(r), 1);
	assert_int_equal(sign_insurance__token_count(c), 1);
	sign_insurance_result_free(r);
	assert_int_equal(k.freed, 0);
	sign_insurance_client_free(c);
	assert_int_equal(k.freed, 1);
}

/* Answers are wiped before they are freed: every string under the tree,
 * but not a part that someone else still holds. */
static void
test_json_wipe(void **state)
{
	const char *text = "{\"maKetQua\":\"000\",\"hoTen\":\"Nguy\u1ec5n V\u0103n An\","
	    "\"dsLichSuKCB2018\":[{\"maThe\":\"HS4010123456789\"},\"x\"],"
	    "\"held\":{\"token\":\"abc.def\"},\"n\":42}";
	json_t *root = json_loads(text, 0, NULL), *held;
	const char *name, *card, *token;
	size_t i, nlen, clen;

	(void)state;
	assert_non_null(root);
	name = json_string_value(json_object_get(root, "hoTen"));
	nlen = strlen(name);
	card = json_string_value(json_object_get(json_array_get(
	    json_object_get(root, "dsLichSuKCB2018"), 0), "maThe"));
	clen = strlen(card);
	held = json_incref(json_object_get(root, "held"));
	token = json_string_value(json_object_get(held, "token"));
	sign__json_wipe(root);
	for (i = 0; i < nlen; i++)
		assert_int_equal(name[i], 0);
	for (i = 0; i < clen; i++)
		assert_int_equal(card[i], 0);
	assert_string_equal(token, "abc.def");       /* held elsewhere: whole */
	assert_int_equal(json_integer_value(json_object_get(root, "n")), 42);
	sign__json_dispose(root);                     /* frees the rest */
	assert_string_equal(json_string_value(json_object_get(held, "token")), "abc.def");
	sign__json_dispose(held);
	sign__json_dispose(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_code_table),
		cmocka_unit_test(test_md5),
		cmocka_unit_test(test_urlencode),
		cmocka_unit_test(test_check_base),
		cmocka_unit_test(test_checks),
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_token_layouts),
		cmocka_unit_test(test_token_errors),
		cmocka_unit_test(test_answer_fields),
		cmocka_unit_test(test_answer_sha256_vector),
		cmocka_unit_test(test_answer_codes),
		cmocka_unit_test(test_answer_malformed),
		cmocka_unit_test(test_answer_warnings),
		cmocka_unit_test(test_answer_too_large),
		cmocka_unit_test(test_lookup_answer_status),
		cmocka_unit_test(test_client_transport),
		cmocka_unit_test(test_json_wipe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
