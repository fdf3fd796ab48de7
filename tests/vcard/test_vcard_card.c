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
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <unistd.h>

#include "vc-card.h"
#include "vc-host.h"
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

/* ---- the test host (vc-host.c) on the in-memory card ---- */

#define host vc_host

static unsigned
card_tx(void *arg, const uint8_t *cmd, size_t n, const uint8_t **r, size_t *rl)
{
	unsigned sw = tx(arg, cmd, n);

	*r = resp;
	*rl = rlen;
	return sw;
}

#define wrap vch_wrap
#define aa_verify vch_aa_verify

static int
unwrap(struct host *h, uint8_t *out, size_t *outlen, unsigned *sw)
{
	return vch_unwrap(h, resp, rlen, out, outlen, sw);
}

static unsigned
host_bac(struct vc_card *c, const char *mrz_info, struct host *h)
{
	return vch_bac(h, card_tx, c, mrz_info);
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

/* ---- part 2: a card directory, the test host, every behaviour ---- */

#define MRZ_INFO "190012345790031523003150"
static char dir[256];
static uint8_t dg2[40000], dg13[300];
static size_t dg13len;

static void
put(const char *name, const void *d, size_t n)
{
	char path[512];

	snprintf(path, sizeof path, "%s/%s", dir, name);
	if (vc_write_file(path, d, n, 0600) != 0) {
		perror(path);
		exit(2);
	}
}

static void
put_key(const char *name, EVP_PKEY *k)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL || PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL) != 1) {
		perror(path);
		exit(2);
	}
	fclose(f);
}

static void
make_dir(void)
{
	static const char mrz[] = "IDVNM1900123457001190012345<<8"
	    "9003152F3003150VNM<<<<<<<<<<<0" "NGUYEN<<THI<HONG<NHUNG<<<<<<<<";
	vbuf b = { 0 }, in = { 0 };
	size_t i;

	snprintf(dir, sizeof dir, "%s/vcard-test.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		exit(2);
	}
	put("EF.COM", "\x60\x14\x5F\x01\x04\x30\x31\x30\x36\x5F\x36\x06\x30\x34\x30\x30\x30\x30"
	    "\x5C\x02\x61\x75", 22);
	put("EF.COM.no-dg15", "\x60\x03\x5C\x01\x61", 5);
	vbuf_tlv(&in, 0x5F1F, mrz, 90);
	vbuf_wrap(&b, 0x61, &in);
	put("DG1.bin", b.p, b.len);
	vbuf_free(&b);
	dg2[0] = 0x75; dg2[1] = 0x82; dg2[2] = (40000 - 4) >> 8; dg2[3] = (40000 - 4) & 0xFF;
	for (i = 4; i < sizeof dg2; i++)
		dg2[i] = (uint8_t)(i * 7 + (i >> 8));
	put("DG2.bin", dg2, sizeof dg2);
	put("DG3.bin", "\x63\x02\x01\x02", 4);
	for (i = 0; i < 200; i++)
		vbuf_byte(&in, (uint8_t)('A' + i % 26));
	vbuf_wrap(&b, 0x6D, &in);
	memcpy(dg13, b.p, b.len);
	dg13len = b.len;
	put("DG13.bin", b.p, b.len);
	vbuf_free(&b);
	put("DG14.bin", "\x6E\x02\x31\x00", 4);
	put("DG15.bin", "\x6F\x02\x30\x00", 4);
	put("EF.SOD", "\x77\x03SOD", 5);
	put("EF.SOD.no-dg15", "\x77\x05SOD15", 7);
	put("EF.SOD.unknown-signer", "\x77\x07UNKNOWN", 9);
}

static void
set_aa(const char *type, const char *hash)
{
	EVP_PKEY *k, *k2;
	char conf[64];

	if (strcmp(type, "ec") == 0) {
		k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
		k2 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	} else {
		k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
		k2 = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	}
	put_key("aa.key", k);
	put_key("clone.key", k2);
	snprintf(conf, sizeof conf, "aa_hash = %s\n", hash);
	put("vcard.conf", conf, strlen(conf));
	EVP_PKEY_free(k);
	EVP_PKEY_free(k2);
}

static struct vc_card *
card(const char *beh)
{
	struct vc_card *c = NULL;
	char err[256];

	vc_card_new(&c);
	if (vc_card_set_behaviour(c, beh, err, sizeof err) != 0 ||
	    vc_card_load_dir(c, dir, err, sizeof err) != 0) {
		fprintf(stderr, "card(%s): %s\n", beh, err);
		exit(2);
	}
	return c;
}

/* plain SELECT applet + BAC; 1 on success */
static int
bac(struct vc_card *c, struct host *h)
{
	return txh(c, "00A4040C07A0000002471001") == 0x9000 && host_bac(c, MRZ_INFO, h) == 0x9000;
}

/* protected command; returns unwrap()'s result, data in out */
static int
sm(struct vc_card *c, struct host *h, uint8_t ins, uint8_t p1, uint8_t p2, const uint8_t *data,
    size_t nc, size_t ne, int lelen, int ext, uint8_t *out, size_t *outlen, unsigned *sw)
{
	static uint8_t cmd[600];
	size_t n = wrap(h, ins, p1, p2, data, nc, ne, lelen, ext, cmd);

	*sw = tx(c, cmd, n);
	return unwrap(h, out, outlen, sw);
}

static unsigned
sm_select(struct vc_card *c, struct host *h, uint16_t fid)
{
	uint8_t f[2] = { (uint8_t)(fid >> 8), (uint8_t)fid }, out[64];
	size_t ol;
	unsigned sw;

	if (sm(c, h, 0xA4, 0x02, 0x0C, f, 2, 0, 1, 0, out, &ol, &sw) != 0)
		return 0;
	return sw;
}

/* read the current EF to its end with B0 and Le chunk; 0 ok */
static int
sm_read_all(struct vc_card *c, struct host *h, size_t chunk, vbuf *out)
{
	static uint8_t d[70000];
	size_t dl;
	unsigned sw;

	for (;;) {
		size_t off = out->len;

		if (off > 32767)
			return -1;
		if (sm(c, h, 0xB0, (uint8_t)(off >> 8), (uint8_t)off, NULL, 0, chunk, chunk > 256 ? 2 : 1,
		        chunk > 256, d, &dl, &sw) != 0)
			return -1;
		if (sw == 0x6B00)
			return 0;
		if (sw != 0x9000 || dl == 0)
			return -1;
		vbuf_put(out, d, dl);
		if (dl < chunk)
			return 0;
	}
}

static EVP_PKEY *
dir_key(const char *name)
{
	char path[512];
	FILE *f;
	EVP_PKEY *k;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	return k;
}

/* INTERNAL AUTHENTICATE under SM; verify against aa.key's public half */
static int
aa_run(struct vc_card *c, struct host *h, const EVP_MD *md, unsigned *sw)
{
	static const uint8_t chal[8] = { 0xF1, 0x73, 0x58, 0x99, 0x74, 0xBF, 0x40, 0xC6 };
	static uint8_t sig[600];
	size_t sl;
	EVP_PKEY *k = dir_key("aa.key");
	int ok;

	if (sm(c, h, 0x88, 0, 0, chal, 8, 256, 1, 0, sig, &sl, sw) != 0 || *sw != 0x9000) {
		EVP_PKEY_free(k);
		return 0;
	}
	ok = aa_verify(k, chal, sig, sl, md);
	EVP_PKEY_free(k);
	return ok;
}

static void
part2(void)
{
	struct vc_card *c;
	struct host h;
	static uint8_t d[70000];
	uint8_t off[5];
	size_t dl, i, atrl;
	unsigned sw;
	vbuf all = { 0 };
	const uint8_t *atr;
	char err[256];
	int r;

	make_dir();
	set_aa("rsa", "sha1");

	c = card("normal");
	atr = vc_card_atr(c, &atrl);
	check(atrl == 10 && atr[0] == 0x3B && atr[8] == 0x40, "normal: ATR announces extended length");
	check(txh(c, "00A4040007A000000247100100") == 0x9000 && resp_is("6F0984 07A0000002471001 9000"),
	    "SELECT applet with P2=00 answers its FCI");
	check(txh(c, "00A4000C023F00") == 0x6D00, "SELECT MF answers 6D00");
	check(txh(c, "00A4020C02011C") == 0x6A82, "EF.CardAccess is absent (6A82)");
	check(txh(c, "00A4020C02011E") == 0x9000, "plain SELECT EF.COM works");
	check(txh(c, "00B0000004") == 0x6982 && rlen == 2, "plain READ BINARY is refused (6982)");
	check(txh(c, "00B0810004") == 0x6982, "plain READ BINARY by SFI is refused (6982)");
	check(txh(c, "00880000080102030405060708 00") == 0x6982, "plain INTERNAL AUTHENTICATE: 6982");
	check(txh(c, "0084000008") == 0x9000 && rlen == 10, "GET CHALLENGE gives 8 bytes");
	check(txh(c, "0084000004") == 0x6700, "GET CHALLENGE with Le 4: 6700");
	check(host_bac(c, "L898902C<369080619406236", &h) == 0x6300, "wrong MRZ key: 6300");
	txh(c, "00820000" "28" "00000000000000000000000000000000000000000000000000000000000000000000000000000000" "28");
	check((resp[0] << 8 | resp[1]) == 0x6985, "EXTERNAL AUTHENTICATE again without a challenge: 6985");
	{
		uint8_t cmd[64];
		size_t n = wrap(&h, 0xB0, 0, 0, NULL, 0, 4, 1, 0, cmd);

		check(tx(c, cmd, n) == 0x6988 && rlen == 2, "SM command without a session: plain 6988");
	}
	check(host_bac(c, MRZ_INFO, &h) == 0x9000, "BAC with the MRZ of DG1");
	check(sm_select(c, &h, 0x011E) == 0x9000, "SM SELECT EF.COM");
	r = sm(c, &h, 0xB0, 0, 0, NULL, 0, 4, 1, 0, d, &dl, &sw);
	check(r == 0 && sw == 0x9000 && dl == 4 && memcmp(d, "\x60\x14\x5F\x01", 4) == 0,
	    "SM READ BINARY 4 bytes of EF.COM");
	r = sm(c, &h, 0xB0, 0x81, 0, NULL, 0, 5, 1, 0, d, &dl, &sw);
	check(r == 0 && sw == 0x9000 && dl == 5 && memcmp(d, "\x61\x5D\x5F\x1F\x5A", 5) == 0,
	    "READ BINARY by SFI (P1=81) reads DG1");
	check(sm_select(c, &h, 0x0102) == 0x9000, "SM SELECT DG2");
	r = sm(c, &h, 0xB0, 0, 0, NULL, 0, 4096, 2, 1, d, &dl, &sw);
	check(r == 0 && sw == 0x9000 && dl == 4096 && memcmp(d, dg2, 4096) == 0,
	    "extended READ BINARY (Le 4096) returns 4096 bytes");
	r = sm(c, &h, 0xB0, 0, 0, NULL, 0, 65536, 2, 1, d, &dl, &sw);
	check(r == 0 && sw == 0x9000 && dl == sizeof dg2 && memcmp(d, dg2, dl) == 0,
	    "extended READ BINARY with Le 65536 returns the whole 40000-byte file");
	off[0] = 0x54; off[1] = 0x02; off[2] = 33000 >> 8; off[3] = 33000 & 0xFF;
	r = sm(c, &h, 0xB1, 0, 0, off, 4, 200, 1, 0, d, &dl, &sw);
	check(r == 0 && sw == 0x9000 && dl <= 200 && dl > 3 && d[0] == 0x53 && d[1] == 0x81 &&
	    (size_t)d[2] + 3 == dl && memcmp(d + 3, dg2 + 33000, d[2]) == 0 && resp[0] == 0x85,
	    "READ BINARY B1 at offset 33000 answers DO53 in DO85");
	off[2] = 40000 >> 8; off[3] = 40000 & 0xFF;
	r = sm(c, &h, 0xB1, 0, 0, off, 4, 200, 1, 0, d, &dl, &sw);
	check(r == 0 && sw == 0x6B00, "B1 at the end of the file: protected 6B00");
	off[2] = (40000 - 10) >> 8; off[3] = (40000 - 10) & 0xFF;
	r = sm(c, &h, 0xB1, 0x01, 0x02, off, 4, 100, 1, 0, d, &dl, &sw);
	check(r == 0 && sw == 0x9000 && dl == 12 && memcmp(d + 2, dg2 + 40000 - 10, 10) == 0,
	    "B1 by FID near the end returns the last 10 bytes");
	check(sm_select(c, &h, 0x0103) == 0x9000, "SM SELECT DG3 works");
	r = sm(c, &h, 0xB0, 0, 0, NULL, 0, 4, 1, 0, d, &dl, &sw);
	check(r == 0 && sw == 0x6982, "READ BINARY DG3 (EAC): protected 6982");
	check(sm_select(c, &h, 0x0199) == 0x6A82, "SM SELECT of a missing file: protected 6A82");
	check(sm_select(c, &h, 0x010D) == 0x9000 && sm_read_all(c, &h, 0xDF, &all) == 0 &&
	    all.len == dg13len && memcmp(all.p, dg13, dg13len) == 0, "DG13 read in 223-byte steps");
	vbuf_free(&all);
	check(aa_run(c, &h, EVP_sha1(), &sw), "AA RSA-2048: ISO 9796-2 with SHA-1 (trailer BC) verifies");
	{
		uint8_t chal[8] = { 0 };

		r = sm(c, &h, 0x88, 0, 0, chal, 8, 128, 1, 0, d, &dl, &sw);
		check(r == 0 && sw == 0x6700, "AA with Le below the signature size: 6700");
	}
	check(txh(c, "00A4040C07A0000002471001") == 0x9000, "plain SELECT ends SM");
	r = sm(c, &h, 0xA4, 0x02, 0x0C, (const uint8_t *)"\x01\x1E", 2, 0, 1, 0, d, &dl, &sw);
	check(r == -3 && sw == 0x6988, "... the old session is gone: plain 6988");
	vc_card_free(c);

	c = card("clone");
	check(bac(c, &h) && !aa_run(c, &h, EVP_sha1(), &sw) && sw == 0x9000,
	    "clone: the AA signature does not verify with DG15's key");
	vc_card_free(c);

	set_aa("rsa", "sha256");
	c = card("normal");
	check(bac(c, &h) && aa_run(c, &h, EVP_sha256(), &sw), "AA RSA: ISO 9796-2 with SHA-256 (34CC)");
	vc_card_free(c);

	set_aa("ec", "sha256");
	c = card("normal");
	check(bac(c, &h) && aa_run(c, &h, EVP_sha256(), &sw), "AA ECDSA P-256: plain r||s verifies");
	vc_card_free(c);
	c = card("clone");
	check(bac(c, &h) && !aa_run(c, &h, EVP_sha256(), &sw), "clone with EC: AA does not verify");
	vc_card_free(c);

	c = card("short-le-only=223");
	atr = vc_card_atr(c, &atrl);
	check(atr[8] == 0x00, "short-le-only: ATR without extended length");
	check(bac(c, &h) && sm_select(c, &h, 0x0102) == 0x9000, "short-le-only: BAC");
	r = sm(c, &h, 0xB0, 0, 0, NULL, 0, 224, 1, 0, d, &dl, &sw);
	check(r == 0 && sw == 0x6700, "short-le-only: Le 224 answers protected 6700");
	r = sm(c, &h, 0xB0, 0, 0, NULL, 0, 223, 1, 0, d, &dl, &sw);
	check(r == 0 && sw == 0x9000 && dl == 223, "short-le-only: Le 223 works, the session stays");
	vc_card_free(c);

	c = card("no-extended");
	check(bac(c, &h) && sm_select(c, &h, 0x0102) == 0x9000, "no-extended: BAC");
	r = sm(c, &h, 0xB0, 0, 0, NULL, 0, 231, 1, 0, d, &dl, &sw);
	check(r == 0 && sw == 0x9000 && dl == 231, "no-extended: Le 231 fits a short response");
	r = sm(c, &h, 0xB0, 0, 0, NULL, 0, 256, 1, 0, d, &dl, &sw);
	check(r == 0 && sw == 0x6700, "no-extended: Le 256 (protected > 256 bytes): 6700");
	r = sm(c, &h, 0xB0, 0, 0, NULL, 0, 1000, 2, 1, d, &dl, &sw);
	check(sw == 0x6700 && rlen == 2, "no-extended: an extended APDU answers plain 6700");
	vc_card_free(c);

	c = card("wrong-mac=2");
	check(bac(c, &h) && sm_select(c, &h, 0x011E) == 0x9000, "wrong-mac=2: 1st response is fine");
	r = sm(c, &h, 0xB0, 0, 0, NULL, 0, 4, 1, 0, d, &dl, &sw);
	check(r == -1, "wrong-mac=2: the 2nd response MAC is wrong");
	vc_card_free(c);

	c = card("malformed-sm");
	check(bac(c, &h) && sm_select(c, &h, 0x011E) == 0x9000, "malformed-sm: SELECT (no data) fine");
	r = sm(c, &h, 0xB0, 0, 0, NULL, 0, 4, 1, 0, d, &dl, &sw);
	check(r == -2 && resp[0] == 0x87 && resp[1] == 0x49, "malformed-sm: DO87 length beyond the data");
	vc_card_free(c);

	c = card("oversized");
	check(bac(c, &h) && sm_select(c, &h, 0x011E) == 0x9000, "oversized: BAC");
	r = sm(c, &h, 0xB0, 0, 0, NULL, 0, 4, 1, 0, d, &dl, &sw);
	check(r == 0 && sw == 0x9000 && dl == 12, "oversized: Le 4 returns 12 bytes");
	vc_card_free(c);

	c = card("remove-after=3");
	for (i = 0; i < 3; i++)
		txh(c, "0084000008");
	check(vc_card_apdu(c, (const uint8_t *)"\x00\x84\x00\x00\x08", 5, resp, &rlen) == VC_REMOVE,
	    "remove-after=3: the 4th APDU pulls the card");
	vc_card_free(c);

	c = card("tampered-dg");
	check(bac(c, &h) && sm_select(c, &h, 0x010D) == 0x9000 && sm_read_all(c, &h, 0xDF, &all) == 0 &&
	    all.len == dg13len && memcmp(all.p, dg13, dg13len - 1) == 0 &&
	    all.p[dg13len - 1] != dg13[dg13len - 1], "tampered-dg: DG13's last byte differs");
	vbuf_free(&all);
	vc_card_free(c);

	c = card("truncated");
	check(bac(c, &h) && sm_select(c, &h, 0x010D) == 0x9000 && sm_read_all(c, &h, 0xDF, &all) == 0 &&
	    all.len == dg13len - 16 && memcmp(all.p, dg13, all.len) == 0,
	    "truncated: DG13 ends 16 bytes before its TLV length");
	vbuf_free(&all);
	vc_card_free(c);

	c = card("trailing=dg13");
	check(bac(c, &h) && sm_select(c, &h, 0x010D) == 0x9000 && sm_read_all(c, &h, 0xDF, &all) == 0 &&
	    all.len == dg13len + 4 && memcmp(all.p + dg13len, "\xAB\xCD\xEF\x01", 4) == 0,
	    "trailing: 4 bytes after DG13's TLV");
	vbuf_free(&all);
	vc_card_free(c);

	c = card("no-dg15");
	check(bac(c, &h) && sm_select(c, &h, 0x010F) == 0x6A82, "no-dg15: DG15 is absent");
	check(sm_select(c, &h, 0x011E) == 0x9000 && sm_read_all(c, &h, 0xDF, &all) == 0 &&
	    all.len == 5, "no-dg15: EF.COM without DG15");
	vbuf_free(&all);
	{
		uint8_t chal[8] = { 0 };

		r = sm(c, &h, 0x88, 0, 0, chal, 8, 256, 1, 0, d, &dl, &sw);
		check(r == 0 && sw == 0x6D00, "no-dg15: INTERNAL AUTHENTICATE 6D00");
	}
	check(sm_select(c, &h, 0x011D) == 0x9000 && sm_read_all(c, &h, 0xDF, &all) == 0 &&
	    all.len == 7, "no-dg15: EF.SOD.no-dg15 served");
	vbuf_free(&all);
	vc_card_free(c);

	c = card("unknown-signer");
	check(bac(c, &h) && sm_select(c, &h, 0x011D) == 0x9000 && sm_read_all(c, &h, 0xDF, &all) == 0 &&
	    all.len == 9, "unknown-signer: EF.SOD.unknown-signer served");
	vbuf_free(&all);
	vc_card_free(c);

	vc_card_new(&c);
	check(vc_card_set_behaviour(c, "bogus", err, sizeof err) != 0 &&
	    vc_card_set_behaviour(c, "remove-after", err, sizeof err) != 0 &&
	    vc_card_set_behaviour(c, "short-le-only=0", err, sizeof err) != 0 &&
	    vc_card_set_behaviour(c, "truncated=dg99", err, sizeof err) != 0 &&
	    vc_card_set_behaviour(c, "short-le-only=200,wrong-mac=5,trailing=sod", err, sizeof err) == 0,
	    "behaviour parser rejects bad flags, takes combinations");
	vc_card_free(c);

	{
		const char *names[] = { "EF.COM", "EF.COM.no-dg15", "DG1.bin", "DG2.bin", "DG3.bin",
			"DG13.bin", "DG14.bin", "DG15.bin", "EF.SOD", "EF.SOD.no-dg15",
			"EF.SOD.unknown-signer", "aa.key", "clone.key", "vcard.conf" };
		char path[512];

		for (i = 0; i < sizeof names / sizeof names[0]; i++) {
			snprintf(path, sizeof path, "%s/%s", dir, names[i]);
			remove(path);
		}
		rmdir(dir);
	}
}

int
main(void)
{
	const char *top = getenv("top_srcdir");
	char vec[4096];

	snprintf(vec, sizeof vec, "%s/../shared/vectors", top ? top : "../..");
	appendix_d(vec);
	part2();
	printf("%d passed, %d failed\n", npass, nfail);
	return nfail ? 1 : 0;
}
