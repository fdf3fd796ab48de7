/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * CRLs from a certificate's CRL distribution points (the revocation check
 * with SIGN_CADES_VERIFY_CRL_FETCH): each http:// fullName URI of the
 * cRLDistributionPoints extension is fetched with a plain HTTP GET (no
 * redirect, at most CRLFETCH_MAX bytes, within CRLFETCH_TIMEOUT_MS), read as
 * one DER (or PEM) CRL, and handed to the CRL check like the CRLs given:
 * fetched CRLs get no trust of their own, they count only when their
 * signature verifies with the issuer's key.  ldap:// and other schemes are
 * passed over.  With a run's cache each URL is fetched once per run, a
 * failure included.
 *
 * libcurl is loaded with dlopen() on first use, as the gateway transport
 * (gateway_http.c) does, through a loader of this file's own: loading the
 * same SONAME twice gives the same library, and curl_global_init() counts
 * its calls.
 */
#include "cades_priv.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#ifndef SIGN_LIBCURL_SONAME
#error "config.h does not define SIGN_LIBCURL_SONAME"
#endif

#define CRLFETCH_MAX (16u * 1024u * 1024u)
#define CRLFETCH_TIMEOUT_MS 20000L
#define CRLFETCH_MAX_URLS 4             /* distribution points tried per certificate */
#define CRLFETCH_MAX_URL_LEN 1024

#define GET_FUNCTIONS(X) \
	X(curl_global_init) \
	X(curl_easy_init) \
	X(curl_easy_setopt) \
	X(curl_easy_perform) \
	X(curl_easy_getinfo) \
	X(curl_easy_cleanup) \
	X(curl_easy_strerror)

#define GET_POINTER(f) static __typeof__(f) *g_##f;
GET_FUNCTIONS(GET_POINTER)
#undef GET_POINTER

static pthread_once_t get_once = PTHREAD_ONCE_INIT;
static char get_load_msg[400];          /* empty once loaded */

static void
get_load_once(void)
{
	const char *missing = NULL;
	void *h = dlopen(SIGN_LIBCURL_SONAME, RTLD_NOW | RTLD_LOCAL);

	if (h == NULL) {
		const char *why = dlerror();

		snprintf(get_load_msg, sizeof(get_load_msg), "the HTTP client library %s could "
		    "not be loaded (%s); install the package that provides it (Debian: libcurl4)",
		    SIGN_LIBCURL_SONAME, why != NULL ? why : "no reason given");
		return;
	}
#define GET_RESOLVE(f) \
	if (missing == NULL && (g_##f = (__typeof__(g_##f))dlsym(h, #f)) == NULL) \
		missing = #f;
	GET_FUNCTIONS(GET_RESOLVE)
#undef GET_RESOLVE
	if (missing != NULL) {
		snprintf(get_load_msg, sizeof(get_load_msg), "the HTTP client library %s has no "
		    "function %s", SIGN_LIBCURL_SONAME, missing);
		return;
	}
	if (g_curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		snprintf(get_load_msg, sizeof(get_load_msg), "libcurl could not be initialised");
}

struct body {
	sign_buf *out;
	size_t max;
	int too_large, nomem;
};

static size_t
on_body(char *p, size_t size, size_t n, void *ud)
{
	struct body *b = ud;
	size_t add = size * n;
	unsigned char *q;

	if (add > b->max - b->out->len) {
		b->too_large = 1;
		return 0;
	}
	q = realloc(b->out->data, b->out->len + add + 1);
	if (q == NULL) {
		b->nomem = 1;
		return 0;
	}
	b->out->data = q;
	memcpy(q + b->out->len, p, add);
	b->out->len += add;
	return add;
}

/* GET url into out: 0, or why not in msg (-1). */
static int
http_get(const char *url, sign_buf *out, char *msg, size_t cap)
{
	struct body b;
	char errbuf[CURL_ERROR_SIZE];
	CURL *c = NULL;
	CURLcode cc;
	long status = 0;
	int rc = -1;

	sign_buf_dispose(out);
	if (pthread_once(&get_once, get_load_once) != 0 || get_load_msg[0] != '\0') {
		snprintf(msg, cap, "%s", get_load_msg[0] != '\0' ? get_load_msg :
		    "libcurl could not be loaded");
		return -1;
	}
	memset(&b, 0, sizeof(b));
	b.out = out;
	b.max = CRLFETCH_MAX;
	errbuf[0] = '\0';
	c = g_curl_easy_init();
	if (c == NULL) {
		snprintf(msg, cap, "out of memory");
		return -1;
	}
	if (g_curl_easy_setopt(c, CURLOPT_URL, url) != CURLE_OK ||
	    g_curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http") != CURLE_OK ||
	    g_curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK ||
	    g_curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	    g_curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, CRLFETCH_TIMEOUT_MS) != CURLE_OK ||
	    g_curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, CRLFETCH_TIMEOUT_MS) != CURLE_OK ||
	    g_curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body) != CURLE_OK ||
	    g_curl_easy_setopt(c, CURLOPT_WRITEDATA, (void *)&b) != CURLE_OK ||
	    g_curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf) != CURLE_OK) {
		snprintf(msg, cap, "libcurl refused the request's options");
		goto out;
	}
	cc = g_curl_easy_perform(c);
	if (cc == CURLE_WRITE_ERROR && b.too_large)
		snprintf(msg, cap, "%.200s is larger than %u bytes", url, CRLFETCH_MAX);
	else if (cc == CURLE_WRITE_ERROR && b.nomem)
		snprintf(msg, cap, "out of memory fetching %.200s", url);
	else if (cc == CURLE_OPERATION_TIMEDOUT)
		snprintf(msg, cap, "%.200s did not answer in %ld s", url, CRLFETCH_TIMEOUT_MS / 1000);
	else if (cc != CURLE_OK)
		snprintf(msg, cap, "cannot fetch %.200s (%.150s)", url, errbuf[0] != '\0' ? errbuf :
		    g_curl_easy_strerror(cc));
	else if (g_curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status) != CURLE_OK ||
	    status != 200)
		snprintf(msg, cap, "%.200s answered HTTP %ld", url, status);
	else
		rc = 0;
out:
	g_curl_easy_cleanup(c);
	if (rc != 0)
		sign_buf_dispose(out);
	return rc;
}

/* One CRL, DER or PEM, exactly the bytes given. */
static X509_CRL *
parse_crl(const sign_buf *b)
{
	const unsigned char *p = b->data;
	X509_CRL *crl = NULL;
	BIO *bio;

	if (b->len > 10 && memcmp(b->data, "-----BEGIN", 10) == 0) {
		bio = BIO_new_mem_buf(b->data, (int)b->len);
		crl = bio != NULL ? PEM_read_bio_X509_CRL(bio, NULL, NULL, NULL) : NULL;
		BIO_free(bio);
	} else {
		crl = d2i_X509_CRL(NULL, &p, (long)b->len);
		if (crl != NULL && p != b->data + b->len) {
			X509_CRL_free(crl);
			crl = NULL;
		}
	}
	ERR_clear_error();
	return crl;
}

/* The http:// URIs of x's CRL distribution points (at most max). */
static int
cdp_urls(X509 *x, char urls[][CRLFETCH_MAX_URL_LEN], int max)
{
	STACK_OF(DIST_POINT) *dps = X509_get_ext_d2i(x, NID_crl_distribution_points, NULL, NULL);
	int i, j, n = 0;

	for (i = 0; dps != NULL && i < sk_DIST_POINT_num(dps) && n < max; i++) {
		DIST_POINT *dp = sk_DIST_POINT_value(dps, i);

		if (dp->distpoint == NULL || dp->distpoint->type != 0)
			continue;       /* a nameRelativeToCRLIssuer: no URL */
		for (j = 0; j < sk_GENERAL_NAME_num(dp->distpoint->name.fullname) && n < max; j++) {
			GENERAL_NAME *gn = sk_GENERAL_NAME_value(dp->distpoint->name.fullname, j);
			const unsigned char *u;
			int len;

			if (gn->type != GEN_URI)
				continue;
			u = ASN1_STRING_get0_data(gn->d.uniformResourceIdentifier);
			len = ASN1_STRING_length(gn->d.uniformResourceIdentifier);
			if (len < 8 || len >= CRLFETCH_MAX_URL_LEN || strncmp((const char *)u,
			    "http://", 7) != 0 || memchr(u, '\0', (size_t)len) != NULL)
				continue;
			memcpy(urls[n], u, (size_t)len);
			urls[n][len] = '\0';
			n++;
		}
	}
	sk_DIST_POINT_pop_free(dps, DIST_POINT_free);
	ERR_clear_error();
	return n;
}

int
sign_cades__crl_fetch(X509 *x, struct cades_revcache *cache, STACK_OF(X509_CRL) **out,
    char *msg, size_t cap)
{
	char urls[CRLFETCH_MAX_URLS][CRLFETCH_MAX_URL_LEN], why[400];
	sign_buf body = SIGN_BUF_INIT;
	X509_CRL *crl;
	size_t used = 0;
	int i, n, got;

	*out = NULL;
	msg[0] = '\0';
	n = cdp_urls(x, urls, CRLFETCH_MAX_URLS);
	if (n == 0) {
		snprintf(msg, cap, "it names no http:// CRL distribution point");
		return 0;
	}
	if ((*out = sk_X509_CRL_new_null()) == NULL) {
		snprintf(msg, cap, "out of memory");
		return 0;
	}
	for (i = 0; i < n; i++) {
		crl = NULL;
		got = sign_cades__revcache_crlurl_get(cache, urls[i], &crl, why, sizeof(why));
		if (!got) {
			if (http_get(urls[i], &body, why, sizeof(why)) == 0) {
				crl = parse_crl(&body);
				if (crl == NULL)
					snprintf(why, sizeof(why), "%.300s is not a DER or PEM CRL", urls[i]);
				else
					snprintf(why, sizeof(why), "%.390s", urls[i]);
			}
			sign_cades__revcache_crlurl_put(cache, urls[i], crl, why);
			sign_buf_dispose(&body);
		}
		if (crl != NULL && !sk_X509_CRL_push(*out, crl))
			X509_CRL_free(crl);
		else if (crl == NULL && used < cap)
			used += (size_t)snprintf(msg + used, cap - used, "%s%s", used ? "; " : "",
			    why);
	}
	return sk_X509_CRL_num(*out);
}
