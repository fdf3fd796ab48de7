/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Chip Authentication host side and AES secure messaging:
 *  - the 9303-11 §9.7.1 KDF against ICAO vectors (App. D for 3DES, App. G for
 *    AES-128 from an ECDH and a DH secret) and against OpenSSL's SHA-256 for
 *    AES-192/256 keys;
 *  - the ECDH and DH shared secrets against App. G (SK_PCD with PK_IC);
 *  - AES-CMAC against RFC 4493; AES secure messaging against a real German
 *    eID transcript (gmrtd, MIT: AES-128 SM after PACE-CAM), byte for byte,
 *    and the whole transcript when the shared vectors are present;
 *  - the protocol and key chosen from DG14, the command data, the GENERAL
 *    AUTHENTICATE answer check, and host and chip agreeing (OpenSSL as chip).
 */
#include "config.h"
#include "icao_util.h"
#include "internal.h"
#include "chipauth.h"
#include "sm.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/dh.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>

/* ICAO 9303-11 App. G (PACE GM worked example). */
#define G1_K   "28768D20701247DAE81804C9E780EDE582A9996DB4A315020B2733197DB84925"
#define G1_SK  "A73FB703AC1436A18E0CFA5ABB3F7BEC7A070E7A6788486BEE230C4A22762595"
#define G1_PK  "049E880F842905B8B3181F7AF7CAA9F0EFB743847F44A306D2D28C1D9EC65DF6DB" \
	"7764B22277A2EDDC3C265A9F018F9CB852E111B768B326904B59A0193776F094"
#define G2_K   "6BABC7B3A72BCD7EA385E4C62DB2625BD8613B24149E146A629311C4CA6698E3" \
	"8B834B6A9E9CD7184BA8834AFF5043D436950C4C1E7832367C10CB8C314D40E5" \
	"990B0DF7013E64B4549E2270923D06F08CFF6BD3E977DDE6ABE4C31D55C0FA2E" \
	"465E553E77BDF75E3193D3834FC26E8EB1EE2FA1E4FC97C18C3F6CFFFE2607FD"
#define G2_SK  "89CCD99B0E8D3B1F11E1296DCA68EC53411CF2CA"
#define G2_PK  "075693D9AE941877573E634B6E644F8E60AF17A0076B8B123D9201074D36152B" \
	"D8B3A213F53820C42ADC79AB5D0AEEC3AEFB91394DA476BD97B9B14D0A65C1FC" \
	"71A0E019CB08AF55E1F729005FBA7E3FA5DC41899238A250767A6D46DB974064" \
	"386CD456743585F8E5D90CC8B4004B1F6D866C79CE0584E49687FF61BC29AEA1"

/* gmrtd (MIT) pace/pace_test.go TestDoPace_CAM_ECDH_DE: a real German eID,
 * AES-128 SM after PACE, SSC 0: SELECT EF.CardSecurity, READ BINARY 4. */
#define DE_KS_ENC "A8E85E938514EC67AE33CDA3D43D3C48"
#define DE_KS_MAC "27F1ADEB705A049A305B0C619B14B9B3"
#define DE_SEL_CMD "0CA4020C1D87110147EE2E3BD440FB596167F2BB6CD6395E8E08A105747484314BCF00"
#define DE_SEL_RSP "990290008E085F570BADDD1002D29000"
#define DE_RB_CMD  "0CB000000D9701048E085D283EC183CBB99800"
#define DE_RB_RSP  "871101D688D27A6D16F03619E76DCB59C1F1EC990290008E08B7DF9A5982BB17299000"

/* ---- KDF ---- */

static void
kdf_case(const char *secret_hex, sign_sm_cipher c, size_t kl, const char *enc_hex,
    const char *mac_hex)
{
	size_t n;
	unsigned char *s = unhex(secret_hex, &n), k[32];

	assert_int_equal(sign_ca__kdf(s, n, c, kl, 1, k), 0);
	assert_hex_equal(k, kl, enc_hex);
	assert_int_equal(sign_ca__kdf(s, n, c, kl, 2, k), 0);
	assert_hex_equal(k, kl, mac_hex);
	free(s);
}

static void
test_kdf_icao(void **state)
{
	json_t *d = load_json_fixture("bac_sm_appendix_D.json");
	json_t *d2 = json_object_get(d, "D.2_key_derivation");
	json_t *d3 = json_object_get(d, "D.3_authentication");

	(void)state;
	/* 3DES: SHA-1 and DES parity, the same KDF as BAC (App. D). */
	kdf_case(jstr(d2, "K_seed"), SIGN_SM_3DES, 16, jstr(d2, "K_enc"), jstr(d2, "K_mac"));
	kdf_case(jstr(d3, "K_seed_session"), SIGN_SM_3DES, 16, jstr(d3, "KS_enc"),
	    jstr(d3, "KS_mac"));
	json_decref(d);
	/* AES-128: SHA-1, App. G.1 (ECDH X coordinate) and G.2 (DH, 128 bytes). */
	kdf_case(G1_K, SIGN_SM_AES, 16, "F5F0E35C0D7161EE6724EE513A0D9A7F",
	    "FE251C7858B356B24514B3BD5F4297D1");
	kdf_case(G2_K, SIGN_SM_AES, 16, "2F7F46ADCC9E7E521B45D192FAFA9126",
	    "805A1D27D45A5116F73C54469462B7D8");
}

/* AES-192/256: SHA-256(secret || counter) truncated, checked with OpenSSL. */
static void
test_kdf_sha256(void **state)
{
	static const unsigned char s[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13 };
	unsigned char buf[sizeof(s) + 4], h[32], k[32];
	unsigned int hl, c;
	size_t kl;

	(void)state;
	for (kl = 24; kl <= 32; kl += 8) {
		for (c = 1; c <= 2; c++) {
			memcpy(buf, s, sizeof(s));
			buf[sizeof(s)] = buf[sizeof(s) + 1] = buf[sizeof(s) + 2] = 0;
			buf[sizeof(s) + 3] = (unsigned char)c;
			assert_int_equal(EVP_Digest(buf, sizeof(buf), h, &hl, EVP_sha256(), NULL), 1);
			assert_int_equal(sign_ca__kdf(s, sizeof(s), SIGN_SM_AES, kl, c, k), 0);
			assert_memory_equal(k, h, kl);
		}
	}
	/* AES-128 is SHA-1, not SHA-256: the two must differ. */
	assert_int_equal(sign_ca__kdf(s, sizeof(s), SIGN_SM_AES, 16, 1, k), 0);
	buf[sizeof(s) + 3] = 1;
	assert_int_equal(EVP_Digest(buf, sizeof(buf), h, &hl, EVP_sha256(), NULL), 1);
	assert_memory_not_equal(k, h, 16);
	/* no 3DES-24, no AES-20, no empty secret */
	assert_int_equal(sign_ca__kdf(s, sizeof(s), SIGN_SM_3DES, 24, 1, k), SIGN_ERR_INVALID_ARG);
	assert_int_equal(sign_ca__kdf(s, sizeof(s), SIGN_SM_AES, 20, 1, k), SIGN_ERR_INVALID_ARG);
	assert_int_equal(sign_ca__kdf(s, 0, SIGN_SM_AES, 16, 1, k), SIGN_ERR_INVALID_ARG);
}

/* ---- AES primitives and secure messaging ---- */

static void
test_cmac_rfc4493(void **state)
{
	size_t kl, ml;
	unsigned char *key = unhex("2B7E151628AED2A6ABF7158809CF4F3C", &kl);
	unsigned char *msg = unhex("6BC1BEE22E409F96E93D7E117393172A", &ml), mac[8];

	(void)state;
	assert_int_equal(sign_sm__aes_cmac(key, kl, NULL, 0, mac), 0);
	assert_hex_equal(mac, 8, "BB1D6929E9593728");
	assert_int_equal(sign_sm__aes_cmac(key, kl, msg, ml, mac), 0);
	assert_hex_equal(mac, 8, "070A16B46B4D4144");
	assert_int_equal(sign_sm__aes_cmac(key, 20, msg, ml, mac), SIGN_ERR_INVALID_ARG);
	free(key);
	free(msg);
}

static sign_sm *
de_sm(void)
{
	size_t n;
	unsigned char *e = unhex(DE_KS_ENC, &n), *m = unhex(DE_KS_MAC, &n), ssc[16] = { 0 };
	sign_sm *sm = NULL;

	assert_int_equal(sign_sm__new(&sm, SIGN_SM_AES, e, m, 16, ssc, 16), 0);
	free(e);
	free(m);
	return sm;
}

static void
wrap_equals(sign_sm *sm, const sign_apdu *a, const char *want)
{
	sign_buf out = SIGN_BUF_INIT;

	assert_int_equal(sign_sm__wrap(sm, a, &out), 0);
	assert_hex_equal(out.data, out.len, want);
	sign_buf_dispose(&out);
}

static void
test_aes_sm_transcript(void **state)
{
	static const unsigned char fid[] = { 0x01, 0x1D };
	sign_apdu sel = { 0x00, 0xA4, 0x02, 0x0C, fid, 2, 0, 0 };
	sign_apdu rb = { 0x00, 0xB0, 0x00, 0x00, NULL, 0, 4, 0 };
	sign_buf data = SIGN_BUF_INIT;
	unsigned char *r, ssc[16];
	unsigned int sw = 0;
	size_t n;
	sign_sm *sm = de_sm();

	(void)state;
	assert_int_equal(sign_sm__cipher(sm), SIGN_SM_AES);
	assert_int_equal(sign_sm__short_read_max(sm), 223);
	/* SELECT: DO87 (AES-CBC, IV = E(KS_enc, SSC=1)), CMAC, byte for byte */
	wrap_equals(sm, &sel, DE_SEL_CMD);
	r = unhex(DE_SEL_RSP, &n);
	assert_int_equal(sign_sm__unwrap(sm, r, n, &data, &sw), 0);
	assert_int_equal(sw, 0x9000);
	assert_int_equal(data.len, 0);
	free(r);
	/* READ BINARY 4: the TLV header of EF.CardSecurity */
	wrap_equals(sm, &rb, DE_RB_CMD);
	r = unhex(DE_RB_RSP, &n);
	assert_int_equal(sign_sm__unwrap(sm, r, n, &data, &sw), 0);
	assert_int_equal(sw, 0x9000);
	assert_hex_equal(data.data, data.len, "30820742");
	free(r);
	assert_int_equal(sign_sm__ssc(sm, ssc, 16), 0);
	assert_hex_equal(ssc, 16, "00000000000000000000000000000004");
	assert_int_equal(sign_sm__ssc(sm, ssc, 8), SIGN_ERR_INVALID_ARG);
	sign_buf_dispose(&data);
	sign_sm__free(sm);
}

/* A changed byte anywhere in the answer (MAC, data, status) ends the session. */
static void
test_aes_sm_tamper(void **state)
{
	static const unsigned char fid[] = { 0x01, 0x1D };
	sign_apdu sel = { 0x00, 0xA4, 0x02, 0x0C, fid, 2, 0, 0 };
	sign_apdu rb = { 0x00, 0xB0, 0x00, 0x00, NULL, 0, 4, 0 };
	sign_buf data = SIGN_BUF_INIT, out = SIGN_BUF_INIT;
	unsigned int sw;
	size_t n, i;
	const size_t spots[] = { 3, 10, 20, 28 };

	(void)state;
	for (i = 0; i < sizeof(spots) / sizeof(spots[0]); i++) {
		sign_sm *sm = de_sm();
		unsigned char *r = unhex(DE_RB_RSP, &n), *s = unhex(DE_SEL_RSP, &n);

		wrap_equals(sm, &sel, DE_SEL_CMD);
		assert_int_equal(sign_sm__unwrap(sm, s, 16, &data, &sw), 0);
		wrap_equals(sm, &rb, DE_RB_CMD);
		n = strlen(DE_RB_RSP) / 2;
		r[spots[i]] ^= 0x01;
		assert_int_equal(sign_sm__unwrap(sm, r, n, &data, &sw), SIGN_ERR_SM);
		assert_false(sign_sm__alive(sm));
		assert_int_equal(sign_sm__wrap(sm, &rb, &out), SIGN_ERR_SM);
		free(r);
		free(s);
		sign_sm__free(sm);
	}
	sign_buf_dispose(&data);
}

/* The whole transcript (SELECT + 10 READ BINARY) when the shared vectors
 * are there: the reassembled file must be EF.CardSecurity byte for byte. */
static void
test_aes_sm_full_replay(void **state)
{
	const char *top = getenv("top_srcdir");
	char path[4096], path2[4096];
	json_t *j, *apdus;
	json_error_t err;
	sign_buf data = SIGN_BUF_INIT, out = SIGN_BUF_INIT;
	unsigned char *file = NULL, *cs;
	size_t i, got = 0, cs_len, n;
	FILE *fp;
	sign_sm *sm;

	(void)state;
	snprintf(path, sizeof(path), "%s/../shared/vectors/realchip_transcripts/"
	    "gmrtd_PACE_CAM_ECDH_AES128_DE_with_AES_SM.json", top != NULL ? top : ".");
	snprintf(path2, sizeof(path2), "%s/../shared/vectors/realworld_sod/DE_EF_CardSecurity.bin",
	    top != NULL ? top : ".");
	if ((j = json_load_file(path, 0, &err)) == NULL || (fp = fopen(path2, "rb")) == NULL) {
		json_decref(j);
		skip();
	}
	cs = malloc(4096);
	assert_non_null(cs);
	cs_len = fread(cs, 1, 4096, fp);
	fclose(fp);
	file = malloc(cs_len + 256);
	assert_non_null(file);
	sm = de_sm();
	apdus = json_object_get(j, "apdus");
	for (i = 5; i < json_array_size(apdus); i++) {
		json_t *x = json_array_get(apdus, i);
		unsigned char *c = unhex(jstr(x, "command"), &n), *r;
		sign_apdu a;
		unsigned int sw = 0;
		size_t rn;

		/* The plain command from the protected header and DO97 (DO87 only
		 * in the SELECT, whose data is the FID 011D). */
		memset(&a, 0, sizeof(a));
		a.cla = c[0] & 0xF3;
		a.ins = c[1];
		a.p1 = c[2];
		a.p2 = c[3];
		if (a.ins == 0xA4) {
			static const unsigned char fid[] = { 0x01, 0x1D };

			a.data = fid;
			a.lc = 2;
		} else {
			assert_int_equal(c[5], 0x97);
			a.ne = c[7] != 0 ? c[7] : 256;
		}
		assert_int_equal(sign_sm__wrap(sm, &a, &out), 0);
		assert_hex_equal(out.data, out.len, jstr(x, "command"));
		r = unhex(jstr(x, "response"), &rn);
		assert_int_equal(sign_sm__unwrap(sm, r, rn, &data, &sw), 0);
		assert_int_equal(sw, 0x9000);
		assert_true(got + data.len <= cs_len + 256);
		if (data.len > 0)
			memcpy(file + got, data.data, data.len);
		got += data.len;
		free(c);
		free(r);
	}
	assert_int_equal(got, cs_len);
	assert_memory_equal(file, cs, cs_len);
	sign_buf_dispose(&data);
	sign_buf_dispose(&out);
	sign_sm__free(sm);
	free(file);
	free(cs);
	json_decref(j);
}

static void
test_sm_new_args(void **state)
{
	unsigned char k[32] = { 0 }, ssc[16] = { 0 };
	sign_sm *sm = NULL;

	(void)state;
	assert_int_equal(sign_sm__new(&sm, SIGN_SM_AES, k, k, 16, ssc, 8), SIGN_ERR_INVALID_ARG);
	assert_int_equal(sign_sm__new(&sm, SIGN_SM_AES, k, k, 20, ssc, 16), SIGN_ERR_INVALID_ARG);
	assert_int_equal(sign_sm__new(&sm, SIGN_SM_3DES, k, k, 16, ssc, 16), SIGN_ERR_INVALID_ARG);
	assert_int_equal(sign_sm__new(&sm, (sign_sm_cipher)9, k, k, 16, ssc, 16),
	    SIGN_ERR_UNSUPPORTED);
	assert_int_equal(sign_sm__new(&sm, SIGN_SM_AES, k, k, 32, ssc, 16), 0);
	assert_int_equal(sign_sm__short_read_max(sm), 223);
	sign_sm__free(sm);
	assert_int_equal(sign_sm__new(&sm, SIGN_SM_3DES, k, k, 16, ssc, 8), 0);
	assert_int_equal(sign_sm__short_read_max(sm), 231);
	sign_sm__free(sm);
}

/* ---- keys from raw values (OpenSSL as the test's referee) ---- */

static EVP_PKEY *
key_from(const char *type, const char *group, const char *pub_hex, const char *priv_hex)
{
	OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
	OSSL_PARAM *p;
	EVP_PKEY_CTX *x = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
	EVP_PKEY *k = NULL;
	BIGNUM *priv = NULL, *pub = NULL;
	unsigned char *pb = NULL, *vb = NULL;
	size_t pn = 0, vn = 0;
	int ec = strcmp(type, "EC") == 0;

	assert_non_null(b);
	assert_non_null(x);
	assert_int_equal(OSSL_PARAM_BLD_push_utf8_string(b, OSSL_PKEY_PARAM_GROUP_NAME, group, 0),
	    1);
	if (pub_hex != NULL) {
		pb = unhex(pub_hex, &pn);
		if (ec) {
			assert_int_equal(OSSL_PARAM_BLD_push_octet_string(b, OSSL_PKEY_PARAM_PUB_KEY,
			    pb, pn), 1);
		} else {
			pub = BN_bin2bn(pb, (int)pn, NULL);
			assert_int_equal(OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_PUB_KEY, pub), 1);
		}
	}
	if (priv_hex != NULL) {
		vb = unhex(priv_hex, &vn);
		priv = BN_bin2bn(vb, (int)vn, NULL);
		assert_int_equal(OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_PRIV_KEY, priv), 1);
	}
	p = OSSL_PARAM_BLD_to_param(b);
	assert_non_null(p);
	assert_int_equal(EVP_PKEY_fromdata_init(x), 1);
	assert_int_equal(EVP_PKEY_fromdata(x, &k, priv_hex != NULL ? EVP_PKEY_KEYPAIR :
	    EVP_PKEY_PUBLIC_KEY, p), 1);
	OSSL_PARAM_free(p);
	OSSL_PARAM_BLD_free(b);
	EVP_PKEY_CTX_free(x);
	BN_free(priv);
	BN_free(pub);
	free(pb);
	free(vb);
	return k;
}

/* A key pair on a named group (EC curve or DH group). */
static EVP_PKEY *
keygen(const char *type, const char *group)
{
	EVP_PKEY_CTX *x = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
	EVP_PKEY *k = NULL;
	OSSL_PARAM p[2];

	p[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)group, 0);
	p[1] = OSSL_PARAM_construct_end();
	assert_non_null(x);
	assert_int_equal(EVP_PKEY_keygen_init(x), 1);
	assert_int_equal(EVP_PKEY_CTX_set_params(x, p), 1);
	assert_int_equal(EVP_PKEY_keygen(x, &k), 1);
	EVP_PKEY_CTX_free(x);
	return k;
}

static sign_ca__params
params_for(EVP_PKEY *chip, int dh, sign_sm_cipher c, size_t kl, unsigned char **spki)
{
	sign_ca__params p;
	int n;

	memset(&p, 0, sizeof(p));
	*spki = NULL;
	n = i2d_PUBKEY(chip, spki);
	assert_true(n > 0);
	p.dh = dh;
	p.cipher = c;
	p.key_len = kl;
	p.use_kat = c == SIGN_SM_3DES;
	p.key_id = -1;
	p.spki = *spki;
	p.spki_len = (size_t)n;
	return p;
}

/* App. G: SK_PCD with the chip's PK_IC gives K (the generator does not
 * enter the agreement), for ECDH (X only) and DH (as long as p). */
static void
test_agreement_appendix_g(void **state)
{
	struct {
		const char *type, *group, *pk, *sk, *k;
		int dh;
	} cases[] = {
		{ "EC", "brainpoolP256r1", G1_PK, G1_SK, G1_K, 0 },
		{ "DHX", "dh_1024_160", G2_PK, G2_SK, G2_K, 1 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		EVP_PKEY *chip = key_from(cases[i].type, cases[i].group, cases[i].pk, NULL);
		EVP_PKEY *eph = key_from(cases[i].type, cases[i].group, NULL, cases[i].sk);
		unsigned char *spki = NULL;
		sign_ca__params p = params_for(chip, cases[i].dh, SIGN_SM_AES, 16, &spki);
		sign_ca__ctx *ca = NULL;
		sign_buf k = SIGN_BUF_INIT;

		assert_int_equal(sign_ca__new(&ca, &p), 0);
		assert_int_equal(sign_ca__set_eph(ca, eph), 0);
		assert_int_equal(sign_ca__derive_secret(ca, &k), 0);
		assert_hex_equal(k.data, k.len, cases[i].k);
		sign_buf_dispose(&k);
		sign_ca__free(ca);
		OPENSSL_free(spki);
		EVP_PKEY_free(chip);
		EVP_PKEY_free(eph);
	}
}

/* The chip side done with OpenSSL: the chip derives the same session keys
 * from the ephemeral public key the host sends, for EC (P-256, brainpool) and
 * DH (ffdhe2048: the secret as long as p), 3DES and AES-128/192/256.  The
 * host's SM then talks to a chip-side SM made from those keys. */
static void
test_host_chip_agree(void **state)
{
	struct {
		const char *type, *group;
		int dh;
		sign_sm_cipher c;
		size_t kl;
	} cases[] = {
		{ "EC", "P-256", 0, SIGN_SM_AES, 16 },
		{ "EC", "brainpoolP256r1", 0, SIGN_SM_AES, 32 },
		{ "EC", "P-384", 0, SIGN_SM_3DES, 16 },
		{ "DH", "ffdhe2048", 1, SIGN_SM_AES, 24 },
		{ "DH", "ffdhe2048", 1, SIGN_SM_3DES, 16 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		EVP_PKEY *chip = keygen(cases[i].type, cases[i].group), *peer = EVP_PKEY_new();
		EVP_PKEY_CTX *x;
		unsigned char *spki = NULL, secret[512], ke[32], km[32], ssc[16] = { 0 };
		sign_ca__params p;
		sign_ca__ctx *ca = NULL;
		sign_sm *host = NULL, *card = NULL;
		const unsigned char *pub;
		size_t pl = 0, sl = sizeof(secret);
		sign_buf w = SIGN_BUF_INIT, cw = SIGN_BUF_INIT, d = SIGN_BUF_INIT;
		sign_apdu a = { 0x00, 0xB0, 0x00, 0x00, NULL, 0, 16, 0 };
		unsigned int sw;

		assert_non_null(chip);
		p = params_for(chip, cases[i].dh, cases[i].c, cases[i].kl, &spki);
		assert_int_equal(sign_ca__new(&ca, &p), 0);
		pub = sign_ca__eph_pub(ca, &pl);
		assert_non_null(pub);
		if (!cases[i].dh)
			assert_int_equal(pub[0], 0x04); /* uncompressed point */
		else
			assert_int_equal(pl, 256);      /* as long as p */
		/* chip side */
		assert_int_equal(EVP_PKEY_copy_parameters(peer, chip), 1);
		assert_int_equal(EVP_PKEY_set1_encoded_public_key(peer, pub, pl), 1);
		x = EVP_PKEY_CTX_new_from_pkey(NULL, chip, NULL);
		assert_int_equal(EVP_PKEY_derive_init(x), 1);
		if (cases[i].dh)
			assert_int_equal(EVP_PKEY_CTX_set_dh_pad(x, 1), 1);
		assert_int_equal(EVP_PKEY_derive_set_peer(x, peer), 1);
		assert_int_equal(EVP_PKEY_derive(x, secret, &sl), 1);
		assert_int_equal(sign_ca__kdf(secret, sl, cases[i].c, cases[i].kl, 1, ke), 0);
		assert_int_equal(sign_ca__kdf(secret, sl, cases[i].c, cases[i].kl, 2, km), 0);
		assert_int_equal(sign_sm__new(&card, cases[i].c, ke, km, cases[i].kl, ssc,
		    cases[i].c == SIGN_SM_3DES ? 8 : 16), 0);
		/* host side */
		assert_int_equal(sign_ca__session(ca, &host), 0);
		assert_int_equal(sign_sm__wrap(host, &a, &w), 0);
		assert_int_equal(sign_sm__wrap(card, &a, &cw), 0);
		assert_int_equal(w.len, cw.len);
		assert_memory_equal(w.data, cw.data, w.len);
		/* an answer with a forged MAC is refused under the new keys */
		{
			unsigned char bad[] = { 0x99, 0x02, 0x90, 0x00, 0x8E, 0x08, 0, 0, 0, 0, 0, 0,
			    0, 0, 0x90, 0x00 };

			assert_int_equal(sign_sm__unwrap(host, bad, sizeof(bad), &d, &sw), SIGN_ERR_SM);
		}
		sign_buf_dispose(&w);
		sign_buf_dispose(&cw);
		sign_buf_dispose(&d);
		sign_sm__free(host);
		sign_sm__free(card);
		sign_ca__free(ca);
		EVP_PKEY_CTX_free(x);
		EVP_PKEY_free(peer);
		EVP_PKEY_free(chip);
		OPENSSL_free(spki);
	}
}

/* A chip key that is not on its curve is refused before anything is sent. */
static void
test_bad_chip_key(void **state)
{
	EVP_PKEY *chip = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	unsigned char *spki = NULL;
	sign_ca__params p;
	sign_ca__ctx *ca = NULL;

	(void)state;
	p = params_for(chip, 0, SIGN_SM_AES, 16, &spki);
	/* the last byte of Y changed: off the curve */
	spki[p.spki_len - 1] ^= 0x01;
	assert_int_equal(sign_ca__new(&ca, &p), SIGN_ERR_MALFORMED);
	assert_null(ca);
	spki[p.spki_len - 1] ^= 0x01;
	/* DH named for an EC key */
	p.dh = 1;
	assert_int_equal(sign_ca__new(&ca, &p), SIGN_ERR_MALFORMED);
	/* trailing data after the SubjectPublicKeyInfo */
	p.dh = 0;
	p.spki_len--;
	assert_int_equal(sign_ca__new(&ca, &p), SIGN_ERR_MALFORMED);
	OPENSSL_free(spki);
	EVP_PKEY_free(chip);
}

/* ---- DG14: which protocol and key ---- */

/* 6E { 31 { infos } } from hex SecurityInfos. */
static sign_dg14 *
dg14_of(const char *infos_hex)
{
	size_t n;
	unsigned char *in = unhex(infos_hex, &n), *buf = malloc(n + 8);
	sign_dg14 *d = NULL;
	size_t k = 0;

	assert_non_null(buf);
	assert_true(n < 0x80 - 4);
	buf[k++] = 0x6E;
	buf[k++] = (unsigned char)(n + 2);
	buf[k++] = 0x31;
	buf[k++] = (unsigned char)n;
	memcpy(buf + k, in, n);
	assert_int_equal(sign_dg14_parse(&d, buf, k + n), 0);
	free(in);
	free(buf);
	return d;
}

/* SecurityInfo hex pieces. */
#define CA_INFO(arc, c) "300F060A04007F0007020203" arc c "020101"
#define CA_INFO_ID(arc, c, id) "3012060A04007F0007020203" arc c "020101" "0201" id
/* a ChipAuthenticationPublicKeyInfo with a dummy SPKI (30 00 03 00) and keyId */
#define PK(arc, id) "3014060904007F0007020201" arc "300430000300" "0201" id
#define PK_NOID(arc) "3011060904007F0007020201" arc "300430000300"

static void
test_select(void **state)
{
	sign_dg14 *d;
	sign_ca__params p;

	(void)state;
	/* only TA: nothing to do */
	d = dg14_of("300D060804007F0007020202020101");
	assert_int_equal(sign_ca__select(d, &p), SIGN_ERR_NOT_FOUND);
	assert_non_null(strstr(sign_error_message(), "no ChipAuthenticationInfo"));
	sign_dg14_free(d);
	/* ECDH AES-128 and its one key: Set AT + GA, no keyId sent */
	d = dg14_of(CA_INFO("02", "02") PK_NOID("02"));
	assert_int_equal(sign_ca__select(d, &p), 0);
	assert_int_equal(p.dh, 0);
	assert_int_equal(p.cipher, SIGN_SM_AES);
	assert_int_equal(p.key_len, 16);
	assert_int_equal(p.use_kat, 0);
	assert_int_equal(p.key_id, -1);
	assert_hex_equal(p.oid, p.oid_len, "04007F00070202030202");
	assert_string_equal(p.name, "id-CA-ECDH-AES-CBC-CMAC-128");
	sign_dg14_free(d);
	/* 3DES and AES-256 offered with one DH key: AES-256 wins */
	d = dg14_of(CA_INFO("01", "01") CA_INFO("01", "04") PK_NOID("01"));
	assert_int_equal(sign_ca__select(d, &p), 0);
	assert_int_equal(p.dh, 1);
	assert_int_equal(p.key_len, 32);
	sign_dg14_free(d);
	/* DH 3DES alone: MSE:Set KAT */
	d = dg14_of(CA_INFO("01", "01") PK_NOID("01"));
	assert_int_equal(sign_ca__select(d, &p), 0);
	assert_int_equal(p.cipher, SIGN_SM_3DES);
	assert_int_equal(p.use_kat, 1);
	sign_dg14_free(d);
	/* two ECDH keys, the info names key 2: that key, and keyId 2 sent */
	d = dg14_of(CA_INFO_ID("02", "02", "02") PK("02", "01") PK("02", "02"));
	assert_int_equal(sign_ca__select(d, &p), 0);
	assert_int_equal(p.key_id, 2);
	sign_dg14_free(d);
	/* two keys and an info without keyId: ambiguous, not used */
	d = dg14_of(CA_INFO("02", "02") PK("02", "01") PK("02", "02"));
	assert_int_equal(sign_ca__select(d, &p), SIGN_ERR_NOT_FOUND);
	sign_dg14_free(d);
	/* a DH protocol with only an ECDH key */
	d = dg14_of(CA_INFO("01", "02") PK_NOID("02"));
	assert_int_equal(sign_ca__select(d, &p), SIGN_ERR_NOT_FOUND);
	assert_non_null(strstr(sign_error_message(), "no protocol"));
	sign_dg14_free(d);
	/* NULL DG14 (none read) */
	assert_int_equal(sign_ca__select(NULL, &p), SIGN_ERR_NOT_FOUND);
}

/* The ICAO 9303 specimen DG14 (JMRTD sample, DH 3DES) when present. */
static void
test_select_spec_sample(void **state)
{
	const char *top = getenv("top_srcdir");
	char path[4096];
	unsigned char buf[8192];
	size_t n;
	FILE *fp;
	sign_dg14 *d = NULL;
	sign_ca__params p;
	sign_ca__ctx *ca = NULL;
	sign_buf cmd = SIGN_BUF_INIT;

	(void)state;
	snprintf(path, sizeof(path), "%s/../shared/vectors/icao9303_spec_samples/"
	    "spec_sample_encoded_dg14.bin", top != NULL ? top : ".");
	if ((fp = fopen(path, "rb")) == NULL)
		skip();
	n = fread(buf, 1, sizeof(buf), fp);
	fclose(fp);
	assert_int_equal(sign_dg14_parse(&d, buf, n), 0);
	assert_int_equal(sign_ca__select(d, &p), 0);
	assert_int_equal(p.dh, 1);
	assert_int_equal(p.cipher, SIGN_SM_3DES);
	assert_int_equal(p.use_kat, 1);
	/* its key parses and a key pair is made on its group */
	assert_int_equal(sign_ca__new(&ca, &p), 0);
	assert_int_equal(sign_ca__mse_kat_data(ca, &cmd), 0);
	assert_int_equal(cmd.data[0], 0x91);
	sign_buf_dispose(&cmd);
	sign_ca__free(ca);
	sign_dg14_free(d);
}

static void
test_commands(void **state)
{
	EVP_PKEY *chip = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	unsigned char *spki = NULL;
	sign_ca__params p;
	sign_ca__ctx *ca = NULL;
	sign_buf b = SIGN_BUF_INIT;
	const unsigned char *pub;
	size_t pl;
	static const unsigned char oid[] = { 0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02, 0x03, 0x02,
	    0x01 };

	(void)state;
	p = params_for(chip, 0, SIGN_SM_3DES, 16, &spki);
	memcpy(p.oid, oid, sizeof(oid));
	p.oid_len = sizeof(oid);
	assert_int_equal(sign_ca__new(&ca, &p), 0);
	pub = sign_ca__eph_pub(ca, &pl);
	assert_int_equal(pl, 65);
	/* MSE:Set KAT: 91 41 <point> */
	assert_int_equal(sign_ca__mse_kat_data(ca, &b), 0);
	assert_int_equal(b.len, 2 + 65);
	assert_int_equal(b.data[0], 0x91);
	assert_int_equal(b.data[1], 65);
	assert_memory_equal(b.data + 2, pub, 65);
	/* MSE:Set AT: 80 0A <OID> */
	assert_int_equal(sign_ca__mse_at_data(ca, &b), 0);
	assert_hex_equal(b.data, b.len, "800A04007F00070202030201");
	/* GENERAL AUTHENTICATE: 7C 43 80 41 <point> */
	assert_int_equal(sign_ca__ga_data(ca, &b), 0);
	assert_int_equal(b.len, 4 + 65);
	assert_int_equal(b.data[0], 0x7C);
	assert_int_equal(b.data[1], 67);
	assert_int_equal(b.data[2], 0x80);
	assert_memory_equal(b.data + 4, pub, 65);
	sign_buf_dispose(&b);
	sign_ca__free(ca);
	/* keyId 0x85 is sent as 84 02 00 85 (a positive INTEGER) */
	p.key_id = 0x85;
	assert_int_equal(sign_ca__new(&ca, &p), 0);
	assert_int_equal(sign_ca__mse_at_data(ca, &b), 0);
	assert_hex_equal(b.data, b.len, "800A04007F00070202030201" "84020085");
	assert_int_equal(sign_ca__mse_kat_data(ca, &b), 0);
	assert_hex_equal(b.data + b.len - 4, 4, "84020085");
	sign_buf_dispose(&b);
	sign_ca__free(ca);
	OPENSSL_free(spki);
	EVP_PKEY_free(chip);
}

static void
test_ga_check(void **state)
{
	static const unsigned char ok[] = { 0x7C, 0x00 };
	static const unsigned char data[] = { 0x7C, 0x02, 0x80, 0x00 };
	static const unsigned char tag[] = { 0x7D, 0x00 };
	static const unsigned char trail[] = { 0x7C, 0x00, 0x00 };

	(void)state;
	assert_int_equal(sign_ca__ga_check(ok, sizeof(ok)), 0);
	assert_int_equal(sign_ca__ga_check(data, sizeof(data)), SIGN_ERR_CARD_RESPONSE);
	assert_int_equal(sign_ca__ga_check(tag, sizeof(tag)), SIGN_ERR_CARD_RESPONSE);
	assert_int_equal(sign_ca__ga_check(trail, sizeof(trail)), SIGN_ERR_CARD_RESPONSE);
	assert_int_equal(sign_ca__ga_check(ok, 0), SIGN_ERR_CARD_RESPONSE);
}

/* ---- the verdict: pa.c ---- */

static void
test_genuine_rule(void **state)
{
	const sign_pa_verdict P = SIGN_PA_PASSED;
	const sign_dg_status M = SIGN_DG_MATCH;

	(void)state;
	/* CA alone (no DG15) makes a genuine chip, with DG14 confirmed */
	assert_true(sign_pa_genuine_chip(P, SIGN_DG_ABSENT, SIGN_AA_NOT_SUPPORTED, M,
	    SIGN_CHIPAUTH_PASSED));
	/* ... not with DG14 mismatching, not in the SOD, or PA not passed */
	assert_false(sign_pa_genuine_chip(P, SIGN_DG_ABSENT, SIGN_AA_NOT_SUPPORTED,
	    SIGN_DG_MISMATCH, SIGN_CHIPAUTH_PASSED));
	assert_false(sign_pa_genuine_chip(P, SIGN_DG_ABSENT, SIGN_AA_NOT_SUPPORTED,
	    SIGN_DG_NOT_IN_SOD, SIGN_CHIPAUTH_PASSED));
	assert_false(sign_pa_genuine_chip(SIGN_PA_INDETERMINATE, SIGN_DG_ABSENT,
	    SIGN_AA_NOT_SUPPORTED, M, SIGN_CHIPAUTH_PASSED));
	/* AA alone, as before */
	assert_true(sign_pa_genuine_chip(P, M, SIGN_AA_PASSED, SIGN_DG_ABSENT,
	    SIGN_CHIPAUTH_NOT_SUPPORTED));
	assert_true(sign_pa_genuine_chip(P, M, SIGN_AA_PASSED, M, SIGN_CHIPAUTH_NOT_ATTEMPTED));
	/* a failure outweighs the other proof */
	assert_false(sign_pa_genuine_chip(P, M, SIGN_AA_PASSED, M, SIGN_CHIPAUTH_FAILED));
	assert_false(sign_pa_genuine_chip(P, M, SIGN_AA_FAILED, M, SIGN_CHIPAUTH_PASSED));
	/* neither proof */
	assert_false(sign_pa_genuine_chip(P, M, SIGN_AA_NOT_ATTEMPTED, M,
	    SIGN_CHIPAUTH_NOT_ATTEMPTED));
}

/* What sign_pa_verify says of CA: the live outcome as given; without it, not
 * attempted (offline) or not supported (no DG14 / no CA in DG14). */
static void
test_pa_chipauth(void **state)
{
	static const unsigned char dg14_ta[] = { 0x6E, 0x11, 0x31, 0x0F, 0x30, 0x0D, 0x06, 0x08,
	    0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02, 0x02, 0x02, 0x01, 0x01 };
	sign_pa_doc *doc = NULL;
	sign_pa_result *r = NULL;
	unsigned char raw[128];
	size_t n = 0;

	(void)state;
	/* 6E { 31 { ChipAuthenticationInfo, ChipAuthenticationPublicKeyInfo } } */
	{
		size_t hl;
		unsigned char *in = unhex(CA_INFO("02", "02") PK_NOID("02"), &hl);

		raw[n++] = 0x6E;
		raw[n++] = (unsigned char)(hl + 2);
		raw[n++] = 0x31;
		raw[n++] = (unsigned char)hl;
		memcpy(raw + n, in, hl);
		n += hl;
		free(in);
	}
	assert_int_equal(sign_pa_doc_new(&doc), 0);
	/* no DG14 */
	assert_int_equal(sign_pa_verify(&r, doc, NULL, NULL), SIGN_ERR_NOT_FOUND);
	assert_int_equal(sign_pa_result_chipauth(r), SIGN_CHIPAUTH_NOT_SUPPORTED);
	sign_pa_result_free(r);
	/* DG14 without CA */
	assert_int_equal(sign_pa_doc_set_dg(doc, 14, dg14_ta, sizeof(dg14_ta)), 0);
	assert_int_equal(sign_pa_verify(&r, doc, NULL, NULL), SIGN_ERR_NOT_FOUND);
	assert_int_equal(sign_pa_result_chipauth(r), SIGN_CHIPAUTH_NOT_SUPPORTED);
	sign_pa_result_free(r);
	/* DG14 with CA, nothing live: not attempted offline */
	assert_int_equal(sign_pa_doc_set_dg(doc, 14, raw, n), 0);
	assert_int_equal(sign_pa_verify(&r, doc, NULL, NULL), SIGN_ERR_NOT_FOUND);
	assert_int_equal(sign_pa_result_chipauth(r), SIGN_CHIPAUTH_NOT_ATTEMPTED);
	assert_non_null(strstr(sign_pa_result_chipauth_message(r), "not attempted offline"));
	assert_false(sign_pa_result_genuine(r));
	sign_pa_result_free(r);
	/* the live outcome is reported as given (PA decides whether it counts) */
	assert_int_equal(sign_pa_doc_set_chipauth(doc, SIGN_CHIPAUTH_FAILED, "the chip lied"), 0);
	assert_int_equal(sign_pa_verify(&r, doc, NULL, NULL), SIGN_ERR_NOT_FOUND);
	assert_int_equal(sign_pa_result_chipauth(r), SIGN_CHIPAUTH_FAILED);
	assert_string_equal(sign_pa_result_chipauth_message(r), "the chip lied");
	sign_pa_result_free(r);
	assert_int_equal(sign_pa_doc_set_chipauth(doc, (sign_chipauth_verdict)7, NULL),
	    SIGN_ERR_INVALID_ARG);
	assert_int_equal(sign_pa_doc_set_chipauth(NULL, SIGN_CHIPAUTH_PASSED, NULL),
	    SIGN_ERR_INVALID_ARG);
	sign_pa_doc_free(doc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kdf_icao),
		cmocka_unit_test(test_kdf_sha256),
		cmocka_unit_test(test_cmac_rfc4493),
		cmocka_unit_test(test_aes_sm_transcript),
		cmocka_unit_test(test_aes_sm_tamper),
		cmocka_unit_test(test_aes_sm_full_replay),
		cmocka_unit_test(test_sm_new_args),
		cmocka_unit_test(test_agreement_appendix_g),
		cmocka_unit_test(test_host_chip_agree),
		cmocka_unit_test(test_bad_chip_key),
		cmocka_unit_test(test_select),
		cmocka_unit_test(test_select_spec_sample),
		cmocka_unit_test(test_commands),
		cmocka_unit_test(test_ga_check),
		cmocka_unit_test(test_genuine_rule),
		cmocka_unit_test(test_pa_chipauth),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
