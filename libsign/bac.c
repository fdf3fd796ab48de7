/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Basic Access Control, host side (ICAO 9303-11 §4.3 and App. D). */
#include "internal.h"
#include "sm.h"
#include "chipauth.h"
#include "mrtd_priv.h"

#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

struct sign_bac {
	unsigned char k_enc[16];
	unsigned char k_mac[16];
	unsigned char rnd_ifd[8];
	unsigned char k_ifd[16];
	unsigned char rnd_ic[8];
	int injected;     /* rnd_ifd/k_ifd given by a test */
	int challenged;   /* ext_auth_data was built */
};

void
sign_bac__parity(unsigned char *key, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char b = key[i] & 0xFE;
		unsigned char x = b;

		x ^= x >> 4;
		x ^= x >> 2;
		x ^= x >> 1;
		/* odd parity: set the low bit when the upper 7 bits have even weight */
		key[i] = (unsigned char)(b | ((x & 1) ^ 1));
	}
}

static int
sha1(const unsigned char *data, size_t len, unsigned char out[20])
{
	unsigned int n = 0;

	if (EVP_Digest(data, len, out, &n, EVP_sha1(), NULL) != 1 || n != 20)
		return sign_error__openssl(SIGN_ERR_CRYPTO, "SHA-1 failed");
	return 0;
}

/* The key of counter from seed: the 9303-11 §9.7.1 KDF with a 3DES key, as
 * Chip Authentication's 3DES case (one KDF: sign_ca__kdf). */
int
sign_bac__derive(const unsigned char *seed, size_t seed_len, uint32_t counter,
    unsigned char out[16])
{
	if (seed == NULL || seed_len == 0 || seed_len > 64 || out == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "BAC: bad key seed");
	return sign_ca__kdf(seed, seed_len, SIGN_SM_3DES, 16, counter, out);
}

int
sign_bac__kseed(const sign_mrz_key *key, unsigned char kseed[16])
{
	const char *info = NULL;
	size_t len = 0;
	unsigned char h[20];
	int rc;

	if ((rc = sign_mrz_key__info(key, &info, &len)) < 0)
		return rc;
	if ((rc = sha1((const unsigned char *)info, len, h)) == 0)
		memcpy(kseed, h, 16);
	OPENSSL_cleanse(h, sizeof(h));
	return rc;
}

int
sign_bac__new(sign_bac **out, const sign_mrz_key *key)
{
	sign_bac *bac = NULL;
	unsigned char seed[16];
	int rc;

	if (out == NULL || key == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "BAC: NULL argument");
	*out = NULL;
	bac = calloc(1, sizeof(*bac));
	if (bac == NULL)
		return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
	if ((rc = sign_bac__kseed(key, seed)) < 0 ||
	    (rc = sign_bac__derive(seed, 16, 1, bac->k_enc)) < 0 ||
	    (rc = sign_bac__derive(seed, 16, 2, bac->k_mac)) < 0)
		goto out;
	*out = bac;
	bac = NULL;
out:
	OPENSSL_cleanse(seed, sizeof(seed));
	sign_bac__free(bac);
	return rc;
}

void
sign_bac__free(sign_bac *bac)
{
	sign__freezero(bac, bac != NULL ? sizeof(*bac) : 0);
}

int
sign_bac__set_random(sign_bac *bac, const unsigned char rnd_ifd[8],
    const unsigned char k_ifd[16])
{
	if (bac == NULL || rnd_ifd == NULL || k_ifd == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "BAC: NULL argument");
	memcpy(bac->rnd_ifd, rnd_ifd, 8);
	memcpy(bac->k_ifd, k_ifd, 16);
	bac->injected = 1;
	return 0;
}

/* Retail MAC of data (a multiple of 8) padded once more, as 9303 does for
 * M_IFD and M_IC. */
static int
mac_padded(const unsigned char key[16], const unsigned char *data, size_t len,
    unsigned char mac[8])
{
	unsigned char buf[48];
	size_t n;

	if (len + 8 > sizeof(buf))
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "BAC: MAC input too long");
	memcpy(buf, data, len);
	n = sign_sm__pad(buf, len, sizeof(buf));
	return sign_sm__retail_mac(key, buf, n, mac);
}

int
sign_bac__ext_auth_data(sign_bac *bac, const unsigned char rnd_ic[8], unsigned char out[40])
{
	unsigned char s[32];
	int rc;

	if (bac == NULL || rnd_ic == NULL || out == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "BAC: NULL argument");
	if (!bac->injected) {
		if (RAND_bytes(bac->rnd_ifd, 8) != 1 || RAND_bytes(bac->k_ifd, 16) != 1)
			return sign_error__openssl(SIGN_ERR_CRYPTO, "BAC: no random numbers");
	}
	bac->injected = 0;
	memcpy(bac->rnd_ic, rnd_ic, 8);
	memcpy(s, bac->rnd_ifd, 8);
	memcpy(s + 8, rnd_ic, 8);
	memcpy(s + 16, bac->k_ifd, 16);
	if ((rc = sign_sm__3des_cbc(bac->k_enc, 1, s, 32, out)) < 0)
		goto out;
	if ((rc = mac_padded(bac->k_mac, out, 32, out + 32)) < 0)
		goto out;
	bac->challenged = 1;
out:
	OPENSSL_cleanse(s, sizeof(s));
	return rc;
}

int
sign_bac__finish(sign_bac *bac, const unsigned char *resp, size_t resp_len, sign_sm **out)
{
	unsigned char mac[8], r[32], seed[16], ks_enc[16], ks_mac[16], ssc[8];
	size_t i;
	int rc = 0;

	if (bac == NULL || resp == NULL || out == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "BAC: NULL argument");
	*out = NULL;
	if (!bac->challenged)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0,
		    "BAC: EXTERNAL AUTHENTICATE data was not built");
	if (resp_len != 40) {
		rc = sign_error__set(SIGN_ERR_CARD_RESPONSE, 0,
		    "BAC: the card's EXTERNAL AUTHENTICATE answer has %zu bytes, expected 40",
		    resp_len);
		goto out;
	}
	if ((rc = mac_padded(bac->k_mac, resp, 32, mac)) < 0)
		goto out;
	if (CRYPTO_memcmp(mac, resp + 32, 8) != 0) {
		rc = sign_error__set(SIGN_ERR_AUTH_FAILED, 0,
		    "BAC: the card's answer does not carry our MAC: the MRZ key (document "
		    "number, date of birth, expiry) does not match this card");
		goto out;
	}
	if ((rc = sign_sm__3des_cbc(bac->k_enc, 0, resp, 32, r)) < 0)
		goto out;
	/* R = RND.IC || RND.IFD || K.IC */
	if (CRYPTO_memcmp(r + 8, bac->rnd_ifd, 8) != 0 || CRYPTO_memcmp(r, bac->rnd_ic, 8) != 0) {
		rc = sign_error__set(SIGN_ERR_AUTH_FAILED, 0,
		    "BAC: the card did not echo our challenge: mutual authentication failed");
		goto out;
	}
	for (i = 0; i < 16; i++)
		seed[i] = bac->k_ifd[i] ^ r[16 + i];
	if ((rc = sign_bac__derive(seed, 16, 1, ks_enc)) < 0 ||
	    (rc = sign_bac__derive(seed, 16, 2, ks_mac)) < 0)
		goto out;
	memcpy(ssc, bac->rnd_ic + 4, 4);
	memcpy(ssc + 4, bac->rnd_ifd + 4, 4);
	if ((rc = sign_sm__new(out, SIGN_SM_3DES, ks_enc, ks_mac, 16, ssc, 8)) < 0)
		goto out;
out:
	/* One attempt per challenge. */
	bac->challenged = 0;
	OPENSSL_cleanse(bac->rnd_ifd, sizeof(bac->rnd_ifd));
	OPENSSL_cleanse(bac->k_ifd, sizeof(bac->k_ifd));
	OPENSSL_cleanse(mac, sizeof(mac));
	OPENSSL_cleanse(r, sizeof(r));
	OPENSSL_cleanse(seed, sizeof(seed));
	OPENSSL_cleanse(ks_enc, sizeof(ks_enc));
	OPENSSL_cleanse(ks_mac, sizeof(ks_mac));
	OPENSSL_cleanse(ssc, sizeof(ssc));
	return rc;
}
