/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sign_signer: a private key behind ops, with its certificate and chain. */
#include "signer_priv.h"

#include <stdlib.h>
#include <string.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

const EVP_MD *
sign_md__evp(sign_md md)
{
	switch (md) {
	case SIGN_MD_SHA1: return EVP_sha1();
	case SIGN_MD_SHA224: return EVP_sha224();
	case SIGN_MD_DEFAULT:
	case SIGN_MD_SHA256: return EVP_sha256();
	case SIGN_MD_SHA384: return EVP_sha384();
	case SIGN_MD_SHA512: return EVP_sha512();
	}
	return NULL;
}

int
sign_signer__new(sign_signer **out, const struct sign_signer_ops *ops, void *ctx, EVP_PKEY *pub)
{
	sign_signer *s;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (s == NULL || (s->chain = sk_X509_new_null()) == NULL) {
		free(s);
		if (ops->free != NULL)
			ops->free(ctx);
		return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
	}
	s->ops = ops;
	s->ctx = ctx;
	EVP_PKEY_up_ref(pub);
	s->pub = pub;
	*out = s;
	return 0;
}

void
sign_signer_free(sign_signer *s)
{
	if (s == NULL)
		return;
	if (s->ops != NULL && s->ops->free != NULL)
		s->ops->free(s->ctx);
	EVP_PKEY_free(s->pub);
	X509_free(s->cert);
	sk_X509_pop_free(s->chain, X509_free);
	free(s);
}

void
sign_signer_cancel(sign_signer *s)
{
	if (s != NULL)
		__atomic_store_n(&s->cancelled, 1, __ATOMIC_RELAXED);
}

int
sign_signer__set_x509(sign_signer *s, X509 *cert)
{
	EVP_PKEY *cpub = X509_get0_pubkey(cert);

	if (cpub == NULL || EVP_PKEY_eq(cpub, s->pub) != 1) {
		ERR_clear_error();
		return sign_error__set(SIGN_ERR_KEY_USAGE, 0,
		    "the certificate does not belong to this key");
	}
	X509_up_ref(cert);
	X509_free(s->cert);
	s->cert = cert;
	return 0;
}

int
sign_signer_set_cert(sign_signer *s, const unsigned char *der, size_t len)
{
	const unsigned char *p = der;
	X509 *x;
	int rc;

	if (s == NULL || der == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "no certificate given");
	x = d2i_X509(NULL, &p, (long)len);
	if (x == NULL || p != der + len) {
		X509_free(x);
		return sign_error__openssl(SIGN_ERR_MALFORMED, "malformed certificate");
	}
	rc = sign_signer__set_x509(s, x);
	X509_free(x);
	return rc;
}

int
sign_signer_cert(const sign_signer *s, const unsigned char **der, size_t *len)
{
	static _Thread_local unsigned char *cache;
	int n;

	if (s == NULL || s->cert == NULL)
		return sign_error__set(SIGN_ERR_NOT_FOUND, 0, "the signer has no certificate");
	/* X509 caches its DER encoding; i2d into a per-thread buffer. */
	n = i2d_X509(s->cert, NULL);
	if (n <= 0)
		return sign_error__openssl(SIGN_ERR_CRYPTO, "cannot encode the certificate");
	OPENSSL_free(cache);
	cache = NULL;
	n = i2d_X509(s->cert, &cache);
	if (n <= 0)
		return sign_error__openssl(SIGN_ERR_CRYPTO, "cannot encode the certificate");
	*der = cache;
	*len = (size_t)n;
	return 0;
}

struct sign_chain {
	STACK_OF(X509) *certs;
};

void
sign_chain_free(sign_chain *c)
{
	if (c == NULL)
		return;
	sk_X509_pop_free(c->certs, X509_free);
	free(c);
}

int
sign__read_certs(STACK_OF(X509) **out, const char *path)
{
	sign_cert_list *l = NULL;
	STACK_OF(X509) *sk = NULL;
	size_t i;
	int rc;

	*out = NULL;
	rc = sign_cert_list_from_file(&l, path);
	if ((rc == SIGN_ERR_NOT_FOUND || rc == SIGN_ERR_IO) && sign_error_backend() != 0)
		return sign_error__set(rc, sign_error_backend(), "cannot read %s: %s; check the "
		    "file name", path, strerror((int)sign_error_backend()));
	if (rc != 0)
		return rc;
	sk = sk_X509_new_null();
	for (i = 0; sk != NULL && i < sign_cert_list_count(l); i++) {
		X509 *x = sign_cert__x509(sign_cert_list_get(l, i));

		if (!X509_up_ref(x))
			break;
		if (!sk_X509_push(sk, x)) {
			X509_free(x);
			break;
		}
	}
	if (sk == NULL || i < sign_cert_list_count(l)) {
		rc = sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
		sk_X509_pop_free(sk, X509_free);
	} else {
		*out = sk;
	}
	sign_cert_list_free(l);
	return rc;
}

int
sign_chain_read(sign_chain **out, const char *path)
{
	sign_chain *c;
	int rc;

	if (out == NULL || path == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "no chain file given");
	*out = NULL;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
	rc = sign__read_certs(&c->certs, path);
	if (rc != 0) {
		free(c);
		return rc;
	}
	*out = c;
	return 0;
}

int
sign_signer_add_chain(sign_signer *s, const sign_chain *c)
{
	int i, n;

	if (s == NULL || c == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "no signer or chain");
	n = sk_X509_num(s->chain);
	for (i = 0; i < sk_X509_num(c->certs); i++) {
		X509 *x = sk_X509_value(c->certs, i);

		if (!X509_up_ref(x))
			goto fail;
		if (!sk_X509_push(s->chain, x)) {
			X509_free(x);
			goto fail;
		}
	}
	return 0;
fail:
	/* all or nothing */
	while (sk_X509_num(s->chain) > n)
		X509_free(sk_X509_pop(s->chain));
	return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
}

int
sign_signer_add_chain_file(sign_signer *s, const char *path)
{
	sign_chain *c = NULL;
	int rc;

	if (s == NULL || path == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "no chain file given");
	rc = sign_chain_read(&c, path);
	if (rc == 0)
		rc = sign_signer_add_chain(s, c);
	sign_chain_free(c);
	return rc;
}

int
sign_signer__scheme(const sign_signer *s, sign_scheme want, sign_scheme *out)
{
	int id = EVP_PKEY_get_base_id(s->pub);
	int is_rsa = (id == EVP_PKEY_RSA || id == EVP_PKEY_RSA_PSS);
	int is_ec = (id == EVP_PKEY_EC);

	if (want == SIGN_SCHEME_AUTO)
		want = is_rsa ? SIGN_SCHEME_RSA_PKCS1 : SIGN_SCHEME_ECDSA;
	if (((want == SIGN_SCHEME_RSA_PKCS1 || want == SIGN_SCHEME_RSA_PSS) && !is_rsa) ||
	    (want == SIGN_SCHEME_ECDSA && !is_ec))
		return sign_error__set(SIGN_ERR_USAGE, 0,
		    "the signature scheme does not fit the key type "
		    "(RSA-PSS and PKCS#1 need an RSA key, ECDSA an EC key)");
	*out = want;
	return 0;
}

int
sign_signer__sign(sign_signer *s, sign_scheme scheme, sign_md md,
    const unsigned char *digest, size_t dlen, sign_buf *sig)
{
	return sign_signer__sign_lane(s, 0, scheme, md, digest, dlen, sig);
}

unsigned int
sign_signer__lanes(sign_signer *s, unsigned int n)
{
	unsigned int got;

	if (n < 1)
		n = 1;
	if (n > SIGN_SIGNER__MAX_LANES)
		n = SIGN_SIGNER__MAX_LANES;
	if (s->ops->lanes == NULL || s->ops->sign_lane == NULL)
		return 1;
	got = s->ops->lanes(s->ctx, n);
	return got < 1 ? 1 : got > n ? n : got;
}

int
sign_signer__has_lanes(const sign_signer *s)
{
	return s->ops->lanes != NULL && s->ops->sign_lane != NULL;
}

int
sign_signer__sign_lane(sign_signer *s, unsigned int lane, sign_scheme scheme, sign_md md,
    const unsigned char *digest, size_t dlen, sign_buf *sig)
{
	int rc;

	if (__atomic_load_n(&s->cancelled, __ATOMIC_RELAXED))
		return sign_error__set(SIGN_ERR_CANCELLED, 0, "signing was cancelled");
	rc = sign_signer__scheme(s, scheme, &scheme);
	if (rc != 0)
		return rc;
	if (sign_md__evp(md) == NULL || (size_t)EVP_MD_get_size(sign_md__evp(md)) != dlen)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "digest length mismatch");
	if (lane > 0 && s->ops->sign_lane == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "this signer has one lane");
	if (lane > 0)
		return s->ops->sign_lane(s->ctx, lane, scheme, md, digest, dlen, sig);
	return s->ops->sign(s->ctx, scheme, md, digest, dlen, sig);
}

/* Software backend. */

static int
pkey_sign(void *ctx, sign_scheme scheme, sign_md md, const unsigned char *digest,
    size_t dlen, sign_buf *sig)
{
	EVP_PKEY *pkey = ctx;
	EVP_PKEY_CTX *pctx = NULL;
	unsigned char *out = NULL;
	size_t outlen = 0;
	int rc = 0;

	pctx = EVP_PKEY_CTX_new(pkey, NULL);
	if (pctx == NULL || EVP_PKEY_sign_init(pctx) <= 0 ||
	    EVP_PKEY_CTX_set_signature_md(pctx, sign_md__evp(md)) <= 0) {
		rc = sign_error__openssl(SIGN_ERR_CRYPTO, "cannot start signing");
		goto out;
	}
	if (scheme == SIGN_SCHEME_RSA_PKCS1 &&
	    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) <= 0) {
		rc = sign_error__openssl(SIGN_ERR_CRYPTO, "cannot set PKCS#1 padding");
		goto out;
	}
	if (scheme == SIGN_SCHEME_RSA_PSS &&
	    (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, sign_md__evp(md)) <= 0)) {
		rc = sign_error__openssl(SIGN_ERR_CRYPTO, "cannot set PSS padding");
		goto out;
	}
	if (EVP_PKEY_sign(pctx, NULL, &outlen, digest, dlen) <= 0 ||
	    (out = OPENSSL_malloc(outlen)) == NULL ||
	    EVP_PKEY_sign(pctx, out, &outlen, digest, dlen) <= 0) {
		rc = sign_error__openssl(SIGN_ERR_CRYPTO, "signing failed");
		goto out;
	}
	rc = sign_buf__set(sig, out, outlen);
out:
	OPENSSL_free(out);
	EVP_PKEY_CTX_free(pctx);
	return rc;
}

static void
pkey_free(void *ctx)
{
	EVP_PKEY_free(ctx);
}

static const struct sign_signer_ops pkey_ops = { pkey_sign, pkey_free, NULL, NULL };

int
sign_signer__from_pkey(sign_signer **out, EVP_PKEY *pkey)
{
	EVP_PKEY_up_ref(pkey);
	return sign_signer__new(out, &pkey_ops, pkey, pkey);
}

int
sign_signer_from_files(sign_signer **out, const char *key_path, const char *cert_path)
{
	EVP_PKEY *pkey = NULL;
	X509 *cert = NULL;
	BIO *bio = NULL;
	int rc;

	*out = NULL;
	bio = BIO_new_file(key_path, "rb");
	if (bio == NULL || (pkey = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL)) == NULL) {
		rc = sign_error__openssl(SIGN_ERR_MALFORMED, "cannot read the key %s", key_path);
		goto out;
	}
	BIO_free(bio);
	bio = BIO_new_file(cert_path, "rb");
	if (bio == NULL) {
		rc = sign_error__openssl(SIGN_ERR_NOT_FOUND, "cannot open %s", cert_path);
		goto out;
	}
	cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	if (cert == NULL) {
		ERR_clear_error();
		BIO_reset(bio);
		cert = d2i_X509_bio(bio, NULL);
	}
	if (cert == NULL) {
		rc = sign_error__openssl(SIGN_ERR_MALFORMED, "cannot read the certificate %s",
		    cert_path);
		goto out;
	}
	rc = sign_signer__from_pkey(out, pkey);
	if (rc == 0 && (rc = sign_signer__set_x509(*out, cert)) != 0) {
		sign_signer_free(*out);
		*out = NULL;
	}
out:
	BIO_free(bio);
	EVP_PKEY_free(pkey);
	X509_free(cert);
	return rc;
}
