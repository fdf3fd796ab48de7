/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* BER-TLV reader and writer: see tlv.h. */
#include "internal.h"
#include "tlv.h"

#include <stdlib.h>
#include <string.h>

#define WHAT(w) ((w) != NULL ? (w) : "TLV")

static int read_at_depth(sign_tlv *out, const unsigned char *p, size_t len, unsigned int flags,
    unsigned int depth, size_t *used, const char *what);

/* Tag: 1..4 bytes.  Returns 0 and *n, or an error. */
static int
read_tag(const unsigned char *p, size_t len, unsigned int *tag, size_t *n, const char *what)
{
	size_t i;
	unsigned int t;

	if (len == 0)
		return sign_error__set(SIGN_ERR_MALFORMED, 0, "%s: truncated: a tag is missing",
		    WHAT(what));
	t = p[0];
	i = 1;
	if ((p[0] & 0x1F) == 0x1F) {
		for (;;) {
			if (i >= len)
				return sign_error__set(SIGN_ERR_MALFORMED, 0,
				    "%s: truncated inside a multi-byte tag", WHAT(what));
			if (i >= 4)
				return sign_error__set(SIGN_ERR_MALFORMED, 0,
				    "%s: tag longer than 4 bytes", WHAT(what));
			t = (t << 8) | p[i];
			if ((p[i++] & 0x80) == 0)
				break;
		}
	}
	*tag = t;
	*n = i;
	return 0;
}

/* Length: short form, 0x81..0x84, or 0x80 (indefinite, *indef set). */
static int
read_len(const unsigned char *p, size_t len, size_t *val, size_t *n, int *indef,
    const char *what)
{
	size_t i, k;
	size_t v = 0;

	*indef = 0;
	if (len == 0)
		return sign_error__set(SIGN_ERR_MALFORMED, 0, "%s: truncated: a length is missing",
		    WHAT(what));
	if (p[0] < 0x80) {
		*val = p[0];
		*n = 1;
		return 0;
	}
	if (p[0] == 0x80) {
		*indef = 1;
		*val = 0;
		*n = 1;
		return 0;
	}
	k = p[0] & 0x7F;
	if (k > 4)
		return sign_error__set(SIGN_ERR_MALFORMED, 0,
		    "%s: length field of %zu bytes (at most 4 allowed)", WHAT(what), k);
	if (len < 1 + k)
		return sign_error__set(SIGN_ERR_MALFORMED, 0, "%s: truncated inside a length field",
		    WHAT(what));
	for (i = 1; i <= k; i++)
		v = (v << 8) | p[i];
	if (v > SIGN_TLV_MAX_LEN)
		return sign_error__set(SIGN_ERR_TOO_LARGE, 0,
		    "%s: element of %zu bytes exceeds the %u-byte bound", WHAT(what), v,
		    (unsigned)SIGN_TLV_MAX_LEN);
	*val = v;
	*n = 1 + k;
	return 0;
}

/* Walk the children of an indefinite-length element up to its 00 00. */
static int
indefinite_end(const unsigned char *p, size_t len, unsigned int flags, unsigned int depth,
    size_t *content_len, size_t *total, const char *what)
{
	size_t off = 0;
	int rc;

	for (;;) {
		sign_tlv child;
		size_t used;

		if (len - off >= 2 && p[off] == 0 && p[off + 1] == 0) {
			*content_len = off;
			*total = off + 2;
			return 0;
		}
		if (len - off < 2)
			return sign_error__set(SIGN_ERR_MALFORMED, 0,
			    "%s: indefinite-length element without its end-of-contents",
			    WHAT(what));
		rc = read_at_depth(&child, p + off, len - off, flags, depth, &used, what);
		if (rc < 0)
			return rc;
		off += used;
	}
}

static int
read_at_depth(sign_tlv *out, const unsigned char *p, size_t len, unsigned int flags,
    unsigned int depth, size_t *used, const char *what)
{
	unsigned int tag;
	size_t tn = 0, ln = 0, vlen = 0, total = 0;
	int indef, rc;

	memset(out, 0, sizeof(*out));
	if (depth > SIGN_TLV_MAX_DEPTH)
		return sign_error__set(SIGN_ERR_MALFORMED, 0,
		    "%s: nested deeper than %d levels", WHAT(what), SIGN_TLV_MAX_DEPTH);
	if (p == NULL && len > 0)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "%s: NULL data", WHAT(what));
	if ((rc = read_tag(p, len, &tag, &tn, what)) < 0)
		return rc;
	if (tag == 0 && tn == 1)
		return sign_error__set(SIGN_ERR_MALFORMED, 0,
		    "%s: unexpected end-of-contents (tag 00)", WHAT(what));
	if ((rc = read_len(p + tn, len - tn, &vlen, &ln, &indef, what)) < 0)
		return rc;
	if (indef) {
		if ((flags & SIGN_TLV_INDEFINITE) == 0)
			return sign_error__set(SIGN_ERR_MALFORMED, 0,
			    "%s: indefinite length (BER) where a definite length is required",
			    WHAT(what));
		if ((p[0] & 0x20) == 0)
			return sign_error__set(SIGN_ERR_MALFORMED, 0,
			    "%s: indefinite length on a primitive element", WHAT(what));
		rc = indefinite_end(p + tn + ln, len - tn - ln, flags, depth + 1, &vlen, &total,
		    what);
		if (rc < 0)
			return rc;
		total += tn + ln;
	} else {
		if (vlen > len - tn - ln)
			return sign_error__set(SIGN_ERR_MALFORMED, 0,
			    "%s: element %X claims %zu bytes but only %zu remain", WHAT(what), tag,
			    vlen, len - tn - ln);
		total = tn + ln + vlen;
	}
	out->tag = tag;
	out->tag_len = tn;
	out->constructed = (p[0] & 0x20) != 0;
	out->tag_class = p[0] & 0xC0;
	out->value = p + tn + ln;
	out->len = vlen;
	out->raw = p;
	out->raw_len = total;
	out->indefinite = indef;
	out->depth = depth;
	out->flags = flags;
	if (used != NULL)
		*used = total;
	return 0;
}

int
sign_tlv__read(sign_tlv *out, const unsigned char *p, size_t len, unsigned int flags,
    size_t *used, const char *what)
{
	return read_at_depth(out, p, len, flags, 0, used, what);
}

int
sign_tlv__read_one(sign_tlv *out, const unsigned char *p, size_t len, unsigned int flags,
    const char *what)
{
	size_t used;
	int rc;

	rc = read_at_depth(out, p, len, flags, 0, &used, what);
	if (rc < 0)
		return rc;
	if (used != len)
		return sign_error__set(SIGN_ERR_MALFORMED, 0,
		    "%s: %zu bytes of trailing data after the element", WHAT(what), len - used);
	return 0;
}

int
sign_tlv__expect(sign_tlv *out, const unsigned char *p, size_t len, unsigned int tag,
    unsigned int flags, const char *what)
{
	int rc;

	if (len > 0 && p != NULL) {
		unsigned int t;
		size_t n;

		/* Name the wrong tag before complaining about anything else. */
		if (read_tag(p, len, &t, &n, what) == 0 && t != tag)
			return sign_error__set(SIGN_ERR_MALFORMED, 0,
			    "%s: starts with tag %X, expected %X", WHAT(what), t, tag);
	}
	rc = sign_tlv__read_one(out, p, len, flags, what);
	return rc;
}

int
sign_tlv__iter_init(sign_tlv_iter *it, const sign_tlv *parent, const char *what)
{
	memset(it, 0, sizeof(*it));
	it->what = what;
	if (!parent->constructed)
		return sign_error__set(SIGN_ERR_MALFORMED, 0,
		    "%s: element %X is primitive where a constructed one is expected", WHAT(what),
		    parent->tag);
	it->p = parent->value;
	it->left = parent->len;
	it->flags = parent->flags;
	it->depth = parent->depth + 1;
	return 0;
}

void
sign_tlv__iter_init_buf(sign_tlv_iter *it, const unsigned char *p, size_t len,
    unsigned int flags, const char *what)
{
	memset(it, 0, sizeof(*it));
	it->p = p;
	it->left = len;
	it->flags = flags;
	it->depth = 0;
	it->what = what;
}

int
sign_tlv__next(sign_tlv_iter *it, sign_tlv *out)
{
	size_t used;
	int rc;

	if (it->left == 0)
		return 0;
	rc = read_at_depth(out, it->p, it->left, it->flags, it->depth, &used, it->what);
	if (rc < 0)
		return rc;
	it->p += used;
	it->left -= used;
	return 1;
}

int
sign_tlv__find(const sign_tlv *parent, unsigned int tag, sign_tlv *out, const char *what)
{
	sign_tlv_iter it;
	sign_tlv t;
	int rc;

	if ((rc = sign_tlv__iter_init(&it, parent, what)) < 0)
		return rc;
	while ((rc = sign_tlv__next(&it, &t)) > 0) {
		if (t.tag == tag) {
			*out = t;
			return 0;
		}
	}
	if (rc < 0)
		return rc;
	return SIGN_ERR_NOT_FOUND;
}

int
sign_tlv__validate(const sign_tlv *t, const char *what)
{
	sign_tlv_iter it;
	sign_tlv c;
	int rc;

	if (!t->constructed)
		return 0;
	if ((rc = sign_tlv__iter_init(&it, t, what)) < 0)
		return rc;
	while ((rc = sign_tlv__next(&it, &c)) > 0) {
		if ((rc = sign_tlv__validate(&c, what)) < 0)
			return rc;
	}
	return rc;
}

int
sign_tlv__uint(const sign_tlv *t, unsigned long *out, const char *what)
{
	unsigned long v = 0;
	size_t i;

	if (t->constructed || t->len == 0 || t->len > 5 || (t->value[0] & 0x80) != 0 ||
	    (t->len == 5 && t->value[0] != 0))
		return sign_error__set(SIGN_ERR_MALFORMED, 0,
		    "%s: element %X is not a small non-negative integer", WHAT(what), t->tag);
	for (i = 0; i < t->len; i++)
		v = (v << 8) | t->value[i];
	*out = v;
	return 0;
}

int
sign_tlv__header(const unsigned char *p, size_t len, size_t *hdr_len, size_t *total_len)
{
	unsigned int tag;
	size_t tn = 0, ln = 0, vlen = 0;
	int indef = 0, rc;

	if ((rc = read_tag(p, len, &tag, &tn, "file header")) < 0)
		return rc;
	if ((rc = read_len(p + tn, len - tn, &vlen, &ln, &indef, "file header")) < 0)
		return rc;
	if (indef)
		return sign_error__set(SIGN_ERR_MALFORMED, 0,
		    "file header: indefinite length where a file length is expected");
	*hdr_len = tn + ln;
	*total_len = tn + ln + vlen;
	return 0;
}

/* ---- writer ---- */

size_t
sign_tlv__tag_size(unsigned int tag)
{
	if (tag > 0xFFFFFFu)
		return 4;
	if (tag > 0xFFFFu)
		return 3;
	if (tag > 0xFFu)
		return 2;
	return 1;
}

size_t
sign_tlv__len_size(size_t len)
{
	if (len < 0x80)
		return 1;
	if (len <= 0xFF)
		return 2;
	if (len <= 0xFFFF)
		return 3;
	if (len <= 0xFFFFFF)
		return 4;
	return 5;
}

int
sign_tlv__put_header(unsigned char *out, size_t cap, unsigned int tag, size_t len,
    size_t *written)
{
	size_t tn = sign_tlv__tag_size(tag), ln = sign_tlv__len_size(len), i;

	if (len > 0xFFFFFFFFu || tn + ln > cap)
		return sign_error__set(SIGN_ERR_TOO_LARGE, 0,
		    "TLV writer: no room for the header of element %X", tag);
	for (i = 0; i < tn; i++)
		out[i] = (unsigned char)(tag >> (8 * (tn - 1 - i)));
	if (ln == 1) {
		out[tn] = (unsigned char)len;
	} else {
		out[tn] = (unsigned char)(0x80 | (ln - 1));
		for (i = 1; i < ln; i++)
			out[tn + i] = (unsigned char)(len >> (8 * (ln - 1 - i)));
	}
	*written = tn + ln;
	return 0;
}

int
sign_tlv__put(unsigned char *out, size_t cap, unsigned int tag, const void *value,
    size_t len, size_t *written)
{
	size_t n;
	int rc;

	if ((rc = sign_tlv__put_header(out, cap, tag, len, &n)) < 0)
		return rc;
	if (len > cap - n)
		return sign_error__set(SIGN_ERR_TOO_LARGE, 0,
		    "TLV writer: no room for the value of element %X", tag);
	if (len > 0)
		memmove(out + n, value, len);
	*written = n + len;
	return 0;
}

int
sign_tlv__append_raw(sign_buf *buf, const void *data, size_t len)
{
	unsigned char *p;

	if (len == 0)
		return 0;
	if (len > SIGN_TLV_MAX_LEN || buf->len > SIGN_TLV_MAX_LEN)
		return sign_error__set(SIGN_ERR_TOO_LARGE, 0, "TLV writer: too large");
	p = malloc(buf->len + len);
	if (p == NULL)
		return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
	if (buf->len > 0)
		memcpy(p, buf->data, buf->len);
	memcpy(p + buf->len, data, len);
	/* Copy rather than realloc so the old contents can be wiped. */
	sign__freezero(buf->data, buf->len);
	buf->data = p;
	buf->len += len;
	return 0;
}

int
sign_tlv__append(sign_buf *buf, unsigned int tag, const void *value, size_t len)
{
	unsigned char hdr[9];
	size_t n;
	int rc;

	if ((rc = sign_tlv__put_header(hdr, sizeof(hdr), tag, len, &n)) < 0)
		return rc;
	if ((rc = sign_tlv__append_raw(buf, hdr, n)) < 0)
		return rc;
	return sign_tlv__append_raw(buf, value, len);
}

int
sign_tlv__wrap(sign_buf *buf, unsigned int tag)
{
	sign_buf nb = SIGN_BUF_INIT;
	int rc;

	rc = sign_tlv__append(&nb, tag, buf->data, buf->len);
	if (rc < 0) {
		sign_buf_dispose(&nb);
		return rc;
	}
	if (nb.data == NULL) {
		/* cannot happen: a header is never empty */
		return sign_error__set(SIGN_ERR_GENERIC, 0, "TLV writer: empty result");
	}
	sign_buf_dispose(buf);
	*buf = nb;
	return 0;
}
