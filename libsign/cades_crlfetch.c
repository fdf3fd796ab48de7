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
 * The request goes through the libcurl transport the other services use
 * (gateway_http.c, sign_http__get): loaded on first use, abandoned on
 * sign_cancel_request().
 */
#include "cades_priv.h"
#include "http_priv.h"

#include <stdlib.h>
#include <string.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#define CRLFETCH_MAX (16u * 1024u * 1024u)
#define CRLFETCH_TIMEOUT_MS 20000L
#define CRLFETCH_MAX_URLS 4             /* distribution points tried per certificate */
#define CRLFETCH_MAX_URL_LEN 1024

/* GET url into out: 0, or why not in msg (-1). */
static int
http_get(const char *url, sign_buf *out, char *msg, size_t cap)
{
	long status = 0;

	if (sign_http__get(url, "the CRL distribution point", CRLFETCH_MAX, CRLFETCH_TIMEOUT_MS,
	    &status, out) != 0) {
		snprintf(msg, cap, "%s", sign_error_message());
		return -1;
	}
	if (status != 200) {
		snprintf(msg, cap, "%.200s answered HTTP %ld", url, status);
		sign_buf_dispose(out);
		return -1;
	}
	return 0;
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
