/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * CAdES signing: the DER writer and BER reader, the encoding of the signed
 * attributes and algorithm identifiers, signatures for every scheme checked
 * by OpenSSL's CMS_verify, streaming files, atomic output.
 */
#include "config.h"
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_cades_util.h"
#include <limits.h>
#include <signal.h>
#include <openssl/rsa.h>
#include <unistd.h>

#define T_2026 ((time_t)1796144400)  /* 2026-12-01T17:00:00Z */
#define T_2050 ((time_t)2529983167)  /* 2050-03-04T05:06:07Z */

/* ---- DER writer / BER reader --------------------------------------------- */

static void
test_der_lengths(void **state)
{
	static const struct {
		uint64_t len;
		size_t hdr;
		unsigned char enc[10];
	} v[] = {
		{ 0, 2, { 0x04, 0x00 } },
		{ 127, 2, { 0x04, 0x7f } },
		{ 128, 3, { 0x04, 0x81, 0x80 } },
		{ 255, 3, { 0x04, 0x81, 0xff } },
		{ 256, 4, { 0x04, 0x82, 0x01, 0x00 } },
		{ 65536, 5, { 0x04, 0x83, 0x01, 0x00, 0x00 } },
		{ 1ULL << 32, 7, { 0x04, 0x85, 0x01, 0x00, 0x00, 0x00, 0x00 } },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct dbuf b = DBUF_INIT;

		assert_int_equal(der_hdr_size(v[i].len), v[i].hdr);
		dbuf_hdr(&b, 0x04, v[i].len);
		assert_int_equal(b.err, 0);
		assert_int_equal(b.len, v[i].hdr);
		assert_memory_equal(b.p, v[i].enc, v[i].hdr);
		dbuf_free(&b);
	}
}

static void
test_der_integers_and_wrap(void **state)
{
	static const struct {
		uint64_t v;
		size_t n;
		unsigned char enc[4];
	} v[] = {
		{ 0, 3, { 0x02, 0x01, 0x00 } },
		{ 32, 3, { 0x02, 0x01, 0x20 } },
		{ 0x80, 4, { 0x02, 0x02, 0x00, 0x80 } },
		{ 0x1234, 4, { 0x02, 0x02, 0x12, 0x34 } },
	};
	struct dbuf b = DBUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		dbuf_uint(&b, v[i].v);
		assert_int_equal(b.len, v[i].n);
		assert_memory_equal(b.p, v[i].enc, v[i].n);
		dbuf_free(&b);
	}
	dbuf_put(&b, "\x05\x00", 2);
	dbuf_wrap(&b, 0x30);
	assert_int_equal(b.len, 4);
	assert_memory_equal(b.p, "\x30\x02\x05\x00", 4);
	dbuf_free(&b);
}

static void
test_ber_reader(void **state)
{
	static const unsigned char indef[] = { 0x30, 0x80, 0x04, 0x01, 0xaa, 0x00, 0x00, 0x05, 0x00 };
	static const unsigned char trunc[] = { 0x30, 0x05, 0x02, 0x01 };
	static const unsigned char longlen[] = { 0x04, 0x89, 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	static const unsigned char indef_prim[] = { 0x04, 0x80, 0x00, 0x00 };
	static const unsigned char hightag[] = { 0x1f, 0x81, 0x00 };
	unsigned char deep[2 * 40 + 2 * 40];
	struct cur c = { indef, sizeof(indef) };
	struct tlv t;
	size_t i;

	(void)state;
	assert_int_equal(ber_next(&c, &t), 0);
	assert_int_equal(t.tag, 0x30);
	assert_true(t.indef);
	assert_int_equal(t.len, 3);
	assert_int_equal(t.raw_len, 7);
	assert_int_equal(c.len, 2);
	assert_int_equal(ber_expect(&c, 0x05, &t), 0);
	assert_int_equal(c.len, 0);

	c.p = trunc;
	c.len = sizeof(trunc);
	assert_int_equal(ber_next(&c, &t), SIGN_ERR_MALFORMED);
	c.p = longlen;
	c.len = sizeof(longlen);
	assert_int_equal(ber_next(&c, &t), SIGN_ERR_MALFORMED);
	c.p = indef_prim;
	c.len = sizeof(indef_prim);
	assert_int_equal(ber_next(&c, &t), SIGN_ERR_MALFORMED);
	c.p = hightag;
	c.len = sizeof(hightag);
	assert_int_equal(ber_next(&c, &t), SIGN_ERR_MALFORMED);
	/* 40 nested indefinite SEQUENCEs: beyond the depth bound */
	for (i = 0; i < 40; i++) {
		deep[2 * i] = 0x30;
		deep[2 * i + 1] = 0x80;
		deep[80 + 2 * i] = 0;
		deep[80 + 2 * i + 1] = 0;
	}
	c.p = deep;
	c.len = sizeof(deep);
	assert_int_equal(ber_next(&c, &t), SIGN_ERR_MALFORMED);
	/* wrong tag */
	c.p = indef;
	c.len = sizeof(indef);
	assert_int_equal(ber_expect(&c, 0x31, &t), SIGN_ERR_MALFORMED);
}

/* ---- signed attributes ----------------------------------------------------- */

static const unsigned char oid_sha384[] = { 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02 };

static void
test_signed_attrs(void **state)
{
	unsigned char digest[32], certhash[EVP_MAX_MD_SIZE], *certder = NULL;
	unsigned int chl = 0;
	struct dbuf b = DBUF_INIT;
	struct tlv set, attr[4], type, vals, v, prev;
	struct cur c, a, in;
	X509 *cert = load_cert("signer-rsa.pem");
	int i, n, nids[4];

	(void)state;
	assert_non_null(cert);
	memset(digest, 0xab, sizeof(digest));
	assert_int_equal(sign_cades__signed_attrs(&b, digest, 32, SIGN_MD_SHA256, T_2026, cert), 0);
	n = i2d_X509(cert, &certder);
	assert_true(EVP_Digest(certder, (size_t)n, certhash, &chl, EVP_sha256(), NULL));

	c.p = b.p;
	c.len = b.len;
	assert_int_equal(ber_expect(&c, 0x31, &set), 0);
	assert_int_equal(c.len, 0);
	assert_false(set.indef);
	in = ber_inner(&set);
	for (i = 0; i < 4; i++) {
		const unsigned char *p;
		X509_ATTRIBUTE *xa;

		assert_int_equal(ber_expect(&in, 0x30, &attr[i]), 0);
		/* DER SET OF: ascending order of the encodings */
		if (i > 0) {
			size_t m = prev.raw_len < attr[i].raw_len ? prev.raw_len : attr[i].raw_len;
			int cmp = memcmp(prev.raw, attr[i].raw, m);

			assert_true(cmp < 0 || (cmp == 0 && prev.raw_len <= attr[i].raw_len));
		}
		prev = attr[i];
		/* OpenSSL decodes each one as an Attribute */
		p = attr[i].raw;
		xa = d2i_X509_ATTRIBUTE(NULL, &p, (long)attr[i].raw_len);
		assert_non_null(xa);
		nids[i] = OBJ_obj2nid(X509_ATTRIBUTE_get0_object(xa));
		assert_int_equal(X509_ATTRIBUTE_count(xa), 1);
		X509_ATTRIBUTE_free(xa);
	}
	assert_int_equal(in.len, 0); /* exactly four attributes */
	for (i = 0; i < 4; i++) {
		a = ber_inner(&attr[i]);
		assert_int_equal(ber_expect(&a, 0x06, &type), 0);
		assert_int_equal(ber_expect(&a, 0x31, &vals), 0);
		in = ber_inner(&vals);
		assert_int_equal(ber_next(&in, &v), 0);
		if (nids[i] == NID_pkcs9_contentType) {
			assert_true(oid_eq(&v, &OID_DATA));
		} else if (nids[i] == NID_pkcs9_signingTime) {
			assert_int_equal(v.tag, 0x17); /* UTCTime until 2049 */
			assert_int_equal(v.len, 13);
			assert_memory_equal(v.val, "261201170000Z", 13);
		} else if (nids[i] == NID_pkcs9_messageDigest) {
			assert_int_equal(v.tag, 0x04);
			assert_int_equal(v.len, 32);
			assert_memory_equal(v.val, digest, 32);
		} else if (nids[i] == NID_id_smime_aa_signingCertificateV2) {
			/* SigningCertificateV2 { certs { ESSCertIDv2 { certHash } } }:
			 * SHA-256 is the DEFAULT (omitted), and no issuerSerial */
			struct tlv certs, id, h;
			struct cur s2 = ber_inner(&v), s3, s4;

			assert_int_equal(ber_expect(&s2, 0x30, &certs), 0);
			assert_int_equal(s2.len, 0);
			s3 = ber_inner(&certs);
			assert_int_equal(ber_expect(&s3, 0x30, &id), 0);
			assert_int_equal(s3.len, 0);
			s4 = ber_inner(&id);
			assert_int_equal(ber_expect(&s4, 0x04, &h), 0);
			assert_int_equal(s4.len, 0);
			assert_int_equal(h.len, chl);
			assert_memory_equal(h.val, certhash, chl);
		} else {
			fail_msg("unexpected attribute %d", nids[i]);
		}
	}
	OPENSSL_free(certder);
	dbuf_free(&b);
	X509_free(cert);
}

static void
test_signed_attrs_sha384_and_2050(void **state)
{
	unsigned char digest[48], certhash[EVP_MAX_MD_SIZE], *certder = NULL;
	unsigned int chl = 0;
	struct dbuf b = DBUF_INIT;
	X509 *cert = load_cert("signer-ec384.pem");
	int n;

	(void)state;
	memset(digest, 0x5a, sizeof(digest));
	assert_int_equal(sign_cades__signed_attrs(&b, digest, 48, SIGN_MD_SHA384, T_2050, cert), 0);
	/* GeneralizedTime from 2050 on */
	assert_non_null(memmem(b.p, b.len, "\x18\x0f" "20500304050607Z", 17));
	/* ESSCertIDv2 names SHA-384 and carries the SHA-384 of the certificate */
	n = i2d_X509(cert, &certder);
	assert_true(EVP_Digest(certder, (size_t)n, certhash, &chl, EVP_sha384(), NULL));
	assert_non_null(memmem(b.p, b.len, oid_sha384, sizeof(oid_sha384)));
	assert_non_null(memmem(b.p, b.len, certhash, chl));
	OPENSSL_free(certder);
	dbuf_free(&b);
	X509_free(cert);
}

/* ---- algorithm identifiers ------------------------------------------------ */

static X509_ALGOR *
algid(sign_scheme scheme, sign_md md)
{
	struct dbuf b = DBUF_INIT;
	const unsigned char *p;
	X509_ALGOR *alg;

	assert_int_equal(sign_cades__sig_algid(&b, scheme, md), 0);
	p = b.p;
	alg = d2i_X509_ALGOR(NULL, &p, (long)b.len);
	assert_non_null(alg);
	assert_ptr_equal(p, b.p + b.len);
	dbuf_free(&b);
	return alg;
}

static void
test_sig_algids(void **state)
{
	static const struct {
		sign_md md;
		int md_nid;
		int salt;
	} pss[] = {
		{ SIGN_MD_SHA256, NID_sha256, 32 },
		{ SIGN_MD_SHA384, NID_sha384, 48 },
		{ SIGN_MD_SHA512, NID_sha512, 64 },
	};
	const ASN1_OBJECT *obj;
	const void *pval;
	int ptype;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(pss) / sizeof(pss[0]); i++) {
		X509_ALGOR *alg = algid(SIGN_SCHEME_RSA_PSS, pss[i].md);
		RSA_PSS_PARAMS *pp;
		X509_ALGOR *mgf1hash;

		X509_ALGOR_get0(&obj, &ptype, &pval, alg);
		assert_int_equal(OBJ_obj2nid(obj), NID_rsassaPss);
		assert_int_equal(ptype, V_ASN1_SEQUENCE);
		pp = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(RSA_PSS_PARAMS), alg->parameter);
		assert_non_null(pp);
		assert_non_null(pp->hashAlgorithm);
		assert_int_equal(OBJ_obj2nid(pp->hashAlgorithm->algorithm), pss[i].md_nid);
		assert_non_null(pp->maskGenAlgorithm);
		assert_int_equal(OBJ_obj2nid(pp->maskGenAlgorithm->algorithm), NID_mgf1);
		mgf1hash = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(X509_ALGOR),
		    pp->maskGenAlgorithm->parameter);
		assert_non_null(mgf1hash);
		assert_int_equal(OBJ_obj2nid(mgf1hash->algorithm), pss[i].md_nid);
		assert_non_null(pp->saltLength);
		assert_int_equal(ASN1_INTEGER_get(pp->saltLength), pss[i].salt);
		assert_null(pp->trailerField); /* DEFAULT 1: omitted */
		X509_ALGOR_free(mgf1hash);
		RSA_PSS_PARAMS_free(pp);
		X509_ALGOR_free(alg);
	}
	{
		X509_ALGOR *alg = algid(SIGN_SCHEME_RSA_PKCS1, SIGN_MD_SHA384);

		X509_ALGOR_get0(&obj, &ptype, &pval, alg);
		assert_int_equal(OBJ_obj2nid(obj), NID_sha384WithRSAEncryption);
		assert_int_equal(ptype, V_ASN1_NULL);
		X509_ALGOR_free(alg);
		alg = algid(SIGN_SCHEME_ECDSA, SIGN_MD_SHA512);
		X509_ALGOR_get0(&obj, &ptype, &pval, alg);
		assert_int_equal(OBJ_obj2nid(obj), NID_ecdsa_with_SHA512);
		assert_int_equal(ptype, V_ASN1_UNDEF); /* parameters absent */
		X509_ALGOR_free(alg);
	}
}

/* ---- signing matrix ------------------------------------------------------ */

static const unsigned char msg[] = "Quyết định số 123/QĐ-BYT\n";

static void
test_sign_matrix(void **state)
{
	static const struct {
		const char *key;
		const char *cn;
		sign_scheme scheme;
		sign_md md;
		int enveloping;
		const char *alg;
		int ossl_nid;
	} v[] = {
		{ "signer-rsa", "Nguyễn Văn An", SIGN_SCHEME_AUTO, SIGN_MD_DEFAULT, 0, "RSA PKCS#1 v1.5",
		  NID_sha256WithRSAEncryption },
		{ "signer-rsa", "Nguyễn Văn An", SIGN_SCHEME_RSA_PKCS1, SIGN_MD_SHA512, 1,
		  "RSA PKCS#1 v1.5", NID_sha512WithRSAEncryption },
		{ "signer-rsa", "Nguyễn Văn An", SIGN_SCHEME_RSA_PSS, SIGN_MD_SHA256, 0, "RSA-PSS",
		  NID_rsassaPss },
		{ "signer-rsa", "Nguyễn Văn An", SIGN_SCHEME_RSA_PSS, SIGN_MD_SHA384, 1, "RSA-PSS",
		  NID_rsassaPss },
		{ "signer-rsa3072", "Phạm Thị Dung", SIGN_SCHEME_RSA_PSS, SIGN_MD_SHA512, 0, "RSA-PSS",
		  NID_rsassaPss },
		{ "signer-ec", "Trần Thị Bình", SIGN_SCHEME_AUTO, SIGN_MD_SHA256, 0, "ECDSA",
		  NID_ecdsa_with_SHA256 },
		{ "signer-ec", "Trần Thị Bình", SIGN_SCHEME_ECDSA, SIGN_MD_SHA256, 1, "ECDSA",
		  NID_ecdsa_with_SHA256 },
		{ "signer-ec384", "Lê Văn Cường", SIGN_SCHEME_ECDSA, SIGN_MD_SHA384, 0, "ECDSA",
		  NID_ecdsa_with_SHA384 },
	};
	sign_trust *trust = mk_trust("root.pem");
	size_t i;

	(void)state;
	assert_non_null(trust);
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		sign_signer *s = mk_signer(v[i].key);
		sign_cades_sign_opts o = SIGN_CADES_SIGN_OPTS_INIT;
		sign_cades_verify_opts vo = SIGN_CADES_VERIFY_OPTS_INIT;
		sign_cades_report *r = NULL;
		const sign_cades_signature *sig;
		sign_buf out = SIGN_BUF_INIT;
		const unsigned char *p;
		CMS_ContentInfo *cms;
		CMS_SignerInfo *si;
		X509_ALGOR *dig, *salg;
		STACK_OF(X509) *certs;
		time_t st = 0;
		size_t mlen = sizeof(msg) - 1;

		assert_non_null(s);
		o.scheme = v[i].scheme;
		o.md = v[i].md;
		o.enveloping = v[i].enveloping;
		o.signing_time = T_2026;
		assert_int_equal(sign_cades_sign_mem(&out, s, msg, mlen, &o), 0);

		/* the referee: OpenSSL's CMS_verify, plain and as CAdES */
		if (v[i].enveloping) {
			assert_true(ossl_verify(out.data, out.len, NULL, 0, msg, mlen, 0));
			assert_true(ossl_verify(out.data, out.len, NULL, 0, msg, mlen, CMS_CADES));
		} else {
			assert_true(ossl_verify(out.data, out.len, msg, mlen, NULL, 0, 0));
			assert_true(ossl_verify(out.data, out.len, msg, mlen, NULL, 0, CMS_CADES));
			assert_false(ossl_verify(out.data, out.len, msg, mlen - 1, NULL, 0, 0));
		}
		/* structure as OpenSSL sees it: one signer, four signed attributes,
		 * no unsigned ones, signer certificate + chain embedded */
		p = out.data;
		cms = d2i_CMS_ContentInfo(NULL, &p, (long)out.len);
		assert_non_null(cms);
		assert_ptr_equal(p, out.data + out.len);
		assert_int_equal(sk_CMS_SignerInfo_num(CMS_get0_SignerInfos(cms)), 1);
		si = sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms), 0);
		assert_int_equal(CMS_signed_get_attr_count(si), 4);
		assert_true(CMS_unsigned_get_attr_count(si) <= 0);
		CMS_SignerInfo_get0_algs(si, NULL, NULL, &dig, &salg);
		assert_int_equal(OBJ_obj2nid(salg->algorithm), v[i].ossl_nid);
		certs = CMS_get1_certs(cms);
		assert_int_equal(sk_X509_num(certs), 2);
		sk_X509_pop_free(certs, X509_free);
		assert_int_equal(CMS_is_detached(cms), !v[i].enveloping);
		CMS_ContentInfo_free(cms);

		/* our verifier */
		vo.trust = trust;
		assert_int_equal(sign_cades_verify_mem(&r, out.data, out.len,
		    v[i].enveloping ? NULL : msg, v[i].enveloping ? 0 : mlen, &vo), 0);
		assert_int_equal(sign_cades_report_indication(r), SIGN_CADES_TOTAL_PASSED);
		assert_int_equal(sign_cades_report_attached(r), v[i].enveloping);
		assert_int_equal(sign_cades_report_count(r), 1);
		sig = sign_cades_report_get(r, 0);
		assert_string_equal(sign_cades_signature_signer(sig), v[i].cn);
		assert_string_equal(sign_cades_signature_format(sig), "CAdES-BASELINE-B");
		assert_string_equal(sign_cades_signature_algorithm(sig), v[i].alg);
		assert_int_equal(sign_cades_signature_signing_time(sig, &st), 0);
		assert_int_equal(st, T_2026);
		assert_int_equal(sign_cades_signature_chain_count(sig), 3);
		assert_true(sign_cades_signature_chain_trusted(sig));
		sign_cades_report_free(r);
		sign_buf_dispose(&out);
		sign_signer_free(s);
	}
	sign_trust_free(trust);
}

static void
test_sign_refusals(void **state)
{
	sign_signer *enc = mk_signer("enc-only"), *rsa = mk_signer("signer-rsa"), *ec;
	sign_signer *tls = mk_signer("tls-server");
	sign_cades_sign_opts o = SIGN_CADES_SIGN_OPTS_INIT;
	sign_buf out = SIGN_BUF_INIT;

	(void)state;
	assert_non_null(tls);
	assert_int_equal(sign_cades_sign_mem(&out, enc, msg, 4, &o), SIGN_ERR_KEY_USAGE);
	assert_non_null(strstr(sign_error_message(), "does not allow signing documents (no "
	    "digitalSignature"));
	assert_int_equal(sign_cades_sign_mem(&out, tls, msg, 4, &o), SIGN_ERR_KEY_USAGE);
	assert_non_null(strstr(sign_error_message(), "its extended key usage names no "
	    "document-signing purpose"));
	assert_null(out.data);
	o.md = SIGN_MD_SHA1;
	assert_int_equal(sign_cades_sign_mem(&out, rsa, msg, 4, &o), SIGN_ERR_UNSUPPORTED);
	o.md = SIGN_MD_DEFAULT;
	o.scheme = SIGN_SCHEME_ECDSA;
	assert_int_equal(sign_cades_sign_mem(&out, rsa, msg, 4, &o), SIGN_ERR_USAGE);
	assert_non_null(strstr(sign_error_message(), "ECDSA signatures need an EC key"));
	o.scheme = SIGN_SCHEME_AUTO;
	o.version = 99;
	assert_int_equal(sign_cades_sign_mem(&out, rsa, msg, 4, &o), SIGN_ERR_INVALID_ARG);
	assert_null(out.data);
	/* a key without a certificate */
	{
		EVP_PKEY *k = load_key("signer-ec.key");

		assert_int_equal(sign_signer__from_pkey(&ec, k), 0);
		EVP_PKEY_free(k);
		o.version = SIGN_CADES_SIGN_OPTS_VERSION;
		assert_int_equal(sign_cades_sign_mem(&out, ec, msg, 4, &o), SIGN_ERR_NOT_FOUND);
		sign_signer_free(ec);
	}
	sign_signer_free(enc);
	sign_signer_free(tls);
	sign_signer_free(rsa);
}

/* ---- files: streaming, atomic output ------------------------------------- */

/* A signer that counts its private-key operations, can be told to fail
 * (always, or at call number fail_at), and notices two calls at once. */
struct counting {
	sign_signer *inner;
	int calls;
	int fail;
	int fail_at;
	int active;
	int overlapped;
	/* a slow token: each signature takes slow_ms; at call n > 1, done[n - 2]
	 * is set when out[n - 2] exists (committed before this signature) */
	int slow_ms;
	const char *const *out;
	int *done;
	/* at call cancel_at, sign_signer_cancel(cancel) (Ctrl-C in kyso sign) */
	sign_signer *cancel;
	int cancel_at;
};

static int
counting_sign(void *ctx, sign_scheme scheme, sign_md md, const unsigned char *digest,
    size_t dlen, sign_buf *sig)
{
	struct counting *c = ctx;
	int n, rc;

	if (__atomic_add_fetch(&c->active, 1, __ATOMIC_SEQ_CST) > 1)
		__atomic_store_n(&c->overlapped, 1, __ATOMIC_SEQ_CST);
	n = __atomic_add_fetch(&c->calls, 1, __ATOMIC_SEQ_CST);
	if (c->slow_ms > 0) {
		struct timespec ts = { 0, c->slow_ms * 1000000L };
		struct stat st;

		if (n > 1 && c->out != NULL && stat(c->out[n - 2], &st) == 0)
			c->done[n - 2] = 1;
		nanosleep(&ts, NULL);
	}
	if (c->cancel != NULL && n == c->cancel_at)
		sign_signer_cancel(c->cancel);
	if (c->fail || n == c->fail_at)
		rc = sign_error__set(SIGN_ERR_PIN_INCORRECT, 0, "wrong PIN (test)");
	else
		rc = sign_signer__sign(c->inner, scheme, md, digest, dlen, sig);
	__atomic_sub_fetch(&c->active, 1, __ATOMIC_SEQ_CST);
	return rc;
}

static void
counting_free(void *ctx)
{
	(void)ctx;
}

static const struct sign_signer_ops counting_ops = { counting_sign, counting_free, NULL,
	NULL };

/* A test signer (ops over ctx) with inner's key, certificate and the chain. */
static sign_signer *
mk_wrapped(const struct sign_signer_ops *ops, void *ctx, sign_signer *inner)
{
	sign_signer *s = NULL;

	assert_non_null(inner);
	assert_int_equal(sign_signer__new(&s, ops, ctx, inner->pub), 0);
	assert_int_equal(sign_signer__set_x509(s, inner->cert), 0);
	assert_int_equal(sign_signer_add_chain_file(s, pki("chain.pem")), 0);
	return s;
}

static sign_signer *
mk_counting(struct counting *c)
{
	c->inner = mk_signer("signer-rsa");
	return mk_wrapped(&counting_ops, c, c->inner);
}

/* A chain read ahead (sign_chain_read) and added to two signers; the
 * failures. */
static void
test_chain_read(void **state)
{
	sign_signer *a = mk_signer("signer-rsa"), *b = mk_signer("signer-ec");
	sign_chain *c = NULL;
	char cmd[1200];
	int n0;
	FILE *f;

	(void)state;
	n0 = sk_X509_num(a->chain);   /* mk_signer added chain.pem */
	assert_int_equal(sign_chain_read(&c, work("absent.pem")), SIGN_ERR_NOT_FOUND);
	assert_null(c);
	f = fopen(work("junk.pem"), "w");
	assert_non_null(f);
	fputs("not a certificate\n", f);
	fclose(f);
	assert_int_equal(sign_chain_read(&c, work("junk.pem")), SIGN_ERR_MALFORMED);
	assert_null(c);
	snprintf(cmd, sizeof(cmd), "cat '%s' '%s' > '%s'", pki("gov-ca.pem"), pki("root.pem"),
	    work("two.pem"));
	assert_int_equal(system(cmd), 0);
	assert_int_equal(sign_chain_read(&c, work("two.pem")), 0);
	assert_int_equal(sign_signer_add_chain(a, c), 0);
	assert_int_equal(sign_signer_add_chain(b, c), 0);
	assert_int_equal(sk_X509_num(a->chain), n0 + 2);
	assert_int_equal(sk_X509_num(b->chain), n0 + 2);
	sign_chain_free(c);           /* the signers hold their own references */
	assert_int_equal(X509_cmp(sk_X509_value(a->chain, n0 + 1),
	    sk_X509_value(b->chain, n0 + 1)), 0);
	assert_int_equal(X509_check_issued(sk_X509_value(a->chain, n0 + 1),
	    sk_X509_value(a->chain, n0)), X509_V_OK);
	assert_int_equal(sign_signer_add_chain(a, NULL), SIGN_ERR_INVALID_ARG);
	sign_signer_free(a);
	sign_signer_free(b);
}

static unsigned char *
make_data(size_t n)
{
	unsigned char *p = malloc(n);
	size_t i;

	assert_non_null(p);
	for (i = 0; i < n; i++)
		p[i] = (unsigned char)(i * 7 + (i >> 8));
	return p;
}

static void
test_sign_file_streaming(void **state)
{
	/* not a multiple of the 64 KiB read size, and more than one chunk */
	size_t n = 3 * 65536 + 12345;
	unsigned char *data = make_data(n);
	sign_signer *s = mk_signer("signer-ec");
	sign_trust *trust = mk_trust("root.pem");
	sign_cades_sign_opts o = SIGN_CADES_SIGN_OPTS_INIT;
	sign_cades_verify_opts vo = SIGN_CADES_VERIFY_OPTS_INIT;
	sign_cades_report *r = NULL;
	sign_buf sig = SIGN_BUF_INIT;

	(void)state;
	assert_int_equal(write_file(work("big.bin"), data, n), 0);
	/* detached */
	assert_int_equal(sign_cades_sign_file(s, work("big.bin"), work("big.bin.p7s"), &o), 0);
	assert_int_equal(sign__read_file(work("big.bin.p7s"), 1 << 20, &sig), 0);
	assert_true(sig.len < 8192);
	assert_true(ossl_verify(sig.data, sig.len, data, n, NULL, 0, CMS_CADES));
	vo.trust = trust;
	vo.content_path = work("big.bin");
	assert_int_equal(sign_cades_verify_file(&r, work("big.bin.p7s"), &vo), 0);
	assert_string_equal(sign_cades_report_content_path(r), work("big.bin"));
	assert_false(sign_cades_report_attached(r));
	sign_cades_report_free(r);
	r = NULL;
	/* enveloping: the content is streamed into the output */
	o.enveloping = 1;
	assert_int_equal(sign_cades_sign_file(s, work("big.bin"), work("big.env.p7s"), &o), 0);
	assert_int_equal(sign__read_file(work("big.env.p7s"), 1 << 20, &sig), 0);
	assert_true(sig.len > n);
	assert_true(ossl_verify(sig.data, sig.len, NULL, 0, data, n, CMS_CADES));
	vo.content_path = NULL;
	assert_int_equal(sign_cades_verify_file(&r, work("big.env.p7s"), &vo), 0);
	assert_true(sign_cades_report_attached(r));
	assert_null(sign_cades_report_content_path(r));
	sign_cades_report_free(r);
	assert_int_equal(count_files(work_dir, ".tmp"), 0);
	sign_buf_dispose(&sig);
	sign_trust_free(trust);
	sign_signer_free(s);
	free(data);
}

static void
test_sign_file_atomic(void **state)
{
	struct counting c = { NULL, 0, 0, 0, 0, 0, 0, NULL, NULL, NULL, 0 };
	sign_signer *s = mk_counting(&c);
	sign_cades_sign_opts o = SIGN_CADES_SIGN_OPTS_INIT;
	sign_buf before = SIGN_BUF_INIT, after = SIGN_BUF_INIT;
	sign_signer *enc = mk_signer("enc-only");
	struct stat st;

	(void)state;
	assert_int_equal(write_file(work("a.txt"), "a\n", 2), 0);
	assert_int_equal(write_file(work("b.txt"), "b\n", 2), 0);
	assert_int_equal(write_file(work("c.txt"), "c\n", 2), 0);
	/* three files, one private-key operation each */
	assert_int_equal(sign_cades_sign_file(s, work("a.txt"), work("a.txt.p7s"), &o), 0);
	assert_int_equal(sign_cades_sign_file(s, work("b.txt"), work("b.txt.p7s"), &o), 0);
	assert_int_equal(sign_cades_sign_file(s, work("c.txt"), work("c.txt.p7s"), &o), 0);
	assert_int_equal(c.calls, 3);

	/* an existing output is kept without overwrite, and the key is not used */
	assert_int_equal(sign__read_file(work("a.txt.p7s"), 1 << 20, &before), 0);
	assert_int_equal(sign_cades_sign_file(s, work("b.txt"), work("a.txt.p7s"), &o),
	    SIGN_ERR_EXISTS);
	assert_non_null(strstr(sign_error_message(), "already exists"));
	assert_int_equal(c.calls, 3);
	assert_int_equal(sign__read_file(work("a.txt.p7s"), 1 << 20, &after), 0);
	assert_int_equal(before.len, after.len);
	assert_memory_equal(before.data, after.data, before.len);
	o.overwrite = 1;
	assert_int_equal(sign_cades_sign_file(s, work("b.txt"), work("a.txt.p7s"), &o), 0);
	assert_int_equal(sign__read_file(work("a.txt.p7s"), 1 << 20, &after), 0);
	assert_true(ossl_verify(after.data, after.len, (const unsigned char *)"b\n", 2, NULL, 0, 0));
	o.overwrite = 0;

	/* failures leave no output and no temporary file */
	c.fail = 1;
	assert_int_equal(sign_cades_sign_file(s, work("a.txt"), work("fail.p7s"), &o),
	    SIGN_ERR_PIN_INCORRECT);
	o.enveloping = 1;
	assert_int_equal(sign_cades_sign_file(s, work("a.txt"), work("fail.p7s"), &o),
	    SIGN_ERR_PIN_INCORRECT);
	o.enveloping = 0;
	c.fail = 0;
	assert_int_equal(sign_cades_sign_file(s, work("missing.txt"), work("fail.p7s"), &o),
	    SIGN_ERR_NOT_FOUND);
	assert_int_equal(sign_cades_sign_file(enc, work("a.txt"), work("fail.p7s"), &o),
	    SIGN_ERR_KEY_USAGE);
	assert_int_equal(sign_cades_sign_file(s, work_dir, work("fail.p7s"), &o), SIGN_ERR_IO);
	assert_int_equal(stat(work("fail.p7s"), &st), -1);
	/* the output may not be the input */
	o.overwrite = 1;
	assert_int_equal(sign_cades_sign_file(s, work("a.txt"), work("a.txt"), &o), SIGN_ERR_USAGE);
	assert_int_equal(count_files(work_dir, ".tmp"), 0);

	sign_buf_dispose(&before);
	sign_buf_dispose(&after);
	sign_signer_free(s);
	sign_signer_free(c.inner);
	sign_signer_free(enc);
}

/* Names at the file system's limit, and a FIFO given for an enveloping
 * signature. */
static void
alarm_fail(int sig)
{
	(void)sig;
	fail_msg("signing hung (a FIFO was opened for reading and waited for a writer)");
}

static void
test_sign_file_edges(void **state)
{
	sign_signer *s = mk_signer("signer-rsa");
	sign_cades_sign_opts o = SIGN_CADES_SIGN_OPTS_INIT;
	sign_buf sig = SIGN_BUF_INIT;
	char name[NAME_MAX + 1], in[600], out[610];
	size_t n;

	(void)state;
	assert_non_null(s);
	/* "Tờ trình " is 12 bytes: a Vietnamese name of 244 bytes whose
	 * signature's name (248 bytes) fits, but not NAME.p7s.tmpXXXXXX */
	name[0] = '\0';
	while (strlen(name) + 13 <= 243)
		strcat(name, "T\xe1\xbb\x9d tr\xc3\xacnh ");
	strcat(name, ".txt");
	n = strlen(name);
	assert_true(n + 4 <= NAME_MAX && n + 14 > NAME_MAX);
	snprintf(in, sizeof(in), "%s/%s", work_dir, name);
	snprintf(out, sizeof(out), "%s.p7s", in);
	assert_int_equal(write_file(in, "long\n", 5), 0);
	assert_int_equal(sign_cades_sign_file(s, in, out, &o), 0);
	assert_int_equal(sign__read_file(out, 1 << 20, &sig), 0);
	assert_true(ossl_verify(sig.data, sig.len, (const unsigned char *)"long\n", 5, NULL, 0,
	    0));
	assert_int_equal(count_files(work_dir, ".tmp"), 0);
	unlink(in);
	unlink(out);

	/* outputs are made with the umask, as other files (readable by the
	 * auditors of a shared folder with 022), not 0600 */
	{
		static const mode_t masks[] = { 022, 027, 077 };
		mode_t old = umask(022);
		struct stat st;
		size_t i;

		for (i = 0; i < sizeof(masks) / sizeof(masks[0]); i++) {
			umask(masks[i]);
			assert_int_equal(write_file(work("mode.txt"), "m\n", 2), 0);
			assert_int_equal(sign_cades_sign_file(s, work("mode.txt"), work("mode.p7s"),
			    &o), 0);
			assert_int_equal(stat(work("mode.p7s"), &st), 0);
			assert_int_equal(st.st_mode & 0777, 0666 & ~masks[i]);
			unlink(work("mode.p7s"));
			unlink(work("mode.txt"));
		}
		umask(old);
	}

	/* a FIFO without a writer: refused at once, not waited on */
	assert_int_equal(mkfifo(work("fifo"), 0600), 0);
	o.enveloping = 1;
	signal(SIGALRM, alarm_fail);
	alarm(20);
	assert_int_equal(sign_cades_sign_file(s, work("fifo"), work("fifo.p7s"), &o),
	    SIGN_ERR_USAGE);
	alarm(0);
	assert_non_null(strstr(sign_error_message(), "not a regular file"));
	assert_int_equal(access(work("fifo.p7s"), F_OK), -1);
	assert_int_equal(count_files(work_dir, ".tmp"), 0);
	unlink(work("fifo"));
	sign_buf_dispose(&sig);
	sign_signer_free(s);
}

/* sign_signer_cancel() during a batch: the signature under way completes,
 * no other is asked for, the files signed are in place, nothing else is
 * written and no temporary file is left. */
static void
test_sign_files_cancel(void **state)
{
	struct counting c = { NULL, 0, 0, 0, 0, 0, 0, NULL, NULL, NULL, 0 };
	sign_signer *s = mk_counting(&c);
	sign_cades_sign_opts o = SIGN_CADES_SIGN_OPTS_INIT;
	const char *in[12], *out[12];
	char names[12][64], path[1100];
	int results[12], i, ok = 0;
	struct stat st;

	(void)state;
	for (i = 0; i < 12; i++) {
		snprintf(names[i], sizeof(names[i]), "cancel%d.txt", i);
		snprintf(path, sizeof(path), "%s/%s", work_dir, names[i]);
		in[i] = strdup(path);
		snprintf(path, sizeof(path), "%s/%s.p7s", work_dir, names[i]);
		out[i] = strdup(path);
		assert_non_null(in[i]);
		assert_non_null(out[i]);
		assert_int_equal(write_file(in[i], names[i], strlen(names[i])), 0);
	}
	c.cancel = s;
	c.cancel_at = 4;
	o.threads = 4;
	assert_int_equal(sign_cades_sign_files(s, in, out, 12, &o, results), SIGN_ERR_CANCELLED);
	assert_int_equal(c.calls, 4);
	for (i = 0; i < 12; i++) {
		if (results[i] == 0) {
			sign_buf sig = SIGN_BUF_INIT;

			ok++;
			assert_int_equal(sign__read_file(out[i], 1 << 20, &sig), 0);
			assert_true(ossl_verify(sig.data, sig.len, (const unsigned char *)names[i],
			    strlen(names[i]), NULL, 0, 0));
			sign_buf_dispose(&sig);
		} else {
			assert_int_equal(stat(out[i], &st), -1);
		}
	}
	assert_int_equal(ok, 4);
	assert_int_equal(count_files(work_dir, ".tmp"), 0);
	/* a cancelled signer signs nothing more */
	assert_int_equal(sign_cades_sign_file(s, in[11], work("after.p7s"), &o),
	    SIGN_ERR_CANCELLED);
	assert_int_equal(c.calls, 4);
	for (i = 0; i < 12; i++) {
		unlink(in[i]);
		unlink(out[i]);
		free((char *)in[i]);
		free((char *)out[i]);
	}
	sign_signer_free(s);
	sign_signer_free(c.inner);
}

static void
test_sign_files_batch(void **state)
{
	static const unsigned int threads[] = { 1, 2, 4 };
	struct counting c = { NULL, 0, 0, 0, 0, 0, 0, NULL, NULL, NULL, 0 };
	sign_signer *s = mk_counting(&c);
	sign_trust *trust = mk_trust("root.pem");
	sign_cades_sign_opts o = SIGN_CADES_SIGN_OPTS_INIT;
	sign_cades_verify_opts vo = SIGN_CADES_VERIFY_OPTS_INIT;
	char in[8][64], out[8][64], name[32];
	const char *inp[8], *outp[8];
	int res[8];
	size_t i, t;

	(void)state;
	vo.trust = trust;
	for (i = 0; i < 8; i++) {
		snprintf(name, sizeof(name), "batch%zu.txt", i);
		snprintf(in[i], sizeof(in[i]), "%s", work(name));
		snprintf(name, sizeof(name), "batch%zu.txt.p7s", i);
		snprintf(out[i], sizeof(out[i]), "%s", work(name));
		inp[i] = in[i];
		outp[i] = out[i];
		assert_int_equal(write_file(in[i], name, strlen(name)), 0);
	}
	o.overwrite = 1;
	for (t = 0; t < 3; t++) {
		o.threads = threads[t];
		c.calls = 0;
		assert_int_equal(sign_cades_sign_files(s, inp, outp, 8, &o, res), 0);
		assert_int_equal(c.calls, 8);   /* one private-key operation per file */
		for (i = 0; i < 8; i++) {
			sign_cades_report *r = NULL;

			assert_int_equal(res[i], 0);
			vo.content_path = in[i];
			assert_int_equal(sign_cades_verify_file(&r, out[i], &vo), 0);
			sign_cades_report_free(r);
			unlink(out[i]);
		}
	}
	/* a missing input: in order with one thread, the rest not attempted */
	inp[2] = work("batch-missing.txt");
	o.threads = 1;
	assert_int_equal(sign_cades_sign_files(s, inp, outp, 8, &o, res), SIGN_ERR_NOT_FOUND);
	assert_non_null(strstr(sign_error_message(), "batch-missing.txt"));
	assert_int_equal(res[0], 0);
	assert_int_equal(res[1], 0);
	assert_int_equal(res[2], SIGN_ERR_NOT_FOUND);
	for (i = 3; i < 8; i++)
		assert_int_equal(res[i], SIGN_ERR_CANCELLED);
	/* with threads: the error and message of the failed file; every file is
	 * signed, failed, or not attempted, and what exists is complete */
	o.threads = 4;
	assert_int_equal(sign_cades_sign_files(s, inp, outp, 8, &o, res), SIGN_ERR_NOT_FOUND);
	assert_non_null(strstr(sign_error_message(), "batch-missing.txt"));
	assert_int_equal(res[2], SIGN_ERR_NOT_FOUND);
	for (i = 0; i < 8; i++) {
		struct stat st;

		assert_true(res[i] == 0 || res[i] == SIGN_ERR_CANCELLED || i == 2);
		if (res[i] == 0) {
			sign_cades_report *r = NULL;

			vo.content_path = in[i];
			assert_int_equal(sign_cades_verify_file(&r, out[i], &vo), 0);
			sign_cades_report_free(r);
		} else if (i != 2) {
			assert_int_equal(stat(out[i], &st), -1);
		}
	}
	/* without overwrite: an output that exists stops the batch there, before
	 * its signature, and is kept; found by the listing before the batch (a
	 * dangling symbolic link too, which access() would not see) */
	for (i = 0; i < 8; i++)
		unlink(out[i]);
	inp[2] = in[2];
	o.overwrite = 0;
	for (t = 0; t < 2; t++) {
		struct stat st;

		o.threads = t == 0 ? 1 : 4;
		assert_int_equal(symlink(work("nowhere"), out[5]), 0);
		c.calls = 0;
		assert_int_equal(sign_cades_sign_files(s, inp, outp, 8, &o, res), SIGN_ERR_EXISTS);
		assert_non_null(strstr(sign_error_message(), "already exists"));
		assert_int_equal(res[5], SIGN_ERR_EXISTS);
		for (i = 0; i < 5; i++)
			assert_true(res[i] == 0 || (t == 1 && res[i] == SIGN_ERR_CANCELLED));
		for (i = 6; i < 8; i++) {
			assert_int_not_equal(res[i], 0);
			assert_int_equal(lstat(out[i], &st), -1);
		}
		if (t == 0)
			assert_int_equal(c.calls, 5);
		assert_int_equal(lstat(out[5], &st), 0);
		assert_true(S_ISLNK(st.st_mode));
		for (i = 0; i < 8; i++)
			unlink(out[i]);
	}
	o.overwrite = 1;
	/* a token failure: nothing is written */
	for (i = 0; i < 8; i++)
		unlink(out[i]);
	inp[2] = in[2];
	c.fail = 1;
	assert_int_equal(sign_cades_sign_files(s, inp, outp, 8, &o, res), SIGN_ERR_PIN_INCORRECT);
	for (i = 0; i < 8; i++) {
		struct stat st;

		assert_int_not_equal(res[i], 0);
		assert_int_equal(stat(out[i], &st), -1);
	}
	c.fail = 0;
	assert_int_equal(count_files(work_dir, ".tmp"), 0);
	assert_int_equal(sign_cades_sign_files(s, inp, outp, 0, &o, NULL), 0);
	sign_trust_free(trust);
	sign_signer_free(s);
	sign_signer_free(c.inner);
}

/* With overwrite, a batch whose output is one of its inputs, or is not a
 * regular file (a link, a FIFO), is refused before any signature; nothing
 * is replaced. */
static void
test_sign_files_outputs(void **state)
{
	struct counting c = { NULL, 0, 0, 0, 0, 0, 0, NULL, NULL, NULL, 0 };
	sign_signer *s = mk_counting(&c);
	sign_cades_sign_opts o = SIGN_CADES_SIGN_OPTS_INIT;
	sign_buf before = SIGN_BUF_INIT, after = SIGN_BUF_INIT;
	char a[64], ap[64], b[64], bp[64], lnk[64], fifo[64];
	const char *inp[2], *outp[2];
	int res[2];
	struct stat st;

	(void)state;
	snprintf(a, sizeof(a), "%s", work("io-a.txt"));
	snprintf(ap, sizeof(ap), "%s", work("io-a.txt.p7s"));
	snprintf(b, sizeof(b), "%s", work("io-b.txt"));
	snprintf(bp, sizeof(bp), "%s", work("io-b.txt.p7s"));
	snprintf(lnk, sizeof(lnk), "%s", work("io-link.p7s"));
	snprintf(fifo, sizeof(fifo), "%s", work("io-fifo.p7s"));
	assert_int_equal(write_file(a, "a\n", 2), 0);
	assert_int_equal(write_file(b, "b\n", 2), 0);
	assert_int_equal(sign_cades_sign_file(s, a, ap, &o), 0);
	assert_int_equal(sign__read_file(ap, 1 << 20, &before), 0);
	o.overwrite = 1;
	c.calls = 0;
	/* kyso sign --force a.txt a.txt.p7s: a.txt.p7s is an input and an output */
	inp[0] = a;
	outp[0] = ap;
	inp[1] = ap;
	outp[1] = bp;
	assert_int_equal(sign_cades_sign_files(s, inp, outp, 2, &o, res), SIGN_ERR_USAGE);
	assert_non_null(strstr(sign_error_message(), "is both an input and an output"));
	assert_int_equal(res[0], SIGN_ERR_USAGE);
	assert_int_equal(res[1], SIGN_ERR_CANCELLED);
	assert_int_equal(c.calls, 0);
	assert_int_equal(stat(bp, &st), -1);
	assert_int_equal(sign__read_file(ap, 1 << 20, &after), 0);
	assert_int_equal(before.len, after.len);
	assert_memory_equal(before.data, after.data, before.len);
	/* the same by another name (a hard link) */
	assert_int_equal(link(ap, lnk), 0);
	inp[1] = lnk;
	assert_int_equal(sign_cades_sign_files(s, inp, outp, 2, &o, res), SIGN_ERR_USAGE);
	assert_int_equal(unlink(lnk), 0);
	/* a symbolic link or a FIFO is not replaced by a file */
	assert_int_equal(symlink(a, lnk), 0);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	inp[1] = b;
	outp[1] = lnk;
	assert_int_equal(sign_cades_sign_files(s, inp, outp, 2, &o, res), SIGN_ERR_USAGE);
	assert_non_null(strstr(sign_error_message(), "is not a regular file: it is a symbolic link"));
	assert_int_equal(res[1], SIGN_ERR_USAGE);
	assert_int_equal(sign_cades_sign_file(s, b, fifo, &o), SIGN_ERR_USAGE);
	assert_non_null(strstr(sign_error_message(), "is not a regular file: it is a FIFO"));
	assert_int_equal(c.calls, 0);
	assert_int_equal(lstat(lnk, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(lstat(fifo, &st), 0);
	assert_true(S_ISFIFO(st.st_mode));
	/* without overwrite a FIFO is refused as it exists, never replaced */
	o.overwrite = 0;
	assert_int_equal(sign_cades_sign_file(s, b, fifo, &o), SIGN_ERR_EXISTS);
	unlink(lnk);
	unlink(fifo);
	unlink(ap);
	assert_int_equal(count_files(work_dir, ".tmp"), 0);
	sign_buf_dispose(&before);
	sign_buf_dispose(&after);
	sign_signer_free(s);
	sign_signer_free(c.inner);
}

#define PIPE_PATH 320

/* The batch invariants after any run: a file reported as signed has a
 * complete output that OpenSSL verifies; any other file has no output (a
 * directory standing in the way stays one); no temporary file is left.
 * Returns the number signed. */
static size_t
check_batch(const char *dir, char in[][PIPE_PATH], char out[][PIPE_PATH], const int *res,
    size_t n)
{
	size_t i, done = 0;

	for (i = 0; i < n; i++) {
		struct stat st;

		if (res[i] == 0) {
			sign_buf sig = SIGN_BUF_INIT, data = SIGN_BUF_INIT;

			assert_int_equal(sign__read_file(out[i], 1 << 20, &sig), 0);
			assert_int_equal(sign__read_file(in[i], 1 << 20, &data), 0);
			assert_true(ossl_verify(sig.data, sig.len, data.data, data.len, NULL, 0,
			    0));
			sign_buf_dispose(&sig);
			sign_buf_dispose(&data);
			done++;
		} else {
			assert_true(stat(out[i], &st) != 0 || S_ISDIR(st.st_mode));
		}
	}
	assert_int_equal(count_files(dir, ".tmp"), 0);
	return done;
}

/* A new directory DIR (work dir's `name`) with n files DIR/fNNN.txt: in[i]
 * and out[i] (DIR/fNNN.txt.p7s), inp/outp pointing at them. */
static void
make_batch(char *dir, size_t cap, const char *name, char in[][PIPE_PATH],
    char out[][PIPE_PATH], const char **inp, const char **outp, size_t n)
{
	char text[64];
	size_t i;

	snprintf(dir, cap, "%s", work(name));
	assert_int_equal(mkdir(dir, 0700), 0);
	for (i = 0; i < n; i++) {
		snprintf(in[i], PIPE_PATH, "%s/f%03zu.txt", dir, i);
		snprintf(out[i], PIPE_PATH, "%s/f%03zu.txt.p7s", dir, i);
		snprintf(text, sizeof(text), "file %zu of the batch\n", i);
		assert_int_equal(write_file(in[i], text, strlen(text)), 0);
		inp[i] = in[i];
		outp[i] = out[i];
	}
}

static void
unlink_outputs(char out[][PIPE_PATH], size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		unlink(out[i]);
}

/* More files than the batch keeps in flight (several commit groups): every
 * thread count, and a failure at each step of a file in the middle. */
static void
test_sign_files_pipeline(void **state)
{
	enum { N = 150 };
	static const unsigned int threads[] = { 1, 2, 4 };
	static char in[N][PIPE_PATH], out[N][PIPE_PATH];
	struct counting c = { NULL, 0, 0, 0, 0, 0, 0, NULL, NULL, NULL, 0 };
	sign_signer *s = mk_counting(&c);
	sign_cades_sign_opts o = SIGN_CADES_SIGN_OPTS_INIT;
	const char *inp[N], *outp[N];
	char dir[256];
	int res[N];
	size_t i, t;

	(void)state;
	make_batch(dir, sizeof(dir), "pipe", in, out, inp, outp, N);
	for (t = 0; t < 3; t++) {
		o.threads = threads[t];
		c.calls = 0;
		assert_int_equal(sign_cades_sign_files(s, inp, outp, N, &o, res), 0);
		assert_int_equal(c.calls, N);
		assert_false(c.overlapped);       /* the signer is used by one thread at a time */
		assert_int_equal(check_batch(dir, in, out, res, N), N);
		unlink_outputs(out, N);
	}
	/*
	 * A failure at each step of a file in the middle.  With one thread the
	 * files are done one after the other, so exactly those before the
	 * failed one are signed.  With more, after a token or disk failure a
	 * few files near it may be signed or not: check_batch() holds.
	 */
	for (t = 0; t < 3; t++) {
		size_t done, cancelled;

		o.threads = threads[t];
		/* sign: the 70th signature fails */
		c.calls = 0;
		c.fail_at = 70;
		assert_int_equal(sign_cades_sign_files(s, inp, outp, N, &o, res),
		    SIGN_ERR_PIN_INCORRECT);
		c.fail_at = 0;
		assert_int_equal(c.calls, 70);    /* no signature after the failure */
		assert_int_equal(check_batch(dir, in, out, res, N), 69);
		for (i = 0, done = cancelled = 0; i < N; i++) {
			assert_true(res[i] == 0 || res[i] == SIGN_ERR_PIN_INCORRECT ||
			    res[i] == SIGN_ERR_CANCELLED);
			cancelled += res[i] == SIGN_ERR_CANCELLED;
		}
		assert_int_equal(cancelled, N - 70);
		if (threads[t] == 1)
			assert_int_equal(res[69], SIGN_ERR_PIN_INCORRECT);
		unlink_outputs(out, N);
		/* prepare: a missing input stops the batch at that file, whatever
		 * the threads: the files before it are signed, none after it */
		inp[100] = work("pipe-missing.txt");
		assert_int_equal(sign_cades_sign_files(s, inp, outp, N, &o, res),
		    SIGN_ERR_NOT_FOUND);
		assert_non_null(strstr(sign_error_message(), "pipe-missing.txt"));
		inp[100] = in[100];
		assert_int_equal(check_batch(dir, in, out, res, N), 100);
		for (i = 0; i < N; i++)
			assert_int_equal(res[i], i < 100 ? 0 : i == 100 ? SIGN_ERR_NOT_FOUND :
			    SIGN_ERR_CANCELLED);
		unlink_outputs(out, N);
		/* write: no directory for the 41st output */
		outp[40] = work("pipe-nodir/f040.txt.p7s");
		assert_int_equal(sign_cades_sign_files(s, inp, outp, N, &o, res), SIGN_ERR_IO);
		assert_non_null(strstr(sign_error_message(), "pipe-nodir/f040.txt.p7s"));
		outp[40] = out[40];
		assert_int_equal(res[40], SIGN_ERR_IO);
		done = check_batch(dir, in, out, res, N);
		if (threads[t] == 1)
			assert_int_equal(done, 40);
		unlink_outputs(out, N);
		/* commit: the 51st output is a directory (replacing is allowed);
		 * the files of its group are written already: they are kept */
		o.overwrite = 1;
		assert_int_equal(mkdir(out[50], 0700), 0);
		assert_int_equal(sign_cades_sign_files(s, inp, outp, N, &o, res), SIGN_ERR_IO);
		assert_non_null(strstr(sign_error_message(), "f050.txt.p7s"));
		assert_int_equal(res[50], SIGN_ERR_IO);
		assert_true(check_batch(dir, in, out, res, N) >= 50);
		for (i = 0; threads[t] == 1 && i < 50; i++)
			assert_int_equal(res[i], 0);
		assert_int_equal(rmdir(out[50]), 0);
		o.overwrite = 0;
		unlink_outputs(out, N);
	}
	assert_false(c.overlapped);
	sign_signer_free(s);
	sign_signer_free(c.inner);
}


/* With a slow token (a smart card: 50-500 ms a signature) each signature is
 * in place before the next one is asked for, whatever the threads: an
 * interrupted batch keeps every signature made. */
static void
test_sign_files_slow_token(void **state)
{
	enum { N = 6 };
	static const unsigned int threads[] = { 1, 2 };
	char in[N][PIPE_PATH], out[N][PIPE_PATH], name[64];
	const char *inp[N], *outp[N];
	int res[N], done[N];
	struct counting c = { NULL, 0, 0, 0, 0, 0, 15, NULL, NULL, NULL, 0 };
	sign_signer *s = mk_counting(&c);
	sign_cades_sign_opts o = SIGN_CADES_SIGN_OPTS_INIT;
	size_t i, t;

	(void)state;
	for (i = 0; i < N; i++) {
		snprintf(name, sizeof(name), "slow%zu.txt", i);
		snprintf(in[i], sizeof(in[i]), "%s", work(name));
		snprintf(out[i], sizeof(out[i]), "%s.p7s", in[i]);
		assert_int_equal(write_file(in[i], name, strlen(name)), 0);
		inp[i] = in[i];
		outp[i] = out[i];
	}
	c.out = outp;
	c.done = done;
	for (t = 0; t < 2; t++) {
		memset(done, 0, sizeof(done));
		c.calls = 0;
		o.threads = threads[t];
		assert_int_equal(sign_cades_sign_files(s, inp, outp, N, &o, res), 0);
		for (i = 0; i + 1 < N; i++)
			assert_true(done[i]);   /* in place before the signature of file i + 1 */
		assert_int_equal(check_batch(work_dir, in, out, res, N), N);
		unlink_outputs(out, N);
	}
	sign_signer_free(s);
	sign_signer_free(c.inner);
}

/* A signer with lanes (a token with several sessions): counts the
 * signatures on each lane, notices a lane used by two threads at once, and
 * can give fewer lanes than asked, or be slow. */
struct laned {
	sign_signer *inner;
	unsigned int give;          /* lanes it can make in all */
	unsigned int open;          /* lanes open now */
	unsigned int asked;         /* lanes() calls asking for more than one */
	int slow_ms;
	int fail_at;                /* from this signature on (counted over all lanes),
	                             * all fail: the token was removed */
	unsigned int bad_lane;      /* > 0: signatures on this lane fail (a module that
	                             * opens a session but will not sign on it) */
	int calls;
	int per_lane[SIGN_SIGNER__MAX_LANES];
	int active[SIGN_SIGNER__MAX_LANES];
	int overlapped;             /* one lane used by two threads at once */
	int beyond;                 /* a lane used that was not open */
};

static int
laned_sign_lane(void *ctx, unsigned int lane, sign_scheme scheme, sign_md md,
    const unsigned char *digest, size_t dlen, sign_buf *sig)
{
	struct laned *l = ctx;
	int rc = 0, n;

	if (lane >= __atomic_load_n(&l->open, __ATOMIC_SEQ_CST)) {
		__atomic_store_n(&l->beyond, 1, __ATOMIC_SEQ_CST);
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "lane not open (test)");
	}
	if (__atomic_add_fetch(&l->active[lane], 1, __ATOMIC_SEQ_CST) > 1)
		__atomic_store_n(&l->overlapped, 1, __ATOMIC_SEQ_CST);
	n = __atomic_add_fetch(&l->calls, 1, __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&l->per_lane[lane], 1, __ATOMIC_SEQ_CST);
	if (l->fail_at > 0 && n >= l->fail_at) {
		/* at once: the signatures under way on other lanes are the only
		 * ones after it */
		rc = sign_error__set(SIGN_ERR_TOKEN_NOT_FOUND, 0, "the token was removed (test)");
	} else if (l->bad_lane > 0 && lane == l->bad_lane) {
		rc = sign_error__set(SIGN_ERR_PKCS11, 0, "C_Sign: CKR_USER_NOT_LOGGED_IN (test)");
	} else if (l->slow_ms > 0) {
		struct timespec ts = { 0, l->slow_ms * 1000000L };

		nanosleep(&ts, NULL);
	} else {
		/* long enough for the other lanes' threads to come in meanwhile */
		struct timespec ts = { 0, 200000L };

		nanosleep(&ts, NULL);
	}
	if (!(l->fail_at > 0 && n >= l->fail_at) && !(l->bad_lane > 0 && lane == l->bad_lane))
		rc = sign_signer__sign(l->inner, scheme, md, digest, dlen, sig);
	__atomic_sub_fetch(&l->active[lane], 1, __ATOMIC_SEQ_CST);
	return rc;
}

static int
laned_sign(void *ctx, sign_scheme scheme, sign_md md, const unsigned char *digest,
    size_t dlen, sign_buf *sig)
{
	return laned_sign_lane(ctx, 0, scheme, md, digest, dlen, sig);
}

static unsigned int
laned_lanes(void *ctx, unsigned int n)
{
	struct laned *l = ctx;
	unsigned int got = n < l->give ? n : l->give;

	if (n > 1)
		l->asked++;
	__atomic_store_n(&l->open, got < 1 ? 1 : got, __ATOMIC_SEQ_CST);
	return l->open;
}

static const struct sign_signer_ops laned_ops = { laned_sign, counting_free, laned_lanes,
	laned_sign_lane };

/*
 * A fast token signs on as many sessions as it gives (up to opts.sessions
 * and the threads), each from one thread at a time; the extra ones are
 * closed at the end.  One session when asked for one, with a slow token, a
 * time-stamp server or a short batch; the signatures are the same.
 */
static void
test_sign_files_lanes(void **state)
{
	enum { N = 120 };
	static char in[N][PIPE_PATH], out[N][PIPE_PATH];
	struct laned l;
	sign_signer *s = NULL;
	sign_cades_sign_opts o = SIGN_CADES_SIGN_OPTS_INIT;
	const char *inp[N], *outp[N];
	char dir[256];
	int res[N];
	size_t i, done;

	(void)state;
	memset(&l, 0, sizeof(l));
	l.open = 1;
	l.give = 4;
	l.inner = mk_signer("signer-ec");
	s = mk_wrapped(&laned_ops, &l, l.inner);
	make_batch(dir, sizeof(dir), "lanes", in, out, inp, outp, N);
	/* threads 4, sessions 3, a token giving 3: three lanes */
	l.give = 3;
	o.threads = 4;
	o.sessions = 3;
	assert_int_equal(sign_cades_sign_files(s, inp, outp, N, &o, res), 0);
	assert_int_equal(check_batch(dir, in, out, res, N), N);
	assert_int_equal(l.calls, N);
	assert_int_equal(l.asked, 1);
	assert_true(l.per_lane[0] > 0 && l.per_lane[1] > 0 && l.per_lane[2] > 0);
	assert_int_equal(l.per_lane[3], 0);
	assert_int_equal(l.open, 1);               /* closed at the end */
	unlink_outputs(out, N);
	/* sessions 2 with 4 threads: lanes 0 and 1 only */
	memset(l.per_lane, 0, sizeof(l.per_lane));
	l.calls = 0;
	l.asked = 0;
	l.give = 4;
	o.sessions = 2;
	assert_int_equal(sign_cades_sign_files(s, inp, outp, N, &o, res), 0);
	assert_int_equal(check_batch(dir, in, out, res, N), N);
	assert_true(l.per_lane[0] > 0 && l.per_lane[1] > 0);
	assert_int_equal(l.per_lane[2] + l.per_lane[3], 0);
	assert_int_equal(l.open, 1);
	unlink_outputs(out, N);
	/* never more sessions than threads: 2 threads, sessions 4 */
	memset(l.per_lane, 0, sizeof(l.per_lane));
	o.sessions = 4;
	o.threads = 2;
	assert_int_equal(sign_cades_sign_files(s, inp, outp, N, &o, res), 0);
	assert_int_equal(l.per_lane[2] + l.per_lane[3], 0);
	assert_true(l.per_lane[1] > 0);
	unlink_outputs(out, N);
	/* one session asked for, or one thread: lanes are never asked for */
	memset(l.per_lane, 0, sizeof(l.per_lane));
	l.asked = 0;
	o.threads = 4;
	o.sessions = 1;
	assert_int_equal(sign_cades_sign_files(s, inp, outp, N, &o, res), 0);
	unlink_outputs(out, N);
	o.sessions = 0;
	o.threads = 1;
	assert_int_equal(sign_cades_sign_files(s, inp, outp, N, &o, res), 0);
	assert_int_equal(check_batch(dir, in, out, res, N), N);
	assert_int_equal(l.asked, 0);
	assert_int_equal(l.per_lane[0], 2 * N);
	unlink_outputs(out, N);
	/* a version 3 caller (no sessions member): one per CPU */
	memset(l.per_lane, 0, sizeof(l.per_lane));
	o.version = 3;
	o.threads = 2;
	o.sessions = 1;   /* not read */
	assert_int_equal(sign_cades_sign_files(s, inp, outp, N, &o, res), 0);
	if (sysconf(_SC_NPROCESSORS_ONLN) > 1)
		assert_true(l.per_lane[1] > 0);
	else
		assert_int_equal(l.per_lane[1], 0);
	o.version = SIGN_CADES_SIGN_OPTS_VERSION;
	o.sessions = 0;
	unlink_outputs(out, N);
	/* a short batch (16 files or fewer after the first): one session */
	memset(l.per_lane, 0, sizeof(l.per_lane));
	l.asked = 0;
	assert_int_equal(sign_cades_sign_files(s, inp, outp, 17, &o, res), 0);
	assert_int_equal(l.asked, 0);
	assert_int_equal(l.per_lane[0], 17);
	unlink_outputs(out, 17);
	/* a slow token (10 ms or more a signature, a smart card): one session */
	memset(l.per_lane, 0, sizeof(l.per_lane));
	l.slow_ms = 11;
	assert_int_equal(sign_cades_sign_files(s, inp, outp, 24, &o, res), 0);
	assert_int_equal(l.asked, 0);
	assert_int_equal(l.per_lane[0], 24);
	l.slow_ms = 0;
	unlink_outputs(out, 24);
	/* a further session that will not sign: the file is signed again on
	 * the first, and the batch goes on there */
	memset(l.per_lane, 0, sizeof(l.per_lane));
	l.calls = 0;
	l.bad_lane = 1;
	o.threads = 4;
	o.sessions = 2;
	assert_int_equal(sign_cades_sign_files(s, inp, outp, N, &o, res), 0);
	assert_int_equal(check_batch(dir, in, out, res, N), N);
	assert_true(l.per_lane[1] >= 1 && l.per_lane[1] <= 2);
	assert_int_equal(l.per_lane[0], N);
	assert_int_equal(l.open, 1);
	l.bad_lane = 0;
	unlink_outputs(out, N);
	/* the token removed in the middle, on whichever session: nothing signed
	 * after it, the outputs are the first files, no temporary file left */
	l.calls = 0;
	l.fail_at = 60;
	o.threads = 4;
	o.sessions = 4;
	assert_int_equal(sign_cades_sign_files(s, inp, outp, N, &o, res),
	    SIGN_ERR_TOKEN_NOT_FOUND);
	assert_true(l.calls >= 60 && l.calls < N);
	done = check_batch(dir, in, out, res, N);
	assert_true(done < 60 + SIGN_SIGNER__MAX_LANES);
	for (i = 0; i < N; i++)     /* the first files, without a gap */
		assert_true((res[i] == 0) == (i < done));
	assert_int_equal(count_files(dir, ".tmp"), 0);
	assert_int_equal(l.open, 1);
	l.fail_at = 0;
	unlink_outputs(out, N);
	assert_false(l.overlapped);
	assert_false(l.beyond);
	sign_signer_free(s);
	sign_signer_free(l.inner);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_der_lengths),
		cmocka_unit_test(test_der_integers_and_wrap),
		cmocka_unit_test(test_ber_reader),
		cmocka_unit_test(test_signed_attrs),
		cmocka_unit_test(test_signed_attrs_sha384_and_2050),
		cmocka_unit_test(test_sig_algids),
		cmocka_unit_test(test_sign_matrix),
		cmocka_unit_test(test_sign_refusals),
		cmocka_unit_test(test_sign_file_streaming),
		cmocka_unit_test(test_sign_file_atomic),
		cmocka_unit_test(test_sign_file_edges),
		cmocka_unit_test(test_chain_read),
		cmocka_unit_test(test_sign_files_batch),
		cmocka_unit_test(test_sign_files_outputs),
		cmocka_unit_test(test_sign_files_cancel),
		cmocka_unit_test(test_sign_files_pipeline),
		cmocka_unit_test(test_sign_files_slow_token),
		cmocka_unit_test(test_sign_files_lanes),
	};

	return cmocka_run_group_tests(tests, pki_setup, pki_teardown);
}
