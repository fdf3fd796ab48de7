/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Chip Authentication, host side (ICAO 9303-11 §6.2 and §9.7.1; BSI
 * TR-03110-1 §3.4, version 1 with the ICAO protocol OIDs
 * id-CA-DH/ECDH-3DES-CBC-CBC and id-CA-DH/ECDH-AES-CBC-CMAC-128/192/256).
 *
 * Choices:
 *  - 3DES protocols use MSE:Set KAT (0022 41A6: 91 ephemeral public key,
 *    84 keyId), which every CA chip implements for 3DES; AES protocols use
 *    MSE:Set AT (0022 41A4: 80 protocol OID, 84 keyId) then GENERAL
 *    AUTHENTICATE (0086 0000: 7C { 80 ephemeral public key }), as 9303-11
 *    requires for AES.  keyId is sent when DG14 holds more than one CA key
 *    (the chip must then be told which), and never otherwise.
 *  - The chip's key is checked before use (EVP_PKEY_public_check: a point
 *    on the curve, a DH value in range) and the ephemeral key is made on
 *    the same domain parameters, explicit ones included.
 *  - The shared secret: ECDH the X coordinate of the shared point, DH the
 *    value as long as p (leading zeros kept), as 9303-11 §9.7.1 and BSI
 *    TR-03111 say.
 */
#include "chipauth.h"
#include "pa_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/dh.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

/* Bound on an ephemeral public key: DH with a 4096-bit p, or an
 * uncompressed point on a 521-bit curve. */
#define CA_MAX_PUB 520u
#define CA_MAX_SECRET 520u

#define OID_CA_DH   "0.4.0.127.0.7.2.2.3.1."
#define OID_CA_ECDH "0.4.0.127.0.7.2.2.3.2."
#define OID_PK_DH   "0.4.0.127.0.7.2.2.1.1"
#define OID_PK_ECDH "0.4.0.127.0.7.2.2.1.2"

struct sign_ca__ctx {
	sign_ca__params p;
	EVP_PKEY *chip;
	EVP_PKEY *eph;
	unsigned char *pub;
	size_t pub_len;
};

/* The cipher of a CA protocol OID's last arc: 1 3DES, 2..4 AES-128/192/256. */
static int
ca_cipher(const char *oid, int *dh, sign_sm_cipher *cipher, size_t *key_len)
{
	const char *c;

	if (strncmp(oid, OID_CA_DH, strlen(OID_CA_DH)) == 0) {
		*dh = 1;
		c = oid + strlen(OID_CA_DH);
	} else if (strncmp(oid, OID_CA_ECDH, strlen(OID_CA_ECDH)) == 0) {
		*dh = 0;
		c = oid + strlen(OID_CA_ECDH);
	} else {
		return -1;
	}
	if (c[0] < '1' || c[0] > '4' || c[1] != '\0')
		return -1;
	*cipher = c[0] == '1' ? SIGN_SM_3DES : SIGN_SM_AES;
	*key_len = c[0] == '1' || c[0] == '2' ? 16 : c[0] == '3' ? 24 : 32;
	return 0;
}

int
sign_ca__select(const sign_dg14 *dg14, sign_ca__params *out)
{
	size_t i, k, n = sign_dg14_count(dg14), nkeys = 0, best_rank = 0;
	int seen_ca = 0;

	if (out == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "sign_ca__select: NULL out");
	memset(out, 0, sizeof(*out));
	for (k = 0; k < n; k++)
		if (sign_dg14_kind(dg14, k) == SIGN_SECINFO_CA_PUBKEY)
			nkeys++;
	for (i = 0; i < n; i++) {
		const char *oid = sign_dg14_oid(dg14, i);
		const unsigned char *der = NULL;
		size_t rank, der_len = 0, match = n, candidates = 0;
		sign_ca__params c;
		long kid;

		if (sign_dg14_kind(dg14, i) != SIGN_SECINFO_CA)
			continue;
		seen_ca = 1;
		memset(&c, 0, sizeof(c));
		if (ca_cipher(oid, &c.dh, &c.cipher, &c.key_len) != 0)
			continue;
		kid = sign_dg14_key_id(dg14, i);
		for (k = 0; k < n; k++) {
			const char *koid = sign_dg14_oid(dg14, k);

			if (sign_dg14_kind(dg14, k) != SIGN_SECINFO_CA_PUBKEY ||
			    strcmp(koid, c.dh ? OID_PK_DH : OID_PK_ECDH) != 0)
				continue;
			if (kid >= 0 && sign_dg14_key_id(dg14, k) != kid)
				continue;
			candidates++;
			match = k;
		}
		/* Without a keyId the key must be the only one of its kind. */
		if (candidates != 1)
			continue;
		if (sign_dg14__oid_der(dg14, i, &der, &der_len) != 0 || der_len > sizeof(c.oid) ||
		    sign_dg14_ca_pubkey(dg14, match, &c.spki, &c.spki_len) != 0) {
			sign_error_clear();
			continue;
		}
		memcpy(c.oid, der, der_len);
		c.oid_len = der_len;
		c.use_kat = c.cipher == SIGN_SM_3DES;
		c.key_id = nkeys > 1 ? sign_dg14_key_id(dg14, match) : -1;
		snprintf(c.name, sizeof(c.name), "%s", sign_dg14_name(dg14, i));
		rank = c.cipher == SIGN_SM_3DES ? 1 : c.key_len;
		if (rank > best_rank) {
			best_rank = rank;
			*out = c;
		}
	}
	if (best_rank == 0)
		return sign_error__set(SIGN_ERR_NOT_FOUND, 0, seen_ca ?
		    "DG14 names Chip Authentication, but no protocol this reader implements with "
		    "a matching ChipAuthenticationPublicKeyInfo" :
		    "DG14 has no ChipAuthenticationInfo: the chip does not offer Chip "
		    "Authentication");
	return 0;
}

int
sign_ca__kdf(const unsigned char *secret, size_t secret_len, sign_sm_cipher cipher,
    size_t key_len, uint32_t counter, unsigned char *out)
{
	unsigned char h[EVP_MAX_MD_SIZE];
	unsigned char ctr[4];
	const EVP_MD *md;
	EVP_MD_CTX *m = NULL;
	unsigned int hl = 0;
	int rc = 0;

	if (secret == NULL || out == NULL || secret_len == 0 || secret_len > CA_MAX_SECRET)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "KDF: bad secret");
	if (cipher == SIGN_SM_3DES && key_len == 16)
		md = EVP_sha1();
	else if (cipher == SIGN_SM_AES && key_len == 16)
		md = EVP_sha1();
	else if (cipher == SIGN_SM_AES && (key_len == 24 || key_len == 32))
		md = EVP_sha256();
	else
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "KDF: no key of %zu bytes", key_len);
	ctr[0] = (unsigned char)(counter >> 24);
	ctr[1] = (unsigned char)(counter >> 16);
	ctr[2] = (unsigned char)(counter >> 8);
	ctr[3] = (unsigned char)counter;
	m = EVP_MD_CTX_new();
	if (m == NULL || EVP_DigestInit_ex(m, md, NULL) != 1 ||
	    EVP_DigestUpdate(m, secret, secret_len) != 1 || EVP_DigestUpdate(m, ctr, 4) != 1 ||
	    EVP_DigestFinal_ex(m, h, &hl) != 1 || hl < key_len) {
		rc = sign_error__openssl(SIGN_ERR_CRYPTO, "KDF: hash failed");
		goto out;
	}
	memcpy(out, h, key_len);
	if (cipher == SIGN_SM_3DES)
		sign_bac__parity(out, key_len);
out:
	OPENSSL_cleanse(h, sizeof(h));
	EVP_MD_CTX_free(m);
	return rc;
}

/* The ephemeral public key in the form the chip takes. */
static int
encode_pub(sign_ca__ctx *c)
{
	unsigned char *pub = NULL;
	size_t n;

	OPENSSL_free(c->pub);
	c->pub = NULL;
	c->pub_len = 0;
	n = EVP_PKEY_get1_encoded_public_key(c->eph, &pub);
	if (n == 0 || pub == NULL)
		return sign_error__openssl(SIGN_ERR_CRYPTO,
		    "Chip Authentication: cannot encode the ephemeral public key");
	if (n > CA_MAX_PUB) {
		OPENSSL_free(pub);
		return sign_error__set(SIGN_ERR_UNSUPPORTED, 0,
		    "Chip Authentication: a key of %zu bytes is larger than supported", n);
	}
	c->pub = pub;
	c->pub_len = n;
	return 0;
}

int
sign_ca__new(sign_ca__ctx **out, const sign_ca__params *p)
{
	sign_ca__ctx *c = NULL;
	EVP_PKEY_CTX *kc = NULL;
	const unsigned char *q;
	int rc = 0, id;

	if (out == NULL || p == NULL || p->spki == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "sign_ca__new: NULL argument");
	*out = NULL;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
	c->p = *p;
	q = p->spki;
	c->chip = d2i_PUBKEY(NULL, &q, (long)p->spki_len);
	if (c->chip == NULL || q != p->spki + p->spki_len) {
		rc = sign_error__openssl(SIGN_ERR_MALFORMED,
		    "DG14: the Chip Authentication public key does not parse");
		goto out;
	}
	id = EVP_PKEY_get_base_id(c->chip);
	if ((p->dh && id != EVP_PKEY_DH && id != EVP_PKEY_DHX) || (!p->dh && id != EVP_PKEY_EC)) {
		rc = sign_error__set(SIGN_ERR_MALFORMED, 0,
		    "DG14: the Chip Authentication key is not a %s key", p->dh ? "DH" : "EC");
		goto out;
	}
	kc = EVP_PKEY_CTX_new_from_pkey(NULL, c->chip, NULL);
	if (kc == NULL) {
		rc = sign_error__openssl(SIGN_ERR_NOMEM, "out of memory");
		goto out;
	}
	if (EVP_PKEY_public_check(kc) != 1) {
		rc = sign_error__openssl(SIGN_ERR_MALFORMED,
		    "DG14: the Chip Authentication public key is not valid (not on its curve or "
		    "out of range)");
		goto out;
	}
	if (EVP_PKEY_keygen_init(kc) != 1 || EVP_PKEY_keygen(kc, &c->eph) != 1) {
		rc = sign_error__openssl(SIGN_ERR_CRYPTO,
		    "Chip Authentication: cannot make a key on the chip's domain parameters");
		goto out;
	}
	if ((rc = encode_pub(c)) != 0)
		goto out;
	*out = c;
	c = NULL;
out:
	EVP_PKEY_CTX_free(kc);
	sign_ca__free(c);
	return rc;
}

void
sign_ca__free(sign_ca__ctx *ctx)
{
	if (ctx == NULL)
		return;
	EVP_PKEY_free(ctx->chip);
	EVP_PKEY_free(ctx->eph);   /* OpenSSL clears private key material on free */
	OPENSSL_free(ctx->pub);
	OPENSSL_cleanse(ctx, sizeof(*ctx));
	free(ctx);
}

const unsigned char *
sign_ca__eph_pub(const sign_ca__ctx *ctx, size_t *len)
{
	if (ctx == NULL || len == NULL)
		return NULL;
	*len = ctx->pub_len;
	return ctx->pub;
}

int
sign_ca__set_eph(sign_ca__ctx *ctx, void *evp_pkey)
{
	EVP_PKEY *k = evp_pkey;

	if (ctx == NULL || k == NULL || EVP_PKEY_up_ref(k) != 1)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "sign_ca__set_eph: NULL");
	EVP_PKEY_free(ctx->eph);
	ctx->eph = k;
	if (encode_pub(ctx) != 0)
		sign_error_clear();
	return 0;
}

/* Append tag || length || value (short or long form, up to 0xFFFF). */
static int
put(sign_buf *b, size_t cap, unsigned int tag, const unsigned char *v, size_t n)
{
	size_t used;
	int rc;

	rc = sign_tlv__put(b->data + b->len, cap - b->len, tag, v, n, &used);
	if (rc == 0)
		b->len += used;
	return rc;
}

/* keyId as the minimal big-endian INTEGER contents (non-negative). */
static size_t
key_id_bytes(long id, unsigned char out[9])
{
	unsigned char tmp[8];
	size_t n = 0, i;
	unsigned long v = (unsigned long)id;

	do {
		tmp[n++] = (unsigned char)(v & 0xFF);
		v >>= 8;
	} while (v != 0 && n < sizeof(tmp));
	i = 0;
	if (tmp[n - 1] & 0x80)
		out[i++] = 0x00;
	while (n > 0)
		out[i++] = tmp[--n];
	return i;
}

static int
new_buf(sign_buf *out, size_t cap)
{
	sign_buf_dispose(out);
	out->data = malloc(cap);
	out->len = 0;
	return out->data != NULL ? 0 : sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
}

/* MSE:Set data: tag || value (0x91 the ephemeral key for KAT, 0x80 the
 * protocol OID for AT), then 0x84 keyId when DG14 names one. */
static int
mse_data(const sign_ca__ctx *ctx, unsigned int tag, const unsigned char *v, size_t n,
    sign_buf *out)
{
	unsigned char kid[9];
	size_t cap = n + 32;
	int rc;

	if ((rc = new_buf(out, cap)) != 0)
		return rc;
	rc = put(out, cap, tag, v, n);
	if (rc == 0 && ctx->p.key_id >= 0)
		rc = put(out, cap, 0x84, kid, key_id_bytes(ctx->p.key_id, kid));
	if (rc != 0)
		sign_buf_dispose(out);
	return rc;
}

int
sign_ca__mse_kat_data(const sign_ca__ctx *ctx, sign_buf *out)
{
	if (ctx == NULL || out == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "sign_ca__mse_kat_data: NULL");
	return mse_data(ctx, 0x91, ctx->pub, ctx->pub_len, out);
}

int
sign_ca__mse_at_data(const sign_ca__ctx *ctx, sign_buf *out)
{
	if (ctx == NULL || out == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "sign_ca__mse_at_data: NULL");
	return mse_data(ctx, 0x80, ctx->p.oid, ctx->p.oid_len, out);
}

int
sign_ca__ga_data(const sign_ca__ctx *ctx, sign_buf *out)
{
	unsigned char inner[CA_MAX_PUB + 8];
	size_t n = 0, cap;
	int rc;

	if (ctx == NULL || out == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "sign_ca__ga_data: NULL");
	if ((rc = sign_tlv__put(inner, sizeof(inner), 0x80, ctx->pub, ctx->pub_len, &n)) != 0)
		return rc;
	cap = n + 8;
	if ((rc = new_buf(out, cap)) != 0)
		return rc;
	if ((rc = put(out, cap, 0x7C, inner, n)) != 0)
		sign_buf_dispose(out);
	return rc;
}

int
sign_ca__ga_check(const unsigned char *resp, size_t len)
{
	sign_tlv t;

	if (sign_tlv__expect(&t, resp, len, 0x7C, 0, "GENERAL AUTHENTICATE answer") != 0 ||
	    t.len != 0) {
		sign_error_clear();
		return sign_error__set(SIGN_ERR_CARD_RESPONSE, 0,
		    "the chip's GENERAL AUTHENTICATE answer is not an empty 7C object");
	}
	return 0;
}

int
sign_ca__derive_secret(sign_ca__ctx *ctx, sign_buf *out)
{
	EVP_PKEY_CTX *dc = NULL;
	unsigned char *secret = NULL;
	size_t slen = 0, cap = 0;
	int rc = 0;

	if (ctx == NULL || out == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "sign_ca__derive_secret: NULL");
	dc = EVP_PKEY_CTX_new_from_pkey(NULL, ctx->eph, NULL);
	if (dc == NULL || EVP_PKEY_derive_init(dc) != 1 ||
	    (ctx->p.dh && EVP_PKEY_CTX_set_dh_pad(dc, 1) != 1) ||
	    EVP_PKEY_derive_set_peer_ex(dc, ctx->chip, 1) != 1 ||
	    EVP_PKEY_derive(dc, NULL, &cap) != 1 || cap == 0 || cap > CA_MAX_SECRET) {
		rc = sign_error__openssl(SIGN_ERR_CRYPTO, "Chip Authentication: key agreement failed");
		goto out;
	}
	secret = malloc(cap);
	if (secret == NULL) {
		rc = sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
		goto out;
	}
	slen = cap;
	if (EVP_PKEY_derive(dc, secret, &slen) != 1 || slen == 0 || slen > cap) {
		rc = sign_error__openssl(SIGN_ERR_CRYPTO, "Chip Authentication: key agreement failed");
		goto out;
	}
	sign_buf_dispose(out);
	out->data = secret;
	out->len = slen;
	secret = NULL;
out:
	if (secret != NULL)
		sign__freezero(secret, cap);
	EVP_PKEY_CTX_free(dc);
	return rc;
}

int
sign_ca__session(sign_ca__ctx *ctx, sign_sm **out)
{
	sign_buf secret = SIGN_BUF_INIT;
	unsigned char ks_enc[32], ks_mac[32], ssc[16] = { 0 };
	int rc = 0;

	if (ctx == NULL || out == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "sign_ca__session: NULL argument");
	*out = NULL;
	if ((rc = sign_ca__derive_secret(ctx, &secret)) != 0)
		goto out;
	if ((rc = sign_ca__kdf(secret.data, secret.len, ctx->p.cipher, ctx->p.key_len, 1,
	    ks_enc)) != 0 ||
	    (rc = sign_ca__kdf(secret.data, secret.len, ctx->p.cipher, ctx->p.key_len, 2,
	    ks_mac)) != 0)
		goto out;
	rc = sign_sm__new(out, ctx->p.cipher, ks_enc, ks_mac, ctx->p.key_len, ssc,
	    ctx->p.cipher == SIGN_SM_3DES ? 8 : 16);
out:
	OPENSSL_cleanse(ks_enc, sizeof(ks_enc));
	OPENSSL_cleanse(ks_mac, sizeof(ks_mac));
	sign_buf_dispose(&secret);   /* wipes */
	return rc;
}
