/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Helpers of the passive/active authentication unit tests (pa_testlib.h). */
#include "pa_testlib.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <openssl/bn.h>
#include <openssl/cms.h>
#include <openssl/ec.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

const char *
t_fixture_path(const char *rel)
{
	static char paths[4][4096];
	static unsigned int next;
	char *path = paths[next++ % 4];
	const char *top = getenv("top_srcdir");

	snprintf(path, sizeof(paths[0]), "%s/tests/fixtures/pa/%s", top != NULL ? top : ".", rel);
	return path;
}

sign_buf
t_fixture(const char *rel)
{
	sign_buf b = SIGN_BUF_INIT;

	if (sign__read_file(t_fixture_path(rel), 64u * 1024u * 1024u, &b) != 0)
		fail_msg("fixture %s: %s", rel, sign_error_message());
	return b;
}

json_t *
t_json(const char *rel)
{
	json_error_t err;
	json_t *j = json_load_file(t_fixture_path(rel), 0, &err);

	if (j == NULL)
		fail_msg("fixture %s: %s", rel, err.text);
	return j;
}

sign_buf
t_hex(const char *hex)
{
	sign_buf b = SIGN_BUF_INIT;
	size_t n = strlen(hex), i;

	assert_int_equal(n % 2, 0);
	b.data = malloc(n / 2 + 1);
	assert_non_null(b.data);
	for (i = 0; i < n / 2; i++) {
		unsigned int v;

		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		b.data[i] = (unsigned char)v;
	}
	b.len = n / 2;
	return b;
}

sign_buf
t_flip(const sign_buf *b, size_t i)
{
	sign_buf c = SIGN_BUF_INIT;

	assert_true(i < b->len);
	assert_int_equal(sign_buf__set(&c, b->data, b->len), 0);
	c.data[i] ^= 0x01;
	return c;
}

char *
t_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	char *d = malloc(4096);

	assert_non_null(d);
	snprintf(d, 4096, "%s/kyso-pa-XXXXXX", base != NULL ? base : "/tmp");
	assert_non_null(mkdtemp(d));
	return d;
}

void
t_rmdir(char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char p[4200];

	while (d != NULL && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		unlink(p);
	}
	if (d != NULL)
		closedir(d);
	rmdir(dir);
	free(dir);
}

void
t_write(const char *dir, const char *name, const void *data, size_t len)
{
	char p[4200];
	FILE *fp;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	fp = fopen(p, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(data, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

EVP_PKEY *
t_key(const char *type, const char *param)
{
	EVP_PKEY *k;

	if (strcmp(type, "RSA") == 0)
		k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)atoi(param));
	else
		k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", param);
	assert_non_null(k);
	return k;
}

static void
add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *e;

	X509V3_set_ctx(&ctx, issuer != NULL ? issuer : x, x, NULL, NULL, 0);
	e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	assert_non_null(e);
	assert_int_equal(X509_add_ext(x, e, -1), 1);
	X509_EXTENSION_free(e);
}

X509 *
t_cert(EVP_PKEY *pub, const char *country, const char *cn, X509 *issuer,
    EVP_PKEY *issuer_key, int ca, int nb_days, int na_days)
{
	static long serial = 1000;
	X509 *x = X509_new();
	X509_NAME *name = X509_NAME_new();

	assert_non_null(x);
	assert_int_equal(X509_set_version(x, 2), 1);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
	X509_NAME_add_entry_by_txt(name, "C", MBSTRING_ASC, (const unsigned char *)country, -1,
	    -1, 0);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	assert_int_equal(X509_set_subject_name(x, name), 1);
	assert_int_equal(X509_set_issuer_name(x, issuer != NULL ?
	    X509_get_subject_name(issuer) : name), 1);
	X509_NAME_free(name);
	assert_non_null(X509_time_adj_ex(X509_getm_notBefore(x), nb_days, 0, NULL));
	assert_non_null(X509_time_adj_ex(X509_getm_notAfter(x), na_days, 0, NULL));
	assert_int_equal(X509_set_pubkey(x, pub), 1);
	add_ext(x, issuer, NID_subject_key_identifier, "hash");
	add_ext(x, issuer, NID_authority_key_identifier, "keyid:always");
	if (ca) {
		add_ext(x, issuer, NID_basic_constraints, "critical,CA:TRUE,pathlen:0");
		add_ext(x, issuer, NID_key_usage, "critical,keyCertSign,cRLSign");
	} else {
		add_ext(x, issuer, NID_key_usage, "critical,digitalSignature");
	}
	assert_true(X509_sign(x, issuer_key, EVP_sha256()) > 0);
	return x;
}

sign_buf
t_der(X509 *x)
{
	sign_buf b = SIGN_BUF_INIT;
	unsigned char *p = NULL;
	int n = i2d_X509(x, &p);

	assert_true(n > 0);
	assert_int_equal(sign_buf__set(&b, p, (size_t)n), 0);
	OPENSSL_free(p);
	return b;
}

/* DER helpers for the LDSSecurityObject. */
static void
put(sign_buf *b, unsigned int tag, const void *v, size_t len)
{
	unsigned char h[8];
	size_t n = 0;
	unsigned char *p;

	h[n++] = (unsigned char)tag;
	if (len < 0x80) {
		h[n++] = (unsigned char)len;
	} else if (len < 0x100) {
		h[n++] = 0x81;
		h[n++] = (unsigned char)len;
	} else {
		assert_true(len < 0x10000);
		h[n++] = 0x82;
		h[n++] = (unsigned char)(len >> 8);
		h[n++] = (unsigned char)len;
	}
	p = realloc(b->data, b->len + n + len);
	assert_non_null(p);
	memcpy(p + b->len, h, n);
	if (len > 0)
		memcpy(p + b->len + n, v, len);
	b->data = p;
	b->len += n + len;
}

static void
wrap(sign_buf *b, unsigned int tag)
{
	sign_buf w = SIGN_BUF_INIT;

	put(&w, tag, b->data, b->len);
	sign_buf_dispose(b);
	*b = w;
}

static void
cat(sign_buf *dst, sign_buf *src)
{
	unsigned char *p = realloc(dst->data, dst->len + src->len);

	assert_non_null(p);
	memcpy(p + dst->len, src->data, src->len);
	dst->data = p;
	dst->len += src->len;
	sign_buf_dispose(src);
}

sign_buf
t_sod(EVP_PKEY *ds_key, X509 *ds_cert, const EVP_MD *md, const int *dgs,
    const sign_buf *data, size_t n, int no_cert)
{
	sign_buf lso = SIGN_BUF_INIT, alg = SIGN_BUF_INIT, list = SIGN_BUF_INIT, out = SIGN_BUF_INIT;
	unsigned char oid[32], h[EVP_MAX_MD_SIZE], *der = NULL;
	unsigned int hl;
	int oidlen, len;
	size_t i;
	ASN1_OBJECT *o;
	CMS_ContentInfo *cms;
	BIO *in;

	/* AlgorithmIdentifier of md */
	o = OBJ_nid2obj(EVP_MD_get_type(md));
	oidlen = i2d_ASN1_OBJECT(o, NULL);
	assert_true(oidlen > 0 && oidlen < (int)sizeof(oid));
	{
		unsigned char *q = oid;

		i2d_ASN1_OBJECT(o, &q);
	}
	{
		sign_buf nul = SIGN_BUF_INIT;

		alg.data = malloc((size_t)oidlen);
		memcpy(alg.data, oid, (size_t)oidlen);
		alg.len = (size_t)oidlen;
		put(&nul, 0x05, NULL, 0);
		cat(&alg, &nul);
		wrap(&alg, 0x30);
	}
	for (i = 0; i < n; i++) {
		sign_buf e = SIGN_BUF_INIT, hv = SIGN_BUF_INIT;
		unsigned char num = (unsigned char)dgs[i];

		assert_int_equal(EVP_Digest(data[i].data, data[i].len, h, &hl, md, NULL), 1);
		put(&e, 0x02, &num, 1);
		put(&hv, 0x04, h, hl);
		cat(&e, &hv);
		wrap(&e, 0x30);
		cat(&list, &e);
	}
	wrap(&list, 0x30);
	{
		unsigned char zero = 0;

		put(&lso, 0x02, &zero, 1);
	}
	cat(&lso, &alg);
	cat(&lso, &list);
	wrap(&lso, 0x30);

	in = BIO_new_mem_buf(lso.data, (int)lso.len);
	cms = CMS_sign(NULL, NULL, NULL, NULL, CMS_PARTIAL | CMS_BINARY);
	assert_non_null(cms);
	o = OBJ_txt2obj("2.23.136.1.1.1", 1);
	assert_int_equal(CMS_set1_eContentType(cms, o), 1);
	ASN1_OBJECT_free(o);
	assert_non_null(CMS_add1_signer(cms, ds_cert, ds_key, md,
	    CMS_BINARY | CMS_NOSMIMECAP | (no_cert ? CMS_NOCERTS : 0)));
	assert_int_equal(CMS_final(cms, in, NULL, CMS_BINARY), 1);
	len = i2d_CMS_ContentInfo(cms, &der);
	assert_true(len > 0);
	assert_int_equal(sign_buf__set(&out, der, (size_t)len), 0);
	wrap(&out, 0x77);
	OPENSSL_free(der);
	CMS_ContentInfo_free(cms);
	BIO_free(in);
	sign_buf_dispose(&lso);
	return out;
}

sign_buf
t_dg15(EVP_PKEY *key)
{
	sign_buf b = SIGN_BUF_INIT;
	unsigned char *p = NULL;
	int n = i2d_PUBKEY(key, &p);

	assert_true(n > 0);
	assert_int_equal(sign_buf__set(&b, p, (size_t)n), 0);
	OPENSSL_free(p);
	wrap(&b, 0x6F);
	return b;
}

sign_buf
t_dg1(const char *state)
{
	char mrz[89];
	sign_buf b = SIGN_BUF_INIT;
	size_t i;

	/* TD3: line 1 "P<" state name, line 2 number, state, dates (ICAO specimen). */
	snprintf(mrz, sizeof(mrz), "P<%-3.3sTEST<<SPECIMEN", state);
	for (i = strlen(mrz); i < 44; i++)
		mrz[i] = '<';
	snprintf(mrz + 44, sizeof(mrz) - 44, "L898902C36%-3.3s7408122F1204159ZE184226B<<<<<10",
	    state);
	for (i = 0; i < 88; i++)
		if (mrz[i] == ' ')
			mrz[i] = '<';
	assert_int_equal(strlen(mrz), 88);
	b.data = malloc(3 + 88);
	assert_non_null(b.data);
	b.data[0] = 0x5F;
	b.data[1] = 0x1F;
	b.data[2] = 88;
	memcpy(b.data + 3, mrz, 88);
	b.len = 91;
	wrap(&b, 0x61);
	return b;
}

sign_buf
t_aa_sign_rsa(EVP_PKEY *key, const EVP_MD *md, unsigned char trailer_id,
    const unsigned char *ch, size_t chlen)
{
	sign_buf sig = SIGN_BUF_INIT;
	size_t k = (size_t)EVP_PKEY_get_size(key), hlen = (size_t)EVP_MD_get_size(md);
	size_t tlen = trailer_id == 0 ? 1 : 2, m1len = k - 1 - hlen - tlen;
	unsigned char *f = malloc(k);
	EVP_MD_CTX *mctx = EVP_MD_CTX_new();
	unsigned int hl;

	assert_non_null(f);
	f[0] = 0x6A;                               /* '01', partial recovery, no padding */
	assert_int_equal(RAND_bytes(f + 1, (int)m1len), 1);   /* M1: the chip's nonce */
	assert_int_equal(EVP_DigestInit_ex(mctx, md, NULL), 1);
	assert_int_equal(EVP_DigestUpdate(mctx, f + 1, m1len), 1);
	assert_int_equal(EVP_DigestUpdate(mctx, ch, chlen), 1);
	assert_int_equal(EVP_DigestFinal_ex(mctx, f + 1 + m1len, &hl), 1);
	if (trailer_id == 0) {
		f[k - 1] = 0xBC;
	} else {
		f[k - 2] = trailer_id;
		f[k - 1] = 0xCC;
	}
	sig = t_raw_rsa_sign(key, f, k);
	EVP_MD_CTX_free(mctx);
	free(f);
	return sig;
}

sign_buf
t_raw_rsa_sign(EVP_PKEY *key, const unsigned char *f, size_t k)
{
	sign_buf sig = SIGN_BUF_INIT;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(key, NULL);
	size_t siglen = k;

	sig.data = malloc(k);
	assert_non_null(sig.data);
	assert_int_equal(EVP_PKEY_sign_init(ctx), 1);
	assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_NO_PADDING), 1);
	assert_int_equal(EVP_PKEY_sign(ctx, sig.data, &siglen, f, k), 1);
	sig.len = siglen;
	EVP_PKEY_CTX_free(ctx);
	return sig;
}

sign_buf
t_aa_sign_ec(EVP_PKEY *key, const EVP_MD *md, const unsigned char *ch, size_t chlen, int der)
{
	sign_buf out = SIGN_BUF_INIT;
	EVP_MD_CTX *mctx = EVP_MD_CTX_new();
	unsigned char buf[256];
	const unsigned char *q = buf;
	size_t n = sizeof(buf), half = ((size_t)EVP_PKEY_get_bits(key) + 7) / 8;
	ECDSA_SIG *es;

	assert_int_equal(EVP_DigestSignInit(mctx, NULL, md, NULL, key), 1);
	assert_int_equal(EVP_DigestSign(mctx, buf, &n, ch, chlen), 1);
	EVP_MD_CTX_free(mctx);
	if (der) {
		assert_int_equal(sign_buf__set(&out, buf, n), 0);
		return out;
	}
	es = d2i_ECDSA_SIG(NULL, &q, (long)n);
	assert_non_null(es);
	out.data = malloc(2 * half);
	assert_non_null(out.data);
	out.len = 2 * half;
	assert_int_equal(BN_bn2binpad(ECDSA_SIG_get0_r(es), out.data, (int)half), (int)half);
	assert_int_equal(BN_bn2binpad(ECDSA_SIG_get0_s(es), out.data + half, (int)half), (int)half);
	ECDSA_SIG_free(es);
	return out;
}
