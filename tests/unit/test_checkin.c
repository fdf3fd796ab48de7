/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Check-in records (checkin.h): strict base64, the +07:00 time, the
 * canonical form (any other form refused), building and parsing a record,
 * the schema checks, writing the signed pair, and verification of each kind
 * of field - with the facility signature broken, and, independently, with a
 * record re-signed by a facility that lies (the internal checks alone must
 * catch it).  The card evidence is synthetic (pa_testlib: CSCA, Document
 * Signer, EF.SOD, DG15, ISO 9796-2 AA answers); the gateway answer comes
 * through the insurance client with a scripted transport.
 */
#define _GNU_SOURCE 1
#include "checkin_fixture.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <openssl/rand.h>

#include "checkin_priv.h"
#include "insurance_priv.h"
#include "libsign/cades.h"
#include "libsign/mrtd.h"

#define STAFF_NAME "Trần Thị Bình"
#define STAFF_ID "001085001234"
#define HOLDER "Nguyễn Thị Hồng Nhung"
#define HOLDER_ID "001190012345"
#define HOLDER_DOB "15/03/1990"
#define ANSWER_000 "{\"maKetQua\":\"000\",\"ghiChu\":\"Thẻ hợp lệ\",\"maThe\":\"DN4010119012345\"," \
	"\"hoTen\":\"Nguyễn Thị Hồng Nhung\",\"gtTheTu\":\"01/01/2024\",\"gtTheDen\":\"31/12/2099\"," \
	"\"maDKBD\":\"01001\"}\n"
#define ANSWER_051 "{\"maKetQua\":\"051\",\"ghiChu\":\"Mã thẻ không đúng\"}"

/* ---- fixtures ------------------------------------------------------------ */

struct card {
	EVP_PKEY *csca_key, *ds_key, *aa_key;
	X509 *csca, *ds;
	sign_buf com, dg1, dg13, dg15, sod, ch, resp;
};

static struct card C;
static struct ck_facility F;

static void
card_make(struct card *c, const EVP_MD *md)
{
	int nums[3] = { 1, 13, 15 };
	sign_buf data[3];
	static const unsigned char com[] = { 0x60, 0x05, 0x5C, 0x03, 0x61, 0x6D, 0x6F };
	static const char dg13[] = "\x6D\x0B\x30\x09\x02\x01\x02\x0C\x04Nhung";

	c->csca_key = t_key("EC", "brainpoolP256r1");
	c->ds_key = t_key("EC", "brainpoolP256r1");
	c->aa_key = t_key("RSA", "1024");
	c->csca = t_cert(c->csca_key, "VN", "Test CSCA Viet Nam", NULL, c->csca_key, 1, -2000, 4000);
	c->ds = t_cert(c->ds_key, "VN", "Test DS Viet Nam", c->csca, c->csca_key, 0, -10, 3000);
	c->dg1 = t_dg1("VNM");
	c->dg15 = t_dg15(c->aa_key);
	assert_int_equal(sign_buf__set(&c->com, com, sizeof(com)), 0);
	assert_int_equal(sign_buf__set(&c->dg13, dg13, sizeof(dg13) - 1), 0);
	data[0] = c->dg1;
	data[1] = c->dg13;
	data[2] = c->dg15;
	c->sod = t_sod(c->ds_key, c->ds, md, nums, data, 3, 0);
	c->ch.data = malloc(8);
	c->ch.len = 8;
	assert_int_equal(RAND_bytes(c->ch.data, 8), 1);
	c->resp = t_aa_sign_rsa(c->aa_key, EVP_sha1(), 0, c->ch.data, 8);
}

static void
card_free(struct card *c)
{
	EVP_PKEY_free(c->csca_key);
	EVP_PKEY_free(c->ds_key);
	EVP_PKEY_free(c->aa_key);
	X509_free(c->csca);
	X509_free(c->ds);
	sign_buf_dispose(&c->com);
	sign_buf_dispose(&c->dg1);
	sign_buf_dispose(&c->dg13);
	sign_buf_dispose(&c->dg15);
	sign_buf_dispose(&c->sod);
	sign_buf_dispose(&c->ch);
	sign_buf_dispose(&c->resp);
	memset(c, 0, sizeof(*c));
}

static int
setup(void **state)
{
	(void)state;
	card_make(&C, EVP_sha256());
	ck_facility_make(&F, C.csca);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	card_free(&C);
	ck_facility_free(&F);
	return 0;
}

/* ---- a gateway answer through the insurance client ---------------------- */

static const char *fake_body;
static long fake_status;

static int
fake_post(void *ctx, const char *url, const char *log_url, const char *body, size_t blen,
    long *status, sign_buf *answer, int *transient)
{
	(void)ctx; (void)log_url; (void)body; (void)blen;
	*transient = 0;
	*status = 200;
	if (strstr(url, "/api/token/take") != NULL) {
		static const char tok[] = "{\"APIKey\":{\"access_token\":\"t\",\"id_token\":\"i\"}}";

		return sign_buf__set(answer, tok, strlen(tok));
	}
	*status = fake_status;
	return sign_buf__set(answer, fake_body, strlen(fake_body));
}

static void
fake_free(void *ctx)
{
	(void)ctx;
}

static sign_insurance_result *
lookup(const char *body, const char *name)
{
	sign_insurance_options o = SIGN_INSURANCE_OPTIONS_INIT;
	sign_insurance_request q = SIGN_INSURANCE_REQUEST_INIT;
	struct sign_insurance__transport t = { fake_post, fake_free, NULL };
	sign_insurance_client *c = NULL;
	sign_insurance_result *res = NULL;

	o.gateway = "https://egw.example.vn";
	o.username = "01001_BV";
	o.password = "x";
	o.staff_name = STAFF_NAME;
	o.staff_id = STAFF_ID;
	o.retry_delay_ms = -1;
	assert_int_equal(sign_insurance_client_new(&c, &o), 0);
	sign_insurance__set_transport(c, &t);
	fake_body = body;
	fake_status = 200;
	q.ma_the = HOLDER_ID;
	q.full_name = name;
	q.birth_date = HOLDER_DOB;
	assert_int_equal(sign_insurance_lookup(&res, c, &q), 0);
	sign_insurance_client_free(c);
	return res;
}

/* ---- building ------------------------------------------------------------ */

static sign_checkin *
record_new(time_t when)
{
	sign_checkin_context ctx = SIGN_CHECKIN_CONTEXT_INIT;
	sign_checkin *rec = NULL;

	ctx.time = when;
	ctx.facility_code = "01001";
	ctx.facility_name = "Bệnh viện Thử nghiệm";
	ctx.staff_name = STAFF_NAME;
	ctx.staff_id = STAFF_ID;
	ctx.reader = "Virtual PCD 00 00";
	ctx.software = "kyso test";
	assert_int_equal(sign_checkin_new(&rec, &ctx), 0);
	return rec;
}

/* A genuine card (or, tampered, one whose DG13 differs from the SOD's hash). */
static void
add_card(sign_checkin *rec, int tampered, int with_aa)
{
	sign_checkin_card k = SIGN_CHECKIN_CARD_INIT;
	sign_buf dg13 = SIGN_BUF_INIT;
	static const unsigned char photo[] = { 0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3 };

	k.document_number = "190012345";
	k.issuing_state = "VNM";
	k.id_number = HOLDER_ID;
	k.full_name = HOLDER;
	k.date_of_birth = HOLDER_DOB;
	k.passive = tampered ? SIGN_PA_FAILED : SIGN_PA_PASSED;
	k.active = with_aa ? SIGN_AA_PASSED : SIGN_AA_NOT_ATTEMPTED;
	k.dg15 = SIGN_DG_MATCH;
	k.reason = tampered ? "DG13 does not match its hash in EF.SOD" : NULL;
	if (with_aa) {
		k.aa_challenge = C.ch.data;
		k.aa_challenge_len = C.ch.len;
		k.aa_response = C.resp.data;
		k.aa_response_len = C.resp.len;
	}
	k.photo = photo;
	k.photo_len = sizeof(photo);
	k.photo_format = "jpeg";
	assert_int_equal(sign_checkin_set_card(rec, &k), 0);
	assert_int_equal(sign_checkin_add_file(rec, SIGN_LDS_FID_SOD, C.sod.data, C.sod.len), 0);
	assert_int_equal(sign_checkin_add_file(rec, SIGN_LDS_FID_COM, C.com.data, C.com.len), 0);
	assert_int_equal(sign_checkin_add_file(rec, SIGN_LDS_FID_DG(1), C.dg1.data, C.dg1.len), 0);
	dg13 = tampered ? t_flip(&C.dg13, C.dg13.len - 1) : t_flip(&C.dg13, 0);
	if (!tampered) {
		sign_buf_dispose(&dg13);
		assert_int_equal(sign_buf__set(&dg13, C.dg13.data, C.dg13.len), 0);
	}
	assert_int_equal(sign_checkin_add_file(rec, SIGN_LDS_FID_DG(13), dg13.data, dg13.len), 0);
	assert_int_equal(sign_checkin_add_file(rec, SIGN_LDS_FID_DG(15), C.dg15.data, C.dg15.len),
	    0);
	sign_buf_dispose(&dg13);
}

/* A complete, genuine, covered check-in. */
static sign_checkin *
full_record(void)
{
	sign_checkin *rec = record_new(1773541800);   /* 2026-03-15 02:30:00 UTC */
	sign_insurance_result *res;

	add_card(rec, 0, 1);
	res = lookup(ANSWER_000, HOLDER);
	assert_int_equal(sign_checkin_set_lookup(rec, "https://egw.example.vn", "01001_BV", res),
	    0);
	sign_insurance_result_free(res);
	assert_int_equal(sign_checkin_add_warning(rec, "expires_soon", "the card ends soon"), 0);
	return rec;
}

/* Verify content with sig; the return code and the report (caller frees). */
static int
verify(const sign_buf *content, const sign_buf *sig, sign_checkin_report **rep,
    int with_trust, int with_csca)
{
	sign_checkin_verify_opts o = SIGN_CHECKIN_VERIFY_OPTS_INIT;

	o.trust = with_trust ? F.trust : NULL;
	o.csca = with_csca ? F.csca : NULL;
	return sign_checkin_verify_mem(rep, content->data, content->len, sig->data, sig->len, &o);
}

/* ---- tests: encodings ---------------------------------------------------- */

static void
test_base64(void **state)
{
	static const char *const v[][2] = { { "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" },
	    { "foo", "Zm9v" }, { "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" },
	    { "foobar", "Zm9vYmFy" } };
	static const char *const bad_text[] = { "Zh==", "Zm9=", "Zg=", "Z g=", "=Zg=", "Zg==Zg==",
	    "Zm9v\n", "Zm-v" };
	sign_buf b = SIGN_BUF_INIT;
	char *s = NULL;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		assert_int_equal(sign_checkin__b64_encode(&s, (const unsigned char *)v[i][0],
		    strlen(v[i][0])), 0);
		assert_string_equal(s, v[i][1]);
		free(s);
		assert_int_equal(sign_checkin__b64_decode(&b, v[i][1], strlen(v[i][1])), 0);
		assert_int_equal(b.len, strlen(v[i][0]));
		assert_memory_equal(b.data, v[i][0], b.len);
		sign_buf_dispose(&b);
	}
	for (i = 0; i < sizeof(bad_text) / sizeof(bad_text[0]); i++)
		assert_int_equal(sign_checkin__b64_decode(&b, bad_text[i], strlen(bad_text[i])),
		    SIGN_ERR_MALFORMED);
}

static void
test_time(void **state)
{
	char s[32];
	time_t t = 0;

	(void)state;
	sign_checkin__format_time(s, 0);
	assert_string_equal(s, "1970-01-01T07:00:00+07:00");
	sign_checkin__format_time(s, 1773541800);
	assert_string_equal(s, "2026-03-15T09:30:00+07:00");
	assert_int_equal(sign_checkin__parse_time(s, &t), 0);
	assert_int_equal((long long)t, 1773541800LL);
	assert_int_equal(sign_checkin__parse_time("2026-03-15T02:30:00Z", &t), 0);
	assert_int_equal((long long)t, 1773541800LL);
	assert_int_equal(sign_checkin__parse_time("2026-03-15T09:30:00+08:00", &t),
	    SIGN_ERR_MALFORMED);
	assert_int_equal(sign_checkin__parse_time("2026-13-15T09:30:00Z", &t), SIGN_ERR_MALFORMED);
	assert_int_equal(sign_checkin__parse_time("2026-02-30T09:30:00Z", &t), SIGN_ERR_MALFORMED);
	assert_int_equal(sign_checkin__parse_time("2026-03-15T09:30:00.5Z", &t), SIGN_ERR_MALFORMED);
	assert_int_equal(sign_checkin__parse_time("2026-03-15T09:30:00", &t), SIGN_ERR_MALFORMED);
	assert_int_equal(sign_checkin__parse_time("2026-03-15 09:30:00Z", &t), SIGN_ERR_MALFORMED);
}

static void
test_file_keys(void **state)
{
	char b[8];

	(void)state;
	assert_string_equal(sign_checkin__file_key(SIGN_LDS_FID_COM, b), "COM");
	assert_string_equal(sign_checkin__file_key(SIGN_LDS_FID_SOD, b), "SOD");
	assert_string_equal(sign_checkin__file_key(SIGN_LDS_FID_DG(13), b), "DG13");
	assert_null(sign_checkin__file_key(SIGN_LDS_FID_CARD_ACCESS, b));
	assert_int_equal(sign_checkin__file_fid("DG16"), SIGN_LDS_FID_DG(16));
	assert_int_equal(sign_checkin__file_fid("DG17"), 0);
	assert_int_equal(sign_checkin__file_fid("DG01"), 0);
	assert_int_equal(sign_checkin__file_fid("DG"), 0);
	assert_int_equal(sign_checkin__file_fid("SOD"), SIGN_LDS_FID_SOD);
}

/* ---- tests: the model ---------------------------------------------------- */

static void
test_build_and_parse(void **state)
{
	sign_checkin *rec = full_record(), *back = NULL;
	sign_buf b = ck_canon(rec), b2;
	char h[65];

	(void)state;
	/* canonical: compact, sorted, UTF-8 as is */
	assert_non_null(memmem(b.data, b.len, "\"facility\":{\"code\":\"01001\",\"name\":\"Bệnh viện "
	    "Thử nghiệm\"}", strlen("\"facility\":{\"code\":\"01001\",\"name\":\"Bệnh viện "
	    "Thử nghiệm\"}")));
	assert_null(memmem(b.data, b.len, "\\u", 2));
	assert_null(memchr(b.data, '\n', b.len));
	assert_int_equal(b.data[0], '{');
	assert_int_equal(memcmp(b.data, "{\"card\":", 8), 0);
	assert_int_equal(sign_checkin_parse(&back, b.data, b.len), 0);
	b2 = ck_canon(back);
	assert_int_equal(b2.len, b.len);
	assert_memory_equal(b2.data, b.data, b.len);
	assert_string_equal(sign_checkin_get(back, "time"), "2026-03-15T09:30:00+07:00");
	assert_string_equal(sign_checkin_get(back, "outcome"), "covered");
	assert_string_equal(sign_checkin_get(back, "identity"), "verified");
	assert_string_equal(sign_checkin_get(back, "card.verification.genuine"), "true");
	assert_string_equal(sign_checkin_get(back, "card.holder.full_name"), HOLDER);
	assert_string_equal(sign_checkin_get(back, "card.sod_digest"), "SHA-256");
	assert_string_equal(sign_checkin_get(back, "lookup.request.hoTenCb"), STAFF_NAME);
	assert_string_equal(sign_checkin_get(back, "lookup.result.code"), "000");
	assert_string_equal(sign_checkin_get(back, "lookup.result.valid_to"), "31/12/2099");
	assert_string_equal(sign_checkin_get(back, "lookup.answer.encoding"), "utf-8");
	assert_string_equal(sign_checkin_get(back, "lookup.answer.data"), ANSWER_000);
	assert_int_equal(sign_checkin__sha256_hex(h, (const unsigned char *)ANSWER_000,
	    strlen(ANSWER_000)), 0);
	assert_string_equal(sign_checkin_get(back, "lookup.answer.sha256"), h);
	assert_int_equal(sign_checkin__sha256_hex(h, C.dg15.data, C.dg15.len), 0);
	assert_string_equal(sign_checkin_get(back, "card.files.DG15.sha256"), h);
	assert_null(sign_checkin_get(back, "card.files.DG2"));
	assert_null(sign_checkin_get(back, "lookup.password"));
	assert_null(memmem(b.data, b.len, "\"password\"", 10));
	assert_int_equal(sign_checkin_get_outcome(back), SIGN_CHECKIN_COVERED);
	sign_buf_dispose(&b);
	sign_buf_dispose(&b2);
	sign_checkin_free(rec);
	sign_checkin_free(back);
}

static void
test_build_refuses(void **state)
{
	sign_checkin_context ctx = SIGN_CHECKIN_CONTEXT_INIT;
	sign_checkin_card k = SIGN_CHECKIN_CARD_INIT;
	sign_checkin *rec = NULL;
	sign_insurance_request q = SIGN_INSURANCE_REQUEST_INIT;

	(void)state;
	ctx.facility_code = "01001";
	ctx.staff_name = STAFF_NAME;
	ctx.staff_id = "12345";
	assert_int_equal(sign_checkin_new(&rec, &ctx), SIGN_ERR_INVALID_ARG);
	ctx.staff_id = STAFF_ID;
	ctx.facility_code = "01 001";
	assert_int_equal(sign_checkin_new(&rec, &ctx), SIGN_ERR_INVALID_ARG);
	ctx.facility_code = "01001";
	ctx.reader = "bad\xC3";   /* not UTF-8 */
	assert_int_equal(sign_checkin_new(&rec, &ctx), SIGN_ERR_INVALID_ARG);
	ctx.reader = NULL;
	assert_int_equal(sign_checkin_new(&rec, &ctx), 0);
	/* files and lookups need the card first */
	assert_int_equal(sign_checkin_add_file(rec, SIGN_LDS_FID_SOD, C.sod.data, C.sod.len),
	    SIGN_ERR_INVALID_ARG);
	q.ma_the = HOLDER_ID;
	q.full_name = HOLDER;
	q.birth_date = HOLDER_DOB;
	assert_int_equal(sign_checkin_set_lookup_error(rec, "https://x", "01001_BV", &q,
	    SIGN_ERR_NETWORK, "unreachable"), SIGN_ERR_INVALID_ARG);
	/* an AA challenge without its answer */
	k.aa_challenge = C.ch.data;
	k.aa_challenge_len = C.ch.len;
	assert_int_equal(sign_checkin_set_card(rec, &k), SIGN_ERR_INVALID_ARG);
	k.aa_challenge = NULL;
	k.full_name = "Tab\tok but a\nnewline is not";
	assert_int_equal(sign_checkin_set_card(rec, &k), SIGN_ERR_INVALID_ARG);
	k.full_name = HOLDER;
	assert_int_equal(sign_checkin_set_card(rec, &k), 0);
	assert_int_equal(sign_checkin_add_file(rec, 0x011C, C.sod.data, C.sod.len),
	    SIGN_ERR_INVALID_ARG);
	assert_int_equal(sign_checkin_add_file(rec, SIGN_LDS_FID_SOD, C.sod.data, C.sod.len), 0);
	assert_int_equal(sign_checkin_add_file(rec, SIGN_LDS_FID_SOD, C.sod.data, C.sod.len),
	    SIGN_ERR_INVALID_ARG);
	/* a lookup error is not a code >= 0 */
	assert_int_equal(sign_checkin_set_lookup_error(rec, "https://x", "01001_BV", &q, 0, "x"),
	    SIGN_ERR_INVALID_ARG);
	assert_int_equal(sign_checkin_set_lookup_error(rec, "https://x", "01001_BV", &q,
	    SIGN_ERR_NETWORK, "unreachable"), 0);
	assert_int_equal(sign_checkin_get_outcome(rec), SIGN_CHECKIN_LOOKUP_FAILED);
	assert_string_equal(sign_checkin_get(rec, "lookup.error.code"), "network");
	/* the staff of the context stand in for the request's */
	assert_string_equal(sign_checkin_get(rec, "lookup.request.cccdCb"), STAFF_ID);
	sign_checkin_free(rec);
}

/* ---- tests: canonical form and schema ----------------------------------- */

static int
parse_rc(const sign_buf *b)
{
	sign_checkin *r = NULL;
	int rc = sign_checkin_parse(&r, b->data, b->len);

	sign_checkin_free(r);
	return rc;
}

static void
drop_staff_id(json_t *j)
{
	json_object_del(json_object_get(j, "staff"), "id");
}

static void
genuine_string(json_t *j)
{
	json_object_set_new(json_object_get(json_object_get(j, "card"), "verification"),
	    "genuine", json_string("yes"));
}

static void
schema_2(json_t *j)
{
	json_object_set_new(j, "schema", json_integer(2));
}

static void
bad_outcome(json_t *j)
{
	json_object_set_new(j, "outcome", json_string("admitted"));
}

static void
bad_b64(json_t *j)
{
	json_object_set_new(json_object_get(j, "card"), "dg15", json_string("not base64!"));
}

static void
time_utc8(json_t *j)
{
	json_object_set_new(j, "time", json_string("2026-03-15T10:30:00+08:00"));
}

static void
answer_and_error(json_t *j)
{
	json_object_set_new(json_object_get(j, "lookup"), "error",
	    json_pack("{s:s,s:s}", "code", "network", "message", "x"));
}

static void
real_number(json_t *j)
{
	json_object_set_new(json_object_get(json_object_get(j, "card"), "photo"), "size",
	    json_real(7.0));
}

/* "card" moved after the other members (jansson keeps insertion order) */
static void
move_card_last(json_t *j)
{
	json_t *c = json_incref(json_object_get(j, "card"));

	json_object_del(j, "card");
	json_object_set_new(j, "card", c);
}

static void
extra_real(json_t *j)
{
	json_object_set_new(j, "zz_extra", json_pack("{s:[f]}", "x", 1.5));
}

static void
extra_string(json_t *j)
{
	json_object_set_new(j, "zz_extra", json_string("a member of a later minor version"));
}

static void
test_canonical_only(void **state)
{
	sign_checkin *rec = full_record();
	sign_buf b = ck_canon(rec), x;
	unsigned char *nl;

	(void)state;
	assert_int_equal(parse_rc(&b), 0);
	/* pretty-printed, unsorted, ASCII-escaped: the same content, refused */
	x = ck_rewrite(&b, NULL, JSON_INDENT(2) | JSON_SORT_KEYS);
	assert_int_equal(parse_rc(&x), SIGN_ERR_MALFORMED);
	sign_buf_dispose(&x);
	x = ck_rewrite(&b, move_card_last, JSON_COMPACT);
	assert_int_equal(memcmp(x.data, "{\"facility\"", 11), 0);
	assert_int_equal(parse_rc(&x), SIGN_ERR_MALFORMED);
	sign_buf_dispose(&x);
	x = ck_rewrite(&b, NULL, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
	assert_int_equal(parse_rc(&x), SIGN_ERR_MALFORMED);
	assert_non_null(strstr(sign_error_message(), "canonical"));
	sign_buf_dispose(&x);
	x = ck_rewrite(&b, NULL, JSON_COMPACT | JSON_SORT_KEYS | JSON_ESCAPE_SLASH);
	assert_int_equal(parse_rc(&x), SIGN_ERR_MALFORMED);
	sign_buf_dispose(&x);
	/* a trailing newline, a leading blank */
	nl = malloc(b.len + 1);
	memcpy(nl, b.data, b.len);
	nl[b.len] = '\n';
	x.data = nl;
	x.len = b.len + 1;
	assert_int_equal(parse_rc(&x), SIGN_ERR_MALFORMED);
	nl[0] = ' ';
	memcpy(nl + 1, b.data, b.len);
	assert_int_equal(parse_rc(&x), SIGN_ERR_MALFORMED);
	sign_buf_dispose(&x);
	/* a duplicate key is not JSON we accept */
	x.data = (unsigned char *)strdup("{\"a\":1,\"a\":1}");
	x.len = strlen((char *)x.data);
	assert_int_equal(parse_rc(&x), SIGN_ERR_MALFORMED);
	sign_buf_dispose(&x);
	sign_buf_dispose(&b);
	sign_checkin_free(rec);
}

static void
test_schema(void **state)
{
	static void (*const bad[])(json_t *) = { drop_staff_id, genuine_string, bad_outcome,
	    bad_b64, time_utc8, answer_and_error, real_number };
	sign_checkin *rec = full_record();
	sign_buf b = ck_canon(rec), x;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		x = ck_edited(&b, bad[i]);
		assert_int_equal(parse_rc(&x), SIGN_ERR_MALFORMED);
		sign_buf_dispose(&x);
	}
	x = ck_edited(&b, schema_2);
	assert_int_equal(parse_rc(&x), SIGN_ERR_UNSUPPORTED);
	sign_buf_dispose(&x);
	/* unknown members are ignored, but not numbers outside the canonical form */
	x = ck_edited(&b, extra_string);
	assert_int_equal(parse_rc(&x), 0);
	sign_buf_dispose(&x);
	x = ck_edited(&b, extra_real);
	assert_int_equal(parse_rc(&x), SIGN_ERR_MALFORMED);
	sign_buf_dispose(&x);
	sign_buf_dispose(&b);
	sign_checkin_free(rec);
}

/* ---- tests: writing ------------------------------------------------------ */

static size_t
count_files(const char *dir, const char *suffix)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0, sl = strlen(suffix);

	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		size_t l = strlen(e->d_name);

		if (l >= sl && strcmp(e->d_name + l - sl, suffix) == 0)
			n++;
	}
	closedir(d);
	return n;
}

static void
test_write(void **state)
{
	sign_checkin *rec = full_record();
	sign_buf p1 = SIGN_BUF_INIT, p2 = SIGN_BUF_INIT, b = ck_canon(rec), onfile = SIGN_BUF_INIT;
	sign_checkin_report *rep = NULL;
	sign_checkin_verify_opts o = SIGN_CHECKIN_VERIFY_OPTS_INIT;
	char dir[600], want[700], sig[700];
	struct stat st;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/records", F.dir);
	assert_int_equal(sign_checkin_write(&p1, rec, F.signer, dir), SIGN_ERR_NOT_FOUND);
	assert_int_equal(mkdir(dir, 0700), 0);
	assert_int_equal(sign_checkin_write(&p1, rec, F.signer, dir), 0);
	/* YYYYMMDD-HHMMSS (Vietnam time) - first 12 hex of SHA-256("kyso-checkin:190012345") */
	snprintf(want, sizeof(want), "%s/20260315-093000-", dir);
	assert_int_equal(strncmp((char *)p1.data, want, strlen(want)), 0);
	assert_int_equal(p1.len, strlen(want) + 12 + 5);
	assert_string_equal((char *)p1.data + p1.len - 5, ".json");
	/* the record on disk is exactly the canonical form */
	assert_int_equal(sign__read_file((char *)p1.data, 1 << 24, &onfile), 0);
	assert_int_equal(onfile.len, b.len);
	assert_memory_equal(onfile.data, b.data, b.len);
	snprintf(sig, sizeof(sig), "%s.p7s", (char *)p1.data);
	assert_int_equal(stat(sig, &st), 0);
	/* the same card in the same second: a new name, never an overwrite */
	assert_int_equal(sign_checkin_write(&p2, rec, F.signer, dir), 0);
	assert_string_not_equal((char *)p1.data, (char *)p2.data);
	assert_string_equal((char *)p2.data + p2.len - 7, "-2.json");
	assert_int_equal(count_files(dir, ".json"), 2);
	assert_int_equal(count_files(dir, ".json.p7s"), 2);
	/* no temporary file (".NAME.json.XXXXXX") is left */
	{
		DIR *d = opendir(dir);
		struct dirent *e;

		while ((e = readdir(d)) != NULL)
			assert_false(e->d_name[0] == '.' && e->d_name[1] != '\0' &&
			    e->d_name[1] != '.');
		closedir(d);
	}
	/* both verify */
	o.trust = F.trust;
	o.csca = F.csca;
	assert_int_equal(sign_checkin_verify_file(&rep, (char *)p1.data, NULL, &o), 0);
	assert_int_equal(sign_checkin_report_indication(rep), SIGN_CADES_TOTAL_PASSED);
	assert_string_equal(sign_checkin_get(sign_checkin_report_record(rep), "outcome"),
	    "covered");
	sign_checkin_report_free(rep);
	/* a missing signature: bad input, with a message */
	assert_int_equal(unlink(sig), 0);
	assert_int_equal(sign_checkin_verify_file(&rep, (char *)p1.data, NULL, &o),
	    SIGN_ERR_NOT_FOUND);
	assert_null(rep);
	assert_non_null(strstr(sign_error_message(), "signature"));
	sign_buf_dispose(&onfile);
	sign_buf_dispose(&p1);
	sign_buf_dispose(&p2);
	sign_buf_dispose(&b);
	sign_checkin_free(rec);
}

/* A file in dir named name, last modified age seconds ago. */
static void
put_file(const char *dir, const char *name, time_t age)
{
	char p[800];
	struct timeval tv[2];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs("{\"half\":", f);
	fclose(f);
	tv[0].tv_sec = tv[1].tv_sec = time(NULL) - age;
	tv[0].tv_usec = tv[1].tv_usec = 0;
	assert_int_equal(utimes(p, tv), 0);
}

static int
exists(const char *dir, const char *name)
{
	char p[800];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return lstat(p, &st) == 0;
}

/* Temporary files a killed writer left: the next writer in the directory
 * removes its own kind only - the exact name shape, a regular file (not a
 * link, nor what a link points to), older than SIGN_CHECKIN__TEMP_AGE. */
static void
test_clean_temp(void **state)
{
	static const char *const temp[] = {
		".20260315-093000-0123456789ab.json.Ab3xYz",
		".20260315-093000-0123456789ab.json.p7s.000000",
		"20260315-093000-0123456789ab.jpg.tmpAb3xYz",   /* the desk's photos */
		"20260315-093000-0123456789ab-2.jp2.tmp0a1B2c",
		"20260315-093000-0123456789ab-17.img.tmpZZZZZZ",
	};
	static const char *const other[] = {
		"20260315-093000-0123456789ab.json.Ab3xYz",     /* not hidden */
		".20260315-093000-0123456789AB.json.Ab3xYz",    /* upper-case hex */
		".20260315-093000-0123456789ab.json.Ab3xY",     /* five letters */
		".20260315-093000-0123456789ab.json.Ab3xYz7",   /* seven */
		".20260315-093000-0123456789ab.json.Ab3-Yz",
		".20260315-093000-0123456789ab.jsonx.Ab3xYz",
		".2026031-093000-0123456789ab.json.Ab3xYz",
		".20260315-093000-0123456789ab.p7s.Ab3xYz",
		".20260315-093000-0123456789ab-2.json.Ab3xYz",
		".bashrc", ".json.Ab3xYz", "notes.txt",
		"20260315-093000-0123456789ab.pdf.tmpAb3xYz",   /* not a photo */
		"20260315-093000-0123456789ab.jpg.tmpAb3xY",
		"20260315-093000-0123456789ab-123.jpg.tmpAb3xYz",
		".20260315-093000-0123456789ab.jpg.tmpAb3xYz",  /* hidden */
		"notes.jpg.tmpAb3xYz",
	};
	char dir[600], outside[600], lnk[800], name[100];
	unsigned int n = 99;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(temp) / sizeof(temp[0]); i++)
		assert_int_equal(sign_checkin__is_temp_name(temp[i]), 1);
	for (i = 0; i < sizeof(other) / sizeof(other[0]); i++)
		assert_int_equal(sign_checkin__is_temp_name(other[i]), 0);

	snprintf(dir, sizeof(dir), "%s/leftovers", F.dir);
	snprintf(outside, sizeof(outside), "%s/outside", F.dir);
	assert_int_equal(mkdir(dir, 0700), 0);
	assert_int_equal(mkdir(outside, 0700), 0);
	put_file(dir, temp[0], 3600);
	put_file(dir, temp[1], SIGN_CHECKIN__TEMP_AGE + 60);
	for (i = 2; i < sizeof(temp) / sizeof(temp[0]); i++)
		put_file(dir, temp[i], 3600);
	for (i = 0; i < sizeof(other) / sizeof(other[0]); i++)
		put_file(dir, other[i], 3600);
	/* a writer at work right now: young */
	put_file(dir, ".20260315-093001-0123456789ab.json.Young1", 5);
	/* a link of that shape to a file elsewhere; a directory of that shape */
	put_file(outside, "precious.json", 3600);
	snprintf(lnk, sizeof(lnk), "%s/.20260315-093002-0123456789ab.json.Link01", dir);
	snprintf(name, sizeof(name), "../outside/precious.json");
	assert_int_equal(symlink(name, lnk), 0);
	snprintf(lnk, sizeof(lnk), "%s/.20260315-093003-0123456789ab.json.Dir001", dir);
	assert_int_equal(mkdir(lnk, 0700), 0);

	assert_int_equal(sign_checkin__clean_temp(dir, time(NULL), &n), 0);
	assert_int_equal(n, sizeof(temp) / sizeof(temp[0]));
	for (i = 0; i < sizeof(temp) / sizeof(temp[0]); i++)
		assert_false(exists(dir, temp[i]));
	for (i = 0; i < sizeof(other) / sizeof(other[0]); i++)
		assert_true(exists(dir, other[i]));
	assert_true(exists(dir, ".20260315-093001-0123456789ab.json.Young1"));
	assert_true(exists(dir, ".20260315-093002-0123456789ab.json.Link01"));
	assert_true(exists(outside, "precious.json"));
	assert_true(exists(dir, ".20260315-093003-0123456789ab.json.Dir001"));
	/* nothing more to do: none removed */
	assert_int_equal(sign_checkin__clean_temp(dir, time(NULL), &n), 0);
	assert_int_equal(n, 0);
	snprintf(lnk, sizeof(lnk), "%s/none", F.dir);
	assert_int_equal(sign_checkin__clean_temp(lnk, time(NULL), &n), SIGN_ERR_IO);

	/* the first record written in a directory cleans it up */
	put_file(dir, temp[0], 3600);
	{
		sign_checkin *rec = full_record();
		sign_buf p = SIGN_BUF_INIT;

		assert_int_equal(sign_checkin_write(&p, rec, F.signer, dir), 0);
		assert_false(exists(dir, temp[0]));
		assert_true(exists(dir, ".20260315-093001-0123456789ab.json.Young1"));
		sign_buf_dispose(&p);
		sign_checkin_free(rec);
	}
}

/* A photo written to a chosen file (card read --photo, reception --photo)
 * goes through "FILE.tmpXXXXXX": the next writer removes old ones of exactly
 * that shape beside FILE, and nothing else. */
static void
test_photo_leftovers(void **state)
{
	static const char *const other[] = {
		"face.jpg.tmpAb3xY",        /* five letters */
		"face.jpg.tmpAb3xYz7",      /* seven */
		"face.jpg.tmpAb-xYz",
		"face.jpg.tmAb3xYz",
		"face.jpgx.tmpAb3xYz",      /* another target's */
		"xface.jpg.tmpAb3xYz",
		"face.jpg",                 /* the photo itself */
		"other.jpg.tmpAb3xYz",
		"notes.txt",
	};
	char dir[600], path[700], lnk[800], cwd[1024];
	unsigned int n = 99;
	size_t i;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/photos", F.dir);
	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(path, sizeof(path), "%s/face.jpg", dir);
	put_file(dir, "face.jpg.tmpAb3xYz", 3600);
	put_file(dir, "face.jpg.tmp000000", SIGN_CHECKIN__TEMP_AGE + 60);
	put_file(dir, "face.jpg.tmpYoung1", 5);         /* a writer at work */
	for (i = 0; i < sizeof(other) / sizeof(other[0]); i++)
		put_file(dir, other[i], 3600);
	/* a link of that shape (to the photo itself); a directory of that shape */
	snprintf(lnk, sizeof(lnk), "%s/face.jpg.tmpLink01", dir);
	assert_int_equal(symlink("face.jpg", lnk), 0);
	snprintf(lnk, sizeof(lnk), "%s/face.jpg.tmpDir001", dir);
	assert_int_equal(mkdir(lnk, 0700), 0);

	assert_int_equal(sign_checkin_remove_photo_leftovers(path, &n), 0);
	assert_int_equal(n, 2);
	assert_false(exists(dir, "face.jpg.tmpAb3xYz"));
	assert_false(exists(dir, "face.jpg.tmp000000"));
	assert_true(exists(dir, "face.jpg.tmpYoung1"));
	for (i = 0; i < sizeof(other) / sizeof(other[0]); i++)
		assert_true(exists(dir, other[i]));
	assert_true(exists(dir, "face.jpg.tmpLink01"));
	assert_true(exists(dir, "face.jpg.tmpDir001"));
	assert_int_equal(sign_checkin_remove_photo_leftovers(path, NULL), 0);

	/* a bare name: the current directory */
	put_file(dir, "face.jpg.tmpZZZZZZ", 3600);
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(dir), 0);
	assert_int_equal(sign_checkin_remove_photo_leftovers("face.jpg", &n), 0);
	assert_int_equal(chdir(cwd), 0);
	assert_int_equal(n, 1);
	assert_false(exists(dir, "face.jpg.tmpZZZZZZ"));

	/* no file named; a directory that cannot be listed */
	assert_int_equal(sign_checkin_remove_photo_leftovers(NULL, &n), SIGN_ERR_INVALID_ARG);
	assert_int_equal(sign_checkin_remove_photo_leftovers("", &n), SIGN_ERR_INVALID_ARG);
	snprintf(path, sizeof(path), "%s/", dir);
	assert_int_equal(sign_checkin_remove_photo_leftovers(path, &n), SIGN_ERR_INVALID_ARG);
	snprintf(path, sizeof(path), "%s/none/face.jpg", F.dir);
	assert_int_equal(sign_checkin_remove_photo_leftovers(path, &n), SIGN_ERR_IO);
	assert_int_equal(n, 0);
}

/* ---- tests: verification -------------------------------------------------- */

static void
edit_name(json_t *j)
{
	json_object_set_new(json_object_get(json_object_get(j, "card"), "holder"), "full_name",
	    json_string("Nguyễn Thị Hồng Nhưng"));
}

static void
edit_valid_to(json_t *j)
{
	json_object_set_new(json_object_get(json_object_get(j, "lookup"), "result"), "valid_to",
	    json_string("31/12/2199"));
}

static void
edit_class(json_t *j)
{
	json_t *r = json_object_get(json_object_get(j, "lookup"), "result");

	json_object_set_new(r, "code", json_string("051"));
	json_object_set_new(r, "class", json_string("not_covered"));
	json_object_set_new(j, "outcome", json_string("not_covered"));
}

static void
edit_outcome(json_t *j)
{
	json_object_set_new(j, "outcome", json_string("not_covered"));
}

static void
edit_answer(json_t *j)
{
	json_t *a = json_object_get(json_object_get(j, "lookup"), "answer");
	char *s = strdup(json_string_value(json_object_get(a, "data")));

	memcpy(strstr(s, "2099"), "2199", 4);
	json_object_set_new(a, "data", json_string(s));
	free(s);
}

static void
edit_aa_response(json_t *j)
{
	json_t *aa = json_object_get(json_object_get(j, "card"), "aa");
	char *s = strdup(json_string_value(json_object_get(aa, "response")));

	s[10] = s[10] == 'A' ? 'B' : 'A';
	json_object_set_new(aa, "response", json_string(s));
	free(s);
}

static void
edit_dg_hash(json_t *j)
{
	json_t *f = json_object_get(json_object_get(json_object_get(j, "card"), "files"), "DG13");
	char *s = strdup(json_string_value(json_object_get(f, "sha256")));

	s[0] = s[0] == '0' ? '1' : '0';
	json_object_set_new(f, "sha256", json_string(s));
	free(s);
}

static void
edit_staff(json_t *j)
{
	json_object_set_new(json_object_get(j, "staff"), "id", json_string("079090004321"));
}

static void
edit_genuine(json_t *j)
{
	json_object_set_new(json_object_get(json_object_get(j, "card"), "verification"),
	    "genuine", json_false());
}

static void
edit_dg15(json_t *j)
{
	EVP_PKEY *k = t_key("RSA", "1024");
	sign_buf d = t_dg15(k);
	char *s = NULL;

	assert_int_equal(sign_checkin__b64_encode(&s, d.data, d.len), 0);
	json_object_set_new(json_object_get(j, "card"), "dg15", json_string(s));
	free(s);
	sign_buf_dispose(&d);
	EVP_PKEY_free(k);
}

static const struct field_case {
	const char *name;
	void (*edit)(json_t *);
	sign_checkin_check check;   /* the internal check that must fail */
} field_cases[] = {
	{ "holder name", edit_name, SIGN_CHECKIN_CHECK_REQUEST },
	{ "coverage end", edit_valid_to, SIGN_CHECKIN_CHECK_RESULT },
	{ "coverage class", edit_class, SIGN_CHECKIN_CHECK_RESULT },
	{ "outcome", edit_outcome, SIGN_CHECKIN_CHECK_OUTCOME },
	{ "gateway answer", edit_answer, SIGN_CHECKIN_CHECK_ANSWER },
	{ "AA response", edit_aa_response, SIGN_CHECKIN_CHECK_ACTIVE },
	{ "DG hash", edit_dg_hash, SIGN_CHECKIN_CHECK_PASSIVE },
	{ "staff", edit_staff, SIGN_CHECKIN_CHECK_REQUEST },
	{ "genuine", edit_genuine, SIGN_CHECKIN_CHECK_GENUINE },
	{ "DG15", edit_dg15, SIGN_CHECKIN_CHECK_PASSIVE },
};

static void
test_verify_genuine(void **state)
{
	sign_checkin *rec = full_record();
	sign_buf b = ck_canon(rec), sig = ck_sign_bytes(&F, &b);
	sign_checkin_report *rep = NULL;
	size_t i;

	(void)state;
	assert_int_equal(verify(&b, &sig, &rep, 1, 1), 0);
	for (i = 0; i < SIGN_CHECKIN_CHECK_COUNT; i++)
		assert_int_equal(ck_status(rep, (sign_checkin_check)i, NULL), SIGN_CADES_STATUS_PASSED);
	assert_non_null(sign_checkin_report_signature(rep));
	sign_checkin_report_free(rep);
	/* no facility anchor: INDETERMINATE */
	assert_int_equal(verify(&b, &sig, &rep, 0, 1), SIGN_ERR_UNTRUSTED);
	assert_int_equal(ck_status(rep, SIGN_CHECKIN_CHECK_SIGNATURE, NULL),
	    SIGN_CADES_STATUS_INDETERMINATE);
	assert_int_equal(sign_checkin_report_indication(rep), SIGN_CADES_INDETERMINATE);
	sign_checkin_report_free(rep);
	/* no CSCA: the card cannot be re-checked, INDETERMINATE */
	assert_int_equal(verify(&b, &sig, &rep, 1, 0), SIGN_ERR_UNTRUSTED);
	assert_int_equal(ck_status(rep, SIGN_CHECKIN_CHECK_SIGNATURE, NULL), SIGN_CADES_STATUS_PASSED);
	assert_int_equal(ck_status(rep, SIGN_CHECKIN_CHECK_PASSIVE, NULL),
	    SIGN_CADES_STATUS_INDETERMINATE);
	assert_int_equal(ck_status(rep, SIGN_CHECKIN_CHECK_ACTIVE, NULL), SIGN_CADES_STATUS_PASSED);
	sign_checkin_report_free(rep);
	/* a signature that is not CMS; one over other content */
	{
		sign_buf junk = SIGN_BUF_INIT, other = ck_edited(&b, edit_outcome), osig;

		assert_int_equal(sign_buf__set(&junk, "not a signature", 15), 0);
		assert_int_equal(verify(&b, &junk, &rep, 1, 1), SIGN_ERR_MALFORMED);
		assert_null(rep);
		osig = ck_sign_bytes(&F, &other);
		assert_int_equal(verify(&b, &osig, &rep, 1, 1), SIGN_ERR_VERIFY);
		assert_int_equal(ck_status(rep, SIGN_CHECKIN_CHECK_SIGNATURE, NULL),
		    SIGN_CADES_STATUS_FAILED);
		sign_checkin_report_free(rep);
		sign_buf_dispose(&junk);
		sign_buf_dispose(&other);
		sign_buf_dispose(&osig);
	}
	sign_buf_dispose(&b);
	sign_buf_dispose(&sig);
	sign_checkin_free(rec);
}

static void
test_verify_each_field(void **state)
{
	sign_checkin *rec = full_record();
	sign_buf b = ck_canon(rec), sig = ck_sign_bytes(&F, &b);
	sign_checkin_report *rep = NULL;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(field_cases) / sizeof(field_cases[0]); i++) {
		const struct field_case *fc = &field_cases[i];
		sign_buf x = ck_edited(&b, fc->edit), xsig;

		/* an edited record under the original signature: the signature fails,
		 * and the internal check fails on its own */
		assert_int_equal(verify(&x, &sig, &rep, 1, 1), SIGN_ERR_VERIFY);
		assert_int_equal(ck_status(rep, SIGN_CHECKIN_CHECK_SIGNATURE, NULL),
		    SIGN_CADES_STATUS_FAILED);
		if (ck_status(rep, fc->check, NULL) != SIGN_CADES_STATUS_FAILED)
			fail_msg("%s: check %s did not fail", fc->name,
			    sign_checkin_check_str(fc->check));
		sign_checkin_report_free(rep);
		/* re-signed by a facility that lies: the signature passes, the
		 * evidence still contradicts the record */
		xsig = ck_sign_bytes(&F, &x);
		assert_int_equal(verify(&x, &xsig, &rep, 1, 1), SIGN_ERR_VERIFY);
		assert_int_equal(ck_status(rep, SIGN_CHECKIN_CHECK_SIGNATURE, NULL),
		    SIGN_CADES_STATUS_PASSED);
		if (ck_status(rep, fc->check, NULL) != SIGN_CADES_STATUS_FAILED)
			fail_msg("%s (re-signed): check %s did not fail", fc->name,
			    sign_checkin_check_str(fc->check));
		sign_checkin_report_free(rep);
		sign_buf_dispose(&x);
		sign_buf_dispose(&xsig);
	}
	sign_buf_dispose(&b);
	sign_buf_dispose(&sig);
	sign_checkin_free(rec);
}

/* A card whose DG13 was changed: refused (no lookup), and the record of the
 * refusal is itself true. */
static void
test_verify_refused(void **state)
{
	sign_checkin *rec = record_new(1773541800);
	sign_checkin_report *rep = NULL;
	sign_buf b, sig, x, xsig;

	(void)state;
	add_card(rec, 1, 1);
	assert_string_equal(sign_checkin_get(rec, "identity"), "unverified");
	assert_int_equal(sign_checkin_get_outcome(rec), SIGN_CHECKIN_REFUSED);
	b = ck_canon(rec);
	sig = ck_sign_bytes(&F, &b);
	assert_int_equal(verify(&b, &sig, &rep, 1, 1), 0);
	assert_int_equal(ck_status(rep, SIGN_CHECKIN_CHECK_PASSIVE, NULL), SIGN_CADES_STATUS_PASSED);
	assert_int_equal(ck_status(rep, SIGN_CHECKIN_CHECK_ANSWER, NULL), SIGN_CADES_STATUS_SKIPPED);
	assert_int_equal(ck_status(rep, SIGN_CHECKIN_CHECK_REQUEST, NULL), SIGN_CADES_STATUS_SKIPPED);
	assert_int_equal(ck_status(rep, SIGN_CHECKIN_CHECK_OUTCOME, NULL), SIGN_CADES_STATUS_PASSED);
	sign_checkin_report_free(rep);
	/* claiming the tampered card passed: caught by its own evidence */
	{
		json_t *j = json_loadb((const char *)b.data, b.len, 0, NULL);
		json_t *v = json_object_get(json_object_get(j, "card"), "verification");
		char *s;

		json_object_set_new(v, "passive", json_string("passed"));
		json_object_set_new(v, "genuine", json_true());
		json_object_set_new(j, "identity", json_string("verified"));
		s = json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT);
		x.data = (unsigned char *)s;
		x.len = strlen(s);
		json_decref(j);
	}
	xsig = ck_sign_bytes(&F, &x);
	assert_int_equal(verify(&x, &xsig, &rep, 1, 1), SIGN_ERR_VERIFY);
	assert_int_equal(ck_status(rep, SIGN_CHECKIN_CHECK_PASSIVE, NULL), SIGN_CADES_STATUS_FAILED);
	assert_int_equal(ck_status(rep, SIGN_CHECKIN_CHECK_GENUINE, NULL), SIGN_CADES_STATUS_FAILED);
	sign_checkin_report_free(rep);
	sign_buf_dispose(&x);
	sign_buf_dispose(&xsig);
	sign_buf_dispose(&b);
	sign_buf_dispose(&sig);
	sign_checkin_free(rec);
}

static void
answer_as_base64(json_t *j)
{
	json_t *a = json_object_get(json_object_get(j, "lookup"), "answer");
	const char *d = json_string_value(json_object_get(a, "data"));
	char *s = NULL;

	assert_int_equal(sign_checkin__b64_encode(&s, (const unsigned char *)d, strlen(d)), 0);
	json_object_set_new(a, "encoding", json_string("base64"));
	json_object_set_new(a, "data", json_string(s));
	free(s);
}

static void
answer_status_500(json_t *j)
{
	json_object_set_new(json_object_get(json_object_get(j, "lookup"), "answer"),
	    "http_status", json_integer(500));
}

/* Not covered (051), a lookup that failed, an answer kept as base64, and a
 * covered code recorded from an HTTP error answer. */
static void
test_verify_lookups(void **state)
{
	sign_insurance_request q = SIGN_INSURANCE_REQUEST_INIT;
	sign_checkin_report *rep = NULL;
	sign_insurance_result *res;
	sign_checkin *rec;
	sign_buf b, sig;

	(void)state;
	rec = record_new(1773541800);
	add_card(rec, 0, 1);
	res = lookup(ANSWER_051, HOLDER);
	assert_int_equal(sign_checkin_set_lookup(rec, "https://egw.example.vn", "01001_BV", res),
	    0);
	sign_insurance_result_free(res);
	assert_int_equal(sign_checkin_get_outcome(rec), SIGN_CHECKIN_NOT_COVERED);
	b = ck_canon(rec);
	sig = ck_sign_bytes(&F, &b);
	assert_int_equal(verify(&b, &sig, &rep, 1, 1), 0);
	sign_checkin_report_free(rep);
	sign_buf_dispose(&b);
	sign_buf_dispose(&sig);
	sign_checkin_free(rec);

	rec = record_new(1773541800);
	add_card(rec, 0, 1);
	q.ma_the = HOLDER_ID;
	q.full_name = HOLDER;
	q.birth_date = HOLDER_DOB;
	assert_int_equal(sign_checkin_set_lookup_error(rec, "https://egw.example.vn", "01001_BV",
	    &q, SIGN_ERR_NETWORK, "the gateway did not answer"), 0);
	b = ck_canon(rec);
	sig = ck_sign_bytes(&F, &b);
	assert_int_equal(verify(&b, &sig, &rep, 1, 1), 0);
	assert_int_equal(ck_status(rep, SIGN_CHECKIN_CHECK_ANSWER, NULL), SIGN_CADES_STATUS_SKIPPED);
	assert_int_equal(ck_status(rep, SIGN_CHECKIN_CHECK_REQUEST, NULL), SIGN_CADES_STATUS_PASSED);
	sign_checkin_report_free(rep);
	sign_buf_dispose(&b);
	sign_buf_dispose(&sig);
	sign_checkin_free(rec);

	/* an answer kept as base64 (bytes that are not plain UTF-8 text) reads
	 * back to the same bytes */
	rec = full_record();
	b = ck_canon(rec);
	{
		sign_buf x = ck_edited(&b, answer_as_base64), xsig = ck_sign_bytes(&F, &x);

		assert_int_equal(verify(&x, &xsig, &rep, 1, 1), 0);
		assert_string_equal(sign_checkin_get(sign_checkin_report_record(rep),
		    "lookup.answer.encoding"), "base64");
		sign_checkin_report_free(rep);
		sign_buf_dispose(&x);
		sign_buf_dispose(&xsig);
	}
	/* maKetQua 000 with HTTP 500 is not coverage, as at the desk (a record
	 * of an older kyso, re-signed): the result check fails */
	{
		sign_buf x = ck_edited(&b, answer_status_500), xsig = ck_sign_bytes(&F, &x);
		const char *d = NULL;

		assert_int_equal(verify(&x, &xsig, &rep, 1, 1), SIGN_ERR_VERIFY);
		assert_int_equal(ck_status(rep, SIGN_CHECKIN_CHECK_SIGNATURE, NULL),
		    SIGN_CADES_STATUS_PASSED);
		assert_int_equal(ck_status(rep, SIGN_CHECKIN_CHECK_ANSWER, NULL),
		    SIGN_CADES_STATUS_PASSED);
		assert_int_equal(ck_status(rep, SIGN_CHECKIN_CHECK_RESULT, &d),
		    SIGN_CADES_STATUS_FAILED);
		assert_non_null(strstr(d, "HTTP 500 and maKetQua 000"));
		sign_checkin_report_free(rep);
		sign_buf_dispose(&x);
		sign_buf_dispose(&xsig);
	}
	sign_buf_dispose(&b);
	sign_checkin_free(rec);
}

/* A SOD hashing with SHA-1: the record keeps each data group's SHA-1 too. */
static void
test_verify_sha1_sod(void **state)
{
	struct card saved = C;
	sign_checkin_report *rep = NULL;
	sign_checkin *rec;
	sign_buf b, sig, rd;

	(void)state;
	memset(&C, 0, sizeof(C));
	card_make(&C, EVP_sha1());
	rd = t_der(C.csca);
	assert_int_equal(sign_csca_store_add_cert(F.csca, rd.data, rd.len), 0);
	sign_buf_dispose(&rd);
	rec = record_new(1773541800);
	add_card(rec, 0, 1);
	assert_string_equal(sign_checkin_get(rec, "card.sod_digest"), "SHA-1");
	assert_int_equal(strlen(sign_checkin_get(rec, "card.files.DG1.sod_hash")), 40);
	/* the SOD after a data group: its algorithm is not known in time */
	{
		sign_checkin *r2 = record_new(1773541800);
		sign_checkin_card k = SIGN_CHECKIN_CARD_INIT;

		assert_int_equal(sign_checkin_set_card(r2, &k), 0);
		assert_int_equal(sign_checkin_add_file(r2, SIGN_LDS_FID_DG(1), C.dg1.data,
		    C.dg1.len), 0);
		assert_int_equal(sign_checkin_add_file(r2, SIGN_LDS_FID_SOD, C.sod.data, C.sod.len),
		    SIGN_ERR_INVALID_ARG);
		sign_checkin_free(r2);
	}
	b = ck_canon(rec);
	sig = ck_sign_bytes(&F, &b);
	assert_int_equal(verify(&b, &sig, &rep, 1, 1), 0);
	sign_checkin_report_free(rep);
	sign_buf_dispose(&b);
	sign_buf_dispose(&sig);
	sign_checkin_free(rec);
	card_free(&C);
	C = saved;
}

/* Warnings and lookup failures quote the gateway (its facility names, what
 * it sent): control and bidi characters in them are recorded (escaped in the
 * canonical form), never a reason to drop the warning or the failure - a
 * record whose failure was dropped would read "refused" for a card that was
 * looked up.  The record reads back and verifies. */
static void
test_messages_with_controls(void **state)
{
	sign_insurance_request q = SIGN_INSURANCE_REQUEST_INIT;
	sign_checkin_report *rep = NULL;
	sign_checkin *rec;
	sign_buf b, sig;

	(void)state;
	rec = record_new(1773541800);
	add_card(rec, 0, 1);
	q.ma_the = HOLDER_ID;
	q.full_name = HOLDER;
	q.birth_date = HOLDER_DOB;
	assert_int_equal(sign_checkin_set_lookup_error(rec, "https://egw.example.vn", "01001_BV",
	    &q, SIGN_ERR_SERVER_RESPONSE, "the answer said \x1b[2Jbye"), 0);
	assert_int_equal(sign_checkin_get_outcome(rec), SIGN_CHECKIN_LOOKUP_FAILED);
	assert_int_equal(sign_checkin_add_warning(rec, "other_facility",
	    "registered at another facility: 79024 BV\x07\xe2\x80\xae"), 0);
	b = ck_canon(rec);
	assert_non_null(memmem(b.data, b.len, "\\u001B[2Jbye", 12));
	assert_non_null(memmem(b.data, b.len, "BV\\u0007\xe2\x80\xae", 11));
	sig = ck_sign_bytes(&F, &b);
	assert_int_equal(verify(&b, &sig, &rep, 1, 1), 0);
	assert_string_equal(sign_checkin_get(sign_checkin_report_record(rep), "outcome"),
	    "lookup_failed");
	sign_checkin_report_free(rep);
	sign_buf_dispose(&b);
	sign_buf_dispose(&sig);
	sign_checkin_free(rec);
}

/* A check's detail cut at its buffer's end inside a Vietnamese letter loses
 * the partial letter, so that it stays valid UTF-8 (and --json keeps it). */
static void
test_detail_utf8_trim(void **state)
{
	static const struct {
		const char *in, *out;
	} t[] = {
		{ "ab", "ab" },
		{ "", "" },
		{ "Vi\xe1\xbb\x87t", "Vi\xe1\xbb\x87t" },     /* whole "ệ" */
		{ "Vi\xe1\xbb", "Vi" },                        /* "ệ" cut after 2 of 3 */
		{ "Vi\xe1", "Vi" },                            /* cut after 1 of 3 */
		{ "Tr\xe1\xba\xa7n", "Tr\xe1\xba\xa7n" },
		{ "Nh\xc6", "Nh" },                            /* "ư" cut after 1 of 2 */
		{ "Nh\xc6\xb0", "Nh\xc6\xb0" },
		{ "x\xf0\x9f\x98", "x" },                      /* 4-byte, cut after 3 */
		{ "x\xf0\x9f\x98\x80", "x\xf0\x9f\x98\x80" },
	};
	char buf[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(buf, sizeof(buf), "%s", t[i].in);
		sign_checkin__utf8_trim(buf);
		if (strcmp(buf, t[i].out) != 0)
			fail_msg("case %zu: got '%s'", i, buf);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base64),
		cmocka_unit_test(test_time),
		cmocka_unit_test(test_file_keys),
		cmocka_unit_test(test_build_and_parse),
		cmocka_unit_test(test_build_refuses),
		cmocka_unit_test(test_canonical_only),
		cmocka_unit_test(test_schema),
		cmocka_unit_test(test_write),
		cmocka_unit_test(test_clean_temp),
		cmocka_unit_test(test_photo_leftovers),
		cmocka_unit_test(test_verify_genuine),
		cmocka_unit_test(test_verify_each_field),
		cmocka_unit_test(test_verify_refused),
		cmocka_unit_test(test_verify_lookups),
		cmocka_unit_test(test_verify_sha1_sod),
		cmocka_unit_test(test_detail_utf8_trim),
		cmocka_unit_test(test_messages_with_controls),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
