/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Trust store: the anchors signature verification chains to, and the
 * certificate revocation lists it checks the path against. */
#include "cades_priv.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#ifndef SIGN_DATADIR
#define SIGN_DATADIR "/usr/local/share/kyso"
#endif

#define TRUST_MAX_FILE (4u * 1024u * 1024u)
#define TRUST_MAX_ANCHORS 4096
#define TRUST_MAX_CRL_FILE (64u * 1024u * 1024u)   /* a large CA's CRL */
#define TRUST_MAX_CRLS 4096

struct sign_trust {
	STACK_OF(X509) *anchors;
	STACK_OF(X509_CRL) *crls;
	struct cades_revcache *cache;   /* sign_trust_cache_revocation(), or NULL */
};

int
sign_trust_new(sign_trust **out)
{
	sign_trust *t;

	if (out == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "no output given");
	*out = NULL;
	t = calloc(1, sizeof(*t));
	if (t == NULL || (t->anchors = sk_X509_new_null()) == NULL ||
	    (t->crls = sk_X509_CRL_new_null()) == NULL) {
		if (t != NULL)
			sk_X509_free(t->anchors);
		free(t);
		return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
	}
	*out = t;
	return 0;
}

void
sign_trust_free(sign_trust *t)
{
	if (t == NULL)
		return;
	sk_X509_pop_free(t->anchors, X509_free);
	sk_X509_CRL_pop_free(t->crls, X509_CRL_free);
	sign_cades__revcache_free(t->cache);
	free(t);
}

int
sign_trust_cache_revocation(sign_trust *t, size_t max_entries)
{
	struct cades_revcache *c = NULL;
	int rc;

	if (t == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "no trust store given");
	if (max_entries > SIGN_TRUST_CACHE_MAX)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0,
		    "a revocation cache of at most %d entries", SIGN_TRUST_CACHE_MAX);
	if (max_entries > 0 && (rc = sign_cades__revcache_new(&c, max_entries)) != 0)
		return rc;
	sign_cades__revcache_free(t->cache);
	t->cache = c;
	return 0;
}

struct cades_revcache *
sign_trust__revcache(const sign_trust *t)
{
	return t == NULL ? NULL : t->cache;
}

size_t
sign_trust_count(const sign_trust *t)
{
	return t == NULL ? 0 : (size_t)sk_X509_num(t->anchors);
}

STACK_OF(X509) *
sign_trust__anchors(const sign_trust *t)
{
	return t == NULL ? NULL : t->anchors;
}

size_t
sign_trust_crl_count(const sign_trust *t)
{
	return t == NULL ? 0 : (size_t)sk_X509_CRL_num(t->crls);
}

STACK_OF(X509_CRL) *
sign_trust__crls(const sign_trust *t)
{
	return t == NULL ? NULL : t->crls;
}

/* Takes ownership of x; duplicates are dropped. */
static int
add_x509(sign_trust *t, X509 *x)
{
	int i;

	for (i = 0; i < sk_X509_num(t->anchors); i++) {
		if (X509_cmp(sk_X509_value(t->anchors, i), x) == 0) {
			X509_free(x);
			return 0;
		}
	}
	if (sk_X509_num(t->anchors) >= TRUST_MAX_ANCHORS) {
		X509_free(x);
		return sign_error__set(SIGN_ERR_TOO_LARGE, 0, "more than %d trust anchors",
		    TRUST_MAX_ANCHORS);
	}
	if (!sk_X509_push(t->anchors, x)) {
		X509_free(x);
		return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
	}
	return 0;
}

static int
add_der(sign_trust *t, const unsigned char *der, size_t len, const char *what)
{
	const unsigned char *p = der;
	X509 *x;

	x = d2i_X509(NULL, &p, (long)len);
	if (x == NULL || p != der + len) {
		X509_free(x);
		return sign_error__openssl(SIGN_ERR_MALFORMED,
		    "%s is not a PEM or DER certificate", what);
	}
	return add_x509(t, x);
}

int
sign_trust_add_der(sign_trust *t, const unsigned char *der, size_t len)
{
	if (t == NULL || der == NULL || len == 0 || len > TRUST_MAX_FILE)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "no certificate given");
	return add_der(t, der, len, "the trust anchor");
}

/* The certificates of a file; in_dir: a PEM file of CRLs only is passed
 * over (a folder of validation data holds both; --crl reads those). */
static int
add_file(sign_trust *t, const char *path, int in_dir)
{
	sign_buf data = SIGN_BUF_INIT;
	BIO *bio = NULL;
	X509 *x = NULL;
	int rc, added = 0;

	rc = sign__read_file(path, TRUST_MAX_FILE, &data);
	if (rc != 0)
		return rc;
	if (data.len >= 10 && memmem(data.data, data.len, "-----BEGIN", 10) != NULL) {
		bio = BIO_new_mem_buf(data.data, (int)data.len);
		if (bio == NULL) {
			rc = sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
			goto out;
		}
		while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
			rc = add_x509(t, x);
			x = NULL;
			if (rc != 0)
				goto out;
			added++;
		}
		ERR_clear_error();
	} else {
		rc = add_der(t, data.data, data.len, path);
		if (rc != 0)
			goto out;
		added++;
	}
	if (added == 0 && !(in_dir && memmem(data.data, data.len, "-----BEGIN X509 CRL-----",
	    24) != NULL))
		rc = sign_error__set(SIGN_ERR_MALFORMED, 0, "%s holds no certificate", path);
out:
	BIO_free(bio);
	sign_buf_dispose(&data);
	return rc;
}

int
sign_trust_add_file(sign_trust *t, const char *path)
{
	if (t == NULL || path == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "no trust file given");
	return add_file(t, path, 0);
}

static int
cert_file_name(const char *name)
{
	static const char *const exts[] = { ".pem", ".crt", ".cer", ".der" };
	size_t n = strlen(name), i;

	if (name[0] == '.')
		return 0;
	for (i = 0; i < sizeof(exts) / sizeof(exts[0]); i++)
		if (n > 4 && strcmp(name + n - 4, exts[i]) == 0)
			return 1;
	return 0;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
sign_trust_add_dir(sign_trust *t, const char *path)
{
	DIR *d = NULL;
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, cap = 0, i;
	int rc = 0;

	if (t == NULL || path == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "no trust directory given");
	d = opendir(path);
	if (d == NULL)
		return sign_error__set(errno == ENOENT ? SIGN_ERR_NOT_FOUND : SIGN_ERR_IO,
		    (unsigned long)errno, "cannot open the trust directory %s: %s", path,
		    strerror(errno));
	while ((e = readdir(d)) != NULL) {
		if (!cert_file_name(e->d_name))
			continue;
		if (n == cap) {
			char **p;

			cap = cap == 0 ? 16 : cap * 2;
			if (cap > TRUST_MAX_ANCHORS) {
				rc = sign_error__set(SIGN_ERR_TOO_LARGE, 0,
				    "too many files in %s", path);
				goto out;
			}
			p = realloc(names, cap * sizeof(*names));
			if (p == NULL) {
				rc = sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
				goto out;
			}
			names = p;
		}
		names[n] = strdup(e->d_name);
		if (names[n] == NULL) {
			rc = sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
			goto out;
		}
		n++;
	}
	/* A stable order, so messages and reports do not depend on readdir(). */
	qsort(names, n, sizeof(*names), name_cmp);
	for (i = 0; i < n; i++) {
		size_t len = strlen(path) + strlen(names[i]) + 2;
		char *full = malloc(len);
		struct stat st;

		if (full == NULL) {
			rc = sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
			goto out;
		}
		snprintf(full, len, "%s/%s", path, names[i]);
		if (stat(full, &st) == 0 && S_ISREG(st.st_mode))
			rc = add_file(t, full, 1);
		free(full);
		if (rc != 0)
			goto out;
	}
out:
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
	return rc;
}

int
sign_trust_add_path(sign_trust *t, const char *path)
{
	struct stat st;

	if (t == NULL || path == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "no trust path given");
	if (stat(path, &st) != 0)
		return sign_error__set(errno == ENOENT ? SIGN_ERR_NOT_FOUND : SIGN_ERR_IO,
		    (unsigned long)errno, "cannot open the trust anchors %s: %s", path,
		    strerror(errno));
	if (S_ISDIR(st.st_mode))
		return sign_trust_add_dir(t, path);
	return sign_trust_add_file(t, path);
}

const char *
sign_trust_default_dir(void)
{
	const char *env = getenv("KYSO_TRUST_DIR");

	if (env != NULL && env[0] != '\0')
		return env;
	return SIGN_DATADIR "/trust";
}

int
sign_trust_add_default(sign_trust *t)
{
	return sign_trust_add_dir(t, sign_trust_default_dir());
}

/* ---- certificate revocation lists ---------------------------------------- */

/* Takes ownership of crl; duplicates are dropped. */
static int
add_crl(sign_trust *t, X509_CRL *crl)
{
	int i;

	for (i = 0; i < sk_X509_CRL_num(t->crls); i++) {
		if (X509_CRL_match(sk_X509_CRL_value(t->crls, i), crl) == 0) {
			X509_CRL_free(crl);
			return 0;
		}
	}
	if (sk_X509_CRL_num(t->crls) >= TRUST_MAX_CRLS) {
		X509_CRL_free(crl);
		return sign_error__set(SIGN_ERR_TOO_LARGE, 0, "more than %d CRLs", TRUST_MAX_CRLS);
	}
	if (!sk_X509_CRL_push(t->crls, crl)) {
		X509_CRL_free(crl);
		return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
	}
	return 0;
}

/*
 * The CRLs of one file (PEM, several allowed, or DER); *added counts them.
 * A PEM file may hold other blocks (certificates) beside them.  A file that
 * is neither is SIGN_ERR_MALFORMED.
 */
static int
crl_file(sign_trust *t, const char *path, int *added)
{
	sign_buf data = SIGN_BUF_INIT;
	BIO *bio = NULL;
	X509_CRL *crl = NULL;
	char *name = NULL, *header = NULL;
	unsigned char *der = NULL;
	const unsigned char *p;
	long len = 0;
	int rc;

	*added = 0;
	rc = sign__read_file(path, TRUST_MAX_CRL_FILE, &data);
	if (rc != 0)
		return rc;
	if (data.len >= 10 && memmem(data.data, data.len, "-----BEGIN", 10) != NULL) {
		bio = BIO_new_mem_buf(data.data, (int)data.len);
		if (bio == NULL) {
			rc = sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
			goto out;
		}
		while (PEM_read_bio(bio, &name, &header, &der, &len) == 1) {
			if (strcmp(name, PEM_STRING_X509_CRL) == 0) {
				p = der;
				crl = d2i_X509_CRL(NULL, &p, len);
				if (crl == NULL || p != der + len) {
					X509_CRL_free(crl);
					rc = sign_error__openssl(SIGN_ERR_MALFORMED,
					    "%s: a CRL that cannot be read", path);
					goto out;
				}
				if ((rc = add_crl(t, crl)) != 0)
					goto out;
				(*added)++;
			}
			OPENSSL_free(name);
			OPENSSL_free(header);
			OPENSSL_free(der);
			name = header = NULL;
			der = NULL;
		}
		ERR_clear_error();
	} else {
		p = data.data;
		crl = d2i_X509_CRL(NULL, &p, (long)data.len);
		if (crl == NULL || p != data.data + data.len) {
			X509_CRL_free(crl);
			rc = sign_error__openssl(SIGN_ERR_MALFORMED,
			    "%s is not a PEM or DER CRL", path);
			goto out;
		}
		if ((rc = add_crl(t, crl)) != 0)
			goto out;
		(*added)++;
	}
out:
	OPENSSL_free(name);
	OPENSSL_free(header);
	OPENSSL_free(der);
	BIO_free(bio);
	sign_buf_dispose(&data);
	return rc;
}

int
sign_trust_add_crls(sign_trust *t, const char *path)
{
	struct stat st;
	DIR *d = NULL;
	struct dirent *e;
	char *full;
	size_t n, len;
	int rc = 0, added = 0, total = 0;

	if (t == NULL || path == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "no CRL file given");
	if (stat(path, &st) != 0)
		return sign_error__set(errno == ENOENT ? SIGN_ERR_NOT_FOUND : SIGN_ERR_IO,
		    (unsigned long)errno, "cannot read the CRLs %s: %s; check the name", path,
		    strerror(errno));
	if (!S_ISDIR(st.st_mode)) {
		rc = crl_file(t, path, &added);
		if (rc == 0 && added == 0)
			rc = sign_error__set(SIGN_ERR_MALFORMED, 0, "%s holds no CRL", path);
		return rc;
	}
	/* A directory: every *.crl file must hold CRLs; *.pem and *.der files
	 * may hold certificates instead (one folder of validation data). */
	d = opendir(path);
	if (d == NULL)
		return sign_error__set(SIGN_ERR_IO, (unsigned long)errno,
		    "cannot open the CRL directory %s: %s", path, strerror(errno));
	while (rc == 0 && (e = readdir(d)) != NULL) {
		n = strlen(e->d_name);
		if (e->d_name[0] == '.' || n < 5 || (strcmp(e->d_name + n - 4, ".crl") != 0 &&
		    strcmp(e->d_name + n - 4, ".pem") != 0 && strcmp(e->d_name + n - 4, ".der") != 0))
			continue;
		len = strlen(path) + n + 2;
		if ((full = malloc(len)) == NULL) {
			rc = sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
			break;
		}
		snprintf(full, len, "%s/%s", path, e->d_name);
		if (stat(full, &st) == 0 && S_ISREG(st.st_mode)) {
			rc = crl_file(t, full, &added);
			if (rc == SIGN_ERR_MALFORMED && strcmp(e->d_name + n - 4, ".crl") != 0) {
				sign_error_clear();
				rc = 0;
			} else if (rc == 0 && added == 0 && strcmp(e->d_name + n - 4, ".crl") == 0) {
				rc = sign_error__set(SIGN_ERR_MALFORMED, 0, "%s holds no CRL", full);
			}
			total += added;
		}
		free(full);
	}
	closedir(d);
	if (rc == 0 && total == 0)
		rc = sign_error__set(SIGN_ERR_MALFORMED, 0, "the directory %s holds no CRL "
		    "(*.crl, *.pem or *.der files)", path);
	return rc;
}
