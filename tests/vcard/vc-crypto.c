/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Card-side cryptography of the virtual CCCD, written from ICAO Doc 9303
 * part 11 and ISO/IEC 9796-2 / 9797-1 with OpenSSL's libcrypto.
 */
#include <string.h>

#include <stdio.h>
#include <openssl/core_names.h>
#include <openssl/dh.h>
#include <openssl/params.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include "vc.h"

/* one 3DES pass; cipher EVP_des_ede_cbc or _ecb, 16-byte key, IV zero */
static int
des_ede(const EVP_CIPHER *c, const uint8_t key[16], int enc, const uint8_t *in,
    size_t n, uint8_t *out)
{
	static const uint8_t iv[8];
	EVP_CIPHER_CTX *ctx = NULL;
	int l1 = 0, l2 = 0, r = -1;

	if (n % 8 != 0 || n > 0x7FFFFFF0)
		return -1;
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL)
		goto out;
	if (EVP_CipherInit_ex(ctx, c, NULL, key, iv, enc) != 1 ||
	    EVP_CIPHER_CTX_set_padding(ctx, 0) != 1 ||
	    EVP_CipherUpdate(ctx, out, &l1, in, (int)n) != 1 ||
	    EVP_CipherFinal_ex(ctx, out + l1, &l2) != 1 || (size_t)(l1 + l2) != n)
		goto out;
	r = 0;
out:
	EVP_CIPHER_CTX_free(ctx);
	return r;
}

int
vc_3des_cbc(const uint8_t key[16], int enc, const uint8_t *in, size_t n, uint8_t *out)
{
	return des_ede(EVP_des_ede_cbc(), key, enc, in, n, out);
}

/*
 * Retail MAC: single-DES CBC with Ka over all blocks, then D(Kb), E(Ka) on the
 * last.  Single DES lives in OpenSSL 3's legacy provider, so E(Ka) is done as
 * 3DES-EDE with the key Ka||Ka, and the final D(Kb)E(Ka) step as 3DES-EDE
 * with Ka||Kb (E_Ka(D_Kb(E_Ka(x)))).
 */
int
vc_retail_mac(const uint8_t key[16], const uint8_t *in, size_t n, uint8_t mac[8])
{
	uint8_t kaka[16], h[8] = { 0 }, x[8];
	size_t i, j;
	int r = -1;

	if (n == 0 || n % 8 != 0)
		return -1;
	memcpy(kaka, key, 8);
	memcpy(kaka + 8, key, 8);
	for (i = 0; i < n; i += 8) {
		for (j = 0; j < 8; j++)
			x[j] = h[j] ^ in[i + j];
		if (des_ede(EVP_des_ede_ecb(), i + 8 < n ? kaka : key, 1, x, 8, h) != 0)
			goto out;
	}
	memcpy(mac, h, 8);
	r = 0;
out:
	OPENSSL_cleanse(kaka, sizeof kaka);
	OPENSSL_cleanse(h, sizeof h);
	OPENSSL_cleanse(x, sizeof x);
	return r;
}

int
vc_pad(vbuf *b)
{
	return vc_pad_to(b, 8);
}

long
vc_unpad(const uint8_t *p, size_t n)
{
	while (n > 0 && p[n - 1] == 0)
		n--;
	if (n == 0 || p[n - 1] != 0x80)
		return -1;
	return (long)(n - 1);
}

int
vc_kdf_3des(const uint8_t seed[16], uint32_t c, uint8_t out[16])
{
	uint8_t d[20], h[20];
	unsigned int hl = 0;
	int i, b, r = -1;

	memcpy(d, seed, 16);
	d[16] = (uint8_t)(c >> 24);
	d[17] = (uint8_t)(c >> 16);
	d[18] = (uint8_t)(c >> 8);
	d[19] = (uint8_t)c;
	if (EVP_Digest(d, sizeof d, h, &hl, EVP_sha1(), NULL) != 1 || hl != 20)
		goto out;
	for (i = 0; i < 16; i++) { /* odd parity in the low bit */
		uint8_t v = h[i] & 0xFE;
		int ones = 0;

		for (b = 1; b < 8; b++)
			ones += (v >> b) & 1;
		out[i] = (uint8_t)(v | (ones % 2 == 0));
	}
	r = 0;
out:
	OPENSSL_cleanse(d, sizeof d);
	OPENSSL_cleanse(h, sizeof h);
	return r;
}

/* raw RSA private operation on a full-length block */
static int
rsa_raw_sign(EVP_PKEY *key, const uint8_t *f, size_t n, uint8_t *sig, size_t *siglen)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(key, NULL);
	int r = -1;

	if (ctx == NULL)
		return -1;
	if (EVP_PKEY_sign_init(ctx) == 1 &&
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_NO_PADDING) == 1 &&
	    EVP_PKEY_sign(ctx, sig, siglen, f, n) == 1)
		r = 0;
	EVP_PKEY_CTX_free(ctx);
	return r;
}

static int
aa_rsa(EVP_PKEY *key, const EVP_MD *md, const uint8_t *chal, size_t n, uint8_t *sig,
    size_t *siglen)
{
	uint8_t f[1024], hash[EVP_MAX_MD_SIZE];
	unsigned int hl = 0;
	size_t k, m1len, tl;
	EVP_MD_CTX *mctx = NULL;
	int bits = EVP_PKEY_get_bits(key), r = -1;

	if (bits < 1024 || bits % 8 != 0 || (size_t)bits / 8 > sizeof f)
		return -1;
	k = (size_t)bits / 8;
	tl = EVP_MD_get_type(md) == NID_sha1 ? 1 : 2;
	if (*siglen < k || k < (size_t)EVP_MD_get_size(md) + tl + 2)
		return -1;
	m1len = k - (size_t)EVP_MD_get_size(md) - tl - 1;
	f[0] = 0x6A; /* partial recovery, no padding bits */
	if (RAND_bytes(f + 1, (int)m1len) != 1)
		goto out;
	if ((mctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(mctx, md, NULL) != 1 ||
	    EVP_DigestUpdate(mctx, f + 1, m1len) != 1 ||
	    EVP_DigestUpdate(mctx, chal, n) != 1 ||
	    EVP_DigestFinal_ex(mctx, hash, &hl) != 1)
		goto out;
	memcpy(f + 1 + m1len, hash, hl);
	if (tl == 1) {
		f[k - 1] = 0xBC;
	} else {
		/* ISO/IEC 10118-3 hash identifier 34 = SHA-256, then CC */
		f[k - 2] = EVP_MD_get_type(md) == NID_sha256 ? 0x34 :
		    EVP_MD_get_type(md) == NID_sha384 ? 0x36 :
		    EVP_MD_get_type(md) == NID_sha512 ? 0x35 : 0x38;
		f[k - 1] = 0xCC;
	}
	r = rsa_raw_sign(key, f, k, sig, siglen);
out:
	EVP_MD_CTX_free(mctx);
	OPENSSL_cleanse(f, sizeof f);
	return r;
}

static int
aa_ec(EVP_PKEY *key, const EVP_MD *md, const uint8_t *chal, size_t n, uint8_t *sig,
    size_t *siglen)
{
	EVP_MD_CTX *mctx = NULL;
	ECDSA_SIG *es = NULL;
	uint8_t der[160];
	const uint8_t *q = der;
	const BIGNUM *br = NULL, *bs = NULL;
	BIGNUM *order = NULL;
	size_t dl = sizeof der, fl;
	int r = -1;

	if (EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_ORDER, &order) != 1)
		goto out;
	fl = (size_t)BN_num_bytes(order);
	if (*siglen < 2 * fl)
		goto out;
	if ((mctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit(mctx, NULL, md, NULL, key) != 1 ||
	    EVP_DigestSign(mctx, der, &dl, chal, n) != 1)
		goto out;
	if ((es = d2i_ECDSA_SIG(NULL, &q, (long)dl)) == NULL)
		goto out;
	ECDSA_SIG_get0(es, &br, &bs);
	if (BN_bn2binpad(br, sig, (int)fl) < 0 || BN_bn2binpad(bs, sig + fl, (int)fl) < 0)
		goto out;
	*siglen = 2 * fl;
	r = 0;
out:
	BN_free(order);
	ECDSA_SIG_free(es);
	EVP_MD_CTX_free(mctx);
	return r;
}

int
vc_aa_sign(EVP_PKEY *key, const EVP_MD *md, const uint8_t *chal, size_t n, uint8_t *sig,
    size_t *siglen)
{
	if (key == NULL || md == NULL)
		return -1;
	if (EVP_PKEY_is_a(key, "RSA"))
		return aa_rsa(key, md, chal, n, sig, siglen);
	if (EVP_PKEY_is_a(key, "EC"))
		return aa_ec(key, md, chal, n, sig, siglen);
	return -1;
}

/* ---- Chip Authentication and AES secure messaging (ICAO 9303-11 §6.2, §9.7.1, §9.8) ---- */

int
vc_ca_arc(const char *cipher)
{
	static const char *const names[] = { "3des", "aes128", "aes192", "aes256" };
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(cipher, names[i]) == 0)
			return (int)i + 1;
	return -1;
}

int
vc_pad_to(vbuf *b, size_t bs)
{
	static const uint8_t z[16];

	if (bs != 8 && bs != 16)
		return -1;
	if (vbuf_byte(b, 0x80) != 0)
		return -1;
	return vbuf_put(b, z, (bs - b->len % bs) % bs);
}

static const EVP_CIPHER *
vc_aes(size_t kl)
{
	return kl == 16 ? EVP_aes_128_cbc() : kl == 24 ? EVP_aes_192_cbc() :
	    kl == 32 ? EVP_aes_256_cbc() : NULL;
}

int
vc_aes_cbc(const uint8_t *key, size_t kl, const uint8_t iv[16], int enc, const uint8_t *in,
    size_t n, uint8_t *out)
{
	static const uint8_t zero[16];
	EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
	int a = 0, b = 0, r = -1;

	if (x == NULL || vc_aes(kl) == NULL || n % 16 != 0)
		goto out;
	if (n == 0) {
		r = 0;
		goto out;
	}
	if (EVP_CipherInit_ex(x, vc_aes(kl), NULL, key, iv != NULL ? iv : zero, enc) == 1 &&
	    EVP_CIPHER_CTX_set_padding(x, 0) == 1 &&
	    EVP_CipherUpdate(x, out, &a, in, (int)n) == 1 &&
	    EVP_CipherFinal_ex(x, out + a, &b) == 1 && (size_t)(a + b) == n)
		r = 0;
out:
	EVP_CIPHER_CTX_free(x);
	return r;
}

int
vc_aes_cmac8(const uint8_t *key, size_t kl, const uint8_t *in, size_t n, uint8_t mac[8])
{
	EVP_MAC *m = EVP_MAC_fetch(NULL, "CMAC", NULL);
	EVP_MAC_CTX *x = m != NULL ? EVP_MAC_CTX_new(m) : NULL;
	OSSL_PARAM p[2];
	uint8_t full[16];
	char name[16];
	size_t ol = 0;
	int r = -1;

	snprintf(name, sizeof name, "AES-%u-CBC", (unsigned)(kl * 8));
	p[0] = OSSL_PARAM_construct_utf8_string("cipher", name, 0);
	p[1] = OSSL_PARAM_construct_end();
	if (x != NULL && vc_aes(kl) != NULL && EVP_MAC_init(x, key, kl, p) == 1 &&
	    EVP_MAC_update(x, in, n) == 1 && EVP_MAC_final(x, full, &ol, sizeof full) == 1 &&
	    ol == 16) {
		memcpy(mac, full, 8);
		r = 0;
	}
	OPENSSL_cleanse(full, sizeof full);
	EVP_MAC_CTX_free(x);
	EVP_MAC_free(m);
	return r;
}

int
vc_ca_kdf(const uint8_t *secret, size_t n, int aes, size_t kl, uint32_t c, uint8_t *out)
{
	EVP_MD_CTX *x = EVP_MD_CTX_new();
	const EVP_MD *md = (!aes || kl == 16) ? EVP_sha1() : EVP_sha256();
	uint8_t ctr[4] = { (uint8_t)(c >> 24), (uint8_t)(c >> 16), (uint8_t)(c >> 8), (uint8_t)c };
	uint8_t h[32];
	unsigned int hl = 0;
	int r = -1, i, b;

	if (x != NULL && EVP_DigestInit_ex(x, md, NULL) == 1 &&
	    EVP_DigestUpdate(x, secret, n) == 1 && EVP_DigestUpdate(x, ctr, 4) == 1 &&
	    EVP_DigestFinal_ex(x, h, &hl) == 1 && hl >= kl) {
		memcpy(out, h, kl);
		if (!aes) {
			/* DES odd parity */
			for (i = 0; i < (int)kl; i++) {
				int ones = 0;

				for (b = 1; b < 8; b++)
					ones += (out[i] >> b) & 1;
				out[i] = (uint8_t)((out[i] & 0xFE) | ((ones & 1) ? 0 : 1));
			}
		}
		r = 0;
	}
	OPENSSL_cleanse(h, sizeof h);
	EVP_MD_CTX_free(x);
	return r;
}

int
vc_ca_agree(EVP_PKEY *priv, const uint8_t *pub, size_t n, uint8_t *secret, size_t *slen)
{
	EVP_PKEY *peer = EVP_PKEY_new();
	EVP_PKEY_CTX *x = NULL;
	int dh = EVP_PKEY_is_a(priv, "DH") || EVP_PKEY_is_a(priv, "DHX");
	int r = -1;

	if (peer == NULL || EVP_PKEY_copy_parameters(peer, priv) != 1 ||
	    EVP_PKEY_set1_encoded_public_key(peer, pub, n) != 1)
		goto out;
	if ((x = EVP_PKEY_CTX_new_from_pkey(NULL, priv, NULL)) == NULL ||
	    EVP_PKEY_derive_init(x) != 1 || (dh && EVP_PKEY_CTX_set_dh_pad(x, 1) != 1) ||
	    EVP_PKEY_derive_set_peer_ex(x, peer, 1) != 1 || EVP_PKEY_derive(x, secret, slen) != 1)
		goto out;
	r = 0;
out:
	EVP_PKEY_CTX_free(x);
	EVP_PKEY_free(peer);
	return r;
}
