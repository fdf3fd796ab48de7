/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* BHYT lookups through the VSS gateway: result codes, the client and its
 * token cache, the lookup flow with bounded retries, and the result object. */
#include "insurance_priv.h"
#include "libsign/cancel.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#define TOKEN_PATH "/api/token/take"
#define LOOKUP_PATH "/api/egw/KQNhanLichSuKCB2024"
/* A cached token is not used in its last seconds. */
#define TOKEN_MARGIN 30
#define MAX_TRIES 10

/* ---- result codes -------------------------------------------------------- */

static const struct code_info {
	const char *code;
	sign_insurance_class cls;
	const char *vi;
	const char *en;
} codes[] = {
	{ "000", SIGN_INSURANCE_COVERED, "Thông tin thẻ chính xác",
	  "card information correct" },
	{ "001", SIGN_INSURANCE_COVERED, "Thẻ do BHXH Bộ Quốc Phòng quản lý",
	  "card managed by the Ministry of Defence's social security" },
	{ "002", SIGN_INSURANCE_COVERED, "Thẻ do BHXH Bộ Công An quản lý",
	  "card managed by the Ministry of Public Security's social security" },
	{ "003", SIGN_INSURANCE_COVERED, "Thẻ cũ hết giá trị sử dụng nhưng được cấp thẻ mới",
	  "old card expired, a new card was issued" },
	{ "004", SIGN_INSURANCE_COVERED, "Thẻ cũ còn giá trị sử dụng nhưng được cấp thẻ mới",
	  "old card still valid, a new card was issued" },
	{ "010", SIGN_INSURANCE_NOT_COVERED, "Thẻ hết giá trị sử dụng",
	  "card expired" },
	{ "050", SIGN_INSURANCE_NOT_COVERED, "Không thấy thông tin thẻ",
	  "no card information found" },
	{ "051", SIGN_INSURANCE_NOT_COVERED, "Mã thẻ không đúng",
	  "wrong card code" },
	{ "052", SIGN_INSURANCE_NOT_COVERED, "Mã tỉnh cấp thẻ (ký tự thứ 4, 5 của mã thẻ) không đúng",
	  "wrong province code (characters 4-5 of the card code)" },
	{ "053", SIGN_INSURANCE_NOT_COVERED, "Mã quyền lợi thẻ (ký tự thứ 3 của mã thẻ) không đúng",
	  "wrong benefit code (character 3 of the card code)" },
	{ "054", SIGN_INSURANCE_NOT_COVERED,
	  "Số CCCD của cán bộ tra cứu chưa được đăng ký với cơ sở KCB",
	  "the staff member's ID is not registered for the facility" },
	{ "055", SIGN_INSURANCE_NOT_COVERED, "Họ tên cán bộ tra cứu không khớp với số CCCD",
	  "the staff member's name does not match the staff ID" },
	{ "060", SIGN_INSURANCE_NOT_COVERED, "Thẻ sai họ tên",
	  "wrong name" },
	{ "061", SIGN_INSURANCE_NOT_COVERED, "Thẻ sai họ tên (đúng ký tự đầu)",
	  "wrong name (first character right)" },
	{ "070", SIGN_INSURANCE_NOT_COVERED, "Thẻ sai ngày sinh",
	  "wrong date of birth" },
	{ "100", SIGN_INSURANCE_GATEWAY_ERROR, "Lỗi khi lấy dữ liệu sổ thẻ",
	  "data error at the gateway" },
	{ "101", SIGN_INSURANCE_GATEWAY_ERROR, "Lỗi server",
	  "gateway server error" },
	{ "110", SIGN_INSURANCE_NOT_COVERED, "Thẻ đã thu hồi",
	  "card withdrawn" },
	{ "120", SIGN_INSURANCE_NOT_COVERED, "Thẻ đã báo giảm",
	  "card reduced (no longer in force)" },
	{ "121", SIGN_INSURANCE_NOT_COVERED, "Thẻ đã báo giảm. Giảm chuyển ngoại tỉnh",
	  "card reduced: moved to another province" },
	{ "122", SIGN_INSURANCE_NOT_COVERED, "Thẻ đã báo giảm. Giảm chuyển nội tỉnh",
	  "card reduced: moved within the province" },
	{ "123", SIGN_INSURANCE_NOT_COVERED, "Thẻ đã báo giảm. Thu hồi do tăng lại cùng đơn vị",
	  "card reduced: withdrawn, re-registered by the same unit" },
	{ "124", SIGN_INSURANCE_NOT_COVERED, "Thẻ đã báo giảm. Ngừng tham gia",
	  "card reduced: stopped participating" },
	{ "130", SIGN_INSURANCE_NOT_COVERED, "Trẻ em không xuất trình thẻ",
	  "child without a card" },
	{ "205", SIGN_INSURANCE_GATEWAY_ERROR, "Lỗi sai định dạng tham số",
	  "parameter format error" },
	{ "401", SIGN_INSURANCE_AUTH_ERROR, "Lỗi xác thực tài khoản",
	  "account authentication error" },
};

#define NCODES (sizeof(codes) / sizeof(codes[0]))

static const struct code_info *
code_find(const char *code)
{
	size_t i;

	if (code == NULL)
		return NULL;
	for (i = 0; i < NCODES; i++)
		if (strcmp(codes[i].code, code) == 0)
			return &codes[i];
	return NULL;
}

int
sign_insurance_code_info(const char *code, sign_insurance_class *cls, const char **vi,
    const char **en)
{
	const struct code_info *ci = code_find(code);

	if (cls != NULL)
		*cls = ci != NULL ? ci->cls : SIGN_INSURANCE_GATEWAY_ERROR;
	if (vi != NULL)
		*vi = ci != NULL ? ci->vi : NULL;
	if (en != NULL)
		*en = ci != NULL ? ci->en : NULL;
	if (ci == NULL)
		return sign_error__set(SIGN_ERR_NOT_FOUND, 0, "result code '%s' is not in the table",
		    code != NULL ? code : "(null)");
	return 0;
}

size_t
sign_insurance_code_count(void)
{
	return NCODES;
}

int
sign_insurance_code_get(size_t i, const char **code, sign_insurance_class *cls,
    const char **vi, const char **en)
{
	if (i >= NCODES)
		return SIGN_ERR_NOT_FOUND;
	if (code != NULL)
		*code = codes[i].code;
	if (cls != NULL)
		*cls = codes[i].cls;
	if (vi != NULL)
		*vi = codes[i].vi;
	if (en != NULL)
		*en = codes[i].en;
	return 0;
}

/* ---- small encoders and checks ------------------------------------------ */

int
sign_insurance__md5_hex(char out[33], const char *s, size_t len)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_MD *md5 = NULL;
	int rc = 0;

	out[0] = '\0';
	/* Fetched explicitly: MD5 is what the gateway's API prescribes. */
	md5 = EVP_MD_fetch(NULL, "MD5", NULL);
	if (md5 == NULL || EVP_Digest(s, len, md, &mdlen, md5, NULL) != 1 || mdlen != 16) {
		rc = sign_error__openssl(SIGN_ERR_CRYPTO,
		    "MD5 is not available (the gateway's API needs it for the password)");
		goto out;
	}
	sign__hex(out, md, 16);
out:
	OPENSSL_cleanse(md, sizeof(md));
	EVP_MD_free(md5);
	return rc;
}

char *
sign_insurance__urlencode(const char *s)
{
	static const char hx[] = "0123456789ABCDEF";
	size_t n = strlen(s), i, j = 0;
	char *o;

	if (n > (SIZE_MAX - 1) / 3)
		return NULL;
	o = malloc(3 * n + 1);
	if (o == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || c == '~') {
			o[j++] = (char)c;
		} else {
			o[j++] = '%';
			o[j++] = hx[c >> 4];
			o[j++] = hx[c & 15];
		}
	}
	o[j] = '\0';
	return o;
}

int
sign_insurance__check_base(char **out, const char *url)
{
	const char *p;
	size_t n;

	*out = NULL;
	if (url == NULL || url[0] == '\0')
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0,
		    "no gateway URL: set gateway (e.g. https://egw.baohiemxahoi.gov.vn)");
	if (strncasecmp(url, "https://", 8) != 0)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0,
		    "gateway URL '%.200s' is not https://: the gateway is only reached over "
		    "TLS", url);
	n = strlen(url);
	if (n > 2048)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "gateway URL longer than 2048 bytes");
	for (p = url; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;

		if (c <= 0x20 || c >= 0x7f || c == '?' || c == '#' || c == '@')
			return sign_error__set(SIGN_ERR_INVALID_ARG, 0,
			    "gateway URL '%.200s': give scheme, host, port and path only (no "
			    "blanks, credentials, query or fragment)", url);
	}
	if (url[8] == '\0' || url[8] == '/')
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "gateway URL '%.200s' has no host",
		    url);
	while (n > 8 && url[n - 1] == '/')
		n--;
	*out = malloc(n + 1);
	if (*out == NULL)
		return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
	memcpy(*out, url, n);
	(*out)[n] = '\0';
	return 0;
}

static int
all_digits(const char *s, size_t n)
{
	size_t i;

	if (strlen(s) != n)
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

int
sign_insurance__check_staff_id(const char *id)
{
	if (id == NULL || id[0] == '\0')
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0,
		    "no staff ID: the gateway needs the 12-digit ID number of the staff "
		    "member doing the lookup (cccdCb)");
	if (!all_digits(id, 12))
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0,
		    "staff ID '%.40s' is not a 12-digit citizen ID number", id);
	return 0;
}

int
sign_insurance__check_ma_the(const char *m)
{
	size_t i;

	if (m == NULL || m[0] == '\0')
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "no card code (maThe)");
	if (all_digits(m, 10) || all_digits(m, 12))
		return 0;
	if (strlen(m) == 15) {
		for (i = 0; i < 2; i++)
			if (m[i] < 'A' || m[i] > 'Z')
				break;
		if (i == 2 && all_digits(m + 2, 13))
			return 0;
	}
	return sign_error__set(SIGN_ERR_INVALID_ARG, 0,
	    "card code '%.40s' is neither a 10-digit social-insurance code, a 15-character "
	    "card code (2 capital letters, 13 digits) nor a 12-digit citizen ID", m);
}

/* Days from 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
static long
days_from_civil(long y, unsigned m, unsigned d)
{
	long era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long)doe - 719468;
}

static int
date_ok(long y, long m, long d)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	if (y < 1850 || y > 2200 || m < 1 || m > 12 || d < 1)
		return 0;
	return d <= mdays[m - 1] + (m == 2 && leap);
}

static long
num(const char *s, size_t n)
{
	long v = 0;
	size_t i;

	for (i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

int
sign_insurance__parse_date(const char *s, long *days)
{
	long d, m, y;

	if (s == NULL || strlen(s) != 10 || s[2] != '/' || s[5] != '/')
		return SIGN_ERR_MALFORMED;
	if (strspn(s, "0123456789") != 2 || strspn(s + 3, "0123456789") != 2 ||
	    strspn(s + 6, "0123456789") != 4)
		return SIGN_ERR_MALFORMED;
	d = num(s, 2);
	m = num(s + 3, 2);
	y = num(s + 6, 4);
	if (!date_ok(y, m, d))
		return SIGN_ERR_MALFORMED;
	*days = days_from_civil(y, (unsigned)m, (unsigned)d);
	return 0;
}

int
sign_insurance__check_birth_date(const char *date)
{
	long days;

	if (date == NULL || date[0] == '\0')
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "no date of birth (ngaySinh)");
	if (all_digits(date, 4) && num(date, 4) >= 1850 && num(date, 4) <= 2200)
		return 0;
	if (sign_insurance__parse_date(date, &days) != 0)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0,
		    "date of birth '%.40s' is not a date written dd/mm/yyyy (or yyyy)", date);
	return 0;
}

long
sign_insurance__local_days(time_t t)
{
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL)
		return (long)(t / 86400);
	return days_from_civil(tm.tm_year + 1900L, (unsigned)tm.tm_mon + 1,
	    (unsigned)tm.tm_mday);
}

int
sign_insurance__parse_iso8601(const char *s, time_t *out)
{
	long y, mo, d, h, mi, sec, off = 7 * 3600;
	const char *p;

	if (s == NULL || strlen(s) < 19 || strlen(s) > 40)
		return SIGN_ERR_MALFORMED;
	if (strspn(s, "0123456789") != 4 || s[4] != '-' || strspn(s + 5, "0123456789") != 2 ||
	    s[7] != '-' || strspn(s + 8, "0123456789") != 2 || (s[10] != 'T' && s[10] != ' ') ||
	    strspn(s + 11, "0123456789") != 2 || s[13] != ':' ||
	    strspn(s + 14, "0123456789") != 2 || s[16] != ':' ||
	    strspn(s + 17, "0123456789") != 2)
		return SIGN_ERR_MALFORMED;
	y = num(s, 4);
	mo = num(s + 5, 2);
	d = num(s + 8, 2);
	h = num(s + 11, 2);
	mi = num(s + 14, 2);
	sec = num(s + 17, 2);
	if (!date_ok(y, mo, d) || h > 23 || mi > 59 || sec > 60)
		return SIGN_ERR_MALFORMED;
	p = s + 19;
	if (*p == '.') {
		p++;
		if (strspn(p, "0123456789") == 0)
			return SIGN_ERR_MALFORMED;
		p += strspn(p, "0123456789");
	}
	if (*p == 'Z') {
		off = 0;
		p++;
	} else if (*p == '+' || *p == '-') {
		int neg = *p == '-';

		if (strspn(p + 1, "0123456789") != 2 || p[3] != ':' ||
		    strspn(p + 4, "0123456789") != 2)
			return SIGN_ERR_MALFORMED;
		off = num(p + 1, 2) * 3600 + num(p + 4, 2) * 60;
		if (off > 14 * 3600)
			return SIGN_ERR_MALFORMED;
		if (neg)
			off = -off;
		p += 6;
	}
	if (*p != '\0')
		return SIGN_ERR_MALFORMED;
	*out = (time_t)(days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400L +
	    h * 3600 + mi * 60 + sec - off);
	return 0;
}

/* ---- parsing answers ----------------------------------------------------- */

int
sign_insurance__code_from_json(const json_t *v, char out[17])
{
	const char *s;
	size_t n, i;

	out[0] = '\0';
	if (json_is_integer(v)) {
		json_int_t i64 = json_integer_value(v);

		if (i64 < 0 || i64 > 9999)
			return SIGN_ERR_MALFORMED;
		snprintf(out, 17, "%03d", (int)i64);
		return 0;
	}
	if (!json_is_string(v))
		return SIGN_ERR_MALFORMED;
	s = json_string_value(v);
	n = json_string_length(v);
	if (n == 0 || n > 16 || strlen(s) != n)
		return SIGN_ERR_MALFORMED;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return SIGN_ERR_MALFORMED;
	if (n < 3 && all_digits(s, n))
		snprintf(out, 17, "%03d", (int)num(s, n));
	else
		memcpy(out, s, n + 1);
	return 0;
}

void
sign__json_wipe(json_t *j)
{
	const char *key;
	json_t *v;
	size_t i;

	if (j == NULL)
		return;
	switch (json_typeof(j)) {
	case JSON_STRING:
		/* jansson's own copy of the value: writable, length known */
		OPENSSL_cleanse((char *)json_string_value(j), json_string_length(j));
		break;
	case JSON_ARRAY:
		json_array_foreach(j, i, v)
			if (v->refcount == 1)
				sign__json_wipe(v);
		break;
	case JSON_OBJECT:
		json_object_foreach(j, key, v)
			if (v->refcount == 1)
				sign__json_wipe(v);
		break;
	default:
		break;
	}
}

void
sign__json_dispose(json_t *j)
{
	if (j == NULL)
		return;
	if (j->refcount == 1)
		sign__json_wipe(j);
	json_decref(j);
}

static json_t *
load_object(const char *data, size_t len, const char *what)
{
	json_error_t err;
	json_t *j;

	if (len == 0) {
		sign_error__set(SIGN_ERR_SERVER_RESPONSE, 0, "the gateway's %s answer is empty",
		    what);
		return NULL;
	}
	j = json_loadb(data, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &err);
	if (j == NULL) {
		sign_error__set(SIGN_ERR_SERVER_RESPONSE, 0,
		    "the gateway's %s answer is not valid JSON (%s at byte %d of %zu%s)", what,
		    err.text, err.position, len,
		    (strstr(err.text, "near end of file") != NULL ||
		    strstr(err.text, "premature end") != NULL) ? ": truncated" : "");
		return NULL;
	}
	if (!json_is_object(j)) {
		sign__json_dispose(j);
		sign_error__set(SIGN_ERR_SERVER_RESPONSE, 0,
		    "the gateway's %s answer is JSON but not an object", what);
		return NULL;
	}
	return j;
}

int
sign_insurance__has_code(const char *data, size_t len)
{
	json_t *j;
	int has;

	if (data == NULL || len == 0 || len > SIGN_INSURANCE__MAX_ANSWER)
		return 0;
	j = json_loadb(data, len, JSON_REJECT_DUPLICATES, NULL);
	has = json_is_object(j) && json_object_get(j, "maKetQua") != NULL &&
	    !json_is_null(json_object_get(j, "maKetQua"));
	sign__json_dispose(j);
	return has;
}

/* The numeric value of an answer's maKetQua, or -1 when it has none. */
static int
answer_code(const char *data, size_t len, char code[17])
{
	json_t *j;
	int v = -1;

	code[0] = '\0';
	if (data == NULL || len == 0 || len > SIGN_INSURANCE__MAX_ANSWER)
		return -1;
	j = json_loadb(data, len, JSON_REJECT_DUPLICATES, NULL);
	if (json_is_object(j) &&
	    sign_insurance__code_from_json(json_object_get(j, "maKetQua"), code) == 0 &&
	    all_digits(code, strlen(code)) && strlen(code) <= 4)
		v = (int)num(code, strlen(code));
	sign__json_dispose(j);
	return v;
}

static char *
take_string(const json_t *v, size_t max)
{
	const char *s;
	size_t n;
	char *o;

	if (!json_is_string(v))
		return NULL;
	s = json_string_value(v);
	n = json_string_length(v);
	if (n > max || strlen(s) != n)
		return NULL;
	o = malloc(n + 1);
	if (o != NULL)
		memcpy(o, s, n + 1);
	return o;
}

static time_t
expiry_of(const json_t *v, time_t now)
{
	time_t t = 0;
	const char *s;

	if (json_is_integer(v)) {
		json_int_t n = json_integer_value(v);

		return (n > 0 && n < 10L * 365 * 86400) ? now + (time_t)n : 0;
	}
	if (json_is_real(v)) {
		double n = json_real_value(v);

		return (n > 0 && n < 10.0 * 365 * 86400) ? now + (time_t)n : 0;
	}
	if (!json_is_string(v))
		return 0;
	s = json_string_value(v);
	if (s[0] != '\0' && strlen(s) <= 9 && strspn(s, "0123456789") == strlen(s))
		return now + (time_t)num(s, strlen(s));
	if (sign_insurance__parse_iso8601(s, &t) != 0)
		return 0;
	return t;
}

int
sign_insurance__parse_token(const char *data, size_t len, time_t now, char **access,
    char **id_token, time_t *expires)
{
	const json_t *key = NULL, *v;
	json_t *j = NULL;
	const char *k;
	char code[17] = "";
	time_t exp = 0;
	int rc = 0;

	*access = NULL;
	*id_token = NULL;
	*expires = 0;
	j = load_object(data, len, "token");
	if (j == NULL)
		return sign_error_last();
	v = json_object_get(j, "maKetQua");
	if (v != NULL && !json_is_null(v))
		(void)sign_insurance__code_from_json(v, code);
	if (strcmp(code, "401") == 0 || strcmp(code, "403") == 0) {
		rc = sign_error__set(SIGN_ERR_SERVER_AUTH, 401,
		    "the gateway refused the facility account (maKetQua %s): check the "
		    "username and the password", code);
		goto out;
	}
	json_object_foreach(j, k, v) {
		if (strcasecmp(k, "APIKey") == 0 && json_is_object(v)) {
			key = v;
			break;
		}
	}
	if (key == NULL)
		key = j;
	*access = take_string(json_object_get(key, "access_token"), SIGN_INSURANCE__MAX_TOKEN);
	if (*access == NULL || (*access)[0] == '\0') {
		if (code[0] != '\0' && strcmp(code, "200") != 0 && strcmp(code, "000") != 0)
			rc = sign_error__set(SIGN_ERR_HTTP, 0,
			    "the gateway gave no token (maKetQua %s): try again later, or ask the "
			    "social-security office about the facility account", code);
		else
			rc = sign_error__set(SIGN_ERR_SERVER_RESPONSE, 0,
			    "the gateway's token answer has no APIKey.access_token string");
		goto out;
	}
	v = json_object_get(key, "id_token");
	if (v != NULL && !json_is_null(v)) {
		*id_token = take_string(v, SIGN_INSURANCE__MAX_TOKEN);
		if (*id_token == NULL) {
			rc = sign_error__set(SIGN_ERR_SERVER_RESPONSE, 0,
			    "the gateway's token answer has an id_token that is not a string");
			goto out;
		}
	} else {
		*id_token = calloc(1, 1);
		if (*id_token == NULL) {
			rc = sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
			goto out;
		}
	}
	if ((v = json_object_get(key, "expires_in")) != NULL ||
	    (v = json_object_get(key, "expires_at")) != NULL ||
	    (v = json_object_get(key, "expires")) != NULL)
		exp = expiry_of(v, now);
	*expires = exp > now ? exp : 0;
out:
	if (rc != 0) {
		if (*access != NULL)
			sign__freezero(*access, strlen(*access));
		if (*id_token != NULL)
			sign__freezero(*id_token, strlen(*id_token));
		*access = NULL;
		*id_token = NULL;
	}
	sign__json_dispose(j);
	return rc;
}

/* ---- the result ---------------------------------------------------------- */

enum { REQ_MATHE, REQ_HOTEN, REQ_NGAYSINH, REQ_HOTENCB, REQ_CCCDCB, REQ_N };
static const char *const req_names[REQ_N] = { "maThe", "hoTen", "ngaySinh", "hoTenCb", "cccdCb" };

struct sign_insurance_result {
	char *raw;
	size_t raw_len;
	unsigned char sha256[32];
	json_t *answer;
	char code[17];
	sign_insurance_class cls;
	const char *vi, *en;
	long http_status;
	unsigned int warnings;
	int has_days;
	long days_left;
	char *req[REQ_N];
};

void
sign_insurance_result_free(sign_insurance_result *r)
{
	size_t i;

	if (r == NULL)
		return;
	sign__freezero(r->raw, r->raw_len + 1);
	sign__json_dispose(r->answer);
	for (i = 0; i < REQ_N; i++)
		free(r->req[i]);
	free(r);
}

static const char *
str_field(const json_t *obj, const char *name)
{
	const json_t *v = json_object_get(obj, name);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static unsigned int
compute_warnings(const json_t *a, const char *code, long today, const char *facility,
    unsigned int warn_days, int *has_days, long *days_left)
{
	const char *to = str_field(a, "gtTheDen"), *from = str_field(a, "gtTheTu");
	const char *dk = str_field(a, "maDKBD"), *moi = str_field(a, "maTheMoi");
	unsigned int w = 0;
	long d;

	*has_days = 0;
	if (to != NULL && sign_insurance__parse_date(to, &d) == 0) {
		*has_days = 1;
		*days_left = d - today;
		if (d < today)
			w |= SIGN_INSURANCE_WARN_EXPIRED;
		else if (d - today <= (long)warn_days)
			w |= SIGN_INSURANCE_WARN_EXPIRES_SOON;
	}
	if (from != NULL && sign_insurance__parse_date(from, &d) == 0 && d > today)
		w |= SIGN_INSURANCE_WARN_NOT_YET_VALID;
	if (facility != NULL && facility[0] != '\0' && dk != NULL && dk[0] != '\0' &&
	    strcmp(dk, facility) != 0)
		w |= SIGN_INSURANCE_WARN_OTHER_FACILITY;
	if (strcmp(code, "003") == 0 || strcmp(code, "004") == 0 ||
	    (moi != NULL && moi[0] != '\0'))
		w |= SIGN_INSURANCE_WARN_NEW_CARD;
	return w;
}

int
sign_insurance__result_from_answer(sign_insurance_result **out, const char *data, size_t len,
    long http_status, long today, const char *facility, unsigned int warn_days)
{
	sign_insurance_result *r = NULL;
	const struct code_info *ci;
	const json_t *v;
	int rc = 0;

	*out = NULL;
	if (len > SIGN_INSURANCE__MAX_ANSWER)
		return sign_error__set(SIGN_ERR_TOO_LARGE, 0, "the gateway's answer is larger than "
		    "%u bytes", SIGN_INSURANCE__MAX_ANSWER);
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
	r->raw = malloc(len + 1);
	if (r->raw == NULL) {
		rc = sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
		goto out;
	}
	if (len > 0)
		memcpy(r->raw, data, len);
	r->raw[len] = '\0';
	r->raw_len = len;
	r->http_status = http_status;
	if (EVP_Digest(r->raw, len, r->sha256, NULL, EVP_sha256(), NULL) != 1) {
		rc = sign_error__openssl(SIGN_ERR_CRYPTO, "SHA-256 failed");
		goto out;
	}
	r->answer = load_object(data, len, "lookup");
	if (r->answer == NULL) {
		rc = sign_error_last();
		goto out;
	}
	v = json_object_get(r->answer, "maKetQua");
	if (v == NULL || json_is_null(v)) {
		rc = sign_error__set(SIGN_ERR_SERVER_RESPONSE, 0,
		    "the gateway's lookup answer has no result code (maKetQua)");
		goto out;
	}
	if (sign_insurance__code_from_json(v, r->code) != 0) {
		rc = sign_error__set(SIGN_ERR_SERVER_RESPONSE, 0,
		    "the gateway's lookup answer has a maKetQua that is neither a short "
		    "string nor a number");
		goto out;
	}
	ci = code_find(r->code);
	r->cls = ci != NULL ? ci->cls : SIGN_INSURANCE_GATEWAY_ERROR;
	r->vi = ci != NULL ? ci->vi : NULL;
	r->en = ci != NULL ? ci->en : NULL;
	r->warnings = compute_warnings(r->answer, r->code, today, facility,
	    warn_days != 0 ? warn_days : 30, &r->has_days, &r->days_left);
	*out = r;
	r = NULL;
out:
	sign_insurance_result_free(r);
	return rc;
}

const char *
sign_insurance_result_code(const sign_insurance_result *r)
{
	return r != NULL ? r->code : NULL;
}

sign_insurance_class
sign_insurance_result_class(const sign_insurance_result *r)
{
	return r != NULL ? r->cls : SIGN_INSURANCE_GATEWAY_ERROR;
}

int
sign_insurance_result_covered(const sign_insurance_result *r)
{
	return r != NULL && r->cls == SIGN_INSURANCE_COVERED;
}

const char *
sign_insurance_result_meaning_vi(const sign_insurance_result *r)
{
	return r != NULL ? r->vi : NULL;
}

const char *
sign_insurance_result_meaning_en(const sign_insurance_result *r)
{
	return r != NULL ? r->en : NULL;
}

const char *
sign_insurance_result_field(const sign_insurance_result *r, const char *name)
{
	if (r == NULL || name == NULL)
		return NULL;
	return str_field(r->answer, name);
}

unsigned int
sign_insurance_result_warnings(const sign_insurance_result *r)
{
	return r != NULL ? r->warnings : 0;
}

int
sign_insurance_result_days_left(const sign_insurance_result *r, long *days)
{
	if (r == NULL || days == NULL || !r->has_days)
		return SIGN_ERR_NOT_FOUND;
	*days = r->days_left;
	return 0;
}

int
sign_insurance_result_raw(const sign_insurance_result *r, const char **data, size_t *len)
{
	if (r == NULL || data == NULL || len == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "sign_insurance_result_raw: NULL");
	*data = r->raw;
	*len = r->raw_len;
	return 0;
}

const unsigned char *
sign_insurance_result_sha256(const sign_insurance_result *r)
{
	return r != NULL ? r->sha256 : NULL;
}

long
sign_insurance_result_http_status(const sign_insurance_result *r)
{
	return r != NULL ? r->http_status : 0;
}

const char *
sign_insurance_result_request(const sign_insurance_result *r, const char *name)
{
	size_t i;

	if (r == NULL || name == NULL)
		return NULL;
	for (i = 0; i < REQ_N; i++)
		if (strcmp(req_names[i], name) == 0)
			return r->req[i];
	return NULL;
}

/* ---- the client ---------------------------------------------------------- */

struct sign_insurance_client {
	char *base;
	char *username;
	char md5[33];               /* the password's MD5, the only form kept */
	char *facility;
	char *staff_name;
	char *staff_id;
	unsigned int tries;
	long retry_delay_ms;
	unsigned int warn_days;
	struct sign_insurance__transport tr;
	char *access;               /* cached token, NULL when none */
	char *id_token;
	time_t expires;             /* 0: unknown (valid until a 401) */
	unsigned int token_count;
	time_t (*now)(void);
};

static time_t
wall_now(void)
{
	return time(NULL);
}

static char *
dup_opt(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

static void
wipe_free(char *s)
{
	if (s != NULL)
		sign__freezero(s, strlen(s));
}

static void
drop_token(sign_insurance_client *c)
{
	wipe_free(c->access);
	wipe_free(c->id_token);
	c->access = NULL;
	c->id_token = NULL;
	c->expires = 0;
}

void
sign_insurance_client_free(sign_insurance_client *c)
{
	if (c == NULL)
		return;
	drop_token(c);
	if (c->tr.free != NULL)
		c->tr.free(c->tr.ctx);
	OPENSSL_cleanse(c->md5, sizeof(c->md5));
	free(c->base);
	free(c->username);
	free(c->facility);
	free(c->staff_name);
	free(c->staff_id);
	free(c);
}

void
sign_insurance__set_transport(sign_insurance_client *c, const struct sign_insurance__transport *t)
{
	if (c->tr.free != NULL)
		c->tr.free(c->tr.ctx);
	c->tr = *t;
}

unsigned int
sign_insurance__token_count(const sign_insurance_client *c)
{
	return c->token_count;
}

void
sign_insurance__set_clock(sign_insurance_client *c, time_t (*now)(void))
{
	c->now = now != NULL ? now : wall_now;
}

static int
check_text(const char *what, const char *s, size_t max)
{
	size_t n;

	if (s == NULL || s[0] == '\0')
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "no %s given", what);
	n = strlen(s);
	if (n > max)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "the %s is longer than %zu bytes",
		    what, max);
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return sign_error__set(SIGN_ERR_INVALID_ARG, 0,
			    "the %s contains a control character", what);
	return 0;
}

int
sign_insurance_client_new(sign_insurance_client **out, const sign_insurance_options *o)
{
	return sign_insurance__client_new(out, o, NULL);
}

int
sign_insurance__client_new(sign_insurance_client **out, const sign_insurance_options *o,
    const struct sign_insurance__transport *t)
{
	sign_insurance_client *c = NULL;
	size_t ulen;
	int rc = 0;

	if (out != NULL)
		*out = NULL;
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		if (t != NULL && t->free != NULL)
			t->free(t->ctx);
		return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
	}
	if (t != NULL)
		c->tr = *t;     /* owned from here on, freed with the client */
	if (out == NULL || o == NULL) {
		rc = sign_error__set(SIGN_ERR_INVALID_ARG, 0, "sign_insurance_client_new: NULL");
		goto out;
	}
	if (o->version != SIGN_INSURANCE_OPTIONS_VERSION) {
		rc = sign_error__set(SIGN_ERR_INVALID_ARG, 0,
		    "sign_insurance_options version %u is not %d", o->version,
		    SIGN_INSURANCE_OPTIONS_VERSION);
		goto out;
	}
	c->now = wall_now;
	rc = sign_insurance__check_base(&c->base, o->gateway);
	if (rc != 0)
		goto out;
	if ((rc = check_text("gateway username (the facility account, e.g. 01001_BV)",
	    o->username, 256)) != 0)
		goto out;
	if (o->password == NULL || o->password[0] == '\0') {
		rc = sign_error__set(SIGN_ERR_INVALID_ARG, 0, "no gateway password given");
		goto out;
	}
	if (o->staff_id != NULL && (rc = sign_insurance__check_staff_id(o->staff_id)) != 0)
		goto out;
	if (o->staff_name != NULL && (rc = check_text("staff name", o->staff_name, 256)) != 0)
		goto out;
	if (o->tries > MAX_TRIES) {
		rc = sign_error__set(SIGN_ERR_INVALID_ARG, 0, "at most %d tries", MAX_TRIES);
		goto out;
	}
	if (o->connect_timeout_ms < 0 || o->timeout_ms < 0) {
		rc = sign_error__set(SIGN_ERR_INVALID_ARG, 0, "negative timeout");
		goto out;
	}
	c->username = strdup(o->username);
	c->staff_name = dup_opt(o->staff_name);
	c->staff_id = dup_opt(o->staff_id);
	ulen = strlen(o->username);
	if (o->facility_code != NULL)
		c->facility = strdup(o->facility_code);
	else if (ulen > 3 && strcmp(o->username + ulen - 3, "_BV") == 0)
		c->facility = strndup(o->username, ulen - 3);
	if (c->username == NULL || (o->staff_name != NULL && c->staff_name == NULL) ||
	    (o->staff_id != NULL && c->staff_id == NULL) ||
	    ((o->facility_code != NULL || (ulen > 3 && strcmp(o->username + ulen - 3, "_BV") == 0))
	    && c->facility == NULL)) {
		rc = sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
		goto out;
	}
	rc = sign_insurance__md5_hex(c->md5, o->password, strlen(o->password));
	if (rc != 0)
		goto out;
	c->tries = o->tries != 0 ? o->tries : 3;
	c->retry_delay_ms = o->retry_delay_ms != 0 ? o->retry_delay_ms : 500;
	c->warn_days = o->expiry_warn_days != 0 ? o->expiry_warn_days : 30;
	if (t == NULL) {
		rc = sign_gateway__new(&c->tr, o);
		if (rc != 0)
			goto out;
	}
	*out = c;
	c = NULL;
out:
	sign_insurance_client_free(c);
	return rc;
}

/* ---- the exchange -------------------------------------------------------- */

/* Wait ms between tries, in slices of at most 50 ms: ends early when the
 * requests are abandoned (sign_cancel_request). */
static void
sleep_ms(long ms)
{
	struct timespec ts;
	long step;

	while (ms > 0 && !sign_cancel_requested()) {
		step = ms < 50 ? ms : 50;
		ts.tv_sec = 0;
		ts.tv_nsec = step * 1000000L;
		while (nanosleep(&ts, &ts) != 0 && errno == EINTR && !sign_cancel_requested())
			;
		ms -= step;
	}
}

/* POST with bounded retries on transient failures and on HTTP 5xx answers
 * that carry no result code. */
static int
post(sign_insurance_client *c, const char *what, const char *url, const char *log_url,
    const char *body, long *status, sign_buf *answer)
{
	long delay = c->retry_delay_ms;
	unsigned int i;
	int rc = 0, transient;

	for (i = 1; i <= c->tries; i++) {
		transient = 0;
		sign_buf_dispose(answer);
		*status = 0;
		if (sign_cancel_requested())
			return sign_error__set(SIGN_ERR_CANCELLED, 0, "the %s request to the gateway "
			    "was abandoned: interrupted", what);
		sign_log__msg(SIGN_LOG_DEBUG, "insurance: POST %s (%s, try %u of %u)", log_url,
		    what, i, c->tries);
		rc = c->tr.post(c->tr.ctx, url, log_url, body, strlen(body), status, answer,
		    &transient);
		if (rc == 0) {
			sign_log__msg(SIGN_LOG_DEBUG, "insurance: HTTP %ld, %zu bytes", *status,
			    answer->len);
			if (*status < 500 || sign_insurance__has_code((const char *)answer->data,
			    answer->len))
				return 0;
			rc = sign_error__set(SIGN_ERR_HTTP, (unsigned long)*status,
			    "the gateway answered the %s request with HTTP %ld%s", what,
			    *status, c->tries > 1 ? "" : " (1 try)");
			transient = 1;
		}
		if (!transient)
			return rc;
		if (i < c->tries) {
			sign_log__msg(SIGN_LOG_INFO, "insurance: %s; trying again", sign_error_message());
			sleep_ms(delay);
			if (delay > 0 && delay < 60000)
				delay *= 2;
		}
	}
	{
		/* (failures that are not worth a retry - TLS verification, a
		 * truncated answer - returned above with their own fix) */
		const char *fix = rc == SIGN_ERR_HTTP ?
		    "; a server error at the gateway: try again later" : rc == SIGN_ERR_NETWORK ?
		    "; check the network and the gateway URL, or try again later" : "";
		char n[32] = "";

		if (c->tries > 1)
			snprintf(n, sizeof(n), " (%u tries)", c->tries);
		rc = sign_error__set(rc, sign_error_backend(), "%s%s%s", sign_error_message(), n,
		    fix);
	}
	return rc;
}

/* An HTTP status that carries no answer, with what to do about it. */
static int
http_failure(const char *base, const char *what, long status)
{
	const char *fix;

	if (status >= 300 && status <= 399)
		fix = "a redirect, which is never followed: check the gateway URL";
	else if (status == 403)
		fix = "access refused: the gateway only serves the facility's registered IP "
		    "addresses; ask the social-security office to register this address";
	else if (status == 404 || status == 405)
		fix = "no such API there: check the gateway URL (the base only, without /api/...)";
	else if (status == 408 || status == 429)
		fix = "the gateway is busy or rate-limits this facility: try again in a moment";
	else if (status >= 400 && status <= 499)
		fix = "check the gateway URL and the account";
	else if (status >= 500)
		fix = "a server error: try again later";
	else
		fix = "not an answer of the gateway's API: check the gateway URL";
	return sign_error__set(SIGN_ERR_HTTP, (unsigned long)status,
	    "the gateway %s answered the %s request with HTTP %ld (%s)", base, what, status,
	    fix);
}

/*
 * The fields of a lookup answer the desk reads (dates, facility, card code,
 * new card) must be strings or null, and the history lists arrays or null:
 * an answer that gives them another type is malformed, not "covered with
 * unknown dates".  (Only for answers received now: recorded answers are
 * re-read as they were.)
 */
static int
check_answer_types(const sign_insurance_result *r)
{
	static const char *const strings[] = { "ghiChu", "maThe", "hoTen", "ngaySinh",
		"gioiTinh", "diaChi", "maDKBD", "tenDKBD", "cqBHXH", "gtTheTu", "gtTheDen",
		"maKV", "ngayDu5Nam", "maSoBHXH", "maTheCu", "maTheMoi", "gtTheTuMoi",
		"gtTheDenMoi", "maDKBDMoi", "tenDKBDMoi" };
	static const char *const arrays[] = { "dsLichSuKCB2018", "dsLichSuKT2018" };
	const json_t *v;
	size_t i;

	for (i = 0; i < sizeof(strings) / sizeof(strings[0]); i++) {
		v = json_object_get(r->answer, strings[i]);
		if (v != NULL && !json_is_string(v) && !json_is_null(v))
			return sign_error__set(SIGN_ERR_SERVER_RESPONSE, 0,
			    "the gateway's lookup answer (maKetQua %s) gives %s as a %s, not a "
			    "string: a malformed answer; ask the gateway's operator", r->code,
			    strings[i], json_is_object(v) ? "object" : json_is_array(v) ? "array" :
			    json_is_boolean(v) ? "boolean" : "number");
	}
	for (i = 0; i < sizeof(arrays) / sizeof(arrays[0]); i++) {
		v = json_object_get(r->answer, arrays[i]);
		if (v != NULL && !json_is_array(v) && !json_is_null(v))
			return sign_error__set(SIGN_ERR_SERVER_RESPONSE, 0,
			    "the gateway's lookup answer (maKetQua %s) gives %s that is not a "
			    "list: a malformed answer; ask the gateway's operator", r->code,
			    arrays[i]);
	}
	return 0;
}

/* An HTTP status of success. */
static int
http_ok(long status)
{
	return status >= 200 && status <= 299;
}

int
sign_insurance__covered_in_error(const sign_insurance_result *r)
{
	return r != NULL && r->cls == SIGN_INSURANCE_COVERED && !http_ok(r->http_status);
}

int
sign_insurance__lookup_answer(sign_insurance_result **out, const char *base, const char *data,
    size_t len, long http_status, long today, const char *facility, unsigned int warn_days)
{
	sign_insurance_result *r = NULL;
	int rc;

	*out = NULL;
	if (!sign_insurance__has_code(data, len) && !http_ok(http_status))
		return http_failure(base, "lookup", http_status);
	rc = sign_insurance__result_from_answer(&r, data, len, http_status, today, facility,
	    warn_days);
	if (rc != 0 || (rc = check_answer_types(r)) != 0)
		goto out;
	/* An answer that carries a result code is taken whatever its status
	 * (never retried), but coverage only from a successful one: a 3xx, 4xx
	 * or 5xx page that says 000 is a broken or hostile answer. */
	if (sign_insurance__covered_in_error(r)) {
		rc = sign_error__set(SIGN_ERR_HTTP, (unsigned long)http_status,
		    "the gateway %s answered the lookup with HTTP %ld and maKetQua %s (covered): "
		    "coverage is only taken from an HTTP 2xx answer; try again, or ask the "
		    "gateway's operator", base, http_status, r->code);
		goto out;
	}
	*out = r;
	r = NULL;
out:
	sign_insurance_result_free(r);
	return rc;
}

static char *
join(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);
	char *s = malloc(na + nb + 1);

	if (s != NULL) {
		memcpy(s, a, na);
		memcpy(s + na, b, nb + 1);
	}
	return s;
}

static int
take_token(sign_insurance_client *c)
{
	json_t *req = NULL;
	char *body = NULL, *url = NULL, *uj = NULL;
	sign_buf ans = SIGN_BUF_INIT;
	long status = 0;
	time_t exp = 0;
	size_t n = 0;
	int rc = 0;

	drop_token(c);
	/* The body is put together here rather than by jansson, so that the only
	 * copy of the password's MD5 is one we wipe. */
	req = json_string(c->username);
	uj = req != NULL ? json_dumps(req, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
	url = join(c->base, TOKEN_PATH);
	if (uj != NULL) {
		n = strlen(uj) + sizeof(c->md5) + 32;
		body = malloc(n);
	}
	if (body == NULL || url == NULL) {
		rc = sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
		goto out;
	}
	snprintf(body, n, "{\"username\":%s,\"password\":\"%s\"}", uj, c->md5);
	c->token_count++;
	rc = post(c, "token", url, url, body, &status, &ans);
	if (rc != 0)
		goto out;
	if (status == 401 || status == 403) {
		rc = sign_error__set(SIGN_ERR_SERVER_AUTH, (unsigned long)status,
		    "the gateway refused the facility account %s (HTTP %ld): check the "
		    "username and the password%s", c->username, status, status == 403 ?
		    ", and that this computer's IP address is registered with the gateway" : "");
		goto out;
	}
	rc = sign_insurance__parse_token((const char *)ans.data, ans.len, c->now(), &c->access,
	    &c->id_token, &exp);
	if (rc != 0) {
		if (rc == SIGN_ERR_SERVER_RESPONSE && !http_ok(status))
			rc = http_failure(c->base, "token", status);
		else if (rc == SIGN_ERR_SERVER_AUTH)
			rc = sign_error__set(rc, sign_error_backend(),
			    "the gateway refused the facility account %s: check the username and "
			    "the password", c->username);
		goto out;
	}
	c->expires = exp;
	sign_log__msg(SIGN_LOG_DEBUG, "insurance: token taken%s", exp != 0 ? "" :
	    " (no expiry given: kept until a 401)");
out:
	sign__json_dispose(req);
	free(uj);
	if (body != NULL)
		sign__freezero(body, n);
	free(url);
	sign_buf_dispose(&ans);
	return rc;
}

static int
token_valid(const sign_insurance_client *c)
{
	return c->access != NULL && (c->expires == 0 || c->now() + TOKEN_MARGIN < c->expires);
}

/* The lookup URL with its query, and the same with secrets replaced. */
static int
lookup_urls(const sign_insurance_client *c, char **url, char **log_url)
{
	char *t = NULL, *it = NULL, *u = NULL;
	size_t n;
	int rc = 0;

	*url = NULL;
	*log_url = NULL;
	t = sign_insurance__urlencode(c->access);
	it = sign_insurance__urlencode(c->id_token);
	u = sign_insurance__urlencode(c->username);
	if (t == NULL || it == NULL || u == NULL) {
		rc = sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
		goto out;
	}
	n = strlen(c->base) + strlen(LOOKUP_PATH) + strlen(t) + strlen(it) + strlen(u) + 80;
	*url = malloc(n);
	*log_url = malloc(n);
	if (*url == NULL || *log_url == NULL) {
		rc = sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
		goto out;
	}
	snprintf(*url, n, "%s%s?token=%s&id_token=%s&username=%s&password=%s", c->base,
	    LOOKUP_PATH, t, it, u, c->md5);
	snprintf(*log_url, n, "%s%s?token=***&id_token=***&username=%s&password=***", c->base,
	    LOOKUP_PATH, u);
out:
	if (rc != 0) {
		free(*url);
		free(*log_url);
		*url = NULL;
		*log_url = NULL;
	}
	if (t != NULL)
		sign__freezero(t, strlen(t));
	if (it != NULL)
		sign__freezero(it, strlen(it));
	free(u);
	return rc;
}

static int
check_request(const sign_insurance_client *c, const sign_insurance_request *req,
    const char **sname, const char **sid)
{
	int rc;

	if (req->version != SIGN_INSURANCE_REQUEST_VERSION)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0,
		    "sign_insurance_request version %u is not %d", req->version,
		    SIGN_INSURANCE_REQUEST_VERSION);
	*sname = req->staff_name != NULL ? req->staff_name : c->staff_name;
	*sid = req->staff_id != NULL ? req->staff_id : c->staff_id;
	if ((rc = sign_insurance__check_ma_the(req->ma_the)) != 0 ||
	    (rc = check_text("holder's name (hoTen)", req->full_name, 256)) != 0 ||
	    (rc = sign_insurance__check_birth_date(req->birth_date)) != 0)
		return rc;
	if (*sname == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0,
		    "no staff name: the gateway needs the name of the staff member doing the "
		    "lookup (hoTenCb)");
	if ((rc = check_text("staff name (hoTenCb)", *sname, 256)) != 0)
		return rc;
	return sign_insurance__check_staff_id(*sid);
}

int
sign_insurance_lookup(sign_insurance_result **out, sign_insurance_client *c,
    const sign_insurance_request *req)
{
	sign_insurance_result *res = NULL;
	const char *sname = NULL, *sid = NULL;
	json_t *jbody = NULL;
	char *body = NULL, *url = NULL, *log_url = NULL;
	sign_buf ans = SIGN_BUF_INIT;
	char code[17];
	long status = 0;
	int rc = 0, reauth = 0, i;

	if (out == NULL || c == NULL || req == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "sign_insurance_lookup: NULL");
	*out = NULL;
	rc = check_request(c, req, &sname, &sid);
	if (rc != 0)
		goto out;
	jbody = json_pack("{s:s,s:s,s:s,s:s,s:s}", "maThe", req->ma_the, "hoTen",
	    req->full_name, "ngaySinh", req->birth_date, "hoTenCb", sname, "cccdCb", sid);
	if (jbody == NULL) {
		rc = sign_error__set(SIGN_ERR_INVALID_ARG, 0,
		    "the request's names are not valid UTF-8");
		goto out;
	}
	body = json_dumps(jbody, JSON_COMPACT);
	if (body == NULL) {
		rc = sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
		goto out;
	}
	for (;;) {
		if (!token_valid(c)) {
			rc = take_token(c);
			if (rc != 0)
				goto out;
		}
		free(url);
		free(log_url);
		url = log_url = NULL;
		rc = lookup_urls(c, &url, &log_url);
		if (rc != 0)
			goto out;
		rc = post(c, "lookup", url, log_url, body, &status, &ans);
		if (url != NULL)
			OPENSSL_cleanse(url, strlen(url));
		if (rc != 0)
			goto out;
		if (status == 401 || answer_code((const char *)ans.data, ans.len, code) == 401) {
			drop_token(c);
			if (reauth) {
				rc = sign_error__set(SIGN_ERR_SERVER_AUTH, 401,
				    "the gateway refused the lookup (401) again with a new token: "
				    "check the facility account %s and its rights", c->username);
				goto out;
			}
			sign_log__msg(SIGN_LOG_INFO,
			    "insurance: the gateway refused the token (401); taking a new one");
			reauth = 1;
			continue;
		}
		break;
	}
	rc = sign_insurance__lookup_answer(&res, c->base, (const char *)ans.data, ans.len, status,
	    sign_insurance__local_days(c->now()), c->facility, c->warn_days);
	if (rc != 0)
		goto out;
	for (i = 0; i < REQ_N; i++) {
		const char *v = json_string_value(json_object_get(jbody, req_names[i]));

		res->req[i] = strdup(v != NULL ? v : "");
		if (res->req[i] == NULL) {
			rc = sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
			goto out;
		}
	}
	*out = res;
	res = NULL;
out:
	sign_insurance_result_free(res);
	sign__json_dispose(jbody);
	free(body);
	if (url != NULL)
		sign__freezero(url, strlen(url));
	free(log_url);
	sign_buf_dispose(&ans);
	return rc;
}
