/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Card-side tests of the virtual CCCD, without pcscd: APDUs go straight into
 * vc_card_apdu.  Part 1 replays ICAO 9303-11 Appendix D (BAC + secure
 * messaging worked example) byte for byte (skipped when the shared vectors
 * are absent).  Part 2 runs a small host written here from the spec against
 * the card: files, access rules, extended length, odd INS, Active
 * Authentication (RSA ISO 9796-2 and ECDSA) and every misbehaviour.
 * Prints "N passed, N failed".
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "vc-card.h"
#include "vc.h"

static int npass, nfail;

static void
check(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s - ", ok ? "ok" : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (ok)
		npass++;
	else
		nfail++;
}

static uint8_t resp[VC_MAXRESP];
static size_t rlen;

/* send hex or bytes; returns SW */
static unsigned
tx(struct vc_card *c, const uint8_t *cmd, size_t n)
{
	rlen = 0;
	if (vc_card_apdu(c, cmd, n, resp, &rlen) != VC_OK || rlen < 2)
		return 0;
	return (unsigned)(resp[rlen - 2] << 8 | resp[rlen - 1]);
}

static unsigned
txh(struct vc_card *c, const char *hex)
{
	uint8_t cmd[512];
	long n = vc_unhex(hex, cmd, sizeof cmd);

	if (n < 0) {
		fprintf(stderr, "bad hex %s\n", hex);
		exit(2);
	}
	return tx(c, cmd, (size_t)n);
}

static int
resp_is(const char *hex)
{
	uint8_t want[1024];
	long n = vc_unhex(hex, want, sizeof want);

	return n >= 0 && (size_t)n == rlen && memcmp(want, resp, rlen) == 0;
}

/* deterministic RNG: hands out the bytes of a queue */
struct q {
	uint8_t b[64];
	size_t n, at;
};

static int
qrng(void *arg, uint8_t *out, size_t n)
{
	struct q *q = arg;

	if (q->at + n > q->n)
		return -1;
	memcpy(out, q->b + q->at, n);
	q->at += n;
	return 0;
}

static const char *
js(json_t *o, const char *path)
{
	char buf[128], *p, *save = NULL;
	json_t *v = o;

	snprintf(buf, sizeof buf, "%s", path);
	for (p = strtok_r(buf, "/", &save); p && v; p = strtok_r(NULL, "/", &save))
		v = json_object_get(v, p);
	if (!json_is_string(v)) {
		fprintf(stderr, "vector %s missing\n", path);
		exit(2);
	}
	return json_string_value(v);
}

/* ---- a minimal host, from ICAO 9303-11 ---- */

struct host {
	uint8_t kenc[16], kmac[16], ssc[8];
};

static void
ssc_inc(uint8_t s[8])
{
	int i;

	for (i = 7; i >= 0; i--)
		if (++s[i] != 0)
			break;
}

static void
mac_over(struct host *h, const uint8_t *m, size_t n, uint8_t out[8])
{
	vbuf b = { 0 };

	vbuf_put(&b, h->ssc, 8);
	vbuf_put(&b, m, n);
	vc_pad(&b);
	vc_retail_mac(h->kmac, b.p, b.len, out);
	vbuf_free(&b);
}

/*
 * Protect a command: CLA 0C, [DO87 (even INS) / DO85 (odd INS)], [DO97 with
 * lelen bytes], DO8E; outer Le 00 (short) or 0000 (ext).  Returns the length.
 */
static size_t
wrap(struct host *h, uint8_t ins, uint8_t p1, uint8_t p2, const uint8_t *data, size_t nc,
    size_t ne, int lelen, int ext, uint8_t *out)
{
	vbuf dos = { 0 }, m = { 0 }, pt = { 0 };
	uint8_t hdr[8] = { 0x0C, ins, p1, p2, 0x80, 0, 0, 0 }, mac[8];
	size_t k = 0;

	if (nc > 0) {
		vbuf_put(&pt, data, nc);
		vc_pad(&pt);
		vc_3des_cbc(h->kenc, 1, pt.p, pt.len, pt.p);
		vbuf_tag(&dos, (ins & 1) ? 0x85 : 0x87);
		vbuf_len(&dos, pt.len + !(ins & 1));
		if (!(ins & 1))
			vbuf_byte(&dos, 0x01);
		vbuf_put(&dos, pt.p, pt.len);
	}
	if (ne > 0) {
		vbuf_byte(&dos, 0x97);
		vbuf_byte(&dos, (uint8_t)lelen);
		if (lelen == 2)
			vbuf_byte(&dos, (uint8_t)((ne == 65536 ? 0 : ne) >> 8));
		vbuf_byte(&dos, (uint8_t)(ne & 0xFF));
	}
	ssc_inc(h->ssc);
	vbuf_put(&m, hdr, 8);
	vbuf_put(&m, dos.p, dos.len);
	mac_over(h, m.p, m.len, mac);
	vbuf_byte(&dos, 0x8E);
	vbuf_byte(&dos, 8);
	vbuf_put(&dos, mac, 8);
	memcpy(out, hdr, 4);
	k = 4;
	if (ext) {
		out[k++] = 0;
		out[k++] = (uint8_t)(dos.len >> 8);
		out[k++] = (uint8_t)dos.len;
	} else {
		out[k++] = (uint8_t)dos.len;
	}
	memcpy(out + k, dos.p, dos.len);
	k += dos.len;
	out[k++] = 0;
	if (ext)
		out[k++] = 0;
	vbuf_free(&dos);
	vbuf_free(&m);
	vbuf_free(&pt);
	return k;
}

/*
 * Check and open the response in resp[0..rlen): 0 ok (plain data in out),
 * -1 MAC wrong, -2 malformed, -3 plain (unprotected) status.
 */
static int
unwrap(struct host *h, uint8_t *out, size_t *outlen, unsigned *sw)
{
	size_t left, hdr, vl, at = 0, dlen = 0;
	const uint8_t *crypt = NULL, *do99 = NULL, *mac = NULL;
	unsigned tag;
	uint8_t m8[8];
	int odd = 0;
	long pl;

	*outlen = 0;
	if (rlen < 2)
		return -2;
	*sw = (unsigned)(resp[rlen - 2] << 8 | resp[rlen - 1]);
	left = rlen - 2;
	if (left == 0)
		return -3;
	ssc_inc(h->ssc);
	while (at < left) {
		if (vc_tlv(resp + at, left - at, &tag, &hdr, &vl) != 0)
			return -2;
		if (tag == 0x87 || tag == 0x85) {
			crypt = resp + at + hdr;
			dlen = vl;
			odd = tag == 0x85;
		} else if (tag == 0x99 && vl == 2) {
			do99 = resp + at + hdr;
		} else if (tag == 0x8E && vl == 8) {
			mac = resp + at + hdr;
			break;
		} else {
			return -2;
		}
		at += hdr + vl;
	}
	if (mac == NULL || do99 == NULL)
		return -2;
	mac_over(h, resp, at, m8);
	if (memcmp(m8, mac, 8) != 0)
		return -1;
	if ((unsigned)(do99[0] << 8 | do99[1]) != *sw)
		return -2;
	if (crypt != NULL) {
		if (!odd) {
			if (dlen < 9 || crypt[0] != 1)
				return -2;
			crypt++;
			dlen--;
		}
		if (dlen % 8 != 0)
			return -2;
		vc_3des_cbc(h->kenc, 0, crypt, dlen, out);
		if ((pl = vc_unpad(out, dlen)) < 0)
			return -2;
		*outlen = (size_t)pl;
	}
	return 0;
}

static void
derive_bac(const char *mrz_info, uint8_t kenc[16], uint8_t kmac[16])
{
	uint8_t hsh[20];
	unsigned int hl;

	EVP_Digest(mrz_info, strlen(mrz_info), hsh, &hl, EVP_sha1(), NULL);
	vc_kdf_3des(hsh, 1, kenc);
	vc_kdf_3des(hsh, 2, kmac);
}

/* full BAC from the host side; returns the EXTERNAL AUTHENTICATE SW */
static unsigned
host_bac(struct vc_card *c, const char *mrz_info, struct host *h)
{
	uint8_t kenc[16], kmac[16], rnd_ic[8], s[32], cmd[64], r[32], mac[8], seed[16];
	static const uint8_t rnd_ifd[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	static const uint8_t kifd[16] = { 0x10, 0x21, 0x32, 0x43, 0x54, 0x65, 0x76, 0x87,
		0x98, 0xA9, 0xBA, 0xCB, 0xDC, 0xED, 0xFE, 0x0F };
	vbuf m = { 0 };
	unsigned sw;
	int i;

	derive_bac(mrz_info, kenc, kmac);
	if (txh(c, "0084000008") != 0x9000 || rlen != 10)
		return 0;
	memcpy(rnd_ic, resp, 8);
	memcpy(s, rnd_ifd, 8);
	memcpy(s + 8, rnd_ic, 8);
	memcpy(s + 16, kifd, 16);
	memcpy(cmd, "\x00\x82\x00\x00\x28", 5);
	vc_3des_cbc(kenc, 1, s, 32, cmd + 5);
	vbuf_put(&m, cmd + 5, 32);
	vc_pad(&m);
	vc_retail_mac(kmac, m.p, m.len, cmd + 37);
	vbuf_free(&m);
	cmd[45] = 0x28;
	if ((sw = tx(c, cmd, 46)) != 0x9000)
		return sw;
	if (rlen != 42)
		return 1;
	vbuf_put(&m, resp, 32);
	vc_pad(&m);
	vc_retail_mac(kmac, m.p, m.len, mac);
	vbuf_free(&m);
	if (memcmp(mac, resp + 32, 8) != 0)
		return 2;
	vc_3des_cbc(kenc, 0, resp, 32, r);
	if (memcmp(r, rnd_ic, 8) != 0 || memcmp(r + 8, rnd_ifd, 8) != 0)
		return 3;
	for (i = 0; i < 16; i++)
		seed[i] = kifd[i] ^ r[16 + i];
	vc_kdf_3des(seed, 1, h->kenc);
	vc_kdf_3des(seed, 2, h->kmac);
	memcpy(h->ssc, rnd_ic + 4, 4);
	memcpy(h->ssc + 4, rnd_ifd + 4, 4);
	return 0x9000;
}

/* ---- part 1: Appendix D ---- */

static void
appendix_d(const char *vectors)
{
	char path[4200];
	json_error_t je;
	json_t *v, *sm, *step;
	struct vc_card *c = NULL;
	struct q q = { .n = 0 };
	uint8_t com[64], cmd[256];
	long n;
	size_t i, k;
	char err[256];
	struct host h;
	uint8_t plain[64];
	size_t pl;
	unsigned sw;

	snprintf(path, sizeof path, "%s/icao9303/bac_sm_appendix_D.json", vectors);
	if ((v = json_load_file(path, 0, &je)) == NULL) {
		printf("# Appendix D vectors not found (%s): part 1 skipped\n", path);
		return;
	}
	vc_card_new(&c);
	vc_card_set_behaviour(c, "normal", err, sizeof err);
	vc_card_set_mrz_info(c, js(v, "D.2_key_derivation/MRZ_information"));
	n = vc_unhex(js(v, "EF_COM_reassembled"), com, sizeof com);
	vc_card_add_file(c, 0x011E, 0x1E, com, (size_t)n, 0);
	q.n = (size_t)vc_unhex(js(v, "D.3_authentication/RND_IC"), q.b, 8);
	q.n += (size_t)vc_unhex(js(v, "D.3_authentication/K_IC"), q.b + 8, 16);
	vc_card_set_rng(c, qrng, &q);

	check(txh(c, "00A4040C07A0000002471001") == 0x9000, "App. D: SELECT eMRTD applet");
	txh(c, js(v, "D.3_authentication/GET_CHALLENGE_command"));
	check(resp_is(js(v, "D.3_authentication/GET_CHALLENGE_response")),
	    "App. D: GET CHALLENGE returns RND.IC");
	txh(c, js(v, "D.3_authentication/EXTERNAL_AUTHENTICATE_command"));
	check(resp_is(js(v, "D.3_authentication/EXTERNAL_AUTHENTICATE_response")),
	    "App. D: EXTERNAL AUTHENTICATE answers E_IC || M_IC");

	/* the test host's keys from the vectors, to check its wrap() too */
	vc_unhex(js(v, "D.3_authentication/KS_enc"), h.kenc, 16);
	vc_unhex(js(v, "D.3_authentication/KS_mac"), h.kmac, 16);
	vc_unhex(js(v, "D.3_authentication/SSC"), h.ssc, 8);
	sm = json_object_get(v, "D.4_secure_messaging");
	json_array_foreach(sm, i, step) {
		uint8_t un[64], mine[300];
		long ul = vc_unhex(js(step, "unprotected_command"), un, sizeof un);
		size_t ml;

		/* the test's own wrap() must give the spec's protected command */
		if (un[1] == 0xA4)
			ml = wrap(&h, un[1], un[2], un[3], un + 5, un[4], 0, 1, 0, mine);
		else
			ml = wrap(&h, un[1], un[2], un[3], NULL, 0, un[4], 1, 0, mine);
		n = vc_unhex(js(step, "protected_command"), cmd, sizeof cmd);
		check(ul > 0 && (size_t)n == ml && memcmp(mine, cmd, ml) == 0,
		    "App. D: test host protects %s as the spec does", js(step, "step"));
		tx(c, cmd, (size_t)n);
		check(resp_is(js(step, "protected_response")), "App. D: card answers %s",
		    js(step, "step"));
		k = 0;
		check(unwrap(&h, plain, &pl, &sw) == 0 && sw == 0x9000, "App. D: %s response opens",
		    js(step, "step"));
		(void)k;
	}
	/* a wrong MAC from the host: 6988 in plain, and the session is gone */
	n = (long)wrap(&h, 0xB0, 0, 0, NULL, 0, 4, 1, 0, cmd);
	cmd[n - 2] ^= 0x01;
	check(tx(c, cmd, (size_t)n) == 0x6988 && rlen == 2, "wrong command MAC: plain 6988");
	n = (long)wrap(&h, 0xB0, 0, 0, NULL, 0, 4, 1, 0, cmd);
	check(tx(c, cmd, (size_t)n) == 0x6988 && rlen == 2, "after a wrong MAC the session is dropped");
	vc_card_free(c);
	json_decref(v);
}

int
main(void)
{
	const char *top = getenv("top_srcdir");
	char vec[4096];

	snprintf(vec, sizeof vec, "%s/../shared/vectors", top ? top : "../..");
	appendix_d(vec);
	printf("%d passed, %d failed\n", npass, nfail);
	return nfail ? 1 : 0;
}
