/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Insurance client flow against a scripted transport: the token step and its
 * cache, re-authentication after 401 (once, no loops), bounded retries on
 * network errors and HTTP 5xx (never on answers with a result code), the
 * request as sent, the password never leaving in clear, and requests
 * abandoned by sign_cancel_request() (and the plain POST of http_priv.h). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "insurance_priv.h"
#include "http_priv.h"
#include "libsign/cancel.h"

#define PASSWORD "matkhau-thu-nghiem"
#define PASSWORD_MD5 "f1c57dbdd69430e6ae87be2d8643d6fe"

#define TOKEN_OK "{\"maKetQua\":\"200\",\"APIKey\":{\"access_token\":\"tok/1+x\"," \
	"\"id_token\":\"id=1\",\"expires_in\":600}}"
#define TOKEN_OK2 "{\"maKetQua\":\"200\",\"APIKey\":{\"access_token\":\"tok2\"," \
	"\"id_token\":\"id2\",\"expires_in\":600}}"
#define ANSWER_000 "{\"maKetQua\":\"000\",\"maDKBD\":\"01001\",\"gtTheTu\":\"01/01/2023\"," \
	"\"gtTheDen\":\"31/12/2099\"}"

/* One scripted step: what the transport returns for the next request. */
struct step {
	int rc;                 /* 0: an HTTP answer; else an error code */
	int transient;
	long status;
	const char *body;
};

#define MAX_REQ 16

struct fake {
	const struct step *steps;
	size_t nsteps, next;
	char *urls[MAX_REQ];
	char *bodies[MAX_REQ];
	size_t nreq;
};

static int
fake_post(void *ctx, const char *url, const char *log_url, const char *body, size_t blen,
    long *status, sign_buf *answer, int *transient)
{
	struct fake *f = ctx;
	const struct step *s;

	assert_true(f->nreq < MAX_REQ);
	/* the log form never shows secrets */
	assert_null(strstr(log_url, PASSWORD_MD5));
	assert_null(strstr(log_url, "token=tok"));
	assert_null(strstr(log_url, "id_token=id"));
	f->urls[f->nreq] = strdup(url);
	f->bodies[f->nreq] = strndup(body, blen);
	f->nreq++;
	if (f->next >= f->nsteps)
		fail_msg("unexpected request %zu: %s", f->nreq, url);
	s = &f->steps[f->next++];
	*transient = s->transient;
	/* a signal handler abandons the requests while this one runs */
	if (s->body != NULL && strcmp(s->body, "!cancel") == 0)
		sign_cancel_request();
	if (s->rc != 0)
		return sign_error__set(s->rc, 0, "scripted failure");
	*status = s->status;
	return sign_buf__set(answer, s->body, strlen(s->body));
}

static void
fake_free(void *ctx)
{
	struct fake *f = ctx;
	size_t i;

	for (i = 0; i < f->nreq; i++) {
		free(f->urls[i]);
		free(f->bodies[i]);
	}
	free(f);
}

static time_t fake_time = 1700000000;

static time_t
fake_now(void)
{
	return fake_time;
}

static long retry_delay_ms = -1;

static sign_insurance_client *
client(const struct step *steps, size_t n, struct fake **out)
{
	sign_insurance_options o = SIGN_INSURANCE_OPTIONS_INIT;
	struct sign_insurance__transport t;
	sign_insurance_client *c = NULL;
	struct fake *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	o.gateway = "https://egw.example.vn/";
	o.username = "01001_BV";
	o.password = PASSWORD;
	o.staff_name = "Trần Thị Bình";
	o.staff_id = "001085001234";
	o.retry_delay_ms = retry_delay_ms;
	assert_int_equal(sign_insurance_client_new(&c, &o), 0);
	f->steps = steps;
	f->nsteps = n;
	t.post = fake_post;
	t.free = fake_free;
	t.ctx = f;
	sign_insurance__set_transport(c, &t);
	sign_insurance__set_clock(c, fake_now);
	fake_time = 1700000000;
	*out = f;
	return c;
}

static const sign_insurance_request req = { SIGN_INSURANCE_REQUEST_VERSION, "001190012345",
	"Nguyễn Thị Lan", "15/01/1990", NULL, NULL };

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void
no_clear_password(const struct fake *f)
{
	size_t i;

	for (i = 0; i < f->nreq; i++) {
		assert_null(strstr(f->urls[i], PASSWORD));
		assert_null(strstr(f->bodies[i], PASSWORD));
	}
}

static void
test_flow(void **state)
{
	static const struct step s[] = {
		{ 0, 0, 200, TOKEN_OK },
		{ 0, 0, 200, ANSWER_000 },
		{ 0, 0, 200, "{\"maKetQua\":\"070\"}" },
	};
	struct fake *f;
	sign_insurance_client *c = client(s, N(s), &f);
	sign_insurance_result *r = NULL;

	(void)state;
	assert_int_equal(sign_insurance_lookup(&r, c, &req), 0);
	assert_string_equal(sign_insurance_result_code(r), "000");
	assert_int_equal(sign_insurance_result_covered(r), 1);
	assert_int_equal(sign_insurance_result_warnings(r), 0);
	assert_string_equal(sign_insurance_result_request(r, "maThe"), "001190012345");
	assert_string_equal(sign_insurance_result_request(r, "hoTenCb"), "Trần Thị Bình");
	assert_string_equal(sign_insurance_result_request(r, "cccdCb"), "001085001234");
	assert_null(sign_insurance_result_request(r, "password"));
	sign_insurance_result_free(r);
	/* the token step */
	assert_int_equal(f->nreq, 2);
	assert_string_equal(f->urls[0], "https://egw.example.vn/api/token/take");
	assert_string_equal(f->bodies[0],
	    "{\"username\":\"01001_BV\",\"password\":\"" PASSWORD_MD5 "\"}");
	/* the lookup, with the query encoded */
	assert_string_equal(f->urls[1], "https://egw.example.vn/api/egw/KQNhanLichSuKCB2024"
	    "?token=tok%2F1%2Bx&id_token=id%3D1&username=01001_BV&password=" PASSWORD_MD5);
	assert_string_equal(f->bodies[1], "{\"maThe\":\"001190012345\",\"hoTen\":\"Nguyễn Thị Lan\","
	    "\"ngaySinh\":\"15/01/1990\",\"hoTenCb\":\"Trần Thị Bình\",\"cccdCb\":\"001085001234\"}");
	/* a second lookup reuses the token */
	assert_int_equal(sign_insurance_lookup(&r, c, &req), 0);
	assert_string_equal(sign_insurance_result_code(r), "070");
	assert_int_equal(sign_insurance_result_class(r), SIGN_INSURANCE_NOT_COVERED);
	sign_insurance_result_free(r);
	assert_int_equal(f->nreq, 3);
	assert_int_equal(sign_insurance__token_count(c), 1);
	no_clear_password(f);
	sign_insurance_client_free(c);
}

static void
test_token_expiry(void **state)
{
	static const struct step s[] = {
		{ 0, 0, 200, TOKEN_OK },
		{ 0, 0, 200, ANSWER_000 },
		{ 0, 0, 200, TOKEN_OK2 },
		{ 0, 0, 200, ANSWER_000 },
	};
	struct fake *f;
	sign_insurance_client *c = client(s, N(s), &f);
	sign_insurance_result *r = NULL;

	(void)state;
	assert_int_equal(sign_insurance_lookup(&r, c, &req), 0);
	sign_insurance_result_free(r);
	/* 600 s token, used within its last 30 s: taken again */
	fake_time += 580;
	assert_int_equal(sign_insurance_lookup(&r, c, &req), 0);
	sign_insurance_result_free(r);
	assert_int_equal(sign_insurance__token_count(c), 2);
	assert_int_equal(f->nreq, 4);
	assert_non_null(strstr(f->urls[3], "token=tok2&id_token=id2&"));
	sign_insurance_client_free(c);
}

static void
test_reauth_after_401(void **state)
{
	static const struct step s[] = {
		{ 0, 0, 200, TOKEN_OK },
		{ 0, 0, 401, "Unauthorized" },
		{ 0, 0, 200, TOKEN_OK2 },
		{ 0, 0, 200, ANSWER_000 },
		/* next lookup: maKetQua 401 in a 200 answer */
		{ 0, 0, 200, "{\"maKetQua\":\"401\"}" },
		{ 0, 0, 200, TOKEN_OK },
		{ 0, 0, 200, ANSWER_000 },
	};
	struct fake *f;
	sign_insurance_client *c = client(s, N(s), &f);
	sign_insurance_result *r = NULL;

	(void)state;
	assert_int_equal(sign_insurance_lookup(&r, c, &req), 0);
	assert_string_equal(sign_insurance_result_code(r), "000");
	sign_insurance_result_free(r);
	assert_int_equal(sign_insurance__token_count(c), 2);
	assert_non_null(strstr(f->urls[3], "token=tok2&"));
	assert_int_equal(sign_insurance_lookup(&r, c, &req), 0);
	assert_string_equal(sign_insurance_result_code(r), "000");
	sign_insurance_result_free(r);
	assert_int_equal(sign_insurance__token_count(c), 3);
	assert_int_equal(f->nreq, 7);
	sign_insurance_client_free(c);
}

static void
test_401_twice(void **state)
{
	static const struct step s[] = {
		{ 0, 0, 200, TOKEN_OK },
		{ 0, 0, 200, "{\"maKetQua\":\"401\"}" },
		{ 0, 0, 200, TOKEN_OK2 },
		{ 0, 0, 401, "" },
	};
	struct fake *f;
	sign_insurance_client *c = client(s, N(s), &f);
	sign_insurance_result *r = NULL;

	(void)state;
	assert_int_equal(sign_insurance_lookup(&r, c, &req), SIGN_ERR_SERVER_AUTH);
	assert_null(r);
	assert_non_null(strstr(sign_error_message(), "again with a new token"));
	/* exactly two tokens and two lookups: no loop */
	assert_int_equal(f->nreq, 4);
	assert_int_equal(sign_insurance__token_count(c), 2);
	sign_insurance_client_free(c);
}

static void
test_token_refused(void **state)
{
	static const struct step s1[] = { { 0, 0, 200, "{\"maKetQua\":\"401\",\"APIKey\":null}" } };
	static const struct step s2[] = { { 0, 0, 401, "" } };
	static const struct step s3[] = { { 0, 0, 404, "<html>not found</html>" } };
	static const struct step s4[] = { { 0, 0, 200, "{\"APIKey\":{\"access_tok" } };
	static const struct {
		const struct step *s;
		int rc;
		const char *msg;
	} t[] = {
		{ s1, SIGN_ERR_SERVER_AUTH, "refused the facility account 01001_BV" },
		{ s2, SIGN_ERR_SERVER_AUTH, "HTTP 401" },
		{ s3, SIGN_ERR_HTTP, "HTTP 404" },
		{ s4, SIGN_ERR_SERVER_RESPONSE, "truncated" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < N(t); i++) {
		struct fake *f;
		sign_insurance_client *c = client(t[i].s, 1, &f);
		sign_insurance_result *r = NULL;
		int rc = sign_insurance_lookup(&r, c, &req);

		if (rc != t[i].rc || strstr(sign_error_message(), t[i].msg) == NULL)
			fail_msg("case %zu: %d '%s'", i, rc, sign_error_message());
		assert_int_equal(f->nreq, 1);   /* no lookup without a token, no retry */
		sign_insurance_client_free(c);
	}
}

static void
test_retries(void **state)
{
	static const struct step ok_after_500[] = {
		{ 0, 0, 500, "<html>Internal Server Error</html>" },
		{ 0, 0, 200, TOKEN_OK },
		{ 0, 0, 503, "" },
		{ SIGN_ERR_NETWORK, 1, 0, NULL },
		{ 0, 0, 200, ANSWER_000 },
	};
	static const struct step always_500[] = {
		{ 0, 0, 200, TOKEN_OK },
		{ 0, 0, 500, "x" },
		{ 0, 0, 500, "x" },
		{ 0, 0, 500, "x" },
	};
	static const struct step always_down[] = {
		{ SIGN_ERR_NETWORK, 1, 0, NULL },
		{ SIGN_ERR_NETWORK, 1, 0, NULL },
		{ SIGN_ERR_NETWORK, 1, 0, NULL },
	};
	static const struct step final_error[] = {
		{ SIGN_ERR_NETWORK, 0, 0, NULL },   /* e.g. certificate verification */
	};
	static const struct step coded_500[] = {
		{ 0, 0, 200, TOKEN_OK },
		{ 0, 0, 500, "{\"maKetQua\":\"101\",\"ghiChu\":\"Lỗi server\"}" },
	};
	struct fake *f;
	sign_insurance_client *c;
	sign_insurance_result *r = NULL;

	(void)state;
	c = client(ok_after_500, N(ok_after_500), &f);
	assert_int_equal(sign_insurance_lookup(&r, c, &req), 0);
	assert_string_equal(sign_insurance_result_code(r), "000");
	sign_insurance_result_free(r);
	assert_int_equal(f->nreq, 5);
	sign_insurance_client_free(c);

	c = client(always_500, N(always_500), &f);
	assert_int_equal(sign_insurance_lookup(&r, c, &req), SIGN_ERR_HTTP);
	assert_non_null(strstr(sign_error_message(), "HTTP 500"));
	assert_non_null(strstr(sign_error_message(), "(3 tries)"));
	assert_int_equal(f->nreq, 4);
	sign_insurance_client_free(c);

	c = client(always_down, N(always_down), &f);
	assert_int_equal(sign_insurance_lookup(&r, c, &req), SIGN_ERR_NETWORK);
	assert_non_null(strstr(sign_error_message(), "(3 tries)"));
	assert_int_equal(f->nreq, 3);
	sign_insurance_client_free(c);

	c = client(final_error, N(final_error), &f);
	assert_int_equal(sign_insurance_lookup(&r, c, &req), SIGN_ERR_NETWORK);
	assert_int_equal(f->nreq, 1);
	sign_insurance_client_free(c);

	/* a 5xx that carries a result code is an answer: not retried */
	c = client(coded_500, N(coded_500), &f);
	assert_int_equal(sign_insurance_lookup(&r, c, &req), 0);
	assert_string_equal(sign_insurance_result_code(r), "101");
	assert_int_equal(sign_insurance_result_class(r), SIGN_INSURANCE_GATEWAY_ERROR);
	assert_int_equal(sign_insurance_result_http_status(r), 500);
	sign_insurance_result_free(r);
	assert_int_equal(f->nreq, 2);
	sign_insurance_client_free(c);
}

static void
test_bad_answers(void **state)
{
	static const struct step nonjson[] = {
		{ 0, 0, 200, TOKEN_OK }, { 0, 0, 200, "<html>maintenance</html>" } };
	static const struct step truncated[] = {
		{ 0, 0, 200, TOKEN_OK }, { 0, 0, 200, "{\"maKetQua\":\"000\",\"hoTen\":\"Ng" } };
	static const struct step http404[] = {
		{ 0, 0, 200, TOKEN_OK }, { 0, 0, 404, "Not Found" } };
	static const struct step nocode[] = {
		{ 0, 0, 200, TOKEN_OK }, { 0, 0, 200, "{\"ghiChu\":\"?\"}" } };
	static const struct {
		const struct step *s;
		int rc;
		const char *msg;
	} t[] = {
		{ nonjson, SIGN_ERR_SERVER_RESPONSE, "not valid JSON" },
		{ truncated, SIGN_ERR_SERVER_RESPONSE, "truncated" },
		{ http404, SIGN_ERR_HTTP, "HTTP 404" },
		{ nocode, SIGN_ERR_SERVER_RESPONSE, "no result code" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < N(t); i++) {
		struct fake *f;
		sign_insurance_client *c = client(t[i].s, 2, &f);
		sign_insurance_result *r = NULL;
		int rc = sign_insurance_lookup(&r, c, &req);

		if (rc != t[i].rc || strstr(sign_error_message(), t[i].msg) == NULL)
			fail_msg("case %zu: %d '%s'", i, rc, sign_error_message());
		assert_null(r);
		assert_int_equal(f->nreq, 2);
		sign_insurance_client_free(c);
	}
}

/* HTTP answers without a result code: the status, and what to do about it. */
static void
test_http_status_fix(void **state)
{
	static const struct step redirect[] = {
		{ 0, 0, 200, TOKEN_OK }, { 0, 0, 302, "moved" } };
	static const struct step forbidden[] = {
		{ 0, 0, 200, TOKEN_OK }, { 0, 0, 403, "<html>forbidden</html>" } };
	static const struct step notfound[] = {
		{ 0, 0, 200, TOKEN_OK }, { 0, 0, 404, "Not Found" } };
	static const struct step busy[] = {
		{ 0, 0, 200, TOKEN_OK }, { 0, 0, 429, "Too Many Requests" } };
	static const struct step tokredirect[] = { { 0, 0, 301, "" } };
	static const struct step tok404[] = { { 0, 0, 404, "<html>nf</html>" } };
	static const struct step tok403[] = { { 0, 0, 403, "" } };
	static const struct step toknone[] = {
		{ 0, 0, 200, "{\"maKetQua\":\"999\",\"APIKey\":null}" } };
	static const struct {
		const struct step *s;
		size_t n;
		int rc;
		const char *msg;
	} t[] = {
		{ redirect, 2, SIGN_ERR_HTTP, "lookup request with HTTP 302 (a redirect, which is "
		  "never followed: check the gateway URL)" },
		{ forbidden, 2, SIGN_ERR_HTTP, "HTTP 403 (access refused: the gateway only serves "
		  "the facility's registered IP addresses" },
		{ notfound, 2, SIGN_ERR_HTTP, "https://egw.example.vn answered the lookup request "
		  "with HTTP 404 (no such API there: check the gateway URL" },
		{ busy, 2, SIGN_ERR_HTTP, "HTTP 429 (the gateway is busy or rate-limits this "
		  "facility: try again in a moment)" },
		{ tokredirect, 1, SIGN_ERR_HTTP, "token request with HTTP 301 (a redirect" },
		{ tok404, 1, SIGN_ERR_HTTP, "token request with HTTP 404 (no such API there" },
		{ tok403, 1, SIGN_ERR_SERVER_AUTH, "IP address is registered" },
		{ toknone, 1, SIGN_ERR_HTTP, "gave no token (maKetQua 999): try again later, or "
		  "ask the social-security office about the facility account" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < N(t); i++) {
		struct fake *f;
		sign_insurance_client *c = client(t[i].s, t[i].n, &f);
		sign_insurance_result *r = NULL;
		int rc = sign_insurance_lookup(&r, c, &req);

		if (rc != t[i].rc || strstr(sign_error_message(), t[i].msg) == NULL)
			fail_msg("case %zu: %d '%s'", i, rc, sign_error_message());
		assert_null(r);
		assert_int_equal(f->nreq, t[i].n);
		sign_insurance_client_free(c);
	}
}

/* Fields the desk reads with another type than the API's: a malformed
 * answer (exit 6), never "covered" with the dates or facility left out. */
static void
test_answer_types(void **state)
{
	static const char *const bad[] = {
		"{\"maKetQua\":\"000\",\"gtTheDen\":20991231}",
		"{\"maKetQua\":\"000\",\"maDKBD\":[\"01001\"]}",
		"{\"maKetQua\":\"000\",\"gtTheTu\":{\"d\":1}}",
		"{\"maKetQua\":\"010\",\"maTheMoi\":true}",
		"{\"maKetQua\":\"000\",\"dsLichSuKCB2018\":\"none\"}",
	};
	static const char *const good[] = {
		ANSWER_000,
		"{\"maKetQua\":\"000\",\"gtTheDen\":null,\"maDKBD\":null,"
		"\"dsLichSuKCB2018\":[],\"dsLichSuKT2018\":null,\"extra\":5}",
	};
	size_t i;

	(void)state;
	for (i = 0; i < N(bad) + N(good); i++) {
		struct step s[2] = { { 0, 0, 200, TOKEN_OK }, { 0, 0, 200, NULL } };
		struct fake *f;
		sign_insurance_client *c;
		sign_insurance_result *r = NULL;
		int rc;

		s[1].body = i < N(bad) ? bad[i] : good[i - N(bad)];
		c = client(s, 2, &f);
		rc = sign_insurance_lookup(&r, c, &req);
		if (i < N(bad)) {
			if (rc != SIGN_ERR_SERVER_RESPONSE ||
			    strstr(sign_error_message(), "malformed answer") == NULL)
				fail_msg("bad %zu: %d '%s'", i, rc, sign_error_message());
			assert_null(r);
		} else {
			if (rc != 0)
				fail_msg("good %zu: %d '%s'", i - N(bad), rc, sign_error_message());
			assert_true(sign_insurance_result_covered(r));
		}
		sign_insurance_result_free(r);
		sign_insurance_client_free(c);
	}
}

static void
test_request_checks(void **state)
{
	static const struct step none[] = { { 0, 0, 200, TOKEN_OK } };
	sign_insurance_request q;
	struct fake *f;
	sign_insurance_client *c = client(none, 0, &f);
	sign_insurance_result *r = NULL;

	(void)state;
	q = req;
	q.staff_id = "12345";
	assert_int_equal(sign_insurance_lookup(&r, c, &q), SIGN_ERR_INVALID_ARG);
	assert_non_null(strstr(sign_error_message(), "12-digit"));
	q = req;
	q.birth_date = "1990-01-15";
	assert_int_equal(sign_insurance_lookup(&r, c, &q), SIGN_ERR_INVALID_ARG);
	q = req;
	q.ma_the = "12AB";
	assert_int_equal(sign_insurance_lookup(&r, c, &q), SIGN_ERR_INVALID_ARG);
	q = req;
	q.full_name = "";
	assert_int_equal(sign_insurance_lookup(&r, c, &q), SIGN_ERR_INVALID_ARG);
	q = req;
	q.full_name = "Nguy\xff";
	assert_int_equal(sign_insurance_lookup(&r, c, &q), SIGN_ERR_INVALID_ARG);
	assert_non_null(strstr(sign_error_message(), "UTF-8"));
	q = req;
	q.version = 99;
	assert_int_equal(sign_insurance_lookup(&r, c, &q), SIGN_ERR_INVALID_ARG);
	assert_int_equal(f->nreq, 0);   /* nothing was sent */
	assert_int_equal(sign_insurance_lookup(NULL, c, &req), SIGN_ERR_INVALID_ARG);
	sign_insurance_client_free(c);
}

static void
test_client_options(void **state)
{
	sign_insurance_options o = SIGN_INSURANCE_OPTIONS_INIT;
	sign_insurance_client *c = NULL;

	(void)state;
	o.gateway = "http://egw.example.vn";
	o.username = "01001_BV";
	o.password = PASSWORD;
	assert_int_equal(sign_insurance_client_new(&c, &o), SIGN_ERR_INVALID_ARG);
	assert_non_null(strstr(sign_error_message(), "https"));
	o.gateway = "https://egw.example.vn";
	o.password = NULL;
	assert_int_equal(sign_insurance_client_new(&c, &o), SIGN_ERR_INVALID_ARG);
	o.password = PASSWORD;
	o.username = NULL;
	assert_int_equal(sign_insurance_client_new(&c, &o), SIGN_ERR_INVALID_ARG);
	o.username = "01001_BV";
	o.staff_id = "0010850012";
	assert_int_equal(sign_insurance_client_new(&c, &o), SIGN_ERR_INVALID_ARG);
	o.staff_id = NULL;
	o.tries = 11;
	assert_int_equal(sign_insurance_client_new(&c, &o), SIGN_ERR_INVALID_ARG);
	o.tries = 0;
	o.client_cert = "/nonexistent.pem";
	assert_int_equal(sign_insurance_client_new(&c, &o), SIGN_ERR_INVALID_ARG);
	assert_non_null(strstr(sign_error_message(), "client-key"));
	o.client_key = "/nonexistent.key";
	assert_int_equal(sign_insurance_client_new(&c, &o), SIGN_ERR_NOT_FOUND);
	o.client_cert = NULL;
	o.client_key = NULL;
	o.cacert = "/nonexistent-ca.pem";
	assert_int_equal(sign_insurance_client_new(&c, &o), SIGN_ERR_NOT_FOUND);
	o.cacert = NULL;
	o.version = 2;
	assert_int_equal(sign_insurance_client_new(&c, &o), SIGN_ERR_INVALID_ARG);
	assert_null(c);
	o.version = SIGN_INSURANCE_OPTIONS_VERSION;
	assert_int_equal(sign_insurance_client_new(&c, &o), 0);
	sign_insurance_client_free(c);
	sign_insurance_client_free(NULL);
}

static void
test_facility_warning(void **state)
{
	static const struct step s[] = {
		{ 0, 0, 200, TOKEN_OK },
		{ 0, 0, 200, "{\"maKetQua\":\"000\",\"maDKBD\":\"79024\"}" },
	};
	struct fake *f;
	sign_insurance_client *c = client(s, N(s), &f);
	sign_insurance_result *r = NULL;

	(void)state;
	/* the facility code comes from the username 01001_BV */
	assert_int_equal(sign_insurance_lookup(&r, c, &req), 0);
	assert_int_equal(sign_insurance_result_warnings(r), SIGN_INSURANCE_WARN_OTHER_FACILITY);
	sign_insurance_result_free(r);
	sign_insurance_client_free(c);
}

/* sign_cancel_request(): no request is made once it is raised; one that
 * fails while it is raised is not tried again, and the wait before another
 * try (60 s here) is not waited out. */
static void
test_cancel(void **state)
{
	static const struct step ok[] = {
		{ 0, 0, 200, TOKEN_OK },
		{ 0, 0, 200, ANSWER_000 },
	};
	static const struct step down_while_cancelled[] = {
		{ 0, 0, 200, TOKEN_OK },
		{ SIGN_ERR_NETWORK, 1, 0, "!cancel" },
		{ 0, 0, 200, ANSWER_000 },
	};
	struct fake *f;
	sign_insurance_client *c;
	sign_insurance_result *r = NULL;
	time_t t0;

	(void)state;
	assert_int_equal(sign_cancel_requested(), 0);
	sign_cancel_request();
	assert_int_equal(sign_cancel_requested(), 1);
	c = client(ok, N(ok), &f);
	assert_int_equal(sign_insurance_lookup(&r, c, &req), SIGN_ERR_CANCELLED);
	assert_null(r);
	assert_int_equal(f->nreq, 0);
	assert_non_null(strstr(sign_error_message(), "interrupted"));
	/* lowered again: the client works */
	sign_cancel_clear();
	assert_int_equal(sign_cancel_requested(), 0);
	assert_int_equal(sign_insurance_lookup(&r, c, &req), 0);
	sign_insurance_result_free(r);
	r = NULL;
	assert_int_equal(f->nreq, 2);
	sign_insurance_client_free(c);

	retry_delay_ms = 60000;
	c = client(down_while_cancelled, N(down_while_cancelled), &f);
	t0 = time(NULL);
	assert_int_equal(sign_insurance_lookup(&r, c, &req), SIGN_ERR_CANCELLED);
	assert_true(time(NULL) - t0 < 30);      /* (a bound: not the 60 s wait) */
	assert_null(r);
	assert_int_equal(f->nreq, 2);           /* the token, one lookup: no retry */
	sign_insurance_client_free(c);
	retry_delay_ms = -1;
	sign_cancel_clear();
}

/* A server that takes the connection and never answers. */
static void *
raise_later(void *arg)
{
	struct timespec ts = { 0, 300 * 1000000L };

	(void)arg;
	nanosleep(&ts, NULL);
	sign_cancel_request();
	return NULL;
}

/* The plain POST (time-stamp servers): not made once the flag is raised;
 * abandoned when it is raised while the server does not answer (the request
 * timeout here, 60 s, is not waited out). */
static void
test_http_cancel(void **state)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	sign_buf ans = SIGN_BUF_INIT;
	char url[64];
	pthread_t th;
	long status = -1;
	time_t t0;
	int s, rc;

	(void)state;
	s = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(s >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(s, 4), 0);      /* the kernel accepts; nobody answers */
	assert_int_equal(getsockname(s, (struct sockaddr *)&sa, &sl), 0);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/tsa", (unsigned)ntohs(sa.sin_port));

	sign_cancel_request();
	rc = sign_http__post(url, "the time-stamp server", "application/timestamp-query",
	    (const unsigned char *)"q", 1, 1024, 60000, &status, &ans);
	if (rc == SIGN_ERR_NETWORK && strstr(sign_error_message(), "could not be loaded") != NULL) {
		close(s);
		sign_cancel_clear();
		skip();         /* no libcurl here */
	}
	assert_int_equal(rc, SIGN_ERR_CANCELLED);
	assert_non_null(strstr(sign_error_message(), "was not asked: interrupted"));
	assert_null(ans.data);

	sign_cancel_clear();
	assert_int_equal(pthread_create(&th, NULL, raise_later, NULL), 0);
	t0 = time(NULL);
	rc = sign_http__post(url, "the time-stamp server", "application/timestamp-query",
	    (const unsigned char *)"q", 1, 1024, 60000, &status, &ans);
	pthread_join(th, NULL);
	assert_int_equal(rc, SIGN_ERR_CANCELLED);
	assert_true(time(NULL) - t0 < 30);      /* (a bound: not the 60 s timeout) */
	assert_non_null(strstr(sign_error_message(), "was abandoned: interrupted"));
	assert_null(ans.data);
	sign_cancel_clear();
	close(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flow),
		cmocka_unit_test(test_token_expiry),
		cmocka_unit_test(test_reauth_after_401),
		cmocka_unit_test(test_401_twice),
		cmocka_unit_test(test_token_refused),
		cmocka_unit_test(test_retries),
		cmocka_unit_test(test_bad_answers),
		cmocka_unit_test(test_http_status_fix),
		cmocka_unit_test(test_answer_types),
		cmocka_unit_test(test_request_checks),
		cmocka_unit_test(test_client_options),
		cmocka_unit_test(test_facility_warning),
		cmocka_unit_test(test_cancel),
		cmocka_unit_test(test_http_cancel),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
