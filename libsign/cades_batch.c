/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Signing files: one (sign_cades_sign_file) or a batch with one signer
 * (sign_cades_sign_files).  Each file goes through four steps:
 *
 *   prepare  open and hash the input; the signed attributes and their digest
 *   sign     the private-key operation, one at a time
 *   write    the SignedData into a new temporary file beside the output
 *            (first asking the time-stamp server, when there is one)
 *   commit   a group of written files made durable with one sync of their
 *            file system, each temporary file renamed to its output, then
 *            the directory synced
 *
 * What does not depend on the file (certificates, ESS attribute, algorithm
 * identifiers, the fetched digest) is encoded once per batch (struct
 * cades_plan).  Threads take whichever step is ready, the token's first.
 * Files are prepared in order and signed lowest prepared first, so a thread
 * that is slow (or descheduled on a busy machine) with one file never holds
 * the token up: the signer prepares the next files itself.  A fast token
 * (an HSM, a software token: a signature under BATCH_SLOW_NS) signs on
 * one session per CPU (grow_lanes; opts->sessions), all under the one
 * login, with one thread more than sessions (thread_count): a token that
 * signs several operations at once then does, while a thread reads and
 * writes.  A signature that fails on a further session is made again on
 * the first, which alone signs from then on.
 *
 * Groups fill in milliseconds with a fast token; with a slow one (a smart
 * card, a PIN asked for each signature) each signature is in place before
 * the next is asked for, and no written file waits more than BATCH_AGE_NS.
 *
 * With a time-stamp server the write step waits for the network: up to
 * BATCH_TSA_THREADS threads (not one per CPU), each asking on an HTTP session
 * of its own that keeps its connection open for the batch, so at most that
 * many requests are in flight and a batch opens at most that many
 * connections (TLS handshakes), not one per file.  The token signs at most
 * BATCH_TSA_AHEAD files ahead of their time-stamps.
 *
 * Guarantees: an output appears only complete (a temporary file renamed, or
 * linked without replacing when not overwriting), and only after its bytes
 * reached the disk; a file is reported as signed only once its output is in
 * place and its directory synced.  A file that cannot be prepared stops the
 * batch there: the files before it are signed, none after it.  A file that
 * cannot be signed (the token fails) or written (the time-stamp server
 * fails, the disk is full) stops it there too: nothing new is signed, and
 * no output for it or any file after it, even one signed on another token
 * session or written already by another thread, so that the outputs are
 * the files before it.  After any other failure (a commit) nothing new is
 * signed.  Either way the files signed (before the failed one, for those
 * three) are written and committed,
 * and no temporary file is left.  A process killed by a signal leaves no
 * partial output; it may leave temporary files: at
 * most BATCH_RING, in practice one or two groups with a fast token, and
 * only the one being written with a slow token.  (Ctrl-C and SIGTERM leave
 * none: kyso sign stops the batch as after a failure.)  The next batch that
 * writes the same output removes them (clean_leftovers): only files named
 * exactly as this code names the temporary file of one of its outputs
 * ("OUT.tmp" and six letters or digits), regular files (not links) of this
 * user, older than BATCH_LEFTOVER_AGE.  Other files are never touched, not
 * even ones of that shape for outputs this batch does not write: a user's
 * directory is the user's.
 */
#include "cades_priv.h"
#include "http_priv.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <openssl/rand.h>

#define BATCH_MAX_THREADS 4
/* With a time-stamp server the write step waits for the network, not a CPU:
 * up to this many threads, each with its own connection (an HTTP session
 * kept open for the batch), so at most this many requests in flight. */
#define BATCH_TSA_THREADS 8
/* ... and the token signs no further ahead than this many files waiting
 * for their time-stamp: a server that fails (or Ctrl-C) wastes few. */
#define BATCH_TSA_AHEAD (2 * BATCH_TSA_THREADS)
#define BATCH_WORKERS (BATCH_TSA_THREADS > BATCH_MAX_THREADS + 1 ? BATCH_TSA_THREADS : \
	BATCH_MAX_THREADS + 1)
#define BATCH_RING 256       /* files between prepare and commit */
#define BATCH_GROUP 64       /* files made durable by one sync (<= BATCH_RING / 2) */
#define BATCH_WAKE 32        /* work that wakes a sleeping thread */
#define BATCH_FEED 2         /* files kept ready (or being prepared) for the signer,
                              * and one more for each further lane */
#define BATCH_LANES_MIN 16   /* files left for which more token sessions are opened */
/* A smaller group is committed when its first file was written this long ago,
 * or when a signature takes this long (a smart card, a PIN asked for each
 * signature): signatures already made are not held back for long. */
#define BATCH_AGE_NS (100 * 1000000LL)
#define BATCH_SLOW_NS (10 * 1000000LL)
/* A temporary file older than this (seconds) belongs to no writer at work. */
#define BATCH_LEFTOVER_AGE (10 * 60)

enum job_state {
	J_FREE = 0,
	J_PREPARING,
	J_READY,       /* prepared: attributes and their digest made */
	J_SIGNING,
	J_SIGNED,
	J_WRITING,
	J_WRITTEN,     /* complete temporary file, closed, not yet synced or renamed */
	J_FAILED
};

struct job {
	size_t idx;
	enum job_state state;
	char *tmp;                  /* the temporary output while there is one */
	int64_t written_at;         /* J_WRITTEN since (monotonic ns) */
	uint64_t content_len;
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int dlen;
	sign_buf sig;
	struct cades_tbs tbs;
};

struct batch;

/* One thread's working set. */
struct worker {
	struct batch *b;
	unsigned char *buf;         /* CADES_IO_CHUNK bytes */
	EVP_MD_CTX *ctx;
	struct cades_clock clk;
	struct dbuf head, tail;
	sign_http__session *http;   /* to the time-stamp server, made at its first file */
	pthread_t tid;
};

/* What the listing of an output's directory before the batch showed. */
enum { OUT_LISTED_ABSENT = 1, OUT_LISTED_PRESENT = 2 };

struct batch {
	struct cades_plan plan;
	const char *const *in;
	const char *const *out;
	size_t n;
	int overwrite;
	/* per output, from the listing of its directory before the batch
	 * (clean_leftovers): OUT_LISTED_ABSENT, OUT_LISTED_PRESENT, or 0: not
	 * listed (ask the file system); NULL: none listed */
	unsigned char *listed;
	int sync_each;              /* fsync each file when written (no group sync) */
	int tsa;                    /* a time-stamp server is asked in the write step */
	unsigned int nthreads;
	int *results;
	struct job ring[BATCH_RING];
	pthread_mutex_t mu;
	pthread_cond_t cv;
	/* guarded by mu */
	size_t next_prep;           /* next file to prepare */
	size_t sign_lo;             /* no file below waits to be signed */
	size_t write_lo;            /* no file below waits to be written */
	size_t next_commit;         /* first file not committed */
	size_t limit;               /* an input failed: no file from there on is signed */
	int halt;                   /* another failure: nothing new is started */
	int slow;                   /* the last signature took BATCH_SLOW_NS or more */
	size_t n_ready, n_signed, n_preparing, n_writing;
	unsigned int lanes;         /* the signer's lanes (token sessions) in use */
	int lanes_opened;           /* more than one was made: closed at the end */
	unsigned int want_lanes;    /* how many to ask for once the token shows it is fast */
	unsigned int lane_busy;     /* a bit per lane signing now */
	unsigned int n_signing;
	int committing;
	unsigned int busy, waiting; /* threads in a step; threads asleep */
	size_t fail_idx;            /* lowest failed file, n when none */
	int fail_rc;
	unsigned long fail_backend;
	char fail_msg[512];
};

#define JOB(b, i) (&(b)->ring[(i) % BATCH_RING])

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* ---- steps (run without the lock, on one job owned by the thread) -------- */

/* "writing PATH failed: ERRNO-TEXT; FIX" */
static int
write_error(int e, const char *path)
{
	return sign_error__set(SIGN_ERR_IO, (unsigned long)e, "writing %s failed: %s; %s", path,
	    strerror(e), e == ENOSPC || e == EDQUOT ? "free some space on its file system, or "
	    "write the signatures elsewhere" : "check the output directory");
}

static int
write_all(int fd, const unsigned char *p, size_t n, const char *path)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return write_error(w < 0 ? errno : ENOSPC, path);
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Hash fd from its current offset to the end (or max bytes) into w->ctx,
 * copying to out_fd when >= 0.  *total: bytes read. */
static int
hash_fd(struct worker *w, int fd, const char *path, uint64_t max, int out_fd,
    const char *out_path, uint64_t *total)
{
	uint64_t n = 0;
	int rc;

	for (;;) {
		size_t want = CADES_IO_CHUNK;
		ssize_t r;

		if (max != UINT64_MAX && max - n < want)
			want = (size_t)(max - n);
		if (want == 0)
			break;
		r = read(fd, w->buf, want);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EISDIR)
			return sign_error__set(SIGN_ERR_IO, 0, "%s is not a file", path);
		if (r < 0)
			return sign_error__set(SIGN_ERR_IO, (unsigned long)errno, "reading %s: %s",
			    path, strerror(errno));
		if (r == 0)
			break;
		if (!EVP_DigestUpdate(w->ctx, w->buf, (size_t)r))
			return sign_error__openssl(SIGN_ERR_CRYPTO, "digest failed");
		if (out_fd >= 0 && (rc = write_all(out_fd, w->buf, (size_t)r, out_path)) != 0)
			return rc;
		n += (uint64_t)r;
	}
	*total = n;
	return 0;
}

/* Open and hash the input; the signed attributes. */
static int
step_prepare(struct worker *w, struct job *j)
{
	struct batch *b = w->b;
	const char *in = b->in[j->idx], *out = b->out[j->idx];
	int check = b->plan.enveloping || b->overwrite;
	struct stat st, ost;
	int fd, rc;

	if (in == NULL || out == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "no input or output path");
	/* Enveloping takes regular files only: O_NONBLOCK, so that a FIFO is
	 * refused below instead of waiting for a writer (no effect on files). */
	fd = open(in, O_RDONLY | O_CLOEXEC | (b->plan.enveloping ? O_NONBLOCK : 0));
	if (fd < 0)
		return sign_error__set(errno == ENOENT ? SIGN_ERR_NOT_FOUND : SIGN_ERR_IO,
		    (unsigned long)errno, "cannot open %s: %s", in, strerror(errno));
	/* (Without this check a directory is refused by read(): EISDIR.) */
	if (check && fstat(fd, &st) != 0) {
		rc = sign_error__set(SIGN_ERR_IO, (unsigned long)errno, "cannot read %s: %s", in,
		    strerror(errno));
		goto out;
	}
	if (check && S_ISDIR(st.st_mode)) {
		rc = sign_error__set(SIGN_ERR_IO, 0, "%s is not a file", in);
		goto out;
	}
	if (b->plan.enveloping && !S_ISREG(st.st_mode)) {
		rc = sign_error__set(SIGN_ERR_USAGE, 0,
		    "%s is not a regular file: an enveloping signature reads its input twice", in);
		goto out;
	}
	/* Replacing the input with its own signature would lose it. */
	if (b->overwrite && stat(out, &ost) == 0 && ost.st_dev == st.st_dev &&
	    ost.st_ino == st.st_ino) {
		rc = sign_error__set(SIGN_ERR_USAGE, 0,
		    "the output %s is the input file: choose another output", out);
		goto out;
	}
	/* Checked again when the output is put in place; here so that no
	 * signature is spent on a file whose output exists (as the listing
	 * before the batch showed; one made since is found at the commit). */
	if (!b->overwrite && (b->listed == NULL || b->listed[j->idx] == 0 ?
	    access(out, F_OK) == 0 : b->listed[j->idx] == OUT_LISTED_PRESENT)) {
		rc = sign_error__set(SIGN_ERR_EXISTS, 0,
		    "%s already exists (use --force to replace it)", out);
		goto out;
	}
	if (!EVP_DigestInit_ex2(w->ctx, b->plan.evp, NULL)) {
		rc = sign_error__openssl(SIGN_ERR_CRYPTO, "cannot start the digest");
		goto out;
	}
	rc = hash_fd(w, fd, in, UINT64_MAX, -1, NULL, &j->content_len);
	if (rc != 0)
		goto out;
	if (!EVP_DigestFinal_ex(w->ctx, j->digest, &j->dlen)) {
		rc = sign_error__openssl(SIGN_ERR_CRYPTO, "digest failed");
		goto out;
	}
	rc = sign_cades__plan_tbs(&b->plan, &j->tbs, j->digest, j->dlen, w->ctx, &w->clk);
out:
	close(fd);
	return rc;
}

/* Enveloping: the content again, into the output, and the proof that it is
 * what was signed. */
static int
copy_content(struct worker *w, struct job *j, int out_fd)
{
	struct batch *b = w->b;
	const char *in = b->in[j->idx], *out = b->out[j->idx];
	unsigned char d2[EVP_MAX_MD_SIZE], probe;
	unsigned int l2 = 0;
	uint64_t n2 = 0;
	struct stat st;
	int fd, rc;

	/* O_NONBLOCK: a FIFO put in the file's place must not hang us */
	fd = open(in, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		rc = sign_error__set(SIGN_ERR_IO, 0,
		    "%s changed while it was being signed: sign it again", in);
		goto out;
	}
	if (!EVP_DigestInit_ex2(w->ctx, b->plan.evp, NULL)) {
		rc = sign_error__openssl(SIGN_ERR_CRYPTO, "cannot start the digest");
		goto out;
	}
	rc = hash_fd(w, fd, in, j->content_len, out_fd, out, &n2);
	if (rc != 0)
		goto out;
	if (!EVP_DigestFinal_ex(w->ctx, d2, &l2)) {
		rc = sign_error__openssl(SIGN_ERR_CRYPTO, "digest failed");
		goto out;
	}
	if (n2 != j->content_len || read(fd, &probe, 1) != 0 || l2 != j->dlen ||
	    memcmp(d2, j->digest, l2) != 0)
		rc = sign_error__set(SIGN_ERR_IO, 0,
		    "%s changed while it was being signed: sign it again", in);
out:
	if (fd >= 0)
		close(fd);
	return rc;
}

/*
 * The template of the temporary file beside out ("OUT.tmpXXXXXX") in buf
 * (strlen(out) + 11 bytes).  When that name would be longer than a file
 * name may be, the output's name is cut (at a UTF-8 character boundary):
 * a file whose signature's name just fits can still be signed.
 */
static void
tmp_name(char *buf, size_t cap, const char *out)
{
	const char *base = strrchr(out, '/');
	size_t dlen = base != NULL ? (size_t)(base - out) + 1 : 0;
	size_t blen = strlen(out) - dlen;
	size_t keep = NAME_MAX - (sizeof(".tmpXXXXXX") - 1);

	if (blen <= keep) {
		snprintf(buf, cap, "%s.tmpXXXXXX", out);
		return;
	}
	while (keep > 0 && ((unsigned char)out[dlen + keep] & 0xc0) == 0x80)
		keep--;
	snprintf(buf, cap, "%.*s.tmpXXXXXX", (int)(dlen + keep), out);
}

/* ---- temporary files a killed batch left ------------------------------------ */

/* One output's temporary name, its directory part and "BASE.tmp" apart. */
struct leftover_key {
	const char *path;           /* the template, "DIR/BASE.tmpXXXXXX" */
	size_t dlen;                /* length of "DIR/" (0: the current directory) */
	size_t idx;                 /* the output's index in the batch */
	int whole;                  /* the template is the output's name + ".tmpXXXXXX" */
};


/* The directory (its length, then its text), then the name: one directory's
 * keys sit together, their names in strcmp() order. */
static int
cmp_leftover(const void *a, const void *b)
{
	const struct leftover_key *x = a, *y = b;
	int c;

	if (x->dlen != y->dlen)
		return x->dlen < y->dlen ? -1 : 1;
	if ((c = strncmp(x->path, y->path, x->dlen)) != 0)
		return c;
	return strcmp(x->path + x->dlen, y->path + y->dlen);
}

/* The key of keys[0..n) (of one directory, sorted by cmp_leftover) whose
 * name part is probe (a name alone), or NULL. */
static const struct leftover_key *
find_key(const struct leftover_key *keys, size_t n, const struct leftover_key *probe)
{
	struct leftover_key k;
	size_t lo = 0, hi = n, mid;
	int c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		k.path = keys[mid].path + keys[mid].dlen;
		k.dlen = 0;
		c = cmp_leftover(probe, &k);
		if (c == 0)
			return &keys[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/* The outputs' temporary names of one directory (sorted by cmp_leftover). */
struct leftover_dir {
	const struct leftover_key *keys;
	size_t n;
	unsigned char *listed;      /* the batch's, or NULL */
};

/* 1 when name is "BASE.tmp" + six letters or digits and BASE.tmpXXXXXX the
 * temporary name of one of the directory's outputs.  A name that is one of
 * the outputs is noted as present. */
static int
is_leftover(const char *name, void *ud)
{
	const struct leftover_dir *ld = ud;
	const struct leftover_key *k;
	struct leftover_key probe;
	char pbuf[NAME_MAX + 2];
	size_t len = strlen(name), i;

	if (len > NAME_MAX)
		return 0;
	probe.path = pbuf;
	probe.dlen = 0;
	if (ld->listed != NULL && len + sizeof(".tmpXXXXXX") - 1 <= NAME_MAX) {
		memcpy(pbuf, name, len);
		memcpy(pbuf + len, ".tmpXXXXXX", sizeof(".tmpXXXXXX"));
		if ((k = find_key(ld->keys, ld->n, &probe)) != NULL && k->whole)
			ld->listed[k->idx] = OUT_LISTED_PRESENT;
	}
	if (len < 10 || memcmp(name + len - 10, ".tmp", 4) != 0)
		return 0;
	for (i = len - 6; i < len && isalnum((unsigned char)name[i]); i++)
		;
	if (i < len)
		return 0;
	memcpy(pbuf, name, len - 6);
	memcpy(pbuf + len - 6, "XXXXXX", 7);
	return find_key(ld->keys, ld->n, &probe) != NULL;
}

/* In the directory of keys[0..n) (one directory): remove the leftovers, and
 * note in listed which outputs the listing shows. */
static void
clean_dir(const struct leftover_key *keys, size_t n, time_t now, unsigned char *listed)
{
	struct leftover_dir ld = { keys, n, listed };
	unsigned int removed = 0;
	size_t i;
	char *dir;

	dir = keys[0].dlen > 0 ? strndup(keys[0].path, keys[0].dlen) : strdup(".");
	if (dir == NULL)
		return;
	if (sign__remove_leftovers(dir, is_leftover, &ld, now, BATCH_LEFTOVER_AGE,
	    &removed) != 0) {
		sign_error_clear();     /* best effort: the batch says what it cannot write */
		free(dir);
		return;
	}
	for (i = 0; listed != NULL && i < n; i++)
		if (keys[i].whole && listed[keys[i].idx] != OUT_LISTED_PRESENT)
			listed[keys[i].idx] = OUT_LISTED_ABSENT;
	if (removed > 0)
		sign_log__msg(SIGN_LOG_INFO, "cades: removed %u temporary file%s a killed signing "
		    "run left in %s", removed, removed == 1 ? "" : "s", dir);
	free(dir);
}

/*
 * Before a batch: the temporary files that a killed run (SIGKILL, a crash)
 * left for the outputs this batch writes (see the top of this file).  Best
 * effort: a directory that cannot be listed is left alone.  The same
 * listing tells which outputs exist already (listed, when not NULL), so
 * that a batch does not ask the file system once per file.
 */
static void
clean_leftovers(const char *const *out, size_t n, unsigned char *listed)
{
	struct leftover_key *keys = calloc(n, sizeof(*keys));
	char **names = calloc(n, sizeof(*names));
	time_t now = time(NULL);
	size_t i, j, len;

	if (keys == NULL || names == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		const char *sl = strrchr(out[i], '/');

		len = strlen(out[i]) + sizeof(".tmpXXXXXX");
		if ((names[i] = malloc(len)) == NULL)
			goto out;
		tmp_name(names[i], len, out[i]);
		keys[i].path = names[i];
		keys[i].dlen = sl != NULL ? (size_t)(sl - out[i]) + 1 : 0;
		keys[i].idx = i;
		keys[i].whole = strlen(names[i]) == len - 1;
	}
	qsort(keys, n, sizeof(*keys), cmp_leftover);
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && keys[j].dlen == keys[i].dlen &&
		    strncmp(keys[j].path, keys[i].path, keys[i].dlen) == 0; j++)
			;
		clean_dir(keys + i, j - i, now, listed);
	}
out:
	for (i = 0; names != NULL && i < n; i++)
		free(names[i]);
	free(names);
	free(keys);
}

/*
 * Create the temporary file named by tmpl (ending in XXXXXX, replaced), as
 * mkostemp() does but with mode 0666 less the umask: a signature is to be
 * read by others, as any file the user makes (mkostemp() makes 0600).
 * The descriptor, or -1 with errno.
 */
static int
open_tmp(char *tmpl)
{
	static const char chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	char *x = tmpl + strlen(tmpl) - 6;
	unsigned char r[6];
	int tries, fd, i;

	for (tries = 0; tries < 100; tries++) {
		if (RAND_bytes(r, sizeof(r)) != 1) {
			errno = EIO;
			return -1;
		}
		for (i = 0; i < 6; i++)
			x[i] = chars[r[i] % (sizeof(chars) - 1)];
		fd = open(tmpl, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
		if (fd >= 0 || errno != EEXIST)
			return fd;
	}
	errno = EEXIST;
	return -1;
}

/* The SignedData into a new temporary file beside the output.  On failure
 * the temporary file is removed. */
static int
step_write(struct worker *w, struct job *j)
{
	struct batch *b = w->b;
	const char *out = b->out[j->idx];
	sign_buf tst = SIGN_BUF_INIT;
	size_t len;
	int fd, rc;

	dbuf_reset(&w->head);
	dbuf_reset(&w->tail);
	/* the time-stamp server is asked here, by several threads at once
	 * (each on its own kept connection) while the token goes on signing */
	rc = 0;
	if (b->tsa) {
		if (w->http == NULL)
			rc = sign_cades__tsa_session_new(&w->http, b->plan.tsa_cacert);
		if (rc == 0)
			rc = sign_cades__tsa_token_on(w->http, b->plan.tsa_url, j->sig.data,
			    j->sig.len, &tst);
	}
	if (rc == 0)
		rc = sign_cades__plan_encode(&b->plan, &j->tbs, j->sig.data, j->sig.len, &tst,
		    b->plan.enveloping ? j->content_len : UINT64_MAX, &w->head, &w->tail);
	sign_buf_dispose(&tst);
	if (rc != 0)
		return rc;
	len = strlen(out) + sizeof(".tmpXXXXXX");
	j->tmp = malloc(len);
	if (j->tmp == NULL)
		return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
	tmp_name(j->tmp, len, out);
	fd = open_tmp(j->tmp);
	if (fd < 0) {
		rc = sign_error__set(SIGN_ERR_IO, (unsigned long)errno,
		    "cannot create a file beside %s: %s", out, strerror(errno));
		free(j->tmp);
		j->tmp = NULL;
		return rc;
	}
	rc = write_all(fd, w->head.p, w->head.len, out);
	if (rc == 0 && b->plan.enveloping) {
		rc = copy_content(w, j, fd);
		if (rc == 0)
			rc = write_all(fd, w->tail.p, w->tail.len, out);
	}
	if (rc == 0 && b->sync_each && fsync(fd) != 0)
		rc = write_error(errno, out);
	if (close(fd) != 0 && rc == 0)
		rc = write_error(errno, out);
	if (rc != 0) {
		unlink(j->tmp);
		free(j->tmp);
		j->tmp = NULL;
	}
	return rc;
}

/* Put a complete, synced temporary file in place; the temporary name is
 * gone afterwards, whatever the result. */
static int
publish(const char *tmp, const char *path, int overwrite)
{
	int e;

	if (overwrite) {
		if (rename(tmp, path) == 0)
			return 0;
		e = errno;
		unlink(tmp);
		return sign_error__set(SIGN_ERR_IO, (unsigned long)e, "cannot create %s: %s", path,
		    strerror(e));
	}
#ifdef RENAME_NOREPLACE
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE) == 0)
		return 0;
	e = errno;
	if (e != EINVAL && e != ENOSYS && e != ENOTSUP)
		goto fail;
#endif
	/* link() fails if the target appeared meanwhile: no clobbering. */
	e = link(tmp, path) == 0 ? 0 : errno;
#ifdef RENAME_NOREPLACE
fail:
#endif
	unlink(tmp);
	if (e == 0)
		return 0;
	if (e == EEXIST)
		return sign_error__set(SIGN_ERR_EXISTS, (unsigned long)e,
		    "%s already exists (use --force to replace it)", path);
	return sign_error__set(SIGN_ERR_IO, (unsigned long)e, "cannot create %s: %s", path,
	    strerror(e));
}

/* ---- scheduling (with the lock held) ------------------------------------ */

static int
can_prepare(const struct batch *b)
{
	return !b->halt && b->next_prep < b->limit && b->next_prep < b->next_commit + BATCH_RING;
}

/*
 * Wake a sleeping thread when there is a batch of work for it: a wake-up
 * costs system calls and a context switch on both sides, more than writing
 * a small signature.  (force: a failure or the end.)  A thread that finds
 * work below the threshold does it itself.
 */
static void
wake(struct batch *b, int force)
{
	size_t room;

	if (b->waiting == 0)
		return;
	if (force) {
		pthread_cond_broadcast(&b->cv);
		return;
	}
	room = can_prepare(b) ? b->next_commit + BATCH_RING - b->next_prep : 0;
	if (b->n_signed >= BATCH_WAKE || (b->n_signed > 0 && (b->slow || b->tsa)) ||
	    (b->n_ready < BATCH_WAKE && room >= BATCH_WAKE))
		pthread_cond_signal(&b->cv);
}

/*
 * A file failed: record why (the lowest failed file's error is the batch's).
 * A file that cannot be prepared (its input unreadable, its output there
 * already) stops the batch at that file (at_file): the files before it are
 * still signed, as they would be one after the other.  Any other failure
 * (token, disk) stops everything new at once.
 */
static void
job_fail(struct batch *b, struct job *j, int rc, int at_file)
{
	j->state = J_FAILED;
	b->results[j->idx] = rc;
	if (!at_file)
		b->halt = 1;
	else if (j->idx < b->limit)
		b->limit = j->idx;
	if (j->idx < b->fail_idx) {
		b->fail_idx = j->idx;
		b->fail_rc = rc;
		b->fail_backend = sign_error_last() == rc ? sign_error_backend() : 0;
		snprintf(b->fail_msg, sizeof(b->fail_msg), "%s",
		    sign_error_last() == rc ? sign_error_message() : sign_strerror(rc));
	}
	wake(b, 1);
}

/* The lowest prepared file, or NULL. */
static struct job *
find_ready(struct batch *b)
{
	size_t i;

	if (b->sign_lo < b->next_commit)
		b->sign_lo = b->next_commit;
	while (b->sign_lo < b->next_prep && JOB(b, b->sign_lo)->state > J_READY)
		b->sign_lo++;
	for (i = b->sign_lo; i < b->next_prep && i < b->limit; i++)
		if (JOB(b, i)->state == J_READY)
			return JOB(b, i);
	return NULL;
}

/* The lowest signed file below the limit, or NULL. */
static struct job *
find_signed(struct batch *b)
{
	size_t i;

	if (b->write_lo < b->next_commit)
		b->write_lo = b->next_commit;
	while (b->write_lo < b->next_prep && JOB(b, b->write_lo)->state > J_SIGNED)
		b->write_lo++;
	for (i = b->write_lo; i < b->next_prep && i < b->limit; i++)
		if (JOB(b, i)->state == J_SIGNED)
			return JOB(b, i);
	return NULL;
}

/* Nothing more will happen to the file before its commit: written, failed,
 * or (after a failure) prepared but never to be signed, or signed at or
 * after the limit, never to be written. */
static int
settled(const struct batch *b, const struct job *j)
{
	return j->state == J_WRITTEN || j->state == J_FAILED ||
	    (j->state == J_READY && (b->halt || j->idx >= b->limit)) ||
	    (j->state == J_SIGNED && j->idx >= b->limit);
}

/* The files from next_commit on that are settled (at most a group). */
static size_t
settled_run(const struct batch *b, size_t *end)
{
	size_t k = 0;

	/* the last group ends where preparing has stopped for good */
	*end = b->halt || b->next_prep >= b->limit ? b->next_prep : b->n;
	while (b->next_commit + k < *end && k < BATCH_GROUP &&
	    settled(b, JOB(b, b->next_commit + k)))
		k++;
	return k;
}

/* The number of files from next_commit on to commit now: a full group, the
 * last one, or a smaller one when waiting would hold signatures back. */
static size_t
committable(const struct batch *b)
{
	const struct job *first = JOB(b, b->next_commit);
	size_t end, k = settled_run(b, &end);

	if (k == BATCH_GROUP || (k > 0 && (b->next_commit + k == end || b->slow ||
	    first->state != J_WRITTEN || now_ns() - first->written_at >= BATCH_AGE_NS)))
		return k;
	return 0;
}

/* Length of the directory part of path (0: the current directory). */
static size_t
dir_len(const char *path)
{
	const char *s = strrchr(path, '/');

	if (s == NULL)
		return 0;
	return s == path ? 1 : (size_t)(s - path);
}

struct gdir {
	const char *path;           /* an output in it */
	size_t len;
	int fd;                     /* -1 when it cannot be opened */
	dev_t dev;
};

static int
same_dir(const struct gdir *d, const char *path)
{
	return dir_len(path) == d->len && strncmp(d->path, path, d->len) == 0;
}

/* Mark the written files of [first, first + k) in directory d (all when d
 * is NULL) failed with the thread's last error rc. */
static void
fail_written(struct batch *b, size_t first, size_t k, const struct gdir *d, int rc)
{
	size_t i;

	pthread_mutex_lock(&b->mu);
	for (i = 0; i < k; i++) {
		struct job *j = JOB(b, first + i);

		if (j->state != J_WRITTEN || (d != NULL && !same_dir(d, b->out[j->idx])))
			continue;
		if (j->tmp != NULL) {
			unlink(j->tmp);
			free(j->tmp);
			j->tmp = NULL;
		}
		job_fail(b, j, rc, 0);
	}
	pthread_mutex_unlock(&b->mu);
}

/*
 * Commit the written files of [first, first + k): (1) their bytes on disk,
 * one syncfs() per file system (fsync() of each file where syncfs() is
 * missing or the directory cannot be opened); (2) each renamed to its
 * output; (3) each directory synced, so that the new names are on disk too.
 * Runs without the lock: the jobs stay this thread's until next_commit moves.
 */
static void
commit_group(struct batch *b, size_t first, size_t k)
{
	struct gdir dirs[BATCH_GROUP];
	size_t nd = 0, i, d, e;
	struct stat st;
	int rc;

	for (i = 0; i < k; i++) {
		struct job *j = JOB(b, first + i);

		if (j->state != J_WRITTEN)
			continue;
		for (d = 0; d < nd && !same_dir(&dirs[d], b->out[j->idx]); d++)
			;
		if (d < nd)
			continue;
		dirs[nd].path = b->out[j->idx];
		dirs[nd].len = dir_len(dirs[nd].path);
		if (dirs[nd].len == 0) {
			dirs[nd].fd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		} else {
			char *s = strndup(dirs[nd].path, dirs[nd].len);

			dirs[nd].fd = s != NULL ? open(s, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
			free(s);
		}
		/* (a directory with mode -wx cannot be opened: see below) */
		dirs[nd].dev = dirs[nd].fd >= 0 && fstat(dirs[nd].fd, &st) == 0 ? st.st_dev : 0;
		nd++;
	}
	/* 1. the bytes */
	for (d = 0; d < nd && !b->sync_each; d++) {
		for (e = 0; e < d; e++)
			if (dirs[e].fd >= 0 && dirs[e].dev == dirs[d].dev)
				break;
		if (e < d)
			continue;   /* that file system is synced already */
#ifdef __linux__
		if (dirs[d].fd >= 0) {
			if (syncfs(dirs[d].fd) != 0) {
				rc = write_error(errno, dirs[d].path);
				fail_written(b, first, k, &dirs[d], rc);
			}
			continue;
		}
#endif
		for (i = 0; i < k; i++) {
			struct job *j = JOB(b, first + i);
			int fd;

			if (j->state != J_WRITTEN || !same_dir(&dirs[d], b->out[j->idx]))
				continue;
			fd = open(j->tmp, O_WRONLY | O_CLOEXEC);
			if (fd < 0 || fsync(fd) != 0) {
				rc = write_error(errno, b->out[j->idx]);
				pthread_mutex_lock(&b->mu);
				unlink(j->tmp);
				free(j->tmp);
				j->tmp = NULL;
				job_fail(b, j, rc, 0);
				pthread_mutex_unlock(&b->mu);
			}
			if (fd >= 0)
				close(fd);
		}
	}
	/* 2. the names */
	for (i = 0; i < k; i++) {
		struct job *j = JOB(b, first + i);

		if (j->state != J_WRITTEN)
			continue;
		rc = publish(j->tmp, b->out[j->idx], b->overwrite);
		free(j->tmp);
		j->tmp = NULL;
		if (rc != 0) {
			pthread_mutex_lock(&b->mu);
			job_fail(b, j, rc, 0);
			pthread_mutex_unlock(&b->mu);
		}
	}
	/* 3. the directories */
	for (d = 0; d < nd; d++) {
		if (dirs[d].fd < 0)
			continue;
		if (fsync(dirs[d].fd) != 0 && errno != EINVAL && errno != ENOTSUP &&
		    errno != EBADF) {
			rc = sign_error__set(SIGN_ERR_IO, (unsigned long)errno,
			    "cannot sync the directory of %s: %s; its signature may not survive "
			    "a crash", dirs[d].path, strerror(errno));
			/* the outputs are complete but not reported as signed */
			pthread_mutex_lock(&b->mu);
			for (i = 0; i < k; i++) {
				struct job *j = JOB(b, first + i);

				if (j->state == J_WRITTEN && same_dir(&dirs[d], b->out[j->idx]))
					job_fail(b, j, rc, 0);
			}
			pthread_mutex_unlock(&b->mu);
		}
		close(dirs[d].fd);
	}
	for (i = 0; i < k; i++) {
		struct job *j = JOB(b, first + i);

		if (j->state == J_WRITTEN)
			b->results[j->idx] = 0;
	}
}

/* Release a slot (committed, failed or never signed). */
static void
job_clear(struct job *j)
{
	if (j->tmp != NULL) {
		unlink(j->tmp);
		free(j->tmp);
		j->tmp = NULL;
	}
	sign_buf_dispose(&j->sig);
	j->state = J_FREE;
}

/* Lanes that may sign now: one with a slow token (each signature in place
 * before the next is asked for). */
static unsigned int
sign_capacity(const struct batch *b)
{
	return b->slow ? 1 : b->lanes;
}

/*
 * After a fast signature (a software token or an HSM, not a smart card;
 * the first fast one on a busy machine) with more than BATCH_LANES_MIN
 * files left: ask the signer for more lanes (token sessions sharing the
 * login), want_lanes in all (lane_count), so that a token that signs
 * several operations at once does.  Asked once per batch; a token that
 * gives none keeps its one session.
 */
static void
grow_lanes(struct batch *b, size_t idx)
{
	unsigned int want = b->want_lanes, got;

	if (b->slow)
		return;     /* (a busy machine, or a slow token: ask again after a fast one) */
	b->want_lanes = 0;
	if (want < 2 || b->halt || b->n - idx - 1 <= BATCH_LANES_MIN)
		return;
	b->busy++;
	pthread_mutex_unlock(&b->mu);
	got = sign_signer__lanes(b->plan.signer, want);
	sign_log__msg(SIGN_LOG_DEBUG, "signing on %u token session%s at once", got,
	    got == 1 ? "" : "s");
	pthread_mutex_lock(&b->mu);
	b->busy--;
	b->lanes = got;
	b->lanes_opened = got > 1;
	if (got > 1)
		wake(b, 1);
}

static void
do_sign(struct batch *b, struct job *j)
{
	unsigned int lane = 0;
	int64_t t0;
	int rc;

	while (b->lane_busy & (1u << lane))
		lane++;
	j->state = J_SIGNING;
	b->lane_busy |= 1u << lane;
	b->n_signing++;
	b->n_ready--;
	b->busy++;
	pthread_mutex_unlock(&b->mu);
	t0 = now_ns();
	rc = sign_cades__plan_sign(&b->plan, lane, &j->tbs, &j->sig);
	t0 = now_ns() - t0;
	pthread_mutex_lock(&b->mu);
	b->slow = t0 >= BATCH_SLOW_NS;
	b->busy--;
	b->n_signing--;
	b->lane_busy &= ~(1u << lane);
	if (rc != 0 && lane > 0 && rc != SIGN_ERR_CANCELLED && !b->halt) {
		/* A further session failed (a module that opened it but will not
		 * sign on it; or the token is gone, which the first session will
		 * say): from now on the first session alone, and this file again
		 * there. */
		sign_log__msg(SIGN_LOG_DEBUG, "signing on token session %u failed (%s): on one "
		    "session from now on", lane, sign_error_last() == rc ? sign_error_message() :
		    sign_strerror(rc));
		b->lanes = 1;
		sign_buf_dispose(&j->sig);
		j->state = J_READY;
		b->n_ready++;
		if (j->idx < b->sign_lo)
			b->sign_lo = j->idx;
		wake(b, 0);
		return;
	}
	if (rc != 0) {
		/* with several sessions, files after this one may be signed
		 * already: none of them is written, so that the outputs stay the
		 * files before it */
		job_fail(b, j, rc, 0);
		if (j->idx < b->limit)
			b->limit = j->idx;
		return;
	}
	j->state = J_SIGNED;
	b->n_signed++;
	if (b->want_lanes > 0)
		grow_lanes(b, j->idx);
	wake(b, 0);
}

static void
do_prepare(struct worker *w, struct batch *b)
{
	struct job *j = JOB(b, b->next_prep);
	int rc;

	j->idx = b->next_prep++;
	j->state = J_PREPARING;
	b->n_preparing++;
	b->busy++;
	pthread_mutex_unlock(&b->mu);
	rc = step_prepare(w, j);
	pthread_mutex_lock(&b->mu);
	b->busy--;
	b->n_preparing--;
	if (rc != 0) {
		job_fail(b, j, rc, 1);
		return;
	}
	j->state = J_READY;
	b->n_ready++;
	wake(b, 0);
}

static void
do_write(struct worker *w, struct batch *b, struct job *j)
{
	int rc;

	j->state = J_WRITING;
	b->n_signed--;
	b->n_writing++;
	b->busy++;
	pthread_mutex_unlock(&b->mu);
	rc = step_write(w, j);
	pthread_mutex_lock(&b->mu);
	b->busy--;
	b->n_writing--;
	if (rc != 0) {
		/* no output for this file or any after it (written already or
		 * not): the outputs stay the files before it */
		job_fail(b, j, rc, 0);
		if (j->idx < b->limit)
			b->limit = j->idx;
		return;
	}
	j->state = J_WRITTEN;
	j->written_at = now_ns();
	wake(b, 0);
}

static void
do_commit(struct batch *b, size_t k)
{
	size_t i = b->next_commit, e;
	struct job *j;

	b->committing = 1;
	b->busy++;
	/* Written at or after the limit (a file before it could not be written):
	 * dropped, SIGN_ERR_CANCELLED.  (The limit cannot fall into a group whose
	 * files are all settled.) */
	for (e = 0; b->limit < i + k && e < k; e++) {
		j = JOB(b, i + e);
		if (j->state == J_WRITTEN && j->idx >= b->limit) {
			job_clear(j);
			j->state = J_FAILED;
		}
	}
	pthread_mutex_unlock(&b->mu);
	commit_group(b, i, k);
	pthread_mutex_lock(&b->mu);
	for (; k > 0; k--, i++) {
		j = JOB(b, i);
		if (j->state == J_READY)
			b->n_ready--;    /* never to be signed: stays SIGN_ERR_CANCELLED */
		else if (j->state == J_SIGNED)
			b->n_signed--;   /* never to be written: likewise */
		job_clear(j);
	}
	b->next_commit = i;
	b->committing = 0;
	b->busy--;
	wake(b, 0);
}

/* Nothing to do until another thread finishes a step; but written files
 * waiting for their group are committed after BATCH_AGE_NS at the latest. */
static void
sleep_until_work(struct batch *b)
{
	const struct job *first = JOB(b, b->next_commit);
	struct timespec ts;
	size_t end;
	int64_t t;

	b->waiting++;
	if (!b->committing && settled_run(b, &end) > 0 && first->state == J_WRITTEN) {
		t = first->written_at + BATCH_AGE_NS;
		ts.tv_sec = (time_t)(t / 1000000000LL);
		ts.tv_nsec = (long)(t % 1000000000LL);
		pthread_cond_timedwait(&b->cv, &b->mu, &ts);
	} else {
		pthread_cond_wait(&b->cv, &b->mu);
	}
	b->waiting--;
}

/* A slow token (BATCH_SLOW_NS a signature): each signature is put in place
 * before the next one is asked for, so that a batch interrupted while the
 * token (or its user, for a PIN) takes its time loses nothing signed. */
static int
hold_token(const struct batch *b)
{
	return (b->slow && (b->n_signed > 0 || b->n_writing > 0 || b->committing ||
	    committable(b) > 0)) || (b->tsa && b->n_signed >= BATCH_TSA_AHEAD);
}

/*
 * The loop every thread runs: take the most useful step that is ready (sign;
 * prepare when the signer is about to run dry and other threads can write;
 * write; commit; prepare ahead), else sleep; leave when no step is ready and
 * no thread is in one.
 */
static void
run(struct worker *w)
{
	struct batch *b = w->b;
	struct job *j;
	size_t k;

	pthread_mutex_lock(&b->mu);
	for (;;) {
		if (b->n_signing < sign_capacity(b) && !b->halt && b->n_ready > 0 &&
		    !hold_token(b) &&
		    (j = find_ready(b)) != NULL)
			do_sign(b, j);
		else if (b->nthreads > 1 &&
		    b->n_ready + b->n_preparing < BATCH_FEED + b->lanes - 1 &&
		    can_prepare(b))
			do_prepare(w, b);
		else if (b->n_signed > 0 && (j = find_signed(b)) != NULL)
			do_write(w, b, j);
		else if (!b->committing && (k = committable(b)) > 0)
			do_commit(b, k);
		else if (can_prepare(b))
			do_prepare(w, b);
		else if (b->busy == 0)
			break;
		else
			sleep_until_work(b);
	}
	wake(b, 1);
	pthread_mutex_unlock(&b->mu);
}

static void *
helper_main(void *arg)
{
	run(arg);
	return NULL;
}

static int
worker_init(struct worker *w, struct batch *b)
{
	struct cades_clock clk = CADES_CLOCK_INIT;
	struct dbuf empty = DBUF_INIT;

	w->b = b;
	w->clk = clk;
	w->head = empty;
	w->tail = empty;
	w->buf = malloc(CADES_IO_CHUNK);
	w->ctx = EVP_MD_CTX_new();
	if (w->buf == NULL || w->ctx == NULL)
		return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
	return 0;
}

static void
worker_free(struct worker *w)
{
	free(w->buf);
	w->buf = NULL;
	EVP_MD_CTX_free(w->ctx);
	w->ctx = NULL;
	dbuf_free(&w->head);
	dbuf_free(&w->tail);
	sign_http__session_free(w->http);
	w->http = NULL;
}

/* A condition variable timed on CLOCK_MONOTONIC (see now_ns). */
static int
cond_init(pthread_cond_t *cv)
{
	pthread_condattr_t a;
	int rc;

	if (pthread_condattr_init(&a) != 0)
		return -1;
	rc = pthread_condattr_setclock(&a, CLOCK_MONOTONIC) != 0 ||
	    pthread_cond_init(cv, &a) != 0 ? -1 : 0;
	pthread_condattr_destroy(&a);
	return rc;
}

/* ---- the batch's outputs, checked once ----------------------------------- */

/* A file by its identity. */
struct fid {
	dev_t dev;
	ino_t ino;
	size_t idx;
};

static int
cmp_fid(const void *a, const void *b)
{
	const struct fid *x = a, *y = b;

	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	return x->ino < y->ino ? -1 : x->ino > y->ino;
}

/*
 * (cades.h) An output that exists is a regular file or a directory (the
 * rename that puts a signature in place would make a symbolic link, FIFO or
 * device a file: as root, /dev/stdout), and no output is an input of the
 * batch (replaced within it, its own signature would sign bytes that are
 * gone).  Only an output that exists can be an input: when one does, the
 * inputs' identities are sorted once and each existing output looked up;
 * n lstat()s, and n stat()s more only then.
 */
int
sign_cades_check_outputs(const char *const *in, const char *const *out, size_t n,
    size_t *bad)
{
	struct fid *v = NULL, *have = NULL, key, *hit;
	struct stat st;
	size_t i, m = 0, k = 0, ignored;
	int rc = 0;

	if (bad == NULL)
		bad = &ignored;
	if (n > 0 && (in == NULL || out == NULL))
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "sign_cades_check_outputs: NULL");
	for (i = 0; i < n; i++) {
		if (in[i] == NULL || out[i] == NULL || lstat(out[i], &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode))
			continue;   /* rename() never replaces one with a file: it fails there */
		if (!S_ISREG(st.st_mode)) {
			*bad = i;
			rc = sign_error__set(SIGN_ERR_USAGE, 0, "%s is not a regular file: it is "
			    "%s, which the signature would replace with a file; name another output",
			    out[i], sign__file_kind(st.st_mode));
			goto out;
		}
		if (have == NULL && (have = calloc(n, sizeof(*have))) == NULL) {
			rc = sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
			goto out;
		}
		have[k].dev = st.st_dev;
		have[k].ino = st.st_ino;
		have[k++].idx = i;
	}
	if (k == 0)
		goto out;
	if ((v = calloc(n, sizeof(*v))) == NULL) {
		rc = sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (in[i] == NULL || stat(in[i], &st) != 0)
			continue;
		v[m].dev = st.st_dev;
		v[m].ino = st.st_ino;
		v[m++].idx = i;
	}
	qsort(v, m, sizeof(*v), cmp_fid);
	for (i = 0; i < k; i++) {
		key = have[i];
		hit = bsearch(&key, v, m, sizeof(*v), cmp_fid);
		if (hit != NULL && hit->idx == key.idx) {
			*bad = key.idx;
			rc = sign_error__set(SIGN_ERR_USAGE, 0,
			    "the output %s is the input file: choose another output", out[key.idx]);
			break;
		}
		if (hit != NULL) {
			*bad = key.idx;
			rc = sign_error__set(SIGN_ERR_USAGE, 0, "%s is both an input and an output "
			    "of this run: it would be replaced by the signature of %s while it is "
			    "signed itself; leave it out (sign FILE..., not its .p7s), or sign it in "
			    "a run of its own", out[key.idx], in[key.idx]);
			break;
		}
	}
out:
	free(v);
	free(have);
	return rc;
}

/*
 * Token sessions to sign on at once (want_lanes): as asked (opts->sessions,
 * version 4), else one per CPU; at most SIGN_SIGNER__MAX_LANES and the
 * threads; one with a time-stamp server (the network, not the token, sets
 * the pace) or a signer without lanes.
 */
static unsigned int
lane_count(const sign_cades_sign_opts *opts, sign_signer *signer, long cpus,
    unsigned int threads, int tsa)
{
	unsigned int l = opts->version >= 4 && opts->sessions > 0 ? opts->sessions :
	    cpus > 0 ? (unsigned int)(cpus < 64 ? cpus : 64) : 1;

	if (tsa || !sign_signer__has_lanes(signer))
		return 1;
	if (l > threads)
		l = threads;
	return l > SIGN_SIGNER__MAX_LANES ? SIGN_SIGNER__MAX_LANES : l;
}

/*
 * Threads: as asked (opts->threads), else one per CPU (at most
 * BATCH_MAX_THREADS), and one more when the token may sign on several
 * sessions: while they all sign (and wait on each other inside the token),
 * a thread is left to read, hash and write the next files.  With a
 * time-stamp server up to BATCH_TSA_THREADS; never more than files.
 */
static unsigned int
thread_count(const sign_cades_sign_opts *opts, sign_signer *signer, size_t n, int tsa,
    long cpus)
{
	unsigned int t = opts->threads;

	if (t == 0) {
		t = tsa ? BATCH_TSA_THREADS : cpus > 0 ? (unsigned int)(cpus < 64 ? cpus : 64) : 1;
		if (t > (tsa ? BATCH_TSA_THREADS : BATCH_MAX_THREADS))
			t = tsa ? BATCH_TSA_THREADS : BATCH_MAX_THREADS;
		if (n > BATCH_LANES_MIN + 1 && lane_count(opts, signer, cpus, t, tsa) > 1)
			t++;
	} else if (t > (tsa ? BATCH_TSA_THREADS : BATCH_MAX_THREADS)) {
		t = tsa ? BATCH_TSA_THREADS : BATCH_MAX_THREADS;
	}
	if (t > n)
		t = (unsigned int)n;
	return t == 0 ? 1 : t;
}

int
sign_cades_sign_files(sign_signer *signer, const char *const *in, const char *const *out,
    size_t n, const sign_cades_sign_opts *opts, int *results)
{
	struct batch *b = NULL;
	struct worker w[BATCH_WORKERS];
	unsigned int nt, t;
	long cpus;
	int *res = results, rc = 0, locks = 0;
	size_t i;

	memset(w, 0, sizeof(w));
	if (signer == NULL || opts == NULL || (n > 0 && (in == NULL || out == NULL)))
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "no signer, options or files");
	if (n == 0)
		return 0;
	if (res == NULL && (res = calloc(n, sizeof(*res))) == NULL)
		return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
	for (i = 0; i < n; i++)
		res[i] = SIGN_ERR_CANCELLED;
	/* Before anything is signed (without overwrite an output that exists is
	 * refused as it is reached, and never replaced). */
	if (opts->overwrite && (rc = sign_cades_check_outputs(in, out, n, &i)) != 0) {
		if (rc != SIGN_ERR_NOMEM)
			res[i] = rc;
		goto out;
	}
	b = calloc(1, sizeof(*b));
	if (b == NULL) {
		rc = sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
		goto out;
	}
	rc = sign_cades__plan_init(&b->plan, signer, opts);
	if (rc != 0) {
		for (i = 0; i < n; i++)   /* no file can be signed */
			res[i] = rc;
		goto out;
	}
	if (!opts->overwrite)
		b->listed = calloc(n, 1);   /* NULL: access() for each file */
	clean_leftovers(out, n, b->listed);
	b->in = in;
	b->out = out;
	b->n = n;
	b->overwrite = opts->overwrite != 0;
	b->tsa = b->plan.tsa_url != NULL;
#ifdef __linux__
	b->sync_each = n == 1;      /* one file: fsync() it, no need for syncfs() */
#else
	b->sync_each = 1;
#endif
	b->results = res;
	b->limit = n;
	b->fail_idx = n;
	if (pthread_mutex_init(&b->mu, NULL) != 0) {
		rc = sign_error__set(SIGN_ERR_GENERIC, 0, "cannot create a mutex");
		goto out;
	}
	if (cond_init(&b->cv) != 0) {
		pthread_mutex_destroy(&b->mu);
		rc = sign_error__set(SIGN_ERR_GENERIC, 0, "cannot create a condition variable");
		goto out;
	}
	locks = 1;
	rc = worker_init(&w[0], b);
	if (rc != 0)
		goto out;
	cpus = sysconf(_SC_NPROCESSORS_ONLN);
	nt = thread_count(opts, signer, n, b->tsa, cpus);
	b->nthreads = 1;
	b->lanes = 1;
	b->want_lanes = lane_count(opts, signer, cpus, nt, b->tsa);
	for (t = 1; t < nt; t++) {
		if (worker_init(&w[t], b) != 0) {
			worker_free(&w[t]);
			break;
		}
		/* counted before it starts: it reads nthreads under the lock */
		pthread_mutex_lock(&b->mu);
		b->nthreads++;
		pthread_mutex_unlock(&b->mu);
		if (pthread_create(&w[t].tid, NULL, helper_main, &w[t]) != 0) {
			pthread_mutex_lock(&b->mu);
			b->nthreads--;
			pthread_mutex_unlock(&b->mu);
			worker_free(&w[t]);
			break;
		}
	}
	run(&w[0]);
	for (t = 1; t < b->nthreads; t++)
		pthread_join(w[t].tid, NULL);
	if (b->lanes_opened)
		(void)sign_signer__lanes(signer, 1);
	/* Files prepared but never signed, after a failure. */
	for (i = 0; i < BATCH_RING; i++)
		job_clear(&b->ring[i]);
	if (b->fail_idx < n)
		rc = sign_error__set(b->fail_rc, b->fail_backend, "%s", b->fail_msg);
out:
	for (t = 0; t < BATCH_WORKERS; t++)
		worker_free(&w[t]);
	if (b != NULL) {
		if (locks) {
			pthread_cond_destroy(&b->cv);
			pthread_mutex_destroy(&b->mu);
		}
		sign_cades__plan_free(&b->plan);
		free(b->listed);
		free(b);
	}
	if (res != results)
		free(res);
	return rc;
}

int
sign_cades_sign_file(sign_signer *signer, const char *in_path, const char *out_path,
    const sign_cades_sign_opts *opts)
{
	sign_cades_sign_opts one;

	if (in_path == NULL || out_path == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "no input or output path");
	if (opts == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "no signer or options given");
	/* only the members of the caller's version: an older caller's struct
	 * ends before the newer members */
	memset(&one, 0, sizeof(one));
	memcpy(&one, opts, opts->version >= 4 ? sizeof(one) : opts->version == 3 ?
	    offsetof(sign_cades_sign_opts, sessions) : opts->version == 2 ?
	    offsetof(sign_cades_sign_opts, tsa_cacert) : offsetof(sign_cades_sign_opts, tsa_url));
	one.threads = 1;
	return sign_cades_sign_files(signer, &in_path, &out_path, 1, &one, NULL);
}
