/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Internal BER-TLV reader and a tiny writer (ISO/IEC 7816-4 and X.690 BER).
 *
 * The reader works over (ptr, len) and never looks past it: a length that
 * claims more bytes than are left is an error, never a read.  Tags of up to
 * four bytes, definite lengths in short form or long form with up to four
 * length bytes, and - only when SIGN_TLV_INDEFINITE is passed - the BER
 * indefinite length (0x80 ... 00 00) on constructed elements.  Nesting is
 * bounded by SIGN_TLV_MAX_DEPTH.
 *
 * Every failure returns SIGN_ERR_MALFORMED (or SIGN_ERR_TOO_LARGE) and sets
 * the last-error message, starting with the `what` string the caller passes
 * (the file being parsed: "DG13", "EF.COM", "SM response"...).
 *
 * THREAD SAFETY: all functions are reentrant; sign_tlv_iter is owned by one
 * thread.
 */
#ifndef LIBSIGN_TLV_H
#define LIBSIGN_TLV_H

#include <stddef.h>
#include "libsign/common.h"

/* Flags. */
#define SIGN_TLV_INDEFINITE 0x01u /* accept BER indefinite lengths */

/* Deepest nesting the reader accepts (the outermost element is depth 0). */
#define SIGN_TLV_MAX_DEPTH 24

/* Largest value accepted (a sanity bound well above any eMRTD file). */
#define SIGN_TLV_MAX_LEN (16u * 1024u * 1024u)

/* One element.  All pointers point into the caller's buffer. */
typedef struct sign_tlv {
	unsigned int tag;          /* tag bytes, big-endian: 0x30, 0x5F1F, 0x7F61 */
	size_t tag_len;            /* 1..4 */
	int constructed;           /* bit 6 of the first tag byte */
	unsigned int tag_class;    /* first tag byte & 0xC0 */
	const unsigned char *value;/* contents (for indefinite: without the 00 00) */
	size_t len;
	const unsigned char *raw;  /* the whole element, tag through end */
	size_t raw_len;
	int indefinite;            /* encoded with the indefinite length */
	unsigned int depth;        /* 0 for an element read at the top level */
	unsigned int flags;        /* flags it was read with (inherited by children) */
} sign_tlv;

/* Read the element at the start of (p, len); *used (may be NULL) gets the
 * number of bytes it takes.  Trailing bytes after it are allowed. */
int sign_tlv__read(sign_tlv *out, const unsigned char *p, size_t len, unsigned int flags,
    size_t *used, const char *what);

/* Exactly one element filling (p, len): trailing bytes are an error. */
int sign_tlv__read_one(sign_tlv *out, const unsigned char *p, size_t len, unsigned int flags,
    const char *what);

/* As sign_tlv__read_one, and the tag must be `tag`. */
int sign_tlv__expect(sign_tlv *out, const unsigned char *p, size_t len, unsigned int tag,
    unsigned int flags, const char *what);

/* Iterate over the children of a constructed element (or over a plain
 * sequence of elements with sign_tlv__iter_init_buf). */
typedef struct sign_tlv_iter {
	const unsigned char *p;
	size_t left;
	unsigned int flags;
	unsigned int depth;        /* depth of the children */
	const char *what;
} sign_tlv_iter;

/* Children of parent; SIGN_ERR_MALFORMED when parent is primitive. */
int sign_tlv__iter_init(sign_tlv_iter *it, const sign_tlv *parent, const char *what);
/* A bare sequence of elements at top level (depth 0). */
void sign_tlv__iter_init_buf(sign_tlv_iter *it, const unsigned char *p, size_t len,
    unsigned int flags, const char *what);
/* 1 and *out filled when an element was read, 0 at the end, negative on error. */
int sign_tlv__next(sign_tlv_iter *it, sign_tlv *out);

/* First child of parent with this tag: 0, or SIGN_ERR_NOT_FOUND (no message
 * set), or another negative error on malformed children. */
int sign_tlv__find(const sign_tlv *parent, unsigned int tag, sign_tlv *out, const char *what);

/* Check that every constructed element under (and including) t parses, to
 * the depth bound.  Used before trusting a whole structure. */
int sign_tlv__validate(const sign_tlv *t, const char *what);

/* A small non-negative INTEGER value (at most 4 content bytes, no sign bit). */
int sign_tlv__uint(const sign_tlv *t, unsigned long *out, const char *what);

/*
 * From the first bytes of a file (at least the tag and length), the size of
 * the header and of the whole element; lets a reader ask for exactly the
 * bytes it needs.  SIGN_ERR_MALFORMED when the header is invalid, and also
 * when it is not complete within (p, len) (read 6 bytes to be safe: a
 * two-byte tag and 0x84 + four length bytes would need 7).
 */
int sign_tlv__header(const unsigned char *p, size_t len, size_t *hdr_len, size_t *total_len);

/* ---- writer ---- */

/* Bytes needed for the tag / the length field. */
size_t sign_tlv__tag_size(unsigned int tag);
size_t sign_tlv__len_size(size_t len);

/* Write tag and length into out (cap bytes); *written gets the size.
 * SIGN_ERR_TOO_LARGE when it does not fit. */
int sign_tlv__put_header(unsigned char *out, size_t cap, unsigned int tag, size_t len,
    size_t *written);
/* Write a whole element (header then value). */
int sign_tlv__put(unsigned char *out, size_t cap, unsigned int tag, const void *value,
    size_t len, size_t *written);

/* Append an element to a growing sign_buf (for builders and tests). */
int sign_tlv__append(sign_buf *buf, unsigned int tag, const void *value, size_t len);
/* Append raw bytes. */
int sign_tlv__append_raw(sign_buf *buf, const void *data, size_t len);
/* Replace buf's contents with tag+length+contents (wrap it). */
int sign_tlv__wrap(sign_buf *buf, unsigned int tag);

#endif
