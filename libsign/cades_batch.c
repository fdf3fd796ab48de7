/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Batch signing: many files, one signer.  A token signs one digest at a time;
 * the rest of a file's work (open, read, hash, encode, write, fsync, rename)
 * can overlap with the next file's signature.  Worker threads each run
 * sign_cades_sign_file() on the next file of the list through a signer
 * wrapper that serialises the private-key operations with a mutex, so the
 * token is never used from two threads at once.
 */
#include "cades_priv.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BATCH_MAX_THREADS 4

struct locked {
	sign_signer *inner;
	pthread_mutex_t mu;
};

static int
locked_sign(void *ctx, sign_scheme scheme, sign_md md, const unsigned char *digest,
    size_t dlen, sign_buf *sig)
{
	struct locked *l = ctx;
	int rc;

	pthread_mutex_lock(&l->mu);
	rc = sign_signer__sign(l->inner, scheme, md, digest, dlen, sig);
	pthread_mutex_unlock(&l->mu);
	return rc;
}

static void
locked_free(void *ctx)
{
	struct locked *l = ctx;

	pthread_mutex_destroy(&l->mu);
	free(l);
}

static const struct sign_signer_ops locked_ops = { locked_sign, locked_free };

/* A signer sharing inner's key, certificate and chain, safe across threads. */
static int
locked_signer(sign_signer **out, sign_signer *inner)
{
	struct locked *l;
	sign_signer *s = NULL;
	int i, rc;

	*out = NULL;
	l = calloc(1, sizeof(*l));
	if (l == NULL)
		return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
	if (pthread_mutex_init(&l->mu, NULL) != 0) {
		free(l);
		return sign_error__set(SIGN_ERR_GENERIC, 0, "cannot create a mutex");
	}
	l->inner = inner;
	rc = sign_signer__new(&s, &locked_ops, l, inner->pub);
	if (rc != 0)
		return rc;
	if (inner->cert != NULL) {
		X509_up_ref(inner->cert);
		s->cert = inner->cert;
	}
	for (i = 0; i < sk_X509_num(inner->chain); i++) {
		X509 *x = sk_X509_value(inner->chain, i);

		if (!sk_X509_push(s->chain, x)) {
			sign_signer_free(s);
			return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
		}
		X509_up_ref(x);
	}
	*out = s;
	return 0;
}

struct batch {
	sign_signer *signer;
	const char *const *in;
	const char *const *out;
	size_t n;
	const sign_cades_sign_opts *opts;
	int *results;
	pthread_mutex_t mu;         /* guards the fields below */
	size_t next;
	int stop;
	size_t fail_idx;            /* lowest failed index, n when none */
	int fail_rc;
	unsigned long fail_backend;
	char fail_msg[512];
};

static void *
worker(void *arg)
{
	struct batch *b = arg;

	for (;;) {
		size_t i;
		int rc;

		pthread_mutex_lock(&b->mu);
		if (b->stop || b->next >= b->n) {
			pthread_mutex_unlock(&b->mu);
			break;
		}
		i = b->next++;
		pthread_mutex_unlock(&b->mu);
		rc = sign_cades_sign_file(b->signer, b->in[i], b->out[i], b->opts);
		b->results[i] = rc;
		if (rc != 0) {
			pthread_mutex_lock(&b->mu);
			b->stop = 1;
			if (i < b->fail_idx) {
				b->fail_idx = i;
				b->fail_rc = rc;
				b->fail_backend = sign_error_last() == rc ? sign_error_backend() : 0;
				snprintf(b->fail_msg, sizeof(b->fail_msg), "%s",
				    sign_error_last() == rc ? sign_error_message() : sign_strerror(rc));
			}
			pthread_mutex_unlock(&b->mu);
		}
	}
	return NULL;
}

static unsigned int
thread_count(const sign_cades_sign_opts *opts, size_t n)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned int t = opts->threads;

	if (t == 0)
		t = cpus > 0 ? (unsigned int)cpus : 1;
	if (t > BATCH_MAX_THREADS)
		t = BATCH_MAX_THREADS;
	if (t > n)
		t = (unsigned int)n;
	return t == 0 ? 1 : t;
}

int
sign_cades_sign_files(sign_signer *signer, const char *const *in, const char *const *out,
    size_t n, const sign_cades_sign_opts *opts, int *results)
{
	struct batch b;
	pthread_t tid[BATCH_MAX_THREADS];
	unsigned int nt, started = 0, k;
	int *res = results, rc = 0;
	size_t i;

	if (signer == NULL || opts == NULL || (n > 0 && (in == NULL || out == NULL)))
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "no signer, options or files");
	if (n == 0)
		return 0;
	memset(&b, 0, sizeof(b));
	if (res == NULL && (res = calloc(n, sizeof(*res))) == NULL)
		return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
	for (i = 0; i < n; i++)
		res[i] = SIGN_ERR_CANCELLED;
	b.in = in;
	b.out = out;
	b.n = n;
	b.opts = opts;
	b.results = res;
	b.fail_idx = n;
	nt = thread_count(opts, n);
	if (nt > 1 && (locked_signer(&b.signer, signer) != 0 ||
	    pthread_mutex_init(&b.mu, NULL) != 0)) {
		sign_signer_free(b.signer);
		b.signer = NULL;
		nt = 1;
	}
	if (nt <= 1) {
		/* one thread: in order, stop at the first failure */
		for (i = 0; i < n; i++) {
			rc = res[i] = sign_cades_sign_file(signer, in[i], out[i], opts);
			if (rc != 0)
				break;
		}
		goto out;
	}
	for (k = 0; k < nt; k++)
		if (pthread_create(&tid[k], NULL, worker, &b) == 0)
			started++;
	if (started == 0)
		worker(&b);   /* no thread could start: do the work here */
	for (k = 0; k < started; k++)
		pthread_join(tid[k], NULL);
	pthread_mutex_destroy(&b.mu);
	if (b.fail_idx < n)
		rc = sign_error__set(b.fail_rc, b.fail_backend, "%s", b.fail_msg);
out:
	sign_signer_free(b.signer);
	if (res != results)
		free(res);
	return rc;
}
