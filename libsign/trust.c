/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Trust store: the anchors signature verification chains to. */
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

struct sign_trust {
	STACK_OF(X509) *anchors;
};

int
sign_trust_new(sign_trust **out)
{
	sign_trust *t;

	if (out == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "no output given");
	*out = NULL;
	t = calloc(1, sizeof(*t));
	if (t == NULL || (t->anchors = sk_X509_new_null()) == NULL) {
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
	free(t);
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

int
sign_trust_add_file(sign_trust *t, const char *path)
{
	sign_buf data = SIGN_BUF_INIT;
	BIO *bio = NULL;
	X509 *x = NULL;
	int rc, added = 0;

	if (t == NULL || path == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "no trust file given");
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
	if (added == 0)
		rc = sign_error__set(SIGN_ERR_MALFORMED, 0, "%s holds no certificate", path);
out:
	BIO_free(bio);
	sign_buf_dispose(&data);
	return rc;
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
			rc = sign_trust_add_file(t, full);
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
