/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The CSCA trust store: certificate files and directories, ICAO CSCA master
 * lists (verified against a caller-given anchor before anything in them is
 * trusted), and the DS -> [link certificates] -> CSCA path check.
 *
 * Everything in the store is a trust anchor: a CSCA self-signed certificate
 * or a link certificate (a new CSCA key certified by the old one) that the
 * caller or a verified master list put there.  Link certificates that are
 * not in the store (given with the document) are used as untrusted
 * intermediates and must chain to an anchor.
 *
 * Validity (ICAO 9303-12 §7.1, the "shell" model is not prescribed for
 * inspection): a DS certificate's private key is used for about three months
 * but documents live ten years, and issuers often let the DS certificate
 * expire with (or before) the last document it signed.  A document whose DS
 * or CSCA certificate has expired is therefore not a forgery: the expiry is
 * reported as a warning (SIGN_PA_R_EXPIRED), not a failure, unless the caller
 * asks for SIGN_PA_STRICT_VALIDITY.
 */
#include "pa_priv.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#define OID_CSCA_ML "2.23.136.1.1.2"
#define MAX_LINKS 4

int
sign_csca_store_new(sign_csca_store **out)
{
	sign_csca_store *s;

	if (out == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "sign_csca_store_new: NULL out");
	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (s == NULL || (s->certs = sk_X509_new_null()) == NULL) {
		free(s);
		return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
	}
	*out = s;
	return 0;
}

void
sign_csca_store_free(sign_csca_store *store)
{
	if (store == NULL)
		return;
	sk_X509_pop_free(store->certs, X509_free);
	free(store);
}

size_t
sign_csca_store_count(const sign_csca_store *store)
{
	return store != NULL ? (size_t)sk_X509_num(store->certs) : 0;
}

static int
contains(STACK_OF(X509) *sk, X509 *x)
{
	int i;

	for (i = 0; i < sk_X509_num(sk); i++)
		if (X509_cmp(sk_X509_value(sk, i), x) == 0)
			return 1;
	return 0;
}

/* Move every certificate of `add` into the store (deduplicated); all or
 * nothing: on failure the store is unchanged. */
static int
merge(sign_csca_store *store, STACK_OF(X509) *add)
{
	int i, n0 = sk_X509_num(store->certs);

	for (i = 0; i < sk_X509_num(add); i++) {
		X509 *x = sk_X509_value(add, i);

		if (contains(store->certs, x))
			continue;
		if (!X509_up_ref(x) || !sk_X509_push(store->certs, x)) {
			while (sk_X509_num(store->certs) > n0)
				X509_free(sk_X509_pop(store->certs));
			return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
		}
	}
	return 0;
}

int
sign_csca_store_add_cert(sign_csca_store *store, const unsigned char *data, size_t len)
{
	STACK_OF(X509) *sk = NULL;
	int rc;

	if (store == NULL || data == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "sign_csca_store_add_cert: NULL argument");
	sk = sk_X509_new_null();
	if (sk == NULL)
		return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
	rc = sign_pa__x509_load(sk, data, len, "CSCA certificate");
	if (rc == 0)
		rc = merge(store, sk);
	sk_X509_pop_free(sk, X509_free);
	return rc;
}

/* ---- what a trust file holds, when it is not what it was given as ---- */

/* The label of the first PEM block of b ("PRIVATE KEY"), or NULL; with
 * want, the first block with that label instead. */
static const char *
pem_label(const unsigned char *b, size_t len, char *label, size_t cap, const char *want)
{
	const unsigned char *p = b, *end = b + len, *e;
	size_t n;

	while (end - p > 11 && (p = memmem(p, (size_t)(end - p), "-----BEGIN ", 11)) != NULL) {
		p += 11;
		for (e = p; e < end && (isupper(*e) || isdigit(*e) || *e == ' '); e++)
			;
		n = (size_t)(e - p);
		if (end - e < 5 || memcmp(e, "-----", 5) != 0 || n == 0 || n >= cap)
			continue;
		memcpy(label, p, n);
		label[n] = '\0';
		if (want == NULL || strcmp(label, want) == 0)
			return label;
	}
	return NULL;
}

/*
 * In words, why data that failed to load as certificates (ml: as a master
 * list, which is DER) is not one: what it holds, from its first bytes and
 * the message of the failure (err: "trailing data", OpenSSL's reason).
 */
static void
not_cert_cause(const unsigned char *b, size_t len, int ml, const char *err, char *out,
    size_t cap)
{
	const char *o = strstr(err, "OpenSSL: ");
	char label[48], ossl[240];
	size_t i;
	int text = 1;

	ossl[0] = '\0';
	if (o != NULL)
		snprintf(ossl, sizeof(ossl), "; %.*s", (int)strcspn(o, ")") < 200 ?
		    (int)strcspn(o, ")") : 200, o);
	for (i = 0; i < len && i < 64 * 1024; i++)
		if (b[i] == '\0' || (b[i] < 0x20 && !isspace(b[i])))
			text = 0;
	if (len == 0)
		snprintf(out, cap, "the file is empty");
	else if (ml && pem_label(b, len, label, sizeof(label), NULL) != NULL)
		snprintf(out, cap, "it holds a PEM %s; master lists are DER", label);
	else if (ml && text)
		snprintf(out, cap, "it is text; master lists are DER");
	else if (ml)
		snprintf(out, cap, "%.300s", err);
	else if (pem_label(b, len, label, sizeof(label), "CERTIFICATE") != NULL ||
	    pem_label(b, len, label, sizeof(label), "X509 CERTIFICATE") != NULL ||
	    pem_label(b, len, label, sizeof(label), "TRUSTED CERTIFICATE") != NULL)
		snprintf(out, cap, "its PEM certificate does not decode: cut short or damaged%s",
		    ossl);
	else if (pem_label(b, len, label, sizeof(label), NULL) != NULL)
		snprintf(out, cap, "it holds a PEM %s, and no PEM CERTIFICATE", label);
	else if (b[0] == 0x30 && strstr(err, "trailing data") != NULL)
		snprintf(out, cap, "a DER certificate followed by other data");
	else if (b[0] == 0x30)
		snprintf(out, cap, "DER data that is not a whole certificate: cut short, or "
		    "another structure%s", ossl);
	else if (text)
		snprintf(out, cap, "it is text, neither PEM nor DER");
	else
		snprintf(out, cap, "neither PEM nor DER data");
}

/* The failure to load certificates (or a master list) from path's bytes
 * b, as "PATH is not a certificate (WHAT IT HOLDS)". */
static int
not_cert(int rc, const char *path, const unsigned char *b, size_t len, int ml)
{
	char cause[400], err[512];

	snprintf(err, sizeof(err), "%s", sign_error_message());
	not_cert_cause(b, len, ml, err, cause, sizeof(cause));
	return sign_error__set(rc, sign_error_backend(), "%s is not %s (%s)", path,
	    ml ? "an ICAO master list" : "a certificate", cause);
}

static int
load_file(STACK_OF(X509) *sk, const char *path)
{
	sign_buf b = SIGN_BUF_INIT;
	int rc;

	rc = sign__read_file(path, SIGN_PA__MAX_CERT, &b);
	if (rc == 0)
		rc = sign_pa__x509_load(sk, b.data, b.len, path);
	if (rc == SIGN_ERR_MALFORMED)
		rc = not_cert(rc, path, b.data, b.len, 0);
	sign_buf_dispose(&b);
	return rc;
}

int
sign_csca_store_add_file(sign_csca_store *store, const char *path)
{
	STACK_OF(X509) *sk = NULL;
	int rc;

	if (store == NULL || path == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "sign_csca_store_add_file: NULL argument");
	sk = sk_X509_new_null();
	if (sk == NULL)
		return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
	rc = load_file(sk, path);
	if (rc == 0)
		rc = merge(store, sk);
	sk_X509_pop_free(sk, X509_free);
	return rc;
}

static int
cert_name(const char *name)
{
	static const char *const ext[] = { ".pem", ".crt", ".cer", ".der" };
	size_t n = strlen(name), i;

	if (name[0] == '.')
		return 0;
	for (i = 0; i < sizeof(ext) / sizeof(ext[0]); i++)
		if (n > 4 && strcasecmp(name + n - 4, ext[i]) == 0)
			return 1;
	return 0;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
sign_csca_store_add_dir(sign_csca_store *store, const char *path)
{
	STACK_OF(X509) *sk = NULL;
	DIR *d = NULL;
	struct dirent *de;
	char **names = NULL, *full = NULL;
	size_t n = 0, cap = 0, i;
	int rc = 0;

	if (store == NULL || path == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "sign_csca_store_add_dir: NULL argument");
	d = opendir(path);
	if (d == NULL) {
		rc = sign_error__set(errno == ENOENT ? SIGN_ERR_NOT_FOUND : SIGN_ERR_IO,
		    (unsigned long)errno, "%s: %s", path, strerror(errno));
		goto out;
	}
	while ((de = readdir(d)) != NULL) {
		if (!cert_name(de->d_name))
			continue;
		if (n == cap) {
			char **nn;

			if (cap >= SIGN_PA__MAX_CERTS) {
				rc = sign_error__set(SIGN_ERR_TOO_LARGE, 0,
				    "%s: more than %d certificate files", path, SIGN_PA__MAX_CERTS);
				goto out;
			}
			cap = cap == 0 ? 16 : cap * 2;
			nn = realloc(names, cap * sizeof(*names));
			if (nn == NULL) {
				rc = sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
				goto out;
			}
			names = nn;
		}
		if ((names[n] = strdup(de->d_name)) == NULL) {
			rc = sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
			goto out;
		}
		n++;
	}
	if (n > 0)
		qsort(names, n, sizeof(*names), cmp_str);
	sk = sk_X509_new_null();
	if (sk == NULL) {
		rc = sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		struct stat st;
		size_t len = strlen(path) + strlen(names[i]) + 2;

		free(full);
		full = malloc(len);
		if (full == NULL) {
			rc = sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
			goto out;
		}
		snprintf(full, len, "%s/%s", path, names[i]);
		if (stat(full, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		if ((rc = load_file(sk, full)) != 0)
			goto out;
	}
	rc = merge(store, sk);
out:
	if (d != NULL)
		closedir(d);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(full);
	sk_X509_pop_free(sk, X509_free);
	return rc;
}

const char *
sign_csca_store_default_dir(void)
{
	const char *env = getenv("KYSO_CSCA_DIR");

	if (env != NULL && env[0] != '\0')
		return env;
	return SIGN_DATADIR "/csca";
}

int
sign_csca_store_add_default(sign_csca_store *store)
{
	int rc;

	if (store == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "sign_csca_store_add_default: NULL store");
	rc = sign_csca_store_add_dir(store, sign_csca_store_default_dir());
	if (rc == SIGN_ERR_NOT_FOUND) {
		sign_error_clear();
		rc = 0;
	}
	return rc;
}

/* ------------------------------------------------------------ master lists */

/* Signature of `child` made by `issuer`'s key: 1 valid, 0 not. */
static int
signed_by(X509 *child, X509 *issuer)
{
	EVP_PKEY *k = X509_get0_pubkey(issuer);
	int ok;

	if (k == NULL) {
		ERR_clear_error();
		return 0;
	}
	ok = X509_verify(child, k) == 1;
	ERR_clear_error();
	return ok;
}

/* 1 when ski(issuer) and aki(child) are both present and differ. */
static int
key_ids_differ(X509 *child, X509 *issuer)
{
	const ASN1_OCTET_STRING *aki = X509_get0_authority_key_id(child);
	const ASN1_OCTET_STRING *ski = X509_get0_subject_key_id(issuer);

	return aki != NULL && ski != NULL && ASN1_OCTET_STRING_cmp(aki, ski) != 0;
}

/* 1 when both key identifiers are present and equal. */
static int
key_ids_match(X509 *child, X509 *issuer)
{
	const ASN1_OCTET_STRING *aki = X509_get0_authority_key_id(child);
	const ASN1_OCTET_STRING *ski = X509_get0_subject_key_id(issuer);

	return aki != NULL && ski != NULL && ASN1_OCTET_STRING_cmp(aki, ski) == 0;
}

int
sign_csca__ml_content(const unsigned char *p, size_t len, STACK_OF(X509) *out)
{
	const char *what = "master list";
	sign_tlv ml, t, set, c;
	sign_tlv_iter it, cit;
	unsigned long v;
	int rc, n = 0;

	if ((rc = sign_tlv__expect(&ml, p, len, 0x30, SIGN_TLV_INDEFINITE, what)) != 0 ||
	    (rc = sign_tlv__iter_init(&it, &ml, what)) != 0)
		return rc;
	if ((rc = sign_tlv__next(&it, &t)) != 1 || t.tag != 0x02 ||
	    (rc = sign_tlv__uint(&t, &v, what)) != 0)
		return rc < 0 ? rc : sign_error__set(SIGN_ERR_MALFORMED, 0,
		    "%s: CscaMasterList version missing", what);
	if (v != 0)
		return sign_error__set(SIGN_ERR_UNSUPPORTED, 0,
		    "%s: CscaMasterList version %lu (only v0 is defined)", what, v);
	if ((rc = sign_tlv__next(&it, &set)) != 1 || set.tag != 0x31)
		return rc < 0 ? rc : sign_error__set(SIGN_ERR_MALFORMED, 0,
		    "%s: certList missing", what);
	if ((rc = sign_tlv__next(&it, &t)) != 0)
		return rc < 0 ? rc : sign_error__set(SIGN_ERR_MALFORMED, 0,
		    "%s: data after certList", what);
	if ((rc = sign_tlv__iter_init(&cit, &set, what)) != 0)
		return rc;
	while ((rc = sign_tlv__next(&cit, &c)) == 1) {
		X509 *x = NULL;

		if (++n > SIGN_PA__MAX_CERTS)
			return sign_error__set(SIGN_ERR_TOO_LARGE, 0, "%s: too many certificates", what);
		if ((rc = sign_pa__x509_der(&x, c.raw, c.raw_len, "master list certificate")) != 0)
			return rc;
		if (!sk_X509_push(out, x)) {
			X509_free(x);
			return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
		}
	}
	return rc;
}

/* The master list ml, verified against anchors (parsed by the caller). */
static int
add_masterlist(sign_csca_store *store, const unsigned char *ml, size_t ml_len,
    STACK_OF(X509) *anchors)
{
	struct sign_cms__sd sd;
	STACK_OF(X509) *certs = NULL;
	X509 *signer;
	int rc, i, trusted = 0;

	memset(&sd, 0, sizeof(sd));
	certs = sk_X509_new_null();
	if (certs == NULL) {
		rc = sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
		goto out;
	}
	if ((rc = sign_cms__parse(&sd, ml, ml_len, "master list")) != 0)
		goto out;
	if (strcmp(sd.econtent_type, OID_CSCA_ML) != 0) {
		rc = sign_error__set(SIGN_ERR_MALFORMED, 0,
		    "master list: eContentType %s is not id-icao-cscaMasterList", sd.econtent_type);
		goto out;
	}
	signer = sign_cms__find_signer(&sd, anchors);
	if (signer == NULL) {
		rc = sign_error__set(SIGN_ERR_UNTRUSTED, 0,
		    "master list: its signer certificate is neither in the list nor the anchor");
		goto out;
	}
	/* The signature first: a tampered list fails here whatever the anchor. */
	if ((rc = sign_cms__verify(&sd, signer, "master list")) != 0)
		goto out;
	for (i = 0; i < sk_X509_num(anchors) && !trusted; i++) {
		X509 *a = sk_X509_value(anchors, i);

		if (X509_cmp(a, signer) == 0)
			trusted = 1;
		else if (X509_NAME_cmp(X509_get_issuer_name(signer), X509_get_subject_name(a)) == 0 &&
		    !key_ids_differ(signer, a) && X509_check_ca(a) != 0 && signed_by(signer, a))
			trusted = 1;
	}
	if (!trusted) {
		char *s = sign_pa__name_text(X509_get_subject_name(signer));

		rc = sign_error__set(SIGN_ERR_UNTRUSTED, 0,
		    "master list: signer \"%s\" is not the anchor nor certified by it; "
		    "check --ml-signer-anchor", s != NULL ? s : "?");
		free(s);
		goto out;
	}
	if ((rc = sign_csca__ml_content(sd.econtent, sd.econtent_len, certs)) != 0)
		goto out;
	rc = merge(store, certs);
out:
	sign_cms__clear(&sd);
	sk_X509_pop_free(certs, X509_free);
	return rc;
}

int
sign_csca_store_add_masterlist(sign_csca_store *store, const unsigned char *ml, size_t ml_len,
    const unsigned char *anchor, size_t anchor_len)
{
	STACK_OF(X509) *anchors = NULL;
	int rc;

	if (store == NULL || ml == NULL || anchor == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0,
		    "sign_csca_store_add_masterlist: NULL argument");
	if ((anchors = sk_X509_new_null()) == NULL)
		return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
	rc = sign_pa__x509_load(anchors, anchor, anchor_len, "master list signer anchor");
	if (rc == 0)
		rc = add_masterlist(store, ml, ml_len, anchors);
	sk_X509_pop_free(anchors, X509_free);
	return rc;
}

int
sign_csca_store_add_masterlist_file(sign_csca_store *store, const char *ml_path,
    const char *anchor_path)
{
	sign_buf ml = SIGN_BUF_INIT, an = SIGN_BUF_INIT;
	STACK_OF(X509) *anchors = NULL;
	int rc;

	if (store == NULL || ml_path == NULL || anchor_path == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0,
		    "sign_csca_store_add_masterlist_file: NULL argument");
	if ((rc = sign__read_file(ml_path, 16u * 1024u * 1024u, &ml)) != 0 ||
	    (rc = sign__read_file(anchor_path, SIGN_PA__MAX_CERT, &an)) != 0)
		goto out;
	/* the anchor first, on its own: its failure names the anchor */
	if ((anchors = sk_X509_new_null()) == NULL) {
		rc = sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
		goto out;
	}
	rc = sign_pa__x509_load(anchors, an.data, an.len, anchor_path);
	if (rc == SIGN_ERR_MALFORMED)
		rc = not_cert(rc, anchor_path, an.data, an.len, 0);
	if (rc != 0)
		goto out;
	rc = add_masterlist(store, ml.data, ml.len, anchors);
	if (rc == SIGN_ERR_MALFORMED)
		rc = not_cert(rc, ml_path, ml.data, ml.len, 1);
	else if (rc != 0 && rc != SIGN_ERR_NOMEM)    /* the file named in the message */
		sign_error__set(rc, sign_error_backend(), "%s: %s", ml_path, sign_error_message());
out:
	sk_X509_pop_free(anchors, X509_free);
	sign_buf_dispose(&ml);
	sign_buf_dispose(&an);
	return rc;
}

/* ------------------------------------------------------------------ paths */

static void
check_validity(X509 *x, time_t at, unsigned int *warnings)
{
	if (X509_cmp_time(X509_get0_notAfter(x), &at) < 0)
		*warnings |= SIGN_PA_R_EXPIRED;
	if (X509_cmp_time(X509_get0_notBefore(x), &at) > 0)
		*warnings |= SIGN_PA_R_NOT_YET_VALID;
}

/*
 * Find an issuer of `child` in `sk` (name match, key identifiers not
 * contradicting, a CA) whose key verifies child's signature.  *named gets 1
 * when some candidate's key identifier matched child's AKI (so a signature
 * failure is a real failure, not a missing certificate).
 */
static X509 *
find_issuer(STACK_OF(X509) *sk, X509 *child, int links_only, int *named)
{
	int i;

	for (i = 0; sk != NULL && i < sk_X509_num(sk); i++) {
		X509 *c = sk_X509_value(sk, i);

		if (c == child || X509_cmp(c, child) == 0)
			continue;
		/* An untrusted self-issued CSCA leads nowhere. */
		if (links_only && X509_NAME_cmp(X509_get_subject_name(c),
		    X509_get_issuer_name(c)) == 0 && signed_by(c, c))
			continue;
		if (X509_NAME_cmp(X509_get_issuer_name(child), X509_get_subject_name(c)) != 0)
			continue;
		if (key_ids_differ(child, c) || X509_check_ca(c) == 0)
			continue;
		if (signed_by(child, c))
			return c;
		if (key_ids_match(child, c))
			*named = 1;
	}
	return NULL;
}

int
sign_csca__path(const sign_csca_store *store, X509 *ds, STACK_OF(X509) *pool, time_t at,
    struct sign_csca__path *out)
{
	X509 *cur = ds, *anchor = NULL, *link;
	int named = 0;
	char *s = NULL;

	memset(out, 0, sizeof(*out));
	check_validity(ds, at, &out->warnings);
	while (out->links <= MAX_LINKS) {
		anchor = find_issuer(store != NULL ? store->certs : NULL, cur, 0, &named);
		if (anchor != NULL)
			break;
		link = find_issuer(pool, cur, 1, &named);
		if (link == NULL)
			break;
		check_validity(link, at, &out->warnings);
		out->links++;
		cur = link;
	}
	if (anchor != NULL) {
		check_validity(anchor, at, &out->warnings);
		out->status = SIGN_CSCA__TRUSTED;
		out->anchor = anchor;
		return 0;
	}
	s = sign_pa__name_text(X509_get_issuer_name(cur));
	if (named) {
		out->status = SIGN_CSCA__BAD;
		snprintf(out->detail, sizeof(out->detail),
		    "the signature by the CSCA \"%s\" does not verify", s != NULL ? s : "?");
	} else {
		out->status = SIGN_CSCA__UNTRUSTED;
		snprintf(out->detail, sizeof(out->detail),
		    "no trusted CSCA \"%s\" (add it with --csca or a master list)",
		    s != NULL ? s : "?");
	}
	free(s);
	return 0;
}
