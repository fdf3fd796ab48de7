/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * DG15: the Active Authentication public key (tag 6F around a
 * SubjectPublicKeyInfo, ICAO 9303-11 §6.1).
 *
 * RSA keys are decoded by hand.  Compatibility note: the BSI TR-03105-5
 * reference data set of 2008 encodes the modulus as `02 81 80 CF ..`, without
 * the leading 00 that DER needs for a positive INTEGER, i.e. as a negative
 * number.  A real issuer produced that data set, so a modulus with its high
 * bit set is read as the unsigned number it was meant to be, and the key is
 * flagged SIGN_DG15_QUIRK_NEGATIVE_MODULUS (a negative modulus has no other
 * meaning).  The public exponent gets no such leniency.
 * EC keys, named or with explicit curve parameters, go to OpenSSL's decoder.
 */
#include "pa_priv.h"

#include <stdlib.h>
#include <string.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>

#define OID_RSA "1.2.840.113549.1.1.1"
#define OID_EC  "1.2.840.10045.2.1"

struct sign_dg15 {
	EVP_PKEY *pkey;
	unsigned int quirks;
};

static int
bad(const char *detail)
{
	return sign_error__set(SIGN_ERR_MALFORMED, 0, "DG15: %s", detail);
}

static int
rsa_key(sign_dg15 *k, const sign_tlv *bits)
{
	sign_tlv seq, n, e;
	sign_tlv_iter it;
	BIGNUM *bn = NULL, *be = NULL;
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	int rc;

	if (bits->tag != 0x03 || bits->len < 2 || bits->value[0] != 0)
		return bad("bad subjectPublicKey BIT STRING");
	if ((rc = sign_tlv__expect(&seq, bits->value + 1, bits->len - 1, 0x30, 0, "DG15")) != 0 ||
	    (rc = sign_tlv__iter_init(&it, &seq, "DG15")) != 0)
		return rc;
	if (sign_tlv__next(&it, &n) != 1 || n.tag != 0x02 || n.len == 0 ||
	    sign_tlv__next(&it, &e) != 1 || e.tag != 0x02 || e.len == 0 ||
	    sign_tlv__next(&it, &seq) != 0)
		return bad("bad RSAPublicKey");
	if (n.len > 1 && n.value[0] == 0 && !(n.value[1] & 0x80))
		return bad("RSA modulus not minimally encoded");
	if (n.value[0] & 0x80)
		k->quirks |= SIGN_DG15_QUIRK_NEGATIVE_MODULUS;
	if ((e.value[0] & 0x80) || (e.len > 1 && e.value[0] == 0 && !(e.value[1] & 0x80)) ||
	    e.len > 8)
		return bad("bad RSA public exponent");
	bn = BN_bin2bn(n.value, (int)n.len, NULL);
	be = BN_bin2bn(e.value, (int)e.len, NULL);
	if (bn == NULL || be == NULL) {
		rc = sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
		goto out;
	}
	if (BN_num_bits(bn) < 512 || BN_num_bits(bn) > 16384 || !BN_is_odd(bn) ||
	    !BN_is_odd(be) || BN_cmp(be, BN_value_one()) <= 0) {
		rc = bad("implausible RSA key");
		goto out;
	}
	bld = OSSL_PARAM_BLD_new();
	if (bld == NULL || !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be) ||
	    (params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    (ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &k->pkey, EVP_PKEY_PUBLIC_KEY, params) != 1) {
		rc = sign_error__openssl(SIGN_ERR_CRYPTO, "DG15: cannot build the RSA key");
		goto out;
	}
	rc = 0;
out:
	BN_free(bn);
	BN_free(be);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	EVP_PKEY_CTX_free(ctx);
	return rc;
}

int
sign_dg15_parse(sign_dg15 **out, const unsigned char *data, size_t len)
{
	sign_dg15 *k = NULL;
	sign_tlv outer, spki, algid, oid, bits, t;
	sign_tlv_iter it, ait;
	char txt[SIGN_PA__OID_MAX];
	int rc;

	if (out == NULL || (data == NULL && len > 0))
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "sign_dg15_parse: NULL argument");
	*out = NULL;
	k = calloc(1, sizeof(*k));
	if (k == NULL)
		return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
	if ((rc = sign_tlv__expect(&outer, data, len, 0x6F, 0, "DG15")) != 0 ||
	    (rc = sign_tlv__expect(&spki, outer.value, outer.len, 0x30, 0, "DG15")) != 0 ||
	    (rc = sign_tlv__validate(&spki, "DG15")) != 0 ||
	    (rc = sign_tlv__iter_init(&it, &spki, "DG15")) != 0)
		goto out;
	if (sign_tlv__next(&it, &algid) != 1 || algid.tag != 0x30 ||
	    sign_tlv__next(&it, &bits) != 1 || sign_tlv__next(&it, &t) != 0 ||
	    sign_tlv__iter_init(&ait, &algid, "DG15") != 0 ||
	    sign_tlv__next(&ait, &oid) != 1) {
		rc = bad("not a SubjectPublicKeyInfo");
		goto out;
	}
	if ((rc = sign_pa__oid_text(&oid, txt, sizeof(txt), "DG15")) != 0)
		goto out;
	if (strcmp(txt, OID_RSA) == 0) {
		rc = rsa_key(k, &bits);
	} else if (strcmp(txt, OID_EC) == 0) {
		const unsigned char *q = spki.raw;

		k->pkey = d2i_PUBKEY(NULL, &q, (long)spki.raw_len);
		if (k->pkey == NULL || q != spki.raw + spki.raw_len)
			rc = sign_error__openssl(SIGN_ERR_MALFORMED, "DG15: bad EC public key");
	} else {
		rc = sign_error__set(SIGN_ERR_UNSUPPORTED, 0,
		    "DG15: unsupported public key algorithm %s", txt);
	}
	if (rc != 0)
		goto out;
	*out = k;
	k = NULL;
out:
	sign_dg15_free(k);
	return rc;
}

void
sign_dg15_free(sign_dg15 *dg15)
{
	if (dg15 == NULL)
		return;
	EVP_PKEY_free(dg15->pkey);
	free(dg15);
}

const char *
sign_dg15_key_type(const sign_dg15 *dg15)
{
	if (dg15 == NULL || dg15->pkey == NULL)
		return NULL;
	return EVP_PKEY_is_a(dg15->pkey, "RSA") ? "RSA" : "EC";
}

int
sign_dg15_key_bits(const sign_dg15 *dg15)
{
	return dg15 != NULL && dg15->pkey != NULL ? EVP_PKEY_get_bits(dg15->pkey) : 0;
}

unsigned int
sign_dg15_quirks(const sign_dg15 *dg15)
{
	return dg15 != NULL ? dg15->quirks : 0;
}

EVP_PKEY *
sign_dg15__pkey(const sign_dg15 *dg15)
{
	return dg15 != NULL ? dg15->pkey : NULL;
}
