/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzz what kyso takes from the BHYT gateway (libsign/insurance.c): the
 * token step's answer, the lookup step's answer with its HTTP status, and the
 * client's whole exchange over a scripted transport (token cache, 401 and a
 * new token once, retries of HTTP 5xx and network errors), with the real
 * client code and only the transport replaced (sign_insurance__client_new).
 *
 * The input is one answer, or several separated by a line "--"
 * ("\n--\n", which no JSON text contains).  A part may begin with
 * "@NNN\n": the HTTP status of that answer (else 200); a part "!t" / "!n" is
 * a transient / lasting network failure instead of an answer.
 *
 *  - each part alone: sign_insurance__parse_token() and, with its status
 *    and with HTTP 500, sign_insurance__lookup_answer() (what the client does
 *    with a lookup answer) and the recorded-answer reader
 *    sign_insurance__result_from_answer();
 *  - the exchange: two lookups on one client, the parts served in order to
 *    the token and lookup requests (one part: a good token, then the part;
 *    and the part as the token answer, then a good lookup answer).
 *
 * Whatever the bytes: no crash, leak or overread (the sanitizers), an error
 * code of the documented set with a message, nothing kept on failure, a
 * result only for an answer with a result code, its raw bytes and SHA-256
 * exactly the answer's, "covered" only for 000-004 in an HTTP 2xx answer,
 * a bounded number of requests, and no secret in the logged URL.  A
 * violated property aborts.
 */
#define FUZZ_NAME "insurance"
#include "config.h"
#include "icao_replay.h"
#include "insurance_priv.h"

#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#define PASSWORD_MD5 "f1c57dbdd69430e6ae87be2d8643d6fe" /* "matkhau-thu-nghiem" */
#define BASE "https://egw.example.vn"
#define NOW ((time_t)1700000000)
#define TODAY 19676L    /* the local date at NOW, near enough: warnings only */
#define MAX_PARTS 16
#define TRIES 3

static const char token_ok[] = "{\"maKetQua\":\"200\",\"APIKey\":{\"access_token\":"
    "\"tok/1+x\",\"id_token\":\"id=1\",\"expires_in\":600}}";
static const char answer_ok[] = "{\"maKetQua\":\"000\",\"maDKBD\":\"01001\"}";

struct part {
	const unsigned char *data;   /* a copy of exactly len bytes (ASan sees overreads) */
	size_t len;
	long status;
	int fail;                    /* 0, or 't' / 'n': a network failure */
};

#define CHECK(x) do { if (!(x)) { \
	fprintf(stderr, "fuzz_insurance: %s:%d: %s\n", __FILE__, __LINE__, #x); abort(); } } while (0)

static int
error_ok(int rc)
{
	return rc == SIGN_ERR_SERVER_RESPONSE || rc == SIGN_ERR_SERVER_AUTH ||
	    rc == SIGN_ERR_HTTP || rc == SIGN_ERR_NETWORK || rc == SIGN_ERR_TOO_LARGE;
}

static void
check_failed(int rc)
{
	CHECK(error_ok(rc));
	CHECK(sign_error_last() == rc);
	CHECK(sign_error_message() != NULL && sign_error_message()[0] != '\0');
}

/* ---- one answer ----------------------------------------------------------- */

static void
check_result(const sign_insurance_result *r, const unsigned char *data, size_t len,
    long status)
{
	static const char *const fields[] = { "ghiChu", "maThe", "hoTen", "ngaySinh", "gioiTinh",
		"diaChi", "maDKBD", "tenDKBD", "cqBHXH", "gtTheTu", "gtTheDen", "maKV",
		"ngayDu5Nam", "maSoBHXH", "maTheCu", "maTheMoi", "gtTheTuMoi", "gtTheDenMoi",
		"maDKBDMoi", "tenDKBDMoi", "dsLichSuKCB2018", "maKetQua", "" };
	unsigned char md[32];
	const char *code = sign_insurance_result_code(r), *raw = NULL, *vi, *en;
	sign_insurance_class cls;
	size_t i, n = 0;
	unsigned int w = sign_insurance_result_warnings(r);
	long days = 0;

	CHECK(code != NULL && code[0] != '\0' && strlen(code) <= 16);
	for (i = 0; code[i] != '\0'; i++)
		CHECK((unsigned char)code[i] > 0x20 && (unsigned char)code[i] < 0x7f);
	/* the class and meaning are the table's */
	if (sign_insurance_code_info(code, &cls, &vi, &en) == 0) {
		CHECK(sign_insurance_result_meaning_vi(r) == vi);
		CHECK(sign_insurance_result_meaning_en(r) == en);
	} else {
		CHECK(sign_insurance_result_meaning_vi(r) == NULL);
	}
	CHECK(sign_insurance_result_class(r) == cls);
	CHECK(sign_insurance_result_covered(r) == (cls == SIGN_INSURANCE_COVERED));
	if (cls == SIGN_INSURANCE_COVERED)
		CHECK(strlen(code) == 3 && strncmp(code, "00", 2) == 0 && code[2] >= '0' &&
		    code[2] <= '4');
	/* the bytes as received */
	CHECK(sign_insurance_result_raw(r, &raw, &n) == 0);
	CHECK(n == len && (len == 0 || memcmp(raw, data, len) == 0) && raw[len] == '\0');
	CHECK(EVP_Digest(data, len, md, NULL, EVP_sha256(), NULL) == 1);
	CHECK(memcmp(sign_insurance_result_sha256(r), md, 32) == 0);
	CHECK(sign_insurance_result_http_status(r) == status);
	CHECK(sign_insurance__has_code((const char *)data, len) == 1);
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		const char *v = sign_insurance_result_field(r, fields[i]);

		CHECK(v == NULL || strlen(v) < len);
	}
	CHECK(sign_insurance_result_field(r, NULL) == NULL);
	/* warnings agree with the days left */
	CHECK((w & ~0x1fu) == 0);
	if (sign_insurance_result_days_left(r, &days) == 0)
		CHECK(((w & SIGN_INSURANCE_WARN_EXPIRED) != 0) == (days < 0));
	else
		CHECK((w & (SIGN_INSURANCE_WARN_EXPIRED | SIGN_INSURANCE_WARN_EXPIRES_SOON)) == 0);
}

static void
one_lookup_answer(const struct part *p, long status)
{
	sign_insurance_result *r = (sign_insurance_result *)1, *rec = (sign_insurance_result *)1;
	int rc, rrc;

	rc = sign_insurance__lookup_answer(&r, BASE, (const char *)p->data, p->len, status,
	    TODAY, "01001", 30);
	if (rc != 0) {
		check_failed(rc);
		CHECK(r == NULL);
	} else {
		CHECK(r != NULL);
		check_result(r, p->data, p->len, status);
		if (status < 200 || status > 299)
			CHECK(!sign_insurance_result_covered(r));
	}
	/* the reader of recorded answers accepts what the desk accepted, the same */
	rrc = sign_insurance__result_from_answer(&rec, (const char *)p->data, p->len, status,
	    TODAY, NULL, 30);
	if (rrc != 0) {
		CHECK(rec == NULL);
		CHECK(rrc == SIGN_ERR_SERVER_RESPONSE || rrc == SIGN_ERR_TOO_LARGE);
		CHECK(rc != 0);
	} else {
		CHECK(rec != NULL);
		if (r != NULL) {
			CHECK(strcmp(sign_insurance_result_code(r), sign_insurance_result_code(rec)) == 0);
			CHECK(sign_insurance_result_class(r) == sign_insurance_result_class(rec));
		}
	}
	sign_insurance_result_free(rec);
	sign_insurance_result_free(r);
}

static void
one_token_answer(const struct part *p)
{
	char *access = (char *)1, *id_token = (char *)1;
	time_t exp = 1;
	int rc;

	rc = sign_insurance__parse_token((const char *)p->data, p->len, NOW, &access, &id_token,
	    &exp);
	if (rc != 0) {
		CHECK(rc == SIGN_ERR_SERVER_RESPONSE || rc == SIGN_ERR_SERVER_AUTH ||
		    rc == SIGN_ERR_HTTP);
		check_failed(rc);
		CHECK(access == NULL && id_token == NULL && exp == 0);
		return;
	}
	CHECK(access != NULL && access[0] != '\0' && strlen(access) <= SIGN_INSURANCE__MAX_TOKEN);
	CHECK(strlen(access) < p->len);
	CHECK(id_token != NULL && strlen(id_token) <= SIGN_INSURANCE__MAX_TOKEN);
	CHECK(exp == 0 || exp > NOW);
	OPENSSL_cleanse(access, strlen(access));
	OPENSSL_cleanse(id_token, strlen(id_token));
	free(access);
	free(id_token);
}

/* ---- the exchange --------------------------------------------------------- */

struct script {
	const struct part *parts;
	size_t n, next;
	unsigned int requests;
	long last_status;            /* of the last answer served, -1: a failure */
	const struct part *last;
};

static int
script_post(void *ctx, const char *url, const char *log_url, const char *body, size_t blen,
    long *status, sign_buf *answer, int *transient)
{
	struct script *s = ctx;
	const struct part *p;

	/* what is logged never carries the secrets */
	CHECK(strstr(log_url, PASSWORD_MD5) == NULL);
	CHECK(strstr(log_url, "token=tok") == NULL && strstr(log_url, "id_token=id") == NULL);
	CHECK(strlen(body) == blen && url != NULL);
	CHECK(strncmp(url, BASE "/api/", sizeof(BASE "/api/") - 1) == 0);
	s->requests++;
	s->last = NULL;
	s->last_status = -1;
	if (s->next >= s->n) {
		*transient = 0;
		return sign_error__set(SIGN_ERR_NETWORK, 0, "no more scripted answers");
	}
	p = &s->parts[s->next++];
	if (p->fail != 0) {
		*transient = p->fail == 't';
		return sign_error__set(SIGN_ERR_NETWORK, 0, "scripted network failure");
	}
	*status = p->status;
	s->last = p;
	s->last_status = p->status;
	return sign_buf__set(answer, p->data, p->len);
}

static void
script_free(void *ctx)
{
	(void)ctx;
}

static time_t fake_time;

static time_t
fake_now(void)
{
	return fake_time;
}

static void
exchange(const struct part *parts, size_t n)
{
	sign_insurance_options o = SIGN_INSURANCE_OPTIONS_INIT;
	sign_insurance_request q = SIGN_INSURANCE_REQUEST_INIT;
	struct sign_insurance__transport t;
	struct script s;
	sign_insurance_client *c = NULL;
	sign_insurance_result *r = NULL;
	unsigned int before;
	int i, rc;

	memset(&s, 0, sizeof(s));
	s.parts = parts;
	s.n = n;
	t.post = script_post;
	t.free = script_free;
	t.ctx = &s;
	o.gateway = BASE "/";
	o.username = "01001_BV";
	o.password = "matkhau-thu-nghiem";
	o.staff_name = "Trần Thị Bình";
	o.staff_id = "001085001234";
	o.tries = TRIES;
	o.retry_delay_ms = -1;   /* no waits */
	q.ma_the = "001190012345";
	q.full_name = "Nguyễn Thị Hồng Nhung";
	q.birth_date = "15/03/1990";
	CHECK(sign_insurance__client_new(&c, &o, &t) == 0);
	sign_insurance__set_clock(c, fake_now);
	fake_time = NOW;
	for (i = 0; i < 2; i++) {
		before = s.requests;
		r = (sign_insurance_result *)1;
		rc = sign_insurance_lookup(&r, c, &q);
		/* at most: token, lookup, a new token after a 401, the lookup again;
		 * each tried TRIES times */
		CHECK(s.requests - before <= 4 * TRIES);
		if (rc != 0) {
			check_failed(rc);
			CHECK(r == NULL);
		} else {
			CHECK(r != NULL && s.last != NULL);
			check_result(r, s.last->data, s.last->len, s.last_status);
			if (s.last_status < 200 || s.last_status > 299)
				CHECK(!sign_insurance_result_covered(r));
			CHECK(strcmp(sign_insurance_result_request(r, "maThe"), q.ma_the) == 0);
			CHECK(strcmp(sign_insurance_result_request(r, "cccdCb"), o.staff_id) == 0);
			/* the request as sent, never the password */
			CHECK(sign_insurance_result_request(r, "password") == NULL);
			CHECK(sign_insurance_result_request(r, NULL) == NULL);
			sign_insurance_result_free(r);
		}
		fake_time += 300;
	}
	CHECK(sign_insurance__token_count(c) <= 4);
	sign_insurance_client_free(c);
}

/* ---- the input ------------------------------------------------------------ */

static size_t
split(const uint8_t *data, size_t size, struct part *parts)
{
	static const char sep[] = "\n--\n";
	const uint8_t *p = data, *end = data + size, *q;
	size_t n = 0;

	while (n < MAX_PARTS) {
		const uint8_t *e = end;
		struct part *pt = &parts[n];
		unsigned char *copy;

		for (q = p; q + 4 <= end; q++)
			if (memcmp(q, sep, 4) == 0) {
				e = q;
				break;
			}
		memset(pt, 0, sizeof(*pt));
		pt->status = 200;
		if (e - p == 2 && p[0] == '!' && (p[1] == 't' || p[1] == 'n')) {
			pt->fail = p[1];
		} else if (e - p >= 5 && p[0] == '@' && p[1] >= '0' && p[1] <= '9' &&
		    p[2] >= '0' && p[2] <= '9' && p[3] >= '0' && p[3] <= '9' && p[4] == '\n') {
			pt->status = (p[1] - '0') * 100 + (p[2] - '0') * 10 + (p[3] - '0');
			p += 5;
		}
		pt->len = (size_t)(e - p);
		copy = malloc(pt->len > 0 ? pt->len : 1);
		if (copy == NULL)
			abort();
		memcpy(copy, p, pt->len);
		pt->data = copy;
		n++;
		if (e == end)
			break;
		p = e + 4;
	}
	return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct part parts[MAX_PARTS], two[2];
	size_t n, i;

	if (size > 256 * 1024)
		return 0;
	n = split(data, size, parts);
	for (i = 0; i < n; i++) {
		if (parts[i].fail != 0)
			continue;
		one_token_answer(&parts[i]);
		one_lookup_answer(&parts[i], parts[i].status);
		if (parts[i].status != 500)
			one_lookup_answer(&parts[i], 500);
	}
	if (n > 1) {
		exchange(parts, n);
	} else if (parts[0].fail == 0) {
		/* a good token, then the answer; the answer as the token, then a good one */
		memset(two, 0, sizeof(two));
		two[0].data = (const unsigned char *)token_ok;
		two[0].len = sizeof(token_ok) - 1;
		two[0].status = 200;
		two[1] = parts[0];
		exchange(two, 2);
		two[0] = parts[0];
		two[1].data = (const unsigned char *)answer_ok;
		two[1].len = sizeof(answer_ok) - 1;
		two[1].status = 200;
		exchange(two, 2);
	}
	for (i = 0; i < n; i++)
		free((void *)parts[i].data);
	return 0;
}
