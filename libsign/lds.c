/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * LDS files (ICAO 9303-10): EF.COM, DG1 and DG2.  DG13 is in lds_dg13.c.
 */
#include "internal.h"
#include "mrtd_priv.h"
#include "tlv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

unsigned int
sign_lds_dg_tag(int dg)
{
	static const unsigned char tags[16] = { 0x61, 0x75, 0x63, 0x76, 0x65, 0x66, 0x67, 0x68,
		0x69, 0x6A, 0x6B, 0x6C, 0x6D, 0x6E, 0x6F, 0x70 };

	if (dg < 1 || dg > 16)
		return 0;
	return tags[dg - 1];
}

int
sign_lds_dg_from_tag(unsigned int tag)
{
	int dg;

	for (dg = 1; dg <= 16; dg++)
		if (sign_lds_dg_tag(dg) == tag)
			return dg;
	return SIGN_ERR_NOT_FOUND;
}

/* ------------------------------------------------------------------ */
/* EF.COM                                                              */
/* ------------------------------------------------------------------ */

struct sign_efcom {
	char lds_version[16];
	char unicode_version[16];
	size_t n;
	int dgs[32];
};

static int
copy_ascii_digits(char *dst, size_t cap, const sign_tlv *t, const char *what)
{
	size_t i;

	if (t->constructed || t->len == 0 || t->len >= cap)
		return sign_error__set(SIGN_ERR_MALFORMED, 0, "%s: version %X has a bad length",
		    what, t->tag);
	for (i = 0; i < t->len; i++) {
		if (t->value[i] < '0' || t->value[i] > '9')
			return sign_error__set(SIGN_ERR_MALFORMED, 0,
			    "%s: version %X is not made of digits", what, t->tag);
		dst[i] = (char)t->value[i];
	}
	dst[t->len] = '\0';
	return 0;
}

int
sign_efcom_parse(sign_efcom **out, const unsigned char *data, size_t len)
{
	static const char *what = "EF.COM";
	sign_efcom *com = NULL;
	sign_tlv top, t;
	sign_tlv_iter it;
	int rc, have_list = 0;

	if (out == NULL || (data == NULL && len > 0))
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "%s: NULL argument", what);
	*out = NULL;
	if ((rc = sign_tlv__expect(&top, data, len, 0x60, 0, what)) < 0)
		return rc;
	com = calloc(1, sizeof(*com));
	if (com == NULL)
		return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
	if ((rc = sign_tlv__iter_init(&it, &top, what)) < 0)
		goto out;
	while ((rc = sign_tlv__next(&it, &t)) > 0) {
		if (t.tag == 0x5F01) {
			if ((rc = copy_ascii_digits(com->lds_version, sizeof(com->lds_version), &t,
			    what)) < 0)
				goto out;
		} else if (t.tag == 0x5F36) {
			if ((rc = copy_ascii_digits(com->unicode_version,
			    sizeof(com->unicode_version), &t, what)) < 0)
				goto out;
		} else if (t.tag == 0x5C) {
			size_t i;

			if (have_list || t.constructed) {
				rc = sign_error__set(SIGN_ERR_MALFORMED, 0,
				    "%s: the tag list (5C) is duplicated or constructed", what);
				goto out;
			}
			have_list = 1;
			for (i = 0; i < t.len; i++) {
				int dg = sign_lds_dg_from_tag(t.value[i]);

				if (dg < 0)
					continue; /* e.g. a tag this version does not know */
				if (com->n == sizeof(com->dgs) / sizeof(com->dgs[0]))
					break;
				com->dgs[com->n++] = dg;
			}
		}
		/* other objects are ignored */
	}
	if (rc < 0)
		goto out;
	if (!have_list) {
		rc = sign_error__set(SIGN_ERR_MALFORMED, 0, "%s: no tag list (5C)", what);
		goto out;
	}
	*out = com;
	com = NULL;
out:
	sign_efcom_free(com);
	return rc;
}

void
sign_efcom_free(sign_efcom *com)
{
	free(com);
}

const char *
sign_efcom_lds_version(const sign_efcom *com)
{
	return com != NULL ? com->lds_version : "";
}

const char *
sign_efcom_unicode_version(const sign_efcom *com)
{
	return com != NULL ? com->unicode_version : "";
}

size_t
sign_efcom_count(const sign_efcom *com)
{
	return com != NULL ? com->n : 0;
}

int
sign_efcom_dg(const sign_efcom *com, size_t i)
{
	if (com == NULL || i >= com->n)
		return SIGN_ERR_NOT_FOUND;
	return com->dgs[i];
}

int
sign_efcom_has(const sign_efcom *com, int dg)
{
	size_t i;

	if (com == NULL)
		return 0;
	for (i = 0; i < com->n; i++)
		if (com->dgs[i] == dg)
			return 1;
	return 0;
}

/* ------------------------------------------------------------------ */
/* DG1                                                                 */
/* ------------------------------------------------------------------ */

int
sign_dg1_parse(sign_mrz **out, const unsigned char *data, size_t len)
{
	static const char *what = "DG1";
	sign_tlv top, mrz;
	int rc;

	if (out == NULL || (data == NULL && len > 0))
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "%s: NULL argument", what);
	*out = NULL;
	if ((rc = sign_tlv__expect(&top, data, len, 0x61, 0, what)) < 0)
		return rc;
	rc = sign_tlv__find(&top, 0x5F1F, &mrz, what);
	if (rc == SIGN_ERR_NOT_FOUND)
		return sign_error__set(SIGN_ERR_MALFORMED, 0, "%s: no MRZ (5F1F)", what);
	if (rc < 0)
		return rc;
	if (mrz.constructed)
		return sign_error__set(SIGN_ERR_MALFORMED, 0, "%s: the MRZ (5F1F) is constructed",
		    what);
	/* Reject anything but the MRZ object. */
	if (top.len != mrz.raw_len)
		return sign_error__set(SIGN_ERR_MALFORMED, 0,
		    "%s: objects other than the MRZ (5F1F) inside tag 61", what);
	/* In DG1 the lines are concatenated; no newlines allowed. */
	if (memchr(mrz.value, '\n', mrz.len) != NULL)
		return sign_error__set(SIGN_ERR_MALFORMED, 0,
		    "%s: the MRZ holds a newline", what);
	return sign_mrz__parse_named(out, (const char *)mrz.value, mrz.len, what);
}

/* ------------------------------------------------------------------ */
/* DG2                                                                 */
/* ------------------------------------------------------------------ */

#define DG2_MAX_IMAGES 8

typedef struct dg2_image {
	size_t off, len;            /* into data */
	sign_image_format fmt;
	unsigned int width, height;
} dg2_image;

struct sign_dg2 {
	unsigned char *data;
	size_t len;
	sign_dg2_encoding enc;
	size_t n;
	dg2_image img[DG2_MAX_IMAGES];
};

const char *
sign_image_format_name(sign_image_format fmt)
{
	switch (fmt) {
	case SIGN_IMAGE_JPEG:
		return "jpeg";
	case SIGN_IMAGE_JPEG2000:
		return "jpeg2000";
	default:
		return "unknown";
	}
}

static unsigned long
be(const unsigned char *p, size_t n)
{
	unsigned long v = 0;
	size_t i;

	for (i = 0; i < n; i++)
		v = (v << 8) | p[i];
	return v;
}

static sign_image_format
sniff(const unsigned char *p, size_t n)
{
	static const unsigned char jp2[12] = { 0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20,
		0x0D, 0x0A, 0x87, 0x0A };

	if (n >= 3 && p[0] == 0xFF && p[1] == 0xD8 && p[2] == 0xFF)
		return SIGN_IMAGE_JPEG;
	if (n >= 12 && memcmp(p, jp2, 12) == 0)
		return SIGN_IMAGE_JPEG2000;
	if (n >= 4 && p[0] == 0xFF && p[1] == 0x4F && p[2] == 0xFF && p[3] == 0x51)
		return SIGN_IMAGE_JPEG2000;
	return SIGN_IMAGE_UNKNOWN;
}

/* Width and height from the image itself (JPEG SOFn, J2K SIZ, JP2 ihdr). */
static void
image_size(const unsigned char *p, size_t n, sign_image_format fmt, unsigned int *w,
    unsigned int *h)
{
	size_t i;

	if (fmt == SIGN_IMAGE_JPEG) {
		i = 2;
		while (i + 4 <= n && p[i] == 0xFF) {
			unsigned char m = p[i + 1];
			size_t seg = be(p + i + 2, 2);

			if (m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC) {
				if (i + 9 <= n && seg >= 7) {
					*h = (unsigned)be(p + i + 5, 2);
					*w = (unsigned)be(p + i + 7, 2);
				}
				return;
			}
			if (m == 0xD9 || m == 0xDA || seg < 2)
				return;
			i += 2 + seg;
		}
		return;
	}
	if (fmt != SIGN_IMAGE_JPEG2000)
		return;
	if (n >= 4 && p[0] == 0xFF && p[1] == 0x4F) {
		/* SIZ: FF51 Lsiz Rsiz Xsiz Ysiz XOsiz YOsiz */
		if (n >= 4 + 2 + 2 + 16 && p[2] == 0xFF && p[3] == 0x51) {
			unsigned long xs = be(p + 8, 4), ys = be(p + 12, 4);
			unsigned long xo = be(p + 16, 4), yo = be(p + 20, 4);

			if (xs >= xo && ys >= yo) {
				*w = (unsigned)(xs - xo);
				*h = (unsigned)(ys - yo);
			}
		}
		return;
	}
	/* JP2 boxes: find jp2h, then ihdr (height, width). */
	i = 0;
	while (i + 8 <= n) {
		unsigned long blen = be(p + i, 4);

		if (blen < 8 || blen > n - i)
			return;
		if (memcmp(p + i + 4, "jp2h", 4) == 0) {
			size_t j = i + 8, end = i + blen;

			while (j + 8 <= end) {
				unsigned long sl = be(p + j, 4);

				if (sl < 8 || sl > end - j)
					return;
				if (memcmp(p + j + 4, "ihdr", 4) == 0 && sl >= 16) {
					*h = (unsigned)be(p + j + 8, 4);
					*w = (unsigned)be(p + j + 12, 4);
					return;
				}
				j += sl;
			}
			return;
		}
		i += blen;
	}
}

static int
add_image(sign_dg2 *g, const unsigned char *img, size_t len, unsigned int w, unsigned int h,
    const char *what)
{
	dg2_image *d;

	if (len == 0)
		return sign_error__set(SIGN_ERR_MALFORMED, 0, "%s: empty image", what);
	if (g->n == DG2_MAX_IMAGES)
		return sign_error__set(SIGN_ERR_TOO_LARGE, 0, "%s: more than %d images", what,
		    DG2_MAX_IMAGES);
	d = &g->img[g->n++];
	d->off = (size_t)(img - g->data);
	d->len = len;
	d->fmt = sniff(img, len);
	d->width = w;
	d->height = h;
	if (d->width == 0 || d->height == 0) {
		d->width = d->height = 0;
		image_size(img, len, d->fmt, &d->width, &d->height);
	}
	return 0;
}

/*
 * ISO/IEC 19794-5:2005 facial record: 'FAC\0' '010\0' record length (4),
 * number of images (2); per image a facial record of block length (4),
 * feature points (2), gender, eye, hair (1 each), property mask (3),
 * expression (2), pose angles (3), uncertainties (3), 8 bytes per feature
 * point, then image information (12: face type, data type, width,
 * height, colour space, source, device (2), quality (2)) and the image.
 */
static int
parse_fac(sign_dg2 *g, const unsigned char *p, size_t n, const char *what)
{
	unsigned long reclen, count, i;
	size_t off;
	int rc;

	if (n < 14 || memcmp(p, "FAC\0", 4) != 0)
		return sign_error__set(SIGN_ERR_MALFORMED, 0,
		    "%s: the biometric data block is not an ISO 19794-5 'FAC' record", what);
	if (memcmp(p + 4, "010\0", 4) != 0)
		return sign_error__set(SIGN_ERR_UNSUPPORTED, 0,
		    "%s: ISO 19794-5 record version '%.3s' is not supported (only 010)", what,
		    (const char *)p + 4);
	reclen = be(p + 8, 4);
	count = be(p + 12, 2);
	if (reclen != n)
		return sign_error__set(SIGN_ERR_MALFORMED, 0,
		    "%s: the facial record claims %lu bytes, the block holds %zu", what, reclen, n);
	if (count == 0)
		return sign_error__set(SIGN_ERR_MALFORMED, 0, "%s: a facial record without images",
		    what);
	off = 14;
	for (i = 0; i < count; i++) {
		unsigned long blen, fp;
		size_t hdr;
		const unsigned char *b;

		if (n - off < 32)
			return sign_error__set(SIGN_ERR_MALFORMED, 0,
			    "%s: facial record %lu is truncated", what, i + 1);
		b = p + off;
		blen = be(b, 4);
		fp = be(b + 4, 2);
		hdr = 20 + 8 * (size_t)fp + 12;
		if (blen > n - off || blen < hdr)
			return sign_error__set(SIGN_ERR_MALFORMED, 0,
			    "%s: facial record %lu has a bad block length %lu", what, i + 1, blen);
		if ((rc = add_image(g, b + hdr, blen - hdr, (unsigned)be(b + 20 + 8 * fp + 2, 2),
		    (unsigned)be(b + 20 + 8 * fp + 4, 2), what)) < 0)
			return rc;
		off += blen;
	}
	if (off != n)
		return sign_error__set(SIGN_ERR_MALFORMED, 0,
		    "%s: %zu bytes after the last facial record", what, n - off);
	return 0;
}

/* Descend through the context-specific constructed [tag] child. */
static int
ctx_child(const sign_tlv *parent, unsigned int tag, sign_tlv *out, const char *what,
    const char *name)
{
	int rc = sign_tlv__find(parent, tag, out, what);

	if (rc == SIGN_ERR_NOT_FOUND)
		return sign_error__set(SIGN_ERR_MALFORMED, 0, "%s: ISO 39794-5 block without %s",
		    what, name);
	return rc;
}

/*
 * ISO/IEC 39794-5 (DER with context tags): FaceImageDataBlock [APPLICATION
 * 5] { versionBlock [0], representationBlocks [1] SEQUENCE OF
 * { representationId [0], imageRepresentation [1] { base2D [0]
 * { imageData [0] OCTET STRING, ... } ... } ... } }.  The encoding of
 * 7F2E may wrap the [APPLICATION 5] block in a [1] element.
 */
static int
parse_39794(sign_dg2 *g, const sign_tlv *bdb, const char *what)
{
	sign_tlv t, blk, reps, rep, r1, r2, r3, img;
	sign_tlv_iter it;
	int rc;

	t = *bdb;
	if ((rc = sign_tlv__validate(&t, what)) < 0)
		return rc;
	if ((rc = sign_tlv__find(&t, 0x65, &blk, what)) == SIGN_ERR_NOT_FOUND) {
		sign_tlv w;

		if ((rc = ctx_child(&t, 0xA1, &w, what, "its face image data block")) < 0)
			return rc;
		if ((rc = sign_tlv__find(&w, 0x65, &blk, what)) == SIGN_ERR_NOT_FOUND)
			return sign_error__set(SIGN_ERR_MALFORMED, 0,
			    "%s: ISO 39794-5 block without its face image data block (65)", what);
	}
	if (rc < 0)
		return rc;
	if ((rc = ctx_child(&blk, 0xA1, &reps, what, "representation blocks")) < 0)
		return rc;
	if ((rc = sign_tlv__iter_init(&it, &reps, what)) < 0)
		return rc;
	while ((rc = sign_tlv__next(&it, &rep)) > 0) {
		if (rep.tag != 0x30)
			return sign_error__set(SIGN_ERR_MALFORMED, 0,
			    "%s: an ISO 39794-5 representation is not a SEQUENCE", what);
		if ((rc = ctx_child(&rep, 0xA1, &r1, what, "an image representation")) < 0 ||
		    (rc = ctx_child(&r1, 0xA0, &r2, what, "a 2D image representation")) < 0 ||
		    (rc = ctx_child(&r2, 0xA0, &r3, what, "a 2D image block")) < 0)
			return rc;
		rc = sign_tlv__find(&r3, 0x80, &img, what);
		if (rc == SIGN_ERR_NOT_FOUND)
			return sign_error__set(SIGN_ERR_MALFORMED, 0,
			    "%s: ISO 39794-5 representation without image data", what);
		if (rc < 0)
			return rc;
		if ((rc = add_image(g, img.value, img.len, 0, 0, what)) < 0)
			return rc;
	}
	return rc;
}

int
sign_dg2_parse(sign_dg2 **out, const unsigned char *data, size_t len)
{
	static const char *what = "DG2";
	sign_dg2 *g = NULL;
	sign_tlv top, grp, t;
	sign_tlv_iter it;
	unsigned long count = 0, seen = 0;
	int rc, have_count = 0;

	if (out == NULL || (data == NULL && len > 0))
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "%s: NULL argument", what);
	*out = NULL;
	g = calloc(1, sizeof(*g));
	if (g == NULL)
		return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
	g->data = malloc(len > 0 ? len : 1);
	if (g->data == NULL) {
		rc = sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
		goto out;
	}
	if (len > 0)
		memcpy(g->data, data, len);
	g->len = len;
	if ((rc = sign_tlv__expect(&top, g->data, len, 0x75, 0, what)) < 0)
		goto out;
	rc = sign_tlv__find(&top, 0x7F61, &grp, what);
	if (rc == SIGN_ERR_NOT_FOUND)
		rc = sign_error__set(SIGN_ERR_MALFORMED, 0,
		    "%s: no biometric information group template (7F61)", what);
	if (rc < 0)
		goto out;
	if ((rc = sign_tlv__iter_init(&it, &grp, what)) < 0)
		goto out;
	while ((rc = sign_tlv__next(&it, &t)) > 0) {
		sign_tlv bdb;

		if (t.tag == 0x02) {
			if ((rc = sign_tlv__uint(&t, &count, what)) < 0)
				goto out;
			have_count = 1;
			continue;
		}
		if (t.tag != 0x7F60)
			continue;
		seen++;
		if ((rc = sign_tlv__find(&t, 0x5F2E, &bdb, what)) == 0) {
			if (bdb.constructed) {
				rc = sign_error__set(SIGN_ERR_MALFORMED, 0,
				    "%s: the biometric data block 5F2E is constructed", what);
				goto out;
			}
			g->enc = SIGN_DG2_ISO19794;
			if ((rc = parse_fac(g, bdb.value, bdb.len, what)) < 0)
				goto out;
			continue;
		}
		if (rc != SIGN_ERR_NOT_FOUND)
			goto out;
		rc = sign_tlv__find(&t, 0x7F2E, &bdb, what);
		if (rc == SIGN_ERR_NOT_FOUND) {
			rc = sign_error__set(SIGN_ERR_MALFORMED, 0,
			    "%s: a biometric information template without a data block (5F2E/7F2E)",
			    what);
			goto out;
		}
		if (rc < 0)
			goto out;
		if (bdb.len >= 4 && memcmp(bdb.value, "FAC\0", 4) == 0) {
			/* 7F2E holding a 19794 record is seen in the wild. */
			g->enc = SIGN_DG2_ISO19794;
			rc = parse_fac(g, bdb.value, bdb.len, what);
		} else {
			g->enc = SIGN_DG2_ISO39794;
			rc = parse_39794(g, &bdb, what);
		}
		if (rc < 0)
			goto out;
	}
	if (rc < 0)
		goto out;
	if (!have_count || count != seen || seen == 0) {
		rc = sign_error__set(SIGN_ERR_MALFORMED, 0,
		    "%s: the template count (%lu) does not match the %lu templates present", what,
		    count, seen);
		goto out;
	}
	if (g->n == 0) {
		rc = sign_error__set(SIGN_ERR_MALFORMED, 0, "%s: no image", what);
		goto out;
	}
	*out = g;
	g = NULL;
out:
	sign_dg2_free(g);
	return rc;
}

void
sign_dg2_free(sign_dg2 *dg2)
{
	if (dg2 == NULL)
		return;
	sign__freezero(dg2->data, dg2->len);
	free(dg2);
}

sign_dg2_encoding
sign_dg2_get_encoding(const sign_dg2 *dg2)
{
	return dg2 != NULL ? dg2->enc : (sign_dg2_encoding)0;
}

size_t
sign_dg2_count(const sign_dg2 *dg2)
{
	return dg2 != NULL ? dg2->n : 0;
}

int
sign_dg2_image(const sign_dg2 *dg2, size_t i, const unsigned char **img, size_t *len,
    sign_image_format *fmt, unsigned int *width, unsigned int *height)
{
	const dg2_image *d;

	if (dg2 == NULL || i >= dg2->n)
		return sign_error__set(SIGN_ERR_NOT_FOUND, 0, "DG2: no image %zu", i);
	d = &dg2->img[i];
	if (img != NULL)
		*img = dg2->data + d->off;
	if (len != NULL)
		*len = d->len;
	if (fmt != NULL)
		*fmt = d->fmt;
	if (width != NULL)
		*width = d->width;
	if (height != NULL)
		*height = d->height;
	return 0;
}
