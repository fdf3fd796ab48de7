/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Helpers shared by the CAdES unit tests: a throw-away test PKI made by
 * certs/mkpki.sh at test time, software signers, and OpenSSL's own CMS code
 * as the referee.  Header-only (static functions): each test includes it once.
 */
#ifndef TEST_CADES_UTIL_H
#define TEST_CADES_UTIL_H

#include "cades_priv.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#define TEST_UNUSED __attribute__((unused))

static char pki_dir[256];
static char work_dir[256];

TEST_UNUSED static const char *
pki(const char *name)
{
	static char buf[8][512];
	static int i;

	i = (i + 1) % 8;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", pki_dir, name);
	return buf[i];
}

TEST_UNUSED static const char *
work(const char *name)
{
	static char buf[8][512];
	static int i;

	i = (i + 1) % 8;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", work_dir, name);
	return buf[i];
}

/* Group setup: the PKI in a fresh temporary directory. */
TEST_UNUSED static int
pki_setup(void **state)
{
	const char *top = getenv("top_srcdir");
	char cmd[1024];
	char tmpl[] = "/tmp/kyso-cades-unit.XXXXXX";

	(void)state;
	if (top == NULL)
		top = ".";
	if (mkdtemp(tmpl) == NULL)
		return -1;
	snprintf(pki_dir, sizeof(pki_dir), "%s/pki", tmpl);
	snprintf(work_dir, sizeof(work_dir), "%s/work", tmpl);
	if (mkdir(work_dir, 0700) != 0)
		return -1;
	snprintf(cmd, sizeof(cmd), "sh '%s/certs/mkpki.sh' '%s' >/dev/null 2>&1", top, pki_dir);
	if (system(cmd) != 0) {
		fprintf(stderr, "certs/mkpki.sh failed (top_srcdir=%s)\n", top);
		return -1;
	}
	return 0;
}

TEST_UNUSED static int
pki_teardown(void **state)
{
	char cmd[600];

	(void)state;
	if (pki_dir[0] != '\0') {
		/* pki_dir is TMP/pki: remove TMP */
		snprintf(cmd, sizeof(cmd), "rm -rf '%.*s'", (int)(strlen(pki_dir) - 4), pki_dir);
		if (system(cmd) != 0)
			return -1;
	}
	return 0;
}

TEST_UNUSED static X509 *
load_cert(const char *name)
{
	BIO *b = BIO_new_file(pki(name), "r");
	X509 *x = b != NULL ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;

	BIO_free(b);
	return x;
}

TEST_UNUSED static EVP_PKEY *
load_key(const char *name)
{
	BIO *b = BIO_new_file(pki(name), "r");
	EVP_PKEY *k = b != NULL ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;

	BIO_free(b);
	return k;
}

/* A software signer for NAME.key/NAME.pem with chain.pem (the gov CA). */
TEST_UNUSED static sign_signer *
mk_signer(const char *name)
{
	char key[64], cert[64];
	sign_signer *s = NULL;

	snprintf(key, sizeof(key), "%s.key", name);
	snprintf(cert, sizeof(cert), "%s.pem", name);
	if (sign_signer_from_files(&s, pki(key), pki(cert)) != 0)
		return NULL;
	if (sign_signer_add_chain_file(s, pki("chain.pem")) != 0) {
		sign_signer_free(s);
		return NULL;
	}
	return s;
}

TEST_UNUSED static sign_trust *
mk_trust(const char *file)
{
	sign_trust *t = NULL;

	if (sign_trust_new(&t) != 0)
		return NULL;
	if (file != NULL && sign_trust_add_file(t, pki(file)) != 0) {
		sign_trust_free(t);
		return NULL;
	}
	return t;
}

/* OpenSSL signs data with NAME (flags: CMS_*); DER into out. */
TEST_UNUSED static int
ossl_sign(sign_buf *out, const char *name, unsigned int flags, const unsigned char *data,
    size_t len)
{
	char key[64], cert[64];
	X509 *x = NULL, *ca = NULL;
	EVP_PKEY *k = NULL;
	STACK_OF(X509) *chain = sk_X509_new_null();
	BIO *in = BIO_new_mem_buf(data, (int)len), *mem = BIO_new(BIO_s_mem());
	CMS_ContentInfo *cms = NULL;
	char *p;
	long n;
	int rc = -1;

	snprintf(key, sizeof(key), "%s.key", name);
	snprintf(cert, sizeof(cert), "%s.pem", name);
	x = load_cert(cert);
	k = load_key(key);
	ca = load_cert("gov-ca.pem");
	if (x == NULL || k == NULL || ca == NULL || !sk_X509_push(chain, ca))
		goto out;
	ca = NULL;
	cms = CMS_sign(x, k, chain, in, flags | CMS_BINARY);
	if (cms == NULL)
		goto out;
	if (flags & CMS_STREAM) {
		if (!i2d_CMS_bio_stream(mem, cms, in, flags | CMS_BINARY))
			goto out;
	} else if (!i2d_CMS_bio(mem, cms)) {
		goto out;
	}
	n = BIO_get_mem_data(mem, &p);
	rc = sign_buf__set(out, p, (size_t)n);
out:
	ERR_clear_error();
	CMS_ContentInfo_free(cms);
	X509_free(x);
	X509_free(ca);
	EVP_PKEY_free(k);
	sk_X509_pop_free(chain, X509_free);
	BIO_free(in);
	BIO_free(mem);
	return rc;
}

/* OpenSSL's CMS_verify as the referee: 1 when it accepts the signature with
 * root.pem as the anchor (any purpose).  For an attached signature the
 * extracted content must equal expect. */
TEST_UNUSED static int
ossl_verify(const unsigned char *der, size_t len, const unsigned char *content, size_t clen,
    const unsigned char *expect, size_t elen, unsigned int flags)
{
	const unsigned char *p = der;
	CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &p, (long)len);
	X509_STORE *store = X509_STORE_new();
	X509 *root = load_cert("root.pem");
	BIO *dc = content != NULL ? BIO_new_mem_buf(content, (int)clen) : NULL;
	BIO *out = BIO_new(BIO_s_mem());
	char *op;
	long on;
	int ok = 0;

	if (cms == NULL || store == NULL || root == NULL || !X509_STORE_add_cert(store, root))
		goto done;
	X509_STORE_set_purpose(store, X509_PURPOSE_ANY);
	ok = CMS_verify(cms, NULL, store, dc, out, flags | CMS_BINARY) == 1;
	if (ok && expect != NULL) {
		on = BIO_get_mem_data(out, &op);
		ok = (size_t)on == elen && memcmp(op, expect, elen) == 0;
	}
done:
	ERR_clear_error();
	CMS_ContentInfo_free(cms);
	X509_STORE_free(store);
	X509_free(root);
	BIO_free(dc);
	BIO_free(out);
	return ok;
}

/* Number of entries in dir whose name contains needle. */
TEST_UNUSED static int
count_files(const char *dir, const char *needle)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (strstr(e->d_name, needle) != NULL)
			n++;
	closedir(d);
	return n;
}

TEST_UNUSED static int
write_file(const char *path, const void *data, size_t len)
{
	FILE *fp = fopen(path, "wb");
	int ok;

	if (fp == NULL)
		return -1;
	ok = fwrite(data, 1, len, fp) == len;
	return fclose(fp) == 0 && ok ? 0 : -1;
}

/* The check with id in sig, or NULL. */
TEST_UNUSED static const char *
check_detail(const sign_cades_signature *s, sign_cades_check want, sign_cades_status *status)
{
	size_t i;

	for (i = 0; i < sign_cades_signature_check_count(s); i++) {
		sign_cades_check id;
		const char *detail;

		if (sign_cades_signature_check(s, i, &id, status, &detail) == 0 && id == want)
			return detail;
	}
	return NULL;
}

#endif
