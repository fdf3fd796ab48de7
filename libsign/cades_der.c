/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* CAdES module: a small DER writer, a bounded BER reader, OIDs and times. */
#include "cades_priv.h"

#include <stdlib.h>
#include <string.h>
#include <openssl/asn1.h>
#include <openssl/err.h>

/* ---- DER writer ---------------------------------------------------------- */

void
dbuf_free(struct dbuf *b)
{
	if (b == NULL)
		return;
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
	b->err = 0;
}

void
dbuf_reset(struct dbuf *b)
{
	b->len = 0;
	b->err = 0;
}

static int
dbuf_reserve(struct dbuf *b, size_t more)
{
	unsigned char *p;
	size_t cap;

	if (b->err != 0)
		return -1;
	if (more > SIZE_MAX / 2 - b->len) {
		b->err = SIGN_ERR_TOO_LARGE;
		return -1;
	}
	if (b->len + more <= b->cap)
		return 0;
	cap = b->cap == 0 ? 256 : b->cap;
	while (cap < b->len + more)
		cap *= 2;
	p = realloc(b->p, cap);
	if (p == NULL) {
		b->err = SIGN_ERR_NOMEM;
		return -1;
	}
	b->p = p;
	b->cap = cap;
	return 0;
}

void
dbuf_put(struct dbuf *b, const void *data, size_t len)
{
	if (len == 0 || dbuf_reserve(b, len) != 0)
		return;
	memcpy(b->p + b->len, data, len);
	b->len += len;
}

size_t
der_hdr_size(uint64_t len)
{
	size_t n = 1;

	if (len < 0x80)
		return 2;
	while (len > 0) {
		n++;
		len >>= 8;
	}
	return n + 1;
}

static size_t
hdr_encode(unsigned char *out, unsigned char tag, uint64_t len)
{
	size_t n = 0, k, i;

	out[n++] = tag;
	if (len < 0x80) {
		out[n++] = (unsigned char)len;
		return n;
	}
	k = der_hdr_size(len) - 2;
	out[n++] = (unsigned char)(0x80 | k);
	for (i = k; i > 0; i--)
		out[n++] = (unsigned char)(len >> (8 * (i - 1)));
	return n;
}

void
dbuf_hdr(struct dbuf *b, unsigned char tag, uint64_t len)
{
	unsigned char h[10];

	dbuf_put(b, h, hdr_encode(h, tag, len));
}

void
dbuf_tlv(struct dbuf *b, unsigned char tag, const void *val, size_t len)
{
	dbuf_hdr(b, tag, len);
	dbuf_put(b, val, len);
}

void
dbuf_wrap(struct dbuf *b, unsigned char tag)
{
	unsigned char h[10];
	size_t hl;

	if (b->err != 0)
		return;
	hl = hdr_encode(h, tag, b->len);
	if (dbuf_reserve(b, hl) != 0)
		return;
	memmove(b->p + hl, b->p, b->len);
	memcpy(b->p, h, hl);
	b->len += hl;
}

void
dbuf_uint(struct dbuf *b, uint64_t v)
{
	unsigned char tmp[9];
	size_t n = 0, i;

	/* big-endian, minimal, with a leading 0 when the top bit is set */
	for (i = 0; i < 8; i++) {
		unsigned char c = (unsigned char)(v >> (8 * (7 - i)));

		if (n == 0 && c == 0)
			continue;
		if (n == 0 && (c & 0x80))
			tmp[n++] = 0;
		tmp[n++] = c;
	}
	if (n == 0)
		tmp[n++] = 0;
	dbuf_tlv(b, 0x02, tmp, n);
}

/* ---- BER reader ---------------------------------------------------------- */

int
ber_header(const unsigned char *p, size_t len, unsigned char *tag, size_t *hlen,
    uint64_t *vlen, int *indef)
{
	size_t n = 0, k, i;
	uint64_t v = 0;

	if (len < 2)
		return SIGN_ERR_MALFORMED;
	*tag = p[n++];
	if ((*tag & 0x1f) == 0x1f)
		return SIGN_ERR_MALFORMED; /* high tag numbers never occur in CMS */
	*indef = 0;
	if (p[n] < 0x80) {
		v = p[n++];
	} else if (p[n] == 0x80) {
		if (!(*tag & 0x20))
			return SIGN_ERR_MALFORMED; /* indefinite needs constructed */
		*indef = 1;
		n++;
	} else {
		k = p[n++] & 0x7f;
		if (k > 8 || len - n < k)
			return SIGN_ERR_MALFORMED;
		for (i = 0; i < k; i++)
			v = (v << 8) | p[n++];
	}
	*hlen = n;
	*vlen = v;
	return 0;
}

static int
ber_next_depth(struct cur *c, struct tlv *t, int depth)
{
	unsigned char tag;
	size_t hlen;
	uint64_t vlen;
	int indef, rc;

	if (depth > CADES_MAX_DEPTH)
		return SIGN_ERR_MALFORMED;
	rc = ber_header(c->p, c->len, &tag, &hlen, &vlen, &indef);
	if (rc != 0)
		return rc;
	t->tag = tag;
	t->raw = c->p;
	t->val = c->p + hlen;
	t->indef = indef;
	if (!indef) {
		if (vlen > c->len - hlen)
			return SIGN_ERR_MALFORMED;
		t->len = (size_t)vlen;
		t->raw_len = hlen + t->len;
	} else {
		struct cur in = { c->p + hlen, c->len - hlen };
		struct tlv sub;

		for (;;) {
			if (in.len >= 2 && in.p[0] == 0 && in.p[1] == 0)
				break;
			if (in.len < 2)
				return SIGN_ERR_MALFORMED;
			rc = ber_next_depth(&in, &sub, depth + 1);
			if (rc != 0)
				return rc;
		}
		t->len = (size_t)(in.p - t->val);
		t->raw_len = hlen + t->len + 2;
	}
	c->p += t->raw_len;
	c->len -= t->raw_len;
	return 0;
}

int
ber_next(struct cur *c, struct tlv *t)
{
	return ber_next_depth(c, t, 0);
}

int
ber_expect(struct cur *c, unsigned char tag, struct tlv *t)
{
	int rc = ber_next(c, t);

	if (rc != 0)
		return rc;
	return t->tag == tag ? 0 : SIGN_ERR_MALFORMED;
}

struct cur
ber_inner(const struct tlv *t)
{
	struct cur c = { t->val, t->len };

	return c;
}

/* ---- OIDs ---------------------------------------------------------------- */

#define OID_DEF(name, ...) \
	static const unsigned char name##_b[] = { __VA_ARGS__ }; \
	const struct oid name = { name##_b, sizeof(name##_b) }

OID_DEF(OID_DATA, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01);
OID_DEF(OID_SIGNED_DATA, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02);
OID_DEF(OID_CONTENT_TYPE, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x03);
OID_DEF(OID_MESSAGE_DIGEST, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x04);
OID_DEF(OID_SIGNING_TIME, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x05);
OID_DEF(OID_SIGNING_CERT, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10, 0x02, 0x0c);
OID_DEF(OID_SIGNING_CERT_V2, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10, 0x02, 0x2f);
OID_DEF(OID_RSA, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01);
OID_DEF(OID_RSA_PSS, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a);
OID_DEF(OID_MGF1, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x08);
OID_DEF(OID_EC_PUBKEY, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01);

int
oid_eq(const struct tlv *t, const struct oid *o)
{
	return t->tag == 0x06 && t->len == o->len && memcmp(t->val, o->der, o->len) == 0;
}

static const struct {
	sign_md md;
	const char *name;
	unsigned char oid[9];
	size_t oid_len;
} md_table[] = {
	{ SIGN_MD_SHA1, "SHA-1", { 0x2b, 0x0e, 0x03, 0x02, 0x1a }, 5 },
	{ SIGN_MD_SHA224, "SHA-224", { 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x04 }, 9 },
	{ SIGN_MD_SHA256, "SHA-256", { 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01 }, 9 },
	{ SIGN_MD_SHA384, "SHA-384", { 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02 }, 9 },
	{ SIGN_MD_SHA512, "SHA-512", { 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03 }, 9 },
};

#define NMD (sizeof(md_table) / sizeof(md_table[0]))

int
sign_cades__md_from_oid(const unsigned char *der, size_t len, sign_md *md)
{
	size_t i;

	for (i = 0; i < NMD; i++) {
		if (md_table[i].oid_len == len && memcmp(md_table[i].oid, der, len) == 0) {
			*md = md_table[i].md;
			return 0;
		}
	}
	return SIGN_ERR_UNSUPPORTED;
}

void
sign_cades__put_md_algid(struct dbuf *b, sign_md md)
{
	struct dbuf a = DBUF_INIT;
	size_t i;

	if (md == SIGN_MD_DEFAULT)
		md = SIGN_MD_SHA256;
	for (i = 0; i < NMD; i++)
		if (md_table[i].md == md)
			break;
	if (i == NMD) {
		b->err = SIGN_ERR_UNSUPPORTED;
		return;
	}
	/* RFC 5754: the parameters are absent for the SHA-2 family. */
	dbuf_tlv(&a, 0x06, md_table[i].oid, md_table[i].oid_len);
	dbuf_wrap(&a, 0x30);
	if (a.err != 0)
		b->err = a.err;
	else
		dbuf_put(b, a.p, a.len);
	dbuf_free(&a);
}

const char *
sign_cades__md_name(sign_md md)
{
	size_t i;

	if (md == SIGN_MD_DEFAULT)
		md = SIGN_MD_SHA256;
	for (i = 0; i < NMD; i++)
		if (md_table[i].md == md)
			return md_table[i].name;
	return "unknown";
}

/* ---- times --------------------------------------------------------------- */

int
sign_cades__parse_time(const struct tlv *t, time_t *out)
{
	const unsigned char *p = t->raw;
	ASN1_TIME *at = NULL;
	struct tm tm;
	int rc = 0;

	if (t->tag != 0x17 && t->tag != 0x18)
		return SIGN_ERR_MALFORMED;
	at = d2i_ASN1_TIME(NULL, &p, (long)t->raw_len);
	if (at == NULL || p != t->raw + t->raw_len || !ASN1_TIME_to_tm(at, &tm)) {
		ERR_clear_error();
		rc = SIGN_ERR_MALFORMED;
		goto out;
	}
	*out = timegm(&tm);
out:
	ASN1_TIME_free(at);
	return rc;
}
