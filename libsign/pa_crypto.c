/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Cryptographic helpers of passive authentication: OIDs, hash and signature
 * algorithm identifiers, signature verification (RSA PKCS#1 v1.5, RSA-PSS,
 * ECDSA in DER or plain r||s form, on named or explicit curves), and
 * certificate loading.
 */
#include "pa_priv.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

int
sign_pa__oid_text(const sign_tlv *oid, char *buf, size_t cap, const char *what)
{
	size_t i, n = 0;
	uint64_t v = 0;
	int first = 1, w;

	if (oid->tag != 0x06 || oid->len == 0 || oid->len > 64)
		return sign_error__set(SIGN_ERR_MALFORMED, 0, "%s: bad OBJECT IDENTIFIER", what);
	for (i = 0; i < oid->len; i++) {
		unsigned char b = oid->value[i];

		if (v == 0 && b == 0x80)  /* non-minimal arc */
			goto bad;
		if (v > (UINT64_MAX >> 7))
			goto bad;
		v = (v << 7) | (b & 0x7f);
		if (b & 0x80) {
			if (i + 1 == oid->len)
				goto bad;
			continue;
		}
		if (first) {
			unsigned int a = v < 40 ? 0 : v < 80 ? 1 : 2;

			w = snprintf(buf + n, cap - n, "%u.%llu", a,
			    (unsigned long long)(v - 40u * a));
			first = 0;
		} else {
			w = snprintf(buf + n, cap - n, ".%llu", (unsigned long long)v);
		}
		if (w < 0 || (size_t)w >= cap - n)
			goto bad;
		n += (size_t)w;
		v = 0;
	}
	return 0;
bad:
	return sign_error__set(SIGN_ERR_MALFORMED, 0, "%s: bad OBJECT IDENTIFIER", what);
}

static const struct {
	const char *oid;
	const char *name;
	const char *evp;
} md_table[] = {
	{ "1.3.14.3.2.26", "SHA-1", "SHA1" },
	{ "2.16.840.1.101.3.4.2.4", "SHA-224", "SHA224" },
	{ "2.16.840.1.101.3.4.2.1", "SHA-256", "SHA256" },
	{ "2.16.840.1.101.3.4.2.2", "SHA-384", "SHA384" },
	{ "2.16.840.1.101.3.4.2.3", "SHA-512", "SHA512" },
};

const EVP_MD *
sign_pa__md_by_oid(const char *oid, const char **name)
{
	size_t i;

	for (i = 0; i < sizeof(md_table) / sizeof(md_table[0]); i++) {
		if (strcmp(oid, md_table[i].oid) == 0) {
			if (name != NULL)
				*name = md_table[i].name;
			return EVP_get_digestbyname(md_table[i].evp);
		}
	}
	return NULL;
}

const char *
sign_pa__md_label(const EVP_MD *md)
{
	switch (md != NULL ? EVP_MD_get_type(md) : 0) {
	case NID_sha1: return "SHA-1";
	case NID_sha224: return "SHA-224";
	case NID_sha256: return "SHA-256";
	case NID_sha384: return "SHA-384";
	case NID_sha512: return "SHA-512";
	case NID_sha512_224: return "SHA-512/224";
	case NID_sha512_256: return "SHA-512/256";
	default: return "unknown hash";
	}
}

int
sign_pa__md_algid(const sign_tlv *algid, const EVP_MD **md, const char **name, const char *what)
{
	sign_tlv_iter it;
	sign_tlv oid, par;
	char txt[SIGN_PA__OID_MAX];
	int rc;

	if (algid->tag != 0x30)
		return sign_error__set(SIGN_ERR_MALFORMED, 0, "%s: bad hash AlgorithmIdentifier", what);
	if ((rc = sign_tlv__iter_init(&it, algid, what)) != 0)
		return rc;
	if ((rc = sign_tlv__next(&it, &oid)) != 1)
		return rc < 0 ? rc : sign_error__set(SIGN_ERR_MALFORMED, 0,
		    "%s: empty AlgorithmIdentifier", what);
	if ((rc = sign_pa__oid_text(&oid, txt, sizeof(txt), what)) != 0)
		return rc;
	rc = sign_tlv__next(&it, &par);
	if (rc < 0)
		return rc;
	if (rc == 1 && (par.tag != 0x05 || par.len != 0))
		return sign_error__set(SIGN_ERR_MALFORMED, 0, "%s: hash parameters must be NULL", what);
	if (rc == 1 && (rc = sign_tlv__next(&it, &par)) != 0)
		return rc < 0 ? rc : sign_error__set(SIGN_ERR_MALFORMED, 0,
		    "%s: trailing data in AlgorithmIdentifier", what);
	*md = sign_pa__md_by_oid(txt, name);
	if (*md == NULL)
		return sign_error__set(SIGN_ERR_UNSUPPORTED, 0, "%s: unsupported hash algorithm %s",
		    what, txt);
	return 0;
}

/* [n] EXPLICIT wrapper: the single element inside. */
static int
explicit_inner(const sign_tlv *t, sign_tlv *inner, const char *what)
{
	return sign_tlv__read_one(inner, t->value, t->len, t->flags, what);
}

static int
pss_params(const sign_tlv *par, struct sign_pa__sigalg *out, const char *what)
{
	sign_tlv_iter it;
	sign_tlv el, inner;
	unsigned long v;
	int rc, last = -1;

	out->md = EVP_sha1();
	out->mgf1_md = EVP_sha1();
	out->salt_len = 20;
	if (par->tag != 0x30)
		return sign_error__set(SIGN_ERR_MALFORMED, 0, "%s: bad RSASSA-PSS parameters", what);
	if ((rc = sign_tlv__iter_init(&it, par, what)) != 0)
		return rc;
	while ((rc = sign_tlv__next(&it, &el)) == 1) {
		int n = (int)(el.tag - 0xA0);

		if (el.tag < 0xA0 || el.tag > 0xA3 || n <= last)
			return sign_error__set(SIGN_ERR_MALFORMED, 0,
			    "%s: bad RSASSA-PSS parameters", what);
		last = n;
		if ((rc = explicit_inner(&el, &inner, what)) != 0)
			return rc;
		if (n == 0) {
			if ((rc = sign_pa__md_algid(&inner, &out->md, NULL, what)) != 0)
				return rc;
		} else if (n == 1) {
			sign_tlv_iter it2;
			sign_tlv oid, mdid;
			char txt[SIGN_PA__OID_MAX];

			if (inner.tag != 0x30 || (rc = sign_tlv__iter_init(&it2, &inner, what)) != 0 ||
			    sign_tlv__next(&it2, &oid) != 1 ||
			    sign_pa__oid_text(&oid, txt, sizeof(txt), what) != 0 ||
			    strcmp(txt, "1.2.840.113549.1.1.8") != 0 ||
			    sign_tlv__next(&it2, &mdid) != 1 ||
			    sign_tlv__next(&it2, &oid) != 0)
				return sign_error__set(SIGN_ERR_UNSUPPORTED, 0,
				    "%s: RSASSA-PSS mask generation other than MGF1", what);
			if ((rc = sign_pa__md_algid(&mdid, &out->mgf1_md, NULL, what)) != 0)
				return rc;
		} else {
			if ((rc = sign_tlv__uint(&inner, &v, what)) != 0)
				return rc;
			if (n == 2) {
				if (v > 1024)
					return sign_error__set(SIGN_ERR_MALFORMED, 0,
					    "%s: RSASSA-PSS salt length %lu", what, v);
				out->salt_len = (int)v;
			} else if (v != 1) {
				return sign_error__set(SIGN_ERR_UNSUPPORTED, 0,
				    "%s: RSASSA-PSS trailer field %lu", what, v);
			}
		}
	}
	return rc < 0 ? rc : 0;
}

static const struct {
	const char *oid;
	sign_pa__sig_kind kind;
	const char *md;     /* NULL: the SignerInfo's digest */
	const char *name;
} sig_table[] = {
	{ "1.2.840.113549.1.1.1", SIGN_PA__SIG_RSA_PKCS1, NULL, "rsaEncryption" },
	{ "1.2.840.113549.1.1.5", SIGN_PA__SIG_RSA_PKCS1, "SHA1", "sha1WithRSAEncryption" },
	{ "1.3.14.3.2.29", SIGN_PA__SIG_RSA_PKCS1, "SHA1", "sha1WithRSAEncryption" },
	{ "1.2.840.113549.1.1.14", SIGN_PA__SIG_RSA_PKCS1, "SHA224", "sha224WithRSAEncryption" },
	{ "1.2.840.113549.1.1.11", SIGN_PA__SIG_RSA_PKCS1, "SHA256", "sha256WithRSAEncryption" },
	{ "1.2.840.113549.1.1.12", SIGN_PA__SIG_RSA_PKCS1, "SHA384", "sha384WithRSAEncryption" },
	{ "1.2.840.113549.1.1.13", SIGN_PA__SIG_RSA_PKCS1, "SHA512", "sha512WithRSAEncryption" },
	{ "1.2.840.113549.1.1.10", SIGN_PA__SIG_RSA_PSS, NULL, "RSASSA-PSS" },
	{ "1.2.840.10045.2.1", SIGN_PA__SIG_ECDSA, NULL, "ecdsa" },
	{ "1.2.840.10045.4.1", SIGN_PA__SIG_ECDSA, "SHA1", "ecdsa-with-SHA1" },
	{ "1.2.840.10045.4.3.1", SIGN_PA__SIG_ECDSA, "SHA224", "ecdsa-with-SHA224" },
	{ "1.2.840.10045.4.3.2", SIGN_PA__SIG_ECDSA, "SHA256", "ecdsa-with-SHA256" },
	{ "1.2.840.10045.4.3.3", SIGN_PA__SIG_ECDSA, "SHA384", "ecdsa-with-SHA384" },
	{ "1.2.840.10045.4.3.4", SIGN_PA__SIG_ECDSA, "SHA512", "ecdsa-with-SHA512" },
	{ "0.4.0.127.0.7.1.1.4.1.1", SIGN_PA__SIG_ECDSA_PLAIN, "SHA1", "ecdsa-plain-SHA1" },
	{ "0.4.0.127.0.7.1.1.4.1.2", SIGN_PA__SIG_ECDSA_PLAIN, "SHA224", "ecdsa-plain-SHA224" },
	{ "0.4.0.127.0.7.1.1.4.1.3", SIGN_PA__SIG_ECDSA_PLAIN, "SHA256", "ecdsa-plain-SHA256" },
	{ "0.4.0.127.0.7.1.1.4.1.4", SIGN_PA__SIG_ECDSA_PLAIN, "SHA384", "ecdsa-plain-SHA384" },
	{ "0.4.0.127.0.7.1.1.4.1.5", SIGN_PA__SIG_ECDSA_PLAIN, "SHA512", "ecdsa-plain-SHA512" },
};

int
sign_pa__sigalg_parse(const sign_tlv *algid, const EVP_MD *digest,
    struct sign_pa__sigalg *out, const char *what)
{
	sign_tlv_iter it;
	sign_tlv oid, par;
	char txt[SIGN_PA__OID_MAX];
	size_t i;
	int rc, has_par;

	memset(out, 0, sizeof(*out));
	if (algid->tag != 0x30)
		return sign_error__set(SIGN_ERR_MALFORMED, 0,
		    "%s: bad signature AlgorithmIdentifier", what);
	if ((rc = sign_tlv__iter_init(&it, algid, what)) != 0)
		return rc;
	if ((rc = sign_tlv__next(&it, &oid)) != 1)
		return rc < 0 ? rc : sign_error__set(SIGN_ERR_MALFORMED, 0,
		    "%s: empty AlgorithmIdentifier", what);
	if ((rc = sign_pa__oid_text(&oid, txt, sizeof(txt), what)) != 0)
		return rc;
	if ((has_par = sign_tlv__next(&it, &par)) < 0)
		return has_par;
	if (has_par == 1 && (rc = sign_tlv__next(&it, &oid)) != 0)
		return rc < 0 ? rc : sign_error__set(SIGN_ERR_MALFORMED, 0,
		    "%s: trailing data in AlgorithmIdentifier", what);
	for (i = 0; i < sizeof(sig_table) / sizeof(sig_table[0]); i++)
		if (strcmp(txt, sig_table[i].oid) == 0)
			break;
	if (i == sizeof(sig_table) / sizeof(sig_table[0]))
		return sign_error__set(SIGN_ERR_UNSUPPORTED, 0,
		    "%s: unsupported signature algorithm %s", what, txt);
	out->kind = sig_table[i].kind;
	snprintf(out->name, sizeof(out->name), "%s", sig_table[i].name);
	if (out->kind == SIGN_PA__SIG_RSA_PSS) {
		if (has_par != 1)
			return sign_error__set(SIGN_ERR_MALFORMED, 0,
			    "%s: RSASSA-PSS without parameters", what);
		return pss_params(&par, out, what);
	}
	if (has_par == 1 && (par.tag != 0x05 || par.len != 0))
		return sign_error__set(SIGN_ERR_MALFORMED, 0,
		    "%s: unexpected signature algorithm parameters", what);
	out->md = sig_table[i].md != NULL ? EVP_get_digestbyname(sig_table[i].md) : digest;
	if (out->md == NULL)
		return sign_error__set(SIGN_ERR_UNSUPPORTED, 0, "%s: no hash for %s", what, txt);
	if (sig_table[i].md == NULL) {
		snprintf(out->name, sizeof(out->name), "%s (%s)", sig_table[i].name,
		    sign_pa__md_label(digest));
	}
	return 0;
}

int
sign_pa__ecdsa_plain_to_der(EVP_PKEY *pkey, const unsigned char *sig, size_t len,
    sign_buf *der)
{
	ECDSA_SIG *es = NULL;
	BIGNUM *r = NULL, *s = NULL;
	unsigned char *p = NULL;
	size_t half;
	int bits, n, rc = 0;

	bits = EVP_PKEY_get_bits(pkey);
	half = bits > 0 ? ((size_t)bits + 7) / 8 : 0;
	if (half == 0 || len != 2 * half) {
		rc = sign_error__set(SIGN_ERR_VERIFY, 0,
		    "not a plain r||s ECDSA signature of %zu bytes (got %zu)", 2 * half, len);
		goto out;
	}
	r = BN_bin2bn(sig, (int)half, NULL);
	s = BN_bin2bn(sig + half, (int)half, NULL);
	es = ECDSA_SIG_new();
	if (r == NULL || s == NULL || es == NULL || ECDSA_SIG_set0(es, r, s) != 1) {
		rc = sign_error__openssl(SIGN_ERR_NOMEM, "out of memory");
		goto out;
	}
	r = s = NULL;
	n = i2d_ECDSA_SIG(es, &p);
	if (n <= 0) {
		rc = sign_error__openssl(SIGN_ERR_CRYPTO, "encoding the ECDSA signature failed");
		goto out;
	}
	rc = sign_buf__set(der, p, (size_t)n);
out:
	OPENSSL_free(p);
	BN_free(r);
	BN_free(s);
	ECDSA_SIG_free(es);
	return rc;
}

int
sign_pa__verify_data(EVP_PKEY *pkey, const struct sign_pa__sigalg *alg,
    const unsigned char *data, size_t len, const unsigned char *sig, size_t sig_len)
{
	EVP_MD_CTX *ctx = NULL;
	EVP_PKEY_CTX *pctx = NULL;
	sign_buf der = SIGN_BUF_INIT;
	int rc = 0, is_rsa, is_ec, v;

	is_rsa = EVP_PKEY_is_a(pkey, "RSA") || EVP_PKEY_is_a(pkey, "RSA-PSS");
	is_ec = EVP_PKEY_is_a(pkey, "EC");
	if (((alg->kind == SIGN_PA__SIG_RSA_PKCS1 || alg->kind == SIGN_PA__SIG_RSA_PSS) && !is_rsa) ||
	    ((alg->kind == SIGN_PA__SIG_ECDSA || alg->kind == SIGN_PA__SIG_ECDSA_PLAIN) && !is_ec)) {
		rc = sign_error__set(SIGN_ERR_VERIFY, 0,
		    "the signature algorithm %s does not fit the signer's %s key", alg->name,
		    EVP_PKEY_get0_type_name(pkey) != NULL ? EVP_PKEY_get0_type_name(pkey) : "?");
		goto out;
	}
	if (alg->kind == SIGN_PA__SIG_ECDSA_PLAIN) {
		if ((rc = sign_pa__ecdsa_plain_to_der(pkey, sig, sig_len, &der)) != 0)
			goto out;
		sig = der.data;
		sig_len = der.len;
	}
	ctx = EVP_MD_CTX_new();
	if (ctx == NULL) {
		rc = sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
		goto out;
	}
	if (EVP_DigestVerifyInit(ctx, &pctx, alg->md, NULL, pkey) != 1) {
		rc = sign_error__openssl(SIGN_ERR_CRYPTO, "cannot verify with this key");
		goto out;
	}
	if (alg->kind == SIGN_PA__SIG_RSA_PSS &&
	    (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
	    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, alg->salt_len) != 1 ||
	    EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, alg->mgf1_md) != 1)) {
		rc = sign_error__openssl(SIGN_ERR_CRYPTO, "cannot set the RSASSA-PSS parameters");
		goto out;
	}
	if (alg->kind == SIGN_PA__SIG_RSA_PKCS1 &&
	    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1) {
		rc = sign_error__openssl(SIGN_ERR_CRYPTO, "cannot set PKCS#1 v1.5 padding");
		goto out;
	}
	v = EVP_DigestVerify(ctx, sig, sig_len, data, len);
	if (v != 1) {
		ERR_clear_error();
		rc = sign_error__set(SIGN_ERR_VERIFY, 0, "%s signature invalid", alg->name);
		goto out;
	}
out:
	EVP_MD_CTX_free(ctx);
	sign_buf_dispose(&der);
	return rc;
}

int
sign_pa__x509_der(X509 **out, const unsigned char *p, size_t len, const char *what)
{
	const unsigned char *q = p;
	X509 *x;

	*out = NULL;
	if (len == 0 || len > SIGN_PA__MAX_CERT)
		return sign_error__set(SIGN_ERR_MALFORMED, 0, "%s: bad certificate length", what);
	x = d2i_X509(NULL, &q, (long)len);
	if (x == NULL)
		return sign_error__openssl(SIGN_ERR_MALFORMED, "%s: not a certificate", what);
	if (q != p + len) {
		X509_free(x);
		return sign_error__set(SIGN_ERR_MALFORMED, 0,
		    "%s: trailing data after the certificate", what);
	}
	*out = x;
	return 0;
}

int
sign_pa__x509_load(STACK_OF(X509) *sk, const unsigned char *data, size_t len, const char *what)
{
	BIO *bio = NULL;
	X509 *x = NULL;
	int rc = 0, n = 0;

	if (len > 0 && data[0] == 0x30) {
		if ((rc = sign_pa__x509_der(&x, data, len, what)) != 0)
			return rc;
		if (!sk_X509_push(sk, x)) {
			X509_free(x);
			return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
		}
		return 0;
	}
	if (len > INT32_MAX)
		return sign_error__set(SIGN_ERR_TOO_LARGE, 0, "%s: too large", what);
	bio = BIO_new_mem_buf(data, (int)len);
	if (bio == NULL)
		return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
	for (;;) {
		x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
		if (x == NULL)
			break;
		if (!sk_X509_push(sk, x)) {
			X509_free(x);
			rc = sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
			goto out;
		}
		n++;
	}
	/* The end of the PEM data is "no start line"; anything else is an error. */
	if (ERR_GET_REASON(ERR_peek_last_error()) != PEM_R_NO_START_LINE || n == 0) {
		rc = sign_error__openssl(SIGN_ERR_MALFORMED,
		    "%s: neither a DER certificate nor PEM certificates", what);
		goto out;
	}
	ERR_clear_error();
out:
	BIO_free(bio);
	return rc;
}

void
sign_pa__name_country(const X509_NAME *name, char out[3])
{
	int i;
	const ASN1_STRING *s;
	const unsigned char *d;

	out[0] = '\0';
	i = X509_NAME_get_index_by_NID(name, NID_countryName, -1);
	if (i < 0)
		return;
	s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i));
	if (s == NULL || ASN1_STRING_length(s) != 2)
		return;
	d = ASN1_STRING_get0_data(s);
	if (!isalpha(d[0]) || !isalpha(d[1]))
		return;
	out[0] = (char)toupper(d[0]);
	out[1] = (char)toupper(d[1]);
	out[2] = '\0';
}

char *
sign_pa__name_text(const X509_NAME *name)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *txt = NULL, *p;
	long n;

	if (bio == NULL)
		return NULL;
	if (X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
		n = BIO_get_mem_data(bio, &p);
		if (n >= 0 && (txt = malloc((size_t)n + 1)) != NULL) {
			memcpy(txt, p, (size_t)n);
			txt[n] = '\0';
		}
	}
	BIO_free(bio);
	return txt;
}
