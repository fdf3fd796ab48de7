/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Active Authentication (ICAO 9303-11 §6.1): verify the chip's answer to
 * INTERNAL AUTHENTICATE with the DG15 key.
 *
 * RSA: ISO/IEC 9796-2 digital signature scheme 1.  The representative
 * F = s^e mod n (or n - that, the "min(s, n-s)" rule) is
 *   header/padding | M1 | H | trailer
 * with the header nibble 6 (partial recovery: the message is M1 || M2 and M2,
 * the challenge, is not in F) or 4 (total recovery: M1 is the whole
 * message, which must then be the challenge), padding nibbles B ending in
 * A, and the trailer BC (SHA-1 implied) or xxCC where xx is the ISO/IEC
 * 10118-3 hash identifier: 33 SHA-1, 34 SHA-256, 35 SHA-512, 36 SHA-384,
 * 38 SHA-224, 39 SHA-512/224, 3A SHA-512/256.  H = hash(M1 || challenge),
 * compared in constant time.
 *
 * EC: ECDSA over the challenge, the signature in plain r || s form (BSI
 * TR-03111 §5.2.1).  The hash is named by DG14's ActiveAuthenticationInfo;
 * without one (ICAO requires it for ECDSA, so this is a compatibility path)
 * it is chosen by the curve order size: <= 160 bits SHA-1, <= 224 SHA-224,
 * <= 256 SHA-256, <= 384 SHA-384, else SHA-512.  A DER-encoded signature is
 * not what the standard asks for and fails.
 */
#include "pa_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>

static const EVP_MD *
trailer_md(unsigned char id)
{
	switch (id) {
	case 0x33: return EVP_sha1();
	case 0x34: return EVP_sha256();
	case 0x35: return EVP_sha512();
	case 0x36: return EVP_sha384();
	case 0x38: return EVP_sha224();
	case 0x39: return EVP_sha512_224();
	case 0x3A: return EVP_sha512_256();
	default: return NULL;
	}
}

int
sign_aa__iso9796_check(const unsigned char *f, size_t k, const unsigned char *ch, size_t chlen)
{
	unsigned char h[EVP_MAX_MD_SIZE];
	const EVP_MD *md;
	EVP_MD_CTX *mctx = NULL;
	size_t tlen, hlen, start, m1len;
	unsigned int hl = 0;
	int rc = 0, partial;

	if (k < 4)
		return sign_error__set(SIGN_ERR_VERIFY, 0, "AA: representative too short");
	/* Trailer. */
	if (f[k - 1] == 0xBC) {
		md = EVP_sha1();
		tlen = 1;
	} else if (f[k - 1] == 0xCC) {
		md = trailer_md(f[k - 2]);
		tlen = 2;
		if (md == NULL)
			return sign_error__set(SIGN_ERR_VERIFY, 0,
			    "AA: unknown ISO/IEC 9796-2 trailer %02X%02X (wrong key or forged)",
			    f[k - 2], f[k - 1]);
	} else {
		return sign_error__set(SIGN_ERR_VERIFY, 0,
		    "AA: no ISO/IEC 9796-2 trailer: the signature was not made with this key");
	}
	/* Header ('01', more-data bit, '0') and padding (nibbles B ending in A). */
	if ((f[0] & 0xD0) != 0x40)
		return sign_error__set(SIGN_ERR_VERIFY, 0,
		    "AA: bad ISO/IEC 9796-2 header: the signature was not made with this key");
	partial = (f[0] & 0x20) != 0;
	start = 0;
	if ((f[0] & 0x0F) == 0x0B) {
		for (start = 1; start < k && f[start] == 0xBB; start++)
			;
		if (start == k || f[start] != 0xBA)
			return sign_error__set(SIGN_ERR_VERIFY, 0, "AA: bad ISO/IEC 9796-2 padding");
	} else if ((f[0] & 0x0F) != 0x0A) {
		return sign_error__set(SIGN_ERR_VERIFY, 0, "AA: bad ISO/IEC 9796-2 padding");
	}
	start++;
	hlen = (size_t)EVP_MD_get_size(md);
	if (start + hlen + tlen > k)
		return sign_error__set(SIGN_ERR_VERIFY, 0, "AA: representative too short for %s",
		    sign_pa__md_label(md));
	m1len = k - hlen - tlen - start;
	if (!partial && (m1len != chlen || sign__ct_memcmp(f + start, ch, chlen) != 0))
		return sign_error__set(SIGN_ERR_VERIFY, 0,
		    "AA: total message recovery, and the message is not the challenge");
	mctx = EVP_MD_CTX_new();
	if (mctx == NULL || EVP_DigestInit_ex(mctx, md, NULL) != 1 ||
	    EVP_DigestUpdate(mctx, f + start, m1len) != 1 ||
	    (partial && EVP_DigestUpdate(mctx, ch, chlen) != 1) ||
	    EVP_DigestFinal_ex(mctx, h, &hl) != 1) {
		rc = sign_error__openssl(SIGN_ERR_CRYPTO, "AA: hashing failed");
		goto out;
	}
	if (hl != hlen || sign__ct_memcmp(h, f + k - tlen - hlen, hlen) != 0)
		rc = sign_error__set(SIGN_ERR_VERIFY, 0,
		    "AA: the signed hash does not cover this challenge (replayed or cloned chip)");
out:
	OPENSSL_cleanse(h, sizeof(h));
	EVP_MD_CTX_free(mctx);
	return rc;
}

static int
aa_rsa(EVP_PKEY *pkey, const unsigned char *ch, size_t chlen, const unsigned char *sig,
    size_t siglen)
{
	BIGNUM *n = NULL, *e = NULL, *s = NULL, *m = NULL;
	BN_CTX *bctx = NULL;
	unsigned char *f = NULL;
	size_t k = 0;
	int rc = 0;

	if (EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_N, &n) != 1 ||
	    EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_E, &e) != 1) {
		rc = sign_error__openssl(SIGN_ERR_CRYPTO, "AA: cannot read the RSA key");
		goto out;
	}
	if (BN_num_bits(n) % 8 != 0) {
		rc = sign_error__set(SIGN_ERR_UNSUPPORTED, 0,
		    "AA: RSA modulus of %d bits (not a whole number of bytes)", BN_num_bits(n));
		goto out;
	}
	k = (size_t)BN_num_bytes(n);
	if (siglen != k) {
		rc = sign_error__set(SIGN_ERR_VERIFY, 0,
		    "AA: signature of %zu bytes, the %zu-bit key gives %zu", siglen, k * 8, k);
		goto out;
	}
	bctx = BN_CTX_new();
	s = BN_bin2bn(sig, (int)siglen, NULL);
	m = BN_new();
	f = malloc(k);
	if (bctx == NULL || s == NULL || m == NULL || f == NULL) {
		rc = sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
		goto out;
	}
	if (BN_cmp(s, n) >= 0) {
		rc = sign_error__set(SIGN_ERR_VERIFY, 0, "AA: signature not below the modulus");
		goto out;
	}
	if (BN_mod_exp(m, s, e, n, bctx) != 1) {
		rc = sign_error__openssl(SIGN_ERR_CRYPTO, "AA: RSA operation failed");
		goto out;
	}
	/* ISO/IEC 9796-2: the signature is min(J, n - J), F ends in nibble C. */
	if (!BN_is_bit_set(m, 2) || !BN_is_bit_set(m, 3) || BN_is_bit_set(m, 0) ||
	    BN_is_bit_set(m, 1)) {
		if (BN_sub(m, n, m) != 1) {
			rc = sign_error__openssl(SIGN_ERR_CRYPTO, "AA: RSA operation failed");
			goto out;
		}
	}
	if (BN_bn2binpad(m, f, (int)k) != (int)k) {
		rc = sign_error__openssl(SIGN_ERR_CRYPTO, "AA: RSA operation failed");
		goto out;
	}
	rc = sign_aa__iso9796_check(f, k, ch, chlen);
out:
	if (f != NULL)
		sign__freezero(f, k);
	BN_free(n);
	BN_free(e);
	BN_free(s);
	BN_clear_free(m);
	BN_CTX_free(bctx);
	return rc;
}

static int
aa_ec(EVP_PKEY *pkey, const sign_dg14 *dg14, const unsigned char *ch, size_t chlen,
    const unsigned char *sig, size_t siglen)
{
	struct sign_pa__sigalg alg;
	const char *name = NULL;
	int bits, rc;

	memset(&alg, 0, sizeof(alg));
	alg.kind = SIGN_PA__SIG_ECDSA_PLAIN;
	if (sign_dg14_aa_algorithm(dg14, &name) == 0) {
		alg.md = sign_dg14__aa_md(dg14);
		if (alg.md == NULL)
			return sign_error__set(SIGN_ERR_UNSUPPORTED, 0,
			    "AA: DG14 names the unsupported signature algorithm %s", name);
	} else {
		sign_error_clear();
		bits = EVP_PKEY_get_bits(pkey);
		alg.md = bits <= 160 ? EVP_sha1() : bits <= 224 ? EVP_sha224() :
		    bits <= 256 ? EVP_sha256() : bits <= 384 ? EVP_sha384() : EVP_sha512();
	}
	snprintf(alg.name, sizeof(alg.name), "ECDSA-plain-%s", sign_pa__md_label(alg.md));
	rc = sign_pa__verify_data(pkey, &alg, ch, chlen, sig, siglen);
	if (rc == SIGN_ERR_VERIFY)
		return sign_error__set(SIGN_ERR_VERIFY, 0, "AA: %s", sign_error_message());
	return rc;
}

int
sign_aa_verify(const sign_dg15 *dg15, const sign_dg14 *dg14, const unsigned char *challenge,
    size_t challenge_len, const unsigned char *sig, size_t sig_len)
{
	EVP_PKEY *pkey = sign_dg15__pkey(dg15);

	if (pkey == NULL || challenge == NULL || sig == NULL || challenge_len == 0 ||
	    challenge_len > 256 || sig_len == 0)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0,
		    "sign_aa_verify: a key, a challenge and a signature are needed");
	if (EVP_PKEY_is_a(pkey, "RSA"))
		return aa_rsa(pkey, challenge, challenge_len, sig, sig_len);
	return aa_ec(pkey, dg14, challenge, challenge_len, sig, sig_len);
}
