/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * CMS SignedData reading for verification: a streaming BER reader over a file
 * or memory.  Every field is read into memory with a bound, except the
 * embedded content, which only passes through the digests; detached content
 * is streamed the same way.
 */
#include "cades_priv.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>

/* ---- byte source: a file (streamed) or memory ---------------------------- */


int
src_malformed(const struct src *s, const char *what)
{
	return sign_error__set(SIGN_ERR_MALFORMED, 0,
	    "%s is not a valid CMS signature: %s (at byte %llu)", s->name, what,
	    (unsigned long long)s->pos);
}

/* Make bytes available: 1, 0 at the end, or an error. */
int
src_fill(struct src *s)
{
	ssize_t r;

	if (s->doff < s->dlen)
		return 1;
	if (s->fd < 0 || s->eof)
		return 0;
	for (;;) {
		r = read(s->fd, s->buf, CADES_IO_CHUNK);
		if (r < 0 && errno == EINTR)
			continue;
		break;
	}
	if (r < 0)
		return sign_error__set(SIGN_ERR_IO, (unsigned long)errno, "reading %s: %s",
		    s->name, strerror(errno));
	if (r == 0) {
		s->eof = 1;
		return 0;
	}
	s->data = s->buf;
	s->dlen = (size_t)r;
	s->doff = 0;
	return 1;
}

/* Up to max bytes in place: *p, *n (0 only at the end). */
static int
src_get(struct src *s, size_t max, const unsigned char **p, size_t *n)
{
	int rc = src_fill(s);

	*n = 0;
	if (rc < 0)
		return rc;
	if (rc == 0)
		return 0;
	*n = s->dlen - s->doff < max ? s->dlen - s->doff : max;
	*p = s->data + s->doff;
	s->doff += *n;
	s->pos += *n;
	return 0;
}

/* Exactly n bytes into dst (NULL: skip them). */
static int
src_read(struct src *s, unsigned char *dst, size_t n)
{
	const unsigned char *p;
	size_t got;
	int rc;

	while (n > 0) {
		rc = src_get(s, n, &p, &got);
		if (rc != 0)
			return rc;
		if (got == 0)
			return src_malformed(s, "truncated");
		if (dst != NULL) {
			memcpy(dst, p, got);
			dst += got;
		}
		n -= got;
	}
	return 0;
}

struct shdr {
	unsigned char tag;
	int indef;
	uint64_t len;
	unsigned char raw[10];
	size_t rawlen;
};

static int
src_hdr(struct src *s, struct shdr *h)
{
	unsigned char l;
	size_t k, i;
	int rc;

	h->indef = 0;
	h->len = 0;
	h->rawlen = 0;
	if ((rc = src_read(s, &h->tag, 1)) != 0)
		return rc;
	h->raw[h->rawlen++] = h->tag;
	if ((h->tag & 0x1f) == 0x1f)
		return src_malformed(s, "unexpected high tag number");
	if ((rc = src_read(s, &l, 1)) != 0)
		return rc;
	h->raw[h->rawlen++] = l;
	if (l < 0x80) {
		h->len = l;
	} else if (l == 0x80) {
		if (!(h->tag & 0x20))
			return src_malformed(s, "indefinite length on a primitive element");
		h->indef = 1;
	} else {
		k = l & 0x7f;
		if (k > 8)
			return src_malformed(s, "length too long");
		if ((rc = src_read(s, h->raw + h->rawlen, k)) != 0)
			return rc;
		for (i = 0; i < k; i++)
			h->len = (h->len << 8) | h->raw[h->rawlen + i];
		h->rawlen += k;
	}
	return 0;
}

struct scont {
	int indef;
	uint64_t end;
};

static void
cont_open(const struct src *s, const struct shdr *h, struct scont *c)
{
	c->indef = h->indef;
	c->end = h->indef ? 0 : s->pos + h->len;
}

/* 1 with the next element's header, 0 at the container's end. */
static int
cont_next(struct src *s, const struct scont *c, struct shdr *h)
{
	int rc;

	if (!c->indef) {
		if (s->pos == c->end)
			return 0;
		if (s->pos > c->end)
			return src_malformed(s, "element overruns its container");
	}
	if ((rc = src_hdr(s, h)) != 0)
		return rc;
	if (h->tag == 0) {
		if (c->indef && h->len == 0 && !h->indef)
			return 0;
		return src_malformed(s, "misplaced end-of-contents");
	}
	if (!c->indef && !h->indef && h->len > c->end - s->pos)
		return src_malformed(s, "element overruns its container");
	return 1;
}

/* The next element must be there with this tag: 0, or "malformed: what". */
static int
cont_expect(struct src *s, const struct scont *c, unsigned char tag, const char *what,
    struct shdr *h)
{
	int rc = cont_next(s, c, h);

	if (rc < 0)
		return rc;
	if (rc == 0 || h->tag != tag)
		return src_malformed(s, what);
	return 0;
}

static int
cont_end(struct src *s, const struct scont *c)
{
	struct shdr h;
	int rc = cont_next(s, c, &h);

	if (rc == 1)
		return src_malformed(s, "unexpected extra element");
	return rc;
}

/* Append the element (header already read) to out, at most max bytes in all;
 * out NULL skips it. */
static int
src_capture(struct src *s, const struct shdr *h, struct dbuf *out, size_t max, int depth)
{
	struct shdr sub;
	struct scont c;
	uint64_t left;
	int rc;

	if (depth > CADES_MAX_DEPTH)
		return src_malformed(s, "nested too deeply");
	if (out != NULL) {
		if (h->rawlen > max - out->len)
			goto too_large;
		dbuf_put(out, h->raw, h->rawlen);
	}
	if (!h->indef) {
		if (out != NULL && h->len > max - out->len)
			goto too_large;
		left = h->len;
		while (left > 0) {
			const unsigned char *p;
			size_t n;

			rc = src_get(s, left < CADES_IO_CHUNK ? (size_t)left : CADES_IO_CHUNK, &p, &n);
			if (rc != 0)
				return rc;
			if (n == 0)
				return src_malformed(s, "truncated");
			if (out != NULL)
				dbuf_put(out, p, n);
			left -= n;
		}
	} else {
		cont_open(s, h, &c);
		while ((rc = cont_next(s, &c, &sub)) == 1) {
			rc = src_capture(s, &sub, out, max, depth + 1);
			if (rc != 0)
				return rc;
		}
		if (rc != 0)
			return rc;
		if (out != NULL) {
			if (max - out->len < 2)
				goto too_large;
			dbuf_put(out, "\0\0", 2);
		}
	}
	if (out != NULL && out->err != 0)
		return sign_error__set(out->err, 0, "out of memory");
	return 0;
too_large:
	return sign_error__set(SIGN_ERR_TOO_LARGE, 0,
	    "%s: a field of the signature is larger than %zu bytes", s->name, max);
}

/* ---- digests of the content ---------------------------------------------- */



int
mdset_add(struct mdset *m, sign_md md)
{
	int i;

	for (i = 0; i < m->n; i++)
		if (m->md[i] == md)
			return 0;
	if (m->n >= MDSET_MAX)
		return 0;
	m->ctx[m->n] = EVP_MD_CTX_new();
	if (m->ctx[m->n] == NULL || !EVP_DigestInit_ex(m->ctx[m->n], sign_md__evp(md), NULL)) {
		EVP_MD_CTX_free(m->ctx[m->n]);
		m->ctx[m->n] = NULL;
		return sign_error__openssl(SIGN_ERR_CRYPTO, "cannot start the digest");
	}
	m->md[m->n++] = md;
	return 0;
}

int
mdset_update(struct mdset *m, const unsigned char *p, size_t n)
{
	int i;

	for (i = 0; i < m->n; i++)
		if (!EVP_DigestUpdate(m->ctx[i], p, n))
			return sign_error__openssl(SIGN_ERR_CRYPTO, "digest failed");
	m->bytes += n;
	return 0;
}

int
mdset_final(struct mdset *m)
{
	int i;

	for (i = 0; i < m->n; i++)
		if (!EVP_DigestFinal_ex(m->ctx[i], m->out[i], &m->len[i]))
			return sign_error__openssl(SIGN_ERR_CRYPTO, "digest failed");
	return 0;
}

int
mdset_get(const struct mdset *m, sign_md md, const unsigned char **p, size_t *n)
{
	int i;

	for (i = 0; i < m->n; i++) {
		if (m->md[i] == md) {
			*p = m->out[i];
			*n = m->len[i];
			return 0;
		}
	}
	return SIGN_ERR_NOT_FOUND;
}

void
mdset_free(struct mdset *m)
{
	int i;

	for (i = 0; i < m->n; i++)
		EVP_MD_CTX_free(m->ctx[i]);
	m->n = 0;
}

/* ---- parsing the SignedData ---------------------------------------------- */


void
parsed_free(struct parsed *P)
{
	dbuf_free(&P->econtent_type);
	dbuf_free(&P->certs);
	dbuf_free(&P->signer_infos);
	sk_X509_pop_free(P->x509s, X509_free);
}

/* The eContent OCTET STRING (primitive, or constructed of segments). */
static int
stream_octets(struct src *s, const struct shdr *h, struct mdset *m, int depth)
{
	struct shdr sub;
	struct scont c;
	uint64_t left;
	int rc;

	if (depth > CADES_MAX_DEPTH)
		return src_malformed(s, "nested too deeply");
	if (h->tag == 0x04) {
		left = h->len;
		while (left > 0) {
			const unsigned char *p;
			size_t n;

			rc = src_get(s, left < CADES_IO_CHUNK ? (size_t)left : CADES_IO_CHUNK, &p, &n);
			if (rc != 0)
				return rc;
			if (n == 0)
				return src_malformed(s, "truncated content");
			if ((rc = mdset_update(m, p, n)) != 0)
				return rc;
			left -= n;
		}
		return 0;
	}
	if (h->tag != 0x24)
		return src_malformed(s, "the content is not an OCTET STRING");
	cont_open(s, h, &c);
	while ((rc = cont_next(s, &c, &sub)) == 1)
		if ((rc = stream_octets(s, &sub, m, depth + 1)) != 0)
			return rc;
	return rc;
}

static int
small_field(struct src *s, const struct scont *c, unsigned char tag, struct dbuf *out,
    const char *what)
{
	struct shdr h;
	int rc = cont_expect(s, c, tag, what, &h);

	if (rc != 0)
		return rc;
	return src_capture(s, &h, out, CADES_MAX_SMALL, 0);
}

static int
add_digest_algs(const struct dbuf *algs, struct mdset *m)
{
	struct tlv set, alg, oid;
	struct cur c = { algs->p, algs->len }, in, a;
	sign_md md;
	int rc;

	if ((rc = ber_expect(&c, 0x31, &set)) != 0)
		return rc;
	in = ber_inner(&set);
	while (in.len > 0) {
		if ((rc = ber_expect(&in, 0x30, &alg)) != 0)
			return rc;
		a = ber_inner(&alg);
		if ((rc = ber_expect(&a, 0x06, &oid)) != 0)
			return rc;
		if (sign_cades__md_from_oid(oid.val, oid.len, &md) == 0 &&
		    (rc = mdset_add(m, md)) != 0)
			return rc;
	}
	return 0;
}

int
parse_signed_data(struct src *s, struct parsed *P, struct mdset *m)
{
	struct dbuf tmp = DBUF_INIT;
	struct shdr h;
	struct scont ci, e0, sd, ec, x;
	struct tlv t;
	struct cur c;
	const unsigned char *p;
	size_t n;
	int rc, seen_si = 0;

	if ((rc = src_hdr(s, &h)) != 0)
		goto out;
	if (h.tag != 0x30) {
		rc = src_malformed(s, "no ContentInfo SEQUENCE");
		goto out;
	}
	cont_open(s, &h, &ci);
	if ((rc = small_field(s, &ci, 0x06, &tmp, "no content type")) != 0)
		goto out;
	c.p = tmp.p;
	c.len = tmp.len;
	if (ber_next(&c, &t) != 0 || !oid_eq(&t, &OID_SIGNED_DATA)) {
		rc = src_malformed(s, "the content type is not signedData");
		goto out;
	}
	if ((rc = cont_expect(s, &ci, 0xa0, "no [0] content", &h)) != 0)
		goto out;
	cont_open(s, &h, &e0);
	if ((rc = cont_expect(s, &e0, 0x30, "no SignedData SEQUENCE", &h)) != 0)
		goto out;
	cont_open(s, &h, &sd);
	dbuf_free(&tmp);
	if ((rc = small_field(s, &sd, 0x02, &tmp, "no version")) != 0)
		goto out;
	dbuf_free(&tmp);
	if ((rc = small_field(s, &sd, 0x31, &tmp, "no digestAlgorithms")) != 0)
		goto out;
	if (add_digest_algs(&tmp, m) != 0) {
		rc = src_malformed(s, "bad digestAlgorithms");
		goto out;
	}
	/* EncapsulatedContentInfo */
	if ((rc = cont_expect(s, &sd, 0x30, "no encapContentInfo", &h)) != 0)
		goto out;
	cont_open(s, &h, &ec);
	if ((rc = small_field(s, &ec, 0x06, &P->econtent_type, "no eContentType")) != 0)
		goto out;
	if ((rc = cont_next(s, &ec, &h)) < 0)
		goto out;
	if (rc == 1) {
		if (h.tag != 0xa0) {
			rc = src_malformed(s, "bad eContent");
			goto out;
		}
		cont_open(s, &h, &x);
		if ((rc = cont_next(s, &x, &h)) < 0)
			goto out;
		if (rc == 0) {
			rc = src_malformed(s, "empty eContent");
			goto out;
		}
		if ((rc = stream_octets(s, &h, m, 0)) != 0)
			goto out;
		if ((rc = cont_end(s, &x)) != 0 || (rc = cont_end(s, &ec)) != 0)
			goto out;
		P->attached = 1;
	}
	/* certificates [0], crls [1], signerInfos */
	while ((rc = cont_next(s, &sd, &h)) == 1) {
		if (seen_si) {
			rc = src_malformed(s, "data after signerInfos");
			goto out;
		}
		if (h.tag == 0xa0 && P->certs.len == 0) {
			rc = src_capture(s, &h, &P->certs, CADES_MAX_CERTS_BYTES, 0);
		} else if (h.tag == 0xa1) {
			rc = src_capture(s, &h, NULL, CADES_MAX_CRLS_BYTES, 0);
		} else if (h.tag == 0x31) {
			rc = src_capture(s, &h, &P->signer_infos, CADES_MAX_SIGNERINFOS, 0);
			seen_si = 1;
		} else {
			rc = src_malformed(s, "unexpected field in SignedData");
		}
		if (rc != 0)
			goto out;
	}
	if (rc < 0)
		goto out;
	if (!seen_si) {
		rc = src_malformed(s, "no signerInfos");
		goto out;
	}
	if ((rc = cont_end(s, &e0)) != 0 || (rc = cont_end(s, &ci)) != 0)
		goto out;
	if ((rc = src_get(s, 1, &p, &n)) != 0)
		goto out;
	if (n != 0)
		rc = src_malformed(s, "trailing data after the signature");
out:
	dbuf_free(&tmp);
	return rc;
}

/*
 * Decoding a certificate costs OpenSSL 3 about 100 us (its public key goes
 * through the decoder framework), more than verifying an ECDSA signature.  A
 * batch of signatures embeds the same few certificates again and again, so the
 * last CERT_CACHE decoded ones are kept, keyed by the SHA-256 of their DER,
 * and shared (X509 objects are reference counted and safe to read from
 * several threads).  The cache holds public data only.
 */
#define CERT_CACHE 32

static struct {
	unsigned char h[32];
	X509 *x;
} cache[CERT_CACHE];
static unsigned int cache_next;
static CRYPTO_RWLOCK *cache_lock;
static CRYPTO_ONCE cache_once = CRYPTO_ONCE_STATIC_INIT;

static void
cache_init(void)
{
	cache_lock = CRYPTO_THREAD_lock_new();
}

static X509 *
cert_decode(const unsigned char *der, size_t len)
{
	unsigned char h[32];
	const unsigned char *p = der;
	X509 *x = NULL;
	unsigned int i;
	int have_lock = CRYPTO_THREAD_run_once(&cache_once, cache_init) && cache_lock != NULL;

	if (have_lock && EVP_Digest(der, len, h, NULL, EVP_sha256(), NULL) &&
	    CRYPTO_THREAD_read_lock(cache_lock)) {
		for (i = 0; i < CERT_CACHE && x == NULL; i++)
			if (cache[i].x != NULL && memcmp(cache[i].h, h, 32) == 0 &&
			    X509_up_ref(cache[i].x))
				x = cache[i].x;
		CRYPTO_THREAD_unlock(cache_lock);
		if (x != NULL)
			return x;
	} else {
		have_lock = 0;
	}
	x = d2i_X509(NULL, &p, (long)len);
	if (x == NULL || p != der + len) {
		X509_free(x);
		ERR_clear_error();
		return NULL;
	}
	if (have_lock && CRYPTO_THREAD_write_lock(cache_lock)) {
		i = cache_next++ % CERT_CACHE;
		X509_free(cache[i].x);
		cache[i].x = X509_up_ref(x) ? x : NULL;
		memcpy(cache[i].h, h, 32);
		CRYPTO_THREAD_unlock(cache_lock);
	}
	return x;
}

int
parse_certs(struct parsed *P, const char *name)
{
	struct cur c = { P->certs.p, P->certs.len }, in;
	struct tlv set, e;

	P->x509s = sk_X509_new_null();
	if (P->x509s == NULL)
		return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
	if (P->certs.len == 0)
		return 0;
	if (ber_next(&c, &set) != 0)
		goto bad;
	in = ber_inner(&set);
	while (in.len > 0) {
		X509 *x;

		if (ber_next(&in, &e) != 0)
			goto bad;
		if (e.tag != 0x30)
			continue;   /* attribute certificates and others: not used */
		if (sk_X509_num(P->x509s) >= CADES_MAX_CERTS)
			return sign_error__set(SIGN_ERR_TOO_LARGE, 0,
			    "%s embeds more than %d certificates", name, CADES_MAX_CERTS);
		x = cert_decode(e.raw, e.raw_len);
		if (x == NULL)
			goto bad;
		if (!sk_X509_push(P->x509s, x)) {
			X509_free(x);
			return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
		}
	}
	return 0;
bad:
	return sign_error__set(SIGN_ERR_MALFORMED, 0,
	    "%s is not a valid CMS signature: a certificate in it is malformed", name);
}

/*
 * Detached content: stream a file through the digests.  named: the caller
 * named it (kyso verify --content); else it was found beside the signature.
 * Found there, only a regular file is read: a FIFO would wait for a writer
 * and a link to /dev/zero never end, for a user who asked for neither.  A
 * file named may be a FIFO (a user who pipes the content) or a block
 * device, never a character device (/dev/zero, a terminal: no end).  The
 * open does not wait for a FIFO's writer before the type is known.
 */
int
hash_content_file(const char *path, int named, struct mdset *m)
{
	struct sign__file_why why;
	unsigned char *buf = NULL;
	struct stat st;
	ssize_t r;
	int fd, fifo, rc = 0;

	/* (a FIFO stays without O_NONBLOCK: read below when poll() says so) */
	if (sign__file_open(path, SIGN__FILE_ANY_KIND, &fd, &st, &why) != 0)
		return why.fail == SIGN__FILE_OPEN ? sign_error__set(why.code,
		    (unsigned long)why.err, "cannot open the signed content %s: %s; check the "
		    "file name%s", path, strerror(why.err), named ? " given with --content" :
		    " (found beside the signature), or name it with --content FILE") :
		    sign_error__set(why.code, (unsigned long)why.err, "cannot read the signed "
		    "content %s: %s", path, strerror(why.err));
	if (S_ISDIR(st.st_mode)) {
		rc = sign_error__set(SIGN_ERR_NOT_FOUND, 0, "the signed content %s is not a file; "
		    "check the file name%s", path, named ? "" : " or name it with --content FILE");
		goto out;
	}
	if (!named && !S_ISREG(st.st_mode)) {
		rc = sign_error__set(SIGN_ERR_NOT_FOUND, 0, "the signed content %s found beside "
		    "the signature is %s, not a regular file: it is not read unless named; name "
		    "the content with --content FILE", path, sign__file_kind(st.st_mode));
		goto out;
	}
	if (S_ISCHR(st.st_mode) || S_ISSOCK(st.st_mode)) {
		rc = sign_error__set(SIGN_ERR_NOT_FOUND, 0, "the signed content %s is %s, not "
		    "a file: it may never end; give the signed file, or pipe it through a FIFO",
		    path, sign__file_kind(st.st_mode));
		goto out;
	}
	fifo = S_ISFIFO(st.st_mode);
	/* A named FIFO stays open as it is, without blocking (sign__file_open),
	 * and is read when poll() says so: closing it to reopen it blocking lost
	 * what a writer that came in between wrote, and then waited for another
	 * writer forever.  On a FIFO, poll() reports the hang-up only once a
	 * writer has come and gone, so an early read of 0 is never taken as the
	 * end. */
	buf = malloc(CADES_IO_CHUNK);
	if (buf == NULL) {
		rc = sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
		goto out;
	}
	for (;;) {
		if (fifo) {
			struct pollfd pfd = { fd, POLLIN, 0 };

			if (poll(&pfd, 1, -1) < 0 && errno != EINTR) {
				rc = sign_error__set(SIGN_ERR_IO, (unsigned long)errno, "reading "
				    "%s: %s", path, strerror(errno));
				goto out;
			}
		}
		r = read(fd, buf, CADES_IO_CHUNK);
		if (r < 0 && (errno == EINTR || (fifo && errno == EAGAIN)))
			continue;
		if (r < 0) {
			rc = sign_error__set(SIGN_ERR_IO, (unsigned long)errno, "reading %s: %s",
			    path, strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		if ((rc = mdset_update(m, buf, (size_t)r)) != 0)
			goto out;
	}
out:
	free(buf);
	close(fd);
	return rc;
}

int
is_pem(const unsigned char *p, size_t n)
{
	size_t i = 0;

	while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
		i++;
	return n - i >= 10 && memcmp(p + i, "-----BEGIN", 10) == 0;
}

/* PEM "CMS" / "PKCS7" text to DER. */
int
pem_to_der(const unsigned char *p, size_t n, const char *name, unsigned char **der, long *len)
{
	BIO *bio = BIO_new_mem_buf(p, (int)n);
	char *pem_name = NULL, *header = NULL;
	int rc = 0;

	*der = NULL;
	if (bio == NULL)
		return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
	if (!PEM_read_bio(bio, &pem_name, &header, der, len) ||
	    (strcmp(pem_name, "CMS") != 0 && strcmp(pem_name, "PKCS7") != 0 &&
	    strcmp(pem_name, "PKCS #7 SIGNED DATA") != 0)) {
		OPENSSL_free(*der);
		*der = NULL;
		rc = sign_error__openssl(SIGN_ERR_MALFORMED,
		    "%s is not a valid CMS signature: not a PEM CMS or PKCS7 block", name);
	} else {
		/* Only white space may follow the block: a second block (another
		 * signature) or any other text would otherwise go unverified. */
		char *rest = NULL;
		long i, left = BIO_get_mem_data(bio, &rest);

		for (i = 0; i < left; i++) {
			if (rest[i] != ' ' && rest[i] != '\t' && rest[i] != '\r' && rest[i] != '\n') {
				OPENSSL_free(*der);
				*der = NULL;
				rc = sign_error__set(SIGN_ERR_MALFORMED, 0,
				    "%s is not a valid CMS signature: trailing data after the PEM "
				    "block (at byte %ld)", name, (long)n - left + i);
				break;
			}
		}
	}
	OPENSSL_free(pem_name);
	OPENSSL_free(header);
	BIO_free(bio);
	return rc;
}
