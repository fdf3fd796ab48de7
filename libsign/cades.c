/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * CAdES-B-B signing (ETSI EN 319 122-1): the SignedData is encoded here with
 * a small DER writer so that the only private-key operation is
 * sign_signer__sign() over the digest of the DER signed attributes, which is
 * what a PKCS#11 token can do.  The content is streamed through the digest
 * (and, for an enveloping signature, a second time into the output).
 */
#include "cades_priv.h"

#include <stdlib.h>
#include <string.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

/* Signature algorithm OIDs (contents). */
static const unsigned char oid_rsa_sha224[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0e };
static const unsigned char oid_rsa_sha256[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b };
static const unsigned char oid_rsa_sha384[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0c };
static const unsigned char oid_rsa_sha512[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0d };
static const unsigned char oid_ecdsa_sha224[] = { 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x01 };
static const unsigned char oid_ecdsa_sha256[] = { 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02 };
static const unsigned char oid_ecdsa_sha384[] = { 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03 };
static const unsigned char oid_ecdsa_sha512[] = { 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x04 };

static sign_md
md_norm(sign_md md)
{
	return md == SIGN_MD_DEFAULT ? SIGN_MD_SHA256 : md;
}

static int
md_ok_for_signing(sign_md md)
{
	md = md_norm(md);
	if (md == SIGN_MD_SHA224 || md == SIGN_MD_SHA256 || md == SIGN_MD_SHA384 ||
	    md == SIGN_MD_SHA512)
		return 0;
	return sign_error__set(SIGN_ERR_UNSUPPORTED, 0,
	    "digest %s is not allowed for new signatures: use SHA-256, SHA-384 or SHA-512",
	    sign_cades__md_name(md));
}

int
sign_cades__sig_algid(struct dbuf *out, sign_scheme scheme, sign_md md)
{
	struct dbuf a = DBUF_INIT, p = DBUF_INIT, t = DBUF_INIT;
	const unsigned char *oid = NULL;
	size_t oid_len = 0;
	int rc = 0, hlen;

	md = md_norm(md);
	if (scheme == SIGN_SCHEME_RSA_PKCS1) {
		switch (md) {
		case SIGN_MD_SHA224: oid = oid_rsa_sha224; break;
		case SIGN_MD_SHA256: oid = oid_rsa_sha256; break;
		case SIGN_MD_SHA384: oid = oid_rsa_sha384; break;
		case SIGN_MD_SHA512: oid = oid_rsa_sha512; break;
		default: break;
		}
		oid_len = sizeof(oid_rsa_sha256);
	} else if (scheme == SIGN_SCHEME_ECDSA) {
		switch (md) {
		case SIGN_MD_SHA224: oid = oid_ecdsa_sha224; break;
		case SIGN_MD_SHA256: oid = oid_ecdsa_sha256; break;
		case SIGN_MD_SHA384: oid = oid_ecdsa_sha384; break;
		case SIGN_MD_SHA512: oid = oid_ecdsa_sha512; break;
		default: break;
		}
		oid_len = sizeof(oid_ecdsa_sha256);
	} else if (scheme == SIGN_SCHEME_RSA_PSS) {
		/* RSASSA-PSS-params (RFC 4055): hash, MGF1 with the same hash,
		 * salt length = hash length, trailer field 1 (the default). */
		hlen = EVP_MD_get_size(sign_md__evp(md));
		sign_cades__put_md_algid(&t, md);
		dbuf_wrap(&t, 0xa0);
		dbuf_put(&p, t.p, t.len);
		dbuf_free(&t);
		dbuf_tlv(&t, 0x06, OID_MGF1.der, OID_MGF1.len);
		sign_cades__put_md_algid(&t, md);
		dbuf_wrap(&t, 0x30);
		dbuf_wrap(&t, 0xa1);
		dbuf_put(&p, t.p, t.len);
		dbuf_free(&t);
		dbuf_uint(&t, (uint64_t)hlen);
		dbuf_wrap(&t, 0xa2);
		dbuf_put(&p, t.p, t.len);
		if (t.err != 0)
			p.err = t.err;
		dbuf_wrap(&p, 0x30);
		dbuf_tlv(&a, 0x06, OID_RSA_PSS.der, OID_RSA_PSS.len);
		dbuf_put(&a, p.p, p.len);
		if (p.err != 0)
			a.err = p.err;
		goto wrap;
	}
	if (oid == NULL) {
		rc = sign_error__set(SIGN_ERR_UNSUPPORTED, 0,
		    "no signature algorithm for this scheme and digest");
		goto out;
	}
	dbuf_tlv(&a, 0x06, oid, oid_len);
	if (scheme == SIGN_SCHEME_RSA_PKCS1)
		dbuf_put(&a, "\x05\x00", 2); /* RFC 4055: NULL parameters */
wrap:
	dbuf_wrap(&a, 0x30);
	if (a.err != 0) {
		rc = sign_error__set(a.err, 0, "cannot encode the signature algorithm");
		goto out;
	}
	dbuf_put(out, a.p, a.len);
out:
	dbuf_free(&a);
	dbuf_free(&p);
	dbuf_free(&t);
	return rc;
}

/* An attribute SEQUENCE { type, SET { value } } appended to elem. */
static void
attr_make(struct dbuf *elem, const struct oid *type, const struct dbuf *value)
{
	struct dbuf v = DBUF_INIT;

	dbuf_put(&v, value->p, value->len);
	if (value->err != 0)
		v.err = value->err;
	dbuf_wrap(&v, 0x31);
	dbuf_tlv(elem, 0x06, type->der, type->len);
	dbuf_put(elem, v.p, v.len);
	if (v.err != 0)
		elem->err = v.err;
	dbuf_wrap(elem, 0x30);
	dbuf_free(&v);
}

/* The content-type attribute: id-data.  30 18 { OID contentType, SET { OID id-data } } */
static const unsigned char attr_content_type[] = {
	0x30, 0x18, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x03,
	0x31, 0x0b, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01
};

/* The signing-time attribute for t (UTCTime 1950-2049, else GeneralizedTime,
 * RFC 5652 11.3), cached in clk for the second it was made for. */
static void
clock_attr(struct cades_clock *clk, time_t t)
{
	struct tm tm;
	char s[32];
	size_t n, k = 0;
	unsigned char tag;

	if (clk->len > 0 && clk->t == t)
		return;
	gmtime_r(&t, &tm);
	if (tm.tm_year >= 50 && tm.tm_year < 150) {
		snprintf(s, sizeof(s), "%02d%02d%02d%02d%02d%02dZ", tm.tm_year % 100,
		    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
		tag = 0x17;
	} else {
		snprintf(s, sizeof(s), "%04d%02d%02d%02d%02d%02dZ", tm.tm_year + 1900,
		    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
		tag = 0x18;
	}
	n = strlen(s);          /* at most 31: the attribute fits in clk->attr */
	clk->attr[k++] = 0x30;
	clk->attr[k++] = (unsigned char)(2 + OID_SIGNING_TIME.len + 2 + 2 + n);
	clk->attr[k++] = 0x06;
	clk->attr[k++] = (unsigned char)OID_SIGNING_TIME.len;
	memcpy(clk->attr + k, OID_SIGNING_TIME.der, OID_SIGNING_TIME.len);
	k += OID_SIGNING_TIME.len;
	clk->attr[k++] = 0x31;
	clk->attr[k++] = (unsigned char)(2 + n);
	clk->attr[k++] = tag;
	clk->attr[k++] = (unsigned char)n;
	memcpy(clk->attr + k, s, n);
	clk->len = k + n;
	clk->t = t;
}

/* The signing-certificate-v2 attribute: SigningCertificateV2 { certs {
 * ESSCertIDv2 { hashAlgorithm DEFAULT sha256, certHash } } }.  No
 * issuerSerial: EN 319 122-1 says it should not be included (the
 * SignerIdentifier has it). */
static int
ess_attr(struct dbuf *out, X509 *cert, sign_md md, const EVP_MD *evp)
{
	struct dbuf v = DBUF_INIT;
	unsigned char *der = NULL, h[EVP_MAX_MD_SIZE];
	unsigned int hl = 0;
	int n, rc = 0;

	n = i2d_X509(cert, &der);
	if (n <= 0 || !EVP_Digest(der, (size_t)n, h, &hl, evp, NULL)) {
		rc = sign_error__openssl(SIGN_ERR_CRYPTO, "cannot hash the signer certificate");
		goto out;
	}
	if (md != SIGN_MD_SHA256)
		sign_cades__put_md_algid(&v, md);
	dbuf_tlv(&v, 0x04, h, hl);
	dbuf_wrap(&v, 0x30);  /* ESSCertIDv2 */
	dbuf_wrap(&v, 0x30);  /* certs */
	dbuf_wrap(&v, 0x30);  /* SigningCertificateV2 */
	attr_make(out, &OID_SIGNING_CERT_V2, &v);
	if (out->err != 0 || v.err != 0)
		rc = sign_error__set(SIGN_ERR_NOMEM, 0, "cannot encode the signed attributes");
out:
	dbuf_free(&v);
	OPENSSL_free(der);
	return rc;
}

struct span {
	const unsigned char *p;
	size_t len;
};

/* DER ordering of SET OF elements: as octet strings, shorter padded with 0. */
static int
span_cmp(const struct span *x, const struct span *y)
{
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->p, y->p, n);

	if (c != 0)
		return c;
	return (x->len > y->len) - (x->len < y->len);
}

/* The four attributes, sorted, as a DER SET into t->attrs. */
static int
attrs_assemble(struct cades_tbs *t, const struct dbuf *ess, const struct cades_clock *clk,
    const unsigned char *digest, size_t dlen)
{
	unsigned char md_attr[2 + 2 + 9 + 2 + 2 + EVP_MAX_MD_SIZE];
	struct span a[4], tmp;
	size_t total = 0, off, i, j;

	if (dlen > EVP_MAX_MD_SIZE)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "the digest is too long");
	/* message-digest: 30 L { OID messageDigest, SET { OCTET STRING digest } } */
	md_attr[0] = 0x30;
	md_attr[1] = (unsigned char)(2 + OID_MESSAGE_DIGEST.len + 2 + 2 + dlen);
	md_attr[2] = 0x06;
	md_attr[3] = (unsigned char)OID_MESSAGE_DIGEST.len;
	memcpy(md_attr + 4, OID_MESSAGE_DIGEST.der, OID_MESSAGE_DIGEST.len);
	off = 4 + OID_MESSAGE_DIGEST.len;
	md_attr[off++] = 0x31;
	md_attr[off++] = (unsigned char)(2 + dlen);
	md_attr[off++] = 0x04;
	md_attr[off++] = (unsigned char)dlen;
	memcpy(md_attr + off, digest, dlen);
	off += dlen;

	a[0].p = attr_content_type;
	a[0].len = sizeof(attr_content_type);
	a[1].p = clk->attr;
	a[1].len = clk->len;
	a[2].p = md_attr;
	a[2].len = off;
	a[3].p = ess->p;
	a[3].len = ess->len;
	for (i = 1; i < 4; i++) {
		tmp = a[i];
		for (j = i; j > 0 && span_cmp(&a[j - 1], &tmp) > 0; j--)
			a[j] = a[j - 1];
		a[j] = tmp;
	}
	for (i = 0; i < 4; i++)
		total += a[i].len;
	if (total + der_hdr_size(total) > sizeof(t->attrs))
		return sign_error__set(SIGN_ERR_TOO_LARGE, 0,
		    "the signed attributes are too large");
	/* SET header: total is below 64 KiB */
	off = 0;
	t->attrs[off++] = 0x31;
	if (total >= 0x100) {
		t->attrs[off++] = 0x82;
		t->attrs[off++] = (unsigned char)(total >> 8);
	} else if (total >= 0x80) {
		t->attrs[off++] = 0x81;
	}
	t->attrs[off++] = (unsigned char)total;
	for (i = 0; i < 4; i++) {
		memcpy(t->attrs + off, a[i].p, a[i].len);
		off += a[i].len;
	}
	t->attrs_len = off;
	return 0;
}

int
sign_cades__signed_attrs(struct dbuf *out, const unsigned char *content_digest, size_t dlen,
    sign_md md, time_t signing_time, X509 *cert)
{
	struct dbuf ess = DBUF_INIT;
	struct cades_clock clk = CADES_CLOCK_INIT;
	struct cades_tbs *t = NULL;
	int rc;

	md = md_norm(md);
	t = malloc(sizeof(*t));
	if (t == NULL)
		return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
	rc = ess_attr(&ess, cert, md, sign_md__evp(md));
	if (rc != 0)
		goto out;
	clock_attr(&clk, signing_time);
	rc = attrs_assemble(t, &ess, &clk, content_digest, dlen);
	if (rc != 0)
		goto out;
	dbuf_put(out, t->attrs, t->attrs_len);
	if (out->err != 0)
		rc = sign_error__set(out->err, 0, "out of memory");
out:
	dbuf_free(&ess);
	free(t);
	return rc;
}

/* DER ordering of SET OF elements held in dbufs. */
static int
der_cmp(const void *a, const void *b)
{
	const struct dbuf *x = a, *y = b;
	struct span sx = { x->p, x->len }, sy = { y->p, y->len };

	return span_cmp(&sx, &sy);
}

/* The certificates [0] IMPLICIT CertificateSet: signer and chain, each once,
 * in DER SET OF order. */
static int
encode_certs(struct dbuf *out, sign_signer *signer)
{
	struct dbuf *certs = NULL;
	size_t n = 0, i, j, max;
	int rc = 0;

	max = 1 + (size_t)sk_X509_num(signer->chain);
	certs = calloc(max, sizeof(*certs));
	if (certs == NULL)
		return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
	for (i = 0; i < max; i++) {
		X509 *x = i == 0 ? signer->cert : sk_X509_value(signer->chain, (int)i - 1);
		unsigned char *der = NULL;
		int len = i2d_X509(x, &der);
		int dup = 0;

		if (len <= 0) {
			rc = sign_error__openssl(SIGN_ERR_CRYPTO, "cannot encode a certificate");
			goto out;
		}
		for (j = 0; j < n; j++)
			if (certs[j].len == (size_t)len && memcmp(certs[j].p, der, (size_t)len) == 0)
				dup = 1;
		if (!dup)
			dbuf_put(&certs[n++], der, (size_t)len);
		OPENSSL_free(der);
	}
	qsort(certs, n, sizeof(*certs), der_cmp);
	for (i = 0; i < n; i++) {
		if (certs[i].err != 0) {
			rc = sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
			goto out;
		}
		dbuf_put(out, certs[i].p, certs[i].len);
	}
	dbuf_wrap(out, 0xa0);
out:
	for (i = 0; i < max; i++)
		dbuf_free(&certs[i]);
	free(certs);
	return rc;
}

/* SignerIdentifier: issuerAndSerialNumber, appended to out. */
static int
encode_sid(struct dbuf *out, X509 *cert)
{
	struct dbuf b = DBUF_INIT;
	unsigned char *der = NULL;
	int n, rc = 0;

	n = i2d_X509_NAME(X509_get_issuer_name(cert), &der);
	if (n <= 0) {
		rc = sign_error__openssl(SIGN_ERR_CRYPTO, "cannot encode the issuer name");
		goto out;
	}
	dbuf_put(&b, der, (size_t)n);
	OPENSSL_free(der);
	der = NULL;
	n = i2d_ASN1_INTEGER(X509_get0_serialNumber(cert), &der);
	if (n <= 0) {
		rc = sign_error__openssl(SIGN_ERR_CRYPTO, "cannot encode the serial number");
		goto out;
	}
	dbuf_put(&b, der, (size_t)n);
	dbuf_wrap(&b, 0x30);
	if (b.err != 0)
		out->err = b.err;
	dbuf_put(out, b.p, b.len);
out:
	OPENSSL_free(der);
	dbuf_free(&b);
	return rc;
}

static int
check_signer(sign_signer *signer, const sign_cades_sign_opts *opts)
{
	sign_scheme scheme;
	int use;

	if (signer == NULL || opts == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "no signer or options given");
	if (opts->version < 1 || opts->version > SIGN_CADES_SIGN_OPTS_VERSION)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0,
		    "sign_cades_sign_opts version %u is not supported", opts->version);
	if (signer->cert == NULL)
		return sign_error__set(SIGN_ERR_NOT_FOUND, 0,
		    "the key has no certificate: name one (kyso sign --cert)");
	use = sign_cert__signing_use(signer->cert);
	if (use != 0) {
		char *name = sign_cades__cert_name(signer->cert);
		int rc = sign_error__set(SIGN_ERR_KEY_USAGE, 0,
		    "the certificate of %s does not allow signing documents (%s): use a "
		    "signing certificate", name != NULL ? name : "the key",
		    use == SIGN_CERT__NO_SIGNING_KU ?
		    "no digitalSignature or nonRepudiation key usage" :
		    "its extended key usage names no document-signing purpose");

		free(name);
		return rc;
	}
	if (sign_signer__scheme(signer, opts->scheme, &scheme) != 0)
		return sign_error__set(SIGN_ERR_USAGE, 0, "%s signatures need %s key",
		    opts->scheme == SIGN_SCHEME_ECDSA ? "ECDSA" :
		    opts->scheme == SIGN_SCHEME_RSA_PSS ? "RSA-PSS" : "RSA PKCS#1 v1.5",
		    opts->scheme == SIGN_SCHEME_ECDSA ? "an EC" : "an RSA");
	return md_ok_for_signing(opts->md);
}

/* The time-stamp server and its CA bundle the options name (each NULL when
 * none; the bundle only with a server). */
static void
tsa_settings(const sign_cades_sign_opts *opts, const char **url, const char **ca)
{
	*url = opts->version >= 2 && opts->tsa_url != NULL && opts->tsa_url[0] != '\0' ?
	    opts->tsa_url : NULL;
	*ca = opts->version >= 3 && *url != NULL && opts->tsa_cacert != NULL &&
	    opts->tsa_cacert[0] != '\0' ? opts->tsa_cacert : NULL;
}

int
sign_cades_check_sign_opts(const sign_cades_sign_opts *opts)
{
	const char *url, *ca;
	int rc;

	if (opts == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "no options given");
	if (opts->version < 1 || opts->version > SIGN_CADES_SIGN_OPTS_VERSION)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0,
		    "sign_cades_sign_opts version %u is not supported", opts->version);
	if ((rc = md_ok_for_signing(opts->md)) != 0)
		return rc;
	tsa_settings(opts, &url, &ca);
	return sign_cades__tsa_check(url, ca);
}

/* ---- the plan: what every signature of a batch shares --------------------- */

void
sign_cades__plan_free(struct cades_plan *p)
{
	if (p == NULL)
		return;
	EVP_MD_free(p->evp);
	p->evp = NULL;
	dbuf_free(&p->ess_attr);
	dbuf_free(&p->si_head);
	dbuf_free(&p->sig_alg);
	dbuf_free(&p->certs);
	dbuf_free(&p->algs);
}

int
sign_cades__plan_init(struct cades_plan *p, sign_signer *signer, const sign_cades_sign_opts *opts)
{
	int rc;

	memset(p, 0, sizeof(*p));
	rc = check_signer(signer, opts);
	if (rc != 0)
		return rc;
	p->signer = signer;
	p->md = md_norm(opts->md);
	p->signing_time = opts->signing_time;
	p->enveloping = opts->enveloping != 0;
	tsa_settings(opts, &p->tsa_url, &p->tsa_cacert);
	/* before any signature: a file that cannot be time-stamped is not signed */
	rc = sign_cades__tsa_check(p->tsa_url, p->tsa_cacert);
	if (rc != 0)
		return rc;
	rc = sign_signer__scheme(signer, opts->scheme, &p->scheme);
	if (rc != 0)
		return rc;
	/* An explicit fetch: EVP_sha256() and friends are looked up in the
	 * provider store again on every EVP_DigestInit. */
	p->evp = EVP_MD_fetch(NULL, EVP_MD_get0_name(sign_md__evp(p->md)), NULL);
	if (p->evp == NULL || EVP_MD_get_size(p->evp) <= 0)
		return sign_error__openssl(SIGN_ERR_CRYPTO, "the %s digest is not available",
		    sign_cades__md_name(p->md));
	p->md_len = (size_t)EVP_MD_get_size(p->evp);
	rc = ess_attr(&p->ess_attr, signer->cert, p->md, p->evp);
	if (rc != 0)
		return rc;
	dbuf_put(&p->si_head, "\x02\x01\x01", 3);           /* version 1 */
	rc = encode_sid(&p->si_head, signer->cert);
	if (rc != 0)
		return rc;
	sign_cades__put_md_algid(&p->si_head, p->md);
	rc = sign_cades__sig_algid(&p->sig_alg, p->scheme, p->md);
	if (rc != 0)
		return rc;
	rc = encode_certs(&p->certs, signer);
	if (rc != 0)
		return rc;
	sign_cades__put_md_algid(&p->algs, p->md);
	dbuf_wrap(&p->algs, 0x31);
	if (p->si_head.err || p->sig_alg.err || p->certs.err || p->algs.err || p->ess_attr.err)
		return sign_error__set(SIGN_ERR_NOMEM, 0, "cannot encode the signature");
	return 0;
}

int
sign_cades__plan_tbs(const struct cades_plan *p, struct cades_tbs *t,
    const unsigned char *digest, size_t dlen, EVP_MD_CTX *ctx, struct cades_clock *clk)
{
	int rc;

	if (dlen != p->md_len)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "digest length mismatch");
	clock_attr(clk, p->signing_time != 0 ? p->signing_time : time(NULL));
	rc = attrs_assemble(t, &p->ess_attr, clk, digest, dlen);
	if (rc != 0)
		return rc;
	/* The signature covers the DER of the attributes with the SET tag. */
	if (!EVP_DigestInit_ex2(ctx, p->evp, NULL) ||
	    !EVP_DigestUpdate(ctx, t->attrs, t->attrs_len) ||
	    !EVP_DigestFinal_ex(ctx, t->hash, &t->hash_len))
		return sign_error__openssl(SIGN_ERR_CRYPTO, "cannot hash the signed attributes");
	return 0;
}

int
sign_cades__plan_sign(const struct cades_plan *p, unsigned int lane, const struct cades_tbs *t,
    sign_buf *sig)
{
	return sign_signer__sign_lane(p->signer, lane, p->scheme, p->md, t->hash, t->hash_len,
	    sig);
}

int
sign_cades__plan_encode(const struct cades_plan *p, const struct cades_tbs *t,
    const unsigned char *sig, size_t sig_len, const sign_buf *tst, uint64_t content_len,
    struct dbuf *head, struct dbuf *tail)
{
	/* id-aa-signatureTimeStampToken, 1.2.840.113549.1.9.16.2.14 */
	static const unsigned char oid_tst[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01,
		0x09, 0x10, 0x02, 0x0e };
	static const unsigned char a0 = 0xa0;   /* signedAttrs [0] IMPLICIT */
	struct dbuf *rest = content_len != UINT64_MAX ? tail : head;
	uint64_t si_len, sis_inner, sis_len, enc_len, octets = 0, sd_len, ci_inner;
	uint64_t attr_inner = 0, attr_len = 0;

	si_len = p->si_head.len + t->attrs_len + p->sig_alg.len + der_hdr_size(sig_len) + sig_len;
	if (tst != NULL && tst->len > 0) {
		/* unsignedAttrs [1] IMPLICIT SET { Attribute { type, SET { token } } } */
		attr_inner = 2 + sizeof(oid_tst) + der_hdr_size(tst->len) + tst->len;
		attr_len = der_hdr_size(attr_inner) + attr_inner;
		si_len += der_hdr_size(attr_len) + attr_len;
	}
	sis_inner = der_hdr_size(si_len) + si_len;
	sis_len = der_hdr_size(sis_inner) + sis_inner;
	/* EncapsulatedContentInfo: id-data, with [0] { OCTET STRING } when enveloping */
	enc_len = 2 + OID_DATA.len;
	if (content_len != UINT64_MAX) {
		if (content_len > UINT64_MAX / 2)
			return sign_error__set(SIGN_ERR_TOO_LARGE, 0, "the content is too large");
		octets = der_hdr_size(content_len) + content_len;
		enc_len += der_hdr_size(octets) + octets;
	}
	sd_len = 3 + p->algs.len + der_hdr_size(enc_len) + enc_len + p->certs.len + sis_len;
	ci_inner = 2 + OID_SIGNED_DATA.len + der_hdr_size(der_hdr_size(sd_len) + sd_len) +
	    der_hdr_size(sd_len) + sd_len;

	dbuf_hdr(head, 0x30, ci_inner);
	dbuf_tlv(head, 0x06, OID_SIGNED_DATA.der, OID_SIGNED_DATA.len);
	dbuf_hdr(head, 0xa0, der_hdr_size(sd_len) + sd_len);
	dbuf_hdr(head, 0x30, sd_len);
	dbuf_put(head, "\x02\x01\x01", 3);                /* CMSVersion 1 */
	dbuf_put(head, p->algs.p, p->algs.len);
	dbuf_hdr(head, 0x30, enc_len);
	dbuf_tlv(head, 0x06, OID_DATA.der, OID_DATA.len);
	if (content_len != UINT64_MAX) {
		dbuf_hdr(head, 0xa0, octets);
		dbuf_hdr(head, 0x04, content_len);
	}
	dbuf_put(rest, p->certs.p, p->certs.len);
	dbuf_hdr(rest, 0x31, sis_inner);
	dbuf_hdr(rest, 0x30, si_len);
	dbuf_put(rest, p->si_head.p, p->si_head.len);
	dbuf_put(rest, &a0, 1);
	dbuf_put(rest, t->attrs + 1, t->attrs_len - 1);
	dbuf_put(rest, p->sig_alg.p, p->sig_alg.len);
	dbuf_tlv(rest, 0x04, sig, sig_len);
	if (attr_len > 0) {
		dbuf_hdr(rest, 0xa1, attr_len);
		dbuf_hdr(rest, 0x30, attr_inner);
		dbuf_tlv(rest, 0x06, oid_tst, sizeof(oid_tst));
		dbuf_hdr(rest, 0x31, tst->len);
		dbuf_put(rest, tst->data, tst->len);
	}
	if (head->err != 0 || tail->err != 0)
		return sign_error__set(SIGN_ERR_NOMEM, 0, "cannot encode the signature");
	return 0;
}

int
sign_cades_sign_mem(sign_buf *out, sign_signer *signer, const unsigned char *data, size_t len,
    const sign_cades_sign_opts *opts)
{
	struct cades_plan plan;
	struct cades_clock clk = CADES_CLOCK_INIT;
	struct cades_tbs *t = NULL;
	struct dbuf head = DBUF_INIT, tail = DBUF_INIT;
	sign_buf sig = SIGN_BUF_INIT, tst = SIGN_BUF_INIT;
	EVP_MD_CTX *ctx = NULL;
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int dl = 0;
	int rc;

	memset(&plan, 0, sizeof(plan));
	if (out == NULL || (data == NULL && len > 0))
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "no output or data given");
	rc = sign_cades__plan_init(&plan, signer, opts);
	if (rc != 0)
		goto out;
	t = malloc(sizeof(*t));
	ctx = EVP_MD_CTX_new();
	if (t == NULL || ctx == NULL) {
		rc = sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
		goto out;
	}
	if (!EVP_DigestInit_ex2(ctx, plan.evp, NULL) || !EVP_DigestUpdate(ctx, data, len) ||
	    !EVP_DigestFinal_ex(ctx, d, &dl)) {
		rc = sign_error__openssl(SIGN_ERR_CRYPTO, "digest failed");
		goto out;
	}
	rc = sign_cades__plan_tbs(&plan, t, d, dl, ctx, &clk);
	if (rc == 0)
		rc = sign_cades__plan_sign(&plan, 0, t, &sig);
	if (rc == 0 && plan.tsa_url != NULL)
		rc = sign_cades__tsa_token(plan.tsa_url, plan.tsa_cacert, sig.data, sig.len, &tst);
	if (rc == 0)
		rc = sign_cades__plan_encode(&plan, t, sig.data, sig.len, &tst,
		    plan.enveloping ? (uint64_t)len : UINT64_MAX, &head, &tail);
	if (rc != 0)
		goto out;
	if (plan.enveloping)
		dbuf_put(&head, data, len);
	dbuf_put(&head, tail.p, tail.len);
	if (head.err != 0) {
		rc = sign_error__set(head.err, 0, "out of memory");
		goto out;
	}
	rc = sign_buf__set(out, head.p, head.len);
out:
	sign_cades__plan_free(&plan);
	EVP_MD_CTX_free(ctx);
	free(t);
	sign_buf_dispose(&sig);
	sign_buf_dispose(&tst);
	dbuf_free(&head);
	dbuf_free(&tail);
	return rc;
}
