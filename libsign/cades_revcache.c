/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The revocation cache of one verification run (see cades_priv.h): OCSP
 * answers by CertID and responder URL, responder URLs that gave no answer,
 * and whether a CRL's signature verified with an issuer's key.  Three small
 * tables of at most max entries each, searched linearly (a run meets a few
 * issuers and signers, not thousands), the oldest entry replaced when one
 * is full; one mutex around every access.
 */
#include "cades_priv.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/x509.h>

#define DEAD_URL_MAX 512        /* longer URLs are not remembered */

struct ocsp_ent {
	unsigned char key[32];
	struct cades_ocsp_answer a;
};

struct dead_ent {
	char *url;
	char msg[400];
};

struct url_ent {
	char *url;
	X509_CRL *crl;              /* held, or NULL when the fetch failed */
	char msg[400];
};

/* Fetched CRLs kept per run, whatever max says: each may be large. */
#define CRLURL_MAX 32

struct crl_ent {
	X509_CRL *crl;              /* held: identity by pointer */
	X509 *issuer;               /* held: compared by content (X509_cmp) */
	int ok;
};

struct cades_revcache {
	pthread_mutex_t mu;
	size_t max;
	struct ocsp_ent *ocsp;
	size_t nocsp, ocsp_next;
	struct dead_ent *dead;
	size_t ndead, dead_next;
	struct crl_ent *crl;
	size_t ncrl, crl_next;
	struct url_ent urls[CRLURL_MAX];
	size_t nurls, urls_next;
	unsigned long ocsp_asked, crl_verified;
};

int
sign_cades__revcache_new(struct cades_revcache **out, size_t max)
{
	struct cades_revcache *c;

	*out = NULL;
	if (max == 0 || max > 65536)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0,
		    "a revocation cache holds 1 to 65536 entries per table");
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
	c->max = max;
	c->ocsp = calloc(max, sizeof(*c->ocsp));
	c->dead = calloc(max, sizeof(*c->dead));
	c->crl = calloc(max, sizeof(*c->crl));
	if (c->ocsp == NULL || c->dead == NULL || c->crl == NULL ||
	    pthread_mutex_init(&c->mu, NULL) != 0) {
		free(c->ocsp);
		free(c->dead);
		free(c->crl);
		free(c);
		return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
	}
	*out = c;
	return 0;
}

void
sign_cades__ocsp_answer_clear(struct cades_ocsp_answer *a)
{
	X509_free(a->responder);
	a->responder = NULL;
}

void
sign_cades__revcache_free(struct cades_revcache *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nocsp; i++)
		sign_cades__ocsp_answer_clear(&c->ocsp[i].a);
	for (i = 0; i < c->ndead; i++)
		free(c->dead[i].url);
	for (i = 0; i < c->ncrl; i++) {
		X509_CRL_free(c->crl[i].crl);
		X509_free(c->crl[i].issuer);
	}
	for (i = 0; i < c->nurls; i++) {
		free(c->urls[i].url);
		X509_CRL_free(c->urls[i].crl);
	}
	free(c->ocsp);
	free(c->dead);
	free(c->crl);
	pthread_mutex_destroy(&c->mu);
	free(c);
}

/* The slot for a new entry: the next free one, else the oldest. */
static size_t
slot(size_t *n, size_t *next, size_t max, int *reuse)
{
	size_t i;

	if (*n < max) {
		*reuse = 0;
		return (*n)++;
	}
	*reuse = 1;
	i = *next;
	*next = (*next + 1) % max;
	return i;
}

int
sign_cades__revcache_ocsp_get(struct cades_revcache *c, const unsigned char key[32],
    time_t now, struct cades_ocsp_answer *a)
{
	size_t i;
	int found = 0;

	memset(a, 0, sizeof(*a));
	if (c == NULL)
		return 0;
	pthread_mutex_lock(&c->mu);
	for (i = 0; i < c->nocsp && !found; i++) {
		struct ocsp_ent *e = &c->ocsp[i];

		if (memcmp(e->key, key, 32) != 0)
			continue;
		/* past its nextUpdate: a newer answer is due; ask again */
		if (e->a.next_update != 0 && now > e->a.next_update)
			break;
		*a = e->a;
		if (a->responder != NULL && !X509_up_ref(a->responder))
			a->responder = NULL;
		found = 1;
	}
	pthread_mutex_unlock(&c->mu);
	return found;
}

void
sign_cades__revcache_ocsp_put(struct cades_revcache *c, const unsigned char key[32],
    const struct cades_ocsp_answer *a)
{
	struct ocsp_ent *e = NULL;
	size_t i;
	int reuse = 1;

	if (c == NULL)
		return;
	pthread_mutex_lock(&c->mu);
	for (i = 0; i < c->nocsp && e == NULL; i++)      /* a renewed answer replaces */
		if (memcmp(c->ocsp[i].key, key, 32) == 0)
			e = &c->ocsp[i];
	if (e == NULL)
		e = &c->ocsp[slot(&c->nocsp, &c->ocsp_next, c->max, &reuse)];
	if (reuse)
		sign_cades__ocsp_answer_clear(&e->a);
	memcpy(e->key, key, 32);
	e->a = *a;
	if (e->a.responder != NULL && !X509_up_ref(e->a.responder))
		e->a.responder = NULL;
	pthread_mutex_unlock(&c->mu);
}

int
sign_cades__revcache_dead_get(struct cades_revcache *c, const char *url, char *msg,
    size_t cap)
{
	size_t i;
	int found = 0;

	if (c == NULL)
		return 0;
	pthread_mutex_lock(&c->mu);
	for (i = 0; i < c->ndead && !found; i++)
		if (strcmp(c->dead[i].url, url) == 0) {
			snprintf(msg, cap, "%s", c->dead[i].msg);
			found = 1;
		}
	pthread_mutex_unlock(&c->mu);
	return found;
}

void
sign_cades__revcache_dead_put(struct cades_revcache *c, const char *url, const char *msg)
{
	struct dead_ent *e;
	char *u;
	int reuse;

	if (c == NULL || strlen(url) > DEAD_URL_MAX || (u = strdup(url)) == NULL)
		return;
	pthread_mutex_lock(&c->mu);
	e = &c->dead[slot(&c->ndead, &c->dead_next, c->max, &reuse)];
	if (reuse)
		free(e->url);
	e->url = u;
	snprintf(e->msg, sizeof(e->msg), "%s", msg);
	pthread_mutex_unlock(&c->mu);
}

int
sign_cades__revcache_crl_get(struct cades_revcache *c, X509_CRL *crl, X509 *issuer)
{
	size_t i;
	int ok = -1;

	if (c == NULL)
		return -1;
	pthread_mutex_lock(&c->mu);
	for (i = 0; i < c->ncrl && ok < 0; i++)
		if (c->crl[i].crl == crl && X509_cmp(c->crl[i].issuer, issuer) == 0)
			ok = c->crl[i].ok;
	pthread_mutex_unlock(&c->mu);
	return ok;
}

void
sign_cades__revcache_crl_put(struct cades_revcache *c, X509_CRL *crl, X509 *issuer, int ok)
{
	struct crl_ent *e;
	int reuse;

	if (c == NULL)
		return;
	pthread_mutex_lock(&c->mu);
	c->crl_verified++;
	if (!X509_CRL_up_ref(crl)) {
		pthread_mutex_unlock(&c->mu);
		return;
	}
	if (!X509_up_ref(issuer)) {
		X509_CRL_free(crl);
		pthread_mutex_unlock(&c->mu);
		return;
	}
	e = &c->crl[slot(&c->ncrl, &c->crl_next, c->max, &reuse)];
	if (reuse) {
		X509_CRL_free(e->crl);
		X509_free(e->issuer);
	}
	e->crl = crl;
	e->issuer = issuer;
	e->ok = ok;
	pthread_mutex_unlock(&c->mu);
}

void
sign_cades__revcache_count_ocsp(struct cades_revcache *c)
{
	if (c == NULL)
		return;
	pthread_mutex_lock(&c->mu);
	c->ocsp_asked++;
	pthread_mutex_unlock(&c->mu);
}

void
sign_cades__revcache_stats(struct cades_revcache *c, unsigned long *ocsp_asked,
    unsigned long *crl_verified)
{
	*ocsp_asked = *crl_verified = 0;
	if (c == NULL)
		return;
	pthread_mutex_lock(&c->mu);
	*ocsp_asked = c->ocsp_asked;
	*crl_verified = c->crl_verified;
	pthread_mutex_unlock(&c->mu);
}

int
sign_cades__revcache_crlurl_get(struct cades_revcache *c, const char *url, X509_CRL **crl,
    char *msg, size_t cap)
{
	size_t i;
	int found = 0;

	*crl = NULL;
	if (c == NULL)
		return 0;
	pthread_mutex_lock(&c->mu);
	for (i = 0; i < c->nurls && !found; i++) {
		if (strcmp(c->urls[i].url, url) != 0)
			continue;
		found = 1;
		snprintf(msg, cap, "%s", c->urls[i].msg);
		if (c->urls[i].crl != NULL && X509_CRL_up_ref(c->urls[i].crl))
			*crl = c->urls[i].crl;
	}
	pthread_mutex_unlock(&c->mu);
	return found;
}

void
sign_cades__revcache_crlurl_put(struct cades_revcache *c, const char *url, X509_CRL *crl,
    const char *msg)
{
	struct url_ent *e;
	char *u;
	int reuse;

	if (c == NULL || (u = strdup(url)) == NULL)
		return;
	if (crl != NULL && !X509_CRL_up_ref(crl)) {
		free(u);
		return;
	}
	pthread_mutex_lock(&c->mu);
	e = &c->urls[slot(&c->nurls, &c->urls_next, CRLURL_MAX, &reuse)];
	if (reuse) {
		free(e->url);
		X509_CRL_free(e->crl);
	}
	e->url = u;
	e->crl = crl;
	snprintf(e->msg, sizeof(e->msg), "%s", msg);
	pthread_mutex_unlock(&c->mu);
}
