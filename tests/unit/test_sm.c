/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* 3DES secure messaging: ICAO 9303-11 Appendix D.4 and failure cases. */
#include "config.h"
#include "icao_util.h"
#include "internal.h"
#include "sm.h"
#include "tlv.h"

static json_t *vec;
static unsigned char ks_enc[16], ks_mac[16], ssc0[8];

static void
jfix(json_t *o, const char *k, unsigned char *out, size_t len)
{
	size_t n;
	unsigned char *b = jhex(o, k, &n);

	assert_int_equal(n, len);
	memcpy(out, b, len);
	free(b);
}

static int
setup(void **state)
{
	json_t *d3;

	(void)state;
	vec = load_json_fixture("bac_sm_appendix_D.json");
	d3 = json_object_get(vec, "D.3_authentication");
	jfix(d3, "KS_enc", ks_enc, 16);
	jfix(d3, "KS_mac", ks_mac, 16);
	jfix(d3, "SSC", ssc0, 8);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	json_decref(vec);
	return 0;
}

static sign_sm *
new_sm(void)
{
	sign_sm *sm = NULL;

	assert_int_equal(sign_sm__new(&sm, SIGN_SM_3DES, ks_enc, ks_mac, 16, ssc0, 8), 0);
	return sm;
}

/* Parse a short plain APDU (cases 1-4). */
static void
parse_apdu(const unsigned char *b, size_t n, sign_apdu *a)
{
	memset(a, 0, sizeof(*a));
	assert_true(n >= 4);
	a->cla = b[0];
	a->ins = b[1];
	a->p1 = b[2];
	a->p2 = b[3];
	if (n == 5) {
		a->ne = b[4] == 0 ? 256 : b[4];
	} else if (n > 5) {
		a->lc = b[4];
		a->data = b + 5;
		assert_true(n == 5 + a->lc || n == 6 + a->lc);
		if (n == 6 + a->lc)
			a->ne = b[n - 1] == 0 ? 256 : b[n - 1];
	}
}

static void
test_retail_mac_vector(void **state)
{
	json_t *steps = json_object_get(vec, "D.4_secure_messaging");
	json_t *s0 = json_array_get(steps, 0);
	size_t n;
	unsigned char *N = jhex(s0, "N", &n), mac[8];

	(void)state;
	assert_int_equal(sign_sm__retail_mac(ks_mac, N, n, mac), 0);
	assert_hex_equal(mac, 8, jstr(s0, "CC"));
	/* unpadded data is refused */
	assert_int_equal(sign_sm__retail_mac(ks_mac, N, n - 1, mac), SIGN_ERR_INVALID_ARG);
	free(N);
}

/* The three APDU pairs: our protected commands equal the appendix's byte for
 * byte, the SSC follows, and the protected answers unwrap to its plain ones. */
static void
test_appendix_d4(void **state)
{
	json_t *steps = json_object_get(vec, "D.4_secure_messaging");
	sign_sm *sm = new_sm();
	size_t i;

	(void)state;
	assert_true(json_array_size(steps) == 3);
	for (i = 0; i < json_array_size(steps); i++) {
		json_t *s = json_array_get(steps, i);
		size_t n, rn, un;
		unsigned char *plain = jhex(s, "unprotected_command", &n);
		unsigned char *resp = jhex(s, "protected_response", &rn);
		unsigned char *want = jhex(s, "unprotected_response", &un);
		unsigned char ssc[8];
		sign_apdu a;
		sign_buf out = SIGN_BUF_INIT, data = SIGN_BUF_INIT;
		unsigned int sw = 0;

		parse_apdu(plain, n, &a);
		assert_int_equal(sign_sm__wrap(sm, &a, &out), 0);
		assert_hex_equal(out.data, out.len, jstr(s, "protected_command"));
		assert_int_equal(sign_sm__ssc(sm, ssc, 8), 0);
		assert_hex_equal(ssc, 8, jstr(s, "SSC"));
		assert_int_equal(sign_sm__unwrap(sm, resp, rn, &data, &sw), 0);
		assert_int_equal(sign_sm__ssc(sm, ssc, 8), 0);
		assert_hex_equal(ssc, 8, jstr(s, "SSC_response"));
		assert_int_equal(sw, 0x9000);
		assert_int_equal(data.len, un - 2);
		if (data.len > 0)
			assert_memory_equal(data.data, want, data.len);
		sign_buf_dispose(&out);
		sign_buf_dispose(&data);
		free(plain);
		free(resp);
		free(want);
	}
	assert_true(sign_sm__alive(sm));
	sign_sm__free(sm);
}

/* The card side, for the tests: a protected answer with DO87 holding
 * `body` (already padded, any bytes), DO99 = sw, and DO8E over them with the
 * SSC (after increment). */
static void
card_answer(const unsigned char ssc_in[8], const unsigned char *body, size_t blen,
    unsigned int sw, int with_mac, unsigned int enc_tag, sign_buf *out)
{
	unsigned char ssc[8], macbuf[512], mac[8], enc[256], swb[2];
	sign_buf dos = SIGN_BUF_INIT;
	size_t n;
	int i;

	memcpy(ssc, ssc_in, 8);
	for (i = 7; i >= 0; i--)
		if (++ssc[i] != 0)
			break;
	if (blen > 0) {
		assert_true(blen % 8 == 0 && blen < sizeof(enc) - 1);
		assert_int_equal(sign_sm__3des_cbc(ks_enc, 1, body, blen, enc + 1), 0);
		if (enc_tag == 0x87) {
			enc[0] = 0x01;
			assert_int_equal(sign_tlv__append(&dos, 0x87, enc, blen + 1), 0);
		} else {
			assert_int_equal(sign_tlv__append(&dos, enc_tag, enc + 1, blen), 0);
		}
	}
	swb[0] = (unsigned char)(sw >> 8);
	swb[1] = (unsigned char)sw;
	assert_int_equal(sign_tlv__append(&dos, 0x99, swb, 2), 0);
	memcpy(macbuf, ssc, 8);
	memcpy(macbuf + 8, dos.data, dos.len);
	n = sign_sm__pad(macbuf, 8 + dos.len, sizeof(macbuf));
	assert_int_equal(sign_sm__retail_mac(ks_mac, macbuf, n, mac), 0);
	if (with_mac)
		assert_int_equal(sign_tlv__append(&dos, 0x8E, mac, 8), 0);
	assert_int_equal(sign_tlv__append_raw(&dos, swb, 2), 0);
	*out = dos;
}

/* Send one plain SELECT so that the context's SSC is ssc0+1 when the
 * answer arrives; returns the SSC before the answer. */
static void
send_select(sign_sm *sm, unsigned char ssc_before_answer[8])
{
	static const unsigned char fid[2] = { 0x01, 0x1E };
	sign_apdu a = { 0x00, 0xA4, 0x02, 0x0C, fid, 2, 0, 0 };
	sign_buf out = SIGN_BUF_INIT;

	assert_int_equal(sign_sm__wrap(sm, &a, &out), 0);
	assert_int_equal(sign_sm__ssc(sm, ssc_before_answer, 8), 0);
	sign_buf_dispose(&out);
}

static void
assert_dead(sign_sm *sm)
{
	sign_apdu a = { 0x00, 0xB0, 0x00, 0x00, NULL, 0, 4, 0 };
	sign_buf out = SIGN_BUF_INIT, data = SIGN_BUF_INIT;
	unsigned int sw = 0;
	static const unsigned char ok[2] = { 0x90, 0x00 };

	assert_false(sign_sm__alive(sm));
	assert_int_equal(sign_sm__wrap(sm, &a, &out), SIGN_ERR_SM);
	assert_string_equal(sign_error_message(), SIGN_SM_MSG_DEAD);
	assert_null(out.data);
	assert_int_equal(sign_sm__unwrap(sm, ok, 2, &data, &sw), SIGN_ERR_SM);
	assert_string_equal(sign_error_message(), SIGN_SM_MSG_DEAD);
}

static void
test_flipped_mac_ends_session(void **state)
{
	json_t *s1 = json_array_get(json_object_get(vec, "D.4_secure_messaging"), 1);
	size_t rn, i;
	unsigned char *resp = jhex(s1, "protected_response", &rn);

	(void)state;
	/* flip each byte of the answer in turn (the DOs and the MAC) */
	for (i = 0; i + 2 < rn; i++) {
		sign_sm *sm = NULL;
		unsigned char ssc[8];
		sign_buf data = SIGN_BUF_INIT, cmd = SIGN_BUF_INIT;
		sign_apdu a = { 0x00, 0xB0, 0x00, 0x00, NULL, 0, 4, 0 };
		unsigned int sw = 0;
		int rc;

		memcpy(ssc, ssc0, 8);
		ssc[7] = 0x28; /* the SSC before step 2 of the appendix */
		assert_int_equal(sign_sm__new(&sm, SIGN_SM_3DES, ks_enc, ks_mac, 16, ssc, 8), 0);
		assert_int_equal(sign_sm__wrap(sm, &a, &cmd), 0);
		assert_hex_equal(cmd.data, cmd.len, jstr(s1, "protected_command"));
		resp[i] ^= 0x01;
		rc = sign_sm__unwrap(sm, resp, rn, &data, &sw);
		resp[i] ^= 0x01;
		if (rc != SIGN_ERR_SM)
			fail_msg("flipping byte %zu: rc %d", i, rc);
		assert_null(data.data);
		assert_dead(sm);
		sign_buf_dispose(&cmd);
		sign_sm__free(sm);
	}
	free(resp);
}

static void
test_flipped_mac_message(void **state)
{
	json_t *s0 = json_array_get(json_object_get(vec, "D.4_secure_messaging"), 0);
	size_t rn;
	unsigned char *resp = jhex(s0, "protected_response", &rn), ssc[8];
	sign_sm *sm = new_sm();
	sign_buf data = SIGN_BUF_INIT;
	unsigned int sw = 0;

	(void)state;
	send_select(sm, ssc);
	resp[rn - 3] ^= 0x80; /* last MAC byte */
	assert_int_equal(sign_sm__unwrap(sm, resp, rn, &data, &sw), SIGN_ERR_SM);
	assert_string_equal(sign_error_message(), SIGN_SM_MSG_DEAD);
	assert_dead(sm);
	sign_sm__free(sm);
	free(resp);
}

static void
test_wrong_ssc(void **state)
{
	json_t *s0 = json_array_get(json_object_get(vec, "D.4_secure_messaging"), 0);
	size_t rn;
	unsigned char *resp = jhex(s0, "protected_response", &rn), ssc[8];
	sign_sm *sm = NULL;
	sign_buf data = SIGN_BUF_INIT, cmd = SIGN_BUF_INIT;
	unsigned int sw = 0;
	sign_apdu a = { 0x00, 0xA4, 0x02, 0x0C, (const unsigned char *)"\x01\x1E", 2, 0, 0 };

	(void)state;
	memcpy(ssc, ssc0, 8);
	ssc[7] ^= 0x10;
	assert_int_equal(sign_sm__new(&sm, SIGN_SM_3DES, ks_enc, ks_mac, 16, ssc, 8), 0);
	assert_int_equal(sign_sm__wrap(sm, &a, &cmd), 0);
	assert_int_equal(sign_sm__unwrap(sm, resp, rn, &data, &sw), SIGN_ERR_SM);
	assert_string_equal(sign_error_message(), SIGN_SM_MSG_DEAD);
	assert_dead(sm);
	/* a replayed answer (the SSC has moved on) is refused the same way */
	sign_sm__free(sm);
	sm = new_sm();
	send_select(sm, ssc);
	assert_int_equal(sign_sm__unwrap(sm, resp, rn, &data, &sw), 0);
	send_select(sm, ssc);
	assert_int_equal(sign_sm__unwrap(sm, resp, rn, &data, &sw), SIGN_ERR_SM);
	sign_buf_dispose(&cmd);
	sign_buf_dispose(&data);
	sign_sm__free(sm);
	free(resp);
}

typedef struct bad_case {
	const char *name;
	const char *body_hex;   /* the padded plaintext in DO87 */
	unsigned int sw;
	int with_mac;
	int tamper_trailer;
	const char *msg;
} bad_case;

static void
test_bad_answers(void **state)
{
	static const bad_case cases[] = {
		{ "no padding", "0102030405060708", 0x9000, 1, 0, "bad padding" },
		{ "padding byte not 80", "0102030405060701", 0x9000, 1, 0, "bad padding" },
		{ "zeros without 80", "0102030405000000", 0x9000, 1, 0, "bad padding" },
		{ "80 too early", "8000000000000000" "0000000000000000", 0x9000, 1, 0,
		  "bad padding" },
		{ "no DO8E", "0102038000000000", 0x9000, 0, 0, "no MAC (DO8E)" },
		{ "no DO8E, no data", "", 0x9000, 0, 0, "no MAC (DO8E)" },
		{ "trailer differs from DO99", "0102038000000000", 0x9000, 1, 1,
		  "status word differs" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sign_sm *sm = new_sm();
		unsigned char ssc[8], *body;
		size_t bn;
		sign_buf ans = SIGN_BUF_INIT, data = SIGN_BUF_INIT;
		unsigned int sw = 0;
		int rc;

		send_select(sm, ssc);
		body = unhex(cases[i].body_hex, &bn);
		card_answer(ssc, body, bn, cases[i].sw, cases[i].with_mac, 0x87, &ans);
		if (cases[i].tamper_trailer)
			ans.data[ans.len - 1] ^= 0x01;
		rc = sign_sm__unwrap(sm, ans.data, ans.len, &data, &sw);
		if (rc != SIGN_ERR_SM)
			fail_msg("%s: rc %d", cases[i].name, rc);
		if (strstr(sign_error_message(), cases[i].msg) == NULL)
			fail_msg("%s: message '%s'", cases[i].name, sign_error_message());
		assert_null(data.data);
		assert_dead(sm);
		sign_buf_dispose(&ans);
		free(body);
		sign_sm__free(sm);
	}
}

static void
test_good_answer_and_status(void **state)
{
	sign_sm *sm = new_sm();
	unsigned char ssc[8], *body;
	size_t bn;
	sign_buf ans = SIGN_BUF_INIT, data = SIGN_BUF_INIT;
	unsigned int sw = 0;

	(void)state;
	/* a protected error status with no data */
	send_select(sm, ssc);
	card_answer(ssc, NULL, 0, 0x6A82, 1, 0x87, &ans);
	assert_int_equal(sign_sm__unwrap(sm, ans.data, ans.len, &data, &sw), 0);
	assert_int_equal(sw, 0x6A82);
	assert_null(data.data);
	sign_buf_dispose(&ans);
	/* data of exactly one block (a full padding block follows) */
	send_select(sm, ssc);
	body = unhex("0102030405060708" "8000000000000000", &bn);
	card_answer(ssc, body, bn, 0x9000, 1, 0x87, &ans);
	assert_int_equal(sign_sm__unwrap(sm, ans.data, ans.len, &data, &sw), 0);
	assert_hex_equal(data.data, data.len, "0102030405060708");
	free(body);
	sign_buf_dispose(&ans);
	sign_buf_dispose(&data);
	assert_true(sign_sm__alive(sm));
	sign_sm__free(sm);
}

/* A bare status word: an error passes through (no data), a bare success or
 * an SM error status ends the session. */
static void
test_bare_status(void **state)
{
	static const struct {
		unsigned char sw[2];
		int rc;
	} cases[] = {
		{ { 0x69, 0x82 }, 0 },
		{ { 0x6A, 0x82 }, 0 },
		{ { 0x90, 0x00 }, SIGN_ERR_SM },
		{ { 0x61, 0x10 }, SIGN_ERR_SM },
		{ { 0x69, 0x87 }, SIGN_ERR_SM },
		{ { 0x69, 0x88 }, SIGN_ERR_SM },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sign_sm *sm = new_sm();
		unsigned char ssc[8], after[8];
		sign_buf data = SIGN_BUF_INIT;
		unsigned int sw = 0;

		send_select(sm, ssc);
		assert_int_equal(sign_sm__unwrap(sm, cases[i].sw, 2, &data, &sw), cases[i].rc);
		assert_null(data.data);
		if (cases[i].rc == 0) {
			assert_int_equal(sw, (unsigned)(cases[i].sw[0] << 8 | cases[i].sw[1]));
			assert_true(sign_sm__alive(sm));
			/* the answer consumed its SSC value */
			assert_int_equal(sign_sm__ssc(sm, after, 8), 0);
			assert_int_equal(after[7], (unsigned char)(ssc[7] + 1));
		} else {
			assert_dead(sm);
		}
		sign_sm__free(sm);
	}
}

static void
test_ssc_carry(void **state)
{
	static const unsigned char ff[8] = { 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF };
	sign_sm *sm = NULL;
	unsigned char ssc[8];
	sign_apdu a = { 0x00, 0xB0, 0x00, 0x00, NULL, 0, 1, 0 };
	sign_buf out = SIGN_BUF_INIT;

	(void)state;
	assert_int_equal(sign_sm__new(&sm, SIGN_SM_3DES, ks_enc, ks_mac, 16, ff, 8), 0);
	assert_int_equal(sign_sm__wrap(sm, &a, &out), 0);
	assert_int_equal(sign_sm__ssc(sm, ssc, 8), 0);
	assert_hex_equal(ssc, 8, "0000000100000000");
	sign_buf_dispose(&out);
	sign_sm__free(sm);
}

/* Check a protected command's MAC and return its decrypted data. */
static void
card_check_command(const unsigned char ssc_at_cmd[8], const unsigned char *cmd, size_t n,
    size_t body_off, size_t body_len, sign_buf *plain, unsigned int *do97, size_t *do97_len)
{
	unsigned char buf[1024], mac[8];
	sign_tlv_iter it;
	sign_tlv t;
	size_t m, maced = 0;
	int rc, have_mac = 0;

	(void)n;
	memcpy(buf, ssc_at_cmd, 8);
	memcpy(buf + 8, cmd, 4);
	m = sign_sm__pad(buf + 8, 4, sizeof(buf) - 8) + 8;
	sign_tlv__iter_init_buf(&it, cmd + body_off, body_len, 0, "cmd");
	*do97_len = 0;
	while ((rc = sign_tlv__next(&it, &t)) > 0) {
		if (t.tag == 0x8E) {
			assert_int_equal(t.len, 8);
			maced = (size_t)(t.raw - (cmd + body_off));
			memcpy(buf + m, cmd + body_off, maced);
			m = sign_sm__pad(buf, m + maced, sizeof(buf));
			assert_int_equal(sign_sm__retail_mac(ks_mac, buf, m, mac), 0);
			assert_memory_equal(mac, t.value, 8);
			have_mac = 1;
		} else if (t.tag == 0x97) {
			size_t i;

			*do97 = 0;
			for (i = 0; i < t.len; i++)
				*do97 = *do97 << 8 | t.value[i];
			*do97_len = t.len;
		} else if (t.tag == 0x87 || t.tag == 0x85) {
			const unsigned char *c = t.value;
			size_t cl = t.len;
			unsigned char dec[512];

			if (t.tag == 0x87) {
				assert_int_equal(c[0], 0x01);
				c++;
				cl--;
			}
			assert_int_equal(sign_sm__3des_cbc(ks_enc, 0, c, cl, dec), 0);
			while (cl > 0 && dec[cl - 1] == 0)
				cl--;
			assert_int_equal(dec[cl - 1], 0x80);
			assert_int_equal(sign_buf__set(plain, dec, cl - 1), 0);
		}
	}
	assert_int_equal(rc, 0);
	assert_true(have_mac);
}

static void
test_extended_length(void **state)
{
	sign_sm *sm = new_sm();
	sign_apdu a;
	sign_buf out = SIGN_BUF_INIT, plain = SIGN_BUF_INIT;
	unsigned char ssc[8], big[300];
	unsigned int le = 0;
	size_t lelen = 0, body;

	(void)state;
	/* READ BINARY of 1000 bytes: DO97 of two bytes, Lc 00 xx xx, Le 00 00 */
	assert_int_equal(sign_sm__read_binary_cmd(&a, 0x100, 1000, 0, NULL, 0), 0);
	assert_int_equal(a.ins, 0xB0);
	assert_int_equal(a.p1, 0x01);
	assert_int_equal(a.p2, 0x00);
	assert_int_equal(sign_sm__wrap(sm, &a, &out), 0);
	assert_int_equal(sign_sm__ssc(sm, ssc, 8), 0);
	assert_int_equal(out.data[0], 0x0C);
	assert_int_equal(out.data[4], 0x00);
	body = (size_t)out.data[5] << 8 | out.data[6];
	assert_int_equal(out.len, 7 + body + 2);
	assert_int_equal(out.data[out.len - 1], 0x00);
	assert_int_equal(out.data[out.len - 2], 0x00);
	card_check_command(ssc, out.data, out.len, 7, body, &plain, &le, &lelen);
	assert_int_equal(lelen, 2);
	assert_int_equal(le, 1000);
	sign_buf_dispose(&out);

	/* Le 65536 is DO97 00 00 */
	memset(&a, 0, sizeof(a));
	a.ins = 0xB0;
	a.ne = 65536;
	assert_int_equal(sign_sm__wrap(sm, &a, &out), 0);
	assert_int_equal(sign_sm__ssc(sm, ssc, 8), 0);
	body = (size_t)out.data[5] << 8 | out.data[6];
	card_check_command(ssc, out.data, out.len, 7, body, &plain, &le, &lelen);
	assert_int_equal(lelen, 2);
	assert_int_equal(le, 0);
	sign_buf_dispose(&out);

	/* Le 256 short is DO97 00 */
	a.ne = 256;
	assert_int_equal(sign_sm__wrap(sm, &a, &out), 0);
	assert_int_equal(sign_sm__ssc(sm, ssc, 8), 0);
	assert_int_equal(out.data[4], out.len - 6);
	card_check_command(ssc, out.data, out.len, 5, out.data[4], &plain, &le, &lelen);
	assert_int_equal(lelen, 1);
	assert_int_equal(le, 0);
	sign_buf_dispose(&out);

	/* command data long enough to need an extended Lc */
	memset(big, 0xA5, sizeof(big));
	memset(&a, 0, sizeof(a));
	a.ins = 0xD6;
	a.data = big;
	a.lc = sizeof(big);
	assert_int_equal(sign_sm__wrap(sm, &a, &out), 0);
	assert_int_equal(sign_sm__ssc(sm, ssc, 8), 0);
	assert_int_equal(out.data[4], 0x00);
	body = (size_t)out.data[5] << 8 | out.data[6];
	card_check_command(ssc, out.data, out.len, 7, body, &plain, &le, &lelen);
	assert_int_equal(lelen, 0);
	assert_int_equal(plain.len, sizeof(big));
	assert_memory_equal(plain.data, big, sizeof(big));
	sign_buf_dispose(&out);
	sign_buf_dispose(&plain);
	sign_sm__free(sm);
}

/* Odd INS B1: the offset travels as DO54 in DO85; the answer's DO53 is
 * unwrapped by sign_sm__read_binary_data. */
static void
test_read_binary_b1(void **state)
{
	sign_sm *sm = new_sm();
	sign_apdu a;
	sign_buf out = SIGN_BUF_INIT, plain = SIGN_BUF_INIT, ans = SIGN_BUF_INIT,
	    data = SIGN_BUF_INIT;
	unsigned char buf[8], ssc[8], *body;
	const unsigned char *file;
	size_t flen, bn, lelen = 0;
	unsigned int le = 0, sw = 0;
	int k;

	(void)state;
	assert_int_equal(sign_sm__read_binary_cmd(&a, 0x8000, 100, 0, buf, sizeof(buf)), 0);
	assert_int_equal(a.ins, 0xB1);
	assert_int_equal(a.p1, 0);
	assert_int_equal(a.p2, 0);
	assert_hex_equal(a.data, a.lc, "54028000");
	assert_int_equal(a.ne, 102); /* 100 + the DO53 header */
	assert_int_equal(sign_sm__wrap(sm, &a, &out), 0);
	assert_int_equal(sign_sm__ssc(sm, ssc, 8), 0);
	/* DO85 (no padding indicator) right after Lc */
	assert_int_equal(out.data[1], 0xB1);
	assert_int_equal(out.data[5], 0x85);
	card_check_command(ssc, out.data, out.len, 5, out.data[4], &plain, &le, &lelen);
	assert_hex_equal(plain.data, plain.len, "54028000");
	assert_int_equal(le, 102);
	sign_buf_dispose(&out);

	/* the card answers DO53 inside DO85, and inside DO87 */
	body = unhex("5304DEADBEEF8000", &bn);
	for (k = 0; k < 2; k++) {
		card_answer(ssc, body, bn, 0x9000, 1, k == 0 ? 0x85 : 0x87, &ans);
		assert_int_equal(sign_sm__unwrap(sm, ans.data, ans.len, &data, &sw), 0);
		assert_int_equal(sign_sm__read_binary_data(&a, data.data, data.len, &file, &flen), 0);
		assert_hex_equal(file, flen, "DEADBEEF");
		sign_buf_dispose(&ans);
		sign_buf_dispose(&data);
		assert_int_equal(sign_sm__wrap(sm, &a, &out), 0);
		assert_int_equal(sign_sm__ssc(sm, ssc, 8), 0);
		sign_buf_dispose(&out);
	}
	/* an answer that is not DO53 */
	assert_int_equal(sign_sm__read_binary_data(&a, body, 6, &file, &flen), 0);
	assert_int_equal(sign_sm__read_binary_data(&a, body, 5, &file, &flen),
	    SIGN_ERR_CARD_RESPONSE);
	assert_int_equal(sign_sm__read_binary_data(&a, (const unsigned char *)"\x54\x00", 2, &file,
	    &flen), SIGN_ERR_CARD_RESPONSE);
	/* offsets above 0xFFFF: a three-byte DO54 */
	assert_int_equal(sign_sm__read_binary_cmd(&a, 0x12345, 10, 0, buf, sizeof(buf)), 0);
	assert_hex_equal(a.data, a.lc, "5403012345");
	/* B0 answers are the data as is */
	assert_int_equal(sign_sm__read_binary_cmd(&a, 4, 18, 0, NULL, 0), 0);
	assert_int_equal(a.ins, 0xB0);
	assert_int_equal(a.ne, 18);
	assert_int_equal(sign_sm__read_binary_data(&a, body, 3, &file, &flen), 0);
	assert_ptr_equal(file, body);
	assert_int_equal(flen, 3);
	/* out of range */
	assert_int_equal(sign_sm__read_binary_cmd(&a, 0, 0, 0, NULL, 0), SIGN_ERR_INVALID_ARG);
	assert_int_equal(sign_sm__read_binary_cmd(&a, 0, 65537, 0, NULL, 0), SIGN_ERR_INVALID_ARG);
	assert_int_equal(sign_sm__read_binary_cmd(&a, 0x8000, 1, 0, NULL, 0), SIGN_ERR_INVALID_ARG);
	free(body);
	sign_buf_dispose(&plain);
	sign_sm__free(sm);
}

static void
test_bad_arguments(void **state)
{
	sign_sm *sm = NULL;
	sign_apdu a = { 0x0C, 0xB0, 0, 0, NULL, 0, 1, 0 };
	sign_buf out = SIGN_BUF_INIT;

	(void)state;
	assert_int_equal(sign_sm__new(&sm, (sign_sm_cipher)3, ks_enc, ks_mac, 16, ssc0, 8),
	    SIGN_ERR_UNSUPPORTED);
	assert_int_equal(sign_sm__new(&sm, SIGN_SM_3DES, ks_enc, ks_mac, 24, ssc0, 8),
	    SIGN_ERR_INVALID_ARG);
	sm = new_sm();
	/* a CLA that already has SM bits, Le out of range */
	assert_int_equal(sign_sm__wrap(sm, &a, &out), SIGN_ERR_INVALID_ARG);
	a.cla = 0;
	a.ne = 65537;
	assert_int_equal(sign_sm__wrap(sm, &a, &out), SIGN_ERR_INVALID_ARG);
	/* argument errors do not end the session */
	assert_true(sign_sm__alive(sm));
	sign_sm__free(sm);
	sign_sm__free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_retail_mac_vector),
		cmocka_unit_test(test_appendix_d4),
		cmocka_unit_test(test_flipped_mac_ends_session),
		cmocka_unit_test(test_flipped_mac_message),
		cmocka_unit_test(test_wrong_ssc),
		cmocka_unit_test(test_bad_answers),
		cmocka_unit_test(test_good_answer_and_status),
		cmocka_unit_test(test_bare_status),
		cmocka_unit_test(test_ssc_carry),
		cmocka_unit_test(test_extended_length),
		cmocka_unit_test(test_read_binary_b1),
		cmocka_unit_test(test_bad_arguments),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
