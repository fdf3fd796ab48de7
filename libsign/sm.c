/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ISO 7816-4 secure messaging as ICAO 9303-11 §9.8 uses it, padding method
 * 2 throughout:
 *  - 3DES (BAC, CA with 3DES): 3DES-CBC with a zero IV, retail MAC (ISO
 *    9797-1 MAC algorithm 3) over SSC (8 bytes) || header padded to 8 ||
 *    data objects;
 *  - AES (CA with AES, §9.8.6.2): AES-CBC with IV = E(KS_enc, SSC), SSC 16
 *    bytes, AES-CMAC truncated to 8 bytes over SSC || header padded to 16 ||
 *    data objects, blocks of 16.
 *
 * OpenSSL 3 keeps single DES in the legacy provider only, so the single-DES
 * steps of the retail MAC use DES-EDE with the key K1||K1 (E_K1 D_K1 E_K1 =
 * E_K1), which the default provider has.
 */
#include "internal.h"
#include "sm.h"
#include "tlv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

struct sign_sm {
	sign_sm_cipher cipher;
	unsigned char ks_enc[32];
	unsigned char ks_mac[32];
	size_t key_len;
	unsigned char ssc[16];
	size_t bs;              /* block size = SSC size: 8 (3DES) or 16 (AES) */
	EVP_MAC *cmac;          /* AES: the CMAC implementation, fetched once */
	int dead;
};

/* Bound on protected data we build or accept: extended APDUs max out at
 * 65535 command bytes and 65536 response bytes. */
#define SM_MAX_DATA 65536u

/* ---- primitives ---- */

size_t
sign_sm__pad(unsigned char *buf, size_t len, size_t cap)
{
	return sign_sm__pad_block(buf, len, cap, 8);
}

size_t
sign_sm__pad_block(unsigned char *buf, size_t len, size_t cap, size_t bs)
{
	size_t n = len + 1;

	if (bs != 8 && bs != 16)
		return 0;
	while (n % bs != 0)
		n++;
	if (n > cap)
		return 0;
	buf[len] = 0x80;
	memset(buf + len + 1, 0, n - len - 1);
	return n;
}

/* len bytes (whole blocks, bounded by the caller) through cipher c without
 * padding; what names it in messages. */
static int
cipher_blocks(const EVP_CIPHER *c, const unsigned char *key, const unsigned char *iv,
    int encrypt, const unsigned char *in, size_t len, unsigned char *out, const char *what)
{
	EVP_CIPHER_CTX *ctx = NULL;
	int n = 0, m = 0, rc = 0;

	if (len == 0)
		return 0;
	ctx = EVP_CIPHER_CTX_new();
	if (ctx == NULL) {
		rc = sign_error__openssl(SIGN_ERR_NOMEM, "%s: out of memory", what);
		goto out;
	}
	if (EVP_CipherInit_ex(ctx, c, NULL, key, iv, encrypt) != 1 ||
	    EVP_CIPHER_CTX_set_padding(ctx, 0) != 1 ||
	    EVP_CipherUpdate(ctx, out, &n, in, (int)len) != 1 ||
	    EVP_CipherFinal_ex(ctx, out + n, &m) != 1 || (size_t)(n + m) != len) {
		rc = sign_error__openssl(SIGN_ERR_CRYPTO, "%s failed", what);
		goto out;
	}
out:
	EVP_CIPHER_CTX_free(ctx);
	return rc;
}

/* 3DES-EDE (two keys) in CBC or ECB with a zero IV; len a multiple of 8. */
static int
des_ede(const unsigned char key[16], int cbc, int encrypt, const unsigned char *in, size_t len,
    unsigned char *out)
{
	static const unsigned char iv[8] = { 0 };

	if (len % 8 != 0 || len > (size_t)SM_MAX_DATA + 16)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "3DES: bad data length %zu", len);
	return cipher_blocks(cbc ? EVP_des_ede_cbc() : EVP_des_ede_ecb(), key, cbc ? iv : NULL,
	    encrypt, in, len, out, "3DES");
}

int
sign_sm__3des_cbc(const unsigned char key[16], int encrypt, const unsigned char *in,
    size_t len, unsigned char *out)
{
	return des_ede(key, 1, encrypt, in, len, out);
}

int
sign_sm__retail_mac(const unsigned char key[16], const unsigned char *data, size_t len,
    unsigned char mac[8])
{
	unsigned char k1k1[16];
	unsigned char h[8] = { 0 };
	unsigned char *tmp = NULL;
	size_t i;
	int rc = 0;

	if (len == 0 || len % 8 != 0 || len > (size_t)SM_MAX_DATA + 64)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0,
		    "retail MAC: data of %zu bytes is not padded", len);
	memcpy(k1k1, key, 8);
	memcpy(k1k1 + 8, key, 8);
	if (len > 8) {
		/* Single-DES CBC with K1 over all blocks but the last. */
		tmp = malloc(len - 8);
		if (tmp == NULL) {
			rc = sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
			goto out;
		}
		if ((rc = des_ede(k1k1, 1, 1, data, len - 8, tmp)) < 0)
			goto out;
		memcpy(h, tmp + len - 16, 8);
	}
	/* Last block: E_K1(D_K2(E_K1(h xor last))) = 3DES-EDE(K1,K2). */
	for (i = 0; i < 8; i++)
		h[i] ^= data[len - 8 + i];
	if ((rc = des_ede(key, 0, 1, h, 8, mac)) < 0)
		goto out;
out:
	OPENSSL_cleanse(k1k1, sizeof(k1k1));
	OPENSSL_cleanse(h, sizeof(h));
	if (tmp != NULL)
		sign__freezero(tmp, len - 8);
	return rc;
}

/* AES-128/192/256 by key length; NULL for other lengths. */
static const EVP_CIPHER *
aes_cbc_for(size_t key_len)
{
	switch (key_len) {
	case 16: return EVP_aes_128_cbc();
	case 24: return EVP_aes_192_cbc();
	case 32: return EVP_aes_256_cbc();
	default: return NULL;
	}
}

int
sign_sm__aes_cbc(const unsigned char *key, size_t key_len, const unsigned char iv[16],
    int encrypt, const unsigned char *in, size_t len, unsigned char *out)
{
	static const unsigned char zero[16] = { 0 };
	const EVP_CIPHER *c = aes_cbc_for(key_len);

	if (c == NULL || key == NULL || len % 16 != 0 || len > (size_t)SM_MAX_DATA + 32)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0,
		    "AES: bad key (%zu bytes) or data length %zu", key_len, len);
	return cipher_blocks(c, key, iv != NULL ? iv : zero, encrypt, in, len, out, "AES");
}

static int
cmac_fetch(EVP_MAC **alg)
{
	*alg = EVP_MAC_fetch(NULL, "CMAC", NULL);
	if (*alg == NULL)
		return sign_error__openssl(SIGN_ERR_CRYPTO, "CMAC is not available in OpenSSL");
	return 0;
}

/* AES-CMAC with alg (cmac_fetch), truncated to 8 bytes. */
static int
aes_cmac_with(EVP_MAC *alg, const unsigned char *key, size_t key_len,
    const unsigned char *data, size_t len, unsigned char mac[8])
{
	EVP_MAC_CTX *ctx = NULL;
	OSSL_PARAM params[2];
	unsigned char full[16];
	char cipher[16];
	size_t outl = 0;
	int rc = 0;

	if (aes_cbc_for(key_len) == NULL || key == NULL || (data == NULL && len > 0) ||
	    len > (size_t)SM_MAX_DATA + 64)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0,
		    "CMAC: bad key (%zu bytes) or data length %zu", key_len, len);
	snprintf(cipher, sizeof(cipher), "AES-%zu-CBC", key_len * 8);
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER, cipher, 0);
	params[1] = OSSL_PARAM_construct_end();
	if ((ctx = EVP_MAC_CTX_new(alg)) == NULL) {
		rc = sign_error__openssl(SIGN_ERR_CRYPTO, "CMAC is not available in OpenSSL");
		goto out;
	}
	if (EVP_MAC_init(ctx, key, key_len, params) != 1 ||
	    EVP_MAC_update(ctx, data, len) != 1 ||
	    EVP_MAC_final(ctx, full, &outl, sizeof(full)) != 1 || outl != 16) {
		rc = sign_error__openssl(SIGN_ERR_CRYPTO, "AES-CMAC failed");
		goto out;
	}
	memcpy(mac, full, 8);
out:
	OPENSSL_cleanse(full, sizeof(full));
	EVP_MAC_CTX_free(ctx);
	return rc;
}

int
sign_sm__aes_cmac(const unsigned char *key, size_t key_len, const unsigned char *data,
    size_t len, unsigned char mac[8])
{
	EVP_MAC *alg = NULL;
	int rc;

	if ((rc = cmac_fetch(&alg)) == 0)
		rc = aes_cmac_with(alg, key, key_len, data, len, mac);
	EVP_MAC_free(alg);
	return rc;
}

/* ---- session ---- */

int
sign_sm__new(sign_sm **out, sign_sm_cipher cipher, const unsigned char *ks_enc,
    const unsigned char *ks_mac, size_t key_len, const unsigned char *ssc, size_t ssc_len)
{
	sign_sm *sm;
	int rc;

	if (out == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "secure messaging: NULL out");
	*out = NULL;
	if (cipher != SIGN_SM_3DES && cipher != SIGN_SM_AES)
		return sign_error__set(SIGN_ERR_UNSUPPORTED, 0,
		    "secure messaging: only 3DES and AES are supported");
	if (ks_enc == NULL || ks_mac == NULL || ssc == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "secure messaging: NULL key");
	if (cipher == SIGN_SM_3DES && (key_len != 16 || ssc_len != 8))
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0,
		    "secure messaging: 3DES needs 16-byte keys and an 8-byte SSC");
	if (cipher == SIGN_SM_AES && (aes_cbc_for(key_len) == NULL || ssc_len != 16))
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0,
		    "secure messaging: AES needs 16-, 24- or 32-byte keys and a 16-byte SSC");
	sm = calloc(1, sizeof(*sm));
	if (sm == NULL)
		return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
	if (cipher == SIGN_SM_AES && (rc = cmac_fetch(&sm->cmac)) != 0) {
		free(sm);
		return rc;
	}
	sm->cipher = cipher;
	sm->key_len = key_len;
	sm->bs = ssc_len;
	memcpy(sm->ks_enc, ks_enc, key_len);
	memcpy(sm->ks_mac, ks_mac, key_len);
	memcpy(sm->ssc, ssc, ssc_len);
	*out = sm;
	return 0;
}

void
sign_sm__free(sign_sm *sm)
{
	if (sm == NULL)
		return;
	EVP_MAC_free(sm->cmac);
	sign__freezero(sm, sizeof(*sm));
}

int
sign_sm__alive(const sign_sm *sm)
{
	return sm != NULL && !sm->dead;
}

sign_sm_cipher
sign_sm__cipher(const sign_sm *sm)
{
	return sm != NULL ? sm->cipher : SIGN_SM_3DES;
}

size_t
sign_sm__short_read_max(const sign_sm *sm)
{
	/* The protected answer (DO87 with the padded data, DO99, DO8E) must fit
	 * 256 bytes: 231 plain bytes under 3DES (232 padded), 223 under AES
	 * (224 padded). */
	return sm != NULL && sm->cipher == SIGN_SM_AES ? 223 : 231;
}

int
sign_sm__ssc(const sign_sm *sm, unsigned char *out, size_t len)
{
	if (sm == NULL || out == NULL || len != sm->bs)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "secure messaging: bad SSC buffer");
	memcpy(out, sm->ssc, sm->bs);
	return 0;
}

static void
ssc_inc(sign_sm *sm)
{
	size_t i;

	for (i = sm->bs; i > 0; i--)
		if (++sm->ssc[i - 1] != 0)
			break;
}

/* End the session: wipe the keys, refuse every later call. */
static void
kill_session(sign_sm *sm)
{
	OPENSSL_cleanse(sm->ks_enc, sizeof(sm->ks_enc));
	OPENSSL_cleanse(sm->ks_mac, sizeof(sm->ks_mac));
	OPENSSL_cleanse(sm->ssc, sizeof(sm->ssc));
	sm->dead = 1;
}

static int
dead_error(void)
{
	return sign_error__set(SIGN_ERR_SM, 0, "%s", SIGN_SM_MSG_DEAD);
}

/* Encrypt or decrypt whole blocks with KS_enc: 3DES-CBC with a zero IV, or
 * AES-CBC with IV = E(KS_enc, SSC) (the SSC as it is for this message). */
static int
sm_crypt(const sign_sm *sm, int encrypt, const unsigned char *in, size_t len,
    unsigned char *out)
{
	unsigned char iv[16];
	int rc;

	if (sm->cipher == SIGN_SM_3DES)
		return sign_sm__3des_cbc(sm->ks_enc, encrypt, in, len, out);
	/* One block in ECB = CBC with a zero IV. */
	if ((rc = sign_sm__aes_cbc(sm->ks_enc, sm->key_len, NULL, 1, sm->ssc, 16, iv)) == 0)
		rc = sign_sm__aes_cbc(sm->ks_enc, sm->key_len, iv, encrypt, in, len, out);
	OPENSSL_cleanse(iv, sizeof(iv));
	return rc;
}

/* MAC of SSC || data, data padded here (cap bytes in scratch). */
static int
mac_with_ssc(const sign_sm *sm, const unsigned char *data, size_t len, unsigned char mac[8])
{
	unsigned char *buf = NULL;
	size_t cap = sm->bs + len + sm->bs, n;
	int rc;

	buf = malloc(cap);
	if (buf == NULL)
		return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
	memcpy(buf, sm->ssc, sm->bs);
	if (len > 0)
		memcpy(buf + sm->bs, data, len);
	n = sign_sm__pad_block(buf, sm->bs + len, cap, sm->bs);
	if (sm->cipher == SIGN_SM_3DES)
		rc = sign_sm__retail_mac(sm->ks_mac, buf, n, mac);
	else
		rc = aes_cmac_with(sm->cmac, sm->ks_mac, sm->key_len, buf, n, mac);
	sign__freezero(buf, cap);
	return rc;
}

int
sign_sm__wrap(sign_sm *sm, const sign_apdu *cmd, sign_buf *out)
{
	unsigned char *m = NULL, *enc = NULL, *apdu = NULL;
	size_t mcap = 0, mlen = 0, enclen = 0, body, n, alen = 0, encap = 0, bs;
	unsigned char mac[8];
	int ext, rc = 0;

	if (sm == NULL || cmd == NULL || out == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "secure messaging: NULL argument");
	if (sm->dead)
		return dead_error();
	if (cmd->lc > 0xFFFF - 64 || (cmd->lc > 0 && cmd->data == NULL) || cmd->ne > 65536)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0,
		    "secure messaging: command data of %zu bytes or Le %zu out of range", cmd->lc,
		    cmd->ne);
	if ((cmd->cla & 0x0C) != 0 || cmd->cla == 0xFF)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0,
		    "secure messaging: CLA %02X already carries SM bits", cmd->cla);
	ext = cmd->extended || cmd->ne > 256;
	bs = sm->bs;

	/* The SSC counts this command first: AES takes its IV from it. */
	ssc_inc(sm);
	/* M = padded header || DO87/DO85 || DO97, then DO8E appended. */
	mcap = bs + bs + cmd->lc + bs + 4 + 10;
	m = malloc(mcap);
	if (m == NULL) {
		rc = sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
		goto out;
	}
	m[0] = (unsigned char)(cmd->cla | 0x0C);
	m[1] = cmd->ins;
	m[2] = cmd->p1;
	m[3] = cmd->p2;
	mlen = sign_sm__pad_block(m, 4, mcap, bs);
	if (cmd->lc > 0) {
		int odd = (cmd->ins & 1) != 0;

		encap = cmd->lc + bs;
		enc = malloc(encap + 1);
		if (enc == NULL) {
			rc = sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
			goto out;
		}
		/* enc[0] is the padding-content indicator of DO87. */
		enc[0] = 0x01;
		memcpy(enc + 1, cmd->data, cmd->lc);
		enclen = sign_sm__pad_block(enc + 1, cmd->lc, encap, bs);
		if ((rc = sm_crypt(sm, 1, enc + 1, enclen, enc + 1)) < 0)
			goto out;
		if (odd)
			rc = sign_tlv__put(m + mlen, mcap - mlen, 0x85, enc + 1, enclen, &n);
		else
			rc = sign_tlv__put(m + mlen, mcap - mlen, 0x87, enc, enclen + 1, &n);
		if (rc < 0)
			goto out;
		mlen += n;
	}
	if (cmd->ne > 0) {
		unsigned char le[2];
		size_t lelen;

		if (ext) {
			le[0] = (unsigned char)((cmd->ne >> 8) & 0xFF); /* 65536 -> 00 00 */
			le[1] = (unsigned char)(cmd->ne & 0xFF);
			lelen = 2;
		} else {
			le[0] = (unsigned char)(cmd->ne & 0xFF);        /* 256 -> 00 */
			lelen = 1;
		}
		if ((rc = sign_tlv__put(m + mlen, mcap - mlen, 0x97, le, lelen, &n)) < 0)
			goto out;
		mlen += n;
	}

	if ((rc = mac_with_ssc(sm, m, mlen, mac)) < 0)
		goto out;
	if ((rc = sign_tlv__put(m + mlen, mcap - mlen, 0x8E, mac, 8, &n)) < 0)
		goto out;
	mlen += n;

	/* The APDU: header, Lc, the DOs (after the padded header), Le. */
	body = mlen - bs;
	if (body > 255)
		ext = 1;
	alen = 4 + (ext ? 3 : 1) + body + (ext ? 2 : 1);
	apdu = malloc(alen);
	if (apdu == NULL) {
		rc = sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
		goto out;
	}
	memcpy(apdu, m, 4);
	n = 4;
	if (ext) {
		apdu[n++] = 0x00;
		apdu[n++] = (unsigned char)(body >> 8);
		apdu[n++] = (unsigned char)body;
	} else {
		apdu[n++] = (unsigned char)body;
	}
	memcpy(apdu + n, m + bs, body);
	n += body;
	apdu[n++] = 0x00;
	if (ext)
		apdu[n++] = 0x00;
	sign_buf_dispose(out);
	out->data = apdu;
	out->len = alen;
	apdu = NULL;
out:
	OPENSSL_cleanse(mac, sizeof(mac));
	if (m != NULL)
		sign__freezero(m, mcap);
	if (enc != NULL)
		sign__freezero(enc, encap + 1);
	if (apdu != NULL)
		sign__freezero(apdu, alen);
	return rc;
}

/* A failure while unwrapping: end the session and report. */
static int
unwrap_fail(sign_sm *sm, const char *why)
{
	kill_session(sm);
	if (why == NULL)
		return dead_error();
	return sign_error__set(SIGN_ERR_SM, 0,
	    "secure messaging: %s; the session is over (read the card again)", why);
}

int
sign_sm__unwrap(sign_sm *sm, const unsigned char *resp, size_t resp_len, sign_buf *data,
    unsigned int *sw)
{
	sign_tlv_iter it;
	sign_tlv t, do87, do99, do8e;
	int have87 = 0, have99 = 0, have8e = 0, is85 = 0, rc = 0;
	unsigned char mac[8];
	unsigned char *plain = NULL;
	size_t plen = 0, maced_len = 0, i, cut;
	unsigned int trailer;

	if (sm == NULL || data == NULL || sw == NULL || (resp == NULL && resp_len > 0))
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "secure messaging: NULL argument");
	if (sm->dead)
		return dead_error();
	memset(&do87, 0, sizeof(do87));
	memset(&do99, 0, sizeof(do99));
	memset(&do8e, 0, sizeof(do8e));
	if (resp_len < 2)
		return unwrap_fail(sm, "the card's answer has no status word");
	if (resp_len - 2 > SM_MAX_DATA + 64)
		return unwrap_fail(sm, "the card's answer is too long");
	trailer = ((unsigned)resp[resp_len - 2] << 8) | resp[resp_len - 1];
	ssc_inc(sm);

	if (resp_len == 2) {
		/* A bare status word: never data, and never a success. */
		if (trailer == 0x9000 || (trailer & 0xFF00) == 0x6100)
			return unwrap_fail(sm, "the card answered success without protection");
		if (trailer == 0x6987 || trailer == 0x6988)
			return unwrap_fail(sm, trailer == 0x6987 ?
			    "the card reports missing SM data objects (6987)" :
			    "the card reports wrong SM data objects (6988)");
		sign_buf_dispose(data);
		*sw = trailer;
		return 0;
	}

	sign_tlv__iter_init_buf(&it, resp, resp_len - 2, 0, "SM response");
	while ((rc = sign_tlv__next(&it, &t)) > 0) {
		if (have8e)
			return unwrap_fail(sm, "data objects after the MAC (DO8E)");
		switch (t.tag) {
		case 0x85:
		case 0x87:
			if (have87 || have99)
				return unwrap_fail(sm, "duplicate or misplaced encrypted data object");
			do87 = t;
			have87 = 1;
			is85 = t.tag == 0x85;
			break;
		case 0x99:
			if (have99)
				return unwrap_fail(sm, "duplicate status object DO99");
			do99 = t;
			have99 = 1;
			break;
		case 0x8E:
			do8e = t;
			have8e = 1;
			maced_len = (size_t)(t.raw - resp);
			break;
		default:
			return unwrap_fail(sm, "unexpected data object in the card's answer");
		}
	}
	if (rc < 0)
		return unwrap_fail(sm, "malformed data objects in the card's answer");
	if (!have8e)
		return unwrap_fail(sm, "the card's answer has no MAC (DO8E)");
	if (do8e.len != 8)
		return unwrap_fail(sm, "the card's MAC (DO8E) is not 8 bytes");

	/* MAC first, in constant time; nothing is decrypted before it holds. */
	if ((rc = mac_with_ssc(sm, resp, maced_len, mac)) < 0) {
		kill_session(sm);
		goto out;
	}
	if (CRYPTO_memcmp(mac, do8e.value, 8) != 0) {
		rc = unwrap_fail(sm, NULL);
		goto out;
	}
	if (!have99 || do99.len != 2) {
		rc = unwrap_fail(sm, "the card's answer has no status object DO99");
		goto out;
	}
	*sw = ((unsigned)do99.value[0] << 8) | do99.value[1];
	if (*sw != trailer) {
		rc = unwrap_fail(sm, "the protected status word differs from the plain one");
		goto out;
	}
	if (have87) {
		const unsigned char *c = do87.value;
		size_t clen = do87.len;

		if (!is85) {
			if (clen < 1 || c[0] != 0x01) {
				rc = unwrap_fail(sm, "DO87 without the padding indicator 01");
				goto out;
			}
			c++;
			clen--;
		}
		if (clen == 0 || clen % sm->bs != 0) {
			rc = unwrap_fail(sm, "encrypted data is not a whole number of blocks");
			goto out;
		}
		plain = malloc(clen);
		if (plain == NULL) {
			rc = sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
			goto out;
		}
		plen = clen;
		if ((rc = sm_crypt(sm, 0, c, clen, plain)) < 0) {
			kill_session(sm);
			goto out;
		}
		/* Padding method 2: the last 0x80 followed only by zeros, within
		 * the last block. */
		cut = plen;
		for (i = plen; i > 0 && plen - i < sm->bs; i--) {
			if (plain[i - 1] == 0x80) {
				cut = i - 1;
				break;
			}
			if (plain[i - 1] != 0x00)
				break;
		}
		if (cut == plen) {
			rc = unwrap_fail(sm, "bad padding in the decrypted data");
			goto out;
		}
		if ((rc = sign_buf__set(data, plain, cut)) < 0)
			goto out;
	} else {
		sign_buf_dispose(data);
	}
out:
	OPENSSL_cleanse(mac, sizeof(mac));
	if (plain != NULL)
		sign__freezero(plain, plen);
	return rc;
}

/* ---- READ BINARY ---- */

int
sign_sm__read_binary_cmd(sign_apdu *cmd, size_t offset, size_t ne, int extended,
    unsigned char *buf, size_t buf_len)
{
	if (cmd == NULL || ne == 0 || ne > 65536 || offset > 0xFFFFFF)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0,
		    "READ BINARY: offset %zu or length %zu out of range", offset, ne);
	memset(cmd, 0, sizeof(*cmd));
	cmd->cla = 0x00;
	cmd->extended = extended;
	if (offset <= 0x7FFF) {
		cmd->ins = 0xB0;
		cmd->p1 = (unsigned char)(offset >> 8);
		cmd->p2 = (unsigned char)offset;
		cmd->ne = ne;
		return 0;
	}
	if (buf == NULL || buf_len < 5)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "READ BINARY: buffer too small");
	cmd->ins = 0xB1;
	buf[0] = 0x54;
	if (offset <= 0xFFFF) {
		buf[1] = 2;
		buf[2] = (unsigned char)(offset >> 8);
		buf[3] = (unsigned char)offset;
		cmd->lc = 4;
	} else {
		buf[1] = 3;
		buf[2] = (unsigned char)(offset >> 16);
		buf[3] = (unsigned char)(offset >> 8);
		buf[4] = (unsigned char)offset;
		cmd->lc = 5;
	}
	cmd->data = buf;
	/* The answer is DO53: leave room for its header. */
	ne += 1 + sign_tlv__len_size(ne);
	cmd->ne = ne > 65536 ? 65536 : ne;
	if (cmd->ne > 256)
		cmd->extended = 1;
	return 0;
}

int
sign_sm__read_binary_data(const sign_apdu *cmd, const unsigned char *plain, size_t plain_len,
    const unsigned char **data, size_t *data_len)
{
	sign_tlv t;
	int rc;

	if (cmd == NULL || data == NULL || data_len == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "READ BINARY: NULL argument");
	if (cmd->ins != 0xB1) {
		*data = plain;
		*data_len = plain_len;
		return 0;
	}
	if ((rc = sign_tlv__expect(&t, plain, plain_len, 0x53, 0, "READ BINARY (B1) answer")) < 0)
		return sign_error__set(SIGN_ERR_CARD_RESPONSE, 0, "%s", sign_error_message());
	*data = t.value;
	*data_len = t.len;
	return 0;
}
