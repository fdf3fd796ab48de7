/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * CAdES-B-B signing (ETSI EN 319 122-1): the SignedData is encoded here with
 * a small DER writer so that the only private-key operation is
 * sign_signer__sign() over the digest of the DER signed attributes, which is
 * what a PKCS#11 token can do.  The content is streamed through the digest
 * (and, for an enveloping signature, a second time into the output).
 */
#include "cades_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
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

/* An attribute SEQUENCE { type, SET { value } } appended as one element of
 * the array elems[*n]. */
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

/* DER ordering of SET OF elements: as octet strings, shorter padded with 0. */
static int
der_cmp(const void *a, const void *b)
{
	const struct dbuf *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->p, y->p, n);

	if (c != 0)
		return c;
	return (x->len > y->len) - (x->len < y->len);
}

static void
time_encode(struct dbuf *b, time_t t)
{
	struct tm tm;
	char s[32];

	gmtime_r(&t, &tm);
	/* RFC 5652 11.3: UTCTime from 1950 to 2049, GeneralizedTime otherwise */
	if (tm.tm_year >= 50 && tm.tm_year < 150) {
		snprintf(s, sizeof(s), "%02d%02d%02d%02d%02d%02dZ", tm.tm_year % 100,
		    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
		dbuf_tlv(b, 0x17, s, strlen(s));
	} else {
		snprintf(s, sizeof(s), "%04d%02d%02d%02d%02d%02dZ", tm.tm_year + 1900,
		    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
		dbuf_tlv(b, 0x18, s, strlen(s));
	}
}

int
sign_cades__signed_attrs(struct dbuf *out, const unsigned char *content_digest, size_t dlen,
    sign_md md, time_t signing_time, X509 *cert)
{
	struct dbuf attrs[4] = { DBUF_INIT, DBUF_INIT, DBUF_INIT, DBUF_INIT };
	struct dbuf v = DBUF_INIT, set = DBUF_INIT;
	unsigned char *der = NULL, h[EVP_MAX_MD_SIZE];
	unsigned int hl = 0;
	int n, rc = 0, i;

	md = md_norm(md);
	/* content-type: id-data */
	dbuf_tlv(&v, 0x06, OID_DATA.der, OID_DATA.len);
	attr_make(&attrs[0], &OID_CONTENT_TYPE, &v);
	dbuf_free(&v);
	/* signing-time */
	time_encode(&v, signing_time);
	attr_make(&attrs[1], &OID_SIGNING_TIME, &v);
	dbuf_free(&v);
	/* message-digest */
	dbuf_tlv(&v, 0x04, content_digest, dlen);
	attr_make(&attrs[2], &OID_MESSAGE_DIGEST, &v);
	dbuf_free(&v);
	/* signing-certificate-v2: SigningCertificateV2 { certs { ESSCertIDv2 {
	 * hashAlgorithm DEFAULT sha256, certHash } } }.  No issuerSerial: EN 319
	 * 122-1 says it should not be included (the SignerIdentifier has it). */
	n = i2d_X509(cert, &der);
	if (n <= 0 || !EVP_Digest(der, (size_t)n, h, &hl, sign_md__evp(md), NULL)) {
		rc = sign_error__openssl(SIGN_ERR_CRYPTO, "cannot hash the signer certificate");
		goto out;
	}
	if (md != SIGN_MD_SHA256)
		sign_cades__put_md_algid(&v, md);
	dbuf_tlv(&v, 0x04, h, hl);
	dbuf_wrap(&v, 0x30);  /* ESSCertIDv2 */
	dbuf_wrap(&v, 0x30);  /* certs */
	dbuf_wrap(&v, 0x30);  /* SigningCertificateV2 */
	attr_make(&attrs[3], &OID_SIGNING_CERT_V2, &v);
	for (i = 0; i < 4; i++) {
		if (attrs[i].err != 0 || v.err != 0) {
			rc = sign_error__set(SIGN_ERR_NOMEM, 0, "cannot encode the signed attributes");
			goto out;
		}
	}
	qsort(attrs, 4, sizeof(attrs[0]), der_cmp);
	for (i = 0; i < 4; i++)
		dbuf_put(&set, attrs[i].p, attrs[i].len);
	dbuf_wrap(&set, 0x31);
	if (set.err != 0) {
		rc = sign_error__set(set.err, 0, "cannot encode the signed attributes");
		goto out;
	}
	dbuf_put(out, set.p, set.len);
	if (out->err != 0)
		rc = sign_error__set(out->err, 0, "out of memory");
out:
	for (i = 0; i < 4; i++)
		dbuf_free(&attrs[i]);
	dbuf_free(&v);
	dbuf_free(&set);
	OPENSSL_free(der);
	return rc;
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
	uint32_t ku;

	if (signer == NULL || opts == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "no signer or options given");
	if (opts->version != SIGN_CADES_SIGN_OPTS_VERSION)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0,
		    "sign_cades_sign_opts version %u is not supported", opts->version);
	if (signer->cert == NULL)
		return sign_error__set(SIGN_ERR_NOT_FOUND, 0,
		    "the key has no certificate: name one (kyso sign --cert)");
	ku = X509_get_key_usage(signer->cert);
	if (ku != UINT32_MAX && !(ku & (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION))) {
		char *name = sign_cades__cert_name(signer->cert);
		int rc = sign_error__set(SIGN_ERR_KEY_USAGE, 0,
		    "the certificate of %s does not allow signing (no digitalSignature or "
		    "nonRepudiation key usage): use a signing certificate",
		    name != NULL ? name : "the key");

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

int
sign_cades__build(struct dbuf *head, struct dbuf *tail, sign_signer *signer,
    const unsigned char *digest, size_t dlen, uint64_t content_len,
    const sign_cades_sign_opts *opts)
{
	struct dbuf attrs = DBUF_INIT, si = DBUF_INIT, sis = DBUF_INIT, certs = DBUF_INIT;
	struct dbuf algs = DBUF_INIT, encap = DBUF_INIT;
	sign_buf sig = SIGN_BUF_INIT;
	unsigned char h[EVP_MAX_MD_SIZE];
	unsigned int hl = 0;
	sign_scheme scheme;
	sign_md md = md_norm(opts->md);
	uint64_t octets = 0, enc_len, sd_len, ci_inner;
	int rc;

	rc = sign_signer__scheme(signer, opts->scheme, &scheme);
	if (rc != 0)
		goto out;
	rc = sign_cades__signed_attrs(&attrs, digest, dlen, md,
	    opts->signing_time != 0 ? opts->signing_time : time(NULL), signer->cert);
	if (rc != 0)
		goto out;
	/* The signature covers the DER of the attributes with the SET tag. */
	if (!EVP_Digest(attrs.p, attrs.len, h, &hl, sign_md__evp(md), NULL)) {
		rc = sign_error__openssl(SIGN_ERR_CRYPTO, "cannot hash the signed attributes");
		goto out;
	}
	rc = sign_signer__sign(signer, scheme, md, h, hl, &sig);
	if (rc != 0)
		goto out;

	/* SignerInfo */
	dbuf_put(&si, "\x02\x01\x01", 3);                 /* version 1 */
	if ((rc = encode_sid(&si, signer->cert)) != 0)
		goto out;
	sign_cades__put_md_algid(&si, md);
	attrs.p[0] = 0xa0;                                 /* [0] IMPLICIT */
	dbuf_put(&si, attrs.p, attrs.len);
	if ((rc = sign_cades__sig_algid(&si, scheme, md)) != 0)
		goto out;
	dbuf_tlv(&si, 0x04, sig.data, sig.len);
	dbuf_wrap(&si, 0x30);
	dbuf_put(&sis, si.p, si.len);
	dbuf_wrap(&sis, 0x31);

	if ((rc = encode_certs(&certs, signer)) != 0)
		goto out;
	sign_cades__put_md_algid(&algs, md);
	dbuf_wrap(&algs, 0x31);

	/* EncapsulatedContentInfo: id-data, with [0] { OCTET STRING } when enveloping */
	dbuf_tlv(&encap, 0x06, OID_DATA.der, OID_DATA.len);
	enc_len = encap.len;
	if (content_len != UINT64_MAX) {
		octets = der_hdr_size(content_len) + content_len;
		enc_len += der_hdr_size(octets) + octets;
	}
	sd_len = 3 + algs.len + der_hdr_size(enc_len) + enc_len + certs.len + sis.len;
	ci_inner = 2 + OID_SIGNED_DATA.len + der_hdr_size(der_hdr_size(sd_len) + sd_len) +
	    der_hdr_size(sd_len) + sd_len;
	if (si.err || sis.err || certs.err || algs.err || encap.err) {
		rc = sign_error__set(SIGN_ERR_NOMEM, 0, "cannot encode the signature");
		goto out;
	}

	dbuf_hdr(head, 0x30, ci_inner);
	dbuf_tlv(head, 0x06, OID_SIGNED_DATA.der, OID_SIGNED_DATA.len);
	dbuf_hdr(head, 0xa0, der_hdr_size(sd_len) + sd_len);
	dbuf_hdr(head, 0x30, sd_len);
	dbuf_put(head, "\x02\x01\x01", 3);                /* CMSVersion 1 */
	dbuf_put(head, algs.p, algs.len);
	dbuf_hdr(head, 0x30, enc_len);
	dbuf_put(head, encap.p, encap.len);
	if (content_len != UINT64_MAX) {
		dbuf_hdr(head, 0xa0, octets);
		dbuf_hdr(head, 0x04, content_len);
	}
	dbuf_put(tail, certs.p, certs.len);
	dbuf_put(tail, sis.p, sis.len);
	if (content_len == UINT64_MAX) {
		dbuf_put(head, tail->p, tail->len);
		tail->len = 0;
	}
	if (head->err != 0 || tail->err != 0)
		rc = sign_error__set(SIGN_ERR_NOMEM, 0, "cannot encode the signature");
out:
	dbuf_free(&attrs);
	dbuf_free(&si);
	dbuf_free(&sis);
	dbuf_free(&certs);
	dbuf_free(&algs);
	dbuf_free(&encap);
	sign_buf_dispose(&sig);
	return rc;
}

/* Stream fd through the digest (and into out when not NULL).  max bounds the
 * bytes read (UINT64_MAX: to the end); *total receives the count. */
static int
stream_fd(int fd, const char *path, EVP_MD_CTX *ctx, FILE *out, const char *out_path,
    uint64_t max, uint64_t *total)
{
	unsigned char *buf = NULL;
	uint64_t n = 0;
	ssize_t r;
	int rc = 0;

	buf = malloc(CADES_IO_CHUNK);
	if (buf == NULL)
		return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
	for (;;) {
		size_t want = CADES_IO_CHUNK;

		if (max != UINT64_MAX && max - n < want)
			want = (size_t)(max - n);
		if (want == 0)
			break;
		r = read(fd, buf, want);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = sign_error__set(SIGN_ERR_IO, (unsigned long)errno, "reading %s: %s",
			    path, strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		if (!EVP_DigestUpdate(ctx, buf, (size_t)r)) {
			rc = sign_error__openssl(SIGN_ERR_CRYPTO, "digest failed");
			goto out;
		}
		if (out != NULL && fwrite(buf, 1, (size_t)r, out) != (size_t)r) {
			rc = sign_error__set(SIGN_ERR_IO, (unsigned long)errno, "writing %s: %s",
			    out_path, strerror(errno));
			goto out;
		}
		n += (uint64_t)r;
	}
	*total = n;
out:
	free(buf);
	return rc;
}

static int
digest_init(EVP_MD_CTX **ctx, sign_md md)
{
	*ctx = EVP_MD_CTX_new();
	if (*ctx == NULL || !EVP_DigestInit_ex(*ctx, sign_md__evp(md), NULL))
		return sign_error__openssl(SIGN_ERR_CRYPTO, "cannot start the digest");
	return 0;
}

int
sign_cades_sign_file(sign_signer *signer, const char *in_path, const char *out_path,
    const sign_cades_sign_opts *opts)
{
	struct dbuf head = DBUF_INIT, tail = DBUF_INIT;
	EVP_MD_CTX *ctx = NULL;
	unsigned char d1[EVP_MAX_MD_SIZE], d2[EVP_MAX_MD_SIZE];
	unsigned int l1 = 0, l2 = 0;
	uint64_t n1 = 0, n2 = 0;
	struct stat st, ost;
	FILE *out = NULL;
	char *tmp = NULL;
	int fd = -1, rc;

	if (in_path == NULL || out_path == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "no input or output path");
	rc = check_signer(signer, opts);
	if (rc != 0)
		return rc;
	fd = open(in_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = sign_error__set(errno == ENOENT ? SIGN_ERR_NOT_FOUND : SIGN_ERR_IO,
		    (unsigned long)errno, "cannot open %s: %s", in_path, strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) {
		rc = sign_error__set(SIGN_ERR_IO, 0, "%s is not a file", in_path);
		goto out;
	}
	if (opts->enveloping && !S_ISREG(st.st_mode)) {
		rc = sign_error__set(SIGN_ERR_USAGE, 0,
		    "%s is not a regular file: an enveloping signature reads its input twice",
		    in_path);
		goto out;
	}
	/* Replacing the input with its own signature would lose it.  (Without
	 * overwrite an existing output is refused anyway.) */
	if (opts->overwrite && stat(out_path, &ost) == 0 && ost.st_dev == st.st_dev &&
	    ost.st_ino == st.st_ino) {
		rc = sign_error__set(SIGN_ERR_USAGE, 0,
		    "the output %s is the input file: choose another output", out_path);
		goto out;
	}
	rc = sign__atomic_open(out_path, opts->overwrite, &out, &tmp);
	if (rc != 0)
		goto out;
	if ((rc = digest_init(&ctx, md_norm(opts->md))) != 0)
		goto out;
	rc = stream_fd(fd, in_path, ctx, NULL, NULL, UINT64_MAX, &n1);
	if (rc != 0)
		goto out;
	if (!EVP_DigestFinal_ex(ctx, d1, &l1)) {
		rc = sign_error__openssl(SIGN_ERR_CRYPTO, "digest failed");
		goto out;
	}
	rc = sign_cades__build(&head, &tail, signer, d1, l1,
	    opts->enveloping ? n1 : UINT64_MAX, opts);
	if (rc != 0)
		goto out;
	if (fwrite(head.p, 1, head.len, out) != head.len) {
		rc = sign_error__set(SIGN_ERR_IO, (unsigned long)errno, "writing %s: %s",
		    out_path, strerror(errno));
		goto out;
	}
	if (opts->enveloping) {
		/* Second pass: embed the content, and make sure it is what was signed. */
		unsigned char probe;

		if (lseek(fd, 0, SEEK_SET) != 0 ||
		    !EVP_DigestInit_ex(ctx, sign_md__evp(md_norm(opts->md)), NULL)) {
			rc = sign_error__set(SIGN_ERR_IO, (unsigned long)errno,
			    "cannot read %s again", in_path);
			goto out;
		}
		rc = stream_fd(fd, in_path, ctx, out, out_path, n1, &n2);
		if (rc != 0)
			goto out;
		if (!EVP_DigestFinal_ex(ctx, d2, &l2)) {
			rc = sign_error__openssl(SIGN_ERR_CRYPTO, "digest failed");
			goto out;
		}
		if (n2 != n1 || read(fd, &probe, 1) != 0 || l1 != l2 || memcmp(d1, d2, l1) != 0) {
			rc = sign_error__set(SIGN_ERR_IO, 0,
			    "%s changed while it was being signed: sign it again", in_path);
			goto out;
		}
		if (fwrite(tail.p, 1, tail.len, out) != tail.len) {
			rc = sign_error__set(SIGN_ERR_IO, (unsigned long)errno, "writing %s: %s",
			    out_path, strerror(errno));
			goto out;
		}
	}
	rc = sign__atomic_commit(out, tmp, out_path, opts->overwrite);
	out = NULL;
	tmp = NULL;
out:
	if (out != NULL || tmp != NULL)
		sign__atomic_abort(out, tmp);
	if (fd >= 0)
		close(fd);
	EVP_MD_CTX_free(ctx);
	dbuf_free(&head);
	dbuf_free(&tail);
	return rc;
}

int
sign_cades_sign_mem(sign_buf *out, sign_signer *signer, const unsigned char *data, size_t len,
    const sign_cades_sign_opts *opts)
{
	struct dbuf head = DBUF_INIT, tail = DBUF_INIT;
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int dl = 0;
	int rc;

	if (out == NULL || (data == NULL && len > 0))
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "no output or data given");
	rc = check_signer(signer, opts);
	if (rc != 0)
		return rc;
	if (!EVP_Digest(data, len, d, &dl, sign_md__evp(md_norm(opts->md)), NULL))
		return sign_error__openssl(SIGN_ERR_CRYPTO, "digest failed");
	rc = sign_cades__build(&head, &tail, signer, d, dl,
	    opts->enveloping ? (uint64_t)len : UINT64_MAX, opts);
	if (rc != 0)
		goto out;
	if (opts->enveloping)
		dbuf_put(&head, data, len);
	dbuf_put(&head, tail.p, tail.len);
	if (head.err != 0) {
		rc = sign_error__set(head.err, 0, "out of memory");
		goto out;
	}
	rc = sign_buf__set(out, head.p, head.len);
out:
	dbuf_free(&head);
	dbuf_free(&tail);
	return rc;
}
