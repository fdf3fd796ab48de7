/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz the BER-TLV reader (every element and child, definite and indefinite)
 * and the secure-messaging answer parser: the input as an answer in the
 * Appendix D session; then, for 3DES and AES sessions, the input as the data
 * objects of an answer that carries a valid MAC (what is read after the MAC
 * check: DO99, the cryptogram, its padding), and the input as the plain
 * data of a well-formed answer, which must unwrap to exactly the input
 * (then read as a B1 READ BINARY answer, DO53). */
#define FUZZ_NAME "tlv"
#include "config.h"
#include "icao_replay.h"
#include "internal.h"
#include "tlv.h"
#include "sm.h"

#include <stdlib.h>
#include <string.h>

static void
walk(const sign_tlv *t)
{
	sign_tlv_iter it;
	sign_tlv c;
	unsigned long v;

	if (!t->constructed) {
		(void)sign_tlv__uint(t, &v, "fuzz");
		return;
	}
	if (sign_tlv__iter_init(&it, t, "fuzz") != 0)
		return;
	while (sign_tlv__next(&it, &c) > 0)
		walk(&c);
}

struct session {
	sign_sm_cipher cipher;
	size_t key_len, bs;
	unsigned char ks_enc[32], ks_mac[32], ssc[16];
};

static const struct session sessions[] = {
	{ SIGN_SM_3DES, 16, 8,
	  { 0x97, 0x9E, 0xC1, 0x3B, 0x1C, 0xBF, 0xE9, 0xDC, 0xD0, 0x1A, 0xB0, 0xFE, 0xD3, 0x07,
	    0xEA, 0xE5 },
	  { 0xF1, 0xCB, 0x1F, 0x1F, 0xB5, 0xAD, 0xF2, 0x08, 0x80, 0x6B, 0x89, 0xDC, 0x57, 0x9D,
	    0xC1, 0xF8 },
	  { 0x88, 0x70, 0x22, 0x12, 0x0C, 0x06, 0xC2, 0x2B } },
	{ SIGN_SM_AES, 16, 16,
	  { 0x2F, 0x7F, 0x46, 0xAD, 0xCC, 0x9E, 0x7E, 0x52, 0x1B, 0x45, 0xD1, 0x92, 0xFA, 0xFA,
	    0x91, 0x26 },
	  { 0x80, 0x5A, 0x1D, 0x27, 0xD4, 0x5A, 0x51, 0x16, 0xF7, 0x3C, 0x54, 0x46, 0x94, 0x62,
	    0xB7, 0xD8 },
	  { 0 } },
	{ SIGN_SM_AES, 32, 16,
	  { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23,
	    24, 25, 26, 27, 28, 29, 30, 31, 32 },
	  { 32, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16, 15, 14, 13, 12,
	    11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1 },
	  { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
	    0xFF, 0xFE } },
};

/* The SSC the session uses for its first answer: the initial one plus 1. */
static void
next_ssc(const struct session *k, unsigned char ssc[16])
{
	size_t i;

	memcpy(ssc, k->ssc, k->bs);
	for (i = k->bs; i > 0; i--)
		if (++ssc[i - 1] != 0)
			break;
}

/* out = dos || 8E 08 MAC(SSC || dos) || SW 90 00; *len its length. */
static int
seal(const struct session *k, const unsigned char *dos, size_t n, unsigned char *out,
    size_t *len)
{
	unsigned char ssc[16], mac[8], *buf;
	size_t m;
	int rc;

	next_ssc(k, ssc);
	buf = malloc(k->bs + n + k->bs);
	if (buf == NULL)
		return -1;
	memcpy(buf, ssc, k->bs);
	memcpy(buf + k->bs, dos, n);
	m = sign_sm__pad_block(buf, k->bs + n, k->bs + n + k->bs, k->bs);
	rc = k->cipher == SIGN_SM_3DES ? sign_sm__retail_mac(k->ks_mac, buf, m, mac) :
	    sign_sm__aes_cmac(k->ks_mac, k->key_len, buf, m, mac);
	free(buf);
	if (rc != 0)
		return -1;
	memmove(out, dos, n);
	out[n] = 0x8E;
	out[n + 1] = 8;
	memcpy(out + n + 2, mac, 8);
	out[n + 10] = 0x90;
	out[n + 11] = 0x00;
	*len = n + 12;
	return 0;
}

/* Unwrap in a fresh session; *plain receives the data. */
static int
unwrap(const struct session *k, const unsigned char *resp, size_t len, sign_buf *plain,
    unsigned int *sw)
{
	sign_sm *sm = NULL;
	int rc;

	if (sign_sm__new(&sm, k->cipher, k->ks_enc, k->ks_mac, k->key_len, k->ssc, k->bs) != 0)
		abort();
	rc = sign_sm__unwrap(sm, resp, len, plain, sw);
	if (rc != 0 && (sign_sm__alive(sm) || sign_error_message()[0] == '\0'))
		abort();        /* a failure ends the session and names its cause */
	sign_sm__free(sm);
	return rc;
}

/* The input as the data objects of an answer with a valid MAC. */
static void
maced(const struct session *k, const uint8_t *data, size_t size)
{
	sign_buf plain = SIGN_BUF_INIT;
	unsigned char *resp = malloc(size + 12);
	unsigned int sw;
	size_t len;

	if (resp == NULL || seal(k, data, size, resp, &len) != 0)
		abort();
	(void)unwrap(k, resp, len, &plain, &sw);
	sign_buf_dispose(&plain);
	free(resp);
}

/* The input as the plain data of a well-formed answer: it comes back whole. */
static void
roundtrip(const struct session *k, const uint8_t *data, size_t size)
{
	sign_buf plain = SIGN_BUF_INIT;
	sign_apdu b1 = { 0x0C, 0xB1, 0, 0, NULL, 0, 0, 0 };
	unsigned char ssc[16], iv[16], *resp, *c;
	const unsigned char *file;
	size_t clen, hdr, len, file_len;
	unsigned int sw;

	if (size > 4096)
		return;
	clen = (size / k->bs + 1) * k->bs;
	hdr = clen + 1 < 0x80 ? 2 : clen + 1 < 0x100 ? 3 : 4;
	resp = malloc(hdr + 1 + clen + 4 + 12);
	if (resp == NULL)
		abort();
	c = resp + hdr + 1;
	memcpy(c, data, size);
	if (sign_sm__pad_block(c, size, clen, k->bs) != clen)
		abort();
	next_ssc(k, ssc);
	if (k->cipher == SIGN_SM_3DES) {
		if (sign_sm__3des_cbc(k->ks_enc, 1, c, clen, c) != 0)
			abort();
	} else if (sign_sm__aes_cbc(k->ks_enc, k->key_len, NULL, 1, ssc, 16, iv) != 0 ||
	    sign_sm__aes_cbc(k->ks_enc, k->key_len, iv, 1, c, clen, c) != 0) {
		abort();
	}
	resp[0] = 0x87;
	if (hdr == 2) {
		resp[1] = (unsigned char)(clen + 1);
	} else if (hdr == 3) {
		resp[1] = 0x81;
		resp[2] = (unsigned char)(clen + 1);
	} else {
		resp[1] = 0x82;
		resp[2] = (unsigned char)((clen + 1) >> 8);
		resp[3] = (unsigned char)(clen + 1);
	}
	resp[hdr] = 0x01;
	memcpy(c + clen, "\x99\x02\x90\x00", 4);
	if (seal(k, resp, hdr + 1 + clen + 4, resp, &len) != 0)
		abort();
	if (unwrap(k, resp, len, &plain, &sw) != 0 || sw != 0x9000 || plain.len != size ||
	    (size > 0 && memcmp(plain.data, data, size) != 0))
		abort();
	if (sign_sm__read_binary_data(&b1, plain.data, plain.len, &file, &file_len) == 0 &&
	    (file < plain.data || file + file_len > plain.data + plain.len))
		abort();
	sign_error_clear();
	sign_buf_dispose(&plain);
	free(resp);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned int flags[2] = { 0, SIGN_TLV_INDEFINITE };
	size_t hdr, total, i;
	sign_tlv t;

	(void)sign_tlv__header(data, size, &hdr, &total);
	for (i = 0; i < 2; i++) {
		sign_tlv_iter it;

		if (sign_tlv__read_one(&t, data, size, flags[i], "fuzz") == 0 &&
		    sign_tlv__validate(&t, "fuzz") == 0)
			walk(&t);
		sign_tlv__iter_init_buf(&it, data, size, flags[i], "fuzz");
		while (sign_tlv__next(&it, &t) > 0)
			walk(&t);
	}
	/* an SM answer; the session is the Appendix D one after its first command */
	{
		static const unsigned char ks_enc[16] = { 0x97, 0x9E, 0xC1, 0x3B, 0x1C, 0xBF, 0xE9,
			0xDC, 0xD0, 0x1A, 0xB0, 0xFE, 0xD3, 0x07, 0xEA, 0xE5 };
		static const unsigned char ks_mac[16] = { 0xF1, 0xCB, 0x1F, 0x1F, 0xB5, 0xAD, 0xF2,
			0x08, 0x80, 0x6B, 0x89, 0xDC, 0x57, 0x9D, 0xC1, 0xF8 };
		static const unsigned char ssc[8] = { 0x88, 0x70, 0x22, 0x12, 0x0C, 0x06, 0xC2, 0x2B };
		sign_sm *sm = NULL;
		sign_buf plain = SIGN_BUF_INIT;
		unsigned int sw;

		if (sign_sm__new(&sm, SIGN_SM_3DES, ks_enc, ks_mac, 16, ssc, 8) == 0) {
			(void)sign_sm__unwrap(sm, data, size, &plain, &sw);
			sign_buf_dispose(&plain);
		}
		sign_sm__free(sm);
	}
	for (i = 0; i < sizeof(sessions) / sizeof(sessions[0]); i++) {
		maced(&sessions[i], data, size);
		roundtrip(&sessions[i], data, size);
	}
	sign_error_clear();
	return 0;
}
